/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_net.h: helpers of the socket tests: boot, AF_UNIX addresses, and the
 * leak check every case ends with (kmem back to where it started once
 * the sockets are closed).
 */
#ifndef _TESTS_NET_H_NET_H_
#define _TESTS_NET_H_NET_H_

#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static uint64_t h_kmem_start;

static inline void
h_boot(void)
{
	cr_assert_eq(rump_init(), 0);
	/* The first call binds this thread to an lwp: not ours to count. */
	(void)rump_sys_getpid();
	h_kmem_start = rump_kmem_inuse();
}

/* Everything the case allocated is gone (call after closing). */
static inline void
h_noleak(void)
{
	cr_assert_eq(rump_kmem_inuse(), h_kmem_start,
	    "kmem in use %llu, at start %llu",
	    (unsigned long long)rump_kmem_inuse(),
	    (unsigned long long)h_kmem_start);
}

static inline socklen_t
h_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strncpy(sun->sun_path, path, sizeof(sun->sun_path) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + 1);
}

static inline void
h_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#endif
