/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.arp: the ARP cache of the rump kernel behind RUMP_SERVER.
 *
 *	rump.arp [-a] [-n]               list every entry
 *	rump.arp [-i IF] host            show one entry
 *	rump.arp [-i IF] -d host         delete an entry
 *	rump.arp [-i IF] -s host MAC [temp]
 *	                                 add a static entry (permanent
 *	                                 unless temp)
 *
 * The list is RUMP_SIOCGARPTABLE (read through nettab_client.c); one
 * entry is Linux's SIOCGARP, SIOCDARP and SIOCSARP with struct arpreq,
 * all on a remote AF_INET socket.  Hosts are numeric IPv4 addresses
 * (the kernel has no resolver).  See rump.arp(8).
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

#include "nettab_client.h"

static const char *prog = "rump.arp";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-a] [-n]\n"
	    "       %s [-i IF] host\n"
	    "       %s [-i IF] -d host\n"
	    "       %s [-i IF] -s host MAC [temp]\n", prog, prog, prog, prog);
	exit(2);
}

static void
mac_str(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
	    m[3], m[4], m[5]);
}

static int
mac_parse(const char *s, uint8_t *m)
{
	unsigned v[6];
	char extra;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5], &extra) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		m[i] = (uint8_t)v[i];
	}
	return 0;
}

static void
print_entry(uint32_t addr, const uint8_t *mac, uint32_t flags,
    const char *ifname, int expire, unsigned held)
{
	char a[INET_ADDRSTRLEN], m[18];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (flags & RUMP_ATF_COM) {
		mac_str(m, sizeof(m), mac);
		printf("? (%s) at %s on %.*s", a, m, RUMP_IFNAMSIZ, ifname);
	} else {
		printf("? (%s) at (incomplete) on %.*s", a, RUMP_IFNAMSIZ,
		    ifname);
	}
	if (flags & RUMP_ATF_PERM)
		printf(" permanent");
	else if (flags & RUMP_ATF_COM)
		printf(" expires in %d seconds", expire);
	if (held > 0)
		printf(" (%u packets waiting)", held);
	printf(" [ethernet]\n");
}

static int
list(int s)
{
	struct rump_arprec *ar;
	unsigned n, i;
	int error;

	error = nettab_fetch(s, RUMP_SIOCGARPTABLE, sizeof(*ar), (void **)&ar,
	    &n);
	if (error != 0) {
		fprintf(stderr, "%s: RUMP_SIOCGARPTABLE: %s\n", prog,
		    strerror(error));
		return 1;
	}
	for (i = 0; i < n; i++)
		print_entry(ar[i].ar_addr, ar[i].ar_hwaddr, ar[i].ar_flags,
		    ar[i].ar_ifname, ar[i].ar_expire, ar[i].ar_held);
	free(ar);
	return 0;
}

static void
req_init(struct rump_arpreq *req, uint32_t addr, const char *ifname)
{
	struct rump_sockaddr_in sin;

	memset(req, 0, sizeof(*req));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = addr;
	memcpy(&req->arp_pa, &sin, sizeof(sin));
	if (ifname != NULL)
		snprintf(req->arp_dev, sizeof(req->arp_dev), "%s", ifname);
}

static int
one(int s, unsigned long cmd, const char *host, uint32_t addr,
    const char *ifname, const uint8_t *mac, int flags)
{
	struct rump_arpreq req;
	const char *what = cmd == RUMP_SIOCSARP ? "-s" :
	    cmd == RUMP_SIOCDARP ? "-d" : "get";

	req_init(&req, addr, ifname);
	if (mac != NULL) {
		req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
		memcpy(req.arp_ha.sa_data, mac, 6);
	}
	req.arp_flags = flags;
	if (rump_sys_ioctl(s, cmd, &req) != 0) {
		if (errno == ENXIO)
			fprintf(stderr, "%s: %s: no entry\n", prog, host);
		else
			fprintf(stderr, "%s: %s %s: %s\n", prog, what, host,
			    strerror(errno));
		return 1;
	}
	if (cmd == RUMP_SIOCGARP)
		print_entry(addr, (const uint8_t *)req.arp_ha.sa_data,
		    (uint32_t)req.arp_flags, req.arp_dev, 0, 0);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct in_addr in;
	const char *ifname = NULL, *host;
	uint8_t mac[6];
	unsigned long cmd = RUMP_SIOCGARP;
	int ch, s, flags = 0, need;

	while ((ch = getopt(argc, argv, "adi:ns")) != -1) {
		switch (ch) {
		case 'a':
		case 'n':
			break;
		case 'd':
			cmd = RUMP_SIOCDARP;
			break;
		case 's':
			cmd = RUMP_SIOCSARP;
			break;
		case 'i':
			if (strlen(optarg) >= RUMP_IFNAMSIZ)
				usage();
			ifname = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 && cmd == RUMP_SIOCGARP)
		host = NULL;
	else if (argc >= 1)
		host = argv[0];
	else
		usage();
	need = cmd == RUMP_SIOCSARP ? 2 : host != NULL ? 1 : 0;
	if (argc < need)
		usage();
	if (cmd == RUMP_SIOCSARP) {
		if (mac_parse(argv[1], mac) != 0) {
			fprintf(stderr, "%s: %s: not a MAC address\n", prog,
			    argv[1]);
			return 2;
		}
		flags = RUMP_ATF_PERM;
		if (argc == 3 && strcmp(argv[2], "temp") == 0)
			flags = 0;
		else if (argc != 2)
			usage();
	} else if (argc > need) {
		usage();
	}
	if (host != NULL && inet_pton(AF_INET, host, &in) != 1) {
		fprintf(stderr, "%s: %s: not a numeric IPv4 address\n", prog,
		    host);
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
	if (host == NULL)
		return list(s);
	return one(s, cmd, host, in.s_addr, ifname,
	    cmd == RUMP_SIOCSARP ? mac : NULL, flags);
}
