/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_lock.c: kernel mutexes, reader/writer locks and condition variables
 * on top of the hypervisor's (see lock.h for the rules).
 *
 * The hypervisor's blocking calls give the virtual CPU back while they wait
 * (rumpuser.h), so these are thin: they add ownership tracking for the
 * DIAGNOSTIC assertions and the conversion of timeouts.  Owner fields are
 * written only by the holder and read by others only to compare with their
 * own lwp, so relaxed atomics suffice.  Interruptible sleeps (the _sig
 * condvar waits) and lwp_interrupt()/proc_interrupt() are at the end.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/lock.h"
#include "kern/lwp.h"

void
mutex_init(kmutex_t *mtx, kmutex_type_t type, const char *name)
{

	mtx->mtx_spin = type == MUTEX_SPIN;
	mtx->mtx_name = name;
	mtx->mtx_owner = NULL;
	rumpuser_mutex_init(&mtx->mtx_hyp,
	    mtx->mtx_spin ? RUMPUSER_MTX_SPIN : RUMPUSER_MTX_KMUTEX);
}

void
mutex_destroy(kmutex_t *mtx)
{

	KASSERTMSG(mtx->mtx_owner == NULL, "mutex %s destroyed while held",
	    mtx->mtx_name);
	rumpuser_mutex_destroy(mtx->mtx_hyp);
	mtx->mtx_hyp = NULL;
}

void
mutex_enter(kmutex_t *mtx)
{
	struct lwp *l = curlwp;

	KASSERTMSG(atomic_load_relaxed(&mtx->mtx_owner) != l || l == NULL,
	    "mutex %s: recursive enter", mtx->mtx_name);
	if (mtx->mtx_spin)
		rumpuser_mutex_enter_nowrap(mtx->mtx_hyp);
	else
		rumpuser_mutex_enter(mtx->mtx_hyp);
	atomic_store_relaxed(&mtx->mtx_owner, l);
}

int
mutex_tryenter(kmutex_t *mtx)
{

	if (rumpuser_mutex_tryenter(mtx->mtx_hyp) != 0)
		return 0;
	atomic_store_relaxed(&mtx->mtx_owner, curlwp);
	return 1;
}

void
mutex_exit(kmutex_t *mtx)
{

	KASSERTMSG(atomic_load_relaxed(&mtx->mtx_owner) == curlwp,
	    "mutex %s: exit by non-owner", mtx->mtx_name);
	atomic_store_relaxed(&mtx->mtx_owner, NULL);
	rumpuser_mutex_exit(mtx->mtx_hyp);
}

bool
mutex_owned(const kmutex_t *mtx)
{

	return atomic_load_relaxed(&mtx->mtx_owner) == curlwp;
}

void
rw_init(krwlock_t *rw, const char *name)
{

	rw->rw_name = name;
	rw->rw_writer = NULL;
	rumpuser_rw_init(&rw->rw_hyp);
}

void
rw_destroy(krwlock_t *rw)
{

	KASSERTMSG(!rw_lock_held(rw), "rwlock %s destroyed while held",
	    rw->rw_name);
	rumpuser_rw_destroy(rw->rw_hyp);
	rw->rw_hyp = NULL;
}

void
rw_enter(krwlock_t *rw, krw_t op)
{

	KASSERTMSG(atomic_load_relaxed(&rw->rw_writer) != curlwp,
	    "rwlock %s: recursive enter by its writer", rw->rw_name);
	if (op == RW_WRITER) {
		rumpuser_rw_enter(RUMPUSER_RW_WRITER, rw->rw_hyp);
		atomic_store_relaxed(&rw->rw_writer, curlwp);
	} else {
		rumpuser_rw_enter(RUMPUSER_RW_READER, rw->rw_hyp);
	}
}

int
rw_tryenter(krwlock_t *rw, krw_t op)
{

	if (op == RW_WRITER) {
		if (rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rw->rw_hyp) != 0)
			return 0;
		atomic_store_relaxed(&rw->rw_writer, curlwp);
		return 1;
	}
	return rumpuser_rw_tryenter(RUMPUSER_RW_READER, rw->rw_hyp) == 0;
}

int
rw_tryupgrade(krwlock_t *rw)
{

	if (rumpuser_rw_tryupgrade(rw->rw_hyp) != 0)
		return 0;
	atomic_store_relaxed(&rw->rw_writer, curlwp);
	return 1;
}

void
rw_downgrade(krwlock_t *rw)
{

	KASSERT(rw_write_held(rw));
	atomic_store_relaxed(&rw->rw_writer, NULL);
	rumpuser_rw_downgrade(rw->rw_hyp);
}

void
rw_exit(krwlock_t *rw)
{

	if (atomic_load_relaxed(&rw->rw_writer) == curlwp)
		atomic_store_relaxed(&rw->rw_writer, NULL);
	else
		KASSERTMSG(rw_read_held(rw), "rwlock %s: exit while not held",
		    rw->rw_name);
	rumpuser_rw_exit(rw->rw_hyp);
}

bool
rw_write_held(const krwlock_t *rw)
{

	return atomic_load_relaxed(&rw->rw_writer) == curlwp;
}

bool
rw_read_held(const krwlock_t *rw)
{
	int held;

	rumpuser_rw_held(RUMPUSER_RW_READER, rw->rw_hyp, &held);
	return held != 0;
}

bool
rw_lock_held(const krwlock_t *rw)
{
	int held;

	rumpuser_rw_held(RUMPUSER_RW_WRITER, rw->rw_hyp, &held);
	return held != 0 || rw_read_held(rw);
}

void
cv_init(kcondvar_t *cv, const char *name)
{

	cv->cv_name = name;
	rumpuser_cv_init(&cv->cv_hyp);
}

void
cv_destroy(kcondvar_t *cv)
{

	rumpuser_cv_destroy(cv->cv_hyp);
	cv->cv_hyp = NULL;
}

void
cv_wait(kcondvar_t *cv, kmutex_t *mtx)
{
	struct lwp *l = curlwp;

	KASSERTMSG(!mtx->mtx_spin, "cv_wait %s on a spin mutex", cv->cv_name);
	KASSERTMSG(mtx->mtx_owner == l, "cv_wait %s without its mutex",
	    cv->cv_name);
	if (__predict_false(l->l_deferred))
		lwp_deferred_kick(l);
	atomic_store_relaxed(&mtx->mtx_owner, NULL);
	rumpuser_cv_wait(cv->cv_hyp, mtx->mtx_hyp);
	atomic_store_relaxed(&mtx->mtx_owner, l);
}

int
cv_timedwait(kcondvar_t *cv, kmutex_t *mtx, int64_t timo_ns)
{
	struct lwp *l = curlwp;
	int error;

	if (timo_ns <= 0) {
		cv_wait(cv, mtx);
		return 0;
	}
	KASSERTMSG(mtx->mtx_owner == l, "cv_timedwait %s without its mutex",
	    cv->cv_name);
	if (__predict_false(l->l_deferred))
		lwp_deferred_kick(l);
	atomic_store_relaxed(&mtx->mtx_owner, NULL);
	error = rumpuser_cv_timedwait(cv->cv_hyp, mtx->mtx_hyp,
	    timo_ns / 1000000000LL, timo_ns % 1000000000LL);
	atomic_store_relaxed(&mtx->mtx_owner, l);
	return error == 0 ? 0 : EWOULDBLOCK;
}

void
cv_signal(kcondvar_t *cv)
{

	rumpuser_cv_signal(cv->cv_hyp);
}

void
cv_broadcast(kcondvar_t *cv)
{

	rumpuser_cv_broadcast(cv->cv_hyp);
}

bool
cv_has_waiters(kcondvar_t *cv)
{
	int n;

	rumpuser_cv_has_waiters(cv->cv_hyp, &n);
	return n != 0;
}

/*
 * Interruptible sleeps.
 *
 * A sleeper records the condvar and mutex it waits on in its lwp, under
 * the lwp's spin lock l_sleeplk, and checks the interrupt flags while
 * holding that lock; the interrupter sets the flag and then, under the
 * same lock, wakes whatever condvar is recorded.  So either the sleeper
 * sees the flag before it sleeps, or the interrupter sees the condvar.
 *
 * The wakeup takes the sleeper's mutex (try-enter only: the sleeper holds
 * it when it takes l_sleeplk) before the broadcast, so that it cannot
 * fall between the sleeper's check and its wait; holding l_sleeplk keeps
 * the sleeper from returning, so the condvar and mutex stay alive.  When
 * the mutex is busy the interrupter lets go and tries again shortly.
 */
#define SLEEP_RETRY_NS 200000

static inline void
sleeplk_enter(struct lwp *l)
{

	while (__atomic_exchange_n(&l->l_sleeplk, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(&l->l_sleeplk, __ATOMIC_RELAXED) != 0)
			__asm __volatile("" ::: "memory");
}

static inline void
sleeplk_exit(struct lwp *l)
{

	__atomic_store_n(&l->l_sleeplk, 0, __ATOMIC_RELEASE);
}

bool
lwp_interrupted(struct lwp *l)
{

	return __atomic_load_n(&l->l_intr, __ATOMIC_ACQUIRE) != 0 ||
	    __atomic_load_n(&l->l_proc->p_intr, __ATOMIC_ACQUIRE) != 0;
}

/* Record the sleep; false (nothing recorded) if l is interrupted. */
static bool
cv_sig_begin(struct lwp *l, kcondvar_t *cv, kmutex_t *mtx)
{
	bool intr;

	sleeplk_enter(l);
	intr = lwp_interrupted(l);
	if (!intr) {
		l->l_sleepcv = cv;
		l->l_sleepmtx = mtx;
	}
	sleeplk_exit(l);
	return !intr;
}

/* Forget the sleep (mutex held again); EINTR if l was interrupted. */
static int
cv_sig_end(struct lwp *l)
{

	sleeplk_enter(l);
	l->l_sleepcv = NULL;
	l->l_sleepmtx = NULL;
	sleeplk_exit(l);
	return lwp_interrupted(l) ? EINTR : 0;
}

int
cv_wait_sig(kcondvar_t *cv, kmutex_t *mtx)
{
	struct lwp *l = curlwp;
	int error;

	if (!cv_sig_begin(l, cv, mtx))
		return EINTR;
	cv_wait(cv, mtx);
	error = cv_sig_end(l);
	return error;
}

int
cv_timedwait_sig(kcondvar_t *cv, kmutex_t *mtx, int64_t timo_ns)
{
	struct lwp *l = curlwp;
	int error, error2;

	if (!cv_sig_begin(l, cv, mtx))
		return EINTR;
	error = cv_timedwait(cv, mtx, timo_ns);
	error2 = cv_sig_end(l);
	return error2 != 0 ? error2 : error;
}

/* Wake l's interruptible sleep, if any; EBUSY: its mutex is busy. */
static int
lwp_kick(struct lwp *l)
{
	int error = 0;

	sleeplk_enter(l);
	if (l->l_sleepcv != NULL) {
		if (mutex_tryenter(l->l_sleepmtx)) {
			cv_broadcast(l->l_sleepcv);
			mutex_exit(l->l_sleepmtx);
		} else {
			error = EBUSY;
		}
	}
	sleeplk_exit(l);
	return error;
}

void
lwp_interrupt(struct lwp *l)
{

	__atomic_store_n(&l->l_intr, 1, __ATOMIC_SEQ_CST);
	while (lwp_kick(l) == EBUSY)
		kpause(SLEEP_RETRY_NS);
}

void
proc_interrupt(struct proc *p)
{
	struct lwp *l;
	bool again;

	__atomic_store_n(&p->p_intr, 1, __ATOMIC_SEQ_CST);
	do {
		again = false;
		mutex_enter(&p->p_lock);
		for (l = p->p_lwps; l != NULL; l = l->l_next)
			if (lwp_kick(l) == EBUSY)
				again = true;
		mutex_exit(&p->p_lock);
		if (again)
			kpause(SLEEP_RETRY_NS);
	} while (again);
}
