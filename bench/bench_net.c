/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_net.c: IPv4 between two rump kernels over shmif, beside the host.
 *
 *  - ping RTT: 2000 ICMP echoes, one at a time, from one rump kernel to
 *    another on a shmif bus; reference: the host pinging the peer of a
 *    veth pair in a network namespace the benchmark makes (root needed;
 *    without it the host's loopback, and the label says so).
 *  - UDP throughput, 64 B and 1400 B payloads: one sender blasting for a
 *    second, the receiver counting what arrived (packets per second and
 *    Mbit/s of payload at the receiver, and the loss); reference: two
 *    host sockets over the host's loopback, measured the same way.
 *
 * Each rump kernel is its own process (fork before rump_init).  The
 * receiver takes commands on a pipe: 'R' resets its counters, 'Q'
 * answers with what it counted since.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "../tests/netinet/h_inet.h"

#define PING_COUNT 2000
#define BLAST_NS   1000000000ULL
#define NETNS      "rumpbench"

struct counts {
	uint64_t packets, bytes, first_ns, last_ns;
	uint64_t udpin;                    /* rump: UDP datagrams in (stack) */
};

/* The receiving kernel's count of UDP datagrams in, 0 for the host: the
 * difference to what the socket got is lost at the socket buffer, the
 * rest of the loss on the way (the shmif ring's overruns). */
static uint64_t
udp_in(bool rump)
{
	struct rump_netstats st;

	if (!rump)
		return 0;
	h_netstats(&st);
	return st.udps_ipackets;
}

/* The receiving side: a UDP socket on port 9, rump or host. */
static void
receiver(bool rump, int cmdfd, int resfd)
{
	struct sockaddr_in sin;
	struct counts c;
	struct timeval tv = { 0, 20000 };
	static char buf[65536];
	char cmd;
	ssize_t n;
	int s;

	memset(&c, 0, sizeof(c));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	s = rump ? rump_sys_socket(AF_INET, SOCK_DGRAM, 0) :
	    socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || (rump ?
	    rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) :
	    bind(s, (struct sockaddr *)&sin, sizeof(sin))) != 0)
		bench_die("receiver socket");
	if (rump)
		rump_sys_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	else
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fcntl(cmdfd, F_SETFL, O_NONBLOCK);
	if (write(resfd, "r", 1) != 1)             /* ready */
		exit(1);
	for (;;) {
		n = rump ? rump_sys_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL) :
		    recv(s, buf, sizeof(buf), 0);
		if (n > 0) {
			uint64_t now = bench_now_ns();
			if (c.packets == 0)
				c.first_ns = now;
			c.last_ns = now;
			c.packets++;
			c.bytes += (uint64_t)n;
			if (c.packets % 64 != 0)
				continue;
		}
		if (read(cmdfd, &cmd, 1) != 1)
			continue;
		if (cmd == 'R') {
			memset(&c, 0, sizeof(c));
			c.udpin = udp_in(rump);
		} else if (cmd == 'Q') {
			c.udpin = udp_in(rump) - c.udpin;
			if (write(resfd, &c, sizeof(c)) != sizeof(c))
				exit(1);
		}
		else if (cmd == 'X')
			exit(0);
	}
}

struct peer {
	pid_t pid;
	int cmd, res;
};

static void
peer_start(struct peer *p, bool rump, const char *bus)
{
	int c[2], r[2];
	char ch;

	if (pipe(c) != 0 || pipe(r) != 0)
		bench_die("pipe");
	p->pid = fork();
	if (p->pid < 0)
		bench_die("fork");
	if (p->pid == 0) {
		close(c[1]);
		close(r[0]);
		if (rump) {
			char spec[256];
			snprintf(spec, sizeof(spec), "%s,10.0.0.1/24", bus);
			if (rump_init() != 0 || h_ifspec(spec) != 0)
				bench_die("receiver kernel");
		}
		receiver(rump, c[0], r[1]);
	}
	close(c[0]);
	close(r[1]);
	p->cmd = c[1];
	p->res = r[0];
	if (read(p->res, &ch, 1) != 1)
		bench_die("receiver start");
}

static void
peer_stop(struct peer *p)
{
	(void)write(p->cmd, "X", 1);
	kill(p->pid, SIGTERM);
	waitpid(p->pid, NULL, 0);
}

/* Blast size-byte datagrams at 10.0.0.1 (rump) or 127.0.0.1 (host) for
 * a second; what arrived, in *c; datagrams sent in *sentp. */
static void
blast(struct peer *p, bool rump, size_t size, struct counts *c,
    uint64_t *sentp)
{
	struct sockaddr_in sin;
	static char buf[2048];
	uint64_t t0, sent = 0;
	int s;

	h_sin(&sin, rump ? "10.0.0.1" : "127.0.0.1", 9);
	s = rump ? rump_sys_socket(AF_INET, SOCK_DGRAM, 0) :
	    socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		bench_die("socket");
	/* One datagram first, so ARP is done before the clock starts. */
	if (rump)
		(void)rump_sys_sendto(s, buf, size, 0, (struct sockaddr *)&sin,
		    sizeof(sin));
	usleep(100000);
	if (write(p->cmd, "R", 1) != 1)
		bench_die("write");
	usleep(50000);
	t0 = bench_now_ns();
	while (bench_now_ns() - t0 < BLAST_NS) {
		for (int i = 0; i < 16; i++) {
			ssize_t n = rump ?
			    rump_sys_sendto(s, buf, size, 0,
			    (struct sockaddr *)&sin, sizeof(sin)) :
			    sendto(s, buf, size, 0, (struct sockaddr *)&sin,
			    sizeof(sin));
			if (n == (ssize_t)size)
				sent++;
		}
	}
	usleep(300000);                    /* let the receiver drain */
	if (write(p->cmd, "Q", 1) != 1 ||
	    read(p->res, c, sizeof(*c)) != sizeof(*c))
		bench_die("receiver result");
	*sentp = sent;
	rump ? rump_sys_close(s) : close(s);
}

static double
rate(const struct counts *c)
{
	double t = (double)(c->last_ns - c->first_ns) / 1e9;

	return t > 0 ? (double)c->packets / t : 0;
}

/* Host reference for ping: a veth peer in a namespace, else loopback. */
static double
host_ping(const char **label)
{
	struct h_pingres res;
	bool ns;

	ns = system("ip netns add " NETNS " 2>/dev/null && "
	    "ip link add rbench0 type veth peer name rbench1 && "
	    "ip link set rbench1 netns " NETNS " && "
	    "ip addr add 10.88.0.1/24 dev rbench0 && "
	    "ip link set rbench0 up && "
	    "ip -n " NETNS " addr add 10.88.0.2/24 dev rbench1 && "
	    "ip -n " NETNS " link set rbench1 up && "
	    "ip -n " NETNS " link set lo up && "
	    "sleep 0.2") == 0;
	*label = ns ? "host ping to a veth peer in a netns" :
	    "host ping over loopback (no netns)";
	/* h_ping speaks through rump_sys_*: use a host raw socket here. */
	{
		struct sockaddr_in sin;
		uint8_t pkt[64], in[2048];
		double t0, sum = 0;
		int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP), got = 0;
		struct timeval tv = { 2, 0 };

		memset(&res, 0, sizeof(res));
		if (s < 0) {
			*label = "host ping unavailable (no raw sockets)";
			goto out;
		}
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		h_sin(&sin, ns ? "10.88.0.2" : "127.0.0.1", 0);
		for (int seq = 1; seq <= PING_COUNT; seq++) {
			memset(pkt, 0, sizeof(pkt));
			pkt[0] = 8;
			pkt[4] = 0x77;
			pkt[6] = (uint8_t)(seq >> 8);
			pkt[7] = (uint8_t)seq;
			uint16_t ck = h_cksum(pkt, sizeof(pkt));
			memcpy(pkt + 2, &ck, 2);
			t0 = h_now_ms();
			if (sendto(s, pkt, sizeof(pkt), 0,
			    (struct sockaddr *)&sin, sizeof(sin)) < 0)
				break;
			for (;;) {
				ssize_t n = recv(s, in, sizeof(in), 0);
				if (n < 0)
					break;
				size_t hl = (size_t)(in[0] & 15) * 4;
				if ((size_t)n >= hl + 8 && in[hl] == 0 &&
				    memcmp(in + hl + 4, pkt + 4, 4) == 0) {
					sum += h_now_ms() - t0;
					got++;
					break;
				}
			}
		}
		close(s);
		res.pr_avg = got > 0 ? sum / got : 0;
	}
out:
	if (ns)
		(void)system("ip link del rbench0 2>/dev/null; "
		    "ip netns del " NETNS " 2>/dev/null");
	return res.pr_avg;
}

int
main(void)
{
	char dir[] = "/tmp/bench_net.XXXXXX", bus[128], spec[256];
	struct counts c;
	struct h_pingres res;
	struct peer p;
	const char *hlabel;
	static const size_t sizes[] = { 64, 1400 };
	double rump_pps[2], rump_mbit[2], host_pps[2], host_mbit[2];
	uint64_t sent;
	double rtt, hrtt;

	if (mkdtemp(dir) == NULL)
		bench_die("mkdtemp");
	snprintf(bus, sizeof(bus), "%s/bus", dir);

	/* Host references first, before this process boots its kernel. */
	hrtt = host_ping(&hlabel);
	peer_start(&p, false, NULL);
	for (int i = 0; i < 2; i++) {
		blast(&p, false, sizes[i], &c, &sent);
		host_pps[i] = rate(&c);
		host_mbit[i] = host_pps[i] * (double)sizes[i] * 8 / 1e6;
		printf("host loopback UDP %4zu B: sent %llu, received %llu "
		    "(%.0f pps, %.1f Mbit/s)\n", sizes[i],
		    (unsigned long long)sent, (unsigned long long)c.packets,
		    host_pps[i], host_mbit[i]);
	}
	peer_stop(&p);

	peer_start(&p, true, bus);
	snprintf(spec, sizeof(spec), "%s,10.0.0.2/24", bus);
	if (rump_init() != 0 || h_ifspec(spec) != 0)
		bench_die("sender kernel");
	if (h_ping("10.0.0.1", PING_COUNT, 0, 56, &res) != 0 ||
	    res.pr_replies != PING_COUNT)
		bench_die("rump ping: %d replies", res.pr_replies);
	rtt = res.pr_avg;
	printf("rump ping over shmif: %d echoes, rtt min/avg/max "
	    "%.3f/%.3f/%.3f ms; %s: avg %.3f ms\n", PING_COUNT, res.pr_min,
	    res.pr_avg, res.pr_max, hlabel, hrtt);
	for (int i = 0; i < 2; i++) {
		blast(&p, true, sizes[i], &c, &sent);
		rump_pps[i] = rate(&c);
		rump_mbit[i] = rump_pps[i] * (double)sizes[i] * 8 / 1e6;
		printf("rump shmif UDP %4zu B: sent %llu, received %llu "
		    "(%.0f pps, %.1f Mbit/s, %.1f%% lost: %.1f%% on the bus, "
		    "%.1f%% at the socket)\n", sizes[i],
		    (unsigned long long)sent, (unsigned long long)c.packets,
		    rump_pps[i], rump_mbit[i],
		    sent ? 100.0 * (double)(sent - c.packets) / (double)sent : 0,
		    sent ? 100.0 * (double)(sent - c.udpin) / (double)sent : 0,
		    sent ? 100.0 * (double)(c.udpin - c.packets) / (double)sent :
		    0);
	}
	peer_stop(&p);
	unlink(bus);
	rmdir(dir);

	bench_result("net ping rtt shmif", rtt * 1000, hrtt * 1000, "us",
	    "-", hlabel);
	bench_result("net udp 64B pps", rump_pps[0], host_pps[0], "pps", "-",
	    "host sockets over loopback");
	bench_result("net udp 1400B Mbit/s", rump_mbit[1], host_mbit[1],
	    "Mbit/s", "-", "host sockets over loopback");
	bench_result("net udp 1400B pps", rump_pps[1], host_pps[1], "pps", "-",
	    "host sockets over loopback");
	return 0;
}
