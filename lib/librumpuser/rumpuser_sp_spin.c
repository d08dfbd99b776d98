/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_sp_spin.c: poll a socket for a moment before sleeping on it.
 *
 * A remote system call is a request and a reply between two threads that
 * otherwise sleep in recv().  When the host has idle CPUs, waking a
 * sleeping thread costs several microseconds (an inter-processor wakeup,
 * and on a virtual machine an exit to the hypervisor), often more than
 * the call itself; a thread that polls for the frame it expects is not
 * woken at all.  Polling only pays while there is a CPU to spare: on a
 * busy host the poller takes time from the thread it waits for, and the
 * scheduler favours threads that slept.  So a waiter polls only when the
 * number of runnable threads of the host (the fourth field of
 * /proc/loadavg, looked at by whichever thread comes first, at most every
 * RU_SP_SPIN_CHECK_NS while it said "spare" and every
 * RU_SP_SPIN_RECHECK_NS while it said "busy", so that a passing thread
 * does not stop polling for long) does not exceed its CPUs.  A poll that
 * ends empty (a call that blocks, a client that thinks, a peer that was
 * itself asleep) makes the next waits sleep at once, 1 and then twice as
 * many after each further empty poll in a row (up to RU_SP_SPIN_BACKOFF);
 * any frame that comes within the poll time starts polling over, so one
 * late frame costs one sleeping wait and an idle peer soon none at all.
 *
 * Used by the server's connection threads (rumpuser_sp.c) and compiled
 * into librumpclient for its reply waits.  Host code only.
 *
 * Locking: [a] atomic; struct ru_sp_spin belongs to one thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rumpuser_sp_spin.h"

#define RU_SP_SPIN_CHECK_NS   (20 * 1000 * 1000)
#define RU_SP_SPIN_RECHECK_NS (2 * 1000 * 1000)

static uint64_t ru_spin_checked;     /* [a] ns of the last look, 0: never */
static int ru_spin_spare;            /* [a] a CPU to spare then */

static inline uint64_t
ru_spin_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runnable threads of the host right now, or -1. */
static long
ru_spin_running(void)
{
	char buf[128], *p;
	ssize_t n;
	int fd, field;

	fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "0.52 0.58 0.59 3/467 12345": the 3. */
	for (p = buf, field = 0; *p != '\0' && field < 3; p++)
		if (*p == ' ')
			field++;
	if (field != 3 || *p < '0' || *p > '9')
		return -1;
	return strtol(p, NULL, 10);
}

/* Does the host have a CPU to spare (as of at most 20 ms / 2 ms ago)? */
static int
ru_spin_spare_cpu(uint64_t now)
{
	static long ncpu;
	uint64_t last = __atomic_load_n(&ru_spin_checked, __ATOMIC_RELAXED);
	long running;
	int spare;

	spare = __atomic_load_n(&ru_spin_spare, __ATOMIC_RELAXED);
	if (last != 0 && now - last < (spare ? RU_SP_SPIN_CHECK_NS :
	    RU_SP_SPIN_RECHECK_NS))
		return spare;
	/* One thread looks; the others use the old verdict meanwhile. */
	if (!__atomic_compare_exchange_n(&ru_spin_checked, &last, now, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return __atomic_load_n(&ru_spin_spare, __ATOMIC_RELAXED);
	if (__atomic_load_n(&ncpu, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&ncpu, sysconf(_SC_NPROCESSORS_ONLN),
		    __ATOMIC_RELAXED);
	running = ru_spin_running();
	spare = running > 0 && ncpu > 1 &&
	    running <= __atomic_load_n(&ncpu, __ATOMIC_RELAXED);
	__atomic_store_n(&ru_spin_spare, spare, __ATOMIC_RELAXED);
	return spare;
}

uint64_t
ru_sp_spin_param(const char *envname, unsigned defus)
{
	const char *e = getenv(envname);
	unsigned long us = defus;
	char *end;

	if (e != NULL && *e != '\0') {
		errno = 0;
		us = strtoul(e, &end, 10);
		if (errno != 0 || *end != '\0' || us > 1000000)
			us = defus;
	}
	return (uint64_t)us * 1000;
}

/*
 * A sleeping recvmsg, timed: a frame that came within the poll time
 * (wake-up included) would have been caught by polling, so polling starts
 * over.
 */
static ssize_t
ru_spin_sleep(struct ru_sp_spin *s, int fd, struct msghdr *mh, int flags)
{
	uint64_t t0 = ru_spin_now();
	ssize_t n;
	int saved;

	n = recvmsg(fd, mh, flags);
	saved = errno;
	if (n > 0 && ru_spin_now() - t0 < s->sp_ns) {
		s->sp_nospin = 0;
		s->sp_backoff = 0;
	}
	errno = saved;
	return n;
}

ssize_t
ru_sp_recvmsg_spin(struct ru_sp_spin *s, int fd, struct msghdr *mh,
    int flags)
{
	uint64_t now, end;
	ssize_t n;
	int saved = errno;                 /* kept on success: callers'
	                                      callers read it after a call */

	if (s->sp_ns == 0)
		return recvmsg(fd, mh, flags);
	if (s->sp_nospin > 0) {
		s->sp_nospin--;
		return ru_spin_sleep(s, fd, mh, flags);
	}
	now = ru_spin_now();
	if (!ru_spin_spare_cpu(now))
		return recvmsg(fd, mh, flags);
	end = now + s->sp_ns;
	do {
		n = recvmsg(fd, mh, flags | MSG_DONTWAIT);
		if (n >= 0) {
			s->sp_backoff = 0;
			errno = saved;
			return n;
		}
		if (errno != EAGAIN)
			return n;
	} while (ru_spin_now() < end);
	/* 1, 2, 4, ... sleeping waits after empty polls in a row. */
	s->sp_backoff = s->sp_backoff == 0 ? 1 :
	    s->sp_backoff >= RU_SP_SPIN_BACKOFF / 2 ? RU_SP_SPIN_BACKOFF :
	    s->sp_backoff * 2;
	s->sp_nospin = s->sp_backoff;
	errno = saved;
	return ru_spin_sleep(s, fd, mh, flags);
}

ssize_t
ru_sp_recv_spin(struct ru_sp_spin *s, int fd, void *buf, size_t len,
    int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	return ru_sp_recvmsg_spin(s, fd, &mh, flags);
}
