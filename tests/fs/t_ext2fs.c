/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_ext2fs.c: tests of the ext2 file system (sys/fs/ext2fs) through the
 * system calls.
 *
 * Each case boots its own kernel on a tmpfs root, makes a fresh image
 * with mke2fs in a host temp file, maps it at /dev/disk (etfs, block
 * device) and mounts it at /mnt.  Covered here: mount options and names,
 * refusing what is not ext2, statfs and the free counts, files across
 * the direct/indirect boundaries, truncation, holes, unlinked open files,
 * rename in its forms, link counts, ENOSPC, remounting, reading an ext4
 * image, long reads and writes around the cache (coherent with it, holes,
 * end of file, a bad block pointer), and that unmount gives every byte of
 * kernel memory back (but the caches' slack).  The interoperability
 * with e2fsprogs (e2fsck, debugfs) is tests/interop/t_ext2fs.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

#define EXT2_MAGIC_VAL 0xEF53
#define LEAK_SLACK (512 * 1024)

static char image[64];
static uint64_t kmem_start;

static void
image_remove(void)
{
	if (image[0] != '\0')
		unlink(image);
}

/* A fresh image made with mke2fs args (16 MiB), at /dev/disk. */
static void
mkimage_sized(const char *args, const char *size)
{
	char cmd[256];
	int fd;

	snprintf(image, sizeof(image), "/tmp/t_ext2fs.XXXXXX");
	fd = mkstemp(image);
	cr_assert_geq(fd, 0);
	close(fd);
	atexit(image_remove);
	snprintf(cmd, sizeof(cmd), "mke2fs -q -F %s %s %s >/dev/null 2>&1",
	    args, image, size);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	rump_sys_mkdir("/dev", 0755);
	cr_assert_eq(rump_etfs_register("/dev/disk", image, RUMP_ETFS_BLK), 0);
	rump_sys_mkdir("/mnt", 0755);
}

static void
mkimage(const char *args)
{
	mkimage_sized(args, "16M");
}

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	kmem_start = rump_kmem_inuse();
}

static void
mnt(const char *fstype, unsigned long flags, const char *opts)
{
	cr_assert_eq(rump_sys_mount("/dev/disk", "/mnt", fstype, flags, opts),
	    0, "mount: %d", errno);
}

static void
umnt(void)
{
	cr_assert_eq(rump_sys_umount2("/mnt", 0), 0, "umount: %d", errno);
}

static void
leakcheck(void)
{
	uint64_t now = rump_kmem_inuse();

	cr_assert_leq(now, kmem_start + LEAK_SLACK, "kmem %llu -> %llu",
	    (unsigned long long)kmem_start, (unsigned long long)now);
}

static void
setup(void)
{
	boot();
	mkimage("-t ext2 -b 1024 -I 128");
	mnt("ext2fs", 0, NULL);
}

static void
put(const char *path, const void *data, size_t len)
{
	int fd = rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "create %s: %d", path, errno);
	cr_assert_eq(rump_sys_write(fd, data, len), (ssize_t)len);
	cr_assert_eq(rump_sys_close(fd), 0);
}

static uint64_t
freeblocks(void)
{
	struct statfs sf;

	cr_assert_eq(rump_sys_statfs("/mnt", &sf), 0);
	return sf.f_bfree;
}

Test(ext2fs, mount_unmount_leaks, .init = boot)
{
	mkimage("-t ext2 -b 1024");
	mnt("ext2fs", 0, NULL);
	put("/mnt/f", "data", 4);
	umnt();
	mnt("ext2", MS_RDONLY, NULL);
	umnt();
	mnt("ext3", 0, "noatime,sync");
	umnt();
	mnt("ext4", 0, "ro");
	umnt();
	leakcheck();
}

Test(ext2fs, bad_mounts, .init = boot)
{
	char zeros[8192] = { 0 };
	int fd;

	mkimage("-t ext2 -b 1024");
	errno = 0;
	cr_assert_eq(rump_sys_mount("/dev/disk", "/mnt", "ext2fs", 0,
	    "bogus"), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_mount("/dev/nope", "/mnt", "ext2fs", 0, NULL),
	    -1);
	cr_assert_eq(errno, ENOENT);
	/* not a file system at all */
	fd = open(image, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, zeros, sizeof(zeros), 0), (ssize_t)sizeof(zeros));
	close(fd);
	cr_assert_eq(rump_sys_mount("/dev/disk", "/mnt", "ext2fs", 0, NULL),
	    -1);
	cr_assert_eq(errno, EINVAL);
	leakcheck();
}

Test(ext2fs, statfs_counts, .init = setup)
{
	struct statfs sf;
	static char buf[100 * 1024];
	uint64_t f0;

	cr_assert_eq(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert_eq(sf.f_type, EXT2_MAGIC_VAL);
	cr_assert_eq(sf.f_bsize, 1024);
	cr_assert_eq(sf.f_namelen, 255);
	cr_assert_gt(sf.f_blocks, 0);
	f0 = sf.f_bfree;
	put("/mnt/f", buf, sizeof(buf));
	/* 100 data blocks and one indirect block */
	cr_assert_eq(freeblocks(), f0 - 101);
	cr_assert_eq(rump_sys_unlink("/mnt/f"), 0);
	cr_assert_eq(freeblocks(), f0);
	umnt();
	leakcheck();
}

/* Bytes across direct, single, double indirect boundaries read back. */
Test(ext2fs, indirect_boundaries, .init = setup)
{
	static const off_t offs[] = {
		0, 11 * 1024 + 1000, 12 * 1024, (12 + 256) * 1024 - 3,
		(12 + 256 + 65536) * 1024 + 77, (off_t)5 << 30,
	};
	char buf[16];
	size_t i;
	int fd;

	fd = rump_sys_open("/mnt/f", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		snprintf(buf, sizeof(buf), "at%zu", i);
		cr_assert_eq(rump_sys_pwrite64(fd, buf, 8, offs[i]), 8);
	}
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		char want[16];

		snprintf(want, sizeof(want), "at%zu", i);
		memset(buf, 'x', sizeof(buf));
		cr_assert_eq(rump_sys_pread64(fd, buf, 8, offs[i]), 8);
		cr_assert_str_eq(buf, want);
	}
	/* a hole reads as zeros */
	cr_assert_eq(rump_sys_pread64(fd, buf, 8, 1 << 20), 8);
	for (i = 0; i < 8; i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(rump_sys_close(fd), 0);
	umnt();
	leakcheck();
}

Test(ext2fs, truncate_down_up, .init = setup)
{
	static char buf[300 * 1024];
	char c;
	uint64_t f0 = freeblocks();
	struct stat st;
	int fd;

	memset(buf, 'q', sizeof(buf));
	put("/mnt/f", buf, sizeof(buf));
	cr_assert_eq(rump_sys_truncate("/mnt/f", 5000), 0);
	/* 5 data blocks left, no indirect block */
	cr_assert_eq(freeblocks(), f0 - 5);
	cr_assert_eq(rump_sys_truncate("/mnt/f", 200000), 0);
	fd = rump_sys_open("/mnt/f", O_RDONLY, 0);
	cr_assert_eq(rump_sys_pread64(fd, &c, 1, 4999), 1);
	cr_assert_eq(c, 'q');
	/* the tail of the cut block was zeroed */
	cr_assert_eq(rump_sys_pread64(fd, &c, 1, 5000), 1);
	cr_assert_eq(c, 0);
	cr_assert_eq(rump_sys_pread64(fd, &c, 1, 150000), 1);
	cr_assert_eq(c, 0);
	cr_assert_eq(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, 200000);
	cr_assert_eq(st.st_blocks, 5 * 2);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_truncate("/mnt/f", 0), 0);
	cr_assert_eq(freeblocks(), f0);
	umnt();
	leakcheck();
}

/*
 * Truncating inside the single-indirect range after reads mapped it, then
 * growing the file again (ftruncate): the freed blocks must read back as a hole, not
 * as their old contents (a stale copy of the leaf indirect block).
 */
Test(ext2fs, truncate_after_read_then_grow, .init = setup)
{
	static char buf[256 * 1024], got[8192];
	size_t i;
	int fd;

	memset(buf, 0xc8, sizeof(buf));
	put("/mnt/f", buf, sizeof(buf));
	fd = rump_sys_open("/mnt/f", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	/* map blocks of the indirect range */
	cr_assert_eq(rump_sys_pread64(fd, got, sizeof(got), 80 * 1024),
	    (ssize_t)sizeof(got));
	cr_assert_eq(rump_sys_ftruncate(fd, 84687), 0);
	cr_assert_eq(rump_sys_ftruncate(fd, 238231), 0);
	cr_assert_eq(rump_sys_pread64(fd, got, sizeof(got), 84687),
	    (ssize_t)sizeof(got));
	for (i = 0; i < sizeof(got); i++)
		cr_assert_eq(got[i], 0, "byte %zu is %#x", 84687 + i,
		    (unsigned char)got[i]);
	cr_assert_eq(rump_sys_close(fd), 0);
	umnt();
	leakcheck();
}

/*
 * A damaged image whose ".." entries form a loop (a/.. is b, b/.. is a):
 * a rename that must check ancestry ends with EUCLEAN, not an endless
 * walk, and the kernel goes on.
 */
Test(ext2fs, dotdot_loop_rename, .init = boot, .timeout = 60)
{
	char cmd[512];

	mkimage("-t ext2 -b 1024");
	snprintf(cmd, sizeof(cmd), "debugfs -w -f - %s >/dev/null 2>&1 <<'EOF'\n"
	    "mkdir a\nmkdir b\nmkdir c\n"
	    "unlink a/..\nlink b a/..\nunlink b/..\nlink a b/..\n"
	    "EOF", image);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	mnt("ext2fs", 0, NULL);
	errno = 0;
	cr_assert_eq(rump_sys_rename("/mnt/c", "/mnt/a/c"), -1);
	cr_assert_eq(errno, EUCLEAN, "errno %d", errno);
	/* the kernel still works */
	put("/mnt/ok", "x", 1);
	umnt();
}

Test(ext2fs, unlinked_open_file, .init = setup)
{
	static char buf[64 * 1024];
	uint64_t f0 = freeblocks();
	int fd;

	memset(buf, 7, sizeof(buf));
	put("/mnt/f", buf, sizeof(buf));
	fd = rump_sys_open("/mnt/f", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_unlink("/mnt/f"), 0);
	cr_assert_lt(freeblocks(), f0);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	cr_assert_eq(buf[sizeof(buf) - 1], 7);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(freeblocks(), f0);
	umnt();
	leakcheck();
}

Test(ext2fs, rename_forms, .init = setup)
{
	struct stat st, st2;

	cr_assert_eq(rump_sys_mkdir("/mnt/a", 0755), 0);
	cr_assert_eq(rump_sys_mkdir("/mnt/b", 0755), 0);
	cr_assert_eq(rump_sys_mkdir("/mnt/a/sub", 0755), 0);
	put("/mnt/a/f", "f", 1);
	put("/mnt/b/g", "g", 1);
	cr_assert_eq(rump_sys_rename("/mnt/a/sub", "/mnt/b/sub"), 0);
	cr_assert_eq(rump_sys_stat("/mnt/a", &st), 0);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_eq(rump_sys_stat("/mnt/b", &st), 0);
	cr_assert_eq(st.st_nlink, 3);
	cr_assert_eq(rump_sys_stat("/mnt/b/sub/..", &st2), 0);
	cr_assert_eq(st2.st_ino, st.st_ino);
	errno = 0;
	cr_assert_eq(rump_sys_renameat2(AT_FDCWD, "/mnt/a/f", AT_FDCWD,
	    "/mnt/b/g", RENAME_NOREPLACE), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(rump_sys_renameat2(AT_FDCWD, "/mnt/a/f", AT_FDCWD,
	    "/mnt/b/sub", RENAME_EXCHANGE), 0);
	cr_assert_eq(rump_sys_stat("/mnt/a/f", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(rump_sys_stat("/mnt/a", &st), 0);
	cr_assert_eq(st.st_nlink, 3);
	cr_assert_eq(rump_sys_rename("/mnt/b/g", "/mnt/b/sub"), 0);
	cr_assert_eq(rump_sys_stat("/mnt/b/g", &st), -1);
	cr_assert_eq(rump_sys_mkdir("/mnt/b/empty", 0755), 0);
	cr_assert_eq(rump_sys_rename("/mnt/a/f", "/mnt/b/empty"), 0);
	cr_assert_eq(rump_sys_stat("/mnt/b", &st), 0);
	cr_assert_eq(st.st_nlink, 3);
	umnt();
	leakcheck();
}

Test(ext2fs, links_and_symlinks, .init = setup)
{
	char target[1100], back[1100];
	struct stat st;

	put("/mnt/f", "x", 1);
	cr_assert_eq(rump_sys_link("/mnt/f", "/mnt/g"), 0);
	cr_assert_eq(rump_sys_stat("/mnt/f", &st), 0);
	cr_assert_eq(st.st_nlink, 2);
	memset(target, 'p', sizeof(target));
	target[1024] = '\0';
	errno = 0;
	cr_assert_eq(rump_sys_symlink(target, "/mnt/toolong"), -1);
	cr_assert_eq(errno, ENAMETOOLONG);
	target[1023] = '\0';
	cr_assert_eq(rump_sys_symlink(target, "/mnt/slow"), 0);
	cr_assert_eq(rump_sys_readlink("/mnt/slow", back, sizeof(back)), 1023);
	cr_assert_eq(memcmp(back, target, 1023), 0);
	cr_assert_eq(rump_sys_symlink("f", "/mnt/fast"), 0);
	cr_assert_eq(rump_sys_stat("/mnt/fast", &st), 0);
	cr_assert_eq(st.st_size, 1);
	cr_assert_eq(rump_sys_mknod("/mnt/c", S_IFCHR | 0600,
	    makedev(1000, 300000)), 0);
	cr_assert_eq(rump_sys_stat("/mnt/c", &st), 0);
	cr_assert_eq(major(st.st_rdev), 1000);
	cr_assert_eq(minor(st.st_rdev), 300000);
	umnt();
	leakcheck();
}

Test(ext2fs, enospc, .init = boot)
{
	static char buf[64 * 1024];
	ssize_t n;
	int fd;

	mkimage_sized("-t ext2 -b 1024 -m 0", "1M");
	mnt("ext2fs", 0, NULL);
	fd = rump_sys_open("/mnt/f", O_WRONLY | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	while ((n = rump_sys_write(fd, buf, sizeof(buf))) > 0)
		continue;
	cr_assert_eq(n, -1);
	cr_assert_eq(errno, ENOSPC);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(freeblocks(), 0);
	cr_assert_eq(rump_sys_unlink("/mnt/f"), 0);
	cr_assert_gt(freeblocks(), 800);
	umnt();
	leakcheck();
}

Test(ext2fs, readonly_and_remount, .init = boot)
{
	mkimage("-t ext2 -b 1024");
	mnt("ext2fs", 0, "ro");
	errno = 0;
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), -1);
	cr_assert_eq(errno, EROFS);
	cr_assert_eq(rump_sys_mount(NULL, "/mnt", NULL, MS_REMOUNT, NULL), 0,
	    "remount rw: %d", errno);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	cr_assert_eq(rump_sys_mount(NULL, "/mnt", NULL,
	    MS_REMOUNT | MS_RDONLY, NULL), 0);
	errno = 0;
	cr_assert_eq(rump_sys_rmdir("/mnt/d"), -1);
	cr_assert_eq(errno, EROFS);
	umnt();
	leakcheck();
}

Test(ext2fs, ext4_readonly, .init = boot)
{
	struct stat st;
	char buf[8];
	int fd;

	mkimage("-t ext4 -b 4096");
	mnt("ext4", 0, NULL);
	errno = 0;
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), -1);
	cr_assert_eq(errno, EROFS);
	cr_assert_eq(rump_sys_stat("/mnt/lost+found", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	fd = rump_sys_open("/mnt/lost+found", O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_gt(rump_sys_getdents64(fd, buf, sizeof(buf)) , -2);
	cr_assert_eq(rump_sys_close(fd), 0);
	umnt();
	leakcheck();
}

Test(ext2fs, many_files_one_dir, .init = setup)
{
	char name[64];
	struct stat st;
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "/mnt/a-rather-long-file-name-%d", i);
		put(name, name, 4);
	}
	for (i = 0; i < 3000; i += 2) {
		snprintf(name, sizeof(name), "/mnt/a-rather-long-file-name-%d", i);
		cr_assert_eq(rump_sys_unlink(name), 0);
	}
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "/mnt/a-rather-long-file-name-%d", i);
		cr_assert_eq(rump_sys_stat(name, &st), (i & 1) ? 0 : -1);
	}
	umnt();
	leakcheck();
}

/* Byte i of a test pattern, different per seed. */
static unsigned char
dpat(uint64_t i, unsigned seed)
{
	return (unsigned char)((i * 31 + i / 4093 + seed * 101) & 0xff);
}

static void
dfill(unsigned char *p, size_t len, uint64_t off, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = dpat(off + i, seed);
}

/*
 * Long reads and writes go around the buffer cache (one device I/O per
 * run of blocks that follow each other on disk).  They must agree with
 * the cached path: a direct read after a dirty partial write of the same
 * range returns the new bytes, a direct write replaces blocks the cache
 * held (clean ones, read before), holes read as zeros, reads stop at the
 * end of the file, and everything is on the disk after a remount.
 */
Test(ext2fs, direct_io_coherent, .init = boot)
{
	static unsigned char a[1 << 20], got[2 << 20];
	unsigned char small[4096];
	size_t i;
	int fd;

	mkimage("-t ext2 -b 4096");
	mnt("ext2fs", 0, NULL);
	dfill(a, sizeof(a), 0, 1);
	fd = rump_sys_open("/mnt/f", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_pwrite64(fd, a, sizeof(a), 0),
	    (ssize_t)sizeof(a));
	cr_assert_eq(rump_sys_pread64(fd, got, sizeof(a), 0),
	    (ssize_t)sizeof(a));
	cr_assert_eq(memcmp(got, a, sizeof(a)), 0);

	/* A partial write leaves a dirty block inside the long read. */
	memset(a + 300001, 'N', 100);
	cr_assert_eq(rump_sys_pwrite64(fd, a + 300001, 100, 300001), 100);
	cr_assert_eq(rump_sys_pread64(fd, got, sizeof(a), 0),
	    (ssize_t)sizeof(a));
	for (i = 0; i < sizeof(a); i++)
		cr_assert_eq(got[i], a[i], "byte %zu", i);

	/* Blocks read through the cache, then overwritten directly. */
	for (i = 0; i < 16; i++)
		cr_assert_eq(rump_sys_pread64(fd, small, 4096,
		    (off_t)(512 * 1024 + i * 4096)), 4096);
	dfill(a + 512 * 1024, 256 * 1024, 512 * 1024, 2);
	cr_assert_eq(rump_sys_pwrite64(fd, a + 512 * 1024, 256 * 1024,
	    512 * 1024), 256 * 1024);
	for (i = 0; i < 16; i++) {
		cr_assert_eq(rump_sys_pread64(fd, small, 4096,
		    (off_t)(512 * 1024 + i * 4096)), 4096);
		cr_assert_eq(memcmp(small, a + 512 * 1024 + i * 4096, 4096),
		    0, "block %zu is stale", i);
	}
	cr_assert_eq(rump_sys_close(fd), 0);

	/* Holes: data, a hole of 1 MiB, data; read in one call. */
	fd = rump_sys_open("/mnt/holes", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_pwrite64(fd, a, 65536, 0), 65536);
	cr_assert_eq(rump_sys_pwrite64(fd, a, 65536, (1 << 20) + 65536),
	    65536);
	memset(got, 'x', sizeof(got));
	cr_assert_eq(rump_sys_pread64(fd, got, sizeof(got), 0),
	    (1 << 20) + 131072);
	cr_assert_eq(memcmp(got, a, 65536), 0);
	for (i = 65536; i < (1 << 20) + 65536; i++)
		cr_assert_eq(got[i], 0, "hole byte %zu", i);
	cr_assert_eq(memcmp(got + (1 << 20) + 65536, a, 65536), 0);
	cr_assert_eq(rump_sys_close(fd), 0);

	/* The end of the file: short reads, then nothing. */
	fd = rump_sys_open("/mnt/tail", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_pwrite64(fd, a, 100000, 0), 100000);
	cr_assert_eq(rump_sys_pread64(fd, got, sizeof(got), 0), 100000);
	cr_assert_eq(memcmp(got, a, 100000), 0);
	cr_assert_eq(rump_sys_pread64(fd, got, 65536, 98304), 1696);
	cr_assert_eq(memcmp(got, a + 98304, 1696), 0);
	cr_assert_eq(rump_sys_pread64(fd, got, 65536, 100000), 0);
	cr_assert_eq(rump_sys_pread64(fd, got, 65536, 1 << 20), 0);
	cr_assert_eq(rump_sys_close(fd), 0);

	/* All of it from the disk. */
	umnt();
	mnt("ext2fs", 0, NULL);
	fd = rump_sys_open("/mnt/f", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_pread64(fd, got, sizeof(got), 0),
	    (ssize_t)sizeof(a));
	for (i = 0; i < sizeof(a); i++)
		cr_assert_eq(got[i], a[i], "byte %zu after remount", i);
	cr_assert_eq(rump_sys_close(fd), 0);
	umnt();
	leakcheck();
}

/*
 * A block pointer out of range in the middle of a long read: the read
 * gives what comes before it or fails with EUCLEAN/EIO, the block itself
 * fails, and the kernel goes on.
 */
Test(ext2fs, direct_read_bad_pointer, .init = boot)
{
	static unsigned char a[128 * 1024], got[128 * 1024];
	char cmd[512];
	ssize_t n;
	int fd;

	mkimage("-t ext2 -b 4096");
	mnt("ext2fs", 0, NULL);
	dfill(a, sizeof(a), 0, 3);
	put("/mnt/f", a, sizeof(a));
	umnt();
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'sif /f block[9] "
	    "0x7ffffff0' %s >/dev/null 2>&1", image);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	mnt("ext2fs", 0, NULL);
	fd = rump_sys_open("/mnt/f", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	errno = 0;
	n = rump_sys_pread64(fd, got, sizeof(got), 0);
	if (n < 0)
		cr_assert(errno == EUCLEAN || errno == EIO, "errno %d", errno);
	else
		cr_assert_eq(n, 9 * 4096, "read %zd", n);
	if (n > 0)
		cr_assert_eq(memcmp(got, a, (size_t)n), 0);
	errno = 0;
	cr_assert_eq(rump_sys_pread64(fd, got, 4096, 9 * 4096), -1);
	cr_assert(errno == EUCLEAN || errno == EIO, "errno %d", errno);
	/* the blocks after it are still there */
	cr_assert_eq(rump_sys_pread64(fd, got, 8192, 10 * 4096), 8192);
	cr_assert_eq(memcmp(got, a + 10 * 4096, 8192), 0);
	cr_assert_eq(rump_sys_close(fd), 0);
	put("/mnt/ok", "x", 1);
	umnt();
}

/*
 * RUMP_FIOEXTENT: where a file's bytes lie on the device.  The bytes the
 * image holds at the answer are the file's (read from the host file
 * here); a run stops at the end of the file (with RUMP_EXTENT_EOF), at a
 * hole (nothing), and before a block the cache holds newer; the mapping
 * generation changes when a truncation frees blocks; refusals.
 */
Test(ext2fs, extent_ioctl, .init = boot)
{
	static unsigned char a[300000], got[300000];
	struct rump_extent rx;
	uint64_t gen;
	int fd, hfd;

	mkimage("-t ext2 -b 4096");
	mnt("ext2fs", 0, NULL);
	dfill(a, sizeof(a), 0, 4);
	put("/mnt/f", a, sizeof(a));
	fd = rump_sys_open("/mnt/f", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_fsync(fd), 0);

	memset(&rx, 0, sizeof(rx));
	rx.rx_offset = 1000;
	rx.rx_length = 1 << 20;
	rx.rx_flags = RUMP_EXTENT_READ;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0, "%d", errno);
	/* the 12 direct blocks, then the indirect block sits between */
	cr_assert_eq(rx.rx_length, 12 * 4096 - 1000, "run %llu",
	    (unsigned long long)rx.rx_length);
	cr_assert_eq(rx.rx_flags & RUMP_EXTENT_EOF, 0);
	gen = rx.rx_gen;
	hfd = open(image, O_RDONLY);
	cr_assert_geq(hfd, 0);
	cr_assert_eq(pread(hfd, got, rx.rx_length, (off_t)rx.rx_devoff),
	    (ssize_t)rx.rx_length);
	cr_assert_eq(memcmp(got, a + 1000, rx.rx_length), 0);
	rx.rx_offset = 12 * 4096;
	rx.rx_length = 1 << 20;
	rx.rx_flags = 0;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0);
	cr_assert_eq(rx.rx_length, sizeof(a) - 12 * 4096);
	cr_assert(rx.rx_flags & RUMP_EXTENT_EOF);
	cr_assert_eq(pread(hfd, got, rx.rx_length, (off_t)rx.rx_devoff),
	    (ssize_t)rx.rx_length);
	cr_assert_eq(memcmp(got, a + 12 * 4096, rx.rx_length), 0);

	/* A block made dirty ends the run before it. */
	cr_assert_eq(rump_sys_pwrite64(fd, "new", 3, 20000), 3);
	memset(&rx, 0, sizeof(rx));
	rx.rx_length = sizeof(a);
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0);
	cr_assert_eq(rx.rx_length, 16384, "run %llu",
	    (unsigned long long)rx.rx_length);
	cr_assert_eq(rx.rx_flags & RUMP_EXTENT_EOF, 0);
	rx.rx_offset = 16384;
	rx.rx_length = 100;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0);
	cr_assert_eq(rx.rx_length, 0);
	cr_assert_eq(rump_sys_fsync(fd), 0);
	rx.rx_length = 100;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0);
	cr_assert_eq(rx.rx_length, 100);

	/* Past the end, and a hole. */
	rx.rx_offset = sizeof(a);
	rx.rx_length = 100;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0);
	cr_assert_eq(rx.rx_length, 0);
	cr_assert(rx.rx_flags & RUMP_EXTENT_EOF);
	cr_assert_eq(rump_sys_ftruncate(fd, 1 << 20), 0);
	rx.rx_offset = 512 * 1024;
	rx.rx_length = 100;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0);
	cr_assert_eq(rx.rx_length, 0);
	cr_assert_eq(rx.rx_gen, gen, "growing frees nothing");

	/* Shrinking frees blocks: a new generation. */
	cr_assert_eq(rump_sys_ftruncate(fd, 5000), 0);
	rx.rx_offset = 0;
	rx.rx_length = 0;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0);
	cr_assert_neq(rx.rx_gen, gen);

	/* Refusals. */
	rx.rx_offset = -1;
	errno = 0;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), -1);
	cr_assert_eq(errno, EINVAL);
	rx.rx_offset = 0;
	rx.rx_flags = 0x100;
	errno = 0;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_close(fd), 0);
	rx.rx_flags = 0;
	fd = rump_sys_open("/mnt/f", O_WRONLY, 0);
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), 0,
	    "a writer may ask where: %d", errno);
	rx.rx_flags = RUMP_EXTENT_READ;
	errno = 0;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), -1);
	cr_assert_eq(errno, EBADF);
	rx.rx_flags = 0;
	cr_assert_eq(rump_sys_close(fd), 0);
	fd = rump_sys_open("/mnt", O_RDONLY | O_DIRECTORY, 0);
	errno = 0;
	cr_assert_eq(rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx), -1);
	cr_assert_eq(errno, EISDIR);
	cr_assert_eq(rump_sys_close(fd), 0);
	close(hfd);
	umnt();
	leakcheck();
}
