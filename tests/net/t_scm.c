/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_scm.c: control messages on AF_UNIX sockets: SCM_RIGHTS within one
 * process and across two kernel processes (rump_lwproc_rfork), MSG_CTRUNC
 * when the buffer is short, closing with descriptors in flight (no leak),
 * cycles of sockets sent over themselves (collected), SCM_CREDENTIALS.
 */
#include "h_net.h"

TestSuite(scm, .init = h_boot);

static ssize_t
send_fds(int s, const int *fds, int n, const char *data)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;

	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = strlen(data);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return rump_sys_sendmsg(s, &msg, 0);
}

/* Receive up to 8 descriptors into fds; their number, or -1. */
static int
recv_fds(int s, int *fds, char *data, size_t datalen, size_t clen,
    int *flagsp)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	int n = 0;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = data;
	iov.iov_len = datalen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = clen;
	if (rump_sys_recvmsg(s, &msg, 0) < 0)
		return -1;
	*flagsp = msg.msg_flags;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * n);
		}
	}
	return n;
}

Test(scm, rights_same_process)
{
	int sv[2], fd, got[8], flags;
	char buf[16];

	fd = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	cr_assert_eq(rump_sys_write(fd, "content", 7), 7);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(send_fds(sv[0], &fd, 1, "fd"), 2);
	rump_sys_close(fd);
	cr_assert_eq(recv_fds(sv[1], got, buf, sizeof(buf), sizeof(buf) +
	    CMSG_SPACE(sizeof(int) * 8) - sizeof(buf), &flags), 1);
	cr_assert_eq(flags & MSG_CTRUNC, 0);
	/* the new descriptor shares the open file (and its offset) */
	cr_assert_eq(rump_sys_lseek(got[0], 0, SEEK_CUR), 7);
	cr_assert_eq(rump_sys_pread64(got[0], buf, 7, 0), 7);
	cr_assert_eq(memcmp(buf, "content", 7), 0);
	rump_sys_close(got[0]);
	/* bad descriptors are refused */
	fd = 99;
	cr_assert_eq(send_fds(sv[0], &fd, 1, "x"), -1);
	cr_assert_eq(errno, EBADF);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	rump_sys_unlink("/f");
	h_noleak();
}

Test(scm, rights_two_processes)
{
	struct sockaddr_un sun;
	int s, c, a, fd, got[8], flags, n;
	char buf[16];

	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun,
	    h_sun(&sun, "/srv")), 0);
	cr_assert_eq(rump_sys_listen(s, 1), 0);
	/* a second process opens a file and sends it */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	fd = rump_sys_open("/secret", O_RDWR | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_write(fd, "s3cr3t", 6), 6);
	c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun,
	    h_sun(&sun, "/srv")), 0);
	cr_assert_eq(send_fds(c, &fd, 1, "take"), 4);
	/* the sender exits: its descriptors close, the file stays in flight */
	rump_lwproc_releaselwp();
	a = rump_sys_accept(s, NULL, NULL);
	cr_assert_geq(a, 0);
	n = recv_fds(a, got, buf, sizeof(buf), CMSG_SPACE(sizeof(int) * 8),
	    &flags);
	cr_assert_eq(n, 1);
	cr_assert_eq(rump_sys_pread64(got[0], buf, 6, 0), 6);
	cr_assert_eq(memcmp(buf, "s3cr3t", 6), 0);
	rump_sys_close(got[0]);
	rump_sys_close(a);
	rump_sys_close(s);
	rump_sys_unlink("/srv");
	rump_sys_unlink("/secret");
}

Test(scm, ctrunc)
{
	int sv[2], fds[3], got[8], flags, i, n;
	char buf[8];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	for (i = 0; i < 3; i++)
		fds[i] = rump_sys_open("/", O_RDONLY, 0);
	cr_assert_eq(send_fds(sv[0], fds, 3, "three"), 5);
	for (i = 0; i < 3; i++)
		rump_sys_close(fds[i]);
	/* room for two descriptors only (CMSG_SPACE rounds up): the third
	 * is closed */
	n = recv_fds(sv[1], got, buf, sizeof(buf), CMSG_SPACE(sizeof(int)),
	    &flags);
	cr_assert_eq(n, 2);
	cr_assert(flags & MSG_CTRUNC);
	rump_sys_close(got[0]);
	rump_sys_close(got[1]);
	/* no control buffer at all: the descriptors are dropped */
	fds[0] = rump_sys_open("/", O_RDONLY, 0);
	cr_assert_eq(send_fds(sv[0], fds, 1, "one"), 3);
	rump_sys_close(fds[0]);
	cr_assert_eq(rump_sys_read(sv[1], buf, sizeof(buf)), 3);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}

Test(scm, close_in_flight)
{
	int sv[2], fd;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fd = rump_sys_open("/g", O_RDWR | O_CREAT, 0644);
	cr_assert_eq(send_fds(sv[0], &fd, 1, "x"), 1);
	cr_assert_eq(send_fds(sv[0], &fd, 1, "y"), 1);
	rump_sys_close(fd);
	/* never received: closing the receiver releases the files */
	rump_sys_close(sv[1]);
	rump_sys_close(sv[0]);
	rump_sys_unlink("/g");
	h_noleak();
}

Test(scm, cycles_collected)
{
	int sv[2], tv[2];

	/* a socket sent over its own connection */
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(send_fds(sv[0], &sv[0], 1, "a"), 1);
	cr_assert_eq(send_fds(sv[1], &sv[1], 1, "b"), 1);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	/* a ring of two pairs, each carrying the other */
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, tv), 0);
	cr_assert_eq(send_fds(sv[0], &tv[0], 1, "c"), 1);
	cr_assert_eq(send_fds(tv[0], &sv[0], 1, "d"), 1);
	rump_sys_close(sv[0]);
	rump_sys_close(tv[0]);
	rump_sys_close(sv[1]);
	rump_sys_close(tv[1]);
	h_noleak();
}

Test(scm, credentials)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct ucred uc;
	struct iovec iov;
	char b = 'c';
	int sv[2];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &b;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(uc));
	uc.pid = rump_sys_getpid();
	uc.uid = 0;
	uc.gid = 0;
	memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	cr_assert_eq(rump_sys_sendmsg(sv[0], &msg, 0), 1);
	memset(cbuf, 0, sizeof(cbuf));
	cr_assert_eq(rump_sys_recvmsg(sv[1], &msg, 0), 1);
	cm = CMSG_FIRSTHDR(&msg);
	cr_assert_not_null(cm);
	cr_assert_eq(cm->cmsg_type, SCM_CREDENTIALS);
	memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
	cr_assert_eq(uc.pid, rump_sys_getpid());
	/* a malformed message */
	msg.msg_controllen = sizeof(cbuf);
	cm->cmsg_len = 3;
	cr_assert_eq(rump_sys_sendmsg(sv[0], &msg, 0), -1);
	cr_assert_eq(errno, EINVAL);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	h_noleak();
}
