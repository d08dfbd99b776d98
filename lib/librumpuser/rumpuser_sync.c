/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_sync.c: host mutexes, reader/writer locks and condition
 * variables.
 *
 * The kernel's lock primitives (sys/kern: mutex, rwlock, condvar) are thin
 * layers over these.  The rule for all of them: never block in the host
 * while holding a virtual CPU.  Every acquisition tries first without
 * blocking; only if that fails is the virtual CPU released
 * (ru_unschedule()), the lock taken blocking, and a virtual CPU taken again
 * (ru_schedule()).  The *_nowrap variants and spin mutexes never touch the
 * virtual CPU.
 *
 * Mutexes are pthread mutexes.  A spin mutex (RUMPUSER_MTX_SPIN) is the same
 * object acquired by spinning, so condition variables work with both kinds.
 *
 * Reader/writer locks are built here because the kernel needs
 * rw_tryupgrade(), which pthread rwlocks lack.  The lock is one atomic word:
 *
 *	RU_RW_WRITER   held by a writer (then the reader count is 0)
 *	RU_RW_WAITERS  some thread sleeps on rw_cv
 *	RU_RW_WWANT    a writer sleeps on rw_cv: new readers wait too,
 *	               so writers are not starved
 *	low bits       number of readers
 *
 * Acquiring and releasing are compare-and-swap loops on the word.  A thread
 * that must wait takes rw_mtx, sets RU_RW_WAITERS (and RU_RW_WWANT for a
 * writer) with a compare-and-swap while the lock is still unavailable, and
 * sleeps on rw_cv.  A release that brings the lock to a state where a
 * waiter may proceed (no holder left, or a downgrade) clears both bits in
 * the same compare-and-swap and, if RU_RW_WAITERS was set, broadcasts
 * under rw_mtx; the waiters then retry and set the bits again if they
 * still have to wait.  Because the waiter sets the bit under rw_mtx and
 * the waker broadcasts under rw_mtx, no wake-up is lost.
 *
 * Locking: [m] the rumpuser_mtx itself, [a] atomic, [I] immutable,
 * [w] rw_mtx.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "rumpuser_int.h"

struct rumpuser_mtx {
	pthread_mutex_t m_pmtx;
	struct lwp *m_owner;   /* [m] holder of a KMUTEX; read [a] */
	int m_flags;           /* [I] RUMPUSER_MTX_* */
};

struct rumpuser_rw {
	uint64_t rw_state;     /* [a] see above */
	struct lwp *rw_owner;  /* [a] writer's lwp while RU_RW_WRITER */
	pthread_mutex_t rw_mtx;
	pthread_cond_t rw_cv;  /* [w] waiters of both kinds */
};

struct rumpuser_cv {
	pthread_cond_t c_cv;
	unsigned c_nwaiters;   /* [a] threads in a wait */
};

#define RU_RW_WRITER  ((uint64_t)1 << 63)
#define RU_RW_WAITERS ((uint64_t)1 << 62)
#define RU_RW_WWANT   ((uint64_t)1 << 61)
#define RU_RW_READERS (RU_RW_WWANT - 1)

#define RU_SPIN_PAUSES 1000
#define RU_CV_MAXSEC   ((int64_t)1 << 40)

static inline void
ru_cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static void *
ru_sync_alloc(size_t size, const char *what)
{
	void *p = malloc(size);

	if (p == NULL)
		ru_fatal(what, ENOMEM);
	return p;
}

/*
 * Mutexes.
 */

static inline void
ru_mtx_set_owner(struct rumpuser_mtx *mtx)
{
	if (mtx->m_flags & RUMPUSER_MTX_KMUTEX)
		__atomic_store_n(&mtx->m_owner, ru_curlwp_tls,
		    __ATOMIC_RELAXED);
}

static inline void
ru_mtx_clear_owner(struct rumpuser_mtx *mtx)
{
	if (mtx->m_flags & RUMPUSER_MTX_KMUTEX)
		__atomic_store_n(&mtx->m_owner, NULL, __ATOMIC_RELAXED);
}

/* Take the host mutex by spinning; for spin mutexes. */
static void
ru_mtx_spin(struct rumpuser_mtx *mtx)
{
	unsigned i;

	for (;;) {
		for (i = 0; i < RU_SPIN_PAUSES; i++) {
			if (pthread_mutex_trylock(&mtx->m_pmtx) == 0)
				return;
			ru_cpu_pause();
		}
		/* The holder may have been preempted: let it run. */
		sched_yield();
	}
}

/* Take the host mutex after a failed try, as enter does.  No owner set. */
static void
ru_mtx_lock_slow(struct rumpuser_mtx *mtx)
{
	int nlocks;

	if (mtx->m_flags & RUMPUSER_MTX_SPIN) {
		ru_mtx_spin(mtx);
		return;
	}
	nlocks = ru_unschedule(NULL);
	pthread_mutex_lock(&mtx->m_pmtx);
	ru_schedule(nlocks);
}

void
rumpuser_mutex_init(struct rumpuser_mtx **mtxp, int flags)
{
	struct rumpuser_mtx *mtx;
	int error;

	mtx = ru_sync_alloc(sizeof(*mtx), "mutex_init");
	error = pthread_mutex_init(&mtx->m_pmtx, NULL);
	if (error != 0)
		ru_fatal("mutex_init", error);
	mtx->m_owner = NULL;
	mtx->m_flags = flags;
	*mtxp = mtx;
}

/*
 * Acquire mtx.  A sleeping mutex that is taken releases the virtual CPU
 * while waiting; a spin mutex spins with the virtual CPU kept.
 */
void
rumpuser_mutex_enter(struct rumpuser_mtx *mtx)
{
	if (__builtin_expect(pthread_mutex_trylock(&mtx->m_pmtx) != 0, 0))
		ru_mtx_lock_slow(mtx);
	ru_mtx_set_owner(mtx);
}

/* Acquire mtx keeping the virtual CPU, for callers that cannot give it up. */
void
rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *mtx)
{
	if (mtx->m_flags & RUMPUSER_MTX_SPIN)
		ru_mtx_spin(mtx);
	else
		pthread_mutex_lock(&mtx->m_pmtx);
	ru_mtx_set_owner(mtx);
}

/* Returns 0 with mtx held, or EBUSY. */
int
rumpuser_mutex_tryenter(struct rumpuser_mtx *mtx)
{
	if (pthread_mutex_trylock(&mtx->m_pmtx) != 0)
		return EBUSY;
	ru_mtx_set_owner(mtx);
	return 0;
}

void
rumpuser_mutex_exit(struct rumpuser_mtx *mtx)
{
	ru_mtx_clear_owner(mtx);
	pthread_mutex_unlock(&mtx->m_pmtx);
}

void
rumpuser_mutex_destroy(struct rumpuser_mtx *mtx)
{
	pthread_mutex_destroy(&mtx->m_pmtx);
	free(mtx);
}

/* The lwp that took a RUMPUSER_MTX_KMUTEX mutex, NULL if free or not one. */
void
rumpuser_mutex_owner(struct rumpuser_mtx *mtx, struct lwp **lp)
{
	*lp = __atomic_load_n(&mtx->m_owner, __ATOMIC_RELAXED);
}

/*
 * Reader/writer locks.
 */

static inline uint64_t
ru_rw_load(struct rumpuser_rw *rw)
{
	return __atomic_load_n(&rw->rw_state, __ATOMIC_RELAXED);
}

static inline int
ru_rw_cas(struct rumpuser_rw *rw, uint64_t *oldp, uint64_t new)
{
	return __atomic_compare_exchange_n(&rw->rw_state, oldp, new, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* May the lock be taken in this mode from state s? */
static inline int
ru_rw_can(int writer, uint64_t s)
{
	if (writer)
		return (s & (RU_RW_WRITER | RU_RW_READERS)) == 0;
	return (s & (RU_RW_WRITER | RU_RW_WWANT)) == 0 &&
	    (s & RU_RW_READERS) != RU_RW_READERS;
}

/* One attempt without waiting; 0 or EBUSY. */
static int
ru_rw_try(int writer, struct rumpuser_rw *rw)
{
	uint64_t s = ru_rw_load(rw);

	do {
		if (!ru_rw_can(writer, s))
			return EBUSY;
	} while (!ru_rw_cas(rw, &s, writer ? (s | RU_RW_WRITER) : s + 1));
	if (writer)
		__atomic_store_n(&rw->rw_owner, ru_curlwp_tls,
		    __ATOMIC_RELAXED);
	return 0;
}

/* Wait for and take the lock.  Called without a virtual CPU. */
static void
ru_rw_enter_slow(int writer, struct rumpuser_rw *rw)
{
	uint64_t s, want;

	pthread_mutex_lock(&rw->rw_mtx);
	while (ru_rw_try(writer, rw) != 0) {
		s = ru_rw_load(rw);
		if (ru_rw_can(writer, s))
			continue;
		want = s | RU_RW_WAITERS | (writer ? RU_RW_WWANT : 0);
		if (want != s && !ru_rw_cas(rw, &s, want))
			continue;
		pthread_cond_wait(&rw->rw_cv, &rw->rw_mtx);
	}
	pthread_mutex_unlock(&rw->rw_mtx);
}

/* Wake every waiter; they retry.  old is the state before the release. */
static void
ru_rw_wake(struct rumpuser_rw *rw, uint64_t old)
{
	if ((old & RU_RW_WAITERS) == 0)
		return;
	pthread_mutex_lock(&rw->rw_mtx);
	pthread_cond_broadcast(&rw->rw_cv);
	pthread_mutex_unlock(&rw->rw_mtx);
}

void
rumpuser_rw_init(struct rumpuser_rw **rwp)
{
	struct rumpuser_rw *rw;
	int error;

	rw = ru_sync_alloc(sizeof(*rw), "rw_init");
	rw->rw_state = 0;
	rw->rw_owner = NULL;
	if ((error = pthread_mutex_init(&rw->rw_mtx, NULL)) != 0 ||
	    (error = pthread_cond_init(&rw->rw_cv, NULL)) != 0)
		ru_fatal("rw_init", error);
	*rwp = rw;
}

/* Acquire rw; waits with the virtual CPU released if it must. */
void
rumpuser_rw_enter(int enum_rumprwlock, struct rumpuser_rw *rw)
{
	int writer = enum_rumprwlock == RUMPUSER_RW_WRITER;
	int nlocks;

	if (__builtin_expect(ru_rw_try(writer, rw) == 0, 1))
		return;
	nlocks = ru_unschedule(NULL);
	ru_rw_enter_slow(writer, rw);
	ru_schedule(nlocks);
}

/* Returns 0 with rw held in the given mode, or EBUSY. */
int
rumpuser_rw_tryenter(int enum_rumprwlock, struct rumpuser_rw *rw)
{
	return ru_rw_try(enum_rumprwlock == RUMPUSER_RW_WRITER, rw);
}

/*
 * Turn the caller's read hold into a write hold if it is the only reader.
 * Returns 0 or EBUSY (the read hold is kept).
 */
int
rumpuser_rw_tryupgrade(struct rumpuser_rw *rw)
{
	uint64_t s = ru_rw_load(rw);

	do {
		if ((s & RU_RW_READERS) != 1)
			return EBUSY;
	} while (!ru_rw_cas(rw, &s, (s - 1) | RU_RW_WRITER));
	__atomic_store_n(&rw->rw_owner, ru_curlwp_tls, __ATOMIC_RELAXED);
	return 0;
}

/* Turn the caller's write hold into a read hold; waiting readers enter. */
void
rumpuser_rw_downgrade(struct rumpuser_rw *rw)
{
	uint64_t s = ru_rw_load(rw);

	__atomic_store_n(&rw->rw_owner, NULL, __ATOMIC_RELAXED);
	while (!ru_rw_cas(rw, &s, 1))
		continue;
	ru_rw_wake(rw, s);
}

/* Release the caller's hold, whichever mode it is in. */
void
rumpuser_rw_exit(struct rumpuser_rw *rw)
{
	uint64_t s = ru_rw_load(rw), new;

	if (s & RU_RW_WRITER) {
		__atomic_store_n(&rw->rw_owner, NULL, __ATOMIC_RELAXED);
		while (!ru_rw_cas(rw, &s, 0))
			continue;
		ru_rw_wake(rw, s);
		return;
	}
	do {
		new = s - 1;
		/* The last reader lets the waiters in. */
		if ((new & RU_RW_READERS) == 0)
			new &= ~(RU_RW_WAITERS | RU_RW_WWANT);
	} while (!ru_rw_cas(rw, &s, new));
	if (((s - 1) & RU_RW_READERS) == 0)
		ru_rw_wake(rw, s);
}

void
rumpuser_rw_destroy(struct rumpuser_rw *rw)
{
	pthread_cond_destroy(&rw->rw_cv);
	pthread_mutex_destroy(&rw->rw_mtx);
	free(rw);
}

/*
 * *heldp: for RUMPUSER_RW_READER, whether any thread holds rw for reading;
 * for RUMPUSER_RW_WRITER, whether the calling lwp holds it for writing.
 */
void
rumpuser_rw_held(int enum_rumprwlock, struct rumpuser_rw *rw, int *heldp)
{
	uint64_t s = ru_rw_load(rw);

	if (enum_rumprwlock == RUMPUSER_RW_WRITER)
		*heldp = (s & RU_RW_WRITER) != 0 &&
		    __atomic_load_n(&rw->rw_owner, __ATOMIC_RELAXED) ==
		    ru_curlwp_tls;
	else
		*heldp = (s & RU_RW_READERS) != 0;
}

/*
 * Condition variables.  They use the monotonic clock, so timed waits are
 * not disturbed by changes of the wall clock.
 */

void
rumpuser_cv_init(struct rumpuser_cv **cvp)
{
	struct rumpuser_cv *cv;
	pthread_condattr_t attr;
	int error;

	cv = ru_sync_alloc(sizeof(*cv), "cv_init");
	if ((error = pthread_condattr_init(&attr)) != 0 ||
	    (error = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0 ||
	    (error = pthread_cond_init(&cv->c_cv, &attr)) != 0)
		ru_fatal("cv_init", error);
	pthread_condattr_destroy(&attr);
	cv->c_nwaiters = 0;
	*cvp = cv;
}

void
rumpuser_cv_destroy(struct rumpuser_cv *cv)
{
	pthread_cond_destroy(&cv->c_cv);
	free(cv);
}

/*
 * After a wait returned with the host mutex held: give the mutex up before
 * waiting for a virtual CPU, so that threads which hold one are not kept
 * from the mutex meanwhile, then take the mutex again the usual way.
 */
static void
ru_cv_reenter(struct rumpuser_mtx *mtx, int nlocks)
{
	pthread_mutex_unlock(&mtx->m_pmtx);
	ru_schedule(nlocks);
	if (pthread_mutex_trylock(&mtx->m_pmtx) != 0)
		ru_mtx_lock_slow(mtx);
	ru_mtx_set_owner(mtx);
}

/*
 * Wait for a signal.  mtx is held on entry and on return; the virtual CPU
 * is released while waiting (mtx is passed to the kernel as the interlock
 * at that point) and taken again before mtx.
 */
void
rumpuser_cv_wait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx)
{
	int nlocks;

	__atomic_add_fetch(&cv->c_nwaiters, 1, __ATOMIC_RELAXED);
	ru_mtx_clear_owner(mtx);
	nlocks = ru_unschedule(mtx);
	pthread_cond_wait(&cv->c_cv, &mtx->m_pmtx);
	__atomic_sub_fetch(&cv->c_nwaiters, 1, __ATOMIC_RELAXED);
	ru_cv_reenter(mtx, nlocks);
}

/* Wait keeping the virtual CPU. */
void
rumpuser_cv_wait_nowrap(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx)
{
	__atomic_add_fetch(&cv->c_nwaiters, 1, __ATOMIC_RELAXED);
	ru_mtx_clear_owner(mtx);
	pthread_cond_wait(&cv->c_cv, &mtx->m_pmtx);
	__atomic_sub_fetch(&cv->c_nwaiters, 1, __ATOMIC_RELAXED);
	ru_mtx_set_owner(mtx);
}

/*
 * As rumpuser_cv_wait(), for at most sec seconds and nsec nanoseconds
 * (nsec may exceed a second; a negative time does not wait).  Returns 0 if
 * woken before the time ran out, else ETIMEDOUT.
 */
int
rumpuser_cv_timedwait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx,
    int64_t sec, int64_t nsec)
{
	struct timespec ts;
	int64_t add_sec;
	int rv, nlocks;

	if (sec < 0 || nsec < 0) {
		sec = 0;
		nsec = 0;
	}
	/* Some 35,000 years are as good as forever, and cannot overflow. */
	add_sec = sec > RU_CV_MAXSEC ? RU_CV_MAXSEC : sec;
	add_sec += nsec / 1000000000;
	nsec %= 1000000000;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)add_sec;
	ts.tv_nsec += (long)nsec;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}

	__atomic_add_fetch(&cv->c_nwaiters, 1, __ATOMIC_RELAXED);
	ru_mtx_clear_owner(mtx);
	nlocks = ru_unschedule(mtx);
	rv = pthread_cond_timedwait(&cv->c_cv, &mtx->m_pmtx, &ts);
	__atomic_sub_fetch(&cv->c_nwaiters, 1, __ATOMIC_RELAXED);
	ru_cv_reenter(mtx, nlocks);
	return rv == ETIMEDOUT ? ETIMEDOUT : 0;
}

void
rumpuser_cv_signal(struct rumpuser_cv *cv)
{
	pthread_cond_signal(&cv->c_cv);
}

void
rumpuser_cv_broadcast(struct rumpuser_cv *cv)
{
	pthread_cond_broadcast(&cv->c_cv);
}

void
rumpuser_cv_has_waiters(struct rumpuser_cv *cv, int *waitersp)
{
	*waitersp = __atomic_load_n(&cv->c_nwaiters, __ATOMIC_RELAXED) != 0;
}
