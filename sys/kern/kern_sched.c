/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sched.c: virtual CPUs and the scheduler.
 *
 * Kernel code runs only on a host thread that holds a virtual CPU.  There
 * are ncpu of them (RUMP_NCPU).  A thread entering the kernel takes one
 * (rump_schedule), and gives it back when it leaves (rump_unschedule) or
 * before it blocks in the host (the hypervisor calls
 * sched_backend_unschedule/sched_backend_schedule around every blocking
 * hypercall).
 *
 * CPU states, per struct cpu_info:
 *	ci_busy 0 (free)  -> 1 (held)   atomic exchange by the taker
 *	ci_busy 1 (held)  -> 0 (free)   release store by the holder
 * Nobody else ever writes ci_busy, so no lock protects it.
 *
 * Fast path: the lwp remembers the CPU it ran on last (l_lastcpu) and
 * tries only that one, with one atomic exchange; leaving is one store.  No
 * host lock and no allocation.  When that CPU is taken, the taker scans
 * the others, and when all are busy it sleeps on sched_cv.
 *
 * Wakeups: a sleeper counts itself in sched_nwaiters (under sched_mtx)
 * before its last scan; a releaser stores ci_busy = 0 and then reads
 * sched_nwaiters, and signals if it is not zero.  The releaser's store and
 * load are not ordered against each other (a full barrier there would cost
 * the null system call a third of its time), so a releaser can miss a
 * sleeper that counted itself in that instant.  Sleepers therefore wait
 * with a timeout of SCHED_RESCAN_NS and scan again: a missed wakeup costs
 * at most that long, never a hang.  Lock order: sched_mtx is a leaf (host
 * mutex, taken without a vCPU).
 */
#include "kern/kern.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"

struct cpu_info cpu_infos[MAXCPUS];
unsigned ncpu;

#define SCHED_RESCAN_NS 1000000

static struct rumpuser_mtx *sched_mtx;
static struct rumpuser_cv *sched_cv;
static unsigned sched_nwaiters;        /* [a, sched_mtx] */

struct lwp *lwp_implicit(void);        /* kern_lwp.c */

void
sched_init(unsigned n)
{
	unsigned i;

	KASSERT(n >= 1 && n <= MAXCPUS);
	ncpu = n;
	for (i = 0; i < n; i++) {
		cpu_infos[i].ci_index = i;
		cpu_infos[i].ci_busy = 0;
	}
	rumpuser_mutex_init(&sched_mtx, RUMPUSER_MTX_SPIN);
	rumpuser_cv_init(&sched_cv);
}

static inline bool
sched_tryget(struct lwp *l, struct cpu_info *ci)
{

	if (__atomic_load_n(&ci->ci_busy, __ATOMIC_RELAXED) != 0 ||
	    __atomic_exchange_n(&ci->ci_busy, 1, __ATOMIC_ACQUIRE) != 0)
		return false;
	ci->ci_curlwp = l;
	ci->ci_nswitch++;
	l->l_cpu = ci;
	l->l_lastcpu = ci->ci_index;
	return true;
}

static bool
sched_scan(struct lwp *l)
{
	unsigned i, start;

	start = l->l_lastcpu + 1;
	for (i = 0; i < ncpu; i++) {
		if (sched_tryget(l, &cpu_infos[(start + i) % ncpu]))
			return true;
	}
	return false;
}

/* Take a CPU for l, sleeping in the host if all are busy. */
static void __attribute__((noinline))
sched_acquire_slow(struct lwp *l)
{

	if (sched_scan(l))
		return;
	rumpuser_mutex_enter_nowrap(sched_mtx);
	__atomic_add_fetch(&sched_nwaiters, 1, __ATOMIC_SEQ_CST);
	while (!sched_scan(l))
		(void)rumpuser_cv_timedwait(sched_cv, sched_mtx, 0,
		    SCHED_RESCAN_NS);
	__atomic_sub_fetch(&sched_nwaiters, 1, __ATOMIC_RELAXED);
	rumpuser_mutex_exit(sched_mtx);
}

static inline void
sched_acquire(struct lwp *l)
{

	if (__predict_true(sched_tryget(l, &cpu_infos[l->l_lastcpu])))
		return;
	sched_acquire_slow(l);
}

static void __attribute__((noinline))
sched_wakeup(void)
{

	rumpuser_mutex_enter_nowrap(sched_mtx);
	rumpuser_cv_signal(sched_cv);
	rumpuser_mutex_exit(sched_mtx);
}

static inline void
sched_release(struct lwp *l)
{
	struct cpu_info *ci = l->l_cpu;

	KASSERT(ci != NULL && ci->ci_curlwp == l);
	ci->ci_curlwp = NULL;
	l->l_cpu = NULL;
	__atomic_store_n(&ci->ci_busy, 0, __ATOMIC_RELEASE);
	if (__predict_false(
	    __atomic_load_n(&sched_nwaiters, __ATOMIC_RELAXED) != 0))
		sched_wakeup();
}

/*
 * Enter the kernel: bind an implicit lwp if the thread has none, and take
 * a virtual CPU.  Nested calls (a thread already on a CPU) only count.
 */
void
rump_schedule(void)
{
	struct lwp *l = rumpuser_curlwp();

	if (__predict_false(l == NULL))
		l = lwp_implicit();
	if (__predict_false(l->l_cpu != NULL)) {
		l->l_nosched++;
		return;
	}
	sched_acquire(l);
}

void
rump_unschedule(void)
{
	struct lwp *l = rumpuser_curlwp();

	KASSERT(l != NULL);
	if (__predict_false(l->l_nosched > 0)) {
		l->l_nosched--;
		return;
	}
	if (__predict_false(l->l_deferred))
		lwp_deferred_run(l);
	sched_release(l);
}

/*
 * Run system call num for the calling thread: the whole path of a null
 * system call, kept here so the CPU fast path inlines.  Returns 0 or an
 * errno; results in retval.
 */
int
rump_syscall(int num, void *args, register_t *retval)
{
	struct lwp *l;
	sy_call_t call;
	int error;

	if (__predict_false((unsigned)num >= SYS_MAXSYSCALL))
		return ENOSYS;
	l = rumpuser_curlwp();
	if (__predict_true(l != NULL && l->l_cpu == NULL)) {
		sched_acquire(l);
	} else {
		rump_schedule();
		l = rumpuser_curlwp();
	}
	call = __atomic_load_n(&sysent[num].sy_call, __ATOMIC_ACQUIRE);
	error = __predict_true(call != NULL) ? call(l, args, retval) : ENOSYS;
	if (__predict_false(l->l_deferred))
		lwp_deferred_run(l);
	if (__predict_false(l->l_nosched > 0))
		l->l_nosched--;
	else
		sched_release(l);
	return error;
}

/*
 * Hypervisor upcalls around a blocking host operation.  *countp tells
 * sched_backend_schedule() whether a CPU was released (1) or the thread
 * had none (0: a host thread outside the kernel).
 */
void
sched_backend_unschedule(int nlocks, int *countp, void *interlock)
{
	struct lwp *l = rumpuser_curlwp();

	if (l == NULL || l->l_cpu == NULL) {
		*countp = 0;
		return;
	}
	*countp = 1;
	sched_release(l);
}

void
sched_backend_schedule(int nlocks, void *interlock)
{

	if (nlocks == 0)
		return;
	sched_acquire(rumpuser_curlwp());
}

/* Give the CPU to a waiting lwp, if any. */
void
preempt(void)
{
	struct lwp *l = curlwp;

	if (__atomic_load_n(&sched_nwaiters, __ATOMIC_RELAXED) == 0)
		return;
	sched_release(l);
	sched_acquire(l);
}

/* Run l on a CPU from a thread that is not bound to it (lwp exit). */
void
sched_acquire_for(struct lwp *l)
{

	sched_acquire(l);
}

void
sched_release_for(struct lwp *l)
{

	sched_release(l);
}
