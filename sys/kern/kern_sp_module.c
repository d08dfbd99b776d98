/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sp_module.c: components of objects loaded after boot.
 *
 * rump_init() runs the components of every object loaded when it is
 * called.  A library loaded later (rump_server -m: a module file copied
 * out of the kernel's tree and dlopen()ed) brings components that nobody
 * has run.  This file remembers which components existed at the end of
 * the boot (a POSTINIT component of its own takes the snapshot), and
 * rump_component_rescan() runs the ones found since, in level order, each
 * once.
 *
 * Locking: sp_mod_lock serialises rescans and protects the list.
 */
#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lock.h"

#include <rump/rump.h>

#define SP_MOD_MAX 512

static const struct rump_component *sp_mod_seen[SP_MOD_MAX]; /* [m] */
static unsigned sp_mod_nseen;                                 /* [m] */
static const struct rump_component *sp_mod_new[SP_MOD_MAX];  /* [m] */
static unsigned sp_mod_nnew;                                  /* [m] */
static bool sp_mod_overflow;                                  /* [m] */
static kmutex_t sp_mod_lock;

static bool
sp_mod_known(const struct rump_component *rc)
{
	unsigned i;

	for (i = 0; i < sp_mod_nseen; i++)
		if (sp_mod_seen[i] == rc)
			return true;
	for (i = 0; i < sp_mod_nnew; i++)
		if (sp_mod_new[i] == rc)
			return true;
	return false;
}

static void
sp_mod_add_seen(const struct rump_component *rc)
{

	if (sp_mod_known(rc))
		return;
	if (sp_mod_nseen == SP_MOD_MAX) {
		sp_mod_overflow = true;
		return;
	}
	sp_mod_seen[sp_mod_nseen++] = rc;
}

static void
sp_mod_add_new(const struct rump_component *rc)
{

	if (sp_mod_known(rc))
		return;
	if (sp_mod_nnew == SP_MOD_MAX) {
		sp_mod_overflow = true;
		return;
	}
	sp_mod_new[sp_mod_nnew++] = rc;
}

/* Last at boot: every component loaded now has run. */
RUMP_COMPONENT(RUMP_COMPONENT_POSTINIT)
{

	mutex_init(&sp_mod_lock, MUTEX_DEFAULT, "sp_mod");
	rumpuser_dl_bootstrap(sp_mod_add_seen);
	return 0;
}

int
rump_component_rescan(void)
{
	const struct rump_component *rc;
	unsigned i, first;
	int level, error, ret = 0;

	rump_schedule();
	mutex_enter(&sp_mod_lock);
	first = sp_mod_nnew;
	rumpuser_dl_bootstrap(sp_mod_add_new);
	if (sp_mod_overflow) {
		printf("rump: more than %d components\n", SP_MOD_MAX);
		ret = E2BIG;
	}
	for (level = 1; level < RUMP_COMPONENT_MAX; level++) {
		for (i = first; i < sp_mod_nnew; i++) {
			rc = sp_mod_new[i];
			if (rc->rc_level != level)
				continue;
			aprint_verbose("rump: component %s (level %d)\n",
			    rc->rc_name, level);
			error = rc->rc_init();
			if (error != 0) {
				printf("rump: component %s failed: error %d\n",
				    rc->rc_name, error);
				if (ret == 0)
					ret = error;
			}
		}
	}
	mutex_exit(&sp_mod_lock);
	rump_unschedule();
	return ret;
}
