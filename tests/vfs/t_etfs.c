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
	cr_assert_eq(rump_etfs_register("/k", hostpath,
	    (enum rump_etfs_type)99), EINVAL);
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

/* ---- host directories: RUMP_ETFS_DIR and RUMP_ETFS_DIR_SUBDIRS ---- */

static char hostdir[64];

static void
hostfile(const char *rel, const char *data)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", hostdir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static int
hostexists(const char *rel)
{
	char p[256];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", hostdir, rel);
	return lstat(p, &sb) == 0;
}

static void
boot_dir(void)
{
	char p[256];

	boot_etfs();
	snprintf(hostdir, sizeof(hostdir), "/tmp/t_etfsd.XXXXXX");
	cr_assert_not_null(mkdtemp(hostdir));
	hostfile("a", "file a");
	snprintf(p, sizeof(p), "%s/sub", hostdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	hostfile("sub/b", "file b");
	snprintf(p, sizeof(p), "%s/lnk", hostdir);
	cr_assert_eq(symlink("/etc/passwd", p), 0);
}

static void
fini_dir(void)
{
	char cmd[128];

	fini_etfs();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", hostdir);
	cr_assert_eq(system(cmd), 0);
}

/* The names in a kernel directory, sorted and joined with spaces. */
static void
listdir(const char *path, char *out, size_t outlen)
{
	char buf[4096], names[32][64];
	struct rump_dirent64 *d;
	int fd, n = 0, i, j;
	ssize_t len, off;

	fd = rump_sys_open(path, O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0, "open %s: %d", path, errno);
	while ((len = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < len; off += d->d_reclen) {
			d = (struct rump_dirent64 *)(buf + off);
			cr_assert_lt(n, 32);
			snprintf(names[n++], sizeof(names[0]), "%s", d->d_name);
		}
	}
	cr_assert_eq(len, 0);
	rump_sys_close(fd);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char t[64];

				memcpy(t, names[i], 64);
				memcpy(names[i], names[j], 64);
				memcpy(names[j], t, 64);
			}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, " ", outlen - strlen(out) - 1);
		strncat(out, names[i], outlen - strlen(out) - 1);
	}
}

TestSuite(etfsdir, .init = boot_dir, .fini = fini_dir);

Test(etfsdir, dir_files_only)
{
	char buf[256];
	struct stat sb;
	uint64_t kmem0;
	int fd;

	cr_assert_eq(rump_etfs_register("/hd", hostpath, RUMP_ETFS_DIR),
	    ENOTDIR);
	kmem0 = rump_kmem_inuse();
	cr_assert_eq(rump_etfs_register("/hd", hostdir, RUMP_ETFS_DIR), 0);
	OK(rump_sys_stat("/hd", &sb));
	cr_assert(S_ISDIR(sb.st_mode));
	listdir("/hd", buf, sizeof(buf));
	cr_assert_str_eq(buf, ". .. a lnk");
	FAILS(rump_sys_stat("/hd/sub", &sb), ENOENT);
	FAILS(rump_sys_stat("/hd/sub/b", &sb), ENOENT);
	FAILS(rump_sys_mkdir("/hd/newdir", 0755), EOPNOTSUPP);
	/* Read a host file. */
	fd = rump_sys_open("/hd/a", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 6);
	cr_assert_eq(memcmp(buf, "file a", 6), 0);
	OK(rump_sys_close(fd));
	OK(rump_sys_lstat("/hd/lnk", &sb));
	cr_assert(S_ISLNK(sb.st_mode));
	cr_assert_eq(rump_sys_readlink("/hd/lnk", buf, sizeof(buf)), 11);
	/* Create, append, truncate, remove. */
	mkfile("/hd/new", "hello");
	cr_assert(hostexists("new"));
	fd = rump_sys_open("/hd/new", O_WRONLY | O_APPEND, 0);
	cr_assert_eq(rump_sys_write(fd, " world", 6), 6);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_close(fd));
	OK(rump_sys_stat("/hd/new", &sb));
	cr_assert_eq(sb.st_size, 11);
	OK(rump_sys_truncate("/hd/new", 5));
	OK(rump_sys_stat("/hd/new", &sb));
	cr_assert_eq(sb.st_size, 5);
	OK(rump_sys_chmod("/hd/new", 0600));
	OK(rump_sys_stat("/hd/new", &sb));
	cr_assert_eq(sb.st_mode & 0777, 0600);
	FAILS(rump_sys_open("/hd/new", O_CREAT | O_EXCL | O_WRONLY, 0644),
	    EEXIST);
	OK(rump_sys_unlink("/hd/new"));
	cr_assert(!hostexists("new"));
	FAILS(rump_sys_stat("/hd/new", &sb), ENOENT);
	/* Removed and made again on the host: the new file. */
	hostfile("a", "again");
	fd = rump_sys_open("/hd/a", O_RDONLY, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 5);
	OK(rump_sys_close(fd));
	/* Busy while a file below is open. */
	fd = rump_sys_open("/hd/a", O_RDONLY, 0);
	cr_assert_eq(rump_etfs_remove("/hd"), EBUSY);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/hd"), 0);
	FAILS(rump_sys_stat("/hd", &sb), ENOENT);
	cr_assert(hostexists("a"));
	cr_assert_leq(rump_kmem_inuse(), kmem0 + 16384);
}

Test(etfsdir, subdirs)
{
	char buf[256];
	struct stat sb;
	int fd;

	cr_assert_eq(rump_etfs_register("/hd", hostdir,
	    RUMP_ETFS_DIR_SUBDIRS), 0);
	listdir("/hd", buf, sizeof(buf));
	cr_assert_str_eq(buf, ". .. a lnk sub");
	listdir("/hd/sub", buf, sizeof(buf));
	cr_assert_str_eq(buf, ". .. b");
	fd = rump_sys_open("/hd/sub/b", O_RDONLY, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 6);
	OK(rump_sys_close(fd));
	OK(rump_sys_stat("/hd/sub/../a", &sb));
	cr_assert(S_ISREG(sb.st_mode));
	OK(rump_sys_mkdir("/hd/d2", 0750));
	cr_assert(hostexists("d2"));
	mkfile("/hd/d2/f", "x");
	cr_assert(hostexists("d2/f"));
	FAILS(rump_sys_rmdir("/hd/d2"), ENOTEMPTY);
	FAILS(rump_sys_unlink("/hd/d2"), EISDIR);
	OK(rump_sys_unlink("/hd/d2/f"));
	OK(rump_sys_rmdir("/hd/d2"));
	cr_assert(!hostexists("d2"));
	/* The path above the key is the kernel's. */
	OK(rump_sys_chdir("/hd/sub"));
	OK(rump_sys_stat("../../hd", &sb));
	OK(rump_sys_chdir("/"));
	cr_assert_eq(rump_etfs_remove("/hd"), 0);
}

/*
 * O_TRUNC on a RUMP_ETFS_REG key empties the host file's window (its
 * whole tail for an open-ended key), and what is written after it reads
 * back, through the key and on the host.
 */
Test(etfs, trunc_then_write_reads_back)
{
	char buf[32];
	struct stat sb;
	ssize_t n;
	int fd, hfd;

	cr_assert_eq(rump_etfs_register("/hostfile", hostpath, RUMP_ETFS_REG),
	    0);
	fd = rump_sys_open("/hostfile", O_RDWR | O_TRUNC, 0);
	cr_assert_geq(fd, 0, "open O_TRUNC: %s", strerror(errno));
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_size, 0);
	cr_assert_eq(rump_sys_write(fd, "new", 3), 3);
	OK(rump_sys_fstat(fd, &sb));
	cr_assert_eq(sb.st_size, 3);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "new", 3), 0);
	OK(rump_sys_close(fd));
	hfd = open(hostpath, O_RDONLY);
	cr_assert_eq(read(hfd, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "new", 3), 0);
	close(hfd);
	/* creat(2) is open with O_TRUNC too. */
	fd = rump_sys_open("/hostfile", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_write(fd, "ab", 2), 2);
	OK(rump_sys_close(fd));
	fd = rump_sys_open("/hostfile", O_RDONLY, 0);
	memset(buf, 0, sizeof(buf));
	n = rump_sys_read(fd, buf, sizeof(buf));
	cr_assert_eq(n, 2, "read %zd: %.32s", n, buf);
	cr_assert_eq(memcmp(buf, "ab", 2), 0);
	OK(rump_sys_close(fd));
	cr_assert_eq(rump_etfs_remove("/hostfile"), 0);
}
