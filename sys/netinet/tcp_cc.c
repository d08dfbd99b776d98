/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_cc.c: congestion control.  Slow start and the per-ACK dispatch are
 * common (RFC 5681 3.1, with appropriate byte counting, RFC 3465, L = 2);
 * congestion avoidance and the reaction to loss are per algorithm:
 *	newreno  RFC 5681 / RFC 6582: +1 MSS per window, halve on loss
 *	cubic    RFC 8312: W(t) = C (t - K)^3 + W_max, beta 0.7, C 0.4,
 *	         fast convergence and the Reno-friendly region (default)
 * Chosen per socket with TCP_CONGESTION (tcp_cc_lookup).  Windows are in
 * bytes, times in ms.  Called from tcp_input/tcp_timer with inet_lock.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "netinet/tcp.h"
#include "netinet/tcp_var.h"

#define TCP_CWND_MAX (4U * TCP_BUF_MAX)

static uint32_t
tcp_flight(const struct tcpcb *tp)
{
	return tp->snd_max - tp->snd_una;
}

void
tcp_cc_ack_received(struct tcpcb *tp, size_t acked)
{
	if (tp->snd_cwnd < tp->snd_ssthresh) {
		/* RFC 3465's limit of 2 MSS per ACK, but a whole TSO
		 * segment when we send them: a receiver that aggregates
		 * (Linux's GRO) ACKs each one once, and 2 MSS per ACK would
		 * make slow start grow by a few percent per round trip. */
		tp->snd_cwnd += (uint32_t)MIN(acked,
		    MAX(2 * (size_t)tp->t_maxseg, (size_t)tp->t_tsomax));
	} else {
		tp->t_cc->cc_ack(tp, acked);
	}
	if (tp->snd_cwnd > TCP_CWND_MAX)
		tp->snd_cwnd = TCP_CWND_MAX;
}

/* --- NewReno --- */

static void
newreno_init(struct tcpcb *tp)
{
	tp->t_bytes_acked = 0;
}

static void
newreno_ack(struct tcpcb *tp, size_t acked)
{
	tp->t_bytes_acked += acked;
	if (tp->t_bytes_acked >= tp->snd_cwnd) {
		tp->t_bytes_acked -= tp->snd_cwnd;
		tp->snd_cwnd += tp->t_maxseg;
	}
}

static void
newreno_loss(struct tcpcb *tp)
{
	tp->snd_ssthresh = MAX(tcp_flight(tp) / 2, 2 * tp->t_maxseg);
	tp->snd_cwnd = tp->snd_ssthresh;
	tp->t_bytes_acked = 0;
}

static void
newreno_rto(struct tcpcb *tp)
{
	tp->snd_ssthresh = MAX(tcp_flight(tp) / 2, 2 * tp->t_maxseg);
	tp->snd_cwnd = tp->t_maxseg;
	tp->t_bytes_acked = 0;
}

const struct tcp_cc tcp_cc_newreno = {
	.cc_name = "reno",
	.cc_init = newreno_init,
	.cc_ack = newreno_ack,
	.cc_loss = newreno_loss,
	.cc_rto = newreno_rto,
};

/* --- CUBIC --- */

/* Integer cube root (floor). */
static uint64_t
icbrt(uint64_t x)
{
	uint64_t r = 0;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		uint64_t b;

		r <<= 1;
		b = 3 * r * (r + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			r++;
		}
	}
	return r;
}

static void
cubic_init(struct tcpcb *tp)
{
	tp->cub_wmax = 0;
	tp->cub_lastmax = 0;
	tp->cub_epoch = 0;
	tp->t_bytes_acked = 0;
}

static void
cubic_ack(struct tcpcb *tp, size_t acked)
{
	int64_t now = getnanouptime(), t, d;
	uint64_t mss = tp->t_maxseg, target, diff;
	uint64_t cwnd = tp->snd_cwnd;

	if (tp->cub_epoch == 0) {
		tp->cub_epoch = now;
		if (cwnd < tp->cub_wmax) {
			diff = tp->cub_wmax - cwnd;
			/* K (ms) = cbrt((W_max - cwnd) / (C mss)) s */
			tp->cub_k_ms = icbrt(diff * 2500000000ULL / mss);
			tp->cub_origin = tp->cub_wmax;
		} else {
			tp->cub_k_ms = 0;
			tp->cub_origin = (uint32_t)cwnd;
		}
		tp->cub_west = cwnd;
	}
	t = (now - tp->cub_epoch) / NSEC_PER_MSEC + tp->t_srtt_us / 1000;
	d = t - (int64_t)tp->cub_k_ms;
	d = MAX(MIN(d, 20000), -20000);
	/* C (t - K)^3 in bytes: 0.4 * d^3 / 1e9 segments. */
	if (d >= 0)
		target = tp->cub_origin + (uint64_t)(4 * d * d * d) * mss /
		    10000000000ULL;
	else {
		uint64_t dec = (uint64_t)(4 * -d * -d * -d) * mss /
		    10000000000ULL;

		target = dec < tp->cub_origin ? tp->cub_origin - dec : mss;
	}
	target = MIN(target, cwnd + cwnd / 2);
	/* Reno-friendly estimate: 3 (1 - b) / (1 + b) = 0.529 per window. */
	tp->cub_west += 529 * mss * acked / (1000 * cwnd);
	if (tp->cub_west > target)
		target = tp->cub_west;
	if (target > cwnd) {
		tp->t_bytes_acked += (target - cwnd) * acked;
		if (tp->t_bytes_acked >= cwnd) {
			tp->snd_cwnd += (uint32_t)(tp->t_bytes_acked / cwnd);
			tp->t_bytes_acked %= cwnd;
		}
	}
}

static void
cubic_reduce(struct tcpcb *tp)
{
	uint32_t cwnd = tp->snd_cwnd;

	tp->cub_epoch = 0;
	/* Fast convergence (RFC 8312 4.6). */
	if (cwnd < tp->cub_lastmax)
		tp->cub_wmax = (uint32_t)((uint64_t)cwnd * 17 / 20);
	else
		tp->cub_wmax = cwnd;
	tp->cub_lastmax = cwnd;
	tp->snd_ssthresh = MAX((uint32_t)((uint64_t)cwnd * 7 / 10),
	    2 * tp->t_maxseg);
	tp->t_bytes_acked = 0;
}

static void
cubic_loss(struct tcpcb *tp)
{
	cubic_reduce(tp);
	tp->snd_cwnd = tp->snd_ssthresh;
}

static void
cubic_rto(struct tcpcb *tp)
{
	cubic_reduce(tp);
	tp->snd_cwnd = tp->t_maxseg;
}

const struct tcp_cc tcp_cc_cubic = {
	.cc_name = "cubic",
	.cc_init = cubic_init,
	.cc_ack = cubic_ack,
	.cc_loss = cubic_loss,
	.cc_rto = cubic_rto,
};

const struct tcp_cc *
tcp_cc_lookup(const char *name)
{
	if (strcmp(name, "cubic") == 0)
		return &tcp_cc_cubic;
	if (strcmp(name, "reno") == 0 || strcmp(name, "newreno") == 0)
		return &tcp_cc_newreno;
	return NULL;
}
