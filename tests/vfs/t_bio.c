/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_bio.c: block devices and the buffer cache.
 *
 * Device nodes made by etfs (RUMP_ETFS_BLK / _CHR over host files) and by
 * mknod on tmpfs, read and written with open/read/write/pread/pwrite/
 * lseek/ioctl/fsync, checked against the host file; the kernel interface
 * of the cache (bdev_open, bread, bwrite, bdwrite, bawrite, breada,
 * bio_flush, bio_invalidate, direct reads and writes around the cache)
 * through the test component h_bio.c; windows,
 * read-only host files, the syncer's delay, fault injection
 * (RUMP_FAULT_BIO) and the memory limit.  Cases end by checking that the
 * kernel's memory is back where it started.
 */
#include "h_vfs.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <pthread.h>
#include <sys/param.h>
#include <sys/vfs.h>
#include <time.h>

int rump_test_bio_open(const char *path, int writable, void **devp);
void rump_test_bio_close(void *dev, int writable);
int rump_test_bio_size(void *dev, uint64_t *sizep, unsigned *secsizep,
    int *rdonlyp);
int rump_test_bio_read(void *dev, int64_t blkno, size_t size, void *data);
int rump_test_bio_write(void *dev, int64_t blkno, size_t size,
    const void *data, int how);
int rump_test_bio_flush(void *dev, int wait);
void rump_test_bio_invalidate(void *dev);
void rump_test_bio_readahead(void *dev, int64_t blkno, size_t size, int n);
void rump_test_bio_stats(uint64_t *out);
int rump_test_bio_getblk_nowait(void *dev, int64_t blkno, size_t size,
    int hold);
int rump_test_bio_reopen(void *dev, int oldwritable, int newwritable);
int rump_test_bio_read_direct(void *dev, int64_t blkno, size_t bsize,
    void *data, size_t len, size_t *donep);
int rump_test_bio_write_direct(void *dev, int64_t blkno, size_t bsize,
    const void *data, size_t len);
uint64_t rump_test_bio_ndirect(void);

enum { ST_BYTES, ST_NBUFS, ST_NDIRTY, ST_READS, ST_WRITES, ST_CLUSTERED,
    ST_RA };

static char hostpath[64];
static uint64_t kmem_start;

/* Byte i of the host file's initial pattern. */
static unsigned char
pat(uint64_t i)
{
	return (unsigned char)((i * 7 + i / 4096) & 0xff);
}

/* A host file of size bytes holding pat(); made before the kernel boots. */
static void
mkhost(off_t size)
{
	unsigned char buf[4096];
	off_t off;
	int fd;
	size_t i;

	snprintf(hostpath, sizeof(hostpath), "/tmp/t_bio.XXXXXX");
	fd = mkstemp(hostpath);
	cr_assert_geq(fd, 0);
	for (off = 0; off < size; off += (off_t)sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pat((uint64_t)off + i);
		cr_assert_eq(pwrite(fd, buf, (size_t)MIN((off_t)sizeof(buf),
		    size - off), off), MIN((off_t)sizeof(buf), size - off));
	}
	close(fd);
}

static void
boot(void)
{
	vfs_boot();
	kmem_start = rump_kmem_inuse();
}

static void
init_1m(void)
{
	mkhost(1 << 20);
	boot();
}

static void
fini(void)
{
	unlink(hostpath);
}

/*
 * No buffer is left, and the kernel holds what it held after boot, with
 * slack for what stays by design: each host I/O thread that completes a
 * request enters the kernel once and keeps an implicit lwp (up to four
 * threads, lwps come from a pool that grows by pages), and lazily grown
 * tables that are not the cache's.
 */
static void
check_kmem(void)
{
	uint64_t st[7];

	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NBUFS], 0, "%ju buffers left", (uintmax_t)st[ST_NBUFS]);
	cr_assert_eq(st[ST_BYTES], 0);
	cr_assert_leq(rump_kmem_inuse(), kmem_start + 65536,
	    "kmem %ju, at start %ju", (uintmax_t)rump_kmem_inuse(),
	    (uintmax_t)kmem_start);
}

static void
host_pread(void *buf, size_t len, off_t off)
{
	int fd = open(hostpath, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

TestSuite(bio, .init = init_1m, .fini = fini, .timeout = 60);

Test(bio, blk_key_read_write)
{
	unsigned char buf[8192];
	struct stat sb;
	uint64_t size64;
	int ssz, ro, fd;
	size_t i;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	OK(rump_sys_stat("/dk", &sb));
	cr_assert(S_ISBLK(sb.st_mode));
	cr_assert_neq(sb.st_rdev, 0);
	fd = rump_sys_open("/dk", O_RDWR, 0);
	cr_assert_geq(fd, 0, "open: %d", errno);
	OK(rump_sys_fstat(fd, &sb));
	cr_assert(S_ISBLK(sb.st_mode));
	cr_assert_eq(rump_sys_read(fd, buf, 5000), 5000);
	for (i = 0; i < 5000; i++)
		cr_assert_eq(buf[i], pat(i), "byte %zu", i);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_END), 1 << 20);
	OK(rump_sys_ioctl(fd, RUMP_BLKGETSIZE64, &size64));
	cr_assert_eq(size64, 1 << 20);
	OK(rump_sys_ioctl(fd, RUMP_BLKSSZGET, &ssz));
	cr_assert_eq(ssz, 512);
	OK(rump_sys_ioctl(fd, RUMP_BLKROGET, &ro));
	cr_assert_eq(ro, 0);
	/* Unaligned writes across block boundaries, read back. */
	memset(buf, 'A', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 6000, 3000), 6000);
	cr_assert_eq(rump_sys_pread64(fd, buf + 6000, 100, 8950), 100);
	for (i = 0; i < 50; i++)
		cr_assert_eq(buf[6000 + i], 'A');
	for (i = 50; i < 100; i++)
		cr_assert_eq(buf[6000 + i], pat(8950 + i));
	/* At and past the end. */
	cr_assert_eq(rump_sys_pread64(fd, buf, 100, 1 << 20), 0);
	cr_assert_eq(rump_sys_pread64(fd, buf, 100, (1 << 20) - 10), 10);
	FAILS(rump_sys_pwrite64(fd, buf, 1, 1 << 20), ENOSPC);
	cr_assert_eq(rump_sys_pwrite64(fd, "xyz", 3, (1 << 20) - 2), 2);
	OK(rump_sys_fsync(fd));
	host_pread(buf, 6002, 2999);
	cr_assert_eq(buf[0], pat(2999));
	for (i = 1; i < 6001; i++)
		cr_assert_eq(buf[i], 'A');
	cr_assert_eq(buf[6001], pat(9000));
	host_pread(buf, 2, (1 << 20) - 2);
	cr_assert_eq(memcmp(buf, "xy", 2), 0);
	cr_assert_eq(rump_etfs_remove("/dk"), EBUSY);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	FAILS(rump_sys_access("/dk", F_OK), ENOENT);
	check_kmem();
}

/* Dirty data stays in the cache until fsync (the syncer waits 30 s). */
Test(bio, delayed_write_until_fsync)
{
	unsigned char buf[4096];
	int fd;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_WRONLY, 0);
	cr_assert_geq(fd, 0);
	memset(buf, 'D', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 4096, 8192), 4096);
	host_pread(buf, 1, 8192);
	cr_assert_eq(buf[0], pat(8192), "written before fsync");
	OK(rump_sys_fdatasync(fd));
	host_pread(buf, 1, 8192);
	cr_assert_eq(buf[0], 'D');
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/* A second node made with mknod for the same device shares the cache. */
Test(bio, mknod_node_shares_cache)
{
	char buf[16];
	struct stat sb;
	int fd1, fd2;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	OK(rump_sys_stat("/dk", &sb));
	OK(rump_sys_mknod("/alias", S_IFBLK | 0600, sb.st_rdev));
	fd1 = rump_sys_open("/dk", O_RDWR, 0);
	fd2 = rump_sys_open("/alias", O_RDWR, 0);
	cr_assert_geq(fd1, 0);
	cr_assert_geq(fd2, 0);
	cr_assert_eq(rump_sys_pwrite64(fd1, "shared", 6, 100000), 6);
	cr_assert_eq(rump_sys_pread64(fd2, buf, 6, 100000), 6);
	cr_assert_eq(memcmp(buf, "shared", 6), 0);
	/* Attributes of the open device are the node's. */
	OK(rump_sys_fchmod(fd2, 0640));
	OK(rump_sys_stat("/alias", &sb));
	cr_assert_eq(sb.st_mode & 07777, 0640);
	OK(rump_sys_close(fd1));
	OK(rump_sys_close(fd2));
	OK(rump_sys_unlink("/alias"));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	host_pread(buf, 6, 100000);
	cr_assert_eq(memcmp(buf, "shared", 6), 0, "remove writes out");
	check_kmem();
}

Test(bio, no_driver_enxio)
{
	OK(rump_sys_mknod("/nodrv", S_IFBLK | 0600, makedev(7, 77)));
	FAILS(rump_sys_open("/nodrv", O_RDONLY, 0), ENXIO);
	OK(rump_sys_mknod("/nodrvc", S_IFCHR | 0600, makedev(7, 78)));
	FAILS(rump_sys_open("/nodrvc", O_RDONLY, 0), ENXIO);
	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	/* A node for a unit that is gone. */
	OK(rump_sys_unlink("/nodrv"));
	OK(rump_sys_unlink("/nodrvc"));
	check_kmem();
}

Test(bio, window)
{
	unsigned char buf[8192];
	int fd;
	size_t i;

	cr_assert_eq(rump_etfs_register_withsize("/w", hostpath,
	    RUMP_ETFS_BLK, 4096, 1000), EINVAL);	/* not a sector multiple */
	cr_assert_eq(rump_etfs_register_withsize("/w", hostpath,
	    RUMP_ETFS_BLK, 100, 4096), EINVAL);
	cr_assert_eq(rump_etfs_register_withsize("/w", hostpath,
	    RUMP_ETFS_BLK, 4096 + 512, 8192 + 1536), 0);
	fd = rump_sys_open("/w", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_END), 8192 + 1536);
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 4096),
	    sizeof(buf) - 4096 + 1536);
	for (i = 0; i < 4096 + 1536; i++)
		cr_assert_eq(buf[i], pat(4096 + 512 + 4096 + i), "byte %zu", i);
	memset(buf, 'W', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, sizeof(buf), 4096),
	    4096 + 1536);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_close(fd));
	host_pread(buf, 4096 + 1536 + 2, 4096 + 512 + 4096 - 1);
	cr_assert_eq(buf[0], pat(4096 + 512 + 4096 - 1));
	for (i = 1; i < 4096 + 1536 + 1; i++)
		cr_assert_eq(buf[i], 'W');
	cr_assert_eq(buf[4096 + 1536 + 1], pat(4096 + 512 + 8192 + 1536));
	cr_assert_eq(rump_etfs_remove("/w"), 0);
	check_kmem();
}

/* A window past the host file's end reads zeroes and grows the file. */
Test(bio, window_past_eof)
{
	unsigned char buf[4096];
	struct stat sb;
	int fd;
	size_t i;

	cr_assert_eq(rump_etfs_register_withsize("/w", hostpath,
	    RUMP_ETFS_BLK, (1 << 20) - 4096, 16384), 0);
	fd = rump_sys_open("/w", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_pread64(fd, buf, 4096, 4096), 4096);
	for (i = 0; i < 4096; i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(rump_sys_pwrite64(fd, "end", 3, 16384 - 3), 3);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_close(fd));
	cr_assert_eq(stat(hostpath, &sb), 0);
	cr_assert_eq(sb.st_size, (1 << 20) + 12288);
	cr_assert_eq(rump_etfs_remove("/w"), 0);
	check_kmem();
}

Test(bio, chr_raw)
{
	unsigned char buf[4096];
	int fd;
	size_t i;

	cr_assert_eq(rump_etfs_register("/raw", hostpath, RUMP_ETFS_CHR), 0);
	fd = rump_sys_open("/raw", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_END), 1 << 20);
	FAILS(rump_sys_pread64(fd, buf, 100, 0), EINVAL);
	FAILS(rump_sys_pread64(fd, buf, 512, 100), EINVAL);
	cr_assert_eq(rump_sys_pread64(fd, buf, 1024, 512), 1024);
	for (i = 0; i < 1024; i++)
		cr_assert_eq(buf[i], pat(512 + i));
	memset(buf, 'R', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 1536, 4096), 1536);
	/* Raw: on the host at once, no fsync. */
	host_pread(buf, 1538, 4095);
	cr_assert_eq(buf[0], pat(4095));
	cr_assert_eq(buf[1], 'R');
	cr_assert_eq(buf[1536], 'R');
	cr_assert_eq(buf[1537], pat(4096 + 1536));
	FAILS(rump_sys_pwrite64(fd, buf, 512, 1 << 20), ENOSPC);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/raw"), 0);
	check_kmem();
}

/* Kernel interface: bdev_open, bread, bwrite, bdwrite, flush. */
Test(bio, kernel_interface)
{
	unsigned char buf[16384], out[4096];
	uint64_t st[7], size;
	unsigned secsize;
	void *dev, *dev2;
	int ro, i;
	size_t j;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	mkfile("/plain", "x");
	cr_assert_eq(rump_test_bio_open("/plain", 1, &dev), ENOTBLK);
	cr_assert_eq(rump_test_bio_open("/none", 1, &dev), ENOENT);
	cr_assert_eq(rump_test_bio_open("/dk", 1, &dev), 0);
	cr_assert_eq(rump_test_bio_open("/dk", 0, &dev2), EBUSY);
	cr_assert_eq(rump_etfs_remove("/dk"), EBUSY);
	cr_assert_eq(rump_test_bio_size(dev, &size, &secsize, &ro), 0);
	cr_assert_eq(size, 1 << 20);
	cr_assert_eq(secsize, 512);
	cr_assert_eq(ro, 0);

	/* bread at 1 KiB blocks. */
	cr_assert_eq(rump_test_bio_read(dev, 2, 1024, buf), 0);
	for (j = 0; j < 1024; j++)
		cr_assert_eq(buf[j], pat(1024 + j));
	/* bwrite is on the host when it returns. */
	memset(out, 'B', sizeof(out));
	cr_assert_eq(rump_test_bio_write(dev, 64, 4096, out, 0), 0);
	host_pread(buf, 4096, 64 * 512);
	cr_assert_eq(memcmp(buf, out, 4096), 0);
	/* bdwrite of 8 contiguous blocks: one clustered write at flush. */
	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NDIRTY], 0);
	for (i = 0; i < 8; i++) {
		memset(out, 'a' + i, sizeof(out));
		cr_assert_eq(rump_test_bio_write(dev, 128 + 8 * i, 4096, out,
		    1), 0);
	}
	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NDIRTY], 8);
	host_pread(buf, 1, 128 * 512);
	cr_assert_eq(buf[0], pat(128 * 512), "delayed write went out early");
	cr_assert_eq(rump_test_bio_flush(dev, 1), 0);
	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NDIRTY], 0);
	cr_assert_geq(st[ST_CLUSTERED], 1);
	for (i = 0; i < 8; i++) {
		host_pread(buf, 4096, (128 + 8 * i) * 512);
		for (j = 0; j < 4096; j++)
			cr_assert_eq(buf[j], 'a' + i);
	}
	/* bawrite, then flush waits for it. */
	memset(out, 'C', sizeof(out));
	cr_assert_eq(rump_test_bio_write(dev, 512, 4096, out, 2), 0);
	cr_assert_eq(rump_test_bio_flush(dev, 1), 0);
	host_pread(buf, 4096, 512 * 512);
	cr_assert_eq(memcmp(buf, out, 4096), 0);
	/* Cached reads come from the cache: no new device read. */
	rump_test_bio_stats(st);
	cr_assert_eq(rump_test_bio_read(dev, 512, 4096, buf), 0);
	cr_assert_eq(memcmp(buf, out, 4096), 0);
	{
		uint64_t st2[7];

		rump_test_bio_stats(st2);
		cr_assert_eq(st2[ST_READS], st[ST_READS]);
	}
	/* GB_NOWAIT on a busy buffer. */
	cr_assert_eq(rump_test_bio_getblk_nowait(dev, 512, 4096, 1), 0);
	cr_assert_eq(rump_test_bio_getblk_nowait(dev, 512, 4096, 0),
	    EWOULDBLOCK);
	cr_assert_eq(rump_test_bio_getblk_nowait(dev, 0, 0, -1), 0);
	cr_assert_eq(rump_test_bio_getblk_nowait(dev, 512, 4096, 0), 0);
	/* Read past the end: EIO, nothing held. */
	cr_assert_eq(rump_test_bio_read(dev, 2048, 4096, buf), EIO);
	cr_assert_eq(rump_test_bio_read(dev, 2040, 8192, buf), EIO);

	rump_test_bio_invalidate(dev);
	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NBUFS], 0);
	/* Remount read-only and back. */
	cr_assert_eq(rump_test_bio_reopen(dev, 1, 0), 0);
	cr_assert_eq(rump_test_bio_open("/dk", 0, &dev2), 0);
	cr_assert_eq(rump_test_bio_reopen(dev, 0, 1), EBUSY);
	rump_test_bio_close(dev2, 0);
	cr_assert_eq(rump_test_bio_reopen(dev, 0, 1), 0);
	cr_assert_eq(rump_test_bio_open("/dk", 0, &dev2), EBUSY);
	rump_test_bio_close(dev, 1);
	cr_assert_eq(rump_test_bio_open("/dk", 0, &dev), 0);
	cr_assert_eq(rump_test_bio_open("/dk", 0, &dev2), 0);
	rump_test_bio_close(dev2, 0);
	rump_test_bio_close(dev, 0);
	OK(rump_sys_unlink("/plain"));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/* Sequential breads start read-ahead; breada reads in the background. */
Test(bio, readahead)
{
	unsigned char buf[4096];
	uint64_t st[7];
	void *dev;
	int i;
	size_t j;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	cr_assert_eq(rump_test_bio_open("/dk", 0, &dev), 0);
	for (i = 0; i < 16; i++) {
		cr_assert_eq(rump_test_bio_read(dev, 8 * i, 4096, buf), 0);
		for (j = 0; j < 4096; j++)
			cr_assert_eq(buf[j], pat((uint64_t)i * 4096 + j));
	}
	rump_test_bio_stats(st);
	cr_assert_gt(st[ST_RA], 0);
	cr_assert_leq(st[ST_READS] - st[ST_RA], 2, "reads %ju, ahead %ju",
	    (uintmax_t)st[ST_READS], (uintmax_t)st[ST_RA]);
	rump_test_bio_readahead(dev, 1024, 4096, 8);
	cr_assert_eq(rump_test_bio_read(dev, 1024 + 8 * 7, 4096, buf), 0);
	cr_assert_eq(buf[0], pat((1024 + 56) * 512ULL));
	rump_test_bio_invalidate(dev);
	rump_test_bio_close(dev, 0);
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/*
 * Direct reads go around the cache but never around newer data in it:
 * they stop before a dirty block, and refuse one that starts with it.
 */
Test(bio, direct_read_stops_at_dirty)
{
	static unsigned char buf[65536];
	unsigned char out[4096];
	uint64_t st[7], n0;
	size_t done, j;
	void *dev;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	cr_assert_eq(rump_test_bio_open("/dk", 1, &dev), 0);
	n0 = rump_test_bio_ndirect();
	/* Nothing cached: the whole run in one read. */
	cr_assert_eq(rump_test_bio_read_direct(dev, 8, 4096, buf, 65536,
	    &done), 0);
	cr_assert_eq(done, 65536);
	for (j = 0; j < done; j++)
		cr_assert_eq(buf[j], pat(4096 + j), "byte %zu", j);
	cr_assert_eq(rump_test_bio_ndirect(), n0 + 1);
	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NBUFS], 0, "a direct read filled the cache");
	/* A clean cached block is the disk's: no reason to stop. */
	cr_assert_eq(rump_test_bio_read(dev, 16, 4096, out), 0);
	cr_assert_eq(rump_test_bio_read_direct(dev, 0, 4096, buf, 32768,
	    &done), 0);
	cr_assert_eq(done, 32768);
	/* Block 3 (blkno 24) dirty: a read from 0 stops before it ... */
	memset(out, 'D', sizeof(out));
	cr_assert_eq(rump_test_bio_write(dev, 24, 4096, out, 1), 0);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rump_test_bio_read_direct(dev, 0, 4096, buf, 65536,
	    &done), 0);
	cr_assert_eq(done, 3 * 4096);
	for (j = 0; j < done; j++)
		cr_assert_eq(buf[j], pat(j));
	/* ... one starting at it is sent to the cache ... */
	cr_assert_eq(rump_test_bio_read_direct(dev, 24, 4096, buf, 8192,
	    &done), EAGAIN);
	cr_assert_eq(done, 0);
	/* ... and once written out, the disk has it. */
	cr_assert_eq(rump_test_bio_flush(dev, 1), 0);
	cr_assert_eq(rump_test_bio_read_direct(dev, 0, 4096, buf, 65536,
	    &done), 0);
	cr_assert_eq(done, 65536);
	for (j = 0; j < 4096; j++)
		cr_assert_eq(buf[3 * 4096 + j], 'D');
	cr_assert_eq(buf[4 * 4096], pat(4 * 4096));
	/* A tail shorter than a block, at the device's end. */
	cr_assert_eq(rump_test_bio_read_direct(dev, 2040, 4096, buf, 4000,
	    &done), 0);
	cr_assert_eq(done, 4000);
	cr_assert_eq(buf[3999], pat(2040 * 512 + 3999));
	/* Past the end: EIO. */
	cr_assert_eq(rump_test_bio_read_direct(dev, 2040, 4096, buf, 8192,
	    &done), EIO);
	rump_test_bio_invalidate(dev);
	rump_test_bio_close(dev, 1);
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/*
 * A direct write replaces what the cache held for its blocks: clean and
 * dirty copies are dropped (a later flush must not bring the old dirty
 * data back), and reads through the cache see the new data.
 */
Test(bio, direct_write_drops_cached)
{
	static unsigned char buf[32768], in[4096];
	uint64_t st[7];
	void *dev;
	size_t j;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	cr_assert_eq(rump_test_bio_open("/dk", 1, &dev), 0);
	cr_assert_eq(rump_test_bio_read(dev, 8, 4096, in), 0);	/* clean */
	memset(in, 'X', sizeof(in));
	cr_assert_eq(rump_test_bio_write(dev, 40, 4096, in, 1), 0); /* dirty */
	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NDIRTY], 1);
	memset(buf, 'W', sizeof(buf));
	cr_assert_eq(rump_test_bio_write_direct(dev, 0, 4096, buf,
	    sizeof(buf)), 0);
	rump_test_bio_stats(st);
	cr_assert_eq(st[ST_NDIRTY], 0);
	host_pread(buf, sizeof(buf), 0);
	for (j = 0; j < sizeof(buf); j++)
		cr_assert_eq(buf[j], 'W', "host byte %zu", j);
	cr_assert_eq(rump_test_bio_read(dev, 8, 4096, in), 0);
	cr_assert_eq(in[0], 'W');
	cr_assert_eq(rump_test_bio_read(dev, 40, 4096, in), 0);
	cr_assert_eq(in[4095], 'W');
	cr_assert_eq(rump_test_bio_flush(dev, 1), 0);
	host_pread(buf, 4096, 40 * 512);
	cr_assert_eq(buf[0], 'W', "the dropped dirty block came back");
	/* Past the end: EIO, the host file keeps its size. */
	cr_assert_eq(rump_test_bio_write_direct(dev, 2040, 4096, buf, 8192),
	    EIO);
	rump_test_bio_invalidate(dev);
	rump_test_bio_close(dev, 1);
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/* A host file the kernel may only read: a read-only device. */
Test(bio, readonly_host_file)
{
	unsigned char buf[512];
	void *dev;
	int fd, ro;

	cr_assert_eq(chmod(hostpath, 0444), 0);
	if (geteuid() == 0)
		cr_assert_eq(seteuid(65534), 0);
	cr_assert_eq(rump_etfs_register("/ro", hostpath, RUMP_ETFS_BLK), 0);
	cr_assert_eq(rump_etfs_register("/roc", hostpath, RUMP_ETFS_CHR), 0);
	if (getuid() == 0)
		cr_assert_eq(seteuid(0), 0);
	FAILS(rump_sys_open("/ro", O_RDWR, 0), EROFS);
	FAILS(rump_sys_open("/roc", O_WRONLY, 0), EROFS);
	cr_assert_eq(rump_test_bio_open("/ro", 1, &dev), EROFS);
	fd = rump_sys_open("/ro", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	OK(rump_sys_ioctl(fd, RUMP_BLKROGET, &ro));
	cr_assert_eq(ro, 1);
	cr_assert_eq(rump_sys_read(fd, buf, 512), 512);
	cr_assert_eq(buf[1], pat(1));
	FAILS(rump_sys_write(fd, buf, 1), EBADF);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_test_bio_open("/ro", 0, &dev), 0);
	cr_assert_eq(rump_test_bio_reopen(dev, 0, 1), EROFS);
	rump_test_bio_close(dev, 0);
	cr_assert_eq(rump_etfs_remove("/ro"), 0);
	cr_assert_eq(rump_etfs_remove("/roc"), 0);
	check_kmem();
}

/* Halt writes out what the cache holds, even for a device still open. */
Test(bio, halt_writes_out)
{
	unsigned char buf[4096];
	int fd;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_WRONLY, 0);
	cr_assert_geq(fd, 0);
	memset(buf, 'H', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 4096, 40960), 4096);
	host_pread(buf, 1, 40960);
	cr_assert_eq(buf[0], pat(40960));
	cr_assert_eq(rump_sys_reboot(0xfee1dead, 672274793, 0xcdef0123, NULL),
	    0);
	host_pread(buf, 4096, 40960);
	cr_assert_eq(buf[0], 'H');
	cr_assert_eq(buf[4095], 'H');
}

/* ---- the syncer, with RUMP_SYNCDELAY=1 ---- */

static void
init_syncer(void)
{
	mkhost(1 << 20);
	setenv("RUMP_SYNCDELAY", "1", 1);
	boot();
}

TestSuite(syncer, .init = init_syncer, .fini = fini, .timeout = 60);

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(syncer, dirty_data_reaches_disk)
{
	unsigned char buf[4096];
	double t0;
	int fd;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_WRONLY, 0);
	cr_assert_geq(fd, 0);
	memset(buf, 'S', sizeof(buf));
	t0 = now_s();
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 4096, 65536), 4096);
	for (;;) {
		host_pread(buf, 1, 65536);
		if (buf[0] == 'S')
			break;
		cr_assert_lt(now_s() - t0, 5.0, "not written after 5 s");
		usleep(20000);
	}
	/* Not before the delay (1 s, checked every 0.25 s). */
	cr_assert_geq(now_s() - t0, 0.9, "written after %.2f s", now_s() - t0);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/* ---- fault injection: RUMP_FAULT_BIO ---- */

static void
init_fault_half(void)
{
	mkhost(1 << 20);
	setenv("RUMP_FAULT_BIO", "1/2", 1);
	boot();
}

TestSuite(fault, .fini = fini, .timeout = 60);

/* Every second block I/O fails: exactly half the raw reads get EIO. */
Test(fault, half_of_raw_reads_fail, .init = init_fault_half)
{
	unsigned char buf[512];
	int fd, i, nfail = 0;

	cr_assert_eq(rump_etfs_register("/raw", hostpath, RUMP_ETFS_CHR), 0);
	fd = rump_sys_open("/raw", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	for (i = 0; i < 64; i++) {
		errno = 0;
		if (rump_sys_pread64(fd, buf, 512, i * 512) < 0) {
			cr_assert_eq(errno, EIO);
			nfail++;
		} else {
			cr_assert_eq(buf[3], pat(i * 512 + 3));
		}
	}
	cr_assert_eq(nfail, 32);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/raw"), 0);
	check_kmem();
}

static void
init_fault_all(void)
{
	mkhost(1 << 20);
	setenv("RUMP_FAULT_BIO", "1/1", 1);
	boot();
}

/* Every block I/O fails: reads and fsync say EIO, nothing crashes, the
 * host file is untouched, and the kernel goes on. */
Test(fault, all_io_fails, .init = init_fault_all)
{
	unsigned char buf[8192];
	void *dev;
	int fd;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_read(fd, buf, 100), EIO);
	memset(buf, 'F', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 8192, 0), 8192);
	FAILS(rump_sys_fsync(fd), EIO);
	FAILS(rump_sys_pwrite64(fd, buf, 100, 20005), EIO); /* needs a read */
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_test_bio_open("/dk", 1, &dev), 0);
	cr_assert_eq(rump_test_bio_read(dev, 0, 1024, buf), EIO);
	memset(buf, 'G', 4096);
	cr_assert_eq(rump_test_bio_write(dev, 16, 4096, buf, 0), EIO);
	cr_assert_eq(rump_test_bio_write(dev, 24, 4096, buf, 1), 0);
	cr_assert_eq(rump_test_bio_flush(dev, 1), EIO);
	cr_assert_eq(rump_test_bio_flush(dev, 1), 0, "error reported twice");
	{
		size_t done;

		cr_assert_eq(rump_test_bio_read_direct(dev, 0, 4096, buf,
		    8192, &done), EIO);
		cr_assert_eq(rump_test_bio_write_direct(dev, 0, 4096, buf,
		    8192), EIO);
	}
	rump_test_bio_invalidate(dev);
	rump_test_bio_close(dev, 1);
	host_pread(buf, 8192, 0);
	cr_assert_eq(buf[0], pat(0));
	cr_assert_eq(buf[8191], pat(8191));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
	/* The kernel still works. */
	mkfile("/after", "ok");
}

/* ---- the memory limit ---- */

#define BIG (32 << 20)

static void
init_memlimit(void)
{
	mkhost(BIG);
	setenv("RUMP_MEMLIMIT", "8m", 1);
	boot();
}

TestSuite(memlimit, .init = init_memlimit, .fini = fini, .timeout = 120);

/* 32 MiB through the cache of a kernel limited to 8 MiB. */
Test(memlimit, cache_stays_bounded)
{
	static unsigned char buf[65536];
	uint64_t st[7], maxbytes = 0, maxkmem = 0;
	off_t off;
	int fd;
	size_t i;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	for (off = 0; off < BIG; off += (off_t)sizeof(buf)) {
		memset(buf, (int)(off >> 16) & 0xff, sizeof(buf));
		cr_assert_eq(rump_sys_write(fd, buf, sizeof(buf)),
		    (ssize_t)sizeof(buf), "write at %jd: %d", (intmax_t)off,
		    errno);
		rump_test_bio_stats(st);
		maxbytes = MAX(maxbytes, st[ST_BYTES]);
		maxkmem = MAX(maxkmem, rump_kmem_inuse());
	}
	OK(rump_sys_fsync(fd));
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	for (off = 0; off < BIG; off += (off_t)sizeof(buf)) {
		cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)),
		    (ssize_t)sizeof(buf));
		for (i = 0; i < sizeof(buf); i += 4093)
			cr_assert_eq(buf[i], (off >> 16) & 0xff);
		rump_test_bio_stats(st);
		maxbytes = MAX(maxbytes, st[ST_BYTES]);
		maxkmem = MAX(maxkmem, rump_kmem_inuse());
	}
	cr_assert_leq(maxkmem, 8 << 20, "kmem peaked at %ju",
	    (uintmax_t)maxkmem);
	cr_assert_leq(maxbytes, 4 << 20, "cache peaked at %ju",
	    (uintmax_t)maxbytes);
	OK(rump_sys_close(fd));
	host_pread(buf, 1, BIG - 1);
	cr_assert_eq(buf[0], ((BIG - 1) >> 16) & 0xff);
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/* sync(2) writes out device buffers; syncfs and fstatfs of a device. */
Test(bio, sync_syncfs_statfs)
{
	unsigned char buf[4096];
	struct statfs sfs;
	int fd;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	memset(buf, 'Y', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 4096, 0), 4096);
	OK(rump_sys_sync());
	host_pread(buf, 1, 0);
	cr_assert_eq(buf[0], 'Y');
	memset(buf, 'Z', sizeof(buf));
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 4096, 4096), 4096);
	OK(rump_sys_syncfs(fd));
	host_pread(buf, 1, 4096);
	cr_assert_eq(buf[0], 'Z');
	OK(rump_sys_fstatfs(fd, (void *)&sfs));
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/* ---- concurrency: threads on one device, small memory, fast syncer ---- */

#define CC_THREADS 4
#define CC_REGION  (1 << 20)

static void
init_concurrent(void)
{
	mkhost(CC_THREADS * CC_REGION);
	setenv("RUMP_MEMLIMIT", "3m", 1);
	setenv("RUMP_SYNCDELAY", "1", 1);
	boot();
}

struct cc_arg {
	int fd;
	int idx;
	int error;
};

/* Write the region in odd-sized pieces, read it back, twice over. */
static void *
cc_thread(void *arg)
{
	struct cc_arg *ca = arg;
	static __thread unsigned char buf[20000], rbuf[20000];
	off_t base = (off_t)ca->idx * CC_REGION, off;
	size_t len, i;
	int round;

	for (round = 0; round < 2; round++) {
		for (off = 0; off < CC_REGION; off += (off_t)len) {
			len = MIN((size_t)(1000 + (off % 7) * 2731),
			    (size_t)(CC_REGION - off));
			for (i = 0; i < len; i++)
				buf[i] = (unsigned char)(ca->idx * 31 + round +
				    (off + (off_t)i) % 251);
			if (rump_sys_pwrite64(ca->fd, buf, len, base + off) !=
			    (ssize_t)len) {
				ca->error = errno;
				return NULL;
			}
			if (rump_sys_pread64(ca->fd, rbuf, len, base + off) !=
			    (ssize_t)len || memcmp(buf, rbuf, len) != 0) {
				ca->error = EIO;
				return NULL;
			}
		}
		if (ca->idx == 0 && rump_sys_fsync(ca->fd) != 0) {
			ca->error = errno;
			return NULL;
		}
	}
	return NULL;
}

TestSuite(concurrent, .init = init_concurrent, .fini = fini,
    .timeout = 120);

Test(concurrent, writers)
{
	struct cc_arg ca[CC_THREADS];
	pthread_t t[CC_THREADS];
	unsigned char buf[4096];
	uint64_t st[7];
	int fd, i, hfd;
	off_t off;
	size_t j;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	for (i = 0; i < CC_THREADS; i++) {
		ca[i] = (struct cc_arg){ .fd = fd, .idx = i };
		cr_assert_eq(pthread_create(&t[i], NULL, cc_thread, &ca[i]), 0);
	}
	for (i = 0; i < CC_THREADS; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(ca[i].error, 0, "thread %d: error %d", i,
		    ca[i].error);
	}
	rump_test_bio_stats(st);
	cr_assert_leq(st[ST_BYTES], 3 << 19, "cache %ju bytes",
	    (uintmax_t)st[ST_BYTES]);
	/* 8 MiB went through a 1.5 MiB cache: written back while running,
	 * contiguous blocks together. */
	cr_assert_gt(st[ST_WRITES], 256, "writes %ju", (uintmax_t)st[ST_WRITES]);
	cr_assert_gt(st[ST_CLUSTERED], 0);
	cr_assert_leq(rump_kmem_inuse(), 3 << 20);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_close(fd));
	hfd = open(hostpath, O_RDONLY);
	for (i = 0; i < CC_THREADS; i++) {
		for (off = 0; off < CC_REGION; off += 65536 + 4096) {
			cr_assert_eq(pread(hfd, buf, sizeof(buf),
			    (off_t)i * CC_REGION + off), (ssize_t)sizeof(buf));
			for (j = 0; j < sizeof(buf); j++)
				cr_assert_eq(buf[j], (unsigned char)(i * 31 +
				    1 + (off + (off_t)j) % 251),
				    "thread %d byte %jd", i,
				    (intmax_t)(off + (off_t)j));
		}
	}
	close(hfd);
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

/* Clean cached blocks go back to the pagedaemon when others need memory. */
Test(memlimit, reclaimed_for_others)
{
	static unsigned char buf[65536];
	uint64_t st[7], before;
	off_t off;
	int fd, tfd;

	cr_assert_eq(rump_etfs_register("/dk", hostpath, RUMP_ETFS_BLK), 0);
	fd = rump_sys_open("/dk", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	for (off = 0; off < (3 << 20) + (1 << 19); off += (off_t)sizeof(buf))
		cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)),
		    (ssize_t)sizeof(buf));
	rump_test_bio_stats(st);
	before = st[ST_BYTES];
	cr_assert_geq(before, 3 << 20, "cache holds %ju", (uintmax_t)before);
	/* 5 MiB of tmpfs data in an 8 MiB kernel: only with the cache's
	 * memory back. */
	tfd = rump_sys_open("/big", O_WRONLY | O_CREAT, 0644);
	cr_assert_geq(tfd, 0);
	memset(buf, 'T', sizeof(buf));
	for (off = 0; off < (5 << 20); off += (off_t)sizeof(buf))
		cr_assert_eq(rump_sys_write(tfd, buf, sizeof(buf)),
		    (ssize_t)sizeof(buf), "tmpfs write at %jd: %d",
		    (intmax_t)off, errno);
	OK(rump_sys_close(tfd));
	rump_test_bio_stats(st);
	cr_assert_lt(st[ST_BYTES], before - (256 << 10), "cache still %ju",
	    (uintmax_t)st[ST_BYTES]);
	cr_assert_leq(rump_kmem_inuse(), 8 << 20);
	OK(rump_sys_unlink("/big"));
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/dk"), 0);
	check_kmem();
}

static void
init_fault_skip(void)
{
	mkhost(1 << 20);
	setenv("RUMP_FAULT_BIO", "2/3+4", 1);
	boot();
}

/* "2/3+4": four block I/Os pass, then two of every three fail. */
Test(fault, skip_then_two_of_three, .init = init_fault_skip)
{
	static const int expect[13] = { 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0 };
	unsigned char buf[512];
	int fd, i, failed;

	cr_assert_eq(rump_etfs_register("/raw", hostpath, RUMP_ETFS_CHR), 0);
	fd = rump_sys_open("/raw", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	for (i = 0; i < 13; i++) {
		errno = 0;
		failed = rump_sys_pread64(fd, buf, 512, i * 512) < 0;
		cr_assert_eq(failed, expect[i], "I/O %d", i + 1);
		if (failed)
			cr_assert_eq(errno, EIO);
	}
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/raw"), 0);
	check_kmem();
}
