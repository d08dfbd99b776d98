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

static inline void
vfs_mountfs(const char *fstype)
{
	cr_assert_eq(rump_sys_mkdir(VFS_MNT, 0755), 0, "mkdir: %d", errno);
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

#define VFS_TEST_ONE(suite, name, fs)					\
	Test(suite, name##_##fs, .init = vfs_boot)			\
	{								\
		vfs_mountfs(#fs);					\
		suite##_##name##_body();				\
	}

/* The file systems every VFS test runs on. */
#define VFS_TEST(suite, name)						\
	static void suite##_##name##_body(void);			\
	VFS_TEST_ONE(suite, name, tmpfs)				\
	static void suite##_##name##_body(void)

#endif /* _TESTS_VFS_H_VFS_H_ */
