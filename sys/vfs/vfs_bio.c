/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_bio.c: the buffer cache (buf.h).
 *
 * Disk file systems and the block-device node path (vfs_spec.c) read and
 * write device blocks through here.  A buffer caches b_bcount bytes of a
 * device vnode starting at block b_blkno (DEV_BSIZE units); it is found
 * through a hash of (vnode, blkno), and every clean buffer that nobody
 * owns sits on one LRU list (a dirty one sits on the dirty list only, so
 * trimming never walks over dirty buffers; it joins the LRU when its write
 * completes).  Memory for buffers is kmem (charged to the memory
 * limit); a reclaimer gives clean cold buffers back to the pagedaemon and
 * starts writing dirty ones, and the cache trims itself to bcache_max.
 *
 * Buffer states (b_flags, under bcache_lock), see buf.h:
 *
 *	(not cached) --getblk--> BUSY             contents unknown
 *	BUSY --I/O--> BUSY|DONE                   bread
 *	BUSY|DONE --brelse--> DONE (on the LRU)   anyone may take it
 *	BUSY --bdwrite--> DONE|DELWRI (on the dirty list, not the LRU)
 *	DELWRI --syncer, bio_flush, reclaim--> BUSY|WRITE|ASYNC
 *	BUSY|ASYNC --biodone--> DONE (LRU)        released by the completion
 *	BUSY --brelse(BC_INVAL), I/O error on read--> freed
 *
 * Only the owner of a BUSY buffer touches b_data; waiters for BUSY set
 * B_WANTED and sleep on bcache_busycv, and look the buffer up again when
 * they wake (it may have been freed).  The owner waits for its own I/O on
 * b_busycv.
 *
 * Writes: bwrite() waits; bawrite() and the writers of dirty buffers
 * (the syncer thread, bio_flush, reclaim) start the write and let biodone
 * release the buffer.  Contiguous dirty buffers of one device are written
 * in one host I/O (a cluster): their contents are copied into one bounce
 * area and a raw buffer carries them; its completion completes each member.
 * An error of an asynchronous write is remembered in the device's
 * sd_error and returned by the next bio_flush() (fsync), as Linux does.
 *
 * Read-ahead: breada() starts asynchronous reads that release their
 * buffers when done; bread() calls it by itself when a device is read
 * sequentially (a window that doubles up to BIO_RAMAX blocks).
 *
 * Direct I/O: bio_read_direct() reads a long run of blocks straight
 * into the reader's memory in one device I/O, skipping the cache and its
 * copy; it stops before any block the cache holds newer than the disk.
 * bio_write_direct() writes a run of whole blocks from the writer's
 * memory, dropping the cached copies of the blocks it overwrites.
 *
 * The syncer thread writes every dirty buffer older than the sync delay
 * (RUMP_SYNCDELAY seconds, default 30), checking once a second (or more
 * often for shorter delays), so dirty data reaches the disk within the
 * delay plus that interval.  Without kernel threads (RUMP_THREADS=0)
 * there is no syncer: data is written by sync, fsync, unmount and halt.
 *
 * Locking: [b] bcache_lock; [I] set at bio_init().
 * Lock order: vnode locks > spec_lock > bcache_lock.  Drivers are called
 * without bcache_lock; buffers are freed (vrele of their vnode) without it.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/callout.h"
#include "vfs/vnode.h"
#include "vfs/buf.h"
#include "vfs/buf_impl.h"

#define BIO_CLUSTERMAX (1024 * 1024)   /* bytes of one clustered I/O, at
					  most 1/16 of the cache */
#define BIO_RAMAX      64              /* read-ahead window, buffers */
#define BIO_DEFMAX     (64ULL << 20)   /* cache bytes without a limit */

kmutex_t bcache_lock;
static kcondvar_t bcache_busycv;       /* [b] a WANTED buffer was released */
static kcondvar_t bcache_iocv;         /* [b] writes in flight finished */
static kcondvar_t bcache_syncercv;     /* [b] work for the syncer */
static struct buf **bcache_hash;       /* [b] */
static size_t bcache_hashsize;         /* [I] buckets, a power of 2 */
static struct buf bcache_lru;          /* [b] sentinel; next is hottest */
static struct buf bcache_dirty;        /* [b] sentinel; next is oldest;
					  sorted by b_dirtytime */
static struct bio_stats bcache_stats;  /* [b] */
static unsigned bcache_inflight;       /* [b] writes in flight, all devices */
static unsigned bcache_nthrottled;     /* [b] getblk()s waiting for room */
static uint64_t bcache_max;            /* [I] bytes */
static size_t bio_clustermax;          /* [I] bytes of one cluster */
#define BIO_NBOUNCE 4                  /* idle bounce areas kept */
static void *bio_bounce[BIO_NBOUNCE];  /* [b] idle bounce areas of
					  bio_clustermax bytes, or NULL */
static unsigned bio_nbounce;           /* [b] how many */
static int64_t bio_syncdelay = 30;     /* [I] seconds */
static bool bio_syncer_stop;           /* [b] */
static bool bio_syncer_urgent;         /* [b] too much dirty data */
static struct lwp *bio_syncer_lwp;     /* [I] */
static pool_t buf_pool;                /* [I] */
static struct kmem_reclaimer bio_reclaimer;

static struct specdev *
bio_sd(struct vnode *vp)
{
	return vp->v_data;
}

static size_t
bio_hashidx(struct vnode *vp, daddr_t blkno)
{
	uint64_t h = ((uintptr_t)vp >> 6) ^ ((uint64_t)blkno *
	    0x9e3779b97f4a7c15ULL);

	return (size_t)(h ^ (h >> 29)) & (bcache_hashsize - 1);
}

static struct buf *
bio_lookup(struct vnode *vp, daddr_t blkno)
{
	struct buf *bp;

	KASSERT(mutex_owned(&bcache_lock));
	for (bp = bcache_hash[bio_hashidx(vp, blkno)]; bp != NULL;
	    bp = bp->b_hashnext)
		if (bp->b_vp == vp && bp->b_blkno == blkno)
			return bp;
	return NULL;
}

static void
bio_lru_remove(struct buf *bp)
{
	if (!(bp->b_flags & B_ONLRU))
		return;
	bp->b_lruprev->b_lrunext = bp->b_lrunext;
	bp->b_lrunext->b_lruprev = bp->b_lruprev;
	bp->b_flags &= ~B_ONLRU;
}

static void
bio_lru_insert(struct buf *bp, bool cold)
{
	struct buf *at = cold ? bcache_lru.b_lruprev : &bcache_lru;

	KASSERT(!(bp->b_flags & B_ONLRU));
	bp->b_lrunext = at->b_lrunext;
	bp->b_lruprev = at;
	at->b_lrunext->b_lruprev = bp;
	at->b_lrunext = bp;
	bp->b_flags |= B_ONLRU;
}

/* Mark DELWRI; a buffer dirty already keeps its place and time. */
static void
bio_dirty_add(struct buf *bp)
{
	if (bp->b_flags & B_DELWRI)
		return;
	bp->b_flags |= B_DELWRI;
	bp->b_dirtytime = getnanouptime() / NSEC_PER_SEC;
	bp->b_dirtyprev = bcache_dirty.b_dirtyprev;
	bp->b_dirtynext = &bcache_dirty;
	bcache_dirty.b_dirtyprev->b_dirtynext = bp;
	bcache_dirty.b_dirtyprev = bp;
	bcache_stats.bs_ndirty++;
}

static void
bio_dirty_remove(struct buf *bp)
{
	if (!(bp->b_flags & B_DELWRI))
		return;
	bp->b_dirtyprev->b_dirtynext = bp->b_dirtynext;
	bp->b_dirtynext->b_dirtyprev = bp->b_dirtyprev;
	bp->b_flags &= ~B_DELWRI;
	bcache_stats.bs_ndirty--;
}

static void
bio_hash_insert(struct buf *bp)
{
	size_t i = bio_hashidx(bp->b_vp, bp->b_blkno);

	bp->b_hashnext = bcache_hash[i];
	bcache_hash[i] = bp;
	bp->b_flags |= B_HASHED;
	bio_sd(bp->b_vp)->sd_nbufs++;
	bcache_stats.bs_nbufs++;
	bcache_stats.bs_bytes += bp->b_allocsize;
}

/* Take bp out of the cache; the caller frees it after bcache_lock. */
static void
bio_unhash(struct buf *bp)
{
	struct buf **bpp;

	KASSERT(mutex_owned(&bcache_lock));
	bio_lru_remove(bp);
	bio_dirty_remove(bp);
	if (!(bp->b_flags & B_HASHED))
		return;
	for (bpp = &bcache_hash[bio_hashidx(bp->b_vp, bp->b_blkno)];
	    *bpp != bp; bpp = &(*bpp)->b_hashnext)
		KASSERT(*bpp != NULL);
	*bpp = bp->b_hashnext;
	bp->b_flags &= ~B_HASHED;
	bio_sd(bp->b_vp)->sd_nbufs--;
	bcache_stats.bs_nbufs--;
	bcache_stats.bs_bytes -= bp->b_allocsize;
	if (bp->b_flags & B_WANTED)
		cv_broadcast(&bcache_busycv);
}

static void *
bio_data_alloc(size_t size)
{
	if ((size & PAGE_MASK) == 0)
		return kmem_page_alloc(size, KM_SLEEP);
	return kmem_alloc(size, KM_SLEEP);
}

static void
bio_data_free(void *p, size_t size)
{
	if ((size & PAGE_MASK) == 0)
		kmem_page_free(p, size);
	else
		kmem_free(p, size);
}

/* A new buffer header, BUSY, holding a reference to vp. */
static struct buf *
bio_hdr_alloc(struct vnode *vp, daddr_t blkno, size_t size, int kmflags)
{
	struct buf *bp;

	bp = pool_get(buf_pool, kmflags);
	if (bp == NULL)
		return NULL;
	memset(bp, 0, sizeof(*bp));
	cv_init(&bp->b_busycv, "biowait");
	bp->b_flags = B_BUSY;
	bp->b_vp = vp;
	bp->b_blkno = blkno;
	bp->b_bcount = size;
	vref(vp);
	return bp;
}

static struct buf *
bio_alloc(struct vnode *vp, daddr_t blkno, size_t size)
{
	struct buf *bp;

	bp = bio_hdr_alloc(vp, blkno, size, KM_SLEEP);
	bp->b_allocsize = size;
	bp->b_data = bio_data_alloc(size);
	return bp;
}

/* Free a buffer that is out of the cache.  No bcache_lock. */
static void
bio_free(struct buf *bp)
{
	struct vnode *vp = bp->b_vp;

	KASSERT(!(bp->b_flags & (B_HASHED | B_ONLRU | B_DELWRI)));
	if (bp->b_allocsize != 0)
		bio_data_free(bp->b_data, bp->b_allocsize);
	cv_destroy(&bp->b_busycv);
	pool_put(buf_pool, bp);
	vrele(vp);
}

static void
bio_free_list(struct buf *list)
{
	struct buf *bp;

	while ((bp = list) != NULL) {
		list = bp->b_hashnext;
		bio_free(bp);
	}
}

/* Release a BUSY cached buffer to the LRU (or free it if invalid).
 * Returns bp if the caller must free it after dropping the lock. */
static struct buf *
bio_release_locked(struct buf *bp, int bcflags)
{
	KASSERT(mutex_owned(&bcache_lock));
	KASSERT(bp->b_flags & B_BUSY);
	if (bp->b_flags & B_WANTED)
		cv_broadcast(&bcache_busycv);
	bp->b_flags &= ~(B_BUSY | B_WANTED | B_ASYNC | B_IODONE);
	if ((bcflags & BC_INVAL) || (bp->b_flags & B_INVAL) ||
	    !(bp->b_flags & B_DONE)) {
		bio_unhash(bp);
		bp->b_hashnext = NULL;
		return bp;
	}
	if (!(bp->b_flags & B_DELWRI))
		bio_lru_insert(bp, (bcflags & BC_AGE) != 0);
	return NULL;
}

void
brelse(struct buf *bp, int bcflags)
{
	struct buf *dead;

	KASSERT(!(bp->b_flags & B_RAW));
	mutex_enter(&bcache_lock);
	dead = bio_release_locked(bp, bcflags);
	mutex_exit(&bcache_lock);
	if (dead != NULL)
		bio_free(dead);
}

/* Take a cached buffer that is not BUSY. */
static void
bio_acquire(struct buf *bp)
{
	KASSERT(mutex_owned(&bcache_lock));
	KASSERT(!(bp->b_flags & B_BUSY));
	bio_lru_remove(bp);
	bp->b_flags |= B_BUSY;
	bp->b_flags &= ~B_IODONE;
}

/* Sleep until a BUSY buffer is released; bp must not be used after. */
static void
bio_waitbusy(struct buf *bp)
{
	bp->b_flags |= B_WANTED;
	cv_wait(&bcache_busycv, &bcache_lock);
}

/*
 * Free cold clean buffers until the cache holds at most target bytes;
 * start writing cold dirty ones found on the way.  Returns bytes freed.
 */
static size_t bio_writeout_locked(struct vnode *vp, int64_t cutoff,
    unsigned maxbufs);
static size_t bio_bounce_drain(void);

static size_t
bio_trim(uint64_t target)
{
	struct buf *bp, *prev, *dead = NULL;
	size_t freed = 0;
	uint64_t ndirty;

	mutex_enter(&bcache_lock);
	/* The LRU holds clean idle buffers only: every one can go. */
	for (bp = bcache_lru.b_lruprev; bp != &bcache_lru &&
	    bcache_stats.bs_bytes > target; bp = prev) {
		prev = bp->b_lruprev;
		KASSERT(!(bp->b_flags & (B_DELWRI | B_BUSY)));
		freed += bp->b_allocsize;
		bio_unhash(bp);
		bp->b_hashnext = dead;
		dead = bp;
	}
	ndirty = bcache_stats.bs_ndirty;
	if (bcache_stats.bs_bytes > target && ndirty > 0)
		(void)bio_writeout_locked(NULL, INT64_MAX,
		    (unsigned)MIN(ndirty, 256));
	mutex_exit(&bcache_lock);
	bio_free_list(dead);
	return freed;
}

static size_t
bio_reclaim(void *arg, size_t target)
{
	uint64_t bytes;

	mutex_enter(&bcache_lock);
	bytes = bcache_stats.bs_bytes;
	mutex_exit(&bcache_lock);
	return bio_bounce_drain() + bio_trim(bytes > target ? bytes - target :
	    0);
}

/*
 * The cache is full: make room for size bytes before a new buffer is
 * made.  Frees cold clean buffers (starting writes of dirty ones), and
 * while that is not enough and writes are in flight, waits for them, so
 * a writer cannot fill memory faster than the device takes it.  Gives up
 * when nothing is in flight (every buffer is owned): the cache then goes
 * over its bound by what its owners hold.  Called with bcache_lock held,
 * which it drops and takes again.
 */
static void
bio_throttle(size_t size)
{
	int tries;

	for (tries = 0; tries < 50; tries++) {
		mutex_exit(&bcache_lock);
		(void)bio_trim(bcache_max - bcache_max / 8);
		mutex_enter(&bcache_lock);
		if (bcache_stats.bs_bytes + size <= bcache_max ||
		    bcache_inflight == 0)
			break;
		bcache_nthrottled++;
		(void)cv_timedwait(&bcache_iocv, &bcache_lock,
		    100 * NSEC_PER_MSEC);
		bcache_nthrottled--;
	}
}

/*
 * The buffer for (vp, blkno, size), BUSY.  A cached buffer of another size
 * is written out if dirty and dropped first.
 */
struct buf *
getblk(struct vnode *vp, daddr_t blkno, size_t size, int flags)
{
	struct buf *bp, *nbp = NULL;
	bool trim = false, throttled = false;

	KASSERT(size > 0);
	mutex_enter(&bcache_lock);
	for (;;) {
		bp = bio_lookup(vp, blkno);
		if (bp == NULL) {
			if (nbp != NULL)
				break;
			if (bcache_stats.bs_bytes + size > bcache_max &&
			    !(flags & GB_NOWAIT) && !throttled) {
				bio_throttle(size);
				throttled = true;
				continue;	/* the lock was dropped */
			}
			mutex_exit(&bcache_lock);
			nbp = bio_alloc(vp, blkno, size);
			mutex_enter(&bcache_lock);
			continue;
		}
		if (bp->b_flags & B_BUSY) {
			if (flags & GB_NOWAIT) {
				mutex_exit(&bcache_lock);
				if (nbp != NULL)
					bio_free(nbp);
				return NULL;
			}
			bio_waitbusy(bp);
			continue;
		}
		bio_acquire(bp);
		if (bp->b_bcount == size) {
			mutex_exit(&bcache_lock);
			if (nbp != NULL)
				bio_free(nbp);
			return bp;
		}
		/* Looked up at another size: write it out, drop it, retry. */
		mutex_exit(&bcache_lock);
		if (bp->b_flags & B_DELWRI)
			(void)bwrite(bp);
		else
			brelse(bp, BC_INVAL);
		mutex_enter(&bcache_lock);
	}
	bio_hash_insert(nbp);
	trim = bcache_stats.bs_bytes > bcache_max;
	mutex_exit(&bcache_lock);
	if (trim)
		(void)bio_trim(bcache_max - bcache_max / 8);
	return nbp;
}

/* Hand bp to its device's driver. */
void
bio_strategy(struct buf *bp)
{
	struct specdev *sd = bio_sd(bp->b_vp);

	KASSERT(bp->b_flags & B_BUSY);
	KASSERT(bp->b_flags & (B_READ | B_WRITE));
	bp->b_iocmd = bp->b_flags & (B_READ | B_WRITE | B_ASYNC);
	bp->b_error = 0;
	bp->b_resid = bp->b_bcount;
	if (sd == NULL || sd->sd_sw == NULL || sd->sd_sw->d_strategy == NULL) {
		biodone(bp, ENXIO, bp->b_bcount);
		return;
	}
	sd->sd_sw->d_strategy(sd->sd_dev, bp);
}

int
biowait(struct buf *bp)
{
	mutex_enter(&bcache_lock);
	while (!(bp->b_flags & B_IODONE))
		cv_wait(&bp->b_busycv, &bcache_lock);
	mutex_exit(&bcache_lock);
	if (bp->b_error != 0)
		return bp->b_error;
	return 0;
}

/* A cached write finished (bcache_lock held): account, remember errors. */
static void
bio_write_finished(struct buf *bp, int error)
{
	struct specdev *sd = bio_sd(bp->b_vp);

	if (error != 0 && sd->sd_error == 0)
		sd->sd_error = error;
	KASSERT(sd->sd_inflight > 0 && bcache_inflight > 0);
	sd->sd_inflight--;
	bcache_inflight--;
	if (sd->sd_inflight == 0 || bcache_inflight == 0 ||
	    bcache_nthrottled > 0)
		cv_broadcast(&bcache_iocv);
}

/* Completion of an asynchronous cached buffer (bcache_lock held). */
static struct buf *
bio_async_done(struct buf *bp, int error, size_t resid)
{
	bool wasread = (bp->b_flags & B_READ) != 0;

	bp->b_flags &= ~(B_READ | B_WRITE);
	if (error == 0 && resid != 0)
		error = EIO;
	bp->b_error = error;
	if (wasread) {
		if (error != 0)
			bp->b_flags |= B_INVAL;
		else
			bp->b_flags |= B_DONE;
	} else {
		bio_write_finished(bp, error);
		bp->b_flags |= B_DONE;
		if (error != 0)
			bp->b_flags |= B_ERROR;
	}
	return bio_release_locked(bp, 0);
}

/*
 * Bounce areas of clusters (bio_clustermax bytes): a few idle ones are
 * kept, as allocating and freeing one per cluster makes the host map and
 * fault in fresh pages for every byte written.  No sleeping (reclaim
 * writes through here); the reclaimer gives the idle ones back.
 */
static void *
bio_bounce_get(void)
{
	void *p = NULL;

	mutex_enter(&bcache_lock);
	if (bio_nbounce > 0) {
		p = bio_bounce[--bio_nbounce];
		bio_bounce[bio_nbounce] = NULL;
	}
	mutex_exit(&bcache_lock);
	if (p == NULL)
		p = kmem_alloc(bio_clustermax, KM_NOSLEEP);
	return p;
}

static void
bio_bounce_put(void *p)
{
	mutex_enter(&bcache_lock);
	if (bio_nbounce < BIO_NBOUNCE) {
		bio_bounce[bio_nbounce++] = p;
		p = NULL;
	}
	mutex_exit(&bcache_lock);
	if (p != NULL)
		kmem_free(p, bio_clustermax);
}

/* Free the idle bounce areas; returns the bytes freed. */
static size_t
bio_bounce_drain(void)
{
	void *spare[BIO_NBOUNCE];
	unsigned i, n;

	mutex_enter(&bcache_lock);
	n = bio_nbounce;
	for (i = 0; i < n; i++) {
		spare[i] = bio_bounce[i];
		bio_bounce[i] = NULL;
	}
	bio_nbounce = 0;
	mutex_exit(&bcache_lock);
	for (i = 0; i < n; i++)
		kmem_free(spare[i], bio_clustermax);
	return (size_t)n * bio_clustermax;
}

/*
 * Completion of a cluster (a raw buffer carrying the I/O of several cached
 * ones, B_ASYNC): copy what was read into the members, complete each, and
 * free the cluster.  Members past what was transferred fail with EIO.
 */
static void
bio_cluster_done(struct buf *cl, int error, size_t resid)
{
	size_t done = cl->b_bcount - MIN(resid, cl->b_bcount), off;
	struct buf *dead = NULL, *m, *next;
	char *p = cl->b_data;
	int merr;

	if ((cl->b_iocmd & B_READ) && error == 0)
		for (m = cl->b_cluster, off = 0; m != NULL;
		    off += m->b_bcount, m = m->b_cluster)
			if (off + m->b_bcount <= done)
				memcpy(m->b_data, p + off, m->b_bcount);
	mutex_enter(&bcache_lock);
	for (m = cl->b_cluster, off = 0; m != NULL; m = next) {
		next = m->b_cluster;
		m->b_cluster = NULL;
		merr = error;
		if (merr == 0 && off + m->b_bcount > done)
			merr = EIO;
		off += m->b_bcount;
		m = bio_async_done(m, merr, 0);
		if (m != NULL) {
			m->b_hashnext = dead;
			dead = m;
		}
	}
	mutex_exit(&bcache_lock);
	bio_bounce_put(p);
	bio_rawfree(cl);
	bio_free_list(dead);
}

void
biodone(struct buf *bp, int error, size_t resid)
{
	struct buf *dead = NULL;

	/* B_RAW and B_ASYNC of a cluster are its creator's, set before. */
	if ((bp->b_flags & (B_RAW | B_ASYNC)) == (B_RAW | B_ASYNC)) {
		bio_cluster_done(bp, error, resid);
		return;
	}
	mutex_enter(&bcache_lock);
	if (!(bp->b_flags & B_ASYNC)) {
		bp->b_error = error;
		bp->b_resid = resid;
		if (error != 0)
			bp->b_flags |= B_ERROR;
		else
			bp->b_flags &= ~B_ERROR;
		bp->b_flags &= ~(B_READ | B_WRITE);
		bp->b_flags |= B_IODONE;
		cv_broadcast(&bp->b_busycv);
		mutex_exit(&bcache_lock);
		return;
	}
	dead = bio_async_done(bp, error, resid);
	mutex_exit(&bcache_lock);
	if (dead != NULL)
		bio_free(dead);
}

struct buf *
bio_rawbuf(struct vnode *devvp, daddr_t blkno, void *data, size_t len)
{
	struct buf *bp;

	bp = bio_hdr_alloc(devvp, blkno, len, KM_SLEEP);
	bp->b_flags |= B_RAW;
	bp->b_data = data;
	return bp;
}

void
bio_rawfree(struct buf *bp)
{
	KASSERT(bp->b_flags & B_RAW);
	bio_free(bp);
}

int
bio_rawio(struct vnode *devvp, daddr_t blkno, void *data, size_t len,
    int rw, size_t *residp)
{
	struct buf *bp;
	int error;

	KASSERT(rw == B_READ || rw == B_WRITE);
	bp = bio_rawbuf(devvp, blkno, data, len);
	bp->b_flags |= rw;
	bio_strategy(bp);
	error = biowait(bp);
	*residp = bp->b_resid;
	bio_rawfree(bp);
	return error;
}

/*
 * Start the I/O of a chain of BUSY cached buffers of one device, linked
 * through b_cluster, contiguous, each already marked (B_READ or B_WRITE,
 * and B_ASYNC): one host I/O through a bounce area when there are several
 * and memory is at hand without waiting (the pagedaemon comes here
 * through reclaim), else one I/O each.  No bcache_lock held.
 */
static void
bio_start_chain(struct buf *first, size_t total, int cmd)
{
	struct buf *m, *cl, *next;
	char *p = NULL;

	if (first->b_cluster != NULL) {
		p = bio_bounce_get();
		cl = p != NULL ? bio_hdr_alloc(first->b_vp, first->b_blkno,
		    total, KM_NOSLEEP) : NULL;
		if (cl != NULL) {
			cl->b_flags |= B_RAW | B_ASYNC | cmd;
			cl->b_data = p;
			cl->b_cluster = first;
			if (cmd == B_WRITE)
				for (m = first; m != NULL; m = m->b_cluster) {
					memcpy(p, m->b_data, m->b_bcount);
					p += m->b_bcount;
				}
			mutex_enter(&bcache_lock);
			bcache_stats.bs_clustered++;
			mutex_exit(&bcache_lock);
			bio_strategy(cl);
			return;
		}
		if (p != NULL)
			bio_bounce_put(p);
	}
	for (m = first; m != NULL; m = next) {
		next = m->b_cluster;
		m->b_cluster = NULL;
		bio_strategy(m);
	}
}

/*
 * Sequential reads of a device (each bread at the block after the last
 * one) keep read-ahead going: the window doubles from 4 buffers up to
 * BIO_RAMAX, and a new window is started when the reader comes within
 * half a window of the end of what was read ahead.
 */
static void
bio_autoreadahead(struct vnode *vp, daddr_t blkno, size_t size)
{
	struct specdev *sd = bio_sd(vp);
	daddr_t bsz = (daddr_t)(size >> DEV_BSHIFT);
	daddr_t next = blkno + bsz, start = 0;
	int n = 0;

	mutex_enter(&bcache_lock);
	if (blkno == sd->sd_nextr) {
		sd->sd_rawin = sd->sd_rawin == 0 ? 4 :
		    MIN(sd->sd_rawin * 2, BIO_RAMAX);
	} else {
		sd->sd_rawin = 0;
		sd->sd_raend = 0;
	}
	sd->sd_nextr = next;
	if (sd->sd_rawin > 0) {
		if (sd->sd_raend < next)
			sd->sd_raend = next;
		if (sd->sd_raend - next < (daddr_t)(sd->sd_rawin / 2) * bsz) {
			start = sd->sd_raend;
			n = sd->sd_rawin;
			sd->sd_raend += (daddr_t)n * bsz;
		}
	}
	mutex_exit(&bcache_lock);
	if (n > 0)
		breada(vp, start, size, n);
}

int
bread(struct vnode *vp, daddr_t blkno, size_t size, int flags,
    struct buf **bpp)
{
	struct buf *bp;
	int error;

	*bpp = NULL;
	bp = getblk(vp, blkno, size, flags);
	if (bp == NULL)
		return EWOULDBLOCK;
	if (bp->b_flags & B_DONE) {
		*bpp = bp;
		bio_autoreadahead(vp, blkno, size);
		return 0;
	}
	mutex_enter(&bcache_lock);
	bp->b_flags |= B_READ;
	bcache_stats.bs_reads++;
	mutex_exit(&bcache_lock);
	bio_strategy(bp);
	error = biowait(bp);
	if (error == 0 && bp->b_resid != 0)
		error = EIO;
	if (error != 0) {
		brelse(bp, BC_INVAL);
		return error;
	}
	mutex_enter(&bcache_lock);
	bp->b_flags |= B_DONE;
	bp->b_flags &= ~B_ERROR;
	mutex_exit(&bcache_lock);
	bio_autoreadahead(vp, blkno, size);
	*bpp = bp;
	return 0;
}

void
breada(struct vnode *vp, daddr_t blkno, size_t size, int nblks)
{
	struct specdev *sd = bio_sd(vp);
	struct buf *bp, *first = NULL, *last = NULL;
	size_t total = 0;
	uint64_t end;
	bool inside;
	int i;

	mutex_enter(&spec_lock);
	end = sd->sd_size;
	mutex_exit(&spec_lock);
	/* Read-ahead makes room by dropping cold clean buffers (cheap: the
	 * LRU holds clean ones only), then reads only into the room there
	 * is, so a long sequential read keeps its window in a full cache. */
	mutex_enter(&bcache_lock);
	if (nblks > 0 && (uint64_t)nblks * size < bcache_max / 4 &&
	    bcache_stats.bs_bytes + (uint64_t)nblks * size > bcache_max) {
		mutex_exit(&bcache_lock);
		(void)bio_trim(bcache_max - (uint64_t)nblks * size);
		mutex_enter(&bcache_lock);
	}
	if (bcache_stats.bs_bytes + (uint64_t)nblks * size > bcache_max)
		nblks = bcache_stats.bs_bytes + size > bcache_max ? 0 :
		    (int)((bcache_max - bcache_stats.bs_bytes) / size);
	mutex_exit(&bcache_lock);
	for (i = 0; i <= nblks; i++, blkno += (daddr_t)(size >> DEV_BSHIFT)) {
		bp = NULL;
		inside = i < nblks && blkno >= 0 &&
		    ((uint64_t)blkno << DEV_BSHIFT) + size <= end;
		if (inside) {
			bp = getblk(vp, blkno, size, GB_NOWAIT);
			if (bp != NULL && (bp->b_flags & B_DONE)) {
				brelse(bp, 0);
				bp = NULL;
			}
		}
		/* A run of missing blocks ends: read it in one go. */
		if (first != NULL && (bp == NULL ||
		    total + size > bio_clustermax)) {
			bio_start_chain(first, total, B_READ);
			first = last = NULL;
			total = 0;
		}
		if (!inside)
			break;
		if (bp == NULL)
			continue;
		mutex_enter(&bcache_lock);
		bp->b_flags |= B_READ | B_ASYNC;
		bcache_stats.bs_reads++;
		bcache_stats.bs_readahead++;
		mutex_exit(&bcache_lock);
		bp->b_cluster = NULL;
		if (first == NULL)
			first = bp;
		else
			last->b_cluster = bp;
		last = bp;
		total += size;
	}
}

/* The bytes of [blkno, blkno + len) before the first block of bsize the
 * cache holds newer than the disk (busy, dirty, failed).  bcache_lock. */
static size_t
bio_current_locked(struct vnode *vp, daddr_t blkno, size_t bsize,
    size_t len)
{
	daddr_t step = (daddr_t)(bsize >> DEV_BSHIFT);
	struct buf *bp;
	size_t off;

	KASSERT(mutex_owned(&bcache_lock));
	for (off = 0; off < len && bio_sd(vp)->sd_nbufs != 0; off += bsize) {
		bp = bio_lookup(vp, blkno + (daddr_t)(off / bsize) * step);
		if (bp != NULL &&
		    (bp->b_flags & (B_BUSY | B_DELWRI | B_ERROR)) != 0)
			return off;
	}
	return len;
}

size_t
bio_current(struct vnode *vp, daddr_t blkno, size_t bsize, size_t len)
{
	KASSERT(bsize >= DEV_BSIZE && (bsize & (DEV_BSIZE - 1)) == 0);
	mutex_enter(&bcache_lock);
	len = bio_current_locked(vp, blkno, bsize, len);
	mutex_exit(&bcache_lock);
	return len;
}

int
bio_read_direct(struct vnode *vp, daddr_t blkno, size_t bsize, void *data,
    size_t len, size_t *donep)
{
	size_t resid;
	int error;

	KASSERT(bsize >= DEV_BSIZE && (bsize & (DEV_BSIZE - 1)) == 0);
	KASSERT(len > 0);
	*donep = 0;
	mutex_enter(&bcache_lock);
	len = bio_current_locked(vp, blkno, bsize, len);
	if (len == 0) {
		mutex_exit(&bcache_lock);
		return EAGAIN;
	}
	bcache_stats.bs_reads++;
	bcache_stats.bs_direct++;
	mutex_exit(&bcache_lock);

	error = bio_rawio(vp, blkno, data, len, B_READ, &resid);
	if (error == 0 && resid != 0)
		error = EIO;
	if (error != 0)
		return error;
	*donep = len;
	return 0;
}

/* Drop the cached blocks of bsize in [blkno, blkno + len), waiting for
 * busy ones; bcache_lock held.  Returns the dropped ones to free. */
static struct buf *
bio_drop_range_locked(struct vnode *vp, daddr_t blkno, size_t bsize,
    size_t len)
{
	daddr_t step = (daddr_t)(bsize >> DEV_BSHIFT), b;
	struct buf *bp, *dead = NULL;
	size_t off;

	KASSERT(mutex_owned(&bcache_lock));
	for (off = 0; off < len && bio_sd(vp)->sd_nbufs != 0; off += bsize) {
		b = blkno + (daddr_t)(off / bsize) * step;
		while ((bp = bio_lookup(vp, b)) != NULL &&
		    (bp->b_flags & B_BUSY))
			bio_waitbusy(bp);
		if (bp == NULL)
			continue;
		bio_unhash(bp);
		bp->b_hashnext = dead;
		dead = bp;
	}
	return dead;
}

int
bio_write_direct(struct vnode *vp, daddr_t blkno, size_t bsize,
    const void *data, size_t len)
{
	struct buf *dead;
	size_t resid;
	int error;

	KASSERT(bsize >= DEV_BSIZE && (bsize & (DEV_BSIZE - 1)) == 0);
	KASSERT(len > 0 && len % bsize == 0);
	mutex_enter(&bcache_lock);
	dead = bio_drop_range_locked(vp, blkno, bsize, len);
	bcache_stats.bs_writes++;
	bcache_stats.bs_direct++;
	mutex_exit(&bcache_lock);
	bio_free_list(dead);

	error = bio_rawio(vp, blkno, (void *)(uintptr_t)data, len, B_WRITE,
	    &resid);
	if (error == 0 && resid != 0)
		error = EIO;

	mutex_enter(&bcache_lock);
	dead = bio_drop_range_locked(vp, blkno, bsize, len);
	mutex_exit(&bcache_lock);
	bio_free_list(dead);
	return error;
}

/* Start writing a BUSY cached buffer: off the dirty list, counted. */
static void
bio_startwrite_locked(struct buf *bp, bool async)
{
	struct specdev *sd = bio_sd(bp->b_vp);

	KASSERT(mutex_owned(&bcache_lock));
	bio_dirty_remove(bp);
	bp->b_flags |= B_WRITE | B_DONE;
	bp->b_flags &= ~(B_IODONE | B_ERROR);
	if (async)
		bp->b_flags |= B_ASYNC;
	sd->sd_inflight++;
	bcache_inflight++;
	bcache_stats.bs_writes++;
}

int
bwrite(struct buf *bp)
{
	int error;

	KASSERT((bp->b_flags & (B_BUSY | B_RAW)) == B_BUSY);
	mutex_enter(&bcache_lock);
	bio_startwrite_locked(bp, false);
	mutex_exit(&bcache_lock);
	bio_strategy(bp);
	error = biowait(bp);
	if (error == 0 && bp->b_resid != 0)
		error = EIO;
	mutex_enter(&bcache_lock);
	bio_write_finished(bp, 0);
	mutex_exit(&bcache_lock);
	brelse(bp, 0);
	return error;
}

void
bawrite(struct buf *bp)
{
	KASSERT((bp->b_flags & (B_BUSY | B_RAW)) == B_BUSY);
	mutex_enter(&bcache_lock);
	bio_startwrite_locked(bp, true);
	mutex_exit(&bcache_lock);
	bio_strategy(bp);
}

void
bdwrite(struct buf *bp)
{
	struct buf *dead;

	KASSERT((bp->b_flags & (B_BUSY | B_RAW)) == B_BUSY);
	mutex_enter(&bcache_lock);
	bp->b_flags |= B_DONE;
	bio_dirty_add(bp);
	dead = bio_release_locked(bp, 0);
	KASSERT(dead == NULL);
	if (bcache_stats.bs_ndirty * (uint64_t)bp->b_bcount >
	    bcache_max / 2 && !bio_syncer_urgent) {
		bio_syncer_urgent = true;
		cv_signal(&bcache_syncercv);
	}
	mutex_exit(&bcache_lock);
}

/*
 * Start writing up to maxbufs dirty buffers of vp (NULL: every device)
 * dirtied at or before cutoff (uptime seconds), contiguous ones of a
 * device together.  Buffers owned by someone are skipped.  Called and
 * returns with bcache_lock held; drops it while starting I/O.  Returns the
 * number of buffers started.
 */
static size_t
bio_writeout_locked(struct vnode *vp, int64_t cutoff, unsigned maxbufs)
{
	struct buf *bp, *first, *last, *m;
	size_t started = 0, total;
	daddr_t nb;

	KASSERT(mutex_owned(&bcache_lock));
	while (started < maxbufs) {
		/* The list is in dirtying order: stop at the first young
		 * buffer, so the syncer's scan is short. */
		for (bp = bcache_dirty.b_dirtynext; bp != &bcache_dirty;
		    bp = bp->b_dirtynext) {
			if (bp->b_dirtytime > cutoff) {
				bp = &bcache_dirty;
				break;
			}
			if ((vp == NULL || bp->b_vp == vp) &&
			    !(bp->b_flags & B_BUSY))
				break;
		}
		if (bp == &bcache_dirty)
			break;
		/* Gather the contiguous run of idle dirty buffers around bp. */
		bio_acquire(bp);
		first = last = bp;
		bp->b_cluster = NULL;
		total = bp->b_bcount;
		for (;;) {
			nb = first->b_blkno - (daddr_t)(bp->b_bcount >>
			    DEV_BSHIFT);
			m = nb >= 0 ? bio_lookup(bp->b_vp, nb) : NULL;
			if (m == NULL || m->b_bcount != bp->b_bcount ||
			    (m->b_flags & (B_BUSY | B_DELWRI)) != B_DELWRI ||
			    total + m->b_bcount > bio_clustermax)
				break;
			bio_acquire(m);
			m->b_cluster = first;
			first = m;
			total += m->b_bcount;
		}
		for (;;) {
			nb = last->b_blkno + (daddr_t)(last->b_bcount >>
			    DEV_BSHIFT);
			m = bio_lookup(bp->b_vp, nb);
			if (m == NULL || m->b_bcount != bp->b_bcount ||
			    (m->b_flags & (B_BUSY | B_DELWRI)) != B_DELWRI ||
			    total + m->b_bcount > bio_clustermax)
				break;
			bio_acquire(m);
			m->b_cluster = NULL;
			last->b_cluster = m;
			last = m;
			total += m->b_bcount;
		}
		for (m = first; m != NULL; m = m->b_cluster) {
			bio_startwrite_locked(m, true);
			started++;
		}
		mutex_exit(&bcache_lock);
		bio_start_chain(first, total, B_WRITE);
		mutex_enter(&bcache_lock);
	}
	return started;
}

/* Wait until no write of vp (NULL: of any device) is in flight. */
static void
bio_waitwrites_locked(struct vnode *vp)
{
	for (;;) {
		if (vp == NULL ? bcache_inflight == 0 :
		    bio_sd(vp)->sd_inflight == 0)
			return;
		cv_wait(&bcache_iocv, &bcache_lock);
	}
}

int
bio_flush(struct vnode *vp, int flags)
{
	struct specdev *sd = bio_sd(vp);
	int error;

	mutex_enter(&bcache_lock);
	(void)bio_writeout_locked(vp, INT64_MAX, UINT_MAX);
	if (!(flags & BIO_FLUSH_WAIT)) {
		mutex_exit(&bcache_lock);
		return 0;
	}
	bio_waitwrites_locked(vp);
	error = sd->sd_error;
	sd->sd_error = 0;
	mutex_exit(&bcache_lock);
	if (error == 0 && sd->sd_sw != NULL && sd->sd_sw->d_flush != NULL)
		error = sd->sd_sw->d_flush(sd->sd_dev);
	return error;
}

/* sync(2): write every dirty buffer of every device and wait. */
void
bio_flush_all(void)
{
	mutex_enter(&bcache_lock);
	(void)bio_writeout_locked(NULL, INT64_MAX, UINT_MAX);
	bio_waitwrites_locked(NULL);
	mutex_exit(&bcache_lock);
}

void
bio_invalidate(struct vnode *vp)
{
	struct buf *bp, *next, *dead = NULL;
	size_t i;

	mutex_enter(&bcache_lock);
again:
	for (i = 0; i < bcache_hashsize && bio_sd(vp)->sd_nbufs != 0; i++) {
		for (bp = bcache_hash[i]; bp != NULL; bp = next) {
			next = bp->b_hashnext;
			if (bp->b_vp != vp)
				continue;
			if (bp->b_flags & B_BUSY) {
				bio_waitbusy(bp);
				goto again;
			}
			bio_unhash(bp);
			bp->b_hashnext = dead;
			dead = bp;
		}
	}
	mutex_exit(&bcache_lock);
	bio_free_list(dead);
	(void)bio_bounce_drain();	/* a device goes away: keep nothing */
}

/*
 * Write out and drop the buffers of vp that overlap the byte range
 * [start, end) (raw writes to the device go around the cache).
 */
int
bio_purge_range(struct vnode *vp, uint64_t start, uint64_t end)
{
	struct buf *bp, *next;
	uint64_t bstart, bend;
	size_t i;
	int error = 0, e;

	mutex_enter(&bcache_lock);
again:
	for (i = 0; i < bcache_hashsize && bio_sd(vp)->sd_nbufs != 0; i++) {
		for (bp = bcache_hash[i]; bp != NULL; bp = next) {
			next = bp->b_hashnext;
			if (bp->b_vp != vp)
				continue;
			bstart = (uint64_t)bp->b_blkno << DEV_BSHIFT;
			bend = bstart + bp->b_bcount;
			if (bend <= start || bstart >= end)
				continue;
			if (bp->b_flags & B_BUSY) {
				bio_waitbusy(bp);
				goto again;
			}
			bio_acquire(bp);
			mutex_exit(&bcache_lock);
			if (bp->b_flags & B_DELWRI) {
				e = bwrite(bp);
				if (error == 0)
					error = e;
				mutex_enter(&bcache_lock);
				goto again;
			}
			brelse(bp, BC_INVAL);
			mutex_enter(&bcache_lock);
			goto again;
		}
	}
	mutex_exit(&bcache_lock);
	(void)bio_bounce_drain();
	return error;
}

void
bio_getstats(struct bio_stats *bs)
{
	mutex_enter(&bcache_lock);
	*bs = bcache_stats;
	mutex_exit(&bcache_lock);
}

/* The syncer: write buffers dirty for longer than the sync delay. */
static void
bio_syncer(void *arg)
{
	int64_t interval = bio_syncdelay <= 1 ? NSEC_PER_SEC / 4 :
	    NSEC_PER_SEC;
	int64_t now;

	mutex_enter(&bcache_lock);
	while (!bio_syncer_stop) {
		if (!bio_syncer_urgent)
			(void)cv_timedwait(&bcache_syncercv, &bcache_lock,
			    interval);
		if (bio_syncer_stop)
			break;
		now = getnanouptime() / NSEC_PER_SEC;
		if (bio_syncer_urgent) {
			bio_syncer_urgent = false;
			(void)bio_writeout_locked(NULL, INT64_MAX, 256);
		}
		(void)bio_writeout_locked(NULL, now - bio_syncdelay,
		    UINT_MAX);
	}
	mutex_exit(&bcache_lock);
	kthread_exit(0);
}

static int64_t
bio_getsyncdelay(void)
{
	char buf[32];
	uint64_t n;

	if (rumpuser_getparam("RUMP_SYNCDELAY", buf, sizeof(buf)) != 0)
		return 30;
	if (kstrtou64(buf, &n) != 0 || n == 0 || n > 3600) {
		printf("bio: RUMP_SYNCDELAY=\"%s\" ignored (1..3600 seconds)\n",
		    buf);
		return 30;
	}
	return (int64_t)n;
}

void
bio_init(void)
{
	uint64_t limit = kmem_limit();

	mutex_init(&bcache_lock, MUTEX_DEFAULT, "bcache");
	cv_init(&bcache_busycv, "bbusy");
	cv_init(&bcache_iocv, "bwrites");
	cv_init(&bcache_syncercv, "syncer");
	bcache_max = limit != 0 ? MAX(limit / 2, 256 * 1024) : BIO_DEFMAX;
	bio_clustermax = (size_t)MIN((uint64_t)BIO_CLUSTERMAX,
	    MAX(bcache_max / 16, 64 * 1024));
	/* About two 4 KiB buffers of a full cache per bucket. */
	for (bcache_hashsize = 1024; bcache_hashsize < (1U << 18) &&
	    bcache_hashsize * 2 * PAGE_SIZE < bcache_max;
	    bcache_hashsize *= 2)
		continue;
	bcache_hash = kmem_zalloc(bcache_hashsize * sizeof(*bcache_hash),
	    KM_SLEEP);
	bcache_lru.b_lrunext = bcache_lru.b_lruprev = &bcache_lru;
	bcache_dirty.b_dirtynext = bcache_dirty.b_dirtyprev = &bcache_dirty;
	buf_pool = pool_create(sizeof(struct buf), 0, "buf");
	bio_syncdelay = bio_getsyncdelay();
	bio_reclaimer.kr_name = "bcache";
	bio_reclaimer.kr_reclaim = bio_reclaim;
	kmem_reclaimer_register(&bio_reclaimer);
	if (kthread_create(KTHREAD_JOINABLE, bio_syncer, NULL,
	    &bio_syncer_lwp, "syncer") != 0)
		bio_syncer_lwp = NULL;
}

/* Halt, after the file systems were unmounted: write out what is left. */
void
bio_shutdown(void)
{
	struct lwp *l;

	mutex_enter(&bcache_lock);
	(void)bio_writeout_locked(NULL, INT64_MAX, UINT_MAX);
	bio_waitwrites_locked(NULL);
	bio_syncer_stop = true;
	cv_broadcast(&bcache_syncercv);
	l = bio_syncer_lwp;
	bio_syncer_lwp = NULL;
	mutex_exit(&bcache_lock);
	if (l != NULL)
		(void)kthread_join(l);
	(void)bio_bounce_drain();
}
