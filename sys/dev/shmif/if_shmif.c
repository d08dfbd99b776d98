/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_shmif.c: shmif, an Ethernet interface on a bus file that any
 * number of rump kernels in any number of processes share (the kernel
 * half; the bus itself is shmif_user.c, see docs/shmif.md).
 *
 * An interface is made by the "shmif" cloner (SIOCIFCREATE, or
 * rump_pub_shmif_create in netconfig.c) and joins a bus when it gets a
 * link string, the bus file's host path (SIOCSLINKSTR).  Joining starts
 * a receive thread that takes the frames other kernels write and queues
 * them for the netisr thread (if_input); it sleeps in the host, its
 * virtual CPU released, while the bus is quiet.  if_transmit copies the
 * frame into the ring in the sender's context.
 *
 * Locking: [s] sc_lock (bus attachment and the receive thread's
 * life; never held across hypercalls that sleep); [t] sc_txlock
 * serialises the transmit buffer.  Lock order: sc_lock > sc_txlock.
 */
#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "net/if.h"
#include "net/if_ether.h"
#include "net/mbuf.h"
#include "dev/shmif/shmif_busfmt.h"
#include "dev/shmif/shmif_user.h"

struct shmif_sc {
	struct ifnet sc_if;                /* first: container_of */
	kmutex_t sc_lock;
	struct shmif_user *sc_bus;         /* [s] NULL until a link string */
	struct lwp *sc_rcvl;               /* [s] receive thread */
	bool sc_stop;                      /* [s] thread must leave */
	char *sc_linkstr;                  /* [s] */
	kmutex_t sc_txlock;
	uint8_t sc_txbuf[SHMIF_MAXFRAME];  /* [t] */
	uint64_t sc_overruns;              /* receive thread only */
};

static struct shmif_sc *
ifp_to_sc(struct ifnet *ifp)
{
	return container_of(ifp, struct shmif_sc, sc_if);
}

static int
shmif_transmit(struct ifnet *ifp, struct mbuf *m)
{
	struct shmif_sc *sc = ifp_to_sc(ifp);
	size_t len = m->m_pkthdr.len;
	int error;

	if (len > SHMIF_MAXFRAME || len > (size_t)ifp->if_mtu + ETHER_HDR_LEN) {
		IF_STAT_INC(ifp, if_oerrors);
		m_freem(m);
		return EMSGSIZE;
	}
	mutex_enter(&sc->sc_txlock);
	if (sc->sc_bus == NULL) {
		mutex_exit(&sc->sc_txlock);
		IF_STAT_INC(ifp, if_oerrors);
		m_freem(m);
		return ENETDOWN;
	}
	(void)m_copydata(m, 0, len, sc->sc_txbuf);
	error = rumpuser_shmif_send(sc->sc_bus, sc->sc_txbuf, len);
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
shmif_rcvthread(void *arg)
{
	struct shmif_sc *sc = arg;
	struct ifnet *ifp = &sc->sc_if;
	struct shmif_user *bus;
	struct mbuf *m = NULL;
	uint64_t overruns = 0;
	size_t len, bufsize = 0;
	int error;

	mutex_enter(&sc->sc_lock);
	bus = sc->sc_bus;
	mutex_exit(&sc->sc_lock);
	for (;;) {
		mutex_enter(&sc->sc_lock);
		if (sc->sc_stop) {
			mutex_exit(&sc->sc_lock);
			break;
		}
		mutex_exit(&sc->sc_lock);
		if (m == NULL) {
			/* Room for a frame of our MTU: a cluster at 1500.
			 * Larger frames on the bus are not for us. */
			bufsize = (size_t)atomic_load_relaxed(&ifp->if_mtu) +
			    ETHER_HDR_LEN;
			m = m_getlen(bufsize, M_WAIT, MT_DATA, true);
			if (m == NULL)
				break;
		}
		error = rumpuser_shmif_recv(bus, mtod(m, void *), bufsize,
		    &len, &overruns);
		if (overruns != sc->sc_overruns) {
			IF_STAT_ADD(ifp, if_overruns,
			    overruns - sc->sc_overruns);
			IF_STAT_ADD(ifp, if_iqdrops,
			    overruns - sc->sc_overruns);
			sc->sc_overruns = overruns;
		}
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
			rumpuser_shmif_wait(bus);
			rump_schedule();
			continue;
		}
		IF_STAT_INC(ifp, if_ierrors);
	}
	m_freem(m);
	kthread_exit(0);
}

/* Leave the bus, if on one.  Called without sc_lock. */
static void
shmif_unlink(struct shmif_sc *sc)
{
	struct shmif_user *bus;
	struct lwp *l;

	mutex_enter(&sc->sc_lock);
	bus = sc->sc_bus;
	l = sc->sc_rcvl;
	sc->sc_stop = true;
	mutex_exit(&sc->sc_lock);
	if (bus == NULL)
		return;
	if (l != NULL) {
		rumpuser_shmif_stop(bus);
		(void)kthread_join(l);
	}
	mutex_enter(&sc->sc_txlock);
	sc->sc_bus = NULL;
	mutex_exit(&sc->sc_txlock);
	mutex_enter(&sc->sc_lock);
	sc->sc_rcvl = NULL;
	mutex_exit(&sc->sc_lock);
	rump_unschedule();
	rumpuser_shmif_detach(bus);
	rump_schedule();
	if (sc->sc_linkstr != NULL) {
		kmem_free(sc->sc_linkstr, strlen(sc->sc_linkstr) + 1);
		sc->sc_linkstr = NULL;
	}
}

static int
shmif_link(struct shmif_sc *sc, const char *path)
{
	struct shmif_user *bus;
	struct lwp *l;
	size_t n = strlen(path);
	int error;

	if (n == 0)
		return EINVAL;
	shmif_unlink(sc);
	rump_unschedule();
	error = rumpuser_shmif_attach(path, &bus);
	rump_schedule();
	if (error != 0)
		return error;
	mutex_enter(&sc->sc_txlock);
	sc->sc_bus = bus;
	mutex_exit(&sc->sc_txlock);
	mutex_enter(&sc->sc_lock);
	sc->sc_stop = false;
	sc->sc_linkstr = kmem_alloc(n + 1, KM_SLEEP);
	memcpy(sc->sc_linkstr, path, n + 1);
	mutex_exit(&sc->sc_lock);
	error = kthread_create(KTHREAD_JOINABLE, shmif_rcvthread, sc, &l,
	    "%s", sc->sc_if.if_xname);
	if (error != 0) {
		shmif_unlink(sc);
		return error;
	}
	mutex_enter(&sc->sc_lock);
	sc->sc_rcvl = l;
	mutex_exit(&sc->sc_lock);
	return 0;
}

static int
shmif_ioctl(struct ifnet *ifp, unsigned long cmd, void *data)
{
	struct shmif_sc *sc = ifp_to_sc(ifp);

	switch (cmd) {
	case SIOCSIFFLAGS:
		return 0;
	case SIOCSIFMTU:
		return *(int *)data <= SHMIF_MAXFRAME - ETHER_HDR_LEN ?
		    0 : EINVAL;
	case SIOCSLINKSTR:
		return shmif_link(sc, data);
	}
	return ENOTTY;
}

static void
shmif_stop(struct ifnet *ifp)
{
	shmif_unlink(ifp_to_sc(ifp));
}

static int
shmif_clone_create(const struct if_cloner *ifc, int unit)
{
	struct shmif_sc *sc;
	uint8_t ea[ETHER_ADDR_LEN];
	int error;

	sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);
	mutex_init(&sc->sc_lock, MUTEX_DEFAULT, "shmif");
	mutex_init(&sc->sc_txlock, MUTEX_DEFAULT, "shmiftx");
	if_initialize(&sc->sc_if);
	snprintf(sc->sc_if.if_xname, IFNAMSIZ, "shmif%d", unit);
	sc->sc_if.if_cloner = ifc;
	sc->sc_if.if_softc = sc;
	ether_randaddr(ea);
	ether_ifattach(&sc->sc_if, ea);
	sc->sc_if.if_transmit = shmif_transmit;
	sc->sc_if.if_ioctl = shmif_ioctl;
	sc->sc_if.if_stop = shmif_stop;
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
shmif_clone_destroy(struct ifnet *ifp)
{
	struct shmif_sc *sc = ifp_to_sc(ifp);

	if_detach(ifp);                  /* runs shmif_stop */
	if_free(ifp);
	mutex_destroy(&sc->sc_txlock);
	mutex_destroy(&sc->sc_lock);
	kmem_free(sc, sizeof(*sc));
	return 0;
}

static struct if_cloner shmif_cloner = {
	.ifc_name = "shmif",
	.ifc_create = shmif_clone_create,
	.ifc_destroy = shmif_clone_destroy,
};

RUMP_COMPONENT(RUMP_COMPONENT_NET_IF)
{
	if_clone_attach(&shmif_cloner);
	return 0;
}
