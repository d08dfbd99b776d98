/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench.h: helpers shared by the benchmark programs in bench/.
 *
 * Host-side code only: a monotonic clock, the median of a set of runs, and
 * the one-line result record that bench/run.sh collects into its summary:
 *
 *	RESULT|name|ours|reference|unit|target|reference label
 *
 * "ours" and "reference" are numbers in "unit"; run.sh prints their ratio
 * (ours / reference) and whether the target ("<= 15", ">= 1.8x", ...) is
 * met.  Everything here is static inline: each program includes it once.
 */
#ifndef _BENCH_BENCH_H_
#define _BENCH_BENCH_H_

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAXRUNS 32

/* Nanoseconds of the host's monotonic clock. */
static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of n values (the array is sorted in place). */
static inline double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp_double);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Print the failing call with errno's reason and exit with status 1. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
bench_die(const char *fmt, ...)
{
	int error = errno;
	va_list ap;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(error));
	exit(1);
}

/* The record run.sh collects; see the top of this file. */
static inline void
bench_result(const char *name, double ours, double ref, const char *unit,
    const char *target, const char *reflabel)
{
	printf("RESULT|%s|%.3f|%.3f|%s|%s|%s\n", name, ours, ref, unit,
	    target, reflabel);
	fflush(stdout);
}

#endif /* _BENCH_BENCH_H_ */
