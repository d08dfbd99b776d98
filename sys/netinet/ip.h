/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ip.h: the wire formats of IPv4 (RFC 791), ICMP (RFC 792), UDP
 * (RFC 768) and ARP for IPv4 over Ethernet (RFC 826).  Every multi-byte
 * field is in network byte order; addresses are uint32_t in network
 * order.  Included by netinet's files and the fuzz harness.
 */
#ifndef _SYS_NETINET_IP_H_
#define _SYS_NETINET_IP_H_

#include "kern/kern.h"

struct ip {
	uint8_t ip_vhl;                    /* version << 4 | header words */
	uint8_t ip_tos;
	uint16_t ip_len;                   /* total length */
	uint16_t ip_id;
	uint16_t ip_off;                   /* flags and fragment offset */
	uint8_t ip_ttl;
	uint8_t ip_p;                      /* protocol */
	uint16_t ip_sum;
	uint32_t ip_src;
	uint32_t ip_dst;
} __attribute__((__packed__, __aligned__(2)));
CTASSERT(sizeof(struct ip) == 20);

#define IP_VERSION(ip) ((ip)->ip_vhl >> 4)
#define IP_HL(ip)      ((size_t)((ip)->ip_vhl & 0x0f) << 2)  /* bytes */
#define IP_RF      0x8000                  /* ip_off flags (host order) */
#define IP_DF      0x4000
#define IP_MF      0x2000
#define IP_OFFMASK 0x1fff
#define IP_MAXPACKET 65535
#define IP_DEFTTL  64
#define IP_MINMTU  68

#define IN_CLASSD(a)    (((a) & 0xf0000000U) == 0xe0000000U) /* host order */
#define IN_LOOPBACK(a)  (((a) & 0xff000000U) == 0x7f000000U)

struct icmp {
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_cksum;
	union {
		struct { uint16_t id, seq; } echo;
		struct { uint16_t unused, mtu; } frag;
		uint32_t word;
	} icmp_hun;
} __attribute__((__packed__, __aligned__(2)));
#define ICMP_MINLEN 8
#define icmp_id  icmp_hun.echo.id
#define icmp_seq icmp_hun.echo.seq
#define icmp_nextmtu icmp_hun.frag.mtu

#define ICMP_ECHOREPLY    0
#define ICMP_UNREACH      3
#define  ICMP_UNREACH_NET       0
#define  ICMP_UNREACH_HOST      1
#define  ICMP_UNREACH_PROTOCOL  2
#define  ICMP_UNREACH_PORT      3
#define  ICMP_UNREACH_NEEDFRAG  4
#define ICMP_SOURCEQUENCH 4
#define ICMP_REDIRECT     5
#define ICMP_ECHO         8
#define ICMP_TIMXCEED     11
#define  ICMP_TIMXCEED_INTRANS  0
#define  ICMP_TIMXCEED_REASS    1
#define ICMP_PARAMPROB    12
#define ICMP_TSTAMP       13
#define ICMP_TSTAMPREPLY  14

struct udphdr {
	uint16_t uh_sport;
	uint16_t uh_dport;
	uint16_t uh_ulen;
	uint16_t uh_sum;
} __attribute__((__packed__, __aligned__(2)));

struct ether_arp {
	uint16_t ar_hrd;                   /* 1: Ethernet */
	uint16_t ar_pro;                   /* 0x0800 */
	uint8_t ar_hln;                    /* 6 */
	uint8_t ar_pln;                    /* 4 */
	uint16_t ar_op;
	uint8_t arp_sha[6];
	uint8_t arp_spa[4];
	uint8_t arp_tha[6];
	uint8_t arp_tpa[4];
} __attribute__((__packed__));
CTASSERT(sizeof(struct ether_arp) == 28);
#define ARPOP_REQUEST 1
#define ARPOP_REPLY   2

#endif /* _SYS_NETINET_IP_H_ */
