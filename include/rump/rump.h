/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump.h: the public interface of a rump kernel linked into a program.
 *
 *	#include <rump/rump.h>
 *	#include <rump/rump_syscalls.h>
 *
 *	if (rump_init() != 0) ...
 *	fd = rump_sys_open("/file", O_RDWR | O_CREAT, 0644);
 *
 * See rump(3), rump_lwproc(3) and rump_etfs(3).
 */
#ifndef _RUMP_RUMP_H_
#define _RUMP_RUMP_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lwp;

/*
 * Boot the kernel with every component linked into the program or loaded
 * with dlopen() before the call.  Returns 0 or an errno value: EINVAL for a
 * malformed parameter (a message names it).  Calling it again after a
 * successful boot does nothing and returns 0.
 */
int rump_init(void);

/* Version of the kernel interface (RUMP_VERSION at build time). */
#define RUMP_VERSION 1
int rump_getversion(void);

/* Boot statistics: nanoseconds rump_init() took and bytes the kernel holds. */
uint64_t rump_boot_nsec(void);
uint64_t rump_kmem_inuse(void);

/* Scheduling a host thread on a virtual CPU around direct kernel calls. */
void rump_schedule(void);
void rump_unschedule(void);

/*
 * Processes and lwps (rump_lwproc(3)).  rfork flags choose what the new
 * process does with the caller's descriptor table.
 */
#define RUMP_RFFDG  0x01 /* copy the descriptor table */
#define RUMP_RFCFDG 0x02 /* start with an empty descriptor table */
#define RUMP_RFSHARE 0x00 /* share the descriptor table */
int rump_lwproc_rfork(int flags);
int rump_lwproc_newlwp(int pid);
void rump_lwproc_switch(struct lwp *l);
void rump_lwproc_releaselwp(void);
struct lwp *rump_lwproc_curlwp(void);

/* Host files in the kernel's namespace (rump_etfs(3)). */
enum rump_etfs_type {
	RUMP_ETFS_REG,
	RUMP_ETFS_BLK,
	RUMP_ETFS_CHR,
	RUMP_ETFS_DIR,
	RUMP_ETFS_DIR_SUBDIRS
};
#define RUMP_ETFS_SIZE_ENDOFF ((uint64_t)-1)
int rump_etfs_register(const char *key, const char *hostpath,
    enum rump_etfs_type ftype);
int rump_etfs_register_withsize(const char *key, const char *hostpath,
    enum rump_etfs_type ftype, uint64_t begin, uint64_t size);
int rump_etfs_remove(const char *key);

/*
 * Remote system calls (rump_server(1), rumpclient(3), docs/protocol.md).
 * rump_init_server() boots the kernel if needed and serves its system
 * calls on url (unix://path, unix:///path, tcp://addr:port/); each client
 * connection becomes a process of the kernel.  Returns 0 or an errno:
 * EINVAL (bad URL or argument), EADDRINUSE, EALREADY, ...
 * rump_init_server_ex() also takes RUMP_SP_* flags and a shared secret
 * that clients on tcp must present (at most 256 bytes; none if keylen is
 * 0).  rump_fini_server() stops accepting and serving and removes the
 * socket file.
 */
#define RUMP_SP_ROOTCREDS 0x01 /* every client runs as root */
int rump_init_server(const char *url);
int rump_init_server_ex(const char *url, int flags, const void *key,
    size_t keylen);
void rump_fini_server(void);

/*
 * Values of rump_sys_rump_sysinfo(buf, len): an array of uint64_t, in
 * this order; the call stores as many as fit and returns the bytes stored.
 */
#define RUMP_SYSINFO_NCPU        0  /* virtual CPUs */
#define RUMP_SYSINFO_MEMINUSE    1  /* bytes the kernel holds */
#define RUMP_SYSINFO_MEMLIMIT    2  /* RUMP_MEMLIMIT, 0: none */
#define RUMP_SYSINFO_BOOTSEC     3  /* wall clock at boot: seconds */
#define RUMP_SYSINFO_BOOTNSEC    4  /* and nanoseconds */
#define RUMP_SYSINFO_UPTIMENS    5  /* nanoseconds since boot */
#define RUMP_SYSINFO_NPROCS      6  /* processes, proc0 and init included */
#define RUMP_SYSINFO_NCONNS      7  /* remote clients' connections */
#define RUMP_SYSINFO_BOOTNS      8  /* nanoseconds rump_init() took */
#define RUMP_SYSINFO_COUNT       9

/* rump_sys_rump_halt(flags), root only: shut the kernel down. */
#define RUMP_HALT_NOSYNC 0x01  /* skip the shutdown hooks (no sync) */
#define RUMP_HALT_DUMP   0x02  /* end the process with a core dump */
#define RUMP_HALT_KEEP   0x04  /* stop serving but keep the process */

/*
 * Components of objects loaded with dlopen() after rump_init(): run the
 * ones not run yet, in level order.  Returns 0, or the first failing
 * component's error (the others still run).
 */
int rump_component_rescan(void);

/*
 * For fuzzing the remote-syscall parser (fuzz/fuzz_sp.c) only: a
 * connection with no process and no socket; requests are parsed and
 * marshalled, and system calls are replaced by a stand-in that touches
 * their memory.
 */
int rump_sp_fuzz_open(void **connp);
int rump_sp_fuzz_request(void *conn, void *msg, size_t len,
    const void **replyp, size_t *replylenp);
void rump_sp_fuzz_close(void *conn);

#ifdef __cplusplus
}
#endif

#endif /* _RUMP_RUMP_H_ */
