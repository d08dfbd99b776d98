/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin_user.c: the host half of sockin: the rump kernel's AF_INET
 * datagram and stream sockets are host sockets.  The only file of sockin
 * with host headers; sockin.c and sockin_stream.c call it through
 * sockin_user.h.
 *
 * Every host socket is non-blocking, so no call here blocks except the
 * waits (rumpuser_sockin_wait, rumpuser_sockin_poll) and a close that
 * lingers (host SO_LINGER); the kernel half makes those with its
 * virtual CPU released.  A waiter sleeps in poll(2) on the socket and on
 * an eventfd that rumpuser_sockin_wake writes to.
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

/* A struct sockin_user for host socket fd (non-blocking already). */
static int
sockin_user_wrap(int fd, struct sockin_user **up)
{
	struct sockin_user *u;
	int error;

	u = malloc(sizeof(*u));
	if (u == NULL)
		return ENOMEM;
	u->su_fd = fd;
	u->su_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->su_evfd < 0) {
		error = errno;
		free(u);
		return error;
	}
	*up = u;
	return 0;
}

int
rumpuser_sockin_open(int type, int protocol, struct sockin_user **up)
{
	struct sockin_user *u = NULL;
	int error, fd;

	if (type != SOCK_DGRAM && type != SOCK_STREAM)
		return EPROTONOSUPPORT;
	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return errno;
	error = sockin_user_wrap(fd, &u);
	if (error != 0) {
		close(fd);
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
rumpuser_sockin_wake(struct sockin_user *u)
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

int
rumpuser_sockin_listen(struct sockin_user *u, int backlog)
{
	return listen(u->su_fd, backlog) == 0 ? 0 : errno;
}

int
rumpuser_sockin_accept(struct sockin_user *u, struct sockin_user **nup)
{
	int fd, error;

	fd = accept4(u->su_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? EAGAIN : errno;
	error = sockin_user_wrap(fd, nup);
	if (error != 0)
		close(fd);
	return error;
}

int
rumpuser_sockin_read(struct sockin_user *u, void *buf, size_t len,
    size_t *gotp)
{
	ssize_t n;

	n = recv(u->su_fd, buf, len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? EAGAIN : errno;
	*gotp = (size_t)n;
	return 0;
}

int
rumpuser_sockin_shutdown(struct sockin_user *u, int how)
{
	return shutdown(u->su_fd, how) == 0 ? 0 : errno;
}

int
rumpuser_sockin_soerror(struct sockin_user *u, int *errorp)
{
	socklen_t sl = sizeof(*errorp);

	if (getsockopt(u->su_fd, SOL_SOCKET, SO_ERROR, errorp, &sl) != 0)
		return errno;
	return 0;
}

void
rumpuser_sockin_abort(struct sockin_user *u)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(u->su_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	rumpuser_sockin_close(u);
}

int
rumpuser_sockin_poll(struct sockin_user *u, int events, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = u->su_evfd, .events = POLLIN },
		{ .fd = u->su_fd, .events = 0 },
	};
	uint64_t v;
	int revents = 0;
	int n;

	if (events & SOCKIN_EV_IN)
		p[1].events |= POLLIN;
	if (events & SOCKIN_EV_OUT)
		p[1].events |= POLLOUT;
	/* Without events the socket is left out: a hung-up socket would
	 * report POLLHUP forever. */
	n = events != 0 ? 2 : 1;
	while (poll(p, (nfds_t)n, timeout_ms) < 0) {
		if (errno != EINTR)
			return SOCKIN_EV_ERR;
	}
	if (p[0].revents & POLLIN) {
		(void)!read(u->su_evfd, &v, sizeof(v));
		revents |= SOCKIN_EV_WAKE;
	}
	if (n == 2) {
		if (p[1].revents & POLLIN)
			revents |= SOCKIN_EV_IN;
		if (p[1].revents & POLLOUT)
			revents |= SOCKIN_EV_OUT;
		if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			revents |= SOCKIN_EV_ERR;
	}
	return revents;
}
