/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kmem.h: kernel memory: kmem_alloc, pools, the memory limit and reclaim.
 *
 * Every byte the kernel holds is accounted: kmem and pools charge it, and
 * caches that keep memory outside them (tmpfs data, the buffer cache) charge
 * it with kmem_charge().  RUMP_MEMLIMIT caps the total.  Caches register a
 * reclaimer; the pagedaemon thread calls the reclaimers when usage crosses
 * the high-water mark (90% of the limit), and an allocation that would go
 * over the limit first wakes the pagedaemon and waits for it.  When nothing
 * more can be freed, KM_SLEEP allocations wait and KM_NOSLEEP ones return
 * NULL (the caller turns that into ENOMEM or ENOSPC).
 *
 * Implemented in kern_kmem.c (kmem, limit, pagedaemon) and kern_pool.c.
 */
#ifndef _SYS_KERN_KMEM_H_
#define _SYS_KERN_KMEM_H_

#include "kern.h"
#include "lock.h"

#define KM_SLEEP   0x01 /* may wait for memory; never returns NULL */
#define KM_NOSLEEP 0x02 /* never waits; may return NULL */

void *kmem_alloc(size_t size, int kmflags);
void *kmem_zalloc(size_t size, int kmflags);
void kmem_free(void *p, size_t size);
char *kmem_strdup(const char *s, int kmflags);
void kmem_strfree(char *s);   /* frees a kmem_strdup() result */
/* Large page-aligned allocations (tmpfs data, buffers). */
void *kmem_page_alloc(size_t size, int kmflags);
void kmem_page_free(void *p, size_t size);

/*
 * Charge bytes that are not allocated through kmem against the limit.
 * kmem_charge returns 0 or ENOMEM (KM_NOSLEEP, or KM_SLEEP when the limit
 * is reached and the pagedaemon freed nothing).
 */
int kmem_charge(size_t size, int kmflags);
void kmem_uncharge(size_t size);

/* Accounting. */
uint64_t kmem_inuse(void);     /* bytes held now */
uint64_t kmem_limit(void);     /* RUMP_MEMLIMIT, 0 = unlimited */

/*
 * A reclaimer gives memory back: called by the pagedaemon, without locks
 * held, with a target in bytes; returns how many bytes it freed.
 */
struct kmem_reclaimer {
	const char *kr_name;
	size_t (*kr_reclaim)(void *arg, size_t target);
	void *kr_arg;
	struct kmem_reclaimer *kr_next;   /* [kmem reclaim lock] */
};
void kmem_reclaimer_register(struct kmem_reclaimer *kr);
void kmem_reclaimer_unregister(struct kmem_reclaimer *kr);
/* Ask the pagedaemon to reclaim now and wait until it has tried once. */
void kmem_reclaim_wait(void);

/* Pools of fixed-size objects, accounted like kmem. */
struct pool;
typedef struct pool *pool_t;
pool_t pool_create(size_t size, size_t align, const char *name);
/* Constructed objects: see kern_pool.c.  maxcache 0: the default. */
pool_t pool_create_ctor(size_t size, size_t align, const char *name,
    unsigned maxcache, void (*ctor)(void *), void (*dtor)(void *));
void pool_destroy(pool_t pp);
void *pool_get(pool_t pp, int kmflags);
void pool_put(pool_t pp, void *obj);
/* Counters for leak checks: objects currently out of a pool. */
uint64_t pool_nout(pool_t pp);

void kmem_init(uint64_t limit);       /* called by rump_init() */
void kmem_pagedaemon_start(void);     /* once threads can be created */

#endif /* _SYS_KERN_KMEM_H_ */
