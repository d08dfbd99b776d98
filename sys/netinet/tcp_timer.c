/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_timer.c: TCP's timers and round-trip estimation.
 *
 * Each tcpcb has six deadlines (tcp_var.h TCPT_*).  One callout for the
 * whole kernel, tcp_timer_ch, is armed for the earliest deadline of all;
 * its handler takes inet_lock, walks the tcpcbs and runs what expired:
 *	REXMT   retransmission with exponential backoff (RFC 6298 5.5),
 *	        SYN retries, ETIMEDOUT after TCP_MAXRXTSHIFT
 *	PERSIST zero-window probes (RFC 9293 3.8.6.1)
 *	KEEP    connection-establishment timeout, then keepalive probes
 *	        (RFC 1122 4.2.3.6: TCP_KEEPIDLE/INTVL/CNT)
 *	2MSL    TIME_WAIT's end, and the FIN_WAIT_2 limit of orphans
 *	DELACK  the delayed ACK (RFC 1122 4.2.3.2, here 40 ms)
 *	TLP     the tail loss probe (RFC 8985 7), armed with REXMT
 * The callout lives as long as the kernel, so a tcpcb is freed without
 * waiting for it: its deadlines just vanish with it.
 *
 * RTT (RFC 6298): one segment per window is timed (Karn's rule: never
 * a retransmitted one); SRTT and RTTVAR are kept in microseconds.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/lock.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"
#include "netinet/tcp.h"
#include "netinet/tcp_var.h"

static callout_t tcp_timer_ch;
static int64_t tcp_nextfire;               /* [N] armed deadline, 0: none */

static void tcp_timer_run(void *arg);

void
tcp_timer_init(void)
{
	callout_init(&tcp_timer_ch, tcp_timer_run, NULL);
	tcp_impair_init();
}

static void
tcp_timer_sched(int64_t when, int64_t now)
{
	if (tcp_nextfire != 0 && tcp_nextfire <= when)
		return;
	tcp_nextfire = when;
	callout_schedule(&tcp_timer_ch, MAX(when - now, 1));
}

void
tcp_timer_arm(struct tcpcb *tp, int which, int64_t delta_ns)
{
	int64_t now = getnanouptime();

	KASSERT(mutex_owned(&inet_lock));
	tp->t_timer[which] = now + delta_ns;
	tcp_timer_sched(tp->t_timer[which], now);
}

void
tcp_timer_disarm(struct tcpcb *tp, int which)
{
	tp->t_timer[which] = 0;
}

bool
tcp_timer_pending(const struct tcpcb *tp, int which)
{
	return tp->t_timer[which] != 0;
}

void
tcp_timers_cancel(struct tcpcb *tp)
{
	int i;

	for (i = 0; i < TCPT_NTIMERS; i++)
		tp->t_timer[i] = 0;
}

uint32_t
tcp_rexmt_us(const struct tcpcb *tp)
{
	return tp->t_rto_us;
}

/*
 * The tail loss probe (after RFC 8985 7): when data is in flight and
 * nothing has come back for PTO = 2 SRTT (plus a worst-case delayed ACK
 * when only one segment is out, at least TCP_TLP_MIN_US), one segment
 * goes out again to draw an ACK, long before the retransmission timer's
 * 200 ms or more.  Without it a lost tail of a flight, a lost ACK for
 * the last segments (or for a fast retransmission), or an ACK the peer
 * holds back for its delayed-ACK timer leaves the sender nothing to do
 * but wait for the RTO.  Not after an RTO, one probe at a time, with
 * SACK only, which tells a needless probe (D-SACK) from one that
 * repaired a loss.
 *
 * The PTO runs from the last segment sent or received (t_sndtime,
 * t_rcvtime, which input and output note anyway): the timer is armed
 * once, with the RTO, and when it fires early it moves itself to that
 * moment + PTO rather than being re-armed on every ACK and segment,
 * which cost a bulk transfer a tenth of its speed.
 */
static uint64_t
tcp_tlp_pto(const struct tcpcb *tp)
{
	uint32_t flight = tp->snd_max - tp->snd_una;
	uint64_t pto;

	if (!(tp->t_flags & TF_SACK_PERMIT) || (tp->t_flags & TF_TLPOUT) ||
	    tp->t_rxtshift != 0 || tp->t_srtt_us == 0 || flight == 0 ||
	    (tp->t_state != TCPS_ESTABLISHED &&
	    tp->t_state != TCPS_CLOSE_WAIT))
		return 0;
	pto = 2 * (uint64_t)tp->t_srtt_us;
	if (flight <= tp->t_maxseg)
		pto += TCP_TLP_DELACK_US;
	return MAX(pto, (uint64_t)TCP_TLP_MIN_US);
}

static void
tcp_tlp_arm(struct tcpcb *tp, uint64_t rto_us)
{
	uint64_t pto = tcp_tlp_pto(tp);

	if (pto == 0 || pto >= rto_us)
		tcp_timer_disarm(tp, TCPT_TLP);
	else if (!tcp_timer_pending(tp, TCPT_TLP))
		tcp_timer_arm(tp, TCPT_TLP, (int64_t)pto * 1000);
}

void
tcp_rexmt_arm(struct tcpcb *tp)
{
	uint64_t t = (uint64_t)tp->t_rto_us << MIN(tp->t_rxtshift, 20);

	t = MIN(t, (uint64_t)TCP_RTO_MAX_US);
	tcp_timer_arm(tp, TCPT_REXMT, (int64_t)t * 1000);
	tcp_tlp_arm(tp, t);
}

/*
 * The probe: a retransmission, which any receiver answers at once (with
 * a D-SACK if it had the segment), where new data, RFC 8985's first
 * choice, is held by a receiver that delays its ACKs.  In the open state
 * the last segment sent; in recovery the first unacknowledged one (the
 * fast retransmission, or its ACK, may be what was lost).  Then the RTO,
 * and no further probe until this one is answered (tcp_tlp_ack in
 * tcp_input.c).
 */
static void
tcp_timer_tlp(struct tcpcb *tp)
{
	uint32_t flight = tp->snd_max - tp->snd_una;
	uint64_t pto = tcp_tlp_pto(tp);
	int64_t last, now;
	size_t data, len, off;

	if (pto == 0)
		return;
	/* Traffic since it was armed: the PTO counts from the latest. */
	now = getnanouptime();
	last = MAX(tp->t_sndtime, tp->t_rcvtime);
	if (now - last < (int64_t)pto * 1000) {
		tcp_timer_arm(tp, TCPT_TLP, last + (int64_t)pto * 1000 - now);
		return;
	}
	data = MIN(tp->t_sndcc, (size_t)flight);
	len = MIN(data, (size_t)tp->t_maxseg);
	if (len == 0)
		return;                        /* only a FIN: the RTO's */
	off = (tp->t_flags & TF_FASTRECOVERY) ? 0 : data - len;
	if (tcp_send_segment(tp, tp->snd_una + (uint32_t)off, TH_ACK, off,
	    len) != 0)
		return;
	tp->t_totrexmt++;
	TCPSTAT_INC(tcps_sndrexmitpack);
	TCPSTAT_INC(tcps_tlpprobes);
	tp->t_flags &= ~TF_TLPREC;
	if (tp->t_flags & TF_FASTRECOVERY)
		tp->t_flags |= TF_TLPREC;
	tp->t_flags |= TF_TLPOUT;
	tp->t_tlpseq = tp->snd_una + (uint32_t)(off + len);
	tcp_rexmt_arm(tp);
}

void
tcp_xmit_timer(struct tcpcb *tp, int64_t rtt_ns)
{
	uint32_t r = (uint32_t)MAX(MIN(rtt_ns / 1000, 60000000LL), 1LL);
	uint32_t delta, rto;

	if (tp->t_srtt_us == 0) {
		tp->t_srtt_us = r;
		tp->t_rttvar_us = r / 2;
	} else {
		delta = tp->t_srtt_us > r ? tp->t_srtt_us - r :
		    r - tp->t_srtt_us;
		tp->t_rttvar_us = (3 * tp->t_rttvar_us + delta) / 4;
		tp->t_srtt_us = (7 * tp->t_srtt_us + r) / 8;
		if (tp->t_srtt_us == 0)
			tp->t_srtt_us = 1;
	}
	rto = tp->t_srtt_us + MAX(4 * tp->t_rttvar_us, 1000U);
	tp->t_rto_us = MIN(MAX(rto, tp->t_rttmin_us), TCP_RTO_MAX_US);
}

static void
tcp_timer_rexmt(struct tcpcb *tp)
{
	int limit = TCPS_HAVERCVDSYN(tp->t_state) &&
	    tp->t_state != TCPS_SYN_RECEIVED ? TCP_MAXRXTSHIFT : tp->t_syncnt;

	if (tp->snd_una == tp->snd_max && !(tp->t_state == TCPS_SYN_SENT ||
	    tp->t_state == TCPS_SYN_RECEIVED))
		return;
	if (++tp->t_rxtshift > limit) {
		TCPSTAT_INC(tcps_timeoutdrop);
		(void)tcp_drop(tp, ETIMEDOUT);
		return;
	}
	TCPSTAT_INC(tcps_rexmttimeo);
	if (tp->t_state == TCPS_SYN_SENT || tp->t_state == TCPS_SYN_RECEIVED)
		tp->t_flags |= TF_RXTSYN;
	else
		tp->t_cc->cc_rto(tp);
	tp->t_flags &= ~(TF_FASTRECOVERY | TF_TLPOUT | TF_TLPREC);
	tp->t_dupacks = 0;
	tp->t_rtttime = 0;
	tp->snd_recover = tp->snd_max;
	tp->t_nsndsack = 0;
	tp->t_sackhint = tp->snd_una;
	tp->snd_nxt = tp->snd_una;
	tcp_rexmt_arm(tp);
	(void)tcp_output(tp);
}

static void
tcp_timer_persist(struct tcpcb *tp)
{
	if (tp->t_rxtshift < TCP_MAXRXTSHIFT)
		tp->t_rxtshift++;
	tp->t_flags |= TF_PERSIST_FORCE;
	(void)tcp_output(tp);
	if (tp->snd_wnd == 0 && tp->t_sndcc > 0 &&
	    !tcp_timer_pending(tp, TCPT_PERSIST))
		tcp_setpersist(tp);
}

static void
tcp_timer_keep(struct tcpcb *tp)
{
	struct socket *so = tp->t_so;

	if (tp->t_state < TCPS_ESTABLISHED) {
		TCPSTAT_INC(tcps_timeoutdrop);
		(void)tcp_drop(tp, ETIMEDOUT);
		return;
	}
	if (so == NULL || (so->so_options & SOO_KEEPALIVE) == 0 ||
	    tp->t_state > TCPS_CLOSE_WAIT)
		return;
	if (tp->t_keepprobes >= tp->t_keepcnt) {
		TCPSTAT_INC(tcps_keepdrops);
		(void)tcp_drop(tp, ETIMEDOUT);
		return;
	}
	/* A probe: an ACK one below snd_una makes the peer answer. */
	(void)tcp_send_segment(tp, tp->snd_una - 1, TH_ACK, 0, 0);
	tp->t_keepprobes++;
	tcp_timer_arm(tp, TCPT_KEEP, (int64_t)tp->t_keepintvl * NSEC_PER_SEC);
}

static void
tcp_timer_fire(struct tcpcb *tp, int which)
{
	switch (which) {
	case TCPT_REXMT:
		tcp_timer_rexmt(tp);
		break;
	case TCPT_PERSIST:
		tcp_timer_persist(tp);
		break;
	case TCPT_KEEP:
		tcp_timer_keep(tp);
		break;
	case TCPT_2MSL:
		(void)tcp_close(tp);
		break;
	case TCPT_DELACK:
		tp->t_flags |= TF_ACKNOW;
		(void)tcp_output(tp);
		break;
	case TCPT_TLP:
		tcp_timer_tlp(tp);
		break;
	}
}

static void
tcp_timer_run(void *arg)
{
	struct tcpcb *tp, *next;
	int64_t now, soonest = 0;
	int i;

	mutex_enter(&inet_lock);
	now = getnanouptime();
	tcp_nextfire = 0;
	for (tp = tcp_first(); tp != NULL; tp = next) {
		next = tp->t_next;
		for (i = 0; i < TCPT_NTIMERS; i++) {
			if (tp->t_timer[i] == 0 || tp->t_timer[i] > now)
				continue;
			tp->t_timer[i] = 0;
			tcp_timer_fire(tp, i);
			/* tp may be gone: stop looking at it. */
			break;
		}
	}
	/* Second pass: what is still armed (including what just fired
	 * again) decides the next wakeup. */
	for (tp = tcp_first(); tp != NULL; tp = tp->t_next)
		for (i = 0; i < TCPT_NTIMERS; i++)
			if (tp->t_timer[i] != 0 &&
			    (soonest == 0 || tp->t_timer[i] < soonest))
				soonest = tp->t_timer[i];
	if (soonest != 0) {
		tcp_nextfire = 0;
		tcp_timer_sched(soonest, now);
	}
	mutex_exit(&inet_lock);
}
