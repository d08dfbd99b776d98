/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lockf.h: advisory record locks (fcntl F_SETLK) and whole-file locks
 * (flock) on vnodes.
 *
 * Two independent kinds of lock, as on Linux (they never conflict with
 * each other):
 *
 *   F_POSIX  byte-range locks owned by a process (id is its struct proc).
 *            A process's locks on a file go when it closes any descriptor
 *            of that file, and when it exits.
 *   F_FLOCK  whole-file locks owned by an open file (id is its struct
 *            file), shared by every descriptor dup'ed or inherited from
 *            it, released when the file's last reference closes.
 *
 * The locks of a vnode hang off vp->v_lockf.  File systems reach this
 * code through VOP_ADVLOCK, whose generic version calls lf_advlock().
 * Implemented in vfs_lockf.c.
 */
#ifndef _SYS_VFS_LOCKF_H_
#define _SYS_VFS_LOCKF_H_

#include "kern/kern.h"

struct vnode;
struct proc;

/* flags of lf_advlock() and VOP_ADVLOCK */
#define F_WAIT  0x10   /* sleep until the lock can be granted */
#define F_FLOCK 0x20   /* flock(2) lock, owner is a struct file */
#define F_POSIX 0x40   /* fcntl(2) lock, owner is a struct proc */

/*
 * Apply op to the locks of vp for owner id:
 *   F_GETLK  fl in: the lock wanted; out: the first lock in the way, with
 *            l_pid of its owner, or l_type F_UNLCK if none
 *   F_SETLK  take the lock described by fl (F_RDLCK or F_WRLCK), or
 *            release the range if its l_type is F_UNLCK
 *   F_UNLCK  release the range described by fl
 * fl->l_whence is SEEK_SET or SEEK_END (the caller resolves SEEK_CUR).
 * Returns 0, EAGAIN (conflict without F_WAIT), EDEADLK (waiting would
 * close a cycle of POSIX owners), EINVAL (bad range or type), EOVERFLOW.
 * Called with vp unlocked and referenced.
 */
int lf_advlock(struct vnode *vp, void *id, int op, struct rump_flock *fl,
    int flags);

/* Drop every POSIX lock process p holds on vp (close of a descriptor,
 * exit).  Cheap when vp has no locks.  vp unlocked and referenced. */
void lf_release_posix(struct vnode *vp, struct proc *p);

/* Drop the flock lock held through file id on vp, if any. */
void lf_release_flock(struct vnode *vp, void *id);

/* Free the lock state of a vnode being reclaimed (VFS calls this). */
void lf_purge(struct vnode *vp);

#endif /* _SYS_VFS_LOCKF_H_ */
