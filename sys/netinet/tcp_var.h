/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp_var.h: TCP's connection block (struct tcpcb), its states, timers,
 * congestion control interface and the entry points shared by the
 * tcp_*.c files.
 *
 * Layers and callers:
 *	socket layer -> tcp_usrreqs (tcp_usrreq.c) -> tcp_output
 *	    (tcp_output.c) -> ip_output
 *	netisr thread -> ip_input -> tcp_input (tcp_input.c) -> sbappendstream,
 *	    soisconnected, ..., tcp_output
 *	icmp_input -> tcp_ctlinput (tcp_subr.c)
 *	tcp_timer_ch callout (tcp_timer.c) -> tcp_timer_* -> tcp_output
 *	tcp_output, tcp_input -> tcp_cc_* (tcp_cc.c: NewReno, CUBIC)
 *
 * A tcpcb outlives its socket: close() detaches the socket at once
 * (soclose frees it), and the tcpcb goes on alone to send what is
 * queued, its FIN, and to wait in TIME_WAIT.  So the send queue is the
 * tcpcb's own (t_sndq, from snd_una on), never so_snd, and every use of
 * t_so checks for NULL.  so_snd.sb_hiwat is only the limit that
 * tcp_sendspace() reports to the socket layer.
 *
 * States (t_state), RFC 9293 figure 5; changed only through
 * TCP_STATE_CHANGE, which asserts the transition:
 *
 *	CLOSED       -> LISTEN        listen()              (user)
 *	CLOSED       -> SYN_SENT      connect()             (user)
 *	CLOSED       -> SYN_RECEIVED  SYN to a listener (new tcpcb)  (input)
 *	SYN_SENT     -> SYN_RECEIVED  simultaneous open     (input)
 *	SYN_SENT     -> ESTABLISHED   SYN,ACK               (input)
 *	SYN_RECEIVED -> ESTABLISHED   ACK of our SYN        (input)
 *	SYN_RECEIVED -> FIN_WAIT_1    close                 (user)
 *	SYN_RECEIVED -> CLOSE_WAIT    FIN with the ACK      (input)
 *	ESTABLISHED  -> FIN_WAIT_1    close/shutdown        (user)
 *	ESTABLISHED  -> CLOSE_WAIT    FIN                   (input)
 *	FIN_WAIT_1   -> FIN_WAIT_2    our FIN acked         (input)
 *	FIN_WAIT_1   -> CLOSING       FIN (simultaneous close) (input)
 *	FIN_WAIT_1   -> TIME_WAIT     FIN and ACK of ours   (input)
 *	FIN_WAIT_2   -> TIME_WAIT     FIN                   (input)
 *	CLOSING      -> TIME_WAIT     our FIN acked         (input)
 *	CLOSE_WAIT   -> LAST_ACK      close/shutdown        (user)
 *	any          -> CLOSED        RST, abort, timeout, LAST_ACK acked,
 *	                              TIME_WAIT over        (all)
 * A CLOSED tcpcb is unlinked and freed by tcp_close at once.
 *
 * Locking: one lock, [N] inet_lock, covers every tcpcb, the tables and
 * the sockets (their so_lock).  [T] the timer list is also inet_lock.
 * [I] immutable after creation.  Lock order: inet_lock > in_lock >
 * rt_lock > if_lock (ip_output is called with inet_lock held; lo0
 * and drivers queue input, so it never recurses into tcp_input).
 */
#ifndef _SYS_NETINET_TCP_VAR_H_
#define _SYS_NETINET_TCP_VAR_H_

#include "kern/kern.h"
#include "kern/lock.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"
#include "netinet/tcp.h"

enum tcp_state {
	TCPS_CLOSED,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,
	TCPS_FIN_WAIT_1,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_2,
	TCPS_TIME_WAIT,
	TCPS_NSTATES
};
/* Has the connection received a SYN (synchronized states)? */
#define TCPS_HAVERCVDSYN(s) ((s) >= TCPS_SYN_RECEIVED)
/* Have we sent our FIN (no more data may be queued)? */
#define TCPS_HAVESENTFIN(s) ((s) >= TCPS_FIN_WAIT_1 && (s) != TCPS_CLOSE_WAIT)

struct tcpcb;
#ifdef DIAGNOSTIC
void tcp_state_assert(const struct tcpcb *tp, enum tcp_state from,
    enum tcp_state to);
#define TCP_STATE_CHANGE(tp, from, to) do {				\
	tcp_state_assert((tp), (from), (to));				\
	(tp)->t_state = (to);						\
} while (0)
#else
#define TCP_STATE_CHANGE(tp, from, to) ((tp)->t_state = (to))
#endif

/* Timers: deadlines in monotonic ns, 0 when off. */
enum {
	TCPT_REXMT,                        /* retransmission / SYN retry */
	TCPT_PERSIST,                      /* zero-window probe */
	TCPT_KEEP,                         /* keepalive / connect timeout */
	TCPT_2MSL,                         /* TIME_WAIT, FIN_WAIT_2 idle */
	TCPT_DELACK,                       /* delayed ACK */
	TCPT_TLP,                          /* tail loss probe (RFC 8985 7) */
	TCPT_NTIMERS
};

/* A segment waiting in the out-of-order queue. */
struct tcp_qent {
	struct tcp_qent *q_next;
	tcp_seq q_seq;
	size_t q_len;                      /* data bytes (m's length) */
	bool q_fin;
	struct mbuf *q_m;                  /* data only */
};

/* A SACKed range of the send sequence space. */
struct tcp_sackblk {
	tcp_seq start, end;
};
#define TCP_MAXSACK 4                      /* blocks we send */
#define TCP_SNDSACKMAX 64                  /* scoreboard entries */

struct tcpcb;
struct tcp_cc {
	const char *cc_name;
	void (*cc_init)(struct tcpcb *tp);
	/* New data acked (not during recovery). */
	void (*cc_ack)(struct tcpcb *tp, size_t acked);
	/* Loss detected by duplicate ACKs / SACK: set ssthresh. */
	void (*cc_loss)(struct tcpcb *tp);
	/* Retransmission timeout. */
	void (*cc_rto)(struct tcpcb *tp);
};
extern const struct tcp_cc tcp_cc_newreno, tcp_cc_cubic;
const struct tcp_cc *tcp_cc_lookup(const char *name);

struct tcpcb {
	/* [N] identity and links */
	struct socket *t_so;               /* NULL once detached */
	uint32_t t_laddr, t_faddr;
	uint16_t t_lport, t_fport;
	struct tcpcb *t_next, **t_prevp;   /* all tcpcbs */
	struct tcpcb *t_pnext, **t_pprevp; /* port hash (bound) */
	struct tcpcb *t_cnext, **t_cprevp; /* connection hash */
	struct tcpcb *t_twnext, **t_twprevp; /* TIME_WAIT list, oldest first */
	bool t_inporthash, t_inconnhash, t_intw;
	struct tcpcb *t_listen;            /* embryonic: our listener */
	int t_nembryo;                     /* listener: SYN_RECEIVED ones */

	/* [N] state */
	enum tcp_state t_state;
	unsigned t_flags;                  /* TF_* */
	int t_softerror;                   /* for ETIMEDOUT's cause */
	int t_ttl, t_tos;

	/* [N] send sequence variables (RFC 9293 3.3.1) */
	tcp_seq iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2, snd_up;
	uint32_t snd_wnd;                  /* bytes, unscaled */
	uint32_t max_sndwnd;
	/* [N] receive sequence variables */
	tcp_seq irs, rcv_nxt, rcv_adv, rcv_up;
	tcp_seq last_ack_sent;             /* RFC 7323 TS.Recent rule */
	int t_segsunacked;                 /* full segments not yet acked */
	uint32_t rcv_wnd;

	/* [N] options */
	uint32_t t_maxseg;                 /* MSS we send (options excluded) */
	uint32_t t_peermss;                /* MSS option the peer sent */
	uint32_t t_advmss;                 /* MSS we announced */
	uint32_t t_usermss;                /* TCP_MAXSEG, 0: none */
	uint32_t t_pmtu;                   /* path MTU (ICMP frag needed) */
	uint32_t t_tsomax;                 /* largest TSO segment's payload
					      through the route's interface
					      (IFCAP_TSO4), 0: no TSO */
	uint8_t snd_scale, rcv_scale, request_r_scale;
	uint32_t ts_recent;                /* peer's TSval to echo */
	int64_t ts_recent_age;             /* when it was recorded, ns */
	uint32_t ts_offset;                /* random, added to our clock */
	uint32_t ts_fixed;                 /* TSval with TF_TSFIXED */

	/* [N] send queue: bytes from snd_una on */
	struct mbuf *t_sndq;
	size_t t_sndcc;

	/* [N] reassembly queue, sorted, bounded by t_reassbytes */
	struct tcp_qent *t_segq;
	size_t t_reassbytes;
	int t_reassn;
	struct tcp_sackblk t_rcvsack[TCP_MAXSACK]; /* most recent first */
	int t_nrcvsack;

	/* [N] SACK scoreboard of the sender (sorted, merged) */
	struct tcp_sackblk t_sndsack[TCP_SNDSACKMAX];
	int t_nsndsack;
	tcp_seq t_sackhint;                /* next hole to retransmit from */
	tcp_seq t_rxtmark;                 /* snd_max at the latest hole
	                                      retransmission (lost-
	                                      retransmission detection) */

	/* [N] congestion control (RFC 5681, 6582; CUBIC RFC 8312) */
	const struct tcp_cc *t_cc;
	uint32_t snd_cwnd, snd_ssthresh;   /* bytes */
	tcp_seq snd_recover;               /* NewReno recovery point */
	int t_dupacks;
	size_t t_bytes_acked;              /* congestion avoidance counter */
	/* CUBIC */
	uint32_t cub_wmax;                 /* bytes */
	uint32_t cub_lastmax;
	int64_t cub_epoch;                 /* ns, 0: none */
	uint64_t cub_k_ms;
	uint32_t cub_origin;               /* bytes */
	uint64_t cub_west;                 /* Reno-friendly estimate, bytes */

	/* [N] RTT (RFC 6298), microseconds */
	int64_t t_rtttime;                 /* ns when timing, 0: not */
	tcp_seq t_rtseq;
	uint32_t t_srtt_us, t_rttvar_us, t_rto_us;
	uint32_t t_rttmin_us;
	int t_rxtshift;                    /* backoff count */
	uint64_t t_totrexmt;               /* segments retransmitted */
	tcp_seq t_tlpseq;                  /* end of the tail loss probe
	                                      (TF_TLPOUT) */

	/* [N] timers and keepalive */
	int64_t t_timer[TCPT_NTIMERS];
	int64_t t_rcvtime;                 /* last segment received, ns */
	int64_t t_sndtime;                 /* last data sent, ns */
	int64_t t_rcvdatatime;             /* last data received, ns */
	int t_keepidle, t_keepintvl, t_keepcnt; /* seconds, count */
	int t_keepprobes;
	int t_syncnt;

	/* [N] receive autotuning */
	int64_t t_rcvrtt_time;             /* start of this measurement */
	tcp_seq t_rcvrtt_seq;
	size_t t_rcvrtt_bytes;
};

/* t_flags */
#define TF_ACKNOW      0x00000001          /* send an ACK now */
#define TF_DELACK      0x00000002          /* an ACK is owed */
#define TF_NODELAY     0x00000004          /* TCP_NODELAY */
#define TF_CORK        0x00000008          /* TCP_CORK */
#define TF_SENTFIN     0x00000010          /* our FIN is out */
#define TF_NEEDFIN     0x00000020          /* send FIN after the data */
#define TF_REQ_SCALE   0x00000040
#define TF_RCVD_SCALE  0x00000080
#define TF_REQ_TSTMP   0x00000100
#define TF_RCVD_TSTMP  0x00000200
#define TF_SACK_PERMIT 0x00000400          /* both said SACK-permitted */
#define TF_REQ_SACK    0x00000800
#define TF_FASTRECOVERY 0x00001000
#define TF_DETACHED    0x00002000          /* socket gone */
#define TF_QUICKACK    0x00004000
#define TF_NOREUSE     0x00008000
#define TF_SYNCOOKIE   0x00010000          /* made from a SYN cookie */
#define TF_RXTSYN      0x00020000          /* SYN was retransmitted */
#define TF_PERSIST_FORCE 0x00040000        /* send a window probe */
#define TF_TSFIXED     0x00080000          /* TSval is ts_fixed (a cookie's) */
#define TF_SNDURG      0x00100000          /* urgent mode: snd_up is the
					      octet after the last urgent
					      one, not yet acknowledged */
#define TF_RCVURG      0x00200000          /* rcv_up announced, its urgent
					      octet (rcv_up - 1) not yet in
					      order */
#define TF_TLPOUT      0x10000000          /* a tail loss probe is out */
#define TF_TLPREC      0x20000000          /* ... sent in fast recovery */

/* Limits and defaults. */
#define TCP_MSS_DEFAULT  536               /* RFC 9293 3.7.1 */
#define TCP_MSS_MIN      88
#define TCP_INITWND_SEGS 10                /* RFC 6928 */
#define TCP_RTO_INIT_US  1000000           /* RFC 6298 2.1 */
#define TCP_TLP_DELACK_US 200000           /* RFC 8985 WCDelAckT */
#define TCP_TLP_MIN_US   10000             /* the shortest PTO: a peer
					      not scheduled for a few ms on a
					      loaded host is not probed */
#define TCP_RTO_MIN_US   200000            /* Linux's minimum */
#define TCP_RTO_MAX_US   120000000
#define TCP_MAXRXTSHIFT  15                /* Linux tcp_retries2 */
#define TCP_SYNRETRIES   6
#define TCP_DELACK_NS    (40 * NSEC_PER_MSEC)
#define TCP_MSL_NS       (30 * NSEC_PER_SEC) /* TIME_WAIT = 2 MSL = 60 s */
#define TCP_FINWAIT2_NS  (60 * NSEC_PER_SEC)
#define TCP_KEEPIDLE_DEF 7200
#define TCP_KEEPINTVL_DEF 75
#define TCP_KEEPCNT_DEF  9
#define TCP_SNDBUF_DEF   (256 * 1024)
#define TCP_RCVBUF_DEF   (256 * 1024)
#define TCP_BUF_MAX      (8 * 1024 * 1024) /* autotuning bound */
#define TCP_WSCALE       8                 /* covers TCP_BUF_MAX */
#define TCP_MAXTW        4096              /* TIME_WAIT entries kept */
#define TCP_REASS_MAXSEGS 512

/* Statistics (tcp_subr.c); [a] atomic. */
struct tcpstat {
	uint64_t tcps_connattempt, tcps_accepts, tcps_connects, tcps_drops;
	uint64_t tcps_sndtotal, tcps_sndpack, tcps_sndbyte, tcps_sndrexmitpack;
	uint64_t tcps_sndacks, tcps_rcvtotal, tcps_rcvpack, tcps_rcvbyte;
	uint64_t tcps_rcvbadsum, tcps_rcvbadoff, tcps_rcvshort, tcps_rcvoopack;
	uint64_t tcps_rcvduppack, tcps_rexmttimeo, tcps_fastrexmit;
	uint64_t tcps_keepdrops, tcps_timeoutdrop, tcps_syncookiessent;
	uint64_t tcps_syncookiesok, tcps_listendrop, tcps_badrst;
	uint64_t tcps_challengeack, tcps_pawsdrop, tcps_impairdrop;
	uint64_t tcps_twrecycled, tcps_reassdrop, tcps_lostrexmit;
	uint64_t tcps_tlpprobes, tcps_tlprecovered;
};
extern struct tcpstat tcpstat;
#define TCPSTAT_INC(f) ((void)__atomic_add_fetch(&tcpstat.f, 1, __ATOMIC_RELAXED))
#define TCPSTAT_ADD(f, n) \
	((void)__atomic_add_fetch(&tcpstat.f, (n), __ATOMIC_RELAXED))

extern const struct pr_usrreqs tcp_usrreqs;
extern int tcp_ncbs;                       /* [N] tcpcbs alive (leak checks) */

/* tcp_subr.c */
void tcp_init(void);
struct tcpcb *tcp_newtcpcb(struct socket *so);
/* Unlink and free tp (state becomes CLOSED); NULL for convenience.
 * Tells the socket, if any, with soisdisconnected. */
struct tcpcb *tcp_close(struct tcpcb *tp);
/* Abort with error: RST to the peer if synchronized, then tcp_close. */
struct tcpcb *tcp_drop(struct tcpcb *tp, int error);
void tcp_porthash_insert(struct tcpcb *tp);
void tcp_connhash_insert(struct tcpcb *tp);
struct tcpcb *tcp_lookup(uint32_t src, uint16_t sport, uint32_t dst,
    uint16_t dport, bool wildcard);
int tcp_bind(struct tcpcb *tp, uint32_t laddr, uint16_t lport);
int tcp_connect_addr(struct tcpcb *tp, uint32_t faddr, uint16_t fport);
tcp_seq tcp_new_isn(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport);
uint32_t tcp_now_ms(void);                 /* timestamp clock */
void tcp_timewait_enter(struct tcpcb *tp);
/* Free an unused tcpcb that never had a connection (no socket calls). */
void tcp_discard(struct tcpcb *tp);
struct tcpcb *tcp_first(void);
/* Drop the embryonic connections of listener lp. */
void tcp_drop_embryos(struct tcpcb *lp);
/* A segment without a connection (RST or ACK): header values in host
 * order; m (the offending segment) is freed. */
void tcp_respond(uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, tcp_seq seq, tcp_seq ack, int flags, uint16_t win);
void tcp_ctlinput(int error, const struct ip *inner, const uint8_t *l4,
    int nextmtu);
uint32_t tcp_mss_for(uint32_t faddr);
void tcp_setmss(struct tcpcb *tp);
uint32_t tcp_syncookie_make(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, uint32_t mss, int *mssidxp);
bool tcp_syncookie_check(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport, tcp_seq irs, tcp_seq cookie, uint32_t *mssp);
/* The options of a SYN answered with a cookie, kept in the low bits of
 * the SYN-ACK's TSval (the peer echoes it): TCP_COOKIE_NOSCALE in the
 * low 4 bits when no window scale, else the peer's shift; SACK bit. */
#define TCP_COOKIE_NOSCALE 15
#define TCP_COOKIE_SACK    0x10
#define TCP_COOKIE_OPTMASK 0x1f
uint32_t tcp_syncookie_tsoff(uint32_t laddr, uint16_t lport, uint32_t faddr,
    uint16_t fport);

/* tcp_input.c */
void tcp_input(struct mbuf *m, size_t hlen);
struct tcp_opts {
	uint32_t to_flags;                 /* TOF_* */
	uint16_t to_mss;
	uint8_t to_wscale;
	uint32_t to_tsval, to_tsecr;
	int to_nsacks;
	struct tcp_sackblk to_sacks[TCP_MAXSACK];
};
#define TOF_MSS    0x01
#define TOF_SCALE  0x02
#define TOF_TS     0x04
#define TOF_SACKPERM 0x08
#define TOF_SACK   0x10
void tcp_dooptions(struct tcp_opts *to, const uint8_t *cp, size_t len,
    bool syn);
/* Test impairment (docs/tcp.md), read from the host environment. */
void tcp_impair_init(void);

/* tcp_output.c */
int tcp_output(struct tcpcb *tp);
void tcp_setpersist(struct tcpcb *tp);
uint32_t tcp_rcvwin(const struct tcpcb *tp);
/* Send one segment for tp: seq, flags, data bytes [off, off+len) of
 * t_sndq.  0 or errno. */
/*
 * TSO (tcp_output.c).  tcp_tso_segment cuts a packet marked M_CSUM_TSOv4
 * (IP header of iphlen bytes first) into its pieces, linked by
 * m_nextpkt in *listp, each with M_CSUM_DATA_OUT and its IP header sum
 * still to do; consumes m.  0, EINVAL (not a TSO packet we can cut) or
 * ENOBUFS (nothing is left then).  tcp_tso_piecelen: the IP length of
 * the largest piece (0 if m is malformed).
 */
#define TCP_TSO_MAXHDR (60 + 60)          /* IP and TCP, with options */
int tcp_tso_segment(struct mbuf *m, size_t iphlen, struct mbuf **listp);
size_t tcp_tso_piecelen(const struct mbuf *m, size_t iphlen);
int tcp_send_segment(struct tcpcb *tp, tcp_seq seq, int flags,
    size_t off, size_t len);

/* tcp_timer.c */
void tcp_timer_init(void);
void tcp_timer_arm(struct tcpcb *tp, int which, int64_t delta_ns);
void tcp_timer_disarm(struct tcpcb *tp, int which);
void tcp_timers_cancel(struct tcpcb *tp);
bool tcp_timer_pending(const struct tcpcb *tp, int which);
void tcp_rexmt_arm(struct tcpcb *tp);
void tcp_xmit_timer(struct tcpcb *tp, int64_t rtt_ns);
uint32_t tcp_rexmt_us(const struct tcpcb *tp);

/* tcp_cc.c */
void tcp_cc_ack_received(struct tcpcb *tp, size_t acked);

/* tcp_sack.c */
bool tcp_sack_update(struct tcpcb *tp, const struct tcp_opts *to);
void tcp_sack_clean(struct tcpcb *tp);
/* Next range to retransmit in recovery: true and *seqp, *lenp, else
 * false. */
bool tcp_sack_nexthole(struct tcpcb *tp, tcp_seq *seqp, size_t *lenp);
size_t tcp_sack_sacked_bytes(const struct tcpcb *tp);
/* RFC 6675 pipe: bytes believed in the network. */
uint32_t tcp_sack_pipe(const struct tcpcb *tp);
/* In SACK recovery: send lost ranges, then new data, while pipe < cwnd. */
void tcp_sack_output(struct tcpcb *tp);
bool tcp_sack_lostrexmit(struct tcpcb *tp);
/* Recovery uses the scoreboard (RFC 6675) if SACK was negotiated, unless
 * the test-only RUMP_TCP_NOSACKRXT=1 asks for NewReno only (to compare). */
extern bool tcp_sack_rxt;                  /* [I] */
#define TCP_SACK_RECOVERY(tp) \
	(((tp)->t_flags & TF_SACK_PERMIT) != 0 && tcp_sack_rxt)

#endif /* _SYS_NETINET_TCP_VAR_H_ */
