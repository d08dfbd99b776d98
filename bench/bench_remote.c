/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_remote.c: remote system calls (librumpclient to rump_allserver)
 * against host socket round trips measured in the same run.
 *
 *	bench_remote PATH_TO_RUMP_ALLSERVER [getpid|small|bulk|clients ...]
 *
 * Starts a server on a unix socket and on a local TCP port, then measures
 * in child processes (each one client):
 *   floor      a 64-byte request / 40-byte reply round trip over a unix
 *              socket pair between two processes: the floor of any
 *              socket-based design; for scale also the same over local
 *              TCP, and both with each side polling first for as long
 *              as librumpclient does (RUMPCLIENT_SPIN_US, default 30);
 *              also polling with the frame sizes of pread and fstat
 *   getpid     rump_sys_getpid() over unix and over TCP, µs per call
 *   pread/fstat  4 KiB rump_sys_pread64(), rump_sys_fstat(), µs per call
 *   64 KiB     rump_sys_write()/rump_sys_read() of 64 KiB, MB/s, beside
 *              64 KiB writes through a unix socket pair to another process
 *   clients    1..64 client processes doing open/write/close, calls/s
 * Each figure is the median of RUNS runs; a figure and its floor are
 * measured in alternating runs.  Naming parts runs only those (the small
 * calls need the floor, so they include getpid).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define RUNS      7
#define NCALLS    20000
#define NBULK     2000            /* 64 KiB transfers per run */
#define BULK      65536

static char unixurl[128], tcpurl[64];
static int floor_spin_us;      /* the client's spin: RUMPCLIENT_SPIN_US */

/* Run fn in a child process that is a client of url; returns its double. */
static double
inchild(const char *url, double (*fn)(void))
{
	int p[2], status;
	double v = -1;
	pid_t pid;

	if (pipe(p) != 0)
		bench_die("pipe");
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		setenv("RUMP_SERVER", url, 1);
		if (rumpclient_init() != 0)
			_exit(1);
		v = fn();
		(void)!write(p[1], &v, sizeof(v));
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &v, sizeof(v)) != sizeof(v))
		v = -1;
	close(p[0]);
	waitpid(pid, &status, 0);
	if (v < 0)
		bench_die("a client measurement failed");
	return v;
}

/*
 * Receive exactly n bytes; with spin_us > 0 first poll with MSG_DONTWAIT
 * for up to that long, as librumpclient and the server wait by default.
 */
static ssize_t
floor_recv(int fd, void *buf, size_t n, int spin_us)
{
	uint64_t t0 = spin_us > 0 ? bench_now_ns() : 0;
	ssize_t r;

	while (spin_us > 0) {
		r = recv(fd, buf, n, MSG_DONTWAIT | MSG_WAITALL);
		if (r >= 0 || errno != EAGAIN)
			return r;
		if (bench_now_ns() - t0 > (uint64_t)spin_us * 1000)
			break;
	}
	return recv(fd, buf, n, MSG_WAITALL);
}

/* A connected pair of sockets: unix stream, or TCP over 127.0.0.1. */
static void
floor_pair(int tcp, int sv[2])
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int ls, one = 1;

	if (!tcp) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			bench_die("socketpair");
		return;
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sin, &len) != 0 ||
	    listen(ls, 1) != 0 ||
	    (sv[0] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(sv[0], (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (sv[1] = accept(ls, NULL, NULL)) < 0)
		bench_die("tcp floor pair");
	close(ls);
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * µs per round trip of qlen bytes out, rlen back (at most FLOOR_MAX)
 * between two processes, over a unix socket pair or local TCP, each side
 * waiting by sleeping in recv or (spin_us) polling first.
 */
#define FLOOR_MAX 8192

static double
floor_rtt_how(int tcp, int spin_us, size_t qlen, size_t rlen)
{
	static char buf[FLOOR_MAX];
	int sv[2], i;
	uint64_t t0, t1;
	pid_t pid;

	floor_pair(tcp, sv);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		while (floor_recv(sv[1], buf, qlen, spin_us) == (ssize_t)qlen)
			if (send(sv[1], buf, rlen, MSG_NOSIGNAL) !=
			    (ssize_t)rlen)
				break;
		_exit(0);
	}
	close(sv[1]);
	memset(buf, 1, sizeof(buf));
	t0 = bench_now_ns();
	for (i = 0; i < NCALLS; i++) {
		if (send(sv[0], buf, qlen, MSG_NOSIGNAL) != (ssize_t)qlen ||
		    floor_recv(sv[0], buf, rlen, spin_us) != (ssize_t)rlen)
			bench_die("floor round trip");
	}
	t1 = bench_now_ns();
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return (double)(t1 - t0) / NCALLS / 1000.0;
}

/* The floor of the issue: unix sockets, both sides sleeping. */
static double
floor_rtt(void)
{
	return floor_rtt_how(0, 0, 64, 40);
}

/*
 * Other references: what the same transport costs waiting as we do, and
 * polling with the frame sizes of our pread of 4 KiB (56 bytes out, 4144
 * back) and fstat (40 out, 192 back).
 */
static double floor_rtt_tcp(void) { return floor_rtt_how(1, 0, 64, 40); }
static double floor_rtt_spin(void)
{
	return floor_rtt_how(0, floor_spin_us, 64, 40);
}
static double floor_rtt_tcp_spin(void)
{
	return floor_rtt_how(1, floor_spin_us, 64, 40);
}
static double floor_pread_spin(void)
{
	return floor_rtt_how(0, floor_spin_us, 56, 4144);
}
static double floor_fstat_spin(void)
{
	return floor_rtt_how(0, floor_spin_us, 40, 192);
}

/* MB/s of 64 KiB writes through a unix socket pair to another process. */
static double
floor_bulk(void)
{
	static char buf[BULK];
	int sv[2], i;
	uint64_t t0, t1;
	ssize_t n, got;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		bench_die("socketpair");
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		for (;;) {
			for (got = 0; got < BULK; got += n)
				if ((n = recv(sv[1], buf, BULK - got, 0)) <= 0)
					_exit(0);
			(void)!send(sv[1], buf, 1, 0);   /* like a reply */
		}
	}
	close(sv[1]);
	t0 = bench_now_ns();
	for (i = 0; i < NBULK; i++) {
		if (send(sv[0], buf, BULK, 0) != BULK ||
		    recv(sv[0], buf, 1, 0) != 1)
			bench_die("floor bulk");
	}
	t1 = bench_now_ns();
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return (double)NBULK * BULK / ((double)(t1 - t0) / 1e9) / 1e6;
}

static double
c_getpid(void)
{
	uint64_t t0, t1;
	int i;

	rump_sys_getpid();
	t0 = bench_now_ns();
	for (i = 0; i < NCALLS; i++)
		if (rump_sys_getpid() <= 0)
			return -1;
	t1 = bench_now_ns();
	return (double)(t1 - t0) / NCALLS / 1000.0;
}

static int
c_file(void)
{
	static char buf[BULK];
	int fd;

	fd = rump_sys_open("/bench", O_RDWR | O_CREAT, 0644);
	if (fd < 0 || rump_sys_pwrite64(fd, buf, BULK, 0) != BULK)
		return -1;
	return fd;
}

static double
c_pread(void)
{
	char buf[4096];
	uint64_t t0, t1;
	int i, fd = c_file();

	t0 = bench_now_ns();
	for (i = 0; i < NCALLS; i++)
		if (rump_sys_pread64(fd, buf, sizeof(buf), 4096) != 4096)
			return -1;
	t1 = bench_now_ns();
	return (double)(t1 - t0) / NCALLS / 1000.0;
}

static double
c_fstat(void)
{
	struct stat sb;
	uint64_t t0, t1;
	int i, fd = c_file();

	t0 = bench_now_ns();
	for (i = 0; i < NCALLS; i++)
		if (rump_sys_fstat(fd, &sb) != 0)
			return -1;
	t1 = bench_now_ns();
	return (double)(t1 - t0) / NCALLS / 1000.0;
}

static double
c_bulk(int write)
{
	static char buf[BULK];
	uint64_t t0, t1;
	int i, fd = c_file();

	t0 = bench_now_ns();
	for (i = 0; i < NBULK; i++) {
		if ((write ? rump_sys_pwrite64(fd, buf, BULK, 0) :
		    rump_sys_pread64(fd, buf, BULK, 0)) != BULK)
			return -1;
	}
	t1 = bench_now_ns();
	return (double)NBULK * BULK / ((double)(t1 - t0) / 1e9) / 1e6;
}

static double c_write64(void) { return c_bulk(1); }
static double c_read64(void) { return c_bulk(0); }

/* open/write/close for 0.5 s; returns calls made. */
static double
c_owc(void)
{
	char path[64];
	uint64_t end = bench_now_ns() + 500000000ULL;
	double calls = 0;
	int fd;

	snprintf(path, sizeof(path), "/owc.%d", getpid());
	while (bench_now_ns() < end) {
		fd = rump_sys_open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 || rump_sys_write(fd, "x", 1) != 1 ||
		    rump_sys_close(fd) != 0)
			return -1;
		calls += 3;
	}
	rump_sys_unlink(path);
	return calls;
}

static double
clients(int k)
{
	int p[2], i;
	double v, sum = 0;

	if (pipe(p) != 0)
		bench_die("pipe");
	for (i = 0; i < k; i++) {
		if (fork() == 0) {
			close(p[0]);
			setenv("RUMP_SERVER", unixurl, 1);
			if (rumpclient_init() != 0)
				_exit(1);
			v = c_owc();
			(void)!write(p[1], &v, sizeof(v));
			_exit(0);
		}
	}
	close(p[1]);
	for (i = 0; i < k; i++) {
		if (read(p[0], &v, sizeof(v)) != sizeof(v) || v < 0)
			bench_die("client %d failed", i);
		sum += v;
	}
	close(p[0]);
	while (wait(NULL) > 0)
		;
	return sum / 0.5;
}

/*
 * Median of RUNS runs of fn (in a client of url, or here if url is NULL)
 * and, if ref is given, of ref run here: the two alternate, so that a
 * noisy machine disturbs both alike.
 */
static void
median_pair(double (*fn)(void), const char *url, double (*ref)(void),
    double *fnp, double *refp)
{
	double v[RUNS], r[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		if (ref != NULL)
			r[i] = ref();
		v[i] = url != NULL ? inchild(url, fn) : fn();
	}
	fprintf(stderr, ".");
	*fnp = bench_median(v, RUNS);
	if (ref != NULL)
		*refp = bench_median(r, RUNS);
}

/* The median of RUNS runs of fn here. */
static double
median_of(double (*fn)(void))
{
	double v[RUNS];
	int i;

	for (i = 0; i < RUNS; i++)
		v[i] = fn();
	return bench_median(v, RUNS);
}

static void
halt(const char *url)
{
	pid_t pid = fork();

	if (pid == 0) {
		setenv("RUMP_SERVER", url, 1);
		if (rumpclient_init() == 0)
			rump_sys_rump_halt(0);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* Is part (getpid, small, bulk, clients) among the arguments (or none)? */
static int
want(int argc, char *argv[], const char *part)
{
	int i;

	if (argc <= 2)
		return 1;
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], part) == 0)
			return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	double fl = 0, fl2 = 0, gu = 0, gt = 0, pr = 0, fs = 0, fb = 0,
	    fb2 = 0, w64 = 0, r64 = 0, c1 = 0, c = 0, ft, fs1, fs2;
	const char *e;
	int port, k, status;
	pid_t pid;

	if (argc < 2)
		bench_die("usage: bench_remote PATH_TO_RUMP_ALLSERVER "
		    "[getpid|small|bulk|clients ...]");
	signal(SIGPIPE, SIG_IGN);
	e = getenv("RUMPCLIENT_SPIN_US");
	floor_spin_us = e != NULL ? atoi(e) : 30;
	snprintf(unixurl, sizeof(unixurl), "unix:///tmp/bench_remote.%d",
	    getpid());
	port = 30000 + getpid() % 20000;
	snprintf(tcpurl, sizeof(tcpurl), "tcp://127.0.0.1:%d/", port);
	for (k = 0; k < 2; k++) {
		pid = fork();
		if (pid == 0) {
			execl(argv[1], "rump_allserver", "-c", "2",
			    k == 0 ? unixurl : tcpurl, (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bench_die("cannot start %s", argv[1]);
	}

	if (want(argc, argv, "getpid") || want(argc, argv, "small")) {
		median_pair(c_getpid, unixurl, floor_rtt, &gu, &fl);
		median_pair(c_getpid, tcpurl, floor_rtt, &gt, &fl2);
		fl = (fl + fl2) / 2;
		printf("  host unix socket pair round trip   %8.2f us\n", fl);
		printf("  remote getpid, unix                %8.2f us  (%.2fx)\n",
		    gu, gu / fl);
		printf("  remote getpid, tcp                 %8.2f us  (%.2fx)\n",
		    gt, gt / fl);
		/*
		 * The same transports waiting the way our client and server
		 * do, for scale: a sleeping floor cannot show what a polling
		 * client saves, nor a unix one what TCP costs.
		 */
		ft = median_of(floor_rtt_tcp);
		printf("  host TCP loopback round trip       %8.2f us  "
		    "(getpid tcp %.2fx of it)\n", ft, gt / ft);
		if (floor_spin_us > 0) {
			fs1 = median_of(floor_rtt_spin);
			fs2 = median_of(floor_rtt_tcp_spin);
			printf("  the same, polling %d us first: unix %.2f us "
			    "(getpid unix %.2fx of it), tcp %.2f us (getpid "
			    "tcp %.2fx)\n", floor_spin_us, fs1, gu / fs1, fs2,
			    gt / fs2);
		}
	}
	if (want(argc, argv, "small")) {
		median_pair(c_pread, unixurl, NULL, &pr, NULL);
		median_pair(c_fstat, unixurl, NULL, &fs, NULL);
		printf("  remote pread 4 KiB, unix           %8.2f us  (%.2fx)\n",
		    pr, pr / fl);
		printf("  remote fstat, unix                 %8.2f us  (%.2fx)\n",
		    fs, fs / fl);
		if (floor_spin_us > 0) {
			fs1 = median_of(floor_pread_spin);
			fs2 = median_of(floor_fstat_spin);
			printf("  the same sizes, polling %d us first: pread "
			    "%.2f us (%.2fx of it), fstat %.2f us (%.2fx)\n",
			    floor_spin_us, fs1, pr / fs1, fs2, fs / fs2);
		}
	}
	if (want(argc, argv, "bulk")) {
		median_pair(c_write64, unixurl, floor_bulk, &w64, &fb);
		median_pair(c_read64, unixurl, floor_bulk, &r64, &fb2);
		fb = (fb + fb2) / 2;
		printf("  host unix socket 64 KiB copy       %8.1f MB/s\n", fb);
		printf("  remote write 64 KiB                %8.1f MB/s (%.2fx)\n",
		    w64, w64 / fb);
		printf("  remote read 64 KiB                 %8.1f MB/s (%.2fx)\n",
		    r64, r64 / fb);
	}
	for (k = 1; k <= 64 && want(argc, argv, "clients"); k *= 2) {
		double v[3];
		int i;

		for (i = 0; i < 3; i++)
			v[i] = clients(k);
		c = bench_median(v, 3);
		if (k == 1)
			c1 = c;
		printf("  %2d clients open/write/close       %10.0f calls/s "
		    "(%.2fx one client)\n", k, c, c / c1);
	}
	halt(unixurl);
	halt(tcpurl);

	if (gu > 0) {
		bench_result("remote getpid unix", gu, fl, "us", "<= 1.2x",
		    "host sockpair");
		bench_result("remote getpid tcp", gt, fl, "us", "<= 1.2x",
		    "host sockpair");
	}
	if (pr > 0) {
		bench_result("remote pread 4K", pr, fl, "us", "<= 1.3x",
		    "host sockpair");
		bench_result("remote fstat", fs, fl, "us", "<= 1.3x",
		    "host sockpair");
	}
	if (w64 > 0) {
		bench_result("remote write 64K", w64, fb, "MB/s", ">= 0.8x",
		    "host sockpair");
		bench_result("remote read 64K", r64, fb, "MB/s", ">= 0.8x",
		    "host sockpair");
	}
	if (c1 > 0)
		bench_result("remote 64 clients", c, c1, "calls/s", ">= 1x",
		    "1 client");
	return 0;
}
