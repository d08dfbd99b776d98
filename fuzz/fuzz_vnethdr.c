/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_vnethdr.c: libFuzzer harness for the virtio_net_hdr that Linux
 * writes in front of every frame virtif reads from its tap (offload on):
 * virtif_vnet_rx in sys/dev/virtif/virtif_user.c, built in here as it
 * is host code.  The input is the 10-byte header, then the frame.  The
 * frame is copied into a buffer of exactly its size, so ASan sees any
 * access past it.  virtif_vnet_rx must return 0 or EBADMSG and never
 * crash; what it accepts must keep its promises (checked, abort if
 * not): only known flags; a TSO aggregate is an unfragmented IPv4 TCP
 * segment with a segment size; "sum left out" is an IPv4 TCP or UDP
 * packet whose sum field is now zero.  An accepted TCP or UDP frame is
 * then given to virtif_vnet_tx as if we were sending it back with the
 * same flags: it must say 0 or EINVAL, and write only its header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sys/dev/virtif/virtif_user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The IPv4 packet in frame f[len] as virtif_vnet_rx promised it. */
static void
check_ipv4(const uint8_t *f, size_t len, int tcp_only, size_t *sumoffp)
{
	size_t ihl, iplen;
	unsigned proto;

	if (len < 34 || be16(f + 12) != 0x0800 || (f[14] >> 4) != 4)
		abort();
	ihl = (size_t)(f[14] & 0x0f) * 4;
	iplen = be16(f + 16);
	proto = f[23];
	if (ihl < 20 || iplen < ihl || 14 + iplen > len ||
	    (be16(f + 20) & 0x3fff) != 0)
		abort();
	if (proto == 6 && iplen >= ihl + 20)
		*sumoffp = 14 + ihl + 16;
	else if (proto == 17 && !tcp_only && iplen >= ihl + 8)
		*sumoffp = 14 + ihl + 6;
	else
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t vh[VIRTIF_VNETHDR_LEN], vh2[VIRTIF_VNETHDR_LEN];
	uint8_t *frame, hdr[134];
	size_t len, sumoff = 0, hl;
	unsigned segsz = 0;
	int flags = 0, error;

	if (size < VIRTIF_VNETHDR_LEN + 1)
		return 0;
	memcpy(vh, data, sizeof(vh));
	len = size - sizeof(vh);
	frame = malloc(len);
	if (frame == NULL)
		abort();
	memcpy(frame, data + sizeof(vh), len);
	error = virtif_vnet_rx(vh, frame, len, &flags, &segsz);
	if (error != 0 && error != EBADMSG)
		abort();
	if (error != 0)
		goto out;
	if (flags & ~(VIRTIF_F_CSUM_UNDONE | VIRTIF_F_CSUM_OK | VIRTIF_F_TSO))
		abort();
	if (flags & VIRTIF_F_TSO) {
		if (segsz == 0)
			abort();
		check_ipv4(frame, len, 1, &sumoff);
	} else if (segsz != 0) {
		abort();
	}
	if (flags & VIRTIF_F_CSUM_UNDONE) {
		check_ipv4(frame, len, 0, &sumoff);
		if (frame[sumoff] != 0 || frame[sumoff + 1] != 0)
			abort();
	}
	if (flags & (VIRTIF_F_TSO | VIRTIF_F_CSUM_UNDONE)) {
		hl = len < sizeof(hdr) ? len : sizeof(hdr);
		memcpy(hdr, frame, hl);
		error = virtif_vnet_tx(vh2, hdr, hl, len,
		    flags & (VIRTIF_F_TSO | VIRTIF_F_CSUM_UNDONE), segsz);
		if (error != 0 && error != EINVAL)
			abort();
	}
out:
	free(frame);
	return 0;
}
