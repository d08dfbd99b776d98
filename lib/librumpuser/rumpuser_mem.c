/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_mem.c: host memory for the kernel's allocators.
 *
 * The kernel's kmem and pool layers (sys/kern) get their memory here, from
 * the host's malloc or from anonymous mappings.  Nothing here blocks for
 * long, so the virtual CPU is kept.  rumpuser_malloc() honours the fault
 * injection set up by rumpuser_init() from RUMP_FAULT_MALLOC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rumpuser_int.h"

/*
 * Allocate len bytes aligned to alignment (a power of two, or 0 for the
 * host's default, which suits any type).  The caller owns *memp and gives
 * it back with rumpuser_free().  Returns 0, EINVAL for a bad alignment or
 * ENOMEM (also when fault injection says so).
 */
int
rumpuser_malloc(size_t len, int alignment, void **memp)
{
	void *mem;
	int error;

	if (alignment < 0 || (alignment & (alignment - 1)) != 0)
		return EINVAL;
	if (ru_fault_hit(&ru_fault_malloc))
		return ENOMEM;
	if (len == 0)
		len = 1;

	if ((size_t)alignment > alignof(max_align_t)) {
		error = posix_memalign(&mem, (size_t)alignment, len);
		if (error != 0)
			return error == EINVAL ? EINVAL : ENOMEM;
	} else {
		mem = malloc(len);
		if (mem == NULL)
			return ENOMEM;
	}
	*memp = mem;
	return 0;
}

void
rumpuser_free(void *mem, size_t len)
{
	free(mem);
}

/*
 * Map size bytes of zeroed anonymous memory, readable and writable and, if
 * exec is set, executable.  prefaddr is a hint only.  The mapping is aligned
 * to 1 << alignbit bytes, at least to a page.  Returns 0, EINVAL or ENOMEM.
 */
int
rumpuser_anonmmap(void *prefaddr, size_t size, int alignbit, int exec,
    void **memp)
{
	size_t pagesz = (size_t)sysconf(_SC_PAGESIZE);
	size_t align, maplen, head, tail;
	uintptr_t base, aligned;
	int prot = PROT_READ | PROT_WRITE;
	void *mem;

	if (size == 0 || alignbit < 0 || alignbit >= (int)(sizeof(size_t) * 8))
		return EINVAL;
	if (exec)
		prot |= PROT_EXEC;
	align = (size_t)1 << alignbit;

	if (align <= pagesz) {
		mem = mmap(prefaddr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
		if (mem == MAP_FAILED)
			return errno;
		*memp = mem;
		return 0;
	}

	/* Map more than needed and trim both ends to the alignment. */
	size = (size + pagesz - 1) & ~(pagesz - 1);
	if (size > SIZE_MAX - align)
		return ENOMEM;
	maplen = size + align;
	mem = mmap(prefaddr, maplen, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return errno;
	base = (uintptr_t)mem;
	aligned = (base + align - 1) & ~((uintptr_t)align - 1);
	head = aligned - base;
	tail = maplen - head - size;
	if (head > 0)
		munmap(mem, head);
	if (tail > 0)
		munmap((void *)(aligned + size), tail);
	/* Aligned runs of 2 MiB may be backed by huge pages: ask for them. */
	if (alignbit >= 21 && (size & ((1UL << 21) - 1)) == 0)
		(void)madvise((void *)aligned, size, MADV_HUGEPAGE);
	*memp = (void *)aligned;
	return 0;
}

void
rumpuser_unmap(void *addr, size_t len)
{
	munmap(addr, len);
}
