/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_rootfs.c: "rootfs", the read-only empty root directory.
 *
 * Mounted by the VFS component at RUMP_COMPONENT_VFS so that "/" always
 * exists.  It has one vnode, a directory with "." and "..", and nothing
 * else: nothing can be created in it, but file systems can be mounted on
 * it.  If tmpfs is linked in, it replaces this root at
 * RUMP_COMPONENT_VFS_ROOT (vfs_init.c).
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/callout.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"

static const uint32_t rootfs_key = 2;

static int
rootfs_lookup(struct vnode *dvp, struct vnode **vpp,
    struct componentname *cnp)
{
	if (cnp->cn_flags & CN_ISDOTDOT) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	return (cnp->cn_flags & CN_ISLASTCN) && cnp->cn_nameiop != LOOKUP ?
	    EROFS : ENOENT;
}

static int
rootfs_getattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	vattr_null(va);
	va->va_type = VDIR;
	va->va_mode = 0755;
	va->va_nlink = 2;
	va->va_uid = 0;
	va->va_gid = 0;
	va->va_fsid = vp->v_mount->mnt_dev;
	va->va_fileid = rootfs_key;
	va->va_size = 0;
	va->va_blocksize = PAGE_SIZE;
	va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime =
	    boottime;
	va->va_gen = 1;
	va->va_flags = 0;
	va->va_rdev = 0;
	va->va_bytes = 0;
	return 0;
}

static int
rootfs_emit(struct uio *uio, const char *name, off_t next)
{
	char buf[32];
	struct rump_dirent64 *d = (void *)buf;
	size_t nlen = strlen(name);
	size_t reclen = roundup(offsetof(struct rump_dirent64, d_name) +
	    nlen + 1, 8);

	if (uio->uio_resid < reclen)
		return -1;
	memset(buf, 0, sizeof(buf));
	d->d_ino = rootfs_key;
	d->d_off = next;
	d->d_reclen = (uint16_t)reclen;
	d->d_type = DT_DIR;
	memcpy(d->d_name, name, nlen);
	return uiomove(buf, reclen, uio);
}

static int
rootfs_readdir(struct vnode *vp, struct uio *uio, kauth_cred_t cred,
    int *eofflag)
{
	int error = 0;
	off_t next;

	/* uio_offset is the directory cookie: 0 ".", 1 "..", 2 the end. */
	while (uio->uio_offset < 2) {
		next = uio->uio_offset + 1;
		error = rootfs_emit(uio, uio->uio_offset == 0 ? "." : "..",
		    next);
		if (error != 0)
			break;
		uio->uio_offset = next;
	}
	*eofflag = uio->uio_offset >= 2;
	return error < 0 ? 0 : error;
}

static int
rootfs_setattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	return EROFS;
}

static const struct vnodeops rootfs_vnodeops = {
	.vop_fsname = "rootfs",
	.vop_lookup = rootfs_lookup,
	.vop_getattr = rootfs_getattr,
	.vop_setattr = rootfs_setattr,
	.vop_readdir = rootfs_readdir,
};

static int
rootfs_mount(struct mount *mp, const char *source, const char *options,
    kauth_cred_t cred)
{
	mp->mnt_flag |= MNT_RDONLY;
	return 0;
}

static int
rootfs_unmount(struct mount *mp, int flags)
{
	return 0;
}

static int
rootfs_root(struct mount *mp, struct vnode **vpp)
{
	return vcache_get(mp, &rootfs_key, sizeof(rootfs_key), vpp);
}

static int
rootfs_statfs(struct mount *mp, struct rump_statfs *sbp)
{
	sbp->f_type = 0x858458f6;  /* Linux's RAMFS_MAGIC */
	sbp->f_bsize = PAGE_SIZE;
	sbp->f_files = 1;
	return 0;
}

static int
rootfs_sync(struct mount *mp, int waitfor, kauth_cred_t cred)
{
	return 0;
}

static int
rootfs_loadvnode(struct mount *mp, struct vnode *vp, const void *key,
    size_t keylen)
{
	vp->v_type = VDIR;
	vp->v_op = &rootfs_vnodeops;
	vp->v_data = NULL;
	return 0;
}

struct vfsops rootfs_vfsops = {
	.vfs_name = "rootfs",
	.vfs_mount = rootfs_mount,
	.vfs_unmount = rootfs_unmount,
	.vfs_root = rootfs_root,
	.vfs_statfs = rootfs_statfs,
	.vfs_sync = rootfs_sync,
	.vfs_loadvnode = rootfs_loadvnode,
};
