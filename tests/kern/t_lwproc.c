/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_lwproc.c: processes and lwps through rump_lwproc_*, implicit lwps,
 * and threads on few virtual CPUs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

Test(lwproc, implicit_lwp_is_in_init)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_sys_getpid(), 1);
	cr_assert_eq(rump_sys_getppid(), 0);
	cr_assert_null(rump_lwproc_curlwp());
}

Test(lwproc, rfork_makes_children)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	struct lwp *l1 = rump_lwproc_curlwp();
	cr_assert_not_null(l1);
	pid_t p1 = rump_sys_getpid();
	cr_assert_gt(p1, 1);
	cr_assert_eq(rump_sys_getppid(), 1);

	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG), 0);
	pid_t p2 = rump_sys_getpid();
	cr_assert_neq(p2, p1);
	cr_assert_eq(rump_sys_getppid(), p1);
	struct lwp *l2 = rump_lwproc_curlwp();

	rump_lwproc_switch(l1);
	cr_assert_eq(rump_sys_getpid(), p1);
	/* Ending p1 gives its child to init. */
	rump_lwproc_releaselwp();
	rump_lwproc_switch(l2);
	cr_assert_eq(rump_sys_getpid(), p2);
	cr_assert_eq(rump_sys_getppid(), 1);
	rump_lwproc_releaselwp();
	cr_assert_null(rump_lwproc_curlwp());
	cr_assert_eq(rump_sys_getpid(), 1);
}

Test(lwproc, rfork_bad_flags)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG | RUMP_RFCFDG), EINVAL);
	cr_assert_eq(rump_lwproc_rfork(0x100), EINVAL);
}

Test(lwproc, newlwp)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	struct lwp *l1 = rump_lwproc_curlwp();
	pid_t pid = rump_sys_getpid();
	cr_assert_eq(rump_lwproc_newlwp(pid), 0);
	struct lwp *l2 = rump_lwproc_curlwp();
	cr_assert_neq(l1, l2);
	cr_assert_eq(rump_sys_getpid(), pid);
	/* Releasing one lwp keeps the process. */
	rump_lwproc_releaselwp();
	rump_lwproc_switch(l1);
	cr_assert_eq(rump_sys_getpid(), pid);
	cr_assert_eq(rump_lwproc_newlwp(999999), ESRCH);
	cr_assert_eq(rump_lwproc_newlwp(0), ESRCH);
}

#define NTHREADS 8
#define NLOOPS 20000

static void *
pidloop(void *arg)
{
	long bad = 0;
	int bind = (int)(long)arg;
	pid_t expect = 1;

	if (bind) {
		if (rump_lwproc_rfork(RUMP_RFCFDG) != 0)
			return (void *)-1L;
		expect = rump_sys_getpid();
	}
	for (int i = 0; i < NLOOPS; i++)
		if (rump_sys_getpid() != expect)
			bad++;
	if (bind)
		rump_lwproc_releaselwp();
	return (void *)bad;
}

static void
run_threads(void)
{
	pthread_t t[NTHREADS];
	void *ret;

	cr_assert_eq(rump_init(), 0);
	for (long i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, pidloop,
		    (void *)(i & 1)), 0);
	for (int i = 0; i < NTHREADS; i++) {
		cr_assert_eq(pthread_join(t[i], &ret), 0);
		cr_assert_eq((long)ret, 0);
	}
	/* Threads that exited freed their implicit lwps. */
	cr_assert_eq(rump_sys_getpid(), 1);
}

Test(lwproc, threads_ncpu1)
{
	setenv("RUMP_NCPU", "1", 1);
	run_threads();
}

Test(lwproc, threads_ncpu2)
{
	setenv("RUMP_NCPU", "2", 1);
	run_threads();
}

Test(lwproc, threads_ncpu_host)
{
	setenv("RUMP_NCPU", "host", 1);
	run_threads();
}
