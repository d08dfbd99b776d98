/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_net.c: the socket calls.
 *
 * socket() and socketpair() go to the kernel when RUMPHIJACK's socket=
 * list has the family (hj_sockfamily); everything else follows the
 * descriptor.  librumpclient's own sockets (its connections to the
 * server) are made with hj_inrump set and stay on the host whatever the
 * list says.  sendmsg/recvmsg on kernel sockets are carried as
 * sendto/recvfrom of the gathered data: control messages are refused
 * (EOPNOTSUPP), since the remote protocol cannot carry a struct msghdr
 * yet.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
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

static size_t
hj_iovlen(const struct msghdr *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->msg_iovlen; i++)
		n += m->msg_iov[i].iov_len;
	return n;
}

HJ_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *m, int flags)
{
	size_t i, n, off = 0;
	ssize_t r;
	char *buf;
	int k, error;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(sendmsg)(fd, m, flags);
	if (m->msg_controllen != 0)
		return hj_set_errno(EOPNOTSUPP);
	n = hj_iovlen(m);
	buf = malloc(n > 0 ? n : 1);
	if (buf == NULL)
		return hj_set_errno(ENOMEM);
	for (i = 0; i < m->msg_iovlen; i++) {
		memcpy(buf + off, m->msg_iov[i].iov_base,
		    m->msg_iov[i].iov_len);
		off += m->msg_iov[i].iov_len;
	}
	r = RUMPCALL(rump_sys_sendto(k, buf, n, flags, m->msg_name,
	    m->msg_namelen));
	error = errno;
	free(buf);
	errno = error;
	return r;
}

HJ_EXPORT ssize_t
recvmsg(int fd, struct msghdr *m, int flags)
{
	size_t i, n, off = 0, c;
	socklen_t nl;
	ssize_t r;
	char *buf;
	int k, error;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(recvmsg)(fd, m, flags);
	n = hj_iovlen(m);
	buf = malloc(n > 0 ? n : 1);
	if (buf == NULL)
		return hj_set_errno(ENOMEM);
	nl = m->msg_namelen;
	r = RUMPCALL(rump_sys_recvfrom(k, buf, n, flags, m->msg_name,
	    m->msg_name != NULL ? &nl : NULL));
	error = errno;
	if (r >= 0) {
		for (i = 0; i < m->msg_iovlen && off < (size_t)r; i++) {
			c = m->msg_iov[i].iov_len;
			if (c > (size_t)r - off)
				c = (size_t)r - off;
			memcpy(m->msg_iov[i].iov_base, buf + off, c);
			off += c;
		}
		m->msg_namelen = m->msg_name != NULL ? nl : 0;
		m->msg_controllen = 0;
		m->msg_flags = 0;
	}
	free(buf);
	errno = error;
	return r;
}
