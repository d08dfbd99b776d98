/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_bmap.c: where the blocks of a file are.
 *
 * Classic ext2 files map logical blocks through i_block[]: twelve direct
 * block numbers, then one single, one double and one triple indirect
 * block, each indirect block holding bsize/4 block numbers.  A zero is a
 * hole.  ext4 files with EXTENTS_FL map them through an extent tree whose
 * root is in i_block (read only here).
 *
 * Everything read from disk is checked before use: a block number
 * outside the data area, an extent node with a bad magic, depth or
 * entry count gives EUCLEAN and a console message.
 *
 *	ext2_bmap()        logical -> physical, 0 for a hole
 *	ext2_bmap_alloc()  the same, filling holes with new blocks (writes)
 *	ext2_truncate()    change the size, freeing blocks past the end
 *	ext2_blkread()     read a logical block (zeros for a hole)
 *
 * Callers hold the vnode lock: shared for reading, exclusive for the
 * others.  Called from ext2fs_vnops.c, ext2fs_dir.c, ext2fs_inode.c.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "fs/ext2fs/ext2fs_impl.h"

/* Blocks a file can address with indirect blocks. */
uint64_t
ext2_maxfilesize(struct ext2_mount *fs)
{
	uint64_t apb = fs->e2_apb, n, max;

	n = EXT2_NDADDR + apb + apb * apb + apb * apb * apb;
	max = n << fs->e2_bshift;
	/* i_blocks counts 512-byte units in 32 bits without huge_file */
	if (!(fs->e2_rocompat & EXT2_FRO_HUGE_FILE))
		max = MIN(max, ((uint64_t)1 << 41) - fs->e2_bsize);
	if (fs->e2_incompat & EXT2_FI_EXTENTS)
		max = MAX(max, ((uint64_t)1 << 32) << fs->e2_bshift);
	return MIN(max, (uint64_t)INT64_MAX);
}

/*
 * The path to logical block lbn: the level of indirection (0 direct) and
 * the index at each level, top first.  EFBIG past the triple indirect.
 */
static int
ext2_bmap_path(struct ext2_mount *fs, uint64_t lbn, int *levelp,
    uint32_t idx[4])
{
	uint64_t apb = fs->e2_apb;

	if (lbn < EXT2_NDADDR) {
		*levelp = 0;
		idx[0] = (uint32_t)lbn;
		return 0;
	}
	lbn -= EXT2_NDADDR;
	if (lbn < apb) {
		*levelp = 1;
		idx[0] = EXT2_IND;
		idx[1] = (uint32_t)lbn;
		return 0;
	}
	lbn -= apb;
	if (lbn < apb * apb) {
		*levelp = 2;
		idx[0] = EXT2_DIND;
		idx[1] = (uint32_t)(lbn / apb);
		idx[2] = (uint32_t)(lbn % apb);
		return 0;
	}
	lbn -= apb * apb;
	if (lbn < apb * apb * apb) {
		*levelp = 3;
		idx[0] = EXT2_TIND;
		idx[1] = (uint32_t)(lbn / (apb * apb));
		idx[2] = (uint32_t)(lbn / apb % apb);
		idx[3] = (uint32_t)(lbn % apb);
		return 0;
	}
	return EFBIG;
}

static int
ext2_badblk(struct ext2_node *en, uint64_t b)
{
	return ext2_corrupt(en->en_fs, "inode %u: block number %llu",
	    en->en_ino, (unsigned long long)b);
}

/* Check an extent node header; max is the most entries it can have. */
static int
ext2_ext_hdr_check(struct ext2_node *en, const struct ext4_extent_header *eh,
    uint32_t max, int depth)
{
	if (e2_le16(eh->eh_magic) != EXT4_EXT_MAGIC ||
	    e2_le16(eh->eh_entries) > e2_le16(eh->eh_max) ||
	    e2_le16(eh->eh_max) > max ||
	    e2_le16(eh->eh_depth) > EXT4_EXT_MAX_DEPTH ||
	    (depth >= 0 && e2_le16(eh->eh_depth) != depth))
		return ext2_corrupt(en->en_fs, "inode %u: extent header",
		    en->en_ino);
	return 0;
}

/* Extent tree lookup (ext4).  Unwritten extents read as holes. */
static int
ext2_ext_bmap(struct ext2_node *en, uint64_t lbn, uint64_t *physp,
    uint32_t *runp)
{
	struct ext2_mount *fs = en->en_fs;
	const struct ext4_extent_header *eh;
	const struct ext4_extent_idx *ei;
	const struct ext4_extent *ex;
	struct buf *bp = NULL;
	uint32_t n, i, len, max = (sizeof(EDI(en)->i_block) - 12) / 12;
	uint64_t child;
	int depth = -1, error;

	*physp = 0;
	*runp = 0;
	eh = (const void *)EDI(en)->i_block;
	for (;;) {
		error = ext2_ext_hdr_check(en, eh, max, depth);
		if (error != 0)
			goto out;
		depth = e2_le16(eh->eh_depth);
		n = e2_le16(eh->eh_entries);
		if (depth == 0)
			break;
		ei = (const void *)(eh + 1);
		for (i = 0; i < n && e2_le32(ei[i].ei_block) <= lbn; i++)
			continue;
		if (i == 0)
			goto out;	/* before the first: a hole */
		child = e2_le32(ei[i - 1].ei_leaf_lo) |
		    (uint64_t)e2_le16(ei[i - 1].ei_leaf_hi) << 32;
		if (!ext2_blk_valid(fs, child)) {
			error = ext2_badblk(en, child);
			goto out;
		}
		if (bp != NULL)
			brelse(bp, 0);
		bp = NULL;
		error = bread(fs->e2_devvp, ext2_fsbtodb(fs, child),
		    fs->e2_bsize, 0, &bp);
		if (error != 0)
			goto out;
		if (fs->e2_csum && !ext2_extent_csum_ok(fs, en, bp->b_data)) {
			error = ext2_corrupt(fs, "inode %u: extent block %llu "
			    "checksum", en->en_ino, (unsigned long long)child);
			goto out;
		}
		eh = bp->b_data;
		max = (fs->e2_bsize - 12) / 12;
		depth--;
	}
	ex = (const void *)(eh + 1);
	for (i = 0; i < n && e2_le32(ex[i].ee_block) <= lbn; i++)
		continue;
	if (i == 0)
		goto out;
	ex = &ex[i - 1];
	len = e2_le16(ex->ee_len);
	if (len > EXT4_EXT_INIT_MAX_LEN)
		goto out;	/* unwritten: reads as zeros */
	if (lbn >= (uint64_t)e2_le32(ex->ee_block) + len)
		goto out;
	child = (e2_le32(ex->ee_start_lo) |
	    (uint64_t)e2_le16(ex->ee_start_hi) << 32) +
	    (lbn - e2_le32(ex->ee_block));
	if (!ext2_blk_valid(fs, child)) {
		error = ext2_badblk(en, child);
		goto out;
	}
	*physp = child;
	*runp = (uint32_t)(e2_le32(ex->ee_block) + len - lbn - 1);
out:
	if (bp != NULL)
		brelse(bp, 0);
	return error;
}

/* Keep a copy of the leaf indirect block mapping lbn0 on. */
static void
ext2_bmap_remember(struct ext2_node *en, uint64_t lbn0, const void *data)
{
	struct ext2_mount *fs = en->en_fs;
	uint32_t *mc = NULL;

	if (en->en_mc == NULL)
		mc = kmem_alloc(fs->e2_bsize, KM_SLEEP);
	mutex_enter(&en->en_lock);
	if (en->en_mc == NULL) {
		en->en_mc = mc;
		mc = NULL;
	}
	memcpy(en->en_mc, data, fs->e2_bsize);
	en->en_mc_lbn0 = lbn0;
	mutex_exit(&en->en_lock);
	if (mc != NULL)
		kmem_free(mc, fs->e2_bsize);
}

/* The mapping changes: drop the copy.  [L] exclusive. */
void
ext2_bmap_forget(struct ext2_node *en)
{
	mutex_enter(&en->en_lock);
	en->en_mc_lbn0 = UINT64_MAX;
	mutex_exit(&en->en_lock);
}

int
ext2_bmap(struct ext2_node *en, uint64_t lbn, uint64_t *physp,
    uint32_t *runp)
{
	struct ext2_mount *fs = en->en_fs;
	struct buf *bp;
	uint32_t idx[4], run = 0;
	uint64_t b, lbn0 = 0;
	int level, l, error;

	*physp = 0;
	if (runp != NULL)
		*runp = 0;
	if (e2_le32(EDI(en)->i_flags) & EXT2_EXTENTS_FL)
		return ext2_ext_bmap(en, lbn, physp, runp != NULL ? runp : &run);
	error = ext2_bmap_path(fs, lbn, &level, idx);
	if (error != 0)
		return error;
	if (level > 0) {
		lbn0 = lbn - idx[level];
		mutex_enter(&en->en_lock);
		if (en->en_mc != NULL && en->en_mc_lbn0 == lbn0) {
			b = e2_le32(en->en_mc[idx[level]]);
			mutex_exit(&en->en_lock);
			goto found;
		}
		mutex_exit(&en->en_lock);
	}
	b = e2_le32(EDI(en)->i_block[idx[0]]);
	for (l = 1; l <= level && b != 0; l++) {
		if (!ext2_blk_valid(fs, b))
			return ext2_badblk(en, b);
		error = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize,
		    0, &bp);
		if (error != 0)
			return error;
		if (l == level)
			ext2_bmap_remember(en, lbn0, bp->b_data);
		b = e2_le32(((uint32_t *)bp->b_data)[idx[l]]);
		brelse(bp, 0);
	}
found:
	if (b != 0 && !ext2_blk_valid(fs, b))
		return ext2_badblk(en, b);
	*physp = b;
	return 0;
}

/* A fresh block of zeros at b (an indirect block being added). */
static int
ext2_zeroblk(struct ext2_mount *fs, uint64_t b)
{
	struct buf *bp;

	bp = getblk(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0);
	memset(bp->b_data, 0, fs->e2_bsize);
	if (fs->e2_mount->mnt_flag & MNT_SYNCHRONOUS)
		return bwrite(bp);
	bdwrite(bp);
	return 0;
}

/* Allocate one block for en near its last one. */
static int
ext2_alloc_for(struct ext2_node *en, uint64_t *bp)
{
	struct ext2_mount *fs = en->en_fs;
	uint64_t goal;
	int error;

	if (en->en_lastblk != 0)
		goal = en->en_lastblk + 1;
	else
		goal = fs->e2_first_dblock + (uint64_t)((en->en_ino - 1) /
		    fs->e2_ipg) * fs->e2_bpg;
	error = ext2_blkalloc(fs, goal, bp);
	if (error == 0) {
		en->en_lastblk = (uint32_t)*bp;
		ext2_add_blocks(en, 1);
	}
	return error;
}

int
ext2_bmap_alloc(struct ext2_node *en, uint64_t lbn, uint64_t *physp,
    bool *newp)
{
	struct ext2_mount *fs = en->en_fs;
	struct ext2_dinode *di = EDI(en);
	struct buf *bp;
	uint32_t idx[4], *slot;
	uint64_t b, nb;
	int level, l, error;

	*newp = false;
	if (e2_le32(di->i_flags) & EXT2_EXTENTS_FL)
		return EROFS;
	ext2_bmap_forget(en);
	error = ext2_bmap_path(fs, lbn, &level, idx);
	if (error != 0)
		return error;
	b = e2_le32(di->i_block[idx[0]]);
	if (b == 0) {
		error = ext2_alloc_for(en, &b);
		if (error != 0)
			return error;
		if (level > 0 && (error = ext2_zeroblk(fs, b)) != 0)
			return error;
		di->i_block[idx[0]] = e2_le32((uint32_t)b);
		*newp = level == 0;
	}
	for (l = 1; l <= level; l++) {
		if (!ext2_blk_valid(fs, b))
			return ext2_badblk(en, b);
		error = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize,
		    0, &bp);
		if (error != 0)
			return error;
		nb = e2_le32(((uint32_t *)bp->b_data)[idx[l]]);
		brelse(bp, 0);
		if (nb != 0) {
			b = nb;
			continue;
		}
		/*
		 * Allocate with no buffer held: on a corrupt image the new
		 * block, or a bitmap, may be this very indirect block.
		 */
		error = ext2_alloc_for(en, &nb);
		if (error == 0 && l < level)
			error = ext2_zeroblk(fs, nb);
		if (error != 0)
			return error;
		error = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize,
		    0, &bp);
		if (error != 0)
			return error;
		slot = &((uint32_t *)bp->b_data)[idx[l]];
		if (*slot != 0) {
			/* only a block shared with another file does this */
			brelse(bp, 0);
			ext2_blkfree(fs, nb);
			ext2_add_blocks(en, -1);
			return ext2_corrupt(fs, "inode %u: indirect block %llu "
			    "shared", en->en_ino, (unsigned long long)b);
		}
		*slot = e2_le32((uint32_t)nb);
		if (fs->e2_mount->mnt_flag & MNT_SYNCHRONOUS)
			error = bwrite(bp);
		else
			bdwrite(bp);
		if (error != 0)
			return error;
		b = nb;
		*newp = l == level;
	}
	if (!ext2_blk_valid(fs, b))
		return ext2_badblk(en, b);
	en->en_lastblk = (uint32_t)b;
	*physp = b;
	return 0;
}

/*
 * Free the tree of level levels (0: a data block) at b; add the number
 * of blocks freed to *freedp.  Errors are reported, the walk goes on.
 */
static int
ext2_free_tree(struct ext2_node *en, uint64_t b, int level, int64_t *freedp)
{
	struct ext2_mount *fs = en->en_fs;
	struct buf *bp;
	uint32_t i, *p;
	uint64_t c;
	int error = 0, e;

	if (!ext2_blk_valid(fs, b))
		return ext2_badblk(en, b);
	if (level > 0) {
		e = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0,
		    &bp);
		if (e != 0)
			return e;
		/* a copy: no buffer is held while the children go (on a
		   corrupt image a child may be this block or a bitmap) */
		p = kmem_alloc(fs->e2_bsize, KM_SLEEP);
		memcpy(p, bp->b_data, fs->e2_bsize);
		brelse(bp, BC_INVAL);
		for (i = 0; i < fs->e2_apb; i++) {
			c = e2_le32(p[i]);
			if (c == 0)
				continue;
			e = ext2_free_tree(en, c, level - 1, freedp);
			error = error ? error : e;
		}
		kmem_free(p, fs->e2_bsize);
	}
	e = ext2_blkfree(fs, b);
	if (e == 0)
		(*freedp)++;
	return error ? error : e;
}

/*
 * In the tree of level levels at *slotp covering span blocks per entry at
 * its top, free everything from relative block first on; the block itself
 * goes too if nothing is left before first.
 */
static int
ext2_free_partial(struct ext2_node *en, uint32_t *slotp, int level,
    uint64_t first, int64_t *freedp)
{
	struct ext2_mount *fs = en->en_fs;
	struct buf *bp;
	uint64_t b = e2_le32(*slotp), span = 1, c;
	uint32_t i, *p;
	int l, error = 0, e;
	bool dirty = false;

	if (b == 0)
		return 0;
	if (first == 0) {
		*slotp = 0;
		return ext2_free_tree(en, b, level, freedp);
	}
	if (level == 0)
		return 0;
	if (!ext2_blk_valid(fs, b))
		return ext2_badblk(en, b);
	for (l = 1; l < level; l++)
		span *= fs->e2_apb;
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0, &bp);
	if (error != 0)
		return error;
	/* work on a copy, no buffer held (see ext2_free_tree) */
	p = kmem_alloc(fs->e2_bsize, KM_SLEEP);
	memcpy(p, bp->b_data, fs->e2_bsize);
	brelse(bp, 0);
	for (i = (uint32_t)(first / span); i < fs->e2_apb; i++) {
		c = e2_le32(p[i]);
		if (c == 0)
			continue;
		if ((uint64_t)i * span >= first) {
			p[i] = 0;
			e = ext2_free_tree(en, c, level - 1, freedp);
		} else {
			e = ext2_free_partial(en, &p[i], level - 1,
			    first - (uint64_t)i * span, freedp);
		}
		dirty = true;
		error = error ? error : e;
	}
	if (dirty) {
		e = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0,
		    &bp);
		if (e == 0) {
			memcpy(bp->b_data, p, fs->e2_bsize);
			bdwrite(bp);
		}
		error = error ? error : e;
	}
	kmem_free(p, fs->e2_bsize);
	return error;
}

/* Zero the bytes of the last block past size (so growing reads zeros). */
static int
ext2_zero_tail(struct ext2_node *en, uint64_t size)
{
	struct ext2_mount *fs = en->en_fs;
	uint32_t off = (uint32_t)(size & (fs->e2_bsize - 1));
	struct buf *bp;
	uint64_t b;
	int error;

	if (off == 0)
		return 0;
	error = ext2_bmap(en, size >> fs->e2_bshift, &b, NULL);
	if (error != 0 || b == 0)
		return error;
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0, &bp);
	if (error != 0)
		return error;
	memset((uint8_t *)bp->b_data + off, 0, fs->e2_bsize - off);
	bdwrite(bp);
	return 0;
}

/* Set the size of en, freeing the blocks past the new end.  [L] excl. */
int
ext2_truncate(struct ext2_node *en, uint64_t size)
{
	struct ext2_mount *fs = en->en_fs;
	struct ext2_dinode *di = EDI(en);
	uint64_t first, base, span, apb = fs->e2_apb, b;
	int64_t freed = 0;
	int i, level, error = 0, e;

	if (e2_le32(di->i_flags) & EXT2_EXTENTS_FL)
		return EROFS;
	if (size > fs->e2_maxfilesize)
		return EFBIG;
	if (size >= ext2_size(en)) {
		ext2_set_size(en, size);
		return ext2_inode_write(en);
	}
	/* Before any block goes: extents handed out are stale from here. */
	atomic_inc_nv(&en->en_mapgen);
	ext2_bmap_forget(en);
	error = ext2_zero_tail(en, size);
	first = howmany(size, (uint64_t)fs->e2_bsize);
	for (i = (int)MIN(first, (uint64_t)EXT2_NDADDR); i < EXT2_NDADDR;
	    i++) {
		b = e2_le32(di->i_block[i]);
		if (b == 0)
			continue;
		di->i_block[i] = 0;
		e = ext2_free_tree(en, b, 0, &freed);
		error = error ? error : e;
	}
	base = EXT2_NDADDR;
	span = apb;
	for (level = 1; level <= 3; level++) {
		if (first < base + span) {
			e = ext2_free_partial(en, &di->i_block[EXT2_IND +
			    level - 1], level, first > base ? first - base : 0,
			    &freed);
			error = error ? error : e;
		}
		base += span;
		span *= apb;
	}
	/* ext2_zero_tail() looked the tail up and may have copied the old
	 * leaf indirect block again: drop it now that the blocks are gone. */
	ext2_bmap_forget(en);
	ext2_add_blocks(en, -freed);
	en->en_lastblk = 0;
	ext2_set_size(en, size);
	e = ext2_inode_write(en);
	return error ? error : e;
}

/* Read logical block lbn of en into *bpp (NULL for a hole).  0 or errno. */
int
ext2_blkread(struct ext2_node *en, uint64_t lbn, struct buf **bpp)
{
	struct ext2_mount *fs = en->en_fs;
	uint64_t b;
	int error;

	*bpp = NULL;
	error = ext2_bmap(en, lbn, &b, NULL);
	if (error != 0 || b == 0)
		return error;
	return bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize, 0, bpp);
}
