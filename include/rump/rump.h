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

#ifdef __cplusplus
}
#endif

#endif /* _RUMP_RUMP_H_ */
