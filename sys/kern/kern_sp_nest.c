/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sp_nest.c: server-side marshalling of the arguments whose memory
 * the registers alone do not give (kern_sp_nest.h, docs/protocol.md):
 *
 *	SPK_LENPTR   accept's address, getsockopt's value: the client sends
 *	             the size of its buffer; the kernel gets a buffer of
 *	             that size and a count clamped to it; the reply carries
 *	             min(size, count after the call) bytes
 *	SPK_MSGHDR   sendmsg/recvmsg: the msghdr, then name, iovec lengths,
 *	             data and control as blocks of their own
 *	SPK_IOCTL    an ioctl structure holding a pointer (@ioctlptr): the
 *	             structure, then the memory its pointer covers
 *
 * An argument is cut into segments, each an IN block of the request
 * and/or an OUT block of the reply.  Every size is checked against what
 * the structure says before anything is used; what does not add up is
 * EPROTO, which ends the connection.  The client's pointer values are
 * only ever tested against zero and never reach the reply.
 *
 * Locking: none (one call's stack and reply buffer).
 */
#include "kern/kern.h"
#include "kern/kern_sp_nest.h"

/* Read a block at *posp of body; 0, or EPROTO if it does not fit. */
static int
spn_block(const uint8_t *body, size_t blen, size_t *posp, uint64_t *lenp,
    const uint8_t **datap)
{
	size_t pos = *posp;
	uint64_t len;

	if (blen - pos < 8)
		return EPROTO;
	memcpy(&len, body + pos, 8);
	if (len > SP_MAXDATA || sp_pad8(len) > blen - pos - 8)
		return EPROTO;
	*lenp = len;
	*datap = body + pos + 8;
	*posp = pos + 8 + sp_pad8(len);
	return 0;
}

/* Add segment: IN data (or NULL) and/or an OUT block of size bytes. */
static void
spn_seg(struct sp_nest *n, const uint8_t *in, uint64_t size, bool out,
    uint64_t *oposp)
{
	unsigned k = n->n_nseg++;

	KASSERT(k < SP_NEST_SEGS);
	n->n_in[k] = in;
	n->n_size[k] = size;
	n->n_outpos[k] = 0;
	if (out) {
		n->n_outpos[k] = *oposp;
		*oposp += 8 + sp_pad8(size);
	}
}

bool
sp_nest_is(const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs)
{
	const struct sp_argdesc *ad = &sd->sd_args[i];

	if (regs[i] == 0)
		return false;
	if (ad->sa_kind == SPK_LENPTR || ad->sa_kind == SPK_MSGHDR)
		return true;
	return sp_ioctl_nested(sd, i, regs, sp_ioctlrules,
	    sp_nioctlrules) != NULL;
}

static int
spn_lenptr_in(const uint8_t *body, size_t blen, size_t *posp,
    uint64_t *oposp, const struct sp_argdesc *ad, struct sp_nest *n)
{
	const uint8_t *data;
	uint64_t len, size;

	if (spn_block(body, blen, posp, &len, &data) != 0 || len != 8)
		return EPROTO;
	memcpy(&size, data, 8);
	if (size > ad->sa_size)
		return EPROTO;
	spn_seg(n, NULL, size, true, oposp);
	return 0;
}

static int
spn_msghdr_in(const uint8_t *body, size_t blen, size_t *posp,
    uint64_t *oposp, const struct sp_argdesc *ad, struct sp_nest *n)
{
	struct sp_msghdr *m = &n->n_msg;
	const uint8_t *data, *name = NULL, *iovdata, *ctl;
	uint64_t len, l, j, sum = 0;
	bool out = (ad->sa_flags & SPF_IOVOUT) != 0;

	if (spn_block(body, blen, posp, &len, &data) != 0 ||
	    len != sizeof(*m))
		return EPROTO;
	memcpy(m, data, sizeof(*m));
	if (m->m_iovlen > SP_MAXIOV)
		return EPROTO;
	n->n_iovn = m->m_iovlen;
	if (!out) {
		if (spn_block(body, blen, posp, &len, &name) != 0 ||
		    len != (m->m_name != 0 ? m->m_namelen : 0) ||
		    len > SP_MAXNAME)
			return EPROTO;
	}
	if (spn_block(body, blen, posp, &len, &n->n_iovlens) != 0 ||
	    len != n->n_iovn * 8)
		return EPROTO;
	for (j = 0; j < n->n_iovn; j++) {
		memcpy(&l, n->n_iovlens + 8 * j, 8);
		if (l > SP_MAXDATA - sum)
			return EPROTO;
		sum += l;
	}
	n->n_sum = sum;
	n->n_scratch = n->n_iovn * sizeof(struct rump_iovec);
	if (out) {
		spn_seg(n, data, sizeof(*m), true, oposp);
		spn_seg(n, NULL, sp_msg_namesz(m->m_name, m->m_namelen), true,
		    oposp);
		spn_seg(n, NULL, sum, true, oposp);
		spn_seg(n, NULL, sp_msg_ctlsz(m->m_control, m->m_controllen),
		    true, oposp);
		return 0;
	}
	if (spn_block(body, blen, posp, &len, &iovdata) != 0 || len != sum)
		return EPROTO;
	if (spn_block(body, blen, posp, &len, &ctl) != 0 ||
	    len != (m->m_control != 0 ? m->m_controllen : 0) ||
	    len > SP_MAXCONTROL)
		return EPROTO;
	n->n_scratch += sp_pad8(sizeof(struct rump_msghdr));
	spn_seg(n, data, sizeof(*m), false, oposp);
	spn_seg(n, name, m->m_name != 0 ? m->m_namelen : 0, false, oposp);
	spn_seg(n, iovdata, sum, false, oposp);
	spn_seg(n, ctl, len, false, oposp);
	return 0;
}

static int
spn_ioctl_in(const uint8_t *body, size_t blen, size_t *posp,
    uint64_t *oposp, int dir, uint64_t size, struct sp_nest *n)
{
	const struct sp_cmdrule *r = n->n_rule;
	const uint8_t *st, *data = NULL;
	uint64_t len, nsize = 0;
	bool sout = dir == SPA_INOUT || dir == SPA_OUT;
	bool nin = r->cr_ndir == SPA_IN || r->cr_ndir == SPA_INOUT;
	bool nout = r->cr_ndir == SPA_OUT || r->cr_ndir == SPA_INOUT;

	/* The generator allows only IN and INOUT structures here. */
	if (dir != SPA_IN && dir != SPA_INOUT)
		return EPROTO;
	if (spn_block(body, blen, posp, &len, &st) != 0 || len != size ||
	    (uint64_t)r->cr_noff + 8 > size ||
	    (uint64_t)r->cr_nlenoff + 4 > size)
		return EPROTO;
	memcpy(&n->n_wire, st + r->cr_noff, 8);
	spn_seg(n, st, size, sout, oposp);
	if (!sout)
		n->n_scratch = sp_pad8(size);
	if (n->n_wire == 0)
		return 0;
	switch (r->cr_nkind) {
	case SPN_FIXED:
		nsize = r->cr_nsize;
		break;
	case SPN_LEN:
		nsize = sp_nested_len(r, st);
		break;
	case SPN_STR:
		if (spn_block(body, blen, posp, &len, &data) != 0 ||
		    len == 0 || len > r->cr_nsize || data[len - 1] != '\0')
			return EPROTO;
		spn_seg(n, data, len, false, oposp);
		return 0;
	default:
		return EPROTO;
	}
	if (nin && (spn_block(body, blen, posp, &len, &data) != 0 ||
	    len != nsize))
		return EPROTO;
	spn_seg(n, nin ? data : NULL, nsize, nout, oposp);
	return 0;
}

int
sp_nest_in(const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs,
    const uint8_t *body, size_t blen, size_t *posp, uint64_t *oposp,
    struct sp_nest *n)
{
	const struct sp_argdesc *ad = &sd->sd_args[i];
	uint64_t size;
	int dir, error;

	memset(n, 0, sizeof(*n));
	n->n_kind = ad->sa_kind;
	n->n_dir = ad->sa_dir;
	switch (ad->sa_kind) {
	case SPK_LENPTR:
		return spn_lenptr_in(body, blen, posp, oposp, ad, n);
	case SPK_MSGHDR:
		return spn_msghdr_in(body, blen, posp, oposp, ad, n);
	case SPK_IOCTL:
		n->n_rule = sp_ioctl_nested(sd, i, regs, sp_ioctlrules,
		    sp_nioctlrules);
		KASSERT(n->n_rule != NULL);
		error = sp_arglayout(sd, i, regs, sp_ioctlrules,
		    sp_nioctlrules, sp_fcntlrules, sp_nfcntlrules, &dir, &size);
		if (error != 0)
			return EPROTO;
		n->n_dir = (uint8_t)dir;
		return spn_ioctl_in(body, blen, posp, oposp, dir, size, n);
	}
	return EPROTO;
}

/* The kernel's view of segment k: its reply block, else its IN data. */
static void *
spn_kaddr(struct sp_nest *n, uint8_t *rp, unsigned k)
{
	void *p;

	if (n->n_outpos[k] == 0)
		return (void *)(uintptr_t)n->n_in[k];
	p = rp + n->n_outpos[k] + 8;
	if (n->n_in[k] != NULL)
		memcpy(p, n->n_in[k], n->n_size[k]);
	else
		memset(p, 0, n->n_size[k]);
	return p;
}

static void *
spn_scratch(uint8_t *rp, uint64_t *scratchp, uint64_t len)
{
	void *p = rp + *scratchp;

	*scratchp += sp_pad8(len);
	return p;
}

static void *
spn_msghdr_bind(struct sp_nest *n, uint8_t *rp, uint64_t *scratchp)
{
	const struct sp_msghdr *m = &n->n_msg;
	struct rump_msghdr *km;
	struct rump_iovec *iov;
	uint8_t *base;
	uint64_t j, l;
	unsigned k;

	for (k = 0; k < n->n_nseg; k++)
		n->n_kaddr[k] = spn_kaddr(n, rp, k);
	iov = spn_scratch(rp, scratchp, n->n_iovn * sizeof(*iov));
	base = n->n_kaddr[2];
	for (j = 0; j < n->n_iovn; j++) {
		memcpy(&l, n->n_iovlens + 8 * j, 8);
		iov[j].iov_base = base;
		iov[j].iov_len = l;
		base += l;
	}
	if (n->n_outpos[0] != 0)
		km = n->n_kaddr[0];
	else
		km = spn_scratch(rp, scratchp, sizeof(*km));
	memset(km, 0, sizeof(*km));
	km->msg_name = m->m_name != 0 ? n->n_kaddr[1] : NULL;
	km->msg_namelen = m->m_namelen;
	if (n->n_outpos[1] != 0 && (int32_t)m->m_namelen >= 0)
		km->msg_namelen = (uint32_t)n->n_size[1];
	km->msg_iov = n->n_iovn > 0 ? iov : NULL;
	km->msg_iovlen = n->n_iovn;
	km->msg_control = m->m_control != 0 ? n->n_kaddr[3] : NULL;
	km->msg_controllen = m->m_control != 0 ? n->n_size[3] :
	    m->m_controllen;
	km->msg_flags = m->m_flags;
	return km;
}

void *
sp_nest_bind(struct sp_nest *n, uint8_t *rp, uint64_t *scratchp)
{
	const struct sp_cmdrule *r;
	uint8_t *st;
	void *p;
	int32_t cnt;

	switch (n->n_kind) {
	case SPK_LENPTR:
		n->n_kaddr[0] = spn_kaddr(n, rp, 0);
		return n->n_kaddr[0];
	case SPK_MSGHDR:
		return spn_msghdr_bind(n, rp, scratchp);
	}
	/* SPK_IOCTL: a writable copy of the structure, our pointer in it. */
	r = n->n_rule;
	if (n->n_outpos[0] != 0) {
		st = spn_kaddr(n, rp, 0);
	} else {
		st = spn_scratch(rp, scratchp, n->n_size[0]);
		memcpy(st, n->n_in[0], n->n_size[0]);
	}
	n->n_kaddr[0] = st;
	p = NULL;
	if (n->n_nseg > 1)
		p = n->n_kaddr[1] = spn_kaddr(n, rp, 1);
	memcpy(st + r->cr_noff, &p, sizeof(p));
	if (r->cr_nkind == SPN_LEN && p != NULL) {
		memcpy(&cnt, st + r->cr_nlenoff, 4);
		if (cnt > 0 && (uint64_t)cnt > n->n_size[1]) {
			cnt = (int32_t)n->n_size[1];
			memcpy(st + r->cr_nlenoff, &cnt, 4);
		}
	}
	return st;
}

void
sp_nest_fixup(const struct sp_sysdesc *sd, unsigned i, struct sp_nest *n,
    const uint8_t *abuf)
{
	const struct sp_argdesc *ld;
	uint32_t *lenp, v;

	if (n->n_kind != SPK_LENPTR)
		return;
	ld = &sd->sd_args[sd->sd_args[i].sa_sizearg];
	memcpy(&lenp, abuf + ld->sa_off, sizeof(lenp));
	n->n_lenk = lenp;
	if (lenp == NULL)
		return;
	memcpy(&v, lenp, 4);
	if (v > n->n_size[0]) {
		v = (uint32_t)n->n_size[0];
		memcpy(lenp, &v, 4);
	}
}

/* Move segment k's OUT block to opos with len bytes; the new end. */
static uint64_t
spn_put(struct sp_nest *n, uint8_t *rp, unsigned k, uint64_t opos,
    uint64_t len)
{
	if (n->n_outpos[k] == 0)
		return opos;
	if (len > n->n_size[k])
		len = n->n_size[k];
	if (opos != n->n_outpos[k])
		memmove(rp + opos + 8, rp + n->n_outpos[k] + 8, len);
	memcpy(rp + opos, &len, 8);
	if (sp_pad8(len) != len)
		memset(rp + opos + 8 + len, 0, sp_pad8(len) - len);
	return opos + 8 + sp_pad8(len);
}

uint64_t
sp_nest_out(struct sp_nest *n, uint8_t *rp, uint64_t opos, int64_t rv)
{
	const struct sp_cmdrule *r;
	struct sp_msghdr m;
	uint64_t nlen;
	uint32_t v;
	int32_t cnt;

	switch (n->n_kind) {
	case SPK_LENPTR:
		v = 0;
		if (n->n_lenk != NULL)
			memcpy(&v, n->n_lenk, 4);
		return spn_put(n, rp, 0, opos, v);
	case SPK_MSGHDR:
		if (n->n_outpos[0] == 0)
			return opos;
		/* Our pointers stay here; the counts go back. */
		memcpy(&m, n->n_kaddr[0], sizeof(m));
		m.m_name = m.m_iov = m.m_control = 0;
		memcpy(n->n_kaddr[0], &m, sizeof(m));
		opos = spn_put(n, rp, 0, opos, sizeof(m));
		opos = spn_put(n, rp, 1, opos, m.m_namelen);
		opos = spn_put(n, rp, 2, opos, rv < 0 ? 0 : (uint64_t)rv);
		return spn_put(n, rp, 3, opos, m.m_controllen);
	}
	/* SPK_IOCTL */
	r = n->n_rule;
	nlen = 0;
	if (n->n_nseg > 1) {
		nlen = n->n_size[1];
		if (r->cr_nkind == SPN_LEN) {
			memcpy(&cnt, (uint8_t *)n->n_kaddr[0] + r->cr_nlenoff,
			    4);
			nlen = cnt < 0 ? 0 : (uint64_t)cnt;
		}
	}
	/* The client's own pointer goes back in the structure. */
	memcpy((uint8_t *)n->n_kaddr[0] + r->cr_noff, &n->n_wire, 8);
	opos = spn_put(n, rp, 0, opos, n->n_size[0]);
	if (n->n_nseg > 1)
		opos = spn_put(n, rp, 1, opos, nlen);
	return opos;
}
