/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * callout.h: timers, monotonic time and timed sleeps.
 *
 * Callouts run on the kernel clock thread from a timer wheel (kern_callout.c):
 * a handler runs once per callout_schedule(), with a virtual CPU and no locks
 * held, and must not sleep for long.  callout_halt() waits until a running
 * handler has finished, so after it returns the callout's memory may be
 * freed.
 *
 * Locking: [c] the callout wheel lock (internal).
 */
#ifndef _SYS_KERN_CALLOUT_H_
#define _SYS_KERN_CALLOUT_H_

#include "kern.h"
#include "lock.h"

struct callout {
	void (*c_func)(void *);            /* [c] */
	void *c_arg;                       /* [c] */
	int64_t c_when;                    /* [c] deadline, monotonic ns */
	unsigned c_flags;                  /* [c] */
	struct callout *c_next, **c_prevp; /* [c] wheel bucket */
};
typedef struct callout callout_t;

void callout_init(callout_t *c, void (*func)(void *), void *arg);
void callout_destroy(callout_t *c);    /* must not be pending or running */
/* (Re)arm to fire after delta_ns nanoseconds. */
void callout_schedule(callout_t *c, int64_t delta_ns);
/* Disarm; returns true if it was pending.  Does not wait. */
bool callout_stop(callout_t *c);
/* Disarm and wait for a running handler; returns true if it was pending.
 * interlock, if not NULL, is held by the caller and dropped while waiting. */
bool callout_halt(callout_t *c, kmutex_t *interlock);
bool callout_pending(callout_t *c);

void callout_startup(void);            /* starts the clock thread */

/* Time (kern_time.c). */
#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_MSEC 1000000LL
int64_t getnanouptime(void);           /* monotonic ns since boot */
void getnanotime(struct rump_timespec *ts); /* wall clock */
void getnanouptime_ts(struct rump_timespec *ts);
extern struct rump_timespec boottime;  /* [I] wall clock at boot */

/*
 * Sleep for ns nanoseconds without holding locks.  Returns 0 (interruption
 * does not exist in this kernel: no signals are delivered to lwps).
 */
int kpause(int64_t ns);

#endif /* _SYS_KERN_CALLOUT_H_ */
