/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_input.c: a segment arrives (RFC 9293 section 3.10.7).  Called by
 * ip_input on the netisr thread with the IP header at the front of m
 * (hlen bytes) and without locks; takes inet_lock.
 *
 * Order of work, as the RFC's "SEGMENT ARRIVES": header, checksum and
 * option checks (bounds-checked: a hostile segment is dropped, never
 * trusted); the connection lookup; LISTEN (new embryonic tcpcb, or a SYN
 * cookie when the listener's queue of embryos is full); SYN_SENT; then
 * for synchronized states: PAWS (RFC 7323), sequence acceptability and
 * trimming, RST (RFC 5961 3.2: exact match resets, in-window challenge
 * ACK), SYN (RFC 5961 4.2: challenge ACK), ACK processing (RTT, window,
 * congestion control, fast retransmit and NewReno recovery per RFC 6582,
 * SACK scoreboard), data (in order to so_rcv, out of order to a bounded
 * reassembly queue with SACK blocks, RFC 2018), FIN, and finally
 * tcp_output for ACKs and data the new window allows.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"
#include "netinet/tcp.h"
#include "netinet/tcp_var.h"

/* A parsed segment, header fields in host order. */
struct tcp_seg {
	uint32_t src, dst;                 /* network order */
	uint16_t sport, dport;             /* network order */
	tcp_seq seq, ack;
	int flags;
	uint32_t win;                      /* unscaled */
	size_t len;                        /* data bytes */
	struct tcp_opts to;
	tcp_seq up;                        /* URG: the octet after the
					      urgent one (seq + pointer) */
};

void
tcp_dooptions(struct tcp_opts *to, const uint8_t *cp, size_t len, bool syn)
{
	size_t optlen, i;
	uint8_t opt;

	memset(to, 0, sizeof(*to));
	while (len > 0) {
		opt = cp[0];
		if (opt == TCPOPT_EOL)
			break;
		if (opt == TCPOPT_NOP) {
			cp++;
			len--;
			continue;
		}
		if (len < 2)
			break;
		optlen = cp[1];
		if (optlen < 2 || optlen > len)
			break;
		switch (opt) {
		case TCPOPT_MAXSEG:
			if (optlen != 4 || !syn)
				break;
			to->to_flags |= TOF_MSS;
			to->to_mss = (uint16_t)((cp[2] << 8) | cp[3]);
			break;
		case TCPOPT_WINDOW:
			if (optlen != 3 || !syn)
				break;
			to->to_flags |= TOF_SCALE;
			to->to_wscale = MIN(cp[2], TCP_MAX_WINSHIFT);
			break;
		case TCPOPT_SACK_PERMITTED:
			if (optlen != 2 || !syn)
				break;
			to->to_flags |= TOF_SACKPERM;
			break;
		case TCPOPT_TIMESTAMP:
			if (optlen != 10)
				break;
			to->to_flags |= TOF_TS;
			to->to_tsval = ((uint32_t)cp[2] << 24) |
			    ((uint32_t)cp[3] << 16) | ((uint32_t)cp[4] << 8) |
			    cp[5];
			to->to_tsecr = ((uint32_t)cp[6] << 24) |
			    ((uint32_t)cp[7] << 16) | ((uint32_t)cp[8] << 8) |
			    cp[9];
			break;
		case TCPOPT_SACK:
			if (syn || (optlen - 2) % 8 != 0)
				break;
			to->to_flags |= TOF_SACK;
			for (i = 2; i + 8 <= optlen &&
			    to->to_nsacks < TCP_MAXSACK; i += 8) {
				const uint8_t *b = cp + i;

				to->to_sacks[to->to_nsacks].start =
				    ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
				    ((uint32_t)b[2] << 8) | b[3];
				to->to_sacks[to->to_nsacks].end =
				    ((uint32_t)b[4] << 24) | ((uint32_t)b[5] << 16) |
				    ((uint32_t)b[6] << 8) | b[7];
				to->to_nsacks++;
			}
			break;
		default:
			break;
		}
		cp += optlen;
		len -= optlen;
	}
}

/* RST for a segment that has no connection (RFC 9293 3.10.7.1). */
static void
tcp_dropwithreset(const struct tcp_seg *sg)
{
	if (sg->flags & TH_RST)
		return;
	if (in_isbroadcast(sg->dst, NULL) || IN_CLASSD(ntohl(sg->dst)))
		return;
	if (sg->flags & TH_ACK)
		tcp_respond(sg->dst, sg->src, sg->dport, sg->sport, sg->ack, 0,
		    TH_RST, 0);
	else
		tcp_respond(sg->dst, sg->src, sg->dport, sg->sport, 0,
		    sg->seq + (uint32_t)sg->len + ((sg->flags & TH_SYN) ? 1 : 0) +
		    ((sg->flags & TH_FIN) ? 1 : 0), TH_RST | TH_ACK, 0);
}

/* Take the SYN's options into tp (RFC 7323 1.3, 2018). */
static void
tcp_synoptions(struct tcpcb *tp, const struct tcp_opts *to)
{
	if (to->to_flags & TOF_MSS)
		tp->t_peermss = MAX(to->to_mss, TCP_MSS_MIN);
	else
		tp->t_peermss = TCP_MSS_DEFAULT;
	if ((to->to_flags & TOF_SCALE) && (tp->t_flags & TF_REQ_SCALE)) {
		tp->t_flags |= TF_RCVD_SCALE;
		tp->snd_scale = to->to_wscale;
		tp->rcv_scale = tp->request_r_scale;
	} else {
		tp->t_flags &= ~TF_REQ_SCALE;
		tp->snd_scale = tp->rcv_scale = 0;
	}
	if ((to->to_flags & TOF_TS) && (tp->t_flags & TF_REQ_TSTMP)) {
		tp->t_flags |= TF_RCVD_TSTMP;
		tp->ts_recent = to->to_tsval;
		tp->ts_recent_age = getnanouptime();
	} else {
		tp->t_flags &= ~TF_REQ_TSTMP;
	}
	if ((to->to_flags & TOF_SACKPERM) && (tp->t_flags & TF_REQ_SACK))
		tp->t_flags |= TF_SACK_PERMIT;
	tcp_setmss(tp);
}

/* Initial send variables once the MSS is known (RFC 5681 3.1, 6928). */
static void
tcp_established_init(struct tcpcb *tp)
{
	tp->snd_cwnd = TCP_INITWND_SEGS * tp->t_maxseg;
	tp->t_cc->cc_init(tp);
	tp->t_keepprobes = 0;
	if (tp->t_so != NULL && (tp->t_so->so_options & SOO_KEEPALIVE))
		tcp_timer_arm(tp, TCPT_KEEP,
		    (int64_t)tp->t_keepidle * NSEC_PER_SEC);
	else
		tcp_timer_disarm(tp, TCPT_KEEP);
}

/*
 * A connection made from a SYN cookie: its options from the echoed
 * TSval (tcp_var.h TCP_COOKIE_*), if it is one of ours from the last
 * two cookie periods; else it goes without options.
 */
static void
tcp_syncookie_opts(struct tcpcb *tp, const struct tcpcb *lp,
    const struct tcp_seg *sg)
{
	uint32_t off, age, bits;

	if ((sg->to.to_flags & TOF_TS) == 0 ||
	    (lp->t_flags & TF_REQ_TSTMP) == 0)
		return;
	off = tcp_syncookie_tsoff(sg->dst, sg->dport, sg->src, sg->sport);
	age = tcp_now_ms() + off - sg->to.to_tsecr;
	if (age > 2 * 64 * 1000 + TCP_COOKIE_OPTMASK + 1)
		return;
	bits = sg->to.to_tsecr & TCP_COOKIE_OPTMASK;
	tp->t_flags |= TF_REQ_TSTMP | TF_RCVD_TSTMP;
	tp->ts_offset = off;
	tp->ts_recent = sg->to.to_tsval;
	tp->ts_recent_age = getnanouptime();
	if ((bits & TCP_COOKIE_NOSCALE) != TCP_COOKIE_NOSCALE &&
	    (lp->t_flags & TF_REQ_SCALE)) {
		tp->t_flags |= TF_REQ_SCALE | TF_RCVD_SCALE;
		tp->request_r_scale = TCP_WSCALE;
		tp->snd_scale = (uint8_t)(bits & TCP_COOKIE_NOSCALE);
		tp->rcv_scale = TCP_WSCALE;
		tp->snd_wnd = sg->win << tp->snd_scale;
	}
	if ((bits & TCP_COOKIE_SACK) && (lp->t_flags & TF_REQ_SACK))
		tp->t_flags |= TF_REQ_SACK | TF_SACK_PERMIT;
}

/* A tcpcb for a SYN to listener lp (RFC 9293 3.10.7.2). */
static void
tcp_input_listen(struct tcpcb *lp, struct tcp_seg *sg)
{
	struct socket *head = lp->t_so;
	struct tcpcb *tp;
	uint32_t mss;
	int idx;

	if (sg->flags & TH_RST)
		return;
	if (sg->flags & TH_ACK) {
		/* Perhaps the end of a handshake made with a SYN cookie. */
		if ((sg->flags & TH_SYN) == 0 && head != NULL &&
		    tcp_syncookie_check(sg->dst, sg->dport, sg->src,
		    sg->sport, sg->seq - 1, sg->ack - 1, &mss)) {
			struct socket *so;

			so = sonewconn(head, false);
			if (so == NULL) {
				TCPSTAT_INC(tcps_listendrop);
				return;
			}
			tp = so->so_pcb;
			tp->t_laddr = sg->dst;
			tp->t_lport = sg->dport;
			tp->t_faddr = sg->src;
			tp->t_fport = sg->sport;
			tp->t_flags = (lp->t_flags & (TF_NODELAY)) | TF_SYNCOOKIE;
			tp->t_cc = lp->t_cc;
			tp->irs = sg->seq - 1;
			tp->rcv_nxt = tp->rcv_adv = tp->last_ack_sent = sg->seq;
			tp->iss = sg->ack - 1;
			tp->snd_una = tp->snd_nxt = tp->snd_max = sg->ack;
			tp->snd_wl1 = sg->seq;
			tp->snd_wl2 = sg->ack;
			tp->snd_wnd = sg->win;
			tp->t_peermss = mss;
			tcp_syncookie_opts(tp, lp, sg);
			tcp_porthash_insert(tp);
			tcp_connhash_insert(tp);
			TCP_STATE_CHANGE(tp, TCPS_CLOSED, TCPS_SYN_RECEIVED);
			TCP_STATE_CHANGE(tp, TCPS_SYN_RECEIVED, TCPS_ESTABLISHED);
			tcp_setmss(tp);
			tcp_established_init(tp);
			soisconnected(so);
			TCPSTAT_INC(tcps_syncookiesok);
			TCPSTAT_INC(tcps_accepts);
			return;
		}
		tcp_dropwithreset(sg);
		return;
	}
	if ((sg->flags & TH_SYN) == 0)
		return;
	if (in_isbroadcast(sg->src, NULL) || IN_CLASSD(ntohl(sg->src)) ||
	    in_isbroadcast(sg->dst, NULL) || IN_CLASSD(ntohl(sg->dst)))
		return;
	if (head == NULL)
		return;
	if (head->so_qlen > head->so_qlimit) {
		/* Accept queue full: drop, the peer retries (as Linux). */
		TCPSTAT_INC(tcps_listendrop);
		return;
	}
	if (lp->t_nembryo >= MAX(head->so_qlimit, 1)) {
		/* Queue full: answer with a cookie, keep no state. */
		tcp_seq cookie;
		struct tcpcb tmp;

		mss = (sg->to.to_flags & TOF_MSS) ? sg->to.to_mss :
		    TCP_MSS_DEFAULT;
		mss = MIN(mss, tcp_mss_for(sg->src));
		cookie = tcp_syncookie_make(sg->dst, sg->dport, sg->src,
		    sg->sport, sg->seq, mss, &idx);
		memset(&tmp, 0, sizeof(tmp));
		tmp.t_laddr = sg->dst;
		tmp.t_faddr = sg->src;
		tmp.t_lport = sg->dport;
		tmp.t_fport = sg->sport;
		tmp.t_state = TCPS_SYN_RECEIVED;
		tmp.iss = cookie;
		tmp.rcv_nxt = sg->seq + 1;
		tmp.t_maxseg = mss;
		tmp.t_advmss = tcp_mss_for(sg->src);
		tmp.t_ttl = IP_DEFTTL;
		tmp.rcv_wnd = 65535;
		if ((sg->to.to_flags & TOF_TS) && (lp->t_flags & TF_REQ_TSTMP)) {
			uint32_t bits = TCP_COOKIE_NOSCALE, v, base;

			if ((sg->to.to_flags & TOF_SCALE) &&
			    (lp->t_flags & TF_REQ_SCALE)) {
				bits = MIN(sg->to.to_wscale, 14);
				tmp.t_flags |= TF_REQ_SCALE | TF_RCVD_SCALE;
				tmp.request_r_scale = TCP_WSCALE;
			}
			if ((sg->to.to_flags & TOF_SACKPERM) &&
			    (lp->t_flags & TF_REQ_SACK)) {
				bits |= TCP_COOKIE_SACK;
				tmp.t_flags |= TF_REQ_SACK | TF_SACK_PERMIT;
			}
			base = tcp_now_ms() + tcp_syncookie_tsoff(sg->dst,
			    sg->dport, sg->src, sg->sport);
			/* Never ahead of the clock the connection will use. */
			v = (base & ~(uint32_t)TCP_COOKIE_OPTMASK) | bits;
			if ((int32_t)(v - base) > 0)
				v -= TCP_COOKIE_OPTMASK + 1;
			tmp.t_flags |= TF_REQ_TSTMP | TF_RCVD_TSTMP | TF_TSFIXED;
			tmp.ts_fixed = v;
			tmp.ts_recent = sg->to.to_tsval;
		}
		(void)tcp_send_segment(&tmp, cookie, TH_SYN | TH_ACK, 0, 0);
		TCPSTAT_INC(tcps_syncookiessent);
		return;
	}
	tp = tcp_newtcpcb(NULL);
	tp->t_listen = lp;
	lp->t_nembryo++;
	tp->t_laddr = sg->dst;
	tp->t_lport = sg->dport;
	tp->t_faddr = sg->src;
	tp->t_fport = sg->sport;
	tp->t_flags |= lp->t_flags & (TF_NODELAY | TF_CORK);
	tp->t_flags &= lp->t_flags | ~(TF_REQ_SCALE | TF_REQ_TSTMP |
	    TF_REQ_SACK);
	tp->t_cc = lp->t_cc;
	tp->t_usermss = lp->t_usermss;
	tp->t_keepidle = lp->t_keepidle;
	tp->t_keepintvl = lp->t_keepintvl;
	tp->t_keepcnt = lp->t_keepcnt;
	tp->t_ttl = lp->t_ttl;
	tp->t_tos = lp->t_tos;
	tp->request_r_scale = TCP_WSCALE;
	tcp_porthash_insert(tp);
	tcp_connhash_insert(tp);
	tp->irs = sg->seq;
	tp->rcv_nxt = tp->rcv_adv = sg->seq + 1;
	tp->iss = tcp_new_isn(tp->t_laddr, tp->t_lport, tp->t_faddr,
	    tp->t_fport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->snd_wnd = sg->win;             /* never scaled in a SYN */
	tp->snd_wl1 = sg->seq;
	tp->snd_wl2 = tp->iss;
	TCP_STATE_CHANGE(tp, TCPS_CLOSED, TCPS_SYN_RECEIVED);
	tcp_synoptions(tp, &sg->to);
	tp->t_flags |= TF_ACKNOW;
	tcp_timer_arm(tp, TCPT_KEEP, 75 * NSEC_PER_SEC);
	(void)tcp_output(tp);
}

/* The embryonic tp's handshake completed: give it a socket on its
 * listener's queue.  false if the accept queue is full (the ACK is then
 * dropped and the peer's retransmission tries again). */
static bool
tcp_embryo_complete(struct tcpcb *tp)
{
	struct tcpcb *lp = tp->t_listen, *tp2;
	struct socket *so;

	if (lp == NULL || lp->t_so == NULL)
		return false;
	so = sonewconn(lp->t_so, false);
	if (so == NULL) {
		TCPSTAT_INC(tcps_listendrop);
		return false;
	}
	tp2 = so->so_pcb;
	tcp_discard(tp2);
	so->so_pcb = tp;
	tp->t_so = so;
	lp->t_nembryo--;
	tp->t_listen = NULL;
	if (so->so_options & SOO_KEEPALIVE)
		tcp_timer_arm(tp, TCPT_KEEP,
		    (int64_t)tp->t_keepidle * NSEC_PER_SEC);
	TCPSTAT_INC(tcps_accepts);
	return true;
}

/*
 * Urgent data received (RFC 9293 3.10.7.4 sixth, RFC 6093).  The urgent
 * pointer is read as Linux's default and BSD do: up is the octet after
 * the last urgent one, and one octet, up - 1, is the urgent byte.  A
 * pointer newer than the one we hold replaces it; one whose octet has
 * arrived already, or once the peer's FIN is in, is ignored.  The
 * pointer may lie beyond the segment: the byte is taken when it comes
 * in order (tcp_deliver).  up is at most the segment's end + 65535, so
 * hostile pointers only announce a byte that may never come.
 */
static void
tcp_urgent(struct tcpcb *tp, tcp_seq up)
{
	struct socket *so = tp->t_so;

	if (so == NULL || (so->so_rcv.sb_flags & SB_CANTMORE) ||
	    (tp->t_state != TCPS_ESTABLISHED &&
	    tp->t_state != TCPS_FIN_WAIT_1 && tp->t_state != TCPS_FIN_WAIT_2))
		return;
	if (SEQ_LEQ(up, tp->rcv_nxt))
		return;
	if ((tp->t_flags & TF_RCVURG) && SEQ_LEQ(up, tp->rcv_up))
		return;
	tp->rcv_up = up;
	tp->t_flags |= TF_RCVURG;
	sooobannounce(so);
}

/*
 * In-order data m of len octets, ending at rcv_nxt, holds the urgent
 * byte rcv_up - 1: record it and the mark with the socket, and without
 * SO_OOBINLINE take it out of the stream.  Returns the chain to append
 * (m, or its head with the rest in *tailp).  If the chain cannot be
 * split (no memory) the byte stays inline, where SO_OOBINLINE would
 * have left it: recv(MSG_OOB) still gets it, the stream has one octet
 * more.
 */
static struct mbuf *
tcp_urgent_take(struct tcpcb *tp, struct mbuf *m, size_t len,
    struct mbuf **tailp)
{
	struct socket *so = tp->t_so;
	tcp_seq start = tp->rcv_nxt - (uint32_t)len;
	size_t off = (size_t)(tp->rcv_up - 1 - start);
	uint8_t c;
	struct mbuf *t;

	*tailp = NULL;
	if (SEQ_LT(tp->rcv_up - 1, start) || off >= len)
		return m;
	tp->t_flags &= ~TF_RCVURG;
	(void)m_copydata(m, off, 1, &c);
	sooobarrived(so, so->so_rcv.sb_cc + off, c);
	if (so->so_options & SOO_OOBINLINE)
		return m;
	if (off == 0) {
		m_adj(m, 1);
		return m;
	}
	t = m_split(m, off, M_DONTWAIT);
	if (t == NULL)
		return m;
	m_adj(t, 1);
	*tailp = t;
	return m;
}

/* Append in-order data m (consumed) to the socket. */
static void
tcp_deliver(struct tcpcb *tp, struct mbuf *m, size_t len)
{
	struct socket *so = tp->t_so;
	struct mbuf *n, *tail = NULL;

	if (so == NULL || (so->so_rcv.sb_flags & SB_CANTMORE)) {
		m_freem(m);
		return;
	}
	if (tp->t_flags & TF_RCVURG) {
		m = tcp_urgent_take(tp, m, len, &tail);
		len = m_length(m);
	}
	/* Tiny segments in big buffers would pin storage: compact them. */
	if (len < 512 && (m->m_flags & M_EXT) && len > 0) {
		n = m_getlen(len, M_DONTWAIT, MT_DATA, true);
		if (n != NULL) {
			(void)m_copydata(m, 0, len, mtod(n, void *));
			n->m_len = n->m_pkthdr.len = len;
			m_freem(m);
			m = n;
		}
	}
	if (len > 0)
		(void)sbappendstream(&so->so_rcv, m);
	else
		m_freem(m);
	if (tail != NULL)
		(void)sbappendstream(&so->so_rcv, tail);
	sorwakeup(so);
}

/* Rebuild the SACK blocks we send from the queue (RFC 2018 4): the block
 * holding the newest segment first. */
static void
tcp_sack_rebuild(struct tcpcb *tp, tcp_seq newest)
{
	struct tcp_qent *q;
	struct tcp_sackblk blks[TCP_MAXSACK + 8];
	int n = 0, i, first = -1;

	for (q = tp->t_segq; q != NULL && n < (int)nitems(blks); q = q->q_next) {
		tcp_seq s = q->q_seq, e = q->q_seq + (uint32_t)q->q_len;

		/* A FIN alone holds no data: no block for it (a block's
		 * edges must differ, RFC 2018 3). */
		if (q->q_len == 0)
			continue;
		if (n > 0 && SEQ_LEQ(s, blks[n - 1].end)) {
			if (SEQ_GT(e, blks[n - 1].end))
				blks[n - 1].end = e;
		} else {
			blks[n].start = s;
			blks[n].end = e;
			n++;
		}
		if (SEQ_LEQ(s, newest) && SEQ_LT(newest, e) && first < 0)
			first = n - 1;
	}
	tp->t_nrcvsack = 0;
	if (first >= 0)
		tp->t_rcvsack[tp->t_nrcvsack++] = blks[first];
	for (i = 0; i < n && tp->t_nrcvsack < TCP_MAXSACK; i++)
		if (i != first)
			tp->t_rcvsack[tp->t_nrcvsack++] = blks[i];
}

/*
 * Out-of-order segment (seq > rcv_nxt) into the sorted queue; trims
 * overlaps.  Bounded: the receive window limits what can arrive, the
 * bytes to twice the receive buffer, and the count to what a window of
 * full-sized segments needs (at least TCP_REASS_MAXSEGS): beyond, the
 * segment is dropped.  Never the segment at rcv_nxt: it fills the first
 * hole and is pulled out at once, and dropping it when the queue is full
 * would stall the connection for good (every retransmission of the hole
 * dropped in turn).
 */
static void
tcp_reass_insert(struct tcpcb *tp, tcp_seq seq, struct mbuf *m, size_t len,
    bool fin)
{
	struct tcp_qent **qp, *q, *nq;
	size_t limit = tp->t_so != NULL ? tp->t_so->so_rcv.sb_hiwat * 2 :
	    TCP_RCVBUF_DEF;
	size_t maxsegs = MAX((size_t)TCP_REASS_MAXSEGS,
	    limit / MAX(tp->t_maxseg, (uint32_t)TCP_MSS_MIN));

	if (SEQ_GT(seq, tp->rcv_nxt) && ((size_t)tp->t_reassn >= maxsegs ||
	    tp->t_reassbytes + len > limit)) {
		TCPSTAT_INC(tcps_reassdrop);
		m_freem(m);
		return;
	}
	for (qp = &tp->t_segq; (q = *qp) != NULL; qp = &q->q_next)
		if (SEQ_GT(q->q_seq + (uint32_t)q->q_len, seq) ||
		    (q->q_len == 0 && SEQ_GEQ(q->q_seq, seq)))
			break;
	/* Trim the front against q (it starts at or before seq). */
	if (q != NULL && SEQ_LEQ(q->q_seq, seq)) {
		size_t over = q->q_seq + (uint32_t)q->q_len - seq;

		if (over >= len) {
			q->q_fin |= fin && over == len;
			m_freem(m);
			return;
		}
		m_adj(m, (ssize_t)over);
		seq += (uint32_t)over;
		len -= over;
		qp = &q->q_next;
	}
	/* Drop queued segments the new one covers; trim a partial one. */
	while ((q = *qp) != NULL && SEQ_LT(q->q_seq, seq + (uint32_t)len)) {
		size_t over = seq + (uint32_t)len - q->q_seq;

		if (over < q->q_len) {
			m_adj(q->q_m, (ssize_t)over);
			q->q_seq += (uint32_t)over;
			q->q_len -= over;
			tp->t_reassbytes -= over;
			break;
		}
		fin |= q->q_fin;
		*qp = q->q_next;
		tp->t_reassbytes -= q->q_len;
		tp->t_reassn--;
		m_freem(q->q_m);
		kmem_free(q, sizeof(*q));
	}
	nq = kmem_alloc(sizeof(*nq), KM_NOSLEEP);
	if (nq == NULL) {
		m_freem(m);
		return;
	}
	nq->q_seq = seq;
	nq->q_len = len;
	nq->q_fin = fin;
	nq->q_m = m;
	nq->q_next = *qp;
	*qp = nq;
	tp->t_reassbytes += len;
	tp->t_reassn++;
	TCPSTAT_INC(tcps_rcvoopack);
	if (tp->t_flags & TF_SACK_PERMIT)
		tcp_sack_rebuild(tp, seq);
}

/* Move what became in order out of the queue; true if a FIN came. */
static bool
tcp_reass_pull(struct tcpcb *tp)
{
	struct tcp_qent *q;
	bool fin = false;

	while ((q = tp->t_segq) != NULL && SEQ_LEQ(q->q_seq, tp->rcv_nxt)) {
		size_t skip = tp->rcv_nxt - q->q_seq;

		tp->t_segq = q->q_next;
		tp->t_reassbytes -= q->q_len;
		tp->t_reassn--;
		if (skip < q->q_len) {
			m_adj(q->q_m, (ssize_t)skip);
			tp->rcv_nxt += (uint32_t)(q->q_len - skip);
			tcp_deliver(tp, q->q_m, q->q_len - skip);
		} else {
			m_freem(q->q_m);
		}
		if (q->q_fin && skip <= q->q_len) {
			fin = true;
			kmem_free(q, sizeof(*q));
			break;
		}
		kmem_free(q, sizeof(*q));
	}
	if (tp->t_flags & TF_SACK_PERMIT) {
		if (tp->t_segq == NULL)
			tp->t_nrcvsack = 0;
		else
			tcp_sack_rebuild(tp, tp->t_segq->q_seq);
	}
	return fin;
}

/* Send a challenge ACK (RFC 5961 3.2, 4.2, 5.2). */
static void
tcp_challenge_ack(struct tcpcb *tp)
{
	TCPSTAT_INC(tcps_challengeack);
	tp->t_flags |= TF_ACKNOW;
	(void)tcp_output(tp);
}

/* Duplicate ACK handling: fast retransmit / recovery (RFC 5681 3.2,
 * RFC 6582) with SACK-driven hole selection when available. */
static void
tcp_dupack(struct tcpcb *tp)
{
	size_t mss = tp->t_maxseg;

	tp->t_dupacks++;
	if ((tp->t_flags & TF_FASTRECOVERY) && TCP_SACK_RECOVERY(tp)) {
		if (tcp_sack_lostrexmit(tp)) {
			/* A lost retransmission: congestion again. */
			tp->t_cc->cc_loss(tp);
			tp->snd_cwnd = tp->snd_ssthresh;
		}
		tcp_sack_output(tp);               /* RFC 6675 */
		return;
	}
	if (tp->t_flags & TF_FASTRECOVERY) {
		tp->snd_cwnd += (uint32_t)mss;     /* inflate */
		(void)tcp_output(tp);
		return;
	}
	/* RFC 6675 IsLost: more than (DupThresh - 1) segments SACKed above
	 * snd_una start recovery without waiting for a third dup ACK (a
	 * small window may never produce it). */
	if (tp->t_dupacks < 3 && TCP_SACK_RECOVERY(tp) &&
	    tcp_sack_sacked_bytes(tp) > 2 * mss)
		tp->t_dupacks = 3;
	if (tp->t_dupacks < 3) {
		/* RFC 3042 limited transmit: a new segment for each of the
		 * first two dup ACKs, up to cwnd + 2 segments in flight. */
		uint32_t cwnd = tp->snd_cwnd;

		tp->snd_cwnd = MAX(cwnd, (uint32_t)(tp->snd_max -
		    tp->snd_una)) + (uint32_t)tp->t_dupacks * (uint32_t)mss;
		tp->snd_cwnd = MIN(tp->snd_cwnd, cwnd + 2 * (uint32_t)mss);
		(void)tcp_output(tp);
		tp->snd_cwnd = cwnd;
		return;
	}
	if (SEQ_LEQ(tp->snd_una, tp->snd_recover) && tp->snd_recover !=
	    tp->iss && SEQ_GT(tp->snd_recover, tp->snd_una) &&
	    tp->t_dupacks == 3 && tp->t_rxtshift > 0)
		return;                            /* RFC 6582 4.1 step 2 */
	TCPSTAT_INC(tcps_fastrexmit);
	tp->t_cc->cc_loss(tp);
	tp->snd_recover = tp->snd_max;
	tp->t_flags |= TF_FASTRECOVERY;
	tp->t_rtttime = 0;
	tcp_timer_disarm(tp, TCPT_REXMT);
	/* Retransmit the first unacknowledged segment. */
	{
		size_t len = MIN(mss, tp->t_sndcc);

		if (len > 0) {
			(void)tcp_send_segment(tp, tp->snd_una, TH_ACK, 0, len);
			tp->t_totrexmt++;
			TCPSTAT_INC(tcps_sndrexmitpack);
		}
		tp->t_sackhint = tp->snd_una + (uint32_t)len;
		tp->t_rxtmark = tp->snd_max;
	}
	tcp_rexmt_arm(tp);
	if (TCP_SACK_RECOVERY(tp)) {
		/* RFC 6675: cwnd = ssthresh, then whatever the pipe allows. */
		tp->snd_cwnd = tp->snd_ssthresh;
		tcp_sack_output(tp);
		return;
	}
	tp->snd_cwnd = tp->snd_ssthresh + 3 * (uint32_t)mss;
	(void)tcp_output(tp);
}

/*
 * An ACK while a tail loss probe is out (RFC 8985 7.4).  A D-SACK for
 * the probe says the original arrived too: nothing was lost.  An ACK
 * that covers the probe without one means the probe repaired a loss,
 * which calls for the congestion response a fast retransmission would
 * have had (none again for a probe sent in recovery).
 */
static void
tcp_tlp_ack(struct tcpcb *tp, const struct tcp_seg *sg)
{
	const struct tcp_sackblk *b = &sg->to.to_sacks[0];
	bool dsack;

	dsack = (sg->to.to_flags & TOF_SACK) && sg->to.to_nsacks > 0 &&
	    SEQ_LEQ(b->end, sg->ack) && SEQ_LEQ(b->end, tp->t_tlpseq) &&
	    SEQ_GT(b->end, tp->t_tlpseq - tp->t_maxseg);
	if (SEQ_LT(sg->ack, tp->t_tlpseq) && !dsack)
		return;
	if (!dsack && !(tp->t_flags & (TF_TLPREC | TF_FASTRECOVERY))) {
		TCPSTAT_INC(tcps_tlprecovered);
		tp->t_cc->cc_loss(tp);
		tp->snd_cwnd = tp->snd_ssthresh;
	}
	tp->t_flags &= ~(TF_TLPOUT | TF_TLPREC);
}

/* Drop acked bytes from the front of the send queue. */
static void
tcp_sndq_drop(struct tcpcb *tp, size_t n)
{
	struct mbuf *m = tp->t_sndq;

	KASSERT(n <= tp->t_sndcc);
	tp->t_sndcc -= n;
	while (m != NULL && n > 0) {
		if (m->m_len <= n) {
			n -= m->m_len;
			m = m_free(m);
		} else {
			m->m_data += n;
			m->m_len -= n;
			n = 0;
		}
	}
	while (m != NULL && m->m_len == 0 && m->m_next != NULL)
		m = m_free(m);
	if (m != NULL && m->m_len == 0 && tp->t_sndcc == 0) {
		m_freem(m);
		m = NULL;
	}
	tp->t_sndq = m;
}

/* Grow the send buffer with the congestion window (autotuning). */
static void
tcp_sndbuf_autotune(struct tcpcb *tp)
{
	struct socket *so = tp->t_so;
	size_t want;

	if (so == NULL)
		return;
	want = MIN((size_t)tp->snd_cwnd * 2, TCP_BUF_MAX);
	if (want > so->so_snd.sb_hiwat && tp->t_sndcc + 2 * tp->t_maxseg >=
	    so->so_snd.sb_hiwat) {
		so->so_snd.sb_hiwat = want;
		so->so_snd.sb_mbmax = want * 2 + 16 * MSIZE;
	}
}

/*
 * Process an acceptable ACK of new data (ack in (snd_una, snd_max]).
 * Returns false if tp was freed.
 */
static bool
tcp_newack(struct tcpcb *tp, struct tcp_seg *sg)
{
	size_t acked = sg->ack - tp->snd_una;
	size_t dacked;
	bool finacked = false;

	/* RTT sample (Karn: only from a segment never retransmitted). */
	if (tp->t_rtttime != 0 && SEQ_GT(sg->ack, tp->t_rtseq)) {
		tcp_xmit_timer(tp, getnanouptime() - tp->t_rtttime);
		tp->t_rtttime = 0;
	}
	tp->t_rxtshift = 0;
	tp->t_softerror = 0;
	dacked = acked;
	if ((tp->t_flags & TF_SENTFIN) && sg->ack == tp->snd_max) {
		finacked = true;
		dacked--;
	}
	if (dacked > tp->t_sndcc)
		dacked = tp->t_sndcc;
	if (tp->t_flags & TF_FASTRECOVERY) {
		if (SEQ_GEQ(sg->ack, tp->snd_recover)) {
			/*
			 * Full ACK: leave recovery (RFC 6582 3.2 step 3) with
			 * cwnd = ssthresh, the second of its two choices.  The
			 * first, about FlightSize + 1 segment, collapses cwnd to
			 * two segments whenever the ACK covers everything sent
			 * (a quick recovery on a fast link); a lost ACK for those
			 * two then leaves nothing to produce duplicate ACKs and
			 * the connection waits for the retransmission timer.
			 */
			tp->t_flags &= ~TF_FASTRECOVERY;
			tp->snd_cwnd = tp->snd_ssthresh;
			tp->t_dupacks = 0;
		} else if (TCP_SACK_RECOVERY(tp)) {
			/* Partial ACK with SACK (RFC 6675 5.1): the
			 * scoreboard says what to resend next. */
			tcp_sndq_drop(tp, dacked);
			tp->snd_una = sg->ack;
			if (SEQ_LT(tp->snd_nxt, tp->snd_una))
				tp->snd_nxt = tp->snd_una;
			tcp_sack_clean(tp);
			if (tcp_sack_lostrexmit(tp)) {
				tp->t_cc->cc_loss(tp);
				tp->snd_cwnd = tp->snd_ssthresh;
			}
			tcp_sack_output(tp);
			goto dropped;
		} else {
			/* Partial ACK: retransmit the next hole, deflate. */
			tcp_sndq_drop(tp, dacked);
			tp->snd_una = sg->ack;
			if (SEQ_LT(tp->snd_nxt, tp->snd_una))
				tp->snd_nxt = tp->snd_una;
			(void)tcp_send_segment(tp, tp->snd_una, TH_ACK, 0,
			    MIN(tp->t_maxseg, tp->t_sndcc));
			tp->t_totrexmt++;
			TCPSTAT_INC(tcps_sndrexmitpack);
			if (tp->snd_cwnd > acked)
				tp->snd_cwnd -= (uint32_t)acked;
			else
				tp->snd_cwnd = 0;
			tp->snd_cwnd += tp->t_maxseg;
			tcp_rexmt_arm(tp);
			goto dropped;
		}
	} else {
		tp->t_dupacks = 0;
		tcp_cc_ack_received(tp, acked);
	}
	tcp_sndq_drop(tp, dacked);
	tp->snd_una = sg->ack;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
dropped:
	/* Urgent mode ends when the peer has the last urgent octet. */
	if ((tp->t_flags & TF_SNDURG) && SEQ_GEQ(tp->snd_una, tp->snd_up))
		tp->t_flags &= ~TF_SNDURG;
	tcp_sack_clean(tp);
	if (tp->snd_una == tp->snd_max) {
		tcp_timer_disarm(tp, TCPT_REXMT);
		tcp_timer_disarm(tp, TCPT_TLP);
	} else {
		tcp_rexmt_arm(tp);
	}
	if (tp->t_so != NULL) {
		tcp_sndbuf_autotune(tp);
		sowwakeup(tp->t_so);
	}
	if (!finacked)
		return true;
	switch (tp->t_state) {
	case TCPS_FIN_WAIT_1:
		TCP_STATE_CHANGE(tp, TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2);
		if (tp->t_so == NULL)
			tcp_timer_arm(tp, TCPT_2MSL, TCP_FINWAIT2_NS);
		break;
	case TCPS_CLOSING:
		TCP_STATE_CHANGE(tp, TCPS_CLOSING, TCPS_TIME_WAIT);
		tcp_timewait_enter(tp);
		if (tp->t_so != NULL)
			soisdisconnected(tp->t_so);
		break;
	case TCPS_LAST_ACK:
		(void)tcp_close(tp);
		return false;
	default:
		break;
	}
	return true;
}

/* Grow the receive buffer when the application keeps up with a
 * window's worth per round trip (autotuning, bounded by TCP_BUF_MAX). */
static void
tcp_rcvbuf_autotune(struct tcpcb *tp, size_t len)
{
	struct socket *so = tp->t_so;
	int64_t now, rtt;

	if (so == NULL)
		return;
	now = getnanouptime();
	if (tp->t_rcvrtt_time == 0) {
		tp->t_rcvrtt_time = now;
		tp->t_rcvrtt_bytes = 0;
		return;
	}
	tp->t_rcvrtt_bytes += len;
	rtt = MAX((int64_t)tp->t_srtt_us * 1000, (int64_t)NSEC_PER_MSEC);
	if (now - tp->t_rcvrtt_time < rtt)
		return;
	if (tp->t_rcvrtt_bytes * 2 > so->so_rcv.sb_hiwat &&
	    so->so_rcv.sb_hiwat < TCP_BUF_MAX) {
		size_t want = MIN(tp->t_rcvrtt_bytes * 4, TCP_BUF_MAX);

		if (want > so->so_rcv.sb_hiwat) {
			so->so_rcv.sb_hiwat = want;
			so->so_rcv.sb_mbmax = want * 2 + 16 * MSIZE;
		}
	}
	tp->t_rcvrtt_time = now;
	tp->t_rcvrtt_bytes = 0;
}

/* Processing for synchronized states.  m holds the data (consumed). */
static void
tcp_input_sync(struct tcpcb *tp, struct tcp_seg *sg, struct mbuf *m)
{
	struct socket *so;
	uint32_t rcvwin;
	int64_t now = getnanouptime();
	bool fin, acceptable, newsack;
	int todrop;

	/* PAWS (RFC 7323 5.3). */
	if ((sg->to.to_flags & TOF_TS) && (tp->t_flags & TF_RCVD_TSTMP) &&
	    (sg->flags & TH_RST) == 0 &&
	    (int32_t)(sg->to.to_tsval - tp->ts_recent) < 0) {
		if (now - tp->ts_recent_age > 24LL * 24 * 3600 * NSEC_PER_SEC) {
			tp->ts_recent = 0;
		} else {
			TCPSTAT_INC(tcps_pawsdrop);
			tp->t_flags |= TF_ACKNOW;
			goto dropafterack;
		}
	}

	/* Sequence acceptability (RFC 9293 3.10.7.4 first). */
	rcvwin = tp->rcv_wnd;
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt))
		rcvwin = MAX(rcvwin, (uint32_t)(tp->rcv_adv - tp->rcv_nxt));
	{
		size_t seglen = sg->len + ((sg->flags & (TH_SYN | TH_FIN)) ?
		    1 : 0);

		if (seglen == 0)
			acceptable = rcvwin == 0 ? sg->seq == tp->rcv_nxt :
			    SEQ_GEQ(sg->seq, tp->rcv_nxt) &&
			    SEQ_LT(sg->seq, tp->rcv_nxt + rcvwin);
		else
			acceptable = rcvwin != 0 &&
			    ((SEQ_GEQ(sg->seq, tp->rcv_nxt) &&
			    SEQ_LT(sg->seq, tp->rcv_nxt + rcvwin)) ||
			    (SEQ_GEQ(sg->seq + (uint32_t)seglen - 1, tp->rcv_nxt) &&
			    SEQ_LT(sg->seq + (uint32_t)seglen - 1,
			    tp->rcv_nxt + rcvwin)));
		/* Keep zero-window probes and pure ACKs at rcv_nxt. */
		if (!acceptable && sg->seq == tp->rcv_nxt && rcvwin == 0)
			acceptable = true;
	}
	if (!acceptable) {
		if (sg->flags & TH_RST)
			goto drop;
		/* TIME_WAIT: a new SYN may reopen (RFC 6191), handled by
		 * the caller; anything else is answered with an ACK. */
		TCPSTAT_INC(tcps_rcvduppack);
		tp->t_flags |= TF_ACKNOW;
		goto dropafterack;
	}

	/* RST (RFC 5961 3.2). */
	if (sg->flags & TH_RST) {
		if (sg->seq != tp->rcv_nxt) {
			TCPSTAT_INC(tcps_badrst);
			tcp_challenge_ack(tp);
			goto drop;
		}
		so = tp->t_so;
		switch (tp->t_state) {
		case TCPS_SYN_RECEIVED:
			if (so != NULL && tp->t_listen == NULL)
				soseterror(so, ECONNREFUSED);
			break;
		case TCPS_ESTABLISHED:
		case TCPS_FIN_WAIT_1:
		case TCPS_FIN_WAIT_2:
		case TCPS_CLOSE_WAIT:
			if (so != NULL)
				soseterror(so, ECONNRESET);
			break;
		default:
			break;
		}
		(void)tcp_close(tp);
		goto drop;
	}

	/* Trim what we already have and what lies beyond the window. */
	todrop = (int32_t)(tp->rcv_nxt - sg->seq);
	if (todrop > 0) {
		if (sg->flags & TH_SYN) {
			sg->flags &= ~TH_SYN;
			sg->seq++;
			todrop--;
		}
		if ((size_t)todrop >= sg->len) {
			if ((size_t)todrop > sg->len ||
			    (sg->flags & TH_FIN) == 0) {
				sg->flags &= ~TH_FIN;
				tp->t_flags |= TF_ACKNOW;
			}
			todrop = (int)sg->len;
			if (sg->len > 0)
				TCPSTAT_INC(tcps_rcvduppack);
		}
		if (todrop > 0)
			m_adj(m, todrop);
		sg->seq += (uint32_t)todrop;
		sg->len -= (size_t)todrop;
	}
	todrop = (int32_t)((sg->seq + (uint32_t)sg->len) -
	    (tp->rcv_nxt + rcvwin));
	if (todrop > 0) {
		if ((size_t)todrop >= sg->len) {
			todrop = (int)sg->len;
			tp->t_flags |= TF_ACKNOW;
		}
		m_adj(m, -todrop);
		sg->len -= (size_t)todrop;
		sg->flags &= ~(TH_FIN | TH_PUSH);
	}

	/* SYN in a synchronized state (RFC 5961 4.2). */
	if (sg->flags & TH_SYN) {
		tcp_challenge_ack(tp);
		goto drop;
	}

	/* TS.Recent (RFC 7323 4.3). */
	if ((sg->to.to_flags & TOF_TS) && (tp->t_flags & TF_RCVD_TSTMP) &&
	    SEQ_LEQ(sg->seq, tp->last_ack_sent) &&
	    (int32_t)(sg->to.to_tsval - tp->ts_recent) >= 0) {
		tp->ts_recent = sg->to.to_tsval;
		tp->ts_recent_age = now;
	}

	if ((sg->flags & TH_ACK) == 0)
		goto drop;

	/* ACK. */
	if (tp->t_state == TCPS_SYN_RECEIVED) {
		if (SEQ_LEQ(sg->ack, tp->snd_una) ||
		    SEQ_GT(sg->ack, tp->snd_max)) {
			tcp_respond(tp->t_laddr, tp->t_faddr, tp->t_lport,
			    tp->t_fport, sg->ack, 0, TH_RST, 0);
			goto drop;
		}
		if (tp->t_so == NULL && !tcp_embryo_complete(tp))
			goto drop;
		TCP_STATE_CHANGE(tp, TCPS_SYN_RECEIVED, TCPS_ESTABLISHED);
		tp->snd_wnd = sg->win << tp->snd_scale;
		tp->snd_wl1 = sg->seq;
		tp->snd_wl2 = sg->ack;
		tcp_established_init(tp);
		soisconnected(tp->t_so);
		if (tp->t_flags & TF_NEEDFIN) {
			/* Closed while the handshake ran. */
			TCP_STATE_CHANGE(tp, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1);
		}
	}
	if (SEQ_GT(sg->ack, tp->snd_max)) {
		tp->t_flags |= TF_ACKNOW;
		goto dropafterack;
	}
	if (SEQ_LT(sg->ack, tp->snd_una - MAX(tp->max_sndwnd, 65535U))) {
		tcp_challenge_ack(tp);        /* RFC 5961 5.2 */
		goto drop;
	}
	newsack = (tp->t_flags & TF_SACK_PERMIT) &&
	    (sg->to.to_flags & TOF_SACK) && tcp_sack_update(tp, &sg->to);
	if (tp->t_flags & TF_TLPOUT)
		tcp_tlp_ack(tp, sg);
	if (SEQ_LEQ(sg->ack, tp->snd_una)) {
		/* A duplicate ACK (RFC 5681 2); one that SACKs new data
		 * counts even when the window moved (RFC 6675 2). */
		if (sg->ack == tp->snd_una && sg->len == 0 &&
		    (sg->flags & TH_FIN) == 0 &&
		    ((sg->win << tp->snd_scale) == tp->snd_wnd || newsack) &&
		    tp->snd_una != tp->snd_max) {
			tcp_dupack(tp);
			if (tp->t_state == TCPS_CLOSED)
				goto drop;
		} else if (sg->ack == tp->snd_una) {
			tp->t_dupacks = 0;
		}
	} else {
		if (!tcp_newack(tp, sg))
			goto drop;
	}
	/* Window update (RFC 9293 3.10.7.4 fifth, check the ACK). */
	if (SEQ_LT(tp->snd_wl1, sg->seq) || (tp->snd_wl1 == sg->seq &&
	    SEQ_LEQ(tp->snd_wl2, sg->ack))) {
		tp->snd_wnd = sg->win << tp->snd_scale;
		tp->max_sndwnd = MAX(tp->max_sndwnd, tp->snd_wnd);
		tp->snd_wl1 = sg->seq;
		tp->snd_wl2 = sg->ack;
		if (tp->snd_wnd > 0)
			tcp_timer_disarm(tp, TCPT_PERSIST);
	}
	if (tp->t_state == TCPS_TIME_WAIT) {
		/* A retransmitted FIN: ACK it and restart the wait. */
		if (sg->flags & TH_FIN) {
			tcp_timer_arm(tp, TCPT_2MSL, 2 * TCP_MSL_NS);
			tp->t_flags |= TF_ACKNOW;
		}
		goto dropafterack;
	}

	if (sg->flags & TH_URG)
		tcp_urgent(tp, sg->up);

	/* Data. */
	fin = (sg->flags & TH_FIN) != 0;
	if (sg->len > 0 || fin) {
		bool canrcv = tp->t_state == TCPS_ESTABLISHED ||
		    tp->t_state == TCPS_FIN_WAIT_1 ||
		    tp->t_state == TCPS_FIN_WAIT_2;

		if (!canrcv) {
			/* The peer already sent FIN: ignore data. */
			m_freem(m);
			m = NULL;
			fin = false;
			goto output;
		}
		if (sg->len > 0 && (tp->t_so == NULL ||
		    (tp->t_so->so_rcv.sb_flags & SB_CANTMORE &&
		    tp->t_so->so_state == SS_DISCONNECTED))) {
			/* Data for a closed socket: reset (RFC 9293
			 * 3.10.7.4, Linux does the same). */
			tcp_respond(tp->t_laddr, tp->t_faddr, tp->t_lport,
			    tp->t_fport, tp->snd_max, tp->rcv_nxt + (uint32_t)sg->len,
			    TH_RST | TH_ACK, 0);
			(void)tcp_close(tp);
			goto drop;
		}
		if (sg->seq == tp->rcv_nxt && tp->t_segq == NULL) {
			tp->rcv_nxt += (uint32_t)sg->len;
			tp->t_rcvdatatime = now;
			TCPSTAT_INC(tcps_rcvpack);
			TCPSTAT_ADD(tcps_rcvbyte, sg->len);
			if (sg->len > 0) {
				tcp_rcvbuf_autotune(tp, sg->len);
				tcp_deliver(tp, m, sg->len);
			} else {
				m_freem(m);
			}
			m = NULL;
			/* An aggregate (the link's LRO, the peer's TSO cut
			 * by nobody) counts as the full segments it holds:
			 * one of two or more is ACKed at once. */
			if (sg->len >= tp->t_maxseg)
				tp->t_segsunacked += (int)MIN(sg->len /
				    tp->t_maxseg, 64);
			if (fin || (tp->t_flags & TF_QUICKACK) ||
			    tp->t_segsunacked >= 2 || (sg->flags & TH_PUSH &&
			    sg->len < tp->t_maxseg))
				tp->t_flags |= TF_ACKNOW;
			else if (sg->len > 0)
				tp->t_flags |= TF_DELACK;
		} else if (sg->len > 0 || fin) {
			if (sg->len > 0) {
				tcp_reass_insert(tp, sg->seq, m, sg->len, fin &&
				    sg->seq != tp->rcv_nxt);
			} else {
				m_freem(m);
				if (sg->seq != tp->rcv_nxt)
					tcp_reass_insert(tp, sg->seq,
					    m_gethdr(M_DONTWAIT, MT_DATA), 0,
					    true);
			}
			m = NULL;
			if (sg->seq != tp->rcv_nxt)
				fin = false;
			if (tcp_reass_pull(tp))
				fin = true;
			tp->t_flags |= TF_ACKNOW;
		}
	}
	if (fin && tp->t_segq == NULL) {
		so = tp->t_so;
		tp->rcv_nxt++;
		tp->t_flags |= TF_ACKNOW;
		if (so != NULL)
			socantrcvmore(so);
		switch (tp->t_state) {
		case TCPS_ESTABLISHED:
			TCP_STATE_CHANGE(tp, TCPS_ESTABLISHED, TCPS_CLOSE_WAIT);
			break;
		case TCPS_FIN_WAIT_1:
			TCP_STATE_CHANGE(tp, TCPS_FIN_WAIT_1, TCPS_CLOSING);
			break;
		case TCPS_FIN_WAIT_2:
			TCP_STATE_CHANGE(tp, TCPS_FIN_WAIT_2, TCPS_TIME_WAIT);
			tcp_timewait_enter(tp);
			if (so != NULL)
				soisdisconnected(so);
			break;
		default:
			break;
		}
	}
output:
	m_freem(m);
	if (tp->t_flags & TF_DELACK)
		tcp_timer_arm(tp, TCPT_DELACK, TCP_DELACK_NS);
	(void)tcp_output(tp);
	return;
dropafterack:
	m_freem(m);
	(void)tcp_output(tp);
	return;
drop:
	m_freem(m);
}

/* SYN_SENT (RFC 9293 3.10.7.3).  Consumes m. */
static void
tcp_input_synsent(struct tcpcb *tp, struct tcp_seg *sg, struct mbuf *m)
{
	struct socket *so = tp->t_so;

	if (sg->flags & TH_ACK) {
		if (SEQ_LEQ(sg->ack, tp->iss) || SEQ_GT(sg->ack, tp->snd_max)) {
			tcp_dropwithreset(sg);
			goto drop;
		}
	}
	if (sg->flags & TH_RST) {
		if (sg->flags & TH_ACK)
			(void)tcp_drop(tp, ECONNREFUSED);
		goto drop;
	}
	if ((sg->flags & TH_SYN) == 0)
		goto drop;
	tp->irs = sg->seq;
	tp->rcv_nxt = tp->rcv_adv = sg->seq + 1;
	tcp_synoptions(tp, &sg->to);
	tp->t_flags |= TF_ACKNOW;
	if (sg->flags & TH_ACK) {
		if (tp->t_flags & TF_RXTSYN)
			tp->t_rtttime = 0;
		else if (tp->t_rtttime != 0)
			tcp_xmit_timer(tp, getnanouptime() - tp->t_rtttime);
		tp->t_rtttime = 0;
		tp->t_rxtshift = 0;
		tp->snd_una = sg->ack;
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		tcp_timer_disarm(tp, TCPT_REXMT);
		TCP_STATE_CHANGE(tp, TCPS_SYN_SENT, TCPS_ESTABLISHED);
		tp->snd_wnd = sg->win << tp->snd_scale;
		tp->max_sndwnd = tp->snd_wnd;
		tp->snd_wl1 = sg->seq;
		tp->snd_wl2 = sg->ack;
		tcp_established_init(tp);
		TCPSTAT_INC(tcps_connects);
		if (so != NULL)
			soisconnected(so);
		if (tp->t_flags & TF_NEEDFIN)
			TCP_STATE_CHANGE(tp, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1);
		/* Data or FIN with the SYN: go on as a synchronized state. */
		if (sg->len > 0 || (sg->flags & TH_FIN)) {
			sg->seq++;
			sg->flags &= ~TH_SYN;
			tcp_input_sync(tp, sg, m);
			return;
		}
		m_freem(m);
		(void)tcp_output(tp);
		return;
	}
	/* Simultaneous open. */
	TCP_STATE_CHANGE(tp, TCPS_SYN_SENT, TCPS_SYN_RECEIVED);
	tp->snd_wnd = sg->win;
	tp->snd_wl1 = sg->seq;
	tp->snd_nxt = tp->iss;
	tcp_timer_disarm(tp, TCPT_REXMT);
	(void)tcp_output(tp);
drop:
	m_freem(m);
}

static void
tcp_input1(struct mbuf *m, size_t hlen)
{
	struct tcp_seg sg;
	struct tcphdr th;
	struct ip *ip;
	struct tcpcb *tp;
	uint8_t optbuf[TCP_MAXOLEN];
	size_t tlen, off;

	TCPSTAT_INC(tcps_rcvtotal);
	if (m->m_pkthdr.len < hlen + sizeof(th)) {
		TCPSTAT_INC(tcps_rcvshort);
		goto drop;
	}
	ip = mtod(m, struct ip *);
	tlen = m->m_pkthdr.len - hlen;
	sg.src = ip->ip_src;
	sg.dst = ip->ip_dst;
	if ((m->m_pkthdr.csum_flags & M_CSUM_DATA_OK) == 0 &&
	    in_cksum(m, hlen, tlen, in_pseudo(sg.src, sg.dst, IPPROTO_TCP,
	    (uint16_t)tlen)) != 0) {
		TCPSTAT_INC(tcps_rcvbadsum);
		goto drop;
	}
	(void)m_copydata(m, hlen, sizeof(th), &th);
	off = TH_OFF(&th);
	if (off < sizeof(th) || off > tlen) {
		TCPSTAT_INC(tcps_rcvbadoff);
		goto drop;
	}
	if (off > sizeof(th))
		(void)m_copydata(m, hlen + sizeof(th), off - sizeof(th),
		    optbuf);
	sg.sport = th.th_sport;
	sg.dport = th.th_dport;
	sg.seq = ntohl(th.th_seq);
	sg.ack = ntohl(th.th_ack);
	sg.flags = th.th_flags;
	sg.win = ntohs(th.th_win);
	sg.len = tlen - off;
	/* An urgent pointer counts from the segment's own sequence
	 * number, before any trimming.  Zero points at no octet (the
	 * urgent one precedes the pointer) and a SYN's is not taken:
	 * both are ignored, as BSD does. */
	sg.up = sg.seq + ntohs(th.th_urp);
	if (th.th_urp == 0 || (sg.flags & TH_SYN))
		sg.flags &= ~TH_URG;
	tcp_dooptions(&sg.to, optbuf, off - sizeof(th),
	    (sg.flags & TH_SYN) != 0);
	if (sg.sport == 0 || sg.dport == 0)
		goto drop;
	if (in_isbroadcast(sg.dst, m->m_pkthdr.rcvif) ||
	    IN_CLASSD(ntohl(sg.dst)) || (m->m_flags & (M_BCAST | M_MCAST)))
		goto drop;
	m_adj(m, (ssize_t)(hlen + off));
	/* Only data remains: the chain keeps its header for sockets. */

	mutex_enter(&inet_lock);
findpcb:
	tp = tcp_lookup(sg.src, sg.sport, sg.dst, sg.dport, true);
	if (tp == NULL) {
		mutex_exit(&inet_lock);
		tcp_dropwithreset(&sg);
		goto drop;
	}
	tp->t_rcvtime = getnanouptime();
	tp->t_keepprobes = 0;
	if (tp->t_so != NULL && (tp->t_so->so_options & SOO_KEEPALIVE) &&
	    tp->t_state >= TCPS_ESTABLISHED && tp->t_state != TCPS_TIME_WAIT)
		tcp_timer_arm(tp, TCPT_KEEP,
		    (int64_t)tp->t_keepidle * NSEC_PER_SEC);
	switch (tp->t_state) {
	case TCPS_LISTEN:
		tcp_input_listen(tp, &sg);
		m_freem(m);
		break;
	case TCPS_SYN_SENT:
		tcp_input_synsent(tp, &sg, m);
		break;
	case TCPS_TIME_WAIT:
		/* A new SYN beyond the old connection reopens it
		 * (RFC 9293 3.10.7.4, RFC 6191). */
		if ((sg.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
		    (SEQ_GT(sg.seq, tp->rcv_nxt) ||
		    ((sg.to.to_flags & TOF_TS) &&
		    (tp->t_flags & TF_RCVD_TSTMP) &&
		    (int32_t)(sg.to.to_tsval - tp->ts_recent) > 0))) {
			(void)tcp_close(tp);
			goto findpcb;
		}
		tcp_input_sync(tp, &sg, m);
		break;
	default:
		tcp_input_sync(tp, &sg, m);
		break;
	}
	mutex_exit(&inet_lock);
	return;
drop:
	m_freem(m);
}

/*
 * Test impairment (off unless the host environment sets it, see
 * docs/tcp.md): RUMP_TCP_IMPAIR="drop,dup,reorder[,burst]" in per-mille
 * of received segments (a loss event drops up to burst segments in a
 * row within 2 ms, default 1), RUMP_TCP_IMPAIR_SEED the seed of its generator.
 * tcp_input runs on the netisr thread, on a sender draining lo0's queue
 * and on the host-link drivers' receive threads: the state has a lock of
 * its own, a leaf, never held across tcp_input1.
 */
static kmutex_t tcp_impair_lock;
static struct {                            /* [tcp_impair_lock] but on */
	bool on;
	unsigned drop, dup, reorder;       /* per mille */
	unsigned burst, burstleft;         /* segments per loss event */
	int64_t burstend;                  /* ns: a loss event lasts 2 ms */
	uint64_t rng;
	struct mbuf *held;
	size_t heldhlen;
} tcp_impair;

static unsigned
tcp_impair_rand(void)
{
	uint64_t x = tcp_impair.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	tcp_impair.rng = x;
	return (unsigned)(x % 1000);
}

void
tcp_impair_init(void)
{
	char buf[64], *p;
	unsigned v[4] = { 0, 0, 0, 1 };
	uint64_t seed = 1;
	int i;

	mutex_init(&tcp_impair_lock, MUTEX_DEFAULT, "tcpimpair");
	if (rumpuser_getparam("RUMP_TCP_IMPAIR", buf, sizeof(buf)) != 0)
		return;
	p = buf;
	for (i = 0; i < 4 && *p != '\0'; i++) {
		if (i == 3)
			v[3] = 0;
		while (*p >= '0' && *p <= '9')
			v[i] = v[i] * 10 + (unsigned)(*p++ - '0');
		if (*p == ',')
			p++;
	}
	if (rumpuser_getparam("RUMP_TCP_IMPAIR_SEED", buf, sizeof(buf)) == 0)
		(void)kstrtou64(buf, &seed);
	tcp_impair.drop = MIN(v[0], 1000);
	tcp_impair.dup = MIN(v[1], 1000);
	tcp_impair.reorder = MIN(v[2], 1000);
	tcp_impair.burst = MAX(MIN(v[3], 100000), 1);
	tcp_impair.rng = seed != 0 ? seed : 1;
	tcp_impair.on = v[0] + v[1] + v[2] > 0;
	if (tcp_impair.on)
		printf("tcp: impairment drop %u dup %u reorder %u per mille, "
		    "burst %u, seed %llu\n", v[0], v[1], v[2], tcp_impair.burst,
		    (unsigned long long)seed);
}

static void
tcp_impair_one(struct mbuf *m, size_t hlen)
{
	struct mbuf *dup = NULL, *held;
	size_t heldhlen;
	bool hold = false;

	mutex_enter(&tcp_impair_lock);
	if (tcp_impair.burstleft > 0 && getnanouptime() > tcp_impair.burstend)
		tcp_impair.burstleft = 0;
	if (tcp_impair.burstleft > 0 ||
	    tcp_impair_rand() < tcp_impair.drop) {
		if (tcp_impair.burstleft == 0) {
			tcp_impair.burstleft = tcp_impair.burst;
			tcp_impair.burstend = getnanouptime() +
			    2 * NSEC_PER_MSEC;
		}
		tcp_impair.burstleft--;
		mutex_exit(&tcp_impair_lock);
		TCPSTAT_INC(tcps_impairdrop);
		m_freem(m);
		return;
	}
	if (tcp_impair_rand() < tcp_impair.dup)
		dup = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	held = tcp_impair.held;
	heldhlen = tcp_impair.heldhlen;
	tcp_impair.held = NULL;
	if (held == NULL && tcp_impair_rand() < tcp_impair.reorder) {
		tcp_impair.held = m;
		tcp_impair.heldhlen = hlen;
		hold = true;
	}
	mutex_exit(&tcp_impair_lock);
	if (dup != NULL)
		tcp_input1(dup, hlen);
	if (!hold)
		tcp_input1(m, hlen);
	if (held != NULL)
		tcp_input1(held, heldhlen);
}

/*
 * The impairment acts on the segments a wire would carry, so that its
 * rates mean the same with and without offload: an aggregate a link
 * handed up whole (M_CSUM_TSOv4: shmif's, or Linux's GSO packets on a
 * tap) has its sum checked, then is cut, and each piece takes its
 * chances.
 */
void
tcp_input(struct mbuf *m, size_t hlen)
{
	struct ifnet *rcvif = m->m_pkthdr.rcvif;
	const struct ip *ip;
	struct mbuf *list, *n;
	size_t tlen;

	if (!tcp_impair.on) {
		tcp_input1(m, hlen);
		return;
	}
	if ((m->m_pkthdr.csum_flags & M_CSUM_TSOv4) == 0) {
		tcp_impair_one(m, hlen);
		return;
	}
	ip = mtod(m, const struct ip *);
	tlen = m->m_pkthdr.len - hlen;
	if ((m->m_pkthdr.csum_flags & M_CSUM_DATA_OK) == 0 &&
	    in_cksum(m, hlen, tlen, in_pseudo(ip->ip_src, ip->ip_dst,
	    IPPROTO_TCP, (uint16_t)tlen)) != 0) {
		TCPSTAT_INC(tcps_rcvbadsum);
		m_freem(m);
		return;
	}
	if (tcp_tso_segment(m, hlen, &list) != 0)
		return;                        /* consumed: no memory */
	for (; list != NULL; list = n) {
		n = list->m_nextpkt;
		list->m_nextpkt = NULL;
		/* The pieces' sums are not filled in: the whole was
		 * checked above. */
		list->m_pkthdr.csum_flags = M_CSUM_DATA_OK;
		list->m_pkthdr.rcvif = rcvif;
		tcp_impair_one(list, hlen);
	}
}
