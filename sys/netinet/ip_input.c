/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip_input.c: receiving and forwarding IPv4 packets.  ip_input runs on
 * the netisr thread (registered as NETISR_IP): it checks the header
 * (version, header length, total length, checksum) and drops what is
 * malformed, counting why; packets for us are reassembled if they are
 * fragments and handed to raw sockets, ICMP and UDP; others are
 * forwarded when ip_forwarding is on (TTL, route, MTU checks with the
 * matching ICMP errors), else dropped.
 */
#include "kern/kern.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/net_stats.h"
#include "net/route.h"
#include "netinet/in_impl.h"
#include "netinet/tcp_var.h"          /* TCP (issue 6) */

static void
ip_forward(struct mbuf *m, struct ifnet *rcvif)
{
	struct rt_nexthop nh;
	struct ip *ip = mtod(m, struct ip *);
	size_t len = ntohs(ip->ip_len), hlen = IP_HL(ip);
	uint32_t dst = ip->ip_dst;
	int error;

	if ((m->m_flags & (M_BCAST | M_MCAST)) || ip->ip_src == 0 ||
	    in_isbroadcast(ip->ip_src, NULL) || IN_CLASSD(ntohl(dst)) ||
	    IN_LOOPBACK(ntohl(dst)) || IN_LOOPBACK(ntohl(ip->ip_src))) {
		NETSTAT_INC(ips_cantforward);
		m_freem(m);
		return;
	}
	if (ip->ip_ttl <= 1) {
		NETSTAT_INC(ips_ttlexceed);
		icmp_error(m, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0);
		return;
	}
	error = rt_lookup(dst, &nh);
	if (error != 0) {
		NETSTAT_INC(ips_noroute);
		NETSTAT_INC(ips_cantforward);
		icmp_error(m, ICMP_UNREACH, error == EHOSTUNREACH ?
		    ICMP_UNREACH_HOST : ICMP_UNREACH_NET, 0);
		return;
	}
	/* An aggregate from a host link (M_CSUM_TSOv4) leaves as the
	 * segments it stands for: their size is what must fit. */
	if ((m->m_pkthdr.csum_flags & M_CSUM_TSOv4) && ip->ip_p == IPPROTO_TCP)
		len = tcp_tso_piecelen(m, hlen);
	else
		m->m_pkthdr.csum_flags &= ~M_CSUM_TSOv4;
	if ((len == 0 || len > (size_t)nh.nh_mtu) &&
	    (ntohs(ip->ip_off) & IP_DF)) {
		if_rele(nh.nh_ifp);
		NETSTAT_INC(ips_cantfrag);
		NETSTAT_INC(ips_cantforward);
		icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, nh.nh_mtu);
		return;
	}
	if_rele(nh.nh_ifp);
	ip->ip_ttl--;
	ip->ip_sum = 0;
	ip->ip_sum = in_cksum_buf(ip, hlen, 0);
	NETSTAT_INC(ips_forward);
	(void)ip_output(m, IP_FORWARDING | IP_RAWOUTPUT);
}

/*
 * A TCP/IPv4 aggregate a link received whole (M_CSUM_TSOv4, m at its IP
 * header) cut into the packets it stands for, for a link layer that
 * must see wire-sized packets (if_impair.c): the header and the sum
 * over the whole are checked here, since the pieces' sums are not
 * filled in; each piece gets its header sum and the mark that its
 * payload is vouched for (or, if the sender left the sum out and the
 * link does not vouch, that ip_input is to fill it in).  Consumes m.
 * 0, EINVAL (counted) or ENOBUFS.
 */
int
ip_lro_cut(struct mbuf *m, struct mbuf **listp)
{
	struct ip *ip;
	struct mbuf *n;
	size_t hlen, len;
	int flags, error;

	*listp = NULL;
	if (m->m_pkthdr.len < sizeof(struct ip) ||
	    (m->m_len < sizeof(struct ip) &&
	    m_pullup(&m, sizeof(struct ip)) != 0)) {
		NETSTAT_INC(ips_toosmall);
		m_freem(m);
		return EINVAL;
	}
	ip = mtod(m, struct ip *);
	hlen = IP_HL(ip);
	len = ntohs(ip->ip_len);
	if (IP_VERSION(ip) != 4 || hlen < sizeof(struct ip) ||
	    ip->ip_p != IPPROTO_TCP || len < hlen ||
	    len != m->m_pkthdr.len) {
		NETSTAT_INC(ips_badhlen);
		m_freem(m);
		return EINVAL;
	}
	if (in_cksum(m, 0, hlen, 0) != 0) {
		NETSTAT_INC(ips_badsum);
		m_freem(m);
		return EINVAL;
	}
	flags = m->m_pkthdr.csum_flags & (M_CSUM_DATA_OUT | M_CSUM_DATA_OK);
	if (flags == 0) {
		if (in_cksum(m, hlen, len - hlen, in_pseudo(ip->ip_src,
		    ip->ip_dst, IPPROTO_TCP, (uint16_t)(len - hlen))) != 0) {
			TCPSTAT_INC(tcps_rcvbadsum);
			m_freem(m);
			return EINVAL;
		}
		flags = M_CSUM_DATA_OK;
	}
	error = tcp_tso_segment(m, hlen, listp);
	if (error != 0)
		return error;
	for (n = *listp; n != NULL; n = n->m_nextpkt) {
		ip = mtod(n, struct ip *);
		ip->ip_sum = 0;
		ip->ip_sum = in_cksum_buf(ip, hlen, 0);
		n->m_pkthdr.csum_flags = M_CSUM_DATA_OUT | flags;
	}
	return 0;
}

/* Hand a complete packet for us to its protocol. */
static void
ip_deliver(struct mbuf *m)
{
	struct ip *ip = mtod(m, struct ip *);
	size_t hlen = IP_HL(ip);
	bool raw;

	NETSTAT_INC(ips_delivered);
	raw = rip_input(m);
	switch (ip->ip_p) {
	case IPPROTO_ICMP:
		icmp_input(m, hlen);
		break;
	case IPPROTO_UDP:
		udp_input(m, hlen);
		break;
	case IPPROTO_TCP:
		tcp_input(m, hlen);
		break;
	default:
		if (raw) {
			m_freem(m);
			break;
		}
		NETSTAT_INC(ips_noproto);
		icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, 0);
		break;
	}
}

void
ip_input(struct ifnet *ifp, struct mbuf *m)
{
	struct ip *ip;
	size_t hlen, len;
	uint32_t dst, src;
	bool ours;

	NETSTAT_INC(ips_total);
	if (m->m_pkthdr.len < sizeof(struct ip)) {
		NETSTAT_INC(ips_toosmall);
		goto drop;
	}
	if (m->m_len < sizeof(struct ip) &&
	    m_pullup(&m, sizeof(struct ip)) != 0) {
		NETSTAT_INC(ips_toosmall);
		return;
	}
	ip = mtod(m, struct ip *);
	if (IP_VERSION(ip) != 4) {
		NETSTAT_INC(ips_badvers);
		goto drop;
	}
	hlen = IP_HL(ip);
	if (hlen < sizeof(struct ip) || hlen > m->m_pkthdr.len) {
		NETSTAT_INC(ips_badhlen);
		goto drop;
	}
	if (m->m_len < hlen && m_pullup(&m, hlen) != 0) {
		NETSTAT_INC(ips_badhlen);
		return;
	}
	ip = mtod(m, struct ip *);
	if (in_cksum(m, 0, hlen, 0) != 0) {
		NETSTAT_INC(ips_badsum);
		goto drop;
	}
	len = ntohs(ip->ip_len);
	if (len < hlen) {
		NETSTAT_INC(ips_badlen);
		goto drop;
	}
	if (m->m_pkthdr.len < len) {
		NETSTAT_INC(ips_tooshort);
		goto drop;
	}
	if (m->m_pkthdr.len > len)
		m_adj(m, -(ssize_t)(m->m_pkthdr.len - len));
	/* A payload sum the sender left undone, from a link that does not
	 * vouch for it: fill it in, the protocol verifies as usual. */
	if ((m->m_pkthdr.csum_flags & (M_CSUM_DATA_OUT | M_CSUM_DATA_OK)) ==
	    M_CSUM_DATA_OUT) {
		in_delayed_cksum(m, hlen);
		ip = mtod(m, struct ip *);
	}
	src = ip->ip_src;
	dst = ip->ip_dst;
	if (src == INADDR_BROADCAST || IN_CLASSD(ntohl(src)) ||
	    ((IN_LOOPBACK(ntohl(src)) || IN_LOOPBACK(ntohl(dst))) &&
	    (ifp->if_flags & IFF_LOOPBACK) == 0)) {
		NETSTAT_INC(ips_badaddr);
		goto drop;
	}

	ours = in_islocal(dst) || in_isbroadcast(dst, ifp) ||
	    (dst == 0 && (m->m_flags & M_BCAST));
	if (!ours) {
		if (IN_CLASSD(ntohl(dst)) ||
		    !atomic_load_relaxed(&ip_forwarding)) {
			NETSTAT_INC(ips_cantforward);
			goto drop;
		}
		ip_forward(m, ifp);
		return;
	}
	if (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) {
		NETSTAT_INC(ips_fragments);
		m = ip_reass(m);
		if (m == NULL)
			return;
		NETSTAT_INC(ips_reassembled);
	}
	ip_deliver(m);
	return;
drop:
	m_freem(m);
}
