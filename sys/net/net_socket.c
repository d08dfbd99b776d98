/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_socket.c: the socket layer: creating and closing sockets, the
 * connection state machine (socketvar.h), the listen queue, sending and
 * receiving through the socket buffers, socket options of level
 * SOL_SOCKET, and sockets as files (read, write, ioctl, poll, stat,
 * close on a socket descriptor).
 *
 * It sits between the system calls (net_syscalls.c), which copy
 * arguments in and out, and the protocols (protosw.h), which it calls
 * with the socket lock held.
 *
 * Locking: see socketvar.h.  so_lock is held across protocol calls and
 * socket buffer changes, dropped for copying data in (m_uiotombuf) and
 * for releasing files (control messages, sbfreelist).
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "net/domain.h"
#include "net/mbuf.h"
#include "net/net_impl.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "vfs/file.h"
#include "vfs/poll.h"
#include "vfs/vnode.h"

/* Linux's defaults (net.core.wmem_default/rmem_default); the limit on
 * SO_SNDBUF/SO_RCVBUF is that of a Linux tuned for bulk transfers
 * (rmem_max/wmem_max 4 MiB, doubled as Linux does): tools like iperf3 -w
 * check that what they asked for was granted.  These bound what a socket
 * may queue; nothing is reserved up front. */
#define SB_DEFAULT  212992
#define SB_MAX      (4 * 1024 * 1024)
#define SB_SNDMIN   4608
#define SB_RCVMIN   2304
/* Headroom left in front of sent data for the protocols' headers. */
#define SO_LEADING  (MAX_LINKHDR + 64)

unsigned so_count;
unsigned so_rights_inflight;

static const char *const so_statenames[] __attribute__((__unused__)) = {
	[SS_UNCONNECTED] = "unconnected", [SS_LISTENING] = "listening",
	[SS_CONNECTING] = "connecting", [SS_CONNECTED] = "connected",
	[SS_DISCONNECTING] = "disconnecting",
	[SS_DISCONNECTED] = "disconnected",
};

#ifdef DIAGNOSTIC
/* The legal transitions of socketvar.h's state diagram. */
void
so_state_assert(struct socket *so, enum so_state from, enum so_state to)
{
	bool ok;

	KASSERT(solocked(so));
	if (so->so_state != from)
		panic("socket %p: state %s, expected %s", so,
		    so_statenames[so->so_state], so_statenames[from]);
	switch (from) {
	case SS_UNCONNECTED:
		ok = to == SS_LISTENING || to == SS_CONNECTING ||
		    to == SS_CONNECTED;
		break;
	case SS_CONNECTING:
		ok = to == SS_CONNECTED || to == SS_DISCONNECTED;
		break;
	case SS_CONNECTED:
		ok = to == SS_DISCONNECTING || to == SS_DISCONNECTED ||
		    to == SS_UNCONNECTED;
		break;
	case SS_DISCONNECTING:
		ok = to == SS_DISCONNECTED;
		break;
	case SS_DISCONNECTED:
		ok = to == SS_UNCONNECTED;
		break;
	default:
		ok = false;
	}
	if (!ok)
		panic("socket %p: bad state change %s -> %s", so,
		    so_statenames[from], so_statenames[to]);
}
#endif

void
socket_init(void)
{
}

/* --- wakeups and state changes (protocols call these) --- */

void
sorwakeup(struct socket *so)
{
	KASSERT(solocked(so));
	cv_broadcast(&so->so_rcv.sb_cv);
	pollnotify(&so->so_poll, POLLIN | POLLRDNORM);
}

void
sowwakeup(struct socket *so)
{
	KASSERT(solocked(so));
	cv_broadcast(&so->so_snd.sb_cv);
	pollnotify(&so->so_poll, POLLOUT | POLLWRNORM);
}

static void
so_wakeall(struct socket *so)
{
	cv_broadcast(&so->so_cv);
	cv_broadcast(&so->so_rcv.sb_cv);
	cv_broadcast(&so->so_snd.sb_cv);
	pollnotify(&so->so_poll, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM |
	    POLLHUP | POLLERR | POLLRDHUP);
}

/*
 * Urgent data (socketvar.h).  A new announcement forgets the older mark
 * and byte, as a newer urgent pointer replaces the older in Linux.
 */
void
sooobannounce(struct socket *so)
{
	KASSERT(solocked(so));
	so->so_flags &= ~SF_OOBMARK;
	so->so_oobmark = 0;
	so->so_oobstate = SOOB_WAIT;
}

void
sooobarrived(struct socket *so, size_t mark, uint8_t c)
{
	KASSERT(solocked(so));
	so->so_flags |= SF_OOBMARK;
	so->so_oobmark = mark;
	so->so_oobstate = SOOB_HAVE;
	so->so_oobbyte = c;
	cv_broadcast(&so->so_rcv.sb_cv);
	pollnotify(&so->so_poll, POLLPRI);
}

/* True if the read pointer is at the urgent mark (SIOCATMARK). */
static bool
so_atmark(const struct socket *so)
{
	return (so->so_flags & SF_OOBMARK) && so->so_oobmark == 0;
}

/*
 * The part of n bytes a stream read may take when skip bytes before
 * them were already looked at without being consumed (MSG_PEEK): it
 * stops at the mark.  A read starting at the mark is not limited.
 */
static size_t
so_marklimit(const struct socket *so, size_t skip, size_t n)
{
	if ((so->so_flags & SF_OOBMARK) == 0 || so->so_oobmark == 0)
		return n;
	return MIN(n, so->so_oobmark - MIN(skip, so->so_oobmark));
}

/* A read consumed n bytes: move towards the mark, or pass it (which
 * forgets the mark and an urgent byte nobody read). */
static void
so_markconsumed(struct socket *so, size_t n)
{
	if ((so->so_flags & SF_OOBMARK) == 0 || n == 0)
		return;
	if (so->so_oobmark == 0) {
		so->so_flags &= ~SF_OOBMARK;
		so->so_oobstate = SOOB_NONE;
	} else {
		KASSERT(n <= so->so_oobmark);
		so->so_oobmark -= n;
	}
}

void
soseterror(struct socket *so, int error)
{
	KASSERT(solocked(so));
	so->so_error = error;
	so_wakeall(so);
}

void
soisconnecting(struct socket *so)
{
	SO_STATE_CHANGE(so, SS_UNCONNECTED, SS_CONNECTING);
}

/* Move a queued socket from head's so_q0 to so_q. */
static void
soqmove(struct socket *head, struct socket *so)
{
	struct socket **sp;

	for (sp = &head->so_q0; *sp != so; sp = &(*sp)->so_qnext)
		KASSERT(*sp != NULL);
	*sp = so->so_qnext;
	head->so_q0len--;
	so->so_flags &= ~SF_INQ0;
	so->so_qnext = NULL;
	for (sp = &head->so_q; *sp != NULL; sp = &(*sp)->so_qnext)
		continue;
	*sp = so;
	head->so_qlen++;
	so->so_flags |= SF_INQ;
	cv_broadcast(&head->so_cv);
	pollnotify(&head->so_poll, POLLIN | POLLRDNORM);
}

void
soisconnected(struct socket *so)
{
	enum so_state from = so->so_state;

	KASSERT(from == SS_UNCONNECTED || from == SS_CONNECTING);
	SO_STATE_CHANGE(so, from, SS_CONNECTED);
	if (so->so_head != NULL && (so->so_flags & SF_INQ0))
		soqmove(so->so_head, so);
	so_wakeall(so);
}

void
soisdisconnecting(struct socket *so)
{
	SO_STATE_CHANGE(so, SS_CONNECTED, SS_DISCONNECTING);
	so->so_rcv.sb_flags |= SB_CANTMORE;
	so->so_snd.sb_flags |= SB_CANTMORE;
	so_wakeall(so);
}

void
soisdisconnected(struct socket *so)
{
	enum so_state from = so->so_state;

	if (from == SS_CONNECTED || from == SS_CONNECTING ||
	    from == SS_DISCONNECTING)
		SO_STATE_CHANGE(so, from, SS_DISCONNECTED);
	so->so_rcv.sb_flags |= SB_CANTMORE;
	so->so_snd.sb_flags |= SB_CANTMORE;
	so_wakeall(so);
}

void
socantsendmore(struct socket *so)
{
	KASSERT(solocked(so));
	so->so_snd.sb_flags |= SB_CANTMORE;
	so_wakeall(so);
}

void
socantrcvmore(struct socket *so)
{
	KASSERT(solocked(so));
	so->so_rcv.sb_flags |= SB_CANTMORE;
	so_wakeall(so);
}

/* --- creation and destruction --- */

static struct socket *
so_alloc(const struct protosw *pr, int family, int protocol)
{
	struct socket *so;

	so = kmem_zalloc(sizeof(*so), KM_SLEEP);
	mutex_init(&so->so_lockstore, MUTEX_DEFAULT, "socket");
	so->so_lock = &so->so_lockstore;
	cv_init(&so->so_cv, "socon");
	sbinit(&so->so_rcv);
	sbinit(&so->so_snd);
	pollinfo_init(&so->so_poll);
	so->so_type = (short)pr->pr_type;
	so->so_family = (short)family;
	so->so_protocol = protocol != 0 ? protocol : pr->pr_protocol;
	so->so_proto = pr;
	so->so_cred = kauth_cred_get();
	kauth_cred_hold(so->so_cred);
	so->so_cpid = curproc->p_pid;
	so->so_state = SS_UNCONNECTED;
	atomic_inc(&so_count);
	return so;
}

/* Free a socket: detached, no file, on no queue; so_lock not held. */
static void
sofree(struct socket *so)
{
	KASSERT(so->so_flags & SF_DETACHED);
	KASSERT((so->so_flags & (SF_INQ | SF_INQ0)) == 0);
	KASSERT(so->so_q == NULL && so->so_q0 == NULL);
	pollinfo_destroy(&so->so_poll);
	sbdestroy(&so->so_snd);
	sbdestroy(&so->so_rcv);
	cv_destroy(&so->so_cv);
	mutex_destroy(&so->so_lockstore);
	kauth_cred_free(so->so_cred);
	kmem_free(so, sizeof(*so));
	atomic_dec(&so_count);
}

int
socreate(int family, int type, int protocol, struct lwp *l,
    struct socket **sop)
{
	const struct protosw *pr;
	struct socket *so;
	int error;

	if (family < 0 || family >= AF_MAX)
		return EAFNOSUPPORT;
	if (type <= 0 || type > SOCK_PACKET)
		return EINVAL;
	if (protocol < 0)
		return EINVAL;
	error = protosw_lookup(family, type, protocol, &pr);
	if (error != 0)
		return error;
	so = so_alloc(pr, family, protocol);
	so->so_snd.sb_timeo = so->so_rcv.sb_timeo = 0;
	error = pr->pr_usrreqs->pru_attach(so, so->so_protocol);
	if (error != 0) {
		so->so_flags |= SF_DETACHED | SF_NOFDREF;
		sofree(so);
		return error;
	}
	*sop = so;
	return 0;
}

/*
 * A new connection for listening head (head's lock held): a socket of
 * head's protocol sharing its lock, queued on head.
 */
struct socket *
sonewconn(struct socket *head, bool connected)
{
	struct socket *so, **sp;
	int error;

	KASSERT(solocked(head));
	KASSERT(head->so_state == SS_LISTENING);
	if (head->so_qlen + head->so_q0len > head->so_qlimit)
		return NULL;
	so = so_alloc(head->so_proto, head->so_family, head->so_protocol);
	/* Made by the protocol's input path (whatever thread runs it), on
	 * the listener's behalf: its owner and credentials. */
	so->so_cpid = head->so_cpid;
	kauth_cred_free(so->so_cred);
	so->so_cred = head->so_cred;
	kauth_cred_hold(so->so_cred);
	so->so_options = head->so_options & ~SOO_ACCEPTCONN;
	so->so_linger = head->so_linger;
	error = head->so_proto->pr_usrreqs->pru_attach(so, so->so_protocol);
	if (error != 0 || so->so_lock != head->so_lock) {
		/* The new socket must share the head's lock (socketvar.h). */
		KASSERT(error != 0);
		so->so_flags |= SF_DETACHED | SF_NOFDREF;
		sofree(so);
		return NULL;
	}
	so->so_rcv.sb_hiwat = head->so_rcv.sb_hiwat;
	so->so_rcv.sb_mbmax = head->so_rcv.sb_mbmax;
	so->so_snd.sb_hiwat = head->so_snd.sb_hiwat;
	so->so_snd.sb_mbmax = head->so_snd.sb_mbmax;
	so->so_rcv.sb_timeo = head->so_rcv.sb_timeo;
	so->so_snd.sb_timeo = head->so_snd.sb_timeo;
	so->so_head = head;
	so->so_flags |= SF_NOFDREF;
	if (connected) {
		SO_STATE_CHANGE(so, SS_UNCONNECTED, SS_CONNECTED);
		for (sp = &head->so_q; *sp != NULL; sp = &(*sp)->so_qnext)
			continue;
		*sp = so;
		head->so_qlen++;
		so->so_flags |= SF_INQ;
		cv_broadcast(&head->so_cv);
		pollnotify(&head->so_poll, POLLIN | POLLRDNORM);
	} else {
		so->so_qnext = head->so_q0;
		head->so_q0 = so;
		head->so_q0len++;
		so->so_flags |= SF_INQ0;
	}
	return so;
}

/* Take so off its head's queue (both locked: the same lock). */
static void
soqremove(struct socket *so)
{
	struct socket *head = so->so_head, **sp;

	sp = (so->so_flags & SF_INQ) ? &head->so_q : &head->so_q0;
	while (*sp != so) {
		KASSERT(*sp != NULL);
		sp = &(*sp)->so_qnext;
	}
	*sp = so->so_qnext;
	if (so->so_flags & SF_INQ)
		head->so_qlen--;
	else
		head->so_q0len--;
	so->so_flags &= ~(SF_INQ | SF_INQ0);
	so->so_qnext = NULL;
	so->so_head = NULL;
}

/*
 * Detach so from its protocol and take its buffers' contents out (so
 * locked).  Returns the records to free once the lock is dropped.
 */
static struct mbuf *
so_detach(struct socket *so)
{
	struct mbuf *list, *r;

	KASSERT(solocked(so));
	so->so_proto->pr_usrreqs->pru_detach(so);
	so->so_flags |= SF_DETACHED;
	so_wakeall(so);
	list = sbtakeall(&so->so_rcv);
	r = sbtakeall(&so->so_snd);
	if (r != NULL) {
		struct mbuf *t = r;

		while (t->m_nextpkt != NULL)
			t = t->m_nextpkt;
		t->m_nextpkt = list;
		list = r;
	}
	return list;
}

int
soclose(struct socket *so)
{
	struct socket *q, *aborted = NULL;
	struct mbuf *list, *ql;
	kmutex_t *lock = so->so_lock;
	bool isunix = so->so_family == AF_UNIX;

	mutex_enter(lock);
	/* Pending connections of a listener go with it. */
	while ((q = so->so_q0) != NULL || (q = so->so_q) != NULL) {
		soqremove(q);
		q->so_proto->pr_usrreqs->pru_abort(q);
		q->so_qnext = aborted;
		aborted = q;
	}
	so->so_flags |= SF_NOFDREF;
	so->so_file = NULL;
	list = so_detach(so);
	mutex_exit(lock);
	sbfreelist(so, list);
	while ((q = aborted) != NULL) {
		aborted = q->so_qnext;
		mutex_enter(lock);
		ql = so_detach(q);
		mutex_exit(lock);
		sbfreelist(q, ql);
		sofree(q);
	}
	sofree(so);
	if (isunix)
		uipc_gc();
	return 0;
}

/* --- operations of the system calls --- */

int
sobind(struct socket *so, const struct rump_sockaddr *nam, size_t len,
    struct lwp *l)
{
	int error;

	mutex_enter(so->so_lock);
	error = so->so_proto->pr_usrreqs->pru_bind(so, nam, len, l);
	mutex_exit(so->so_lock);
	return error;
}

int
solisten(struct socket *so, int backlog, struct lwp *l)
{
	int error = 0;

	if ((so->so_proto->pr_flags & PR_LISTEN) == 0)
		return EOPNOTSUPP;
	if (backlog < 0 || backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	mutex_enter(so->so_lock);
	if (so->so_state != SS_UNCONNECTED && so->so_state != SS_LISTENING) {
		error = EINVAL;
		goto out;
	}
	if (so->so_state == SS_UNCONNECTED) {
		error = so->so_proto->pr_usrreqs->pru_listen(so, l);
		if (error != 0)
			goto out;
		SO_STATE_CHANGE(so, SS_UNCONNECTED, SS_LISTENING);
		so->so_options |= SOO_ACCEPTCONN;
	}
	so->so_qlimit = backlog;
out:
	mutex_exit(so->so_lock);
	return error;
}

int
soaccept(struct socket *head, bool nonblock, struct socket **sop)
{
	struct socket *so;
	int error = 0;

	mutex_enter(head->so_lock);
	if (head->so_state != SS_LISTENING) {
		error = EINVAL;
		goto out;
	}
	while (head->so_q == NULL) {
		if (head->so_error != 0) {
			error = head->so_error;
			head->so_error = 0;
			goto out;
		}
		if (nonblock) {
			error = EAGAIN;
			goto out;
		}
		if (head->so_rcv.sb_timeo > 0) {
			error = cv_timedwait_sig(&head->so_cv, head->so_lock,
			    head->so_rcv.sb_timeo);
			if (error == EINTR)
				goto out;
			if (error == EWOULDBLOCK && head->so_q == NULL) {
				error = EAGAIN;
				goto out;
			}
			error = 0;
		} else {
			error = cv_wait_sig(&head->so_cv, head->so_lock);
			if (error != 0)
				goto out;
		}
	}
	so = head->so_q;
	soqremove(so);
	so->so_flags &= ~SF_NOFDREF;
	*sop = so;
out:
	mutex_exit(head->so_lock);
	return error;
}

int
soconnect(struct socket *so, const struct rump_sockaddr *nam, size_t len,
    bool nonblock, struct lwp *l)
{
	int error;

	mutex_enter(so->so_lock);
	if (so->so_state == SS_LISTENING) {
		error = EINVAL;
		goto out;
	}
	if (so->so_proto->pr_flags & PR_CONNREQUIRED) {
		if (so->so_state == SS_CONNECTED ||
		    so->so_state == SS_DISCONNECTING) {
			error = EISCONN;
			goto out;
		}
		if (so->so_state == SS_CONNECTING) {
			error = EALREADY;
			goto out;
		}
	}
	error = so->so_proto->pr_usrreqs->pru_connect(so, nam, len, l);
	if (error != 0)
		goto out;
	while (so->so_state == SS_CONNECTING) {
		if (nonblock) {
			error = EINPROGRESS;
			goto out;
		}
		error = cv_wait_sig(&so->so_cv, so->so_lock);
		if (error != 0)
			goto out;
	}
	if (so->so_error != 0) {
		error = so->so_error;
		so->so_error = 0;
	}
out:
	mutex_exit(so->so_lock);
	return error;
}

int
soconnect2(struct socket *so1, struct socket *so2)
{
	int error;

	if (so1->so_proto->pr_usrreqs->pru_connect2 == NULL)
		return EOPNOTSUPP;
	KASSERT(so1->so_lock == so2->so_lock);
	mutex_enter(so1->so_lock);
	error = so1->so_proto->pr_usrreqs->pru_connect2(so1, so2);
	mutex_exit(so1->so_lock);
	return error;
}

int
soshutdown(struct socket *so, int how)
{
	struct mbuf *list = NULL;
	int error = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return EINVAL;
	mutex_enter(so->so_lock);
	if ((so->so_proto->pr_flags & PR_CONNREQUIRED) &&
	    so->so_state != SS_CONNECTED &&
	    so->so_state != SS_DISCONNECTING &&
	    so->so_state != SS_DISCONNECTED) {
		error = ENOTCONN;
		goto out;
	}
	if (how != SHUT_WR) {
		socantrcvmore(so);
		/* What is queued stays readable (Linux keeps it too). */
	}
	if (how != SHUT_RD) {
		socantsendmore(so);
		error = so->so_proto->pr_usrreqs->pru_shutdown(so);
	}
out:
	mutex_exit(so->so_lock);
	sbfreelist(so, list);
	return error;
}

/* --- sending --- */

static size_t
so_sendspace(struct socket *so)
{
	if (so->so_proto->pr_usrreqs->pru_sendspace != NULL)
		return so->so_proto->pr_usrreqs->pru_sendspace(so);
	return sbspace(&so->so_snd);
}

int
sosend(struct socket *so, const struct rump_sockaddr *nam, size_t namlen,
    struct uio *uio, struct mbuf *control, int flags, struct lwp *l)
{
	const struct protosw *pr = so->so_proto;
	bool atomic = (pr->pr_flags & PR_ATOMIC) != 0;
	bool nonblock = (flags & MSG_DONTWAIT) != 0;
	size_t resid = uio->uio_resid, space, chunk;
	struct mbuf *m;
	int error = 0;

	if ((flags & MSG_OOB) && (pr->pr_flags & PR_URGENT) == 0) {
		so_dispose_control(control);
		return EOPNOTSUPP;
	}
	if (!atomic && resid == 0 && control == NULL)
		return 0;
	if (atomic && resid > so->so_snd.sb_hiwat) {
		so_dispose_control(control);
		return EMSGSIZE;
	}
	mutex_enter(so->so_lock);
	do {
		if (so->so_snd.sb_flags & SB_CANTMORE) {
			error = EPIPE;
			break;
		}
		if (so->so_error != 0) {
			error = so->so_error;
			so->so_error = 0;
			break;
		}
		if ((pr->pr_flags & PR_CONNREQUIRED) && nam == NULL &&
		    so->so_state != SS_CONNECTED) {
			/* Linux answers urgent data on an unconnected TCP
			 * socket with EPIPE. */
			error = (flags & MSG_OOB) ? EPIPE : ENOTCONN;
			break;
		}
		space = so_sendspace(so);
		if (atomic ? space < resid : space == 0) {
			if (nonblock) {
				error = EAGAIN;
				break;
			}
			error = sbwait(so, &so->so_snd);
			if (error != 0)
				break;
			continue;
		}
		chunk = atomic ? resid : MIN(resid, space);
		mutex_exit(so->so_lock);
		error = m_uiotombuf(uio, chunk, SO_LEADING, M_WAIT, &m);
		mutex_enter(so->so_lock);
		if (error != 0)
			break;
		resid -= chunk;
		if (resid == 0)
			m->m_flags |= M_EOR;
		/* The urgent mark goes after the call's last byte: only
		 * the last chunk carries MSG_OOB. */
		error = pr->pr_usrreqs->pru_send(so, m, nam, namlen, control,
		    (resid == 0 ? flags : flags & ~MSG_OOB) |
		    (nonblock ? MSG_DONTWAIT : 0), l);
		control = NULL;
		if (error != 0) {
			/* The chunk was not sent: callers count the bytes
			 * moved from uio_resid, so give them back. */
			uio->uio_resid += chunk;
			break;
		}
	} while (resid > 0);
	mutex_exit(so->so_lock);
	if (control != NULL)
		so_dispose_control(control);
	return error;
}

/* --- receiving --- */

/* Bytes of data in record r. */
static size_t
rec_datalen(const struct mbuf *r)
{
	size_t n = 0;

	for (; r != NULL; r = r->m_next)
		if (r->m_type == MT_DATA || r->m_type == MT_HEADER)
			n += r->m_len;
	return n;
}

static bool
rec_hascontrol(const struct mbuf *r)
{
	for (; r != NULL; r = r->m_next)
		if (r->m_type == MT_CONTROL)
			return true;
	return false;
}

/*
 * Split record r (unlinked, owned by the caller) into its parts: the
 * address is copied to from, control mbufs are appended to *ctlp, the
 * address mbuf is freed.  Returns the data chain (maybe NULL).
 */
static struct mbuf *
rec_split(struct mbuf *r, struct rump_sockaddr_storage *from,
    size_t *fromlenp, struct mbuf ***ctltailp)
{
	struct mbuf *data = NULL, **dtail = &data, *m;

	while ((m = r) != NULL) {
		r = m->m_next;
		m->m_next = NULL;
		if (m->m_type == MT_SONAME) {
			if (from != NULL) {
				*fromlenp = MIN(m->m_len, sizeof(*from));
				memcpy(from, m->m_data, *fromlenp);
			}
			m_free(m);
		} else if (m->m_type == MT_CONTROL) {
			**ctltailp = m;
			*ctltailp = &m->m_next;
		} else {
			*dtail = m;
			dtail = &m->m_next;
		}
	}
	return data;
}

/* Copy the address of record r (left queued) to from; its data. */
static struct mbuf *
rec_peek(struct mbuf *r, struct rump_sockaddr_storage *from,
    size_t *fromlenp)
{
	for (; r != NULL; r = r->m_next) {
		if (r->m_type == MT_SONAME && from != NULL) {
			*fromlenp = MIN(r->m_len, sizeof(*from));
			memcpy(from, r->m_data, *fromlenp);
		}
		if (r->m_type == MT_DATA || r->m_type == MT_HEADER)
			return r;
	}
	return NULL;
}

/* Put data chain m back as the first record of sb. */
static void
so_rcvpushback(struct sockbuf *sb, struct mbuf *m)
{
	m->m_nextpkt = sb->sb_mb;
	sb->sb_mb = m;
	if (sb->sb_lastrecord == NULL)
		sb->sb_lastrecord = m;
	sb->sb_tailrec = sb->sb_mbtail = NULL;     /* the tail hint is stale */
	sballoc(sb, m);
}

/*
 * recv(MSG_OOB): the urgent byte (PR_URGENT protocols), as Linux
 * answers: EINVAL with SO_OOBINLINE, with no urgent data or when it was
 * read already; EAGAIN (never waiting) while it is announced but has
 * not arrived, unless no more data can arrive (0 bytes then).  MSG_PEEK
 * leaves it readable.  MSG_TRUNC in *flagsp when the buffer is empty.
 */
static int
soreceive_oob(struct socket *so, struct uio *uio, int *flagsp,
    size_t *lenp)
{
	int flags = *flagsp, error = 0;
	uint8_t c;

	*flagsp = 0;
	*lenp = 0;
	if ((so->so_proto->pr_flags & PR_URGENT) == 0)
		return EOPNOTSUPP;
	mutex_enter(so->so_lock);
	if ((so->so_options & SOO_OOBINLINE) ||
	    so->so_oobstate == SOOB_NONE || so->so_oobstate == SOOB_HAD) {
		error = EINVAL;
	} else if (so->so_oobstate == SOOB_HAVE) {
		c = so->so_oobbyte;
		if (uio->uio_resid == 0) {
			*flagsp = MSG_OOB | MSG_TRUNC;
		} else {
			error = uiomove(&c, 1, uio);
			if (error == 0) {
				*flagsp = MSG_OOB;
				*lenp = 1;
			}
		}
		if (error == 0 && (flags & MSG_PEEK) == 0)
			so->so_oobstate = SOOB_HAD;
	} else if ((so->so_rcv.sb_flags & SB_CANTMORE) == 0) {
		error = EAGAIN;
	}
	mutex_exit(so->so_lock);
	return error;
}

/*
 * Receive: wait for something (unless non-blocking), then for record
 * protocols one record (truncated to the caller's buffer, MSG_TRUNC), for
 * streams as much data as fits from consecutive records, stopping before
 * a record with control once data was read and after one that had
 * control.  Data is copied out with so_lock held, as pipes do.
 */
int
soreceive(struct socket *so, struct rump_sockaddr_storage *from,
    size_t *fromlenp, struct uio *uio, struct mbuf **controlp,
    int *flagsp, size_t *lenp)
{
	const struct protosw *pr = so->so_proto;
	struct sockbuf *sb = &so->so_rcv;
	int flags = *flagsp, outflags = 0, error = 0;
	bool peek = (flags & MSG_PEEK) != 0;
	bool nonblock = (flags & MSG_DONTWAIT) != 0;
	bool records = (pr->pr_flags & (PR_ATOMIC | PR_RECORDS)) != 0;
	bool waitall = (flags & MSG_WAITALL) && !records && !peek;
	struct mbuf *ctl = NULL, **ctltail = &ctl, *r, *data;
	size_t moved = 0, dlen, n, junk;
	bool consumed = false, hasctl;

	if (fromlenp == NULL)
		fromlenp = &junk;
	*fromlenp = 0;
	if (flags & MSG_OOB)
		return soreceive_oob(so, uio, flagsp, lenp);
	mutex_enter(so->so_lock);
restart:
	while (sb->sb_mb == NULL) {
		if (so->so_error != 0) {
			if (moved == 0) {
				error = so->so_error;
				if (!peek)
					so->so_error = 0;
			}
			goto out;
		}
		if (sb->sb_flags & SB_CANTMORE)
			goto out;
		if (so->so_state == SS_LISTENING) {
			error = EINVAL;
			goto out;
		}
		if ((pr->pr_flags & PR_CONNREQUIRED) &&
		    so->so_state == SS_UNCONNECTED) {
			error = ENOTCONN;
			goto out;
		}
		if (nonblock) {
			if (moved == 0)
				error = EAGAIN;
			goto out;
		}
		error = sbwait(so, sb);
		if (error != 0) {
			if (moved > 0)
				error = 0;
			goto out;
		}
	}
	if (records) {
		if (peek) {
			data = rec_peek(sb->sb_mb, from, fromlenp);
			dlen = m_length(data);
			n = MIN(dlen, uio->uio_resid);
			error = m_touio(data, 0, n, uio);
		} else {
			r = sbunlinkrecord(sb);
			data = rec_split(r, from, fromlenp, &ctltail);
			dlen = m_length(data);
			n = MIN(dlen, uio->uio_resid);
			error = m_touio(data, 0, n, uio);
			m_freem(data);
			consumed = true;
		}
		moved = n;
		if (n < dlen)
			outflags |= MSG_TRUNC;
		else if (so->so_type == SOCK_SEQPACKET)
			outflags |= MSG_EOR;
		*lenp = dlen;
		goto out_len;
	}
	/* Stream: a read stops at the urgent mark (so_marklimit). */
	r = sb->sb_mb;
	while (r != NULL && uio->uio_resid > 0) {
		hasctl = rec_hascontrol(r);
		if (hasctl && moved > 0)
			break;
		if (moved > 0 && (peek ? so_marklimit(so, moved, 1) == 0 :
		    so_atmark(so)))
			break;
		if (peek) {
			data = rec_peek(r, NULL, NULL);
			n = so_marklimit(so, moved,
			    MIN(m_length(data), uio->uio_resid));
			error = m_touio(data, 0, n, uio);
			moved += n;
			r = r->m_nextpkt;
		} else if (hasctl) {
			r = sbunlinkrecord(sb);
			data = rec_split(r, from, fromlenp, &ctltail);
			n = MIN(m_length(data), uio->uio_resid);
			error = m_touio(data, 0, n, uio);
			moved += n;
			consumed = true;
			m_adj(data, (ssize_t)n);
			if (data != NULL && m_length(data) > 0)
				so_rcvpushback(sb, data);
			else
				m_freem(data);
		} else {
			n = so_marklimit(so, 0, MIN(sb->sb_cc > 0 ?
			    m_length(r) : 0, uio->uio_resid));
			error = m_touio(r, 0, n, uio);
			moved += n;
			sbdrop(sb, n);
			so_markconsumed(so, n);
			consumed = true;
			r = sb->sb_mb;
		}
		if (error != 0 || hasctl)
			break;
	}
	if (waitall && uio->uio_resid > 0 && error == 0 && ctl == NULL &&
	    !(sb->sb_flags & SB_CANTMORE) && so->so_error == 0 &&
	    !so_atmark(so)) {
		if (consumed && (pr->pr_flags & PR_WANTRCVD))
			pr->pr_usrreqs->pru_rcvd(so, flags);
		consumed = false;
		goto restart;
	}
out:
	*lenp = moved;
out_len:
	if (consumed && (pr->pr_flags & PR_WANTRCVD))
		pr->pr_usrreqs->pru_rcvd(so, flags);
	if (moved > 0 && error == EFAULT)
		error = 0;
	mutex_exit(so->so_lock);
	*flagsp = outflags;
	if (controlp != NULL)
		*controlp = ctl;
	else
		so_dispose_control(ctl);
	return error;
}

/* --- options --- */

static int
sopt_int(const struct sockopt *sopt, int *vp)
{
	if (sopt->sopt_size < sizeof(int))
		return EINVAL;
	memcpy(vp, sopt->sopt_val, sizeof(int));
	return 0;
}

static int
sopt_timeo(const struct sockopt *sopt, int64_t *nsp)
{
	struct rump_timeval tv;

	if (sopt->sopt_size < sizeof(tv))
		return EINVAL;
	memcpy(&tv, sopt->sopt_val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return EDOM;
	if (tv.tv_sec < 0) {
		*nsp = 0;
		return 0;
	}
	if (tv.tv_sec > INT64_MAX / 1000000000 - 1)
		tv.tv_sec = INT64_MAX / 1000000000 - 1;
	*nsp = tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
	return 0;
}

static const struct { int name; int bit; } so_boolopts[] = {
	{ SO_REUSEADDR, SOO_REUSEADDR }, { SO_REUSEPORT, SOO_REUSEPORT },
	{ SO_BROADCAST, SOO_BROADCAST }, { SO_KEEPALIVE, SOO_KEEPALIVE },
	{ SO_DONTROUTE, SOO_DONTROUTE }, { SO_OOBINLINE, SOO_OOBINLINE },
	{ SO_PASSCRED, SOO_PASSCRED },
};

int
sosetopt(struct socket *so, struct sockopt *sopt)
{
	const struct pr_usrreqs *pru = so->so_proto->pr_usrreqs;
	struct rump_linger lg;
	int64_t ns;
	size_t i;
	int v, error = 0;

	mutex_enter(so->so_lock);
	if (sopt->sopt_level != SOL_SOCKET) {
		error = pru->pru_ctloutput(SOPT_SET, so, sopt);
		goto out;
	}
	for (i = 0; i < nitems(so_boolopts); i++) {
		if (so_boolopts[i].name != sopt->sopt_name)
			continue;
		error = sopt_int(sopt, &v);
		if (error == 0) {
			if (v)
				so->so_options |= so_boolopts[i].bit;
			else
				so->so_options &= ~so_boolopts[i].bit;
		}
		goto stored;
	}
	switch (sopt->sopt_name) {
	case SO_SNDBUF:
	case SO_RCVBUF:
		error = sopt_int(sopt, &v);
		if (error != 0)
			break;
		/* Linux doubles the value for bookkeeping overhead. */
		v = (int)MIN((unsigned)MAX(v, 0), SB_MAX) * 2;
		if (sopt->sopt_name == SO_SNDBUF) {
			so->so_snd.sb_hiwat = MAX((unsigned)v, SB_SNDMIN);
			so->so_snd.sb_mbmax = so->so_snd.sb_hiwat * 2 +
			    16 * MSIZE;
			sowwakeup(so);
		} else {
			so->so_rcv.sb_hiwat = MAX((unsigned)v, SB_RCVMIN);
			so->so_rcv.sb_mbmax = so->so_rcv.sb_hiwat * 2 +
			    16 * MSIZE;
		}
		break;
	case SO_RCVLOWAT:
		error = sopt_int(sopt, &v);
		if (error == 0)
			so->so_rcv.sb_lowat = v < 1 ? 1 : (size_t)v;
		break;
	case SO_SNDLOWAT:
		error = ENOPROTOOPT;          /* Linux: not changeable */
		break;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		error = sopt_timeo(sopt, &ns);
		if (error != 0)
			break;
		if (sopt->sopt_name == SO_RCVTIMEO)
			so->so_rcv.sb_timeo = ns;
		else
			so->so_snd.sb_timeo = ns;
		break;
	case SO_LINGER:
		if (sopt->sopt_size < sizeof(lg)) {
			error = EINVAL;
			break;
		}
		memcpy(&lg, sopt->sopt_val, sizeof(lg));
		so->so_linger = lg;
		break;
	case SO_TYPE:
	case SO_ERROR:
	case SO_ACCEPTCONN:
	case SO_DOMAIN:
	case SO_PROTOCOL:
	case SO_PEERCRED:
		error = ENOPROTOOPT;
		break;
	default:
		error = pru->pru_ctloutput(SOPT_SET, so, sopt);
		goto out;
	}
stored:
	if (error == 0 && pru->pru_sooptset != NULL)
		pru->pru_sooptset(so, sopt->sopt_name);
out:
	mutex_exit(so->so_lock);
	return error;
}

static void
sopt_putint(struct sockopt *sopt, int v)
{
	sopt->sopt_size = MIN(sopt->sopt_size, sizeof(int));
	memcpy(sopt->sopt_val, &v, sopt->sopt_size);
}

static void
sopt_puttimeo(struct sockopt *sopt, int64_t ns)
{
	struct rump_timeval tv;

	tv.tv_sec = ns / 1000000000;
	tv.tv_usec = (ns % 1000000000) / 1000;
	sopt->sopt_size = MIN(sopt->sopt_size, sizeof(tv));
	memcpy(sopt->sopt_val, &tv, sopt->sopt_size);
}

int
sogetopt(struct socket *so, struct sockopt *sopt)
{
	const struct pr_usrreqs *pru = so->so_proto->pr_usrreqs;
	size_t i;
	int error = 0;

	mutex_enter(so->so_lock);
	if (sopt->sopt_level != SOL_SOCKET) {
		error = pru->pru_ctloutput(SOPT_GET, so, sopt);
		goto out;
	}
	for (i = 0; i < nitems(so_boolopts); i++) {
		if (so_boolopts[i].name == sopt->sopt_name) {
			sopt_putint(sopt,
			    (so->so_options & so_boolopts[i].bit) != 0);
			goto out;
		}
	}
	switch (sopt->sopt_name) {
	case SO_TYPE:
		sopt_putint(sopt, so->so_type);
		break;
	case SO_DOMAIN:
		sopt_putint(sopt, so->so_family);
		break;
	case SO_PROTOCOL:
		sopt_putint(sopt, so->so_protocol);
		break;
	case SO_ACCEPTCONN:
		sopt_putint(sopt, so->so_state == SS_LISTENING);
		break;
	case SO_ERROR:
		sopt_putint(sopt, so->so_error);
		so->so_error = 0;
		break;
	case SO_SNDBUF:
		sopt_putint(sopt, (int)so->so_snd.sb_hiwat);
		break;
	case SO_RCVBUF:
		sopt_putint(sopt, (int)so->so_rcv.sb_hiwat);
		break;
	case SO_RCVLOWAT:
		sopt_putint(sopt, (int)so->so_rcv.sb_lowat);
		break;
	case SO_SNDLOWAT:
		sopt_putint(sopt, 1);
		break;
	case SO_RCVTIMEO:
		sopt_puttimeo(sopt, so->so_rcv.sb_timeo);
		break;
	case SO_SNDTIMEO:
		sopt_puttimeo(sopt, so->so_snd.sb_timeo);
		break;
	case SO_LINGER:
		sopt->sopt_size = MIN(sopt->sopt_size, sizeof(so->so_linger));
		memcpy(sopt->sopt_val, &so->so_linger, sopt->sopt_size);
		break;
	default:
		error = pru->pru_ctloutput(SOPT_GET, so, sopt);
		break;
	}
out:
	mutex_exit(so->so_lock);
	return error;
}

int
sogetaddr(struct socket *so, bool peer, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	const struct pr_usrreqs *pru = so->so_proto->pr_usrreqs;
	int error;

	memset(nam, 0, sizeof(*nam));
	mutex_enter(so->so_lock);
	if (peer)
		error = pru->pru_peeraddr(so, nam, lenp);
	else
		error = pru->pru_sockaddr(so, nam, lenp);
	mutex_exit(so->so_lock);
	return error;
}

/* --- control messages --- */

void
so_dispose_control(struct mbuf *control)
{
	struct file **fpp;
	struct mbuf *m;
	size_t i, n;

	for (m = control; m != NULL; m = m->m_next) {
		if (m->m_type != MT_CONTROL || !cm_isrights(m))
			continue;
		fpp = cm_rights(m, &n);
		for (i = 0; i < n; i++) {
			if (fpp[i] != NULL) {
				atomic_dec(&so_rights_inflight);
				file_rele(fpp[i]);
				fpp[i] = NULL;
			}
		}
	}
	m_freem(control);
}

/* --- sockets as files --- */

struct socket *
file_socket(struct file *fp)
{
	return fp->f_ops == &socketops ? fp->f_data : NULL;
}

int
fd_getsock(int fd, struct socket **sop, struct file **fpp)
{
	struct file *fp;

	fp = fd_getfile(fd);
	if (fp == NULL)
		return EBADF;
	if (fp->f_ops != &socketops) {
		fd_putfile(fp);
		return ENOTSOCK;
	}
	*sop = fp->f_data;
	*fpp = fp;
	return 0;
}

int
so_fdalloc(struct socket *so, int flags, int *fdp)
{
	struct file *fp;
	int error;

	(void)file_alloc(&fp);
	fp->f_flag = FREAD | FWRITE | (flags & O_NONBLOCK);
	fp->f_type = DTYPE_SOCKET;
	fp->f_ops = &socketops;
	fp->f_data = so;
	mutex_enter(so->so_lock);
	so->so_file = fp;
	mutex_exit(so->so_lock);
	error = fd_alloc(fp, 0, (flags & O_CLOEXEC) != 0, fdp);
	if (error != 0) {
		/* The file was never visible: it goes without closing the
		 * socket, which stays the caller's. */
		mutex_enter(so->so_lock);
		so->so_file = NULL;
		mutex_exit(so->so_lock);
		fp->f_ops = NULL;
		file_rele(fp);
		return error;
	}
	file_rele(fp);
	return 0;
}

static int
soo_read(struct file *fp, off_t *offset, struct uio *uio,
    kauth_cred_t cred, int fflags)
{
	size_t len;
	int flags = (atomic_load_relaxed(&fp->f_flag) & O_NONBLOCK) ?
	    MSG_DONTWAIT : 0;

	return soreceive(fp->f_data, NULL, NULL, uio, NULL, &flags, &len);
}

static int
soo_write(struct file *fp, off_t *offset, struct uio *uio,
    kauth_cred_t cred, int fflags)
{
	int flags = (atomic_load_relaxed(&fp->f_flag) & O_NONBLOCK) ?
	    MSG_DONTWAIT : 0;

	return sosend(fp->f_data, NULL, 0, uio, NULL, flags, curlwp);
}

static int
soo_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct socket *so = fp->f_data;
	int n, error;

	switch (cmd) {
	case FIONREAD:
		mutex_enter(so->so_lock);
		if ((so->so_proto->pr_flags & (PR_ATOMIC | PR_RECORDS)) &&
		    so->so_rcv.sb_mb != NULL)
			n = (int)rec_datalen(so->so_rcv.sb_mb);
		else
			n = (int)so->so_rcv.sb_cc;
		mutex_exit(so->so_lock);
		return copyout(&n, data, sizeof(n));
	case SIOCATMARK:
		if ((so->so_proto->pr_flags & PR_URGENT) == 0)
			return ENOTTY;
		mutex_enter(so->so_lock);
		n = so_atmark(so);
		mutex_exit(so->so_lock);
		return copyout(&n, data, sizeof(n));
	default:
		if (so->so_proto->pr_usrreqs->pru_ioctl == NULL)
			return ENOTTY;
		mutex_enter(so->so_lock);
		error = so->so_proto->pr_usrreqs->pru_ioctl(so, cmd, data);
		mutex_exit(so->so_lock);
		return error;
	}
}

static int
soo_poll(struct file *fp, int events)
{
	struct socket *so = fp->f_data;
	const struct protosw *pr = so->so_proto;
	int revents = 0;
	size_t space;

	mutex_enter(so->so_lock);
	if (so->so_state == SS_LISTENING) {
		if (so->so_q != NULL)
			revents |= POLLIN | POLLRDNORM;
	} else {
		if (so->so_rcv.sb_mb != NULL &&
		    (so->so_rcv.sb_cc >= so->so_rcv.sb_lowat ||
		    (pr->pr_flags & (PR_ATOMIC | PR_RECORDS)) ||
		    rec_hascontrol(so->so_rcv.sb_mb)))
			revents |= POLLIN | POLLRDNORM;
		if (so->so_rcv.sb_flags & SB_CANTMORE)
			revents |= POLLIN | POLLRDNORM | POLLRDHUP;
		if ((pr->pr_flags & PR_CONNREQUIRED) == 0 ||
		    so->so_state == SS_CONNECTED) {
			space = so_sendspace(so);
			if (space > 0 && !(so->so_snd.sb_flags & SB_CANTMORE))
				revents |= POLLOUT | POLLWRNORM;
		}
		if ((so->so_rcv.sb_flags & SB_CANTMORE) &&
		    (so->so_snd.sb_flags & SB_CANTMORE))
			revents |= POLLHUP;
	}
	if (so->so_oobstate == SOOB_HAVE)
		revents |= POLLPRI;
	if (so->so_error != 0)
		revents |= POLLERR;
	if (pr->pr_usrreqs->pru_poll != NULL)
		revents |= pr->pr_usrreqs->pru_poll(so, events);
	if ((revents & (events | POLLHUP | POLLERR)) == 0)
		pollrecord(&so->so_poll);
	mutex_exit(so->so_lock);
	return revents;
}

static int
soo_stat(struct file *fp, struct rump_stat *sb)
{
	struct socket *so = fp->f_data;

	memset(sb, 0, sizeof(*sb));
	sb->st_mode = S_IFSOCK | S_IRWXU;
	sb->st_nlink = 1;
	sb->st_uid = so->so_cred->cr_euid;
	sb->st_gid = so->so_cred->cr_egid;
	sb->st_ino = (ino_t)(uintptr_t)so;
	sb->st_blksize = PAGE_SIZE;
	return 0;
}

static int
soo_close(struct file *fp)
{
	return soclose(fp->f_data);
}

static int
soo_seek(struct file *fp, off_t delta, int whence, off_t *newoff)
{
	return ESPIPE;
}

static int
soo_truncate(struct file *fp, off_t length)
{
	return EINVAL;
}

const struct fileops socketops = {
	.fo_name = "socket",
	.fo_read = soo_read,
	.fo_write = soo_write,
	.fo_ioctl = soo_ioctl,
	.fo_poll = soo_poll,
	.fo_stat = soo_stat,
	.fo_close = soo_close,
	.fo_seek = soo_seek,
	.fo_truncate = soo_truncate,
};
