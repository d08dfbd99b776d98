/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_syscall.c: the cost of a null system call into the rump kernel.
 *
 * rump_sys_getpid() is timed in three settings and set against the host's
 * own getpid system call (syscall(SYS_getpid), which no libc cache can
 * answer) measured in the same process:
 *   bound     a thread that made its own process with
 *             rump_lwproc_rfork(RUMP_RFCFDG): the scheduling fast path
 *   unbound   a fresh pthread that never called rump_lwproc_*: the kernel
 *             gives it an implicit lwp on every entry
 *   2 threads two bound threads at once with RUMP_NCPU=2: aggregate calls
 *             per second against one bound thread (scaling)
 * Each figure is the median of BENCH_RUNS runs.  A run makes enough calls
 * to last about a quarter of a second, at most 10 million (the count can be
 * fixed with the first argument).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define BENCH_RUNS	5
#define BENCH_MAXITER	10000000UL
#define BENCH_MINITER	100000UL
#define BENCH_RUNNS	250000000.0	/* aim of one run, ns */

enum mode { M_HOST, M_BOUND, M_UNBOUND };

static unsigned long fixed_iters;	/* from argv[1], 0: calibrate */

/* Make n getpid calls of the given kind; returns ns per call. */
static double
loop(enum mode m, unsigned long n)
{
	uint64_t t0, t1;
	unsigned long i;
	pid_t first, last = 0;

	first = m == M_HOST ? (pid_t)syscall(SYS_getpid) : rump_sys_getpid();
	if (first <= 0)
		bench_die("getpid returned %d", (int)first);
	t0 = bench_now_ns();
	if (m == M_HOST) {
		for (i = 0; i < n; i++)
			last = (pid_t)syscall(SYS_getpid);
	} else {
		for (i = 0; i < n; i++)
			last = rump_sys_getpid();
	}
	t1 = bench_now_ns();
	if (last != first)
		bench_die("getpid changed from %d to %d", (int)first,
		    (int)last);
	return (double)(t1 - t0) / (double)n;
}

/* Enough calls for a run of about BENCH_RUNNS. */
static unsigned long
iterations(enum mode m)
{
	double ns;
	unsigned long n;

	if (fixed_iters != 0)
		return fixed_iters;
	ns = loop(m, BENCH_MINITER / 10);
	n = (unsigned long)(BENCH_RUNNS / (ns > 0.1 ? ns : 0.1));
	if (n > BENCH_MAXITER)
		n = BENCH_MAXITER;
	if (n < BENCH_MINITER)
		n = BENCH_MINITER;
	return n;
}

/* Median ns per call of BENCH_RUNS runs, in the calling thread. */
static double
measure(enum mode m)
{
	double v[BENCH_RUNS];
	unsigned long n = iterations(m);
	int r;

	for (r = 0; r < BENCH_RUNS; r++)
		v[r] = loop(m, n);
	return bench_median(v, BENCH_RUNS);
}

static void *
unbound_main(void *arg)
{
	*(double *)arg = measure(M_UNBOUND);
	return NULL;
}

/* The scaling run: each thread binds itself, waits, then loops. */
struct par {
	pthread_barrier_t p_start;
	unsigned long p_iters;
};

static void *
par_main(void *arg)
{
	struct par *p = arg;
	int error;

	if ((error = rump_lwproc_rfork(RUMP_RFCFDG)) != 0) {
		errno = error;
		bench_die("rump_lwproc_rfork");
	}
	pthread_barrier_wait(&p->p_start);
	loop(M_BOUND, p->p_iters);
	rump_lwproc_releaselwp();
	return NULL;
}

/* Calls per second of nthr bound threads together, one run. */
static double
par_run(int nthr, unsigned long iters)
{
	pthread_t t[2];
	struct par p;
	uint64_t t0, t1;
	int i;

	p.p_iters = iters;
	pthread_barrier_init(&p.p_start, NULL, (unsigned)nthr + 1);
	for (i = 0; i < nthr; i++)
		if ((errno = pthread_create(&t[i], NULL, par_main, &p)) != 0)
			bench_die("pthread_create");
	pthread_barrier_wait(&p.p_start);
	t0 = bench_now_ns();
	for (i = 0; i < nthr; i++)
		pthread_join(t[i], NULL);
	t1 = bench_now_ns();
	pthread_barrier_destroy(&p.p_start);
	return (double)nthr * (double)iters * 1e9 / (double)(t1 - t0);
}

/* Median aggregate throughput of one thread and of two threads. */
static void
scaling(unsigned long iters, double *one, double *two)
{
	double v1[BENCH_RUNS], v2[BENCH_RUNS];
	int r;

	for (r = 0; r < BENCH_RUNS; r++) {
		v1[r] = par_run(1, iters);
		v2[r] = par_run(2, iters);
	}
	*one = bench_median(v1, BENCH_RUNS);
	*two = bench_median(v2, BENCH_RUNS);
}

int
main(int argc, char **argv)
{
	double host, bound, unbound, one, two;
	pthread_t t;
	int error;

	if (argc > 1)
		fixed_iters = strtoul(argv[1], NULL, 0);
	setenv("RUMP_NCPU", "2", 1);
	if ((error = rump_init()) != 0) {
		errno = error;
		bench_die("rump_init");
	}

	host = measure(M_HOST);
	if ((errno = pthread_create(&t, NULL, unbound_main, &unbound)) != 0)
		bench_die("pthread_create");
	pthread_join(t, NULL);
	if ((error = rump_lwproc_rfork(RUMP_RFCFDG)) != 0) {
		errno = error;
		bench_die("rump_lwproc_rfork");
	}
	bound = measure(M_BOUND);
	rump_lwproc_releaselwp();
	scaling(iterations(M_BOUND) / 2, &one, &two);

	printf("null system call, median of %d runs (RUMP_NCPU=2)\n",
	    BENCH_RUNS);
	printf("  host syscall(SYS_getpid)     %8.1f ns\n", host);
	printf("  rump_sys_getpid, bound lwp   %8.1f ns  (%.2fx host)\n",
	    bound, bound / host);
	printf("  rump_sys_getpid, unbound     %8.1f ns  (%.2fx host)\n",
	    unbound, unbound / host);
	printf("  1 bound thread               %8.2f Mcalls/s\n", one / 1e6);
	printf("  2 bound threads              %8.2f Mcalls/s  (%.2fx)\n",
	    two / 1e6, two / one);
	bench_result("getpid bound", bound, host, "ns", "<= 15",
	    "host getpid");
	bench_result("getpid unbound", unbound, host, "ns", "<= 50",
	    "host getpid");
	bench_result("getpid 2 threads", two / 1e6, one / 1e6, "Mcalls/s",
	    ">= 1.8x", "1 thread");
	return 0;
}
