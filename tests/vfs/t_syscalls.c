/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_syscalls.c: the path and descriptor system calls of the VFS, success
 * paths and their documented errors, as root (permissions for other users
 * are in t_perm.c, rename in t_rename.c, namei in t_namei.c).
 */
#include "h_vfs.h"

#include <sys/statfs.h>
#include <stdlib.h>
#include <linux/falloc.h>
#include <sys/sysmacros.h>


VFS_TEST(syscalls, open_create_flags)
{
	struct stat sb;
	int fd;

	FAILS(rump_sys_open(P("nofile"), O_RDONLY, 0), ENOENT);
	fd = rump_sys_open(P("f"), O_RDWR | O_CREAT | O_EXCL, 0640);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_write(fd, "abc", 3), 3);
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_mode, S_IFREG | 0640);
	cr_assert_eq(sb.st_size, 3);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_open(P("f"), O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST);
	fd = rump_sys_open(P("f"), O_RDWR | O_TRUNC, 0);
	cr_assert_geq(fd, 0);
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_size, 0);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_open(P("f"), O_RDONLY | O_DIRECTORY, 0), ENOTDIR);
	FAILS(rump_sys_open(VFS_MNT, O_WRONLY, 0), EISDIR);
	FAILS(rump_sys_open(VFS_MNT, O_RDWR | O_CREAT, 0644), EISDIR);
	FAILS(rump_sys_open(P("new/"), O_RDWR | O_CREAT, 0644), EISDIR);
	FAILS(rump_sys_open(P("f/x"), O_RDONLY, 0), ENOTDIR);
	FAILS(rump_sys_open(NULL, O_RDONLY, 0), EFAULT);
	FAILS(rump_sys_open(P("f"), O_ACCMODE, 0), EINVAL);
	FAILS(rump_sys_open(P("g"), O_CREAT | O_DIRECTORY, 0644), EINVAL);
	fd = rump_sys_open(VFS_MNT, O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	OK(rump_sys_close(fd));
}

VFS_TEST(syscalls, creat_umask)
{
	struct stat sb;
	int fd;

	rump_sys_umask(022);
	fd = rump_sys_creat(P("c"), 0777);
	cr_assert_geq(fd, 0);
	OK(rump_sys_close(fd));
	OK(rump_sys_stat(P("c"), &sb));
	cr_assert_eq(sb.st_mode & 0777, 0755);
	OK(rump_sys_mkdir(P("d"), 0777));
	OK(rump_sys_stat(P("d"), &sb));
	cr_assert_eq(sb.st_mode, S_IFDIR | 0755);
}

VFS_TEST(syscalls, openat_dirfd)
{
	int dfd, fd;

	OK(rump_sys_mkdir(P("d"), 0755));
	dfd = rump_sys_open(P("d"), O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(dfd, 0);
	fd = rump_sys_openat(dfd, "x", O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	OK(rump_sys_close(fd));
	OK(rump_sys_access(P("d/x"), F_OK));
	FAILS(rump_sys_openat(fd, "x", O_RDONLY, 0), EBADF);
	fd = rump_sys_open(P("d/x"), O_RDONLY, 0);
	FAILS(rump_sys_openat(fd, "y", O_RDONLY, 0), ENOTDIR);
	OK(rump_sys_close(fd));
	OK(rump_sys_close(dfd));
}

VFS_TEST(syscalls, stat_family)
{
	struct stat sb, lsb, fsb;
	struct statx sx;
	int fd;

	mkfile(P("f"), "hello");
	OK(rump_sys_symlink("f", P("l")));
	OK(rump_sys_stat(P("l"), &sb));
	OK(rump_sys_lstat(P("l"), &lsb));
	cr_assert(S_ISREG(sb.st_mode));
	cr_assert(S_ISLNK(lsb.st_mode));
	cr_assert_eq(sb.st_size, 5);
	cr_assert_eq(lsb.st_size, 1);
	cr_assert_neq(sb.st_ino, lsb.st_ino);
	fd = rump_sys_open(P("f"), O_RDONLY, 0);
	OK(rump_sys_fstat(fd, &fsb));
	cr_assert_eq(fsb.st_ino, sb.st_ino);
	cr_assert_eq(fsb.st_dev, sb.st_dev);
	OK(rump_sys_newfstatat(fd, "", &fsb, AT_EMPTY_PATH));
	cr_assert_eq(fsb.st_ino, sb.st_ino);
	FAILS(rump_sys_newfstatat(fd, "", &fsb, 0), ENOENT);
	OK(rump_sys_newfstatat(AT_FDCWD, P("l"), &fsb, AT_SYMLINK_NOFOLLOW));
	cr_assert(S_ISLNK(fsb.st_mode));
	FAILS(rump_sys_newfstatat(AT_FDCWD, P("l"), &fsb, 0x4), EINVAL);
	OK(rump_sys_statx(AT_FDCWD, P("f"), 0, STATX_BASIC_STATS,
	    &sx));
	cr_assert_eq(sx.stx_size, 5);
	cr_assert_eq(sx.stx_ino, sb.st_ino);
	cr_assert_eq(sx.stx_mode, sb.st_mode);
	cr_assert((sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	OK(rump_sys_statx(fd, "", AT_EMPTY_PATH, STATX_SIZE,
	    &sx));
	cr_assert_eq(sx.stx_size, 5);
	FAILS(rump_sys_statx(AT_FDCWD, P("f"), 0, 0x80000000U,
	    &sx), EINVAL);
	FAILS(rump_sys_stat(P("nope"), &sb), ENOENT);
	FAILS(rump_sys_stat(P("f"), NULL), EFAULT);
	FAILS(rump_sys_fstat(99, &sb), EBADF);
	OK(rump_sys_close(fd));
}

VFS_TEST(syscalls, mkdir_rmdir)
{
	struct stat sb;

	OK(rump_sys_mkdir(P("d"), 0755));
	FAILS(rump_sys_mkdir(P("d"), 0755), EEXIST);
	FAILS(rump_sys_mkdir(P("nope/d"), 0755), ENOENT);
	OK(rump_sys_mkdir(P("d/e/"), 0755));
	OK(rump_sys_stat(P("d"), &sb));
	cr_assert_eq(sb.st_nlink, 3);
	FAILS(rump_sys_rmdir(P("d")), ENOTEMPTY);
	FAILS(rump_sys_rmdir(P("d/e/.")), EINVAL);
	FAILS(rump_sys_rmdir(P("d/e/..")), ENOTEMPTY);
	mkfile(P("f"), NULL);
	FAILS(rump_sys_rmdir(P("f")), ENOTDIR);
	FAILS(rump_sys_mkdir(P("f"), 0755), EEXIST);
	FAILS(rump_sys_mkdir(P("f/x"), 0755), ENOTDIR);
	OK(rump_sys_rmdir(P("d/e/")));
	OK(rump_sys_rmdir(P("d")));
	FAILS(rump_sys_rmdir(P("d")), ENOENT);
	FAILS(rump_sys_mkdir(NULL, 0755), EFAULT);
	OK(rump_sys_mkdirat(AT_FDCWD, P("m"), 0700));
	OK(rump_sys_stat(P("m"), &sb));
	cr_assert_eq(sb.st_mode, S_IFDIR | 0700);
}

VFS_TEST(syscalls, unlink)
{
	int fd;
	char buf[8];

	mkfile(P("f"), "data");
	OK(rump_sys_mkdir(P("d"), 0755));
	FAILS(rump_sys_unlink(P("d")), EISDIR);
	FAILS(rump_sys_unlink(P("f/")), ENOTDIR);
	FAILS(rump_sys_unlink(P("nope")), ENOENT);
	fd = rump_sys_open(P("f"), O_RDONLY, 0);
	OK(rump_sys_unlink(P("f")));
	FAILS(rump_sys_access(P("f"), F_OK), ENOENT);
	/* The open file lives on. */
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 4);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_unlinkat(AT_FDCWD, P("d"), 0), EISDIR);
	OK(rump_sys_unlinkat(AT_FDCWD, P("d"), AT_REMOVEDIR));
	FAILS(rump_sys_unlinkat(AT_FDCWD, P("d"), 0x1), EINVAL);
}

VFS_TEST(syscalls, link)
{
	struct stat sb;

	mkfile(P("f"), "x");
	OK(rump_sys_link(P("f"), P("g")));
	OK(rump_sys_stat(P("g"), &sb));
	cr_assert_eq(sb.st_nlink, 2);
	FAILS(rump_sys_link(P("f"), P("g")), EEXIST);
	FAILS(rump_sys_link(P("nope"), P("h")), ENOENT);
	OK(rump_sys_mkdir(P("d"), 0755));
	FAILS(rump_sys_link(P("d"), P("dl")), EPERM);
	FAILS(rump_sys_link(P("f"), P("nope/h")), ENOENT);
	OK(rump_sys_symlink("f", P("s")));
	OK(rump_sys_linkat(AT_FDCWD, P("s"), AT_FDCWD, P("hs"), 0));
	OK(rump_sys_lstat(P("hs"), &sb));
	cr_assert(S_ISLNK(sb.st_mode));
	OK(rump_sys_linkat(AT_FDCWD, P("s"), AT_FDCWD, P("hf"),
	    AT_SYMLINK_FOLLOW));
	OK(rump_sys_lstat(P("hf"), &sb));
	cr_assert(S_ISREG(sb.st_mode));
	cr_assert_eq(sb.st_nlink, 3);
	/* A different file system: the root tmpfs. */
	FAILS(rump_sys_link(P("f"), "/rootlink"), EXDEV);
}

VFS_TEST(syscalls, symlink_readlink)
{
	char buf[64];

	OK(rump_sys_symlink("target/x", P("l")));
	cr_assert_eq(rump_sys_readlink(P("l"), buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "target/x", 8), 0);
	cr_assert_eq(rump_sys_readlink(P("l"), buf, 3), 3);
	FAILS(rump_sys_readlink(P("l"), buf, 0), EINVAL);
	FAILS(rump_sys_symlink("x", P("l")), EEXIST);
	FAILS(rump_sys_symlink("", P("e")), ENOENT);
	mkfile(P("f"), NULL);
	FAILS(rump_sys_readlink(P("f"), buf, sizeof(buf)), EINVAL);
	FAILS(rump_sys_readlink(P("nope"), buf, sizeof(buf)), ENOENT);
	cr_assert_eq(rump_sys_readlinkat(AT_FDCWD, P("l"), buf, sizeof(buf)),
	    8);
	OK(rump_sys_symlinkat("f", AT_FDCWD, P("l2")));
	FAILS(rump_sys_stat(P("l"), &(struct stat){0}), ENOENT);
	FAILS(rump_sys_readlink(P("l"), NULL, 10), EFAULT);
}

VFS_TEST(syscalls, chmod_chown)
{
	struct stat sb;
	int fd;

	mkfile(P("f"), NULL);
	OK(rump_sys_chmod(P("f"), 04751));
	OK(rump_sys_stat(P("f"), &sb));
	cr_assert_eq(sb.st_mode, S_IFREG | 04751);
	fd = rump_sys_open(P("f"), O_RDONLY, 0);
	OK(rump_sys_fchmod(fd, 0600));
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_mode & 07777, 0600);
	OK(rump_sys_chmod(P("f"), 06755));
	OK(rump_sys_fchown(fd, 10, 20));
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_uid, 10);
	cr_assert_eq(sb.st_gid, 20);
	cr_assert_eq(sb.st_mode & 07777, 0755, "suid/sgid cleared");
	OK(rump_sys_chown(P("f"), -1, 30));
	OK(rump_sys_stat(P("f"), &sb));
	cr_assert_eq(sb.st_uid, 10);
	cr_assert_eq(sb.st_gid, 30);
	OK(rump_sys_symlink("f", P("l")));
	OK(rump_sys_lchown(P("l"), 5, 5));
	OK(rump_sys_lstat(P("l"), &sb));
	cr_assert_eq(sb.st_uid, 5);
	OK(rump_sys_stat(P("l"), &sb));
	cr_assert_eq(sb.st_uid, 10);
	OK(rump_sys_fchownat(AT_FDCWD, P("l"), 7, 7, AT_SYMLINK_NOFOLLOW));
	OK(rump_sys_fchmodat(AT_FDCWD, P("l"), 0644, 0));
	FAILS(rump_sys_fchmodat(AT_FDCWD, P("l"), 0644, 0x1), EINVAL);
	FAILS(rump_sys_chmod(P("nope"), 0644), ENOENT);
	FAILS(rump_sys_fchmod(99, 0644), EBADF);
	FAILS(rump_sys_fchown(99, 0, 0), EBADF);
	OK(rump_sys_close(fd));
}

VFS_TEST(syscalls, utimens)
{
	struct timespec ts[2] = { { 1000, 5 }, { 2000, 7 } };
	struct stat sb;
	int fd;

	mkfile(P("f"), NULL);
	OK(rump_sys_utimensat(AT_FDCWD, P("f"), (void *)ts, 0));
	OK(rump_sys_stat(P("f"), &sb));
	cr_assert_eq(sb.st_atim.tv_sec, 1000);
	cr_assert_eq(sb.st_atim.tv_nsec, 5);
	cr_assert_eq(sb.st_mtim.tv_sec, 2000);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	OK(rump_sys_utimensat(AT_FDCWD, P("f"), (void *)ts, 0));
	OK(rump_sys_stat(P("f"), &sb));
	cr_assert_eq(sb.st_atim.tv_sec, 1000);
	cr_assert_gt(sb.st_mtim.tv_sec, 2000);
	ts[0].tv_nsec = 1000000000;
	FAILS(rump_sys_utimensat(AT_FDCWD, P("f"), (void *)ts, 0), EINVAL);
	fd = rump_sys_open(P("f"), O_RDONLY, 0);
	OK(rump_sys_futimens(fd, NULL));
	OK(rump_sys_utimensat(fd, NULL, NULL, 0));
	FAILS(rump_sys_futimens(99, NULL), EBADF);
	OK(rump_sys_utimes(P("f"), NULL));
	FAILS(rump_sys_utimensat(AT_FDCWD, P("nope"), NULL, 0), ENOENT);
	OK(rump_sys_close(fd));
}

VFS_TEST(syscalls, truncate)
{
	struct stat sb;
	int fd;

	mkfile(P("f"), "0123456789");
	OK(rump_sys_truncate(P("f"), 4));
	OK(rump_sys_stat(P("f"), &sb));
	cr_assert_eq(sb.st_size, 4);
	FAILS(rump_sys_truncate(P("f"), -1), EINVAL);
	FAILS(rump_sys_truncate(VFS_MNT, 0), EISDIR);
	FAILS(rump_sys_truncate(P("nope"), 0), ENOENT);
	fd = rump_sys_open(P("f"), O_RDWR, 0);
	OK(rump_sys_ftruncate(fd, 100));
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_size, 100);
	FAILS(rump_sys_ftruncate(fd, -5), EINVAL);
	OK(rump_sys_fallocate(fd, 0, 0, 8192));
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_size, 8192);
	OK(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096));
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_size, 8192);
	FAILS(rump_sys_fallocate(fd, 0, -1, 10), EINVAL);
	FAILS(rump_sys_fallocate(fd, 0, 0, 0), EINVAL);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_fdatasync(fd));
	OK(rump_sys_syncfs(fd));
	OK(rump_sys_sync());
	OK(rump_sys_close(fd));
	fd = rump_sys_open(P("f"), O_RDONLY, 0);
	FAILS(rump_sys_ftruncate(fd, 0), EINVAL);
	FAILS(rump_sys_fallocate(fd, 0, 0, 10), EBADF);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_ftruncate(99, 0), EBADF);
	FAILS(rump_sys_fsync(99), EBADF);
}

VFS_TEST(syscalls, getdents)
{
	char buf[4096];
	uint64_t seenmask = 0;
	int fd, i, n, seen = 0, dots = 0;
	long len, off;

	for (i = 0; i < 50; i++) {
		char name[32];

		snprintf(name, sizeof(name), "file%02d", i);
		mkfile(P(name), NULL);
	}
	fd = rump_sys_open(VFS_MNT, O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_getdents64(fd, buf, 8), EINVAL);
	/* Small buffers force several calls and resumption by d_off. */
	while ((len = rump_sys_getdents64(fd, buf, 200)) > 0) {
		for (off = 0; off < len; ) {
			struct rump_dirent64 *d = (void *)(buf + off);

			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0) {
				dots++;
				cr_assert_eq(d->d_type, DT_DIR);
			} else {
				cr_assert_eq(sscanf(d->d_name, "file%d", &n),
				    1);
				cr_assert_eq(d->d_type, DT_REG);
				cr_assert(n >= 0 && n < 50);
				cr_assert_eq(seenmask & (1ULL << n), 0,
				    "%s twice", d->d_name);
				seenmask |= 1ULL << n;
				seen++;
			}
			off += d->d_reclen;
		}
	}
	cr_assert_eq(len, 0);
	cr_assert_eq(seen, 50);
	cr_assert_eq(dots, 2);
	OK(rump_sys_close(fd));
	fd = rump_sys_open(P("file00"), O_RDONLY, 0);
	FAILS(rump_sys_getdents64(fd, buf, sizeof(buf)), ENOTDIR);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_getdents64(99, buf, sizeof(buf)), EBADF);
}

VFS_TEST(syscalls, chdir_getcwd)
{
	char buf[256];
	int fd;

	OK(rump_sys_mkdir(P("a"), 0755));
	OK(rump_sys_mkdir(P("a/b"), 0755));
	OK(rump_sys_chdir(P("a/b")));
	cr_assert_eq(rump_sys_getcwd(buf, sizeof(buf)), 9);
	cr_assert_str_eq(buf, "/mnt/a/b");
	FAILS(rump_sys_getcwd(buf, 5), ERANGE);
	mkfile("rel", NULL);
	OK(rump_sys_access(P("a/b/rel"), F_OK));
	OK(rump_sys_chdir(".."));
	cr_assert_gt(rump_sys_getcwd(buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/mnt/a");
	OK(rump_sys_chdir("../.."));
	cr_assert_eq(rump_sys_getcwd(buf, sizeof(buf)), 2);
	cr_assert_str_eq(buf, "/");
	fd = rump_sys_open(P("a"), O_RDONLY | O_DIRECTORY, 0);
	OK(rump_sys_fchdir(fd));
	OK(rump_sys_close(fd));
	cr_assert_gt(rump_sys_getcwd(buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/mnt/a");
	FAILS(rump_sys_chdir("b/rel"), ENOTDIR);
	FAILS(rump_sys_chdir("nope"), ENOENT);
	FAILS(rump_sys_fchdir(99), EBADF);
	fd = rump_sys_open("b/rel", O_RDONLY, 0);
	FAILS(rump_sys_fchdir(fd), ENOTDIR);
	OK(rump_sys_close(fd));
	/* A removed cwd has no path. */
	OK(rump_sys_chdir("b"));
	OK(rump_sys_unlink("rel"));
	OK(rump_sys_rmdir(P("a/b")));
	FAILS(rump_sys_getcwd(buf, sizeof(buf)), ENOENT);
}

VFS_TEST(syscalls, chroot)
{
	char buf[64];
	struct stat sb;

	OK(rump_sys_mkdir(P("jail"), 0755));
	mkfile(P("jail/inside"), NULL);
	mkfile(P("outside"), NULL);
	OK(rump_sys_chroot(P("jail")));
	OK(rump_sys_chdir("/"));
	OK(rump_sys_stat("/inside", &sb));
	OK(rump_sys_stat("/../../inside", &sb));
	FAILS(rump_sys_stat("/../outside", &sb), ENOENT);
	cr_assert_eq(rump_sys_getcwd(buf, sizeof(buf)), 2);
	cr_assert_str_eq(buf, "/");
	FAILS(rump_sys_chroot("/inside"), ENOTDIR);
}

VFS_TEST(syscalls, mknod)
{
	struct stat sb;

	OK(rump_sys_mknod(P("fifo"), S_IFIFO | 0600, 0));
	OK(rump_sys_stat(P("fifo"), &sb));
	cr_assert(S_ISFIFO(sb.st_mode));
	OK(rump_sys_mknod(P("reg"), S_IFREG | 0600, 0));
	OK(rump_sys_stat(P("reg"), &sb));
	cr_assert(S_ISREG(sb.st_mode));
	OK(rump_sys_mknod(P("chr"), S_IFCHR | 0600, makedev(1, 3)));
	OK(rump_sys_stat(P("chr"), &sb));
	cr_assert(S_ISCHR(sb.st_mode));
	cr_assert_eq(sb.st_rdev, makedev(1, 3));
	FAILS(rump_sys_mknod(P("fifo"), S_IFIFO | 0600, 0), EEXIST);
	FAILS(rump_sys_mknod(P("dir"), S_IFDIR | 0600, 0), EPERM);
	FAILS(rump_sys_mknod(P("bad"), 0170000 | 0600, 0), EINVAL);
	OK(rump_sys_mknodat(AT_FDCWD, P("f2"), S_IFIFO | 0600, 0));
}

VFS_TEST(syscalls, access)
{
	mkfile(P("f"), NULL);
	OK(rump_sys_chmod(P("f"), 0644));
	OK(rump_sys_access(P("f"), R_OK | W_OK));
	/* Root may not execute a file without any x bit. */
	FAILS(rump_sys_access(P("f"), X_OK), EACCES);
	FAILS(rump_sys_access(P("f"), 0x10), EINVAL);
	FAILS(rump_sys_access(P("nope"), F_OK), ENOENT);
	OK(rump_sys_faccessat(AT_FDCWD, P("f"), R_OK, 0));
	OK(rump_sys_faccessat2(AT_FDCWD, P("f"), R_OK, AT_EACCESS));
	FAILS(rump_sys_faccessat2(AT_FDCWD, P("f"), R_OK, 0x1), EINVAL);
}

VFS_TEST(syscalls, statfs)
{
	struct statfs sf;
	int fd;

	OK(rump_sys_statfs(VFS_MNT, (void *)&sf));
	cr_assert_eq(sf.f_type, vfs_magic(vfs_fstype), "f_type %#lx",
	    (long)sf.f_type);
	cr_assert_eq(sf.f_namelen, 255);
	fd = rump_sys_open(VFS_MNT, O_RDONLY, 0);
	OK(rump_sys_fstatfs(fd, (void *)&sf));
	OK(rump_sys_close(fd));
	FAILS(rump_sys_statfs(P("nope"), (void *)&sf), ENOENT);
	FAILS(rump_sys_fstatfs(99, (void *)&sf), EBADF);
}

Test(syscalls, no_leaks, .init = vfs_boot)
{
	uint64_t before;
	int i;

	OK(rump_sys_mkdir("/d", 0755));
	mkfile("/d/warm", "x");
	OK(rump_sys_unlink("/d/warm"));
	before = rump_kmem_inuse();
	for (i = 0; i < 100; i++) {
		mkfile("/d/f", "some data");
		OK(rump_sys_rename("/d/f", "/d/g"));
		OK(rump_sys_unlink("/d/g"));
	}
	/* Allow for a few name cache entries. */
	cr_assert_leq(rump_kmem_inuse(), before + 1024,
	    "kmem grew from %llu to %llu", (unsigned long long)before,
	    (unsigned long long)rump_kmem_inuse());
}

/* A vnode cache of 16: vnodes are reclaimed and reloaded all the time. */
Test(syscalls, small_vnode_cache)
{
	struct stat sb;
	char name[32];
	int i, fd;

	cr_assert_eq(setenv("RUMP_NVNODES", "16", 1), 0);
	cr_assert_eq(rump_init(), 0);
	OK(rump_sys_mkdir("/d", 0755));
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "/d/f%d", i);
		fd = rump_sys_open(name, O_RDWR | O_CREAT, 0600);
		cr_assert_geq(fd, 0);
		cr_assert_eq(rump_sys_write(fd, name, strlen(name)),
		    (ssize_t)strlen(name));
		OK(rump_sys_close(fd));
	}
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "/d/f%d", i);
		OK(rump_sys_stat(name, &sb));
		cr_assert_eq(sb.st_size, (off_t)strlen(name));
		cr_assert_eq(sb.st_mode, S_IFREG | 0600);
	}
	for (i = 0; i < 200; i += 2) {
		snprintf(name, sizeof(name), "/d/f%d", i);
		OK(rump_sys_unlink(name));
	}
	OK(rump_sys_stat("/d/f1", &sb));
	FAILS(rump_sys_stat("/d/f0", &sb), ENOENT);
}
