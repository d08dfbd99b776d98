/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_syscalls_rename.c: rename, renameat, renameat2.
 *
 * Both names are looked up with NI_PARENT and no locks held.  Then, under
 * the mount's rename lock (which keeps the shape of the directory tree
 * fixed against other renames):
 *
 *	1. ancestry: moving a directory under itself is EINVAL; replacing
 *	   an ancestor of the source is ENOTEMPTY (Linux's answers), found
 *	   by walking ".." from each directory up to the mount's root;
 *	2. the directories are locked, ancestor first (else by address),
 *	   then the two files by address;
 *	3. both names are looked up again under the locks: if either
 *	   changed meanwhile (a concurrent unlink or create), everything is
 *	   dropped and the rename starts over;
 *	4. VOP_RENAME, and the name cache entries of both names go.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"
#include "sys_syscallargs.h"

#define RENAME_RETRIES 64
/* Deepest directory chain rename_isancestor() follows. */
#define RENAME_MAXDEPTH 65536

/*
 * Is anc an ancestor of (or equal to) vp, within vp's mount?  Called with
 * the rename lock held and no vnode locked.
 */
static int
rename_isancestor(struct vnode *anc, struct vnode *vp, bool *resultp)
{
	struct componentname cn = {
		.cn_nameiop = LOOKUP, .cn_flags = CN_ISDOTDOT,
		.cn_nameptr = "..", .cn_namelen = 2,
	};
	struct vnode *up;
	unsigned depth = 0;
	int error = 0;

	cn.cn_cred = kauth_cred_get();
	*resultp = false;
	vref(vp);
	for (;;) {
		/* A corrupt file system can make ".." loop without reaching
		 * its root: give up instead of walking forever. */
		if (++depth > RENAME_MAXDEPTH) {
			printf("rename: \"..\" chain longer than %u "
			    "directories: file system damaged?\n",
			    RENAME_MAXDEPTH);
			error = EUCLEAN;
			break;
		}
		if (vp == anc) {
			*resultp = true;
			break;
		}
		if (vp == vp->v_mount->mnt_root || vp == rootvnode)
			break;
		error = vn_lock(vp, LK_SHARED);
		if (error != 0)
			break;
		error = VOP_LOOKUP(vp, &up, &cn);
		vn_unlock(vp);
		if (error != 0)
			break;
		if (up == vp) {
			vrele(up);
			break;
		}
		vrele(vp);
		vp = up;
	}
	vrele(vp);
	return error;
}

/* Look name up again in dvp (locked): does it still name vp? */
static bool
rename_recheck(struct vnode *dvp, struct componentname *cnp, struct vnode *vp)
{
	struct vnode *cur = NULL;
	int error;

	error = VOP_LOOKUP(dvp, &cur, cnp);
	if (error == ENOENT)
		return vp == NULL;
	if (error != 0)
		return false;
	vrele(cur);
	return cur == vp;
}

static void
rename_lockdirs(struct vnode *fdvp, struct vnode *tdvp, bool t_under_f,
    bool f_under_t)
{
	if (fdvp == tdvp) {
		rw_enter(&fdvp->v_lock, RW_WRITER);
	} else if (t_under_f) {
		rw_enter(&fdvp->v_lock, RW_WRITER);
		rw_enter(&tdvp->v_lock, RW_WRITER);
	} else if (f_under_t) {
		rw_enter(&tdvp->v_lock, RW_WRITER);
		rw_enter(&fdvp->v_lock, RW_WRITER);
	} else {
		vn_lock2(fdvp, tdvp);
	}
}

static void
rename_unlockall(struct vnode *fdvp, struct vnode *fvp, struct vnode *tdvp,
    struct vnode *tvp)
{
	vn_unlock(fvp);
	if (tvp != NULL && tvp != fvp)
		vn_unlock(tvp);
	vn_unlock(fdvp);
	if (tdvp != fdvp)
		vn_unlock(tdvp);
}

/* Checks that need no locks: types, flags, mounts. */
static int
rename_check(struct nameidata *fnd, struct nameidata *tnd, unsigned flags)
{
	struct vnode *fvp = fnd->ni_vp, *tvp = tnd->ni_vp;

	if (fnd->ni_lasttype != NI_LAST_NORM ||
	    tnd->ni_lasttype != NI_LAST_NORM)
		return EBUSY;
	if (fvp == NULL)
		return ENOENT;
	if ((flags & RENAME_EXCHANGE) && tvp == NULL)
		return ENOENT;
	if (fnd->ni_dvp->v_mount != tnd->ni_dvp->v_mount)
		return EXDEV;
	if (fvp->v_type != VDIR && (fnd->ni_trailslash || tnd->ni_trailslash))
		return ENOTDIR;
	if (tvp != NULL && (flags & RENAME_NOREPLACE))
		return EEXIST;
	if (tvp != NULL && !(flags & RENAME_EXCHANGE) && fvp != tvp) {
		if (fvp->v_type == VDIR && tvp->v_type != VDIR)
			return ENOTDIR;
		if (fvp->v_type != VDIR && tvp->v_type == VDIR)
			return EISDIR;
	}
	return 0;
}

/* Permission checks, everything locked. */
static int
rename_perm(struct nameidata *fnd, struct nameidata *tnd)
{
	struct vnode *fvp = fnd->ni_vp, *tvp = tnd->ni_vp;
	kauth_cred_t cred = kauth_cred_get();
	int error;

	error = vfs_remove_check(fnd->ni_dvp, fvp, cred);
	if (error == 0 && tvp != NULL)
		error = vfs_remove_check(tnd->ni_dvp, tvp, cred);
	if (error == 0)
		error = vn_writechk(tnd->ni_dvp);
	if (error == 0)
		error = VOP_ACCESS(tnd->ni_dvp, VWRITE | VEXEC, cred);
	/* A directory moving to another parent rewrites its "..". */
	if (error == 0 && fvp->v_type == VDIR &&
	    fnd->ni_dvp != tnd->ni_dvp)
		error = VOP_ACCESS(fvp, VWRITE, cred);
	return error;
}

/* Steps 1-4 of the header, rename lock held.  EAGAIN: start over. */
static int
rename_locked(struct nameidata *fnd, struct nameidata *tnd, unsigned flags)
{
	struct vnode *fdvp = fnd->ni_dvp, *fvp = fnd->ni_vp;
	struct vnode *tdvp = tnd->ni_dvp, *tvp = tnd->ni_vp;
	bool t_under_f = false, f_under_t = false, anc;
	int error;

	if (fvp->v_type == VDIR) {
		error = rename_isancestor(fvp, tdvp, &anc);
		if (error != 0)
			return error;
		if (anc)
			return EINVAL;
	}
	if (tvp != NULL && tvp->v_type == VDIR) {
		error = rename_isancestor(tvp, fdvp, &anc);
		if (error != 0)
			return error;
		if (anc)
			return (flags & RENAME_EXCHANGE) ? EINVAL : ENOTEMPTY;
	}
	if (fdvp != tdvp) {
		error = rename_isancestor(fdvp, tdvp, &t_under_f);
		if (error == 0 && !t_under_f)
			error = rename_isancestor(tdvp, fdvp, &f_under_t);
		if (error != 0)
			return error;
	}
	rename_lockdirs(fdvp, tdvp, t_under_f, f_under_t);
	vn_lock2(fvp, tvp);
	if (fvp->v_state != VS_ACTIVE || fdvp->v_state != VS_ACTIVE ||
	    tdvp->v_state != VS_ACTIVE) {
		error = ENOENT;
	} else if (!rename_recheck(fdvp, &fnd->ni_cnd, fvp) ||
	    !rename_recheck(tdvp, &tnd->ni_cnd, tvp)) {
		error = EAGAIN;
	} else {
		error = rename_perm(fnd, tnd);
		if (error == 0)
			error = VOP_RENAME(fdvp, fvp, &fnd->ni_cnd, tdvp, tvp,
			    &tnd->ni_cnd, flags);
		if (error == 0) {
			cache_remove(fdvp, fnd->ni_cnd.cn_nameptr,
			    fnd->ni_cnd.cn_namelen);
			cache_remove(tdvp, tnd->ni_cnd.cn_nameptr,
			    tnd->ni_cnd.cn_namelen);
		}
	}
	rename_unlockall(fdvp, fvp, tdvp, tvp);
	return error;
}

static int
do_rename(int fdirfd, const char *from, int tdirfd, const char *to,
    unsigned flags)
{
	struct nameidata fnd, tnd;
	struct mount *mp;
	int error, tries;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return EINVAL;
	for (tries = 0; tries < RENAME_RETRIES; tries++) {
		namei_init(&fnd, fdirfd, from, DELETE, NI_PARENT);
		namei_init(&tnd, tdirfd, to, RENAME, NI_PARENT);
		error = namei(&fnd);
		if (error == 0)
			error = namei(&tnd);
		if (error == 0)
			error = rename_check(&fnd, &tnd, flags);
		if (error == 0 && fnd.ni_vp == tnd.ni_vp)
			goto out;	/* the same file: nothing to do */
		if (error == 0) {
			mp = fnd.ni_dvp->v_mount;
			mutex_enter(&mp->mnt_renamelock);
			error = rename_locked(&fnd, &tnd, flags);
			mutex_exit(&mp->mnt_renamelock);
		}
out:
		namei_done(&tnd);
		namei_done(&fnd);
		if (error != EAGAIN)
			return error;
		preempt();
	}
	return EBUSY;
}

int
sys_rename(struct lwp *l, const struct sys_rename_args *uap,
    register_t *retval)
{
	return do_rename(AT_FDCWD, uap->from, AT_FDCWD, uap->to, 0);
}

int
sys_renameat(struct lwp *l, const struct sys_renameat_args *uap,
    register_t *retval)
{
	return do_rename(uap->olddirfd, uap->oldpath, uap->newdirfd,
	    uap->newpath, 0);
}

int
sys_renameat2(struct lwp *l, const struct sys_renameat2_args *uap,
    register_t *retval)
{
	return do_rename(uap->olddirfd, uap->oldpath, uap->newdirfd,
	    uap->newpath, uap->flags);
}
