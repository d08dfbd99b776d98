/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_extent.c: ext2's ioctl: FIOEXTENT, where a file's bytes lie
 * on the file system's device (RUMP_FIOEXTENT in rump/rumpdefs.h).
 *
 * For a program that has the image open itself and wants to move a
 * file's bytes without copying them through the kernel: the FUSE bridge
 * splices them from the image into its reply to the host, and has the
 * host start writing the pages of long writes to the disk
 * (bin/rump_mount).  The answer is a run of the file whose blocks follow
 * each other on the device and whose device copy is current: no block of
 * it is held newer in the buffer cache (dirty, or being written), so the
 * bytes the image holds there are the file's (bio_current()).
 *
 * The answer can go stale as soon as the vnode lock is dropped: the blocks
 * may be written again (the caller then reads data older than a write
 * that was concurrent with its read, which a read may do), or freed and
 * given to another file.  Freeing is what must not go unnoticed: every
 * truncation bumps the file's en_mapgen before it frees anything, and
 * the answer carries the value it was given under the lock, so a caller
 * that captured the bytes (into a pipe) and then finds the same
 * generation knows no block was freed before the capture.
 *
 * Called through VOP_IOCTL (vnode unlocked, the caller's user address);
 * takes the vnode lock shared.
 */
#include "kern/kern.h"
#include "kern/syscall.h"
#include "vfs/file.h"
#include "fs/ext2fs/ext2fs_impl.h"

/* Most one answer covers, so that the buffer cache check stays short. */
#define EXT2_EXTENT_MAX (4 * 1024 * 1024)

/* Fill rx from rx->rx_offset and rx_length.  [L] shared. */
static int
ext2_extent(struct ext2_node *en, struct rump_extent *rx)
{
	struct ext2_mount *fs = en->en_fs;
	uint64_t size, off, lbn, phys, b, i, nblk, want, boff;
	size_t cur;
	int error;

	rx->rx_gen = atomic_load_acquire(&en->en_mapgen);
	rx->rx_devoff = 0;
	want = rx->rx_length;
	rx->rx_length = 0;
	size = ext2_size(en);
	off = (uint64_t)rx->rx_offset;
	if (off >= size)
		rx->rx_flags |= EXTENT_EOF;
	if (want == 0 || off >= size)
		return 0;
	want = MIN(MIN(want, size - off), EXT2_EXTENT_MAX);
	lbn = off >> fs->e2_bshift;
	boff = off & (fs->e2_bsize - 1);
	if ((error = ext2_bmap(en, lbn, &phys, NULL)) != 0)
		return error;
	if (phys == 0)
		return 0;                  /* a hole: no device bytes */
	nblk = (boff + want + fs->e2_bsize - 1) >> fs->e2_bshift;
	for (i = 1; i < nblk; i++) {
		if ((error = ext2_bmap(en, lbn + i, &b, NULL)) != 0)
			return error;
		if (b != phys + i)
			break;
	}
	cur = bio_current(fs->e2_devvp, ext2_fsbtodb(fs, phys), fs->e2_bsize,
	    (size_t)(i << fs->e2_bshift));
	if (cur <= boff)
		return 0;
	rx->rx_length = MIN(want, (uint64_t)cur - boff);
	rx->rx_devoff = (phys << fs->e2_bshift) + boff;
	if (off + rx->rx_length == size)
		rx->rx_flags |= EXTENT_EOF;
	return 0;
}

int
ext2_ioctl(struct vnode *vp, unsigned long cmd, void *data, int fflags,
    kauth_cred_t cred)
{
	struct ext2_node *en = VTOE(vp);
	struct rump_extent rx;
	int error;

	if (cmd != FIOEXTENT)
		return ENOTTY;
	if (vp->v_type != VREG)
		return vp->v_type == VDIR ? EISDIR : EINVAL;
	if ((error = copyin(data, &rx, sizeof(rx))) != 0)
		return error;
	/* EXTENT_EOF is an answer: a struct used again may still carry it. */
	if (rx.rx_offset < 0 || (rx.rx_flags & ~(EXTENT_READ | EXTENT_EOF)))
		return EINVAL;
	rx.rx_flags &= ~EXTENT_EOF;
	/* Where the blocks lie is no secret (the device's reader can find
	 * out); saying the bytes are being read is for a reader only. */
	if ((rx.rx_flags & EXTENT_READ) && !(fflags & FREAD))
		return EBADF;
	if ((error = vn_lock(vp, LK_SHARED)) != 0)
		return error;
	error = ext2_extent(en, &rx);
	/* The caller reads what it was told: the access time, as read(). */
	if (error == 0 && rx.rx_length > 0 &&
	    (rx.rx_flags & EXTENT_READ) && !ext2_noatime(vp))
		ext2_update(en, EXT2_UPD_ATIME);
	vn_unlock(vp);
	if (error == 0)
		error = copyout(&rx, data, sizeof(rx));
	return error;
}
