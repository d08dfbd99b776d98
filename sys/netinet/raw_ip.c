/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * raw_ip.c: raw IPv4 sockets (SOCK_RAW), as Linux has them: a socket of
 * protocol P receives a copy of every IPv4 packet of protocol P for us,
 * IP header included (so a ping tool sees the ICMP replies); it sends
 * its payload with an IP header the kernel builds, or with IP_HDRINCL
 * (always for IPPROTO_RAW) the header the caller gives, whose length,
 * checksum, and, when zero, identification and source the kernel fills
 * in.  Only the superuser may create one (EPERM).
 *
 * rip_input is called by ip_input on the netisr thread before the
 * protocol's own input; the socket operations run under inet_lock.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/net_stats.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"

#define RIP_SENDSPACE (65536 + 1024)
#define RIP_RECVSPACE (212992)

struct inpcb_table rawtable;

static int
rip_attach(struct socket *so, int proto)
{
	int error;

	if (proto <= 0 || proto > 255)
		return EPROTONOSUPPORT;
	if (!kauth_cred_issuser(so->so_cred))
		return EPERM;
	error = soreserve(so, RIP_SENDSPACE, RIP_RECVSPACE);
	if (error != 0)
		return error;
	error = in_pcballoc(so, &rawtable, proto);
	if (error == 0 && proto == IPPROTO_RAW)
		sotoinpcb(so)->inp_hdrincl = true;
	return error;
}

static void
rip_detach(struct socket *so)
{
	struct inpcb *inp = sotoinpcb(so);

	if (inp != NULL)
		in_pcbdetach(inp);
}

static void
rip_abort(struct socket *so)
{
	rip_detach(so);
}

static int
rip_bind(struct socket *so, const struct rump_sockaddr *nam, size_t namlen,
    struct lwp *l)
{
	struct inpcb *inp = sotoinpcb(so);
	uint32_t addr;
	uint16_t port;
	int error;

	error = in_sin(nam, namlen, &addr, &port);
	if (error != 0)
		return error;
	if (addr != 0 && !in_islocal(addr) && !in_isbroadcast(addr, NULL))
		return EADDRNOTAVAIL;
	inp->inp_laddr = addr;
	return 0;
}

static int
rip_connect(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	struct inpcb *inp = sotoinpcb(so);
	uint32_t addr;
	uint16_t port;
	int error;

	if (namlen >= sizeof(rump_sa_family_t) && nam->sa_family == AF_UNSPEC) {
		inp->inp_faddr = 0;
		if (so->so_state == SS_CONNECTED)
			SO_STATE_CHANGE(so, SS_CONNECTED, SS_UNCONNECTED);
		return 0;
	}
	error = in_sin(nam, namlen, &addr, &port);
	if (error != 0)
		return error;
	inp->inp_faddr = addr;
	if (so->so_state == SS_CONNECTED)
		SO_STATE_CHANGE(so, SS_CONNECTED, SS_UNCONNECTED);
	soisconnected(so);
	return 0;
}

static int
rip_disconnect(struct socket *so)
{
	struct inpcb *inp = sotoinpcb(so);

	if (inp->inp_faddr == 0)
		return ENOTCONN;
	inp->inp_faddr = 0;
	if (so->so_state == SS_CONNECTED)
		SO_STATE_CHANGE(so, SS_CONNECTED, SS_UNCONNECTED);
	return 0;
}

static int
rip_shutdown(struct socket *so)
{
	return 0;
}

static int
rip_send(struct socket *so, struct mbuf *m, const struct rump_sockaddr *nam,
    size_t namlen, struct mbuf *control, int flags, struct lwp *l)
{
	struct inpcb *inp = sotoinpcb(so);
	size_t len = m != NULL ? m->m_pkthdr.len : 0;
	uint32_t dst;
	uint16_t port;
	struct ip *ip;
	int error, oflags = 0;

	if (control != NULL)
		m_freem(control);
	if (m == NULL)
		return EINVAL;
	if (nam != NULL) {
		error = in_sin(nam, namlen, &dst, &port);
		if (error != 0)
			goto bad;
	} else if (inp->inp_faddr != 0) {
		dst = inp->inp_faddr;
	} else {
		error = EDESTADDRREQ;
		goto bad;
	}
	if (in_isbroadcast(dst, NULL)) {
		if ((so->so_options & SOO_BROADCAST) == 0) {
			error = EACCES;
			goto bad;
		}
		oflags |= IP_ALLOWBROADCAST;
	}
	if (inp->inp_hdrincl) {
		if (len < sizeof(struct ip) || len > IP_MAXPACKET) {
			error = EINVAL;
			goto bad;
		}
		if (m->m_len < sizeof(struct ip) &&
		    m_pullup(&m, sizeof(struct ip)) != 0)
			return ENOBUFS;
		ip = mtod(m, struct ip *);
		if (IP_VERSION(ip) != 4 || IP_HL(ip) < sizeof(struct ip) ||
		    IP_HL(ip) > len) {
			error = EINVAL;
			goto bad;
		}
		ip->ip_dst = dst;
		oflags |= IP_RAWOUTPUT;
	} else {
		if (len > IP_MAXPACKET - sizeof(struct ip)) {
			error = EMSGSIZE;
			goto bad;
		}
		error = m_prepend(&m, sizeof(struct ip), M_DONTWAIT);
		if (error != 0)
			return error;
		ip = mtod(m, struct ip *);
		memset(ip, 0, sizeof(*ip));
		ip->ip_vhl = 0x45;
		ip->ip_tos = (uint8_t)inp->inp_tos;
		ip->ip_ttl = (uint8_t)inp->inp_ttl;
		ip->ip_p = (uint8_t)inp->inp_proto;
		ip->ip_src = in_isbroadcast(inp->inp_laddr, NULL) ? 0 :
		    inp->inp_laddr;
		ip->ip_dst = dst;
	}
	return ip_output(m, oflags);
bad:
	m_freem(m);
	return error;
}

static int
rip_ioctl(struct socket *so, unsigned long cmd, void *data)
{
	int error;

	mutex_exit(so->so_lock);
	error = ifioctl(cmd, data, curlwp);
	mutex_enter(so->so_lock);
	return error;
}

static int
rip_sockaddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	in_setsockaddr(sotoinpcb(so)->inp_laddr, 0, nam, lenp);
	return 0;
}

static int
rip_peeraddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct inpcb *inp = sotoinpcb(so);

	if (inp->inp_faddr == 0)
		return ENOTCONN;
	in_setsockaddr(inp->inp_faddr, 0, nam, lenp);
	return 0;
}

const struct pr_usrreqs rip_usrreqs = {
	.pru_attach = rip_attach,
	.pru_detach = rip_detach,
	.pru_abort = rip_abort,
	.pru_bind = rip_bind,
	.pru_connect = rip_connect,
	.pru_disconnect = rip_disconnect,
	.pru_shutdown = rip_shutdown,
	.pru_send = rip_send,
	.pru_ioctl = rip_ioctl,
	.pru_ctloutput = in_pcbctloutput,
	.pru_sockaddr = rip_sockaddr,
	.pru_peeraddr = rip_peeraddr,
};

bool
rip_input(struct mbuf *m)
{
	struct ip *ip = mtod(m, struct ip *);
	struct rump_sockaddr_storage from;
	struct inpcb *inp;
	struct socket *so;
	struct mbuf *n;
	size_t fromlen;
	bool any = false;

	if (atomic_load_relaxed(&rawtable.inpt_list) == NULL)
		return false;
	in_setsockaddr(ip->ip_src, 0, &from, &fromlen);
	mutex_enter(&inet_lock);
	for (inp = rawtable.inpt_list; inp != NULL; inp = inp->inp_next) {
		if (inp->inp_proto != ip->ip_p || inp->inp_proto == IPPROTO_RAW)
			continue;
		if (inp->inp_laddr != 0 && inp->inp_laddr != ip->ip_dst)
			continue;
		if (inp->inp_faddr != 0 && inp->inp_faddr != ip->ip_src)
			continue;
		so = inp->inp_socket;
		any = true;
		if (sbspace(&so->so_rcv) < m->m_pkthdr.len) {
			NETSTAT_INC(ips_odropped);
			continue;
		}
		n = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
		if (n == NULL)
			continue;
		if (sbappendaddr(&so->so_rcv,
		    (struct rump_sockaddr *)(void *)&from, fromlen, n,
		    NULL) == 0)
			sorwakeup(so);
	}
	mutex_exit(&inet_lock);
	return any;
}
