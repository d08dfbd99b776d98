/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_bio.c: a test-only kernel library that lets t_bio drive the buffer
 * cache's kernel interface (buf.h) the way a disk file system does:
 * bdev_open a device node, bread/bwrite/bdwrite/bawrite blocks,
 * bio_read_direct/bio_write_direct, bio_flush, bio_invalidate,
 * bdev_close.  Each entry point enters the
 * kernel itself (rump_schedule) and returns 0 or an errno.
 */
#include "kern/kern.h"
#include "kern/lwp.h"
#include "vfs/vnode.h"
#include "vfs/file.h"
#include "vfs/buf.h"

int rump_test_bio_open(const char *path, int writable, void **devp);
void rump_test_bio_close(void *dev, int writable);
int rump_test_bio_size(void *dev, uint64_t *sizep, unsigned *secsizep,
    int *rdonlyp);
int rump_test_bio_read(void *dev, int64_t blkno, size_t size, void *data);
int rump_test_bio_write(void *dev, int64_t blkno, size_t size,
    const void *data, int how);
int rump_test_bio_flush(void *dev, int wait);
void rump_test_bio_invalidate(void *dev);
void rump_test_bio_readahead(void *dev, int64_t blkno, size_t size, int n);
void rump_test_bio_stats(uint64_t *out);
int rump_test_bio_getblk_nowait(void *dev, int64_t blkno, size_t size,
    int hold);
int rump_test_bio_reopen(void *dev, int oldwritable, int newwritable);
int rump_test_bio_read_direct(void *dev, int64_t blkno, size_t bsize,
    void *data, size_t len, size_t *donep);
int rump_test_bio_write_direct(void *dev, int64_t blkno, size_t bsize,
    const void *data, size_t len);
uint64_t rump_test_bio_ndirect(void);

static struct buf *h_bio_held;

int
rump_test_bio_open(const char *path, int writable, void **devp)
{
	struct vnode *vp;
	int error;

	rump_schedule();
	error = bdev_open(path, FREAD | (writable ? FWRITE : 0),
	    kauth_cred_get(), &vp);
	rump_unschedule();
	if (error == 0)
		*devp = vp;
	return error;
}

void
rump_test_bio_close(void *dev, int writable)
{
	rump_schedule();
	bdev_close(dev, FREAD | (writable ? FWRITE : 0));
	rump_unschedule();
}

int
rump_test_bio_size(void *dev, uint64_t *sizep, unsigned *secsizep,
    int *rdonlyp)
{
	int error;

	rump_schedule();
	error = bdev_size(dev, sizep, secsizep);
	*rdonlyp = bdev_rdonly(dev);
	rump_unschedule();
	return error;
}

int
rump_test_bio_read(void *dev, int64_t blkno, size_t size, void *data)
{
	struct buf *bp;
	int error;

	rump_schedule();
	error = bread(dev, blkno, size, 0, &bp);
	if (error == 0) {
		memcpy(data, bp->b_data, size);
		brelse(bp, 0);
	}
	rump_unschedule();
	return error;
}

/* how: 0 bwrite, 1 bdwrite, 2 bawrite, 3 bread-modify-bdwrite. */
int
rump_test_bio_write(void *dev, int64_t blkno, size_t size, const void *data,
    int how)
{
	struct buf *bp;
	int error = 0;

	rump_schedule();
	if (how == 3) {
		error = bread(dev, blkno, size, 0, &bp);
		if (error != 0)
			goto out;
	} else {
		bp = getblk(dev, blkno, size, 0);
	}
	memcpy(bp->b_data, data, size);
	switch (how) {
	case 0:
		error = bwrite(bp);
		break;
	case 2:
		bawrite(bp);
		break;
	default:
		bdwrite(bp);
		break;
	}
out:
	rump_unschedule();
	return error;
}

int
rump_test_bio_flush(void *dev, int wait)
{
	int error;

	rump_schedule();
	error = bio_flush(dev, wait ? BIO_FLUSH_WAIT : 0);
	rump_unschedule();
	return error;
}

void
rump_test_bio_invalidate(void *dev)
{
	rump_schedule();
	bio_invalidate(dev);
	rump_unschedule();
}

void
rump_test_bio_readahead(void *dev, int64_t blkno, size_t size, int n)
{
	rump_schedule();
	breada(dev, blkno, size, n);
	rump_unschedule();
}

void
rump_test_bio_stats(uint64_t *out)
{
	struct bio_stats bs;

	rump_schedule();
	bio_getstats(&bs);
	rump_unschedule();
	out[0] = bs.bs_bytes;
	out[1] = bs.bs_nbufs;
	out[2] = bs.bs_ndirty;
	out[3] = bs.bs_reads;
	out[4] = bs.bs_writes;
	out[5] = bs.bs_clustered;
	out[6] = bs.bs_readahead;
}

/*
 * getblk with GB_NOWAIT: 0 if taken (kept BUSY with hold, else released
 * with BC_INVAL if its contents are unknown), EWOULDBLOCK if busy.  hold
 * < 0 releases the held buffer.
 */
int
rump_test_bio_getblk_nowait(void *dev, int64_t blkno, size_t size, int hold)
{
	struct buf *bp;
	int error = 0;

	rump_schedule();
	if (hold < 0) {
		if (h_bio_held != NULL)
			brelse(h_bio_held, 0);
		h_bio_held = NULL;
		goto out;
	}
	bp = getblk(dev, blkno, size, GB_NOWAIT);
	if (bp == NULL) {
		error = EWOULDBLOCK;
		goto out;
	}
	if (hold)
		h_bio_held = bp;
	else
		brelse(bp, (bp->b_flags & B_DONE) ? 0 : BC_INVAL);
out:
	rump_unschedule();
	return error;
}

int
rump_test_bio_reopen(void *dev, int oldwritable, int newwritable)
{
	int error;

	rump_schedule();
	error = bdev_reopen(dev, FREAD | (oldwritable ? FWRITE : 0),
	    FREAD | (newwritable ? FWRITE : 0));
	rump_unschedule();
	return error;
}

int
rump_test_bio_read_direct(void *dev, int64_t blkno, size_t bsize, void *data,
    size_t len, size_t *donep)
{
	int error;

	rump_schedule();
	error = bio_read_direct(dev, blkno, bsize, data, len, donep);
	rump_unschedule();
	return error;
}

int
rump_test_bio_write_direct(void *dev, int64_t blkno, size_t bsize,
    const void *data, size_t len)
{
	int error;

	rump_schedule();
	error = bio_write_direct(dev, blkno, bsize, data, len);
	rump_unschedule();
	return error;
}

/* Direct reads and writes so far (bs_direct). */
uint64_t
rump_test_bio_ndirect(void)
{
	struct bio_stats bs;

	rump_schedule();
	bio_getstats(&bs);
	rump_unschedule();
	return bs.bs_direct;
}
