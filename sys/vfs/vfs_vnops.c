/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_vnops.c: vnode helpers used by the system calls: open (vn_open),
 * close, stat, kernel I/O (vn_rdwr), uiomove, attribute and permission
 * helpers and the type conversions.
 *
 * Callers: vfs_syscalls*.c, the descriptor layer (vfs_vnfile.c: vn_stat,
 * vn_close), etfs, and file systems (uiomove, vaccess, vattr_null).
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "kern/resource.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/file.h"
#include "vfs/vfs_impl.h"

void
vattr_null(struct vattr *va)
{
	memset(va, 0xff, sizeof(*va));
	va->va_type = VNON;
	va->va_vaflags = 0;
}

enum vtype
iftovt(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return VREG;
	case S_IFDIR: return VDIR;
	case S_IFLNK: return VLNK;
	case S_IFCHR: return VCHR;
	case S_IFBLK: return VBLK;
	case S_IFIFO: return VFIFO;
	case S_IFSOCK: return VSOCK;
	default: return VNON;
	}
}

mode_t
vttoif(enum vtype vt)
{
	switch (vt) {
	case VREG: return S_IFREG;
	case VDIR: return S_IFDIR;
	case VLNK: return S_IFLNK;
	case VCHR: return S_IFCHR;
	case VBLK: return S_IFBLK;
	case VFIFO: return S_IFIFO;
	case VSOCK: return S_IFSOCK;
	default: return 0;
	}
}

unsigned
vtype_to_dt(enum vtype vt)
{
	switch (vt) {
	case VREG: return DT_REG;
	case VDIR: return DT_DIR;
	case VLNK: return DT_LNK;
	case VCHR: return DT_CHR;
	case VBLK: return DT_BLK;
	case VFIFO: return DT_FIFO;
	case VSOCK: return DT_SOCK;
	default: return DT_UNKNOWN;
	}
}

/*
 * Permission check against owner, group and mode.  Root may do anything
 * except execute a file with no execute bit.  VADMIN (owner or root)
 * fails with EPERM, the others with EACCES.
 */
int
vaccess(enum vtype type, mode_t filemode, uid_t uid, gid_t gid,
    int accmode, kauth_cred_t cred)
{
	mode_t need = 0;

	if (kauth_cred_issuser(cred)) {
		if ((accmode & VEXEC) && type != VDIR &&
		    (filemode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0)
			return EACCES;
		return 0;
	}
	if (accmode & VADMIN) {
		if (cred->cr_euid != uid)
			return EPERM;
		accmode &= ~VADMIN;
	}
	if (cred->cr_euid == uid) {
		if (accmode & VREAD) need |= S_IRUSR;
		if (accmode & VWRITE) need |= S_IWUSR;
		if (accmode & VEXEC) need |= S_IXUSR;
	} else if (kauth_cred_groupmember(cred, gid)) {
		if (accmode & VREAD) need |= S_IRGRP;
		if (accmode & VWRITE) need |= S_IWGRP;
		if (accmode & VEXEC) need |= S_IXGRP;
	} else {
		if (accmode & VREAD) need |= S_IROTH;
		if (accmode & VWRITE) need |= S_IWOTH;
		if (accmode & VEXEC) need |= S_IXOTH;
	}
	return (filemode & need) == need ? 0 : EACCES;
}

int
uiomove(void *buf, size_t n, struct uio *uio)
{
	struct rump_iovec *iov;
	char *cp = buf;
	size_t cnt;
	int error = 0;

	while (n > 0 && uio->uio_resid > 0 && uio->uio_iovcnt > 0) {
		iov = uio->uio_iov;
		cnt = MIN(iov->iov_len, n);
		if (cnt == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		if (uio->uio_seg == UIO_SYSSPACE) {
			if (uio->uio_rw == UIO_READ)
				memcpy(iov->iov_base, cp, cnt);
			else
				memcpy(cp, iov->iov_base, cnt);
		} else if (uio->uio_rw == UIO_READ) {
			error = copyout(cp, iov->iov_base, cnt);
		} else {
			error = copyin(iov->iov_base, cp, cnt);
		}
		if (error != 0)
			return error;
		iov->iov_base = (char *)iov->iov_base + cnt;
		iov->iov_len -= cnt;
		uio->uio_resid -= cnt;
		uio->uio_offset += cnt;
		cp += cnt;
		n -= cnt;
	}
	return 0;
}

int
vfs_dirent_emit(struct uio *uio, uint64_t ino, uint64_t next, unsigned type,
    const char *name, size_t namelen)
{
	union {
		struct rump_dirent64 d;
		char buf[sizeof(struct rump_dirent64) + NAME_MAX + 8];
	} rec;
	size_t reclen;

	KASSERT(namelen <= NAME_MAX);
	reclen = roundup(offsetof(struct rump_dirent64, d_name) + namelen + 1,
	    8);
	if (reclen > uio->uio_resid)
		return -1;
	memset(&rec, 0, reclen);
	rec.d.d_ino = ino;
	rec.d.d_off = (int64_t)next;
	rec.d.d_reclen = (uint16_t)reclen;
	rec.d.d_type = (uint8_t)type;
	memcpy(rec.d.d_name, name, namelen);
	return uiomove(&rec, reclen, uio);
}

int
vn_rdwr(enum uio_rw rw, struct vnode *vp, void *buf, size_t len,
    off_t offset, int ioflag, kauth_cred_t cred, size_t *residp)
{
	struct rump_iovec iov = { .iov_base = buf, .iov_len = len };
	struct uio uio = {
		.uio_iov = &iov, .uio_iovcnt = 1, .uio_offset = offset,
		.uio_resid = len, .uio_rw = rw, .uio_seg = UIO_SYSSPACE,
	};
	int error;

	error = vn_lock(vp, rw == UIO_READ ? LK_SHARED : LK_EXCLUSIVE);
	if (error != 0)
		return error;
	if (rw == UIO_READ)
		error = VOP_READ(vp, &uio, ioflag, cred);
	else
		error = VOP_WRITE(vp, &uio, ioflag, cred);
	vn_unlock(vp);
	if (residp != NULL)
		*residp = uio.uio_resid;
	else if (error == 0 && uio.uio_resid != 0)
		error = EIO;
	return error;
}

int
vn_writechk(struct vnode *vp)
{
	if (vp->v_mount != NULL && (vp->v_mount->mnt_flag & MNT_RDONLY))
		return EROFS;
	return 0;
}

/*
 * RLIMIT_FSIZE, as Linux applies it to regular files: EFBIG if the
 * caller's limit forbids a file to grow to newsize.  (There are no
 * signals to send, so no SIGXFSZ.)
 */
int
vn_fsizechk(off_t newsize)
{
	struct rump_rlimit rl;

	proc_rlimit_get(curproc, RLIMIT_FSIZE, &rl);
	if (rl.rlim_cur != RLIM_INFINITY && (uint64_t)newsize > rl.rlim_cur)
		return EFBIG;
	return 0;
}

/*
 * The same for a write of uio at uio_offset: EFBIG if it starts at or
 * past the limit; a write that crosses it is cut short at the limit (its
 * iovecs and count), and *cutp says by how much, to be added back to
 * uio_resid once the write is done so the caller counts what moved.
 */
int
vn_fsizecut(struct uio *uio, size_t *cutp)
{
	struct rump_rlimit rl;
	size_t room, left;
	int i;

	*cutp = 0;
	proc_rlimit_get(curproc, RLIMIT_FSIZE, &rl);
	if (rl.rlim_cur == RLIM_INFINITY || uio->uio_resid == 0)
		return 0;
	if ((uint64_t)uio->uio_offset >= rl.rlim_cur)
		return EFBIG;
	room = rl.rlim_cur - (uint64_t)uio->uio_offset;
	if (uio->uio_resid <= room)
		return 0;
	*cutp = uio->uio_resid - room;
	uio->uio_resid = room;
	for (left = room, i = 0; i < uio->uio_iovcnt; i++) {
		if (uio->uio_iov[i].iov_len > left)
			uio->uio_iov[i].iov_len = left;
		left -= uio->uio_iov[i].iov_len;
	}
	return 0;
}

int
vn_setattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	int error;

	error = vn_writechk(vp);
	if (error != 0)
		return error;
	error = vn_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	error = VOP_SETATTR(vp, va, cred);
	vn_unlock(vp);
	return error;
}

int
vn_truncate(struct vnode *vp, off_t length, kauth_cred_t cred)
{
	struct vattr va;

	if (length < 0)
		return EINVAL;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (vn_fsizechk(length) != 0)
		return EFBIG;
	vattr_null(&va);
	va.va_size = length;
	return vn_setattr(vp, &va, cred);
}

int
vn_stat(struct vnode *vp, struct rump_stat *sb)
{
	struct vattr va;
	int error;

	error = vn_lock(vp, LK_SHARED);
	if (error != 0)
		return error == ENOENT ? EBADF : error;
	vattr_null(&va);
	error = VOP_GETATTR(vp, &va, kauth_cred_get());
	vn_unlock(vp);
	if (error != 0)
		return error;
	memset(sb, 0, sizeof(*sb));
	sb->st_dev = vp->v_mount != NULL ? vp->v_mount->mnt_dev : 0;
	sb->st_ino = va.va_fileid;
	sb->st_nlink = va.va_nlink;
	sb->st_mode = vttoif(vp->v_type) | (va.va_mode & 07777);
	sb->st_uid = va.va_uid;
	sb->st_gid = va.va_gid;
	sb->st_rdev = (vp->v_type == VCHR || vp->v_type == VBLK) ?
	    va.va_rdev : 0;
	sb->st_size = va.va_size;
	sb->st_blksize = va.va_blocksize > 0 ? va.va_blocksize : PAGE_SIZE;
	sb->st_blocks = (int64_t)howmany(va.va_bytes, 512);
	sb->st_atim = va.va_atime;
	sb->st_mtim = va.va_mtime;
	sb->st_ctim = va.va_ctime;
	return 0;
}

int
vn_close(struct vnode *vp, int fflags, kauth_cred_t cred)
{
	int error;

	error = vn_lock(vp, LK_SHARED);
	if (error == 0) {
		error = VOP_CLOSE(vp, fflags, cred);
		vn_unlock(vp);
	} else {
		error = 0;
	}
	vrele(vp);
	return error;
}

/* Create the last component of nd (dvp locked exclusively). */
static int
vn_open_create(struct nameidata *nd, mode_t cmode, struct vnode **vpp)
{
	struct vnode *dvp = nd->ni_dvp;
	struct vattr va;
	int error;

	if (nd->ni_trailslash)
		return EISDIR;
	error = vn_writechk(dvp);
	if (error == 0)
		error = VOP_ACCESS(dvp, VWRITE | VEXEC, nd->ni_cnd.cn_cred);
	if (error != 0)
		return error;
	vattr_null(&va);
	va.va_type = VREG;
	va.va_mode = cmode & ~atomic_load_relaxed(&curproc->p_umask) & 07777;
	error = VOP_CREATE(dvp, vpp, &nd->ni_cnd, &va);
	if (error == 0)
		cache_remove(dvp, nd->ni_cnd.cn_nameptr, nd->ni_cnd.cn_namelen);
	return error;
}

/* Checks on an existing file being opened, then O_TRUNC and VOP_OPEN. */
static int
vn_open_existing(struct vnode *vp, int fflags, bool created)
{
	kauth_cred_t cred = kauth_cred_get();
	int mode = 0, error;
	struct vattr va;

	if (vp->v_type == VLNK)
		return ELOOP;
	if ((fflags & O_DIRECTORY) && vp->v_type != VDIR)
		return ENOTDIR;
	if (vp->v_type == VDIR && (fflags & (FWRITE | O_TRUNC)))
		return EISDIR;
	if (fflags & FREAD)
		mode |= VREAD;
	if (fflags & (FWRITE | O_TRUNC))
		mode |= VWRITE;
	if ((mode & VWRITE) && vp->v_type != VCHR && vp->v_type != VBLK &&
	    vp->v_type != VFIFO) {
		error = vn_writechk(vp);
		if (error != 0)
			return error;
	}
	error = vn_lock(vp, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	if (!created && mode != 0)
		error = VOP_ACCESS(vp, mode, cred);
	if (error == 0 && !created && (fflags & O_TRUNC) &&
	    vp->v_type == VREG) {
		vattr_null(&va);
		va.va_size = 0;
		error = VOP_SETATTR(vp, &va, cred);
	}
	if (error == 0)
		error = VOP_OPEN(vp, fflags, cred);
	vn_unlock(vp);
	return error;
}

/*
 * open(2) on a path: nd is set up by the caller (dirfd, path); fflags are
 * FFLAGS(open flags).  Returns the vnode referenced and unlocked, opened.
 */
int
vn_open(struct nameidata *nd, int fflags, mode_t cmode, struct vnode **vpp)
{
	int follow = (fflags & O_NOFOLLOW) ? 0 : NI_FOLLOW;
	struct vnode *vp = NULL;
	bool created = false;
	int error;

	if (fflags & O_CREAT) {
		/* With O_EXCL a symlink is never followed (EEXIST). */
		nd->ni_op = CREATE;
		nd->ni_flags |= NI_PARENT | NI_LOCKPARENT |
		    ((fflags & O_EXCL) ? 0 : follow);
		error = namei(nd);
		if (error != 0)
			return error;
		if (nd->ni_lasttype != NI_LAST_NORM)
			return EISDIR;
		if (nd->ni_vp == NULL) {
			error = vn_open_create(nd, cmode, &vp);
			if (error != 0)
				return error;
			created = true;
		} else if (fflags & O_EXCL) {
			return EEXIST;
		} else {
			vp = nd->ni_vp;
			nd->ni_vp = NULL;
		}
		vn_unlock(nd->ni_dvp);
		nd->ni_dvplocked = false;
		/* An existing name may be a mount point (an etfs key): open
		 * what is mounted there, as a lookup without O_CREAT does. */
		if (!created) {
			error = namei_crossmount(&vp);
			if (error != 0) {
				vrele(vp);
				return error;
			}
		}
	} else {
		nd->ni_op = LOOKUP;
		nd->ni_flags |= follow;
		error = namei(nd);
		if (error != 0)
			return error;
		vp = nd->ni_vp;
		nd->ni_vp = NULL;
	}
	error = vn_open_existing(vp, fflags, created);
	if (error != 0) {
		vrele(vp);
		return error;
	}
	*vpp = vp;
	return 0;
}
