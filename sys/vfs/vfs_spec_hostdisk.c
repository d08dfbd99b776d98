/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_spec_hostdisk.c: the "hostdisk" driver: disks whose blocks are a
 * host file, or a window of one.
 *
 * etfs (vfs_etfs.c) attaches a unit for every RUMP_ETFS_BLK / _CHR key:
 * the host file is opened read-write if the host allows, else read-only
 * (then the unit is a read-only device); the window [begin, begin + size)
 * must be sector aligned (512 bytes); "to the end of the file" takes the
 * host file's size at attach time, rounded down to a sector.  A window
 * may extend past the host file's end: reads there return zeroes, and
 * writes grow the host file.
 *
 * I/O goes through the asynchronous rumpuser_bio() hypercall; the host
 * I/O thread that completes a request enters the kernel (rump_schedule)
 * to call biodone().  A request whose issuer waits for it (no B_ASYNC:
 * bread, bwrite, raw and direct reads) is done in the issuing thread
 * instead (RUMPUSER_BIO_INLINE), with its virtual CPU released: two
 * thread switches fewer.  Every host error is reported as EIO, except
 * ENOSPC.
 * RUMP_FAULT_BIO (rumpuser(3)) makes chosen requests fail, for tests.
 *
 * Locking: [h] hostdisk_lock, [I] immutable while attached.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "vfs/vnode.h"
#include "vfs/file.h"
#include "vfs/buf.h"
#include "vfs/buf_impl.h"
#include <rump/rump.h>

#define HOSTDISK_MAXUNITS 1024
#define HOSTDISK_SECSIZE  DEV_BSIZE

struct hostdisk_unit {
	int hu_fd;                         /* [I] */
	uint64_t hu_begin;                 /* [I] bytes into the host file */
	uint64_t hu_size;                  /* [I] bytes */
	bool hu_rdonly;                    /* [I] */
	unsigned hu_opens;                 /* [h] */
};

static kmutex_t hostdisk_lock;
static struct hostdisk_unit *hostdisk_units[HOSTDISK_MAXUNITS]; /* [h] */
static unsigned hostdisk_major;        /* [I] */

/* The unit of dev, or NULL; hostdisk_lock held. */
static struct hostdisk_unit *
hostdisk_unit(dev_t dev)
{
	unsigned mi = DEV_MINOR(dev);

	KASSERT(mutex_owned(&hostdisk_lock));
	if (DEV_MAJOR(dev) != hostdisk_major || mi >= HOSTDISK_MAXUNITS)
		return NULL;
	return hostdisk_units[mi];
}

static int
hostdisk_open(dev_t dev, int fflags)
{
	struct hostdisk_unit *hu;
	int error = 0;

	mutex_enter(&hostdisk_lock);
	hu = hostdisk_unit(dev);
	if (hu == NULL)
		error = ENXIO;
	else if ((fflags & FWRITE) && hu->hu_rdonly)
		error = EROFS;
	else
		hu->hu_opens++;
	mutex_exit(&hostdisk_lock);
	return error;
}

static int
hostdisk_close(dev_t dev, int fflags)
{
	struct hostdisk_unit *hu;

	mutex_enter(&hostdisk_lock);
	hu = hostdisk_unit(dev);
	if (hu != NULL) {
		KASSERT(hu->hu_opens > 0);
		hu->hu_opens--;
	}
	mutex_exit(&hostdisk_lock);
	return 0;
}

static int
hostdisk_size(dev_t dev, uint64_t *sizep, unsigned *secsizep, bool *rdonlyp)
{
	struct hostdisk_unit *hu;

	mutex_enter(&hostdisk_lock);
	hu = hostdisk_unit(dev);
	if (hu != NULL) {
		*sizep = hu->hu_size;
		*secsizep = HOSTDISK_SECSIZE;
		*rdonlyp = hu->hu_rdonly;
	}
	mutex_exit(&hostdisk_lock);
	return hu != NULL ? 0 : ENXIO;
}

static int
hostdisk_flush(dev_t dev)
{
	struct hostdisk_unit *hu;
	int fd = -1;

	mutex_enter(&hostdisk_lock);
	hu = hostdisk_unit(dev);
	if (hu != NULL && !hu->hu_rdonly)
		fd = hu->hu_fd;
	mutex_exit(&hostdisk_lock);
	if (fd < 0)
		return hu != NULL ? 0 : ENXIO;
	return rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE |
	    RUMPUSER_SYNCFD_SYNC, 0, 0) == 0 ? 0 : EIO;
}

/*
 * Completion, in a host I/O thread without a virtual CPU (or in the
 * caller's thread with its CPU released).  b_resid was set by the
 * strategy to the part of the request past the window's end.
 */
static void
hostdisk_iodone(void *arg, size_t donelen, int error)
{
	struct buf *bp = arg;
	size_t len = bp->b_bcount - bp->b_resid;

	rump_schedule();
	if (error == 0 && (bp->b_iocmd & B_READ) && donelen < len) {
		/* Past the host file's end, inside the window: zeroes. */
		memset((char *)bp->b_data + donelen, 0, len - donelen);
		donelen = len;
	}
	if (error != 0 && error != ENOSPC)
		error = EIO;
	biodone(bp, error, bp->b_bcount - MIN(donelen, len));
	rump_unschedule();
}

static void
hostdisk_strategy(dev_t dev, struct buf *bp)
{
	struct hostdisk_unit *hu;
	uint64_t off, size = 0, begin = 0;
	bool rdonly = false;
	int fd = -1, op;
	size_t len;

	mutex_enter(&hostdisk_lock);
	hu = hostdisk_unit(dev);
	if (hu != NULL) {
		fd = hu->hu_fd;
		size = hu->hu_size;
		begin = hu->hu_begin;
		rdonly = hu->hu_rdonly;
	}
	mutex_exit(&hostdisk_lock);
	if (hu == NULL) {
		biodone(bp, ENXIO, bp->b_bcount);
		return;
	}
	if (bp->b_blkno < 0 ||
	    (uint64_t)bp->b_blkno > (size >> DEV_BSHIFT)) {
		biodone(bp, EINVAL, bp->b_bcount);
		return;
	}
	if ((bp->b_iocmd & B_WRITE) && rdonly) {
		biodone(bp, EROFS, bp->b_bcount);
		return;
	}
	off = (uint64_t)bp->b_blkno << DEV_BSHIFT;
	len = (size_t)MIN((uint64_t)bp->b_bcount, size - off);
	if (len == 0) {
		biodone(bp, 0, bp->b_bcount);	/* at the end: nothing */
		return;
	}
	bp->b_resid = bp->b_bcount - len;
	op = (bp->b_iocmd & B_READ) ? RUMPUSER_BIO_READ : RUMPUSER_BIO_WRITE;
	if (!(bp->b_iocmd & B_ASYNC))
		op |= RUMPUSER_BIO_INLINE;
	rumpuser_bio(fd, op, bp->b_data, len, (int64_t)(begin + off),
	    hostdisk_iodone, bp);
}

static const struct bdevsw hostdisk_bdevsw = {
	.d_name = "hostdisk",
	.d_open = hostdisk_open,
	.d_close = hostdisk_close,
	.d_strategy = hostdisk_strategy,
	.d_size = hostdisk_size,
	.d_flush = hostdisk_flush,
};

void
hostdisk_init(void)
{
	mutex_init(&hostdisk_lock, MUTEX_DEFAULT, "hostdisk");
	hostdisk_major = 0;
	if (devsw_attach(&hostdisk_bdevsw, &hostdisk_major) != 0)
		panic("hostdisk: no major number");
}

/*
 * A new unit over hostpath's window [begin, begin + size) (size
 * RUMP_ETFS_SIZE_ENDOFF: to the end of the file).  0 and *devp (and
 * whether the unit is read-only), or
 * EINVAL (unaligned window, not a regular file or block device), ENOSPC
 * (no free unit), or the host's error opening the file.
 */
int
hostdisk_attach(const char *hostpath, uint64_t begin, uint64_t size,
    dev_t *devp, bool *rdonlyp)
{
	struct hostdisk_unit *hu;
	uint64_t hsize;
	unsigned mi;
	int ft, error;

	if (begin % HOSTDISK_SECSIZE != 0 ||
	    (size != RUMP_ETFS_SIZE_ENDOFF && size % HOSTDISK_SECSIZE != 0))
		return EINVAL;
	error = rumpuser_getfileinfo(hostpath, &hsize, &ft);
	if (error != 0)
		return error;
	if (ft != RUMPUSER_FT_REG && ft != RUMPUSER_FT_BLK)
		return EINVAL;
	if (size == RUMP_ETFS_SIZE_ENDOFF) {
		if (begin > hsize)
			return EINVAL;
		size = hsize - begin;
		size -= size % HOSTDISK_SECSIZE;
	}
	if (begin + size < begin || begin + size > (uint64_t)INT64_MAX)
		return EINVAL;
	hu = kmem_zalloc(sizeof(*hu), KM_SLEEP);
	hu->hu_begin = begin;
	hu->hu_size = size;
	error = rumpuser_open(hostpath, RUMPUSER_OPEN_RDWR |
	    RUMPUSER_OPEN_BIO, &hu->hu_fd);
	if (error != 0) {
		hu->hu_rdonly = true;
		error = rumpuser_open(hostpath, RUMPUSER_OPEN_RDONLY |
		    RUMPUSER_OPEN_BIO, &hu->hu_fd);
	}
	if (error != 0) {
		kmem_free(hu, sizeof(*hu));
		return error;
	}
	mutex_enter(&hostdisk_lock);
	for (mi = 0; mi < HOSTDISK_MAXUNITS; mi++)
		if (hostdisk_units[mi] == NULL)
			break;
	if (mi == HOSTDISK_MAXUNITS) {
		mutex_exit(&hostdisk_lock);
		rumpuser_close(hu->hu_fd);
		kmem_free(hu, sizeof(*hu));
		return ENOSPC;
	}
	hostdisk_units[mi] = hu;
	mutex_exit(&hostdisk_lock);
	*devp = DEV_MAKEDEV(hostdisk_major, mi);
	*rdonlyp = hu->hu_rdonly;
	return 0;
}

/* Remove a unit: EBUSY while it is open.  Its buffers must be gone. */
int
hostdisk_detach(dev_t dev)
{
	struct hostdisk_unit *hu;

	mutex_enter(&hostdisk_lock);
	hu = hostdisk_unit(dev);
	if (hu == NULL) {
		mutex_exit(&hostdisk_lock);
		return ENXIO;
	}
	if (hu->hu_opens > 0) {
		mutex_exit(&hostdisk_lock);
		return EBUSY;
	}
	hostdisk_units[DEV_MINOR(dev)] = NULL;
	mutex_exit(&hostdisk_lock);
	rumpuser_close(hu->hu_fd);
	kmem_free(hu, sizeof(*hu));
	return 0;
}
