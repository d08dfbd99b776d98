/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * buf_impl.h: declarations private to the block-device layer and the
 * buffer cache (vfs_bio.c, vfs_bdev.c, vfs_spec.c, vfs_spec_hostdisk.c,
 * vfs_etfs.c).
 *
 * Every device (dev_t) that is opened gets one "device vnode" in a private
 * mount of the spec file system (vfs_spec.c), keyed by the dev_t; its
 * v_data is the struct specdev below.  That vnode is what bdev_open()
 * returns and what the buffer cache keys buffers by, so all the ways to
 * reach a device (bdev_open by any node, open(2) of an etfs key or of a
 * tmpfs device node) share one set of cached blocks.
 *
 * Locking: [I] immutable after creation, [b] bcache_lock, [s] spec_lock.
 * Lock order: vnode locks > spec_lock > bcache_lock.
 */
#ifndef _SYS_VFS_BUF_IMPL_H_
#define _SYS_VFS_BUF_IMPL_H_

#include "kern/kern.h"
#include "kern/lock.h"
#include "vfs/buf.h"

struct vnode;

/* Internal buffer flags (b_flags), next to the B_* of buf.h. */
#define B_WANTED  0x1000   /* someone waits for BUSY to clear */
#define B_ONLRU   0x2000   /* on the LRU list */
#define B_HASHED  0x4000   /* in the hash table */

extern kmutex_t bcache_lock;

struct specdev {
	dev_t sd_dev;                      /* [I] */
	const struct bdevsw *sd_sw;        /* [I] driver, NULL: none */
	struct vnode *sd_vp;               /* [I] the device vnode */
	uint64_t sd_size;                  /* [s] bytes, set at open */
	unsigned sd_secsize;               /* [s] */
	bool sd_rdonly;                    /* [s] */
	unsigned sd_opens;                 /* [s] d_open calls not closed */
	unsigned sd_mounts;                /* [s] bdev_open()s not closed */
	bool sd_mountwrite;                /* [s] one of them for writing */
	int sd_error;                      /* [b] async write error, reported
					      by the next bio_flush() */
	unsigned sd_inflight;              /* [b] writes in flight */
	uint64_t sd_nbufs;                 /* [b] buffers cached */
	daddr_t sd_nextr;                  /* [b] block after the last read */
	int sd_rawin;                      /* [b] read-ahead window, buffers */
	daddr_t sd_raend;                  /* [b] end of the read-ahead */
};

/* vfs_bio.c */
void bio_init(void);
void bio_shutdown(void);
/* Start bp's I/O through its device's driver (B_READ or B_WRITE set). */
void bio_strategy(struct buf *bp);
/* A buffer outside the cache over caller's memory, BUSY (raw I/O). */
struct buf *bio_rawbuf(struct vnode *devvp, daddr_t blkno, void *data,
    size_t len);
void bio_rawfree(struct buf *bp);
/* One synchronous raw transfer (B_READ or B_WRITE) of len bytes at blkno
 * between the device and data; 0 or the error, the bytes not moved in
 * *residp. */
int bio_rawio(struct vnode *devvp, daddr_t blkno, void *data, size_t len,
    int rw, size_t *residp);
/* Wait for the I/O of a buffer the caller owns; 0 or its error. */
int biowait(struct buf *bp);
/* Write out and drop every buffer of devvp between two byte offsets. */
int bio_purge_range(struct vnode *devvp, uint64_t start, uint64_t end);
/* Write every dirty buffer of every device and wait (sync(2), halt);
 * errors stay with their devices for the next bio_flush(). */
void bio_flush_all(void);

/* vfs_bdev.c: the device switch. */
void devsw_init(void);
const struct bdevsw *devsw_lookup(dev_t dev);

/* vfs_spec.c */
extern kmutex_t spec_lock;
void spec_init(void);
/* The device vnode of dev, referenced and unlocked (ENXIO: no driver). */
int spec_devvp(dev_t dev, struct vnode **vpp);
/* Open / close the device under its vnode (driver d_open, counts). */
int spec_devopen(struct vnode *devvp, int fflags);
void spec_devclose(struct vnode *devvp, int fflags);
/* Is dev opened by a mount (bdev_open) or a descriptor? */
bool spec_inuse(dev_t dev, bool *mountedp);
/* Write out and drop the cached blocks of dev (before its driver detaches
 * the unit). */
int spec_purge(dev_t dev);
/* open(2) of a device node vp: a vnode to put in the file instead. */
int spec_open_node(struct vnode *vp, int fflags, struct vnode **vpp);

/* vfs_spec_hostdisk.c: disks backed by host files. */
void hostdisk_init(void);
int hostdisk_attach(const char *hostpath, uint64_t begin, uint64_t size,
    dev_t *devp, bool *rdonlyp);
int hostdisk_detach(dev_t dev);

#endif /* _SYS_VFS_BUF_IMPL_H_ */
