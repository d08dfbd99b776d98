/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lwp.h: lwps, processes, credentials, virtual CPUs and kernel threads.
 *
 * Every host thread running kernel code is bound to an lwp (curlwp), and
 * every lwp belongs to a process.  Threads that enter the kernel without
 * having been given an lwp get an implicit one in proc0 the first time,
 * cached until the thread exits (the hypervisor calls hyp_lwpexit).
 * Kernel code runs only while its thread holds a virtual CPU (struct
 * cpu_info); see kern_sched.c for the protocol.
 *
 * Locking: [I] immutable after creation, [a] atomic, [p] proc's p_lock,
 * [g] proc_lock (global: the process table and parent links),
 * [l] only the lwp itself (curlwp), [S] l_sleeplk (kern_lock.c).
 * Lock order: proc_lock > p_lock > l_sleeplk; l_sleeplk only ever
 * try-enters other mutexes.
 */
#ifndef _SYS_KERN_LWP_H_
#define _SYS_KERN_LWP_H_

#include "kern.h"
#include "lock.h"

#define MAXCPUS 64

struct cpu_info {
	unsigned ci_index;                 /* [I] */
	int ci_busy;                       /* [a] 1 while an lwp runs on it */
	struct lwp *ci_curlwp;             /* [l] the lwp running here */
	uint64_t ci_nswitch;               /* [l] schedule count */
} __cacheline_aligned;

extern struct cpu_info cpu_infos[MAXCPUS];
extern unsigned ncpu;                  /* [I] after boot */

/* Credentials: immutable once shared; change by copy-and-replace. */
#define NGROUPS_KERN 64
struct kauth_cred {
	unsigned cr_refcnt;                /* [a] */
	uid_t cr_uid, cr_euid, cr_svuid;   /* [I] */
	gid_t cr_gid, cr_egid, cr_svgid;   /* [I] */
	int cr_ngroups;                    /* [I] */
	gid_t cr_groups[NGROUPS_KERN];     /* [I] */
};

kauth_cred_t kauth_cred_get(void);     /* curlwp's; no reference taken */
kauth_cred_t kauth_cred_alloc(void);   /* root, no groups; one reference */
kauth_cred_t kauth_cred_dup(kauth_cred_t cred);
void kauth_cred_hold(kauth_cred_t cred);
void kauth_cred_free(kauth_cred_t cred);   /* drops a reference */
bool kauth_cred_groupmember(kauth_cred_t cred, gid_t gid); /* egid or group */
static inline bool
kauth_cred_issuser(kauth_cred_t cred)
{
	return cred->cr_euid == 0;
}
/* Install a new credential in the current process (takes over cred's
 * reference). */
void proc_setcred(struct proc *p, kauth_cred_t cred);

#define LW_SYSTEM   0x01   /* kernel thread */
#define LW_IMPLICIT 0x02   /* created for a host thread that had none */
#define LW_WEXIT    0x04   /* being released */
#define LW_JOINABLE 0x08   /* kernel thread collected by kthread_join */

struct lwp {
	struct proc *l_proc;               /* [I] */
	lwpid_t l_lid;                     /* [I] */
	int l_flags;                       /* [l] LW_* */
	struct cpu_info *l_cpu;            /* [l] CPU held now, or NULL */
	unsigned l_lastcpu;                /* [l] CPU to try first */
	int l_nosched;                     /* [l] nesting of rump_schedule */
	kauth_cred_t l_cred;               /* [l] cached p_cred, referenced */
	unsigned l_credgen;                /* [l] p_credgen of l_cred */
	void *l_namei;                     /* [l] VFS scratch, or NULL */
	void *l_pollctx;                   /* [l] VFS: poll scan running, or NULL */
	char l_name[16];                   /* [l] for kernel threads */
	struct lwp *l_next;                /* [p] in p_lwps */
	/* Interruptible sleeps (cv_wait_sig, lwp_interrupt). */
	int l_intr;                        /* [a] interrupted: sleeps fail */
	int l_sleeplk;                     /* [a] spin lock of the next two */
	kcondvar_t *l_sleepcv;             /* [S] cv of a _sig sleep, or NULL */
	kmutex_t *l_sleepmtx;              /* [S] its mutex */
	int l_deferred;                    /* [l] lwp_defer() work pending */
};

/*
 * Work a subsystem leaves for the calling thread to finish when it leaves
 * the kernel (the end of its system call or rump_unschedule, no locks
 * held: ld_run) or, should it sleep first, to hand to a kernel thread
 * before the sleep (cv_wait: ld_kick, called with the sleep's mutex held,
 * so it may take only leaf locks).  The network stack uses it for the
 * packets a sender loops back to itself through lo0: the sender handles
 * them at the end of its call instead of waking the netisr thread for
 * each.  One user: the hooks are registered once.
 */
struct lwp_deferops {
	void (*ld_run)(void);
	void (*ld_kick)(void);
};
void lwp_defer_register(const struct lwp_deferops *ops);
void lwp_deferred_run(struct lwp *l);
void lwp_deferred_kick(struct lwp *l);

static inline void
lwp_defer(struct lwp *l)
{
	l->l_deferred = 1;
}

/* Hooks of subsystems that keep per-process state (VFS: descriptors, cwd). */
#define PROC_FORK_SHARE 0x00   /* share the parent's descriptor table */
#define PROC_FORK_COPY  0x01   /* copy it (RUMP_RFFDG) */
#define PROC_FORK_CLEAN 0x02   /* start empty (RUMP_RFCFDG) */
struct proc_hooks {
	/* Set up child's state from parent's; 0 or errno. */
	int (*ph_fork)(struct proc *parent, struct proc *child, int forkflags);
	/* Release the state of a process that is going away. */
	void (*ph_exit)(struct proc *p);
	struct proc_hooks *ph_next;
};
void proc_hooks_register(struct proc_hooks *ph);

struct proc {
	pid_t p_pid;                       /* [I] */
	struct proc *p_pptr;               /* [g] parent */
	kmutex_t p_lock;
	kauth_cred_t p_cred;               /* [p] */
	unsigned p_credgen;                /* [a] bumped when p_cred changes */
	unsigned p_umask;                  /* [a] */
	struct rump_rlimit p_rlimit[RLIM_NLIMITS]; /* [p] */
	struct lwp *p_lwps;                /* [p] */
	int p_nlwps;                       /* [p] */
	lwpid_t p_nextlid;                 /* [p] */
	void *p_fd;                        /* [I] VFS: struct filedesc */
	void *p_cwdi;                      /* [I] VFS: struct cwdinfo */
	char p_comm[16];                   /* [p] */
	struct proc *p_hashnext;           /* [g] */
	int p_intr;                        /* [a] exiting: every lwp interrupted */
};

extern struct proc proc0;              /* the kernel's own process, pid 0 */
extern struct proc *initproc;          /* pid 1, the default for programs */
extern kmutex_t proc_lock;

/* curlwp is the lwp bound to the calling host thread. */
#define curlwp    (rumpuser_curlwp())
#define curproc   (curlwp->l_proc)
#define curcpu()  (curlwp->l_cpu)

struct proc *proc_find(pid_t pid);     /* with proc_lock held */

/* Virtual CPUs (kern_sched.c). */
void rump_schedule(void);
void rump_unschedule(void);
void sched_init(unsigned ncpus);
/* Give the CPU back before blocking in the host and take one again; the
 * hypervisor calls these through the upcalls. */
void sched_backend_unschedule(int nlocks, int *countp, void *interlock);
void sched_backend_schedule(int nlocks, void *interlock);
/* Let another lwp run (a CPU-bound loop in the kernel calls this). */
void preempt(void);

/* Kernel threads (kern_kthread.c). */
#define KTHREAD_JOINABLE 0x01
int kthread_create(int flags, void (*func)(void *), void *arg,
    struct lwp **lp, const char *fmt, ...) __printflike(5, 6);
void kthread_exit(int ecode) __noreturn;
int kthread_join(struct lwp *l);

/* lwps (kern_lwp.c). */
int lwp_create(struct proc *p, int flags, struct lwp **lp);
void lwp_free(struct lwp *l);

void proc_init(void);

/*
 * Interruption (kern_lock.c).  An interrupted lwp (or any lwp of an
 * interrupted process) fails every interruptible sleep (cv_wait_sig,
 * cv_timedwait_sig) with EINTR, now and from then on: it is on its way
 * out, e.g. the remote client it serves has gone.  lwp_interrupt() and
 * proc_interrupt() wake such sleeps; call them with a CPU and without
 * holding a mutex any lwp may sleep on.  The caller keeps l (p) alive.
 */
void lwp_interrupt(struct lwp *l);
void proc_interrupt(struct proc *p);
bool lwp_interrupted(struct lwp *l);

#endif /* _SYS_KERN_LWP_H_ */
