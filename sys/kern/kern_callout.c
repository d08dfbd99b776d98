/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_callout.c: callouts (timers) on a hashed timer wheel.
 *
 * Time is cut into 1 ms ticks of the monotonic uptime.  A pending callout
 * sits in bucket (tick of its deadline) mod 256 of the wheel; a bucket
 * holds callouts due in this turn of the wheel and in later turns, and each
 * carries its exact deadline (c_when), so the clock thread fires only those
 * whose deadline has passed.
 *
 * The clock thread (a kernel thread with its own virtual CPU, started by
 * callout_startup() from rump_init) walks the buckets of the ticks that
 * have passed, runs the expired handlers one by one with no lock held, then
 * looks ahead up to one turn of the wheel for the next deadline and sleeps
 * on cw_cv until it (at most one turn when nothing is due within it; with
 * no callout pending at all, until one is scheduled).  callout_schedule()
 * wakes it when the new deadline is earlier than the one it sleeps for.
 *
 * A callout's states, all under cw_lock:
 *	idle --schedule--> pending --deadline--> running --handler returns--> idle
 *	pending --stop/halt--> idle;  running --schedule--> running + pending
 * "running" is cw_running == c; callout_halt() waits on cw_donecv until the
 * handler has returned, so the caller may then free the callout.  While it
 * waits the callout is marked halting: if the handler re-arms it, it is
 * not fired again, and the halt disarms it once the handler is done.
 *
 * Locking: [c] cw_lock.  Lock order: a callout_halt() interlock > cw_lock.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/lock.h"
#include "kern/lwp.h"

#define CALLOUT_TICK_NS  NSEC_PER_MSEC
#define CALLOUT_NBUCKETS 256
#define CALLOUT_MASK     (CALLOUT_NBUCKETS - 1)

#define CALLOUT_PENDING  0x01   /* in a wheel bucket */
#define CALLOUT_HALTING  0x02   /* callout_halt() waits: do not fire */
#define CALLOUT_INITED   0x100  /* callout_init done (DIAGNOSTIC aid) */

#define CALLOUT_STATE_CHANGE(c, from, to) do {				\
	KASSERTMSG(((c)->c_flags & CALLOUT_PENDING) == (from),		\
	    "callout %p: state 0x%x, expected 0x%x", (c),		\
	    (c)->c_flags & CALLOUT_PENDING, (from));			\
	(c)->c_flags = ((c)->c_flags & ~CALLOUT_PENDING) | (to);	\
} while (0)

static kmutex_t cw_lock;
static kcondvar_t cw_cv;               /* wakes the clock thread */
static kcondvar_t cw_donecv;           /* a handler returned */
static struct callout *cw_wheel[CALLOUT_NBUCKETS]; /* [c] */
static unsigned cw_npending;           /* [c] */
static int64_t cw_lasttick;            /* [c] last tick processed */
static int64_t cw_sleepuntil;          /* [c] the clock thread's deadline,
                                          INT64_MAX: none */
static struct callout *cw_running;     /* [c] handler being run */
static struct lwp *cw_lwp;             /* [I] the clock thread */
static bool cw_started;                /* [I] */

static inline int64_t
callout_tick(int64_t ns)
{
	return ns / CALLOUT_TICK_NS;
}

void
callout_init(callout_t *c, void (*func)(void *), void *arg)
{
	memset(c, 0, sizeof(*c));
	c->c_func = func;
	c->c_arg = arg;
	c->c_flags = CALLOUT_INITED;
}

void
callout_destroy(callout_t *c)
{
	KASSERT(c->c_flags & CALLOUT_INITED);
	KASSERTMSG(!(c->c_flags & CALLOUT_PENDING),
	    "callout_destroy: %p still pending", c);
	KASSERTMSG(!cw_started || cw_running != c,
	    "callout_destroy: %p still running", c);
	c->c_flags = 0;
}

static void
callout_unlink(callout_t *c)
{
	KASSERT(mutex_owned(&cw_lock));
	CALLOUT_STATE_CHANGE(c, CALLOUT_PENDING, 0);
	if (c->c_next != NULL)
		c->c_next->c_prevp = c->c_prevp;
	*c->c_prevp = c->c_next;
	c->c_next = NULL;
	c->c_prevp = NULL;
	cw_npending--;
}

static void
callout_link(callout_t *c)
{
	struct callout **head;

	KASSERT(mutex_owned(&cw_lock));
	CALLOUT_STATE_CHANGE(c, 0, CALLOUT_PENDING);
	head = &cw_wheel[callout_tick(c->c_when) & CALLOUT_MASK];
	c->c_next = *head;
	if (*head != NULL)
		(*head)->c_prevp = &c->c_next;
	c->c_prevp = head;
	*head = c;
	cw_npending++;
}

/*
 * Arm c to fire delta_ns from now (0 or less: on the next tick), replacing
 * an earlier deadline if it was pending.
 */
void
callout_schedule(callout_t *c, int64_t delta_ns)
{
	int64_t when;

	KASSERT(c->c_flags & CALLOUT_INITED);
	KASSERTMSG(cw_started, "callout_schedule before callout_startup");
	if (delta_ns < 0)
		delta_ns = 0;
	when = getnanouptime() + delta_ns;
	mutex_enter(&cw_lock);
	if (c->c_flags & CALLOUT_PENDING)
		callout_unlink(c);
	c->c_when = when;
	callout_link(c);
	if (when < cw_sleepuntil) {
		cw_sleepuntil = when;
		cv_signal(&cw_cv);
	}
	mutex_exit(&cw_lock);
}

bool
callout_stop(callout_t *c)
{
	bool pending;

	KASSERT(c->c_flags & CALLOUT_INITED);
	if (!cw_started)
		return false;
	mutex_enter(&cw_lock);
	pending = (c->c_flags & CALLOUT_PENDING) != 0;
	if (pending)
		callout_unlink(c);
	mutex_exit(&cw_lock);
	return pending;
}

/*
 * Stop c and wait until its handler is not running.  interlock, when not
 * NULL, is held by the caller; it is dropped while waiting and held again
 * on return.  A handler that schedules its callout again while being
 * halted is stopped again.  Called from c's own handler it does not wait.
 */
bool
callout_halt(callout_t *c, kmutex_t *interlock)
{
	bool pending = false, dropped = false;

	KASSERT(c->c_flags & CALLOUT_INITED);
	KASSERT(interlock == NULL || mutex_owned(interlock));
	if (!cw_started)
		return false;
	mutex_enter(&cw_lock);
	for (;;) {
		if (c->c_flags & CALLOUT_PENDING) {
			callout_unlink(c);
			pending = true;
		}
		if (cw_running != c || curlwp == cw_lwp)
			break;
		/* Should the handler re-arm c, it stays unfired till we are done. */
		c->c_flags |= CALLOUT_HALTING;
		/* The handler may need interlock: let go of it to wait. */
		if (interlock != NULL && !dropped) {
			mutex_exit(&cw_lock);
			mutex_exit(interlock);
			dropped = true;
			mutex_enter(&cw_lock);
			continue;
		}
		cv_wait(&cw_donecv, &cw_lock);
	}
	c->c_flags &= ~CALLOUT_HALTING;
	mutex_exit(&cw_lock);
	if (dropped)
		mutex_enter(interlock);
	return pending;
}

bool
callout_pending(callout_t *c)
{
	return (atomic_load_relaxed(&c->c_flags) & CALLOUT_PENDING) != 0;
}

/*
 * Run the expired callouts of bucket b.  With cw_lock held; dropped around
 * each handler.  Restarts the bucket after each handler, since the list
 * may have changed meanwhile.
 */
static void
callout_run_bucket(unsigned b, int64_t now)
{
	struct callout *c;

	KASSERT(mutex_owned(&cw_lock));
restart:
	for (c = cw_wheel[b]; c != NULL; c = c->c_next) {
		if (c->c_when > now || (c->c_flags & CALLOUT_HALTING))
			continue;
		callout_unlink(c);
		cw_running = c;
		mutex_exit(&cw_lock);
		c->c_func(c->c_arg);
		mutex_enter(&cw_lock);
		cw_running = NULL;
		cv_broadcast(&cw_donecv);
		goto restart;
	}
}

/*
 * The earliest deadline within one turn of the wheel from tick on, or
 * INT64_MAX when there is none (callouts further away are found on a
 * later look).
 */
static int64_t
callout_next_deadline(int64_t tick)
{
	struct callout *c;
	int64_t t, best = INT64_MAX;

	for (t = tick; t < tick + CALLOUT_NBUCKETS; t++) {
		for (c = cw_wheel[t & CALLOUT_MASK]; c != NULL; c = c->c_next) {
			if (callout_tick(c->c_when) <= t &&
			    c->c_when < best && !(c->c_flags & CALLOUT_HALTING))
				best = c->c_when;
		}
		if (best != INT64_MAX)
			return best;
	}
	return INT64_MAX;
}

/* The clock thread: see the file comment. */
static void
callout_clock(void *arg)
{
	int64_t now, tick, t, next;

	cw_lwp = curlwp;
	mutex_enter(&cw_lock);
	for (;;) {
		now = getnanouptime();
		tick = callout_tick(now);
		if (tick - cw_lasttick >= CALLOUT_NBUCKETS)
			cw_lasttick = tick - CALLOUT_NBUCKETS;
		for (t = cw_lasttick + 1; t <= tick; t++)
			callout_run_bucket((unsigned)(t & CALLOUT_MASK), now);
		/* The current tick is not over: look at its bucket again. */
		cw_lasttick = tick - 1;

		if (cw_npending == 0) {
			cw_sleepuntil = INT64_MAX;
			cv_wait(&cw_cv, &cw_lock);
			continue;
		}
		next = callout_next_deadline(tick);
		if (next == INT64_MAX)
			next = (tick + CALLOUT_NBUCKETS) * CALLOUT_TICK_NS;
		cw_sleepuntil = next;
		now = getnanouptime();
		if (next > now)
			(void)cv_timedwait(&cw_cv, &cw_lock, next - now);
	}
}

/*
 * Start the clock thread.  Called once by rump_init() after the scheduler
 * and kernel threads work.  Without threads (RUMP_THREADS=0) callouts
 * never fire.
 */
void
callout_startup(void)
{
	int error;

	mutex_init(&cw_lock, MUTEX_DEFAULT, "callout");
	cv_init(&cw_cv, "clock");
	cv_init(&cw_donecv, "calldone");
	cw_lasttick = callout_tick(getnanouptime());
	cw_sleepuntil = INT64_MAX;
	cw_started = true;
	error = kthread_create(0, callout_clock, NULL, &cw_lwp, "clock");
	if (error != 0)
		printf("callout: no clock thread (error %d), "
		    "timers will not fire\n", error);
}
