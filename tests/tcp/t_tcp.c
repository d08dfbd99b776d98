/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_tcp.c: TCP in one kernel over lo0 (127.0.0.1): connect and accept,
 * addresses, a bulk transfer checked byte for byte, half-close, RST from
 * a closed port (ECONNREFUSED), non-blocking connect and accept with
 * poll and SO_ERROR, TIME_WAIT and SO_REUSEADDR, a reset by SO_LINGER 0
 * (ECONNRESET, then EPIPE), the TCP options (TCP_NODELAY, TCP_MAXSEG,
 * TCP_CONGESTION, TCP_INFO, keepalive knobs), many connections at once,
 * urgent data (MSG_OOB, the mark, SIOCATMARK, POLLPRI, SO_OOBINLINE).
 * Each case boots its own kernel and checks no socket outlives it.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>

#include "../netinet/h_inet.h"

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	(void)rump_sys_getpid();
}

TestSuite(tcp, .init = boot, .timeout = 60);

static int
tcp_listener(uint16_t *portp, int backlog, int extra)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s = rump_sys_socket(AF_INET, SOCK_STREAM | extra, 0);

	cr_assert_geq(s, 0, "socket: %s", strerror(errno));
	h_sin(&sin, "127.0.0.1", *portp);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0,
	    "bind: %s", strerror(errno));
	cr_assert_eq(rump_sys_listen(s, backlog), 0, "listen: %s",
	    strerror(errno));
	cr_assert_eq(rump_sys_getsockname(s, (struct sockaddr *)&sin, &len), 0);
	*portp = ntohs(sin.sin_port);
	return s;
}

static int
tcp_connected(uint16_t port)
{
	struct sockaddr_in sin;
	int s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(s, 0);
	h_sin(&sin, "127.0.0.1", port);
	cr_assert_eq(rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)),
	    0, "connect: %s", strerror(errno));
	return s;
}

static void
pair(int *cp, int *ap, int *lp)
{
	uint16_t port = 0;

	*lp = tcp_listener(&port, 16, 0);
	*cp = tcp_connected(port);
	*ap = rump_sys_accept(*lp, NULL, NULL);
	cr_assert_geq(*ap, 0, "accept: %s", strerror(errno));
}

Test(tcp, connect_accept_addresses)
{
	struct sockaddr_in a, b, p;
	socklen_t len;
	int c, s, l;

	pair(&c, &s, &l);
	len = sizeof(a);
	cr_assert_eq(rump_sys_getsockname(c, (struct sockaddr *)&a, &len), 0);
	len = sizeof(p);
	cr_assert_eq(rump_sys_getpeername(s, (struct sockaddr *)&p, &len), 0);
	cr_assert_eq(a.sin_port, p.sin_port);
	cr_assert_eq(a.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	len = sizeof(b);
	cr_assert_eq(rump_sys_getpeername(c, (struct sockaddr *)&b, &len), 0);
	cr_assert_eq(rump_sys_write(c, "hello", 5), 5);
	char buf[16];
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert_eq(rump_sys_write(s, "world!", 6), 6);
	cr_assert_eq(rump_sys_read(c, buf, sizeof(buf)), 6);
	rump_sys_close(c);
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 0, "EOF after close");
	rump_sys_close(s);
	rump_sys_close(l);
}

struct bulk {
	int fd;
	size_t len;
	uint64_t sum;
};

static uint64_t
fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void *
bulk_writer(void *arg)
{
	struct bulk *b = arg;
	static unsigned char buf[65536];
	size_t done = 0;
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned seed = 7;

	while (done < b->len) {
		size_t n = b->len - done < sizeof(buf) ? b->len - done :
		    sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)(rand_r(&seed));
		h = fnv(h, buf, n);
		size_t off = 0;
		while (off < n) {
			ssize_t w = rump_sys_write(b->fd, buf + off, n - off);
			if (w <= 0)
				return NULL;
			off += (size_t)w;
		}
		done += n;
	}
	b->sum = h;
	rump_sys_shutdown(b->fd, SHUT_WR);
	return NULL;
}

Test(tcp, bulk_checksum)
{
	pthread_t th;
	struct bulk b;
	static unsigned char buf[100000];
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t got = 0;
	ssize_t r;
	int c, s, l;

	pair(&c, &s, &l);
	b.fd = c;
	b.len = 16 << 20;
	b.sum = 0;
	pthread_create(&th, NULL, bulk_writer, &b);
	while ((r = rump_sys_read(s, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, (size_t)r);
		got += (size_t)r;
	}
	cr_assert_eq(r, 0, "read: %s", strerror(errno));
	pthread_join(th, NULL);
	cr_assert_eq(got, b.len);
	cr_assert_eq(h, b.sum, "checksums differ");
	struct rump_tcp_info ti;
	socklen_t tl = sizeof(ti);
	/* The ACK of our FIN may still be on its way through lo0. */
	for (int i = 0; i < 1000; i++) {
		tl = sizeof(ti);
		cr_assert_eq(rump_sys_getsockopt(c, RUMP_SOL_TCP, RUMP_TCP_INFO,
		    &ti, &tl), 0);
		if (ti.tcpi_state != RUMP_TCP_FIN_WAIT1)
			break;
		usleep(1000);
	}
	cr_assert_eq(tl, sizeof(ti));
	cr_assert_eq(ti.tcpi_state, RUMP_TCP_FIN_WAIT2);
	cr_assert_gt(ti.tcpi_snd_cwnd, 0);
	cr_assert(ti.tcpi_options & RUMP_TCPI_OPT_TIMESTAMPS);
	cr_assert(ti.tcpi_options & RUMP_TCPI_OPT_WSCALE);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_close(l);
}

Test(tcp, half_close)
{
	char buf[64];
	int c, s, l;

	pair(&c, &s, &l);
	cr_assert_eq(rump_sys_shutdown(c, SHUT_WR), 0);
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 0, "EOF at server");
	/* The other direction still works. */
	cr_assert_eq(rump_sys_write(s, "late", 4), 4);
	cr_assert_eq(rump_sys_read(c, buf, sizeof(buf)), 4);
	errno = 0;
	cr_assert_eq(rump_sys_write(c, "x", 1), -1);
	cr_assert_eq(errno, EPIPE);
	rump_sys_close(s);
	cr_assert_eq(rump_sys_read(c, buf, sizeof(buf)), 0);
	rump_sys_close(c);
	rump_sys_close(l);
}

Test(tcp, refused)
{
	struct sockaddr_in sin;
	uint16_t port = 0;
	int l = tcp_listener(&port, 1, 0);
	int s;

	rump_sys_close(l);                 /* the port is closed now */
	s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	h_sin(&sin, "127.0.0.1", port);
	errno = 0;
	cr_assert_eq(rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)),
	    -1);
	cr_assert_eq(errno, ECONNREFUSED, "errno %d", errno);
	rump_sys_close(s);
}

Test(tcp, nonblocking)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	uint16_t port = 0;
	int l = tcp_listener(&port, 4, SOCK_NONBLOCK), s, a, err;
	socklen_t len = sizeof(err);

	errno = 0;
	cr_assert_eq(rump_sys_accept(l, NULL, NULL), -1);
	cr_assert_eq(errno, EAGAIN);
	s = rump_sys_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	h_sin(&sin, "127.0.0.1", port);
	errno = 0;
	cr_assert_eq(rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)),
	    -1);
	cr_assert_eq(errno, EINPROGRESS);
	pfd.fd = s;
	pfd.events = POLLOUT;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), 1);
	cr_assert(pfd.revents & POLLOUT);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len),
	    0);
	cr_assert_eq(err, 0);
	pfd.fd = l;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), 1);
	a = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
	/* Nothing to read yet. */
	char c;
	errno = 0;
	cr_assert_eq(rump_sys_read(s, &c, 1), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sys_close(a);
	rump_sys_close(s);

	/* Non-blocking connect to a closed port: POLLOUT|POLLERR and
	 * SO_ERROR ECONNREFUSED. */
	rump_sys_close(l);
	s = rump_sys_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	errno = 0;
	cr_assert_eq(rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)),
	    -1);
	cr_assert_eq(errno, EINPROGRESS);
	pfd.fd = s;
	pfd.events = POLLOUT;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), 1);
	cr_assert(pfd.revents & POLLERR);
	len = sizeof(err);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len),
	    0);
	cr_assert_eq(err, ECONNREFUSED);
	rump_sys_close(s);
}

Test(tcp, timewait_reuseaddr)
{
	struct sockaddr_in sin;
	uint16_t port = 0;
	int c, s, l, l2, one = 1;

	l = tcp_listener(&port, 4, 0);
	c = tcp_connected(port);
	s = rump_sys_accept(l, NULL, NULL);
	/* The server closes first: its side goes to TIME_WAIT. */
	rump_sys_close(s);
	char buf[4];
	cr_assert_eq(rump_sys_read(c, buf, sizeof(buf)), 0);
	rump_sys_close(c);
	rump_sys_close(l);
	usleep(50000);
	l2 = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	h_sin(&sin, "127.0.0.1", port);
	errno = 0;
	cr_assert_eq(rump_sys_bind(l2, (struct sockaddr *)&sin, sizeof(sin)),
	    -1, "TIME_WAIT holds the port");
	cr_assert_eq(errno, EADDRINUSE);
	rump_sys_close(l2);
	l2 = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_setsockopt(l2, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), 0);
	cr_assert_eq(rump_sys_bind(l2, (struct sockaddr *)&sin, sizeof(sin)),
	    0, "bind with SO_REUSEADDR: %s", strerror(errno));
	cr_assert_eq(rump_sys_listen(l2, 4), 0);
	c = tcp_connected(port);
	s = rump_sys_accept(l2, NULL, NULL);
	cr_assert_geq(s, 0);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_close(l2);
}

Test(tcp, linger_reset)
{
	struct linger lg = { 1, 0 };
	char buf[8];
	int c, s, l;

	pair(&c, &s, &l);
	cr_assert_eq(rump_sys_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	rump_sys_close(c);
	errno = 0;
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), -1);
	cr_assert_eq(errno, ECONNRESET);
	errno = 0;
	cr_assert_eq(rump_sys_write(s, "x", 1), -1);
	cr_assert_eq(errno, EPIPE);
	rump_sys_close(s);
	rump_sys_close(l);
}

Test(tcp, options)
{
	int c, s, l, v;
	socklen_t len;
	char name[16];
	struct rump_tcp_info ti;

	pair(&c, &s, &l);
	v = 1;
	cr_assert_eq(rump_sys_setsockopt(c, RUMP_SOL_TCP, RUMP_TCP_NODELAY, &v,
	    sizeof(v)), 0);
	len = sizeof(v);
	cr_assert_eq(rump_sys_getsockopt(c, RUMP_SOL_TCP, RUMP_TCP_NODELAY, &v,
	    &len), 0);
	cr_assert_eq(v, 1);
	len = sizeof(v);
	cr_assert_eq(rump_sys_getsockopt(c, RUMP_SOL_TCP, RUMP_TCP_MAXSEG, &v,
	    &len), 0);
	cr_assert_gt(v, 1000, "lo0 gives a big MSS, got %d", v);
	len = sizeof(name);
	cr_assert_eq(rump_sys_getsockopt(c, RUMP_SOL_TCP, RUMP_TCP_CONGESTION,
	    name, &len), 0);
	cr_assert_str_eq(name, "cubic");
	cr_assert_eq(rump_sys_setsockopt(c, RUMP_SOL_TCP, RUMP_TCP_CONGESTION,
	    "reno", 4), 0);
	len = sizeof(name);
	cr_assert_eq(rump_sys_getsockopt(c, RUMP_SOL_TCP, RUMP_TCP_CONGESTION,
	    name, &len), 0);
	cr_assert_str_eq(name, "reno");
	errno = 0;
	cr_assert_eq(rump_sys_setsockopt(c, RUMP_SOL_TCP, RUMP_TCP_CONGESTION,
	    "bogus", 5), -1);
	cr_assert_eq(errno, ENOENT);
	v = 0;
	errno = 0;
	cr_assert_eq(rump_sys_setsockopt(c, RUMP_SOL_TCP, RUMP_TCP_KEEPIDLE,
	    &v, sizeof(v)), -1);
	cr_assert_eq(errno, EINVAL);
	v = 5;
	cr_assert_eq(rump_sys_setsockopt(c, RUMP_SOL_TCP, RUMP_TCP_KEEPCNT,
	    &v, sizeof(v)), 0);
	/* Ping-pong, then TCP_INFO has an RTT. */
	for (int i = 0; i < 20; i++) {
		char b;
		cr_assert_eq(rump_sys_write(c, "p", 1), 1);
		cr_assert_eq(rump_sys_read(s, &b, 1), 1);
		cr_assert_eq(rump_sys_write(s, "q", 1), 1);
		cr_assert_eq(rump_sys_read(c, &b, 1), 1);
	}
	len = sizeof(ti);
	cr_assert_eq(rump_sys_getsockopt(c, RUMP_SOL_TCP, RUMP_TCP_INFO, &ti,
	    &len), 0);
	cr_assert_eq(ti.tcpi_state, RUMP_TCP_ESTABLISHED);
	cr_assert_gt(ti.tcpi_rtt, 0);
	cr_assert_geq(ti.tcpi_rto, 200000);
	cr_assert_eq(ti.tcpi_snd_cwnd, 10, "initial window 10, got %u",
	    ti.tcpi_snd_cwnd);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_close(l);
}

Test(tcp, many_connections)
{
	enum { N = 200 };
	static int cs[N], ss[N];
	uint16_t port = 0;
	int l = tcp_listener(&port, N, 0);

	for (int i = 0; i < N; i++) {
		cs[i] = tcp_connected(port);
		ss[i] = rump_sys_accept(l, NULL, NULL);
		cr_assert_geq(ss[i], 0);
	}
	for (int i = 0; i < N; i++) {
		char b = (char)i, r;
		cr_assert_eq(rump_sys_write(cs[i], &b, 1), 1);
		cr_assert_eq(rump_sys_read(ss[i], &r, 1), 1);
		cr_assert_eq(r, b);
	}
	for (int i = 0; i < N; i++) {
		rump_sys_close(cs[i]);
		rump_sys_close(ss[i]);
	}
	rump_sys_close(l);
}

Test(tcp, backlog_full_syncookies)
{
	enum { N = 12 };
	int cs[N], got = 0, wrote = 0;
	bool done[N] = { false };
	uint16_t port = 0;
	int l = tcp_listener(&port, 1, SOCK_NONBLOCK);

	/* More connects than the backlog: one embryo, the rest answered
	 * with SYN cookies; each client sends a byte once connected, which
	 * (retransmitted) completes its handshake when the queue has room. */
	for (int i = 0; i < N; i++) {
		struct sockaddr_in sin;
		cs[i] = rump_sys_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
		    0);
		h_sin(&sin, "127.0.0.1", port);
		(void)rump_sys_connect(cs[i], (struct sockaddr *)&sin,
		    sizeof(sin));
	}
	for (int tries = 0; tries < 1500 && got < N; tries++) {
		for (int i = 0; i < N; i++) {
			struct pollfd p = { .fd = cs[i], .events = POLLOUT };
			if (!done[i] && rump_sys_poll(&p, 1, 0) == 1 &&
			    (p.revents & POLLOUT) && !(p.revents & POLLERR)) {
				cr_assert_eq(rump_sys_write(cs[i], "x", 1), 1);
				done[i] = true;
				wrote++;
			}
		}
		int a = rump_sys_accept(l, NULL, NULL);
		if (a >= 0) {
			struct rump_tcp_info ti;
			socklen_t tl = sizeof(ti);

			/* Made from a cookie or not, the options stay
			 * (timestamps carry them through the cookie). */
			cr_assert_eq(rump_sys_getsockopt(a, RUMP_SOL_TCP,
			    RUMP_TCP_INFO, &ti, &tl), 0);
			cr_assert_eq(ti.tcpi_options & (RUMP_TCPI_OPT_SACK |
			    RUMP_TCPI_OPT_TIMESTAMPS | RUMP_TCPI_OPT_WSCALE),
			    RUMP_TCPI_OPT_SACK | RUMP_TCPI_OPT_TIMESTAMPS |
			    RUMP_TCPI_OPT_WSCALE, "connection %d: options 0x%x",
			    got, ti.tcpi_options);
			got++;
			rump_sys_close(a);
		} else {
			usleep(20000);
		}
	}
	cr_assert_eq(got, N, "accepted %d of %d (%d connected)", got, N,
	    wrote);
	for (int i = 0; i < N; i++)
		rump_sys_close(cs[i]);
	rump_sys_close(l);
}

/*
 * Urgent data (docs/tcp.md).  oob_wait waits until fd reports any of
 * events (the urgent byte and the data before it have arrived).
 */
static int
oob_wait(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), 1, "poll: %s",
	    strerror(errno));
	return pfd.revents;
}

static int
oob_atmark(int fd)
{
	int n = -1;

	cr_assert_eq(rump_sys_ioctl(fd, RUMP_SIOCATMARK, &n), 0,
	    "SIOCATMARK: %s", strerror(errno));
	return n;
}

/* recv(MSG_OOB) that fails: its errno. */
static int
oob_recverr(int fd)
{
	char c;

	errno = 0;
	cr_assert_eq(rump_sys_recvfrom(fd, &c, 1, MSG_OOB, NULL, NULL), -1);
	return errno;
}

/* Read exactly len bytes (more may be asked for when a read stops at
 * the mark). */
static void
oob_readall(int fd, char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = rump_sys_read(fd, buf + done, len - done);
		cr_assert_gt(n, 0, "read: %s", strerror(errno));
		done += (size_t)n;
	}
}

static void
oob_send_abcXdef(int c)
{
	cr_assert_eq(rump_sys_write(c, "abc", 3), 3);
	cr_assert_eq(rump_sys_sendto(c, "X", 1, MSG_OOB, NULL, 0), 1,
	    "send MSG_OOB: %s", strerror(errno));
	cr_assert_eq(rump_sys_write(c, "def", 3), 3);
}

Test(tcp, oob_mark)
{
	struct msghdr msg;
	struct iovec iov;
	char buf[16], c = 0;
	int cs, s, l;

	pair(&cs, &s, &l);
	cr_assert_eq(oob_recverr(s), EINVAL, "nothing urgent yet");
	cr_assert_eq(oob_atmark(s), 0);
	oob_send_abcXdef(cs);
	cr_assert(oob_wait(s, POLLPRI) & POLLPRI);
	cr_assert_eq(oob_atmark(s), 0, "abc comes before the mark");
	/* The read stops at the mark although more is there. */
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "abc", 3), 0);
	cr_assert_eq(oob_atmark(s), 1);
	cr_assert(oob_wait(s, POLLPRI) & POLLPRI);
	/* MSG_PEEK leaves it; then recvmsg says MSG_OOB. */
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, MSG_OOB | MSG_PEEK, NULL,
	    NULL), 1);
	cr_assert_eq(c, 'X');
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	c = 0;
	cr_assert_eq(rump_sys_recvmsg(s, &msg, MSG_OOB), 1);
	cr_assert_eq(c, 'X');
	cr_assert(msg.msg_flags & MSG_OOB);
	cr_assert_eq(oob_recverr(s), EINVAL, "already read");
	{
		struct pollfd pfd = { .fd = s, .events = POLLPRI };

		cr_assert_eq(rump_sys_poll(&pfd, 1, 0), 0,
		    "no urgent byte left");
	}
	cr_assert_eq(oob_atmark(s), 1, "still at the mark");
	oob_readall(s, buf, 3);
	cr_assert_eq(memcmp(buf, "def", 3), 0);
	cr_assert_eq(oob_atmark(s), 0);
	cr_assert_eq(oob_recverr(s), EINVAL);
	rump_sys_close(cs);
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 0);
	rump_sys_close(s);
	rump_sys_close(l);
}

/* Reading past the mark forgets an urgent byte nobody read (Linux). */
Test(tcp, oob_unread_passed)
{
	char buf[16];
	int cs, s, l;

	pair(&cs, &s, &l);
	oob_send_abcXdef(cs);
	cr_assert(oob_wait(s, POLLPRI) & POLLPRI);
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 3);
	oob_readall(s, buf, 3);
	cr_assert_eq(memcmp(buf, "def", 3), 0, "the urgent byte is out");
	cr_assert_eq(oob_recverr(s), EINVAL);
	rump_sys_close(cs);
	rump_sys_close(s);
	rump_sys_close(l);
}

Test(tcp, oob_inline)
{
	char buf[16];
	int cs, s, l, on = 1;

	pair(&cs, &s, &l);
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &on,
	    sizeof(on)), 0);
	oob_send_abcXdef(cs);
	cr_assert(oob_wait(s, POLLPRI) & POLLPRI);
	cr_assert_eq(oob_recverr(s), EINVAL, "inline: no MSG_OOB");
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "abc", 3), 0);
	cr_assert_eq(oob_atmark(s), 1);
	oob_readall(s, buf + 3, 4);
	cr_assert_eq(memcmp(buf, "abcXdef", 7), 0);
	cr_assert_eq(oob_atmark(s), 0);
	cr_assert_eq(oob_recverr(s), EINVAL);
	rump_sys_close(cs);
	rump_sys_close(s);
	rump_sys_close(l);
}

/* A later urgent send moves the mark; its byte is the one read. */
Test(tcp, oob_later_mark_wins)
{
	char buf[16], c = 0;
	int cs, s, l, on = 1;

	pair(&cs, &s, &l);
	cr_assert_eq(rump_sys_setsockopt(cs, RUMP_SOL_TCP, RUMP_TCP_NODELAY, &on,
	    sizeof(on)), 0);
	cr_assert_eq(rump_sys_write(cs, "ab", 2), 2);
	cr_assert_eq(rump_sys_sendto(cs, "X", 1, MSG_OOB, NULL, 0), 1);
	cr_assert_eq(rump_sys_write(cs, "cd", 2), 2);
	cr_assert_eq(rump_sys_sendto(cs, "Y", 1, MSG_OOB, NULL, 0), 1);
	cr_assert_eq(rump_sys_sendto(cs, "Z", 1, MSG_OOB, NULL, 0), 1);
	cr_assert_eq(rump_sys_write(cs, "ef", 2), 2);
	cr_assert_eq(rump_sys_shutdown(cs, SHUT_WR), 0);
	/* Everything is in once the FIN is. */
	cr_assert(oob_wait(s, POLLRDHUP) & POLLRDHUP);
	cr_assert(oob_wait(s, POLLPRI) & POLLPRI);
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, MSG_OOB, NULL, NULL), 1);
	cr_assert_eq(c, 'Z');
	/* X and Y were taken out of the stream as they came (BSD; Linux
	 * would leave them inline, docs/tcp.md). */
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, "abcd", 4), 0);
	cr_assert_eq(oob_atmark(s), 1);
	oob_readall(s, buf, 2);
	cr_assert_eq(memcmp(buf, "ef", 2), 0);
	cr_assert_eq(rump_sys_read(s, buf, sizeof(buf)), 0);
	rump_sys_close(cs);
	rump_sys_close(s);
	rump_sys_close(l);
}

/*
 * The announcement goes out with the window closed: the receiver knows
 * urgent data is coming (EAGAIN, not EINVAL) before the byte can come.
 */
Test(tcp, oob_closed_window)
{
	static char big[1024 * 1024];
	char buf[4096], c = 0;
	int cs, s, l, n, sz = 4 << 20, small = 4096;
	uint16_t port = 0;
	size_t got = 0, want;
	ssize_t r;

	/* The accepted socket has the listener's small buffer from the
	 * start: a window once offered is not taken back. */
	l = tcp_listener(&port, 16, 0);
	cr_assert_eq(rump_sys_setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	cs = tcp_connected(port);
	s = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(s, 0, "accept: %s", strerror(errno));
	cr_assert_eq(rump_sys_setsockopt(cs, SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
	memset(big, 'a', sizeof(big));
	cr_assert_eq(rump_sys_write(cs, big, sizeof(big)),
	    (ssize_t)sizeof(big));
	usleep(200 * 1000);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_FIONREAD, &n), 0);
	cr_assert_lt(n, (int)sizeof(big), "the window closed (%d in)", n);
	cr_assert_eq(rump_sys_sendto(cs, "X", 1, MSG_OOB | MSG_DONTWAIT,
	    NULL, 0), 1, "send MSG_OOB: %s", strerror(errno));
	usleep(200 * 1000);
	cr_assert_eq(oob_recverr(s), EAGAIN, "announced, not arrived");
	want = sizeof(big);
	while (got < want) {
		r = rump_sys_read(s, buf, sizeof(buf));
		cr_assert_gt(r, 0);
		got += (size_t)r;
	}
	cr_assert_eq(got, want);
	cr_assert(oob_wait(s, POLLPRI) & POLLPRI);
	cr_assert_eq(oob_atmark(s), 1);
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, MSG_OOB, NULL, NULL), 1);
	cr_assert_eq(c, 'X');
	rump_sys_close(cs);
	rump_sys_close(s);
	rump_sys_close(l);
}

/* Where urgent data makes no sense, Linux's answers. */
Test(tcp, oob_errors)
{
	struct sockaddr_in sin;
	int t, u, n;
	char c;

	t = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(t, 0);
	errno = 0;
	cr_assert_eq(rump_sys_sendto(t, "X", 1, MSG_OOB, NULL, 0), -1);
	cr_assert_eq(errno, EPIPE, "unconnected: %s", strerror(errno));
	cr_assert_eq(oob_recverr(t), EINVAL);
	cr_assert_eq(oob_atmark(t), 0);
	u = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(u, 0);
	h_sin(&sin, "127.0.0.1", 9);
	errno = 0;
	cr_assert_eq(rump_sys_sendto(u, "X", 1, MSG_OOB,
	    (struct sockaddr *)&sin, sizeof(sin)), -1);
	cr_assert_eq(errno, EOPNOTSUPP);
	errno = 0;
	cr_assert_eq(rump_sys_recvfrom(u, &c, 1, MSG_OOB, NULL, NULL), -1);
	cr_assert_eq(errno, EOPNOTSUPP);
	errno = 0;
	cr_assert_eq(rump_sys_ioctl(u, RUMP_SIOCATMARK, &n), -1);
	cr_assert_eq(errno, ENOTTY);
	rump_sys_close(t);
	rump_sys_close(u);
}

/*
 * Regression cases for the 1 GiB stall (docs/tcp.md "Sequence wrap and
 * reassembly"): each boots its own kernel after setting the test-only
 * knobs in its environment (RUMP_TCP_ISS, RUMP_TCP_IMPAIR), so they are
 * in a suite without the common init.
 */
TestSuite(tcpwrap, .timeout = 120);

/* len bytes from c to s through bulk_writer, checked; returns the
 * sender's TCP_INFO. */
static struct rump_tcp_info
bulk_check(int c, int s, size_t len)
{
	pthread_t th;
	struct bulk b;
	static unsigned char buf[100000];
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t got = 0;
	ssize_t r;
	struct rump_tcp_info ti;
	socklen_t tl = sizeof(ti);

	b.fd = c;
	b.len = len;
	b.sum = 0;
	pthread_create(&th, NULL, bulk_writer, &b);
	while ((r = rump_sys_read(s, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, (size_t)r);
		got += (size_t)r;
	}
	cr_assert_eq(r, 0, "read: %s", strerror(errno));
	pthread_join(th, NULL);
	cr_assert_eq(got, b.len, "got %zu of %zu", got, b.len);
	cr_assert_eq(h, b.sum, "checksums differ");
	cr_assert_eq(rump_sys_getsockopt(c, RUMP_SOL_TCP, RUMP_TCP_INFO, &ti,
	    &tl), 0);
	return ti;
}

/* Every ISN just below 2^32: both directions' sequence numbers wrap
 * during the transfer, with loss, duplicates and reordering so that
 * SACK, the reassembly queue, recovery and RTT sampling all see
 * wrapped numbers. */
Test(tcpwrap, seq_wrap_impaired)
{
	int c, s, l, mss = 1400;

	setenv("RUMP_TCP_ISS", "4292870144", 1);       /* 2^32 - 2 MiB */
	setenv("RUMP_TCP_IMPAIR", "10,10,20", 1);
	setenv("RUMP_TCP_IMPAIR_SEED", "3", 1);
	boot();
	uint16_t port = 0;
	l = tcp_listener(&port, 16, 0);
	cr_assert_eq(rump_sys_setsockopt(l, RUMP_SOL_TCP, RUMP_TCP_MAXSEG,
	    &mss, sizeof(mss)), 0);
	c = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(c, 0);
	cr_assert_eq(rump_sys_setsockopt(c, RUMP_SOL_TCP, RUMP_TCP_MAXSEG,
	    &mss, sizeof(mss)), 0);
	struct sockaddr_in sin;
	h_sin(&sin, "127.0.0.1", port);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sin, sizeof(sin)),
	    0, "connect: %s", strerror(errno));
	s = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(s, 0);
	/* 4 MiB each way (the accepted side's ISN is near 2^32 too). */
	struct rump_tcp_info ti = bulk_check(c, s, 4 << 20);
	cr_assert_gt(ti.tcpi_total_retrans, 0, "the loss was repaired");
	(void)bulk_check(s, c, 4 << 20);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_close(l);
}

/* Internet checksum of a TCP segment from 127.0.0.1 to 127.0.0.1. */
static uint16_t
tcp_cksum_lo(const unsigned char *p, size_t len)
{
	uint32_t sum = 0x7f00 + 0x0001 + 0x7f00 + 0x0001 + IPPROTO_TCP +
	    (uint32_t)len;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/*
 * The 1 GiB stall: a burst of losses left more out-of-order segments
 * than the reassembly queue takes (512), and then the retransmission of
 * the first hole, at rcv_nxt, was refused as "queue full", every time:
 * the connection stood still until it timed out.  Made deterministic
 * here: with a known ISS (RUMP_TCP_ISS, just below 2^32 so that the
 * queue also spans the wrap) 600 one-byte segments, each a byte of what
 * the sender will send, are injected through a raw socket with a gap
 * before each; then the real data must still arrive, whole and right.
 */
Test(tcpwrap, reass_queue_full)
{
	enum { NINJ = 600, LEN = 2 * NINJ + 64 };
	static unsigned char pat[LEN], got[LEN];
	const uint32_t iss = 4294967295U - 700;
	struct sockaddr_in sin, cs;
	socklen_t sl = sizeof(cs);
	struct pollfd pfd;
	int c, s, l, r;
	size_t n = 0;
	char issbuf[16];

	snprintf(issbuf, sizeof(issbuf), "%u", iss);
	setenv("RUMP_TCP_ISS", issbuf, 1);
	boot();
	for (int i = 0; i < LEN; i++)
		pat[i] = (unsigned char)(i * 7 + 1);
	uint16_t port = 0;
	l = tcp_listener(&port, 16, 0);
	/* c's ISS is iss (its connect asks first), s's iss + 0x10000. */
	c = tcp_connected(port);
	s = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(s, 0);
	cr_assert_eq(rump_sys_getsockname(c, (struct sockaddr *)&cs, &sl), 0);
	r = rump_sys_socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	cr_assert_geq(r, 0, "raw socket: %s", strerror(errno));
	h_sin(&sin, "127.0.0.1", 0);
	for (int i = 0; i < NINJ; i++) {
		unsigned char seg[21];
		uint32_t off = 2 + 2 * (uint32_t)i;
		uint32_t seq = htonl(iss + 1 + off);
		uint32_t ack = htonl(iss + 0x10000 + 1);
		uint16_t win = htons(1024), sum;

		memset(seg, 0, sizeof(seg));
		memcpy(seg, &cs.sin_port, 2);
		uint16_t dp = htons(port);
		memcpy(seg + 2, &dp, 2);
		memcpy(seg + 4, &seq, 4);
		memcpy(seg + 8, &ack, 4);
		seg[12] = 5 << 4;
		seg[13] = 0x10;                            /* ACK */
		memcpy(seg + 14, &win, 2);
		seg[20] = pat[off];
		sum = tcp_cksum_lo(seg, sizeof(seg));
		memcpy(seg + 16, &sum, 2);
		cr_assert_eq(rump_sys_sendto(r, seg, sizeof(seg), 0,
		    (struct sockaddr *)&sin, sizeof(sin)), (ssize_t)sizeof(seg),
		    "sendto: %s", strerror(errno));
	}
	usleep(100000);                    /* let netisr queue them all */
	cr_assert_eq(rump_sys_write(c, pat, LEN), LEN);
	pfd.fd = s;
	pfd.events = POLLIN;
	while (n < LEN) {
		cr_assert_eq(rump_sys_poll(&pfd, 1, 10000), 1,
		    "stalled after %zu bytes", n);
		ssize_t k = rump_sys_read(s, got + n, LEN - n);
		cr_assert_gt(k, 0);
		n += (size_t)k;
	}
	cr_assert_eq(memcmp(got, pat, LEN), 0, "data differs");
	rump_sys_close(r);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_close(l);
}

/*
 * Hostile urgent pointers: a peer at 10.0.0.2 that exists only as
 * frames injected into shmif0 (rump_pub_netconfig_ifinject, processed
 * at once), with the listener's ISN fixed by RUMP_TCP_ISS so that its
 * segments are acceptable.  Pointers of 0, past the segment, past 64
 * KiB, on a SYN, on an out-of-order segment, repeated and on a FIN:
 * the stream must come out intact and the urgent byte as the rules say.
 */
TestSuite(tcpurg, .timeout = 60);

#define URG_ISS 100000u
#define TH_FIN_ 0x01
#define TH_SYN_ 0x02
#define TH_ACK_ 0x10
#define TH_URG_ 0x20
static uint8_t urg_mac[6];

static uint32_t
urg_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
urg_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
urg_inject(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags, uint16_t urp, const char *data, size_t len)
{
	static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	uint8_t f[14 + 40 + 64], *ip = f + 14, *th = ip + 20, ph[12];
	uint16_t sum;

	cr_assert_leq(len, 64);
	memset(f, 0, sizeof(f));
	memcpy(f, urg_mac, 6);
	memcpy(f + 6, peer, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + len) >> 8);
	ip[3] = (uint8_t)(40 + len);
	ip[6] = 0x40;                           /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	sum = urg_fold(urg_sum(ip, 20, 0));
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	th[0] = (uint8_t)(sport >> 8);
	th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8);
	th[3] = (uint8_t)dport;
	for (int i = 0; i < 4; i++) {
		th[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		th[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	th[12] = 0x50;
	th[13] = flags;
	th[14] = th[15] = 0xff;                 /* window */
	th[18] = (uint8_t)(urp >> 8);
	th[19] = (uint8_t)urp;
	if (len > 0)
		memcpy(th + 20, data, len);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	ph[10] = (uint8_t)((20 + len) >> 8);
	ph[11] = (uint8_t)(20 + len);
	sum = urg_fold(urg_sum(th, 20 + len, urg_sum(ph, 12, 0)));
	th[16] = (uint8_t)(sum >> 8);
	th[17] = (uint8_t)sum;
	cr_assert_eq(rump_pub_netconfig_ifinject("shmif0", f, 14 + 40 + len),
	    0);
}

/* Read exactly what is expected, in one read (nothing more is there,
 * or the mark stops it). */
static void
urg_expect(int s, const char *want)
{
	char buf[64];
	size_t n = strlen(want);

	cr_assert_eq(rump_sys_recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT,
	    NULL, NULL), (ssize_t)n, "want %s: %s", want, strerror(errno));
	cr_assert_eq(memcmp(buf, want, n), 0, "want %s", want);
}

static void
urg_expect_oob(int s, char want)
{
	char c = 0;

	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, MSG_OOB, NULL, NULL), 1,
	    "MSG_OOB: %s", strerror(errno));
	cr_assert_eq(c, want);
}

Test(tcpurg, hostile_pointers)
{
	const uint16_t sp = 40000, dp = 7000;
	struct rump_ifreq ifr;
	struct sockaddr_in sin;
	char bus[64], c;
	uint32_t cs = 5000, a = URG_ISS + 1;
	int l, s;

	setenv("RUMP_TCP_ISS", "100000", 1);
	boot();
	snprintf(bus, sizeof(bus), "/tmp/t_tcp_urg.%d.bus", (int)getpid());
	unlink(bus);
	cr_assert_eq(rump_pub_shmif_create(bus, NULL), 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.0.0.1",
	    24), 0);
	l = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_ifrn.ifrn_name, "shmif0");
	cr_assert_eq(rump_sys_ioctl(l, RUMP_SIOCGIFHWADDR, &ifr), 0);
	memcpy(urg_mac, ifr.ifr_ifru.ifru_hwaddr.sa_data, 6);
	h_sin(&sin, "10.0.0.1", dp);
	cr_assert_eq(rump_sys_bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(rump_sys_listen(l, 4), 0);

	urg_inject(sp, dp, cs, 0, TH_SYN_, 0, NULL, 0);
	cs++;
	urg_inject(sp, dp, cs, a, TH_ACK_, 0, NULL, 0);
	s = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(s, 0, "accept: %s", strerror(errno));

	/* A pointer of 0 is no urgent data. */
	urg_inject(sp, dp, cs, a, TH_ACK_ | TH_URG_, 0, "ab", 2);
	cs += 2;
	cr_assert_eq(oob_recverr(s), EINVAL);
	/* 'd' urgent; the same segment again and a SYN with URG change
	 * nothing. */
	urg_inject(sp, dp, cs, a, TH_ACK_ | TH_URG_, 2, "cde", 3);
	urg_inject(sp, dp, cs, a, TH_ACK_ | TH_URG_, 2, "cde", 3);
	urg_inject(sp, dp, cs + 3, a, TH_SYN_ | TH_ACK_ | TH_URG_, 1, "zz", 2);
	cs += 3;
	urg_expect(s, "abc");
	cr_assert_eq(oob_atmark(s), 1);
	urg_expect_oob(s, 'd');
	urg_expect(s, "e");
	/* Out of order: the urgent byte comes before the gap is filled. */
	urg_inject(sp, dp, cs + 2, a, TH_ACK_ | TH_URG_, 1, "xy", 2);
	cr_assert_eq(oob_recverr(s), EAGAIN, "announced, not in order");
	urg_inject(sp, dp, cs, a, TH_ACK_, 0, "uv", 2);
	cs += 4;
	urg_expect(s, "uv");
	cr_assert_eq(oob_atmark(s), 1);
	urg_expect_oob(s, 'x');
	urg_expect(s, "y");
	/* A pointer 64 KiB ahead: announced, never comes; a smaller one
	 * after it is older and ignored, also on the FIN. */
	urg_inject(sp, dp, cs, a, TH_ACK_ | TH_URG_, 0xffff, "fg", 2);
	cs += 2;
	cr_assert_eq(oob_recverr(s), EAGAIN);
	urg_expect(s, "fg");
	urg_inject(sp, dp, cs, a, TH_ACK_ | TH_FIN_ | TH_URG_, 1, "h", 1);
	urg_expect(s, "h");
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, MSG_OOB, NULL, NULL), 0,
	    "no more data can come: %s", strerror(errno));
	cr_assert_eq(rump_sys_read(s, &c, 1), 0);
	rump_sys_close(s);
	rump_sys_close(l);
	unlink(bus);
}
