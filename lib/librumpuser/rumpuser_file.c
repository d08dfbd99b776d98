/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_file.c: host files: open, close, file information,
 * scatter/gather I/O and syncing.
 *
 * Callers are the kernel's bridges to the host: etfs and host-backed block
 * devices (sys/vfs), and drivers with a host side (sys/dev).  Every call
 * that can wait on the host's storage releases the virtual CPU around the
 * system call.  Asynchronous block I/O is in rumpuser_bio.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rumpuser_int.h"

/* struct rumpuser_iovec is passed to the host as struct iovec. */
_Static_assert(sizeof(struct rumpuser_iovec) == sizeof(struct iovec),
    "rumpuser_iovec size");
_Static_assert(offsetof(struct rumpuser_iovec, iov_base) ==
    offsetof(struct iovec, iov_base), "rumpuser_iovec iov_base");
_Static_assert(offsetof(struct rumpuser_iovec, iov_len) ==
    offsetof(struct iovec, iov_len), "rumpuser_iovec iov_len");

#define RU_OPEN_KNOWN (RUMPUSER_OPEN_ACCMODE | RUMPUSER_OPEN_CREATE | \
    RUMPUSER_OPEN_EXCL | RUMPUSER_OPEN_BIO)

/*
 * Open a host file.  ruflags are RUMPUSER_OPEN_*; RUMPUSER_OPEN_BIO needs
 * nothing special on this host.  A created file gets mode 0666 less the
 * host's umask.  The descriptor is close-on-exec.  Returns 0 and *fdp, or
 * the host's errno (EINVAL for unknown flags).
 */
int
rumpuser_open(const char *path, int ruflags, int *fdp)
{
	int flags = O_CLOEXEC;
	int fd, error = 0, nlocks;

	if ((ruflags & ~RU_OPEN_KNOWN) != 0)
		return EINVAL;
	switch (ruflags & RUMPUSER_OPEN_ACCMODE) {
	case RUMPUSER_OPEN_RDONLY:
		flags |= O_RDONLY;
		break;
	case RUMPUSER_OPEN_WRONLY:
		flags |= O_WRONLY;
		break;
	case RUMPUSER_OPEN_RDWR:
		flags |= O_RDWR;
		break;
	default:
		return EINVAL;
	}
	if (ruflags & RUMPUSER_OPEN_CREATE)
		flags |= O_CREAT;
	if (ruflags & RUMPUSER_OPEN_EXCL)
		flags |= O_EXCL;

	nlocks = ru_unschedule(NULL);
	do {
		fd = open(path, flags, 0666);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		error = errno;
	ru_schedule(nlocks);

	if (error == 0)
		*fdp = fd;
	return error;
}

/* Close a descriptor from rumpuser_open().  Returns 0 or the host's errno. */
int
rumpuser_close(int fd)
{
	/* On Linux the descriptor is gone even when close() says EINTR. */
	if (close(fd) != 0 && errno != EINTR)
		return errno;
	return 0;
}

/* Size in bytes of the block device at path. */
static int
ru_blkdev_size(const char *path, uint64_t *sizep)
{
	uint64_t size;
	int fd, error = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (ioctl(fd, BLKGETSIZE64, &size) != 0)
		error = errno;
	close(fd);
	if (error == 0)
		*sizep = size;
	return error;
}

/*
 * Type (RUMPUSER_FT_*) and size of a host file.  The size is st_size for
 * regular files, the device size for block devices and 0 for anything else.
 * Either out-parameter may be NULL.  Returns 0 or the host's errno.
 */
int
rumpuser_getfileinfo(const char *path, uint64_t *sizep, int *ftp)
{
	struct stat sb;
	uint64_t size = 0;
	int ft, error = 0, nlocks;

	nlocks = ru_unschedule(NULL);
	if (stat(path, &sb) != 0) {
		error = errno;
		goto out;
	}
	if (S_ISREG(sb.st_mode)) {
		ft = RUMPUSER_FT_REG;
		size = (uint64_t)sb.st_size;
	} else if (S_ISBLK(sb.st_mode)) {
		ft = RUMPUSER_FT_BLK;
		if (sizep != NULL)
			error = ru_blkdev_size(path, &size);
	} else if (S_ISDIR(sb.st_mode)) {
		ft = RUMPUSER_FT_DIR;
	} else if (S_ISCHR(sb.st_mode)) {
		ft = RUMPUSER_FT_CHR;
	} else {
		ft = RUMPUSER_FT_OTHER;
	}
	if (error == 0) {
		if (sizep != NULL)
			*sizep = size;
		if (ftp != NULL)
			*ftp = ft;
	}
out:
	ru_schedule(nlocks);
	return error;
}

/*
 * Read into the iovec array at off, or at the descriptor's position if off
 * is negative.  One host call: *retv may be short (0 at end of file).
 * Returns 0 or the host's errno.
 */
int
rumpuser_iovread(int fd, struct rumpuser_iovec *ruiov, size_t iovlen,
    int64_t off, size_t *retv)
{
	struct iovec *iov = (struct iovec *)(void *)ruiov;
	ssize_t n;
	int error = 0, nlocks;

	if (iovlen > INT32_MAX)
		return EINVAL;
	nlocks = ru_unschedule(NULL);
	do {
		if (off < 0)
			n = readv(fd, iov, (int)iovlen);
		else
			n = preadv(fd, iov, (int)iovlen, (off_t)off);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		error = errno;
	ru_schedule(nlocks);

	if (error == 0)
		*retv = (size_t)n;
	return error;
}

/* Write counterpart of rumpuser_iovread(). */
int
rumpuser_iovwrite(int fd, const struct rumpuser_iovec *ruiov, size_t iovlen,
    int64_t off, size_t *retv)
{
	const struct iovec *iov = (const struct iovec *)(const void *)ruiov;
	ssize_t n;
	int error = 0, nlocks;

	if (iovlen > INT32_MAX)
		return EINVAL;
	nlocks = ru_unschedule(NULL);
	do {
		if (off < 0)
			n = writev(fd, iov, (int)iovlen);
		else
			n = pwritev(fd, iov, (int)iovlen, (off_t)off);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		error = errno;
	ru_schedule(nlocks);

	if (error == 0)
		*retv = (size_t)n;
	return error;
}

/*
 * Make writes to fd durable.  RUMPUSER_SYNCFD_SYNC waits until data and
 * metadata are on stable storage (fsync); RUMPUSER_SYNCFD_BARRIER only
 * orders earlier writes before later ones, which this host can do no
 * cheaper than by waiting for the data (fdatasync).  Reads need nothing:
 * the hypervisor keeps no read cache.  start and len are advisory; the
 * whole file is synced.  A descriptor that cannot be synced (a pipe, a
 * character device) has nothing to sync and succeeds.  Returns 0, EINVAL
 * for unknown flags or the host's errno.
 */
int
rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len)
{
	int error = 0, nlocks, rv;

	if ((flags & ~(RUMPUSER_SYNCFD_BOTH | RUMPUSER_SYNCFD_BARRIER |
	    RUMPUSER_SYNCFD_SYNC)) != 0)
		return EINVAL;
	if ((flags & RUMPUSER_SYNCFD_WRITE) == 0 ||
	    (flags & (RUMPUSER_SYNCFD_BARRIER | RUMPUSER_SYNCFD_SYNC)) == 0)
		return 0;

	nlocks = ru_unschedule(NULL);
	do {
		if (flags & RUMPUSER_SYNCFD_SYNC)
			rv = fsync(fd);
		else
			rv = fdatasync(fd);
	} while (rv != 0 && errno == EINTR);
	if (rv != 0 && errno != EINVAL && errno != EROFS)
		error = errno;
	ru_schedule(nlocks);
	return error;
}
