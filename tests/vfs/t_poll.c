/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_poll.c: poll(2) and ppoll(2): readiness of pipes and files, POLLNVAL,
 * POLLHUP and POLLERR, timeouts, and wakeups from another host thread.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(poll, .init = boot);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

Test(poll, pipe_readiness)
{
	struct pollfd pfd[2];
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	pfd[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	cr_assert_eq(rump_sys_poll(pfd, 2, 0), 1);
	cr_assert_eq(pfd[0].revents, 0);
	cr_assert_eq(pfd[1].revents, POLLOUT);
	cr_assert_eq(rump_sys_poll(pfd, 1, 0), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(rump_sys_poll(pfd, 2, 0), 2);
	cr_assert_eq(pfd[0].revents, POLLIN);
	/* Only what was asked for (and the errors) is reported. */
	pfd[0].events = POLLOUT;
	cr_assert_eq(rump_sys_poll(pfd, 1, 0), 0);
	cr_assert_eq(pfd[0].revents, 0);
}

Test(poll, hangup_and_error)
{
	struct pollfd pfd;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	cr_assert_eq(rump_sys_poll(&pfd, 1, 0), 1);
	cr_assert_eq(pfd.revents, POLLIN | POLLHUP);
	pfd.events = 0;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 0), 1);
	cr_assert_eq(pfd.revents, POLLHUP);

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	pfd = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	cr_assert_eq(rump_sys_poll(&pfd, 1, 0), 1);
	cr_assert(pfd.revents & POLLERR);
}

Test(poll, bad_and_negative_fds)
{
	struct pollfd pfd[3];
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	pfd[0] = (struct pollfd){ .fd = 77, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 9 };
	pfd[2] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	cr_assert_eq(rump_sys_poll(pfd, 3, 0), 2);
	cr_assert_eq(pfd[0].revents, POLLNVAL);
	cr_assert_eq(pfd[1].revents, 0);
	cr_assert_eq(pfd[2].revents, POLLOUT);
	cr_assert_eq(rump_sys_poll(NULL, 1, 0), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(poll, regular_files_are_ready)
{
	struct pollfd pfd;
	int fd;

	fd = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	cr_assert_eq(rump_sys_poll(&pfd, 1, -1), 1);
	cr_assert_eq(pfd.revents, POLLIN | POLLOUT);
}

Test(poll, timeout)
{
	struct pollfd pfd;
	int64_t t0, dt;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	t0 = now_ms();
	cr_assert_eq(rump_sys_poll(&pfd, 1, 100), 0);
	dt = now_ms() - t0;
	cr_assert_geq(dt, 95, "woke after %lld ms", (long long)dt);
	cr_assert_lt(dt, 2000);
	/* No descriptors at all: a plain sleep. */
	t0 = now_ms();
	cr_assert_eq(rump_sys_poll(NULL, 0, 30), 0);
	cr_assert_geq(now_ms() - t0, 28);
}

struct wr {
	int fd;
	int delay;
};

static void *
late_writer(void *arg)
{
	struct wr *w = arg;

	msleep(w->delay);
	rump_sys_write(w->fd, "!", 1);
	return NULL;
}

Test(poll, woken_by_another_thread)
{
	struct pollfd pfd[2];
	struct wr w;
	pthread_t t;
	int p[2], q[2];
	int64_t t0;

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_pipe(q), 0);
	pfd[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = q[0], .events = POLLIN };
	w.fd = q[1];
	w.delay = 50;
	t0 = now_ms();
	pthread_create(&t, NULL, late_writer, &w);
	cr_assert_eq(rump_sys_poll(pfd, 2, 5000), 1);
	cr_assert_lt(now_ms() - t0, 4000);
	cr_assert_eq(pfd[0].revents, 0);
	cr_assert_eq(pfd[1].revents, POLLIN);
	pthread_join(t, NULL);
	/* Infinite timeout, the same way. */
	w.fd = p[1];
	pthread_create(&t, NULL, late_writer, &w);
	cr_assert_eq(rump_sys_poll(pfd, 1, -1), 1);
	cr_assert_eq(pfd[0].revents, POLLIN);
	pthread_join(t, NULL);
}

static void *
late_closer(void *arg)
{
	struct wr *w = arg;

	msleep(w->delay);
	rump_sys_close(w->fd);
	return NULL;
}

Test(poll, woken_by_hangup)
{
	struct pollfd pfd;
	struct wr w;
	pthread_t t;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	w.fd = p[1];
	w.delay = 30;
	pthread_create(&t, NULL, late_closer, &w);
	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), 1);
	cr_assert_eq(pfd.revents, POLLHUP);
	pthread_join(t, NULL);
}

Test(poll, ppoll_timespec)
{
	struct timespec ts = { 0, 20 * 1000000L };
	struct pollfd pfd;
	int64_t t0;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	t0 = now_ms();
	cr_assert_eq(rump_sys_ppoll(&pfd, 1, &ts, NULL, 8), 0);
	cr_assert_geq(now_ms() - t0, 18);
	ts.tv_nsec = 1000000000L;
	cr_assert_eq(rump_sys_ppoll(&pfd, 1, &ts, NULL, 8), -1);
	cr_assert_eq(errno, EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	cr_assert_eq(rump_sys_ppoll(&pfd, 1, &ts, NULL, 8), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(rump_sys_ppoll(&pfd, 1, NULL, NULL, 8), 1);
	cr_assert_eq(pfd.revents, POLLIN);
}

Test(poll, nfds_limit)
{
	struct rlimit rl = { .rlim_cur = 16, .rlim_max = 4096 };
	struct pollfd pfd[17];
	int i;

	cr_assert_eq(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), 0);
	for (i = 0; i < 17; i++)
		pfd[i] = (struct pollfd){ .fd = -1 };
	cr_assert_eq(rump_sys_poll(pfd, 16, 0), 0);
	cr_assert_eq(rump_sys_poll(pfd, 17, 0), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(poll, no_leaks)
{
	struct pollfd pfd[2];
	uint64_t before;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	pfd[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = 99, .events = POLLIN };
	cr_assert_eq(rump_sys_poll(pfd, 2, 0), 1);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	before = rump_kmem_inuse();
	cr_assert_eq(rump_sys_pipe(p), 0);
	pfd[0].fd = p[0];
	pfd[1] = (struct pollfd){ .fd = p[1], .events = POLLIN };
	/* Registers on the pipe, sleeps, times out. */
	cr_assert_eq(rump_sys_poll(pfd, 2, 20), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(rump_sys_poll(pfd, 2, 20), 1);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	/* Kernel threads may free memory of their own meanwhile. */
	cr_assert_leq(rump_kmem_inuse(), before, "diff %lld",
	    (long long)(rump_kmem_inuse() - before));
}
