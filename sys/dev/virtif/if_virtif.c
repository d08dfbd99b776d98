/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * if_virtif.c: virtif, an Ethernet interface on a host tap device, so a
 * rump kernel sits on the same Ethernet as the host's own stack (the
 * kernel half; the host half is virtif_user.c).
 *
 * An interface is made by the "virtif" cloner (SIOCIFCREATE) and opens
 * its tap when it gets a link string, the tap's name (SIOCSLINKSTR):
 * an existing tap, or a new one the process then holds.  A receive
 * thread reads frames and queues them for the netisr thread (if_input);
 * it sleeps in poll(2) in the host, its virtual CPU released, while the
 * tap is quiet.  if_transmit writes the frame in the sender's context.
 *
 * Everything but the host operations is if_hostlink.c's: the receive
 * thread, transmit, linking on SIOCSLINKSTR, the cloner's create and
 * destroy.
 *
 * Offload: when the tap takes virtio_net_hdr offload (virtif_user.h),
 * the interface gets IFCAP_CSUM_DATA (TCP/UDP sums are Linux's to fill
 * in or check: the tap is memory to memory), IFCAP_TSO4 (TCP hands us
 * segments of up to 64 KiB, which Linux cuts, or delivers whole to its
 * own sockets) and IFCAP_LRO (Linux hands us its aggregates whole).
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/component.h"
#include "net/if.h"
#include "net/if_hostlink.h"
#include "dev/virtif/virtif_user.h"

static int
virtif_hl_attach(const char *linkstr, void **hp)
{
	struct virtif_user *u;
	int error;

	error = rumpuser_virtif_attach(linkstr, &u);
	if (error == 0)
		*hp = u;
	return error;
}

static void
virtif_hl_detach(void *h)
{
	rumpuser_virtif_detach(h);
}

static int
virtif_hl_send(void *h, const void *frame, size_t len)
{
	struct virtif_iov iov = { .vi_base = frame, .vi_len = len };

	return rumpuser_virtif_sendv(h, &iov, 1, len, 0, 0);
}

CTASSERT(HOSTLINK_MAXSEG <= VIRTIF_MAXIOV);

static int
virtif_hl_sendv(void *h, const struct hostlink_seg *seg, int n, size_t len,
    int flags)
{
	struct virtif_iov iov[HOSTLINK_MAXSEG];
	int vf = 0;

	KASSERT(n <= HOSTLINK_MAXSEG);
	for (int i = 0; i < n; i++) {
		iov[i].vi_base = seg[i].hs_base;
		iov[i].vi_len = seg[i].hs_len;
	}
	if (flags & HOSTLINK_F_CSUM_UNDONE)
		vf |= VIRTIF_F_CSUM_UNDONE;
	if (flags & HOSTLINK_F_TSO)
		vf |= VIRTIF_F_TSO;
	return rumpuser_virtif_sendv(h, iov, n, len, vf,
	    HOSTLINK_SEGSZ(flags));
}

static int
virtif_hl_recv(void *h, void *buf, size_t buflen, size_t *lenp,
    uint64_t *overrunsp)
{
	int flags;
	unsigned segsz;

	(void)overrunsp;
	return rumpuser_virtif_recv(h, buf, buflen, lenp, &flags, &segsz);
}

static int
virtif_hl_recvf(void *h, void *buf, size_t buflen, size_t *lenp,
    uint64_t *overrunsp, int *flagsp)
{
	unsigned segsz;
	int vf, error;

	(void)overrunsp;
	*flagsp = 0;
	error = rumpuser_virtif_recv(h, buf, buflen, lenp, &vf, &segsz);
	if (error == EBADMSG)
		return HOSTLINK_EBADFRAME;
	if (error != 0)
		return error;
	if (vf & VIRTIF_F_CSUM_UNDONE)
		*flagsp |= HOSTLINK_F_CSUM_UNDONE;
	if (vf & VIRTIF_F_CSUM_OK)
		*flagsp |= HOSTLINK_F_CSUM_OK;
	if ((vf & VIRTIF_F_TSO) && segsz != 0 && segsz <= 0xffff)
		*flagsp |= HOSTLINK_F_TSO | HOSTLINK_F_MKSEGSZ(segsz);
	return 0;
}

static int
virtif_hl_caps(void *h)
{
	return rumpuser_virtif_offload(h) ?
	    IFCAP_CSUM_DATA | IFCAP_TSO4 | IFCAP_LRO : 0;
}

static void
virtif_hl_wait(void *h)
{
	rumpuser_virtif_wait(h);
}

static void
virtif_hl_stop(void *h)
{
	rumpuser_virtif_stop(h);
}

static const struct hostlink_ops virtif_ops = {
	.hlo_maxframe = VIRTIF_MAXFRAME,
	.hlo_maxlarge = VIRTIF_MAXLARGE,
	.hlo_attach = virtif_hl_attach,
	.hlo_detach = virtif_hl_detach,
	.hlo_send = virtif_hl_send,
	.hlo_sendv = virtif_hl_sendv,
	.hlo_recv = virtif_hl_recv,
	.hlo_recvf = virtif_hl_recvf,
	.hlo_caps = virtif_hl_caps,
	.hlo_wait = virtif_hl_wait,
	.hlo_stop = virtif_hl_stop,
	.hlo_errpause = 100 * NSEC_PER_MSEC,
};

static struct hostlink_cloner virtif_cloner =
    HOSTLINK_CLONER("virtif", &virtif_ops);

RUMP_COMPONENT(RUMP_COMPONENT_NET_IF)
{
	if_clone_attach(&virtif_cloner.hc_cloner);
	return 0;
}
