/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_ls.c: the commands that look at an image without changing it:
 * fsu_ls, fsu_stat, fsu_find, fsu_du, fsu_df.  Their output follows the
 * GNU tools' in the C locale (ls -1 / ls -l, stat -c, find, du, df), so
 * that tests can compare the two.
 */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "fsu.h"

static const char *
username(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		return pw->pw_name;
	snprintf(buf, len, "%u", (unsigned)uid);
	return buf;
}

static const char *
groupname(gid_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		return gr->gr_name;
	snprintf(buf, len, "%u", (unsigned)gid);
	return buf;
}

/* fsu_ls */

#define LS_A 0x01
#define LS_L 0x02
#define LS_R 0x04
#define LS_I 0x08
#define LS_D 0x10

struct lsent {
	char *name;
	struct stat st;
	char link[PATH_MAX];
};

static int
numwidth(uintmax_t v)
{
	int w = 1;

	while (v >= 10) {
		v /= 10;
		w++;
	}
	return w;
}

static void
ls_print(const char *dir, struct lsent *ents, size_t n, int flags,
    bool total)
{
	int wl = 1, wu = 1, wg = 1, ws = 1, wi = 1, w;
	char ub[32], gb[32], mb[11], tb[32];
	uintmax_t blocks = 0;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	for (i = 0; i < n; i++) {
		struct stat *st = &ents[i].st;

		blocks += (uintmax_t)st->st_blocks;
		if ((w = numwidth(st->st_nlink)) > wl)
			wl = w;
		if ((w = (int)strlen(username(st->st_uid, ub, 32))) > wu)
			wu = w;
		if ((w = (int)strlen(groupname(st->st_gid, gb, 32))) > wg)
			wg = w;
		if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
			w = numwidth(major(st->st_rdev)) +
			    numwidth(minor(st->st_rdev)) + 2;
		else
			w = numwidth((uintmax_t)st->st_size);
		if (w > ws)
			ws = w;
		if ((w = numwidth(st->st_ino)) > wi)
			wi = w;
	}
	if ((flags & LS_L) && total)
		printf("total %ju\n", blocks / 2);
	for (i = 0; i < n; i++) {
		struct stat *st = &ents[i].st;

		if (flags & LS_I)
			printf("%*ju ", (flags & LS_L) ? wi : 0,
			    (uintmax_t)st->st_ino);
		if (!(flags & LS_L)) {
			printf("%s\n", ents[i].name);
			continue;
		}
		fsu_modestr(st->st_mode, mb);
		printf("%s %*ju %-*s %-*s ", mb, wl, (uintmax_t)st->st_nlink,
		    wu, username(st->st_uid, ub, 32), wg,
		    groupname(st->st_gid, gb, 32));
		if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
			char dev[48];

			snprintf(dev, sizeof(dev), "%u, %u",
			    major(st->st_rdev), minor(st->st_rdev));
			printf("%*s ", ws, dev);
		} else
			printf("%*jd ", ws, (intmax_t)st->st_size);
		localtime_r(&st->st_mtime, &tm);
		if (st->st_mtime > now - 15778476 && st->st_mtime <= now)
			strftime(tb, sizeof(tb), "%b %e %H:%M", &tm);
		else
			strftime(tb, sizeof(tb), "%b %e  %Y", &tm);
		printf("%s %s", tb, ents[i].name);
		if (S_ISLNK(st->st_mode))
			printf(" -> %s", ents[i].link);
		printf("\n");
	}
	(void)dir;
}

static void
lsent_fill(struct lsent *e, const char *path, const char *name)
{
	ssize_t n;

	e->name = strdup(name);
	e->link[0] = '\0';
	if (S_ISLNK(e->st.st_mode) &&
	    (n = rump_sys_readlink(path, e->link, sizeof(e->link) - 1)) >= 0)
		e->link[n] = '\0';
}

static int
ls_dir(const char *dir, int flags, bool header, bool *first)
{
	char **names = NULL, path[PATH_MAX];
	struct lsent *ents = NULL;
	size_t n, i, k = 0;
	int status = 0;

	if (fsu_listdir(&fsu_image, dir, &names, &n) != 0) {
		fsu_err(dir, errno);
		return 1;
	}
	if ((ents = calloc(n + 2, sizeof(*ents))) == NULL) {
		fsu_freelist(names, n);
		fsu_err(dir, ENOMEM);
		return 1;
	}
	if (flags & LS_A) {
		static const char *const dots[] = { ".", ".." };

		for (i = 0; i < 2; i++) {
			fsu_join(path, dir, dots[i]);
			if (rump_sys_lstat(path, &ents[k].st) == 0)
				lsent_fill(&ents[k++], path, dots[i]);
		}
	}
	for (i = 0; i < n; i++) {
		if (names[i][0] == '.' && !(flags & LS_A))
			continue;
		if (fsu_join(path, dir, names[i]) != 0 ||
		    rump_sys_lstat(path, &ents[k].st) != 0) {
			fsu_err(path, errno);
			status = 1;
			continue;
		}
		lsent_fill(&ents[k++], path, names[i]);
	}
	if (header) {
		if (!*first)
			printf("\n");
		printf("%s:\n", dir);
	}
	*first = false;
	ls_print(dir, ents, k, flags, true);
	if (flags & LS_R) {
		for (i = 0; i < k; i++) {
			if (!S_ISDIR(ents[i].st.st_mode) ||
			    strcmp(ents[i].name, ".") == 0 ||
			    strcmp(ents[i].name, "..") == 0)
				continue;
			fsu_join(path, dir, ents[i].name);
			status |= ls_dir(path, flags, true, first);
		}
	}
	for (i = 0; i < k; i++)
		free(ents[i].name);
	free(ents);
	fsu_freelist(names, n);
	return status;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fsu_ls_main(int argc, char **argv)
{
	struct lsent *files;
	int ch, flags = 0, status = 0, i, nf = 0, nd = 0;
	bool first = true;
	char *def[] = { "/" };
	char **paths;
	int npaths;

	while ((ch = fsu_getopt(argc, argv, "adilR")) != -1) {
		switch (ch) {
		case 'a': flags |= LS_A; break;
		case 'd': flags |= LS_D; break;
		case 'i': flags |= LS_I; break;
		case 'l': flags |= LS_L; break;
		case 'R': flags |= LS_R; break;
		default: fsu_usage(NULL);
		}
	}
	fsu_open(argc, argv, false);
	paths = optind < argc ? argv + optind : def;
	npaths = optind < argc ? argc - optind : 1;
	if ((files = calloc((size_t)npaths, sizeof(*files))) == NULL)
		return fsu_close(1);
	/* Operands in name order, as ls gives them. */
	qsort(paths, (size_t)npaths, sizeof(*paths), cmpstr);
	/* Files first, then directories, as ls does. */
	for (i = 0; i < npaths; i++) {
		struct stat st;

		if (rump_sys_lstat(paths[i], &st) != 0) {
			fsu_err(paths[i], errno);
			status = 1;
			paths[i] = NULL;
			continue;
		}
		if (S_ISDIR(st.st_mode) && !(flags & LS_D)) {
			nd++;
			continue;
		}
		files[nf].st = st;
		lsent_fill(&files[nf++], paths[i], paths[i]);
		paths[i] = NULL;
	}
	ls_print(".", files, (size_t)nf, flags, false);
	if (nf > 0)
		first = false;
	for (i = 0; i < npaths; i++)
		if (paths[i] != NULL)
			status |= ls_dir(paths[i], flags,
			    npaths > 1 || (flags & LS_R), &first);
	for (i = 0; i < nf; i++)
		free(files[i].name);
	free(files);
	return fsu_close(status);
}

/* fsu_stat */

static const char *
typestr(mode_t m, off_t size)
{
	switch (m & S_IFMT) {
	case S_IFREG: return size == 0 ? "regular empty file" : "regular file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symbolic link";
	case S_IFCHR: return "character special file";
	case S_IFBLK: return "block special file";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "weird file";
	}
}

static void
timestr(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char a[40], z[8];

	localtime_r(&ts->tv_sec, &tm);
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(z, sizeof(z), "%z", &tm);
	snprintf(buf, len, "%s.%09ld %s", a, ts->tv_nsec, z);
}

static void
stat_format(const char *fmt, const char *path, const struct stat *st)
{
	char b[PATH_MAX + 64], ub[32];
	const char *p;
	ssize_t n;

	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			putchar(*p);
			continue;
		}
		switch (*++p) {
		case 'n': fputs(path, stdout); break;
		case 'N':
			printf("'%s'", path);
			if (S_ISLNK(st->st_mode) && (n = rump_sys_readlink(path,
			    b, sizeof(b) - 1)) >= 0) {
				b[n] = '\0';
				printf(" -> '%s'", b);
			}
			break;
		case 's': printf("%jd", (intmax_t)st->st_size); break;
		case 'b': printf("%jd", (intmax_t)st->st_blocks); break;
		case 'B': printf("512"); break;
		case 'o': printf("%ld", (long)st->st_blksize); break;
		case 'f': printf("%x", (unsigned)st->st_mode); break;
		case 'a': printf("%o", (unsigned)st->st_mode & 07777); break;
		case 'A': fsu_modestr(st->st_mode, b); fputs(b, stdout); break;
		case 'F': fputs(typestr(st->st_mode, st->st_size), stdout);
			break;
		case 'u': printf("%u", (unsigned)st->st_uid); break;
		case 'U': fputs(username(st->st_uid, ub, 32), stdout); break;
		case 'g': printf("%u", (unsigned)st->st_gid); break;
		case 'G': fputs(groupname(st->st_gid, ub, 32), stdout); break;
		case 'h': printf("%ju", (uintmax_t)st->st_nlink); break;
		case 'i': printf("%ju", (uintmax_t)st->st_ino); break;
		case 't': printf("%x", major(st->st_rdev)); break;
		case 'T': printf("%x", minor(st->st_rdev)); break;
		case 'X': printf("%jd", (intmax_t)st->st_atime); break;
		case 'Y': printf("%jd", (intmax_t)st->st_mtime); break;
		case 'Z': printf("%jd", (intmax_t)st->st_ctime); break;
		case 'x': timestr(&st->st_atim, b, sizeof(b)); fputs(b, stdout);
			break;
		case 'y': timestr(&st->st_mtim, b, sizeof(b)); fputs(b, stdout);
			break;
		case 'z': timestr(&st->st_ctim, b, sizeof(b)); fputs(b, stdout);
			break;
		case '%': putchar('%'); break;
		default: putchar('%'); putchar(*p); break;
		}
	}
	putchar('\n');
}

#define STAT_DEFAULT "  File: %N\n  Size: %s\tBlocks: %b\tIO Block: %o\t%F" \
	"\nInode: %i\tLinks: %h\nAccess: (%a/%A)  Uid: (%u/%U)   Gid: (%g/%G)" \
	"\nAccess: %x\nModify: %y\nChange: %z"

int
fsu_stat_main(int argc, char **argv)
{
	const char *fmt = STAT_DEFAULT;
	bool follow = false;
	struct stat st;
	int ch, status = 0;

	while ((ch = fsu_getopt(argc, argv, "Lc:")) != -1) {
		switch (ch) {
		case 'L': follow = true; break;
		case 'c': fmt = optarg; break;
		default: fsu_usage(NULL);
		}
	}
	fsu_open(argc, argv, false);
	if (optind >= argc)
		fsu_usage(NULL);
	for (; optind < argc; optind++) {
		if ((follow ? rump_sys_stat(argv[optind], &st) :
		    rump_sys_lstat(argv[optind], &st)) != 0) {
			fsu_err(argv[optind], errno);
			status = 1;
			continue;
		}
		stat_format(fmt, argv[optind], &st);
	}
	return fsu_close(status);
}

/* fsu_find */

struct findexpr {
	const char *name;
	char type;
	int sizecmp;                       /* -1, 0, +1 */
	uintmax_t size, unit;
	int maxdepth;
};

static bool
find_match(const struct findexpr *fx, const char *name, const struct stat *st)
{
	uintmax_t units;

	if (fx->name != NULL && fnmatch(fx->name, name, 0) != 0)
		return false;
	if (fx->type != 0) {
		mode_t t = st->st_mode & S_IFMT;
		static const struct { char c; mode_t t; } types[] = {
			{ 'f', S_IFREG }, { 'd', S_IFDIR }, { 'l', S_IFLNK },
			{ 'b', S_IFBLK }, { 'c', S_IFCHR }, { 'p', S_IFIFO },
			{ 's', S_IFSOCK },
		};
		size_t i;

		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (types[i].c == fx->type)
				break;
		if (i == sizeof(types) / sizeof(types[0]) || types[i].t != t)
			return false;
	}
	if (fx->unit != 0) {
		/* find rounds the size up to whole units. */
		units = ((uintmax_t)st->st_size + fx->unit - 1) / fx->unit;
		if (fx->sizecmp == 0 && units != fx->size)
			return false;
		if (fx->sizecmp > 0 && units <= fx->size)
			return false;
		if (fx->sizecmp < 0 && units >= fx->size)
			return false;
	}
	return true;
}

static int
find_walk(const struct findexpr *fx, const char *path, const char *name,
    int depth)
{
	char **names, sub[PATH_MAX];
	struct stat st;
	size_t n, i;
	int status = 0;

	if (rump_sys_lstat(path, &st) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	if (find_match(fx, name, &st))
		printf("%s\n", path);
	if (!S_ISDIR(st.st_mode) || (fx->maxdepth >= 0 && depth >= fx->maxdepth))
		return 0;
	if (fsu_listdir(&fsu_image, path, &names, &n) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (fsu_join(sub, path, names[i]) != 0) {
			fsu_err(names[i], errno);
			status = 1;
			continue;
		}
		status |= find_walk(fx, sub, names[i], depth + 1);
	}
	fsu_freelist(names, n);
	return status;
}

int
fsu_find_main(int argc, char **argv)
{
	struct findexpr fx = { .maxdepth = -1 };
	int ch, first, status = 0, i;
	const char *s;
	char *end;

	while ((ch = fsu_getopt(argc, argv, "+")) != -1)
		fsu_usage(NULL);
	fsu_open(argc, argv, false);
	first = optind;
	while (optind < argc && argv[optind][0] != '-')
		optind++;
	for (i = optind; i < argc; i++) {
		if (i + 1 >= argc)
			goto bad;
		s = argv[i + 1];
		if (strcmp(argv[i], "-name") == 0)
			fx.name = s;
		else if (strcmp(argv[i], "-type") == 0 && strlen(s) == 1 &&
		    strchr("fdlbcps", s[0]) != NULL)
			fx.type = s[0];
		else if (strcmp(argv[i], "-maxdepth") == 0)
			fx.maxdepth = atoi(s);
		else if (strcmp(argv[i], "-size") == 0) {
			fx.sizecmp = *s == '+' ? 1 : *s == '-' ? -1 : 0;
			if (*s == '+' || *s == '-')
				s++;
			fx.size = strtoumax(s, &end, 10);
			if (end == s)
				goto bad;
			switch (*end) {
			case '\0': case 'b': fx.unit = 512; break;
			case 'c': fx.unit = 1; break;
			case 'w': fx.unit = 2; break;
			case 'k': fx.unit = 1024; break;
			case 'M': fx.unit = 1024 * 1024; break;
			case 'G': fx.unit = 1024 * 1024 * 1024; break;
			default: goto bad;
			}
			if (*end != '\0' && end[1] != '\0')
				goto bad;
		} else
			goto bad;
		i++;
	}
	if (first == optind)
		status = find_walk(&fx, "/", "/", 0);
	for (i = first; i < optind; i++)
		status |= find_walk(&fx, argv[i], argv[i], 0);
	return fsu_close(status);
bad:
	fsu_msg("bad expression at %s", argv[i]);
	return fsu_close(2);
}

/* fsu_du */

static void
human(uintmax_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%ju", bytes);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	/* Round up, as du -h and df -h do: one decimal below 10. */
	if (v < 10) {
		double c = (double)(uintmax_t)(v * 10);

		if (c < v * 10)
			c += 1;
		if (c < 100) {
			snprintf(buf, len, "%.1f%c", c / 10, units[u]);
			return;
		}
		v = c / 10;
	}
	{
		double c = (double)(uintmax_t)v;

		if (c < v)
			c += 1;
		snprintf(buf, len, "%.0f%c", c, units[u]);
	}
}

struct dusum {
	bool all, summary, human;
	uintmax_t *seen;                   /* inodes with nlink > 1 */
	size_t nseen, capseen;
};

static void
du_print(const struct dusum *ds, uintmax_t blocks, const char *path)
{
	char b[32];

	if (ds->human) {
		human(blocks * 512, b, sizeof(b));
		printf("%s\t%s\n", b, path);
	} else
		printf("%ju\t%s\n", (blocks + 1) / 2, path);
}

static bool
du_seen(struct dusum *ds, uintmax_t ino)
{
	uintmax_t *n;
	size_t i;

	for (i = 0; i < ds->nseen; i++)
		if (ds->seen[i] == ino)
			return true;
	if (ds->nseen == ds->capseen) {
		ds->capseen = ds->capseen ? ds->capseen * 2 : 64;
		n = realloc(ds->seen, ds->capseen * sizeof(*n));
		if (n == NULL)
			return false;
		ds->seen = n;
	}
	ds->seen[ds->nseen++] = ino;
	return false;
}

static int
du_walk(struct dusum *ds, const char *path, int depth, uintmax_t *total)
{
	char **names, sub[PATH_MAX];
	uintmax_t sum;
	struct stat st;
	size_t n, i;
	int status = 0;

	if (rump_sys_lstat(path, &st) != 0) {
		fsu_err(path, errno);
		return 1;
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && du_seen(ds, st.st_ino))
		return 0;
	sum = (uintmax_t)st.st_blocks;
	if (S_ISDIR(st.st_mode)) {
		if (fsu_listdir(&fsu_image, path, &names, &n) != 0) {
			fsu_err(path, errno);
			status = 1;
		} else {
			for (i = 0; i < n; i++) {
				if (fsu_join(sub, path, names[i]) != 0)
					continue;
				status |= du_walk(ds, sub, depth + 1, &sum);
			}
			fsu_freelist(names, n);
		}
	}
	if (depth == 0 || (!ds->summary && (S_ISDIR(st.st_mode) || ds->all)))
		du_print(ds, sum, path);
	*total += sum;
	return status;
}

int
fsu_du_main(int argc, char **argv)
{
	struct dusum ds = { 0 };
	uintmax_t total = 0;
	int ch, status = 0;

	while ((ch = fsu_getopt(argc, argv, "ahks")) != -1) {
		switch (ch) {
		case 'a': ds.all = true; break;
		case 'h': ds.human = true; break;
		case 'k': ds.human = false; break;
		case 's': ds.summary = true; break;
		default: fsu_usage(NULL);
		}
	}
	fsu_open(argc, argv, false);
	if (optind >= argc)
		status = du_walk(&ds, "/", 0, &total);
	for (; optind < argc; optind++)
		status |= du_walk(&ds, argv[optind], 0, &total);
	free(ds.seen);
	return fsu_close(status);
}

/* fsu_df */

int
fsu_df_main(int argc, char **argv)
{
	bool hum = false, inodes = false;
	char b1[32], b2[32], b3[32];
	uintmax_t bs, total, used, avail, pct;
	struct statfs sf;
	int ch;
	const char *image;

	while ((ch = fsu_getopt(argc, argv, "hi")) != -1) {
		switch (ch) {
		case 'h': hum = true; break;
		case 'i': inodes = true; break;
		default: fsu_usage(NULL);
		}
	}
	image = optind < argc ? argv[optind] : "";
	fsu_open(argc, argv, false);
	if (rump_sys_statfs("/", &sf) != 0) {
		fsu_err("/", errno);
		return fsu_close(1);
	}
	bs = sf.f_frsize ? (uintmax_t)sf.f_frsize : (uintmax_t)sf.f_bsize;
	if (inodes) {
		total = sf.f_files;
		used = sf.f_files - sf.f_ffree;
		avail = sf.f_ffree;
		pct = total ? (used * 100 + total - 1) / total : 0;
		printf("Filesystem Inodes IUsed IFree IUse%% Mounted on\n");
		printf("%s %ju %ju %ju %ju%% /\n", image, total, used, avail,
		    pct);
		return fsu_close(0);
	}
	total = sf.f_blocks * bs;
	used = (sf.f_blocks - sf.f_bfree) * bs;
	avail = sf.f_bavail * bs;
	pct = used + avail ? (used * 100 + used + avail - 1) / (used + avail) :
	    0;
	if (hum) {
		human(total, b1, sizeof(b1));
		human(used, b2, sizeof(b2));
		human(avail, b3, sizeof(b3));
		printf("Filesystem Size Used Avail Use%% Mounted on\n");
		printf("%s %s %s %s %ju%% /\n", image, b1, b2, b3, pct);
	} else {
		printf("Filesystem 1K-blocks Used Available Use%% Mounted on\n");
		printf("%s %ju %ju %ju %ju%% /\n", image, total / 1024,
		    used / 1024, avail / 1024, pct);
	}
	return fsu_close(0);
}
