/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_vfsops.c: the tmpfs file system type: mount, unmount, statfs and
 * the vnode cache's loader.
 *
 * The component registers "tmpfs" with the VFS at RUMP_COMPONENT_FS;
 * mount(2) then calls tmpfs_mount(), which parses the options
 *
 *	size=N[k|m|g] or size=P%   data pages (P percent of RUMP_MEMLIMIT)
 *	nr_inodes=N[k|m|g]         files
 *	mode=OOOO                  permissions of the root directory
 *	uid=N, gid=N               owner of the root directory
 *
 * (0 or absent: no limit beyond the kernel's memory limit) and sets up the
 * root directory.  A tmpfs may be the root file system: it never looks at
 * the covered vnode.  Unmount flushes the vnodes and frees every node.
 *
 * Called by the VFS (vfs_mount.c, vfs_vnode.c) through tmpfs_vfsops.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/component.h"
#include "fs/tmpfs/tmpfs_impl.h"

/* Inode number of the root directory; files follow. */
#define TMPFS_ROOTINO 2
/* Pages statfs reports free when there is no limit at all (1 TiB). */
#define TMPFS_NOLIMIT_PAGES ((uint64_t)1 << 28)
/* Inodes statfs reports free when nr_inodes is unlimited. */
#define TMPFS_NOLIMIT_NODES ((uint64_t)1 << 32)

struct tmpfs_args {
	uint64_t ta_size;                  /* bytes, 0: unlimited */
	uint64_t ta_nodes;                 /* 0: unlimited */
	mode_t ta_mode;
	uid_t ta_uid;
	gid_t ta_gid;
};

/* Parse the numeric value of name= in base (8 or 10).  0 or EINVAL. */
static int
tmpfs_opt_num(const char *options, const char *name, unsigned base,
    uint64_t max, uint64_t *valp)
{
	const char *val;
	size_t len, i;
	uint64_t v = 0;

	if (!vfs_getopt(options, name, &val, &len))
		return 0;
	if (val == NULL || len == 0)
		return EINVAL;
	for (i = 0; i < len; i++) {
		if (val[i] < '0' || val[i] >= '0' + (int)base)
			return EINVAL;
		v = v * base + (uint64_t)(val[i] - '0');
		if (v > max)
			return EINVAL;
	}
	*valp = v;
	return 0;
}

/* Reject options tmpfs does not know.  0 or EINVAL. */
static int
tmpfs_opt_check(const char *options)
{
	static const char *const known[] = {
		"size", "nr_inodes", "mode", "uid", "gid",
	};
	const char *p = options, *end;
	size_t len, i;

	while (p != NULL && *p != '\0') {
		for (end = p; *end != '\0' && *end != ','; end++)
			continue;
		for (len = 0; p + len < end && p[len] != '='; len++)
			continue;
		for (i = 0; i < nitems(known); i++) {
			if (strlen(known[i]) == len &&
			    strncmp(known[i], p, len) == 0)
				break;
		}
		if (len != 0 && i == nitems(known))
			return EINVAL;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static bool
tmpfs_opt_present(const char *options, const char *name)
{
	const char *val;
	size_t len;

	return vfs_getopt(options, name, &val, &len);
}

/* Parse the mount options into ta (which holds the defaults). */
static int
tmpfs_opt_parse(const char *options, struct tmpfs_args *ta)
{
	uint64_t v;
	int error;

	if (options == NULL)
		return 0;
	if ((error = tmpfs_opt_check(options)) != 0)
		return error;
	if (tmpfs_opt_present(options, "size") &&
	    (error = vfs_getopt_size(options, "size", &ta->ta_size)) != 0)
		return error;
	if (tmpfs_opt_present(options, "nr_inodes") &&
	    (error = vfs_getopt_size(options, "nr_inodes", &ta->ta_nodes)) != 0)
		return error;
	v = ta->ta_mode;
	if ((error = tmpfs_opt_num(options, "mode", 8, 07777, &v)) != 0)
		return error;
	ta->ta_mode = (mode_t)v;
	v = ta->ta_uid;
	if ((error = tmpfs_opt_num(options, "uid", 10, UINT32_MAX, &v)) != 0)
		return error;
	ta->ta_uid = (uid_t)v;
	v = ta->ta_gid;
	if ((error = tmpfs_opt_num(options, "gid", 10, UINT32_MAX, &v)) != 0)
		return error;
	ta->ta_gid = (gid_t)v;
	return 0;
}

/* Free every node of the mount (unmount, or a failed mount). */
static void
tmpfs_free_all(struct tmpfs_mount *tmp)
{
	while (tmp->tm_nodes != NULL)
		tmpfs_node_free(tmp->tm_nodes);
	KASSERT(tmp->tm_nodes_cnt == 0);
	KASSERT(tmp->tm_pages_used == 0);
	mutex_destroy(&tmp->tm_lock);
	kmem_free(tmp, sizeof(*tmp));
}

static int
tmpfs_mount(struct mount *mp, const char *source, const char *options,
    kauth_cred_t cred)
{
	struct tmpfs_args ta = {
		.ta_mode = 01777, .ta_uid = cred->cr_euid,
		.ta_gid = cred->cr_egid,
	};
	struct tmpfs_mount *tmp;
	struct tmpfs_node *root;
	int error;

	error = tmpfs_opt_parse(options, &ta);
	if (error != 0)
		return error;
	if (ta.ta_size != 0 && ta.ta_size < PAGE_SIZE)
		ta.ta_size = PAGE_SIZE;

	tmp = kmem_zalloc(sizeof(*tmp), KM_SLEEP);
	mutex_init(&tmp->tm_lock, MUTEX_DEFAULT, "tmpfsmnt");
	tmp->tm_pages_max = howmany(ta.ta_size, PAGE_SIZE);
	tmp->tm_nodes_max = ta.ta_nodes;
	tmp->tm_nextino = TMPFS_ROOTINO;
	tmp->tm_nextgen = cprng_fast32();
	tmp->tm_mount = mp;

	error = tmpfs_node_alloc(tmp, VDIR, ta.ta_mode, ta.ta_uid, ta.ta_gid,
	    NODEV, &root);
	if (error != 0) {
		tmpfs_free_all(tmp);
		return error;
	}
	root->tn_dir.tdr_parent = root;
	root->tn_links = 2;
	tmp->tm_root = root;

	mp->mnt_data = tmp;
	mp->mnt_iosize = PAGE_SIZE;
	return 0;
}

static int
tmpfs_unmount(struct mount *mp, int mntflags)
{
	struct tmpfs_mount *tmp = VFS_TO_TMPFS(mp);
	int error;

	error = vflush(mp, NULL, mntflags);
	if (error != 0)
		return error;
	mp->mnt_data = NULL;
	tmpfs_free_all(tmp);
	return 0;
}

static int
tmpfs_root(struct mount *mp, struct vnode **vpp)
{
	return tmpfs_vnode_get(mp, VFS_TO_TMPFS(mp)->tm_root, vpp);
}

static int
tmpfs_statfs(struct mount *mp, struct rump_statfs *sbp)
{
	struct tmpfs_mount *tmp = VFS_TO_TMPFS(mp);
	uint64_t limit = kmem_limit(), inuse = kmem_inuse(), avail;

	memset(sbp, 0, sizeof(*sbp));
	if (limit != 0)
		avail = limit > inuse ? (limit - inuse) / PAGE_SIZE : 0;
	else
		avail = TMPFS_NOLIMIT_PAGES;

	mutex_enter(&tmp->tm_lock);
	if (tmp->tm_pages_max != 0) {
		sbp->f_blocks = tmp->tm_pages_max;
		avail = MIN(avail, tmp->tm_pages_max - tmp->tm_pages_used);
	} else {
		sbp->f_blocks = tmp->tm_pages_used + avail;
	}
	sbp->f_bfree = sbp->f_bavail = avail;
	if (tmp->tm_nodes_max != 0) {
		sbp->f_files = tmp->tm_nodes_max;
		sbp->f_ffree = tmp->tm_nodes_max - tmp->tm_nodes_cnt;
	} else {
		sbp->f_files = tmp->tm_nodes_cnt + TMPFS_NOLIMIT_NODES;
		sbp->f_ffree = TMPFS_NOLIMIT_NODES;
	}
	mutex_exit(&tmp->tm_lock);

	sbp->f_type = TMPFS_MAGIC;
	sbp->f_bsize = PAGE_SIZE;
	sbp->f_frsize = PAGE_SIZE;
	sbp->f_namelen = NAME_MAX;
	sbp->f_fsid[0] = (int32_t)mp->mnt_dev;
	sbp->f_fsid[1] = (int32_t)(mp->mnt_dev >> 32);
	sbp->f_flags = mp->mnt_flag;
	return 0;
}

static int
tmpfs_sync(struct mount *mp, int waitfor, kauth_cred_t cred)
{
	return 0;
}

/*
 * Attach the new vnode vp to the node the key names (its address, see
 * tmpfs_vnode_get()).  The node is alive: the caller found it in a
 * directory it holds locked, or created it, or it is the root.
 */
static int
tmpfs_loadvnode(struct mount *mp, struct vnode *vp, const void *key,
    size_t keylen)
{
	struct tmpfs_node *node;

	KASSERT(keylen == sizeof(node));
	memcpy(&node, key, sizeof(node));
	KASSERT(node->tn_tmp == VFS_TO_TMPFS(mp));

	mutex_enter(&node->tn_lock);
	KASSERT(node->tn_vnode == NULL);
	node->tn_vnode = vp;
	mutex_exit(&node->tn_lock);

	vp->v_type = node->tn_type;
	vp->v_op = &tmpfs_vnodeops;
	vp->v_data = node;
	vp->v_size = node->tn_type == VDIR ? tmpfs_dir_size(node) :
	    node->tn_size;
	return 0;
}

/* Change the limits of a mounted tmpfs; they may not go below what is used. */
static int
tmpfs_remount(struct mount *mp, int newflags, const char *options)
{
	struct tmpfs_mount *tmp = VFS_TO_TMPFS(mp);
	struct tmpfs_args ta;
	uint64_t pages;
	int error;

	mutex_enter(&tmp->tm_lock);
	ta.ta_size = tmp->tm_pages_max * PAGE_SIZE;
	ta.ta_nodes = tmp->tm_nodes_max;
	mutex_exit(&tmp->tm_lock);
	ta.ta_mode = tmp->tm_root->tn_mode;
	ta.ta_uid = tmp->tm_root->tn_uid;
	ta.ta_gid = tmp->tm_root->tn_gid;
	error = tmpfs_opt_parse(options, &ta);
	if (error != 0)
		return error;
	pages = howmany(ta.ta_size, PAGE_SIZE);

	mutex_enter(&tmp->tm_lock);
	if ((pages != 0 && pages < tmp->tm_pages_used) ||
	    (ta.ta_nodes != 0 && ta.ta_nodes < tmp->tm_nodes_cnt)) {
		mutex_exit(&tmp->tm_lock);
		return EBUSY;
	}
	tmp->tm_pages_max = pages;
	tmp->tm_nodes_max = ta.ta_nodes;
	mutex_exit(&tmp->tm_lock);
	return 0;
}

struct vfsops tmpfs_vfsops = {
	.vfs_name = "tmpfs",
	.vfs_mount = tmpfs_mount,
	.vfs_unmount = tmpfs_unmount,
	.vfs_root = tmpfs_root,
	.vfs_statfs = tmpfs_statfs,
	.vfs_sync = tmpfs_sync,
	.vfs_loadvnode = tmpfs_loadvnode,
	.vfs_remount = tmpfs_remount,
};

/* A node's lock is a host object: kept constructed while it is cached. */
static void
tmpfs_node_ctor(void *obj)
{
	struct tmpfs_node *node = obj;

	mutex_init(&node->tn_lock, MUTEX_DEFAULT, "tmpfsnode");
}

static void
tmpfs_node_dtor(void *obj)
{
	struct tmpfs_node *node = obj;

	mutex_destroy(&node->tn_lock);
}

pool_t tmpfs_node_pool;

RUMP_COMPONENT(RUMP_COMPONENT_FS)
{
	tmpfs_node_pool = pool_create_ctor(sizeof(struct tmpfs_node), 0,
	    "tmpfsnode", 0, tmpfs_node_ctor, tmpfs_node_dtor);
	return vfs_register(&tmpfs_vfsops);
}
