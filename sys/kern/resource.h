/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * resource.h: per-process resource limits (kern_resource.c).
 *
 * The limits live in struct proc (p_rlimit, under p_lock).  kern_lwp.c
 * gives a process without a parent the defaults and copies a parent's
 * limits into a new child; getrlimit(2)/setrlimit(2) read and change them.
 * Defaults: RLIMIT_NOFILE 1024 (soft) / 4096 (hard), everything else
 * unlimited.  VFS enforces RLIMIT_NOFILE and RLIMIT_FSIZE.
 */
#ifndef _SYS_KERN_RESOURCE_H_
#define _SYS_KERN_RESOURCE_H_

#include "kern.h"

#define RLIMIT_NOFILE_CUR 1024
#define RLIMIT_NOFILE_MAX 4096
/* The highest RLIMIT_NOFILE anyone may set (Linux's nr_open default). */
#define RLIMIT_NOFILE_CEIL (1024 * 1024)

struct proc;

/* Set p's limits to the defaults; p is not visible to anyone yet. */
void proc_rlimit_init(struct proc *p);
/* Copy src's limits into dst (not visible yet); src's p_lock is held. */
void proc_rlimit_copy(struct proc *dst, struct proc *src);
/* Read one limit of p (takes p_lock); resource must be valid. */
void proc_rlimit_get(struct proc *p, int resource, struct rump_rlimit *rl);

#endif /* _SYS_KERN_RESOURCE_H_ */
