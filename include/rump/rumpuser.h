/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser.h: the hypervisor interface.
 *
 * Everything a rump kernel needs from its host goes through the calls
 * declared here, and nothing else.  The POSIX implementation lives in
 * lib/librumpuser; porting the kernel to another platform means writing
 * another implementation of this file and nothing more.
 *
 * This header is included by freestanding kernel code: it uses only the
 * compiler's own headers.
 *
 * Conventions:
 *  - Calls return 0 or an errno value (Linux numbering, see rumpdefs.h) and
 *    pass results through out-parameters.
 *  - A call that may block in the host releases the calling thread's virtual
 *    CPU first, through hyp_backend_unschedule(), and takes one again with
 *    hyp_backend_schedule() before returning.  Calls named *_nowrap never
 *    release the virtual CPU; they must only be used where blocking is
 *    impossible or where the caller holds no virtual CPU.
 *  - "lwp" is opaque to the hypervisor: it only stores and returns it.
 */
#ifndef _RUMP_RUMPUSER_H_
#define _RUMP_RUMPUSER_H_

#include <stddef.h>
#include <stdint.h>

#define RUMPUSER_VERSION 1

struct lwp;

/*
 * Upcalls: the kernel hands these to rumpuser_init().  The hypervisor calls
 * them around every blocking host operation.
 */
struct rumpuser_hyperup {
	/*
	 * Give the calling thread's virtual CPU back before blocking in the
	 * host.  *nlocks is set to the number of kernel "big locks" the
	 * thread held (always 0 in this kernel, kept for the interface), and
	 * interlock, if not NULL, is a rumpuser_mtx the caller holds that
	 * must stay held.
	 */
	void (*hyp_backend_unschedule)(int nlocks, int *countp, void *interlock);
	/* Take a virtual CPU again after a blocking host operation. */
	void (*hyp_backend_schedule)(int nlocks, void *interlock);
	/*
	 * A host thread that has an lwp set with RUMPUSER_LWP_SET exits or
	 * its thread-specific data is destroyed: the kernel releases the lwp.
	 * Called without a virtual CPU.
	 */
	void (*hyp_lwpexit)(struct lwp *l);
	/* Spare room so the structure can grow without a version bump. */
	void *hyp_extra[8];
};

/* Initialise the hypervisor.  version must equal RUMPUSER_VERSION. */
int rumpuser_init(int version, const struct rumpuser_hyperup *hyp);

/*
 * Parameters.  Known names and the normalised values returned:
 *   RUMP_NCPU      decimal count; "host" becomes the host's CPU count;
 *                  default "2"; accepted range 1..64
 *   RUMP_VERBOSE   "0" or "1" (any non-zero number is "1"); default "0"
 *   RUMP_MEMLIMIT  decimal byte count; input may carry a k, m or g suffix
 *                  (powers of 1024); default "0" meaning unlimited
 *   RUMP_HOSTNAME  a host name, default "rump-<host pid>"
 *   RUMP_NVNODES   decimal count of cached vnodes, default "32768"
 *   RUMP_THREADS   "0" or "1": may the kernel create threads; default "1"
 * Other names are looked up in the host environment as they are.
 * Returns ENOENT for an unknown name that is not set, EINVAL (after printing
 * a message naming the parameter on the console) for a malformed value, and
 * E2BIG if the value does not fit into buflen including its NUL.
 */
#define RUMPUSER_PARAM_NCPU     "RUMP_NCPU"
#define RUMPUSER_PARAM_HOSTNAME "RUMP_HOSTNAME"
int rumpuser_getparam(const char *name, void *buf, size_t buflen);

/* Memory.  alignment is a power of two or 0 for the default. */
int rumpuser_malloc(size_t len, int alignment, void **memp);
void rumpuser_free(void *mem, size_t len);
/* Anonymous memory mapping, page aligned. */
int rumpuser_anonmmap(void *prefaddr, size_t size, int alignbit, int exec,
    void **memp);
void rumpuser_unmap(void *addr, size_t len);

/* Host files. */
#define RUMPUSER_OPEN_RDONLY    0x0000
#define RUMPUSER_OPEN_WRONLY    0x0001
#define RUMPUSER_OPEN_RDWR      0x0002
#define RUMPUSER_OPEN_ACCMODE   0x0003
#define RUMPUSER_OPEN_CREATE    0x0004 /* create if it does not exist */
#define RUMPUSER_OPEN_EXCL      0x0008
#define RUMPUSER_OPEN_BIO       0x0010 /* will be used for block I/O */
int rumpuser_open(const char *path, int ruflags, int *fdp);
int rumpuser_close(int fd);

#define RUMPUSER_FT_OTHER 0
#define RUMPUSER_FT_DIR   1
#define RUMPUSER_FT_REG   2
#define RUMPUSER_FT_BLK   3
#define RUMPUSER_FT_CHR   4
/* Size in bytes and type of a host file. */
int rumpuser_getfileinfo(const char *path, uint64_t *sizep, int *ftp);

/* Block I/O, asynchronous: biodone is called once, from any thread. */
#define RUMPUSER_BIO_READ  0x01
#define RUMPUSER_BIO_WRITE 0x02
#define RUMPUSER_BIO_SYNC  0x04 /* write through to stable storage */
#define RUMPUSER_BIO_INLINE 0x08 /* the caller waits: do it in its thread */
typedef void (*rump_biodone_fn)(void *arg, size_t donelen, int error);
void rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off,
    rump_biodone_fn biodone, void *bioarg);

/* Scatter/gather I/O at an offset (off < 0: at the current position). */
struct rumpuser_iovec {
	void *iov_base;
	size_t iov_len;
};
int rumpuser_iovread(int fd, struct rumpuser_iovec *ruiov, size_t iovlen,
    int64_t off, size_t *retv);
int rumpuser_iovwrite(int fd, const struct rumpuser_iovec *ruiov,
    size_t iovlen, int64_t off, size_t *retv);

#define RUMPUSER_SYNCFD_READ    0x01
#define RUMPUSER_SYNCFD_WRITE   0x02
#define RUMPUSER_SYNCFD_BOTH    (RUMPUSER_SYNCFD_READ | RUMPUSER_SYNCFD_WRITE)
#define RUMPUSER_SYNCFD_BARRIER 0x04
#define RUMPUSER_SYNCFD_SYNC    0x08
int rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len);

/* Clocks. */
enum rumpclock {
	RUMPUSER_CLOCK_RELWALL,  /* wall clock; sleep: relative */
	RUMPUSER_CLOCK_ABSMONO   /* monotonic clock; sleep: absolute deadline */
};
int rumpuser_clock_gettime(int clk, int64_t *sec, long *nsec);
/* Sleep; releases the virtual CPU.  Returns 0 when the time has passed. */
int rumpuser_clock_sleep(int clk, int64_t sec, long nsec);

/* Threads.  cookiep receives a handle for rumpuser_thread_join(). */
int rumpuser_thread_create(void *(*fn)(void *), void *arg, const char *name,
    int joinable, int priority, int cpuidx, void **cookiep);
void rumpuser_thread_exit(void) __attribute__((noreturn));
int rumpuser_thread_join(void *cookie);

/* The lwp bound to the calling host thread. */
enum rumplwpop {
	RUMPUSER_LWP_CREATE,  /* a new lwp exists (bookkeeping only) */
	RUMPUSER_LWP_DESTROY, /* an lwp is gone (bookkeeping only) */
	RUMPUSER_LWP_SET,     /* bind l to the calling thread */
	RUMPUSER_LWP_CLEAR    /* unbind l from the calling thread */
};
void rumpuser_curlwpop(int op, struct lwp *l);
struct lwp *rumpuser_curlwp(void);

/* Mutexes.  The try* calls of mutexes and rwlocks return 0 if they took
 * the lock and EBUSY if not. */
#define RUMPUSER_MTX_SPIN   0x01 /* never sleeps; hold only briefly */
#define RUMPUSER_MTX_KMUTEX 0x02 /* backs a kernel mutex: owner tracked */
struct rumpuser_mtx;
void rumpuser_mutex_init(struct rumpuser_mtx **mtxp, int flags);
void rumpuser_mutex_enter(struct rumpuser_mtx *mtx);
void rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *mtx);
int rumpuser_mutex_tryenter(struct rumpuser_mtx *mtx);
void rumpuser_mutex_exit(struct rumpuser_mtx *mtx);
void rumpuser_mutex_destroy(struct rumpuser_mtx *mtx);
/* The lwp holding a RUMPUSER_MTX_KMUTEX mutex, or NULL. */
void rumpuser_mutex_owner(struct rumpuser_mtx *mtx, struct lwp **lp);

/* Reader/writer locks. */
enum rumprwlock { RUMPUSER_RW_READER, RUMPUSER_RW_WRITER };
struct rumpuser_rw;
void rumpuser_rw_init(struct rumpuser_rw **rwp);
void rumpuser_rw_enter(int enum_rumprwlock, struct rumpuser_rw *rw);
int rumpuser_rw_tryenter(int enum_rumprwlock, struct rumpuser_rw *rw);
int rumpuser_rw_tryupgrade(struct rumpuser_rw *rw);
void rumpuser_rw_downgrade(struct rumpuser_rw *rw);
void rumpuser_rw_exit(struct rumpuser_rw *rw);
void rumpuser_rw_destroy(struct rumpuser_rw *rw);
/* *heldp: is it held in the given mode (by anyone, for readers). */
void rumpuser_rw_held(int enum_rumprwlock, struct rumpuser_rw *rw, int *heldp);

/* Condition variables.  The mutex is held on entry and on return. */
struct rumpuser_cv;
void rumpuser_cv_init(struct rumpuser_cv **cvp);
void rumpuser_cv_destroy(struct rumpuser_cv *cv);
void rumpuser_cv_wait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx);
void rumpuser_cv_wait_nowrap(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx);
/* Relative timeout; returns 0 if signalled, ETIMEDOUT otherwise. */
int rumpuser_cv_timedwait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx,
    int64_t sec, int64_t nsec);
void rumpuser_cv_signal(struct rumpuser_cv *cv);
void rumpuser_cv_broadcast(struct rumpuser_cv *cv);
void rumpuser_cv_has_waiters(struct rumpuser_cv *cv, int *waitersp);

/* errno of the calling host thread (for rump_sys_* failure returns). */
void rumpuser_seterrno(int error);

/* Console. */
void rumpuser_putchar(int ch);
void rumpuser_dprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Leave the process.  RUMPUSER_PANIC aborts (core dump where allowed). */
#define RUMPUSER_PANIC (-1)
void rumpuser_exit(int value) __attribute__((noreturn));

/* Random bytes.  flags: RUMPUSER_RANDOM_* */
#define RUMPUSER_RANDOM_HARD   0x01
#define RUMPUSER_RANDOM_NOWAIT 0x02
int rumpuser_getrandom(void *buf, size_t buflen, int flags, size_t *retp);

/*
 * Component discovery: call add for every struct rump_component found in
 * the "rump_components" ELF section of every object loaded in the process
 * (the program and its shared libraries), each exactly once.  Safe to call
 * again after dlopen(): the kernel skips components it already has.
 */
struct rump_component;
typedef void (*rump_component_init_fn)(const struct rump_component *);
void rumpuser_dl_bootstrap(rump_component_init_fn add);

/* Host name (for uname). */
int rumpuser_gethostname(char *buf, size_t buflen);

/*
 * Host directories, for etfs RUMP_ETFS_DIR and _DIR_SUBDIRS (the kernel's
 * sys/vfs/vfs_hostdir.c; POSIX side in rumpuser_hostdir.c).  Paths are
 * host paths the kernel builds below a registered directory; the calls
 * never follow a symbolic link in the last component, and all of them
 * release the virtual CPU.  They return 0 or the host's errno.
 *
 *   rumpuser_hostdir_getattr   lstat(): the attributes below
 *   rumpuser_hostdir_readdir   up to nents entries of directory path,
 *                              skipping the first start ones ("." and
 *                              ".." are never returned); *countp gets
 *                              the number filled in, *eofp 1 when the
 *                              directory has no more
 *   rumpuser_hostdir_mkdir     mkdir(path, mode)
 *   rumpuser_hostdir_create    create a regular file (O_EXCL) with mode
 *   rumpuser_hostdir_remove    unlink, or rmdir if isdir
 *   rumpuser_hostdir_readlink  the target of a symbolic link, *lenp bytes
 *                              (ENAMETOOLONG if it does not fit buflen)
 *   rumpuser_hostdir_setattr   truncate to size (RUMPUSER_HOSTDIR_NOSIZE:
 *                              no change), chmod to mode (permission
 *                              bits; RUMPUSER_HOSTDIR_NOMODE: no change)
 *   rumpuser_hostdir_openfile  open a regular file without following a
 *                              symbolic link, read-write if the host
 *                              allows, else read-only (*rdonlyp = 1);
 *                              the descriptor works with rumpuser_iovread,
 *                              rumpuser_iovwrite, rumpuser_syncfd and
 *                              rumpuser_close
 */
struct rumpuser_hostattr {
	int ha_ft;                   /* RUMPUSER_FT_*, or 5 for a symlink */
	uint32_t ha_mode;            /* permission bits (07777) */
	uint32_t ha_uid, ha_gid;
	uint64_t ha_nlink;
	uint64_t ha_ino;
	uint64_t ha_size;
	uint64_t ha_blocks;          /* 512-byte units */
	uint64_t ha_rdev;
	int64_t ha_atime, ha_mtime, ha_ctime;   /* seconds */
	long ha_atimens, ha_mtimens, ha_ctimens;
};
#define RUMPUSER_FT_LNK 5
struct rumpuser_dirent {
	uint64_t d_ino;
	int d_ft;                    /* RUMPUSER_FT_* */
	char d_name[256];
};
#define RUMPUSER_HOSTDIR_NOSIZE ((uint64_t)-1)
#define RUMPUSER_HOSTDIR_NOMODE ((uint32_t)-1)
int rumpuser_hostdir_getattr(const char *path, struct rumpuser_hostattr *ha);
int rumpuser_hostdir_readdir(const char *path, uint64_t start,
    struct rumpuser_dirent *ents, size_t nents, size_t *countp, int *eofp);
int rumpuser_hostdir_mkdir(const char *path, uint32_t mode);
int rumpuser_hostdir_create(const char *path, uint32_t mode);
int rumpuser_hostdir_remove(const char *path, int isdir);
int rumpuser_hostdir_readlink(const char *path, char *buf, size_t buflen,
    size_t *lenp);
int rumpuser_hostdir_setattr(const char *path, uint64_t size, uint32_t mode);
int rumpuser_hostdir_openfile(const char *path, int *fdp, int *rdonlyp);

/*
 * Fault injection, for tests.  The host environment variable
 * RUMP_FAULT_MALLOC="N" or "N:M" makes rumpuser_malloc() fail with ENOMEM on
 * its Nth call after rumpuser_init() and, with M, on every Mth call after
 * that; "N/M" or "N/M+S" makes it fail N of every M calls (the first N of
 * each run of M) after the first S calls.  RUMP_FAULT_BIO works the same
 * way for rumpuser_bio() (EIO).
 */

/*
 * Remote system calls, the server's host side (rumpuser_sp.c).  The host
 * listens on a URL, accepts connections, reads and writes frames, and
 * runs each connection on a host thread of its own; what the frames mean
 * is the kernel's business (sys/kern/kern_sp.c), reached through these
 * upcalls, which run on the connection's thread without a virtual CPU:
 *
 *   spo_open     a connection was accepted; *connp receives the kernel's
 *                handle.  Non-zero refuses it (the socket is closed).
 *   spo_request  one whole frame, msg[0..len), len between 16 and the
 *                maxmsg given to rumpuser_sp_init() (the first 4 bytes,
 *                a host-order uint32_t, are the frame's length; nothing
 *                else is looked at).  The buffer is the kernel's to read
 *                and write until the call returns.  Returns 0 with a
 *                reply to send in *replyp, *replylenp (kept valid by the
 *                kernel until its next upcall on the connection), or
 *                RUMPUSER_SP_LAST: send the reply if *replylenp is not 0,
 *                then close; any other value closes without a reply.
 *   spo_close    the connection is gone (peer closed, error, or the
 *                kernel's verdict); the handle is not used again.
 *   spo_hangup   (may be NULL) the peer has closed its end, seen while a
 *                request may still be running on the connection's thread:
 *                the kernel interrupts a call that sleeps.  Runs on
 *                another host thread, at most once per connection, and
 *                never once spo_close has begun.
 *   spo_tick     (may be NULL) about once a second, on another host
 *                thread without a virtual CPU: the kernel's timed
 *                housekeeping (fork and exec holds that expire).
 *
 * URLs: unix://relative/path, unix:///absolute/path (the socket file is
 * created with mode 0600, a stale one replaced, and removed by
 * rumpuser_sp_fini() and at exit), tcp://ADDR:PORT[/] with a numeric IPv4
 * address (0 for any) or a bracketed IPv6 one ([::1]).
 * rumpuser_sp_init() returns 0, EINVAL (malformed URL), ENAMETOOLONG,
 * EADDRINUSE (a live server has the address), EALREADY (already
 * listening) or the host's error for socket/bind/listen.
 * rumpuser_sp_fini() stops accepting and removes the socket file;
 * connections already open go on until the kernel closes them.
 */
#define RUMPUSER_SP_UNIX 1
#define RUMPUSER_SP_TCP  2
#define RUMPUSER_SP_NGROUPS 64
struct rumpuser_sp_peer {
	int sp_transport;            /* RUMPUSER_SP_UNIX or RUMPUSER_SP_TCP */
	int sp_hascred;              /* unix: the peer's credentials follow */
	int32_t sp_pid;
	uint32_t sp_uid, sp_gid;
	int sp_ngroups;              /* supplementary groups, -1: unknown */
	uint32_t sp_groups[RUMPUSER_SP_NGROUPS];
};
#define RUMPUSER_SP_LAST (-1)
struct rumpuser_sp_ops {
	int (*spo_open)(const struct rumpuser_sp_peer *peer, void **connp);
	int (*spo_request)(void *conn, void *msg, size_t len,
	    const void **replyp, size_t *replylenp);
	void (*spo_close)(void *conn);
	void (*spo_hangup)(void *conn);
	void (*spo_tick)(void);
};
int rumpuser_sp_init(const char *url, const struct rumpuser_sp_ops *ops,
    size_t maxmsg);
void rumpuser_sp_fini(void);

#endif /* _RUMP_RUMPUSER_H_ */
