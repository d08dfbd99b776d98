/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_nettab.c: a librumpclient program that holds sockets open in the
 * rump kernel behind RUMP_SERVER, for t_nettools.sh to list with
 * rump.netstat.
 *
 *	h_nettab hold PORT READYFILE
 *
 * makes a TCP listener on 0.0.0.0:PORT (backlog 4), a connection to it
 * from 127.0.0.1 that is accepted and has 3 unread bytes on the
 * accepting side, and a UDP socket bound to 0.0.0.0:PORT; then creates
 * READYFILE on the host and waits until it is killed, the server goes
 * away, or 60 seconds have passed (a blocking read on the UDP socket
 * with SO_RCVTIMEO, so a test that dies leaves nothing behind for long).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

static int
fail(const char *what)
{
	fprintf(stderr, "h_nettab: %s: %s\n", what, strerror(errno));
	return 1;
}

static void
sin_init(struct rump_sockaddr_in *sin, uint32_t addr, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = RUMP_AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = addr;
}

int
main(int argc, char *argv[])
{
	struct rump_sockaddr_in sin;
	struct rump_timeval tv = { .tv_sec = 60 };
	char b[1];
	int l, c, a, u, port, fd, n = 0;

	if (argc != 4 || strcmp(argv[1], "hold") != 0) {
		fprintf(stderr, "usage: h_nettab hold PORT READYFILE\n");
		return 2;
	}
	port = atoi(argv[2]);
	if (rumpclient_init() != 0)
		return fail("rumpclient_init");
	l = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	if (l < 0)
		return fail("socket");
	sin_init(&sin, 0, port);
	if (rump_sys_bind(l, (const void *)&sin, sizeof(sin)) != 0)
		return fail("bind");
	if (rump_sys_listen(l, 4) != 0)
		return fail("listen");
	c = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	if (c < 0)
		return fail("socket");
	sin_init(&sin, htonl(RUMP_INADDR_LOOPBACK), port);
	if (rump_sys_connect(c, (const void *)&sin, sizeof(sin)) != 0)
		return fail("connect");
	a = rump_sys_accept(l, NULL, NULL);
	if (a < 0)
		return fail("accept");
	if (rump_sys_write(c, "abc", 3) != 3)
		return fail("write");
	/* Ready only once the bytes are in a's receive buffer. */
	for (int i = 0; i < 1000; i++) {
		if (rump_sys_ioctl(a, RUMP_FIONREAD, &n) != 0)
			return fail("FIONREAD");
		if (n == 3)
			break;
		usleep(10000);
	}
	if (n != 3) {
		fprintf(stderr, "h_nettab: the data never arrived\n");
		return 1;
	}
	u = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	if (u < 0)
		return fail("socket");
	sin_init(&sin, 0, port);
	if (rump_sys_bind(u, (const void *)&sin, sizeof(sin)) != 0)
		return fail("bind udp");
	fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail(argv[3]);
	close(fd);
	if (rump_sys_setsockopt(u, RUMP_SOL_SOCKET, RUMP_SO_RCVTIMEO, &tv,
	    sizeof(tv)) != 0)
		return fail("SO_RCVTIMEO");
	(void)rump_sys_read(u, b, sizeof(b));
	return 0;
}
