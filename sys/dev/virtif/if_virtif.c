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
	return rumpuser_virtif_send(h, frame, len);
}

static int
virtif_hl_recv(void *h, void *buf, size_t buflen, size_t *lenp,
    uint64_t *overrunsp)
{
	(void)overrunsp;
	return rumpuser_virtif_recv(h, buf, buflen, lenp);
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
	.hlo_attach = virtif_hl_attach,
	.hlo_detach = virtif_hl_detach,
	.hlo_send = virtif_hl_send,
	.hlo_recv = virtif_hl_recv,
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
