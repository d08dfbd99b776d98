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
 * RUMP_ETFS_BLK and RUMP_ETFS_CHR attach a unit of the hostdisk driver
 * (vfs_spec_hostdisk.c) over the host file's window, and the key's vnode
 * is a device node (VBLK or VCHR) of that unit: open(2) of the key goes
 * to the device through vfs_spec.c (buffered, or raw for VCHR), and a
 * disk file system mounts it with bdev_open(key).  Removing such a key is
 * EBUSY while the device is open (a mount, a descriptor); otherwise its
 * cached blocks are written out and dropped, and the unit detached.
 *
 * RUMP_ETFS_DIR and RUMP_ETFS_DIR_SUBDIRS need a host directory; the key
 * becomes a directory (made if missing) covered by this mount, whose
 * files are the host directory's (vfs_hostdir.c).
 *
 * etfs_init() also starts the block-device layer and the buffer cache
 * (spec_init, hostdisk_init, bio_init) and registers the halt hook that
 * writes out what the cache still holds after the unmounts.
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
#include "vfs/buf.h"
#include "vfs/buf_impl.h"
#include "vfs/hostdir_impl.h"
#include "kern/shutdown.h"
#include <rump/rump.h>

struct etfs {
	char et_key[PATH_MAX];             /* [I] kernel path */
	char et_hostpath[PATH_MAX];        /* [I] */
	int et_hostfd;                     /* [I] RUMP_ETFS_REG; else -1 */
	enum rump_etfs_type et_type;       /* [I] */
	dev_t et_dev;                      /* [I] BLK, CHR: the hostdisk unit */
	struct hostdir_mount et_hdm;       /* [I] DIR, DIR_SUBDIRS */
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

static enum vtype
etfs_vtype(const struct etfs *et)
{
	switch (et->et_type) {
	case RUMP_ETFS_BLK:
		return VBLK;
	case RUMP_ETFS_CHR:
		return VCHR;
	default:
		return VREG;
	}
}

static int
etfs_getattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct etfs *et = etfs_of(vp);

	vattr_null(va);
	va->va_type = etfs_vtype(et);
	va->va_mode = et->et_rdonly ? 0444 : 0644;
	va->va_nlink = 1;
	va->va_uid = 0;
	va->va_gid = 0;
	va->va_fsid = vp->v_mount->mnt_dev;
	va->va_fileid = 2;
	va->va_size = va->va_type == VREG ? etfs_size(et) : 0;
	va->va_blocksize = PAGE_SIZE;
	va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime =
	    boottime;
	va->va_gen = 1;
	va->va_flags = 0;
	va->va_rdev = va->va_type == VREG ? 0 : et->et_dev;
	va->va_bytes = (uint64_t)va->va_size;
	return 0;
}

/*
 * The times may be "set" (and are ignored).  The size of a regular key
 * (O_TRUNC, ftruncate) is the host file's: an open-ended key truncates
 * or extends the host file at begin + size; a key with a fixed window
 * keeps its size (like a device), so O_TRUNC on it changes nothing.
 * Owner and mode are the host's: EOPNOTSUPP.
 */
static int
etfs_setattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct etfs *et = etfs_of(vp);

	if (va->va_uid != (uid_t)VNOVAL || va->va_gid != (gid_t)VNOVAL ||
	    va->va_mode != (mode_t)VNOVAL)
		return EOPNOTSUPP;
	if (va->va_size == (off_t)VNOVAL)
		return 0;
	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (va->va_size < 0)
		return EINVAL;
	if (et->et_rdonly)
		return EROFS;
	if (et->et_size != RUMP_ETFS_SIZE_ENDOFF)
		return 0;
	if ((uint64_t)va->va_size > UINT64_MAX / 2 - et->et_begin)
		return EFBIG;
	return rumpuser_hostdir_setattr(et->et_hostpath,
	    et->et_begin + (uint64_t)va->va_size, RUMPUSER_HOSTDIR_NOMODE);
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

/* Device keys are read and written through vfs_spec.c, never here. */
static int
etfs_read(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (uio->uio_offset < 0)
		return EINVAL;
	return etfs_io(vp, uio);
}

static int
etfs_write(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct etfs *et = etfs_of(vp);

	if (vp->v_type != VREG)
		return EOPNOTSUPP;
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
	if (vp->v_type != VREG)
		return 0;
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

static bool
etfs_isdir(const struct etfs *et)
{
	return et->et_type == RUMP_ETFS_DIR ||
	    et->et_type == RUMP_ETFS_DIR_SUBDIRS;
}

static int
etfs_root(struct mount *mp, struct vnode **vpp)
{
	struct etfs *et = mp->mnt_data;

	if (etfs_isdir(et))
		return hostdir_root(mp, &et->et_hdm, vpp);
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

	if (et->et_rdonly || et->et_type != RUMP_ETFS_REG)
		return 0;
	return rumpuser_syncfd(et->et_hostfd,
	    RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0);
}

static int
etfs_loadvnode(struct mount *mp, struct vnode *vp, const void *key,
    size_t keylen)
{
	struct etfs *et = mp->mnt_data;

	if (etfs_isdir(et))
		return hostdir_loadvnode(mp, &et->et_hdm, vp, key, keylen);
	vp->v_type = etfs_vtype(et);
	vp->v_op = &etfs_vnodeops;
	vp->v_data = et;
	vp->v_size = vp->v_type == VREG ? etfs_size(et) : 0;
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

/* Halt, after the VFS's own hook unmounted the file systems (hooks run
 * in the reverse order of registration, and this one is registered
 * first). */
static void
etfs_shutdown(void *arg)
{
	bio_shutdown();
}

static struct shutdown_hook etfs_shutdown_hook = {
	.sh_func = etfs_shutdown,
};

void
etfs_init(void)
{
	mutex_init(&etfs_lock, MUTEX_DEFAULT, "etfs");
	spec_init();
	hostdisk_init();
	bio_init();
	shutdown_hook_register(&etfs_shutdown_hook);
	vfs_register(&etfs_vfsops);
}

/* The vnode at key, created as an empty regular file (a directory if
 * dir) if missing; an existing key must be a directory if dir. */
static int
etfs_keyvnode(const char *key, bool dir, struct vnode **vpp)
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
		va.va_type = dir ? VDIR : VREG;
		va.va_mode = dir ? 0755 : 0644;
		if (dir)
			error = VOP_MKDIR(nd.ni_dvp, vpp, &nd.ni_cnd, &va);
		else
			error = VOP_CREATE(nd.ni_dvp, vpp, &nd.ni_cnd, &va);
		if (error == 0)
			cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
			    nd.ni_cnd.cn_namelen);
	} else if (error == 0 && dir && nd.ni_vp->v_type != VDIR) {
		error = ENOTDIR;
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
	if (error == 0 && nd.ni_vp == NULL)
		error = ENOENT;
	if (error == 0 && (error = vn_lock(nd.ni_vp, LK_EXCLUSIVE)) == 0) {
		if (nd.ni_vp->v_type == VDIR)
			error = VOP_RMDIR(nd.ni_dvp, nd.ni_vp, &nd.ni_cnd);
		else
			error = VOP_REMOVE(nd.ni_dvp, nd.ni_vp, &nd.ni_cnd);
		cache_remove(nd.ni_dvp, nd.ni_cnd.cn_nameptr,
		    nd.ni_cnd.cn_namelen);
		vn_unlock(nd.ni_vp);
	}
	namei_done(&nd);
	return error;
}

static struct etfs *
etfs_new(const char *key, const char *hostpath, enum rump_etfs_type type,
    uint64_t begin, uint64_t size, int *errorp)
{
	struct etfs *et;
	uint64_t hsize;
	int ft, error;

	if (type == RUMP_ETFS_DIR || type == RUMP_ETFS_DIR_SUBDIRS) {
		error = rumpuser_getfileinfo(hostpath, &hsize, &ft);
		if (error == 0 && ft != RUMPUSER_FT_DIR)
			error = ENOTDIR;
		if (error != 0) {
			*errorp = error;
			return NULL;
		}
		et = kmem_zalloc(sizeof(*et), KM_SLEEP);
		strlcpy(et->et_key, key, sizeof(et->et_key));
		strlcpy(et->et_hostpath, hostpath, sizeof(et->et_hostpath));
		/* "/a/b/" and "/a/b" name the same root; "/" stays. */
		while (strlen(et->et_hostpath) > 1 &&
		    et->et_hostpath[strlen(et->et_hostpath) - 1] == '/')
			et->et_hostpath[strlen(et->et_hostpath) - 1] = '\0';
		et->et_type = type;
		et->et_hostfd = -1;
		et->et_dev = NODEV;
		et->et_hdm.hdm_root = et->et_hostpath;
		et->et_hdm.hdm_subdirs = type == RUMP_ETFS_DIR_SUBDIRS;
		et->et_hdm.hdm_rdonly = false;
		return et;
	}
	if (type == RUMP_ETFS_BLK || type == RUMP_ETFS_CHR) {
		et = kmem_zalloc(sizeof(*et), KM_SLEEP);
		error = hostdisk_attach(hostpath, begin, size, &et->et_dev,
		    &et->et_rdonly);
		if (error != 0) {
			kmem_free(et, sizeof(*et));
			*errorp = error;
			return NULL;
		}
		strlcpy(et->et_key, key, sizeof(et->et_key));
		strlcpy(et->et_hostpath, hostpath, sizeof(et->et_hostpath));
		et->et_type = type;
		et->et_hostfd = -1;
		et->et_begin = begin;
		et->et_size = size;
		return et;
	}
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
	et->et_type = RUMP_ETFS_REG;
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

/* Release the host side: close the file, or detach the disk unit (its
 * blocks written out and dropped first).  0, or EBUSY for an open unit. */
static int
etfs_free(struct etfs *et)
{
	int error;

	if (et->et_hostfd >= 0) {
		rumpuser_close(et->et_hostfd);
	} else if (!etfs_isdir(et)) {
		error = spec_purge(et->et_dev);
		if (error != 0)
			printf("etfs: %s: writing out the device: error %d\n",
			    et->et_key, error);
		error = hostdisk_detach(et->et_dev);
		if (error != 0)
			return error;
	}
	kmem_free(et, sizeof(*et));
	return 0;
}

static int
etfs_register(const char *key, const char *hostpath,
    enum rump_etfs_type type, uint64_t begin, uint64_t size)
{
	struct vfsops *vfs;
	struct vnode *vp;
	struct etfs *et;
	char opts[32];
	int error;

	if (strlen(key) >= PATH_MAX || strlen(hostpath) >= PATH_MAX)
		return ENAMETOOLONG;
	et = etfs_new(key, hostpath, type, begin, size, &error);
	if (et == NULL)
		return error;
	mutex_enter(&etfs_lock);
	if (etfs_find_key(key) != NULL) {
		mutex_exit(&etfs_lock);
		(void)etfs_free(et);
		return EEXIST;
	}
	et->et_id = ++etfs_nextid;
	et->et_next = etfs_list;
	etfs_list = et;
	mutex_exit(&etfs_lock);

	error = etfs_keyvnode(key, etfs_isdir(et), &vp);
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
		(void)etfs_free(et);
	}
	return error;
}

static int
etfs_remove(const char *key)
{
	struct etfs *et;
	bool mounted;
	int error;

	mutex_enter(&etfs_lock);
	et = etfs_find_key(key);
	if (et == NULL || et->et_mount == NULL) {
		mutex_exit(&etfs_lock);
		return ENOENT;
	}
	if (et->et_hostfd < 0 && !etfs_isdir(et) &&
	    spec_inuse(et->et_dev, &mounted)) {
		/* A mount or a descriptor has the device open. */
		mutex_exit(&etfs_lock);
		return EBUSY;
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
	error = etfs_free(et);
	if (error != 0)
		printf("etfs: %s: device still open, unit kept: error %d\n",
		    key, error);
	return etfs_unlinkkey(key);
}

static int
etfs_checktype(enum rump_etfs_type ftype)
{
	switch (ftype) {
	case RUMP_ETFS_REG:
	case RUMP_ETFS_BLK:
	case RUMP_ETFS_CHR:
	case RUMP_ETFS_DIR:
	case RUMP_ETFS_DIR_SUBDIRS:
		return 0;
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
	error = etfs_register(key, hostpath, ftype, begin, size);
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
