/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lock.h: kernel mutexes, reader/writer locks and condition variables.
 *
 * Built on the hypervisor's locks (rumpuser.h).  A thread that has to wait
 * for one of them gives its virtual CPU back while it waits (the hypervisor
 * calls the scheduler's upcalls), so a blocked kernel thread never holds a
 * CPU.  Spin mutexes never release the CPU: hold them only for a few
 * instructions and never sleep while holding one.
 *
 * With DIAGNOSTIC, ownership is asserted: mutex_exit() by a non-owner,
 * recursion, and cv_wait() without the mutex panic.
 *
 * Implemented in kern_lock.c.
 */
#ifndef _SYS_KERN_LOCK_H_
#define _SYS_KERN_LOCK_H_

#include "kern.h"

typedef enum { MUTEX_DEFAULT, MUTEX_SPIN } kmutex_type_t;

typedef struct kmutex {
	struct rumpuser_mtx *mtx_hyp;  /* [I] host lock */
	struct lwp *mtx_owner;         /* owner, set while held */
	bool mtx_spin;                 /* [I] */
	const char *mtx_name;          /* [I] */
} kmutex_t;

void mutex_init(kmutex_t *mtx, kmutex_type_t type, const char *name);
void mutex_destroy(kmutex_t *mtx);
void mutex_enter(kmutex_t *mtx);
int mutex_tryenter(kmutex_t *mtx);   /* 1 if taken */
void mutex_exit(kmutex_t *mtx);
bool mutex_owned(const kmutex_t *mtx);

typedef enum { RW_READER, RW_WRITER } krw_t;

typedef struct krwlock {
	struct rumpuser_rw *rw_hyp;    /* [I] host lock */
	struct lwp *rw_writer;         /* writer, set while write-held */
	const char *rw_name;           /* [I] */
} krwlock_t;

void rw_init(krwlock_t *rw, const char *name);
void rw_destroy(krwlock_t *rw);
void rw_enter(krwlock_t *rw, krw_t op);
int rw_tryenter(krwlock_t *rw, krw_t op);  /* 1 if taken */
int rw_tryupgrade(krwlock_t *rw);          /* 1 if now write-held */
void rw_downgrade(krwlock_t *rw);
void rw_exit(krwlock_t *rw);
bool rw_write_held(const krwlock_t *rw);   /* by the caller */
bool rw_read_held(const krwlock_t *rw);    /* by anyone */
bool rw_lock_held(const krwlock_t *rw);    /* either way */

typedef struct kcondvar {
	struct rumpuser_cv *cv_hyp;    /* [I] host condition variable */
	const char *cv_name;           /* [I] */
} kcondvar_t;

void cv_init(kcondvar_t *cv, const char *name);
void cv_destroy(kcondvar_t *cv);
/* Wait until signalled.  mtx (not a spin mutex) is held on entry and
 * return, and dropped while waiting. */
void cv_wait(kcondvar_t *cv, kmutex_t *mtx);
/*
 * Wait at most timo_ns nanoseconds (<= 0: as cv_wait).  Returns 0 when
 * signalled, EWOULDBLOCK when the time ran out.  Callers recheck their
 * condition in both cases.
 */
int cv_timedwait(kcondvar_t *cv, kmutex_t *mtx, int64_t timo_ns);
/*
 * Interruptible variants, for sleeps on behalf of a caller that may wait
 * indefinitely (a pipe read, poll, a lock wait): as above, but EINTR when
 * the lwp is (or becomes) interrupted (lwp_interrupt(), proc_interrupt()
 * in lwp.h), without waiting.  Never EINTR otherwise.
 */
int cv_wait_sig(kcondvar_t *cv, kmutex_t *mtx);
int cv_timedwait_sig(kcondvar_t *cv, kmutex_t *mtx, int64_t timo_ns);
void cv_signal(kcondvar_t *cv);
void cv_broadcast(kcondvar_t *cv);
bool cv_has_waiters(kcondvar_t *cv);

#endif /* _SYS_KERN_LOCK_H_ */
