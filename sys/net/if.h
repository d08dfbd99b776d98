/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if.h: network interfaces (struct ifnet), interface cloners, the input
 * queue, and the interface ioctls.
 *
 * An interface is made by a cloner ("lo", "shmif", "virtif") through
 * if_clone_create() (SIOCIFCREATE, rump_pub_netconfig_ifcreate) and goes
 * away through if_clone_destroy().  The cloner's driver fills in a
 * struct ifnet and calls if_attach(); if_detach() takes it off the list,
 * tells the protocols (routes, ARP entries and addresses through the
 * interface go), purges its packets from the input queue and waits until
 * nobody holds a reference.
 *
 * Packet flow:
 *	host-link receive thread (shmif, virtif) -> ifp->if_input
 *	    (ether_input) -> netisr_dispatch() -> ip_input / arp_input
 *	lo0 and other drivers -> if_input() -> input queue -> netisr thread,
 *	    or the sender at the end of its system call (lwp_defer)
 *	    -> ifp->if_input (lo_input, ether_input) -> netisr_dispatch()
 *	protocol -> ifp->if_output (ether_output, lo_output)
 *	    -> ifp->if_transmit (the driver)
 * A protocol never recurses into itself: what it sends from its input
 * path (an ICMP echo reply, an ARP reply) leaves through a driver or, on
 * lo0, goes to the input queue, taken later by the netisr thread or by
 * the sender once it holds no locks (if.c).  The host-link drivers run
 * the input routine on their own receive threads, saving a wake-up per
 * frame (if_hostlink.c).  The queue is bounded (IFQ_MAXLEN): beyond it
 * packets are dropped and counted in if_iqdrops.
 *
 * Lifetime: the interface list holds one reference; if_byname(),
 * if_byindex() and routes take more (if_hold/if_rele).  A packet's
 * m_pkthdr.rcvif holds none: if_detach purges the input queue and waits
 * for the netisr thread to finish the packet in hand.
 *
 * Locking: [I] immutable after if_attach, [a] atomic, [L] ifnet_lock
 * (the list), [i] if_lock of the interface, [D] the driver's own.
 * Lock order: inet socket lock > ifnet_lock > if_lock > driver locks.
 */
#ifndef _SYS_NET_IF_H_
#define _SYS_NET_IF_H_

#include "kern/kern.h"
#include "kern/lock.h"

struct mbuf;
struct lwp;
struct socket;

/* Byte order (the wire is big-endian, the host x86_64 little-endian). */
static inline uint16_t
htons(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t
htonl(uint32_t v)
{
	return __builtin_bswap32(v);
}
#define ntohs(v) htons(v)
#define ntohl(v) htonl(v)

#define IF_HWADDRLEN 6
#define IFQ_MAXLEN   1024              /* input queue, packets */

struct if_cloner;

/* if_capenable: what the interface does in place of the stack. */
#define IFCAP_CSUM_DATA 0x01    /* payload sums need not be computed for
                                   it (mbuf.h, M_CSUM_DATA_OUT) */
#define IFCAP_TSO4      0x02    /* takes TCP/IPv4 packets up to IP_MAXPACKET
                                   marked M_CSUM_TSOv4 and cuts them */
#define IFCAP_LRO       0x04    /* may hand up TCP/IPv4 packets larger than
                                   its MTU (the link's aggregates) */
#define IFCAP_TSO_WHOLE 0x08    /* with IFCAP_TSO4: the link carries such
                                   a packet whole to receivers that take
                                   it whole (shmif), so its payload sum,
                                   unless IFCAP_CSUM_DATA, covers it all */

struct ifnet {
	char if_xname[IFNAMSIZ];           /* [I] "shmif0" */
	unsigned if_index;                 /* [I] 1, 2, ... */
	int if_type;                       /* [I] ARPHRD_* */
	const struct if_cloner *if_cloner; /* [I] */
	void *if_softc;                    /* [I] the driver's */
	size_t if_hdrlen;                  /* [I] link header bytes */
	uint8_t if_hwaddr[IF_HWADDRLEN];   /* [i] MAC address */

	/* [I] driver operations.  if_transmit consumes m; if_ioctl handles
	 * SIOCSIFFLAGS (up/down), SIOCSIFMTU, SIOCSLINKSTR (ENOTTY else);
	 * if_stop runs at detach before the interface is freed. */
	int (*if_transmit)(struct ifnet *ifp, struct mbuf *m);
	int (*if_ioctl)(struct ifnet *ifp, unsigned long cmd, void *data);
	void (*if_stop)(struct ifnet *ifp);
	/* [I] link layer: input from the queue, output of a layer-3 packet
	 * to a next hop (af, and for AF_INET a uint32_t in network order);
	 * output consumes m. */
	void (*if_input)(struct ifnet *ifp, struct mbuf *m);
	int (*if_output)(struct ifnet *ifp, struct mbuf *m, int af,
	    const void *nexthop);

	kmutex_t if_lock;
	kcondvar_t if_cv;                  /* detach waits for if_refcnt */
	int if_flags;                      /* [i] IFF_* */
	int if_mtu;                        /* [i] */
	int if_capenable;                  /* [i] IFCAP_* */
	unsigned if_refcnt;                /* [i] */
	bool if_dying;                     /* [i] being detached */

	/* counters [a] */
	uint64_t if_ipackets, if_ierrors, if_opackets, if_oerrors;
	uint64_t if_ibytes, if_obytes, if_collisions, if_iqdrops;
	uint64_t if_overruns;
	/* frames the test impairment (if_impair.c) dropped, duplicated,
	 * held back to reorder, delayed */
	uint64_t if_impdrops, if_impdups, if_impreorders, if_impdelays;

	void *if_inet;                     /* [N] netinet's per-interface data
					      (netinet's lock) */
	struct ifnet *if_next;             /* [L] */
};

struct if_cloner {
	const char *ifc_name;              /* "shmif" */
	/* Make unit (the interface's name is ifc_name + unit).  0 or errno. */
	int (*ifc_create)(const struct if_cloner *ifc, int unit);
	/* Detach and free ifp (if_detach first).  0 or errno. */
	int (*ifc_destroy)(struct ifnet *ifp);
	struct if_cloner *ifc_next;        /* [L] (internal) */
};

/* Cloners register from their component's init. */
void if_clone_attach(struct if_cloner *ifc);
/* "shmif3" makes unit 3; "shmif" the first free unit (*unitp out, may be
 * NULL).  EEXIST, EINVAL (no such cloner). */
int if_clone_create(const char *name, int *unitp);
int if_clone_destroy(const char *name);

/* Drivers: a zeroed ifnet with if_xname, operations and if_type set.
 * if_attach gives the index; it fails with EEXIST for a taken name. */
void if_initialize(struct ifnet *ifp);
int if_attach(struct ifnet *ifp);
void if_detach(struct ifnet *ifp);
void if_free(struct ifnet *ifp);       /* after if_detach */

/* References (0 or ENXIO). */
struct ifnet *if_byname(const char *name);  /* held, or NULL */
struct ifnet *if_byindex(unsigned index);   /* held, or NULL */
void if_hold(struct ifnet *ifp);
void if_rele(struct ifnet *ifp);
/* Call fn for each attached interface (held during the call); stops at
 * the first non-zero return, which it returns. */
int if_foreach(int (*fn)(struct ifnet *ifp, void *arg), void *arg);

static inline bool
if_isup(struct ifnet *ifp)
{
	return (atomic_load_relaxed(&ifp->if_flags) & IFF_UP) != 0;
}

/* A received frame (consumed): queued for the netisr thread. */
void if_input(struct ifnet *ifp, struct mbuf *m);
/* Counters. */
#define IF_STAT_ADD(ifp, f, n) \
	((void)__atomic_add_fetch(&(ifp)->f, (n), __ATOMIC_RELAXED))
#define IF_STAT_INC(ifp, f) IF_STAT_ADD(ifp, f, 1)

/* Layer-3 input handlers, called on the netisr thread (m consumed). */
enum netisr_proto { NETISR_IP, NETISR_ARP, NETISR_MAX };
void netisr_register(enum netisr_proto p,
    void (*input)(struct ifnet *ifp, struct mbuf *m));
void netisr_dispatch(enum netisr_proto p, struct ifnet *ifp, struct mbuf *m);

/*
 * Protocol hooks into the interface layer (netinet sets them at init):
 * address ioctls of family AF_INET, and notification when an interface
 * goes down or away (routes and ARP entries through it are flushed).
 */
struct if_afhooks {
	/* SIOC[GS]IF{ADDR,NETMASK,BRDADDR}, SIOCDIFADDR on a kernel
	 * ifreq.  ENOTTY if not handled. */
	int (*ifa_ioctl)(struct ifnet *ifp, unsigned long cmd,
	    struct rump_ifreq *ifr);
	/* The interface changed flags (up/down) or is being detached. */
	void (*ifa_ifchange)(struct ifnet *ifp, bool detach);
	/* ioctls on sockets the interface layer does not know (stats). */
	int (*ifa_sockioctl)(unsigned long cmd, void *data);
	/* Cut the TCP/IPv4 aggregate m a link received (M_CSUM_TSOv4,
	 * starting at its IP header) into the packets it stands for,
	 * linked by m_nextpkt in *listp, each ready for ip_input.
	 * Consumes m.  0, EINVAL (malformed or a bad sum: counted) or
	 * ENOBUFS. */
	int (*ifa_lrocut)(struct mbuf *m, struct mbuf **listp);
};
void if_afhooks_set(const struct if_afhooks *h);
/* ifa_lrocut, for the link layer (if_impair.c); EAFNOSUPPORT (m freed)
 * without netinet. */
int if_lrocut(struct mbuf *m, struct mbuf **listp);

/*
 * Socket ioctls of the interface layer (the AF_INET protocols' pru_ioctl
 * comes here).  data is the caller's address; every structure is copied
 * in and out.  ENOTTY for a command that is not an interface ioctl.
 */
int ifioctl(unsigned long cmd, void *data, struct lwp *l);

/* The loopback interface lo0 (if_loop.c). */
extern struct ifnet *lo0ifp;

/* Ethernet-style address to text, for messages: buf of 18 bytes. */
const char *ether_sprintf(char *buf, const uint8_t *ea);

#endif /* _SYS_NET_IF_H_ */
