/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_virtif.c: virtif, an Ethernet interface on a host tap device, so a
 * rump kernel sits on the same Ethernet as the host's own stack (the
 * kernel half; the host half is virtif_user.c).
 *
 * An interface is made by the "virtif" cloner (SIOCIFCREATE) and opens
 * its tap when it gets a link string, the tap's name (SIOCSLINKSTR):
 * an existing tap, or a new one the process then holds.  A receive
 * thread reads frames and queues them for the netisr thread (if_input);
 * it sleeps in poll(2) in the host, its virtual CPU released, while the
 * tap is quiet.  if_transmit writes the frame in the sender's context.
 *
 * Locking: [s] sc_lock (tap attachment and the receive thread's
 * life; never held across hypercalls that sleep); [t] sc_txlock
 * serialises the transmit buffer.  Lock order: sc_lock > sc_txlock.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "net/if.h"
#include "net/if_ether.h"
#include "net/mbuf.h"
#include "dev/virtif/virtif_user.h"

struct virtif_sc {
	struct ifnet sc_if;                /* first: container_of */
	kmutex_t sc_lock;
	struct virtif_user *sc_tap;         /* [s] NULL until a link string */
	struct lwp *sc_rcvl;               /* [s] receive thread */
	bool sc_stop;                      /* [s] thread must leave */
	char *sc_linkstr;                  /* [s] */
	kmutex_t sc_txlock;
	uint8_t sc_txbuf[VIRTIF_MAXFRAME];  /* [t] */
};

static struct virtif_sc *
ifp_to_sc(struct ifnet *ifp)
{
	return container_of(ifp, struct virtif_sc, sc_if);
}

static int
virtif_transmit(struct ifnet *ifp, struct mbuf *m)
{
	struct virtif_sc *sc = ifp_to_sc(ifp);
	size_t len = m->m_pkthdr.len;
	int error;

	if (len > VIRTIF_MAXFRAME || len > (size_t)ifp->if_mtu + ETHER_HDR_LEN) {
		IF_STAT_INC(ifp, if_oerrors);
		m_freem(m);
		return EMSGSIZE;
	}
	mutex_enter(&sc->sc_txlock);
	if (sc->sc_tap == NULL) {
		mutex_exit(&sc->sc_txlock);
		IF_STAT_INC(ifp, if_oerrors);
		m_freem(m);
		return ENETDOWN;
	}
	(void)m_copydata(m, 0, len, sc->sc_txbuf);
	error = rumpuser_virtif_send(sc->sc_tap, sc->sc_txbuf, len);
	mutex_exit(&sc->sc_txlock);
	m_freem(m);
	if (error != 0) {
		IF_STAT_INC(ifp, if_oerrors);
		return error;
	}
	IF_STAT_INC(ifp, if_opackets);
	IF_STAT_ADD(ifp, if_obytes, len);
	return 0;
}

static void
virtif_rcvthread(void *arg)
{
	struct virtif_sc *sc = arg;
	struct ifnet *ifp = &sc->sc_if;
	struct virtif_user *tap;
	struct mbuf *m = NULL;
	size_t len, bufsize = 0;
	int error;

	mutex_enter(&sc->sc_lock);
	tap = sc->sc_tap;
	mutex_exit(&sc->sc_lock);
	for (;;) {
		mutex_enter(&sc->sc_lock);
		if (sc->sc_stop) {
			mutex_exit(&sc->sc_lock);
			break;
		}
		mutex_exit(&sc->sc_lock);
		if (m == NULL) {
			/* Room for a frame of our MTU: a cluster at 1500. */
			bufsize = (size_t)atomic_load_relaxed(&ifp->if_mtu) +
			    ETHER_HDR_LEN;
			m = m_getlen(bufsize, M_WAIT, MT_DATA, true);
			if (m == NULL)
				break;
		}
		error = rumpuser_virtif_recv(tap, mtod(m, void *), bufsize,
		    &len);
		if (error == 0) {
			m->m_len = m->m_pkthdr.len = len;
			if (if_isup(ifp))
				if_input(ifp, m);
			else
				m_freem(m);
			m = NULL;
			continue;
		}
		if (error == EAGAIN) {
			/* Sleep in the host without holding a CPU. */
			rump_unschedule();
			rumpuser_virtif_wait(tap);
			rump_schedule();
			continue;
		}
		IF_STAT_INC(ifp, if_ierrors);
		/* A broken tap: do not spin on it. */
		(void)kpause(100 * NSEC_PER_MSEC);
	}
	m_freem(m);
	kthread_exit(0);
}

/* Close the tap, if open.  Called without sc_lock. */
static void
virtif_unlink(struct virtif_sc *sc)
{
	struct virtif_user *tap;
	struct lwp *l;

	mutex_enter(&sc->sc_lock);
	tap = sc->sc_tap;
	l = sc->sc_rcvl;
	sc->sc_stop = true;
	mutex_exit(&sc->sc_lock);
	if (tap == NULL)
		return;
	if (l != NULL) {
		rumpuser_virtif_stop(tap);
		(void)kthread_join(l);
	}
	mutex_enter(&sc->sc_txlock);
	sc->sc_tap = NULL;
	mutex_exit(&sc->sc_txlock);
	mutex_enter(&sc->sc_lock);
	sc->sc_rcvl = NULL;
	mutex_exit(&sc->sc_lock);
	rump_unschedule();
	rumpuser_virtif_detach(tap);
	rump_schedule();
	if (sc->sc_linkstr != NULL) {
		kmem_free(sc->sc_linkstr, strlen(sc->sc_linkstr) + 1);
		sc->sc_linkstr = NULL;
	}
}

static int
virtif_link(struct virtif_sc *sc, const char *path)
{
	struct virtif_user *tap;
	struct lwp *l;
	size_t n = strlen(path);
	int error;

	if (n == 0)
		return EINVAL;
	virtif_unlink(sc);
	rump_unschedule();
	error = rumpuser_virtif_attach(path, &tap);
	rump_schedule();
	if (error != 0)
		return error;
	mutex_enter(&sc->sc_txlock);
	sc->sc_tap = tap;
	mutex_exit(&sc->sc_txlock);
	mutex_enter(&sc->sc_lock);
	sc->sc_stop = false;
	sc->sc_linkstr = kmem_alloc(n + 1, KM_SLEEP);
	memcpy(sc->sc_linkstr, path, n + 1);
	mutex_exit(&sc->sc_lock);
	error = kthread_create(KTHREAD_JOINABLE, virtif_rcvthread, sc, &l,
	    "%s", sc->sc_if.if_xname);
	if (error != 0) {
		virtif_unlink(sc);
		return error;
	}
	mutex_enter(&sc->sc_lock);
	sc->sc_rcvl = l;
	mutex_exit(&sc->sc_lock);
	return 0;
}

static int
virtif_ioctl(struct ifnet *ifp, unsigned long cmd, void *data)
{
	struct virtif_sc *sc = ifp_to_sc(ifp);

	switch (cmd) {
	case SIOCSIFFLAGS:
		return 0;
	case SIOCSIFMTU:
		return *(int *)data <= VIRTIF_MAXFRAME - ETHER_HDR_LEN ?
		    0 : EINVAL;
	case SIOCSLINKSTR:
		return virtif_link(sc, data);
	}
	return ENOTTY;
}

static void
virtif_stop(struct ifnet *ifp)
{
	virtif_unlink(ifp_to_sc(ifp));
}

static int
virtif_clone_create(const struct if_cloner *ifc, int unit)
{
	struct virtif_sc *sc;
	uint8_t ea[ETHER_ADDR_LEN];
	int error;

	sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);
	mutex_init(&sc->sc_lock, MUTEX_DEFAULT, "virtif");
	mutex_init(&sc->sc_txlock, MUTEX_DEFAULT, "virtiftx");
	if_initialize(&sc->sc_if);
	snprintf(sc->sc_if.if_xname, IFNAMSIZ, "virtif%d", unit);
	sc->sc_if.if_cloner = ifc;
	sc->sc_if.if_softc = sc;
	ether_randaddr(ea);
	ether_ifattach(&sc->sc_if, ea);
	sc->sc_if.if_transmit = virtif_transmit;
	sc->sc_if.if_ioctl = virtif_ioctl;
	sc->sc_if.if_stop = virtif_stop;
	error = if_attach(&sc->sc_if);
	if (error != 0) {
		if_free(&sc->sc_if);
		mutex_destroy(&sc->sc_txlock);
		mutex_destroy(&sc->sc_lock);
		kmem_free(sc, sizeof(*sc));
	}
	return error;
}

static int
virtif_clone_destroy(struct ifnet *ifp)
{
	struct virtif_sc *sc = ifp_to_sc(ifp);

	if_detach(ifp);                  /* runs virtif_stop */
	if_free(ifp);
	mutex_destroy(&sc->sc_txlock);
	mutex_destroy(&sc->sc_lock);
	kmem_free(sc, sizeof(*sc));
	return 0;
}

static struct if_cloner virtif_cloner = {
	.ifc_name = "virtif",
	.ifc_create = virtif_clone_create,
	.ifc_destroy = virtif_clone_destroy,
};

RUMP_COMPONENT(RUMP_COMPONENT_NET_IF)
{
	if_clone_attach(&virtif_cloner);
	return 0;
}
