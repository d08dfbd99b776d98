/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_prot.c: credentials and the identity system calls (kern_prot.c).
 *
 * Each case boots a kernel, forks a kernel process with rump_lwproc_rfork
 * and changes its ids, checking Linux's rules: what root may do, what an
 * unprivileged process may do, -1 as "unchanged", groups, umask, pids.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include <criterion/criterion.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static uint64_t kmem_base;

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	kmem_base = rump_kmem_inuse();
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
}

static void
check_res_uid(uid_t r, uid_t e, uid_t s)
{
	uid_t rr, ee, ss;

	cr_assert_eq(rump_sys_getresuid(&rr, &ee, &ss), 0);
	cr_expect_eq(rr, r, "ruid %u, expected %u", rr, r);
	cr_expect_eq(ee, e, "euid %u, expected %u", ee, e);
	cr_expect_eq(ss, s, "suid %u, expected %u", ss, s);
	cr_expect_eq(rump_sys_getuid(), r);
	cr_expect_eq(rump_sys_geteuid(), e);
}

static void
check_res_gid(gid_t r, gid_t e, gid_t s)
{
	gid_t rr, ee, ss;

	cr_assert_eq(rump_sys_getresgid(&rr, &ee, &ss), 0);
	cr_expect_eq(rr, r, "rgid %u, expected %u", rr, r);
	cr_expect_eq(ee, e, "egid %u, expected %u", ee, e);
	cr_expect_eq(ss, s, "sgid %u, expected %u", ss, s);
	cr_expect_eq(rump_sys_getgid(), r);
	cr_expect_eq(rump_sys_getegid(), e);
}

static void
expect_errno(int rv, int error)
{
	cr_expect_eq(rv, -1, "call succeeded, expected errno %d", error);
	cr_expect_eq(errno, error, "errno %d, expected %d", errno, error);
}

Test(prot, root_at_start)
{
	boot();
	check_res_uid(0, 0, 0);
	check_res_gid(0, 0, 0);
	cr_expect_eq(rump_sys_getgroups(0, NULL), 0);
}

Test(prot, setuid_root_drops_all)
{
	boot();
	cr_assert_eq(rump_sys_setuid(1000), 0);
	check_res_uid(1000, 1000, 1000);
	expect_errno(rump_sys_setuid(0), EPERM);
	expect_errno(rump_sys_seteuid(0), EPERM);
	cr_expect_eq(rump_sys_setuid(1000), 0);
	check_res_uid(1000, 1000, 1000);
	expect_errno(rump_sys_setuid((uid_t)-1), EINVAL);
}

Test(prot, setuid_unprivileged_moves_euid)
{
	boot();
	cr_assert_eq(rump_sys_setresuid(1000, 2000, 3000), 0);
	check_res_uid(1000, 2000, 3000);
	/* Unprivileged setuid: only the effective id, to real or saved. */
	cr_expect_eq(rump_sys_setuid(3000), 0);
	check_res_uid(1000, 3000, 3000);
	cr_expect_eq(rump_sys_setuid(1000), 0);
	check_res_uid(1000, 1000, 3000);
	expect_errno(rump_sys_setuid(2000), EPERM);
	check_res_uid(1000, 1000, 3000);
}

Test(prot, setresuid_rules)
{
	boot();
	cr_assert_eq(rump_sys_setresuid(1000, 2000, 3000), 0);
	cr_expect_eq(rump_sys_setresuid(-1, -1, -1), 0);
	check_res_uid(1000, 2000, 3000);
	/* Any permutation of the current ids is allowed. */
	cr_expect_eq(rump_sys_setresuid(3000, 1000, 2000), 0);
	check_res_uid(3000, 1000, 2000);
	expect_errno(rump_sys_setresuid(-1, 4000, -1), EPERM);
	expect_errno(rump_sys_setresuid(0, -1, -1), EPERM);
	check_res_uid(3000, 1000, 2000);
	cr_expect_eq(rump_sys_seteuid(2000), 0);
	check_res_uid(3000, 2000, 2000);
	expect_errno(rump_sys_seteuid(5), EPERM);
	expect_errno(rump_sys_seteuid((uid_t)-1), EINVAL);
}

Test(prot, setreuid_saved_id)
{
	boot();
	cr_assert_eq(rump_sys_setreuid(1000, 2000), 0);
	/* The real id was set: the saved id follows the effective id. */
	check_res_uid(1000, 2000, 2000);
	/* Effective set to the old real id: the saved id stays. */
	cr_expect_eq(rump_sys_setreuid(-1, 1000), 0);
	check_res_uid(1000, 1000, 2000);
	/* Effective set to something else: saved follows. */
	cr_expect_eq(rump_sys_setreuid(-1, 2000), 0);
	check_res_uid(1000, 2000, 2000);
	/* The real id may only become the real or effective id. */
	cr_expect_eq(rump_sys_setreuid(2000, -1), 0);
	check_res_uid(2000, 2000, 2000);
	expect_errno(rump_sys_setreuid(1000, -1), EPERM);
	expect_errno(rump_sys_setreuid(-1, 0), EPERM);
}

Test(prot, gid_calls)
{
	boot();
	cr_assert_eq(rump_sys_setresgid(10, 20, 30), 0);
	check_res_gid(10, 20, 30);
	cr_assert_eq(rump_sys_setregid(20, -1), 0);
	check_res_gid(20, 20, 20);
	cr_assert_eq(rump_sys_setgid(40), 0);
	check_res_gid(40, 40, 40);
	cr_assert_eq(rump_sys_setresgid(40, 50, 60), 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	/* Privilege is the effective uid; gids now follow the rules. */
	expect_errno(rump_sys_setgid(7), EPERM);
	expect_errno(rump_sys_setresgid(-1, 7, -1), EPERM);
	cr_expect_eq(rump_sys_setegid(60), 0);
	check_res_gid(40, 60, 60);
	cr_expect_eq(rump_sys_setgid(40), 0);
	check_res_gid(40, 40, 60);
	expect_errno(rump_sys_setgid((gid_t)-1), EINVAL);
}

Test(prot, groups)
{
	gid_t set[3] = { 5, 6, 7 }, got[8], many[65];
	int i;

	boot();
	cr_assert_eq(rump_sys_setgroups(3, set), 0);
	cr_expect_eq(rump_sys_getgroups(0, NULL), 3);
	expect_errno(rump_sys_getgroups(2, got), EINVAL);
	expect_errno(rump_sys_getgroups(-1, got), EINVAL);
	cr_assert_eq(rump_sys_getgroups(8, got), 3);
	for (i = 0; i < 3; i++)
		cr_expect_eq(got[i], set[i]);
	for (i = 0; i < 65; i++)
		many[i] = (gid_t)i;
	expect_errno(rump_sys_setgroups(65, many), EINVAL);
	cr_expect_eq(rump_sys_setgroups(64, many), 0);
	cr_expect_eq(rump_sys_getgroups(0, NULL), 64);
	cr_expect_eq(rump_sys_setgroups(0, NULL), 0);
	cr_expect_eq(rump_sys_getgroups(0, NULL), 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	expect_errno(rump_sys_setgroups(1, set), EPERM);
}

Test(prot, processes_are_separate)
{
	struct lwp *parent;
	pid_t ppid;

	boot();
	parent = rump_lwproc_curlwp();
	cr_assert_not_null(parent);
	ppid = rump_sys_getpid();
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_expect_neq(rump_sys_getpid(), ppid);
	cr_expect_eq(rump_sys_getppid(), ppid);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	check_res_uid(1000, 1000, 1000);
	/* A child forked now inherits the changed credential. */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	check_res_uid(1000, 1000, 1000);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(parent);
	check_res_uid(0, 0, 0);
}

Test(prot, umask)
{
	boot();
	cr_expect_eq(rump_sys_umask(077), 022);
	cr_expect_eq(rump_sys_umask(0777 | 01000), 077);
	cr_expect_eq(rump_sys_umask(0), 0777);
}

Test(prot, no_leak)
{
	struct lwp *l;

	boot();
	l = rump_lwproc_curlwp();
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setgid(4), 0);
	cr_assert_eq(rump_sys_setresuid(1, 2, 3), 0);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(l);
	rump_lwproc_releaselwp();
	cr_expect_eq(rump_kmem_inuse(), kmem_base,
	    "kmem in use %llu, at start %llu",
	    (unsigned long long)rump_kmem_inuse(),
	    (unsigned long long)kmem_base);
}
