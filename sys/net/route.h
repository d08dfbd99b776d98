/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * route.h: the IPv4 routing table.
 *
 * Each kernel has one table of routes: a destination prefix (dst/mask),
 * the interface, and for indirect routes a gateway on a directly
 * connected network.  Lookups pick the longest matching prefix (among
 * equal prefixes the lowest metric, then the oldest).  The default route
 * is 0.0.0.0/0.  At this scale the table is a list sorted by prefix
 * length, longest first: a lookup walks it to the first match.
 *
 * Interface routes (the connected network of an address) are added and
 * removed by netinet as addresses come and go; SIOCADDRT/SIOCDELRT and
 * rump_pub_netconfig_ipv4_gw add the rest.  Routes hold a reference to
 * their interface; rt_ifdetach drops the routes of a departing one.
 *
 * Addresses are uint32_t in network byte order throughout.
 *
 * Locking: [R] rt_lock (a leaf below the interface list lock).
 */
#ifndef _SYS_NET_ROUTE_H_
#define _SYS_NET_ROUTE_H_

#include "kern/kern.h"

struct ifnet;

/* RTF_IFROUTE (RUMP_RTF_IFROUTE in rumpdefs.h): the connected network of
 * an interface address, added and removed by netinet. */

struct rtentry {
	uint32_t rt_dst;                   /* [R] network order, masked */
	uint32_t rt_mask;                  /* [R] network order */
	uint32_t rt_gw;                    /* [R] 0 if direct */
	int rt_flags;                      /* [R] RTF_* */
	int rt_metric;                     /* [R] */
	struct ifnet *rt_ifp;              /* [R] held */
	uint64_t rt_use;                   /* [a] lookups that chose it */
	struct rtentry *rt_next;           /* [R] */
};

/* The result of a lookup: the interface (held: if_rele it) and the next
 * hop (the gateway, or dst itself). */
struct rt_nexthop {
	struct ifnet *nh_ifp;
	uint32_t nh_addr;
	int nh_flags;
	int nh_mtu;                        /* the interface's */
};

void rt_init(void);
/* 0, ENETUNREACH (no route), EHOSTUNREACH (a reject route). */
int rt_lookup(uint32_t dst, struct rt_nexthop *nh);
/* Add a route.  ifp NULL: the interface of the connected network that
 * holds gw (ENETUNREACH if none).  EEXIST for an identical route. */
int rt_add(uint32_t dst, uint32_t mask, uint32_t gw, int flags,
    struct ifnet *ifp, int metric);
/* Delete the first route with dst/mask (and gw, ifp where not 0/NULL).
 * ESRCH if none. */
int rt_delete(uint32_t dst, uint32_t mask, uint32_t gw, struct ifnet *ifp);
/* Delete every route through ifp. */
void rt_ifdetach(struct ifnet *ifp);
/* SIOCADDRT/SIOCDELRT on a kernel copy of the rtentry (dev: rt_dev's
 * name or NULL). */
int rt_ioctl(unsigned long cmd, const struct rump_rtentry *rt,
    const char *dev);
/* Call fn on a copy of each route, under no lock. */
void rt_walk(void (*fn)(const struct rtentry *rt, void *arg), void *arg);
/* RUMP_SIOCGRTABLE on the caller's struct rump_nettab (net_tables.h):
 * every route as a struct rump_rtrec, in lookup order. */
int rt_tableioctl(void *data);

#endif /* _SYS_NET_ROUTE_H_ */
