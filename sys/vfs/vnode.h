/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vnode.h: vnodes, their attributes, I/O descriptions and path components.
 *
 * A vnode is the VFS's handle on a file of some file system.  It is
 * reference counted (v_usecount); when the last reference goes, the file
 * system's VOP_INACTIVE runs and the vnode stays cached, unused, on an LRU
 * list until it is reused or the cache is over RUMP_NVNODES, when
 * VOP_RECLAIM detaches it from the file system and it is freed.
 *
 * Vnode states (v_state), changed only with v_interlock held, through
 * VSTATE_CHANGE(), which asserts the transition:
 *
 *	LOADING  -> ACTIVE     vcache_get()/vcache_new() finished setting up
 *	LOADING  -> RECLAIMED  set-up failed
 *	ACTIVE   -> RECLAIMING the cache chose it (usecount 0) or the file
 *	                       system is unmounted (vgone)
 *	RECLAIMING -> RECLAIMED VOP_RECLAIM done; freed when usecount drops
 *
 * Locking: [I] immutable after creation, [a] atomic, [v] v_interlock,
 * [L] the vnode lock v_lock, [m] the mount's mnt_lock, [c] vcache lock.
 * Lock order: vnode locks (parent before child, then by address) >
 * v_interlock > vcache lock.  See vfs_vnode.c.
 */
#ifndef _SYS_VFS_VNODE_H_
#define _SYS_VFS_VNODE_H_

#include "kern/kern.h"
#include "kern/lock.h"

struct mount;
struct vnodeops;
struct uio;
struct componentname;

enum vtype { VNON, VREG, VDIR, VBLK, VCHR, VLNK, VSOCK, VFIFO, VBAD };

enum vstate {
	VS_LOADING, VS_ACTIVE, VS_RECLAIMING, VS_RECLAIMED
};

struct vnode {
	/* Constructed once per allocation from the host (vfs_vnode.c's
	 * pool): kept across reuse, so they come first. */
	kmutex_t v_interlock;              /* protects [v] */
	krwlock_t v_lock;                  /* the vnode lock */
	kcondvar_t v_cv;                   /* [v] state changes */
	/* Zeroed for each new vnode: everything from here on. */
	unsigned v_usecount;               /* [a,v] references */
	enum vstate v_state;               /* [v] */
	enum vtype v_type;                 /* [I] */
	struct mount *v_mount;             /* [I] file system it belongs to */
	const struct vnodeops *v_op;       /* [I] */
	void *v_data;                      /* [I] file system's node */
	struct mount *v_mountedhere;       /* [m] mount covering this vnode */
	off_t v_size;                      /* [L] file size, for the VFS */
	void *v_lockf;                     /* [v] record locks (vfs_lockf.c) */
	/* vcache bookkeeping */
	struct vnode *v_hashnext;          /* [c] */
	struct vnode **v_hashprevp;        /* [c] what points at it; NULL
					      while not in the table */
	struct vnode *v_lrunext, *v_lruprev; /* [c] unused-vnode LRU */
	uint32_t v_keyhash;                /* [I] */
	const void *v_key;                 /* [I] file system's cache key */
	size_t v_keylen;                   /* [I] */
	char v_keybuf[16];                 /* [I] v_key when it fits */
};

/* Lock helpers (vfs_vnode.c).  LK_SHARED / LK_EXCLUSIVE, LK_NOWAIT. */
#define LK_SHARED    0x01
#define LK_EXCLUSIVE 0x02
#define LK_NOWAIT    0x10
int vn_lock(struct vnode *vp, int flags);   /* 0, or EBUSY with LK_NOWAIT,
					       or ENOENT if reclaimed */
void vn_unlock(struct vnode *vp);
bool vn_locked_excl(struct vnode *vp);      /* by the caller */
bool vn_locked(struct vnode *vp);           /* by anyone */
/* Lock two vnodes exclusively in the global order (either may be NULL). */
void vn_lock2(struct vnode *a, struct vnode *b);

/* References. */
void vref(struct vnode *vp);               /* caller already has one */
void vrele(struct vnode *vp);              /* unlocked vnode */
void vput(struct vnode *vp);               /* unlock, then vrele */

/*
 * The vnode cache (vfs_vnode.c).  A file system that keys its files (an
 * inode number, a node pointer) gets the one vnode for a key with
 * vcache_get(); if there is none, VFS_LOADVNODE() is called to set it up.
 * Returns the vnode referenced and unlocked.
 */
int vcache_get(struct mount *mp, const void *key, size_t keylen,
    struct vnode **vpp);
/* Find a cached vnode only; ENOENT if none. */
int vcache_lookup(struct mount *mp, const void *key, size_t keylen,
    struct vnode **vpp);
/* Make the vnode unreachable and reclaim it once unreferenced. */
void vgone(struct vnode *vp);
/* Flush every unused vnode of mp (unmount); EBUSY if some are in use. */
int vflush(struct mount *mp, struct vnode *skipvp, int flags);
void vcache_init(unsigned maxvnodes);
extern unsigned vcache_numvnodes;          /* [a] */

/* Attributes.  VNOVAL marks fields VOP_SETATTR must not change. */
#define VNOVAL (-1)
struct vattr {
	enum vtype va_type;
	mode_t va_mode;                    /* permission bits and S_ISUID.. */
	nlink_t va_nlink;
	uid_t va_uid;
	gid_t va_gid;
	dev_t va_fsid;
	ino_t va_fileid;
	off_t va_size;
	int64_t va_blocksize;
	struct rump_timespec va_atime;
	struct rump_timespec va_mtime;
	struct rump_timespec va_ctime;
	struct rump_timespec va_birthtime;
	uint64_t va_gen;
	uint64_t va_flags;
	dev_t va_rdev;
	uint64_t va_bytes;                 /* space used */
	unsigned va_vaflags;               /* VA_* */
};
#define VA_UTIMES_NULL 0x01  /* utimes with NULL times: owner or write ok */
void vattr_null(struct vattr *vap);        /* every field VNOVAL */

/* I/O descriptions. */
enum uio_rw { UIO_READ, UIO_WRITE };
enum uio_seg { UIO_USERSPACE, UIO_SYSSPACE };
struct uio {
	struct rump_iovec *uio_iov;
	int uio_iovcnt;
	off_t uio_offset;
	size_t uio_resid;
	enum uio_rw uio_rw;
	enum uio_seg uio_seg;
};
/* Move n bytes between kernel buffer buf and the uio (copyin/copyout for
 * user space), advancing it.  0 or EFAULT. */
int uiomove(void *buf, size_t n, struct uio *uio);
/*
 * Put one getdents64 record (struct rump_dirent64: ino, d_off = next, the
 * DT_* type, the name of namelen <= NAME_MAX bytes) into uio, for
 * VOP_READDIR.  0, EFAULT, or -1 when it does not fit in what is left.
 */
int vfs_dirent_emit(struct uio *uio, uint64_t ino, uint64_t next,
    unsigned type, const char *name, size_t namelen);

/* ioflag for VOP_READ/VOP_WRITE */
#define IO_APPEND  0x01
#define IO_SYNC    0x02
#define IO_DSYNC   0x04
#define IO_NDELAY  0x08
#define IO_NOATIME 0x10

/* fsync flags */
#define FSYNC_WAIT     0x01
#define FSYNC_DATAONLY 0x02

/* Path components, given to lookup-type operations. */
enum nameiop { LOOKUP, CREATE, DELETE, RENAME };
struct componentname {
	enum nameiop cn_nameiop;
	int cn_flags;                      /* CN_* */
	kauth_cred_t cn_cred;
	const char *cn_nameptr;            /* not NUL-terminated */
	size_t cn_namelen;
	uint32_t cn_hash;
};
#define CN_ISLASTCN  0x01  /* last component of the path */
#define CN_ISDOTDOT  0x02  /* ".." */
#define CN_FOLLOW    0x04  /* follow a symlink here */

/* Access check for VOP_ACCESS: accmode uses VREAD / VWRITE / VEXEC. */
#define VREAD  0x04
#define VWRITE 0x02
#define VEXEC  0x01
#define VADMIN 0x08   /* owner or root (chmod, utimes) */
int vaccess(enum vtype type, mode_t filemode, uid_t uid, gid_t gid,
    int accmode, kauth_cred_t cred);

/* Conversions. */
enum vtype iftovt(mode_t mode);
mode_t vttoif(enum vtype vt);
unsigned vtype_to_dt(enum vtype vt);

#include "vnode_if.h"

#endif /* _SYS_VFS_VNODE_H_ */
