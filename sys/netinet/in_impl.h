/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * in_impl.h: declarations shared between the files of netinet (IPv4):
 * interface addresses, protocol control blocks, and the entry points of
 * IP, ICMP, UDP, raw IP, ARP and reassembly.
 *
 * Layers and callers:
 *	socket layer -> udp_usrreqs / rip_usrreqs (udp_usrreq.c, raw_ip.c)
 *	    -> ip_output (ip_output.c) -> ifp->if_output (ether_output ->
 *	    arp_resolve (if_arp.c), lo_output)
 *	netisr thread -> ip_input (ip_input.c) -> ip_reass (ip_reass.c)
 *	    -> rip_input, icmp_input (ip_icmp.c), udp_input
 *	             \-> ip_forward -> ip_output
 *	netisr thread -> arp_input
 *	in_slowtimo (in_proto.c, every second) -> arp_timer, ip_reass_timer
 *
 * Addresses and ports are kept in network byte order.
 *
 * Locking: [N] inet_lock: the lock of every AF_INET socket (so_lock
 * points at it) and of the protocol control block tables; [A] in_lock:
 * the interface addresses; arp_lock and reass_lock are private to their
 * files.  Lock order: inet_lock > in_lock > arp_lock, reass_lock >
 * rt_lock > if_lock > driver locks.  ip_output may be called with
 * inet_lock held or not; it takes in_lock briefly.
 */
#ifndef _SYS_NETINET_IN_IMPL_H_
#define _SYS_NETINET_IN_IMPL_H_

#include "kern/kern.h"
#include "kern/lock.h"
#include "net/if.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "netinet/ip.h"

struct ifnet;
struct mbuf;
struct socket;

extern kmutex_t inet_lock;

/* --- interface addresses (in.c) --- */

struct in_ifaddr {
	struct ifnet *ia_ifp;              /* [I] */
	uint32_t ia_addr;                  /* [A] */
	uint32_t ia_mask;                  /* [A] */
	uint32_t ia_broad;                 /* [A] */
	struct in_ifaddr *ia_next;         /* [A] */
};

extern krwlock_t in_lock;
extern int ip_forwarding;                  /* [a] 0 or 1 */

void in_init(void);
int in_control(struct ifnet *ifp, unsigned long cmd, struct rump_ifreq *ifr);
void in_ifchange(struct ifnet *ifp, bool detach);
/* Is addr one of ours (any interface, 127/8 included)? */
bool in_islocal(uint32_t addr);
/* Is addr a broadcast address: limited, or of an interface (ifp NULL:
 * any)? */
bool in_isbroadcast(uint32_t addr, struct ifnet *ifp);
/* The primary address of ifp; 0 or EADDRNOTAVAIL. */
int in_ifaddrof(struct ifnet *ifp, uint32_t *addrp);
/* The address of ifp to send to `to' from: the one whose network holds
 * it, else the primary; 0 or EADDRNOTAVAIL. */
int in_ifaddrfor(struct ifnet *ifp, uint32_t to, uint32_t *addrp);
/* Is addr one of ifp's addresses? */
bool in_ifhasaddr(struct ifnet *ifp, uint32_t addr);
/* RUMP_SIOCAIFADDR (struct rump_in_aliasreq) and RUMP_SIOCGIFADDRTABLE
 * (struct rump_nettab) on the caller's address. */
int in_addrioctl(unsigned long cmd, void *data);
/* The first interface that is up, not loopback, and has an address
 * (limited broadcast goes there); held, or NULL. */
struct ifnet *in_bcastif(void);
/* The source address for a packet to dst (the route's interface). */
int in_selectsrc(uint32_t dst, uint32_t *srcp);

/* --- checksums (in_cksum.c) --- */

/* One's complement sum of len bytes at off in the chain, folded and
 * complemented, starting from sum (a partial 32-bit sum). */
uint16_t in_cksum(const struct mbuf *m, size_t off, size_t len,
    uint32_t sum);
uint16_t in_cksum_buf(const void *buf, size_t len, uint32_t sum);
/* Partial sum of the pseudo-header (RFC 768). */
uint32_t in_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* Fill in the TCP or UDP sum of IPv4 packet m (header hlen bytes) that
 * the protocol left undone (M_CSUM_DATA_OUT), and clear the flag. */
void in_delayed_cksum(struct mbuf *m, size_t hlen);

/* --- IP (ip_input.c, ip_output.c, ip_reass.c) --- */

#define IP_FORWARDING      0x01            /* ip_output flags */
#define IP_ALLOWBROADCAST  0x02
#define IP_RAWOUTPUT       0x04            /* header given by the user */

void ip_input(struct ifnet *ifp, struct mbuf *m);
/* if_afhooks' ifa_lrocut (if.h): a received aggregate cut into the
 * packets a wire would carry (the link-level test impairment). */
int ip_lro_cut(struct mbuf *m, struct mbuf **listp);
/* Send a packet whose header is filled in except ip_id and ip_sum (and
 * ip_src if 0).  Consumes m.  0, EMSGSIZE (DF and too big), EACCES
 * (broadcast not allowed), ENETUNREACH, EHOSTUNREACH, ENOBUFS. */
int ip_output(struct mbuf *m, int flags);
uint16_t ip_newid(void);
/* Fragments: the whole datagram when complete (its header fixed up),
 * else NULL (m kept or dropped). */
struct mbuf *ip_reass(struct mbuf *m);
void ip_reass_init(void);
void ip_reass_timer(void);
/* Flush every queue (detach, tests). */
void ip_reass_drain(void);

/* --- ICMP (ip_icmp.c) --- */

void icmp_input(struct mbuf *m, size_t hlen);
/* Send an error about m (consumed).  nextmtu for NEEDFRAG. */
void icmp_error(struct mbuf *m, int type, int code, int nextmtu);

/* --- protocol control blocks (in_pcb.c) --- */

struct inpcb {
	struct socket *inp_socket;         /* [I] */
	struct inpcb_table *inp_table;     /* [I] */
	int inp_proto;                     /* [I] IPPROTO_* (raw: filter) */
	uint32_t inp_laddr, inp_faddr;     /* [N] */
	uint16_t inp_lport, inp_fport;     /* [N] */
	int inp_ttl;                       /* [N] IP_TTL */
	int inp_tos;                       /* [N] IP_TOS */
	bool inp_hdrincl;                  /* [N] IP_HDRINCL */
	struct inpcb *inp_next;            /* [N] */
};

struct inpcb_table {
	struct inpcb *inpt_list;           /* [N] */
	uint16_t inpt_lastport;            /* [N] ephemeral port cursor */
};

int in_pcballoc(struct socket *so, struct inpcb_table *t, int proto);
void in_pcbdetach(struct inpcb *inp);
int in_pcbbind(struct inpcb *inp, const struct rump_sockaddr *nam,
    size_t namlen);
/* Check a destination; fill *dstp, *portp.  EINVAL, EAFNOSUPPORT. */
int in_sin(const struct rump_sockaddr *nam, size_t namlen, uint32_t *addrp,
    uint16_t *portp);
int in_pcbconnect(struct inpcb *inp, const struct rump_sockaddr *nam,
    size_t namlen);
void in_pcbdisconnect(struct inpcb *inp);
int in_pcbctloutput(int op, struct socket *so, struct sockopt *sopt);
void in_setsockaddr(uint32_t addr, uint16_t port,
    struct rump_sockaddr_storage *nam, size_t *lenp);
static inline struct inpcb *
sotoinpcb(struct socket *so)
{
	return (struct inpcb *)so->so_pcb;
}

/* --- UDP (udp_usrreq.c) and raw IP (raw_ip.c) --- */

extern const struct pr_usrreqs udp_usrreqs;
extern const struct pr_usrreqs rip_usrreqs;
extern const struct pr_usrreqs tcp_stub_usrreqs;
extern struct inpcb_table udbtable;
extern struct inpcb_table rawtable;
void udp_input(struct mbuf *m, size_t hlen);
/* An ICMP error about a datagram we sent (inner: its IP header and the
 * first 8 bytes after it). */
void udp_ctlinput(int error, const struct ip *inner, const uint8_t *l4);
/* Copies of m to matching raw sockets; true if any took one.  m is not
 * consumed. */
bool rip_input(struct mbuf *m);

/* --- ARP (if_arp.c) --- */

void arp_init(void);
void arp_input(struct ifnet *ifp, struct mbuf *m);
int arp_resolve(struct ifnet *ifp, struct mbuf *m, uint32_t nexthop,
    uint8_t *dst);
void arp_gratuitous(struct ifnet *ifp, uint32_t addr);
void arp_ifflush(struct ifnet *ifp);
void arp_timer(void);
/* SIOCSARP, SIOCDARP, SIOCGARP (struct rump_arpreq) and
 * RUMP_SIOCGARPTABLE (struct rump_nettab) on the caller's address. */
int arp_ioctl(unsigned long cmd, void *data);

/* --- the socket table (in_socktab.c) --- */

/* RUMP_SIOCGSOCKTABLE (struct rump_nettab) on the caller's address: the
 * TCP, UDP and raw IP control blocks as struct rump_sockrec. */
int in_socktab_ioctl(void *data);

#endif /* _SYS_NETINET_IN_IMPL_H_ */
