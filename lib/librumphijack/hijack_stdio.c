/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_stdio.c: stdio streams on kernel files.
 *
 * glibc's FILE does its I/O through internal entry points that a
 * preloaded library cannot replace, so a stream on a kernel file is a
 * fopencookie() stream whose functions call our read/write/lseek/close
 * by descriptor number.  fopen/fopen64 of a kernel path and fdopen of a
 * kernel descriptor make one; fileno answers for it from a registry.
 *
 * stdin, stdout and stderr: when descriptor 0, 1 or 2 becomes an alias
 * of a kernel file (a shell redirection, or inherited through exec), the
 * stream variable is pointed to a cookie stream on that descriptor
 * number, and back to glibc's stream when it stops being one.  Output
 * buffered in the cookie stream is flushed before the descriptor
 * changes.
 *
 * freopen() onto a kernel path works for stdin, stdout and stderr (the
 * common use: the path is opened and put on descriptor 0, 1 or 2, and
 * the stream variable follows as above); any other stream does its I/O
 * inside glibc, out of reach, so freopen() of one onto a kernel path, or
 * of a kernel-file stream, fails with EOPNOTSUPP and leaves it as it was.
 * Not covered: streams libc opens internally.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hijack_impl.h"

struct hj_cookie {
	int c_fd;
	FILE *c_fp;
	struct hj_cookie *c_next;       /* [hj_lock] */
};

static struct hj_cookie *hj_cookies;    /* [hj_lock] */
static FILE *hj_std_orig[3];            /* glibc's streams while swapped */
static FILE *hj_std_cookie[3];

static ssize_t
hj_c_read(void *arg, char *buf, size_t n)
{

	return read(((struct hj_cookie *)arg)->c_fd, buf, n);
}

static ssize_t
hj_c_write(void *arg, const char *buf, size_t n)
{
	ssize_t w;
	size_t done = 0;

	while (done < n) {
		w = write(((struct hj_cookie *)arg)->c_fd, buf + done,
		    n - done);
		if (w <= 0)
			return done > 0 ? (ssize_t)done : -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int
hj_c_seek(void *arg, off64_t *off, int whence)
{
	off_t r;

	r = lseek(((struct hj_cookie *)arg)->c_fd, *off, whence);
	if (r < 0)
		return -1;
	*off = r;
	return 0;
}

static void
hj_cookie_unlist(struct hj_cookie *c)
{
	struct hj_cookie **pp;

	pthread_mutex_lock(&hj_lock);
	for (pp = &hj_cookies; *pp != NULL; pp = &(*pp)->c_next)
		if (*pp == c) {
			*pp = c->c_next;
			break;
		}
	pthread_mutex_unlock(&hj_lock);
}

static int
hj_c_close(void *arg)
{
	struct hj_cookie *c = arg;
	int r;

	hj_cookie_unlist(c);
	r = close(c->c_fd);
	free(c);
	return r;
}

static const cookie_io_functions_t hj_cookie_io = {
	.read = hj_c_read,
	.write = hj_c_write,
	.seek = hj_c_seek,
	.close = hj_c_close,
};

static FILE *
hj_cookie_open(int fd, const char *mode)
{
	struct hj_cookie *c;
	FILE *fp;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->c_fd = fd;
	fp = fopencookie(c, mode, hj_cookie_io);
	if (fp == NULL) {
		free(c);
		return NULL;
	}
	c->c_fp = fp;
	pthread_mutex_lock(&hj_lock);
	c->c_next = hj_cookies;
	hj_cookies = c;
	pthread_mutex_unlock(&hj_lock);
	return fp;
}

/* Open flags of an fopen mode string, or -1. */
static int
hj_modeflags(const char *mode)
{
	int flags;
	const char *p;

	switch (mode[0]) {
	case 'r':
		flags = O_RDONLY;
		break;
	case 'w':
		flags = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case 'a':
		flags = O_WRONLY | O_CREAT | O_APPEND;
		break;
	default:
		return -1;
	}
	for (p = mode + 1; *p != '\0' && *p != ','; p++) {
		if (*p == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (*p == 'x')
			flags |= O_EXCL;
		else if (*p == 'e')
			flags |= O_CLOEXEC;
	}
	return flags;
}

static FILE *
hj_fopen(const char *path, const char *mode)
{
	FILE *fp;
	int fd, flags, error;

	flags = hj_modeflags(mode);
	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, flags, 0666);
	if (fd < 0)
		return NULL;
	fp = hj_cookie_open(fd, mode);
	if (fp == NULL) {
		error = errno;
		close(fd);
		errno = error;
	}
	return fp;
}

HJ_EXPORT FILE *
fopen(const char *path, const char *mode)
{
	const char *kp;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(fopen)(path, mode);
	return hj_fopen(path, mode);
}

HJ_EXPORT FILE *
fopen64(const char *path, const char *mode)
{
	const char *kp;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(fopen64)(path, mode);
	return hj_fopen(path, mode);
}

HJ_EXPORT FILE *
fdopen(int fd, const char *mode)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST || !hj_inited)
		return REAL(fdopen)(fd, mode);
	if (hj_modeflags(mode) < 0) {
		errno = EINVAL;
		return NULL;
	}
	return hj_cookie_open(fd, mode);
}

static int
hj_cookie_fd(FILE *fp)
{
	struct hj_cookie *c;
	int fd = -1;

	if (hj_cookies == NULL)
		return -1;
	pthread_mutex_lock(&hj_lock);
	for (c = hj_cookies; c != NULL; c = c->c_next)
		if (c->c_fp == fp) {
			fd = c->c_fd;
			break;
		}
	pthread_mutex_unlock(&hj_lock);
	return fd;
}

HJ_EXPORT int
fileno(FILE *fp)
{
	int fd = hj_cookie_fd(fp);

	return fd >= 0 ? fd : REAL(fileno)(fp);
}

HJ_EXPORT int
fileno_unlocked(FILE *fp)
{
	int fd = hj_cookie_fd(fp);

	return fd >= 0 ? fd : REAL(fileno_unlocked)(fp);
}

static FILE **
hj_stdslot(int fd)
{

	return fd == 0 ? &stdin : fd == 1 ? &stdout : &stderr;
}

/*
 * Descriptor fd (0..2) is about to change (before) or has changed: flush
 * its cookie stream first, then point the stream variable to the stream
 * that fits.
 */
void
hj_std_update(int fd, bool before)
{
	FILE **slot;
	int k;

	if (fd < 0 || fd > 2 || !hj_inited)
		return;
	slot = hj_stdslot(fd);
	if (before) {
		if (hj_std_cookie[fd] != NULL && *slot == hj_std_cookie[fd])
			fflush(*slot);
		return;
	}
	if (hj_fd(fd, &k) == HJ_RUMP) {
		if (hj_std_cookie[fd] == NULL) {
			struct hj_cookie *c = calloc(1, sizeof(*c));

			if (c == NULL)
				return;
			c->c_fd = fd;
			/* Never unlisted nor freed: fclose of it closes fd. */
			hj_std_cookie[fd] = fopencookie(c, fd == 0 ? "r" : "w",
			    hj_cookie_io);
			if (hj_std_cookie[fd] == NULL) {
				free(c);
				return;
			}
			c->c_fp = hj_std_cookie[fd];
			if (fd == 2)
				setvbuf(hj_std_cookie[fd], NULL, _IONBF, 0);
			pthread_mutex_lock(&hj_lock);
			c->c_next = hj_cookies;
			hj_cookies = c;
			pthread_mutex_unlock(&hj_lock);
		}
		if (*slot != hj_std_cookie[fd]) {
			fflush(*slot);
			hj_std_orig[fd] = *slot;
			*slot = hj_std_cookie[fd];
		}
	} else if (hj_std_cookie[fd] != NULL && *slot == hj_std_cookie[fd] &&
	    hj_std_orig[fd] != NULL) {
		*slot = hj_std_orig[fd];
	}
}

/* Which of stdin, stdout, stderr fp is (its variable or the stream it
 * stood for), or -1. */
static int
hj_stdwhich(FILE *fp)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fp != NULL && (fp == *hj_stdslot(fd) ||
		    fp == hj_std_cookie[fd] || fp == hj_std_orig[fd]))
			return fd;
	return -1;
}

static FILE *
hj_freopen(const char *path, const char *mode, FILE *fp,
    FILE *(*realfn)(const char *, const char *, FILE *))
{
	const char *kp;
	int std, flags, fd, k;

	std = hj_stdwhich(fp);
	if (std < 0) {
		if ((path != NULL && hj_path(path, &kp) != HJ_HOST) ||
		    hj_cookie_fd(fp) >= 0) {
			errno = EOPNOTSUPP;
			return NULL;
		}
		return realfn(path, mode, fp);
	}
	/* A standard stream that is and stays a host stream: glibc's. */
	if (hj_fd(std, &k) != HJ_RUMP &&
	    (path == NULL || hj_path(path, &kp) == HJ_HOST))
		return realfn(path, mode, fp);
	if (path == NULL) {
		errno = EOPNOTSUPP;            /* a mode change of a kernel file */
		return NULL;
	}
	flags = hj_modeflags(mode);
	if (flags < 0) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, flags & ~O_CLOEXEC, 0666);
	if (fd < 0)
		return NULL;
	if (fd != std) {
		fflush(*hj_stdslot(std));
		if (dup2(fd, std) < 0) {
			int error = errno;

			close(fd);
			errno = error;
			return NULL;
		}
		close(fd);
	}
	hj_std_update(std, false);
	clearerr(*hj_stdslot(std));
	return *hj_stdslot(std);
}

HJ_EXPORT FILE *
freopen(const char *path, const char *mode, FILE *fp)
{
	return hj_freopen(path, mode, fp, REAL(freopen));
}

HJ_EXPORT FILE *
freopen64(const char *path, const char *mode, FILE *fp)
{
	return hj_freopen(path, mode, fp, REAL(freopen64));
}

void
hj_stdio_init(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		hj_std_update(fd, false);
}
