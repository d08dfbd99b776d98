/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_pool.c: pools of fixed-size objects.
 *
 * Subsystems that allocate many objects of one type (vnodes, buffers,
 * sockets, packet buffers) create a pool for it.  Each pool keeps a small
 * cache of freed objects on a free list, so pool_get/pool_put mostly cost
 * one short spin-mutex section; objects beyond the cache go back to the
 * host.  Objects count against the kernel's memory accounting and limit
 * (kern_kmem.c) while they are out of the pool, not while they sit in the
 * cache: the cache is bounded (about 32 KiB per pool) and a leak check
 * that compares rump_kmem_inuse() sees only objects still in use.  The
 * pagedaemon empties the caches through a reclaimer.
 *
 * A pool made with pool_create_ctor() caches constructed objects: the
 * constructor runs when an object first comes from the host and the
 * destructor only when it goes back, so what the constructor set up (a
 * vnode's locks, each a host object) survives any number of get/put
 * rounds.  Such a pool keeps its cache in an array, not in a list
 * threaded through the objects, so no byte of a cached object is
 * touched, and its cache size is the caller's: a file system that frees
 * vnodes in batches wants the whole batch back.
 *
 * Locking: [I] immutable after pool_create, [a] atomic, [p] pr_lock,
 * [P] pools_lock.  Lock order: pools_lock > pr_lock.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/kmem_impl.h"
#include "kern/lock.h"

#define POOL_CACHE_BYTES (32 * 1024)
#define POOL_CACHE_MIN   16

struct pool_item {
	struct pool_item *pi_next;
};

struct pool {
	kmutex_t pr_lock;
	struct pool_item *pr_free;     /* [p] cached free objects */
	void **pr_stack;               /* [p] same, constructed (pr_ctor) */
	unsigned pr_nfree;             /* [p] their number */
	unsigned pr_maxfree;           /* [I] cache size */
	size_t pr_size;                /* [I] object size, rounded up */
	size_t pr_align;               /* [I] 0: host default */
	uint64_t pr_nout;              /* [a] objects handed out */
	void (*pr_ctor)(void *);       /* [I] NULL for a plain pool */
	void (*pr_dtor)(void *);       /* [I] */
	char pr_name[16];              /* [I] */
	struct pool *pr_next;          /* [P] all pools */
};

static kmutex_t pools_lock;
static struct pool *pools;             /* [P] */
static struct kmem_reclaimer pool_reclaimer;

/*
 * Create a pool of objects of size bytes aligned to align (a power of
 * two, 0 for the default of 16).  name is copied.  Never fails.
 */
static pool_t
pool_create_common(size_t size, size_t align, const char *name,
    unsigned maxfree, void (*ctor)(void *), void (*dtor)(void *))
{
	struct pool *pp;

	KASSERT(align == 0 || powerof2(align));
	pp = kmem_zalloc(sizeof(*pp), KM_SLEEP);
	if (align > 16)
		size = roundup(size, align);
	else
		align = 0;
	size = roundup(MAX(size, sizeof(struct pool_item)), 16);
	pp->pr_size = size;
	pp->pr_align = align;
	pp->pr_maxfree = maxfree != 0 ? maxfree :
	    MAX(POOL_CACHE_MIN, POOL_CACHE_BYTES / size);
	pp->pr_ctor = ctor;
	pp->pr_dtor = dtor;
	if (ctor != NULL)
		pp->pr_stack = kmem_alloc(pp->pr_maxfree * sizeof(void *),
		    KM_SLEEP);
	strlcpy(pp->pr_name, name, sizeof(pp->pr_name));
	mutex_init(&pp->pr_lock, MUTEX_SPIN, pp->pr_name);

	mutex_enter(&pools_lock);
	pp->pr_next = pools;
	pools = pp;
	mutex_exit(&pools_lock);
	return pp;
}

pool_t
pool_create(size_t size, size_t align, const char *name)
{
	return pool_create_common(size, align, name, 0, NULL, NULL);
}

/*
 * A pool of constructed objects: ctor(obj) when an object comes from the
 * host, dtor(obj) before it goes back; up to maxcache of them (0 for the
 * default) are kept constructed while free.
 */
pool_t
pool_create_ctor(size_t size, size_t align, const char *name,
    unsigned maxcache, void (*ctor)(void *), void (*dtor)(void *))
{
	KASSERT(ctor != NULL && dtor != NULL);
	return pool_create_common(size, align, name, maxcache, ctor, dtor);
}

/* Give an object that left the cache back to the host. */
static void
pool_release(struct pool *pp, void *obj)
{
	if (pp->pr_dtor != NULL)
		pp->pr_dtor(obj);
	rumpuser_free(obj, pp->pr_size);
}

/* Give every cached object of pp back to the host. */
static void
pool_drain(struct pool *pp)
{
	struct pool_item *pi, *next;
	void *obj;

	mutex_enter(&pp->pr_lock);
	if (pp->pr_ctor != NULL) {
		/* One at a time: the destructor must not run under a
		 * spin mutex (it gives host objects back). */
		while (pp->pr_nfree > 0) {
			obj = pp->pr_stack[--pp->pr_nfree];
			mutex_exit(&pp->pr_lock);
			pool_release(pp, obj);
			mutex_enter(&pp->pr_lock);
		}
		mutex_exit(&pp->pr_lock);
		return;
	}
	pi = pp->pr_free;
	pp->pr_free = NULL;
	pp->pr_nfree = 0;
	mutex_exit(&pp->pr_lock);
	for (; pi != NULL; pi = next) {
		next = pi->pi_next;
		rumpuser_free(pi, pp->pr_size);
	}
}

/* Destroy a pool; every object must have been put back. */
void
pool_destroy(pool_t pp)
{
	struct pool **ppp;

	if (atomic_load_relaxed(&pp->pr_nout) != 0)
		panic("pool_destroy: pool \"%s\" still has %llu objects out",
		    pp->pr_name,
		    (unsigned long long)atomic_load_relaxed(&pp->pr_nout));
	mutex_enter(&pools_lock);
	for (ppp = &pools; *ppp != NULL; ppp = &(*ppp)->pr_next) {
		if (*ppp == pp) {
			*ppp = pp->pr_next;
			break;
		}
	}
	mutex_exit(&pools_lock);
	pool_drain(pp);
	mutex_destroy(&pp->pr_lock);
	if (pp->pr_stack != NULL)
		kmem_free(pp->pr_stack, pp->pr_maxfree * sizeof(void *));
	kmem_free(pp, sizeof(*pp));
}

/*
 * Get an object (contents undefined, but constructed in a pool made by
 * pool_create_ctor()).  KM_SLEEP never returns NULL; KM_NOSLEEP returns
 * NULL when the memory limit or the host says no.
 */
void *
pool_get(pool_t pp, int kmflags)
{
	struct pool_item *pi;
	void *mem;
	int tries;

	if (kmem_reserve(pp->pr_size, kmflags) != 0)
		return NULL;
	mutex_enter(&pp->pr_lock);
	if (pp->pr_ctor != NULL) {
		pi = pp->pr_nfree > 0 ? pp->pr_stack[--pp->pr_nfree] : NULL;
	} else if ((pi = pp->pr_free) != NULL) {
		pp->pr_free = pi->pi_next;
		pp->pr_nfree--;
	}
	mutex_exit(&pp->pr_lock);
	if (pi == NULL) {
		for (tries = 0;; tries++) {
			if (rumpuser_malloc(pp->pr_size, (int)pp->pr_align,
			    &mem) == 0)
				break;
			if (kmflags & KM_NOSLEEP) {
				kmem_unreserve(pp->pr_size);
				return NULL;
			}
			kmem_host_exhausted(pp->pr_name, pp->pr_size, tries);
		}
		pi = mem;
		if (pp->pr_ctor != NULL)
			pp->pr_ctor(pi);
	}
	atomic_inc(&pp->pr_nout);
	return pi;
}

/* Return an object obtained with pool_get() from the same pool. */
void
pool_put(pool_t pp, void *obj)
{
	struct pool_item *pi = obj;
	uint64_t nout __unused;

	KASSERT(obj != NULL);
	nout = atomic_dec_nv(&pp->pr_nout);
	KASSERTMSG(nout != UINT64_MAX, "pool_put: pool \"%s\": more objects "
	    "put than taken", pp->pr_name);
	mutex_enter(&pp->pr_lock);
	if (pp->pr_ctor != NULL) {
		if (pp->pr_nfree < pp->pr_maxfree) {
			pp->pr_stack[pp->pr_nfree++] = obj;
			pi = NULL;
		}
	} else if (pp->pr_nfree < pp->pr_maxfree) {
		pi->pi_next = pp->pr_free;
		pp->pr_free = pi;
		pp->pr_nfree++;
		pi = NULL;
	}
	mutex_exit(&pp->pr_lock);
	if (pi != NULL)
		pool_release(pp, pi);
	kmem_unreserve(pp->pr_size);
}

uint64_t
pool_nout(pool_t pp)
{
	return atomic_load_relaxed(&pp->pr_nout);
}

/*
 * Reclaimer: empty every pool's cache.  Cached objects are not in the
 * accounting, so this gives memory back to the host without lowering
 * kmem_inuse(); it reports 0 bytes.
 */
static size_t
pool_reclaim(void *arg, size_t target)
{
	struct pool *pp;

	mutex_enter(&pools_lock);
	for (pp = pools; pp != NULL; pp = pp->pr_next)
		pool_drain(pp);
	mutex_exit(&pools_lock);
	return 0;
}

void
pool_subsys_init(void)
{
	mutex_init(&pools_lock, MUTEX_DEFAULT, "pools");
	pool_reclaimer.kr_name = "pools";
	pool_reclaimer.kr_reclaim = pool_reclaim;
	kmem_reclaimer_register(&pool_reclaimer);
}
