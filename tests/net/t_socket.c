/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_socket.c: the socket calls' argument checks and the errors Linux
 * gives: unknown families, types and protocols, ENOTSOCK on other
 * descriptors, bad lengths, options of level SOL_SOCKET, fcntl/ioctl on
 * sockets, fstat.
 */
#include "h_net.h"

TestSuite(socket, .init = h_boot);

Test(socket, create_errors)
{
	errno = 0;
	cr_assert_eq(rump_sys_socket(AF_INET6, SOCK_STREAM, 0), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	cr_assert_eq(rump_sys_socket(999, SOCK_STREAM, 0), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	cr_assert_eq(rump_sys_socket(AF_UNIX, SOCK_RAW, 0), -1);
	cr_assert_eq(errno, ESOCKTNOSUPPORT);
	cr_assert_eq(rump_sys_socket(AF_UNIX, SOCK_STREAM, 6), -1);
	cr_assert_eq(errno, EPROTONOSUPPORT);
	cr_assert_eq(rump_sys_socket(AF_UNIX, 0, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_socket(AF_UNIX, SOCK_STREAM | 0x100000, 0), -1);
	cr_assert_eq(errno, EINVAL);
	/* protocol PF_UNIX is accepted */
	int s = rump_sys_socket(AF_UNIX, SOCK_STREAM, PF_UNIX);
	cr_assert_geq(s, 0);
	cr_assert_eq(rump_sys_close(s), 0);
	h_noleak();
}

Test(socket, enotsock)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int fd, v = 1, p[2];
	char c;

	fd = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_bind(fd, (struct sockaddr *)&sun,
	    h_sun(&sun, "/x")), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_listen(fd, 1), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_accept(fd, NULL, NULL), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_getsockname(fd, (struct sockaddr *)&sun, &len),
	    -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v,
	    sizeof(v)), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_sendto(fd, "x", 1, 0, NULL, 0), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_recvfrom(fd, &c, 1, 0, NULL, NULL), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_shutdown(fd, SHUT_RD), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_connect(p[0], (struct sockaddr *)&sun,
	    h_sun(&sun, "/x")), -1);
	cr_assert_eq(errno, ENOTSOCK);
	cr_assert_eq(rump_sys_listen(77, 1), -1);
	cr_assert_eq(errno, EBADF);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	rump_sys_close(fd);
	rump_sys_unlink("/f");
}

Test(socket, bad_lengths)
{
	struct sockaddr_un sun;
	socklen_t len;
	int s, v;

	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(s, 0);
	h_sun(&sun, "/sock");
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, 1000), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun,
	    (socklen_t)-1), -1);
	cr_assert_eq(errno, EINVAL);
	sun.sun_family = AF_INET;
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, sizeof(sun)),
	    -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_bind(s, NULL, sizeof(sun)), -1);
	cr_assert_eq(errno, EFAULT);
	len = (socklen_t)-1;
	cr_assert_eq(rump_sys_getsockname(s, (struct sockaddr *)&sun, &len),
	    -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_getsockname(s, (struct sockaddr *)&sun, NULL),
	    -1);
	cr_assert_eq(errno, EFAULT);
	v = 1;
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2),
	    -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, NULL,
	    4), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, 9999, &v, 4), -1);
	cr_assert_eq(errno, ENOPROTOOPT);
	cr_assert_eq(rump_sys_shutdown(s, 7), -1);
	cr_assert_eq(errno, EINVAL);
	rump_sys_close(s);
	h_noleak();
}

Test(socket, options)
{
	struct timeval tv = { 1, 500000 }, tv2;
	struct linger lg = { 1, 5 }, lg2;
	socklen_t len;
	int s, v;

	s = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	cr_assert_geq(s, 0);
	len = sizeof(v);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	cr_assert_eq(v, SOCK_DGRAM);
	cr_assert_eq(len, sizeof(int));
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len),
	    0);
	cr_assert_eq(v, AF_UNIX);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v,
	    &len), 0);
	cr_assert_eq(v, PF_UNIX);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v,
	    &len), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len),
	    0);
	cr_assert_eq(v, 0);
	for (int opt = 0; opt < 4; opt++) {
		int names[] = { SO_REUSEADDR, SO_REUSEPORT, SO_BROADCAST,
		    SO_KEEPALIVE };
		v = 1;
		cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, names[opt], &v,
		    sizeof(v)), 0);
		v = 0;
		cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, names[opt], &v,
		    &len), 0);
		cr_assert_eq(v, 1);
	}
	v = 10000;
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v,
	    sizeof(v)), 0);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len),
	    0);
	cr_assert_eq(v, 20000);          /* Linux doubles it */
	v = 1;
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v,
	    sizeof(v)), 0);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len),
	    0);
	cr_assert_eq(v, 2304);           /* the minimum */
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	len = sizeof(tv2);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2,
	    &len), 0);
	cr_assert_eq(tv2.tv_sec, 1);
	cr_assert_eq(tv2.tv_usec, 500000);
	tv.tv_usec = 2000000;
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), -1);
	cr_assert_eq(errno, EDOM);
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	len = sizeof(lg2);
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2,
	    &len), 0);
	cr_assert_eq(lg2.l_onoff, 1);
	cr_assert_eq(lg2.l_linger, 5);
	v = 1;
	cr_assert_eq(rump_sys_setsockopt(s, SOL_SOCKET, SO_TYPE, &v,
	    sizeof(v)), -1);
	cr_assert_eq(errno, ENOPROTOOPT);
	cr_assert_eq(rump_sys_setsockopt(s, 6, 1, &v, sizeof(v)), -1);
	cr_assert_eq(errno, ENOPROTOOPT);
	/* a short buffer gets a truncated value */
	len = 2;
	cr_assert_eq(rump_sys_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	cr_assert_eq(len, 2);
	rump_sys_close(s);
	h_noleak();
}

Test(socket, fileops)
{
	struct stat sb;
	int s, fl, n;

	s = rump_sys_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	cr_assert_geq(s, 0);
	fl = rump_sys_fcntl(s, F_GETFL, NULL);
	cr_assert(fl & O_NONBLOCK);
	cr_assert_eq(rump_sys_fcntl(s, F_GETFD, NULL), FD_CLOEXEC);
	cr_assert_eq(rump_sys_fcntl(s, F_SETFL, (void *)(uintptr_t)0), 0);
	cr_assert_eq(rump_sys_fcntl(s, F_GETFL, NULL) & O_NONBLOCK, 0);
	n = 1;
	cr_assert_eq(rump_sys_ioctl(s, FIONBIO, &n), 0);
	cr_assert(rump_sys_fcntl(s, F_GETFL, NULL) & O_NONBLOCK);
	cr_assert_eq(rump_sys_ioctl(s, FIONREAD, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(rump_sys_ioctl(s, 0x1234, &n), -1);
	cr_assert_eq(errno, ENOTTY);
	cr_assert_eq(rump_sys_fstat(s, &sb), 0);
	cr_assert(S_ISSOCK(sb.st_mode));
	cr_assert_eq(rump_sys_lseek(s, 0, SEEK_SET), -1);
	cr_assert_eq(errno, ESPIPE);
	cr_assert_eq(rump_sys_close(s), 0);
	h_noleak();
}
