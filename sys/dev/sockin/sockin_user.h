/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin_user.h: the hypercalls of sockin, between its kernel half
 * (sockin.c) and its host half (sockin_user.c, built into the same
 * library).  A struct sockin_user is one host socket (AF_INET, SOCK_DGRAM,
 * non-blocking) with an eventfd that stops its waiter.  Addresses are
 * Linux struct sockaddr_in, which is also the rump kernel's layout.
 * Every call returns 0 or an errno value (Linux numbering).
 *
 * Only rumpuser_sockin_wait blocks: the kernel half calls it with its
 * virtual CPU released (rump_unschedule).
 */
#ifndef _SYS_DEV_SOCKIN_SOCKIN_USER_H_
#define _SYS_DEV_SOCKIN_SOCKIN_USER_H_

#include <stddef.h>

struct sockin_user;

int rumpuser_sockin_open(int type, int protocol, struct sockin_user **up);
void rumpuser_sockin_close(struct sockin_user *u);
int rumpuser_sockin_bind(struct sockin_user *u, const void *sa, size_t len);
/* sa NULL: dissolve the association (connect to AF_UNSPEC). */
int rumpuser_sockin_connect(struct sockin_user *u, const void *sa,
    size_t len);
/* One datagram to sa (NULL: the connected peer); EAGAIN if the host
 * cannot take it now. */
int rumpuser_sockin_send(struct sockin_user *u, const void *buf,
    size_t len, const void *sa, size_t salen, size_t *sentp);
/* The next datagram, truncated to len (*fullp: its length); EAGAIN if
 * none.  *salenp: in the room at sa, out the sender's address length. */
int rumpuser_sockin_recv(struct sockin_user *u, void *buf, size_t len,
    size_t *fullp, void *sa, size_t *salenp);
/* Sleep until a datagram (or an error) is there or stop was called. */
void rumpuser_sockin_wait(struct sockin_user *u);
void rumpuser_sockin_stop(struct sockin_user *u);
int rumpuser_sockin_getname(struct sockin_user *u, int peer, void *sa,
    size_t *lenp);
int rumpuser_sockin_setopt(struct sockin_user *u, int level, int name,
    const void *val, size_t len);
int rumpuser_sockin_getopt(struct sockin_user *u, int level, int name,
    void *val, size_t *lenp);

#endif /* _SYS_DEV_SOCKIN_SOCKIN_USER_H_ */
