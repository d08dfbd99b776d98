/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_sack.c: the sender's SACK scoreboard (RFC 2018, used as RFC 6675
 * suggests): the ranges above snd_una the peer reported, sorted and
 * merged, at most TCP_SNDSACKMAX of them.  In fast recovery tcp_input
 * asks tcp_sack_nexthole for the next unSACKed range to retransmit.
 * The scoreboard is advisory: it is cleared on a timeout (the receiver
 * may renege) and trimmed as snd_una advances.  inet_lock held.
 *
 * Recovery with SACK (RFC 6675, simplified): t_sackhint is HighRxt, the
 * end of what was retransmitted in this recovery.  Every hole below the
 * highest SACKed byte counts as lost (no DupThresh per hole: the three
 * duplicate ACKs that started recovery are the threshold).  The pipe is
 * what is in flight and neither SACKed nor lost-and-not-yet-resent:
 *	pipe = (snd_max - snd_una) - SACKed - holes in [HighRxt, highest)
 * tcp_sack_output sends while pipe < cwnd: first the holes from HighRxt
 * on, then new data the peer's window allows.  cwnd stays at ssthresh
 * during recovery (no inflation, unlike NewReno).
 *
 * A retransmission can be lost too; RFC 6675 alone waits for the RTO
 * then.  t_rxtmark is snd_max when the latest hole was resent: once the
 * peer SACKs three segments' worth sent after that point while holes
 * below HighRxt remain, those retransmissions are taken as lost (the
 * idea of RFC 8985, by sequence instead of time): HighRxt goes back to
 * snd_una, the holes go out again, and the window is cut once more.
 */
#include "kern/kern.h"
#include "netinet/tcp.h"
#include "netinet/tcp_var.h"

/* Record [s, e) SACKed; false if the scoreboard already had all of it
 * (or is full). */
static bool
tcp_sack_add(struct tcpcb *tp, tcp_seq s, tcp_seq e)
{
	struct tcp_sackblk *b = tp->t_sndsack;
	int n = tp->t_nsndsack, i, j;

	for (i = 0; i < n && SEQ_LT(b[i].end, s); i++)
		continue;
	if (i < n && SEQ_LEQ(b[i].start, s) && SEQ_GEQ(b[i].end, e))
		return false;
	/* Merge with every block that touches [s, e). */
	j = i;
	while (j < n && SEQ_LEQ(b[j].start, e)) {
		s = SEQ_MIN(s, b[j].start);
		e = SEQ_MAX(e, b[j].end);
		j++;
	}
	if (j == i && n == TCP_SNDSACKMAX)
		return false;                      /* full: ignore */
	memmove(&b[i + 1], &b[j], (size_t)(n - j) * sizeof(*b));
	b[i].start = s;
	b[i].end = e;
	tp->t_nsndsack = n - (j - i) + 1;
	return true;
}

bool
tcp_sack_update(struct tcpcb *tp, const struct tcp_opts *to)
{
	bool grew = false;
	int i;

	for (i = 0; i < to->to_nsacks; i++) {
		tcp_seq s = to->to_sacks[i].start, e = to->to_sacks[i].end;

		/* Only plausible blocks: above snd_una, below snd_max. */
		if (SEQ_GEQ(s, e) || SEQ_LEQ(e, tp->snd_una) ||
		    SEQ_GT(e, tp->snd_max) || SEQ_LT(s, tp->snd_una))
			continue;
		grew |= tcp_sack_add(tp, s, e);
	}
	return grew;
}

void
tcp_sack_clean(struct tcpcb *tp)
{
	int i = 0, n = tp->t_nsndsack;

	while (i < n && SEQ_LEQ(tp->t_sndsack[i].end, tp->snd_una))
		i++;
	if (i > 0) {
		memmove(tp->t_sndsack, &tp->t_sndsack[i],
		    (size_t)(n - i) * sizeof(tp->t_sndsack[0]));
		tp->t_nsndsack = n - i;
	}
	if (tp->t_nsndsack > 0 && SEQ_LT(tp->t_sndsack[0].start, tp->snd_una))
		tp->t_sndsack[0].start = tp->snd_una;
	if (SEQ_LT(tp->t_sackhint, tp->snd_una))
		tp->t_sackhint = tp->snd_una;
}

bool
tcp_sack_nexthole(struct tcpcb *tp, tcp_seq *seqp, size_t *lenp)
{
	tcp_seq s = SEQ_MAX(tp->t_sackhint, tp->snd_una);
	int i;

	for (i = 0; i < tp->t_nsndsack; i++) {
		if (SEQ_LT(s, tp->t_sndsack[i].start)) {
			*seqp = s;
			*lenp = MIN((size_t)(tp->t_sndsack[i].start - s),
			    (size_t)tp->t_maxseg);
			return true;
		}
		if (SEQ_LT(s, tp->t_sndsack[i].end))
			s = tp->t_sndsack[i].end;
	}
	return false;
}

size_t
tcp_sack_sacked_bytes(const struct tcpcb *tp)
{
	size_t n = 0;
	int i;

	for (i = 0; i < tp->t_nsndsack; i++)
		n += tp->t_sndsack[i].end - tp->t_sndsack[i].start;
	return n;
}

/* Bytes of [from, to) that no scoreboard block covers. */
static size_t
tcp_sack_holebytes(const struct tcpcb *tp, tcp_seq from, tcp_seq to)
{
	size_t n = 0;
	tcp_seq s = from;
	int i;

	for (i = 0; i < tp->t_nsndsack && SEQ_LT(s, to); i++) {
		const struct tcp_sackblk *b = &tp->t_sndsack[i];

		if (SEQ_LEQ(b->end, s))
			continue;
		if (SEQ_LT(s, b->start))
			n += (size_t)(SEQ_MIN(b->start, to) - s);
		s = b->end;
	}
	return n;
}

uint32_t
tcp_sack_pipe(const struct tcpcb *tp)
{
	size_t flight = tp->snd_max - tp->snd_una, sacked, lost = 0;
	tcp_seq hi, rxt;

	sacked = tcp_sack_sacked_bytes(tp);
	if (tp->t_nsndsack > 0) {
		hi = tp->t_sndsack[tp->t_nsndsack - 1].end;
		rxt = SEQ_MAX(tp->t_sackhint, tp->snd_una);
		if (SEQ_LT(rxt, hi))
			lost = tcp_sack_holebytes(tp, rxt, hi);
	}
	if (sacked + lost >= flight)
		return 0;
	return (uint32_t)(flight - sacked - lost);
}

void
tcp_sack_output(struct tcpcb *tp)
{
	size_t mss = tp->t_maxseg, len, avail;
	tcp_seq seq;
	int rounds;

	for (rounds = 0; rounds < 1024; rounds++) {
		if (tcp_sack_pipe(tp) + mss > tp->snd_cwnd &&
		    tcp_sack_pipe(tp) != 0)
			break;
		if (tcp_sack_nexthole(tp, &seq, &len)) {
			/* Retransmit the next lost range. */
			if ((size_t)(seq - tp->snd_una) >= tp->t_sndcc)
				break;             /* only the FIN is left */
			len = MIN(len, tp->t_sndcc - (size_t)(seq - tp->snd_una));
			if (tcp_send_segment(tp, seq, TH_ACK,
			    (size_t)(seq - tp->snd_una), len) != 0)
				break;
			tp->t_sackhint = seq + (uint32_t)len;
			tp->t_rxtmark = tp->snd_max;
			tp->t_totrexmt++;
			TCPSTAT_INC(tcps_sndrexmitpack);
			continue;
		}
		/* New data, within the peer's window. */
		avail = tp->t_sndcc - (size_t)(tp->snd_max - tp->snd_una);
		if ((tp->t_flags & TF_SENTFIN) || avail == 0 ||
		    tp->t_sndcc < (size_t)(tp->snd_max - tp->snd_una))
			break;
		len = MIN(mss, avail);
		if (SEQ_GT(tp->snd_max + (uint32_t)len,
		    tp->snd_una + tp->snd_wnd))
			break;
		if (tcp_send_segment(tp, tp->snd_max, TH_ACK,
		    (size_t)(tp->snd_max - tp->snd_una), len) != 0)
			break;
		tp->snd_max += (uint32_t)len;
		tp->snd_nxt = tp->snd_max;
		/* The hint never lags behind new data. */
		if (SEQ_LT(tp->t_sackhint, tp->snd_una))
			tp->t_sackhint = tp->snd_una;
	}
}

/*
 * In SACK recovery, after the scoreboard was updated: were the
 * retransmissions below HighRxt lost (see the file comment)?  If so,
 * rewind HighRxt to snd_una and return true; the caller cuts the window
 * and sends.
 */
bool
tcp_sack_lostrexmit(struct tcpcb *tp)
{
	tcp_seq hi, rxt;

	if (tp->t_nsndsack == 0)
		return false;
	hi = tp->t_sndsack[tp->t_nsndsack - 1].end;
	rxt = SEQ_MAX(tp->t_sackhint, tp->snd_una);
	if (SEQ_LT(hi, tp->t_rxtmark + 3 * tp->t_maxseg) ||
	    SEQ_LEQ(rxt, tp->snd_una) ||
	    tcp_sack_holebytes(tp, tp->snd_una, rxt) == 0)
		return false;
	TCPSTAT_INC(tcps_lostrexmit);
	tp->t_sackhint = tp->snd_una;
	tp->t_rxtmark = tp->snd_max;
	return true;
}
