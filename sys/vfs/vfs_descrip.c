/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_descrip.c: per-process descriptor tables.
 *
 * A process's p_fd is a struct filedesc: an array of slots, each holding
 * a referenced struct file and the descriptor's own flags (FD_CLOEXEC),
 * and a bitmap of the slots in use so the lowest free descriptor is found
 * a word at a time.  The array starts small and doubles as descriptors
 * are allocated, up to the process's RLIMIT_NOFILE (EMFILE beyond).
 *
 * A table can be shared by several processes (rump_lwproc_rfork without
 * RUMP_RFFDG/RUMP_RFCFDG) and is freed with its last reference.  The
 * proc_hooks at the end give every new process its table and release it
 * at exit; proc0 and initproc, which exist before the VFS, get theirs
 * when this component initialises.
 *
 * Closing a descriptor of a vnode also drops the POSIX record locks the
 * process holds on that vnode (vfs_lockf.c), whatever descriptor the
 * locks were taken through.
 *
 * Called by: the descriptor system calls (sys_generic.c, sys_descrip.c),
 * open/pipe/socket, and the process code through proc_hooks.
 */

#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "vfs/file.h"
#include "vfs/lockf.h"
#include "vfs/vnode.h"

/*
 * Locking: [a] atomic, [d] fd_lock.  A slot's file pointer changes only
 * with fd_lock held; fd_getfile takes a file reference under it, so a
 * file never goes away under a system call using it.
 */
struct fdslot {
	struct file *fs_file;              /* [d] NULL when free */
	int fs_flags;                      /* [d] FD_CLOEXEC */
};

struct filedesc {
	kmutex_t fd_lock;
	unsigned fd_refcnt;                /* [a] processes sharing it */
	int fd_nslots;                     /* [d] size of fd_slots */
	int fd_lastfile;                   /* [d] highest in use, or -1 */
	int fd_freehint;                   /* [d] no free slot below this */
	struct fdslot *fd_slots;           /* [d] fd_nslots entries */
	uint64_t *fd_map;                  /* [d] in-use bitmap */
};

#define NDFILE     64                  /* slots of a new table */
#define FDMAP_BITS 64
#define FDMAP_WORDS(n) (((n) + FDMAP_BITS - 1) / FDMAP_BITS)

static struct filedesc *
curfiledesc(void)
{
	struct filedesc *fdp = curproc->p_fd;

	KASSERT(fdp != NULL);
	return fdp;
}

/* RLIMIT_NOFILE of the current process, clamped to an int. */
static int
fd_limit(void)
{
	struct proc *p = curproc;
	uint64_t lim;

	mutex_enter(&p->p_lock);
	lim = p->p_rlimit[RLIMIT_NOFILE].rlim_cur;
	mutex_exit(&p->p_lock);
	if (lim > (uint64_t)INT_MAX)
		lim = INT_MAX;
	return (int)lim;
}

static void
fd_arrays_free(struct fdslot *slots, uint64_t *map, int nslots)
{
	kmem_free(slots, (size_t)nslots * sizeof(*slots));
	kmem_free(map, FDMAP_WORDS(nslots) * sizeof(*map));
}

/*
 * Make the table at least want slots big.  Called and returns with
 * fd_lock held; drops it to allocate, so the caller rechecks the table.
 */
static void
fd_grow(struct filedesc *fdp, int want)
{
	struct fdslot *slots, *oslots;
	uint64_t *map, *omap;
	int n, on;

	KASSERT(mutex_owned(&fdp->fd_lock));
	n = fdp->fd_nslots;
	while (n < want)
		n = n > INT_MAX / 2 ? INT_MAX : n * 2;
	n = roundup(n, FDMAP_BITS);
	mutex_exit(&fdp->fd_lock);
	slots = kmem_zalloc((size_t)n * sizeof(*slots), KM_SLEEP);
	map = kmem_zalloc(FDMAP_WORDS(n) * sizeof(*map), KM_SLEEP);
	mutex_enter(&fdp->fd_lock);
	on = fdp->fd_nslots;
	if (on >= n) {
		/* Somebody else grew it meanwhile. */
		mutex_exit(&fdp->fd_lock);
		fd_arrays_free(slots, map, n);
		mutex_enter(&fdp->fd_lock);
		return;
	}
	memcpy(slots, fdp->fd_slots, (size_t)on * sizeof(*slots));
	memcpy(map, fdp->fd_map, FDMAP_WORDS(on) * sizeof(*map));
	oslots = fdp->fd_slots;
	omap = fdp->fd_map;
	fdp->fd_slots = slots;
	fdp->fd_map = map;
	fdp->fd_nslots = n;
	mutex_exit(&fdp->fd_lock);
	fd_arrays_free(oslots, omap, on);
	mutex_enter(&fdp->fd_lock);
}

/* The lowest free slot >= minfd within the table, or -1. */
static int
fd_findfree(struct filedesc *fdp, int minfd)
{
	int w, nw, bit;
	uint64_t free;

	KASSERT(mutex_owned(&fdp->fd_lock));
	if (minfd < fdp->fd_freehint)
		minfd = fdp->fd_freehint;
	if (minfd >= fdp->fd_nslots)
		return -1;
	nw = FDMAP_WORDS(fdp->fd_nslots);
	w = minfd / FDMAP_BITS;
	free = ~fdp->fd_map[w] & (~0ULL << (minfd % FDMAP_BITS));
	for (;;) {
		if (free != 0) {
			bit = w * FDMAP_BITS + __builtin_ctzll(free);
			return bit < fdp->fd_nslots ? bit : -1;
		}
		if (++w >= nw)
			return -1;
		free = ~fdp->fd_map[w];
	}
}

/* Occupy slot fd with fp (whose reference the slot takes over). */
static void
fd_set(struct filedesc *fdp, int fd, struct file *fp, bool cloexec)
{
	KASSERT(mutex_owned(&fdp->fd_lock));
	KASSERT(fdp->fd_slots[fd].fs_file == NULL);
	fdp->fd_slots[fd].fs_file = fp;
	fdp->fd_slots[fd].fs_flags = cloexec ? FD_CLOEXEC : 0;
	fdp->fd_map[fd / FDMAP_BITS] |= 1ULL << (fd % FDMAP_BITS);
	if (fd > fdp->fd_lastfile)
		fdp->fd_lastfile = fd;
	if (fd == fdp->fd_freehint)
		fdp->fd_freehint = fd + 1;
}

/* Empty slot fd; returns the file whose reference the caller now owns. */
static struct file *
fd_unset(struct filedesc *fdp, int fd)
{
	struct file *fp;

	KASSERT(mutex_owned(&fdp->fd_lock));
	fp = fdp->fd_slots[fd].fs_file;
	KASSERT(fp != NULL);
	fdp->fd_slots[fd].fs_file = NULL;
	fdp->fd_slots[fd].fs_flags = 0;
	fdp->fd_map[fd / FDMAP_BITS] &= ~(1ULL << (fd % FDMAP_BITS));
	if (fd < fdp->fd_freehint)
		fdp->fd_freehint = fd;
	while (fdp->fd_lastfile >= 0 &&
	    fdp->fd_slots[fdp->fd_lastfile].fs_file == NULL)
		fdp->fd_lastfile--;
	return fp;
}

/*
 * Drop a file taken out of a table of process p: release p's POSIX locks
 * on its vnode (the POSIX rule: any close drops them), then the slot's
 * reference.  No locks held.
 */
static void
fd_closefile(struct file *fp, struct proc *p)
{
	if (fp->f_type == DTYPE_VNODE && fp->f_data != NULL)
		lf_release_posix(fp->f_data, p);
	file_rele(fp);
}

/*
 * Return the file open on descriptor fd of the current process with a
 * reference for the caller (drop it with fd_putfile), or NULL.
 */
struct file *
fd_getfile(int fd)
{
	struct filedesc *fdp = curfiledesc();
	struct file *fp = NULL;

	if (fd < 0)
		return NULL;
	mutex_enter(&fdp->fd_lock);
	if (fd < fdp->fd_nslots) {
		fp = fdp->fd_slots[fd].fs_file;
		if (fp != NULL)
			file_hold(fp);
	}
	mutex_exit(&fdp->fd_lock);
	return fp;
}

void
fd_putfile(struct file *fp)
{
	file_rele(fp);
}

/*
 * Install fp at the lowest free descriptor >= minfd of the current
 * process, with a reference of its own.  Returns 0 and the descriptor in
 * *fdp, EMFILE when none is free below RLIMIT_NOFILE, EINVAL for a
 * negative minfd.
 */
int
fd_alloc(struct file *fp, int minfd, bool cloexec, int *fdp_out)
{
	struct filedesc *fdp = curfiledesc();
	int lim, fd;

	if (minfd < 0)
		return EINVAL;
	lim = fd_limit();
	if (minfd >= lim)
		return EMFILE;
	mutex_enter(&fdp->fd_lock);
	for (;;) {
		fd = fd_findfree(fdp, minfd);
		if (fd >= 0 && fd < lim)
			break;
		if (fd >= lim || fdp->fd_nslots >= lim) {
			mutex_exit(&fdp->fd_lock);
			return EMFILE;
		}
		fd_grow(fdp, MIN(MAX(fdp->fd_nslots + 1, minfd + 1), lim));
	}
	file_hold(fp);
	fd_set(fdp, fd, fp, cloexec);
	mutex_exit(&fdp->fd_lock);
	*fdp_out = fd;
	return 0;
}

/*
 * Install fp at exactly newfd (dup2, dup3), closing the file that was
 * there.  Returns 0 or EBADF if newfd is negative or not below
 * RLIMIT_NOFILE.
 */
int
fd_dup2(struct file *fp, int newfd, bool cloexec)
{
	struct filedesc *fdp = curfiledesc();
	struct file *ofp = NULL;

	if (newfd < 0 || newfd >= fd_limit())
		return EBADF;
	mutex_enter(&fdp->fd_lock);
	while (newfd >= fdp->fd_nslots)
		fd_grow(fdp, newfd + 1);
	if (fdp->fd_slots[newfd].fs_file != NULL)
		ofp = fd_unset(fdp, newfd);
	file_hold(fp);
	fd_set(fdp, newfd, fp, cloexec);
	mutex_exit(&fdp->fd_lock);
	if (ofp != NULL)
		fd_closefile(ofp, curproc);
	return 0;
}

/* Close descriptor fd of the current process: 0 or EBADF. */
int
fd_close(int fd)
{
	struct filedesc *fdp = curfiledesc();
	struct file *fp;

	if (fd < 0)
		return EBADF;
	mutex_enter(&fdp->fd_lock);
	if (fd >= fdp->fd_nslots || fdp->fd_slots[fd].fs_file == NULL) {
		mutex_exit(&fdp->fd_lock);
		return EBADF;
	}
	fp = fd_unset(fdp, fd);
	mutex_exit(&fdp->fd_lock);
	fd_closefile(fp, curproc);
	return 0;
}

/* The descriptor flags (FD_CLOEXEC) of fd: 0 or EBADF. */
int
fd_getflags(int fd, int *flagsp)
{
	struct filedesc *fdp = curfiledesc();
	int error = EBADF;

	if (fd < 0)
		return EBADF;
	mutex_enter(&fdp->fd_lock);
	if (fd < fdp->fd_nslots && fdp->fd_slots[fd].fs_file != NULL) {
		*flagsp = fdp->fd_slots[fd].fs_flags;
		error = 0;
	}
	mutex_exit(&fdp->fd_lock);
	return error;
}

/* Set the descriptor flags of fd (only FD_CLOEXEC is kept). */
int
fd_setflags(int fd, int flags)
{
	struct filedesc *fdp = curfiledesc();
	int error = EBADF;

	if (fd < 0)
		return EBADF;
	mutex_enter(&fdp->fd_lock);
	if (fd < fdp->fd_nslots && fdp->fd_slots[fd].fs_file != NULL) {
		fdp->fd_slots[fd].fs_flags = flags & FD_CLOEXEC;
		error = 0;
	}
	mutex_exit(&fdp->fd_lock);
	return error;
}

/* An empty table with one reference. */
struct filedesc *
fd_init(void)
{
	struct filedesc *fdp;

	fdp = kmem_zalloc(sizeof(*fdp), KM_SLEEP);
	mutex_init(&fdp->fd_lock, MUTEX_DEFAULT, "filedesc");
	fdp->fd_refcnt = 1;
	fdp->fd_nslots = NDFILE;
	fdp->fd_lastfile = -1;
	fdp->fd_slots = kmem_zalloc(NDFILE * sizeof(*fdp->fd_slots),
	    KM_SLEEP);
	fdp->fd_map = kmem_zalloc(FDMAP_WORDS(NDFILE) * sizeof(*fdp->fd_map),
	    KM_SLEEP);
	return fdp;
}

/*
 * A copy of fdp (fork with RUMP_RFFDG): the same files on the same
 * descriptors, each with a new reference, and the same descriptor flags.
 */
struct filedesc *
fd_copy(struct filedesc *fdp)
{
	struct filedesc *nfdp;
	struct file *fp;
	int i;

	nfdp = fd_init();
	mutex_enter(&nfdp->fd_lock);
	mutex_enter(&fdp->fd_lock);
	while (nfdp->fd_nslots <= fdp->fd_lastfile) {
		/* Grow the new table without holding the old one's lock. */
		mutex_exit(&fdp->fd_lock);
		fd_grow(nfdp, fdp->fd_lastfile + 1);
		mutex_enter(&fdp->fd_lock);
	}
	for (i = 0; i <= fdp->fd_lastfile; i++) {
		fp = fdp->fd_slots[i].fs_file;
		if (fp == NULL)
			continue;
		file_hold(fp);
		fd_set(nfdp, i, fp, fdp->fd_slots[i].fs_flags & FD_CLOEXEC);
	}
	nfdp->fd_freehint = 0;
	mutex_exit(&fdp->fd_lock);
	mutex_exit(&nfdp->fd_lock);
	return nfdp;
}

/* Another process shares fdp. */
void
fd_share(struct filedesc *fdp)
{
	atomic_inc(&fdp->fd_refcnt);
}

/*
 * Drop a reference to a table; the last one closes every descriptor and
 * frees the table.
 */
void
fd_free(struct filedesc *fdp)
{
	struct file *fp;
	int i;

	if (atomic_dec_nv(&fdp->fd_refcnt) > 0)
		return;
	for (i = 0; i <= fdp->fd_lastfile; i++) {
		fp = fdp->fd_slots[i].fs_file;
		if (fp != NULL) {
			fdp->fd_slots[i].fs_file = NULL;
			file_rele(fp);
		}
	}
	fd_arrays_free(fdp->fd_slots, fdp->fd_map, fdp->fd_nslots);
	mutex_destroy(&fdp->fd_lock);
	kmem_free(fdp, sizeof(*fdp));
}

/*
 * Release the POSIX locks process p holds through any descriptor of its
 * table.  Takes references on the files so the table may change
 * meanwhile.
 */
static void
fd_release_posix(struct filedesc *fdp, struct proc *p)
{
	struct file *fp;
	int i;

	mutex_enter(&fdp->fd_lock);
	for (i = 0; i <= fdp->fd_lastfile; i++) {
		fp = fdp->fd_slots[i].fs_file;
		if (fp == NULL || fp->f_type != DTYPE_VNODE)
			continue;
		file_hold(fp);
		mutex_exit(&fdp->fd_lock);
		lf_release_posix(fp->f_data, p);
		file_rele(fp);
		mutex_enter(&fdp->fd_lock);
	}
	mutex_exit(&fdp->fd_lock);
}

static int
fd_proc_fork(struct proc *parent, struct proc *child, int forkflags)
{
	struct filedesc *pfdp = parent->p_fd;

	if (forkflags == PROC_FORK_CLEAN || pfdp == NULL) {
		child->p_fd = fd_init();
	} else if (forkflags == PROC_FORK_COPY) {
		child->p_fd = fd_copy(pfdp);
	} else {
		KASSERT(forkflags == PROC_FORK_SHARE);
		fd_share(pfdp);
		child->p_fd = pfdp;
	}
	return 0;
}

static void
fd_proc_exit(struct proc *p)
{
	struct filedesc *fdp = p->p_fd;

	if (fdp == NULL)
		return;
	fd_release_posix(fdp, p);
	p->p_fd = NULL;
	fd_free(fdp);
}

static struct proc_hooks fd_proc_hooks = {
	.ph_fork = fd_proc_fork,
	.ph_exit = fd_proc_exit,
};

RUMP_COMPONENT(RUMP_COMPONENT_VFS)
{
	if (proc0.p_fd == NULL)
		proc0.p_fd = fd_init();
	if (initproc != NULL && initproc->p_fd == NULL)
		initproc->p_fd = fd_init();
	proc_hooks_register(&fd_proc_hooks);
	return 0;
}
