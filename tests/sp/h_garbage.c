/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_garbage.c: hostile peers for t_sp.sh.  Connects to the unix socket
 * PATH and sends one kind of bad input, then reads until the server
 * closes the connection (exit 0) or 5 seconds pass (exit 1).
 *
 *	h_garbage PATH KIND
 *	KIND: random, trunc, huge, short, nohello, badmagic, badversion,
 *	      badargs, badblock, trailing
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kern_sp_proto.h"

static void
put(int fd, const void *p, size_t n)
{
	if (send(fd, p, n, MSG_NOSIGNAL) != (ssize_t)n)
		perror("h_garbage: send");
}

static void
hello(int fd, uint16_t version, uint32_t magic)
{
	struct { struct sp_hdr h; struct sp_hello b; } m;
	struct { struct sp_hdr h; struct sp_hello_reply r; } rep;

	memset(&m, 0, sizeof(m));
	m.h.sh_len = sizeof(m);
	m.h.sh_type = SP_HELLO;
	m.b.h_magic = magic;
	m.b.h_version = version;
	m.b.h_mode = SP_HELLO_NEW;
	put(fd, &m, sizeof(m));
	if (version == SP_VERSION && magic == SP_MAGIC &&
	    recv(fd, &rep, sizeof(rep), MSG_WAITALL) != sizeof(rep))
		fprintf(stderr, "h_garbage: no hello reply\n");
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	uint8_t buf[4096];
	const char *kind;
	int fd, i;
	ssize_t n;

	if (argc != 3)
		return 2;
	kind = argv[2];
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		perror("h_garbage: connect");
		return 1;
	}
	srandom(42);
	if (strcmp(kind, "random") == 0) {
		for (i = 0; i < (int)sizeof(buf); i++)
			buf[i] = (uint8_t)random();
		put(fd, buf, sizeof(buf));
	} else if (strcmp(kind, "huge") == 0) {
		struct sp_hdr h = { .sh_len = 0xffffffffu, .sh_type = SP_HELLO };
		put(fd, &h, sizeof(h));
	} else if (strcmp(kind, "short") == 0) {
		struct sp_hdr h = { .sh_len = 3, .sh_type = SP_HELLO };
		put(fd, &h, sizeof(h));
	} else if (strcmp(kind, "trunc") == 0) {
		struct sp_hdr h = { .sh_len = 1000, .sh_type = SP_HELLO };
		put(fd, &h, sizeof(h));
		shutdown(fd, SHUT_WR);
	} else if (strcmp(kind, "nohello") == 0) {
		struct { struct sp_hdr h; uint32_t num, nargs; } m = {
			{ .sh_len = sizeof(m), .sh_type = SP_SYSCALL }, 39, 0 };
		put(fd, &m, sizeof(m));
	} else if (strcmp(kind, "badmagic") == 0) {
		hello(fd, SP_VERSION, 0x12345678);
	} else if (strcmp(kind, "badversion") == 0) {
		hello(fd, SP_VERSION + 7, SP_MAGIC);
	} else if (strcmp(kind, "badargs") == 0) {
		struct { struct sp_hdr h; uint32_t num, nargs; } m = {
			{ .sh_len = sizeof(m), .sh_type = SP_SYSCALL }, 0, 0 };
		hello(fd, SP_VERSION, SP_MAGIC);
		put(fd, &m, sizeof(m));      /* read(2) with no arguments */
	} else if (strcmp(kind, "badblock") == 0) {
		/* open("...") whose string block claims 1 MiB. */
		struct { struct sp_hdr h; uint32_t num, nargs; uint64_t a[3];
		    uint64_t len; char s[8]; } m = {
			{ .sh_len = sizeof(m), .sh_type = SP_SYSCALL }, 2, 3,
			{ 1, 0, 0 }, 1 << 20, "/x" };
		hello(fd, SP_VERSION, SP_MAGIC);
		put(fd, &m, sizeof(m));
	} else if (strcmp(kind, "trailing") == 0) {
		struct { struct sp_hdr h; uint32_t num, nargs; uint64_t junk; }
		    m = { { .sh_len = sizeof(m), .sh_type = SP_SYSCALL }, 39, 0,
		    7 };
		hello(fd, SP_VERSION, SP_MAGIC);
		put(fd, &m, sizeof(m));
	} else {
		return 2;
	}
	/* The server must close the connection (a reply may come first). */
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) != 1) {
			fprintf(stderr, "h_garbage: %s: connection still open\n",
			    kind);
			return 1;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return 0;
	}
}
