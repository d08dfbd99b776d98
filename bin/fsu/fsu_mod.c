/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_mod.c: the commands that change names and attributes in an image:
 * fsu_rm, fsu_mkdir, fsu_rmdir, fsu_ln, fsu_chmod, fsu_chown, fsu_touch.
 * Owners and groups given by name are looked up on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "fsu.h"

static int
rm_tree(const char *path, bool force)
{
	char **names, sub[PATH_MAX];
	struct stat st;
	size_t n, i;
	int status = 0;

	if (rump_sys_lstat(path, &st) != 0) {
		if (errno == ENOENT && force)
			return 0;
		fsu_err(path, errno);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (fsu_listdir(&fsu_image, path, &names, &n) != 0) {
			fsu_err(path, errno);
			return 1;
		}
		for (i = 0; i < n; i++)
			if (fsu_join(sub, path, names[i]) == 0)
				status |= rm_tree(sub, force);
		fsu_freelist(names, n);
		if (rump_sys_rmdir(path) != 0) {
			fsu_err(path, errno);
			return 1;
		}
		return status;
	}
	if (rump_sys_unlink(path) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	return status;
}

int
fsu_rm_main(int argc, char **argv)
{
	bool rec = false, force = false;
	struct stat st;
	int ch, status = 0;

	while ((ch = fsu_getopt(argc, argv, "frR")) != -1) {
		switch (ch) {
		case 'f': force = true; break;
		case 'r': case 'R': rec = true; break;
		default: fsu_usage(NULL);
		}
	}
	fsu_open(argc, argv, true);
	if (optind >= argc && !force)
		fsu_usage(NULL);
	for (; optind < argc; optind++) {
		const char *p = argv[optind];

		if (rec) {
			status |= rm_tree(p, force);
			continue;
		}
		if (rump_sys_lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			fsu_msg("%s: is a directory (use -r)", p);
			status = 1;
		} else if (rump_sys_unlink(p) != 0 &&
		    !(force && errno == ENOENT)) {
			fsu_err(p, errno);
			status = 1;
		}
	}
	return fsu_close(status);
}

static int
mkdir_p(char *path, mode_t mode)
{
	struct stat st;
	char *s;

	for (s = path + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (rump_sys_mkdir(path, c ? 0777 : mode) != 0 &&
		    (errno != EEXIST || rump_sys_stat(path, &st) != 0 ||
		    !S_ISDIR(st.st_mode))) {
			if (errno == EEXIST)
				errno = ENOTDIR;
			*s = c;
			return -1;
		}
		*s = c;
		if (c == '\0')
			return 0;
	}
}

int
fsu_mkdir_main(int argc, char **argv)
{
	bool parents = false;
	mode_t mode = 0777;
	char path[PATH_MAX];
	int ch, status = 0;

	while ((ch = fsu_getopt(argc, argv, "pm:")) != -1) {
		switch (ch) {
		case 'p': parents = true; break;
		case 'm':
			if (fsu_parsemode(optarg, 0777, &mode) != 0) {
				fsu_msg("%s: bad mode", optarg);
				return 2;
			}
			break;
		default: fsu_usage(NULL);
		}
	}
	fsu_open(argc, argv, true);
	if (optind >= argc)
		fsu_usage(NULL);
	for (; optind < argc; optind++) {
		snprintf(path, sizeof(path), "%s", argv[optind]);
		if ((parents ? mkdir_p(path, mode) :
		    rump_sys_mkdir(path, mode)) != 0) {
			fsu_err(argv[optind], errno);
			status = 1;
		} else if (mode & 07000)
			rump_sys_chmod(path, mode);
	}
	return fsu_close(status);
}

int
fsu_rmdir_main(int argc, char **argv)
{
	int ch, status = 0;

	while ((ch = fsu_getopt(argc, argv, "")) != -1)
		fsu_usage(NULL);
	fsu_open(argc, argv, true);
	if (optind >= argc)
		fsu_usage(NULL);
	for (; optind < argc; optind++)
		if (rump_sys_rmdir(argv[optind]) != 0) {
			fsu_err(argv[optind], errno);
			status = 1;
		}
	return fsu_close(status);
}

int
fsu_ln_main(int argc, char **argv)
{
	bool sym = false;
	int ch, r;

	while ((ch = fsu_getopt(argc, argv, "s")) != -1) {
		if (ch != 's')
			fsu_usage(NULL);
		sym = true;
	}
	if (argc - optind != 3)
		fsu_usage(NULL);
	fsu_open(argc, argv, true);
	r = sym ? rump_sys_symlink(argv[optind], argv[optind + 1]) :
	    rump_sys_link(argv[optind], argv[optind + 1]);
	if (r != 0) {
		fsu_err(argv[optind + 1], errno);
		return fsu_close(1);
	}
	return fsu_close(0);
}

/* Apply fn to path, and with rec to everything under it. */
static int
apply(const char *path, bool rec, int (*fn)(const char *, void *),
    void *arg)
{
	char **names, sub[PATH_MAX];
	struct stat st;
	size_t n, i;
	int status;

	status = fn(path, arg);
	if (!rec || rump_sys_lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return status;
	if (fsu_listdir(&fsu_image, path, &names, &n) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (fsu_join(sub, path, names[i]) == 0)
			status |= apply(sub, rec, fn, arg);
	fsu_freelist(names, n);
	return status;
}

static int
do_chmod(const char *path, void *arg)
{
	struct stat st;
	mode_t m;

	if (rump_sys_lstat(path, &st) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	if (S_ISLNK(st.st_mode))
		return 0;
	if (fsu_parsemode(arg, st.st_mode, &m) != 0) {
		fsu_msg("%s: bad mode", (const char *)arg);
		return 1;
	}
	if (rump_sys_chmod(path, m) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	return 0;
}

int
fsu_chmod_main(int argc, char **argv)
{
	bool rec = false;
	const char *mode;
	mode_t m;
	int ch, status = 0;

	while ((ch = fsu_getopt(argc, argv, "R")) != -1) {
		if (ch != 'R')
			fsu_usage(NULL);
		rec = true;
	}
	if (argc - optind < 3)
		fsu_usage(NULL);
	mode = argv[optind + 1];
	if (fsu_parsemode(mode, 0, &m) != 0) {
		fsu_msg("%s: bad mode", mode);
		return 2;
	}
	fsu_open(argc, argv, true);
	for (optind++; optind < argc; optind++)
		status |= apply(argv[optind], rec, do_chmod, (void *)mode);
	return fsu_close(status);
}

struct owner {
	uid_t uid;
	gid_t gid;
	bool nofollow;
};

static int
do_chown(const char *path, void *arg)
{
	struct owner *o = arg;

	if ((o->nofollow ? rump_sys_lchown(path, o->uid, o->gid) :
	    rump_sys_chown(path, o->uid, o->gid)) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	return 0;
}

static int
parse_owner(const char *s, struct owner *o)
{
	char buf[256], *g, *end;
	struct passwd *pw;
	struct group *gr;

	o->uid = (uid_t)-1;
	o->gid = (gid_t)-1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((g = strchr(buf, ':')) != NULL || (g = strchr(buf, '.')) != NULL)
		*g++ = '\0';
	if (buf[0] != '\0') {
		o->uid = (uid_t)strtoul(buf, &end, 10);
		if (*end != '\0') {
			if ((pw = getpwnam(buf)) == NULL)
				return -1;
			o->uid = pw->pw_uid;
		}
	}
	if (g != NULL && *g != '\0') {
		o->gid = (gid_t)strtoul(g, &end, 10);
		if (*end != '\0') {
			if ((gr = getgrnam(g)) == NULL)
				return -1;
			o->gid = gr->gr_gid;
		}
	}
	return 0;
}

int
fsu_chown_main(int argc, char **argv)
{
	struct owner o;
	bool rec = false, nofollow = false;
	int ch, status = 0;

	while ((ch = fsu_getopt(argc, argv, "Rh")) != -1) {
		switch (ch) {
		case 'R': rec = true; nofollow = true; break;
		case 'h': nofollow = true; break;
		default: fsu_usage(NULL);
		}
	}
	if (argc - optind < 3)
		fsu_usage(NULL);
	if (parse_owner(argv[optind + 1], &o) != 0) {
		fsu_msg("%s: unknown user or group", argv[optind + 1]);
		return 2;
	}
	o.nofollow = nofollow;
	fsu_open(argc, argv, true);
	for (optind++; optind < argc; optind++)
		status |= apply(argv[optind], rec, do_chown, &o);
	return fsu_close(status);
}

int
fsu_touch_main(int argc, char **argv)
{
	struct timespec ts[2];
	bool create = true, aonly = false, monly = false;
	char *end;
	int ch, fd, status = 0;

	ts[0].tv_sec = ts[1].tv_sec = 0;
	ts[0].tv_nsec = ts[1].tv_nsec = UTIME_NOW;
	while ((ch = fsu_getopt(argc, argv, "acmd:")) != -1) {
		switch (ch) {
		case 'a': aonly = true; break;
		case 'c': create = false; break;
		case 'm': monly = true; break;
		case 'd':
			if (optarg[0] != '@') {
				fsu_msg("%s: give the time as @seconds",
				    optarg);
				return 2;
			}
			ts[0].tv_sec = (time_t)strtoll(optarg + 1, &end, 10);
			if (*end != '\0') {
				fsu_msg("%s: bad time", optarg);
				return 2;
			}
			ts[0].tv_nsec = 0;
			ts[1] = ts[0];
			break;
		default: fsu_usage(NULL);
		}
	}
	if (aonly && !monly)
		ts[1].tv_nsec = UTIME_OMIT;
	if (monly && !aonly)
		ts[0].tv_nsec = UTIME_OMIT;
	fsu_open(argc, argv, true);
	if (optind >= argc)
		fsu_usage(NULL);
	for (; optind < argc; optind++) {
		const char *p = argv[optind];

		if (rump_sys_utimensat(AT_FDCWD, p, ts, 0) == 0)
			continue;
		if (errno != ENOENT || !create) {
			if (errno != ENOENT) {
				fsu_err(p, errno);
				status = 1;
			}
			continue;
		}
		if ((fd = rump_sys_open(p, O_WRONLY | O_CREAT, 0666)) < 0 ||
		    rump_sys_futimens(fd, ts) != 0) {
			fsu_err(p, errno);
			status = 1;
		}
		if (fd >= 0)
			rump_sys_close(fd);
	}
	return fsu_close(status);
}
