/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_hostdir.c: a host directory in the kernel's tree (etfs
 * RUMP_ETFS_DIR and RUMP_ETFS_DIR_SUBDIRS).
 *
 * etfs (vfs_etfs.c) mounts itself over the key and hands root and vnode
 * loading of directory registrations to this file.  Each vnode stands for
 * a host path below the registered directory; every operation goes to the
 * host through the rumpuser_hostdir_* hypercalls (rumpuser.h), nothing is
 * cached but the open host descriptor of a regular file, kept from its
 * first read or write until the vnode goes inactive.
 *
 * Files are keyed by (host inode number, path below the root), so a name
 * that is removed and made again on the host gets a new vnode.  Without
 * _SUBDIRS only the directory's own entries exist: subdirectories are
 * hidden from lookup and readdir, and mkdir is EOPNOTSUPP.  Regular files
 * can be read, written, truncated, created and removed, symbolic links
 * read (their targets resolve in the kernel's tree, never the host's);
 * chown, rename, link, symlink and mknod are EOPNOTSUPP.  Directory
 * offsets are entry indexes in the host's order, so entries added or
 * removed on the host while a directory is read may be skipped or seen
 * twice.
 *
 * Locking: [I] immutable, [n] hn_lock; the vnode lock serialises writes
 * against other I/O of the same file, as for every file system.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"
#include "vfs/hostdir_impl.h"

#define HOSTDIR_IOMAX  (64 * 1024)     /* bytes per host read/write */
#define HOSTDIR_NDENTS 16              /* host entries per readdir call */

struct hostdir_key {
	uint64_t hk_ino;
	char hk_rel[];                     /* "" for the root, else "/a/b" */
};

struct hostdir_node {
	char *hn_path;                     /* [I] host path */
	size_t hn_pathlen;                 /* [I] */
	size_t hn_rootlen;                 /* [I] length of the root's path */
	bool hn_subdirs;                   /* [I] */
	bool hn_rdonlyfs;                  /* [I] */
	uint64_t hn_ino;                   /* [I] */
	kmutex_t hn_lock;
	int hn_fd;                         /* [n] -1: not open */
	bool hn_rdonly;                    /* [n] hn_fd is read-only */
	bool hn_removed;                   /* [n] unlinked by us */
};

static const struct vnodeops hostdir_vnodeops;

static struct hostdir_node *
hd_node(struct vnode *vp)
{
	return vp->v_data;
}

static enum vtype
hd_vtype(int ft)
{
	switch (ft) {
	case RUMPUSER_FT_DIR:
		return VDIR;
	case RUMPUSER_FT_REG:
		return VREG;
	case RUMPUSER_FT_LNK:
		return VLNK;
	case RUMPUSER_FT_BLK:
		return VBLK;
	case RUMPUSER_FT_CHR:
		return VCHR;
	default:
		return VNON;
	}
}

/* Host errors the kernel's callers do not expect are EIO. */
static int
hd_err(int error)
{
	switch (error) {
	case 0: case ENOENT: case EEXIST: case ENOTDIR: case EISDIR:
	case ENOTEMPTY: case EACCES: case EPERM: case EROFS: case ENOSPC:
	case ENAMETOOLONG: case EFBIG: case EDQUOT: case ELOOP: case EINVAL:
		return error;
	default:
		return EIO;
	}
}

/* Get the vnode of host path rel (below the root) with inode ino. */
static int
hd_vget(struct mount *mp, uint64_t ino, const char *rel, size_t rellen,
    struct vnode **vpp)
{
	struct hostdir_key *k;
	size_t klen = sizeof(*k) + rellen;
	int error;

	k = kmem_alloc(klen, KM_SLEEP);
	k->hk_ino = ino;
	memcpy(k->hk_rel, rel, rellen);
	error = vcache_get(mp, k, klen, vpp);
	kmem_free(k, klen);
	return error;
}

int
hostdir_root(struct mount *mp, const struct hostdir_mount *hdm,
    struct vnode **vpp)
{
	struct rumpuser_hostattr ha;
	int error;

	error = rumpuser_hostdir_getattr(hdm->hdm_root, &ha);
	if (error != 0)
		return hd_err(error);
	if (ha.ha_ft != RUMPUSER_FT_DIR)
		return ENOTDIR;
	return hd_vget(mp, ha.ha_ino, "", 0, vpp);
}

int
hostdir_loadvnode(struct mount *mp, const struct hostdir_mount *hdm,
    struct vnode *vp, const void *key, size_t keylen)
{
	const struct hostdir_key *k = key;
	size_t rellen = keylen - sizeof(*k), rootlen = strlen(hdm->hdm_root);
	struct rumpuser_hostattr ha;
	struct hostdir_node *hn;
	char *path;
	int error;

	KASSERT(keylen >= sizeof(*k));
	if (rootlen + rellen + 1 > PATH_MAX)
		return ENAMETOOLONG;
	path = kmem_alloc(rootlen + rellen + 1, KM_SLEEP);
	memcpy(path, hdm->hdm_root, rootlen);
	memcpy(path + rootlen, k->hk_rel, rellen);
	path[rootlen + rellen] = '\0';
	error = rumpuser_hostdir_getattr(path, &ha);
	if (error == 0 && ha.ha_ino != k->hk_ino)
		error = ENOENT;	/* replaced on the host meanwhile */
	if (error == 0 && hd_vtype(ha.ha_ft) == VNON)
		error = EOPNOTSUPP;	/* fifo, socket: not bridged */
	if (error == 0 && rellen > 0 && ha.ha_ft == RUMPUSER_FT_DIR &&
	    !hdm->hdm_subdirs)
		error = ENOENT;
	if (error != 0) {
		kmem_free(path, rootlen + rellen + 1);
		return hd_err(error);
	}
	hn = kmem_zalloc(sizeof(*hn), KM_SLEEP);
	hn->hn_path = path;
	hn->hn_pathlen = rootlen + rellen;
	hn->hn_rootlen = rootlen;
	hn->hn_subdirs = hdm->hdm_subdirs;
	hn->hn_rdonlyfs = hdm->hdm_rdonly;
	hn->hn_ino = ha.ha_ino;
	hn->hn_fd = -1;
	mutex_init(&hn->hn_lock, MUTEX_DEFAULT, "hostdir");
	vp->v_type = hd_vtype(ha.ha_ft);
	vp->v_op = &hostdir_vnodeops;
	vp->v_data = hn;
	vp->v_size = (off_t)ha.ha_size;
	return 0;
}

/* The host path of name in directory dn, kmem_alloc'ed (*lenp + 1). */
static int
hd_childpath(struct hostdir_node *dn, const char *name, size_t namelen,
    char **pathp, size_t *lenp)
{
	size_t len = dn->hn_pathlen + 1 + namelen;
	char *p;

	if (namelen == 0 || namelen > NAME_MAX)
		return namelen == 0 ? ENOENT : ENAMETOOLONG;
	if (memchr(name, '/', namelen) != NULL)
		return EINVAL;
	if (len + 1 > PATH_MAX)
		return ENAMETOOLONG;
	p = kmem_alloc(len + 1, KM_SLEEP);
	memcpy(p, dn->hn_path, dn->hn_pathlen);
	p[dn->hn_pathlen] = '/';
	memcpy(p + dn->hn_pathlen + 1, name, namelen);
	p[len] = '\0';
	*pathp = p;
	*lenp = len;
	return 0;
}

/* The vnode of host path path (a child of dvp's directory, or its
 * parent), which must exist. */
static int
hd_getpath(struct vnode *dvp, const char *path, size_t len,
    struct vnode **vpp)
{
	struct hostdir_node *dn = hd_node(dvp);
	struct rumpuser_hostattr ha;
	int error;

	error = rumpuser_hostdir_getattr(path, &ha);
	if (error != 0)
		return hd_err(error);
	if (ha.ha_ft == RUMPUSER_FT_DIR && !dn->hn_subdirs &&
	    len != dn->hn_rootlen)
		return ENOENT;
	return hd_vget(dvp->v_mount, ha.ha_ino, path + dn->hn_rootlen,
	    len - dn->hn_rootlen, vpp);
}

static int
hostdir_lookup(struct vnode *dvp, struct vnode **vpp,
    struct componentname *cnp)
{
	struct hostdir_node *dn = hd_node(dvp);
	size_t len;
	char *path;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	error = VOP_ACCESS(dvp, VEXEC, cnp->cn_cred);
	if (error != 0)
		return error;
	if (cnp->cn_namelen == 1 && cnp->cn_nameptr[0] == '.') {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if ((cnp->cn_flags & CN_ISDOTDOT) || (cnp->cn_namelen == 2 &&
	    cnp->cn_nameptr[0] == '.' && cnp->cn_nameptr[1] == '.')) {
		if (dn->hn_pathlen == dn->hn_rootlen)
			return ENOENT;	/* the mount's root: namei crosses */
		len = dn->hn_pathlen;
		while (len > dn->hn_rootlen && dn->hn_path[len - 1] != '/')
			len--;
		len--;
		path = kmem_alloc(len + 1, KM_SLEEP);
		memcpy(path, dn->hn_path, len);
		path[len] = '\0';
		error = hd_getpath(dvp, path, len, vpp);
		kmem_free(path, len + 1);
		return error;
	}
	error = hd_childpath(dn, cnp->cn_nameptr, cnp->cn_namelen, &path,
	    &len);
	if (error != 0)
		return error;
	error = hd_getpath(dvp, path, len, vpp);
	kmem_free(path, len + 1);
	return error;
}

static int
hostdir_getattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct hostdir_node *hn = hd_node(vp);
	struct rumpuser_hostattr ha;
	int error;

	error = rumpuser_hostdir_getattr(hn->hn_path, &ha);
	if (error != 0)
		return hd_err(error);
	vattr_null(va);
	va->va_type = vp->v_type;
	va->va_mode = ha.ha_mode;
	va->va_nlink = ha.ha_nlink;
	va->va_uid = ha.ha_uid;
	va->va_gid = ha.ha_gid;
	va->va_fsid = vp->v_mount->mnt_dev;
	va->va_fileid = ha.ha_ino;
	va->va_size = (off_t)ha.ha_size;
	va->va_blocksize = PAGE_SIZE;
	va->va_atime.tv_sec = ha.ha_atime;
	va->va_atime.tv_nsec = ha.ha_atimens;
	va->va_mtime.tv_sec = ha.ha_mtime;
	va->va_mtime.tv_nsec = ha.ha_mtimens;
	va->va_ctime.tv_sec = ha.ha_ctime;
	va->va_ctime.tv_nsec = ha.ha_ctimens;
	va->va_birthtime = va->va_ctime;
	va->va_gen = 1;
	va->va_flags = 0;
	va->va_rdev = 0;
	va->va_bytes = ha.ha_blocks * 512;
	return 0;
}

static int
hostdir_setattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct hostdir_node *hn = hd_node(vp);
	uint64_t size = RUMPUSER_HOSTDIR_NOSIZE;
	uint32_t mode = RUMPUSER_HOSTDIR_NOMODE;
	int error;

	if (va->va_uid != (uid_t)VNOVAL || va->va_gid != (gid_t)VNOVAL)
		return EOPNOTSUPP;
	if (hn->hn_rdonlyfs)
		return EROFS;
	if (va->va_size != (off_t)VNOVAL) {
		if (vp->v_type == VDIR)
			return EISDIR;
		if (vp->v_type != VREG)
			return EINVAL;
		if (va->va_size < 0)
			return EINVAL;
		size = (uint64_t)va->va_size;
	}
	if (va->va_mode != (mode_t)VNOVAL) {
		if (vp->v_type == VLNK)
			return EOPNOTSUPP;
		mode = va->va_mode & 07777;
	}
	if (size == RUMPUSER_HOSTDIR_NOSIZE &&
	    mode == RUMPUSER_HOSTDIR_NOMODE)
		return 0;	/* times: the host keeps its own */
	error = rumpuser_hostdir_setattr(hn->hn_path, size, mode);
	if (error == 0 && size != RUMPUSER_HOSTDIR_NOSIZE)
		vp->v_size = (off_t)size;
	return hd_err(error);
}

/* The host descriptor of a regular file, opened on first use. */
static int
hd_getfd(struct hostdir_node *hn, bool write, int *fdp)
{
	int fd, rdonly, error = 0;

	mutex_enter(&hn->hn_lock);
	if (hn->hn_fd < 0) {
		mutex_exit(&hn->hn_lock);
		error = rumpuser_hostdir_openfile(hn->hn_path, &fd, &rdonly);
		if (error != 0)
			return hd_err(error);
		mutex_enter(&hn->hn_lock);
		if (hn->hn_fd < 0) {
			hn->hn_fd = fd;
			hn->hn_rdonly = rdonly != 0;
		} else {
			rumpuser_close(fd);
		}
	}
	if (write && hn->hn_rdonly)
		error = EROFS;
	*fdp = hn->hn_fd;
	mutex_exit(&hn->hn_lock);
	return error;
}

static int
hd_io(struct vnode *vp, struct uio *uio, bool write)
{
	struct hostdir_node *hn = hd_node(vp);
	struct rumpuser_iovec riov;
	size_t len, done;
	char *buf;
	int fd = -1, error;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (uio->uio_offset < 0)
		return EINVAL;
	error = hd_getfd(hn, write, &fd);
	if (error != 0)
		return error;
	buf = kmem_alloc(HOSTDIR_IOMAX, KM_SLEEP);
	while (uio->uio_resid > 0) {
		len = MIN(uio->uio_resid, HOSTDIR_IOMAX);
		riov.iov_base = buf;
		riov.iov_len = len;
		if (!write) {
			error = rumpuser_iovread(fd, &riov, 1,
			    (int64_t)uio->uio_offset, &done);
			if (error == 0)
				error = uiomove(buf, done, uio);
		} else {
			error = uiomove(buf, len, uio);
			if (error == 0)
				error = rumpuser_iovwrite(fd, &riov, 1,
				    (int64_t)(uio->uio_offset - (off_t)len),
				    &done);
			if (error == 0 && done < len) {
				/* Give back what the host did not take. */
				uio->uio_resid += len - done;
				uio->uio_offset -= (off_t)(len - done);
			}
			if (error == 0 && uio->uio_offset > vp->v_size)
				vp->v_size = uio->uio_offset;
		}
		if (error != 0 || done < len)
			break;
	}
	kmem_free(buf, HOSTDIR_IOMAX);
	return hd_err(error);
}

static int
hostdir_read(struct vnode *vp, struct uio *uio, int ioflag,
    kauth_cred_t cred)
{
	return hd_io(vp, uio, false);
}

static int
hostdir_write(struct vnode *vp, struct uio *uio, int ioflag,
    kauth_cred_t cred)
{
	struct vattr va;
	int error;

	if (hd_node(vp)->hn_rdonlyfs)
		return EROFS;
	if (ioflag & IO_APPEND) {
		error = hostdir_getattr(vp, &va, cred);
		if (error != 0)
			return error;
		uio->uio_offset = va.va_size;
	}
	error = hd_io(vp, uio, true);
	if (error == 0 && (ioflag & (IO_SYNC | IO_DSYNC)))
		error = VOP_FSYNC(vp, cred, FSYNC_WAIT, 0, 0);
	return error;
}

static int
hostdir_fsync(struct vnode *vp, kauth_cred_t cred, int flags, off_t start,
    off_t end)
{
	struct hostdir_node *hn = hd_node(vp);
	int fd, error = 0;

	mutex_enter(&hn->hn_lock);
	fd = hn->hn_rdonly ? -1 : hn->hn_fd;
	mutex_exit(&hn->hn_lock);
	if (fd >= 0)
		error = rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE |
		    RUMPUSER_SYNCFD_SYNC, 0, 0);
	return hd_err(error);
}

/* Cookies: 0 ".", 1 "..", 2 + k the host's k-th entry. */
static int
hostdir_readdir(struct vnode *vp, struct uio *uio, kauth_cred_t cred,
    int *eofflag)
{
	struct hostdir_node *hn = hd_node(vp);
	struct rumpuser_dirent *ents;
	uint64_t cookie;
	size_t n, i, namelen;
	int error = 0, eof = 0, nemit = 0;

	*eofflag = 0;
	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (uio->uio_offset < 0)
		return EINVAL;
	cookie = (uint64_t)uio->uio_offset;
	if (cookie == 0) {
		error = vfs_dirent_emit(uio, hn->hn_ino, 1, DT_DIR, ".", 1);
		if (error != 0)
			goto out;
		nemit++;
		cookie = 1;
	}
	if (cookie == 1) {
		error = vfs_dirent_emit(uio, hn->hn_ino, 2, DT_DIR, "..", 2);
		if (error != 0)
			goto out;
		nemit++;
		cookie = 2;
	}
	ents = kmem_alloc(HOSTDIR_NDENTS * sizeof(*ents), KM_SLEEP);
	while (!eof) {
		error = rumpuser_hostdir_readdir(hn->hn_path, cookie - 2, ents,
		    HOSTDIR_NDENTS, &n, &eof);
		if (error != 0) {
			error = hd_err(error);
			break;
		}
		for (i = 0; i < n; i++) {
			if (ents[i].d_ft == RUMPUSER_FT_DIR &&
			    !hn->hn_subdirs) {
				cookie++;
				continue;
			}
			namelen = strnlen(ents[i].d_name,
			    sizeof(ents[i].d_name));
			error = vfs_dirent_emit(uio, ents[i].d_ino, cookie + 1,
			    vtype_to_dt(hd_vtype(ents[i].d_ft)),
			    ents[i].d_name, namelen);
			if (error != 0)
				break;
			nemit++;
			cookie++;
		}
		if (error != 0 || n == 0)
			break;
	}
	kmem_free(ents, HOSTDIR_NDENTS * sizeof(*ents));
	if (error == 0 && eof)
		*eofflag = 1;
out:
	if (error == -1)
		error = nemit == 0 ? EINVAL : 0;
	if (error == 0)
		uio->uio_offset = (off_t)cookie;
	return error;
}

static int
hostdir_readlink(struct vnode *vp, struct uio *uio, kauth_cred_t cred)
{
	struct hostdir_node *hn = hd_node(vp);
	size_t len;
	char *buf;
	int error;

	if (vp->v_type != VLNK)
		return EINVAL;
	buf = kmem_alloc(PATH_MAX, KM_SLEEP);
	error = rumpuser_hostdir_readlink(hn->hn_path, buf, PATH_MAX, &len);
	if (error == 0)
		error = uiomove(buf, MIN(len, uio->uio_resid), uio);
	kmem_free(buf, PATH_MAX);
	return hd_err(error);
}

/* Make name in dvp on the host (a file or, with mkdir, a directory). */
static int
hd_make(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap, bool dir)
{
	struct hostdir_node *dn = hd_node(dvp);
	size_t len;
	char *path;
	int error;

	if (dn->hn_rdonlyfs)
		return EROFS;
	if (dir && !dn->hn_subdirs)
		return EOPNOTSUPP;
	error = hd_childpath(dn, cnp->cn_nameptr, cnp->cn_namelen, &path,
	    &len);
	if (error != 0)
		return error;
	if (dir)
		error = rumpuser_hostdir_mkdir(path, vap->va_mode & 07777);
	else
		error = rumpuser_hostdir_create(path, vap->va_mode & 07777);
	if (error == 0)
		error = hd_getpath(dvp, path, len, vpp);
	kmem_free(path, len + 1);
	return hd_err(error);
}

static int
hostdir_create(struct vnode *dvp, struct vnode **vpp,
    struct componentname *cnp, struct vattr *vap)
{
	if (vap->va_type != VREG)
		return EOPNOTSUPP;
	return hd_make(dvp, vpp, cnp, vap, false);
}

static int
hostdir_mkdir(struct vnode *dvp, struct vnode **vpp,
    struct componentname *cnp, struct vattr *vap)
{
	return hd_make(dvp, vpp, cnp, vap, true);
}

static int
hd_unmake(struct vnode *dvp, struct vnode *vp, bool dir)
{
	struct hostdir_node *hn = hd_node(vp);
	int error;

	if (hn->hn_rdonlyfs)
		return EROFS;
	error = rumpuser_hostdir_remove(hn->hn_path, dir);
	if (error == 0) {
		mutex_enter(&hn->hn_lock);
		hn->hn_removed = true;
		mutex_exit(&hn->hn_lock);
	}
	return hd_err(error);
}

static int
hostdir_remove(struct vnode *dvp, struct vnode *vp,
    struct componentname *cnp)
{
	if (vp->v_type == VDIR)
		return EISDIR;
	return hd_unmake(dvp, vp, false);
}

static int
hostdir_rmdir(struct vnode *dvp, struct vnode *vp,
    struct componentname *cnp)
{
	if (vp->v_type != VDIR)
		return ENOTDIR;
	return hd_unmake(dvp, vp, true);
}

/* Unused: give the host descriptor back; forget removed files. */
static int
hostdir_inactive(struct vnode *vp, bool *recyclep)
{
	struct hostdir_node *hn = hd_node(vp);
	int fd;

	mutex_enter(&hn->hn_lock);
	fd = hn->hn_fd;
	hn->hn_fd = -1;
	*recyclep = hn->hn_removed;
	mutex_exit(&hn->hn_lock);
	if (fd >= 0)
		rumpuser_close(fd);
	return 0;
}

static int
hostdir_reclaim(struct vnode *vp)
{
	struct hostdir_node *hn = hd_node(vp);

	if (hn->hn_fd >= 0)
		rumpuser_close(hn->hn_fd);
	mutex_destroy(&hn->hn_lock);
	kmem_free(hn->hn_path, hn->hn_pathlen + 1);
	kmem_free(hn, sizeof(*hn));
	vp->v_data = NULL;
	return 0;
}

static const struct vnodeops hostdir_vnodeops = {
	.vop_fsname = "etfs",
	.vop_lookup = hostdir_lookup,
	.vop_create = hostdir_create,
	.vop_mkdir = hostdir_mkdir,
	.vop_remove = hostdir_remove,
	.vop_rmdir = hostdir_rmdir,
	.vop_getattr = hostdir_getattr,
	.vop_setattr = hostdir_setattr,
	.vop_read = hostdir_read,
	.vop_write = hostdir_write,
	.vop_fsync = hostdir_fsync,
	.vop_readdir = hostdir_readdir,
	.vop_readlink = hostdir_readlink,
	.vop_inactive = hostdir_inactive,
	.vop_reclaim = hostdir_reclaim,
};
