/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * syscall.h: system call dispatch and access to the caller's memory.
 *
 * The table sys/kern/syscalls.tab generates the argument structures, the
 * rump_sys_* stubs and the dispatch table sysent[] (sys_syscallargs.h,
 * rump_syscalls.c).  Handlers of the core are in sysent[] from the start;
 * a component registers its handlers with syscall_establish() from its
 * RUMP_COMPONENT init.  A number with no handler returns ENOSYS.
 *
 * Handlers read and write the caller's memory only through copyin(),
 * copyout() and copyinstr(), never directly: the same handler then serves
 * a local caller and a remote one (whose arguments the server has already
 * brought into its own memory, see syscalldescs[]).
 */
#ifndef _SYS_KERN_SYSCALL_H_
#define _SYS_KERN_SYSCALL_H_

#include "kern.h"

typedef int (*sy_call_t)(struct lwp *, const void *, register_t *);

struct sysent {
	sy_call_t sy_call;                 /* [a] NULL: ENOSYS */
};

struct syscall_package {
	int sp_code;                       /* SYS_*, -1 ends the list */
	sy_call_t sp_call;
};

/* Argument descriptions for marshalling (one per argument). */
enum { SA_SCALAR, SA_IN, SA_OUT, SA_INOUT, SA_ADDR };        /* sa_dir */
enum { SA_FIXED = 1, SA_STR, SA_ARG, SA_IOCTL, SA_FCNTL };   /* sa_kind */
struct syscall_argdesc {
	uint8_t sa_dir;
	uint8_t sa_kind;
	uint8_t sa_sizearg;   /* SA_ARG: index of the argument giving the count */
	uint32_t sa_size;     /* SA_FIXED: bytes; SA_ARG: bytes per unit;
	                         SA_SCALAR: bytes of the value */
	uint8_t sa_nullable;
};
struct syscall_desc {
	uint8_t sd_nargs;
	uint8_t sd_retsize;
	struct syscall_argdesc sd_args[6];
};

extern struct sysent sysent[];
extern const char *const syscallnames[];
extern const struct syscall_desc syscalldescs[];

/* Register/unregister a component's handlers; 0 or EEXIST. */
int syscall_establish(const struct syscall_package *pkg);
void syscall_disestablish(const struct syscall_package *pkg);

/*
 * Run system call num for the calling thread (scheduling it on a virtual
 * CPU around the call).  Returns 0 or an errno; results in retval.
 */
int rump_syscall(int num, void *args, register_t *retval);

/*
 * Copy between the caller's memory and the kernel's.  Return 0 or EFAULT
 * for addresses the kernel can tell are bad (NULL, the first page, ranges
 * that wrap).  copyinstr copies at most len bytes including the NUL and
 * returns ENAMETOOLONG if the string does not fit; *done (if not NULL) is
 * the length copied including the NUL.
 */
int copyin(const void *uaddr, void *kaddr, size_t len);
int copyout(const void *kaddr, void *uaddr, size_t len);
int copyinstr(const void *uaddr, char *kaddr, size_t len, size_t *done);
int copyoutstr(const char *kaddr, void *uaddr, size_t len, size_t *done);

#endif /* _SYS_KERN_SYSCALL_H_ */
