/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_hostlink.h: Ethernet interfaces whose wire is something of the host
 * (a shared bus file for shmif, a tap device for virtif).
 *
 * The driver gives its host operations and a cloner; if_hostlink.c does
 * the rest: the softc, transmit (the mbuf chain handed to hlo_sendv, or
 * copied out and handed to hlo_send, in the sender's context), the
 * receive thread (hlo_recv until EAGAIN, each frame handed straight to
 * the interface's input routine; then hlo_wait in the host with the
 * virtual CPU released), linking on SIOCSLINKSTR and unlinking on stop
 * and destroy.
 *
 *	static const struct hostlink_ops shmif_ops = { ... };
 *	static struct hostlink_cloner shmif_cloner =
 *	    HOSTLINK_CLONER("shmif", &shmif_ops);
 *	... if_clone_attach(&shmif_cloner.hc_cloner);
 *
 * Host handles are opaque (void *).  hlo_wait blocks in the host and is
 * called without a virtual CPU; the others are called with one and must
 * not block for long.
 */
#ifndef _SYS_NET_IF_HOSTLINK_H_
#define _SYS_NET_IF_HOSTLINK_H_

#include "net/if.h"

struct hostlink_seg {
	const void *hs_base;
	size_t hs_len;
};
#define HOSTLINK_MAXSEG 16

/* Frame flags between if_hostlink.c and the driver. */
#define HOSTLINK_F_CSUM_UNDONE 0x1 /* TCP/UDP payload sum left out
                                      (M_CSUM_DATA_OUT, IFCAP_CSUM_DATA) */

struct hostlink_ops {
	size_t hlo_maxframe;               /* largest frame incl. header */
	/* Set up the link named by the link string; 0 or errno. */
	int (*hlo_attach)(const char *linkstr, void **hp);
	void (*hlo_detach)(void *h);
	int (*hlo_send)(void *h, const void *frame, size_t len);
	/* Optional: send one frame of len bytes gathered from n pieces
	 * (at most HOSTLINK_MAXSEG), saving the copy into a flat buffer;
	 * flags: HOSTLINK_F_*. */
	int (*hlo_sendv)(void *h, const struct hostlink_seg *seg, int n,
	    size_t len, int flags);
	/* One frame into buf: 0, EAGAIN when none is there, or an error
	 * (the frame is counted in if_ierrors and skipped).  *overrunsp,
	 * if the link counts them, is the total of frames lost so far. */
	int (*hlo_recv)(void *h, void *buf, size_t buflen, size_t *lenp,
	    uint64_t *overrunsp);
	/* Optional, used instead of hlo_recv: the same, and the frame's
	 * HOSTLINK_F_* flags in *flagsp. */
	int (*hlo_recvf)(void *h, void *buf, size_t buflen, size_t *lenp,
	    uint64_t *overrunsp, int *flagsp);
	/* Optional: the if_capenable bits (IFCAP_*) the attached link
	 * gives the interface. */
	int (*hlo_caps)(void *h);
	void (*hlo_wait)(void *h);         /* until a frame or hlo_stop */
	void (*hlo_stop)(void *h);         /* wake hlo_wait for good */
	/* Nanoseconds to pause after a receive error (a broken device);
	 * 0 to go on at once. */
	int64_t hlo_errpause;
};

struct hostlink_cloner {
	struct if_cloner hc_cloner;        /* first: container_of */
	const struct hostlink_ops *hc_ops;
};
#define HOSTLINK_CLONER(name, ops) {					\
	.hc_cloner = {							\
		.ifc_name = (name),					\
		.ifc_create = hostlink_clone_create,			\
		.ifc_destroy = hostlink_clone_destroy,			\
	},								\
	.hc_ops = (ops),						\
}

int hostlink_clone_create(const struct if_cloner *ifc, int unit);
int hostlink_clone_destroy(struct ifnet *ifp);

#endif /* _SYS_NET_IF_HOSTLINK_H_ */
