/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_impl.h: private declarations of the ext2 file system (ext2, and
 * ext3/ext4 images as far as docs/ext2fs.md says).
 *
 * A mount (struct ext2_mount) holds the opened block device, a copy of
 * the superblock and of every group descriptor, and the geometry derived
 * from them.  A file (struct ext2_node) holds a raw copy of its on-disk
 * inode; every change edits that copy and ext2_inode_write() puts it back
 * into the inode table block in the buffer cache.  All disk I/O goes
 * through the buffer cache (sys/vfs/buf.h) in units of the file system
 * block, except the superblock, always read and written as the 1024-byte
 * buffer at sector 2 (for 1 KiB blocks that is block 1 itself; for larger
 * blocks it lies inside block 0, which nothing else reads).
 *
 *	ext2fs_vfsops.c  mount (checks of the superblock and groups), unmount,
 *	                 sync, statfs, loadvnode, the component
 *	ext2fs_inode.c   inodes: read, write, attributes, times, free
 *	ext2fs_bmap.c    logical to physical blocks: indirect blocks and
 *	                 extents; allocation on write; truncation
 *	ext2fs_alloc.c   block and inode bitmaps, free counts
 *	ext2fs_dir.c     directory blocks: lookup, readdir, add, remove
 *	ext2fs_htree.c   lookups through dir_index (htree) indexes
 *	ext2fs_vnops.c   the vnode operations
 *	ext2fs_rename.c  rename
 *	ext2fs_extent.c  ioctl: where a file's bytes lie on the device
 *	ext2fs_csum.c    crc32c and crc16; metadata checksums (read side)
 *	ext2fs_journal.c replay of an ext3 journal that needs recovery
 *
 * Locking: [I] immutable after mount, [L] the vnode lock of the node's
 * vnode, [n] en_lock, [a] e2_alloclock (a sleepable rwlock, held as
 * writer: the free counts, the group descriptors, the bitmaps and the
 * in-memory superblock), [s] e2_synclock.
 * Lock order: vnode locks > e2_alloclock > buffer BUSY > en_lock.
 * A thread holds at most one busy buffer while it takes e2_alloclock
 * (the caller of an allocation holds none).
 */
#ifndef _FS_EXT2FS_EXT2FS_IMPL_H_
#define _FS_EXT2FS_EXT2FS_IMPL_H_

#include "kern/kern.h"
#include "kern/lock.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/buf.h"
#include "fs/ext2fs/ext2fs_dinode.h"

#define EXT2_LINK_MAX 65000
#define EXT2FS_MAGIC  0xEF53         /* statfs f_type, as Linux */

struct ext2_mount {
	struct mount *e2_mount;           /* [I] */
	struct vnode *e2_devvp;           /* [I] referenced, opened */
	int e2_fflags;                    /* [I] FREAD, | FWRITE if rw */
	bool e2_ronly;                    /* [a] mounted read-only */
	bool e2_canwrite;                 /* [I] features allow writing */

	/* geometry, from the superblock */
	uint32_t e2_bsize;                /* [I] block size in bytes */
	uint32_t e2_bshift;               /* [I] log2(e2_bsize) */
	uint32_t e2_fsbtodb;              /* [I] shift: blocks to sectors */
	uint64_t e2_nblocks;              /* [I] blocks in the file system */
	uint32_t e2_first_dblock;         /* [I] s_first_data_block */
	uint32_t e2_bpg;                  /* [I] blocks per group */
	uint32_t e2_ipg;                  /* [I] inodes per group */
	uint32_t e2_ngroups;              /* [I] */
	uint32_t e2_ninodes;              /* [I] */
	uint32_t e2_isize;                /* [I] on-disk inode size */
	uint32_t e2_ipb;                  /* [I] inodes per block */
	uint32_t e2_itblocks;             /* [I] inode table blocks per group */
	uint32_t e2_first_ino;            /* [I] first non-reserved inode */
	uint32_t e2_apb;                  /* [I] block numbers per block */
	uint32_t e2_descsize;             /* [I] group descriptor size */
	uint32_t e2_gdblocks;             /* [I] blocks of descriptors */
	uint32_t e2_compat, e2_incompat, e2_rocompat; /* [I] features */
	bool e2_csum;                     /* [I] metadata_csum */
	uint32_t e2_csum_seed;            /* [I] crc32c of the uuid */
	uint64_t e2_maxfilesize;          /* [I] */

	/* state */
	krwlock_t e2_alloclock;
	struct ext2_super e2_sb;          /* [a] in-memory superblock */
	uint8_t *e2_gd;                   /* [a] every descriptor, raw */
	uint8_t *e2_gddirty;              /* [a] per descriptor block */
	uint32_t e2_lastgroup;            /* [a] allocation hint for inodes */
	bool e2_sbdirty;                  /* [a] */
	bool e2_errors;                   /* [a] corruption seen */
	krwlock_t e2_synclock;            /* serialises sync (as writer) */
};

/* Flags of en_flags */
#define EN_ATIME 0x01                     /* atime changed, not written */

struct ext2_node {
	uint32_t en_ino;                  /* [I] the vcache key */
	struct ext2_mount *en_fs;         /* [I] */
	struct vnode *en_vnode;           /* [I] */
	kmutex_t en_lock;
	int en_flags;                     /* [n] EN_* */
	uint32_t en_lastblk;              /* [L] allocation hint */
	uint64_t en_lastread;             /* [n] read-ahead: next lbn */
	uint64_t en_mapgen;               /* [a] +1 before blocks are freed
					     (ext2fs_extent.c) [L] excl. */
	/* the last indirect block of the leaf level looked at, copied:
	   sequential reads map its apb blocks without the buffer cache */
	uint64_t en_mc_lbn0;              /* [n] first lbn it maps, or ~0 */
	uint32_t *en_mc;                  /* [n] its block numbers, or NULL */
	uint8_t en_raw[];                 /* [L] the on-disk inode (atime [n]) */
};

static inline struct ext2_mount *
VFS_TO_EXT2(struct mount *mp)
{
	return mp->mnt_data;
}

static inline struct ext2_node *
VTOE(struct vnode *vp)
{
	return vp->v_data;
}

static inline struct ext2_dinode *
EDI(struct ext2_node *en)
{
	return (struct ext2_dinode *)(void *)en->en_raw;
}

/* Convert file system blocks to buffer cache (sector) block numbers. */
static inline daddr_t
ext2_fsbtodb(const struct ext2_mount *fs, uint64_t b)
{
	return (daddr_t)(b << fs->e2_fsbtodb);
}

/* Group descriptor accessors (ext2fs_vfsops.c). */
struct ext2_gd *ext2_gd(struct ext2_mount *fs, uint32_t g);
uint64_t ext2_gd_block_bitmap(struct ext2_mount *fs, uint32_t g);
uint64_t ext2_gd_inode_bitmap(struct ext2_mount *fs, uint32_t g);
uint64_t ext2_gd_inode_table(struct ext2_mount *fs, uint32_t g);
uint32_t ext2_gd_free_blocks(struct ext2_mount *fs, uint32_t g);
uint32_t ext2_gd_free_inodes(struct ext2_mount *fs, uint32_t g);
uint32_t ext2_gd_used_dirs(struct ext2_mount *fs, uint32_t g);
void ext2_gd_set_counts(struct ext2_mount *fs, uint32_t g, uint32_t fblocks,
    uint32_t finodes, uint32_t dirs);
uint64_t ext2_sb_free_blocks(struct ext2_mount *fs);
void ext2_sb_set_free_blocks(struct ext2_mount *fs, uint64_t n);
/* Blocks in group g (the last one may be short). */
uint32_t ext2_group_nblocks(struct ext2_mount *fs, uint32_t g);

/* Report corruption on the console and answer EUCLEAN. */
int ext2_corrupt(struct ext2_mount *fs, const char *fmt, ...)
    __printflike(2, 3);
/* Is b a block number that may hold file data or metadata? */
bool ext2_blk_valid(struct ext2_mount *fs, uint64_t b);

/* ext2fs_vfsops.c */
extern struct vfsops ext2fs_vfsops;
int ext2_sync_fs(struct ext2_mount *fs, bool wait);

/* ext2fs_inode.c */
int ext2_vnode_get(struct mount *mp, uint32_t ino, struct vnode **vpp);
int ext2_inode_read(struct ext2_mount *fs, uint32_t ino, uint8_t *raw);
int ext2_inode_write(struct ext2_node *en);
int ext2_inode_check(struct ext2_mount *fs, uint32_t ino,
    const struct ext2_dinode *di);
uint16_t ext2_mode(struct ext2_node *en);
uint64_t ext2_size(struct ext2_node *en);
void ext2_set_size(struct ext2_node *en, uint64_t size);
uint32_t ext2_uid(struct ext2_node *en);
uint32_t ext2_gid(struct ext2_node *en);
void ext2_set_owner(struct ext2_node *en, uint32_t uid, uint32_t gid);
uint64_t ext2_nblocks512(struct ext2_node *en);
void ext2_add_blocks(struct ext2_node *en, int64_t fsblocks);
uint16_t ext2_nlink(struct ext2_node *en);
void ext2_set_nlink(struct ext2_node *en, uint16_t n);
uint64_t ext2_file_acl(struct ext2_node *en);
#define EXT2_UPD_ATIME 0x01
#define EXT2_UPD_MTIME 0x02
#define EXT2_UPD_CTIME 0x04
void ext2_update(struct ext2_node *en, int which);
void ext2_gettime(struct ext2_node *en, int which, struct rump_timespec *ts);
void ext2_settime(struct ext2_node *en, int which,
    const struct rump_timespec *ts);
dev_t ext2_rdev(struct ext2_node *en);
void ext2_set_rdev(struct ext2_node *en, dev_t rdev);
enum vtype ext2_vtype(uint16_t mode);
bool ext2_is_fast_symlink(struct ext2_node *en);
int ext2_inode_free(struct ext2_node *en);

/* ext2fs_vnops.c */
bool ext2_rofs(struct vnode *vp);
bool ext2_noatime(struct vnode *vp);

/* ext2fs_extent.c */
int ext2_ioctl(struct vnode *vp, unsigned long cmd, void *data, int fflags,
    kauth_cred_t cred);

/* ext2fs_bmap.c */
/* Physical block of logical block lbn; *physp 0 for a hole.  0 or errno. */
int ext2_bmap(struct ext2_node *en, uint64_t lbn, uint64_t *physp,
    uint32_t *runp);
/* Same, allocating a (zeroed when *newp) block; [L] exclusive. */
int ext2_bmap_alloc(struct ext2_node *en, uint64_t lbn, uint64_t *physp,
    bool *newp);
int ext2_truncate(struct ext2_node *en, uint64_t size);
int ext2_blkread(struct ext2_node *en, uint64_t lbn, struct buf **bpp);
void ext2_bmap_forget(struct ext2_node *en);
uint64_t ext2_maxfilesize(struct ext2_mount *fs);

/* ext2fs_alloc.c */
int ext2_blkalloc(struct ext2_mount *fs, uint64_t goal, uint64_t *blkp);
int ext2_blkfree(struct ext2_mount *fs, uint64_t blk);
int ext2_ialloc(struct ext2_mount *fs, uint32_t dirino, bool isdir,
    uint32_t *inop);
int ext2_ifree(struct ext2_mount *fs, uint32_t ino, bool isdir);

/* ext2fs_dir.c */
struct ext2_dirloc {
	uint64_t dl_off;                  /* byte offset of the entry */
	uint64_t dl_prevoff;              /* previous entry in its block,
					     or UINT64_MAX for the first */
	uint32_t dl_ino;
	uint8_t dl_type;
};
int ext2_dir_lookup(struct ext2_node *dn, const char *name, size_t namelen,
    struct ext2_dirloc *dlp);
int ext2_dir_lookup_block(struct ext2_node *dn, uint64_t lbn,
    const char *name, size_t namelen, struct ext2_dirloc *dlp);
int ext2_dir_lookup_index(struct ext2_node *dn, const char *name,
    size_t namelen, struct ext2_dirloc *dlp);
int ext2_dir_add(struct ext2_node *dn, const char *name, size_t namelen,
    uint32_t ino, uint8_t type);
int ext2_dir_remove(struct ext2_node *dn, const struct ext2_dirloc *dl);
int ext2_dir_setino(struct ext2_node *dn, const struct ext2_dirloc *dl,
    uint32_t ino, uint8_t type);
int ext2_dir_isempty(struct ext2_node *dn, bool *emptyp);
int ext2_dir_init(struct ext2_node *dn, uint32_t parent);
int ext2_dir_readdir(struct ext2_node *dn, struct uio *uio, int *eofflag);
int ext2_dir_set_dotdot(struct ext2_node *dn, uint32_t parent);
uint8_t ext2_ftype(struct ext2_mount *fs, uint16_t mode);
void ext2_dir_modified(struct ext2_node *dn);

/* ext2fs_htree.c: EAGAIN means "search linearly" */
int ext2_htree_lookup(struct ext2_node *dn, const char *name, size_t namelen,
    struct ext2_dirloc *dlp);

/* ext2fs_vnops.c */
extern const struct vnodeops ext2fs_vnodeops;
int ext2_can_delete(struct ext2_node *dn, struct ext2_node *en,
    kauth_cred_t cred);

/* ext2fs_rename.c */
int ext2_rename(struct vnode *fdvp, struct vnode *fvp,
    struct componentname *fcnp, struct vnode *tdvp, struct vnode *tvp,
    struct componentname *tcnp, unsigned int flags);

/* ext2fs_journal.c */
int ext2_journal_replay(struct ext2_mount *fs);

/* ext2fs_csum.c */
uint32_t ext2_crc32c(uint32_t crc, const void *buf, size_t len);
uint16_t ext2_crc16(uint16_t crc, const void *buf, size_t len);
int ext2_sb_csum_verify(struct ext2_mount *fs, const struct ext2_super *sb);
int ext2_gd_csum_verify(struct ext2_mount *fs, uint32_t g);
int ext2_inode_csum_verify(struct ext2_mount *fs, uint32_t ino,
    const uint8_t *raw);
bool ext2_extent_csum_ok(struct ext2_mount *fs, struct ext2_node *en,
    const void *block);

#endif /* _FS_EXT2FS_EXT2FS_IMPL_H_ */
