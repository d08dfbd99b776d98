/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shutdown.h: work to do when the kernel halts (kern_misc.c).
 *
 * Subsystems that hold state which must reach stable storage before the
 * process goes away (VFS: sync and unmount every file system) register a
 * hook, usually from their RUMP_COMPONENT init.  reboot(2) and the server's
 * halt run the hooks, in the reverse order of registration (the last
 * subsystem up is the first one down), and each hook runs at most once:
 * a second shutdown_run_hooks() waits until the first one is done and then
 * returns.  Hooks run in the calling thread, with a virtual CPU and no
 * locks held, and may sleep.  The structure belongs to the registering
 * subsystem and must stay valid; it is never unregistered.
 */
#ifndef _SYS_KERN_SHUTDOWN_H_
#define _SYS_KERN_SHUTDOWN_H_

#include "kern.h"

struct shutdown_hook {
	void (*sh_func)(void *);
	void *sh_arg;
	struct shutdown_hook *sh_next;   /* [a] the list (internal) */
};

void shutdown_hook_register(struct shutdown_hook *sh);
void shutdown_run_hooks(void);

#endif /* _SYS_KERN_SHUTDOWN_H_ */
