/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip_icmp.c: ICMP (RFC 792, RFC 1122, RFC 1812).  icmp_input answers
 * echo requests and passes errors about our own datagrams (unreachable,
 * time exceeded, fragmentation needed) to UDP, which reports them on
 * connected sockets; raw ICMP sockets got their copy before (ip_input).
 * icmp_error builds an error about a packet we could not deliver or
 * forward: never about an ICMP error, a broadcast, a non-first fragment
 * or an invalid source, and at most ICMP_ERRPPS per second.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/net_stats.h"
#include "netinet/in_impl.h"
#include "netinet/tcp_var.h"          /* TCP (issue 6) */

#define ICMP_ERRPPS   1000                 /* errors sent per second */
#define ICMP_MAXQUOTE 548                  /* error: 576 bytes at most */

static int64_t icmp_ratesec;               /* [a] current second */
static unsigned icmp_ratecnt;              /* [a] errors in it */

static bool
icmp_ratelimit(void)
{
	int64_t sec = getnanouptime() / NSEC_PER_SEC;

	if (atomic_load_relaxed(&icmp_ratesec) != sec) {
		atomic_store_relaxed(&icmp_ratesec, sec);
		atomic_store_relaxed(&icmp_ratecnt, 0);
	}
	if (atomic_inc_nv(&icmp_ratecnt) > ICMP_ERRPPS) {
		NETSTAT_INC(icps_ratelimited);
		return true;
	}
	return false;
}

static bool
icmp_iserror(uint8_t type)
{
	switch (type) {
	case ICMP_UNREACH: case ICMP_SOURCEQUENCH: case ICMP_REDIRECT:
	case ICMP_TIMXCEED: case ICMP_PARAMPROB:
		return true;
	}
	return false;
}

void
icmp_error(struct mbuf *m, int type, int code, int nextmtu)
{
	struct ip *oip = mtod(m, struct ip *), *nip;
	size_t ohlen = IP_HL(oip), quote;
	struct ifnet *rcvif = m->m_pkthdr.rcvif;
	uint32_t src;
	struct icmp *icp;
	struct mbuf *n;
	uint8_t itype;

	if ((ntohs(oip->ip_off) & IP_OFFMASK) != 0 ||
	    (m->m_flags & (M_BCAST | M_MCAST)) || oip->ip_src == 0 ||
	    in_isbroadcast(oip->ip_dst, NULL) ||
	    in_isbroadcast(oip->ip_src, NULL) ||
	    IN_CLASSD(ntohl(oip->ip_dst)) || IN_CLASSD(ntohl(oip->ip_src)))
		goto free;
	if (oip->ip_p == IPPROTO_ICMP && type != ICMP_REDIRECT &&
	    m->m_pkthdr.len >= ohlen + 1) {
		if (m_copydata(m, ohlen, 1, &itype) != 0 || icmp_iserror(itype))
			goto free;
	}
	if (icmp_ratelimit())
		goto free;
	/* The source: the address the packet was for, if ours, else the
	 * address of the interface it came in on. */
	if (in_islocal(oip->ip_dst))
		src = oip->ip_dst;
	else if (rcvif == NULL || in_ifaddrof(rcvif, &src) != 0)
		src = 0;
	quote = MIN(m->m_pkthdr.len, (size_t)ICMP_MAXQUOTE);
	n = m_getlen(MAX_LINKHDR + sizeof(struct ip) + ICMP_MINLEN + quote,
	    M_DONTWAIT, MT_HEADER, true);
	if (n == NULL)
		goto free;
	n->m_data += MAX_LINKHDR;
	nip = mtod(n, struct ip *);
	icp = (struct icmp *)(void *)(nip + 1);
	if (m_copydata(m, 0, quote, (char *)icp + ICMP_MINLEN) != 0) {
		m_freem(n);
		goto free;
	}
	n->m_len = n->m_pkthdr.len = sizeof(struct ip) + ICMP_MINLEN + quote;
	memset(icp, 0, ICMP_MINLEN);
	icp->icmp_type = (uint8_t)type;
	icp->icmp_code = (uint8_t)code;
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG)
		icp->icmp_nextmtu = htons((uint16_t)nextmtu);
	icp->icmp_cksum = in_cksum_buf(icp, ICMP_MINLEN + quote, 0);
	memset(nip, 0, sizeof(*nip));
	nip->ip_vhl = 0x45;
	nip->ip_tos = 0xc0;                /* internetwork control */
	nip->ip_ttl = IP_DEFTTL;
	nip->ip_p = IPPROTO_ICMP;
	nip->ip_src = src;
	nip->ip_dst = oip->ip_src;
	NETSTAT_INC(icps_error_out);
	m_freem(m);
	(void)ip_output(n, 0);
	return;
free:
	m_freem(m);
}

/* Answer an echo request in place. */
static void
icmp_reflect(struct mbuf *m, size_t hlen)
{
	struct ip *ip = mtod(m, struct ip *);
	struct icmp *icp;
	uint32_t dst = ip->ip_dst, src = ip->ip_src;
	size_t len = m->m_pkthdr.len;

	/* A reply's source is the address asked; for a broadcast request
	 * the address of the interface it came in on. */
	if (!in_islocal(dst)) {
		if (m->m_pkthdr.rcvif == NULL ||
		    in_ifaddrof(m->m_pkthdr.rcvif, &dst) != 0) {
			m_freem(m);
			return;
		}
	}
	if (m->m_len < hlen + ICMP_MINLEN &&
	    m_pullup(&m, hlen + ICMP_MINLEN) != 0)
		return;
	ip = mtod(m, struct ip *);
	if (hlen > sizeof(struct ip)) {
		/* Options are not echoed back: drop them. */
		memmove((char *)ip + hlen - sizeof(struct ip), ip,
		    sizeof(struct ip));
		m_adj(m, (ssize_t)(hlen - sizeof(struct ip)));
		len -= hlen - sizeof(struct ip);
		hlen = sizeof(struct ip);
		ip = mtod(m, struct ip *);
		ip->ip_vhl = 0x45;
	}
	icp = (struct icmp *)(void *)((char *)ip + hlen);
	icp->icmp_type = ICMP_ECHOREPLY;
	icp->icmp_cksum = 0;
	icp->icmp_cksum = in_cksum(m, hlen, len - hlen, 0);
	ip->ip_src = dst;
	ip->ip_dst = src;
	ip->ip_ttl = IP_DEFTTL;
	ip->ip_off = 0;
	ip->ip_len = htons((uint16_t)len);
	m->m_flags &= ~(M_BCAST | M_MCAST);
	NETSTAT_INC(icps_echoreply_out);
	(void)ip_output(m, 0);
}

static void
icmp_notify(struct mbuf *m, size_t hlen, const struct icmp *icp)
{
	uint8_t buf[60 + 8];
	const struct ip *inner = (const struct ip *)(const void *)buf;
	size_t ihlen;
	int error;

	if (m->m_pkthdr.len < hlen + ICMP_MINLEN + sizeof(struct ip) ||
	    m_copydata(m, hlen + ICMP_MINLEN, sizeof(struct ip), buf) != 0) {
		NETSTAT_INC(icps_badlen);
		return;
	}
	ihlen = IP_HL(inner);
	if (ihlen < sizeof(struct ip) || m->m_pkthdr.len <
	    hlen + ICMP_MINLEN + ihlen + 8 ||
	    m_copydata(m, hlen + ICMP_MINLEN, ihlen + 8, buf) != 0) {
		NETSTAT_INC(icps_badlen);
		return;
	}
	switch (icp->icmp_type) {
	case ICMP_UNREACH:
		NETSTAT_INC(icps_unreach_in);
		switch (icp->icmp_code) {
		case ICMP_UNREACH_PORT:
		case ICMP_UNREACH_PROTOCOL:
			error = ECONNREFUSED;
			break;
		case ICMP_UNREACH_NEEDFRAG:
			error = EMSGSIZE;
			break;
		case ICMP_UNREACH_NET:
			error = ENETUNREACH;
			break;
		default:
			error = EHOSTUNREACH;
			break;
		}
		break;
	case ICMP_TIMXCEED:
		NETSTAT_INC(icps_timxceed_in);
		error = EHOSTUNREACH;
		break;
	default:
		return;
	}
	if (inner->ip_p == IPPROTO_UDP)
		udp_ctlinput(error, inner, buf + ihlen);
	else if (inner->ip_p == IPPROTO_TCP)
		tcp_ctlinput(error, inner, buf + ihlen,
		    ntohs(icp->icmp_nextmtu));
}

void
icmp_input(struct mbuf *m, size_t hlen)
{
	struct ip *ip = mtod(m, struct ip *);
	struct icmp icp;
	size_t len = m->m_pkthdr.len - hlen;

	NETSTAT_INC(icps_inpackets);
	if (len < ICMP_MINLEN) {
		NETSTAT_INC(icps_badlen);
		goto free;
	}
	if (in_cksum(m, hlen, len, 0) != 0) {
		NETSTAT_INC(icps_badsum);
		goto free;
	}
	(void)m_copydata(m, hlen, sizeof(icp), &icp);
	switch (icp.icmp_type) {
	case ICMP_ECHO:
		NETSTAT_INC(icps_echoreq);
		if ((m->m_flags & (M_BCAST | M_MCAST)) ||
		    in_isbroadcast(ip->ip_dst, NULL))
			goto free;         /* no smurf amplifier */
		icmp_reflect(m, hlen);
		return;
	case ICMP_UNREACH:
	case ICMP_TIMXCEED:
		icmp_notify(m, hlen, &icp);
		break;
	case ICMP_ECHOREPLY:
		break;
	default:
		NETSTAT_INC(icps_badtype);
		break;
	}
free:
	m_freem(m);
}
