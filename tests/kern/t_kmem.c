/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_kmem.c: kernel memory accounting, pools and the memory limit
 * (kern_kmem.c, kern_pool.c).
 *
 * rump_kmem_inuse() is checked around system calls.  The allocator itself
 * has no system call: those cases call the kernel's functions by their
 * exported rumpns_* names from a thread scheduled with rump_schedule().
 * The limit cases set RUMP_MEMLIMIT before rump_init().
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define KM_SLEEP   0x01
#define KM_NOSLEEP 0x02

void *rumpns_kmem_alloc(size_t size, int kmflags);
void *rumpns_kmem_zalloc(size_t size, int kmflags);
void rumpns_kmem_free(void *p, size_t size);
char *rumpns_kmem_strdup(const char *s, int kmflags);
void rumpns_kmem_strfree(char *s);
void *rumpns_kmem_page_alloc(size_t size, int kmflags);
void rumpns_kmem_page_free(void *p, size_t size);
int rumpns_kmem_charge(size_t size, int kmflags);
void rumpns_kmem_uncharge(size_t size);
uint64_t rumpns_kmem_limit(void);
void *rumpns_pool_create(size_t size, size_t align, const char *name);
void rumpns_pool_destroy(void *pp);
void *rumpns_pool_get(void *pp, int kmflags);
void rumpns_pool_put(void *pp, void *obj);
uint64_t rumpns_pool_nout(void *pp);

struct kmem_reclaimer {
	const char *kr_name;
	size_t (*kr_reclaim)(void *arg, size_t target);
	void *kr_arg;
	struct kmem_reclaimer *kr_next;
};
void rumpns_kmem_reclaimer_register(struct kmem_reclaimer *kr);
void rumpns_kmem_reclaimer_unregister(struct kmem_reclaimer *kr);

#define KiB 1024ULL
#define MiB (1024ULL * 1024)

static uint64_t
inuse(void)
{
	return rump_kmem_inuse();
}

void rumpns_kmem_reclaim_wait(void);
void rumpns_callout_init(void *c, void (*func)(void *), void *arg);
void rumpns_callout_schedule(void *c, int64_t delta_ns);
bool rumpns_callout_halt(void *c, void *interlock);
void rumpns_callout_destroy(void *c);

static int clock_ran;

static void
clock_probe(void *arg)
{
	__atomic_store_n(&clock_ran, 1, __ATOMIC_SEQ_CST);
}

/*
 * Boot, and wait until the kernel threads started by rump_init() (clock,
 * pagedaemon) run, so their start-up allocations are settled: a callout
 * has fired on the clock thread, and the pagedaemon (if any) has done a
 * pass.
 */
static void
boot(void)
{
	static struct { _Alignas(16) unsigned char b[128]; } co;

	cr_assert_eq(rump_init(), 0);
	rump_schedule();
	rumpns_callout_init(&co, clock_probe, NULL);
	rumpns_callout_schedule(&co, 0);
	rump_unschedule();
	while (!__atomic_load_n(&clock_ran, __ATOMIC_SEQ_CST))
		usleep(1000);
	rump_schedule();
	rumpns_callout_halt(&co, NULL);
	rumpns_callout_destroy(&co);
	rumpns_kmem_reclaim_wait();
	rump_unschedule();
}

Test(kmem, syscalls_leave_no_trace)
{
	struct utsname un;
	struct rlimit rl;
	uint64_t base;
	int i;

	boot();
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	/* The child shares its parent's credential until its first change,
	 * which makes one of its own: take the baseline after that. */
	cr_assert_eq(rump_sys_setresuid(0, 0, 0), 0);
	base = inuse();
	cr_expect_gt(base, 0);
	for (i = 0; i < 100; i++) {
		cr_assert_eq(rump_sys_uname(&un), 0);
		cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, &rl), 0);
		cr_assert_eq(rump_sys_setresuid(i, i, 0), 0);
		cr_assert_eq(rump_sys_setresuid(0, 0, 0), 0);
	}
	cr_expect_eq(inuse(), base, "in use %llu, before %llu",
	    (unsigned long long)inuse(), (unsigned long long)base);
	/* A new process costs memory, and gives it all back. */
	cr_assert_eq(rump_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_expect_gt(inuse(), base);
	rump_lwproc_releaselwp();
	cr_expect_eq(inuse(), base);
}

Test(kmem, alloc_free_accounting)
{
	uint64_t base;
	char *p, *s;
	void *pg;

	boot();
	rump_schedule();
	base = inuse();
	p = rumpns_kmem_alloc(1000, KM_SLEEP);
	cr_assert_not_null(p);
	cr_expect_eq((uintptr_t)p % 16, 0);
	cr_expect_eq(inuse(), base + 1000);
	s = rumpns_kmem_strdup("hello", KM_SLEEP);
	cr_expect_str_eq(s, "hello");
	cr_expect_eq(inuse(), base + 1006);
	rumpns_kmem_strfree(s);
	pg = rumpns_kmem_page_alloc(3 * 4096, KM_SLEEP);
	cr_assert_not_null(pg);
	cr_expect_eq((uintptr_t)pg % 4096, 0);
	cr_expect_eq(inuse(), base + 1000 + 3 * 4096);
	rumpns_kmem_page_free(pg, 3 * 4096);
	rumpns_kmem_free(p, 1000);
	p = rumpns_kmem_zalloc(333, KM_NOSLEEP);
	cr_assert_not_null(p);
	for (int i = 0; i < 333; i++)
		cr_assert_eq(p[i], 0);
	rumpns_kmem_free(p, 333);
	cr_expect_eq(rumpns_kmem_charge(5000, KM_SLEEP), 0);
	cr_expect_eq(inuse(), base + 5000);
	rumpns_kmem_uncharge(5000);
	cr_expect_eq(inuse(), base);
	cr_expect_eq(rumpns_kmem_limit(), 0);
	rump_unschedule();
}

Test(kmem, free_with_wrong_size_panics, .signal = SIGABRT)
{
	void *p;

	boot();
	rump_schedule();
	p = rumpns_kmem_alloc(64, KM_SLEEP);
	rumpns_kmem_free(p, 65);
}

Test(kmem, pool_accounting)
{
	void *pp, *obj[40];
	uint64_t base, withpool;
	int i;

	boot();
	rump_schedule();
	base = inuse();
	pp = rumpns_pool_create(100, 64, "testpool");
	withpool = inuse();
	cr_expect_gt(withpool, base);
	for (i = 0; i < 40; i++) {
		obj[i] = rumpns_pool_get(pp, KM_SLEEP);
		cr_assert_not_null(obj[i]);
		cr_expect_eq((uintptr_t)obj[i] % 64, 0);
		memset(obj[i], i, 100);
	}
	cr_expect_eq(rumpns_pool_nout(pp), 40);
	cr_expect_geq(inuse(), withpool + 40 * 100);
	for (i = 0; i < 40; i++)
		cr_expect_eq(((unsigned char *)obj[i])[99], i);
	for (i = 0; i < 40; i++)
		rumpns_pool_put(pp, obj[i]);
	cr_expect_eq(rumpns_pool_nout(pp), 0);
	cr_expect_eq(inuse(), withpool);
	/* Cached objects come back out. */
	obj[0] = rumpns_pool_get(pp, KM_NOSLEEP);
	cr_assert_not_null(obj[0]);
	rumpns_pool_put(pp, obj[0]);
	rumpns_pool_destroy(pp);
	cr_expect_eq(inuse(), base);
	rump_unschedule();
}

Test(kmem, limit_nosleep_fails)
{
	uint64_t used;
	void *p;

	setenv("RUMP_MEMLIMIT", "4m", 1);
	boot();
	rump_schedule();
	cr_expect_eq(rumpns_kmem_limit(), 4 * MiB);
	used = inuse();
	cr_assert_lt(used, 2 * MiB);
	cr_expect_null(rumpns_kmem_alloc(4 * MiB, KM_NOSLEEP));
	cr_expect_null(rumpns_pool_get(
	    rumpns_pool_create(5 * MiB, 0, "big"), KM_NOSLEEP));
	cr_expect_eq(rumpns_kmem_charge(4 * MiB, KM_NOSLEEP), ENOMEM);
	cr_expect_eq(rumpns_kmem_charge(4 * MiB, KM_SLEEP), ENOMEM);
	/* Up to the limit works. */
	p = rumpns_kmem_alloc(4 * MiB - used - 64 * KiB, KM_NOSLEEP);
	cr_expect_not_null(p);
	rumpns_kmem_free(p, 4 * MiB - used - 64 * KiB);
	rump_unschedule();
}

Test(kmem, limit_sleep_uses_reserve)
{
	uint64_t used, big;
	void *p, *q;

	setenv("RUMP_MEMLIMIT", "4m", 1);
	boot();
	rump_schedule();
	used = inuse();
	big = 4 * MiB - used - 16 * KiB;
	p = rumpns_kmem_alloc(big, KM_SLEEP);
	cr_assert_not_null(p);
	/* Nothing to reclaim: a sleeping allocation may use the reserve. */
	q = rumpns_kmem_alloc(64 * KiB, KM_SLEEP);
	cr_assert_not_null(q);
	cr_expect_gt(inuse(), 4 * MiB);
	cr_expect_null(rumpns_kmem_alloc(1024, KM_NOSLEEP));
	cr_expect_eq(rumpns_kmem_charge(1024, KM_NOSLEEP), ENOMEM);
	rumpns_kmem_free(q, 64 * KiB);
	rumpns_kmem_free(p, big);
	cr_expect_eq(inuse(), used, "in use %llu, expected %llu",
	    (unsigned long long)inuse(), (unsigned long long)used);
	p = rumpns_kmem_alloc(1024, KM_NOSLEEP);
	cr_expect_not_null(p);
	rumpns_kmem_free(p, 1024);
	rump_unschedule();
}

/* A reclaimer holding a cache of memory it gives back on request. */
static void *cache_mem;
static size_t cache_size;
static int reclaim_calls;

static size_t
cache_reclaim(void *arg, size_t target)
{
	size_t n = cache_size;

	reclaim_calls++;
	if (cache_mem == NULL)
		return 0;
	rumpns_kmem_free(cache_mem, cache_size);
	cache_mem = NULL;
	cache_size = 0;
	return n;
}

Test(kmem, limit_runs_reclaimers)
{
	static struct kmem_reclaimer kr = {
		.kr_name = "testcache", .kr_reclaim = cache_reclaim,
	};
	uint64_t used;

	setenv("RUMP_MEMLIMIT", "4m", 1);
	boot();
	rump_schedule();
	rumpns_kmem_reclaimer_register(&kr);
	used = inuse();
	cache_size = 4 * MiB - used - 512 * KiB;
	cache_mem = rumpns_kmem_alloc(cache_size, KM_SLEEP);
	cr_assert_not_null(cache_mem);
	/* Over the limit: the pagedaemon must empty the cache first. */
	cr_expect_eq(rumpns_kmem_charge(1 * MiB, KM_NOSLEEP), 0);
	cr_expect_null(cache_mem);
	cr_expect_geq(reclaim_calls, 1);
	cr_expect_eq(inuse(), used + 1 * MiB, "in use %llu, expected %llu",
	    (unsigned long long)inuse(), (unsigned long long)(used + MiB));
	rumpns_kmem_uncharge(1 * MiB);
	rumpns_kmem_reclaimer_unregister(&kr);
	rump_unschedule();
}

static size_t
count_reclaim(void *arg, size_t target)
{
	__atomic_add_fetch(&reclaim_calls, 1, __ATOMIC_SEQ_CST);
	return 0;
}

Test(kmem, pagedaemon_proactive_above_high_water)
{
	static struct kmem_reclaimer kr = {
		.kr_name = "counter", .kr_reclaim = count_reclaim,
	};
	uint64_t used, n;
	void *p;
	int i;

	setenv("RUMP_MEMLIMIT", "4m", 1);
	boot();
	rump_schedule();
	rumpns_kmem_reclaimer_register(&kr);
	used = inuse();
	n = 4 * MiB / 10 * 9 - used + 64 * KiB;
	/* Crossing 90% wakes the pagedaemon without anyone waiting. */
	p = rumpns_kmem_alloc(n, KM_SLEEP);
	cr_assert_not_null(p);
	rump_unschedule();
	for (i = 0; i < 200 && __atomic_load_n(&reclaim_calls,
	    __ATOMIC_SEQ_CST) == 0; i++)
		usleep(5000);
	cr_expect_geq(reclaim_calls, 1);
	rump_schedule();
	rumpns_kmem_free(p, n);
	rumpns_kmem_reclaimer_unregister(&kr);
	rump_unschedule();
}

Test(kmem, host_malloc_failures)
{
	uint64_t base;
	void *p;
	int i, nfail = 0;

	/* Every third host allocation fails, from the first one on. */
	setenv("RUMP_FAULT_MALLOC", "1:3", 1);
	boot();
	rump_schedule();
	base = inuse();
	for (i = 0; i < 100; i++) {
		p = rumpns_kmem_alloc(100, KM_NOSLEEP);
		if (p == NULL)
			nfail++;
		else
			rumpns_kmem_free(p, 100);
	}
	for (i = 0; i < 100; i++) {
		/* Sleeping allocations retry and never fail. */
		p = rumpns_kmem_alloc(100, KM_SLEEP);
		cr_assert_not_null(p);
		rumpns_kmem_free(p, 100);
	}
	cr_expect_gt(nfail, 0);
	cr_expect_lt(nfail, 100);
	cr_expect_eq(inuse(), base);
	rump_unschedule();
}
