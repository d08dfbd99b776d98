/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_syscalls_io.c: system calls on file contents and whole file
 * systems: truncate/ftruncate, fallocate, fsync/fdatasync, sync/syncfs,
 * statfs/fstatfs.
 *
 * Called through the dispatch table.
 */
#include "kern/kern.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/file.h"
#include "vfs/vfs_impl.h"
#include "sys_syscallargs.h"

int
sys_truncate(struct lwp *l, const struct sys_truncate_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	int error;

	if (uap->length < 0)
		return EINVAL;
	error = namei_simple(AT_FDCWD, uap->path, NI_FOLLOW, &vp);
	if (error != 0)
		return error;
	if (vp->v_type == VDIR)
		error = EISDIR;
	else if (vp->v_type != VREG)
		error = EINVAL;
	else
		error = vn_writechk(vp);
	if (error == 0 && (error = vn_lock(vp, LK_SHARED)) == 0) {
		error = VOP_ACCESS(vp, VWRITE, kauth_cred_get());
		vn_unlock(vp);
	}
	if (error == 0)
		error = vn_truncate(vp, uap->length, kauth_cred_get());
	vrele(vp);
	return error;
}

int
sys_ftruncate(struct lwp *l, const struct sys_ftruncate_args *uap,
    register_t *retval)
{
	struct file *fp;
	int error;

	if (uap->length < 0)
		return EINVAL;
	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	error = fp->f_ops->fo_truncate != NULL ?
	    fp->f_ops->fo_truncate(fp, uap->length) : EINVAL;
	fd_putfile(fp);
	return error;
}

int
sys_fallocate(struct lwp *l, const struct sys_fallocate_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	struct file *fp;
	off_t end;
	int error;

	if (uap->offset < 0 || uap->len <= 0)
		return EINVAL;
	if (uap->mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_ZERO_RANGE))
		return EOPNOTSUPP;
	if ((uap->mode & FALLOC_FL_PUNCH_HOLE) &&
	    !(uap->mode & FALLOC_FL_KEEP_SIZE))
		return EOPNOTSUPP;
	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	if (!(fp->f_flag & FWRITE)) {
		fd_putfile(fp);
		return EBADF;
	}
	if (fp->f_type != DTYPE_VNODE) {
		fd_putfile(fp);
		return ESPIPE;
	}
	vp = fp->f_data;
	if (vp->v_type == VDIR)
		error = EISDIR;
	else if (vp->v_type != VREG)
		error = ENODEV;
	else if ((error = vn_lock(vp, LK_EXCLUSIVE)) == 0) {
		/* Growing the file is subject to RLIMIT_FSIZE. */
		if (__builtin_add_overflow(uap->offset, uap->len, &end))
			error = EFBIG;
		else if (!(uap->mode & FALLOC_FL_KEEP_SIZE) &&
		    end > vp->v_size)
			error = vn_fsizechk(end);
		if (error == 0)
			error = VOP_FALLOCATE(vp, uap->mode, uap->offset,
			    uap->len);
		vn_unlock(vp);
	}
	fd_putfile(fp);
	return error;
}

static int
do_fsync(int fd, int flags)
{
	struct vnode *vp;
	int error;

	error = vfs_fdvnode(fd, &vp);
	if (error != 0)
		return error;
	error = vn_lock(vp, LK_EXCLUSIVE);
	if (error == 0) {
		error = VOP_FSYNC(vp, kauth_cred_get(), flags, 0, 0);
		vn_unlock(vp);
	}
	vrele(vp);
	return error;
}

int
sys_fsync(struct lwp *l, const struct sys_fsync_args *uap, register_t *retval)
{
	return do_fsync(uap->fd, FSYNC_WAIT);
}

int
sys_fdatasync(struct lwp *l, const struct sys_fdatasync_args *uap,
    register_t *retval)
{
	return do_fsync(uap->fd, FSYNC_WAIT | FSYNC_DATAONLY);
}

int
sys_sync(struct lwp *l, const struct sys_sync_args *uap, register_t *retval)
{
	vfs_sync_all();
	return 0;
}

int
sys_syncfs(struct lwp *l, const struct sys_syncfs_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	struct mount *mp;
	int error;

	error = vfs_fdvnode(uap->fd, &vp);
	if (error != 0)
		return error == EINVAL ? 0 : error;
	mp = vp->v_mount;
	if (!(mp->mnt_flag & MNT_RDONLY) && vfs_busy(mp) == 0) {
		error = VFS_SYNC(mp, 1, kauth_cred_get());
		vfs_unbusy(mp);
	}
	vrele(vp);
	return error;
}

static int
statfs_vnode(struct vnode *vp, struct rump_statfs *ubuf)
{
	struct rump_statfs sb;
	struct mount *mp = vp->v_mount;
	int error;

	error = vfs_busy(mp);
	if (error == 0) {
		error = vfs_statfs_mp(mp, &sb);
		vfs_unbusy(mp);
	}
	vrele(vp);
	if (error == 0)
		error = copyout(&sb, ubuf, sizeof(sb));
	return error;
}

int
sys_statfs(struct lwp *l, const struct sys_statfs_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	int error;

	error = namei_simple(AT_FDCWD, uap->path, NI_FOLLOW, &vp);
	if (error != 0)
		return error;
	return statfs_vnode(vp, uap->buf);
}

int
sys_fstatfs(struct lwp *l, const struct sys_fstatfs_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	int error;

	error = vfs_fdvnode(uap->fd, &vp);
	if (error != 0)
		return error;
	return statfs_vnode(vp, uap->buf);
}
