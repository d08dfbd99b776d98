/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtif_user.c: the host half of the virtif driver: a Linux tap device
 * (/dev/net/tun, IFF_TAP | IFF_NO_PI), so the rump kernel's interface is
 * on the same Ethernet as the host's stack.  The only file of the driver
 * with host headers; if_virtif.c calls it through virtif_user.h.
 *
 * The tap descriptor is non-blocking; a reader waits in poll(2) on it
 * and on an eventfd that rumpuser_virtif_stop writes to.
 *
 * Offload (see virtif_user.h): with IFF_VNET_HDR every frame read or
 * written has a struct virtio_net_hdr in front (<linux/virtio_net.h>,
 * in host byte order: a legacy header on a little-endian host).  What
 * Linux writes there is checked like any input from outside the kernel
 * (virtif_vnet_rx): a wrong header drops the frame with EBADMSG, never
 * more.  Linux's partial checksums (F_NEEDS_CSUM: the field holds the
 * pseudo-header sum, the rest is ours to add) become the stack's own
 * "sum left out" form, a zero field with VIRTIF_F_CSUM_UNDONE, when
 * they are the TCP or UDP sum of an unfragmented IPv4 packet; any other
 * partial sum is completed here.  Frames are read straight into the
 * caller's buffer and written gathered (readv, writev): only the first
 * bytes of an offloaded frame are copied, to put the pseudo-header sum
 * Linux wants into the checksum field.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../hostspin_user.h"
#include "virtif_user.h"

_Static_assert(sizeof(struct virtio_net_hdr) == VIRTIF_VNETHDR_LEN,
    "virtio_net_hdr size");

struct virtif_user {
	int vu_fd;
	int vu_evfd;
	int vu_vnet;                       /* frames have a virtio_net_hdr */
	int vu_offload;                    /* ... and TUNSETOFFLOAD took */
	volatile int vu_stop;
	struct hostspin vu_spin;           /* the reader's polling before it
	                                      sleeps (RUMP_VIRTIF_SPIN_US) */
};

#define ETH_HLEN_ 14
#define ETHERTYPE_IP_ 0x0800
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
/* Room for the headers of an offloaded frame we send: Ethernet, IPv4
 * and TCP, each with the most options. */
#define VIRTIF_HDRCOPY (ETH_HLEN_ + 60 + 60)

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void
be16enc_(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ones'-complement sum of p[len] as big-endian 16-bit words, unfolded. */
static uint64_t
sum16(const uint8_t *p, size_t len, uint64_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (unsigned)p[len - 1] << 8;
	return sum;
}

static unsigned
fold16(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned)sum;
}

/*
 * The IPv4 packet in an Ethernet frame f[len]: 0 with its header length,
 * total length and protocol, or -1 if the frame is not one or its
 * lengths do not fit the frame.  *fragp says whether it is a fragment.
 */
static int
ipv4_parse(const uint8_t *f, size_t len, size_t *ihlp, size_t *iplenp,
    unsigned *protop, int *fragp)
{
	size_t ihl, iplen;

	if (len < ETH_HLEN_ + 20 || be16(f + 12) != ETHERTYPE_IP_ ||
	    (f[ETH_HLEN_] >> 4) != 4)
		return -1;
	ihl = (size_t)(f[ETH_HLEN_] & 0x0f) * 4;
	iplen = be16(f + ETH_HLEN_ + 2);
	if (ihl < 20 || iplen < ihl || ETH_HLEN_ + iplen > len)
		return -1;
	*ihlp = ihl;
	*iplenp = iplen;
	*protop = f[ETH_HLEN_ + 9];
	*fragp = (be16(f + ETH_HLEN_ + 6) & 0x3fff) != 0;
	return 0;
}

int
virtif_vnet_rx(const void *vhp, void *frame, size_t len, int *flagsp,
    unsigned *segszp)
{
	struct virtio_net_hdr vh;
	uint8_t *f = frame;
	size_t ihl = 0, iplen = 0, l4 = 0, cs, co, thoff;
	unsigned proto = 0, gso;
	int isip, frag = 0, flags = 0;
	uint64_t sum;

	memcpy(&vh, vhp, sizeof(vh));
	*flagsp = 0;
	*segszp = 0;
	gso = vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	if (vh.flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM |
	    VIRTIO_NET_HDR_F_DATA_VALID))
		return EBADMSG;
	if (gso != VIRTIO_NET_HDR_GSO_NONE && gso != VIRTIO_NET_HDR_GSO_TCPV4)
		return EBADMSG;
	isip = ipv4_parse(f, len, &ihl, &iplen, &proto, &frag) == 0;
	if (isip)
		l4 = ETH_HLEN_ + ihl;
	if (gso == VIRTIO_NET_HDR_GSO_TCPV4) {
		/* An aggregate: one TCP segment over IPv4, whole. */
		if (!isip || frag || proto != IPPROTO_TCP_ ||
		    vh.gso_size == 0 || iplen < ihl + 20)
			return EBADMSG;
		thoff = (size_t)(f[l4 + 12] >> 4) * 4;
		if (thoff < 20 || ihl + thoff > iplen)
			return EBADMSG;
		flags |= VIRTIF_F_TSO;
		*segszp = vh.gso_size;
	}
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		cs = vh.csum_start;
		co = vh.csum_offset;
		if (cs > len || len - cs < 2 || co > len - cs - 2)
			return EBADMSG;
		if (isip && !frag && cs == l4 && ((proto == IPPROTO_TCP_ &&
		    co == 16 && iplen >= ihl + 20) || (proto == IPPROTO_UDP_ &&
		    co == 6 && iplen >= ihl + 8))) {
			/* The stack's form of a sum left out. */
			f[cs + co] = f[cs + co + 1] = 0;
			flags |= VIRTIF_F_CSUM_UNDONE;
		} else if (gso != VIRTIO_NET_HDR_GSO_NONE) {
			return EBADMSG;        /* TSO's sum is TCP's */
		} else {
			/* Anything else: what the device would do. */
			sum = ~fold16(sum16(f + cs, len - cs, 0)) & 0xffff;
			if (sum == 0)
				sum = 0xffff;
			be16enc_(f + cs + co, (unsigned)sum);
		}
	} else if (vh.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		flags |= VIRTIF_F_CSUM_OK;
	}
	*flagsp = flags;
	return 0;
}

int
virtif_vnet_tx(void *vhp, void *hdrp, size_t hdrlen, size_t len, int flags,
    unsigned segsz)
{
	struct virtio_net_hdr vh;
	uint8_t *h = hdrp;
	size_t ihl, iplen, l4, co, thoff;
	unsigned proto;
	int frag;
	uint64_t sum;

	memset(&vh, 0, sizeof(vh));
	if (flags & (VIRTIF_F_CSUM_UNDONE | VIRTIF_F_TSO)) {
		/* Our own frames: the headers are whole in hdr, and iplen
		 * is checked against the whole frame, len. */
		if (hdrlen < ETH_HLEN_ + 20 ||
		    ipv4_parse(h, len, &ihl, &iplen, &proto, &frag) != 0 ||
		    frag)
			return EINVAL;
		l4 = ETH_HLEN_ + ihl;
		if (proto == IPPROTO_TCP_)
			co = 16;
		else if (proto == IPPROTO_UDP_ && !(flags & VIRTIF_F_TSO))
			co = 6;
		else
			return EINVAL;
		if (iplen < ihl + co + 2 || l4 + co + 2 > hdrlen)
			return EINVAL;
		sum = sum16(h + ETH_HLEN_ + 12, 8, proto + (iplen - ihl));
		be16enc_(h + l4 + co, fold16(sum));
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)l4;
		vh.csum_offset = (uint16_t)co;
		if (flags & VIRTIF_F_TSO) {
			if (l4 + 20 > hdrlen)
				return EINVAL;
			thoff = (size_t)(h[l4 + 12] >> 4) * 4;
			if (segsz == 0 || segsz > 65535 || thoff < 20 ||
			    l4 + thoff > hdrlen || ihl + thoff > iplen)
				return EINVAL;
			vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
			vh.gso_size = (uint16_t)segsz;
			vh.hdr_len = (uint16_t)(l4 + thoff);
		}
	}
	memcpy(vhp, &vh, sizeof(vh));
	return 0;
}

int
rumpuser_virtif_attach(const char *devname, struct virtif_user **up)
{
	struct virtif_user *u;
	struct ifreq ifr;
	const char *noofl;
	int error, hdrsz;

	if (strlen(devname) >= IFNAMSIZ)
		return EINVAL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return ENOMEM;
	u->vu_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (u->vu_fd == -1) {
		error = errno;
		goto out_free;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, devname, IFNAMSIZ - 1);
	noofl = getenv("RUMP_VIRTIF_NOOFFLOAD");
	if (noofl == NULL || strcmp(noofl, "1") != 0) {
		ifr.ifr_flags |= IFF_VNET_HDR;
		u->vu_vnet = 1;
	}
	if (ioctl(u->vu_fd, TUNSETIFF, &ifr) == -1) {
		error = errno;
		goto out_close;
	}
	if (u->vu_vnet) {
		/* With the header on, offload is the tap's to refuse: it
		 * then goes without, headers all zero. */
		hdrsz = (int)sizeof(struct virtio_net_hdr);
		if (ioctl(u->vu_fd, TUNSETVNETHDRSZ, &hdrsz) == -1) {
			error = errno;
			goto out_close;
		}
		u->vu_offload = ioctl(u->vu_fd, TUNSETOFFLOAD,
		    TUN_F_CSUM | TUN_F_TSO4) == 0;
	}
	u->vu_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->vu_evfd == -1) {
		error = errno;
		goto out_close;
	}
	hostspin_init(&u->vu_spin, "RUMP_VIRTIF_SPIN_US");
	*up = u;
	return 0;

out_close:
	close(u->vu_fd);
out_free:
	free(u);
	return error;
}

void
rumpuser_virtif_detach(struct virtif_user *u)
{
	close(u->vu_evfd);
	close(u->vu_fd);
	free(u);
}

int
rumpuser_virtif_offload(struct virtif_user *u)
{
	return u->vu_offload;
}

int
rumpuser_virtif_sendv(struct virtif_user *u, const struct virtif_iov *iov,
    int n, size_t len, int flags, unsigned segsz)
{
	struct iovec v[VIRTIF_MAXIOV + 2];
	struct virtio_net_hdr vh;
	uint8_t hdr[VIRTIF_HDRCOPY];
	size_t hdrlen = 0, c, skip;
	ssize_t w;
	int i, nv = 0, error;

	if (n < 0 || n > VIRTIF_MAXIOV)
		return EINVAL;
	if (flags != 0 && !u->vu_offload)
		return EINVAL;
	if (u->vu_vnet) {
		if (flags != 0) {
			/* A copy of the headers, to write the sum into. */
			for (i = 0; i < n && hdrlen < sizeof(hdr); i++) {
				c = iov[i].vi_len;
				if (c > sizeof(hdr) - hdrlen)
					c = sizeof(hdr) - hdrlen;
				memcpy(hdr + hdrlen, iov[i].vi_base, c);
				hdrlen += c;
			}
		}
		error = virtif_vnet_tx(&vh, hdr, hdrlen, len, flags, segsz);
		if (error != 0)
			return error;
		v[nv].iov_base = &vh;
		v[nv++].iov_len = sizeof(vh);
		if (hdrlen > 0) {
			v[nv].iov_base = hdr;
			v[nv++].iov_len = hdrlen;
		}
	}
	skip = hdrlen;
	for (i = 0; i < n; i++) {
		c = iov[i].vi_len;
		if (skip >= c) {
			skip -= c;
			continue;
		}
		v[nv].iov_base = (char *)(uintptr_t)iov[i].vi_base + skip;
		v[nv++].iov_len = c - skip;
		skip = 0;
	}
	w = writev(u->vu_fd, v, nv);
	if (w == (ssize_t)(len + (u->vu_vnet ? sizeof(vh) : 0)))
		return 0;
	if (w >= 0)
		return EIO;
	return errno == EAGAIN ? ENOBUFS : errno;
}

int
rumpuser_virtif_recv(struct virtif_user *u, void *buf, size_t buflen,
    size_t *lenp, int *flagsp, unsigned *segszp)
{
	struct virtio_net_hdr vh;
	struct iovec v[2];
	ssize_t n;

	*flagsp = 0;
	*segszp = 0;
	if (!u->vu_vnet) {
		n = read(u->vu_fd, buf, buflen);
	} else {
		v[0].iov_base = &vh;
		v[0].iov_len = sizeof(vh);
		v[1].iov_base = buf;
		v[1].iov_len = buflen;
		n = readv(u->vu_fd, v, 2);
		if (n > 0 && (size_t)n <= sizeof(vh))
			return EBADMSG;
		if (n > 0)
			n -= (ssize_t)sizeof(vh);
	}
	if (n > 0) {
		*lenp = (size_t)n;
		u->vu_spin.hs_gotrx = true;
		return u->vu_vnet ? virtif_vnet_rx(&vh, buf, (size_t)n, flagsp,
		    segszp) : 0;
	}
	if (n == 0)
		return EAGAIN;
	if (errno == EINTR)
		return EAGAIN;
	/* A frame larger than buf: tun drops it and says EFAULT. */
	return errno == EFAULT ? EBADMSG : errno;
}

void
rumpuser_virtif_wait(struct virtif_user *u)
{
	struct pollfd pfd[2];
	uint64_t now, end;

	if (u->vu_stop)
		return;
	pfd[0].fd = u->vu_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = u->vu_evfd;
	pfd[1].events = POLLIN;
	/* A conversation going on: poll first (dev/hostspin_user.h). */
	end = hostspin_start(&u->vu_spin, &now);
	if (end != 0) {
		do {
			if (poll(pfd, 2, 0) != 0)
				return;
		} while (hostspin_next(&u->vu_spin, end));
	}
	(void)poll(pfd, 2, -1);
}

void
rumpuser_virtif_stop(struct virtif_user *u)
{
	uint64_t one = 1;

	u->vu_stop = 1;
	(void)write(u->vu_evfd, &one, sizeof(one));
}
