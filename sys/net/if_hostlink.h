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
 * and destroy, and the test impairment of received frames (if_impair.h)
 * for drivers that name its environment variable.
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

/*
 * Frame flags between if_hostlink.c and the driver: HOSTLINK_F_* in the
 * low 16 bits and, with HOSTLINK_F_TSO, the payload bytes per piece (the
 * MSS, 1..65535) in the high 16 (HOSTLINK_SEGSZ, HOSTLINK_F_MKSEGSZ).
 */
#define HOSTLINK_F_CSUM_UNDONE 0x1 /* TCP/UDP payload sum left out
                                      (M_CSUM_DATA_OUT, IFCAP_CSUM_DATA) */
#define HOSTLINK_F_CSUM_OK     0x2 /* received: the link verified the
                                      TCP/UDP payload sum */
#define HOSTLINK_F_TSO         0x4 /* a TCP/IPv4 aggregate larger than the
                                      MTU, to be cut (M_CSUM_TSOv4) */
#define HOSTLINK_SEGSZ(flags)  ((unsigned)(flags) >> 16)
#define HOSTLINK_F_MKSEGSZ(n)  ((int)(((unsigned)(n) & 0xffff) << 16))
/* hlo_recvf's error for one bad frame: counted in if_ierrors and
 * skipped, without hlo_errpause (the device itself is fine). */
#define HOSTLINK_EBADFRAME     EBADMSG

struct hostlink_ops {
	size_t hlo_maxframe;               /* largest frame incl. header */
	/* Largest aggregate frame (IFCAP_TSO4, IFCAP_LRO from hlo_caps)
	 * incl. header; 0 if the link has none. */
	size_t hlo_maxlarge;
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
	 * HOSTLINK_F_* flags in *flagsp; HOSTLINK_EBADFRAME for a frame
	 * the link described wrongly (skipped, counted, no pause). */
	int (*hlo_recvf)(void *h, void *buf, size_t buflen, size_t *lenp,
	    uint64_t *overrunsp, int *flagsp);
	/* Optional: the if_capenable bits (IFCAP_*) the attached link
	 * gives the interface.  IFCAP_TSO4 and IFCAP_LRO need
	 * hlo_maxlarge, IFCAP_TSO4 hlo_sendv too. */
	int (*hlo_caps)(void *h);
	void (*hlo_wait)(void *h);         /* until a frame or hlo_stop */
	/* Optional: hlo_wait for at most ns nanoseconds. */
	void (*hlo_timedwait)(void *h, int64_t ns);
	/* Optional, with hlo_timedwait: the host environment variable of
	 * the link's test impairment of received frames (if_impair.h),
	 * "RUMP_SHMIF_IMPAIR"; NULL for none. */
	const char *hlo_impairenv;
	void (*hlo_stop)(void *h);         /* wake hlo_wait for good */
	/* Nanoseconds to pause after a receive error (a broken device);
	 * 0 to go on at once. */
	int64_t hlo_errpause;
};

struct hostlink_cloner {
	struct if_cloner hc_cloner;        /* first: container_of */
	const struct hostlink_ops *hc_ops;
	/* [a] receive buffers of hlo_maxlarge bytes (made at the first
	 * create, kept: received data may outlive every interface) */
	struct pool *hc_lpool;
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
