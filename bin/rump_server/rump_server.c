/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_server: a rump kernel serving its system calls on a URL.
 *
 *	rump_server [-sRv] [-c ncpu] [-d drivespec] [-k keyfile]
 *	    [-l library] [-m module] [-r total_ram] url
 *
 * Order: options are checked; unless -s, the process forks and the parent
 * waits until the child reports that the kernel is booted and listening
 * (or why not), and exits with that status, so a bad URL, a socket in
 * use or a bad option give a message and a non-zero exit before anything
 * detaches.  The child: -l libraries are dlopen()ed, -d host files
 * prepared, the kernel boots (-c, -r, -v through its parameters), -d
 * drives are registered with etfs, -m modules loaded, and the server
 * starts listening.  Then it waits for SIGTERM, SIGINT or SIGHUP (a
 * clean halt, as rump.halt does) or for rump.halt.
 *
 * The same source is rump_allserver, linked with every component library
 * of the build (bin/meson.build).  See rump_server(1).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "rump_server.h"

#define MAXITEMS 64

static const char *progname = "rump_server";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-sRv] [-c ncpu] [-d drivespec] "
	    "[-k keyfile] [-l library]\n\t[-m module] [-r total_ram] url\n",
	    progname);
	exit(1);
}

static int
readkey(const char *path, char *key, size_t *lenp)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: -k %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	n = read(fd, key, 257);
	close(fd);
	while (n > 0 && (key[n - 1] == '\n' || key[n - 1] == '\r'))
		n--;
	if (n <= 0 || n > 256) {
		fprintf(stderr, "%s: -k %s: the key must be 1 to 256 bytes\n",
		    progname, path);
		return -1;
	}
	*lenp = (size_t)n;
	return 0;
}

/*
 * -m: copy the module file out of the kernel's tree to a host temporary
 * file, dlopen() it and run the components it carries.  Failures are
 * reported; the server goes on.
 */
static void
loadmodule(const char *path)
{
	char tmp[] = "/tmp/rump_module.XXXXXX", buf[65536];
	ssize_t n;
	void *h;
	int kfd, hfd, error;

	kfd = rump_sys_open(path, 0, 0);
	if (kfd < 0) {
		fprintf(stderr, "%s: -m %s: %s\n", progname, path,
		    strerror(errno));
		return;
	}
	hfd = mkstemp(tmp);
	if (hfd < 0) {
		fprintf(stderr, "%s: -m %s: temporary file: %s\n", progname,
		    path, strerror(errno));
		rump_sys_close(kfd);
		return;
	}
	while ((n = rump_sys_read(kfd, buf, sizeof(buf))) > 0)
		if (write(hfd, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	error = n < 0 ? errno : 0;
	rump_sys_close(kfd);
	close(hfd);
	if (error != 0) {
		fprintf(stderr, "%s: -m %s: copying: %s\n", progname, path,
		    strerror(error));
		unlink(tmp);
		return;
	}
	h = dlopen(tmp, RTLD_NOW | RTLD_GLOBAL);
	unlink(tmp);
	if (h == NULL) {
		fprintf(stderr, "%s: -m %s: %s\n", progname, path, dlerror());
		return;
	}
	error = rump_component_rescan();
	if (error != 0)
		fprintf(stderr, "%s: -m %s: a component failed: %s\n",
		    progname, path, strerror(error));
}

/* Make the directories above a drive's key (/dev for /dev/disk), as a
 * kernel booted from nothing has only "/".  Errors show at registration. */
static void
mkparents(const char *key)
{
	char dir[PATH_MAX];
	char *p;

	if (strlen(key) >= sizeof(dir))
		return;
	strcpy(dir, key);
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		(void)rump_sys_mkdir(dir, 0755);
		*p = '/';
	}
}

static int
attachdrive(const struct drivespec *ds)
{
	int (*reg)(const char *, const char *, enum rump_etfs_type, uint64_t,
	    uint64_t);
	int error;

	*(void **)&reg = dlsym(RTLD_DEFAULT, "rump_etfs_register_withsize");
	if (reg == NULL) {
		fprintf(stderr, "%s: -d %s: this kernel has no VFS (use "
		    "rump_allserver or -l librumpvfs.so)\n", progname,
		    ds->ds_spec);
		return -1;
	}
	mkparents(ds->ds_key);
	error = reg(ds->ds_key, ds->ds_hostpath, (enum rump_etfs_type)
	    ds->ds_type, ds->ds_offset, ds->ds_size);
	if (error != 0) {
		fprintf(stderr, "%s: -d %s: %s%s\n", progname, ds->ds_spec,
		    strerror(error), ds->ds_type != DS_REG &&
		    (error == EOPNOTSUPP || error == ENODEV || error == EINVAL) ?
		    " (block and character devices need a kernel with "
		    "disk support; type=reg works)" : "");
		return -1;
	}
	return 0;
}

/* Tell the waiting parent how it went (one byte: the exit status). */
static void
report(int fd, int status)
{
	unsigned char c = (unsigned char)status;

	if (fd < 0)
		return;
	(void)!write(fd, &c, 1);
	close(fd);
}

int
main(int argc, char *argv[])
{
	const char *libs[MAXITEMS], *mods[MAXITEMS], *url, *keyfile = NULL;
	struct drivespec drives[MAXITEMS];
	int nlibs = 0, nmods = 0, ndrives = 0, fg = 0, flags = 0, verbose = 0;
	int ch, i, error, pfd[2] = { -1, -1 }, sig;
	char key[257], *end;
	size_t keylen = 0;
	sigset_t sigs;
	pid_t pid;
	long n;

	if (strstr(argv[0], "allserver") != NULL)
		progname = "rump_allserver";
	while ((ch = getopt(argc, argv, "c:d:k:l:m:r:sRv")) != -1) {
		switch (ch) {
		case 'c':
			n = strtol(optarg, &end, 10);
			if (strcmp(optarg, "host") != 0 &&
			    (*end != '\0' || optarg[0] == '\0' || n < 1 ||
			    n > 64)) {
				fprintf(stderr, "%s: -c %s: expected 1 to 64 "
				    "or \"host\"\n", progname, optarg);
				return 1;
			}
			setenv("RUMP_NCPU", optarg, 1);
			break;
		case 'd':
			if (ndrives == MAXITEMS ||
			    drivespec_parse(optarg, &drives[ndrives]) != 0)
				return 1;
			ndrives++;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'l':
			if (nlibs == MAXITEMS)
				usage();
			libs[nlibs++] = optarg;
			break;
		case 'm':
			if (nmods == MAXITEMS)
				usage();
			mods[nmods++] = optarg;
			break;
		case 'r':
			setenv("RUMP_MEMLIMIT", optarg, 1);
			break;
		case 's':
			fg = 1;
			break;
		case 'R':
			flags |= RUMP_SP_ROOTCREDS;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	url = argv[optind];
	if (strncmp(url, "unix://", 7) != 0 && strncmp(url, "tcp://", 6) != 0) {
		fprintf(stderr, "%s: %s: expected unix://PATH or "
		    "tcp://ADDR:PORT/\n", progname, url);
		return 1;
	}
	if (keyfile != NULL && readkey(keyfile, key, &keylen) != 0)
		return 1;
	if (verbose)
		setenv("RUMP_VERBOSE", "1", 1);

	if (!fg) {
		if (pipe2(pfd, O_CLOEXEC) != 0) {
			perror(progname);
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror(progname);
			return 1;
		}
		if (pid > 0) {
			unsigned char c = 1;
			close(pfd[1]);
			if (read(pfd[0], &c, 1) != 1)
				c = 1;
			return c;
		}
		close(pfd[0]);
		pfd[0] = -1;
		setsid();
	}

	/* The kernel's threads inherit this: signals are for main(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	for (i = 0; i < nlibs; i++) {
		if (dlopen(libs[i], RTLD_NOW | RTLD_GLOBAL) == NULL) {
			fprintf(stderr, "%s: -l %s: %s\n", progname, libs[i],
			    dlerror());
			report(pfd[1], 1);
			return 1;
		}
	}
	for (i = 0; i < ndrives; i++)
		if (drivespec_prepare(&drives[i]) != 0) {
			report(pfd[1], 1);
			return 1;
		}
	error = rump_init();
	if (error != 0) {
		fprintf(stderr, "%s: kernel boot failed: %s\n", progname,
		    strerror(error));
		report(pfd[1], 1);
		return 1;
	}
	for (i = 0; i < ndrives; i++)
		if (attachdrive(&drives[i]) != 0) {
			report(pfd[1], 1);
			return 1;
		}
	for (i = 0; i < nmods; i++)
		loadmodule(mods[i]);
	error = rump_init_server_ex(url, flags, keylen ? key : NULL, keylen);
	if (error != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, url,
		    error == EADDRINUSE ? "in use by a running server" :
		    error == EINVAL ? "malformed URL (unix://PATH or "
		    "tcp://ADDR:PORT/)" : strerror(error));
		report(pfd[1], 1);
		return 1;
	}
	if (!fg) {
		int nfd = open("/dev/null", O_RDWR);
		if (nfd >= 0) {
			dup2(nfd, 0);
			dup2(nfd, 1);
			dup2(nfd, 2);
			if (nfd > 2)
				close(nfd);
		}
	}
	report(pfd[1], 0);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		/* A signal halts cleanly: sync, unmount, remove the socket. */
		rump_sys_rump_halt(0);
		return 0;
	}
}
