/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_tcp.c: TCP inside one rump kernel over lo0 beside Linux TCP over
 * the host's loopback, measured in the same run: one connection's
 * throughput (256 MiB, MiB/s), 1-byte ping-pong (us per round trip) and
 * connection setup (connect + accept + close per second).  The shmif
 * figures (two kernels, two processes) come from tests/tcp/h_tcp
 * (source/sink, ping/echo), see docs/tcp.md.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

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

int
main(void)
{
	double v[5], ref[5];
	int runs = 5;

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
