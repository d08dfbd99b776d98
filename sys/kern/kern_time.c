/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_time.c: the kernel's clocks, timed sleeps and the time system calls.
 *
 * Uptime is the host's monotonic clock minus its value at boot; the wall
 * clock is the host's.  Both are read through rumpuser_clock_gettime().
 * The boot reference is taken the first time anyone asks for the time
 * (rump_init does, through callout_startup()).
 *
 * clock_gettime(2) knows REALTIME and REALTIME_COARSE (wall clock),
 * MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE and BOOTTIME (all the
 * kernel's uptime: a rump kernel is never suspended).  The CPU-time clocks
 * (PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID) return EINVAL, as Linux does for
 * a clock it does not support: the kernel does not account CPU time, and
 * reporting elapsed time instead would be wrong.
 *
 * Called by every subsystem that needs time, and by the syscall layer.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/lock.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"

#if defined(__x86_64__) || defined(__i386__)
#define TIME_SPIN_PAUSE() __builtin_ia32_pause()
#else
#define TIME_SPIN_PAUSE() __asm__ __volatile__("" ::: "memory")
#endif

struct rump_timespec boottime;         /* [I] after time_init_once() */
static int64_t time_boot_mono;         /* [I] monotonic ns at boot */
static int time_state;                 /* [a] 0 none, 1 setting, 2 set */

static int64_t
time_host_ns(int clk)
{
	int64_t sec;
	long nsec;

	if (rumpuser_clock_gettime(clk, &sec, &nsec) != 0)
		panic("time: the host clock %d cannot be read", clk);
	return sec * NSEC_PER_SEC + nsec;
}

static void
ns_to_ts(int64_t ns, struct rump_timespec *ts)
{
	ts->tv_sec = ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

/* Take the boot reference once; concurrent first callers wait for it. */
static void
time_init_once(void)
{
	int expect = 0;

	if (__predict_true(atomic_load_acquire(&time_state) == 2))
		return;
	if (atomic_cas(&time_state, &expect, 1)) {
		time_boot_mono = time_host_ns(RUMPUSER_CLOCK_ABSMONO);
		ns_to_ts(time_host_ns(RUMPUSER_CLOCK_RELWALL), &boottime);
		atomic_store_release(&time_state, 2);
		return;
	}
	while (atomic_load_acquire(&time_state) != 2)
		TIME_SPIN_PAUSE();
}

/* Nanoseconds since the kernel booted. */
int64_t
getnanouptime(void)
{
	time_init_once();
	return time_host_ns(RUMPUSER_CLOCK_ABSMONO) - time_boot_mono;
}

void
getnanouptime_ts(struct rump_timespec *ts)
{
	ns_to_ts(getnanouptime(), ts);
}

void
getnanotime(struct rump_timespec *ts)
{
	time_init_once();
	ns_to_ts(time_host_ns(RUMPUSER_CLOCK_RELWALL), ts);
}

/*
 * Sleep ns nanoseconds.  The hypercall gives the virtual CPU back while
 * sleeping.  Always returns 0.
 */
int
kpause(int64_t ns)
{
	int64_t deadline;

	if (ns <= 0)
		return 0;
	time_init_once();
	deadline = time_host_ns(RUMPUSER_CLOCK_ABSMONO) + ns;
	(void)rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO,
	    deadline / NSEC_PER_SEC, (long)(deadline % NSEC_PER_SEC));
	return 0;
}

int
sys_clock_gettime(struct lwp *l, const struct sys_clock_gettime_args *uap,
    register_t *retval)
{
	struct rump_timespec ts;

	switch (uap->clockid) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		getnanotime(&ts);
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		getnanouptime_ts(&ts);
		break;
	default:
		return EINVAL;
	}
	retval[0] = 0;
	return copyout(&ts, uap->tp, sizeof(ts));
}

/*
 * Sleep ns nanoseconds unless the lwp is interrupted (lwp_interrupt()):
 * 0, or EINTR with the time left in *leftp.
 */
static int
kpause_sig(int64_t ns, int64_t *leftp)
{
	kmutex_t mtx;
	kcondvar_t cv;
	int64_t now, deadline;
	int error = 0;

	*leftp = 0;
	if (ns <= 0)
		return 0;
	now = getnanouptime();
	deadline = ns > INT64_MAX - now ? INT64_MAX : now + ns;
	mutex_init(&mtx, MUTEX_DEFAULT, "nanosleep");
	cv_init(&cv, "nanosleep");
	mutex_enter(&mtx);
	while (now < deadline) {
		error = cv_timedwait_sig(&cv, &mtx, deadline - now);
		now = getnanouptime();
		if (error == EINTR) {
			*leftp = now < deadline ? deadline - now : 0;
			break;
		}
		error = 0;
	}
	mutex_exit(&mtx);
	cv_destroy(&cv);
	mutex_destroy(&mtx);
	return error;
}

/*
 * nanosleep(2): sleep the requested time.  Signals do not exist here; the
 * sleep ends early with EINTR only when the lwp is interrupted (its remote
 * client went away), and then rem, if given, receives the time left.
 */
int
sys_nanosleep(struct lwp *l, const struct sys_nanosleep_args *uap,
    register_t *retval)
{
	struct rump_timespec req, rem;
	int64_t left;
	int error;

	error = copyin(uap->req, &req, sizeof(req));
	if (error != 0)
		return error;
	if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= NSEC_PER_SEC)
		return EINVAL;
	if (req.tv_sec > INT64_MAX / NSEC_PER_SEC - 1)
		req.tv_sec = INT64_MAX / NSEC_PER_SEC - 1;
	error = kpause_sig(req.tv_sec * NSEC_PER_SEC + req.tv_nsec, &left);
	if (error == EINTR && uap->rem != NULL) {
		ns_to_ts(left, &rem);
		if (copyout(&rem, uap->rem, sizeof(rem)) != 0)
			return EFAULT;
	}
	if (error != 0)
		return error;
	retval[0] = 0;
	return 0;
}

/* gettimeofday(2): either pointer may be NULL; the time zone is UTC. */
int
sys_gettimeofday(struct lwp *l, const struct sys_gettimeofday_args *uap,
    register_t *retval)
{
	struct rump_timespec ts;
	struct rump_timeval tv;
	struct rump_timezone tz;
	int error;

	if (uap->tv != NULL) {
		getnanotime(&ts);
		tv.tv_sec = ts.tv_sec;
		tv.tv_usec = ts.tv_nsec / 1000;
		error = copyout(&tv, uap->tv, sizeof(tv));
		if (error != 0)
			return error;
	}
	if (uap->tz != NULL) {
		memset(&tz, 0, sizeof(tz));
		error = copyout(&tz, uap->tz, sizeof(tz));
		if (error != 0)
			return error;
	}
	retval[0] = 0;
	return 0;
}
