/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_rename.c: VOP_RENAME for tmpfs, in all its forms.
 *
 *	rename(from, to)             move, replacing an existing "to"
 *	RENAME_NOREPLACE             move, EEXIST if "to" exists
 *	RENAME_EXCHANGE              swap the files the two names refer to
 *
 * The VFS has already made sure both names are on this mount, that no
 * directory is moved below itself, and serialises renames of the mount
 * (mnt_renamelock).  It calls with fdvp, fvp and tdvp locked exclusively,
 * and tvp (the file "to" names, or NULL) locked as well.
 *
 * What a move of a directory to another parent changes besides the
 * entries: the moved directory's ".." (tdr_parent) and the link counts of
 * the two parents, each of which counts the ".." of its subdirectories.
 * A replaced directory (it must be empty) loses all its links and its
 * parent the link of its "..".
 *
 * Called from the VFS through tmpfs_vnodeops.
 */

#include "kern/kern.h"
#include "kern/lwp.h"
#include "fs/tmpfs/tmpfs_impl.h"

/* A directory that changes parent needs write access to itself (".."). */
static int
tmpfs_rename_reparent_ok(struct tmpfs_node *node, kauth_cred_t cred)
{
	if (node->tn_type != VDIR)
		return 0;
	return vaccess(VDIR, node->tn_mode, node->tn_uid, node->tn_gid,
	    VWRITE, cred);
}

/* Move directory node from parent from to parent to (link counts, ".."). */
static void
tmpfs_rename_reparent(struct tmpfs_node *node, struct tmpfs_node *from,
    struct tmpfs_node *to)
{
	if (node->tn_type != VDIR || from == to)
		return;
	KASSERT(from->tn_links > 2);
	from->tn_links--;
	to->tn_links++;
	node->tn_dir.tdr_parent = to;
}

static void
tmpfs_rename_times(struct vnode *fdvp, struct vnode *tdvp)
{
	struct tmpfs_node *fdnode = VP_TO_TMPFS_NODE(fdvp);
	struct tmpfs_node *tdnode = VP_TO_TMPFS_NODE(tdvp);

	tmpfs_update(fdnode, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	fdvp->v_size = tmpfs_dir_size(fdnode);
	if (tdnode != fdnode) {
		tmpfs_update(tdnode, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
		tdvp->v_size = tmpfs_dir_size(tdnode);
	}
}

/* RENAME_EXCHANGE: the entries fde and tde swap their nodes. */
static int
tmpfs_rename_exchange(struct vnode *fdvp, struct tmpfs_dirent *fde,
    struct vnode *tdvp, struct tmpfs_dirent *tde, kauth_cred_t cred)
{
	struct tmpfs_node *fdnode = VP_TO_TMPFS_NODE(fdvp);
	struct tmpfs_node *tdnode = VP_TO_TMPFS_NODE(tdvp);
	struct tmpfs_node *fnode = fde->td_node, *tnode = tde->td_node;
	int error;

	if (fnode == tnode)
		return 0;
	if (fdnode != tdnode) {
		if ((error = tmpfs_rename_reparent_ok(fnode, cred)) != 0 ||
		    (error = tmpfs_rename_reparent_ok(tnode, cred)) != 0)
			return error;
		if (fnode->tn_type == VDIR && tnode->tn_type != VDIR &&
		    tdnode->tn_links >= TMPFS_LINK_MAX)
			return EMLINK;
		if (tnode->tn_type == VDIR && fnode->tn_type != VDIR &&
		    fdnode->tn_links >= TMPFS_LINK_MAX)
			return EMLINK;
	}
	fde->td_node = tnode;
	tde->td_node = fnode;
	tmpfs_rename_reparent(fnode, fdnode, tdnode);
	tmpfs_rename_reparent(tnode, tdnode, fdnode);
	tmpfs_update(fnode, TMPFS_UPD_CTIME);
	tmpfs_update(tnode, TMPFS_UPD_CTIME);
	tmpfs_rename_times(fdvp, tdvp);
	return 0;
}

/* May fnode replace tnode?  0, ENOTDIR, EISDIR or ENOTEMPTY. */
static int
tmpfs_rename_replace_ok(struct tmpfs_node *fnode, struct tmpfs_node *tnode)
{
	if (fnode->tn_type == VDIR) {
		if (tnode->tn_type != VDIR)
			return ENOTDIR;
		if (tnode->tn_dir.tdr_count != 0)
			return ENOTEMPTY;
	} else if (tnode->tn_type == VDIR) {
		return EISDIR;
	}
	return 0;
}

/* The replaced file tnode loses the link its entry in tdnode held. */
static void
tmpfs_rename_drop(struct tmpfs_node *tdnode, struct tmpfs_node *tnode)
{
	if (tnode->tn_type == VDIR) {
		tnode->tn_links = 0;
		tnode->tn_dir.tdr_parent = NULL;
		KASSERT(tdnode->tn_links > 2);
		tdnode->tn_links--;
	} else {
		KASSERT(tnode->tn_links > 0);
		tnode->tn_links--;
	}
	tmpfs_update(tnode, TMPFS_UPD_CTIME);
}

/*
 * Move the entry fde (naming fnode) to the name tcnp in tdnode, replacing
 * the entry tde if there is one.  Returns 0 or an errno; nothing changed
 * on error.
 */
static int
tmpfs_rename_move(struct vnode *fdvp, struct tmpfs_dirent *fde,
    struct vnode *tdvp, struct tmpfs_dirent *tde, struct componentname *tcnp)
{
	struct tmpfs_node *fdnode = VP_TO_TMPFS_NODE(fdvp);
	struct tmpfs_node *tdnode = VP_TO_TMPFS_NODE(tdvp);
	struct tmpfs_node *fnode = fde->td_node, *tnode = NULL;
	struct tmpfs_dirent *nde = NULL;
	int error;

	if (tde != NULL) {
		tnode = tde->td_node;
		if (tnode == fnode)
			return 0;
		error = tmpfs_rename_replace_ok(fnode, tnode);
		if (error != 0)
			return error;
	}
	if (fdnode != tdnode) {
		error = tmpfs_rename_reparent_ok(fnode, tcnp->cn_cred);
		if (error != 0)
			return error;
		if (fnode->tn_type == VDIR && tnode == NULL &&
		    tdnode->tn_links >= TMPFS_LINK_MAX)
			return EMLINK;
	}
	if (tde == NULL) {
		error = tmpfs_dirent_alloc(tcnp->cn_nameptr, tcnp->cn_namelen,
		    &nde);
		if (error != 0)
			return error;
	}

	if (tde != NULL) {
		tmpfs_rename_drop(tdnode, tnode);
		tde->td_node = fnode;
	} else {
		tmpfs_dir_attach(tdnode, nde, fnode);
	}
	tmpfs_dir_detach(fdnode, fde);
	tmpfs_dirent_free(fde);
	tmpfs_rename_reparent(fnode, fdnode, tdnode);
	tmpfs_update(fnode, TMPFS_UPD_CTIME);
	tmpfs_rename_times(fdvp, tdvp);
	return 0;
}

int
tmpfs_rename(struct vnode *fdvp, struct vnode *fvp, struct componentname *fcnp,
    struct vnode *tdvp, struct vnode *tvp, struct componentname *tcnp,
    unsigned int flags)
{
	struct tmpfs_node *fdnode = VP_TO_TMPFS_NODE(fdvp);
	struct tmpfs_node *tdnode = VP_TO_TMPFS_NODE(tdvp);
	struct tmpfs_node *fnode = VP_TO_TMPFS_NODE(fvp);
	struct tmpfs_node *tnode = tvp != NULL ? VP_TO_TMPFS_NODE(tvp) : NULL;
	kauth_cred_t cred = tcnp->cn_cred;
	struct tmpfs_dirent *fde, *tde;
	int error;

	if (flags & RENAME_WHITEOUT)
		return EOPNOTSUPP;
	if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0 ||
	    (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE))
		return EINVAL;
	if (fdvp->v_mount != tdvp->v_mount || fvp->v_mount != tdvp->v_mount)
		return EXDEV;
	if (tcnp->cn_namelen > NAME_MAX)
		return ENAMETOOLONG;
	if (fdnode->tn_links == 0 || tdnode->tn_links == 0)
		return ENOENT;

	fde = tmpfs_dir_lookup(fdnode, fcnp->cn_nameptr, fcnp->cn_namelen);
	if (fde == NULL || fde->td_node != fnode)
		return ENOENT;
	tde = tmpfs_dir_lookup(tdnode, tcnp->cn_nameptr, tcnp->cn_namelen);
	if (tde != NULL && tnode != NULL && tde->td_node != tnode)
		return ENOENT;

	error = tmpfs_can_delete(fdnode, fnode, cred);
	if (error != 0)
		return error;
	if (tde != NULL)
		error = tmpfs_can_delete(tdnode, tde->td_node, cred);
	else
		error = vaccess(VDIR, tdnode->tn_mode, tdnode->tn_uid,
		    tdnode->tn_gid, VWRITE | VEXEC, cred);
	if (error != 0)
		return error;

	if (flags & RENAME_EXCHANGE) {
		if (tde == NULL)
			return ENOENT;
		return tmpfs_rename_exchange(fdvp, fde, tdvp, tde, cred);
	}
	if (tde != NULL && (flags & RENAME_NOREPLACE))
		return EEXIST;
	return tmpfs_rename_move(fdvp, fde, tdvp, tde, tcnp);
}
