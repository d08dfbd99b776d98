/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_dir.c: directories of ext2.
 *
 * A directory is a file of blocks, each a chain of variable-length
 * entries (inode, record length, name length, file type, name) that
 * covers the block exactly.  Inode 0 marks an unused entry.  An htree
 * (dir_index) directory looks the same to a linear reader: its index
 * blocks are single unused entries spanning the block, and its root's
 * index data hides inside the record of "..".  So lookups and readdir
 * scan linearly, and a change to an indexed directory clears its index
 * flag (e2fsck accepts the directory as a linear one; it can rebuild the
 * index with -D).
 *
 * Every block is checked when read: a record length that is too small,
 * unaligned or runs past the block, a name longer than its record, or an
 * inode number beyond the file system gives EUCLEAN and a message.
 *
 * The readdir cookie is the byte offset of an entry in the directory.
 *
 * Callers hold the directory's vnode lock: shared for lookup and
 * readdir, exclusive for changes.  Called from ext2fs_vnops.c and
 * ext2fs_rename.c.
 */

#include "kern/kern.h"
#include "fs/ext2fs/ext2fs_impl.h"

static uint32_t
ext2_reclen(struct ext2_mount *fs, const struct ext2_dirent *de)
{
	uint32_t r = e2_le16(de->d_reclen);

	if (fs->e2_bsize >= 65536 && (r == 65535 || r == 0))
		return 65536;
	return r;
}

static void
ext2_set_reclen(struct ext2_mount *fs, struct ext2_dirent *de, uint32_t r)
{
	de->d_reclen = e2_le16(r >= 65536 ? 65535 : r);
	(void)fs;
}

/* Names of the entries: with the filetype feature 8 bits, else 16. */
static uint32_t
ext2_namelen(struct ext2_mount *fs, const struct ext2_dirent *de)
{
	if (fs->e2_incompat & EXT2_FI_FILETYPE)
		return de->d_namelen;
	return de->d_namelen | (uint32_t)de->d_type << 8;
}

uint8_t
ext2_ftype(struct ext2_mount *fs, uint16_t mode)
{
	if (!(fs->e2_incompat & EXT2_FI_FILETYPE))
		return EXT2_FT_UNKNOWN;
	switch (mode & EXT2_IFMT) {
	case EXT2_IFREG: return EXT2_FT_REG;
	case EXT2_IFDIR: return EXT2_FT_DIR;
	case EXT2_IFCHR: return EXT2_FT_CHR;
	case EXT2_IFBLK: return EXT2_FT_BLK;
	case EXT2_IFIFO: return EXT2_FT_FIFO;
	case EXT2_IFSOCK: return EXT2_FT_SOCK;
	case EXT2_IFLNK: return EXT2_FT_SYMLINK;
	default: return EXT2_FT_UNKNOWN;
	}
}

/* Check the entries of directory block lbn.  0 or EUCLEAN. */
static int
ext2_dirblk_check(struct ext2_node *dn, uint64_t lbn, const uint8_t *blk)
{
	struct ext2_mount *fs = dn->en_fs;
	const struct ext2_dirent *de;
	uint32_t off = 0, r, n;

	while (off < fs->e2_bsize) {
		if (fs->e2_bsize - off < EXT2_DIRENT_HDR)
			goto bad;
		de = (const void *)(blk + off);
		r = ext2_reclen(fs, de);
		n = ext2_namelen(fs, de);
		if (r < EXT2_DIRENT_HDR || (r & 3) != 0 ||
		    r > fs->e2_bsize - off || n + EXT2_DIRENT_HDR > r ||
		    e2_le32(de->d_ino) > fs->e2_ninodes)
			goto bad;
		if (e2_le32(de->d_ino) != 0 && n == 0)
			goto bad;
		off += r;
	}
	return 0;
bad:
	return ext2_corrupt(fs, "directory %u: bad entry in block %llu at "
	    "%u", dn->en_ino, (unsigned long long)lbn, off);
}

/* Read directory block lbn, checked.  A hole is corruption. */
static int
ext2_dirblk_read(struct ext2_node *dn, uint64_t lbn, struct buf **bpp)
{
	int error;

	error = ext2_blkread(dn, lbn, bpp);
	if (error != 0)
		return error;
	if (*bpp == NULL)
		return ext2_corrupt(dn->en_fs, "directory %u: hole at block "
		    "%llu", dn->en_ino, (unsigned long long)lbn);
	error = ext2_dirblk_check(dn, lbn, (*bpp)->b_data);
	if (error != 0) {
		brelse(*bpp, 0);
		*bpp = NULL;
	}
	return error;
}

static uint64_t
ext2_dir_nblocks(struct ext2_node *dn)
{
	struct ext2_mount *fs = dn->en_fs;

	return ext2_size(dn) >> fs->e2_bshift;
}

/* Write a changed directory block (synchronously on a sync mount). */
static int
ext2_dirblk_write(struct ext2_node *dn, struct buf *bp)
{
	if (dn->en_fs->e2_mount->mnt_flag & MNT_SYNCHRONOUS)
		return bwrite(bp);
	bdwrite(bp);
	return 0;
}

/* Search block lbn of dn for name.  0 and *dlp, ENOENT, or an error. */
int
ext2_dir_lookup_block(struct ext2_node *dn, uint64_t lbn, const char *name,
    size_t namelen, struct ext2_dirloc *dlp)
{
	struct ext2_mount *fs = dn->en_fs;
	const struct ext2_dirent *de;
	struct buf *bp;
	uint32_t off, prev = UINT32_MAX, r;
	int error;

	error = ext2_dirblk_read(dn, lbn, &bp);
	if (error != 0)
		return error;
	for (off = 0; off < fs->e2_bsize; prev = off, off += r) {
		de = (const void *)((uint8_t *)bp->b_data + off);
		r = ext2_reclen(fs, de);
		if (de->d_ino == 0 || ext2_namelen(fs, de) != namelen ||
		    memcmp(de->d_name, name, namelen) != 0)
			continue;
		dlp->dl_off = (lbn << fs->e2_bshift) + off;
		dlp->dl_prevoff = prev == UINT32_MAX ? UINT64_MAX :
		    (lbn << fs->e2_bshift) + prev;
		dlp->dl_ino = e2_le32(de->d_ino);
		dlp->dl_type = (fs->e2_incompat & EXT2_FI_FILETYPE) ?
		    de->d_type : EXT2_FT_UNKNOWN;
		brelse(bp, 0);
		return 0;
	}
	brelse(bp, 0);
	return ENOENT;
}

int
ext2_dir_lookup(struct ext2_node *dn, const char *name, size_t namelen,
    struct ext2_dirloc *dlp)
{
	uint64_t lbn, nblk = ext2_dir_nblocks(dn);
	int error;

	for (lbn = 0; lbn < nblk; lbn++) {
		error = ext2_dir_lookup_block(dn, lbn, name, namelen, dlp);
		if (error != ENOENT)
			return error;
	}
	return ENOENT;
}

/* Lookup for VOP_LOOKUP: through the htree index when there is one. */
int
ext2_dir_lookup_index(struct ext2_node *dn, const char *name, size_t namelen,
    struct ext2_dirloc *dlp)
{
	int error;

	if ((e2_le32(EDI(dn)->i_flags) & EXT2_INDEX_FL) &&
	    (dn->en_fs->e2_compat & EXT2_FC_DIR_INDEX) &&
	    ext2_dir_nblocks(dn) > 1) {
		error = ext2_htree_lookup(dn, name, namelen, dlp);
		if (error != EAGAIN)
			return error;
	}
	return ext2_dir_lookup(dn, name, namelen, dlp);
}

/* Fill the entry at de with a name (its record length stays). */
static void
ext2_dirent_fill(struct ext2_mount *fs, struct ext2_dirent *de,
    const char *name, size_t namelen, uint32_t ino, uint8_t type)
{
	de->d_ino = e2_le32(ino);
	de->d_namelen = (uint8_t)namelen;
	de->d_type = (fs->e2_incompat & EXT2_FI_FILETYPE) ? type : 0;
	memcpy(de->d_name, name, namelen);
}

/* Clear the directory's htree flag: it is about to change. */
void
ext2_dir_modified(struct ext2_node *dn)
{
	struct ext2_dinode *di = EDI(dn);
	uint32_t flags = e2_le32(di->i_flags);

	if (flags & EXT2_INDEX_FL)
		di->i_flags = e2_le32(flags & ~EXT2_INDEX_FL);
}

/* Try to place the entry in block bp (lbn).  true if it was placed. */
static bool
ext2_dirblk_place(struct ext2_mount *fs, uint8_t *blk, const char *name,
    size_t namelen, uint32_t ino, uint8_t type)
{
	struct ext2_dirent *de, *nde;
	uint32_t off, r, need = EXT2_DIRENT_SIZE(namelen), used;

	for (off = 0; off < fs->e2_bsize; off += r) {
		de = (void *)(blk + off);
		r = ext2_reclen(fs, de);
		if (de->d_ino == 0) {
			if (r >= need) {
				ext2_dirent_fill(fs, de, name, namelen, ino,
				    type);
				return true;
			}
			continue;
		}
		used = EXT2_DIRENT_SIZE(ext2_namelen(fs, de));
		if (r >= used + need) {
			ext2_set_reclen(fs, de, used);
			nde = (void *)(blk + off + used);
			ext2_set_reclen(fs, nde, r - used);
			ext2_dirent_fill(fs, nde, name, namelen, ino, type);
			return true;
		}
	}
	return false;
}

int
ext2_dir_add(struct ext2_node *dn, const char *name, size_t namelen,
    uint32_t ino, uint8_t type)
{
	struct ext2_mount *fs = dn->en_fs;
	struct ext2_dirent *de;
	struct buf *bp;
	uint64_t lbn, nblk = ext2_dir_nblocks(dn), b;
	bool isnew;
	int error;

	ext2_dir_modified(dn);
	for (lbn = 0; lbn < nblk; lbn++) {
		error = ext2_dirblk_read(dn, lbn, &bp);
		if (error != 0)
			return error;
		if (ext2_dirblk_place(fs, bp->b_data, name, namelen, ino,
		    type)) {
			error = ext2_dirblk_write(dn, bp);
			if (error == 0)
				error = ext2_inode_write(dn);
			return error;
		}
		brelse(bp, 0);
	}
	/* No room: a new block at the end. */
	if (((nblk + 1) << fs->e2_bshift) > UINT32_MAX)
		return EFBIG;
	error = ext2_bmap_alloc(dn, nblk, &b, &isnew);
	if (error != 0)
		return error;
	bp = getblk(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0);
	memset(bp->b_data, 0, fs->e2_bsize);
	de = bp->b_data;
	ext2_set_reclen(fs, de, fs->e2_bsize);
	ext2_dirent_fill(fs, de, name, namelen, ino, type);
	error = ext2_dirblk_write(dn, bp);
	ext2_set_size(dn, (nblk + 1) << fs->e2_bshift);
	if (error == 0)
		error = ext2_inode_write(dn);
	return error;
}

/* Read the block holding the entry at byte offset off; *dep the entry. */
static int
ext2_dir_entry_at(struct ext2_node *dn, uint64_t off, struct buf **bpp,
    struct ext2_dirent **dep)
{
	struct ext2_mount *fs = dn->en_fs;
	int error;

	error = ext2_dirblk_read(dn, off >> fs->e2_bshift, bpp);
	if (error != 0)
		return error;
	*dep = (void *)((uint8_t *)(*bpp)->b_data +
	    (off & (fs->e2_bsize - 1)));
	return 0;
}

int
ext2_dir_remove(struct ext2_node *dn, const struct ext2_dirloc *dl)
{
	struct ext2_mount *fs = dn->en_fs;
	struct ext2_dirent *de, *prev;
	struct buf *bp;
	int error;

	ext2_dir_modified(dn);
	error = ext2_dir_entry_at(dn, dl->dl_off, &bp, &de);
	if (error != 0)
		return error;
	if (dl->dl_prevoff != UINT64_MAX) {
		prev = (void *)((uint8_t *)bp->b_data +
		    (dl->dl_prevoff & (fs->e2_bsize - 1)));
		ext2_set_reclen(fs, prev, ext2_reclen(fs, prev) +
		    ext2_reclen(fs, de));
	} else {
		de->d_ino = 0;
	}
	error = ext2_dirblk_write(dn, bp);
	if (error == 0)
		error = ext2_inode_write(dn);
	return error;
}

int
ext2_dir_setino(struct ext2_node *dn, const struct ext2_dirloc *dl,
    uint32_t ino, uint8_t type)
{
	struct ext2_mount *fs = dn->en_fs;
	struct ext2_dirent *de;
	struct buf *bp;
	int error;

	ext2_dir_modified(dn);
	error = ext2_dir_entry_at(dn, dl->dl_off, &bp, &de);
	if (error != 0)
		return error;
	de->d_ino = e2_le32(ino);
	if (fs->e2_incompat & EXT2_FI_FILETYPE)
		de->d_type = type;
	error = ext2_dirblk_write(dn, bp);
	if (error == 0)
		error = ext2_inode_write(dn);
	return error;
}

int
ext2_dir_isempty(struct ext2_node *dn, bool *emptyp)
{
	struct ext2_mount *fs = dn->en_fs;
	const struct ext2_dirent *de;
	struct buf *bp;
	uint64_t lbn, nblk = ext2_dir_nblocks(dn);
	uint32_t off, r, n;
	int error;

	*emptyp = false;
	for (lbn = 0; lbn < nblk; lbn++) {
		error = ext2_dirblk_read(dn, lbn, &bp);
		if (error != 0)
			return error;
		for (off = 0; off < fs->e2_bsize; off += r) {
			de = (const void *)((uint8_t *)bp->b_data + off);
			r = ext2_reclen(fs, de);
			if (de->d_ino == 0)
				continue;
			n = ext2_namelen(fs, de);
			if ((n == 1 && de->d_name[0] == '.') ||
			    (n == 2 && de->d_name[0] == '.' &&
			    de->d_name[1] == '.'))
				continue;
			brelse(bp, 0);
			return 0;
		}
		brelse(bp, 0);
	}
	*emptyp = true;
	return 0;
}

int
ext2_dir_init(struct ext2_node *dn, uint32_t parent)
{
	struct ext2_mount *fs = dn->en_fs;
	struct ext2_dirent *de;
	struct buf *bp;
	uint64_t b;
	bool isnew;
	int error;

	error = ext2_bmap_alloc(dn, 0, &b, &isnew);
	if (error != 0)
		return error;
	bp = getblk(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0);
	memset(bp->b_data, 0, fs->e2_bsize);
	de = bp->b_data;
	ext2_set_reclen(fs, de, EXT2_DIRENT_SIZE(1));
	ext2_dirent_fill(fs, de, ".", 1, dn->en_ino, EXT2_FT_DIR);
	de = (void *)((uint8_t *)bp->b_data + EXT2_DIRENT_SIZE(1));
	ext2_set_reclen(fs, de, fs->e2_bsize - EXT2_DIRENT_SIZE(1));
	ext2_dirent_fill(fs, de, "..", 2, parent, EXT2_FT_DIR);
	error = ext2_dirblk_write(dn, bp);
	ext2_set_size(dn, fs->e2_bsize);
	return error;
}

int
ext2_dir_set_dotdot(struct ext2_node *dn, uint32_t parent)
{
	struct ext2_dirloc dl;
	int error;

	error = ext2_dir_lookup(dn, "..", 2, &dl);
	if (error == ENOENT)
		return ext2_corrupt(dn->en_fs, "directory %u has no ..",
		    dn->en_ino);
	if (error != 0)
		return error;
	return ext2_dir_setino(dn, &dl, parent, EXT2_FT_DIR);
}

static unsigned
ext2_ft_to_dt(uint8_t t)
{
	static const unsigned dt[EXT2_FT_MAX] = {
		[EXT2_FT_UNKNOWN] = DT_UNKNOWN, [EXT2_FT_REG] = DT_REG,
		[EXT2_FT_DIR] = DT_DIR, [EXT2_FT_CHR] = DT_CHR,
		[EXT2_FT_BLK] = DT_BLK, [EXT2_FT_FIFO] = DT_FIFO,
		[EXT2_FT_SOCK] = DT_SOCK, [EXT2_FT_SYMLINK] = DT_LNK,
	};

	return t < EXT2_FT_MAX ? dt[t] : DT_UNKNOWN;
}

int
ext2_dir_readdir(struct ext2_node *dn, struct uio *uio, int *eofflag)
{
	struct ext2_mount *fs = dn->en_fs;
	const struct ext2_dirent *de;
	struct buf *bp;
	uint64_t pos, lbn, nblk = ext2_dir_nblocks(dn), base;
	uint32_t off, r;
	int error = 0, nemit = 0;

	*eofflag = 0;
	if (uio->uio_offset < 0)
		return EINVAL;
	pos = (uint64_t)uio->uio_offset;
	for (lbn = pos >> fs->e2_bshift; lbn < nblk; lbn++) {
		error = ext2_dirblk_read(dn, lbn, &bp);
		if (error != 0)
			goto out;
		base = lbn << fs->e2_bshift;
		for (off = 0; off < fs->e2_bsize; off += r) {
			de = (const void *)((uint8_t *)bp->b_data + off);
			r = ext2_reclen(fs, de);
			if (base + off < pos || de->d_ino == 0)
				continue;
			error = vfs_dirent_emit(uio, e2_le32(de->d_ino),
			    base + off + r,
			    ext2_ft_to_dt((fs->e2_incompat & EXT2_FI_FILETYPE) ?
			    de->d_type : 0), de->d_name, ext2_namelen(fs, de));
			if (error != 0)
				break;
			nemit++;
			pos = base + off + r;
		}
		brelse(bp, 0);
		if (error != 0)
			goto out;
		pos = MAX(pos, base + fs->e2_bsize);
	}
	*eofflag = 1;
out:
	if (error == -1)
		error = nemit == 0 ? EINVAL : 0;
	if (error == 0)
		uio->uio_offset = (off_t)pos;
	return error;
}
