/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_perm.c: permission checks with unprivileged credentials: a kernel
 * process is forked with rump_lwproc_rfork() and drops to uid/gid 1000
 * with setgroups/setgid/setuid.  Covers search and write permission on
 * directories, open modes, sticky directories, chmod/chown/utimens
 * rules, access() with real ids, mount, chroot and device nodes.
 */
#include "h_vfs.h"

#include <grp.h>

#define USER  1000
#define GROUP 1000

/* Become an unprivileged process (uid USER, gid GROUP, no groups). */
static void
become_user(void)
{
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG), 0);
	cr_assert_eq(rump_sys_setgroups(0, NULL), 0);
	cr_assert_eq(rump_sys_setgid(GROUP), 0);
	cr_assert_eq(rump_sys_setuid(USER), 0);
	cr_assert_eq(rump_sys_geteuid(), USER);
}

/* A world-writable directory for the user to work in. */
static void
setup_tree(void)
{
	OK(rump_sys_mkdir(P("pub"), 0777));
	OK(rump_sys_chmod(P("pub"), 0777));
	OK(rump_sys_mkdir(P("priv"), 0700));
	mkfile(P("priv/secret"), "s");
	mkfile(P("rootfile"), "r");
	OK(rump_sys_chmod(P("rootfile"), 0644));
	OK(rump_sys_mkdir(P("ro"), 0755));
	mkfile(P("ro/file"), NULL);
}

VFS_TEST(perm, directory_search_and_write)
{
	setup_tree();
	become_user();
	FAILS(rump_sys_stat(P("priv/secret"), &(struct stat){0}), EACCES);
	FAILS(rump_sys_open(P("priv"), O_RDONLY, 0), EACCES);
	FAILS(rump_sys_open(P("ro/new"), O_RDWR | O_CREAT, 0644), EACCES);
	FAILS(rump_sys_mkdir(P("ro/d"), 0755), EACCES);
	FAILS(rump_sys_unlink(P("ro/file")), EACCES);
	FAILS(rump_sys_symlink("x", P("ro/l")), EACCES);
	mkfile(P("pub/mine"), "m");
	OK(rump_sys_mkdir(P("pub/dir"), 0755));
	OK(rump_sys_rename(P("pub/mine"), P("pub/dir/mine")));
	FAILS(rump_sys_rename(P("pub/dir/mine"), P("ro/mine")), EACCES);
	FAILS(rump_sys_link(P("rootfile"), P("ro/link")), EACCES);
}

VFS_TEST(perm, open_modes)
{
	setup_tree();
	become_user();
	FAILS(rump_sys_open(P("rootfile"), O_WRONLY, 0), EACCES);
	FAILS(rump_sys_open(P("rootfile"), O_RDONLY | O_TRUNC, 0), EACCES);
	OK(rump_sys_close(rump_sys_open(P("rootfile"), O_RDONLY, 0)));
	FAILS(rump_sys_truncate(P("rootfile"), 0), EACCES);
	mkfile(P("pub/f"), NULL);
	OK(rump_sys_chmod(P("pub/f"), 0200));
	FAILS(rump_sys_open(P("pub/f"), O_RDONLY, 0), EACCES);
	OK(rump_sys_close(rump_sys_open(P("pub/f"), O_WRONLY, 0)));
}

VFS_TEST(perm, sticky_directory)
{
	OK(rump_sys_mkdir(P("tmp"), 0777));
	OK(rump_sys_chmod(P("tmp"), 01777));
	mkfile(P("tmp/rootfile"), NULL);
	become_user();
	FAILS(rump_sys_unlink(P("tmp/rootfile")), EPERM);
	FAILS(rump_sys_rename(P("tmp/rootfile"), P("tmp/x")), EPERM);
	mkfile(P("tmp/mine"), NULL);
	OK(rump_sys_rename(P("tmp/mine"), P("tmp/mine2")));
	OK(rump_sys_unlink(P("tmp/mine2")));
}

VFS_TEST(perm, chmod_chown_rules)
{
	struct stat sb;

	setup_tree();
	OK(rump_sys_chown(P("pub"), 0, 0));
	become_user();
	FAILS(rump_sys_chmod(P("rootfile"), 0777), EPERM);
	FAILS(rump_sys_chown(P("rootfile"), USER, GROUP), EPERM);
	mkfile(P("pub/f"), NULL);
	OK(rump_sys_stat(P("pub/f"), &sb));
	cr_assert_eq(sb.st_uid, USER);
	/* Only root gives files away. */
	FAILS(rump_sys_chown(P("pub/f"), 0, -1), EPERM);
	/* Not a member of group 5. */
	FAILS(rump_sys_chown(P("pub/f"), -1, 5), EPERM);
	OK(rump_sys_chown(P("pub/f"), USER, GROUP));
	OK(rump_sys_chown(P("pub/f"), -1, -1));
	/* S_ISGID is dropped for a group the caller is not in. */
	rump_lwproc_releaselwp();
	OK(rump_sys_chown(P("pub/f"), USER, 0));
	become_user();
	OK(rump_sys_chmod(P("pub/f"), 02755));
	OK(rump_sys_stat(P("pub/f"), &sb));
	cr_assert_eq(sb.st_mode & 07777, 0755);
}

VFS_TEST(perm, utimens_rules)
{
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };

	setup_tree();
	OK(rump_sys_chmod(P("rootfile"), 0666));
	become_user();
	/* Write access is enough for "now", not for explicit times. */
	OK(rump_sys_utimensat(AT_FDCWD, P("rootfile"), NULL, 0));
	FAILS(rump_sys_utimensat(AT_FDCWD, P("rootfile"), (void *)ts, 0),
	    EPERM);
	rump_lwproc_releaselwp();
	OK(rump_sys_chmod(P("rootfile"), 0644));
	become_user();
	FAILS(rump_sys_utimensat(AT_FDCWD, P("rootfile"), NULL, 0), EACCES);
}

VFS_TEST(perm, access_real_ids)
{
	setup_tree();
	OK(rump_sys_chmod(P("rootfile"), 0600));
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG), 0);
	/* Real uid 1000, effective uid 0. */
	OK(rump_sys_setresuid(USER, 0, 0));
	FAILS(rump_sys_access(P("rootfile"), R_OK), EACCES);
	OK(rump_sys_faccessat2(AT_FDCWD, P("rootfile"), R_OK, AT_EACCESS));
	OK(rump_sys_close(rump_sys_open(P("rootfile"), O_RDONLY, 0)));
}

VFS_TEST(perm, privileged_calls)
{
	setup_tree();
	become_user();
	FAILS(rump_sys_mount("tmpfs", P("pub"), "tmpfs", 0, NULL), EPERM);
	FAILS(rump_sys_umount2(VFS_MNT, 0), EPERM);
	FAILS(rump_sys_chroot(P("pub")), EPERM);
	FAILS(rump_sys_mknod(P("pub/c"), S_IFCHR | 0600, 0), EPERM);
	OK(rump_sys_mknod(P("pub/fifo"), S_IFIFO | 0600, 0));
}
