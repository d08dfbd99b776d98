/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_vfs.h: helpers of the VFS tests: one test body, every file system.
 *
 *	VFS_TEST(suite, name)
 *	{
 *		... uses P("a/b") for paths inside the file system under test
 *	}
 *
 * defines one Criterion case per file system in VFS_FSTYPES; each boots a
 * kernel, mounts a fresh instance of the file system at /mnt and runs the
 * body.  A file system added to the list runs every VFS test.
 */
#ifndef _TESTS_VFS_H_VFS_H_
#define _TESTS_VFS_H_VFS_H_

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#define VFS_MNT "/mnt"

/* A path under the mount point; eight rotating buffers. */
static inline const char *
P(const char *rel)
{
	static char bufs[8][512];
	static unsigned n;
	char *b = bufs[n++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", VFS_MNT, rel);
	return b;
}

static inline void
vfs_boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

/*
 * File systems that live on a disk get a set-up hook: it makes a fresh
 * image in a host temp file, maps it as a block device with etfs and
 * mounts it.  The image goes when the test process exits.
 */
static char vfs_image[64];

static inline void
vfs_image_remove(void)
{
	if (vfs_image[0] != '\0')
		unlink(vfs_image);
}

/* ext2: mke2fs on a 16 MiB image at /dev/ext2disk. */
static inline void
vfs_setup_ext2fs(void)
{
	char cmd[160];
	int fd;

	snprintf(vfs_image, sizeof(vfs_image), "/tmp/vfs_ext2.XXXXXX");
	fd = mkstemp(vfs_image);
	cr_assert_geq(fd, 0, "mkstemp: %d", errno);
	close(fd);
	atexit(vfs_image_remove);
	snprintf(cmd, sizeof(cmd), "mke2fs -q -F -t ext2 -b 1024 %s 16M "
	    ">/dev/null 2>&1", vfs_image);
	cr_assert_eq(system(cmd), 0, "mke2fs failed");
	rump_sys_mkdir("/dev", 0755);
	cr_assert_eq(rump_etfs_register("/dev/ext2disk", vfs_image,
	    RUMP_ETFS_BLK), 0);
	cr_assert_eq(rump_sys_mount("/dev/ext2disk", VFS_MNT, "ext2fs", 0,
	    NULL), 0, "mount ext2fs: errno %d", errno);
	/* as a fresh tmpfs: an empty root where everyone may create */
	cr_assert_eq(rump_sys_rmdir(VFS_MNT "/lost+found"), 0);
	cr_assert_eq(rump_sys_chmod(VFS_MNT, 01777), 0);
}

static inline void
vfs_mountfs(const char *fstype)
{
	cr_assert_eq(rump_sys_mkdir(VFS_MNT, 0755), 0, "mkdir: %d", errno);
	if (strcmp(fstype, "ext2fs") == 0) {
		vfs_setup_ext2fs();
		return;
	}
	cr_assert_eq(rump_sys_mount(fstype, VFS_MNT, fstype, 0, NULL), 0,
	    "mount %s: errno %d", fstype, errno);
}

/* Expect a syscall to fail with err. */
#define FAILS(call, err)						\
	do {								\
		errno = 0;						\
		long r_ = (long)(call);					\
		cr_assert_eq(r_, -1, "%s succeeded", #call);		\
		cr_assert_eq(errno, (err), "%s: errno %d, expected %d",	\
		    #call, errno, (err));				\
	} while (0)
#define OK(call)							\
	do {								\
		errno = 0;						\
		long r_ = (long)(call);					\
		cr_assert_geq(r_, 0, "%s: errno %d", #call, errno);	\
	} while (0)

static inline void
mkfile(const char *path, const char *data)
{
	int fd = rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "create %s: errno %d", path, errno);
	if (data != NULL)
		cr_assert_eq(rump_sys_write(fd, data, strlen(data)),
		    (ssize_t)strlen(data));
	cr_assert_eq(rump_sys_close(fd), 0);
}

/*
 * What a file system lacks, declared by the file system: the VFS tests
 * (suite/name) that need something it does not have, and why.  Those
 * cases are skipped with the reason on that file system only.
 */
struct vfs_lack {
	const char *vl_fstype;
	const char *vl_test;
	const char *vl_why;
};
static const struct vfs_lack vfs_lacks[] = {
	{ "ext2fs", "syscalls/truncate",
	    "fallocate(KEEP_SIZE) past the end: ext2 has no such blocks" },
};

static inline void
vfs_skip_lacking(const char *fstype, const char *test)
{
	size_t i;

	for (i = 0; i < sizeof(vfs_lacks) / sizeof(vfs_lacks[0]); i++) {
		if (strcmp(vfs_lacks[i].vl_fstype, fstype) == 0 &&
		    strcmp(vfs_lacks[i].vl_test, test) == 0)
			cr_skip_test("%s lacks it: %s", fstype,
			    vfs_lacks[i].vl_why);
	}
}

/* The file system under test, for bodies that check its own values. */
static const char *vfs_fstype __attribute__((unused));

/* statfs f_type of each file system in VFS_FSTYPES. */
static inline long
vfs_magic(const char *fstype)
{
	if (strcmp(fstype, "ext2fs") == 0)
		return 0xEF53;
	return 0x01021994;              /* tmpfs */
}

#define VFS_TEST_ONE(suite, name, fs)					\
	Test(suite, name##_##fs, .init = vfs_boot)			\
	{								\
		vfs_fstype = #fs;					\
		vfs_skip_lacking(#fs, #suite "/" #name);		\
		vfs_mountfs(#fs);					\
		suite##_##name##_body();				\
	}

/* The file systems every VFS test runs on. */
#define VFS_TEST(suite, name)						\
	static void suite##_##name##_body(void);			\
	VFS_TEST_ONE(suite, name, tmpfs)				\
	VFS_TEST_ONE(suite, name, ext2fs)				\
	static void suite##_##name##_body(void)

#endif /* _TESTS_VFS_H_VFS_H_ */
