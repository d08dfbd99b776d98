/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_mount.h: the FUSE bridge's private declarations: the node table
 * (rump_mount_node.c) and the low-level operations (rump_mount_ops.c).
 *
 * A FUSE node id names a struct rmnode.  The rump kernel has no O_PATH,
 * so a node reaches its file this way:
 *  - a directory holds an open descriptor of the kernel (O_DIRECTORY), and
 *    every operation on it or on a name inside it is an *at() call on that
 *    descriptor: renames of directories above cost nothing;
 *  - any other file is reached by (parent directory node, name): the node
 *    keeps every name it was looked up or created under (hard links), and
 *    rename, unlink and link keep the lists current.
 * Nodes are found by inode number (one node per inode), so a hard link
 * looked up under a second name gets the same node id.
 *
 * Locking: [T] rmnode_lock, the table lock; [I] immutable once in the
 * table.  Kernel calls are never made with rmnode_lock held: a caller
 * copies what it needs (descriptor, name) and holds the node (n_refs) so
 * that the descriptor stays open until rmnode_rele().
 */
#ifndef _RUMP_MOUNT_H_
#define _RUMP_MOUNT_H_

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct rmnode;

/* One name of a node: a directory entry in parent. */
struct rmname {
	struct rmnode *nm_parent;          /* [T] held: n_refs */
	struct rmname *nm_next;            /* [T] */
	char nm_name[];                    /* [T] */
};

struct rmnode {
	uint64_t n_ino;                    /* [I] inode number */
	uint64_t n_gen;                    /* [I] generation for FUSE */
	mode_t n_type;                     /* [I] S_IFMT bits */
	int n_dirfd;                       /* [I] directories: kernel fd */
	uint64_t n_nlookup;                /* [T] FUSE's lookup count */
	unsigned n_refs;                   /* [T] holds: names of children,
					      operations in progress */
	struct rmname *n_names;            /* [T] non-directories */
	struct rmnode *n_hnext;            /* [T] inode hash chain */
};

/* Where to reach a node with an *at() call. */
struct rmat {
	int at_fd;                         /* directory descriptor */
	const char *at_name;               /* "" for a directory itself */
	int at_empty;                      /* AT_EMPTY_PATH is needed */
	struct rmnode *at_hold;            /* released by rmat_done() */
	char at_buf[NAME_MAX + 1];
};

extern double rm_timeout;                  /* entry and attribute cache */
extern unsigned rm_max_read;               /* -o max_read=, 0: none */
extern int64_t rm_spin_us;                 /* -o spin=: reader polls (µs) */

int rmnode_init(const char *root);
void rmnode_fini(void);
struct rmnode *rmnode_get(fuse_ino_t ino);
void rmnode_rele(struct rmnode *n);
int rmnode_lookup(struct rmnode *parent, const char *name,
    struct fuse_entry_param *e);
void rmnode_forget(struct rmnode *n, uint64_t nlookup);
int rmnode_at(struct rmnode *n, struct rmat *at);
void rmat_done(struct rmat *at);
void rmnode_unlinked(struct rmnode *parent, const char *name, uint64_t ino);
void rmnode_renamed(struct rmnode *oldp, const char *oldname,
    struct rmnode *newp, const char *newname, uint64_t ino,
    uint64_t tino, int exchange);
fuse_ino_t rmnode_id(struct rmnode *n);

/* Open handles, closed at shutdown if FUSE did not release them. */
int rmfh_add(int fd, void *dir);
void rmfh_del(int fd);
void rmfh_closeall(void);

extern const struct fuse_lowlevel_ops rm_ops;
/*
 * The bridge's read-only descriptor of the image (the file system at byte
 * base): reads spliced from it, long writes written behind (ops.c).
 */
void rm_image_setup(int imgfd, uint64_t base, bool splice, bool wbehind);

/*
 * The request loop (rump_mount_loop.c): 0 or an errno.  ready(arg) is
 * called once, when the connection is set up (INIT answered).
 */
int rm_loop(struct fuse_session *se, unsigned maxthreads,
    void (*ready)(void *), void *arg);

#endif /* _RUMP_MOUNT_H_ */
