/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_stats.h: protocol statistics, the netstat -s kind.
 *
 * One struct rump_netstats (rumpdefs.h) per kernel holds the counters of
 * IPv4, ICMP, UDP and ARP; the protocols bump them with NETSTAT_INC and
 * programs read a copy with the RUMP_SIOCGNETSTATS ioctl on any AF_INET
 * socket (net_stats_copyout).  Counters are 64-bit and only ever grow,
 * except ips_reassbytes, a level (bytes held for reassembly now).
 *
 * Locking: [a] every counter is atomic (relaxed).
 */
#ifndef _SYS_NET_NET_STATS_H_
#define _SYS_NET_NET_STATS_H_

#include "kern/kern.h"

extern struct rump_netstats netstats;

#define NETSTAT_ADD(f, n) \
	((void)__atomic_add_fetch(&netstats.f, (n), __ATOMIC_RELAXED))
#define NETSTAT_SUB(f, n) \
	((void)__atomic_sub_fetch(&netstats.f, (n), __ATOMIC_RELAXED))
#define NETSTAT_INC(f) NETSTAT_ADD(f, 1)

void net_stats_init(void);
/* Copy a snapshot out to the caller's struct rump_netstats.  0, EFAULT. */
int net_stats_copyout(void *udata);

#endif /* _SYS_NET_NET_STATS_H_ */
