/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * socketvar.h: sockets and socket buffers, the protocol-independent part.
 *
 * A socket is the kernel object behind a socket descriptor: a struct file
 * of type DTYPE_SOCKET whose f_data is the struct socket (net_socket.c
 * gives the file operations).  It holds the protocol (protosw.h) and its
 * control block (so_pcb), a receive and a send buffer (struct sockbuf),
 * the connection state, the options of level SOL_SOCKET, and for a
 * listening socket the queue of connections waiting for accept().
 *
 * Connection states (so_state), changed only with so_lock held, through
 * SO_STATE_CHANGE(), which asserts the transition:
 *
 *	UNCONNECTED -> LISTENING      listen(); never left
 *	UNCONNECTED -> CONNECTING     protocol started a handshake
 *	UNCONNECTED -> CONNECTED      connect finished at once (AF_UNIX, UDP),
 *	                              socketpair, or a queued new connection
 *	CONNECTING  -> CONNECTED      handshake done (soisconnected)
 *	CONNECTING  -> DISCONNECTED   handshake failed (soisdisconnected)
 *	CONNECTED   -> DISCONNECTING  orderly close started (TCP)
 *	CONNECTED   -> DISCONNECTED   the connection ended (peer closed)
 *	DISCONNECTING -> DISCONNECTED
 *	CONNECTED   -> UNCONNECTED    datagram socket forgets its peer
 *	DISCONNECTED -> UNCONNECTED   datagram socket whose peer went away
 *	                              connects anew
 *
 * The protocol makes the transitions with soisconnecting(),
 * soisconnected(), soisdisconnecting() and soisdisconnected(); listen()
 * is the socket layer's.  Independent of the state, each direction can
 * be shut: SB_CANTMORE in so_rcv.sb_flags (no more data will arrive:
 * reads return 0 at the end) and in so_snd.sb_flags (sends fail with
 * EPIPE), set by shutdown(), by close and by the protocol when the peer
 * goes.
 *
 * Listen queue: a new connection for a listening socket (head) is made
 * by the protocol with sonewconn(), which creates the socket with head's
 * protocol, options and buffer sizes and queues it on head's so_q0
 * (incomplete) or so_q (complete, ready for accept()).  soisconnected()
 * on a queued socket moves it from so_q0 to so_q and wakes accept().
 * accept() takes the first socket off so_q and gives it a file.  When the
 * head closes, every queued socket is aborted and freed.  so_qlimit is
 * listen()'s backlog; sonewconn() fails when so_qlen + so_q0len exceeds it.
 *
 * Urgent data (protocols with PR_URGENT: TCP), BSD's model: the
 * protocol announces a new urgent pointer with sooobannounce() (the
 * byte is on its way: recv(MSG_OOB) says EAGAIN; an older mark is
 * forgotten) and, when the urgent byte arrives in order, calls
 * sooobarrived() with the count of so_rcv bytes before it: that is the
 * mark.  Without SO_OOBINLINE the protocol has taken the byte out of
 * the stream (so_oobbyte, read by recv(MSG_OOB)); with it the byte
 * stays in so_rcv just after the mark.  A stream read never crosses the
 * mark: it stops there, and a read that starts at the mark passes it,
 * which forgets the mark and an urgent byte not read (as Linux).
 * so_oobstate: NONE -> WAIT (announced) -> HAVE (arrived; POLLPRI) ->
 * HAD (read with MSG_OOB); passing the mark goes back to NONE, a new
 * announcement to WAIT from any state.
 *
 * Lifetime: the socket is freed (sofree) when its file has closed
 * (SS_NOFDREF), the protocol has detached and it is on no listen queue.
 *
 * Locking: so_lock is a pointer: the protocol's pru_attach may point it
 * at a lock it shares among sockets (AF_UNIX uses one lock for the whole
 * domain, so connecting and sending between two sockets never needs two
 * socket locks); by default it points at so_lockstore.  It never changes
 * after attach, and a socket made by sonewconn() shares its head's.
 * [I] immutable after creation, [s] *so_lock, [a] atomic.
 * Lock order: *so_lock > pollinfo lock (poll.h).  The socket lock is
 * never held across a call into the VFS (AF_UNIX drops it to look up
 * paths) nor across file_rele().
 */
#ifndef _SYS_NET_SOCKETVAR_H_
#define _SYS_NET_SOCKETVAR_H_

#include "kern/kern.h"
#include "kern/lock.h"
#include "vfs/poll.h"

struct file;
struct lwp;
struct mbuf;
struct protosw;
struct uio;
struct rump_sockaddr;

struct sockbuf {
	kcondvar_t sb_cv;                  /* readers/writers wait here */
	struct mbuf *sb_mb;                /* [s] first record */
	struct mbuf *sb_lastrecord;        /* [s] last record */
	struct mbuf *sb_mbtail;            /* [s] last mbuf of sb_tailrec, a
	                                      hint that holds only while
	                                      sb_tailrec == sb_lastrecord
	                                      (whoever replaces a record's
	                                      head changes sb_lastrecord) */
	struct mbuf *sb_tailrec;           /* [s] */
	size_t sb_cc;                      /* [s] data bytes held */
	size_t sb_mbcnt;                   /* [s] storage bytes held */
	size_t sb_hiwat;                   /* [s] SO_RCVBUF/SO_SNDBUF, bytes */
	size_t sb_mbmax;                   /* [s] storage limit */
	size_t sb_lowat;                   /* [s] SO_RCVLOWAT/SO_SNDLOWAT */
	int64_t sb_timeo;                  /* [s] SO_*TIMEO in ns; 0: none */
	int sb_flags;                      /* [s] SB_* */
};
#define SB_CANTMORE 0x01                   /* this direction is shut */

enum so_state {
	SS_UNCONNECTED,
	SS_LISTENING,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_DISCONNECTING,
	SS_DISCONNECTED,
};

struct socket {
	kmutex_t *so_lock;                 /* [I] lock of [s] fields */
	kmutex_t so_lockstore;             /* default target of so_lock */
	kcondvar_t so_cv;                  /* connect/accept waits */
	short so_type;                     /* [I] SOCK_* */
	short so_family;                   /* [I] AF_* */
	int so_protocol;                   /* [I] protocol number */
	const struct protosw *so_proto;    /* [I] */
	kauth_cred_t so_cred;              /* [I] creator's, referenced */
	pid_t so_cpid;                     /* [I] creator's pid */
	struct file *so_file;              /* [s] our file (no reference);
					      NULL while on a listen queue */

	enum so_state so_state;            /* [s] see above */
	int so_flags;                      /* [s] SF_* */
	int so_options;                    /* [s] SO_* set by setsockopt */
	int so_error;                      /* [s] pending error, SO_ERROR */
	struct rump_linger so_linger;      /* [s] SO_LINGER (stored only) */
	void *so_pcb;                      /* [s] protocol's control block */
	struct sockbuf so_rcv;             /* [s] */
	struct sockbuf so_snd;             /* [s] */
	struct pollinfo so_poll;

	/* listen queues (on the head) and membership (on a queued socket) */
	struct socket *so_head;            /* [s] listener we are queued on */
	struct socket *so_q0, *so_q;       /* [s] incomplete / complete */
	struct socket *so_qnext;           /* [s] link in head's queue */
	int so_q0len, so_qlen;             /* [s] */
	int so_qlimit;                     /* [s] backlog */

	/* urgent data (PR_URGENT), see above */
	size_t so_oobmark;                 /* [s] so_rcv bytes before the
					      mark (SF_OOBMARK) */
	int so_oobstate;                   /* [s] SOOB_* */
	uint8_t so_oobbyte;                /* [s] the urgent byte (HAVE) */
};
/* so_oobstate */
#define SOOB_NONE 0                        /* no urgent data */
#define SOOB_WAIT 1                        /* announced, not arrived */
#define SOOB_HAVE 2                        /* arrived, not read */
#define SOOB_HAD  3                        /* read with MSG_OOB */
/* so_flags */
#define SF_NOFDREF 0x01                    /* the file is gone */
#define SF_INQ0    0x02                    /* on so_head's so_q0 */
#define SF_INQ     0x04                    /* on so_head's so_q */
#define SF_DETACHED 0x08                   /* pru_detach has run */
#define SF_OOBMARK 0x10                    /* so_oobmark holds a mark */
/* so_options: SO_* option bits the socket layer stores */
#define SOO_REUSEADDR 0x0001
#define SOO_REUSEPORT 0x0002
#define SOO_BROADCAST 0x0004
#define SOO_KEEPALIVE 0x0008
#define SOO_DONTROUTE 0x0010
#define SOO_OOBINLINE 0x0020
#define SOO_PASSCRED  0x0040
#define SOO_ACCEPTCONN 0x0080

#ifdef DIAGNOSTIC
void so_state_assert(struct socket *so, enum so_state from,
    enum so_state to);
#define SO_STATE_CHANGE(so, from, to) do {				\
	so_state_assert((so), (from), (to));				\
	(so)->so_state = (to);						\
} while (0)
#else
#define SO_STATE_CHANGE(so, from, to) ((so)->so_state = (to))
#endif

static inline bool
solocked(const struct socket *so)
{
	return mutex_owned(so->so_lock);
}

/*
 * For protocols: state changes (so_lock held).  They wake waiters and
 * pollers as needed.
 */
void soisconnecting(struct socket *so);
void soisconnected(struct socket *so);
void soisdisconnecting(struct socket *so);
void soisdisconnected(struct socket *so);
void socantsendmore(struct socket *so);
void socantrcvmore(struct socket *so);
/* Data arrived in so_rcv / room appeared in so_snd: wake and notify. */
void sorwakeup(struct socket *so);
void sowwakeup(struct socket *so);
/* Urgent data (see above): a new urgent pointer was announced; the
 * urgent byte c arrived, with mark bytes of so_rcv before it. */
void sooobannounce(struct socket *so);
void sooobarrived(struct socket *so, size_t mark, uint8_t c);
/* Record an asynchronous error (SO_ERROR) and wake everyone. */
void soseterror(struct socket *so, int error);
/*
 * A new socket for a connection to listening head (head's lock held);
 * queued on so_q if connected, else so_q0.  NULL if the queue is full or
 * memory is short.  The new socket belongs to head's queue.
 */
struct socket *sonewconn(struct socket *head, bool connected);

/*
 * Socket buffers (net_sockbuf.c), with so_lock held.
 * Records: each record is a chain (m_next) of optional MT_SONAME, then
 * optional MT_CONTROL mbufs, then data mbufs; records are linked by the
 * m_nextpkt of their first mbuf.  Stream data lives in records too (it is
 * appended to the last record if that has no control).  sb_cc counts
 * only data bytes.  The append functions consume m, control and the
 * address copy on every path; ENOBUFS when the chain does not fit the
 * storage limit (then everything was freed, control through dispose).
 */
int soreserve(struct socket *so, size_t sndcc, size_t rcvcc);
void sbinit(struct sockbuf *sb);
void sbdestroy(struct sockbuf *sb);
size_t sbspace(const struct sockbuf *sb);  /* room for data bytes */
int sbappendstream(struct sockbuf *sb, struct mbuf *m);
int sbappendrecord(struct sockbuf *sb, struct mbuf *m);
int sbappendaddr(struct sockbuf *sb, const struct rump_sockaddr *from,
    size_t fromlen, struct mbuf *m, struct mbuf *control);
int sbappendcontrol(struct sockbuf *sb, struct mbuf *m,
    struct mbuf *control);
/* Take every record out of sb; the caller owns the returned list
 * (records linked by m_nextpkt) and frees it with sbfreelist() after
 * dropping so_lock (control may hold files). */
struct mbuf *sbtakeall(struct sockbuf *sb);
void sbfreelist(struct socket *so, struct mbuf *list);
/* Remove the first record entirely (it was consumed). */
struct mbuf *sbunlinkrecord(struct sockbuf *sb);
/* Drop len data bytes from the front of the first record (data only). */
void sbdrop(struct sockbuf *sb, size_t len);
/* Count m's data and storage bytes into / out of sb. */
void sballoc(struct sockbuf *sb, const struct mbuf *m);
void sbfree(struct sockbuf *sb, const struct mbuf *m);
/* Wait for a change of sb (cv_wait on sb_cv with sb_timeo); 0,
 * EAGAIN on timeout (Linux's answer for SO_RCVTIMEO/SO_SNDTIMEO). */
int sbwait(struct socket *so, struct sockbuf *sb);

/*
 * The socket layer's entry points (net_socket.c), for the system calls
 * and for kernel users of sockets.  Unless said otherwise they take and
 * drop so_lock themselves.  A socket returned by socreate() is owned by
 * the caller until soclose().
 */
int socreate(int family, int type, int protocol, struct lwp *l,
    struct socket **sop);
int soclose(struct socket *so);
int sobind(struct socket *so, const struct rump_sockaddr *nam, size_t len,
    struct lwp *l);
int solisten(struct socket *so, int backlog, struct lwp *l);
/* Take a connection off head's queue (waiting unless nonblock). */
int soaccept(struct socket *head, bool nonblock, struct socket **sop);
int soconnect(struct socket *so, const struct rump_sockaddr *nam,
    size_t len, bool nonblock, struct lwp *l);
int soconnect2(struct socket *so1, struct socket *so2);
int soshutdown(struct socket *so, int how);
/* Send uio (and control, consumed) to nam or the peer; flags MSG_*. */
int sosend(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct uio *uio, struct mbuf *control, int flags,
    struct lwp *l);
/*
 * Receive into uio.  *flagsp: in MSG_* of the call, out the MSG_TRUNC /
 * MSG_CTRUNC / MSG_EOR results.  If fromp is not NULL the sender's
 * address (records with one) is returned in it (*fromlenp bytes, 0 if
 * none).  If controlp is not NULL the record's control chain is handed
 * to the caller (who owns it); else it is disposed.  *lenp: bytes of the
 * datagram (for MSG_TRUNC) or bytes moved.
 */
int soreceive(struct socket *so, struct rump_sockaddr_storage *from,
    size_t *fromlenp, struct uio *uio, struct mbuf **controlp,
    int *flagsp, size_t *lenp);
int sosetopt(struct socket *so, struct sockopt *sopt);
int sogetopt(struct socket *so, struct sockopt *sopt);
int sogetaddr(struct socket *so, bool peer,
    struct rump_sockaddr_storage *nam, size_t *lenp);

/* Sockets and files: the socket of descriptor fd, with fd's file held
 * (fd_putfile() when done).  EBADF, ENOTSOCK. */
int fd_getsock(int fd, struct socket **sop, struct file **fpp);
/* A new file for so, installed in the caller's table (flags: O_NONBLOCK,
 * O_CLOEXEC); on error so is not closed. */
int so_fdalloc(struct socket *so, int flags, int *fdp);
/* The socket of a file, or NULL if it is not a socket. */
struct socket *file_socket(struct file *fp);

/* Sockets in existence (leak checks). */
extern unsigned so_count;                  /* [a] */

#endif /* _SYS_NET_SOCKETVAR_H_ */
