/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.netstat: network state of the rump kernel behind RUMP_SERVER.
 *
 *	rump.netstat [-anp] [-t] [-u] [-w]
 *	                    AF_INET sockets: protocol, queues, addresses,
 *	                    TCP state (-t TCP, -u UDP, -w raw only; -p the
 *	                    creating process)
 *	rump.netstat -i     interfaces: MTU, address, packet counters
 *	rump.netstat -r     the routing table
 *	rump.netstat -s     IPv4, ICMP, UDP and ARP statistics
 *
 * The figures come from interface ioctls (SIOCGIFNAME by index,
 * SIOCGIFMTU, SIOCGIFADDR, RUMP_SIOCGIFSTATS), RUMP_SIOCGNETSTATS and the
 * table ioctls RUMP_SIOCGSOCKTABLE and RUMP_SIOCGRTABLE (read through
 * nettab_client.c) on a remote AF_INET socket.  See rump.netstat(8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#include "nettab_client.h"

static const char *prog = "rump.netstat";
static int sock;

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-anp] [-t] [-u] [-w]\n"
	    "       %s -i | -r | -s\n", prog, prog);
	exit(2);
}

static uint32_t
sin_get(const struct rump_sockaddr *sa)
{
	struct rump_sockaddr_in sin;

	memcpy(&sin, sa, sizeof(sin));
	return sin.sin_addr.s_addr;
}

static void
ifr_init(struct rump_ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_ifrn.ifrn_name, RUMP_IFNAMSIZ, "%s", name);
}

/* Calls fn for every interface, by index (gaps after destroyed ones). */
static int
each_if(void (*fn)(const char *name))
{
	struct rump_ifreq ifr;
	int idx, misses = 0;

	for (idx = 1; idx < 4096 && misses < 64; idx++) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_ifru.ifru_ivalue = idx;
		if (rump_sys_ioctl(sock, RUMP_SIOCGIFNAME, &ifr) != 0) {
			if (errno != ENODEV && errno != ENXIO) {
				fprintf(stderr, "%s: SIOCGIFNAME: %s\n", prog,
				    strerror(errno));
				return 1;
			}
			misses++;
			continue;
		}
		misses = 0;
		ifr.ifr_ifrn.ifrn_name[RUMP_IFNAMSIZ - 1] = '\0';
		fn(ifr.ifr_ifrn.ifrn_name);
	}
	return 0;
}

static void
if_row(const char *name)
{
	struct rump_ifreq ifr;
	struct rump_ifstats st;
	char net[40] = "-", a[INET_ADDRSTRLEN] = "-";
	uint32_t addr, mask;
	int mtu = 0;

	ifr_init(&ifr, name);
	if (rump_sys_ioctl(sock, RUMP_SIOCGIFMTU, &ifr) == 0)
		mtu = ifr.ifr_ifru.ifru_mtu;
	ifr_init(&ifr, name);
	if (rump_sys_ioctl(sock, RUMP_SIOCGIFADDR, &ifr) == 0) {
		addr = sin_get(&ifr.ifr_ifru.ifru_addr);
		inet_ntop(AF_INET, &addr, a, sizeof(a));
		ifr_init(&ifr, name);
		if (rump_sys_ioctl(sock, RUMP_SIOCGIFNETMASK, &ifr) == 0) {
			char d[INET_ADDRSTRLEN];
			int p = 0;

			mask = sin_get(&ifr.ifr_ifru.ifru_netmask);
			addr &= mask;
			for (uint32_t m = ntohl(mask); m & 0x80000000u; m <<= 1)
				p++;
			inet_ntop(AF_INET, &addr, d, sizeof(d));
			snprintf(net, sizeof(net), "%s/%d", d, p);
		}
	}
	memset(&st, 0, sizeof(st));
	ifr_init(&ifr, name);
	ifr.ifr_ifru.ifru_data = &st;
	(void)rump_sys_ioctl(sock, RUMP_SIOCGIFSTATS, &ifr);
	printf("%-8s %5d %-18s %-15s %8llu %5llu %5llu %8llu %5llu %5llu\n",
	    name, mtu, net, a,
	    (unsigned long long)st.ifs_ipackets,
	    (unsigned long long)st.ifs_ierrors,
	    (unsigned long long)st.ifs_iqdrops,
	    (unsigned long long)st.ifs_opackets,
	    (unsigned long long)st.ifs_oerrors,
	    (unsigned long long)st.ifs_collisions);
}

static int
interfaces(void)
{
	printf("%-8s %5s %-18s %-15s %8s %5s %5s %8s %5s %5s\n", "Name",
	    "Mtu", "Network", "Address", "Ipkts", "Ierrs", "Idrop", "Opkts",
	    "Oerrs", "Coll");
	return each_if(if_row);
}

static int
routes(void)
{
	struct rump_rtrec *rr;
	unsigned n;
	int error;

	error = nettab_fetch(sock, RUMP_SIOCGRTABLE, sizeof(*rr),
	    (void **)&rr, &n);
	if (error != 0) {
		fprintf(stderr, "%s: RUMP_SIOCGRTABLE: %s\n", prog,
		    strerror(error));
		return 1;
	}
	printf("Routing table\n");
	nettab_print_routes(rr, n);
	free(rr);
	return 0;
}

static const char *
tcpstate(unsigned st)
{
	static const char *const names[] = {
		[RUMP_TCP_ESTABLISHED] = "ESTABLISHED",
		[RUMP_TCP_SYN_SENT] = "SYN_SENT",
		[RUMP_TCP_SYN_RECV] = "SYN_RECV",
		[RUMP_TCP_FIN_WAIT1] = "FIN_WAIT1",
		[RUMP_TCP_FIN_WAIT2] = "FIN_WAIT2",
		[RUMP_TCP_TIME_WAIT] = "TIME_WAIT",
		[RUMP_TCP_CLOSE] = "CLOSE",
		[RUMP_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[RUMP_TCP_LAST_ACK] = "LAST_ACK",
		[RUMP_TCP_LISTEN] = "LISTEN",
		[RUMP_TCP_CLOSING] = "CLOSING",
	};

	if (st < sizeof(names) / sizeof(names[0]) && names[st] != NULL)
		return names[st];
	return "UNKNOWN";
}

static void
endpoint(char *buf, size_t len, uint32_t addr, uint16_t port, bool any)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (any && port == 0)
		snprintf(buf, len, "%s:*", a);
	else
		snprintf(buf, len, "%s:%u", a, ntohs(port));
}

/* which: bits 1 TCP, 2 UDP, 4 raw; pids: a PID column. */
static int
sockets(int which, bool pids)
{
	struct rump_sockrec *sr;
	char l[32], f[32];
	const char *proto, *state;
	unsigned n, i;
	int error, bit;

	error = nettab_fetch(sock, RUMP_SIOCGSOCKTABLE, sizeof(*sr),
	    (void **)&sr, &n);
	if (error != 0) {
		fprintf(stderr, "%s: RUMP_SIOCGSOCKTABLE: %s\n", prog,
		    strerror(error));
		return 1;
	}
	printf("Active Internet connections (including servers)\n");
	printf("%-5s %6s %6s %-22s %-22s %-11s%s\n", "Proto", "Recv-Q",
	    "Send-Q", "Local Address", "Foreign Address", "State",
	    pids ? " PID" : "");
	for (i = 0; i < n; i++) {
		const struct rump_sockrec *r = &sr[i];

		state = "";
		if (r->sr_type == RUMP_SOCK_STREAM) {
			proto = "tcp";
			bit = 1;
			state = tcpstate(r->sr_state);
		} else if (r->sr_type == RUMP_SOCK_DGRAM) {
			proto = "udp";
			bit = 2;
		} else {
			proto = "raw";
			bit = 4;
		}
		if ((which & bit) == 0)
			continue;
		if (bit == 4) {
			/* As Linux's netstat: the protocol as the port. */
			endpoint(l, sizeof(l), r->sr_laddr,
			    htons(r->sr_protocol), false);
			endpoint(f, sizeof(f), r->sr_faddr, 0, true);
		} else {
			endpoint(l, sizeof(l), r->sr_laddr, r->sr_lport, true);
			endpoint(f, sizeof(f), r->sr_faddr, r->sr_fport, true);
		}
		printf("%-5s %6u %6u %-22s %-22s %-11s", proto, r->sr_recvq,
		    r->sr_sendq, l, f, state);
		if (pids) {
			if (r->sr_flags & RUMP_SR_NOSOCKET)
				printf(" -");
			else
				printf(" %d", r->sr_pid);
		}
		printf("\n");
	}
	free(sr);
	return 0;
}

#define ST(f, what) printf("\t%llu %s\n", (unsigned long long)ns.f, what)

static int
stats(void)
{
	struct rump_netstats ns;

	memset(&ns, 0, sizeof(ns));
	if (rump_sys_ioctl(sock, RUMP_SIOCGNETSTATS, &ns) != 0) {
		fprintf(stderr, "%s: RUMP_SIOCGNETSTATS: %s\n", prog,
		    strerror(errno));
		return 1;
	}
	printf("ip:\n");
	ST(ips_total, "total packets received");
	ST(ips_badsum, "bad header checksums");
	ST(ips_tooshort, "with size smaller than minimum");
	ST(ips_toosmall, "with data size < data length");
	ST(ips_badhlen, "with header length < data size");
	ST(ips_badlen, "with data length < header length");
	ST(ips_badvers, "with incorrect version number");
	ST(ips_badaddr, "with bad source address");
	ST(ips_fragments, "fragments received");
	ST(ips_fragdropped, "fragments dropped");
	ST(ips_fragtimeout, "fragments dropped after timeout");
	ST(ips_reassembled, "packets reassembled ok");
	ST(ips_reassbytes, "bytes held for reassembly");
	ST(ips_delivered, "packets for this host");
	ST(ips_noproto, "packets for unknown/unsupported protocol");
	ST(ips_forward, "packets forwarded");
	ST(ips_cantforward, "packets not forwardable");
	ST(ips_noroute, "packets with no route");
	ST(ips_ttlexceed, "packets with TTL exceeded");
	ST(ips_localout, "packets sent from this host");
	ST(ips_odropped, "output packets dropped");
	ST(ips_fragmented, "output datagrams fragmented");
	ST(ips_ofragments, "fragments created");
	ST(ips_cantfrag, "datagrams that can't be fragmented");
	ST(ips_tsosegmented, "TSO segments cut in software");
	printf("icmp:\n");
	ST(icps_inpackets, "messages received");
	ST(icps_badlen, "messages with bad length");
	ST(icps_badsum, "messages with bad checksum");
	ST(icps_badtype, "messages with bad type");
	ST(icps_echoreq, "echo requests received");
	ST(icps_echoreply_out, "echo replies sent");
	ST(icps_unreach_in, "destination unreachable received");
	ST(icps_timxceed_in, "time exceeded received");
	ST(icps_error_out, "error messages sent");
	ST(icps_ratelimited, "error messages rate-limited");
	printf("udp:\n");
	ST(udps_ipackets, "datagrams received");
	ST(udps_hdrops, "with incomplete header");
	ST(udps_badsum, "with bad checksum");
	ST(udps_badlen, "with bad data length field");
	ST(udps_noport, "dropped due to no socket");
	ST(udps_noportbcast, "broadcast/multicast datagrams dropped due to "
	    "no socket");
	ST(udps_fullsock, "dropped due to full socket buffers");
	ST(udps_opackets, "datagrams output");
	printf("arp:\n");
	ST(arps_txrequests, "requests sent");
	ST(arps_txreplies, "replies sent");
	ST(arps_rxrequests, "requests received");
	ST(arps_rxreplies, "replies received");
	ST(arps_badpkt, "bad packets received");
	ST(arps_dropped, "packets dropped waiting for resolution");
	ST(arps_held, "packets held waiting for resolution");
	ST(arps_timeouts, "entries timed out");
	ST(arps_entries, "entries in the cache");
	return 0;
}

int
main(int argc, char *argv[])
{
	int ch, mode = 0, which = 0;
	bool pids = false;

	while ((ch = getopt(argc, argv, "irsanptuw")) != -1) {
		switch (ch) {
		case 'i':
		case 'r':
		case 's':
			if (mode != 0)
				usage();
			mode = ch;
			break;
		case 'a':
		case 'n':
			/* Listeners are always shown, numbers always. */
			break;
		case 'p':
			pids = true;
			break;
		case 't':
			which |= 1;
			break;
		case 'u':
			which |= 2;
			break;
		case 'w':
			which |= 4;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (rumpclient_init() != 0) {
		fprintf(stderr, "%s: cannot reach RUMP_SERVER\n", prog);
		return 1;
	}
	sock = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);
	if (sock < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return 1;
	}
	switch (mode) {
	case 'i':
		return interfaces();
	case 'r':
		return routes();
	case 's':
		return stats();
	}
	return sockets(which != 0 ? which : 7, pids);
}
