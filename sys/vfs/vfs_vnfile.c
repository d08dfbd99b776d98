/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_vnfile.c: the file operations of open vnodes (const struct fileops
 * vnops), the layer between descriptors and the vnode operations.
 *
 * read(2) and friends reach a file system through here: the file's offset
 * is taken under f_lock, the vnode is locked (shared to read, exclusive to
 * write, so writes to one file are serialised and O_APPEND writes land at
 * the end), VOP_READ/VOP_WRITE run, and the new offset is stored back.
 * Two reads sharing one open file may then return the same bytes, but the
 * offset always ends past one of them, never in between.
 *
 * Called by: sys_generic.c (read/write/lseek/ioctl/poll), the VFS's
 * fstat/ftruncate, and file_rele() (fo_close) at the last reference.
 */

#include "kern/kern.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "vfs/file.h"
#include "vfs/lockf.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"
#include "vfs/vnode.h"

/* Lock vp for a file operation; a reclaimed vnode gives EBADF. */
static int
vnf_lock(struct vnode *vp, int flags)
{
	int error;

	error = vn_lock(vp, flags);
	return error == ENOENT ? EBADF : error;
}

static int
vnf_ioflags(struct file *fp, bool writing)
{
	int fflag = atomic_load_relaxed(&fp->f_flag);
	struct vnode *vp = fp->f_data;
	int ioflag = 0;

	if (fflag & O_NONBLOCK)
		ioflag |= IO_NDELAY;
	if (fflag & O_NOATIME)
		ioflag |= IO_NOATIME;
	if (!writing)
		return ioflag;
	if (fflag & O_APPEND)
		ioflag |= IO_APPEND;
	if ((fflag & O_SYNC) == O_SYNC)
		ioflag |= IO_SYNC;
	else if (fflag & O_DSYNC)
		ioflag |= IO_DSYNC;
	if (vp->v_mount != NULL && (vp->v_mount->mnt_flag & MNT_SYNCHRONOUS))
		ioflag |= IO_SYNC;
	return ioflag;
}

static off_t
vnf_getoff(struct file *fp, off_t *offset, int flags)
{
	off_t off;

	if ((flags & FOF_UPDATE_OFFSET) == 0)
		return *offset;
	mutex_enter(&fp->f_lock);
	off = *offset;
	mutex_exit(&fp->f_lock);
	return off;
}

static void
vnf_setoff(struct file *fp, off_t *offset, off_t off, int flags)
{
	if ((flags & FOF_UPDATE_OFFSET) == 0) {
		*offset = off;
		return;
	}
	mutex_enter(&fp->f_lock);
	*offset = off;
	mutex_exit(&fp->f_lock);
}

/*
 * Read from the vnode at *offset (the file's offset with
 * FOF_UPDATE_OFFSET, under f_lock).  EISDIR for directories.
 */
static int
vnf_read(struct file *fp, off_t *offset, struct uio *uio, kauth_cred_t cred,
    int flags)
{
	struct vnode *vp = fp->f_data;
	int error, ioflag;

	if (vp->v_type == VDIR)
		return EISDIR;
	ioflag = vnf_ioflags(fp, false);
	error = vnf_lock(vp, LK_SHARED);
	if (error != 0)
		return error;
	uio->uio_offset = vnf_getoff(fp, offset, flags);
	if (uio->uio_offset < 0) {
		vn_unlock(vp);
		return EINVAL;
	}
	error = VOP_READ(vp, uio, ioflag, cred);
	vnf_setoff(fp, offset, uio->uio_offset, flags);
	vn_unlock(vp);
	return error;
}

/*
 * Write to the vnode under its exclusive lock; with O_APPEND the write
 * starts at the end of the file, whatever the offset says.
 */
static int
vnf_write(struct file *fp, off_t *offset, struct uio *uio, kauth_cred_t cred,
    int flags)
{
	struct vnode *vp = fp->f_data;
	size_t cut = 0;
	int error, ioflag;

	if (vp->v_type == VDIR)
		return EISDIR;
	ioflag = vnf_ioflags(fp, true);
	error = vnf_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	if (ioflag & IO_APPEND)
		uio->uio_offset = vp->v_size;
	else
		uio->uio_offset = vnf_getoff(fp, offset, flags);
	if (uio->uio_offset < 0) {
		vn_unlock(vp);
		return EINVAL;
	}
	if (vp->v_type == VREG && (error = vn_fsizecut(uio, &cut)) != 0) {
		vn_unlock(vp);
		return error;
	}
	error = VOP_WRITE(vp, uio, ioflag, cred);
	uio->uio_resid += cut;
	vnf_setoff(fp, offset, uio->uio_offset, flags);
	vn_unlock(vp);
	return error;
}

/* FIONREAD for regular files: the bytes between the offset and EOF. */
static int
vnf_fionread(struct file *fp, void *data)
{
	struct vnode *vp = fp->f_data;
	off_t size, off;
	int error, n;

	error = vnf_lock(vp, LK_SHARED);
	if (error != 0)
		return error;
	size = vp->v_size;
	vn_unlock(vp);
	mutex_enter(&fp->f_lock);
	off = fp->f_offset;
	mutex_exit(&fp->f_lock);
	n = size > off ? (int)MIN(size - off, (off_t)INT_MAX) : 0;
	return copyout(&n, data, sizeof(n));
}

/* ioctl: data is the caller's argument, a user address. */
static int
vnf_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct vnode *vp = fp->f_data;

	if (cmd == FIONREAD && vp->v_type == VREG)
		return vnf_fionread(fp, data);
	return VOP_IOCTL(vp, cmd, data, atomic_load_relaxed(&fp->f_flag),
	    fp->f_cred);
}

static int
vnf_poll(struct file *fp, int events)
{
	return VOP_POLL(fp->f_data, events);
}

static int
vnf_stat(struct file *fp, struct rump_stat *sb)
{
	return vn_stat(fp->f_data, sb);
}

/*
 * Last reference: drop the flock lock taken through this file, then
 * VOP_CLOSE and the file's vnode reference.  (POSIX locks were dropped
 * when the descriptors closed.)
 */
static int
vnf_close(struct file *fp)
{
	struct vnode *vp = fp->f_data;

	lf_release_flock(vp, fp);
	return vn_close(vp, fp->f_flag, fp->f_cred);
}

static int
vnf_size(struct vnode *vp, off_t *sizep)
{
	int error;

	error = vnf_lock(vp, LK_SHARED);
	if (error != 0)
		return error;
	*sizep = vp->v_size;
	vn_unlock(vp);
	return 0;
}

static int
vnf_seekhole(struct vnode *vp, off_t off, int whence, off_t *newoffp)
{
	int error;

	if (off < 0)
		return ENXIO;
	error = vnf_lock(vp, LK_SHARED);
	if (error != 0)
		return error;
	error = VOP_SEEKHOLE(vp, off, whence, newoffp);
	vn_unlock(vp);
	return error;
}

/*
 * lseek: compute the new offset from whence and store it.  EINVAL for a
 * negative result or bad whence, EOVERFLOW when it does not fit an off_t,
 * ENXIO for SEEK_DATA/SEEK_HOLE at or past the end.
 */
static int
vnf_seek(struct file *fp, off_t delta, int whence, off_t *newoffp)
{
	struct vnode *vp = fp->f_data;
	off_t base, newoff;
	int error;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = 0;	/* read under f_lock below */
		break;
	case SEEK_END:
		error = vnf_size(vp, &base);
		if (error != 0)
			return error;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		error = vnf_seekhole(vp, delta, whence, &newoff);
		if (error != 0)
			return error;
		mutex_enter(&fp->f_lock);
		fp->f_offset = newoff;
		mutex_exit(&fp->f_lock);
		*newoffp = newoff;
		return 0;
	default:
		return EINVAL;
	}
	mutex_enter(&fp->f_lock);
	if (whence == SEEK_CUR)
		base = fp->f_offset;
	if (__builtin_add_overflow(base, delta, &newoff)) {
		mutex_exit(&fp->f_lock);
		return EOVERFLOW;
	}
	if (newoff < 0) {
		mutex_exit(&fp->f_lock);
		return EINVAL;
	}
	fp->f_offset = newoff;
	mutex_exit(&fp->f_lock);
	*newoffp = newoff;
	return 0;
}

/* ftruncate: VOP_SETATTR of the size.  EINVAL unless open for writing. */
static int
vnf_truncate(struct file *fp, off_t length)
{
	struct vnode *vp = fp->f_data;
	struct vattr va;
	int error;

	if (length < 0)
		return EINVAL;
	if (vp->v_type == VDIR)
		return EISDIR;
	if ((atomic_load_relaxed(&fp->f_flag) & FWRITE) == 0 ||
	    vp->v_type != VREG)
		return EINVAL;
	if (vn_fsizechk(length) != 0)
		return EFBIG;
	error = vnf_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	vattr_null(&va);
	va.va_size = length;
	error = VOP_SETATTR(vp, &va, fp->f_cred);
	vn_unlock(vp);
	return error;
}

const struct fileops vnops = {
	.fo_name = "vnode",
	.fo_read = vnf_read,
	.fo_write = vnf_write,
	.fo_ioctl = vnf_ioctl,
	.fo_fcntl = NULL,
	.fo_poll = vnf_poll,
	.fo_stat = vnf_stat,
	.fo_close = vnf_close,
	.fo_seek = vnf_seek,
	.fo_truncate = vnf_truncate,
};
