/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_mbuf.c: a test-only kernel library: mbuf unit tests that must run
 * inside the kernel (mbuf.h is a kernel interface).  t_mbuf calls
 * rump_test_mbuf(n) with the kernel scheduled; it returns 0 or the line
 * of the first failed check.
 */
#include "kern/kern.h"
#include "net/mbuf.h"

#define CHECK(x) do { if (!(x)) return __LINE__; } while (0)

static int freed;

static void
extfree(void *buf, size_t size, void *arg)
{
	freed++;
}

static struct mbuf *
mkchain(const char *data, size_t len, size_t piece)
{
	struct mbuf *top, *m, **np = &top;
	size_t off = 0;

	do {
		m = *np == top && off == 0 ? m_gethdr(M_WAIT, MT_DATA) :
		    m_get(M_WAIT, MT_DATA);
		m->m_len = MIN(piece, len - off);
		memcpy(m->m_data, data + off, m->m_len);
		off += m->m_len;
		*np = m;
		np = &m->m_next;
	} while (off < len);
	m_fixhdr(top);
	return top;
}

int rump_test_mbuf(int which);

int
rump_test_mbuf(int which)
{
	static char data[5000], out[5000];
	struct mbuf *m, *n;
	size_t i;
	uint64_t mb0 = mbstat.ms_mbufs, cl0 = mbstat.ms_clusters;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	switch (which) {
	case 0:         /* copydata over a chain, m_length, pullup */
		m = mkchain(data, 300, 50);
		CHECK(m_length(m) == 300 && m->m_pkthdr.len == 300);
		CHECK(m_copydata(m, 45, 100, out) == 0);
		CHECK(memcmp(out, data + 45, 100) == 0);
		CHECK(m_copydata(m, 250, 51, out) == EINVAL);
		CHECK(m_pullup(&m, 120) == 0);
		CHECK(m->m_len >= 120 && memcmp(m->m_data, data, 120) == 0);
		CHECK(m_length(m) == 300 && m->m_pkthdr.len == 300);
		CHECK(m_pullup(&m, 400) != 0 && m == NULL);
		break;
	case 1:         /* prepend: in place, then in a new mbuf */
		m = m_gethdr(M_WAIT, MT_DATA);
		m->m_data += 16;                /* headroom */
		memcpy(m->m_data, data, 20);
		m->m_len = 20;
		m_fixhdr(m);
		CHECK(m_prepend(&m, 8, M_WAIT) == 0);
		CHECK(m->m_pkthdr.len == 28 && m_length(m) == 28);
		CHECK(m_prepend(&m, 40, M_WAIT) == 0);
		CHECK(m->m_pkthdr.len == 68 && m_length(m) == 68);
		CHECK(m->m_flags & M_PKTHDR);
		CHECK(!(m->m_next->m_flags & M_PKTHDR));
		CHECK(m_copydata(m, 48, 20, out) == 0);
		CHECK(memcmp(out, data, 20) == 0);
		m_freem(m);
		break;
	case 2:         /* clusters shared by m_copym are read-only */
		m = m_getlen(3000, M_WAIT, MT_DATA, true);
		CHECK(m != NULL && (m->m_flags & M_EXT));
		memcpy(m->m_data, data, 3000);
		m->m_len = 3000;
		m_fixhdr(m);
		CHECK(mbstat.ms_clusters == cl0 && mbstat.ms_ext > 0);
		n = m_copym(m, 100, 500, M_WAIT);
		CHECK(n != NULL && m_length(n) == 500);
		CHECK(n->m_data == m->m_data + 100);     /* zero copy */
		CHECK(!M_WRITABLE(m) && !M_WRITABLE(n));
		CHECK(m_leadingspace(n) == 0);
		CHECK(m_copyback(n, 0, 4, "ABCD", M_WAIT) == EINVAL);
		/* prepend to a shared mbuf goes into a new one */
		CHECK(m_prepend(&n, 4, M_WAIT) == 0);
		CHECK(n->m_next != NULL && (n->m_flags & M_EXT) == 0);
		m_freem(m);
		CHECK(M_WRITABLE(n->m_next));
		m_freem(n);
		break;
	case 3:         /* adj, split, cat */
		m = mkchain(data, 1000, 100);
		m_adj(m, 150);
		CHECK(m->m_pkthdr.len == 850 && m_length(m) == 850);
		m_adj(m, -250);
		CHECK(m->m_pkthdr.len == 600 && m_length(m) == 600);
		CHECK(m_copydata(m, 0, 600, out) == 0);
		CHECK(memcmp(out, data + 150, 600) == 0);
		n = m_split(m, 275, M_WAIT);
		CHECK(n != NULL && m_length(m) == 275 && m_length(n) == 325);
		CHECK(m->m_pkthdr.len == 275 && n->m_pkthdr.len == 325);
		CHECK(m_copydata(n, 0, 325, out) == 0);
		CHECK(memcmp(out, data + 425, 325) == 0);
		n->m_flags &= ~M_PKTHDR;
		m_cat(m, n);
		m_fixhdr(m);
		CHECK(m_length(m) == 600);
		CHECK(m_copydata(m, 0, 600, out) == 0);
		CHECK(memcmp(out, data + 150, 600) == 0);
		CHECK(m_split(m, 601, M_WAIT) == NULL);
		m_freem(m);
		break;
	case 4:         /* copyback extends; external buffers of the caller */
		m = m_gethdr(M_WAIT, MT_DATA);
		CHECK(m_copyback(m, 0, 4000, data, M_WAIT) == 0);
		CHECK(m_length(m) == 4000 && m->m_pkthdr.len == 4000);
		CHECK(m_copydata(m, 0, 4000, out) == 0);
		CHECK(memcmp(out, data, 4000) == 0);
		CHECK(m_copyback(m, 10, 5, "hello", M_WAIT) == 0);
		CHECK(m_copydata(m, 10, 5, out) == 0);
		CHECK(memcmp(out, "hello", 5) == 0);
		m_freem(m);
		freed = 0;
		m = m_get(M_WAIT, MT_DATA);
		CHECK(m_extadd(m, data, sizeof(data), extfree, NULL,
		    M_WAIT) == 0);
		m->m_len = sizeof(data);
		n = m_copym(m, 0, M_COPYALL, M_WAIT);
		CHECK(n != NULL && n->m_data == data);
		m_freem(m);
		CHECK(freed == 0);
		m_freem(n);
		CHECK(freed == 1);
		break;
	default:
		return -1;
	}
	CHECK(mbstat.ms_mbufs == mb0 && mbstat.ms_clusters == cl0);
	return 0;
}
