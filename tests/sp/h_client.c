/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_client.c: a librumpclient program driven by t_sp.sh.
 *
 *	h_client put PATH TEXT      create PATH holding TEXT
 *	h_client write PATH TEXT    write TEXT at the start of PATH
 *	h_client cat PATH           print PATH
 *	h_client fdwork ID N        N rounds of open/write/read/close of
 *	                            /w.ID, checking descriptors and data
 *	h_client sleep SEC          one nanosleep of SEC seconds
 *	h_client fork               fork; the child reads a descriptor the
 *	                            parent opened, and has another pid
 *	h_client exec               open a file, exec "h_client exec2 FD PID"
 *	h_client exec2 FD PID       check FD is still open and the pid is PID
 *	h_client open PATH FLAGS    open PATH (FLAGS: r or w), print errno name
 *	h_client ids                print uid and gid
 *	h_client pid                print the kernel pid
 *
 * Exit status 0 on success; a message on stderr otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

static int
fail(const char *what)
{
	fprintf(stderr, "h_client: %s: %s\n", what, strerror(errno));
	return 1;
}

static int
fdwork(const char *id, int rounds)
{
	char path[64], want[64], buf[64];
	int i, fd, fd2;
	ssize_t n;

	snprintf(path, sizeof(path), "/w.%s", id);
	for (i = 0; i < rounds; i++) {
		snprintf(want, sizeof(want), "client %s round %d", id, i);
		fd = rump_sys_open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail("open");
		/* A fresh process's table: the first free slot is 0. */
		if (fd != 0) {
			fprintf(stderr, "h_client: fd %d, expected 0\n", fd);
			return 1;
		}
		fd2 = rump_sys_dup(fd);
		if (fd2 != 1) {
			fprintf(stderr, "h_client: dup %d, expected 1\n", fd2);
			return 1;
		}
		if (rump_sys_write(fd, want, strlen(want)) !=
		    (ssize_t)strlen(want))
			return fail("write");
		n = rump_sys_pread64(fd2, buf, sizeof(buf), 0);
		if (n != (ssize_t)strlen(want) || memcmp(buf, want, n) != 0) {
			fprintf(stderr, "h_client: read back wrong data\n");
			return 1;
		}
		if (rump_sys_close(fd) != 0 || rump_sys_close(fd2) != 0)
			return fail("close");
	}
	return rump_sys_unlink(path) == 0 ? 0 : fail("unlink");
}

int
main(int argc, char *argv[])
{
	char buf[4096];
	ssize_t n;
	int fd, status;

	if (argc < 2)
		return 2;
	if (rumpclient_init() != 0)
		return 1;
	if (strcmp(argv[1], "put") == 0 && argc == 4) {
		fd = rump_sys_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || rump_sys_write(fd, argv[3], strlen(argv[3])) < 0)
			return fail(argv[2]);
		return rump_sys_close(fd) == 0 ? 0 : fail("close");
	}
	if (strcmp(argv[1], "fput") == 0 && argc == 4) {
		/* put, then fsync: the data is acknowledged as stored */
		fd = rump_sys_open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || rump_sys_write(fd, argv[3], strlen(argv[3])) < 0)
			return fail(argv[2]);
		if (rump_sys_fsync(fd) != 0)
			return fail("fsync");
		return rump_sys_close(fd) == 0 ? 0 : fail("close");
	}
	if (strcmp(argv[1], "mount") == 0 && argc == 5) {
		/* mount SOURCE DIR FSTYPE, making DIR if needed */
		if (rump_sys_mkdir(argv[3], 0755) != 0 && errno != EEXIST)
			return fail(argv[3]);
		if (rump_sys_mount(argv[2], argv[3], argv[4], 0, NULL) != 0)
			return fail("mount");
		return 0;
	}
	if (strcmp(argv[1], "write") == 0 && argc == 4) {
		fd = rump_sys_open(argv[2], O_WRONLY, 0);
		if (fd < 0 || rump_sys_write(fd, argv[3], strlen(argv[3])) < 0)
			return fail(argv[2]);
		return rump_sys_close(fd) == 0 ? 0 : fail("close");
	}
	if (strcmp(argv[1], "cat") == 0 && argc == 3) {
		fd = rump_sys_open(argv[2], O_RDONLY, 0);
		if (fd < 0)
			return fail(argv[2]);
		while ((n = rump_sys_read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		return n == 0 ? 0 : fail("read");
	}
	if (strcmp(argv[1], "fdwork") == 0 && argc == 4)
		return fdwork(argv[2], atoi(argv[3]));
	if (strcmp(argv[1], "sleep") == 0 && argc == 3) {
		struct timespec ts = { atoi(argv[2]), 0 };
		return rump_sys_nanosleep(&ts, NULL) == 0 ? 0 : fail("sleep");
	}
	if (strcmp(argv[1], "pid") == 0) {
		printf("%d\n", rump_sys_getpid());
		return 0;
	}
	if (strcmp(argv[1], "ids") == 0) {
		printf("%u %u\n", rump_sys_getuid(), rump_sys_getgid());
		return 0;
	}
	if (strcmp(argv[1], "open") == 0 && argc == 4) {
		fd = rump_sys_open(argv[2], argv[3][0] == 'w' ? O_WRONLY :
		    O_RDONLY, 0);
		printf("%s\n", fd >= 0 ? "OK" : errno == EACCES ? "EACCES" :
		    strerror(errno));
		return 0;
	}
	if (strcmp(argv[1], "fork") == 0) {
		pid_t mine = rump_sys_getpid(), child;

		fd = rump_sys_open("/forkfile", O_RDWR | O_CREAT | O_TRUNC,
		    0644);
		if (fd < 0 || rump_sys_write(fd, "forked", 6) != 6)
			return fail("forkfile");
		child = rumpclient_fork();
		if (child < 0)
			return fail("rumpclient_fork");
		if (child == 0) {
			if (rump_sys_getpid() == mine) {
				fprintf(stderr, "h_client: child has the "
				    "parent's pid\n");
				_exit(1);
			}
			n = rump_sys_pread64(fd, buf, sizeof(buf), 0);
			_exit(n == 6 && memcmp(buf, "forked", 6) == 0 ? 0 : 3);
		}
		if (waitpid(child, &status, 0) != child ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "h_client: fork child failed\n");
			return 1;
		}
		/* The parent's descriptor is its own and still works. */
		return rump_sys_pread64(fd, buf, 6, 0) == 6 ? 0 : fail("pread");
	}
	if (strcmp(argv[1], "exec") == 0) {
		char fds[16], pids[16];
		char *nargv[] = { argv[0], "exec2", fds, pids, NULL };
		extern char **environ;

		fd = rump_sys_open("/execfile", O_RDWR | O_CREAT | O_TRUNC,
		    0644);
		if (fd < 0 || rump_sys_write(fd, "exec", 4) != 4)
			return fail("execfile");
		snprintf(fds, sizeof(fds), "%d", fd);
		snprintf(pids, sizeof(pids), "%d", rump_sys_getpid());
		rumpclient_exec("/proc/self/exe", nargv, environ);
		return fail("rumpclient_exec");
	}
	if (strcmp(argv[1], "exec2") == 0 && argc == 4) {
		if (rump_sys_getpid() != atoi(argv[3])) {
			fprintf(stderr, "h_client: pid changed over exec\n");
			return 1;
		}
		n = rump_sys_pread64(atoi(argv[2]), buf, sizeof(buf), 0);
		if (n != 4 || memcmp(buf, "exec", 4) != 0)
			return fail("descriptor after exec");
		return 0;
	}
	fprintf(stderr, "h_client: bad command\n");
	return 2;
}
