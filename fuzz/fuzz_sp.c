/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_sp.c: libFuzzer harness for the remote-syscall message parser
 * (sys/kern/kern_sp.c), the code that reads what clients send.
 *
 * The input is a sequence of frames, each given to the parser as the
 * host side would (sp_request through rump_sp_fuzz_request): the frame's
 * first 4 bytes are its length, clamped to what is left of the input.
 * If the first input byte is odd, a valid HELLO goes first, so most
 * inputs reach the system-call marshalling.  System calls are not run:
 * a fuzzing connection touches every byte the marshalling prepared
 * instead (see rump_sp_fuzz_open), so the sanitizers see any block that
 * lies outside its frame or reply.  The parser must never crash, and a
 * rejected frame must end the connection.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rump.h>

#include "kern_sp_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_hello(void *conn)
{
	struct { struct sp_hdr h; struct sp_hello b; } m;
	const void *rep;
	size_t rlen;

	memset(&m, 0, sizeof(m));
	m.h.sh_len = sizeof(m);
	m.h.sh_type = SP_HELLO;
	m.b.h_magic = SP_MAGIC;
	m.b.h_version = SP_VERSION;
	(void)rump_sp_fuzz_request(conn, &m, sizeof(m), &rep, &rlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int booted;
	uint8_t *frame;
	const void *rep;
	size_t off, len, rlen;
	uint32_t flen;
	void *conn;
	int rv;

	if (!booted) {
		if (rump_init() != 0)
			abort();
		booted = 1;
	}
	if (size == 0 || rump_sp_fuzz_open(&conn) != 0)
		return 0;
	if (data[0] & 1)
		fuzz_hello(conn);
	for (off = 1; off + 4 <= size; off += len) {
		memcpy(&flen, data + off, 4);
		len = flen < size - off ? flen : size - off;
		if (len < 4)
			len = 4;
		/* A copy of its own, 8-aligned, as the host's buffer is. */
		frame = malloc(len);
		if (frame == NULL)
			break;
		memcpy(frame, data + off, len);
		if (len >= 4) {
			flen = (uint32_t)len;
			memcpy(frame, &flen, 4);
		}
		rv = rump_sp_fuzz_request(conn, frame, len, &rep, &rlen);
		if (rv == 0 && rlen > 0) {
			/* The reply must be a whole frame of its own. */
			struct sp_hdr h;
			memcpy(&h, rep, sizeof(h));
			if (rlen < SP_HDRLEN || h.sh_len != rlen ||
			    rlen > SP_MAXMSG + 65536)
				abort();
		}
		free(frame);
		if (rv != 0)
			break;
	}
	rump_sp_fuzz_close(conn);
	return 0;
}
