/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_unix.c: AF_UNIX stream, seqpacket and datagram sockets inside one
 * kernel: socketpair, bind to paths and abstract names, listen/accept and
 * the backlog, connect errors, message boundaries, MSG_PEEK, MSG_TRUNC,
 * MSG_WAITALL, partial reads, shutdown halves, EPIPE, EAGAIN, EMSGSIZE,
 * blocking between two threads, poll readiness, SO_PEERCRED.
 */
#include "h_net.h"

TestSuite(af_unix, .init = h_boot);

static int
listener(const char *path, int type, int backlog)
{
	struct sockaddr_un sun;
	int s;

	s = rump_sys_socket(AF_UNIX, type, 0);
	cr_assert_geq(s, 0);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun,
	    h_sun(&sun, path)), 0, "bind: %d", errno);
	cr_assert_eq(rump_sys_listen(s, backlog), 0);
	return s;
}

static int
connector(const char *path, int type)
{
	struct sockaddr_un sun;
	int c;

	c = rump_sys_socket(AF_UNIX, type, 0);
	cr_assert_geq(c, 0);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, path)), 0, "connect: %d", errno);
	return c;
}

Test(af_unix, socketpair_stream)
{
	char buf[64];
	int sv[2], n;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(rump_sys_write(sv[0], "hello", 5), 5);
	cr_assert_eq(rump_sys_write(sv[0], "world", 5), 5);
	cr_assert_eq(rump_sys_ioctl(sv[1], FIONREAD, &n), 0);
	cr_assert_eq(n, 10);
	/* a stream has no boundaries; a partial read leaves the rest */
	cr_assert_eq(rump_sys_recvfrom(sv[1], buf, 3, MSG_PEEK, NULL, NULL),
	    3);
	cr_assert_eq(memcmp(buf, "hel", 3), 0);
	cr_assert_eq(rump_sys_read(sv[1], buf, 7), 7);
	cr_assert_eq(memcmp(buf, "hellowo", 7), 0);
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "rld", 3), 0);
	/* both directions */
	cr_assert_eq(rump_sys_sendto(sv[1], "back", 4, 0, NULL, 0), 4);
	cr_assert_eq(rump_sys_recvfrom(sv[0], buf, sizeof(buf), 0, NULL,
	    NULL), 4);
	/* non-blocking read of an empty socket */
	cr_assert_eq(rump_sys_recvfrom(sv[0], buf, sizeof(buf), MSG_DONTWAIT,
	    NULL, NULL), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sys_close(sv[0]);
	/* peer closed: end of file, then EPIPE on write */
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 0);
	cr_assert_eq(rump_sys_write(sv[1], "x", 1), -1);
	cr_assert_eq(errno, EPIPE);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(af_unix, socketpair_dgram_boundaries)
{
	char buf[64];
	int sv[2], n;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	cr_assert_eq(rump_sys_write(sv[0], "one", 3), 3);
	cr_assert_eq(rump_sys_write(sv[0], "second", 6), 6);
	cr_assert_eq(rump_sys_write(sv[0], "", 0), 0);
	cr_assert_eq(rump_sys_ioctl(sv[1], FIONREAD, &n), 0);
	cr_assert_eq(n, 3);                /* the next datagram */
	cr_assert_eq(rump_sys_recvfrom(sv[1], buf, sizeof(buf), MSG_PEEK,
	    NULL, NULL), 3);
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "one", 3), 0);
	/* truncation discards the rest; MSG_TRUNC gives the real length */
	cr_assert_eq(rump_sys_recvfrom(sv[1], buf, 2, MSG_TRUNC, NULL, NULL),
	    6);
	cr_assert_eq(memcmp(buf, "se", 2), 0);
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 0); /* empty */
	cr_assert_eq(rump_sys_recvfrom(sv[1], buf, sizeof(buf), MSG_DONTWAIT,
	    NULL, NULL), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(af_unix, recvmsg_trunc_flag)
{
	struct msghdr msg;
	struct iovec iov;
	char buf[4];
	int sv[2];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	cr_assert_eq(rump_sys_write(sv[0], "abcdefgh", 8), 8);
	cr_assert_eq(rump_sys_write(sv[0], "ab", 2), 2);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	cr_assert_eq(rump_sys_recvmsg(sv[1], &msg, 0), 4);
	cr_assert(msg.msg_flags & MSG_TRUNC);
	cr_assert_eq(rump_sys_recvmsg(sv[1], &msg, 0), 2);
	cr_assert_eq(msg.msg_flags & MSG_TRUNC, 0);
	cr_assert(msg.msg_flags & MSG_EOR);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(af_unix, emsgsize)
{
	static char big[300000];
	int sv[2], v = 8192;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	cr_assert_eq(rump_sys_write(sv[0], big, sizeof(big)), -1);
	cr_assert_eq(errno, EMSGSIZE);
	cr_assert_eq(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v,
	    sizeof(v)), 0);
	cr_assert_eq(rump_sys_write(sv[0], big, 16385), -1);
	cr_assert_eq(errno, EMSGSIZE);
	cr_assert_eq(rump_sys_write(sv[0], big, 16384), 16384);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(af_unix, stream_nonblock_full)
{
	static char buf[65536];
	size_t total = 0;
	ssize_t n;
	int sv[2], v;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK,
	    0, sv), 0);
	v = 4096;
	cr_assert_eq(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &v,
	    sizeof(v)), 0);
	while ((n = rump_sys_write(sv[0], buf, sizeof(buf))) > 0)
		total += (size_t)n;
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(total, 8192);
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 8192);
	cr_assert_eq(rump_sys_write(sv[0], buf, 10), 10);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(af_unix, bind_listen_accept)
{
	struct sockaddr_un sun, got;
	socklen_t len;
	struct stat sb;
	char buf[16];
	int s, c, a, v;

	s = listener("/sock", SOCK_STREAM, 5);
	cr_assert_eq(rump_sys_stat("/sock", &sb), 0);
	cr_assert(S_ISSOCK(sb.st_mode));
	len = sizeof(v);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v,
	    &len), 0);
	cr_assert_eq(v, 1);
	len = sizeof(got);
	cr_assert_eq(rump_sys_getsockname(s, (struct sockaddr *)&got, &len),
	    0);
	cr_assert_eq(len, h_sun(&sun, "/sock"));
	cr_assert_str_eq(got.sun_path, "/sock");
	/* the name is taken */
	c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_bind(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/sock")), -1);
	cr_assert_eq(errno, EADDRINUSE);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/sock")), 0);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/sock")), -1);
	cr_assert_eq(errno, EISCONN);
	len = sizeof(got);
	a = rump_sys_accept(s, (struct sockaddr *)&got, &len);
	cr_assert_geq(a, 0);
	cr_assert_eq(len, sizeof(sa_family_t));     /* unbound peer */
	cr_assert_eq(got.sun_family, AF_UNIX);
	len = sizeof(got);
	cr_assert_eq(rump_sys_getpeername(c, (struct sockaddr *)&got, &len),
	    0);
	cr_assert_str_eq(got.sun_path, "/sock");
	len = sizeof(got);
	cr_assert_eq(rump_sys_getsockname(a, (struct sockaddr *)&got, &len),
	    0);
	cr_assert_str_eq(got.sun_path, "/sock");
	cr_assert_eq(rump_sys_write(c, "ping", 4), 4);
	cr_assert_eq(rump_sys_read(a, buf, sizeof(buf)), 4);
	cr_assert_eq(rump_sys_write(a, "pong", 4), 4);
	cr_assert_eq(rump_sys_read(c, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, "pong", 4), 0);
	/* accept on a non-listening socket */
	cr_assert_eq(rump_sys_accept(a, NULL, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	rump_sys_close(a);
	rump_sys_close(c);
	rump_sys_close(s);
	/* the name stays until unlinked; then it can be bound again */
	cr_assert_eq(rump_sys_unlink("/sock"), 0);
	s = listener("/sock", SOCK_STREAM, 1);
	rump_sys_close(s);
	cr_assert_eq(rump_sys_unlink("/sock"), 0);
	h_noleak();
}

Test(af_unix, connect_errors)
{
	struct sockaddr_un sun;
	int c, d, s;

	c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/nothere")), -1);
	cr_assert_eq(errno, ENOENT);
	d = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_eq(rump_sys_sendto(d, "x", 1, 0, (struct sockaddr *)&sun,
	    h_sun(&sun, "/nothere")), -1);
	cr_assert_eq(errno, ENOENT);
	rump_sys_close(d);
	/* a regular file is no socket */
	rump_sys_close(rump_sys_open("/file", O_CREAT | O_RDWR, 0644));
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/file")), -1);
	cr_assert_eq(errno, ECONNREFUSED);
	/* bound but not listening */
	d = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_bind(d, (struct sockaddr *)&sun,
	    h_sun(&sun, "/bound")), 0);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/bound")), -1);
	cr_assert_eq(errno, ECONNREFUSED);
	/* bound twice */
	cr_assert_eq(rump_sys_bind(d, (struct sockaddr *)&sun,
	    h_sun(&sun, "/other")), -1);
	cr_assert_eq(errno, EINVAL);
	/* listener gone: the node is left, nobody there */
	rump_sys_close(d);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/bound")), -1);
	cr_assert_eq(errno, ECONNREFUSED);
	/* type mismatch */
	s = listener("/dg", SOCK_SEQPACKET, 1);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/dg")), -1);
	cr_assert_eq(errno, EPROTOTYPE);
	/* unbound listen; listen on datagram sockets */
	d = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_listen(d, 1), -1);
	cr_assert_eq(errno, EINVAL);
	rump_sys_close(d);
	d = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_eq(rump_sys_listen(d, 1), -1);
	cr_assert_eq(errno, EOPNOTSUPP);
	rump_sys_close(d);
	/* not connected */
	cr_assert_eq(rump_sys_write(c, "x", 1), -1);
	cr_assert_eq(errno, ENOTCONN);
	cr_assert_eq(rump_sys_read(c, &sun, 1), -1);
	cr_assert_eq(errno, ENOTCONN);
	cr_assert_eq(rump_sys_shutdown(c, SHUT_RDWR), -1);
	cr_assert_eq(errno, ENOTCONN);
	socklen_t len = sizeof(sun);
	cr_assert_eq(rump_sys_getpeername(c, (struct sockaddr *)&sun, &len),
	    -1);
	cr_assert_eq(errno, ENOTCONN);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_unlink("/dg");
	rump_sys_unlink("/bound");
	rump_sys_unlink("/file");
	/* No leak check: the failed lookups left negative name cache
	 * entries, which are kernel memory by design. */
}

Test(af_unix, backlog)
{
	struct sockaddr_un sun;
	int s, c[4], a, i;

	s = listener("/bl", SOCK_STREAM, 1);
	for (i = 0; i < 2; i++)
		c[i] = connector("/bl", SOCK_STREAM);
	c[2] = rump_sys_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(rump_sys_connect(c[2], (struct sockaddr *)&sun,
	    h_sun(&sun, "/bl")), -1);
	cr_assert_eq(errno, EAGAIN);
	/* accepting makes room */
	a = rump_sys_accept4(s, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	cr_assert_geq(a, 0);
	cr_assert(rump_sys_fcntl(a, F_GETFL, NULL) & O_NONBLOCK);
	cr_assert_eq(rump_sys_fcntl(a, F_GETFD, NULL), FD_CLOEXEC);
	cr_assert_eq(rump_sys_connect(c[2], (struct sockaddr *)&sun,
	    h_sun(&sun, "/bl")), 0);
	cr_assert_eq(rump_sys_accept4(s, NULL, NULL, 0x1), -1);
	cr_assert_eq(errno, EINVAL);
	rump_sys_close(a);
	/* closing the listener drops what was not accepted; the clients
	 * see end of file */
	rump_sys_close(s);
	char ch;
	cr_assert_eq(rump_sys_read(c[1], &ch, 1), 0);
	cr_assert_eq(rump_sys_write(c[1], "x", 1), -1);
	cr_assert_eq(errno, EPIPE);
	for (i = 0; i < 3; i++)
		rump_sys_close(c[i]);
	rump_sys_unlink("/bl");
	h_noleak();
}

Test(af_unix, accept_nonblock)
{
	int s;

	s = listener("/nb", SOCK_STREAM, 1);
	cr_assert_eq(rump_sys_fcntl(s, F_SETFL, (void *)(uintptr_t)O_NONBLOCK),
	    0);
	cr_assert_eq(rump_sys_accept(s, NULL, NULL), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sys_close(s);
	rump_sys_unlink("/nb");
	h_noleak();
}

Test(af_unix, abstract_names)
{
	struct sockaddr_un sun, got;
	socklen_t len, alen;
	int s, c, a, d;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "\0abstract", 9);
	alen = offsetof(struct sockaddr_un, sun_path) + 9;
	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, alen), 0);
	cr_assert_eq(rump_sys_listen(s, 2), 0);
	d = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_bind(d, (struct sockaddr *)&sun, alen), -1);
	cr_assert_eq(errno, EADDRINUSE);
	/* autobind: only the family */
	cr_assert_eq(rump_sys_bind(d, (struct sockaddr *)&sun,
	    sizeof(sa_family_t)), 0);
	len = sizeof(got);
	cr_assert_eq(rump_sys_getsockname(d, (struct sockaddr *)&got, &len),
	    0);
	cr_assert_eq(len, offsetof(struct sockaddr_un, sun_path) + 6);
	cr_assert_eq(got.sun_path[0], '\0');
	c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun, alen), 0);
	a = rump_sys_accept(s, NULL, NULL);
	cr_assert_geq(a, 0);
	len = sizeof(got);
	cr_assert_eq(rump_sys_getpeername(c, (struct sockaddr *)&got, &len),
	    0);
	cr_assert_eq(len, alen);
	cr_assert_eq(memcmp(got.sun_path, "\0abstract", 9), 0);
	rump_sys_close(a);
	rump_sys_close(c);
	rump_sys_close(d);
	rump_sys_close(s);
	/* the name is free again once its socket is gone */
	s = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, alen), 0);
	rump_sys_close(s);
	h_noleak();
}

Test(af_unix, dgram_addresses)
{
	struct sockaddr_un sun, from;
	socklen_t len;
	char buf[16];
	int a, b, c;

	a = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	b = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	c = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_eq(rump_sys_bind(a, (struct sockaddr *)&sun,
	    h_sun(&sun, "/a")), 0);
	cr_assert_eq(rump_sys_bind(b, (struct sockaddr *)&sun,
	    h_sun(&sun, "/b")), 0);
	/* unconnected without an address */
	cr_assert_eq(rump_sys_write(c, "x", 1), -1);
	cr_assert_eq(errno, ENOTCONN);
	cr_assert_eq(rump_sys_sendto(b, "to a", 4, 0, (struct sockaddr *)&sun,
	    h_sun(&sun, "/a")), 4);
	cr_assert_eq(rump_sys_sendto(c, "anon", 4, 0, (struct sockaddr *)&sun,
	    h_sun(&sun, "/a")), 4);
	len = sizeof(from);
	cr_assert_eq(rump_sys_recvfrom(a, buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &len), 4);
	cr_assert_eq(len, h_sun(&sun, "/b"));
	cr_assert_str_eq(from.sun_path, "/b");
	len = sizeof(from);
	cr_assert_eq(rump_sys_recvfrom(a, buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &len), 4);
	cr_assert_eq(len, 0);              /* unbound sender */
	/* connected: a only talks to b, others are refused */
	cr_assert_eq(rump_sys_connect(a, (struct sockaddr *)&sun,
	    h_sun(&sun, "/b")), 0);
	cr_assert_eq(rump_sys_write(a, "hi", 2), 2);
	cr_assert_eq(rump_sys_read(b, buf, sizeof(buf)), 2);
	cr_assert_eq(rump_sys_sendto(c, "x", 1, 0, (struct sockaddr *)&sun,
	    h_sun(&sun, "/a")), -1);
	cr_assert_eq(errno, EPERM);
	/* the peer goes away */
	rump_sys_close(b);
	cr_assert_eq(rump_sys_write(a, "hi", 2), -1);
	cr_assert_eq(errno, ECONNREFUSED);
	/* AF_UNSPEC disconnects */
	sun.sun_family = AF_UNSPEC;
	cr_assert_eq(rump_sys_connect(a, (struct sockaddr *)&sun,
	    sizeof(sa_family_t)), 0);
	cr_assert_eq(rump_sys_write(a, "hi", 2), -1);
	cr_assert_eq(errno, ENOTCONN);
	rump_sys_close(a);
	rump_sys_close(c);
	rump_sys_unlink("/a");
	rump_sys_unlink("/b");
	h_noleak();
}

Test(af_unix, shutdown_halves)
{
	char buf[8];
	int sv[2];
	struct pollfd pfd;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(rump_sys_write(sv[0], "abc", 3), 3);
	cr_assert_eq(rump_sys_shutdown(sv[0], SHUT_WR), 0);
	cr_assert_eq(rump_sys_write(sv[0], "x", 1), -1);
	cr_assert_eq(errno, EPIPE);
	/* queued data is still read, then end of file */
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 3);
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 0);
	pfd.fd = sv[1];
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 0), 1);
	cr_assert(pfd.revents & POLLIN);
	/* the other direction still works */
	cr_assert_eq(rump_sys_write(sv[1], "up", 2), 2);
	cr_assert_eq(rump_sys_read(sv[0], buf, sizeof(buf)), 2);
	cr_assert_eq(rump_sys_shutdown(sv[0], SHUT_RD), 0);
	cr_assert_eq(rump_sys_read(sv[0], buf, sizeof(buf)), 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

struct rdarg {
	int fd;
	ssize_t n;
	char buf[64];
	int flags;
};

static void *
reader(void *arg)
{
	struct rdarg *ra = arg;

	ra->n = rump_sys_recvfrom(ra->fd, ra->buf, sizeof(ra->buf),
	    ra->flags, NULL, NULL);
	return NULL;
}

Test(af_unix, blocking_threads)
{
	struct rdarg ra = { 0 };
	pthread_t t;
	int sv[2];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ra.fd = sv[1];
	pthread_create(&t, NULL, reader, &ra);
	h_msleep(50);
	cr_assert_eq(rump_sys_write(sv[0], "wake", 4), 4);
	pthread_join(t, NULL);
	cr_assert_eq(ra.n, 4);
	/* MSG_WAITALL waits for the whole buffer */
	ra.flags = MSG_WAITALL;
	pthread_create(&t, NULL, reader, &ra);
	for (int i = 0; i < 8; i++) {
		h_msleep(5);
		cr_assert_eq(rump_sys_write(sv[0], "01234567", 8), 8);
	}
	pthread_join(t, NULL);
	cr_assert_eq(ra.n, 64);
	/* a blocked reader wakes at end of file */
	ra.flags = 0;
	pthread_create(&t, NULL, reader, &ra);
	h_msleep(30);
	rump_sys_close(sv[0]);
	pthread_join(t, NULL);
	cr_assert_eq(ra.n, 0);
	rump_sys_close(sv[1]);
	h_noleak();
}

static void *
acceptor(void *arg)
{
	int *fdp = arg;

	*fdp = rump_sys_accept(*fdp, NULL, NULL);
	return NULL;
}

Test(af_unix, blocking_accept)
{
	pthread_t t;
	int s, a, c;

	s = listener("/ba", SOCK_STREAM, 4);
	a = s;
	pthread_create(&t, NULL, acceptor, &a);
	h_msleep(30);
	c = connector("/ba", SOCK_STREAM);
	pthread_join(t, NULL);
	cr_assert_geq(a, 0);
	cr_assert_eq(rump_sys_write(c, "z", 1), 1);
	char ch;
	cr_assert_eq(rump_sys_read(a, &ch, 1), 1);
	rump_sys_close(a);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_unlink("/ba");
	h_noleak();
}

Test(af_unix, rcvtimeo)
{
	struct timeval tv = { 0, 20000 };
	char buf[4];
	int sv[2];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(af_unix, poll_readiness)
{
	struct pollfd pfd[2];
	int sv[2], s, c, v = 4096;
	static char buf[16384];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK,
	    0, sv), 0);
	pfd[0].fd = sv[0];
	pfd[0].events = POLLIN | POLLOUT;
	pfd[1].fd = sv[1];
	pfd[1].events = POLLIN;
	cr_assert_eq(rump_sys_poll(pfd, 2, 0), 1);
	cr_assert_eq(pfd[0].revents, POLLOUT);
	cr_assert_eq(pfd[1].revents, 0);
	cr_assert_eq(rump_sys_write(sv[0], "x", 1), 1);
	cr_assert_eq(rump_sys_poll(pfd, 2, 0), 2);
	cr_assert_eq(pfd[1].revents, POLLIN);
	/* full: no POLLOUT until the reader drains */
	cr_assert_eq(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &v,
	    sizeof(v)), 0);
	while (rump_sys_write(sv[0], buf, sizeof(buf)) > 0)
		continue;
	pfd[0].events = POLLOUT;
	cr_assert_eq(rump_sys_poll(pfd, 1, 10), 0);
	cr_assert_gt(rump_sys_read(sv[1], buf, sizeof(buf)), 0);
	cr_assert_eq(rump_sys_poll(pfd, 1, 0), 1);
	cr_assert(pfd[0].revents & POLLOUT);
	/* peer closed: POLLIN (end of file) and POLLHUP */
	rump_sys_close(sv[0]);
	pfd[1].events = POLLIN;
	cr_assert_eq(rump_sys_poll(&pfd[1], 1, 0), 1);
	cr_assert(pfd[1].revents & POLLIN);
	cr_assert(pfd[1].revents & POLLHUP);
	rump_sys_close(sv[1]);
	/* a listener is readable when a connection waits */
	s = listener("/pl", SOCK_STREAM, 2);
	pfd[0].fd = s;
	pfd[0].events = POLLIN;
	cr_assert_eq(rump_sys_poll(pfd, 1, 0), 0);
	c = connector("/pl", SOCK_STREAM);
	cr_assert_eq(rump_sys_poll(pfd, 1, 0), 1);
	cr_assert_eq(pfd[0].revents, POLLIN);
	rump_sys_close(c);
	rump_sys_close(s);
	rump_sys_unlink("/pl");
	h_noleak();
}

static void *
poller(void *arg)
{
	struct pollfd *pfd = arg;

	pfd->revents = 0;
	(void)rump_sys_poll(pfd, 1, 5000);
	return NULL;
}

Test(af_unix, poll_wakes)
{
	struct pollfd pfd;
	pthread_t t;
	int sv[2];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	pfd.fd = sv[1];
	pfd.events = POLLIN;
	pthread_create(&t, NULL, poller, &pfd);
	h_msleep(30);
	cr_assert_eq(rump_sys_write(sv[0], "p", 1), 1);
	pthread_join(t, NULL);
	cr_assert_eq(pfd.revents, POLLIN);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(af_unix, peercred)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int sv[2], s, c, a;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc,
	    &len), 0);
	cr_assert_eq(len, sizeof(uc));
	cr_assert_eq(uc.pid, rump_sys_getpid());
	cr_assert_eq(uc.uid, 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	s = listener("/pc", SOCK_STREAM, 1);
	/* connecting needs write permission on the node */
	cr_assert_eq(rump_sys_chmod("/pc", 0777), 0);
	/* the connecting process is another one, with other ids */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setgid(7), 0);
	cr_assert_eq(rump_sys_setuid(42), 0);
	c = connector("/pc", SOCK_STREAM);
	len = sizeof(uc);
	cr_assert_eq(rump_sys_getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc,
	    &len), 0);
	cr_assert_eq(uc.uid, 0);
	int child = rump_sys_getpid();
	rump_lwproc_releaselwp();
	a = rump_sys_accept(s, NULL, NULL);
	cr_assert_geq(a, 0);
	len = sizeof(uc);
	cr_assert_eq(rump_sys_getsockopt(a, SOL_SOCKET, SO_PEERCRED, &uc,
	    &len), 0);
	cr_assert_eq(uc.uid, 42);
	cr_assert_eq(uc.gid, 7);
	cr_assert_eq(uc.pid, child);
	rump_sys_close(a);
	rump_sys_close(s);
	rump_sys_unlink("/pc");
}
