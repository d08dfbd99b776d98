/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_tap.h: what h_tap.c and h_httpd.c share: the test data stream (a
 * seeded xorshift64 generator of four lanes, so either end of a transfer can make the
 * bytes again and a shell test can hash them with "h_tap gen N"), and
 * writing a whole buffer to a rump socket.
 */
#ifndef _TESTS_NETINET_H_TAP_H_
#define _TESTS_NETINET_H_TAP_H_

#include "h_inet.h"

/* The stream is made and cut in chunks of this size: every user must
 * take it in whole chunks (the last one cut short) to see the same bytes. */
#define H_STREAM_CHUNK 65536

struct h_stream {
	uint64_t hs_x[4];       /* generator state: four lanes */
};

static inline void
h_stream_init(struct h_stream *st)
{
	for (int i = 0; i < 4; i++)
		st->hs_x[i] = 0x9e3779b97f4a7c15ULL * (uint64_t)(2 * i + 1);
}

/*
 * Fill buf (n a multiple of 32) with the next n bytes of the stream:
 * four xorshift64 lanes, interleaved 8 bytes at a time.  Four
 * independent lanes let the CPU overlap them, so making the data costs
 * a sender a quarter of what one serial lane did (it was a quarter of
 * the sender's CPU time at 1 GB/s over the tap).
 */
static inline void
h_stream_fill(struct h_stream *st, unsigned char *buf, size_t n)
{
	uint64_t x[4];

	memcpy(x, st->hs_x, sizeof(x));
	for (size_t i = 0; i + 32 <= n; i += 32) {
		for (int j = 0; j < 4; j++) {
			x[j] ^= x[j] << 13;
			x[j] ^= x[j] >> 7;
			x[j] ^= x[j] << 17;
		}
		memcpy(buf + i, x, 32);
	}
	memcpy(st->hs_x, x, sizeof(x));
}

/* Write all n bytes to fd with wr (the host's write or the kernel's):
 * 0 or errno. */
static inline int
h_writeall_with(ssize_t (*wr)(int, const void *, size_t), int fd,
    const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = wr(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write all n bytes to rump socket s: 0 or errno. */
static inline int
h_writeall(int s, const void *buf, size_t n)
{
	return h_writeall_with(rump_sys_write, s, buf, n);
}

/*
 * Close rump socket s after what was queued on it has been sent and
 * acknowledged (SO_LINGER, up to 10 s).  The helpers exit right after
 * their last close, and the kernel goes with the process: without the
 * linger, queued data and the FIN would be lost with it.
 */
static inline void
h_lingerclose(int s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 10 };

	(void)rump_sys_setsockopt(s, RUMP_SOL_SOCKET, RUMP_SO_LINGER, &lg,
	    sizeof(lg));
	rump_sys_close(s);
}

/*
 * Wait (up to 60 s) for file path to appear; NULL: return at once.  The
 * tests capture on the tap, which goes away when the kernel's process
 * exits: they let it exit only after the capture has stopped.
 */
static inline void
h_waitfile(const char *path)
{
	for (int i = 0; path != NULL && i < 1200 && access(path, F_OK) != 0;
	    i++)
		usleep(50000);
}

#endif /* _TESTS_NETINET_H_TAP_H_ */
