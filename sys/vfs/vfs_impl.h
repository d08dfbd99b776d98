/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_impl.h: declarations private to the VFS (sys/vfs), shared between
 * its files: per-process directories, namei, the name cache, mount
 * internals, the root file system and kernel I/O helpers.
 *
 * Locking: [c] cwdi_lock, [a] atomic.
 * Lock order: cwdi_lock > vnode locks is never needed: the directories are
 * referenced under cwdi_lock and used after it is dropped.
 */
#ifndef _SYS_VFS_VFS_IMPL_H_
#define _SYS_VFS_VFS_IMPL_H_

#include "kern/kern.h"
#include "kern/lock.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"

/* Per-process current and root directory (proc->p_cwdi). */
struct cwdinfo {
	kmutex_t cwdi_lock;
	struct vnode *cwdi_cdir;           /* [c] referenced */
	struct vnode *cwdi_rdir;           /* [c] referenced; NULL: rootvnode */
	unsigned cwdi_refcnt;              /* [a] processes sharing it */
};
/* Both directories of curproc, referenced (the root never NULL). */
void cwd_getdirs(struct vnode **cdirp, struct vnode **rdirp);
/* Replace the current / root directory; takes over vp's reference. */
void cwd_setcdir(struct vnode *vp);
void cwd_setrdir(struct vnode *vp);
void cwd_hooks_init(void);

/*
 * namei: resolve a path.  Flags for ni_flags:
 *  NI_FOLLOW     follow a symlink in the last component
 *  NI_EMPTYPATH  an empty path names the directory fd itself (AT_EMPTY_PATH)
 *  NI_PARENT     stop at the last component: ni_dvp is its directory,
 *                ni_vp the file if it exists (NULL if not), ni_cnd its name
 *  NI_LOCKPARENT with NI_PARENT: ni_dvp comes back locked exclusively
 *  NI_SYSSPACE   ni_path is a kernel string
 */
#define NI_FOLLOW     0x01
#define NI_EMPTYPATH  0x02
#define NI_PARENT     0x04
#define NI_LOCKPARENT 0x08
#define NI_SYSSPACE   0x10

/* Kind of the last component (Linux's LAST_*), for the parent lookups. */
enum { NI_LAST_NORM, NI_LAST_DOT, NI_LAST_DOTDOT, NI_LAST_ROOT };

struct nameidata {
	/* in */
	int ni_dirfd;
	const char *ni_path;               /* user (or kernel) address */
	int ni_flags;
	enum nameiop ni_op;
	/* out: references owned by the nameidata until namei_done() */
	struct vnode *ni_dvp;
	struct vnode *ni_vp;
	bool ni_dvplocked;
	int ni_lasttype;
	bool ni_trailslash;                /* path ended with '/' */
	struct componentname ni_cnd;       /* last component, in ni_buf */
	char *ni_buf;                      /* PATH_MAX bytes */
	char *ni_linkbuf;                  /* PATH_MAX bytes, symlink scratch */
};
void namei_init(struct nameidata *nd, int dirfd, const char *path,
    enum nameiop op, int flags);
void namei_subsys_init(void);          /* at VFS init */
/* 0 or errno; on error nothing is held (namei_done is still allowed). */
int namei(struct nameidata *nd);
/* Release what namei left: unlock and release ni_dvp, release ni_vp. */
void namei_done(struct nameidata *nd);
/* Look a path up to one vnode, referenced and unlocked. */
int namei_simple(int dirfd, const char *path, int flags, struct vnode **vpp);
/* Resolve a *at() dirfd to a referenced vnode (AT_FDCWD: cwd). */
int namei_dirfd(int dirfd, struct vnode **vpp);
/* Crossing into the file system mounted on vp (if any); vp's reference is
 * exchanged for one on the mounted root. */
int namei_crossmount(struct vnode **vpp);

/* Name cache (vfs_cache.c).  Callers hold dvp's lock (shared is enough for
 * cache_enter after a lookup, exclusive for the others). */
#define CACHE_MISS (-1)
void cache_init(void);
/* 0 and *vpp referenced on a hit, ENOENT on a negative hit, CACHE_MISS. */
int cache_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp);
void cache_enter(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len);
void cache_remove(struct vnode *dvp, const char *name, size_t len);
void cache_purge(struct vnode *vp);
unsigned cache_count(void);

/* vnode cache internals (vfs_vnode.c). */
/* Take a reference on a vnode found without one (name cache); 0 or ENOENT
 * if it is being reclaimed.  Called with the name cache lock held. */
int vcache_tryref(struct vnode *vp);
void vdrain_start(void);

/* Mounts (vfs_mount.c). */
#define MNT_GONE 0x40000000                /* unmounted, awaiting release */
extern kmutex_t mountlist_lock;
extern struct mount *mountlist;            /* [mountlist_lock] */
int vfs_mount_new(struct vfsops *vfs, struct vnode *covered,
    const char *source, const char *options, int flags, struct mount **mpp);
int vfs_unmount(struct mount *mp, int flags);
int vfs_mountroot(const char *fstype);
int vfs_statfs_mp(struct mount *mp, struct rump_statfs *sbp);
void vfs_mount_init(void);

/* Root file system before any mount (vfs_rootfs.c). */
extern struct vfsops rootfs_vfsops;

/* etfs (vfs_etfs.c). */
void etfs_init(void);

/* Kernel I/O on a vnode (vfs_vnops.c): unlocked vnode, kernel buffer. */
int vn_rdwr(enum uio_rw rw, struct vnode *vp, void *buf, size_t len,
    off_t offset, int ioflag, kauth_cred_t cred, size_t *residp);
int vn_open(struct nameidata *nd, int fflags, mode_t cmode,
    struct vnode **vpp);
int vn_close(struct vnode *vp, int fflags, kauth_cred_t cred);
int vn_stat(struct vnode *vp, struct rump_stat *sb);
int vn_setattr(struct vnode *vp, struct vattr *va, kauth_cred_t cred);
int vn_truncate(struct vnode *vp, off_t length, kauth_cred_t cred);
/* Write permission on vp's file system: EROFS if mounted read-only. */
int vn_writechk(struct vnode *vp);
/* RLIMIT_FSIZE (vfs_vnops.c): growing a file to newsize; a write. */
int vn_fsizechk(off_t newsize);
int vn_fsizecut(struct uio *uio, size_t *cutp);

/* Checks shared by the name space system calls (vfs_syscalls.c). */
int vfs_sticky_check(struct vnode *dvp, struct vnode *vp, kauth_cred_t cred);
int vfs_remove_check(struct vnode *dvp, struct vnode *vp, kauth_cred_t cred);
/* The vnode of an open descriptor, referenced; EBADF, or EINVAL if the
 * descriptor is not a vnode. */
int vfs_fdvnode(int fd, struct vnode **vpp);

#endif /* _SYS_VFS_VFS_IMPL_H_ */
