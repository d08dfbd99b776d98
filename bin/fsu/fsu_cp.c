/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_cp.c: the commands that move data in and out of an image:
 * fsu_cp (host to image, image to host, image to image), fsu_mv, fsu_cat,
 * fsu_write (standard input into a file) and fsu_diff (an image tree
 * against a host tree).
 *
 * fsu_cp names image paths with a leading ':' and host paths without, and
 * copies through struct fsu_ops, so one body serves every direction.
 * With -a it keeps modes, owners, times, symbolic links, device nodes and
 * hard links (files with several links are linked again in the copy).
 * On a terminal, a copy that lasts more than a second shows a progress bar
 * on standard error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "fsu.h"

#define CP_BUFSIZE (1024 * 1024)

#define CP_R 0x01
#define CP_P 0x02
#define CP_V 0x04

struct cplink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct cpstate {
	int flags;
	char *buf;
	struct cplink *links;
	size_t nlinks, caplinks;
	/* progress */
	bool tty;
	uintmax_t total, done;
	struct timespec start, last;
	bool shown;
};

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
progress(struct cpstate *cs, bool final)
{
	struct timespec now;
	double t, pct;
	int i, w;

	if (!cs->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = elapsed(&cs->start, &now);
	if (final ? !cs->shown : (t < 1.0 || elapsed(&cs->last, &now) < 0.2))
		return;
	cs->last = now;
	cs->shown = true;
	pct = cs->total ? (double)cs->done * 100 / (double)cs->total : 100;
	if (pct > 100)
		pct = 100;
	w = (int)(pct * 30 / 100);
	fputs("\r[", stderr);
	for (i = 0; i < 30; i++)
		fputc(i < w ? '#' : ' ', stderr);
	fprintf(stderr, "] %3.0f%% %.1f MiB %.1f MiB/s", pct,
	    (double)cs->done / 1048576, t > 0 ? (double)cs->done / 1048576 / t :
	    0.0);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Bytes under path, for the progress bar. */
static uintmax_t
tree_size(const struct fsu_ops *ops, const char *path, bool rec)
{
	char **names, sub[PATH_MAX];
	uintmax_t sum = 0;
	struct stat st;
	size_t n, i;

	if (ops->lstat(path, &st) != 0)
		return 0;
	if (S_ISREG(st.st_mode))
		return (uintmax_t)st.st_size;
	if (!S_ISDIR(st.st_mode) || !rec ||
	    fsu_listdir(ops, path, &names, &n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (fsu_join(sub, path, names[i]) == 0)
			sum += tree_size(ops, sub, rec);
	fsu_freelist(names, n);
	return sum;
}

static int
copy_data(struct cpstate *cs, const struct fsu_ops *so, const char *src,
    const struct fsu_ops *to, const char *dst, mode_t mode)
{
	ssize_t n, w, off;
	int in, out, error = 0;

	if ((in = so->open(src, O_RDONLY, 0)) < 0) {
		fsu_err(src, errno);
		return 1;
	}
	if ((out = to->open(dst, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0) {
		fsu_err(dst, errno);
		so->close(in);
		return 1;
	}
	while ((n = so->read(in, cs->buf, CP_BUFSIZE)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fsu_err(src, error = errno);
			break;
		}
		for (off = 0; off < n; off += w) {
			w = to->write(out, cs->buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				fsu_err(dst, error = errno);
				goto out;
			}
		}
		cs->done += (uintmax_t)n;
		progress(cs, false);
	}
out:
	so->close(in);
	if (to->close(out) != 0 && error == 0)
		fsu_err(dst, error = errno);
	return error != 0;
}

static void
preserve(struct cpstate *cs, const struct fsu_ops *to, const char *dst,
    const struct stat *st)
{
	struct timespec ts[2];

	if (!(cs->flags & CP_P))
		return;
	/* Owners only where we may give them (root, or the same owner). */
	if (to->lchown(dst, st->st_uid, st->st_gid) != 0 && errno != EPERM)
		fsu_err(dst, errno);
	if (!S_ISLNK(st->st_mode) && to->chmod(dst, st->st_mode & 07777) != 0)
		fsu_err(dst, errno);
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (to->lutimens(dst, ts) != 0)
		fsu_err(dst, errno);
}

static const char *
link_find(struct cpstate *cs, const struct stat *st, const char *dst)
{
	struct cplink *l;
	size_t i;

	for (i = 0; i < cs->nlinks; i++)
		if (cs->links[i].dev == st->st_dev &&
		    cs->links[i].ino == st->st_ino)
			return cs->links[i].path;
	if (cs->nlinks == cs->caplinks) {
		cs->caplinks = cs->caplinks ? cs->caplinks * 2 : 64;
		l = realloc(cs->links, cs->caplinks * sizeof(*l));
		if (l == NULL)
			return NULL;
		cs->links = l;
	}
	if ((cs->links[cs->nlinks].path = strdup(dst)) != NULL) {
		cs->links[cs->nlinks].dev = st->st_dev;
		cs->links[cs->nlinks].ino = st->st_ino;
		cs->nlinks++;
	}
	return NULL;
}

static int
copy_one(struct cpstate *cs, const struct fsu_ops *so, const char *src,
    const struct fsu_ops *to, const char *dst, bool top)
{
	char **names, s2[PATH_MAX], d2[PATH_MAX], lnk[PATH_MAX];
	const char *prev;
	struct stat st, dst_st;
	size_t n, i;
	ssize_t len;
	int status = 0;

	if ((cs->flags & CP_R ? so->lstat(src, &st) : so->stat(src, &st)) != 0) {
		fsu_err(src, errno);
		return 1;
	}
	if (cs->flags & CP_V)
		printf("%s -> %s\n", src, dst);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		if (!(cs->flags & CP_R)) {
			fsu_msg("%s: is a directory (not copied without -R)",
			    src);
			return 1;
		}
		if (to->mkdir(dst, (st.st_mode & 07777) | 0700) != 0 &&
		    (errno != EEXIST || to->stat(dst, &dst_st) != 0 ||
		    !S_ISDIR(dst_st.st_mode))) {
			fsu_err(dst, errno);
			return 1;
		}
		if (fsu_listdir(so, src, &names, &n) != 0) {
			fsu_err(src, errno);
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (fsu_join(s2, src, names[i]) != 0 ||
			    fsu_join(d2, dst, names[i]) != 0) {
				fsu_err(names[i], ENAMETOOLONG);
				status = 1;
				continue;
			}
			status |= copy_one(cs, so, s2, to, d2, false);
		}
		fsu_freelist(names, n);
		if (!(cs->flags & CP_P) && (st.st_mode & 0700) != 0700)
			to->chmod(dst, st.st_mode & 07777);
		break;
	case S_IFREG:
		if ((cs->flags & CP_P) && st.st_nlink > 1 &&
		    (prev = link_find(cs, &st, dst)) != NULL) {
			to->unlink(dst);
			if (to->link(prev, dst) != 0) {
				fsu_err(dst, errno);
				return 1;
			}
			return 0;
		}
		if (copy_data(cs, so, src, to, dst, st.st_mode & 07777) != 0)
			return 1;
		break;
	case S_IFLNK:
		if ((len = so->readlink(src, lnk, sizeof(lnk) - 1)) < 0) {
			fsu_err(src, errno);
			return 1;
		}
		lnk[len] = '\0';
		to->unlink(dst);
		if (to->symlink(lnk, dst) != 0) {
			fsu_err(dst, errno);
			return 1;
		}
		break;
	default:
		if (!(cs->flags & CP_R)) {
			fsu_msg("%s: not a regular file", src);
			return 1;
		}
		to->unlink(dst);
		if (to->mknod(dst, st.st_mode, st.st_rdev) != 0) {
			fsu_err(dst, errno);
			return 1;
		}
		break;
	}
	(void)top;
	preserve(cs, to, dst, &st);
	return status;
}

/* ":path" is in the image, "path" on the host. */
static const struct fsu_ops *
side(const char *arg, const char **path)
{
	if (arg[0] == ':') {
		*path = arg[1] != '\0' ? arg + 1 : "/";
		return &fsu_image;
	}
	*path = arg;
	return &fsu_host;
}

int
fsu_cp_main(int argc, char **argv)
{
	struct cpstate cs = { 0 };
	const struct fsu_ops *to, *so;
	const char *tpath, *spath;
	char dst[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	bool todir, anyimage;
	int ch, i, status = 0;
	size_t k;

	while ((ch = fsu_getopt(argc, argv, "aRrpv")) != -1) {
		switch (ch) {
		case 'a': cs.flags |= CP_R | CP_P; break;
		case 'R': case 'r': cs.flags |= CP_R; break;
		case 'p': cs.flags |= CP_P; break;
		case 'v': cs.flags |= CP_V; break;
		default: fsu_usage(NULL);
		}
	}
	if (argc - optind < 3)
		fsu_usage(NULL);
	anyimage = false;
	for (i = optind + 1; i < argc; i++)
		anyimage |= argv[i][0] == ':';
	if (!anyimage) {
		fsu_msg("source or target must be in the image (':path')");
		return 2;
	}
	/* Writes to the image only if the target is in it. */
	fsu_open(argc, argv, argv[argc - 1][0] == ':');
	if ((cs.buf = malloc(CP_BUFSIZE)) == NULL)
		return fsu_close(1);
	to = side(argv[argc - 1], &tpath);
	todir = argc - optind > 2 ||
	    (to->stat(tpath, &st) == 0 && S_ISDIR(st.st_mode));
	if (argc - optind > 2 && !todir) {
		fsu_msg("%s: not a directory", tpath);
		return fsu_close(1);
	}
	cs.tty = isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &cs.start);
	cs.last = cs.start;
	if (cs.tty)
		for (i = optind; i < argc - 1; i++) {
			so = side(argv[i], &spath);
			cs.total += tree_size(so, spath, cs.flags & CP_R);
		}
	for (i = optind; i < argc - 1; i++) {
		so = side(argv[i], &spath);
		if (todir) {
			snprintf(tmp, sizeof(tmp), "%s", spath);
			if (fsu_join(dst, tpath, basename(tmp)) != 0) {
				fsu_err(spath, ENAMETOOLONG);
				status = 1;
				continue;
			}
		} else
			snprintf(dst, sizeof(dst), "%s", tpath);
		status |= copy_one(&cs, so, spath, to, dst, true);
	}
	progress(&cs, true);
	for (k = 0; k < cs.nlinks; k++)
		free(cs.links[k].path);
	free(cs.links);
	free(cs.buf);
	return fsu_close(status);
}

int
fsu_mv_main(int argc, char **argv)
{
	char dst[PATH_MAX], tmp[PATH_MAX];
	const char *target;
	struct stat st;
	bool todir;
	int ch, i, status = 0;

	while ((ch = fsu_getopt(argc, argv, "")) != -1)
		fsu_usage(NULL);
	if (argc - optind < 3)
		fsu_usage(NULL);
	fsu_open(argc, argv, true);
	target = argv[argc - 1];
	todir = rump_sys_stat(target, &st) == 0 && S_ISDIR(st.st_mode);
	if (argc - optind > 2 && !todir) {
		fsu_msg("%s: not a directory", target);
		return fsu_close(1);
	}
	for (i = optind; i < argc - 1; i++) {
		if (todir) {
			snprintf(tmp, sizeof(tmp), "%s", argv[i]);
			if (fsu_join(dst, target, basename(tmp)) != 0) {
				fsu_err(argv[i], ENAMETOOLONG);
				status = 1;
				continue;
			}
		} else
			snprintf(dst, sizeof(dst), "%s", target);
		if (rump_sys_rename(argv[i], dst) != 0) {
			fsu_msg("%s -> %s: %s", argv[i], dst, strerror(errno));
			status = 1;
		}
	}
	return fsu_close(status);
}

int
fsu_cat_main(int argc, char **argv)
{
	static char buf[CP_BUFSIZE];
	ssize_t n;
	int ch, fd, status = 0;

	while ((ch = fsu_getopt(argc, argv, "")) != -1)
		fsu_usage(NULL);
	fsu_open(argc, argv, false);
	if (optind >= argc)
		fsu_usage(NULL);
	for (; optind < argc; optind++) {
		if ((fd = rump_sys_open(argv[optind], O_RDONLY, 0)) < 0) {
			fsu_err(argv[optind], errno);
			status = 1;
			continue;
		}
		while ((n = rump_sys_read(fd, buf, sizeof(buf))) > 0)
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
				fsu_err("stdout", errno);
				status = 1;
				break;
			}
		if (n < 0) {
			fsu_err(argv[optind], errno);
			status = 1;
		}
		rump_sys_close(fd);
	}
	return fsu_close(status);
}

int
fsu_write_main(int argc, char **argv)
{
	static char buf[CP_BUFSIZE];
	int ch, fd, flags = O_WRONLY | O_CREAT | O_TRUNC, status = 0;
	ssize_t n, w, off;

	while ((ch = fsu_getopt(argc, argv, "a")) != -1) {
		if (ch != 'a')
			fsu_usage(NULL);
		flags = O_WRONLY | O_CREAT | O_APPEND;
	}
	if (argc - optind != 2)
		fsu_usage(NULL);
	fsu_open(argc, argv, true);
	if ((fd = rump_sys_open(argv[optind], flags, 0644)) < 0) {
		fsu_err(argv[optind], errno);
		return fsu_close(1);
	}
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fsu_err("stdin", errno);
			status = 1;
			break;
		}
		for (off = 0; off < n; off += w)
			if ((w = rump_sys_write(fd, buf + off,
			    (size_t)(n - off))) < 0) {
				fsu_err(argv[optind], errno);
				status = 1;
				goto out;
			}
	}
out:
	if (rump_sys_close(fd) != 0 && status == 0) {
		fsu_err(argv[optind], errno);
		status = 1;
	}
	return fsu_close(status);
}

/* fsu_diff */

struct diffopt {
	bool quiet, attrs;
	int status;                        /* 0 same, 1 differ, 2 trouble */
};

static void
differ(struct diffopt *d, const char *fmt, const char *a, const char *b)
{
	if (d->status < 1)
		d->status = 1;
	if (!d->quiet) {
		printf(fmt, a, b);
		putchar('\n');
	}
}

static int
same_data(const char *ipath, const char *hpath)
{
	static char b1[65536], b2[65536];
	ssize_t n1, n2, got;
	int f1, f2, r = 1;

	if ((f1 = rump_sys_open(ipath, O_RDONLY, 0)) < 0)
		return -1;
	if ((f2 = open(hpath, O_RDONLY | O_CLOEXEC)) < 0) {
		rump_sys_close(f1);
		return -1;
	}
	for (;;) {
		n1 = rump_sys_read(f1, b1, sizeof(b1));
		if (n1 < 0) {
			r = -1;
			break;
		}
		for (n2 = 0; n2 < n1; n2 += got) {
			got = read(f2, b2 + n2, (size_t)(n1 - n2));
			if (got <= 0)
				break;
		}
		if (got < 0) {
			r = -1;
			break;
		}
		if (n1 == 0) {
			r = read(f2, b2, 1) == 0;
			break;
		}
		if (n2 != n1 || memcmp(b1, b2, (size_t)n1) != 0) {
			r = 0;
			break;
		}
	}
	rump_sys_close(f1);
	close(f2);
	return r;
}

static const char *
kind(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "regular file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symbolic link";
	case S_IFCHR: return "character special file";
	case S_IFBLK: return "block special file";
	case S_IFIFO: return "fifo";
	default: return "socket";
	}
}

static void
diff_walk(struct diffopt *d, const char *ip, const char *hp)
{
	char **in, **hn, a[PATH_MAX], b[PATH_MAX], l1[PATH_MAX], l2[PATH_MAX];
	struct stat is, hs;
	size_t ni, nh, i, j;
	ssize_t n1, n2;
	int c, r;

	if (rump_sys_lstat(ip, &is) != 0) {
		fsu_err(ip, errno);
		d->status = 2;
		return;
	}
	if (lstat(hp, &hs) != 0) {
		fsu_err(hp, errno);
		d->status = 2;
		return;
	}
	if ((is.st_mode & S_IFMT) != (hs.st_mode & S_IFMT)) {
		if (d->status < 1)
			d->status = 1;
		if (!d->quiet)
			printf("File %s is a %s while file %s is a %s\n", ip,
			    kind(is.st_mode), hp, kind(hs.st_mode));
		return;
	}
	if (d->attrs && ((!S_ISLNK(is.st_mode) &&
	    (is.st_mode & 07777) != (hs.st_mode & 07777)) ||
	    is.st_uid != hs.st_uid || is.st_gid != hs.st_gid ||
	    (!S_ISDIR(is.st_mode) && is.st_mtime != hs.st_mtime)))
		differ(d, "Attributes of %s and %s differ", ip, hp);
	if (S_ISREG(is.st_mode)) {
		r = is.st_size != hs.st_size ? 0 : same_data(ip, hp);
		if (r < 0) {
			fsu_msg("%s or %s: %s", ip, hp, strerror(errno));
			d->status = 2;
		} else if (r == 0)
			differ(d, "Files %s and %s differ", ip, hp);
		return;
	}
	if (S_ISLNK(is.st_mode)) {
		n1 = rump_sys_readlink(ip, l1, sizeof(l1) - 1);
		n2 = readlink(hp, l2, sizeof(l2) - 1);
		if (n1 < 0 || n2 < 0) {
			d->status = 2;
			return;
		}
		l1[n1] = l2[n2] = '\0';
		if (strcmp(l1, l2) != 0)
			differ(d, "Symbolic links %s and %s differ", ip, hp);
		return;
	}
	if (S_ISCHR(is.st_mode) || S_ISBLK(is.st_mode)) {
		if (is.st_rdev != hs.st_rdev)
			differ(d, "Devices %s and %s differ", ip, hp);
		return;
	}
	if (!S_ISDIR(is.st_mode))
		return;
	if (fsu_listdir(&fsu_image, ip, &in, &ni) != 0) {
		fsu_err(ip, errno);
		d->status = 2;
		return;
	}
	if (fsu_listdir(&fsu_host, hp, &hn, &nh) != 0) {
		fsu_err(hp, errno);
		fsu_freelist(in, ni);
		d->status = 2;
		return;
	}
	for (i = j = 0; i < ni || j < nh;) {
		c = i == ni ? 1 : j == nh ? -1 : strcmp(in[i], hn[j]);
		if (c < 0) {
			differ(d, "Only in %s: %s", ip, in[i++]);
		} else if (c > 0) {
			differ(d, "Only in %s: %s", hp, hn[j++]);
		} else {
			if (fsu_join(a, ip, in[i]) == 0 &&
			    fsu_join(b, hp, hn[j]) == 0)
				diff_walk(d, a, b);
			i++;
			j++;
		}
	}
	fsu_freelist(in, ni);
	fsu_freelist(hn, nh);
}

int
fsu_diff_main(int argc, char **argv)
{
	struct diffopt d = { 0 };
	int ch;

	while ((ch = fsu_getopt(argc, argv, "pq")) != -1) {
		switch (ch) {
		case 'p': d.attrs = true; break;
		case 'q': d.quiet = true; break;
		default: fsu_usage(NULL);
		}
	}
	if (argc - optind != 3)
		fsu_usage(NULL);
	fsu_open(argc, argv, false);
	diff_walk(&d, argv[optind], argv[optind + 1]);
	return fsu_close(d.status);
}
