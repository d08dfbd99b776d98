/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * in_cksum.c: the Internet checksum (RFC 1071) over buffers and mbuf
 * chains, and the pseudo-header sum of UDP.  Used by IP, ICMP, UDP and
 * the fuzz harness.  Sums are kept in 32 bits and folded at the end;
 * an odd byte at the end of one mbuf pairs with the first of the next.
 */
#include "kern/kern.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "netinet/in_impl.h"

static uint32_t
cksum_add(uint32_t sum, const uint8_t *p, size_t len, bool *odd)
{
	uint64_t s = sum;

	if (len == 0)
		return sum;
	if (*odd) {
		s += p[0];                 /* low byte of the pending word */
		p++;
		len--;
		*odd = false;
	}
	while (len >= 2) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		s += (uint32_t)p[0] << 8;
		*odd = true;
	}
	while (s >> 32)
		s = (s & 0xffffffffU) + (s >> 32);
	return (uint32_t)s;
}

static uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

uint16_t
in_cksum_buf(const void *buf, size_t len, uint32_t sum)
{
	bool odd = false;

	return cksum_fold(cksum_add(sum, buf, len, &odd));
}

uint16_t
in_cksum(const struct mbuf *m, size_t off, size_t len, uint32_t sum)
{
	bool odd = false;
	size_t n;

	for (; m != NULL && off >= m->m_len; m = m->m_next)
		off -= m->m_len;
	for (; m != NULL && len > 0; m = m->m_next) {
		n = MIN(len, m->m_len - off);
		sum = cksum_add(sum, (const uint8_t *)m->m_data + off, n, &odd);
		len -= n;
		off = 0;
	}
	return cksum_fold(sum);
}

uint32_t
in_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint32_t s = ntohl(src), d = ntohl(dst);
	uint64_t sum;

	sum = (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) +
	    proto + len;
	while (sum >> 32)
		sum = (sum & 0xffffffffU) + (sum >> 32);
	return (uint32_t)sum;
}
