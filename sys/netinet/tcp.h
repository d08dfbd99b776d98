/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp.h: the TCP wire format (RFC 9293 section 3.1): the header, its
 * flags, the options we parse and send (MSS, window scale and timestamps
 * from RFC 7323, SACK from RFC 2018), and sequence number arithmetic
 * modulo 2^32.  Every multi-byte field is in network byte order.
 * Included by the tcp_*.c files and the fuzz harness.
 */
#ifndef _SYS_NETINET_TCP_H_
#define _SYS_NETINET_TCP_H_

#include "kern/kern.h"

typedef uint32_t tcp_seq;

struct tcphdr {
	uint16_t th_sport;
	uint16_t th_dport;
	uint32_t th_seq;
	uint32_t th_ack;
	uint8_t th_off;                    /* data offset << 4 (words) */
	uint8_t th_flags;
	uint16_t th_win;
	uint16_t th_sum;
	uint16_t th_urp;
} __attribute__((__packed__, __aligned__(2)));
CTASSERT(sizeof(struct tcphdr) == 20);

#define TH_OFF(th)  (((th)->th_off >> 4) << 2)   /* header bytes */
#define TH_FIN  0x01
#define TH_SYN  0x02
#define TH_RST  0x04
#define TH_PUSH 0x08
#define TH_ACK  0x10
#define TH_URG  0x20
#define TH_ECE  0x40
#define TH_CWR  0x80

#define TCP_MAXOLEN       40               /* options fit in 40 bytes */
#define TCPOPT_EOL        0
#define TCPOPT_NOP        1
#define TCPOPT_MAXSEG     2                /* len 4 */
#define TCPOPT_WINDOW     3                /* len 3 */
#define TCPOPT_SACK_PERMITTED 4            /* len 2 */
#define TCPOPT_SACK       5                /* len 2 + 8n */
#define TCPOPT_TIMESTAMP  8                /* len 10 */
#define TCP_MAX_WINSHIFT  14
#define TCP_MAXWIN        65535

/* Sequence space comparisons (RFC 9293 3.4). */
#define SEQ_LT(a, b)  ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))

/* Big-endian 32-bit store into an option byte string. */
static inline void
be32enc(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* _SYS_NETINET_TCP_H_ */
