/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_init.c: the VFS component: start-up, the root file system, the
 * per-process directories and the halt-time sync.
 *
 * At RUMP_COMPONENT_VFS the vnode and name caches are set up, the VFS
 * system calls registered and "rootfs", an empty read-only directory,
 * mounted as "/".  File systems register at RUMP_COMPONENT_FS; at
 * RUMP_COMPONENT_VFS_ROOT, if "tmpfs" is one of them, a tmpfs replaces
 * rootfs as the root (a root mount covers no vnode), so a kernel with
 * tmpfs linked in has a writable tree from boot.
 *
 * Each process has a struct cwdinfo (p_cwdi): its current and root
 * directory.  A forked process gets a copy; the hooks below keep them.
 * The umask lives in struct proc (p_umask) and is the core's.
 *
 * Locking: see struct cwdinfo in vfs_impl.h.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/component.h"
#include "kern/syscall.h"
#include "kern/shutdown.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"
#include "vfs/file.h"

extern const struct syscall_package vfs_syscalls[];

static struct cwdinfo *
cwdi_alloc(struct vnode *cdir, struct vnode *rdir)
{
	struct cwdinfo *cwdi;

	cwdi = kmem_zalloc(sizeof(*cwdi), KM_SLEEP);
	mutex_init(&cwdi->cwdi_lock, MUTEX_DEFAULT, "cwdi");
	cwdi->cwdi_cdir = cdir;
	cwdi->cwdi_rdir = rdir;
	cwdi->cwdi_refcnt = 1;
	return cwdi;
}

/* A process without a cwdinfo (proc0 before the hooks) uses the root. */
void
cwd_getdirs(struct vnode **cdirp, struct vnode **rdirp)
{
	struct cwdinfo *cwdi = curproc->p_cwdi;
	struct vnode *cdir = NULL, *rdir = NULL;

	if (cwdi != NULL) {
		mutex_enter(&cwdi->cwdi_lock);
		cdir = cwdi->cwdi_cdir;
		rdir = cwdi->cwdi_rdir;
		if (cdir != NULL)
			vref(cdir);
		if (rdir != NULL)
			vref(rdir);
		mutex_exit(&cwdi->cwdi_lock);
	}
	if (cdir == NULL) {
		cdir = rootvnode;
		vref(cdir);
	}
	if (rdir == NULL) {
		rdir = rootvnode;
		vref(rdir);
	}
	*cdirp = cdir;
	*rdirp = rdir;
}

/* curproc's cwdinfo, set up on first use for processes that predate the
 * VFS (proc0, and initproc when created before the hooks). */
static struct cwdinfo *
cwdi_get(void)
{
	struct proc *p = curproc;
	struct cwdinfo *cwdi, *expect = NULL;

	cwdi = atomic_load_acquire((struct cwdinfo **)&p->p_cwdi);
	if (cwdi != NULL)
		return cwdi;
	cwdi = cwdi_alloc(NULL, NULL);
	if (!atomic_cas((struct cwdinfo **)&p->p_cwdi, &expect, cwdi)) {
		mutex_destroy(&cwdi->cwdi_lock);
		kmem_free(cwdi, sizeof(*cwdi));
		cwdi = expect;
	}
	return cwdi;
}

static void
cwd_set(struct vnode *vp, bool root)
{
	struct cwdinfo *cwdi = cwdi_get();
	struct vnode *old;

	mutex_enter(&cwdi->cwdi_lock);
	if (root) {
		old = cwdi->cwdi_rdir;
		cwdi->cwdi_rdir = vp;
	} else {
		old = cwdi->cwdi_cdir;
		cwdi->cwdi_cdir = vp;
	}
	mutex_exit(&cwdi->cwdi_lock);
	if (old != NULL)
		vrele(old);
}

void
cwd_setcdir(struct vnode *vp)
{
	cwd_set(vp, false);
}

void
cwd_setrdir(struct vnode *vp)
{
	cwd_set(vp, true);
}

static int
cwd_fork(struct proc *parent, struct proc *child, int forkflags)
{
	struct cwdinfo *pcwdi = parent->p_cwdi;
	struct vnode *cdir = NULL, *rdir = NULL;

	if (pcwdi != NULL) {
		mutex_enter(&pcwdi->cwdi_lock);
		cdir = pcwdi->cwdi_cdir;
		rdir = pcwdi->cwdi_rdir;
		if (cdir != NULL)
			vref(cdir);
		if (rdir != NULL)
			vref(rdir);
		mutex_exit(&pcwdi->cwdi_lock);
	}
	child->p_cwdi = cwdi_alloc(cdir, rdir);
	return 0;
}

static void
cwd_exit(struct proc *p)
{
	struct cwdinfo *cwdi = p->p_cwdi;

	if (cwdi == NULL)
		return;
	p->p_cwdi = NULL;
	if (atomic_dec_nv(&cwdi->cwdi_refcnt) > 0)
		return;
	if (cwdi->cwdi_cdir != NULL)
		vrele(cwdi->cwdi_cdir);
	if (cwdi->cwdi_rdir != NULL)
		vrele(cwdi->cwdi_rdir);
	mutex_destroy(&cwdi->cwdi_lock);
	kmem_free(cwdi, sizeof(*cwdi));
}

static struct proc_hooks cwd_hooks = {
	.ph_fork = cwd_fork,
	.ph_exit = cwd_exit,
};

/* Halt: write everything out and unmount, top mounts first. */
static void
vfs_shutdown(void *arg)
{
	vfs_sync_all();
	vfs_unmount_all();
}

static struct shutdown_hook vfs_shutdown_hook = {
	.sh_func = vfs_shutdown,
};

static unsigned
vfs_nvnodes(void)
{
	char buf[32];
	uint64_t n;

	if (rumpuser_getparam("RUMP_NVNODES", buf, sizeof(buf)) != 0 ||
	    kstrtou64(buf, &n) != 0 || n == 0 || n > UINT_MAX)
		return 32768;
	return (unsigned)n;
}

RUMP_COMPONENT(RUMP_COMPONENT_VFS)
{
	struct mount *mp;
	int error;

	vcache_init(vfs_nvnodes());
	vdrain_start();
	cache_init();
	namei_subsys_init();
	file_subsys_init();
	vfs_mount_init();
	error = vfs_register(&rootfs_vfsops);
	if (error != 0)
		return error;
	error = vfs_mount_new(vfs_getopsbyname("rootfs"), NULL, "rootfs",
	    NULL, MNT_RDONLY, &mp);
	if (error != 0)
		return error;
	vref(mp->mnt_root);
	rootvnode = mp->mnt_root;
	etfs_init();
	proc_hooks_register(&cwd_hooks);
	shutdown_hook_register(&vfs_shutdown_hook);
	return syscall_establish(vfs_syscalls);
}

RUMP_COMPONENT(RUMP_COMPONENT_VFS_ROOT)
{
	struct vfsops *vfs;

	vfs = vfs_getopsbyname("tmpfs");
	if (vfs == NULL)
		return 0;
	atomic_dec(&vfs->vfs_refcount);
	return vfs_mountroot("tmpfs");
}
