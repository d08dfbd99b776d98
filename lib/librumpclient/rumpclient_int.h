/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpclient_int.h: private declarations of librumpclient, shared by
 * rumpclient.c and the generated rumpclient_syscalls.c.
 */
#ifndef _LIBRUMPCLIENT_RUMPCLIENT_INT_H_
#define _LIBRUMPCLIENT_RUMPCLIENT_INT_H_

#include <stdint.h>

/*
 * Run system call num with register arguments regs (as many as the call
 * has): 0 with the result in *rvp, or an errno value.
 */
int rumpclient_syscall_regs(unsigned num, const uint64_t *regs, int64_t *rvp);

#endif /* _LIBRUMPCLIENT_RUMPCLIENT_INT_H_ */
