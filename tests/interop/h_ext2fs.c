/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_ext2fs.c: the in-process side of the ext2 interoperability tests.
 *
 *	h_ext2fs [-o options] [-t fstype] [-r] image command [args]
 *
 * boots a rump kernel, maps the host file image at /dev/disk (etfs,
 * block device), mounts it at /mnt and runs one command:
 *
 *	manifest       print one line per file under /mnt, sorted by path
 *	               (see tests/interop/manifest.py, which prints the same
 *	               for a host tree)
 *	writes         the write workload of the interop suite (create,
 *	               write, append, truncate, rename, link, unlink, mkdir,
 *	               rmdir, symlink, mknod, chmod/chown/utimens, many files
 *	               in one directory, a sparse file past 4 GiB)
 *	mountfail      the mount must fail; print its errno name
 *	readall        read every file; print the first errno met or "ok"
 *	fill           write files until ENOSPC; unlink them again
 *	pread P O L    print L bytes of /mnt/P at offset O
 *
 * then unmounts (an error is printed and fails the program).  -r mounts
 * read-only (MS_RDONLY).  Exit status 0 on success, 1 on any failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define MNT "/mnt"

static int failures;

#define CHECK(call)							\
	do {								\
		errno = 0;						\
		if ((long)(call) < 0) {					\
			fprintf(stderr, "h_ext2fs: %s:%d: %s: %s\n",	\
			    __FILE__, __LINE__, #call, strerror(errno));\
			failures++;					\
		}							\
	} while (0)

/* CRC-32 (IEEE, as zlib's crc32) of a file's contents. */
static uint32_t crctab[256];

static uint32_t
crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	uint32_t c, i, k;

	if (crctab[1] == 0) {
		for (i = 0; i < 256; i++) {
			for (c = i, k = 0; k < 8; k++)
				c = (c >> 1) ^ ((c & 1) ? 0xEDB88320u : 0);
			crctab[i] = c;
		}
	}
	crc = ~crc;
	while (n-- > 0)
		crc = (crc >> 8) ^ crctab[(crc ^ *p++) & 0xff];
	return ~crc;
}

/* Checksum of a file's contents; -1 with errno on failure. */
static int
hashfile(const char *path, uint64_t *hp)
{
	static unsigned char buf[1 << 16];
	uint32_t h = 0;
	ssize_t n;
	int fd;

	fd = rump_sys_open(path, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	while ((n = rump_sys_read(fd, buf, sizeof(buf))) > 0)
		h = crc32_update(h, buf, (size_t)n);
	rump_sys_close(fd);
	if (n < 0)
		return -1;
	*hp = h;
	return 0;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory path (without . and ..), sorted; count in *np. */
static char **
listdir(const char *path, size_t *np)
{
	char buf[8192], **names = NULL;
	size_t n = 0, cap = 0;
	ssize_t len, off;
	int fd;

	*np = 0;
	fd = rump_sys_open(path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		fprintf(stderr, "h_ext2fs: open %s: %s\n", path,
		    strerror(errno));
		failures++;
		return NULL;
	}
	while ((len = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < len;) {
			struct dirent64 *d = (void *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				names = realloc(names, cap * sizeof(*names));
			}
			names[n++] = strdup(d->d_name);
		}
	}
	if (len < 0) {
		fprintf(stderr, "h_ext2fs: getdents %s: %s\n", path,
		    strerror(errno));
		failures++;
	}
	rump_sys_close(fd);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmpstr);
	*np = n;
	return names;
}

static void
manifest_one(const char *path, const char *rel)
{
	struct stat st;
	char target[4096];
	uint64_t h;
	ssize_t n;

	if (rump_sys_lstat(path, &st) != 0) {
		fprintf(stderr, "h_ext2fs: lstat %s: %s\n", path,
		    strerror(errno));
		failures++;
		return;
	}
	printf("%s %04o %u %u", rel, (unsigned)(st.st_mode & 07777),
	    (unsigned)st.st_uid, (unsigned)st.st_gid);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		printf(" dir %lld\n", (long long)st.st_mtime);
		break;
	case S_IFREG:
		/* past 1 GiB (sparse giants) the size is compared alone */
		if (st.st_size > (1LL << 30)) {
			h = 0;
		} else if (hashfile(path, &h) != 0) {
			fprintf(stderr, "h_ext2fs: read %s: %s\n", path,
			    strerror(errno));
			failures++;
			h = 0;
		}
		printf(" reg %lld %lu %lld %08" PRIx64 "\n",
		    (long long)st.st_mtime, (unsigned long)st.st_nlink,
		    (long long)st.st_size, h);
		break;
	case S_IFLNK:
		n = rump_sys_readlink(path, target, sizeof(target) - 1);
		if (n < 0) {
			fprintf(stderr, "h_ext2fs: readlink %s: %s\n", path,
			    strerror(errno));
			failures++;
			n = 0;
		}
		target[n] = '\0';
		printf(" lnk %s\n", target);
		break;
	case S_IFCHR:
	case S_IFBLK:
		printf(" %s %lld %lu %u,%u\n", S_ISCHR(st.st_mode) ? "chr" :
		    "blk", (long long)st.st_mtime, (unsigned long)st.st_nlink,
		    major(st.st_rdev), minor(st.st_rdev));
		break;
	case S_IFIFO:
		printf(" fifo %lld %lu\n", (long long)st.st_mtime,
		    (unsigned long)st.st_nlink);
		break;
	case S_IFSOCK:
		printf(" sock %lld %lu\n", (long long)st.st_mtime,
		    (unsigned long)st.st_nlink);
		break;
	default:
		printf(" ?\n");
	}
}

static void
walk(const char *path, const char *rel, int depth)
{
	char **names, cpath[4096], crel[4096];
	struct stat st;
	size_t n, i;

	if (depth > 64) {
		fprintf(stderr, "h_ext2fs: %s: too deep\n", path);
		failures++;
		return;
	}
	names = listdir(path, &n);
	for (i = 0; i < n; i++) {
		snprintf(cpath, sizeof(cpath), "%s/%s", path, names[i]);
		snprintf(crel, sizeof(crel), "%s%s%s", rel, *rel ? "/" : "",
		    names[i]);
		manifest_one(cpath, crel);
		if (rump_sys_lstat(cpath, &st) == 0 && S_ISDIR(st.st_mode))
			walk(cpath, crel, depth + 1);
		free(names[i]);
	}
	free(names);
}

/* Read every regular file; remember the first error. */
static int
readall(const char *path, int depth)
{
	char **names, cpath[4096];
	struct stat st;
	uint64_t h;
	size_t n, i;
	int err = 0;

	if (depth > 64)
		return ELOOP;
	names = listdir(path, &n);
	if (names == NULL && errno != 0)
		return errno;
	for (i = 0; i < n; i++) {
		snprintf(cpath, sizeof(cpath), "%s/%s", path, names[i]);
		if (rump_sys_lstat(cpath, &st) != 0) {
			err = err ? err : errno;
		} else if (S_ISDIR(st.st_mode)) {
			int e = readall(cpath, depth + 1);

			err = err ? err : e;
		} else if (S_ISREG(st.st_mode) && hashfile(cpath, &h) != 0) {
			err = err ? err : errno;
		}
		free(names[i]);
	}
	free(names);
	return err;
}

static void
put(const char *path, const void *data, size_t len, int flags)
{
	int fd = rump_sys_open(path, O_WRONLY | O_CREAT | flags, 0644);

	CHECK(fd);
	if (fd < 0)
		return;
	if (len > 0 && rump_sys_write(fd, data, len) != (ssize_t)len) {
		fprintf(stderr, "h_ext2fs: write %s: %s\n", path,
		    strerror(errno));
		failures++;
	}
	CHECK(rump_sys_close(fd));
}

static void
writes(void)
{
	static char big[300000];
	struct timespec ts[2] = { { 1000000000, 5 }, { 1234567890, 0 } };
	char name[64];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26 + i / 7919);
	CHECK(rump_sys_mkdir(MNT "/w", 0755));
	put(MNT "/w/small", "hello, world\n", 13, O_TRUNC);
	put(MNT "/w/big", big, sizeof(big), O_TRUNC);
	put(MNT "/w/big", "appended\n", 9, O_APPEND);
	put(MNT "/w/trunc", big, sizeof(big), O_TRUNC);
	CHECK(rump_sys_truncate(MNT "/w/trunc", 5000));
	CHECK(rump_sys_truncate(MNT "/w/trunc", 70000));
	put(MNT "/w/shrunk", big, sizeof(big), O_TRUNC);
	CHECK(rump_sys_truncate(MNT "/w/shrunk", 0));
	put(MNT "/w/tmp", "x", 1, O_TRUNC);
	CHECK(rump_sys_rename(MNT "/w/tmp", MNT "/w/renamed"));
	CHECK(rump_sys_mkdir(MNT "/w/d1", 0700));
	CHECK(rump_sys_mkdir(MNT "/w/d1/sub", 0750));
	CHECK(rump_sys_mkdir(MNT "/w/d2", 0755));
	CHECK(rump_sys_rename(MNT "/w/renamed", MNT "/w/d2/moved"));
	CHECK(rump_sys_rename(MNT "/w/d1/sub", MNT "/w/d2/sub"));
	CHECK(rump_sys_link(MNT "/w/small", MNT "/w/d2/hardlink"));
	put(MNT "/w/gone", "bye", 3, O_TRUNC);
	CHECK(rump_sys_unlink(MNT "/w/gone"));
	CHECK(rump_sys_mkdir(MNT "/w/rmme", 0755));
	CHECK(rump_sys_rmdir(MNT "/w/rmme"));
	CHECK(rump_sys_symlink("small", MNT "/w/fastlink"));
	memset(name, 'L', 63);
	name[63] = '\0';
	{
		char target[300];

		memset(target, 't', sizeof(target) - 1);
		target[sizeof(target) - 1] = '\0';
		CHECK(rump_sys_symlink(target, MNT "/w/slowlink"));
	}
	CHECK(rump_sys_mknod(MNT "/w/fifo", S_IFIFO | 0644, 0));
	CHECK(rump_sys_mknod(MNT "/w/chr", S_IFCHR | 0600, makedev(4, 5)));
	CHECK(rump_sys_mknod(MNT "/w/blk", S_IFBLK | 0600, makedev(300, 70000)));
	CHECK(rump_sys_chmod(MNT "/w/small", 04711));
	CHECK(rump_sys_chown(MNT "/w/big", 1234, 5678));
	CHECK(rump_sys_utimensat(AT_FDCWD, MNT "/w/big", ts, 0));
	CHECK(rump_sys_mkdir(MNT "/w/many", 0755));
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), MNT "/w/many/file-%05zu", i);
		put(name, name, strlen(name), O_TRUNC);
	}
	for (i = 0; i < 2000; i += 3) {
		snprintf(name, sizeof(name), MNT "/w/many/file-%05zu", i);
		CHECK(rump_sys_unlink(name));
	}
	fd = rump_sys_open(MNT "/w/sparse", O_WRONLY | O_CREAT, 0644);
	CHECK(fd);
	if (fd >= 0) {
		CHECK(rump_sys_pwrite64(fd, "past4g", 6, (off_t)5 << 30));
		CHECK(rump_sys_pwrite64(fd, "start", 5, 0));
		CHECK(rump_sys_fsync(fd));
		CHECK(rump_sys_close(fd));
	}
	/* an existing (perhaps htree-indexed) directory changes too */
	if (rump_sys_access(MNT "/wide", F_OK) == 0) {
		put(MNT "/wide/a-new-entry", "new", 3, O_TRUNC);
		CHECK(rump_sys_unlink(MNT "/wide/f0000"));
		CHECK(rump_sys_rename(MNT "/wide/f0001", MNT "/wide/f0001.moved"));
		CHECK(rump_sys_rename(MNT "/wide/f0002", MNT "/w/from-wide"));
	}
	CHECK(rump_sys_sync());
}

/* Fill the file system, then remove what was written. */
static void
fill(void)
{
	static char buf[65536];
	char name[64];
	int fd, i, n = 0;
	ssize_t w;

	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), MNT "/fill%d", i);
		fd = rump_sys_open(name, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			break;
		n = i + 1;
		while ((w = rump_sys_write(fd, buf, sizeof(buf))) > 0)
			continue;
		rump_sys_close(fd);
		if (w < 0 && errno == ENOSPC)
			break;
	}
	if (errno != ENOSPC) {
		fprintf(stderr, "h_ext2fs: fill ended with %s\n",
		    strerror(errno));
		failures++;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), MNT "/fill%d", i);
		CHECK(rump_sys_unlink(name));
	}
}

int
main(int argc, char **argv)
{
	const char *opts = NULL, *fstype = "ext2fs", *image, *cmd;
	unsigned long flags = 0;
	int c, e;

	while ((c = getopt(argc, argv, "o:t:r")) != -1) {
		switch (c) {
		case 'o': opts = optarg; break;
		case 't': fstype = optarg; break;
		case 'r': flags |= MS_RDONLY; break;
		default: goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	image = argv[optind];
	cmd = argv[optind + 1];

	if (rump_init() != 0) {
		fprintf(stderr, "h_ext2fs: rump_init failed\n");
		return 1;
	}
	rump_sys_mkdir("/dev", 0755);
	if ((e = rump_etfs_register("/dev/disk", image, RUMP_ETFS_BLK)) != 0) {
		fprintf(stderr, "h_ext2fs: etfs: %s\n", strerror(e));
		return 1;
	}
	rump_sys_mkdir(MNT, 0755);
	if (rump_sys_mount("/dev/disk", MNT, fstype, flags, opts) != 0) {
		e = errno;
		if (strcmp(cmd, "mountfail") == 0) {
			printf("%s\n", strerrorname_np(e));
			return 0;
		}
		fprintf(stderr, "h_ext2fs: mount: %s\n", strerror(e));
		return 1;
	}
	if (strcmp(cmd, "mountfail") == 0) {
		fprintf(stderr, "h_ext2fs: mount succeeded\n");
		return 1;
	} else if (strcmp(cmd, "manifest") == 0) {
		walk(MNT, "", 0);
	} else if (strcmp(cmd, "writes") == 0) {
		writes();
	} else if (strcmp(cmd, "readall") == 0) {
		e = readall(MNT, 0);
		printf("%s\n", e == 0 ? "ok" : strerrorname_np(e));
	} else if (strcmp(cmd, "fill") == 0) {
		fill();
	} else if (strcmp(cmd, "pread") == 0 && argc - optind == 5) {
		char buf[256], path[512];
		size_t len = strtoul(argv[optind + 4], NULL, 0);
		ssize_t r;
		int fd;

		snprintf(path, sizeof(path), MNT "/%s", argv[optind + 2]);
		fd = rump_sys_open(path, O_RDONLY, 0);
		CHECK(fd);
		r = rump_sys_pread64(fd, buf, len < sizeof(buf) ? len :
		    sizeof(buf), (off_t)strtoull(argv[optind + 3], NULL, 0));
		CHECK(r);
		if (r > 0)
			fwrite(buf, 1, (size_t)r, stdout);
		printf("\n");
		rump_sys_close(fd);
	} else {
		goto usage;
	}
	if (rump_sys_umount2(MNT, 0) != 0) {
		fprintf(stderr, "h_ext2fs: umount: %s\n", strerror(errno));
		failures++;
	}
	return failures != 0;
usage:
	fprintf(stderr, "usage: h_ext2fs [-o opts] [-t fstype] [-r] image "
	    "manifest|writes|mountfail|readall|fill|pread\n");
	return 1;
}
