/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin_user.h: the hypercalls of sockin, between its kernel half
 * (sockin.c, sockin_stream.c) and its host half (sockin_user.c, built
 * into the same library).  A struct sockin_user is one host socket
 * (AF_INET, SOCK_DGRAM or SOCK_STREAM, non-blocking) with an eventfd that
 * wakes its waiter.  Addresses are Linux struct sockaddr_in, which is
 * also the rump kernel's layout; so are socket option levels, names and
 * values, and shutdown's how.  Every call returns 0 or an errno value
 * (Linux numbering).
 *
 * Only rumpuser_sockin_wait, rumpuser_sockin_poll and
 * rumpuser_sockin_close (a host SO_LINGER may make it wait) block: the
 * kernel half calls them with its virtual CPU released (rump_unschedule).
 * The others return at once and may be called with it held.
 */
#ifndef _SYS_DEV_SOCKIN_SOCKIN_USER_H_
#define _SYS_DEV_SOCKIN_SOCKIN_USER_H_

#include <stddef.h>

struct sockin_user;

/* A new host socket: type SOCK_DGRAM or SOCK_STREAM (else
 * EPROTONOSUPPORT), protocol as socket(2)'s. */
int rumpuser_sockin_open(int type, int protocol, struct sockin_user **up);
void rumpuser_sockin_close(struct sockin_user *u);
int rumpuser_sockin_bind(struct sockin_user *u, const void *sa, size_t len);
/* sa NULL: dissolve the association (connect to AF_UNSPEC).  A
 * stream's connect that is under way is EINPROGRESS (then poll for
 * SOCKIN_EV_OUT and read rumpuser_sockin_soerror). */
int rumpuser_sockin_connect(struct sockin_user *u, const void *sa,
    size_t len);
/* One datagram to sa (NULL: the connected peer), or for a stream as
 * many bytes as the host takes now (*sentp; maybe fewer than len);
 * EAGAIN if the host cannot take any now. */
int rumpuser_sockin_send(struct sockin_user *u, const void *buf,
    size_t len, const void *sa, size_t salen, size_t *sentp);
/* The next datagram, truncated to len (*fullp: its length); EAGAIN if
 * none.  *salenp: in the room at sa, out the sender's address length. */
int rumpuser_sockin_recv(struct sockin_user *u, void *buf, size_t len,
    size_t *fullp, void *sa, size_t *salenp);
/* Sleep until a datagram (or an error) is there or stop was called. */
void rumpuser_sockin_wait(struct sockin_user *u);
/* Wake the thread in rumpuser_sockin_wait or _poll on u (or make its
 * next wait return at once). */
void rumpuser_sockin_wake(struct sockin_user *u);
int rumpuser_sockin_getname(struct sockin_user *u, int peer, void *sa,
    size_t *lenp);
int rumpuser_sockin_setopt(struct sockin_user *u, int level, int name,
    const void *val, size_t len);
int rumpuser_sockin_getopt(struct sockin_user *u, int level, int name,
    void *val, size_t *lenp);


/* Streams. */
int rumpuser_sockin_listen(struct sockin_user *u, int backlog);
/* The next connection of listening u as a new sockin_user in *nup;
 * EAGAIN if none is waiting. */
int rumpuser_sockin_accept(struct sockin_user *u, struct sockin_user **nup);
/* Up to len bytes; *gotp 0 at the end of the stream; EAGAIN if none. */
int rumpuser_sockin_read(struct sockin_user *u, void *buf, size_t len,
    size_t *gotp);
int rumpuser_sockin_shutdown(struct sockin_user *u, int how);
/* The pending error of u (SO_ERROR: a connect's result), cleared. */
int rumpuser_sockin_soerror(struct sockin_user *u, int *errorp);
/* Close with a reset: pending data is dropped; never waits. */
void rumpuser_sockin_abort(struct sockin_user *u);
/*
 * Sleep until u is ready for one of events (SOCKIN_EV_IN, _OUT; 0: only
 * a wake-up counts), rumpuser_sockin_wake was called, or timeout_ms
 * passed (-1: no limit).  Returns the events that are ready, with
 * SOCKIN_EV_ERR for an error or hang-up and SOCKIN_EV_WAKE after a
 * wake-up (which it consumes); 0 after a timeout.
 */
#define SOCKIN_EV_IN   0x1
#define SOCKIN_EV_OUT  0x2
#define SOCKIN_EV_ERR  0x4
#define SOCKIN_EV_WAKE 0x8
int rumpuser_sockin_poll(struct sockin_user *u, int events, int timeout_ms);

#endif /* _SYS_DEV_SOCKIN_SOCKIN_USER_H_ */
