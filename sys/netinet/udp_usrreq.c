/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp_usrreq.c: UDP (RFC 768): the protocol's socket operations, input
 * and ICMP error delivery.
 *
 * Output: pru_send prepends the UDP and IP headers to the datagram the
 * socket layer built, computes the checksum over the pseudo-header and
 * hands it to ip_output (which fragments it if needed).  Input (netisr
 * thread, from ip_input): length and checksum checks, then delivery to
 * the best matching socket (connected 4-tuple, then bound address, then
 * wildcard), or to every matching socket for broadcasts; with no taker
 * an ICMP port unreachable goes back.  udp_ctlinput turns an ICMP error
 * about one of our datagrams into so_error of the connected socket it
 * came from (Linux reports them on connected sockets only).
 *
 * Everything runs under inet_lock (the sockets' so_lock); input takes it,
 * the socket operations are called with it held.
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

#define UDP_SENDSPACE (65536 + 1024)
#define UDP_RECVSPACE (212992)
#define UDP_MAXDATA   (IP_MAXPACKET - sizeof(struct ip) - sizeof(struct udphdr))

struct inpcb_table udbtable;

static int
udp_attach(struct socket *so, int proto)
{
	int error;

	if (proto != IPPROTO_UDP)
		return EPROTONOSUPPORT;
	error = soreserve(so, UDP_SENDSPACE, UDP_RECVSPACE);
	if (error != 0)
		return error;
	return in_pcballoc(so, &udbtable, IPPROTO_UDP);
}

static void
udp_detach(struct socket *so)
{
	struct inpcb *inp = sotoinpcb(so);

	if (inp != NULL)
		in_pcbdetach(inp);
}

static void
udp_abort(struct socket *so)
{
	udp_detach(so);
}

static int
udp_bind(struct socket *so, const struct rump_sockaddr *nam, size_t namlen,
    struct lwp *l)
{
	return in_pcbbind(sotoinpcb(so), nam, namlen);
}

static int
udp_connect(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	struct inpcb *inp = sotoinpcb(so);
	int error;

	if (namlen >= sizeof(rump_sa_family_t) && nam->sa_family == AF_UNSPEC) {
		in_pcbdisconnect(inp);
		if (so->so_state == SS_CONNECTED)
			SO_STATE_CHANGE(so, SS_CONNECTED, SS_UNCONNECTED);
		return 0;
	}
	error = in_pcbconnect(inp, nam, namlen);
	if (error != 0)
		return error;
	if (so->so_state == SS_CONNECTED)
		SO_STATE_CHANGE(so, SS_CONNECTED, SS_UNCONNECTED);
	else if (so->so_state == SS_DISCONNECTED)
		SO_STATE_CHANGE(so, SS_DISCONNECTED, SS_UNCONNECTED);
	soisconnected(so);
	return 0;
}

static int
udp_disconnect(struct socket *so)
{
	struct inpcb *inp = sotoinpcb(so);

	if (inp->inp_faddr == 0)
		return ENOTCONN;
	in_pcbdisconnect(inp);
	if (so->so_state == SS_CONNECTED)
		SO_STATE_CHANGE(so, SS_CONNECTED, SS_UNCONNECTED);
	return 0;
}

static int
udp_shutdown(struct socket *so)
{
	return 0;
}

static int
udp_send(struct socket *so, struct mbuf *m, const struct rump_sockaddr *nam,
    size_t namlen, struct mbuf *control, int flags, struct lwp *l)
{
	struct inpcb *inp = sotoinpcb(so);
	uint32_t faddr, laddr;
	uint16_t fport;
	size_t len = m != NULL ? m->m_pkthdr.len : 0;
	struct udphdr *uh;
	struct ip *ip;
	int error, oflags = 0;

	if (control != NULL) {
		m_freem(control);
		control = NULL;
	}
	if (m == NULL)
		return EINVAL;
	if (len > UDP_MAXDATA) {
		error = EMSGSIZE;
		goto bad;
	}
	if (nam != NULL) {
		error = in_sin(nam, namlen, &faddr, &fport);
		if (error != 0)
			goto bad;
		if (fport == 0) {
			error = EINVAL;
			goto bad;
		}
		if (faddr == 0)
			faddr = htonl(INADDR_LOOPBACK);
	} else {
		if (inp->inp_faddr == 0) {
			error = EDESTADDRREQ;
			goto bad;
		}
		faddr = inp->inp_faddr;
		fport = inp->inp_fport;
	}
	if (in_isbroadcast(faddr, NULL)) {
		if ((so->so_options & SOO_BROADCAST) == 0) {
			error = EACCES;
			goto bad;
		}
		oflags |= IP_ALLOWBROADCAST;
	}
	if (inp->inp_lport == 0) {
		error = in_pcbbind(inp, NULL, 0);
		if (error != 0)
			goto bad;
	}
	laddr = inp->inp_laddr;
	if (laddr == 0 || in_isbroadcast(laddr, NULL)) {
		error = in_selectsrc(faddr, &laddr);
		if (error != 0)
			goto bad;
	}
	error = m_prepend(&m, sizeof(*ip) + sizeof(*uh), M_DONTWAIT);
	if (error != 0)
		return error;
	if (m->m_len < sizeof(*ip) + sizeof(*uh) &&
	    m_pullup(&m, sizeof(*ip) + sizeof(*uh)) != 0)
		return ENOBUFS;
	ip = mtod(m, struct ip *);
	uh = (struct udphdr *)(void *)(ip + 1);
	uh->uh_sport = inp->inp_lport;
	uh->uh_dport = fport;
	uh->uh_ulen = htons((uint16_t)(len + sizeof(*uh)));
	uh->uh_sum = 0;                        /* ip_output fills it in */
	m->m_pkthdr.csum_flags = M_CSUM_DATA_OUT;
	memset(ip, 0, sizeof(*ip));
	ip->ip_vhl = 0x45;
	ip->ip_tos = (uint8_t)inp->inp_tos;
	ip->ip_ttl = (uint8_t)inp->inp_ttl;
	ip->ip_p = IPPROTO_UDP;
	ip->ip_src = laddr;
	ip->ip_dst = faddr;
	NETSTAT_INC(udps_opackets);
	error = ip_output(m, oflags);
	/* Linux reports a local "fragmentation needed" as EMSGSIZE and
	 * drops silently when the queue is full. */
	return error == ENOBUFS ? 0 : error;
bad:
	m_freem(m);
	return error;
}

static int
udp_ioctl(struct socket *so, unsigned long cmd, void *data)
{
	int error;

	/* Interface ioctls sleep and take interface locks: not under the
	 * socket lock (the file reference keeps so alive). */
	mutex_exit(so->so_lock);
	error = ifioctl(cmd, data, curlwp);
	mutex_enter(so->so_lock);
	return error;
}

static int
udp_sockaddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct inpcb *inp = sotoinpcb(so);

	in_setsockaddr(inp->inp_laddr, inp->inp_lport, nam, lenp);
	return 0;
}

static int
udp_peeraddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct inpcb *inp = sotoinpcb(so);

	if (inp->inp_faddr == 0)
		return ENOTCONN;
	in_setsockaddr(inp->inp_faddr, inp->inp_fport, nam, lenp);
	return 0;
}

const struct pr_usrreqs udp_usrreqs = {
	.pru_attach = udp_attach,
	.pru_detach = udp_detach,
	.pru_abort = udp_abort,
	.pru_bind = udp_bind,
	.pru_connect = udp_connect,
	.pru_disconnect = udp_disconnect,
	.pru_shutdown = udp_shutdown,
	.pru_send = udp_send,
	.pru_ioctl = udp_ioctl,
	.pru_ctloutput = in_pcbctloutput,
	.pru_sockaddr = udp_sockaddr,
	.pru_peeraddr = udp_peeraddr,
};

/* Queue datagram m (UDP payload only) on so.  inet_lock held. */
static void
udp_append(struct inpcb *inp, struct mbuf *m, uint32_t src, uint16_t sport)
{
	struct socket *so = inp->inp_socket;
	struct rump_sockaddr_storage from;
	size_t fromlen;

	if (sbspace(&so->so_rcv) < m->m_pkthdr.len ||
	    (so->so_rcv.sb_flags & SB_CANTMORE)) {
		NETSTAT_INC(udps_fullsock);
		m_freem(m);
		return;
	}
	in_setsockaddr(src, sport, &from, &fromlen);
	if (sbappendaddr(&so->so_rcv, (struct rump_sockaddr *)(void *)&from,
	    fromlen, m, NULL) != 0) {
		NETSTAT_INC(udps_fullsock);
		return;
	}
	sorwakeup(so);
}

/* Does inp want a datagram src:sport -> dst:dport?  0: no, else a
 * score (higher is a closer match). */
static int
udp_match(const struct inpcb *inp, uint32_t src, uint16_t sport,
    uint32_t dst, uint16_t dport, bool bcast)
{
	int score = 1;

	if (inp->inp_lport != dport)
		return 0;
	if (inp->inp_laddr != 0) {
		if (inp->inp_laddr != dst && !(bcast &&
		    in_isbroadcast(inp->inp_laddr, NULL)))
			return 0;
		score += 2;
	}
	if (inp->inp_faddr != 0) {
		if (inp->inp_faddr != src || inp->inp_fport != sport)
			return 0;
		score += 4;
	}
	return score;
}

void
udp_input(struct mbuf *m, size_t hlen)
{
	struct ip *ip;
	struct udphdr uh;
	struct inpcb *inp, *best = NULL;
	struct mbuf *n;
	size_t ulen, iplen;
	uint32_t src, dst;
	bool bcast, delivered = false;
	int score, bestscore = 0;

	NETSTAT_INC(udps_ipackets);
	iplen = m->m_pkthdr.len;
	if (iplen < hlen + sizeof(uh)) {
		NETSTAT_INC(udps_hdrops);
		goto free;
	}
	(void)m_copydata(m, hlen, sizeof(uh), &uh);
	ulen = ntohs(uh.uh_ulen);
	if (ulen < sizeof(uh) || ulen > iplen - hlen) {
		NETSTAT_INC(udps_badlen);
		goto free;
	}
	if (ulen < iplen - hlen) {
		m_adj(m, -(ssize_t)(iplen - hlen - ulen));
		ip = mtod(m, struct ip *);
		ip->ip_len = htons((uint16_t)(hlen + ulen));
	}
	ip = mtod(m, struct ip *);
	src = ip->ip_src;
	dst = ip->ip_dst;
	if (uh.uh_sum != 0 &&
	    (m->m_pkthdr.csum_flags & M_CSUM_DATA_OK) == 0 &&
	    in_cksum(m, hlen, ulen,
	    in_pseudo(src, dst, IPPROTO_UDP, (uint16_t)ulen)) != 0) {
		NETSTAT_INC(udps_badsum);
		goto free;
	}
	bcast = (m->m_flags & (M_BCAST | M_MCAST)) ||
	    in_isbroadcast(dst, m->m_pkthdr.rcvif);

	mutex_enter(&inet_lock);
	if (bcast) {
		for (inp = udbtable.inpt_list; inp != NULL; inp = inp->inp_next) {
			if (udp_match(inp, src, uh.uh_sport, dst, uh.uh_dport,
			    true) == 0)
				continue;
			n = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
			if (n == NULL) {
				NETSTAT_INC(udps_fullsock);
				continue;
			}
			m_adj(n, (ssize_t)(hlen + sizeof(uh)));
			udp_append(inp, n, src, uh.uh_sport);
			delivered = true;
		}
		mutex_exit(&inet_lock);
		if (!delivered)
			NETSTAT_INC(udps_noportbcast);
		goto free;
	}
	for (inp = udbtable.inpt_list; inp != NULL; inp = inp->inp_next) {
		score = udp_match(inp, src, uh.uh_sport, dst, uh.uh_dport,
		    false);
		if (score > bestscore) {
			best = inp;
			bestscore = score;
		}
	}
	if (best == NULL) {
		mutex_exit(&inet_lock);
		NETSTAT_INC(udps_noport);
		icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_PORT, 0);
		return;
	}
	m_adj(m, (ssize_t)(hlen + sizeof(uh)));
	udp_append(best, m, src, uh.uh_sport);
	mutex_exit(&inet_lock);
	return;
free:
	m_freem(m);
}

void
udp_ctlinput(int error, const struct ip *inner, const uint8_t *l4)
{
	struct udphdr uh;
	struct inpcb *inp;

	memcpy(&uh, l4, sizeof(uh));
	mutex_enter(&inet_lock);
	for (inp = udbtable.inpt_list; inp != NULL; inp = inp->inp_next) {
		if (inp->inp_faddr == inner->ip_dst &&
		    inp->inp_fport == uh.uh_dport &&
		    inp->inp_lport == uh.uh_sport &&
		    (inp->inp_laddr == 0 || inp->inp_laddr == inner->ip_src)) {
			soseterror(inp->inp_socket, error);
			break;
		}
	}
	mutex_exit(&inet_lock);
}
