/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uipc_usrreq.c: the AF_UNIX domain: stream, datagram and seqpacket
 * sockets inside one kernel, named by paths in the kernel's file tree or
 * by abstract names (a leading NUL byte), with socketpair, SO_PEERCRED
 * and SCM_RIGHTS descriptor passing.
 *
 * Each socket has a struct unpcb.  A connected stream or seqpacket socket
 * points at its peer (unp_conn, both ways); sending appends to the
 * peer's receive buffer directly, and the sender's room is the peer's
 * free receive space (pru_sendspace), so flow control needs no send
 * buffer.  A datagram socket's unp_conn is its default destination; the
 * sockets that chose it are on its unp_refs list so they can be told when
 * it goes.
 *
 * Binding to a path makes a VSOCK node with VOP_MKNOD and keeps the vnode
 * referenced while the socket lives (unlinking the name does not unbind,
 * as on Linux); connect and sendto look the path up and find the socket
 * whose unp_vnode is that vnode.  Abstract names live only in the list
 * of pcbs.
 *
 * Descriptor passing: the socket layer internalizes SCM_RIGHTS into file
 * references (net_impl.h).  A file whose only references are in flight in
 * receive buffers that nobody can read any more (a socket sent over
 * itself and closed, or a ring of such sockets) would never close.
 * uipc_gc() finds them: after every close of an AF_UNIX socket while
 * rights are in flight it counts, for every AF_UNIX socket file, the
 * references held in AF_UNIX receive buffers; a socket whose file has no
 * other references is a candidate; candidates referenced from buffers of
 * non-candidates (or of candidates found live) are live; the rest are
 * garbage, and their receive buffers are flushed, which releases the
 * files and breaks the cycle.  Sockets still on a listen queue (no file
 * yet) are treated as live, so a cycle through a never-accepted
 * connection is not collected until its listener closes.
 *
 * Locking: every AF_UNIX socket's so_lock is uipc_lock, which also
 * protects [u] (unpcbs, the pcb list, the zombie list, the GC state).
 * uipc_lock is dropped around path lookups and creation in the VFS and
 * around releasing files and vnodes (Lock order: nothing is taken while
 * holding uipc_lock except the pollinfo locks).
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "net/domain.h"
#include "net/mbuf.h"
#include "net/net_impl.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "vfs/file.h"
#include "vfs/vfs_impl.h"
#include "vfs/vnode.h"

#define UNP_SENDSPACE   212992
#define UNP_RECVSPACE   212992
#define SUN_PATHOFF     offsetof(struct rump_sockaddr_un, sun_path)

struct unpcb {
	struct socket *unp_socket;         /* [I] */
	struct unpcb *unp_conn;            /* [u] peer / default destination */
	struct unpcb *unp_refs;            /* [u] dgram: who chose us */
	struct unpcb *unp_nextref;         /* [u] link in unp_conn's refs */
	struct vnode *unp_vnode;           /* [u] bound path, referenced */
	struct rump_sockaddr_un unp_addr;  /* [u] bound name */
	size_t unp_addrlen;                /* [u] 0: not bound */
	bool unp_binding;                  /* [u] bind in progress */
	bool unp_haspeercred;              /* [u] */
	struct rump_ucred unp_peercred;    /* [u] SO_PEERCRED */
	struct rump_ucred unp_listencred;  /* [u] ours, taken at listen() */
	struct unpcb *unp_next;            /* [u] all pcbs / zombies */
	/* GC scratch [u] */
	unsigned unp_gcinflight, unp_gcinternal;
	bool unp_gccand, unp_gclive;
};

static kmutex_t uipc_lock;
static kcondvar_t uipc_dgram_cv;           /* [u] room at a dgram receiver */
static struct unpcb *unp_all;              /* [u] */
static struct unpcb *unp_zombies;          /* [u] closed, vnode to release */
static bool unp_gcrunning, unp_gcagain;    /* [u] */
static unsigned unp_autobind;              /* [u] next autobind name */

static inline struct unpcb *
sotounpcb(struct socket *so)
{
	return so->so_pcb;
}

static void
unp_mycred(struct rump_ucred *uc)
{
	kauth_cred_t cred = kauth_cred_get();

	uc->pid = curproc->p_pid;
	uc->uid = cred->cr_euid;
	uc->gid = cred->cr_egid;
}

/* --- names --- */

/*
 * Check and normalize a sockaddr_un: *pathp is a NUL-terminated path
 * (in sun, which is modified) or NULL for an abstract name; the name's
 * significant length in *lenp (the whole address length).
 */
static int
unp_checkaddr(struct rump_sockaddr_un *sun, size_t len, bool *abstractp,
    size_t *lenp)
{
	size_t n;

	if (len < SUN_PATHOFF || sun->sun_family != AF_UNIX)
		return EINVAL;
	if (len == SUN_PATHOFF) {
		*abstractp = false;
		*lenp = len;
		return 0;                  /* autobind (bind only) */
	}
	if (sun->sun_path[0] == '\0') {
		*abstractp = true;
		*lenp = len;
		return 0;
	}
	*abstractp = false;
	n = strnlen(sun->sun_path, len - SUN_PATHOFF);
	if (n == sizeof(sun->sun_path))
		return EINVAL;             /* no room for the NUL */
	sun->sun_path[n] = '\0';
	*lenp = SUN_PATHOFF + n + 1;
	return 0;
}

/* The pcb bound to abstract name sun[len], or NULL. */
static struct unpcb *
unp_findabstract(const struct rump_sockaddr_un *sun, size_t len)
{
	struct unpcb *unp;

	KASSERT(mutex_owned(&uipc_lock));
	for (unp = unp_all; unp != NULL; unp = unp->unp_next)
		if (unp->unp_vnode == NULL && unp->unp_addrlen == len &&
		    memcmp(&unp->unp_addr, sun, len) == 0)
			return unp;
	return NULL;
}

static struct unpcb *
unp_findvnode(struct vnode *vp)
{
	struct unpcb *unp;

	KASSERT(mutex_owned(&uipc_lock));
	for (unp = unp_all; unp != NULL; unp = unp->unp_next)
		if (unp->unp_vnode == vp)
			return unp;
	return NULL;
}

/* Create the VSOCK node for path (a kernel string); the vnode referenced
 * in *vpp.  Called without uipc_lock. */
static int
unp_mknod(const char *path, struct vnode **vpp)
{
	struct nameidata nd;
	struct vattr va;
	int error;

	namei_init(&nd, AT_FDCWD, path, CREATE, NI_PARENT | NI_LOCKPARENT |
	    NI_SYSSPACE);
	error = namei(&nd);
	if (error != 0)
		goto out;
	if (nd.ni_lasttype != NI_LAST_NORM || nd.ni_vp != NULL) {
		error = EADDRINUSE;
		goto out;
	}
	error = vn_writechk(nd.ni_dvp);
	if (error == 0)
		error = VOP_ACCESS(nd.ni_dvp, VWRITE | VEXEC,
		    nd.ni_cnd.cn_cred);
	if (error != 0)
		goto out;
	vattr_null(&va);
	va.va_type = VSOCK;
	va.va_mode = 0777 & ~atomic_load_relaxed(&curproc->p_umask);
	error = VOP_MKNOD(nd.ni_dvp, vpp, &nd.ni_cnd, &va);
	if (error == 0)
		cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
		    nd.ni_cnd.cn_namelen);
out:
	namei_done(&nd);
	return error;
}

/* Look path up for connect/sendto: the VSOCK vnode, referenced, after a
 * write permission check.  Called without uipc_lock. */
static int
unp_lookup(const char *path, struct vnode **vpp)
{
	struct vnode *vp;
	int error;

	error = namei_simple(AT_FDCWD, path, NI_FOLLOW | NI_SYSSPACE, &vp);
	if (error != 0)
		return error;
	if (vp->v_type != VSOCK) {
		vrele(vp);
		return ECONNREFUSED;
	}
	error = vn_lock(vp, LK_SHARED);
	if (error == 0) {
		error = VOP_ACCESS(vp, VWRITE, kauth_cred_get());
		vn_unlock(vp);
	}
	if (error != 0) {
		vrele(vp);
		return error;
	}
	*vpp = vp;
	return 0;
}

/*
 * The pcb named by nam (uipc_lock held; it is dropped and taken again
 * for a path lookup, so the caller rechecks its own state).  0 and
 * *unpp, or ENOENT, ECONNREFUSED (nothing bound there), EINVAL.
 */
static int
unp_resolve(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct unpcb **unpp)
{
	struct rump_sockaddr_un sun;
	struct vnode *vp;
	struct unpcb *unp;
	bool abstract;
	size_t len;
	int error;

	KASSERT(solocked(so));
	if (namlen > sizeof(sun))
		namlen = sizeof(sun);
	memset(&sun, 0, sizeof(sun));
	memcpy(&sun, nam, namlen);
	error = unp_checkaddr(&sun, namlen, &abstract, &len);
	if (error != 0)
		return error;
	if (len == SUN_PATHOFF)
		return EINVAL;
	if (abstract) {
		unp = unp_findabstract(&sun, len);
		if (unp == NULL)
			return ECONNREFUSED;
		*unpp = unp;
		return 0;
	}
	mutex_exit(&uipc_lock);
	error = unp_lookup(sun.sun_path, &vp);
	mutex_enter(&uipc_lock);
	if (error != 0)
		return error;
	unp = unp_findvnode(vp);
	/* The binding keeps its own reference: ours is not the last one
	 * while unp exists; if unp is gone it may be, so drop it unlocked. */
	mutex_exit(&uipc_lock);
	vrele(vp);
	mutex_enter(&uipc_lock);
	if (unp == NULL || unp_findvnode(vp) != unp)
		return ECONNREFUSED;
	*unpp = unp;
	return 0;
}

/* --- protocol operations --- */

static int
unp_attach(struct socket *so, int proto)
{
	struct unpcb *unp;
	bool locked;

	unp = kmem_zalloc(sizeof(*unp), KM_SLEEP);
	unp->unp_socket = so;
	so->so_lock = &uipc_lock;
	so->so_pcb = unp;
	(void)soreserve(so, UNP_SENDSPACE, UNP_RECVSPACE);
	/* sonewconn() attaches with the listener's lock, uipc_lock, held. */
	locked = mutex_owned(&uipc_lock);
	if (!locked)
		mutex_enter(&uipc_lock);
	unp->unp_next = unp_all;
	unp_all = unp;
	if (!locked)
		mutex_exit(&uipc_lock);
	return 0;
}

/* Break so's connection (both stream peers, or a dgram destination). */
static void
unp_disconnect(struct unpcb *unp)
{
	struct unpcb *peer = unp->unp_conn, **up;
	struct socket *so = unp->unp_socket;

	if (peer == NULL)
		return;
	unp->unp_conn = NULL;
	if (so->so_type == SOCK_DGRAM) {
		for (up = &peer->unp_refs; *up != unp; up = &(*up)->unp_nextref)
			KASSERT(*up != NULL);
		*up = unp->unp_nextref;
		unp->unp_nextref = NULL;
		return;
	}
	peer->unp_conn = NULL;
	soisdisconnected(peer->unp_socket);
	soisdisconnected(so);
}

static void
unp_detach(struct socket *so)
{
	struct unpcb *unp = sotounpcb(so), **up, *r;

	KASSERT(mutex_owned(&uipc_lock));
	unp_disconnect(unp);
	/* Datagram sockets that sent to us by default lose their peer. */
	while ((r = unp->unp_refs) != NULL) {
		unp->unp_refs = r->unp_nextref;
		r->unp_nextref = NULL;
		r->unp_conn = NULL;
		if (r->unp_socket->so_state == SS_CONNECTED) {
			SO_STATE_CHANGE(r->unp_socket, SS_CONNECTED,
			    SS_DISCONNECTED);
			sowwakeup(r->unp_socket);
		}
	}
	for (up = &unp_all; *up != unp; up = &(*up)->unp_next)
		KASSERT(*up != NULL);
	*up = unp->unp_next;
	so->so_pcb = NULL;
	cv_broadcast(&uipc_dgram_cv);
	if (unp->unp_vnode != NULL) {
		/* The vnode is released by uipc_gc() after the close, without
		 * the lock. */
		unp->unp_next = unp_zombies;
		unp_zombies = unp;
		unp->unp_socket = NULL;
		return;
	}
	kmem_free(unp, sizeof(*unp));
}

static void
unp_abort(struct socket *so)
{
	unp_disconnect(sotounpcb(so));
}

static int
unp_bind(struct socket *so, const struct rump_sockaddr *nam, size_t namlen,
    struct lwp *l)
{
	struct unpcb *unp = sotounpcb(so);
	struct rump_sockaddr_un sun;
	struct vnode *vp = NULL;
	bool abstract;
	size_t len;
	int error;

	if (namlen > sizeof(sun))
		namlen = sizeof(sun);
	memset(&sun, 0, sizeof(sun));
	memcpy(&sun, nam, namlen);
	error = unp_checkaddr(&sun, namlen, &abstract, &len);
	if (error != 0)
		return error;
	if (unp->unp_addrlen != 0 || unp->unp_binding)
		return EINVAL;
	if (len == SUN_PATHOFF) {
		/* Autobind: an abstract name of five hex digits. */
		do {
			memset(&sun, 0, sizeof(sun));
			sun.sun_family = AF_UNIX;
			snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			    "%05x", unp_autobind++ & 0xfffff);
			len = SUN_PATHOFF + 6;
		} while (unp_findabstract(&sun, len) != NULL);
		abstract = true;
	}
	if (abstract) {
		if (unp_findabstract(&sun, len) != NULL)
			return EADDRINUSE;
		unp->unp_addr = sun;
		unp->unp_addrlen = len;
		return 0;
	}
	unp->unp_binding = true;
	mutex_exit(&uipc_lock);
	error = unp_mknod(sun.sun_path, &vp);
	mutex_enter(&uipc_lock);
	unp->unp_binding = false;
	if (error != 0)
		return error;
	unp->unp_vnode = vp;
	unp->unp_addr = sun;
	unp->unp_addrlen = len;
	return 0;
}

static int
unp_listen(struct socket *so, struct lwp *l)
{
	struct unpcb *unp = sotounpcb(so);

	if (unp->unp_addrlen == 0)
		return EINVAL;          /* Linux: listen needs a bound name */
	unp_mycred(&unp->unp_listencred);
	return 0;
}

/* Connect stream/seqpacket pcbs unp and peer both ways. */
static void
unp_connect2(struct unpcb *unp, struct unpcb *peer)
{
	unp->unp_conn = peer;
	peer->unp_conn = unp;
}

static int
unp_connect(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	struct unpcb *unp = sotounpcb(so), *target, *nunp;
	struct socket *nso;
	int error;

	if (so->so_type == SOCK_DGRAM && namlen >= sizeof(rump_sa_family_t) &&
	    nam->sa_family == AF_UNSPEC) {
		unp_disconnect(unp);
		if (so->so_state == SS_CONNECTED)
			SO_STATE_CHANGE(so, SS_CONNECTED, SS_UNCONNECTED);
		else if (so->so_state == SS_DISCONNECTED)
			SO_STATE_CHANGE(so, SS_DISCONNECTED, SS_UNCONNECTED);
		return 0;
	}
	error = unp_resolve(so, nam, namlen, &target);
	if (error != 0)
		return error;
	if (so->so_pcb != unp)
		return EBADF;
	if (target->unp_socket->so_type != so->so_type)
		return EPROTOTYPE;
	if (so->so_type == SOCK_DGRAM) {
		unp_disconnect(unp);
		unp->unp_conn = target;
		unp->unp_nextref = target->unp_refs;
		target->unp_refs = unp;
		if (so->so_state == SS_DISCONNECTED)
			SO_STATE_CHANGE(so, SS_DISCONNECTED, SS_UNCONNECTED);
		if (so->so_state == SS_UNCONNECTED)
			soisconnected(so);
		return 0;
	}
	/* The state may have moved while the lock was dropped. */
	if (so->so_state != SS_UNCONNECTED)
		return so->so_state == SS_LISTENING ? EINVAL : EISCONN;
	if (target->unp_socket->so_state != SS_LISTENING)
		return ECONNREFUSED;
	nso = sonewconn(target->unp_socket, true);
	if (nso == NULL)
		return EAGAIN;             /* backlog full */
	nunp = sotounpcb(nso);
	nunp->unp_addr = target->unp_addr;
	nunp->unp_addrlen = target->unp_addrlen;
	unp_mycred(&nunp->unp_peercred);
	nunp->unp_haspeercred = true;
	unp->unp_peercred = target->unp_listencred;
	unp->unp_haspeercred = true;
	unp_connect2(unp, nunp);
	soisconnected(so);
	return 0;
}

static int
unp_connect2_pru(struct socket *so1, struct socket *so2)
{
	struct unpcb *a = sotounpcb(so1), *b = sotounpcb(so2);

	if (so1->so_type == SOCK_DGRAM) {
		a->unp_conn = b;
		a->unp_nextref = b->unp_refs;
		b->unp_refs = a;
		b->unp_conn = a;
		b->unp_nextref = a->unp_refs;
		a->unp_refs = b;
	} else {
		unp_connect2(a, b);
	}
	unp_mycred(&a->unp_peercred);
	b->unp_peercred = a->unp_peercred;
	a->unp_haspeercred = b->unp_haspeercred = true;
	soisconnected(so1);
	soisconnected(so2);
	return 0;
}

static int
unp_accept(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct unpcb *peer = sotounpcb(so)->unp_conn;

	if (peer != NULL && peer->unp_addrlen != 0) {
		memcpy(nam, &peer->unp_addr, peer->unp_addrlen);
		*lenp = peer->unp_addrlen;
	} else {
		nam->ss_family = AF_UNIX;
		*lenp = sizeof(rump_sa_family_t);
	}
	return 0;
}

static int
unp_sockaddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct unpcb *unp = sotounpcb(so);

	if (unp->unp_addrlen != 0) {
		memcpy(nam, &unp->unp_addr, unp->unp_addrlen);
		*lenp = unp->unp_addrlen;
	} else {
		nam->ss_family = AF_UNIX;
		*lenp = sizeof(rump_sa_family_t);
	}
	return 0;
}

static int
unp_peeraddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct unpcb *peer = sotounpcb(so)->unp_conn;

	if (peer == NULL)
		return ENOTCONN;
	return unp_sockaddr(peer->unp_socket, nam, lenp);
}

static int
unp_disconnect_pru(struct socket *so)
{
	unp_disconnect(sotounpcb(so));
	return 0;
}

static int
unp_shutdown(struct socket *so)
{
	struct unpcb *peer = sotounpcb(so)->unp_conn;

	if (peer != NULL && so->so_type != SOCK_DGRAM)
		socantrcvmore(peer->unp_socket);
	return 0;
}

static size_t
unp_sendspace(struct socket *so)
{
	struct unpcb *peer = sotounpcb(so)->unp_conn;

	if (peer == NULL)
		return SIZE_T_MAX;
	return sbspace(&peer->unp_socket->so_rcv);
}

/* Room for a datagram of len bytes at receiver rso?  An empty buffer
 * takes any datagram the sender's SO_SNDBUF allowed. */
static bool
unp_dgram_fits(struct socket *rso, size_t len)
{
	return rso->so_rcv.sb_mb == NULL || sbspace(&rso->so_rcv) >= len;
}

static int
unp_send_dgram(struct socket *so, struct mbuf *m,
    const struct rump_sockaddr *nam, size_t namlen, struct mbuf *control,
    int flags)
{
	struct unpcb *unp = sotounpcb(so), *target;
	struct socket *rso;
	size_t len = m != NULL ? m_length(m) : 0;
	int error;

	for (;;) {
		if (nam != NULL) {
			error = unp_resolve(so, nam, namlen, &target);
			if (error != 0)
				goto drop;
		} else {
			target = unp->unp_conn;
			if (target == NULL) {
				error = so->so_state == SS_DISCONNECTED ?
				    ECONNREFUSED : ENOTCONN;
				goto drop;
			}
		}
		rso = target->unp_socket;
		if (rso->so_type != SOCK_DGRAM) {
			error = EPROTOTYPE;
			goto drop;
		}
		/* A receiver connected elsewhere takes nothing from us. */
		if (target->unp_conn != NULL && target->unp_conn != unp) {
			error = EPERM;
			goto drop;
		}
		if (rso->so_rcv.sb_flags & SB_CANTMORE) {
			error = ECONNREFUSED;
			goto drop;
		}
		if (unp_dgram_fits(rso, len))
			break;
		if (flags & MSG_DONTWAIT) {
			error = EAGAIN;
			goto drop;
		}
		if (so->so_snd.sb_timeo > 0) {
			error = cv_timedwait_sig(&uipc_dgram_cv, &uipc_lock,
			    so->so_snd.sb_timeo);
			if (error != 0) {
				if (error == EWOULDBLOCK)
					error = EAGAIN;
				goto drop;
			}
		} else {
			error = cv_wait_sig(&uipc_dgram_cv, &uipc_lock);
			if (error != 0)
				goto drop;
		}
	}
	error = sbappendaddr(&rso->so_rcv, unp->unp_addrlen != 0 ?
	    (const struct rump_sockaddr *)&unp->unp_addr : NULL,
	    unp->unp_addrlen, m, control);
	if (error == 0)
		sorwakeup(rso);
	return error;
drop:
	m_freem(m);
	if (control != NULL) {
		mutex_exit(&uipc_lock);
		so_dispose_control(control);
		mutex_enter(&uipc_lock);
	}
	return error;
}

static int
unp_send(struct socket *so, struct mbuf *m, const struct rump_sockaddr *nam,
    size_t namlen, struct mbuf *control, int flags, struct lwp *l)
{
	struct unpcb *peer;
	struct socket *pso;
	int error;

	if (so->so_type == SOCK_DGRAM)
		return unp_send_dgram(so, m, nam, namlen, control, flags);
	peer = sotounpcb(so)->unp_conn;
	if (nam != NULL)
		error = so->so_state == SS_CONNECTED ? EISCONN : EOPNOTSUPP;
	else if (peer == NULL)
		error = so->so_state == SS_UNCONNECTED ? ENOTCONN : EPIPE;
	else if (peer->unp_socket->so_rcv.sb_flags & SB_CANTMORE)
		error = EPIPE;
	else
		error = 0;
	if (error != 0) {
		m_freem(m);
		if (control != NULL) {
			mutex_exit(&uipc_lock);
			so_dispose_control(control);
			mutex_enter(&uipc_lock);
		}
		return error;
	}
	pso = peer->unp_socket;
	if (control != NULL)
		error = sbappendcontrol(&pso->so_rcv, m, control);
	else if (so->so_type == SOCK_SEQPACKET)
		error = sbappendrecord(&pso->so_rcv, m);
	else if (m != NULL && m_length(m) == 0)
		m_freem(m);
	else
		error = sbappendstream(&pso->so_rcv, m);
	sorwakeup(pso);
	return error;
}

static int
unp_rcvd(struct socket *so, int flags)
{
	struct unpcb *unp = sotounpcb(so), *r;

	if (so->so_type == SOCK_DGRAM) {
		for (r = unp->unp_refs; r != NULL; r = r->unp_nextref)
			sowwakeup(r->unp_socket);
		cv_broadcast(&uipc_dgram_cv);
	} else if (unp->unp_conn != NULL) {
		sowwakeup(unp->unp_conn->unp_socket);
	}
	return 0;
}

static int
unp_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct unpcb *unp = sotounpcb(so);
	struct rump_ucred uc;

	if (sopt->sopt_level != SOL_SOCKET || sopt->sopt_name != SO_PEERCRED)
		return ENOPROTOOPT;
	if (op == SOPT_SET)
		return ENOPROTOOPT;
	if (unp->unp_haspeercred) {
		uc = unp->unp_peercred;
	} else {
		uc.pid = 0;
		uc.uid = (uid_t)-1;
		uc.gid = (gid_t)-1;
	}
	sopt->sopt_size = MIN(sopt->sopt_size, sizeof(uc));
	memcpy(sopt->sopt_val, &uc, sopt->sopt_size);
	return 0;
}

static const struct pr_usrreqs unp_usrreqs = {
	.pru_attach = unp_attach,
	.pru_detach = unp_detach,
	.pru_abort = unp_abort,
	.pru_bind = unp_bind,
	.pru_listen = unp_listen,
	.pru_connect = unp_connect,
	.pru_connect2 = unp_connect2_pru,
	.pru_accept = unp_accept,
	.pru_disconnect = unp_disconnect_pru,
	.pru_shutdown = unp_shutdown,
	.pru_send = unp_send,
	.pru_rcvd = unp_rcvd,
	.pru_ctloutput = unp_ctloutput,
	.pru_sockaddr = unp_sockaddr,
	.pru_peeraddr = unp_peeraddr,
	.pru_sendspace = unp_sendspace,
	.pru_dispose = so_dispose_control,
};

static const struct protosw unp_protosw[] = {
	{ SOCK_STREAM, PF_UNIX, PR_CONNREQUIRED | PR_WANTRCVD | PR_RIGHTS |
	    PR_LISTEN, &unp_usrreqs },
	{ SOCK_DGRAM, PF_UNIX, PR_ATOMIC | PR_ADDR | PR_WANTRCVD | PR_RIGHTS,
	    &unp_usrreqs },
	{ SOCK_SEQPACKET, PF_UNIX, PR_CONNREQUIRED | PR_WANTRCVD |
	    PR_RIGHTS | PR_LISTEN | PR_RECORDS, &unp_usrreqs },
};

static struct domain unixdomain = {
	.dom_family = AF_UNIX,
	.dom_name = "unix",
	.dom_protosw = unp_protosw,
	.dom_nprotosw = nitems(unp_protosw),
	.dom_sockaddrmin = sizeof(rump_sa_family_t),
	.dom_sockaddrmax = sizeof(struct rump_sockaddr_un),
};

/* --- garbage collection of in-flight sockets --- */

/* Call fn(unp, T) for every AF_UNIX socket T in flight in unp's buffer. */
static void
unp_scan(struct unpcb *unp, void (*fn)(struct unpcb *, struct unpcb *))
{
	struct mbuf *r, *m;
	struct file **fpp;
	struct socket *t;
	size_t i, n;

	for (r = unp->unp_socket->so_rcv.sb_mb; r != NULL; r = r->m_nextpkt) {
		for (m = r; m != NULL; m = m->m_next) {
			if (m->m_type != MT_CONTROL || !cm_isrights(m))
				continue;
			fpp = cm_rights(m, &n);
			for (i = 0; i < n; i++) {
				t = fpp[i] != NULL ? file_socket(fpp[i]) : NULL;
				if (t != NULL && t->so_family == AF_UNIX &&
				    t->so_pcb != NULL)
					fn(unp, sotounpcb(t));
			}
		}
	}
}

static void
gc_count(struct unpcb *from, struct unpcb *t)
{
	t->unp_gcinflight++;
}

static void
gc_internal(struct unpcb *from, struct unpcb *t)
{
	if (from->unp_gccand && t->unp_gccand)
		t->unp_gcinternal++;
}

static bool gc_changed;                    /* [u] */

static void
gc_mark(struct unpcb *from, struct unpcb *t)
{
	if (t->unp_gccand && !t->unp_gclive) {
		t->unp_gclive = true;
		gc_changed = true;
	}
}

/* Find the garbage (uipc_lock held); its receive buffers' records. */
static struct mbuf *
unp_gc_collect(void)
{
	struct unpcb *unp;
	struct file *fp;
	struct mbuf *list = NULL, *l, *t;

	for (unp = unp_all; unp != NULL; unp = unp->unp_next) {
		unp->unp_gcinflight = unp->unp_gcinternal = 0;
		unp->unp_gccand = unp->unp_gclive = false;
	}
	for (unp = unp_all; unp != NULL; unp = unp->unp_next)
		unp_scan(unp, gc_count);
	for (unp = unp_all; unp != NULL; unp = unp->unp_next) {
		fp = unp->unp_socket->so_file;
		unp->unp_gccand = fp != NULL && unp->unp_gcinflight > 0 &&
		    atomic_load_acquire(&fp->f_count) == unp->unp_gcinflight;
	}
	for (unp = unp_all; unp != NULL; unp = unp->unp_next)
		unp_scan(unp, gc_internal);
	for (unp = unp_all; unp != NULL; unp = unp->unp_next)
		if (unp->unp_gccand && unp->unp_gcinflight >
		    unp->unp_gcinternal)
			unp->unp_gclive = true;
	do {
		gc_changed = false;
		for (unp = unp_all; unp != NULL; unp = unp->unp_next)
			if (unp->unp_gccand && unp->unp_gclive)
				unp_scan(unp, gc_mark);
	} while (gc_changed);
	for (unp = unp_all; unp != NULL; unp = unp->unp_next) {
		if (!unp->unp_gccand || unp->unp_gclive)
			continue;
		l = sbtakeall(&unp->unp_socket->so_rcv);
		if (l == NULL)
			continue;
		for (t = l; t->m_nextpkt != NULL; t = t->m_nextpkt)
			continue;
		t->m_nextpkt = list;
		list = l;
	}
	return list;
}

/*
 * After an AF_UNIX socket closed: release the vnodes of closed bound
 * sockets and, while rights are in flight, collect unreachable sockets.
 * Runs without locks; a close it causes while running makes it loop
 * instead of recursing.
 */
void
uipc_gc(void)
{
	struct unpcb *z;
	struct mbuf *list;

	mutex_enter(&uipc_lock);
	if (unp_gcrunning) {
		unp_gcagain = true;
		mutex_exit(&uipc_lock);
		return;
	}
	unp_gcrunning = true;
	do {
		unp_gcagain = false;
		while ((z = unp_zombies) != NULL) {
			unp_zombies = z->unp_next;
			mutex_exit(&uipc_lock);
			vrele(z->unp_vnode);
			kmem_free(z, sizeof(*z));
			mutex_enter(&uipc_lock);
		}
		list = NULL;
		if (atomic_load_relaxed(&so_rights_inflight) > 0)
			list = unp_gc_collect();
		if (list != NULL) {
			mutex_exit(&uipc_lock);
			sbfreelist(NULL, list);
			mutex_enter(&uipc_lock);
			unp_gcagain = true;
		}
	} while (unp_gcagain);
	unp_gcrunning = false;
	mutex_exit(&uipc_lock);
}

int
uipc_init(void)
{
	mutex_init(&uipc_lock, MUTEX_DEFAULT, "uipc");
	cv_init(&uipc_dgram_cv, "unpdgram");
	return domain_attach(&unixdomain);
}
