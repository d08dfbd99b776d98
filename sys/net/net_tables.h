/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_tables.h: the common part of the table ioctls (RUMP_SIOCGRTABLE,
 * RUMP_SIOCGARPTABLE, RUMP_SIOCGSOCKTABLE; struct rump_nettab in
 * rumpdefs.h, docs/net.md "Table ioctls").  A table gives one fill
 * function; nettab_ioctl does the rest: it checks the caller's
 * structure, sizes the table, snapshots it into a kernel buffer and
 * copies the records out after the table's lock is dropped.
 *
 * Callers: rt_tableioctl (route.c), arp_tableioctl (if_arp.c),
 * in_socktab_ioctl (in_socktab.c).
 *
 * Locking: none of its own; the fill function takes the table's lock.
 */
#ifndef _SYS_NET_NET_TABLES_H_
#define _SYS_NET_NET_TABLES_H_

#include "kern/kern.h"

/*
 * Fill function: with the table's lock held, count the entries and
 * store the first min(count, max) of them as records at buf (buf is
 * NULL when max is 0); return the count.  Must not sleep while it holds
 * the lock; buf is kernel memory of max records.
 */
typedef unsigned (*nettab_fill_t)(void *buf, unsigned max, void *arg);

/*
 * The whole ioctl on the caller's struct rump_nettab at data (a user
 * address).  0; EINVAL (bad version or negative length); ENOMEM (the
 * buffer is too small: nt_total says what is needed, nothing else is
 * stored); EAGAIN (the table kept growing while it was copied); EFAULT.
 */
int nettab_ioctl(void *data, size_t recsize, nettab_fill_t fill, void *arg);

#endif /* _SYS_NET_NET_TABLES_H_ */
