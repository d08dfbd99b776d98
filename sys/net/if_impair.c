/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_impair.c: the link-level test impairment (if_impair.h): what a
 * lossy, duplicating, reordering, slow wire would do to the frames an
 * interface receives, at rates and a seed the host environment gives.
 * if_hostlink.c's receive thread runs it on each frame between the
 * driver and the interface's input routine, for the drivers that name
 * an environment variable (shmif: RUMP_SHMIF_IMPAIR, docs/shmif.md).
 *
 * A frame goes through two stages.  The first decides with a seeded
 * xorshift generator, per frame: dropped (a loss event drops up to
 * imp_burst frames in a row within 2 ms), duplicated (the copy goes up
 * first), held back to go up after the next frame (reordered; a held
 * frame that nothing follows for IMPAIR_HOLD_NS goes anyway).  The
 * second delays: with a delay or jitter set, each frame is queued with
 * a due time of arrival + delay +- jitter (never before its arrival) and
 * goes up when due, in due-time order; the receive thread sleeps at
 * most until the first is due (if_impair_due).  The queue holds at most
 * IMPAIR_QMAX frames; beyond that they are dropped as a full input
 * queue (if_iqdrops).
 *
 * A TCP/IPv4 aggregate (a frame marked M_CSUM_TSOv4: shmif carries TCP
 * segments of up to 64 KiB whole) is cut first, by netinet's
 * if_lrocut, into the wire-sized segments it stands for: a lossy wire
 * loses one segment, not 44.
 *
 * Locking: none; see if_impair.h.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "net/if.h"
#include "net/if_ether.h"
#include "net/if_impair.h"
#include "net/mbuf.h"
#include "rump/rumpuser.h"

#define IMPAIR_QMAX        4096            /* frames the delay holds */
#define IMPAIR_HOLD_NS     (5 * NSEC_PER_MSEC)
#define IMPAIR_BURST_NS    (2 * NSEC_PER_MSEC)
#define IMPAIR_MAXDELAY_US 10000000u      /* 10 s */
#define IMPAIR_MAXBURST    100000u

struct impair_ent {
	struct mbuf *ie_m;
	int64_t ie_due;                    /* ns, getnanouptime */
};

struct if_impair {
	struct ifnet *imp_ifp;
	unsigned imp_drop, imp_dup, imp_reorder;  /* per mille */
	unsigned imp_burst, imp_burstleft; /* frames per loss event */
	int64_t imp_burstend;              /* ns: the loss event's end */
	int64_t imp_delay, imp_jitter;     /* ns */
	uint64_t imp_rng;
	struct mbuf *imp_held;             /* reordered: after the next */
	int64_t imp_heldarr;               /* its arrival, ns (for the
					      IMPAIR_HOLD_NS limit) */
	/* The delay: a ring of IMPAIR_QMAX entries sorted by due time
	 * (NULL when there is no delay). */
	struct impair_ent *imp_q;
	unsigned imp_qhead, imp_qlen;
};

static uint64_t
impair_rand64(struct if_impair *imp)
{
	uint64_t x = imp->imp_rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	imp->imp_rng = x;
	return x;
}

static unsigned
impair_permille(struct if_impair *imp)
{
	return (unsigned)(impair_rand64(imp) % 1000);
}

/*
 * Parse up to n comma-separated decimal numbers from s into v (fields
 * left out keep their value).  0, or EINVAL for anything else.
 */
static int
impair_parse(const char *s, unsigned *v, int n)
{
	uint64_t x;
	int i;

	for (i = 0; i < n && *s != '\0'; i++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		for (x = 0; *s >= '0' && *s <= '9'; s++) {
			x = x * 10 + (uint64_t)(*s - '0');
			if (x > UINT32_MAX)
				return EINVAL;
		}
		v[i] = (unsigned)x;
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return EINVAL;
	}
	return *s == '\0' ? 0 : EINVAL;
}

struct if_impair *
if_impair_create(struct ifnet *ifp, const char *envname)
{
	char buf[96], name[64];
	/* drop, dup, reorder, delay_us, jitter_us, burst */
	unsigned v[6] = { 0, 0, 0, 0, 0, 1 };
	uint64_t seed = 1;
	struct if_impair *imp;

	if (rumpuser_getparam(envname, buf, sizeof(buf)) != 0 ||
	    buf[0] == '\0')
		return NULL;
	if (impair_parse(buf, v, 6) != 0) {
		printf("%s: %s=\"%s\" malformed, no impairment\n",
		    ifp->if_xname, envname, buf);
		return NULL;
	}
	if ((v[0] | v[1] | v[2] | v[3] | v[4]) == 0)
		return NULL;
	snprintf(name, sizeof(name), "%s_SEED", envname);
	if (rumpuser_getparam(name, buf, sizeof(buf)) == 0 &&
	    kstrtou64(buf, &seed) != 0)
		seed = 1;
	imp = kmem_zalloc(sizeof(*imp), KM_SLEEP);
	imp->imp_ifp = ifp;
	imp->imp_drop = MIN(v[0], 1000);
	imp->imp_dup = MIN(v[1], 1000);
	imp->imp_reorder = MIN(v[2], 1000);
	imp->imp_delay = (int64_t)MIN(v[3], IMPAIR_MAXDELAY_US) * 1000;
	imp->imp_jitter = (int64_t)MIN(v[4], IMPAIR_MAXDELAY_US) * 1000;
	imp->imp_burst = MAX(MIN(v[5], IMPAIR_MAXBURST), 1);
	imp->imp_rng = seed != 0 ? seed : 1;
	if (imp->imp_delay != 0 || imp->imp_jitter != 0)
		imp->imp_q = kmem_alloc(IMPAIR_QMAX * sizeof(*imp->imp_q),
		    KM_SLEEP);
	printf("%s: impairment drop %u dup %u reorder %u per mille, "
	    "delay %u us jitter %u us, burst %u, seed %llu\n", ifp->if_xname,
	    imp->imp_drop, imp->imp_dup, imp->imp_reorder,
	    MIN(v[3], IMPAIR_MAXDELAY_US), MIN(v[4], IMPAIR_MAXDELAY_US),
	    imp->imp_burst, (unsigned long long)seed);
	return imp;
}

void
if_impair_destroy(struct if_impair *imp)
{
	if (imp == NULL)
		return;
	m_freem(imp->imp_held);
	if (imp->imp_q != NULL) {
		for (unsigned i = 0; i < imp->imp_qlen; i++)
			m_freem(imp->imp_q[(imp->imp_qhead + i) %
			    IMPAIR_QMAX].ie_m);
		kmem_free(imp->imp_q, IMPAIR_QMAX * sizeof(*imp->imp_q));
	}
	kmem_free(imp, sizeof(*imp));
}

static void
impair_append(struct mbuf ***tailp, struct mbuf *m)
{
	m->m_nextpkt = NULL;
	**tailp = m;
	*tailp = &m->m_nextpkt;
}

/*
 * The second stage: m, which arrived at arr (ns), goes up now, or into
 * the delay queue at its due time.
 */
static void
impair_delay(struct if_impair *imp, struct mbuf *m, int64_t arr,
    struct mbuf ***tailp)
{
	struct impair_ent *q = imp->imp_q;
	int64_t due;
	unsigned i, prev;

	if (q == NULL) {
		impair_append(tailp, m);
		return;
	}
	if (imp->imp_qlen == IMPAIR_QMAX) {
		IF_STAT_INC(imp->imp_ifp, if_iqdrops);
		m_freem(m);
		return;
	}
	due = arr + imp->imp_delay;
	if (imp->imp_jitter != 0)
		due += (int64_t)(impair_rand64(imp) %
		    (uint64_t)(2 * imp->imp_jitter + 1)) - imp->imp_jitter;
	if (due < arr)
		due = arr;
	/* Insert sorted, from the end: without jitter it is the end. */
	i = (imp->imp_qhead + imp->imp_qlen) % IMPAIR_QMAX;
	for (unsigned n = imp->imp_qlen; n > 0; n--) {
		prev = (i + IMPAIR_QMAX - 1) % IMPAIR_QMAX;
		if (q[prev].ie_due <= due)
			break;
		q[i] = q[prev];
		i = prev;
	}
	q[i].ie_m = m;
	q[i].ie_due = due;
	imp->imp_qlen++;
	IF_STAT_INC(imp->imp_ifp, if_impdelays);
}

/*
 * A private copy of the frame m, for a duplicate: the protocols write
 * into a packet's bytes as they go (a sum filled in, a TTL forwarded),
 * which a copy sharing the storage would see.  NULL if no memory.
 */
static struct mbuf *
impair_copy(const struct mbuf *m)
{
	size_t len = m->m_pkthdr.len;
	struct mbuf *n;

	n = m_getlen(len, M_DONTWAIT, MT_DATA, true);
	if (n == NULL)
		return NULL;
	(void)m_copydata(m, 0, len, mtod(n, void *));
	n->m_len = n->m_pkthdr.len = len;
	n->m_pkthdr.rcvif = m->m_pkthdr.rcvif;
	n->m_pkthdr.csum_flags = m->m_pkthdr.csum_flags;
	n->m_pkthdr.csum_data = m->m_pkthdr.csum_data;
	n->m_pkthdr.segsz = m->m_pkthdr.segsz;
	n->m_flags |= m->m_flags & (M_BCAST | M_MCAST);
	return n;
}

/* The first stage, for one wire frame m that arrived at now. */
static void
impair_one(struct if_impair *imp, struct mbuf *m, int64_t now,
    struct mbuf ***tailp)
{
	struct ifnet *ifp = imp->imp_ifp;
	struct mbuf *dup = NULL, *held;

	if (imp->imp_burstleft > 0 && now > imp->imp_burstend)
		imp->imp_burstleft = 0;
	if (imp->imp_burstleft > 0 ||
	    (imp->imp_drop != 0 && impair_permille(imp) < imp->imp_drop)) {
		if (imp->imp_burstleft == 0) {
			imp->imp_burstleft = imp->imp_burst;
			imp->imp_burstend = now + IMPAIR_BURST_NS;
		}
		imp->imp_burstleft--;
		IF_STAT_INC(ifp, if_impdrops);
		m_freem(m);
		return;
	}
	if (imp->imp_dup != 0 && impair_permille(imp) < imp->imp_dup) {
		dup = impair_copy(m);
		if (dup != NULL) {
			IF_STAT_INC(ifp, if_impdups);
			impair_delay(imp, dup, now, tailp);
		}
	}
	held = imp->imp_held;
	imp->imp_held = NULL;
	if (held == NULL && imp->imp_reorder != 0 &&
	    impair_permille(imp) < imp->imp_reorder) {
		imp->imp_held = m;
		imp->imp_heldarr = now;
		IF_STAT_INC(ifp, if_impreorders);
		return;
	}
	impair_delay(imp, m, now, tailp);
	/* The held frame is on the wire only now: its delay starts now,
	 * so that it stays behind m. */
	if (held != NULL)
		impair_delay(imp, held, now, tailp);
}

/*
 * Cut the aggregate m (an Ethernet frame marked M_CSUM_TSOv4) into its
 * wire frames and impair each.  Consumes m.  Frames that are not TCP
 * over IPv4 are left whole (ether_input judges them).
 */
static void
impair_aggregate(struct if_impair *imp, struct mbuf *m, int64_t now,
    struct mbuf ***tailp)
{
	struct ifnet *ifp = imp->imp_ifp;
	struct ether_header eh;
	struct mbuf *list, *n;
	int error;

	if (m_copydata(m, 0, sizeof(eh), &eh) != 0 ||
	    eh.ether_type != htons(ETHERTYPE_IP)) {
		impair_one(imp, m, now, tailp);
		return;
	}
	m_adj(m, ETHER_HDR_LEN);
	error = if_lrocut(m, &list);
	if (error != 0) {
		/* Consumed (netinet counted why, if it was malformed). */
		if (error == ENOBUFS)
			IF_STAT_INC(ifp, if_iqdrops);
		else
			IF_STAT_INC(ifp, if_ierrors);
		return;
	}
	for (; list != NULL; list = n) {
		n = list->m_nextpkt;
		list->m_nextpkt = NULL;
		if (m_prepend(&list, ETHER_HDR_LEN, M_DONTWAIT) != 0) {
			IF_STAT_INC(ifp, if_iqdrops);
			continue;
		}
		memcpy(mtod(list, void *), &eh, sizeof(eh));
		list->m_pkthdr.rcvif = ifp;
		impair_one(imp, list, now, tailp);
	}
}

void
if_impair_input(struct if_impair *imp, struct mbuf *m,
    struct mbuf ***tailp)
{
	int64_t now = getnanouptime();

	if (m->m_pkthdr.csum_flags & M_CSUM_TSOv4)
		impair_aggregate(imp, m, now, tailp);
	else
		impair_one(imp, m, now, tailp);
}

int64_t
if_impair_due(struct if_impair *imp, struct mbuf ***tailp)
{
	struct impair_ent *e;
	struct mbuf *held;
	int64_t now = getnanouptime(), wait = -1, h;

	if (imp->imp_held != NULL && now - imp->imp_heldarr >= IMPAIR_HOLD_NS) {
		/* Nothing came after it: it goes alone. */
		held = imp->imp_held;
		imp->imp_held = NULL;
		impair_delay(imp, held, now, tailp);
	}
	while (imp->imp_qlen > 0) {
		e = &imp->imp_q[imp->imp_qhead];
		if (e->ie_due > now) {
			wait = e->ie_due - now;
			break;
		}
		impair_append(tailp, e->ie_m);
		e->ie_m = NULL;
		imp->imp_qhead = (imp->imp_qhead + 1) % IMPAIR_QMAX;
		imp->imp_qlen--;
	}
	if (imp->imp_held != NULL) {
		h = imp->imp_heldarr + IMPAIR_HOLD_NS - now;
		if (wait < 0 || h < wait)
			wait = h;
	}
	return wait;
}
