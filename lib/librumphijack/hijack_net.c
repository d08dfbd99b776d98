/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_net.c: the socket calls.
 *
 * socket() and socketpair() go to the kernel when RUMPHIJACK's socket=
 * list has the family (hj_sockfamily); everything else follows the
 * descriptor.  librumpclient's own sockets (its connections to the
 * server) are made with hj_inrump set and stay on the host whatever the
 * list says.  sendmsg/recvmsg go to the kernel whole (the remote
 * protocol carries the msghdr with its name, data and control); the
 * descriptors of SCM_RIGHTS messages are translated between the
 * program's numbers and the kernel's, and a descriptor of the other side
 * is refused with EXDEV: a host descriptor cannot be passed over a
 * kernel socket, nor a kernel one over a host socket.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump_syscalls.h>

#include "hijack_impl.h"

#define HJ_FD(fd, hostcall, rumpcall) do {				\
	int k;								\
									\
	if (hj_fd((fd), &k) == HJ_HOST)					\
		return hostcall;					\
	return RUMPCALL(rumpcall);					\
} while (0)

HJ_EXPORT int
socket(int domain, int type, int proto)
{

	if (hj_inrump)
		return hj_clientsock(REAL(socket)(domain, type, proto));
	if (!hj_inited || !hj_sockfamily(domain))
		return REAL(socket)(domain, type, proto);
	return hj_kfd2fd(RUMPCALL(rump_sys_socket(domain, type, proto)));
}

HJ_EXPORT int
socketpair(int domain, int type, int proto, int sv[2])
{
	int r;

	if (!hj_inited || hj_inrump || !hj_sockfamily(domain))
		return REAL(socketpair)(domain, type, proto, sv);
	r = RUMPCALL(rump_sys_socketpair(domain, type, proto, sv));
	if (r == 0) {
		sv[0] = hj_kfd2fd(sv[0]);
		sv[1] = hj_kfd2fd(sv[1]);
	}
	return r;
}

HJ_EXPORT int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{

	HJ_FD(fd, REAL(bind)(fd, sa, len), rump_sys_bind(k, sa, len));
}

HJ_EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{

	HJ_FD(fd, REAL(connect)(fd, sa, len), rump_sys_connect(k, sa, len));
}

HJ_EXPORT int
listen(int fd, int backlog)
{

	HJ_FD(fd, REAL(listen)(fd, backlog), rump_sys_listen(k, backlog));
}

HJ_EXPORT int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(accept)(fd, sa, len);
	return hj_kfd2fd(RUMPCALL(rump_sys_accept(k, sa, len)));
}

HJ_EXPORT int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(accept4)(fd, sa, len, flags);
	return hj_kfd2fd(RUMPCALL(rump_sys_accept4(k, sa, len, flags)));
}

HJ_EXPORT int
getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{

	HJ_FD(fd, REAL(getsockname)(fd, sa, len),
	    rump_sys_getsockname(k, sa, len));
}

HJ_EXPORT int
getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{

	HJ_FD(fd, REAL(getpeername)(fd, sa, len),
	    rump_sys_getpeername(k, sa, len));
}

HJ_EXPORT int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{

	HJ_FD(fd, REAL(setsockopt)(fd, level, name, val, len),
	    rump_sys_setsockopt(k, level, name, val, len));
}

HJ_EXPORT int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{

	HJ_FD(fd, REAL(getsockopt)(fd, level, name, val, len),
	    rump_sys_getsockopt(k, level, name, val, len));
}

HJ_EXPORT int
shutdown(int fd, int how)
{

	HJ_FD(fd, REAL(shutdown)(fd, how), rump_sys_shutdown(k, how));
}

HJ_EXPORT ssize_t
send(int fd, const void *buf, size_t n, int flags)
{

	HJ_FD(fd, REAL(send)(fd, buf, n, flags),
	    rump_sys_sendto(k, buf, n, flags, NULL, 0));
}

HJ_EXPORT ssize_t
sendto(int fd, const void *buf, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{

	HJ_FD(fd, REAL(sendto)(fd, buf, n, flags, sa, len),
	    rump_sys_sendto(k, buf, n, flags, sa, len));
}

HJ_EXPORT ssize_t
recv(int fd, void *buf, size_t n, int flags)
{

	HJ_FD(fd, REAL(recv)(fd, buf, n, flags),
	    rump_sys_recvfrom(k, buf, n, flags, NULL, NULL));
}

HJ_EXPORT ssize_t
recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa,
    socklen_t *len)
{

	HJ_FD(fd, REAL(recvfrom)(fd, buf, n, flags, sa, len),
	    rump_sys_recvfrom(k, buf, n, flags, sa, len));
}

/*
 * The descriptors of the SCM_RIGHTS messages in m's control, in place:
 * tokernel, program numbers to the kernel's (every one must be a kernel
 * descriptor, else EXDEV); otherwise the kernel's to program numbers.
 * 0 or an errno.
 */
static int
hj_rights_map(struct msghdr *m, bool tokernel)
{
	struct cmsghdr *c;
	size_t i, n;
	int *fds, k;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)CMSG_DATA(c);
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			if (!tokernel) {
				fds[i] = hj_kfd2fd(fds[i]);
				continue;
			}
			if (hj_fd(fds[i], &k) != HJ_RUMP)
				return EXDEV;
			fds[i] = k;
		}
	}
	return 0;
}

/* Whether m's control passes a kernel descriptor (SCM_RIGHTS). */
static bool
hj_rights_haskernel(const struct msghdr *m)
{
	struct cmsghdr *c;
	size_t i, n;
	int *fds, k;

	for (c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)CMSG_DATA(c);
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++)
			if (hj_fd(fds[i], &k) == HJ_RUMP)
				return true;
	}
	return false;
}

HJ_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct msghdr km;
	ssize_t r;
	int k, error;

	if (hj_fd(fd, &k) == HJ_HOST) {
		/* A kernel descriptor cannot ride a host socket. */
		if (hj_inited && !hj_inrump && m->msg_controllen != 0 &&
		    hj_rights_haskernel(m))
			return hj_set_errno(EXDEV);
		return REAL(sendmsg)(fd, m, flags);
	}
	if (m->msg_controllen == 0 || m->msg_control == NULL)
		return RUMPCALL(rump_sys_sendmsg(k, m, flags));
	/* The control is rewritten with kernel numbers in a copy. */
	km = *m;
	km.msg_control = malloc(m->msg_controllen);
	if (km.msg_control == NULL)
		return hj_set_errno(ENOMEM);
	memcpy(km.msg_control, m->msg_control, m->msg_controllen);
	if ((error = hj_rights_map(&km, true)) != 0) {
		free(km.msg_control);
		return hj_set_errno(error);
	}
	r = RUMPCALL(rump_sys_sendmsg(k, &km, flags));
	error = errno;
	free(km.msg_control);
	errno = error;
	return r;
}

HJ_EXPORT ssize_t
recvmsg(int fd, struct msghdr *m, int flags)
{
	ssize_t r;
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(recvmsg)(fd, m, flags);
	r = RUMPCALL(rump_sys_recvmsg(k, m, flags));
	if (r >= 0 && m->msg_control != NULL && m->msg_controllen != 0)
		(void)hj_rights_map(m, false);
	return r;
}

/*
 * sendmmsg/recvmmsg on kernel sockets: one sendmsg/recvmsg per message
 * (the kernel has no vector call).  The count done, or -1 with errno
 * when the first one fails.  recvmmsg's timeout is checked after each
 * message, as Linux does; MSG_WAITFORONE makes the later ones
 * non-blocking.
 */
HJ_EXPORT int
sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	unsigned int i;
	ssize_t r;
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(sendmmsg)(fd, v, n, flags);
	for (i = 0; i < n; i++) {
		r = sendmsg(fd, &v[i].msg_hdr, flags);
		if (r < 0)
			return i > 0 ? (int)i : -1;
		v[i].msg_len = (unsigned int)r;
	}
	return (int)i;
}

HJ_EXPORT int
recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
    struct timespec *timeout)
{
	struct timespec end, now;
	unsigned int i;
	ssize_t r;
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(recvmmsg)(fd, v, n, flags, timeout);
	if (timeout != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += timeout->tv_sec;
		end.tv_nsec += timeout->tv_nsec;
		if (end.tv_nsec >= 1000000000) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000;
		}
	}
	for (i = 0; i < n; i++) {
		r = recvmsg(fd, &v[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (r < 0) {
			if (i == 0)
				return -1;
			break;
		}
		v[i].msg_len = (unsigned int)r;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (timeout != NULL) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > end.tv_sec || (now.tv_sec ==
			    end.tv_sec && now.tv_nsec >= end.tv_nsec)) {
				i++;
				break;
			}
		}
	}
	return (int)i;
}
