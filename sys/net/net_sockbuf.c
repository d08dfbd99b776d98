/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_sockbuf.c: socket buffers: the queues of records a socket holds
 * for receiving and sending, their accounting against SO_RCVBUF and
 * SO_SNDBUF, and waiting on them.
 *
 * A record is a chain: an optional MT_SONAME mbuf (the sender's
 * address), optional MT_CONTROL mbufs, then the data.  Records are
 * linked through m_nextpkt.  sb_cc counts data bytes (what SO_RCVBUF
 * limits and FIONREAD reports); sb_mbcnt counts the storage behind all
 * mbufs, limited by sb_mbmax so that many tiny datagrams cannot pin
 * unbounded memory.
 *
 * Called by: net_socket.c and the protocols, always with so_lock held
 * (sbfreelist without it).
 */

#include "kern/kern.h"
#include "kern/lock.h"
#include "net/mbuf.h"
#include "net/net_impl.h"
#include "net/protosw.h"
#include "net/socketvar.h"

void
sbinit(struct sockbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
	cv_init(&sb->sb_cv, "sbwait");
	sb->sb_lowat = 1;
}

void
sbdestroy(struct sockbuf *sb)
{
	KASSERT(sb->sb_mb == NULL);
	cv_destroy(&sb->sb_cv);
}

int
soreserve(struct socket *so, size_t sndcc, size_t rcvcc)
{
	so->so_snd.sb_hiwat = sndcc;
	so->so_snd.sb_mbmax = sndcc * 2 + 16 * MSIZE;
	so->so_rcv.sb_hiwat = rcvcc;
	so->so_rcv.sb_mbmax = rcvcc * 2 + 16 * MSIZE;
	return 0;
}

size_t
sbspace(const struct sockbuf *sb)
{
	if (sb->sb_cc >= sb->sb_hiwat || sb->sb_mbcnt >= sb->sb_mbmax)
		return 0;
	return MIN(sb->sb_hiwat - sb->sb_cc, sb->sb_mbmax - sb->sb_mbcnt);
}

/* Storage an mbuf pins. */
static size_t
m_storage(const struct mbuf *m)
{
	return MSIZE + ((m->m_flags & M_EXT) ? m->m_ext->ext_size : 0);
}

void
sballoc(struct sockbuf *sb, const struct mbuf *m)
{
	for (; m != NULL; m = m->m_next) {
		if (m->m_type == MT_DATA || m->m_type == MT_HEADER)
			sb->sb_cc += m->m_len;
		sb->sb_mbcnt += m_storage(m);
	}
}

void
sbfree(struct sockbuf *sb, const struct mbuf *m)
{
	for (; m != NULL; m = m->m_next) {
		if (m->m_type == MT_DATA || m->m_type == MT_HEADER) {
			KASSERT(sb->sb_cc >= m->m_len);
			sb->sb_cc -= m->m_len;
		}
		KASSERT(sb->sb_mbcnt >= m_storage(m));
		sb->sb_mbcnt -= m_storage(m);
	}
}

static struct mbuf *
m_last(struct mbuf *m)
{
	while (m->m_next != NULL)
		m = m->m_next;
	return m;
}

static void
sblinkrecord(struct sockbuf *sb, struct mbuf *m)
{
	m->m_nextpkt = NULL;
	if (sb->sb_lastrecord != NULL)
		sb->sb_lastrecord->m_nextpkt = m;
	else
		sb->sb_mb = m;
	sb->sb_lastrecord = m;
	sb->sb_tailrec = m;
	sb->sb_mbtail = m_last(m);
	sballoc(sb, m);
}

int
sbappendstream(struct sockbuf *sb, struct mbuf *m)
{
	struct mbuf *last = sb->sb_lastrecord;

	if (m == NULL)
		return 0;
	/* Addresses and control lead their record (sbappendaddr,
	 * sbappendcontrol): the first mbuf tells. */
	if (last == NULL || last->m_type == MT_CONTROL ||
	    last->m_type == MT_SONAME) {
		sblinkrecord(sb, m);
		return 0;
	}
	/* The tail without walking the chain when the hint holds. */
	if (sb->sb_tailrec == last && sb->sb_mbtail != NULL)
		last = sb->sb_mbtail;
	else
		last = m_last(last);
	/* Small writes are copied into the tail so the chain stays short. */
	while (m != NULL && (m->m_flags & M_EXT) == 0 &&
	    m_trailingspace(last) >= m->m_len) {
		memcpy(last->m_data + last->m_len, m->m_data, m->m_len);
		last->m_len += m->m_len;
		sb->sb_cc += m->m_len;
		m = m_free(m);
	}
	if (m != NULL) {
		/* Only the record's first mbuf keeps a packet header. */
		m->m_flags &= ~M_PKTHDR;
		last->m_next = m;
		sballoc(sb, m);
		last = m_last(m);
	}
	sb->sb_tailrec = sb->sb_lastrecord;
	sb->sb_mbtail = last;
	return 0;
}

int
sbappendrecord(struct sockbuf *sb, struct mbuf *m)
{
	if (m == NULL)
		return 0;
	sblinkrecord(sb, m);
	return 0;
}

int
sbappendcontrol(struct sockbuf *sb, struct mbuf *m, struct mbuf *control)
{
	struct mbuf *n;

	if (control == NULL)
		return m == NULL ? 0 : sbappendrecord(sb, m);
	for (n = control; n->m_next != NULL; n = n->m_next)
		continue;
	n->m_next = m;
	sblinkrecord(sb, control);
	return 0;
}

int
sbappendaddr(struct sockbuf *sb, const struct rump_sockaddr *from,
    size_t fromlen, struct mbuf *m, struct mbuf *control)
{
	struct mbuf *a, *n;

	if (from == NULL)
		return sbappendcontrol(sb, m, control);
	a = m_get(M_DONTWAIT, MT_SONAME);
	if (a == NULL || fromlen > MLEN) {
		if (a != NULL)
			m_free(a);
		m_freem(m);
		so_dispose_control(control);
		return ENOBUFS;
	}
	memcpy(a->m_data, from, fromlen);
	a->m_len = fromlen;
	if (control != NULL) {
		for (n = control; n->m_next != NULL; n = n->m_next)
			continue;
		n->m_next = m;
		a->m_next = control;
	} else {
		a->m_next = m;
	}
	sblinkrecord(sb, a);
	return 0;
}

/* Drop len data bytes from the front of the first record of sb, a
 * record of data only; an emptied record goes. */
void
sbdrop(struct sockbuf *sb, size_t len)
{
	struct mbuf *r = sb->sb_mb, *next;
	size_t n;

	while (len > 0) {
		KASSERT(r != NULL);
		n = MIN(len, r->m_len);
		r->m_data += n;
		r->m_len -= n;
		sb->sb_cc -= n;
		len -= n;
		if (r->m_len > 0)
			break;
		next = r->m_next;
		if (next != NULL) {
			next->m_nextpkt = r->m_nextpkt;
			if (sb->sb_lastrecord == r)
				sb->sb_lastrecord = next;
			sb->sb_mb = next;
			r->m_next = NULL;
			r->m_nextpkt = NULL;
			sbfree(sb, r);
			m_free(r);
		} else {
			(void)sbunlinkrecord(sb);
			m_free(r);
		}
		r = sb->sb_mb;
	}
}

struct mbuf *
sbunlinkrecord(struct sockbuf *sb)
{
	struct mbuf *r = sb->sb_mb;

	if (r == NULL)
		return NULL;
	sb->sb_mb = r->m_nextpkt;
	if (sb->sb_mb == NULL)
		sb->sb_lastrecord = NULL;
	if (sb->sb_tailrec == r)
		sb->sb_tailrec = sb->sb_mbtail = NULL;
	r->m_nextpkt = NULL;
	sbfree(sb, r);
	return r;
}

struct mbuf *
sbtakeall(struct sockbuf *sb)
{
	struct mbuf *list = sb->sb_mb, *r;

	for (r = list; r != NULL; r = r->m_nextpkt)
		sbfree(sb, r);
	sb->sb_mb = sb->sb_lastrecord = NULL;
	sb->sb_tailrec = sb->sb_mbtail = NULL;
	KASSERT(sb->sb_cc == 0 && sb->sb_mbcnt == 0);
	return list;
}

void
sbfreelist(struct socket *so, struct mbuf *list)
{
	struct mbuf *r, **mp, *ctl, *m;

	while ((r = list) != NULL) {
		list = r->m_nextpkt;
		r->m_nextpkt = NULL;
		/* Separate the control mbufs: they may hold files. */
		ctl = NULL;
		for (mp = &r; (m = *mp) != NULL;) {
			if (m->m_type == MT_CONTROL) {
				*mp = m->m_next;
				m->m_next = ctl;
				ctl = m;
			} else {
				mp = &m->m_next;
			}
		}
		m_freem(r);
		so_dispose_control(ctl);
	}
}

int
sbwait(struct socket *so, struct sockbuf *sb)
{
	int error;

	KASSERT(solocked(so));
	if (sb->sb_timeo <= 0)
		return cv_wait_sig(&sb->sb_cv, so->so_lock);
	error = cv_timedwait_sig(&sb->sb_cv, so->so_lock, sb->sb_timeo);
	return error == EWOULDBLOCK ? EAGAIN : error;
}
