/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_lwp.c: processes, lwps and the rump_lwproc_* interface.
 *
 * proc0 (pid 0) is the kernel's own process: kernel threads live there.
 * initproc (pid 1) is where host threads that never asked for a process
 * run: the first time such a thread enters the kernel it gets an implicit
 * lwp in initproc, cached until the thread exits (the hypervisor's
 * hyp_lwpexit upcall) or switches to another lwp.
 *
 * rump_lwproc_rfork() makes a new process, child of the caller's, with a
 * copied, shared or empty descriptor table (the VFS's proc hooks), and
 * binds the calling thread to its first lwp.  A process ends when its
 * last lwp is released; its children are given to initproc.
 *
 * lwp states: created (lwp_create) -> bound to a thread (rumpuser LWP_SET)
 * <-> unbound -> freed (lwp_free).  An lwp is bound to at most one thread.
 *
 * Locking: proc_lock (the process table, p_pptr, p_hashnext) > p_lock
 * (p_lwps, p_nlwps, p_cred).  Called with a virtual CPU unless noted.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/resource.h"
#include "kern/kern_impl.h"

#include <rump/rump.h>

struct proc proc0;
struct proc *initproc;
kmutex_t proc_lock;

#define PIDHASH_SIZE 256
#define PID_MAX      4194304
static struct proc *pidhash[PIDHASH_SIZE];     /* [g] */
static pid_t pid_next = 2;                     /* [g] */
static struct proc_hooks *proc_hooks_list;     /* [g] */
static pool_t lwp_pool;

void
proc_hooks_register(struct proc_hooks *ph)
{

	mutex_enter(&proc_lock);
	ph->ph_next = proc_hooks_list;
	proc_hooks_list = ph;
	mutex_exit(&proc_lock);
}

struct proc *
proc_find(pid_t pid)
{
	struct proc *p;

	KASSERT(mutex_owned(&proc_lock));
	for (p = pidhash[pid % PIDHASH_SIZE]; p != NULL; p = p->p_hashnext)
		if (p->p_pid == pid)
			return p;
	return NULL;
}

static void
proc_hash_insert(struct proc *p)
{
	unsigned b = p->p_pid % PIDHASH_SIZE;

	KASSERT(mutex_owned(&proc_lock));
	p->p_hashnext = pidhash[b];
	pidhash[b] = p;
}

static void
proc_hash_remove(struct proc *p)
{
	struct proc **pp;

	KASSERT(mutex_owned(&proc_lock));
	for (pp = &pidhash[p->p_pid % PIDHASH_SIZE]; *pp != p;
	    pp = &(*pp)->p_hashnext)
		KASSERT(*pp != NULL);
	*pp = p->p_hashnext;
}

/* A free pid; proc_lock held. */
static pid_t
pid_alloc(void)
{

	KASSERT(mutex_owned(&proc_lock));
	for (;;) {
		pid_t pid = pid_next++;
		if (pid_next >= PID_MAX)
			pid_next = 2;
		if (proc_find(pid) == NULL)
			return pid;
	}
}

static void
proc_setup(struct proc *p, struct proc *parent, const char *comm)
{

	mutex_init(&p->p_lock, MUTEX_DEFAULT, "p_lock");
	p->p_pptr = parent;
	p->p_nextlid = 1;
	strlcpy(p->p_comm, comm, sizeof(p->p_comm));
	if (parent != NULL) {
		mutex_enter(&parent->p_lock);
		p->p_cred = parent->p_cred;
		kauth_cred_hold(p->p_cred);
		proc_rlimit_copy(p, parent);
		mutex_exit(&parent->p_lock);
		p->p_umask = atomic_load_relaxed(&parent->p_umask);
	} else {
		p->p_cred = kauth_cred_alloc();
		proc_rlimit_init(p);
		p->p_umask = 022;
	}
}

/* Run the fork hooks; undo those that ran if one fails. */
static int
proc_run_fork_hooks(struct proc *parent, struct proc *p, int forkflags)
{
	struct proc_hooks *ph, *undo;
	int error;

	for (ph = proc_hooks_list; ph != NULL; ph = ph->ph_next) {
		if (ph->ph_fork == NULL)
			continue;
		error = ph->ph_fork(parent, p, forkflags);
		if (error == 0)
			continue;
		for (undo = proc_hooks_list; undo != ph; undo = undo->ph_next)
			if (undo->ph_exit != NULL)
				undo->ph_exit(p);
		return error;
	}
	return 0;
}

static void
proc_free(struct proc *p)
{

	kauth_cred_free(p->p_cred);
	mutex_destroy(&p->p_lock);
	kmem_free(p, sizeof(*p));
}

/* Create a child process of parent; returns it without lwps. */
static int
proc_create(struct proc *parent, int forkflags, struct proc **pp)
{
	struct proc *p;
	int error;

	p = kmem_zalloc(sizeof(*p), KM_SLEEP);
	proc_setup(p, parent, parent->p_comm);
	error = proc_run_fork_hooks(parent, p, forkflags);
	if (error != 0) {
		proc_free(p);
		return error;
	}
	mutex_enter(&proc_lock);
	p->p_pid = pid_alloc();
	proc_hash_insert(p);
	mutex_exit(&proc_lock);
	*pp = p;
	return 0;
}

/* The last lwp of p is gone: run the exit hooks and free it. */
static void
proc_exit(struct proc *p)
{
	struct proc_hooks *ph;
	struct proc *q;
	unsigned b;

	KASSERT(p != &proc0 && p != initproc);
	for (ph = proc_hooks_list; ph != NULL; ph = ph->ph_next)
		if (ph->ph_exit != NULL)
			ph->ph_exit(p);
	mutex_enter(&proc_lock);
	proc_hash_remove(p);
	for (b = 0; b < PIDHASH_SIZE; b++)
		for (q = pidhash[b]; q != NULL; q = q->p_hashnext)
			if (q->p_pptr == p)
				q->p_pptr = initproc;
	mutex_exit(&proc_lock);
	proc_free(p);
}

int
lwp_create(struct proc *p, int flags, struct lwp **lp)
{
	struct lwp *l;

	l = pool_get(lwp_pool, KM_SLEEP);
	memset(l, 0, sizeof(*l));
	l->l_proc = p;
	l->l_flags = flags;
	l->l_lastcpu = 0;
	mutex_enter(&p->p_lock);
	l->l_lid = p->p_nextlid++;
	l->l_cred = p->p_cred;
	kauth_cred_hold(l->l_cred);
	l->l_credgen = atomic_load_relaxed(&p->p_credgen);
	l->l_next = p->p_lwps;
	p->p_lwps = l;
	p->p_nlwps++;
	mutex_exit(&p->p_lock);
	rumpuser_curlwpop(RUMPUSER_LWP_CREATE, l);
	*lp = l;
	return 0;
}

/*
 * Free l (not bound to any thread).  Returns true if it was the last lwp
 * of its process, which the caller then ends with proc_exit().
 */
static bool
lwp_unlink(struct lwp *l)
{
	struct proc *p = l->l_proc;
	struct lwp **lpp;
	bool last;

	mutex_enter(&p->p_lock);
	for (lpp = &p->p_lwps; *lpp != l; lpp = &(*lpp)->l_next)
		KASSERT(*lpp != NULL);
	*lpp = l->l_next;
	last = --p->p_nlwps == 0;
	mutex_exit(&p->p_lock);
	kauth_cred_free(l->l_cred);
	rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, l);
	return last;
}

void
lwp_free(struct lwp *l)
{
	struct proc *p = l->l_proc;
	bool last;

	last = lwp_unlink(l);
	pool_put(lwp_pool, l);
	if (last && p != &proc0 && p != initproc)
		proc_exit(p);
}

/*
 * The calling thread has no lwp: give it an implicit one in initproc.
 * Called without a CPU; returns the lwp bound, still without a CPU.
 */
struct lwp *
lwp_implicit(void)
{
	struct lwp *boot, *l;

	if (__predict_false(initproc == NULL)) {
		rumpuser_dprintf("rump kernel: system call before rump_init()\n");
		rumpuser_exit(RUMPUSER_PANIC);
	}
	/* Creating the lwp needs kernel services: borrow a boot lwp. */
	boot = lwp_boot();
	lwp_create(initproc, LW_IMPLICIT, &l);
	lwp_boot_done(boot);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, l);
	return l;
}

/*
 * A temporary lwp of proc0 on the calling thread, with a CPU, for work
 * done on behalf of a thread that has no usable lwp.  Undo with
 * lwp_boot_done().  The lwp is static storage: it exists before pools do.
 */
static struct lwp lwp_boot_storage[MAXCPUS * 4];
static unsigned lwp_boot_busy[MAXCPUS * 4];

struct lwp *
lwp_boot(void)
{
	struct lwp *l;
	unsigned i;

	for (;;) {
		for (i = 0; i < nitems(lwp_boot_storage); i++)
			if (__atomic_exchange_n(&lwp_boot_busy[i], 1,
			    __ATOMIC_ACQUIRE) == 0)
				goto found;
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 100000);
	}
found:
	l = &lwp_boot_storage[i];
	memset(l, 0, sizeof(*l));
	l->l_proc = &proc0;
	l->l_flags = LW_SYSTEM;
	l->l_cred = proc0.p_cred;
	l->l_lastcpu = i % ncpu;
	rumpuser_curlwpop(RUMPUSER_LWP_SET, l);
	sched_acquire_for(l);
	return l;
}

void
lwp_boot_done(struct lwp *l)
{
	unsigned i = l - lwp_boot_storage;

	sched_release_for(l);
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
	__atomic_store_n(&lwp_boot_busy[i], 0, __ATOMIC_RELEASE);
}

/* hyp_lwpexit: the host thread bound to l exits.  Called without a CPU. */
void
lwp_hyp_exit(struct lwp *l)
{
	struct lwp *boot;

	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
	boot = lwp_boot();
	lwp_free(l);
	lwp_boot_done(boot);
}

void
proc_init(void)
{

	mutex_init(&proc_lock, MUTEX_DEFAULT, "proc_lock");
	lwp_pool = pool_create(sizeof(struct lwp), COHERENCY_UNIT, "lwp");
	proc_setup(&proc0, NULL, "kernel");
	proc0.p_pid = 0;
	initproc = kmem_zalloc(sizeof(*initproc), KM_SLEEP);
	proc_setup(initproc, &proc0, "init");
	initproc->p_pid = 1;
	mutex_enter(&proc_lock);
	proc_hash_insert(&proc0);
	proc_hash_insert(initproc);
	mutex_exit(&proc_lock);
}

/* Switch the calling thread from its current lwp to l (may be NULL). */
static void
lwproc_switch(struct lwp *l)
{
	struct lwp *old = rumpuser_curlwp();

	if (old != NULL) {
		rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, old);
		if (old->l_flags & LW_IMPLICIT) {
			struct lwp *boot = lwp_boot();
			lwp_free(old);
			lwp_boot_done(boot);
		}
	}
	if (l != NULL)
		rumpuser_curlwpop(RUMPUSER_LWP_SET, l);
}

int
rump_lwproc_rfork(int flags)
{
	struct proc *parent, *p;
	struct lwp *l;
	int forkflags, error;

	switch (flags) {
	case RUMP_RFSHARE:
		forkflags = PROC_FORK_SHARE;
		break;
	case RUMP_RFFDG:
		forkflags = PROC_FORK_COPY;
		break;
	case RUMP_RFCFDG:
		forkflags = PROC_FORK_CLEAN;
		break;
	default:
		return EINVAL;
	}
	rump_schedule();
	parent = curproc;
	error = proc_create(parent, forkflags, &p);
	if (error == 0)
		lwp_create(p, 0, &l);
	rump_unschedule();
	if (error == 0)
		lwproc_switch(l);
	return error;
}

int
rump_lwproc_newlwp(int pid)
{
	struct proc *p;
	struct lwp *l;
	int error = 0;

	rump_schedule();
	mutex_enter(&proc_lock);
	p = proc_find(pid);
	if (p == NULL || p == &proc0) {
		mutex_exit(&proc_lock);
		error = ESRCH;
	} else {
		/* The new lwp keeps p alive once proc_lock is dropped. */
		lwp_create(p, 0, &l);
		mutex_exit(&proc_lock);
	}
	rump_unschedule();
	if (error == 0)
		lwproc_switch(l);
	return error;
}

void
rump_lwproc_switch(struct lwp *l)
{
	struct lwp *old = rumpuser_curlwp();

	if (old != NULL)
		KASSERTMSG(old->l_cpu == NULL,
		    "rump_lwproc_switch inside the kernel");
	lwproc_switch(l);
}

void
rump_lwproc_releaselwp(void)
{
	struct lwp *l = rumpuser_curlwp(), *boot;

	if (l == NULL)
		return;
	KASSERTMSG(l->l_cpu == NULL, "rump_lwproc_releaselwp inside the kernel");
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
	boot = lwp_boot();
	lwp_free(l);
	lwp_boot_done(boot);
}

struct lwp *
rump_lwproc_curlwp(void)
{
	struct lwp *l = rumpuser_curlwp();

	if (l == NULL || (l->l_flags & LW_IMPLICIT))
		return NULL;
	return l;
}

/* --- deferred work (lwp.h lwp_defer) --- */

static const struct lwp_deferops *lwp_deferops;  /* [a] set once */

void
lwp_defer_register(const struct lwp_deferops *ops)
{
	KASSERT(lwp_deferops == NULL || lwp_deferops == ops);
	atomic_store_release(&lwp_deferops, ops);
}

void
lwp_deferred_run(struct lwp *l)
{
	const struct lwp_deferops *ops = atomic_load_acquire(&lwp_deferops);

	l->l_deferred = 0;
	if (ops != NULL)
		ops->ld_run();
}

void
lwp_deferred_kick(struct lwp *l)
{
	const struct lwp_deferops *ops = atomic_load_acquire(&lwp_deferops);

	l->l_deferred = 0;
	if (ops != NULL)
		ops->ld_kick();
}
