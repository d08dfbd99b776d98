/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_tap_peer.c: the Linux end of bench_tap.sh's round-trip
 * measurements, in C so that the client costs the same on the tap path
 * (against a rump kernel) and on the veth reference (against this
 * program's own echo server).  Host sockets only, no rump kernel.
 *
 *	bench_tap_peer echo PORT READYFILE   echo one TCP connection
 *	bench_tap_peer pingpong ADDR PORT N  N 1-byte TCP round trips
 *	bench_tap_peer icmp ADDR N           N ICMP echo round trips (raw
 *	                                     socket; root)
 * The clients print the mean round trip in microseconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "bench_tap_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
mksin(struct sockaddr_in *sin, const char *addr, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "bench_tap_peer: bad address %s\n", addr);
		exit(2);
	}
}

static int
echo(int port, const char *ready)
{
	struct sockaddr_in sin;
	char buf[65536];
	int l, s, one = 1, fd;
	ssize_t r;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	mksin(&sin, "0.0.0.0", port);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(l, 1) != 0)
		die("bind/listen");
	fd = open(ready, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while ((r = read(s, buf, sizeof(buf))) > 0)
		if (write(s, buf, (size_t)r) != r)
			die("write");
	close(s);
	close(l);
	return 0;
}

static int
pingpong(const char *addr, int port, int n)
{
	struct sockaddr_in sin;
	int s, one = 1;
	double t0 = 0;
	char c = 'x';

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	mksin(&sin, addr, port);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		die("connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (int i = -100; i < n; i++) {
		if (i == 0)
			t0 = now_us();
		if (write(s, &c, 1) != 1 || read(s, &c, 1) != 1)
			die("round trip");
	}
	printf("%.1f\n", (now_us() - t0) / n);
	close(s);
	return 0;
}

static uint16_t
cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int
icmp(const char *addr, int n)
{
	struct sockaddr_in sin;
	uint8_t pkt[64], in[2048];
	uint16_t id = (uint16_t)getpid(), ck;
	double t0, sum = 0;
	struct pollfd pfd;
	size_t hl;
	ssize_t r;
	int s;

	s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0)
		die("raw socket");
	mksin(&sin, addr, 0);
	for (int seq = 1; seq <= n; seq++) {
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 8;
		memcpy(pkt + 4, &(uint16_t){ htons(id) }, 2);
		memcpy(pkt + 6, &(uint16_t){ htons((uint16_t)seq) }, 2);
		ck = cksum(pkt, sizeof(pkt));
		memcpy(pkt + 2, &ck, 2);
		t0 = now_us();
		if (sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&sin,
		    sizeof(sin)) < 0)
			die("sendto");
		for (;;) {
			pfd.fd = s;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 2000) != 1) {
				fprintf(stderr, "bench_tap_peer: no reply\n");
				return 1;
			}
			r = recv(s, in, sizeof(in), 0);
			if (r < 28)
				continue;
			hl = (size_t)(in[0] & 0x0f) * 4;
			if ((size_t)r >= hl + 8 && in[hl] == 0 &&
			    memcmp(in + hl + 4, pkt + 4, 4) == 0)
				break;
		}
		sum += now_us() - t0;
	}
	printf("%.1f\n", sum / n);
	close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "echo") == 0)
		return echo(atoi(argv[2]), argv[3]);
	if (argc == 5 && strcmp(argv[1], "pingpong") == 0)
		return pingpong(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "icmp") == 0)
		return icmp(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: bench_tap_peer echo PORT READY | "
	    "pingpong ADDR PORT N | icmp ADDR N\n");
	return 2;
}
