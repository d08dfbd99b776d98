/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_generic.c: the system calls that move data through any descriptor:
 * read, write, readv, writev, pread64, pwrite64, preadv, pwritev, and
 * lseek and ioctl.
 *
 * Each turns its arguments into a struct uio over the caller's buffers
 * (UIO_USERSPACE: the file code moves the bytes with uiomove, which uses
 * copyin/copyout) and calls the file's fo_read/fo_write.  The plain calls
 * use and advance the file's offset (FOF_UPDATE_OFFSET); the positional
 * ones use their own offset and need a seekable vnode file (ESPIPE
 * otherwise).  A transfer that moved some bytes before an error (a pipe
 * that became full, a bad address half way) reports the bytes moved.
 *
 * Called by: the system call dispatcher (vfs component's table).
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"
#include "vfs/file.h"
#include "vfs/vnode.h"

#define IOV_ONSTACK 8

/*
 * Run one transfer of kiov[0..iovcnt) (user addresses) on fd.  offp is
 * the position for pread/pwrite, or NULL to use the file's offset.
 */
static int
dofileio(int fd, enum uio_rw rw, struct rump_iovec *kiov, int iovcnt,
    const off_t *offp, register_t *retval)
{
	struct file *fp;
	struct uio uio;
	size_t total = 0;
	off_t off;
	bool locked;
	int i, error;

	for (i = 0; i < iovcnt; i++) {
		if (kiov[i].iov_len > (uint64_t)SSIZE_MAX - total)
			return EINVAL;
		total += kiov[i].iov_len;
	}
	fp = fd_getfile(fd);
	if (fp == NULL)
		return EBADF;
	if ((fp->f_flag & (rw == UIO_READ ? FREAD : FWRITE)) == 0) {
		error = EBADF;
		goto out;
	}
	uio.uio_iov = kiov;
	uio.uio_iovcnt = iovcnt;
	uio.uio_offset = 0;
	uio.uio_resid = total;
	uio.uio_rw = rw;
	uio.uio_seg = UIO_USERSPACE;
	if (offp != NULL) {
		if (fp->f_ops != &vnops) {
			error = ESPIPE;
			goto out;
		}
		if (*offp < 0) {
			error = EINVAL;
			goto out;
		}
		off = *offp;
		if (rw == UIO_READ)
			error = fp->f_ops->fo_read(fp, &off, &uio, fp->f_cred, 0);
		else
			error = fp->f_ops->fo_write(fp, &off, &uio, fp->f_cred,
			    0);
	} else {
		locked = file_poslock(fp);
		if (rw == UIO_READ)
			error = fp->f_ops->fo_read(fp, &fp->f_offset, &uio,
			    fp->f_cred, FOF_UPDATE_OFFSET);
		else
			error = fp->f_ops->fo_write(fp, &fp->f_offset, &uio,
			    fp->f_cred, FOF_UPDATE_OFFSET);
		file_posunlock(fp, locked);
	}
	if (error != 0 && uio.uio_resid != total)
		error = 0;
	if (error == 0)
		retval[0] = (register_t)(total - uio.uio_resid);
out:
	fd_putfile(fp);
	return error;
}

/* One buffer: read, write, pread64, pwrite64. */
static int
dofileio1(int fd, enum uio_rw rw, const void *buf, size_t count,
    const off_t *offp, register_t *retval)
{
	struct rump_iovec iov;

	if (count > SSIZE_MAX)
		return EINVAL;
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = count;
	return dofileio(fd, rw, &iov, 1, offp, retval);
}

/* An iovec array from the caller: readv, writev, preadv, pwritev. */
static int
dofileiov(int fd, enum uio_rw rw, const struct rump_iovec *uiov, int iovcnt,
    const off_t *offp, register_t *retval)
{
	struct rump_iovec stackiov[IOV_ONSTACK], *kiov = stackiov;
	size_t len;
	int error;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return EINVAL;
	len = (size_t)iovcnt * sizeof(*kiov);
	if (iovcnt > IOV_ONSTACK)
		kiov = kmem_alloc(len, KM_SLEEP);
	error = copyin(uiov, kiov, len);
	if (error == 0)
		error = dofileio(fd, rw, kiov, iovcnt, offp, retval);
	if (kiov != stackiov)
		kmem_free(kiov, len);
	return error;
}

int
sys_read(struct lwp *l, const struct sys_read_args *uap, register_t *retval)
{
	return dofileio1(uap->fd, UIO_READ, uap->buf, uap->count, NULL,
	    retval);
}

int
sys_write(struct lwp *l, const struct sys_write_args *uap, register_t *retval)
{
	return dofileio1(uap->fd, UIO_WRITE, uap->buf, uap->count, NULL,
	    retval);
}

int
sys_pread64(struct lwp *l, const struct sys_pread64_args *uap,
    register_t *retval)
{
	return dofileio1(uap->fd, UIO_READ, uap->buf, uap->count,
	    &uap->offset, retval);
}

int
sys_pwrite64(struct lwp *l, const struct sys_pwrite64_args *uap,
    register_t *retval)
{
	return dofileio1(uap->fd, UIO_WRITE, uap->buf, uap->count,
	    &uap->offset, retval);
}

int
sys_readv(struct lwp *l, const struct sys_readv_args *uap, register_t *retval)
{
	return dofileiov(uap->fd, UIO_READ, uap->iov, uap->iovcnt, NULL,
	    retval);
}

int
sys_writev(struct lwp *l, const struct sys_writev_args *uap,
    register_t *retval)
{
	return dofileiov(uap->fd, UIO_WRITE, uap->iov, uap->iovcnt, NULL,
	    retval);
}

int
sys_preadv(struct lwp *l, const struct sys_preadv_args *uap,
    register_t *retval)
{
	return dofileiov(uap->fd, UIO_READ, uap->iov, uap->iovcnt,
	    &uap->offset, retval);
}

int
sys_pwritev(struct lwp *l, const struct sys_pwritev_args *uap,
    register_t *retval)
{
	return dofileiov(uap->fd, UIO_WRITE, uap->iov, uap->iovcnt,
	    &uap->offset, retval);
}

/* lseek: ESPIPE on files without a position (pipes, fifos, sockets). */
int
sys_lseek(struct lwp *l, const struct sys_lseek_args *uap, register_t *retval)
{
	struct file *fp;
	off_t newoff;
	bool locked;
	int error;

	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	if (fp->f_ops->fo_seek == NULL) {
		error = ESPIPE;
	} else {
		locked = file_poslock(fp);
		error = fp->f_ops->fo_seek(fp, uap->offset, uap->whence,
		    &newoff);
		file_posunlock(fp, locked);
	}
	if (error == 0)
		retval[0] = newoff;
	fd_putfile(fp);
	return error;
}

/* FIONBIO: set or clear O_NONBLOCK from the int the caller points to. */
static int
ioctl_fionbio(struct file *fp, const void *arg)
{
	int on, error;

	error = copyin(arg, &on, sizeof(on));
	if (error != 0)
		return error;
	mutex_enter(&fp->f_lock);
	if (on)
		atomic_store_relaxed(&fp->f_flag, fp->f_flag | O_NONBLOCK);
	else
		atomic_store_relaxed(&fp->f_flag, fp->f_flag & ~O_NONBLOCK);
	mutex_exit(&fp->f_lock);
	return 0;
}

/*
 * ioctl: the descriptor-level commands here, everything else to the
 * file's fo_ioctl with the caller's argument (a user address).
 */
int
sys_ioctl(struct lwp *l, const struct sys_ioctl_args *uap, register_t *retval)
{
	struct file *fp;
	int error;

	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	switch (uap->cmd) {
	case FIOCLEX:
		error = fd_setflags(uap->fd, FD_CLOEXEC);
		break;
	case FIONCLEX:
		error = fd_setflags(uap->fd, 0);
		break;
	case FIONBIO:
		error = ioctl_fionbio(fp, uap->arg);
		break;
	default:
		if (fp->f_ops->fo_ioctl == NULL)
			error = ENOTTY;
		else
			error = fp->f_ops->fo_ioctl(fp, uap->cmd, uap->arg);
		break;
	}
	if (error == 0)
		retval[0] = 0;
	fd_putfile(fp);
	return error;
}
