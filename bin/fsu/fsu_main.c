/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_main.c: the fs-utils program: command dispatch on the program name
 * (fsu_ls) or the first argument (fsu ls), the options all commands share,
 * and mounting and unmounting the image around a command.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "fsu.h"
#include "rumpfsu.h"

const char *fsu_prog = "fsu";
static const char *fsu_fstype, *fsu_mopts;
static struct rumpfsu_mount fsu_mount;
static bool fsu_inside;

static const struct {
	const char *name;
	int (*main)(int, char **);
	const char *args;
} fsu_cmds[] = {
	{ "ls", fsu_ls_main, "[-adilR] [path ...]" },
	{ "cat", fsu_cat_main, "path ..." },
	{ "cp", fsu_cp_main,
	    "[-aRpv] source ... target  (image paths start with ':')" },
	{ "mv", fsu_mv_main, "source ... target" },
	{ "rm", fsu_rm_main, "[-fr] path ..." },
	{ "mkdir", fsu_mkdir_main, "[-p] [-m mode] dir ..." },
	{ "rmdir", fsu_rmdir_main, "dir ..." },
	{ "ln", fsu_ln_main, "[-s] target linkname" },
	{ "chmod", fsu_chmod_main, "[-R] mode path ..." },
	{ "chown", fsu_chown_main, "[-Rh] owner[:group] path ..." },
	{ "touch", fsu_touch_main, "[-acm] [-d @seconds] path ..." },
	{ "stat", fsu_stat_main, "[-L] [-c format] path ..." },
	{ "df", fsu_df_main, "[-hi]" },
	{ "du", fsu_du_main, "[-ahsk] [path ...]" },
	{ "find", fsu_find_main,
	    "[path ...] [-name pattern] [-type c] [-size [+-]n[ckMG]]" },
	{ "write", fsu_write_main, "[-a] path  < data" },
	{ "diff", fsu_diff_main, "[-pq] image-path host-path" },
};

void
fsu_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", fsu_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
fsu_err(const char *path, int error)
{
	fsu_msg("%s: %s", path, strerror(error));
}

static const char *fsu_args;

void
fsu_usage(const char *args)
{
	fprintf(stderr, "usage: %s [-t fstype] [-o options] image[:partition]"
	    " %s\n", fsu_prog, args != NULL ? args : fsu_args);
	exit(2);
}

int
fsu_getopt(int argc, char **argv, const char *opts)
{
	char all[64];
	int ch;

	snprintf(all, sizeof(all), "%s%st:o:", opts[0] == '+' ? "+" : "",
	    opts[0] == '+' ? opts + 1 : opts);
	opterr = 0;
	for (;;) {
		ch = getopt(argc, argv, all);
		if (ch == '?' || ch == ':')
			fsu_usage(NULL);
		if (ch == 't')
			fsu_fstype = optarg;
		else if (ch == 'o')
			fsu_mopts = optarg;
		else
			return ch;
	}
}

int
fsu_open(int argc, char **argv, bool rw)
{
	char err[512];
	int error;

	if (optind >= argc)
		fsu_usage(NULL);
	if (rumpfsu_mount(&fsu_mount, argv[optind], fsu_fstype, fsu_mopts,
	    rw ? 0 : RUMPFSU_RDONLY, err, sizeof(err)) != 0) {
		fsu_msg("%s", err);
		exit(1);
	}
	optind++;
	/* A process of our own, its root the image's root. */
	if ((error = rump_lwproc_rfork(RUMP_RFFDG)) != 0 ||
	    (rump_sys_chroot(RUMPFSU_MNT) != 0 && (error = errno) != 0) ||
	    (rump_sys_chdir("/") != 0 && (error = errno) != 0)) {
		fsu_msg("cannot enter the image: %s", strerror(error));
		rumpfsu_unmount(&fsu_mount, NULL, 0);
		exit(1);
	}
	fsu_inside = true;
	return 0;
}

int
fsu_close(int status)
{
	char err[512];

	if (fflush(stdout) != 0) {
		fsu_msg("stdout: %s", strerror(errno));
		status = 1;
	}
	if (fsu_inside) {
		rump_lwproc_releaselwp();
		fsu_inside = false;
	}
	if (rumpfsu_unmount(&fsu_mount, err, sizeof(err)) != 0) {
		fsu_msg("%s", err);
		status = 1;
	}
	return status;
}

int
main(int argc, char **argv)
{
	static char progbuf[64];
	const char *name;
	size_t i;

	name = basename(argv[0]);
	if (strncmp(name, "fsu_", 4) == 0)
		name += 4;
	else if (argc >= 2) {
		name = argv[1];
		argv++;
		argc--;
	} else {
		fprintf(stderr, "usage: fsu command [-t fstype] image "
		    "[arguments], or fsu_command ...\n");
		return 2;
	}
	for (i = 0; i < sizeof(fsu_cmds) / sizeof(fsu_cmds[0]); i++) {
		if (strcmp(name, fsu_cmds[i].name) != 0)
			continue;
		snprintf(progbuf, sizeof(progbuf), "fsu_%s", name);
		fsu_prog = progbuf;
		fsu_args = fsu_cmds[i].args;
		return fsu_cmds[i].main(argc, argv);
	}
	fprintf(stderr, "fsu: %s: unknown command\n", name);
	return 2;
}
