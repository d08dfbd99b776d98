/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_tmpfs.c: tests of tmpfs (sys/fs/tmpfs) through the system calls.
 *
 * Each case boots its own kernel (the root file system is a tmpfs) and
 * mostly works on a second tmpfs mounted at /mnt with the options under
 * test: limits (size=, nr_inodes=, the kernel memory limit), the root's
 * mode and owner, sparse files and SEEK_DATA/SEEK_HOLE, files beyond
 * 4 GiB, links, rename, timestamps, large directories, readdir while
 * the directory changes (and seeking to its cookies), and threads changing
 * one directory at once.  Cases end by checking that the kernel's memory
 * use is back near where it started.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define TMPFS_MAGIC_VAL 0x01021994
/* Memory the kernel may keep after a case (name cache, vnode cache). */
#define LEAK_SLACK (256 * 1024)

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

static void
mount_tmpfs(const char *opts)
{
	cr_assert_eq(rump_sys_mkdir("/mnt", 0755), 0, "mkdir: %d", errno);
	cr_assert_eq(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, opts), 0,
	    "mount %s: %d", opts != NULL ? opts : "", errno);
}

static void
unmount_tmpfs(void)
{
	cr_assert_eq(rump_sys_umount2("/mnt", 0), 0, "umount: %d", errno);
}

static int
create(const char *path)
{
	int fd = rump_sys_open(path, O_RDWR | O_CREAT | O_EXCL, 0644);

	cr_assert_geq(fd, 0, "create %s: %d", path, errno);
	return fd;
}

static void
touch(const char *path)
{
	cr_assert_eq(rump_sys_close(create(path)), 0);
}

static struct stat
xstat(const char *path)
{
	struct stat sb;

	cr_assert_eq(rump_sys_lstat(path, &sb), 0, "stat %s: %d", path, errno);
	return sb;
}

static void
check_leaks(uint64_t base)
{
	uint64_t now = rump_kmem_inuse();

	cr_expect_leq(now, base + LEAK_SLACK,
	    "kmem in use %llu, was %llu", (unsigned long long)now,
	    (unsigned long long)base);
}

Test(tmpfs, root_mode_owner_statfs)
{
	struct statfs sf;
	struct stat sb;

	boot();
	cr_assert_eq(rump_sys_mkdir("/mnt", 0755), 0);
	cr_assert_eq(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0,
	    "size=2m,nr_inodes=100,mode=0750,uid=123,gid=456"), 0, "%d", errno);
	sb = xstat("/mnt");
	cr_assert_eq(sb.st_mode, S_IFDIR | 0750, "mode %o", sb.st_mode);
	cr_assert_eq(sb.st_uid, 123);
	cr_assert_eq(sb.st_gid, 456);
	cr_assert_eq(sb.st_nlink, 2);

	cr_assert_eq(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert_eq(sf.f_type, TMPFS_MAGIC_VAL);
	cr_assert_eq(sf.f_bsize, 4096);
	cr_assert_eq(sf.f_blocks, 512);
	cr_assert_eq(sf.f_bfree, 512);
	cr_assert_eq(sf.f_files, 100);
	cr_assert_eq(sf.f_ffree, 99);
	unmount_tmpfs();

	cr_assert_eq(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, "bogus=1"),
	    -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, "mode=99"),
	    -1);
	cr_assert_eq(errno, EINVAL);

	cr_assert_eq(rump_sys_statfs("/", &sf), 0);
	cr_assert_eq(sf.f_type, TMPFS_MAGIC_VAL, "the root is a tmpfs");
}

Test(tmpfs, size_limit)
{
	static char buf[64 * 1024];
	struct statfs sf;
	uint64_t base;
	ssize_t n, total = 0;
	int fd;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs("size=1m");
	memset(buf, 'x', sizeof(buf));
	fd = create("/mnt/f");
	for (;;) {
		n = rump_sys_write(fd, buf, sizeof(buf));
		if (n < 0)
			break;
		total += n;
		cr_assert_leq(total, 1024 * 1024);
	}
	cr_assert_eq(errno, ENOSPC, "errno %d", errno);
	cr_assert_eq(total, 1024 * 1024, "wrote %zd", total);
	cr_assert_eq(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert_eq(sf.f_blocks, 256);
	cr_assert_eq(sf.f_bfree, 0);
	cr_assert_eq(rump_sys_fallocate(fd, 0, 2 << 20, 4096), -1);
	cr_assert_eq(errno, ENOSPC);

	cr_assert_eq(rump_sys_ftruncate(fd, 512 * 1024), 0);
	cr_assert_eq(rump_sys_pwrite64(fd, buf, sizeof(buf), 600 * 1024),
	    (ssize_t)sizeof(buf), "after truncate: %d", errno);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_unlink("/mnt/f"), 0);
	cr_assert_eq(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert_eq(sf.f_bfree, 256);
	unmount_tmpfs();
	check_leaks(base);
}

Test(tmpfs, nr_inodes_limit)
{
	char path[64];
	int i;

	boot();
	mount_tmpfs("nr_inodes=10");
	for (i = 0; i < 9; i++) {
		snprintf(path, sizeof(path), "/mnt/f%d", i);
		touch(path);
	}
	cr_assert_eq(rump_sys_open("/mnt/x", O_RDWR | O_CREAT, 0644), -1);
	cr_assert_eq(errno, ENOSPC);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), -1);
	cr_assert_eq(errno, ENOSPC);
	cr_assert_eq(rump_sys_symlink("target", "/mnt/l"), -1);
	cr_assert_eq(errno, ENOSPC);
	cr_assert_eq(rump_sys_unlink("/mnt/f0"), 0);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
}

Test(tmpfs, sparse_seek_hole)
{
	static char page[4096];
	struct stat sb;
	uint64_t base;
	int fd;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs(NULL);
	memset(page, 'a', sizeof(page));
	fd = create("/mnt/sparse");
	cr_assert_eq(rump_sys_pwrite64(fd, page, 4096, 0), 4096);
	cr_assert_eq(rump_sys_pwrite64(fd, page, 4096, 1 << 20), 4096);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	cr_assert_eq(sb.st_size, (1 << 20) + 4096);
	cr_assert_eq(sb.st_blocks, 2 * 8, "blocks %lld", (long long)sb.st_blocks);

	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_DATA), 0);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_HOLE), 4096);
	cr_assert_eq(rump_sys_lseek(fd, 100, SEEK_HOLE), 4096);
	cr_assert_eq(rump_sys_lseek(fd, 4096, SEEK_DATA), 1 << 20);
	cr_assert_eq(rump_sys_lseek(fd, 5000, SEEK_DATA), 1 << 20);
	cr_assert_eq(rump_sys_lseek(fd, 1 << 20, SEEK_HOLE), (1 << 20) + 4096);
	cr_assert_eq(rump_sys_lseek(fd, (1 << 20) + 4096, SEEK_DATA), -1);
	cr_assert_eq(errno, ENXIO);

	/* Holes read as zeros. */
	memset(page, 'z', sizeof(page));
	cr_assert_eq(rump_sys_pread64(fd, page, 100, 8192), 100);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(page[i], 0);

	/* Punching a hole frees the page. */
	cr_assert_eq(rump_sys_fallocate(fd,
	    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_DATA), 1 << 20);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	cr_assert_eq(sb.st_blocks, 8);
	cr_assert_eq(sb.st_size, (1 << 20) + 4096);
	/* Partial punch zeroes. */
	cr_assert_eq(rump_sys_fallocate(fd,
	    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (1 << 20) + 10, 10), 0);
	cr_assert_eq(rump_sys_pread64(fd, page, 30, (1 << 20)), 30);
	cr_assert_eq(page[9], 'a');
	cr_assert_eq(page[10], 0);
	cr_assert_eq(page[19], 0);
	cr_assert_eq(page[20], 'a');

	/* fallocate allocates and extends; KEEP_SIZE does not extend. */
	cr_assert_eq(rump_sys_fallocate(fd, 0, 2 << 20, 8192), 0);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	cr_assert_eq(sb.st_size, (2 << 20) + 8192);
	cr_assert_eq(rump_sys_lseek(fd, (1 << 20) + 4096, SEEK_DATA), 2 << 20);
	cr_assert_eq(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 3 << 20,
	    4096), 0);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	cr_assert_eq(sb.st_size, (2 << 20) + 8192);
	cr_assert_eq(sb.st_blocks, 4 * 8);
	cr_assert_eq(rump_sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), -1);
	cr_assert_eq(errno, EOPNOTSUPP);
	cr_assert_eq(rump_sys_fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096), -1);
	cr_assert_eq(errno, EOPNOTSUPP);

	/* Truncation frees, and extending again shows zeros. */
	cr_assert_eq(rump_sys_ftruncate(fd, (1 << 20) + 5), 0);
	cr_assert_eq(rump_sys_ftruncate(fd, (1 << 20) + 4096), 0);
	cr_assert_eq(rump_sys_pread64(fd, page, 10, (1 << 20)), 10);
	cr_assert_eq(page[4], 'a');
	cr_assert_eq(page[5], 0);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	cr_assert_eq(sb.st_blocks, 8);

	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_unlink("/mnt/sparse"), 0);
	unmount_tmpfs();
	check_leaks(base);
}

Test(tmpfs, file_beyond_4g)
{
	const off_t off = 5LL << 30;
	char buf[16];
	struct stat sb;
	int fd;

	boot();
	mount_tmpfs(NULL);
	fd = create("/mnt/big");
	cr_assert_eq(rump_sys_pwrite64(fd, "hello", 5, off), 5, "%d", errno);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	cr_assert_eq(sb.st_size, off + 5);
	cr_assert_leq(sb.st_blocks, 8);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), off), 5);
	cr_assert_str_eq(buf, "hello");
	memset(buf, 'q', sizeof(buf));
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 4LL << 30), 16);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_DATA), off - (off % 4096));
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_HOLE), 0);
	cr_assert_eq(rump_sys_close(fd), 0);
}

Test(tmpfs, links_and_nlink)
{
	struct stat a, b;
	uint64_t base;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs(NULL);
	touch("/mnt/a");
	cr_assert_eq(rump_sys_link("/mnt/a", "/mnt/b"), 0);
	a = xstat("/mnt/a");
	b = xstat("/mnt/b");
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(a.st_nlink, 2);
	cr_assert_eq(rump_sys_link("/mnt/a", "/mnt/b"), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(rump_sys_unlink("/mnt/a"), 0);
	cr_assert_eq(xstat("/mnt/b").st_nlink, 1);

	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	cr_assert_eq(xstat("/mnt").st_nlink, 3);
	cr_assert_eq(xstat("/mnt/d").st_nlink, 2);
	cr_assert_eq(rump_sys_link("/mnt/d", "/mnt/d2"), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_mkdir("/mnt/d/e", 0755), 0);
	cr_assert_eq(xstat("/mnt/d").st_nlink, 3);
	cr_assert_eq(xstat("/mnt/d/..").st_ino, xstat("/mnt").st_ino);
	cr_assert_eq(rump_sys_rmdir("/mnt/d"), -1);
	cr_assert_eq(errno, ENOTEMPTY);
	cr_assert_eq(rump_sys_rmdir("/mnt/d/e"), 0);
	cr_assert_eq(rump_sys_rmdir("/mnt/d"), 0);
	cr_assert_eq(xstat("/mnt").st_nlink, 2);
	cr_assert_eq(rump_sys_unlink("/mnt/b"), 0);
	unmount_tmpfs();
	check_leaks(base);
}

Test(tmpfs, symlinks_and_nodes)
{
	char target[300], buf[400];
	struct stat sb;

	boot();
	mount_tmpfs(NULL);
	cr_assert_eq(rump_sys_symlink("short", "/mnt/s"), 0);
	memset(target, 't', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	target[0] = '/';
	cr_assert_eq(rump_sys_symlink(target, "/mnt/l"), 0);
	cr_assert_eq(rump_sys_readlink("/mnt/s", buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "short", 5), 0);
	cr_assert_eq(rump_sys_readlink("/mnt/l", buf, sizeof(buf)),
	    (ssize_t)strlen(target));
	cr_assert_eq(memcmp(buf, target, strlen(target)), 0);
	sb = xstat("/mnt/l");
	cr_assert(S_ISLNK(sb.st_mode));
	cr_assert_eq(sb.st_size, (off_t)strlen(target));

	cr_assert_eq(rump_sys_mknod("/mnt/fifo", S_IFIFO | 0600, 0), 0);
	cr_assert(S_ISFIFO(xstat("/mnt/fifo").st_mode));
	cr_assert_eq(rump_sys_mknod("/mnt/chr", S_IFCHR | 0600,
	    (1 << 8) | 3), 0, "%d", errno);
	sb = xstat("/mnt/chr");
	cr_assert(S_ISCHR(sb.st_mode));
	cr_assert_eq(sb.st_rdev, (dev_t)((1 << 8) | 3));
}

Test(tmpfs, rename_cases)
{
	struct stat sb, d;
	uint64_t base;
	int fd;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs(NULL);
	fd = create("/mnt/f");
	cr_assert_eq(rump_sys_write(fd, "one", 3), 3);
	cr_assert_eq(rump_sys_close(fd), 0);
	touch("/mnt/g");
	sb = xstat("/mnt/f");

	/* Replace a file. */
	cr_assert_eq(rump_sys_rename("/mnt/f", "/mnt/g"), 0);
	cr_assert_eq(xstat("/mnt/g").st_ino, sb.st_ino);
	cr_assert_eq(rump_sys_access("/mnt/f", F_OK), -1);

	/* Directories: move to another parent, replace an empty one. */
	cr_assert_eq(rump_sys_mkdir("/mnt/a", 0755), 0);
	cr_assert_eq(rump_sys_mkdir("/mnt/b", 0755), 0);
	cr_assert_eq(rump_sys_mkdir("/mnt/a/d", 0755), 0);
	cr_assert_eq(xstat("/mnt/a").st_nlink, 3);
	cr_assert_eq(rump_sys_rename("/mnt/a/d", "/mnt/b/d"), 0);
	cr_assert_eq(xstat("/mnt/a").st_nlink, 2);
	cr_assert_eq(xstat("/mnt/b").st_nlink, 3);
	cr_assert_eq(xstat("/mnt/b/d/..").st_ino, xstat("/mnt/b").st_ino);
	cr_assert_eq(rump_sys_mkdir("/mnt/a/e", 0755), 0);
	cr_assert_eq(rump_sys_rename("/mnt/b/d", "/mnt/a/e"), 0);
	cr_assert_eq(xstat("/mnt/a").st_nlink, 3);
	cr_assert_eq(xstat("/mnt/b").st_nlink, 2);
	cr_assert_eq(xstat("/mnt/a/e/..").st_ino, xstat("/mnt/a").st_ino);

	/* Type mismatches and non-empty targets. */
	cr_assert_eq(rump_sys_rename("/mnt/a/e", "/mnt/g"), -1);
	cr_assert_eq(errno, ENOTDIR);
	cr_assert_eq(rump_sys_rename("/mnt/g", "/mnt/a"), -1);
	cr_assert_eq(errno, EISDIR);
	touch("/mnt/a/e/x");
	cr_assert_eq(rump_sys_rename("/mnt/b", "/mnt/a/e"), -1);
	cr_assert_eq(errno, ENOTEMPTY);

	/* RENAME_NOREPLACE and RENAME_EXCHANGE (a file and a directory). */
	cr_assert_eq(rump_sys_renameat2(AT_FDCWD, "/mnt/g", AT_FDCWD,
	    "/mnt/a/e/x", RENAME_NOREPLACE), -1);
	cr_assert_eq(errno, EEXIST);
	sb = xstat("/mnt/g");
	d = xstat("/mnt/a/e");
	cr_assert_eq(rump_sys_renameat2(AT_FDCWD, "/mnt/g", AT_FDCWD,
	    "/mnt/a/e", RENAME_EXCHANGE), 0, "%d", errno);
	cr_assert_eq(xstat("/mnt/g").st_ino, d.st_ino);
	cr_assert_eq(xstat("/mnt/a/e").st_ino, sb.st_ino);
	cr_assert_eq(xstat("/mnt/a").st_nlink, 2);
	cr_assert_eq(xstat("/mnt").st_nlink, 5);
	cr_assert_eq(xstat("/mnt/g/..").st_ino, xstat("/mnt").st_ino);
	cr_assert_eq(rump_sys_access("/mnt/g/x", F_OK), 0);

	/* Rename to the same file is a no-op. */
	cr_assert_eq(rump_sys_link("/mnt/a/e", "/mnt/h"), 0);
	cr_assert_eq(rump_sys_rename("/mnt/h", "/mnt/a/e"), 0);
	cr_assert_eq(xstat("/mnt/h").st_nlink, 2);

	cr_assert_eq(rump_sys_unlink("/mnt/h"), 0);
	cr_assert_eq(rump_sys_unlink("/mnt/a/e"), 0);
	cr_assert_eq(rump_sys_unlink("/mnt/g/x"), 0);
	cr_assert_eq(rump_sys_rmdir("/mnt/g"), 0);
	cr_assert_eq(rump_sys_rmdir("/mnt/a"), 0);
	cr_assert_eq(rump_sys_rmdir("/mnt/b"), 0);
	cr_assert_eq(xstat("/mnt").st_nlink, 2);
	unmount_tmpfs();
	check_leaks(base);
}

static int
tscmp(struct timespec a, struct timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? -1 : 1;
	if (a.tv_nsec != b.tv_nsec)
		return a.tv_nsec < b.tv_nsec ? -1 : 1;
	return 0;
}

/* Put every timestamp of path in the past (ctime becomes now). */
static void
age(const char *path)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };

	cr_assert_eq(rump_sys_utimensat(AT_FDCWD, path, old,
	    AT_SYMLINK_NOFOLLOW), 0, "utimensat %s: %d", path, errno);
	usleep(2000);
}

#define OLD(ts) ((ts).tv_sec == 1000)

Test(tmpfs, timestamps)
{
	struct stat before, after, dir;
	char c;
	int fd;

	boot();
	mount_tmpfs(NULL);
	fd = create("/mnt/f");
	cr_assert_eq(rump_sys_write(fd, "x", 1), 1);

	/* read: atime only */
	age("/mnt/f");
	before = xstat("/mnt/f");
	cr_assert_eq(rump_sys_pread64(fd, &c, 1, 0), 1);
	after = xstat("/mnt/f");
	cr_assert(!OLD(after.st_atim));
	cr_assert(OLD(after.st_mtim));
	cr_assert_eq(tscmp(after.st_ctim, before.st_ctim), 0);

	/* write: mtime and ctime, not atime */
	age("/mnt/f");
	before = xstat("/mnt/f");
	cr_assert_eq(rump_sys_pwrite64(fd, "y", 1, 0), 1);
	after = xstat("/mnt/f");
	cr_assert(OLD(after.st_atim));
	cr_assert(!OLD(after.st_mtim));
	cr_assert_gt(tscmp(after.st_ctim, before.st_ctim), 0);

	/* chmod: ctime only */
	age("/mnt/f");
	before = xstat("/mnt/f");
	cr_assert_eq(rump_sys_chmod("/mnt/f", 0600), 0);
	after = xstat("/mnt/f");
	cr_assert(OLD(after.st_atim) && OLD(after.st_mtim));
	cr_assert_gt(tscmp(after.st_ctim, before.st_ctim), 0);

	/* link: ctime of the file, mtime and ctime of the directory */
	age("/mnt/f");
	age("/mnt");
	before = xstat("/mnt/f");
	dir = xstat("/mnt");
	cr_assert_eq(rump_sys_link("/mnt/f", "/mnt/g"), 0);
	after = xstat("/mnt/f");
	cr_assert(OLD(after.st_mtim));
	cr_assert_gt(tscmp(after.st_ctim, before.st_ctim), 0);
	cr_assert(!OLD(xstat("/mnt").st_mtim));
	cr_assert_gt(tscmp(xstat("/mnt").st_ctim, dir.st_ctim), 0);

	/* rename: ctime of the file, both directories' mtime */
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	age("/mnt/d");
	age("/mnt/f");
	age("/mnt");
	before = xstat("/mnt/f");
	cr_assert_eq(rump_sys_rename("/mnt/g", "/mnt/d/g"), 0);
	after = xstat("/mnt/d/g");
	cr_assert(OLD(after.st_mtim));
	cr_assert_gt(tscmp(after.st_ctim, before.st_ctim), 0);
	cr_assert(!OLD(xstat("/mnt").st_mtim));
	cr_assert(!OLD(xstat("/mnt/d").st_mtim));

	/* unlink: the remaining link's ctime, the directory's mtime */
	age("/mnt/f");
	age("/mnt/d");
	before = xstat("/mnt/f");
	cr_assert_eq(rump_sys_unlink("/mnt/d/g"), 0);
	after = xstat("/mnt/f");
	cr_assert_eq(after.st_nlink, 1);
	cr_assert(OLD(after.st_mtim));
	cr_assert_gt(tscmp(after.st_ctim, before.st_ctim), 0);
	cr_assert(!OLD(xstat("/mnt/d").st_mtim));

	/* readdir: the directory's atime */
	age("/mnt/d");
	{
		char buf[1024];
		int dfd = rump_sys_open("/mnt/d", O_RDONLY | O_DIRECTORY, 0);

		cr_assert_geq(dfd, 0);
		cr_assert_gt(rump_sys_getdents64(dfd, buf, sizeof(buf)), 0);
		cr_assert_eq(rump_sys_close(dfd), 0);
	}
	cr_assert(!OLD(xstat("/mnt/d").st_atim));
	cr_assert(OLD(xstat("/mnt/d").st_mtim));

	/* truncate: mtime and ctime */
	age("/mnt/f");
	cr_assert_eq(rump_sys_ftruncate(fd, 0), 0);
	cr_assert(!OLD(xstat("/mnt/f").st_mtim));
	cr_assert_eq(rump_sys_close(fd), 0);
}

/* The layout of a getdents64 record (struct linux_dirent64). */
struct dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

#define NBIG 100000

Test(tmpfs, big_directory, .timeout = 120)
{
	static char buf[64 * 1024];
	static unsigned char seen[NBIG];
	char path[64];
	uint64_t base;
	ssize_t n;
	int i, fd, ndots = 0, nent = 0;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs(NULL);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	for (i = 0; i < NBIG; i++) {
		snprintf(path, sizeof(path), "/mnt/d/file%d", i);
		fd = rump_sys_open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
		cr_assert_geq(fd, 0, "create %s: %d", path, errno);
		rump_sys_close(fd);
	}
	for (i = 0; i < NBIG; i += 7) {
		snprintf(path, sizeof(path), "/mnt/d/file%d", i);
		cr_assert_eq(rump_sys_access(path, F_OK), 0, "%s", path);
	}
	cr_assert_eq(rump_sys_access("/mnt/d/file100000", F_OK), -1);

	fd = rump_sys_open("/mnt/d", O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64_hdr *d = (void *)(buf + off);

			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0) {
				ndots++;
			} else {
				cr_assert_eq(strncmp(d->d_name, "file", 4), 0);
				i = atoi(d->d_name + 4);
				cr_assert(i >= 0 && i < NBIG);
				cr_assert_eq(seen[i], 0, "%s twice", d->d_name);
				cr_assert_eq(d->d_type, DT_REG);
				seen[i] = 1;
				nent++;
			}
			off += d->d_reclen;
		}
	}
	cr_assert_eq(n, 0, "getdents: %d", errno);
	cr_assert_eq(ndots, 2);
	cr_assert_eq(nent, NBIG);
	cr_assert_eq(rump_sys_close(fd), 0);

	for (i = 0; i < NBIG; i++) {
		snprintf(path, sizeof(path), "/mnt/d/file%d", i);
		cr_assert_eq(rump_sys_unlink(path), 0, "unlink %s: %d", path,
		    errno);
	}
	cr_assert_eq(rump_sys_rmdir("/mnt/d"), 0);
	unmount_tmpfs();
	check_leaks(base);
}

#define NSTABLE 2000

Test(tmpfs, readdir_while_removing)
{
	static unsigned char seen[NSTABLE * 2], gone[NSTABLE * 2];
	char buf[1024], path[64];
	ssize_t n;
	int i, fd, round = 0, added = NSTABLE;

	boot();
	mount_tmpfs(NULL);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	for (i = 0; i < NSTABLE; i++) {
		snprintf(path, sizeof(path), "/mnt/d/%d", i);
		touch(path);
	}
	srand(42);
	fd = rump_sys_open("/mnt/d", O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64_hdr *d = (void *)(buf + off);

			off += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			i = atoi(d->d_name);
			cr_assert_eq(seen[i], 0, "%s seen twice", d->d_name);
			cr_assert_eq(gone[i], 0, "%s seen after removal",
			    d->d_name);
			seen[i] = 1;
		}
		/* Remove a few unseen entries and a seen one, add one. */
		for (int k = 0; k < 8; k++) {
			i = rand() % NSTABLE;
			if (gone[i])
				continue;
			snprintf(path, sizeof(path), "/mnt/d/%d", i);
			cr_assert_eq(rump_sys_unlink(path), 0);
			gone[i] = 1;
		}
		if (added < NSTABLE * 2) {
			snprintf(path, sizeof(path), "/mnt/d/%d", added++);
			touch(path);
		}
		round++;
	}
	cr_assert_eq(n, 0);
	cr_assert_gt(round, 10);
	for (i = 0; i < NSTABLE; i++) {
		if (!gone[i])
			cr_assert_eq(seen[i], 1, "entry %d never seen", i);
	}
	cr_assert_eq(rump_sys_close(fd), 0);
}

Test(tmpfs, unlinked_open_file)
{
	char buf[8];
	uint64_t base;
	int fd;

	boot();
	mount_tmpfs(NULL);
	base = rump_kmem_inuse();
	fd = create("/mnt/f");
	cr_assert_eq(rump_sys_write(fd, "data", 4), 4);
	cr_assert_eq(rump_sys_unlink("/mnt/f"), 0);
	cr_assert_eq(rump_sys_pread64(fd, buf, 4, 0), 4);
	cr_assert_eq(memcmp(buf, "data", 4), 0);
	cr_assert_eq(rump_sys_umount2("/mnt", 0), -1);
	cr_assert_eq(errno, EBUSY);
	cr_assert_eq(rump_sys_close(fd), 0);
	check_leaks(base);
	unmount_tmpfs();
}

Test(tmpfs, memory_limit)
{
	static char buf[256 * 1024];
	uint64_t base;
	ssize_t n, total = 0;
	int fd;

	cr_assert_eq(setenv("RUMP_MEMLIMIT", "16m", 1), 0);
	boot();
	base = rump_kmem_inuse();
	memset(buf, 'm', sizeof(buf));
	fd = create("/big");
	for (;;) {
		n = rump_sys_write(fd, buf, sizeof(buf));
		if (n < 0)
			break;
		total += n;
		cr_assert_leq(total, 16 << 20, "wrote past the limit");
	}
	cr_assert(errno == ENOSPC || errno == ENOMEM, "errno %d", errno);
	cr_assert_gt(total, 4 << 20, "only %zd bytes", total);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_unlink("/big"), 0);

	fd = create("/small");
	cr_assert_eq(rump_sys_write(fd, buf, 8192), 8192, "%d", errno);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_unlink("/small"), 0);
	check_leaks(base);
}

Test(tmpfs, leak_check)
{
	static char buf[100000];
	char path[64];
	uint64_t base;
	int i, fd;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs(NULL);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/mnt/d/f%d", i);
		fd = create(path);
		cr_assert_eq(rump_sys_pwrite64(fd, buf, sizeof(buf), i * 4096),
		    (ssize_t)sizeof(buf));
		cr_assert_eq(rump_sys_close(fd), 0);
		snprintf(path, sizeof(path), "/mnt/d/l%d", i);
		cr_assert_eq(rump_sys_symlink(i % 2 ? "x" :
		    "a-rather-long-symlink-target-that-does-not-fit-inline-at-all",
		    path), 0);
	}
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/mnt/d/f%d", i);
		cr_assert_eq(rump_sys_unlink(path), 0);
		snprintf(path, sizeof(path), "/mnt/d/l%d", i);
		cr_assert_eq(rump_sys_unlink(path), 0);
	}
	cr_assert_eq(rump_sys_rmdir("/mnt/d"), 0);
	check_leaks(base);
	unmount_tmpfs();
	check_leaks(base);
}

Test(tmpfs, unmount_frees_everything)
{
	static char buf[32768];
	char path[64];
	uint64_t base;
	int i, fd;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs("size=10m");
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/mnt/d/f%d", i);
		fd = create(path);
		cr_assert_eq(rump_sys_write(fd, buf, sizeof(buf)),
		    (ssize_t)sizeof(buf));
		cr_assert_eq(rump_sys_close(fd), 0);
	}
	unmount_tmpfs();
	check_leaks(base);
}

Test(tmpfs, readdir_seek_cookie)
{
	char buf[4096], buf2[4096], path[64];
	struct dirent64_hdr *d, *rec[32];
	ssize_t n, n2;
	int i, fd, nrec = 0;

	boot();
	mount_tmpfs(NULL);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/mnt/d/e%d", i);
		touch(path);
	}
	fd = rump_sys_open("/mnt/d", O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	n = rump_sys_getdents64(fd, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	for (ssize_t off = 0; off < n; off += d->d_reclen) {
		d = (void *)(buf + off);
		rec[nrec++] = d;
	}
	cr_assert_eq(nrec, 12);
	cr_assert_eq(rump_sys_getdents64(fd, buf2, sizeof(buf2)), 0);

	/* Resume after the sixth record: the seventh comes first. */
	cr_assert_eq(rump_sys_lseek(fd, rec[5]->d_off, SEEK_SET),
	    rec[5]->d_off);
	n2 = rump_sys_getdents64(fd, buf2, sizeof(buf2));
	cr_assert_gt(n2, 0);
	d = (void *)buf2;
	cr_assert_str_eq(d->d_name, rec[6]->d_name);

	/* The seventh entry is removed: resuming there gives the eighth. */
	snprintf(path, sizeof(path), "/mnt/d/%s", rec[6]->d_name);
	cr_assert_eq(rump_sys_unlink(path), 0);
	cr_assert_eq(rump_sys_lseek(fd, rec[5]->d_off, SEEK_SET),
	    rec[5]->d_off);
	n2 = rump_sys_getdents64(fd, buf2, sizeof(buf2));
	cr_assert_gt(n2, 0);
	d = (void *)buf2;
	cr_assert_str_eq(d->d_name, rec[7]->d_name);

	/* A new entry shows up after the end cookie. */
	cr_assert_eq(rump_sys_lseek(fd, rec[11]->d_off, SEEK_SET),
	    rec[11]->d_off);
	touch("/mnt/d/new");
	n2 = rump_sys_getdents64(fd, buf2, sizeof(buf2));
	cr_assert_gt(n2, 0);
	d = (void *)buf2;
	cr_assert_str_eq(d->d_name, "new");
	cr_assert_eq(rump_sys_close(fd), 0);
}

Test(tmpfs, link_limit, .timeout = 60)
{
	char path[64];
	int i;

	boot();
	mount_tmpfs(NULL);
	touch("/mnt/f");
	for (i = 1;; i++) {
		snprintf(path, sizeof(path), "/mnt/l%d", i);
		if (rump_sys_link("/mnt/f", path) != 0)
			break;
	}
	cr_assert_eq(errno, EMLINK, "errno %d", errno);
	cr_assert_eq(xstat("/mnt/f").st_nlink, 32767);
	cr_assert_eq(i, 32767);
}

#define NWORKERS 4
#define NITER 1000

static volatile int workers_done;

static void *
worker(void *arg)
{
	static const char data[8192];
	char a[64], b[64];
	struct stat sb;
	int id = (int)(intptr_t)arg, i, fd;

	for (i = 0; i < NITER; i++) {
		snprintf(a, sizeof(a), "/mnt/d/t%d_%d", id, i);
		snprintf(b, sizeof(b), "/mnt/d/r%d_%d", id, i);
		fd = rump_sys_open(a, O_RDWR | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			return (void *)(intptr_t)errno;
		if (rump_sys_write(fd, data, sizeof(data)) != sizeof(data) ||
		    rump_sys_close(fd) != 0 ||
		    rump_sys_stat(a, &sb) != 0 || sb.st_size != sizeof(data) ||
		    rump_sys_rename(a, b) != 0 || rump_sys_unlink(b) != 0)
			return (void *)(intptr_t)(errno != 0 ? errno : -1);
	}
	return NULL;
}

static void *
reader(void *arg)
{
	char buf[2048];
	int fd;

	while (!__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE)) {
		fd = rump_sys_open("/mnt/d", O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			return (void *)(intptr_t)errno;
		while (rump_sys_getdents64(fd, buf, sizeof(buf)) > 0)
			continue;
		rump_sys_close(fd);
	}
	return NULL;
}

Test(tmpfs, concurrent_dir_ops, .timeout = 120)
{
	pthread_t w[NWORKERS], r;
	void *ret;
	uint64_t base;
	int i;

	boot();
	base = rump_kmem_inuse();
	mount_tmpfs(NULL);
	cr_assert_eq(rump_sys_mkdir("/mnt/d", 0755), 0);
	cr_assert_eq(pthread_create(&r, NULL, reader, NULL), 0);
	for (i = 0; i < NWORKERS; i++)
		cr_assert_eq(pthread_create(&w[i], NULL, worker,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < NWORKERS; i++) {
		cr_assert_eq(pthread_join(w[i], &ret), 0);
		cr_expect_null(ret, "worker %d: error %d", i, (int)(intptr_t)ret);
	}
	__atomic_store_n(&workers_done, 1, __ATOMIC_RELEASE);
	cr_assert_eq(pthread_join(r, &ret), 0);
	cr_expect_null(ret);
	cr_assert_eq(xstat("/mnt/d").st_nlink, 2);
	cr_assert_eq(rump_sys_rmdir("/mnt/d"), 0);
	unmount_tmpfs();
	check_leaks(base);
}
