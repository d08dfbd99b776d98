/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_intr.c: interruptible sleeps.  cv_wait_sig/cv_timedwait_sig return 0
 * or EWOULDBLOCK as their plain variants unless the lwp is interrupted;
 * lwp_interrupt() and proc_interrupt() wake a sleeping lwp with EINTR,
 * and the system calls that may sleep for ever (a pipe read, poll,
 * nanosleep) end with EINTR.  The kernel side is h_intr.c, dlopen()ed.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

struct lwp;
static int (*h_wait)(int64_t);
static void (*h_wakeup)(void);
static int (*h_sleeping)(struct lwp *);
static void (*h_intr_lwp)(struct lwp *);
static int (*h_intr_proc)(int);

static void
setup(void)
{
	void *h;

	cr_assert_eq(rump_init(), 0);
	h = dlopen(H_INTR_PATH, RTLD_NOW | RTLD_GLOBAL);
	cr_assert_not_null(h, "dlopen: %s", dlerror());
	h_wait = (int (*)(int64_t))dlsym(h, "rump_test_intr_wait");
	h_wakeup = (void (*)(void))dlsym(h, "rump_test_intr_wakeup");
	h_sleeping = (int (*)(struct lwp *))dlsym(h, "rump_test_intr_sleeping");
	h_intr_lwp = (void (*)(struct lwp *))dlsym(h, "rump_test_intr_lwp");
	h_intr_proc = (int (*)(int))dlsym(h, "rump_test_intr_proc");
	cr_assert(h_wait && h_wakeup && h_sleeping && h_intr_lwp &&
	    h_intr_proc);
}

TestSuite(intr, .init = setup, .timeout = 30);

enum wmode { W_WAIT, W_TIMED, W_READ, W_WRITE, W_POLL, W_SLEEP };

struct worker {
	enum wmode w_mode;
	int w_joinpid;              /* 0: a process of its own */
	struct lwp *w_lwp;
	int w_pid;
	int w_ready;
	int w_result;               /* the wait's error, or the call's errno */
	int w_again;                /* a second wait, after the first */
	int w_phase;                /* waits finished */
	pthread_t w_thread;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct timespec ts = { 100, 0 }, rem = { 0, 0 };
	struct pollfd pfd;
	char buf[65536];
	int fds[2];

	if (w->w_joinpid == 0)
		cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	else
		cr_assert_eq(rump_lwproc_newlwp(w->w_joinpid), 0);
	w->w_lwp = rump_lwproc_curlwp();
	w->w_pid = rump_sys_getpid();
	if (w->w_mode >= W_READ && w->w_mode <= W_POLL)
		cr_assert_eq(rump_sys_pipe(fds), 0);
	if (w->w_mode == W_WRITE) {
		/* Fill the pipe so that the next write sleeps. */
		cr_assert_eq(rump_sys_fcntl(fds[1], F_SETFL, (void *)(uintptr_t)O_NONBLOCK), 0);
		memset(buf, 'x', sizeof(buf));
		while (rump_sys_write(fds[1], buf, sizeof(buf)) > 0)
			continue;
		cr_assert_eq(rump_sys_fcntl(fds[1], F_SETFL, NULL), 0);
	}
	__atomic_store_n(&w->w_ready, 1, __ATOMIC_RELEASE);
	switch (w->w_mode) {
	case W_WAIT:
		w->w_result = h_wait(0);
		__atomic_store_n(&w->w_phase, 1, __ATOMIC_RELEASE);
		w->w_again = h_wait(0);
		break;
	case W_TIMED:
		w->w_result = h_wait(60LL * 1000000000);
		w->w_again = h_wait(1000000);
		break;
	case W_READ:
		w->w_result = rump_sys_read(fds[0], buf, 1) < 0 ? errno : 0;
		break;
	case W_WRITE:
		w->w_result = rump_sys_write(fds[1], buf, 1) < 0 ? errno : 0;
		break;
	case W_POLL:
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		w->w_result = rump_sys_poll(&pfd, 1, -1) < 0 ? errno : 0;
		break;
	case W_SLEEP:
		w->w_result = rump_sys_nanosleep(&ts, &rem) < 0 ? errno : 0;
		/* The time left is reported, and it is most of it. */
		w->w_again = rem.tv_sec >= 90 && rem.tv_sec <= 100 ? 0 : -1;
		break;
	}
	rump_lwproc_releaselwp();
	return NULL;
}

static void
worker_start(struct worker *w, enum wmode mode, int joinpid)
{

	memset(w, 0, sizeof(*w));
	w->w_mode = mode;
	w->w_joinpid = joinpid;
	w->w_result = -1;
	cr_assert_eq(pthread_create(&w->w_thread, NULL, worker_main, w), 0);
	while (!__atomic_load_n(&w->w_ready, __ATOMIC_ACQUIRE))
		usleep(1000);
}

/* Wait until the worker sleeps interruptibly after phase finished waits
 * (at most 10 s). */
static void
worker_sleeps_in(struct worker *w, int phase)
{
	int i;

	for (i = 0; i < 10000 && (!h_sleeping(w->w_lwp) ||
	    __atomic_load_n(&w->w_phase, __ATOMIC_ACQUIRE) < phase); i++)
		usleep(1000);
	cr_assert(h_sleeping(w->w_lwp), "the worker never slept");
}
#define worker_sleeps(w) worker_sleeps_in((w), 0)

Test(intr, timeout_is_not_an_interrupt)
{

	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(h_wait(1000000), EWOULDBLOCK);
	rump_lwproc_releaselwp();
}

Test(intr, only_the_interrupted_lwp)
{
	struct worker a, b;

	worker_start(&a, W_READ, 0);
	worker_start(&b, W_READ, 0);
	worker_sleeps(&a);
	worker_sleeps(&b);
	h_intr_lwp(a.w_lwp);
	pthread_join(a.w_thread, NULL);
	cr_assert_eq(a.w_result, EINTR);
	usleep(50000);
	cr_assert(h_sleeping(b.w_lwp), "b was interrupted too");
	h_intr_lwp(b.w_lwp);
	pthread_join(b.w_thread, NULL);
	cr_assert_eq(b.w_result, EINTR);
}

Test(intr, proc_interrupt_wakes_every_lwp)
{
	struct worker a, b;

	worker_start(&a, W_READ, 0);
	worker_start(&b, W_POLL, a.w_pid);
	cr_assert_eq(a.w_pid, b.w_pid);
	worker_sleeps(&a);
	worker_sleeps(&b);
	cr_assert_eq(h_intr_proc(a.w_pid), 0);
	pthread_join(a.w_thread, NULL);
	pthread_join(b.w_thread, NULL);
	cr_assert_eq(a.w_result, EINTR);
	cr_assert_eq(b.w_result, EINTR);
	cr_assert_eq(h_intr_proc(a.w_pid), ESRCH);   /* it ended */
}

static void
syscall_interrupted(enum wmode mode)
{
	struct worker w;

	worker_start(&w, mode, 0);
	worker_sleeps(&w);
	h_intr_lwp(w.w_lwp);
	pthread_join(w.w_thread, NULL);
	cr_assert_eq(w.w_result, EINTR);
	if (mode == W_SLEEP)
		cr_assert_eq(w.w_again, 0, "nanosleep's rem is wrong");
}

Test(intr, pipe_read) { syscall_interrupted(W_READ); }
Test(intr, pipe_write) { syscall_interrupted(W_WRITE); }
Test(intr, poll) { syscall_interrupted(W_POLL); }
Test(intr, nanosleep) { syscall_interrupted(W_SLEEP); }

Test(intr, nanosleep_uninterrupted)
{
	struct timespec ts = { 0, 20000000 }, t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(rump_sys_nanosleep(&ts, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_geq((t1.tv_sec - t0.tv_sec) * 1000000000LL +
	    (t1.tv_nsec - t0.tv_nsec), 20000000LL);
}
