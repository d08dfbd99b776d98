/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * domain.h: communication domains (address families).
 *
 * A domain is an address family (AF_UNIX, AF_INET, ...) with its table of
 * protocols (protosw.h).  Domains are registered by the components that
 * implement them, from their RUMP_COMPONENT init at RUMP_COMPONENT_NET or
 * a later level (the socket layer's own init runs first, at
 * RUMP_COMPONENT_NET, from this library): AF_UNIX by librumpnet itself,
 * AF_INET by the netinet component.  Domains are never removed while the
 * kernel runs, so a struct domain and its protocols live as long as the
 * kernel and pointers to them need no reference.
 *
 * socket(2) picks a protocol with protosw_lookup(), which gives the
 * errors Linux gives: EAFNOSUPPORT for an unknown family,
 * ESOCKTNOSUPPORT for a type the family lacks, EPROTONOSUPPORT for a
 * protocol number the type lacks (protocol 0 is the type's first entry).
 *
 * Locking: [I] immutable after domain_attach, [D] domain_lock.
 */
#ifndef _SYS_NET_DOMAIN_H_
#define _SYS_NET_DOMAIN_H_

#include "kern/kern.h"

struct protosw;

struct domain {
	int dom_family;                    /* [I] AF_* */
	const char *dom_name;              /* [I] */
	const struct protosw *dom_protosw; /* [I] array of dom_nprotosw */
	size_t dom_nprotosw;               /* [I] */
	/* [I] smallest and largest sockaddr the family accepts */
	size_t dom_sockaddrmin, dom_sockaddrmax;
	struct domain *dom_next;           /* [D] all domains */
};

/*
 * Register dp (which must stay valid for the life of the kernel).
 * 0, or EEXIST if its family already has a domain (netinet and sockin
 * both claiming AF_INET end up here and say so).
 */
int domain_attach(struct domain *dp);
/* The domain of family, or NULL. */
struct domain *domain_find(int family);
/*
 * The protocol for socket(family, type, protocol) (type without the
 * SOCK_NONBLOCK/SOCK_CLOEXEC bits).  0 with *prp set, or EAFNOSUPPORT,
 * ESOCKTNOSUPPORT, EPROTONOSUPPORT.
 */
int protosw_lookup(int family, int type, int protocol,
    const struct protosw **prp);

#endif /* _SYS_NET_DOMAIN_H_ */
