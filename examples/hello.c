/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hello.c: the smallest useful rump kernel program, shown in README.md.
 *
 * It boots a kernel inside this process, writes a file into the kernel's
 * own root file system (a tmpfs, not the host's), reads it back and prints
 * it.  Built by examples/meson.build; outside the tree:
 *
 *	cc hello.c $(pkg-config --cflags --libs rumpfs_tmpfs)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

int
main(void)
{
	const char msg[] = "hello from inside a rump kernel\n";
	char buf[64];
	ssize_t n;
	int error, fd;

	if ((error = rump_init()) != 0) {
		fprintf(stderr, "rump_init: %s\n", strerror(error));
		return 1;
	}
	fd = rump_sys_open("/hello.txt", O_RDWR | O_CREAT, 0644);
	if (fd == -1 || rump_sys_write(fd, msg, sizeof(msg) - 1) == -1 ||
	    (n = rump_sys_pread64(fd, buf, sizeof(buf) - 1, 0)) == -1) {
		perror("rump_sys_*");
		return 1;
	}
	buf[n] = '\0';
	printf("%s", buf);
	rump_sys_close(fd);
	return 0;
}
