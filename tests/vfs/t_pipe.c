/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_pipe.c: pipes and fifos: pipe2 flags, blocking between host threads,
 * EAGAIN, EPIPE, end of file, PIPE_BUF atomicity, FIONREAD, and fifos
 * made with mknod(S_IFIFO).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define PIPESIZE 65536

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(pipe, .init = boot);

static void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Write until the pipe is full (write end non-blocking); the count. */
static size_t
fill(int wfd)
{
	static char buf[4096];
	size_t total = 0;
	ssize_t n;

	while ((n = rump_sys_write(wfd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	cr_assert_eq(errno, EAGAIN);
	return total;
}

Test(pipe, basic)
{
	struct stat sb;
	char buf[16];
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_neq(p[0], p[1]);
	cr_assert_eq(rump_sys_write(p[1], "hello", 5), 5);
	cr_assert_eq(rump_sys_read(p[0], buf, 2), 2);
	cr_assert_eq(rump_sys_read(p[0], buf + 2, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert_eq(rump_sys_fstat(p[0], &sb), 0);
	cr_assert(S_ISFIFO(sb.st_mode));
	cr_assert_eq(rump_sys_lseek(p[0], 0, SEEK_SET), -1);
	cr_assert_eq(errno, ESPIPE);
	/* Each end only goes one way. */
	cr_assert_eq(rump_sys_write(p[0], "x", 1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_read(p[1], buf, 1), -1);
	cr_assert_eq(errno, EBADF);
}

Test(pipe, pipe2_flags)
{
	int p[2];

	cr_assert_eq(rump_sys_pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETFD, NULL), FD_CLOEXEC);
	cr_assert_eq(rump_sys_fcntl(p[1], F_GETFD, NULL), FD_CLOEXEC);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETFL, NULL) & O_NONBLOCK, 0);
	cr_assert_eq(rump_sys_pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETFD, NULL), 0);
	cr_assert(rump_sys_fcntl(p[0], F_GETFL, NULL) & O_NONBLOCK);
	cr_assert(rump_sys_fcntl(p[1], F_GETFL, NULL) & O_NONBLOCK);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETFL, NULL) & O_ACCMODE,
	    O_RDONLY);
	cr_assert_eq(rump_sys_fcntl(p[1], F_GETFL, NULL) & O_ACCMODE,
	    O_WRONLY);
	cr_assert_eq(rump_sys_pipe2(p, O_APPEND), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_pipe2(NULL, 0), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(pipe, eagain_and_capacity)
{
	char buf[8];
	int p[2];

	cr_assert_eq(rump_sys_pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(rump_sys_read(p[0], buf, sizeof(buf)), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(fill(p[1]), PIPESIZE);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), -1);
	cr_assert_eq(errno, EAGAIN);
	/* FIONBIO turns blocking off the same way. */
	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_ioctl(p[0], FIONBIO, &(int){ 1 }), 0);
	cr_assert_eq(rump_sys_read(p[0], buf, sizeof(buf)), -1);
	cr_assert_eq(errno, EAGAIN);
}

Test(pipe, eof_and_epipe)
{
	char buf[8];
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_write(p[1], "ab", 2), 2);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	cr_assert_eq(rump_sys_read(p[0], buf, sizeof(buf)), 2);
	cr_assert_eq(rump_sys_read(p[0], buf, sizeof(buf)), 0);
	cr_assert_eq(rump_sys_close(p[0]), 0);

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	cr_assert_eq(rump_sys_write(p[1], "ab", 2), -1);
	cr_assert_eq(errno, EPIPE);
	/* A dup of the read end keeps the pipe readable. */
	cr_assert_eq(rump_sys_pipe(p), 0);
	int d = rump_sys_dup(p[0]);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	cr_assert_eq(rump_sys_write(p[1], "ab", 2), 2);
	cr_assert_eq(rump_sys_read(d, buf, sizeof(buf)), 2);
}

struct rdarg {
	int fd;
	size_t want;
	ssize_t got;
	char buf[PIPESIZE * 2];
};

static void *
reader(void *arg)
{
	struct rdarg *ra = arg;
	ssize_t n;

	ra->got = 0;
	while ((size_t)ra->got < ra->want) {
		n = rump_sys_read(ra->fd, ra->buf + ra->got,
		    ra->want - (size_t)ra->got);
		if (n <= 0)
			break;
		ra->got += n;
	}
	return NULL;
}

Test(pipe, blocking_read_between_threads)
{
	static struct rdarg ra;
	pthread_t t;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	ra.fd = p[0];
	ra.want = 5;
	ra.got = -1;
	pthread_create(&t, NULL, reader, &ra);
	msleep(50);
	cr_assert_eq(ra.got, 0, "reader did not block");
	cr_assert_eq(rump_sys_write(p[1], "wake!", 5), 5);
	pthread_join(t, NULL);
	cr_assert_eq(ra.got, 5);
	cr_assert_eq(memcmp(ra.buf, "wake!", 5), 0);
	/* A reader blocked on an empty pipe sees EOF when the writer goes. */
	ra.want = 1;
	ra.got = -1;
	pthread_create(&t, NULL, reader, &ra);
	msleep(20);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	pthread_join(t, NULL);
	cr_assert_eq(ra.got, 0);
}

struct wrarg {
	int fd;
	size_t len;
	ssize_t ret;
	int err;
};

static void *
writer(void *arg)
{
	static char buf[PIPESIZE * 2];
	struct wrarg *wa = arg;

	memset(buf, 'w', sizeof(buf));
	wa->ret = rump_sys_write(wa->fd, buf, wa->len);
	wa->err = errno;
	return NULL;
}

Test(pipe, blocking_write_between_threads)
{
	static struct rdarg ra;
	struct wrarg wa;
	pthread_t t;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	/* More than the pipe holds: the writer must wait for the reader. */
	wa.fd = p[1];
	wa.len = PIPESIZE + 1000;
	wa.ret = -2;
	pthread_create(&t, NULL, writer, &wa);
	msleep(50);
	cr_assert_eq(wa.ret, -2, "writer did not block");
	ra.fd = p[0];
	ra.want = PIPESIZE + 1000;
	reader(&ra);
	pthread_join(t, NULL);
	cr_assert_eq(wa.ret, PIPESIZE + 1000);
	cr_assert_eq(ra.got, PIPESIZE + 1000);
	/* A writer blocked on a full pipe gets EPIPE when the reader goes. */
	cr_assert_eq(rump_sys_fcntl(p[1], F_SETFL, (void *)O_NONBLOCK), 0);
	fill(p[1]);
	cr_assert_eq(rump_sys_fcntl(p[1], F_SETFL, (void *)0), 0);
	wa.len = 10;
	wa.ret = -2;
	pthread_create(&t, NULL, writer, &wa);
	msleep(20);
	cr_assert_eq(wa.ret, -2);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	pthread_join(t, NULL);
	cr_assert_eq(wa.ret, -1);
	cr_assert_eq(wa.err, EPIPE);
}

Test(pipe, pipe_buf_atomic)
{
	static char buf[PIPESIZE];
	int p[2], n;

	cr_assert_eq(rump_sys_pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(rump_sys_write(p[1], buf, PIPESIZE - 100),
	    PIPESIZE - 100);
	/* Up to PIPE_BUF bytes go in whole or not at all. */
	cr_assert_eq(rump_sys_write(p[1], buf, PIPE_BUF), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(rump_sys_write(p[1], buf, 101), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(rump_sys_ioctl(p[0], FIONREAD, &n), 0);
	cr_assert_eq(n, PIPESIZE - 100);
	/* Larger writes may be split. */
	cr_assert_eq(rump_sys_write(p[1], buf, PIPE_BUF + 1), 100);
	cr_assert_eq(rump_sys_ioctl(p[0], FIONREAD, &n), 0);
	cr_assert_eq(n, PIPESIZE);
}

#define NWRITERS 4
#define NCHUNKS 64

static void *
chunk_writer(void *arg)
{
	char buf[PIPE_BUF];
	int fd = ((int *)arg)[0], id = ((int *)arg)[1], i;

	memset(buf, 'a' + id, sizeof(buf));
	for (i = 0; i < NCHUNKS; i++)
		if (rump_sys_write(fd, buf, sizeof(buf)) != PIPE_BUF)
			return (void *)1;
	return NULL;
}

Test(pipe, concurrent_writers_do_not_interleave)
{
	static char buf[PIPE_BUF];
	pthread_t t[NWRITERS];
	int p[2], args[NWRITERS][2], i, j, got;
	ssize_t n;
	void *res;

	cr_assert_eq(rump_sys_pipe(p), 0);
	for (i = 0; i < NWRITERS; i++) {
		args[i][0] = p[1];
		args[i][1] = i;
		pthread_create(&t[i], NULL, chunk_writer, args[i]);
	}
	for (i = 0; i < NWRITERS * NCHUNKS; i++) {
		for (got = 0; got < PIPE_BUF; got += (int)n) {
			n = rump_sys_read(p[0], buf + got, PIPE_BUF - got);
			cr_assert_gt(n, 0);
		}
		for (j = 1; j < PIPE_BUF; j++)
			cr_assert_eq(buf[j], buf[0], "chunk %d mixed", i);
	}
	for (i = 0; i < NWRITERS; i++) {
		pthread_join(t[i], &res);
		cr_assert_null(res);
	}
}

Test(pipe, fifo_nonblocking)
{
	struct stat sb;
	char buf[8];
	int r, w;

	cr_assert_eq(rump_sys_mknod("/fifo", S_IFIFO | 0644, 0), 0);
	cr_assert_eq(rump_sys_stat("/fifo", &sb), 0);
	cr_assert(S_ISFIFO(sb.st_mode));
	cr_assert_eq(rump_sys_open("/fifo", O_WRONLY | O_NONBLOCK, 0), -1);
	cr_assert_eq(errno, ENXIO);
	r = rump_sys_open("/fifo", O_RDONLY | O_NONBLOCK, 0);
	cr_assert_geq(r, 0, "errno %d", errno);
	cr_assert_eq(rump_sys_read(r, buf, sizeof(buf)), 0,
	    "no writer ever: end of file");
	w = rump_sys_open("/fifo", O_WRONLY | O_NONBLOCK, 0);
	cr_assert_geq(w, 0, "errno %d", errno);
	cr_assert_eq(rump_sys_read(r, buf, sizeof(buf)), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(rump_sys_write(w, "fifo", 4), 4);
	cr_assert_eq(rump_sys_read(r, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, "fifo", 4), 0);
	cr_assert_eq(rump_sys_fstat(w, &sb), 0);
	cr_assert(S_ISFIFO(sb.st_mode));
	cr_assert_eq(rump_sys_lseek(r, 0, SEEK_SET), -1);
	cr_assert_eq(errno, ESPIPE);
	cr_assert_eq(rump_sys_close(w), 0);
	cr_assert_eq(rump_sys_read(r, buf, sizeof(buf)), 0);
	cr_assert_eq(rump_sys_close(r), 0);
}

struct openarg {
	const char *path;
	int flags;
	int fd;
};

static void *
opener(void *arg)
{
	struct openarg *oa = arg;

	oa->fd = rump_sys_open(oa->path, oa->flags, 0);
	return NULL;
}

Test(pipe, fifo_open_waits_for_peer)
{
	struct openarg oa = { "/fifo", O_RDONLY, -2 };
	pthread_t t;
	char buf[8];
	int w;

	cr_assert_eq(rump_sys_mknod("/fifo", S_IFIFO | 0600, 0), 0);
	pthread_create(&t, NULL, opener, &oa);
	msleep(50);
	cr_assert_eq(oa.fd, -2, "open for reading did not wait");
	w = rump_sys_open("/fifo", O_WRONLY, 0);
	cr_assert_geq(w, 0);
	pthread_join(t, NULL);
	cr_assert_geq(oa.fd, 0);
	cr_assert_eq(rump_sys_write(w, "ok", 2), 2);
	cr_assert_eq(rump_sys_read(oa.fd, buf, sizeof(buf)), 2);
	cr_assert_eq(rump_sys_close(w), 0);
	cr_assert_eq(rump_sys_close(oa.fd), 0);
	/* And the other way round; O_RDWR never waits. */
	oa.flags = O_WRONLY;
	oa.fd = -2;
	pthread_create(&t, NULL, opener, &oa);
	msleep(50);
	cr_assert_eq(oa.fd, -2, "open for writing did not wait");
	w = rump_sys_open("/fifo", O_RDWR, 0);
	cr_assert_geq(w, 0);
	pthread_join(t, NULL);
	cr_assert_geq(oa.fd, 0);
}

Test(pipe, no_leaks)
{
	uint64_t before;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	before = rump_kmem_inuse();
	cr_assert_eq(rump_sys_pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(rump_sys_write(p[1], "data", 4), 4);
	cr_assert_eq(rump_sys_close(p[0]), 0);
	cr_assert_eq(rump_sys_write(p[1], "data", 4), -1);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	cr_assert_eq(rump_kmem_inuse(), before);
}

Test(pipe, fifo_no_leaks)
{
	uint64_t before;
	int r, w;

	cr_assert_eq(rump_sys_mknod("/fifo", S_IFIFO | 0600, 0), 0);
	r = rump_sys_open("/fifo", O_RDONLY | O_NONBLOCK, 0);
	cr_assert_geq(r, 0);
	cr_assert_eq(rump_sys_close(r), 0);
	before = rump_kmem_inuse();
	r = rump_sys_open("/fifo", O_RDONLY | O_NONBLOCK, 0);
	w = rump_sys_open("/fifo", O_WRONLY, 0);
	cr_assert_geq(w, 0);
	cr_assert_eq(rump_sys_write(w, "data", 4), 4);
	cr_assert_eq(rump_sys_close(w), 0);
	cr_assert_eq(rump_sys_close(r), 0);
	cr_assert_eq(rump_kmem_inuse(), before);
}
