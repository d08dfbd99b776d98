/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_sp.h: set-up of the Criterion tests of librumpclient: each case
 * starts its own rump_allserver (ALLSERVER, set by meson) on a fresh unix
 * socket named after the test program and its pid, connects to it, and
 * halts it at the end.
 *
 *	TestSuite(client, .init = sp_server_up, .fini = sp_server_down);
 */
#ifndef _TESTS_SP_H_SP_H_
#define _TESTS_SP_H_SP_H_

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

static char sp_sockpath[64];

static void
sp_server_up(void)
{
	char url[96];
	pid_t pid;
	int status;

	snprintf(sp_sockpath, sizeof(sp_sockpath), "/tmp/%s.%d.sock",
	    program_invocation_short_name, getpid());
	snprintf(url, sizeof(url), "unix://%s", sp_sockpath);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		execl(getenv("ALLSERVER"), "rump_allserver", url, (char *)NULL);
		_exit(127);
	}
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "rump_allserver did not start");
	setenv("RUMP_SERVER", url, 1);
	cr_assert(rumpclient_init() == 0);
}

static void
sp_server_down(void)
{
	rump_sys_rump_halt(0);
	unlink(sp_sockpath);
}

#endif /* _TESTS_SP_H_SP_H_ */
