/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.halt: shut down the rump_server named by RUMP_SERVER.
 *
 *	rump.halt [-h] [-n] [-d]
 *
 * The server runs its shutdown hooks (file systems synced and unmounted;
 * -n skips them), then exits and removes its socket; -h stops serving but
 * keeps the server process; -d ends it with a core dump.  rump.halt
 * returns once the server has gone (its connection closed) or, with -h,
 * answered.  See rump.halt(1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

int
main(int argc, char *argv[])
{
	int ch, flags = 0;

	while ((ch = getopt(argc, argv, "hnd")) != -1) {
		switch (ch) {
		case 'h':
			flags |= RUMP_HALT_KEEP;
			break;
		case 'n':
			flags |= RUMP_HALT_NOSYNC;
			break;
		case 'd':
			flags |= RUMP_HALT_DUMP;
			break;
		default:
			fprintf(stderr, "usage: rump.halt [-h] [-n] [-d]\n");
			return 1;
		}
	}
	if (argc != optind) {
		fprintf(stderr, "usage: rump.halt [-h] [-n] [-d]\n");
		return 1;
	}
	if ((flags & RUMP_HALT_KEEP) && (flags & RUMP_HALT_DUMP)) {
		fprintf(stderr, "rump.halt: -h and -d exclude each other\n");
		return 1;
	}
	if (rumpclient_init() != 0)
		return 1;
	if (rump_sys_rump_halt(flags) == 0)
		return 0;
	/* The server went away while answering: that is the halt. */
	if (errno == ENOTCONN || errno == EPROTO)
		return 0;
	fprintf(stderr, "rump.halt: %s\n", strerror(errno));
	return 1;
}
