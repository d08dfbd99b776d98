/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_loop.c: the loopback interfaces ("lo" cloner).  lo0 is made at boot
 * and is up from the start; netinet gives it 127.0.0.1/8.  Output goes
 * straight back to the input queue (if_input), so a packet a protocol
 * sends to itself is handled later on the netisr thread, never inside
 * the sender's call.  TCP and UDP payload sums are not computed for lo0
 * (IFCAP_CSUM_DATA): the packet never leaves memory.
 */
#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "net/if.h"
#include "net/mbuf.h"

#define LOMTU 65536

struct ifnet *lo0ifp;

static int
lo_output(struct ifnet *ifp, struct mbuf *m, int af, const void *nexthop)
{
	size_t len = m->m_pkthdr.len;

	if (af != AF_INET) {
		m_freem(m);
		return EAFNOSUPPORT;
	}
	if (!if_isup(ifp)) {
		m_freem(m);
		return ENETDOWN;
	}
	IF_STAT_INC(ifp, if_opackets);
	IF_STAT_ADD(ifp, if_obytes, len);
	m->m_flags &= ~(M_BCAST | M_MCAST);
	/* Memory to memory: a payload sum left undone is not needed. */
	if (m->m_pkthdr.csum_flags & M_CSUM_DATA_OUT)
		m->m_pkthdr.csum_flags |= M_CSUM_DATA_OK;
	if_input(ifp, m);
	return 0;
}

static void
lo_input(struct ifnet *ifp, struct mbuf *m)
{
	IF_STAT_INC(ifp, if_ipackets);
	IF_STAT_ADD(ifp, if_ibytes, m->m_pkthdr.len);
	netisr_dispatch(NETISR_IP, ifp, m);
}

static int
lo_transmit(struct ifnet *ifp, struct mbuf *m)
{
	m_freem(m);
	return EOPNOTSUPP;
}

static int
lo_ioctl(struct ifnet *ifp, unsigned long cmd, void *data)
{
	switch (cmd) {
	case SIOCSIFFLAGS:
		return 0;
	case SIOCSIFMTU:
		return *(int *)data <= LOMTU ? 0 : EINVAL;
	}
	return ENOTTY;
}

static int
lo_clone_create(const struct if_cloner *ifc, int unit)
{
	struct ifnet *ifp;
	int error;

	ifp = kmem_zalloc(sizeof(*ifp), KM_SLEEP);
	if_initialize(ifp);
	snprintf(ifp->if_xname, sizeof(ifp->if_xname), "lo%d", unit);
	ifp->if_cloner = ifc;
	ifp->if_type = ARPHRD_LOOPBACK;
	ifp->if_mtu = LOMTU;
	ifp->if_flags = IFF_LOOPBACK | IFF_UP;
	ifp->if_capenable = IFCAP_CSUM_DATA;
	ifp->if_input = lo_input;
	ifp->if_output = lo_output;
	ifp->if_transmit = lo_transmit;
	ifp->if_ioctl = lo_ioctl;
	error = if_attach(ifp);
	if (error != 0) {
		if_free(ifp);
		kmem_free(ifp, sizeof(*ifp));
		return error;
	}
	if (unit == 0 && lo0ifp == NULL)
		lo0ifp = ifp;
	return 0;
}

static int
lo_clone_destroy(struct ifnet *ifp)
{
	if (ifp == lo0ifp) {
		mutex_enter(&ifp->if_lock);
		ifp->if_dying = false;
		mutex_exit(&ifp->if_lock);
		return EPERM;
	}
	if_detach(ifp);
	if_free(ifp);
	kmem_free(ifp, sizeof(*ifp));
	return 0;
}

static struct if_cloner lo_cloner = {
	.ifc_name = "lo",
	.ifc_create = lo_clone_create,
	.ifc_destroy = lo_clone_destroy,
};

RUMP_COMPONENT(RUMP_COMPONENT_NET_IF)
{
	if_clone_attach(&lo_cloner);
	return lo_clone_create(&lo_cloner, 0);
}
