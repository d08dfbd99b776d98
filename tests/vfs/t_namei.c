/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_namei.c: path name resolution: ".", "..", ".." at mount roots and at
 * the process root, symlinks (relative, absolute, loops), trailing
 * slashes, name and path length limits, ENOTDIR, O_NOFOLLOW and
 * AT_SYMLINK_NOFOLLOW, dirfd with AT_FDCWD and AT_EMPTY_PATH, and the
 * name cache (negative entries invalidated by create, positive ones by
 * remove and rename).
 */
#include "h_vfs.h"

#include <limits.h>

static ino_t
ino_of(const char *path)
{
	struct stat sb;

	cr_assert_eq(rump_sys_stat(path, &sb), 0, "stat %s: %d", path, errno);
	return sb.st_ino;
}

VFS_TEST(namei, dot_dotdot)
{
	OK(rump_sys_mkdir(P("a"), 0755));
	OK(rump_sys_mkdir(P("a/b"), 0755));
	cr_assert_eq(ino_of(P("a/b/..")), ino_of(P("a")));
	cr_assert_eq(ino_of(P("a/./b/./..")), ino_of(P("a")));
	cr_assert_eq(ino_of(P("a/b/../../a/b")), ino_of(P("a/b")));
	cr_assert_eq(ino_of(P("./a//b///")), ino_of(P("a/b")));
	cr_assert_eq(ino_of("/.."), ino_of("/"));
	cr_assert_eq(ino_of("/../../.."), ino_of("/"));
}

VFS_TEST(namei, dotdot_crosses_mount_root)
{
	struct stat root, mnt_parent;

	OK(rump_sys_stat("/", &root));
	OK(rump_sys_stat(P(".."), &mnt_parent));
	/* /mnt/.. is /, on the root file system, not the mount's root. */
	cr_assert_eq(mnt_parent.st_ino, root.st_ino);
	cr_assert_eq(mnt_parent.st_dev, root.st_dev);
	OK(rump_sys_chdir(VFS_MNT));
	OK(rump_sys_stat("..", &mnt_parent));
	cr_assert_eq(mnt_parent.st_dev, root.st_dev);
}

VFS_TEST(namei, mount_crossing_downwards)
{
	struct stat mnt, rootfs;

	OK(rump_sys_stat(VFS_MNT, &mnt));
	OK(rump_sys_stat("/", &rootfs));
	cr_assert_neq(mnt.st_dev, rootfs.st_dev);
	mkfile(P("inside"), NULL);
	OK(rump_sys_access("/mnt/inside", F_OK));
	OK(rump_sys_access("/mnt/../mnt/inside", F_OK));
}

VFS_TEST(namei, symlinks)
{
	char buf[16];
	int fd;

	OK(rump_sys_mkdir(P("dir"), 0755));
	mkfile(P("dir/file"), "hi");
	OK(rump_sys_symlink("dir", P("rel")));
	OK(rump_sys_symlink("/mnt/dir/file", P("abs")));
	OK(rump_sys_symlink("rel/file", P("chain")));
	OK(rump_sys_symlink("nowhere", P("dangling")));
	cr_assert_eq(ino_of(P("rel/file")), ino_of(P("dir/file")));
	cr_assert_eq(ino_of(P("abs")), ino_of(P("dir/file")));
	cr_assert_eq(ino_of(P("chain")), ino_of(P("dir/file")));
	cr_assert_eq(ino_of(P("rel/")), ino_of(P("dir")));
	FAILS(rump_sys_stat(P("dangling"), &(struct stat){0}), ENOENT);
	OK(rump_sys_lstat(P("dangling"), &(struct stat){0}));
	fd = rump_sys_open(P("chain"), O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 2);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_open(P("abs"), O_RDONLY | O_NOFOLLOW, 0), ELOOP);
	/* O_NOFOLLOW applies to the last component only. */
	fd = rump_sys_open(P("rel/file"), O_RDONLY | O_NOFOLLOW, 0);
	cr_assert_geq(fd, 0);
	OK(rump_sys_close(fd));
	/* O_CREAT through a symlink to an existing file opens it. */
	fd = rump_sys_open(P("abs"), O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 2);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_open(P("abs"), O_RDWR | O_CREAT | O_EXCL, 0644),
	    EEXIST);
	/* O_CREAT through a dangling symlink creates its target. */
	fd = rump_sys_open(P("dangling"), O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	OK(rump_sys_close(fd));
	OK(rump_sys_access(P("nowhere"), F_OK));
	FAILS(rump_sys_open(P("dangling"), O_RDWR | O_CREAT | O_NOFOLLOW,
	    0644), ELOOP);
	OK(rump_sys_symlink("loopc", P("loopc")));
	FAILS(rump_sys_open(P("loopc"), O_RDWR | O_CREAT, 0644), ELOOP);
}

VFS_TEST(namei, symlink_loops)
{
	char name[32], target[32];
	int i;

	OK(rump_sys_symlink("loop2", P("loop1")));
	OK(rump_sys_symlink("loop1", P("loop2")));
	FAILS(rump_sys_stat(P("loop1"), &(struct stat){0}), ELOOP);
	FAILS(rump_sys_open(P("loop1/x"), O_RDONLY, 0), ELOOP);
	OK(rump_sys_symlink("self", P("self")));
	FAILS(rump_sys_stat(P("self"), &(struct stat){0}), ELOOP);
	/* A chain of exactly 40 links resolves, 41 do not. */
	mkfile(P("end"), NULL);
	OK(rump_sys_symlink("end", P("l0")));
	for (i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		OK(rump_sys_symlink(target, P(name)));
	}
	OK(rump_sys_stat(P("l39"), &(struct stat){0}));
	FAILS(rump_sys_stat(P("l40"), &(struct stat){0}), ELOOP);
}

VFS_TEST(namei, trailing_slash)
{
	mkfile(P("f"), NULL);
	OK(rump_sys_mkdir(P("d"), 0755));
	FAILS(rump_sys_stat(P("f/"), &(struct stat){0}), ENOTDIR);
	FAILS(rump_sys_open(P("f/"), O_RDONLY, 0), ENOTDIR);
	OK(rump_sys_stat(P("d/"), &(struct stat){0}));
	OK(rump_sys_stat(P("d//"), &(struct stat){0}));
	OK(rump_sys_symlink("f", P("lf")));
	FAILS(rump_sys_stat(P("lf/"), &(struct stat){0}), ENOTDIR);
}

VFS_TEST(namei, lengths)
{
	char name[300], *path;
	size_t i;

	memset(name, 'n', 255);
	name[255] = '\0';
	mkfile(P(name), NULL);
	OK(rump_sys_unlink(P(name)));
	name[255] = 'n';
	name[256] = '\0';
	FAILS(rump_sys_open(P(name), O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	FAILS(rump_sys_mkdir(P(name), 0755), ENAMETOOLONG);
	FAILS(rump_sys_stat(P(name), &(struct stat){0}), ENAMETOOLONG);
	/* A path of PATH_MAX bytes (without room for the NUL) is too long. */
	path = malloc(PATH_MAX + 1);
	cr_assert_not_null(path);
	for (i = 0; i < PATH_MAX; i += 2)
		memcpy(path + i, "./", 2);
	path[PATH_MAX] = '\0';
	FAILS(rump_sys_stat(path, &(struct stat){0}), ENAMETOOLONG);
	path[PATH_MAX - 2] = '\0';
	OK(rump_sys_stat(path, &(struct stat){0}));
	free(path);
	FAILS(rump_sys_stat("", &(struct stat){0}), ENOENT);
}

VFS_TEST(namei, notdir_and_search)
{
	mkfile(P("f"), NULL);
	FAILS(rump_sys_stat(P("f/x"), &(struct stat){0}), ENOTDIR);
	FAILS(rump_sys_mkdir(P("f/x"), 0755), ENOTDIR);
	FAILS(rump_sys_stat(P("nope/x"), &(struct stat){0}), ENOENT);
}

VFS_TEST(namei, at_nofollow_and_empty_path)
{
	struct stat sb;
	int dfd, fd;

	mkfile(P("f"), "abc");
	OK(rump_sys_symlink("f", P("l")));
	OK(rump_sys_mkdir(P("d"), 0755));
	dfd = rump_sys_open(VFS_MNT, O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(dfd, 0);
	OK(rump_sys_newfstatat(dfd, "l", &sb, AT_SYMLINK_NOFOLLOW));
	cr_assert(S_ISLNK(sb.st_mode));
	OK(rump_sys_newfstatat(dfd, "l", &sb, 0));
	cr_assert(S_ISREG(sb.st_mode));
	OK(rump_sys_newfstatat(dfd, "", &sb, AT_EMPTY_PATH));
	cr_assert(S_ISDIR(sb.st_mode));
	/* Absolute paths ignore dirfd, even a bad one. */
	OK(rump_sys_newfstatat(12345, "/mnt/f", &sb, 0));
	FAILS(rump_sys_newfstatat(12345, "f", &sb, 0), EBADF);
	fd = rump_sys_open(P("f"), O_RDONLY, 0);
	OK(rump_sys_newfstatat(fd, "", &sb, AT_EMPTY_PATH));
	cr_assert(S_ISREG(sb.st_mode));
	cr_assert_eq(sb.st_size, 3);
	FAILS(rump_sys_newfstatat(fd, "x", &sb, 0), ENOTDIR);
	OK(rump_sys_close(fd));
	OK(rump_sys_chdir(P("d")));
	OK(rump_sys_newfstatat(AT_FDCWD, "../f", &sb, 0));
	OK(rump_sys_close(dfd));
}

VFS_TEST(namei, name_cache_consistency)
{
	struct stat sb;
	ino_t b;

	/* Negative entry, then create: must be found. */
	FAILS(rump_sys_stat(P("x"), &sb), ENOENT);
	FAILS(rump_sys_stat(P("x"), &sb), ENOENT);
	mkfile(P("x"), NULL);
	OK(rump_sys_stat(P("x"), &sb));
	/* Positive entry, then remove: must be gone. */
	OK(rump_sys_unlink(P("x")));
	FAILS(rump_sys_stat(P("x"), &sb), ENOENT);
	/* Rename replaces the target's entry. */
	mkfile(P("x"), NULL);
	mkfile(P("y"), NULL);
	b = ino_of(P("y"));
	OK(rump_sys_stat(P("x"), &sb));
	OK(rump_sys_rename(P("y"), P("x")));
	cr_assert_eq(ino_of(P("x")), b);
	FAILS(rump_sys_stat(P("y"), &sb), ENOENT);
	/* rmdir and mkdir again. */
	OK(rump_sys_mkdir(P("d"), 0755));
	mkfile(P("d/f"), NULL);
	OK(rump_sys_unlink(P("d/f")));
	OK(rump_sys_rmdir(P("d")));
	FAILS(rump_sys_stat(P("d/f"), &sb), ENOENT);
	FAILS(rump_sys_stat(P("d"), &sb), ENOENT);
}

Test(namei, root_is_writable_tmpfs, .init = vfs_boot)
{
	struct statfs_like { long f_type; char rest[112]; } sf;

	mkfile("/rootfile", NULL);
	OK(rump_sys_statfs("/", (void *)&sf));
	cr_assert_eq(sf.f_type, 0x01021994);
}
