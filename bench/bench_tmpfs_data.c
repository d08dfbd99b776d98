/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_tmpfs_data.c: sequential data speed of the rump kernel's tmpfs.
 *
 * One file of BENCH_SIZE bytes is written from the start in BENCH_CHUNK
 * calls, then read back the same way, then unlinked.  The same sequence
 * runs on the host's tmpfs (/dev/shm, or /tmp if that is unusable, which
 * the output says) in the same process.  The reads check the first bytes of
 * every chunk, so a file system that returns the wrong data fails the run.
 * Each figure, in MiB/s, is the median of BENCH_RUNS runs.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define BENCH_SIZE	(1024UL * 1024 * 1024)
#define BENCH_CHUNK	(64 * 1024)
#define BENCH_RUNS	3
#define TMPFS_MAGIC	0x01021994

/* The calls of one side: the rump kernel's or the host's. */
struct ops {
	const char *o_name;
	int (*o_open)(const char *, int, mode_t);
	ssize_t (*o_write)(int, const void *, size_t);
	ssize_t (*o_read)(int, void *, size_t);
	off_t (*o_lseek)(int, off_t, int);
	int (*o_close)(int);
	int (*o_unlink)(const char *);
};

static int
host_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static const struct ops rump_ops = {
	"rump", rump_sys_open, rump_sys_write, rump_sys_read, rump_sys_lseek,
	rump_sys_close, rump_sys_unlink,
};
static const struct ops host_ops = {
	"host", host_open, write, read, lseek, close, unlink,
};

static char buf[BENCH_CHUNK];

static double
mib_per_s(uint64_t ns)
{
	return (double)BENCH_SIZE / (1024.0 * 1024.0) / ((double)ns / 1e9);
}

/* Write the file; returns MiB/s. */
static double
write_phase(const struct ops *o, int fd)
{
	uint64_t i, t0;

	t0 = bench_now_ns();
	for (i = 0; i < BENCH_SIZE / BENCH_CHUNK; i++) {
		memcpy(buf, &i, sizeof(i));
		if (o->o_write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			bench_die("%s: write chunk %ju", o->o_name,
			    (uintmax_t)i);
	}
	return mib_per_s(bench_now_ns() - t0);
}

/* Read the file back from the start, checking it; returns MiB/s. */
static double
read_phase(const struct ops *o, int fd)
{
	uint64_t i, t0, tag;

	if (o->o_lseek(fd, 0, SEEK_SET) != 0)
		bench_die("%s: lseek", o->o_name);
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_SIZE / BENCH_CHUNK; i++) {
		if (o->o_read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			bench_die("%s: read chunk %ju", o->o_name,
			    (uintmax_t)i);
		memcpy(&tag, buf, sizeof(tag));
		if (tag != i) {
			errno = EIO;
			bench_die("%s: chunk %ju holds chunk %ju", o->o_name,
			    (uintmax_t)i, (uintmax_t)tag);
		}
	}
	return mib_per_s(bench_now_ns() - t0);
}

/* Median MiB/s of writing and reading path on one side. */
static void
measure(const struct ops *o, const char *path, double *wr, double *rd)
{
	double w[BENCH_RUNS], r[BENCH_RUNS];
	int run, fd;

	for (run = 0; run < BENCH_RUNS; run++) {
		fd = o->o_open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			bench_die("%s: open %s", o->o_name, path);
		w[run] = write_phase(o, fd);
		r[run] = read_phase(o, fd);
		if (o->o_close(fd) != 0)
			bench_die("%s: close %s", o->o_name, path);
		if (o->o_unlink(path) != 0)
			bench_die("%s: unlink %s", o->o_name, path);
	}
	*wr = bench_median(w, BENCH_RUNS);
	*rd = bench_median(r, BENCH_RUNS);
}

/* A host file name on tmpfs if possible; *istmpfs says which. */
static void
host_path(char *path, size_t len, int *istmpfs)
{
	struct statfs sf;
	const char *dir = "/dev/shm";

	if (statfs(dir, &sf) != 0 || sf.f_type != TMPFS_MAGIC ||
	    access(dir, W_OK) != 0)
		dir = "/tmp";
	*istmpfs = statfs(dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
	snprintf(path, len, "%s/rump-bench-data.%ld", dir, (long)getpid());
}

int
main(void)
{
	double rw, rr, hw, hr;
	char hpath[64];
	int error, tmpfs;

	memset(buf, 'd', sizeof(buf));
	if ((error = rump_init()) != 0) {
		errno = error;
		bench_die("rump_init");
	}
	if ((error = rump_lwproc_rfork(RUMP_RFCFDG)) != 0) {
		errno = error;
		bench_die("rump_lwproc_rfork");
	}
	host_path(hpath, sizeof(hpath), &tmpfs);

	measure(&host_ops, hpath, &hw, &hr);
	measure(&rump_ops, "/bench.data", &rw, &rr);

	printf("%lu MiB in %d KiB calls, median of %d runs; host: %s%s\n",
	    BENCH_SIZE >> 20, BENCH_CHUNK >> 10, BENCH_RUNS, hpath,
	    tmpfs ? " (tmpfs)" : " (NOT tmpfs)");
	printf("  write  rump %8.0f MiB/s  host %8.0f  (%.2fx)\n", rw, hw,
	    rw / hw);
	printf("  read   rump %8.0f MiB/s  host %8.0f  (%.2fx)\n", rr, hr,
	    rr / hr);
	bench_result("tmpfs write 64K", rw, hw, "MiB/s", ">= 1.0x",
	    tmpfs ? "host tmpfs" : "host /tmp");
	bench_result("tmpfs read 64K", rr, hr, "MiB/s", ">= 1.0x",
	    tmpfs ? "host tmpfs" : "host /tmp");
	return 0;
}
