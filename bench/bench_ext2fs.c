/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_ext2fs.c: the ext2 file system against its references.
 *
 *	bench_ext2fs rump IMAGE        the workloads in a rump kernel on
 *	                               IMAGE (made by mke2fs, ext2, 4 KiB)
 *	bench_ext2fs host DIR PHASE    one phase through the host's system
 *	                               calls in DIR (a fuse2fs or loop mount)
 *	bench_ext2fs memlimit IMAGE    copy a 1 GiB file into IMAGE; report
 *	                               the largest RSS seen (run it with
 *	                               RUMP_MEMLIMIT=16m)
 *
 * Workloads (BENCH_FILES, default 20000, BENCH_SEQ_MB, default 1024):
 *	untar-write  FILES files of 0-20 KiB (10 KiB average, about 200 MB
 *	             for 20000) in directories of 100, then sync
 *	untar-read   read them all back after a remount (cold cache)
 *	seq-write    one file of SEQ_MB MiB in 1 MiB writes, then fsync
 *	seq-read     read it back after a remount
 * Host mode prints "TIME|phase|seconds|bytes"; bench/run.sh runs it on
 * fuse2fs and the host kernel's loop mount and hands the figures to rump
 * mode in BENCH_REF_<PHASE> (fuse2fs) and BENCH_LOOP_<PHASE>
 * (seconds), which prints RESULT lines in MB/s (bench.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

/* The system calls a workload uses: the rump kernel's or the host's. */
struct bops {
	int (*open)(const char *, int, mode_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*close)(int);
	int (*mkdir)(const char *, mode_t);
	int (*fsync)(int);
};

static int h_open(const char *p, int f, mode_t m) { return open(p, f, m); }
static const struct bops host_ops = {
	h_open, read, write, close, mkdir, fsync,
};
static const struct bops rump_ops = {
	rump_sys_open, rump_sys_read, rump_sys_write, rump_sys_close,
	rump_sys_mkdir, rump_sys_fsync,
};

static unsigned nfiles = 20000, seqmb = 1024;
static char *databuf;
#define DATABUF (1 << 20)

static size_t
file_size(unsigned i)
{
	return (size_t)((i * 2654435761u) % 20481);
}

/* untar-write: returns the bytes written. */
static uint64_t
untar_write(const struct bops *o, const char *top)
{
	char path[512];
	uint64_t bytes = 0;
	unsigned i;
	size_t n;
	int fd;

	for (i = 0; i < nfiles; i++) {
		if (i % 100 == 0) {
			snprintf(path, sizeof(path), "%s/d%03u", top, i / 100);
			if (o->mkdir(path, 0755) != 0 && errno != EEXIST)
				bench_die("mkdir %s", path);
		}
		snprintf(path, sizeof(path), "%s/d%03u/f%05u", top, i / 100,
		    i);
		fd = o->open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			bench_die("create %s", path);
		n = file_size(i);
		if (n > 0 && o->write(fd, databuf + (i % 4096), n) !=
		    (ssize_t)n)
			bench_die("write %s", path);
		o->close(fd);
		bytes += n;
	}
	return bytes;
}

static uint64_t
untar_read(const struct bops *o, const char *top)
{
	char path[512];
	uint64_t bytes = 0;
	unsigned i;
	ssize_t n;
	int fd;

	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/d%03u/f%05u", top, i / 100,
		    i);
		fd = o->open(path, O_RDONLY, 0);
		if (fd < 0)
			bench_die("open %s", path);
		while ((n = o->read(fd, databuf, DATABUF)) > 0)
			bytes += (uint64_t)n;
		o->close(fd);
	}
	return bytes;
}

static uint64_t
seq_write(const struct bops *o, const char *top)
{
	char path[512];
	unsigned i;
	int fd;

	snprintf(path, sizeof(path), "%s/seq", top);
	fd = o->open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		bench_die("create %s", path);
	for (i = 0; i < seqmb; i++)
		if (o->write(fd, databuf, DATABUF) != DATABUF)
			bench_die("write %s", path);
	if (o->fsync(fd) != 0)
		bench_die("fsync");
	o->close(fd);
	return (uint64_t)seqmb << 20;
}

static uint64_t
seq_read(const struct bops *o, const char *top)
{
	char path[512];
	uint64_t bytes = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/seq", top);
	fd = o->open(path, O_RDONLY, 0);
	if (fd < 0)
		bench_die("open %s", path);
	while ((n = o->read(fd, databuf, DATABUF)) > 0)
		bytes += (uint64_t)n;
	o->close(fd);
	return bytes;
}

static const struct {
	const char *name, *env;
	uint64_t (*fn)(const struct bops *, const char *);
	bool sync;
} phases[] = {
	{ "untar-write", "UNTAR_WRITE", untar_write, true },
	{ "untar-read", "UNTAR_READ", untar_read, false },
	{ "seq-write", "SEQ_WRITE", seq_write, false },
	{ "seq-read", "SEQ_READ", seq_read, false },
};

#define nitems_phases() (sizeof(phases) / sizeof(phases[0]))

static void
rump_mnt(void)
{
	if (rump_sys_mount("/dev/disk", "/mnt", "ext2fs", 0, "noatime") != 0)
		bench_die("mount");
}

static void
rump_umnt(void)
{
	if (rump_sys_umount2("/mnt", 0) != 0)
		bench_die("umount");
}

static void
rump_boot(const char *image)
{
	int e;

	if (rump_init() != 0)
		bench_die("rump_init");
	rump_sys_mkdir("/dev", 0755);
	rump_sys_mkdir("/mnt", 0755);
	if ((e = rump_etfs_register("/dev/disk", image, RUMP_ETFS_BLK)) != 0) {
		errno = e;
		bench_die("etfs %s", image);
	}
}

static double
env_secs(const char *prefix, const char *name)
{
	char var[64];
	const char *v;

	snprintf(var, sizeof(var), "%s_%s", prefix, name);
	v = getenv(var);
	return v != NULL ? strtod(v, NULL) : 0;
}

static int
run_rump(const char *image)
{
	double secs, mbps, ref, loop;
	uint64_t t0, bytes;
	size_t i;

	rump_boot(image);
	for (i = 0; i < nitems_phases(); i++) {
		rump_mnt();
		t0 = bench_now_ns();
		bytes = phases[i].fn(&rump_ops, "/mnt");
		if (phases[i].sync && rump_sys_sync() != 0)
			bench_die("sync");
		secs = (double)(bench_now_ns() - t0) / 1e9;
		rump_umnt();	/* the next phase starts cold */
		mbps = (double)bytes / 1e6 / secs;
		printf("  %-12s %8.3f s  %8.1f MB/s\n", phases[i].name, secs,
		    mbps);
		ref = env_secs("BENCH_REF", phases[i].env);
		loop = env_secs("BENCH_LOOP", phases[i].env);
		printf("RESULT|ext2 %s|%.1f|%.1f|MB/s|>= 2x|fuse2fs\n",
		    phases[i].name, mbps, ref > 0 ? (double)bytes / 1e6 / ref :
		    0.0);
		if (strncmp(phases[i].name, "seq", 3) == 0)
			printf("RESULT|ext2 %s/loop|%.1f|%.1f|MB/s|>= 0.8x|"
			    "host loop\n", phases[i].name, mbps, loop > 0 ?
			    (double)bytes / 1e6 / loop : 0.0);
	}
	return 0;
}

static long
rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int
run_memlimit(const char *image)
{
	long max = 0, r;
	unsigned i;
	int fd;

	rump_boot(image);
	rump_mnt();
	fd = rump_sys_open("/mnt/copy", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		bench_die("create");
	for (i = 0; i < 1024; i++) {
		memset(databuf, (int)i, DATABUF);	/* a fresh source MiB */
		if (rump_sys_write(fd, databuf, DATABUF) != DATABUF)
			bench_die("write");
		if ((r = rss_kib()) > max)
			max = r;
	}
	if (rump_sys_fsync(fd) != 0)
		bench_die("fsync");
	rump_sys_close(fd);
	rump_umnt();
	if ((r = rss_kib()) > max)
		max = r;
	printf("  1 GiB copy under RUMP_MEMLIMIT=%s: peak RSS %.1f MiB\n",
	    getenv("RUMP_MEMLIMIT") ? getenv("RUMP_MEMLIMIT") : "(none)",
	    max / 1024.0);
	printf("RESULT|ext2 1G copy RSS|%.1f|48.0|MiB|< 48|limit\n",
	    max / 1024.0);
	return 0;
}

static int
run_host(const char *dir, const char *phase)
{
	uint64_t t0, bytes;
	double secs;
	size_t i;
	int fd;

	for (i = 0; i < nitems_phases(); i++) {
		if (strcmp(phases[i].name, phase) != 0)
			continue;
		t0 = bench_now_ns();
		bytes = phases[i].fn(&host_ops, dir);
		if (phases[i].sync) {
			fd = open(dir, O_RDONLY | O_DIRECTORY);
			if (fd < 0 || syncfs(fd) != 0)
				bench_die("syncfs %s", dir);
			close(fd);
		}
		secs = (double)(bench_now_ns() - t0) / 1e9;
		printf("TIME|%s|%.6f|%llu\n", phase, secs,
		    (unsigned long long)bytes);
		return 0;
	}
	fprintf(stderr, "bench_ext2fs: unknown phase %s\n", phase);
	return 2;
}

int
main(int argc, char **argv)
{
	const char *v;
	unsigned i;

	if ((v = getenv("BENCH_FILES")) != NULL)
		nfiles = (unsigned)strtoul(v, NULL, 10);
	if ((v = getenv("BENCH_SEQ_MB")) != NULL)
		seqmb = (unsigned)strtoul(v, NULL, 10);
	databuf = malloc(DATABUF + 8192);
	if (databuf == NULL)
		bench_die("malloc");
	for (i = 0; i < DATABUF + 8192; i++)
		databuf[i] = (char)(i * 7 + i / 4093);
	if (argc == 3 && strcmp(argv[1], "rump") == 0)
		return run_rump(argv[2]);
	if (argc == 3 && strcmp(argv[1], "memlimit") == 0)
		return run_memlimit(argv[2]);
	if (argc == 4 && strcmp(argv[1], "host") == 0)
		return run_host(argv[2], argv[3]);
	fprintf(stderr, "usage: bench_ext2fs rump IMAGE | memlimit IMAGE | "
	    "host DIR PHASE\n");
	return 2;
}
