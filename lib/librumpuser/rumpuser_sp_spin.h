/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_sp_spin.h: waiting for a remote-syscall frame by polling the
 * socket for a moment before sleeping in recv(), shared by the server's
 * host side (rumpuser_sp.c: the next request) and the client
 * (lib/librumpclient: the reply, which compiles rumpuser_sp_spin.c into
 * itself).  Host code only.
 */
#ifndef _LIBRUMPUSER_RUMPUSER_SP_SPIN_H_
#define _LIBRUMPUSER_RUMPUSER_SP_SPIN_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* A waiter's poll state; one per connection, used by its thread only. */
struct ru_sp_spin {
	uint64_t sp_ns;            /* poll this long, 0: never */
	unsigned sp_nospin;        /* waits left that sleep at once */
	unsigned sp_backoff;       /* sp_nospin after the next empty poll */
};

/*
 * The poll time in ns: the environment variable envname (microseconds,
 * 0 turns polling off) or defus.
 */
uint64_t ru_sp_spin_param(const char *envname, unsigned defus);

/*
 * recv(fd, buf, len, flags), first polling for up to s->sp_ns when the
 * host has a CPU to spare.  A poll that ends empty makes the next waits
 * sleep at once: 1 after the first, twice as many after each further one
 * in a row, at most RU_SP_SPIN_BACKOFF; a wait that finds its frame
 * within s->sp_ns (polling, or sleeping, wake-up included) starts over.
 * Returns what recv returns.
 */
ssize_t ru_sp_recv_spin(struct ru_sp_spin *s, int fd, void *buf, size_t len,
    int flags);

/* The same for recvmsg(fd, mh, flags). */
ssize_t ru_sp_recvmsg_spin(struct ru_sp_spin *s, int fd, struct msghdr *mh,
    int flags);

#define RU_SP_SPIN_BACKOFF 64

#endif /* _LIBRUMPUSER_RUMPUSER_SP_SPIN_H_ */
