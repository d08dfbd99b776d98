/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * remote_demo.c: a client of rump_server (`make run`, second part).
 *
 *	RUMP_SERVER=unix:///tmp/sock rump_remote_demo write
 *	RUMP_SERVER=unix:///tmp/sock rump_remote_demo read
 *
 * "write" makes /demo with two files in the server's tree; "read", run
 * as another process, lists /demo and prints the files: both clients
 * see the same kernel.  The program uses only rump_init() and rump_sys_*,
 * so the same source also builds against a local kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

static int
put(const char *path, const char *text)
{
	int fd = rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || rump_sys_write(fd, text, strlen(text)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	rump_sys_close(fd);
	return 0;
}

int
main(int argc, char *argv[])
{
	char buf[4096], path[300];
	struct rump_dirent64 *d;
	ssize_t n, m, off;
	int error, fd, f;

	if (argc != 2) {
		fprintf(stderr, "usage: rump_remote_demo write|read\n");
		return 2;
	}
	if ((error = rump_init()) != 0) {
		fprintf(stderr, "rump_init: %s\n", strerror(error));
		return 1;
	}
	if (strcmp(argv[1], "write") == 0) {
		printf("client %d (kernel pid %d): writing /demo\n", getpid(),
		    rump_sys_getpid());
		if (rump_sys_mkdir("/demo", 0755) != 0 && errno != EEXIST)
			return 1;
		return put("/demo/greeting", "hello from the first client\n") |
		    put("/demo/numbers", "1 2 3 5 8 13\n");
	}
	printf("client %d (kernel pid %d): reading /demo\n", getpid(),
	    rump_sys_getpid());
	fd = rump_sys_open("/demo", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		fprintf(stderr, "/demo: %s\n", strerror(errno));
		return 1;
	}
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct rump_dirent64 *)(void *)(buf + off);
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/demo/%s", d->d_name);
			f = rump_sys_open(path, O_RDONLY, 0);
			char data[256];
			m = f >= 0 ? rump_sys_read(f, data, sizeof(data) - 1) : -1;
			data[m > 0 ? m : 0] = '\0';
			printf("  %-10s %s", d->d_name, data);
			rump_sys_close(f);
		}
	}
	rump_sys_close(fd);
	return n == 0 ? 0 : 1;
}
