/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_vnops.c: the vnode operations of tmpfs.
 *
 * The VFS calls these through the VOP_* wrappers with the vnode locks
 * that sys/vfs/vnodeops.tab gives for each operation: directory changes
 * run with the directory locked exclusively, lookup and readdir with it
 * locked at least shared, reads with the file locked shared and writes
 * exclusive.  Vnodes handed back through "struct vnode **" come from the
 * vnode cache (tmpfs_vnode_get), referenced and unlocked.
 *
 * Timestamps follow POSIX: creating or removing an entry marks the
 * directory's mtime and ctime, every change of a node's metadata (links,
 * owner, mode, times) its ctime, a change of its data mtime and ctime, and
 * reading (read, readdir, readlink) its atime unless the mount has
 * MNT_NOATIME or the caller IO_NOATIME.
 *
 * Operations the table lets default (open, close, access, ioctl, poll,
 * pathconf, advlock) are left NULL.  Rename is in tmpfs_rename.c.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "fs/tmpfs/tmpfs_impl.h"

#define TMPFS_ALLPERMS 07777

/*
 * The vnode of node, from the vnode cache (loaded through
 * tmpfs_loadvnode() if there is none).  Returns 0 and the vnode referenced
 * and unlocked, or an errno.
 */
int
tmpfs_vnode_get(struct mount *mp, struct tmpfs_node *node, struct vnode **vpp)
{
	return vcache_get(mp, &node->tn_self, sizeof(node->tn_self), vpp);
}

static bool
tmpfs_noatime(struct vnode *vp)
{
	return (atomic_load_relaxed(&vp->v_mount->mnt_flag) & MNT_NOATIME) != 0;
}

static int
tmpfs_lookup(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp)
{
	struct tmpfs_node *dnode = VP_TO_TMPFS_NODE(dvp), *parent;
	struct tmpfs_dirent *de;
	int error;

	*vpp = NULL;
	if (dnode->tn_type != VDIR)
		return ENOTDIR;
	error = vaccess(VDIR, dnode->tn_mode, dnode->tn_uid, dnode->tn_gid,
	    VEXEC, cnp->cn_cred);
	if (error != 0)
		return error;

	if (cnp->cn_namelen == 1 && cnp->cn_nameptr[0] == '.') {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if ((cnp->cn_flags & CN_ISDOTDOT) || (cnp->cn_namelen == 2 &&
	    cnp->cn_nameptr[0] == '.' && cnp->cn_nameptr[1] == '.')) {
		parent = dnode->tn_dir.tdr_parent;
		if (parent == NULL)
			return ENOENT;
		return tmpfs_vnode_get(dvp->v_mount, parent, vpp);
	}
	if (cnp->cn_namelen > NAME_MAX)
		return ENAMETOOLONG;
	de = tmpfs_dir_lookup(dnode, cnp->cn_nameptr, cnp->cn_namelen);
	if (de == NULL)
		return ENOENT;
	return tmpfs_vnode_get(dvp->v_mount, de->td_node, vpp);
}

/* Store a symlink's target in a fresh node.  0, EINVAL or ENOSPC. */
static int
tmpfs_set_target(struct tmpfs_node *node, const char *target)
{
	size_t len;

	if (target == NULL)
		return EINVAL;
	len = strlen(target);

	if (len < TMPFS_SYMLINK_INLINE) {
		node->tn_lnk.tl_target = node->tn_lnk.tl_inline;
	} else {
		node->tn_lnk.tl_target = kmem_alloc(len + 1, KM_NOSLEEP);
		if (node->tn_lnk.tl_target == NULL)
			return ENOSPC;
	}
	memcpy(node->tn_lnk.tl_target, target, len + 1);
	node->tn_size = (off_t)len;
	return 0;
}

/*
 * Make a new file of type vap->va_type called cnp in the directory dvp
 * (locked exclusively): create, mknod, mkdir and symlink (target) all end
 * here.  Returns 0 and the new vnode (referenced, unlocked) in *vpp, or
 * ENOENT, EACCES, EEXIST, EMLINK, ENAMETOOLONG, ENOSPC, EINVAL.
 */
static int
tmpfs_alloc_file(struct vnode *dvp, struct vnode **vpp,
    struct componentname *cnp, struct vattr *vap, const char *target)
{
	struct tmpfs_node *dnode = VP_TO_TMPFS_NODE(dvp), *node;
	struct tmpfs_mount *tmp = VFS_TO_TMPFS(dvp->v_mount);
	kauth_cred_t cred = cnp->cn_cred;
	struct tmpfs_dirent *de;
	enum vtype type = vap->va_type;
	mode_t mode = vap->va_mode & TMPFS_ALLPERMS;
	gid_t gid;
	int error;

	*vpp = NULL;
	if (type == VNON || type == VBAD)
		return EINVAL;
	if (dnode->tn_links == 0)
		return ENOENT;
	if (cnp->cn_namelen > NAME_MAX)
		return ENAMETOOLONG;
	error = vaccess(VDIR, dnode->tn_mode, dnode->tn_uid, dnode->tn_gid,
	    VWRITE | VEXEC, cred);
	if (error != 0)
		return error;
	if (tmpfs_dir_lookup(dnode, cnp->cn_nameptr, cnp->cn_namelen) != NULL)
		return EEXIST;
	if (type == VDIR && dnode->tn_links >= TMPFS_LINK_MAX)
		return EMLINK;

	gid = cred->cr_egid;
	if (dnode->tn_mode & S_ISGID) {
		gid = dnode->tn_gid;
		if (type == VDIR)
			mode |= S_ISGID;
	}
	if (type == VLNK)
		mode = 0777;

	error = tmpfs_dirent_alloc(cnp->cn_nameptr, cnp->cn_namelen, &de);
	if (error != 0)
		return error;
	error = tmpfs_node_alloc(tmp, type, mode, cred->cr_euid, gid,
	    vap->va_rdev, &node);
	if (error != 0)
		goto out_free_de;
	node->tn_links = type == VDIR ? 2 : 1;
	if (type == VDIR)
		node->tn_dir.tdr_parent = dnode;
	if (type == VLNK && (error = tmpfs_set_target(node, target)) != 0)
		goto out_free_node;
	error = tmpfs_vnode_get(dvp->v_mount, node, vpp);
	if (error != 0)
		goto out_free_node;

	tmpfs_dir_attach(dnode, de, node);
	if (type == VDIR)
		dnode->tn_links++;
	tmpfs_update(dnode, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	dvp->v_size = tmpfs_dir_size(dnode);
	return 0;

out_free_node:
	tmpfs_node_free(node);
out_free_de:
	tmpfs_dirent_free(de);
	return error;
}

static int
tmpfs_create(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap)
{
	if (vap->va_type != VREG && vap->va_type != VSOCK)
		return EINVAL;
	return tmpfs_alloc_file(dvp, vpp, cnp, vap, NULL);
}

static int
tmpfs_mknod(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap)
{
	switch (vap->va_type) {
	case VREG: case VCHR: case VBLK: case VFIFO: case VSOCK:
		return tmpfs_alloc_file(dvp, vpp, cnp, vap, NULL);
	default:
		return EINVAL;
	}
}

static int
tmpfs_mkdir(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap)
{
	vap->va_type = VDIR;
	return tmpfs_alloc_file(dvp, vpp, cnp, vap, NULL);
}

static int
tmpfs_symlink(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap, const char *target)
{
	vap->va_type = VLNK;
	return tmpfs_alloc_file(dvp, vpp, cnp, vap, target);
}

/*
 * The entry called cnp in dnode, checked to name node and to be
 * removable by the caller.  0 and the entry in *dep, ENOENT, EACCES or
 * EPERM.
 */
static int
tmpfs_entry_for(struct tmpfs_node *dnode, struct tmpfs_node *node,
    struct componentname *cnp, struct tmpfs_dirent **dep)
{
	struct tmpfs_dirent *de;

	de = tmpfs_dir_lookup(dnode, cnp->cn_nameptr, cnp->cn_namelen);
	if (de == NULL || de->td_node != node)
		return ENOENT;
	*dep = de;
	return tmpfs_can_delete(dnode, node, cnp->cn_cred);
}

static int
tmpfs_remove(struct vnode *dvp, struct vnode *vp, struct componentname *cnp)
{
	struct tmpfs_node *dnode = VP_TO_TMPFS_NODE(dvp);
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	struct tmpfs_dirent *de;
	int error;

	if (node->tn_type == VDIR)
		return EISDIR;
	error = tmpfs_entry_for(dnode, node, cnp, &de);
	if (error != 0)
		return error;
	tmpfs_dir_detach(dnode, de);
	tmpfs_dirent_free(de);
	KASSERT(node->tn_links > 0);
	node->tn_links--;
	tmpfs_update(node, TMPFS_UPD_CTIME);
	tmpfs_update(dnode, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	dvp->v_size = tmpfs_dir_size(dnode);
	return 0;
}

static int
tmpfs_rmdir(struct vnode *dvp, struct vnode *vp, struct componentname *cnp)
{
	struct tmpfs_node *dnode = VP_TO_TMPFS_NODE(dvp);
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	struct tmpfs_dirent *de;
	int error;

	if (node->tn_type != VDIR)
		return ENOTDIR;
	if (node == dnode)
		return EINVAL;
	error = tmpfs_entry_for(dnode, node, cnp, &de);
	if (error != 0)
		return error;
	if (node->tn_dir.tdr_count != 0)
		return ENOTEMPTY;
	tmpfs_dir_detach(dnode, de);
	tmpfs_dirent_free(de);
	node->tn_links = 0;
	node->tn_dir.tdr_parent = NULL;
	KASSERT(dnode->tn_links > 2);
	dnode->tn_links--;
	tmpfs_update(node, TMPFS_UPD_CTIME);
	tmpfs_update(dnode, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	dvp->v_size = tmpfs_dir_size(dnode);
	vp->v_size = tmpfs_dir_size(node);
	return 0;
}

static int
tmpfs_link(struct vnode *dvp, struct vnode *vp, struct componentname *cnp)
{
	struct tmpfs_node *dnode = VP_TO_TMPFS_NODE(dvp);
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	struct tmpfs_dirent *de;
	int error;

	if (node->tn_type == VDIR)
		return EPERM;
	if (dvp->v_mount != vp->v_mount)
		return EXDEV;
	if (node->tn_links == 0 || dnode->tn_links == 0)
		return ENOENT;
	if (node->tn_links >= TMPFS_LINK_MAX)
		return EMLINK;
	if (cnp->cn_namelen > NAME_MAX)
		return ENAMETOOLONG;
	error = vaccess(VDIR, dnode->tn_mode, dnode->tn_uid, dnode->tn_gid,
	    VWRITE | VEXEC, cnp->cn_cred);
	if (error != 0)
		return error;
	if (tmpfs_dir_lookup(dnode, cnp->cn_nameptr, cnp->cn_namelen) != NULL)
		return EEXIST;
	error = tmpfs_dirent_alloc(cnp->cn_nameptr, cnp->cn_namelen, &de);
	if (error != 0)
		return error;
	tmpfs_dir_attach(dnode, de, node);
	node->tn_links++;
	tmpfs_update(node, TMPFS_UPD_CTIME);
	tmpfs_update(dnode, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	dvp->v_size = tmpfs_dir_size(dnode);
	return 0;
}

static int
tmpfs_getattr(struct vnode *vp, struct vattr *vap, kauth_cred_t cred)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);

	memset(vap, 0, sizeof(*vap));
	vap->va_type = node->tn_type;
	vap->va_mode = node->tn_mode;
	vap->va_nlink = node->tn_links;
	vap->va_uid = node->tn_uid;
	vap->va_gid = node->tn_gid;
	vap->va_fsid = vp->v_mount->mnt_dev;
	vap->va_fileid = node->tn_id;
	vap->va_size = node->tn_type == VDIR ? tmpfs_dir_size(node) :
	    node->tn_size;
	vap->va_blocksize = PAGE_SIZE;
	mutex_enter(&node->tn_lock);
	vap->va_atime = node->tn_atime;
	mutex_exit(&node->tn_lock);
	vap->va_mtime = node->tn_mtime;
	vap->va_ctime = node->tn_ctime;
	vap->va_birthtime = node->tn_birthtime;
	vap->va_gen = node->tn_gen;
	vap->va_flags = 0;
	vap->va_rdev = node->tn_rdev == NODEV ? 0 : node->tn_rdev;
	vap->va_bytes = node->tn_type == VREG ?
	    node->tn_reg.tr_npages * PAGE_SIZE : 0;
	return 0;
}

/* Is the caller the owner of node, or root? */
static bool
tmpfs_owner(struct tmpfs_node *node, kauth_cred_t cred)
{
	return kauth_cred_issuser(cred) || cred->cr_euid == node->tn_uid;
}

/* chown: only root gives files away; an owner may pick one of its groups. */
static int
tmpfs_chown(struct tmpfs_node *node, uid_t uid, gid_t gid, kauth_cred_t cred)
{
	if (uid == (uid_t)VNOVAL)
		uid = node->tn_uid;
	if (gid == (gid_t)VNOVAL)
		gid = node->tn_gid;
	if (!kauth_cred_issuser(cred)) {
		if (cred->cr_euid != node->tn_uid || uid != node->tn_uid)
			return EPERM;
		if (gid != node->tn_gid && !kauth_cred_groupmember(cred, gid))
			return EPERM;
	}
	node->tn_uid = uid;
	node->tn_gid = gid;
	if (node->tn_type != VDIR) {
		node->tn_mode &= ~S_ISUID;
		if (node->tn_mode & S_IXGRP)
			node->tn_mode &= ~S_ISGID;
	}
	return 0;
}

static int
tmpfs_chmod(struct tmpfs_node *node, mode_t mode, kauth_cred_t cred)
{
	if (!tmpfs_owner(node, cred))
		return EPERM;
	mode &= TMPFS_ALLPERMS;
	if (!kauth_cred_issuser(cred) && (mode & S_ISGID) &&
	    !kauth_cred_groupmember(cred, node->tn_gid))
		mode &= ~S_ISGID;
	node->tn_mode = mode;
	return 0;
}

/* Set one timestamp from a utimensat value (UTIME_NOW, UTIME_OMIT). */
static void
tmpfs_settime(struct rump_timespec *dst, const struct rump_timespec *src)
{
	if (src->tv_sec == VNOVAL || src->tv_nsec == UTIME_OMIT)
		return;
	if (src->tv_nsec == UTIME_NOW)
		tmpfs_now(dst);
	else
		*dst = *src;
}

static int
tmpfs_utimes(struct vnode *vp, struct tmpfs_node *node, struct vattr *vap,
    kauth_cred_t cred)
{
	int error;

	if (!tmpfs_owner(node, cred)) {
		if ((vap->va_vaflags & VA_UTIMES_NULL) == 0)
			return EPERM;
		error = vaccess(node->tn_type, node->tn_mode, node->tn_uid,
		    node->tn_gid, VWRITE, cred);
		if (error != 0)
			return error;
	}
	mutex_enter(&node->tn_lock);
	tmpfs_settime(&node->tn_atime, &vap->va_atime);
	mutex_exit(&node->tn_lock);
	tmpfs_settime(&node->tn_mtime, &vap->va_mtime);
	return 0;
}

static int
tmpfs_setattr(struct vnode *vp, struct vattr *vap, kauth_cred_t cred)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	int error = 0;

	if (vp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if (vap->va_size != VNOVAL) {
		if (node->tn_type == VDIR)
			return EISDIR;
		if (node->tn_type == VREG) {
			error = tmpfs_mem_truncate(node, vap->va_size);
			if (error != 0)
				return error;
			vp->v_size = node->tn_size;
			tmpfs_update(node, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
		}
	}
	if (vap->va_uid != (uid_t)VNOVAL || vap->va_gid != (gid_t)VNOVAL) {
		error = tmpfs_chown(node, vap->va_uid, vap->va_gid, cred);
		if (error != 0)
			return error;
		tmpfs_update(node, TMPFS_UPD_CTIME);
	}
	if (vap->va_mode != (mode_t)VNOVAL) {
		error = tmpfs_chmod(node, vap->va_mode, cred);
		if (error != 0)
			return error;
		tmpfs_update(node, TMPFS_UPD_CTIME);
	}
	if (vap->va_atime.tv_sec != VNOVAL || vap->va_mtime.tv_sec != VNOVAL) {
		error = tmpfs_utimes(vp, node, vap, cred);
		if (error != 0)
			return error;
		tmpfs_update(node, TMPFS_UPD_CTIME);
	}
	return 0;
}

static int
tmpfs_read(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	int error;

	if (node->tn_type == VDIR)
		return EISDIR;
	if (node->tn_type != VREG)
		return EOPNOTSUPP;
	error = tmpfs_mem_read(node, uio);
	if (error == 0 && !(ioflag & IO_NOATIME) && !tmpfs_noatime(vp))
		tmpfs_update(node, TMPFS_UPD_ATIME);
	return error;
}

static int
tmpfs_write(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	size_t resid = uio->uio_resid;
	int error;

	if (node->tn_type == VDIR)
		return EISDIR;
	if (node->tn_type != VREG)
		return EOPNOTSUPP;
	if (resid == 0)
		return 0;
	error = tmpfs_mem_write(node, uio, ioflag);
	vp->v_size = node->tn_size;
	if (uio->uio_resid != resid) {
		tmpfs_update(node, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
		if ((node->tn_mode & (S_ISUID | S_ISGID)) &&
		    !kauth_cred_issuser(cred))
			node->tn_mode &= ~(S_ISUID | S_ISGID);
	}
	return error;
}

static int
tmpfs_fallocate(struct vnode *vp, int mode, off_t offset, off_t len)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	int error;

	if (node->tn_type == VDIR)
		return EISDIR;
	if (node->tn_type != VREG)
		return ENODEV;
	error = tmpfs_mem_fallocate(node, mode, offset, len);
	if (error != 0)
		return error;
	vp->v_size = node->tn_size;
	if (mode & FALLOC_FL_PUNCH_HOLE)
		tmpfs_update(node, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	else
		tmpfs_update(node, TMPFS_UPD_CTIME);
	return 0;
}

static int
tmpfs_seekhole(struct vnode *vp, off_t offset, int whence, off_t *resultp)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);

	if (node->tn_type != VREG)
		return EINVAL;
	return tmpfs_mem_seekhole(node, offset, whence, resultp);
}

static int
tmpfs_fsync(struct vnode *vp, kauth_cred_t cred, int flags, off_t start,
    off_t end)
{
	return 0;
}

static int
tmpfs_readdir(struct vnode *vp, struct uio *uio, kauth_cred_t cred,
    int *eofflag)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	int error;

	*eofflag = 0;
	if (node->tn_type != VDIR)
		return ENOTDIR;
	error = tmpfs_dir_readdir(node, uio, eofflag);
	if (error == 0 && !tmpfs_noatime(vp))
		tmpfs_update(node, TMPFS_UPD_ATIME);
	return error;
}

static int
tmpfs_readlink(struct vnode *vp, struct uio *uio, kauth_cred_t cred)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);
	int error;

	if (node->tn_type != VLNK)
		return EINVAL;
	error = uiomove(node->tn_lnk.tl_target,
	    MIN((size_t)node->tn_size, uio->uio_resid), uio);
	if (error == 0 && !tmpfs_noatime(vp))
		tmpfs_update(node, TMPFS_UPD_ATIME);
	return error;
}

/* The last reference is gone: recycle the vnode of an unlinked file now. */
static int
tmpfs_inactive(struct vnode *vp, bool *recyclep)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);

	*recyclep = node->tn_links == 0;
	return 0;
}

/*
 * Detach the node from its vnode; an unlinked node goes with it.  Nobody
 * else can reach the node here: a linked one only through a directory
 * lookup, which waits in vcache_get() for the reclaim to finish; an
 * unlinked one not at all.
 */
static int
tmpfs_reclaim(struct vnode *vp)
{
	struct tmpfs_node *node = VP_TO_TMPFS_NODE(vp);

	mutex_enter(&node->tn_lock);
	KASSERT(node->tn_vnode == vp);
	node->tn_vnode = NULL;
	mutex_exit(&node->tn_lock);
	if (node->tn_links == 0)
		tmpfs_node_free(node);
	return 0;
}

const struct vnodeops tmpfs_vnodeops = {
	.vop_fsname = "tmpfs",
	.vop_lookup = tmpfs_lookup,
	.vop_create = tmpfs_create,
	.vop_mknod = tmpfs_mknod,
	.vop_mkdir = tmpfs_mkdir,
	.vop_symlink = tmpfs_symlink,
	.vop_remove = tmpfs_remove,
	.vop_rmdir = tmpfs_rmdir,
	.vop_link = tmpfs_link,
	.vop_rename = tmpfs_rename,
	.vop_getattr = tmpfs_getattr,
	.vop_setattr = tmpfs_setattr,
	.vop_read = tmpfs_read,
	.vop_write = tmpfs_write,
	.vop_fallocate = tmpfs_fallocate,
	.vop_seekhole = tmpfs_seekhole,
	.vop_fsync = tmpfs_fsync,
	.vop_readdir = tmpfs_readdir,
	.vop_readlink = tmpfs_readlink,
	.vop_inactive = tmpfs_inactive,
	.vop_reclaim = tmpfs_reclaim,
};
