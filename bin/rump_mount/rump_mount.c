/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_mount.c: mount a disk image's file system on the host through FUSE,
 * with the file system code running in an in-process rump kernel.
 *
 *	rump_mount [-t fstype] [-o opts] [-r memlimit] [-f] [-d]
 *	    image[:partition] mountpoint
 *	rump_ext2fs [-o opts] ... image mountpoint   (-t from the name)
 *
 * Start-up: without -f the program forks at once, before the kernel boots
 * (a kernel's threads would not survive a later fork); the child boots,
 * mounts the image and the FUSE file system and then tells the parent,
 * over a pipe, either "ok" or its one-line error, which the parent
 * prints; the parent's exit status is the mount's.
 *
 * Shut-down: fusermount3 -u, umount, or SIGINT/SIGTERM/SIGHUP end the
 * FUSE loop; then every descriptor the bridge still holds is closed, the
 * rump file system is synced and unmounted, and the exit status is 0 only
 * if that unmount succeeded.
 *
 * The operations are in rump_mount_ops.c, the node table in
 * rump_mount_node.c; see rump_mount(8).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "rump_mount.h"
#include "rumpfsu.h"

static const char *progname;

static void
usage(bool fixedtype)
{
	fprintf(stderr, "usage: %s %s[-o options] [-r memlimit] [-f] [-d] "
	    "image[:partition] mountpoint\n", progname,
	    fixedtype ? "" : "[-t fstype] ");
	exit(2);
}

/* FUSE's own mount options; everything else goes to the rump mount. */
static bool
fuse_option(const char *o)
{
	static const char *const names[] = {
		"allow_other", "allow_root", "auto_unmount",
		"default_permissions", "fsname=", "subtype=", "max_read=",
		"blkdev", "blksize=", "nonempty", "dev", "nodev", "suid",
		"nosuid", "exec", "noexec", "atime", "noatime", "sync",
		"async", "dirsync", "context=", "fscontext=", "defcontext=",
		"rootcontext=", "max_threads=", "max_idle_threads=",
	};
	size_t i, len;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = strlen(names[i]);
		if (names[i][len - 1] == '=' ? strncmp(o, names[i], len) == 0 :
		    strcmp(o, names[i]) == 0)
			return true;
	}
	return false;
}

struct rmopts {
	const char *fstype;
	char fuseopts[1024];
	char rumpopts[1024];
	bool rdonly;
	bool writeback;
	bool nosplice;
	bool nowbehind;
	unsigned maxthreads;
	long readahead;                    /* KiB; negative: the host's */
};

static void
addopt(char *buf, size_t len, const char *o)
{
	size_t cur = strlen(buf);

	if (snprintf(buf + cur, len - cur, "%s%s", cur ? "," : "", o) >=
	    (int)(len - cur)) {
		fprintf(stderr, "%s: options too long\n", progname);
		exit(2);
	}
}

static void
parse_opts(struct rmopts *ro, char *s)
{
	char *o, *save = NULL;

	for (o = strtok_r(s, ",", &save); o != NULL;
	    o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "ro") == 0)
			ro->rdonly = true;
		else if (strcmp(o, "rw") == 0)
			ro->rdonly = false;
		else if (strcmp(o, "writeback_cache") == 0)
			ro->writeback = true;
		else if (strcmp(o, "nosplice") == 0)
			ro->nosplice = true;
		else if (strcmp(o, "nowrite_behind") == 0)
			ro->nowbehind = true;
		else if (strncmp(o, "timeout=", 8) == 0)
			rm_timeout = atof(o + 8);
		else if (strncmp(o, "max_threads=", 12) == 0)
			ro->maxthreads = (unsigned)atoi(o + 12);
		else if (strncmp(o, "read_ahead=", 11) == 0)
			ro->readahead = atol(o + 11);
		else if (strncmp(o, "spin=", 5) == 0) {
			char *end;
			long v = strtol(o + 5, &end, 10);

			if (o[5] == '\0' || *end != '\0' || v < 0 ||
			    v > 100000) {
				fprintf(stderr, "%s: spin=%s: not a number of "
				    "microseconds from 0 to 100000\n", progname,
				    o + 5);
				exit(2);
			}
			rm_spin_us = v;
		}
		else if (fuse_option(o)) {
			/* libfuse wants init() to ask for the same again */
			if (strncmp(o, "max_read=", 9) == 0)
				rm_max_read = (unsigned)strtoul(o + 9, NULL, 0);
			addopt(ro->fuseopts, sizeof(ro->fuseopts), o);
		}
		else
			addopt(ro->rumpopts, sizeof(ro->rumpopts), o);
	}
}

struct rmra {
	const char *ra_mnt;                /* canonical mount point */
	long ra_kb;                        /* negative: leave it */
};

/*
 * Set the host's read-ahead for the FUSE mount at mnt (its canonical
 * path) to kb KiB, the way a system tunes a block device: the host caps a
 * FUSE mount's read-ahead at its default (128 KiB), so a sequential read
 * comes in requests of that size whatever max_read allows, and each is a
 * round trip.  The default, 512 KiB, is the largest request whose reply
 * can still be spliced through a pipe of the default pipe-max-size
 * (1 MiB; see read_splice() in rump_mount_ops.c); 1 MiB requests were no
 * faster.  Found through /proc/self/mountinfo, never by touching the
 * mount itself (this runs in the thread that serves it).  Only root may
 * write the setting; failure leaves the host's default, silently.  Called
 * once the host has answered INIT, which sets the read-ahead to at most
 * what it offered.
 */
static void
set_readahead(void *arg)
{
	const char *mnt = ((struct rmra *)arg)->ra_mnt;
	long kb = ((struct rmra *)arg)->ra_kb;
	char line[PATH_MAX * 2 + 256], path[sizeof(line)], dev[32], *p, *q;
	char found[32] = "", sys[96];
	unsigned maj, min;
	FILE *f;
	int fd;

	if (kb < 0 || (f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* id parent maj:min root mountpoint ... */
		if (sscanf(line, "%*u %*u %u:%u %*s %s", &maj, &min, path) != 3)
			continue;
		/* Undo mountinfo's octal escapes (\040 for a space). */
		for (p = q = path; *p != '\0'; q++) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
			    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
			    p[3] <= '7') {
				*q = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 +
				    (p[3] - '0'));
				p += 4;
			} else
				*q = *p++;
		}
		*q = '\0';
		/* The last mount on mnt is ours. */
		if (strcmp(path, mnt) == 0 && strstr(line, " - fuse") != NULL)
			snprintf(found, sizeof(found), "%u:%u", maj, min);
	}
	fclose(f);
	if (found[0] == '\0')
		return;
	snprintf(sys, sizeof(sys), "/sys/class/bdi/%s/read_ahead_kb", found);
	if ((fd = open(sys, O_WRONLY | O_CLOEXEC)) < 0)
		return;
	snprintf(dev, sizeof(dev), "%ld\n", kb);
	if (write(fd, dev, strlen(dev)) < 0)
		(void)0;
	close(fd);
}

/* Tell the waiting parent how the mount went, then detach. */
static void
report(int fd, const char *msg)
{
	size_t len = strlen(msg);

	if (fd < 0)
		return;
	if (write(fd, msg, len) != (ssize_t)len)
		return;
}

static int
run(struct rmopts *ro, const char *image, const char *mnt, bool debug,
    int statusfd)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct rumpfsu_mount rm;
	struct fuse_session *se;
	struct rmra ra;
	char err[512], opt[PATH_MAX + 2200], rmnt[PATH_MAX];
	int error, rv = 0, wb = ro->writeback, imgfd = -1;

	if (rumpfsu_mount(&rm, image, ro->fstype, ro->rumpopts[0] ?
	    ro->rumpopts : NULL, ro->rdonly ? RUMPFSU_RDONLY : 0, err,
	    sizeof(err)) != 0) {
		report(statusfd, err);
		if (statusfd < 0)
			fprintf(stderr, "%s: %s\n", progname, err);
		return 1;
	}
	/* The bridge's own view of the image: splices, write-behind. */
	if (rm.rm_mounted == 2 && (!ro->nosplice || !ro->nowbehind) &&
	    (imgfd = open(rm.rm_image.ri_path, O_RDONLY | O_CLOEXEC)) >= 0)
		rm_image_setup(imgfd, rm.rm_image.ri_begin, !ro->nosplice,
		    !ro->nowbehind);
	if ((error = rmnode_init(RUMPFSU_MNT)) != 0) {
		snprintf(err, sizeof(err), "%s: %s", RUMPFSU_MNT,
		    strerror(error));
		goto out_unmount;
	}
	fuse_opt_add_arg(&args, progname);
	if (debug)
		fuse_opt_add_arg(&args, "-d");
	snprintf(opt, sizeof(opt), "-odefault_permissions,fsname=%s,"
	    "subtype=rump_%s%s%s%s", rm.rm_image.ri_path, rm.rm_fstype,
	    ro->rdonly ? ",ro" : "", ro->fuseopts[0] ? "," : "",
	    ro->fuseopts);
	fuse_opt_add_arg(&args, opt);
	se = fuse_session_new(&args, &rm_ops, sizeof(rm_ops), &wb);
	if (se == NULL) {
		snprintf(err, sizeof(err), "cannot start the FUSE session");
		goto out_nodes;
	}
	if (fuse_set_signal_handlers(se) != 0) {
		snprintf(err, sizeof(err), "cannot set signal handlers");
		goto out_session;
	}
	/* Resolved before the mount: afterwards it would ask FUSE. */
	if (realpath(mnt, rmnt) == NULL)
		snprintf(rmnt, sizeof(rmnt), "%s", mnt);
	if (fuse_session_mount(se, mnt) != 0) {
		snprintf(err, sizeof(err), "%s: cannot mount (FUSE)", mnt);
		goto out_signals;
	}
	report(statusfd, "ok");
	if (statusfd >= 0) {
		int null = open("/dev/null", O_RDWR);

		close(statusfd);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			if (!debug)
				dup2(null, 2);
			if (null > 2)
				close(null);
		}
		if (chdir("/") != 0)
			(void)0;
	}
	ra.ra_mnt = rmnt;
	ra.ra_kb = ro->readahead;
	if (rm_loop(se, ro->maxthreads ? ro->maxthreads : 16, set_readahead,
	    &ra) != 0)
		rv = 1;
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	rmfh_closeall();
	rmnode_fini();
	if (imgfd >= 0)
		close(imgfd);
	if (rumpfsu_unmount(&rm, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return 1;
	}
	return rv;

out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_nodes:
	fuse_opt_free_args(&args);
	rmnode_fini();
out_unmount:
	if (imgfd >= 0)
		close(imgfd);
	report(statusfd, err);
	if (statusfd < 0)
		fprintf(stderr, "%s: %s\n", progname, err);
	rumpfsu_unmount(&rm, NULL, 0);
	return 1;
}

int
main(int argc, char **argv)
{
	struct rmopts ro;
	bool foreground = false, debug = false, fixedtype = false;
	char msg[600], *name;
	int ch, pfd[2], status;
	ssize_t n;
	pid_t pid;

	memset(&ro, 0, sizeof(ro));
	ro.readahead = 512;                /* see set_readahead() */
	name = basename(argv[0]);
	progname = name;
	if (strncmp(name, "rump_", 5) == 0 && strcmp(name, "rump_mount") != 0) {
		ro.fstype = name + 5;
		fixedtype = true;
	}
	while ((ch = getopt(argc, argv, "t:o:r:fdh")) != -1) {
		switch (ch) {
		case 't':
			if (fixedtype)
				usage(fixedtype);
			ro.fstype = optarg;
			break;
		case 'o':
			parse_opts(&ro, optarg);
			break;
		case 'r':
			if (setenv("RUMP_MEMLIMIT", optarg, 1) != 0)
				usage(fixedtype);
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			debug = foreground = true;
			break;
		default:
			usage(fixedtype);
		}
	}
	if (argc - optind != 2)
		usage(fixedtype);
	if (foreground)
		return run(&ro, argv[optind], argv[optind + 1], debug, -1);

	if (pipe(pfd) != 0) {
		perror(progname);
		return 1;
	}
	if ((pid = fork()) < 0) {
		perror(progname);
		return 1;
	}
	if (pid == 0) {
		close(pfd[0]);
		setsid();
		signal(SIGPIPE, SIG_IGN);
		_exit(run(&ro, argv[optind], argv[optind + 1], false, pfd[1]));
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	if (n == 2 && memcmp(msg, "ok", 2) == 0)
		return 0;
	if (n > 0) {
		msg[n] = '\0';
		fprintf(stderr, "%s: %s\n", progname, msg);
	} else
		fprintf(stderr, "%s: the file system process died\n",
		    progname);
	waitpid(pid, &status, 0);
	return 1;
}
