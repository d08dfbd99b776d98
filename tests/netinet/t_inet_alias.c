/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_inet_alias.c: more than one IPv4 address per interface in one
 * kernel: RUMP_SIOCAIFADDR adds addresses beside the primary one,
 * SIOCDIFADDR deletes a chosen one, RUMP_SIOCGIFADDRTABLE lists them;
 * connected routes follow every address (and stay while another address
 * still has the network); the source address of a connection is the
 * one whose network holds the next hop.  Answering ARP for an alias is
 * tested between two kernels in tests/sp/t_nettools.sh.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "h_inet.h"

static char busdir[] = "/tmp/t_inet_alias.XXXXXX";
static char buspath[128], buspath2[128];
static uint64_t kmem_start;

static void
boot(void)
{
	int unit;

	cr_assert_eq(rump_init(), 0);
	(void)rump_sys_getpid();
	cr_assert_not_null(mkdtemp(busdir));
	snprintf(buspath, sizeof(buspath), "%s/bus", busdir);
	snprintf(buspath2, sizeof(buspath2), "%s/bus2", busdir);
	cr_assert_eq(rump_pub_shmif_create(buspath, &unit), 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0",
	    "10.0.0.1", 24), 0);
}

static void
fini(void)
{
	unlink(buspath);
	unlink(buspath2);
	rmdir(busdir);
}

TestSuite(inet_alias, .init = boot, .fini = fini, .timeout = 60);

static int
sock(void)
{
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(s, 0);
	return s;
}

static uint32_t
a4(const char *s)
{
	struct in_addr in;

	cr_assert_eq(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

static void
sin_put(struct rump_sockaddr *sa, uint32_t a)
{
	struct rump_sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = a;
	memcpy(sa, &sin, sizeof(sin));
}

/* RUMP_SIOCAIFADDR; the ioctl's result (-1 and errno on failure). */
static int
alias_add(int s, const char *ifname, const char *addr, int plen)
{
	struct rump_in_aliasreq ifra;

	memset(&ifra, 0, sizeof(ifra));
	snprintf(ifra.ifra_name, sizeof(ifra.ifra_name), "%s", ifname);
	sin_put(&ifra.ifra_addr, a4(addr));
	if (plen >= 0)
		sin_put(&ifra.ifra_mask, plen == 0 ? 0 :
		    htonl(0xffffffffu << (32 - plen)));
	return rump_sys_ioctl(s, RUMP_SIOCAIFADDR, &ifra);
}

static int
alias_del(int s, const char *ifname, const char *addr)
{
	struct rump_ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_ifrn.ifrn_name, RUMP_IFNAMSIZ, "%s", ifname);
	if (addr != NULL)
		sin_put(&ifr.ifr_ifru.ifru_addr, a4(addr));
	return rump_sys_ioctl(s, RUMP_SIOCDIFADDR, &ifr);
}

static uint32_t
primary(int s, const char *ifname)
{
	struct rump_ifreq ifr;
	struct rump_sockaddr_in sin;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_ifrn.ifrn_name, RUMP_IFNAMSIZ, "%s", ifname);
	if (rump_sys_ioctl(s, RUMP_SIOCGIFADDR, &ifr) != 0)
		return 0;
	memcpy(&sin, &ifr.ifr_ifru.ifru_addr, sizeof(sin));
	return sin.sin_addr.s_addr;
}

/* A table through the size query; malloc'ed. */
static void *
table(int s, unsigned long cmd, size_t recsize, unsigned *np)
{
	struct rump_nettab nt;
	void *buf;

	memset(&nt, 0, sizeof(nt));
	nt.nt_version = RUMP_NETTAB_VERSION;
	cr_assert_eq(rump_sys_ioctl(s, cmd, &nt), 0);
	cr_assert_eq(nt.nt_recsize, recsize);
	nt.nt_len = (int32_t)nt.nt_total;
	buf = malloc(nt.nt_total + 1);
	nt.nt_buf = buf;
	cr_assert_eq(rump_sys_ioctl(s, cmd, &nt), 0);
	*np = nt.nt_count;
	return buf;
}

static const struct rump_ifaddrrec *
addr_find(const struct rump_ifaddrrec *ir, unsigned n, const char *addr)
{
	for (unsigned i = 0; i < n; i++)
		if (ir[i].ir_addr == a4(addr))
			return &ir[i];
	return NULL;
}

static bool
has_route(int s, const char *dst, int plen)
{
	struct rump_rtrec *rr;
	uint32_t mask = htonl(0xffffffffu << (32 - plen));
	unsigned n, i;
	bool found = false;

	rr = table(s, RUMP_SIOCGRTABLE, sizeof(*rr), &n);
	for (i = 0; i < n; i++)
		if (rr[i].rr_dst == a4(dst) && rr[i].rr_mask == mask)
			found = true;
	free(rr);
	return found;
}

/* The local address a UDP socket connected to dst gets. */
static uint32_t
source_for(const char *dst)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int u = sock();

	h_sin(&sin, dst, 9);
	cr_assert_eq(rump_sys_connect(u, (struct sockaddr *)&sin,
	    sizeof(sin)), 0, "connect %s: %s", dst, strerror(errno));
	cr_assert_eq(rump_sys_getsockname(u, (struct sockaddr *)&sin, &sl),
	    0);
	rump_sys_close(u);
	return sin.sin_addr.s_addr;
}

Test(inet_alias, add_list_delete)
{
	const struct rump_ifaddrrec *ir, *r;
	unsigned n;
	int s = sock();

	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.1", 24), 0, "%s",
	    strerror(errno));
	cr_assert_eq(primary(s, "shmif0"), a4("10.0.0.1"),
	    "the primary address stays");
	ir = table(s, RUMP_SIOCGIFADDRTABLE, sizeof(*ir), &n);
	cr_assert_eq(n, 3, "lo0, shmif0 and its alias");
	r = addr_find(ir, n, "10.0.0.1");
	cr_assert_not_null(r);
	cr_assert(r->ir_flags & RUMP_IFA_PRIMARY);
	cr_assert_str_eq(r->ir_ifname, "shmif0");
	r = addr_find(ir, n, "10.1.0.1");
	cr_assert_not_null(r);
	cr_assert_eq(r->ir_flags & RUMP_IFA_PRIMARY, 0);
	cr_assert_eq(r->ir_mask, a4("255.255.255.0"));
	cr_assert_eq(r->ir_broad, a4("10.1.0.255"));
	cr_assert_str_eq(r->ir_ifname, "shmif0");
	free((void *)ir);
	cr_assert(has_route(s, "10.1.0.0", 24), "the alias's network");

	/* The alias is ours: a socket binds to it. */
	{
		struct sockaddr_in sin;
		int u = sock();

		h_sin(&sin, "10.1.0.1", 7000);
		cr_assert_eq(rump_sys_bind(u, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		rump_sys_close(u);
	}

	/* Adding it again changes its mask. */
	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.1", 16), 0);
	cr_assert(has_route(s, "10.1.0.0", 16));
	cr_assert_not(has_route(s, "10.1.0.0", 24));

	cr_assert_eq(alias_del(s, "shmif0", "10.1.0.1"), 0);
	cr_assert_eq(alias_del(s, "shmif0", "10.1.0.1"), -1);
	cr_assert_eq(errno, EADDRNOTAVAIL);
	cr_assert_not(has_route(s, "10.1.0.0", 16));
	cr_assert_eq(primary(s, "shmif0"), a4("10.0.0.1"));
	cr_assert(has_route(s, "10.0.0.0", 24));
	rump_sys_close(s);
}

Test(inet_alias, source_by_subnet)
{
	int s = sock();

	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.1", 24), 0);
	cr_assert_eq(source_for("10.1.0.9"), a4("10.1.0.1"));
	cr_assert_eq(source_for("10.0.0.9"), a4("10.0.0.1"));
	cr_assert_eq(rump_pub_netconfig_ipv4_gw("10.1.0.254"), 0);
	cr_assert_eq(source_for("192.0.2.1"), a4("10.1.0.1"),
	    "the gateway's network decides");
	rump_sys_close(s);
}

Test(inet_alias, shared_network_route_stays)
{
	int s = sock();

	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.1", 24), 0);
	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.2", 24), 0);
	cr_assert_eq(alias_del(s, "shmif0", "10.1.0.1"), 0);
	cr_assert(has_route(s, "10.1.0.0", 24), "10.1.0.2 still has it");
	cr_assert_eq(alias_del(s, "shmif0", "10.1.0.2"), 0);
	cr_assert_not(has_route(s, "10.1.0.0", 24));
	/* The same for an alias on the primary's network. */
	cr_assert_eq(alias_add(s, "shmif0", "10.0.0.7", 24), 0);
	cr_assert_eq(alias_del(s, "shmif0", "10.0.0.7"), 0);
	cr_assert(has_route(s, "10.0.0.0", 24));
	rump_sys_close(s);
}

Test(inet_alias, deleting_the_primary_promotes_an_alias)
{
	int s = sock();

	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.1", 24), 0);
	cr_assert_eq(alias_del(s, "shmif0", NULL), 0);
	cr_assert_eq(primary(s, "shmif0"), a4("10.1.0.1"));
	cr_assert_not(has_route(s, "10.0.0.0", 24));
	cr_assert_eq(alias_del(s, "shmif0", NULL), 0);
	cr_assert_eq(primary(s, "shmif0"), 0);
	cr_assert_eq(alias_del(s, "shmif0", NULL), -1);
	cr_assert_eq(errno, EADDRNOTAVAIL);
	/* An interface without addresses gets its first by alias. */
	cr_assert_eq(alias_add(s, "shmif0", "10.2.0.1", 24), 0);
	cr_assert_eq(primary(s, "shmif0"), a4("10.2.0.1"));
	rump_sys_close(s);
}

Test(inet_alias, errors)
{
	struct rump_in_aliasreq ifra;
	int s = sock(), unit;

	/* An address of another interface, or the primary one again. */
	cr_assert_eq(rump_pub_shmif_create(buspath2, &unit), 0);
	cr_assert_eq(alias_add(s, "shmif1", "10.0.0.1", 24), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(alias_add(s, "shmif1", "10.5.0.1", 24), 0);
	cr_assert_eq(alias_add(s, "shmif0", "10.5.0.1", 24), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(alias_del(s, "shmif0", "10.5.0.1"), -1);
	cr_assert_eq(errno, EADDRNOTAVAIL);
	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.1", 24), 0);
	{
		struct rump_ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_ifrn.ifrn_name, RUMP_IFNAMSIZ, "shmif0");
		sin_put(&ifr.ifr_ifru.ifru_addr, a4("10.1.0.1"));
		cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSIFADDR, &ifr), -1,
		    "an alias cannot also be the primary");
		cr_assert_eq(errno, EEXIST);
	}
	/* Bad addresses and masks, an unknown interface. */
	cr_assert_eq(alias_add(s, "shmif0", "224.0.0.5", 24), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(alias_add(s, "shmif0", "0.0.0.0", 24), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(alias_add(s, "nosuch0", "10.9.0.1", 24), -1);
	cr_assert_eq(errno, ENODEV);
	memset(&ifra, 0, sizeof(ifra));
	snprintf(ifra.ifra_name, sizeof(ifra.ifra_name), "shmif0");
	sin_put(&ifra.ifra_addr, a4("10.9.0.1"));
	sin_put(&ifra.ifra_mask, a4("255.0.255.0"));
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCAIFADDR, &ifra), -1);
	cr_assert_eq(errno, EINVAL);
	ifra.ifra_addr.sa_family = RUMP_AF_INET6;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCAIFADDR, &ifra), -1);
	cr_assert_eq(errno, EINVAL);
	/* No name terminator: still a bounded name, and no such one. */
	memset(ifra.ifra_name, 'x', sizeof(ifra.ifra_name));
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCAIFADDR, &ifra), -1);
	cr_assert_eq(errno, ENODEV);
	rump_sys_close(s);
}

Test(inet_alias, needs_root)
{
	int s;

	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	s = sock();
	cr_assert_eq(alias_add(s, "shmif0", "10.1.0.1", 24), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(alias_del(s, "shmif0", "10.0.0.1"), -1);
	cr_assert_eq(errno, EPERM);
	rump_sys_close(s);
}

/* Everything allocated since kmem_start is gone. */
static void
noleak(void)
{
	uint64_t now = rump_kmem_inuse();

	for (int i = 0; i < 100 && now != kmem_start; i++) {
		usleep(10000);
		now = rump_kmem_inuse();
	}
	cr_assert_eq(now, kmem_start, "kmem in use %llu, at start %llu",
	    (unsigned long long)now, (unsigned long long)kmem_start);
}

Test(inet_alias, destroy_takes_every_address)
{
	int s = sock(), unit;

	kmem_start = rump_kmem_inuse();
	cr_assert_eq(rump_pub_shmif_create(buspath2, &unit), 0);
	cr_assert_eq(alias_add(s, "shmif1", "10.5.0.1", 24), 0);
	cr_assert_eq(alias_add(s, "shmif1", "10.6.0.1", 24), 0);
	cr_assert_eq(alias_add(s, "shmif1", "10.6.0.2", 24), 0);
	cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif1"), 0);
	cr_assert_not(has_route(s, "10.6.0.0", 24));
	cr_assert_not(has_route(s, "10.5.0.0", 24));
	{
		struct rump_ifaddrrec *ir;
		unsigned n;

		ir = table(s, RUMP_SIOCGIFADDRTABLE, sizeof(*ir), &n);
		cr_assert_eq(n, 2, "lo0 and shmif0 only");
		free(ir);
	}
	noleak();
	rump_sys_close(s);
}
