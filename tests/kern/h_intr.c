/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_intr.c: kernel-side helpers for t_intr.c, in a shared object of their
 * own (like h_component.c): interruptible condvar waits and the
 * interruption of lwps and processes, reached from the test through
 * public rump_test_intr_* names (dlsym).  Each helper takes and gives
 * back a virtual CPU itself.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/lwp.h"

#include <rump/rump.h>

int rump_test_intr_wait(int64_t timo_ns);
void rump_test_intr_wakeup(void);
int rump_test_intr_sleeping(struct lwp *l);
void rump_test_intr_lwp(struct lwp *l);
int rump_test_intr_proc(int pid);

static kmutex_t h_lock;
static kcondvar_t h_cv;
static int h_inited;
static int h_gen;                         /* [h_lock] bumped by wakeup */

static void
h_init(void)
{

	if (__atomic_exchange_n(&h_inited, 1, __ATOMIC_ACQ_REL) == 0) {
		mutex_init(&h_lock, MUTEX_DEFAULT, "h_intr");
		cv_init(&h_cv, "h_intr");
		__atomic_store_n(&h_inited, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&h_inited, __ATOMIC_ACQUIRE) != 2)
		continue;
}

/*
 * Sleep interruptibly until rump_test_intr_wakeup() (timo_ns 0: no
 * limit): 0, EWOULDBLOCK or EINTR.
 */
int
rump_test_intr_wait(int64_t timo_ns)
{
	int error, gen;

	rump_schedule();
	h_init();
	mutex_enter(&h_lock);
	gen = h_gen;
	do {
		error = timo_ns > 0 ?
		    cv_timedwait_sig(&h_cv, &h_lock, timo_ns) :
		    cv_wait_sig(&h_cv, &h_lock);
	} while (error == 0 && gen == h_gen);
	mutex_exit(&h_lock);
	rump_unschedule();
	return error;
}

void
rump_test_intr_wakeup(void)
{

	rump_schedule();
	h_init();
	mutex_enter(&h_lock);
	h_gen++;
	cv_broadcast(&h_cv);
	mutex_exit(&h_lock);
	rump_unschedule();
}

/* 1 while l is in an interruptible sleep (polled by the test). */
int
rump_test_intr_sleeping(struct lwp *l)
{

	return __atomic_load_n(&l->l_sleepcv, __ATOMIC_ACQUIRE) != NULL;
}

void
rump_test_intr_lwp(struct lwp *l)
{

	rump_schedule();
	lwp_interrupt(l);
	rump_unschedule();
}

/* Interrupt the process pid; 0 or ESRCH.  The test keeps it alive. */
int
rump_test_intr_proc(int pid)
{
	struct proc *p;

	rump_schedule();
	mutex_enter(&proc_lock);
	p = proc_find(pid);
	mutex_exit(&proc_lock);
	if (p != NULL)
		proc_interrupt(p);
	rump_unschedule();
	return p == NULL ? ESRCH : 0;
}
