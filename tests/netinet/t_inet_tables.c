/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_inet_tables.c: the kernel table ioctls in one kernel
 * (RUMP_SIOCGRTABLE, RUMP_SIOCGARPTABLE, RUMP_SIOCGSOCKTABLE with struct
 * rump_nettab, and the ARP entry ioctls SIOCSARP, SIOCGARP, SIOCDARP;
 * docs/net.md "Table ioctls"): what each table lists after a known set-up,
 * the size query, ENOMEM for a short buffer with nothing written, and the
 * hostile structures (bad version, negative, zero, huge and odd lengths,
 * bad pointers).  Cases that allocate end with a leak check.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "h_inet.h"

static char busdir[] = "/tmp/t_inet_tables.XXXXXX";
static char buspath[128];
static uint64_t kmem_start;

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	(void)rump_sys_getpid();
	cr_assert_not_null(mkdtemp(busdir));
	snprintf(buspath, sizeof(buspath), "%s/bus", busdir);
}

static void
fini(void)
{
	unlink(buspath);
	rmdir(busdir);
}

TestSuite(inet_tables, .init = boot, .fini = fini, .timeout = 60);

static void
noleak_start(void)
{
	kmem_start = rump_kmem_inuse();
}

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

/* shmif0 10.0.0.1/24 on the bus. */
static void
shmif_up(void)
{
	int unit;

	cr_assert_eq(rump_pub_shmif_create(buspath, &unit), 0);
	cr_assert_eq(unit, 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0",
	    "10.0.0.1", 24), 0);
}

/* The whole table: asks for the size, then reads it; malloc'ed. */
static void *
table(int s, unsigned long cmd, size_t recsize, unsigned *countp)
{
	struct rump_nettab nt;
	void *buf;

	memset(&nt, 0, sizeof(nt));
	nt.nt_version = RUMP_NETTAB_VERSION;
	cr_assert_eq(rump_sys_ioctl(s, cmd, &nt), 0, "size: %s",
	    strerror(errno));
	cr_assert_eq(nt.nt_recsize, recsize);
	cr_assert_eq(nt.nt_len, 0);
	cr_assert_eq(nt.nt_count, 0);
	cr_assert_eq(nt.nt_total % recsize, 0);
	nt.nt_len = (int32_t)nt.nt_total + 16 * (int32_t)recsize;
	buf = calloc(1, (size_t)nt.nt_len);
	cr_assert_not_null(buf);
	nt.nt_buf = buf;
	cr_assert_eq(rump_sys_ioctl(s, cmd, &nt), 0, "read: %s",
	    strerror(errno));
	cr_assert_eq(nt.nt_recsize, recsize);
	cr_assert_eq((size_t)nt.nt_len, nt.nt_count * recsize);
	cr_assert_eq(nt.nt_total, (uint32_t)nt.nt_len);
	*countp = nt.nt_count;
	return buf;
}

static const struct rump_rtrec *
rt_find(const struct rump_rtrec *rr, unsigned n, const char *dst, int plen)
{
	uint32_t mask = plen == 0 ? 0 : htonl(0xffffffffu << (32 - plen));

	for (unsigned i = 0; i < n; i++)
		if (rr[i].rr_dst == a4(dst) && rr[i].rr_mask == mask)
			return &rr[i];
	return NULL;
}

Test(inet_tables, routes_listed_in_lookup_order)
{
	const struct rump_rtrec *rr, *r;
	unsigned n, i;
	int s = sock();

	shmif_up();
	cr_assert_eq(rump_pub_netconfig_ipv4_route("10.7.0.0", 16,
	    "10.0.0.2"), 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_gw("10.0.0.254"), 0);
	rr = table(s, RUMP_SIOCGRTABLE, sizeof(*rr), &n);
	cr_assert_eq(n, 4, "routes: %u", n);

	r = rt_find(rr, n, "127.0.0.0", 8);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->rr_ifname, "lo0");
	cr_assert(r->rr_flags & RUMP_RTF_IFROUTE);
	r = rt_find(rr, n, "10.0.0.0", 24);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->rr_ifname, "shmif0");
	cr_assert_eq(r->rr_gateway, 0);
	cr_assert(r->rr_flags & RUMP_RTF_UP);
	cr_assert(r->rr_flags & RUMP_RTF_IFROUTE);
	cr_assert_not(r->rr_flags & RUMP_RTF_GATEWAY);
	r = rt_find(rr, n, "10.7.0.0", 16);
	cr_assert_not_null(r);
	cr_assert_eq(r->rr_gateway, a4("10.0.0.2"));
	cr_assert(r->rr_flags & RUMP_RTF_GATEWAY);
	cr_assert_str_eq(r->rr_ifname, "shmif0");
	r = rt_find(rr, n, "0.0.0.0", 0);
	cr_assert_not_null(r);
	cr_assert_eq(r->rr_gateway, a4("10.0.0.254"));
	cr_assert_eq(r, &rr[n - 1], "the default route comes last");
	for (i = 1; i < n; i++)
		cr_assert_geq(ntohl(rr[i - 1].rr_mask), ntohl(rr[i].rr_mask),
		    "longest prefix first");
	free((void *)rr);

	/* A deleted route is gone from the next listing. */
	{
		struct rump_rtentry rt;
		struct rump_sockaddr_in sin;

		memset(&rt, 0, sizeof(rt));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = RUMP_AF_INET;
		sin.sin_addr.s_addr = a4("10.7.0.0");
		memcpy(&rt.rt_dst, &sin, sizeof(sin));
		sin.sin_addr.s_addr = a4("255.255.0.0");
		memcpy(&rt.rt_genmask, &sin, sizeof(sin));
		rt.rt_flags = RUMP_RTF_UP;
		cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCDELRT, &rt), 0);
	}
	rr = table(s, RUMP_SIOCGRTABLE, sizeof(*rr), &n);
	cr_assert_eq(n, 3);
	cr_assert_null(rt_find(rr, n, "10.7.0.0", 16));
	free((void *)rr);
	rump_sys_close(s);
}

Test(inet_tables, route_use_counted)
{
	const struct rump_rtrec *rr, *r;
	struct sockaddr_in sin;
	unsigned n;
	int s = sock();

	/* Local addresses skip the table; a neighbour's does not. */
	shmif_up();
	h_sin(&sin, "10.0.0.9", 9);
	cr_assert_eq(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 1);
	rr = table(s, RUMP_SIOCGRTABLE, sizeof(*rr), &n);
	r = rt_find(rr, n, "10.0.0.0", 24);
	cr_assert_not_null(r);
	cr_assert_geq(r->rr_use, 1);
	free((void *)rr);
	rump_sys_close(s);
}

static void
nt_init(struct rump_nettab *nt, void *buf, int32_t len)
{
	memset(nt, 0, sizeof(*nt));
	nt->nt_version = RUMP_NETTAB_VERSION;
	nt->nt_buf = buf;
	nt->nt_len = len;
}

Test(inet_tables, short_buffer_is_enomem_and_untouched)
{
	struct rump_nettab nt;
	uint8_t buf[4096];
	uint32_t total;
	int s = sock();

	shmif_up();
	nt_init(&nt, NULL, 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	total = nt.nt_total;
	cr_assert_eq(total, 2 * sizeof(struct rump_rtrec));

	memset(buf, 0xa5, sizeof(buf));
	nt_init(&nt, buf, (int32_t)total - 1);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(nt.nt_total, total, "the needed size is written back");
	cr_assert_eq(nt.nt_count, 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xa5, "byte %zu written", i);

	/* Zero bytes with a buffer: also too small. */
	nt_init(&nt, buf, 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(buf[0], 0xa5);

	/* Exactly enough, and an odd size above: both fine, and nothing
	 * written past the records. */
	nt_init(&nt, buf, (int32_t)total);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq(nt.nt_count, 2);
	cr_assert_eq(buf[total], 0xa5);
	nt_init(&nt, buf, (int32_t)total + 3);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq((uint32_t)nt.nt_len, total);
	cr_assert_eq(buf[total], 0xa5);
	rump_sys_close(s);
}

Test(inet_tables, hostile_structures)
{
	struct rump_nettab nt;
	uint8_t *buf;
	void *bad;
	int s = sock();

	noleak_start();
	buf = malloc(4096 + 1);
	cr_assert_not_null(buf);

	nt_init(&nt, buf, 4096);
	nt.nt_version = 0;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, EINVAL);
	nt.nt_version = RUMP_NETTAB_VERSION + 1;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, &nt), -1);
	cr_assert_eq(errno, EINVAL);
	nt_init(&nt, buf, -1);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARPTABLE, &nt), -1);
	cr_assert_eq(errno, EINVAL);
	nt_init(&nt, buf, INT32_MIN);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, EINVAL);

	/* A huge length only bounds what is written: the table is small. */
	nt_init(&nt, buf, INT32_MAX);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq(nt.nt_count, 1);

	/* A buffer at an odd address. */
	nt_init(&nt, buf + 1, 4096);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq(nt.nt_count, 1);
	{
		struct rump_rtrec rr;

		memcpy(&rr, buf + 1, sizeof(rr));
		cr_assert_str_eq(rr.rr_ifname, "lo0");
	}

	/* Addresses the kernel can tell are bad (in one process it sees
	 * only the first page; t_nettools.sh's remote cases go further). */
	bad = (void *)(uintptr_t)64;
	nt_init(&nt, bad, 4096);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, &nt), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, bad), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARP, bad), -1);
	cr_assert_eq(errno, EFAULT);
	free(buf);
	noleak();
	rump_sys_close(s);
}

static const struct rump_sockrec *
sr_find(const struct rump_sockrec *sr, unsigned n, int proto,
    uint16_t lport, uint16_t fport)
{
	for (unsigned i = 0; i < n; i++)
		if (sr[i].sr_protocol == proto &&
		    ntohs(sr[i].sr_lport) == lport &&
		    ntohs(sr[i].sr_fport) == fport)
			return &sr[i];
	return NULL;
}

Test(inet_tables, sockets_listed_with_state_and_queues)
{
	const struct rump_sockrec *sr, *r;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	uint16_t cport;
	unsigned n;
	int l, c, a, u, raw, s = sock();

	noleak_start();
	l = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(l, 0);
	h_sin(&sin, "127.0.0.1", 7001);
	cr_assert_eq(rump_sys_bind(l, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	cr_assert_eq(rump_sys_listen(l, 5), 0);
	c = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(c, 0);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	cr_assert_eq(rump_sys_getsockname(c, (struct sockaddr *)&sin, &sl),
	    0);
	cport = ntohs(sin.sin_port);

	/* Before accept: the listener's queue holds one connection. */
	for (int i = 0; i < 200; i++) {
		sr = table(s, RUMP_SIOCGSOCKTABLE, sizeof(*sr), &n);
		r = sr_find(sr, n, IPPROTO_TCP, 7001, 0);
		cr_assert_not_null(r, "listener listed");
		if (r->sr_recvq == 1)
			break;
		free((void *)sr);
		sr = NULL;
		usleep(10000);
	}
	cr_assert_not_null(sr);
	r = sr_find(sr, n, IPPROTO_TCP, 7001, 0);
	cr_assert_eq(r->sr_state, RUMP_TCP_LISTEN);
	cr_assert_eq(r->sr_sendq, 5, "a listener's send-q is its backlog");
	cr_assert_eq(r->sr_family, RUMP_AF_INET);
	cr_assert_eq(r->sr_type, RUMP_SOCK_STREAM);
	cr_assert_eq(r->sr_pid, rump_sys_getpid());
	free((void *)sr);

	a = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
	cr_assert_eq(rump_sys_write(c, "hello", 5), 5);
	u = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	h_sin(&sin, "127.0.0.1", 7002);
	cr_assert_eq(rump_sys_bind(u, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	cr_assert_eq(rump_sys_sendto(s, "abc", 3, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 3);
	raw = rump_sys_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	cr_assert_geq(raw, 0);

	/* Wait until the data are in the receivers' buffers. */
	for (int i = 0; i < 200; i++) {
		sr = table(s, RUMP_SIOCGSOCKTABLE, sizeof(*sr), &n);
		r = sr_find(sr, n, IPPROTO_TCP, 7001, cport);
		cr_assert_not_null(r, "accepted connection listed");
		if (r->sr_recvq == 5 &&
		    sr_find(sr, n, IPPROTO_UDP, 7002, 0)->sr_recvq > 0)
			break;
		free((void *)sr);
		sr = NULL;
		usleep(10000);
	}
	cr_assert_not_null(sr, "data never arrived");
	r = sr_find(sr, n, IPPROTO_TCP, 7001, cport);
	cr_assert_eq(r->sr_state, RUMP_TCP_ESTABLISHED);
	cr_assert_eq(r->sr_laddr, a4("127.0.0.1"));
	cr_assert_eq(r->sr_faddr, a4("127.0.0.1"));
	r = sr_find(sr, n, IPPROTO_TCP, cport, 7001);
	cr_assert_not_null(r, "connecting side listed");
	cr_assert_eq(r->sr_state, RUMP_TCP_ESTABLISHED);
	cr_assert_eq(r->sr_recvq, 0);
	r = sr_find(sr, n, IPPROTO_UDP, 7002, 0);
	cr_assert_eq(r->sr_type, RUMP_SOCK_DGRAM);
	cr_assert_eq(r->sr_state, 0);
	cr_assert_geq(r->sr_recvq, 3);
	r = sr_find(sr, n, IPPROTO_ICMP, 0, 0);
	cr_assert_not_null(r, "raw socket listed");
	cr_assert_eq(r->sr_type, RUMP_SOCK_RAW);
	free((void *)sr);

	/* The closing side lives on without its socket (FIN_WAIT or
	 * TIME_WAIT) and is still listed.  Unread data would make the
	 * close a reset: read them first. */
	{
		char b[8];

		cr_assert_eq(rump_sys_read(a, b, sizeof(b)), 5);
	}
	rump_sys_close(c);
	rump_sys_close(a);
	for (int i = 0; i < 200; i++) {
		sr = table(s, RUMP_SIOCGSOCKTABLE, sizeof(*sr), &n);
		r = sr_find(sr, n, IPPROTO_TCP, cport, 7001);
		if (r != NULL && r->sr_state == RUMP_TCP_TIME_WAIT)
			break;
		free((void *)sr);
		sr = NULL;
		usleep(10000);
	}
	cr_assert_not_null(sr, "no TIME_WAIT entry");
	cr_assert(r->sr_flags & RUMP_SR_NOSOCKET);
	free((void *)sr);
	rump_sys_close(l);
	rump_sys_close(u);
	rump_sys_close(raw);
	rump_sys_close(s);
}

static void
arpreq_init(struct rump_arpreq *ar, const char *addr, const char *dev)
{
	struct rump_sockaddr_in sin;

	memset(ar, 0, sizeof(*ar));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = a4(addr);
	memcpy(&ar->arp_pa, &sin, sizeof(sin));
	if (dev != NULL)
		snprintf(ar->arp_dev, sizeof(ar->arp_dev), "%s", dev);
}

static const struct rump_arprec *
arp_find(const struct rump_arprec *ar, unsigned n, const char *addr)
{
	for (unsigned i = 0; i < n; i++)
		if (ar[i].ar_addr == a4(addr))
			return &ar[i];
	return NULL;
}

Test(inet_tables, arp_static_entries)
{
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	const struct rump_arprec *ar, *r;
	struct rump_arpreq req;
	unsigned n;
	int s = sock();

	shmif_up();
	ar = table(s, RUMP_SIOCGARPTABLE, sizeof(*ar), &n);
	cr_assert_eq(n, 0);
	free((void *)ar);

	/* Permanent, interface found by the connected route. */
	arpreq_init(&req, "10.0.0.5", NULL);
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, 6);
	req.arp_flags = RUMP_ATF_PERM;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), 0, "%s",
	    strerror(errno));
	/* Temporary, interface named. */
	arpreq_init(&req, "10.0.0.6", "shmif0");
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, 6);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), 0);

	ar = table(s, RUMP_SIOCGARPTABLE, sizeof(*ar), &n);
	cr_assert_eq(n, 2);
	r = arp_find(ar, n, "10.0.0.5");
	cr_assert_not_null(r);
	cr_assert_eq(r->ar_flags, RUMP_ATF_COM | RUMP_ATF_PERM);
	cr_assert_eq(r->ar_expire, -1);
	cr_assert_eq(memcmp(r->ar_hwaddr, mac, 6), 0);
	cr_assert_str_eq(r->ar_ifname, "shmif0");
	r = arp_find(ar, n, "10.0.0.6");
	cr_assert_not_null(r);
	cr_assert_eq(r->ar_flags, RUMP_ATF_COM);
	cr_assert_gt(r->ar_expire, 200);
	free((void *)ar);

	arpreq_init(&req, "10.0.0.5", NULL);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARP, &req), 0);
	cr_assert_eq(req.arp_flags, RUMP_ATF_COM | RUMP_ATF_PERM);
	cr_assert_eq(memcmp(req.arp_ha.sa_data, mac, 6), 0);
	cr_assert_str_eq(req.arp_dev, "shmif0");

	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCDARP, &req), 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCDARP, &req), -1);
	cr_assert_eq(errno, ENXIO);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARP, &req), -1);
	cr_assert_eq(errno, ENXIO);
	ar = table(s, RUMP_SIOCGARPTABLE, sizeof(*ar), &n);
	cr_assert_eq(n, 1);
	free((void *)ar);
	rump_sys_close(s);
}

Test(inet_tables, arp_errors)
{
	struct rump_arpreq req;
	int s = sock();

	shmif_up();
	/* Not on a connected network. */
	arpreq_init(&req, "192.168.9.9", NULL);
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	req.arp_ha.sa_data[0] = 0x02;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), -1);
	cr_assert_eq(errno, ENETUNREACH);
	/* Unknown interface. */
	arpreq_init(&req, "10.0.0.5", "nosuch0");
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), -1);
	cr_assert_eq(errno, ENODEV);
	/* Not Ethernet. */
	arpreq_init(&req, "127.0.0.5", "lo0");
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), -1);
	cr_assert_eq(errno, EINVAL);
	/* A multicast MAC, a wrong hardware type, unknown flags. */
	arpreq_init(&req, "10.0.0.5", NULL);
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	req.arp_ha.sa_data[0] = 0x01;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), -1);
	cr_assert_eq(errno, EINVAL);
	req.arp_ha.sa_data[0] = 0x02;
	req.arp_ha.sa_family = 0;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), -1);
	cr_assert_eq(errno, EINVAL);
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	req.arp_flags = 0x4000;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), -1);
	cr_assert_eq(errno, EINVAL);
	/* Not an IPv4 address; the broadcast and multicast addresses. */
	arpreq_init(&req, "10.0.0.5", NULL);
	req.arp_pa.sa_family = RUMP_AF_INET6;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARP, &req), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	arpreq_init(&req, "255.255.255.255", NULL);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCDARP, &req), -1);
	cr_assert_eq(errno, EINVAL);
	arpreq_init(&req, "224.0.0.1", NULL);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARP, &req), -1);
	cr_assert_eq(errno, EINVAL);
	rump_sys_close(s);
}

Test(inet_tables, arp_static_answers_a_waiting_entry)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };
	const struct rump_arprec *ar, *r;
	struct rump_arpreq req;
	struct sockaddr_in sin;
	unsigned n;
	int s = sock();

	shmif_up();
	/* Nobody has 10.0.0.9: the datagram waits on an incomplete entry. */
	h_sin(&sin, "10.0.0.9", 9);
	cr_assert_eq(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 1);
	ar = table(s, RUMP_SIOCGARPTABLE, sizeof(*ar), &n);
	r = arp_find(ar, n, "10.0.0.9");
	cr_assert_not_null(r);
	cr_assert_eq(r->ar_flags & RUMP_ATF_COM, 0);
	cr_assert_eq(r->ar_held, 1);
	free((void *)ar);

	arpreq_init(&req, "10.0.0.9", NULL);
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, 6);
	req.arp_flags = RUMP_ATF_PERM;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), 0);
	ar = table(s, RUMP_SIOCGARPTABLE, sizeof(*ar), &n);
	r = arp_find(ar, n, "10.0.0.9");
	cr_assert_not_null(r);
	cr_assert_eq(r->ar_flags, RUMP_ATF_COM | RUMP_ATF_PERM);
	cr_assert_eq(r->ar_held, 0, "the held datagram went out");
	free((void *)ar);
	rump_sys_close(s);
}

Test(inet_tables, arp_set_needs_root)
{
	struct rump_arpreq req;
	struct rump_nettab nt;
	int s;

	shmif_up();
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	s = sock();
	arpreq_init(&req, "10.0.0.5", NULL);
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	req.arp_ha.sa_data[0] = 0x02;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCDARP, &req), -1);
	cr_assert_eq(errno, EPERM);
	/* Reading the tables is for everyone. */
	nt_init(&nt, NULL, 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARPTABLE, &nt), 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, &nt), 0);
	rump_sys_close(s);
}
