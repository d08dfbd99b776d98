/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_mount.c: mount(2) and umount2(2): mounting over directories, the
 * errors (ENODEV, ENOTDIR, ENOENT, EBUSY, EINVAL, EPERM), busy file
 * systems, stacked mounts, MS_RDONLY (EROFS), MS_REMOUNT, statfs flags,
 * and that unmounting gives every byte back.
 */
#include "h_vfs.h"

#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

static void
boot_mnt(void)
{
	vfs_boot();
	OK(rump_sys_mkdir("/mnt", 0755));
}

TestSuite(mount, .init = boot_mnt);

Test(mount, mount_and_unmount)
{
	struct stat before, during, after;

	mkfile("/mnt/hidden", NULL);
	OK(rump_sys_stat("/mnt", &before));
	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	OK(rump_sys_stat("/mnt", &during));
	cr_assert_neq(during.st_dev, before.st_dev);
	FAILS(rump_sys_access("/mnt/hidden", F_OK), ENOENT);
	mkfile("/mnt/onfs", NULL);
	OK(rump_sys_umount2("/mnt", 0));
	OK(rump_sys_stat("/mnt", &after));
	cr_assert_eq(after.st_ino, before.st_ino);
	cr_assert_eq(after.st_dev, before.st_dev);
	OK(rump_sys_access("/mnt/hidden", F_OK));
	FAILS(rump_sys_access("/mnt/onfs", F_OK), ENOENT);
}

Test(mount, errors)
{
	mkfile("/file", NULL);
	FAILS(rump_sys_mount("x", "/mnt", "nosuchfs", 0, NULL), ENODEV);
	FAILS(rump_sys_mount("tmpfs", "/file", "tmpfs", 0, NULL), ENOTDIR);
	FAILS(rump_sys_mount("tmpfs", "/nope", "tmpfs", 0, NULL), ENOENT);
	FAILS(rump_sys_mount("tmpfs", NULL, "tmpfs", 0, NULL), EFAULT);
	FAILS(rump_sys_mount("tmpfs", "/mnt", NULL, 0, NULL), EINVAL);
	FAILS(rump_sys_umount2("/mnt", 0), EINVAL);
	FAILS(rump_sys_umount2("/nope", 0), ENOENT);
	FAILS(rump_sys_umount2("/", 0), EBUSY);
	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	FAILS(rump_sys_umount2("/mnt", MNT_FORCE), EINVAL);
	FAILS(rump_sys_umount2("/mnt", MNT_DETACH), EINVAL);
	OK(rump_sys_umount2("/mnt", 0));
}

Test(mount, busy)
{
	int fd;

	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	fd = rump_sys_open("/mnt/f", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_umount2("/mnt", 0), EBUSY);
	OK(rump_sys_close(fd));
	OK(rump_sys_mkdir("/mnt/d", 0755));
	OK(rump_sys_chdir("/mnt/d"));
	FAILS(rump_sys_umount2("/mnt", 0), EBUSY);
	OK(rump_sys_chdir("/"));
	OK(rump_sys_mkdir("/mnt/sub", 0755));
	OK(rump_sys_mount("tmpfs", "/mnt/sub", "tmpfs", 0, NULL));
	FAILS(rump_sys_umount2("/mnt", 0), EBUSY);
	OK(rump_sys_umount2("/mnt/sub", 0));
	OK(rump_sys_umount2("/mnt", 0));
}

Test(mount, stacked)
{
	struct stat a, b;

	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	mkfile("/mnt/lower", NULL);
	OK(rump_sys_stat("/mnt", &a));
	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	OK(rump_sys_stat("/mnt", &b));
	cr_assert_neq(a.st_dev, b.st_dev);
	FAILS(rump_sys_access("/mnt/lower", F_OK), ENOENT);
	OK(rump_sys_umount2("/mnt", 0));
	OK(rump_sys_access("/mnt/lower", F_OK));
	OK(rump_sys_umount2("/mnt", 0));
}

Test(mount, readonly_and_remount)
{
	struct statfs sf;

	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	mkfile("/mnt/f", "data");
	OK(rump_sys_mount(NULL, "/mnt", NULL, MS_REMOUNT | MS_RDONLY, NULL));
	OK(rump_sys_statfs("/mnt", (void *)&sf));
	cr_assert(sf.f_flags & ST_RDONLY);
	FAILS(rump_sys_open("/mnt/g", O_RDWR | O_CREAT, 0644), EROFS);
	FAILS(rump_sys_open("/mnt/f", O_RDWR, 0), EROFS);
	FAILS(rump_sys_mkdir("/mnt/d", 0755), EROFS);
	FAILS(rump_sys_unlink("/mnt/f"), EROFS);
	FAILS(rump_sys_chmod("/mnt/f", 0600), EROFS);
	FAILS(rump_sys_truncate("/mnt/f", 0), EROFS);
	FAILS(rump_sys_rename("/mnt/f", "/mnt/g"), EROFS);
	OK(rump_sys_close(rump_sys_open("/mnt/f", O_RDONLY, 0)));
	OK(rump_sys_mount(NULL, "/mnt", NULL, MS_REMOUNT, NULL));
	mkfile("/mnt/g", NULL);
	OK(rump_sys_umount2("/mnt", 0));
	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", MS_RDONLY | MS_NOSUID,
	    NULL));
	OK(rump_sys_statfs("/mnt", (void *)&sf));
	cr_assert(sf.f_flags & ST_RDONLY);
	cr_assert(sf.f_flags & ST_NOSUID);
	FAILS(rump_sys_mkdir("/mnt/d", 0755), EROFS);
	OK(rump_sys_umount2("/mnt", 0));
}

Test(mount, unmount_frees_everything)
{
	uint64_t before;
	int i;

	/* Warm up allocations that stay (caches, descriptor tables). */
	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	mkfile("/mnt/x", "x");
	OK(rump_sys_umount2("/mnt", 0));
	before = rump_kmem_inuse();
	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	for (i = 0; i < 20; i++) {
		char name[32];

		snprintf(name, sizeof(name), "/mnt/f%d", i);
		mkfile(name, "some data here");
	}
	OK(rump_sys_mkdir("/mnt/d", 0755));
	OK(rump_sys_symlink("f1", "/mnt/d/l"));
	OK(rump_sys_umount2("/mnt", 0));
	cr_assert_leq(rump_kmem_inuse(), before + 512,
	    "kmem %llu -> %llu", (unsigned long long)before,
	    (unsigned long long)rump_kmem_inuse());
}

Test(mount, rootfs_without_tmpfs_root_is_covered)
{
	struct stat sb;

	/* With tmpfs linked, / is a tmpfs: writable from boot. */
	OK(rump_sys_stat("/", &sb));
	mkfile("/writable", NULL);
	FAILS(rump_sys_rmdir("/"), EBUSY);
	FAILS(rump_sys_mkdir("/", 0755), EEXIST);
	FAILS(rump_sys_unlink("/"), EISDIR);
}

Test(mount, halt_unmounts_all)
{
	struct stat root, mnt;
	int fd;

	OK(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	OK(rump_sys_mkdir("/mnt/sub", 0755));
	OK(rump_sys_mount("tmpfs", "/mnt/sub", "tmpfs", 0, NULL));
	mkfile("/mnt/sub/f", "x");
	OK(rump_sys_mkdir("/busy", 0755));
	OK(rump_sys_mount("tmpfs", "/busy", "tmpfs", 0, NULL));
	fd = rump_sys_open("/busy/open", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	OK(rump_sys_reboot(0xfee1dead, 672274793, 0xCDEF0123, NULL));
	OK(rump_sys_stat("/", &root));
	OK(rump_sys_stat("/mnt", &mnt));
	cr_assert_eq(mnt.st_dev, root.st_dev, "/mnt still mounted");
	FAILS(rump_sys_access("/mnt/sub", F_OK), ENOENT);
	/* A file system in use stays. */
	OK(rump_sys_access("/busy/open", F_OK));
	OK(rump_sys_close(fd));
}

Test(mount, over_the_root)
{
	struct stat before, during;
	char buf[16];

	mkfile("/under", NULL);
	OK(rump_sys_stat("/", &before));
	OK(rump_sys_mount("tmpfs", "/", "tmpfs", 0, NULL));
	OK(rump_sys_stat("/", &during));
	cr_assert_neq(during.st_dev, before.st_dev);
	FAILS(rump_sys_access("/under", F_OK), ENOENT);
	OK(rump_sys_stat("/..", &during));
	cr_assert_neq(during.st_dev, before.st_dev);
	mkfile("/over", NULL);
	/* A process whose cwd is the mounted root keeps it busy. */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG), 0);
	OK(rump_sys_chdir("/"));
	cr_assert_eq(rump_sys_getcwd(buf, sizeof(buf)), 2);
	FAILS(rump_sys_umount2("/", 0), EBUSY);
	rump_lwproc_releaselwp();
	OK(rump_sys_umount2("/", 0));
	OK(rump_sys_access("/under", F_OK));
	FAILS(rump_sys_access("/over", F_OK), ENOENT);
}
