/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_boot.c: how long rump_init() takes and how much resident memory
 * booting adds to the process.
 *
 * One boot per process: bench/run.sh starts the program N times and takes
 * the medians.  bench/meson.build builds this file twice, as
 * bench_boot_core (linked with the kernel core only) and bench_boot_vfs
 * (core, VFS and tmpfs, with the root file system mounted at boot);
 * BENCH_BOOT_VARIANT names which one this is.
 *
 * The resident set comes from /proc/self/statm, read just before and just
 * after rump_init() in the same process.  The wall time is measured around
 * the call here and also reported by the kernel itself (rump_boot_nsec()).
 *
 * Output, one line: BOOT|variant|wall ns|kernel ns|RSS bytes added|kmem
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <rump/rump.h>

#include "bench.h"

#ifndef BENCH_BOOT_VARIANT
#define BENCH_BOOT_VARIANT "core"
#endif

/* Resident pages of this process, in bytes. */
static uint64_t
rss_bytes(void)
{
	unsigned long size, resident;
	FILE *f;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		bench_die("fopen /proc/self/statm");
	if (fscanf(f, "%lu %lu", &size, &resident) != 2) {
		fclose(f);
		errno = EINVAL;
		bench_die("parse /proc/self/statm");
	}
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

int
main(void)
{
	uint64_t rss0, rss1, t0, t1;
	int error;

	rss0 = rss_bytes();
	t0 = bench_now_ns();
	error = rump_init();
	t1 = bench_now_ns();
	rss1 = rss_bytes();
	if (error != 0) {
		errno = error;
		bench_die("rump_init");
	}
	printf("BOOT|%s|%ju|%ju|%jd|%ju\n", BENCH_BOOT_VARIANT,
	    (uintmax_t)(t1 - t0), (uintmax_t)rump_boot_nsec(),
	    (intmax_t)(rss1 - rss0), (uintmax_t)rump_kmem_inuse());
	return 0;
}
