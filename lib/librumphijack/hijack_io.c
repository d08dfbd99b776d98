/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_io.c: data transfer, ioctl, poll and select, mmap, sendfile.
 *
 * Poll over descriptors of both sides (hj_poll): the kernel's part is
 * polled by a helper thread (with its own connection) together with the
 * read end of a kernel pipe, the host's part by the caller together with
 * the read end of a host pipe.  Whichever side returns first writes to
 * the other's pipe, so both finish; the results are merged.  Polls over
 * one side only go straight to it.
 *
 * mmap of a kernel file is a copy: anonymous memory filled with pread().
 * MAP_PRIVATE mappings may be written (the file does not see it);
 * MAP_SHARED ones only read-only (ENODEV for writable ones).
 *
 * sendfile and copy_file_range with a kernel descriptor on either side
 * copy through a buffer.  epoll over kernel descriptors is
 * hijack_epoll.c's.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rump/rump_syscalls.h>

#include "hijack_impl.h"

#define HJ_FD(fd, hostcall, rumpcall) do {				\
	int k;								\
									\
	if (hj_fd((fd), &k) == HJ_HOST)					\
		return hostcall;					\
	return RUMPCALL(rumpcall);					\
} while (0)

HJ_EXPORT ssize_t
read(int fd, void *buf, size_t n)
{

	HJ_FD(fd, REAL(read)(fd, buf, n), rump_sys_read(k, buf, n));
}

HJ_EXPORT ssize_t
write(int fd, const void *buf, size_t n)
{

	HJ_FD(fd, REAL(write)(fd, buf, n), rump_sys_write(k, buf, n));
}

HJ_EXPORT ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{

	HJ_FD(fd, REAL(pread)(fd, buf, n, off),
	    rump_sys_pread64(k, buf, n, off));
}

HJ_EXPORT ssize_t
pread64(int fd, void *buf, size_t n, off64_t off)
{

	return pread(fd, buf, n, off);
}

HJ_EXPORT ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{

	HJ_FD(fd, REAL(pwrite)(fd, buf, n, off),
	    rump_sys_pwrite64(k, buf, n, off));
}

HJ_EXPORT ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{

	return pwrite(fd, buf, n, off);
}

HJ_EXPORT ssize_t
readv(int fd, const struct iovec *iov, int cnt)
{

	HJ_FD(fd, REAL(readv)(fd, iov, cnt), rump_sys_readv(k, iov, cnt));
}

HJ_EXPORT ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{

	HJ_FD(fd, REAL(writev)(fd, iov, cnt), rump_sys_writev(k, iov, cnt));
}

HJ_EXPORT ssize_t
preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{

	HJ_FD(fd, REAL(preadv)(fd, iov, cnt, off),
	    rump_sys_preadv(k, iov, cnt, off));
}

HJ_EXPORT ssize_t
preadv64(int fd, const struct iovec *iov, int cnt, off64_t off)
{

	return preadv(fd, iov, cnt, off);
}

HJ_EXPORT ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{

	HJ_FD(fd, REAL(pwritev)(fd, iov, cnt, off),
	    rump_sys_pwritev(k, iov, cnt, off));
}

HJ_EXPORT ssize_t
pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{

	return pwritev(fd, iov, cnt, off);
}

/* preadv2/pwritev2: flags the kernel lacks; offset -1 is the file's. */
HJ_EXPORT ssize_t
preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(preadv2)(fd, iov, cnt, off, flags);
	if (flags != 0)
		return hj_set_errno(EOPNOTSUPP);
	return off == -1 ? RUMPCALL(rump_sys_readv(k, iov, cnt)) :
	    RUMPCALL(rump_sys_preadv(k, iov, cnt, off));
}

HJ_EXPORT ssize_t
pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(pwritev2)(fd, iov, cnt, off, flags);
	if (flags != 0)
		return hj_set_errno(EOPNOTSUPP);
	return off == -1 ? RUMPCALL(rump_sys_writev(k, iov, cnt)) :
	    RUMPCALL(rump_sys_pwritev(k, iov, cnt, off));
}

HJ_EXPORT ssize_t
getdents64(int fd, void *buf, size_t n)
{

	HJ_FD(fd, REAL(getdents64)(fd, buf, n),
	    rump_sys_getdents64(k, buf, n));
}

/*
 * Clones name a second descriptor in their argument (FICLONE as the
 * argument itself): across the two sides they are EXDEV, and between
 * kernel files EOPNOTSUPP (the kernel has no clones; and FICLONE's
 * number claims a pointer argument it does not have).
 */
static bool
hj_ioctl_clone(unsigned long req, void *arg, bool rump, int *errorp)
{
	int src, k;

	if (req == FICLONE)
		src = (int)(intptr_t)arg;
	else if (req == FICLONERANGE)
		src = (int)((const struct file_clone_range *)arg)->src_fd;
	else if (req == FIDEDUPERANGE)
		src = rump ? 0 : -1;
	else
		return false;
	if (!rump && hj_fd(src, &k) == HJ_HOST)
		return false;
	*errorp = rump && hj_fd(src, &k) == HJ_RUMP ? EOPNOTSUPP : EXDEV;
	return true;
}

HJ_EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int k, error;
	bool rump;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	rump = hj_fd(fd, &k) == HJ_RUMP;
	if (hj_inited && !hj_inrump && hj_ioctl_clone(req, arg, rump, &error))
		return hj_set_errno(error);
	if (!rump)
		return REAL(ioctl)(fd, req, arg);
	return RUMPCALL(rump_sys_ioctl(k, req, arg));
}

/* --- poll and select --- */

struct hj_kpoll {
	struct pollfd *kp_fds;
	unsigned long kp_n;
	int kp_timeout;
	int kp_hostwake;                /* host pipe to write when done */
	int kp_r;
	int kp_errno;
};

static void *
hj_kpoll_thread(void *arg)
{
	struct hj_kpoll *kp = arg;
	char c = 1;

	kp->kp_r = RUMPCALL(rump_sys_poll(kp->kp_fds, kp->kp_n,
	    kp->kp_timeout));
	kp->kp_errno = errno;
	(void)!REAL(write)(kp->kp_hostwake, &c, 1);
	return NULL;
}

/* Poll over both sides; see the file's header.  Returns as poll(2). */
static int
hj_poll_mixed(struct pollfd *fds, unsigned long n, int timeout,
    unsigned long nk)
{
	struct pollfd *hfds, *kfds;
	unsigned long i, hi = 0, ki = 0;
	struct hj_kpoll kp;
	int hpipe[2], kpipe[2], k, r, error = 0, count = 0;
	pthread_t t;
	char c = 1;

	hfds = calloc(n - nk + 1, sizeof(*hfds));
	kfds = calloc(nk + 1, sizeof(*kfds));
	if (hfds == NULL || kfds == NULL) {
		free(hfds);
		free(kfds);
		return hj_set_errno(ENOMEM);
	}
	if (REAL(pipe2)(hpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		error = errno;
		goto out_free;
	}
	if (RUMPCALL(rump_sys_pipe2(kpipe, O_CLOEXEC | O_NONBLOCK)) < 0) {
		error = errno;
		goto out_hpipe;
	}
	for (i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (hj_fd(fds[i].fd, &k) == HJ_RUMP) {
			kfds[ki] = fds[i];
			kfds[ki++].fd = k;
		} else {
			hfds[hi++] = fds[i];
		}
	}
	kfds[ki].fd = kpipe[0];
	kfds[ki].events = POLLIN;
	hfds[hi].fd = hpipe[0];
	hfds[hi].events = POLLIN;
	kp.kp_fds = kfds;
	kp.kp_n = ki + 1;
	kp.kp_timeout = timeout;
	kp.kp_hostwake = hpipe[1];
	error = pthread_create(&t, NULL, hj_kpoll_thread, &kp);
	if (error != 0)
		goto out_kpipe;
	r = REAL(poll)(hfds, hi + 1, timeout);
	if (r < 0)
		error = errno;
	/* Wake the kernel side, unless it is what woke us. */
	if (hfds[hi].revents == 0)
		(void)RUMPCALL(rump_sys_write(kpipe[1], &c, 1));
	pthread_join(t, NULL);
	if (error == 0 && kp.kp_r < 0)
		error = kp.kp_errno;
	if (error == 0) {
		for (i = hi = ki = 0; i < n; i++) {
			if (hj_fd(fds[i].fd, &k) == HJ_RUMP)
				fds[i].revents = kfds[ki++].revents;
			else
				fds[i].revents = hfds[hi++].revents;
			if (fds[i].revents != 0)
				count++;
		}
	}
out_kpipe:
	(void)RUMPCALL(rump_sys_close(kpipe[0]));
	(void)RUMPCALL(rump_sys_close(kpipe[1]));
out_hpipe:
	REAL(close)(hpipe[0]);
	REAL(close)(hpipe[1]);
out_free:
	free(hfds);
	free(kfds);
	if (error != 0)
		return hj_set_errno(error);
	return count;
}

int
hj_poll(struct pollfd *fds, unsigned long n, int timeout)
{
	struct pollfd *kfds;
	unsigned long i, nk = 0;
	int k, r;

	for (i = 0; i < n; i++)
		if (hj_fd(fds[i].fd, &k) == HJ_RUMP)
			nk++;
	if (nk == 0)
		return REAL(poll)(fds, n, timeout);
	if (nk < n)
		return hj_poll_mixed(fds, n, timeout, nk);
	kfds = malloc(n * sizeof(*kfds));
	if (kfds == NULL)
		return hj_set_errno(ENOMEM);
	for (i = 0; i < n; i++) {
		kfds[i] = fds[i];
		(void)hj_fd(fds[i].fd, &kfds[i].fd);
	}
	r = RUMPCALL(rump_sys_poll(kfds, n, timeout));
	for (i = 0; r >= 0 && i < n; i++)
		fds[i].revents = kfds[i].revents;
	free(kfds);
	return r;
}

HJ_EXPORT int
poll(struct pollfd *fds, nfds_t n, int timeout)
{

	if (!hj_inited || hj_inrump)
		return REAL(poll)(fds, n, timeout);
	return hj_poll(fds, n, timeout);
}

static int
hj_ts2ms(const struct timespec *ts)
{
	long long ms;

	if (ts == NULL)
		return -1;
	ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/*
 * ppoll and pselect with kernel descriptors: the signal mask is set
 * around the poll rather than atomically with it.
 */
HJ_EXPORT int
ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	sigset_t old;
	unsigned long i;
	int k, r, error;

	if (!hj_inited || hj_inrump)
		return REAL(ppoll)(fds, n, ts, mask);
	for (i = 0; i < n; i++)
		if (hj_fd(fds[i].fd, &k) == HJ_RUMP)
			break;
	if (i == n)
		return REAL(ppoll)(fds, n, ts, mask);
	if (mask != NULL)
		pthread_sigmask(SIG_SETMASK, mask, &old);
	r = hj_poll(fds, n, hj_ts2ms(ts));
	error = errno;
	if (mask != NULL)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = error;
	return r;
}

static bool
hj_fdsets_rump(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	int fd, k;

	for (fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (((r != NULL && FD_ISSET(fd, r)) ||
		    (w != NULL && FD_ISSET(fd, w)) ||
		    (e != NULL && FD_ISSET(fd, e))) &&
		    hj_fd(fd, &k) == HJ_RUMP)
			return true;
	return false;
}

static int
hj_select(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout)
{
	struct pollfd *pfd;
	int fd, n = 0, i, res, count = 0;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return hj_set_errno(EINVAL);
	pfd = calloc((size_t)nfds + 1, sizeof(*pfd));
	if (pfd == NULL)
		return hj_set_errno(ENOMEM);
	for (fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (r != NULL && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w != NULL && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e != NULL && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (ev != 0) {
			pfd[n].fd = fd;
			pfd[n++].events = ev;
		}
	}
	res = hj_poll(pfd, (unsigned long)n, timeout);
	if (res < 0) {
		free(pfd);
		return -1;
	}
	for (i = 0; i < n; i++) {
		short rv = pfd[i].revents;

		if (rv & POLLNVAL) {
			free(pfd);
			return hj_set_errno(EBADF);
		}
	}
	if (r != NULL)
		FD_ZERO(r);
	if (w != NULL)
		FD_ZERO(w);
	if (e != NULL)
		FD_ZERO(e);
	for (i = 0; i < n; i++) {
		short rv = pfd[i].revents, ev = pfd[i].events;

		if ((ev & POLLIN) && (rv & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(pfd[i].fd, r);
			count++;
		}
		if ((ev & POLLOUT) && (rv & (POLLOUT | POLLERR))) {
			FD_SET(pfd[i].fd, w);
			count++;
		}
		if ((ev & POLLPRI) && (rv & POLLPRI)) {
			FD_SET(pfd[i].fd, e);
			count++;
		}
	}
	free(pfd);
	return count;
}

HJ_EXPORT int
select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	long long ms;

	if (!hj_inited || hj_inrump || !hj_fdsets_rump(nfds, r, w, e))
		return REAL(select)(nfds, r, w, e, tv);
	ms = tv == NULL ? -1 : (long long)tv->tv_sec * 1000 +
	    (tv->tv_usec + 999) / 1000;
	/* The time left is not reported back for kernel descriptors. */
	return hj_select(nfds, r, w, e, ms > 0x7fffffff ? 0x7fffffff :
	    (int)ms);
}

HJ_EXPORT int
pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
    const sigset_t *mask)
{
	sigset_t old;
	int res, error;

	if (!hj_inited || hj_inrump || !hj_fdsets_rump(nfds, r, w, e))
		return REAL(pselect)(nfds, r, w, e, ts, mask);
	if (mask != NULL)
		pthread_sigmask(SIG_SETMASK, mask, &old);
	res = hj_select(nfds, r, w, e, hj_ts2ms(ts));
	error = errno;
	if (mask != NULL)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = error;
	return res;
}

/* --- mmap --- */

HJ_EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	size_t done = 0;
	ssize_t n;
	void *p;
	int k, error;

	if ((flags & MAP_ANONYMOUS) || hj_fd(fd, &k) == HJ_HOST)
		return REAL(mmap)(addr, len, prot, flags, fd, off);
	if ((flags & (MAP_SHARED | MAP_SHARED_VALIDATE)) &&
	    (prot & PROT_WRITE)) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	p = REAL(mmap)(addr, len, PROT_READ | PROT_WRITE,
	    (flags & ~(MAP_SHARED | MAP_SHARED_VALIDATE)) | MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	while (done < len) {
		n = RUMPCALL(rump_sys_pread64(k, (char *)p + done, len - done,
		    off + (off_t)done));
		if (n < 0) {
			error = errno;
			munmap(p, len);
			errno = error;
			return MAP_FAILED;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, len, prot) != 0) {
		error = errno;
		munmap(p, len);
		errno = error;
		return MAP_FAILED;
	}
	return p;
}

HJ_EXPORT void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{

	return mmap(addr, len, prot, flags, fd, off);
}

/* --- copies between descriptors --- */

/*
 * Copy up to len bytes from in to out through a buffer, at *inoff and
 * *outoff when given (which are advanced) or at the files' offsets.
 */
static ssize_t
hj_copy(int in, loff_t *inoff, int out, loff_t *outoff, size_t len)
{
	char *buf;
	size_t done = 0, bsz = 256 * 1024;
	ssize_t n, w, put;
	int error = 0;

	buf = malloc(bsz);
	if (buf == NULL)
		return hj_set_errno(ENOMEM);
	while (done < len) {
		size_t want = len - done < bsz ? len - done : bsz;

		n = inoff != NULL ? pread(in, buf, want, *inoff) :
		    read(in, buf, want);
		if (n < 0) {
			error = errno;
			break;
		}
		if (n == 0)
			break;
		for (put = 0; put < n; put += w) {
			w = outoff != NULL ? pwrite(out, buf + put,
			    (size_t)(n - put), *outoff + put) :
			    write(out, buf + put, (size_t)(n - put));
			if (w <= 0) {
				error = w < 0 ? errno : EIO;
				break;
			}
		}
		if (inoff != NULL)
			*inoff += put;
		if (outoff != NULL)
			*outoff += put;
		done += (size_t)put;
		if (error != 0)
			break;
	}
	free(buf);
	if (done == 0 && error != 0)
		return hj_set_errno(error);
	return (ssize_t)done;
}

HJ_EXPORT ssize_t
sendfile(int out, int in, off_t *off, size_t len)
{
	int k1, k2;

	if (hj_fd(out, &k1) == HJ_HOST && hj_fd(in, &k2) == HJ_HOST)
		return REAL(sendfile)(out, in, off, len);
	return hj_copy(in, (loff_t *)off, out, NULL, len);
}

HJ_EXPORT ssize_t
sendfile64(int out, int in, off64_t *off, size_t len)
{

	return sendfile(out, in, (off_t *)off, len);
}

HJ_EXPORT ssize_t
copy_file_range(int in, loff_t *inoff, int out, loff_t *outoff, size_t len,
    unsigned int flags)
{
	int k1, k2;

	if (hj_fd(out, &k1) == HJ_HOST && hj_fd(in, &k2) == HJ_HOST)
		return REAL(copy_file_range)(in, inoff, out, outoff, len,
		    flags);
	if (flags != 0)
		return hj_set_errno(EINVAL);
	return hj_copy(in, inoff, out, outoff, len);
}
