/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_arp.c: ARP for IPv4 over Ethernet (RFC 826).
 *
 * ether_output asks arp_resolve for the MAC address of a next hop.  A
 * cached, fresh entry answers at once; otherwise the packet waits on the
 * entry's hold queue (at most ARP_MAXHOLD packets per entry, the oldest
 * dropped first, and ARP_MAXHOLD_TOTAL in all) while a request goes out.
 * arp_input (netisr thread) learns from requests aimed at us and from
 * replies, answers requests for our address, and sends the held
 * packets.  arp_timer (once a second) repeats requests (ARP_MAXTRIES,
 * one second apart) before giving up on an entry and dropping what it
 * held, and expires resolved entries after ARP_REACHABLE.  Setting an
 * address or bringing an interface up sends a gratuitous ARP.
 *
 * SIOCSARP adds a static entry (RESOLVED at once; permanent with
 * ATF_PERM: it never expires and answers from the wire do not change
 * it), SIOCDARP deletes one, SIOCGARP reads one, and RUMP_SIOCGARPTABLE
 * lists them all (net_tables.c); all four arrive through in_sockioctl.
 *
 * Entry states:
 *	(none) -> INCOMPLETE   arp_resolve for an unknown next hop
 *	INCOMPLETE -> RESOLVED arp_input got the answer
 *	INCOMPLETE -> (none)   arp_timer: no answer after ARP_MAXTRIES
 *	RESOLVED -> (none)     arp_timer: expired; arp_ifflush
 *	(none) -> RESOLVED     arp_input: a request for us from a new peer
 *	any -> RESOLVED        SIOCSARP (held packets go out)
 *	any -> (none)          SIOCDARP
 * all under arp_lock.
 *
 * Locking: arp_lock covers the table.  Packets are sent and freed only
 * after it is dropped.  Lock order: in_lock > arp_lock > if_lock.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "kern/syscall.h"
#include "net/if.h"
#include "net/if_ether.h"
#include "net/mbuf.h"
#include "net/net_stats.h"
#include "net/net_tables.h"
#include "net/route.h"
#include "netinet/in_impl.h"

#define ARP_MAXENTRIES    1024
#define ARP_MAXHOLD       64               /* fragments of a 64 KiB datagram */
#define ARP_MAXHOLD_TOTAL 1024
#define ARP_MAXTRIES      3
#define ARP_REACHABLE     (300 * NSEC_PER_SEC)
#define ARP_LOGINTERVAL   (10 * NSEC_PER_SEC)

enum la_state { LA_INCOMPLETE, LA_RESOLVED };

struct llentry {
	struct ifnet *la_ifp;              /* not held: flushed at detach */
	uint32_t la_addr;
	uint8_t la_mac[ETHER_ADDR_LEN];
	enum la_state la_state;
	int64_t la_expire;                 /* RESOLVED: stale after */
	int64_t la_asked;                  /* INCOMPLETE: last request */
	int la_tries;
	bool la_perm;                      /* static (ATF_PERM) */
	struct mbuf *la_hold;              /* m_nextpkt list, oldest first */
	unsigned la_nhold;
	struct llentry *la_next;
};

static kmutex_t arp_lock;
static struct llentry *arp_table;
static unsigned arp_nentries;
static unsigned arp_nheld;
static int64_t arp_lastlog;                /* [a] last console report */

void
arp_init(void)
{
	mutex_init(&arp_lock, MUTEX_DEFAULT, "arp");
	ether_resolver_set(arp_resolve);
}

static struct llentry *
arp_lookup(struct ifnet *ifp, uint32_t addr)
{
	struct llentry *la;

	for (la = arp_table; la != NULL; la = la->la_next)
		if (la->la_ifp == ifp && la->la_addr == addr)
			return la;
	return NULL;
}

/* Unlink la, moving its held packets to *freep (arp_lock held). */
static void
arp_free(struct llentry *la, struct mbuf **freep)
{
	struct llentry **pp;
	struct mbuf *m;

	for (pp = &arp_table; *pp != NULL; pp = &(*pp)->la_next)
		if (*pp == la) {
			*pp = la->la_next;
			break;
		}
	while ((m = la->la_hold) != NULL) {
		la->la_hold = m->m_nextpkt;
		m->m_nextpkt = *freep;
		*freep = m;
		NETSTAT_INC(arps_dropped);
	}
	arp_nheld -= la->la_nhold;
	arp_nentries--;
	NETSTAT_SUB(arps_entries, 1);
	kmem_free(la, sizeof(*la));
}

/*
 * A new, empty entry for addr on ifp at the head of the table, or NULL
 * when the table is full (ENOBUFS) or there is no memory (ENOMEM), said
 * in *errorp.  arp_lock held.
 */
static struct llentry *
arp_newentry(struct ifnet *ifp, uint32_t addr, int *errorp)
{
	struct llentry *la;

	KASSERT(mutex_owned(&arp_lock));
	if (arp_nentries >= ARP_MAXENTRIES) {
		*errorp = ENOBUFS;
		return NULL;
	}
	la = kmem_zalloc(sizeof(*la), KM_NOSLEEP);
	if (la == NULL) {
		*errorp = ENOMEM;
		return NULL;
	}
	la->la_ifp = ifp;
	la->la_addr = addr;
	la->la_next = arp_table;
	arp_table = la;
	arp_nentries++;
	NETSTAT_INC(arps_entries);
	return la;
}

static void
arp_freelist(struct mbuf *list)
{
	struct mbuf *m;

	while ((m = list) != NULL) {
		list = m->m_nextpkt;
		m->m_nextpkt = NULL;
		m_freem(m);
	}
}

static void
arp_send(struct ifnet *ifp, int op, uint32_t spa, uint32_t tpa,
    const uint8_t *tha, const uint8_t *dst)
{
	struct ether_arp *ea;
	struct mbuf *m;

	m = m_gethdr(M_DONTWAIT, MT_DATA);
	if (m == NULL)
		return;
	m->m_data += MAX_LINKHDR;
	m->m_len = m->m_pkthdr.len = sizeof(*ea);
	ea = mtod(m, struct ether_arp *);
	ea->ar_hrd = htons(ARPHRD_ETHER);
	ea->ar_pro = htons(ETHERTYPE_IP);
	ea->ar_hln = ETHER_ADDR_LEN;
	ea->ar_pln = 4;
	ea->ar_op = htons((uint16_t)op);
	mutex_enter(&ifp->if_lock);
	memcpy(ea->arp_sha, ifp->if_hwaddr, ETHER_ADDR_LEN);
	mutex_exit(&ifp->if_lock);
	memcpy(ea->arp_spa, &spa, 4);
	if (tha != NULL)
		memcpy(ea->arp_tha, tha, ETHER_ADDR_LEN);
	else
		memset(ea->arp_tha, 0, ETHER_ADDR_LEN);
	memcpy(ea->arp_tpa, &tpa, 4);
	if (op == ARPOP_REQUEST)
		NETSTAT_INC(arps_txrequests);
	else
		NETSTAT_INC(arps_txreplies);
	(void)ether_output_frame(ifp, m, dst, ETHERTYPE_ARP);
}

static void
arp_request(struct ifnet *ifp, uint32_t tpa)
{
	uint32_t spa;

	/* From the address of ours on tpa's network (aliases). */
	if (in_ifaddrfor(ifp, tpa, &spa) != 0)
		return;
	arp_send(ifp, ARPOP_REQUEST, spa, tpa, NULL, etherbroadcastaddr);
}

void
arp_gratuitous(struct ifnet *ifp, uint32_t addr)
{
	arp_send(ifp, ARPOP_REQUEST, addr, addr, NULL, etherbroadcastaddr);
}

int
arp_resolve(struct ifnet *ifp, struct mbuf *m, uint32_t nexthop,
    uint8_t *dst)
{
	struct mbuf *drop = NULL;
	struct llentry *la;
	int64_t now = getnanouptime();
	uint32_t h = ntohl(nexthop);
	bool ask = false;
	int error;

	if ((m->m_flags & M_BCAST) || in_isbroadcast(nexthop, ifp)) {
		memcpy(dst, etherbroadcastaddr, ETHER_ADDR_LEN);
		return 0;
	}
	if (IN_CLASSD(h)) {
		dst[0] = 0x01; dst[1] = 0x00; dst[2] = 0x5e;
		dst[3] = (uint8_t)((h >> 16) & 0x7f);
		dst[4] = (uint8_t)(h >> 8);
		dst[5] = (uint8_t)h;
		return 0;
	}
	mutex_enter(&arp_lock);
	/* if_detach sets if_dying before it flushes the table: checked
	 * under arp_lock, no entry outlives its interface. */
	if (atomic_load_relaxed(&ifp->if_dying)) {
		mutex_exit(&arp_lock);
		return ENETDOWN;
	}
	la = arp_lookup(ifp, nexthop);
	if (la != NULL && la->la_state == LA_RESOLVED && la->la_expire > now) {
		memcpy(dst, la->la_mac, ETHER_ADDR_LEN);
		mutex_exit(&arp_lock);
		return 0;
	}
	if (la == NULL && (la = arp_newentry(ifp, nexthop, &error)) == NULL) {
		mutex_exit(&arp_lock);
		NETSTAT_INC(arps_dropped);
		return ENOBUFS;
	}
	if (la->la_state == LA_RESOLVED) {
		/* Stale: ask again, keep the packet meanwhile. */
		la->la_state = LA_INCOMPLETE;
		la->la_tries = 0;
		la->la_asked = 0;
	}
	/* Hold m; make room by dropping the oldest held packet. */
	if (la->la_nhold >= ARP_MAXHOLD || arp_nheld >= ARP_MAXHOLD_TOTAL) {
		if (la->la_hold != NULL) {
			drop = la->la_hold;
			la->la_hold = drop->m_nextpkt;
			drop->m_nextpkt = NULL;
			la->la_nhold--;
			arp_nheld--;
		} else {
			mutex_exit(&arp_lock);
			NETSTAT_INC(arps_dropped);
			return ENOBUFS;
		}
		NETSTAT_INC(arps_dropped);
	}
	m->m_nextpkt = NULL;
	{
		struct mbuf **tp = &la->la_hold;
		while (*tp != NULL)
			tp = &(*tp)->m_nextpkt;
		*tp = m;
	}
	la->la_nhold++;
	arp_nheld++;
	NETSTAT_INC(arps_held);
	if (la->la_tries == 0 || now - la->la_asked >= NSEC_PER_SEC) {
		la->la_tries++;
		la->la_asked = now;
		ask = true;
	}
	mutex_exit(&arp_lock);
	m_freem(drop);
	if (ask)
		arp_request(ifp, nexthop);
	return EJUSTRETURN;
}

/* la learned mac: resolved until expire; returns the packets that
 * waited for it (arp_lock held), for arp_sendheld once it is dropped. */
static struct mbuf *
arp_resolved(struct llentry *la, const uint8_t *mac, int64_t expire)
{
	struct mbuf *send = la->la_hold;

	KASSERT(mutex_owned(&arp_lock));
	memcpy(la->la_mac, mac, ETHER_ADDR_LEN);
	la->la_state = LA_RESOLVED;
	la->la_expire = expire;
	la->la_tries = 0;
	la->la_hold = NULL;
	arp_nheld -= la->la_nhold;
	la->la_nhold = 0;
	return send;
}

static void
arp_sendheld(struct ifnet *ifp, struct mbuf *send, const uint8_t *mac)
{
	struct mbuf *n;

	while ((n = send) != NULL) {
		send = n->m_nextpkt;
		n->m_nextpkt = NULL;
		(void)ether_output_frame(ifp, n, mac, ETHERTYPE_IP);
	}
}

void
arp_input(struct ifnet *ifp, struct mbuf *m)
{
	struct ether_arp ea;
	struct llentry *la;
	struct mbuf *send = NULL;
	uint8_t own[ETHER_ADDR_LEN], mac[ETHER_ADDR_LEN];
	uint32_t spa, tpa, myaddr;
	bool forus;
	int op, error;

	if (m->m_pkthdr.len < sizeof(ea) ||
	    m_copydata(m, 0, sizeof(ea), &ea) != 0) {
		NETSTAT_INC(arps_badpkt);
		goto free;
	}
	op = ntohs(ea.ar_op);
	if (ntohs(ea.ar_hrd) != ARPHRD_ETHER ||
	    ntohs(ea.ar_pro) != ETHERTYPE_IP || ea.ar_hln != ETHER_ADDR_LEN ||
	    ea.ar_pln != 4 || (op != ARPOP_REQUEST && op != ARPOP_REPLY) ||
	    (ea.arp_sha[0] & 1)) {
		NETSTAT_INC(arps_badpkt);
		goto free;
	}
	if (op == ARPOP_REQUEST)
		NETSTAT_INC(arps_rxrequests);
	else
		NETSTAT_INC(arps_rxreplies);
	mutex_enter(&ifp->if_lock);
	memcpy(own, ifp->if_hwaddr, ETHER_ADDR_LEN);
	mutex_exit(&ifp->if_lock);
	if (memcmp(ea.arp_sha, own, ETHER_ADDR_LEN) == 0)
		goto free;
	if ((ifp->if_flags & IFF_NOARP) || in_ifaddrof(ifp, &myaddr) != 0)
		goto free;
	memcpy(&spa, ea.arp_spa, 4);
	memcpy(&tpa, ea.arp_tpa, 4);
	/* Every address of the interface is answered for (aliases). */
	forus = tpa == myaddr || in_ifhasaddr(ifp, tpa);
	if (spa == myaddr || in_ifhasaddr(ifp, spa)) {
		/* Hostile peers must not flood the console: one report per
		 * ARP_LOGINTERVAL. */
		int64_t now = getnanouptime(), last;

		last = atomic_load_relaxed(&arp_lastlog);
		if (last == 0 || now - last >= ARP_LOGINTERVAL) {
			atomic_store_relaxed(&arp_lastlog, now);
			printf("%s: duplicate address %u.%u.%u.%u from %s\n",
			    ifp->if_xname, ea.arp_spa[0], ea.arp_spa[1],
			    ea.arp_spa[2], ea.arp_spa[3],
			    ether_sprintf((char[18]){0}, ea.arp_sha));
		}
		goto free;
	}
	if (spa == 0 || in_isbroadcast(spa, ifp) || IN_CLASSD(ntohl(spa)))
		goto reply;
	memcpy(mac, ea.arp_sha, ETHER_ADDR_LEN);

	mutex_enter(&arp_lock);
	la = arp_lookup(ifp, spa);
	if (la == NULL && forus && !atomic_load_relaxed(&ifp->if_dying))
		la = arp_newentry(ifp, spa, &error);
	/* A static entry: the wire cannot change it. */
	if (la != NULL && la->la_perm)
		la = NULL;
	if (la != NULL)
		send = arp_resolved(la, mac, getnanouptime() + ARP_REACHABLE);
	mutex_exit(&arp_lock);
	arp_sendheld(ifp, send, mac);
reply:
	if (op == ARPOP_REQUEST && forus && spa != tpa)
		arp_send(ifp, ARPOP_REPLY, tpa, spa, ea.arp_sha, ea.arp_sha);
free:
	m_freem(m);
}

void
arp_ifflush(struct ifnet *ifp)
{
	struct llentry *la, *next;
	struct mbuf *drop = NULL;

	mutex_enter(&arp_lock);
	for (la = arp_table; la != NULL; la = next) {
		next = la->la_next;
		if (la->la_ifp == ifp)
			arp_free(la, &drop);
	}
	mutex_exit(&arp_lock);
	arp_freelist(drop);
}

void
arp_timer(void)
{
	struct { struct ifnet *ifp; uint32_t addr; } ask[16];
	struct llentry *la, *next;
	struct mbuf *drop = NULL;
	int64_t now = getnanouptime();
	unsigned nask = 0, i;

	mutex_enter(&arp_lock);
	for (la = arp_table; la != NULL; la = next) {
		next = la->la_next;
		if (la->la_state == LA_RESOLVED) {
			if (la->la_expire <= now) {
				NETSTAT_INC(arps_timeouts);
				arp_free(la, &drop);
			}
			continue;
		}
		if (now - la->la_asked < NSEC_PER_SEC)
			continue;
		if (la->la_tries >= ARP_MAXTRIES) {
			NETSTAT_INC(arps_timeouts);
			arp_free(la, &drop);
			continue;
		}
		if (nask < nitems(ask)) {
			la->la_tries++;
			la->la_asked = now;
			if_hold(la->la_ifp);
			ask[nask].ifp = la->la_ifp;
			ask[nask].addr = la->la_addr;
			nask++;
		}
	}
	mutex_exit(&arp_lock);
	arp_freelist(drop);
	for (i = 0; i < nask; i++) {
		arp_request(ask[i].ifp, ask[i].addr);
		if_rele(ask[i].ifp);
	}
}

/* nettab_fill_t for RUMP_SIOCGARPTABLE (takes arp_lock). */
static unsigned
arp_tablefill(void *buf, unsigned max, void *arg)
{
	struct rump_arprec *ar = buf;
	struct llentry *la;
	int64_t now = getnanouptime(), left;
	unsigned n;

	(void)arg;
	mutex_enter(&arp_lock);
	n = arp_nentries;
	for (la = arp_table; la != NULL && max > 0; la = la->la_next, max--) {
		memset(ar, 0, sizeof(*ar));
		ar->ar_addr = la->la_addr;
		ar->ar_held = (uint16_t)MIN(la->la_nhold, 0xffffU);
		if (la->la_state == LA_RESOLVED) {
			ar->ar_flags |= ATF_COM;
			memcpy(ar->ar_hwaddr, la->la_mac, ETHER_ADDR_LEN);
		}
		if (la->la_perm) {
			ar->ar_flags |= ATF_PERM;
			ar->ar_expire = -1;
		} else if (la->la_state == LA_RESOLVED) {
			left = la->la_expire - now;
			ar->ar_expire = left <= 0 ? 0 :
			    (int32_t)(left / NSEC_PER_SEC);
		}
		/* Entries are flushed before their interface goes. */
		strlcpy(ar->ar_ifname, la->la_ifp->if_xname,
		    sizeof(ar->ar_ifname));
		ar++;
	}
	mutex_exit(&arp_lock);
	return n;
}

/* The IPv4 address of an arpreq; EAFNOSUPPORT, EINVAL. */
static int
arp_reqaddr(const struct rump_arpreq *ar, uint32_t *addrp)
{
	struct rump_sockaddr_in sin;

	memcpy(&sin, &ar->arp_pa, sizeof(sin));
	if (sin.sin_family != AF_INET)
		return EAFNOSUPPORT;
	if (sin.sin_addr.s_addr == 0 || IN_CLASSD(ntohl(sin.sin_addr.s_addr)) ||
	    sin.sin_addr.s_addr == INADDR_BROADCAST)
		return EINVAL;
	*addrp = sin.sin_addr.s_addr;
	return 0;
}

/*
 * The interface of an arpreq: arp_dev, else the one whose connected
 * network holds addr.  Held; ENODEV, ENETUNREACH, EINVAL (not
 * Ethernet).
 */
static int
arp_reqif(struct rump_arpreq *ar, uint32_t addr, struct ifnet **ifpp)
{
	struct rt_nexthop nh;
	struct ifnet *ifp;
	int error;

	ar->arp_dev[sizeof(ar->arp_dev) - 1] = '\0';
	if (ar->arp_dev[0] != '\0') {
		ifp = if_byname(ar->arp_dev);
		if (ifp == NULL)
			return ENODEV;
	} else {
		error = rt_lookup(addr, &nh);
		if (error != 0)
			return error;
		ifp = nh.nh_ifp;
		if (nh.nh_flags & RTF_GATEWAY) {
			if_rele(ifp);
			return ENETUNREACH;
		}
	}
	if (ifp->if_type != ARPHRD_ETHER) {
		if_rele(ifp);
		return EINVAL;
	}
	*ifpp = ifp;
	return 0;
}

/* The entry for addr (on ifp, or any interface if NULL); arp_lock held. */
static struct llentry *
arp_lookupany(struct ifnet *ifp, uint32_t addr)
{
	struct llentry *la;

	if (ifp != NULL)
		return arp_lookup(ifp, addr);
	for (la = arp_table; la != NULL; la = la->la_next)
		if (la->la_addr == addr)
			return la;
	return NULL;
}

/* SIOCSARP: a static entry; its held packets (if it was waiting) go. */
static int
arp_setentry(struct ifnet *ifp, uint32_t addr, const uint8_t *mac,
    bool perm)
{
	struct llentry *la;
	struct mbuf *send;
	int error;

	mutex_enter(&arp_lock);
	if (atomic_load_relaxed(&ifp->if_dying)) {
		mutex_exit(&arp_lock);
		return ENXIO;
	}
	la = arp_lookup(ifp, addr);
	if (la == NULL && (la = arp_newentry(ifp, addr, &error)) == NULL) {
		mutex_exit(&arp_lock);
		return error;
	}
	la->la_perm = perm;
	send = arp_resolved(la, mac, perm ? INT64_MAX :
	    getnanouptime() + ARP_REACHABLE);
	mutex_exit(&arp_lock);
	arp_sendheld(ifp, send, mac);
	return 0;
}

static int
arp_reqset(struct rump_arpreq *ar)
{
	struct ifnet *ifp;
	uint8_t mac[ETHER_ADDR_LEN];
	uint32_t addr;
	int error;

	if ((error = arp_reqaddr(ar, &addr)) != 0)
		return error;
	memcpy(mac, ar->arp_ha.sa_data, ETHER_ADDR_LEN);
	if (ar->arp_ha.sa_family != ARPHRD_ETHER || (mac[0] & 1) ||
	    (ar->arp_flags & ~(ATF_COM | ATF_PERM)) != 0)
		return EINVAL;
	if ((error = arp_reqif(ar, addr, &ifp)) != 0)
		return error;
	error = arp_setentry(ifp, addr, mac, (ar->arp_flags & ATF_PERM) != 0);
	if_rele(ifp);
	return error;
}

/* SIOCDARP and SIOCGARP: ENXIO if there is no entry. */
static int
arp_reqget(unsigned long cmd, struct rump_arpreq *ar)
{
	struct ifnet *ifp = NULL;
	struct llentry *la;
	struct mbuf *drop = NULL;
	uint32_t addr;
	int error = 0;

	if ((error = arp_reqaddr(ar, &addr)) != 0)
		return error;
	ar->arp_dev[sizeof(ar->arp_dev) - 1] = '\0';
	if (ar->arp_dev[0] != '\0') {
		ifp = if_byname(ar->arp_dev);
		if (ifp == NULL)
			return ENODEV;
	}
	mutex_enter(&arp_lock);
	la = arp_lookupany(ifp, addr);
	if (la == NULL) {
		error = ENXIO;
	} else if (cmd == SIOCDARP) {
		arp_free(la, &drop);
	} else {
		memset(&ar->arp_ha, 0, sizeof(ar->arp_ha));
		ar->arp_ha.sa_family = ARPHRD_ETHER;
		ar->arp_flags = 0;
		if (la->la_state == LA_RESOLVED) {
			memcpy(ar->arp_ha.sa_data, la->la_mac, ETHER_ADDR_LEN);
			ar->arp_flags |= ATF_COM;
		}
		if (la->la_perm)
			ar->arp_flags |= ATF_PERM;
		strlcpy(ar->arp_dev, la->la_ifp->if_xname,
		    sizeof(ar->arp_dev));
	}
	mutex_exit(&arp_lock);
	arp_freelist(drop);
	if (ifp != NULL)
		if_rele(ifp);
	return error;
}

int
arp_ioctl(unsigned long cmd, void *data)
{
	struct rump_arpreq ar;
	int error;

	if (cmd == SIOCGARPTABLE)
		return nettab_ioctl(data, sizeof(struct rump_arprec),
		    arp_tablefill, NULL);
	error = copyin(data, &ar, sizeof(ar));
	if (error != 0)
		return error;
	switch (cmd) {
	case SIOCSARP:
		return arp_reqset(&ar);
	case SIOCDARP:
		return arp_reqget(cmd, &ar);
	case SIOCGARP:
		error = arp_reqget(cmd, &ar);
		if (error == 0)
			error = copyout(&ar, data, sizeof(ar));
		return error;
	}
	return ENOTTY;
}
