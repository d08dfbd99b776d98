/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_dir.c: directory streams of kernel directories.
 *
 * A kernel directory's DIR * is a struct hj_dir of ours, listed in a
 * registry so the other functions tell it from glibc's DIR (whose layout
 * is private): readdir and friends look the pointer up and hand any
 * pointer not listed to glibc.  Entries come from the kernel's
 * getdents64 (the Linux record layout) a buffer at a time; telldir is
 * the d_off of the last entry returned and seekdir an lseek to it.
 * scandir of a kernel path is built from these.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump_syscalls.h>

#include "hijack_impl.h"

/* readdir_r is deprecated, and programs still call it. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define HJ_DIRBUF 32768
#define HJ_DIRMAGIC 0x726d7064u

struct hj_dir {
	uint32_t d_magic;
	int d_kfd;                      /* kernel descriptor */
	int d_fd;                       /* as the program sees it */
	size_t d_pos, d_len;            /* in d_buf */
	long d_loc;                     /* telldir: d_off of the last one */
	pthread_mutex_t d_lock;
	struct dirent d_ent;
	struct hj_dir *d_next;          /* [hj_lock] */
	char d_buf[HJ_DIRBUF] __attribute__((aligned(8)));
};

static struct hj_dir *hj_dirs;          /* [hj_lock] */

static struct hj_dir *
hj_dir_lookup(void *p)
{
	struct hj_dir *d;

	if (p == NULL || hj_dirs == NULL)
		return NULL;
	pthread_mutex_lock(&hj_lock);
	for (d = hj_dirs; d != NULL; d = d->d_next)
		if ((void *)d == p)
			break;
	pthread_mutex_unlock(&hj_lock);
	return d;
}

int
hj_dir_isrump(void *p)
{

	return hj_dir_lookup(p) != NULL;
}

static DIR *
hj_dir_new(int fd, int kfd)
{
	struct hj_dir *d;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->d_magic = HJ_DIRMAGIC;
	d->d_kfd = kfd;
	d->d_fd = fd;
	pthread_mutex_init(&d->d_lock, NULL);
	pthread_mutex_lock(&hj_lock);
	d->d_next = hj_dirs;
	hj_dirs = d;
	pthread_mutex_unlock(&hj_lock);
	return (DIR *)d;
}

HJ_EXPORT DIR *
fdopendir(int fd)
{
	struct stat sb;
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(fdopendir)(fd);
	if (RUMPCALL(rump_sys_fstat(k, &sb)) != 0)
		return NULL;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	(void)RUMPCALL(rump_sys_fcntl(k, F_SETFD, (void *)(uintptr_t)
	    FD_CLOEXEC));
	return hj_dir_new(fd, k);
}

HJ_EXPORT DIR *
opendir(const char *path)
{
	const char *kp;
	DIR *d;
	int k, error;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(opendir)(path);
	k = RUMPCALL(rump_sys_open(kp, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
	    0));
	if (k < 0)
		return NULL;
	d = hj_dir_new(hj_kfd2fd(k), k);
	if (d == NULL) {
		error = errno;
		(void)RUMPCALL(rump_sys_close(k));
		errno = error;
	}
	return d;
}

/* The next entry, or NULL at the end (errno kept) or on error (set). */
static struct dirent *
hj_dir_next(struct hj_dir *d)
{
	struct dirent64 *de;
	ssize_t n;
	size_t nl;

	if (d->d_pos >= d->d_len) {
		int error = errno;

		n = RUMPCALL(rump_sys_getdents64(d->d_kfd, d->d_buf,
		    sizeof(d->d_buf)));
		/*
		 * readdir changes errno only on error; librumpclient may
		 * leave one of its own (EAGAIN) behind after a success.
		 */
		if (n >= 0)
			errno = error;
		if (n <= 0)
			return NULL;
		d->d_pos = 0;
		d->d_len = (size_t)n;
	}
	de = (struct dirent64 *)(d->d_buf + d->d_pos);
	if (de->d_reclen == 0 || d->d_pos + de->d_reclen > d->d_len) {
		/* A kernel that answers nonsense: stop here. */
		d->d_pos = d->d_len = 0;
		errno = EIO;
		return NULL;
	}
	d->d_pos += de->d_reclen;
	d->d_ent.d_ino = de->d_ino;
	d->d_ent.d_off = de->d_off;
	d->d_ent.d_type = de->d_type;
	nl = strnlen(de->d_name, sizeof(d->d_ent.d_name) - 1);
	memcpy(d->d_ent.d_name, de->d_name, nl);
	d->d_ent.d_name[nl] = '\0';
	d->d_ent.d_reclen = (unsigned short)(offsetof(struct dirent, d_name) +
	    nl + 1);
	d->d_loc = de->d_off;
	return &d->d_ent;
}

HJ_EXPORT struct dirent *
readdir(DIR *dirp)
{
	struct hj_dir *d = hj_dir_lookup(dirp);
	struct dirent *de;

	if (d == NULL)
		return REAL(readdir)(dirp);
	pthread_mutex_lock(&d->d_lock);
	de = hj_dir_next(d);
	pthread_mutex_unlock(&d->d_lock);
	return de;
}

/* On x86_64, struct dirent64 and struct dirent are the same. */
HJ_EXPORT struct dirent64 *
readdir64(DIR *dirp)
{

	if (hj_dir_lookup(dirp) == NULL)
		return REAL(readdir64)(dirp);
	return (struct dirent64 *)readdir(dirp);
}

HJ_EXPORT int
readdir_r(DIR *dirp, struct dirent *ent, struct dirent **res)
{
	struct hj_dir *d = hj_dir_lookup(dirp);
	struct dirent *de;
	int saved = errno, error = 0;

	if (d == NULL)
		return REAL(readdir_r)(dirp, ent, res);
	pthread_mutex_lock(&d->d_lock);
	errno = 0;
	de = hj_dir_next(d);
	if (de != NULL)
		memcpy(ent, de, sizeof(*ent));
	else
		error = errno;
	pthread_mutex_unlock(&d->d_lock);
	*res = de != NULL ? ent : NULL;
	errno = saved;
	return error;
}

HJ_EXPORT int
readdir64_r(DIR *dirp, struct dirent64 *ent, struct dirent64 **res)
{

	if (hj_dir_lookup(dirp) == NULL)
		return REAL(readdir64_r)(dirp, ent, res);
	return readdir_r(dirp, (struct dirent *)ent, (struct dirent **)res);
}

HJ_EXPORT int
closedir(DIR *dirp)
{
	struct hj_dir *d = hj_dir_lookup(dirp), **pp;

	if (d == NULL)
		return REAL(closedir)(dirp);
	pthread_mutex_lock(&hj_lock);
	for (pp = &hj_dirs; *pp != NULL; pp = &(*pp)->d_next)
		if (*pp == d) {
			*pp = d->d_next;
			break;
		}
	pthread_mutex_unlock(&hj_lock);
	/* The descriptor may have been dup2()ed over: close by its name. */
	(void)close(d->d_fd);
	pthread_mutex_destroy(&d->d_lock);
	free(d);
	return 0;
}

HJ_EXPORT int
dirfd(DIR *dirp)
{
	struct hj_dir *d = hj_dir_lookup(dirp);

	if (d == NULL)
		return REAL(dirfd)(dirp);
	return d->d_fd;
}

HJ_EXPORT void
rewinddir(DIR *dirp)
{
	struct hj_dir *d = hj_dir_lookup(dirp);

	if (d == NULL) {
		REAL(rewinddir)(dirp);
		return;
	}
	pthread_mutex_lock(&d->d_lock);
	(void)RUMPCALL(rump_sys_lseek(d->d_kfd, 0, SEEK_SET));
	d->d_pos = d->d_len = 0;
	d->d_loc = 0;
	pthread_mutex_unlock(&d->d_lock);
}

HJ_EXPORT long
telldir(DIR *dirp)
{
	struct hj_dir *d = hj_dir_lookup(dirp);

	if (d == NULL)
		return REAL(telldir)(dirp);
	return d->d_loc;
}

HJ_EXPORT void
seekdir(DIR *dirp, long loc)
{
	struct hj_dir *d = hj_dir_lookup(dirp);

	if (d == NULL) {
		REAL(seekdir)(dirp, loc);
		return;
	}
	pthread_mutex_lock(&d->d_lock);
	(void)RUMPCALL(rump_sys_lseek(d->d_kfd, loc, SEEK_SET));
	d->d_pos = d->d_len = 0;
	d->d_loc = loc;
	pthread_mutex_unlock(&d->d_lock);
}

typedef int (*hj_filter_t)(const struct dirent *);
typedef int (*hj_compar_t)(const struct dirent **, const struct dirent **);

HJ_EXPORT int
scandir(const char *path, struct dirent ***list, hj_filter_t filter,
    hj_compar_t compar)
{
	struct dirent *de, **v = NULL, **nv, *c;
	size_t n = 0, cap = 0, i;
	const char *kp;
	DIR *d;
	int error;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(scandir)(path, list, filter, compar);
	d = opendir(path);
	if (d == NULL)
		return -1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (filter != NULL && !filter(de))
			continue;
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto out_nomem;
			v = nv;
		}
		c = malloc(sizeof(*c));
		if (c == NULL)
			goto out_nomem;
		memcpy(c, de, sizeof(*c));
		v[n++] = c;
		errno = 0;
	}
	error = errno;
	closedir(d);
	if (error != 0) {
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return hj_set_errno(error);
	}
	if (compar != NULL && n > 1)
		qsort(v, n, sizeof(*v),
		    (int (*)(const void *, const void *))compar);
	*list = v;
	return (int)n;

out_nomem:
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	closedir(d);
	return hj_set_errno(ENOMEM);
}

HJ_EXPORT int
scandir64(const char *path, struct dirent64 ***list,
    int (*filter)(const struct dirent64 *),
    int (*compar)(const struct dirent64 **, const struct dirent64 **))
{
	const char *kp;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(scandir64)(path, list, filter, compar);
	return scandir(path, (struct dirent ***)list, (hj_filter_t)filter,
	    (hj_compar_t)compar);
}
