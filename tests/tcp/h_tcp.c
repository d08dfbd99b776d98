/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_tcp.c: one rump kernel on a shmif bus doing one TCP job; t_tcp.sh
 * runs two of these (one kernel per process) against each other, and
 * bench_tcp uses the same jobs.
 *
 *	h_tcp -i BUS,ADDR/LEN [-m MTU] [-R readyfile] COMMAND ARGS
 *
 *	sink PORT COUNT          accept COUNT connections one after the
 *	                         other; read each to EOF, answer with the
 *	                         byte count and FNV-1a hash of what came
 *	source ADDR PORT BYTES   send BYTES of seeded data, half-close,
 *	                         compare the answer; prints MiB/s
 *	echo PORT                echo one connection until EOF
 *	ping ADDR PORT N         N 1-byte round trips; prints us per trip
 *	many PORT N              accept N, then echo one byte on each
 *	manyc ADDR PORT N        N connections at once, one byte each way
 *	hold PORT                accept one connection and wait forever
 *	keepalive ADDR PORT      connect with keepalive 1 s/1 s/3 and
 *	                         expect ETIMEDOUT once the peer is gone
 */
#define _GNU_SOURCE
#include "../netinet/h_inet.h"

#include <sys/time.h>
#include <pthread.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "h_tcp: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
listener(int port)
{
	struct sockaddr_in sin;
	int one = 1, s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		die("socket");
	rump_sys_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	h_sin(&sin, "0.0.0.0", (uint16_t)port);
	if (rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		die("bind");
	if (rump_sys_listen(s, 4096) != 0)
		die("listen");
	return s;
}

static int
connector(const char *addr, int port)
{
	struct sockaddr_in sin;
	int s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		die("socket");
	h_sin(&sin, addr, (uint16_t)port);
	for (int i = 0; ; i++) {
		if (rump_sys_connect(s, (struct sockaddr *)&sin,
		    sizeof(sin)) == 0)
			return s;
		if (errno != ECONNREFUSED || i > 50)
			die("connect");
		/* The server may still be starting. */
		rump_sys_close(s);
		usleep(100000);
		s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	}
}

static void
writeall(int s, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = rump_sys_write(s, p, n);
		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/*
 * Close s and wait (SO_LINGER, up to a minute) until the peer has
 * acknowledged everything: the process exits right after, taking its
 * kernel along, and an answer lost on the wire must still be resent.
 */
static void
lingerclose(int s)
{
	struct rump_linger lg = { .l_onoff = 1, .l_linger = 60 };

	if (rump_sys_setsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_LINGER, &lg,
	    sizeof(lg)) != 0)
		die("setsockopt SO_LINGER");
	rump_sys_close(s);
}

/*
 * RUMP_SHMIF_IMPAIR set: what the link-level impairment did to the
 * frames shmif0 received (t_tcp.sh checks that it did something).
 */
static void
impairstats(void)
{
	struct rump_ifreq ifr;
	struct rump_ifstats st;
	int s;

	if (getenv("RUMP_SHMIF_IMPAIR") == NULL)
		return;
	s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	memset(&st, 0, sizeof(st));
	snprintf(ifr.rump_ifr_name, sizeof(ifr.rump_ifr_name), "shmif0");
	ifr.ifr_ifru.ifru_data = &st;
	if (rump_sys_ioctl(s, RUMP_SIOCGIFSTATS, &ifr) != 0)
		die("SIOCGIFSTATS");
	rump_sys_close(s);
	printf("impair: %llu received, %llu dropped, %llu duplicated, "
	    "%llu reordered, %llu delayed\n",
	    (unsigned long long)st.ifs_ipackets,
	    (unsigned long long)st.ifs_impdrops,
	    (unsigned long long)st.ifs_impdups,
	    (unsigned long long)st.ifs_impreorders,
	    (unsigned long long)st.ifs_impdelays);
	fflush(stdout);
}

static int
sink(int port, int count)
{
	static unsigned char buf[1 << 20];
	int l = listener(port);

	h_ready();
	for (int i = 0; i < count; i++) {
		int s = rump_sys_accept(l, NULL, NULL);
		uint64_t h = 0xcbf29ce484222325ULL, ans[2];
		size_t got = 0;
		ssize_t r;

		if (s < 0)
			die("accept");
		while ((r = rump_sys_read(s, buf, sizeof(buf))) > 0) {
			h = fnv(h, buf, (size_t)r);
			got += (size_t)r;
		}
		if (r < 0)
			die("read");
		ans[0] = got;
		ans[1] = h;
		writeall(s, ans, sizeof(ans));
		lingerclose(s);
		impairstats();
	}
	rump_sys_close(l);
	return 0;
}

/* H_TCP_WATCH set: a thread prints the sender's TCP_INFO every second
 * to stderr (for diagnosing stalls). */
static void *
watch(void *arg)
{
	int s = *(int *)arg;

	for (;;) {
		struct rump_tcp_info ti;
		socklen_t tl = sizeof(ti);

		sleep(1);
		if (rump_sys_getsockopt(s, RUMP_SOL_TCP, RUMP_TCP_INFO, &ti,
		    &tl) != 0)
			continue;
		fprintf(stderr, "watch: state %u ca %u rxt %u rto %u unacked %u "
		    "sacked %u cwnd %u ssthresh %u rtt %u retrans %u "
		    "last_sent %u last_ack %u\n", ti.tcpi_state,
		    ti.tcpi_ca_state, ti.tcpi_retransmits, ti.tcpi_rto,
		    ti.tcpi_unacked, ti.tcpi_sacked, ti.tcpi_snd_cwnd,
		    ti.tcpi_snd_ssthresh, ti.tcpi_rtt, ti.tcpi_total_retrans,
		    ti.tcpi_last_data_sent, ti.tcpi_last_ack_recv);
	}
	return NULL;
}

static int
source(const char *addr, int port, unsigned long long bytes)
{
	static unsigned char buf[1 << 20];
	uint64_t h = 0xcbf29ce484222325ULL, ans[2];
	unsigned long long done = 0;
	uint64_t x = 12345;
	double t0;
	int s = connector(addr, port);
	size_t got = 0;

	for (size_t i = 0; i < sizeof(buf); i += 8) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	if (getenv("H_TCP_WATCH") != NULL) {
		static int ws;
		pthread_t pt;

		ws = s;
		pthread_create(&pt, NULL, watch, &ws);
	}
	t0 = now_s();
	while (done < bytes) {
		size_t n = bytes - done < sizeof(buf) ? bytes - done :
		    sizeof(buf);
		buf[done % 4093] ^= (unsigned char)done;  /* vary the data */
		h = fnv(h, buf, n);
		writeall(s, buf, n);
		done += n;
	}
	rump_sys_shutdown(s, SHUT_WR);
	while (got < sizeof(ans)) {
		ssize_t r = rump_sys_read(s, (char *)ans + got,
		    sizeof(ans) - got);
		if (r <= 0)
			die("read answer");
		got += (size_t)r;
	}
	double dt = now_s() - t0;
	printf("%llu bytes in %.3f s: %.1f MiB/s\n", bytes, dt,
	    bytes / dt / 1048576.0);
	struct rump_tcp_info ti;
	socklen_t tl = sizeof(ti);
	if (rump_sys_getsockopt(s, RUMP_SOL_TCP, RUMP_TCP_INFO, &ti, &tl) == 0)
		printf("mss %u cwnd %u rtt %u us retrans %u\n", ti.tcpi_snd_mss,
		    ti.tcpi_snd_cwnd, ti.tcpi_rtt, ti.tcpi_total_retrans);
	impairstats();
	if (getenv("RUMP_TCP_TSO") != NULL) {
		struct rump_netstats st;

		/* t_tcp.sh: the forced TSO segments were cut (ip_output). */
		h_netstats(&st);
		printf("tso: %llu segments cut in software\n",
		    (unsigned long long)st.ips_tsosegmented);
	}
	rump_sys_close(s);
	if (ans[0] != bytes || ans[1] != h) {
		fprintf(stderr, "h_tcp: mismatch: sent %llu hash %llx, peer got "
		    "%llu hash %llx\n", bytes, (unsigned long long)h,
		    (unsigned long long)ans[0], (unsigned long long)ans[1]);
		return 1;
	}
	return 0;
}

static int
echo(int port)
{
	char buf[65536];
	int l = listener(port), s, one = 1;
	ssize_t r;

	h_ready();
	s = rump_sys_accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_NODELAY, &one,
	    sizeof(one));
	while ((r = rump_sys_read(s, buf, sizeof(buf))) > 0)
		writeall(s, buf, (size_t)r);
	rump_sys_close(s);
	rump_sys_close(l);
	return 0;
}

static int
ping(const char *addr, int port, int n)
{
	int s = connector(addr, port), one = 1;
	char c = 'x';
	double t0;

	rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_NODELAY, &one,
	    sizeof(one));
	for (int i = 0; i < 100; i++) {
		writeall(s, &c, 1);
		if (rump_sys_read(s, &c, 1) != 1)
			die("read");
	}
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		writeall(s, &c, 1);
		if (rump_sys_read(s, &c, 1) != 1)
			die("read");
	}
	printf("%d round trips: %.1f us each\n", n, (now_s() - t0) / n * 1e6);
	rump_sys_close(s);
	return 0;
}

static int
many(int port, int n)
{
	int l = listener(port), *ss = calloc((size_t)n, sizeof(int));

	h_ready();
	for (int i = 0; i < n; i++) {
		ss[i] = rump_sys_accept(l, NULL, NULL);
		if (ss[i] < 0)
			die("accept");
	}
	for (int i = 0; i < n; i++) {
		char c;
		if (rump_sys_read(ss[i], &c, 1) != 1)
			die("read");
		writeall(ss[i], &c, 1);
	}
	for (int i = 0; i < n; i++) {
		char c;
		(void)rump_sys_read(ss[i], &c, 1);
		rump_sys_close(ss[i]);
	}
	return 0;
}

static int
manyc(const char *addr, int port, int n)
{
	int *cs = calloc((size_t)n, sizeof(int));
	double t0 = now_s();

	for (int i = 0; i < n; i++)
		cs[i] = connector(addr, port);
	for (int i = 0; i < n; i++) {
		char c = (char)i, r;
		writeall(cs[i], &c, 1);
		if (rump_sys_read(cs[i], &r, 1) != 1 || r != c) {
			fprintf(stderr, "h_tcp: connection %d: bad echo\n", i);
			return 1;
		}
	}
	printf("%d connections open at once, %.2f s\n", n, now_s() - t0);
	for (int i = 0; i < n; i++)
		rump_sys_close(cs[i]);
	return 0;
}

static int
hold(int port)
{
	int l = listener(port);

	h_ready();
	if (rump_sys_accept(l, NULL, NULL) < 0)
		die("accept");
	for (;;)
		pause();
	return 0;
}

static int
keepalive(const char *addr, int port)
{
	int s = connector(addr, port), v;
	char c;
	double t0 = now_s();

	v = 1;
	rump_sys_setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
	rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_KEEPINTVL, &v, sizeof(v));
	v = 3;
	rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_KEEPCNT, &v, sizeof(v));
	v = 1;
	rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_KEEPIDLE, &v, sizeof(v));
	printf("connected\n");
	fflush(stdout);
	h_ready();
	errno = 0;
	if (rump_sys_read(s, &c, 1) != -1 || errno != ETIMEDOUT) {
		fprintf(stderr, "h_tcp: expected ETIMEDOUT, got %s\n",
		    strerror(errno));
		return 1;
	}
	printf("ETIMEDOUT after %.1f s\n", now_s() - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *ifs[4];
	int nif = 0, mtu = 0, ch;

	while ((ch = getopt(argc, argv, "i:m:R:")) != -1) {
		switch (ch) {
		case 'i':
			if (nif < 4)
				ifs[nif++] = optarg;
			break;
		case 'm':
			mtu = atoi(optarg);
			break;
		case 'R':
			h_readyfile = optarg;
			break;
		default:
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return 2;
	if (rump_init() != 0)
		die("rump_init");
	for (int i = 0; i < nif; i++) {
		int error = h_ifspec(ifs[i]);
		if (error != 0) {
			errno = error;
			die(ifs[i]);
		}
		if (mtu != 0) {
			char name[32];
			snprintf(name, sizeof(name), "shmif%d", i);
			error = rump_pub_netconfig_ifmtu(name, mtu);
			if (error != 0) {
				errno = error;
				die("mtu");
			}
		}
	}
	if (strcmp(argv[0], "sink") == 0 && argc == 3)
		return sink(atoi(argv[1]), atoi(argv[2]));
	if (strcmp(argv[0], "source") == 0 && argc == 4)
		return source(argv[1], atoi(argv[2]), strtoull(argv[3], NULL, 0));
	if (strcmp(argv[0], "echo") == 0 && argc == 2)
		return echo(atoi(argv[1]));
	if (strcmp(argv[0], "ping") == 0 && argc == 4)
		return ping(argv[1], atoi(argv[2]), atoi(argv[3]));
	if (strcmp(argv[0], "many") == 0 && argc == 3)
		return many(atoi(argv[1]), atoi(argv[2]));
	if (strcmp(argv[0], "manyc") == 0 && argc == 4)
		return manyc(argv[1], atoi(argv[2]), atoi(argv[3]));
	if (strcmp(argv[0], "hold") == 0 && argc == 2)
		return hold(atoi(argv[1]));
	if (strcmp(argv[0], "keepalive") == 0 && argc == 3)
		return keepalive(argv[1], atoi(argv[2]));
	return 2;
}
