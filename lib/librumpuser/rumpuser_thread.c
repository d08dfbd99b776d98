/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_thread.c: host threads for kernel threads, and the binding of
 * lwps to host threads.
 *
 * The kernel's lwp code (sys/kern) creates its threads here and tells the
 * hypervisor which lwp runs on the calling host thread with
 * rumpuser_curlwpop().  rumpuser_curlwp() is on the path of every kernel
 * entry, so it is a single read of an initial-exec TLS variable.
 *
 * A host thread that enters the kernel on its own (an application thread)
 * gets an implicit lwp from the kernel, which binds it with
 * RUMPUSER_LWP_SET.  When such a thread exits with its lwp still bound, a
 * pthread key destructor hands the lwp back through the hyp_lwpexit upcall,
 * without a virtual CPU, so the kernel can free it.
 *
 * Threads started here have every signal blocked: host signals belong to
 * the application's own threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rumpuser_int.h"

/* The lwp bound to this host thread; only this thread writes it. */
__thread struct lwp *ru_curlwp_tls __attribute__((tls_model("initial-exec")));

/* Same value as ru_curlwp_tls; its destructor reports exits. [I] key */
static pthread_key_t ru_lwp_key;
static pthread_once_t ru_lwp_once = PTHREAD_ONCE_INIT;
static int ru_lwp_key_error;

/* A joinable thread's handle, given to the kernel as the cookie. */
struct ru_thread {
	pthread_t t_id;
};

/* What a new thread needs before it runs the caller's function. */
struct ru_thread_start {
	void *(*ts_fn)(void *);
	void *ts_arg;
	char ts_name[16]; /* the host's limit, NUL included */
};

/*
 * Destructor of ru_lwp_key: the thread exits with an lwp bound.  The host
 * has already cleared the key; the TLS value stays set while the kernel
 * releases the lwp, so the kernel still sees it as curlwp.
 */
static void
ru_lwp_dtor(void *v)
{
	struct lwp *l = v;

	if (ru_hyp.hyp_lwpexit != NULL)
		ru_hyp.hyp_lwpexit(l);
	if (ru_curlwp_tls == l)
		ru_curlwp_tls = NULL;
}

static void
ru_lwp_key_create(void)
{
	ru_lwp_key_error = pthread_key_create(&ru_lwp_key, ru_lwp_dtor);
}

int
ru_lwp_init(void)
{
	pthread_once(&ru_lwp_once, ru_lwp_key_create);
	return ru_lwp_key_error;
}

struct lwp *
rumpuser_curlwp(void)
{
	return ru_curlwp_tls;
}

/*
 * Bind (RUMPUSER_LWP_SET) or unbind (RUMPUSER_LWP_CLEAR) l on the calling
 * thread.  RUMPUSER_LWP_CREATE and RUMPUSER_LWP_DESTROY need no bookkeeping
 * in this hypervisor.
 */
void
rumpuser_curlwpop(int op, struct lwp *l)
{
	switch (op) {
	case RUMPUSER_LWP_SET:
		ru_curlwp_tls = l;
		if (ru_lwp_init() == 0)
			pthread_setspecific(ru_lwp_key, l);
		break;
	case RUMPUSER_LWP_CLEAR:
		ru_curlwp_tls = NULL;
		if (ru_lwp_init() == 0)
			pthread_setspecific(ru_lwp_key, NULL);
		break;
	case RUMPUSER_LWP_CREATE:
	case RUMPUSER_LWP_DESTROY:
	default:
		break;
	}
}

/* First code of every thread started here: name it, then run. */
static void *
ru_thread_trampoline(void *v)
{
	struct ru_thread_start ts = *(struct ru_thread_start *)v;

	free(v);
	if (ts.ts_name[0] != '\0')
		pthread_setname_np(pthread_self(), ts.ts_name);
	return ts.ts_fn(ts.ts_arg);
}

/*
 * Start a thread running fn(arg) with every signal blocked.  If idp is
 * NULL the thread is detached, else joinable with its id in *idp.
 */
static int
ru_thread_start(void *(*fn)(void *), void *arg, const char *name,
    pthread_t *idp)
{
	struct ru_thread_start *ts;
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t id;
	int error;

	ts = malloc(sizeof(*ts));
	if (ts == NULL)
		return ENOMEM;
	ts->ts_fn = fn;
	ts->ts_arg = arg;
	ts->ts_name[0] = '\0';
	if (name != NULL) {
		strncpy(ts->ts_name, name, sizeof(ts->ts_name) - 1);
		ts->ts_name[sizeof(ts->ts_name) - 1] = '\0';
	}

	error = pthread_attr_init(&attr);
	if (error != 0)
		goto out_free;
	error = pthread_attr_setdetachstate(&attr, idp != NULL ?
	    PTHREAD_CREATE_JOINABLE : PTHREAD_CREATE_DETACHED);
	if (error != 0)
		goto out_attr;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&id, &attr, ru_thread_trampoline, ts);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0)
		goto out_attr;

	pthread_attr_destroy(&attr);
	if (idp != NULL)
		*idp = id;
	return 0;

out_attr:
	pthread_attr_destroy(&attr);
out_free:
	free(ts);
	return error;
}

int
ru_thread_start_helper(void *(*fn)(void *), void *arg, const char *name)
{
	return ru_thread_start(fn, arg, name, NULL);
}

/*
 * Create a kernel thread running fn(arg), named name (cut to 15
 * characters).  A joinable thread's handle goes to *cookiep, to be given
 * to rumpuser_thread_join() exactly once; for a detached thread cookiep
 * may be NULL.  priority and cpuidx are hints this host ignores.  Returns
 * 0, EINVAL (joinable without cookiep), EAGAIN or ENOMEM.
 */
int
rumpuser_thread_create(void *(*fn)(void *), void *arg, const char *name,
    int joinable, int priority, int cpuidx, void **cookiep)
{
	struct ru_thread *t;
	int error;

	if (!joinable) {
		error = ru_thread_start(fn, arg, name, NULL);
		if (error == 0 && cookiep != NULL)
			*cookiep = NULL;
		return error;
	}
	if (cookiep == NULL)
		return EINVAL;
	t = malloc(sizeof(*t));
	if (t == NULL)
		return ENOMEM;
	error = ru_thread_start(fn, arg, name, &t->t_id);
	if (error != 0) {
		free(t);
		return error;
	}
	*cookiep = t;
	return 0;
}

void
rumpuser_thread_exit(void)
{
	pthread_exit(NULL);
}

/*
 * Wait, with the virtual CPU released, for a joinable thread to end, and
 * free its handle.  Returns 0 or the host's error (the handle is kept
 * then).
 */
int
rumpuser_thread_join(void *cookie)
{
	struct ru_thread *t = cookie;
	int error, nlocks;

	if (t == NULL)
		return EINVAL;
	nlocks = ru_unschedule(NULL);
	error = pthread_join(t->t_id, NULL);
	ru_schedule(nlocks);
	if (error == 0)
		free(t);
	return error;
}
