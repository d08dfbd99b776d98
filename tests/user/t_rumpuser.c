/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_rumpuser.c: tests of librumpuser, the POSIX hypervisor.
 *
 * The library is driven directly, without a kernel.  A fake upcall set
 * stands in for the kernel's scheduler: it counts how often the virtual
 * CPU is given up and taken back, and checks per thread that the two
 * alternate (a thread that calls a blocking hypercall must hold the fake
 * virtual CPU, see fake_cpu_take()).  Each Criterion case runs in its own
 * process, so every case starts with a fresh library.
 *
 * The component discovery cases load two helper objects built from
 * h_comp.c; their paths come from the build (H_COMP_SYM, H_COMP_NOSYM).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <rump/rumpuser.h>

/*
 * Under AddressSanitizer, let a huge allocation fail with NULL (ENOMEM
 * from rumpuser_malloc) as it does without the sanitizer, instead of
 * aborting.  Unused in other builds.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/*
 * The fake kernel.
 */

#define FAKE_NLOCKS 5 /* handed out by unschedule, expected back */

static atomic_int fake_nunsched;
static atomic_int fake_nsched;
static atomic_int fake_errors;      /* unbalanced or unexpected upcalls */
static atomic_int fake_nlwpexit;
static _Atomic(struct lwp *) fake_lastexit;
static _Atomic(void *) fake_interlock; /* last non-NULL interlock seen */
static __thread int fake_have_cpu;

static void
fake_unschedule(int nlocks, int *countp, void *interlock)
{
	if (!fake_have_cpu || nlocks != 0)
		atomic_fetch_add(&fake_errors, 1);
	fake_have_cpu = 0;
	*countp = FAKE_NLOCKS;
	if (interlock != NULL)
		atomic_store(&fake_interlock, interlock);
	atomic_fetch_add(&fake_nunsched, 1);
}

static void
fake_schedule(int nlocks, void *interlock)
{
	if (fake_have_cpu || nlocks != FAKE_NLOCKS)
		atomic_fetch_add(&fake_errors, 1);
	fake_have_cpu = 1;
	atomic_fetch_add(&fake_nsched, 1);
}

static void
fake_lwpexit(struct lwp *l)
{
	if (fake_have_cpu)
		atomic_fetch_add(&fake_errors, 1);
	if (rumpuser_curlwp() != l)
		atomic_fetch_add(&fake_errors, 1);
	atomic_store(&fake_lastexit, l);
	atomic_fetch_add(&fake_nlwpexit, 1);
}

static const struct rumpuser_hyperup fake_hyp = {
	.hyp_backend_unschedule = fake_unschedule,
	.hyp_backend_schedule = fake_schedule,
	.hyp_lwpexit = fake_lwpexit,
};

/* The calling thread now runs "on a virtual CPU". */
static void
fake_cpu_take(void)
{
	fake_have_cpu = 1;
}

static void
fake_init(void)
{
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &fake_hyp), 0);
	fake_cpu_take();
}

static void
fake_check(void)
{
	cr_assert_eq(atomic_load(&fake_errors), 0, "unbalanced upcalls");
	cr_assert_eq(atomic_load(&fake_nsched), atomic_load(&fake_nunsched));
}

/* Wait (up to 5 s) until the unschedule count reaches n. */
static void
wait_unsched(int n)
{
	int i;

	for (i = 0; i < 5000 && atomic_load(&fake_nunsched) < n; i++)
		usleep(1000);
	cr_assert_geq(atomic_load(&fake_nunsched), n);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct lwp *
fake_lwp(uintptr_t n)
{
	return (struct lwp *)(n * 64);
}

static void
redirect_stderr(void)
{
	cr_redirect_stderr();
}

/*
 * Initialisation.
 */

Test(init, version_mismatch, .init = redirect_stderr)
{
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION + 1, &fake_hyp), EINVAL);
	cr_assert_eq(rumpuser_init(0, &fake_hyp), EINVAL);
	fflush(stderr);
	cr_assert_stderr_neq_str("");
}

Test(init, bad_upcalls, .init = redirect_stderr)
{
	struct rumpuser_hyperup h = fake_hyp;

	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, NULL), EINVAL);
	h.hyp_backend_schedule = NULL;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &h), EINVAL);
}

static void
other_lwpexit(struct lwp *l)
{
}

Test(init, again, .init = redirect_stderr)
{
	struct rumpuser_hyperup h = fake_hyp;

	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &fake_hyp), 0);
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &fake_hyp), 0);
	h.hyp_lwpexit = other_lwpexit;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &h), EBUSY);
}

/*
 * Parameters.
 */

static void
param_is(const char *name, const char *envval, const char *expect)
{
	char buf[128];
	int error;

	if (envval != NULL)
		cr_assert_eq(setenv(name, envval, 1), 0);
	else
		unsetenv(name);
	error = rumpuser_getparam(name, buf, sizeof(buf));
	cr_assert_eq(error, 0, "%s=%s: error %d", name,
	    envval ? envval : "(unset)", error);
	cr_assert_str_eq(buf, expect, "%s=%s", name, envval ? envval : "");
}

static void
param_bad(const char *name, const char *envval)
{
	char buf[128];

	cr_assert_eq(setenv(name, envval, 1), 0);
	cr_assert_eq(rumpuser_getparam(name, buf, sizeof(buf)), EINVAL,
	    "%s=\"%s\" accepted", name, envval);
}

Test(param, defaults)
{
	char buf[64], expect[64];

	param_is("RUMP_NCPU", NULL, "2");
	param_is("RUMP_VERBOSE", NULL, "0");
	param_is("RUMP_MEMLIMIT", NULL, "0");
	param_is("RUMP_NVNODES", NULL, "32768");
	param_is("RUMP_THREADS", NULL, "1");
	snprintf(expect, sizeof(expect), "rump-%ld", (long)getpid());
	param_is("RUMP_HOSTNAME", NULL, expect);
	cr_assert_eq(rumpuser_gethostname(buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, expect);
}

Test(param, ncpu)
{
	cpu_set_t set;
	char expect[16];
	long n;

	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	n = CPU_COUNT(&set);
	if (n > 64)
		n = 64;
	snprintf(expect, sizeof(expect), "%ld", n);
	param_is("RUMP_NCPU", "host", expect);
	param_is("RUMP_NCPU", "1", "1");
	param_is("RUMP_NCPU", "64", "64");
	param_is("RUMP_NCPU", "007", "7");
}

Test(param, ncpu_bad, .init = redirect_stderr)
{
	param_bad("RUMP_NCPU", "abc");
	param_bad("RUMP_NCPU", "0");
	param_bad("RUMP_NCPU", "65");
	param_bad("RUMP_NCPU", "");
	param_bad("RUMP_NCPU", "-1");
	param_bad("RUMP_NCPU", " 2");
	param_bad("RUMP_NCPU", "2x");
	param_bad("RUMP_NCPU", "Host");
	param_bad("RUMP_NCPU", "99999999999999999999999");
}

Test(param, message, .init = redirect_stderr)
{
	char buf[16];

	setenv("RUMP_NCPU", "abc", 1);
	cr_assert_eq(rumpuser_getparam("RUMP_NCPU", buf, sizeof(buf)), EINVAL);
	fflush(stderr);
	cr_assert_stderr_eq_str("rumpuser: RUMP_NCPU: invalid value \"abc\" "
	    "(expected a number 1..64 or \"host\")\n");
}

Test(param, memlimit)
{
	param_is("RUMP_MEMLIMIT", "12m", "12582912");
	param_is("RUMP_MEMLIMIT", "12M", "12582912");
	param_is("RUMP_MEMLIMIT", "4k", "4096");
	param_is("RUMP_MEMLIMIT", "2G", "2147483648");
	param_is("RUMP_MEMLIMIT", "0", "0");
	param_is("RUMP_MEMLIMIT", "123456", "123456");
	param_is("RUMP_MEMLIMIT", "18446744073709551615",
	    "18446744073709551615");
	param_is("RUMP_MEMLIMIT", "17179869183g", "18446744072635809792");
}

Test(param, memlimit_bad, .init = redirect_stderr)
{
	param_bad("RUMP_MEMLIMIT", "12q");
	param_bad("RUMP_MEMLIMIT", "m");
	param_bad("RUMP_MEMLIMIT", "");
	param_bad("RUMP_MEMLIMIT", "12mm");
	param_bad("RUMP_MEMLIMIT", "12 m");
	param_bad("RUMP_MEMLIMIT", "-5");
	param_bad("RUMP_MEMLIMIT", "17179869184g");
	param_bad("RUMP_MEMLIMIT", "18446744073709551616");
}

Test(param, flags_and_counts)
{
	param_is("RUMP_VERBOSE", "1", "1");
	param_is("RUMP_VERBOSE", "5", "1");
	param_is("RUMP_VERBOSE", "0", "0");
	param_is("RUMP_THREADS", "0", "0");
	param_is("RUMP_NVNODES", "100", "100");
}

Test(param, flags_and_counts_bad, .init = redirect_stderr)
{
	param_bad("RUMP_VERBOSE", "yes");
	param_bad("RUMP_THREADS", "");
	param_bad("RUMP_NVNODES", "0");
	param_bad("RUMP_NVNODES", "lots");
}

Test(param, hostname, .init = redirect_stderr)
{
	char name[80], buf[80];

	param_is("RUMP_HOSTNAME", "vm1.example", "vm1.example");
	cr_assert_eq(rumpuser_gethostname(buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "vm1.example");
	memset(name, 'h', 64);
	name[64] = '\0';
	param_is("RUMP_HOSTNAME", name, name);
	name[64] = 'h';
	name[65] = '\0';
	param_bad("RUMP_HOSTNAME", name);
	param_bad("RUMP_HOSTNAME", "");
	cr_assert_eq(rumpuser_gethostname(buf, sizeof(buf)), EINVAL);
}

Test(param, sizes_and_unknown)
{
	char buf[8];

	unsetenv("RUMP_NVNODES");
	cr_assert_eq(rumpuser_getparam("RUMP_NVNODES", buf, 5), E2BIG);
	cr_assert_eq(rumpuser_getparam("RUMP_NVNODES", buf, 6), 0);
	cr_assert_str_eq(buf, "32768");
	cr_assert_eq(rumpuser_getparam("RUMP_NVNODES", NULL, 0), E2BIG);

	unsetenv("RUMP_T_NO_SUCH_THING");
	cr_assert_eq(rumpuser_getparam("RUMP_T_NO_SUCH_THING", buf,
	    sizeof(buf)), ENOENT);
	setenv("RUMP_T_OTHER", " as is", 1);
	cr_assert_eq(rumpuser_getparam("RUMP_T_OTHER", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, " as is");
	setenv("RUMP_T_OTHER", "too long for it", 1);
	cr_assert_eq(rumpuser_getparam("RUMP_T_OTHER", buf, sizeof(buf)),
	    E2BIG);
}

/*
 * Memory.
 */

Test(mem, malloc_alignment)
{
	static const int aligns[] = { 0, 1, 8, 16, 32, 64, 128, 4096, 65536 };
	size_t i;
	void *p;

	fake_init();
	for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		cr_assert_eq(rumpuser_malloc(100, aligns[i], &p), 0);
		cr_assert_not_null(p);
		if (aligns[i] > 0)
			cr_assert_eq((uintptr_t)p % (uintptr_t)aligns[i], 0,
			    "alignment %d", aligns[i]);
		else
			cr_assert_eq((uintptr_t)p % 16, 0);
		memset(p, 0xa5, 100);
		rumpuser_free(p, 100);
	}
	cr_assert_eq(rumpuser_malloc(0, 0, &p), 0);
	rumpuser_free(p, 0);
	cr_assert_eq(rumpuser_malloc(10, 24, &p), EINVAL);
	cr_assert_eq(rumpuser_malloc(10, -8, &p), EINVAL);
	cr_assert_eq(rumpuser_malloc(SIZE_MAX / 2, 0, &p), ENOMEM);
	cr_assert_eq(rumpuser_malloc(SIZE_MAX / 2, 64, &p), ENOMEM);
	cr_assert_eq(atomic_load(&fake_nunsched), 0);
}

Test(mem, anonmmap)
{
	void *p;

	fake_init();
	cr_assert_eq(rumpuser_anonmmap(NULL, 3 * 4096, 12, 0, &p), 0);
	memset(p, 1, 3 * 4096);
	rumpuser_unmap(p, 3 * 4096);

	cr_assert_eq(rumpuser_anonmmap(NULL, 100000, 21, 0, &p), 0);
	cr_assert_eq((uintptr_t)p % (1 << 21), 0);
	memset(p, 1, 100000);
	rumpuser_unmap(p, 100000);
	cr_assert_eq(rumpuser_anonmmap(NULL, 0, 12, 0, &p), EINVAL);
}

static void
fault_malloc_expect(const char *spec, const int *fails, int ncalls)
{
	int i, j, fail;
	void *p;

	setenv("RUMP_FAULT_MALLOC", spec, 1);
	fake_init();
	for (i = 1; i <= ncalls; i++) {
		fail = 0;
		for (j = 0; fails[j] != 0; j++)
			fail |= fails[j] == i;
		if (fail) {
			cr_assert_eq(rumpuser_malloc(16, 0, &p), ENOMEM,
			    "%s: call %d should fail", spec, i);
		} else {
			cr_assert_eq(rumpuser_malloc(16, 0, &p), 0,
			    "%s: call %d should succeed", spec, i);
			rumpuser_free(p, 16);
		}
	}
}

Test(fault, malloc_once)
{
	static const int fails[] = { 3, 0 };

	fault_malloc_expect("3", fails, 10);
}

Test(fault, malloc_every)
{
	static const int fails[] = { 3, 5, 7, 9, 0 };

	fault_malloc_expect("3:2", fails, 10);
}

Test(fault, malloc_first)
{
	static const int fails[] = { 1, 0 };

	fault_malloc_expect("1", fails, 4);
}

Test(fault, bad_spec, .init = redirect_stderr)
{
	static const char *bad[] = { "0", "x", "3:", "3:0", "3:2:1", "" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("RUMP_FAULT_MALLOC", bad[i], 1);
		cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &fake_hyp), EINVAL,
		    "\"%s\" accepted", bad[i]);
	}
	unsetenv("RUMP_FAULT_MALLOC");
	setenv("RUMP_FAULT_BIO", "abc", 1);
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &fake_hyp), EINVAL);
}

/*
 * Files.
 */

static char *
tmp_path(void)
{
	char *path;
	int fd;

	path = strdup("/tmp/t_rumpuser.XXXXXX");
	cr_assert_not_null(path);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	return path;
}

Test(file, open_rw)
{
	char *path = tmp_path();
	char a[] = "hello, ", b[] = "world", buf[32];
	struct rumpuser_iovec wiov[2] = {
		{ a, sizeof(a) - 1 }, { b, sizeof(b) - 1 } };
	struct rumpuser_iovec riov[2] = {
		{ buf, 5 }, { buf + 5, sizeof(buf) - 5 } };
	size_t n;
	int fd, before;

	fake_init();
	before = atomic_load(&fake_nunsched);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDWR, &fd), 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(rumpuser_iovwrite(fd, wiov, 2, 0, &n), 0);
	cr_assert_eq(n, 12);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rumpuser_iovread(fd, riov, 2, 0, &n), 0);
	cr_assert_eq(n, 12);
	cr_assert_str_eq(buf, "hello, world");

	/* At an offset, and at the current position. */
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rumpuser_iovread(fd, riov, 2, 7, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(buf, "world");
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(rumpuser_iovwrite(fd, wiov + 1, 1, -1, &n), 0);
	memset(buf, 0, sizeof(buf));
	cr_assert_eq(rumpuser_iovread(fd, riov, 2, -1, &n), 0);
	cr_assert_eq(n, 7);
	cr_assert_str_eq(buf, ", world");
	cr_assert_eq(rumpuser_iovread(fd, riov, 2, 100, &n), 0);
	cr_assert_eq(n, 0);

	cr_assert_eq(rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE |
	    RUMPUSER_SYNCFD_SYNC, 0, 0), 0);
	cr_assert_eq(rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE |
	    RUMPUSER_SYNCFD_BARRIER, 0, 0), 0);
	cr_assert_eq(rumpuser_syncfd(fd, RUMPUSER_SYNCFD_READ, 0, 0), 0);
	cr_assert_eq(rumpuser_syncfd(fd, 0x100, 0, 0), EINVAL);
	cr_assert_eq(rumpuser_close(fd), 0);
	cr_assert_eq(rumpuser_close(fd), EBADF);
	cr_assert_eq(rumpuser_iovread(fd, riov, 2, 0, &n), EBADF);

	/* open, iovwrite, iovread x4, syncfd x2, iovread: all blocking. */
	cr_assert_geq(atomic_load(&fake_nunsched) - before, 9);
	fake_check();
	unlink(path);
	free(path);
}

Test(file, open_flags)
{
	char *path = tmp_path();
	char buf[4];
	struct rumpuser_iovec iov = { buf, sizeof(buf) };
	size_t n;
	int fd;

	fake_init();
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_CREATE |
	    RUMPUSER_OPEN_EXCL | RUMPUSER_OPEN_RDWR, &fd), EEXIST);
	unlink(path);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDWR, &fd), ENOENT);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_CREATE |
	    RUMPUSER_OPEN_EXCL | RUMPUSER_OPEN_WRONLY | RUMPUSER_OPEN_BIO,
	    &fd), 0);
	cr_assert_eq(rumpuser_iovread(fd, &iov, 1, 0, &n), EBADF);
	cr_assert_eq(rumpuser_close(fd), 0);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDONLY, &fd), 0);
	cr_assert_eq(rumpuser_iovwrite(fd, &iov, 1, 0, &n), EBADF);
	cr_assert_eq(rumpuser_close(fd), 0);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_ACCMODE, &fd), EINVAL);
	cr_assert_eq(rumpuser_open(path, 0x1000, &fd), EINVAL);
	fake_check();
	unlink(path);
	free(path);
}

Test(file, getfileinfo)
{
	char *path = tmp_path();
	uint64_t size;
	int ft, fd;

	fake_init();
	fd = open(path, O_WRONLY);
	cr_assert_eq(pwrite(fd, "x", 1, 12344), 1);
	close(fd);
	cr_assert_eq(rumpuser_getfileinfo(path, &size, &ft), 0);
	cr_assert_eq(ft, RUMPUSER_FT_REG);
	cr_assert_eq(size, 12345);
	cr_assert_eq(rumpuser_getfileinfo("/tmp", &size, &ft), 0);
	cr_assert_eq(ft, RUMPUSER_FT_DIR);
	cr_assert_eq(rumpuser_getfileinfo("/dev/null", &size, &ft), 0);
	cr_assert_eq(ft, RUMPUSER_FT_CHR);
	cr_assert_eq(size, 0);
	cr_assert_eq(rumpuser_getfileinfo(path, NULL, &ft), 0);
	cr_assert_eq(rumpuser_getfileinfo(path, &size, NULL), 0);
	unlink(path);
	cr_assert_eq(rumpuser_getfileinfo(path, &size, &ft), ENOENT);
	fake_check();
	free(path);
}

/*
 * Block I/O.
 */

struct biowait {
	pthread_mutex_t bw_mtx;
	pthread_cond_t bw_cv;
	int bw_done;
	size_t bw_len;
	int bw_error;
	int bw_had_cpu;
	pthread_t bw_thread;
};

#define BIOWAIT_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, \
	0, 0, 0, 0, 0 }

static void
biodone(void *arg, size_t len, int error)
{
	struct biowait *bw = arg;

	pthread_mutex_lock(&bw->bw_mtx);
	bw->bw_done++;
	bw->bw_len = len;
	bw->bw_error = error;
	bw->bw_had_cpu = fake_have_cpu;
	bw->bw_thread = pthread_self();
	pthread_cond_broadcast(&bw->bw_cv);
	pthread_mutex_unlock(&bw->bw_mtx);
}

static void
bio_wait(struct biowait *bw, int n)
{
	pthread_mutex_lock(&bw->bw_mtx);
	while (bw->bw_done < n)
		pthread_cond_wait(&bw->bw_cv, &bw->bw_mtx);
	pthread_mutex_unlock(&bw->bw_mtx);
}

/* Run one request and wait for it; returns the error, *lenp the length. */
static int
bio_sync(int fd, int op, void *data, size_t len, int64_t off, size_t *lenp)
{
	struct biowait bw = BIOWAIT_INIT;

	rumpuser_bio(fd, op, data, len, off, biodone, &bw);
	bio_wait(&bw, 1);
	cr_assert_eq(bw.bw_done, 1);
	cr_assert_eq(bw.bw_had_cpu, 0, "biodone called with a virtual CPU");
	*lenp = bw.bw_len;
	return bw.bw_error;
}

Test(bio, read_write)
{
	char *path = tmp_path();
	char wbuf[8192], rbuf[8192];
	struct biowait bw = BIOWAIT_INIT;
	size_t len;
	int fd, i;

	fake_init();
	for (i = 0; i < (int)sizeof(wbuf); i++)
		wbuf[i] = (char)(i * 7);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDWR |
	    RUMPUSER_OPEN_BIO, &fd), 0);
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_WRITE, wbuf, sizeof(wbuf),
	    4096, &len), 0);
	cr_assert_eq(len, sizeof(wbuf));
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC,
	    wbuf, 512, 0, &len), 0);
	cr_assert_eq(len, 512);
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_READ, rbuf, sizeof(rbuf),
	    4096, &len), 0);
	cr_assert_eq(len, sizeof(rbuf));
	cr_assert_arr_eq(rbuf, wbuf, sizeof(rbuf));

	/* Past the end of the file: a short read, no error. */
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_READ, rbuf, sizeof(rbuf),
	    4096 + 8192 - 100, &len), 0);
	cr_assert_eq(len, 100);
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_READ, rbuf, sizeof(rbuf),
	    1 << 20, &len), 0);
	cr_assert_eq(len, 0);

	cr_assert_eq(bio_sync(fd, 0, rbuf, 10, 0, &len), EINVAL);
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_READ, rbuf, 10, -1, &len),
	    EINVAL);
	cr_assert_eq(bio_sync(-1, RUMPUSER_BIO_READ, rbuf, 10, 0, &len),
	    EBADF);

	/* Completion in another thread. */
	rumpuser_bio(fd, RUMPUSER_BIO_READ, rbuf, 10, 0, biodone, &bw);
	bio_wait(&bw, 1);
	cr_assert(!pthread_equal(bw.bw_thread, pthread_self()));

	cr_assert_eq(rumpuser_close(fd), 0);
	fake_check();
	unlink(path);
	free(path);
}

#define BIO_MANY 64

Test(bio, many)
{
	static char bufs[BIO_MANY][4096];
	struct biowait bw = BIOWAIT_INIT;
	char *path = tmp_path();
	int fd, i;

	fake_init();
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDWR, &fd), 0);
	for (i = 0; i < BIO_MANY; i++) {
		memset(bufs[i], i, sizeof(bufs[i]));
		rumpuser_bio(fd, RUMPUSER_BIO_WRITE, bufs[i], sizeof(bufs[i]),
		    (int64_t)i * 4096, biodone, &bw);
	}
	bio_wait(&bw, BIO_MANY);
	cr_assert_eq(bw.bw_done, BIO_MANY);
	bw.bw_done = 0;
	for (i = 0; i < BIO_MANY; i++) {
		memset(bufs[i], 0xff, sizeof(bufs[i]));
		rumpuser_bio(fd, RUMPUSER_BIO_READ, bufs[i], sizeof(bufs[i]),
		    (int64_t)i * 4096, biodone, &bw);
	}
	bio_wait(&bw, BIO_MANY);
	for (i = 0; i < BIO_MANY; i++) {
		cr_assert_eq(bufs[i][0], (char)i);
		cr_assert_eq(bufs[i][4095], (char)i);
	}
	cr_assert_eq(rumpuser_close(fd), 0);
	unlink(path);
	free(path);
}

Test(fault, bio)
{
	char *path = tmp_path();
	char buf[512], rbuf[512];
	size_t len;
	int fd, i;

	setenv("RUMP_FAULT_BIO", "2:3", 1);
	fake_init();
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDWR, &fd), 0);
	memset(buf, 'a', sizeof(buf));
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_WRITE, buf, 512, 0, &len), 0);
	/* Call 2 fails and must leave the file alone. */
	memset(buf, 'b', sizeof(buf));
	cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_WRITE, buf, 512, 0, &len), EIO);
	cr_assert_eq(len, 0);
	cr_assert_eq(pread(fd, rbuf, sizeof(rbuf), 0), 512);
	cr_assert_eq(rbuf[0], 'a');
	cr_assert_eq(rbuf[511], 'a');
	/* Calls 3, 4 succeed, 5 fails, then 8. */
	for (i = 3; i <= 9; i++)
		cr_assert_eq(bio_sync(fd, RUMPUSER_BIO_READ, rbuf, 512, 0,
		    &len), (i == 5 || i == 8) ? EIO : 0, "call %d", i);
	cr_assert_eq(rumpuser_close(fd), 0);
	unlink(path);
	free(path);
}

/*
 * Clocks.
 */

Test(clock, gettime)
{
	int64_t s1, s2;
	long n1, n2;

	fake_init();
	cr_assert_eq(rumpuser_clock_gettime(RUMPUSER_CLOCK_RELWALL, &s1, &n1),
	    0);
	cr_assert_leq(llabs((long long)(s1 - (int64_t)time(NULL))), 2);
	cr_assert(n1 >= 0 && n1 < 1000000000);
	cr_assert_eq(rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &s1, &n1),
	    0);
	usleep(10000);
	cr_assert_eq(rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &s2, &n2),
	    0);
	cr_assert_geq((s2 - s1) * 1000000000 + (n2 - n1), 10000000);
	cr_assert_eq(rumpuser_clock_gettime(7, &s1, &n1), EINVAL);
	cr_assert_eq(atomic_load(&fake_nunsched), 0);
}

Test(clock, sleep_relative)
{
	int64_t t0;

	fake_init();
	t0 = now_ns();
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 30000000),
	    0);
	cr_assert_geq(now_ns() - t0, 30000000);
	cr_assert_eq(atomic_load(&fake_nunsched), 1);
	cr_assert_eq(atomic_load(&fake_nsched), 1);
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, -1, 0), 0);
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0,
	    1000000000), EINVAL);
	cr_assert_eq(rumpuser_clock_sleep(9, 0, 0), EINVAL);
	fake_check();
}

Test(clock, sleep_absolute)
{
	int64_t sec;
	long nsec;
	int64_t t0, deadline;

	fake_init();
	cr_assert_eq(rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec,
	    &nsec), 0);
	t0 = sec * 1000000000 + nsec;
	deadline = t0 + 40000000;
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO,
	    deadline / 1000000000, (long)(deadline % 1000000000)), 0);
	cr_assert_geq(now_ns(), deadline);
	/* A deadline in the past returns at once. */
	t0 = now_ns();
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO, sec, nsec),
	    0);
	cr_assert_lt(now_ns() - t0, 1000000000);
	cr_assert_eq(atomic_load(&fake_nunsched), 2);
	fake_check();
}

/*
 * Mutexes.
 */

struct lockarg {
	struct rumpuser_mtx *la_mtx;
	struct rumpuser_rw *la_rw;
	struct rumpuser_cv *la_cv;
	int la_mode;
	atomic_int la_state;
	int la_value;
};

static void *
mtx_enter_thread(void *arg)
{
	struct lockarg *la = arg;

	fake_cpu_take();
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(2));
	atomic_store(&la->la_state, 1);
	rumpuser_mutex_enter(la->la_mtx);
	atomic_store(&la->la_state, 2);
	rumpuser_mutex_exit(la->la_mtx);
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, fake_lwp(2));
	return NULL;
}

static void *
mtx_try_thread(void *arg)
{
	struct lockarg *la = arg;

	return (void *)(intptr_t)rumpuser_mutex_tryenter(la->la_mtx);
}

Test(mutex, basic)
{
	struct lockarg la = { 0 };
	struct lwp *owner;
	pthread_t t;
	void *rv;

	fake_init();
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(1));
	rumpuser_mutex_init(&la.la_mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_mutex_owner(la.la_mtx, &owner);
	cr_assert_null(owner);
	rumpuser_mutex_enter(la.la_mtx);
	rumpuser_mutex_owner(la.la_mtx, &owner);
	cr_assert_eq(owner, fake_lwp(1));

	pthread_create(&t, NULL, mtx_try_thread, &la);
	pthread_join(t, &rv);
	cr_assert_eq((intptr_t)rv, EBUSY);

	rumpuser_mutex_exit(la.la_mtx);
	rumpuser_mutex_owner(la.la_mtx, &owner);
	cr_assert_null(owner);
	cr_assert_eq(rumpuser_mutex_tryenter(la.la_mtx), 0);
	rumpuser_mutex_owner(la.la_mtx, &owner);
	cr_assert_eq(owner, fake_lwp(1));
	rumpuser_mutex_exit(la.la_mtx);
	rumpuser_mutex_enter_nowrap(la.la_mtx);
	rumpuser_mutex_owner(la.la_mtx, &owner);
	cr_assert_eq(owner, fake_lwp(1));
	rumpuser_mutex_exit(la.la_mtx);
	rumpuser_mutex_destroy(la.la_mtx);

	/* Without KMUTEX no owner is tracked. */
	rumpuser_mutex_init(&la.la_mtx, 0);
	rumpuser_mutex_enter(la.la_mtx);
	rumpuser_mutex_owner(la.la_mtx, &owner);
	cr_assert_null(owner);
	rumpuser_mutex_exit(la.la_mtx);
	rumpuser_mutex_destroy(la.la_mtx);

	/* Uncontended: no upcalls. */
	cr_assert_eq(atomic_load(&fake_nunsched), 0);
	fake_check();
}

/* Another thread blocks on a held mutex: it releases its virtual CPU. */
Test(mutex, contended_releases_cpu)
{
	struct lockarg la = { 0 };
	struct lwp *owner;
	pthread_t t;

	fake_init();
	rumpuser_mutex_init(&la.la_mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_mutex_enter(la.la_mtx);
	pthread_create(&t, NULL, mtx_enter_thread, &la);
	wait_unsched(1);
	cr_assert_eq(atomic_load(&la.la_state), 1);
	rumpuser_mutex_exit(la.la_mtx);
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&la.la_state), 2);
	cr_assert_eq(atomic_load(&fake_nsched), 1);
	rumpuser_mutex_owner(la.la_mtx, &owner);
	cr_assert_null(owner);
	rumpuser_mutex_destroy(la.la_mtx);
	fake_check();
}

/* Spin mutexes and the nowrap entry never call the upcalls. */
static void *
mtx_spin_thread(void *arg)
{
	struct lockarg *la = arg;

	atomic_store(&la->la_state, 1);
	if (la->la_mode)
		rumpuser_mutex_enter_nowrap(la->la_mtx);
	else
		rumpuser_mutex_enter(la->la_mtx);
	atomic_store(&la->la_state, 2);
	rumpuser_mutex_exit(la->la_mtx);
	return NULL;
}

static void
mtx_no_upcalls(int flags, int nowrap)
{
	struct lockarg la = { 0 };
	pthread_t t;

	fake_init();
	la.la_mode = nowrap;
	rumpuser_mutex_init(&la.la_mtx, flags);
	rumpuser_mutex_enter(la.la_mtx);
	pthread_create(&t, NULL, mtx_spin_thread, &la);
	while (atomic_load(&la.la_state) == 0)
		usleep(1000);
	usleep(20000);
	cr_assert_eq(atomic_load(&la.la_state), 1);
	rumpuser_mutex_exit(la.la_mtx);
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&la.la_state), 2);
	cr_assert_eq(atomic_load(&fake_nunsched), 0);
	cr_assert_eq(atomic_load(&fake_errors), 0);
	rumpuser_mutex_destroy(la.la_mtx);
}

Test(mutex, spin_no_upcalls)
{
	mtx_no_upcalls(RUMPUSER_MTX_SPIN, 0);
}

Test(mutex, nowrap_no_upcalls)
{
	mtx_no_upcalls(0, 1);
}

#define STRESS_THREADS 8
#define STRESS_LOOPS   20000

static void *
mtx_stress_thread(void *arg)
{
	struct lockarg *la = arg;
	int i;

	fake_cpu_take();
	for (i = 0; i < STRESS_LOOPS; i++) {
		rumpuser_mutex_enter(la->la_mtx);
		la->la_value++;
		rumpuser_mutex_exit(la->la_mtx);
	}
	return NULL;
}

static void
mtx_stress(int flags)
{
	struct lockarg la = { 0 };
	pthread_t t[STRESS_THREADS];
	int i;

	fake_init();
	rumpuser_mutex_init(&la.la_mtx, flags);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_create(&t[i], NULL, mtx_stress_thread, &la);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(la.la_value, STRESS_THREADS * STRESS_LOOPS);
	rumpuser_mutex_destroy(la.la_mtx);
	fake_check();
}

Test(mutex, stress)
{
	mtx_stress(RUMPUSER_MTX_KMUTEX);
}

Test(mutex, stress_spin)
{
	mtx_stress(RUMPUSER_MTX_SPIN);
}

/*
 * Reader/writer locks.
 */

static void *
rw_try_thread(void *arg)
{
	struct lockarg *la = arg;
	int error;

	error = rumpuser_rw_tryenter(la->la_mode, la->la_rw);
	if (error == 0)
		rumpuser_rw_exit(la->la_rw);
	return (void *)(intptr_t)error;
}

static int
rw_try_other(struct lockarg *la, int mode)
{
	pthread_t t;
	void *rv;

	la->la_mode = mode;
	pthread_create(&t, NULL, rw_try_thread, la);
	pthread_join(t, &rv);
	return (int)(intptr_t)rv;
}

static int
rw_held(struct rumpuser_rw *rw, int mode)
{
	int held;

	rumpuser_rw_held(mode, rw, &held);
	return held;
}

Test(rwlock, basic)
{
	struct lockarg la = { 0 };

	fake_init();
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(1));
	rumpuser_rw_init(&la.la_rw);
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_READER));
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_WRITER));

	rumpuser_rw_enter(RUMPUSER_RW_READER, la.la_rw);
	cr_assert(rw_held(la.la_rw, RUMPUSER_RW_READER));
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_WRITER));
	cr_assert_eq(rw_try_other(&la, RUMPUSER_RW_READER), 0);
	cr_assert_eq(rw_try_other(&la, RUMPUSER_RW_WRITER), EBUSY);

	/* Two readers: no upgrade.  One reader: upgrade. */
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_READER, la.la_rw), 0);
	cr_assert_eq(rumpuser_rw_tryupgrade(la.la_rw), EBUSY);
	rumpuser_rw_exit(la.la_rw);
	cr_assert_eq(rumpuser_rw_tryupgrade(la.la_rw), 0);
	cr_assert(rw_held(la.la_rw, RUMPUSER_RW_WRITER));
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_READER));
	cr_assert_eq(rw_try_other(&la, RUMPUSER_RW_READER), EBUSY);

	rumpuser_rw_downgrade(la.la_rw);
	cr_assert(rw_held(la.la_rw, RUMPUSER_RW_READER));
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_WRITER));
	cr_assert_eq(rw_try_other(&la, RUMPUSER_RW_READER), 0);
	rumpuser_rw_exit(la.la_rw);
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_READER));

	rumpuser_rw_enter(RUMPUSER_RW_WRITER, la.la_rw);
	cr_assert(rw_held(la.la_rw, RUMPUSER_RW_WRITER));
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, la.la_rw),
	    EBUSY);
	cr_assert_eq(rw_try_other(&la, RUMPUSER_RW_WRITER), EBUSY);
	/* Held for writing, but by another lwp. */
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(3));
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_WRITER));
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(1));
	rumpuser_rw_exit(la.la_rw);
	cr_assert(!rw_held(la.la_rw, RUMPUSER_RW_WRITER));
	cr_assert_eq(rw_try_other(&la, RUMPUSER_RW_WRITER), 0);

	rumpuser_rw_destroy(la.la_rw);
	cr_assert_eq(atomic_load(&fake_nunsched), 0);
	fake_check();
}

static void *
rw_enter_thread(void *arg)
{
	struct lockarg *la = arg;

	fake_cpu_take();
	atomic_store(&la->la_state, 1);
	rumpuser_rw_enter(la->la_mode, la->la_rw);
	atomic_store(&la->la_state, 2);
	rumpuser_rw_exit(la->la_rw);
	return NULL;
}

/* A writer waits for a reader; meanwhile new readers wait too. */
Test(rwlock, writer_waits)
{
	struct lockarg la = { 0 };
	pthread_t t;
	int i;

	fake_init();
	rumpuser_rw_init(&la.la_rw);
	rumpuser_rw_enter(RUMPUSER_RW_READER, la.la_rw);
	la.la_mode = RUMPUSER_RW_WRITER;
	pthread_create(&t, NULL, rw_enter_thread, &la);
	wait_unsched(1);
	/* Once the writer has marked itself as waiting, readers wait. */
	for (i = 0; i < 5000; i++) {
		if (rumpuser_rw_tryenter(RUMPUSER_RW_READER, la.la_rw) != 0)
			break;
		rumpuser_rw_exit(la.la_rw);
		usleep(1000);
	}
	cr_assert_eq(atomic_load(&la.la_state), 1);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_READER, la.la_rw),
	    EBUSY);
	rumpuser_rw_exit(la.la_rw);
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&la.la_state), 2);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, la.la_rw), 0);
	rumpuser_rw_exit(la.la_rw);
	rumpuser_rw_destroy(la.la_rw);
	fake_check();
}

/* A reader waits for a writer, and gets in when the writer downgrades. */
Test(rwlock, reader_waits_downgrade)
{
	struct lockarg la = { 0 };
	pthread_t t;

	fake_init();
	rumpuser_rw_init(&la.la_rw);
	rumpuser_rw_enter(RUMPUSER_RW_WRITER, la.la_rw);
	la.la_mode = RUMPUSER_RW_READER;
	pthread_create(&t, NULL, rw_enter_thread, &la);
	wait_unsched(1);
	cr_assert_eq(atomic_load(&la.la_state), 1);
	rumpuser_rw_downgrade(la.la_rw);
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&la.la_state), 2);
	rumpuser_rw_exit(la.la_rw);
	rumpuser_rw_destroy(la.la_rw);
	fake_check();
}

struct rwstress {
	struct rumpuser_rw *rs_rw;
	atomic_int rs_readers;
	atomic_int rs_writers;
	atomic_int rs_bad;
	long rs_value;
	int rs_id;
};

static void *
rw_stress_thread(void *arg)
{
	struct rwstress *rs = arg;
	int i, id = __atomic_fetch_add(&rs->rs_id, 1, __ATOMIC_RELAXED);

	fake_cpu_take();
	for (i = 0; i < STRESS_LOOPS / 4; i++) {
		if ((i + id) % 4 == 0) {
			rumpuser_rw_enter(RUMPUSER_RW_WRITER, rs->rs_rw);
			if (atomic_fetch_add(&rs->rs_writers, 1) != 0 ||
			    atomic_load(&rs->rs_readers) != 0)
				atomic_fetch_add(&rs->rs_bad, 1);
			rs->rs_value++;
			atomic_fetch_sub(&rs->rs_writers, 1);
			if (i % 8 == 0) {
				rumpuser_rw_downgrade(rs->rs_rw);
				atomic_fetch_add(&rs->rs_readers, 1);
				atomic_fetch_sub(&rs->rs_readers, 1);
			}
			rumpuser_rw_exit(rs->rs_rw);
		} else {
			rumpuser_rw_enter(RUMPUSER_RW_READER, rs->rs_rw);
			atomic_fetch_add(&rs->rs_readers, 1);
			if (atomic_load(&rs->rs_writers) != 0)
				atomic_fetch_add(&rs->rs_bad, 1);
			atomic_fetch_sub(&rs->rs_readers, 1);
			if (rumpuser_rw_tryupgrade(rs->rs_rw) == 0) {
				if (atomic_fetch_add(&rs->rs_writers, 1) != 0)
					atomic_fetch_add(&rs->rs_bad, 1);
				rs->rs_value++;
				atomic_fetch_sub(&rs->rs_writers, 1);
			}
			rumpuser_rw_exit(rs->rs_rw);
		}
	}
	return NULL;
}

Test(rwlock, stress)
{
	struct rwstress rs = { 0 };
	pthread_t t[STRESS_THREADS];
	int i;

	fake_init();
	rumpuser_rw_init(&rs.rs_rw);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_create(&t[i], NULL, rw_stress_thread, &rs);
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(atomic_load(&rs.rs_bad), 0);
	cr_assert_geq(rs.rs_value, STRESS_THREADS * STRESS_LOOPS / 16);
	cr_assert(!rw_held(rs.rs_rw, RUMPUSER_RW_READER));
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rs.rs_rw), 0);
	rumpuser_rw_exit(rs.rs_rw);
	rumpuser_rw_destroy(rs.rs_rw);
	fake_check();
}

/*
 * Condition variables.
 */

Test(cv, timedwait_times_out)
{
	struct rumpuser_mtx *mtx;
	struct rumpuser_cv *cv;
	struct lwp *owner;
	int64_t t0;
	int waiters;

	fake_init();
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(1));
	rumpuser_mutex_init(&mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_cv_init(&cv);
	rumpuser_mutex_enter(mtx);
	t0 = now_ns();
	cr_assert_eq(rumpuser_cv_timedwait(cv, mtx, 0, 50000000), ETIMEDOUT);
	cr_assert_geq(now_ns() - t0, 50000000);
	rumpuser_mutex_owner(mtx, &owner);
	cr_assert_eq(owner, fake_lwp(1));
	cr_assert_eq(atomic_load(&fake_interlock), (void *)mtx);
	/* Zero, negative and nanosecond-overflowing times. */
	cr_assert_eq(rumpuser_cv_timedwait(cv, mtx, 0, 0), ETIMEDOUT);
	cr_assert_eq(rumpuser_cv_timedwait(cv, mtx, -1, 0), ETIMEDOUT);
	t0 = now_ns();
	cr_assert_eq(rumpuser_cv_timedwait(cv, mtx, 0, 1010000000), ETIMEDOUT);
	cr_assert_geq(now_ns() - t0, 1010000000);
	rumpuser_cv_has_waiters(cv, &waiters);
	cr_assert_eq(waiters, 0);
	rumpuser_mutex_exit(mtx);
	cr_assert_geq(atomic_load(&fake_nunsched), 4);
	rumpuser_cv_destroy(cv);
	rumpuser_mutex_destroy(mtx);
	fake_check();
}

/* Mode 1 tests the nowrap calls: no upcall at all. */
static void
cv_mutex_enter(struct lockarg *la)
{
	if (la->la_mode == 1)
		rumpuser_mutex_enter_nowrap(la->la_mtx);
	else
		rumpuser_mutex_enter(la->la_mtx);
}

static void *
cv_waiter_thread(void *arg)
{
	struct lockarg *la = arg;
	struct lwp *owner;
	int error = 0;

	fake_cpu_take();
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(5));
	cv_mutex_enter(la);
	atomic_fetch_add(&la->la_state, 1);
	while (la->la_value == 0) {
		if (la->la_mode == 0)
			rumpuser_cv_wait(la->la_cv, la->la_mtx);
		else if (la->la_mode == 1)
			rumpuser_cv_wait_nowrap(la->la_cv, la->la_mtx);
		else
			error = rumpuser_cv_timedwait(la->la_cv, la->la_mtx,
			    30, 0);
	}
	rumpuser_mutex_owner(la->la_mtx, &owner);
	if (owner != fake_lwp(5))
		error = -1;
	rumpuser_mutex_exit(la->la_mtx);
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, NULL);
	return (void *)(intptr_t)error;
}

static void
cv_wake(int mode, int nthreads, int broadcast)
{
	struct lockarg la = { 0 };
	pthread_t t[4];
	int64_t t0;
	void *rv;
	int i, waiters;

	fake_init();
	la.la_mode = mode;
	rumpuser_mutex_init(&la.la_mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_cv_init(&la.la_cv);
	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, cv_waiter_thread, &la);
	/* Wait until every thread waits. */
	for (;;) {
		cv_mutex_enter(&la);
		rumpuser_cv_has_waiters(la.la_cv, &waiters);
		i = atomic_load(&la.la_state);
		rumpuser_mutex_exit(la.la_mtx);
		if (waiters && i == nthreads)
			break;
		usleep(1000);
	}
	usleep(10000);
	t0 = now_ns();
	cv_mutex_enter(&la);
	la.la_value = 1;
	if (broadcast) {
		rumpuser_cv_broadcast(la.la_cv);
	} else {
		for (i = 0; i < nthreads; i++)
			rumpuser_cv_signal(la.la_cv);
	}
	rumpuser_mutex_exit(la.la_mtx);
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], &rv);
		cr_assert_eq((intptr_t)rv, 0);
	}
	cr_assert_lt(now_ns() - t0, 10000000000LL);
	rumpuser_cv_has_waiters(la.la_cv, &waiters);
	cr_assert_eq(waiters, 0);
	rumpuser_cv_destroy(la.la_cv);
	rumpuser_mutex_destroy(la.la_mtx);
	fake_check();
}

Test(cv, wait_signal)
{
	cv_wake(0, 1, 0);
	/* The waiter gave up its CPU while waiting. */
	cr_assert_geq(atomic_load(&fake_nunsched), 1);
}

Test(cv, wait_broadcast)
{
	cv_wake(0, 4, 1);
	cr_assert_geq(atomic_load(&fake_nunsched), 4);
}

Test(cv, timedwait_signalled)
{
	cv_wake(2, 2, 0);
}

Test(cv, wait_nowrap)
{
	cv_wake(1, 2, 1);
	cr_assert_eq(atomic_load(&fake_nunsched), 0);
}

/*
 * Threads and lwps.
 */

struct thrarg {
	char ta_name[32];
	struct lwp *ta_lwp;
	int ta_exit;      /* call rumpuser_thread_exit() */
	int ta_keep;      /* leave the lwp bound */
	atomic_int ta_ran;
};

static void *
thr_body(void *arg)
{
	struct thrarg *ta = arg;

	pthread_getname_np(pthread_self(), ta->ta_name, sizeof(ta->ta_name));
	ta->ta_lwp = rumpuser_curlwp();
	if (ta->ta_keep)
		rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(9));
	atomic_store(&ta->ta_ran, 1);
	if (ta->ta_exit)
		rumpuser_thread_exit();
	return NULL;
}

Test(thread, create_join)
{
	struct thrarg ta = { 0 };
	void *cookie;

	fake_init();
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(1));
	cr_assert_eq(rumpuser_thread_create(thr_body, &ta,
	    "a_very_long_thread_name", 1, -1, -1, &cookie), 0);
	cr_assert_eq(rumpuser_thread_join(cookie), 0);
	cr_assert_eq(atomic_load(&ta.ta_ran), 1);
	cr_assert_str_eq(ta.ta_name, "a_very_long_thr");
	cr_assert_null(ta.ta_lwp, "a new thread has no lwp");
	cr_assert_eq(rumpuser_curlwp(), fake_lwp(1));
	cr_assert_eq(atomic_load(&fake_nunsched), 1);

	memset(&ta, 0, sizeof(ta));
	ta.ta_exit = 1;
	cr_assert_eq(rumpuser_thread_create(thr_body, &ta, "short", 1, 0, 0,
	    &cookie), 0);
	cr_assert_eq(rumpuser_thread_join(cookie), 0);
	cr_assert_eq(atomic_load(&ta.ta_ran), 1);
	cr_assert_str_eq(ta.ta_name, "short");
	cr_assert_eq(rumpuser_thread_create(thr_body, &ta, "x", 1, 0, 0,
	    NULL), EINVAL);
	fake_check();
}

Test(thread, detached)
{
	struct thrarg ta = { 0 };
	int i;

	fake_init();
	cr_assert_eq(rumpuser_thread_create(thr_body, &ta, NULL, 0, 0, 0,
	    NULL), 0);
	for (i = 0; i < 5000 && !atomic_load(&ta.ta_ran); i++)
		usleep(1000);
	cr_assert_eq(atomic_load(&ta.ta_ran), 1);
}

static void *
lwp_thread(void *arg)
{
	struct thrarg *ta = arg;

	rumpuser_curlwpop(RUMPUSER_LWP_CREATE, fake_lwp(7));
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(7));
	ta->ta_lwp = rumpuser_curlwp();
	if (!ta->ta_keep) {
		rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, fake_lwp(7));
		rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, fake_lwp(7));
	}
	return NULL;
}

Test(thread, curlwp)
{
	struct thrarg ta = { 0 };
	pthread_t t;

	fake_init();
	cr_assert_null(rumpuser_curlwp());
	rumpuser_curlwpop(RUMPUSER_LWP_SET, fake_lwp(1));
	cr_assert_eq(rumpuser_curlwp(), fake_lwp(1));

	/* Per thread: another thread has its own. */
	pthread_create(&t, NULL, lwp_thread, &ta);
	pthread_join(t, NULL);
	cr_assert_eq(ta.ta_lwp, fake_lwp(7));
	cr_assert_eq(rumpuser_curlwp(), fake_lwp(1));
	cr_assert_eq(atomic_load(&fake_nlwpexit), 0, "cleared lwp reported");

	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, fake_lwp(1));
	cr_assert_null(rumpuser_curlwp());
	fake_check();
}

Test(thread, lwpexit)
{
	struct thrarg ta = { 0 };
	void *cookie;
	pthread_t t;

	fake_init();
	ta.ta_keep = 1;
	pthread_create(&t, NULL, lwp_thread, &ta);
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&fake_nlwpexit), 1);
	cr_assert_eq(atomic_load(&fake_lastexit), fake_lwp(7));

	/* Also for threads of rumpuser_thread_create(), exiting early. */
	memset(&ta, 0, sizeof(ta));
	ta.ta_keep = 1;
	ta.ta_exit = 1;
	cr_assert_eq(rumpuser_thread_create(thr_body, &ta, "k", 1, 0, 0,
	    &cookie), 0);
	cr_assert_eq(rumpuser_thread_join(cookie), 0);
	cr_assert_eq(atomic_load(&fake_nlwpexit), 2);
	cr_assert_eq(atomic_load(&fake_lastexit), fake_lwp(9));
	fake_check();
}

/*
 * Random bytes, errno, console, exit.
 */

Test(misc, getrandom)
{
	unsigned char a[64], b[64];
	static unsigned char big[1 << 20];
	size_t n, i, zero = 0;

	fake_init();
	memset(a, 0, sizeof(a));
	cr_assert_eq(rumpuser_getrandom(a, sizeof(a), 0, &n), 0);
	cr_assert_eq(n, sizeof(a));
	cr_assert_eq(rumpuser_getrandom(b, sizeof(b), RUMPUSER_RANDOM_HARD,
	    &n), 0);
	cr_assert_eq(n, sizeof(b));
	cr_assert_arr_neq(a, b, sizeof(a));
	for (i = 0; i < sizeof(a); i++)
		zero += a[i] == 0;
	cr_assert_lt(zero, 16);
	cr_assert_eq(atomic_load(&fake_nunsched), 2);

	cr_assert_eq(rumpuser_getrandom(a, sizeof(a), RUMPUSER_RANDOM_NOWAIT,
	    &n), 0);
	cr_assert_eq(n, sizeof(a));
	cr_assert_eq(atomic_load(&fake_nunsched), 2, "NOWAIT released CPU");
	cr_assert_eq(rumpuser_getrandom(big, sizeof(big), 0, &n), 0);
	cr_assert_eq(n, sizeof(big));
	cr_assert_eq(rumpuser_getrandom(a, sizeof(a), 0x80, &n), EINVAL);
	fake_check();
}

Test(misc, seterrno)
{
	errno = 0;
	rumpuser_seterrno(ENOSPC);
	cr_assert_eq(errno, ENOSPC);
}

Test(misc, console, .init = redirect_stderr)
{
	const char *s = "boot: ok\npartial";
	const char *p;

	for (p = s; *p != '\0'; p++)
		rumpuser_putchar(*p);
	rumpuser_dprintf(" then %d\n", 42);
	fflush(stderr);
	cr_assert_stderr_eq_str("boot: ok\npartial then 42\n");
}

Test(misc, exit_value, .exit_code = 3)
{
	rumpuser_exit(3);
}

Test(misc, exit_panic, .signal = SIGABRT, .init = redirect_stderr)
{
	rumpuser_putchar('x');
	rumpuser_exit(RUMPUSER_PANIC);
}

/*
 * Component discovery.
 */

struct t_component {
	int rc_level;
	int (*rc_init)(void);
	const char *rc_name;
	const void *rc_spare;
};

static int
t_comp_init(void)
{
	return 0;
}

static const struct t_component t_comp_main
    __attribute__((section("rump_components"), used, aligned(8))) = {
	.rc_level = 3,
	.rc_init = t_comp_init,
	.rc_name = "t_rumpuser main",
};

static const struct t_component t_comp_main2
    __attribute__((section("rump_components"), used, aligned(8))) = {
	.rc_level = 4,
	.rc_init = t_comp_init,
	.rc_name = "t_rumpuser main 2",
};

#define MAXFOUND 64
static const struct t_component *found[MAXFOUND];
static int nfound;

static void
comp_add(const struct rump_component *rc)
{
	cr_assert_lt(nfound, MAXFOUND);
	found[nfound++] = (const struct t_component *)(const void *)rc;
}

static int
comp_count(const char *name)
{
	int i, n = 0;

	for (i = 0; i < nfound; i++)
		if (strcmp(found[i]->rc_name, name) == 0)
			n++;
	return n;
}

Test(component, program)
{
	fake_init();
	rumpuser_dl_bootstrap(comp_add);
	cr_assert_eq(comp_count("t_rumpuser main"), 1);
	cr_assert_eq(comp_count("t_rumpuser main 2"), 1);
	cr_assert_eq(nfound, 2, "found %d components", nfound);
	cr_assert_eq(found[0]->rc_init, t_comp_init);
	/* Again: the same, once each. */
	nfound = 0;
	rumpuser_dl_bootstrap(comp_add);
	cr_assert_eq(nfound, 2);
	cr_assert_eq(atomic_load(&fake_nunsched), 0);
}

Test(component, dlopen)
{
	void *h1, *h2;
	const struct t_component *c = NULL;
	int i;

	fake_init();
	h1 = dlopen(H_COMP_SYM, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h1, "%s", dlerror());
	cr_assert_not_null(dlsym(h1, "__start_rump_components"));
	h2 = dlopen(H_COMP_NOSYM, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h2, "%s", dlerror());
	cr_assert_null(dlsym(h2, "__start_rump_components"));

	rumpuser_dl_bootstrap(comp_add);
	cr_assert_eq(comp_count("t_rumpuser main"), 1);
	cr_assert_eq(comp_count("sym"), 1);
	cr_assert_eq(comp_count("nosym"), 1);
	cr_assert_eq(nfound, 4, "found %d components", nfound);
	for (i = 0; i < nfound; i++)
		if (strcmp(found[i]->rc_name, "sym") == 0)
			c = found[i];
	cr_assert_not_null(c);
	cr_assert_eq(c->rc_level, 7);
	cr_assert_eq(c->rc_init(), 0);

	dlclose(h2);
	nfound = 0;
	rumpuser_dl_bootstrap(comp_add);
	cr_assert_eq(comp_count("sym"), 1);
	cr_assert_eq(comp_count("nosym"), 0);
	cr_assert_eq(nfound, 3);
	dlclose(h1);
}
