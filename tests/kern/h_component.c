/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_component.c: a kernel component in a shared object of its own, for
 * t_init's test that components in dlopen()ed libraries join the kernel.
 * It records the order in which its two components ran in public
 * variables the test reads with dlsym().
 */
#include "kern/kern.h"
#include "kern/component.h"

int rump_test_comp_seq;
int rump_test_comp_kern = -1;
int rump_test_comp_post = -1;

RUMP_COMPONENT(RUMP_COMPONENT_POSTINIT)
{

	rump_test_comp_post = rump_test_comp_seq++;
	return 0;
}

RUMP_COMPONENT(RUMP_COMPONENT_KERN)
{

	rump_test_comp_kern = rump_test_comp_seq++;
	return 0;
}
