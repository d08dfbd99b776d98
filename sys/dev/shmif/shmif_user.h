/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shmif_user.h: the hypercalls of the shmif driver, between its kernel
 * half (if_shmif.c) and its host half (shmif_user.c, built into the same
 * library).  They return 0 or an errno value (Linux numbering).
 *
 * rumpuser_shmif_wait blocks in the host: the kernel half calls it with
 * its virtual CPU released (rump_unschedule).  The others do not sleep,
 * except that send may wait for the bus lock, which other processes
 * hold only to copy one frame in; recv takes no lock.
 */
#ifndef _SYS_DEV_SHMIF_SHMIF_USER_H_
#define _SYS_DEV_SHMIF_SHMIF_USER_H_

#include <stddef.h>
#include <stdint.h>

struct shmif_user;

/* Open (creating it if missing) and map the bus file; new readers start
 * at the bus's current end.  EINVAL for a file that is not a bus. */
int rumpuser_shmif_attach(const char *path, struct shmif_user **up);
void rumpuser_shmif_detach(struct shmif_user *u);
/* Append one frame.  EMSGSIZE if larger than SHMIF_MAXFRAME. */
int rumpuser_shmif_send(struct shmif_user *u, const void *frame,
    size_t len);
/* The same, the frame gathered from n pieces holding len bytes in all
 * (what is beyond len is ignored); the pieces are copied into the ring
 * once, under the bus lock; flags (SHMIF_SF_*) go in the frame header.
 * With SHMIF_SF_TSO the frame may be up to SHMIF_MAXLARGE bytes and the
 * segment size rides in the flags' high 16 bits (SHMIF_UF_SEGSZ), here
 * and in what rumpuser_shmif_recv returns. */
#define SHMIF_UF_SEGSZ(flags)   ((uint32_t)(flags) >> 16)
#define SHMIF_UF_MKSEGSZ(n)     (((uint32_t)(n) & 0xffff) << 16)
struct shmif_iov {
	const void *si_base;
	size_t si_len;
};
int rumpuser_shmif_sendv(struct shmif_user *u, const struct shmif_iov *iov,
    int n, size_t len, uint32_t flags);
/*
 * Take the next frame another sender wrote into buf.  0 with *lenp set;
 * EAGAIN if there is none; EIO if the ring was found inconsistent (the
 * reader skipped to the end).  *overrunsp counts the times this reader
 * was overtaken by writers and lost frames; *flagsp (if not NULL) the
 * frame's SHMIF_SF_* flags.
 */
int rumpuser_shmif_recv(struct shmif_user *u, void *buf, size_t buflen,
    size_t *lenp, uint64_t *overrunsp, uint32_t *flagsp);
/* Was RUMP_SHMIF_NOCSUM=1 in the environment at attach (the option to
 * leave TCP/UDP payload sums out between kernels that both have it)? */
int rumpuser_shmif_nocsum(struct shmif_user *u);
/* May this attachment send aggregates (SHMIF_SF_TSO)?  Yes unless
 * RUMP_SHMIF_TSO=0 or the ring is too small to hold a few of them. */
int rumpuser_shmif_tso(struct shmif_user *u);
/* Sleep until a frame may be there or rumpuser_shmif_stop was called;
 * polls briefly first if frames came in lately (RUMP_SHMIF_SPIN_US). */
void rumpuser_shmif_wait(struct shmif_user *u);
/* The same, for at most ns nanoseconds. */
void rumpuser_shmif_timedwait(struct shmif_user *u, int64_t ns);
void rumpuser_shmif_stop(struct shmif_user *u);

#endif /* _SYS_DEV_SHMIF_SHMIF_USER_H_ */
