/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_journal.c: replay of an ext3 journal (JBD2 format) that needs
 * recovery, so that such an image can be mounted read-write.
 *
 * The journal lives in the blocks of the journal inode.  Its first block
 * is the journal superblock; the log runs from s_start (0: nothing to
 * replay) through s_maxlen and wraps to s_first.  A transaction is one or
 * more descriptor blocks, each listing file system block numbers (tags)
 * whose new contents follow it in the log, revoke blocks listing blocks
 * that must not be replayed from earlier transactions, and a commit
 * block.  Every log block starts with the magic, its type and the
 * transaction's sequence number; all fields are big-endian.
 *
 * Replay, as the format defines it, in three passes over the log:
 *	scan    find the last committed transaction;
 *	revoke  note each revoked block with the latest revoking sequence;
 *	replay  copy every tagged block of the committed transactions to
 *	        its place, unless a transaction at least as new revoked it.
 * Then the log is marked empty (s_start 0) and the caller clears the
 * needs_recovery feature.  Checksums (csum v2/v3) are not verified: only
 * transactions whose commit block was found are replayed.  Journals with
 * asynchronous commits or fast commits, external journals and anything
 * that does not check out are refused (the mount stays read-only).
 *
 * Called from ext2fs_vfsops.c at mount, before the file system is used.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "fs/ext2fs/ext2fs_impl.h"

#define JBD2_MAGIC       0xC03B3998u
#define JBD2_DESCRIPTOR  1
#define JBD2_COMMIT      2
#define JBD2_SUPER_V1    3
#define JBD2_SUPER_V2    4
#define JBD2_REVOKE      5

#define JBD2_FI_REVOKE   0x01
#define JBD2_FI_64BIT    0x02
#define JBD2_FI_ASYNC    0x04
#define JBD2_FI_CSUM_V2  0x08
#define JBD2_FI_CSUM_V3  0x10
#define JBD2_FI_KNOWN (JBD2_FI_REVOKE | JBD2_FI_64BIT | JBD2_FI_CSUM_V2 | \
	JBD2_FI_CSUM_V3)

#define JBD2_TAG_ESCAPE    0x1
#define JBD2_TAG_SAME_UUID 0x2
#define JBD2_TAG_LAST      0x8

#define JBD2_MAXREVOKE     65536

struct jr {
	struct ext2_mount *fs;
	struct ext2_node *jn;          /* the journal inode (no vnode) */
	uint32_t bsize, maxlen, first, start, seq;
	uint32_t incompat;
	uint32_t tagsize;              /* bytes of a tag, without UUID */
	uint32_t tailsize;             /* descriptor checksum tail */
	uint64_t *rv_blk;              /* revoked blocks */
	uint32_t *rv_seq;              /* latest revoking sequence */
	uint32_t rv_n, rv_max;
	uint32_t endseq;               /* first sequence not committed */
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
jr_fail(struct jr *j, const char *why)
{
	printf("ext2fs: %s: journal: %s; not replayed\n",
	    j->fs->e2_mount->mnt_source, why);
	return EROFS;
}

/* Read log block n (a journal-relative block number) into *bpp. */
static int
jr_read(struct jr *j, uint32_t n, struct buf **bpp)
{
	uint64_t b;
	int error;

	error = ext2_bmap(j->jn, n, &b, NULL);
	if (error != 0)
		return error;
	if (b == 0)
		return jr_fail(j, "hole in the log");
	return bread(j->fs->e2_devvp, ext2_fsbtodb(j->fs, b), j->bsize, 0,
	    bpp);
}

static uint32_t
jr_next(struct jr *j, uint32_t n)
{
	return n + 1 >= j->maxlen ? j->first : n + 1;
}

/* Tags of a descriptor block: calls fn for each (block, flags). */
static int
jr_tags(struct jr *j, const uint8_t *d, uint32_t *ntagsp,
    uint64_t *blks, uint32_t *flags)
{
	uint32_t off = 12, n = 0, f;
	uint64_t b;

	while (off + j->tagsize <= j->bsize - j->tailsize) {
		b = be32(d + off);
		if (j->incompat & JBD2_FI_CSUM_V3) {
			f = be32(d + off + 4);
			if (j->incompat & JBD2_FI_64BIT)
				b |= (uint64_t)be32(d + off + 8) << 32;
		} else {
			f = (uint32_t)d[off + 6] << 8 | d[off + 7];
			if (j->incompat & JBD2_FI_64BIT)
				b |= (uint64_t)be32(d + off + 8) << 32;
		}
		if (blks != NULL) {
			blks[n] = b;
			flags[n] = f;
		}
		n++;
		off += j->tagsize;
		if (!(f & JBD2_TAG_SAME_UUID))
			off += 16;
		if (f & JBD2_TAG_LAST)
			break;
	}
	*ntagsp = n;
	return n == 0 ? jr_fail(j, "empty descriptor") : 0;
}

static void
jr_revoke_note(struct jr *j, uint64_t b, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < j->rv_n; i++) {
		if (j->rv_blk[i] == b) {
			if ((int32_t)(seq - j->rv_seq[i]) > 0)
				j->rv_seq[i] = seq;
			return;
		}
	}
	if (j->rv_n < j->rv_max) {
		j->rv_blk[j->rv_n] = b;
		j->rv_seq[j->rv_n++] = seq;
	}
}

static bool
jr_revoked(struct jr *j, uint64_t b, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < j->rv_n; i++)
		if (j->rv_blk[i] == b)
			return (int32_t)(j->rv_seq[i] - seq) >= 0;
	return false;
}

/* Write the file system block b from a log block, unescaping it. */
static int
jr_put(struct jr *j, uint64_t b, const uint8_t *data, uint32_t flags)
{
	struct ext2_mount *fs = j->fs;
	struct buf *bp;

	if (b >= fs->e2_nblocks)
		return jr_fail(j, "tag block beyond the file system");
	bp = getblk(fs->e2_devvp, ext2_fsbtodb(fs, b), j->bsize, 0);
	memcpy(bp->b_data, data, j->bsize);
	if (flags & JBD2_TAG_ESCAPE)
		put_be32(bp->b_data, JBD2_MAGIC);
	bdwrite(bp);
	return 0;
}

/*
 * One pass over the log.  pass 0 scans (sets endseq), 1 collects
 * revokes, 2 replays.
 */
static int
jr_pass(struct jr *j, int pass)
{
	uint64_t *blks = NULL;
	uint32_t *flags = NULL, n = j->start, seq = j->seq, steps = 0;
	uint32_t ntags, i, type, rcount, off, rsz;
	struct buf *bp, *dbp;
	uint8_t *d;
	int error = 0;

	blks = kmem_alloc(sizeof(*blks) * (j->bsize / 8), KM_SLEEP);
	flags = kmem_alloc(sizeof(*flags) * (j->bsize / 8), KM_SLEEP);
	for (;;) {
		if (pass > 0 && seq == j->endseq)
			break;
		if (++steps > j->maxlen) {
			error = jr_fail(j, "log without end");
			break;
		}
		error = jr_read(j, n, &bp);
		if (error != 0)
			break;
		d = bp->b_data;
		if (be32(d) != JBD2_MAGIC || be32(d + 8) != seq) {
			brelse(bp, 0);
			if (pass == 0)
				j->endseq = seq;
			else
				error = jr_fail(j, "log changed");
			break;
		}
		type = be32(d + 4);
		n = jr_next(j, n);
		if (type == JBD2_DESCRIPTOR) {
			error = jr_tags(j, d, &ntags, blks, flags);
			brelse(bp, 0);
			if (error != 0)
				break;
			for (i = 0; i < ntags && error == 0; i++) {
				if (pass == 2 && !jr_revoked(j, blks[i], seq)) {
					error = jr_read(j, n, &dbp);
					if (error == 0) {
						error = jr_put(j, blks[i],
						    dbp->b_data, flags[i]);
						brelse(dbp, 0);
					}
				}
				n = jr_next(j, n);
				if (++steps > j->maxlen)
					error = jr_fail(j, "log without end");
			}
		} else if (type == JBD2_COMMIT) {
			brelse(bp, 0);
			seq++;
		} else if (type == JBD2_REVOKE) {
			rsz = (j->incompat & JBD2_FI_64BIT) ? 8 : 4;
			rcount = be32(d + 12);
			if (rcount > j->bsize || rcount < 16) {
				brelse(bp, 0);
				error = jr_fail(j, "revoke block");
				break;
			}
			for (off = 16; pass == 1 && off + rsz <= rcount;
			    off += rsz) {
				uint64_t b = rsz == 8 ?
				    (uint64_t)be32(d + off) << 32 |
				    be32(d + off + 4) : be32(d + off);

				jr_revoke_note(j, b, seq);
			}
			brelse(bp, 0);
		} else {
			brelse(bp, 0);
			if (pass == 0)
				j->endseq = seq;
			else
				error = jr_fail(j, "log changed");
			break;
		}
		if (error != 0)
			break;
	}
	kmem_free(blks, sizeof(*blks) * (j->bsize / 8));
	kmem_free(flags, sizeof(*flags) * (j->bsize / 8));
	return error;
}

/* Check the journal superblock d; fill j. */
static int
jr_super(struct jr *j, const uint8_t *d)
{
	uint32_t type = be32(d + 4);

	if (be32(d) != JBD2_MAGIC ||
	    (type != JBD2_SUPER_V1 && type != JBD2_SUPER_V2))
		return jr_fail(j, "no journal superblock");
	if (be32(d + 0xC) != j->bsize)
		return jr_fail(j, "block size differs");
	j->maxlen = be32(d + 0x10);
	j->first = be32(d + 0x14);
	j->seq = be32(d + 0x18);
	j->start = be32(d + 0x1C);
	j->incompat = type == JBD2_SUPER_V2 ? be32(d + 0x28) : 0;
	if (j->incompat & ~JBD2_FI_KNOWN)
		return jr_fail(j, "unsupported journal features");
	if (type == JBD2_SUPER_V2 && be32(d + 0x40) > 1)
		return jr_fail(j, "shared journal");
	if (j->maxlen > (ext2_size(j->jn) >> j->fs->e2_bshift) ||
	    j->first == 0 || j->first >= j->maxlen ||
	    (j->start != 0 && (j->start < j->first || j->start >= j->maxlen)))
		return jr_fail(j, "bad geometry");
	if (j->incompat & JBD2_FI_CSUM_V3)
		j->tagsize = (j->incompat & JBD2_FI_64BIT) ? 16 : 12;
	else
		j->tagsize = (j->incompat & JBD2_FI_64BIT) ? 12 : 8;
	j->tailsize = (j->incompat & (JBD2_FI_CSUM_V2 | JBD2_FI_CSUM_V3)) ?
	    4 : 0;
	return 0;
}

int
ext2_journal_replay(struct ext2_mount *fs)
{
	size_t rawsize = MAX(fs->e2_isize, sizeof(struct ext2_dinode));
	struct jr j = { .fs = fs, .bsize = fs->e2_bsize };
	uint32_t jino = e2_le32(fs->e2_sb.s_journal_inum);
	struct buf *bp;
	int error;

	if (jino == 0 || e2_le32(fs->e2_sb.s_journal_dev) != 0)
		return jr_fail(&j, "external journal");
	j.jn = kmem_zalloc(sizeof(*j.jn) + rawsize, KM_SLEEP);
	j.jn->en_fs = fs;
	j.jn->en_ino = jino;
	j.jn->en_mc_lbn0 = UINT64_MAX;
	mutex_init(&j.jn->en_lock, MUTEX_DEFAULT, "ext2jnl");
	error = ext2_inode_read(fs, jino, j.jn->en_raw);
	if (error == 0)
		error = ext2_inode_check(fs, jino, EDI(j.jn));
	if (error == 0)
		error = jr_read(&j, 0, &bp);
	if (error != 0)
		goto out;
	error = jr_super(&j, bp->b_data);
	brelse(bp, 0);
	if (error != 0 || j.start == 0)
		goto out_clean;
	j.rv_max = JBD2_MAXREVOKE;
	j.rv_blk = kmem_alloc(sizeof(*j.rv_blk) * j.rv_max, KM_SLEEP);
	j.rv_seq = kmem_alloc(sizeof(*j.rv_seq) * j.rv_max, KM_SLEEP);
	error = jr_pass(&j, 0);
	if (error == 0 && (j.incompat & JBD2_FI_REVOKE))
		error = jr_pass(&j, 1);
	if (error == 0)
		error = jr_pass(&j, 2);
	kmem_free(j.rv_blk, sizeof(*j.rv_blk) * j.rv_max);
	kmem_free(j.rv_seq, sizeof(*j.rv_seq) * j.rv_max);
	if (error != 0)
		goto out;
	printf("ext2fs: %s: journal replayed (transactions %u to %u)\n",
	    fs->e2_mount->mnt_source, j.seq, j.endseq - 1);
	/* the replayed blocks first, then the empty log */
	error = bio_flush(fs->e2_devvp, BIO_FLUSH_WAIT);
	if (error != 0)
		goto out;
	error = jr_read(&j, 0, &bp);
	if (error != 0)
		goto out;
	put_be32((uint8_t *)bp->b_data + 0x18, j.endseq);
	put_be32((uint8_t *)bp->b_data + 0x1C, 0);
	error = bwrite(bp);
	goto out;
out_clean:
	if (error == 0)
		printf("ext2fs: %s: journal is empty\n",
		    fs->e2_mount->mnt_source);
out:
	if (j.jn->en_mc != NULL)
		kmem_free(j.jn->en_mc, fs->e2_bsize);
	mutex_destroy(&j.jn->en_lock);
	kmem_free(j.jn, sizeof(*j.jn) + rawsize);
	return error;
}
