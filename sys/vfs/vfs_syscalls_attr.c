/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_syscalls_attr.c: system calls on file attributes by path or
 * descriptor: the stat family and statx, the access family, chmod, chown,
 * utimes/utimensat/futimens.  (truncate, fallocate, fsync, sync and
 * statfs are in vfs_syscalls_io.c.)
 *
 * Permission rules (Linux's): chmod needs the owner or root, and clears
 * S_ISGID when the caller is not in the file's group; only root changes
 * the owner, the owner may change the group to one it belongs to, and a
 * chown of a regular file clears S_ISUID/S_ISGID; utimes with NULL or
 * UTIME_NOW times needs the owner or write access, other times the owner.
 *
 * Called through the dispatch table.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "kern/callout.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/file.h"
#include "vfs/vfs_impl.h"
#include "sys_syscallargs.h"

int
vfs_fdvnode(int fd, struct vnode **vpp)
{
	struct file *fp;

	fp = fd_getfile(fd);
	if (fp == NULL)
		return EBADF;
	if (fp->f_type != DTYPE_VNODE) {
		fd_putfile(fp);
		return EINVAL;
	}
	*vpp = fp->f_data;
	vref(*vpp);
	fd_putfile(fp);
	return 0;
}

static int
at_flags(int flags)
{
	return ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : NI_FOLLOW) |
	    ((flags & AT_EMPTY_PATH) ? NI_EMPTYPATH : 0);
}

static int
do_stat(int dirfd, const char *path, int niflags, struct rump_stat *usb)
{
	struct rump_stat sb;
	struct vnode *vp;
	int error;

	error = namei_simple(dirfd, path, niflags, &vp);
	if (error != 0)
		return error;
	error = vn_stat(vp, &sb);
	vrele(vp);
	if (error == 0)
		error = copyout(&sb, usb, sizeof(sb));
	return error;
}

int
sys_stat(struct lwp *l, const struct sys_stat_args *uap, register_t *retval)
{
	return do_stat(AT_FDCWD, uap->path, NI_FOLLOW, uap->sb);
}

int
sys_lstat(struct lwp *l, const struct sys_lstat_args *uap, register_t *retval)
{
	return do_stat(AT_FDCWD, uap->path, 0, uap->sb);
}

int
sys_newfstatat(struct lwp *l, const struct sys_newfstatat_args *uap,
    register_t *retval)
{
	if (uap->flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH |
	    AT_NO_AUTOMOUNT))
		return EINVAL;
	return do_stat(uap->dirfd, uap->path, at_flags(uap->flags), uap->sb);
}

int
sys_fstat(struct lwp *l, const struct sys_fstat_args *uap, register_t *retval)
{
	struct rump_stat sb;
	struct file *fp;
	int error;

	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	memset(&sb, 0, sizeof(sb));
	error = fp->f_ops->fo_stat != NULL ? fp->f_ops->fo_stat(fp, &sb) :
	    EOPNOTSUPP;
	fd_putfile(fp);
	if (error == 0)
		error = copyout(&sb, uap->sb, sizeof(sb));
	return error;
}

static void
statx_ts(struct rump_statx_timestamp *sx, const struct rump_timespec *ts)
{
	sx->tv_sec = ts->tv_sec;
	sx->tv_nsec = (uint32_t)ts->tv_nsec;
}

#define STATX_SYNC_TYPE 0x6000
#define STATX_RESERVED  0x80000000U

int
sys_statx(struct lwp *l, const struct sys_statx_args *uap, register_t *retval)
{
	struct rump_statx sx;
	struct vattr va;
	struct vnode *vp;
	int error;

	if ((uap->flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH |
	    AT_NO_AUTOMOUNT | STATX_SYNC_TYPE)) ||
	    (uap->flags & STATX_SYNC_TYPE) == STATX_SYNC_TYPE ||
	    (uap->mask & STATX_RESERVED))
		return EINVAL;
	error = namei_simple(uap->dirfd, uap->path, at_flags(uap->flags), &vp);
	if (error != 0)
		return error;
	error = vn_lock(vp, LK_SHARED);
	if (error == 0) {
		vattr_null(&va);
		error = VOP_GETATTR(vp, &va, kauth_cred_get());
		vn_unlock(vp);
	}
	if (error != 0) {
		vrele(vp);
		return error;
	}
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS | STATX_MNT_ID;
	if (va.va_birthtime.tv_sec != VNOVAL) {
		sx.stx_mask |= STATX_BTIME;
		statx_ts(&sx.stx_btime, &va.va_birthtime);
	}
	sx.stx_blksize = va.va_blocksize > 0 ? va.va_blocksize : PAGE_SIZE;
	sx.stx_nlink = (uint32_t)va.va_nlink;
	sx.stx_uid = va.va_uid;
	sx.stx_gid = va.va_gid;
	sx.stx_mode = (uint16_t)(vttoif(vp->v_type) | (va.va_mode & 07777));
	sx.stx_ino = va.va_fileid;
	sx.stx_size = va.va_size;
	sx.stx_blocks = howmany(va.va_bytes, 512);
	statx_ts(&sx.stx_atime, &va.va_atime);
	statx_ts(&sx.stx_mtime, &va.va_mtime);
	statx_ts(&sx.stx_ctime, &va.va_ctime);
	if (vp->v_type == VCHR || vp->v_type == VBLK) {
		sx.stx_rdev_major = (uint32_t)((va.va_rdev >> 8) & 0xfff);
		sx.stx_rdev_minor = (uint32_t)((va.va_rdev & 0xff) |
		    ((va.va_rdev >> 12) & 0xfff00));
	}
	sx.stx_dev_major = 0;
	sx.stx_dev_minor = (uint32_t)vp->v_mount->mnt_dev;
	sx.stx_mnt_id = vp->v_mount->mnt_id;
	vrele(vp);
	return copyout(&sx, uap->buf, sizeof(sx));
}

/* access(2): with the real ids unless AT_EACCESS. */
static int
do_access(int dirfd, const char *path, int mode, int flags)
{
	kauth_cred_t cred = kauth_cred_get(), rcred = NULL;
	struct vnode *vp;
	int accmode = 0, error;

	if (mode & ~(R_OK | W_OK | X_OK))
		return EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return EINVAL;
	if (!(flags & AT_EACCESS) && (cred->cr_uid != cred->cr_euid ||
	    cred->cr_gid != cred->cr_egid)) {
		rcred = kauth_cred_dup(cred);
		rcred->cr_euid = cred->cr_uid;
		rcred->cr_egid = cred->cr_gid;
	}
	error = namei_simple(dirfd, path, at_flags(flags), &vp);
	if (error == 0) {
		if (mode & R_OK) accmode |= VREAD;
		if (mode & W_OK) accmode |= VWRITE;
		if (mode & X_OK) accmode |= VEXEC;
		if (accmode != 0 && (error = vn_lock(vp, LK_SHARED)) == 0) {
			error = VOP_ACCESS(vp, accmode,
			    rcred != NULL ? rcred : cred);
			vn_unlock(vp);
		}
		vrele(vp);
	}
	if (rcred != NULL)
		kauth_cred_free(rcred);
	return error;
}

int
sys_access(struct lwp *l, const struct sys_access_args *uap,
    register_t *retval)
{
	return do_access(AT_FDCWD, uap->path, uap->mode, 0);
}

int
sys_faccessat(struct lwp *l, const struct sys_faccessat_args *uap,
    register_t *retval)
{
	/* The flags argument of the system call is ignored, as Linux does. */
	return do_access(uap->dirfd, uap->path, uap->mode, 0);
}

int
sys_faccessat2(struct lwp *l, const struct sys_faccessat2_args *uap,
    register_t *retval)
{
	return do_access(uap->dirfd, uap->path, uap->mode, uap->flags);
}

static int
getattr_locked(struct vnode *vp, struct vattr *va)
{
	vattr_null(va);
	return VOP_GETATTR(vp, va, kauth_cred_get());
}

static int
vn_chmod(struct vnode *vp, mode_t mode)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr va, nva;
	int error;

	error = vn_writechk(vp);
	if (error == 0)
		error = vn_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	error = getattr_locked(vp, &va);
	if (error == 0 && !kauth_cred_issuser(cred) &&
	    cred->cr_euid != va.va_uid)
		error = EPERM;
	if (error == 0) {
		mode &= 07777;
		if (!kauth_cred_issuser(cred) &&
		    !kauth_cred_groupmember(cred, va.va_gid))
			mode &= ~S_ISGID;
		vattr_null(&nva);
		nva.va_mode = mode;
		error = VOP_SETATTR(vp, &nva, cred);
	}
	vn_unlock(vp);
	return error;
}

static int
vn_chown(struct vnode *vp, uid_t uid, gid_t gid)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr va, nva;
	int error;

	error = vn_writechk(vp);
	if (error == 0)
		error = vn_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	error = getattr_locked(vp, &va);
	if (error == 0 && !kauth_cred_issuser(cred)) {
		if (uid != (uid_t)-1 && uid != va.va_uid)
			error = EPERM;
		else if (cred->cr_euid != va.va_uid)
			error = EPERM;
		else if (gid != (gid_t)-1 && gid != va.va_gid &&
		    !kauth_cred_groupmember(cred, gid))
			error = EPERM;
	}
	if (error == 0) {
		vattr_null(&nva);
		if (uid != (uid_t)-1)
			nva.va_uid = uid;
		if (gid != (gid_t)-1)
			nva.va_gid = gid;
		if (vp->v_type == VREG && (va.va_mode & (S_ISUID | S_ISGID)) &&
		    (uid != (uid_t)-1 || gid != (gid_t)-1))
			nva.va_mode = va.va_mode & ~(S_ISUID | S_ISGID) & 07777;
		error = VOP_SETATTR(vp, &nva, cred);
	}
	vn_unlock(vp);
	return error;
}

/* chmod/chown by path, or by descriptor (fd >= 0, path NULL). */
static int
attr_vnode(int fd, int dirfd, const char *path, int niflags,
    struct vnode **vpp)
{
	int error;

	if (path != NULL)
		return namei_simple(dirfd, path, niflags, vpp);
	error = vfs_fdvnode(fd, vpp);
	return error == EINVAL ? EBADF : error;
}

static int
do_chmod(int fd, int dirfd, const char *path, int niflags, mode_t mode)
{
	struct vnode *vp;
	int error;

	error = attr_vnode(fd, dirfd, path, niflags, &vp);
	if (error != 0)
		return error;
	error = vn_chmod(vp, mode);
	vrele(vp);
	return error;
}

static int
do_chown(int fd, int dirfd, const char *path, int niflags, uid_t uid,
    gid_t gid)
{
	struct vnode *vp;
	int error;

	error = attr_vnode(fd, dirfd, path, niflags, &vp);
	if (error != 0)
		return error;
	error = vn_chown(vp, uid, gid);
	vrele(vp);
	return error;
}

int
sys_chmod(struct lwp *l, const struct sys_chmod_args *uap, register_t *retval)
{
	return do_chmod(-1, AT_FDCWD, uap->path, NI_FOLLOW, uap->mode);
}

int
sys_fchmodat(struct lwp *l, const struct sys_fchmodat_args *uap,
    register_t *retval)
{
	if (uap->flags & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	if (uap->flags & AT_SYMLINK_NOFOLLOW)
		return EOPNOTSUPP;	/* link modes are not changeable */
	return do_chmod(-1, uap->dirfd, uap->path, NI_FOLLOW, uap->mode);
}

int
sys_fchmod(struct lwp *l, const struct sys_fchmod_args *uap,
    register_t *retval)
{
	return do_chmod(uap->fd, AT_FDCWD, NULL, 0, uap->mode);
}

int
sys_chown(struct lwp *l, const struct sys_chown_args *uap, register_t *retval)
{
	return do_chown(-1, AT_FDCWD, uap->path, NI_FOLLOW, uap->owner,
	    uap->group);
}

int
sys_lchown(struct lwp *l, const struct sys_lchown_args *uap,
    register_t *retval)
{
	return do_chown(-1, AT_FDCWD, uap->path, 0, uap->owner, uap->group);
}

int
sys_fchownat(struct lwp *l, const struct sys_fchownat_args *uap,
    register_t *retval)
{
	if (uap->flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return EINVAL;
	return do_chown(-1, uap->dirfd, uap->path, at_flags(uap->flags),
	    uap->owner, uap->group);
}

int
sys_fchown(struct lwp *l, const struct sys_fchown_args *uap,
    register_t *retval)
{
	return do_chown(uap->fd, AT_FDCWD, NULL, 0, uap->owner, uap->group);
}

/*
 * Set the times; ts[2] already has UTIME_NOW replaced by the time, and
 * UTIME_OMIT as tv_sec == VNOVAL.  nowonly: no explicit time was given,
 * so write access is enough.
 */
static int
vn_utimes(struct vnode *vp, struct rump_timespec *ts, bool nowonly)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr va, nva;
	int error;

	error = vn_writechk(vp);
	if (error == 0)
		error = vn_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	error = getattr_locked(vp, &va);
	if (error == 0 && !kauth_cred_issuser(cred) &&
	    cred->cr_euid != va.va_uid) {
		if (!nowonly)
			error = EPERM;
		else
			error = VOP_ACCESS(vp, VWRITE, cred);
	}
	if (error == 0) {
		vattr_null(&nva);
		if (ts[0].tv_sec != VNOVAL)
			nva.va_atime = ts[0];
		if (ts[1].tv_sec != VNOVAL)
			nva.va_mtime = ts[1];
		if (nowonly)
			nva.va_vaflags |= VA_UTIMES_NULL;
		error = VOP_SETATTR(vp, &nva, cred);
	}
	vn_unlock(vp);
	return error;
}

/* Read utimensat times; *nowonlyp: no explicit time was given. */
static int
utimens_get(const struct rump_timespec *uts, struct rump_timespec *ts,
    bool *nowonlyp, bool *allomitp)
{
	struct rump_timespec now;
	int error, i;

	getnanotime(&now);
	*nowonlyp = true;
	*allomitp = false;
	if (uts == NULL) {
		ts[0] = ts[1] = now;
		return 0;
	}
	error = copyin(uts, ts, 2 * sizeof(*ts));
	if (error != 0)
		return error;
	for (i = 0; i < 2; i++) {
		if (ts[i].tv_nsec == UTIME_NOW) {
			ts[i] = now;
		} else if (ts[i].tv_nsec == UTIME_OMIT) {
			ts[i].tv_sec = VNOVAL;
		} else if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= NSEC_PER_SEC) {
			return EINVAL;
		} else {
			*nowonlyp = false;
		}
	}
	*allomitp = ts[0].tv_sec == VNOVAL && ts[1].tv_sec == VNOVAL;
	return 0;
}

int
sys_utimensat(struct lwp *l, const struct sys_utimensat_args *uap,
    register_t *retval)
{
	struct rump_timespec ts[2];
	struct vnode *vp;
	bool nowonly, allomit;
	int error;

	if (uap->flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return EINVAL;
	error = utimens_get(uap->times, ts, &nowonly, &allomit);
	if (error != 0)
		return error;
	if (uap->path == NULL)
		error = uap->dirfd == AT_FDCWD ? EFAULT :
		    vfs_fdvnode(uap->dirfd, &vp);
	else
		error = namei_simple(uap->dirfd, uap->path,
		    at_flags(uap->flags), &vp);
	if (error != 0)
		return error == EINVAL ? EBADF : error;
	if (!allomit)
		error = vn_utimes(vp, ts, nowonly);
	vrele(vp);
	return error;
}

int
sys_futimens(struct lwp *l, const struct sys_futimens_args *uap,
    register_t *retval)
{
	struct rump_timespec ts[2];
	struct vnode *vp;
	bool nowonly, allomit;
	int error;

	error = utimens_get(uap->times, ts, &nowonly, &allomit);
	if (error != 0)
		return error;
	error = vfs_fdvnode(uap->fd, &vp);
	if (error != 0)
		return error == EINVAL ? EBADF : error;
	if (!allomit)
		error = vn_utimes(vp, ts, nowonly);
	vrele(vp);
	return error;
}

int
sys_utimes(struct lwp *l, const struct sys_utimes_args *uap,
    register_t *retval)
{
	struct rump_timeval tv[2];
	struct rump_timespec ts[2];
	struct vnode *vp;
	bool nowonly = true;
	int error, i;

	if (uap->times == NULL) {
		getnanotime(&ts[0]);
		ts[1] = ts[0];
	} else {
		error = copyin(uap->times, tv, sizeof(tv));
		if (error != 0)
			return error;
		for (i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return EINVAL;
			ts[i].tv_sec = tv[i].tv_sec;
			ts[i].tv_nsec = tv[i].tv_usec * 1000;
		}
		nowonly = false;
	}
	error = namei_simple(AT_FDCWD, uap->path, NI_FOLLOW, &vp);
	if (error != 0)
		return error;
	error = vn_utimes(vp, ts, nowonly);
	vrele(vp);
	return error;
}
