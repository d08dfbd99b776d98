/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_impl.h: declarations private to the kernel core (sys/kern).
 */
#ifndef _SYS_KERN_KERN_IMPL_H_
#define _SYS_KERN_KERN_IMPL_H_

#include "kern/kern.h"
#include "kern/lwp.h"

/* kern_sched.c */
void sched_acquire_for(struct lwp *l);
void sched_release_for(struct lwp *l);

/* kern_lwp.c */
struct lwp *lwp_implicit(void);
void lwp_hyp_exit(struct lwp *l);
struct lwp *lwp_boot(void);
void lwp_boot_done(struct lwp *l);

/* kern_kthread.c */
extern bool kthread_allowed;

#endif /* _SYS_KERN_KERN_IMPL_H_ */
