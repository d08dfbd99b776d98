/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * protosw.h: the protocol switch: what a protocol gives the socket layer.
 *
 * Every protocol (AF_UNIX stream, UDP, TCP, raw IP, ...) is one struct
 * protosw in its domain's table (domain.h) with one operations vector,
 * struct pr_usrreqs.  The socket layer (net_socket.c) does everything
 * that is the same for all protocols: descriptors, argument checks,
 * socket options of level SOL_SOCKET, socket buffers, waiting, poll, the
 * listen queue.  It calls the protocol for the rest.
 *
 * Calling conventions, for every operation unless it says otherwise:
 *  - Called with so->so_lock held; the operation returns with it held.
 *    Exception: pru_attach runs on a socket nobody else can see yet,
 *    without a lock; it may point so_lock at a lock of its own.
 *    An operation may sleep only where it says so (it then waits on one
 *    of the socket's condition variables, which drops so_lock).
 *  - Returns 0 or an errno, which the system call returns.
 *  - Socket addresses are kernel copies, already checked by the socket
 *    layer to be at least sizeof(sa_family_t) and at most
 *    sizeof(struct rump_sockaddr_storage) bytes; the protocol checks the
 *    family and the rest (EINVAL, EAFNOSUPPORT).
 *  - Addresses returned (pru_sockaddr, pru_peeraddr, pru_accept) are
 *    written to a struct rump_sockaddr_storage with their length in
 *    *lenp; the socket layer truncates them to the caller's buffer.
 *
 * OWNERSHIP:
 *  - pru_send consumes m and control on every path, success or error:
 *    it queues them, hands them on, or frees them (m_freem; control that
 *    carries SCM_RIGHTS is disposed with the protocol's own routine so
 *    the files it references are released).  The caller never touches
 *    them again.
 *  - pru_attach gets a socket whose so_pcb is NULL and sets so_pcb (and
 *    may set so_lock, see socketvar.h).  pru_detach frees the pcb and sets
 *    so_pcb to NULL; after it the protocol holds no pointer to so.
 *  - pru_accept runs on a socket taken off the listen queue; it only
 *    reports the peer's address.
 *
 * Locking: [I] immutable (tables are const).
 */
#ifndef _SYS_NET_PROTOSW_H_
#define _SYS_NET_PROTOSW_H_

#include "kern/kern.h"

struct mbuf;
struct socket;
struct rump_sockaddr;
struct rump_sockaddr_storage;
struct lwp;

/* A socket option's value as a kernel copy (level != SOL_SOCKET, and
 * SOL_SOCKET options the socket layer does not handle itself). */
struct sockopt {
	int sopt_level;
	int sopt_name;
	void *sopt_val;                    /* kernel buffer */
	size_t sopt_size;                  /* set: bytes given; get: room in,
					      bytes produced out */
};
#define SOPT_SET 0
#define SOPT_GET 1
#define SOPT_MAXSIZE 256                   /* largest option value */

struct pr_usrreqs {
	/* A new socket of this protocol; proto is socket(2)'s protocol
	 * argument (0 replaced by pr_protocol).  Sets up so_pcb and the
	 * socket buffer sizes (soreserve). */
	int (*pru_attach)(struct socket *so, int proto);
	/* The socket goes away: disconnect, unbind, free the pcb. */
	void (*pru_detach)(struct socket *so);
	/* Drop the connection abruptly (pending connection of a listener
	 * that closes); then the socket layer detaches and frees it. */
	void (*pru_abort)(struct socket *so);
	int (*pru_bind)(struct socket *so, const struct rump_sockaddr *nam,
	    size_t namlen, struct lwp *l);
	/* Get ready to accept (so_state is LISTENING already). */
	int (*pru_listen)(struct socket *so, struct lwp *l);
	/* Start (or, for connectionless protocols, record) a connection.
	 * Sets the state through soisconnecting()/soisconnected(); the
	 * socket layer waits for SS_CONNECTED if needed. */
	int (*pru_connect)(struct socket *so, const struct rump_sockaddr *nam,
	    size_t namlen, struct lwp *l);
	/* Connect two new sockets of this protocol to each other
	 * (socketpair); NULL: EOPNOTSUPP. */
	int (*pru_connect2)(struct socket *so1, struct socket *so2);
	/* The peer address of an accepted socket. */
	int (*pru_accept)(struct socket *so, struct rump_sockaddr_storage *nam,
	    size_t *lenp);
	/* Break the connection (connectionless: forget the default peer). */
	int (*pru_disconnect)(struct socket *so);
	/* The sending half closed (SS_CANTSENDMORE is set already). */
	int (*pru_shutdown)(struct socket *so);
	/*
	 * Send m (a packet-header chain; may be NULL for a bare control
	 * message) with optional control and, for unconnected sockets, the
	 * destination nam.  Consumes m and control on every path.  flags:
	 * MSG_* of the call, with MSG_DONTWAIT set for non-blocking files;
	 * without it the protocol may sleep for room at the receiver.
	 */
	int (*pru_send)(struct socket *so, struct mbuf *m,
	    const struct rump_sockaddr *nam, size_t namlen,
	    struct mbuf *control, int flags, struct lwp *l);
	/* The receiver took data out of so_rcv (PR_WANTRCVD protocols):
	 * open the window, wake the peer's writers. */
	int (*pru_rcvd)(struct socket *so, int flags);
	/* ioctl commands the socket layer does not handle; ENOTTY if
	 * unknown.  data is the caller's (user) address. */
	int (*pru_ioctl)(struct socket *so, unsigned long cmd, void *data);
	/* Options of the protocol's levels; ENOPROTOOPT if unknown. */
	int (*pru_ctloutput)(int op, struct socket *so, struct sockopt *sopt);
	int (*pru_sockaddr)(struct socket *so,
	    struct rump_sockaddr_storage *nam, size_t *lenp);
	int (*pru_peeraddr)(struct socket *so,
	    struct rump_sockaddr_storage *nam, size_t *lenp);
	/* Optional: bytes a send may queue now (default: room in so_snd).
	 * Protocols that queue at the peer (AF_UNIX) report its room. */
	size_t (*pru_sendspace)(struct socket *so);
	/* Optional: poll events beyond what the socket buffers show. */
	int (*pru_poll)(struct socket *so, int events);
	/* Optional: release the references held by a control chain that
	 * never reached its receiver (SCM_RIGHTS files); the socket layer
	 * then frees the mbufs.  Called without so_lock. */
	void (*pru_dispose)(struct mbuf *control);
	/* Optional: SOL_SOCKET option name, which the socket layer keeps
	 * itself (so_options, buffer sizes, SO_LINGER), was just set; a
	 * protocol that mirrors these elsewhere (sockin: on its host
	 * socket) applies the new value. */
	void (*pru_sooptset)(struct socket *so, int name);
};

struct protosw {
	int pr_type;                       /* SOCK_* */
	int pr_protocol;                   /* protocol number, 0 if none */
	int pr_flags;                      /* PR_* */
	const struct pr_usrreqs *pr_usrreqs;
};
/* pr_flags */
#define PR_ATOMIC       0x01   /* messages are sent whole (datagrams) */
#define PR_ADDR         0x02   /* each message carries the sender's address */
#define PR_CONNREQUIRED 0x04   /* must connect before sending */
#define PR_WANTRCVD     0x08   /* call pru_rcvd after receiving */
#define PR_RIGHTS       0x10   /* passes access rights (SCM_RIGHTS) */
#define PR_LISTEN       0x20   /* listen/accept make sense */
#define PR_RECORDS      0x40   /* message boundaries kept (SEQPACKET) */
#define PR_URGENT       0x80   /* urgent data: MSG_OOB, SIOCATMARK */

#endif /* _SYS_NET_PROTOSW_H_ */
