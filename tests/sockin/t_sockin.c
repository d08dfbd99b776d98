/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_sockin.c: sockin, the AF_INET domain over host sockets.  A kernel
 * with librumpnet_sockin (and no netinet) exchanges UDP datagrams with a
 * socket of this host process on 127.0.0.1, both ways, connected and not;
 * makes TCP connections to host listeners and accepts host clients
 * (data both ways, 8 MiB checked by hash, refused and non-blocking
 * connects, non-blocking accept, the backlog, half-close both ways,
 * poll, flow control and partial sends, options as the host sees them,
 * close with data queued, with linger and with threads blocked); and a
 * kernel with both sockin and netinet does not boot (h_sockin_both, run
 * by case both_domains_refused).  Loopback only.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

/* A host UDP socket on 127.0.0.1, any port; its address in *sin. */
static int
host_udp(struct sockaddr_in *sin)
{
	socklen_t sl = sizeof(*sin);
	int s;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert(s >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(s, (struct sockaddr *)sin, sizeof(*sin)) == 0);
	cr_assert(getsockname(s, (struct sockaddr *)sin, &sl) == 0);
	return s;
}

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(sockin, .init = boot, .timeout = 30);

Test(sockin, udp_both_ways)
{
	struct sockaddr_in hsin, rsin, from;
	unsigned int rlen;
	socklen_t flen;
	char buf[64];
	int h, r;

	h = host_udp(&hsin);
	r = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	cr_assert(r >= 0, "socket: %s", strerror(errno));

	/* rump -> host, unbound: the host picks our port */
	cr_assert_eq(rump_sys_sendto(r, "to host", 7, 0, (void *)&hsin,
	    sizeof(hsin)), 7);
	memset(buf, 0, sizeof(buf));
	flen = sizeof(from);
	cr_assert_eq(recvfrom(h, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &flen), 7);
	cr_assert_str_eq(buf, "to host");
	rlen = sizeof(rsin);
	cr_assert(rump_sys_getsockname(r, (void *)&rsin, &rlen) == 0);
	cr_assert_eq(rsin.sin_port, from.sin_port, "the same host socket");

	/* host -> rump: the receive thread delivers it */
	cr_assert_eq(sendto(h, "to rump", 7, 0, (struct sockaddr *)&from,
	    flen), 7);
	memset(buf, 0, sizeof(buf));
	rlen = sizeof(from);
	cr_assert_eq(rump_sys_recvfrom(r, buf, sizeof(buf), 0, (void *)&from,
	    &rlen), 7);
	cr_assert_str_eq(buf, "to rump");
	cr_assert_eq(from.sin_port, hsin.sin_port);
	cr_assert_eq(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));

	/* poll sees a datagram waiting */
	struct pollfd pfd = { .fd = r, .events = POLLIN };
	cr_assert_eq(sendto(h, "x", 1, 0, (struct sockaddr *)&rsin,
	    sizeof(rsin)), 1);
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
	cr_assert(pfd.revents & POLLIN);
	cr_assert_eq(rump_sys_read(r, buf, sizeof(buf)), 1);

	/* connected: write/read */
	cr_assert(rump_sys_connect(r, (void *)&hsin, sizeof(hsin)) == 0);
	cr_assert_eq(rump_sys_write(r, "conn", 4), 4);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(recv(h, buf, sizeof(buf), 0), 4);
	cr_assert_str_eq(buf, "conn");
	rlen = sizeof(from);
	cr_assert(rump_sys_getpeername(r, (void *)&from, &rlen) == 0);
	cr_assert_eq(from.sin_port, hsin.sin_port);
	cr_assert(rump_sys_close(r) == 0);
	close(h);
}

Test(sockin, bind_and_errors)
{
	struct sockaddr_in hsin, sin;
	char buf[8];
	int h, r, v;

	h = host_udp(&hsin);
	r = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	cr_assert(r >= 0);
	/* the host's port is taken: EADDRINUSE from the host */
	cr_assert(rump_sys_bind(r, (void *)&hsin, sizeof(hsin)) == -1 &&
	    errno == EADDRINUSE);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(rump_sys_bind(r, (void *)&sin, sizeof(sin)) == 0);
	v = 9;
	cr_assert(rump_sys_setsockopt(r, RUMP_IPPROTO_IP, RUMP_IP_TTL, &v,
	    sizeof(v)) == 0);
	unsigned int vl = sizeof(v);
	v = 0;
	cr_assert(rump_sys_getsockopt(r, RUMP_IPPROTO_IP, RUMP_IP_TTL, &v,
	    &vl) == 0);
	cr_assert_eq(v, 9);
	cr_assert(rump_sys_recvfrom(r, buf, sizeof(buf), RUMP_MSG_DONTWAIT,
	    NULL, NULL) == -1 && errno == EAGAIN);
	cr_assert(rump_sys_listen(r, 1) == -1);
	/* sequenced-packet sockets are not there (streams are) */
	cr_assert(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_SEQPACKET, 0) == -1);
	cr_assert(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM,
	    RUMP_IPPROTO_UDP) == -1);
	cr_assert(rump_sys_close(r) == 0);
	close(h);
}

Test(sockin, both_domains_refused)
{
	char out[4096];
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	cr_assert(pipe(p) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(getenv("H_SOCKIN_BOTH"), "h_sockin_both", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "h_sockin_both: %s", out);
	cr_assert(strstr(out, "sockin") != NULL && strstr(out, "inet") !=
	    NULL, "no message naming both: %s", out);
}

/* --- TCP (sockin_stream.c) --- */

#define BIG (8u << 20)
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

/* A host TCP listener on 127.0.0.1, any port; its address in *sin. */
static int
host_listener(struct sockaddr_in *sin)
{
	socklen_t sl = sizeof(*sin);
	int s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(s >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(s, (struct sockaddr *)sin, sizeof(*sin)) == 0);
	cr_assert(listen(s, 4) == 0);
	cr_assert(getsockname(s, (struct sockaddr *)sin, &sl) == 0);
	return s;
}

/* A rump TCP socket connected to host listener l (blocking connect);
 * the host's end in *hp. */
static int
rump_connected(int l, const struct sockaddr_in *lsin, int *hp)
{
	int r;

	r = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	cr_assert(r >= 0, "socket: %s", strerror(errno));
	cr_assert(rump_sys_connect(r, (const void *)lsin, sizeof(*lsin)) == 0,
	    "connect: %s", strerror(errno));
	*hp = accept(l, NULL, NULL);
	cr_assert(*hp >= 0);
	return r;
}

/* The byte at offset i of the test stream seeded seed. */
static uint8_t
pattern(uint32_t seed, size_t i)
{
	uint32_t x = (uint32_t)i * 2654435761u + seed;

	x ^= x >> 13;
	x *= 0x5bd1e995u;
	return (uint8_t)(x ^ (x >> 15));
}

/* FNV-1a over the bytes seen so far. */
static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ull

static uint64_t
pattern_hash(uint32_t seed, size_t len)
{
	uint64_t h = FNV_INIT;
	uint8_t b;
	size_t i;

	for (i = 0; i < len; i++) {
		b = pattern(seed, i);
		h = fnv(h, &b, 1);
	}
	return h;
}

struct hostio {
	int hi_fd;
	uint32_t hi_seed;
	size_t hi_len;                     /* bytes to write / read */
	uint64_t hi_hash;                  /* what was read */
	size_t hi_got;
	bool hi_shut;                      /* shutdown(SHUT_WR) after writing */
};

/* Host thread: write hi_len bytes of pattern hi_seed. */
static void *
host_writer(void *arg)
{
	struct hostio *hi = arg;
	uint8_t buf[32768];
	size_t off = 0, n, i;
	ssize_t w;

	while (off < hi->hi_len) {
		n = MIN(sizeof(buf), hi->hi_len - off);
		for (i = 0; i < n; i++)
			buf[i] = pattern(hi->hi_seed, off + i);
		for (i = 0; i < n; i += (size_t)w) {
			w = write(hi->hi_fd, buf + i, n - i);
			if (w <= 0)
				return NULL;
		}
		off += n;
	}
	if (hi->hi_shut)
		shutdown(hi->hi_fd, SHUT_WR);
	return NULL;
}

/* Host thread: read until EOF, hashing. */
static void *
host_reader(void *arg)
{
	struct hostio *hi = arg;
	uint8_t buf[32768];
	ssize_t n;

	hi->hi_hash = FNV_INIT;
	while ((n = read(hi->hi_fd, buf, sizeof(buf))) > 0) {
		hi->hi_hash = fnv(hi->hi_hash, buf, (size_t)n);
		hi->hi_got += (size_t)n;
	}
	return NULL;
}

/* Write len bytes of pattern seed to rump socket r. */
static void
rump_write_pattern(int r, uint32_t seed, size_t len)
{
	static uint8_t buf[100000];        /* odd size: chunks straddle */
	size_t off = 0, n, i;
	ssize_t w;

	while (off < len) {
		n = MIN(sizeof(buf), len - off);
		for (i = 0; i < n; i++)
			buf[i] = pattern(seed, off + i);
		w = rump_sys_write(r, buf, n);
		cr_assert(w > 0, "write: %s", strerror(errno));
		off += (size_t)w;
		cr_assert_eq((size_t)w, n, "blocking write was short");
	}
}

/* Read rump socket r to EOF; the hash in *hp, the count returned. */
static size_t
rump_read_all(int r, uint64_t *hp)
{
	static uint8_t buf[77777];
	size_t got = 0;
	ssize_t n;

	*hp = FNV_INIT;
	while ((n = rump_sys_read(r, buf, sizeof(buf))) > 0) {
		*hp = fnv(*hp, buf, (size_t)n);
		got += (size_t)n;
	}
	cr_assert_eq(n, 0, "read: %s", strerror(errno));
	return got;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(sockin, tcp_connect_both_ways)
{
	struct sockaddr_in lsin, a, b;
	struct hostio wr = { 0 }, rd = { 0 };
	pthread_t t;
	unsigned int al;
	socklen_t bl;
	uint64_t h;
	char buf[64];
	int l, h_fd, r;

	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h_fd);

	/* addresses: ours is the host peer's, the peer is the listener */
	al = sizeof(a);
	cr_assert(rump_sys_getpeername(r, (void *)&a, &al) == 0);
	cr_assert_eq(a.sin_port, lsin.sin_port);
	cr_assert_eq(a.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	al = sizeof(a);
	cr_assert(rump_sys_getsockname(r, (void *)&a, &al) == 0);
	bl = sizeof(b);
	cr_assert(getpeername(h_fd, (struct sockaddr *)&b, &bl) == 0);
	cr_assert_eq(a.sin_port, b.sin_port);

	/* a little each way */
	cr_assert_eq(rump_sys_write(r, "hello host", 10), 10);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(recv(h_fd, buf, 10, MSG_WAITALL), 10);
	cr_assert_str_eq(buf, "hello host");
	cr_assert_eq(send(h_fd, "hello rump", 10, 0), 10);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rump_sys_recvfrom(r, buf, 10, RUMP_MSG_WAITALL, NULL,
	    NULL), 10);
	cr_assert_str_eq(buf, "hello rump");

	/* 8 MiB rump -> host */
	rd.hi_fd = h_fd;
	cr_assert(pthread_create(&t, NULL, host_reader, &rd) == 0);
	rump_write_pattern(r, 1, BIG);
	cr_assert(rump_sys_shutdown(r, RUMP_SHUT_WR) == 0);
	cr_assert(pthread_join(t, NULL) == 0);
	cr_assert_eq(rd.hi_got, BIG);
	cr_assert_eq(rd.hi_hash, pattern_hash(1, BIG), "rump->host data");

	/* 8 MiB host -> rump, on the half-closed connection */
	wr.hi_fd = h_fd;
	wr.hi_seed = 2;
	wr.hi_len = BIG;
	wr.hi_shut = true;
	cr_assert(pthread_create(&t, NULL, host_writer, &wr) == 0);
	cr_assert_eq(rump_read_all(r, &h), BIG);
	cr_assert(pthread_join(t, NULL) == 0);
	cr_assert_eq(h, pattern_hash(2, BIG), "host->rump data");

	cr_assert(rump_sys_close(r) == 0);
	close(h_fd);
	close(l);
}

Test(sockin, tcp_rump_listener)
{
	struct sockaddr_in sin, peer, hl;
	struct pollfd pfd;
	unsigned int sl;
	socklen_t hll = sizeof(hl);
	char buf[16];
	int l, c, a, one = 1, v;

	l = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	cr_assert(l >= 0);
	cr_assert(rump_sys_setsockopt(l, RUMP_SOL_SOCKET, RUMP_SO_REUSEADDR,
	    &one, sizeof(one)) == 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(rump_sys_bind(l, (void *)&sin, sizeof(sin)) == 0);
	cr_assert(rump_sys_listen(l, 5) == 0, "listen: %s", strerror(errno));
	sl = sizeof(sin);
	cr_assert(rump_sys_getsockname(l, (void *)&sin, &sl) == 0);
	cr_assert(sin.sin_port != 0);
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(l, RUMP_SOL_SOCKET, RUMP_SO_ACCEPTCONN,
	    &v, &sl) == 0 && v == 1);

	/* nothing pending: not readable */
	pfd.fd = l;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 0), 0);

	c = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	cr_assert(getsockname(c, (struct sockaddr *)&hl, &hll) == 0);
	/* a connection pending: readable */
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
	cr_assert(pfd.revents & POLLIN);

	sl = sizeof(peer);
	a = rump_sys_accept4(l, (void *)&peer, &sl, RUMP_SOCK_NONBLOCK);
	cr_assert(a >= 0, "accept: %s", strerror(errno));
	cr_assert_eq(peer.sin_port, hl.sin_port);
	cr_assert_eq(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	/* accept4's SOCK_NONBLOCK: nothing to read is EAGAIN */
	cr_assert(rump_sys_read(a, buf, sizeof(buf)) == -1 && errno == EAGAIN);

	cr_assert_eq(write(c, "ping", 4), 4);
	pfd.fd = a;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rump_sys_read(a, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "ping");
	cr_assert_eq(rump_sys_write(a, "pong", 4), 4);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(recv(c, buf, 4, MSG_WAITALL), 4);
	cr_assert_str_eq(buf, "pong");

	/* the host client closes: EOF, readable */
	close(c);
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
	cr_assert_eq(rump_sys_read(a, buf, sizeof(buf)), 0);
	cr_assert(rump_sys_close(a) == 0);
	cr_assert(rump_sys_close(l) == 0);
}

Test(sockin, tcp_backlog)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	unsigned int sl;
	char buf[4];
	int l, c[4], a, i, seen = 0;

	/* backlog 1: the rump queue holds two, the host keeps the rest
	 * until accept makes room; every client is accepted in the end */
	l = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(rump_sys_bind(l, (void *)&sin, sizeof(sin)) == 0);
	cr_assert(rump_sys_listen(l, 1) == 0);
	sl = sizeof(sin);
	cr_assert(rump_sys_getsockname(l, (void *)&sin, &sl) == 0);
	for (i = 0; i < 4; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert(connect(c[i], (struct sockaddr *)&sin,
		    sizeof(sin)) == 0);
		buf[0] = (char)('0' + i);
		cr_assert_eq(write(c[i], buf, 1), 1);
	}
	for (i = 0; i < 4; i++) {
		a = rump_sys_accept(l, NULL, NULL);
		cr_assert(a >= 0, "accept %d: %s", i, strerror(errno));
		pfd.fd = a;
		pfd.events = POLLIN;
		cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
		cr_assert_eq(rump_sys_read(a, buf, 1), 1);
		cr_assert(buf[0] >= '0' && buf[0] <= '3');
		seen |= 1 << (buf[0] - '0');
		cr_assert(rump_sys_close(a) == 0);
	}
	cr_assert_eq(seen, 0xf);
	for (i = 0; i < 4; i++)
		close(c[i]);
	cr_assert(rump_sys_close(l) == 0);
}

/* A port of 127.0.0.1 nobody listens on (just released by the host). */
static void
closed_port(struct sockaddr_in *sin)
{
	socklen_t sl = sizeof(*sin);
	int s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(s, (struct sockaddr *)sin, sizeof(*sin)) == 0);
	cr_assert(getsockname(s, (struct sockaddr *)sin, &sl) == 0);
	close(s);
}

Test(sockin, tcp_connect_refused)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	unsigned int sl;
	int r, v, rv;

	closed_port(&sin);
	/* blocking: the host's ECONNREFUSED */
	r = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	cr_assert(r >= 0);
	cr_assert(rump_sys_connect(r, (void *)&sin, sizeof(sin)) == -1);
	cr_assert_eq(errno, ECONNREFUSED, "connect: %s", strerror(errno));
	cr_assert(rump_sys_close(r) == 0);

	/* non-blocking: EINPROGRESS, then SO_ERROR */
	r = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM | RUMP_SOCK_NONBLOCK,
	    0);
	cr_assert(r >= 0);
	rv = rump_sys_connect(r, (void *)&sin, sizeof(sin));
	cr_assert(rv == -1 && (errno == EINPROGRESS || errno == ECONNREFUSED),
	    "connect: %s", strerror(errno));
	if (errno == EINPROGRESS) {
		pfd.fd = r;
		pfd.events = POLLOUT;
		cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
		cr_assert(pfd.revents & (POLLERR | POLLHUP));
		sl = sizeof(v);
		v = 0;
		cr_assert(rump_sys_getsockopt(r, RUMP_SOL_SOCKET,
		    RUMP_SO_ERROR, &v, &sl) == 0);
		cr_assert_eq(v, ECONNREFUSED);
		/* reported once */
		cr_assert(rump_sys_getsockopt(r, RUMP_SOL_SOCKET,
		    RUMP_SO_ERROR, &v, &sl) == 0 && v == 0);
	}
	cr_assert(rump_sys_close(r) == 0);
}

Test(sockin, tcp_nonblocking_connect_accept)
{
	struct sockaddr_in sin, lsin;
	struct pollfd pfd;
	unsigned int sl;
	int l, c, a, v, rv;

	l = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM | RUMP_SOCK_NONBLOCK,
	    0);
	cr_assert(l >= 0);
	memset(&lsin, 0, sizeof(lsin));
	lsin.sin_family = AF_INET;
	lsin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(rump_sys_bind(l, (void *)&lsin, sizeof(lsin)) == 0);
	cr_assert(rump_sys_listen(l, 1) == 0);
	sl = sizeof(lsin);
	cr_assert(rump_sys_getsockname(l, (void *)&lsin, &sl) == 0);
	/* nobody there yet */
	cr_assert(rump_sys_accept(l, NULL, NULL) == -1 && errno == EAGAIN);

	/* a non-blocking rump client of the rump listener, via the host */
	c = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM | RUMP_SOCK_NONBLOCK,
	    0);
	cr_assert(c >= 0);
	rv = rump_sys_connect(c, (void *)&lsin, sizeof(lsin));
	cr_assert(rv == 0 || errno == EINPROGRESS, "connect: %s",
	    strerror(errno));
	pfd.fd = c;
	pfd.events = POLLOUT;
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
	cr_assert(pfd.revents & POLLOUT);
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(c, RUMP_SOL_SOCKET, RUMP_SO_ERROR, &v,
	    &sl) == 0 && v == 0);
	/* connected now */
	cr_assert(rump_sys_connect(c, (void *)&lsin, sizeof(lsin)) == -1 &&
	    errno == EISCONN);

	pfd.fd = l;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
	sl = sizeof(sin);
	a = rump_sys_accept(l, (void *)&sin, &sl);
	cr_assert(a >= 0, "accept: %s", strerror(errno));
	cr_assert(rump_sys_accept(l, NULL, NULL) == -1 && errno == EAGAIN);
	cr_assert_eq(rump_sys_write(c, "abc", 3), 3);
	char buf[8] = { 0 };
	cr_assert_eq(rump_sys_recvfrom(a, buf, 3, RUMP_MSG_WAITALL, NULL,
	    NULL), 3);
	cr_assert_str_eq(buf, "abc");
	cr_assert(rump_sys_close(c) == 0);
	cr_assert_eq(rump_sys_read(a, buf, sizeof(buf)), 0);
	cr_assert(rump_sys_close(a) == 0);
	cr_assert(rump_sys_close(l) == 0);
}

Test(sockin, tcp_shutdown_wr)
{
	struct sockaddr_in lsin;
	struct pollfd pfd;
	char buf[16];
	int l, h, r, i;

	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	cr_assert_eq(rump_sys_write(r, "last", 4), 4);
	cr_assert(rump_sys_shutdown(r, RUMP_SHUT_WR) == 0);
	/* the host peer gets the data, then EOF */
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(recv(h, buf, 4, MSG_WAITALL), 4);
	cr_assert_str_eq(buf, "last");
	cr_assert_eq(recv(h, buf, sizeof(buf), 0), 0);
	/* we cannot write any more */
	cr_assert(rump_sys_write(r, "x", 1) == -1 && errno == EPIPE);
	/* the other way still flows */
	for (i = 0; i < 3; i++) {
		cr_assert_eq(send(h, "more", 4, 0), 4);
		memset(buf, 0, sizeof(buf));
		cr_assert_eq(rump_sys_recvfrom(r, buf, 4, RUMP_MSG_WAITALL,
		    NULL, NULL), 4);
		cr_assert_str_eq(buf, "more");
	}
	/* poll: not readable, then EOF is */
	pfd.fd = r;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 0), 0);
	shutdown(h, SHUT_WR);
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 5000), 1);
	cr_assert(pfd.revents & POLLIN);
	cr_assert_eq(rump_sys_read(r, buf, sizeof(buf)), 0);
	cr_assert(rump_sys_close(r) == 0);
	close(h);
	close(l);
}

Test(sockin, tcp_nonblocking_send_and_flow_control)
{
	struct sockaddr_in lsin;
	struct hostio rd = { 0 };
	struct pollfd pfd;
	static uint8_t buf[65536];
	size_t total = 0, i;
	pthread_t t;
	uint64_t hash = FNV_INIT;
	ssize_t n;
	int l, h, r, sz;

	l = host_listener(&lsin);
	/* a small receive buffer (window) at the host peer so the stream
	 * backs up soon; set on the listener so the handshake knows it */
	sz = 8192;
	cr_assert(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == 0);
	r = rump_connected(l, &lsin, &h);
	pfd.fd = r;
	pfd.events = POLLOUT;
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 0), 1, "writable");
	/* the host does not read: MSG_DONTWAIT sends fill up, then EAGAIN;
	 * every byte taken is counted */
	for (;;) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(3, total + i);
		n = rump_sys_sendto(r, buf, sizeof(buf), RUMP_MSG_DONTWAIT,
		    NULL, 0);
		if (n < 0) {
			cr_assert_eq(errno, EAGAIN, "send: %s",
			    strerror(errno));
			/* the thread may still be moving so_snd to the host */
			if (rump_sys_poll((void *)&pfd, 1, 300) == 0)
				break;
			continue;
		}
		cr_assert(n > 0 && (size_t)n <= sizeof(buf));
		hash = fnv(hash, buf, (size_t)n);
		total += (size_t)n;
		cr_assert(total < (64u << 20), "never backed up");
	}
	cr_assert(total > 0);
	cr_assert_eq(rump_sys_poll((void *)&pfd, 1, 0), 0, "not writable");
	/* SO_SNDTIMEO: a blocking write times out with EAGAIN */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	cr_assert(rump_sys_setsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_SNDTIMEO,
	    &tv, sizeof(tv)) == 0);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(3, total + i);
	n = rump_sys_write(r, buf, sizeof(buf));
	if (n > 0) {
		hash = fnv(hash, buf, (size_t)n);
		total += (size_t)n;
	} else {
		cr_assert_eq(errno, EAGAIN);
	}
	/* now the host reads: everything, in order */
	rd.hi_fd = h;
	cr_assert(pthread_create(&t, NULL, host_reader, &rd) == 0);
	cr_assert(rump_sys_close(r) == 0);
	cr_assert(pthread_join(t, NULL) == 0);
	cr_assert_eq(rd.hi_got, total);
	cr_assert_eq(rd.hi_hash, hash);
	close(h);
	close(l);
}

Test(sockin, tcp_close_flushes)
{
	struct sockaddr_in lsin;
	struct hostio rd = { 0 };
	pthread_t t;
	int l, h, r;

	/* close right after a large write: the data still all arrives
	 * (the orphan thread sends it), then EOF */
	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	rd.hi_fd = h;
	cr_assert(pthread_create(&t, NULL, host_reader, &rd) == 0);
	rump_write_pattern(r, 4, 1u << 20);
	cr_assert(rump_sys_close(r) == 0);
	cr_assert(pthread_join(t, NULL) == 0);
	cr_assert_eq(rd.hi_got, 1u << 20);
	cr_assert_eq(rd.hi_hash, pattern_hash(4, 1u << 20));
	close(h);
	close(l);
}

Test(sockin, tcp_receive_flow_control)
{
	struct sockaddr_in lsin;
	static uint8_t buf[65536];
	size_t total = 0, i, got = 0;
	uint64_t want = FNV_INIT, have = FNV_INIT;
	ssize_t n;
	int l, h, r, idle = 0, queued, rcvbuf;
	unsigned int sl;

	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	sl = sizeof(rcvbuf);
	cr_assert(rump_sys_getsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_RCVBUF,
	    &rcvbuf, &sl) == 0);
	/* the rump side reads nothing: the host's writes back up */
	while (idle < 5) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(5, total + i);
		n = send(h, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			cr_assert(errno == EAGAIN);
			idle++;
			usleep(50000);
			continue;
		}
		idle = 0;
		want = fnv(want, buf, (size_t)n);
		total += (size_t)n;
		cr_assert(total < (256u << 20), "never backed up");
	}
	/* so_rcv holds at most its limit; the rest waits in the host */
	cr_assert(rump_sys_ioctl(r, RUMP_FIONREAD, &queued) == 0);
	cr_assert(queued > 0 && queued <= rcvbuf, "so_rcv holds %d", queued);
	/* reading makes room, and the thread reads on: all of it, in order */
	while (got < total) {
		n = rump_sys_read(r, buf, sizeof(buf));
		cr_assert(n > 0, "read: %s", strerror(errno));
		have = fnv(have, buf, (size_t)n);
		got += (size_t)n;
	}
	cr_assert_eq(got, total);
	cr_assert_eq(have, want);
	cr_assert(rump_sys_close(r) == 0);
	close(h);
	close(l);
}

Test(sockin, tcp_linger_waits)
{
	struct sockaddr_in lsin;
	struct rump_linger lg = { 1, 10 };
	struct hostio rd = { 0 };
	pthread_t t;
	int l, h, r;

	/* SO_LINGER with a time: close returns once the data went */
	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	cr_assert(rump_sys_setsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_LINGER, &lg,
	    sizeof(lg)) == 0);
	rd.hi_fd = h;
	cr_assert(pthread_create(&t, NULL, host_reader, &rd) == 0);
	rump_write_pattern(r, 6, 2u << 20);
	cr_assert(rump_sys_close(r) == 0);
	cr_assert(pthread_join(t, NULL) == 0);
	cr_assert_eq(rd.hi_got, 2u << 20);
	cr_assert_eq(rd.hi_hash, pattern_hash(6, 2u << 20));
	close(h);
	close(l);
}

Test(sockin, tcp_linger_zero_resets)
{
	struct sockaddr_in lsin;
	struct rump_linger lg = { 1, 0 };
	char buf[8];
	int l, h, r;

	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	cr_assert(rump_sys_setsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_LINGER, &lg,
	    sizeof(lg)) == 0);
	cr_assert(rump_sys_close(r) == 0);
	cr_assert(recv(h, buf, sizeof(buf), 0) == -1 && errno == ECONNRESET);
	close(h);
	close(l);
}

/* The host socket (of this process) bound to local port port: the host
 * half of a rump socket. */
static int
host_fd_of(in_port_t port)
{
	struct sockaddr_in sin;
	socklen_t sl;
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		sl = sizeof(sin);
		if (getsockname(fd, (struct sockaddr *)&sin, &sl) == 0 &&
		    sin.sin_family == AF_INET && sin.sin_port == port)
			return fd;
	}
	return -1;
}

Test(sockin, tcp_options)
{
	struct sockaddr_in lsin;
	unsigned int sl;
	int l, h, r, v;

	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(r, RUMP_IPPROTO_TCP, RUMP_TCP_NODELAY,
	    &v, &sl) == 0 && v == 0);
	v = 1;
	cr_assert(rump_sys_setsockopt(r, RUMP_IPPROTO_TCP, RUMP_TCP_NODELAY,
	    &v, sizeof(v)) == 0);
	v = 0;
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(r, RUMP_IPPROTO_TCP, RUMP_TCP_NODELAY,
	    &v, &sl) == 0 && v == 1, "TCP_NODELAY from the host");
	v = 30;
	cr_assert(rump_sys_setsockopt(r, RUMP_IPPROTO_TCP, RUMP_TCP_KEEPIDLE,
	    &v, sizeof(v)) == 0);
	v = 0;
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(r, RUMP_IPPROTO_TCP, RUMP_TCP_KEEPIDLE,
	    &v, &sl) == 0 && v == 30);
	v = 1;
	cr_assert(rump_sys_setsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_KEEPALIVE,
	    &v, sizeof(v)) == 0);
	v = 0;
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_KEEPALIVE,
	    &v, &sl) == 0 && v == 1);
	v = 65536;
	cr_assert(rump_sys_setsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_RCVBUF, &v,
	    sizeof(v)) == 0);
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_RCVBUF, &v,
	    &sl) == 0 && v == 131072);
	sl = sizeof(v);
	cr_assert(rump_sys_getsockopt(r, RUMP_SOL_SOCKET, RUMP_SO_TYPE, &v,
	    &sl) == 0 && v == RUMP_SOCK_STREAM);
	/* the host socket has them too */
	struct sockaddr_in me;
	socklen_t hsl;
	int hfd;

	sl = sizeof(me);
	cr_assert(rump_sys_getsockname(r, (void *)&me, &sl) == 0);
	hfd = host_fd_of(me.sin_port);
	cr_assert(hfd >= 0);
	hsl = sizeof(v);
	cr_assert(getsockopt(hfd, SOL_SOCKET, SO_KEEPALIVE, &v, &hsl) == 0 &&
	    v == 1, "host SO_KEEPALIVE");
	hsl = sizeof(v);
	cr_assert(getsockopt(hfd, IPPROTO_TCP, TCP_NODELAY, &v, &hsl) == 0 &&
	    v == 1, "host TCP_NODELAY");
	hsl = sizeof(v);
	cr_assert(getsockopt(hfd, SOL_SOCKET, SO_RCVBUF, &v, &hsl) == 0 &&
	    v == 131072, "host SO_RCVBUF %d", v);
	/* unknown TCP option: not ours */
	cr_assert(rump_sys_setsockopt(r, RUMP_IPPROTO_TCP, 9999, &v,
	    sizeof(v)) == -1 && errno == ENOPROTOOPT);
	cr_assert(rump_sys_close(r) == 0);
	close(h);
	close(l);
}

Test(sockin, tcp_shutdown_rd)
{
	struct sockaddr_in lsin;
	char buf[8];
	int l, h, r;

	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	cr_assert(rump_sys_shutdown(r, RUMP_SHUT_RD) == 0);
	/* reading is over at once; writing goes on */
	cr_assert_eq(rump_sys_read(r, buf, sizeof(buf)), 0);
	cr_assert_eq(rump_sys_write(r, "still", 5), 5);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(recv(h, buf, 5, MSG_WAITALL), 5);
	cr_assert_str_eq(buf, "still");
	cr_assert(rump_sys_shutdown(r, 7) == -1 && errno == EINVAL);
	cr_assert(rump_sys_close(r) == 0);
	cr_assert_eq(recv(h, buf, sizeof(buf), 0), 0);
	close(h);
	close(l);
}

struct blocked {
	int b_fd;
	int b_accept;                      /* accept, else read */
	ssize_t b_rv;
	int b_errno;
};

static void *
rump_blocker(void *arg)
{
	struct blocked *b = arg;
	char buf[16];

	if (b->b_accept)
		b->b_rv = rump_sys_accept(b->b_fd, NULL, NULL);
	else
		b->b_rv = rump_sys_read(b->b_fd, buf, sizeof(buf));
	b->b_errno = errno;
	return NULL;
}

Test(sockin, tcp_close_while_blocked)
{
	struct sockaddr_in lsin, sin;
	struct blocked rb = { 0 }, ab = { 0 };
	pthread_t t1, t2;
	unsigned int sl;
	double t0;
	int l, h, r, rl, c;

	/* a reader blocked in read */
	l = host_listener(&lsin);
	r = rump_connected(l, &lsin, &h);
	rb.b_fd = r;
	cr_assert(pthread_create(&t1, NULL, rump_blocker, &rb) == 0);

	/* an acceptor blocked in accept */
	rl = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(rump_sys_bind(rl, (void *)&sin, sizeof(sin)) == 0);
	cr_assert(rump_sys_listen(rl, 1) == 0);
	sl = sizeof(sin);
	cr_assert(rump_sys_getsockname(rl, (void *)&sin, &sl) == 0);
	ab.b_fd = rl;
	ab.b_accept = 1;
	cr_assert(pthread_create(&t2, NULL, rump_blocker, &ab) == 0);
	usleep(200000);

	/* closing the descriptors returns at once */
	t0 = now();
	cr_assert(rump_sys_close(r) == 0);
	cr_assert(rump_sys_close(rl) == 0);
	cr_assert(now() - t0 < 1.0, "close took %.2f s", now() - t0);

	/* the blocked calls hold their sockets (as Linux's do) and still
	 * finish: the reader at the peer's EOF, the acceptor with a
	 * connection */
	close(h);
	c = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(connect(c, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	cr_assert(pthread_join(t1, NULL) == 0);
	cr_assert_eq(rb.b_rv, 0);
	cr_assert(pthread_join(t2, NULL) == 0);
	cr_assert(ab.b_rv >= 0, "accept: %s", strerror(ab.b_errno));
	cr_assert(rump_sys_close((int)ab.b_rv) == 0);
	/* the last reference closed the host sockets too */
	char buf[4];
	cr_assert_eq(recv(c, buf, sizeof(buf), 0), 0);
	close(c);
	close(l);
}
