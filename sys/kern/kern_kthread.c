/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_kthread.c: kernel threads.
 *
 * A kernel thread is a host thread (rumpuser_thread_create) bound to an
 * lwp of proc0 for its whole life.  It starts with a virtual CPU and gives
 * it back only when it blocks.  Joinable threads keep their lwp until
 * kthread_join() has collected them.  With RUMP_THREADS=0 the kernel may
 * create no threads and kthread_create() fails with EAGAIN; services that
 * need a thread (callouts, the pagedaemon) then run without one.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/kern_impl.h"

bool kthread_allowed = true;

/*
 * Start-up record, on the creator's stack: the creator waits until the new
 * thread has copied it (ks_started), so nothing is left to free later and
 * kernel memory is settled when kthread_create() returns.
 */
struct kthread_start {
	void (*ks_func)(void *);
	void *ks_arg;
	struct lwp *ks_lwp;
	kmutex_t ks_lock;
	kcondvar_t ks_cv;
	bool ks_started;                  /* [ks_lock] */
};

/* Per-lwp join handle, kept in a small side table keyed by lwp. */
struct kthread_join {
	struct lwp *kj_lwp;
	void *kj_cookie;
	struct kthread_join *kj_next;
};
static struct kthread_join *kthread_joins;   /* [kthread_lock] */
static kmutex_t kthread_lock;
static bool kthread_lock_inited;

static void *
kthread_trampoline(void *arg)
{
	struct kthread_start *ksp = arg;
	void (*func)(void *) = ksp->ks_func;
	void *farg = ksp->ks_arg;

	rumpuser_curlwpop(RUMPUSER_LWP_SET, ksp->ks_lwp);
	rump_schedule();
	mutex_enter(&ksp->ks_lock);
	ksp->ks_started = true;
	cv_signal(&ksp->ks_cv);
	/* ksp is gone once the creator sees ks_started. */
	mutex_exit(&ksp->ks_lock);
	func(farg);
	kthread_exit(0);
}

int
kthread_create(int flags, void (*func)(void *), void *arg,
    struct lwp **lp, const char *fmt, ...)
{
	struct kthread_start ks;
	struct kthread_join *kj = NULL;
	struct lwp *l;
	void *cookie;
	va_list ap;
	int error;

	if (!kthread_allowed)
		return EAGAIN;
	if (!kthread_lock_inited) {
		mutex_init(&kthread_lock, MUTEX_DEFAULT, "kthread");
		kthread_lock_inited = true;
	}
	lwp_create(&proc0, LW_SYSTEM, &l);
	va_start(ap, fmt);
	vsnprintf(l->l_name, sizeof(l->l_name), fmt, ap);
	va_end(ap);
	ks.ks_func = func;
	ks.ks_arg = arg;
	ks.ks_lwp = l;
	ks.ks_started = false;
	mutex_init(&ks.ks_lock, MUTEX_DEFAULT, "kthstart");
	cv_init(&ks.ks_cv, "kthstart");
	if (flags & KTHREAD_JOINABLE) {
		kj = kmem_zalloc(sizeof(*kj), KM_SLEEP);
		l->l_flags |= LW_JOINABLE;
	}
	error = rumpuser_thread_create(kthread_trampoline, &ks, l->l_name,
	    (flags & KTHREAD_JOINABLE) != 0, 0, -1, &cookie);
	if (error == 0) {
		mutex_enter(&ks.ks_lock);
		while (!ks.ks_started)
			cv_wait(&ks.ks_cv, &ks.ks_lock);
		mutex_exit(&ks.ks_lock);
	}
	cv_destroy(&ks.ks_cv);
	mutex_destroy(&ks.ks_lock);
	if (error != 0) {
		if (kj != NULL)
			kmem_free(kj, sizeof(*kj));
		lwp_free(l);
		return error;
	}
	if (kj != NULL) {
		kj->kj_lwp = l;
		kj->kj_cookie = cookie;
		mutex_enter(&kthread_lock);
		kj->kj_next = kthread_joins;
		kthread_joins = kj;
		mutex_exit(&kthread_lock);
	}
	if (lp != NULL)
		*lp = l;
	return 0;
}

static struct kthread_join *
kthread_join_find(struct lwp *l, bool unlink)
{
	struct kthread_join **kjp, *kj;

	mutex_enter(&kthread_lock);
	for (kjp = &kthread_joins; (kj = *kjp) != NULL; kjp = &kj->kj_next) {
		if (kj->kj_lwp == l) {
			if (unlink)
				*kjp = kj->kj_next;
			break;
		}
	}
	mutex_exit(&kthread_lock);
	return kj;
}

void
kthread_exit(int ecode)
{
	struct lwp *l = curlwp;

	if ((l->l_flags & LW_JOINABLE) == 0) {
		/* Not joinable: nobody will collect the lwp, free it. */
		rump_unschedule();
		rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
		struct lwp *boot = lwp_boot();
		lwp_free(l);
		lwp_boot_done(boot);
	} else {
		rump_unschedule();
		rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
	}
	rumpuser_thread_exit();
}

int
kthread_join(struct lwp *l)
{
	struct kthread_join *kj;
	int error;

	kj = kthread_join_find(l, true);
	if (kj == NULL)
		return EINVAL;
	error = rumpuser_thread_join(kj->kj_cookie);
	kmem_free(kj, sizeof(*kj));
	if (error == 0)
		lwp_free(l);
	return error;
}
