/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_comp.c: a shared object holding one component descriptor, for the
 * component discovery tests in t_rumpuser.c.
 *
 * Built twice by tests/user/meson.build: with H_COMP_REFER the object
 * refers to the linker's __start/__stop symbols, so it exports them and
 * discovery finds the section through dlsym(); without it the object has
 * no such symbols and discovery must read its section headers.
 */
#include <stddef.h>

/* The kernel's layout (sys/kern/component.h), 32 bytes on LP64. */
struct h_component {
	int rc_level;
	int (*rc_init)(void);
	const char *rc_name;
	const void *rc_spare;
};

static int
h_comp_init(void)
{
	return 0;
}

static const struct h_component h_comp
    __attribute__((section("rump_components"), used, aligned(8))) = {
	.rc_level = 7,
	.rc_init = h_comp_init,
	.rc_name = H_COMP_NAME,
	.rc_spare = NULL,
};

#ifdef H_COMP_REFER
extern const struct h_component __start_rump_components[];
extern const struct h_component __stop_rump_components[];

/* Refer to the section bounds so the linker defines and exports them. */
size_t
h_comp_count(void)
{
	return (size_t)(__stop_rump_components - __start_rump_components);
}
#endif
