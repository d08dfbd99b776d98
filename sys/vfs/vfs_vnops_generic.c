/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_vnops_generic.c: the default vnode operations.
 *
 * vnodeops.tab names "generic" as the default of some operations: when a
 * file system leaves vop_<name> NULL, the VOP_<NAME> wrapper (generated
 * vnode_if.h) calls vop_generic_<name>() from here.  They implement what
 * is the same for every file system in terms of other operations.
 */
#include "kern/kern.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/lockf.h"

/* Permission check from the file's attributes; EROFS for writes to a
 * read-only mount (regular files, directories, links). */
int
vop_generic_access(struct vnode *vp, int accmode, kauth_cred_t cred)
{
	struct vattr va;
	int error;

	if ((accmode & VWRITE) && vp->v_mount != NULL &&
	    (vp->v_mount->mnt_flag & MNT_RDONLY) &&
	    (vp->v_type == VREG || vp->v_type == VDIR || vp->v_type == VLNK))
		return EROFS;
	vattr_null(&va);
	error = VOP_GETATTR(vp, &va, cred);
	if (error != 0)
		return error;
	return vaccess(vp->v_type, va.va_mode, va.va_uid, va.va_gid, accmode,
	    cred);
}

/* Without hole tracking the whole file is data, and the end is a hole. */
int
vop_generic_seekhole(struct vnode *vp, off_t offset, int whence,
    off_t *resultp)
{
	off_t size = vp->v_size;

	if (offset < 0 || offset >= size)
		return ENXIO;
	if (whence == SEEK_DATA)
		*resultp = offset;
	else if (whence == SEEK_HOLE)
		*resultp = size;
	else
		return EINVAL;
	return 0;
}

int
vop_generic_ioctl(struct vnode *vp, unsigned long cmd, void *data,
    int fflags, kauth_cred_t cred)
{
	return ENOTTY;
}

/* Files are always ready. */
int
vop_generic_poll(struct vnode *vp, int events)
{
	return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

/* pathconf names, as Linux's _PC_* */
#define PC_LINK_MAX  0
#define PC_NAME_MAX  3
#define PC_PATH_MAX  4
#define PC_PIPE_BUF  5
#define PC_CHOWN_RESTRICTED 6
#define PC_NO_TRUNC  7

int
vop_generic_pathconf(struct vnode *vp, int name, register_t *retval)
{
	switch (name) {
	case PC_LINK_MAX:
		*retval = 65000;
		return 0;
	case PC_NAME_MAX:
		*retval = NAME_MAX;
		return 0;
	case PC_PATH_MAX:
		*retval = PATH_MAX;
		return 0;
	case PC_PIPE_BUF:
		*retval = PIPE_BUF;
		return 0;
	case PC_CHOWN_RESTRICTED:
	case PC_NO_TRUNC:
		*retval = 1;
		return 0;
	default:
		return EINVAL;
	}
}

int
vop_generic_advlock(struct vnode *vp, void *id, int op, struct rump_flock *fl,
    int flags)
{
	return lf_advlock(vp, id, op, fl, flags);
}
