/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.route: add and delete IPv4 routes of the rump kernel behind
 * RUMP_SERVER.
 *
 *	rump.route add | delete [-net | -host] DEST[/PREFIX] [GATEWAY]
 *	    [-netmask MASK] [-interface IF] [-reject]
 *	rump.route add | delete default GATEWAY
 *	rump.route show
 *
 * add and delete are SIOCADDRT and SIOCDELRT with Linux's struct rtentry
 * on a remote AF_INET socket (rt_dev, the interface name, travels by the
 * @ioctlptr rule).  show lists the whole routing table in lookup order
 * (RUMP_SIOCGRTABLE, through nettab_client.c).  See rump.route(8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#include "nettab_client.h"

static const char *prog = "rump.route";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s add | delete [-net | -host] DEST[/PREFIX] [GATEWAY]\n"
	    "           [-netmask MASK] [-interface IF] [-reject]\n"
	    "       %s add | delete default GATEWAY\n"
	    "       %s show\n", prog, prog, prog);
	exit(2);
}

static void
sin_put(struct rump_sockaddr *sa, uint32_t a)
{
	struct rump_sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = a;
	memcpy(sa, &sin, sizeof(sin));
}

static int
show(int s)
{
	struct rump_rtrec *rr;
	unsigned n;
	int error;

	error = nettab_fetch(s, RUMP_SIOCGRTABLE, sizeof(*rr), (void **)&rr,
	    &n);
	if (error != 0) {
		fprintf(stderr, "%s: RUMP_SIOCGRTABLE: %s\n", prog,
		    strerror(error));
		return 1;
	}
	nettab_print_routes(rr, n);
	free(rr);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct rump_rtentry rt;
	char dst[64], *slash, *end, dev[RUMP_IFNAMSIZ];
	uint32_t a, mask = 0xffffffffu, gw = 0;
	int i, s, add, host = -1, havemask = 0, havegw = 0, reject = 0;
	long p;

	if (argc < 2)
		usage();
	if (rumpclient_init() != 0) {
		fprintf(stderr, "%s: cannot reach RUMP_SERVER\n", prog);
		return 1;
	}
	s = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	if (s < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "get") == 0) {
		if (argc != 2)
			usage();
		return show(s);
	}
	if (strcmp(argv[1], "add") == 0)
		add = 1;
	else if (strcmp(argv[1], "delete") == 0 || strcmp(argv[1], "del") == 0)
		add = 0;
	else
		usage();

	memset(&rt, 0, sizeof(rt));
	dev[0] = '\0';
	dst[0] = '\0';
	for (i = 2; i < argc; i++) {
		const char *w = argv[i];

		if (strcmp(w, "-net") == 0) {
			host = 0;
		} else if (strcmp(w, "-host") == 0) {
			host = 1;
		} else if (strcmp(w, "-reject") == 0) {
			reject = 1;
		} else if (i + 1 < argc && strcmp(w, "-netmask") == 0) {
			if (inet_pton(AF_INET, argv[++i], &mask) != 1)
				usage();
			havemask = 1;
		} else if (i + 1 < argc && (strcmp(w, "-interface") == 0 ||
		    strcmp(w, "-iface") == 0 || strcmp(w, "dev") == 0)) {
			if (strlen(argv[++i]) >= sizeof(dev))
				usage();
			snprintf(dev, sizeof(dev), "%s", argv[i]);
		} else if (dst[0] == '\0') {
			if (strlen(w) >= sizeof(dst))
				usage();
			snprintf(dst, sizeof(dst), "%s", w);
		} else if (!havegw) {
			if (inet_pton(AF_INET, w, &gw) != 1) {
				fprintf(stderr, "%s: bad gateway %s\n", prog, w);
				return 2;
			}
			havegw = 1;
		} else {
			usage();
		}
	}
	if (dst[0] == '\0')
		usage();
	if (strcmp(dst, "default") == 0) {
		a = 0;
		mask = 0;
		havemask = 1;
	} else {
		slash = strchr(dst, '/');
		if (slash != NULL) {
			*slash++ = '\0';
			p = strtol(slash, &end, 10);
			if (*slash == '\0' || *end != '\0' || p < 0 || p > 32)
				usage();
			mask = p == 0 ? 0 : htonl(0xffffffffu << (32 - p));
			havemask = 1;
		}
		if (inet_pton(AF_INET, dst, &a) != 1) {
			fprintf(stderr, "%s: bad destination %s\n", prog, dst);
			return 2;
		}
		if (!havemask && host == 0) {
			fprintf(stderr, "%s: -net needs /PREFIX or -netmask\n",
			    prog);
			return 2;
		}
	}
	sin_put(&rt.rt_dst, a & mask);
	sin_put(&rt.rt_genmask, mask);
	rt.rt_flags = RUMP_RTF_UP;
	if (mask == 0xffffffffu)
		rt.rt_flags |= RUMP_RTF_HOST;
	if (havegw) {
		sin_put(&rt.rt_gateway, gw);
		rt.rt_flags |= RUMP_RTF_GATEWAY;
	}
	if (reject)
		rt.rt_flags |= RUMP_RTF_REJECT;
	if (dev[0] != '\0')
		rt.rt_dev = dev;
	if (rump_sys_ioctl(s, add ? RUMP_SIOCADDRT : RUMP_SIOCDELRT,
	    &rt) != 0) {
		fprintf(stderr, "%s: %s %s: %s\n", prog, add ? "add" : "delete",
		    argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
