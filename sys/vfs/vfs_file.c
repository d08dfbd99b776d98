/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_file.c: open files (struct file) and their reference counts.
 *
 * A struct file is what a descriptor points to: the open mode and status
 * flags, the offset and an operations vector for its kind (vnode, pipe,
 * socket).  It is created by open(2), pipe(2), socket(2) and friends with
 * file_alloc(), which returns it with one reference; the creator fills in
 * f_flag, f_type, f_ops and f_data before anyone else can see it, installs
 * it in a descriptor table with fd_alloc() (which takes its own reference)
 * and drops its creation reference with file_rele().
 *
 * References are taken by descriptor table slots, by system calls in
 * progress (fd_getfile) and by poll scans.  When the last one goes,
 * fo_close runs and the file is freed.  f_cred holds a reference on the
 * opener's credentials for the whole life of the file.
 *
 * Called by: vfs_descrip.c, the open/pipe/socket system calls.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "vfs/vnode.h"
#include "vfs/file.h"

/* Files in existence, for leak checks and debugging. */
static unsigned nfiles;                    /* [a] */
static pool_t file_pool;                   /* [I] constructed files */

/* The lock is a host object: kept constructed while a file is cached. */
static void
file_ctor(void *obj)
{
	struct file *fp = obj;

	mutex_init(&fp->f_lock, MUTEX_DEFAULT, "file");
	mutex_init(&fp->f_poslock, MUTEX_DEFAULT, "filepos");
}

static void
file_dtor(void *obj)
{
	struct file *fp = obj;

	mutex_destroy(&fp->f_lock);
	mutex_destroy(&fp->f_poslock);
}

void
file_subsys_init(void)
{
	file_pool = pool_create_ctor(sizeof(struct file), 0, "file", 0,
	    file_ctor, file_dtor);
}

/*
 * Allocate a file with one reference and the caller's credentials.
 * Returns 0 (the allocation sleeps for memory).  The caller owns the
 * reference in *fpp.
 */
int
file_alloc(struct file **fpp)
{
	struct file *fp;

	fp = pool_get(file_pool, KM_SLEEP);
	memset(&fp->f_count, 0,
	    sizeof(*fp) - offsetof(struct file, f_count));
	fp->f_count = 1;
	fp->f_cred = kauth_cred_get();
	kauth_cred_hold(fp->f_cred);
	atomic_inc(&nfiles);
	*fpp = fp;
	return 0;
}

bool
file_poslock(struct file *fp)
{
	struct vnode *vp;

	if (fp->f_type != DTYPE_VNODE)
		return false;
	vp = fp->f_data;
	if (vp->v_type != VREG && vp->v_type != VDIR)
		return false;
	mutex_enter(&fp->f_poslock);
	return true;
}

void
file_posunlock(struct file *fp, bool locked)
{
	if (locked)
		mutex_exit(&fp->f_poslock);
}

/* Take another reference; the caller already holds one. */
void
file_hold(struct file *fp)
{
	KASSERT(atomic_load_relaxed(&fp->f_count) > 0);
	atomic_inc(&fp->f_count);
}

/*
 * Drop a reference.  At the last one the file's fo_close runs (if the
 * file was ever given operations) and the file is freed.  Must be called
 * without fd_lock or f_lock held: fo_close may sleep.
 */
void
file_rele(struct file *fp)
{
	unsigned n;

	n = atomic_dec_nv(&fp->f_count);
	KASSERT(n != (unsigned)-1);
	if (n > 0)
		return;
	if (fp->f_ops != NULL && fp->f_ops->fo_close != NULL)
		(void)fp->f_ops->fo_close(fp);
	kauth_cred_free(fp->f_cred);
	pool_put(file_pool, fp);
	atomic_dec(&nfiles);
}
