/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_inet_frag.c: IPv4 reassembly under attack.  The test writes frames
 * straight onto the kernel's shmif bus (it links the driver's host half,
 * shmif_user.c): a flood of first fragments that never complete must
 * leave the memory held for reassembly bounded, overlapping fragments
 * must drop their datagram, and an honest fragmented datagram must still
 * arrive afterwards.  Also bad headers, counted and dropped.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>

#include "h_inet.h"
#include "shmif_user.h"

static char busdir[] = "/tmp/t_inet_frag.XXXXXX";
static char buspath[128];
static struct shmif_user *wire;

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_not_null(mkdtemp(busdir));
	snprintf(buspath, sizeof(buspath), "%s/bus", busdir);
	cr_assert_eq(rump_pub_shmif_create(buspath, NULL), 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0",
	    "10.3.0.1", 24), 0);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &wire), 0);
}

static void
fini(void)
{
	rumpuser_shmif_detach(wire);
	unlink(buspath);
	rmdir(busdir);
}

TestSuite(inet_frag, .init = boot, .fini = fini);

/* Write an IPv4 packet (UDP payload bytes of pattern) to the bus. */
static void
send_frag(uint16_t id, uint16_t off8, bool more, size_t len, uint8_t fill,
    const void *payload)
{
	uint8_t f[1600];
	uint8_t *ip = f + 14;
	uint16_t v;

	cr_assert_leq(len, 1480);
	memset(f, 0xff, 6);                        /* broadcast MAC */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x99", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	v = htons((uint16_t)(20 + len));
	memcpy(ip + 2, &v, 2);
	v = htons(id);
	memcpy(ip + 4, &v, 2);
	v = htons((uint16_t)(off8 | (more ? 0x2000 : 0)));
	memcpy(ip + 6, &v, 2);
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, "10.3.0.99", ip + 12);
	inet_pton(AF_INET, "10.3.0.1", ip + 16);
	v = h_cksum(ip, 20);
	memcpy(ip + 10, &v, 2);
	if (payload != NULL)
		memcpy(ip + 20, payload, len);
	else
		memset(ip + 20, fill, len);
	cr_assert_eq(rumpuser_shmif_send(wire, f, 14 + 20 + len), 0);
}

static void
wait_fragments(uint64_t n)
{
	struct rump_netstats st;

	for (int i = 0; i < 500; i++) {
		h_netstats(&st);
		if (st.ips_fragments >= n)
			return;
		usleep(10000);
	}
	cr_assert_fail("kernel saw %llu of %llu fragments",
	    (unsigned long long)st.ips_fragments, (unsigned long long)n);
}

Test(inet_frag, flood_is_bounded)
{
	struct rump_netstats st;
	uint64_t before = rump_kmem_inuse(), peak = 0, now;
	int i, j;

	/* 4000 datagrams' first fragments: 6 MB of payload if kept. */
	for (i = 0; i < 40; i++) {
		for (j = 0; j < 100; j++)
			send_frag((uint16_t)(i * 100 + j), 0, true, 1480, 0xaa,
			    NULL);
		wait_fragments((uint64_t)(i + 1) * 100);
		now = rump_kmem_inuse();
		if (now > peak)
			peak = now;
	}
	h_netstats(&st);
	cr_assert_leq(st.ips_reassbytes, 1024 * 1024,
	    "reassembly holds %llu bytes", (unsigned long long)st.ips_reassbytes);
	cr_assert_gt(st.ips_fragdropped, 0);
	cr_assert_lt(peak - before, 4 * 1024 * 1024,
	    "kmem grew by %llu bytes", (unsigned long long)(peak - before));
}

Test(inet_frag, honest_datagram_after_flood)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	uint8_t udp[2000], buf[2000];
	uint16_t v;
	int s, i;

	s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	h_sin(&sin, "0.0.0.0", 4444);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	for (i = 0; i < 200; i++)
		send_frag((uint16_t)(1000 + i), 0, true, 1480, 0x55, NULL);
	/* A 1992-byte UDP datagram (no checksum) in two fragments, the
	 * second first. */
	memset(udp, 0, sizeof(udp));
	v = htons(5555);
	memcpy(udp, &v, 2);
	v = htons(4444);
	memcpy(udp + 2, &v, 2);
	v = htons(2000);
	memcpy(udp + 4, &v, 2);
	for (i = 8; i < 2000; i++)
		udp[i] = (uint8_t)i;
	send_frag(7, 1480 / 8, false, 2000 - 1480, 0, udp + 1480);
	send_frag(7, 0, true, 1480, 0, udp);
	pfd.fd = s;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), 1);
	cr_assert_eq(rump_sys_recvfrom(s, buf, sizeof(buf), 0, NULL, NULL), 1992);
	cr_assert_eq(memcmp(buf, udp + 8, 1992), 0);
	rump_sys_close(s);
}

Test(inet_frag, overlap_drops_datagram)
{
	struct rump_netstats st0, st;
	struct sockaddr_in sin;
	uint8_t udp[1600];
	char c;
	int s;

	s = rump_sys_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	h_sin(&sin, "0.0.0.0", 4445);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	memset(udp, 0, sizeof(udp));
	udp[2] = 0x06;                     /* dport 1725, wrong: unused */
	h_netstats(&st0);
	send_frag(9, 0, true, 1000, 1, udp);
	send_frag(9, 800 / 8, false, 400, 2, NULL);  /* overlaps 800-1000 */
	wait_fragments(st0.ips_fragments + 2);
	h_netstats(&st);
	cr_assert_geq(st.ips_fragdropped, st0.ips_fragdropped + 1);
	cr_assert_eq(st.ips_reassembled, st0.ips_reassembled);
	cr_assert_eq(rump_sys_recvfrom(s, &c, 1, 0, NULL, NULL), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sys_close(s);
}

Test(inet_frag, bad_headers_counted)
{
	struct rump_netstats st0, st;
	uint8_t f[64];

	h_netstats(&st0);
	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x98", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, 0, 20);
	f[14] = 0x45;
	f[16] = 0;
	f[17] = 20;
	f[22] = 64;
	f[23] = 17;                        /* checksum left wrong */
	cr_assert_eq(rumpuser_shmif_send(wire, f, 34), 0);
	f[14] = 0x65;                      /* version 6 */
	cr_assert_eq(rumpuser_shmif_send(wire, f, 34), 0);
	f[14] = 0x44;                      /* header too short */
	cr_assert_eq(rumpuser_shmif_send(wire, f, 34), 0);
	for (int i = 0; i < 200; i++) {
		h_netstats(&st);
		if (st.ips_total >= st0.ips_total + 3)
			break;
		usleep(10000);
	}
	cr_assert_geq(st.ips_badsum, st0.ips_badsum + 1);
	cr_assert_geq(st.ips_badvers, st0.ips_badvers + 1);
	cr_assert_geq(st.ips_badhlen, st0.ips_badhlen + 1);
}
