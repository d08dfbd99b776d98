/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_init.c: booting a kernel: parameters good and bad, repeated init,
 * components in dlopen()ed libraries, boot statistics.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

Test(init, boots_and_is_idempotent)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_init(), 0);
	cr_assert_gt(rump_boot_nsec(), 0);
	cr_assert_gt(rump_kmem_inuse(), 0);
	cr_assert_eq(rump_getversion(), RUMP_VERSION);
}

Test(init, bad_ncpu_is_einval)
{
	setenv("RUMP_NCPU", "abc", 1);
	cr_assert_eq(rump_init(), EINVAL);
}

Test(init, ncpu_out_of_range_is_einval)
{
	setenv("RUMP_NCPU", "0", 1);
	cr_assert_eq(rump_init(), EINVAL);
}

Test(init, bad_memlimit_is_einval)
{
	setenv("RUMP_MEMLIMIT", "12q", 1);
	cr_assert_eq(rump_init(), EINVAL);
}

Test(init, good_parameters)
{
	setenv("RUMP_NCPU", "host", 1);
	setenv("RUMP_MEMLIMIT", "64m", 1);
	setenv("RUMP_VERBOSE", "1", 1);
	setenv("RUMP_HOSTNAME", "testhost", 1);
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_sys_getpid(), 1);
}

Test(init, dlopened_component_joins)
{
	void *h = dlopen(H_COMPONENT_PATH, RTLD_NOW | RTLD_GLOBAL);
	cr_assert_not_null(h, "dlopen: %s", dlerror());
	int *kern = dlsym(h, "rump_test_comp_kern");
	int *post = dlsym(h, "rump_test_comp_post");
	cr_assert_not_null(kern);
	cr_assert_not_null(post);
	cr_assert_eq(*kern, -1);
	cr_assert_eq(rump_init(), 0);
	/* Both ran once, the core-level one first. */
	cr_assert_eq(*kern, 0);
	cr_assert_eq(*post, 1);
}
