/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_domain.c: the list of communication domains and the protocol
 * lookup of socket(2) (domain.h), and the socket layer's component: it
 * sets up packet buffers, registers the socket system calls and AF_UNIX.
 *
 * Locking: [D] domain_lock.  Domains are only added, never removed.
 */

#include "kern/kern.h"
#include "kern/component.h"
#include "kern/lock.h"
#include "kern/syscall.h"
#include "net/domain.h"
#include "net/mbuf.h"
#include "net/net_impl.h"
#include "net/protosw.h"

static kmutex_t domain_lock;
static struct domain *domains;             /* [D] */

int
domain_attach(struct domain *dp)
{
	struct domain *d;

	mutex_enter(&domain_lock);
	for (d = domains; d != NULL; d = d->dom_next) {
		if (d->dom_family == dp->dom_family) {
			mutex_exit(&domain_lock);
			printf("net: domain %s: family %d already taken by %s\n",
			    dp->dom_name, dp->dom_family, d->dom_name);
			return EEXIST;
		}
	}
	dp->dom_next = domains;
	/* Readers walk the list without the lock: publish the entry whole. */
	atomic_store_release(&domains, dp);
	mutex_exit(&domain_lock);
	return 0;
}

struct domain *
domain_find(int family)
{
	struct domain *d;

	for (d = atomic_load_acquire(&domains); d != NULL; d = d->dom_next)
		if (d->dom_family == family)
			return d;
	return NULL;
}

int
protosw_lookup(int family, int type, int protocol,
    const struct protosw **prp)
{
	const struct protosw *pr;
	struct domain *d;
	bool typeseen = false;
	size_t i;

	d = domain_find(family);
	if (d == NULL)
		return EAFNOSUPPORT;
	for (i = 0; i < d->dom_nprotosw; i++) {
		pr = &d->dom_protosw[i];
		if (pr->pr_type != type)
			continue;
		typeseen = true;
		if (protocol == 0 || pr->pr_protocol == protocol) {
			*prp = pr;
			return 0;
		}
	}
	return typeseen ? EPROTONOSUPPORT : ESOCKTNOSUPPORT;
}

extern const struct syscall_package net_syscalls[];

RUMP_COMPONENT(RUMP_COMPONENT_NET)
{
	int error;

	mutex_init(&domain_lock, MUTEX_DEFAULT, "domain");
	mbuf_init();
	socket_init();
	error = uipc_init();
	if (error == 0)
		error = syscall_establish(net_syscalls);
	return error;
}
