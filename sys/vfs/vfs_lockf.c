/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_lockf.c: advisory locks on vnodes: POSIX byte-range locks (fcntl
 * F_SETLK/F_SETLKW/F_GETLK) and whole-file flock(2) locks.  See lockf.h
 * for the two kinds and their owners.
 *
 * Each vnode with locks has a struct lockf_state (vp->v_lockf): its locks,
 * sorted by start offset, and a condition variable for waiters.  A lock
 * covers the inclusive byte range [lf_start, lf_end]; lf_end == OFF_MAX
 * means "to the end of the file, however far it grows".  The locks of one
 * owner on one vnode never overlap: a new lock replaces the owner's locks
 * under it (splitting a lock it cuts through), and merges with the owner's
 * locks of the same type that it overlaps or touches.
 *
 * A waiter (F_WAIT) sleeps on the vnode's condition variable and rechecks
 * when any lock of the vnode is released or downgraded.  Before sleeping
 * a POSIX waiter follows the chain "the owner in my way waits for a lock
 * whose owner waits ..." through the global list of waiters; reaching
 * itself means sleeping would deadlock, and it gets EDEADLK.
 *
 * Locking: one global mutex, lockf_lock, covers every lock list, every
 * waiter and the v_lockf pointers (which also change only with
 * v_interlock held, the vnode's own rule).  Lock order: vnode lock >
 * lockf_lock > v_interlock; no vnode lock is held while lockf_lock is.
 * The state of a vnode is freed when its last lock and waiter are gone,
 * or by lf_purge() when the vnode is reclaimed.
 *
 * Called by: vop_generic_advlock() (VOP_ADVLOCK), fcntl/flock in
 * sys_descrip.c, descriptor close (vfs_descrip.c) and vnode files'
 * fo_close (vfs_vnfile.c).
 */

#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "vfs/lockf.h"
#include "vfs/vnode.h"

struct lockf {
	short lf_type;                     /* F_RDLCK or F_WRLCK */
	int lf_flags;                      /* F_POSIX or F_FLOCK */
	off_t lf_start, lf_end;            /* inclusive byte range */
	void *lf_id;                       /* owner */
	pid_t lf_pid;                      /* owner's pid for F_GETLK */
	struct lockf *lf_next;             /* by lf_start */
};

struct lockf_state {
	struct lockf *ls_locks;            /* [lockf_lock] */
	unsigned ls_nwaiters;              /* [lockf_lock] */
	kcondvar_t ls_cv;                  /* waiters, with lockf_lock */
};

struct lockf_waiter {
	struct lockf_state *w_state;
	const struct lockf *w_req;
	struct lockf_waiter *w_next;
};

#define LF_MAXDEPTH 16                     /* deadlock search depth */

static kmutex_t lockf_lock;
static struct lockf_waiter *lockf_waiters; /* [lockf_lock] */

static bool
lf_overlaps(const struct lockf *a, off_t start, off_t end)
{
	return a->lf_start <= end && start <= a->lf_end;
}

/* Does the held lock stand in the way of the request? */
static bool
lf_conflicts(const struct lockf *held, const struct lockf *req)
{
	if (held->lf_id == req->lf_id || held->lf_flags != req->lf_flags)
		return false;
	if (held->lf_type != F_WRLCK && req->lf_type != F_WRLCK)
		return false;
	return lf_overlaps(held, req->lf_start, req->lf_end);
}

static struct lockf *
lf_findconflict(struct lockf_state *ls, const struct lockf *req)
{
	struct lockf *lf;

	if (ls == NULL)
		return NULL;
	for (lf = ls->ls_locks; lf != NULL; lf = lf->lf_next)
		if (lf_conflicts(lf, req))
			return lf;
	return NULL;
}

static void
lf_insert(struct lockf_state *ls, struct lockf *nlf)
{
	struct lockf **lfp;

	for (lfp = &ls->ls_locks; *lfp != NULL; lfp = &(*lfp)->lf_next)
		if ((*lfp)->lf_start > nlf->lf_start)
			break;
	nlf->lf_next = *lfp;
	*lfp = nlf;
}

/*
 * Would the owner of req, by waiting, close a cycle of POSIX owners each
 * waiting for the next?  self is the owner asking.
 */
static bool
lf_deadlock(void *self, struct lockf_state *ls, const struct lockf *req,
    int depth)
{
	struct lockf_waiter *w;
	struct lockf *lf;

	KASSERT(mutex_owned(&lockf_lock));
	for (lf = ls->ls_locks; lf != NULL; lf = lf->lf_next) {
		if (!lf_conflicts(lf, req) || lf->lf_flags != F_POSIX)
			continue;
		if (lf->lf_id == self)
			return true;
		if (depth >= LF_MAXDEPTH)
			continue;
		for (w = lockf_waiters; w != NULL; w = w->w_next) {
			if (w->w_req->lf_id != lf->lf_id ||
			    w->w_req->lf_flags != F_POSIX)
				continue;
			if (lf_deadlock(self, w->w_state, w->w_req, depth + 1))
				return true;
		}
	}
	return false;
}

/*
 * Take the owner's locks out of [start, end]; with a set request (nlf not
 * NULL), merge the owner's locks of the same type that touch it into nlf.
 * *sparep is a spare lock for a split, consumed if used.  Returns true if
 * some lock went away or was downgraded, so waiters may proceed.
 */
static bool
lf_clear(struct lockf_state *ls, const struct lockf *req, struct lockf *nlf,
    struct lockf **sparep)
{
	struct lockf **lfp, *lf, *right;
	off_t s = req->lf_start, e = req->lf_end;
	bool touches, freed = false;

	lfp = &ls->ls_locks;
	while ((lf = *lfp) != NULL) {
		if (lf->lf_id != req->lf_id || lf->lf_flags != req->lf_flags) {
			lfp = &lf->lf_next;
			continue;
		}
		touches = lf_overlaps(lf, s, e) ||
		    (lf->lf_end != OFF_MAX && lf->lf_end + 1 == s) ||
		    (e != OFF_MAX && e + 1 == lf->lf_start);
		if (!touches) {
			lfp = &lf->lf_next;
			continue;
		}
		if (nlf != NULL && lf->lf_type == nlf->lf_type) {
			nlf->lf_start = MIN(nlf->lf_start, lf->lf_start);
			nlf->lf_end = MAX(nlf->lf_end, lf->lf_end);
			*lfp = lf->lf_next;
			kmem_free(lf, sizeof(*lf));
			continue;
		}
		if (!lf_overlaps(lf, s, e)) {
			lfp = &lf->lf_next;
			continue;
		}
		freed = true;
		if (lf->lf_start < s && lf->lf_end > e) {
			/* Cut through the middle: keep both ends. */
			right = *sparep;
			*sparep = NULL;
			KASSERT(right != NULL);
			*right = *lf;
			right->lf_start = e + 1;
			lf->lf_end = s - 1;
			lf->lf_next = right;
			lfp = &right->lf_next;
		} else if (lf->lf_start < s) {
			lf->lf_end = s - 1;
			lfp = &lf->lf_next;
		} else if (lf->lf_end > e) {
			/* Keep the right end; it still starts after s. */
			*lfp = lf->lf_next;
			lf->lf_start = e + 1;
			lf_insert(ls, lf);
		} else {
			*lfp = lf->lf_next;
			kmem_free(lf, sizeof(*lf));
		}
	}
	return freed;
}

/* The byte range an flock structure names; SEEK_CUR is resolved already. */
static int
lf_range(struct vnode *vp, const struct rump_flock *fl, off_t *startp,
    off_t *endp)
{
	off_t base, start, end;
	int error;

	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_END:
		error = vn_lock(vp, LK_SHARED);
		if (error != 0)
			return error == ENOENT ? EBADF : error;
		base = vp->v_size;
		vn_unlock(vp);
		break;
	default:
		return EINVAL;
	}
	if (__builtin_add_overflow(base, fl->l_start, &start))
		return EOVERFLOW;
	if (fl->l_len > 0) {
		if (__builtin_add_overflow(start, fl->l_len - 1, &end))
			return EOVERFLOW;
	} else if (fl->l_len == 0) {
		end = OFF_MAX;
	} else {
		end = start - 1;
		if (__builtin_add_overflow(start, fl->l_len, &start))
			return EINVAL;
	}
	if (start < 0 || end < start)
		return EINVAL;
	*startp = start;
	*endp = end;
	return 0;
}

/* Free the state of vp if nothing uses it any more. */
static void
lf_state_gc(struct vnode *vp)
{
	struct lockf_state *ls = vp->v_lockf;

	KASSERT(mutex_owned(&lockf_lock));
	if (ls == NULL || ls->ls_locks != NULL || ls->ls_nwaiters > 0)
		return;
	mutex_enter(&vp->v_interlock);
	vp->v_lockf = NULL;
	mutex_exit(&vp->v_interlock);
	cv_destroy(&ls->ls_cv);
	kmem_free(ls, sizeof(*ls));
}

static int
lf_getlk(struct vnode *vp, struct lockf *req, struct rump_flock *fl)
{
	struct lockf *lf;

	mutex_enter(&lockf_lock);
	lf = lf_findconflict(vp->v_lockf, req);
	if (lf == NULL) {
		fl->l_type = F_UNLCK;
	} else {
		fl->l_type = lf->lf_type;
		fl->l_whence = SEEK_SET;
		fl->l_start = lf->lf_start;
		fl->l_len = lf->lf_end == OFF_MAX ? 0 :
		    lf->lf_end - lf->lf_start + 1;
		fl->l_pid = lf->lf_pid;
	}
	mutex_exit(&lockf_lock);
	return 0;
}

static int
lf_unlock(struct vnode *vp, struct lockf *req)
{
	struct lockf_state *ls;
	struct lockf *spare;

	spare = kmem_alloc(sizeof(*spare), KM_SLEEP);
	mutex_enter(&lockf_lock);
	ls = vp->v_lockf;
	if (ls != NULL) {
		if (lf_clear(ls, req, NULL, &spare))
			cv_broadcast(&ls->ls_cv);
		lf_state_gc(vp);
	}
	mutex_exit(&lockf_lock);
	if (spare != NULL)
		kmem_free(spare, sizeof(*spare));
	return 0;
}

/* Wait for the conflicting lock to go; lockf_lock held. */
static int
lf_wait(struct lockf_state *ls, struct lockf *req, int flags)
{
	struct lockf_waiter w, **wp;
	int error;

	if ((flags & F_WAIT) == 0)
		return EAGAIN;
	if (req->lf_flags == F_POSIX && lf_deadlock(req->lf_id, ls, req, 0))
		return EDEADLK;
	w.w_state = ls;
	w.w_req = req;
	w.w_next = lockf_waiters;
	lockf_waiters = &w;
	ls->ls_nwaiters++;
	error = cv_wait_sig(&ls->ls_cv, &lockf_lock);
	ls->ls_nwaiters--;
	for (wp = &lockf_waiters; *wp != &w; wp = &(*wp)->w_next)
		KASSERT(*wp != NULL);
	*wp = w.w_next;
	return error;
}

static struct lockf_state *
lf_state_get(struct vnode *vp, struct lockf_state **sparep)
{
	struct lockf_state *ls = vp->v_lockf;

	KASSERT(mutex_owned(&lockf_lock));
	if (ls != NULL)
		return ls;
	ls = *sparep;
	*sparep = NULL;
	ls->ls_locks = NULL;
	ls->ls_nwaiters = 0;
	cv_init(&ls->ls_cv, "lockf");
	mutex_enter(&vp->v_interlock);
	vp->v_lockf = ls;
	mutex_exit(&vp->v_interlock);
	return ls;
}

/* Grant req (waiting if F_WAIT) and record it. */
static int
lf_setlk(struct vnode *vp, struct lockf *req, int flags)
{
	struct lockf_state *ls, *lsspare;
	struct lockf *nlf, *spare;
	int error = 0;

	nlf = kmem_alloc(sizeof(*nlf), KM_SLEEP);
	spare = kmem_alloc(sizeof(*spare), KM_SLEEP);
	lsspare = kmem_alloc(sizeof(*lsspare), KM_SLEEP);
	*nlf = *req;
	mutex_enter(&lockf_lock);
	ls = lf_state_get(vp, &lsspare);
	if (req->lf_flags == F_FLOCK) {
		/* Converting a flock lock drops the old one first. */
		if (lf_clear(ls, req, NULL, &spare))
			cv_broadcast(&ls->ls_cv);
	}
	while (lf_findconflict(ls, req) != NULL) {
		error = lf_wait(ls, req, flags);
		if (error != 0)
			break;
	}
	if (error == 0) {
		if (lf_clear(ls, req, nlf, &spare))
			cv_broadcast(&ls->ls_cv);
		lf_insert(ls, nlf);
		nlf = NULL;
	}
	lf_state_gc(vp);
	mutex_exit(&lockf_lock);
	if (nlf != NULL)
		kmem_free(nlf, sizeof(*nlf));
	if (spare != NULL)
		kmem_free(spare, sizeof(*spare));
	if (lsspare != NULL)
		kmem_free(lsspare, sizeof(*lsspare));
	return error;
}

int
lf_advlock(struct vnode *vp, void *id, int op, struct rump_flock *fl,
    int flags)
{
	struct lockf req;
	int error;

	memset(&req, 0, sizeof(req));
	req.lf_id = id;
	req.lf_flags = flags & (F_POSIX | F_FLOCK);
	req.lf_type = fl->l_type;
	if (req.lf_flags != F_POSIX && req.lf_flags != F_FLOCK)
		return EINVAL;
	if (req.lf_flags == F_POSIX)
		req.lf_pid = ((struct proc *)id)->p_pid;
	else
		req.lf_pid = -1;
	error = lf_range(vp, fl, &req.lf_start, &req.lf_end);
	if (error != 0)
		return error;
	if (op == F_SETLK && fl->l_type == F_UNLCK)
		op = F_UNLCK;
	switch (op) {
	case F_GETLK:
		if (req.lf_type != F_RDLCK && req.lf_type != F_WRLCK)
			return EINVAL;
		return lf_getlk(vp, &req, fl);
	case F_UNLCK:
		if (atomic_load_relaxed(&vp->v_lockf) == NULL)
			return 0;
		return lf_unlock(vp, &req);
	case F_SETLK:
		if (req.lf_type != F_RDLCK && req.lf_type != F_WRLCK)
			return EINVAL;
		return lf_setlk(vp, &req, flags);
	default:
		return EINVAL;
	}
}

static void
lf_release(struct vnode *vp, void *id, int flags)
{
	struct rump_flock fl;

	if (atomic_load_relaxed(&vp->v_lockf) == NULL)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)VOP_ADVLOCK(vp, id, F_UNLCK, &fl, flags);
}

void
lf_release_posix(struct vnode *vp, struct proc *p)
{
	lf_release(vp, p, F_POSIX);
}

void
lf_release_flock(struct vnode *vp, void *id)
{
	lf_release(vp, id, F_FLOCK);
}

/* The vnode is being reclaimed: nobody can hold or wait for its locks
 * (they would hold a reference). */
void
lf_purge(struct vnode *vp)
{
	struct lockf_state *ls;
	struct lockf *lf;

	mutex_enter(&lockf_lock);
	ls = vp->v_lockf;
	if (ls != NULL) {
		KASSERT(ls->ls_nwaiters == 0);
		while ((lf = ls->ls_locks) != NULL) {
			ls->ls_locks = lf->lf_next;
			kmem_free(lf, sizeof(*lf));
		}
		lf_state_gc(vp);
	}
	mutex_exit(&lockf_lock);
}

RUMP_COMPONENT(RUMP_COMPONENT_VFS)
{
	mutex_init(&lockf_lock, MUTEX_DEFAULT, "lockf");
	return 0;
}
