/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_time.c: clocks, sleeping and callouts (kern_time.c, kern_callout.c).
 *
 * The time system calls are tested through rump_sys_*.  Callouts have no
 * system call; their cases call the kernel's own functions, which the
 * kernel library exports as rumpns_* (kern.map), from a thread scheduled
 * on a virtual CPU with rump_schedule().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* The kernel's callout interface (sys/kern/callout.h), by its exported
 * names.  The callout itself is opaque here: a large enough buffer. */
typedef struct { _Alignas(16) unsigned char opaque[128]; } callout_buf;
void rumpns_callout_init(void *c, void (*func)(void *), void *arg);
void rumpns_callout_destroy(void *c);
void rumpns_callout_schedule(void *c, int64_t delta_ns);
bool rumpns_callout_stop(void *c);
bool rumpns_callout_halt(void *c, void *interlock);
bool rumpns_callout_pending(void *c);
int rumpns_kpause(int64_t ns);

#define MS 1000000LL

static int64_t
host_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

Test(time, monotonic_advances)
{
	struct timespec a, b;

	boot();
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC, &a), 0);
	usleep(20000);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC, &b), 0);
	cr_expect_geq(ts_ns(&b) - ts_ns(&a), 20 * MS);
	cr_expect_lt(ts_ns(&b) - ts_ns(&a), 5000 * MS);
	cr_expect(a.tv_nsec >= 0 && a.tv_nsec < 1000000000L);
	/* Uptime: the kernel booted moments ago. */
	cr_expect_lt(a.tv_sec, 60);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_BOOTTIME, &b), 0);
	cr_expect_geq(ts_ns(&b), ts_ns(&a));
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC_COARSE, &b), 0);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC_RAW, &b), 0);
}

Test(time, realtime_matches_host)
{
	struct timespec k, h;
	struct timeval tv;
	struct timezone tz;

	boot();
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, &k), 0);
	clock_gettime(CLOCK_REALTIME, &h);
	cr_expect_lt(llabs(ts_ns(&h) - ts_ns(&k)), 1000 * MS);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME_COARSE, &k), 0);
	cr_expect_lt(llabs(ts_ns(&h) - ts_ns(&k)), 1000 * MS);

	memset(&tz, 0xff, sizeof(tz));
	cr_assert_eq(rump_sys_gettimeofday(&tv, &tz), 0);
	cr_expect_lt(llabs((int64_t)tv.tv_sec - (int64_t)h.tv_sec), 2);
	cr_expect(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	cr_expect_eq(tz.tz_minuteswest, 0);
	cr_expect_eq(tz.tz_dsttime, 0);
	cr_expect_eq(rump_sys_gettimeofday(NULL, NULL), 0);
}

Test(time, bad_clocks)
{
	struct timespec ts;

	boot();
	cr_expect_eq(rump_sys_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(rump_sys_clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(rump_sys_clock_gettime(100, &ts), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(rump_sys_clock_gettime(-3, &ts), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC, NULL), -1);
	cr_expect_eq(errno, EFAULT);
}

Test(time, nanosleep_sleeps)
{
	struct timespec req = { 0, 30 * MS }, rem = { 77, 77 };
	int64_t t0, dt;

	boot();
	t0 = host_mono_ns();
	cr_assert_eq(rump_sys_nanosleep(&req, &rem), 0);
	dt = host_mono_ns() - t0;
	cr_expect_geq(dt, 30 * MS, "slept %lld ns", (long long)dt);
	cr_expect_lt(dt, 2000 * MS, "slept %lld ns", (long long)dt);
	/* Not interrupted: rem is left alone. */
	cr_expect_eq(rem.tv_sec, 77);
	req.tv_nsec = 0;
	cr_expect_eq(rump_sys_nanosleep(&req, NULL), 0);
}

Test(time, nanosleep_einval)
{
	struct timespec req;

	boot();
	req = (struct timespec){ 0, 1000000000L };
	cr_expect_eq(rump_sys_nanosleep(&req, NULL), -1);
	cr_expect_eq(errno, EINVAL);
	req = (struct timespec){ 0, -1 };
	cr_expect_eq(rump_sys_nanosleep(&req, NULL), -1);
	cr_expect_eq(errno, EINVAL);
	req = (struct timespec){ -1, 0 };
	cr_expect_eq(rump_sys_nanosleep(&req, NULL), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(rump_sys_nanosleep(NULL, NULL), -1);
	cr_expect_eq(errno, EFAULT);
}

/* Callouts: each records when and in which order it fired. */
struct fired {
	int order[8];
	int64_t when[8];
	int n;
};
static struct fired fired;

struct ctx {
	callout_buf co;
	int id;
	int64_t deadline;
};

static void
record(void *arg)
{
	struct ctx *c = arg;
	int i = __atomic_fetch_add(&fired.n, 1, __ATOMIC_SEQ_CST);

	if (i < 8) {
		fired.order[i] = c->id;
		fired.when[i] = host_mono_ns();
	}
}

static void
wait_fired(int n, int64_t max_ns)
{
	int64_t end = host_mono_ns() + max_ns;

	while (__atomic_load_n(&fired.n, __ATOMIC_SEQ_CST) < n &&
	    host_mono_ns() < end)
		usleep(1000);
}

Test(callout, fire_in_deadline_order)
{
	static struct ctx c[3];
	const int64_t delay[3] = { 60 * MS, 20 * MS, 40 * MS };
	int i;

	boot();
	rump_schedule();
	for (i = 0; i < 3; i++) {
		c[i].id = i;
		rumpns_callout_init(&c[i].co, record, &c[i]);
	}
	for (i = 0; i < 3; i++) {
		c[i].deadline = host_mono_ns() + delay[i];
		rumpns_callout_schedule(&c[i].co, delay[i]);
		cr_expect(rumpns_callout_pending(&c[i].co));
	}
	rump_unschedule();
	wait_fired(3, 3000 * MS);
	cr_assert_eq(fired.n, 3);
	cr_expect_eq(fired.order[0], 1);
	cr_expect_eq(fired.order[1], 2);
	cr_expect_eq(fired.order[2], 0);
	for (i = 0; i < 3; i++) {
		int id = fired.order[i];

		cr_expect_geq(fired.when[i], c[id].deadline,
		    "callout %d early by %lld ns", id,
		    (long long)(c[id].deadline - fired.when[i]));
	}
	rump_schedule();
	for (i = 0; i < 3; i++) {
		cr_expect(!rumpns_callout_pending(&c[i].co));
		rumpns_callout_destroy(&c[i].co);
	}
	rump_unschedule();
}

Test(callout, far_deadline_beyond_wheel)
{
	static struct ctx c;

	boot();
	rump_schedule();
	rumpns_callout_init(&c.co, record, &c);
	c.deadline = host_mono_ns() + 400 * MS;
	rumpns_callout_schedule(&c.co, 400 * MS);
	rump_unschedule();
	usleep(200000);
	cr_expect_eq(fired.n, 0);
	wait_fired(1, 3000 * MS);
	cr_assert_eq(fired.n, 1);
	cr_expect_geq(fired.when[0], c.deadline);
	cr_expect_lt(fired.when[0], c.deadline + 500 * MS);
}

Test(callout, stop_and_reschedule)
{
	static struct ctx a, b;

	boot();
	rump_schedule();
	rumpns_callout_init(&a.co, record, &a);
	rumpns_callout_init(&b.co, record, &b);
	a.id = 1;
	b.id = 2;
	rumpns_callout_schedule(&a.co, 30 * MS);
	rumpns_callout_schedule(&b.co, 10 * MS);
	cr_expect(rumpns_callout_stop(&a.co));
	cr_expect(!rumpns_callout_stop(&a.co));
	/* Rescheduling replaces the earlier deadline. */
	rumpns_callout_schedule(&b.co, 1000 * MS);
	rumpns_callout_schedule(&b.co, 50 * MS);
	rump_unschedule();
	wait_fired(1, 3000 * MS);
	usleep(100000);
	cr_expect_eq(fired.n, 1);
	cr_expect_eq(fired.order[0], 2);
}

static volatile int slow_started, slow_done;

static void
slow_handler(void *arg)
{
	slow_started = 1;
	rumpns_kpause(80 * MS);
	slow_done = 1;
}

Test(callout, halt_waits_for_handler)
{
	static callout_buf co;
	bool pending;

	boot();
	rump_schedule();
	rumpns_callout_init(&co, slow_handler, NULL);
	rumpns_callout_schedule(&co, 0);
	rump_unschedule();
	while (!slow_started)
		usleep(1000);
	rump_schedule();
	pending = rumpns_callout_halt(&co, NULL);
	cr_expect(!pending);
	cr_expect_eq(slow_done, 1, "callout_halt returned while running");
	rumpns_callout_destroy(&co);
	rump_unschedule();
}

static int periodic_count;
static callout_buf periodic_co;

static void
periodic(void *arg)
{
	if (++periodic_count < 5)
		rumpns_callout_schedule(&periodic_co, 5 * MS);
}

Test(callout, handler_reschedules_itself)
{
	int64_t end;

	boot();
	rump_schedule();
	rumpns_callout_init(&periodic_co, periodic, NULL);
	rumpns_callout_schedule(&periodic_co, 5 * MS);
	rump_unschedule();
	end = host_mono_ns() + 3000 * MS;
	while (__atomic_load_n(&periodic_count, __ATOMIC_SEQ_CST) < 5 &&
	    host_mono_ns() < end)
		usleep(2000);
	usleep(30000);
	cr_expect_eq(periodic_count, 5);
	rump_schedule();
	cr_expect(!rumpns_callout_pending(&periodic_co));
	rump_unschedule();
}

static int forever_count;
static callout_buf forever_co;

static void
forever(void *arg)
{
	__atomic_add_fetch(&forever_count, 1, __ATOMIC_SEQ_CST);
	rumpns_kpause(2 * MS);
	rumpns_callout_schedule(&forever_co, 0);
}

Test(callout, halt_stops_rearming_handler)
{
	int n;

	boot();
	rump_schedule();
	rumpns_callout_init(&forever_co, forever, NULL);
	rumpns_callout_schedule(&forever_co, 0);
	rump_unschedule();
	while (__atomic_load_n(&forever_count, __ATOMIC_SEQ_CST) < 5)
		usleep(1000);
	rump_schedule();
	rumpns_callout_halt(&forever_co, NULL);
	cr_expect(!rumpns_callout_pending(&forever_co));
	rump_unschedule();
	n = __atomic_load_n(&forever_count, __ATOMIC_SEQ_CST);
	usleep(30000);
	cr_expect_eq(__atomic_load_n(&forever_count, __ATOMIC_SEQ_CST), n);
	rump_schedule();
	rumpns_callout_destroy(&forever_co);
	rump_unschedule();
}
