/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_impair.h: a test impairment of the frames an interface receives:
 * loss (in bursts), duplication, reordering and delay with jitter, at
 * seeded rates read from the host environment (if_impair.c,
 * docs/shmif.md).  if_hostlink.c runs it on its receive thread for the
 * drivers that name an environment variable (shmif: RUMP_SHMIF_IMPAIR).
 *
 *	imp = if_impair_create(ifp, "RUMP_SHMIF_IMPAIR");  NULL: off
 *	for each received frame:
 *		if_impair_input(imp, m, &list);    frames to hand up now
 *	before sleeping, and after each wake-up:
 *		wait = if_impair_due(imp, &list);  due frames; ns to the
 *		                                   next one, or -1
 *	if_impair_destroy(imp);                    frees what it holds
 *
 * The frames handed back are linked by m_nextpkt, in the order they are
 * to go up.  A TCP/IPv4 aggregate (M_CSUM_TSOv4) is cut into the
 * segments a wire would carry (if_lrocut) before any of this, so that
 * the rates are per wire frame.
 *
 * Locking: none.  One impairment belongs to one receive thread, which
 * alone calls these functions.
 */
#ifndef _SYS_NET_IF_IMPAIR_H_
#define _SYS_NET_IF_IMPAIR_H_

#include "kern/kern.h"

struct ifnet;
struct mbuf;
struct if_impair;

/* Read envname ("drop,dup,reorder,delay_us[,jitter_us[,burst]]") and
 * envname_SEED; NULL (no cost) when unset or all zero.  Counts in ifp's
 * if_imp* counters and prints a line saying what it does. */
struct if_impair *if_impair_create(struct ifnet *ifp, const char *envname);
void if_impair_destroy(struct if_impair *imp);
/* Impair the received frame m (consumed); append what is to go up now
 * to the list whose tail pointer is *tailp. */
void if_impair_input(struct if_impair *imp, struct mbuf *m,
    struct mbuf ***tailp);
/* Append the frames now due; return the nanoseconds until the next one
 * held is due, or -1 if none is held. */
int64_t if_impair_due(struct if_impair *imp, struct mbuf ***tailp);

#endif /* _SYS_NET_IF_IMPAIR_H_ */
