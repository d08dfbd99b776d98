/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_ether.h: Ethernet framing (if_ether.c).
 *
 * Drivers of Ethernet interfaces (shmif, virtif) set if_input to
 * ether_input and if_output to ether_output (ether_ifattach does both).
 * ether_output asks the protocol's resolver (ARP for AF_INET, set by
 * netinet with ether_resolver_set) for the next hop's MAC address; the
 * resolver may keep the packet until the answer comes (EJUSTRETURN).
 *
 * Locking: none of its own ([I] the resolver is set once at init).
 */
#ifndef _SYS_NET_IF_ETHER_H_
#define _SYS_NET_IF_ETHER_H_

#include "kern/kern.h"

struct ifnet;
struct mbuf;

#define ETHER_ADDR_LEN  6
#define ETHER_HDR_LEN   14
#define ETHER_MAX_LEN   1518               /* with the 4-byte FCS */
#define ETHER_MIN_LEN   64
#define ETHERMTU        1500
#define ETHERTYPE_IP    0x0800
#define ETHERTYPE_ARP   0x0806

/* Not an error: the packet was kept (or consumed) and will go later. */
#define EJUSTRETURN     (-2)

struct ether_header {
	uint8_t ether_dhost[ETHER_ADDR_LEN];
	uint8_t ether_shost[ETHER_ADDR_LEN];
	uint16_t ether_type;               /* network order */
} __attribute__((__packed__));

extern const uint8_t etherbroadcastaddr[ETHER_ADDR_LEN];

/*
 * Resolver for AF_INET: fill dst (6 bytes) for nexthop.  Returns 0 (send
 * now), EJUSTRETURN (m was kept or freed: the caller forgets it) or an
 * errno (m not consumed: the caller frees it).
 */
typedef int (*ether_resolver_t)(struct ifnet *ifp, struct mbuf *m,
    uint32_t nexthop, uint8_t *dst);
void ether_resolver_set(ether_resolver_t fn);

void ether_ifattach(struct ifnet *ifp, const uint8_t *lla);
void ether_input(struct ifnet *ifp, struct mbuf *m);
int ether_output(struct ifnet *ifp, struct mbuf *m, int af,
    const void *nexthop);
/* Send a frame with the given destination and type (ARP).  Consumes m. */
int ether_output_frame(struct ifnet *ifp, struct mbuf *m,
    const uint8_t *dst, uint16_t type);
/* A random locally administered unicast address. */
void ether_randaddr(uint8_t *ea);

#endif /* _SYS_NET_IF_ETHER_H_ */
