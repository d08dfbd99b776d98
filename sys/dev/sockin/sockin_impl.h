/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin_impl.h: what the two kernel files of sockin share: the protocol
 * control block, the domain lock, and the operations both protocols use.
 * sockin.c has the domain, the datagram protocol and the common
 * operations; sockin_stream.c the stream protocol.
 *
 * Locking: [d] sockin_lock, which is so_lock of every sockin socket (a
 * listener and its new connections must share one lock, and a new
 * connection outlives its listener, so the lock is the domain's, as
 * AF_UNIX and netinet do); [I] set in attach; [t] the socket's thread
 * alone, or after detach the thread or caller that flushes and closes.
 * Lock order: sockin_lock > pollinfo lock (socketvar.h).  No lock is held
 * across a blocking hypercall.
 */
#ifndef _SYS_DEV_SOCKIN_SOCKIN_IMPL_H_
#define _SYS_DEV_SOCKIN_SOCKIN_IMPL_H_

#include "kern/kern.h"
#include "kern/lock.h"

struct lwp;
struct mbuf;
struct pr_usrreqs;
struct rump_sockaddr;
struct rump_sockaddr_storage;
struct socket;
struct sockin_user;
struct sockopt;

struct sockin_pcb {
	struct sockin_user *sp_user;       /* [I] the host socket */
	struct socket *sp_so;              /* [I] until detach */
	struct lwp *sp_l;                  /* [d] the socket's thread */
	bool sp_stop;                      /* [d] the thread is to end */
	/* streams (sockin_stream.c) */
	int sp_flags;                      /* [d] SPF_* */
	int sp_backlog;                    /* [d] host listen()'s backlog */
	struct mbuf *sp_orphan;            /* [t] unsent data after detach */
	size_t sp_orphanoff;               /* [t] bytes of it already sent */
};

extern kmutex_t sockin_lock;
extern const struct pr_usrreqs sockin_stream_usrreqs;

/* 0 if nam is an AF_INET address (EINVAL, EAFNOSUPPORT). */
int sockin_checkaddr(const struct rump_sockaddr *nam, size_t namlen);
int sockin_bind(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l);
int sockin_ctloutput(int op, struct socket *so, struct sockopt *sopt);
void sockin_sooptset(struct socket *so, int name);
int sockin_sockaddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp);
int sockin_peeraddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp);
int sockin_ioctl(struct socket *so, unsigned long cmd, void *data);

#endif /* _SYS_DEV_SOCKIN_SOCKIN_IMPL_H_ */
