/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mount.h: mounted file systems and the file system type switch.
 *
 * A file system registers a struct vfsops (vfs_register(), from its
 * RUMP_COMPONENT(RUMP_COMPONENT_FS)).  mount(2) finds it by name, creates a
 * struct mount and calls vfs_mount; the mount is then attached to the
 * covered vnode (v_mountedhere) and namei() crosses into its root.
 *
 * Operations on a mount hold a busy reference (vfs_busy/vfs_unbusy) so
 * unmount cannot pull it away; unmount takes mnt_unmounting as writer.
 *
 * Locking: [I] immutable after mount, [a] atomic, [m] mnt_lock,
 * [M] mountlist lock.  Lock order: mnt_unmounting > vnode locks > mnt_lock.
 */
#ifndef _SYS_VFS_MOUNT_H_
#define _SYS_VFS_MOUNT_H_

#include "kern/kern.h"
#include "kern/lock.h"

struct vnode;
struct mount;

/* mnt_flag */
#define MNT_RDONLY      0x0001
#define MNT_NOSUID      0x0002
#define MNT_NODEV       0x0004
#define MNT_NOEXEC      0x0008
#define MNT_SYNCHRONOUS 0x0010
#define MNT_NOATIME     0x0400

struct vfsops {
	const char *vfs_name;
	/* Set up mp from the source and the option string (may be NULL). */
	int (*vfs_mount)(struct mount *mp, const char *source,
	    const char *options, kauth_cred_t cred);
	int (*vfs_unmount)(struct mount *mp, int mntflags);
	/* The root vnode, referenced and unlocked. */
	int (*vfs_root)(struct mount *mp, struct vnode **vpp);
	int (*vfs_statfs)(struct mount *mp, struct rump_statfs *sbp);
	int (*vfs_sync)(struct mount *mp, int waitfor, kauth_cred_t cred);
	/*
	 * Set up a new vnode for vcache_get(): fill in v_type, v_op, v_data
	 * (and v_size) of vp for the file named by key.  0 or errno.
	 */
	int (*vfs_loadvnode)(struct mount *mp, struct vnode *vp,
	    const void *key, size_t keylen);
	/* Remount with new flags/options (MS_REMOUNT); NULL: EOPNOTSUPP. */
	int (*vfs_remount)(struct mount *mp, int newflags, const char *options);
	struct vfsops *vfs_next;           /* [vfs list lock] */
	unsigned vfs_refcount;             /* [a] mounts using it */
};

int vfs_register(struct vfsops *vfs);     /* 0 or EEXIST */
int vfs_unregister(struct vfsops *vfs);   /* 0 or EBUSY */
struct vfsops *vfs_getopsbyname(const char *name); /* takes a reference */

struct mount {
	struct vfsops *mnt_op;             /* [I] */
	struct vnode *mnt_vnodecovered;    /* [I] NULL for the root */
	struct vnode *mnt_root;            /* [I] referenced while mounted */
	int mnt_flag;                      /* [m] MNT_* */
	void *mnt_data;                    /* [I] file system's data */
	uint64_t mnt_id;                   /* [I] unique, statx stx_mnt_id */
	dev_t mnt_dev;                     /* [I] st_dev of its files */
	krwlock_t mnt_unmounting;          /* readers: busy; writer: unmount */
	kmutex_t mnt_lock;
	kmutex_t mnt_renamelock;           /* serialises renames */
	unsigned mnt_refcnt;               /* [a] */
	int mnt_iosize;                    /* [I] preferred I/O size */
	char mnt_fstype[16];               /* [I] */
	char mnt_source[256];              /* [I] */
	struct mount *mnt_next;            /* [M] */
	/* vnodes of this mount, for vflush */
	struct vnode *mnt_vnodes;          /* [vcache lock] */
};

int vfs_busy(struct mount *mp);           /* 0 or ENOENT if unmounting */
void vfs_unbusy(struct mount *mp);
void vfs_ref(struct mount *mp);
void vfs_rele(struct mount *mp);

#define VFS_ROOT(mp, vpp)         ((mp)->mnt_op->vfs_root((mp), (vpp)))
#define VFS_STATFS(mp, sbp)       ((mp)->mnt_op->vfs_statfs((mp), (sbp)))
#define VFS_SYNC(mp, w, c)        ((mp)->mnt_op->vfs_sync((mp), (w), (c)))
#define VFS_LOADVNODE(mp, vp, k, l) \
	((mp)->mnt_op->vfs_loadvnode((mp), (vp), (k), (l)))

/* Mount options: a comma-separated string.  Find "name" or "name=value". */
bool vfs_getopt(const char *options, const char *name, const char **valp,
    size_t *vallenp);
/* Parse a size with k/m/g suffix or a trailing % of the memory limit. */
int vfs_getopt_size(const char *options, const char *name, uint64_t *valp);

extern struct vnode *rootvnode;           /* [I] after boot */
/* Sync every mounted file system (sync(2), halt). */
void vfs_sync_all(void);
/* Unmount everything (halt). */
void vfs_unmount_all(void);

#endif /* _SYS_VFS_MOUNT_H_ */
