/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netconfig.c: the convenience API of include/rump/netconfig.h.  Each
 * function enters the kernel, builds the ioctl structure a tool would
 * pass and calls ifioctl() (if.c) with it, so the API and the ioctls
 * share every check.
 */
#include "kern/kern.h"
#include "kern/lwp.h"
#include "net/if.h"
#include "net/mbuf.h"
#include <rump/netconfig.h>

/* Parse a dotted quad strictly ("10.0.0.1").  0 or EINVAL. */
static int
nc_aton(const char *s, uint32_t *addrp)
{
	uint32_t a = 0, part;
	int i, digits;

	if (s == NULL)
		return EINVAL;
	for (i = 0; i < 4; i++) {
		part = 0;
		for (digits = 0; *s >= '0' && *s <= '9'; s++, digits++) {
			part = part * 10 + (uint32_t)(*s - '0');
			if (part > 255 || digits > 2)
				return EINVAL;
		}
		if (digits == 0)
			return EINVAL;
		a = (a << 8) | part;
		if (i < 3 && *s++ != '.')
			return EINVAL;
	}
	if (*s != '\0')
		return EINVAL;
	*addrp = htonl(a);
	return 0;
}

static void
nc_sin(struct rump_sockaddr *sa, uint32_t addr)
{
	struct rump_sockaddr_in *sin = (struct rump_sockaddr_in *)(void *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
}

static int
nc_ifreq(struct rump_ifreq *ifr, const char *ifname)
{
	memset(ifr, 0, sizeof(*ifr));
	if (ifname == NULL || strlen(ifname) >= IFNAMSIZ)
		return EINVAL;
	strlcpy(ifr->ifr_ifrn.ifrn_name, ifname, IFNAMSIZ);
	return 0;
}

static int
nc_ioctl(unsigned long cmd, void *data)
{
	int error;

	rump_schedule();
	error = ifioctl(cmd, data, curlwp);
	rump_unschedule();
	return error == ENODEV ? ENXIO : error;
}

static int
nc_flags(const char *ifname, bool up)
{
	struct rump_ifreq ifr;
	int error;

	if ((error = nc_ifreq(&ifr, ifname)) != 0)
		return error;
	if ((error = nc_ioctl(SIOCGIFFLAGS, &ifr)) != 0)
		return error;
	if (up)
		ifr.ifr_ifru.ifru_flags |= IFF_UP;
	else
		ifr.ifr_ifru.ifru_flags &= ~IFF_UP;
	return nc_ioctl(SIOCSIFFLAGS, &ifr);
}

int
rump_pub_netconfig_ifcreate(const char *ifname)
{
	struct rump_ifreq ifr;
	int error;

	if ((error = nc_ifreq(&ifr, ifname)) != 0)
		return error;
	return nc_ioctl(SIOCIFCREATE, &ifr);
}

int
rump_pub_netconfig_ifdestroy(const char *ifname)
{
	struct rump_ifreq ifr;
	int error;

	if ((error = nc_ifreq(&ifr, ifname)) != 0)
		return error;
	return nc_ioctl(SIOCIFDESTROY, &ifr);
}

int
rump_pub_netconfig_ifup(const char *ifname)
{
	return nc_flags(ifname, true);
}

int
rump_pub_netconfig_ifdown(const char *ifname)
{
	return nc_flags(ifname, false);
}

int
rump_pub_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr)
{
	struct rump_ifreq ifr;
	int error;

	if ((error = nc_ifreq(&ifr, ifname)) != 0)
		return error;
	ifr.ifr_ifru.ifru_data = (void *)(uintptr_t)linkstr;
	return nc_ioctl(SIOCSLINKSTR, &ifr);
}

int
rump_pub_netconfig_ifmtu(const char *ifname, int mtu)
{
	struct rump_ifreq ifr;
	int error;

	if ((error = nc_ifreq(&ifr, ifname)) != 0)
		return error;
	ifr.ifr_ifru.ifru_mtu = mtu;
	return nc_ioctl(SIOCSIFMTU, &ifr);
}

static int
nc_ifaddr(const char *ifname, uint32_t addr, uint32_t mask)
{
	struct rump_ifreq ifr;
	int error;

	if ((error = nc_ifreq(&ifr, ifname)) != 0)
		return error;
	nc_sin(&ifr.ifr_ifru.ifru_addr, addr);
	if ((error = nc_ioctl(SIOCSIFADDR, &ifr)) != 0)
		return error;
	nc_sin(&ifr.ifr_ifru.ifru_netmask, mask);
	if ((error = nc_ioctl(SIOCSIFNETMASK, &ifr)) != 0)
		return error;
	return nc_flags(ifname, true);
}

int
rump_pub_netconfig_ipv4_ifaddr(const char *ifname, const char *addr,
    const char *mask)
{
	uint32_t a, m;
	int error;

	if ((error = nc_aton(addr, &a)) != 0 ||
	    (error = nc_aton(mask, &m)) != 0)
		return error;
	return nc_ifaddr(ifname, a, m);
}

static uint32_t
nc_mask(int prefixlen)
{
	return prefixlen == 0 ? 0 :
	    htonl(0xffffffffU << (32 - prefixlen));
}

int
rump_pub_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr,
    int prefixlen)
{
	uint32_t a;
	int error;

	if (prefixlen < 0 || prefixlen > 32)
		return EINVAL;
	if ((error = nc_aton(addr, &a)) != 0)
		return error;
	return nc_ifaddr(ifname, a, nc_mask(prefixlen));
}

int
rump_pub_netconfig_ipv4_route(const char *dst, int prefixlen,
    const char *gwaddr)
{
	struct rump_rtentry rt;
	uint32_t d, g;
	int error;

	if (prefixlen < 0 || prefixlen > 32)
		return EINVAL;
	if ((error = nc_aton(dst, &d)) != 0 ||
	    (error = nc_aton(gwaddr, &g)) != 0)
		return error;
	memset(&rt, 0, sizeof(rt));
	nc_sin(&rt.rt_dst, d & nc_mask(prefixlen));
	nc_sin(&rt.rt_gateway, g);
	nc_sin(&rt.rt_genmask, nc_mask(prefixlen));
	rt.rt_flags = RTF_UP | RTF_GATEWAY | (prefixlen == 32 ? RTF_HOST : 0);
	return nc_ioctl(SIOCADDRT, &rt);
}

int
rump_pub_netconfig_ipv4_gw(const char *gwaddr)
{
	return rump_pub_netconfig_ipv4_route("0.0.0.0", 0, gwaddr);
}

int
rump_pub_netconfig_ipv4_forwarding(int on)
{
	int v = on ? 1 : 0;

	return nc_ioctl(SIOCSIPFORWARD, &v);
}

int
rump_pub_shmif_create(const char *busfile, int *unitp)
{
	struct rump_ifreq ifr;
	char name[IFNAMSIZ];
	int error;

	if (busfile == NULL)
		return EINVAL;
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_ifrn.ifrn_name, "shmif", IFNAMSIZ);
	if ((error = nc_ioctl(SIOCIFCREATE, &ifr)) != 0)
		return error == EINVAL ? ENXIO : error;
	strlcpy(name, ifr.ifr_ifrn.ifrn_name, sizeof(name));
	error = rump_pub_netconfig_ifsetlinkstr(name, busfile);
	if (error != 0) {
		(void)rump_pub_netconfig_ifdestroy(name);
		return error;
	}
	if (unitp != NULL) {
		uint64_t u;
		if (kstrtou64(name + 5, &u) != 0)
			return EINVAL;
		*unitp = (int)u;
	}
	return 0;
}

int
rump_pub_netconfig_ifinject(const char *ifname, const void *frame,
    unsigned long len)
{
	struct ifnet *ifp;
	struct mbuf *m;
	int error;

	if (ifname == NULL || len == 0 || len > 65535 + 14)
		return EINVAL;
	rump_schedule();
	ifp = if_byname(ifname);
	if (ifp == NULL) {
		rump_unschedule();
		return ENXIO;
	}
	m = m_getlen(MAX_LINKHDR + len, M_DONTWAIT, MT_DATA, true);
	if (m == NULL) {
		error = ENOBUFS;
		goto out;
	}
	/* Headroom, as a driver leaves it, for replies built in place. */
	m->m_data += MAX_LINKHDR;
	memcpy(m->m_data, frame, len);
	m->m_len = m->m_pkthdr.len = len;
	m->m_pkthdr.rcvif = ifp;
	ifp->if_input(ifp, m);
	error = 0;
out:
	if_rele(ifp);
	rump_unschedule();
	return error;
}
