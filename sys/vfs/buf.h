/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * buf.h: block devices as file systems see them, and the buffer cache.
 *
 * A disk file system opens its block device by path at mount time
 * (bdev_open()), reads and writes fixed-size blocks of it through the
 * buffer cache, and closes it at unmount.  Buffers are keyed by the device
 * vnode and the block number in DEV_BSIZE (512-byte) units; a file system
 * uses one buffer size per kind of block (its block size), and a buffer is
 * never looked up at one size and then another without brelse(BC_INVAL).
 *
 *	error = bdev_open(source, FREAD | FWRITE, cred, &devvp);
 *	error = bread(devvp, fsbtodb(blk), bsize, 0, &bp);
 *	... read bp->b_data, or modify it and:
 *	bdwrite(bp);            delayed write: the syncer writes it later
 *	bwrite(bp);             synchronous write; returns the I/O error
 *	brelse(bp, 0);          release unchanged
 *	error = bio_flush(devvp, BIO_FLUSH_WAIT);   fsync, sync, unmount
 *	bio_invalidate(devvp);  after the last flush at unmount
 *	bdev_close(devvp, FREAD | FWRITE);
 *
 * Buffer states (b_flags), changed under bcache_lock:
 *	BUSY     owned by one thread between getblk/bread and brelse/b*write;
 *	         others wait for it.  Only the owner touches b_data.
 *	DONE     b_data holds the block's contents (read or written).
 *	DELWRI   b_data is newer than the disk; the syncer, bio_flush() or
 *	         reclaim under memory pressure writes it.
 *	INVAL    the contents mean nothing; the buffer is freed on release.
 *
 * Details of the implementation (vfs_bio.c) callers may rely on:
 *  - getblk()/bread() wait for memory, never fail for it.  A buffer found
 *    at another size is written out (if dirty) and dropped first.
 *  - bio_flush() writes the dirty buffers nobody owns; a caller flushes
 *    the ones it holds BUSY itself (bwrite/bawrite) before.  An error of
 *    an asynchronous write (syncer, bawrite, reclaim, an earlier flush
 *    without BIO_FLUSH_WAIT) is returned, once, by the next
 *    bio_flush(BIO_FLUSH_WAIT) of that device, as Linux reports writeback
 *    errors at fsync.  A failed write leaves the buffer clean and cached.
 *  - bio_invalidate() waits for BUSY buffers: the caller must hold none.
 *  - brelse() of a buffer without B_DONE frees it (as BC_INVAL does).
 *
 * Locking: [b] bcache_lock (buf_impl.h), [B] owned: BUSY by the caller,
 * [I] immutable while cached.  Lock order: vnode locks > bcache_lock.
 */
#ifndef _SYS_VFS_BUF_H_
#define _SYS_VFS_BUF_H_

#include "kern/kern.h"
#include "kern/lock.h"

struct vnode;

#define DEV_BSHIFT 9
#define DEV_BSIZE  (1 << DEV_BSHIFT)
typedef int64_t daddr_t;                 /* block number, DEV_BSIZE units */

struct buf {
	int b_flags;                       /* [b] B_* */
	int b_error;                       /* [B] errno of the last I/O */
	struct vnode *b_vp;                /* [I] device vnode */
	daddr_t b_blkno;                   /* [I] */
	size_t b_bcount;                   /* [I] bytes */
	void *b_data;                      /* [B] */
	void *b_private;                   /* [B] owner's use */
	/* bookkeeping of the cache (buf_impl.h) */
	struct buf *b_hashnext;            /* [b] */
	struct buf *b_lrunext, *b_lruprev; /* [b] */
	struct buf *b_dirtynext, *b_dirtyprev; /* [b] */
	int64_t b_dirtytime;               /* [b] uptime seconds dirtied */
	kcondvar_t b_busycv;               /* [b] BUSY released, I/O done */
	/* added for the drivers and the cache (storage issue) */
	size_t b_resid;                    /* [B] bytes not transferred */
	size_t b_allocsize;                /* [I] bytes allocated at b_data */
	struct buf *b_cluster;             /* [B] next buffer of a clustered
					      write, or NULL */
	int b_iocmd;                       /* [B] B_READ or B_WRITE: the I/O
					      given to the driver, and
					      B_ASYNC if nobody waits */
};
#define B_BUSY   0x0001
#define B_DONE   0x0002
#define B_DELWRI 0x0004
#define B_INVAL  0x0008
#define B_ERROR  0x0010
#define B_ASYNC  0x0020   /* I/O (write, read-ahead) in flight, released by
                             its completion */
#define B_READ   0x0040   /* read in flight */
#define B_IODONE 0x0080   /* the I/O started last has completed */
#define B_WRITE  0x0100   /* write in flight */
#define B_RAW    0x0200   /* not in the cache (raw device I/O) */

/* brelse() flags */
#define BC_INVAL 0x01     /* discard the contents (also a dirty buffer) */
#define BC_AGE   0x02     /* put at the cold end of the LRU */

/* getblk()/bread() flags */
#define GB_NOWAIT 0x01    /* EWOULDBLOCK instead of waiting for BUSY */

/*
 * The buffer for (devvp, blkno, size), BUSY for the caller, with B_DONE
 * clear if its contents are unknown (then the caller fills b_data and
 * writes, or releases it with BC_INVAL).  Waits for memory; NULL only with
 * GB_NOWAIT when the buffer is busy.
 */
struct buf *getblk(struct vnode *devvp, daddr_t blkno, size_t size,
    int flags);
/*
 * The buffer read in, BUSY.  0, or EIO (the device's error) with *bpp NULL
 * and no buffer held.
 */
int bread(struct vnode *devvp, daddr_t blkno, size_t size, int flags,
    struct buf **bpp);
/* Start reading nblks following blocks of size bytes in the background. */
void breada(struct vnode *devvp, daddr_t blkno, size_t size, int nblks);
void brelse(struct buf *bp, int bcflags);
int bwrite(struct buf *bp);              /* write now, wait, release */
void bawrite(struct buf *bp);            /* start writing, release */
void bdwrite(struct buf *bp);            /* mark dirty, release */

/* Write every dirty buffer of devvp (BIO_FLUSH_WAIT: and wait for all of
 * them, then flush the host file).  0 or the first I/O error. */
#define BIO_FLUSH_WAIT 0x01
int bio_flush(struct vnode *devvp, int flags);
/* Drop every buffer of devvp, also dirty ones (after bio_flush at
 * unmount, or when a mount fails). */
void bio_invalidate(struct vnode *devvp);

/*
 * Block devices.  bdev_open() resolves path in the kernel's tree to a
 * block device node, checks access for fflags (FREAD|FWRITE) and opens it:
 * ENOENT, ENOTBLK (not a block device), ENXIO (no such device), EACCES,
 * EROFS (FWRITE on a read-only device), EBUSY (opened for writing by a
 * mount already).  Returns the device vnode referenced and unlocked.
 */
int bdev_open(const char *path, int fflags, kauth_cred_t cred,
    struct vnode **devvpp);
void bdev_close(struct vnode *devvp, int fflags);
/* Added (storage issue): change the mode a mount opened the device with
 * (remount ro <-> rw): 0, EROFS (read-only device), EBUSY (FWRITE while
 * another mount has the device).  Later bdev_close() takes newfflags. */
int bdev_reopen(struct vnode *devvp, int oldfflags, int newfflags);
/* Size in bytes and sector size of the device. */
int bdev_size(struct vnode *devvp, uint64_t *sizep, unsigned *secsizep);
bool bdev_rdonly(struct vnode *devvp);

/*
 * Additions (storage issue): read-ahead hint for bread, a synchronous write
 * of every dirty buffer in a block range, and the cache's counters.
 */
/* The whole cache: bytes held, buffers, dirty buffers (tests, stats). */
struct bio_stats {
	uint64_t bs_bytes;
	uint64_t bs_nbufs;
	uint64_t bs_ndirty;
	uint64_t bs_reads;                 /* device reads started */
	uint64_t bs_writes;                /* device writes started */
	uint64_t bs_clustered;             /* writes that carried > 1 buffer */
	uint64_t bs_readahead;             /* read-ahead reads started */
	uint64_t bs_direct;                /* direct reads and writes
					      (bio_read/write_direct) */
};
void bio_getstats(struct bio_stats *bs);

/*
 * Direct reads (ext2 read path): len bytes of devvp from blkno straight
 * into data (kernel memory or the caller's), around the cache, in the
 * calling thread, for a file system reading a long run of file blocks.
 * The cache is consulted per block of bsize bytes: a block cached dirty,
 * busy (being written or filled) or with a failed write holds newer data
 * than the disk, so the read stops before it.  The caller keeps the range
 * from being written meanwhile (it holds the file's vnode lock).
 * 0 with *donep bytes read (from 1 byte up to len), EAGAIN when the first
 * block must be read through the cache, or EIO.
 */
int bio_read_direct(struct vnode *devvp, daddr_t blkno, size_t bsize,
    void *data, size_t len, size_t *donep);
/*
 * How much of len bytes of devvp from blkno the disk holds current: the
 * bytes before the first block of bsize that the cache holds newer (dirty,
 * busy, or with a failed write), as bio_read_direct() reads.  For a file
 * system telling where a file's bytes lie on the device (ext2's extent
 * ioctl); the answer holds until the blocks are written again.
 */
size_t bio_current(struct vnode *devvp, daddr_t blkno, size_t bsize,
    size_t len);
/*
 * The write counterpart: len bytes (whole blocks of bsize) from data to
 * devvp at blkno, around the cache, in the calling thread.  Cached copies
 * of those blocks are dropped before (dirty ones too: they are being
 * overwritten whole; writes in flight are waited for, so none lands
 * later) and after (read-ahead may have read the old contents
 * meanwhile).  The caller owns the blocks (the file's vnode lock,
 * exclusive).  0 or EIO/ENOSPC; the blocks' contents are undefined after
 * an error.
 */
int bio_write_direct(struct vnode *devvp, daddr_t blkno, size_t bsize,
    const void *data, size_t len);

/*
 * Device drivers.  A driver registers a switch for a major number; a
 * device is a dev_t (Linux encoding: makedev/major/minor below).  Opening
 * a VBLK or VCHR vnode on any file system dispatches through the switch
 * of its va_rdev (vfs_spec.c): ENXIO when no driver has the major, or the
 * driver has no such unit.
 *
 * d_strategy starts the I/O of bp (B_READ or B_WRITE set, b_blkno in
 * DEV_BSIZE units, b_bcount bytes at b_data) and returns; the driver calls
 * biodone() once, from any thread (a host I/O thread with no virtual CPU
 * is fine: biodone schedules itself).  d_ioctl gets the caller's data
 * pointer (a user address: copyin/copyout).
 */
struct bdevsw {
	const char *d_name;
	int (*d_open)(dev_t dev, int fflags);      /* ENXIO, EROFS */
	int (*d_close)(dev_t dev, int fflags);
	void (*d_strategy)(dev_t dev, struct buf *bp);
	/* Size in bytes and sector size; read-only flag. */
	int (*d_size)(dev_t dev, uint64_t *sizep, unsigned *secsizep,
	    bool *rdonlyp);
	/* Write the device's volatile cache to stable storage. */
	int (*d_flush)(dev_t dev);
};
void biodone(struct buf *bp, int error, size_t resid);

/* Register a driver's switch at major (0: pick a free one).  0, EEXIST. */
int devsw_attach(const struct bdevsw *bdev, unsigned *majorp);
void devsw_detach(const struct bdevsw *bdev);

#define DEV_MAKEDEV(ma, mi) \
	((dev_t)((((uint64_t)(ma) & 0xfffU) << 8) | \
	    (((uint64_t)(ma) & ~0xfffULL) << 32) | ((uint64_t)(mi) & 0xffU) | \
	    (((uint64_t)(mi) & ~0xffULL) << 12)))
#define DEV_MAJOR(d) \
	((unsigned)((((d) >> 8) & 0xfffU) | (((d) >> 32) & ~0xfffU)))
#define DEV_MINOR(d) \
	((unsigned)(((d) & 0xffU) | (((d) >> 12) & ~0xffU)))

#endif /* _SYS_VFS_BUF_H_ */
