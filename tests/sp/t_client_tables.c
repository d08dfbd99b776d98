/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_client_tables.c: the kernel table ioctls over remote system calls
 * (RUMP_SIOCGRTABLE, RUMP_SIOCGARPTABLE, RUMP_SIOCGSOCKTABLE and the ARP
 * entry ioctls; docs/net.md "Table ioctls", docs/protocol.md @ioctlptr).
 * Each case starts its own rump_allserver (h_sp.h).  Besides the tables'
 * contents the cases send what a hostile or careless client might: short
 * buffers, negative, zero and huge lengths, unmapped buffers and
 * structures; each gets an error and the connection goes on.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpclient.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#include "h_sp.h"

TestSuite(tables, .init = sp_server_up, .fini = sp_server_down,
    .timeout = 60);

static void
check_alive(void)
{
	cr_assert(rump_sys_getpid() > 0, "the connection is gone");
}

static int
sock(void)
{
	int s = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_DGRAM, 0);

	cr_assert(s >= 0);
	return s;
}

static void
nt_init(struct rump_nettab *nt, void *buf, int32_t len)
{
	memset(nt, 0, sizeof(*nt));
	nt->nt_version = RUMP_NETTAB_VERSION;
	nt->nt_buf = buf;
	nt->nt_len = len;
}

Test(tables, routes_and_size_query)
{
	struct rump_nettab nt;
	struct rump_rtrec rr[4];
	int s = sock();

	nt_init(&nt, NULL, 12345);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq(nt.nt_total, sizeof(rr[0]), "lo0's route only");
	cr_assert_eq(nt.nt_recsize, sizeof(rr[0]));
	cr_assert_eq(nt.nt_len, 0);
	cr_assert_null(nt.nt_buf);

	memset(rr, 0xa5, sizeof(rr));
	nt_init(&nt, rr, sizeof(rr));
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq(nt.nt_count, 1);
	cr_assert_eq(nt.nt_len, sizeof(rr[0]));
	cr_assert(nt.nt_buf == rr, "our pointer back");
	cr_assert_str_eq(rr[0].rr_ifname, "lo0");
	cr_assert_eq(rr[0].rr_dst, htonl(0x7f000000));
	cr_assert_eq(rr[0].rr_mask, htonl(0xff000000));
	cr_assert(rr[0].rr_flags & RUMP_RTF_IFROUTE);
	cr_assert_eq(((uint8_t *)&rr[1])[0], 0xa5, "nothing past the table");
}

Test(tables, short_buffer)
{
	struct rump_nettab nt;
	uint8_t buf[64];
	int s = sock();

	memset(buf, 0xa5, sizeof(buf));
	nt_init(&nt, buf, sizeof(struct rump_rtrec) - 1);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, ENOMEM);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xa5, "byte %zu written", i);
	nt_init(&nt, buf, 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, ENOMEM);
	check_alive();
}

Test(tables, hostile_lengths)
{
	struct rump_nettab nt;
	uint8_t *big;
	int s = sock();

	/* Negative: the server passes it on, the kernel refuses it. */
	big = malloc(RUMP_NETTAB_MAXLEN);
	cr_assert_not_null(big);
	nt_init(&nt, big, -1);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, &nt), -1);
	cr_assert_eq(errno, EINVAL);
	nt_init(&nt, big, INT32_MIN);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARPTABLE, &nt), -1);
	cr_assert_eq(errno, EINVAL);
	check_alive();

	/* Huge: the wire carries at most RUMP_NETTAB_MAXLEN bytes; the
	 * kernel sees that much and the table fits. */
	nt_init(&nt, big, INT32_MAX);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, &nt), 0, "%s",
	    strerror(errno));
	cr_assert_geq(nt.nt_count, 1, "this socket at least");
	cr_assert_eq((size_t)nt.nt_len, nt.nt_count * nt.nt_recsize);

	/* An odd length and an odd address. */
	nt_init(&nt, big + 3, 4096 + 5);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), 0);
	cr_assert_eq(nt.nt_count, 1);

	/* A bad version. */
	nt_init(&nt, big, 4096);
	nt.nt_version = 77;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, EINVAL);
	free(big);
	check_alive();
}

Test(tables, bad_pointers)
{
	struct rump_nettab nt;
	void *bad, *page;
	int s = sock();

	bad = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(bad != MAP_FAILED);
	cr_assert_eq(munmap(bad, 8192), 0);

	nt_init(&nt, bad, 4096);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, EFAULT);
	check_alive();
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, bad), -1);
	cr_assert_eq(errno, EFAULT);
	check_alive();
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, bad), -1);
	cr_assert_eq(errno, EFAULT);
	check_alive();
	/* A length beyond the memory the caller has: one page, then
	 * nothing. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(page != MAP_FAILED);
	cr_assert_eq(munmap((uint8_t *)page + 4096, 4096), 0);
	nt_init(&nt, page, 8192);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGRTABLE, &nt), -1);
	cr_assert_eq(errno, EFAULT);
	check_alive();
	munmap(page, 4096);
}

Test(tables, sockets_of_this_client)
{
	struct rump_sockaddr_in sin;
	struct rump_nettab nt;
	struct rump_sockrec sr[64];
	unsigned i;
	int l, s = sock();
	bool found = false;

	l = rump_sys_socket(RUMP_AF_INET, RUMP_SOCK_STREAM, 0);
	cr_assert(l >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_port = htons(7100);
	cr_assert_eq(rump_sys_bind(l, (const void *)&sin,
	    sizeof(sin)), 0);
	cr_assert_eq(rump_sys_listen(l, 7), 0);
	nt_init(&nt, sr, sizeof(sr));
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGSOCKTABLE, &nt), 0);
	for (i = 0; i < nt.nt_count; i++) {
		if (sr[i].sr_type != RUMP_SOCK_STREAM ||
		    sr[i].sr_lport != htons(7100))
			continue;
		found = true;
		cr_assert_eq(sr[i].sr_state, RUMP_TCP_LISTEN);
		cr_assert_eq(sr[i].sr_sendq, 7);
		cr_assert_eq(sr[i].sr_pid, rump_sys_getpid());
	}
	cr_assert(found, "listener not listed");
}

Test(tables, arp_entries)
{
	struct rump_ifreq ifr;
	struct rump_arpreq req;
	struct rump_sockaddr_in sin;
	struct rump_nettab nt;
	struct rump_arprec ar[4];
	char bus[64];
	int s = sock();

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_ifrn.ifrn_name, RUMP_IFNAMSIZ, "shmif0");
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCIFCREATE, &ifr), 0);
	snprintf(bus, sizeof(bus), "/tmp/t_client_tables.%d.bus", getpid());
	ifr.ifr_ifru.ifru_data = bus;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSLINKSTR, &ifr), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = RUMP_AF_INET;
	sin.sin_addr.s_addr = htonl(0x0a000001);
	memcpy(&ifr.ifr_ifru.ifru_addr, &sin, sizeof(sin));
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSIFADDR, &ifr), 0);
	ifr.ifr_ifru.ifru_flags = RUMP_IFF_UP;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSIFFLAGS, &ifr), 0);

	memset(&req, 0, sizeof(req));
	sin.sin_addr.s_addr = htonl(0x0a000007);
	memcpy(&req.arp_pa, &sin, sizeof(sin));
	req.arp_ha.sa_family = RUMP_ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, "\x02\x01\x02\x03\x04\x05", 6);
	req.arp_flags = RUMP_ATF_PERM;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCSARP, &req), 0, "%s",
	    strerror(errno));
	memset(&req.arp_ha, 0, sizeof(req.arp_ha));
	req.arp_flags = 0;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARP, &req), 0);
	cr_assert_eq(req.arp_flags, RUMP_ATF_COM | RUMP_ATF_PERM);
	cr_assert_eq(memcmp(req.arp_ha.sa_data, "\x02\x01\x02\x03\x04\x05",
	    6), 0);
	cr_assert_str_eq(req.arp_dev, "shmif0");

	nt_init(&nt, ar, sizeof(ar));
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGARPTABLE, &nt), 0);
	cr_assert_eq(nt.nt_count, 1);
	cr_assert_eq(ar[0].ar_addr, htonl(0x0a000007));
	cr_assert_eq(ar[0].ar_expire, -1);

	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCDARP, &req), 0);
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCDARP, &req), -1);
	cr_assert_eq(errno, ENXIO);
	unlink(bus);
}
