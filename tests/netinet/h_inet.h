/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_inet.h: helpers of the IPv4 tests and benchmarks, on the public API
 * only: interface set-up from "BUS,ADDR/LEN" strings, a ping over a raw
 * ICMP socket, the protocol counters, a ready file for the shell tests.
 */
#ifndef _TESTS_NETINET_H_INET_H_
#define _TESTS_NETINET_H_INET_H_

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rump/netconfig.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

static const char *h_readyfile;

static inline void
h_sin(struct sockaddr_in *sin, const char *addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", addr);
		exit(2);
	}
}

/* "BUS,ADDR/LEN": a new shmif on BUS with that address.  0 or errno. */
static inline int
h_ifspec(const char *spec)
{
	char buf[512], name[32], *addr, *len;
	int unit, error;

	snprintf(buf, sizeof(buf), "%s", spec);
	addr = strchr(buf, ',');
	if (addr == NULL)
		return EINVAL;
	*addr++ = '\0';
	len = strchr(addr, '/');
	if (len == NULL)
		return EINVAL;
	*len++ = '\0';
	error = rump_pub_shmif_create(buf, &unit);
	if (error != 0)
		return error;
	snprintf(name, sizeof(name), "shmif%d", unit);
	return rump_pub_netconfig_ipv4_ifaddr_cidr(name, addr, atoi(len));
}

/* "TAP,ADDR/LEN": virtif<unit> on host tap TAP with that address. */
static inline int
h_virtifspec(const char *spec, int unit)
{
	char buf[512], name[32], *addr, *len;
	int error;

	snprintf(buf, sizeof(buf), "%s", spec);
	addr = strchr(buf, ',');
	if (addr == NULL)
		return EINVAL;
	*addr++ = '\0';
	len = strchr(addr, '/');
	if (len == NULL)
		return EINVAL;
	*len++ = '\0';
	snprintf(name, sizeof(name), "virtif%d", unit);
	if ((error = rump_pub_netconfig_ifcreate(name)) != 0 ||
	    (error = rump_pub_netconfig_ifsetlinkstr(name, buf)) != 0)
		return error;
	return rump_pub_netconfig_ipv4_ifaddr_cidr(name, addr, atoi(len));
}

/* "DST/LEN,GW" */
static inline int
h_routespec(const char *spec)
{
	char buf[128], *gw, *len;

	snprintf(buf, sizeof(buf), "%s", spec);
	gw = strchr(buf, ',');
	len = strchr(buf, '/');
	if (gw == NULL || len == NULL || len > gw)
		return EINVAL;
	*gw++ = '\0';
	*len++ = '\0';
	return rump_pub_netconfig_ipv4_route(buf, atoi(len), gw);
}

/* Create the ready file, or with a suffix, a file next to it. */
static inline void
h_ready_suffix(const char *suffix)
{
	char path[1024];
	int fd;

	if (h_readyfile == NULL)
		return;
	snprintf(path, sizeof(path), "%s%s", h_readyfile, suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

static inline void
h_ready(void)
{
	h_ready_suffix("");
}

static inline void
h_netstats(struct rump_netstats *st)
{
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);

	memset(st, 0, sizeof(*st));
	if (s >= 0) {
		(void)rump_sys_ioctl(s, RUMP_SIOCGNETSTATS, st);
		rump_sys_close(s);
	}
}

static inline void
h_printstats(void)
{
	struct rump_netstats st;

	h_netstats(&st);
	printf("ip: %llu total, %llu delivered, %llu forwarded, "
	    "%llu fragments, %llu reassembled, %llu fragmented, "
	    "%llu badsum, %llu ttlexceed\n",
	    (unsigned long long)st.ips_total,
	    (unsigned long long)st.ips_delivered,
	    (unsigned long long)st.ips_forward,
	    (unsigned long long)st.ips_fragments,
	    (unsigned long long)st.ips_reassembled,
	    (unsigned long long)st.ips_fragmented,
	    (unsigned long long)st.ips_badsum,
	    (unsigned long long)st.ips_ttlexceed);
	printf("icmp: %llu in, %llu echo requests, %llu errors out\n",
	    (unsigned long long)st.icps_inpackets,
	    (unsigned long long)st.icps_echoreq,
	    (unsigned long long)st.icps_error_out);
	printf("udp: %llu in, %llu out, %llu no port\n",
	    (unsigned long long)st.udps_ipackets,
	    (unsigned long long)st.udps_opackets,
	    (unsigned long long)st.udps_noport);
	printf("arp: %llu requests out, %llu replies in\n",
	    (unsigned long long)st.arps_txrequests,
	    (unsigned long long)st.arps_rxreplies);
}

static inline uint16_t
h_cksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static inline double
h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct h_pingres {
	int pr_replies;
	int pr_timxceed;
	char pr_from[INET_ADDRSTRLEN];
	double pr_min, pr_avg, pr_max;     /* ms */
};

/*
 * Ping addr count times (one at a time, 2 s wait each) with size bytes
 * of payload; ttl > 0 sets IP_TTL and counts time-exceeded answers.
 * 0 or errno of the socket calls.
 */
static inline int
h_ping(const char *addr, int count, int ttl, size_t size,
    struct h_pingres *res)
{
	struct sockaddr_in sin, from;
	uint8_t pkt[2048], in[4096];
	struct pollfd pfd;
	socklen_t flen;
	uint16_t id = (uint16_t)getpid();
	double t0, rtt, sum = 0, deadline;
	size_t hl;
	ssize_t n;
	int s, seq;

	memset(res, 0, sizeof(*res));
	res->pr_min = 1e9;
	if (size + 8 > sizeof(pkt))
		return EINVAL;
	s = rump_sys_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0)
		return errno;
	if (ttl > 0 && rump_sys_setsockopt(s, IPPROTO_IP, IP_TTL, &ttl,
	    sizeof(ttl)) != 0)
		return errno;
	h_sin(&sin, addr, 0);
	for (seq = 1; seq <= count; seq++) {
		memset(pkt, 0, 8 + size);
		pkt[0] = 8;                        /* echo request */
		memcpy(pkt + 4, &(uint16_t){ htons(id) }, 2);
		memcpy(pkt + 6, &(uint16_t){ htons((uint16_t)seq) }, 2);
		for (size_t i = 0; i < size; i++)
			pkt[8 + i] = (uint8_t)i;
		uint16_t ck = h_cksum(pkt, 8 + size);
		memcpy(pkt + 2, &ck, 2);
		t0 = h_now_ms();
		if (rump_sys_sendto(s, pkt, 8 + size, 0,
		    (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			int e = errno;
			rump_sys_close(s);
			return e;
		}
		deadline = t0 + 2000;
		while (h_now_ms() < deadline) {
			pfd.fd = s;
			pfd.events = POLLIN;
			if (rump_sys_poll(&pfd, 1,
			    (int)(deadline - h_now_ms()) + 1) <= 0)
				continue;
			flen = sizeof(from);
			n = rump_sys_recvfrom(s, in, sizeof(in), 0,
			    (struct sockaddr *)&from, &flen);
			if (n < 28)
				continue;
			hl = (size_t)(in[0] & 0x0f) * 4;
			if ((size_t)n < hl + 8)
				continue;
			if (in[hl] == 0 && memcmp(in + hl + 4, pkt + 4, 4) == 0) {
				rtt = h_now_ms() - t0;
				res->pr_replies++;
				sum += rtt;
				if (rtt < res->pr_min)
					res->pr_min = rtt;
				if (rtt > res->pr_max)
					res->pr_max = rtt;
				break;
			}
			if (in[hl] == 11 && (size_t)n >= hl + 8 + 20 + 8) {
				size_t ihl = (size_t)(in[hl + 8] & 0x0f) * 4;
				if ((size_t)n >= hl + 8 + ihl + 8 &&
				    memcmp(in + hl + 8 + ihl + 4, pkt + 4, 4) == 0) {
					res->pr_timxceed++;
					inet_ntop(AF_INET, &from.sin_addr,
					    res->pr_from, sizeof(res->pr_from));
					break;
				}
			}
		}
	}
	if (res->pr_replies > 0)
		res->pr_avg = sum / res->pr_replies;
	else
		res->pr_min = 0;
	rump_sys_close(s);
	return 0;
}

#endif /* _TESTS_NETINET_H_INET_H_ */
