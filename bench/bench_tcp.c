/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_tcp.c: TCP inside one rump kernel over lo0 beside Linux TCP over
 * the host's loopback, measured in the same run: one connection's
 * throughput (256 MiB, MiB/s), 1-byte ping-pong (us per round trip) and
 * connection setup (connect + accept + close per second).
 *
 * Then the same throughput and ping-pong between two rump kernels, each
 * in its own process, on a shmif bus (MTU 1500 and 9000), beside the
 * Linux loopback figures above.  The processes are forked from this one
 * before it boots a kernel; results come back on a pipe.  Then one
 * connection's throughput over shmif (MTU 1500, 64 MiB) with 1 % of the
 * frames lost each way (RUMP_SHMIF_IMPAIR=10,0,0,0 in both kernels,
 * seeded), beside the lossless shmif figure of the same run.
 *
 *	bench_tcp                 everything
 *	bench_tcp shmif [MTU [noref]]
 *	                          the shmif figures only (default: both
 *	                          MTUs and the loss figure); noref: without
 *	                          the Linux runs (to profile or count the
 *	                          shmif runs alone)
 *	bench_tcp shmif loss      the loss figure only
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/netconfig.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

#include "bench.h"

struct ops {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*close)(int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
};

static const struct ops rumpops = {
	rump_sys_socket, (void *)rump_sys_bind, rump_sys_listen,
	(void *)rump_sys_accept, (void *)rump_sys_connect, rump_sys_read,
	rump_sys_write, rump_sys_close, (void *)rump_sys_setsockopt,
	(void *)rump_sys_getsockname,
};
static const struct ops hostops = {
	socket, bind, listen, accept, connect, read, write, close, setsockopt,
	getsockname,
};

#define BULK (256UL << 20)
static char buf[1 << 20];

struct job {
	const struct ops *o;
	int fd;
	int mode;                          /* 0 sink, 1 echo */
};

static void *
server(void *arg)
{
	struct job *j = arg;
	int s = j->o->accept(j->fd, NULL, NULL), one = 1;
	ssize_t r;

	j->o->setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while ((r = j->o->read(s, buf, j->mode ? 1 : sizeof(buf))) > 0)
		if (j->mode)
			j->o->write(s, buf, (size_t)r);
	if (r < 0)
		fprintf(stderr, "bench_tcp: server read: %s\n", strerror(errno));
	/* The FIN must reach the client before a shmif server's kernel
	 * goes away with its process: close waits until it is acked. */
	j->o->setsockopt(s, SOL_SOCKET, SO_LINGER,
	    &(struct linger){ .l_onoff = 1, .l_linger = 5 },
	    sizeof(struct linger));
	j->o->close(s);
	return NULL;
}

static int
listener(const struct ops *o, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int l = o->socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	o->bind(l, (struct sockaddr *)sin, sizeof(*sin));
	o->listen(l, 128);
	o->getsockname(l, (struct sockaddr *)sin, &len);
	return l;
}

/* mode 0: MiB/s of a bulk write; 1: us per 1-byte round trip. */
static double
run(const struct ops *o, int mode)
{
	static char wbuf[1 << 20];
	struct sockaddr_in sin;
	struct job j = { o, listener(o, &sin), mode };
	pthread_t th;
	int c, one = 1, n = 20000;
	uint64_t t0, t;
	char b = 'x';

	pthread_create(&th, NULL, server, &j);
	c = o->socket(AF_INET, SOCK_STREAM, 0);
	o->connect(c, (struct sockaddr *)&sin, sizeof(sin));
	o->setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t0 = bench_now_ns();
	if (mode == 0) {
		for (unsigned long done = 0; done < BULK; ) {
			ssize_t w = o->write(c, wbuf, sizeof(wbuf));
			if (w <= 0)
				break;
			done += (unsigned long)w;
		}
	} else {
		for (int i = 0; i < n; i++) {
			o->write(c, &b, 1);
			o->read(c, &b, 1);
		}
	}
	t = bench_now_ns() - t0;
	o->close(c);
	pthread_join(th, NULL);
	o->close(j.fd);
	if (mode == 0)
		return BULK / 1048576.0 / (t / 1e9);
	return t / 1e3 / n;
}

static double
setup_rate(const struct ops *o)
{
	struct sockaddr_in sin;
	int l = listener(o, &sin), n = 2000;
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < n; i++) {
		int c = o->socket(AF_INET, SOCK_STREAM, 0);
		o->connect(c, (struct sockaddr *)&sin, sizeof(sin));
		int a = o->accept(l, NULL, NULL);
		o->close(c);
		o->close(a);
	}
	double r = n / ((bench_now_ns() - t0) / 1e9);
	o->close(l);
	return r;
}

/*
 * shmif: one kernel per process.  shmif_kernel boots a kernel with a
 * shmif on bus at addr (and MTU mtu if not 0) in the calling (forked)
 * process; with shmif_impair set, that kernel's shmif impairs what it
 * receives (seeded by seed).
 */
static const char *shmif_impair;        /* RUMP_SHMIF_IMPAIR, or NULL */
static unsigned long shmif_bulk = BULK; /* bytes per throughput run */

static void
shmif_kernel(const char *bus, const char *addr, int mtu, const char *seed)
{
	char name[32];
	int unit;

	if (shmif_impair != NULL &&
	    (setenv("RUMP_SHMIF_IMPAIR", shmif_impair, 1) != 0 ||
	    setenv("RUMP_SHMIF_IMPAIR_SEED", seed, 1) != 0))
		bench_die("setenv");
	if (rump_init() != 0)
		bench_die("rump_init");
	if ((errno = rump_pub_shmif_create(bus, &unit)) != 0)
		bench_die("shmif_create");
	snprintf(name, sizeof(name), "shmif%d", unit);
	if ((errno = rump_pub_netconfig_ipv4_ifaddr_cidr(name, addr, 24)) != 0)
		bench_die("ifaddr");
	if (mtu != 0 && (errno = rump_pub_netconfig_ifmtu(name, mtu)) != 0)
		bench_die("mtu");
}

/* The server process: sink (mode 0) or echo (mode 1) one connection;
 * writes a byte on readyfd once it listens. */
static void __attribute__((noreturn))
shmif_server(const char *bus, int mtu, int mode, int readyfd)
{
	struct sockaddr_in sin;
	struct job j = { &rumpops, -1, mode };

	shmif_kernel(bus, "10.0.0.1", mtu, "1");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5001);
	j.fd = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	if (j.fd < 0 || rump_sys_bind(j.fd, (struct sockaddr *)&sin,
	    sizeof(sin)) != 0 || rump_sys_listen(j.fd, 16) != 0)
		bench_die("server socket");
	if (write(readyfd, "r", 1) != 1)
		_exit(1);
	server(&j);
	_exit(0);
}

/* The client process: MiB/s (mode 0) or us per round trip (mode 1),
 * written as a double on resfd. */
static void __attribute__((noreturn))
shmif_client(const char *bus, int mtu, int mode, int resfd)
{
	static char wbuf[1 << 20];
	struct sockaddr_in sin;
	int c, one = 1, n = 20000;
	uint64_t t0;
	double r;
	char b = 'x';

	shmif_kernel(bus, "10.0.0.2", mtu, "2");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5001);
	sin.sin_addr.s_addr = htonl(0x0a000001);
	c = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || rump_sys_connect(c, (struct sockaddr *)&sin,
	    sizeof(sin)) != 0)
		bench_die("connect");
	rump_sys_setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (mode == 1) {
		for (int i = 0; i < 200; i++) {     /* warm up */
			rump_sys_write(c, &b, 1);
			rump_sys_read(c, &b, 1);
		}
	}
	t0 = bench_now_ns();
	if (mode == 0) {
		for (unsigned long done = 0; done < shmif_bulk; ) {
			ssize_t w = rump_sys_write(c, wbuf, sizeof(wbuf));
			if (w <= 0)
				bench_die("write");
			done += (unsigned long)w;
		}
		/* Count until the sink has it all: it closes on EOF. */
		rump_sys_shutdown(c, SHUT_WR);
		while (rump_sys_read(c, wbuf, sizeof(wbuf)) > 0)
			continue;
		r = shmif_bulk / 1048576.0 / ((bench_now_ns() - t0) / 1e9);
	} else {
		for (int i = 0; i < n; i++) {
			if (rump_sys_write(c, &b, 1) != 1 ||
			    rump_sys_read(c, &b, 1) != 1)
				bench_die("ping");
		}
		r = (bench_now_ns() - t0) / 1e3 / n;
	}
	rump_sys_close(c);
	if (write(resfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

/* One measurement between two fresh kernels on a fresh bus. */
static double
shmif_run(int mtu, int mode)
{
	char dir[] = "/tmp/bench_tcp.XXXXXX", bus[64], ch;
	int rp[2], sp[2];
	pid_t srv, cli;
	double r = 0;

	if (mkdtemp(dir) == NULL || pipe(rp) != 0 || pipe(sp) != 0)
		bench_die("setup");
	snprintf(bus, sizeof(bus), "%s/bus", dir);
	fflush(stdout);
	if ((srv = fork()) == 0)
		shmif_server(bus, mtu, mode, sp[1]);
	if (read(sp[0], &ch, 1) != 1)
		bench_die("server start");
	if ((cli = fork()) == 0)
		shmif_client(bus, mtu, mode, rp[1]);
	close(rp[1]);
	if (read(rp[0], &r, sizeof(r)) != sizeof(r))
		r = 0;
	waitpid(cli, NULL, 0);
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	close(rp[0]);
	close(sp[0]);
	close(sp[1]);
	unlink(bus);
	rmdir(dir);
	return r;
}

/* Runs between fork()s only: no kernel in this process. */
static bool shmif_noref;

static void
shmif_bench(int mtu)
{
	double v[5], ref[5];
	int runs = 5;
	char name[64];

	for (int i = 0; i < runs; i++) {
		v[i] = shmif_run(mtu, 0);
		ref[i] = shmif_noref ? 0 : run(&hostops, 0);
	}
	snprintf(name, sizeof(name), "tcp shmif%d Gbit/s", mtu);
	printf("tcp over shmif, MTU %d: %.1f MiB/s (%.2f Gbit/s), median of %d\n",
	    mtu, bench_median(v, runs), bench_median(v, runs) * 8388608 / 1e9,
	    runs);
	bench_result(name, bench_median(v, runs) * 8388608 / 1e9,
	    bench_median(ref, runs) * 8388608 / 1e9, "Gbit/s", ">= 10",
	    "Linux loopback");
	for (int i = 0; i < runs; i++) {
		v[i] = shmif_run(mtu, 1);
		ref[i] = shmif_noref ? 0 : run(&hostops, 1);
	}
	snprintf(name, sizeof(name), "tcp shmif%d 1-byte rtt", mtu);
	bench_result(name, bench_median(v, runs), bench_median(ref, runs),
	    "us", "<= 30", "Linux loopback");
}

/*
 * 1 % loss each way at MTU 1500, 64 MiB a run, beside the same transfer
 * without loss, alternating.  (bench_tap.sh measures Linux at the same
 * loss over a veth pair.)
 */
static void
shmif_lossbench(void)
{
	double v[5], ref[5];
	int runs = 5;

	shmif_bulk = 64UL << 20;
	for (int i = 0; i < runs; i++) {
		shmif_impair = "10,0,0,0";
		v[i] = shmif_run(1500, 0);
		shmif_impair = NULL;
		ref[i] = shmif_run(1500, 0);
		printf("  shmif 1 %% loss run %d: %.1f MiB/s, lossless %.1f "
		    "MiB/s\n", i + 1, v[i], ref[i]);
	}
	shmif_bulk = BULK;
	printf("tcp over shmif, MTU 1500, 1 %% loss each way: %.1f MiB/s, "
	    "lossless %.1f MiB/s, median of %d\n", bench_median(v, runs),
	    bench_median(ref, runs), runs);
	bench_result("tcp shmif1500 1% loss", bench_median(v, runs),
	    bench_median(ref, runs), "MiB/s", "", "shmif lossless");
}

int
main(int argc, char **argv)
{
	double v[5], ref[5];
	int runs = 5;

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "shmif") == 0) {
		shmif_noref = argc > 3 && strcmp(argv[3], "noref") == 0;
		if (argc > 2 && strcmp(argv[2], "loss") == 0) {
			shmif_lossbench();
		} else if (argc > 2) {
			shmif_bench(atoi(argv[2]));
		} else {
			shmif_bench(1500);
			shmif_bench(9000);
			shmif_lossbench();
		}
		return 0;
	}
	shmif_bench(1500);
	shmif_bench(9000);
	shmif_lossbench();
	if (rump_init() != 0)
		return 1;
	for (int i = 0; i < runs; i++) {
		v[i] = run(&rumpops, 0);
		ref[i] = run(&hostops, 0);
	}
	printf("RESULT|tcp lo0 throughput|%.1f|%.1f|MiB/s|>= 0.5x|Linux loopback\n",
	    bench_median(v, runs), bench_median(ref, runs));
	for (int i = 0; i < runs; i++) {
		v[i] = run(&rumpops, 1);
		ref[i] = run(&hostops, 1);
	}
	printf("RESULT|tcp lo0 1-byte round trip|%.1f|%.1f|us|<= 30|Linux loopback\n",
	    bench_median(v, runs), bench_median(ref, runs));
	for (int i = 0; i < 3; i++) {
		v[i] = setup_rate(&rumpops);
		ref[i] = setup_rate(&hostops);
	}
	printf("RESULT|tcp lo0 connect+accept+close|%.0f|%.0f|1/s|>= 0.5x|Linux loopback\n",
	    bench_median(v, 3), bench_median(ref, 3));
	return 0;
}
