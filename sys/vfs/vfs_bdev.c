/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_bdev.c: the device switch and block devices as file systems see
 * them (buf.h: bdev_open, bdev_close, bdev_size, bdev_rdonly).
 *
 * Drivers register a struct bdevsw for a major number (devsw_attach); a
 * device number's major selects the driver, its minor the unit.  The same
 * switch serves block (buffered, VBLK) and character (raw, VCHR) nodes:
 * the node's type decides how vfs_spec.c uses the driver.
 *
 * A disk file system mounts a device by path: bdev_open() resolves it to a
 * VBLK node on any file system, checks the caller's access to the node,
 * and returns the device vnode for the node's va_rdev (vfs_spec.c), opened
 * through the driver.  One mount at a time: a second bdev_open() of a
 * device is EBUSY if either of them wants to write.
 *
 * Locking: [d] devsw_lock; device open state is spec_lock's (buf_impl.h).
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/file.h"
#include "vfs/vfs_impl.h"
#include "vfs/buf.h"
#include "vfs/buf_impl.h"

#define DEVSW_NMAJOR   512
#define DEVSW_DYNFIRST 240             /* Linux's "local/experimental" */

static kmutex_t devsw_lock;
static const struct bdevsw *devsw_tab[DEVSW_NMAJOR]; /* [d] */

void
devsw_init(void)
{
	mutex_init(&devsw_lock, MUTEX_DEFAULT, "devsw");
}

/*
 * Register sw at *majorp, or at a free major (from 240 on) if *majorp is
 * 0, stored back.  0, EEXIST (taken or registered already), EINVAL, or
 * ENOSPC (no free major).
 */
int
devsw_attach(const struct bdevsw *sw, unsigned *majorp)
{
	unsigned ma, i;

	if (*majorp >= DEVSW_NMAJOR)
		return EINVAL;
	mutex_enter(&devsw_lock);
	for (i = 0; i < DEVSW_NMAJOR; i++) {
		if (devsw_tab[i] == sw) {
			mutex_exit(&devsw_lock);
			return EEXIST;
		}
	}
	ma = *majorp;
	if (ma == 0) {
		for (i = 0; i < DEVSW_NMAJOR - 1; i++) {
			ma = DEVSW_DYNFIRST + i;
			if (ma >= DEVSW_NMAJOR)
				ma -= DEVSW_NMAJOR - 1;
			if (devsw_tab[ma] == NULL)
				break;
		}
		if (i == DEVSW_NMAJOR - 1) {
			mutex_exit(&devsw_lock);
			return ENOSPC;
		}
	} else if (devsw_tab[ma] != NULL) {
		mutex_exit(&devsw_lock);
		return EEXIST;
	}
	devsw_tab[ma] = sw;
	mutex_exit(&devsw_lock);
	*majorp = ma;
	return 0;
}

void
devsw_detach(const struct bdevsw *sw)
{
	unsigned i;

	mutex_enter(&devsw_lock);
	for (i = 0; i < DEVSW_NMAJOR; i++)
		if (devsw_tab[i] == sw)
			devsw_tab[i] = NULL;
	mutex_exit(&devsw_lock);
}

/* The driver of dev, or NULL. */
const struct bdevsw *
devsw_lookup(dev_t dev)
{
	const struct bdevsw *sw = NULL;
	unsigned ma = DEV_MAJOR(dev);

	if (dev == NODEV)
		return NULL;
	mutex_enter(&devsw_lock);
	if (ma < DEVSW_NMAJOR)
		sw = devsw_tab[ma];
	mutex_exit(&devsw_lock);
	return sw;
}

/* The device number of a VBLK node at path, after an access check. */
static int
bdev_lookup(const char *path, int fflags, kauth_cred_t cred, dev_t *devp)
{
	struct vnode *vp;
	struct vattr va;
	int error, mode = 0;

	if (path == NULL || *path == '\0')
		return ENOENT;
	error = namei_simple(AT_FDCWD, path, NI_FOLLOW | NI_SYSSPACE, &vp);
	if (error != 0)
		return error;
	if (vp->v_type != VBLK) {
		vrele(vp);
		return ENOTBLK;
	}
	if (vp->v_mount != NULL && (vp->v_mount->mnt_flag & MNT_NODEV)) {
		vrele(vp);
		return EACCES;
	}
	if (fflags & FREAD)
		mode |= VREAD;
	if (fflags & FWRITE)
		mode |= VWRITE;
	error = vn_lock(vp, LK_SHARED);
	if (error == 0) {
		error = VOP_ACCESS(vp, mode, cred);
		if (error == 0) {
			vattr_null(&va);
			error = VOP_GETATTR(vp, &va, cred);
		}
		vn_unlock(vp);
	}
	vrele(vp);
	if (error == 0)
		*devp = va.va_rdev;
	return error;
}

int
bdev_open(const char *path, int fflags, kauth_cred_t cred,
    struct vnode **devvpp)
{
	struct vnode *devvp;
	struct specdev *sd;
	dev_t dev;
	int error;

	error = bdev_lookup(path, fflags, cred, &dev);
	if (error != 0)
		return error;
	error = spec_devvp(dev, &devvp);
	if (error != 0)
		return error;
	sd = devvp->v_data;
	mutex_enter(&spec_lock);
	if (sd->sd_mounts > 0 && (sd->sd_mountwrite || (fflags & FWRITE))) {
		mutex_exit(&spec_lock);
		vrele(devvp);
		return EBUSY;
	}
	/* Counted before the driver is called, so a racing mount sees it. */
	sd->sd_mounts++;
	if (fflags & FWRITE)
		sd->sd_mountwrite = true;
	mutex_exit(&spec_lock);
	error = spec_devopen(devvp, fflags);
	if (error != 0) {
		mutex_enter(&spec_lock);
		if (--sd->sd_mounts == 0 || (fflags & FWRITE))
			sd->sd_mountwrite = false;
		mutex_exit(&spec_lock);
		vrele(devvp);
		return error;
	}
	*devvpp = devvp;
	return 0;
}

void
bdev_close(struct vnode *devvp, int fflags)
{
	struct specdev *sd = devvp->v_data;

	mutex_enter(&spec_lock);
	KASSERT(sd->sd_mounts > 0);
	if (--sd->sd_mounts == 0 || (fflags & FWRITE))
		sd->sd_mountwrite = false;
	mutex_exit(&spec_lock);
	spec_devclose(devvp, fflags);
	vrele(devvp);
}

int
bdev_reopen(struct vnode *devvp, int oldfflags, int newfflags)
{
	struct specdev *sd = devvp->v_data;
	bool upgrade = (newfflags & FWRITE) && !(oldfflags & FWRITE);
	int error;

	if ((newfflags & FWRITE) == (oldfflags & FWRITE))
		return 0;
	mutex_enter(&spec_lock);
	KASSERT(sd->sd_mounts > 0);
	if (upgrade && sd->sd_mounts > 1) {
		mutex_exit(&spec_lock);
		return EBUSY;
	}
	mutex_exit(&spec_lock);
	/* The driver decides whether the new mode is possible. */
	error = sd->sd_sw->d_open != NULL ?
	    sd->sd_sw->d_open(sd->sd_dev, newfflags) : 0;
	if (error != 0)
		return error;
	if (sd->sd_sw->d_close != NULL)
		(void)sd->sd_sw->d_close(sd->sd_dev, oldfflags);
	mutex_enter(&spec_lock);
	sd->sd_mountwrite = upgrade;
	mutex_exit(&spec_lock);
	return 0;
}

int
bdev_size(struct vnode *devvp, uint64_t *sizep, unsigned *secsizep)
{
	struct specdev *sd = devvp->v_data;

	mutex_enter(&spec_lock);
	if (sd->sd_opens == 0) {
		mutex_exit(&spec_lock);
		return ENXIO;
	}
	if (sizep != NULL)
		*sizep = sd->sd_size;
	if (secsizep != NULL)
		*secsizep = sd->sd_secsize;
	mutex_exit(&spec_lock);
	return 0;
}

bool
bdev_rdonly(struct vnode *devvp)
{
	struct specdev *sd = devvp->v_data;
	bool ro;

	mutex_enter(&spec_lock);
	ro = sd->sd_rdonly;
	mutex_exit(&spec_lock);
	return ro;
}
