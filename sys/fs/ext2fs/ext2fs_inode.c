/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_inode.c: inodes of ext2: finding them in the inode tables,
 * reading, checking and writing them, the accessors of their fields
 * (split 16/32-bit halves, nanosecond extra fields of large inodes,
 * device numbers) and freeing an inode whose last link and reference
 * are gone.
 *
 * A node keeps the raw on-disk inode; ext2_inode_write() copies it into
 * the inode table block in the buffer cache (a delayed write, or a
 * synchronous one on a "sync" mount).  Callers hold the vnode lock
 * exclusively for every change but the access time, which is changed
 * under en_lock with the vnode lock shared and written out with the next
 * change, at inactive time or at unmount (lazily, like Linux's lazytime).
 *
 * Called from the other files of sys/fs/ext2fs.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/callout.h"
#include "fs/ext2fs/ext2fs_impl.h"

int
ext2_vnode_get(struct mount *mp, uint32_t ino, struct vnode **vpp)
{
	return vcache_get(mp, &ino, sizeof(ino), vpp);
}

/* Where inode ino lives: block and byte offset.  0 or EUCLEAN. */
static int
ext2_inode_loc(struct ext2_mount *fs, uint32_t ino, uint64_t *blkp,
    uint32_t *offp)
{
	uint32_t g, idx;

	*blkp = 0;
	*offp = 0;
	if (ino == 0 || ino > fs->e2_ninodes)
		return ext2_corrupt(fs, "inode number %u", ino);
	g = (ino - 1) / fs->e2_ipg;
	idx = (ino - 1) % fs->e2_ipg;
	*blkp = ext2_gd_inode_table(fs, g) + idx / fs->e2_ipb;
	*offp = (idx % fs->e2_ipb) * fs->e2_isize;
	return 0;
}

/* Read inode ino into raw (e2_isize bytes).  0, EUCLEAN or EIO. */
int
ext2_inode_read(struct ext2_mount *fs, uint32_t ino, uint8_t *raw)
{
	struct buf *bp;
	uint64_t blk;
	uint32_t off;
	int error;

	error = ext2_inode_loc(fs, ino, &blk, &off);
	if (error != 0)
		return error;
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs, blk), fs->e2_bsize, 0,
	    &bp);
	if (error != 0)
		return error;
	memcpy(raw, (uint8_t *)bp->b_data + off, fs->e2_isize);
	brelse(bp, 0);
	if (fs->e2_csum)
		return ext2_inode_csum_verify(fs, ino, raw);
	return 0;
}

/* Write the node's inode to its table block.  [L] exclusive.  0 or EIO. */
int
ext2_inode_write(struct ext2_node *en)
{
	struct ext2_mount *fs = en->en_fs;
	struct buf *bp;
	uint64_t blk;
	uint32_t off;
	int error;

	if (atomic_load_relaxed(&fs->e2_ronly))
		return 0;
	error = ext2_inode_loc(fs, en->en_ino, &blk, &off);
	if (error != 0)
		return error;
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs, blk), fs->e2_bsize, 0,
	    &bp);
	if (error != 0)
		return error;
	mutex_enter(&en->en_lock);
	memcpy((uint8_t *)bp->b_data + off, en->en_raw, fs->e2_isize);
	en->en_flags &= ~EN_ATIME;
	mutex_exit(&en->en_lock);
	if (fs->e2_mount->mnt_flag & MNT_SYNCHRONOUS)
		return bwrite(bp);
	bdwrite(bp);
	return 0;
}

enum vtype
ext2_vtype(uint16_t mode)
{
	switch (mode & EXT2_IFMT) {
	case EXT2_IFREG: return VREG;
	case EXT2_IFDIR: return VDIR;
	case EXT2_IFLNK: return VLNK;
	case EXT2_IFCHR: return VCHR;
	case EXT2_IFBLK: return VBLK;
	case EXT2_IFIFO: return VFIFO;
	case EXT2_IFSOCK: return VSOCK;
	default: return VNON;
	}
}

/* Is the inode read from disk usable?  0 or EUCLEAN. */
int
ext2_inode_check(struct ext2_mount *fs, uint32_t ino,
    const struct ext2_dinode *di)
{
	uint16_t mode = e2_le16(di->i_mode);
	uint32_t flags = e2_le32(di->i_flags);

	if (e2_le16(di->i_links_count) == 0 && ino != EXT2_ROOT_INO &&
	    !(fs->e2_rocompat & EXT2_FRO_DIR_NLINK))
		return ext2_corrupt(fs, "inode %u is not in use", ino);
	if (ext2_vtype(mode) == VNON)
		return ext2_corrupt(fs, "inode %u: mode 0%o", ino, mode);
	if (fs->e2_isize > EXT2_GOOD_OLD_INODE_SIZE &&
	    (e2_le16(di->i_extra_isize) > fs->e2_isize -
	    EXT2_GOOD_OLD_INODE_SIZE || (e2_le16(di->i_extra_isize) & 3)))
		return ext2_corrupt(fs, "inode %u: extra size %u", ino,
		    e2_le16(di->i_extra_isize));
	if ((flags & EXT2_EXTENTS_FL) && !(fs->e2_incompat & EXT2_FI_EXTENTS))
		return ext2_corrupt(fs, "inode %u: extents without the "
		    "feature", ino);
	if ((mode & EXT2_IFMT) == EXT2_IFREG &&
	    ((uint64_t)e2_le32(di->i_size_high) << 32 | e2_le32(di->i_size)) >
	    fs->e2_maxfilesize)
		return ext2_corrupt(fs, "inode %u: size beyond the maximum",
		    ino);
	if ((mode & EXT2_IFMT) == EXT2_IFDIR && e2_le32(di->i_size) %
	    fs->e2_bsize != 0)
		return ext2_corrupt(fs, "directory %u: size %u", ino,
		    e2_le32(di->i_size));
	if (flags & (EXT2_INLINE_DATA_FL | EXT2_EA_INODE_FL))
		return ext2_corrupt(fs, "inode %u: unsupported flags 0x%x",
		    ino, flags);
	return 0;
}

uint16_t
ext2_mode(struct ext2_node *en)
{
	return e2_le16(EDI(en)->i_mode);
}

uint64_t
ext2_size(struct ext2_node *en)
{
	struct ext2_dinode *di = EDI(en);
	uint64_t size = e2_le32(di->i_size);

	if ((ext2_mode(en) & EXT2_IFMT) == EXT2_IFREG ||
	    (en->en_fs->e2_incompat & EXT2_FI_LARGEDIR))
		size |= (uint64_t)e2_le32(di->i_size_high) << 32;
	return size;
}

void
ext2_set_size(struct ext2_node *en, uint64_t size)
{
	struct ext2_dinode *di = EDI(en);
	struct ext2_mount *fs = en->en_fs;

	di->i_size = e2_le32((uint32_t)size);
	di->i_size_high = e2_le32((uint32_t)(size >> 32));
	if (size > INT32_MAX && !(fs->e2_rocompat & EXT2_FRO_LARGE_FILE)) {
		/* A file past 2 GiB needs large_file (and revision 1). */
		rw_enter(&fs->e2_alloclock, RW_WRITER);
		fs->e2_rocompat |= EXT2_FRO_LARGE_FILE;
		fs->e2_sb.s_feature_ro_compat = e2_le32(fs->e2_rocompat);
		fs->e2_sbdirty = true;
		rw_exit(&fs->e2_alloclock);
	}
	en->en_vnode->v_size = (off_t)size;
}

uint32_t
ext2_uid(struct ext2_node *en)
{
	struct ext2_dinode *di = EDI(en);

	return e2_le16(di->i_uid) | (uint32_t)e2_le16(di->i_uid_high) << 16;
}

uint32_t
ext2_gid(struct ext2_node *en)
{
	struct ext2_dinode *di = EDI(en);

	return e2_le16(di->i_gid) | (uint32_t)e2_le16(di->i_gid_high) << 16;
}

void
ext2_set_owner(struct ext2_node *en, uint32_t uid, uint32_t gid)
{
	struct ext2_dinode *di = EDI(en);

	di->i_uid = e2_le16(uid & 0xffff);
	di->i_uid_high = e2_le16(uid >> 16);
	di->i_gid = e2_le16(gid & 0xffff);
	di->i_gid_high = e2_le16(gid >> 16);
}

/* Space used in 512-byte units. */
uint64_t
ext2_nblocks512(struct ext2_node *en)
{
	struct ext2_dinode *di = EDI(en);
	uint64_t n = e2_le32(di->i_blocks);

	if (en->en_fs->e2_rocompat & EXT2_FRO_HUGE_FILE) {
		n |= (uint64_t)e2_le16(di->i_blocks_high) << 32;
		if (e2_le32(di->i_flags) & EXT2_HUGE_FILE_FL)
			n <<= en->en_fs->e2_fsbtodb;
	}
	return n;
}

/* Count fsblocks more (or fewer) file system blocks in i_blocks. */
void
ext2_add_blocks(struct ext2_node *en, int64_t fsblocks)
{
	struct ext2_dinode *di = EDI(en);
	int64_t n = (int64_t)e2_le32(di->i_blocks);

	n += fsblocks * ((int64_t)1 << en->en_fs->e2_fsbtodb);
	if (n < 0)
		n = 0;
	di->i_blocks = e2_le32((uint32_t)n);
}

uint16_t
ext2_nlink(struct ext2_node *en)
{
	return e2_le16(EDI(en)->i_links_count);
}

void
ext2_set_nlink(struct ext2_node *en, uint16_t n)
{
	EDI(en)->i_links_count = e2_le16(n);
}

uint64_t
ext2_file_acl(struct ext2_node *en)
{
	struct ext2_dinode *di = EDI(en);

	return e2_le32(di->i_file_acl) |
	    (uint64_t)e2_le16(di->i_file_acl_high) << 32;
}

/* Does the inode carry the nanosecond fields of large inodes? */
static bool
ext2_has_extra(struct ext2_node *en, size_t fieldend)
{
	return en->en_fs->e2_isize > EXT2_GOOD_OLD_INODE_SIZE &&
	    EXT2_GOOD_OLD_INODE_SIZE + (size_t)e2_le16(EDI(en)->i_extra_isize) >=
	    fieldend;
}

static void
ext2_time_fields(struct ext2_node *en, int which, uint32_t **secp,
    uint32_t **extrap)
{
	struct ext2_dinode *di = EDI(en);

	switch (which) {
	case EXT2_UPD_ATIME:
		*secp = &di->i_atime;
		*extrap = &di->i_atime_extra;
		break;
	case EXT2_UPD_MTIME:
		*secp = &di->i_mtime;
		*extrap = &di->i_mtime_extra;
		break;
	default:
		*secp = &di->i_ctime;
		*extrap = &di->i_ctime_extra;
		break;
	}
	if (!ext2_has_extra(en, (size_t)((uint8_t *)*extrap + 4 -
	    (uint8_t *)di)))
		*extrap = NULL;
}

void
ext2_gettime(struct ext2_node *en, int which, struct rump_timespec *ts)
{
	uint32_t *sec, *extra, x;

	ext2_time_fields(en, which, &sec, &extra);
	ts->tv_sec = (int32_t)e2_le32(*sec);
	ts->tv_nsec = 0;
	if (extra != NULL) {
		x = e2_le32(*extra);
		ts->tv_sec += (int64_t)(x & 3) << 32;
		ts->tv_nsec = x >> 2;
		if (ts->tv_nsec >= 1000000000)
			ts->tv_nsec = 0;
	}
}

void
ext2_settime(struct ext2_node *en, int which, const struct rump_timespec *ts)
{
	uint32_t *sec, *extra, epoch;

	ext2_time_fields(en, which, &sec, &extra);
	*sec = e2_le32((uint32_t)ts->tv_sec);
	if (extra != NULL) {
		epoch = (uint32_t)(((ts->tv_sec - (int32_t)(uint32_t)ts->tv_sec)
		    >> 32) & 3);
		*extra = e2_le32(((uint32_t)ts->tv_nsec << 2) | epoch);
	}
}

/* Mark the times in which (EXT2_UPD_*) with the current time. */
void
ext2_update(struct ext2_node *en, int which)
{
	struct rump_timespec now;

	getnanotime(&now);
	if (which & EXT2_UPD_ATIME) {
		mutex_enter(&en->en_lock);
		ext2_settime(en, EXT2_UPD_ATIME, &now);
		en->en_flags |= EN_ATIME;
		mutex_exit(&en->en_lock);
	}
	if (which & EXT2_UPD_MTIME)
		ext2_settime(en, EXT2_UPD_MTIME, &now);
	if (which & EXT2_UPD_CTIME)
		ext2_settime(en, EXT2_UPD_CTIME, &now);
}

/*
 * Device numbers: the old 16-bit form in i_block[0] when major and minor
 * both fit a byte, else Linux's 32-bit form in i_block[1].  The kernel's
 * dev_t is that 32-bit form.
 */
dev_t
ext2_rdev(struct ext2_node *en)
{
	struct ext2_dinode *di = EDI(en);
	uint32_t old = e2_le32(di->i_block[0]);

	if (old != 0)
		return ((old >> 8) & 0xff) << 8 | (old & 0xff);
	return e2_le32(di->i_block[1]);
}

void
ext2_set_rdev(struct ext2_node *en, dev_t rdev)
{
	struct ext2_dinode *di = EDI(en);
	uint32_t major = (uint32_t)(rdev >> 8) & 0xfff;
	uint32_t minor = (uint32_t)((rdev & 0xff) | ((rdev >> 12) & 0xfff00));

	if (major < 256 && minor < 256) {
		di->i_block[0] = e2_le32(major << 8 | minor);
		di->i_block[1] = 0;
	} else {
		di->i_block[0] = 0;
		di->i_block[1] = e2_le32((minor & 0xff) | (major << 8) |
		    ((minor & ~0xffu) << 12));
	}
	di->i_block[2] = 0;
}

bool
ext2_is_fast_symlink(struct ext2_node *en)
{
	struct ext2_dinode *di = EDI(en);
	uint64_t blocks = ext2_nblocks512(en);

	if (e2_le32(di->i_flags) & (EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL))
		return false;
	if (ext2_file_acl(en) != 0 && blocks >= (1u << en->en_fs->e2_fsbtodb))
		blocks -= 1u << en->en_fs->e2_fsbtodb;
	return blocks == 0 && ext2_size(en) < EXT2_FAST_SYMLINK_MAX;
}

/* Drop the node's reference to its extended attribute block. */
static int
ext2_xattr_release(struct ext2_node *en)
{
	struct ext2_mount *fs = en->en_fs;
	struct ext2_xattr_header *h;
	uint64_t blk = ext2_file_acl(en);
	struct buf *bp;
	uint32_t refs;
	int error;

	if (blk == 0)
		return 0;
	EDI(en)->i_file_acl = 0;
	EDI(en)->i_file_acl_high = 0;
	if (!ext2_blk_valid(fs, blk))
		return ext2_corrupt(fs, "inode %u: xattr block %llu",
		    en->en_ino, (unsigned long long)blk);
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs, blk), fs->e2_bsize, 0,
	    &bp);
	if (error != 0)
		return error;
	h = bp->b_data;
	refs = e2_le32(h->h_refcount);
	if (e2_le32(h->h_magic) != EXT2_XATTR_MAGIC || refs == 0) {
		brelse(bp, 0);
		return ext2_corrupt(fs, "xattr block %llu",
		    (unsigned long long)blk);
	}
	ext2_add_blocks(en, -1);
	if (refs > 1) {
		h->h_refcount = e2_le32(refs - 1);
		bdwrite(bp);
		return 0;
	}
	brelse(bp, 0);
	return ext2_blkfree(fs, blk);
}

/*
 * Free the inode of en: its blocks, its extended attributes, and the
 * inode itself (dtime set, bitmap bit cleared).  [L] exclusive; the node
 * has no links left.
 */
int
ext2_inode_free(struct ext2_node *en)
{
	struct ext2_mount *fs = en->en_fs;
	struct ext2_dinode *di = EDI(en);
	struct rump_timespec now;
	bool isdir = (ext2_mode(en) & EXT2_IFMT) == EXT2_IFDIR;
	int error = 0, e;
	enum vtype t = ext2_vtype(ext2_mode(en));

	if (t == VREG || t == VDIR || (t == VLNK && !ext2_is_fast_symlink(en)))
		error = ext2_truncate(en, 0);
	e = ext2_xattr_release(en);
	error = error ? error : e;
	getnanotime(&now);
	di->i_dtime = e2_le32((uint32_t)now.tv_sec);
	ext2_set_size(en, 0);
	e = ext2_inode_write(en);
	error = error ? error : e;
	e = ext2_ifree(fs, en->en_ino, isdir);
	return error ? error : e;
}
