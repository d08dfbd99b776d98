/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_proc.c: system(), popen() and pclose().
 *
 * glibc starts the shell of system() and popen() with its internal
 * posix_spawn (clone and the execve system call), which a preloaded
 * library never sees: the shell would come up as a new client with a
 * fresh kernel process, without the caller's kernel descriptors and
 * outside a current directory of the kernel.  Here both go through the
 * hijack's own fork() and execl() (hijack_fd.c), so the shell inherits
 * the kernel process state as any forked and exec'd child does.
 *
 * system: SIGINT and SIGQUIT are ignored and SIGCHLD blocked in the
 * caller while the shell runs (POSIX); concurrent callers share one
 * saved disposition, counted under hj_sys_lock.
 * popen: a host pipe; the child's end becomes its stdin or stdout, the
 * other end a stdio stream for the caller.  The open popen streams are
 * listed (hj_popen_list, under hj_popen_lock) so that pclose finds the
 * child to wait for, and a later child closes the earlier streams'
 * descriptors, as POSIX asks.  Streams that glibc's popen made before
 * the hijack was connected are not in the list and go to glibc's pclose.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hijack_impl.h"

#define HJ_SHELL "/bin/sh"

struct hj_popen {
	FILE *hp_fp;
	int hp_fd;                      /* the caller's end of the pipe */
	pid_t hp_pid;
	struct hj_popen *hp_next;
};

static pthread_mutex_t hj_popen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hj_popen *hj_popen_list;  /* [hj_popen_lock] */

static pthread_mutex_t hj_sys_lock = PTHREAD_MUTEX_INITIALIZER;
static int hj_sys_count;                /* [hj_sys_lock] callers inside */
static struct sigaction hj_sys_int, hj_sys_quit;  /* [hj_sys_lock] saved */

/* waitpid, retried on EINTR; the child's status in *status. */
static pid_t
hj_waitchild(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

HJ_EXPORT int
system(const char *cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t chld, omask;
	int status = -1, error = 0;
	pid_t pid;

	if (!hj_inited || hj_inrump || cmd == NULL)
		return REAL(system)(cmd);
	sigemptyset(&ign.sa_mask);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_mutex_lock(&hj_sys_lock);
	if (hj_sys_count++ == 0) {
		(void)sigaction(SIGINT, &ign, &hj_sys_int);
		(void)sigaction(SIGQUIT, &ign, &hj_sys_quit);
	}
	pthread_mutex_unlock(&hj_sys_lock);
	pthread_sigmask(SIG_BLOCK, &chld, &omask);

	pid = fork();
	if (pid == 0) {
		(void)sigaction(SIGINT, &hj_sys_int, NULL);
		(void)sigaction(SIGQUIT, &hj_sys_quit, NULL);
		pthread_sigmask(SIG_SETMASK, &omask, NULL);
		execl(HJ_SHELL, "sh", "-c", "--", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		error = errno;
	else if (hj_waitchild(pid, &status) < 0) {
		error = errno;
		status = -1;
	}

	pthread_sigmask(SIG_SETMASK, &omask, NULL);
	pthread_mutex_lock(&hj_sys_lock);
	if (--hj_sys_count == 0) {
		(void)sigaction(SIGINT, &hj_sys_int, NULL);
		(void)sigaction(SIGQUIT, &hj_sys_quit, NULL);
	}
	pthread_mutex_unlock(&hj_sys_lock);
	if (error != 0)
		errno = error;
	return status;
}

/*
 * popen's mode: 'r' or 'w' first, then optionally 'e' (close-on-exec
 * for the caller's end).  0, or EINVAL.
 */
static int
hj_popen_mode(const char *mode, bool *readp, bool *cloexecp)
{
	const char *m;

	if (mode[0] != 'r' && mode[0] != 'w')
		return EINVAL;
	*readp = mode[0] == 'r';
	*cloexecp = false;
	for (m = mode + 1; *m != '\0'; m++) {
		if (*m != 'e')
			return EINVAL;
		*cloexecp = true;
	}
	return 0;
}

/* The child of popen: its end of the pipe as stdin or stdout, then sh. */
static void
hj_popen_child(const char *cmd, int p[2], bool rd)
{
	struct hj_popen *hp;
	int want = rd ? STDOUT_FILENO : STDIN_FILENO;
	int mine = rd ? p[1] : p[0];

	/* Single-threaded now: the list is read without its lock. */
	for (hp = hj_popen_list; hp != NULL; hp = hp->hp_next)
		(void)close(hp->hp_fd);
	(void)REAL(close)(rd ? p[0] : p[1]);
	if (mine == want) {
		if (fcntl(mine, F_SETFD, 0) < 0)
			_exit(127);
	} else {
		if (dup2(mine, want) < 0)
			_exit(127);
		(void)REAL(close)(mine);
	}
	execl(HJ_SHELL, "sh", "-c", "--", cmd, (char *)NULL);
	_exit(127);
}

HJ_EXPORT FILE *
popen(const char *cmd, const char *mode)
{
	struct hj_popen *hp;
	bool rd, cloexec;
	int p[2], error, fd;
	pid_t pid;
	FILE *fp;

	if (!hj_inited || hj_inrump)
		return REAL(popen)(cmd, mode);
	if ((error = hj_popen_mode(mode, &rd, &cloexec)) != 0) {
		errno = error;
		return NULL;
	}
	hp = malloc(sizeof(*hp));
	if (hp == NULL)
		return NULL;
	if (REAL(pipe2)(p, O_CLOEXEC) < 0)
		goto out_free;
	fd = rd ? p[0] : p[1];

	pthread_mutex_lock(&hj_popen_lock);
	pid = fork();
	if (pid == 0)
		hj_popen_child(cmd, p, rd);
	error = errno;
	pthread_mutex_unlock(&hj_popen_lock);
	(void)REAL(close)(rd ? p[1] : p[0]);
	if (pid < 0) {
		errno = error;
		goto out_close;
	}
	if (!cloexec)
		(void)REAL(fcntl)(fd, F_SETFD, 0);
	fp = fdopen(fd, rd ? "r" : "w");
	if (fp == NULL) {
		error = errno;
		(void)REAL(close)(fd);
		(void)hj_waitchild(pid, NULL);
		free(hp);
		errno = error;
		return NULL;
	}
	hp->hp_fp = fp;
	hp->hp_fd = fd;
	hp->hp_pid = pid;
	pthread_mutex_lock(&hj_popen_lock);
	hp->hp_next = hj_popen_list;
	hj_popen_list = hp;
	pthread_mutex_unlock(&hj_popen_lock);
	return fp;

out_close:
	(void)REAL(close)(fd);
out_free:
	error = errno;
	free(hp);
	errno = error;
	return NULL;
}

HJ_EXPORT int
pclose(FILE *fp)
{
	struct hj_popen **pp, *hp = NULL;
	int status;
	pid_t pid;

	pthread_mutex_lock(&hj_popen_lock);
	for (pp = &hj_popen_list; *pp != NULL; pp = &(*pp)->hp_next)
		if ((*pp)->hp_fp == fp) {
			hp = *pp;
			*pp = hp->hp_next;
			break;
		}
	pthread_mutex_unlock(&hj_popen_lock);
	if (hp == NULL)
		return REAL(pclose)(fp);
	pid = hp->hp_pid;
	free(hp);
	(void)fclose(fp);
	if (hj_waitchild(pid, &status) < 0)
		return -1;
	return status;
}
