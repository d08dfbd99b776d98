/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_vnops.c: the vnode operations of ext2.
 *
 * The VFS calls these through the VOP_* wrappers with the locks that
 * sys/vfs/vnodeops.tab gives: directory changes with the directory
 * locked exclusively, lookup/readdir/read with at least a shared lock,
 * writes exclusive.  Vnodes handed back through "struct vnode **" come
 * from the vnode cache (ext2_vnode_get), referenced and unlocked.
 *
 * File data moves through the buffer cache one file system block at a
 * time; a block written whole is never read first, a new block written
 * in part is zeroed first.  Reads and writes of at least EXT2_DIRECT_MIN
 * bytes that start on a block boundary go around the cache where the
 * file's blocks follow each other on disk: one device I/O per run,
 * straight from or into the caller's buffer (bio_read_direct, which
 * leaves blocks the cache holds newer than the disk to the cached path;
 * bio_write_direct, which drops the cached copies it overwrites; a run
 * whose direct write fails is written again through the cache, so the
 * error comes from the flush as for any delayed write, and blocks just
 * allocated never show what the disk held before).  Every operation that
 * changes an inode writes it to its inode table block before returning
 * (access times lazily, see ext2fs_inode.c).  An unlinked file is freed
 * when its last reference goes (inactive).
 *
 * Operations left NULL take the table's defaults (open, close, access,
 * poll, pathconf, advlock, seekhole); ioctl is in ext2fs_extent.c.  fallocate allocates zeroed
 * blocks; it cannot keep blocks past the end of a file, punch or zero.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/callout.h"
#include "fs/ext2fs/ext2fs_impl.h"

#define EXT2_ALLPERMS 07777
/* Blocks read ahead on sequential reads. */
#define EXT2_READAHEAD 64
/* Direct I/O: the least worth it, the most in one device I/O. */
#define EXT2_DIRECT_MIN (32 * 1024)
#define EXT2_DIRECT_MAX (4 * 1024 * 1024)

static const uint8_t ext2_zeros[PAGE_SIZE];

bool
ext2_rofs(struct vnode *vp)
{
	return (atomic_load_relaxed(&vp->v_mount->mnt_flag) & MNT_RDONLY) ||
	    atomic_load_relaxed(&VTOE(vp)->en_fs->e2_ronly);
}

bool
ext2_noatime(struct vnode *vp)
{
	return ext2_rofs(vp) ||
	    (atomic_load_relaxed(&vp->v_mount->mnt_flag) & MNT_NOATIME);
}

static mode_t
ext2_perm(struct ext2_node *en)
{
	return ext2_mode(en) & EXT2_ALLPERMS;
}

static int
ext2_access_dir(struct ext2_node *dn, int acc, kauth_cred_t cred)
{
	return vaccess(VDIR, ext2_perm(dn), ext2_uid(dn), ext2_gid(dn), acc,
	    cred);
}

static bool
ext2_immutable(struct ext2_node *en)
{
	return (e2_le32(EDI(en)->i_flags) &
	    (EXT2_IMMUTABLE_FL | EXT2_APPEND_FL)) != 0;
}

int
ext2_can_delete(struct ext2_node *dn, struct ext2_node *en, kauth_cred_t cred)
{
	int error;

	error = ext2_access_dir(dn, VWRITE | VEXEC, cred);
	if (error != 0)
		return error;
	if (ext2_immutable(en) || ext2_immutable(dn))
		return EPERM;
	if ((ext2_mode(dn) & S_ISVTX) == 0 || kauth_cred_issuser(cred))
		return 0;
	if (cred->cr_euid == ext2_uid(dn) || cred->cr_euid == ext2_uid(en))
		return 0;
	return EPERM;
}

static int
ext2_lookup(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp)
{
	struct ext2_node *dn = VTOE(dvp);
	struct ext2_dirloc dl;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	error = ext2_access_dir(dn, VEXEC, cnp->cn_cred);
	if (error != 0)
		return error;
	if (cnp->cn_namelen == 1 && cnp->cn_nameptr[0] == '.') {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (cnp->cn_namelen > EXT2_NAME_MAX)
		return ENAMETOOLONG;
	error = ext2_dir_lookup_index(dn, cnp->cn_nameptr, cnp->cn_namelen,
	    &dl);
	if (error != 0)
		return error;
	if (dl.dl_ino == dn->en_ino) {
		if (dn->en_ino == EXT2_ROOT_INO && cnp->cn_namelen == 2 &&
		    cnp->cn_nameptr[0] == '.' && cnp->cn_nameptr[1] == '.') {
			vref(dvp);
			*vpp = dvp;
			return 0;
		}
		return ext2_corrupt(dn->en_fs, "directory %u names itself",
		    dn->en_ino);
	}
	if (dl.dl_ino == 0)
		return ENOENT;
	return ext2_vnode_get(dvp->v_mount, dl.dl_ino, vpp);
}

/*
 * Write a fresh inode ino: type and permissions from mode, owner, one
 * link (two for a directory), the current times, a new generation.
 */
static int
ext2_inode_init(struct ext2_mount *fs, uint32_t ino, uint16_t mode,
    uint32_t uid, uint32_t gid, dev_t rdev)
{
	struct ext2_node *tmp;
	size_t rawsize = MAX(fs->e2_isize, sizeof(struct ext2_dinode));
	struct ext2_dinode *di;
	struct rump_timespec now;
	struct buf *bp;
	uint32_t g, idx, off;
	uint64_t blk;
	int error;

	tmp = kmem_zalloc(sizeof(*tmp) + rawsize, KM_SLEEP);
	tmp->en_fs = fs;
	tmp->en_ino = ino;
	di = EDI(tmp);
	di->i_mode = e2_le16(mode);
	di->i_links_count = e2_le16((mode & EXT2_IFMT) == EXT2_IFDIR ? 2 : 1);
	di->i_generation = e2_le32(cprng_fast32());
	if (fs->e2_isize > EXT2_GOOD_OLD_INODE_SIZE)
		di->i_extra_isize = e2_le16(MIN(EXT2_EXTRA_ISIZE,
		    fs->e2_isize - EXT2_GOOD_OLD_INODE_SIZE));
	ext2_set_owner(tmp, uid, gid);
	getnanotime(&now);
	ext2_settime(tmp, EXT2_UPD_ATIME, &now);
	ext2_settime(tmp, EXT2_UPD_MTIME, &now);
	ext2_settime(tmp, EXT2_UPD_CTIME, &now);
	if (fs->e2_isize >= 0x98) {
		di->i_crtime = e2_le32((uint32_t)now.tv_sec);
		di->i_crtime_extra = e2_le32((uint32_t)now.tv_nsec << 2);
	}
	if ((mode & EXT2_IFMT) == EXT2_IFCHR || (mode & EXT2_IFMT) == EXT2_IFBLK)
		ext2_set_rdev(tmp, rdev);

	g = (ino - 1) / fs->e2_ipg;
	idx = (ino - 1) % fs->e2_ipg;
	blk = ext2_gd_inode_table(fs, g) + idx / fs->e2_ipb;
	off = (idx % fs->e2_ipb) * fs->e2_isize;
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs, blk), fs->e2_bsize, 0,
	    &bp);
	if (error == 0) {
		memcpy((uint8_t *)bp->b_data + off, tmp->en_raw, fs->e2_isize);
		if (fs->e2_mount->mnt_flag & MNT_SYNCHRONOUS)
			error = bwrite(bp);
		else
			bdwrite(bp);
	}
	kmem_free(tmp, sizeof(*tmp) + rawsize);
	return error;
}

/*
 * The bitmap gave us inode ino: is it really free?  A vnode of it, or an
 * inode in use in the table, means the bitmap is corrupt (EUCLEAN).
 */
static int
ext2_inode_isfree(struct mount *mp, struct ext2_mount *fs, uint32_t ino)
{
	struct ext2_dinode *di;
	struct vnode *vp;
	uint8_t *raw;
	size_t rawsize = MAX(fs->e2_isize, sizeof(struct ext2_dinode));
	int error;

	if (vcache_lookup(mp, &ino, sizeof(ino), &vp) == 0) {
		vrele(vp);
		return ext2_corrupt(fs, "inode %u in use but free in the "
		    "bitmap", ino);
	}
	raw = kmem_zalloc(rawsize, KM_SLEEP);
	error = ext2_inode_read(fs, ino, raw);
	di = (struct ext2_dinode *)(void *)raw;
	if (error == 0 && e2_le16(di->i_links_count) != 0 &&
	    e2_le32(di->i_dtime) == 0)
		error = ext2_corrupt(fs, "inode %u in use but free in the "
		    "bitmap", ino);
	kmem_free(raw, rawsize);
	return error;
}

/* Write a symlink target into the fresh, locked node en. */
static int
ext2_set_target(struct ext2_node *en, const char *target)
{
	struct ext2_mount *fs = en->en_fs;
	size_t len = strlen(target);
	struct buf *bp;
	uint64_t b;
	bool isnew;
	int error;

	if (len < EXT2_FAST_SYMLINK_MAX) {
		memcpy(EDI(en)->i_block, target, len);
	} else {
		error = ext2_bmap_alloc(en, 0, &b, &isnew);
		if (error != 0)
			return error;
		bp = getblk(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0);
		memset(bp->b_data, 0, fs->e2_bsize);
		memcpy(bp->b_data, target, len);
		bdwrite(bp);
	}
	ext2_set_size(en, len);
	return 0;
}

/*
 * Make a new file of type vap->va_type called cnp in the directory dvp
 * (locked exclusively).  0 and the new vnode (referenced, unlocked).
 */
static int
ext2_makefile(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap, const char *target)
{
	struct ext2_node *dn = VTOE(dvp), *en;
	struct ext2_mount *fs = dn->en_fs;
	kauth_cred_t cred = cnp->cn_cred;
	struct ext2_dirloc dl;
	enum vtype type = vap->va_type;
	mode_t mode = vap->va_mode & EXT2_ALLPERMS;
	struct vnode *vp;
	uint32_t ino, gid;
	bool isdir = type == VDIR;
	int error;

	*vpp = NULL;
	if (type == VNON || type == VBAD)
		return EINVAL;
	if (ext2_rofs(dvp))
		return EROFS;
	if (ext2_nlink(dn) == 0)
		return ENOENT;
	if (cnp->cn_namelen > EXT2_NAME_MAX)
		return ENAMETOOLONG;
	if (type == VLNK && (target == NULL ||
	    strlen(target) >= fs->e2_bsize))
		return target == NULL ? EINVAL : ENAMETOOLONG;
	error = ext2_access_dir(dn, VWRITE | VEXEC, cred);
	if (error != 0)
		return error;
	if (ext2_immutable(dn))
		return EPERM;
	error = ext2_dir_lookup(dn, cnp->cn_nameptr, cnp->cn_namelen, &dl);
	if (error == 0)
		return EEXIST;
	if (error != ENOENT)
		return error;
	if (isdir && ext2_nlink(dn) >= EXT2_LINK_MAX)
		return EMLINK;

	gid = cred->cr_egid;
	if (ext2_mode(dn) & S_ISGID) {
		gid = ext2_gid(dn);
		if (isdir)
			mode |= S_ISGID;
	}
	if (type == VLNK)
		mode = 0777;

	error = ext2_ialloc(fs, dn->en_ino, isdir, &ino);
	if (error != 0)
		return error;
	error = ext2_inode_isfree(dvp->v_mount, fs, ino);
	if (error != 0)
		return error;	/* the bit stays set: the inode is in use */
	error = ext2_inode_init(fs, ino, (uint16_t)(vttoif(type) | mode),
	    cred->cr_euid, gid, vap->va_rdev);
	if (error != 0) {
		ext2_ifree(fs, ino, isdir);
		return error;
	}
	error = ext2_vnode_get(dvp->v_mount, ino, &vp);
	if (error != 0) {
		ext2_ifree(fs, ino, isdir);
		return error;
	}
	en = VTOE(vp);
	vn_lock(vp, LK_EXCLUSIVE);
	if (isdir)
		error = ext2_dir_init(en, dn->en_ino);
	else if (type == VLNK)
		error = ext2_set_target(en, target);
	if (error == 0)
		error = ext2_inode_write(en);
	if (error == 0)
		error = ext2_dir_add(dn, cnp->cn_nameptr, cnp->cn_namelen, ino,
		    ext2_ftype(fs, ext2_mode(en)));
	if (error != 0) {
		/* Undo: the inode goes when its vnode is released. */
		ext2_set_nlink(en, 0);
		vput(vp);
		return error;
	}
	vn_unlock(vp);
	if (isdir)
		ext2_set_nlink(dn, ext2_nlink(dn) + 1);
	ext2_update(dn, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
	error = ext2_inode_write(dn);
	*vpp = vp;
	return error;
}

static int
ext2_create(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap)
{
	if (vap->va_type != VREG && vap->va_type != VSOCK)
		return EINVAL;
	return ext2_makefile(dvp, vpp, cnp, vap, NULL);
}

static int
ext2_mknod(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap)
{
	switch (vap->va_type) {
	case VREG: case VCHR: case VBLK: case VFIFO: case VSOCK:
		return ext2_makefile(dvp, vpp, cnp, vap, NULL);
	default:
		return EINVAL;
	}
}

static int
ext2_mkdir(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap)
{
	vap->va_type = VDIR;
	return ext2_makefile(dvp, vpp, cnp, vap, NULL);
}

static int
ext2_symlink(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp,
    struct vattr *vap, const char *target)
{
	vap->va_type = VLNK;
	return ext2_makefile(dvp, vpp, cnp, vap, target);
}

/* The entry cnp in dn, checked to name en and to be removable. */
static int
ext2_entry_for(struct ext2_node *dn, struct ext2_node *en,
    struct componentname *cnp, struct ext2_dirloc *dl)
{
	int error;

	error = ext2_dir_lookup(dn, cnp->cn_nameptr, cnp->cn_namelen, dl);
	if (error != 0)
		return error;
	if (dl->dl_ino != en->en_ino)
		return ENOENT;
	return ext2_can_delete(dn, en, cnp->cn_cred);
}

static int
ext2_remove(struct vnode *dvp, struct vnode *vp, struct componentname *cnp)
{
	struct ext2_node *dn = VTOE(dvp), *en = VTOE(vp);
	struct ext2_dirloc dl;
	int error;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (ext2_rofs(dvp))
		return EROFS;
	error = ext2_entry_for(dn, en, cnp, &dl);
	if (error != 0)
		return error;
	error = ext2_dir_remove(dn, &dl);
	if (error != 0)
		return error;
	if (ext2_nlink(en) > 0)
		ext2_set_nlink(en, ext2_nlink(en) - 1);
	ext2_update(en, EXT2_UPD_CTIME);
	ext2_update(dn, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
	error = ext2_inode_write(en);
	if (error == 0)
		error = ext2_inode_write(dn);
	return error;
}

static int
ext2_rmdir(struct vnode *dvp, struct vnode *vp, struct componentname *cnp)
{
	struct ext2_node *dn = VTOE(dvp), *en = VTOE(vp);
	struct ext2_dirloc dl;
	bool empty;
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (dvp == vp)
		return EINVAL;
	if (ext2_rofs(dvp))
		return EROFS;
	error = ext2_entry_for(dn, en, cnp, &dl);
	if (error != 0)
		return error;
	error = ext2_dir_isempty(en, &empty);
	if (error != 0)
		return error;
	if (!empty)
		return ENOTEMPTY;
	error = ext2_dir_remove(dn, &dl);
	if (error != 0)
		return error;
	ext2_set_nlink(en, 0);
	if (ext2_nlink(dn) > 2)
		ext2_set_nlink(dn, ext2_nlink(dn) - 1);
	ext2_update(en, EXT2_UPD_CTIME);
	ext2_update(dn, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
	error = ext2_inode_write(en);
	if (error == 0)
		error = ext2_inode_write(dn);
	return error;
}

static int
ext2_link(struct vnode *dvp, struct vnode *vp, struct componentname *cnp)
{
	struct ext2_node *dn = VTOE(dvp), *en = VTOE(vp);
	struct ext2_dirloc dl;
	int error;

	if (vp->v_type == VDIR)
		return EPERM;
	if (dvp->v_mount != vp->v_mount)
		return EXDEV;
	if (ext2_rofs(dvp))
		return EROFS;
	if (ext2_nlink(en) == 0 || ext2_nlink(dn) == 0)
		return ENOENT;
	if (ext2_nlink(en) >= EXT2_LINK_MAX)
		return EMLINK;
	if (cnp->cn_namelen > EXT2_NAME_MAX)
		return ENAMETOOLONG;
	if (ext2_immutable(en))
		return EPERM;
	error = ext2_access_dir(dn, VWRITE | VEXEC, cnp->cn_cred);
	if (error != 0)
		return error;
	error = ext2_dir_lookup(dn, cnp->cn_nameptr, cnp->cn_namelen, &dl);
	if (error == 0)
		return EEXIST;
	if (error != ENOENT)
		return error;
	ext2_set_nlink(en, ext2_nlink(en) + 1);
	ext2_update(en, EXT2_UPD_CTIME);
	error = ext2_inode_write(en);
	if (error != 0)
		return error;
	error = ext2_dir_add(dn, cnp->cn_nameptr, cnp->cn_namelen, en->en_ino,
	    ext2_ftype(dn->en_fs, ext2_mode(en)));
	if (error != 0) {
		ext2_set_nlink(en, ext2_nlink(en) - 1);
		ext2_inode_write(en);
		return error;
	}
	ext2_update(dn, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
	return ext2_inode_write(dn);
}

static int
ext2_getattr(struct vnode *vp, struct vattr *vap, kauth_cred_t cred)
{
	struct ext2_node *en = VTOE(vp);
	struct ext2_dinode *di = EDI(en);

	memset(vap, 0, sizeof(*vap));
	vap->va_type = vp->v_type;
	vap->va_mode = ext2_perm(en);
	vap->va_nlink = ext2_nlink(en);
	if (vap->va_nlink == 1 && vp->v_type == VDIR &&
	    (en->en_fs->e2_rocompat & EXT2_FRO_DIR_NLINK))
		vap->va_nlink = 1;
	vap->va_uid = ext2_uid(en);
	vap->va_gid = ext2_gid(en);
	vap->va_fsid = vp->v_mount->mnt_dev;
	vap->va_fileid = en->en_ino;
	vap->va_size = (off_t)ext2_size(en);
	vap->va_blocksize = en->en_fs->e2_bsize;
	mutex_enter(&en->en_lock);
	ext2_gettime(en, EXT2_UPD_ATIME, &vap->va_atime);
	mutex_exit(&en->en_lock);
	ext2_gettime(en, EXT2_UPD_MTIME, &vap->va_mtime);
	ext2_gettime(en, EXT2_UPD_CTIME, &vap->va_ctime);
	if (en->en_fs->e2_isize >= 0x98 &&
	    e2_le16(di->i_extra_isize) >= 0x98 - EXT2_GOOD_OLD_INODE_SIZE) {
		vap->va_birthtime.tv_sec = e2_le32(di->i_crtime);
		vap->va_birthtime.tv_nsec = (e2_le32(di->i_crtime_extra) >> 2) %
		    1000000000;
	}
	vap->va_gen = e2_le32(di->i_generation);
	vap->va_flags = 0;
	if (vp->v_type == VCHR || vp->v_type == VBLK)
		vap->va_rdev = ext2_rdev(en);
	vap->va_bytes = ext2_nblocks512(en) * 512;
	return 0;
}

static bool
ext2_owner(struct ext2_node *en, kauth_cred_t cred)
{
	return kauth_cred_issuser(cred) || cred->cr_euid == ext2_uid(en);
}

static int
ext2_chown(struct ext2_node *en, uid_t uid, gid_t gid, kauth_cred_t cred)
{
	uint16_t mode = ext2_mode(en);

	if (uid == (uid_t)VNOVAL)
		uid = ext2_uid(en);
	if (gid == (gid_t)VNOVAL)
		gid = ext2_gid(en);
	if (!kauth_cred_issuser(cred)) {
		if (cred->cr_euid != ext2_uid(en) || uid != ext2_uid(en))
			return EPERM;
		if (gid != ext2_gid(en) && !kauth_cred_groupmember(cred, gid))
			return EPERM;
	}
	ext2_set_owner(en, uid, gid);
	if ((mode & EXT2_IFMT) != EXT2_IFDIR) {
		mode &= (uint16_t)~S_ISUID;
		if (mode & S_IXGRP)
			mode &= (uint16_t)~S_ISGID;
		EDI(en)->i_mode = e2_le16(mode);
	}
	return 0;
}

static int
ext2_chmod(struct ext2_node *en, mode_t mode, kauth_cred_t cred)
{
	if (!ext2_owner(en, cred))
		return EPERM;
	mode &= EXT2_ALLPERMS;
	if (!kauth_cred_issuser(cred) && (mode & S_ISGID) &&
	    !kauth_cred_groupmember(cred, ext2_gid(en)))
		mode &= ~S_ISGID;
	EDI(en)->i_mode = e2_le16((ext2_mode(en) & EXT2_IFMT) | mode);
	return 0;
}

static void
ext2_settime_va(struct ext2_node *en, int which,
    const struct rump_timespec *src)
{
	struct rump_timespec ts;

	if (src->tv_sec == VNOVAL || src->tv_nsec == UTIME_OMIT)
		return;
	if (src->tv_nsec == UTIME_NOW)
		getnanotime(&ts);
	else
		ts = *src;
	mutex_enter(&en->en_lock);
	ext2_settime(en, which, &ts);
	mutex_exit(&en->en_lock);
}

static int
ext2_utimes(struct ext2_node *en, struct vattr *vap, kauth_cred_t cred)
{
	int error;

	if (!ext2_owner(en, cred)) {
		if ((vap->va_vaflags & VA_UTIMES_NULL) == 0)
			return EPERM;
		error = vaccess(ext2_vtype(ext2_mode(en)), ext2_perm(en),
		    ext2_uid(en), ext2_gid(en), VWRITE, cred);
		if (error != 0)
			return error;
	}
	ext2_settime_va(en, EXT2_UPD_ATIME, &vap->va_atime);
	ext2_settime_va(en, EXT2_UPD_MTIME, &vap->va_mtime);
	return 0;
}

static int
ext2_setattr(struct vnode *vp, struct vattr *vap, kauth_cred_t cred)
{
	struct ext2_node *en = VTOE(vp);
	int error = 0;

	if (ext2_rofs(vp))
		return EROFS;
	if (vap->va_size != VNOVAL) {
		if (vp->v_type == VDIR)
			return EISDIR;
		if (vp->v_type == VREG) {
			if (ext2_immutable(en))
				return EPERM;
			error = ext2_truncate(en, (uint64_t)vap->va_size);
			if (error != 0)
				return error;
			ext2_update(en, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
		}
	}
	if (vap->va_uid != (uid_t)VNOVAL || vap->va_gid != (gid_t)VNOVAL) {
		error = ext2_chown(en, vap->va_uid, vap->va_gid, cred);
		if (error != 0)
			goto out;
		ext2_update(en, EXT2_UPD_CTIME);
	}
	if (vap->va_mode != (mode_t)VNOVAL) {
		error = ext2_chmod(en, vap->va_mode, cred);
		if (error != 0)
			goto out;
		ext2_update(en, EXT2_UPD_CTIME);
	}
	if (vap->va_atime.tv_sec != VNOVAL || vap->va_mtime.tv_sec != VNOVAL) {
		error = ext2_utimes(en, vap, cred);
		if (error != 0)
			goto out;
		ext2_update(en, EXT2_UPD_CTIME);
	}
out:
	if (error == 0)
		error = ext2_inode_write(en);
	else
		ext2_inode_write(en);
	return error;
}

/* Start reading the blocks after lbn (at phys) that follow on disk. */
static void
ext2_readahead(struct ext2_node *en, uint64_t lbn, uint64_t phys,
    uint64_t lastlbn)
{
	struct ext2_mount *fs = en->en_fs;
	uint64_t b;
	int n;

	for (n = 0; n < EXT2_READAHEAD && lbn + 1 + n <= lastlbn; n++) {
		if (ext2_bmap(en, lbn + 1 + n, &b, NULL) != 0 ||
		    b != phys + 1 + n)
			break;
	}
	if (n > 0)
		breada(fs->e2_devvp, ext2_fsbtodb(fs, phys + 1), fs->e2_bsize,
		    n);
}

static int
ext2_uiozero(size_t n, struct uio *uio)
{
	size_t c;
	int error = 0;

	while (n > 0 && error == 0) {
		c = MIN(n, sizeof(ext2_zeros));
		error = uiomove((void *)(uintptr_t)ext2_zeros, c, uio);
		n -= c;
	}
	return error;
}

/*
 * Read around the cache from lbn (at phys, block aligned, not a hole):
 * the run of blocks following phys on disk, up to what is left of the
 * file and of the current segment of uio.  0 with *donep bytes moved
 * (0: too short for a direct read, or the cache holds the first block
 * newer than the disk: read it through the cache), or an errno.
 */
static int
ext2_read_direct(struct ext2_node *en, struct uio *uio, uint64_t lbn,
    uint64_t phys, uint64_t size, size_t *donep)
{
	struct ext2_mount *fs = en->en_fs;
	struct rump_iovec *iov = uio->uio_iov;
	uint64_t want, b, i, nblk;
	uintptr_t base = (uintptr_t)iov->iov_base;
	size_t done;
	int error;

	*donep = 0;
	want = MIN(MIN((uint64_t)iov->iov_len, (uint64_t)uio->uio_resid),
	    MIN(size - (uint64_t)uio->uio_offset, EXT2_DIRECT_MAX));
	if (want < EXT2_DIRECT_MIN)
		return 0;
	/* What copyout() would refuse goes to it, for its EFAULT. */
	if (uio->uio_seg == UIO_USERSPACE &&
	    (base < PAGE_SIZE || base + want < base))
		return 0;
	nblk = (want + fs->e2_bsize - 1) >> fs->e2_bshift;
	for (i = 1; i < nblk; i++)
		if (ext2_bmap(en, lbn + i, &b, NULL) != 0 || b != phys + i)
			break;
	want = MIN(want, i << fs->e2_bshift);
	if (want < EXT2_DIRECT_MIN)
		return 0;
	error = bio_read_direct(fs->e2_devvp, ext2_fsbtodb(fs, phys),
	    fs->e2_bsize, iov->iov_base, (size_t)want, &done);
	if (error == EAGAIN)
		return 0;
	if (error != 0)
		return error;
	iov->iov_base = (char *)iov->iov_base + done;
	iov->iov_len -= done;
	uio->uio_resid -= done;
	uio->uio_offset += (off_t)done;
	*donep = done;
	return 0;
}

static int
ext2_read(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct ext2_node *en = VTOE(vp);
	struct ext2_mount *fs = en->en_fs;
	uint64_t size = ext2_size(en), off, lbn, phys, next;
	uint32_t boff, n;
	struct buf *bp;
	size_t done;
	int error = 0;
	bool seq;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (uio->uio_offset < 0)
		return EINVAL;
	while (uio->uio_resid > 0 && (uint64_t)uio->uio_offset < size) {
		off = (uint64_t)uio->uio_offset;
		lbn = off >> fs->e2_bshift;
		boff = (uint32_t)(off & (fs->e2_bsize - 1));
		n = (uint32_t)MIN((uint64_t)(fs->e2_bsize - boff),
		    MIN((uint64_t)uio->uio_resid, size - off));
		error = ext2_bmap(en, lbn, &phys, NULL);
		if (error != 0)
			break;
		if (phys == 0) {
			error = ext2_uiozero(n, uio);
			if (error != 0)
				break;
			continue;
		}
		if (boff == 0 && uio->uio_iovcnt > 0) {
			error = ext2_read_direct(en, uio, lbn, phys, size,
			    &done);
			if (error != 0)
				break;
			if (done > 0) {
				mutex_enter(&en->en_lock);
				en->en_lastread = lbn + ((done +
				    fs->e2_bsize - 1) >> fs->e2_bshift);
				mutex_exit(&en->en_lock);
				continue;
			}
		}
		mutex_enter(&en->en_lock);
		next = en->en_lastread;
		en->en_lastread = lbn + 1;
		mutex_exit(&en->en_lock);
		seq = next == lbn || lbn == 0;
		if (seq && lbn % EXT2_READAHEAD == 0)
			ext2_readahead(en, lbn, phys, (size - 1) >> fs->e2_bshift);
		error = bread(fs->e2_devvp, ext2_fsbtodb(fs, phys),
		    fs->e2_bsize, 0, &bp);
		if (error != 0)
			break;
		error = uiomove((uint8_t *)bp->b_data + boff, n, uio);
		brelse(bp, 0);
		if (error != 0)
			break;
	}
	if (error == 0 && !(ioflag & IO_NOATIME) && !ext2_noatime(vp))
		ext2_update(en, EXT2_UPD_ATIME);
	return error;
}

/*
 * Write around the cache from lbn (block aligned, already mapped to phys):
 * the whole blocks of the current segment of uio, as far as the blocks
 * allocated for them follow phys on disk.  0 with *donep bytes moved
 * (0: too short for a direct write; the blocks mapped meanwhile are the
 * file's and get written by the cached path), or the device's error
 * (nothing moved: the caller writes the run through the cache).
 * [L] exclusive.
 */
static int
ext2_write_direct(struct ext2_node *en, struct uio *uio, uint64_t lbn,
    uint64_t phys, size_t *donep)
{
	struct ext2_mount *fs = en->en_fs;
	struct rump_iovec *iov = uio->uio_iov;
	uintptr_t base = (uintptr_t)iov->iov_base;
	uint64_t want, b, i, nblk;
	bool isnew;
	int error;

	*donep = 0;
	want = MIN(MIN((uint64_t)iov->iov_len, (uint64_t)uio->uio_resid),
	    EXT2_DIRECT_MAX);
	want &= ~(uint64_t)(fs->e2_bsize - 1);
	if (want < EXT2_DIRECT_MIN)
		return 0;
	if (uio->uio_seg == UIO_USERSPACE &&
	    (base < PAGE_SIZE || base + want < base))
		return 0;
	nblk = want >> fs->e2_bshift;
	/* A failure to map the next block ends the run; the cached path
	 * meets it again and reports it. */
	for (i = 1; i < nblk; i++)
		if (ext2_bmap_alloc(en, lbn + i, &b, &isnew) != 0 ||
		    b != phys + i)
			break;
	want = i << fs->e2_bshift;
	if (want < EXT2_DIRECT_MIN)
		return 0;
	error = bio_write_direct(fs->e2_devvp, ext2_fsbtodb(fs, phys),
	    fs->e2_bsize, iov->iov_base, (size_t)want);
	if (error != 0)
		return error;
	iov->iov_base = (char *)iov->iov_base + want;
	iov->iov_len -= want;
	uio->uio_resid -= want;
	uio->uio_offset += (off_t)want;
	*donep = (size_t)want;
	return 0;
}

static int
ext2_write(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	struct ext2_node *en = VTOE(vp);
	struct ext2_mount *fs = en->en_fs;
	size_t resid = uio->uio_resid, done;
	uint64_t off, lbn, phys;
	uint32_t boff, n;
	struct buf *bp;
	bool isnew, sync, direct = true;
	int error = 0, e;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (ext2_rofs(vp))
		return EROFS;
	if (resid == 0)
		return 0;
	if (ext2_immutable(en) && !((e2_le32(EDI(en)->i_flags) &
	    EXT2_APPEND_FL) && (ioflag & IO_APPEND)))
		return EPERM;
	if (ioflag & IO_APPEND)
		uio->uio_offset = (off_t)ext2_size(en);
	if (uio->uio_offset < 0)
		return EINVAL;
	if ((uint64_t)uio->uio_offset + resid > fs->e2_maxfilesize)
		return EFBIG;
	sync = (ioflag & (IO_SYNC | IO_DSYNC)) ||
	    (vp->v_mount->mnt_flag & MNT_SYNCHRONOUS);

	while (uio->uio_resid > 0) {
		off = (uint64_t)uio->uio_offset;
		lbn = off >> fs->e2_bshift;
		boff = (uint32_t)(off & (fs->e2_bsize - 1));
		n = (uint32_t)MIN((uint64_t)(fs->e2_bsize - boff),
		    (uint64_t)uio->uio_resid);
		error = ext2_bmap_alloc(en, lbn, &phys, &isnew);
		if (error != 0)
			break;
		if (boff == 0 && uio->uio_iovcnt > 0 && direct) {
			/* On a device error, the cache takes it all. */
			if (ext2_write_direct(en, uio, lbn, phys, &done) != 0)
				direct = false;
			if (done > 0) {
				if ((uint64_t)uio->uio_offset > ext2_size(en))
					ext2_set_size(en,
					    (uint64_t)uio->uio_offset);
				continue;
			}
		}
		if (n == fs->e2_bsize || isnew) {
			bp = getblk(fs->e2_devvp, ext2_fsbtodb(fs, phys),
			    fs->e2_bsize, 0);
			if (n != fs->e2_bsize)
				memset(bp->b_data, 0, fs->e2_bsize);
		} else {
			error = bread(fs->e2_devvp, ext2_fsbtodb(fs, phys),
			    fs->e2_bsize, 0, &bp);
			if (error != 0)
				break;
		}
		error = uiomove((uint8_t *)bp->b_data + boff, n, uio);
		if (error != 0 && (n == fs->e2_bsize && !isnew)) {
			/* The old contents are gone from this buffer. */
			brelse(bp, BC_INVAL);
			break;
		}
		if (error != 0 && n == fs->e2_bsize)
			memset(bp->b_data, 0, fs->e2_bsize);
		if (sync) {
			e = bwrite(bp);
			error = error ? error : e;
		} else {
			bdwrite(bp);
		}
		if ((uint64_t)uio->uio_offset > ext2_size(en))
			ext2_set_size(en, (uint64_t)uio->uio_offset);
		if (error != 0)
			break;
	}
	if (uio->uio_resid != resid) {
		ext2_update(en, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
		if ((ext2_mode(en) & (S_ISUID | S_ISGID)) &&
		    !kauth_cred_issuser(cred))
			EDI(en)->i_mode = e2_le16(ext2_mode(en) &
			    ~(S_ISUID | S_ISGID));
	}
	e = ext2_inode_write(en);
	if (error == 0)
		error = e;
	if (error == 0 && sync)
		error = ext2_sync_fs(fs, true);
	if (error != 0 && uio->uio_resid != resid && error != EIO)
		error = 0;
	return error;
}

/*
 * Allocate (zeroed) blocks for [offset, offset + len).  Mode 0 extends the
 * file; FALLOC_FL_KEEP_SIZE only within the size (ext2 keeps no blocks past
 * the end of a file); punching and zeroing ranges are not supported.
 */
static int
ext2_fallocate(struct vnode *vp, int mode, off_t offset, off_t len)
{
	struct ext2_node *en = VTOE(vp);
	struct ext2_mount *fs = en->en_fs;
	uint64_t lbn, last, phys, end = (uint64_t)offset + (uint64_t)len;
	struct buf *bp;
	bool isnew;
	int error = 0, e;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return ENODEV;
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return EOPNOTSUPP;
	if (ext2_rofs(vp))
		return EROFS;
	if ((mode & FALLOC_FL_KEEP_SIZE) && end > ext2_size(en))
		return EOPNOTSUPP;
	if (end > fs->e2_maxfilesize)
		return EFBIG;
	last = (end - 1) >> fs->e2_bshift;
	for (lbn = (uint64_t)offset >> fs->e2_bshift; lbn <= last; lbn++) {
		error = ext2_bmap_alloc(en, lbn, &phys, &isnew);
		if (error != 0)
			break;
		if (!isnew)
			continue;
		bp = getblk(fs->e2_devvp, ext2_fsbtodb(fs, phys), fs->e2_bsize,
		    0);
		memset(bp->b_data, 0, fs->e2_bsize);
		bdwrite(bp);
	}
	if (error == 0 && end > ext2_size(en))
		ext2_set_size(en, end);
	ext2_update(en, EXT2_UPD_CTIME);
	e = ext2_inode_write(en);
	return error ? error : e;
}

static int
ext2_fsync(struct vnode *vp, kauth_cred_t cred, int flags, off_t start,
    off_t end)
{
	struct ext2_node *en = VTOE(vp);
	int error;

	if (ext2_rofs(vp))
		return 0;
	error = ext2_inode_write(en);
	if (error != 0)
		return error;
	return ext2_sync_fs(en->en_fs, (flags & FSYNC_WAIT) != 0);
}

static int
ext2_readdir(struct vnode *vp, struct uio *uio, kauth_cred_t cred,
    int *eofflag)
{
	struct ext2_node *en = VTOE(vp);
	int error;

	*eofflag = 0;
	if (vp->v_type != VDIR)
		return ENOTDIR;
	error = ext2_dir_readdir(en, uio, eofflag);
	if (error == 0 && !ext2_noatime(vp))
		ext2_update(en, EXT2_UPD_ATIME);
	return error;
}

static int
ext2_readlink(struct vnode *vp, struct uio *uio, kauth_cred_t cred)
{
	struct ext2_node *en = VTOE(vp);
	struct ext2_mount *fs = en->en_fs;
	uint64_t size = ext2_size(en);
	struct buf *bp;
	int error;

	if (vp->v_type != VLNK)
		return EINVAL;
	if (size >= fs->e2_bsize || size >= PATH_MAX)
		return ext2_corrupt(fs, "symlink %u: length %llu", en->en_ino,
		    (unsigned long long)size);
	if (ext2_is_fast_symlink(en)) {
		error = uiomove(EDI(en)->i_block, MIN((size_t)size,
		    uio->uio_resid), uio);
	} else {
		error = ext2_blkread(en, 0, &bp);
		if (error != 0)
			return error;
		if (bp == NULL)
			return ext2_corrupt(fs, "symlink %u: no block",
			    en->en_ino);
		error = uiomove(bp->b_data, MIN((size_t)size, uio->uio_resid),
		    uio);
		brelse(bp, 0);
	}
	if (error == 0 && !ext2_noatime(vp))
		ext2_update(en, EXT2_UPD_ATIME);
	return error;
}

/* The last reference is gone: free an unlinked file, write the atime. */
static int
ext2_inactive(struct vnode *vp, bool *recyclep)
{
	struct ext2_node *en = VTOE(vp);
	int error = 0;

	*recyclep = ext2_nlink(en) == 0;
	if (ext2_rofs(vp))
		return 0;
	if (ext2_nlink(en) == 0)
		error = ext2_inode_free(en);
	else if (en->en_flags & EN_ATIME)
		error = ext2_inode_write(en);
	return error;
}

static int
ext2_reclaim(struct vnode *vp)
{
	struct ext2_node *en = VTOE(vp);
	struct ext2_mount *fs = en->en_fs;

	vp->v_data = NULL;
	if (en->en_mc != NULL)
		kmem_free(en->en_mc, fs->e2_bsize);
	mutex_destroy(&en->en_lock);
	kmem_free(en, sizeof(*en) + MAX(fs->e2_isize,
	    sizeof(struct ext2_dinode)));
	return 0;
}

const struct vnodeops ext2fs_vnodeops = {
	.vop_fsname = "ext2fs",
	.vop_lookup = ext2_lookup,
	.vop_create = ext2_create,
	.vop_mknod = ext2_mknod,
	.vop_mkdir = ext2_mkdir,
	.vop_symlink = ext2_symlink,
	.vop_remove = ext2_remove,
	.vop_rmdir = ext2_rmdir,
	.vop_link = ext2_link,
	.vop_rename = ext2_rename,
	.vop_getattr = ext2_getattr,
	.vop_setattr = ext2_setattr,
	.vop_read = ext2_read,
	.vop_write = ext2_write,
	.vop_fallocate = ext2_fallocate,
	.vop_fsync = ext2_fsync,
	.vop_ioctl = ext2_ioctl,
	.vop_readdir = ext2_readdir,
	.vop_readlink = ext2_readlink,
	.vop_inactive = ext2_inactive,
	.vop_reclaim = ext2_reclaim,
};
