/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_resource.c: resource limits, getrlimit(2) and setrlimit(2).
 *
 * Each process has RLIM_NLIMITS soft/hard pairs in p_rlimit (lwp.h, under
 * p_lock).  kern_lwp.c sets them up for new processes through
 * proc_rlimit_init() and proc_rlimit_copy() (resource.h).  The rules of
 * setrlimit follow Linux: the soft limit may not exceed the hard limit
 * (EINVAL), only root (effective uid 0) may raise a hard limit (EPERM),
 * and RLIMIT_NOFILE cannot go above RLIMIT_NOFILE_CEIL (EPERM).
 */
#include "kern/kern.h"
#include "kern/lwp.h"
#include "kern/resource.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"

void
proc_rlimit_init(struct proc *p)
{
	int i;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		p->p_rlimit[i].rlim_cur = RLIM_INFINITY;
		p->p_rlimit[i].rlim_max = RLIM_INFINITY;
	}
	p->p_rlimit[RLIMIT_NOFILE].rlim_cur = RLIMIT_NOFILE_CUR;
	p->p_rlimit[RLIMIT_NOFILE].rlim_max = RLIMIT_NOFILE_MAX;
}

void
proc_rlimit_copy(struct proc *dst, struct proc *src)
{
	KASSERT(mutex_owned(&src->p_lock));
	memcpy(dst->p_rlimit, src->p_rlimit, sizeof(dst->p_rlimit));
}

void
proc_rlimit_get(struct proc *p, int resource, struct rump_rlimit *rl)
{
	KASSERT(resource >= 0 && resource < RLIM_NLIMITS);
	mutex_enter(&p->p_lock);
	*rl = p->p_rlimit[resource];
	mutex_exit(&p->p_lock);
}

int
sys_getrlimit(struct lwp *l, const struct sys_getrlimit_args *uap,
    register_t *retval)
{
	struct rump_rlimit rl;

	if (uap->resource < 0 || uap->resource >= RLIM_NLIMITS)
		return EINVAL;
	proc_rlimit_get(l->l_proc, uap->resource, &rl);
	retval[0] = 0;
	return copyout(&rl, uap->rlim, sizeof(rl));
}

int
sys_setrlimit(struct lwp *l, const struct sys_setrlimit_args *uap,
    register_t *retval)
{
	struct proc *p = l->l_proc;
	struct rump_rlimit rl, *cur;
	bool priv;
	int error;

	if (uap->resource < 0 || uap->resource >= RLIM_NLIMITS)
		return EINVAL;
	error = copyin(uap->rlim, &rl, sizeof(rl));
	if (error != 0)
		return error;
	if (rl.rlim_cur > rl.rlim_max)
		return EINVAL;
	if (uap->resource == RLIMIT_NOFILE && rl.rlim_max > RLIMIT_NOFILE_CEIL)
		return EPERM;
	priv = kauth_cred_issuser(kauth_cred_get());

	mutex_enter(&p->p_lock);
	cur = &p->p_rlimit[uap->resource];
	if (rl.rlim_max > cur->rlim_max && !priv) {
		mutex_exit(&p->p_lock);
		return EPERM;
	}
	*cur = rl;
	mutex_exit(&p->p_lock);
	retval[0] = 0;
	return 0;
}
