/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_fd.c: descriptors, the current directory, fork and exec.
 *
 * Descriptor numbers (see hijack_impl.h): the host's are below fdoff
 * (RLIMIT_NOFILE is lowered to fdoff, so the host never hands out more),
 * kernel descriptor k is fdoff + k, and a host number can be an alias of
 * a kernel descriptor after dup2(rumpfd, hostnumber): the table hj_alias
 * maps it, and a placeholder (O_PATH of /dev/null) holds the host slot,
 * so a stray host call on it fails with EBADF instead of reaching some
 * other file.
 *
 * The current directory is either the host's or the kernel's
 * (hj_cwdrump); relative paths follow it.
 *
 * fork: librumpclient gives the child a kernel process of its own with
 * copies of the parent's kernel descriptors (same numbers) and cwd.
 * exec: the kernel process is kept (rumpclient_exec); the aliases, the
 * directory state and the highest kernel descriptor used travel in the
 * environment variable RUMPHIJACK_STATE, read and removed by the new
 * program's constructor:
 *	RUMPHIJACK_STATE=c=C;m=MAX;a=H:K,H:K
 * C is 0 (host cwd), 1 (kernel cwd entered through the prefix) or 2 (a
 * blanket path); MAX the highest kernel descriptor number used; H:K an
 * alias.  The kernel does not close its close-on-exec descriptors when a
 * client execs, so the new program closes them (kernel descriptors
 * 0..MAX with FD_CLOEXEC) before main().
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <rump/rump_syscalls.h>
#include <rump/rumpclient.h>

#include "hijack_impl.h"

#define HJ_STATEENV "RUMPHIJACK_STATE"

int *hj_alias;
unsigned char *hj_clientfd;
static uintptr_t hj_client_lo, hj_client_hi;     /* librumpclient's text */
int hj_nalias;
pthread_mutex_t hj_lock = PTHREAD_MUTEX_INITIALIZER;
bool hj_cwdrump;
static int hj_cwdvia;                   /* 1 prefix, 2 blanket */
static int hj_kmax = -1;                /* [a] highest kernel fd seen */

extern char **environ;

int
hj_kfd2fd(int k)
{
	int m;

	if (k < 0)
		return k;
	m = __atomic_load_n(&hj_kmax, __ATOMIC_RELAXED);
	while (k > m && !__atomic_compare_exchange_n(&hj_kmax, &m, k, false,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return k + hj_cfg.hc_fdoff;
}

/*
 * Host fds at or above fdoff, inherited from whoever started us, would
 * be shadowed by kernel ones: close them, so that a call on such a
 * number reaches the kernel's (usually EBADF) and never a host file the
 * program did not open.
 */
static void
hj_close_highfds(void)
{
	struct rlimit rl;

	if (REAL(getrlimit)(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur > (rlim_t)hj_cfg.hc_fdoff)
		(void)REAL(close_range)((unsigned int)hj_cfg.hc_fdoff, ~0U, 0);
}

static int
hj_phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t want = (uintptr_t)arg, lo, hi;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		lo = info->dlpi_addr + ph->p_vaddr;
		hi = lo + ph->p_memsz;
		if (want >= lo && want < hi) {
			hj_client_lo = lo;
			hj_client_hi = hi;
			return 1;
		}
	}
	return 0;
}

/* Where librumpclient's code is, to tell its calls from the program's. */
static void
hj_client_range(void)
{

	(void)dl_iterate_phdr(hj_phdr_cb, (void *)(uintptr_t)rumpclient_init);
}

bool
hj_from_client(const void *ra)
{

	return (uintptr_t)ra >= hj_client_lo && (uintptr_t)ra < hj_client_hi;
}

/*
 * A socket librumpclient just made: move it to the top of the host range,
 * out of the way of the numbers programs pick, and remember it.
 */
int
hj_clientsock(int fd)
{
	int nfd, min;

	if (fd < 0 || hj_clientfd == NULL)
		return fd;
	min = hj_cfg.hc_fdoff - 24;
	nfd = REAL(fcntl)(fd, F_DUPFD_CLOEXEC, min > 3 ? min : 3);
	if (nfd >= 0) {
		REAL(close)(fd);
		fd = nfd;
	}
	if (fd < hj_cfg.hc_fdoff)
		__atomic_store_n(&hj_clientfd[fd], 1, __ATOMIC_RELAXED);
	return fd;
}

static bool
hj_isclient(int fd)
{

	return fd >= 0 && fd < hj_cfg.hc_fdoff && hj_clientfd != NULL &&
	    __atomic_load_n(&hj_clientfd[fd], __ATOMIC_RELAXED) != 0;
}

void
hj_fd_init(void)
{
	struct rlimit rl;
	int i;

	hj_alias = malloc(sizeof(int) * (size_t)hj_cfg.hc_fdoff);
	if (hj_alias == NULL) {
		fprintf(stderr, "librumphijack: out of memory\n");
		_exit(1);
	}
	for (i = 0; i < hj_cfg.hc_fdoff; i++)
		hj_alias[i] = -1;
	hj_clientfd = calloc((size_t)hj_cfg.hc_fdoff, 1);
	if (hj_clientfd == NULL) {
		fprintf(stderr, "librumphijack: out of memory\n");
		_exit(1);
	}
	hj_client_range();
	hj_close_highfds();
	if (REAL(getrlimit)(RLIMIT_NOFILE, &rl) == 0 &&
	    (rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > (rlim_t)hj_cfg.hc_fdoff)) {
		rl.rlim_cur = (rlim_t)hj_cfg.hc_fdoff;
		if (REAL(setrlimit)(RLIMIT_NOFILE, &rl) != 0) {
			fprintf(stderr, "librumphijack: cannot keep host "
			    "descriptors below fdoff=%d\n", hj_cfg.hc_fdoff);
			_exit(1);
		}
	}
}

/* Put a placeholder into host slot h.  0 or an errno. */
static int
hj_placeholder(int h, bool cloexec)
{
	int fd, error = 0;

	fd = REAL(open)("/dev/null", O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fd != h) {
		if (REAL(dup3)(fd, h, cloexec ? O_CLOEXEC : 0) < 0)
			error = errno;
		REAL(close)(fd);
	} else if (!cloexec) {
		(void)REAL(fcntl)(fd, F_SETFD, 0);
	}
	return error;
}

/* Make host slot h an alias of kernel fd k (whose reference it takes). */
static int
hj_alias_set(int h, int k, bool cloexec)
{
	int old, error;

	hj_std_update(h, true);
	pthread_mutex_lock(&hj_lock);
	old = hj_alias[h];
	if (old < 0) {
		error = hj_placeholder(h, cloexec);
		if (error != 0) {
			pthread_mutex_unlock(&hj_lock);
			(void)RUMPCALL(rump_sys_close(k));
			return hj_set_errno(error);
		}
		hj_nalias++;
	} else {
		(void)REAL(fcntl)(h, F_SETFD, cloexec ? FD_CLOEXEC : 0);
	}
	__atomic_store_n(&hj_alias[h], k, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&hj_lock);
	if (old >= 0)
		(void)RUMPCALL(rump_sys_close(old));
	hj_std_update(h, false);
	return h;
}

/* Forget the alias of h, closing its kernel fd; the placeholder stays. */
static void
hj_alias_drop(int h)
{
	int k;

	hj_std_update(h, true);
	pthread_mutex_lock(&hj_lock);
	k = hj_alias[h];
	if (k >= 0) {
		__atomic_store_n(&hj_alias[h], -1, __ATOMIC_RELAXED);
		hj_nalias--;
	}
	pthread_mutex_unlock(&hj_lock);
	if (k >= 0)
		(void)RUMPCALL(rump_sys_close(k));
}

static bool
hj_isalias(int fd)
{

	return fd >= 0 && fd < hj_cfg.hc_fdoff &&
	    __atomic_load_n(&hj_alias[fd], __ATOMIC_RELAXED) >= 0;
}

HJ_EXPORT int
close(int fd)
{
	int k, r;

	hj_epoll_forget(fd);
	if (hj_fd(fd, &k) == HJ_HOST) {
		if (__builtin_expect(hj_isclient(fd), 0)) {
			/* The program's close of our connection: keep it. */
			if (!hj_inrump &&
			    !hj_from_client(__builtin_return_address(0)))
				return 0;
			__atomic_store_n(&hj_clientfd[fd], 0,
			    __ATOMIC_RELAXED);
		}
		return REAL(close)(fd);
	}
	if (fd >= hj_cfg.hc_fdoff)
		return RUMPCALL(rump_sys_close(k));
	hj_alias_drop(fd);
	r = REAL(close)(fd);
	hj_std_update(fd, false);
	return r;
}

HJ_EXPORT int
dup(int fd)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(dup)(fd);
	return hj_kfd2fd(RUMPCALL(rump_sys_dup(k)));
}

static int
hj_dup3(int oldfd, int newfd, int flags, bool isdup2)
{
	int ko = -1, kn, r;
	bool rold;

	rold = hj_fd(oldfd, &ko) == HJ_RUMP;
	if (newfd < 0 || (flags & ~O_CLOEXEC) != 0 || (!isdup2 &&
	    oldfd == newfd))
		return hj_set_errno(newfd < 0 ? EBADF : EINVAL);
	if (hj_isclient(newfd) && !hj_inrump)
		return hj_set_errno(EBUSY);
	if (oldfd == newfd) {
		if (!rold)
			return REAL(dup2)(oldfd, newfd);
		if (RUMPCALL(rump_sys_fcntl(ko, F_GETFD, NULL)) < 0)
			return -1;
		return newfd;
	}
	if (newfd >= hj_cfg.hc_fdoff) {
		/* A host file cannot take a number of the kernel's range. */
		if (!rold)
			return hj_set_errno(EBADF);
		r = RUMPCALL(rump_sys_dup3(ko, newfd - hj_cfg.hc_fdoff,
		    flags));
		return r < 0 ? -1 : hj_kfd2fd(r);
	}
	if (rold) {
		kn = RUMPCALL(rump_sys_fcntl(ko, (flags & O_CLOEXEC) ?
		    F_DUPFD_CLOEXEC : F_DUPFD, NULL));
		if (kn < 0)
			return -1;
		(void)hj_kfd2fd(kn);
		return hj_alias_set(newfd, kn, (flags & O_CLOEXEC) != 0);
	}
	if (hj_isalias(newfd)) {
		hj_alias_drop(newfd);
		r = REAL(dup3)(oldfd, newfd, flags);
		hj_std_update(newfd, false);
		return r;
	}
	return isdup2 ? REAL(dup2)(oldfd, newfd) :
	    REAL(dup3)(oldfd, newfd, flags);
}

HJ_EXPORT int
dup2(int oldfd, int newfd)
{

	return hj_dup3(oldfd, newfd, 0, true);
}

HJ_EXPORT int
dup3(int oldfd, int newfd, int flags)
{

	return hj_dup3(oldfd, newfd, flags, false);
}

static int
hj_fcntl(int fd, int cmd, unsigned long arg, int (*real)(int, int, ...))
{
	int k, min, r;

	if (hj_fd(fd, &k) == HJ_HOST)
		return real(fd, cmd, arg);
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		min = (int)arg;
		if (min < 0)
			return hj_set_errno(EINVAL);
		min = min >= hj_cfg.hc_fdoff ? min - hj_cfg.hc_fdoff : 0;
		return hj_kfd2fd(RUMPCALL(rump_sys_fcntl(k, cmd,
		    (void *)(uintptr_t)min)));
	case F_SETFD:
		r = RUMPCALL(rump_sys_fcntl(k, cmd,
		    (void *)(uintptr_t)(int)arg));
		if (r == 0 && fd < hj_cfg.hc_fdoff)
			(void)REAL(fcntl)(fd, F_SETFD, (int)arg);
		return r;
	case F_GETFD:
	case F_GETFL:
		return RUMPCALL(rump_sys_fcntl(k, cmd, NULL));
	case F_SETFL:
	case F_SETOWN:
	case F_SETSIG:
	case F_SETPIPE_SZ:
	case F_ADD_SEALS:
		return RUMPCALL(rump_sys_fcntl(k, cmd,
		    (void *)(uintptr_t)(int)arg));
	default:
		return RUMPCALL(rump_sys_fcntl(k, cmd, (void *)arg));
	}
}

HJ_EXPORT int
fcntl(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return hj_fcntl(fd, cmd, arg, REAL(fcntl));
}

HJ_EXPORT int
fcntl64(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return hj_fcntl(fd, cmd, arg, REAL(fcntl64));
}

/* Close kernel fds first..last (program numbering), cloexec: mark only. */
static void
hj_close_kernel(int first, unsigned int last, bool cloexec)
{
	int k, kmax = __atomic_load_n(&hj_kmax, __ATOMIC_RELAXED);
	int kfirst = first - hj_cfg.hc_fdoff;

	if (kfirst < 0)
		kfirst = 0;
	for (k = kfirst; k <= kmax; k++) {
		if ((unsigned int)(k + hj_cfg.hc_fdoff) > last)
			break;
		if (cloexec)
			(void)RUMPCALL(rump_sys_fcntl(k, F_SETFD,
			    (void *)(uintptr_t)FD_CLOEXEC));
		else
			(void)RUMPCALL(rump_sys_close(k));
	}
}

HJ_EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	int h, saved = errno;
	bool cloexec = (flags & CLOSE_RANGE_CLOEXEC) != 0;

	if (!hj_inited)
		return REAL(close_range)(first, last, flags);
	for (h = (int)first; h < hj_cfg.hc_fdoff && (unsigned int)h <= last;
	    h++)
		if (hj_isalias(h)) {
			if (cloexec)
				(void)fcntl(h, F_SETFD, FD_CLOEXEC);
			else
				(void)close(h);
		}
	errno = saved;
	hj_close_kernel((int)(first > INT_MAX ? INT_MAX : first), last,
	    cloexec);
	if (first >= (unsigned int)hj_cfg.hc_fdoff)
		return 0;
	/* Host fds one by one below fdoff, sparing our connections. */
	for (h = (int)first; h < hj_cfg.hc_fdoff && (unsigned int)h <= last;
	    h++) {
		if (hj_isclient(h) || hj_isalias(h))
			continue;
		if (cloexec)
			(void)REAL(fcntl)(h, F_SETFD, FD_CLOEXEC);
		else
			(void)REAL(close)(h);
	}
	errno = saved;
	return 0;
}

HJ_EXPORT void
closefrom(int lowfd)
{

	(void)close_range(lowfd < 0 ? 0 : (unsigned int)lowfd, ~0U, 0);
}

HJ_EXPORT int
setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	struct rlimit r;

	if (res != RLIMIT_NOFILE || !hj_inited)
		return REAL(setrlimit)(res, rl);
	r = *rl;
	if (r.rlim_cur == RLIM_INFINITY || r.rlim_cur >
	    (rlim_t)hj_cfg.hc_fdoff)
		r.rlim_cur = (rlim_t)hj_cfg.hc_fdoff;
	return REAL(setrlimit)(res, &r);
}

HJ_EXPORT int
isatty(int fd)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(isatty)(fd);
	errno = ENOTTY;
	return 0;
}

HJ_EXPORT int
tcgetattr(int fd, struct termios *t)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(tcgetattr)(fd, t);
	return hj_set_errno(ENOTTY);
}

/* --- the current directory --- */

HJ_EXPORT int
chdir(const char *path)
{
	const char *kp;
	int r;

	if (hj_path(path, &kp) == HJ_HOST) {
		r = REAL(chdir)(path);
		if (r == 0 && hj_inited && !hj_inrump)
			hj_cwdrump = false;
		return r;
	}
	r = RUMPCALL(rump_sys_chdir(kp));
	if (r == 0) {
		if (path[0] == '/')
			hj_cwdvia = kp == path ? 2 : 1;
		hj_cwdrump = true;
	}
	return r;
}

HJ_EXPORT int
fchdir(int fd)
{
	int k, r;

	if (hj_fd(fd, &k) == HJ_HOST) {
		r = REAL(fchdir)(fd);
		if (r == 0 && hj_inited)
			hj_cwdrump = false;
		return r;
	}
	r = RUMPCALL(rump_sys_fchdir(k));
	if (r == 0) {
		if (!hj_cwdrump)
			hj_cwdvia = hj_cfg.hc_prefixlen > 0 ? 1 : 2;
		hj_cwdrump = true;
	}
	return r;
}

HJ_EXPORT char *
getcwd(char *buf, size_t size)
{
	char kbuf[PATH_MAX], *out;
	size_t plen, klen;

	if (!hj_inited || !hj_cwdrump || hj_inrump)
		return REAL(getcwd)(buf, size);
	if (RUMPCALL(rump_sys_getcwd(kbuf, sizeof(kbuf))) < 0)
		return NULL;
	plen = hj_cwdvia == 1 ? hj_cfg.hc_prefixlen : 0;
	if (plen > 0 && strcmp(kbuf, "/") == 0)
		kbuf[0] = '\0';
	klen = strlen(kbuf);
	if (buf == NULL) {
		if (size != 0 && size < plen + klen + 1) {
			errno = ERANGE;
			return NULL;
		}
		out = malloc(size != 0 ? size : plen + klen + 1);
		if (out == NULL)
			return NULL;
	} else {
		if (size == 0) {
			errno = EINVAL;
			return NULL;
		}
		if (size < plen + klen + 1) {
			errno = ERANGE;
			return NULL;
		}
		out = buf;
	}
	memcpy(out, hj_cfg.hc_prefix, plen);
	memcpy(out + plen, kbuf, klen + 1);
	return out;
}

HJ_EXPORT char *
get_current_dir_name(void)
{

	if (!hj_inited || !hj_cwdrump)
		return REAL(get_current_dir_name)();
	return getcwd(NULL, 0);
}

/* --- exec state --- */

char **
hj_state_env(char *const envp[])
{
	size_t n, i, k, len;
	char **nenv, *s;
	int h, kk;

	for (n = 0; envp != NULL && envp[n] != NULL; n++)
		;
	len = sizeof(HJ_STATEENV) + 64 + 24 * (size_t)hj_nalias;
	s = malloc(len);
	nenv = calloc(n + 2, sizeof(*nenv));
	if (s == NULL || nenv == NULL) {
		free(s);
		free(nenv);
		return NULL;
	}
	k = (size_t)snprintf(s, len, "%s=c=%d;m=%d;a=", HJ_STATEENV,
	    hj_cwdrump ? hj_cwdvia : 0,
	    __atomic_load_n(&hj_kmax, __ATOMIC_RELAXED));
	pthread_mutex_lock(&hj_lock);
	for (h = 0; h < hj_cfg.hc_fdoff && k < len; h++) {
		kk = hj_alias[h];
		/* Close-on-exec aliases end here (their placeholder too). */
		if (kk < 0 || (REAL(fcntl)(h, F_GETFD) & FD_CLOEXEC))
			continue;
		k += (size_t)snprintf(s + k, len - k, "%s%d:%d",
		    s[k - 1] == '=' ? "" : ",", h, kk);
	}
	pthread_mutex_unlock(&hj_lock);
	for (i = k = 0; i < n; i++)
		if (strncmp(envp[i], HJ_STATEENV "=",
		    sizeof(HJ_STATEENV)) != 0)
			nenv[k++] = envp[i];
	nenv[k++] = s;
	nenv[k] = NULL;
	return nenv;
}

void
hj_state_load(void)
{
	const char *s = getenv(HJ_STATEENV), *p;
	int c = 0, m = -1, h, k, n, flags;

	if (s == NULL)
		return;
	if (sscanf(s, "c=%d;m=%d;a=%n", &c, &m, &n) < 2) {
		fprintf(stderr, "librumphijack: ignoring a bad %s\n",
		    HJ_STATEENV);
		unsetenv(HJ_STATEENV);
		return;
	}
	p = s + n;
	while (*p != '\0') {
		if (sscanf(p, "%d:%d%n", &h, &k, &n) != 2 || h < 0 ||
		    h >= hj_cfg.hc_fdoff || k < 0)
			break;
		p += n;
		if (*p == ',')
			p++;
		/* The placeholder must have come through. */
		if (REAL(fcntl)(h, F_GETFD) < 0)
			continue;
		hj_alias[h] = k;
		hj_nalias++;
	}
	hj_cwdrump = c != 0;
	hj_cwdvia = c;
	hj_kmax = m;
	/* Close the kernel's close-on-exec descriptors. */
	for (k = 0; k <= m; k++) {
		flags = RUMPCALL(rump_sys_fcntl(k, F_GETFD, NULL));
		if (flags >= 0 && (flags & FD_CLOEXEC))
			(void)RUMPCALL(rump_sys_close(k));
	}
	unsetenv(HJ_STATEENV);
}

/* --- fork and exec --- */

HJ_EXPORT pid_t
fork(void)
{
	struct rumpclient_fork *pf;
	pid_t pid;
	int error;

	if (!hj_inited || hj_inrump)
		return REAL(fork)();
	pf = RUMPCALL(rumpclient_prefork());
	if (pf == NULL)
		return -1;
	pid = REAL(fork)();
	if (pid == 0) {
		pthread_mutex_init(&hj_lock, NULL);
		if (RUMPCALL(rumpclient_fork_init(pf)) != 0) {
			fprintf(stderr, "librumphijack: the child of fork "
			    "lost the rump kernel\n");
			_exit(1);
		}
		return 0;
	}
	error = errno;
	if (pid < 0)
		RUMPCALLV(rumpclient_fork_cancel(pf));
	else
		RUMPCALLV(rumpclient_fork_done(pf));
	errno = error;
	return pid;
}

/* vfork's child would share our memory and connection: fork instead. */
HJ_EXPORT pid_t
vfork(void)
{

	return fork();
}

/* Run a program file of the kernel: a copy in a memfd.  errno on failure. */
static int
hj_exec_rump(const char *kpath, char *const argv[], char **nenv)
{
	char buf[65536], name[64];
	ssize_t n;
	int kfd, mfd, error;

	if (RUMPCALL(rump_sys_access(kpath, X_OK)) != 0)
		return -1;
	kfd = RUMPCALL(rump_sys_open(kpath, O_RDONLY | O_CLOEXEC, 0));
	if (kfd < 0)
		return -1;
	mfd = memfd_create("rumphijack-exec", 0);
	if (mfd < 0) {
		error = errno;
		(void)RUMPCALL(rump_sys_close(kfd));
		return hj_set_errno(error);
	}
	while ((n = RUMPCALL(rump_sys_read(kfd, buf, sizeof(buf)))) > 0)
		if (REAL(write)(mfd, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	error = errno;
	(void)RUMPCALL(rump_sys_close(kfd));
	if (n < 0) {
		REAL(close)(mfd);
		return hj_set_errno(error);
	}
	snprintf(name, sizeof(name), "/proc/self/fd/%d", mfd);
	(void)RUMPCALL(rumpclient_exec(name, argv, nenv));
	error = errno;
	REAL(close)(mfd);
	return hj_set_errno(error);
}

HJ_EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	const char *kp;
	char **nenv;
	int r, error;
	size_t i;

	if (!hj_inited || hj_inrump)
		return REAL(execve)(path, argv, envp);
	nenv = hj_state_env(envp);
	if (nenv == NULL)
		return hj_set_errno(ENOMEM);
	if (hj_path(path, &kp) == HJ_RUMP)
		r = hj_exec_rump(kp, argv, nenv);
	else
		r = RUMPCALL(rumpclient_exec(path, argv, nenv));
	error = errno;
	for (i = 0; nenv[i] != NULL; i++)
		;
	free(nenv[i - 1]);              /* hj_state_env's string, last */
	free(nenv);
	errno = error;
	return r;
}

HJ_EXPORT int
execv(const char *path, char *const argv[])
{

	return execve(path, argv, environ);
}

HJ_EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	const char *pathv, *p, *e;
	char buf[PATH_MAX];
	bool eacces = false;
	size_t dl, fl;

	if (file[0] == '\0')
		return hj_set_errno(ENOENT);
	if (strchr(file, '/') != NULL)
		return execve(file, argv, envp);
	pathv = getenv("PATH");
	if (pathv == NULL)
		pathv = "/bin:/usr/bin";
	fl = strlen(file);
	for (p = pathv; ; p = e + 1) {
		e = strchrnul(p, ':');
		dl = (size_t)(e - p);
		if (dl + fl + 2 <= sizeof(buf)) {
			memcpy(buf, p, dl);
			if (dl == 0)
				buf[dl++] = '.';
			buf[dl] = '/';
			memcpy(buf + dl + 1, file, fl + 1);
			execve(buf, argv, envp);
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR &&
			    errno != ESTALE && errno != ENODEV &&
			    errno != ETIMEDOUT)
				return -1;
		}
		if (*e == '\0')
			break;
	}
	errno = eacces ? EACCES : ENOENT;
	return -1;
}

HJ_EXPORT int
execvp(const char *file, char *const argv[])
{

	return execvpe(file, argv, environ);
}

/* The arguments of an execl-style call, as an argv array on the heap. */
static char **
hj_argv(const char *arg0, va_list ap, char ***envpp)
{
	va_list aq;
	size_t n = 1, i;
	char **argv;

	va_copy(aq, ap);
	while (va_arg(aq, char *) != NULL)
		n++;
	va_end(aq);
	argv = malloc((n + 1) * sizeof(*argv));
	if (argv == NULL)
		return NULL;
	argv[0] = (char *)arg0;
	for (i = 1; i <= n; i++)
		argv[i] = va_arg(ap, char *);
	if (envpp != NULL)
		*envpp = va_arg(ap, char **);
	return argv;
}

#define HJ_EXECL(call, wantenv) do {					\
	char **argv, **envp = environ;					\
	va_list ap;							\
	int error;							\
									\
	va_start(ap, arg);						\
	argv = hj_argv(arg, ap, (wantenv) ? &envp : NULL);		\
	va_end(ap);							\
	if (argv == NULL)						\
		return hj_set_errno(ENOMEM);				\
	call;								\
	error = errno;							\
	free(argv);							\
	errno = error;							\
	return -1;							\
} while (0)

HJ_EXPORT int
execl(const char *path, const char *arg, ...)
{

	HJ_EXECL(execve(path, argv, envp), false);
}

HJ_EXPORT int
execle(const char *path, const char *arg, ...)
{

	HJ_EXECL(execve(path, argv, envp), true);
}

HJ_EXPORT int
execlp(const char *file, const char *arg, ...)
{

	HJ_EXECL(execvpe(file, argv, envp), false);
}

/*
 * posix_spawn: fork and exec through the functions above, so the child
 * keeps the kernel process state.  The file actions are glibc's private
 * list (struct __spawn_action, stable since glibc 2.x); the attribute
 * flags are read with the public getters.
 */
struct hj_spawn_action {
	int tag;
	union {
		struct { int fd; } close_action;
		struct { int fd; int newfd; } dup2_action;
		struct { int fd; char *path; int oflag; mode_t mode; }
		    open_action;
		struct { char *path; } chdir_action;
		struct { int fd; } fchdir_action;
		struct { int from; } closefrom_action;
	} action;
};

static int
hj_spawn_child(const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *at)
{
	const struct hj_spawn_action *a;
	short fl = 0;
	sigset_t ss;
	int i, fd;

	if (at != NULL) {
		posix_spawnattr_getflags(at, &fl);
		if (fl & POSIX_SPAWN_SETSID)
			if (setsid() < 0)
				return errno;
		if (fl & POSIX_SPAWN_SETPGROUP) {
			pid_t pg;
			posix_spawnattr_getpgroup(at, &pg);
			if (setpgid(0, pg) < 0)
				return errno;
		}
		if (fl & POSIX_SPAWN_RESETIDS)
			if (setgid(getgid()) < 0 || setuid(getuid()) < 0)
				return errno;
		if (fl & POSIX_SPAWN_SETSIGDEF) {
			struct sigaction sa = { .sa_handler = SIG_DFL };
			posix_spawnattr_getsigdefault(at, &ss);
			for (i = 1; i < NSIG; i++)
				if (sigismember(&ss, i) == 1)
					(void)sigaction(i, &sa, NULL);
		}
		if (fl & POSIX_SPAWN_SETSIGMASK) {
			posix_spawnattr_getsigmask(at, &ss);
			sigprocmask(SIG_SETMASK, &ss, NULL);
		}
		if (fl & ~(POSIX_SPAWN_SETSID | POSIX_SPAWN_SETPGROUP |
		    POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETSIGDEF |
		    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_USEVFORK))
			return ENOSYS;
	}
	if (fa == NULL)
		return 0;
	a = (const struct hj_spawn_action *)fa->__actions;
	for (i = 0; i < fa->__used; i++, a++) {
		switch (a->tag) {
		case 0:
			(void)close(a->action.close_action.fd);
			break;
		case 1:
			if (a->action.dup2_action.fd ==
			    a->action.dup2_action.newfd) {
				if (fcntl(a->action.dup2_action.fd, F_SETFD,
				    0) < 0)
					return errno;
			} else if (dup2(a->action.dup2_action.fd,
			    a->action.dup2_action.newfd) < 0)
				return errno;
			break;
		case 2:
			fd = open(a->action.open_action.path,
			    a->action.open_action.oflag,
			    a->action.open_action.mode);
			if (fd < 0)
				return errno;
			if (fd != a->action.open_action.fd) {
				if (dup2(fd, a->action.open_action.fd) < 0)
					return errno;
				(void)close(fd);
			}
			break;
		case 3:
			if (chdir(a->action.chdir_action.path) < 0)
				return errno;
			break;
		case 4:
			if (fchdir(a->action.fchdir_action.fd) < 0)
				return errno;
			break;
		case 5:
			closefrom(a->action.closefrom_action.from);
			break;
		default:
			return ENOSYS;
		}
	}
	return 0;
}

static int
hj_spawn(pid_t *pidp, const char *path, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *at, char *const argv[], char *const envp[],
    bool search)
{
	int p[2], error = 0;
	pid_t pid;
	ssize_t n;

	if (REAL(pipe2)(p, O_CLOEXEC) < 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		error = errno;
		REAL(close)(p[0]);
		REAL(close)(p[1]);
		return error;
	}
	if (pid == 0) {
		REAL(close)(p[0]);
		error = hj_spawn_child(fa, at);
		if (error == 0) {
			if (search)
				execvpe(path, argv, envp);
			else
				execve(path, argv, envp);
			error = errno;
		}
		(void)!REAL(write)(p[1], &error, sizeof(error));
		_exit(127);
	}
	REAL(close)(p[1]);
	n = REAL(read)(p[0], &error, sizeof(error));
	REAL(close)(p[0]);
	if (n == sizeof(error)) {
		(void)waitpid(pid, NULL, 0);
		return error;
	}
	if (pidp != NULL)
		*pidp = pid;
	return 0;
}

HJ_EXPORT int
posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{

	if (!hj_inited)
		return REAL(posix_spawn)(pid, path, fa, at, argv, envp);
	return hj_spawn(pid, path, fa, at, argv, envp, false);
}

HJ_EXPORT int
posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{

	if (!hj_inited)
		return REAL(posix_spawnp)(pid, file, fa, at, argv, envp);
	return hj_spawn(pid, file, fa, at, argv, envp, true);
}
