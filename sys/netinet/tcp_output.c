/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_output.c: deciding what to send and building segments.
 *
 * tcp_output is called with inet_lock held after anything that may let
 * a segment go: new data (pru_send), an ACK that opens the window or
 * acknowledges data, a timer, a read that opens our receive window.  It
 * sends as many segments as the send window (min of the peer's window
 * and cwnd) and Nagle's rule (RFC 9293 3.7.4, off with TCP_NODELAY,
 * everything held with TCP_CORK) allow, plus SYN, FIN, window updates
 * and ACKs owed.  Segments are cut from the send queue with m_copym, so
 * the data shares the socket's buffers and is not copied; headers go in
 * front with m_prepend.
 *
 * tcp_send_segment builds one segment with its options: MSS, window
 * scale, SACK-permitted and timestamps on SYNs (RFC 7323, 2018), then
 * timestamps and SACK blocks as negotiated.
 *
 * TSO: when the route's interface cuts segments itself (t_tsomax, set
 * by tcp_setmss), a segment may carry up to t_tsomax bytes, a multiple
 * of the MSS, marked M_CSUM_TSOv4 with the MSS as piece size.  It stands
 * for the MSS-sized segments cutting it gives (tcp_tso_segment: the
 * same options in each, FIN and PSH on the last), so the sequence
 * space, the window, cwnd (bytes) and the retransmission logic see
 * nothing new: a partial ACK, SACK or retransmission splits it like any
 * other range of the send queue.  Counters count the pieces.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/lock.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"
#include "netinet/tcp.h"
#include "netinet/tcp_var.h"

/* The segments on the wire a segment of len bytes stands for (TSO). */
static uint32_t
tcp_npieces(const struct tcpcb *tp, size_t len)
{
	if (len <= tp->t_maxseg || tp->t_maxseg == 0)
		return 1;
	return (uint32_t)((len + tp->t_maxseg - 1) / tp->t_maxseg);
}

uint32_t
tcp_rcvwin(const struct tcpcb *tp)
{
	const struct socket *so = tp->t_so;
	uint32_t space, maxwin;
	int32_t adv;

	if (so == NULL) {
		space = tp->t_state == TCPS_SYN_RECEIVED ? TCP_RCVBUF_DEF :
		    tp->rcv_wnd;
	} else {
		space = (uint32_t)MIN(sbspace(&so->so_rcv), (size_t)UINT32_MAX);
		/* Receiver SWS avoidance (RFC 1122 4.2.3.3). */
		if (space < so->so_rcv.sb_hiwat / 4 && space < tp->t_maxseg)
			space = 0;
	}
	maxwin = (uint32_t)TCP_MAXWIN << tp->rcv_scale;
	space = MIN(space, maxwin);
	adv = (int32_t)(tp->rcv_adv - tp->rcv_nxt);
	if (adv > 0 && (uint32_t)adv > space)
		space = (uint32_t)adv;             /* never shrink the window */
	return space;
}

static size_t
tcp_putopts(struct tcpcb *tp, int flags, uint8_t *opt)
{
	size_t n = 0;
	uint32_t now;
	int i;

	if (flags & TH_SYN) {
		uint16_t mss = (uint16_t)MIN(tp->t_advmss, 65535U);

		opt[n++] = TCPOPT_MAXSEG;
		opt[n++] = 4;
		opt[n++] = (uint8_t)(mss >> 8);
		opt[n++] = (uint8_t)mss;
		if ((tp->t_flags & TF_REQ_SCALE) && ((flags & TH_ACK) == 0 ||
		    (tp->t_flags & TF_RCVD_SCALE))) {
			opt[n++] = TCPOPT_NOP;
			opt[n++] = TCPOPT_WINDOW;
			opt[n++] = 3;
			opt[n++] = tp->request_r_scale;
		}
		if ((tp->t_flags & TF_REQ_SACK) && ((flags & TH_ACK) == 0 ||
		    (tp->t_flags & TF_SACK_PERMIT))) {
			opt[n++] = TCPOPT_NOP;
			opt[n++] = TCPOPT_NOP;
			opt[n++] = TCPOPT_SACK_PERMITTED;
			opt[n++] = 2;
		}
	}
	if ((tp->t_flags & TF_REQ_TSTMP) && ((flags & TH_SYN) &&
	    (flags & TH_ACK) == 0 ? true : (tp->t_flags & TF_RCVD_TSTMP))) {
		now = (tp->t_flags & TF_TSFIXED) ? tp->ts_fixed :
		    tcp_now_ms() + tp->ts_offset;
		opt[n++] = TCPOPT_NOP;
		opt[n++] = TCPOPT_NOP;
		opt[n++] = TCPOPT_TIMESTAMP;
		opt[n++] = 10;
		be32enc(&opt[n], now);
		be32enc(&opt[n + 4], (flags & TH_ACK) ? tp->ts_recent : 0);
		n += 8;
	}
	if ((flags & TH_SYN) == 0 && (tp->t_flags & TF_SACK_PERMIT) &&
	    tp->t_nrcvsack > 0) {
		int nb = MIN(tp->t_nrcvsack, (int)((TCP_MAXOLEN - n - 4) / 8));

		if (nb > 0) {
			opt[n++] = TCPOPT_NOP;
			opt[n++] = TCPOPT_NOP;
			opt[n++] = TCPOPT_SACK;
			opt[n++] = (uint8_t)(2 + 8 * nb);
			for (i = 0; i < nb; i++) {
				be32enc(&opt[n], tp->t_rcvsack[i].start);
				be32enc(&opt[n + 4], tp->t_rcvsack[i].end);
				n += 8;
			}
		}
	}
	KASSERT(n <= TCP_MAXOLEN && n % 4 == 0);
	return n;
}

/*
 * The IP length of the largest piece of the TSO packet m: IP and TCP
 * headers plus one segsz.  0 if m is too short to say.
 */
size_t
tcp_tso_piecelen(const struct mbuf *m, size_t iphlen)
{
	struct tcphdr th;
	size_t thlen;

	if (m->m_pkthdr.len < iphlen + sizeof(th) ||
	    m_copydata(m, iphlen, sizeof(th), &th) != 0)
		return 0;
	thlen = TH_OFF(&th);
	if (thlen < sizeof(th) || m->m_pkthdr.len < iphlen + thlen)
		return 0;
	return iphlen + thlen + MIN((size_t)m->m_pkthdr.segsz,
	    m->m_pkthdr.len - iphlen - thlen);
}

int
tcp_tso_segment(struct mbuf *m, size_t iphlen, struct mbuf **listp)
{
	uint8_t hdr[TCP_TSO_MAXHDR];
	struct tcphdr *th;
	struct ip *ip;
	struct mbuf *head = NULL, **tail = &head, *h, *n;
	size_t thlen, hdrlen, paylen, segsz, off, chunk;
	tcp_seq seq;
	uint8_t fl;
	uint16_t urp;

	*listp = NULL;
	segsz = m->m_pkthdr.segsz;
	if (segsz == 0 || tcp_tso_piecelen(m, iphlen) == 0 ||
	    iphlen > 60) {
		m_freem(m);
		return EINVAL;
	}
	/* tcp_tso_piecelen checked that both headers are there. */
	(void)m_copydata(m, iphlen, sizeof(struct tcphdr), hdr);
	thlen = TH_OFF((struct tcphdr *)(void *)hdr);
	hdrlen = iphlen + thlen;
	CTASSERT(TCP_TSO_MAXHDR <= MHLEN);
	(void)m_copydata(m, 0, hdrlen, hdr);
	th = (struct tcphdr *)(void *)(hdr + iphlen);
	seq = ntohl(th->th_seq);
	fl = th->th_flags;
	urp = ntohs(th->th_urp);
	paylen = m->m_pkthdr.len - hdrlen;
	off = 0;
	do {
		chunk = MIN(segsz, paylen - off);
		h = m_gethdr(M_DONTWAIT, MT_HEADER);
		if (h == NULL)
			goto nobufs;
		/* Headers at the end of the small area: room in front for
		 * the link header. */
		h->m_data += MHLEN - hdrlen;
		h->m_len = hdrlen;
		if (chunk > 0) {
			n = m_copym(m, hdrlen + off, chunk, M_DONTWAIT);
			if (n == NULL) {
				m_freem(h);
				goto nobufs;
			}
			h->m_next = n;
		}
		h->m_pkthdr.len = hdrlen + chunk;
		h->m_pkthdr.csum_flags = M_CSUM_DATA_OUT;
		th->th_seq = htonl(seq + (uint32_t)off);
		th->th_flags = off + chunk < paylen ?
		    (uint8_t)(fl & ~(TH_FIN | TH_PUSH)) : fl;
		/* The urgent pointer counts from each piece's start; a
		 * piece past the urgent data is not urgent. */
		if ((fl & TH_URG) && urp > off) {
			th->th_urp = htons((uint16_t)(urp - off));
		} else {
			th->th_flags &= (uint8_t)~TH_URG;
			th->th_urp = 0;
		}
		th->th_sum = 0;
		ip = (struct ip *)(void *)hdr;
		ip->ip_len = htons((uint16_t)(hdrlen + chunk));
		if (off > 0)
			ip->ip_id = ip_newid();
		memcpy(mtod(h, void *), hdr, hdrlen);
		*tail = h;
		tail = &h->m_nextpkt;
		off += chunk;
	} while (off < paylen);
	m_freem(m);
	*listp = head;
	return 0;
nobufs:
	while (head != NULL) {
		h = head->m_nextpkt;
		m_freem(head);
		head = h;
	}
	m_freem(m);
	return ENOBUFS;
}

/*
 * A TSO segment with URG is cut here, not by the interface: the urgent
 * pointer counts from each piece's sequence number, which a device that
 * copies the header into every piece would not fix.  Consumes m.
 */
static int
tcp_output_urgtso(struct mbuf *m)
{
	struct mbuf *list, *n;
	int error, e;

	error = tcp_tso_segment(m, sizeof(struct ip), &list);
	while (list != NULL) {
		n = list->m_nextpkt;
		list->m_nextpkt = NULL;
		e = ip_output(list, 0);
		if (error == 0)
			error = e;
		list = n;
	}
	return error;
}

int
tcp_send_segment(struct tcpcb *tp, tcp_seq seq, int flags, size_t off,
    size_t len)
{
	uint8_t opt[TCP_MAXOLEN];
	size_t optlen, hdrlen;
	struct mbuf *m;
	struct ip *ip;
	struct tcphdr *th;
	uint32_t win;
	int error;

	optlen = tcp_putopts(tp, flags, opt);
	hdrlen = sizeof(*ip) + sizeof(*th) + optlen;
	if (len > 0) {
		m = m_copym(tp->t_sndq, off, len, M_DONTWAIT);
		if (m == NULL)
			return ENOBUFS;
		if ((m->m_flags & M_PKTHDR) == 0) {
			struct mbuf *h = m_gethdr(M_DONTWAIT, MT_HEADER);

			if (h == NULL) {
				m_freem(m);
				return ENOBUFS;
			}
			h->m_data += MHLEN - hdrlen;
			h->m_len = hdrlen;
			h->m_next = m;
			m = h;
		} else {
			error = m_prepend(&m, hdrlen, M_DONTWAIT);
			if (error != 0)
				return error;
		}
		m->m_pkthdr.len = hdrlen + len;
		m->m_pkthdr.rcvif = NULL;
		m->m_pkthdr.csum_flags = 0;
	} else {
		m = m_gethdr(M_DONTWAIT, MT_HEADER);
		if (m == NULL)
			return ENOBUFS;
		m->m_data += MAX_LINKHDR;
		m->m_len = m->m_pkthdr.len = hdrlen;
	}
	ip = mtod(m, struct ip *);
	th = (struct tcphdr *)(void *)(ip + 1);
	memset(ip, 0, sizeof(*ip) + sizeof(*th));
	memcpy(th + 1, opt, optlen);
	th->th_sport = tp->t_lport;
	th->th_dport = tp->t_fport;
	th->th_seq = htonl(seq);
	th->th_ack = (flags & TH_ACK) ? htonl(tp->rcv_nxt) : 0;
	th->th_off = (uint8_t)(((sizeof(*th) + optlen) >> 2) << 4);
	th->th_flags = (uint8_t)flags;
	if ((tp->t_flags & TF_SNDURG) && (flags & TH_SYN) == 0 &&
	    SEQ_GT(tp->snd_up, seq)) {
		/* The pointer is 16 bits: an urgent octet further away
		 * is announced with 0xffff, as Linux does (the pointer
		 * then only says that urgent data follows). */
		th->th_flags |= TH_URG;
		th->th_urp = htons((uint16_t)MIN(tp->snd_up - seq, 0xffffU));
	}
	win = tcp_rcvwin(tp);
	if (flags & TH_SYN)
		th->th_win = htons((uint16_t)MIN(win, TCP_MAXWIN));
	else
		th->th_win = htons((uint16_t)MIN(win >> tp->rcv_scale,
		    TCP_MAXWIN));
	if (flags & TH_ACK) {
		if ((flags & TH_SYN) == 0)
			win = (uint32_t)ntohs(th->th_win) << tp->rcv_scale;
		if (SEQ_GT(tp->rcv_nxt + win, tp->rcv_adv))
			tp->rcv_adv = tp->rcv_nxt + win;
		tp->rcv_wnd = win;
		tp->last_ack_sent = tp->rcv_nxt;
		tp->t_flags &= ~(TF_ACKNOW | TF_DELACK);
		tp->t_segsunacked = 0;
		tcp_timer_disarm(tp, TCPT_DELACK);
	}
	th->th_sum = 0;                        /* ip_output fills it in */
	m->m_pkthdr.csum_flags = M_CSUM_DATA_OUT;
	m->m_pkthdr.segsz = 0;
	if (len > tp->t_maxseg) {
		KASSERT(len <= tp->t_tsomax && tp->t_maxseg <= 0xffff);
		m->m_pkthdr.csum_flags |= M_CSUM_TSOv4;
		m->m_pkthdr.segsz = (uint16_t)tp->t_maxseg;
	}
	ip->ip_vhl = 0x45;
	ip->ip_tos = (uint8_t)tp->t_tos;
	ip->ip_ttl = (uint8_t)tp->t_ttl;
	ip->ip_p = IPPROTO_TCP;
	ip->ip_src = tp->t_laddr;
	ip->ip_dst = tp->t_faddr;
	ip->ip_len = htons((uint16_t)(hdrlen + len));
	ip->ip_off = htons(IP_DF);
	TCPSTAT_ADD(tcps_sndtotal, tcp_npieces(tp, len));
	if (len > 0) {
		TCPSTAT_ADD(tcps_sndpack, tcp_npieces(tp, len));
		TCPSTAT_ADD(tcps_sndbyte, len);
		tp->t_sndtime = getnanouptime();
	} else {
		TCPSTAT_INC(tcps_sndacks);
	}
	if ((th->th_flags & TH_URG) &&
	    (m->m_pkthdr.csum_flags & M_CSUM_TSOv4))
		error = tcp_output_urgtso(m);
	else
		error = ip_output(m, 0);
	if (error == EMSGSIZE && tp->t_maxseg > TCP_MSS_MIN) {
		/* The route's MTU shrank under us: take it and retry
		 * through the retransmission timer. */
		tcp_setmss(tp);
	}
	return error == ENOBUFS ? 0 : error;
}

void
tcp_setpersist(struct tcpcb *tp)
{
	uint32_t t = tcp_rexmt_us(tp);
	int shift = MIN(tp->t_rxtshift, 12);

	t = (uint32_t)MIN((uint64_t)t << shift, 60000000ULL);
	t = MAX(t, 500000U);
	tcp_timer_arm(tp, TCPT_PERSIST, (int64_t)t * 1000);
}

/* Does the state send FIN once the data is out? */
static bool
tcp_wantfin(const struct tcpcb *tp)
{
	switch (tp->t_state) {
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		return true;
	default:
		return false;
	}
}

int
tcp_output(struct tcpcb *tp)
{
	struct socket *so;
	int64_t now;
	uint32_t win, maxseg, adv;
	int32_t off, len;
	int flags, error, rounds = 0;
	bool sendit, idle, force;

	KASSERT(mutex_owned(&inet_lock));
	if (tp->t_state == TCPS_CLOSED || tp->t_state == TCPS_LISTEN)
		return 0;
	now = getnanouptime();
	idle = tp->snd_max == tp->snd_una;
	if (idle && tp->t_sndtime != 0 &&
	    now - tp->t_sndtime > (int64_t)tcp_rexmt_us(tp) * 1000 &&
	    tp->t_state == TCPS_ESTABLISHED) {
		/* Restart after idle (RFC 5681 4.1). */
		tp->snd_cwnd = MIN(tp->snd_cwnd,
		    TCP_INITWND_SEGS * tp->t_maxseg);
		tp->t_sndtime = now;
	}
again:
	if (++rounds > 4096)
		return 0;
	so = tp->t_so;
	maxseg = tp->t_maxseg;
	force = (tp->t_flags & TF_ACKNOW) != 0;
	off = (int32_t)(tp->snd_nxt - tp->snd_una);
	win = MIN(tp->snd_wnd, tp->snd_cwnd);
	switch (tp->t_state) {
	case TCPS_SYN_SENT:
		flags = TH_SYN;
		break;
	case TCPS_SYN_RECEIVED:
		flags = TH_SYN | TH_ACK;
		break;
	default:
		flags = TH_ACK;
		break;
	}
	if ((flags & TH_SYN) && tp->snd_nxt != tp->iss)
		flags &= ~TH_SYN;
	if (tp->t_flags & TF_PERSIST_FORCE) {
		if (win == 0 && off == 0 && tp->t_sndcc > 0)
			win = 1;
	}
	len = (int32_t)MIN(tp->t_sndcc, (size_t)win) - off;
	if (flags & TH_SYN || tp->t_state < TCPS_ESTABLISHED)
		len = 0;
	if (len < 0) {
		/* The window shrank below what is in flight. */
		len = 0;
		if (win == 0) {
			tcp_timer_disarm(tp, TCPT_REXMT);
			tp->t_rxtshift = 0;
			tp->snd_nxt = tp->snd_una;
			if (!tcp_timer_pending(tp, TCPT_PERSIST))
				tcp_setpersist(tp);
		}
	}
	if ((uint32_t)len > maxseg) {
		/* TSO: whole MSS-sized pieces, the rest on its own (so
		 * Nagle's rule sees it as it would without TSO). */
		if (tp->t_tsomax > maxseg && maxseg <= 0xffff) {
			len = (int32_t)MIN((uint32_t)len, tp->t_tsomax);
			len -= len % (int32_t)maxseg;
		} else {
			len = (int32_t)maxseg;
		}
	}
	if (tcp_wantfin(tp) &&
	    SEQ_GEQ(tp->snd_nxt + (uint32_t)len, tp->snd_una + (uint32_t)tp->t_sndcc) &&
	    !((tp->t_flags & TF_SENTFIN) && tp->snd_nxt == tp->snd_max))
		flags |= TH_FIN;

	sendit = false;
	if (len > 0) {
		if ((uint32_t)len >= maxseg)
			sendit = true;
		else if ((idle || (tp->t_flags & TF_NODELAY)) &&
		    !(tp->t_flags & TF_CORK) &&
		    (size_t)(off + len) >= tp->t_sndcc)
			sendit = true;
		else if (tp->t_flags & TF_PERSIST_FORCE)
			sendit = true;
		else if ((uint32_t)len >= tp->max_sndwnd / 2 &&
		    tp->max_sndwnd > 0)
			sendit = true;
		else if (SEQ_LT(tp->snd_nxt, tp->snd_max))
			sendit = true;
		else if ((flags & TH_FIN) && (size_t)(off + len) >= tp->t_sndcc)
			sendit = true;
	}
	/* Window update worth telling (RFC 9293 3.8.6.2.2), once the
	 * window left to the peer is under half the new one (as Linux):
	 * a reader taking 256 KiB at a time while the peer still has room
	 * would otherwise send an ACK of its own per read, beside the ones
	 * the data gets (one per 64 KiB aggregate over a tap). */
	if (!sendit && so != NULL && TCPS_HAVERCVDSYN(tp->t_state) &&
	    !(so->so_rcv.sb_flags & SB_CANTMORE)) {
		uint32_t cur = tcp_rcvwin(tp);
		uint32_t left = (uint32_t)(tp->rcv_adv - tp->rcv_nxt);

		adv = cur - left;
		if ((int32_t)adv > 0 && (adv >= 2 * maxseg ||
		    adv * 2 >= so->so_rcv.sb_hiwat) && cur / 2 >= left)
			sendit = true;
	}
	if (force || (flags & TH_SYN))
		sendit = true;
	if ((flags & TH_FIN) &&
	    (!(tp->t_flags & TF_SENTFIN) || tp->snd_nxt == tp->snd_una))
		sendit = true;
	if (!sendit) {
		if (tp->t_sndcc > (size_t)off && tp->snd_wnd == 0 &&
		    !tcp_timer_pending(tp, TCPT_REXMT) &&
		    !tcp_timer_pending(tp, TCPT_PERSIST)) {
			tp->t_rxtshift = 0;
			tcp_setpersist(tp);
		}
		return 0;
	}
	if (tp->t_state == TCPS_SYN_SENT || (flags & TH_SYN))
		tp->t_advmss = tcp_mss_for(tp->t_faddr);

	error = tcp_send_segment(tp, tp->snd_nxt, flags, (size_t)off,
	    (size_t)len);
	if (error != 0 && error != EMSGSIZE) {
		if (tp->snd_una == tp->snd_max && len + (flags & (TH_SYN |
		    TH_FIN)) != 0 && !tcp_timer_pending(tp, TCPT_REXMT))
			tcp_rexmt_arm(tp);
		tp->t_softerror = error;
		return error;
	}
	if (SEQ_LT(tp->snd_nxt, tp->snd_max) && len > 0) {
		tp->t_totrexmt += tcp_npieces(tp, (size_t)len);
		TCPSTAT_ADD(tcps_sndrexmitpack, tcp_npieces(tp, (size_t)len));
	}
	if (flags & TH_SYN) {
		tp->snd_nxt++;
		if (tp->t_rxtshift > 0 || (tp->t_flags & TF_RXTSYN))
			tp->t_flags |= TF_RXTSYN;
	}
	tp->snd_nxt += (uint32_t)len;
	if (flags & TH_FIN) {
		tp->snd_nxt++;
		tp->t_flags |= TF_SENTFIN;
	}
	if (SEQ_GT(tp->snd_nxt, tp->snd_max)) {
		tp->snd_max = tp->snd_nxt;
		if (tp->t_rtttime == 0) {
			tp->t_rtttime = now;
			tp->t_rtseq = tp->snd_nxt - 1;
		}
	}
	if ((len > 0 || (flags & (TH_SYN | TH_FIN))) &&
	    !tcp_timer_pending(tp, TCPT_REXMT) &&
	    tp->snd_nxt != tp->snd_una) {
		tcp_timer_disarm(tp, TCPT_PERSIST);
		tcp_rexmt_arm(tp);
	}
	tp->t_flags &= ~TF_PERSIST_FORCE;
	if (len > 0 || (flags & (TH_SYN | TH_FIN)))
		goto again;
	return 0;
}
