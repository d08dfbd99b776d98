/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_sockin_both.c: a kernel linked with both sockin and netinet must not
 * boot.  Exits 0 if rump_init() fails with EEXIST (the console says
 * which domains clashed), 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>

#include <rump/rump.h>

int
main(void)
{
	int error = rump_init();

	printf("rump_init: %d\n", error);
	return error == EEXIST ? 0 : 1;
}
