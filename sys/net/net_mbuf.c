/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_mbuf.c: packet buffers (mbuf.h): allocation from pools, external
 * storage with reference counts, and the chain operations the protocols
 * use (prepend, pullup, copy in and out, share, trim, split).
 *
 * Mbufs come from mbuf_pool and clusters from cl_pool; a cluster's
 * struct mext sits in front of its MCLBYTES of data in the same pool
 * object.  Large buffers (m_extalloc) are one kmem allocation with the
 * struct mext in front, or, from 32 to 64 KiB, a 64 KiB one from
 * mbig_pool.  m_extadd wraps a caller's buffer with a struct
 * mext from mext_pool.  Everything is charged to kmem accounting.
 *
 * Called by: the socket layer (net_socket.c, net_sockbuf.c), protocols
 * and interface drivers.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "net/mbuf.h"
#include "vfs/vnode.h"

#define MEXT_HDR roundup(sizeof(struct mext), 64)

struct mbstat mbstat;
static pool_t mbuf_pool;
static pool_t cl_pool;
static pool_t mext_pool;
/*
 * Large buffers of 32 to 64 KiB (the socket layer's for large writes,
 * m_uiotombuf) come from a pool of 64 KiB ones: fresh host allocations
 * of that size have their pages faulted in anew each time, since the
 * host allocator hands freed memory of that size back (a fifth of a
 * sender's time at 1 GB/s over a tap with TSO).
 */
#define MBIGBYTES 65536
static pool_t mbig_pool;

void
mbuf_init(void)
{
	_Static_assert(sizeof(struct mbuf) == MSIZE, "mbuf size");
	mbuf_pool = pool_create(MSIZE, 64, "mbuf");
	cl_pool = pool_create(MEXT_HDR + MCLBYTES, 64, "mcl");
	mext_pool = pool_create(sizeof(struct mext), 0, "mext");
	mbig_pool = pool_create(MEXT_HDR + MBIGBYTES, 64, "mbig");
}

static struct mbuf *
m_getinit(int how, int type, int flags)
{
	struct mbuf *m;

	m = pool_get(mbuf_pool, how);
	if (m == NULL) {
		atomic_inc(&mbstat.ms_drops);
		return NULL;
	}
	atomic_inc(&mbstat.ms_mbufs);
	m->m_next = NULL;
	m->m_nextpkt = NULL;
	m->m_len = 0;
	m->m_type = (short)type;
	m->m_flags = (short)flags;
	m->m_ext = NULL;
	if (flags & M_PKTHDR) {
		memset(&m->m_pkthdr, 0, sizeof(m->m_pkthdr));
		m->m_data = m->m_pktdat;
	} else {
		m->m_data = m->m_dat;
	}
	return m;
}

struct mbuf *
m_get(int how, int type)
{
	return m_getinit(how, type, 0);
}

struct mbuf *
m_gethdr(int how, int type)
{
	return m_getinit(how, type, M_PKTHDR);
}

static void
mext_clfree(struct mext *ext)
{
	pool_put(cl_pool, ext);
	atomic_dec(&mbstat.ms_clusters);
}

static void
mext_kmemfree(struct mext *ext)
{
	kmem_free(ext, MEXT_HDR + ext->ext_size);
	atomic_dec(&mbstat.ms_ext);
}

static void
mext_bigfree(struct mext *ext)
{
	pool_put(mbig_pool, ext);
	atomic_dec(&mbstat.ms_ext);
}

static void
mext_userfree(struct mext *ext)
{
	ext->ext_userfree(ext->ext_buf, ext->ext_size, ext->ext_arg);
	pool_put(mext_pool, ext);
	atomic_dec(&mbstat.ms_ext);
}

static void
m_setext(struct mbuf *m, struct mext *ext)
{
	ext->ext_refcnt = 1;
	m->m_ext = ext;
	m->m_flags |= M_EXT;
	m->m_data = ext->ext_buf;
}

int
m_clget(struct mbuf *m, int how)
{
	struct mext *ext;

	KASSERT((m->m_flags & M_EXT) == 0);
	ext = pool_get(cl_pool, how);
	if (ext == NULL) {
		atomic_inc(&mbstat.ms_drops);
		return ENOBUFS;
	}
	atomic_inc(&mbstat.ms_clusters);
	ext->ext_buf = (char *)ext + MEXT_HDR;
	ext->ext_size = MCLBYTES;
	ext->ext_free = mext_clfree;
	m_setext(m, ext);
	return 0;
}

int
m_extalloc(struct mbuf *m, size_t size, int how)
{
	void (*freefn)(struct mext *);
	struct mext *ext;

	KASSERT((m->m_flags & M_EXT) == 0);
	if (size > SSIZE_MAX / 2)
		return ENOBUFS;
	if (size > MBIGBYTES / 2 && size <= MBIGBYTES) {
		ext = pool_get(mbig_pool, how);
		size = MBIGBYTES;
		freefn = mext_bigfree;
	} else {
		ext = kmem_alloc(MEXT_HDR + size, how);
		freefn = mext_kmemfree;
	}
	if (ext == NULL) {
		atomic_inc(&mbstat.ms_drops);
		return ENOBUFS;
	}
	atomic_inc(&mbstat.ms_ext);
	ext->ext_buf = (char *)ext + MEXT_HDR;
	ext->ext_size = size;
	ext->ext_free = freefn;
	m_setext(m, ext);
	return 0;
}

int
m_extadd(struct mbuf *m, void *buf, size_t size,
    void (*freefn)(void *, size_t, void *), void *arg, int how)
{
	struct mext *ext;

	KASSERT((m->m_flags & M_EXT) == 0);
	ext = pool_get(mext_pool, how);
	if (ext == NULL) {
		atomic_inc(&mbstat.ms_drops);
		return ENOBUFS;
	}
	atomic_inc(&mbstat.ms_ext);
	ext->ext_buf = buf;
	ext->ext_size = size;
	ext->ext_free = mext_userfree;
	ext->ext_userfree = freefn;
	ext->ext_arg = arg;
	m_setext(m, ext);
	return 0;
}

struct mbuf *
m_getlen(size_t len, int how, int type, bool pkthdr)
{
	struct mbuf *m;
	int error = 0;

	m = m_getinit(how, type, pkthdr ? M_PKTHDR : 0);
	if (m == NULL)
		return NULL;
	if (len > m_bufsize(m)) {
		if (len <= MCLBYTES)
			error = m_clget(m, how);
		else
			error = m_extalloc(m, len, how);
	}
	if (error != 0) {
		m_free(m);
		return NULL;
	}
	return m;
}

/* Share m's external storage with n (which has none). */
static void
m_extref(struct mbuf *n, const struct mbuf *m)
{
	KASSERT(m->m_flags & M_EXT);
	atomic_inc(&m->m_ext->ext_refcnt);
	n->m_ext = m->m_ext;
	n->m_flags |= M_EXT;
}

struct mbuf *
m_free(struct mbuf *m)
{
	struct mbuf *next = m->m_next;

	if (m->m_flags & M_EXT) {
		if (atomic_dec_nv(&m->m_ext->ext_refcnt) == 0)
			m->m_ext->ext_free(m->m_ext);
	}
	m->m_type = MT_FREE;
	pool_put(mbuf_pool, m);
	atomic_dec(&mbstat.ms_mbufs);
	return next;
}

void
m_freem(struct mbuf *m)
{
	while (m != NULL)
		m = m_free(m);
}

size_t
m_length(const struct mbuf *m)
{
	size_t len = 0;

	for (; m != NULL; m = m->m_next)
		len += m->m_len;
	return len;
}

void
m_fixhdr(struct mbuf *m)
{
	KASSERT(m->m_flags & M_PKTHDR);
	m->m_pkthdr.len = m_length(m);
}

/* Move the packet header of from to to (from loses it). */
static void
m_movehdr(struct mbuf *to, struct mbuf *from)
{
	to->m_pkthdr = from->m_pkthdr;
	to->m_flags |= from->m_flags & M_COPYFLAGS;
	if ((to->m_flags & M_EXT) == 0 && to->m_len == 0)
		to->m_data = to->m_pktdat;
	/* from's data stays where it is: without M_PKTHDR the header
	 * area is plain data area of the same mbuf. */
	from->m_flags &= ~M_COPYFLAGS;
}

int
m_prepend(struct mbuf **mp, size_t len, int how)
{
	struct mbuf *m = *mp, *n;

	if (m_leadingspace(m) >= len) {
		m->m_data -= len;
		m->m_len += len;
		if (m->m_flags & M_PKTHDR)
			m->m_pkthdr.len += len;
		return 0;
	}
	if (len > MHLEN) {
		m_freem(m);
		*mp = NULL;
		return ENOBUFS;
	}
	n = m_getinit(how, m->m_type, (m->m_flags & M_PKTHDR) ? M_PKTHDR : 0);
	if (n == NULL) {
		m_freem(m);
		*mp = NULL;
		return ENOBUFS;
	}
	if (m->m_flags & M_PKTHDR) {
		m_movehdr(n, m);
		n->m_pkthdr.len += len;
	}
	n->m_next = m;
	/* Put the new bytes at the end of n's area: more room to prepend. */
	n->m_data = m_bufstart(n) + m_bufsize(n) - len;
	n->m_len = len;
	*mp = n;
	return 0;
}

int
m_pullup(struct mbuf **mp, size_t len)
{
	struct mbuf *m = *mp, *n;
	size_t have, take;

	if (m->m_len >= len)
		return 0;
	if (len > MHLEN || ((m->m_flags & M_PKTHDR) &&
	    m->m_pkthdr.len < len) || m_length(m) < len) {
		m_freem(m);
		*mp = NULL;
		return len > MHLEN ? ENOBUFS : EINVAL;
	}
	/* Build the head in a fresh small mbuf (never in shared storage). */
	n = m_getinit(M_DONTWAIT, m->m_type, m->m_flags & M_PKTHDR);
	if (n == NULL) {
		m_freem(m);
		*mp = NULL;
		return ENOBUFS;
	}
	if (m->m_flags & M_PKTHDR)
		m_movehdr(n, m);
	have = 0;
	while (have < len) {
		KASSERT(m != NULL);
		take = MIN(len - have, m->m_len);
		memcpy(n->m_data + have, m->m_data, take);
		have += take;
		m->m_data += take;
		m->m_len -= take;
		if (m->m_len == 0)
			m = m_free(m);
	}
	n->m_len = len;
	n->m_next = m;
	*mp = n;
	return 0;
}

int
m_copydata(const struct mbuf *m, size_t off, size_t len, void *buf)
{
	char *p = buf;
	size_t n;

	while (m != NULL && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	while (len > 0) {
		if (m == NULL)
			return EINVAL;
		n = MIN(m->m_len - off, len);
		memcpy(p, m->m_data + off, n);
		p += n;
		len -= n;
		off = 0;
		m = m->m_next;
	}
	return 0;
}

int
m_copyback(struct mbuf *m, size_t off, size_t len, const void *buf,
    int how)
{
	const char *p = buf;
	struct mbuf *last = m, *n;
	size_t chunk;

	for (;;) {
		if (off < m->m_len || m->m_next == NULL)
			break;
		off -= m->m_len;
		m = m->m_next;
	}
	while (len > 0) {
		if (off > m->m_len)
			return EINVAL;
		if (off == m->m_len) {
			/* At the end of m: grow it if it may, else link a
			 * new mbuf. */
			chunk = MIN(m_trailingspace(m), len);
			if (chunk == 0) {
				if (m->m_next != NULL) {
					m = m->m_next;
					off = 0;
					continue;
				}
				n = m_getlen(MIN(len, MCLBYTES), how,
				    MT_DATA, false);
				if (n == NULL)
					return ENOBUFS;
				m->m_next = n;
				m = n;
				off = 0;
				continue;
			}
			memcpy(m->m_data + off, p, chunk);
			m->m_len += chunk;
		} else {
			if (!M_WRITABLE(m))
				return EINVAL;
			chunk = MIN(m->m_len - off, len);
			memcpy(m->m_data + off, p, chunk);
		}
		p += chunk;
		len -= chunk;
		off += chunk;
		if (len > 0 && off == m->m_len && m->m_next != NULL) {
			m = m->m_next;
			off = 0;
		}
	}
	if (last->m_flags & M_PKTHDR)
		m_fixhdr(last);
	return 0;
}

struct mbuf *
m_copym(struct mbuf *m, size_t off, size_t len, int how)
{
	struct mbuf *top = NULL, **np = &top, *n;
	const struct mbuf *m0 = m;
	bool copyhdr = off == 0 && (m->m_flags & M_PKTHDR);
	size_t take;

	while (m != NULL && off > 0 && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	if (m == NULL && (off > 0 || (len != M_COPYALL && len > 0)))
		return NULL;
	while (len > 0 && m != NULL) {
		n = m_getinit(how, m->m_type, copyhdr ? M_PKTHDR : 0);
		if (n == NULL)
			goto fail;
		if (copyhdr) {
			n->m_pkthdr = m0->m_pkthdr;
			n->m_flags |= m0->m_flags & M_COPYFLAGS;
			if (len != M_COPYALL)
				n->m_pkthdr.len = len;
			copyhdr = false;
		}
		*np = n;
		np = &n->m_next;
		take = MIN(len, m->m_len - off);
		if (m->m_flags & M_EXT) {
			m_extref(n, m);
			n->m_data = m->m_data + off;
		} else if (take > m_bufsize(n)) {
			goto fail;
		} else {
			memcpy(n->m_data, m->m_data + off, take);
		}
		n->m_len = take;
		if (len != M_COPYALL)
			len -= take;
		off = 0;
		m = m->m_next;
	}
	if (len != M_COPYALL && len > 0)
		goto fail;
	if (top == NULL)
		top = m_getinit(how, MT_DATA, 0);
	return top;
fail:
	m_freem(top);
	return NULL;
}

void
m_adj(struct mbuf *mp, ssize_t req)
{
	struct mbuf *m;
	size_t len, total, keep;

	if (mp == NULL)
		return;
	if (req >= 0) {
		len = (size_t)req;
		for (m = mp; m != NULL && len > 0; m = m->m_next) {
			size_t n = MIN(len, m->m_len);

			m->m_data += n;
			m->m_len -= n;
			len -= n;
		}
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len -= (size_t)req - len;
		return;
	}
	len = (size_t)-req;
	total = m_length(mp);
	keep = total > len ? total - len : 0;
	for (m = mp; m != NULL; m = m->m_next) {
		if (m->m_len >= keep) {
			m->m_len = keep;
			keep = 0;
		} else {
			keep -= m->m_len;
		}
	}
	if (mp->m_flags & M_PKTHDR)
		mp->m_pkthdr.len = total > len ? total - len : 0;
}

void
m_cat(struct mbuf *m, struct mbuf *n)
{
	while (m->m_next != NULL)
		m = m->m_next;
	while (n != NULL) {
		if (!(m->m_flags & M_EXT) && !(n->m_flags & M_EXT) &&
		    m_trailingspace(m) >= n->m_len) {
			memcpy(m->m_data + m->m_len, n->m_data, n->m_len);
			m->m_len += n->m_len;
			n = m_free(n);
		} else {
			m->m_next = n;
			return;
		}
	}
}

struct mbuf *
m_split(struct mbuf *m0, size_t off, int how)
{
	struct mbuf *m = m0, *n;
	size_t rest, total = 0;

	while (m != NULL && off > m->m_len) {
		off -= m->m_len;
		total += m->m_len;
		m = m->m_next;
	}
	if (m == NULL)
		return NULL;
	rest = m->m_len - off;
	n = m_getinit(how, m->m_type, (m0->m_flags & M_PKTHDR) ? M_PKTHDR : 0);
	if (n == NULL)
		return NULL;
	if (m0->m_flags & M_PKTHDR) {
		n->m_pkthdr = m0->m_pkthdr;
		n->m_pkthdr.len = m0->m_pkthdr.len - (total + off);
		m0->m_pkthdr.len = total + off;
	}
	if (rest == 0) {
		n->m_next = m->m_next;
		m->m_next = NULL;
		return n;
	}
	if (m->m_flags & M_EXT) {
		m_extref(n, m);
		n->m_data = m->m_data + off;
	} else {
		if (rest > m_bufsize(n)) {
			m_free(n);
			return NULL;
		}
		memcpy(n->m_data, m->m_data + off, rest);
	}
	n->m_len = rest;
	m->m_len = off;
	n->m_next = m->m_next;
	m->m_next = NULL;
	return n;
}

int
m_uiotombuf(struct uio *uio, size_t len, size_t leading, int how,
    struct mbuf **mp)
{
	struct mbuf *top = NULL, *m, **np = &top;
	size_t chunk, want;
	int error;

	*mp = NULL;
	do {
		want = len + (top == NULL ? leading : 0);
		/* Large writes: one external buffer of up to 64 KiB. */
		if (want > MCLBYTES)
			want = MIN(want, 65536);
		m = m_getlen(want, how, MT_DATA, top == NULL);
		if (m == NULL) {
			m_freem(top);
			return ENOBUFS;
		}
		if (top == NULL)
			m->m_data += MIN(leading, m_bufsize(m));
		*np = m;
		np = &m->m_next;
		chunk = MIN(len, m_trailingspace(m));
		error = uiomove(m->m_data, chunk, uio);
		if (error != 0) {
			m_freem(top);
			return error;
		}
		m->m_len = chunk;
		len -= chunk;
	} while (len > 0);
	m_fixhdr(top);
	*mp = top;
	return 0;
}

int
m_touio(const struct mbuf *m, size_t off, size_t len, struct uio *uio)
{
	size_t n;
	int error;

	while (m != NULL && off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	while (len > 0 && m != NULL) {
		n = MIN(m->m_len - off, len);
		error = uiomove(m->m_data + off, n, uio);
		if (error != 0)
			return error;
		len -= n;
		off = 0;
		m = m->m_next;
	}
	return 0;
}
