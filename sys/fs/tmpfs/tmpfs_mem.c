/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_mem.c: the data of tmpfs regular files.
 *
 * A file's data is a sparse radix tree of 4 KiB pages (struct
 * tmpfs_radix): each interior level is one page holding 512 pointers, so
 * a tree of height h covers 512^h pages; it grows at the top when a write
 * goes beyond what it covers.  A missing page is a hole: it costs nothing
 * and reads as zeros.  Bytes of a page beyond the end of the file are
 * always zero (writes zero the rest of a fresh page, truncation zeroes the
 * tail), so extending a file never exposes old data.
 *
 * Data pages are charged to the mount's size limit (tmpfs_pages_charge)
 * and come from kmem_page_alloc(KM_NOSLEEP), which charges them to the
 * kernel's memory limit (so they are not charged again with
 * kmem_charge()).  When the kernel is at its limit, one reclaim pass of
 * the pagedaemon is asked for before giving up.  When either limit is
 * exhausted, writes and fallocate fail with ENOSPC and the kernel goes on.
 * Interior pages are plain kmem memory.
 *
 * Reads and writes move data directly between the caller's buffer and the
 * pages, one uiomove() per page.
 *
 * All functions here expect the file's vnode lock: shared for reading and
 * seeking, exclusive for anything that changes the tree.  Called from
 * tmpfs_vnops.c and, for tmpfs_mem_free(), from tmpfs_subr.c.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "fs/tmpfs/tmpfs_impl.h"

#define TMPFS_NONE     UINT64_MAX
/* Highest tree: 6 levels cover 2^54 pages, beyond TMPFS_MAXFILESIZE. */
#define TMPFS_MAXLEVEL 6
/* Pages charged ahead at a time by a long write. */
#define TMPFS_CHARGE_BATCH 64

static const char tmpfs_zeropage[PAGE_SIZE] __aligned(PAGE_SIZE);

/* Number of page indexes covered by a tree node of level lvl. */
static inline uint64_t
tmpfs_span(unsigned lvl)
{
	return (uint64_t)1 << (TMPFS_RADIX_SHIFT * lvl);
}

/* The data page of index idx, or NULL for a hole. */
static void *
tmpfs_radix_lookup(const struct tmpfs_radix *r, uint64_t idx)
{
	void *p = r->tr_root;
	unsigned lvl;

	if (idx >= tmpfs_span(r->tr_height))
		return NULL;
	for (lvl = r->tr_height; lvl > 0 && p != NULL; lvl--) {
		unsigned shift = TMPFS_RADIX_SHIFT * (lvl - 1);
		p = ((void **)p)[(idx >> shift) & (TMPFS_RADIX - 1)];
	}
	return p;
}

/*
 * The slot that holds (or will hold) the data page of index idx, growing
 * the tree and allocating interior pages as needed.  Returns 0 and the
 * slot in *slotp, or ENOSPC when memory is exhausted.
 */
static int
tmpfs_radix_slot(struct tmpfs_radix *r, uint64_t idx, void ***slotp)
{
	void **slot, **tab;
	unsigned lvl;

	while (idx >= tmpfs_span(r->tr_height)) {
		KASSERT(r->tr_height < TMPFS_MAXLEVEL);
		if (r->tr_root != NULL) {
			tab = kmem_zalloc(PAGE_SIZE, KM_NOSLEEP);
			if (tab == NULL)
				return ENOSPC;
			tab[0] = r->tr_root;
			r->tr_root = tab;
		}
		r->tr_height++;
	}
	slot = &r->tr_root;
	for (lvl = r->tr_height; lvl > 0; lvl--) {
		if (*slot == NULL) {
			*slot = kmem_zalloc(PAGE_SIZE, KM_NOSLEEP);
			if (*slot == NULL)
				return ENOSPC;
		}
		tab = *slot;
		slot = &tab[(idx >> (TMPFS_RADIX_SHIFT * (lvl - 1))) &
		    (TMPFS_RADIX - 1)];
	}
	*slotp = slot;
	return 0;
}

/*
 * Free the pages with indexes in [first, last] below the node in *slotp,
 * of level lvl, covering indexes from base.  Frees interior pages left
 * empty.  Returns the number of data pages freed.
 */
static uint64_t
tmpfs_radix_punch_sub(void **slotp, unsigned lvl, uint64_t base,
    uint64_t first, uint64_t last)
{
	void **tab = *slotp;
	uint64_t cspan, freed = 0, end;
	unsigned i, i0, i1;

	if (tab == NULL)
		return 0;
	if (lvl == 0) {
		kmem_page_free(tab, PAGE_SIZE);
		*slotp = NULL;
		return 1;
	}
	cspan = tmpfs_span(lvl - 1);
	end = base + tmpfs_span(lvl) - 1;
	i0 = first > base ? (unsigned)((first - base) / cspan) : 0;
	i1 = last < end ? (unsigned)((last - base) / cspan) : TMPFS_RADIX - 1;
	for (i = i0; i <= i1; i++)
		freed += tmpfs_radix_punch_sub(&tab[i], lvl - 1,
		    base + i * cspan, first, last);
	for (i = 0; i < TMPFS_RADIX; i++) {
		if (tab[i] != NULL)
			return freed;
	}
	kmem_free(tab, PAGE_SIZE);
	*slotp = NULL;
	return freed;
}

/* Free the node's pages in [first, last] and give back their charge. */
static void
tmpfs_radix_punch(struct tmpfs_node *node, uint64_t first, uint64_t last)
{
	struct tmpfs_radix *r = &node->tn_reg;
	uint64_t end = tmpfs_span(r->tr_height) - 1, freed;

	if (r->tr_root == NULL || first > end || first > last)
		return;
	freed = tmpfs_radix_punch_sub(&r->tr_root, r->tr_height, 0, first,
	    MIN(last, end));
	if (r->tr_root == NULL)
		r->tr_height = 0;
	KASSERT(r->tr_npages >= freed);
	r->tr_npages -= freed;
	tmpfs_pages_uncharge(node->tn_tmp, freed);
}

/*
 * The first index >= idx whose page is present (data) or absent (hole)
 * below the node p of level lvl covering indexes from base; TMPFS_NONE if
 * there is none in this subtree.
 */
static uint64_t
tmpfs_radix_next(void *p, unsigned lvl, uint64_t base, uint64_t idx,
    bool data)
{
	uint64_t cspan, r;
	unsigned i;

	if (p == NULL)
		return data ? TMPFS_NONE : MAX(base, idx);
	if (lvl == 0)
		return data ? base : TMPFS_NONE;
	cspan = tmpfs_span(lvl - 1);
	i = idx > base ? (unsigned)((idx - base) / cspan) : 0;
	for (; i < TMPFS_RADIX; i++) {
		r = tmpfs_radix_next(((void **)p)[i], lvl - 1,
		    base + i * cspan, idx, data);
		if (r != TMPFS_NONE)
			return r;
	}
	return TMPFS_NONE;
}

static uint64_t
tmpfs_radix_find(const struct tmpfs_radix *r, uint64_t idx, bool data)
{
	uint64_t span = tmpfs_span(r->tr_height), res;

	if (idx >= span)
		return data ? TMPFS_NONE : idx;
	res = tmpfs_radix_next(r->tr_root, r->tr_height, 0, idx, data);
	if (res == TMPFS_NONE && !data)
		res = span;
	return res;
}

/*
 * Allocate a zeroed data page into *slot, charging it from the write's
 * reservation *resvp (refilled by up to want pages at once).  Returns 0 or
 * ENOSPC.
 */
static int
tmpfs_page_fill(struct tmpfs_node *node, void **slot, uint64_t *resvp,
    uint64_t want, bool zero)
{
	struct tmpfs_mount *tmp = node->tn_tmp;
	void *page;

	if (*resvp == 0) {
		want = MAX(1, MIN(want, TMPFS_CHARGE_BATCH));
		if (want > 1 && tmpfs_pages_charge(tmp, want) == 0)
			*resvp = want;
		else if (tmpfs_pages_charge(tmp, 1) == 0)
			*resvp = 1;
		else
			return ENOSPC;
	}
	page = kmem_page_alloc(PAGE_SIZE, KM_NOSLEEP);
	if (page == NULL) {
		kmem_reclaim_wait();
		page = kmem_page_alloc(PAGE_SIZE, KM_NOSLEEP);
		if (page == NULL)
			return ENOSPC;
	}
	if (zero)
		memset(page, 0, PAGE_SIZE);
	(*resvp)--;
	*slot = page;
	node->tn_reg.tr_npages++;
	return 0;
}

/*
 * Read from the file at uio_offset into uio, up to the end of the file.
 * Holes read as zeros.  Returns 0, EINVAL for a negative offset, or
 * EFAULT.
 */
int
tmpfs_mem_read(struct tmpfs_node *node, struct uio *uio)
{
	const char *page;
	size_t po, n;
	off_t off;
	int error;

	if (uio->uio_offset < 0)
		return EINVAL;
	while (uio->uio_resid > 0 && uio->uio_offset < node->tn_size) {
		off = uio->uio_offset;
		po = (size_t)(off & PAGE_MASK);
		n = MIN(PAGE_SIZE - po, uio->uio_resid);
		n = (size_t)MIN((off_t)n, node->tn_size - off);
		page = tmpfs_radix_lookup(&node->tn_reg,
		    (uint64_t)off >> PAGE_SHIFT);
		if (page == NULL)
			page = tmpfs_zeropage;
		error = uiomove((void *)(uintptr_t)(page + po), n, uio);
		if (error != 0)
			return error;
	}
	return 0;
}

/*
 * Write uio into the file at uio_offset (at the end with IO_APPEND),
 * extending it.  A write cut short by ENOSPC after some bytes were written
 * returns 0 with uio_resid telling how much is left, as a short write.
 * Returns 0, EINVAL, EFBIG beyond the largest file, ENOSPC or EFAULT.
 */
int
tmpfs_mem_write(struct tmpfs_node *node, struct uio *uio, int ioflag)
{
	struct tmpfs_radix *r = &node->tn_reg;
	size_t start = uio->uio_resid, po, n, before;
	uint64_t resv = 0, idx, left;
	void **slot;
	char *page;
	bool fresh;
	int error = 0;

	if (ioflag & IO_APPEND)
		uio->uio_offset = node->tn_size;
	if (uio->uio_offset < 0)
		return EINVAL;
	if (uio->uio_offset >= TMPFS_MAXFILESIZE ||
	    uio->uio_resid > (size_t)(TMPFS_MAXFILESIZE - uio->uio_offset))
		return EFBIG;

	while (uio->uio_resid > 0) {
		idx = (uint64_t)uio->uio_offset >> PAGE_SHIFT;
		po = (size_t)(uio->uio_offset & PAGE_MASK);
		n = MIN(PAGE_SIZE - po, uio->uio_resid);
		error = tmpfs_radix_slot(r, idx, &slot);
		if (error != 0)
			break;
		fresh = *slot == NULL;
		if (fresh) {
			left = howmany(po + uio->uio_resid, PAGE_SIZE);
			error = tmpfs_page_fill(node, slot, &resv, left,
			    n != PAGE_SIZE);
			if (error != 0)
				break;
		}
		page = *slot;
		before = uio->uio_resid;
		error = uiomove(page + po, n, uio);
		if (error != 0) {
			if (fresh && n == PAGE_SIZE)
				memset(page + (before - uio->uio_resid), 0,
				    PAGE_SIZE - (before - uio->uio_resid));
			break;
		}
		if (uio->uio_offset > node->tn_size)
			node->tn_size = uio->uio_offset;
	}
	tmpfs_pages_uncharge(node->tn_tmp, resv);
	if (error == ENOSPC && uio->uio_resid < start)
		error = 0;
	return error;
}

/*
 * Set the file's size to length: shrinking frees every page past the new
 * end and zeroes the tail of the last one; growing only moves the end (a
 * hole).  Returns 0, EINVAL or EFBIG.
 */
int
tmpfs_mem_truncate(struct tmpfs_node *node, off_t length)
{
	char *page;
	size_t po;

	if (length < 0)
		return EINVAL;
	if (length > TMPFS_MAXFILESIZE)
		return EFBIG;
	if (length < node->tn_size) {
		tmpfs_radix_punch(node, howmany((uint64_t)length, PAGE_SIZE),
		    TMPFS_NONE);
		po = (size_t)(length & PAGE_MASK);
		page = tmpfs_radix_lookup(&node->tn_reg,
		    (uint64_t)length >> PAGE_SHIFT);
		if (po != 0 && page != NULL)
			memset(page + po, 0, PAGE_SIZE - po);
	}
	node->tn_size = length;
	return 0;
}

/* Zero [po, po + n) of the page of index idx, if it is present. */
static void
tmpfs_mem_zero(struct tmpfs_node *node, uint64_t idx, size_t po, size_t n)
{
	char *page = tmpfs_radix_lookup(&node->tn_reg, idx);

	if (page != NULL)
		memset(page + po, 0, n);
}

/* Free [offset, offset + len): whole pages go, partial ones are zeroed. */
static void
tmpfs_mem_punch(struct tmpfs_node *node, off_t offset, off_t len)
{
	uint64_t start = (uint64_t)offset, end = (uint64_t)(offset + len);
	uint64_t fidx = start >> PAGE_SHIFT, lidx = (end - 1) >> PAGE_SHIFT;
	size_t fpo = start & PAGE_MASK, lpo = (end - 1) & PAGE_MASK;

	if (fidx == lidx) {
		if (fpo == 0 && lpo == PAGE_SIZE - 1)
			tmpfs_radix_punch(node, fidx, fidx);
		else
			tmpfs_mem_zero(node, fidx, fpo, lpo + 1 - fpo);
		return;
	}
	if (fpo != 0) {
		tmpfs_mem_zero(node, fidx, fpo, PAGE_SIZE - fpo);
		fidx++;
	}
	if (lpo != PAGE_SIZE - 1) {
		tmpfs_mem_zero(node, lidx, 0, lpo + 1);
		lidx--;
	}
	if (fidx <= lidx)
		tmpfs_radix_punch(node, fidx, lidx);
}

/*
 * fallocate(2) on the file: mode 0 allocates [offset, offset + len) and
 * extends the file, FALLOC_FL_KEEP_SIZE allocates without extending,
 * FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE frees the range.  Other modes
 * give EOPNOTSUPP.  Returns 0, EINVAL, EFBIG, ENOSPC or EOPNOTSUPP.
 */
int
tmpfs_mem_fallocate(struct tmpfs_node *node, int mode, off_t offset,
    off_t len)
{
	uint64_t idx, lidx, resv = 0;
	void **slot;
	int error = 0;

	if (offset < 0 || len <= 0)
		return EINVAL;
	if (offset >= TMPFS_MAXFILESIZE || len > TMPFS_MAXFILESIZE - offset)
		return EFBIG;
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
		tmpfs_mem_punch(node, offset, len);
		return 0;
	}
	if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE)
		return EOPNOTSUPP;

	lidx = (uint64_t)(offset + len - 1) >> PAGE_SHIFT;
	for (idx = (uint64_t)offset >> PAGE_SHIFT; idx <= lidx; idx++) {
		error = tmpfs_radix_slot(&node->tn_reg, idx, &slot);
		if (error != 0)
			break;
		if (*slot != NULL)
			continue;
		error = tmpfs_page_fill(node, slot, &resv, lidx - idx + 1,
		    true);
		if (error != 0)
			break;
	}
	tmpfs_pages_uncharge(node->tn_tmp, resv);
	if (error != 0)
		return error;
	if (mode == 0 && offset + len > node->tn_size)
		node->tn_size = offset + len;
	return 0;
}

/*
 * lseek(2) SEEK_DATA / SEEK_HOLE from offset: the start of the next page
 * holding data, or of the next hole (the end of the file counts as one).
 * Returns 0 and the offset in *resultp, ENXIO at or past the end, or
 * EINVAL for another whence.
 */
int
tmpfs_mem_seekhole(struct tmpfs_node *node, off_t offset, int whence,
    off_t *resultp)
{
	uint64_t idx;
	off_t res;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return EINVAL;
	if (offset < 0 || offset >= node->tn_size)
		return ENXIO;
	idx = tmpfs_radix_find(&node->tn_reg, (uint64_t)offset >> PAGE_SHIFT,
	    whence == SEEK_DATA);
	if (idx == TMPFS_NONE ||
	    idx >= ((uint64_t)node->tn_size + PAGE_MASK) >> PAGE_SHIFT) {
		if (whence == SEEK_DATA)
			return ENXIO;
		*resultp = node->tn_size;
		return 0;
	}
	res = MAX(offset, (off_t)(idx << PAGE_SHIFT));
	*resultp = MIN(res, node->tn_size);
	return 0;
}

/* Free every page of the file (the node is going away). */
void
tmpfs_mem_free(struct tmpfs_node *node)
{
	tmpfs_radix_punch(node, 0, TMPFS_NONE);
	KASSERT(node->tn_reg.tr_npages == 0);
}
