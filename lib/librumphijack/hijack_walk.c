/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_walk.c: glob(), ftw() and nftw() over kernel directories.
 *
 * glibc's versions of these read directories and stat files through its
 * internal entry points, which a preloaded library cannot replace, so on
 * a kernel path they see nothing (glob says GLOB_NOMATCH, nftw ENOENT).
 *
 * glob: glibc's own glob with GLOB_ALTDIRFUNC, its directory and stat
 * functions being the hijack's opendir/readdir/closedir/stat/lstat,
 * which route every path as usual.  A caller that brings its own
 * GLOB_ALTDIRFUNC functions keeps them.
 *
 * ftw/nftw: a walk of our own when the starting path is the kernel's
 * (under the prefix or a blanket path, or relative while the current
 * directory is the kernel's); glibc's otherwise.  It implements the
 * POSIX flags (FTW_PHYS, FTW_MOUNT, FTW_DEPTH, FTW_CHDIR) and glibc's
 * FTW_ACTIONRETVAL.  Each directory is read completely and closed before
 * its entries are visited, so the walk holds no directory open while it
 * descends and fd_limit does not matter.  A directory is visited once:
 * reached again (through a symbolic link without FTW_PHYS, or a loop)
 * it is neither reported nor entered, as glibc does.
 *
 * On x86_64 struct stat64 is struct stat and struct dirent64 is struct
 * dirent, so the *64 variants share the code.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hijack_impl.h"

_Static_assert(sizeof(struct stat) == sizeof(struct stat64),
    "struct stat64 differs from struct stat");
_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64),
    "struct dirent64 differs from struct dirent");

/* --- glob --- */

static void *
hj_glob_opendir(const char *path)
{

	return opendir(path);
}

static struct dirent *
hj_glob_readdir(void *d)
{

	return readdir(d);
}

static void
hj_glob_closedir(void *d)
{

	(void)closedir(d);
}

static int
hj_glob_stat(const char *path, struct stat *sb)
{

	return stat(path, sb);
}

static int
hj_glob_lstat(const char *path, struct stat *sb)
{

	return lstat(path, sb);
}

/* Point glob_t's directory functions to the hijack's.  */
static void
hj_glob_setup(glob_t *g)
{

	g->gl_opendir = hj_glob_opendir;
	g->gl_readdir = hj_glob_readdir;
	g->gl_closedir = hj_glob_closedir;
	g->gl_stat = hj_glob_stat;
	g->gl_lstat = hj_glob_lstat;
}

HJ_EXPORT int
glob(const char *pat, int flags, int (*errfunc)(const char *, int),
    glob_t *g)
{
	int r;

	if (!hj_inited || hj_inrump || !hj_cfg.hc_vfs ||
	    (flags & GLOB_ALTDIRFUNC))
		return REAL(glob)(pat, flags, errfunc, g);
	hj_glob_setup(g);
	r = REAL(glob)(pat, flags | GLOB_ALTDIRFUNC, errfunc, g);
	g->gl_flags &= ~GLOB_ALTDIRFUNC;
	return r;
}

HJ_EXPORT int
glob64(const char *pat, int flags, int (*errfunc)(const char *, int),
    glob64_t *g)
{

	if (!hj_inited || hj_inrump || !hj_cfg.hc_vfs ||
	    (flags & GLOB_ALTDIRFUNC))
		return REAL(glob64)(pat, flags, errfunc, g);
	/* glob64_t has glob_t's layout on x86_64 (dirent64 == dirent). */
	return glob(pat, flags, errfunc, (glob_t *)g);
}

/* --- ftw and nftw --- */

typedef int (*hj_nftw_fn)(const char *, const struct stat *, int,
    struct FTW *);
typedef int (*hj_ftw_fn)(const char *, const struct stat *, int);

/* A directory already visited (tsearch tree w_seen). */
struct hj_walk_dir {
	dev_t wd_dev;
	ino_t wd_ino;
};

static int
hj_walk_dircmp(const void *a, const void *b)
{
	const struct hj_walk_dir *x = a, *y = b;

	if (x->wd_dev != y->wd_dev)
		return x->wd_dev < y->wd_dev ? -1 : 1;
	if (x->wd_ino != y->wd_ino)
		return x->wd_ino < y->wd_ino ? -1 : 1;
	return 0;
}

struct hj_walk {
	hj_nftw_fn w_nftw;              /* one of these two */
	hj_ftw_fn w_ftw;
	int w_flags;                    /* FTW_* */
	dev_t w_rootdev;
	char *w_path;                   /* the path being visited */
	size_t w_cap;
	size_t w_skip;                  /* w_path + w_skip is reported */
	void *w_seen;                   /* tsearch tree of hj_walk_dir */
};

/* Results of a visit, inside the walk. */
#define HJ_W_CONTINUE 0
#define HJ_W_SKIPSUB  1                 /* do not enter this directory */
#define HJ_W_SKIPSIB  2                 /* skip the rest of this directory */
#define HJ_W_STOP     3                 /* stop, return *ret */

/* Call the user's function; *ret gets what nftw is to return. */
static int
hj_walk_call(struct hj_walk *w, const struct stat *sb, int type,
    size_t base, int level, int *ret)
{
	struct FTW ftw = { .base = (int)(base - w->w_skip), .level = level };
	int r;

	if (w->w_ftw != NULL)
		r = w->w_ftw(w->w_path + w->w_skip, sb, type);
	else
		r = w->w_nftw(w->w_path + w->w_skip, sb, type, &ftw);
	if (!(w->w_flags & FTW_ACTIONRETVAL)) {
		if (r == 0)
			return HJ_W_CONTINUE;
		*ret = r;
		return HJ_W_STOP;
	}
	switch (r) {
	case FTW_STOP:
		*ret = FTW_STOP;
		return HJ_W_STOP;
	case FTW_SKIP_SUBTREE:
		return HJ_W_SKIPSUB;
	case FTW_SKIP_SIBLINGS:
		return HJ_W_SKIPSIB;
	default:
		return HJ_W_CONTINUE;
	}
}

/*
 * The names in directory path, "." and ".." left out, as one block of
 * NUL-terminated strings ending in an empty one; NULL with errno set.
 * The caller frees it.
 */
static char *
hj_walk_readdir(const char *path)
{
	struct dirent *de;
	size_t len = 0, cap = 4096, nl;
	char *names, *nn;
	DIR *d;
	int error;

	d = opendir(path);
	if (d == NULL)
		return NULL;
	names = malloc(cap);
	if (names == NULL)
		goto out_close;
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		nl = strlen(de->d_name) + 1;
		if (len + nl + 1 > cap) {
			cap = 2 * (len + nl + 1);
			nn = realloc(names, cap);
			if (nn == NULL)
				goto out_free;
			names = nn;
		}
		memcpy(names + len, de->d_name, nl);
		len += nl;
	}
	if (errno != 0)
		goto out_free;
	names[len] = '\0';
	(void)closedir(d);
	return names;

out_free:
	error = errno;
	free(names);
	errno = error;
out_close:
	error = errno;
	(void)closedir(d);
	errno = error;
	return NULL;
}

/* Make room for len bytes in w_path; 0 or ENOMEM. */
static int
hj_walk_grow(struct hj_walk *w, size_t len)
{
	char *p;

	if (len <= w->w_cap)
		return 0;
	p = realloc(w->w_path, 2 * len);
	if (p == NULL)
		return ENOMEM;
	w->w_path = p;
	w->w_cap = 2 * len;
	return 0;
}

/*
 * FTW_CHDIR: change into the directory that holds w_path (absolute
 * then), its first base bytes.  0, or -1 with errno.
 */
static int
hj_walk_chdir(struct hj_walk *w, size_t base)
{
	char c;
	int r;

	if (base <= 1)
		return chdir("/");
	c = w->w_path[base - 1];
	w->w_path[base - 1] = '\0';
	r = chdir(w->w_path);
	w->w_path[base - 1] = c;
	return r;
}

/* What w_path is, by the walk's flags: FTW_F, FTW_D, FTW_SL, ... */
static int
hj_walk_type(struct hj_walk *w, struct stat *sb)
{
	struct stat lsb;

	memset(sb, 0, sizeof(*sb));
	if (w->w_flags & FTW_PHYS) {
		if (lstat(w->w_path, sb) < 0)
			return FTW_NS;
		if (S_ISLNK(sb->st_mode))
			return FTW_SL;
	} else if (stat(w->w_path, sb) < 0) {
		if (errno == ENOENT && lstat(w->w_path, &lsb) == 0 &&
		    S_ISLNK(lsb.st_mode)) {
			*sb = lsb;
			return FTW_SLN;
		}
		return FTW_NS;
	}
	return S_ISDIR(sb->st_mode) ? FTW_D : FTW_F;
}

/*
 * Visit w_path (len bytes, its last component starting at base) at the
 * given depth.  HJ_W_*, with *ret set for HJ_W_STOP (-1 with errno for
 * the walk's own errors).
 */
static int
hj_walk_visit(struct hj_walk *w, size_t len, size_t base, int level,
    int *ret)
{
	struct hj_walk_dir key, *d, **found;
	struct stat sb;
	char *names, *nm;
	size_t nl, dlen;
	int type, r, rr, error;

	type = hj_walk_type(w, &sb);
	if (level == 0)
		w->w_rootdev = sb.st_dev;
	else if ((w->w_flags & FTW_MOUNT) && type != FTW_NS &&
	    sb.st_dev != w->w_rootdev)
		return HJ_W_CONTINUE;
	if ((w->w_flags & FTW_CHDIR) && hj_walk_chdir(w, base) < 0)
		goto out_error;
	if (type != FTW_D)
		return hj_walk_call(w, &sb, type, base, level, ret);

	key.wd_dev = sb.st_dev;
	key.wd_ino = sb.st_ino;
	if (tfind(&key, &w->w_seen, hj_walk_dircmp) != NULL)
		return HJ_W_CONTINUE;
	if ((d = malloc(sizeof(*d))) == NULL)
		goto out_error;
	*d = key;
	found = tsearch(d, &w->w_seen, hj_walk_dircmp);
	if (found == NULL || *found != d) {
		free(d);
		if (found == NULL)
			goto out_error;
	}
	names = hj_walk_readdir(w->w_path);
	if (names == NULL) {
		if (errno != EACCES)
			goto out_error;
		return hj_walk_call(w, &sb, FTW_DNR, base, level, ret);
	}
	if (!(w->w_flags & FTW_DEPTH)) {
		r = hj_walk_call(w, &sb, FTW_D, base, level, ret);
		if (r != HJ_W_CONTINUE)
			goto out_free;
	}
	dlen = len;
	for (nm = names; *nm != '\0'; nm += nl + 1) {
		nl = strlen(nm);
		if ((error = hj_walk_grow(w, len + nl + 2)) != 0) {
			errno = error;
			*ret = -1;
			r = HJ_W_STOP;
			goto out_free;
		}
		if (w->w_path[len - 1] != '/')
			w->w_path[len] = '/', dlen = len + 1;
		memcpy(w->w_path + dlen, nm, nl + 1);
		rr = hj_walk_visit(w, dlen + nl, dlen, level + 1, ret);
		w->w_path[len] = '\0';
		if (rr == HJ_W_STOP) {
			r = rr;
			goto out_free;
		}
		if (rr == HJ_W_SKIPSIB)
			break;
	}
	r = HJ_W_CONTINUE;
	if (w->w_flags & FTW_DEPTH) {
		if ((w->w_flags & FTW_CHDIR) && hj_walk_chdir(w, base) < 0) {
			*ret = -1;
			r = HJ_W_STOP;
			goto out_free;
		}
		r = hj_walk_call(w, &sb, FTW_DP, base, level, ret);
	}
out_free:
	free(names);
	return r == HJ_W_SKIPSUB ? HJ_W_CONTINUE : r;

out_error:
	*ret = -1;
	return HJ_W_STOP;
}

/*
 * The walk from path: 0, the user function's value that stopped it
 * (FTW_STOP under FTW_ACTIONRETVAL), or -1 with errno.  With FTW_CHDIR a
 * relative path is made absolute for the walk (the caller's directory
 * in front) and reported as given; the directory is restored at the end.
 */
static int
hj_walk(const char *path, struct hj_walk *w)
{
	char *cwd = NULL;
	size_t len, clen = 0, base;
	int ret = 0, error;

	len = strlen(path);
	if (len == 0)
		return hj_set_errno(ENOENT);
	if (w->w_flags & FTW_CHDIR) {
		cwd = getcwd(NULL, 0);
		if (cwd == NULL)
			return -1;
		if (path[0] != '/')
			clen = strlen(cwd) + 1;
	}
	if ((error = hj_walk_grow(w, clen + len + 2)) != 0) {
		free(cwd);
		return hj_set_errno(error);
	}
	if (clen > 0) {
		memcpy(w->w_path, cwd, clen - 1);
		w->w_path[clen - 1] = '/';
	}
	memcpy(w->w_path + clen, path, len + 1);
	w->w_skip = clen;
	len += clen;
	/* base: the last component, trailing slashes not counted. */
	base = len;
	while (base > clen + 1 && w->w_path[base - 1] == '/')
		base--;
	while (base > clen && w->w_path[base - 1] != '/')
		base--;
	(void)hj_walk_visit(w, len, base, 0, &ret);
	error = errno;
	if (cwd != NULL) {
		(void)chdir(cwd);
		free(cwd);
	}
	free(w->w_path);
	tdestroy(w->w_seen, free);
	errno = error;
	return ret;
}

/* Whether a walk from path is the kernel's. */
static bool
hj_walk_isrump(const char *path)
{
	const char *kp;

	return hj_cfg.hc_vfs && path != NULL && hj_path(path, &kp) == HJ_RUMP;
}

HJ_EXPORT int
nftw(const char *path, hj_nftw_fn fn, int fdlimit, int flags)
{
	struct hj_walk w = { .w_nftw = fn, .w_flags = flags };

	if (!hj_walk_isrump(path))
		return REAL(nftw)(path, fn, fdlimit, flags);
	return hj_walk(path, &w);
}

HJ_EXPORT int
nftw64(const char *path, int (*fn)(const char *, const struct stat64 *, int,
    struct FTW *), int fdlimit, int flags)
{
	struct hj_walk w = { .w_nftw = (hj_nftw_fn)fn, .w_flags = flags };

	if (!hj_walk_isrump(path))
		return REAL(nftw64)(path, fn, fdlimit, flags);
	return hj_walk(path, &w);
}

HJ_EXPORT int
ftw(const char *path, hj_ftw_fn fn, int fdlimit)
{
	struct hj_walk w = { .w_ftw = fn };

	if (!hj_walk_isrump(path))
		return REAL(ftw)(path, fn, fdlimit);
	return hj_walk(path, &w);
}

HJ_EXPORT int
ftw64(const char *path, int (*fn)(const char *, const struct stat64 *, int),
    int fdlimit)
{
	struct hj_walk w = { .w_ftw = (hj_ftw_fn)fn };

	if (!hj_walk_isrump(path))
		return REAL(ftw64)(path, fn, fdlimit);
	return hj_walk(path, &w);
}
