/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin_user.c: the host half of sockin: the rump kernel's AF_INET
 * datagram sockets are host sockets.  The only file of sockin with host
 * headers; sockin.c calls it through sockin_user.h.
 *
 * The host socket is non-blocking; a reader waits in poll(2) on it and on
 * an eventfd that rumpuser_sockin_stop writes to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockin_user.h"

struct sockin_user {
	int su_fd;
	int su_evfd;
};

int
rumpuser_sockin_open(int type, int protocol, struct sockin_user **up)
{
	struct sockin_user *u;
	int error;

	if (type != SOCK_DGRAM)
		return EPROTONOSUPPORT;
	u = malloc(sizeof(*u));
	if (u == NULL)
		return ENOMEM;
	u->su_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    protocol);
	if (u->su_fd < 0) {
		error = errno;
		free(u);
		return error;
	}
	u->su_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->su_evfd < 0) {
		error = errno;
		close(u->su_fd);
		free(u);
		return error;
	}
	*up = u;
	return 0;
}

void
rumpuser_sockin_close(struct sockin_user *u)
{
	close(u->su_fd);
	close(u->su_evfd);
	free(u);
}

int
rumpuser_sockin_bind(struct sockin_user *u, const void *sa, size_t len)
{
	return bind(u->su_fd, sa, (socklen_t)len) == 0 ? 0 : errno;
}

int
rumpuser_sockin_connect(struct sockin_user *u, const void *sa, size_t len)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	if (sa == NULL) {
		sa = &unspec;
		len = sizeof(unspec);
	}
	return connect(u->su_fd, sa, (socklen_t)len) == 0 ? 0 : errno;
}

int
rumpuser_sockin_send(struct sockin_user *u, const void *buf, size_t len,
    const void *sa, size_t salen, size_t *sentp)
{
	ssize_t n;

	n = sendto(u->su_fd, buf, len, MSG_NOSIGNAL, sa,
	    sa != NULL ? (socklen_t)salen : 0);
	if (n < 0)
		return errno == EWOULDBLOCK ? EAGAIN : errno;
	*sentp = (size_t)n;
	return 0;
}

int
rumpuser_sockin_recv(struct sockin_user *u, void *buf, size_t len,
    size_t *fullp, void *sa, size_t *salenp)
{
	socklen_t sl = (socklen_t)*salenp;
	ssize_t n;

	n = recvfrom(u->su_fd, buf, len, MSG_DONTWAIT | MSG_TRUNC, sa, &sl);
	if (n < 0)
		return errno == EWOULDBLOCK ? EAGAIN : errno;
	*fullp = (size_t)n;
	*salenp = sl;
	return 0;
}

void
rumpuser_sockin_wait(struct sockin_user *u)
{
	struct pollfd p[2] = {
		{ .fd = u->su_fd, .events = POLLIN },
		{ .fd = u->su_evfd, .events = POLLIN },
	};

	while (poll(p, 2, -1) < 0 && errno == EINTR)
		continue;
}

void
rumpuser_sockin_stop(struct sockin_user *u)
{
	uint64_t one = 1;

	(void)!write(u->su_evfd, &one, sizeof(one));
}

int
rumpuser_sockin_getname(struct sockin_user *u, int peer, void *sa,
    size_t *lenp)
{
	socklen_t sl = (socklen_t)*lenp;
	int rv;

	rv = peer ? getpeername(u->su_fd, sa, &sl) :
	    getsockname(u->su_fd, sa, &sl);
	if (rv != 0)
		return errno;
	*lenp = sl;
	return 0;
}

int
rumpuser_sockin_setopt(struct sockin_user *u, int level, int name,
    const void *val, size_t len)
{
	return setsockopt(u->su_fd, level, name, val, (socklen_t)len) == 0 ?
	    0 : errno;
}

int
rumpuser_sockin_getopt(struct sockin_user *u, int level, int name,
    void *val, size_t *lenp)
{
	socklen_t sl = (socklen_t)*lenp;

	if (getsockopt(u->su_fd, level, name, val, &sl) != 0)
		return errno;
	*lenp = sl;
	return 0;
}
