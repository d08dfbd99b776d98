/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_rootfs.c: a kernel with the VFS but no file system: "/" is rootfs, an
 * empty read-only directory where nothing can be created and only mounts
 * could happen.  Linked without tmpfs on purpose.
 */
#include "h_vfs.h"

#include <rump/rumpvnode_if.h>

TestSuite(rootfs, .init = vfs_boot);


Test(rootfs, empty_readonly_root)
{
	struct stat sb;
	char buf[512];
	long len, off;
	int fd, n = 0;

	OK(rump_sys_stat("/", &sb));
	cr_assert(S_ISDIR(sb.st_mode));
	OK(rump_sys_stat("/..", &sb));
	FAILS(rump_sys_mkdir("/x", 0755), EROFS);
	FAILS(rump_sys_open("/f", O_RDWR | O_CREAT, 0644), EROFS);
	FAILS(rump_sys_stat("/f", &sb), ENOENT);
	FAILS(rump_sys_open("/", O_RDWR, 0), EISDIR);
	fd = rump_sys_open("/", O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	while ((len = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < len; n++) {
			struct rump_dirent64 *d = (void *)(buf + off);

			cr_assert(strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0, "%s", d->d_name);
			off += d->d_reclen;
		}
	}
	cr_assert_eq(n, 2);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_sys_getcwd(buf, sizeof(buf)), 2);
	cr_assert_str_eq(buf, "/");
}

Test(rootfs, no_file_systems)
{
	FAILS(rump_sys_mount("tmpfs", "/", "tmpfs", 0, NULL), ENODEV);
	FAILS(rump_sys_umount2("/", 0), EBUSY);
	/* Not a regular host file. */
	cr_assert_eq(rump_etfs_register("/key", "/dev/null", RUMP_ETFS_REG),
	    EINVAL);
	/* No key file can be created on rootfs. */
	cr_assert_eq(rump_etfs_register("/key", "/proc/self/exe",
	    RUMP_ETFS_REG), EROFS);
}

/* The generated public vnode operations are exported by librumpvfs. */
Test(rootfs, vop_entry_points)
{
	void (*ops[])(void) = {
		(void (*)(void))RUMP_VOP_LOOKUP,
		(void (*)(void))RUMP_VOP_GETATTR,
		(void (*)(void))RUMP_VOP_RENAME,
		(void (*)(void))RUMP_VOP_RECLAIM,
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		cr_assert_not_null(ops[i]);
}
