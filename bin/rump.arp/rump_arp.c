/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.arp: the ARP cache of the rump kernel behind RUMP_SERVER.
 *
 *	rump.arp [-a]       what is known about the cache
 *	rump.arp -d host    delete an entry
 *
 * The kernel exports its ARP counters (RUMP_SIOCGNETSTATS: entries held
 * now, requests and replies) but no ioctl that lists or deletes single
 * entries (Linux's SIOCGARP/SIOCDARP are not implemented).  So -a prints
 * the counters and says that entries cannot be listed, and -d fails with
 * "not supported".  See rump.arp(8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

static const char *prog = "rump.arp";

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-a]\n       %s -d host\n", prog, prog);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct rump_netstats ns;
	struct in_addr in;
	const char *del = NULL;
	int ch, s;

	while ((ch = getopt(argc, argv, "ad:")) != -1) {
		switch (ch) {
		case 'a':
			break;
		case 'd':
			del = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (del != NULL && inet_pton(AF_INET, del, &in) != 1) {
		fprintf(stderr, "%s: %s: not a numeric IPv4 address\n", prog,
		    del);
		return 2;
	}
	if (rumpclient_init() != 0) {
		fprintf(stderr, "%s: cannot reach RUMP_SERVER\n", prog);
		return 1;
	}
	s = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	if (s < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return 1;
	}
	if (del != NULL) {
		fprintf(stderr, "%s: -d %s: %s (the kernel has no ioctl to "
		    "delete ARP entries)\n", prog, del, strerror(EOPNOTSUPP));
		return 1;
	}
	memset(&ns, 0, sizeof(ns));
	if (rump_sys_ioctl(s, RUMP_SIOCGNETSTATS, &ns) != 0) {
		fprintf(stderr, "%s: RUMP_SIOCGNETSTATS: %s\n", prog,
		    strerror(errno));
		return 1;
	}
	printf("entries: %llu\n", (unsigned long long)ns.arps_entries);
	printf("requests sent: %llu\n",
	    (unsigned long long)ns.arps_txrequests);
	printf("replies sent: %llu\n", (unsigned long long)ns.arps_txreplies);
	printf("requests received: %llu\n",
	    (unsigned long long)ns.arps_rxrequests);
	printf("replies received: %llu\n",
	    (unsigned long long)ns.arps_rxreplies);
	printf("timeouts: %llu\n", (unsigned long long)ns.arps_timeouts);
	fprintf(stderr, "%s: entries cannot be listed: the kernel exports "
	    "no ARP table\n", prog);
	return 0;
}
