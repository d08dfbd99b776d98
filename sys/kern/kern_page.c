/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_page.c: the page allocator behind kmem_page_alloc(PAGE_SIZE).
 *
 * Pages come from 2 MiB chunks of anonymous host memory, aligned so that
 * the host can back them with huge pages (rumpuser_anonmmap asks for that):
 * the host then faults in and zeroes memory 2 MiB at a time instead of
 * 4 KiB, which is what makes a large tmpfs write fast.  A chunk is handed
 * out front to back (kpage_bump); freed pages go on a LIFO free list
 * linked through their first word and are reused first, hottest first.
 * Pages are not returned to the host: the kernel's accounting (kmem.h)
 * counts pages in use, so the host's resident memory stays at the peak of
 * what the kernel held, which the memory limit bounds.
 *
 * Pages are not zeroed: callers that need zeroes clear them.
 *
 * Locking: [p] kpage_mtx, a hypervisor spin mutex (a few instructions,
 * never held across a hypercall that blocks).
 */
#include "kern/kern.h"
#include "kern/kmem_impl.h"

#define KPAGE_CHUNK_SHIFT 21
#define KPAGE_CHUNK (1UL << KPAGE_CHUNK_SHIFT)

static struct rumpuser_mtx *kpage_mtx;
static void *kpage_free;          /* [p] free pages, linked */
static char *kpage_bump;          /* [p] next never-used page of the chunk */
static char *kpage_end;           /* [p] end of that chunk */
static char *kpage_spare;         /* [p] a whole unused chunk, or NULL */

void
kpage_init(void)
{

	rumpuser_mutex_init(&kpage_mtx, RUMPUSER_MTX_SPIN);
}

/* A page from the free list or the current chunk; NULL if neither has
 * one.  kpage_mtx held. */
static void *
kpage_take_locked(void)
{
	void *p;

	if ((p = kpage_free) != NULL) {
		kpage_free = *(void **)p;
		return p;
	}
	if (kpage_bump == kpage_end && kpage_spare != NULL) {
		kpage_bump = kpage_spare;
		kpage_end = kpage_spare + KPAGE_CHUNK;
		kpage_spare = NULL;
	}
	if (kpage_bump < kpage_end) {
		p = kpage_bump;
		kpage_bump += PAGE_SIZE;
		return p;
	}
	return NULL;
}

/* One page, or NULL if the host has no memory. */
void *
kpage_get(void)
{
	void *p, *chunk;

	rumpuser_mutex_enter_nowrap(kpage_mtx);
	p = kpage_take_locked();
	rumpuser_mutex_exit(kpage_mtx);
	if (p != NULL)
		return p;

	if (rumpuser_anonmmap(NULL, KPAGE_CHUNK, KPAGE_CHUNK_SHIFT, 0,
	    &chunk) != 0)
		return NULL;
	rumpuser_mutex_enter_nowrap(kpage_mtx);
	/* Another thread may have added a chunk meanwhile: keep ours spare. */
	if (kpage_bump == kpage_end) {
		kpage_bump = chunk;
		kpage_end = (char *)chunk + KPAGE_CHUNK;
		chunk = NULL;
	} else if (kpage_spare == NULL) {
		kpage_spare = chunk;
		chunk = NULL;
	}
	p = kpage_take_locked();
	rumpuser_mutex_exit(kpage_mtx);
	if (chunk != NULL)
		rumpuser_unmap(chunk, KPAGE_CHUNK);
	return p;
}

void
kpage_put(void *p)
{

	KASSERT(((uintptr_t)p & PAGE_MASK) == 0);
	rumpuser_mutex_enter_nowrap(kpage_mtx);
	*(void **)p = kpage_free;
	kpage_free = p;
	rumpuser_mutex_exit(kpage_mtx);
}
