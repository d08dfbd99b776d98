/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_usrreq.c: TCP's socket operations (protosw.h's pr_usrreqs) and
 * its socket options (level IPPROTO_TCP, and IP_TTL/IP_TOS).
 *
 * Called by the socket layer with inet_lock (every AF_INET socket's
 * so_lock) held, except pru_attach from socreate, which takes it.  The
 * socket's so_pcb is its tcpcb; the tcpcb's t_so its socket.  Either
 * may go first: a reset frees the tcpcb and leaves the socket with
 * so_pcb NULL (operations then fail with the socket's error or EPIPE /
 * ENOTCONN), and close() detaches the socket while the tcpcb finishes
 * the connection alone (tcp_var.h).
 *
 * close() (pru_detach): SO_LINGER with a zero time, or unread data,
 * resets the connection (RFC 2525 2.17, as Linux); SO_LINGER with a
 * time waits up to that long for the data and FIN to be acknowledged;
 * otherwise FIN goes after the queued data and the tcpcb lives on.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"
#include "netinet/tcp.h"
#include "netinet/tcp_var.h"

static inline struct tcpcb *
sototcpcb(struct socket *so)
{
	return (struct tcpcb *)so->so_pcb;
}

static int
tcp_attach(struct socket *so, int proto)
{
	struct tcpcb *tp;
	bool locked = mutex_owned(&inet_lock);

	if (proto != IPPROTO_TCP)
		return EPROTONOSUPPORT;
	(void)soreserve(so, TCP_SNDBUF_DEF, TCP_RCVBUF_DEF);
	so->so_lock = &inet_lock;
	if (!locked)
		mutex_enter(&inet_lock);
	tp = tcp_newtcpcb(so);
	tp->request_r_scale = TCP_WSCALE;
	so->so_pcb = tp;
	if (!locked)
		mutex_exit(&inet_lock);
	return 0;
}

/* The user closed the sending direction (RFC 9293 3.10.4). */
static struct tcpcb *
tcp_usrclosed(struct tcpcb *tp)
{
	switch (tp->t_state) {
	case TCPS_CLOSED:
	case TCPS_LISTEN:
	case TCPS_SYN_SENT:
		if (tp->t_state == TCPS_LISTEN)
			tcp_drop_embryos(tp);
		return tcp_close(tp);
	case TCPS_SYN_RECEIVED:
		TCP_STATE_CHANGE(tp, TCPS_SYN_RECEIVED, TCPS_FIN_WAIT_1);
		break;
	case TCPS_ESTABLISHED:
		TCP_STATE_CHANGE(tp, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		TCP_STATE_CHANGE(tp, TCPS_CLOSE_WAIT, TCPS_LAST_ACK);
		break;
	default:
		break;
	}
	if (tp->t_state == TCPS_FIN_WAIT_2 && tp->t_so == NULL)
		tcp_timer_arm(tp, TCPT_2MSL, TCP_FINWAIT2_NS);
	return tp;
}

static void
tcp_detach(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);
	int64_t deadline, now;

	if (tp == NULL)
		return;
	if (so->so_linger.l_onoff && so->so_linger.l_linger > 0 &&
	    tp->t_state >= TCPS_ESTABLISHED && so->so_rcv.sb_cc == 0) {
		/* Linger: FIN now, then wait for it to be acknowledged. */
		tp = tcp_usrclosed(tp);
		if (tp != NULL)
			(void)tcp_output(tp);
		deadline = getnanouptime() +
		    (int64_t)so->so_linger.l_linger * NSEC_PER_SEC;
		while ((tp = sototcpcb(so)) != NULL &&
		    (tp->t_sndcc > 0 || tp->snd_una != tp->snd_max ||
		    !(tp->t_flags & TF_SENTFIN)) &&
		    (now = getnanouptime()) < deadline)
			(void)cv_timedwait(&so->so_snd.sb_cv, so->so_lock,
			    deadline - now);
		if (tp == NULL)
			return;
	}
	so->so_pcb = NULL;
	tp->t_so = NULL;
	tp->t_flags |= TF_DETACHED;
	if ((so->so_linger.l_onoff && so->so_linger.l_linger == 0) ||
	    so->so_rcv.sb_cc > 0) {
		if (tp->t_state == TCPS_LISTEN)
			tcp_drop_embryos(tp);
		(void)tcp_drop(tp, 0);
		return;
	}
	tp = tcp_usrclosed(tp);
	if (tp != NULL) {
		if (tp->t_state == TCPS_FIN_WAIT_2)
			tcp_timer_arm(tp, TCPT_2MSL, TCP_FINWAIT2_NS);
		(void)tcp_output(tp);
	}
}

static void
tcp_abort(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp != NULL)
		(void)tcp_drop(tp, ECONNABORTED);
}

static int
tcp_usr_bind(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	struct tcpcb *tp = sototcpcb(so);
	uint32_t addr;
	uint16_t port;
	int error;

	if (tp == NULL)
		return EINVAL;
	error = in_sin(nam, namlen, &addr, &port);
	if (error != 0)
		return error;
	if (in_isbroadcast(addr, NULL) || IN_CLASSD(ntohl(addr)))
		return EADDRNOTAVAIL;
	return tcp_bind(tp, addr, port);
}

static int
tcp_listen(struct socket *so, struct lwp *l)
{
	struct tcpcb *tp = sototcpcb(so);
	int error;

	if (tp == NULL || tp->t_state != TCPS_CLOSED)
		return EINVAL;
	if (tp->t_lport == 0) {
		error = tcp_bind(tp, 0, 0);
		if (error != 0)
			return error;
	}
	TCP_STATE_CHANGE(tp, TCPS_CLOSED, TCPS_LISTEN);
	return 0;
}

static int
tcp_connect(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	struct tcpcb *tp = sototcpcb(so);
	uint32_t addr;
	uint16_t port;
	int error;

	if (tp == NULL)
		return so->so_error != 0 ? so->so_error : EINVAL;
	if (tp->t_state != TCPS_CLOSED)
		return EISCONN;
	error = in_sin(nam, namlen, &addr, &port);
	if (error != 0)
		return error;
	error = tcp_connect_addr(tp, addr, port);
	if (error != 0)
		return error;
	tp->iss = tcp_new_isn(tp->t_laddr, tp->t_lport, tp->t_faddr,
	    tp->t_fport);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->snd_recover = tp->iss;
	tp->t_sackhint = tp->iss;
	tcp_setmss(tp);
	TCP_STATE_CHANGE(tp, TCPS_CLOSED, TCPS_SYN_SENT);
	soisconnecting(so);
	TCPSTAT_INC(tcps_connattempt);
	return tcp_output(tp) == 0 ? 0 : 0;
}

static int
tcp_accept(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp == NULL) {
		in_setsockaddr(0, 0, nam, lenp);
		return 0;
	}
	in_setsockaddr(tp->t_faddr, tp->t_fport, nam, lenp);
	return 0;
}

static int
tcp_disconnect(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp == NULL)
		return ENOTCONN;
	tp = tcp_usrclosed(tp);
	if (tp != NULL)
		(void)tcp_output(tp);
	return 0;
}

static int
tcp_shutdown(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp == NULL)
		return 0;
	tp = tcp_usrclosed(tp);
	if (tp != NULL)
		(void)tcp_output(tp);
	return 0;
}

static int
tcp_send(struct socket *so, struct mbuf *m, const struct rump_sockaddr *nam,
    size_t namlen, struct mbuf *control, int flags, struct lwp *l)
{
	struct tcpcb *tp = sototcpcb(so);
	struct mbuf *t;
	int error = 0;

	m_freem(control);
	if (tp == NULL) {
		error = so->so_error != 0 ? so->so_error : EPIPE;
		goto bad;
	}
	if (tp->t_state != TCPS_ESTABLISHED &&
	    tp->t_state != TCPS_CLOSE_WAIT) {
		error = tp->t_state < TCPS_ESTABLISHED ? ENOTCONN : EPIPE;
		goto bad;
	}
	if (m == NULL)
		return 0;
	tp->t_sndcc += m->m_pkthdr.len;
	if (tp->t_sndq == NULL) {
		tp->t_sndq = m;
	} else {
		for (t = tp->t_sndq; t->m_next != NULL; t = t->m_next)
			continue;
		t->m_next = m;
	}
	if (flags & MSG_OOB) {
		/*
		 * Urgent mode up to the octet after this data (Linux's
		 * default, tcp_stdurg=0; docs/tcp.md).  The notification
		 * must not wait for Nagle or a closed window: TF_ACKNOW
		 * makes tcp_output send a segment now, with what data the
		 * window allows or none; it carries URG and the pointer.
		 */
		tp->snd_up = tp->snd_una + (uint32_t)tp->t_sndcc;
		tp->t_flags |= TF_SNDURG | TF_ACKNOW;
	}
	(void)tcp_output(tp);
	return 0;
bad:
	m_freem(m);
	return error;
}

static int
tcp_rcvd(struct socket *so, int flags)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp != NULL && TCPS_HAVERCVDSYN(tp->t_state))
		(void)tcp_output(tp);
	return 0;
}

static int
tcp_ioctl(struct socket *so, unsigned long cmd, void *data)
{
	int error;

	mutex_exit(so->so_lock);
	error = ifioctl(cmd, data, curlwp);
	mutex_enter(so->so_lock);
	return error;
}

static const uint8_t tcp_linux_state[TCPS_NSTATES] = {
	[TCPS_CLOSED] = TCP_CLOSE, [TCPS_LISTEN] = TCP_LISTEN,
	[TCPS_SYN_SENT] = TCP_SYN_SENT, [TCPS_SYN_RECEIVED] = TCP_SYN_RECV,
	[TCPS_ESTABLISHED] = TCP_ESTABLISHED,
	[TCPS_CLOSE_WAIT] = TCP_CLOSE_WAIT, [TCPS_FIN_WAIT_1] = TCP_FIN_WAIT1,
	[TCPS_CLOSING] = TCP_CLOSING, [TCPS_LAST_ACK] = TCP_LAST_ACK,
	[TCPS_FIN_WAIT_2] = TCP_FIN_WAIT2, [TCPS_TIME_WAIT] = TCP_TIME_WAIT,
};

static void
tcp_fill_info(const struct tcpcb *tp, struct rump_tcp_info *ti)
{
	int64_t now = getnanouptime();
	uint32_t mss = MAX(tp->t_maxseg, 1U);

	memset(ti, 0, sizeof(*ti));
	if (tp == NULL) {
		ti->tcpi_state = TCP_CLOSE;
		return;
	}
	ti->tcpi_state = tcp_linux_state[tp->t_state];
	ti->tcpi_ca_state = (tp->t_flags & TF_FASTRECOVERY) ? 3 : 0;
	ti->tcpi_retransmits = (uint8_t)MIN(tp->t_rxtshift, 255);
	ti->tcpi_backoff = (uint8_t)MIN(tp->t_rxtshift, 255);
	if (tp->t_flags & TF_RCVD_TSTMP)
		ti->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (tp->t_flags & TF_SACK_PERMIT)
		ti->tcpi_options |= TCPI_OPT_SACK;
	if (tp->t_flags & TF_RCVD_SCALE) {
		ti->tcpi_options |= TCPI_OPT_WSCALE;
		ti->tcpi_wscale = (uint8_t)((tp->snd_scale & 0xf) |
		    (tp->rcv_scale << 4));
	}
	ti->tcpi_rto = tp->t_rto_us;
	ti->tcpi_ato = (uint32_t)(TCP_DELACK_NS / 1000);
	ti->tcpi_snd_mss = tp->t_maxseg;
	ti->tcpi_rcv_mss = tp->t_advmss != 0 ? tp->t_advmss : tp->t_maxseg;
	ti->tcpi_unacked = (tp->snd_max - tp->snd_una + mss - 1) / mss;
	ti->tcpi_sacked = (uint32_t)(tcp_sack_sacked_bytes(tp) / mss);
	ti->tcpi_last_data_sent = tp->t_sndtime != 0 ?
	    (uint32_t)((now - tp->t_sndtime) / NSEC_PER_MSEC) : 0;
	ti->tcpi_last_data_recv = tp->t_rcvdatatime != 0 ?
	    (uint32_t)((now - tp->t_rcvdatatime) / NSEC_PER_MSEC) : 0;
	ti->tcpi_last_ack_recv = (uint32_t)((now - tp->t_rcvtime) /
	    NSEC_PER_MSEC);
	ti->tcpi_pmtu = tp->t_pmtu != 0 ? tp->t_pmtu : tp->t_maxseg + 40;
	ti->tcpi_rcv_ssthresh = tp->rcv_wnd;
	ti->tcpi_rtt = tp->t_srtt_us;
	ti->tcpi_rttvar = tp->t_rttvar_us;
	ti->tcpi_snd_ssthresh = tp->snd_ssthresh >= UINT32_MAX / 4 ?
	    0x7fffffff : tp->snd_ssthresh / mss;
	ti->tcpi_snd_cwnd = tp->snd_cwnd / mss;
	ti->tcpi_advmss = tp->t_advmss;
	ti->tcpi_reordering = 3;
	ti->tcpi_rcv_space = tp->rcv_wnd;
	ti->tcpi_total_retrans = (uint32_t)tp->t_totrexmt;
}

static int
sopt_int(const struct sockopt *sopt, int *vp)
{
	if (sopt->sopt_size < sizeof(int))
		return EINVAL;
	memcpy(vp, sopt->sopt_val, sizeof(int));
	return 0;
}

static void
sopt_putint(struct sockopt *sopt, int v)
{
	sopt->sopt_size = MIN(sopt->sopt_size, sizeof(int));
	memcpy(sopt->sopt_val, &v, sopt->sopt_size);
}

static int
tcp_ctlset(struct socket *so, struct tcpcb *tp, struct sockopt *sopt)
{
	char name[TCP_CA_NAME_MAX];
	const struct tcp_cc *cc;
	int v, error;

	if (sopt->sopt_name == TCP_CONGESTION) {
		size_t n = MIN(sopt->sopt_size, sizeof(name) - 1);

		memcpy(name, sopt->sopt_val, n);
		name[n] = '\0';
		cc = tcp_cc_lookup(name);
		if (cc == NULL)
			return ENOENT;
		if (cc != tp->t_cc) {
			tp->t_cc = cc;
			cc->cc_init(tp);
		}
		return 0;
	}
	if ((error = sopt_int(sopt, &v)) != 0)
		return error;
	switch (sopt->sopt_name) {
	case TCP_NODELAY:
		if (v)
			tp->t_flags |= TF_NODELAY;
		else
			tp->t_flags &= ~TF_NODELAY;
		(void)tcp_output(tp);
		return 0;
	case TCP_CORK:
		if (v) {
			tp->t_flags |= TF_CORK;
		} else {
			tp->t_flags &= ~TF_CORK;
			tp->t_flags |= TF_NODELAY;
			(void)tcp_output(tp);
			tp->t_flags &= ~TF_NODELAY;
		}
		return 0;
	case TCP_MAXSEG:
		if (v != 0 && (v < TCP_MSS_MIN || v > 65495))
			return EINVAL;
		tp->t_usermss = (uint32_t)v;
		if (tp->t_state != TCPS_CLOSED && tp->t_state != TCPS_LISTEN)
			tcp_setmss(tp);
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return EINVAL;
		if (sopt->sopt_name == TCP_KEEPIDLE)
			tp->t_keepidle = v;
		else
			tp->t_keepintvl = v;
		if (tp->t_state >= TCPS_ESTABLISHED &&
		    tp->t_state <= TCPS_CLOSE_WAIT &&
		    (so->so_options & SOO_KEEPALIVE))
			tcp_timer_arm(tp, TCPT_KEEP,
			    (int64_t)tp->t_keepidle * NSEC_PER_SEC);
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return EINVAL;
		tp->t_keepcnt = v;
		return 0;
	case TCP_SYNCNT:
		if (v < 1 || v > 127)
			return EINVAL;
		tp->t_syncnt = v;
		return 0;
	case TCP_QUICKACK:
		if (v) {
			tp->t_flags |= TF_QUICKACK;
			if (tp->t_flags & TF_DELACK) {
				tp->t_flags |= TF_ACKNOW;
				(void)tcp_output(tp);
			}
		} else {
			tp->t_flags &= ~TF_QUICKACK;
		}
		return 0;
	}
	return ENOPROTOOPT;
}

static int
tcp_ctlget(struct tcpcb *tp, struct sockopt *sopt)
{
	struct rump_tcp_info ti;
	size_t n;

	switch (sopt->sopt_name) {
	case TCP_NODELAY:
		sopt_putint(sopt, (tp->t_flags & TF_NODELAY) != 0);
		return 0;
	case TCP_CORK:
		sopt_putint(sopt, (tp->t_flags & TF_CORK) != 0);
		return 0;
	case TCP_MAXSEG:
		sopt_putint(sopt, (int)(TCPS_HAVERCVDSYN(tp->t_state) ?
		    tp->t_maxseg : (tp->t_usermss != 0 ? tp->t_usermss :
		    TCP_MSS_DEFAULT)));
		return 0;
	case TCP_KEEPIDLE:
		sopt_putint(sopt, tp->t_keepidle);
		return 0;
	case TCP_KEEPINTVL:
		sopt_putint(sopt, tp->t_keepintvl);
		return 0;
	case TCP_KEEPCNT:
		sopt_putint(sopt, tp->t_keepcnt);
		return 0;
	case TCP_SYNCNT:
		sopt_putint(sopt, tp->t_syncnt);
		return 0;
	case TCP_QUICKACK:
		sopt_putint(sopt, (tp->t_flags & TF_QUICKACK) != 0);
		return 0;
	case TCP_INFO:
		tcp_fill_info(tp, &ti);
		n = MIN(sopt->sopt_size, sizeof(ti));
		memcpy(sopt->sopt_val, &ti, n);
		sopt->sopt_size = n;
		return 0;
	case TCP_CONGESTION:
		n = MIN(sopt->sopt_size, (size_t)TCP_CA_NAME_MAX);
		memset(sopt->sopt_val, 0, n);
		memcpy(sopt->sopt_val, tp->t_cc->cc_name,
		    MIN(n, strlen(tp->t_cc->cc_name)));
		sopt->sopt_size = n;
		return 0;
	}
	return ENOPROTOOPT;
}

static int
tcp_ctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct tcpcb *tp = sototcpcb(so);
	int v, error;

	if (sopt->sopt_level == IPPROTO_IP) {
		if (tp == NULL)
			return EINVAL;
		if (sopt->sopt_name != IP_TTL && sopt->sopt_name != IP_TOS)
			return ENOPROTOOPT;
		if (op == SOPT_GET) {
			if (sopt->sopt_size < sizeof(int))
				return EINVAL;
			sopt_putint(sopt, sopt->sopt_name == IP_TTL ?
			    tp->t_ttl : tp->t_tos);
			return 0;
		}
		if ((error = sopt_int(sopt, &v)) != 0)
			return error;
		if (sopt->sopt_name == IP_TTL) {
			if (v == -1)
				v = IP_DEFTTL;
			if (v < 1 || v > 255)
				return EINVAL;
			tp->t_ttl = v;
		} else {
			tp->t_tos = v & 0xff;
		}
		return 0;
	}
	if (sopt->sopt_level != IPPROTO_TCP)
		return ENOPROTOOPT;
	if (tp == NULL) {
		if (op == SOPT_GET && sopt->sopt_name == TCP_INFO) {
			struct rump_tcp_info ti;
			size_t n = MIN(sopt->sopt_size, sizeof(ti));

			memset(&ti, 0, sizeof(ti));
			ti.tcpi_state = TCP_CLOSE;
			memcpy(sopt->sopt_val, &ti, n);
			sopt->sopt_size = n;
			return 0;
		}
		return so->so_error != 0 ? so->so_error : EINVAL;
	}
	return op == SOPT_SET ? tcp_ctlset(so, tp, sopt) :
	    tcp_ctlget(tp, sopt);
}

static int
tcp_sockaddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp == NULL)
		in_setsockaddr(0, 0, nam, lenp);
	else
		in_setsockaddr(tp->t_laddr, tp->t_lport, nam, lenp);
	return 0;
}

static int
tcp_peeraddr(struct socket *so, struct rump_sockaddr_storage *nam,
    size_t *lenp)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp == NULL || tp->t_faddr == 0 || tp->t_state < TCPS_ESTABLISHED)
		return ENOTCONN;
	in_setsockaddr(tp->t_faddr, tp->t_fport, nam, lenp);
	return 0;
}

static size_t
tcp_sendspace(struct socket *so)
{
	struct tcpcb *tp = sototcpcb(so);

	if (tp == NULL)
		return so->so_snd.sb_hiwat;
	return tp->t_sndcc >= so->so_snd.sb_hiwat ? 0 :
	    so->so_snd.sb_hiwat - tp->t_sndcc;
}

/* Linux reports a failed or reset connection as writable too (the
 * write then returns the error). */
static int
tcp_poll(struct socket *so, int events)
{
	if (so->so_error != 0 || so->so_state == SS_DISCONNECTED)
		return POLLOUT | POLLWRNORM;
	return 0;
}

const struct pr_usrreqs tcp_usrreqs = {
	.pru_attach = tcp_attach,
	.pru_detach = tcp_detach,
	.pru_abort = tcp_abort,
	.pru_bind = tcp_usr_bind,
	.pru_listen = tcp_listen,
	.pru_connect = tcp_connect,
	.pru_accept = tcp_accept,
	.pru_disconnect = tcp_disconnect,
	.pru_shutdown = tcp_shutdown,
	.pru_send = tcp_send,
	.pru_rcvd = tcp_rcvd,
	.pru_ioctl = tcp_ioctl,
	.pru_ctloutput = tcp_ctloutput,
	.pru_sockaddr = tcp_sockaddr,
	.pru_peeraddr = tcp_peeraddr,
	.pru_sendspace = tcp_sendspace,
	.pru_poll = tcp_poll,
};
