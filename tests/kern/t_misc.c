/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_misc.c: uname(2), reboot(2) and resource limits (kern_misc.c,
 * kern_resource.c).
 */
#include <errno.h>
#include <linux/reboot.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

#include <criterion/criterion.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

void rumpns_cprng_fast(void *buf, size_t len);
uint32_t rumpns_cprng_fast32(void);

static void
expect_errno(int rv, int error)
{
	cr_expect_eq(rv, -1, "call succeeded, expected errno %d", error);
	cr_expect_eq(errno, error, "errno %d, expected %d", errno, error);
}

Test(misc, uname)
{
	struct utsname un;

	setenv("RUMP_HOSTNAME", "testnode", 1);
	cr_assert_eq(rump_init(), 0);
	memset(&un, 'x', sizeof(un));
	cr_assert_eq(rump_sys_uname(&un), 0);
	cr_expect_str_eq(un.sysname, "Rump");
	cr_expect_str_eq(un.nodename, "testnode");
	cr_expect_str_eq(un.release, "0.1.0");
	cr_expect_str_eq(un.machine, "x86_64");
	cr_expect(strstr(un.version, "0.1.0") != NULL);
	expect_errno(rump_sys_uname(NULL), EFAULT);
}

Test(misc, uname_default_hostname)
{
	struct utsname un;

	unsetenv("RUMP_HOSTNAME");
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_sys_uname(&un), 0);
	cr_expect_eq(strncmp(un.nodename, "rump", 4), 0, "nodename %s",
	    un.nodename);
}

Test(misc, reboot_errors)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	expect_errno(rump_sys_reboot(0x1234, LINUX_REBOOT_MAGIC2,
	    LINUX_REBOOT_CMD_HALT, NULL), EINVAL);
	expect_errno(rump_sys_reboot(LINUX_REBOOT_MAGIC1, 42,
	    LINUX_REBOOT_CMD_HALT, NULL), EINVAL);
	expect_errno(rump_sys_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	    0x1234, NULL), EINVAL);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	expect_errno(rump_sys_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	    LINUX_REBOOT_CMD_HALT, NULL), EPERM);
}

Test(misc, reboot_halt_returns)
{
	cr_assert_eq(rump_init(), 0);
	cr_expect_eq(rump_sys_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2C,
	    LINUX_REBOOT_CMD_HALT, NULL), 0);
	/* Halting twice is harmless. */
	cr_expect_eq(rump_sys_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	    LINUX_REBOOT_CMD_HALT, NULL), 0);
}

Test(misc, reboot_power_off_exits, .exit_code = 0)
{
	cr_assert_eq(rump_init(), 0);
	rump_sys_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	    LINUX_REBOOT_CMD_POWER_OFF, NULL);
	cr_assert_fail("power off returned");
}

Test(misc, rlimit_defaults)
{
	struct rlimit rl;

	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_expect_eq(rl.rlim_cur, 1024);
	cr_expect_eq(rl.rlim_max, 4096);
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_expect_eq(rl.rlim_cur, RLIM_INFINITY);
	cr_expect_eq(rl.rlim_max, RLIM_INFINITY);
	expect_errno(rump_sys_getrlimit(RLIM_NLIMITS, &rl), EINVAL);
	expect_errno(rump_sys_getrlimit(-1, &rl), EINVAL);
	expect_errno(rump_sys_getrlimit(RLIMIT_NOFILE, NULL), EFAULT);
}

Test(misc, setrlimit_rules)
{
	struct rlimit rl;

	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	rl = (struct rlimit){ 100, 50 };
	expect_errno(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), EINVAL);
	expect_errno(rump_sys_setrlimit(99, &rl), EINVAL);
	/* Root may raise the hard limit. */
	rl = (struct rlimit){ 2000, 8000 };
	cr_expect_eq(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), 0);
	rl = (struct rlimit){ 0, 0 };
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_expect_eq(rl.rlim_cur, 2000);
	cr_expect_eq(rl.rlim_max, 8000);
	rl = (struct rlimit){ 2000, 1 << 30 };
	expect_errno(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), EPERM);

	cr_assert_eq(rump_sys_setuid(1000), 0);
	rl = (struct rlimit){ 100, 6000 };
	cr_expect_eq(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), 0);
	rl = (struct rlimit){ 100, 7000 };
	expect_errno(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), EPERM);
	rl = (struct rlimit){ 6000, 6000 };
	cr_expect_eq(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), 0);

	/* A child inherits the limits. */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_expect_eq(rl.rlim_cur, 6000);
	cr_expect_eq(rl.rlim_max, 6000);
}

Test(misc, getpid_is_fast)
{
	struct timespec a, b;
	int i;

	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < 100000; i++) {
		if (rump_sys_getpid() <= 1)
			break;
	}
	cr_expect_eq(i, 100000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* Far below a microsecond each even in a debug build. */
	cr_expect_lt((b.tv_sec - a.tv_sec) * 1000000000LL +
	    (b.tv_nsec - a.tv_nsec), 2000000000LL);
}

Test(misc, cprng_looks_random)
{
	static uint32_t v[4096];
	unsigned char buf[1000];
	long ones = 0;
	int i, j, nzero = 0;

	cr_assert_eq(rump_init(), 0);
	rump_schedule();
	for (i = 0; i < 4096; i++)
		v[i] = rumpns_cprng_fast32();
	memset(buf, 0, sizeof(buf));
	rumpns_cprng_fast(buf + 1, sizeof(buf) - 2);
	rump_unschedule();
	cr_expect_eq(buf[0], 0);
	cr_expect_eq(buf[sizeof(buf) - 1], 0);
	for (i = 1; i < (int)sizeof(buf) - 1; i++)
		nzero += buf[i] == 0;
	cr_expect_lt(nzero, 20);
	for (i = 0; i < 4096; i++)
		ones += __builtin_popcount(v[i]);
	/* 131072 bits: half set, within a wide margin. */
	cr_expect(ones > 63000 && ones < 68000, "%ld bits set", ones);
	for (i = 0; i < 200; i++)
		for (j = i + 1; j < 4096; j++)
			cr_assert_neq(v[i], v[j], "repeat at %d and %d", i, j);
}
