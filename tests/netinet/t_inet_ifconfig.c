/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_inet_ifconfig.c: interface and route configuration through the
 * socket ioctls (Linux's struct ifreq, ifconf and rtentry) and through
 * the rump_pub_netconfig_* API: lo0 from boot, creating a shmif the
 * ifconfig way, addresses, netmask, broadcast, flags, MTU, MAC, index,
 * routes, destroying, and the errors of each.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "h_inet.h"

static char busdir[] = "/tmp/t_inet_ifconfig.XXXXXX";
static char buspath[128];

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_not_null(mkdtemp(busdir));
	snprintf(buspath, sizeof(buspath), "%s/bus", busdir);
}

static void
fini(void)
{
	unlink(buspath);
	rmdir(busdir);
}

TestSuite(inet_ifconfig, .init = boot, .fini = fini);

static int
sock(void)
{
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(s, 0);
	return s;
}

static void
ifr_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
}

static const char *
sin_str(const struct sockaddr *sa, char *buf)
{
	return inet_ntop(AF_INET, &((const struct sockaddr_in *)
	    (const void *)sa)->sin_addr, buf, INET_ADDRSTRLEN);
}

Test(inet_ifconfig, lo0_from_boot)
{
	struct ifreq ifr, reqs[8];
	struct ifconf ifc;
	char a[INET_ADDRSTRLEN];
	int s = sock();
	bool found = false;

	ifr_init(&ifr, "lo0");
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	cr_assert(ifr.ifr_flags & IFF_UP);
	cr_assert(ifr.ifr_flags & IFF_LOOPBACK);
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFADDR, &ifr), 0);
	cr_assert_str_eq(sin_str(&ifr.ifr_addr, a), "127.0.0.1");
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFNETMASK, &ifr), 0);
	cr_assert_str_eq(sin_str(&ifr.ifr_netmask, a), "255.0.0.0");
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFMTU, &ifr), 0);
	cr_assert_eq(ifr.ifr_mtu, 65536);
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFINDEX, &ifr), 0);
	cr_assert_eq(ifr.ifr_ifindex, 1);

	memset(&ifc, 0, sizeof(ifc));
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFCONF, &ifc), 0);
	cr_assert_geq(ifc.ifc_len, (int)sizeof(struct ifreq));
	ifc.ifc_len = sizeof(reqs);
	ifc.ifc_req = reqs;
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFCONF, &ifc), 0);
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
		if (strcmp(reqs[i].ifr_name, "lo0") == 0)
			found = true;
	cr_assert(found);

	ifr_init(&ifr, "nonesuch0");
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr), -1);
	cr_assert_eq(errno, ENODEV);
	cr_assert_eq(rump_sys_ioctl(s, 0x89ee, &ifr), -1);
	cr_assert_eq(errno, ENOTTY);
	rump_sys_close(s);
}

Test(inet_ifconfig, shmif_the_ioctl_way)
{
	struct ifreq ifr;
	struct rtentry rt;
	struct sockaddr_in *sin;
	char a[INET_ADDRSTRLEN];
	int s = sock();

	ifr_init(&ifr, "shmif");
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCIFCREATE, &ifr), 0,
	    "%s", strerror(errno));
	cr_assert_str_eq(ifr.ifr_name, "shmif0");
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCIFCREATE, &ifr), -1);
	cr_assert_eq(errno, EEXIST);
	ifr.ifr_data = buspath;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSLINKSTR, &ifr), 0,
	    "%s", strerror(errno));
	cr_assert_eq(access(buspath, F_OK), 0);

	ifr_init(&ifr, "shmif0");
	sin = (struct sockaddr_in *)(void *)&ifr.ifr_addr;
	h_sin(sin, "10.1.0.1", 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCSIFADDR, &ifr), 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFNETMASK, &ifr), 0);
	cr_assert_str_eq(sin_str(&ifr.ifr_netmask, a), "255.0.0.0",
	    "class A mask by default");
	h_sin(sin, "255.255.0.0", 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCSIFNETMASK, &ifr), 0);
	h_sin(sin, "255.0.255.0", 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCSIFNETMASK, &ifr), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFBRDADDR, &ifr), 0);
	cr_assert_str_eq(sin_str(&ifr.ifr_broadaddr, a), "10.1.255.255");

	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	cr_assert_eq(ifr.ifr_flags & IFF_UP, 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(rump_sys_ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	cr_assert(ifr.ifr_flags & IFF_UP);
	cr_assert(ifr.ifr_flags & IFF_RUNNING);
	cr_assert(ifr.ifr_flags & IFF_BROADCAST);

	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFMTU, &ifr), 0);
	cr_assert_eq(ifr.ifr_mtu, 1500);
	ifr.ifr_mtu = 1400;
	cr_assert_eq(rump_sys_ioctl(s, SIOCSIFMTU, &ifr), 0);
	ifr.ifr_mtu = 0;
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFMTU, &ifr), 0);
	cr_assert_eq(ifr.ifr_mtu, 1400);
	ifr.ifr_mtu = 20;
	cr_assert_eq(rump_sys_ioctl(s, SIOCSIFMTU, &ifr), -1);
	cr_assert_eq(errno, EINVAL);

	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFHWADDR, &ifr), 0);
	cr_assert_eq(ifr.ifr_hwaddr.sa_family, ARPHRD_ETHER);
	cr_assert_eq(ifr.ifr_hwaddr.sa_data[0] & 3, 2, "local unicast MAC");
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFINDEX, &ifr), 0);
	cr_assert_eq(ifr.ifr_ifindex, 2);

	/* Routes: a gateway must be on a connected network. */
	memset(&rt, 0, sizeof(rt));
	h_sin((struct sockaddr_in *)(void *)&rt.rt_dst, "0.0.0.0", 0);
	h_sin((struct sockaddr_in *)(void *)&rt.rt_genmask, "0.0.0.0", 0);
	h_sin((struct sockaddr_in *)(void *)&rt.rt_gateway, "10.2.0.1", 0);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	cr_assert_eq(rump_sys_ioctl(s, SIOCADDRT, &rt), -1);
	cr_assert_eq(errno, ENETUNREACH);
	h_sin((struct sockaddr_in *)(void *)&rt.rt_gateway, "10.1.0.254", 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCADDRT, &rt), 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCADDRT, &rt), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(rump_sys_ioctl(s, SIOCDELRT, &rt), 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCDELRT, &rt), -1);
	cr_assert_eq(errno, ESRCH);
	h_sin((struct sockaddr_in *)(void *)&rt.rt_dst, "10.3.0.1", 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCADDRT, &rt), -1);
	cr_assert_eq(errno, EINVAL, "dst not masked");

	ifr_init(&ifr, "shmif0");
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCIFDESTROY, &ifr), 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr), -1);
	cr_assert_eq(errno, ENODEV);
	ifr_init(&ifr, "lo0");
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCIFDESTROY, &ifr), -1);
	cr_assert_eq(errno, EPERM);
	rump_sys_close(s);
}

Test(inet_ifconfig, netconfig_api)
{
	struct ifreq ifr;
	char a[INET_ADDRSTRLEN];
	int unit, s = sock();

	cr_assert_eq(rump_pub_netconfig_ifcreate("bogus0"), EINVAL);
	cr_assert_eq(rump_pub_netconfig_ifup("shmif7"), ENXIO);
	cr_assert_eq(rump_pub_shmif_create(buspath, &unit), 0);
	cr_assert_eq(unit, 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.5.1.2",
	    "255.255.255.0"), 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.5.1",
	    "255.255.255.0"), EINVAL);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.5.1.3",
	    33), EINVAL);
	ifr_init(&ifr, "shmif0");
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFBRDADDR, &ifr), 0);
	cr_assert_str_eq(sin_str(&ifr.ifr_broadaddr, a), "10.5.1.255");
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	cr_assert(ifr.ifr_flags & IFF_UP, "an address brings it up");
	cr_assert_eq(rump_pub_netconfig_ipv4_gw("10.9.0.1"), ENETUNREACH);
	cr_assert_eq(rump_pub_netconfig_ipv4_gw("10.5.1.1"), 0);
	cr_assert_eq(rump_pub_netconfig_ifdown("shmif0"), 0);
	cr_assert_eq(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	cr_assert_eq(ifr.ifr_flags & IFF_UP, 0);
	cr_assert_eq(rump_pub_netconfig_ifcreate("shmif3"), 0);
	cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif3"), 0);
	cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif0"), 0);
	cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif0"), ENXIO);
	rump_sys_close(s);
}

Test(inet_ifconfig, counters)
{
	struct rump_ifstats st;
	struct ifreq ifr;
	struct h_pingres res;
	int s = sock();

	cr_assert_eq(h_ping("127.0.0.1", 2, 0, 56, &res), 0);
	ifr_init(&ifr, "lo0");
	ifr.ifr_data = (char *)&st;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGIFSTATS, &ifr), 0);
	cr_assert_geq(st.ifs_opackets, 4);
	cr_assert_geq(st.ifs_ipackets, 4);
	cr_assert_geq(st.ifs_obytes, 4 * 84);
	rump_sys_close(s);
}

Test(inet_ifconfig, create_destroy_noleak)
{
	struct sockaddr_in sin;
	uint64_t start, now;
	int i, s;

	(void)rump_sys_getpid();
	/* Warm up once: pools and the ARP timer allocate on first use. */
	cr_assert_eq(rump_pub_shmif_create(buspath, NULL), 0);
	cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif0"), 0);
	start = rump_kmem_inuse();
	for (i = 0; i < 3; i++) {
		cr_assert_eq(rump_pub_shmif_create(buspath, NULL), 0);
		cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0",
		    "10.6.0.1", 24), 0);
		cr_assert_eq(rump_pub_netconfig_ipv4_gw("10.6.0.254"), 0);
		/* Unanswered: leaves an ARP entry holding a packet. */
		s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
		h_sin(&sin, "10.6.0.9", 9);
		cr_assert_eq(rump_sys_sendto(s, "x", 1, 0,
		    (struct sockaddr *)&sin, sizeof(sin)), 1);
		rump_sys_close(s);
		cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif0"), 0);
	}
	now = rump_kmem_inuse();
	for (i = 0; i < 100 && now != start; i++) {
		usleep(10000);
		now = rump_kmem_inuse();
	}
	cr_assert_eq(now, start, "kmem in use %llu, at start %llu",
	    (unsigned long long)now, (unsigned long long)start);
}
