/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostspin_user.h: the rule by which the receive threads of host-link
 * drivers poll for a frame before they sleep in the host (shmif_user.c
 * and virtif_user.c, the host halves of their drivers: host code only).
 *
 * A reader that had a frame within HOSTSPIN_RECENT_NS (a transfer or a
 * conversation is going on) polls for up to hs_spinns (the driver's
 * RUMP_*_SPIN_US environment variable, default HOSTSPIN_DEFAULT_US, at
 * most HOSTSPIN_MAX_US, 0: never) before it sleeps: the next frame often
 * comes within microseconds, and a reader that did not sleep need not be
 * woken.  Between polls it yields, so that a thread woken on its CPU
 * (our own application, the peer) runs first; when a yield keeps it off
 * the CPU for more than HOSTSPIN_LOST_NS the host is busy, and a
 * runnable poller is served later than a woken sleeper, so it does not
 * poll again for HOSTSPIN_BACKOFF_NS.
 *
 * A reader's struct hostspin belongs to its thread; the driver sets
 * hs_gotrx when it reads a frame.
 */
#ifndef _SYS_DEV_HOSTSPIN_USER_H_
#define _SYS_DEV_HOSTSPIN_USER_H_

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define HOSTSPIN_DEFAULT_US 20
#define HOSTSPIN_MAX_US     1000
#define HOSTSPIN_RECENT_NS  (2 * 1000 * 1000)
#define HOSTSPIN_LOST_NS    (200 * 1000)
#define HOSTSPIN_BACKOFF_NS (50 * 1000 * 1000)

struct hostspin {
	uint64_t hs_spinns;                /* ns to poll before sleeping */
	uint64_t hs_lastrx;                /* ns of the last wait after one */
	uint64_t hs_nospin;                /* ns: no polling before this */
	bool hs_gotrx;                     /* a frame since the last wait */
};

static inline uint64_t
hostspin_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The poll time from the environment variable envname (microseconds). */
static inline void
hostspin_init(struct hostspin *s, const char *envname)
{
	const char *e = getenv(envname);
	unsigned long v = HOSTSPIN_DEFAULT_US;
	char *end;

	if (e != NULL && *e != '\0') {
		v = strtoul(e, &end, 10);
		if (*end != '\0')
			v = HOSTSPIN_DEFAULT_US;
	}
	s->hs_spinns = (v > HOSTSPIN_MAX_US ? HOSTSPIN_MAX_US : v) * 1000u;
}

/*
 * At the start of a wait (*nowp gets the time): when the reader should
 * poll first, until when (ns); else 0.
 */
static inline uint64_t
hostspin_start(struct hostspin *s, uint64_t *nowp)
{
	uint64_t now = hostspin_now();

	*nowp = now;
	if (s->hs_spinns == 0)
		return 0;
	if (s->hs_gotrx) {
		s->hs_gotrx = false;
		s->hs_lastrx = now;
	}
	if (now - s->hs_lastrx >= HOSTSPIN_RECENT_NS || now < s->hs_nospin)
		return 0;
	return now + s->hs_spinns;
}

/*
 * Between two polls, with polling allowed until end: yield the CPU.
 * False when polling is over (end reached, or the host is busy).
 */
static inline bool
hostspin_next(struct hostspin *s, uint64_t end)
{
	uint64_t now = hostspin_now();

	if (now >= end)
		return false;
	sched_yield();
	if (hostspin_now() - now > HOSTSPIN_LOST_NS) {
		s->hs_nospin = now + HOSTSPIN_BACKOFF_NS;
		return false;
	}
	return true;
}

#endif /* _SYS_DEV_HOSTSPIN_USER_H_ */
