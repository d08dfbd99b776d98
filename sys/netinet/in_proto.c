/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * in_proto.c: the AF_INET domain and the netinet component.
 *
 * The protocol table: UDP (SOCK_DGRAM), raw IP (SOCK_RAW; the socket
 * layer's protosw_lookup matches protocol numbers exactly, so raw IP has
 * one entry per protocol it serves, and a first entry that takes
 * protocol 0 and refuses it with EPROTONOSUPPORT, as Linux does), and a
 * place for TCP (SOCK_STREAM), which another issue fills: until then its
 * entry refuses every socket with EPROTONOSUPPORT.
 *
 * The component (RUMP_COMPONENT_NET_ROUTE) registers the domain, ip_input
 * and arp_input with the interface layer, the address ioctls, the ARP
 * resolver, and a one-second timer for ARP and reassembly; a second one
 * (RUMP_COMPONENT_NET_IFCFG) gives lo0 127.0.0.1/8.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/component.h"
#include "kern/lock.h"
#include "kern/syscall.h"
#include "net/domain.h"
#include "net/if.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/in_impl.h"
#include "netinet/tcp_var.h"          /* TCP (issue 6) */

kmutex_t inet_lock;
static callout_t in_slowtimo_ch;

static int
tcp_stub_attach(struct socket *so, int proto)
{
	return EPROTONOSUPPORT;
}

const struct pr_usrreqs tcp_stub_usrreqs = {
	.pru_attach = tcp_stub_attach,
};

static const struct protosw inetsw[] = {
	{ .pr_type = SOCK_DGRAM, .pr_protocol = IPPROTO_UDP,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_usrreqs = &udp_usrreqs },
	{ .pr_type = SOCK_STREAM, .pr_protocol = IPPROTO_TCP,
	  .pr_flags = PR_CONNREQUIRED | PR_WANTRCVD | PR_LISTEN | PR_URGENT,
	  .pr_usrreqs = &tcp_usrreqs },
	/* SOCK_RAW: protocol 0 lands on the first entry and is refused. */
	{ .pr_type = SOCK_RAW, .pr_protocol = -1,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_usrreqs = &rip_usrreqs },
	{ .pr_type = SOCK_RAW, .pr_protocol = IPPROTO_ICMP,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_usrreqs = &rip_usrreqs },
	{ .pr_type = SOCK_RAW, .pr_protocol = IPPROTO_UDP,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_usrreqs = &rip_usrreqs },
	{ .pr_type = SOCK_RAW, .pr_protocol = IPPROTO_TCP,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_usrreqs = &rip_usrreqs },
	{ .pr_type = SOCK_RAW, .pr_protocol = IPPROTO_RAW,
	  .pr_flags = PR_ATOMIC | PR_ADDR, .pr_usrreqs = &rip_usrreqs },
};

static struct domain inetdomain = {
	.dom_family = AF_INET,
	.dom_name = "inet",
	.dom_protosw = inetsw,
	.dom_nprotosw = nitems(inetsw),
	.dom_sockaddrmin = sizeof(struct rump_sockaddr_in),
	.dom_sockaddrmax = sizeof(struct rump_sockaddr_in),
};

static int
in_sockioctl(unsigned long cmd, void *data)
{
	int v, error;

	switch (cmd) {
	case SIOCGIPFORWARD:
		v = atomic_load_relaxed(&ip_forwarding);
		return copyout(&v, data, sizeof(v));
	case SIOCSIPFORWARD:
		error = copyin(data, &v, sizeof(v));
		if (error != 0)
			return error;
		if (v != 0 && v != 1)
			return EINVAL;
		atomic_store_relaxed(&ip_forwarding, v);
		return 0;
	case SIOCGARPTABLE:
	case SIOCSARP: case SIOCDARP: case SIOCGARP:
		return arp_ioctl(cmd, data);
	case SIOCGSOCKTABLE:
		return in_socktab_ioctl(data);
	case SIOCAIFADDR:
	case SIOCGIFADDRTABLE:
		return in_addrioctl(cmd, data);
	}
	return ENOTTY;
}

static const struct if_afhooks in_afhooks = {
	.ifa_ioctl = in_control,
	.ifa_ifchange = in_ifchange,
	.ifa_sockioctl = in_sockioctl,
	.ifa_lrocut = ip_lro_cut,
};

static void
in_slowtimo(void *arg)
{
	arp_timer();
	ip_reass_timer();
	callout_schedule(&in_slowtimo_ch, NSEC_PER_SEC);
}

RUMP_COMPONENT(RUMP_COMPONENT_NET_ROUTE)
{
	int error;

	mutex_init(&inet_lock, MUTEX_DEFAULT, "inet");
	in_init();
	ip_reass_init();
	arp_init();
	tcp_init();
	error = domain_attach(&inetdomain);
	if (error != 0)
		return error;
	if_afhooks_set(&in_afhooks);
	netisr_register(NETISR_IP, ip_input);
	netisr_register(NETISR_ARP, arp_input);
	callout_init(&in_slowtimo_ch, in_slowtimo, NULL);
	callout_schedule(&in_slowtimo_ch, NSEC_PER_SEC);
	return 0;
}

RUMP_COMPONENT(RUMP_COMPONENT_NET_IFCFG)
{
	struct rump_ifreq ifr;
	struct rump_sockaddr_in *sin;
	int error;

	if (lo0ifp == NULL)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_ifrn.ifrn_name, lo0ifp->if_xname,
	    sizeof(ifr.ifr_ifrn.ifrn_name));
	sin = (struct rump_sockaddr_in *)(void *)&ifr.ifr_ifru.ifru_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	error = in_control(lo0ifp, SIOCSIFADDR, &ifr);
	if (error != 0)
		return error;
	sin->sin_addr.s_addr = htonl(0xff000000U);
	return in_control(lo0ifp, SIOCSIFNETMASK, &ifr);
}
