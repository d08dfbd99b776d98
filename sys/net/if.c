/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if.c: the interface layer: the list of interfaces, cloners, the input
 * queue and its netisr thread, and the interface ioctls of sockets.
 *
 * Drivers (if_loop.c, sys/dev/shmif) attach interfaces here; the link
 * layers (if_ether.c, lo_input) get their frames from the netisr thread;
 * netinet registers its input handlers (netisr_register) and its address
 * ioctls (if_afhooks_set).  The AF_INET sockets' pru_ioctl and the
 * convenience API (netconfig.c) call ifioctl().  See if.h for the packet
 * flow and the lifetime rules.
 */
#include "kern/kern.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "net/net_stats.h"
#include "net/route.h"

static kmutex_t ifnet_lock;
static struct ifnet *ifnet_list;           /* [L] */
static struct if_cloner *if_cloners;       /* [L] */
static unsigned if_nextindex = 1;          /* [L] */

static const struct if_afhooks *if_afhooks; /* [I] after netinet's init */

/*
 * The input queue.  Packets are linked by m_nextpkt; netisr_cur is the
 * interface whose packet is being handled now (if_detach waits for it to
 * change), by the thread or by a sender draining the queue, one at a
 * time so that packets keep their order.
 *
 * A packet queued by a thread in a system call (a sender looping packets
 * back through lo0) does not wake the netisr thread: the sender takes
 * the queue itself when its call ends (lwp.h lwp_defer, netisr_drain),
 * or wakes the thread if it goes to sleep first (netisr_kick).  A
 * request and its answer inside one kernel then cost one thread switch
 * each way instead of two.  Beyond NETISR_DEFERMAX queued packets the
 * thread is woken anyway, so a long call does not hold them up.
 */
#define NETISR_DEFERMAX 16
#define NETISR_DRAINMAX 64
static kmutex_t netisr_lock;
static kcondvar_t netisr_cv;               /* the thread waits for work */
static kcondvar_t netisr_donecv;           /* if_detach waits for it */
static struct mbuf *netisr_head, **netisr_tailp = &netisr_head; /* [n] */
static unsigned netisr_len;                /* [n] */
static struct ifnet *netisr_cur;           /* [n] */
static bool netisr_running;                /* [n] the thread exists */
static void (*netisr_input[NETISR_MAX])(struct ifnet *, struct mbuf *);

void
if_afhooks_set(const struct if_afhooks *h)
{
	if_afhooks = h;
}

int
if_lrocut(struct mbuf *m, struct mbuf **listp)
{
	*listp = NULL;
	if (if_afhooks == NULL || if_afhooks->ifa_lrocut == NULL) {
		m_freem(m);
		return EAFNOSUPPORT;
	}
	return if_afhooks->ifa_lrocut(m, listp);
}

/* --- interfaces and references --- */

void
if_initialize(struct ifnet *ifp)
{
	mutex_init(&ifp->if_lock, MUTEX_DEFAULT, "ifnet");
	cv_init(&ifp->if_cv, "ifdetach");
	ifp->if_refcnt = 0;
}

int
if_attach(struct ifnet *ifp)
{
	struct ifnet *p, **pp;

	mutex_enter(&ifnet_lock);
	for (p = ifnet_list; p != NULL; p = p->if_next) {
		if (strcmp(p->if_xname, ifp->if_xname) == 0) {
			mutex_exit(&ifnet_lock);
			return EEXIST;
		}
	}
	ifp->if_index = if_nextindex++;
	ifp->if_refcnt = 1;                  /* the list's */
	for (pp = &ifnet_list; *pp != NULL; pp = &(*pp)->if_next)
		continue;
	*pp = ifp;
	mutex_exit(&ifnet_lock);
	aprint_verbose("%s: attached, index %u\n", ifp->if_xname,
	    ifp->if_index);
	return 0;
}

void
if_hold(struct ifnet *ifp)
{
	mutex_enter(&ifp->if_lock);
	ifp->if_refcnt++;
	mutex_exit(&ifp->if_lock);
}

void
if_rele(struct ifnet *ifp)
{
	mutex_enter(&ifp->if_lock);
	KASSERT(ifp->if_refcnt > 0);
	if (--ifp->if_refcnt <= 1)
		cv_broadcast(&ifp->if_cv);
	mutex_exit(&ifp->if_lock);
}

struct ifnet *
if_byname(const char *name)
{
	struct ifnet *ifp;

	mutex_enter(&ifnet_lock);
	for (ifp = ifnet_list; ifp != NULL; ifp = ifp->if_next)
		if (strncmp(ifp->if_xname, name, IFNAMSIZ) == 0)
			break;
	if (ifp != NULL)
		if_hold(ifp);
	mutex_exit(&ifnet_lock);
	return ifp;
}

struct ifnet *
if_byindex(unsigned index)
{
	struct ifnet *ifp;

	mutex_enter(&ifnet_lock);
	for (ifp = ifnet_list; ifp != NULL; ifp = ifp->if_next)
		if (ifp->if_index == index)
			break;
	if (ifp != NULL)
		if_hold(ifp);
	mutex_exit(&ifnet_lock);
	return ifp;
}

int
if_foreach(int (*fn)(struct ifnet *ifp, void *arg), void *arg)
{
	struct ifnet *ifp, *next;
	int error = 0;

	mutex_enter(&ifnet_lock);
	ifp = ifnet_list;
	if (ifp != NULL)
		if_hold(ifp);
	while (ifp != NULL) {
		/* Drop the list lock for the call: fn may take others. */
		mutex_exit(&ifnet_lock);
		error = fn(ifp, arg);
		mutex_enter(&ifnet_lock);
		next = ifp->if_next;
		if (next != NULL && error == 0)
			if_hold(next);
		else
			next = NULL;
		if_rele(ifp);
		ifp = next;
	}
	mutex_exit(&ifnet_lock);
	return error;
}

/* Free the input queue's packets of ifp; wait for the one in hand. */
static void
netisr_purge(struct ifnet *ifp)
{
	struct mbuf *m, *keep = NULL, **kt = &keep, *drop = NULL;

	mutex_enter(&netisr_lock);
	netisr_len = 0;
	while ((m = netisr_head) != NULL) {
		netisr_head = m->m_nextpkt;
		m->m_nextpkt = NULL;
		if (m->m_pkthdr.rcvif == ifp) {
			m->m_nextpkt = drop;
			drop = m;
		} else {
			*kt = m;
			kt = &m->m_nextpkt;
			netisr_len++;
		}
	}
	netisr_head = keep;
	netisr_tailp = kt;
	while (netisr_cur == ifp)
		cv_wait(&netisr_donecv, &netisr_lock);
	mutex_exit(&netisr_lock);
	while ((m = drop) != NULL) {
		drop = m->m_nextpkt;
		m->m_nextpkt = NULL;
		m_freem(m);
	}
}

/*
 * Take ifp off the list and out of every table; returns when nobody
 * else holds a reference.  Called without locks (it sleeps).
 */
void
if_detach(struct ifnet *ifp)
{
	struct ifnet **pp;

	mutex_enter(&ifp->if_lock);
	ifp->if_dying = true;
	ifp->if_flags &= ~IFF_UP;
	mutex_exit(&ifp->if_lock);
	if (if_afhooks != NULL)
		if_afhooks->ifa_ifchange(ifp, true);
	rt_ifdetach(ifp);
	mutex_enter(&ifnet_lock);
	for (pp = &ifnet_list; *pp != NULL; pp = &(*pp)->if_next) {
		if (*pp == ifp) {
			*pp = ifp->if_next;
			break;
		}
	}
	mutex_exit(&ifnet_lock);
	if (ifp->if_stop != NULL)
		ifp->if_stop(ifp);
	netisr_purge(ifp);
	mutex_enter(&ifp->if_lock);
	while (ifp->if_refcnt > 1)
		cv_wait(&ifp->if_cv, &ifp->if_lock);
	ifp->if_refcnt = 0;
	mutex_exit(&ifp->if_lock);
}

void
if_free(struct ifnet *ifp)
{
	cv_destroy(&ifp->if_cv);
	mutex_destroy(&ifp->if_lock);
}

/* --- cloners --- */

void
if_clone_attach(struct if_cloner *ifc)
{
	mutex_enter(&ifnet_lock);
	ifc->ifc_next = if_cloners;
	if_cloners = ifc;
	mutex_exit(&ifnet_lock);
}

/* Split "shmif12" into its cloner and unit (-1 if no digits). */
static int
if_clone_lookup(const char *name, struct if_cloner **ifcp, int *unitp)
{
	struct if_cloner *ifc;
	size_t n, len = strnlen(name, IFNAMSIZ);
	uint64_t unit = 0;

	if (len == 0 || len >= IFNAMSIZ)
		return EINVAL;
	for (n = len; n > 0 && name[n - 1] >= '0' && name[n - 1] <= '9'; n--)
		continue;
	if (n < len) {
		if (name[n] == '0' && n + 1 < len)
			return EINVAL;
		for (size_t i = n; i < len; i++) {
			unit = unit * 10 + (uint64_t)(name[i] - '0');
			if (unit > 9999)
				return EINVAL;
		}
		*unitp = (int)unit;
	} else {
		*unitp = -1;
	}
	mutex_enter(&ifnet_lock);
	for (ifc = if_cloners; ifc != NULL; ifc = ifc->ifc_next)
		if (strlen(ifc->ifc_name) == n &&
		    strncmp(ifc->ifc_name, name, n) == 0)
			break;
	mutex_exit(&ifnet_lock);
	if (ifc == NULL)
		return EINVAL;
	*ifcp = ifc;
	return 0;
}

int
if_clone_create(const char *name, int *unitp)
{
	struct if_cloner *ifc;
	char buf[IFNAMSIZ];
	struct ifnet *ifp;
	int unit, error;

	error = if_clone_lookup(name, &ifc, &unit);
	if (error != 0)
		return error;
	if (unit < 0) {
		for (unit = 0; unit < 10000; unit++) {
			snprintf(buf, sizeof(buf), "%s%d", ifc->ifc_name, unit);
			ifp = if_byname(buf);
			if (ifp == NULL)
				break;
			if_rele(ifp);
		}
	}
	error = ifc->ifc_create(ifc, unit);
	if (error == 0 && unitp != NULL)
		*unitp = unit;
	return error;
}

int
if_clone_destroy(const char *name)
{
	struct if_cloner *ifc;
	struct ifnet *ifp;
	int unit, error;

	error = if_clone_lookup(name, &ifc, &unit);
	if (error != 0)
		return error;
	ifp = if_byname(name);
	if (ifp == NULL)
		return ENXIO;
	if (ifp->if_cloner != ifc || ifc->ifc_destroy == NULL) {
		if_rele(ifp);
		return EOPNOTSUPP;
	}
	mutex_enter(&ifp->if_lock);
	if (ifp->if_dying) {
		mutex_exit(&ifp->if_lock);
		if_rele(ifp);
		return ENXIO;
	}
	ifp->if_dying = true;
	mutex_exit(&ifp->if_lock);
	if_rele(ifp);
	return ifc->ifc_destroy(ifp);
}

/* --- input --- */

void
netisr_register(enum netisr_proto p,
    void (*input)(struct ifnet *, struct mbuf *))
{
	KASSERT(p < NETISR_MAX);
	atomic_store_release(&netisr_input[p], input);
}

void
netisr_dispatch(enum netisr_proto p, struct ifnet *ifp, struct mbuf *m)
{
	void (*fn)(struct ifnet *, struct mbuf *);

	fn = p < NETISR_MAX ? atomic_load_acquire(&netisr_input[p]) : NULL;
	if (fn == NULL) {
		IF_STAT_INC(ifp, if_iqdrops);
		m_freem(m);
		return;
	}
	fn(ifp, m);
}

void
if_input(struct ifnet *ifp, struct mbuf *m)
{
	struct lwp *l;

	KASSERT(m->m_flags & M_PKTHDR);
	m->m_pkthdr.rcvif = ifp;
	m->m_nextpkt = NULL;
	mutex_enter(&netisr_lock);
	if (!netisr_running || netisr_len >= IFQ_MAXLEN ||
	    atomic_load_relaxed(&ifp->if_dying)) {
		mutex_exit(&netisr_lock);
		IF_STAT_INC(ifp, if_iqdrops);
		m_freem(m);
		return;
	}
	*netisr_tailp = m;
	netisr_tailp = &m->m_nextpkt;
	netisr_len++;
	l = curlwp;
	if (l != NULL && (l->l_flags & LW_SYSTEM) == 0 &&
	    netisr_len <= NETISR_DEFERMAX)
		lwp_defer(l);
	else
		cv_signal(&netisr_cv);
	mutex_exit(&netisr_lock);
}

/* Handle the packet at the head of the queue: netisr_lock held, dropped
 * while the interface takes it; no one else handles one meanwhile. */
static void
netisr_one(void)
{
	struct ifnet *ifp;
	struct mbuf *m = netisr_head;

	KASSERT(m != NULL && netisr_cur == NULL);
	netisr_head = m->m_nextpkt;
	if (netisr_head == NULL)
		netisr_tailp = &netisr_head;
	netisr_len--;
	m->m_nextpkt = NULL;
	ifp = m->m_pkthdr.rcvif;
	netisr_cur = ifp;
	mutex_exit(&netisr_lock);
	ifp->if_input(ifp, m);
	mutex_enter(&netisr_lock);
	netisr_cur = NULL;
	cv_broadcast(&netisr_donecv);
}

/* Handle queued packets in the calling thread (lwp_deferops ld_run: the
 * end of a system call, no locks held); the rest goes to the thread. */
static void
netisr_drain(void)
{
	int n;

	mutex_enter(&netisr_lock);
	for (n = 0; n < NETISR_DRAINMAX && netisr_cur == NULL &&
	    netisr_head != NULL; n++)
		netisr_one();
	curlwp->l_deferred = 0;             /* what is left: the thread's */
	if (netisr_head != NULL)
		cv_signal(&netisr_cv);
	mutex_exit(&netisr_lock);
}

/* The thread takes over (ld_kick: before the caller sleeps; netisr_lock
 * is a leaf, and the caller may already hold it, see netisr_purge). */
static void
netisr_kick(void)
{
	bool own = mutex_owned(&netisr_lock);

	if (!own)
		mutex_enter(&netisr_lock);
	cv_signal(&netisr_cv);
	if (!own)
		mutex_exit(&netisr_lock);
}

static const struct lwp_deferops netisr_deferops = {
	.ld_run = netisr_drain,
	.ld_kick = netisr_kick,
};

static void
netisr_thread(void *arg)
{
	mutex_enter(&netisr_lock);
	for (;;) {
		/* A draining sender has the queue: it signals when done. */
		while (netisr_head == NULL || netisr_cur != NULL)
			cv_wait(&netisr_cv, &netisr_lock);
		netisr_one();
	}
}

/* --- ioctls --- */

static int
ifioctl_conf(void *data)
{
	struct rump_ifconf ifc;
	struct rump_ifreq ifr;
	struct ifnet *ifp, *next;
	size_t used = 0;
	char *ubuf;
	int error;

	error = copyin(data, &ifc, sizeof(ifc));
	if (error != 0)
		return error;
	if (ifc.ifc_len < 0)
		return EINVAL;
	ubuf = ifc.ifc_ifcu.ifcu_buf;
	mutex_enter(&ifnet_lock);
	ifp = ifnet_list;
	if (ifp != NULL)
		if_hold(ifp);
	mutex_exit(&ifnet_lock);
	while (ifp != NULL) {
		memset(&ifr, 0, sizeof(ifr));
		strlcpy(ifr.ifr_ifrn.ifrn_name, ifp->if_xname,
		    sizeof(ifr.ifr_ifrn.ifrn_name));
		if (if_afhooks != NULL && if_afhooks->ifa_ioctl(ifp,
		    SIOCGIFADDR, &ifr) == 0) {
			if (ubuf == NULL) {
				used += sizeof(ifr);
			} else if (used + sizeof(ifr) <= (size_t)ifc.ifc_len) {
				error = copyout(&ifr, ubuf + used, sizeof(ifr));
				if (error != 0) {
					if_rele(ifp);
					return error;
				}
				used += sizeof(ifr);
			}
		}
		mutex_enter(&ifnet_lock);
		next = ifp->if_next;
		if (next != NULL)
			if_hold(next);
		mutex_exit(&ifnet_lock);
		if_rele(ifp);
		ifp = next;
	}
	ifc.ifc_len = (int32_t)used;
	return copyout(&ifc, data, sizeof(ifc));
}

static int
ifioctl_route(unsigned long cmd, void *data)
{
	struct rump_rtentry rt;
	char dev[IFNAMSIZ];
	size_t done;
	int error;

	error = copyin(data, &rt, sizeof(rt));
	if (error != 0)
		return error;
	dev[0] = '\0';
	if (rt.rt_dev != NULL) {
		error = copyinstr(rt.rt_dev, dev, sizeof(dev), &done);
		if (error == ENAMETOOLONG)
			return ENODEV;
		if (error != 0)
			return error;
	}
	return rt_ioctl(cmd, &rt, dev[0] != '\0' ? dev : NULL);
}

static void
ifioctl_stats(struct ifnet *ifp, struct rump_ifstats *st)
{
	memset(st, 0, sizeof(*st));
	st->ifs_ipackets = atomic_load_relaxed(&ifp->if_ipackets);
	st->ifs_ierrors = atomic_load_relaxed(&ifp->if_ierrors);
	st->ifs_opackets = atomic_load_relaxed(&ifp->if_opackets);
	st->ifs_oerrors = atomic_load_relaxed(&ifp->if_oerrors);
	st->ifs_ibytes = atomic_load_relaxed(&ifp->if_ibytes);
	st->ifs_obytes = atomic_load_relaxed(&ifp->if_obytes);
	st->ifs_collisions = atomic_load_relaxed(&ifp->if_collisions);
	st->ifs_iqdrops = atomic_load_relaxed(&ifp->if_iqdrops);
	st->ifs_overruns = atomic_load_relaxed(&ifp->if_overruns);
	st->ifs_impdrops = atomic_load_relaxed(&ifp->if_impdrops);
	st->ifs_impdups = atomic_load_relaxed(&ifp->if_impdups);
	st->ifs_impreorders = atomic_load_relaxed(&ifp->if_impreorders);
	st->ifs_impdelays = atomic_load_relaxed(&ifp->if_impdelays);
}

/* Set flags: the driver brings the interface up or down. */
static int
ifioctl_setflags(struct ifnet *ifp, int newflags)
{
	const int settable = IFF_UP | IFF_DEBUG | IFF_PROMISC | IFF_NOARP;
	int old, flags, error = 0;

	mutex_enter(&ifp->if_lock);
	old = ifp->if_flags;
	mutex_exit(&ifp->if_lock);
	flags = (old & ~settable) | (newflags & settable);
	if ((flags ^ old) & IFF_UP) {
		if (ifp->if_ioctl != NULL)
			error = ifp->if_ioctl(ifp, SIOCSIFFLAGS, &flags);
		if (error != 0)
			return error;
	}
	mutex_enter(&ifp->if_lock);
	ifp->if_flags = flags;
	mutex_exit(&ifp->if_lock);
	if (((flags ^ old) & IFF_UP) && if_afhooks != NULL)
		if_afhooks->ifa_ifchange(ifp, false);
	return 0;
}

static int
ifioctl_linkstr(struct ifnet *ifp, const void *ustr)
{
	char *buf;
	size_t done;
	int error;

	if (ifp->if_ioctl == NULL)
		return ENOTTY;
	buf = kmem_alloc(LINKSTR_MAX, KM_SLEEP);
	error = copyinstr(ustr, buf, LINKSTR_MAX, &done);
	if (error == 0)
		error = ifp->if_ioctl(ifp, SIOCSLINKSTR, buf);
	kmem_free(buf, LINKSTR_MAX);
	return error;
}

static bool
ifioctl_isset(unsigned long cmd)
{
	switch (cmd) {
	case SIOCSIFFLAGS: case SIOCSIFADDR: case SIOCSIFBRDADDR:
	case SIOCSIFNETMASK: case SIOCSIFMTU: case SIOCSIFHWADDR:
	case SIOCDIFADDR: case SIOCIFCREATE: case SIOCIFDESTROY:
	case SIOCSLINKSTR: case SIOCADDRT: case SIOCDELRT:
	case SIOCSIPFORWARD:
	case SIOCSARP: case SIOCDARP: case SIOCAIFADDR:
		return true;
	}
	return false;
}

/* Commands on a struct ifreq naming an interface. */
static int
ifioctl_ifreq(unsigned long cmd, struct rump_ifreq *ifr)
{
	struct rump_ifstats st;
	struct ifnet *ifp;
	char *name = ifr->ifr_ifrn.ifrn_name;
	int error = 0, mtu, unit;
	size_t n;

	name[IFNAMSIZ - 1] = '\0';
	switch (cmd) {
	case SIOCIFCREATE:
		/* "shmif" gets the first free unit, returned in the name. */
		n = strlen(name);
		error = if_clone_create(name, &unit);
		if (error == 0 && (n == 0 || name[n - 1] < '0' ||
		    name[n - 1] > '9'))
			snprintf(name + n, IFNAMSIZ - n, "%d", unit);
		return error;
	case SIOCIFDESTROY:
		return if_clone_destroy(ifr->ifr_ifrn.ifrn_name);
	case SIOCGIFNAME:
		ifp = if_byindex((unsigned)ifr->ifr_ifru.ifru_ivalue);
		if (ifp == NULL)
			return ENODEV;
		strlcpy(ifr->ifr_ifrn.ifrn_name, ifp->if_xname, IFNAMSIZ);
		if_rele(ifp);
		return 0;
	}
	ifp = if_byname(ifr->ifr_ifrn.ifrn_name);
	if (ifp == NULL)
		return ENODEV;
	switch (cmd) {
	case SIOCGIFFLAGS:
		mutex_enter(&ifp->if_lock);
		ifr->ifr_ifru.ifru_flags = (int16_t)(ifp->if_flags |
		    ((ifp->if_flags & IFF_UP) ? IFF_RUNNING : 0));
		mutex_exit(&ifp->if_lock);
		break;
	case SIOCSIFFLAGS:
		error = ifioctl_setflags(ifp,
		    (uint16_t)ifr->ifr_ifru.ifru_flags);
		break;
	case SIOCGIFMTU:
		ifr->ifr_ifru.ifru_mtu = atomic_load_relaxed(&ifp->if_mtu);
		break;
	case SIOCSIFMTU:
		mtu = ifr->ifr_ifru.ifru_mtu;
		if (mtu < 68 || mtu > 65535) {
			error = EINVAL;
			break;
		}
		error = ifp->if_ioctl != NULL ?
		    ifp->if_ioctl(ifp, SIOCSIFMTU, &mtu) : EOPNOTSUPP;
		if (error == 0)
			atomic_store_relaxed(&ifp->if_mtu, mtu);
		break;
	case SIOCGIFHWADDR:
		memset(&ifr->ifr_ifru.ifru_hwaddr, 0, sizeof(struct rump_sockaddr));
		ifr->ifr_ifru.ifru_hwaddr.sa_family = (uint16_t)ifp->if_type;
		mutex_enter(&ifp->if_lock);
		memcpy(ifr->ifr_ifru.ifru_hwaddr.sa_data, ifp->if_hwaddr,
		    IF_HWADDRLEN);
		mutex_exit(&ifp->if_lock);
		break;
	case SIOCSIFHWADDR:
		if (ifp->if_type != ARPHRD_ETHER ||
		    ifr->ifr_ifru.ifru_hwaddr.sa_family != ARPHRD_ETHER ||
		    (ifr->ifr_ifru.ifru_hwaddr.sa_data[0] & 1)) {
			error = EINVAL;
			break;
		}
		mutex_enter(&ifp->if_lock);
		memcpy(ifp->if_hwaddr, ifr->ifr_ifru.ifru_hwaddr.sa_data,
		    IF_HWADDRLEN);
		mutex_exit(&ifp->if_lock);
		break;
	case SIOCGIFINDEX:
		ifr->ifr_ifru.ifru_ivalue = (int32_t)ifp->if_index;
		break;
	case SIOCSLINKSTR:
		error = ifioctl_linkstr(ifp, ifr->ifr_ifru.ifru_data);
		break;
	case SIOCGIFSTATS:
		ifioctl_stats(ifp, &st);
		error = copyout(&st, ifr->ifr_ifru.ifru_data, sizeof(st));
		break;
	default:
		error = if_afhooks != NULL ?
		    if_afhooks->ifa_ioctl(ifp, cmd, ifr) : ENOTTY;
		break;
	}
	if_rele(ifp);
	return error;
}

int
ifioctl(unsigned long cmd, void *data, struct lwp *l)
{
	struct rump_ifreq ifr;
	int error;

	if (ifioctl_isset(cmd) && !kauth_cred_issuser(kauth_cred_get()))
		return EPERM;
	switch (cmd) {
	case SIOCGIFCONF:
		return ifioctl_conf(data);
	case SIOCADDRT:
	case SIOCDELRT:
		return ifioctl_route(cmd, data);
	case SIOCGNETSTATS:
		return net_stats_copyout(data);
	case SIOCGRTABLE:
		return rt_tableioctl(data);
	case SIOCGIPFORWARD:
	case SIOCSIPFORWARD:
	case SIOCGARPTABLE: case SIOCGSOCKTABLE:
	case SIOCSARP: case SIOCDARP: case SIOCGARP:
	case SIOCAIFADDR: case SIOCGIFADDRTABLE:
		return if_afhooks != NULL ?
		    if_afhooks->ifa_sockioctl(cmd, data) : ENOTTY;
	case SIOCIFCREATE: case SIOCIFDESTROY: case SIOCGIFNAME:
	case SIOCGIFFLAGS: case SIOCSIFFLAGS: case SIOCGIFADDR:
	case SIOCSIFADDR: case SIOCGIFBRDADDR: case SIOCSIFBRDADDR:
	case SIOCGIFNETMASK: case SIOCSIFNETMASK: case SIOCGIFMTU:
	case SIOCSIFMTU: case SIOCSIFHWADDR: case SIOCGIFHWADDR:
	case SIOCGIFINDEX: case SIOCDIFADDR: case SIOCSLINKSTR:
	case SIOCGIFSTATS:
		break;
	default:
		return ENOTTY;
	}
	error = copyin(data, &ifr, sizeof(ifr));
	if (error != 0)
		return error;
	error = ifioctl_ifreq(cmd, &ifr);
	if (error == 0)
		error = copyout(&ifr, data, sizeof(ifr));
	return error;
}

const char *
ether_sprintf(char *buf, const uint8_t *ea)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
	    ea[0], ea[1], ea[2], ea[3], ea[4], ea[5]);
	return buf;
}

RUMP_COMPONENT(RUMP_COMPONENT_NET)
{
	int error;

	mutex_init(&ifnet_lock, MUTEX_DEFAULT, "ifnet");
	mutex_init(&netisr_lock, MUTEX_DEFAULT, "netisr");
	cv_init(&netisr_cv, "netisr");
	cv_init(&netisr_donecv, "netisrd");
	rt_init();
	net_stats_init();
	error = kthread_create(0, netisr_thread, NULL, NULL, "netisr");
	if (error != 0) {
		/* No threads (RUMP_THREADS=0): interfaces drop what they
		 * receive, counted in if_iqdrops. */
		printf("net: no netisr thread (error %d): no packet input\n",
		    error);
		return 0;
	}
	netisr_running = true;
	lwp_defer_register(&netisr_deferops);
	return 0;
}
