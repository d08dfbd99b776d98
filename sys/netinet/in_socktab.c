/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * in_socktab.c: the AF_INET socket table (RUMP_SIOCGSOCKTABLE), what
 * netstat lists: every TCP connection block (including those whose
 * socket is closed and that still send their FIN or wait in TIME_WAIT,
 * and a listener's embryonic connections), every UDP socket and every
 * raw IP socket, with addresses, queue sizes and the TCP state.
 *
 * The walk runs under inet_lock, which covers the three tables, the
 * tcpcbs and the sockets' buffers; it only reads.  The records are made
 * here and copied out by nettab_ioctl (net_tables.c) after the lock is
 * dropped.  Caller: in_sockioctl (in_proto.c), from ifioctl.
 *
 * Locking: inet_lock, taken and dropped here; called without it (the
 * protocols' ioctl entry points drop the socket lock first).
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "net/net_tables.h"
#include "netinet/in_impl.h"
#include "netinet/tcp_var.h"

/* Our TCP states in Linux's numbering, as the record says. */
static const uint8_t in_socktab_tcpstate[TCPS_NSTATES] = {
	[TCPS_CLOSED] = TCP_CLOSE,
	[TCPS_LISTEN] = TCP_LISTEN,
	[TCPS_SYN_SENT] = TCP_SYN_SENT,
	[TCPS_SYN_RECEIVED] = TCP_SYN_RECV,
	[TCPS_ESTABLISHED] = TCP_ESTABLISHED,
	[TCPS_CLOSE_WAIT] = TCP_CLOSE_WAIT,
	[TCPS_FIN_WAIT_1] = TCP_FIN_WAIT1,
	[TCPS_CLOSING] = TCP_CLOSING,
	[TCPS_LAST_ACK] = TCP_LAST_ACK,
	[TCPS_FIN_WAIT_2] = TCP_FIN_WAIT2,
	[TCPS_TIME_WAIT] = TCP_TIME_WAIT,
};

static uint32_t
in_socktab_clamp(size_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* One TCP record (inet_lock held). */
static void
in_socktab_tcp(const struct tcpcb *tp, struct rump_sockrec *sr)
{
	const struct socket *so = tp->t_so;

	sr->sr_type = SOCK_STREAM;
	sr->sr_protocol = IPPROTO_TCP;
	sr->sr_state = (unsigned)tp->t_state < TCPS_NSTATES ?
	    in_socktab_tcpstate[tp->t_state] : 0;
	sr->sr_laddr = tp->t_laddr;
	sr->sr_faddr = tp->t_faddr;
	sr->sr_lport = tp->t_lport;
	sr->sr_fport = tp->t_fport;
	if (so == NULL) {
		sr->sr_flags |= SR_NOSOCKET;
		sr->sr_sendq = in_socktab_clamp(tp->t_sndcc);
		return;
	}
	sr->sr_pid = so->so_cpid;
	if (tp->t_state == TCPS_LISTEN) {
		/* As Linux reports a listener: the accept queue and its
		 * limit. */
		sr->sr_recvq = (uint32_t)MAX(so->so_qlen, 0);
		sr->sr_sendq = (uint32_t)MAX(so->so_qlimit, 0);
		return;
	}
	sr->sr_recvq = in_socktab_clamp(so->so_rcv.sb_cc);
	sr->sr_sendq = in_socktab_clamp(tp->t_sndcc);
}

/* One UDP or raw IP record (inet_lock held). */
static void
in_socktab_inp(const struct inpcb *inp, int type, struct rump_sockrec *sr)
{
	const struct socket *so = inp->inp_socket;

	sr->sr_type = (uint16_t)type;
	sr->sr_protocol = (uint16_t)inp->inp_proto;
	sr->sr_laddr = inp->inp_laddr;
	sr->sr_faddr = inp->inp_faddr;
	sr->sr_lport = inp->inp_lport;
	sr->sr_fport = inp->inp_fport;
	if (so == NULL) {
		sr->sr_flags |= SR_NOSOCKET;
		return;
	}
	sr->sr_pid = so->so_cpid;
	sr->sr_recvq = in_socktab_clamp(so->so_rcv.sb_cc);
	sr->sr_sendq = in_socktab_clamp(so->so_snd.sb_cc);
}

/* nettab_fill_t for RUMP_SIOCGSOCKTABLE (takes inet_lock). */
static unsigned
in_socktab_fill(void *buf, unsigned max, void *arg)
{
	static const struct {
		struct inpcb_table *t;
		int type;
	} tabs[] = {
		{ &udbtable, SOCK_DGRAM },
		{ &rawtable, SOCK_RAW },
	};
	struct rump_sockrec *sr = buf;
	const struct tcpcb *tp;
	const struct inpcb *inp;
	unsigned n = 0, i;

	(void)arg;
	mutex_enter(&inet_lock);
	for (tp = tcp_first(); tp != NULL; tp = tp->t_next, n++) {
		if (n >= max)
			continue;
		memset(&sr[n], 0, sizeof(sr[n]));
		sr[n].sr_family = AF_INET;
		in_socktab_tcp(tp, &sr[n]);
	}
	for (i = 0; i < nitems(tabs); i++) {
		for (inp = tabs[i].t->inpt_list; inp != NULL;
		    inp = inp->inp_next, n++) {
			if (n >= max)
				continue;
			memset(&sr[n], 0, sizeof(sr[n]));
			sr[n].sr_family = AF_INET;
			in_socktab_inp(inp, tabs[i].type, &sr[n]);
		}
	}
	mutex_exit(&inet_lock);
	return n;
}

int
in_socktab_ioctl(void *data)
{
	return nettab_ioctl(data, sizeof(struct rump_sockrec),
	    in_socktab_fill, NULL);
}
