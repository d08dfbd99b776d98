/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_dinode.h: the on-disk format of the ext2 file system family
 * (ext2, ext3, ext4), as far as this implementation reads or writes it.
 *
 * Written from the published format description (the kernel.org "ext4
 * Data Structures and Algorithms" document and the e2fsprogs manual
 * pages).  Every multi-byte field is little-endian on disk: code reads
 * and writes them only through e2_le16()/e2_le32() and the accessors in
 * ext2fs_impl.h.  The structures are packed images of disk bytes and are
 * only ever used through pointers into block buffers or raw copies.
 *
 * Used by every file of sys/fs/ext2fs.
 */
#ifndef _FS_EXT2FS_EXT2FS_DINODE_H_
#define _FS_EXT2FS_EXT2FS_DINODE_H_

#include "kern/kern.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define e2_le16(x) ((uint16_t)(x))
#define e2_le32(x) ((uint32_t)(x))
#define e2_le64(x) ((uint64_t)(x))
#else
#define e2_le16(x) __builtin_bswap16((uint16_t)(x))
#define e2_le32(x) __builtin_bswap32((uint32_t)(x))
#define e2_le64(x) __builtin_bswap64((uint64_t)(x))
#endif

#define EXT2_SUPER_OFFSET 1024   /* bytes from the start of the device */
#define EXT2_SUPER_SIZE   1024
#define EXT2_MAGIC        0xEF53

/* s_state */
#define EXT2_STATE_VALID  0x0001 /* cleanly unmounted */
#define EXT2_STATE_ERROR  0x0002 /* errors detected */
#define EXT2_STATE_ORPHAN 0x0004 /* orphans being recovered */

/* s_rev_level */
#define EXT2_REV_GOOD_OLD 0
#define EXT2_REV_DYNAMIC  1
#define EXT2_GOOD_OLD_FIRST_INO   11
#define EXT2_GOOD_OLD_INODE_SIZE  128

/* s_feature_compat: nothing to do for any of them */
#define EXT2_FC_DIR_PREALLOC  0x0001
#define EXT2_FC_IMAGIC_INODES 0x0002
#define EXT2_FC_HAS_JOURNAL   0x0004
#define EXT2_FC_EXT_ATTR      0x0008
#define EXT2_FC_RESIZE_INODE  0x0010
#define EXT2_FC_DIR_INDEX     0x0020
#define EXT2_FC_SPARSE_SUPER2 0x0200

/* s_feature_ro_compat: unknown ones force a read-only mount */
#define EXT2_FRO_SPARSE_SUPER  0x0001
#define EXT2_FRO_LARGE_FILE    0x0002
#define EXT2_FRO_BTREE_DIR     0x0004
#define EXT2_FRO_HUGE_FILE     0x0008
#define EXT2_FRO_GDT_CSUM      0x0010
#define EXT2_FRO_DIR_NLINK     0x0020
#define EXT2_FRO_EXTRA_ISIZE   0x0040
#define EXT2_FRO_HAS_SNAPSHOT  0x0080
#define EXT2_FRO_QUOTA         0x0100
#define EXT2_FRO_BIGALLOC      0x0200
#define EXT2_FRO_METADATA_CSUM 0x0400
#define EXT2_FRO_REPLICA       0x0800
#define EXT2_FRO_READONLY      0x1000
#define EXT2_FRO_PROJECT       0x2000
#define EXT2_FRO_VERITY        0x8000
#define EXT2_FRO_ORPHAN_PRESENT 0x10000

/* s_feature_incompat: unknown ones refuse the mount */
#define EXT2_FI_COMPRESSION 0x0001
#define EXT2_FI_FILETYPE    0x0002
#define EXT2_FI_RECOVER     0x0004
#define EXT2_FI_JOURNAL_DEV 0x0008
#define EXT2_FI_META_BG     0x0010
#define EXT2_FI_EXTENTS     0x0040
#define EXT2_FI_64BIT       0x0080
#define EXT2_FI_MMP         0x0100
#define EXT2_FI_FLEX_BG     0x0200
#define EXT2_FI_EA_INODE    0x0400
#define EXT2_FI_DIRDATA     0x1000
#define EXT2_FI_CSUM_SEED   0x2000
#define EXT2_FI_LARGEDIR    0x4000
#define EXT2_FI_INLINE_DATA 0x8000
#define EXT2_FI_ENCRYPT     0x10000
#define EXT2_FI_CASEFOLD    0x20000

/* The superblock (1024 bytes at byte 1024 of the device). */
struct ext2_super {
	uint32_t s_inodes_count;          /* 0x00 */
	uint32_t s_blocks_count;          /* 0x04 */
	uint32_t s_r_blocks_count;        /* 0x08 */
	uint32_t s_free_blocks_count;     /* 0x0C */
	uint32_t s_free_inodes_count;     /* 0x10 */
	uint32_t s_first_data_block;      /* 0x14 */
	uint32_t s_log_block_size;        /* 0x18 */
	uint32_t s_log_cluster_size;      /* 0x1C */
	uint32_t s_blocks_per_group;      /* 0x20 */
	uint32_t s_clusters_per_group;    /* 0x24 */
	uint32_t s_inodes_per_group;      /* 0x28 */
	uint32_t s_mtime;                 /* 0x2C */
	uint32_t s_wtime;                 /* 0x30 */
	uint16_t s_mnt_count;             /* 0x34 */
	int16_t  s_max_mnt_count;         /* 0x36 */
	uint16_t s_magic;                 /* 0x38 */
	uint16_t s_state;                 /* 0x3A */
	uint16_t s_errors;                /* 0x3C */
	uint16_t s_minor_rev_level;       /* 0x3E */
	uint32_t s_lastcheck;             /* 0x40 */
	uint32_t s_checkinterval;         /* 0x44 */
	uint32_t s_creator_os;            /* 0x48 */
	uint32_t s_rev_level;             /* 0x4C */
	uint16_t s_def_resuid;            /* 0x50 */
	uint16_t s_def_resgid;            /* 0x52 */
	uint32_t s_first_ino;             /* 0x54 */
	uint16_t s_inode_size;            /* 0x58 */
	uint16_t s_block_group_nr;        /* 0x5A */
	uint32_t s_feature_compat;        /* 0x5C */
	uint32_t s_feature_incompat;      /* 0x60 */
	uint32_t s_feature_ro_compat;     /* 0x64 */
	uint8_t  s_uuid[16];              /* 0x68 */
	char     s_volume_name[16];       /* 0x78 */
	char     s_last_mounted[64];      /* 0x88 */
	uint32_t s_algorithm_usage_bitmap; /* 0xC8 */
	uint8_t  s_prealloc_blocks;       /* 0xCC */
	uint8_t  s_prealloc_dir_blocks;   /* 0xCD */
	uint16_t s_reserved_gdt_blocks;   /* 0xCE */
	uint8_t  s_journal_uuid[16];      /* 0xD0 */
	uint32_t s_journal_inum;          /* 0xE0 */
	uint32_t s_journal_dev;           /* 0xE4 */
	uint32_t s_last_orphan;           /* 0xE8 */
	uint32_t s_hash_seed[4];          /* 0xEC */
	uint8_t  s_def_hash_version;      /* 0xFC */
	uint8_t  s_jnl_backup_type;       /* 0xFD */
	uint16_t s_desc_size;             /* 0xFE */
	uint32_t s_default_mount_opts;    /* 0x100 */
	uint32_t s_first_meta_bg;         /* 0x104 */
	uint32_t s_mkfs_time;             /* 0x108 */
	uint32_t s_jnl_blocks[17];        /* 0x10C */
	uint32_t s_blocks_count_hi;       /* 0x150 */
	uint32_t s_r_blocks_count_hi;     /* 0x154 */
	uint32_t s_free_blocks_count_hi;  /* 0x158 */
	uint16_t s_min_extra_isize;       /* 0x15C */
	uint16_t s_want_extra_isize;      /* 0x15E */
	uint32_t s_flags;                 /* 0x160 */
	uint16_t s_raid_stride;           /* 0x164 */
	uint16_t s_mmp_interval;          /* 0x166 */
	uint64_t s_mmp_block;             /* 0x168 */
	uint32_t s_raid_stripe_width;     /* 0x170 */
	uint8_t  s_log_groups_per_flex;   /* 0x174 */
	uint8_t  s_checksum_type;         /* 0x175 */
	uint16_t s_reserved_pad;          /* 0x176 */
	uint64_t s_kbytes_written;        /* 0x178 */
	uint8_t  s_pad1[0x270 - 0x180];   /* snapshots, error records, ... */
	uint32_t s_checksum_seed;         /* 0x270 */
	uint8_t  s_pad2[0x3FC - 0x274];
	uint32_t s_checksum;              /* 0x3FC */
};
CTASSERT(sizeof(struct ext2_super) == 1024);
CTASSERT(offsetof(struct ext2_super, s_checksum_seed) == 0x270);
CTASSERT(offsetof(struct ext2_super, s_kbytes_written) == 0x178);

/* A block group descriptor: 32 bytes, 64 (s_desc_size) with 64bit. */
struct ext2_gd {
	uint32_t bg_block_bitmap;         /* 0x00 */
	uint32_t bg_inode_bitmap;         /* 0x04 */
	uint32_t bg_inode_table;          /* 0x08 */
	uint16_t bg_free_blocks_count;    /* 0x0C */
	uint16_t bg_free_inodes_count;    /* 0x0E */
	uint16_t bg_used_dirs_count;      /* 0x10 */
	uint16_t bg_flags;                /* 0x12 */
	uint32_t bg_exclude_bitmap;       /* 0x14 */
	uint16_t bg_block_bitmap_csum;    /* 0x18 */
	uint16_t bg_inode_bitmap_csum;    /* 0x1A */
	uint16_t bg_itable_unused;        /* 0x1C */
	uint16_t bg_checksum;             /* 0x1E */
	/* 64bit only */
	uint32_t bg_block_bitmap_hi;      /* 0x20 */
	uint32_t bg_inode_bitmap_hi;      /* 0x24 */
	uint32_t bg_inode_table_hi;       /* 0x28 */
	uint16_t bg_free_blocks_count_hi; /* 0x2C */
	uint16_t bg_free_inodes_count_hi; /* 0x2E */
	uint16_t bg_used_dirs_count_hi;   /* 0x30 */
	uint16_t bg_itable_unused_hi;     /* 0x32 */
	uint32_t bg_exclude_bitmap_hi;    /* 0x34 */
	uint16_t bg_block_bitmap_csum_hi; /* 0x38 */
	uint16_t bg_inode_bitmap_csum_hi; /* 0x3A */
	uint32_t bg_reserved;             /* 0x3C */
};
CTASSERT(sizeof(struct ext2_gd) == 64);
#define EXT2_GD_SIZE      32
#define EXT2_GD_SIZE_64   64

/* bg_flags */
#define EXT2_BG_INODE_UNINIT 0x0001
#define EXT2_BG_BLOCK_UNINIT 0x0002
#define EXT2_BG_ITABLE_ZEROED 0x0004

/* Reserved inode numbers. */
#define EXT2_BAD_INO      1
#define EXT2_ROOT_INO     2
#define EXT2_RESIZE_INO   7
#define EXT2_JOURNAL_INO  8

/* The inode: 128 bytes, followed by i_extra_isize more in larger ones. */
#define EXT2_NDADDR 12                /* direct blocks */
#define EXT2_IND    12                /* i_block index of the indirect */
#define EXT2_DIND   13
#define EXT2_TIND   14
#define EXT2_NBLOCKS 15
struct ext2_dinode {
	uint16_t i_mode;                  /* 0x00 */
	uint16_t i_uid;                   /* 0x02 */
	uint32_t i_size;                  /* 0x04 */
	uint32_t i_atime;                 /* 0x08 */
	uint32_t i_ctime;                 /* 0x0C */
	uint32_t i_mtime;                 /* 0x10 */
	uint32_t i_dtime;                 /* 0x14 */
	uint16_t i_gid;                   /* 0x18 */
	uint16_t i_links_count;           /* 0x1A */
	uint32_t i_blocks;                /* 0x1C */
	uint32_t i_flags;                 /* 0x20 */
	uint32_t i_version;               /* 0x24 */
	uint32_t i_block[EXT2_NBLOCKS];   /* 0x28 */
	uint32_t i_generation;            /* 0x64 */
	uint32_t i_file_acl;              /* 0x68 */
	uint32_t i_size_high;             /* 0x6C */
	uint32_t i_faddr;                 /* 0x70 */
	uint16_t i_blocks_high;           /* 0x74 */
	uint16_t i_file_acl_high;         /* 0x76 */
	uint16_t i_uid_high;              /* 0x78 */
	uint16_t i_gid_high;              /* 0x7A */
	uint16_t i_checksum_lo;           /* 0x7C */
	uint16_t i_reserved;              /* 0x7E */
	/* large inodes */
	uint16_t i_extra_isize;           /* 0x80 */
	uint16_t i_checksum_hi;           /* 0x82 */
	uint32_t i_ctime_extra;           /* 0x84 */
	uint32_t i_mtime_extra;           /* 0x88 */
	uint32_t i_atime_extra;           /* 0x8C */
	uint32_t i_crtime;                /* 0x90 */
	uint32_t i_crtime_extra;          /* 0x94 */
	uint32_t i_version_hi;            /* 0x98 */
	uint32_t i_projid;                /* 0x9C */
};
CTASSERT(sizeof(struct ext2_dinode) == 160);
/* i_extra_isize we give new inodes: everything up to i_projid. */
#define EXT2_EXTRA_ISIZE 32

/* i_flags */
#define EXT2_SECRM_FL     0x00000001
#define EXT2_IMMUTABLE_FL 0x00000010
#define EXT2_APPEND_FL    0x00000020
#define EXT2_INDEX_FL     0x00001000  /* htree directory */
#define EXT2_HUGE_FILE_FL 0x00040000  /* i_blocks in file system blocks */
#define EXT2_EXTENTS_FL   0x00080000
#define EXT2_EA_INODE_FL  0x00200000
#define EXT2_INLINE_DATA_FL 0x10000000

/* i_mode file types */
#define EXT2_IFMT   0xF000
#define EXT2_IFSOCK 0xC000
#define EXT2_IFLNK  0xA000
#define EXT2_IFREG  0x8000
#define EXT2_IFBLK  0x6000
#define EXT2_IFDIR  0x4000
#define EXT2_IFCHR  0x2000
#define EXT2_IFIFO  0x1000

/* A symlink target shorter than this lives in i_block ("fast"). */
#define EXT2_FAST_SYMLINK_MAX 60

/* Directory entries (with the filetype feature: 8-bit name length). */
struct ext2_dirent {
	uint32_t d_ino;
	uint16_t d_reclen;
	uint8_t  d_namelen;
	uint8_t  d_type;
	char     d_name[];
} __attribute__((__packed__));
#define EXT2_DIRENT_HDR 8
#define EXT2_NAME_MAX   255
/* Record size of an entry with a name of n bytes. */
#define EXT2_DIRENT_SIZE(n) (((n) + EXT2_DIRENT_HDR + 3) & ~3u)

/* d_type */
#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG     1
#define EXT2_FT_DIR     2
#define EXT2_FT_CHR     3
#define EXT2_FT_BLK     4
#define EXT2_FT_FIFO    5
#define EXT2_FT_SOCK    6
#define EXT2_FT_SYMLINK 7
#define EXT2_FT_MAX     8
#define EXT2_FT_DIR_CSUM 0xDE         /* metadata_csum tail of a block */

/* Extents (ext4): a header, then index or leaf entries, 12 bytes each. */
#define EXT4_EXT_MAGIC 0xF30A
struct ext4_extent_header {
	uint16_t eh_magic;
	uint16_t eh_entries;
	uint16_t eh_max;
	uint16_t eh_depth;
	uint32_t eh_generation;
};
struct ext4_extent_idx {
	uint32_t ei_block;                /* first logical block covered */
	uint32_t ei_leaf_lo;
	uint16_t ei_leaf_hi;
	uint16_t ei_unused;
};
struct ext4_extent {
	uint32_t ee_block;                /* first logical block */
	uint16_t ee_len;                  /* > 32768: unwritten, len - 32768 */
	uint16_t ee_start_hi;
	uint32_t ee_start_lo;
};
#define EXT4_EXT_INIT_MAX_LEN 32768
#define EXT4_EXT_MAX_DEPTH    5

/* Extended attribute block header (what freeing an inode needs of it). */
#define EXT2_XATTR_MAGIC 0xEA020000
struct ext2_xattr_header {
	uint32_t h_magic;
	uint32_t h_refcount;
	uint32_t h_blocks;
	uint32_t h_hash;
	uint32_t h_checksum;
	uint32_t h_reserved[3];
};

#endif /* _FS_EXT2FS_EXT2FS_DINODE_H_ */
