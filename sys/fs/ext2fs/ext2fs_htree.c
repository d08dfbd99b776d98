/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_htree.c: lookups through the hashed index of a dir_index
 * directory.
 *
 * An indexed directory (EXT2_INDEX_FL) keeps in its block 0, after the
 * "." and ".." entries, a root: hash version, depth, and a sorted array
 * of (hash, block) pairs, the first with an implicit hash of 0; with one
 * or two more levels, the blocks it names are index nodes of the same
 * kind (behind an empty entry covering the block).  The last level names
 * leaf blocks holding ordinary entries whose names hash at or above the
 * pair's hash.  A pair whose hash has the low bit set continues the hash
 * of the pair before it (a collision spilled into the next leaf).
 *
 * Hashes, as documented for the format: the legacy one, half-MD4 and TEA,
 * each over the name with signed or unsigned chars (superblock flags),
 * seeded with s_hash_seed (or the MD4 initial values when zero); the
 * result has its low bit cleared.
 *
 * ext2_htree_lookup() finds the leaf block for a name and searches only
 * that.  An index that does not make sense (bad root, counts, depth,
 * block numbers) is reported, and the caller falls back to the linear
 * scan (EAGAIN), which is always correct; so does a miss where a hash
 * collision may continue into the next leaf.  Only VOP_LOOKUP uses the
 * index: the paths that change a directory look names up linearly (and
 * clear the index flag anyway).
 *
 * Called from ext2fs_dir.c with the directory's vnode lock held.
 */

#include "kern/kern.h"
#include "fs/ext2fs/ext2fs_impl.h"

#define DX_HASH_LEGACY   0
#define DX_HASH_HALF_MD4 1
#define DX_HASH_TEA      2
#define DX_HASH_UNSIGNED 3      /* added to the above */
#define EXT2_FLAGS_SIGNED_HASH   0x0001
#define EXT2_FLAGS_UNSIGNED_HASH 0x0002

static uint32_t
rol32(uint32_t x, int s)
{
	return (x << s) | (x >> (32 - s));
}

/* Pack up to num words of the name, padded with its length. */
static void
dx_str2words(const uint8_t *msg, size_t len, uint32_t *out, int num,
    bool unsig)
{
	uint32_t pad, val;
	size_t i;
	int c;

	pad = (uint32_t)len | ((uint32_t)len << 8);
	pad |= pad << 16;
	val = pad;
	if (len > (size_t)num * 4)
		len = (size_t)num * 4;
	for (i = 0; i < len; i++) {
		c = unsig ? (int)msg[i] : (int)(int8_t)msg[i];
		val = (uint32_t)c + (val << 8);
		if (i % 4 == 3) {
			*out++ = val;
			val = pad;
			num--;
		}
	}
	if (--num >= 0)
		*out++ = val;
	while (--num >= 0)
		*out++ = pad;
}

#define MD4F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define MD4G(x, y, z) (((x) & (y)) + (((x) ^ (y)) & (z)))
#define MD4H(x, y, z) ((x) ^ (y) ^ (z))
#define MD4STEP(f, a, b, c, d, x, s) ((a) = rol32((a) + f(b, c, d) + (x), s))

static void
dx_half_md4(uint32_t buf[4], const uint32_t in[8])
{
	uint32_t a = buf[0], b = buf[1], c = buf[2], d = buf[3];
	const uint32_t k2 = 0x5A827999, k3 = 0x6ED9EBA1;

	MD4STEP(MD4F, a, b, c, d, in[0], 3);
	MD4STEP(MD4F, d, a, b, c, in[1], 7);
	MD4STEP(MD4F, c, d, a, b, in[2], 11);
	MD4STEP(MD4F, b, c, d, a, in[3], 19);
	MD4STEP(MD4F, a, b, c, d, in[4], 3);
	MD4STEP(MD4F, d, a, b, c, in[5], 7);
	MD4STEP(MD4F, c, d, a, b, in[6], 11);
	MD4STEP(MD4F, b, c, d, a, in[7], 19);

	MD4STEP(MD4G, a, b, c, d, in[1] + k2, 3);
	MD4STEP(MD4G, d, a, b, c, in[3] + k2, 5);
	MD4STEP(MD4G, c, d, a, b, in[5] + k2, 9);
	MD4STEP(MD4G, b, c, d, a, in[7] + k2, 13);
	MD4STEP(MD4G, a, b, c, d, in[0] + k2, 3);
	MD4STEP(MD4G, d, a, b, c, in[2] + k2, 5);
	MD4STEP(MD4G, c, d, a, b, in[4] + k2, 9);
	MD4STEP(MD4G, b, c, d, a, in[6] + k2, 13);

	MD4STEP(MD4H, a, b, c, d, in[3] + k3, 3);
	MD4STEP(MD4H, d, a, b, c, in[7] + k3, 9);
	MD4STEP(MD4H, c, d, a, b, in[2] + k3, 11);
	MD4STEP(MD4H, b, c, d, a, in[6] + k3, 15);
	MD4STEP(MD4H, a, b, c, d, in[1] + k3, 3);
	MD4STEP(MD4H, d, a, b, c, in[5] + k3, 9);
	MD4STEP(MD4H, c, d, a, b, in[0] + k3, 11);
	MD4STEP(MD4H, b, c, d, a, in[4] + k3, 15);

	buf[0] += a;
	buf[1] += b;
	buf[2] += c;
	buf[3] += d;
}

static void
dx_tea(uint32_t buf[4], const uint32_t in[4])
{
	uint32_t sum = 0, b0 = buf[0], b1 = buf[1];
	int n;

	for (n = 0; n < 16; n++) {
		sum += 0x9E3779B9;
		b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >> 5) + in[1]);
		b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >> 5) + in[3]);
	}
	buf[0] += b0;
	buf[1] += b1;
}

static uint32_t
dx_legacy(const uint8_t *name, size_t len, bool unsig)
{
	uint32_t h0 = 0x12a3fe2d, h1 = 0x37abe8f9, h;
	size_t i;
	int c;

	for (i = 0; i < len; i++) {
		c = unsig ? (int)name[i] : (int)(int8_t)name[i];
		h = h1 + (h0 ^ (uint32_t)(c * 7152373));
		if (h & 0x80000000u)
			h -= 0x7fffffff;
		h1 = h0;
		h0 = h;
	}
	return h0 << 1;
}

/* The hash of a name for version ver (DX_HASH_*, + UNSIGNED). */
static uint32_t
dx_hash(struct ext2_mount *fs, int ver, const char *name, size_t len)
{
	uint32_t buf[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	uint32_t in[8], h;
	const uint8_t *p = (const uint8_t *)name;
	bool unsig = ver >= DX_HASH_UNSIGNED;
	int i;

	for (i = 0; i < 4; i++)
		if (fs->e2_sb.s_hash_seed[i] != 0)
			break;
	if (i < 4)
		for (i = 0; i < 4; i++)
			buf[i] = e2_le32(fs->e2_sb.s_hash_seed[i]);
	switch (ver % DX_HASH_UNSIGNED) {
	case DX_HASH_LEGACY:
		h = dx_legacy(p, len, unsig);
		break;
	case DX_HASH_HALF_MD4:
		do {
			dx_str2words(p, len, in, 8, unsig);
			dx_half_md4(buf, in);
			p += MIN(len, (size_t)32);
			len -= MIN(len, (size_t)32);
		} while (len > 0);
		h = buf[1];
		break;
	default:
		do {
			dx_str2words(p, len, in, 4, unsig);
			dx_tea(buf, in);
			p += MIN(len, (size_t)16);
			len -= MIN(len, (size_t)16);
		} while (len > 0);
		h = buf[0];
		break;
	}
	h &= ~1u;
	if (h == (0x7fffffffu << 1))
		h = 0x7ffffffeu << 1;
	return h;
}

struct dx_entry {
	uint32_t de_hash;
	uint32_t de_block;
};

/*
 * In the entries array (count pairs, the first hash implicit), the index
 * of the last pair whose hash is <= h.
 */
static uint32_t
dx_search(const struct dx_entry *e, uint32_t count, uint32_t h)
{
	uint32_t lo = 1, hi = count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (e2_le32(e[mid].de_hash) <= h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

int
ext2_htree_lookup(struct ext2_node *dn, const char *name, size_t namelen,
    struct ext2_dirloc *dlp)
{
	struct ext2_mount *fs = dn->en_fs;
	uint64_t nblk = ext2_size(dn) >> fs->e2_bshift, lbn = 0;
	const uint8_t *blk;
	const struct dx_entry *e;
	struct buf *bp;
	uint32_t count, limit, i, h, levels, level, off, nexthash = 0;
	int ver, error;
	bool havenext = false;

	error = ext2_blkread(dn, 0, &bp);
	if (error != 0)
		return error;
	if (bp == NULL)
		goto bad;
	blk = bp->b_data;
	/* root info after "." (12) and ".." (12) */
	if (blk[24] != 0 || blk[25] != 0 || blk[26] != 0 || blk[27] != 0 ||
	    blk[29] != 8 || blk[30] > (fs->e2_incompat & EXT2_FI_LARGEDIR ?
	    2 : 1) || blk[28] > DX_HASH_TEA + DX_HASH_UNSIGNED) {
		brelse(bp, 0);
		goto bad;
	}
	ver = blk[28];
	if (ver < DX_HASH_UNSIGNED &&
	    (e2_le32(fs->e2_sb.s_flags) & EXT2_FLAGS_UNSIGNED_HASH))
		ver += DX_HASH_UNSIGNED;
	levels = blk[30];
	h = dx_hash(fs, ver, name, namelen);
	off = 32;
	for (level = 0;; level++) {
		memcpy(&limit, blk + off, 4);
		count = e2_le32(limit) >> 16;
		limit = e2_le32(limit) & 0xffff;
		if (count == 0 || count > limit ||
		    limit > (fs->e2_bsize - off) / 8) {
			brelse(bp, 0);
			goto bad;
		}
		e = (const struct dx_entry *)(const void *)(blk + off);
		i = dx_search(e, count, h);
		lbn = e2_le32(e[i].de_block) & 0x0fffffff;
		if (i + 1 < count) {
			havenext = true;
			nexthash = e2_le32(e[i + 1].de_hash);
		} else {
			havenext = false;
		}
		brelse(bp, 0);
		if (lbn == 0 || lbn >= nblk)
			goto bad;
		if (level == levels)
			break;
		error = ext2_blkread(dn, lbn, &bp);
		if (error != 0)
			return error;
		if (bp == NULL)
			goto bad;
		blk = bp->b_data;
		off = 8;
	}
	error = ext2_dir_lookup_block(dn, lbn, name, namelen, dlp);
	if (error != ENOENT)
		return error;
	/* a collision may go on into the next leaf: search linearly */
	if (!havenext ? levels > 0 : (nexthash & ~1u) == h)
		return EAGAIN;
	return ENOENT;
bad:
	ext2_corrupt(fs, "directory %u: bad htree index; searching it "
	    "linearly", dn->en_ino);
	return EAGAIN;
}
