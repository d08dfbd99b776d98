/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_rename.c: rename, renameat and renameat2: plain moves, replacing
 * files and empty directories, the type mismatches, moving a directory
 * into its own subtree, "." and "..", RENAME_NOREPLACE, RENAME_EXCHANGE,
 * EXDEV, same-file renames and directory link counts.
 */
#include "h_vfs.h"

#include <linux/fs.h>

static ino_t
ino_of(const char *path)
{
	struct stat sb;

	cr_assert_eq(rump_sys_lstat(path, &sb), 0, "lstat %s: %d", path,
	    errno);
	return sb.st_ino;
}

VFS_TEST(rename, files)
{
	ino_t f;

	mkfile(P("a"), "A");
	f = ino_of(P("a"));
	OK(rump_sys_rename(P("a"), P("b")));
	FAILS(rump_sys_access(P("a"), F_OK), ENOENT);
	cr_assert_eq(ino_of(P("b")), f);
	mkfile(P("c"), "C");
	OK(rump_sys_rename(P("c"), P("b")));
	cr_assert_neq(ino_of(P("b")), f);
	FAILS(rump_sys_rename(P("nope"), P("x")), ENOENT);
	FAILS(rump_sys_rename(P("b"), P("nope/x")), ENOENT);
	FAILS(rump_sys_rename(NULL, P("x")), EFAULT);
}

VFS_TEST(rename, directories)
{
	struct stat sb;

	OK(rump_sys_mkdir(P("d1"), 0755));
	OK(rump_sys_mkdir(P("d2"), 0755));
	OK(rump_sys_mkdir(P("d1/sub"), 0755));
	OK(rump_sys_rename(P("d1/sub"), P("d2/sub")));
	OK(rump_sys_stat(P("d1"), &sb));
	cr_assert_eq(sb.st_nlink, 2);
	OK(rump_sys_stat(P("d2"), &sb));
	cr_assert_eq(sb.st_nlink, 3);
	cr_assert_eq(ino_of(P("d2/sub/..")), ino_of(P("d2")));
	/* Over an empty directory: fine; over a non-empty one: ENOTEMPTY. */
	OK(rump_sys_mkdir(P("empty"), 0755));
	OK(rump_sys_rename(P("d2/sub"), P("empty")));
	OK(rump_sys_mkdir(P("full"), 0755));
	mkfile(P("full/f"), NULL);
	FAILS(rump_sys_rename(P("empty"), P("full")), ENOTEMPTY);
	OK(rump_sys_rename(P("d1/"), P("d3/")));
}

VFS_TEST(rename, type_mismatch)
{
	mkfile(P("f"), NULL);
	OK(rump_sys_mkdir(P("d"), 0755));
	FAILS(rump_sys_rename(P("d"), P("f")), ENOTDIR);
	FAILS(rump_sys_rename(P("f"), P("d")), EISDIR);
	FAILS(rump_sys_rename(P("f/"), P("g")), ENOTDIR);
	FAILS(rump_sys_rename(P("f"), P("g/")), ENOTDIR);
}

VFS_TEST(rename, into_own_subtree)
{
	OK(rump_sys_mkdir(P("a"), 0755));
	OK(rump_sys_mkdir(P("a/b"), 0755));
	OK(rump_sys_mkdir(P("a/b/c"), 0755));
	FAILS(rump_sys_rename(P("a"), P("a/b/c/d")), EINVAL);
	FAILS(rump_sys_rename(P("a"), P("a/x")), EINVAL);
	FAILS(rump_sys_rename(P("a/b"), P("a/b/c/x")), EINVAL);
	/* Replacing an ancestor of the source. */
	FAILS(rump_sys_rename(P("a/b/c"), P("a")), ENOTEMPTY);
	OK(rump_sys_rename(P("a/b/c"), P("c")));
	OK(rump_sys_access(P("c"), F_OK));
}

VFS_TEST(rename, dot_and_dotdot)
{
	OK(rump_sys_mkdir(P("d"), 0755));
	OK(rump_sys_mkdir(P("d/e"), 0755));
	FAILS(rump_sys_rename(P("d/."), P("x")), EBUSY);
	FAILS(rump_sys_rename(P("d/e/.."), P("x")), EBUSY);
	FAILS(rump_sys_rename(P("x"), P("d/.")), EBUSY);
	mkfile(P("f"), NULL);
	FAILS(rump_sys_rename(P("f"), P("d/..")), EBUSY);
}

VFS_TEST(rename, same_file)
{
	ino_t f;

	mkfile(P("f"), NULL);
	OK(rump_sys_link(P("f"), P("g")));
	f = ino_of(P("f"));
	/* Two names of one file: nothing happens, both stay. */
	OK(rump_sys_rename(P("f"), P("g")));
	cr_assert_eq(ino_of(P("f")), f);
	cr_assert_eq(ino_of(P("g")), f);
	OK(rump_sys_rename(P("f"), P("f")));
	cr_assert_eq(ino_of(P("f")), f);
}

VFS_TEST(rename, noreplace_exchange)
{
	ino_t a, b;

	mkfile(P("a"), NULL);
	mkfile(P("b"), NULL);
	a = ino_of(P("a"));
	b = ino_of(P("b"));
	FAILS(rump_sys_renameat2(AT_FDCWD, P("a"), AT_FDCWD, P("b"),
	    RENAME_NOREPLACE), EEXIST);
	OK(rump_sys_renameat2(AT_FDCWD, P("a"), AT_FDCWD, P("c"),
	    RENAME_NOREPLACE));
	OK(rump_sys_renameat2(AT_FDCWD, P("c"), AT_FDCWD, P("b"),
	    RENAME_EXCHANGE));
	cr_assert_eq(ino_of(P("b")), a);
	cr_assert_eq(ino_of(P("c")), b);
	FAILS(rump_sys_renameat2(AT_FDCWD, P("c"), AT_FDCWD, P("nope"),
	    RENAME_EXCHANGE), ENOENT);
	FAILS(rump_sys_renameat2(AT_FDCWD, P("c"), AT_FDCWD, P("b"),
	    RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	FAILS(rump_sys_renameat2(AT_FDCWD, P("c"), AT_FDCWD, P("b"), 0x100),
	    EINVAL);
	/* A file and a directory may be exchanged. */
	OK(rump_sys_mkdir(P("d"), 0755));
	OK(rump_sys_renameat2(AT_FDCWD, P("d"), AT_FDCWD, P("b"),
	    RENAME_EXCHANGE));
	OK(rump_sys_rmdir(P("b")));
	OK(rump_sys_unlink(P("d")));
}

VFS_TEST(rename, exdev)
{
	mkfile(P("f"), NULL);
	FAILS(rump_sys_rename(P("f"), "/f"), EXDEV);
	OK(rump_sys_mkdir("/d", 0755));
	FAILS(rump_sys_rename("/d", P("d")), EXDEV);
}

VFS_TEST(rename, renameat_dirfds)
{
	int d1, d2;

	OK(rump_sys_mkdir(P("d1"), 0755));
	OK(rump_sys_mkdir(P("d2"), 0755));
	mkfile(P("d1/f"), NULL);
	d1 = rump_sys_open(P("d1"), O_RDONLY | O_DIRECTORY, 0);
	d2 = rump_sys_open(P("d2"), O_RDONLY | O_DIRECTORY, 0);
	OK(rump_sys_renameat(d1, "f", d2, "g"));
	OK(rump_sys_access(P("d2/g"), F_OK));
	FAILS(rump_sys_renameat(99, "g", d2, "h"), EBADF);
	OK(rump_sys_close(d1));
	OK(rump_sys_close(d2));
}

VFS_TEST(rename, mount_point_busy)
{
	OK(rump_sys_mkdir(P("m"), 0755));
	OK(rump_sys_mount("tmpfs", P("m"), "tmpfs", 0, NULL));
	FAILS(rump_sys_rename(P("m"), P("n")), EBUSY);
	FAILS(rump_sys_rmdir(P("m")), EBUSY);
	OK(rump_sys_umount2(P("m"), 0));
	OK(rump_sys_rename(P("m"), P("n")));
}
