/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtif_user.h: the hypercalls of the virtif driver, between its kernel
 * half (if_virtif.c) and its host half (virtif_user.c, built into the
 * same library).  They return 0 or an errno value (Linux numbering).
 * rumpuser_virtif_wait blocks in the host: call it with the virtual CPU
 * released.  The others never block.
 *
 * Offload: the tap is opened with a virtio_net_hdr in front of every
 * frame (IFF_VNET_HDR) and told we take partial checksums and TCP/IPv4
 * aggregates (TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4), unless the kernel
 * refuses or RUMP_VIRTIF_NOOFFLOAD=1 is in the environment.  Then frames
 * carry VIRTIF_F_* flags both ways: Linux hands us aggregates of up to
 * VIRTIF_MAXLARGE bytes and we hand it ours, which it cuts.
 */
#ifndef _SYS_DEV_VIRTIF_VIRTIF_USER_H_
#define _SYS_DEV_VIRTIF_VIRTIF_USER_H_

#include <stddef.h>
#include <stdint.h>

#define VIRTIF_MAXFRAME 9018            /* MTU 9004 */
#define VIRTIF_MAXLARGE (14 + 65535)    /* an aggregate: IP_MAXPACKET */

/* Frame flags (if_virtif.c turns them into HOSTLINK_F_*). */
#define VIRTIF_F_CSUM_UNDONE 0x1        /* TCP/UDP sum field zero, unsummed */
#define VIRTIF_F_CSUM_OK     0x2        /* Linux verified the payload sum */
#define VIRTIF_F_TSO         0x4        /* TCP/IPv4 aggregate, cut at segsz */

struct virtif_user;
struct virtif_iov {
	const void *vi_base;
	size_t vi_len;
};
#define VIRTIF_MAXIOV 16

/* Open the host tap device devname (created if missing: needs
 * CAP_NET_ADMIN), without packet information headers. */
int rumpuser_virtif_attach(const char *devname, struct virtif_user **up);
void rumpuser_virtif_detach(struct virtif_user *u);
/* Does the tap exchange offload flags (see above)? */
int rumpuser_virtif_offload(struct virtif_user *u);
/* Write one frame of len bytes from n pieces (at most VIRTIF_MAXIOV),
 * with VIRTIF_F_* flags and, with VIRTIF_F_TSO, the payload bytes per
 * piece; EINVAL for flags the tap was not set up for or a frame they do
 * not fit, ENOBUFS if the host queue is full. */
int rumpuser_virtif_sendv(struct virtif_user *u, const struct virtif_iov *iov,
    int n, size_t len, int flags, unsigned segsz);
/* Read one frame: 0 with *lenp, its VIRTIF_F_* flags and (with
 * VIRTIF_F_TSO) payload bytes per piece; EAGAIN if there is none;
 * EBADMSG for a frame whose offload header is wrong or that did not
 * fit buflen (it is gone). */
int rumpuser_virtif_recv(struct virtif_user *u, void *buf, size_t buflen,
    size_t *lenp, int *flagsp, unsigned *segszp);
/* Sleep until a frame may be there or rumpuser_virtif_stop was called. */
void rumpuser_virtif_wait(struct virtif_user *u);
void rumpuser_virtif_stop(struct virtif_user *u);

/*
 * The offload header's checks and fix-ups, apart for the fuzz harness
 * (fuzz/fuzz_vnethdr.c).  virtif_vnet_rx: vh is the 10-byte header Linux
 * wrote before frame[len]; returns 0 with the flags and segment size, or
 * EBADMSG; may write the frame's checksum field (a partial sum is
 * completed or, for plain TCP/UDP over IPv4, zeroed and flagged
 * VIRTIF_F_CSUM_UNDONE).  virtif_vnet_tx: fills vh for a frame whose
 * first hdrlen bytes (of len) are at hdr, putting the pseudo-header sum
 * Linux expects into hdr's checksum field; 0 or EINVAL.
 */
#define VIRTIF_VNETHDR_LEN 10
int virtif_vnet_rx(const void *vh, void *frame, size_t len, int *flagsp,
    unsigned *segszp);
int virtif_vnet_tx(void *vh, void *hdr, size_t hdrlen, size_t len,
    int flags, unsigned segsz);

#endif /* _SYS_DEV_VIRTIF_VIRTIF_USER_H_ */
