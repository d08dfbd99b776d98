/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sp_stat.c: the rump-only system calls of the server's tools.
 *
 * rump_sysinfo(2) gives rump.stat(1) the kernel's figures (number of
 * virtual CPUs, memory in use and its limit, boot time, processes, remote
 * connections) as an array of uint64_t indexed by RUMP_SYSINFO_*.
 * rump_halt(2) is what rump.halt(1) calls: run the shutdown hooks (sync
 * and unmount), then end the server process, dump core, or only stop
 * serving.  Processes are counted through the proc hooks, so the count
 * covers every process, not only remote clients'.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/shutdown.h"
#include "kern/syscall.h"
#include "kern/kern_sp_impl.h"
#include "sys_syscallargs.h"

#include <rump/rump.h>

static unsigned sp_nproc_forked;          /* [a] created minus ended */

static int
sp_stat_fork(struct proc *parent, struct proc *child, int forkflags)
{

	atomic_inc(&sp_nproc_forked);
	return 0;
}

static void
sp_stat_exit(struct proc *p)
{

	atomic_dec(&sp_nproc_forked);
}

static struct proc_hooks sp_stat_hooks = {
	.ph_fork = sp_stat_fork,
	.ph_exit = sp_stat_exit,
};

RUMP_COMPONENT(RUMP_COMPONENT_KERN)
{

	proc_hooks_register(&sp_stat_hooks);
	return 0;
}

unsigned
sp_nprocs(void)
{

	return 2 + atomic_load_relaxed(&sp_nproc_forked);
}

int
sys_rump_sysinfo(struct lwp *l, const struct sys_rump_sysinfo_args *uap,
    register_t *retval)
{
	uint64_t v[RUMP_SYSINFO_COUNT];
	size_t n;
	int error;

	v[RUMP_SYSINFO_UPTIMENS] = (uint64_t)getnanouptime();
	v[RUMP_SYSINFO_NCPU] = ncpu;
	v[RUMP_SYSINFO_MEMINUSE] = kmem_inuse();
	v[RUMP_SYSINFO_MEMLIMIT] = kmem_limit();
	v[RUMP_SYSINFO_BOOTSEC] = (uint64_t)boottime.tv_sec;
	v[RUMP_SYSINFO_BOOTNSEC] = (uint64_t)boottime.tv_nsec;
	v[RUMP_SYSINFO_NPROCS] = sp_nprocs();
	v[RUMP_SYSINFO_NCONNS] = sp_nconnections();
	v[RUMP_SYSINFO_BOOTNS] = rump_boot_nsec();
	n = MIN(uap->len / sizeof(v[0]), nitems(v)) * sizeof(v[0]);
	error = copyout(v, uap->buf, n);
	if (error == 0)
		retval[0] = (register_t)n;
	return error;
}

int
sys_rump_halt(struct lwp *l, const struct sys_rump_halt_args *uap,
    register_t *retval)
{
	int flags = uap->flags;

	if (!kauth_cred_issuser(kauth_cred_get()))
		return EPERM;
	if ((flags & ~(RUMP_HALT_NOSYNC | RUMP_HALT_DUMP | RUMP_HALT_KEEP))
	    != 0 || ((flags & RUMP_HALT_DUMP) && (flags & RUMP_HALT_KEEP)))
		return EINVAL;
	if (!(flags & RUMP_HALT_NOSYNC))
		shutdown_run_hooks();
	if (flags & RUMP_HALT_DUMP)
		rumpuser_exit(RUMPUSER_PANIC);
	if (flags & RUMP_HALT_KEEP) {
		sp_stop();
		retval[0] = 0;
		return 0;
	}
	rumpuser_exit(0);
}
