/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * in_cksum.c: the Internet checksum (RFC 1071) over buffers and mbuf
 * chains, and the pseudo-header sum of UDP.  Used by IP, ICMP, UDP and
 * the fuzz harness.  Sums are kept in 32 bits and folded at the end;
 * an odd byte at the end of one mbuf pairs with the first of the next.
 * in_delayed_cksum fills in the TCP or UDP sum a protocol left to
 * ip_output (mbuf.h, M_CSUM_DATA_OUT).
 */
#include "kern/kern.h"
#include "net/if.h"
#include "net/mbuf.h"
#include "netinet/in_impl.h"

/*
 * The bulk of a buffer, a multiple of 4 bytes: 32-bit loads summed in 64
 * bits (no carry is lost below 2^32 words), folded to 16 bits.  The
 * loads are in host order; the one's complement sum commutes with byte
 * swapping (RFC 1071 2.B), so on a little-endian host the folded sum is
 * swapped once at the end into the big-endian words the rest adds.
 */
static uint32_t
cksum_bulk(const uint8_t *p, size_t n)
{
	uint64_t s0 = 0, s1 = 0;
	uint32_t w[4];
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		memcpy(w, p + i, 16);
		s0 += (uint64_t)w[0] + w[1];
		s1 += (uint64_t)w[2] + w[3];
	}
	for (; i < n; i += 4) {
		memcpy(w, p + i, 4);
		s0 += w[0];
	}
	s0 += s1;                              /* < 2^63: no overflow */
	s0 = (s0 & 0xffffffffU) + (s0 >> 32);
	s0 = (s0 & 0xffffffffU) + (s0 >> 32);
	s0 = (s0 & 0xffff) + (s0 >> 16);
	s0 = (s0 & 0xffff) + (s0 >> 16);
	s0 = (s0 & 0xffff) + (s0 >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s0 = (uint16_t)__builtin_bswap16((uint16_t)s0);
#endif
	return (uint32_t)s0;
}

static uint32_t
cksum_add(uint32_t sum, const uint8_t *p, size_t len, bool *odd)
{
	uint64_t s = sum;
	size_t n;

	if (len == 0)
		return sum;
	if (*odd) {
		s += p[0];                 /* low byte of the pending word */
		p++;
		len--;
		*odd = false;
	}
	n = len & ~(size_t)3;
	if (n > 0) {
		s += cksum_bulk(p, n);
		p += n;
		len -= n;
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

void
in_delayed_cksum(struct mbuf *m, size_t hlen)
{
	const struct ip *ip = mtod(m, const struct ip *);
	size_t len = (size_t)ntohs(ip->ip_len) - hlen, sumoff;
	uint16_t sum = 0;

	m->m_pkthdr.csum_flags &= ~M_CSUM_DATA_OUT;
	switch (ip->ip_p) {
	case IPPROTO_TCP:
		sumoff = 16;
		break;
	case IPPROTO_UDP:
		sumoff = 6;
		break;
	default:
		return;
	}
	if (hlen + len > m->m_pkthdr.len || sumoff + 2 > len)
		return;                        /* malformed: left alone */
	(void)m_copyback(m, hlen + sumoff, sizeof(sum), &sum, M_DONTWAIT);
	sum = in_cksum(m, hlen, len, in_pseudo(ip->ip_src, ip->ip_dst,
	    ip->ip_p, (uint16_t)len));
	if (sum == 0 && ip->ip_p == IPPROTO_UDP)
		sum = 0xffff;                  /* 0 means "no sum" in UDP */
	(void)m_copyback(m, hlen + sumoff, sizeof(sum), &sum, M_DONTWAIT);
}
