/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_rename.c: VOP_RENAME for ext2.
 *
 *	rename(from, to)             move, replacing an existing "to"
 *	RENAME_NOREPLACE             move, EEXIST if "to" exists
 *	RENAME_EXCHANGE              swap the files the two names refer to
 *
 * The VFS has checked that both names are on this mount and that no
 * directory moves below itself, serialises renames of the mount, and
 * calls with fdvp, fvp, tdvp (and tvp, if "to" exists) locked.
 *
 * The new entry is written before the old one is removed, so a crash in
 * between leaves an extra name (e2fsck fixes the count), never a lost
 * file.  A directory that changes parent gets its ".." rewritten and the
 * parents' link counts move with it.
 *
 * Called from the VFS through ext2fs_vnodeops.
 */

#include "kern/kern.h"
#include "kern/lwp.h"
#include "fs/ext2fs/ext2fs_impl.h"

static bool
ext2_r_isdir(struct ext2_node *en)
{
	return (ext2_mode(en) & EXT2_IFMT) == EXT2_IFDIR;
}

/* A directory that changes parent needs write access to itself (".."). */
static int
ext2_rename_reparent_ok(struct ext2_node *en, kauth_cred_t cred)
{
	if (!ext2_r_isdir(en))
		return 0;
	return vaccess(VDIR, ext2_mode(en) & 07777, ext2_uid(en),
	    ext2_gid(en), VWRITE, cred);
}

/* Directory en moves from parent from to parent to. */
static int
ext2_rename_reparent(struct ext2_node *en, struct ext2_node *from,
    struct ext2_node *to)
{
	int error;

	if (!ext2_r_isdir(en) || from == to)
		return 0;
	error = ext2_dir_set_dotdot(en, to->en_ino);
	if (error != 0)
		return error;
	if (ext2_nlink(from) > 2)
		ext2_set_nlink(from, ext2_nlink(from) - 1);
	if (ext2_nlink(to) < EXT2_LINK_MAX)
		ext2_set_nlink(to, ext2_nlink(to) + 1);
	return 0;
}

static int
ext2_rename_finish(struct ext2_node *fdn, struct ext2_node *fn,
    struct ext2_node *tdn, struct ext2_node *tn)
{
	int error, e;

	ext2_update(fdn, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
	ext2_update(fn, EXT2_UPD_CTIME);
	error = ext2_inode_write(fn);
	e = ext2_inode_write(fdn);
	error = error ? error : e;
	if (tdn != fdn) {
		ext2_update(tdn, EXT2_UPD_MTIME | EXT2_UPD_CTIME);
		e = ext2_inode_write(tdn);
		error = error ? error : e;
	}
	if (tn != NULL && tn != fn) {
		ext2_update(tn, EXT2_UPD_CTIME);
		e = ext2_inode_write(tn);
		error = error ? error : e;
	}
	return error;
}

static int
ext2_rename_exchange(struct ext2_node *fdn, struct ext2_node *fn,
    struct ext2_dirloc *fdl, struct ext2_node *tdn, struct ext2_node *tn,
    struct ext2_dirloc *tdl, kauth_cred_t cred)
{
	struct ext2_mount *fs = fdn->en_fs;
	int error;

	if (fn == tn)
		return 0;
	if (fdn != tdn) {
		if ((error = ext2_rename_reparent_ok(fn, cred)) != 0 ||
		    (error = ext2_rename_reparent_ok(tn, cred)) != 0)
			return error;
	}
	error = ext2_dir_setino(fdn, fdl, tn->en_ino,
	    ext2_ftype(fs, ext2_mode(tn)));
	if (error != 0)
		return error;
	error = ext2_dir_setino(tdn, tdl, fn->en_ino,
	    ext2_ftype(fs, ext2_mode(fn)));
	if (error != 0)
		return error;
	if ((error = ext2_rename_reparent(fn, fdn, tdn)) != 0 ||
	    (error = ext2_rename_reparent(tn, tdn, fdn)) != 0)
		return error;
	return ext2_rename_finish(fdn, fn, tdn, tn);
}

/* May fn replace tn?  0, ENOTDIR, EISDIR or ENOTEMPTY. */
static int
ext2_rename_replace_ok(struct ext2_node *fn, struct ext2_node *tn)
{
	bool empty;
	int error;

	if (ext2_r_isdir(fn)) {
		if (!ext2_r_isdir(tn))
			return ENOTDIR;
		error = ext2_dir_isempty(tn, &empty);
		if (error != 0)
			return error;
		return empty ? 0 : ENOTEMPTY;
	}
	return ext2_r_isdir(tn) ? EISDIR : 0;
}

int
ext2_rename(struct vnode *fdvp, struct vnode *fvp, struct componentname *fcnp,
    struct vnode *tdvp, struct vnode *tvp, struct componentname *tcnp,
    unsigned int flags)
{
	struct ext2_node *fdn = VTOE(fdvp), *fn = VTOE(fvp);
	struct ext2_node *tdn = VTOE(tdvp), *tn = tvp ? VTOE(tvp) : NULL;
	struct ext2_mount *fs = fdn->en_fs;
	kauth_cred_t cred = fcnp->cn_cred;
	struct ext2_dirloc fdl, tdl;
	int error;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return EINVAL;
	if ((fdvp->v_mount->mnt_flag & MNT_RDONLY) || fs->e2_ronly)
		return EROFS;
	if (tcnp->cn_namelen > EXT2_NAME_MAX)
		return ENAMETOOLONG;
	error = ext2_dir_lookup(fdn, fcnp->cn_nameptr, fcnp->cn_namelen, &fdl);
	if (error != 0)
		return error;
	if (fdl.dl_ino != fn->en_ino)
		return ENOENT;
	error = ext2_can_delete(fdn, fn, cred);
	if (error != 0)
		return error;
	error = vaccess(VDIR, ext2_mode(tdn) & 07777, ext2_uid(tdn),
	    ext2_gid(tdn), VWRITE | VEXEC, cred);
	if (error != 0)
		return error;
	error = ext2_dir_lookup(tdn, tcnp->cn_nameptr, tcnp->cn_namelen, &tdl);
	if (error != 0 && error != ENOENT)
		return error;
	if (error == 0 && (tn == NULL || tdl.dl_ino != tn->en_ino))
		return tn == NULL ? EEXIST : ENOENT;
	if (error == ENOENT && tn != NULL)
		return ENOENT;

	if (flags & RENAME_EXCHANGE) {
		if (tn == NULL)
			return ENOENT;
		return ext2_rename_exchange(fdn, fn, &fdl, tdn, tn, &tdl, cred);
	}
	if (tn != NULL && (flags & RENAME_NOREPLACE))
		return EEXIST;
	if (tn == fn)
		return 0;
	if (tn != NULL) {
		if ((error = ext2_rename_replace_ok(fn, tn)) != 0 ||
		    (error = ext2_can_delete(tdn, tn, cred)) != 0)
			return error;
	}
	if (fdn != tdn) {
		if ((error = ext2_rename_reparent_ok(fn, cred)) != 0)
			return error;
		if (ext2_r_isdir(fn) && tn == NULL &&
		    ext2_nlink(tdn) >= EXT2_LINK_MAX)
			return EMLINK;
	}

	/* The new name first. */
	if (tn != NULL) {
		error = ext2_dir_setino(tdn, &tdl, fn->en_ino,
		    ext2_ftype(fs, ext2_mode(fn)));
		if (error != 0)
			return error;
		if (ext2_r_isdir(tn)) {
			ext2_set_nlink(tn, 0);
			if (ext2_nlink(tdn) > 2)
				ext2_set_nlink(tdn, ext2_nlink(tdn) - 1);
		} else if (ext2_nlink(tn) > 0) {
			ext2_set_nlink(tn, ext2_nlink(tn) - 1);
		}
	} else {
		error = ext2_dir_add(tdn, tcnp->cn_nameptr, tcnp->cn_namelen,
		    fn->en_ino, ext2_ftype(fs, ext2_mode(fn)));
		if (error != 0)
			return error;
	}
	/* Then the old one goes (the add may have moved its neighbours). */
	error = ext2_dir_lookup(fdn, fcnp->cn_nameptr, fcnp->cn_namelen, &fdl);
	if (error == 0 && fdl.dl_ino != fn->en_ino)
		error = ext2_corrupt(fs, "rename: source entry changed");
	if (error == 0)
		error = ext2_dir_remove(fdn, &fdl);
	if (error == 0)
		error = ext2_rename_reparent(fn, fdn, tdn);
	if (error != 0) {
		ext2_rename_finish(fdn, fn, tdn, tn);
		return error;
	}
	return ext2_rename_finish(fdn, fn, tdn, tn);
}
