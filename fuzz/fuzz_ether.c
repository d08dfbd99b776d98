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
 * records make fragment sequences possible.  The kernel must never
 * crash, and (under ASan) never touch memory it does not own.
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

static void
fuzz_cleanup(void)
{
	unlink(fuzz_bus);
}

static void
fuzz_boot(void)
{
	struct rump_ifreq ifr;
	struct sockaddr_in sin;
	int s;

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
	/* Whatever the input, what the kernel holds stays bounded (ARP
	 * cache and hold queues, reassembly): 64 MiB is far above both. */
	if (rump_kmem_inuse() > 64 * 1024 * 1024)
		abort();
	return 0;
}
