/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_ether.c: libFuzzer harness for the Ethernet input path: frames go
 * through ether_input into ARP, IPv4 (header checks, reassembly,
 * forwarding), ICMP, UDP and raw IP, processed synchronously by
 * rump_pub_netconfig_ifinject on a shmif interface (10.0.0.1/24, on a
 * private bus file; replies go out onto it).  A UDP socket on port 7
 * and a raw ICMP socket are open so delivery runs too, and are drained
 * after every input.
 *
 * The input is a sequence of records: a mode byte, a 2-byte length, and
 * that many bytes (clamped to what is left).  Mode & 3: 0 the bytes are
 * a whole frame; 1 an IPv4 packet sent to our MAC with its header
 * checksum fixed (so the fuzzer gets past it); 2 an ARP packet,
 * broadcast; 3 an IPv4 packet, broadcast, checksum fixed.  Several
 * records make fragment sequences possible.
 *
 * TCP (mode & 4): the bytes are a TCP header and data, put in an IPv4
 * packet to us with both checksums right.  Mode & 8 clear: from
 * 10.0.0.3 to the listening socket on port 80 (whatever ports the bytes
 * say, the destination becomes 80 when mode & 16).  Mode & 8 set: the
 * segment belongs to an established connection, 10.0.0.2:port to our
 * port 81, that the harness keeps up (it plays the peer's handshake,
 * with RUMP_TCP_ISS making our ISNs known); mode & 16 makes the
 * sequence number the peer's next one plus the bytes' 16 low bits
 * less 32768, mode & 32 the acknowledgment our next sequence number
 * plus the low 16 bits of the bytes' less 32768, so that the fuzzer
 * reaches data, reassembly, urgent data, SACK, window and ACK handling
 * instead of only the acceptability checks.  After every input the
 * harness accepts and closes what the listeners queued, reads what the
 * connection got (urgent byte included) and, once all it sent is
 * acknowledged, writes more, so that the ACKs the fuzzer sends meet data
 * in flight.
 *
 * The kernel must never crash, and (under ASan) never touch memory it
 * does not own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rump/netconfig.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_bus[64];
static uint8_t fuzz_mac[6];
static int fuzz_udp = -1, fuzz_raw = -1;

/* TCP: the listeners, and the connection the harness keeps up. */
#define FUZZ_ISS    1000000u          /* RUMP_TCP_ISS: our first ISN */
#define FUZZ_PISS   7000000u          /* the peer's ISN */
#define FUZZ_TRIES  1024              /* ISNs to try past the last known */
static int fuzz_l80 = -1, fuzz_l81 = -1, fuzz_conn = -1;
static uint16_t fuzz_cport = 40000;   /* the connection's peer port */
static uint32_t fuzz_nisn;            /* ISNs our kernel gave, at least */
static uint32_t fuzz_knext;           /* our next sequence number */
static uint32_t fuzz_pnext;           /* the peer's next one */

static void
fuzz_cleanup(void)
{
	unlink(fuzz_bus);
}

static int
fuzz_listen(uint16_t port)
{
	struct sockaddr_in sin;
	int s;

	s = rump_sys_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (s < 0 || rump_sys_bind(s, (struct sockaddr *)&sin,
	    sizeof(sin)) != 0 || rump_sys_listen(s, 64) != 0)
		abort();
	return s;
}

static void
fuzz_boot(void)
{
	struct rump_ifreq ifr;
	struct sockaddr_in sin;
	int s;

	/* Known ISNs, so that the harness can play a peer's handshake. */
	setenv("RUMP_TCP_ISS", "1000000", 1);
	if (rump_init() != 0)
		abort();
	snprintf(fuzz_bus, sizeof(fuzz_bus), "/tmp/fuzz_ether.%d.bus",
	    (int)getpid());
	unlink(fuzz_bus);
	atexit(fuzz_cleanup);
	if (rump_pub_shmif_create(fuzz_bus, NULL) != 0 ||
	    rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.0.0.1", 24) != 0)
		abort();
	s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_ifrn.ifrn_name, "shmif0");
	if (s < 0 || rump_sys_ioctl(s, RUMP_SIOCGIFHWADDR, &ifr) != 0)
		abort();
	memcpy(fuzz_mac, ifr.ifr_ifru.ifru_hwaddr.sa_data, 6);
	rump_sys_close(s);
	fuzz_udp = rump_sys_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(7);
	if (fuzz_udp < 0 ||
	    rump_sys_bind(fuzz_udp, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		abort();
	fuzz_raw = rump_sys_socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK,
	    IPPROTO_ICMP);
	if (fuzz_raw < 0)
		abort();
	fuzz_l80 = fuzz_listen(80);
	fuzz_l81 = fuzz_listen(81);
}

static void
fuzz_ipsum(uint8_t *ip, size_t len)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4, i;
	uint32_t sum = 0;

	if (len < 20 || hl < 20 || hl > len)
		return;
	ip[10] = ip[11] = 0;
	for (i = 0; i + 1 < hl; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
}

/* The TCP checksum of the segment tcp[len] from src to 10.0.0.1. */
static void
fuzz_tcpsum(uint8_t *tcp, size_t len, const uint8_t src[4])
{
	static const uint8_t dst[4] = { 10, 0, 0, 1 };
	uint32_t sum = 0;
	size_t i;

	sum += (uint32_t)src[0] << 8 | src[1];
	sum += (uint32_t)src[2] << 8 | src[3];
	sum += (uint32_t)dst[0] << 8 | dst[1];
	sum += (uint32_t)dst[2] << 8 | dst[3];
	sum += IPPROTO_TCP + (uint32_t)len;
	tcp[16] = tcp[17] = 0;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)tcp[i] << 8 | tcp[i + 1];
	if (len & 1)
		sum += (uint32_t)tcp[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	tcp[16] = (uint8_t)(sum >> 8);
	tcp[17] = (uint8_t)sum;
}

static void
be32put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
be32get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Send the TCP segment tcp[len] (at least a 20-byte header) from src to
 * 10.0.0.1, in an Ethernet frame to our MAC, both checksums made.
 */
static void
fuzz_tcpsend(const uint8_t *tcp, size_t len, const uint8_t src[4])
{
	static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	static uint8_t frame[14 + 20 + 65535];
	uint8_t *ip = frame + 14;

	if (len < 20 || len > 65535 - 20)
		return;
	memcpy(frame, fuzz_mac, 6);
	memcpy(frame + 6, peer, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + len) >> 8);
	ip[3] = (uint8_t)(20 + len);
	ip[6] = 0x40;                        /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, src, 4);
	ip[16] = 10;
	ip[19] = 1;
	memcpy(ip + 20, tcp, len);
	fuzz_tcpsum(ip + 20, len, src);
	fuzz_ipsum(ip, 20 + len);
	(void)rump_pub_netconfig_ifinject("shmif0", frame, 14 + 20 + len);
}

/* A bare segment of the harness's connection, with flags fl. */
static void
fuzz_tcpctl(uint32_t seq, uint32_t ack, uint8_t fl)
{
	static const uint8_t src[4] = { 10, 0, 0, 2 };
	uint8_t t[20];

	memset(t, 0, sizeof(t));
	t[0] = (uint8_t)(fuzz_cport >> 8);
	t[1] = (uint8_t)fuzz_cport;
	t[3] = 81;
	be32put(t + 4, seq);
	be32put(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = fl;
	t[14] = 0xff;                        /* window 65535 */
	t[15] = 0xff;
	fuzz_tcpsend(t, sizeof(t), src);
}

/*
 * Make sure the harness's connection is up: if it is gone, open a new
 * one from the next peer port and find our ISN for it among the next
 * FUZZ_TRIES the kernel can have given (the fuzzer's own SYNs take ISNs
 * too): an ACK of a wrong one is refused, the right one completes the
 * handshake and the listener hands the connection over.
 */
static void
fuzz_tcpconn(void)
{
	uint32_t iss;
	int i, s;

	if (fuzz_conn >= 0)
		return;
	fuzz_cport = (uint16_t)(fuzz_cport == 65000 ? 40000 : fuzz_cport + 1);
	fuzz_tcpctl(FUZZ_PISS, 0, 0x02);     /* SYN */
	for (i = 0; i < FUZZ_TRIES; i++) {
		iss = FUZZ_ISS + 0x10000u * (fuzz_nisn + (uint32_t)i);
		fuzz_tcpctl(FUZZ_PISS + 1, iss + 1, 0x10);
		s = rump_sys_accept(fuzz_l81, NULL, NULL);
		if (s >= 0) {
			fuzz_nisn += (uint32_t)i + 1;
			fuzz_conn = s;
			fuzz_knext = iss + 1;
			fuzz_pnext = FUZZ_PISS + 1;
			return;
		}
	}
	fuzz_tcpctl(FUZZ_PISS + 1, 0, 0x04); /* RST: drop the embryo */
}

/* A fuzzed segment: to a listener, or on the harness's connection. */
static void
fuzz_tcprec(uint8_t mode, const uint8_t *p, size_t len)
{
	static const uint8_t lsrc[4] = { 10, 0, 0, 3 };
	static const uint8_t csrc[4] = { 10, 0, 0, 2 };
	static uint8_t t[65536];

	if (len < 20)
		return;
	if (len > sizeof(t))
		len = sizeof(t);
	memcpy(t, p, len);
	if (!(mode & 8)) {
		if (mode & 16) {
			t[2] = 0;
			t[3] = 80;
		}
		fuzz_tcpsend(t, len, lsrc);
		return;
	}
	fuzz_tcpconn();
	if (fuzz_conn < 0)
		return;
	t[0] = (uint8_t)(fuzz_cport >> 8);
	t[1] = (uint8_t)fuzz_cport;
	t[2] = 0;
	t[3] = 81;
	if (mode & 16)
		be32put(t + 4, fuzz_pnext + (be32get(t + 4) & 0xffff) - 32768);
	if (mode & 32)
		be32put(t + 8, fuzz_knext + (be32get(t + 8) & 0xffff) - 32768);
	fuzz_tcpsend(t, len, csrc);
}

/*
 * After an input: accept and close what the listeners queued; on the
 * harness's connection read what came (urgent byte too), note a peer
 * that left, and give the kernel data in flight for the next input.
 */
static void
fuzz_tcpafter(void)
{
	static uint8_t buf[65536];
	struct rump_tcp_info ti;
	socklen_t ilen;
	int i, s, n;

	for (i = 0; i < 64; i++) {
		s = rump_sys_accept(fuzz_l80, NULL, NULL);
		if (s < 0)
			break;
		rump_sys_close(s);
	}
	for (i = 0; i < 64; i++) {
		s = rump_sys_accept(fuzz_l81, NULL, NULL);
		if (s < 0)
			break;
		rump_sys_close(s);
	}
	if (fuzz_conn < 0)
		return;
	(void)rump_sys_recvfrom(fuzz_conn, buf, 1, MSG_OOB | MSG_DONTWAIT,
	    NULL, NULL);
	for (i = 0; i < 64; i++) {
		n = (int)rump_sys_recvfrom(fuzz_conn, buf, sizeof(buf),
		    MSG_DONTWAIT, NULL, NULL);
		if (n > 0)
			fuzz_pnext += (uint32_t)n;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			/* Closed or reset: a new connection next time. */
			rump_sys_close(fuzz_conn);
			fuzz_conn = -1;
			return;
		}
		if (n < 0)
			break;
	}
	/* New data once the old is all acknowledged: our next sequence
	 * number then stays what fuzz_knext says. */
	ilen = sizeof(ti);
	if (rump_sys_getsockopt(fuzz_conn, RUMP_IPPROTO_TCP, RUMP_TCP_INFO,
	    &ti, &ilen) != 0 || ti.tcpi_unacked != 0)
		return;
	n = (int)rump_sys_sendto(fuzz_conn, buf, 3000, MSG_DONTWAIT, NULL, 0);
	if (n > 0)
		fuzz_knext += (uint32_t)n;
	else if (errno != EAGAIN && errno != ENOBUFS) {
		rump_sys_close(fuzz_conn);
		fuzz_conn = -1;
	}
}

static void
fuzz_drain(int s)
{
	static uint8_t buf[65536];
	int i;

	for (i = 0; i < 1024; i++)
		if (rump_sys_recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT, NULL,
		    NULL) < 0 && errno == EAGAIN)
			break;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t peer[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	static uint8_t frame[65536 + 14];
	size_t off = 0, len, flen;
	uint8_t mode;

	if (fuzz_udp < 0)
		fuzz_boot();
	while (off + 3 <= size) {
		mode = data[off];
		len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		if (mode & 4) {
			fuzz_tcprec(mode, data + off, len);
			off += len;
			continue;
		}
		switch (mode & 3) {
		case 0:
			memcpy(frame, data + off, len);
			flen = len;
			break;
		default:
			memcpy(frame, (mode & 3) == 1 ? fuzz_mac :
			    (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 6);
			memcpy(frame + 6, peer, 6);
			frame[12] = 0x08;            /* IPv4 or ARP */
			frame[13] = (mode & 3) == 2 ? 0x06 : 0x00;
			memcpy(frame + 14, data + off, len);
			flen = 14 + len;
			if ((mode & 3) != 2)
				fuzz_ipsum(frame + 14, len);
			break;
		}
		off += len;
		if (flen > 0)
			(void)rump_pub_netconfig_ifinject("shmif0", frame, flen);
	}
	fuzz_drain(fuzz_udp);
	fuzz_drain(fuzz_raw);
	fuzz_tcpafter();
	/* Whatever the input, what the kernel holds stays bounded (ARP
	 * cache and hold queues, reassembly): 64 MiB is far above both. */
	if (rump_kmem_inuse() > 64 * 1024 * 1024)
		abort();
	return 0;
}
