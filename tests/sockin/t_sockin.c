/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_sockin.c: sockin, the AF_INET domain over host sockets.  A kernel
 * with librumpnet_sockin (and no netinet) exchanges UDP datagrams with a
 * socket of this host process on 127.0.0.1, both ways, connected and not;
 * and a kernel with both sockin and netinet does not boot
 * (h_sockin_both, run by case both_domains_refused).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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
	/* stream sockets are not there */
	cr_assert(rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0) == -1);
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
