/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_kmem.c: kernel memory allocation, accounting, the memory limit and
 * the pagedaemon.
 *
 * Memory comes from the host through rumpuser_malloc().  Every byte the
 * kernel holds is counted in one atomic counter, kmem_used: kmem_alloc
 * charges the size asked for, kmem_page_alloc its size, pools the objects
 * they have handed out (kern_pool.c), and caches that hold memory some
 * other way charge it with kmem_charge().  rump_kmem_inuse() reports it.
 *
 * kmem_alloc puts a 16-byte header in front of each block with its size,
 * so kmem_free(p, size) with the wrong size panics (DIAGNOSTIC) and the
 * accounting stays exact.  Blocks are 16-byte aligned.  Page allocations
 * carry no header (they must stay page aligned) and are not checked.
 *
 * The limit (RUMP_MEMLIMIT, given to kmem_init(); 0 = none):
 *  - Above the high-water mark (90%) an allocation kicks the pagedaemon,
 *    which runs the registered reclaimers (at most every 100 ms while they
 *    free nothing).
 *  - An allocation that would cross the limit asks the pagedaemon for a
 *    reclaim pass and waits for it (kmem_reclaim_pass).  If it is still
 *    over: KM_NOSLEEP fails at once (it never waits, not even for the
 *    pass); KM_SLEEP retries while passes free memory, and once a pass
 *    freed nothing it may go over the limit by the reserve (1/16 of the
 *    limit, at least 256 KiB) so the kernel keeps running; beyond the
 *    reserve it waits in 100 ms steps for memory to be freed.
 *  - kmem_charge never uses the reserve: after a pass that freed nothing it
 *    returns ENOMEM (tmpfs turns that into ENOSPC).
 *
 * Lock order: kmem_rc_lock and kmem_pd_lock are leaves, never held
 * together; reclaimers are called with neither held.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/kmem_impl.h"
#include "kern/lwp.h"

#define KMEM_HDRSIZE    16
#define KMEM_MAGIC      0x6b6d656dU     /* live block */
#define KMEM_MAGIC_FREE 0x66726565U     /* freed block */
#define KMEM_HOST_TRIES 8               /* host malloc retries, KM_SLEEP */
#define KMEM_WAIT_NS    (100 * NSEC_PER_MSEC)
#define KMEM_PASS_WAIT_NS (NSEC_PER_SEC)

struct kmem_hdr {
	size_t kh_size;
	uint32_t kh_magic;
	uint32_t kh_spare;
};
CTASSERT(sizeof(struct kmem_hdr) == KMEM_HDRSIZE);

/*
 * Locking: [a] atomic, [I] set by kmem_init()/kmem_pagedaemon_start(),
 * [r] kmem_rc_lock, [d] kmem_pd_lock.
 */
static uint64_t kmem_used;             /* [a] bytes held */
static uint64_t kmem_max;              /* [I] the limit, 0: none */
static uint64_t kmem_hiwat = UINT64_MAX; /* [I] kick the pagedaemon above */
static uint64_t kmem_slack;            /* [I] KM_SLEEP reserve over max */
static unsigned kmem_nwaiters;         /* [a] KM_SLEEP waiting for frees */
static bool kmem_locks_ready;          /* [I] */

static kmutex_t kmem_rc_lock;
static kcondvar_t kmem_rc_cv;          /* a reclaim run finished */
static struct kmem_reclaimer *kmem_reclaimers; /* [r] */
static bool kmem_rc_running;           /* [r] reclaimers being called */

static kmutex_t kmem_pd_lock;
static kcondvar_t kmem_pd_cv;          /* wakes the pagedaemon */
static kcondvar_t kmem_pd_donecv;      /* a pass finished */
static kcondvar_t kmem_freecv;         /* memory was freed */
static struct lwp *kmem_pd_lwp;        /* [I] the pagedaemon */
static uint64_t kmem_pd_passes;        /* [d] passes finished */
static size_t kmem_pd_lastfreed;       /* [d] bytes the last pass freed */
static size_t kmem_pd_target;          /* [d] bytes asked for by waiters */
static unsigned kmem_pd_requests;      /* [d] passes asked for */
static bool kmem_pd_busy;              /* [d] a pass is running */
static int64_t kmem_pd_next;           /* [d] next proactive pass, uptime */
static int kmem_pd_kick;               /* [a] proactive pass wanted */

/* Add size to kmem_used unless that goes above lim; true if added. */
static bool
kmem_try_add(size_t size, uint64_t lim)
{
	uint64_t old = atomic_load_relaxed(&kmem_used);

	do {
		if (old + size > lim || old + size < old)
			return false;
	} while (!atomic_cas(&kmem_used, &old, old + size));
	return true;
}

/*
 * Call every reclaimer, asking for target bytes in all.  Returns the bytes
 * they freed.  Takes and drops kmem_rc_lock; reclaimers run without it,
 * and the running flag keeps unregister from pulling one out under us.
 */
static size_t
kmem_run_reclaimers(size_t target)
{
	struct kmem_reclaimer *kr;
	size_t freed = 0;

	mutex_enter(&kmem_rc_lock);
	while (kmem_rc_running)
		cv_wait(&kmem_rc_cv, &kmem_rc_lock);
	kmem_rc_running = true;
	for (kr = kmem_reclaimers; kr != NULL; kr = kr->kr_next) {
		mutex_exit(&kmem_rc_lock);
		freed += kr->kr_reclaim(kr->kr_arg,
		    target > freed ? target - freed : PAGE_SIZE);
		mutex_enter(&kmem_rc_lock);
	}
	kmem_rc_running = false;
	cv_broadcast(&kmem_rc_cv);
	mutex_exit(&kmem_rc_lock);
	return freed;
}

/*
 * Have one reclaim pass run after this call started, asking for at least
 * target bytes, and return what it freed.  The pagedaemon runs it; before
 * the pagedaemon exists the caller runs the reclaimers itself.  The
 * pagedaemon's own allocations (from reclaimers) get 0: it cannot wait for
 * itself.  A pass that does not finish within a second counts as freeing
 * nothing, so a reclaimer stuck behind the caller cannot hang it.
 */
static size_t
kmem_reclaim_pass(size_t target)
{
	uint64_t want;
	size_t freed = 0;

	if (!kmem_locks_ready)
		return 0;
	if (kmem_pd_lwp == NULL)
		return kmem_run_reclaimers(target);
	if (curlwp == kmem_pd_lwp)
		return 0;

	mutex_enter(&kmem_pd_lock);
	want = kmem_pd_passes + (kmem_pd_busy ? 2 : 1);
	kmem_pd_requests++;
	if (target > kmem_pd_target)
		kmem_pd_target = target;
	cv_signal(&kmem_pd_cv);
	while (kmem_pd_passes < want) {
		if (cv_timedwait(&kmem_pd_donecv, &kmem_pd_lock,
		    KMEM_PASS_WAIT_NS) != 0 && kmem_pd_passes < want)
			break;
	}
	if (kmem_pd_passes >= want)
		freed = kmem_pd_lastfreed;
	mutex_exit(&kmem_pd_lock);
	return freed;
}

void
kmem_reclaim_wait(void)
{
	(void)kmem_reclaim_pass(PAGE_SIZE);
}

/* Usage crossed the high-water mark: wake the pagedaemon once. */
static void
kmem_pd_kickit(void)
{
	if (kmem_pd_lwp == NULL || atomic_swap(&kmem_pd_kick, 1) != 0)
		return;
	mutex_enter(&kmem_pd_lock);
	cv_signal(&kmem_pd_cv);
	mutex_exit(&kmem_pd_lock);
}

/* Wait up to 100 ms for memory to be freed (KM_SLEEP over the reserve). */
static void
kmem_wait_for_free(void)
{
	atomic_inc(&kmem_nwaiters);
	mutex_enter(&kmem_pd_lock);
	(void)cv_timedwait(&kmem_freecv, &kmem_pd_lock, KMEM_WAIT_NS);
	mutex_exit(&kmem_pd_lock);
	atomic_dec(&kmem_nwaiters);
}

/* The limit is in the way of size more bytes: see the file comment. */
static int
kmem_reserve_slow(size_t size, int kmflags, bool charge)
{
	size_t freed;

	if (kmflags & KM_NOSLEEP && !charge) {
		kmem_pd_kickit();
		return ENOMEM;
	}
	if (kmem_pd_lwp != NULL && curlwp == kmem_pd_lwp)
		return kmem_try_add(size, kmem_max + kmem_slack) ? 0 : ENOMEM;
	for (;;) {
		freed = kmem_reclaim_pass(size);
		if (kmem_try_add(size, kmem_max))
			return 0;
		if (kmflags & KM_NOSLEEP)
			return ENOMEM;
		if (freed > 0)
			continue;
		if (charge)
			return ENOMEM;
		if (kmem_try_add(size, kmem_max + kmem_slack))
			return 0;
		kmem_wait_for_free();
		if (kmem_try_add(size, kmem_max))
			return 0;
	}
}

static int
kmem_account(size_t size, int kmflags, bool charge)
{
	uint64_t nv;

	nv = atomic_add_nv(&kmem_used, size);
	if (__predict_true(nv <= kmem_hiwat))
		return 0;
	if (nv <= kmem_max) {
		kmem_pd_kickit();
		return 0;
	}
	(void)atomic_add_nv(&kmem_used, -(uint64_t)size);
	return kmem_reserve_slow(size, kmflags, charge);
}

int
kmem_reserve(size_t size, int kmflags)
{
	return kmem_account(size, kmflags, false);
}

void
kmem_unreserve(size_t size)
{
	uint64_t nv __unused;

	nv = atomic_add_nv(&kmem_used, -(uint64_t)size);
	KASSERTMSG(nv + size >= nv, "kmem: accounting underflow");
	if (__predict_false(atomic_load_relaxed(&kmem_nwaiters) != 0) &&
	    kmem_locks_ready) {
		mutex_enter(&kmem_pd_lock);
		cv_broadcast(&kmem_freecv);
		mutex_exit(&kmem_pd_lock);
	}
}

void
kmem_host_exhausted(const char *what, size_t size, int tries)
{
	if (tries >= KMEM_HOST_TRIES)
		panic("%s: the host has no memory for %zu bytes "
		    "(%d attempts)", what, size, tries + 1);
	(void)kmem_reclaim_pass(size);
	if (tries > 0)
		kpause(10 * NSEC_PER_MSEC * tries);
}

/*
 * Allocate size bytes.  KM_SLEEP never returns NULL; KM_NOSLEEP returns
 * NULL when the limit or the host says no.  The caller frees the block
 * with kmem_free(p, size) and the same size.
 */
void *
kmem_alloc(size_t size, int kmflags)
{
	struct kmem_hdr *kh;
	void *mem;
	int tries;

	KASSERT(kmflags == KM_SLEEP || kmflags == KM_NOSLEEP);
	if (__predict_false(size > SIZE_T_MAX / 2)) {
		if (kmflags & KM_NOSLEEP)
			return NULL;
		panic("kmem_alloc: impossible size %zu", size);
	}
	if (kmem_reserve(size, kmflags) != 0)
		return NULL;
	for (tries = 0;; tries++) {
		if (rumpuser_malloc(size + KMEM_HDRSIZE, 0, &mem) == 0)
			break;
		if (kmflags & KM_NOSLEEP) {
			kmem_unreserve(size);
			return NULL;
		}
		kmem_host_exhausted("kmem_alloc", size, tries);
	}
	kh = mem;
	kh->kh_size = size;
	kh->kh_magic = KMEM_MAGIC;
	return (char *)mem + KMEM_HDRSIZE;
}

void *
kmem_zalloc(size_t size, int kmflags)
{
	void *p;

	p = kmem_alloc(size, kmflags);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static struct kmem_hdr *
kmem_hdr_check(void *p, size_t size)
{
	struct kmem_hdr *kh = (void *)((char *)p - KMEM_HDRSIZE);

	KASSERTMSG(kh->kh_magic == KMEM_MAGIC,
	    "kmem_free: %p is not a live kmem block (magic 0x%x)",
	    p, kh->kh_magic);
	KASSERTMSG(kh->kh_size == size,
	    "kmem_free: %p freed with size %zu, allocated with %zu",
	    p, size, kh->kh_size);
	return kh;
}

void
kmem_free(void *p, size_t size)
{
	struct kmem_hdr *kh;

	if (p == NULL)
		return;
	kh = kmem_hdr_check(p, size);
	size = kh->kh_size;
	kh->kh_magic = KMEM_MAGIC_FREE;
	rumpuser_free(kh, size + KMEM_HDRSIZE);
	kmem_unreserve(size);
}

/* Copy s into a new block; free it with kmem_strfree(). */
char *
kmem_strdup(const char *s, int kmflags)
{
	size_t len = strlen(s) + 1;
	char *p;

	p = kmem_alloc(len, kmflags);
	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

void
kmem_strfree(char *s)
{
	struct kmem_hdr *kh;

	if (s == NULL)
		return;
	kh = (void *)(s - KMEM_HDRSIZE);
	kmem_free(s, kh->kh_size);
}

/* Page-aligned memory, accounted like kmem_alloc but without a header. */
void *
kmem_page_alloc(size_t size, int kmflags)
{
	void *mem;
	int tries;

	KASSERT(kmflags == KM_SLEEP || kmflags == KM_NOSLEEP);
	if (kmem_reserve(size, kmflags) != 0)
		return NULL;
	for (tries = 0;; tries++) {
		if (size == PAGE_SIZE) {
			if ((mem = kpage_get()) != NULL)
				return mem;
		} else if (rumpuser_malloc(size, PAGE_SIZE, &mem) == 0)
			return mem;
		if (kmflags & KM_NOSLEEP) {
			kmem_unreserve(size);
			return NULL;
		}
		kmem_host_exhausted("kmem_page_alloc", size, tries);
	}
}

void
kmem_page_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	KASSERT(((uintptr_t)p & PAGE_MASK) == 0);
	if (size == PAGE_SIZE)
		kpage_put(p);
	else
		rumpuser_free(p, size);
	kmem_unreserve(size);
}

int
kmem_charge(size_t size, int kmflags)
{
	return kmem_account(size, kmflags, true);
}

void
kmem_uncharge(size_t size)
{
	kmem_unreserve(size);
}

uint64_t
kmem_inuse(void)
{
	return atomic_load_relaxed(&kmem_used);
}

uint64_t
kmem_limit(void)
{
	return kmem_hiwat == UINT64_MAX ? 0 : kmem_max;
}

/* Public (rump.h): bytes the kernel holds now. */
uint64_t
rump_kmem_inuse(void)
{
	return kmem_inuse();
}

void
kmem_reclaimer_register(struct kmem_reclaimer *kr)
{
	KASSERT(kmem_locks_ready);
	mutex_enter(&kmem_rc_lock);
	kr->kr_next = kmem_reclaimers;
	kmem_reclaimers = kr;
	mutex_exit(&kmem_rc_lock);
}

/* Remove kr; waits until no reclaim run is calling it. */
void
kmem_reclaimer_unregister(struct kmem_reclaimer *kr)
{
	struct kmem_reclaimer **krp;

	mutex_enter(&kmem_rc_lock);
	while (kmem_rc_running)
		cv_wait(&kmem_rc_cv, &kmem_rc_lock);
	for (krp = &kmem_reclaimers; *krp != NULL; krp = &(*krp)->kr_next) {
		if (*krp == kr) {
			*krp = kr->kr_next;
			break;
		}
	}
	mutex_exit(&kmem_rc_lock);
}

/* Is a proactive pass due?  With kmem_pd_lock held. */
static bool
kmem_pd_proactive_due(int64_t now)
{
	return atomic_load_relaxed(&kmem_pd_kick) != 0 && now >= kmem_pd_next;
}

/*
 * The pagedaemon: runs a reclaim pass when an allocation asks for one, or
 * when usage is above the high-water mark (kicked by allocations, at most
 * every 100 ms while passes free nothing).
 */
static void
kmem_pagedaemon(void *arg)
{
	size_t target, freed;
	uint64_t used;
	int64_t now;

	atomic_store_release(&kmem_pd_lwp, curlwp);
	mutex_enter(&kmem_pd_lock);
	for (;;) {
		now = getnanouptime();
		if (kmem_pd_requests == 0 && !kmem_pd_proactive_due(now)) {
			(void)cv_timedwait(&kmem_pd_cv, &kmem_pd_lock,
			    kmem_pd_next > now ? kmem_pd_next - now : 0);
			continue;
		}
		used = kmem_inuse();
		if (kmem_pd_requests == 0 && used <= kmem_hiwat) {
			atomic_store_relaxed(&kmem_pd_kick, 0);
			continue;
		}
		/* Aim for 80% of the limit, and what the waiters asked. */
		target = kmem_pd_target;
		if (used > kmem_max / 10 * 8)
			target += used - kmem_max / 10 * 8;
		kmem_pd_target = 0;
		kmem_pd_requests = 0;
		kmem_pd_busy = true;
		atomic_store_relaxed(&kmem_pd_kick, 0);
		mutex_exit(&kmem_pd_lock);

		freed = kmem_run_reclaimers(target);

		mutex_enter(&kmem_pd_lock);
		kmem_pd_busy = false;
		kmem_pd_passes++;
		kmem_pd_lastfreed = freed;
		kmem_pd_next = freed == 0 ? getnanouptime() + KMEM_WAIT_NS : 0;
		cv_broadcast(&kmem_pd_donecv);
		cv_broadcast(&kmem_freecv);
	}
}

/*
 * Set the limit (bytes, 0 = none) and the locks.  Called once by
 * rump_init() before anything else allocates through locks.
 */
void
kmem_init(uint64_t limit)
{
	kmem_max = limit;
	if (limit != 0) {
		kmem_hiwat = limit / 10 * 9;
		kmem_slack = MAX(limit / 16, 256 * 1024);
	} else {
		kmem_max = UINT64_MAX;
		kmem_hiwat = UINT64_MAX;
		kmem_slack = 0;
	}
	kpage_init();
	mutex_init(&kmem_rc_lock, MUTEX_DEFAULT, "kmemrc");
	cv_init(&kmem_rc_cv, "kmemrc");
	mutex_init(&kmem_pd_lock, MUTEX_DEFAULT, "kmempd");
	cv_init(&kmem_pd_cv, "pgdaemon");
	cv_init(&kmem_pd_donecv, "pgdone");
	cv_init(&kmem_freecv, "kmemfree");
	kmem_locks_ready = true;
	pool_subsys_init();
}

/*
 * Start the pagedaemon once threads can be created (rump_init).  Without a
 * limit there is nothing for it to do, and none is started.
 */
void
kmem_pagedaemon_start(void)
{
	struct lwp *l = NULL;
	int error;

	if (kmem_hiwat == UINT64_MAX || kmem_pd_lwp != NULL)
		return;
	error = kthread_create(0, kmem_pagedaemon, NULL, &l, "pgdaemon");
	if (error != 0) {
		printf("kmem: cannot start the pagedaemon (error %d), "
		    "reclaiming in the allocating threads\n", error);
		return;
	}
	if (l != NULL)
		atomic_store_release(&kmem_pd_lwp, l);
}
