/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_hijack_calls.c: per-call cost of single calls, for
 * bench_hijack.sh, which compiles it at run time.
 *
 *	bench_hijack_calls stat PATH N      stat(PATH) N times
 *	bench_hijack_calls read PATH N      read(fd, 1 byte) N times
 *	bench_hijack_calls getpid N         rump_sys_getpid() N times
 *	                                    (built with -DWITH_RUMPCLIENT)
 *
 * Under LD_PRELOAD=librumphijack.so the first two measure the hijack;
 * without it, the host.  Prints "CALL|name|microseconds per call".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef WITH_RUMPCLIENT
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>
#endif

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct stat sb;
	double t0, t1;
	long i, n;
	char c;
	int fd;

	if (argc == 4 && strcmp(argv[1], "stat") == 0) {
		n = atol(argv[3]);
		t0 = now();
		for (i = 0; i < n; i++)
			if (stat(argv[2], &sb) != 0) {
				perror("stat");
				return 1;
			}
		t1 = now();
	} else if (argc == 4 && strcmp(argv[1], "read") == 0) {
		n = atol(argv[3]);
		fd = open(argv[2], O_RDONLY);
		if (fd < 0) {
			perror("open");
			return 1;
		}
		t0 = now();
		for (i = 0; i < n; i++)
			if (read(fd, &c, 1) != 1) {
				perror("read");
				return 1;
			}
		t1 = now();
		close(fd);
#ifdef WITH_RUMPCLIENT
	} else if (argc == 3 && strcmp(argv[1], "getpid") == 0) {
		n = atol(argv[2]);
		if (rumpclient_init() != 0)
			return 1;
		t0 = now();
		for (i = 0; i < n; i++)
			(void)rump_sys_getpid();
		t1 = now();
#endif
	} else {
		fprintf(stderr, "usage: %s stat|read PATH N | getpid N\n",
		    argv[0]);
		return 2;
	}
	printf("CALL|%s|%.3f\n", argv[1], (t1 - t0) * 1e6 / (double)n);
	return 0;
}
