/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_mount.c: file system types, mounts, mount(2), umount2(2), statfs.
 *
 * File systems register a struct vfsops at RUMP_COMPONENT_FS.  A mount is
 * created by vfs_mount_new(): the file system's vfs_mount sets it up, its
 * root is taken and kept referenced, and the covered vnode's
 * v_mountedhere points to it (under mountlist_lock, which namei also takes
 * to cross).  Unmount takes mnt_unmounting as writer, so no lookup can
 * cross in while vflush() checks that nothing is in use.
 *
 * MNT_FORCE and MNT_DETACH are not supported: umount2 returns EINVAL for
 * them (an open file would keep a file system's vnodes alive).
 *
 * Locking: [M] mountlist_lock, [V] vfs_list_lock.
 * Lock order: mnt_unmounting > vnode locks > mountlist_lock.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"
#include "sys_syscallargs.h"

kmutex_t mountlist_lock;
struct mount *mountlist;                   /* [M] */
struct vnode *rootvnode;
static kmutex_t vfs_list_lock;
static struct vfsops *vfs_list;            /* [V] */
static uint64_t mnt_nextid = 1;            /* [a] */

void
vfs_mount_init(void)
{
	mutex_init(&mountlist_lock, MUTEX_DEFAULT, "mountlist");
	mutex_init(&vfs_list_lock, MUTEX_DEFAULT, "vfslist");
}

int
vfs_register(struct vfsops *vfs)
{
	struct vfsops *v;

	mutex_enter(&vfs_list_lock);
	for (v = vfs_list; v != NULL; v = v->vfs_next) {
		if (strcmp(v->vfs_name, vfs->vfs_name) == 0) {
			mutex_exit(&vfs_list_lock);
			return EEXIST;
		}
	}
	vfs->vfs_refcount = 0;
	vfs->vfs_next = vfs_list;
	vfs_list = vfs;
	mutex_exit(&vfs_list_lock);
	return 0;
}

int
vfs_unregister(struct vfsops *vfs)
{
	struct vfsops **vp;

	mutex_enter(&vfs_list_lock);
	if (atomic_load_relaxed(&vfs->vfs_refcount) != 0) {
		mutex_exit(&vfs_list_lock);
		return EBUSY;
	}
	for (vp = &vfs_list; *vp != NULL; vp = &(*vp)->vfs_next) {
		if (*vp == vfs) {
			*vp = vfs->vfs_next;
			break;
		}
	}
	mutex_exit(&vfs_list_lock);
	return 0;
}

struct vfsops *
vfs_getopsbyname(const char *name)
{
	struct vfsops *v;

	mutex_enter(&vfs_list_lock);
	for (v = vfs_list; v != NULL; v = v->vfs_next) {
		if (strcmp(v->vfs_name, name) == 0) {
			atomic_inc(&v->vfs_refcount);
			break;
		}
	}
	mutex_exit(&vfs_list_lock);
	return v;
}

int
vfs_busy(struct mount *mp)
{
	if (!rw_tryenter(&mp->mnt_unmounting, RW_READER))
		return ENOENT;
	if (mp->mnt_flag & MNT_GONE) {
		rw_exit(&mp->mnt_unmounting);
		return ENOENT;
	}
	return 0;
}

void
vfs_unbusy(struct mount *mp)
{
	rw_exit(&mp->mnt_unmounting);
}

void
vfs_ref(struct mount *mp)
{
	atomic_inc(&mp->mnt_refcnt);
}

void
vfs_rele(struct mount *mp)
{
	if (atomic_dec_nv(&mp->mnt_refcnt) > 0)
		return;
	KASSERT(mp->mnt_flag & MNT_GONE);
	atomic_dec(&mp->mnt_op->vfs_refcount);
	rw_destroy(&mp->mnt_unmounting);
	mutex_destroy(&mp->mnt_lock);
	mutex_destroy(&mp->mnt_renamelock);
	kmem_free(mp, sizeof(*mp));
}

/*
 * Mount vfs (a reference from vfs_getopsbyname, taken over) on covered
 * (referenced and unlocked, kept by the mount; NULL for the root).
 */
int
vfs_mount_new(struct vfsops *vfs, struct vnode *covered, const char *source,
    const char *options, int flags, struct mount **mpp)
{
	struct mount *mp;
	int error;

	mp = kmem_zalloc(sizeof(*mp), KM_SLEEP);
	mp->mnt_op = vfs;
	mp->mnt_flag = flags;
	mp->mnt_refcnt = 1;
	mp->mnt_id = atomic_inc_nv(&mnt_nextid);
	mp->mnt_dev = mp->mnt_id;
	mp->mnt_iosize = PAGE_SIZE;
	rw_init(&mp->mnt_unmounting, "mntunmnt");
	mutex_init(&mp->mnt_lock, MUTEX_DEFAULT, "mntlock");
	mutex_init(&mp->mnt_renamelock, MUTEX_DEFAULT, "mntrename");
	strlcpy(mp->mnt_fstype, vfs->vfs_name, sizeof(mp->mnt_fstype));
	strlcpy(mp->mnt_source, source != NULL ? source : vfs->vfs_name,
	    sizeof(mp->mnt_source));
	error = vfs->vfs_mount(mp, source, options, kauth_cred_get());
	if (error == 0) {
		error = VFS_ROOT(mp, &mp->mnt_root);
		if (error != 0)
			vfs->vfs_unmount(mp, 0);
	}
	if (error != 0) {
		mp->mnt_flag |= MNT_GONE;
		vfs_rele(mp);
		return error;
	}
	mutex_enter(&mountlist_lock);
	if (covered != NULL && covered->v_mountedhere != NULL) {
		mutex_exit(&mountlist_lock);
		vrele(mp->mnt_root);
		vflush(mp, NULL, 0);
		vfs->vfs_unmount(mp, 0);
		mp->mnt_flag |= MNT_GONE;
		vfs_rele(mp);
		return EBUSY;
	}
	mp->mnt_vnodecovered = covered;
	if (covered != NULL)
		covered->v_mountedhere = mp;
	mp->mnt_next = mountlist;
	mountlist = mp;
	mutex_exit(&mountlist_lock);
	*mpp = mp;
	return 0;
}

/* Unmount mp: EBUSY if any of its files is in use. */
int
vfs_unmount(struct mount *mp, int flags)
{
	struct mount **mpp;
	struct vnode *covered;
	int error;

	rw_enter(&mp->mnt_unmounting, RW_WRITER);
	if (mp->mnt_flag & MNT_GONE) {
		rw_exit(&mp->mnt_unmounting);
		return EINVAL;
	}
	error = vflush(mp, mp->mnt_root, 0);
	if (error == 0 && mp->mnt_root->v_mountedhere != NULL)
		error = EBUSY;
	if (error == 0 && !(mp->mnt_flag & MNT_RDONLY))
		error = VFS_SYNC(mp, 1, kauth_cred_get());
	if (error != 0) {
		rw_exit(&mp->mnt_unmounting);
		return error;
	}
	vrele(mp->mnt_root);
	error = vflush(mp, NULL, 0);
	if (error != 0) {
		/* A file was taken meanwhile (through the name cache). */
		if (VFS_ROOT(mp, &mp->mnt_root) != 0)
			panic("vfs_unmount: %s lost its root", mp->mnt_fstype);
		rw_exit(&mp->mnt_unmounting);
		return error;
	}
	error = mp->mnt_op->vfs_unmount(mp, flags);
	if (error != 0)
		printf("vfs: %s: unmount error %d ignored\n", mp->mnt_fstype,
		    error);
	mutex_enter(&mountlist_lock);
	mp->mnt_flag |= MNT_GONE;
	covered = mp->mnt_vnodecovered;
	if (covered != NULL)
		covered->v_mountedhere = NULL;
	for (mpp = &mountlist; *mpp != NULL; mpp = &(*mpp)->mnt_next) {
		if (*mpp == mp) {
			*mpp = mp->mnt_next;
			break;
		}
	}
	mutex_exit(&mountlist_lock);
	rw_exit(&mp->mnt_unmounting);
	if (covered != NULL)
		vrele(covered);
	vfs_rele(mp);
	return 0;
}

/* Mount fstype as the root, replacing an earlier root if there is one. */
int
vfs_mountroot(const char *fstype)
{
	struct vfsops *vfs;
	struct mount *mp;
	struct vnode *old;
	int error;

	vfs = vfs_getopsbyname(fstype);
	if (vfs == NULL)
		return ENODEV;
	error = vfs_mount_new(vfs, NULL, fstype, NULL, 0, &mp);
	if (error != 0)
		return error;
	old = rootvnode;
	vref(mp->mnt_root);
	rootvnode = mp->mnt_root;
	if (old != NULL) {
		vrele(old);
		error = vfs_unmount(old->v_mount, 0);
		if (error != 0)
			printf("vfs: old root busy (%d)\n", error);
	}
	return 0;
}

int
vfs_statfs_mp(struct mount *mp, struct rump_statfs *sbp)
{
	int error;

	memset(sbp, 0, sizeof(*sbp));
	error = VFS_STATFS(mp, sbp);
	if (error != 0)
		return error;
	sbp->f_fsid[0] = (int32_t)mp->mnt_dev;
	sbp->f_fsid[1] = (int32_t)(mp->mnt_dev >> 32);
	if (sbp->f_namelen == 0)
		sbp->f_namelen = NAME_MAX;
	if (sbp->f_frsize == 0)
		sbp->f_frsize = sbp->f_bsize;
	sbp->f_flags = mp->mnt_flag & (MNT_RDONLY | MNT_NOSUID | MNT_NODEV |
	    MNT_NOEXEC | MNT_SYNCHRONOUS | MNT_NOATIME);
	return 0;
}

void
vfs_sync_all(void)
{
	struct mount *mp;

	mutex_enter(&mountlist_lock);
	for (mp = mountlist; mp != NULL; mp = mp->mnt_next) {
		if (mp->mnt_flag & MNT_RDONLY)
			continue;
		vfs_ref(mp);
		mutex_exit(&mountlist_lock);
		if (vfs_busy(mp) == 0) {
			VFS_SYNC(mp, 1, kauth_cred_get());
			vfs_unbusy(mp);
		}
		mutex_enter(&mountlist_lock);
		vfs_rele(mp);
		if (mp->mnt_flag & MNT_GONE)
			break;  /* the list changed under us; good enough */
	}
	mutex_exit(&mountlist_lock);
}

/*
 * Halt: unmount everything but the root, mounts on top first (the list is
 * newest first), then sync what is left.  The root stays mounted, synced,
 * so "/" still resolves for calls made after the halt.  A file system
 * with files in use stays mounted too (there is no forced unmount).
 */
#define HALT_MAXBUSY 64

static bool
halt_isbusy(struct mount **busy, int nbusy, struct mount *mp)
{
	int i;

	for (i = 0; i < nbusy; i++)
		if (busy[i] == mp)
			return true;
	return false;
}

void
vfs_unmount_all(void)
{
	struct mount *busy[HALT_MAXBUSY], *mp;
	int nbusy = 0, i;

	for (;;) {
		mutex_enter(&mountlist_lock);
		for (mp = mountlist; mp != NULL; mp = mp->mnt_next) {
			if (mp->mnt_vnodecovered != NULL &&
			    mp->mnt_root->v_mountedhere == NULL &&
			    !(mp->mnt_flag & MNT_GONE) &&
			    !halt_isbusy(busy, nbusy, mp)) {
				vfs_ref(mp);
				break;
			}
		}
		mutex_exit(&mountlist_lock);
		if (mp == NULL)
			break;
		if (vfs_unmount(mp, 0) == 0) {
			vfs_rele(mp);
			continue;
		}
		printf("vfs: %s on %s busy at halt\n", mp->mnt_fstype,
		    mp->mnt_source);
		if (nbusy == HALT_MAXBUSY) {
			vfs_rele(mp);
			break;
		}
		busy[nbusy++] = mp;	/* keeps the reference */
	}
	for (i = 0; i < nbusy; i++)
		vfs_rele(busy[i]);
	vfs_sync_all();
}

/* Option strings: "a,b=1,c". */
bool
vfs_getopt(const char *options, const char *name, const char **valp,
    size_t *vallenp)
{
	size_t nlen = strlen(name), len;
	const char *p = options, *end;

	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len >= nlen && strncmp(p, name, nlen) == 0 &&
		    (len == nlen || p[nlen] == '=')) {
			if (valp != NULL)
				*valp = len == nlen ? NULL : p + nlen + 1;
			if (vallenp != NULL)
				*vallenp = len == nlen ? 0 : len - nlen - 1;
			return true;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

int
vfs_getopt_size(const char *options, const char *name, uint64_t *valp)
{
	char buf[32];
	const char *val;
	size_t len;
	uint64_t v, mul = 1;
	int error;
	bool pct = false;

	if (!vfs_getopt(options, name, &val, &len))
		return ENOENT;
	if (val == NULL || len == 0 || len >= sizeof(buf))
		return EINVAL;
	memcpy(buf, val, len);
	buf[len] = '\0';
	switch (buf[len - 1]) {
	case 'k': case 'K': mul = 1024; break;
	case 'm': case 'M': mul = 1024 * 1024; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; break;
	case '%': pct = true; break;
	default: len++; break;
	}
	buf[len - 1] = '\0';
	error = kstrtou64(buf, &v);
	if (error != 0)
		return EINVAL;
	if (pct) {
		if (v > 100 || kmem_limit() == 0)
			return EINVAL;
		*valp = kmem_limit() / 100 * v;
		return 0;
	}
	if (v > UINT64_MAX / mul)
		return EINVAL;
	*valp = v * mul;
	return 0;
}
