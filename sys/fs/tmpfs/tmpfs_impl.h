/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_impl.h: private declarations of tmpfs, the memory file system.
 *
 * tmpfs keeps every file in kernel memory.  A mount (struct tmpfs_mount)
 * owns a list of nodes (struct tmpfs_node), one per file, whatever its
 * type.  Nodes live as long as they are linked from a directory or have a
 * vnode; the vnode cache keys vnodes by the node's address (tn_self), and
 * VFS_LOADVNODE attaches a fresh vnode to an existing node.
 *
 *	tmpfs_vfsops.c  mount options, limits, statfs, root, loadvnode
 *	tmpfs_subr.c    node allocation and freeing, accounting, timestamps
 *	tmpfs_dir.c     directories: name hash, cookie-ordered entries, readdir
 *	tmpfs_mem.c     file data: a sparse radix tree of 4 KiB pages
 *	tmpfs_vnops.c   the vnode operations
 *	tmpfs_rename.c  rename in all its forms
 *
 * Locking: [I] immutable after creation, [m] tm_lock of the mount,
 * [n] tn_lock of the node, [L] the vnode lock of the node's vnode (or,
 * for a node without a vnode, nothing can reach it but a directory
 * operation holding the parent's vnode lock exclusively),
 * [D] the vnode lock of the directory holding the entry.
 * Lock order: vnode locks > tn_lock > tm_lock.
 */
#ifndef _FS_TMPFS_TMPFS_IMPL_H_
#define _FS_TMPFS_TMPFS_IMPL_H_

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"

struct tmpfs_node;

/* Most hard links a node may have (EMLINK beyond). */
#define TMPFS_LINK_MAX 32767
/* Symlink targets up to this length are stored inside the node. */
#define TMPFS_SYMLINK_INLINE 48
/* The largest file: page indexes must fit the radix tree (see tmpfs_mem.c). */
#define TMPFS_MAXFILESIZE ((off_t)1 << 50)

/*
 * A directory entry.  It is on two chains of its directory's hash tables
 * (by name and by cookie) and on the directory's list in cookie order.
 */
struct tmpfs_dirent {
	struct tmpfs_dirent *td_hnext;     /* [D] name hash chain */
	struct tmpfs_dirent *td_cnext;     /* [D] cookie hash chain */
	struct tmpfs_dirent *td_next;      /* [D] list, ascending cookies */
	struct tmpfs_dirent *td_prev;      /* [D] */
	struct tmpfs_node *td_node;        /* [D] the file it names */
	uint64_t td_cookie;                /* [I] readdir position, >= 2 */
	uint32_t td_hash;                  /* [I] hash of the name */
	uint16_t td_namelen;               /* [I] */
	char td_name[];                    /* [I] not NUL-terminated */
};

/* Cookies 0 and 1 are "." and ".."; entries get 2, 3, ... */
#define TMPFS_COOKIE_DOT     0
#define TMPFS_COOKIE_DOTDOT  1
#define TMPFS_COOKIE_FIRST   2
#define TMPFS_COOKIE_MAX     ((uint64_t)INT64_MAX)

/* The part of a node that is a directory.  All [D] of this directory. */
struct tmpfs_dir {
	struct tmpfs_dirent **tdr_ntab;    /* hash of names */
	struct tmpfs_dirent **tdr_ctab;    /* hash of cookies */
	size_t tdr_hsize;                  /* buckets of both, a power of 2 */
	size_t tdr_count;                  /* entries, without . and .. */
	struct tmpfs_dirent *tdr_first;    /* list in cookie order */
	struct tmpfs_dirent *tdr_last;
	uint64_t tdr_nextcookie;           /* next cookie to hand out */
	struct tmpfs_node *tdr_parent;     /* "..", NULL once removed */
};

/*
 * The data of a regular file: a radix tree of 4 KiB pages.  A level of the
 * tree is one page of TMPFS_RADIX pointers; height 0 means tr_root is the
 * data page of index 0 itself.  Missing pages are holes and read as zeros.
 */
#define TMPFS_RADIX_SHIFT 9
#define TMPFS_RADIX       (1 << TMPFS_RADIX_SHIFT)
struct tmpfs_radix {
	void *tr_root;                     /* [L] NULL: no pages at all */
	unsigned tr_height;                /* [L] levels above the pages */
	uint64_t tr_npages;                /* [L] data pages held */
};

extern pool_t tmpfs_node_pool;        /* [I] nodes (tmpfs_vfsops.c) */

struct tmpfs_node {
	kmutex_t tn_lock;                  /* kept across reuse (the pool) */
	/* Zeroed for each new node: everything from here on. */
	struct tmpfs_node *tn_self;        /* [I] this node: the vcache key */
	struct tmpfs_mount *tn_tmp;        /* [I] */
	enum vtype tn_type;                /* [I] */
	ino_t tn_id;                       /* [I] inode number */
	uint64_t tn_gen;                   /* [I] generation number */
	dev_t tn_rdev;                     /* [I] devices */

	struct vnode *tn_vnode;            /* [n] attached vnode, or NULL */
	struct rump_timespec tn_atime;     /* [n] */

	nlink_t tn_links;                  /* [L] */
	mode_t tn_mode;                    /* [L] permission bits, no S_IFMT */
	uid_t tn_uid;                      /* [L] */
	gid_t tn_gid;                      /* [L] */
	off_t tn_size;                     /* [L] */
	struct rump_timespec tn_mtime;     /* [L] */
	struct rump_timespec tn_ctime;     /* [L] */
	struct rump_timespec tn_birthtime; /* [I] */

	union {
		struct tmpfs_dir tn_dir;   /* VDIR */
		struct tmpfs_radix tn_reg; /* VREG */
		struct {                   /* VLNK */
			char *tl_target;   /* [I] tl_inline or allocated */
			char tl_inline[TMPFS_SYMLINK_INLINE];
		} tn_lnk;
	} tn_u;

	struct tmpfs_node *tn_next;        /* [m] mount's node list */
	struct tmpfs_node *tn_prev;        /* [m] */
};
#define tn_dir tn_u.tn_dir
#define tn_reg tn_u.tn_reg
#define tn_lnk tn_u.tn_lnk

struct tmpfs_mount {
	kmutex_t tm_lock;
	struct tmpfs_node *tm_nodes;       /* [m] every node of the mount */
	uint64_t tm_nodes_cnt;             /* [m] nodes allocated */
	uint64_t tm_nodes_max;             /* [m] nr_inodes, 0: unlimited */
	uint64_t tm_pages_used;            /* [m] data pages charged */
	uint64_t tm_pages_max;             /* [m] size in pages, 0: unlimited */
	ino_t tm_nextino;                  /* [m] next inode number */
	uint64_t tm_nextgen;               /* [m] next generation number */
	struct tmpfs_node *tm_root;        /* [I] */
	struct mount *tm_mount;            /* [I] */
};

static inline struct tmpfs_mount *
VFS_TO_TMPFS(struct mount *mp)
{
	return mp->mnt_data;
}

static inline struct tmpfs_node *
VP_TO_TMPFS_NODE(struct vnode *vp)
{
	return vp->v_data;
}

/* tmpfs_vfsops.c */
extern struct vfsops tmpfs_vfsops;

/* tmpfs_vnops.c */
extern const struct vnodeops tmpfs_vnodeops;
int tmpfs_vnode_get(struct mount *mp, struct tmpfs_node *node,
    struct vnode **vpp);

/* tmpfs_rename.c */
int tmpfs_rename(struct vnode *fdvp, struct vnode *fvp,
    struct componentname *fcnp, struct vnode *tdvp, struct vnode *tvp,
    struct componentname *tcnp, unsigned int flags);

/* tmpfs_subr.c */
int tmpfs_node_alloc(struct tmpfs_mount *tmp, enum vtype type, mode_t mode,
    uid_t uid, gid_t gid, dev_t rdev, struct tmpfs_node **nodep);
void tmpfs_node_free(struct tmpfs_node *node);
int tmpfs_pages_charge(struct tmpfs_mount *tmp, uint64_t npages);
void tmpfs_pages_uncharge(struct tmpfs_mount *tmp, uint64_t npages);
void tmpfs_now(struct rump_timespec *ts);
#define TMPFS_UPD_ATIME 0x01
#define TMPFS_UPD_MTIME 0x02
#define TMPFS_UPD_CTIME 0x04
void tmpfs_update(struct tmpfs_node *node, int which);
int tmpfs_can_delete(struct tmpfs_node *dnode, struct tmpfs_node *node,
    kauth_cred_t cred);

/* tmpfs_dir.c */
int tmpfs_dir_init(struct tmpfs_node *dnode, struct tmpfs_node *parent);
void tmpfs_dir_fini(struct tmpfs_node *dnode);
struct tmpfs_dirent *tmpfs_dir_lookup(struct tmpfs_node *dnode,
    const char *name, size_t namelen);
int tmpfs_dirent_alloc(const char *name, size_t namelen,
    struct tmpfs_dirent **dep);
void tmpfs_dirent_free(struct tmpfs_dirent *de);
void tmpfs_dir_attach(struct tmpfs_node *dnode, struct tmpfs_dirent *de,
    struct tmpfs_node *node);
void tmpfs_dir_detach(struct tmpfs_node *dnode, struct tmpfs_dirent *de);
int tmpfs_dir_readdir(struct tmpfs_node *dnode, struct uio *uio,
    int *eofflag);
off_t tmpfs_dir_size(struct tmpfs_node *dnode);

/* tmpfs_mem.c */
int tmpfs_mem_read(struct tmpfs_node *node, struct uio *uio);
int tmpfs_mem_write(struct tmpfs_node *node, struct uio *uio, int ioflag);
int tmpfs_mem_truncate(struct tmpfs_node *node, off_t length);
int tmpfs_mem_fallocate(struct tmpfs_node *node, int mode, off_t offset,
    off_t len);
int tmpfs_mem_seekhole(struct tmpfs_node *node, off_t offset, int whence,
    off_t *resultp);
void tmpfs_mem_free(struct tmpfs_node *node);

#endif /* _FS_TMPFS_TMPFS_IMPL_H_ */
