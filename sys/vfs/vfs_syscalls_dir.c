/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_syscalls_dir.c: directories and mounts: getdents64, chdir, fchdir,
 * getcwd, chroot, mount, umount2.
 *
 * getcwd rebuilds the path from the current directory upwards: it looks
 * up "..", then reads the parent to find the entry whose inode number is
 * the child's, until the process root.  At a mount root it continues
 * from the covered vnode.
 *
 * Called through the dispatch table.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/file.h"
#include "vfs/vfs_impl.h"
#include "sys_syscallargs.h"

#define DIRENT_MINLEN 24       /* header plus a one-byte name, aligned */

int
sys_getdents64(struct lwp *l, const struct sys_getdents64_args *uap,
    register_t *retval)
{
	struct rump_iovec iov = { .iov_base = uap->dirp,
	    .iov_len = uap->count };
	struct uio uio = {
		.uio_iov = &iov, .uio_iovcnt = 1, .uio_resid = uap->count,
		.uio_rw = UIO_READ, .uio_seg = UIO_USERSPACE,
	};
	struct vnode *vp;
	struct file *fp;
	bool locked;
	int error, eof = 0;

	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	vp = fp->f_data;
	if (fp->f_type != DTYPE_VNODE || vp->v_type != VDIR) {
		error = ENOTDIR;
		goto out;
	}
	if (uap->count < DIRENT_MINLEN) {
		error = EINVAL;
		goto out;
	}
	locked = file_poslock(fp);
	error = vn_lock(vp, LK_SHARED);
	if (error != 0) {
		file_posunlock(fp, locked);
		goto out;
	}
	mutex_enter(&fp->f_lock);
	uio.uio_offset = fp->f_offset;
	mutex_exit(&fp->f_lock);
	error = VOP_READDIR(vp, &uio, fp->f_cred, &eof);
	if (error == 0) {
		mutex_enter(&fp->f_lock);
		fp->f_offset = uio.uio_offset;
		mutex_exit(&fp->f_lock);
	}
	vn_unlock(vp);
	file_posunlock(fp, locked);
	if (error == 0 && uio.uio_resid == uap->count && !eof)
		error = EINVAL;	/* the next entry does not fit */
	if (error == 0)
		retval[0] = uap->count - uio.uio_resid;
out:
	fd_putfile(fp);
	return error;
}

/* A directory the caller may search, for chdir and chroot. */
static int
searchable_dir(struct vnode *vp)
{
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	error = vn_lock(vp, LK_SHARED);
	if (error != 0)
		return error;
	error = VOP_ACCESS(vp, VEXEC, kauth_cred_get());
	vn_unlock(vp);
	return error;
}

int
sys_chdir(struct lwp *l, const struct sys_chdir_args *uap, register_t *retval)
{
	struct vnode *vp;
	int error;

	error = namei_simple(AT_FDCWD, uap->path, NI_FOLLOW, &vp);
	if (error != 0)
		return error;
	error = searchable_dir(vp);
	if (error != 0) {
		vrele(vp);
		return error;
	}
	cwd_setcdir(vp);
	return 0;
}

int
sys_fchdir(struct lwp *l, const struct sys_fchdir_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	int error;

	error = vfs_fdvnode(uap->fd, &vp);
	if (error != 0)
		return error == EINVAL ? ENOTDIR : error;
	error = searchable_dir(vp);
	if (error != 0) {
		vrele(vp);
		return error;
	}
	cwd_setcdir(vp);
	return 0;
}

int
sys_chroot(struct lwp *l, const struct sys_chroot_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	int error;

	if (!kauth_cred_issuser(kauth_cred_get()))
		return EPERM;
	error = namei_simple(AT_FDCWD, uap->path, NI_FOLLOW, &vp);
	if (error != 0)
		return error;
	error = searchable_dir(vp);
	if (error != 0) {
		vrele(vp);
		return error;
	}
	cwd_setrdir(vp);
	return 0;
}

/* Find the name of an entry with inode number ino in dvp (in a buffer of
 * bufsize); returns 0, ENOENT or the error of VOP_READDIR. */
static int
getcwd_scanbuf(const char *buf, size_t got, ino_t ino, char *name)
{
	const struct rump_dirent64 *d;
	size_t off;

	for (off = 0; off + DIRENT_MINLEN <= got; off += d->d_reclen) {
		d = (const struct rump_dirent64 *)(buf + off);
		if (d->d_reclen == 0)
			break;
		if (d->d_ino == ino && strcmp(d->d_name, ".") != 0 &&
		    strcmp(d->d_name, "..") != 0) {
			strlcpy(name, d->d_name, NAME_MAX + 1);
			return 0;
		}
	}
	return ENOENT;
}

static int
getcwd_scandir(struct vnode *dvp, ino_t ino, char *name)
{
	const size_t bufsize = 4096;
	struct rump_iovec iov;
	struct uio uio;
	char *buf;
	int error, eof = 0;

	error = vn_lock(dvp, LK_SHARED);
	if (error != 0)
		return error;
	buf = kmem_alloc(bufsize, KM_SLEEP);
	uio.uio_offset = 0;
	error = ENOENT;
	while (error == ENOENT && !eof) {
		iov.iov_base = buf;
		iov.iov_len = bufsize;
		uio.uio_iov = &iov;
		uio.uio_iovcnt = 1;
		uio.uio_resid = bufsize;
		uio.uio_rw = UIO_READ;
		uio.uio_seg = UIO_SYSSPACE;
		error = VOP_READDIR(dvp, &uio, kauth_cred_get(), &eof);
		if (error != 0)
			break;
		if (uio.uio_resid == bufsize) {
			error = ENOENT;
			break;
		}
		error = getcwd_scanbuf(buf, bufsize - uio.uio_resid, ino, name);
	}
	vn_unlock(dvp);
	kmem_free(buf, bufsize);
	return error;
}

/* One step up: vp (referenced) is replaced by its parent; name is vp's. */
static int
getcwd_up(struct vnode **vpp, char *name)
{
	struct componentname cn = {
		.cn_nameiop = LOOKUP, .cn_flags = CN_ISDOTDOT,
		.cn_nameptr = "..", .cn_namelen = 2,
	};
	struct vnode *vp = *vpp, *dvp;
	struct vattr va;
	int error;

	cn.cn_cred = kauth_cred_get();
	error = vn_lock(vp, LK_SHARED);
	if (error != 0)
		return error;
	vattr_null(&va);
	error = VOP_GETATTR(vp, &va, cn.cn_cred);
	if (error == 0)
		error = VOP_ACCESS(vp, VEXEC, cn.cn_cred);
	if (error == 0)
		error = VOP_LOOKUP(vp, &dvp, &cn);
	vn_unlock(vp);
	if (error != 0)
		return error;
	error = getcwd_scandir(dvp, va.va_fileid, name);
	if (error != 0) {
		vrele(dvp);
		return error;
	}
	vrele(vp);
	*vpp = dvp;
	return 0;
}

static int
getcwd_build(char *kbuf, size_t *posp)
{
	struct vnode *cdir, *rdir, *vp;
	char *name;
	size_t pos = PATH_MAX - 1, nlen;
	int error = 0;

	name = kmem_alloc(NAME_MAX + 1, KM_SLEEP);
	kbuf[pos] = '\0';
	cwd_getdirs(&cdir, &rdir);
	vp = cdir;
	while (vp != rdir && vp != rootvnode) {
		if (vp == vp->v_mount->mnt_root &&
		    vp->v_mount->mnt_vnodecovered != NULL) {
			vrele(vp);
			vp = vp->v_mount->mnt_vnodecovered;
			vref(vp);
			continue;
		}
		error = getcwd_up(&vp, name);
		if (error != 0)
			break;
		nlen = strlen(name);
		if (nlen + 1 > pos) {
			error = ENAMETOOLONG;
			break;
		}
		pos -= nlen;
		memcpy(kbuf + pos, name, nlen);
		kbuf[--pos] = '/';
	}
	if (error == 0 && pos == PATH_MAX - 1)
		kbuf[--pos] = '/';
	vrele(vp);
	vrele(rdir);
	kmem_free(name, NAME_MAX + 1);
	*posp = pos;
	return error;
}

int
sys_getcwd(struct lwp *l, const struct sys_getcwd_args *uap,
    register_t *retval)
{
	size_t pos, len;
	char *kbuf;
	int error;

	kbuf = kmem_alloc(PATH_MAX, KM_SLEEP);
	error = getcwd_build(kbuf, &pos);
	if (error == 0) {
		len = PATH_MAX - pos;
		if (len > uap->size)
			error = ERANGE;
		else
			error = copyout(kbuf + pos, uap->buf, len);
		if (error == 0)
			retval[0] = (register_t)len;
	}
	kmem_free(kbuf, PATH_MAX);
	return error;
}

static int
mount_flags(unsigned long flags)
{
	int mf = 0;

	if (flags & MS_RDONLY) mf |= MNT_RDONLY;
	if (flags & MS_NOSUID) mf |= MNT_NOSUID;
	if (flags & MS_NODEV) mf |= MNT_NODEV;
	if (flags & MS_NOEXEC) mf |= MNT_NOEXEC;
	if (flags & MS_SYNCHRONOUS) mf |= MNT_SYNCHRONOUS;
	if (flags & MS_NOATIME) mf |= MNT_NOATIME;
	return mf;
}

static int
mount_remount(struct vnode *vp, unsigned long flags, const char *opts)
{
	struct mount *mp = vp->v_mount;
	int error, mf = mount_flags(flags);

	if (vp != mp->mnt_root)
		return EINVAL;
	if (mp->mnt_op->vfs_remount == NULL)
		return EOPNOTSUPP;
	error = vfs_busy(mp);
	if (error != 0)
		return error;
	error = mp->mnt_op->vfs_remount(mp, mf, opts);
	if (error == 0) {
		mutex_enter(&mp->mnt_lock);
		mp->mnt_flag = (mp->mnt_flag & MNT_GONE) | mf;
		mutex_exit(&mp->mnt_lock);
	}
	vfs_unbusy(mp);
	return error;
}

/* Copy in the optional strings of mount(2). */
static int
mount_strings(const struct sys_mount_args *uap, char **srcp, char **typep,
    char **optsp)
{
	int error = 0;

	*srcp = *typep = *optsp = NULL;
	if (uap->source != NULL) {
		*srcp = kmem_alloc(PATH_MAX, KM_SLEEP);
		error = copyinstr(uap->source, *srcp, PATH_MAX, NULL);
	}
	if (error == 0 && uap->fstype != NULL) {
		*typep = kmem_alloc(PATH_MAX, KM_SLEEP);
		error = copyinstr(uap->fstype, *typep, PATH_MAX, NULL);
	}
	if (error == 0 && uap->data != NULL) {
		*optsp = kmem_alloc(PAGE_SIZE, KM_SLEEP);
		error = copyinstr(uap->data, *optsp, PAGE_SIZE, NULL);
	}
	return error;
}

static void
mount_strings_free(char *src, char *type, char *opts)
{
	if (src != NULL)
		kmem_free(src, PATH_MAX);
	if (type != NULL)
		kmem_free(type, PATH_MAX);
	if (opts != NULL)
		kmem_free(opts, PAGE_SIZE);
}

int
sys_mount(struct lwp *l, const struct sys_mount_args *uap, register_t *retval)
{
	char *src, *type, *opts;
	struct vfsops *vfs = NULL;
	struct mount *mp;
	struct vnode *vp = NULL;
	int error;

	if (!kauth_cred_issuser(kauth_cred_get()))
		return EPERM;
	if (uap->flags & MS_BIND)
		return EINVAL;
	error = mount_strings(uap, &src, &type, &opts);
	if (error == 0)
		error = namei_simple(AT_FDCWD, uap->target, NI_FOLLOW, &vp);
	if (error != 0)
		goto out;
	if (uap->flags & MS_REMOUNT) {
		error = mount_remount(vp, uap->flags, opts);
		goto out;
	}
	if (type == NULL) {
		error = EINVAL;
		goto out;
	}
	vfs = vfs_getopsbyname(type);
	if (vfs == NULL) {
		error = ENODEV;
		goto out;
	}
	if (vp->v_type != VDIR) {
		error = ENOTDIR;
		goto out;
	}
	if (vp->v_mountedhere != NULL) {
		error = EBUSY;
		goto out;
	}
	error = vfs_mount_new(vfs, vp, src, opts, mount_flags(uap->flags),
	    &mp);
	vfs = NULL;
	if (error == 0)
		vp = NULL;	/* the mount keeps the covered vnode */
out:
	if (vfs != NULL)
		atomic_dec(&vfs->vfs_refcount);
	if (vp != NULL)
		vrele(vp);
	mount_strings_free(src, type, opts);
	return error;
}

/* MNT_FORCE and MNT_DETACH are not supported (EINVAL): see vfs_mount.c. */
int
sys_umount2(struct lwp *l, const struct sys_umount2_args *uap,
    register_t *retval)
{
	struct vnode *vp;
	struct mount *mp;
	int error;

	if (!kauth_cred_issuser(kauth_cred_get()))
		return EPERM;
	if (uap->flags & ~UMOUNT_NOFOLLOW)
		return EINVAL;
	error = namei_simple(AT_FDCWD, uap->target,
	    (uap->flags & UMOUNT_NOFOLLOW) ? 0 : NI_FOLLOW, &vp);
	if (error != 0)
		return error;
	mp = vp->v_mount;
	if (vp != mp->mnt_root) {
		vrele(vp);
		return EINVAL;
	}
	if (mp->mnt_vnodecovered == NULL) {
		vrele(vp);
		return EBUSY;	/* the root file system */
	}
	vfs_ref(mp);
	vrele(vp);
	error = vfs_unmount(mp, 0);
	vfs_rele(mp);
	return error;
}
