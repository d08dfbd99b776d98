/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kmem_impl.h: declarations shared by kern_kmem.c and kern_pool.c only.
 *
 * Both allocators charge the bytes they hand out against the one global
 * counter and the memory limit kept by kern_kmem.c.
 */
#ifndef _SYS_KERN_KMEM_IMPL_H_
#define _SYS_KERN_KMEM_IMPL_H_

#include "kern.h"

/*
 * Account size bytes about to be handed out.  Returns 0, or ENOMEM when
 * the limit is reached and kmflags or the state of reclaim say to give up
 * (never for KM_SLEEP, which waits instead).
 */
int kmem_reserve(size_t size, int kmflags);
/* Give back bytes accounted with kmem_reserve(). */
void kmem_unreserve(size_t size);
/* Host memory ran out (rumpuser_malloc failed): reclaim, or panic after
 * tries attempts.  what names the allocation for the panic message. */
void kmem_host_exhausted(const char *what, size_t size, int tries);

/* Called once from kmem_init(): sets up the pool list and its reclaimer. */
void pool_subsys_init(void);

/* kern_page.c: single pages for kmem_page_alloc(PAGE_SIZE). */
void kpage_init(void);
void *kpage_get(void);
void kpage_put(void *p);

#endif /* _SYS_KERN_KMEM_IMPL_H_ */
