/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sockin_stream.c: sockin's stream sockets: a rump AF_INET SOCK_STREAM
 * socket is a host TCP socket (sockin_user.c).  The socket layer
 * (net_socket.c) calls the pru_* operations here, as it calls TCP's; the
 * host's TCP does the protocol.
 *
 * Each socket has a kernel thread that moves everything between the
 * socket and the host socket, so that no system call of the rump kernel
 * ever waits in the host:
 *  - connect: pru_connect starts a non-blocking host connect; the thread
 *    waits for it to finish and makes the socket connected, or sets
 *    so_error (ECONNREFUSED, ...) and disconnected.  soconnect() waits on
 *    the socket, or returns EINPROGRESS for non-blocking sockets.
 *  - listen/accept: the thread accepts host connections while the
 *    socket's listen queue has room (so_qlimit, which it also gives the
 *    host as listen()'s backlog; the host keeps the surplus) and queues
 *    each as a new connected socket (sonewconn), where accept() finds it.
 *  - receive: the thread reads from the host into so_rcv while so_rcv has
 *    room, and stops reading when it is full, which closes the host's
 *    TCP window; pru_rcvd (the reader took data out) restarts it.  End of
 *    the host stream is socantrcvmore().
 *  - send: pru_send appends to so_snd, so sosend() blocks, honours
 *    SO_SNDTIMEO and MSG_DONTWAIT, and returns partial counts on so_snd's
 *    room, as for TCP; the thread writes so_snd to the host in order as
 *    the host takes it and drops what the host took.  Nothing is lost or
 *    reordered: bytes leave so_snd only when the host has them.
 *  - shutdown(SHUT_WR) is a host shutdown once so_snd is empty;
 *    shutdown(SHUT_RD) is one at once.
 *  - close: pru_detach ends the thread.  Data still in so_snd is flushed
 *    to the host by an orphan thread (by the closing thread, up to the
 *    linger time, if SO_LINGER is on), then the host socket is closed; the
 *    host lingers as its SO_LINGER (mirrored from ours) says.  SO_LINGER
 *    with time 0, unread data in so_rcv, and a queued connection whose
 *    listener closes, reset the connection.
 *
 * The thread sleeps in the host (virtual CPU released) on the host socket
 * for the events it waits for and on the socket's eventfd, which the
 * operations write to (rumpuser_sockin_wake) when they give it work.
 *
 * States of a pcb (sp_flags), changed under sockin_lock:
 *   SPF_CONNECTING   set by pru_connect when the host connect is under
 *                    way; cleared by the thread when it finished.
 *   SPF_RCVDONE      no more reading: host EOF, error or SHUT_RD (thread).
 *   SPF_SNDDONE      no more writing: host shutdown done or error (thread).
 *   SPF_WANTSHUT     pru_shutdown asked for SHUT_WR; the thread does it
 *                    when so_snd is empty and sets SPF_SNDDONE.
 *   SPF_RCVWAIT      the thread waits for room in so_rcv; pru_rcvd clears
 *                    it and wakes the thread.
 *   SPF_ABORT        pru_abort: close with a reset.
 * RCVDONE and SNDDONE are never cleared.
 *
 * Locking: see sockin_impl.h.  Lock order: sockin_lock > pollinfo lock.
 * pru_detach drops sockin_lock to join the thread and to close.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "net/mbuf.h"
#include "net/protosw.h"
#include "net/socketvar.h"

#include "sockin_impl.h"
#include "sockin_user.h"

/* Linux's net.core defaults, as the socket layer's. */
#define SOCKIN_STREAM_SPACE      212992
/* Bytes moved to or from the host at a time. */
#define SOCKIN_IOSIZE            (64 * 1024)
/* An orphan whose peer takes nothing for this long is reset. */
#define SOCKIN_ORPHAN_TIMEOUT_MS (60 * 1000)
/* A full listen queue (or a host out of descriptors) is looked at again
 * after this long: accept() does not tell the protocol. */
#define SOCKIN_ACCEPT_RETRY_MS   50

#define SPF_CONNECTING 0x01
#define SPF_RCVDONE    0x02
#define SPF_SNDDONE    0x04
#define SPF_WANTSHUT   0x08
#define SPF_RCVWAIT    0x10
#define SPF_ABORT      0x20

/* [d] The host socket of the connection sonewconn() is making: its
 * pru_attach (in the same thread, which holds sockin_lock) takes it. */
static struct sockin_user *sockin_newconn;

static struct sockin_pcb *
sotosp(struct socket *so)
{
	return so->so_pcb;
}

/* The room so_rcv must have before the thread reads: not byte by byte. */
static size_t
sockin_rcvthresh(const struct socket *so)
{
	size_t t = MIN(so->so_rcv.sb_hiwat / 4, (size_t)SOCKIN_IOSIZE);

	return MAX(t, (size_t)1);
}

/* Copy the first len data bytes of stream buffer sb to buf (locked). */
static void
sockin_sbcopy(const struct sockbuf *sb, size_t len, uint8_t *buf)
{
	const struct mbuf *r, *m;
	size_t n;

	for (r = sb->sb_mb; r != NULL && len > 0; r = r->m_nextpkt) {
		for (m = r; m != NULL && len > 0; m = m->m_next) {
			n = MIN(len, (size_t)m->m_len);
			memcpy(buf, mtod(m, const uint8_t *), n);
			buf += n;
			len -= n;
		}
	}
	KASSERT(len == 0);
}

static void
sockin_freelist(struct mbuf *list)
{
	struct mbuf *next;

	for (; list != NULL; list = next) {
		next = list->m_nextpkt;
		list->m_nextpkt = NULL;
		m_freem(list);
	}
}

/* The connection failed (host error): report it, stop both ways. */
static void
sockin_stream_broken(struct sockin_pcb *sp, int error)
{
	struct socket *so = sp->sp_so;

	sp->sp_flags |= SPF_RCVDONE | SPF_SNDDONE;
	sp->sp_flags &= ~SPF_CONNECTING;
	/* Unsent data will never go. */
	sockin_freelist(sbtakeall(&so->so_snd));
	/* A write to a peer that is gone is EPIPE for the writer, not an
	 * error for the reader. */
	if (error != EPIPE)
		so->so_error = error;
	soisdisconnected(so);
}

/*
 * Thread, listening socket: accept a host connection and queue it.
 * Returns true if it did something; else *eventsp and *timeoutp say
 * what to wait for.  sockin_lock held.
 */
static bool
sockin_stream_accept(struct sockin_pcb *sp, int *eventsp, int *timeoutp)
{
	struct socket *so = sp->sp_so, *nso;
	struct sockin_user *nu;
	int error;

	if (sp->sp_backlog != so->so_qlimit) {
		(void)rumpuser_sockin_listen(sp->sp_user, so->so_qlimit);
		sp->sp_backlog = so->so_qlimit;
	}
	if (so->so_qlen + so->so_q0len > so->so_qlimit) {
		*timeoutp = SOCKIN_ACCEPT_RETRY_MS;
		return false;
	}
	error = rumpuser_sockin_accept(sp->sp_user, &nu);
	if (error == EAGAIN) {
		*eventsp |= SOCKIN_EV_IN;
		return false;
	}
	if (error == ECONNABORTED || error == EINTR || error == EPROTO)
		return true;
	if (error != 0) {
		/* EMFILE, ENOBUFS, ...: accept() reports it, as Linux's. */
		soseterror(so, error);
		*timeoutp = SOCKIN_ACCEPT_RETRY_MS;
		return false;
	}
	sockin_newconn = nu;
	nso = sonewconn(so, true);
	if (sockin_newconn != NULL) {
		/* The queue was full: pru_attach never ran. */
		KASSERT(nso == NULL);
		sockin_newconn = NULL;
		rumpuser_sockin_abort(nu);
	}
	return true;
}

/* Thread, connect under way: finish it once the host says so. */
static bool
sockin_stream_connecting(struct sockin_pcb *sp, int revents, int *eventsp)
{
	struct socket *so = sp->sp_so;
	int error, soerror = 0;

	if ((revents & (SOCKIN_EV_OUT | SOCKIN_EV_ERR)) == 0) {
		*eventsp |= SOCKIN_EV_OUT;
		return false;
	}
	error = rumpuser_sockin_soerror(sp->sp_user, &soerror);
	if (error == 0)
		error = soerror;
	if (error != 0) {
		sockin_stream_broken(sp, error);
		return true;
	}
	sp->sp_flags &= ~SPF_CONNECTING;
	soisconnected(so);
	return true;
}

/*
 * Thread, connected: read what the host has into so_rcv, as far as
 * so_rcv has room.  Drops sockin_lock for the read.
 */
static bool
sockin_stream_input(struct sockin_pcb *sp, uint8_t *buf, int *eventsp)
{
	struct socket *so = sp->sp_so;
	struct mbuf *m = NULL;
	size_t space, got = 0;
	int error;

	if (sp->sp_flags & SPF_RCVDONE)
		return false;
	if (so->so_rcv.sb_flags & SB_CANTMORE) {
		/* shutdown(SHUT_RD): the only other way it gets set here. */
		(void)rumpuser_sockin_shutdown(sp->sp_user, SHUT_RD);
		sp->sp_flags |= SPF_RCVDONE;
		return true;
	}
	space = sbspace(&so->so_rcv);
	if (space < sockin_rcvthresh(so)) {
		sp->sp_flags |= SPF_RCVWAIT;
		return false;
	}
	space = MIN(space, (size_t)SOCKIN_IOSIZE);
	/* Only this thread reads the host socket: no lock needed for it. */
	mutex_exit(&sockin_lock);
	error = rumpuser_sockin_read(sp->sp_user, buf, space, &got);
	if (error == 0 && got > 0) {
		m = m_getlen(got, M_WAIT, MT_DATA, true);
		memcpy(mtod(m, void *), buf, got);
		m->m_len = m->m_pkthdr.len = got;
	}
	mutex_enter(&sockin_lock);
	if (sp->sp_stop) {
		m_freem(m);
		return true;
	}
	if (error == EAGAIN) {
		*eventsp |= SOCKIN_EV_IN;
		return false;
	}
	if (error != 0) {
		sockin_stream_broken(sp, error);
		return true;
	}
	if (got == 0) {
		sp->sp_flags |= SPF_RCVDONE;
		socantrcvmore(so);
		return true;
	}
	(void)sbappendstream(&so->so_rcv, m);
	sorwakeup(so);
	return true;
}

/*
 * Thread, connected: write so_snd to the host, dropping what it took;
 * then the pending SHUT_WR.  The host socket is non-blocking, so this
 * keeps sockin_lock.
 */
static bool
sockin_stream_output(struct sockin_pcb *sp, uint8_t *buf, int *eventsp)
{
	struct socket *so = sp->sp_so;
	size_t len, sent = 0;
	int error;

	if (sp->sp_flags & SPF_SNDDONE)
		return false;
	if (so->so_snd.sb_cc == 0) {
		if ((sp->sp_flags & SPF_WANTSHUT) == 0)
			return false;
		(void)rumpuser_sockin_shutdown(sp->sp_user, SHUT_WR);
		sp->sp_flags |= SPF_SNDDONE;
		return true;
	}
	len = MIN(so->so_snd.sb_cc, (size_t)SOCKIN_IOSIZE);
	sockin_sbcopy(&so->so_snd, len, buf);
	error = rumpuser_sockin_send(sp->sp_user, buf, len, NULL, 0, &sent);
	if (error == EAGAIN) {
		*eventsp |= SOCKIN_EV_OUT;
		return false;
	}
	if (error != 0) {
		sockin_stream_broken(sp, error);
		return true;
	}
	sbdrop(&so->so_snd, sent);
	sowwakeup(so);
	return true;
}

/* The socket's thread: see the file comment. */
static void
sockin_stream_thread(void *arg)
{
	struct sockin_pcb *sp = arg;
	struct socket *so = sp->sp_so;
	int events, revents = 0, timeout;
	bool progress;
	uint8_t *buf;

	buf = kmem_alloc(SOCKIN_IOSIZE, KM_SLEEP);
	mutex_enter(&sockin_lock);
	while (!sp->sp_stop) {
		events = 0;
		timeout = -1;
		progress = false;
		if (so->so_state == SS_LISTENING) {
			progress = sockin_stream_accept(sp, &events, &timeout);
		} else if (sp->sp_flags & SPF_CONNECTING) {
			progress = sockin_stream_connecting(sp, revents,
			    &events);
		} else if (so->so_state == SS_CONNECTED ||
		    so->so_state == SS_DISCONNECTED) {
			progress = sockin_stream_input(sp, buf, &events);
			if (!sp->sp_stop)
				progress |= sockin_stream_output(sp, buf,
				    &events);
		}
		revents = 0;
		if (progress)
			continue;
		/* Everything from here on is looked at anew after the
		 * wait: a wake-up written meanwhile makes it return. */
		mutex_exit(&sockin_lock);
		rump_unschedule();
		revents = rumpuser_sockin_poll(sp->sp_user, events, timeout);
		rump_schedule();
		mutex_enter(&sockin_lock);
	}
	mutex_exit(&sockin_lock);
	kmem_free(buf, SOCKIN_IOSIZE);
	kthread_exit(0);
}

/*
 * After detach (no socket, no lock): write the unsent data sp_orphan to
 * the host, waiting at most idle_ms each time the host takes nothing,
 * and if total_ms >= 0 at most total_ms in all (SO_LINGER's time).
 * Returns 0 when all went, ETIMEDOUT, or the host's error; what went is
 * freed, the rest stays in sp_orphan.
 */
static int
sockin_flush(struct sockin_pcb *sp, int idle_ms, int64_t total_ms)
{
	struct mbuf *m, *next, *nextrec;
	int64_t deadline = 0, left;
	size_t sent;
	int error, revents, timeout_ms;

	if (total_ms >= 0)
		deadline = getnanouptime() + total_ms * 1000000;

	while ((m = sp->sp_orphan) != NULL) {
		if (sp->sp_orphanoff >= (size_t)m->m_len) {
			nextrec = m->m_nextpkt;
			m->m_nextpkt = NULL;
			next = m_free(m);
			if (next != NULL)
				next->m_nextpkt = nextrec;
			else
				next = nextrec;
			sp->sp_orphan = next;
			sp->sp_orphanoff = 0;
			continue;
		}
		error = rumpuser_sockin_send(sp->sp_user,
		    mtod(m, uint8_t *) + sp->sp_orphanoff,
		    (size_t)m->m_len - sp->sp_orphanoff, NULL, 0, &sent);
		if (error == 0) {
			sp->sp_orphanoff += sent;
			continue;
		}
		if (error != EAGAIN)
			return error;
		timeout_ms = idle_ms;
		if (total_ms >= 0) {
			left = (deadline - getnanouptime()) / 1000000;
			if (left <= 0)
				return ETIMEDOUT;
			timeout_ms = (int)MIN(left, (int64_t)idle_ms);
		}
		rump_unschedule();
		revents = rumpuser_sockin_poll(sp->sp_user, SOCKIN_EV_OUT,
		    timeout_ms);
		rump_schedule();
		if (revents == 0 && timeout_ms == idle_ms)
			return ETIMEDOUT;
	}
	return 0;
}

/* Close the host socket (reset if abort) and free sp (no lock). */
static void
sockin_stream_free(struct sockin_pcb *sp, bool abort)
{
	sockin_freelist(sp->sp_orphan);
	rump_unschedule();
	if (abort)
		rumpuser_sockin_abort(sp->sp_user);
	else
		rumpuser_sockin_close(sp->sp_user);
	rump_schedule();
	kmem_free(sp, sizeof(*sp));
}

/* A closed socket's unsent data goes on being sent from here. */
static void
sockin_orphan_thread(void *arg)
{
	struct sockin_pcb *sp = arg;
	int error;

	error = sockin_flush(sp, SOCKIN_ORPHAN_TIMEOUT_MS, -1);
	sockin_stream_free(sp, error != 0);
	kthread_exit(0);
}

static int
sockin_stream_attach(struct socket *so, int proto)
{
	struct sockin_pcb *sp;
	struct sockin_user *u;
	int error;

	if (proto != 0 && proto != IPPROTO_TCP)
		return EPROTONOSUPPORT;
	error = soreserve(so, SOCKIN_STREAM_SPACE, SOCKIN_STREAM_SPACE);
	if (error != 0)
		return error;
	if (mutex_owned(&sockin_lock) && sockin_newconn != NULL) {
		/* sonewconn() from a listener's thread: the connection is
		 * the host socket it accepted, now ours. */
		u = sockin_newconn;
		sockin_newconn = NULL;
	} else {
		error = rumpuser_sockin_open(SOCK_STREAM, IPPROTO_TCP, &u);
		if (error != 0)
			return error;
	}
	so->so_lock = &sockin_lock;
	sp = kmem_zalloc(sizeof(*sp), KM_SLEEP);
	sp->sp_user = u;
	sp->sp_so = so;
	sp->sp_backlog = -1;
	so->so_pcb = sp;
	error = kthread_create(KTHREAD_JOINABLE, sockin_stream_thread, sp,
	    &sp->sp_l, "sockintcp");
	if (error != 0) {
		so->so_pcb = NULL;
		rumpuser_sockin_abort(u);
		kmem_free(sp, sizeof(*sp));
		return error;
	}
	return 0;
}

static void
sockin_stream_detach(struct socket *so)
{
	struct sockin_pcb *sp = sotosp(so);
	struct lwp *l;
	bool abort;
	int linger, error;

	if (sp == NULL)
		return;
	sp->sp_stop = true;
	l = sp->sp_l;
	sp->sp_l = NULL;
	rumpuser_sockin_wake(sp->sp_user);
	/* The thread may be waiting for sockin_lock. */
	mutex_exit(&sockin_lock);
	if (l != NULL)
		(void)kthread_join(l);
	mutex_enter(&sockin_lock);
	so->so_pcb = NULL;
	sp->sp_so = NULL;
	/* Data the reader never took makes TCP reset (RFC 2525, as
	 * Linux and the BSDs do), as does SO_LINGER with time 0. */
	abort = (sp->sp_flags & SPF_ABORT) != 0 || so->so_rcv.sb_cc > 0 ||
	    (so->so_linger.l_onoff && so->so_linger.l_linger == 0);
	linger = so->so_linger.l_onoff ? so->so_linger.l_linger : 0;
	if (!abort && (sp->sp_flags & SPF_SNDDONE) == 0 &&
	    so->so_snd.sb_cc > 0)
		sp->sp_orphan = sbtakeall(&so->so_snd);
	mutex_exit(&sockin_lock);
	if (sp->sp_orphan != NULL && linger > 0) {
		/* SO_LINGER: the closer waits for the data to go. */
		error = sockin_flush(sp, SOCKIN_ORPHAN_TIMEOUT_MS,
		    (int64_t)linger * 1000);
		/* After the linger time the rest goes on in the
		 * background (as Linux's close leaves it to the stack). */
		if (error != 0 && error != ETIMEDOUT)
			abort = true;
	}
	if (abort || sp->sp_orphan == NULL ||
	    kthread_create(0, sockin_orphan_thread, sp, NULL,
	    "sockinorphan") != 0)
		sockin_stream_free(sp, abort);
	mutex_enter(&sockin_lock);
}

static void
sockin_stream_abort(struct socket *so)
{
	struct sockin_pcb *sp = sotosp(so);

	if (sp != NULL)
		sp->sp_flags |= SPF_ABORT;
}

static int
sockin_stream_listen(struct socket *so, struct lwp *l)
{
	struct sockin_pcb *sp = sotosp(so);
	int error;

	/* The thread sets the backlog to so_qlimit once listen() set it. */
	error = rumpuser_sockin_listen(sp->sp_user, 1);
	if (error != 0)
		return error;
	sp->sp_backlog = -1;
	rumpuser_sockin_wake(sp->sp_user);
	return 0;
}

static int
sockin_stream_connect(struct socket *so, const struct rump_sockaddr *nam,
    size_t namlen, struct lwp *l)
{
	struct sockin_pcb *sp = sotosp(so);
	int error;

	if ((error = sockin_checkaddr(nam, namlen)) != 0)
		return error;
	/* A connection that failed or ended is not made anew. */
	if (so->so_state != SS_UNCONNECTED)
		return EISCONN;
	error = rumpuser_sockin_connect(sp->sp_user, nam,
	    sizeof(struct rump_sockaddr_in));
	if (error == EINPROGRESS) {
		sp->sp_flags |= SPF_CONNECTING;
		soisconnecting(so);
		error = 0;
	} else if (error == 0) {
		soisconnected(so);
	}
	if (error == 0)
		rumpuser_sockin_wake(sp->sp_user);
	return error;
}

static int
sockin_stream_accept_addr(struct socket *so,
    struct rump_sockaddr_storage *nam, size_t *lenp)
{
	return sockin_peeraddr(so, nam, lenp);
}

static int
sockin_stream_disconnect(struct socket *so)
{
	return EOPNOTSUPP;
}

static int
sockin_stream_shutdown(struct socket *so)
{
	struct sockin_pcb *sp = sotosp(so);

	sp->sp_flags |= SPF_WANTSHUT;
	rumpuser_sockin_wake(sp->sp_user);
	return 0;
}

static int
sockin_stream_send(struct socket *so, struct mbuf *m,
    const struct rump_sockaddr *nam, size_t namlen, struct mbuf *control,
    int flags, struct lwp *l)
{
	struct sockin_pcb *sp = sotosp(so);
	bool wasempty = so->so_snd.sb_cc == 0;

	/* TCP has no use for control messages (rights were refused). */
	m_freem(control);
	if (nam != NULL) {
		m_freem(m);
		return EISCONN;
	}
	if (m == NULL)
		return 0;
	if (sp->sp_flags & SPF_SNDDONE) {
		m_freem(m);
		return EPIPE;
	}
	(void)sbappendstream(&so->so_snd, m);
	/* With data queued before, the thread is at it already. */
	if (wasempty)
		rumpuser_sockin_wake(sp->sp_user);
	return 0;
}

static int
sockin_stream_rcvd(struct socket *so, int flags)
{
	struct sockin_pcb *sp = sotosp(so);

	if ((sp->sp_flags & SPF_RCVWAIT) &&
	    sbspace(&so->so_rcv) >= sockin_rcvthresh(so)) {
		sp->sp_flags &= ~SPF_RCVWAIT;
		rumpuser_sockin_wake(sp->sp_user);
	}
	return 0;
}

const struct pr_usrreqs sockin_stream_usrreqs = {
	.pru_attach = sockin_stream_attach,
	.pru_detach = sockin_stream_detach,
	.pru_abort = sockin_stream_abort,
	.pru_bind = sockin_bind,
	.pru_listen = sockin_stream_listen,
	.pru_connect = sockin_stream_connect,
	.pru_accept = sockin_stream_accept_addr,
	.pru_disconnect = sockin_stream_disconnect,
	.pru_shutdown = sockin_stream_shutdown,
	.pru_send = sockin_stream_send,
	.pru_rcvd = sockin_stream_rcvd,
	.pru_ioctl = sockin_ioctl,
	.pru_ctloutput = sockin_ctloutput,
	.pru_sockaddr = sockin_sockaddr,
	.pru_peeraddr = sockin_peeraddr,
	.pru_sooptset = sockin_sooptset,
};
