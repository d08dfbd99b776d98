/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_fsops.c: the two sides fs-utils works on, as one table of
 * operations each: the host (the C library) and the image (the rump
 * kernel's system calls, inside the command's chrooted kernel process).
 * Also sorted directory listings and path joining.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#include "fsu.h"

static int
h_lchown(const char *p, uid_t u, gid_t g)
{
	return lchown(p, u, g);
}

static int
h_lutimens(const char *p, const struct timespec *ts)
{
	return utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

static int
h_open(const char *p, int flags, mode_t mode)
{
	return open(p, flags | O_CLOEXEC, mode);
}

const struct fsu_ops fsu_host = {
	.name = "host",
	.lstat = lstat, .stat = stat, .open = h_open, .read = read,
	.write = write, .close = close, .mkdir = mkdir, .rmdir = rmdir,
	.unlink = unlink, .rename = rename, .symlink = symlink,
	.readlink = readlink, .link = link, .mknod = mknod, .chmod = chmod,
	.lchown = h_lchown, .lutimens = h_lutimens,
};

static int
r_lutimens(const char *p, const struct timespec *ts)
{
	return rump_sys_utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

const struct fsu_ops fsu_image = {
	.name = "image",
	.lstat = rump_sys_lstat, .stat = rump_sys_stat, .open = rump_sys_open,
	.read = rump_sys_read, .write = rump_sys_write, .close = rump_sys_close,
	.mkdir = rump_sys_mkdir, .rmdir = rump_sys_rmdir,
	.unlink = rump_sys_unlink, .rename = rump_sys_rename,
	.symlink = rump_sys_symlink, .readlink = rump_sys_readlink,
	.link = rump_sys_link, .mknod = rump_sys_mknod,
	.chmod = rump_sys_chmod, .lchown = rump_sys_lchown,
	.lutimens = r_lutimens,
};

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
addname(char ***names, size_t *count, size_t *cap, const char *name)
{
	char **n;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	if (*count == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		if ((n = realloc(*names, *cap * sizeof(*n))) == NULL)
			return -1;
		*names = n;
	}
	if (((*names)[*count] = strdup(name)) == NULL)
		return -1;
	(*count)++;
	return 0;
}

static int
list_host(const char *dir, char ***names, size_t *count, size_t *cap)
{
	struct dirent *de;
	DIR *d;
	int error = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL)
		if (addname(names, count, cap, de->d_name) != 0) {
			error = errno;
			break;
		}
	if (de == NULL && errno != 0)
		error = errno;
	closedir(d);
	errno = error;
	return error ? -1 : 0;
}

static int
list_image(const char *dir, char ***names, size_t *count, size_t *cap)
{
	char buf[16384];
	struct rump_dirent64 *de;
	ssize_t n, off;
	int fd, error = 0;

	if ((fd = rump_sys_open(dir, O_RDONLY | O_DIRECTORY, 0)) < 0)
		return -1;
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += de->d_reclen) {
			de = (struct rump_dirent64 *)(buf + off);
			if (de->d_reclen == 0) {
				error = EIO;
				goto out;
			}
			if (addname(names, count, cap, de->d_name) != 0) {
				error = errno;
				goto out;
			}
		}
	}
	if (n < 0)
		error = errno;
out:
	rump_sys_close(fd);
	errno = error;
	return error ? -1 : 0;
}

int
fsu_listdir(const struct fsu_ops *ops, const char *dir, char ***names,
    size_t *count)
{
	size_t cap = 0;
	int r, error;

	*names = NULL;
	*count = 0;
	r = ops == &fsu_host ? list_host(dir, names, count, &cap) :
	    list_image(dir, names, count, &cap);
	if (r != 0) {
		error = errno;
		fsu_freelist(*names, *count);
		*names = NULL;
		*count = 0;
		errno = error;
		return -1;
	}
	if (*count > 0)
		qsort(*names, *count, sizeof(**names), cmpname);
	return 0;
}

void
fsu_freelist(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int
fsu_join(char *out, const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	int n;

	if (dl > 0 && dir[dl - 1] == '/')
		n = snprintf(out, PATH_MAX, "%s%s", dir, name);
	else
		n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	if (n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

void
fsu_modestr(mode_t m, char *b)
{
	static const char types[] = "?pc?d?b?-?l?s???";

	b[0] = types[(m >> 12) & 0xf];
	b[1] = m & S_IRUSR ? 'r' : '-';
	b[2] = m & S_IWUSR ? 'w' : '-';
	b[3] = m & S_ISUID ? (m & S_IXUSR ? 's' : 'S') :
	    (m & S_IXUSR ? 'x' : '-');
	b[4] = m & S_IRGRP ? 'r' : '-';
	b[5] = m & S_IWGRP ? 'w' : '-';
	b[6] = m & S_ISGID ? (m & S_IXGRP ? 's' : 'S') :
	    (m & S_IXGRP ? 'x' : '-');
	b[7] = m & S_IROTH ? 'r' : '-';
	b[8] = m & S_IWOTH ? 'w' : '-';
	b[9] = m & S_ISVTX ? (m & S_IXOTH ? 't' : 'T') :
	    (m & S_IXOTH ? 'x' : '-');
	b[10] = '\0';
}

/* Symbolic modes: [ugoa]*[+-=][rwxXst]*, comma-separated. */
int
fsu_parsemode(const char *s, mode_t old, mode_t *out)
{
	mode_t m = old & 07777, who, bits;
	const char *p = s;
	char *end;
	long v;
	char op;

	if (*s >= '0' && *s <= '7') {
		v = strtol(s, &end, 8);
		if (*end != '\0' || v < 0 || v > 07777)
			return -1;
		*out = (mode_t)v;
		return 0;
	}
	while (*p != '\0') {
		who = 0;
		for (; *p == 'u' || *p == 'g' || *p == 'o' || *p == 'a'; p++)
			who |= *p == 'u' ? 04700 : *p == 'g' ? 02070 :
			    *p == 'o' ? 01007 : 07777;
		if (who == 0)
			who = 07777 & ~(mode_t)022;
		if (*p != '+' && *p != '-' && *p != '=')
			return -1;
		op = *p++;
		bits = 0;
		for (; *p != '\0' && *p != ','; p++) {
			switch (*p) {
			case 'r': bits |= 0444; break;
			case 'w': bits |= 0222; break;
			case 'x': bits |= 0111; break;
			case 'X':
				if (S_ISDIR(old) || (old & 0111))
					bits |= 0111;
				break;
			case 's': bits |= 06000; break;
			case 't': bits |= 01000; break;
			default: return -1;
			}
		}
		bits &= who;
		if (op == '+')
			m |= bits;
		else if (op == '-')
			m &= ~bits;
		else
			m = (m & ~(who & 07777)) | bits;
		if (*p == ',')
			p++;
	}
	*out = m;
	return 0;
}
