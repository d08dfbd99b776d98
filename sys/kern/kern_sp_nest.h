/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sp_nest.h: the server's marshalling of arguments whose memory is
 * not given by the registers alone (kern_sp_nest.c): @lenptr buffers
 * (sized by the unsigned int another argument points to), @msghdr
 * (struct msghdr and its name, iovec and control buffers) and ioctl
 * structures with a pointer of their own (@ioctlptr).  kern_sp.c's
 * sp_syscall() hands such an argument to these four steps; the wire
 * format is in docs/protocol.md.
 *
 * Locking: none; a struct sp_nest lives on the stack of one call.
 */
#ifndef _SYS_KERN_KERN_SP_NEST_H_
#define _SYS_KERN_KERN_SP_NEST_H_

#include "kern/kern.h"
#include "kern/kern_sp_proto.h"

#define SP_NEST_SEGS 5

struct sp_nest {
	uint8_t n_kind;            /* 0 (not nested), SPK_LENPTR, SPK_MSGHDR,
	                              SPK_IOCTL */
	uint8_t n_dir;             /* the argument's SPA_IN or SPA_INOUT */
	const struct sp_cmdrule *n_rule; /* SPK_IOCTL */
	uint64_t n_wire;           /* SPK_IOCTL: the client's nested pointer */
	struct sp_msghdr n_msg;    /* SPK_MSGHDR: as the client sent it */
	uint64_t n_iovn;           /* SPK_MSGHDR: iovecs */
	uint64_t n_sum;            /* SPK_MSGHDR: their bytes */
	const uint8_t *n_iovlens;  /* SPK_MSGHDR: their lengths */
	unsigned n_nseg;
	const uint8_t *n_in[SP_NEST_SEGS];   /* IN data, or NULL */
	uint64_t n_size[SP_NEST_SEGS];       /* bytes */
	uint64_t n_outpos[SP_NEST_SEGS];     /* reply block, 0: none */
	uint64_t n_scratch;        /* scratch bytes (pass 1) */
	void *n_kaddr[SP_NEST_SEGS];         /* where the kernel sees it */
	uint32_t *n_lenk;          /* SPK_LENPTR: the count the kernel sees */
};

/* Is argument i of this call nested (with these registers)? */
bool sp_nest_is(const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs);
/* Pass 1: take its IN blocks at *posp, reserve OUT blocks at *oposp. */
int sp_nest_in(const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs,
    const uint8_t *body, size_t blen, size_t *posp, uint64_t *oposp,
    struct sp_nest *n);
/* Pass 2: lay out its memory in the reply buffer; its kernel address. */
void *sp_nest_bind(struct sp_nest *n, uint8_t *rp, uint64_t *scratchp);
/* After every argument is bound: SPK_LENPTR clamps the count. */
void sp_nest_fixup(const struct sp_sysdesc *sd, unsigned i,
    struct sp_nest *n, const uint8_t *abuf);
/* After the call: its reply blocks from opos on; the new end. */
uint64_t sp_nest_out(struct sp_nest *n, uint8_t *rp, uint64_t opos,
    int64_t rv);

#endif /* _SYS_KERN_KERN_SP_NEST_H_ */
