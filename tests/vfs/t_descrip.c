/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_descrip.c: descriptor tables: dup, dup2, dup3, fcntl F_DUPFD and the
 * descriptor/status flags, EMFILE under RLIMIT_NOFILE, EBADF paths, and
 * what rump_lwproc_rfork does with the table.  Runs on the tmpfs root.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define ARG(x) ((void *)(intptr_t)(x))

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(descrip, .init = boot);

static int
mkfile(const char *path)
{
	int fd = rump_sys_open(path, O_RDWR | O_CREAT, 0644);

	cr_assert_geq(fd, 0, "open %s: errno %d", path, errno);
	return fd;
}

static void
set_nofile(rlim_t cur)
{
	struct rlimit rl = { .rlim_cur = cur, .rlim_max = 4096 };

	cr_assert_eq(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), 0,
	    "setrlimit: errno %d", errno);
}

Test(descrip, lowest_free_descriptor)
{
	int a = mkfile("/a"), b = mkfile("/b"), c = mkfile("/c");

	cr_assert_eq(a, 0);
	cr_assert_eq(b, 1);
	cr_assert_eq(c, 2);
	cr_assert_eq(rump_sys_close(b), 0);
	cr_assert_eq(rump_sys_dup(c), b);
	cr_assert_eq(rump_sys_close(a), 0);
	cr_assert_eq(rump_sys_open("/a", O_RDONLY, 0), a);
	cr_assert_eq(rump_sys_dup(a), 3);
}

Test(descrip, dup_shares_offset_and_file)
{
	int a = mkfile("/f"), d;
	char buf[8];

	d = rump_sys_dup(a);
	cr_assert_gt(d, a);
	cr_assert_eq(rump_sys_write(d, "abc", 3), 3);
	cr_assert_eq(rump_sys_lseek(a, 0, SEEK_CUR), 3);
	cr_assert_eq(rump_sys_lseek(a, 1, SEEK_SET), 1);
	cr_assert_eq(rump_sys_read(d, buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "bc", 2), 0);
	/* Closing one leaves the other usable. */
	cr_assert_eq(rump_sys_close(a), 0);
	cr_assert_eq(rump_sys_lseek(d, 0, SEEK_SET), 0);
	cr_assert_eq(rump_sys_read(d, buf, sizeof(buf)), 3);
}

Test(descrip, dup2_targets)
{
	int a = mkfile("/a"), b = mkfile("/b");
	char buf[4];

	cr_assert_eq(rump_sys_write(a, "A", 1), 1);
	cr_assert_eq(rump_sys_write(b, "B", 1), 1);
	cr_assert_eq(rump_sys_dup2(a, 10), 10);
	cr_assert_eq(rump_sys_lseek(10, 0, SEEK_SET), 0);
	cr_assert_eq(rump_sys_read(10, buf, 1), 1);
	cr_assert_eq(buf[0], 'A');
	/* dup2 onto an open descriptor closes what was there. */
	cr_assert_eq(rump_sys_dup2(a, b), b);
	cr_assert_eq(rump_sys_pread64(b, buf, 1, 0), 1);
	cr_assert_eq(buf[0], 'A');
	/* Same descriptor: nothing happens, it stays open. */
	cr_assert_eq(rump_sys_dup2(a, a), a);
	cr_assert_eq(rump_sys_pread64(a, buf, 1, 0), 1);
	/* A large target grows the table. */
	cr_assert_eq(rump_sys_dup2(a, 700), 700);
	cr_assert_eq(rump_sys_pread64(700, buf, 1, 0), 1);
	cr_assert_eq(rump_sys_fcntl(700, F_GETFD, NULL), 0);
}

Test(descrip, dup2_errors)
{
	int a = mkfile("/a");

	cr_assert_eq(rump_sys_dup2(a, -1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_dup2(a, 1024), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_dup2(55, 3), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_dup2(55, 55), -1);
	cr_assert_eq(errno, EBADF);
}

Test(descrip, dup3_flags)
{
	int a = mkfile("/a");

	cr_assert_eq(rump_sys_dup3(a, a, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_dup3(a, 5, O_NONBLOCK), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_dup3(40, 5, 0), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_dup3(a, 5, O_CLOEXEC), 5);
	cr_assert_eq(rump_sys_fcntl(5, F_GETFD, NULL), FD_CLOEXEC);
	cr_assert_eq(rump_sys_dup3(a, 6, 0), 6);
	cr_assert_eq(rump_sys_fcntl(6, F_GETFD, NULL), 0);
	/* The flag is the descriptor's, not the file's. */
	cr_assert_eq(rump_sys_fcntl(a, F_GETFD, NULL), 0);
}

Test(descrip, fcntl_dupfd)
{
	int a = mkfile("/a");

	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD, ARG(20)), 20);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD, ARG(20)), 21);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD, ARG(0)), 1);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD_CLOEXEC, ARG(5)), 5);
	cr_assert_eq(rump_sys_fcntl(5, F_GETFD, NULL), FD_CLOEXEC);
	cr_assert_eq(rump_sys_fcntl(20, F_GETFD, NULL), 0);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD, ARG(-1)), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD_CLOEXEC, ARG(1024)), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(descrip, cloexec_flags)
{
	int a, b, d;

	a = rump_sys_open("/a", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(a, 0);
	cr_assert_eq(rump_sys_fcntl(a, F_GETFD, NULL), FD_CLOEXEC);
	d = rump_sys_dup(a);
	cr_assert_eq(rump_sys_fcntl(d, F_GETFD, NULL), 0);
	cr_assert_eq(rump_sys_fcntl(a, F_SETFD, ARG(0)), 0);
	cr_assert_eq(rump_sys_fcntl(a, F_GETFD, NULL), 0);
	cr_assert_eq(rump_sys_fcntl(d, F_SETFD, ARG(FD_CLOEXEC | 0x100)), 0);
	cr_assert_eq(rump_sys_fcntl(d, F_GETFD, NULL), FD_CLOEXEC);
	b = mkfile("/b");
	cr_assert_eq(rump_sys_ioctl(b, FIOCLEX, NULL), 0);
	cr_assert_eq(rump_sys_fcntl(b, F_GETFD, NULL), FD_CLOEXEC);
	cr_assert_eq(rump_sys_ioctl(b, FIONCLEX, NULL), 0);
	cr_assert_eq(rump_sys_fcntl(b, F_GETFD, NULL), 0);
}

Test(descrip, status_flags)
{
	int fd, fl;

	fd = rump_sys_open("/a", O_RDWR | O_CREAT | O_APPEND, 0644);
	cr_assert_geq(fd, 0);
	fl = rump_sys_fcntl(fd, F_GETFL, NULL);
	cr_assert_eq(fl & O_ACCMODE, O_RDWR);
	cr_assert(fl & O_APPEND);
	cr_assert_eq(fl & (O_CREAT | O_NONBLOCK), 0);
	/* Only the changeable flags change; the access mode stays. */
	cr_assert_eq(rump_sys_fcntl(fd, F_SETFL,
	    ARG(O_NONBLOCK | O_WRONLY | O_TRUNC)), 0);
	fl = rump_sys_fcntl(fd, F_GETFL, NULL);
	cr_assert_eq(fl & O_ACCMODE, O_RDWR);
	cr_assert(fl & O_NONBLOCK);
	cr_assert_eq(fl & (O_APPEND | O_TRUNC), 0);
	/* Status flags belong to the file: a dup sees them. */
	cr_assert(rump_sys_fcntl(rump_sys_dup(fd), F_GETFL, NULL) & O_NONBLOCK);
	cr_assert_eq(rump_sys_ioctl(fd, FIONBIO, &(int){ 0 }), 0);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFL, NULL) & O_NONBLOCK, 0);
	fd = rump_sys_open("/a", O_RDONLY, 0);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFL, NULL) & O_ACCMODE, O_RDONLY);
	cr_assert_eq(rump_sys_fcntl(fd, 9999, NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(descrip, emfile_at_rlimit)
{
	int fd, i, a;

	set_nofile(8);
	a = mkfile("/a");
	for (i = 1; i < 8; i++)
		cr_assert_eq(rump_sys_dup(a), i);
	cr_assert_eq(rump_sys_dup(a), -1);
	cr_assert_eq(errno, EMFILE);
	cr_assert_eq(rump_sys_open("/a", O_RDONLY, 0), -1);
	cr_assert_eq(errno, EMFILE);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD, ARG(3)), -1);
	cr_assert_eq(errno, EMFILE);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD, ARG(8)), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_dup2(a, 8), -1);
	cr_assert_eq(errno, EBADF);
	/* Closing one makes room again. */
	cr_assert_eq(rump_sys_close(4), 0);
	cr_assert_eq(rump_sys_dup(a), 4);
	/* A higher limit: the table grows well past its first size. */
	set_nofile(300);
	for (i = 8; i < 300; i++) {
		fd = rump_sys_dup(a);
		cr_assert_eq(fd, i, "dup %d gave %d errno %d", i, fd, errno);
	}
	cr_assert_eq(rump_sys_dup(a), -1);
	cr_assert_eq(errno, EMFILE);
	cr_assert_eq(rump_sys_close(150), 0);
	cr_assert_eq(rump_sys_fcntl(a, F_DUPFD, ARG(100)), 150);
}

Test(descrip, ebadf_everywhere)
{
	char buf[4];
	struct stat sb;
	int fd = mkfile("/a");

	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_close(fd), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_close(-1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_close(100000), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_read(fd, buf, 1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_write(fd, buf, 1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_SET), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_fstat(fd, &sb), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFD, NULL), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFL, NULL), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_dup(fd), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_dup(-5), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_ioctl(fd, FIONREAD, buf), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_flock(fd, LOCK_SH), -1);
	cr_assert_eq(errno, EBADF);
}

Test(descrip, rfork_tables)
{
	struct stat sb;
	struct lwp *parent;
	int fd, nfd;

	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	parent = rump_lwproc_curlwp();
	fd = mkfile("/a");

	/* A copy: closing in the child leaves the parent's open. */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG), 0);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	nfd = mkfile("/b");
	cr_assert_eq(rump_sys_close(fd), 0);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(parent);
	cr_assert_eq(rump_sys_fstat(fd, &sb), 0);
	cr_assert_eq(rump_sys_fstat(nfd, &sb), -1);
	cr_assert_eq(errno, EBADF);

	/* A clean table has nothing. */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_fstat(fd, &sb), -1);
	cr_assert_eq(errno, EBADF);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(parent);

	/* A shared table: the child's opens are the parent's, and the
	 * child's exit does not close them. */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFSHARE), 0);
	nfd = mkfile("/c");
	rump_lwproc_releaselwp();
	rump_lwproc_switch(parent);
	cr_assert_eq(rump_sys_fstat(nfd, &sb), 0);
	rump_lwproc_releaselwp();
}

Test(descrip, no_leaks)
{
	uint64_t before;
	int fd, i;

	fd = mkfile("/a");
	cr_assert_eq(rump_sys_close(fd), 0);
	fd = mkfile("/a");
	cr_assert_eq(rump_sys_close(fd), 0);
	before = rump_kmem_inuse();
	fd = rump_sys_open("/a", O_RDWR, 0);
	for (i = 0; i < 200; i++)
		cr_assert_eq(rump_sys_dup(fd), i + 1);
	cr_assert_eq(rump_sys_dup2(fd, 900), 900);
	for (i = 0; i <= 200; i++)
		cr_assert_eq(rump_sys_close(i), 0);
	cr_assert_eq(rump_sys_close(900), 0);
	/* The grown table stays grown; only the files must be gone. */
	cr_assert_leq(rump_kmem_inuse(), before + 1024 * 20);
	fd = mkfile("/a");
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	before = rump_kmem_inuse();
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG), 0);
	fd = mkfile("/a");
	cr_assert_eq(rump_sys_dup2(fd, 500), 500);
	rump_lwproc_releaselwp();
	cr_assert_eq(rump_kmem_inuse(), before);
}
