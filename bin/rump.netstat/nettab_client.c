/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nettab_client.c: reading a kernel table over remote system calls and
 * printing the routing table, for rump.netstat, rump.route and rump.arp
 * (nettab_client.h).
 *
 * The kernel answers ENOMEM, with nothing stored, to a buffer that
 * cannot hold the whole table, and a failed remote call brings no data
 * back; so each try first asks for the size (nt_buf NULL), then reads
 * with some room to spare, and tries again if the table grew past it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

#include "nettab_client.h"

#define NETTAB_TRIES 8

int
nettab_fetch(int s, unsigned long cmd, size_t recsize, void **bufp,
    unsigned *countp)
{
	struct rump_nettab nt;
	uint8_t *buf = NULL;
	size_t len, i;
	int tries;

	for (tries = 0; tries < NETTAB_TRIES; tries++) {
		memset(&nt, 0, sizeof(nt));
		nt.nt_version = RUMP_NETTAB_VERSION;
		if (rump_sys_ioctl(s, cmd, &nt) != 0)
			return errno;
		if (nt.nt_recsize < recsize)
			return EPROTO;
		/* Room for a few more that may come meanwhile. */
		len = (size_t)nt.nt_total + 16 * (size_t)nt.nt_recsize;
		if (len > RUMP_NETTAB_MAXLEN)
			len = RUMP_NETTAB_MAXLEN;
		if (nt.nt_total > len)
			return ENOMEM;
		free(buf);
		buf = malloc(len > 0 ? len : 1);
		if (buf == NULL)
			return ENOMEM;
		nt.nt_len = (int32_t)len;
		nt.nt_buf = buf;
		if (rump_sys_ioctl(s, cmd, &nt) == 0)
			break;
		if (errno != ENOMEM && errno != EAGAIN) {
			free(buf);
			return errno;
		}
	}
	if (tries == NETTAB_TRIES) {
		free(buf);
		return ENOMEM;
	}
	/* Keep the part of each record this program knows. */
	if (nt.nt_recsize != recsize)
		for (i = 0; i < nt.nt_count; i++)
			memmove(buf + i * recsize, buf + i * nt.nt_recsize,
			    recsize);
	*bufp = buf;
	*countp = nt.nt_count;
	return 0;
}

static int
nettab_prefixlen(uint32_t mask)
{
	uint32_t m = ntohl(mask);
	int n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return n;
}

void
nettab_print_routes(const struct rump_rtrec *rr, unsigned n)
{
	char dst[48], gw[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN], flags[8];
	unsigned i;
	int k;

	printf("%-18s %-15s %-5s %6s %8s %s\n", "Destination", "Gateway",
	    "Flags", "Metric", "Use", "Interface");
	for (i = 0; i < n; i++) {
		const struct rump_rtrec *r = &rr[i];

		if (r->rr_mask == 0 && r->rr_dst == 0) {
			snprintf(dst, sizeof(dst), "default");
		} else {
			inet_ntop(AF_INET, &r->rr_dst, a, sizeof(a));
			snprintf(dst, sizeof(dst), "%s/%d", a,
			    nettab_prefixlen(r->rr_mask));
		}
		if (r->rr_flags & RUMP_RTF_GATEWAY)
			inet_ntop(AF_INET, &r->rr_gateway, gw, sizeof(gw));
		else
			snprintf(gw, sizeof(gw), "link");
		k = 0;
		if (r->rr_flags & RUMP_RTF_UP)
			flags[k++] = 'U';
		if (r->rr_flags & RUMP_RTF_GATEWAY)
			flags[k++] = 'G';
		if (r->rr_flags & RUMP_RTF_HOST)
			flags[k++] = 'H';
		if (r->rr_flags & RUMP_RTF_REJECT)
			flags[k++] = 'R';
		if (r->rr_flags & RUMP_RTF_IFROUTE)
			flags[k++] = 'C';
		flags[k] = '\0';
		printf("%-18s %-15s %-5s %6d %8llu %.*s\n", dst, gw, flags,
		    r->rr_metric, (unsigned long long)r->rr_use,
		    RUMP_IFNAMSIZ, r->rr_ifname);
	}
}
