/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_lock.c: advisory locks: fcntl record locks between processes made
 * with rump_lwproc_rfork (conflicts, F_GETLK, split and merge, release on
 * any close, F_SETLKW waiting, EDEADLK) and flock(2) locks.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(lock, .init = boot);

static void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	return rump_sys_fcntl(fd, cmd, &fl);
}

/* Two processes with the file /f open read-write on the same fd. */
struct procs {
	struct lwp *l1, *l2;
	pid_t pid1, pid2;
	int fd;
};

static void
two_procs(struct procs *ps)
{
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	ps->l1 = rump_lwproc_curlwp();
	ps->pid1 = rump_sys_getpid();
	ps->fd = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(ps->fd, 0);
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFFDG), 0);
	ps->l2 = rump_lwproc_curlwp();
	ps->pid2 = rump_sys_getpid();
	cr_assert_neq(ps->pid1, ps->pid2);
	rump_lwproc_switch(ps->l1);
}

Test(lock, conflicts_between_processes)
{
	struct procs ps;
	struct flock fl;

	two_procs(&ps);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 10), 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 5, 0), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 10, 10), 0);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 3;
	fl.l_len = 1;
	cr_assert_eq(rump_sys_fcntl(ps.fd, F_GETLK, &fl), 0);
	cr_assert_eq(fl.l_type, F_WRLCK);
	cr_assert_eq(fl.l_start, 0);
	cr_assert_eq(fl.l_len, 10);
	cr_assert_eq(fl.l_pid, ps.pid1);
	/* Nothing in the way: F_UNLCK comes back. */
	fl.l_type = F_WRLCK;
	fl.l_start = 100;
	fl.l_len = 0;
	cr_assert_eq(rump_sys_fcntl(ps.fd, F_GETLK, &fl), 0);
	cr_assert_eq(fl.l_type, F_UNLCK);
	/* Own locks never conflict. */
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 10, 5), 0);
	rump_lwproc_switch(ps.l1);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 0, 0), 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 10), 0);
}

Test(lock, shared_read_locks)
{
	struct procs ps;

	two_procs(&ps);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 0, 0), 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 100, 50), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 1000, 1), -1);
	cr_assert_eq(errno, EAGAIN);
}

Test(lock, split_and_merge)
{
	struct procs ps;

	two_procs(&ps);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 100), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 40, 20), 0);
	/* Turn part of the right piece into a read lock. */
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 80, 10), 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 45, 10), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 45, 10), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 30, 5), -1);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 65, 5), -1);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 82, 3), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 79, 3), -1);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 0, 0), 0);
	/* Adjacent locks of one type merge: one unlock in the middle
	 * splits them again. */
	rump_lwproc_switch(ps.l1);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 0, 0), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 10), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 10, 10), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 5, 10), 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 5, 10), 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 4, 1), -1);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 15, 1), -1);
}

Test(lock, argument_errors)
{
	struct flock fl;
	int rfd, fd;

	fd = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	rfd = rump_sys_open("/f", O_RDONLY, 0);
	cr_assert_eq(setlk(rfd, F_SETLK, F_WRLCK, 0, 1), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(setlk(rfd, F_SETLK, F_RDLCK, 0, 1), 0);
	cr_assert_eq(setlk(fd, F_SETLK, 7, 0, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(setlk(fd, F_SETLK, F_RDLCK, -5, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(setlk(fd, F_GETLK, F_UNLCK, 0, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_fcntl(fd, F_SETLK, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	/* A negative length counts backwards from l_start. */
	cr_assert_eq(setlk(fd, F_SETLK, F_WRLCK, 10, -5), 0);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_CUR;
	cr_assert_eq(rump_sys_lseek(fd, 7, SEEK_SET), 7);
	cr_assert_eq(rump_sys_fcntl(fd, F_SETLK, &fl), 0);
}

Test(lock, any_close_releases)
{
	struct procs ps;
	int fd2;

	two_procs(&ps);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 0), 0);
	fd2 = rump_sys_open("/f", O_RDONLY, 0);
	cr_assert_geq(fd2, 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 1), -1);
	rump_lwproc_switch(ps.l1);
	/* Closing another descriptor of the file drops them all. */
	cr_assert_eq(rump_sys_close(fd2), 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 1), 0);
	/* So does the process going away. */
	rump_lwproc_releaselwp();
	rump_lwproc_switch(ps.l1);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 0), 0);
}

struct waitarg {
	pid_t pid;
	int fd;
	off_t start;
	int ret, err;
	volatile int done;
};

static void *
setlkw_thread(void *arg)
{
	struct waitarg *wa = arg;

	cr_assert_eq(rump_lwproc_newlwp(wa->pid), 0);
	wa->ret = setlk(wa->fd, F_SETLKW, F_WRLCK, wa->start, 1);
	wa->err = errno;
	wa->done = 1;
	rump_lwproc_releaselwp();
	return NULL;
}

Test(lock, setlkw_waits)
{
	struct waitarg wa;
	struct procs ps;
	pthread_t t;

	two_procs(&ps);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 1), 0);
	memset(&wa, 0, sizeof(wa));
	wa.pid = ps.pid2;
	wa.fd = ps.fd;
	pthread_create(&t, NULL, setlkw_thread, &wa);
	msleep(50);
	cr_assert_eq(wa.done, 0, "F_SETLKW did not wait");
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 0, 1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(wa.ret, 0);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_RDLCK, 0, 1), -1);
	cr_assert_eq(errno, EAGAIN);
}

Test(lock, deadlock_detected)
{
	struct waitarg wa;
	struct procs ps;
	pthread_t t;

	two_procs(&ps);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 0, 1), 0);
	rump_lwproc_switch(ps.l2);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_WRLCK, 1, 1), 0);
	rump_lwproc_switch(ps.l1);
	/* p2 waits for p1's byte 0 ... */
	memset(&wa, 0, sizeof(wa));
	wa.pid = ps.pid2;
	wa.fd = ps.fd;
	wa.start = 0;
	pthread_create(&t, NULL, setlkw_thread, &wa);
	msleep(50);
	cr_assert_eq(wa.done, 0);
	/* ... so p1 waiting for p2's byte 1 would never end. */
	cr_assert_eq(setlk(ps.fd, F_SETLKW, F_WRLCK, 1, 1), -1);
	cr_assert_eq(errno, EDEADLK);
	cr_assert_eq(setlk(ps.fd, F_SETLK, F_UNLCK, 0, 1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(wa.ret, 0);
}

Test(lock, flock_basics)
{
	int fd1, fd2, fd3;

	fd1 = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	fd2 = rump_sys_open("/f", O_RDONLY, 0);
	cr_assert_eq(rump_sys_flock(fd1, LOCK_EX), 0);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_EX | LOCK_NB), -1);
	cr_assert_eq(errno, EWOULDBLOCK);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_SH | LOCK_NB), -1);
	cr_assert_eq(errno, EWOULDBLOCK);
	/* Record locks are a separate world. */
	cr_assert_eq(setlk(fd1, F_SETLK, F_WRLCK, 0, 0), 0);
	cr_assert_eq(rump_sys_flock(fd1, LOCK_UN), 0);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_SH), 0);
	cr_assert_eq(rump_sys_flock(fd1, LOCK_SH | LOCK_NB), 0);
	cr_assert_eq(rump_sys_flock(fd1, LOCK_EX | LOCK_NB), -1);
	cr_assert_eq(errno, EWOULDBLOCK);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_UN), 0);
	cr_assert_eq(rump_sys_flock(fd1, LOCK_EX | LOCK_NB), 0);
	/* The lock belongs to the open file: a dup keeps it alive. */
	fd3 = rump_sys_dup(fd1);
	cr_assert_eq(rump_sys_close(fd1), 0);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_SH | LOCK_NB), -1);
	cr_assert_eq(rump_sys_close(fd3), 0);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_EX | LOCK_NB), 0);
	cr_assert_eq(rump_sys_flock(fd2, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_SH | LOCK_EX), -1);
	cr_assert_eq(errno, EINVAL);
}

struct flockarg {
	int fd;
	int ret;
	volatile int done;
};

static void *
flock_thread(void *arg)
{
	struct flockarg *fa = arg;

	fa->ret = rump_sys_flock(fa->fd, LOCK_EX);
	fa->done = 1;
	return NULL;
}

Test(lock, flock_waits)
{
	struct flockarg fa;
	pthread_t t;
	int fd1;

	fd1 = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	memset(&fa, 0, sizeof(fa));
	fa.fd = rump_sys_open("/f", O_RDWR, 0);
	cr_assert_eq(rump_sys_flock(fd1, LOCK_SH), 0);
	pthread_create(&t, NULL, flock_thread, &fa);
	msleep(50);
	cr_assert_eq(fa.done, 0, "LOCK_EX did not wait");
	cr_assert_eq(rump_sys_close(fd1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(fa.ret, 0);
}

Test(lock, no_leaks)
{
	uint64_t before;
	int fd, fd2;

	fd = rump_sys_open("/f", O_RDWR | O_CREAT, 0644);
	cr_assert_eq(rump_sys_close(fd), 0);
	fd = rump_sys_open("/f", O_RDWR, 0);
	cr_assert_eq(rump_sys_close(fd), 0);
	before = rump_kmem_inuse();
	fd = rump_sys_open("/f", O_RDWR, 0);
	fd2 = rump_sys_open("/f", O_RDWR, 0);
	cr_assert_eq(setlk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	cr_assert_eq(setlk(fd, F_SETLK, F_RDLCK, 20, 10), 0);
	cr_assert_eq(setlk(fd, F_SETLK, F_UNLCK, 2, 3), 0);
	cr_assert_eq(rump_sys_flock(fd2, LOCK_EX), 0);
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_close(fd2), 0);
	cr_assert_eq(rump_kmem_inuse(), before);
}
