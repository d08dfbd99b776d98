/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_ext2fs.c: libFuzzer harness for the ext2 file system.
 *
 * Each input is a disk image.  The harness boots a rump kernel once,
 * writes the image to a host temp file, maps it with etfs as a block
 * device, mounts it read-write (read-only if that is refused), walks the
 * tree (bounded), reads every file, makes a few changes (create, write,
 * truncate, mkdir, rename, link, unlink, rmdir) and unmounts.  Whatever
 * the image holds, every call must return: a crash, a hang, a sanitizer
 * report or a leak of kernel memory across iterations is a finding.
 *
 * fuzz/meson.build builds it with clang's libFuzzer when available and,
 * with any compiler, with fuzz_replay.c, which runs the seed corpus
 * (fuzz/corpus/ext2fs: small mke2fs images) as a regression test.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define FZ_MAXIMAGE (8 << 20)
#define FZ_MAXDEPTH 6
#define FZ_MAXENTRIES 256

static char fz_path[64];
static int fz_fd = -1;

static void
fz_init(void)
{
	if (fz_fd >= 0)
		return;
	if (rump_init() != 0)
		abort();
	snprintf(fz_path, sizeof(fz_path), "/tmp/fuzz_ext2fs.XXXXXX");
	fz_fd = mkstemp(fz_path);
	if (fz_fd < 0)
		abort();
	unlink(fz_path);
	/* keep a name the kernel can open: /proc/self/fd/N */
	snprintf(fz_path, sizeof(fz_path), "/proc/self/fd/%d", fz_fd);
	rump_sys_mkdir("/dev", 0755);
	rump_sys_mkdir("/mnt", 0755);
}

static void
fz_walk(const char *dir, int depth, bool rw)
{
	static char buf[65536];
	char dents[4096], path[512];
	ssize_t len, off;
	int fd, n = 0;

	if (depth > FZ_MAXDEPTH)
		return;
	fd = rump_sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	while (n < FZ_MAXENTRIES &&
	    (len = rump_sys_getdents64(fd, dents, sizeof(dents))) > 0) {
		for (off = 0; off < len && n < FZ_MAXENTRIES; n++) {
			struct dirent64 *d = (void *)(dents + off);
			struct stat st;
			int f;

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			if (rump_sys_lstat(path, &st) != 0)
				continue;
			if (S_ISDIR(st.st_mode)) {
				fz_walk(path, depth + 1, rw);
			} else if (S_ISLNK(st.st_mode)) {
				rump_sys_readlink(path, buf, sizeof(buf));
			} else if (S_ISREG(st.st_mode)) {
				f = rump_sys_open(path, rw ? O_RDWR : O_RDONLY,
				    0);
				if (f < 0)
					continue;
				/* at most 4 MiB: reading holes is legitimate
				   work, but slow for a fuzzer */
				for (int k = 0; k < 64 && rump_sys_read(f, buf,
				    sizeof(buf)) > 0; k++)
					continue;
				rump_sys_pread64(f, buf, 16, (off_t)1 << 32);
				if (rw) {
					rump_sys_pwrite64(f, "fuzz", 4, 5000);
					rump_sys_ftruncate(f, st.st_size / 2);
				}
				rump_sys_close(f);
			}
		}
	}
	rump_sys_close(fd);
}

static void
fz_changes(void)
{
	static char data[20000];
	int fd;

	memset(data, 'z', sizeof(data));
	rump_sys_mkdir("/mnt/fz.d", 0755);
	fd = rump_sys_open("/mnt/fz.d/f", O_RDWR | O_CREAT, 0644);
	if (fd >= 0) {
		rump_sys_write(fd, data, sizeof(data));
		rump_sys_pwrite64(fd, data, 100, 300000);
		rump_sys_ftruncate(fd, 7000);
		rump_sys_fsync(fd);
		rump_sys_close(fd);
	}
	rump_sys_symlink("/a/rather/long/target/that/is/more/than/sixty/"
	    "bytes/long/for/a/slow/link", "/mnt/fz.d/l");
	rump_sys_link("/mnt/fz.d/f", "/mnt/fz.h");
	rump_sys_rename("/mnt/fz.d/f", "/mnt/fz.f");
	rump_sys_rename("/mnt/fz.d", "/mnt/lost+found/fz.d");
	rump_sys_unlink("/mnt/fz.h");
	rump_sys_unlink("/mnt/fz.f");
	rump_sys_unlink("/mnt/lost+found/fz.d/l");
	rump_sys_rmdir("/mnt/lost+found/fz.d");
	rump_sys_sync();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool rw = true;

	if (size > FZ_MAXIMAGE)
		return 0;
	fz_init();
	if (ftruncate(fz_fd, 0) != 0 ||
	    pwrite(fz_fd, data, size, 0) != (ssize_t)size)
		abort();
	if (rump_etfs_register("/dev/fz", fz_path, RUMP_ETFS_BLK) != 0)
		return 0;
	if (rump_sys_mount("/dev/fz", "/mnt", "ext2fs", 0, NULL) != 0) {
		rw = false;
		if (rump_sys_mount("/dev/fz", "/mnt", "ext2fs", MS_RDONLY,
		    NULL) != 0)
			goto out;
	}
	fz_walk("/mnt", 0, rw);
	if (rw)
		fz_changes();
	if (rump_sys_umount2("/mnt", 0) != 0)
		abort();	/* nothing may stay busy */
out:
	rump_etfs_remove("/dev/fz");
	return 0;
}
