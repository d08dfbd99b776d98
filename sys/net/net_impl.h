/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_impl.h: declarations private to librumpnet (sys/net), shared
 * between its files: initialisation, the socket file operations, the
 * in-kernel form of control messages and the AF_UNIX domain.
 *
 * Control messages inside the kernel: an MT_CONTROL mbuf holds one
 * message, a struct rump_cmsghdr followed by its data, cmsg_len counting
 * both, in the mbuf's storage (one cluster at most).  SCM_RIGHTS is kept
 * "internalized": its data is an array of struct file pointers, each
 * holding a reference (the file is "in flight") until the message is
 * received (the reference moves to a new descriptor) or disposed of
 * (so_dispose_control() drops it).  Other messages (SCM_CREDENTIALS) are
 * kept as the caller gave them.
 */
#ifndef _SYS_NET_NET_IMPL_H_
#define _SYS_NET_NET_IMPL_H_

#include "kern/kern.h"

struct file;
struct mbuf;
struct socket;

void socket_init(void);
int uipc_init(void);

extern const struct fileops socketops;

/* Files of an internalized SCM_RIGHTS message (cm: its control mbuf). */
static inline struct file **
cm_rights(struct mbuf *cm, size_t *np)
{
	struct rump_cmsghdr *cmh = mtod(cm, struct rump_cmsghdr *);

	*np = (cmh->cmsg_len - CMSG_LEN(0)) / sizeof(struct file *);
	return (struct file **)(void *)CMSG_DATA(cmh);
}
static inline bool
cm_isrights(struct mbuf *cm)
{
	struct rump_cmsghdr *cmh = mtod(cm, struct rump_cmsghdr *);

	return cmh->cmsg_level == SOL_SOCKET && cmh->cmsg_type == SCM_RIGHTS;
}

/* Drop the file references of the SCM_RIGHTS messages in a control
 * chain and free the chain.  No socket lock may be held. */
void so_dispose_control(struct mbuf *control);

/* Files in flight in SCM_RIGHTS messages, all domains. */
extern unsigned so_rights_inflight;        /* [a] */

/* AF_UNIX: collect unreachable sockets whose files are only in flight
 * (uipc_usrreq.c); called after a socket of the domain closed. */
void uipc_gc(void);

#endif /* _SYS_NET_NET_IMPL_H_ */
