/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_tmpfs_meta.c: metadata speed of the rump kernel's tmpfs.
 *
 * In one directory, BENCH_NFILES files are created, given 4 KiB each and
 * closed (the create phase), then unlinked (the unlink phase).  The same
 * loop runs on the host's tmpfs (a fresh directory under /dev/shm; /tmp if
 * that is not possible, which the output says) in the same process, with
 * the same calls (openat/write/close, unlinkat on a directory descriptor).
 * Each phase reports microseconds per file, the median of BENCH_RUNS runs.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define BENCH_NFILES	100000
#define BENCH_FILESIZE	4096
#define BENCH_RUNS	3
#define TMPFS_MAGIC	0x01021994

/* The calls of one side: the rump kernel's or the host's. */
struct ops {
	const char *o_name;
	int (*o_openat)(int, const char *, int, mode_t);
	ssize_t (*o_write)(int, const void *, size_t);
	int (*o_close)(int);
	int (*o_unlinkat)(int, const char *, int);
};

static int
host_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return openat(dirfd, path, flags, mode);
}

static const struct ops rump_ops = {
	"rump", rump_sys_openat, rump_sys_write, rump_sys_close,
	rump_sys_unlinkat,
};
static const struct ops host_ops = {
	"host", host_openat, write, close, unlinkat,
};

static char filebuf[BENCH_FILESIZE];

/* Create the files in dirfd; returns us per file. */
static double
create_phase(const struct ops *o, int dirfd)
{
	char name[32];
	uint64_t t0;
	int i, fd;

	t0 = bench_now_ns();
	for (i = 0; i < BENCH_NFILES; i++) {
		snprintf(name, sizeof(name), "f%06d", i);
		fd = o->o_openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL,
		    0644);
		if (fd < 0)
			bench_die("%s: openat %s", o->o_name, name);
		if (o->o_write(fd, filebuf, sizeof(filebuf)) !=
		    (ssize_t)sizeof(filebuf))
			bench_die("%s: write %s", o->o_name, name);
		if (o->o_close(fd) != 0)
			bench_die("%s: close %s", o->o_name, name);
	}
	return (double)(bench_now_ns() - t0) / 1000.0 / BENCH_NFILES;
}

/* Unlink the files in dirfd; returns us per file. */
static double
unlink_phase(const struct ops *o, int dirfd)
{
	char name[32];
	uint64_t t0;
	int i;

	t0 = bench_now_ns();
	for (i = 0; i < BENCH_NFILES; i++) {
		snprintf(name, sizeof(name), "f%06d", i);
		if (o->o_unlinkat(dirfd, name, 0) != 0)
			bench_die("%s: unlinkat %s", o->o_name, name);
	}
	return (double)(bench_now_ns() - t0) / 1000.0 / BENCH_NFILES;
}

/* Median us per file of both phases on one side. */
static void
measure(const struct ops *o, int dirfd, double *create, double *unlink)
{
	double c[BENCH_RUNS], u[BENCH_RUNS];
	int r;

	for (r = 0; r < BENCH_RUNS; r++) {
		c[r] = create_phase(o, dirfd);
		u[r] = unlink_phase(o, dirfd);
	}
	*create = bench_median(c, BENCH_RUNS);
	*unlink = bench_median(u, BENCH_RUNS);
}

/* A fresh host directory, on tmpfs if possible; *istmpfs says which. */
static int
host_dir(char *path, int *istmpfs)
{
	struct statfs sf;
	int fd;

	snprintf(path, 64, "/dev/shm/rump-bench.XXXXXX");
	if (mkdtemp(path) == NULL) {
		snprintf(path, 64, "/tmp/rump-bench.XXXXXX");
		if (mkdtemp(path) == NULL)
			bench_die("mkdtemp %s", path);
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY)) < 0)
		bench_die("open %s", path);
	*istmpfs = fstatfs(fd, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
	return fd;
}

int
main(void)
{
	double rc, ru, hc, hu;
	char hpath[64];
	int error, rfd, hfd, tmpfs;

	memset(filebuf, 'm', sizeof(filebuf));
	if ((error = rump_init()) != 0) {
		errno = error;
		bench_die("rump_init");
	}
	if ((error = rump_lwproc_rfork(RUMP_RFCFDG)) != 0) {
		errno = error;
		bench_die("rump_lwproc_rfork");
	}
	if (rump_sys_mkdir("/bench", 0755) != 0)
		bench_die("rump: mkdir /bench");
	if ((rfd = rump_sys_open("/bench", O_RDONLY | O_DIRECTORY, 0)) < 0)
		bench_die("rump: open /bench");
	hfd = host_dir(hpath, &tmpfs);

	measure(&host_ops, hfd, &hc, &hu);
	measure(&rump_ops, rfd, &rc, &ru);
	close(hfd);
	rmdir(hpath);
	rump_sys_close(rfd);

	printf("%d files of %d bytes in one directory, median of %d runs; "
	    "host: %s%s\n", BENCH_NFILES, BENCH_FILESIZE, BENCH_RUNS, hpath,
	    tmpfs ? " (tmpfs)" : " (NOT tmpfs: /dev/shm was unusable)");
	printf("  create+write+close  rump %6.2f us/file  host %6.2f  "
	    "(%.2fx)\n", rc, hc, rc / hc);
	printf("  unlink              rump %6.2f us/file  host %6.2f  "
	    "(%.2fx)\n", ru, hu, ru / hu);
	bench_result("tmpfs create 4K", rc, hc, "us/file", "<= 4",
	    tmpfs ? "host tmpfs" : "host /tmp");
	bench_result("tmpfs unlink", ru, hu, "us/file", "<= 4",
	    tmpfs ? "host tmpfs" : "host /tmp");
	return 0;
}
