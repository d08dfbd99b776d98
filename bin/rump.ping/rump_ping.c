/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.ping: ICMP echo from the rump kernel behind RUMP_SERVER.
 *
 *	rump.ping [-q] [-c count] [-i interval] [-s size] [-t ttl]
 *	    [-W wait] host
 *
 * Sends echo requests through a raw ICMP socket of the remote kernel
 * (superuser there) and waits for the replies with poll(2), also remote.
 * Each request carries the host's monotonic send time, so the round trip
 * is measured by this program: remote-call overhead is part of it.  At
 * the end (count reached, or SIGINT) it prints the packets sent and
 * received, the loss, and min/avg/max/stddev of the round trips.  Exit
 * status 0 if any reply came, 1 if none, 2 on errors.  See rump.ping(8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO      8
#define MAXSIZE        65507 - 8

static const char *prog = "rump.ping";
static volatile sig_atomic_t stop;

struct echo {
	uint8_t type, code;
	uint16_t cksum, id, seq;
};

static void
onint(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-q] [-c count] [-i interval] [-s size] "
	    "[-t ttl] [-W wait] host\n", prog);
	exit(2);
}

static uint16_t
cksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char *argv[])
{
	struct rump_sockaddr_in to, from;
	struct pollfd pfd;
	uint8_t *pkt, *buf;
	double interval = 1.0, waitsec = 10.0, t0, next, rtt;
	double tmin = 0, tmax = 0, tsum = 0, tsq = 0, deadline;
	long count = -1, size = 56, ttl = -1, sent = 0, recvd = 0;
	unsigned int flen;
	uint16_t id = (uint16_t)getpid();
	int ch, s, quiet = 0, hl;
	ssize_t n;
	char *end, addr[INET_ADDRSTRLEN];

	while ((ch = getopt(argc, argv, "c:i:qs:t:W:")) != -1) {
		switch (ch) {
		case 'c':
			count = strtol(optarg, &end, 10);
			if (*end != '\0' || count <= 0)
				usage();
			break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end != '\0' || !(interval >= 0.001))
				usage();
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			size = strtol(optarg, &end, 10);
			if (*end != '\0' || size < 0 || size > MAXSIZE)
				usage();
			break;
		case 't':
			ttl = strtol(optarg, &end, 10);
			if (*end != '\0' || ttl < 1 || ttl > 255)
				usage();
			break;
		case 'W':
			waitsec = strtod(optarg, &end);
			if (*end != '\0' || !(waitsec > 0))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	memset(&to, 0, sizeof(to));
	to.sin_family = RUMP_AF_INET;
	if (inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1) {
		fprintf(stderr, "%s: %s: not a numeric IPv4 address\n", prog,
		    argv[optind]);
		return 2;
	}
	if (rumpclient_init() != 0) {
		fprintf(stderr, "%s: cannot reach RUMP_SERVER\n", prog);
		return 2;
	}
	s = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_RAW, RUMP_IPPROTO_ICMP);
	if (s < 0) {
		fprintf(stderr, "%s: raw socket: %s\n", prog, strerror(errno));
		return 2;
	}
	if (ttl > 0 && rump_sys_setsockopt(s, RUMP_IPPROTO_IP, RUMP_IP_TTL,
	    &(int){ (int)ttl }, sizeof(int)) != 0) {
		fprintf(stderr, "%s: IP_TTL: %s\n", prog, strerror(errno));
		return 2;
	}
	pkt = calloc(1, sizeof(struct echo) + (size_t)size);
	buf = malloc(65536);
	if (pkt == NULL || buf == NULL)
		return 2;
	signal(SIGINT, onint);
	inet_ntop(AF_INET, &to.sin_addr, addr, sizeof(addr));
	printf("PING %s: %ld data bytes\n", addr, size);

	next = now_ms();
	deadline = 0;
	while (!stop) {
		t0 = now_ms();
		if ((count < 0 || sent < count) && t0 >= next) {
			struct echo *e = (struct echo *)pkt;
			size_t i;

			e->type = ICMP_ECHO;
			e->code = 0;
			e->cksum = 0;
			e->id = htons(id);
			e->seq = htons((uint16_t)sent);
			for (i = 0; i < (size_t)size; i++)
				pkt[sizeof(*e) + i] = (uint8_t)i;
			if (size >= (long)sizeof(double))
				memcpy(pkt + sizeof(*e), &t0, sizeof(t0));
			e->cksum = cksum(pkt, sizeof(*e) + (size_t)size);
			if (rump_sys_sendto(s, pkt, sizeof(*e) + (size_t)size,
			    0, (void *)&to, sizeof(to)) < 0)
				fprintf(stderr, "%s: sendto: %s\n", prog,
				    strerror(errno));
			sent++;
			next = t0 + interval * 1e3;
			if (count > 0 && sent == count)
				deadline = t0 + waitsec * 1e3;
		}
		if (count > 0 && sent == count && recvd == count)
			break;
		if (deadline > 0 && t0 >= deadline)
			break;
		pfd.fd = s;
		pfd.events = POLLIN;
		pfd.revents = 0;
		double until = (count > 0 && sent == count) ? deadline : next;
		int ms = (int)(until - t0);
		if (ms < 0)
			ms = 0;
		if (ms > 100)
			ms = 100;   /* look at SIGINT now and then */
		if (rump_sys_poll(&pfd, 1, ms) <= 0)
			continue;
		flen = sizeof(from);
		n = rump_sys_recvfrom(s, buf, 65536, 0, (void *)&from, &flen);
		if (n < 0)
			continue;
		rtt = now_ms();
		/* A raw socket gets the IP header first. */
		if (n < 20)
			continue;
		hl = (buf[0] & 0x0f) * 4;
		if (n < hl + (ssize_t)sizeof(struct echo))
			continue;
		struct echo *r = (struct echo *)(buf + hl);
		if (r->type != ICMP_ECHOREPLY || ntohs(r->id) != id)
			continue;
		if (n - hl >= (ssize_t)(sizeof(*r) + sizeof(double))) {
			double ts;

			memcpy(&ts, buf + hl + sizeof(*r), sizeof(ts));
			rtt -= ts;
		} else {
			rtt = 0;
		}
		if (recvd == 0 || rtt < tmin)
			tmin = rtt;
		if (recvd == 0 || rtt > tmax)
			tmax = rtt;
		tsum += rtt;
		tsq += rtt * rtt;
		recvd++;
		if (!quiet)
			printf("%zd bytes from %s: icmp_seq=%u ttl=%u "
			    "time=%.3f ms\n", n - hl, addr, ntohs(r->seq),
			    buf[8], rtt);
		fflush(stdout);
	}
	printf("--- %s ping statistics ---\n", addr);
	printf("%ld packets transmitted, %ld packets received, "
	    "%.1f%% packet loss\n", sent, recvd,
	    sent > 0 ? 100.0 * (double)(sent - recvd) / (double)sent : 0.0);
	if (recvd > 0) {
		double avg = tsum / (double)recvd;
		double var = tsq / (double)recvd - avg * avg;

		printf("round-trip min/avg/max/stddev = %.3f/%.3f/%.3f/%.3f "
		    "ms\n", tmin, avg, tmax, sqrt(var > 0 ? var : 0));
	}
	return recvd > 0 ? 0 : 1;
}
