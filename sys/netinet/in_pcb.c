/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * in_pcb.c: protocol control blocks of AF_INET sockets: local and
 * foreign address and port, binding rules and ephemeral ports, and the
 * IPPROTO_IP socket options.  UDP and raw IP keep their pcbs in tables
 * (udbtable, rawtable); everything here runs under inet_lock, which is
 * also the so_lock of every AF_INET socket.
 *
 * Binding (Linux's rules): the address must be 0 (any), one of ours, or
 * a broadcast address (EADDRNOTAVAIL); the port may be shared with a
 * pcb whose address overlaps (equal, or either is any) only if both set
 * SO_REUSEADDR or both set SO_REUSEPORT (EADDRINUSE).  Port 0 picks an
 * ephemeral port in [IPPORT_EPHEMERAL_FIRST, IPPORT_EPHEMERAL_LAST]
 * starting from a random point.
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "net/if.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"

#define IPPORT_EPHEMERAL_FIRST 32768
#define IPPORT_EPHEMERAL_LAST  60999

int
in_pcballoc(struct socket *so, struct inpcb_table *t, int proto)
{
	struct inpcb *inp;

	inp = kmem_zalloc(sizeof(*inp), KM_SLEEP);
	inp->inp_socket = so;
	inp->inp_table = t;
	inp->inp_proto = proto;
	inp->inp_ttl = IP_DEFTTL;
	so->so_lock = &inet_lock;
	so->so_pcb = inp;
	mutex_enter(&inet_lock);
	inp->inp_next = t->inpt_list;
	t->inpt_list = inp;
	mutex_exit(&inet_lock);
	return 0;
}

void
in_pcbdetach(struct inpcb *inp)
{
	struct inpcb **pp;

	KASSERT(mutex_owned(&inet_lock));
	for (pp = &inp->inp_table->inpt_list; *pp != NULL;
	    pp = &(*pp)->inp_next) {
		if (*pp == inp) {
			*pp = inp->inp_next;
			break;
		}
	}
	inp->inp_socket->so_pcb = NULL;
	kmem_free(inp, sizeof(*inp));
}

int
in_sin(const struct rump_sockaddr *nam, size_t namlen, uint32_t *addrp,
    uint16_t *portp)
{
	const struct rump_sockaddr_in *sin =
	    (const struct rump_sockaddr_in *)(const void *)nam;

	if (namlen < sizeof(*sin))
		return EINVAL;
	if (sin->sin_family != AF_INET)
		return EAFNOSUPPORT;
	*addrp = sin->sin_addr.s_addr;
	*portp = sin->sin_port;
	return 0;
}

void
in_setsockaddr(uint32_t addr, uint16_t port,
    struct rump_sockaddr_storage *nam, size_t *lenp)
{
	struct rump_sockaddr_in *sin = (struct rump_sockaddr_in *)(void *)nam;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = port;
	*lenp = sizeof(*sin);
}

/* May inp take laddr:lport?  (inet_lock held) */
static bool
in_pcbportfree(struct inpcb *inp, uint32_t laddr, uint16_t lport)
{
	struct inpcb *p;
	int mine = inp->inp_socket->so_options, theirs;

	for (p = inp->inp_table->inpt_list; p != NULL; p = p->inp_next) {
		if (p == inp || p->inp_lport != lport)
			continue;
		if (p->inp_laddr != 0 && laddr != 0 && p->inp_laddr != laddr)
			continue;
		theirs = p->inp_socket->so_options;
		if ((mine & theirs & SOO_REUSEADDR) ||
		    (mine & theirs & SOO_REUSEPORT))
			continue;
		return false;
	}
	return true;
}

static int
in_pcbephemeral(struct inpcb *inp, uint32_t laddr)
{
	const unsigned n = IPPORT_EPHEMERAL_LAST - IPPORT_EPHEMERAL_FIRST + 1;
	struct inpcb_table *t = inp->inp_table;
	struct inpcb *p;
	unsigned i, start;
	uint16_t port;
	bool used;

	if (t->inpt_lastport == 0)
		t->inpt_lastport = (uint16_t)(cprng_fast32() % n);
	start = t->inpt_lastport;
	for (i = 0; i < n; i++) {
		port = htons((uint16_t)(IPPORT_EPHEMERAL_FIRST +
		    (start + i) % n));
		used = false;
		for (p = t->inpt_list; p != NULL; p = p->inp_next)
			if (p->inp_lport == port) {
				used = true;
				break;
			}
		if (!used) {
			t->inpt_lastport = (uint16_t)((start + i + 1) % n);
			inp->inp_laddr = laddr;
			inp->inp_lport = port;
			return 0;
		}
	}
	return EAGAIN;
}

int
in_pcbbind(struct inpcb *inp, const struct rump_sockaddr *nam,
    size_t namlen)
{
	uint32_t laddr = 0;
	uint16_t lport = 0;
	int error;

	KASSERT(mutex_owned(&inet_lock));
	if (inp->inp_lport != 0)
		return EINVAL;
	if (nam != NULL) {
		error = in_sin(nam, namlen, &laddr, &lport);
		if (error != 0)
			return error;
		if (laddr != 0 && !in_islocal(laddr) &&
		    !in_isbroadcast(laddr, NULL))
			return EADDRNOTAVAIL;
	}
	if (lport == 0)
		return in_pcbephemeral(inp, laddr);
	if (!in_pcbportfree(inp, laddr, lport))
		return EADDRINUSE;
	inp->inp_laddr = laddr;
	inp->inp_lport = lport;
	return 0;
}

int
in_pcbconnect(struct inpcb *inp, const struct rump_sockaddr *nam,
    size_t namlen)
{
	struct socket *so = inp->inp_socket;
	uint32_t faddr, laddr;
	uint16_t fport;
	int error;

	KASSERT(mutex_owned(&inet_lock));
	error = in_sin(nam, namlen, &faddr, &fport);
	if (error != 0)
		return error;
	if (faddr == 0)
		faddr = htonl(INADDR_LOOPBACK);
	if (in_isbroadcast(faddr, NULL) &&
	    (so->so_options & SOO_BROADCAST) == 0)
		return EACCES;
	laddr = inp->inp_laddr;
	if (laddr == 0) {
		error = in_selectsrc(faddr, &laddr);
		if (error != 0)
			return error;
	}
	if (inp->inp_lport == 0) {
		error = in_pcbephemeral(inp, 0);
		if (error != 0)
			return error;
	}
	inp->inp_laddr = laddr;
	inp->inp_faddr = faddr;
	inp->inp_fport = fport;
	return 0;
}

void
in_pcbdisconnect(struct inpcb *inp)
{
	inp->inp_faddr = 0;
	inp->inp_fport = 0;
}

static int
sopt_getint(const struct sockopt *sopt, int *vp)
{
	if (sopt->sopt_size < sizeof(int)) {
		if (sopt->sopt_size == 1) {
			*vp = *(const uint8_t *)sopt->sopt_val;
			return 0;
		}
		return EINVAL;
	}
	memcpy(vp, sopt->sopt_val, sizeof(int));
	return 0;
}

int
in_pcbctloutput(int op, struct socket *so, struct sockopt *sopt)
{
	struct inpcb *inp = sotoinpcb(so);
	int v, error;

	if (sopt->sopt_level != IPPROTO_IP)
		return ENOPROTOOPT;
	if (inp == NULL)
		return EINVAL;
	if (op == SOPT_SET) {
		if ((error = sopt_getint(sopt, &v)) != 0)
			return error;
		switch (sopt->sopt_name) {
		case IP_TTL:
			if (v == -1)
				v = IP_DEFTTL;
			if (v < 1 || v > 255)
				return EINVAL;
			inp->inp_ttl = v;
			return 0;
		case IP_TOS:
			inp->inp_tos = v & 0xff;
			return 0;
		case IP_HDRINCL:
			if (so->so_type != SOCK_RAW)
				return ENOPROTOOPT;
			inp->inp_hdrincl = v != 0;
			return 0;
		}
		return ENOPROTOOPT;
	}
	switch (sopt->sopt_name) {
	case IP_TTL:
		v = inp->inp_ttl;
		break;
	case IP_TOS:
		v = inp->inp_tos;
		break;
	case IP_HDRINCL:
		if (so->so_type != SOCK_RAW)
			return ENOPROTOOPT;
		v = inp->inp_hdrincl;
		break;
	default:
		return ENOPROTOOPT;
	}
	if (sopt->sopt_size < sizeof(int))
		return EINVAL;
	memcpy(sopt->sopt_val, &v, sizeof(int));
	sopt->sopt_size = sizeof(int);
	return 0;
}
