/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_inet.c: one rump kernel on one or more shmif buses, configured from
 * the command line, doing one networking job; the shell tests
 * (t_inet.sh) run several of these at once, one kernel per process.
 *
 *	h_inet [-i BUS,ADDR/LEN]... [-v TAP,ADDR/LEN]... [-g GW]
 *	       [-r DST/LEN,GW]... [-F 0|1] [-R readyfile] [-W gofile] [-s]
 *	       COMMAND [ARGS]
 *
 * Commands:
 *	serve SECONDS             stay up (ARP, ping, forwarding), then exit
 *	ping ADDR COUNT [TTL]     ICMP echo over a raw socket; exit 0 if
 *	                          every request got its reply; with TTL,
 *	                          expect ICMP time exceeded instead and
 *	                          print who sent it
 *	echo PORT SECONDS         UDP echo server (exit after "quit")
 *	udp ADDR PORT SIZE        send SIZE bytes, expect them echoed back
 *	refused ADDR PORT         connected UDP to a closed port:
 *	                          expect ECONNREFUSED
 *	arp ADDR                  ping once, then check the ARP counters
 * -i puts a shmif on a bus, -v a virtif on a host tap.
 * -R writes readyfile once the kernel is configured (echo: once its
 * port is bound, or with -W, readyfile.bound then), -W then waits for
 * gofile to appear before the command runs; -s prints the
 * protocol statistics (RUMP_SIOCGNETSTATS) at exit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rump/netconfig.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

#include "h_inet.h"

static void
usage(void)
{
	fprintf(stderr, "usage: h_inet [-i BUS,ADDR/LEN]... "
	    "[-v TAP,ADDR/LEN]... [-g GW] [-r DST/LEN,GW]... [-F 0|1] "
	    "[-R file] [-W file] [-s] command ...\n");
	exit(2);
}

static void
die(const char *what, int error)
{
	fprintf(stderr, "h_inet: %s: %s\n", what, strerror(error));
	exit(1);
}

static int
cmd_serve(int argc, char **argv)
{
	if (argc < 1)
		usage();
	sleep((unsigned)atoi(argv[0]));
	return 0;
}

static int
cmd_ping(int argc, char **argv)
{
	struct h_pingres res;
	int count, ttl = 0, error;

	if (argc < 2)
		usage();
	count = atoi(argv[1]);
	if (argc > 2)
		ttl = atoi(argv[2]);
	error = h_ping(argv[0], count, ttl, 56, &res);
	if (error != 0)
		die("ping", error);
	if (ttl > 0) {
		printf("time exceeded from %s\n", res.pr_from);
		return res.pr_timxceed > 0 ? 0 : 1;
	}
	printf("%d/%d replies, rtt min/avg/max %.3f/%.3f/%.3f ms\n",
	    res.pr_replies, count, res.pr_min, res.pr_avg, res.pr_max);
	return res.pr_replies == count ? 0 : 1;
}

static int
cmd_echo(int argc, char **argv)
{
	struct sockaddr_in sin, from;
	socklen_t flen;
	struct pollfd pfd;
	static char buf[65536];
	time_t end;
	ssize_t n;
	int s;

	if (argc < 2)
		usage();
	end = time(NULL) + atoi(argv[1]);
	s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket", errno);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[0]));
	if (rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		die("bind", errno);
	h_ready();
	h_ready_suffix(".bound");
	while (time(NULL) < end) {
		pfd.fd = s;
		pfd.events = POLLIN;
		if (rump_sys_poll(&pfd, 1, 200) <= 0)
			continue;
		flen = sizeof(from);
		n = rump_sys_recvfrom(s, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 0)
			die("recvfrom", errno);
		if (n == 4 && memcmp(buf, "quit", 4) == 0)
			break;
		if (rump_sys_sendto(s, buf, (size_t)n, 0,
		    (struct sockaddr *)&from, flen) != n)
			die("sendto", errno);
	}
	rump_sys_close(s);
	return 0;
}

static int
cmd_udp(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	static char out[65536], in[65536];
	size_t size, i;
	ssize_t n;
	int s;

	if (argc < 3)
		usage();
	size = (size_t)atol(argv[2]);
	if (size > sizeof(out))
		usage();
	for (i = 0; i < size; i++)
		out[i] = (char)(i * 7 + 3);
	s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket", errno);
	h_sin(&sin, argv[0], (uint16_t)atoi(argv[1]));
	if (rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		die("connect", errno);
	if (rump_sys_sendto(s, out, size, 0, NULL, 0) != (ssize_t)size)
		die("send", errno);
	pfd.fd = s;
	pfd.events = POLLIN;
	if (rump_sys_poll(&pfd, 1, 10000) != 1) {
		fprintf(stderr, "h_inet: no answer\n");
		return 1;
	}
	n = rump_sys_recvfrom(s, in, sizeof(in), 0, NULL, NULL);
	if (n < 0)
		die("recv", errno);
	if ((size_t)n != size || memcmp(in, out, size) != 0) {
		fprintf(stderr, "h_inet: echo differs (%zd bytes)\n", n);
		return 1;
	}
	printf("udp: %zu bytes echoed\n", size);
	(void)rump_sys_sendto(s, "quit", 4, 0, NULL, 0);
	rump_sys_close(s);
	return 0;
}

static int
cmd_refused(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	char c;
	int s, i;

	if (argc < 2)
		usage();
	s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket", errno);
	h_sin(&sin, argv[0], (uint16_t)atoi(argv[1]));
	if (rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		die("connect", errno);
	for (i = 0; i < 3; i++) {
		if (rump_sys_sendto(s, "x", 1, 0, NULL, 0) != 1) {
			if (errno == ECONNREFUSED)
				goto refused;
			die("send", errno);
		}
		pfd.fd = s;
		pfd.events = POLLIN;
		(void)rump_sys_poll(&pfd, 1, 2000);
		if (rump_sys_recvfrom(s, &c, 1, MSG_DONTWAIT, NULL, NULL) < 0 &&
		    errno == ECONNREFUSED)
			goto refused;
	}
	fprintf(stderr, "h_inet: no ECONNREFUSED\n");
	return 1;
refused:
	printf("ECONNREFUSED\n");
	rump_sys_close(s);
	return 0;
}

static int
cmd_arp(int argc, char **argv)
{
	struct rump_netstats st;
	struct h_pingres res;
	int error;

	if (argc < 1)
		usage();
	error = h_ping(argv[0], 1, 0, 56, &res);
	if (error != 0)
		die("ping", error);
	h_netstats(&st);
	printf("arp: %llu requests out, %llu replies in, %llu entries\n",
	    (unsigned long long)st.arps_txrequests,
	    (unsigned long long)st.arps_rxreplies,
	    (unsigned long long)st.arps_entries);
	return res.pr_replies == 1 && st.arps_rxreplies >= 1 &&
	    st.arps_entries >= 1 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *ready = NULL, *go = NULL;
	bool stats = false;
	int ch, rv, error, nvirtif = 0;

	error = rump_init();
	if (error != 0)
		die("rump_init", error);
	while ((ch = getopt(argc, argv, "i:v:g:r:F:R:W:s")) != -1) {
		switch (ch) {
		case 'i':
			error = h_ifspec(optarg);
			if (error != 0)
				die(optarg, error);
			break;
		case 'v':
			error = h_virtifspec(optarg, nvirtif++);
			if (error != 0)
				die(optarg, error);
			break;
		case 'W':
			go = optarg;
			break;
		case 'g':
			error = rump_pub_netconfig_ipv4_gw(optarg);
			if (error != 0)
				die("gateway", error);
			break;
		case 'r':
			error = h_routespec(optarg);
			if (error != 0)
				die(optarg, error);
			break;
		case 'F':
			error = rump_pub_netconfig_ipv4_forwarding(atoi(optarg));
			if (error != 0)
				die("forwarding", error);
			break;
		case 'R':
			ready = optarg;
			break;
		case 's':
			stats = true;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	h_readyfile = ready;
	if (strcmp(argv[0], "echo") != 0 || go != NULL)
		h_ready();
	if (go != NULL) {
		for (int i = 0; i < 600 && access(go, F_OK) != 0; i++)
			usleep(50000);
	}
	if (strcmp(argv[0], "serve") == 0)
		rv = cmd_serve(argc - 1, argv + 1);
	else if (strcmp(argv[0], "ping") == 0)
		rv = cmd_ping(argc - 1, argv + 1);
	else if (strcmp(argv[0], "echo") == 0)
		rv = cmd_echo(argc - 1, argv + 1);
	else if (strcmp(argv[0], "udp") == 0)
		rv = cmd_udp(argc - 1, argv + 1);
	else if (strcmp(argv[0], "refused") == 0)
		rv = cmd_refused(argc - 1, argv + 1);
	else if (strcmp(argv[0], "arp") == 0)
		rv = cmd_arp(argc - 1, argv + 1);
	else
		usage();
	if (stats)
		h_printstats();
	return rv;
}
