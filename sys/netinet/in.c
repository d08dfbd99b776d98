/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * in.c: IPv4 interface addresses.  An interface has any number of
 * addresses, each with its netmask and broadcast address.  The first
 * one on the list for an interface is its primary address: the one the
 * SIOCSIF and SIOCGIF ioctls (ifioctl in sys/net/if.c calls in_control
 * through the interface layer's hooks) set and read.  RUMP_SIOCAIFADDR
 * adds more (aliases), SIOCDIFADDR deletes one, and
 * RUMP_SIOCGIFADDRTABLE lists them all (net_tables.c).  Adding an
 * address adds the route of its connected network and sends a gratuitous
 * ARP; an interface that goes away takes its addresses, their routes and
 * its ARP entries with it.  ip_input, ip_output, ARP and the pcb code
 * ask here whether an address is ours or a broadcast address, and which
 * of an interface's addresses to send from (the one whose network holds
 * the next hop, else the primary).
 *
 * Locking: in_lock [A] (in_impl.h) covers the list.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/syscall.h"
#include "net/if.h"
#include "net/net_tables.h"
#include "net/route.h"
#include "netinet/in_impl.h"

#define IN_MAXADDRS 1024                   /* addresses per kernel */

krwlock_t in_lock;
static struct in_ifaddr *in_ifaddrs;       /* [A] first of an if: primary */
static unsigned in_naddrs;                 /* [A] */
int ip_forwarding = 1;

void
in_init(void)
{
	rw_init(&in_lock, "in_ifaddr");
}

/* The primary address of ifp (in_lock held). */
static struct in_ifaddr *
in_ifaddr_find(struct ifnet *ifp)
{
	struct in_ifaddr *ia;

	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next)
		if (ia->ia_ifp == ifp)
			return ia;
	return NULL;
}

/* The address addr of ifp, or of any interface if ifp is NULL (in_lock
 * held). */
static struct in_ifaddr *
in_ifaddr_lookup(struct ifnet *ifp, uint32_t addr)
{
	struct in_ifaddr *ia;

	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next)
		if (ia->ia_addr == addr && (ifp == NULL || ia->ia_ifp == ifp))
			return ia;
	return NULL;
}

bool
in_ifhasaddr(struct ifnet *ifp, uint32_t addr)
{
	bool found;

	rw_enter(&in_lock, RW_READER);
	found = in_ifaddr_lookup(ifp, addr) != NULL;
	rw_exit(&in_lock);
	return found;
}

int
in_ifaddrfor(struct ifnet *ifp, uint32_t to, uint32_t *addrp)
{
	struct in_ifaddr *ia, *first = NULL;

	rw_enter(&in_lock, RW_READER);
	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next) {
		if (ia->ia_ifp != ifp)
			continue;
		if (first == NULL)
			first = ia;
		if ((to & ia->ia_mask) == (ia->ia_addr & ia->ia_mask))
			break;
	}
	if (ia == NULL)
		ia = first;
	if (ia != NULL)
		*addrp = ia->ia_addr;
	rw_exit(&in_lock);
	return ia != NULL ? 0 : EADDRNOTAVAIL;
}

bool
in_islocal(uint32_t addr)
{
	struct in_ifaddr *ia;
	bool found = false;

	if (IN_LOOPBACK(ntohl(addr)))
		return true;
	rw_enter(&in_lock, RW_READER);
	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next)
		if (ia->ia_addr == addr) {
			found = true;
			break;
		}
	rw_exit(&in_lock);
	return found;
}

bool
in_isbroadcast(uint32_t addr, struct ifnet *ifp)
{
	struct in_ifaddr *ia;
	bool found = false;

	if (addr == INADDR_BROADCAST)
		return true;
	rw_enter(&in_lock, RW_READER);
	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next) {
		if (ifp != NULL && ia->ia_ifp != ifp)
			continue;
		if (ia->ia_mask != 0xffffffffU && addr == ia->ia_broad) {
			found = true;
			break;
		}
	}
	rw_exit(&in_lock);
	return found;
}

int
in_ifaddrof(struct ifnet *ifp, uint32_t *addrp)
{
	struct in_ifaddr *ia;
	int error = EADDRNOTAVAIL;

	rw_enter(&in_lock, RW_READER);
	ia = in_ifaddr_find(ifp);
	if (ia != NULL) {
		*addrp = ia->ia_addr;
		error = 0;
	}
	rw_exit(&in_lock);
	return error;
}

struct ifnet *
in_bcastif(void)
{
	struct in_ifaddr *ia;
	struct ifnet *ifp = NULL;

	rw_enter(&in_lock, RW_READER);
	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next) {
		if (if_isup(ia->ia_ifp) &&
		    (ia->ia_ifp->if_flags & IFF_LOOPBACK) == 0) {
			ifp = ia->ia_ifp;
			if_hold(ifp);
			break;
		}
	}
	rw_exit(&in_lock);
	return ifp;
}

int
in_selectsrc(uint32_t dst, uint32_t *srcp)
{
	struct rt_nexthop nh;
	struct ifnet *ifp;
	int error;

	if (IN_LOOPBACK(ntohl(dst))) {
		*srcp = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (in_islocal(dst)) {
		*srcp = dst;
		return 0;
	}
	if (dst == INADDR_BROADCAST) {
		ifp = in_bcastif();
		if (ifp == NULL)
			return ENETUNREACH;
		error = in_ifaddrof(ifp, srcp);
		if_rele(ifp);
		return error;
	}
	error = rt_lookup(dst, &nh);
	if (error != 0)
		return error;
	error = in_ifaddrfor(nh.nh_ifp, nh.nh_addr, srcp);
	if_rele(nh.nh_ifp);
	return error;
}

/* The classful mask Linux gives a new address before SIOCSIFNETMASK. */
static uint32_t
in_classmask(uint32_t addr)
{
	uint32_t a = ntohl(addr);

	if ((a & 0x80000000U) == 0)
		return htonl(0xff000000U);
	if ((a & 0xc0000000U) == 0x80000000U)
		return htonl(0xffff0000U);
	return htonl(0xffffff00U);
}

static void
in_mksin(struct rump_sockaddr *sa, uint32_t addr)
{
	struct rump_sockaddr_in *sin = (struct rump_sockaddr_in *)(void *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
}

static int
in_getsin(const struct rump_sockaddr *sa, uint32_t *addrp)
{
	const struct rump_sockaddr_in *sin =
	    (const struct rump_sockaddr_in *)(const void *)sa;

	if (sin->sin_family != AF_INET)
		return EINVAL;
	*addrp = sin->sin_addr.s_addr;
	return 0;
}

/* The connected route of addr/mask goes, unless another address of ifp
 * still has that network. */
static void
in_ifroute_release(struct ifnet *ifp, uint32_t addr, uint32_t mask)
{
	struct in_ifaddr *ia;
	bool used = false;

	rw_enter(&in_lock, RW_READER);
	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next)
		if (ia->ia_ifp == ifp && ia->ia_addr != addr &&
		    ia->ia_mask == mask &&
		    (ia->ia_addr & mask) == (addr & mask))
			used = true;
	rw_exit(&in_lock);
	if (!used)
		(void)rt_delete(addr & mask, mask, 0, ifp);
}

static int
in_ifroute_add(struct ifnet *ifp, uint32_t addr, uint32_t mask)
{
	int error;

	error = rt_add(addr & mask, mask, 0, RTF_IFROUTE, ifp, 0);
	return error == EEXIST ? 0 : error;
}

static int
in_setaddr(struct ifnet *ifp, uint32_t addr)
{
	struct in_ifaddr *ia, *nia = NULL, *p;
	uint32_t oaddr = 0, omask = 0;
	bool had;
	uint32_t a = ntohl(addr);

	if (addr == 0 || addr == INADDR_BROADCAST || IN_CLASSD(a) ||
	    (a & 0xf0000000U) == 0xf0000000U)
		return EINVAL;
	nia = kmem_zalloc(sizeof(*nia), KM_SLEEP);
	rw_enter(&in_lock, RW_WRITER);
	ia = in_ifaddr_find(ifp);
	for (p = in_ifaddrs; p != NULL; p = p->ia_next) {
		if (p->ia_addr == addr && p != ia) {
			rw_exit(&in_lock);
			kmem_free(nia, sizeof(*nia));
			return EEXIST;
		}
	}
	had = ia != NULL;
	if (ia == NULL) {
		if (in_naddrs >= IN_MAXADDRS) {
			rw_exit(&in_lock);
			kmem_free(nia, sizeof(*nia));
			return ENOBUFS;
		}
		in_naddrs++;
		ia = nia;
		nia = NULL;
		ia->ia_ifp = ifp;
		ia->ia_mask = (ifp->if_flags & IFF_LOOPBACK) ?
		    htonl(0xff000000U) : in_classmask(addr);
		ia->ia_next = in_ifaddrs;
		in_ifaddrs = ia;
	} else {
		oaddr = ia->ia_addr;
		omask = ia->ia_mask;
	}
	ia->ia_addr = addr;
	ia->ia_broad = addr | ~ia->ia_mask;
	rw_exit(&in_lock);
	if (nia != NULL)
		kmem_free(nia, sizeof(*nia));
	if (had)
		in_ifroute_release(ifp, oaddr, omask);
	(void)in_ifroute_add(ifp, addr, ia->ia_mask);
	if (ifp->if_type == ARPHRD_ETHER) {
		arp_ifflush(ifp);
		if (if_isup(ifp))
			arp_gratuitous(ifp, addr);
	}
	return 0;
}

static int
in_setmask(struct ifnet *ifp, uint32_t mask)
{
	struct in_ifaddr *ia;
	uint32_t addr, omask, hm = ntohl(mask);

	if (hm != 0 && (hm | (hm - 1)) != 0xffffffffU)
		return EINVAL;
	rw_enter(&in_lock, RW_WRITER);
	ia = in_ifaddr_find(ifp);
	if (ia == NULL) {
		rw_exit(&in_lock);
		return EADDRNOTAVAIL;
	}
	addr = ia->ia_addr;
	omask = ia->ia_mask;
	ia->ia_mask = mask;
	ia->ia_broad = addr | ~mask;
	rw_exit(&in_lock);
	in_ifroute_release(ifp, addr, omask);
	return in_ifroute_add(ifp, addr, mask);
}

/* Delete address addr of ifp (0: the primary one).  EADDRNOTAVAIL. */
static int
in_deladdr(struct ifnet *ifp, uint32_t addr)
{
	struct in_ifaddr *ia, **pp;

	rw_enter(&in_lock, RW_WRITER);
	for (pp = &in_ifaddrs; (ia = *pp) != NULL; pp = &ia->ia_next)
		if (ia->ia_ifp == ifp && (addr == 0 || ia->ia_addr == addr))
			break;
	if (ia == NULL) {
		rw_exit(&in_lock);
		return EADDRNOTAVAIL;
	}
	*pp = ia->ia_next;
	in_naddrs--;
	rw_exit(&in_lock);
	in_ifroute_release(ifp, ia->ia_addr, ia->ia_mask);
	if (ifp->if_type == ARPHRD_ETHER)
		arp_ifflush(ifp);
	kmem_free(ia, sizeof(*ia));
	return 0;
}

/* RUMP_SIOCAIFADDR: add an address to ifp, or change the mask and
 * broadcast address of one it has. */
static int
in_aifaddr(struct ifnet *ifp, const struct rump_in_aliasreq *ifra)
{
	struct in_ifaddr *ia, *nia;
	uint32_t addr, mask, broad = 0, omask = 0, a, hm;
	bool had = false;
	int error;

	if ((error = in_getsin(&ifra->ifra_addr, &addr)) != 0)
		return error;
	a = ntohl(addr);
	if (addr == 0 || addr == INADDR_BROADCAST || IN_CLASSD(a) ||
	    (a & 0xf0000000U) == 0xf0000000U)
		return EINVAL;
	if (ifra->ifra_mask.sa_family == AF_UNSPEC)
		mask = (ifp->if_flags & IFF_LOOPBACK) ?
		    htonl(0xff000000U) : in_classmask(addr);
	else if ((error = in_getsin(&ifra->ifra_mask, &mask)) != 0)
		return error;
	hm = ntohl(mask);
	if (hm != 0 && (hm | (hm - 1)) != 0xffffffffU)
		return EINVAL;
	if (ifra->ifra_broadaddr.sa_family != AF_UNSPEC &&
	    (error = in_getsin(&ifra->ifra_broadaddr, &broad)) != 0)
		return error;
	if (broad == 0)
		broad = addr | ~mask;
	nia = kmem_zalloc(sizeof(*nia), KM_SLEEP);
	rw_enter(&in_lock, RW_WRITER);
	ia = in_ifaddr_lookup(NULL, addr);
	if (ia != NULL && ia->ia_ifp != ifp) {
		rw_exit(&in_lock);
		kmem_free(nia, sizeof(*nia));
		return EEXIST;
	}
	if (ia == NULL) {
		struct in_ifaddr **pp;

		if (in_naddrs >= IN_MAXADDRS) {
			rw_exit(&in_lock);
			kmem_free(nia, sizeof(*nia));
			return ENOBUFS;
		}
		in_naddrs++;
		/* At the end: the primary address stays first. */
		ia = nia;
		nia = NULL;
		ia->ia_ifp = ifp;
		ia->ia_addr = addr;
		for (pp = &in_ifaddrs; *pp != NULL; pp = &(*pp)->ia_next)
			continue;
		*pp = ia;
	} else {
		had = true;
		omask = ia->ia_mask;
	}
	ia->ia_mask = mask;
	ia->ia_broad = broad;
	rw_exit(&in_lock);
	if (nia != NULL)
		kmem_free(nia, sizeof(*nia));
	if (had && omask != mask)
		in_ifroute_release(ifp, addr, omask);
	error = in_ifroute_add(ifp, addr, mask);
	if (error != 0) {
		/* No address without its connected route. */
		if (!had)
			(void)in_deladdr(ifp, addr);
		return error;
	}
	if (!had && ifp->if_type == ARPHRD_ETHER && if_isup(ifp))
		arp_gratuitous(ifp, addr);
	return 0;
}

/* nettab_fill_t for RUMP_SIOCGIFADDRTABLE (takes in_lock). */
static unsigned
in_addrtab_fill(void *buf, unsigned max, void *arg)
{
	struct rump_ifaddrrec *ir = buf;
	struct in_ifaddr *ia, *p;
	unsigned n = 0;

	(void)arg;
	rw_enter(&in_lock, RW_READER);
	for (ia = in_ifaddrs; ia != NULL; ia = ia->ia_next, n++) {
		if (n >= max)
			continue;
		memset(&ir[n], 0, sizeof(ir[n]));
		ir[n].ir_addr = ia->ia_addr;
		ir[n].ir_mask = ia->ia_mask;
		ir[n].ir_broad = ia->ia_broad;
		for (p = in_ifaddrs; p->ia_ifp != ia->ia_ifp; p = p->ia_next)
			continue;
		if (p == ia)
			ir[n].ir_flags |= IFA_PRIMARY;
		/* Addresses go before their interface does. */
		strlcpy(ir[n].ir_ifname, ia->ia_ifp->if_xname,
		    sizeof(ir[n].ir_ifname));
	}
	rw_exit(&in_lock);
	return n;
}

int
in_addrioctl(unsigned long cmd, void *data)
{
	struct rump_in_aliasreq ifra;
	struct ifnet *ifp;
	int error;

	if (cmd == SIOCGIFADDRTABLE)
		return nettab_ioctl(data, sizeof(struct rump_ifaddrrec),
		    in_addrtab_fill, NULL);
	if (cmd != SIOCAIFADDR)
		return ENOTTY;
	error = copyin(data, &ifra, sizeof(ifra));
	if (error != 0)
		return error;
	ifra.ifra_name[sizeof(ifra.ifra_name) - 1] = '\0';
	ifp = if_byname(ifra.ifra_name);
	if (ifp == NULL)
		return ENODEV;
	error = in_aifaddr(ifp, &ifra);
	if_rele(ifp);
	return error;
}

int
in_control(struct ifnet *ifp, unsigned long cmd, struct rump_ifreq *ifr)
{
	struct in_ifaddr *ia;
	uint32_t v;
	int error;

	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
		rw_enter(&in_lock, RW_READER);
		ia = in_ifaddr_find(ifp);
		if (ia == NULL) {
			rw_exit(&in_lock);
			return EADDRNOTAVAIL;
		}
		v = cmd == SIOCGIFADDR ? ia->ia_addr :
		    cmd == SIOCGIFNETMASK ? ia->ia_mask : ia->ia_broad;
		rw_exit(&in_lock);
		in_mksin(&ifr->ifr_ifru.ifru_addr, v);
		return 0;
	case SIOCSIFADDR:
		if ((error = in_getsin(&ifr->ifr_ifru.ifru_addr, &v)) != 0)
			return error;
		return in_setaddr(ifp, v);
	case SIOCSIFNETMASK:
		if ((error = in_getsin(&ifr->ifr_ifru.ifru_netmask, &v)) != 0)
			return error;
		return in_setmask(ifp, v);
	case SIOCSIFBRDADDR:
		if ((error = in_getsin(&ifr->ifr_ifru.ifru_broadaddr, &v)) != 0)
			return error;
		rw_enter(&in_lock, RW_WRITER);
		ia = in_ifaddr_find(ifp);
		if (ia != NULL)
			ia->ia_broad = v;
		rw_exit(&in_lock);
		return ia != NULL ? 0 : EADDRNOTAVAIL;
	case SIOCDIFADDR:
		/* An AF_INET address: that one; else the primary. */
		v = 0;
		if (ifr->ifr_ifru.ifru_addr.sa_family == AF_INET)
			(void)in_getsin(&ifr->ifr_ifru.ifru_addr, &v);
		return in_deladdr(ifp, v);
	}
	return ENOTTY;
}

void
in_ifchange(struct ifnet *ifp, bool detach)
{
	uint32_t addr;

	if (detach) {
		while (in_deladdr(ifp, 0) == 0)
			continue;
		if (ifp->if_type == ARPHRD_ETHER)
			arp_ifflush(ifp);
		return;
	}
	if (ifp->if_type != ARPHRD_ETHER)
		return;
	arp_ifflush(ifp);
	if (if_isup(ifp) && in_ifaddrof(ifp, &addr) == 0)
		arp_gratuitous(ifp, addr);
}
