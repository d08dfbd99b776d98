/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_etfs.c: extra-terrestrial file system: host files in the kernel's
 * name space (rump_etfs_register(3)).
 *
 * A registration names a path in the kernel's tree (the key) and a host
 * file.  The key becomes a mount point: an empty regular file is created
 * there if nothing exists, and an instance of the "etfs" file system is
 * mounted over it (a mount may cover a non-directory here, unlike
 * mount(2)).  Its one vnode is a regular file whose reads and writes go to
 * the host file at begin + offset through rumpuser_iovread/iovwrite,
 * within the size window of rump_etfs_register_withsize().
 *
 * Only RUMP_ETFS_REG exists so far; block and character devices and host
 * directories wait for the block device layer (the storage issue) and
 * return EOPNOTSUPP.
 *
 * Locking: [e] etfs_lock.  Registrations are looked up and changed under
 * it; the I/O path uses the immutable fields of an entry only.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/callout.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"
#include <rump/rump.h>

struct etfs {
	char et_key[PATH_MAX];             /* [I] kernel path */
	char et_hostpath[PATH_MAX];        /* [I] */
	int et_hostfd;                     /* [I] */
	bool et_rdonly;                    /* [I] host file opened read-only */
	uint64_t et_begin;                 /* [I] window in the host file */
	uint64_t et_size;                  /* [I] RUMP_ETFS_SIZE_ENDOFF: to EOF */
	unsigned et_id;                    /* [I] */
	struct mount *et_mount;            /* [e] */
	struct etfs *et_next;              /* [e] */
};

static kmutex_t etfs_lock;
static struct etfs *etfs_list;             /* [e] */
static unsigned etfs_nextid;               /* [e] */
static const uint32_t etfs_key = 1;

static struct etfs *
etfs_find_id(unsigned id)
{
	struct etfs *et;

	for (et = etfs_list; et != NULL; et = et->et_next)
		if (et->et_id == id)
			return et;
	return NULL;
}

static struct etfs *
etfs_find_key(const char *key)
{
	struct etfs *et;

	for (et = etfs_list; et != NULL; et = et->et_next)
		if (strcmp(et->et_key, key) == 0)
			return et;
	return NULL;
}

/* Current size of the window: the host file's size past begin, capped. */
static off_t
etfs_size(struct etfs *et)
{
	uint64_t hsize;
	int ft;

	if (et->et_size != RUMP_ETFS_SIZE_ENDOFF)
		return (off_t)et->et_size;
	if (rumpuser_getfileinfo(et->et_hostpath, &hsize, &ft) != 0)
		return 0;
	return hsize > et->et_begin ? (off_t)(hsize - et->et_begin) : 0;
}

static void
etfs_unlist(struct etfs *et)
{
	struct etfs **etp;

	KASSERT(mutex_owned(&etfs_lock));
	for (etp = &etfs_list; *etp != NULL; etp = &(*etp)->et_next) {
		if (*etp == et) {
			*etp = et->et_next;
			return;
		}
	}
}

static struct etfs *
etfs_of(struct vnode *vp)
{
	return vp->v_mount->mnt_data;
}

static int
etfs_lookup(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp)
{
	return ENOTDIR;
}

static int
etfs_getattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct etfs *et = etfs_of(vp);

	vattr_null(va);
	va->va_type = VREG;
	va->va_mode = et->et_rdonly ? 0444 : 0644;
	va->va_nlink = 1;
	va->va_uid = 0;
	va->va_gid = 0;
	va->va_fsid = vp->v_mount->mnt_dev;
	va->va_fileid = 2;
	va->va_size = etfs_size(et);
	va->va_blocksize = PAGE_SIZE;
	va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime =
	    boottime;
	va->va_gen = 1;
	va->va_flags = 0;
	va->va_rdev = 0;
	va->va_bytes = (uint64_t)va->va_size;
	return 0;
}

/* Only the times may be "set" (and are ignored); the size is the host's. */
static int
etfs_setattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	if (va->va_size != (off_t)VNOVAL || va->va_uid != (uid_t)VNOVAL ||
	    va->va_gid != (gid_t)VNOVAL || va->va_mode != (mode_t)VNOVAL)
		return EOPNOTSUPP;
	return 0;
}

/* Move up to the window's end between the host file and uio. */
static int
etfs_io(struct vnode *vp, struct uio *uio)
{
	struct etfs *et = etfs_of(vp);
	struct rumpuser_iovec riov;
	char *buf;
	size_t len, done;
	off_t size = etfs_size(et);
	int error = 0;

	buf = kmem_alloc(PAGE_SIZE, KM_SLEEP);
	while (uio->uio_resid > 0) {
		len = MIN(uio->uio_resid, PAGE_SIZE);
		if (et->et_size != RUMP_ETFS_SIZE_ENDOFF ||
		    uio->uio_rw == UIO_READ) {
			if (uio->uio_offset >= size)
				break;
			len = MIN(len, (size_t)(size - uio->uio_offset));
		}
		riov.iov_base = buf;
		riov.iov_len = len;
		if (uio->uio_rw == UIO_READ) {
			error = rumpuser_iovread(et->et_hostfd, &riov, 1,
			    (int64_t)(et->et_begin + uio->uio_offset), &done);
			if (error == 0)
				error = uiomove(buf, done, uio);
		} else {
			error = uiomove(buf, len, uio);
			if (error == 0)
				error = rumpuser_iovwrite(et->et_hostfd, &riov, 1,
				    (int64_t)(et->et_begin + uio->uio_offset -
				    len), &done);
		}
		if (error != 0 || done < len)
			break;
	}
	kmem_free(buf, PAGE_SIZE);
	return error;
}

static int
etfs_read(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	if (uio->uio_offset < 0)
		return EINVAL;
	return etfs_io(vp, uio);
}

static int
etfs_write(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct etfs *et = etfs_of(vp);

	if (et->et_rdonly)
		return EROFS;
	if (ioflag & IO_APPEND)
		uio->uio_offset = etfs_size(et);
	if (uio->uio_offset < 0)
		return EINVAL;
	if (et->et_size != RUMP_ETFS_SIZE_ENDOFF &&
	    uio->uio_offset >= (off_t)et->et_size && uio->uio_resid > 0)
		return EFBIG;
	return etfs_io(vp, uio);
}

static int
etfs_fsync(struct vnode *vp, kauth_cred_t cred, int flags, off_t start,
    off_t end)
{
	return rumpuser_syncfd(etfs_of(vp)->et_hostfd,
	    RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0);
}

static const struct vnodeops etfs_vnodeops = {
	.vop_fsname = "etfs",
	.vop_lookup = etfs_lookup,
	.vop_getattr = etfs_getattr,
	.vop_setattr = etfs_setattr,
	.vop_read = etfs_read,
	.vop_write = etfs_write,
	.vop_fsync = etfs_fsync,
};

static int
etfs_mount(struct mount *mp, const char *source, const char *options,
    kauth_cred_t cred)
{
	const char *val;
	uint64_t id;
	size_t len;
	char buf[16];

	if (!vfs_getopt(options, "etfsid", &val, &len) || val == NULL ||
	    len == 0 || len >= sizeof(buf))
		return EINVAL;
	memcpy(buf, val, len);
	buf[len] = '\0';
	if (kstrtou64(buf, &id) != 0)
		return EINVAL;
	mutex_enter(&etfs_lock);
	mp->mnt_data = etfs_find_id((unsigned)id);
	mutex_exit(&etfs_lock);
	return mp->mnt_data != NULL ? 0 : EINVAL;
}

static int
etfs_unmount(struct mount *mp, int flags)
{
	return 0;
}

static int
etfs_root(struct mount *mp, struct vnode **vpp)
{
	return vcache_get(mp, &etfs_key, sizeof(etfs_key), vpp);
}

static int
etfs_statfs(struct mount *mp, struct rump_statfs *sbp)
{
	sbp->f_type = 0x45544653;	/* "ETFS" */
	sbp->f_bsize = PAGE_SIZE;
	sbp->f_files = 1;
	return 0;
}

static int
etfs_sync(struct mount *mp, int waitfor, kauth_cred_t cred)
{
	struct etfs *et = mp->mnt_data;

	if (et->et_rdonly)
		return 0;
	return rumpuser_syncfd(et->et_hostfd,
	    RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0);
}

static int
etfs_loadvnode(struct mount *mp, struct vnode *vp, const void *key,
    size_t keylen)
{
	vp->v_type = VREG;
	vp->v_op = &etfs_vnodeops;
	vp->v_data = mp->mnt_data;
	vp->v_size = etfs_size(mp->mnt_data);
	return 0;
}

static struct vfsops etfs_vfsops = {
	.vfs_name = "etfs",
	.vfs_mount = etfs_mount,
	.vfs_unmount = etfs_unmount,
	.vfs_root = etfs_root,
	.vfs_statfs = etfs_statfs,
	.vfs_sync = etfs_sync,
	.vfs_loadvnode = etfs_loadvnode,
};

void
etfs_init(void)
{
	mutex_init(&etfs_lock, MUTEX_DEFAULT, "etfs");
	vfs_register(&etfs_vfsops);
}

/* The vnode at key, created as an empty regular file if missing. */
static int
etfs_keyvnode(const char *key, struct vnode **vpp)
{
	struct nameidata nd;
	struct vattr va;
	int error;

	namei_init(&nd, AT_FDCWD, key, CREATE, NI_PARENT | NI_LOCKPARENT |
	    NI_SYSSPACE);
	error = namei(&nd);
	if (error == 0 && nd.ni_lasttype != NI_LAST_NORM)
		error = EINVAL;
	if (error == 0 && nd.ni_vp == NULL) {
		vattr_null(&va);
		va.va_type = VREG;
		va.va_mode = 0644;
		error = VOP_CREATE(nd.ni_dvp, vpp, &nd.ni_cnd, &va);
		if (error == 0)
			cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
			    nd.ni_cnd.cn_namelen);
	} else if (error == 0) {
		*vpp = nd.ni_vp;
		nd.ni_vp = NULL;
	}
	namei_done(&nd);
	return error;
}

static int
etfs_unlinkkey(const char *key)
{
	struct nameidata nd;
	int error;

	namei_init(&nd, AT_FDCWD, key, DELETE, NI_PARENT | NI_LOCKPARENT |
	    NI_SYSSPACE);
	error = namei(&nd);
	if (error == 0 && (nd.ni_vp == NULL || nd.ni_vp->v_type == VDIR))
		error = ENOENT;
	if (error == 0 && (error = vn_lock(nd.ni_vp, LK_EXCLUSIVE)) == 0) {
		error = VOP_REMOVE(nd.ni_dvp, nd.ni_vp, &nd.ni_cnd);
		cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
		    nd.ni_cnd.cn_namelen);
		vn_unlock(nd.ni_vp);
	}
	namei_done(&nd);
	return error;
}

static struct etfs *
etfs_new(const char *key, const char *hostpath, uint64_t begin,
    uint64_t size, int *errorp)
{
	struct etfs *et;
	uint64_t hsize;
	int ft, error;

	error = rumpuser_getfileinfo(hostpath, &hsize, &ft);
	if (error == 0 && ft != RUMPUSER_FT_REG && ft != RUMPUSER_FT_BLK)
		error = EINVAL;
	if (error != 0) {
		*errorp = error;
		return NULL;
	}
	et = kmem_zalloc(sizeof(*et), KM_SLEEP);
	strlcpy(et->et_key, key, sizeof(et->et_key));
	strlcpy(et->et_hostpath, hostpath, sizeof(et->et_hostpath));
	et->et_begin = begin;
	et->et_size = size;
	error = rumpuser_open(hostpath, RUMPUSER_OPEN_RDWR, &et->et_hostfd);
	if (error != 0) {
		et->et_rdonly = true;
		error = rumpuser_open(hostpath, RUMPUSER_OPEN_RDONLY,
		    &et->et_hostfd);
	}
	if (error != 0) {
		kmem_free(et, sizeof(*et));
		*errorp = error;
		return NULL;
	}
	return et;
}

static void
etfs_free(struct etfs *et)
{
	rumpuser_close(et->et_hostfd);
	kmem_free(et, sizeof(*et));
}

static int
etfs_register(const char *key, const char *hostpath, uint64_t begin,
    uint64_t size)
{
	struct vfsops *vfs;
	struct vnode *vp;
	struct etfs *et;
	char opts[32];
	int error;

	if (strlen(key) >= PATH_MAX || strlen(hostpath) >= PATH_MAX)
		return ENAMETOOLONG;
	et = etfs_new(key, hostpath, begin, size, &error);
	if (et == NULL)
		return error;
	mutex_enter(&etfs_lock);
	if (etfs_find_key(key) != NULL) {
		mutex_exit(&etfs_lock);
		etfs_free(et);
		return EEXIST;
	}
	et->et_id = ++etfs_nextid;
	et->et_next = etfs_list;
	etfs_list = et;
	mutex_exit(&etfs_lock);

	error = etfs_keyvnode(key, &vp);
	if (error == 0 && vp->v_mountedhere != NULL)
		error = EEXIST;
	if (error == 0) {
		snprintf(opts, sizeof(opts), "etfsid=%u", et->et_id);
		vfs = vfs_getopsbyname("etfs");
		error = vfs_mount_new(vfs, vp, hostpath, opts,
		    et->et_rdonly ? MNT_RDONLY : 0, &et->et_mount);
		if (error == 0)
			vp = NULL;
	}
	if (vp != NULL && error != 0)
		vrele(vp);
	if (error != 0) {
		mutex_enter(&etfs_lock);
		etfs_unlist(et);
		mutex_exit(&etfs_lock);
		etfs_free(et);
	}
	return error;
}

static int
etfs_remove(const char *key)
{
	struct etfs *et;
	int error;

	mutex_enter(&etfs_lock);
	et = etfs_find_key(key);
	if (et == NULL || et->et_mount == NULL) {
		mutex_exit(&etfs_lock);
		return ENOENT;
	}
	vfs_ref(et->et_mount);
	mutex_exit(&etfs_lock);
	error = vfs_unmount(et->et_mount, 0);
	vfs_rele(et->et_mount);
	if (error != 0)
		return error;
	mutex_enter(&etfs_lock);
	etfs_unlist(et);
	mutex_exit(&etfs_lock);
	etfs_free(et);
	return etfs_unlinkkey(key);
}

static int
etfs_checktype(enum rump_etfs_type ftype)
{
	switch (ftype) {
	case RUMP_ETFS_REG:
		return 0;
	case RUMP_ETFS_BLK:
	case RUMP_ETFS_CHR:
	case RUMP_ETFS_DIR:
	case RUMP_ETFS_DIR_SUBDIRS:
		/* Need the block device layer (storage issue). */
		return EOPNOTSUPP;
	default:
		return EINVAL;
	}
}

int
rump_etfs_register_withsize(const char *key, const char *hostpath,
    enum rump_etfs_type ftype, uint64_t begin, uint64_t size)
{
	int error;

	if (key == NULL || hostpath == NULL)
		return EFAULT;
	error = etfs_checktype(ftype);
	if (error != 0)
		return error;
	rump_schedule();
	error = etfs_register(key, hostpath, begin, size);
	rump_unschedule();
	return error;
}

int
rump_etfs_register(const char *key, const char *hostpath,
    enum rump_etfs_type ftype)
{
	return rump_etfs_register_withsize(key, hostpath, ftype, 0,
	    RUMP_ETFS_SIZE_ENDOFF);
}

int
rump_etfs_remove(const char *key)
{
	int error;

	if (key == NULL)
		return EFAULT;
	rump_schedule();
	error = etfs_remove(key);
	rump_unschedule();
	return error;
}
