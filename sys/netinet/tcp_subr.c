/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_subr.c: TCP's connection blocks and tables: creation and freeing,
 * binding and ephemeral ports, lookup of the connection a segment
 * belongs to, the bounded TIME_WAIT list, initial sequence numbers
 * (RFC 6528), SYN cookies, segments sent without a connection (RST,
 * challenge ACK), ICMP errors (RFC 5927, path MTU from "fragmentation
 * needed", RFC 1191), the MSS from the route, and the statistics.
 *
 * Called by tcp_usrreq.c, tcp_input.c, tcp_timer.c and ip_icmp.c, always
 * with inet_lock held except tcp_init and tcp_ctlinput (which takes it).
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/route.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"
#include "netinet/tcp.h"
#include "netinet/tcp_var.h"

#define TCP_HASHSIZE 1024                  /* buckets, power of two */
#define IPPORT_EPHEMERAL_FIRST 32768
#define IPPORT_EPHEMERAL_LAST  60999

struct tcpstat tcpstat;
int tcp_ncbs;

static struct tcpcb *tcp_all;              /* [N] every tcpcb */
static struct tcpcb *tcp_porthash[TCP_HASHSIZE];  /* [N] by lport */
static struct tcpcb *tcp_connhash[TCP_HASHSIZE];  /* [N] by 4-tuple */
static struct tcpcb *tcp_twhead, **tcp_twtail = &tcp_twhead; /* [N] */
static int tcp_ntw;                        /* [N] */
static uint16_t tcp_lastport;              /* [N] ephemeral cursor */
static uint64_t tcp_secret[4];             /* [I] ISN and cookie key */

#ifdef DIAGNOSTIC
static const char *const tcp_statenames[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
	"CLOSE_WAIT", "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2",
	"TIME_WAIT",
};

void
tcp_state_assert(const struct tcpcb *tp, enum tcp_state from,
    enum tcp_state to)
{
	bool ok;

	KASSERT(mutex_owned(&inet_lock));
	if (tp->t_state != from)
		panic("tcpcb %p: state %s, expected %s", tp,
		    tcp_statenames[tp->t_state], tcp_statenames[from]);
	if (to == TCPS_CLOSED)
		return;
	switch (from) {
	case TCPS_CLOSED:
		ok = to == TCPS_LISTEN || to == TCPS_SYN_SENT ||
		    to == TCPS_SYN_RECEIVED;
		break;
	case TCPS_SYN_SENT:
		ok = to == TCPS_SYN_RECEIVED || to == TCPS_ESTABLISHED;
		break;
	case TCPS_SYN_RECEIVED:
		ok = to == TCPS_ESTABLISHED || to == TCPS_FIN_WAIT_1 ||
		    to == TCPS_CLOSE_WAIT;
		break;
	case TCPS_ESTABLISHED:
		ok = to == TCPS_FIN_WAIT_1 || to == TCPS_CLOSE_WAIT;
		break;
	case TCPS_FIN_WAIT_1:
		ok = to == TCPS_FIN_WAIT_2 || to == TCPS_CLOSING ||
		    to == TCPS_TIME_WAIT;
		break;
	case TCPS_FIN_WAIT_2:
	case TCPS_CLOSING:
		ok = to == TCPS_TIME_WAIT;
		break;
	case TCPS_CLOSE_WAIT:
		ok = to == TCPS_LAST_ACK;
		break;
	default:
		ok = false;
	}
	if (!ok)
		panic("tcpcb %p: bad state change %s -> %s", tp,
		    tcp_statenames[from], tcp_statenames[to]);
}
#endif

/* A keyed 64-bit mix of up to four words (ISNs, cookies, hashing). */
static uint64_t
tcp_keyed(uint64_t a, uint64_t b, uint64_t c, unsigned key)
{
	uint64_t h = tcp_secret[key & 3] ^ 0x9e3779b97f4a7c15ULL;
	uint64_t w[3] = { a, b, c };
	int i, r;

	for (i = 0; i < 3; i++) {
		h ^= w[i];
		for (r = 0; r < 2; r++) {
			h ^= h >> 31;
			h *= 0xbf58476d1ce4e5b9ULL;
			h ^= h >> 29;
			h += tcp_secret[(key + 1 + r) & 3];
		}
	}
	h ^= h >> 32;
	return h;
}

static unsigned
tcp_connhashidx(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	uint64_t h = tcp_keyed(((uint64_t)laddr << 32) | faddr,
	    ((uint64_t)lport << 16) | fport, 0, 2);

	return (unsigned)h & (TCP_HASHSIZE - 1);
}

/*
 * Test-only: RUMP_TCP_ISS=N in the host environment makes every ISN
 * N (plus 0x10000 per connection made, so that two connections of one
 * kernel differ), to run transfers across the 2^32 sequence wrap on
 * purpose.  Unset (the default), ISNs follow RFC 6528.
 */
static bool tcp_iss_fixed;                 /* [I] */
/* Test-only: RUMP_TCP_TSO=force sends TSO segments whatever the route's
 * interface, so ip_output cuts them in software (tcp_settsomax). */
static bool tcp_tso_force;                 /* [I] */
bool tcp_sack_rxt = true;                  /* [I] tcp_var.h */
static uint32_t tcp_iss_next;              /* [N] */

void
tcp_init(void)
{
	char buf[32];
	uint64_t v;

	cprng_fast(tcp_secret, sizeof(tcp_secret));
	tcp_lastport = (uint16_t)cprng_fast32();
	if (rumpuser_getparam("RUMP_TCP_NOSACKRXT", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "1") == 0) {
		tcp_sack_rxt = false;
		printf("tcp: test: SACK recovery off (NewReno only)\n");
	}
	if (rumpuser_getparam("RUMP_TCP_TSO", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "force") == 0) {
		tcp_tso_force = true;
		printf("tcp: test: TSO on every route, cut in software\n");
	}
	if (rumpuser_getparam("RUMP_TCP_ISS", buf, sizeof(buf)) == 0 &&
	    kstrtou64(buf, &v) == 0) {
		tcp_iss_fixed = true;
		tcp_iss_next = (uint32_t)v;
		printf("tcp: test ISS %u\n", (unsigned)tcp_iss_next);
	}
	tcp_timer_init();
}

uint32_t
tcp_now_ms(void)
{
	return (uint32_t)(getnanouptime() / NSEC_PER_MSEC);
}

tcp_seq
tcp_new_isn(uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport)
{
	/* RFC 6528: a 4 us clock plus a keyed hash of the 4-tuple. */
	uint32_t m = (uint32_t)(getnanouptime() / 4000);

	if (tcp_iss_fixed) {
		m = tcp_iss_next;
		tcp_iss_next += 0x10000;
		return m;
	}
	return m + (uint32_t)tcp_keyed(((uint64_t)laddr << 32) | faddr,
	    ((uint64_t)lport << 16) | fport, 0, 0);
}

struct tcpcb *
tcp_newtcpcb(struct socket *so)
{
	struct tcpcb *tp;

	tp = kmem_zalloc(sizeof(*tp), KM_SLEEP);
	tp->t_so = so;
	tp->t_state = TCPS_CLOSED;
	tp->t_maxseg = TCP_MSS_DEFAULT;
	tp->t_cc = &tcp_cc_cubic;
	tp->t_rto_us = TCP_RTO_INIT_US;
	tp->t_rttmin_us = TCP_RTO_MIN_US;
	tp->t_keepidle = TCP_KEEPIDLE_DEF;
	tp->t_keepintvl = TCP_KEEPINTVL_DEF;
	tp->t_keepcnt = TCP_KEEPCNT_DEF;
	tp->t_syncnt = TCP_SYNRETRIES;
	tp->t_ttl = IP_DEFTTL;
	tp->t_flags = TF_REQ_SCALE | TF_REQ_TSTMP | TF_REQ_SACK;
	tp->ts_offset = cprng_fast32();
	tp->snd_cwnd = TCP_INITWND_SEGS * TCP_MSS_DEFAULT;
	tp->snd_ssthresh = UINT32_MAX / 2;
	tp->t_rcvtime = getnanouptime();
	KASSERT(mutex_owned(&inet_lock));
	tp->t_next = tcp_all;
	if (tcp_all != NULL)
		tcp_all->t_prevp = &tp->t_next;
	tp->t_prevp = &tcp_all;
	tcp_all = tp;
	tcp_ncbs++;
	return tp;
}

/* The first tcpcb of the list of all (the timer walks it). */
struct tcpcb *
tcp_first(void)
{
	return tcp_all;
}

static void
tcp_porthash_remove(struct tcpcb *tp)
{
	if (!tp->t_inporthash)
		return;
	*tp->t_pprevp = tp->t_pnext;
	if (tp->t_pnext != NULL)
		tp->t_pnext->t_pprevp = tp->t_pprevp;
	tp->t_inporthash = false;
}

void
tcp_porthash_insert(struct tcpcb *tp)
{
	struct tcpcb **b = &tcp_porthash[ntohs(tp->t_lport) & (TCP_HASHSIZE - 1)];

	KASSERT(!tp->t_inporthash);
	tp->t_pnext = *b;
	if (*b != NULL)
		(*b)->t_pprevp = &tp->t_pnext;
	tp->t_pprevp = b;
	*b = tp;
	tp->t_inporthash = true;
}

static void
tcp_connhash_remove(struct tcpcb *tp)
{
	if (!tp->t_inconnhash)
		return;
	*tp->t_cprevp = tp->t_cnext;
	if (tp->t_cnext != NULL)
		tp->t_cnext->t_cprevp = tp->t_cprevp;
	tp->t_inconnhash = false;
}

void
tcp_connhash_insert(struct tcpcb *tp)
{
	struct tcpcb **b = &tcp_connhash[tcp_connhashidx(tp->t_laddr,
	    tp->t_lport, tp->t_faddr, tp->t_fport)];

	KASSERT(!tp->t_inconnhash);
	tp->t_cnext = *b;
	if (*b != NULL)
		(*b)->t_cprevp = &tp->t_cnext;
	tp->t_cprevp = b;
	*b = tp;
	tp->t_inconnhash = true;
}

static void
tcp_tw_remove(struct tcpcb *tp)
{
	if (!tp->t_intw)
		return;
	*tp->t_twprevp = tp->t_twnext;
	if (tp->t_twnext != NULL)
		tp->t_twnext->t_twprevp = tp->t_twprevp;
	else
		tcp_twtail = tp->t_twprevp;
	tp->t_intw = false;
	tcp_ntw--;
}

/*
 * Move tp to TIME_WAIT's bookkeeping: the 2 MSL timer and the bounded
 * list; when the list is full the oldest entry is recycled early.
 */
void
tcp_timewait_enter(struct tcpcb *tp)
{
	tcp_timers_cancel(tp);
	tcp_timer_arm(tp, TCPT_2MSL, 2 * TCP_MSL_NS);
	if (tp->t_intw)
		return;
	while (tcp_ntw >= TCP_MAXTW && tcp_twhead != NULL) {
		TCPSTAT_INC(tcps_twrecycled);
		(void)tcp_close(tcp_twhead);
	}
	tp->t_twnext = NULL;
	tp->t_twprevp = tcp_twtail;
	*tcp_twtail = tp;
	tcp_twtail = &tp->t_twnext;
	tp->t_intw = true;
	tcp_ntw++;
}

static void
tcp_freeq(struct tcpcb *tp)
{
	struct tcp_qent *q;

	while ((q = tp->t_segq) != NULL) {
		tp->t_segq = q->q_next;
		m_freem(q->q_m);
		kmem_free(q, sizeof(*q));
	}
	tp->t_reassbytes = 0;
	tp->t_reassn = 0;
}

struct tcpcb *
tcp_close(struct tcpcb *tp)
{
	struct socket *so = tp->t_so;

	KASSERT(mutex_owned(&inet_lock));
	TCP_STATE_CHANGE(tp, tp->t_state, TCPS_CLOSED);
	tcp_timers_cancel(tp);
	tcp_porthash_remove(tp);
	tcp_connhash_remove(tp);
	tcp_tw_remove(tp);
	*tp->t_prevp = tp->t_next;
	if (tp->t_next != NULL)
		tp->t_next->t_prevp = tp->t_prevp;
	tcp_freeq(tp);
	m_freem(tp->t_sndq);
	if (tp->t_listen != NULL)
		tp->t_listen->t_nembryo--;
	if (so != NULL) {
		so->so_pcb = NULL;
		soisdisconnected(so);
	}
	kmem_free(tp, sizeof(*tp));
	tcp_ncbs--;
	return NULL;
}

void
tcp_discard(struct tcpcb *tp)
{
	tp->t_so = NULL;
	(void)tcp_close(tp);
}

void
tcp_drop_embryos(struct tcpcb *lp)
{
	struct tcpcb *tp, *next;

	for (tp = tcp_all; tp != NULL; tp = next) {
		next = tp->t_next;
		if (tp->t_listen == lp) {
			tp->t_listen = NULL;
			(void)tcp_drop(tp, 0);
		}
	}
	lp->t_nembryo = 0;
}

struct tcpcb *
tcp_drop(struct tcpcb *tp, int error)
{
	struct socket *so = tp->t_so;

	if (TCPS_HAVERCVDSYN(tp->t_state) && tp->t_state != TCPS_TIME_WAIT) {
		tcp_respond(tp->t_laddr, tp->t_faddr, tp->t_lport,
		    tp->t_fport, tp->snd_max, tp->rcv_nxt, TH_RST | TH_ACK, 0);
		TCPSTAT_INC(tcps_drops);
	}
	if (so != NULL && error != 0) {
		if (error == ETIMEDOUT && tp->t_softerror != 0)
			error = tp->t_softerror;
		soseterror(so, error);
	}
	return tcp_close(tp);
}

/* Is laddr:lport free for tp (Linux's rules for TCP)? */
static bool
tcp_portfree(struct tcpcb *tp, uint32_t laddr, uint16_t lport)
{
	struct tcpcb *p;
	int mine = tp->t_so != NULL ? tp->t_so->so_options : 0, theirs;

	for (p = tcp_porthash[ntohs(lport) & (TCP_HASHSIZE - 1)]; p != NULL;
	    p = p->t_pnext) {
		if (p == tp || p->t_lport != lport)
			continue;
		if (p->t_laddr != 0 && laddr != 0 && p->t_laddr != laddr)
			continue;
		theirs = p->t_so != NULL ? p->t_so->so_options : 0;
		if ((mine & theirs & SOO_REUSEPORT) != 0)
			continue;
		if ((mine & SOO_REUSEADDR) && p->t_state != TCPS_LISTEN &&
		    (p->t_state == TCPS_TIME_WAIT || p->t_so == NULL ||
		    (theirs & SOO_REUSEADDR)))
			continue;
		return false;
	}
	return true;
}

int
tcp_bind(struct tcpcb *tp, uint32_t laddr, uint16_t lport)
{
	const unsigned n = IPPORT_EPHEMERAL_LAST - IPPORT_EPHEMERAL_FIRST + 1;
	unsigned i;
	uint16_t port;

	KASSERT(mutex_owned(&inet_lock));
	if (tp->t_lport != 0)
		return EINVAL;
	if (laddr != 0 && !in_islocal(laddr))
		return EADDRNOTAVAIL;
	if (lport != 0) {
		if (!tcp_portfree(tp, laddr, lport))
			return EADDRINUSE;
		tp->t_laddr = laddr;
		tp->t_lport = lport;
		tcp_porthash_insert(tp);
		return 0;
	}
	for (i = 0; i < n; i++) {
		port = htons((uint16_t)(IPPORT_EPHEMERAL_FIRST +
		    (tcp_lastport + i) % n));
		if (tcp_porthash[ntohs(port) & (TCP_HASHSIZE - 1)] != NULL) {
			struct tcpcb *p;
			bool used = false;

			for (p = tcp_porthash[ntohs(port) & (TCP_HASHSIZE - 1)];
			    p != NULL; p = p->t_pnext)
				if (p->t_lport == port) {
					used = true;
					break;
				}
			if (used)
				continue;
		}
		tcp_lastport = (uint16_t)((tcp_lastport + i + 1) % n);
		tp->t_laddr = laddr;
		tp->t_lport = port;
		tcp_porthash_insert(tp);
		return 0;
	}
	return EADDRNOTAVAIL;
}

struct tcpcb *
tcp_lookup(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    bool wildcard)
{
	struct tcpcb *tp, *best = NULL;

	for (tp = tcp_connhash[tcp_connhashidx(dst, dport, src, sport)];
	    tp != NULL; tp = tp->t_cnext)
		if (tp->t_faddr == src && tp->t_fport == sport &&
		    tp->t_laddr == dst && tp->t_lport == dport)
			return tp;
	if (!wildcard)
		return NULL;
	for (tp = tcp_porthash[ntohs(dport) & (TCP_HASHSIZE - 1)]; tp != NULL;
	    tp = tp->t_pnext) {
		if (tp->t_state != TCPS_LISTEN || tp->t_lport != dport)
			continue;
		if (tp->t_laddr == dst)
			return tp;
		if (tp->t_laddr == 0)
			best = tp;
	}
	return best;
}

int
tcp_connect_addr(struct tcpcb *tp, uint32_t faddr, uint16_t fport)
{
	uint32_t laddr = tp->t_laddr;
	int error, tries;

	KASSERT(mutex_owned(&inet_lock));
	if (faddr == 0)
		faddr = htonl(INADDR_LOOPBACK);
	if (fport == 0)
		return EADDRNOTAVAIL;
	if (in_isbroadcast(faddr, NULL) || IN_CLASSD(ntohl(faddr)))
		return ENETUNREACH;
	if (laddr == 0) {
		error = in_selectsrc(faddr, &laddr);
		if (error != 0)
			return error;
	}
	if (tp->t_lport == 0) {
		/* An ephemeral port whose 4-tuple is unique. */
		for (tries = 0; tries < 64; tries++) {
			error = tcp_bind(tp, 0, 0);
			if (error != 0)
				return error;
			if (tcp_lookup(faddr, fport, laddr, tp->t_lport,
			    false) == NULL)
				break;
			tcp_porthash_remove(tp);
			tp->t_lport = 0;
		}
		if (tp->t_lport == 0)
			return EADDRNOTAVAIL;
	} else if (tcp_lookup(faddr, fport, laddr, tp->t_lport, false) !=
	    NULL) {
		return EADDRINUSE;
	}
	tp->t_laddr = laddr;
	tp->t_faddr = faddr;
	tp->t_fport = fport;
	tcp_connhash_insert(tp);
	return 0;
}

void
tcp_respond(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
    tcp_seq seq, tcp_seq ack, int flags, uint16_t win)
{
	struct mbuf *m;
	struct ip *ip;
	struct tcphdr *th;
	const size_t len = sizeof(*ip) + sizeof(*th);

	m = m_gethdr(M_DONTWAIT, MT_HEADER);
	if (m == NULL)
		return;
	m->m_data += MAX_LINKHDR;
	m->m_len = m->m_pkthdr.len = len;
	ip = mtod(m, struct ip *);
	th = (struct tcphdr *)(void *)(ip + 1);
	memset(ip, 0, len);
	th->th_sport = sport;
	th->th_dport = dport;
	th->th_seq = htonl(seq);
	th->th_ack = (flags & TH_ACK) ? htonl(ack) : 0;
	th->th_off = (sizeof(*th) >> 2) << 4;
	th->th_flags = (uint8_t)flags;
	th->th_win = htons(win);
	th->th_sum = in_cksum(m, sizeof(*ip), sizeof(*th),
	    in_pseudo(src, dst, IPPROTO_TCP, sizeof(*th)));
	ip->ip_vhl = 0x45;
	ip->ip_ttl = IP_DEFTTL;
	ip->ip_p = IPPROTO_TCP;
	ip->ip_src = src;
	ip->ip_dst = dst;
	ip->ip_len = htons((uint16_t)len);
	ip->ip_off = htons(IP_DF);
	TCPSTAT_INC(tcps_sndtotal);
	(void)ip_output(m, 0);
}

uint32_t
tcp_mss_for(uint32_t faddr)
{
	struct rt_nexthop nh;
	uint32_t mss;

	if (rt_lookup(faddr, &nh) != 0)
		return TCP_MSS_DEFAULT;
	mss = (uint32_t)nh.nh_mtu - sizeof(struct ip) - sizeof(struct tcphdr);
	if_rele(nh.nh_ifp);
	return MIN(mss, IP_MAXPACKET - sizeof(struct ip) -
	    sizeof(struct tcphdr));
}

/*
 * TSO through the route's interface: segments of up to 64 KiB (an IP
 * packet's limit, less headers and options) when it cuts them itself
 * and fills in their sums (IFCAP_TSO4 and IFCAP_CSUM_DATA), or carries
 * them whole to receivers that take them so (IFCAP_TSO_WHOLE).  Only a
 * hint: ip_output cuts in software what reaches another interface.
 */
static void
tcp_settsomax(struct tcpcb *tp)
{
	struct rt_nexthop nh;
	int caps;

	tp->t_tsomax = 0;
	if (rt_lookup(tp->t_faddr, &nh) != 0)
		return;
	caps = atomic_load_relaxed(&nh.nh_ifp->if_capenable);
	if (((caps & IFCAP_TSO4) &&
	    (caps & (IFCAP_CSUM_DATA | IFCAP_TSO_WHOLE))) || tcp_tso_force)
		tp->t_tsomax = IP_MAXPACKET - sizeof(struct ip) -
		    sizeof(struct tcphdr) - TCP_MAXOLEN;
	if_rele(nh.nh_ifp);
}

/* Recompute t_maxseg from the peer's MSS, the route, the path MTU,
 * TCP_MAXSEG and the timestamp option's 12 bytes; and t_tsomax. */
void
tcp_setmss(struct tcpcb *tp)
{
	uint32_t mss = tcp_mss_for(tp->t_faddr);

	if (tp->t_peermss != 0)
		mss = MIN(mss, tp->t_peermss);
	else if (TCPS_HAVERCVDSYN(tp->t_state))
		mss = MIN(mss, TCP_MSS_DEFAULT);
	if (tp->t_pmtu != 0)
		mss = MIN(mss, tp->t_pmtu - sizeof(struct ip) -
		    sizeof(struct tcphdr));
	if (tp->t_usermss != 0)
		mss = MIN(mss, tp->t_usermss);
	if ((tp->t_flags & (TF_REQ_TSTMP | TF_RCVD_TSTMP)) ==
	    (TF_REQ_TSTMP | TF_RCVD_TSTMP))
		mss -= 12;
	tp->t_maxseg = MAX(mss, TCP_MSS_MIN);
	tcp_settsomax(tp);
}

/*
 * SYN cookies: the ISS of a SYN-ACK sent without state when the listen
 * queue is full.  Layout: 5 bits of a 64-second counter, 3 bits of MSS
 * index, 24 bits of keyed hash over the 4-tuple, the peer's ISN and the
 * counter.  With timestamps, window scale and SACK-permitted survive in
 * the TSval's low bits (tcp_var.h TCP_COOKIE_*), which the peer echoes
 * in every segment; without timestamps the connection goes without
 * them, as the cookie has no room.
 */
static const uint16_t tcp_cookie_mss[8] = {
	536, 1220, 1360, 1440, 1460, 4036, 8960, 65495,
};

static uint32_t
tcp_cookie_hash(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, uint32_t count)
{
	return (uint32_t)tcp_keyed(((uint64_t)laddr << 32) | faddr,
	    ((uint64_t)lport << 16) | fport, ((uint64_t)irs << 32) | count,
	    1) & 0xffffff;
}

uint32_t
tcp_syncookie_make(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, uint32_t mss, int *mssidxp)
{
	uint32_t count = (uint32_t)(getnanouptime() / (64 * NSEC_PER_SEC));
	int i;

	for (i = 7; i > 0 && tcp_cookie_mss[i] > mss; i--)
		continue;
	*mssidxp = i;
	return ((count & 31) << 27) | ((uint32_t)i << 24) |
	    tcp_cookie_hash(laddr, lport, faddr, fport, irs, count);
}

/* The timestamp offset of a connection made from a cookie: what the
 * SYN-ACK's TSval was built on, found again from the 4-tuple alone. */
uint32_t
tcp_syncookie_tsoff(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport)
{
	return (uint32_t)tcp_keyed(((uint64_t)laddr << 32) | faddr,
	    ((uint64_t)lport << 16) | fport, 0x636f6f6b6965ULL, 2);
}

bool
tcp_syncookie_check(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, tcp_seq cookie, uint32_t *mssp)
{
	uint32_t now = (uint32_t)(getnanouptime() / (64 * NSEC_PER_SEC));
	uint32_t c, count;

	for (c = 0; c < 2; c++) {
		count = now - c;
		if ((cookie >> 27) != (count & 31))
			continue;
		if ((cookie & 0xffffff) != tcp_cookie_hash(laddr, lport,
		    faddr, fport, irs, count))
			continue;
		*mssp = tcp_cookie_mss[(cookie >> 24) & 7];
		return true;
	}
	return false;
}

void
tcp_ctlinput(int error, const struct ip *inner, const uint8_t *l4,
    int nextmtu)
{
	struct tcphdr th;
	struct tcpcb *tp;
	tcp_seq seq;

	memcpy(&th, l4, 8);
	seq = ntohl(th.th_seq);
	mutex_enter(&inet_lock);
	tp = tcp_lookup(inner->ip_dst, th.th_dport, inner->ip_src,
	    th.th_sport, false);
	/* RFC 5927: only errors about data in flight. */
	if (tp == NULL || tp->t_state == TCPS_LISTEN ||
	    SEQ_LT(seq, tp->snd_una) || SEQ_GT(seq, tp->snd_max))
		goto out;
	if (error == EMSGSIZE) {
		if (nextmtu < IP_MINMTU || nextmtu < (int)(TCP_MSS_MIN + 40))
			nextmtu = 576;
		if (tp->t_pmtu != 0 && (uint32_t)nextmtu >= tp->t_pmtu)
			goto out;
		tp->t_pmtu = (uint32_t)nextmtu;
		tcp_setmss(tp);
		tp->snd_nxt = tp->snd_una;
		(void)tcp_output(tp);
		goto out;
	}
	if (tp->t_state == TCPS_SYN_SENT &&
	    (error == ECONNREFUSED || error == EHOSTUNREACH ||
	    error == ENETUNREACH) && tp->t_rxtshift >= 3) {
		(void)tcp_drop(tp, error);
		goto out;
	}
	tp->t_softerror = error;
out:
	mutex_exit(&inet_lock);
}
