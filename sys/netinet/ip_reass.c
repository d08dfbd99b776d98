/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip_reass.c: reassembly of IPv4 fragments (RFC 791, RFC 815), with
 * limits so that a flood of fragments cannot exhaust memory.
 *
 * A datagram being reassembled is a queue keyed by (source, destination,
 * identification, protocol) holding its fragments' payloads sorted by
 * offset; the header of the first fragment becomes the datagram's.
 * Called from ip_input on the netisr thread; in_slowtimo calls
 * ip_reass_timer once a second.
 *
 * Limits (a fragment beyond them is dropped and counted in
 * ips_fragdropped):
 *  - REASS_MAXBYTES of mbuf storage held by all queues together
 *    (ips_reassbytes shows the level); to make room for a new fragment
 *    the oldest other queues are dropped first;
 *  - REASS_MAXQUEUES datagrams at once, REASS_MAXFRAGS fragments each;
 *  - REASS_TIMEOUT: a datagram not complete by then is dropped
 *    (ips_fragtimeout).
 * Overlapping fragments drop the whole datagram (exact duplicates only
 * the copy), as RFC 5722 asks of IPv6: no reassembly ambiguity.
 *
 * Locking: reass_lock covers the queues (a leaf but for mbuf frees).
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "net/mbuf.h"
#include "net/net_stats.h"
#include "netinet/in_impl.h"

#define REASS_MAXBYTES  (1024 * 1024)
#define REASS_MAXQUEUES 64
#define REASS_MAXFRAGS  128
#define REASS_TIMEOUT   (30 * NSEC_PER_SEC)

struct ipfrag {
	size_t ipf_off, ipf_len;           /* payload bytes */
	size_t ipf_storage;                /* accounted bytes */
	struct mbuf *ipf_m;                /* payload only */
	struct ipfrag *ipf_next;
};

struct ipq {
	uint32_t ipq_src, ipq_dst;
	uint16_t ipq_id;
	uint8_t ipq_p;
	int64_t ipq_expire;                /* getnanouptime() deadline */
	size_t ipq_storage;
	unsigned ipq_nfrags;
	bool ipq_havelast;
	size_t ipq_total;                  /* payload bytes, once havelast */
	size_t ipq_have;                   /* payload bytes held */
	uint8_t ipq_hdr[60];               /* first fragment's header */
	size_t ipq_hlen;                   /* 0 until it came */
	struct ipfrag *ipq_frags;
	struct ipq *ipq_next;              /* oldest first */
};

static kmutex_t reass_lock;
static struct ipq *reass_head;             /* oldest first */
static unsigned reass_nqueues;
static size_t reass_bytes;

void
ip_reass_init(void)
{
	mutex_init(&reass_lock, MUTEX_DEFAULT, "ipreass");
}

static size_t
reass_storage(const struct mbuf *m)
{
	size_t n = 0;

	for (; m != NULL; m = m->m_next)
		n += MSIZE + ((m->m_flags & M_EXT) ? m->m_ext->ext_size : 0);
	return n;
}

/* Unlink q and hand its fragments to *freep (reass_lock held). */
static void
reass_drop(struct ipq *q, struct mbuf **freep, bool count)
{
	struct ipq **pp;
	struct ipfrag *f;

	for (pp = &reass_head; *pp != NULL; pp = &(*pp)->ipq_next)
		if (*pp == q) {
			*pp = q->ipq_next;
			break;
		}
	reass_nqueues--;
	while ((f = q->ipq_frags) != NULL) {
		q->ipq_frags = f->ipf_next;
		f->ipf_m->m_nextpkt = *freep;
		*freep = f->ipf_m;
		if (count)
			NETSTAT_INC(ips_fragdropped);
		kmem_free(f, sizeof(*f));
	}
	reass_bytes -= q->ipq_storage;
	NETSTAT_SUB(ips_reassbytes, q->ipq_storage);
	kmem_free(q, sizeof(*q));
}

static void
reass_freelist(struct mbuf *list)
{
	struct mbuf *m;

	while ((m = list) != NULL) {
		list = m->m_nextpkt;
		m->m_nextpkt = NULL;
		m_freem(m);
	}
}

/* Build the datagram of complete queue q (reass_lock held, q unlinked
 * by the caller afterwards). */
static struct mbuf *
reass_assemble(struct ipq *q)
{
	struct mbuf *m, *tail;
	struct ipfrag *f;
	struct ip *ip;

	m = m_gethdr(M_DONTWAIT, MT_HEADER);
	if (m == NULL)
		return NULL;
	m->m_data += MAX_LINKHDR;
	memcpy(m->m_data, q->ipq_hdr, q->ipq_hlen);
	m->m_len = q->ipq_hlen;
	tail = m;
	while ((f = q->ipq_frags) != NULL) {
		q->ipq_frags = f->ipf_next;
		f->ipf_m->m_flags &= ~M_PKTHDR;    /* now inside a chain */
		tail->m_next = f->ipf_m;
		while (tail->m_next != NULL)
			tail = tail->m_next;
		q->ipq_storage -= f->ipf_storage;
		reass_bytes -= f->ipf_storage;
		NETSTAT_SUB(ips_reassbytes, f->ipf_storage);
		kmem_free(f, sizeof(*f));
	}
	m->m_pkthdr.len = q->ipq_hlen + q->ipq_total;
	ip = mtod(m, struct ip *);
	ip->ip_len = htons((uint16_t)(q->ipq_hlen + q->ipq_total));
	ip->ip_off = 0;
	ip->ip_sum = 0;
	ip->ip_sum = in_cksum_buf(ip, q->ipq_hlen, 0);
	return m;
}

struct mbuf *
ip_reass(struct mbuf *m)
{
	struct ip *ip = mtod(m, struct ip *);
	size_t hlen = IP_HL(ip), len, off, storage;
	uint16_t ipoff = ntohs(ip->ip_off);
	bool more = (ipoff & IP_MF) != 0;
	struct mbuf *freelist = NULL, *done = NULL;
	struct ipfrag *f, **fp, *nf;
	struct ipq *q, *victim;
	struct ifnet *rcvif = m->m_pkthdr.rcvif;

	len = ntohs(ip->ip_len) - hlen;
	off = (size_t)(ipoff & IP_OFFMASK) * 8;
	if ((more && (len == 0 || (len & 7) != 0)) ||
	    off + len + hlen > IP_MAXPACKET) {
		NETSTAT_INC(ips_fragdropped);
		m_freem(m);
		return NULL;
	}
	nf = kmem_zalloc(sizeof(*nf), KM_NOSLEEP);
	if (nf == NULL) {
		NETSTAT_INC(ips_fragdropped);
		m_freem(m);
		return NULL;
	}
	storage = reass_storage(m);

	mutex_enter(&reass_lock);
	for (q = reass_head; q != NULL; q = q->ipq_next)
		if (q->ipq_src == ip->ip_src && q->ipq_dst == ip->ip_dst &&
		    q->ipq_id == ip->ip_id && q->ipq_p == ip->ip_p)
			break;
	/* Room: drop the oldest other datagrams while over the limits. */
	while (reass_bytes + storage > REASS_MAXBYTES ||
	    (q == NULL && reass_nqueues >= REASS_MAXQUEUES)) {
		victim = reass_head;
		if (victim == q)
			victim = victim->ipq_next;
		if (victim == NULL)
			break;
		reass_drop(victim, &freelist, true);
	}
	if (reass_bytes + storage > REASS_MAXBYTES ||
	    (q != NULL && q->ipq_nfrags >= REASS_MAXFRAGS))
		goto drop;
	if (q == NULL) {
		q = kmem_zalloc(sizeof(*q), KM_NOSLEEP);
		if (q == NULL)
			goto drop;
		q->ipq_src = ip->ip_src;
		q->ipq_dst = ip->ip_dst;
		q->ipq_id = ip->ip_id;
		q->ipq_p = ip->ip_p;
		q->ipq_expire = getnanouptime() + REASS_TIMEOUT;
		struct ipq **pp;
		for (pp = &reass_head; *pp != NULL; pp = &(*pp)->ipq_next)
			continue;
		*pp = q;
		reass_nqueues++;
	}
	if (!more) {
		if ((q->ipq_havelast && q->ipq_total != off + len) ||
		    q->ipq_have > off + len)
			goto dropq;
		q->ipq_havelast = true;
		q->ipq_total = off + len;
	} else if (q->ipq_havelast && off + len > q->ipq_total) {
		goto dropq;
	}
	/* Find the place; reject overlaps. */
	for (fp = &q->ipq_frags; (f = *fp) != NULL; fp = &f->ipf_next) {
		if (f->ipf_off == off && f->ipf_len == len)
			goto drop;             /* a duplicate */
		if (off < f->ipf_off + f->ipf_len && f->ipf_off < off + len)
			goto dropq;
		if (f->ipf_off > off)
			break;
	}
	if (off == 0) {
		memcpy(q->ipq_hdr, ip, hlen);
		q->ipq_hlen = hlen;
	}
	m_adj(m, (ssize_t)hlen);
	nf->ipf_off = off;
	nf->ipf_len = len;
	nf->ipf_storage = storage;
	nf->ipf_m = m;
	nf->ipf_next = *fp;
	*fp = nf;
	nf = NULL;
	q->ipq_nfrags++;
	q->ipq_have += len;
	q->ipq_storage += storage;
	reass_bytes += storage;
	NETSTAT_ADD(ips_reassbytes, storage);
	if (q->ipq_havelast && q->ipq_hlen != 0 &&
	    q->ipq_have == q->ipq_total) {
		done = reass_assemble(q);
		reass_drop(q, &freelist, done == NULL);
		if (done != NULL)
			done->m_pkthdr.rcvif = rcvif;
	}
	mutex_exit(&reass_lock);
	reass_freelist(freelist);
	return done;

dropq:
	reass_drop(q, &freelist, true);
drop:
	mutex_exit(&reass_lock);
	NETSTAT_INC(ips_fragdropped);
	if (nf != NULL)
		kmem_free(nf, sizeof(*nf));
	m_freem(m);
	reass_freelist(freelist);
	return NULL;
}

void
ip_reass_timer(void)
{
	struct mbuf *freelist = NULL;
	struct ipq *q, *next;
	int64_t now = getnanouptime();

	mutex_enter(&reass_lock);
	for (q = reass_head; q != NULL; q = next) {
		next = q->ipq_next;
		if (q->ipq_expire <= now) {
			NETSTAT_INC(ips_fragtimeout);
			reass_drop(q, &freelist, true);
		}
	}
	mutex_exit(&reass_lock);
	reass_freelist(freelist);
}

void
ip_reass_drain(void)
{
	struct mbuf *freelist = NULL;

	mutex_enter(&reass_lock);
	while (reass_head != NULL)
		reass_drop(reass_head, &freelist, true);
	mutex_exit(&reass_lock);
	reass_freelist(freelist);
}
