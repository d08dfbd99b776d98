/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_ether.c: Ethernet framing.  ether_input runs on the netisr thread
 * (if.c) for frames of Ethernet interfaces: it checks the header and the
 * destination, strips the header and hands the packet to IPv4 or ARP
 * (netisr_dispatch).  ether_output runs in the sender's context: it
 * resolves the next hop (ARP), prepends the header and calls the
 * driver's if_transmit.
 */
#include "kern/kern.h"
#include "net/if.h"
#include "net/if_ether.h"
#include "net/mbuf.h"

const uint8_t etherbroadcastaddr[ETHER_ADDR_LEN] =
    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static ether_resolver_t ether_resolver;    /* [I] */

void
ether_resolver_set(ether_resolver_t fn)
{
	atomic_store_release(&ether_resolver, fn);
}

void
ether_randaddr(uint8_t *ea)
{
	cprng_fast(ea, ETHER_ADDR_LEN);
	ea[0] = (uint8_t)((ea[0] & 0xfc) | 0x02);  /* local, unicast */
}

void
ether_ifattach(struct ifnet *ifp, const uint8_t *lla)
{
	ifp->if_type = ARPHRD_ETHER;
	ifp->if_hdrlen = ETHER_HDR_LEN;
	ifp->if_mtu = ETHERMTU;
	ifp->if_flags |= IFF_BROADCAST | IFF_MULTICAST;
	ifp->if_input = ether_input;
	ifp->if_output = ether_output;
	memcpy(ifp->if_hwaddr, lla, ETHER_ADDR_LEN);
}

void
ether_input(struct ifnet *ifp, struct mbuf *m)
{
	struct ether_header *eh;
	uint8_t own[ETHER_ADDR_LEN];
	uint16_t type;

	if (!if_isup(ifp)) {
		m_freem(m);
		return;
	}
	if (m->m_pkthdr.len < ETHER_HDR_LEN ||
	    m_pullup(&m, ETHER_HDR_LEN) != 0) {
		IF_STAT_INC(ifp, if_ierrors);
		m_freem(m);
		return;
	}
	IF_STAT_INC(ifp, if_ipackets);
	IF_STAT_ADD(ifp, if_ibytes, m->m_pkthdr.len);
	eh = mtod(m, struct ether_header *);
	mutex_enter(&ifp->if_lock);
	memcpy(own, ifp->if_hwaddr, ETHER_ADDR_LEN);
	mutex_exit(&ifp->if_lock);
	if (eh->ether_dhost[0] & 1) {
		if (memcmp(eh->ether_dhost, etherbroadcastaddr,
		    ETHER_ADDR_LEN) == 0)
			m->m_flags |= M_BCAST;
		else
			m->m_flags |= M_MCAST;
	} else if (memcmp(eh->ether_dhost, own, ETHER_ADDR_LEN) != 0) {
		/* Another station's frame (promiscuous mode has no taker
		 * above us yet). */
		m_freem(m);
		return;
	}
	if (memcmp(eh->ether_shost, own, ETHER_ADDR_LEN) == 0) {
		/* Our own frame coming back. */
		m_freem(m);
		return;
	}
	type = ntohs(eh->ether_type);
	m_adj(m, ETHER_HDR_LEN);
	switch (type) {
	case ETHERTYPE_IP:
		netisr_dispatch(NETISR_IP, ifp, m);
		break;
	case ETHERTYPE_ARP:
		netisr_dispatch(NETISR_ARP, ifp, m);
		break;
	default:
		IF_STAT_INC(ifp, if_iqdrops);
		m_freem(m);
		break;
	}
}

int
ether_output_frame(struct ifnet *ifp, struct mbuf *m, const uint8_t *dst,
    uint16_t type)
{
	struct ether_header *eh;
	int error;

	if (!if_isup(ifp)) {
		m_freem(m);
		return ENETDOWN;
	}
	error = m_prepend(&m, ETHER_HDR_LEN, M_DONTWAIT);
	if (error != 0) {
		IF_STAT_INC(ifp, if_oerrors);
		return error;
	}
	eh = mtod(m, struct ether_header *);
	memcpy(eh->ether_dhost, dst, ETHER_ADDR_LEN);
	mutex_enter(&ifp->if_lock);
	memcpy(eh->ether_shost, ifp->if_hwaddr, ETHER_ADDR_LEN);
	mutex_exit(&ifp->if_lock);
	eh->ether_type = htons(type);
	return ifp->if_transmit(ifp, m);
}

int
ether_output(struct ifnet *ifp, struct mbuf *m, int af, const void *nexthop)
{
	uint8_t dst[ETHER_ADDR_LEN];
	ether_resolver_t res = atomic_load_acquire(&ether_resolver);
	uint32_t nh;
	int error;

	if (af != AF_INET || res == NULL) {
		m_freem(m);
		return EAFNOSUPPORT;
	}
	memcpy(&nh, nexthop, sizeof(nh));
	error = res(ifp, m, nh, dst);
	if (error == EJUSTRETURN)
		return 0;
	if (error != 0) {
		m_freem(m);
		return error;
	}
	return ether_output_frame(ifp, m, dst, ETHERTYPE_IP);
}
