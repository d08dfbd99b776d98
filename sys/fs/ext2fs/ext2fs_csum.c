/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_csum.c: checksums of ext4 metadata, verified when read.
 *
 * With metadata_csum every checksum is a CRC-32C (Castagnoli, reflected
 * polynomial 0x82F63B78) run without final inversion:
 *	superblock   over its first 1020 bytes, started at ~0;
 *	descriptor   low 16 bits, over the group number (le32) and the
 *	             descriptor with its checksum field as zero, started at
 *	             the file system seed;
 *	inode        over the inode number and generation (le32 each) and
 *	             the inode with both checksum halves as zero, started at
 *	             the seed; only the low half in small inodes;
 *	extent block over the block up to its tail, started at the inode's
 *	             seed (after number and generation).
 * The seed is the CRC-32C of the file system UUID (or s_checksum_seed).
 * Without metadata_csum, uninit_bg (gdt_csum) descriptors carry a CRC-16
 * (polynomial 0x8005 reflected, started at ~0) over the UUID, the group
 * number and the descriptor without its checksum field.
 *
 * Tables are built on first use (a race builds the same table twice).
 * Called from ext2fs_vfsops.c, ext2fs_inode.c and ext2fs_bmap.c.
 */

#include "kern/kern.h"
#include "fs/ext2fs/ext2fs_impl.h"

static uint32_t ext2_crc32c_tab[256];
static uint16_t ext2_crc16_tab[256];
static bool ext2_crc_ready;

static void
ext2_crc_init(void)
{
	uint32_t c, i, k;
	uint16_t s;

	if (atomic_load_acquire(&ext2_crc_ready))
		return;
	for (i = 0; i < 256; i++) {
		c = i;
		s = (uint16_t)i;
		for (k = 0; k < 8; k++) {
			c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0);
			s = (uint16_t)((s >> 1) ^ ((s & 1) ? 0xA001u : 0));
		}
		ext2_crc32c_tab[i] = c;
		ext2_crc16_tab[i] = s;
	}
	atomic_store_release(&ext2_crc_ready, true);
}

uint32_t
ext2_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	ext2_crc_init();
	while (len-- > 0)
		crc = (crc >> 8) ^ ext2_crc32c_tab[(crc ^ *p++) & 0xff];
	return crc;
}

uint16_t
ext2_crc16(uint16_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	ext2_crc_init();
	while (len-- > 0)
		crc = (uint16_t)((crc >> 8) ^ ext2_crc16_tab[(crc ^ *p++) & 0xff]);
	return crc;
}

int
ext2_sb_csum_verify(struct ext2_mount *fs, const struct ext2_super *sb)
{
	uint32_t c;

	if (sb->s_checksum_type != 1)
		return ext2_corrupt(fs, "checksum type %u",
		    sb->s_checksum_type);
	c = ext2_crc32c(~0u, sb, offsetof(struct ext2_super, s_checksum));
	if (c != e2_le32(sb->s_checksum))
		return ext2_corrupt(fs, "superblock checksum");
	return 0;
}

int
ext2_gd_csum_verify(struct ext2_mount *fs, uint32_t g)
{
	const uint8_t *d = (const uint8_t *)ext2_gd(fs, g);
	size_t coff = offsetof(struct ext2_gd, bg_checksum);
	uint32_t leg = e2_le32(g), c;
	uint16_t zero = 0, want = e2_le16(ext2_gd(fs, g)->bg_checksum), got;

	if (fs->e2_csum) {
		c = ext2_crc32c(fs->e2_csum_seed, &leg, sizeof(leg));
		c = ext2_crc32c(c, d, coff);
		c = ext2_crc32c(c, &zero, sizeof(zero));
		if (fs->e2_descsize > coff + 2)
			c = ext2_crc32c(c, d + coff + 2,
			    fs->e2_descsize - coff - 2);
		got = (uint16_t)c;
	} else if (fs->e2_rocompat & EXT2_FRO_GDT_CSUM) {
		got = ext2_crc16(0xffff, fs->e2_sb.s_uuid,
		    sizeof(fs->e2_sb.s_uuid));
		got = ext2_crc16(got, &leg, sizeof(leg));
		got = ext2_crc16(got, d, coff);
		if (fs->e2_descsize > coff + 2)
			got = ext2_crc16(got, d + coff + 2,
			    fs->e2_descsize - coff - 2);
	} else {
		return 0;
	}
	if (got != want)
		return ext2_corrupt(fs, "group %u: descriptor checksum", g);
	return 0;
}

/* The per-inode seed: the fs seed over inode number and generation. */
static uint32_t
ext2_inode_seed(struct ext2_mount *fs, uint32_t ino, uint32_t gen_le)
{
	uint32_t le = e2_le32(ino), c;

	c = ext2_crc32c(fs->e2_csum_seed, &le, sizeof(le));
	return ext2_crc32c(c, &gen_le, sizeof(gen_le));
}

int
ext2_inode_csum_verify(struct ext2_mount *fs, uint32_t ino,
    const uint8_t *raw)
{
	const struct ext2_dinode *di = (const void *)raw;
	size_t lo = offsetof(struct ext2_dinode, i_checksum_lo);
	size_t hi = offsetof(struct ext2_dinode, i_checksum_hi);
	uint16_t zero = 0;
	uint32_t c, want;
	bool has_hi;

	has_hi = fs->e2_isize > EXT2_GOOD_OLD_INODE_SIZE &&
	    e2_le16(di->i_extra_isize) >= 4;
	c = ext2_inode_seed(fs, ino, di->i_generation);
	c = ext2_crc32c(c, raw, lo);
	c = ext2_crc32c(c, &zero, sizeof(zero));
	c = ext2_crc32c(c, raw + lo + 2, EXT2_GOOD_OLD_INODE_SIZE - lo - 2);
	if (fs->e2_isize > EXT2_GOOD_OLD_INODE_SIZE) {
		c = ext2_crc32c(c, raw + EXT2_GOOD_OLD_INODE_SIZE,
		    hi - EXT2_GOOD_OLD_INODE_SIZE);
		if (has_hi) {
			c = ext2_crc32c(c, &zero, sizeof(zero));
			c = ext2_crc32c(c, raw + hi + 2, fs->e2_isize - hi - 2);
		} else {
			c = ext2_crc32c(c, raw + hi, fs->e2_isize - hi);
		}
	}
	want = e2_le16(di->i_checksum_lo);
	if (has_hi)
		want |= (uint32_t)e2_le16(di->i_checksum_hi) << 16;
	else
		c &= 0xffff;
	if (c != want)
		return ext2_corrupt(fs, "inode %u checksum", ino);
	return 0;
}

bool
ext2_extent_csum_ok(struct ext2_mount *fs, struct ext2_node *en,
    const void *block)
{
	const struct ext4_extent_header *eh = block;
	size_t tail = sizeof(*eh) + 12 * (size_t)e2_le16(eh->eh_max);
	uint32_t c, want;

	if (tail + 4 > fs->e2_bsize)
		return false;
	memcpy(&want, (const uint8_t *)block + tail, sizeof(want));
	c = ext2_inode_seed(fs, en->en_ino, EDI(en)->i_generation);
	c = ext2_crc32c(c, block, tail);
	return c == e2_le32(want);
}
