/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip_output.c: sending IPv4 packets.  UDP, raw IP, ICMP and forwarding
 * give ip_output a packet with its header filled in; ip_output picks the
 * interface and next hop (own addresses go through lo0, the limited
 * broadcast to the first broadcast interface, the rest by the routing
 * table), fills in the source address, identification and checksum, and
 * fragments what is larger than the interface's MTU (RFC 791), unless DF
 * is set (EMSGSIZE; ip_forward turns that into ICMP "fragmentation
 * needed").  The link layer (if_output) consumes each packet.
 *
 * A TCP segment marked for segmentation offload (M_CSUM_TSOv4, mbuf.h)
 * larger than the MTU goes whole only to an interface that cuts it
 * (IFCAP_TSO4 with IFCAP_CSUM_DATA, and pieces that fit the MTU) or
 * carries it whole (IFCAP_TSO4 with IFCAP_TSO_WHOLE: summed whole
 * here unless IFCAP_CSUM_DATA); for
 * any other it is cut here (tcp_tso_segment), never fragmented: TCP
 * may pick the interface once and the route change afterwards, and a
 * forwarded aggregate from a host link has to leave as segments.
 */
#include "kern/kern.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/net_stats.h"
#include "net/route.h"
#include "netinet/in_impl.h"
#include "netinet/tcp_var.h"

static uint16_t ip_id_next;                /* [a] */

uint16_t
ip_newid(void)
{
	uint16_t id = (uint16_t)atomic_inc_nv(&ip_id_next);

	if (__predict_false(id == 0))
		id = (uint16_t)atomic_inc_nv(&ip_id_next);
	return htons(id);
}

static void
ip_sethdrsum(struct ip *ip, size_t hlen)
{
	ip->ip_sum = 0;
	ip->ip_sum = in_cksum_buf(ip, hlen, 0);
}

/*
 * Cut m (header of hlen bytes, already complete but for the checksum)
 * into fragments of at most mtu bytes and send each through ifp.
 * Consumes m.  Fragment offsets are multiples of 8 bytes.
 */
static int
ip_fragment(struct ifnet *ifp, struct mbuf *m, size_t hlen, size_t mtu,
    uint32_t nexthop)
{
	struct ip *ip = mtod(m, struct ip *);
	size_t total = ntohs(ip->ip_len), off, chunk, maxdata;
	uint16_t baseoff = ntohs(ip->ip_off);
	bool lastmf = (baseoff & IP_MF) != 0;
	struct mbuf *f, *data;
	struct ip *fip;
	int error = 0, e;

	maxdata = (mtu - hlen) & ~(size_t)7;
	if (maxdata < 8) {
		m_freem(m);
		return EMSGSIZE;
	}
	NETSTAT_INC(ips_fragmented);
	for (off = 0; off < total - hlen; off += chunk) {
		chunk = MIN(maxdata, total - hlen - off);
		data = m_copym(m, hlen + off, chunk, M_DONTWAIT);
		f = m_gethdr(M_DONTWAIT, MT_HEADER);
		if (data == NULL || f == NULL) {
			m_freem(data);
			m_freem(f);
			error = ENOBUFS;
			NETSTAT_INC(ips_odropped);
			break;
		}
		/* Leave room for the link header in front. */
		f->m_data += MAX_LINKHDR;
		memcpy(f->m_data, ip, hlen);
		f->m_len = hlen;
		f->m_next = data;
		f->m_pkthdr.len = hlen + chunk;
		fip = mtod(f, struct ip *);
		fip->ip_len = htons((uint16_t)(hlen + chunk));
		fip->ip_off = htons((uint16_t)(((baseoff & IP_OFFMASK) +
		    off / 8) | (baseoff & IP_DF) |
		    ((off + chunk < total - hlen || lastmf) ? IP_MF : 0)));
		ip_sethdrsum(fip, hlen);
		NETSTAT_INC(ips_ofragments);
		e = ifp->if_output(ifp, f, AF_INET, &nexthop);
		if (e != 0 && error == 0)
			error = e;
	}
	m_freem(m);
	return error;
}

/*
 * Send the complete packet m (header of hlen bytes) that fits ifp as it
 * is: its payload sum unless the interface does without, its header
 * sum.  Consumes m.
 */
static int
ip_output_one(struct ifnet *ifp, struct mbuf *m, size_t hlen,
    uint32_t nexthop)
{
	struct ip *ip;

	if ((m->m_pkthdr.csum_flags & M_CSUM_DATA_OUT) &&
	    !(atomic_load_relaxed(&ifp->if_capenable) & IFCAP_CSUM_DATA))
		in_delayed_cksum(m, hlen);
	ip = mtod(m, struct ip *);
	ip_sethdrsum(ip, hlen);
	return ifp->if_output(ifp, m, AF_INET, &nexthop);
}

/*
 * A TSO segment ifp does not take whole: cut it and send the pieces.
 * Consumes m.  The first error, after trying every piece.
 */
static int
ip_output_tso(struct ifnet *ifp, struct mbuf *m, size_t hlen,
    uint32_t nexthop)
{
	struct mbuf *list, *n;
	int error, e;

	NETSTAT_INC(ips_tsosegmented);
	error = tcp_tso_segment(m, hlen, &list);
	if (error != 0)
		return error;
	while (list != NULL) {
		n = list->m_nextpkt;
		list->m_nextpkt = NULL;
		e = ip_output_one(ifp, list, hlen, nexthop);
		if (e != 0 && error == 0)
			error = e;
		list = n;
	}
	return error;
}

/* Does ifp take the TSO packet m (IP length len) whole? */
static bool
ip_tso_whole(struct ifnet *ifp, const struct mbuf *m, size_t hlen, size_t len)
{
	int caps = atomic_load_relaxed(&ifp->if_capenable);
	size_t piece = tcp_tso_piecelen(m, hlen);

	/* A link that cuts it must sum the pieces (IFCAP_CSUM_DATA); one
	 * that carries it whole (IFCAP_TSO_WHOLE) gets it summed here. */
	return (caps & IFCAP_TSO4) &&
	    (caps & (IFCAP_CSUM_DATA | IFCAP_TSO_WHOLE)) &&
	    len <= IP_MAXPACKET &&
	    piece != 0 && piece <= (size_t)atomic_load_relaxed(&ifp->if_mtu);
}

int
ip_output(struct mbuf *m, int flags)
{
	struct rt_nexthop nh;
	struct ifnet *ifp = NULL;
	struct ip *ip;
	uint32_t dst, nexthop, src;
	size_t hlen, len;
	int error;

	if (m->m_len < sizeof(struct ip) &&
	    m_pullup(&m, sizeof(struct ip)) != 0) {
		NETSTAT_INC(ips_odropped);
		return ENOBUFS;
	}
	ip = mtod(m, struct ip *);
	hlen = IP_HL(ip);
	if (hlen < sizeof(struct ip) || (m->m_len < hlen &&
	    m_pullup(&m, hlen) != 0)) {
		m_freem(m);
		return EINVAL;
	}
	ip = mtod(m, struct ip *);
	dst = ip->ip_dst;
	len = m->m_pkthdr.len;
	if (len > IP_MAXPACKET || len < hlen) {
		m_freem(m);
		return EMSGSIZE;
	}
	ip->ip_len = htons((uint16_t)len);
	if ((flags & IP_FORWARDING) == 0)
		NETSTAT_INC(ips_localout);

	/* Pick the interface and the next hop. */
	if (in_islocal(dst) || IN_LOOPBACK(ntohl(dst))) {
		ifp = lo0ifp;
		if (ifp == NULL) {
			error = ENETUNREACH;
			goto bad;
		}
		if_hold(ifp);
		nexthop = dst;
	} else if (dst == INADDR_BROADCAST) {
		ifp = in_bcastif();
		if (ifp == NULL) {
			error = ENETUNREACH;
			goto bad;
		}
		nexthop = dst;
	} else {
		error = rt_lookup(dst, &nh);
		if (error != 0) {
			NETSTAT_INC(ips_noroute);
			goto bad;
		}
		ifp = nh.nh_ifp;
		nexthop = nh.nh_addr;
	}
	if ((flags & IP_FORWARDING) == 0 && in_isbroadcast(dst, ifp) &&
	    (flags & IP_ALLOWBROADCAST) == 0) {
		error = EACCES;
		goto bad;
	}
	if (ip->ip_src == 0) {
		error = in_ifaddrfor(ifp, nexthop, &src);
		if (error != 0 && ifp == lo0ifp) {
			src = dst;
			error = 0;
		}
		if (error != 0)
			goto bad;
		ip->ip_src = src;
	}
	/* Forwarded packets keep their id (their fragments must match). */
	if ((flags & IP_FORWARDING) == 0 &&
	    ((flags & IP_RAWOUTPUT) == 0 || ip->ip_id == 0))
		ip->ip_id = ip_newid();
	if (m->m_pkthdr.csum_flags & M_CSUM_TSOv4) {
		if (len <= (size_t)atomic_load_relaxed(&ifp->if_mtu)) {
			/* One piece: an ordinary segment. */
			m->m_pkthdr.csum_flags &= ~M_CSUM_TSOv4;
		} else if (ip_tso_whole(ifp, m, hlen, len)) {
			if ((m->m_pkthdr.csum_flags & M_CSUM_DATA_OUT) &&
			    !(atomic_load_relaxed(&ifp->if_capenable) &
			    IFCAP_CSUM_DATA))
				in_delayed_cksum(m, hlen);
			ip_sethdrsum(ip, hlen);
			error = ifp->if_output(ifp, m, AF_INET, &nexthop);
			if_rele(ifp);
			return error;
		} else {
			error = ip_output_tso(ifp, m, hlen, nexthop);
			if_rele(ifp);
			return error;
		}
	}
	/* The payload sum the protocol left undone (mbuf.h): now, unless
	 * the interface does without it and the packet goes whole. */
	if ((m->m_pkthdr.csum_flags & M_CSUM_DATA_OUT) &&
	    (!(atomic_load_relaxed(&ifp->if_capenable) & IFCAP_CSUM_DATA) ||
	    len > (size_t)atomic_load_relaxed(&ifp->if_mtu))) {
		in_delayed_cksum(m, hlen);
		ip = mtod(m, struct ip *);
	}
	if (len <= (size_t)atomic_load_relaxed(&ifp->if_mtu)) {
		ip_sethdrsum(ip, hlen);
		error = ifp->if_output(ifp, m, AF_INET, &nexthop);
		if_rele(ifp);
		return error;
	}
	if (ntohs(ip->ip_off) & IP_DF) {
		NETSTAT_INC(ips_cantfrag);
		error = EMSGSIZE;
		goto bad;
	}
	error = ip_fragment(ifp, m, hlen,
	    (size_t)atomic_load_relaxed(&ifp->if_mtu), nexthop);
	if_rele(ifp);
	return error;
bad:
	if (ifp != NULL)
		if_rele(ifp);
	NETSTAT_INC(ips_odropped);
	m_freem(m);
	return error;
}
