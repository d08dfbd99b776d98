/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mbuf.h: packet buffers.
 *
 * A packet is a chain of mbufs linked by m_next; packets in a queue are
 * linked by the m_nextpkt of their first mbuf.  Each mbuf describes
 * m_len bytes at m_data, which point either into the mbuf's own small
 * area (m_dat, MLEN bytes, MHLEN after a packet header) or into external
 * storage (M_EXT): a 2 KiB cluster from a pool (m_clget), a large buffer
 * of any size (m_extalloc), or a caller's buffer with its own free
 * function (m_extadd, for zero-copy from a driver).  External storage is
 * reference counted: m_copym shares it instead of copying, and storage
 * whose count is above one is read-only (M_WRITABLE() is false), so
 * m_prepend and m_pullup never write into bytes another chain can see.
 *
 * The first mbuf of a packet carries a packet header (M_PKTHDR): the
 * packet's total length, the interface it arrived on, and checksum flags
 * for offload.  Whoever builds a packet leaves headroom in its first
 * mbuf (m_uiotombuf's leading argument, or m_data moved forward by hand,
 * typically MAX_LINKHDR plus the protocol headers) so the layers below
 * prepend their headers (m_prepend) without a copy.
 *
 * Mbufs and clusters come from pools and large buffers from kmem, so all
 * of them are charged to the kernel's memory accounting and limit.
 * Allocation with M_WAIT sleeps for memory and never fails; M_DONTWAIT
 * fails with ENOBUFS (or returns NULL) instead.
 *
 * OWNERSHIP (who frees a chain, on every path):
 *  - Whoever holds a chain owns it and must free it (m_freem), hand it
 *    on, or queue it.  Functions documented "consumes" take the chain on
 *    every path, success or error: the caller must not touch it after the
 *    call (m_cat's second argument, m_freem, every protocol's pru_send,
 *    the socket buffer append functions in socketvar.h).
 *  - Functions that take a "struct mbuf **" may replace the chain: on
 *    success *mp is the (possibly new) first mbuf; on failure the chain
 *    has been freed and *mp is NULL (m_prepend, m_pullup).
 *  - m_copym, m_split and m_copydata never free their input.  m_split
 *    leaves the head in the caller's chain and returns the tail, owned by
 *    the caller.
 *  - An mbuf sitting in a queue (socket buffer, interface queue, reassembly
 *    queue) is owned by that queue, under the queue's lock.
 *
 * Locking: an mbuf chain has exactly one owner and no lock of its own;
 * [a] the reference count of external storage is atomic.
 */
#ifndef _SYS_NET_MBUF_H_
#define _SYS_NET_MBUF_H_

#include "kern/kern.h"
#include "kern/kmem.h"

struct ifnet;
struct uio;

#define MSIZE       256                  /* size of an mbuf */
#define MCLBYTES    2048                 /* size of a cluster */
#define MAX_LINKHDR 64                   /* headroom left by m_gethdr */

/* External storage, shared by all mbufs that refer to it. */
struct mext {
	unsigned ext_refcnt;               /* [a] mbufs pointing here */
	char *ext_buf;                     /* [I] start of the storage */
	size_t ext_size;                   /* [I] its size */
	/* [I] how to free the storage (and this descriptor) at refcnt 0 */
	void (*ext_free)(struct mext *ext);
	void *ext_arg;                     /* [I] for m_extadd's free function */
	void (*ext_userfree)(void *buf, size_t size, void *arg); /* [I] */
};

/* Packet header, valid when M_PKTHDR is set. */
struct pkthdr {
	size_t len;                        /* total bytes of the chain */
	struct ifnet *rcvif;               /* arrived on; not referenced */
	int csum_flags;                    /* M_CSUM_* */
	uint32_t csum_data;                /* protocol's checksum scratch */
	uint16_t segsz;                    /* M_CSUM_TSOv4: bytes of TCP
					      payload per piece (the MSS) */
};
/* csum_flags */
#define M_CSUM_IPv4_OK    0x01           /* IPv4 header checksum verified */
#define M_CSUM_DATA_OK    0x02           /* payload checksum verified */
#define M_CSUM_IPv4_OUT   0x10           /* compute IPv4 header on output */
#define M_CSUM_DATA_OUT   0x20           /* compute payload sum on output */
#define M_CSUM_TSOv4      0x40           /* TCP/IPv4 segment to be cut into
                                            pieces of segsz (TSO) */
/*
 * Payload checksums (TCP, UDP) are left to ip_output: the protocol sets
 * M_CSUM_DATA_OUT and a zero sum field.  ip_output fills the sum in
 * unless the outgoing interface has IFCAP_CSUM_DATA, in which case the
 * flag travels to the driver: lo0 hands the packet back with
 * M_CSUM_DATA_OK (nothing to verify), a driver between rump kernels may
 * mark the frame as unsummed for its receivers.  On input, a packet
 * with M_CSUM_DATA_OUT has an unfilled sum: ip_input fills it in (and
 * the protocol verifies as usual) unless M_CSUM_DATA_OK says the link
 * is trusted; then forwarding fills it in on the way out.
 *
 * Segmentation offload (TSO): a TCP/IPv4 packet with M_CSUM_TSOv4 may
 * be larger than the MTU; it stands for the packets of segsz payload
 * bytes each that cutting it would give (one IP header and one TCP
 * header copied into each, sequence numbers advanced, FIN and PSH on
 * the last only; tcp_tso_segment).  It always has M_CSUM_DATA_OUT too.
 * ip_output hands it whole only to an interface with IFCAP_TSO4 and
 * cuts it in software for any other; a driver with TSO passes it to a
 * link that cuts it (virtif: Linux, through the tap's virtio_net_hdr).
 * A host link that received such an aggregate (Linux's GSO packets on
 * a tap) marks it the same way, so forwarding it cuts it again.
 */

struct mbuf_hdr {
	struct mbuf *mh_next;              /* next mbuf of this packet */
	struct mbuf *mh_nextpkt;           /* next packet in a queue */
	char *mh_data;                     /* first valid byte */
	size_t mh_len;                     /* valid bytes here */
	short mh_type;                     /* MT_* */
	short mh_flags;                    /* M_* */
	struct mext *mh_ext;               /* external storage, with M_EXT */
};

#define MLEN  (MSIZE - sizeof(struct mbuf_hdr))
#define MHLEN (MLEN - sizeof(struct pkthdr))

struct mbuf {
	struct mbuf_hdr m_hdr;
	union {
		struct {
			struct pkthdr mu_pkthdr;
			char mu_pktdat[MHLEN];
		} mu_p;
		char mu_dat[MLEN];
	} m_u;
};
#define m_next    m_hdr.mh_next
#define m_nextpkt m_hdr.mh_nextpkt
#define m_data    m_hdr.mh_data
#define m_len     m_hdr.mh_len
#define m_type    m_hdr.mh_type
#define m_flags   m_hdr.mh_flags
#define m_ext     m_hdr.mh_ext
#define m_pkthdr  m_u.mu_p.mu_pkthdr
#define m_pktdat  m_u.mu_p.mu_pktdat
#define m_dat     m_u.mu_dat

/* m_flags */
#define M_EXT     0x0001                 /* data in external storage */
#define M_PKTHDR  0x0002                 /* first mbuf of a packet */
#define M_EOR     0x0004                 /* end of a record */
#define M_BCAST   0x0010                 /* link-level broadcast */
#define M_MCAST   0x0020                 /* link-level multicast */
#define M_COPYFLAGS (M_PKTHDR | M_EOR | M_BCAST | M_MCAST)

/* m_type */
#define MT_FREE    0
#define MT_DATA    1                     /* payload */
#define MT_HEADER  2                     /* protocol header */
#define MT_SONAME  3                     /* a socket address */
#define MT_CONTROL 4                     /* ancillary data (cmsghdr) */

/* how: may the allocation sleep? */
#define M_WAIT     KM_SLEEP
#define M_DONTWAIT KM_NOSLEEP

#define M_COPYALL  ((size_t)-1)

#define mtod(m, t) ((t)(void *)((m)->m_data))

/* Can the bytes of m be written without affecting another chain? */
#define M_WRITABLE(m) \
	(((m)->m_flags & M_EXT) == 0 || \
	 atomic_load_acquire(&(m)->m_ext->ext_refcnt) == 1)

/* Start of the storage m_data points into, and its size. */
static inline char *
m_bufstart(const struct mbuf *m)
{
	if (m->m_flags & M_EXT)
		return m->m_ext->ext_buf;
	if (m->m_flags & M_PKTHDR)
		return (char *)(uintptr_t)m->m_pktdat;
	return (char *)(uintptr_t)m->m_dat;
}
static inline size_t
m_bufsize(const struct mbuf *m)
{
	if (m->m_flags & M_EXT)
		return m->m_ext->ext_size;
	return (m->m_flags & M_PKTHDR) ? MHLEN : MLEN;
}
/* Free bytes before m_data / after the data (0 if not writable). */
static inline size_t
m_leadingspace(const struct mbuf *m)
{
	return M_WRITABLE(m) ? (size_t)(m->m_data - m_bufstart(m)) : 0;
}
static inline size_t
m_trailingspace(const struct mbuf *m)
{
	return M_WRITABLE(m) ? (size_t)(m_bufstart(m) + m_bufsize(m) -
	    (m->m_data + m->m_len)) : 0;
}

/*
 * Allocation.  m_get/m_gethdr return an empty mbuf with m_data at the
 * start of its area (m_gethdr with a zeroed packet header), or NULL only
 * with M_DONTWAIT.  The caller owns the result.
 */
struct mbuf *m_get(int how, int type);
struct mbuf *m_gethdr(int how, int type);
/* Give m a 2 KiB cluster (m_data at its start).  0 or ENOBUFS. */
int m_clget(struct mbuf *m, int how);
/* Give m external storage of at least size bytes from kmem (32 to 64
 * KiB: 64 KiB from a pool).  0 or ENOBUFS. */
int m_extalloc(struct mbuf *m, size_t size, int how);
/*
 * Give m the caller's storage buf[size] without copying; freefn(buf,
 * size, arg) runs when the last mbuf referring to it is freed (possibly
 * from another thread).  0 or ENOBUFS (then freefn was not called and the
 * caller still owns buf).
 */
int m_extadd(struct mbuf *m, void *buf, size_t size,
    void (*freefn)(void *buf, size_t size, void *arg), void *arg, int how);
/* An mbuf (with packet header if pkthdr) able to hold len bytes in one
 * piece: small area, cluster or large external buffer. */
struct mbuf *m_getlen(size_t len, int how, int type, bool pkthdr);

/* Free one mbuf; returns its m_next (which the caller now owns). */
struct mbuf *m_free(struct mbuf *m);
/* Free a whole chain (m_next links; not m_nextpkt).  NULL is fine. */
void m_freem(struct mbuf *m);

/*
 * Chain operations.  Offsets and lengths are in bytes of the chain.
 */
/* Bytes in the chain (walks it). */
size_t m_length(const struct mbuf *m);
/* Make room for len bytes in front of the chain (a new mbuf if the first
 * one has no writable headroom); the packet header moves along.  On
 * failure the chain is freed and *mp is NULL: ENOBUFS. */
int m_prepend(struct mbuf **mp, size_t len, int how);
/* Make the first len bytes contiguous in the first mbuf.  On failure
 * (chain shorter than len: EINVAL; len > MHLEN or no memory: ENOBUFS) the
 * chain is freed and *mp is NULL. */
int m_pullup(struct mbuf **mp, size_t len);
/* Copy len bytes at off out of the chain.  EINVAL if the chain is too
 * short (nothing defined is copied then). */
int m_copydata(const struct mbuf *m, size_t off, size_t len, void *buf);
/* Copy buf[len] into the chain at off, extending it with new mbufs as
 * needed.  Shared storage is never written: EINVAL then, as for a gap.
 * 0, EINVAL, or ENOBUFS (chain left intact, possibly extended). */
int m_copyback(struct mbuf *m, size_t off, size_t len, const void *buf,
    int how);
/* A new chain referring to len bytes at off (M_COPYALL: to the end):
 * clusters and external storage are shared, small data copied; a packet
 * header is copied when off is 0.  NULL on failure or if off+len is past
 * the end.  The input is not changed; the caller owns the result. */
struct mbuf *m_copym(struct mbuf *m, size_t off, size_t len, int how);
/* Trim len bytes from the head (len > 0) or -len from the tail (len < 0);
 * m_pkthdr.len follows.  Trimming more than there is empties the chain
 * (the mbufs stay). */
void m_adj(struct mbuf *m, ssize_t len);
/* Append chain n to chain m (consumes n; m's packet header length is the
 * caller's to update). */
void m_cat(struct mbuf *m, struct mbuf *n);
/* Split the chain at off: m keeps the first off bytes, the rest is
 * returned (with a packet header if m had one).  NULL on failure (m is
 * unchanged) or if off is past the end. */
struct mbuf *m_split(struct mbuf *m, size_t off, int how);
/* Recompute m_pkthdr.len from the chain. */
void m_fixhdr(struct mbuf *m);

/*
 * Moving data between mbufs and a uio (sockets).
 * m_uiotombuf: a new chain holding len bytes taken from uio, with
 * leading bytes of headroom in its first mbuf and a packet header;
 * large writes go into clusters or large external buffers.  On error
 * (EFAULT from the copy, ENOBUFS) nothing is allocated and *mp is NULL;
 * the uio may have advanced.
 */
int m_uiotombuf(struct uio *uio, size_t len, size_t leading, int how,
    struct mbuf **mp);
/* Copy len bytes at off in the chain out to uio.  0 or EFAULT. */
int m_touio(const struct mbuf *m, size_t off, size_t len, struct uio *uio);

/* Counters for leak checks and statistics. */
struct mbstat {
	uint64_t ms_mbufs;                 /* [a] mbufs allocated now */
	uint64_t ms_clusters;              /* [a] clusters allocated now */
	uint64_t ms_ext;                   /* [a] other external storage now */
	uint64_t ms_drops;                 /* [a] M_DONTWAIT failures */
};
extern struct mbstat mbstat;

void mbuf_init(void);                    /* the net component's init */

#endif /* _SYS_NET_MBUF_H_ */
