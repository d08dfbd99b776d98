/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sp_impl.h: declarations shared by the remote-syscall server's
 * kernel files (kern_sp.c, kern_sp_stat.c, kern_sp_module.c).
 */
#ifndef _SYS_KERN_KERN_SP_IMPL_H_
#define _SYS_KERN_KERN_SP_IMPL_H_

#include "kern/kern.h"

/* kern_sp.c: the hypervisor's upcalls. */
int sp_open(const struct rumpuser_sp_peer *peer, void **connp);
int sp_request(void *conn, void *msg, size_t len, const void **replyp,
    size_t *replylenp);
void sp_close(void *conn);
/* Connections open now. */
unsigned sp_nconnections(void);
/* Stop accepting and serving (rump_halt(RUMP_HALT_KEEP)). */
void sp_stop(void);

/* kern_sp_stat.c: processes that exist now, proc0 and initproc included. */
unsigned sp_nprocs(void);

#endif /* _SYS_KERN_KERN_SP_IMPL_H_ */
