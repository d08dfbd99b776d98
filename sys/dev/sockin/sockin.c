/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin.c: an AF_INET domain whose sockets are host sockets.
 *
 * Instead of the kernel's own IPv4 stack (librumpnet_netinet), a kernel
 * with librumpnet_sockin hands its AF_INET sockets to the host: every
 * socket is a host socket (sockin_user.c), so the rump kernel's programs
 * use the host's addresses, routes and ports without any interface of
 * their own.  Only datagram sockets (UDP) are there; other types give
 * ESOCKTNOSUPPORT, and listen/accept EOPNOTSUPP.
 *
 * Both sockin and netinet register the AF_INET domain: in one kernel the
 * second to attach finds the family taken, says so naming both, and the
 * boot fails (rump_init returns EEXIST).
 *
 * Data path: pru_send copies the mbuf chain out and sends it from the
 * calling thread (the host socket is non-blocking: a full host buffer is
 * ENOBUFS, as a datagram the network lost).  A kernel thread per socket
 * waits in the host for datagrams (virtual CPU released), and appends
 * each with its sender's address to so_rcv.  Host errors reported on
 * receive (ECONNREFUSED of a connected socket) become so_error.
 *
 * Locking: [s] so_lock of the socket; [I] set in attach.  The receive
 * thread takes so_lock to append; pru_detach drops so_lock while it
 * waits for that thread to end.
 */
#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "net/domain.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"

#include "sockin_user.h"

#define SOCKIN_SENDSPACE (65536 + 1024)
#define SOCKIN_RECVSPACE (212992)
#define SOCKIN_MAXDGRAM  65535

struct sockin_pcb {
	struct sockin_user *sp_user;       /* [I] */
	struct socket *sp_so;              /* [I] */
	struct lwp *sp_rcvl;               /* [s] receive thread */
	bool sp_stop;                      /* [s] */
};

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
	sp->sp_rcvl = l;
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
	l = sp->sp_rcvl;
	sp->sp_rcvl = NULL;
	rumpuser_sockin_stop(sp->sp_user);
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

static int
sockin_checkaddr(const struct rump_sockaddr *nam, size_t namlen)
{
	if (namlen < sizeof(struct rump_sockaddr_in))
		return EINVAL;
	if (nam->sa_family != AF_INET)
		return EAFNOSUPPORT;
	return 0;
}

static int
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

static int
sockin_ioctl(struct socket *so, unsigned long cmd, void *data)
{
	return ENOTTY;
}

/* IP-level options go to the host socket; the rest are not ours. */
static int
sockin_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct sockin_pcb *sp = sotosp(so);

	if (sopt->sopt_level != IPPROTO_IP)
		return ENOPROTOOPT;
	switch (sopt->sopt_name) {
	case IP_TTL:
	case IP_TOS:
		break;
	default:
		return ENOPROTOOPT;
	}
	if (op == SOPT_SET)
		return rumpuser_sockin_setopt(sp->sp_user, sopt->sopt_level,
		    sopt->sopt_name, sopt->sopt_val, sopt->sopt_size);
	return rumpuser_sockin_getopt(sp->sp_user, sopt->sopt_level,
	    sopt->sopt_name, sopt->sopt_val, &sopt->sopt_size);
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

static int
sockin_sockaddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	return sockin_getname(so, false, nam, lenp);
}

static int
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
};

static const struct protosw sockinsw[] = {
	{ SOCK_DGRAM, IPPROTO_UDP, PR_ATOMIC | PR_ADDR, &sockin_usrreqs },
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

	error = domain_attach(&sockindomain);
	if (error == EEXIST) {
		d = domain_find(AF_INET);
		printf("sockin: AF_INET is taken by the \"%s\" domain: sockin "
		    "(librumpnet_sockin) and netinet (librumpnet_netinet) "
		    "cannot be in one kernel\n", d != NULL ? d->dom_name : "?");
	}
	return error;
}
