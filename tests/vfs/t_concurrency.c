/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_concurrency.c: eight host threads create, rename and unlink files in
 * shared directories at once, while directories move between parents and
 * one more name is fought over by everyone; then getdents64 must list
 * exactly the expected names, each once.  Runs with 1, 2 and the host's
 * number of virtual CPUs (RUMP_NCPU, set before rump_init).
 */
#include "h_vfs.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#define NTHREADS 8
#define NITER    150


static pthread_barrier_t start_barrier;

static void
must(int r, const char *what, const char *path)
{
	if (r < 0) {
		fprintf(stderr, "%s %s: errno %d\n", what, path, errno);
		abort();
	}
}

/*
 * Thread i: for each j, create d0/t<i>_<j>, move it to d1, then unlink it
 * (j % 3 == 0), leave it in d1 (1) or move it on to d2 (2).  Every
 * iteration also replaces d1/shared, and moves its own directory between
 * d1 and d2.
 */
static void *
worker(void *arg)
{
	int i = (int)(intptr_t)arg, j, fd;
	char a[64], b[64], c[64], tmp[64], dir[64], dir2[64];

	pthread_barrier_wait(&start_barrier);
	snprintf(dir, sizeof(dir), "/d1/dir%d", i);
	snprintf(dir2, sizeof(dir2), "/d2/dir%d", i);
	must(rump_sys_mkdir(dir, 0755), "mkdir", dir);
	for (j = 0; j < NITER; j++) {
		snprintf(a, sizeof(a), "/d0/t%d_%d", i, j);
		snprintf(b, sizeof(b), "/d1/t%d_%d", i, j);
		snprintf(c, sizeof(c), "/d2/t%d_%d", i, j);
		snprintf(tmp, sizeof(tmp), "/d0/s%d_%d", i, j);
		fd = rump_sys_open(a, O_RDWR | O_CREAT | O_EXCL, 0644);
		must(fd, "create", a);
		must(rump_sys_close(fd), "close", a);
		must(rump_sys_rename(a, b), "rename", a);
		if (j % 3 == 0)
			must(rump_sys_unlink(b), "unlink", b);
		else if (j % 3 == 2)
			must(rump_sys_rename(b, c), "rename", b);
		fd = rump_sys_open(tmp, O_RDWR | O_CREAT | O_EXCL, 0644);
		must(fd, "create", tmp);
		must(rump_sys_close(fd), "close", tmp);
		must(rump_sys_rename(tmp, "/d1/shared"), "rename", tmp);
		if (j % 2 == 0)
			must(rump_sys_rename(dir, dir2), "rename", dir);
		else
			must(rump_sys_rename(dir2, dir), "rename", dir2);
	}
	return NULL;
}

/* List dir; fail on duplicates; return the number of entries. */
static int
list_dir(const char *path, char names[][32], int max)
{
	char buf[2048];
	long len, off;
	int fd, n = 0, k;

	fd = rump_sys_open(path, O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	while ((len = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < len; ) {
			struct rump_dirent64 *d = (void *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			for (k = 0; k < n; k++)
				cr_assert_str_neq(names[k], d->d_name,
				    "%s listed twice in %s", d->d_name, path);
			cr_assert_lt(n, max);
			snprintf(names[n++], 32, "%s", d->d_name);
		}
	}
	cr_assert_eq(len, 0);
	OK(rump_sys_close(fd));
	return n;
}

static bool
listed(char names[][32], int n, const char *name)
{
	int k;

	for (k = 0; k < n; k++)
		if (strcmp(names[k], name) == 0)
			return true;
	return false;
}

static void
check_result(void)
{
	static char names[NTHREADS * NITER + 64][32];
	char name[32];
	int n, i, j, want1, want2;

	n = list_dir("/d0", names, NTHREADS * NITER);
	cr_assert_eq(n, 0, "d0 has %d entries", n);
	n = list_dir("/d1", names, NTHREADS * NITER + 64);
	want1 = 1;   /* "shared" */
	for (i = 0; i < NTHREADS; i++) {
		for (j = 0; j < NITER; j++) {
			snprintf(name, sizeof(name), "t%d_%d", i, j);
			cr_assert_eq(listed(names, n, name), j % 3 == 1,
			    "d1/%s", name);
			want1 += j % 3 == 1;
		}
		/* NITER is even: each directory ends where it began. */
		snprintf(name, sizeof(name), "dir%d", i);
		cr_assert(listed(names, n, name), "d1/%s", name);
		want1++;
	}
	cr_assert(listed(names, n, "shared"));
	cr_assert_eq(n, want1);
	n = list_dir("/d2", names, NTHREADS * NITER + 64);
	want2 = 0;
	for (i = 0; i < NTHREADS; i++)
		for (j = 0; j < NITER; j++)
			want2 += j % 3 == 2;
	cr_assert_eq(n, want2);
}

static void
run(const char *ncpu)
{
	pthread_t t[NTHREADS];
	int i;

	cr_assert_eq(setenv("RUMP_NCPU", ncpu, 1), 0);
	cr_assert_eq(rump_init(), 0);
	OK(rump_sys_mkdir("/d0", 0755));
	OK(rump_sys_mkdir("/d1", 0755));
	OK(rump_sys_mkdir("/d2", 0755));
	pthread_barrier_init(&start_barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker,
		    (void *)(intptr_t)i), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_barrier);
	check_result();
}

Test(concurrency, create_rename_unlink_ncpu1, .timeout = 120)
{
	run("1");
}

Test(concurrency, create_rename_unlink_ncpu2, .timeout = 120)
{
	run("2");
}

Test(concurrency, create_rename_unlink_ncpu_host, .timeout = 120)
{
	run("host");
}

/*
 * Mounts and unmounts race with lookups that cross into the mount: a
 * lookup sees either file system, never a half-mounted one; unmount is
 * refused (EBUSY) only while a looker holds a file of the mount.
 */
static volatile int mount_done;

static void *
looker(void *arg)
{
	struct stat sb;
	int fd;

	pthread_barrier_wait(&start_barrier);
	while (!mount_done) {
		if (rump_sys_stat("/m/x", &sb) != 0 && errno != ENOENT)
			abort();
		fd = rump_sys_open("/m/y", O_RDWR | O_CREAT, 0644);
		if (fd >= 0)
			rump_sys_close(fd);
		else if (errno != ENOENT)
			abort();
	}
	return NULL;
}

static void
run_mounts(const char *ncpu)
{
	pthread_t t[4];
	int i, n;

	cr_assert_eq(setenv("RUMP_NCPU", ncpu, 1), 0);
	cr_assert_eq(rump_init(), 0);
	OK(rump_sys_mkdir("/m", 0755));
	pthread_barrier_init(&start_barrier, NULL, 5);
	for (i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, looker, NULL), 0);
	pthread_barrier_wait(&start_barrier);
	for (n = 0; n < 200; n++) {
		OK(rump_sys_mount("tmpfs", "/m", "tmpfs", 0, NULL));
		mkfile("/m/x", NULL);
		while (rump_sys_umount2("/m", 0) != 0) {
			cr_assert_eq(errno, EBUSY);
			sched_yield();
		}
	}
	mount_done = 1;
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_barrier);
	FAILS(rump_sys_access("/m/x", F_OK), ENOENT);
	OK(rump_sys_access("/m", F_OK));
}

Test(concurrency, mount_vs_lookup_ncpu1, .timeout = 120)
{
	run_mounts("1");
}

Test(concurrency, mount_vs_lookup_ncpu_host, .timeout = 120)
{
	run_mounts("host");
}
