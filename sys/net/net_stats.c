/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_stats.c: the protocol counters (net_stats.h) and their ioctl.
 * ifioctl() (if.c) calls net_stats_copyout for RUMP_SIOCGNETSTATS.
 */
#include "kern/kern.h"
#include "kern/syscall.h"
#include "net/net_stats.h"

struct rump_netstats netstats;

void
net_stats_init(void)
{
	memset(&netstats, 0, sizeof(netstats));
}

int
net_stats_copyout(void *udata)
{
	struct rump_netstats snap;
	const uint64_t *src = (const uint64_t *)(const void *)&netstats;
	uint64_t *dst = (uint64_t *)(void *)&snap;
	size_t i;

	CTASSERT(sizeof(snap) % sizeof(uint64_t) == 0);
	for (i = 0; i < sizeof(snap) / sizeof(uint64_t); i++)
		dst[i] = atomic_load_relaxed(&src[i]);
	return copyout(&snap, udata, sizeof(snap));
}
