/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_syscalls.c: system calls that change the name space: open/creat,
 * mkdir, mknod, unlink, rmdir, link, symlink, readlink.  The others are
 * in vfs_syscalls_rename.c (rename), vfs_syscalls_attr.c (stat, access,
 * chmod, chown, times), vfs_syscalls_io.c (truncate, fallocate, fsync,
 * sync, statfs) and vfs_syscalls_dir.c (getdents, cwd, chroot, mounts).
 *
 * Pattern: namei() with NI_PARENT | NI_LOCKPARENT returns the directory
 * locked exclusively and the file if it exists (referenced, unlocked);
 * the checks run, the file is locked (parent before child) and the vnode
 * operation called; the name cache entry of the name is then dropped
 * while the directory is still locked.
 *
 * Called through the dispatch table (syscall_establish(vfs_syscalls)).
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/file.h"
#include "vfs/pipe.h"
#include "vfs/vfs_impl.h"
#include "vfs/buf_impl.h"
#include "sys_syscallargs.h"

/* f_flag keeps the access mode and the status flags only. */
#define OPEN_FFLAGS_KEEP (FREAD | FWRITE | O_APPEND | O_NONBLOCK | O_SYNC | \
	O_DSYNC | O_DIRECT | O_NOATIME | O_ASYNC | O_LARGEFILE)

static int
do_open(int dirfd, const char *path, int oflags, mode_t mode,
    register_t *retval)
{
	struct nameidata nd;
	struct vnode *vp;
	struct file *fp;
	int fflags, fd, error;

	if ((oflags & O_ACCMODE) == O_ACCMODE)
		return EINVAL;
	if ((oflags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return EINVAL;	/* as Linux since 6.4 */
	if ((oflags & O_TMPFILE) == O_TMPFILE || (oflags & O_PATH))
		return EOPNOTSUPP;
	fflags = FFLAGS(oflags);
	namei_init(&nd, dirfd, path, LOOKUP, 0);
	error = vn_open(&nd, fflags, mode, &vp);
	namei_done(&nd);
	if (error != 0)
		return error;
	if (vp->v_type == VBLK || vp->v_type == VCHR) {
		/* The file gets the device's open vnode (vfs_spec.c). */
		error = spec_open_node(vp, fflags, &vp);
		if (error != 0) {
			vn_close(vp, fflags, kauth_cred_get());
			return error;
		}
	}
	error = file_alloc(&fp);
	if (error != 0) {
		vn_close(vp, fflags, kauth_cred_get());
		return error;
	}
	fp->f_flag = fflags & OPEN_FFLAGS_KEEP;
	if (vp->v_type == VFIFO) {
		/* The fifo code sets the file up; it waits for the peer. */
		error = fifo_open(vp, fp->f_flag, fp);
		if (error != 0) {
			file_rele(fp);
			vn_close(vp, fflags, kauth_cred_get());
			return error;
		}
	} else {
		fp->f_type = DTYPE_VNODE;
		fp->f_ops = &vnops;
		fp->f_data = vp;
	}
	error = fd_alloc(fp, 0, (oflags & O_CLOEXEC) != 0, &fd);
	file_rele(fp);
	if (error != 0)
		return error;
	retval[0] = fd;
	return 0;
}

int
sys_open(struct lwp *l, const struct sys_open_args *uap, register_t *retval)
{
	return do_open(AT_FDCWD, uap->path, uap->flags, uap->mode, retval);
}

int
sys_openat(struct lwp *l, const struct sys_openat_args *uap,
    register_t *retval)
{
	return do_open(uap->dirfd, uap->path, uap->flags, uap->mode, retval);
}

int
sys_creat(struct lwp *l, const struct sys_creat_args *uap, register_t *retval)
{
	return do_open(AT_FDCWD, uap->path, O_CREAT | O_WRONLY | O_TRUNC,
	    uap->mode, retval);
}

/* Parent lookup for creating the last component: EEXIST if it exists. */
static int
create_lookup(struct nameidata *nd, int dirfd, const char *path)
{
	int error;

	namei_init(nd, dirfd, path, CREATE, NI_PARENT | NI_LOCKPARENT);
	error = namei(nd);
	if (error != 0)
		return error;
	if (nd->ni_lasttype != NI_LAST_NORM || nd->ni_vp != NULL)
		return EEXIST;
	error = vn_writechk(nd->ni_dvp);
	if (error == 0)
		error = VOP_ACCESS(nd->ni_dvp, VWRITE | VEXEC,
		    nd->ni_cnd.cn_cred);
	return error;
}

static int
do_mkdir(int dirfd, const char *path, mode_t mode)
{
	struct nameidata nd;
	struct vnode *vp;
	struct vattr va;
	int error;

	error = create_lookup(&nd, dirfd, path);
	if (error == 0) {
		vattr_null(&va);
		va.va_type = VDIR;
		va.va_mode = mode & 01777 &
		    ~atomic_load_relaxed(&curproc->p_umask);
		error = VOP_MKDIR(nd.ni_dvp, &vp, &nd.ni_cnd, &va);
		if (error == 0) {
			cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
			    nd.ni_cnd.cn_namelen);
			vrele(vp);
		}
	}
	namei_done(&nd);
	return error;
}

int
sys_mkdir(struct lwp *l, const struct sys_mkdir_args *uap, register_t *retval)
{
	return do_mkdir(AT_FDCWD, uap->path, uap->mode);
}

int
sys_mkdirat(struct lwp *l, const struct sys_mkdirat_args *uap,
    register_t *retval)
{
	return do_mkdir(uap->dirfd, uap->path, uap->mode);
}

static int
do_mknod(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	kauth_cred_t cred = kauth_cred_get();
	struct nameidata nd;
	struct vnode *vp;
	struct vattr va;
	enum vtype type;
	int error;

	type = (mode & S_IFMT) == 0 ? VREG : iftovt(mode);
	switch (type) {
	case VREG: case VFIFO: case VSOCK:
		break;
	case VCHR: case VBLK:
		if (!kauth_cred_issuser(cred))
			return EPERM;
		break;
	case VDIR:
		return EPERM;
	default:
		return EINVAL;
	}
	error = create_lookup(&nd, dirfd, path);
	if (error == 0) {
		vattr_null(&va);
		va.va_type = type;
		va.va_mode = mode & 07777 &
		    ~atomic_load_relaxed(&curproc->p_umask);
		if (type == VCHR || type == VBLK)
			va.va_rdev = dev;
		if (type == VREG)
			error = VOP_CREATE(nd.ni_dvp, &vp, &nd.ni_cnd, &va);
		else
			error = VOP_MKNOD(nd.ni_dvp, &vp, &nd.ni_cnd, &va);
		if (error == 0) {
			cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
			    nd.ni_cnd.cn_namelen);
			vrele(vp);
		}
	}
	namei_done(&nd);
	return error;
}

int
sys_mknod(struct lwp *l, const struct sys_mknod_args *uap, register_t *retval)
{
	return do_mknod(AT_FDCWD, uap->path, uap->mode, uap->dev);
}

int
sys_mknodat(struct lwp *l, const struct sys_mknodat_args *uap,
    register_t *retval)
{
	return do_mknod(uap->dirfd, uap->path, uap->mode, uap->dev);
}

/*
 * Sticky directory: only root, the directory's owner or the file's owner
 * may remove or rename a file in it.
 */
int
vfs_sticky_check(struct vnode *dvp, struct vnode *vp, kauth_cred_t cred)
{
	struct vattr dva, va;
	int error;

	if (kauth_cred_issuser(cred))
		return 0;
	vattr_null(&dva);
	error = VOP_GETATTR(dvp, &dva, cred);
	if (error != 0 || !(dva.va_mode & S_ISVTX))
		return error;
	if (dva.va_uid == cred->cr_euid)
		return 0;
	vattr_null(&va);
	error = VOP_GETATTR(vp, &va, cred);
	if (error != 0)
		return error;
	return va.va_uid == cred->cr_euid ? 0 : EPERM;
}

/* Common checks of unlink/rmdir/rename on the victim vp in dvp (both
 * locked exclusively). */
int
vfs_remove_check(struct vnode *dvp, struct vnode *vp, kauth_cred_t cred)
{
	int error;

	if (vp->v_mountedhere != NULL ||
	    (vp->v_mount != NULL && vp == vp->v_mount->mnt_root))
		return EBUSY;
	error = vn_writechk(dvp);
	if (error == 0)
		error = VOP_ACCESS(dvp, VWRITE | VEXEC, cred);
	if (error == 0)
		error = vfs_sticky_check(dvp, vp, cred);
	return error;
}

static int
do_unlink(int dirfd, const char *path)
{
	struct nameidata nd;
	struct vnode *dvp, *vp;
	int error;

	namei_init(&nd, dirfd, path, DELETE, NI_PARENT | NI_LOCKPARENT);
	error = namei(&nd);
	if (error != 0)
		goto out;
	dvp = nd.ni_dvp;
	vp = nd.ni_vp;
	if (nd.ni_lasttype != NI_LAST_NORM)
		error = EISDIR;
	else if (vp == NULL)
		error = ENOENT;
	else if (vp->v_type == VDIR)
		error = EISDIR;
	else if (nd.ni_trailslash)
		error = ENOTDIR;
	if (error != 0)
		goto out;
	error = vn_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		goto out;
	error = vfs_remove_check(dvp, vp, nd.ni_cnd.cn_cred);
	if (error == 0)
		error = VOP_REMOVE(dvp, vp, &nd.ni_cnd);
	if (error == 0)
		cache_remove(dvp, nd.ni_cnd.cn_nameptr, nd.ni_cnd.cn_namelen);
	vn_unlock(vp);
out:
	namei_done(&nd);
	return error;
}

static int
do_rmdir(int dirfd, const char *path)
{
	struct nameidata nd;
	struct vnode *dvp, *vp, *cdir, *rdir;
	int error;

	namei_init(&nd, dirfd, path, DELETE, NI_PARENT | NI_LOCKPARENT);
	error = namei(&nd);
	if (error != 0)
		goto out;
	dvp = nd.ni_dvp;
	vp = nd.ni_vp;
	if (nd.ni_lasttype == NI_LAST_DOT)
		error = EINVAL;
	else if (nd.ni_lasttype == NI_LAST_DOTDOT)
		error = ENOTEMPTY;
	else if (nd.ni_lasttype == NI_LAST_ROOT)
		error = EBUSY;
	else if (vp == NULL)
		error = ENOENT;
	else if (vp->v_type != VDIR)
		error = ENOTDIR;
	if (error == 0) {
		cwd_getdirs(&cdir, &rdir);
		if (vp == rdir || vp == rootvnode)
			error = EBUSY;
		vrele(cdir);
		vrele(rdir);
	}
	if (error != 0)
		goto out;
	error = vn_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		goto out;
	error = vfs_remove_check(dvp, vp, nd.ni_cnd.cn_cred);
	if (error == 0)
		error = VOP_RMDIR(dvp, vp, &nd.ni_cnd);
	if (error == 0) {
		cache_remove(dvp, nd.ni_cnd.cn_nameptr, nd.ni_cnd.cn_namelen);
		cache_purge(vp);
	}
	vn_unlock(vp);
out:
	namei_done(&nd);
	return error;
}

int
sys_unlink(struct lwp *l, const struct sys_unlink_args *uap,
    register_t *retval)
{
	return do_unlink(AT_FDCWD, uap->path);
}

int
sys_rmdir(struct lwp *l, const struct sys_rmdir_args *uap, register_t *retval)
{
	return do_rmdir(AT_FDCWD, uap->path);
}

int
sys_unlinkat(struct lwp *l, const struct sys_unlinkat_args *uap,
    register_t *retval)
{
	if (uap->flags & ~AT_REMOVEDIR)
		return EINVAL;
	if (uap->flags & AT_REMOVEDIR)
		return do_rmdir(uap->dirfd, uap->path);
	return do_unlink(uap->dirfd, uap->path);
}

static int
do_link(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
    int flags)
{
	struct nameidata nd;
	struct vnode *vp;
	int error;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return EINVAL;
	error = namei_simple(olddirfd, oldpath,
	    ((flags & AT_SYMLINK_FOLLOW) ? NI_FOLLOW : 0) |
	    ((flags & AT_EMPTY_PATH) ? NI_EMPTYPATH : 0), &vp);
	if (error != 0)
		return error;
	if (vp->v_type == VDIR) {
		vrele(vp);
		return EPERM;
	}
	error = create_lookup(&nd, newdirfd, newpath);
	if (error == 0 && nd.ni_dvp->v_mount != vp->v_mount)
		error = EXDEV;
	if (error == 0 && nd.ni_trailslash)
		error = ENOENT;
	if (error == 0)
		error = vn_lock(vp, LK_EXCLUSIVE);
	if (error == 0) {
		error = VOP_LINK(nd.ni_dvp, vp, &nd.ni_cnd);
		if (error == 0)
			cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
			    nd.ni_cnd.cn_namelen);
		vn_unlock(vp);
	}
	namei_done(&nd);
	vrele(vp);
	return error;
}

int
sys_link(struct lwp *l, const struct sys_link_args *uap, register_t *retval)
{
	return do_link(AT_FDCWD, uap->oldpath, AT_FDCWD, uap->newpath, 0);
}

int
sys_linkat(struct lwp *l, const struct sys_linkat_args *uap,
    register_t *retval)
{
	return do_link(uap->olddirfd, uap->oldpath, uap->newdirfd,
	    uap->newpath, uap->flags);
}

static int
do_symlink(const char *utarget, int dirfd, const char *path)
{
	struct nameidata nd;
	struct vnode *vp;
	struct vattr va;
	char *target;
	int error;

	target = kmem_alloc(PATH_MAX, KM_SLEEP);
	error = copyinstr(utarget, target, PATH_MAX, NULL);
	if (error == 0 && target[0] == '\0')
		error = ENOENT;
	if (error != 0) {
		kmem_free(target, PATH_MAX);
		return error;
	}
	error = create_lookup(&nd, dirfd, path);
	if (error == 0) {
		vattr_null(&va);
		va.va_type = VLNK;
		va.va_mode = 0777;
		error = VOP_SYMLINK(nd.ni_dvp, &vp, &nd.ni_cnd, &va, target);
		if (error == 0) {
			cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
			    nd.ni_cnd.cn_namelen);
			vrele(vp);
		}
	}
	namei_done(&nd);
	kmem_free(target, PATH_MAX);
	return error;
}

int
sys_symlink(struct lwp *l, const struct sys_symlink_args *uap,
    register_t *retval)
{
	return do_symlink(uap->target, AT_FDCWD, uap->linkpath);
}

int
sys_symlinkat(struct lwp *l, const struct sys_symlinkat_args *uap,
    register_t *retval)
{
	return do_symlink(uap->target, uap->newdirfd, uap->linkpath);
}

static int
do_readlink(int dirfd, const char *path, char *buf, size_t bufsiz,
    register_t *retval)
{
	struct rump_iovec iov = { .iov_base = buf, .iov_len = bufsiz };
	struct uio uio = {
		.uio_iov = &iov, .uio_iovcnt = 1, .uio_offset = 0,
		.uio_resid = bufsiz, .uio_rw = UIO_READ,
		.uio_seg = UIO_USERSPACE,
	};
	struct vnode *vp;
	int error;

	if ((ssize_t)bufsiz <= 0)
		return EINVAL;
	error = namei_simple(dirfd, path, NI_EMPTYPATH, &vp);
	if (error != 0)
		return error;
	if (vp->v_type != VLNK) {
		vrele(vp);
		return EINVAL;
	}
	error = vn_lock(vp, LK_SHARED);
	if (error == 0) {
		error = VOP_READLINK(vp, &uio, kauth_cred_get());
		vn_unlock(vp);
	}
	vrele(vp);
	if (error == 0)
		retval[0] = bufsiz - uio.uio_resid;
	return error;
}

int
sys_readlink(struct lwp *l, const struct sys_readlink_args *uap,
    register_t *retval)
{
	return do_readlink(AT_FDCWD, uap->path, uap->buf, uap->bufsiz, retval);
}

int
sys_readlinkat(struct lwp *l, const struct sys_readlinkat_args *uap,
    register_t *retval)
{
	return do_readlink(uap->dirfd, uap->path, uap->buf, uap->bufsiz,
	    retval);
}
