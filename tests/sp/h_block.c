/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_block.c: a client for t_intr.sh.  "read", "poll", "sleep" and
 * "fifo" make a call that never returns on its own (a read on an empty
 * pipe, poll with no timeout, a 1000-second nanosleep, opening a fifo
 * that no writer opens) after writing "blocking" to stdout, so the test
 * can SIGKILL it mid-call; "nofifo" checks that the fifo has no reader
 * left (a non-blocking open for writing gives ENXIO); "cloexec" opens three
 * descriptors, two of them close-on-exec (O_CLOEXEC, F_SETFD), execs
 * itself with rumpclient_exec and checks that only the plain one
 * survived.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

static int
fail(const char *what)
{
	fprintf(stderr, "h_block: %s: %s\n", what, strerror(errno));
	return 1;
}

int
main(int argc, char **argv)
{
	struct timespec ts = { 1000, 0 };
	struct pollfd pfd;
	char buf[16], a[16], b[16], c[16];
	int fds[2], fd1, fd2, fd3;
	extern char **environ;

	if (argc < 2)
		return 2;
	if (rumpclient_init() != 0)
		return fail("rumpclient_init");
	if (strcmp(argv[1], "read") == 0 || strcmp(argv[1], "poll") == 0) {
		if (rump_sys_pipe(fds) != 0)
			return fail("pipe");
		printf("blocking\n");
		fflush(stdout);
		if (argv[1][0] == 'r') {
			(void)rump_sys_read(fds[0], buf, 1);
		} else {
			pfd.fd = fds[0];
			pfd.events = POLLIN;
			(void)rump_sys_poll(&pfd, 1, -1);
		}
		return fail("returned");
	}
	if (strcmp(argv[1], "fifo") == 0) {
		if (rump_sys_mknod("/fifo", S_IFIFO | 0600, 0) != 0 &&
		    errno != EEXIST)
			return fail("mknod");
		printf("blocking\n");
		fflush(stdout);
		(void)rump_sys_open("/fifo", O_RDONLY, 0);
		return fail("returned");
	}
	if (strcmp(argv[1], "nofifo") == 0) {
		if (rump_sys_open("/fifo", O_WRONLY | O_NONBLOCK, 0) != -1 ||
		    errno != ENXIO) {
			fprintf(stderr, "h_block: the fifo still has a reader\n");
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "sleep") == 0) {
		printf("blocking\n");
		fflush(stdout);
		(void)rump_sys_nanosleep(&ts, NULL);
		return fail("returned");
	}
	if (strcmp(argv[1], "cloexec") == 0) {
		char *nargv[] = { argv[0], "cloexec2", a, b, c, NULL };

		fd1 = rump_sys_open("/ce", O_RDWR | O_CREAT, 0644);
		fd2 = rump_sys_open("/ce", O_RDWR | O_CLOEXEC, 0);
		fd3 = rump_sys_open("/ce", O_RDWR, 0);
		if (fd1 < 0 || fd2 < 0 || fd3 < 0 ||
		    rump_sys_fcntl(fd3, F_SETFD, (void *)(intptr_t)FD_CLOEXEC) != 0)
			return fail("open");
		if (rump_sys_fcntl(fd2, F_GETFD, NULL) != FD_CLOEXEC ||
		    rump_sys_fcntl(fd1, F_GETFD, NULL) != 0)
			return fail("F_GETFD");
		snprintf(a, sizeof(a), "%d", fd1);
		snprintf(b, sizeof(b), "%d", fd2);
		snprintf(c, sizeof(c), "%d", fd3);
		rumpclient_exec("/proc/self/exe", nargv, environ);
		return fail("rumpclient_exec");
	}
	if (strcmp(argv[1], "cloexec2") == 0 && argc == 5) {
		if (rump_sys_fcntl(atoi(argv[2]), F_GETFD, NULL) != 0) {
			fprintf(stderr, "h_block: plain descriptor lost\n");
			return 1;
		}
		if (rump_sys_fcntl(atoi(argv[3]), F_GETFD, NULL) != -1 ||
		    errno != EBADF) {
			fprintf(stderr, "h_block: O_CLOEXEC descriptor kept\n");
			return 1;
		}
		if (rump_sys_fcntl(atoi(argv[4]), F_GETFD, NULL) != -1 ||
		    errno != EBADF) {
			fprintf(stderr, "h_block: FD_CLOEXEC descriptor kept\n");
			return 1;
		}
		return 0;
	}
	return 2;
}
