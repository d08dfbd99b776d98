/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_shmif_impair.c: shmif's test impairment of received frames
 * (RUMP_SHMIF_IMPAIR, sys/net/if_impair.c) on a fixed sequence of
 * frames, in one kernel with several interfaces on one bus: a sender
 * (unimpaired, made first so that nothing else it sends reaches the
 * others) broadcasts N UDP datagrams, which every other interface
 * receives.  Two receivers with the same seed must drop the same
 * number, near the rate; frames held by a delay when the interface is
 * destroyed must be freed (kmem back where it was).  t_tcp.sh runs TCP
 * transfers through it.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>

#include "../netinet/h_inet.h"

#define NFRAMES 1000

static char busdir[] = "/tmp/t_shmif_impair.XXXXXX";
static char buspath[128];

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_not_null(mkdtemp(busdir));
	snprintf(buspath, sizeof(buspath), "%s/bus", busdir);
}

static void
fini(void)
{
	unlink(buspath);
	rmdir(busdir);
}

TestSuite(shmif_impair, .init = boot, .fini = fini);

static void
ifstats(const char *name, struct rump_ifstats *st)
{
	struct rump_ifreq ifr;
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(s, 0);
	memset(&ifr, 0, sizeof(ifr));
	memset(st, 0, sizeof(*st));
	snprintf(ifr.rump_ifr_name, sizeof(ifr.rump_ifr_name), "%s", name);
	ifr.ifr_ifru.ifru_data = st;
	cr_assert_eq(rump_sys_ioctl(s, RUMP_SIOCGIFSTATS, &ifr), 0);
	rump_sys_close(s);
}

/* The sender, shmif0 at 10.8.0.3/24, before any impaired interface. */
static void
mksender(void)
{
	int unit;

	cr_assert_eq(unsetenv("RUMP_SHMIF_IMPAIR"), 0);
	cr_assert_eq(rump_pub_shmif_create(buspath, &unit), 0);
	cr_assert_eq(unit, 0);
	cr_assert_eq(rump_pub_netconfig_ipv4_ifaddr_cidr("shmif0", "10.8.0.3",
	    24), 0);
}

/* An impaired receiver, up without an address (so it sends nothing). */
static void
mkreceiver(const char *spec, const char *seed, int want)
{
	char name[16];
	int unit;

	cr_assert_eq(setenv("RUMP_SHMIF_IMPAIR", spec, 1), 0);
	cr_assert_eq(setenv("RUMP_SHMIF_IMPAIR_SEED", seed, 1), 0);
	cr_assert_eq(rump_pub_shmif_create(buspath, &unit), 0);
	cr_assert_eq(unit, want);
	snprintf(name, sizeof(name), "shmif%d", unit);
	cr_assert_eq(rump_pub_netconfig_ifup(name), 0);
	cr_assert_eq(unsetenv("RUMP_SHMIF_IMPAIR"), 0);
}

/* n UDP broadcasts out of the sender. */
static void
blast(int n)
{
	struct sockaddr_in sin;
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	cr_assert_geq(s, 0);
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one,
	    sizeof(one)), 0);
	h_sin(&sin, "10.8.0.255", 9);
	for (int i = 0; i < n; i++)
		cr_assert_eq(rump_sys_sendto(s, &i, sizeof(i), 0,
		    (struct sockaddr *)&sin, sizeof(sin)), (ssize_t)sizeof(i));
	rump_sys_close(s);
}

/* Wait until name has taken n frames (gone up or dropped). */
static void
waitframes(const char *name, uint64_t n, struct rump_ifstats *st)
{
	for (int i = 0; i < 500; i++) {
		ifstats(name, st);
		if (st->ifs_ipackets + st->ifs_impdrops >= n)
			return;
		usleep(10000);
	}
	cr_assert_fail("%s: %llu up, %llu dropped of %llu", name,
	    (unsigned long long)st->ifs_ipackets,
	    (unsigned long long)st->ifs_impdrops, (unsigned long long)n);
}

Test(shmif_impair, same_seed_same_drops)
{
	struct rump_ifstats a, b, c;

	mksender();
	mkreceiver("300,0,0,0", "42", 1);
	mkreceiver("300,0,0,0", "42", 2);
	mkreceiver("0,0,0,0", "42", 3);          /* all 0: off */
	blast(NFRAMES);
	waitframes("shmif1", NFRAMES, &a);
	waitframes("shmif2", NFRAMES, &b);
	waitframes("shmif3", NFRAMES, &c);
	cr_assert_eq(a.ifs_ipackets + a.ifs_impdrops, NFRAMES);
	cr_assert_eq(a.ifs_impdrops, b.ifs_impdrops,
	    "same seed, %llu and %llu dropped",
	    (unsigned long long)a.ifs_impdrops,
	    (unsigned long long)b.ifs_impdrops);
	/* 30 %: 300 expected, sd 14.5 */
	cr_assert(a.ifs_impdrops > 200 && a.ifs_impdrops < 400,
	    "%llu dropped of %d", (unsigned long long)a.ifs_impdrops, NFRAMES);
	cr_assert_eq(c.ifs_ipackets, NFRAMES);
	cr_assert_eq(c.ifs_impdrops + c.ifs_impdups + c.ifs_impreorders +
	    c.ifs_impdelays, 0);
}

Test(shmif_impair, dup_reorder_counted)
{
	struct rump_ifstats a;

	mksender();
	mkreceiver("0,100,100,0", "5", 1);
	blast(NFRAMES);
	/* Every frame goes up, the duplicates too (a held frame goes
	 * after the next or alone within 5 ms). */
	for (int i = 0; i < 500; i++) {
		ifstats("shmif1", &a);
		if (a.ifs_impdups > 0 &&
		    a.ifs_ipackets == NFRAMES + a.ifs_impdups)
			break;
		usleep(10000);
	}
	cr_assert_eq(a.ifs_ipackets, NFRAMES + a.ifs_impdups,
	    "%llu up, %llu duplicated", (unsigned long long)a.ifs_ipackets,
	    (unsigned long long)a.ifs_impdups);
	cr_assert(a.ifs_impdups > 50 && a.ifs_impdups < 150);
	cr_assert(a.ifs_impreorders > 50 && a.ifs_impreorders < 150);
	cr_assert_eq(a.ifs_impdrops + a.ifs_impdelays, 0);
}

Test(shmif_impair, delay_holds_then_delivers)
{
	struct rump_ifstats a;
	uint64_t t0;

	mksender();
	mkreceiver("0,0,0,200000", "1", 1);      /* 200 ms */
	t0 = h_now_ms();
	blast(10);
	usleep(50000);
	ifstats("shmif1", &a);
	if (h_now_ms() - t0 < 150)
		cr_assert_eq(a.ifs_ipackets, 0, "went up before the delay");
	waitframes("shmif1", 10, &a);
	cr_assert_geq(h_now_ms() - t0, 200);
	cr_assert_eq(a.ifs_impdelays, 10);
}

Test(shmif_impair, destroy_frees_held_frames)
{
	uint64_t start, now;
	struct rump_ifstats a;
	int i;

	mksender();
	/* Warm up once: pools and the ARP timer allocate on first use. */
	mkreceiver("0,0,1000,1000000", "1", 1);
	blast(100);
	cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif1"), 0);
	usleep(100000);
	start = rump_kmem_inuse();
	/* Every frame is delayed 10 s or held back; destroy takes them. */
	mkreceiver("0,0,1000,10000000", "1", 1);
	blast(100);
	for (i = 0; i < 500; i++) {
		ifstats("shmif1", &a);
		if (a.ifs_impdelays >= 99)
			break;
		usleep(10000);
	}
	cr_assert_geq(a.ifs_impdelays, 99);
	cr_assert_eq(a.ifs_ipackets, 0);
	cr_assert_eq(rump_pub_netconfig_ifdestroy("shmif1"), 0);
	now = rump_kmem_inuse();
	for (i = 0; i < 100 && now != start; i++) {
		usleep(10000);
		now = rump_kmem_inuse();
	}
	cr_assert_eq(now, start, "kmem in use %llu, at start %llu",
	    (unsigned long long)now, (unsigned long long)start);
}
