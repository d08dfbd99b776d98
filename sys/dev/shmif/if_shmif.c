/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_shmif.c: shmif, an Ethernet interface on a bus file that any
 * number of rump kernels in any number of processes share (the kernel
 * half; the bus itself is shmif_user.c, see docs/shmif.md).
 *
 * An interface is made by the "shmif" cloner (SIOCIFCREATE, or
 * rump_pub_shmif_create in netconfig.c) and joins a bus when it gets a
 * link string, the bus file's host path (SIOCSLINKSTR).  Joining starts
 * a receive thread that takes the frames other kernels write and runs
 * ether_input on them itself; it polls briefly, then sleeps in the host,
 * its virtual CPU released, while the bus is quiet.  if_transmit copies
 * the mbuf chain's pieces into the ring in the sender's context.  TCP
 * segments of up to 64 KiB travel whole (segmentation offload, see
 * shmif_hl_caps and docs/shmif.md).
 *
 * Everything but the host operations is if_hostlink.c's: the receive
 * thread, transmit, linking on SIOCSLINKSTR, the cloner's create and
 * destroy.
 */
#include "kern/kern.h"
#include "kern/component.h"
#include "net/if.h"
#include "net/if_hostlink.h"
#include "dev/shmif/shmif_busfmt.h"
#include "dev/shmif/shmif_user.h"

static int
shmif_hl_attach(const char *linkstr, void **hp)
{
	struct shmif_user *u;
	int error;

	error = rumpuser_shmif_attach(linkstr, &u);
	if (error == 0)
		*hp = u;
	return error;
}

static void
shmif_hl_detach(void *h)
{
	rumpuser_shmif_detach(h);
}

static int
shmif_hl_send(void *h, const void *frame, size_t len)
{
	return rumpuser_shmif_send(h, frame, len);
}

/* The pieces of an mbuf chain, copied once, straight into the ring. */
static int
shmif_hl_sendv(void *h, const struct hostlink_seg *seg, int n, size_t len,
    int flags)
{
	struct shmif_iov iov[HOSTLINK_MAXSEG];
	uint32_t sf;

	KASSERT(n <= HOSTLINK_MAXSEG);
	for (int i = 0; i < n; i++) {
		iov[i].si_base = seg[i].hs_base;
		iov[i].si_len = seg[i].hs_len;
	}
	sf = (flags & HOSTLINK_F_CSUM_UNDONE) ? SHMIF_SF_CSUM_UNDONE : 0;
	if (flags & HOSTLINK_F_TSO)
		sf |= SHMIF_SF_TSO | SHMIF_UF_MKSEGSZ(HOSTLINK_SEGSZ(flags));
	return rumpuser_shmif_sendv(h, iov, n, len, sf);
}

static int
shmif_hl_recv(void *h, void *buf, size_t buflen, size_t *lenp,
    uint64_t *overrunsp)
{
	return rumpuser_shmif_recv(h, buf, buflen, lenp, overrunsp, NULL);
}

#define SHMIF_MINSEGSZ 64

static int
shmif_hl_recvf(void *h, void *buf, size_t buflen, size_t *lenp,
    uint64_t *overrunsp, int *flagsp)
{
	uint32_t sf = 0;
	int error;

	error = rumpuser_shmif_recv(h, buf, buflen, lenp, overrunsp, &sf);
	*flagsp = (sf & SHMIF_SF_CSUM_UNDONE) ? HOSTLINK_F_CSUM_UNDONE : 0;
	/* A segment size no TCP would use is not believed: cutting the
	 * aggregate (when forwarding) would make a packet per byte. */
	if ((sf & SHMIF_SF_TSO) && SHMIF_UF_SEGSZ(sf) >= SHMIF_MINSEGSZ)
		*flagsp |= HOSTLINK_F_TSO |
		    HOSTLINK_F_MKSEGSZ(SHMIF_UF_SEGSZ(sf));
	return error;
}

/*
 * RUMP_SHMIF_NOCSUM=1: TCP/UDP payload sums are left out on the way to
 * the bus, and not checked on frames whose sender left them out.
 * Segmentation offload: TCP may hand down segments of up to 64 KiB
 * (IFCAP_TSO4), which go on the bus whole, as one frame, and every
 * receiver takes such frames whole (IFCAP_LRO): the kernels at both
 * ends of a shmif bus are ours.  Their sum, when there is one, covers
 * the whole segment, so nothing is cut anywhere unless a kernel
 * forwards one to another link.  RUMP_SHMIF_TSO=0 turns sending them
 * off; receiving them stays on.
 */
static int
shmif_hl_caps(void *h)
{
	return (rumpuser_shmif_nocsum(h) ? IFCAP_CSUM_DATA : 0) |
	    (rumpuser_shmif_tso(h) ? IFCAP_TSO4 | IFCAP_TSO_WHOLE : 0) |
	    IFCAP_LRO;
}

static void
shmif_hl_wait(void *h)
{
	rumpuser_shmif_wait(h);
}

static void
shmif_hl_timedwait(void *h, int64_t ns)
{
	rumpuser_shmif_timedwait(h, ns);
}

static void
shmif_hl_stop(void *h)
{
	rumpuser_shmif_stop(h);
}

static const struct hostlink_ops shmif_ops = {
	.hlo_maxframe = SHMIF_MAXFRAME,
	.hlo_maxlarge = SHMIF_MAXLARGE,
	.hlo_attach = shmif_hl_attach,
	.hlo_detach = shmif_hl_detach,
	.hlo_send = shmif_hl_send,
	.hlo_sendv = shmif_hl_sendv,
	.hlo_recv = shmif_hl_recv,
	.hlo_recvf = shmif_hl_recvf,
	.hlo_caps = shmif_hl_caps,
	.hlo_wait = shmif_hl_wait,
	.hlo_timedwait = shmif_hl_timedwait,
	/* The test impairment of received frames (if_impair.c). */
	.hlo_impairenv = "RUMP_SHMIF_IMPAIR",
	.hlo_stop = shmif_hl_stop,
	.hlo_errpause = 0,
};

static struct hostlink_cloner shmif_cloner =
    HOSTLINK_CLONER("shmif", &shmif_ops);

RUMP_COMPONENT(RUMP_COMPONENT_NET_IF)
{
	if_clone_attach(&shmif_cloner.hc_cloner);
	return 0;
}
