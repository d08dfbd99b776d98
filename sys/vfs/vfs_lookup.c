/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_lookup.c: namei, path name resolution.
 *
 * A path is resolved one component at a time from the process's root
 * ("/...") or from the *at() directory (AT_FDCWD: the current directory):
 *
 *	for each component:
 *	    the directory needs search (VEXEC) permission
 *	    "."  stays; ".." at the process root stays, at the root of a
 *	         mount first steps to the covered vnode
 *	    else the name cache, then VOP_LOOKUP with the directory locked
 *	    shared (the answer, positive or negative, enters the cache)
 *	    a vnode with a mount on it is replaced by the mount's root
 *	    a symlink (not last, or last with NI_FOLLOW, or followed by "/")
 *	    is spliced into the remaining path; at most SYMLOOP_MAX of them
 *
 * Only one vnode lock is held at a time, so lookups never deadlock with
 * each other or with the name space changes that lock parent then child.
 * With NI_PARENT the walk stops before the last component and returns its
 * directory (locked exclusively with NI_LOCKPARENT) and the file if it
 * exists; create, remove and rename use that.
 *
 * Called by the syscalls (vfs_syscalls*.c), mount and etfs.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/file.h"
#include "vfs/vfs_impl.h"

/* Path buffers (PATH_MAX): too big for the host's small-object caches. */
static pool_t namei_pool;              /* [I] */

void
namei_subsys_init(void)
{
	namei_pool = pool_create(PATH_MAX, 0, "namei");
}

void
namei_init(struct nameidata *nd, int dirfd, const char *path,
    enum nameiop op, int flags)
{
	memset(nd, 0, sizeof(*nd));
	nd->ni_dirfd = dirfd;
	nd->ni_path = path;
	nd->ni_op = op;
	nd->ni_flags = flags;
}

void
namei_done(struct nameidata *nd)
{
	if (nd->ni_dvp != NULL) {
		if (nd->ni_dvplocked)
			vn_unlock(nd->ni_dvp);
		vrele(nd->ni_dvp);
		nd->ni_dvp = NULL;
		nd->ni_dvplocked = false;
	}
	if (nd->ni_vp != NULL) {
		vrele(nd->ni_vp);
		nd->ni_vp = NULL;
	}
	if (nd->ni_buf != NULL) {
		pool_put(namei_pool, nd->ni_buf);
		nd->ni_buf = NULL;
	}
	if (nd->ni_linkbuf != NULL) {
		pool_put(namei_pool, nd->ni_linkbuf);
		nd->ni_linkbuf = NULL;
	}
}

int
namei_dirfd(int dirfd, struct vnode **vpp)
{
	struct vnode *cdir, *rdir;
	struct file *fp;

	if (dirfd == AT_FDCWD) {
		cwd_getdirs(&cdir, &rdir);
		vrele(rdir);
		*vpp = cdir;
		return 0;
	}
	fp = fd_getfile(dirfd);
	if (fp == NULL)
		return EBADF;
	if (fp->f_type != DTYPE_VNODE) {
		fd_putfile(fp);
		return ENOTDIR;
	}
	*vpp = fp->f_data;
	vref(*vpp);
	fd_putfile(fp);
	return 0;
}

int
namei_crossmount(struct vnode **vpp)
{
	struct vnode *vp = *vpp, *root;
	struct mount *mp;
	int error;

	for (;;) {
		mutex_enter(&mountlist_lock);
		mp = vp->v_mountedhere;
		if (mp != NULL)
			vfs_ref(mp);
		mutex_exit(&mountlist_lock);
		if (mp == NULL)
			break;
		error = vfs_busy(mp);
		if (error == 0) {
			error = VFS_ROOT(mp, &root);
			vfs_unbusy(mp);
		}
		vfs_rele(mp);
		if (error == ENOENT)
			break;  /* unmounted under us: stay on the covered vnode */
		if (error != 0)
			return error;
		vrele(vp);
		vp = root;
	}
	*vpp = vp;
	return 0;
}

static int
namei_copypath(struct nameidata *nd)
{
	size_t len;
	int error;

	nd->ni_buf = pool_get(namei_pool, KM_SLEEP);
	if (nd->ni_flags & NI_SYSSPACE) {
		if (nd->ni_path == NULL)
			return EFAULT;
		len = strlcpy(nd->ni_buf, nd->ni_path, PATH_MAX);
		return len >= PATH_MAX ? ENAMETOOLONG : 0;
	}
	error = copyinstr(nd->ni_path, nd->ni_buf, PATH_MAX, NULL);
	return error;
}

/* Read vp's link target into the link buffer and splice rest after it. */
static int
namei_splicelink(struct nameidata *nd, struct vnode *vp, const char *rest)
{
	struct rump_iovec iov;
	struct uio uio;
	size_t linklen, restlen;
	char *t;
	int error;

	if (nd->ni_linkbuf == NULL)
		nd->ni_linkbuf = pool_get(namei_pool, KM_SLEEP);
	iov.iov_base = nd->ni_linkbuf;
	iov.iov_len = PATH_MAX;
	uio.uio_iov = &iov;
	uio.uio_iovcnt = 1;
	uio.uio_offset = 0;
	uio.uio_resid = PATH_MAX;
	uio.uio_rw = UIO_READ;
	uio.uio_seg = UIO_SYSSPACE;
	error = vn_lock(vp, LK_SHARED);
	if (error != 0)
		return error;
	error = VOP_READLINK(vp, &uio, kauth_cred_get());
	vn_unlock(vp);
	if (error != 0)
		return error;
	linklen = PATH_MAX - uio.uio_resid;
	if (linklen == 0)
		return ENOENT;
	restlen = strlen(rest);
	if (linklen + restlen + 1 > PATH_MAX)
		return ENAMETOOLONG;
	memcpy(nd->ni_linkbuf + linklen, rest, restlen + 1);
	t = nd->ni_buf;
	nd->ni_buf = nd->ni_linkbuf;
	nd->ni_linkbuf = t;
	return 0;
}

/* Look name up in dvp (locked); answer referenced and unlocked. */
static int
namei_lookupone(struct vnode *dvp, struct componentname *cnp,
    struct vnode **vpp)
{
	int error;

	if (!(cnp->cn_flags & CN_ISDOTDOT)) {
		error = cache_lookup(dvp, cnp->cn_nameptr, cnp->cn_namelen, vpp);
		if (error != CACHE_MISS)
			return error;
	}
	error = VOP_LOOKUP(dvp, vpp, cnp);
	if (cnp->cn_flags & CN_ISDOTDOT)
		return error;
	/*
	 * A last component about to change is not worth an entry: a name
	 * about to be created (the negative entry would be removed at
	 * once), removed, or renamed.
	 */
	if (cnp->cn_nameiop == DELETE || cnp->cn_nameiop == RENAME ||
	    (cnp->cn_nameiop == CREATE && error == ENOENT))
		return error;
	if (error == 0)
		cache_enter(dvp, *vpp, cnp->cn_nameptr, cnp->cn_namelen);
	else if (error == ENOENT)
		cache_enter(dvp, NULL, cnp->cn_nameptr, cnp->cn_namelen);
	return error;
}

/*
 * The last component of a parent lookup: lock the directory, look up.
 * On success nd owns the caller's reference on dvp; on error it does not.
 */
static int
namei_last(struct nameidata *nd, struct vnode *dvp)
{
	struct componentname *cnp = &nd->ni_cnd;
	int error;

	error = vn_lock(dvp, (nd->ni_flags & NI_LOCKPARENT) ? LK_EXCLUSIVE :
	    LK_SHARED);
	if (error != 0)
		return error;
	nd->ni_dvp = dvp;
	nd->ni_dvplocked = true;
	if (nd->ni_lasttype != NI_LAST_NORM) {
		vref(dvp);
		nd->ni_vp = dvp;
		error = 0;
	} else {
		error = VOP_ACCESS(dvp, VEXEC, cnp->cn_cred);
		if (error == 0)
			error = namei_lookupone(dvp, cnp, &nd->ni_vp);
		if (error == ENOENT) {
			nd->ni_vp = NULL;
			error = 0;
		}
	}
	if (error != 0 || !(nd->ni_flags & NI_LOCKPARENT)) {
		vn_unlock(dvp);
		nd->ni_dvplocked = false;
	}
	if (error != 0)
		nd->ni_dvp = NULL;	/* the caller drops its reference */
	return error;
}

/* Does a CREATE lookup end at a symlink it must follow (open O_CREAT)? */
static bool
namei_createlink(struct nameidata *nd)
{
	return nd->ni_op == CREATE && (nd->ni_flags & NI_FOLLOW) &&
	    nd->ni_vp != NULL && nd->ni_vp->v_type == VLNK;
}

static void
namei_setcn(struct nameidata *nd, const char *name, size_t len, bool last)
{
	struct componentname *cnp = &nd->ni_cnd;

	cnp->cn_nameiop = last ? nd->ni_op : LOOKUP;
	cnp->cn_flags = last ? CN_ISLASTCN : 0;
	cnp->cn_cred = kauth_cred_get();
	cnp->cn_nameptr = name;
	cnp->cn_namelen = len;
	cnp->cn_hash = hash32_buf(name, len, HASH32_INIT);
	nd->ni_lasttype = NI_LAST_NORM;
	if (len == 1 && name[0] == '.')
		nd->ni_lasttype = NI_LAST_DOT;
	else if (len == 2 && name[0] == '.' && name[1] == '.') {
		nd->ni_lasttype = NI_LAST_DOTDOT;
		cnp->cn_flags |= CN_ISDOTDOT;
	}
	if (last && (nd->ni_flags & NI_FOLLOW))
		cnp->cn_flags |= CN_FOLLOW;
}

/*
 * Start of the walk: the root for absolute paths (or what is mounted on
 * it), else the dirfd.
 */
static int
namei_start(struct nameidata *nd, struct vnode *rdir, struct vnode **dvpp)
{
	int error;

	if (nd->ni_buf[0] != '/')
		return namei_dirfd(nd->ni_dirfd, dvpp);
	vref(rdir);
	*dvpp = rdir;
	error = namei_crossmount(dvpp);
	if (error != 0)
		vrele(*dvpp);
	return error;
}

/* State of one walk: the directory (referenced), the rest of the path. */
struct nwalk {
	struct vnode *w_dvp;
	struct vnode *w_rdir;              /* process root, referenced */
	char *w_cp;                        /* next component in nd->ni_buf */
	int w_nlinks;                      /* symlinks followed so far */
};

/* End a walk with an error: drop the directory's reference. */
static int
namei_walk_fail(struct nwalk *w, int error)
{
	vrele(w->w_dvp);
	return error;
}

/*
 * Splice the symlink vp (its reference is consumed) into the path before
 * w_cp and restart there: at the root for an absolute target.
 */
static int
namei_follow(struct nameidata *nd, struct nwalk *w, struct vnode *vp)
{
	int error;

	if (++w->w_nlinks > SYMLOOP_MAX)
		error = ELOOP;
	else
		error = namei_splicelink(nd, vp, w->w_cp);
	vrele(vp);
	if (error != 0)
		return error;
	w->w_cp = nd->ni_buf;
	if (*w->w_cp == '/') {
		vrele(w->w_dvp);
		w->w_dvp = w->w_rdir;
		vref(w->w_dvp);
	}
	return 0;
}

/* The last component of a parent lookup (NI_PARENT). */
static int
namei_walk_parent(struct nameidata *nd, struct nwalk *w, bool *donep)
{
	struct vnode *vp;
	int error;

	error = namei_last(nd, w->w_dvp);
	if (error != 0)
		return error;
	if (!namei_createlink(nd)) {
		*donep = true;
		return 0;
	}
	/* O_CREAT through a symlink: go on at its target. */
	vp = nd->ni_vp;
	nd->ni_vp = NULL;
	if (nd->ni_dvplocked)
		vn_unlock(w->w_dvp);
	nd->ni_dvp = NULL;
	nd->ni_dvplocked = false;
	return namei_follow(nd, w, vp);
}

/* Look one component up in w_dvp: search permission, ".", "..", the
 * name cache or VOP_LOOKUP, then mounts.  *vpp referenced. */
static int
namei_component(struct nameidata *nd, struct nwalk *w, struct vnode **vpp)
{
	struct vnode *dvp = w->w_dvp, *vp = NULL;
	int error;

	error = vn_lock(dvp, LK_SHARED);
	if (error != 0)
		return error;
	error = VOP_ACCESS(dvp, VEXEC, nd->ni_cnd.cn_cred);
	if (error == 0) {
		if (nd->ni_lasttype == NI_LAST_DOT ||
		    (nd->ni_lasttype == NI_LAST_DOTDOT &&
		    (dvp == w->w_rdir || dvp == rootvnode))) {
			vp = dvp;
			vref(vp);
		} else {
			error = namei_lookupone(dvp, &nd->ni_cnd, &vp);
		}
	}
	vn_unlock(dvp);
	if (error != 0)
		return error;
	error = namei_crossmount(&vp);
	if (error != 0) {
		vrele(vp);
		return error;
	}
	*vpp = vp;
	return 0;
}

/* ".." at the root of a mount (not the process root) starts again from
 * the covered vnode. */
static bool
namei_dotdot_mount(struct nameidata *nd, struct nwalk *w)
{
	struct vnode *dvp = w->w_dvp, *vp;
	struct mount *mp = dvp->v_mount;

	if (nd->ni_lasttype != NI_LAST_DOTDOT || dvp == w->w_rdir ||
	    dvp == rootvnode || mp == NULL || dvp != mp->mnt_root ||
	    mp->mnt_vnodecovered == NULL)
		return false;
	vp = mp->mnt_vnodecovered;
	vref(vp);
	vrele(dvp);
	w->w_dvp = vp;
	return true;
}

/*
 * The walk.  w_dvp is referenced (not locked) throughout; on success the
 * results are in nd.  Returns with every reference of its own dropped.
 */
static int
namei_walk(struct nameidata *nd, struct nwalk *w)
{
	struct vnode *vp;
	char *name, *p;
	bool islast, trail, done = false;
	int error = 0;
	size_t len;

	while (error == 0 && !done) {
		while (*w->w_cp == '/')
			w->w_cp++;
		if (*w->w_cp == '\0') {
			/* The path named a directory without a last name. */
			nd->ni_lasttype = NI_LAST_ROOT;
			if (nd->ni_flags & NI_PARENT)
				nd->ni_dvp = w->w_dvp;
			else
				nd->ni_vp = w->w_dvp;
			return 0;
		}
		for (name = w->w_cp; *w->w_cp != '\0' && *w->w_cp != '/';)
			w->w_cp++;
		len = w->w_cp - name;
		for (p = w->w_cp; *p == '/'; p++)
			continue;
		islast = *p == '\0';
		trail = islast && p != w->w_cp;
		if (len > NAME_MAX)
			return namei_walk_fail(w, ENAMETOOLONG);
		if (w->w_dvp->v_type != VDIR)
			return namei_walk_fail(w, ENOTDIR);
		namei_setcn(nd, name, len, islast);
		nd->ni_trailslash = trail;
		if (islast && (nd->ni_flags & NI_PARENT)) {
			error = namei_walk_parent(nd, w, &done);
			continue;
		}
		if (namei_dotdot_mount(nd, w)) {
			w->w_cp = name;
			continue;
		}
		error = namei_component(nd, w, &vp);
		if (error != 0)
			break;
		if (vp->v_type == VLNK &&
		    (!islast || trail || (nd->ni_flags & NI_FOLLOW))) {
			error = namei_follow(nd, w, vp);
			continue;
		}
		if (islast && trail && vp->v_type != VDIR) {
			vrele(vp);
			error = ENOTDIR;
			break;
		}
		vrele(w->w_dvp);
		if (islast) {
			nd->ni_vp = vp;
			return 0;
		}
		w->w_dvp = vp;
	}
	if (error != 0 || !done)
		return namei_walk_fail(w, error);
	return 0;
}

int
namei(struct nameidata *nd)
{
	struct vnode *cdir, *rdir;
	struct nwalk w;
	int error;

	error = namei_copypath(nd);
	if (error != 0)
		return error;
	if (nd->ni_buf[0] == '\0') {
		if (!(nd->ni_flags & NI_EMPTYPATH) || (nd->ni_flags & NI_PARENT))
			return ENOENT;
		return namei_dirfd(nd->ni_dirfd, &nd->ni_vp);
	}
	cwd_getdirs(&cdir, &rdir);
	vrele(cdir);
	error = namei_start(nd, rdir, &w.w_dvp);
	if (error == 0) {
		w.w_rdir = rdir;
		w.w_cp = nd->ni_buf;
		w.w_nlinks = 0;
		error = namei_walk(nd, &w);
	}
	vrele(rdir);
	return error;
}

int
namei_simple(int dirfd, const char *path, int flags, struct vnode **vpp)
{
	struct nameidata nd;
	int error;

	namei_init(&nd, dirfd, path, LOOKUP, flags & ~(NI_PARENT |
	    NI_LOCKPARENT));
	error = namei(&nd);
	if (error == 0) {
		*vpp = nd.ni_vp;
		nd.ni_vp = NULL;
	}
	namei_done(&nd);
	return error;
}
