/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_subr.c: tmpfs nodes, their accounting, timestamps and the checks
 * shared by the vnode operations.
 *
 * A node is allocated by the operations that create files (tmpfs_vnops.c)
 * and by mount for the root, and freed when it is neither linked nor
 * attached to a vnode: by VOP_RECLAIM once the last link is gone, or by
 * unmount.  Each node counts against the mount's nr_inodes limit; each data
 * page of a regular file counts against the mount's size limit
 * (tmpfs_pages_charge) and, through kmem_page_alloc(), the kernel's memory
 * limit.
 *
 * Called from tmpfs_vnops.c, tmpfs_rename.c, tmpfs_mem.c and
 * tmpfs_vfsops.c.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/callout.h"
#include "fs/tmpfs/tmpfs_impl.h"

/*
 * Allocate a node of the given type and attributes and put it on the
 * mount's list.  Directories get their (empty) entry tables but no parent;
 * the caller sets it up.  Returns 0 and the node in *nodep, or ENOSPC when
 * the mount is out of inodes or the kernel out of memory.
 */
int
tmpfs_node_alloc(struct tmpfs_mount *tmp, enum vtype type, mode_t mode,
    uid_t uid, gid_t gid, dev_t rdev, struct tmpfs_node **nodep)
{
	struct tmpfs_node *node;
	struct rump_timespec now;

	mutex_enter(&tmp->tm_lock);
	if (tmp->tm_nodes_max != 0 && tmp->tm_nodes_cnt >= tmp->tm_nodes_max) {
		mutex_exit(&tmp->tm_lock);
		return ENOSPC;
	}
	tmp->tm_nodes_cnt++;
	mutex_exit(&tmp->tm_lock);

	node = pool_get(tmpfs_node_pool, KM_NOSLEEP);
	if (node == NULL) {
		mutex_enter(&tmp->tm_lock);
		tmp->tm_nodes_cnt--;
		mutex_exit(&tmp->tm_lock);
		return ENOSPC;
	}
	memset(&node->tn_self, 0,
	    sizeof(*node) - offsetof(struct tmpfs_node, tn_self));
	node->tn_self = node;
	node->tn_tmp = tmp;
	node->tn_type = type;
	node->tn_rdev = (type == VCHR || type == VBLK) ? rdev : NODEV;
	node->tn_mode = mode & ~S_IFMT;
	node->tn_uid = uid;
	node->tn_gid = gid;
	tmpfs_now(&now);
	node->tn_atime = node->tn_mtime = node->tn_ctime = now;
	node->tn_birthtime = now;

	if (type == VDIR && tmpfs_dir_init(node, NULL) != 0) {
		pool_put(tmpfs_node_pool, node);
		mutex_enter(&tmp->tm_lock);
		tmp->tm_nodes_cnt--;
		mutex_exit(&tmp->tm_lock);
		return ENOSPC;
	}

	mutex_enter(&tmp->tm_lock);
	node->tn_id = tmp->tm_nextino++;
	node->tn_gen = tmp->tm_nextgen++;
	node->tn_next = tmp->tm_nodes;
	node->tn_prev = NULL;
	if (tmp->tm_nodes != NULL)
		tmp->tm_nodes->tn_prev = node;
	tmp->tm_nodes = node;
	mutex_exit(&tmp->tm_lock);

	*nodep = node;
	return 0;
}

/*
 * Free a node and everything it holds: file pages, directory entries and
 * tables, a long symlink target.  The node must have no vnode; it is
 * either unlinked or the mount is going away.  Directory entries still
 * present (unmount) are freed without touching the nodes they name.
 */
void
tmpfs_node_free(struct tmpfs_node *node)
{
	struct tmpfs_mount *tmp = node->tn_tmp;

	KASSERT(node->tn_vnode == NULL);

	switch (node->tn_type) {
	case VREG:
		tmpfs_mem_free(node);
		break;
	case VDIR:
		tmpfs_dir_fini(node);
		break;
	case VLNK:
		if (node->tn_lnk.tl_target != node->tn_lnk.tl_inline)
			kmem_free(node->tn_lnk.tl_target, node->tn_size + 1);
		break;
	default:
		break;
	}

	mutex_enter(&tmp->tm_lock);
	if (node->tn_prev != NULL)
		node->tn_prev->tn_next = node->tn_next;
	else
		tmp->tm_nodes = node->tn_next;
	if (node->tn_next != NULL)
		node->tn_next->tn_prev = node->tn_prev;
	KASSERT(tmp->tm_nodes_cnt > 0);
	tmp->tm_nodes_cnt--;
	mutex_exit(&tmp->tm_lock);

	pool_put(tmpfs_node_pool, node);
}

/*
 * Charge npages data pages to the mount's size limit.  (The kernel's
 * memory limit is charged by kmem_page_alloc() itself, see tmpfs_mem.c.)
 * Returns 0 or ENOSPC; never waits.
 */
int
tmpfs_pages_charge(struct tmpfs_mount *tmp, uint64_t npages)
{
	mutex_enter(&tmp->tm_lock);
	if (tmp->tm_pages_max != 0 &&
	    tmp->tm_pages_used + npages > tmp->tm_pages_max) {
		mutex_exit(&tmp->tm_lock);
		return ENOSPC;
	}
	tmp->tm_pages_used += npages;
	mutex_exit(&tmp->tm_lock);
	return 0;
}

/* Give back what tmpfs_pages_charge() took. */
void
tmpfs_pages_uncharge(struct tmpfs_mount *tmp, uint64_t npages)
{
	if (npages == 0)
		return;
	mutex_enter(&tmp->tm_lock);
	KASSERT(tmp->tm_pages_used >= npages);
	tmp->tm_pages_used -= npages;
	mutex_exit(&tmp->tm_lock);
}

/* The wall clock time, for timestamps. */
void
tmpfs_now(struct rump_timespec *ts)
{
	getnanotime(ts);
}

/*
 * Mark the node's access, modification and/or change time (TMPFS_UPD_*)
 * with the current time.  The caller holds the vnode lock; exclusively,
 * unless only the access time is updated.
 */
void
tmpfs_update(struct tmpfs_node *node, int which)
{
	struct rump_timespec now;

	tmpfs_now(&now);
	if (which & TMPFS_UPD_ATIME) {
		mutex_enter(&node->tn_lock);
		node->tn_atime = now;
		mutex_exit(&node->tn_lock);
	}
	if (which & TMPFS_UPD_MTIME)
		node->tn_mtime = now;
	if (which & TMPFS_UPD_CTIME)
		node->tn_ctime = now;
}

/*
 * May cred remove (or rename away, or replace) the entry of node in the
 * directory dnode?  Write and search permission on the directory, and in
 * a sticky directory ownership of the directory or the file.  Returns 0,
 * EACCES or EPERM.
 */
int
tmpfs_can_delete(struct tmpfs_node *dnode, struct tmpfs_node *node,
    kauth_cred_t cred)
{
	int error;

	error = vaccess(VDIR, dnode->tn_mode, dnode->tn_uid, dnode->tn_gid,
	    VWRITE | VEXEC, cred);
	if (error != 0)
		return error;
	if ((dnode->tn_mode & S_ISVTX) == 0 || kauth_cred_issuser(cred))
		return 0;
	if (cred->cr_euid == dnode->tn_uid || cred->cr_euid == node->tn_uid)
		return 0;
	return EPERM;
}
