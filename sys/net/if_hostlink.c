/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_hostlink.c: the common part of Ethernet interfaces whose wire is
 * something of the host (shmif's bus file, virtif's tap device); see
 * if_hostlink.h.  The drivers give host operations and a cloner.
 *
 * Linking (SIOCSLINKSTR) attaches the host side and starts a receive
 * thread that takes frames with hlo_recv and runs the interface's input
 * routine (ether_input) on each itself, rather than queueing it for the
 * netisr thread (if_input): one thread wake-up per burst of frames, not
 * two.  That is safe because the protocols lock what they share
 * (inet_lock, arp_lock, ...) and what they send from their input path
 * leaves through a driver (to the ring or the tap) or lo0's queue, never
 * back into this thread.  The thread sleeps in the host with hlo_wait,
 * its virtual CPU released, while the link is quiet.  if_transmit hands
 * the mbuf chain's pieces to hlo_sendv (shmif: one copy, into the ring),
 * or copies the frame out and hands it to hlo_send, in the sender's
 * context.
 * Unlinking (stop, destroy, a new link string) wakes the thread with
 * hlo_stop, joins it and detaches.
 *
 * What the receive thread itself sends through its own interface while
 * it runs the input routine (TCP's ACKs, and the data an ACK lets go)
 * waits on the interface's transmit queue and leaves when the input
 * routine has returned: then the protocols' locks are free.  A write
 * into a tap runs Linux's receive path in the writer, which can take
 * longer than our own input; a reader of the socket we just woke would
 * otherwise wake only to block on inet_lock until that write is done.
 * Another thread that sends while the queue holds frames sends the queue
 * first, then its own, so that the link sees every frame in the order
 * the protocols sent it (TCP segments reordered on the wire cost the
 * peer's duplicate ACKs and our spurious retransmissions), and so that
 * what a system call sent is on the link when it returns (a process
 * that exits right after close takes its kernel along: its FIN must be
 * out).  The queue is sent in order under sc_txlock.
 *
 * A driver that names an environment variable (hlo_impairenv: shmif's
 * RUMP_SHMIF_IMPAIR) gets the test impairment of if_impair.c between
 * hlo_recv and the input routine when the variable is set: linking
 * makes it (from the environment of that moment) and hands it to the
 * receive thread, which owns it alone, sleeps with hlo_timedwait while
 * it holds frames, and frees what it holds when it ends.
 *
 * Locking: [s] sc_lock (the link and the receive thread's life; never
 * held across hypercalls that sleep); [t] sc_txlock serialises the
 * transmit buffer and queue; [a] atomic.  Lock order: sc_lock >
 * sc_txlock.  The receive thread holds neither while it runs the input
 * routine.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "net/if.h"
#include "net/if_ether.h"
#include "net/if_hostlink.h"
#include "net/if_impair.h"
#include "net/mbuf.h"

struct hostlink_sc {
	struct ifnet sc_if;                /* first: container_of */
	const struct hostlink_ops *sc_ops; /* [I] */
	kmutex_t sc_lock;
	void *sc_h;                        /* [s] NULL until a link string */
	struct lwp *sc_rcvl;               /* [s] receive thread */
	bool sc_stop;                      /* [s,a] thread must leave */
	char *sc_linkstr;                  /* [s] */
	struct if_impair *sc_imp;          /* [s] the test impairment, made
					      at link time (the environment
					      of that moment), until the
					      receive thread takes it */
	uint64_t sc_overruns;              /* receive thread only */
	struct lwp *sc_rxlwp;              /* [a] the receive thread, while
					      it runs */
	struct mbuf *sc_txq;               /* [t] frames waiting for the */
	struct mbuf **sc_txqtail;          /* [t]   receive thread's flush */
	kmutex_t sc_txlock;
	uint8_t sc_txbuf[];                /* [t] HOSTLINK_BUFSIZE bytes */
};
#define HOSTLINK_BUFSIZE(ops) MAX((ops)->hlo_maxframe, (ops)->hlo_maxlarge)
#define HOSTLINK_SCSIZE(ops) \
	(sizeof(struct hostlink_sc) + HOSTLINK_BUFSIZE(ops))

static struct hostlink_sc *
ifp_to_sc(struct ifnet *ifp)
{
	return container_of(ifp, struct hostlink_sc, sc_if);
}

static struct hostlink_cloner *
sc_to_hc(struct hostlink_sc *sc)
{
	return container_of(sc->sc_if.if_cloner, struct hostlink_cloner,
	    hc_cloner);
}

/*
 * Receive buffers for aggregates come from the cloner's pool: a fresh
 * 64 KiB host allocation for each would have its pages faulted in anew
 * each time (the host allocator hands freed memory back), which costs
 * more than the copy-free read saves.
 */
static void
hostlink_lbuf_free(void *buf, size_t size, void *arg)
{
	(void)size;
	pool_put(arg, buf);
}

static struct mbuf *
hostlink_lbuf_get(struct hostlink_sc *sc)
{
	struct pool *pp = atomic_load_acquire(&sc_to_hc(sc)->hc_lpool);
	struct mbuf *m;
	void *buf;

	m = m_gethdr(M_WAIT, MT_DATA);
	buf = pool_get(pp, KM_SLEEP);
	if (m_extadd(m, buf, sc->sc_ops->hlo_maxlarge, hostlink_lbuf_free, pp,
	    M_WAIT) != 0) {
		pool_put(pp, buf);
		m_freem(m);
		return NULL;
	}
	return m;
}

static void
hostlink_lpool_init(struct hostlink_cloner *hc)
{
	struct pool *pp, *old = NULL;

	if (hc->hc_ops->hlo_maxlarge == 0 ||
	    atomic_load_acquire(&hc->hc_lpool) != NULL)
		return;
	pp = pool_create(hc->hc_ops->hlo_maxlarge, 64, hc->hc_cloner.ifc_name);
	if (!atomic_cas(&hc->hc_lpool, &old, pp))
		pool_destroy(pp);              /* another create won */
}

/*
 * Hand the frame in m (len bytes) to the host: as its pieces if the
 * driver takes them and there are not too many, else copied flat into
 * sc_txbuf.  A payload sum the stack left out (the interface has
 * IFCAP_CSUM_DATA) and a TCP aggregate to be cut (IFCAP_TSO4) travel as
 * flags, which only hlo_sendv carries.  Called with sc_txlock held and
 * sc_h set.
 */
static int
hostlink_send(struct hostlink_sc *sc, struct mbuf *m, size_t len)
{
	struct hostlink_seg seg[HOSTLINK_MAXSEG];
	struct mbuf *n;
	int nseg = 0, flags = 0;

	KASSERT(mutex_owned(&sc->sc_txlock));
	if (sc->sc_ops->hlo_sendv != NULL) {
		if (m->m_pkthdr.csum_flags & M_CSUM_DATA_OUT)
			flags |= HOSTLINK_F_CSUM_UNDONE;
		if (m->m_pkthdr.csum_flags & M_CSUM_TSOv4)
			flags |= HOSTLINK_F_TSO |
			    HOSTLINK_F_MKSEGSZ(m->m_pkthdr.segsz);
		for (n = m; n != NULL && nseg < HOSTLINK_MAXSEG; n = n->m_next) {
			if (n->m_len == 0)
				continue;
			seg[nseg].hs_base = mtod(n, const void *);
			seg[nseg].hs_len = n->m_len;
			nseg++;
		}
		if (n != NULL) {
			(void)m_copydata(m, 0, len, sc->sc_txbuf);
			seg[0].hs_base = sc->sc_txbuf;
			seg[0].hs_len = len;
			nseg = 1;
		}
		return sc->sc_ops->hlo_sendv(sc->sc_h, seg, nseg, len, flags);
	}
	KASSERT((m->m_pkthdr.csum_flags & M_CSUM_TSOv4) == 0);
	(void)m_copydata(m, 0, len, sc->sc_txbuf);
	return sc->sc_ops->hlo_send(sc->sc_h, sc->sc_txbuf, len);
}

/*
 * A frame came in whose sender left the payload sum out: if this
 * interface does without it too, the protocols trust the payload;
 * otherwise ip_input fills the sum in and the protocol checks it.
 */
static void
hostlink_csum_undone(struct ifnet *ifp, struct mbuf *m)
{
	m->m_pkthdr.csum_flags = M_CSUM_DATA_OUT;
	if (atomic_load_relaxed(&ifp->if_capenable) & IFCAP_CSUM_DATA)
		m->m_pkthdr.csum_flags |= M_CSUM_DATA_OK;
}

/*
 * Is m too large for the link?  Frames up to the MTU go; an aggregate
 * to be cut (M_CSUM_TSOv4, which ip_output leaves only on packets for
 * an interface with IFCAP_TSO4) up to hlo_maxlarge.
 */
static bool
hostlink_toolarge(struct hostlink_sc *sc, const struct mbuf *m)
{
	struct ifnet *ifp = &sc->sc_if;
	size_t len = m->m_pkthdr.len;

	if ((m->m_pkthdr.csum_flags & M_CSUM_TSOv4) &&
	    (atomic_load_relaxed(&ifp->if_capenable) & IFCAP_TSO4))
		return len > sc->sc_ops->hlo_maxlarge ||
		    m->m_pkthdr.segsz == 0;
	return len > sc->sc_ops->hlo_maxframe ||
	    len > (size_t)atomic_load_relaxed(&ifp->if_mtu) + ETHER_HDR_LEN;
}

/* Hand m to the host now; consumes m.  Called with sc_txlock held. */
static int
hostlink_output(struct hostlink_sc *sc, struct mbuf *m)
{
	struct ifnet *ifp = &sc->sc_if;
	size_t len = m->m_pkthdr.len;
	int error;

	KASSERT(mutex_owned(&sc->sc_txlock));
	if (sc->sc_h == NULL) {
		IF_STAT_INC(ifp, if_oerrors);
		m_freem(m);
		return ENETDOWN;
	}
	error = hostlink_send(sc, m, len);
	m_freem(m);
	if (error != 0) {
		IF_STAT_INC(ifp, if_oerrors);
		return error;
	}
	IF_STAT_INC(ifp, if_opackets);
	IF_STAT_ADD(ifp, if_obytes, len);
	return 0;
}

/* Send the transmit queue.  Called with sc_txlock held. */
static void
hostlink_txflush_locked(struct hostlink_sc *sc)
{
	struct mbuf *m;

	KASSERT(mutex_owned(&sc->sc_txlock));
	while ((m = sc->sc_txq) != NULL) {
		sc->sc_txq = m->m_nextpkt;
		m->m_nextpkt = NULL;
		(void)hostlink_output(sc, m);
	}
	sc->sc_txqtail = &sc->sc_txq;
}

/* The receive thread, the input routine done: send what it queued. */
static void
hostlink_txflush(struct hostlink_sc *sc)
{
	mutex_enter(&sc->sc_txlock);
	hostlink_txflush_locked(sc);
	mutex_exit(&sc->sc_txlock);
}

static int
hostlink_transmit(struct ifnet *ifp, struct mbuf *m)
{
	struct hostlink_sc *sc = ifp_to_sc(ifp);
	int error;

	if (hostlink_toolarge(sc, m)) {
		IF_STAT_INC(ifp, if_oerrors);
		m_freem(m);
		return EMSGSIZE;
	}
	mutex_enter(&sc->sc_txlock);
	if (curlwp == atomic_load_relaxed(&sc->sc_rxlwp)) {
		/* Our receive thread, inside the input routine: later. */
		m->m_nextpkt = NULL;
		*sc->sc_txqtail = m;
		sc->sc_txqtail = &m->m_nextpkt;
		mutex_exit(&sc->sc_txlock);
		return 0;
	}
	/* Frames the receive thread queued go first. */
	hostlink_txflush_locked(sc);
	error = hostlink_output(sc, m);
	mutex_exit(&sc->sc_txlock);
	return error;
}

/*
 * The flags the driver gave a received frame, as the mbuf's checksum
 * and offload marks.
 */
static void
hostlink_rxflags(struct ifnet *ifp, struct mbuf *m, int flags)
{
	if (flags & HOSTLINK_F_CSUM_UNDONE)
		hostlink_csum_undone(ifp, m);
	if (flags & HOSTLINK_F_CSUM_OK)
		m->m_pkthdr.csum_flags |= M_CSUM_DATA_OK;
	if ((flags & HOSTLINK_F_TSO) && HOSTLINK_SEGSZ(flags) != 0) {
		m->m_pkthdr.csum_flags |= M_CSUM_TSOv4;
		m->m_pkthdr.segsz = (uint16_t)HOSTLINK_SEGSZ(flags);
	}
}

/*
 * A frame of len bytes arrived in the receive buffer m.  When the buffer
 * is one for aggregates (64 KiB) and the frame fills less than half of
 * it, the frame moves to an mbuf of its size and m stays for the next
 * read: a socket buffer of small segments must not pin 64 KiB each.
 * Returns the mbuf to hand up (m or the copy; NULL if no memory: the
 * frame is dropped) and sets *keepp when m stays the receive buffer.
 */
static struct mbuf *
hostlink_rxfit(struct mbuf *m, size_t len, size_t bufsize, bool *keepp)
{
	struct mbuf *n;

	*keepp = false;
	if (bufsize <= MCLBYTES || len * 2 > bufsize)
		return m;
	*keepp = true;
	n = m_getlen(len, M_DONTWAIT, MT_DATA, true);
	if (n == NULL)
		return NULL;
	memcpy(mtod(n, void *), mtod(m, const void *), len);
	return n;
}

/* Run the input routine on the received frame m (consumed), then send
 * what it queued.  The receive thread only. */
static void
hostlink_deliver(struct hostlink_sc *sc, struct mbuf *m)
{
	struct ifnet *ifp = &sc->sc_if;

	if (if_isup(ifp) && !atomic_load_relaxed(&ifp->if_dying))
		ifp->if_input(ifp, m);
	else
		m_freem(m);
	hostlink_txflush(sc);
}

/* The same for a list linked by m_nextpkt. */
static void
hostlink_deliverlist(struct hostlink_sc *sc, struct mbuf *list)
{
	struct mbuf *n;

	for (; list != NULL; list = n) {
		n = list->m_nextpkt;
		list->m_nextpkt = NULL;
		hostlink_deliver(sc, list);
	}
}

/* The test impairment: hand up the frames it holds that are now due;
 * nanoseconds until the next is, or -1. */
static int64_t
hostlink_impair_due(struct hostlink_sc *sc, struct if_impair *imp)
{
	struct mbuf *list = NULL, **tail = &list;
	int64_t wait;

	wait = if_impair_due(imp, &tail);
	hostlink_deliverlist(sc, list);
	return wait;
}

/*
 * The receive thread: take every frame there is, each straight into
 * the interface's input routine, then sleep in the host.  Runs without
 * sc_lock; sc_h stays valid until hostlink_unlink has joined it.
 * A link with IFCAP_LRO hands up aggregates up to hlo_maxlarge, so the
 * receive buffer is that large (hostlink_rxfit keeps small frames from
 * holding it).
 * With the driver's test impairment on (imp, the thread's own from
 * its start), each frame goes through it, and the thread sleeps no
 * longer than until the first frame it holds is due; what it still
 * holds when the thread ends is freed.
 */
static void
hostlink_rcvthread(void *arg)
{
	struct hostlink_sc *sc = arg;
	struct ifnet *ifp = &sc->sc_if;
	void *h;
	struct mbuf *m = NULL, *in, *list, **tail;
	struct if_impair *imp = NULL;
	uint64_t overruns = 0;
	size_t len, bufsize = 0;
	int64_t due = -1;
	int error, flags;
	bool keep;

	mutex_enter(&sc->sc_lock);
	h = sc->sc_h;
	imp = sc->sc_imp;
	sc->sc_imp = NULL;
	mutex_exit(&sc->sc_lock);
	atomic_store_relaxed(&sc->sc_rxlwp, curlwp);
	while (!atomic_load_relaxed(&sc->sc_stop)) {
		if (__predict_false(imp != NULL))
			due = hostlink_impair_due(sc, imp);
		if (m == NULL) {
			/* Room for a frame of our MTU: a cluster at 1500.
			 * Larger frames are not for us, but for the link's
			 * aggregates. */
			if ((atomic_load_relaxed(&ifp->if_capenable) &
			    IFCAP_LRO) && sc->sc_ops->hlo_maxlarge != 0) {
				bufsize = sc->sc_ops->hlo_maxlarge;
				m = hostlink_lbuf_get(sc);
			} else {
				bufsize = (size_t)atomic_load_relaxed(
				    &ifp->if_mtu) + ETHER_HDR_LEN;
				m = m_getlen(bufsize, M_WAIT, MT_DATA, true);
			}
			if (m == NULL)
				break;
		}
		flags = 0;
		if (sc->sc_ops->hlo_recvf != NULL)
			error = sc->sc_ops->hlo_recvf(h, mtod(m, void *),
			    bufsize, &len, &overruns, &flags);
		else
			error = sc->sc_ops->hlo_recv(h, mtod(m, void *),
			    bufsize, &len, &overruns);
		if (overruns != sc->sc_overruns) {
			IF_STAT_ADD(ifp, if_overruns,
			    overruns - sc->sc_overruns);
			IF_STAT_ADD(ifp, if_iqdrops,
			    overruns - sc->sc_overruns);
			sc->sc_overruns = overruns;
		}
		if (error == 0) {
			in = hostlink_rxfit(m, len, bufsize, &keep);
			if (!keep)
				m = NULL;
			if (in == NULL) {
				IF_STAT_INC(ifp, if_iqdrops);
				continue;
			}
			in->m_len = in->m_pkthdr.len = len;
			in->m_pkthdr.rcvif = ifp;
			in->m_pkthdr.csum_flags = 0;
			in->m_nextpkt = NULL;
			hostlink_rxflags(ifp, in, flags);
			if (__predict_false(imp != NULL)) {
				list = NULL;
				tail = &list;
				if_impair_input(imp, in, &tail);
				hostlink_deliverlist(sc, list);
			} else
				hostlink_deliver(sc, in);
			continue;
		}
		if (error == EAGAIN) {
			/* Sleep in the host without holding a CPU (until
			 * the impairment's next frame is due, if any). */
			rump_unschedule();
			if (due >= 0)
				sc->sc_ops->hlo_timedwait(h, due);
			else
				sc->sc_ops->hlo_wait(h);
			rump_schedule();
			continue;
		}
		IF_STAT_INC(ifp, if_ierrors);
		/* A broken device: do not spin on it (a frame the link
		 * described wrongly is only skipped). */
		if (error != HOSTLINK_EBADFRAME && sc->sc_ops->hlo_errpause > 0)
			(void)kpause(sc->sc_ops->hlo_errpause);
	}
	atomic_store_relaxed(&sc->sc_rxlwp, NULL);
	hostlink_txflush(sc);
	if_impair_destroy(imp);
	m_freem(m);
	kthread_exit(0);
}

/* What the link does in place of the stack (IFCAP_*), for ip_output. */
static void
hostlink_setcaps(struct hostlink_sc *sc, int caps)
{
	struct ifnet *ifp = &sc->sc_if;

	mutex_enter(&ifp->if_lock);
	atomic_store_relaxed(&ifp->if_capenable, caps);
	mutex_exit(&ifp->if_lock);
}

/* Leave the link, if on one.  Called without sc_lock. */
static void
hostlink_unlink(struct hostlink_sc *sc)
{
	void *h;
	struct lwp *l;

	mutex_enter(&sc->sc_lock);
	h = sc->sc_h;
	l = sc->sc_rcvl;
	atomic_store_relaxed(&sc->sc_stop, true);
	mutex_exit(&sc->sc_lock);
	if (h == NULL)
		return;
	if (l != NULL) {
		sc->sc_ops->hlo_stop(h);
		(void)kthread_join(l);
	}
	mutex_enter(&sc->sc_txlock);
	sc->sc_h = NULL;
	mutex_exit(&sc->sc_txlock);
	hostlink_setcaps(sc, 0);
	mutex_enter(&sc->sc_lock);
	sc->sc_rcvl = NULL;
	mutex_exit(&sc->sc_lock);
	rump_unschedule();
	sc->sc_ops->hlo_detach(h);
	rump_schedule();
	if (sc->sc_linkstr != NULL) {
		kmem_free(sc->sc_linkstr, strlen(sc->sc_linkstr) + 1);
		sc->sc_linkstr = NULL;
	}
}

static int
hostlink_link(struct hostlink_sc *sc, const char *path)
{
	struct if_impair *imp;
	void *h;
	struct lwp *l;
	size_t n = strlen(path);
	int error;

	if (n == 0)
		return EINVAL;
	hostlink_unlink(sc);
	rump_unschedule();
	error = sc->sc_ops->hlo_attach(path, &h);
	rump_schedule();
	if (error != 0)
		return error;
	mutex_enter(&sc->sc_txlock);
	sc->sc_h = h;
	mutex_exit(&sc->sc_txlock);
	if (sc->sc_ops->hlo_caps != NULL)
		hostlink_setcaps(sc, sc->sc_ops->hlo_caps(h));
	imp = NULL;
	if (sc->sc_ops->hlo_impairenv != NULL &&
	    sc->sc_ops->hlo_timedwait != NULL)
		imp = if_impair_create(&sc->sc_if, sc->sc_ops->hlo_impairenv);
	mutex_enter(&sc->sc_lock);
	atomic_store_relaxed(&sc->sc_stop, false);
	sc->sc_linkstr = kmem_alloc(n + 1, KM_SLEEP);
	memcpy(sc->sc_linkstr, path, n + 1);
	sc->sc_imp = imp;
	mutex_exit(&sc->sc_lock);
	error = kthread_create(KTHREAD_JOINABLE, hostlink_rcvthread, sc, &l,
	    "%s", sc->sc_if.if_xname);
	if (error != 0) {
		mutex_enter(&sc->sc_lock);
		sc->sc_imp = NULL;
		mutex_exit(&sc->sc_lock);
		if_impair_destroy(imp);
		hostlink_unlink(sc);
		return error;
	}
	mutex_enter(&sc->sc_lock);
	sc->sc_rcvl = l;
	mutex_exit(&sc->sc_lock);
	return 0;
}

static int
hostlink_ioctl(struct ifnet *ifp, unsigned long cmd, void *data)
{
	struct hostlink_sc *sc = ifp_to_sc(ifp);

	switch (cmd) {
	case SIOCSIFFLAGS:
		return 0;
	case SIOCSIFMTU:
		return *(int *)data <=
		    (int)(sc->sc_ops->hlo_maxframe - ETHER_HDR_LEN) ? 0 : EINVAL;
	case SIOCSLINKSTR:
		return hostlink_link(sc, data);
	}
	return ENOTTY;
}

static void
hostlink_stop(struct ifnet *ifp)
{
	hostlink_unlink(ifp_to_sc(ifp));
}

int
hostlink_clone_create(const struct if_cloner *ifc, int unit)
{
	struct hostlink_cloner *hc = container_of(ifc, struct hostlink_cloner,
	    hc_cloner);
	const struct hostlink_ops *ops = hc->hc_ops;
	struct hostlink_sc *sc;
	uint8_t ea[ETHER_ADDR_LEN];
	int error;

	hostlink_lpool_init(hc);
	sc = kmem_zalloc(HOSTLINK_SCSIZE(ops), KM_SLEEP);
	sc->sc_ops = ops;
	mutex_init(&sc->sc_lock, MUTEX_DEFAULT, ifc->ifc_name);
	mutex_init(&sc->sc_txlock, MUTEX_DEFAULT, ifc->ifc_name);
	sc->sc_txqtail = &sc->sc_txq;
	if_initialize(&sc->sc_if);
	snprintf(sc->sc_if.if_xname, IFNAMSIZ, "%s%d", ifc->ifc_name, unit);
	sc->sc_if.if_cloner = ifc;
	sc->sc_if.if_softc = sc;
	ether_randaddr(ea);
	ether_ifattach(&sc->sc_if, ea);
	sc->sc_if.if_transmit = hostlink_transmit;
	sc->sc_if.if_ioctl = hostlink_ioctl;
	sc->sc_if.if_stop = hostlink_stop;
	error = if_attach(&sc->sc_if);
	if (error != 0) {
		if_free(&sc->sc_if);
		mutex_destroy(&sc->sc_txlock);
		mutex_destroy(&sc->sc_lock);
		kmem_free(sc, HOSTLINK_SCSIZE(ops));
	}
	return error;
}

int
hostlink_clone_destroy(struct ifnet *ifp)
{
	struct hostlink_sc *sc = ifp_to_sc(ifp);

	if_detach(ifp);                  /* runs hostlink_stop */
	if_free(ifp);
	mutex_destroy(&sc->sc_txlock);
	mutex_destroy(&sc->sc_lock);
	kmem_free(sc, HOSTLINK_SCSIZE(sc->sc_ops));
	return 0;
}
