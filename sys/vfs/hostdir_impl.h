/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostdir_impl.h: the host-directory file system behind etfs
 * RUMP_ETFS_DIR and RUMP_ETFS_DIR_SUBDIRS (vfs_hostdir.c), as vfs_etfs.c
 * uses it: etfs mounts itself over the key and hands root and vnode
 * loading of such registrations to these functions.
 */
#ifndef _SYS_VFS_HOSTDIR_IMPL_H_
#define _SYS_VFS_HOSTDIR_IMPL_H_

#include "kern/kern.h"

struct mount;
struct vnode;

/* What a mount of a host directory needs; owned by etfs, [I]. */
struct hostdir_mount {
	const char *hdm_root;              /* host path, no trailing '/' */
	bool hdm_subdirs;                  /* RUMP_ETFS_DIR_SUBDIRS */
	bool hdm_rdonly;                   /* the host directory is */
};

/* The root vnode, referenced and unlocked. */
int hostdir_root(struct mount *mp, const struct hostdir_mount *hdm,
    struct vnode **vpp);
/* VFS_LOADVNODE for hostdir keys. */
int hostdir_loadvnode(struct mount *mp, const struct hostdir_mount *hdm,
    struct vnode *vp, const void *key, size_t keylen);

#endif /* _SYS_VFS_HOSTDIR_IMPL_H_ */
