/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_impl.h: private declarations of librumphijack.
 *
 * librumphijack is preloaded into an unmodified program
 * (LD_PRELOAD=librumphijack.so).  Its functions take the place of libc's:
 * each one decides whether the call is the host's (and passes it on to
 * the next definition, libc's, found with dlsym(RTLD_NEXT)) or the rump
 * kernel's (and makes it with librumpclient's rump_sys_* over the
 * connection to the rump_server named by RUMP_SERVER).
 *
 * Descriptors (hijack_fd.c):
 *   host   0 .. fdoff-1, the host's own; RLIMIT_NOFILE keeps new host
 *          descriptors below fdoff.
 *   rump   fdoff and up: rump descriptor fdoff + k is the kernel's k.
 *   alias  a host number below fdoff that stands for a kernel descriptor
 *          (dup2(rumpfd, 1) of a shell redirection).  The host slot holds
 *          a placeholder (an O_PATH descriptor of /dev/null) so the host
 *          never hands the number out; the kernel descriptor is the
 *          table's.
 * Paths (hijack_config.c): under the path prefix (stripped) or a blanket
 * path (kept), or relative while the current directory is the kernel's.
 *
 * Locking: hj_lock protects the alias table writers and the DIR and FILE
 * registries; readers of the alias table load its slots atomically.
 * hj_inrump is per thread: set while librumpclient runs, so that its own
 * libc calls (socket, connect, execve, ...) go straight to the host.
 */
#ifndef _HIJACK_IMPL_H_
#define _HIJACK_IMPL_H_

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define HJ_EXPORT __attribute__((__visibility__("default")))

/* The next definition of f (libc's), looked up once per call site. */
#define REAL(f) (*({							\
	static __typeof__(&f) hj_p_;					\
	if (__builtin_expect(hj_p_ == NULL, 0))				\
		hj_p_ = (__typeof__(&f))hj_dlnext(#f);			\
	hj_p_;								\
}))

/* Run a librumpclient call with hj_inrump set; errno is kept. */
#define RUMPCALL(expr) ({						\
	__typeof__(expr) hj_r_;						\
	hj_inrump++;							\
	hj_r_ = (expr);							\
	hj_inrump--;							\
	hj_r_;								\
})

#define RUMPCALLV(expr) do {						\
	hj_inrump++;							\
	(expr);								\
	hj_inrump--;							\
} while (0)

extern __thread int hj_inrump __attribute__((tls_model("initial-exec")));

/* Configuration (hijack_config.c), set before main() and then immutable. */
#define HJ_MAXBLANKET 16
#define HJ_SOCK_UNIX  0x1
#define HJ_SOCK_INET  0x2
#define HJ_SOCK_INET6 0x4
#define HJ_SOCK_OTHER 0x8
struct hj_config {
	char hc_prefix[256];            /* "" when path= is empty */
	size_t hc_prefixlen;
	char *hc_blanket[HJ_MAXBLANKET];
	int hc_nblanket;
	int hc_sockets;                 /* HJ_SOCK_* */
	int hc_fdoff;
	bool hc_vfs;                    /* route paths and file calls */
};
extern struct hj_config hj_cfg;
extern bool hj_inited;                  /* connected, wrappers active */

void *hj_dlnext(const char *name);
int hj_config_parse(const char *spec, struct hj_config *hc, char *err,
    size_t errlen);
bool hj_sockfamily(int domain);

/* Routing results. */
#define HJ_HOST 0
#define HJ_RUMP 1

/*
 * Path routing: HJ_HOST, or HJ_RUMP with *kpath pointing into path (the
 * prefix stripped) or to "/".
 */
int hj_path(const char *path, const char **kpath);
/* The same for (dirfd, path) of the *at calls; *kdfd the kernel's dirfd. */
int hj_pathat(int dirfd, const char *path, int *kdfd, const char **kpath);

/* Descriptors (hijack_fd.c). */
extern int *hj_alias;                   /* [hj_lock, a] host slot -> kfd */
extern int hj_nalias;                   /* [hj_lock, a] aliases in use */
extern pthread_mutex_t hj_lock;
extern bool hj_cwdrump;                 /* the cwd is the kernel's */

static inline int
hj_fd(int fd, int *kfd)
{

	if (fd >= hj_cfg.hc_fdoff) {
		*kfd = fd - hj_cfg.hc_fdoff;
		return HJ_RUMP;
	}
	if (__builtin_expect(__atomic_load_n(&hj_nalias, __ATOMIC_RELAXED)
	    != 0, 0) && fd >= 0) {
		int k = __atomic_load_n(&hj_alias[fd], __ATOMIC_RELAXED);

		if (k >= 0) {
			*kfd = k;
			return HJ_RUMP;
		}
	}
	return HJ_HOST;
}

/*
 * librumpclient's own connections (host sockets): moved high below
 * fdoff when made, and kept from the program's close/dup2/close_range.
 */
extern unsigned char *hj_clientfd;      /* [a] host fd -> 1 */
int hj_clientsock(int fd);
bool hj_from_client(const void *ra);

/* A new kernel descriptor k as the program sees it. */
int hj_kfd2fd(int k);
void hj_fd_init(void);
void hj_state_load(void);
char **hj_state_env(char *const envp[]);
void hj_std_update(int fd, bool before);
int hj_set_errno(int error);

/* Directories and stdio (hijack_dir.c, hijack_stdio.c). */
void hj_stdio_init(void);
int hj_dir_isrump(void *dirp);

/* Poll over host and kernel descriptors (hijack_io.c). */
struct pollfd;
int hj_poll(struct pollfd *fds, unsigned long nfds, int timeout_ms);
/* close(fd): drop epoll registrations of fd or on it (hijack_epoll.c). */
void hj_epoll_forget(int fd);

#endif /* _HIJACK_IMPL_H_ */
