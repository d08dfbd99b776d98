/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_clock.c: the host's clocks and sleeping.
 *
 * The kernel's time keeping and its clock thread (sys/kern) read the wall
 * and monotonic clocks here and sleep until the next tick.  Sleeping
 * releases the virtual CPU.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

#include "rumpuser_int.h"

#define RU_NSEC_PER_SEC 1000000000L

/*
 * Read a clock: RUMPUSER_CLOCK_RELWALL is the host's wall clock,
 * RUMPUSER_CLOCK_ABSMONO its monotonic clock.  Returns 0 or EINVAL.
 */
int
rumpuser_clock_gettime(int clk, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t id;

	switch (clk) {
	case RUMPUSER_CLOCK_RELWALL:
		id = CLOCK_REALTIME;
		break;
	case RUMPUSER_CLOCK_ABSMONO:
		id = CLOCK_MONOTONIC;
		break;
	default:
		return EINVAL;
	}
	if (clock_gettime(id, &ts) != 0)
		return errno;
	*sec = (int64_t)ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

/*
 * Sleep with the virtual CPU released.  RUMPUSER_CLOCK_RELWALL sleeps for
 * the given time (nothing if it is not positive); RUMPUSER_CLOCK_ABSMONO
 * sleeps until the monotonic clock reaches the given time.  Signals do not
 * cut the sleep short.  Returns 0 once the time has passed, or EINVAL.
 */
int
rumpuser_clock_sleep(int clk, int64_t sec, long nsec)
{
	struct timespec ts, rem;
	int rv = 0, nlocks;

	if (nsec < 0 || nsec >= RU_NSEC_PER_SEC)
		return EINVAL;
	if (clk != RUMPUSER_CLOCK_RELWALL && clk != RUMPUSER_CLOCK_ABSMONO)
		return EINVAL;
	if (sec < 0) {
		/* Already passed, for both kinds of clock. */
		sec = 0;
		nsec = 0;
	}
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = nsec;

	nlocks = ru_unschedule(NULL);
	if (clk == RUMPUSER_CLOCK_RELWALL) {
		while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
			ts = rem;
	} else {
		do {
			rv = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			    &ts, NULL);
		} while (rv == EINTR);
	}
	ru_schedule(nlocks);
	return rv;
}
