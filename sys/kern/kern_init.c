/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_init.c: rump_init(), the kernel's boot.
 *
 * Order: the hypervisor (rumpuser_init, with the scheduler's upcalls), the
 * boot parameters (each checked: a malformed one fails the boot with
 * EINVAL), memory (kmem_init with RUMP_MEMLIMIT), the virtual CPUs, proc0
 * and initproc, the clock thread and the pagedaemon, then every component
 * found in the loaded objects, in level order.  The booting thread runs
 * all of it on a temporary lwp of proc0 and leaves the kernel unbound:
 * its next system call gets an implicit lwp in initproc like any thread.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/kern_impl.h"

#include <rump/rump.h>

static bool rump_booted;
static uint64_t rump_boot_ns;

static void
hyp_lwpexit(struct lwp *l)
{

	lwp_hyp_exit(l);
}

static const struct rumpuser_hyperup hyp = {
	.hyp_backend_unschedule = sched_backend_unschedule,
	.hyp_backend_schedule = sched_backend_schedule,
	.hyp_lwpexit = hyp_lwpexit,
};

/* Read a numeric parameter; 0, or EINVAL (the hypervisor said why). */
static int
param_u64(const char *name, uint64_t *valp)
{
	char buf[64];
	int error;

	error = rumpuser_getparam(name, buf, sizeof(buf));
	if (error != 0)
		return error;
	error = kstrtou64(buf, valp);
	if (error != 0) {
		rumpuser_dprintf("rump_init: %s: unexpected value \"%s\"\n",
		    name, buf);
		return EINVAL;
	}
	return 0;
}

/* Components found in loaded objects, before they run. */
#define COMPONENTS_MAX 256
static const struct rump_component *components[COMPONENTS_MAX];
static unsigned ncomponents;
static bool components_overflow;

static void
component_add(const struct rump_component *rc)
{
	unsigned i;

	for (i = 0; i < ncomponents; i++)
		if (components[i] == rc)
			return;
	if (ncomponents == COMPONENTS_MAX) {
		components_overflow = true;
		return;
	}
	components[ncomponents++] = rc;
}

static int
components_run(void)
{
	unsigned i;
	int level, error;

	if (components_overflow) {
		printf("rump_init: more than %d components\n", COMPONENTS_MAX);
		return E2BIG;
	}
	for (level = 1; level < RUMP_COMPONENT_MAX; level++) {
		for (i = 0; i < ncomponents; i++) {
			const struct rump_component *rc = components[i];
			if (rc->rc_level != level)
				continue;
			aprint_verbose("rump: component %s (level %d)\n",
			    rc->rc_name, level);
			error = rc->rc_init();
			if (error != 0) {
				printf("rump_init: component %s failed: "
				    "error %d\n", rc->rc_name, error);
				return error;
			}
		}
	}
	return 0;
}

static uint64_t
mono_ns(void)
{
	int64_t sec;
	long nsec;

	rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec, &nsec);
	return (uint64_t)sec * 1000000000ULL + (uint64_t)nsec;
}

int
rump_init(void)
{
	uint64_t t0, ncpus, verbose, memlimit, threads;
	struct lwp *l;
	int error;

	if (rump_booted)
		return 0;
	t0 = mono_ns();
	error = rumpuser_init(RUMPUSER_VERSION, &hyp);
	if (error != 0)
		return error;
	if ((error = param_u64("RUMP_NCPU", &ncpus)) != 0 ||
	    (error = param_u64("RUMP_VERBOSE", &verbose)) != 0 ||
	    (error = param_u64("RUMP_MEMLIMIT", &memlimit)) != 0 ||
	    (error = param_u64("RUMP_THREADS", &threads)) != 0 ||
	    (error = param_u64("RUMP_NVNODES", &(uint64_t){0})) != 0)
		return error;
	{
		char host[RUMP_UTSNAME_LEN];
		error = rumpuser_getparam("RUMP_HOSTNAME", host, sizeof(host));
		if (error != 0)
			return error;
	}
	if (ncpus < 1 || ncpus > MAXCPUS)
		return EINVAL;
	boothowto_verbose = verbose != 0;
	kthread_allowed = threads != 0;

	kmem_init(memlimit);
	sched_init((unsigned)ncpus);
	proc_init();
	l = lwp_boot();
	aprint_verbose("rump kernel %s booting: %u virtual CPUs, memory limit "
	    "%llu bytes\n", "0.1.0", ncpu, (unsigned long long)memlimit);
	callout_startup();
	kmem_pagedaemon_start();
	rumpuser_dl_bootstrap(component_add);
	error = components_run();
	lwp_boot_done(l);
	if (error != 0)
		return error;
	rump_booted = true;
	rump_boot_ns = mono_ns() - t0;
	aprint_verbose("rump kernel booted in %llu ns\n",
	    (unsigned long long)rump_boot_ns);
	return 0;
}

int
rump_getversion(void)
{

	return RUMP_VERSION;
}

uint64_t
rump_boot_nsec(void)
{

	return rump_boot_ns;
}
