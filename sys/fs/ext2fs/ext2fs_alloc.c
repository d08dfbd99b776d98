/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_alloc.c: block and inode allocation in the group bitmaps.
 *
 * Every group has one block of block bitmap and one of inode bitmap; a
 * set bit is in use.  Allocation and freeing change the bitmap (a
 * delayed write through the buffer cache), the group's descriptor counts
 * and the superblock's totals together under e2_alloclock, so the three
 * always agree in memory; ext2_sync_fs() writes descriptors and
 * superblock.
 *
 * Policy: a block goes as close after the goal as possible (the block
 * after the file's previous one), first in the goal's group, then in the
 * following groups.  A new file's inode goes in its directory's group; a
 * new directory's in a group with more than the average of free inodes
 * and free blocks, starting after the group used last, which spreads
 * directories (and so their files) over the disk.
 *
 * A bitmap that disagrees with the counts or a free of a free block is
 * corruption: reported, EUCLEAN, nothing changed.
 *
 * Called from ext2fs_bmap.c, ext2fs_inode.c and ext2fs_vnops.c with no
 * buffer held busy except (bmap) indirect blocks, never bitmap ones.
 */

#include "kern/kern.h"
#include "fs/ext2fs/ext2fs_impl.h"

/* First clear bit in map[from, to), or to. */
static uint32_t
ext2_bit_findzero(const uint8_t *map, uint32_t from, uint32_t to)
{
	uint32_t i = from;

	while (i < to) {
		if ((i & 7) == 0 && i + 8 <= to && map[i >> 3] == 0xff) {
			i += 8;
			continue;
		}
		if (!(map[i >> 3] & (1u << (i & 7))))
			return i;
		i++;
	}
	return to;
}

static void
ext2_sb_add_free_inodes(struct ext2_mount *fs, int d)
{
	uint32_t n = e2_le32(fs->e2_sb.s_free_inodes_count);

	fs->e2_sb.s_free_inodes_count = e2_le32(n + (uint32_t)d);
	fs->e2_sbdirty = true;
}

/* Try to take a block in group g at or after bit start.  [a] */
static int
ext2_blkalloc_group(struct ext2_mount *fs, uint32_t g, uint32_t start,
    uint64_t *blkp)
{
	uint32_t nbits = ext2_group_nblocks(fs, g), bit, fb;
	uint64_t bmap = ext2_gd_block_bitmap(fs, g);
	struct buf *bp;
	uint8_t *map;
	int error;

	fb = ext2_gd_free_blocks(fs, g);
	if (fb == 0)
		return ENOSPC;
	if (e2_le16(ext2_gd(fs, g)->bg_flags) & EXT2_BG_BLOCK_UNINIT)
		return ENOSPC;
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs, bmap), fs->e2_bsize, 0,
	    &bp);
	if (error != 0)
		return error;
	map = bp->b_data;
	start = MIN(start, nbits);
	bit = ext2_bit_findzero(map, start, nbits);
	if (bit == nbits && start != 0) {
		bit = ext2_bit_findzero(map, 0, start);
		if (bit == start)
			bit = nbits;
	}
	if (bit >= nbits) {
		brelse(bp, 0);
		return ext2_corrupt(fs, "group %u: %u free blocks counted, "
		    "none in the bitmap", g, fb);
	}
	*blkp = fs->e2_first_dblock + (uint64_t)g * fs->e2_bpg + bit;
	if (!ext2_blk_valid(fs, *blkp)) {
		brelse(bp, 0);
		return ext2_corrupt(fs, "group %u: free block %llu", g,
		    (unsigned long long)*blkp);
	}
	map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	bdwrite(bp);
	ext2_gd_set_counts(fs, g, fb - 1, ext2_gd_free_inodes(fs, g),
	    ext2_gd_used_dirs(fs, g));
	ext2_sb_set_free_blocks(fs, ext2_sb_free_blocks(fs) - 1);
	return 0;
}

int
ext2_blkalloc(struct ext2_mount *fs, uint64_t goal, uint64_t *blkp)
{
	uint32_t g0, g, i, start;
	int error = ENOSPC;

	if (goal <= fs->e2_first_dblock || goal >= fs->e2_nblocks)
		goal = fs->e2_first_dblock;
	g0 = (uint32_t)((goal - fs->e2_first_dblock) / fs->e2_bpg);
	rw_enter(&fs->e2_alloclock, RW_WRITER);
	if (ext2_sb_free_blocks(fs) == 0)
		goto out;
	for (i = 0; i < fs->e2_ngroups; i++) {
		g = (g0 + i) % fs->e2_ngroups;
		start = i == 0 ? (uint32_t)((goal - fs->e2_first_dblock) %
		    fs->e2_bpg) : 0;
		error = ext2_blkalloc_group(fs, g, start, blkp);
		if (error != ENOSPC && error != EUCLEAN)
			break;
	}
	if (error == EUCLEAN)
		error = ENOSPC;
out:
	rw_exit(&fs->e2_alloclock);
	return error;
}

int
ext2_blkfree(struct ext2_mount *fs, uint64_t blk)
{
	struct buf *bp;
	uint32_t g, bit;
	uint8_t *map;
	int error;

	if (!ext2_blk_valid(fs, blk))
		return ext2_corrupt(fs, "freeing block %llu",
		    (unsigned long long)blk);
	g = (uint32_t)((blk - fs->e2_first_dblock) / fs->e2_bpg);
	bit = (uint32_t)((blk - fs->e2_first_dblock) % fs->e2_bpg);
	rw_enter(&fs->e2_alloclock, RW_WRITER);
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs,
	    ext2_gd_block_bitmap(fs, g)), fs->e2_bsize, 0, &bp);
	if (error != 0)
		goto out;
	map = bp->b_data;
	if (!(map[bit >> 3] & (1u << (bit & 7)))) {
		brelse(bp, 0);
		error = ext2_corrupt(fs, "freeing free block %llu",
		    (unsigned long long)blk);
		goto out;
	}
	map[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
	bdwrite(bp);
	ext2_gd_set_counts(fs, g, ext2_gd_free_blocks(fs, g) + 1,
	    ext2_gd_free_inodes(fs, g), ext2_gd_used_dirs(fs, g));
	ext2_sb_set_free_blocks(fs, ext2_sb_free_blocks(fs) + 1);
out:
	rw_exit(&fs->e2_alloclock);
	return error;
}

/* Try to take an inode in group g.  [a] */
static int
ext2_ialloc_group(struct ext2_mount *fs, uint32_t g, bool isdir,
    uint32_t *inop)
{
	uint32_t fi = ext2_gd_free_inodes(fs, g), bit, start = 0, nbits;
	struct buf *bp;
	uint8_t *map;
	int error;

	if (fi == 0)
		return ENOSPC;
	if (e2_le16(ext2_gd(fs, g)->bg_flags) & EXT2_BG_INODE_UNINIT)
		return ENOSPC;
	nbits = MIN(fs->e2_ipg, fs->e2_ninodes - g * fs->e2_ipg);
	if (g * fs->e2_ipg < fs->e2_first_ino - 1)
		start = fs->e2_first_ino - 1 - g * fs->e2_ipg;
	if (start >= nbits)
		return ENOSPC;
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs,
	    ext2_gd_inode_bitmap(fs, g)), fs->e2_bsize, 0, &bp);
	if (error != 0)
		return error;
	map = bp->b_data;
	bit = ext2_bit_findzero(map, start, nbits);
	if (bit == nbits) {
		brelse(bp, 0);
		return ext2_corrupt(fs, "group %u: %u free inodes counted, "
		    "none in the bitmap", g, fi);
	}
	map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	bdwrite(bp);
	ext2_gd_set_counts(fs, g, ext2_gd_free_blocks(fs, g), fi - 1,
	    ext2_gd_used_dirs(fs, g) + (isdir ? 1 : 0));
	ext2_sb_add_free_inodes(fs, -1);
	*inop = g * fs->e2_ipg + bit + 1;
	return 0;
}

/* Is group g a good home for a new directory? */
static bool
ext2_dir_group_ok(struct ext2_mount *fs, uint32_t g)
{
	uint64_t avgi = e2_le32(fs->e2_sb.s_free_inodes_count) /
	    fs->e2_ngroups;
	uint64_t avgb = ext2_sb_free_blocks(fs) / fs->e2_ngroups;

	return ext2_gd_free_inodes(fs, g) >= MAX(avgi, 1) &&
	    ext2_gd_free_blocks(fs, g) >= avgb;
}

int
ext2_ialloc(struct ext2_mount *fs, uint32_t dirino, bool isdir,
    uint32_t *inop)
{
	uint32_t g0, g, i;
	int error = ENOSPC;

	g0 = (dirino - 1) / fs->e2_ipg;
	rw_enter(&fs->e2_alloclock, RW_WRITER);
	if (e2_le32(fs->e2_sb.s_free_inodes_count) == 0)
		goto out;
	if (isdir) {
		for (i = 1; i <= fs->e2_ngroups; i++) {
			g = (fs->e2_lastgroup + i) % fs->e2_ngroups;
			if (!ext2_dir_group_ok(fs, g))
				continue;
			error = ext2_ialloc_group(fs, g, true, inop);
			if (error != ENOSPC && error != EUCLEAN) {
				fs->e2_lastgroup = g;
				goto out;
			}
		}
	}
	for (i = 0; i < fs->e2_ngroups; i++) {
		g = (g0 + i) % fs->e2_ngroups;
		error = ext2_ialloc_group(fs, g, isdir, inop);
		if (error != ENOSPC && error != EUCLEAN)
			break;
	}
	if (error == EUCLEAN)
		error = ENOSPC;
out:
	rw_exit(&fs->e2_alloclock);
	return error;
}

int
ext2_ifree(struct ext2_mount *fs, uint32_t ino, bool isdir)
{
	struct buf *bp;
	uint32_t g, bit, dirs;
	uint8_t *map;
	int error;

	if (ino < fs->e2_first_ino || ino > fs->e2_ninodes)
		return ext2_corrupt(fs, "freeing inode %u", ino);
	g = (ino - 1) / fs->e2_ipg;
	bit = (ino - 1) % fs->e2_ipg;
	rw_enter(&fs->e2_alloclock, RW_WRITER);
	error = bread(fs->e2_devvp, ext2_fsbtodb(fs,
	    ext2_gd_inode_bitmap(fs, g)), fs->e2_bsize, 0, &bp);
	if (error != 0)
		goto out;
	map = bp->b_data;
	if (!(map[bit >> 3] & (1u << (bit & 7)))) {
		brelse(bp, 0);
		error = ext2_corrupt(fs, "freeing free inode %u", ino);
		goto out;
	}
	map[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
	bdwrite(bp);
	dirs = ext2_gd_used_dirs(fs, g);
	if (isdir && dirs > 0)
		dirs--;
	ext2_gd_set_counts(fs, g, ext2_gd_free_blocks(fs, g),
	    ext2_gd_free_inodes(fs, g) + 1, dirs);
	ext2_sb_add_free_inodes(fs, 1);
out:
	rw_exit(&fs->e2_alloclock);
	return error;
}
