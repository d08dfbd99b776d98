/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_client.c: librumpclient's marshalling against a real server.
 *
 * Each case starts its own rump_allserver (the ALLSERVER environment
 * variable, set by meson) on a fresh unix socket and halts it at the end.
 * The cases cover the kinds of arguments the protocol carries: strings,
 * fixed structures, counted buffers with short results, iovec arrays both
 * ways, poll arrays, ioctl and fcntl commands, data larger than one frame,
 * threads making blocking calls at the same time, and data to send that
 * is not all there (the client does not probe it; sendmsg says EFAULT).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

#include "h_sp.h"

TestSuite(client, .init = sp_server_up, .fini = sp_server_down, .timeout = 60);

Test(client, paths_and_structures)
{
	struct stat sb;
	char buf[64];
	int fd;

	cr_assert(rump_sys_mkdir("/d", 0755) == 0);
	fd = rump_sys_open("/d/f", O_RDWR | O_CREAT, 0640);
	cr_assert(fd >= 0);
	cr_assert(rump_sys_write(fd, "abc", 3) == 3);
	cr_assert(rump_sys_fstat(fd, &sb) == 0);
	cr_assert_eq(sb.st_size, 3);
	cr_assert_eq(sb.st_mode & 07777, 0640);
	cr_assert(rump_sys_stat("/d/f", &sb) == 0 && S_ISREG(sb.st_mode));
	cr_assert(rump_sys_stat("/nonexistent", &sb) == -1 && errno == ENOENT);
	cr_assert(rump_sys_symlink("/d/f", "/l") == 0);
	cr_assert_eq(rump_sys_readlink("/l", buf, sizeof(buf)), 4);
	cr_assert(memcmp(buf, "/d/f", 4) == 0);
	cr_assert(rump_sys_chdir("/d") == 0);
	cr_assert(rump_sys_getcwd(buf, sizeof(buf)) > 0);
	cr_assert_str_eq(buf, "/d");
	cr_assert(rump_sys_close(fd) == 0);
	cr_assert(rump_sys_close(fd) == -1 && errno == EBADF);
}

Test(client, short_reads_and_large_data)
{
	size_t big = 3 * 1024 * 1024 + 123, i;
	char *a = malloc(big), *b = malloc(big + 10);
	int fd;

	cr_assert(a != NULL && b != NULL);
	for (i = 0; i < big; i++)
		a[i] = (char)(i * 7 + i / 4096);
	fd = rump_sys_open("/big", O_RDWR | O_CREAT, 0644);
	cr_assert(fd >= 0);
	/* Larger than one frame: the client splits the write. */
	cr_assert_eq(rump_sys_write(fd, a, big), (ssize_t)big);
	cr_assert_eq(rump_sys_pwrite64(fd, "XY", 2, 5), 2);
	a[5] = 'X';
	a[6] = 'Y';
	/* A read may be short; loop as programs do. */
	size_t got = 0;
	ssize_t n;
	while ((n = rump_sys_pread64(fd, b + got, big + 10 - got,
	    (off_t)got)) > 0)
		got += (size_t)n;
	cr_assert_eq(n, 0);
	cr_assert_eq(got, big);
	cr_assert(memcmp(a, b, big) == 0);
	cr_assert(rump_sys_lseek(fd, 0, SEEK_END) == (off_t)big);
	cr_assert_eq(rump_sys_read(fd, b, 100), 0);
	rump_sys_close(fd);
	free(a);
	free(b);
}

Test(client, iovecs_both_ways)
{
	char x[3] = "ab", y[5] = "cdef", r1[2], r2[10];
	struct iovec w[2] = { { x, 2 }, { y, 4 } };
	struct iovec r[2] = { { r1, 2 }, { r2, 10 } };
	int fd;

	fd = rump_sys_open("/v", O_RDWR | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(rump_sys_writev(fd, (void *)w, 2), 6);
	cr_assert_eq(rump_sys_preadv(fd, (void *)r, 2, 0), 6);
	cr_assert(memcmp(r1, "ab", 2) == 0 && memcmp(r2, "cdef", 4) == 0);
	cr_assert_eq(rump_sys_pwritev(fd, (void *)w, 1, 4), 2);
	memset(r2, 0, sizeof(r2));
	cr_assert_eq(rump_sys_readv(fd, (void *)&r[1], 1), 0);
	cr_assert(rump_sys_lseek(fd, 0, SEEK_SET) == 0);
	cr_assert_eq(rump_sys_readv(fd, (void *)&r[1], 1), 6);
	cr_assert(memcmp(r2, "abcdab", 6) == 0);
	cr_assert(rump_sys_writev(fd, (void *)w, -1) == -1 && errno == EINVAL);
	rump_sys_close(fd);
}

Test(client, pipes_poll_ioctl_fcntl)
{
	struct pollfd pfd[2];
	struct flock fl;
	int fds[2], nread = -1, on = 1, fd;

	cr_assert(rump_sys_pipe(fds) == 0);
	pfd[0].fd = fds[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = fds[1];
	pfd[1].events = POLLOUT;
	cr_assert_eq(rump_sys_poll((void *)pfd, 2, 0), 1);
	cr_assert_eq(pfd[0].revents, 0);
	cr_assert(pfd[1].revents & POLLOUT);
	cr_assert_eq(rump_sys_write(fds[1], "hello", 5), 5);
	cr_assert(rump_sys_ioctl(fds[0], FIONREAD, &nread) == 0);
	cr_assert_eq(nread, 5);
	cr_assert(rump_sys_ioctl(fds[0], FIONBIO, &on) == 0);
	cr_assert(rump_sys_fcntl(fds[0], F_GETFL, 0) & O_NONBLOCK);
	cr_assert(rump_sys_fcntl(fds[0], F_SETFD, (void *)(long)FD_CLOEXEC)
	    == 0);
	cr_assert_eq(rump_sys_fcntl(fds[0], F_GETFD, 0), FD_CLOEXEC);
	char buf[8];
	cr_assert_eq(rump_sys_read(fds[0], buf, 8), 5);
	cr_assert(rump_sys_read(fds[0], buf, 8) == -1 && errno == EAGAIN);

	fd = rump_sys_open("/lk", O_RDWR | O_CREAT, 0644);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 10;
	cr_assert(rump_sys_fcntl(fd, F_SETLK, &fl) == 0);
	fl.l_type = F_RDLCK;
	cr_assert(rump_sys_fcntl(fd, F_GETLK, &fl) == 0);
	cr_assert_eq(fl.l_type, F_UNLCK);   /* our own lock */
	/* An unknown old-style ioctl with a pointer cannot reach the server. */
	cr_assert(rump_sys_ioctl(fd, 0x5499, &nread) == -1);
}

static int pipefds[2];

static void *
blocked_reader(void *arg)
{
	char buf[16];
	ssize_t n;

	n = rump_sys_read(pipefds[0], buf, 1);
	return (void *)(intptr_t)n;
}

Test(client, threads_block_independently)
{
	pthread_t t[8];
	void *rv;
	int i;

	cr_assert(rump_sys_pipe(pipefds) == 0);
	for (i = 0; i < 8; i++)
		cr_assert(pthread_create(&t[i], NULL, blocked_reader, NULL) == 0);
	usleep(200000);
	/* Eight threads sit in read(); this thread's calls still run. */
	cr_assert_eq(rump_sys_getpid(), rumpclient_getpid());
	for (i = 0; i < 8; i++)
		cr_assert_eq(rump_sys_write(pipefds[1], "x", 1), 1);
	for (i = 0; i < 8; i++) {
		cr_assert(pthread_join(t[i], &rv) == 0);
		cr_assert_eq((intptr_t)rv, 1);
	}
}

Test(client, rump_only_calls)
{
	uint64_t v[RUMP_SYSINFO_COUNT];

	cr_assert_eq(rump_sys_rump_sysinfo(v, sizeof(v)), (ssize_t)sizeof(v));
	cr_assert(v[RUMP_SYSINFO_NCPU] >= 1);
	cr_assert(v[RUMP_SYSINFO_NPROCS] >= 3);
	cr_assert_eq(rump_sys_rump_sysinfo(v, 12), 8);
	cr_assert(rump_sys_rump_halt(0x100) == -1 && errno == EINVAL);
	/* Not root: refused (in a child, whose process is its own). */
	pid_t pid = rumpclient_fork();
	int status;
	cr_assert(pid >= 0);
	if (pid == 0)
		_exit(rump_sys_setuid(1000) == 0 &&
		    rump_sys_rump_halt(0) == -1 && errno == EPERM ? 0 : 1);
	cr_assert(waitpid(pid, &status, 0) == pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(rump_sys_getuid(), 0);
}

/*
 * Memory the client sends without probing it first: a hole anywhere in
 * it is EFAULT from the call, the file is untouched, and the process
 * (pid, descriptors) lives on, whether the hole stopped the request
 * before its first byte or in the middle of the frame.
 */
Test(client, send_from_bad_memory)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 768 * 1024, k;
	size_t holes[] = { 0, pg, 40 * 1024, 512 * 1024, len - pg };
	struct iovec iov[2];
	struct stat sb;
	uint8_t *m;
	pid_t pid = rump_sys_getpid();
	int fd, i;

	fd = rump_sys_open("/bad", O_RDWR | O_CREAT, 0644);
	cr_assert(fd >= 0);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	cr_assert(m != MAP_FAILED);
	memset(m, 'a', len);
	for (k = 0; k < sizeof(holes) / sizeof(holes[0]); k++) {
		cr_assert(mprotect(m + holes[k], pg, PROT_NONE) == 0);
		errno = 0;
		cr_assert(rump_sys_pwrite64(fd, m, len, 0) == -1 &&
		    errno == EFAULT, "hole at %zu: %s", holes[k],
		    strerror(errno));
		iov[0].iov_base = (void *)"x";
		iov[0].iov_len = 1;
		iov[1].iov_base = m;
		iov[1].iov_len = len;
		cr_assert(rump_sys_writev(fd, iov, 2) == -1 && errno == EFAULT);
		cr_assert(rump_sys_fstat(fd, &sb) == 0);
		cr_assert_eq(sb.st_size, 0, "hole at %zu", holes[k]);
		cr_assert_eq(rump_sys_getpid(), pid);
		cr_assert(mprotect(m + holes[k], pg, PROT_READ | PROT_WRITE) ==
		    0);
	}
	/* A long write split in parts stops at the part with the hole. */
	munmap(m, len);
	len = 3 * 1024 * 1024;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	cr_assert(m != MAP_FAILED);
	memset(m, 'b', len);
	cr_assert(mprotect(m + 3 * len / 4, pg, PROT_NONE) == 0);
	cr_assert_eq(rump_sys_write(fd, m, len), 2 * 1024 * 1024);
	for (i = 0; i < 2; i++) {
		cr_assert(rump_sys_fstat(fd, &sb) == 0);
		cr_assert_eq(sb.st_size, 2 * 1024 * 1024);
	}
	cr_assert_eq(rump_sys_pwrite64(fd, "ok", 2, 0), 2);
	cr_assert(rump_sys_close(fd) == 0);
	munmap(m, len);
}

/*
 * A large read lands straight in the caller's memory, unprobed: a hole
 * (or read-only memory) there is EFAULT from the call, the reply is
 * drained, and the connection goes on in step.
 */
Test(client, receive_into_bad_memory)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 256 * 1024, k;
	size_t holes[] = { 0, 5 * pg, len - pg };
	struct iovec iov[2];
	char small[8];
	uint8_t *m, *d;
	int fd;

	fd = rump_sys_open("/r", O_RDWR | O_CREAT, 0644);
	cr_assert(fd >= 0);
	m = malloc(len);
	cr_assert(m != NULL);
	for (k = 0; k < len; k++)
		m[k] = (uint8_t)(k * 13 + k / 4096);
	cr_assert_eq(rump_sys_write(fd, m, len), (ssize_t)len);
	d = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	cr_assert(d != MAP_FAILED);
	for (k = 0; k < sizeof(holes) / sizeof(holes[0]); k++) {
		cr_assert(mprotect(d + holes[k], pg, k == 1 ? PROT_READ :
		    PROT_NONE) == 0);
		cr_assert(rump_sys_pread64(fd, d, len, 0) == -1 &&
		    errno == EFAULT, "hole at %zu", holes[k]);
		iov[0].iov_base = small;
		iov[0].iov_len = sizeof(small);
		iov[1].iov_base = d;
		iov[1].iov_len = len - sizeof(small);
		cr_assert(rump_sys_lseek(fd, 0, SEEK_SET) == 0);
		cr_assert(rump_sys_readv(fd, iov, 2) == -1 && errno == EFAULT);
		/* In step: the next replies are the right ones. */
		cr_assert_eq(rump_sys_pread64(fd, small, 8, 4096), 8);
		cr_assert(memcmp(small, m + 4096, 8) == 0);
		cr_assert(mprotect(d + holes[k], pg, PROT_READ | PROT_WRITE) ==
		    0);
		cr_assert_eq(rump_sys_pread64(fd, d, len, 0), (ssize_t)len);
		cr_assert(memcmp(d, m, len) == 0);
	}
	cr_assert(rump_sys_close(fd) == 0);
	munmap(d, len);
	free(m);
}

/*
 * A call whose only OUT data is one buffer gets it straight from the
 * socket (the reply's final block is unpadded): a short read leaves the
 * rest of the buffer as it was, a small buffer in a hole or in read-only
 * memory is EFAULT (not a crash in the client), and the connection stays
 * in step.
 */
Test(client, small_out_direct)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct stat sb;
	uint8_t buf[64], *m;
	int fd, k;

	fd = rump_sys_open("/s", O_RDWR | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(rump_sys_write(fd, "0123456789abc", 13), 13);
	/* k bytes before the end: k come back, the other 64 - k stay 0xee */
	for (k = 1; k <= 13; k++) {
		size_t j;

		memset(buf, 0xee, sizeof(buf));
		cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 13 - k), k);
		cr_assert(memcmp(buf, "0123456789abc" + 13 - k, (size_t)k) ==
		    0);
		for (j = (size_t)k; j < sizeof(buf); j++)
			cr_assert(buf[j] == 0xee, "%d read, byte %zu changed",
			    k, j);
	}
	memset(buf, 0xee, sizeof(buf));
	cr_assert_eq(rump_sys_pread64(fd, buf, sizeof(buf), 100), 0);
	cr_assert(buf[0] == 0xee);

	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(m != MAP_FAILED);
	for (k = 0; k < 2; k++) {
		cr_assert(mprotect(m, pg, k == 0 ? PROT_NONE : PROT_READ) ==
		    0);
		cr_assert(rump_sys_pread64(fd, m, 8, 0) == -1 &&
		    errno == EFAULT);
		/* A buffer across into the bad page. */
		cr_assert(mprotect(m + pg, pg, k == 0 ? PROT_NONE :
		    PROT_READ) == 0);
		cr_assert(mprotect(m, pg, PROT_READ | PROT_WRITE) == 0);
		cr_assert(rump_sys_pread64(fd, m + pg - 4, 8, 0) == -1 &&
		    errno == EFAULT);
		cr_assert(rump_sys_fstat(fd, (struct stat *)(m + pg - 8)) ==
		    -1 && errno == EFAULT);
		/* In step. */
		cr_assert(rump_sys_fstat(fd, &sb) == 0);
		cr_assert_eq(sb.st_size, 13);
		cr_assert_eq(rump_sys_pread64(fd, buf, 4, 2), 4);
		cr_assert(memcmp(buf, "2345", 4) == 0);
		cr_assert(mprotect(m + pg, pg, PROT_READ | PROT_WRITE) == 0);
	}
	/* An error reply carries no block. */
	cr_assert(rump_sys_pread64(-1, buf, 8, 0) == -1 && errno == EBADF);
	cr_assert(rump_sys_close(fd) == 0);
	munmap(m, 2 * pg);
}

static void *
prefork_thread(void *arg)
{

	/* Its own connection makes the hold; the thread's exit closes it. */
	*(struct rumpclient_fork **)arg = rumpclient_prefork();
	return NULL;
}

/*
 * A fork hold whose connection closed is released SP_HOLD_TTL (30 s)
 * later by the server's own tick, with no handshake to trigger it: the
 * observer below makes calls on a connection it already has.
 */
Test(client, unclaimed_hold_expires, .timeout = 90)
{
	uint64_t v[RUMP_SYSINFO_COUNT];
	struct rumpclient_fork *pf = NULL;
	pthread_t t;
	struct timespec t0, t1;
	uint64_t before;
	int i;

	cr_assert_eq(rump_sys_rump_sysinfo(v, sizeof(v)), (ssize_t)sizeof(v));
	before = v[RUMP_SYSINFO_NPROCS];
	cr_assert(pthread_create(&t, NULL, prefork_thread, &pf) == 0);
	cr_assert(pthread_join(t, NULL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert(pf != NULL);
	cr_assert_eq(rump_sys_rump_sysinfo(v, sizeof(v)), (ssize_t)sizeof(v));
	cr_assert_eq(v[RUMP_SYSINFO_NPROCS], before + 1, "the hold's process");
	for (i = 0; i < 40; i++) {
		sleep(1);
		cr_assert_eq(rump_sys_rump_sysinfo(v, sizeof(v)),
		    (ssize_t)sizeof(v));
		if (v[RUMP_SYSINFO_NPROCS] == before)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(v[RUMP_SYSINFO_NPROCS], before, "hold not released");
	/* The TTL runs from the close, which the join has seen done. */
	cr_assert_geq(t1.tv_sec - t0.tv_sec, 29, "released too early: %ld s",
	    (long)(t1.tv_sec - t0.tv_sec));
	rumpclient_fork_done(pf);
}
