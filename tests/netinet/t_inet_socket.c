/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_inet_socket.c: AF_INET sockets in one kernel over lo0: UDP and raw
 * IP, their success paths and the errors Linux gives (EADDRINUSE,
 * EADDRNOTAVAIL, ECONNREFUSED from an ICMP port unreachable on a
 * connected socket, EAFNOSUPPORT, EMSGSIZE, EAGAIN, EACCES for
 * broadcast, EPROTONOSUPPORT for raw protocol 0), IP options.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <sys/un.h>

#include "h_inet.h"

static uint64_t kmem_start;

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	/* The first call binds this thread to an lwp: not ours to count. */
	(void)rump_sys_getpid();
	kmem_start = rump_kmem_inuse();
}

/* Everything the case allocated is gone once its sockets are closed. */
static void
noleak(void)
{
	uint64_t now = rump_kmem_inuse();

	for (int i = 0; i < 100 && now != kmem_start; i++) {
		usleep(10000);             /* the netisr thread may be busy */
		now = rump_kmem_inuse();
	}
	cr_assert_eq(now, kmem_start, "kmem in use %llu, at start %llu",
	    (unsigned long long)now, (unsigned long long)kmem_start);
}

TestSuite(inet_socket, .init = boot);

static int
udp_bound(const char *addr, uint16_t port, int extra)
{
	struct sockaddr_in sin;
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM | extra, 0);

	cr_assert_geq(s, 0, "socket: %s", strerror(errno));
	h_sin(&sin, addr, port);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)),
	    0, "bind %s:%u: %s", addr, port, strerror(errno));
	return s;
}

Test(inet_socket, unsupported)
{
	errno = 0;
	cr_assert_eq(rump_sys_socket(AF_INET, SOCK_RAW, 0), -1);
	cr_assert_eq(errno, EPROTONOSUPPORT);
	cr_assert_eq(rump_sys_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), -1);
	cr_assert_eq(errno, EPROTONOSUPPORT);
	cr_assert_eq(rump_sys_socket(AF_INET6, SOCK_DGRAM, 0), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	cr_assert_eq(rump_sys_socket(AF_INET, SOCK_SEQPACKET, 0), -1);
	cr_assert_eq(errno, ESOCKTNOSUPPORT);
}

Test(inet_socket, eafnosupport)
{
	struct sockaddr_un sun;
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/x");
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, sizeof(sun)), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	cr_assert_eq(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sun,
	    sizeof(sun)), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	rump_sys_close(s);
	noleak();
}

Test(inet_socket, bind_rules)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int a, b, c, one = 1;

	a = udp_bound("127.0.0.1", 5000, 0);
	b = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	h_sin(&sin, "127.0.0.1", 5000);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sin, sizeof(sin)), -1);
	cr_assert_eq(errno, EADDRINUSE);
	h_sin(&sin, "0.0.0.0", 5000);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sin, sizeof(sin)), -1);
	cr_assert_eq(errno, EADDRINUSE, "wildcard overlaps");
	h_sin(&sin, "10.9.9.9", 5001);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sin, sizeof(sin)), -1);
	cr_assert_eq(errno, EADDRNOTAVAIL);
	/* An address of 127/8 is ours (lo0 owns the network). */
	h_sin(&sin, "127.0.0.2", 5000);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sin, sizeof(sin)), -1);
	cr_assert_eq(errno, EINVAL, "bound twice");
	rump_sys_close(b);

	/* SO_REUSEADDR on both lets them share. */
	b = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	c = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	rump_sys_setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rump_sys_setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	h_sin(&sin, "0.0.0.0", 6000);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(rump_sys_bind(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	rump_sys_close(c);
	rump_sys_close(b);
	/* SO_REUSEPORT likewise. */
	b = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	c = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	rump_sys_setsockopt(b, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	rump_sys_setsockopt(c, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	h_sin(&sin, "127.0.0.1", 6001);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(rump_sys_bind(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	rump_sys_close(c);
	rump_sys_close(b);

	/* Port 0: an ephemeral port. */
	b = udp_bound("0.0.0.0", 0, 0);
	cr_assert_eq(rump_sys_getsockname(b, (struct sockaddr *)&sin, &len), 0);
	cr_assert_eq(len, sizeof(sin));
	cr_assert(ntohs(sin.sin_port) >= 32768 && ntohs(sin.sin_port) <= 60999,
	    "port %u", ntohs(sin.sin_port));
	rump_sys_close(b);
	rump_sys_close(a);
	noleak();
}

Test(inet_socket, udp_loopback)
{
	struct sockaddr_in sin, from;
	socklen_t flen = sizeof(from);
	static char buf[65536], big[60000];
	int a, b;
	ssize_t n;

	a = udp_bound("127.0.0.1", 7000, 0);
	b = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	h_sin(&sin, "127.0.0.1", 7000);
	cr_assert_eq(rump_sys_sendto(b, "hello", 5, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 5);
	n = rump_sys_recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &flen);
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert_eq(from.sin_family, AF_INET);
	cr_assert_eq(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	cr_assert_neq(from.sin_port, 0);
	/* Answer to the sender's ephemeral port. */
	cr_assert_eq(rump_sys_sendto(a, "back", 4, 0, (struct sockaddr *)&from,
	    flen), 4);
	cr_assert_eq(rump_sys_recvfrom(b, buf, sizeof(buf), 0, NULL, NULL), 4);
	/* A large datagram in one piece (lo0's MTU is 64 KiB). */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)i;
	cr_assert_eq(rump_sys_sendto(b, big, sizeof(big), 0,
	    (struct sockaddr *)&sin, sizeof(sin)), (ssize_t)sizeof(big));
	n = rump_sys_recvfrom(a, buf, sizeof(buf), 0, NULL, NULL);
	cr_assert_eq(n, (ssize_t)sizeof(big));
	cr_assert_eq(memcmp(buf, big, sizeof(big)), 0);
	rump_sys_close(a);
	rump_sys_close(b);
	noleak();
}

Test(inet_socket, connrefused)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	char c;
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);

	h_sin(&sin, "127.0.0.1", 9);
	cr_assert_eq(rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	cr_assert_eq(rump_sys_sendto(s, "x", 1, 0, NULL, 0), 1);
	pfd.fd = s;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), 1);
	cr_assert(pfd.revents & POLLERR);
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, 0, NULL, NULL), -1);
	cr_assert_eq(errno, ECONNREFUSED);
	/* The error is reported once. */
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, MSG_DONTWAIT, NULL, NULL), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sys_close(s);
	noleak();
}

Test(inet_socket, sizes_and_nonblocking)
{
	struct sockaddr_in sin;
	static char big[65508];
	char c;
	int s = udp_bound("127.0.0.1", 7100, SOCK_NONBLOCK);

	h_sin(&sin, "127.0.0.1", 7100);
	cr_assert_eq(rump_sys_sendto(s, big, 65508, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), -1);
	cr_assert_eq(errno, EMSGSIZE);
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, 0, NULL, NULL), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(rump_sys_sendto(s, big, 65507, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 65507);
	rump_sys_close(s);
	noleak();
}

Test(inet_socket, broadcast_needs_option)
{
	struct sockaddr_in sin;
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	h_sin(&sin, "255.255.255.255", 7200);
	cr_assert_eq(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), -1);
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)),
	    -1);
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one,
	    sizeof(one)), 0);
	/* Allowed now; with no broadcast interface there is no route. */
	errno = 0;
	cr_assert_eq(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), -1);
	cr_assert_eq(errno, ENETUNREACH);
	rump_sys_close(s);
}

Test(inet_socket, ip_options)
{
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0), v;
	socklen_t len = sizeof(v);

	cr_assert_eq(rump_sys_getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len), 0);
	cr_assert_eq(v, 64);
	v = 7;
	cr_assert_eq(rump_sys_setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	len = sizeof(v);
	cr_assert_eq(rump_sys_getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len), 0);
	cr_assert_eq(v, 7);
	v = 0;
	cr_assert_eq(rump_sys_setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -1);
	cr_assert_eq(errno, EINVAL);
	v = 0x10;
	cr_assert_eq(rump_sys_setsockopt(s, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	len = sizeof(v);
	cr_assert_eq(rump_sys_getsockopt(s, IPPROTO_IP, IP_TOS, &v, &len), 0);
	cr_assert_eq(v, 0x10);
	cr_assert_eq(rump_sys_setsockopt(s, IPPROTO_IP, IP_HDRINCL, &v,
	    sizeof(v)), -1);
	cr_assert_eq(errno, ENOPROTOOPT);
	rump_sys_close(s);
	noleak();
}

Test(inet_socket, ping_localhost)
{
	struct rump_netstats st;
	struct h_pingres res;

	cr_assert_eq(h_ping("127.0.0.1", 3, 0, 56, &res), 0);
	cr_assert_eq(res.pr_replies, 3);
	h_netstats(&st);
	cr_assert_geq(st.icps_echoreq, 3);
	cr_assert_geq(st.icps_echoreply_out, 3);
	cr_assert_eq(st.ips_badsum, 0);
}
