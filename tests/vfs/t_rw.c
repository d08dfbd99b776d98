/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_rw.c: moving data through descriptors: read, write, readv, writev,
 * pread64, pwrite64, preadv, pwritev and lseek (SEEK_DATA/SEEK_HOLE too),
 * O_APPEND, the access mode checks, bad addresses and counts, EISDIR,
 * concurrent appends, and reads and writes by several threads through one
 * open file (each byte once: the offset is not shared out twice).  Runs
 * on the tmpfs root.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(rw, .init = boot);

static int
mkfile(const char *path, int flags)
{
	int fd = rump_sys_open(path, flags | O_CREAT, 0644);

	cr_assert_geq(fd, 0, "open %s: errno %d", path, errno);
	return fd;
}

Test(rw, read_write_offsets)
{
	char buf[32];
	int fd = mkfile("/f", O_RDWR);

	cr_assert_eq(rump_sys_write(fd, "hello, world", 12), 12);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 12);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 0);
	cr_assert_eq(rump_sys_lseek(fd, 7, SEEK_SET), 7);
	cr_assert_eq(rump_sys_read(fd, buf, 3), 3);
	cr_assert_eq(memcmp(buf, "wor", 3), 0);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 10);
	cr_assert_eq(rump_sys_lseek(fd, -2, SEEK_CUR), 8);
	cr_assert_eq(rump_sys_lseek(fd, -5, SEEK_END), 7);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "world", 5), 0);
	/* A zero-length read or write does nothing. */
	cr_assert_eq(rump_sys_write(fd, buf, 0), 0);
	cr_assert_eq(rump_sys_read(fd, buf, 0), 0);
	/* Writing past the end leaves a gap of zeros. */
	cr_assert_eq(rump_sys_lseek(fd, 20, SEEK_SET), 20);
	cr_assert_eq(rump_sys_write(fd, "x", 1), 1);
	cr_assert_eq(rump_sys_pread64(fd, buf, 10, 12), 9);
	cr_assert_eq(buf[0], 0);
	cr_assert_eq(buf[8], 'x');
}

Test(rw, lseek_errors)
{
	int fd = mkfile("/f", O_RDWR);

	cr_assert_eq(rump_sys_lseek(fd, -1, SEEK_SET), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_lseek(fd, -1, SEEK_END), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_lseek(fd, 0, 17), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_lseek(fd, INT64_MAX, SEEK_SET), INT64_MAX);
	cr_assert_eq(rump_sys_lseek(fd, 1, SEEK_CUR), -1);
	cr_assert_eq(errno, EOVERFLOW);
	/* The failed seeks left the offset alone. */
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), INT64_MAX);
}

Test(rw, seek_data_hole)
{
	char buf[100];
	int fd = mkfile("/f", O_RDWR);

	memset(buf, 'd', sizeof(buf));
	cr_assert_eq(rump_sys_write(fd, buf, sizeof(buf)), 100);
	cr_assert_eq(rump_sys_lseek(fd, 10, SEEK_DATA), 10);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 10);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_HOLE), 100);
	cr_assert_eq(rump_sys_lseek(fd, 100, SEEK_DATA), -1);
	cr_assert_eq(errno, ENXIO);
	cr_assert_eq(rump_sys_lseek(fd, -1, SEEK_HOLE), -1);
	cr_assert_eq(errno, ENXIO);
}

Test(rw, vectors)
{
	char a[4], b[6], c[3];
	struct iovec wv[3] = {
		{ "abc", 3 }, { "", 0 }, { "defghijk", 8 },
	};
	struct iovec rv[3] = {
		{ a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) },
	};
	int fd = mkfile("/f", O_RDWR);

	cr_assert_eq(rump_sys_writev(fd, wv, 3), 11);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(rump_sys_readv(fd, rv, 3), 11);
	cr_assert_eq(memcmp(a, "abcd", 4), 0);
	cr_assert_eq(memcmp(b, "efghij", 6), 0);
	cr_assert_eq(c[0], 'k');
	cr_assert_eq(rump_sys_readv(fd, rv, 0), 0);
	cr_assert_eq(rump_sys_readv(fd, rv, -1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_writev(fd, wv, IOV_MAX + 1), -1);
	cr_assert_eq(errno, EINVAL);
	/* Lengths that add up past SSIZE_MAX. */
	wv[0].iov_len = SSIZE_MAX;
	wv[1].iov_len = SSIZE_MAX;
	cr_assert_eq(rump_sys_writev(fd, wv, 2), -1);
	cr_assert_eq(errno, EINVAL);
	/* positional vectors leave the offset alone */
	cr_assert_eq(rump_sys_lseek(fd, 2, SEEK_SET), 2);
	cr_assert_eq(rump_sys_preadv(fd, rv, 1, 5), 4);
	cr_assert_eq(memcmp(a, "fghi", 4), 0);
	wv[0].iov_len = 3;
	cr_assert_eq(rump_sys_pwritev(fd, wv, 1, 20), 3);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 2);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_END), 23);
	cr_assert_eq(rump_sys_preadv(fd, rv, 1, -1), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(rw, positional)
{
	char buf[8];
	int fd = mkfile("/f", O_RDWR), p[2];

	cr_assert_eq(rump_sys_pwrite64(fd, "0123456789", 10, 0), 10);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 0);
	cr_assert_eq(rump_sys_pwrite64(fd, "ab", 2, 4), 2);
	cr_assert_eq(rump_sys_pread64(fd, buf, 4, 3), 4);
	cr_assert_eq(memcmp(buf, "3ab6", 4), 0);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 0);
	cr_assert_eq(rump_sys_pread64(fd, buf, 4, 10), 0);
	cr_assert_eq(rump_sys_pread64(fd, buf, 4, -1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 4, -8), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_pwrite64(p[1], "x", 1, 0), -1);
	cr_assert_eq(errno, ESPIPE);
	cr_assert_eq(rump_sys_pread64(p[0], buf, 1, 0), -1);
	cr_assert_eq(errno, ESPIPE);
}

Test(rw, append)
{
	char buf[16];
	int fd = mkfile("/f", O_RDWR), afd;

	cr_assert_eq(rump_sys_write(fd, "12345", 5), 5);
	afd = rump_sys_open("/f", O_WRONLY | O_APPEND, 0);
	cr_assert_geq(afd, 0);
	cr_assert_eq(rump_sys_lseek(afd, 1, SEEK_SET), 1);
	cr_assert_eq(rump_sys_write(afd, "ab", 2), 2);
	cr_assert_eq(rump_sys_lseek(afd, 0, SEEK_CUR), 7);
	/* Linux appends even with pwrite on an O_APPEND file. */
	cr_assert_eq(rump_sys_pwrite64(afd, "c", 1, 0), 1);
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 0), 8);
	cr_assert_eq(memcmp(buf, "12345abc", 8), 0);
	/* Turning O_APPEND off with F_SETFL writes at the offset. */
	cr_assert_eq(rump_sys_fcntl(afd, F_SETFL, (void *)0), 0);
	cr_assert_eq(rump_sys_lseek(afd, 0, SEEK_SET), 0);
	cr_assert_eq(rump_sys_write(afd, "Z", 1), 1);
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 0), 8);
	cr_assert_eq(buf[0], 'Z');
}

Test(rw, access_mode)
{
	char buf[4];
	int fd = mkfile("/f", O_RDWR), rfd, wfd;

	cr_assert_eq(rump_sys_write(fd, "abc", 3), 3);
	rfd = rump_sys_open("/f", O_RDONLY, 0);
	wfd = rump_sys_open("/f", O_WRONLY, 0);
	cr_assert_eq(rump_sys_write(rfd, "x", 1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_pwrite64(rfd, "x", 1, 0), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_writev(rfd, &(struct iovec){ "x", 1 }, 1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_read(wfd, buf, 1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_pread64(wfd, buf, 1, 0), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_read(rfd, buf, 3), 3);
	cr_assert_eq(rump_sys_write(wfd, "xyz", 3), 3);
}

Test(rw, bad_addresses_and_counts)
{
	char buf[4];
	int fd = mkfile("/f", O_RDWR);

	cr_assert_eq(rump_sys_write(fd, NULL, 10), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_write(fd, "abcdef", 6), 6);
	cr_assert_eq(rump_sys_pread64(fd, NULL, 4, 0), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_readv(fd, NULL, 2), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_read(fd, buf, (size_t)SSIZE_MAX + 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_write(fd, buf, (size_t)-1), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(rw, directory)
{
	char buf[16];
	int fd;

	cr_assert_eq(rump_sys_mkdir("/d", 0755), 0);
	fd = rump_sys_open("/d", O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), -1);
	cr_assert_eq(errno, EISDIR);
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, EISDIR);
	cr_assert_eq(rump_sys_open("/d", O_RDWR, 0), -1);
	cr_assert_eq(errno, EISDIR);
}

Test(rw, fionread)
{
	int fd = mkfile("/f", O_RDWR), n = -1;

	cr_assert_eq(rump_sys_write(fd, "0123456789", 10), 10);
	cr_assert_eq(rump_sys_ioctl(fd, FIONREAD, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(rump_sys_lseek(fd, 3, SEEK_SET), 3);
	cr_assert_eq(rump_sys_ioctl(fd, FIONREAD, &n), 0);
	cr_assert_eq(n, 7);
	cr_assert_eq(rump_sys_lseek(fd, 30, SEEK_SET), 30);
	cr_assert_eq(rump_sys_ioctl(fd, FIONREAD, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(rump_sys_ioctl(fd, 0x12345678, &n), -1);
	cr_assert_eq(errno, ENOTTY);
}

#define NREC 200
#define RECLEN 64

static void *
appender(void *arg)
{
	char rec[RECLEN];
	int fd = (int)(intptr_t)arg, i;
	char c = (char)('A' + fd % 26);

	memset(rec, c, sizeof(rec));
	for (i = 0; i < NREC; i++)
		if (rump_sys_write(fd, rec, sizeof(rec)) != RECLEN)
			return (void *)1;
	return NULL;
}

Test(rw, concurrent_appends)
{
	pthread_t t[3];
	char rec[RECLEN];
	void *res;
	int fd, fds[3], i, j;

	fd = mkfile("/f", O_RDWR);
	for (i = 0; i < 3; i++) {
		fds[i] = rump_sys_open("/f", O_WRONLY | O_APPEND, 0);
		cr_assert_geq(fds[i], 0);
		pthread_create(&t[i], NULL, appender, (void *)(intptr_t)fds[i]);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], &res);
		cr_assert_null(res);
	}
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_END), 3 * NREC * RECLEN);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	for (i = 0; i < 3 * NREC; i++) {
		cr_assert_eq(rump_sys_read(fd, rec, RECLEN), RECLEN);
		for (j = 1; j < RECLEN; j++)
			cr_assert_eq(rec[j], rec[0], "record %d torn", i);
	}
}

/*
 * Threads reading one open file 4 bytes at a time: every record is read
 * by exactly one of them.  Without the offset lock two reads taking the
 * vnode lock shared see the same offset and return the same record.
 */
#define NSHARED 20000
#define NREADERS 4

static void *
shared_reader(void *arg)
{
	static unsigned char seen[NSHARED];
	int fd = (int)(intptr_t)arg;
	uint32_t v;
	ssize_t n;

	while ((n = rump_sys_read(fd, &v, sizeof(v))) == sizeof(v)) {
		if (v >= NSHARED ||
		    __atomic_exchange_n(&seen[v], 1, __ATOMIC_RELAXED) != 0)
			return (void *)(intptr_t)(v + 1);
	}
	return n == 0 ? NULL : (void *)-1;
}

Test(rw, shared_offset_reads)
{
	pthread_t t[NREADERS];
	uint32_t *vals;
	void *res;
	int fd, i;

	vals = malloc(NSHARED * sizeof(*vals));
	for (i = 0; i < NSHARED; i++)
		vals[i] = (uint32_t)i;
	fd = mkfile("/f", O_RDWR);
	cr_assert_eq(rump_sys_write(fd, vals, NSHARED * sizeof(*vals)),
	    (ssize_t)(NSHARED * sizeof(*vals)));
	free(vals);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	for (i = 0; i < NREADERS; i++)
		pthread_create(&t[i], NULL, shared_reader, (void *)(intptr_t)fd);
	for (i = 0; i < NREADERS; i++) {
		pthread_join(t[i], &res);
		cr_assert_null(res, "reader %d: record %jd read twice (or an "
		    "error)", i, (intmax_t)(intptr_t)res - 1);
	}
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR),
	    (off_t)(NSHARED * sizeof(uint32_t)));
}

/* Writers through one open file: no record overwrites another. */
static void *
shared_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint32_t v = 1;
	int i;

	for (i = 0; i < NSHARED / NREADERS; i++)
		if (rump_sys_write(fd, &v, sizeof(v)) != sizeof(v))
			return (void *)1;
	return NULL;
}

Test(rw, shared_offset_writes)
{
	pthread_t t[NREADERS];
	uint32_t v;
	void *res;
	int fd, i;

	fd = mkfile("/f", O_RDWR);
	for (i = 0; i < NREADERS; i++)
		pthread_create(&t[i], NULL, shared_writer, (void *)(intptr_t)fd);
	for (i = 0; i < NREADERS; i++) {
		pthread_join(t[i], &res);
		cr_assert_null(res);
	}
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_END),
	    (off_t)(NSHARED / NREADERS * NREADERS * sizeof(v)));
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	for (i = 0; i < NSHARED / NREADERS * NREADERS; i++) {
		cr_assert_eq(rump_sys_read(fd, &v, sizeof(v)), sizeof(v));
		cr_assert_eq(v, 1, "record %d is a hole: two writes at one "
		    "offset", i);
	}
}

/* RLIMIT_FSIZE: writes cut at the limit, EFBIG past it; truncate and
 * fallocate cannot grow a file beyond it; reads and shrinking still work. */
Test(rw, fsize_limit)
{
	struct rlimit rl = { 10000, RLIM_INFINITY };
	char buf[8192];
	struct iovec iov[2] = { { buf, 4096 }, { buf + 4096, 4096 } };
	int fd;

	memset(buf, 'z', sizeof(buf));
	fd = mkfile("/f", O_RDWR);
	cr_assert_eq(rump_sys_setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(rump_sys_write(fd, buf, 8192), 8192);
	/* Crossing the limit: cut short, the vector too. */
	cr_assert_eq(rump_sys_writev(fd, iov, 2), 10000 - 8192);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 10000);
	errno = 0;
	cr_assert_eq(rump_sys_write(fd, buf, 1), -1);
	cr_assert_eq(errno, EFBIG);
	/* A write of nothing at the limit is no error. */
	cr_assert_eq(rump_sys_write(fd, buf, 0), 0);
	errno = 0;
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 10, 20000), -1);
	cr_assert_eq(errno, EFBIG);
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 10, 9995), 5);
	errno = 0;
	cr_assert_eq(rump_sys_ftruncate(fd, 10001), -1);
	cr_assert_eq(errno, EFBIG);
	errno = 0;
	cr_assert_eq(rump_sys_truncate("/f", 1 << 20), -1);
	cr_assert_eq(errno, EFBIG);
	errno = 0;
	cr_assert_eq(rump_sys_fallocate(fd, 0, 0, 20000), -1);
	cr_assert_eq(errno, EFBIG);
	cr_assert_eq(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000), 0);
	cr_assert_eq(rump_sys_ftruncate(fd, 100), 0);
	cr_assert_eq(rump_sys_ftruncate(fd, 10000), 0);
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 0), 8192);
	cr_assert_eq(buf[99], 'z');
	cr_assert_eq(buf[100], 0);
	/* Raised again: the file grows. */
	rl.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(rump_sys_setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 10, 20000), 10);
}

Test(rw, no_leaks)
{
	char buf[512];
	uint64_t before;
	int fd;

	fd = mkfile("/f", O_RDWR);
	memset(buf, 'q', sizeof(buf));
	cr_assert_eq(rump_sys_write(fd, buf, sizeof(buf)), 512);
	cr_assert_eq(rump_sys_close(fd), 0);
	fd = rump_sys_open("/f", O_RDWR, 0);
	cr_assert_eq(rump_sys_close(fd), 0);
	before = rump_kmem_inuse();
	fd = rump_sys_open("/f", O_RDWR, 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 512);
	cr_assert_eq(rump_sys_pwrite64(fd, buf, 100, 0), 100);
	cr_assert_eq(rump_sys_readv(fd, &(struct iovec){ buf, 10 }, 1), 0);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_kmem_inuse(), before);
}
