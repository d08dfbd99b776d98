/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_vfsops.c: the ext2 file system type: mount, unmount, sync,
 * statfs, the vnode cache's loader and the component that registers it
 * (as "ext2fs", and under the names "ext2", "ext3" and "ext4").
 *
 * Mount opens the block device named by the source, reads and checks the
 * superblock and every group descriptor, and decides from the feature
 * bits what the mount may do:
 *	- an unknown incompatible feature refuses the mount (the console
 *	  names the features);
 *	- features we read but do not write (ext4's extents, 64bit, flex_bg,
 *	  metadata checksums, unknown read-only-compatible ones) make the
 *	  mount read-only;
 *	- a journal that needs recovery is replayed for a read-write mount
 *	  (ext2fs_journal.c; EROFS if it cannot be), not for a read-only one.
 * A read-write mount marks the superblock not clean, counts the mount
 * and stamps the mount time; unmount writes everything, then the clean
 * state last.
 *
 * Options: ro, rw, sync, async, noatime, atime, relatime, strictatime,
 * nodiratime, defaults.  Others give EINVAL.
 *
 * Called by the VFS through ext2fs_vfsops.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/callout.h"
#include "kern/component.h"
#include "vfs/file.h"
#include "fs/ext2fs/ext2fs_impl.h"

/* Features we read; features we also write. */
#define EXT2_FI_READ (EXT2_FI_FILETYPE | EXT2_FI_RECOVER | EXT2_FI_META_BG | \
	EXT2_FI_EXTENTS | EXT2_FI_64BIT | EXT2_FI_FLEX_BG | EXT2_FI_MMP | \
	EXT2_FI_CSUM_SEED | EXT2_FI_LARGEDIR)
#define EXT2_FI_WRITE (EXT2_FI_FILETYPE | EXT2_FI_RECOVER)
#define EXT2_FRO_WRITE (EXT2_FRO_SPARSE_SUPER | EXT2_FRO_LARGE_FILE)

struct ext2_featname {
	uint32_t fn_bit;
	const char *fn_name;
};

static const struct ext2_featname ext2_incompat_names[] = {
	{ EXT2_FI_COMPRESSION, "compression" }, { EXT2_FI_FILETYPE, "filetype" },
	{ EXT2_FI_RECOVER, "needs_recovery" },
	{ EXT2_FI_JOURNAL_DEV, "journal_dev" }, { EXT2_FI_META_BG, "meta_bg" },
	{ EXT2_FI_EXTENTS, "extent" }, { EXT2_FI_64BIT, "64bit" },
	{ EXT2_FI_MMP, "mmp" }, { EXT2_FI_FLEX_BG, "flex_bg" },
	{ EXT2_FI_EA_INODE, "ea_inode" }, { EXT2_FI_DIRDATA, "dirdata" },
	{ EXT2_FI_CSUM_SEED, "metadata_csum_seed" },
	{ EXT2_FI_LARGEDIR, "large_dir" },
	{ EXT2_FI_INLINE_DATA, "inline_data" },
	{ EXT2_FI_ENCRYPT, "encrypt" }, { EXT2_FI_CASEFOLD, "casefold" },
};

static const struct ext2_featname ext2_rocompat_names[] = {
	{ EXT2_FRO_SPARSE_SUPER, "sparse_super" },
	{ EXT2_FRO_LARGE_FILE, "large_file" },
	{ EXT2_FRO_BTREE_DIR, "btree_dir" }, { EXT2_FRO_HUGE_FILE, "huge_file" },
	{ EXT2_FRO_GDT_CSUM, "uninit_bg" }, { EXT2_FRO_DIR_NLINK, "dir_nlink" },
	{ EXT2_FRO_EXTRA_ISIZE, "extra_isize" },
	{ EXT2_FRO_HAS_SNAPSHOT, "snapshot" }, { EXT2_FRO_QUOTA, "quota" },
	{ EXT2_FRO_BIGALLOC, "bigalloc" },
	{ EXT2_FRO_METADATA_CSUM, "metadata_csum" },
	{ EXT2_FRO_REPLICA, "replica" }, { EXT2_FRO_READONLY, "read-only" },
	{ EXT2_FRO_PROJECT, "project" }, { EXT2_FRO_VERITY, "verity" },
	{ EXT2_FRO_ORPHAN_PRESENT, "orphan_present" },
};

/* Format the names of the bits of feat into buf ("a b 0x100"). */
static void
ext2_featnames(char *buf, size_t len, uint32_t feat,
    const struct ext2_featname *names, size_t nnames)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < nnames; i++) {
		if (feat & names[i].fn_bit) {
			strlcat(buf, " ", len);
			strlcat(buf, names[i].fn_name, len);
			feat &= ~names[i].fn_bit;
		}
	}
	if (feat != 0) {
		char hex[16];

		snprintf(hex, sizeof(hex), " 0x%x", feat);
		strlcat(buf, hex, len);
	}
}

int
ext2_corrupt(struct ext2_mount *fs, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("ext2fs: %s: corrupt: %s\n", fs->e2_mount->mnt_source, msg);
	atomic_store_relaxed(&fs->e2_errors, true);
	return EUCLEAN;
}

bool
ext2_blk_valid(struct ext2_mount *fs, uint64_t b)
{
	return b > fs->e2_first_dblock && b < fs->e2_nblocks;
}

/* Group descriptors. */
struct ext2_gd *
ext2_gd(struct ext2_mount *fs, uint32_t g)
{
	KASSERT(g < fs->e2_ngroups);
	return (struct ext2_gd *)(void *)(fs->e2_gd +
	    (size_t)g * fs->e2_descsize);
}

static uint64_t
ext2_gd_hi(struct ext2_mount *fs, uint32_t lo, uint32_t hi)
{
	return (uint64_t)e2_le32(lo) |
	    (fs->e2_descsize >= EXT2_GD_SIZE_64 ? (uint64_t)e2_le32(hi) << 32 : 0);
}

uint64_t
ext2_gd_block_bitmap(struct ext2_mount *fs, uint32_t g)
{
	struct ext2_gd *gd = ext2_gd(fs, g);

	return ext2_gd_hi(fs, gd->bg_block_bitmap, gd->bg_block_bitmap_hi);
}

uint64_t
ext2_gd_inode_bitmap(struct ext2_mount *fs, uint32_t g)
{
	struct ext2_gd *gd = ext2_gd(fs, g);

	return ext2_gd_hi(fs, gd->bg_inode_bitmap, gd->bg_inode_bitmap_hi);
}

uint64_t
ext2_gd_inode_table(struct ext2_mount *fs, uint32_t g)
{
	struct ext2_gd *gd = ext2_gd(fs, g);

	return ext2_gd_hi(fs, gd->bg_inode_table, gd->bg_inode_table_hi);
}

static uint32_t
ext2_gd16(struct ext2_mount *fs, uint16_t lo, uint16_t hi)
{
	return (uint32_t)e2_le16(lo) |
	    (fs->e2_descsize >= EXT2_GD_SIZE_64 ? (uint32_t)e2_le16(hi) << 16 : 0);
}

uint32_t
ext2_gd_free_blocks(struct ext2_mount *fs, uint32_t g)
{
	struct ext2_gd *gd = ext2_gd(fs, g);

	return ext2_gd16(fs, gd->bg_free_blocks_count,
	    gd->bg_free_blocks_count_hi);
}

uint32_t
ext2_gd_free_inodes(struct ext2_mount *fs, uint32_t g)
{
	struct ext2_gd *gd = ext2_gd(fs, g);

	return ext2_gd16(fs, gd->bg_free_inodes_count,
	    gd->bg_free_inodes_count_hi);
}

uint32_t
ext2_gd_used_dirs(struct ext2_mount *fs, uint32_t g)
{
	struct ext2_gd *gd = ext2_gd(fs, g);

	return ext2_gd16(fs, gd->bg_used_dirs_count, gd->bg_used_dirs_count_hi);
}

/* Set the counts of group g and mark its descriptor block dirty.  [a] */
void
ext2_gd_set_counts(struct ext2_mount *fs, uint32_t g, uint32_t fblocks,
    uint32_t finodes, uint32_t dirs)
{
	struct ext2_gd *gd = ext2_gd(fs, g);

	KASSERT(rw_write_held(&fs->e2_alloclock));
	gd->bg_free_blocks_count = e2_le16(fblocks);
	gd->bg_free_inodes_count = e2_le16(finodes);
	gd->bg_used_dirs_count = e2_le16(dirs);
	if (fs->e2_descsize >= EXT2_GD_SIZE_64) {
		gd->bg_free_blocks_count_hi = e2_le16(fblocks >> 16);
		gd->bg_free_inodes_count_hi = e2_le16(finodes >> 16);
		gd->bg_used_dirs_count_hi = e2_le16(dirs >> 16);
	}
	fs->e2_gddirty[(size_t)g * fs->e2_descsize / fs->e2_bsize] = 1;
	fs->e2_sbdirty = true;
}

uint64_t
ext2_sb_free_blocks(struct ext2_mount *fs)
{
	uint64_t n = e2_le32(fs->e2_sb.s_free_blocks_count);

	if (fs->e2_incompat & EXT2_FI_64BIT)
		n |= (uint64_t)e2_le32(fs->e2_sb.s_free_blocks_count_hi) << 32;
	return n;
}

void
ext2_sb_set_free_blocks(struct ext2_mount *fs, uint64_t n)
{
	fs->e2_sb.s_free_blocks_count = e2_le32((uint32_t)n);
	if (fs->e2_incompat & EXT2_FI_64BIT)
		fs->e2_sb.s_free_blocks_count_hi = e2_le32((uint32_t)(n >> 32));
	fs->e2_sbdirty = true;
}

uint32_t
ext2_group_nblocks(struct ext2_mount *fs, uint32_t g)
{
	uint64_t first = fs->e2_first_dblock + (uint64_t)g * fs->e2_bpg;

	return (uint32_t)MIN((uint64_t)fs->e2_bpg, fs->e2_nblocks - first);
}

/* Does group g carry a superblock backup (and descriptors)? */
static bool
ext2_group_has_super(struct ext2_mount *fs, uint32_t g)
{
	uint32_t p;

	if (g <= 1 || !(fs->e2_rocompat & EXT2_FRO_SPARSE_SUPER))
		return true;
	if ((g & 1) == 0)
		return false;
	for (p = 3; p <= 7; p += 2) {
		uint64_t x = p;

		while (x < g)
			x *= p;
		if (x == g)
			return true;
	}
	return false;
}

/* Where descriptor block i lives. */
static uint64_t
ext2_gdblock_addr(struct ext2_mount *fs, uint32_t i)
{
	uint32_t per = fs->e2_bsize / fs->e2_descsize, g;

	if (!(fs->e2_incompat & EXT2_FI_META_BG) ||
	    i < e2_le32(fs->e2_sb.s_first_meta_bg))
		return fs->e2_first_dblock + 1 + (uint64_t)i;
	g = i * per;
	return fs->e2_first_dblock + (uint64_t)g * fs->e2_bpg +
	    (ext2_group_has_super(fs, g) ? 1 : 0);
}

/* Option parsing. */
static int
ext2_opt_parse(struct mount *mp, const char *options)
{
	static const char *const known[] = {
		"ro", "rw", "sync", "async", "noatime", "atime", "relatime",
		"strictatime", "nodiratime", "defaults", "errors",
	};
	const char *p = options, *end;
	size_t len, i;

	while (p != NULL && *p != '\0') {
		for (end = p; *end != '\0' && *end != ','; end++)
			continue;
		for (len = 0; p + len < end && p[len] != '='; len++)
			continue;
		for (i = 0; i < nitems(known); i++) {
			if (strlen(known[i]) == len &&
			    strncmp(known[i], p, len) == 0)
				break;
		}
		if (len != 0 && i == nitems(known))
			return EINVAL;
		p = *end == ',' ? end + 1 : end;
	}
	if (vfs_getopt(options, "ro", NULL, NULL))
		mp->mnt_flag |= MNT_RDONLY;
	if (vfs_getopt(options, "sync", NULL, NULL))
		mp->mnt_flag |= MNT_SYNCHRONOUS;
	if (vfs_getopt(options, "noatime", NULL, NULL))
		mp->mnt_flag |= MNT_NOATIME;
	return 0;
}

/*
 * Check the superblock and derive the geometry into fs.  devsize is the
 * device size in bytes.  0, or EINVAL (not ext2 at all), EUCLEAN.
 */
static int
ext2_sb_check(struct ext2_mount *fs, const char *src, uint64_t devsize)
{
	struct ext2_super *sb = &fs->e2_sb;
	uint32_t rev, logb;
	uint64_t nblk, grp;

	if (e2_le16(sb->s_magic) != EXT2_MAGIC) {
		printf("ext2fs: %s: no ext2 superblock\n", src);
		return EINVAL;
	}
	rev = e2_le32(sb->s_rev_level);
	logb = e2_le32(sb->s_log_block_size);
	if (rev > EXT2_REV_DYNAMIC || logb > 6) {
		printf("ext2fs: %s: revision %u, block size 2^%u unsupported\n",
		    src, rev, logb + 10);
		return EINVAL;
	}
	fs->e2_bsize = 1024u << logb;
	fs->e2_bshift = 10 + logb;
	fs->e2_fsbtodb = fs->e2_bshift - DEV_BSHIFT;
	fs->e2_apb = fs->e2_bsize / 4;
	if (rev == EXT2_REV_GOOD_OLD) {
		fs->e2_isize = EXT2_GOOD_OLD_INODE_SIZE;
		fs->e2_first_ino = EXT2_GOOD_OLD_FIRST_INO;
		fs->e2_compat = fs->e2_incompat = fs->e2_rocompat = 0;
	} else {
		fs->e2_isize = e2_le16(sb->s_inode_size);
		fs->e2_first_ino = e2_le32(sb->s_first_ino);
		fs->e2_compat = e2_le32(sb->s_feature_compat);
		fs->e2_incompat = e2_le32(sb->s_feature_incompat);
		fs->e2_rocompat = e2_le32(sb->s_feature_ro_compat);
	}
	if (fs->e2_isize < EXT2_GOOD_OLD_INODE_SIZE ||
	    !powerof2(fs->e2_isize) || fs->e2_isize > fs->e2_bsize)
		return ext2_corrupt(fs, "inode size %u", fs->e2_isize);
	fs->e2_ipb = fs->e2_bsize / fs->e2_isize;

	nblk = e2_le32(sb->s_blocks_count);
	if (fs->e2_incompat & EXT2_FI_64BIT)
		nblk |= (uint64_t)e2_le32(sb->s_blocks_count_hi) << 32;
	fs->e2_nblocks = nblk;
	fs->e2_first_dblock = e2_le32(sb->s_first_data_block);
	fs->e2_bpg = e2_le32(sb->s_blocks_per_group);
	fs->e2_ipg = e2_le32(sb->s_inodes_per_group);
	fs->e2_ninodes = e2_le32(sb->s_inodes_count);
	if (fs->e2_first_dblock != (fs->e2_bsize == 1024 ? 1u : 0u) &&
	    !(fs->e2_rocompat & EXT2_FRO_BIGALLOC))
		return ext2_corrupt(fs, "first data block %u",
		    fs->e2_first_dblock);
	if (fs->e2_bpg == 0 || fs->e2_bpg > 8 * fs->e2_bsize ||
	    fs->e2_ipg == 0 || fs->e2_ipg > 8 * fs->e2_bsize ||
	    fs->e2_ipg % fs->e2_ipb != 0)
		return ext2_corrupt(fs, "%u blocks, %u inodes per group",
		    fs->e2_bpg, fs->e2_ipg);
	if (nblk <= fs->e2_first_dblock + 1 || nblk > ((uint64_t)1 << 48))
		return ext2_corrupt(fs, "%llu blocks", (unsigned long long)nblk);
	if (nblk > devsize >> fs->e2_bshift) {
		printf("ext2fs: %s: file system of %llu blocks is larger than "
		    "the device (%llu bytes)\n", src, (unsigned long long)nblk,
		    (unsigned long long)devsize);
		return EUCLEAN;
	}
	grp = howmany(nblk - fs->e2_first_dblock, fs->e2_bpg);
	if (grp > UINT32_MAX / 2 || grp * fs->e2_ipg > UINT32_MAX)
		return ext2_corrupt(fs, "%llu groups", (unsigned long long)grp);
	fs->e2_ngroups = (uint32_t)grp;
	if (fs->e2_ninodes == 0 || fs->e2_ninodes > grp * fs->e2_ipg)
		return ext2_corrupt(fs, "%u inodes in %u groups",
		    fs->e2_ninodes, fs->e2_ngroups);
	if (fs->e2_first_ino < EXT2_GOOD_OLD_FIRST_INO ||
	    fs->e2_first_ino >= fs->e2_ninodes)
		return ext2_corrupt(fs, "first inode %u", fs->e2_first_ino);
	fs->e2_itblocks = fs->e2_ipg / fs->e2_ipb;

	if (fs->e2_incompat & EXT2_FI_64BIT) {
		fs->e2_descsize = e2_le16(sb->s_desc_size);
		if (fs->e2_descsize < EXT2_GD_SIZE_64 ||
		    fs->e2_descsize > fs->e2_bsize ||
		    !powerof2(fs->e2_descsize))
			return ext2_corrupt(fs, "descriptor size %u",
			    fs->e2_descsize);
	} else {
		fs->e2_descsize = EXT2_GD_SIZE;
	}
	fs->e2_gdblocks = (uint32_t)howmany((uint64_t)fs->e2_ngroups *
	    fs->e2_descsize, fs->e2_bsize);
	if (fs->e2_gdblocks >= nblk)
		return ext2_corrupt(fs, "%u descriptor blocks", fs->e2_gdblocks);
	fs->e2_maxfilesize = ext2_maxfilesize(fs);
	return 0;
}

/* Check the features: 0, or EINVAL for ones we cannot even read. */
static int
ext2_feature_check(struct ext2_mount *fs, const char *src, bool *forcero)
{
	char names[160];
	uint32_t bad;

	bad = fs->e2_incompat & ~EXT2_FI_READ;
	if (bad != 0) {
		ext2_featnames(names, sizeof(names), bad, ext2_incompat_names,
		    nitems(ext2_incompat_names));
		printf("ext2fs: %s: unsupported incompatible features:%s\n",
		    src, names);
		return EINVAL;
	}
	*forcero = false;
	bad = fs->e2_incompat & ~EXT2_FI_WRITE;
	if (bad != 0) {
		ext2_featnames(names, sizeof(names), bad, ext2_incompat_names,
		    nitems(ext2_incompat_names));
		printf("ext2fs: %s: read-only: no write support for%s\n", src,
		    names);
		*forcero = true;
	}
	bad = fs->e2_rocompat & ~EXT2_FRO_WRITE;
	if (bad != 0) {
		ext2_featnames(names, sizeof(names), bad, ext2_rocompat_names,
		    nitems(ext2_rocompat_names));
		printf("ext2fs: %s: read-only: no write support for%s\n", src,
		    names);
		*forcero = true;
	}
	return 0;
}

/* Check group g's descriptor against the geometry. */
static int
ext2_gd_check(struct ext2_mount *fs, uint32_t g)
{
	uint64_t bb = ext2_gd_block_bitmap(fs, g);
	uint64_t ib = ext2_gd_inode_bitmap(fs, g);
	uint64_t it = ext2_gd_inode_table(fs, g);
	uint16_t flags = e2_le16(ext2_gd(fs, g)->bg_flags);

	if (!ext2_blk_valid(fs, bb) && !(flags & EXT2_BG_BLOCK_UNINIT &&
	    bb == 0))
		return ext2_corrupt(fs, "group %u: block bitmap %llu", g,
		    (unsigned long long)bb);
	if (!ext2_blk_valid(fs, ib))
		return ext2_corrupt(fs, "group %u: inode bitmap %llu", g,
		    (unsigned long long)ib);
	if (!ext2_blk_valid(fs, it) ||
	    it + fs->e2_itblocks > fs->e2_nblocks)
		return ext2_corrupt(fs, "group %u: inode table %llu", g,
		    (unsigned long long)it);
	if (ext2_gd_free_blocks(fs, g) > ext2_group_nblocks(fs, g) ||
	    ext2_gd_free_inodes(fs, g) > fs->e2_ipg ||
	    ext2_gd_used_dirs(fs, g) > fs->e2_ipg)
		return ext2_corrupt(fs, "group %u: counts", g);
	return ext2_gd_csum_verify(fs, g);
}

static int
ext2_gd_load(struct ext2_mount *fs)
{
	struct buf *bp;
	uint32_t i, g;
	uint64_t b;
	int error;

	fs->e2_gd = kmem_zalloc((size_t)fs->e2_gdblocks * fs->e2_bsize,
	    KM_SLEEP);
	fs->e2_gddirty = kmem_zalloc(fs->e2_gdblocks, KM_SLEEP);
	for (i = 0; i < fs->e2_gdblocks; i++) {
		b = ext2_gdblock_addr(fs, i);
		if (b >= fs->e2_nblocks)
			return ext2_corrupt(fs, "descriptor block %llu",
			    (unsigned long long)b);
		error = bread(fs->e2_devvp, ext2_fsbtodb(fs, b), fs->e2_bsize,
		    0, &bp);
		if (error != 0)
			return error;
		memcpy(fs->e2_gd + (size_t)i * fs->e2_bsize, bp->b_data,
		    fs->e2_bsize);
		brelse(bp, 0);
	}
	for (g = 0; g < fs->e2_ngroups; g++) {
		error = ext2_gd_check(fs, g);
		if (error != 0)
			return error;
	}
	return 0;
}

/* Write the in-memory superblock (and nothing else).  [a] or unmount. */
static int
ext2_sb_write(struct ext2_mount *fs, bool wait)
{
	struct buf *bp;
	int error;

	error = bread(fs->e2_devvp, EXT2_SUPER_OFFSET / DEV_BSIZE,
	    EXT2_SUPER_SIZE, 0, &bp);
	if (error != 0)
		return error;
	memcpy(bp->b_data, &fs->e2_sb, EXT2_SUPER_SIZE);
	fs->e2_sbdirty = false;
	if (wait)
		return bwrite(bp);
	bdwrite(bp);
	return 0;
}

/*
 * Put the descriptors and the superblock into the buffer cache and flush
 * the device (waiting when wait).  0 or the first I/O error.
 */
int
ext2_sync_fs(struct ext2_mount *fs, bool wait)
{
	struct buf *bp;
	struct rump_timespec now;
	uint32_t i;
	int error = 0, e;

	if (atomic_load_relaxed(&fs->e2_ronly))
		return 0;
	rw_enter(&fs->e2_synclock, RW_WRITER);
	rw_enter(&fs->e2_alloclock, RW_WRITER);
	for (i = 0; i < fs->e2_gdblocks; i++) {
		if (!fs->e2_gddirty[i])
			continue;
		e = bread(fs->e2_devvp, ext2_fsbtodb(fs,
		    ext2_gdblock_addr(fs, i)), fs->e2_bsize, 0, &bp);
		if (e != 0) {
			error = error ? error : e;
			continue;
		}
		memcpy(bp->b_data, fs->e2_gd + (size_t)i * fs->e2_bsize,
		    fs->e2_bsize);
		fs->e2_gddirty[i] = 0;
		bdwrite(bp);
	}
	if (fs->e2_sbdirty) {
		getnanotime(&now);
		fs->e2_sb.s_wtime = e2_le32((uint32_t)now.tv_sec);
		e = ext2_sb_write(fs, false);
		error = error ? error : e;
	}
	rw_exit(&fs->e2_alloclock);
	e = bio_flush(fs->e2_devvp, wait ? BIO_FLUSH_WAIT : 0);
	rw_exit(&fs->e2_synclock);
	return error ? error : e;
}

static void ext2_gd_free(struct ext2_mount *fs);

static void
ext2_mount_free(struct ext2_mount *fs)
{
	ext2_gd_free(fs);
	rw_destroy(&fs->e2_alloclock);
	rw_destroy(&fs->e2_synclock);
	kmem_free(fs, sizeof(*fs));
}

/* Read and check everything; fs->e2_devvp is open. */
static int
ext2_mount_read(struct ext2_mount *fs, const char *src, bool *forcero)
{
	struct buf *bp;
	uint64_t devsize;
	unsigned secsize;
	int error;

	error = bdev_size(fs->e2_devvp, &devsize, &secsize);
	if (error != 0)
		return error;
	if (devsize < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE) {
		printf("ext2fs: %s: device too small\n", src);
		return EINVAL;
	}
	error = bread(fs->e2_devvp, EXT2_SUPER_OFFSET / DEV_BSIZE,
	    EXT2_SUPER_SIZE, 0, &bp);
	if (error != 0)
		return error;
	memcpy(&fs->e2_sb, bp->b_data, EXT2_SUPER_SIZE);
	brelse(bp, 0);

	if ((error = ext2_sb_check(fs, src, devsize)) != 0)
		return error;
	if ((error = ext2_feature_check(fs, src, forcero)) != 0)
		return error;
	fs->e2_csum = (fs->e2_rocompat & EXT2_FRO_METADATA_CSUM) != 0;
	if (fs->e2_csum) {
		if ((error = ext2_sb_csum_verify(fs, &fs->e2_sb)) != 0)
			return error;
		if (fs->e2_incompat & EXT2_FI_CSUM_SEED)
			fs->e2_csum_seed = e2_le32(fs->e2_sb.s_checksum_seed);
		else
			fs->e2_csum_seed = ext2_crc32c(~0u, fs->e2_sb.s_uuid,
			    sizeof(fs->e2_sb.s_uuid));
	}
	return ext2_gd_load(fs);
}

static void
ext2_gd_free(struct ext2_mount *fs)
{
	if (fs->e2_gd != NULL)
		kmem_free(fs->e2_gd, (size_t)fs->e2_gdblocks * fs->e2_bsize);
	if (fs->e2_gddirty != NULL)
		kmem_free(fs->e2_gddirty, fs->e2_gdblocks);
	fs->e2_gd = NULL;
	fs->e2_gddirty = NULL;
}

/*
 * Replay the journal of a read-write mount, then read the superblock and
 * descriptors again (the journal may have held them) and clear
 * needs_recovery.  0, or EROFS when the journal cannot be replayed.
 */
static int
ext2_recover(struct ext2_mount *fs, const char *src, bool *forcero)
{
	int error;

	error = ext2_journal_replay(fs);
	if (error != 0) {
		printf("ext2fs: %s: the journal needs recovery; mount "
		    "read-only or run e2fsck\n", src);
		return EROFS;
	}
	bio_invalidate(fs->e2_devvp);
	ext2_gd_free(fs);
	error = ext2_mount_read(fs, src, forcero);
	if (error != 0)
		return error;
	fs->e2_incompat &= ~EXT2_FI_RECOVER;
	fs->e2_sb.s_feature_incompat = e2_le32(fs->e2_incompat);
	fs->e2_sbdirty = true;
	return 0;
}

/* Mark a read-write mount in the superblock (not clean, counted). */
static int
ext2_mount_mark(struct ext2_mount *fs, const char *src)
{
	struct ext2_super *sb = &fs->e2_sb;
	struct rump_timespec now;
	uint16_t state = e2_le16(sb->s_state);
	int16_t max = (int16_t)e2_le16(sb->s_max_mnt_count);

	if (!(state & EXT2_STATE_VALID))
		printf("ext2fs: %s: not cleanly unmounted; run e2fsck\n", src);
	else if (state & EXT2_STATE_ERROR)
		printf("ext2fs: %s: contains errors; run e2fsck\n", src);
	else if (max > 0 && e2_le16(sb->s_mnt_count) >= (uint16_t)max)
		printf("ext2fs: %s: maximal mount count reached; run e2fsck\n",
		    src);
	if (e2_le32(sb->s_last_orphan) != 0)
		printf("ext2fs: %s: orphan inodes left; run e2fsck\n", src);
	getnanotime(&now);
	sb->s_mtime = e2_le32((uint32_t)now.tv_sec);
	sb->s_wtime = sb->s_mtime;
	sb->s_mnt_count = e2_le16(e2_le16(sb->s_mnt_count) + 1);
	sb->s_state = e2_le16(state & ~EXT2_STATE_VALID);
	return ext2_sb_write(fs, true);
}

static int
ext2fs_mount(struct mount *mp, const char *source, const char *options,
    kauth_cred_t cred)
{
	struct ext2_mount *fs;
	bool forcero = false, ronly;
	int error;

	if (source == NULL)
		return EINVAL;
	error = ext2_opt_parse(mp, options);
	if (error != 0)
		return error;
	ronly = (mp->mnt_flag & MNT_RDONLY) != 0;

	fs = kmem_zalloc(sizeof(*fs), KM_SLEEP);
	rw_init(&fs->e2_alloclock, "ext2alloc");
	rw_init(&fs->e2_synclock, "ext2sync");
	fs->e2_mount = mp;
	fs->e2_fflags = FREAD | (ronly ? 0 : FWRITE);
	error = bdev_open(source, fs->e2_fflags, cred, &fs->e2_devvp);
	if (error != 0) {
		ext2_mount_free(fs);
		return error;
	}
	mp->mnt_data = fs;
	error = ext2_mount_read(fs, source, &forcero);
	if (error != 0)
		goto out_close;
	if (!ronly && !forcero && (fs->e2_incompat & EXT2_FI_RECOVER)) {
		error = ext2_recover(fs, source, &forcero);
		if (error != 0)
			goto out_close;
	} else if (fs->e2_incompat & EXT2_FI_RECOVER) {
		printf("ext2fs: %s: the journal needs recovery; %s\n", source,
		    ronly ? "reading without replaying it" :
		    "mount read-only or run e2fsck");
		if (!ronly) {
			error = EROFS;
			goto out_close;
		}
	}
	if (!ronly && (fs->e2_incompat & EXT2_FI_JOURNAL_DEV)) {
		error = EINVAL;
		goto out_close;
	}
	fs->e2_canwrite = !forcero;
	if (forcero && !ronly) {
		mp->mnt_flag |= MNT_RDONLY;
		ronly = true;
	}
	fs->e2_ronly = ronly;
	if (!ronly) {
		error = ext2_mount_mark(fs, source);
		if (error != 0)
			goto out_close;
	}
	mp->mnt_iosize = (int)fs->e2_bsize;
	return 0;

out_close:
	bio_invalidate(fs->e2_devvp);
	bdev_close(fs->e2_devvp, fs->e2_fflags);
	mp->mnt_data = NULL;
	ext2_mount_free(fs);
	return error;
}

/* Final write of a read-write mount: everything, then the clean state. */
static int
ext2_unmount_write(struct ext2_mount *fs)
{
	struct ext2_super *sb = &fs->e2_sb;
	uint16_t state;
	int error, e;

	error = ext2_sync_fs(fs, true);
	state = e2_le16(sb->s_state);
	if (error == 0 && !atomic_load_relaxed(&fs->e2_errors))
		state |= EXT2_STATE_VALID;
	if (atomic_load_relaxed(&fs->e2_errors))
		state |= EXT2_STATE_ERROR;
	sb->s_state = e2_le16(state);
	rw_enter(&fs->e2_alloclock, RW_WRITER);
	e = ext2_sb_write(fs, true);
	rw_exit(&fs->e2_alloclock);
	error = error ? error : e;
	e = bio_flush(fs->e2_devvp, BIO_FLUSH_WAIT);
	return error ? error : e;
}

static int
ext2fs_unmount(struct mount *mp, int mntflags)
{
	struct ext2_mount *fs = VFS_TO_EXT2(mp);
	int error;

	error = vflush(mp, NULL, mntflags);
	if (error != 0)
		return error;
	if (!fs->e2_ronly)
		error = ext2_unmount_write(fs);
	bio_invalidate(fs->e2_devvp);
	bdev_close(fs->e2_devvp, fs->e2_fflags);
	mp->mnt_data = NULL;
	ext2_mount_free(fs);
	return error;
}

static int
ext2fs_root(struct mount *mp, struct vnode **vpp)
{
	return ext2_vnode_get(mp, EXT2_ROOT_INO, vpp);
}

static int
ext2fs_statfs(struct mount *mp, struct rump_statfs *sbp)
{
	struct ext2_mount *fs = VFS_TO_EXT2(mp);
	uint64_t fb, rb;

	rw_enter(&fs->e2_alloclock, RW_WRITER);
	fb = ext2_sb_free_blocks(fs);
	rb = e2_le32(fs->e2_sb.s_r_blocks_count);
	if (fs->e2_incompat & EXT2_FI_64BIT)
		rb |= (uint64_t)e2_le32(fs->e2_sb.s_r_blocks_count_hi) << 32;
	sbp->f_ffree = e2_le32(fs->e2_sb.s_free_inodes_count);
	rw_exit(&fs->e2_alloclock);
	sbp->f_type = EXT2FS_MAGIC;
	sbp->f_bsize = fs->e2_bsize;
	sbp->f_frsize = fs->e2_bsize;
	sbp->f_blocks = fs->e2_nblocks - fs->e2_first_dblock;
	sbp->f_bfree = MIN(fb, sbp->f_blocks);
	sbp->f_bavail = sbp->f_bfree > rb ? sbp->f_bfree - rb : 0;
	sbp->f_files = fs->e2_ninodes;
	sbp->f_namelen = EXT2_NAME_MAX;
	return 0;
}

static int
ext2fs_sync(struct mount *mp, int waitfor, kauth_cred_t cred)
{
	return ext2_sync_fs(VFS_TO_EXT2(mp), waitfor != 0);
}

/*
 * Set up vp for the inode the key names: read and check the inode.
 * 0, or EUCLEAN for a bad inode number or contents, or EIO.
 */
static int
ext2fs_loadvnode(struct mount *mp, struct vnode *vp, const void *key,
    size_t keylen)
{
	struct ext2_mount *fs = VFS_TO_EXT2(mp);
	struct ext2_node *en;
	size_t rawsize = MAX(fs->e2_isize, sizeof(struct ext2_dinode));
	uint32_t ino;
	int error;

	KASSERT(keylen == sizeof(ino));
	memcpy(&ino, key, sizeof(ino));
	en = kmem_zalloc(sizeof(*en) + rawsize, KM_SLEEP);
	error = ext2_inode_read(fs, ino, en->en_raw);
	if (error == 0)
		error = ext2_inode_check(fs, ino, EDI(en));
	if (error != 0) {
		kmem_free(en, sizeof(*en) + rawsize);
		return error;
	}
	en->en_ino = ino;
	en->en_fs = fs;
	en->en_vnode = vp;
	en->en_mc_lbn0 = UINT64_MAX;
	mutex_init(&en->en_lock, MUTEX_DEFAULT, "ext2node");
	vp->v_type = ext2_vtype(ext2_mode(en));
	vp->v_op = &ext2fs_vnodeops;
	vp->v_data = en;
	vp->v_size = (off_t)ext2_size(en);
	return 0;
}

/* ro <-> rw.  Going read-write needs a writable file system. */
static int
ext2fs_remount(struct mount *mp, int newflags, const char *options)
{
	struct ext2_mount *fs = VFS_TO_EXT2(mp);
	bool ro = (newflags & MNT_RDONLY) != 0;
	int error;

	if (options != NULL && vfs_getopt(options, "ro", NULL, NULL))
		ro = true;
	if (ro == fs->e2_ronly)
		return 0;
	if (ro) {
		error = ext2_unmount_write(fs);
		if (error == 0)
			atomic_store_relaxed(&fs->e2_ronly, true);
		return error;
	}
	if (!fs->e2_canwrite || (fs->e2_incompat & EXT2_FI_RECOVER))
		return EROFS;
	if (!(fs->e2_fflags & FWRITE)) {
		error = bdev_reopen(fs->e2_devvp, fs->e2_fflags,
		    FREAD | FWRITE);
		if (error != 0)
			return error;
		fs->e2_fflags = FREAD | FWRITE;
	}
	error = ext2_mount_mark(fs, mp->mnt_source);
	if (error == 0)
		atomic_store_relaxed(&fs->e2_ronly, false);
	return error;
}

struct vfsops ext2fs_vfsops = {
	.vfs_name = "ext2fs",
	.vfs_mount = ext2fs_mount,
	.vfs_unmount = ext2fs_unmount,
	.vfs_root = ext2fs_root,
	.vfs_statfs = ext2fs_statfs,
	.vfs_sync = ext2fs_sync,
	.vfs_loadvnode = ext2fs_loadvnode,
	.vfs_remount = ext2fs_remount,
};

/* The same file system under the names Linux uses. */
#define EXT2FS_ALIAS(n, s) static struct vfsops n = {			\
	.vfs_name = s, .vfs_mount = ext2fs_mount,			\
	.vfs_unmount = ext2fs_unmount, .vfs_root = ext2fs_root,		\
	.vfs_statfs = ext2fs_statfs, .vfs_sync = ext2fs_sync,		\
	.vfs_loadvnode = ext2fs_loadvnode, .vfs_remount = ext2fs_remount, }
EXT2FS_ALIAS(ext2fs_vfsops_ext2, "ext2");
EXT2FS_ALIAS(ext2fs_vfsops_ext3, "ext3");
EXT2FS_ALIAS(ext2fs_vfsops_ext4, "ext4");

RUMP_COMPONENT(RUMP_COMPONENT_FS)
{
	struct vfsops *ops[] = {
		&ext2fs_vfsops, &ext2fs_vfsops_ext2, &ext2fs_vfsops_ext3,
		&ext2fs_vfsops_ext4,
	};
	size_t i;
	int error;

	for (i = 0; i < nitems(ops); i++) {
		error = vfs_register(ops[i]);
		if (error != 0)
			return error;
	}
	return 0;
}
