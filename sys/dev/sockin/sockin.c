/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin.c: an AF_INET domain whose sockets are host sockets.
 *
 * Instead of the kernel's own IPv4 stack (librumpnet_netinet), a kernel
 * with librumpnet_sockin hands its AF_INET sockets to the host: every
 * socket is a host socket (sockin_user.c), so the rump kernel's programs
 * use the host's addresses, routes and ports without any interface of
 * their own.  There are datagram sockets (UDP, this file) and stream
 * sockets (TCP, sockin_stream.c: connect, listen/accept, shutdown, stream
 * data with flow control both ways); other types give ESOCKTNOSUPPORT.
 * This file also has the domain and the operations both share: bind,
 * addresses, options (IP level; TCP level for streams; the SOL_SOCKET
 * options the socket layer keeps are mirrored on the host socket when
 * set, see sockin_sooptset).
 *
 * Both sockin and netinet register the AF_INET domain: in one kernel the
 * second to attach finds the family taken, says so naming both, and the
 * boot fails (rump_init returns EEXIST).
 *
 * Datagram path: pru_send copies the mbuf chain out and sends it from the
 * calling thread (the host socket is non-blocking: a full host buffer is
 * ENOBUFS, as a datagram the network lost).  A kernel thread per socket
 * waits in the host for datagrams (virtual CPU released), and appends
 * each with its sender's address to so_rcv.  Host errors reported on
 * receive (ECONNREFUSED of a connected socket) become so_error.
 *
 * Locking: see sockin_impl.h; every sockin socket's so_lock is
 * sockin_lock.  The receive thread takes it to append; pru_detach drops
 * it while it waits for that thread to end.
 */
#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "net/domain.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"

#include "sockin_impl.h"
#include "sockin_user.h"

#define SOCKIN_SENDSPACE (65536 + 1024)
#define SOCKIN_RECVSPACE (212992)
#define SOCKIN_MAXDGRAM  65535

kmutex_t sockin_lock;

static struct sockin_pcb *
sotosp(struct socket *so)
{
	return so->so_pcb;
}

static void
sockin_rcvthread(void *arg)
{
	struct sockin_pcb *sp = arg;
	struct socket *so = sp->sp_so;
	struct rump_sockaddr_storage from;
	struct mbuf *m;
	size_t full, len, fromlen;
	uint8_t *buf;
	bool stop;
	int error;

	buf = kmem_alloc(SOCKIN_MAXDGRAM, KM_SLEEP);
	for (;;) {
		mutex_enter(so->so_lock);
		stop = sp->sp_stop;
		mutex_exit(so->so_lock);
		if (stop)
			break;
		fromlen = sizeof(from);
		error = rumpuser_sockin_recv(sp->sp_user, buf, SOCKIN_MAXDGRAM,
		    &full, &from, &fromlen);
		if (error == EAGAIN) {
			rump_unschedule();
			rumpuser_sockin_wait(sp->sp_user);
			rump_schedule();
			continue;
		}
		if (error != 0) {
			mutex_enter(so->so_lock);
			soseterror(so, error);
			sorwakeup(so);
			mutex_exit(so->so_lock);
			continue;
		}
		len = MIN(full, (size_t)SOCKIN_MAXDGRAM);
		m = m_getlen(len, M_WAIT, MT_DATA, true);
		memcpy(mtod(m, void *), buf, len);
		m->m_len = m->m_pkthdr.len = len;
		if (fromlen > sizeof(from))
			fromlen = sizeof(from);
		mutex_enter(so->so_lock);
		if (sp->sp_stop)
			m_freem(m);
		else if (sbappendaddr(&so->so_rcv,
		    (struct rump_sockaddr *)(void *)&from, fromlen, m,
		    NULL) == 0)
			sorwakeup(so);
		mutex_exit(so->so_lock);
	}
	kmem_free(buf, SOCKIN_MAXDGRAM);
	kthread_exit(0);
}

static int
sockin_attach(struct socket *so, int proto)
{
	struct sockin_pcb *sp;
	struct sockin_user *u;
	struct lwp *l;
	int error;

	if (proto != 0 && proto != IPPROTO_UDP)
		return EPROTONOSUPPORT;
	error = soreserve(so, SOCKIN_SENDSPACE, SOCKIN_RECVSPACE);
	if (error != 0)
		return error;
	so->so_lock = &sockin_lock;
	rump_unschedule();
	error = rumpuser_sockin_open(SOCK_DGRAM, IPPROTO_UDP, &u);
	rump_schedule();
	if (error != 0)
		return error;
	sp = kmem_zalloc(sizeof(*sp), KM_SLEEP);
	sp->sp_user = u;
	sp->sp_so = so;
	so->so_pcb = sp;
	error = kthread_create(KTHREAD_JOINABLE, sockin_rcvthread, sp, &l,
	    "sockin");
	if (error != 0) {
		so->so_pcb = NULL;
		rumpuser_sockin_close(u);
		kmem_free(sp, sizeof(*sp));
		return error;
	}
	sp->sp_l = l;
	return 0;
}

static void
sockin_detach(struct socket *so)
{
	struct sockin_pcb *sp = sotosp(so);
	struct lwp *l;

	if (sp == NULL)
		return;
	sp->sp_stop = true;
	l = sp->sp_l;
	sp->sp_l = NULL;
	rumpuser_sockin_wake(sp->sp_user);
	/* The thread may be waiting for so_lock to append. */
	mutex_exit(so->so_lock);
	if (l != NULL)
		(void)kthread_join(l);
	rump_unschedule();
	rumpuser_sockin_close(sp->sp_user);
	rump_schedule();
	mutex_enter(so->so_lock);
	so->so_pcb = NULL;
	kmem_free(sp, sizeof(*sp));
}

static void
sockin_abort(struct socket *so)
{
	sockin_detach(so);
}

int
sockin_checkaddr(const struct rump_sockaddr *nam, size_t namlen)
{
	if (namlen < sizeof(struct rump_sockaddr_in))
		return EINVAL;
	if (nam->sa_family != AF_INET)
		return EAFNOSUPPORT;
	return 0;
}

int
sockin_bind(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	int error;

	if ((error = sockin_checkaddr(nam, namlen)) != 0)
		return error;
	return rumpuser_sockin_bind(sotosp(so)->sp_user, nam,
	    sizeof(struct rump_sockaddr_in));
}

static int
sockin_listen(struct socket *so, struct lwp *l)
{
	return EOPNOTSUPP;
}

static int
sockin_connect(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	int error;

	if ((error = sockin_checkaddr(nam, namlen)) != 0)
		return error;
	error = rumpuser_sockin_connect(sotosp(so)->sp_user, nam,
	    sizeof(struct rump_sockaddr_in));
	if (error == 0)
		soisconnected(so);
	return error;
}

static int
sockin_accept(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	return EOPNOTSUPP;
}

static int
sockin_disconnect(struct socket *so)
{
	int error;

	error = rumpuser_sockin_connect(sotosp(so)->sp_user, NULL, 0);
	if (error == 0)
		soisdisconnected(so);
	return error;
}

static int
sockin_shutdown(struct socket *so)
{
	return 0;
}

static int
sockin_send(struct socket *so, struct mbuf *m,
    const struct rump_sockaddr *nam, size_t namlen, struct mbuf *control,
    int flags, struct lwp *l)
{
	size_t len, sent;
	void *buf = NULL;
	int error;

	m_freem(control);
	len = m != NULL ? m_length(m) : 0;
	if (len > SOCKIN_MAXDGRAM - 28) {
		error = EMSGSIZE;
		goto out;
	}
	if (nam != NULL && (error = sockin_checkaddr(nam, namlen)) != 0)
		goto out;
	buf = kmem_alloc(len > 0 ? len : 1, KM_SLEEP);
	if (len > 0 && (error = m_copydata(m, 0, len, buf)) != 0)
		goto out;
	error = rumpuser_sockin_send(sotosp(so)->sp_user, buf, len, nam,
	    nam != NULL ? sizeof(struct rump_sockaddr_in) : 0, &sent);
	if (error == EAGAIN)
		error = ENOBUFS;
out:
	if (buf != NULL)
		kmem_free(buf, len > 0 ? len : 1);
	m_freem(m);
	return error;
}

int
sockin_ioctl(struct socket *so, unsigned long cmd, void *data)
{
	return ENOTTY;
}

/* Is option level/name one the host socket takes (and gives back)? */
static bool
sockin_hostopt(const struct socket *so, int level, int name)
{
	if (level == IPPROTO_IP)
		return name == IP_TTL || name == IP_TOS;
	if (level != IPPROTO_TCP || so->so_type != SOCK_STREAM)
		return false;
	switch (name) {
	case TCP_NODELAY:
	case TCP_MAXSEG:
	case TCP_CORK:
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
	case TCP_SYNCNT:
	case TCP_QUICKACK:
	case TCP_INFO:
		return true;
	default:
		return false;
	}
}

/*
 * Options of levels IP and (streams) TCP go to the host socket, whose
 * numbering and layouts are the rump kernel's; the rest are not ours.
 * Calls that return at once; so_lock held.
 */
int
sockin_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct sockin_pcb *sp = sotosp(so);

	if (!sockin_hostopt(so, sopt->sopt_level, sopt->sopt_name))
		return ENOPROTOOPT;
	if (op == SOPT_SET) {
		if (sopt->sopt_name == TCP_INFO &&
		    sopt->sopt_level == IPPROTO_TCP)
			return ENOPROTOOPT;
		return rumpuser_sockin_setopt(sp->sp_user, sopt->sopt_level,
		    sopt->sopt_name, sopt->sopt_val, sopt->sopt_size);
	}
	return rumpuser_sockin_getopt(sp->sp_user, sopt->sopt_level,
	    sopt->sopt_name, sopt->sopt_val, &sopt->sopt_size);
}

/*
 * pru_sooptset: the socket layer stored SOL_SOCKET option name; give the
 * host socket the same value, so the host's TCP keeps alive, reuses
 * addresses, sizes its buffers and lingers as asked.  What the host
 * refuses it refuses silently: the option stays set for the socket
 * layer, as on a kernel without that feature.  so_lock held.
 */
void
sockin_sooptset(struct socket *so, int name)
{
	struct sockin_pcb *sp = sotosp(so);
	int v, bit;

	if (sp == NULL)
		return;
	switch (name) {
	case SO_REUSEADDR:
		bit = SOO_REUSEADDR;
		break;
	case SO_REUSEPORT:
		bit = SOO_REUSEPORT;
		break;
	case SO_KEEPALIVE:
		bit = SOO_KEEPALIVE;
		break;
	case SO_BROADCAST:
		bit = SOO_BROADCAST;
		break;
	case SO_DONTROUTE:
		bit = SOO_DONTROUTE;
		break;
	case SO_SNDBUF:
	case SO_RCVBUF:
		/* The socket layer stored twice the value (as Linux);
		 * the host doubles what it is given. */
		v = (int)((name == SO_SNDBUF ? so->so_snd.sb_hiwat :
		    so->so_rcv.sb_hiwat) / 2);
		(void)rumpuser_sockin_setopt(sp->sp_user, SOL_SOCKET, name,
		    &v, sizeof(v));
		return;
	case SO_LINGER:
		(void)rumpuser_sockin_setopt(sp->sp_user, SOL_SOCKET, name,
		    &so->so_linger, sizeof(so->so_linger));
		return;
	default:
		return;
	}
	v = (so->so_options & bit) != 0;
	(void)rumpuser_sockin_setopt(sp->sp_user, SOL_SOCKET, name, &v,
	    sizeof(v));
}

static int
sockin_getname(struct socket *so, bool peer,
    struct rump_sockaddr_storage *nam, size_t *lenp)
{
	size_t len = sizeof(*nam);
	int error;

	error = rumpuser_sockin_getname(sotosp(so)->sp_user, peer, nam, &len);
	if (error == 0)
		*lenp = MIN(len, sizeof(*nam));
	return error;
}

int
sockin_sockaddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	return sockin_getname(so, false, nam, lenp);
}

int
sockin_peeraddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	return sockin_getname(so, true, nam, lenp);
}

static const struct pr_usrreqs sockin_usrreqs = {
	.pru_attach = sockin_attach,
	.pru_detach = sockin_detach,
	.pru_abort = sockin_abort,
	.pru_bind = sockin_bind,
	.pru_listen = sockin_listen,
	.pru_connect = sockin_connect,
	.pru_accept = sockin_accept,
	.pru_disconnect = sockin_disconnect,
	.pru_shutdown = sockin_shutdown,
	.pru_send = sockin_send,
	.pru_ioctl = sockin_ioctl,
	.pru_ctloutput = sockin_ctloutput,
	.pru_sockaddr = sockin_sockaddr,
	.pru_peeraddr = sockin_peeraddr,
	.pru_sooptset = sockin_sooptset,
};

static const struct protosw sockinsw[] = {
	{ SOCK_DGRAM, IPPROTO_UDP, PR_ATOMIC | PR_ADDR, &sockin_usrreqs },
	{ SOCK_STREAM, IPPROTO_TCP, PR_CONNREQUIRED | PR_WANTRCVD | PR_LISTEN,
	    &sockin_stream_usrreqs },
};

static struct domain sockindomain = {
	.dom_family = AF_INET,
	.dom_name = "sockin",
	.dom_protosw = sockinsw,
	.dom_nprotosw = nitems(sockinsw),
	.dom_sockaddrmin = sizeof(struct rump_sockaddr_in),
	.dom_sockaddrmax = sizeof(struct rump_sockaddr_in),
};

RUMP_COMPONENT(RUMP_COMPONENT_NET_ROUTE)
{
	struct domain *d;
	int error;

	mutex_init(&sockin_lock, MUTEX_DEFAULT, "sockin");
	error = domain_attach(&sockindomain);
	if (error == EEXIST) {
		d = domain_find(AF_INET);
		printf("sockin: AF_INET is taken by the \"%s\" domain: sockin "
		    "(librumpnet_sockin) and netinet (librumpnet_netinet) "
		    "cannot be in one kernel\n", d != NULL ? d->dom_name : "?");
	}
	return error;
}
