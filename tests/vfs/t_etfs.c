/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_etfs.c: host files in the kernel's name space (rump_etfs_register):
 * reading and writing through the key, the size window of
 * rump_etfs_register_withsize, EEXIST/ENOENT/EOPNOTSUPP, busy removal and
 * removal.
 */
#include "h_vfs.h"

#include <stdlib.h>

static char hostpath[64];

static void
boot_etfs(void)
{
	int fd;

	vfs_boot();
	snprintf(hostpath, sizeof(hostpath), "/tmp/t_etfs.XXXXXX");
	fd = mkstemp(hostpath);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "0123456789abcdef", 16), 16);
	close(fd);
}

static void
fini_etfs(void)
{
	unlink(hostpath);
}

TestSuite(etfs, .init = boot_etfs, .fini = fini_etfs);

Test(etfs, read_write_through_key)
{
	char buf[32];
	struct stat sb;
	int fd, hfd;

	cr_assert_eq(rump_etfs_register("/hostfile", hostpath, RUMP_ETFS_REG),
	    0);
	OK(rump_sys_stat("/hostfile", &sb));
	cr_assert(S_ISREG(sb.st_mode));
	cr_assert_eq(sb.st_size, 16);
	fd = rump_sys_open("/hostfile", O_RDWR, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 16);
	cr_assert_eq(memcmp(buf, "0123456789abcdef", 16), 0);
	cr_assert_eq(rump_sys_pwrite64(fd, "XY", 2, 4), 2);
	cr_assert_eq(rump_sys_pwrite64(fd, "tail", 4, 16), 4);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_close(fd));
	hfd = open(hostpath, O_RDONLY);
	cr_assert_eq(read(hfd, buf, sizeof(buf)), 20);
	cr_assert_eq(memcmp(buf, "0123XY6789abcdeftail", 20), 0);
	close(hfd);
	cr_assert_eq(rump_etfs_remove("/hostfile"), 0);
	FAILS(rump_sys_access("/hostfile", F_OK), ENOENT);
}

Test(etfs, size_window)
{
	char buf[32];
	struct stat sb;
	int fd;

	cr_assert_eq(rump_etfs_register_withsize("/win", hostpath,
	    RUMP_ETFS_REG, 4, 8), 0);
	OK(rump_sys_stat("/win", &sb));
	cr_assert_eq(sb.st_size, 8);
	fd = rump_sys_open("/win", O_RDWR, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "456789ab", 8), 0);
	cr_assert_eq(rump_sys_pread64(fd, buf, 4, 6), 2);
	cr_assert_eq(memcmp(buf, "ab", 2), 0);
	/* Writes stop at the window's end. */
	cr_assert_eq(rump_sys_pwrite64(fd, "WXYZ", 4, 6), 2);
	FAILS(rump_sys_pwrite64(fd, "Q", 1, 8), EFBIG);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/win"), 0);
}

Test(etfs, errors)
{
	int fd;

	cr_assert_eq(rump_etfs_register("/k", "/nonexistent/file",
	    RUMP_ETFS_REG), ENOENT);
	cr_assert_eq(rump_etfs_register("/k", hostpath, RUMP_ETFS_BLK),
	    EOPNOTSUPP);
	cr_assert_eq(rump_etfs_register("/k", hostpath, RUMP_ETFS_DIR),
	    EOPNOTSUPP);
	cr_assert_eq(rump_etfs_register("/k", hostpath, RUMP_ETFS_REG), 0);
	cr_assert_eq(rump_etfs_register("/k", hostpath, RUMP_ETFS_REG),
	    EEXIST);
	cr_assert_eq(rump_etfs_remove("/other"), ENOENT);
	fd = rump_sys_open("/k", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_etfs_remove("/k"), EBUSY);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/k"), 0);
	cr_assert_eq(rump_etfs_remove("/k"), ENOENT);
}

Test(etfs, existing_key_file_is_covered)
{
	char buf[4];
	int fd;

	mkfile("/cover", "old");
	cr_assert_eq(rump_etfs_register("/cover", hostpath, RUMP_ETFS_REG), 0);
	fd = rump_sys_open("/cover", O_RDONLY, 0);
	cr_assert_eq(rump_sys_read(fd, buf, 4), 4);
	cr_assert_eq(memcmp(buf, "0123", 4), 0);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/cover"), 0);
}
