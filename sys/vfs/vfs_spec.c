/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_spec.c: device special files: the vnodes that stand for devices.
 *
 * A device node (VBLK or VCHR) lives on some file system (an etfs key,
 * a tmpfs node made with mknod(2), later ext2 nodes); its va_rdev names a
 * device.  The devices themselves are vnodes of a private mount of this
 * "spec" file system (no root, covering nothing), in two kinds:
 *
 *  - the device vnode, one per dev_t (key: the dev_t).  v_data is a
 *    struct specdev (buf_impl.h) with the driver and the open counts.
 *    The buffer cache keys blocks by this vnode and bdev_open() returns
 *    it, so every path to a device shares one cache.
 *  - the open vnode, one per device node that is open (key: the node
 *    vnode).  open(2) of a device node puts it into the file instead of
 *    the node (spec_open_node, called by do_open): its read, write,
 *    ioctl and fsync go to the device (buffered through the cache for
 *    VBLK, raw in sector multiples for VCHR), and its attributes are the
 *    node's (getattr, setattr and access go to the node).
 *
 * Block devices are read and written through the cache in SPEC_BSIZE
 * blocks (the last block of a device may be shorter); read-ahead comes
 * from bread().  A raw (VCHR) transfer first writes out and drops cached
 * blocks it overlaps, so both views of a device stay coherent.
 *
 * Known differences from Linux: fstat() of an open device reports the
 * spec mount's st_dev, not the one of the node's file system; and the
 * node path caches SPEC_BSIZE blocks while a file system caches blocks of
 * its own size under other keys, so reading a device node while a file
 * system has the device mounted shows the disk and the node's own
 * writes, not what the file system holds unwritten (raw VCHR reads see
 * the disk plus what bio_purge_range wrote out).
 *
 * Locking: [s] spec_lock (struct specdev open state), [I] immutable.
 * Lock order: open vnode's lock > node's lock > spec_lock > bcache_lock.
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
#include "vfs/buf.h"
#include "vfs/buf_impl.h"

#define SPEC_BSIZE  4096               /* cache block of device nodes */
#define SPEC_RAWMAX (64 * 1024)        /* bytes per raw transfer */

enum { SPEC_KEY_DEV = 1, SPEC_KEY_NODE = 2 };
struct spec_key {
	uint64_t sk_kind;
	uint64_t sk_val;                   /* dev_t, or the node's address */
};

/* v_data of an open vnode. */
struct specnode {
	struct vnode *sn_node;             /* [I] referenced device node */
	struct vnode *sn_devvp;            /* [I] referenced device vnode */
};

kmutex_t spec_lock;
static struct mount *spec_mount;       /* [I] */
static const struct vnodeops spec_devops, spec_nodeops;

/* ---- device vnodes ---- */

int
spec_devvp(dev_t dev, struct vnode **vpp)
{
	struct spec_key k = { .sk_kind = SPEC_KEY_DEV, .sk_val = dev };

	if (devsw_lookup(dev) == NULL)
		return ENXIO;
	return vcache_get(spec_mount, &k, sizeof(k), vpp);
}

int
spec_devopen(struct vnode *devvp, int fflags)
{
	struct specdev *sd = devvp->v_data;
	const struct bdevsw *sw = sd->sd_sw;
	uint64_t size = 0;
	unsigned secsize = DEV_BSIZE;
	bool ro = false;
	int error;

	if (sw == NULL || devsw_lookup(sd->sd_dev) != sw)
		return ENXIO;
	error = sw->d_open != NULL ? sw->d_open(sd->sd_dev, fflags) : 0;
	if (error != 0)
		return error;
	mutex_enter(&spec_lock);
	if (sd->sd_opens++ == 0) {
		if (sw->d_size != NULL &&
		    sw->d_size(sd->sd_dev, &size, &secsize, &ro) == 0 &&
		    secsize >= DEV_BSIZE && powerof2(secsize)) {
			sd->sd_size = size - size % secsize;
			sd->sd_secsize = secsize;
			sd->sd_rdonly = ro;
		} else {
			sd->sd_size = 0;
			sd->sd_secsize = DEV_BSIZE;
			sd->sd_rdonly = true;
		}
		devvp->v_size = (off_t)sd->sd_size;
	}
	mutex_exit(&spec_lock);
	return 0;
}

void
spec_devclose(struct vnode *devvp, int fflags)
{
	struct specdev *sd = devvp->v_data;

	mutex_enter(&spec_lock);
	KASSERT(sd->sd_opens > 0);
	sd->sd_opens--;
	mutex_exit(&spec_lock);
	if (sd->sd_sw->d_close != NULL)
		(void)sd->sd_sw->d_close(sd->sd_dev, fflags);
}

bool
spec_inuse(dev_t dev, bool *mountedp)
{
	struct spec_key k = { .sk_kind = SPEC_KEY_DEV, .sk_val = dev };
	struct specdev *sd;
	struct vnode *vp;
	bool inuse;

	*mountedp = false;
	if (vcache_lookup(spec_mount, &k, sizeof(k), &vp) != 0)
		return false;
	sd = vp->v_data;
	mutex_enter(&spec_lock);
	inuse = sd->sd_opens > 0;
	*mountedp = sd->sd_mounts > 0;
	mutex_exit(&spec_lock);
	vrele(vp);
	return inuse;
}

int
spec_purge(dev_t dev)
{
	struct spec_key k = { .sk_kind = SPEC_KEY_DEV, .sk_val = dev };
	struct vnode *vp;
	bool idle;
	int error;

	if (vcache_lookup(spec_mount, &k, sizeof(k), &vp) != 0)
		return 0;
	error = bio_flush(vp, BIO_FLUSH_WAIT);
	bio_invalidate(vp);
	mutex_enter(&spec_lock);
	idle = ((struct specdev *)vp->v_data)->sd_opens == 0;
	mutex_exit(&spec_lock);
	if (idle)
		vgone(vp);	/* nothing refers to it: free it now */
	vrele(vp);
	return error;
}

static void
spec_devsize(struct specdev *sd, uint64_t *sizep, unsigned *secsizep)
{
	mutex_enter(&spec_lock);
	*sizep = sd->sd_size;
	*secsizep = sd->sd_secsize;
	mutex_exit(&spec_lock);
}

/* ---- I/O ---- */

/* Buffered block I/O on the device vnode devvp. */
static int
spec_blkrw(struct vnode *devvp, struct uio *uio, int ioflag)
{
	struct specdev *sd = devvp->v_data;
	uint64_t size, off, bstart;
	size_t blen, boff, n;
	unsigned secsize;
	struct buf *bp;
	int error = 0;

	if (uio->uio_offset < 0)
		return EINVAL;
	spec_devsize(sd, &size, &secsize);
	while (uio->uio_resid > 0) {
		off = (uint64_t)uio->uio_offset;
		if (off >= size) {
			if (uio->uio_rw == UIO_WRITE)
				error = ENOSPC;
			break;
		}
		bstart = off - off % SPEC_BSIZE;
		blen = (size_t)MIN((uint64_t)SPEC_BSIZE, size - bstart);
		boff = (size_t)(off - bstart);
		n = MIN(blen - boff, uio->uio_resid);
		if (uio->uio_rw == UIO_READ) {
			error = bread(devvp, (daddr_t)(bstart >> DEV_BSHIFT),
			    blen, 0, &bp);
			if (error != 0)
				break;
			error = uiomove((char *)bp->b_data + boff, n, uio);
			brelse(bp, 0);
		} else {
			if (boff == 0 && n == blen) {
				bp = getblk(devvp,
				    (daddr_t)(bstart >> DEV_BSHIFT), blen, 0);
			} else {
				error = bread(devvp,
				    (daddr_t)(bstart >> DEV_BSHIFT), blen, 0,
				    &bp);
				if (error != 0)
					break;
			}
			error = uiomove((char *)bp->b_data + boff, n, uio);
			if (error != 0) {
				brelse(bp, (bp->b_flags & B_DONE) ? 0 :
				    BC_INVAL);
				break;
			}
			if (ioflag & (IO_SYNC | IO_DSYNC))
				error = bwrite(bp);
			else
				bdwrite(bp);
		}
		if (error != 0)
			break;
	}
	return error;
}

/* Raw I/O in sector multiples, around the cache. */
static int
spec_rawrw(struct vnode *devvp, struct uio *uio)
{
	struct specdev *sd = devvp->v_data;
	uint64_t size, off;
	unsigned secsize;
	size_t len, resid;
	char *data;
	int error = 0;

	spec_devsize(sd, &size, &secsize);
	if (uio->uio_offset < 0 || (uint64_t)uio->uio_offset % secsize != 0 ||
	    uio->uio_resid % secsize != 0)
		return EINVAL;
	if (uio->uio_resid == 0)
		return 0;
	data = kmem_alloc(SPEC_RAWMAX, KM_SLEEP);
	while (uio->uio_resid > 0) {
		off = (uint64_t)uio->uio_offset;
		if (off >= size) {
			if (uio->uio_rw == UIO_WRITE)
				error = ENOSPC;
			break;
		}
		len = (size_t)MIN((uint64_t)MIN(uio->uio_resid, SPEC_RAWMAX),
		    size - off);
		if (uio->uio_rw == UIO_WRITE) {
			error = uiomove(data, len, uio);
			if (error != 0)
				break;
		}
		error = bio_purge_range(devvp, off, off + len);
		if (error != 0)
			break;
		error = bio_rawio(devvp, (daddr_t)(off >> DEV_BSHIFT), data,
		    len, uio->uio_rw == UIO_READ ? B_READ : B_WRITE, &resid);
		if (error != 0)
			break;
		if (uio->uio_rw == UIO_READ) {
			error = uiomove(data, len - resid, uio);
			if (error != 0)
				break;
		} else if (resid != 0) {
			error = EIO;
			break;
		}
		if (resid != 0)
			break;
	}
	kmem_free(data, SPEC_RAWMAX);
	return error;
}

/* The block-device ioctls; data is a user address. */
static int
spec_devioctl(struct vnode *devvp, unsigned long cmd, void *data)
{
	struct specdev *sd = devvp->v_data;
	unsigned long nsec;
	uint64_t size;
	unsigned secsize;
	int ival, error;

	spec_devsize(sd, &size, &secsize);
	switch (cmd) {
	case BLKGETSIZE64:
		return copyout(&size, data, sizeof(size));
	case BLKGETSIZE:
		nsec = (unsigned long)(size >> DEV_BSHIFT);
		return copyout(&nsec, data, sizeof(nsec));
	case BLKSSZGET:
		ival = (int)secsize;
		return copyout(&ival, data, sizeof(ival));
	case BLKROGET:
		ival = bdev_rdonly(devvp) ? 1 : 0;
		return copyout(&ival, data, sizeof(ival));
	case BLKFLSBUF:
		error = bio_flush(devvp, BIO_FLUSH_WAIT);
		mutex_enter(&spec_lock);
		if (sd->sd_mounts > 0) {
			mutex_exit(&spec_lock);
			return error;
		}
		mutex_exit(&spec_lock);
		bio_invalidate(devvp);
		return error;
	default:
		return ENOTTY;
	}
}

/* ---- operations of device vnodes (kernel users, bdev_open) ---- */

static int
spec_dev_getattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct specdev *sd = vp->v_data;
	unsigned secsize;
	uint64_t size;

	spec_devsize(sd, &size, &secsize);
	vattr_null(va);
	va->va_type = VBLK;
	va->va_mode = 0600;
	va->va_nlink = 1;
	va->va_uid = 0;
	va->va_gid = 0;
	va->va_fsid = spec_mount->mnt_dev;
	va->va_fileid = sd->sd_dev;
	va->va_size = (off_t)size;
	va->va_blocksize = SPEC_BSIZE;
	va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime =
	    boottime;
	va->va_gen = 1;
	va->va_flags = 0;
	va->va_rdev = sd->sd_dev;
	va->va_bytes = 0;
	return 0;
}

static int
spec_dev_read(struct vnode *vp, struct uio *uio, int ioflag,
    kauth_cred_t cred)
{
	return spec_blkrw(vp, uio, ioflag);
}

static int
spec_dev_write(struct vnode *vp, struct uio *uio, int ioflag,
    kauth_cred_t cred)
{
	return spec_blkrw(vp, uio, ioflag);
}

static int
spec_dev_ioctl(struct vnode *vp, unsigned long cmd, void *data, int fflags,
    kauth_cred_t cred)
{
	return spec_devioctl(vp, cmd, data);
}

static int
spec_dev_fsync(struct vnode *vp, kauth_cred_t cred, int flags, off_t start,
    off_t end)
{
	return bio_flush(vp, (flags & FSYNC_WAIT) ? BIO_FLUSH_WAIT : 0);
}

static int
spec_dev_reclaim(struct vnode *vp)
{
	struct specdev *sd = vp->v_data;

	/* Buffers and opens hold references: none can be left. */
	KASSERT(sd->sd_nbufs == 0 && sd->sd_opens == 0);
	vp->v_data = NULL;
	kmem_free(sd, sizeof(*sd));
	return 0;
}

static const struct vnodeops spec_devops = {
	.vop_fsname = "spec",
	.vop_getattr = spec_dev_getattr,
	.vop_read = spec_dev_read,
	.vop_write = spec_dev_write,
	.vop_ioctl = spec_dev_ioctl,
	.vop_fsync = spec_dev_fsync,
	.vop_reclaim = spec_dev_reclaim,
};

/* ---- operations of open vnodes (open(2) of a device node) ---- */

static struct specnode *
spec_sn(struct vnode *vp)
{
	return vp->v_data;
}

static int
spec_getattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct vnode *node = spec_sn(vp)->sn_node;
	int error;

	error = vn_lock(node, LK_SHARED);
	if (error != 0)
		return error;
	error = VOP_GETATTR(node, va, cred);
	vn_unlock(node);
	return error;
}

static int
spec_setattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct vnode *node = spec_sn(vp)->sn_node;
	int error;

	if (va->va_size != (off_t)VNOVAL)
		return 0;	/* O_TRUNC / ftruncate of a device: no-op */
	error = vn_writechk(node);
	if (error != 0)
		return error;
	error = vn_lock(node, LK_EXCLUSIVE);
	if (error != 0)
		return error;
	error = VOP_SETATTR(node, va, cred);
	vn_unlock(node);
	return error;
}

static int
spec_access(struct vnode *vp, int accmode, kauth_cred_t cred)
{
	struct vnode *node = spec_sn(vp)->sn_node;
	int error;

	error = vn_lock(node, LK_SHARED);
	if (error != 0)
		return error;
	error = VOP_ACCESS(node, accmode, cred);
	vn_unlock(node);
	return error;
}

static int
spec_read(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct specnode *sn = spec_sn(vp);

	if (vp->v_type == VCHR)
		return spec_rawrw(sn->sn_devvp, uio);
	return spec_blkrw(sn->sn_devvp, uio, ioflag);
}

static int
spec_write(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct specnode *sn = spec_sn(vp);

	if (bdev_rdonly(sn->sn_devvp))
		return EROFS;
	if (vp->v_type == VCHR)
		return spec_rawrw(sn->sn_devvp, uio);
	return spec_blkrw(sn->sn_devvp, uio, ioflag);
}

static int
spec_ioctl(struct vnode *vp, unsigned long cmd, void *data, int fflags,
    kauth_cred_t cred)
{
	return spec_devioctl(spec_sn(vp)->sn_devvp, cmd, data);
}

static int
spec_fsync(struct vnode *vp, kauth_cred_t cred, int flags, off_t start,
    off_t end)
{
	return bio_flush(spec_sn(vp)->sn_devvp,
	    (flags & FSYNC_WAIT) ? BIO_FLUSH_WAIT : 0);
}

/* The last close of one open: close the device, then the node. */
static int
spec_close(struct vnode *vp, int fflags, kauth_cred_t cred)
{
	struct specnode *sn = spec_sn(vp);
	int error;

	spec_devclose(sn->sn_devvp, fflags);
	error = vn_lock(sn->sn_node, LK_SHARED);
	if (error == 0) {
		error = VOP_CLOSE(sn->sn_node, fflags, cred);
		vn_unlock(sn->sn_node);
	}
	return error == ENOENT ? 0 : error;
}

static int
spec_inactive(struct vnode *vp, bool *recyclep)
{
	*recyclep = true;	/* holds the node: do not keep it cached */
	return 0;
}

static int
spec_reclaim(struct vnode *vp)
{
	struct specnode *sn = spec_sn(vp);

	vp->v_data = NULL;
	vrele(sn->sn_node);
	vrele(sn->sn_devvp);
	kmem_free(sn, sizeof(*sn));
	return 0;
}

static const struct vnodeops spec_nodeops = {
	.vop_fsname = "spec",
	.vop_access = spec_access,
	.vop_getattr = spec_getattr,
	.vop_setattr = spec_setattr,
	.vop_read = spec_read,
	.vop_write = spec_write,
	.vop_ioctl = spec_ioctl,
	.vop_fsync = spec_fsync,
	.vop_close = spec_close,
	.vop_inactive = spec_inactive,
	.vop_reclaim = spec_reclaim,
};

/* The device number and type of a device node. */
static int
spec_node_rdev(struct vnode *node, dev_t *devp)
{
	struct vattr va;
	int error;

	error = vn_lock(node, LK_SHARED);
	if (error != 0)
		return error;
	vattr_null(&va);
	error = VOP_GETATTR(node, &va, kauth_cred_get());
	vn_unlock(node);
	if (error == 0)
		*devp = va.va_rdev;
	return error;
}

/*
 * open(2) of a device node: node is referenced and opened (VOP_OPEN) by
 * vn_open.  Opens the device and returns the node's open vnode,
 * referenced and unlocked, taking over the reference to node.  On error
 * node is still the caller's.
 */
int
spec_open_node(struct vnode *node, int fflags, struct vnode **vpp)
{
	struct spec_key k = { .sk_kind = SPEC_KEY_NODE,
	    .sk_val = (uint64_t)(uintptr_t)node };
	struct vnode *devvp, *vp;
	dev_t dev;
	int error;

	KASSERT(node->v_type == VBLK || node->v_type == VCHR);
	if (node->v_mount != NULL && (node->v_mount->mnt_flag & MNT_NODEV))
		return EACCES;
	error = spec_node_rdev(node, &dev);
	if (error != 0)
		return error;
	error = spec_devvp(dev, &devvp);
	if (error != 0)
		return error;
	error = spec_devopen(devvp, fflags);
	if (error != 0) {
		vrele(devvp);
		return error;
	}
	error = vcache_get(spec_mount, &k, sizeof(k), &vp);
	if (error != 0) {
		spec_devclose(devvp, fflags);
		vrele(devvp);
		return error;
	}
	vrele(devvp);
	vrele(node);
	*vpp = vp;
	return 0;
}

static int
spec_loadvnode(struct mount *mp, struct vnode *vp, const void *key,
    size_t keylen)
{
	const struct spec_key *k = key;
	struct specnode *sn;
	struct specdev *sd;
	struct vnode *node, *devvp;
	dev_t dev;
	int error;

	KASSERT(keylen == sizeof(*k));
	if (k->sk_kind == SPEC_KEY_DEV) {
		sd = kmem_zalloc(sizeof(*sd), KM_SLEEP);
		sd->sd_dev = (dev_t)k->sk_val;
		sd->sd_sw = devsw_lookup(sd->sd_dev);
		sd->sd_vp = vp;
		sd->sd_secsize = DEV_BSIZE;
		vp->v_type = VBLK;
		vp->v_op = &spec_devops;
		vp->v_data = sd;
		return 0;
	}
	/* An open vnode: the caller of vcache_get holds node. */
	node = (struct vnode *)(uintptr_t)k->sk_val;
	error = spec_node_rdev(node, &dev);
	if (error == 0)
		error = spec_devvp(dev, &devvp);
	if (error != 0)
		return error;
	sn = kmem_zalloc(sizeof(*sn), KM_SLEEP);
	vref(node);
	sn->sn_node = node;
	sn->sn_devvp = devvp;
	vp->v_type = node->v_type;
	vp->v_op = &spec_nodeops;
	vp->v_data = sn;
	vp->v_size = devvp->v_size;
	return 0;
}

/* sync(2) and halt reach the devices through this (vfs_sync_all). */
static int
spec_vfs_sync(struct mount *mp, int waitfor, kauth_cred_t cred)
{
	bio_flush_all();
	return 0;
}

/* fstatfs() of an open device. */
static int
spec_vfs_statfs(struct mount *mp, struct rump_statfs *sbp)
{
	sbp->f_type = 0x62646576;	/* Linux's BDEVFS_MAGIC, "bdev" */
	sbp->f_bsize = SPEC_BSIZE;
	return 0;
}

static int
spec_vfs_root(struct mount *mp, struct vnode **vpp)
{
	return EOPNOTSUPP;
}

static int
spec_vfs_unmount(struct mount *mp, int flags)
{
	return EBUSY;
}

static struct vfsops spec_vfsops = {
	.vfs_name = "spec",
	.vfs_unmount = spec_vfs_unmount,
	.vfs_root = spec_vfs_root,
	.vfs_statfs = spec_vfs_statfs,
	.vfs_sync = spec_vfs_sync,
	.vfs_loadvnode = spec_loadvnode,
};

/*
 * The private mount holding device vnodes.  It covers nothing and has no
 * root, so nothing can reach it by path or unmount it; it is on the mount
 * list only so that sync(2) and halt (vfs_sync_all) write out the
 * devices' dirty buffers, after the file systems mounted later.
 */
void
spec_init(void)
{
	struct mount *mp;

	mutex_init(&spec_lock, MUTEX_DEFAULT, "spec");
	devsw_init();
	mp = kmem_zalloc(sizeof(*mp), KM_SLEEP);
	mp->mnt_op = &spec_vfsops;
	mp->mnt_refcnt = 1;
	mp->mnt_id = 0;
	mp->mnt_dev = 0;
	mp->mnt_iosize = SPEC_BSIZE;
	rw_init(&mp->mnt_unmounting, "mntunmnt");
	mutex_init(&mp->mnt_lock, MUTEX_DEFAULT, "mntlock");
	mutex_init(&mp->mnt_renamelock, MUTEX_DEFAULT, "mntrename");
	strlcpy(mp->mnt_fstype, "spec", sizeof(mp->mnt_fstype));
	strlcpy(mp->mnt_source, "spec", sizeof(mp->mnt_source));
	spec_mount = mp;
	mutex_enter(&mountlist_lock);
	mp->mnt_next = mountlist;
	mountlist = mp;
	mutex_exit(&mountlist_lock);
}
