/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * route.c: the IPv4 routing table (route.h): longest-prefix lookup, add,
 * delete, the interface's departure, SIOCADDRT/SIOCDELRT, and the
 * table's export (RUMP_SIOCGRTABLE, through net_tables.c).
 *
 * Callers: ip_output and ip_forward (rt_lookup), netinet's address code
 * (interface routes), ifioctl (the route ioctls), if_detach.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "net/if.h"
#include "net/net_tables.h"
#include "net/route.h"

static kmutex_t rt_lock;
static struct rtentry *rt_list;            /* [R] longest prefix first */
static unsigned rt_count;                  /* [R] */

#define RT_MAX 4096                        /* routes per kernel */

static unsigned
rt_prefixlen(uint32_t mask)
{
	return (unsigned)__builtin_popcount(mask);
}

void
rt_init(void)
{
	mutex_init(&rt_lock, MUTEX_DEFAULT, "route");
}

int
rt_lookup(uint32_t dst, struct rt_nexthop *nh)
{
	struct rtentry *rt;

	mutex_enter(&rt_lock);
	for (rt = rt_list; rt != NULL; rt = rt->rt_next) {
		if ((dst & rt->rt_mask) != rt->rt_dst)
			continue;
		if (rt->rt_ifp != NULL && !if_isup(rt->rt_ifp))
			continue;
		break;
	}
	if (rt == NULL) {
		mutex_exit(&rt_lock);
		return ENETUNREACH;
	}
	if (rt->rt_flags & RTF_REJECT) {
		mutex_exit(&rt_lock);
		return EHOSTUNREACH;
	}
	atomic_inc(&rt->rt_use);
	nh->nh_ifp = rt->rt_ifp;
	if_hold(nh->nh_ifp);
	nh->nh_addr = (rt->rt_flags & RTF_GATEWAY) ? rt->rt_gw : dst;
	nh->nh_flags = rt->rt_flags;
	nh->nh_mtu = atomic_load_relaxed(&rt->rt_ifp->if_mtu);
	mutex_exit(&rt_lock);
	return 0;
}

/* The interface of the connected network holding addr (rt_lock held). */
static struct ifnet *
rt_ifforgw(uint32_t addr)
{
	struct rtentry *rt;

	for (rt = rt_list; rt != NULL; rt = rt->rt_next)
		if ((rt->rt_flags & RTF_GATEWAY) == 0 &&
		    (rt->rt_flags & RTF_REJECT) == 0 &&
		    (addr & rt->rt_mask) == rt->rt_dst)
			return rt->rt_ifp;
	return NULL;
}

int
rt_add(uint32_t dst, uint32_t mask, uint32_t gw, int flags,
    struct ifnet *ifp, int metric)
{
	struct rtentry *rt, *p, **pp;
	unsigned plen = rt_prefixlen(ntohl(mask));

	/* The mask must be contiguous. */
	if (mask != 0 && (ntohl(mask) | (ntohl(mask) - 1)) != 0xffffffffU)
		return EINVAL;
	if (gw == 0)
		flags &= ~RTF_GATEWAY;
	if (gw != 0 && (flags & RTF_GATEWAY) == 0)
		flags |= RTF_GATEWAY;
	rt = kmem_zalloc(sizeof(*rt), KM_SLEEP);
	rt->rt_dst = dst & mask;
	rt->rt_mask = mask;
	rt->rt_gw = gw;
	rt->rt_flags = flags | RTF_UP;
	rt->rt_metric = metric;
	mutex_enter(&rt_lock);
	if (ifp == NULL && (flags & RTF_REJECT) == 0) {
		ifp = gw != 0 ? rt_ifforgw(gw) : NULL;
		if (ifp == NULL) {
			mutex_exit(&rt_lock);
			kmem_free(rt, sizeof(*rt));
			return ENETUNREACH;
		}
	}
	if (ifp == NULL)
		ifp = lo0ifp;
	if (ifp == NULL || rt_count >= RT_MAX) {
		mutex_exit(&rt_lock);
		kmem_free(rt, sizeof(*rt));
		return ifp == NULL ? ENETUNREACH : ENOBUFS;
	}
	for (p = rt_list; p != NULL; p = p->rt_next) {
		if (p->rt_dst == rt->rt_dst && p->rt_mask == mask &&
		    p->rt_gw == gw && p->rt_ifp == ifp &&
		    p->rt_metric == metric) {
			mutex_exit(&rt_lock);
			kmem_free(rt, sizeof(*rt));
			return EEXIST;
		}
	}
	rt->rt_ifp = ifp;
	if_hold(ifp);
	/* After all routes of a longer or equal prefix and lower metric. */
	for (pp = &rt_list; (p = *pp) != NULL; pp = &p->rt_next) {
		unsigned pl = rt_prefixlen(ntohl(p->rt_mask));
		if (pl < plen || (pl == plen && p->rt_metric > metric))
			break;
	}
	rt->rt_next = *pp;
	*pp = rt;
	rt_count++;
	mutex_exit(&rt_lock);
	return 0;
}

int
rt_delete(uint32_t dst, uint32_t mask, uint32_t gw, struct ifnet *ifp)
{
	struct rtentry *rt, **pp;

	mutex_enter(&rt_lock);
	for (pp = &rt_list; (rt = *pp) != NULL; pp = &rt->rt_next) {
		if (rt->rt_dst == (dst & mask) && rt->rt_mask == mask &&
		    (gw == 0 || rt->rt_gw == gw) &&
		    (ifp == NULL || rt->rt_ifp == ifp))
			break;
	}
	if (rt == NULL) {
		mutex_exit(&rt_lock);
		return ESRCH;
	}
	*pp = rt->rt_next;
	rt_count--;
	mutex_exit(&rt_lock);
	if_rele(rt->rt_ifp);
	kmem_free(rt, sizeof(*rt));
	return 0;
}

void
rt_ifdetach(struct ifnet *ifp)
{
	struct rtentry *rt, **pp, *gone = NULL;

	mutex_enter(&rt_lock);
	for (pp = &rt_list; (rt = *pp) != NULL;) {
		if (rt->rt_ifp == ifp) {
			*pp = rt->rt_next;
			rt->rt_next = gone;
			gone = rt;
			rt_count--;
		} else {
			pp = &rt->rt_next;
		}
	}
	mutex_exit(&rt_lock);
	while ((rt = gone) != NULL) {
		gone = rt->rt_next;
		if_rele(rt->rt_ifp);
		kmem_free(rt, sizeof(*rt));
	}
}

void
rt_walk(void (*fn)(const struct rtentry *rt, void *arg), void *arg)
{
	struct rtentry *copy, *rt;
	unsigned n = 0, i;

	mutex_enter(&rt_lock);
	copy = kmem_alloc(sizeof(*copy) * (rt_count + 1), KM_NOSLEEP);
	if (copy == NULL) {
		mutex_exit(&rt_lock);
		return;
	}
	for (rt = rt_list; rt != NULL; rt = rt->rt_next)
		copy[n++] = *rt;
	i = rt_count + 1;
	mutex_exit(&rt_lock);
	for (unsigned k = 0; k < n; k++)
		fn(&copy[k], arg);
	kmem_free(copy, sizeof(*copy) * i);
}

static int
rt_sin(const struct rump_sockaddr *sa, uint32_t *addrp)
{
	const struct rump_sockaddr_in *sin =
	    (const struct rump_sockaddr_in *)(const void *)sa;

	if (sin->sin_family != AF_INET && sin->sin_family != AF_UNSPEC)
		return EAFNOSUPPORT;
	*addrp = sin->sin_family == AF_UNSPEC ? 0 : sin->sin_addr.s_addr;
	return 0;
}

int
rt_ioctl(unsigned long cmd, const struct rump_rtentry *re, const char *dev)
{
	struct ifnet *ifp = NULL;
	uint32_t dst, gw, mask;
	int flags, error;

	if ((error = rt_sin(&re->rt_dst, &dst)) != 0 ||
	    (error = rt_sin(&re->rt_gateway, &gw)) != 0 ||
	    (error = rt_sin(&re->rt_genmask, &mask)) != 0)
		return error;
	if (re->rt_flags & RTF_HOST)
		mask = 0xffffffffU;
	if ((dst & mask) != dst)
		return EINVAL;
	flags = re->rt_flags & (RTF_GATEWAY | RTF_HOST | RTF_REJECT);
	if ((flags & RTF_GATEWAY) == 0)
		gw = 0;
	else if (gw == 0)
		return EINVAL;
	if (dev != NULL) {
		ifp = if_byname(dev);
		if (ifp == NULL)
			return ENODEV;
	}
	if (cmd == SIOCADDRT)
		error = rt_add(dst, mask, gw, flags, ifp, re->rt_metric);
	else
		error = rt_delete(dst, mask, gw, ifp);
	if (ifp != NULL)
		if_rele(ifp);
	return error;
}

/* nettab_fill_t for RUMP_SIOCGRTABLE (takes rt_lock). */
static unsigned
rt_tablefill(void *buf, unsigned max, void *arg)
{
	struct rump_rtrec *rr = buf;
	struct rtentry *rt;
	unsigned n;

	(void)arg;
	mutex_enter(&rt_lock);
	n = rt_count;
	for (rt = rt_list; rt != NULL && max > 0; rt = rt->rt_next, max--) {
		memset(rr, 0, sizeof(*rr));
		rr->rr_dst = rt->rt_dst;
		rr->rr_mask = rt->rt_mask;
		rr->rr_gateway = rt->rt_gw;
		rr->rr_flags = (uint32_t)rt->rt_flags;
		rr->rr_metric = rt->rt_metric;
		rr->rr_use = atomic_load_relaxed(&rt->rt_use);
		/* if_xname is immutable and the route holds the ifnet. */
		strlcpy(rr->rr_ifname, rt->rt_ifp->if_xname,
		    sizeof(rr->rr_ifname));
		rr++;
	}
	mutex_exit(&rt_lock);
	return n;
}

int
rt_tableioctl(void *data)
{
	return nettab_ioctl(data, sizeof(struct rump_rtrec), rt_tablefill,
	    NULL);
}
