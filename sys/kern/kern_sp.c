/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sp.c: the remote-syscall server, kernel side.
 *
 * rump_init_server() hands a URL and three upcalls to the hypervisor
 * (rumpuser_sp_init(), lib/librumpuser/rumpuser_sp.c), which listens,
 * accepts, reads frames and calls back here on one host thread per
 * connection.  This file understands the frames (docs/protocol.md,
 * kern_sp_proto.h): the handshake, system calls, fork and exec holds.
 * It is the only code that parses what a client sends, and it is built
 * so that a fuzzer can drive sp_request() directly (fuzz/fuzz_sp.c).
 *
 * A connection is bound to an lwp of a kernel process for its lifetime:
 *
 *	HELLO_NEW    a new process (child of initproc, empty descriptor
 *	             table, the peer's credentials), with a random token
 *	HELLO_JOIN   a new lwp of the process whose token is given (another
 *	             thread of the same client)
 *	HELLO_CLAIM  the lwp kept by a fork or exec hold
 *
 * A process lives while it has lwps; each connection and each hold owns
 * one, so closing the last connection ends the process and closes its
 * descriptors (the VFS's exit hook).  A hold (SP_FORK: a copy of the
 * caller's process; SP_EXEC: another lwp of it) waits for a claim; once
 * its creating connection is gone it expires after SP_HOLD_TTL and is
 * released by the host's once-a-second tick (sp_tick), or by a handshake
 * or close that comes first.
 *
 * A system call is one frame each way.  The register arguments are
 * copied into the handler's argument structure; each non-NULL pointer is
 * pointed at its IN block inside the request frame, or at its OUT block
 * inside the reply buffer, so the handler's copyin/copyout are plain
 * memory copies and the OUT data is already where the reply goes out.
 * Every length is checked against what the generated descriptions
 * (syscalls_sp.c) compute from the registers; anything that does not
 * add up ends the connection.
 *
 * Connection states: SPC_HELLO -> SPC_READY (handshake accepted) ->
 * closed (spo_close).  Only the connection's own thread moves them.
 *
 * Locking: [I] immutable after setup, [c] the connection's thread only,
 * [s] sp_lock (process records, holds), [a] atomic.  sp_lock is a leaf.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/resource.h"
#include "kern/syscall.h"
#include "kern/kern_sp_proto.h"
#include "kern/kern_sp_impl.h"
#include "sys_syscallargs.h"
#include "kern/kern_sp_nest.h"

#include <rump/rump.h>

#define SP_HOLD_TTL   (30 * NSEC_PER_SEC)
#define SP_MAXHOLDS   16              /* unclaimed holds per connection */
#define SP_REPLY_KEEP (256 * 1024)    /* reply buffers kept between calls */

struct sp_proc {
	uint8_t spp_token[SP_TOKENLEN];   /* [I] */
	pid_t spp_pid;                    /* [I] */
	unsigned spp_refs;                /* [s] connections and holds */
	struct sp_proc *spp_next;         /* [s] */
};

struct sp_hold {
	uint8_t sh_token[SP_TOKENLEN];    /* [I] */
	struct sp_proc *sh_proc;          /* [I] referenced */
	struct lwp *sh_lwp;               /* [I] unbound */
	bool sh_exec;                     /* [I] SP_EXEC (else SP_FORK) */
	struct sp_conn *sh_owner;         /* [s] creator, NULL once gone */
	int64_t sh_expire;                /* [s] uptime ns, when ownerless */
	struct sp_hold *sh_next;          /* [s] */
};

enum sp_conn_state { SPC_HELLO, SPC_READY };

struct sp_conn {
	enum sp_conn_state c_state;       /* [c] */
	struct rumpuser_sp_peer c_peer;   /* [I] */
	struct sp_proc *c_proc;           /* [c] after the handshake */
	struct lwp *c_lwp;                /* [c], written under [s] */
	bool c_hungup;                    /* [s] the peer has gone */
	uint8_t *c_reply;                 /* [c] reply buffer */
	size_t c_replycap;                /* [c] */
	unsigned c_nholds;                /* [s] */
	bool c_fuzz;                      /* [I] no lwps (fuzzing) */
};

static kmutex_t sp_lock;
static struct sp_proc *sp_procs;          /* [s] */
static struct sp_hold *sp_holds;          /* [s], read [a] by sp_tick */
static unsigned sp_nconns;                /* [a] */
static int sp_halted;                     /* [a] */
static int sp_flags;                      /* [I] RUMP_SP_* */
static uint8_t sp_key[SP_MAXKEY];         /* [I] */
static size_t sp_keylen;                  /* [I] 0: no key */
static bool sp_inited;

static bool
sp_token_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* Called once, scheduled. */
static void
sp_setup(void)
{

	if (sp_inited)
		return;
	mutex_init(&sp_lock, MUTEX_DEFAULT, "sp_lock");
	sp_inited = true;
}

/*
 * Make sure the reply buffer holds at least need bytes.  Called without a
 * CPU; 0 or ENOMEM.
 */
static int
sp_reply_reserve(struct sp_conn *c, size_t need)
{
	uint8_t *nb;
	size_t cap;

	/* Reuse the buffer, unless a big one would serve a small reply. */
	if (need <= c->c_replycap &&
	    !(c->c_replycap > SP_REPLY_KEEP && need <= SP_REPLY_KEEP))
		return 0;
	cap = need < 4096 ? 4096 : roundup(need, 4096);
	rump_schedule();
	nb = kmem_alloc(cap, KM_NOSLEEP);
	if (nb != NULL) {
		if (c->c_reply != NULL)
			kmem_free(c->c_reply, c->c_replycap);
		c->c_reply = nb;
		c->c_replycap = cap;
	}
	rump_unschedule();
	return nb == NULL ? ENOMEM : 0;
}

/* --- processes and holds --- */

/* A new record for pid with one reference; scheduled. */
static struct sp_proc *
sp_proc_new(pid_t pid)
{
	struct sp_proc *spp;

	spp = kmem_zalloc(sizeof(*spp), KM_SLEEP);
	cprng_fast(spp->spp_token, sizeof(spp->spp_token));
	spp->spp_pid = pid;
	spp->spp_refs = 1;
	mutex_enter(&sp_lock);
	spp->spp_next = sp_procs;
	sp_procs = spp;
	mutex_exit(&sp_lock);
	return spp;
}

/* Drop a reference; sp_lock held.  Returns the record to free, or NULL. */
static struct sp_proc *
sp_proc_rele_locked(struct sp_proc *spp)
{
	struct sp_proc **pp;

	KASSERT(mutex_owned(&sp_lock));
	KASSERT(spp->spp_refs > 0);
	if (--spp->spp_refs > 0)
		return NULL;
	for (pp = &sp_procs; *pp != spp; pp = &(*pp)->spp_next)
		KASSERT(*pp != NULL);
	*pp = spp->spp_next;
	return spp;
}

/*
 * Release an unbound lwp from a thread that may have one of its own (or
 * none); called without a CPU.  The process ends with its last lwp.
 */
static void
sp_lwp_release(struct lwp *l)
{
	struct lwp *own = rump_lwproc_curlwp();

	rump_lwproc_switch(l);
	rump_lwproc_releaselwp();
	if (own != NULL)
		rump_lwproc_switch(own);
}

/* Release the holds that have no owner and whose time is up. */
static void
sp_holds_sweep(void)
{
	struct sp_hold **hp, *h, *dead = NULL;
	struct sp_proc *spp, *freep;
	int64_t now;

	rump_schedule();
	now = getnanouptime();
	mutex_enter(&sp_lock);
	for (hp = &sp_holds; (h = *hp) != NULL;) {
		if (h->sh_owner == NULL && h->sh_expire <= now) {
			*hp = h->sh_next;
			h->sh_next = dead;
			dead = h;
		} else {
			hp = &h->sh_next;
		}
	}
	mutex_exit(&sp_lock);
	rump_unschedule();
	while ((h = dead) != NULL) {
		dead = h->sh_next;
		spp = h->sh_proc;
		sp_lwp_release(h->sh_lwp);
		rump_schedule();
		mutex_enter(&sp_lock);
		freep = sp_proc_rele_locked(spp);
		mutex_exit(&sp_lock);
		if (freep != NULL)
			kmem_free(freep, sizeof(*freep));
		kmem_free(h, sizeof(*h));
		rump_unschedule();
	}
}

/*
 * The new program of an exec hold has claimed it: close the descriptors
 * marked close-on-exec, as execve(2) does.  The process's own fcntl and
 * close run on the claiming thread (the process's lwp bound, no CPU),
 * over every descriptor the process's RLIMIT_NOFILE allows.
 */
static void
sp_exec_closefds(void)
{
	struct sys_fcntl_args fa;
	struct sys_close_args ca;
	register_t rv[2];
	struct proc *p;
	uint64_t lim, fd;

	rump_schedule();
	p = curproc;
	mutex_enter(&p->p_lock);
	lim = MAX(p->p_rlimit[RLIMIT_NOFILE].rlim_cur,
	    p->p_rlimit[RLIMIT_NOFILE].rlim_max);
	mutex_exit(&p->p_lock);
	rump_unschedule();
	lim = MIN(lim, (uint64_t)RLIMIT_NOFILE_CEIL);
	for (fd = 0; fd < lim; fd++) {
		memset(&fa, 0, sizeof(fa));
		fa.fd = (int)fd;
		fa.cmd = F_GETFD;
		rv[0] = 0;
		if (rump_syscall(SYS_fcntl, &fa, rv) != 0 ||
		    (rv[0] & FD_CLOEXEC) == 0)
			continue;
		ca.fd = (int)fd;
		(void)rump_syscall(SYS_close, &ca, rv);
	}
}

/* --- the handshake --- */

/* Give the calling thread's new process the peer's credentials. */
static void
sp_setcred(struct sp_conn *c, const char *comm)
{
	const struct rumpuser_sp_peer *peer = &c->c_peer;
	struct proc *p = curproc;
	kauth_cred_t cred;
	int i, n;

	if (comm[0] != '\0') {
		mutex_enter(&p->p_lock);
		strlcpy(p->p_comm, comm, sizeof(p->p_comm));
		mutex_exit(&p->p_lock);
	}
	if (!peer->sp_hascred || (sp_flags & RUMP_SP_ROOTCREDS) != 0)
		return;
	cred = kauth_cred_alloc();
	cred->cr_uid = cred->cr_euid = cred->cr_svuid = peer->sp_uid;
	cred->cr_gid = cred->cr_egid = cred->cr_svgid = peer->sp_gid;
	n = peer->sp_ngroups < 0 ? 0 : MIN(peer->sp_ngroups, NGROUPS_KERN);
	n = MIN(n, RUMPUSER_SP_NGROUPS);
	for (i = 0; i < n; i++)
		cred->cr_groups[i] = peer->sp_groups[i];
	cred->cr_ngroups = n;
	proc_setcred(p, cred);
}

static int
sp_hello(struct sp_conn *c, const uint8_t *body, size_t blen,
    struct sp_hello_reply *hr)
{
	struct sp_hello h;
	struct sp_proc *spp = NULL;
	struct sp_hold **hp, *hold = NULL;
	char comm[17];
	pid_t pid = 0;
	bool hungup;
	int error;

	if (blen < sizeof(h))
		return EPROTO;
	memcpy(&h, body, sizeof(h));
	if (h.h_magic != SP_MAGIC || h.h_keylen > SP_MAXKEY ||
	    blen != sizeof(h) + h.h_keylen)
		return EPROTO;
	hr->hr_magic = SP_MAGIC;
	hr->hr_version = SP_VERSION;
	hr->hr_maxmsg = SP_MAXMSG;
	if (h.h_version != SP_VERSION) {
		hr->hr_error = EPROTONOSUPPORT;
		return 0;
	}
	if (c->c_peer.sp_transport == RUMPUSER_SP_TCP && sp_keylen != 0 &&
	    (h.h_keylen != sp_keylen ||
	    !sp_token_eq(body + sizeof(h), sp_key, sp_keylen))) {
		hr->hr_error = EACCES;
		return 0;
	}
	if (atomic_load_relaxed(&sp_halted)) {
		hr->hr_error = ESHUTDOWN;
		return 0;
	}
	memcpy(comm, h.h_comm, sizeof(h.h_comm));
	comm[16] = '\0';
	if (c->c_fuzz) {
		/* The parser only: nothing is bound. */
		hr->hr_error = h.h_mode <= SP_HELLO_CLAIM ? 0 : EINVAL;
		if (hr->hr_error == 0)
			c->c_state = SPC_READY;
		return 0;
	}
	sp_holds_sweep();
	switch (h.h_mode) {
	case SP_HELLO_NEW:
		error = rump_lwproc_rfork(RUMP_RFCFDG);
		if (error != 0)
			break;
		rump_schedule();
		sp_setcred(c, comm);
		pid = curproc->p_pid;
		spp = sp_proc_new(pid);
		rump_unschedule();
		break;
	case SP_HELLO_JOIN:
		rump_schedule();
		mutex_enter(&sp_lock);
		for (spp = sp_procs; spp != NULL; spp = spp->spp_next)
			if (sp_token_eq(spp->spp_token, h.h_token, SP_TOKENLEN))
				break;
		if (spp != NULL)
			spp->spp_refs++;
		mutex_exit(&sp_lock);
		rump_unschedule();
		if (spp == NULL) {
			error = ESRCH;
			break;
		}
		/* Our reference keeps the process alive for newlwp. */
		error = rump_lwproc_newlwp(spp->spp_pid);
		if (error != 0) {
			struct sp_proc *freep;
			rump_schedule();
			mutex_enter(&sp_lock);
			freep = sp_proc_rele_locked(spp);
			mutex_exit(&sp_lock);
			if (freep != NULL)
				kmem_free(freep, sizeof(*freep));
			rump_unschedule();
			spp = NULL;
		}
		pid = spp != NULL ? spp->spp_pid : 0;
		break;
	case SP_HELLO_CLAIM:
		rump_schedule();
		mutex_enter(&sp_lock);
		for (hp = &sp_holds; (hold = *hp) != NULL; hp = &hold->sh_next)
			if (sp_token_eq(hold->sh_token, h.h_token,
			    SP_TOKENLEN)) {
				*hp = hold->sh_next;
				if (hold->sh_owner != NULL)
					hold->sh_owner->c_nholds--;
				break;
			}
		mutex_exit(&sp_lock);
		rump_unschedule();
		if (hold == NULL) {
			error = ESRCH;
			break;
		}
		rump_lwproc_switch(hold->sh_lwp);
		if (hold->sh_exec)
			sp_exec_closefds();
		spp = hold->sh_proc;      /* the hold's reference is ours */
		pid = spp->spp_pid;
		rump_schedule();
		if (comm[0] != '\0') {
			mutex_enter(&curproc->p_lock);
			strlcpy(curproc->p_comm, comm,
			    sizeof(curproc->p_comm));
			mutex_exit(&curproc->p_lock);
		}
		kmem_free(hold, sizeof(*hold));
		rump_unschedule();
		error = 0;
		break;
	default:
		error = EINVAL;
		break;
	}
	hr->hr_error = error;
	if (error != 0)
		return 0;
	c->c_proc = spp;
	rump_schedule();
	mutex_enter(&sp_lock);
	c->c_lwp = curlwp;
	hungup = c->c_hungup;
	mutex_exit(&sp_lock);
	if (hungup)          /* the peer went away during the handshake */
		lwp_interrupt(curlwp);
	rump_unschedule();
	c->c_state = SPC_READY;
	hr->hr_pid = pid;
	memcpy(hr->hr_token, spp->spp_token, SP_TOKENLEN);
	return 0;
}

/* --- fork and exec holds --- */

static int
sp_hold_make(struct sp_conn *c, bool fork, struct sp_hold_reply *rep)
{
	struct sp_proc *spp;
	struct sp_hold *h;
	struct lwp *l = NULL;
	pid_t pid = 0;
	int error;

	if (c->c_fuzz) {
		rep->hr_error = EOPNOTSUPP;
		return 0;
	}
	rump_schedule();
	mutex_enter(&sp_lock);
	error = c->c_nholds >= SP_MAXHOLDS ? EAGAIN : 0;
	if (error == 0) {
		c->c_nholds++;
		if (!fork)
			c->c_proc->spp_refs++;
	}
	mutex_exit(&sp_lock);
	rump_unschedule();
	if (error != 0) {
		rep->hr_error = error;
		return 0;
	}
	if (fork)
		error = rump_lwproc_rfork(RUMP_RFFDG);
	else
		error = rump_lwproc_newlwp(c->c_proc->spp_pid);
	if (error == 0) {
		l = rump_lwproc_curlwp();
		rump_schedule();
		pid = curproc->p_pid;
		rump_unschedule();
		rump_lwproc_switch(c->c_lwp);
	}
	rump_schedule();
	if (error != 0) {
		struct sp_proc *freep = NULL;
		mutex_enter(&sp_lock);
		c->c_nholds--;
		if (!fork)
			freep = sp_proc_rele_locked(c->c_proc);
		mutex_exit(&sp_lock);
		KASSERT(freep == NULL);
		rump_unschedule();
		rep->hr_error = error;
		return 0;
	}
	spp = fork ? sp_proc_new(pid) : c->c_proc;
	h = kmem_zalloc(sizeof(*h), KM_SLEEP);
	cprng_fast(h->sh_token, sizeof(h->sh_token));
	h->sh_proc = spp;
	h->sh_lwp = l;
	h->sh_exec = !fork;
	h->sh_owner = c;
	mutex_enter(&sp_lock);
	h->sh_next = sp_holds;
	sp_holds = h;
	mutex_exit(&sp_lock);
	rump_unschedule();
	rep->hr_error = 0;
	rep->hr_pid = pid;
	memcpy(rep->hr_token, h->sh_token, SP_TOKENLEN);
	return 0;
}

static int
sp_hold_cancel(struct sp_conn *c, const uint8_t *token)
{
	struct sp_hold **hp, *h;

	if (c->c_fuzz)
		return ESRCH;
	rump_schedule();
	mutex_enter(&sp_lock);
	for (hp = &sp_holds; (h = *hp) != NULL; hp = &h->sh_next)
		if (h->sh_owner == c &&
		    sp_token_eq(h->sh_token, token, SP_TOKENLEN)) {
			/* Expire it now; the sweep releases it. */
			h->sh_owner = NULL;
			h->sh_expire = 0;
			c->c_nholds--;
			break;
		}
	mutex_exit(&sp_lock);
	rump_unschedule();
	if (h == NULL)
		return ESRCH;
	sp_holds_sweep();
	return 0;
}

/* --- system calls --- */

/* Store a register value of width bytes at off in the argument buffer. */
static inline void
sp_store(uint8_t *abuf, const struct sp_argdesc *ad, uint64_t v)
{

	if (ad->sa_width == 4) {
		uint32_t v32 = (uint32_t)v;
		memcpy(abuf + ad->sa_off, &v32, 4);
	} else {
		memcpy(abuf + ad->sa_off, &v, 8);
	}
}

/* Read a block at *posp of body; 0, or EPROTO if it does not fit. */
static inline int
sp_block(const uint8_t *body, size_t blen, size_t *posp, uint64_t *lenp,
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

struct sp_argstate {
	int as_dir;                 /* from sp_arglayout */
	uint64_t as_size;           /* bytes the pointer covers */
	const uint8_t *as_in;       /* IN data in the request */
	uint64_t as_outpos;         /* OUT block in the reply */
	uint64_t as_iovdata;        /* SPK_IOV: data bytes */
	const uint8_t *as_iovlens;  /* SPK_IOV: the lengths block */
	struct sp_nest as_nest;     /* nested memory (kern_sp_nest.c) */
};

/*
 * What a fuzzing connection runs instead of the handler: read every IN
 * byte and write every OUT byte the marshalling prepared (so a sanitizer
 * sees any block that is not where it should be), and return the last
 * register as the result, which exercises the trimming of short results.
 */
static int
sp_fuzz_exec(const struct sp_sysdesc *sd, const struct sp_argstate *as,
    const uint64_t *regs, const uint64_t *abuf, register_t *rv)
{
	const struct sp_argdesc *ad;
	volatile uint8_t sink = 0;
	uint8_t *p;
	uint64_t n, k;
	unsigned i;

	for (i = 0; i < sd->sd_nargs; i++) {
		ad = &sd->sd_args[i];
		if (as[i].as_dir == SPA_SCALAR || as[i].as_dir == SPA_ADDR ||
		    regs[i] == 0)
			continue;
		memcpy(&p, (const uint8_t *)abuf + ad->sa_off, sizeof(p));
		if (ad->sa_kind == SPK_IOV) {
			const struct rump_iovec *iov = (const void *)p;
			for (k = 0; k < as[i].as_size / 16; k++) {
				uint8_t *b = iov[k].iov_base;
				for (n = 0; n < iov[k].iov_len; n++) {
					if (ad->sa_flags & SPF_IOVOUT)
						b[n] = (uint8_t)n;
					else
						sink ^= b[n];
				}
			}
			continue;
		}
		for (n = 0; n < as[i].as_size; n++) {
			if (as[i].as_dir == SPA_IN)
				sink ^= p[n];
			else
				p[n] ^= 0x5a;
		}
	}
	(void)sink;
	rv[0] = sd->sd_nargs > 0 ? (register_t)regs[sd->sd_nargs - 1] : 0;
	return 0;
}

/*
 * Run one SP_SYSCALL.  Returns 0 with the reply built in c->c_reply
 * (*rlenp bytes), or EPROTO/ENOMEM to end the connection.
 */
static int
sp_syscall(struct sp_conn *c, const struct sp_hdr *hdr, const uint8_t *body,
    size_t blen, size_t *rlenp)
{
	struct sp_argstate as[SP_NARGS];
	const struct sp_sysdesc *sd;
	const struct sp_argdesc *ad;
	struct sp_syscall_reply sr;
	uint64_t abuf[8], regs[SP_NARGS], len, opos, scratch, end;
	register_t rv[2] = { 0, 0 };
	const uint8_t *data;
	uint32_t num, nargs;
	size_t pos;
	unsigned i, j;
	uint8_t *rp;
	int error;

	memset(&sr, 0, sizeof(sr));
	if (blen < 8)
		return EPROTO;
	memcpy(&num, body, 4);
	memcpy(&nargs, body + 4, 4);
	if (nargs > SP_NARGS || blen < 8 + 8 * (size_t)nargs)
		return EPROTO;
	if (num >= sp_nsysdescs || !(sp_sysdescs[num].sd_flags & SPD_VALID)) {
		sr.sr_error = ENOSYS;
		goto out_reply;
	}
	sd = &sp_sysdescs[num];
	if (nargs != sd->sd_nargs)
		return EPROTO;
	memcpy(regs, body + 8, 8 * (size_t)nargs);
	KASSERT(sd->sd_argsize <= sizeof(abuf));
	memset(abuf, 0, sizeof(abuf));
	pos = 8 + 8 * (size_t)nargs;
	opos = SP_HDRLEN + sizeof(sr);
	scratch = 0;

	/* Pass 1: layouts, IN blocks, room for OUT blocks. */
	for (i = 0; i < nargs; i++) {
		ad = &sd->sd_args[i];
		memset(&as[i], 0, sizeof(as[i]));
		error = sp_arglayout(sd, i, regs, sp_ioctlrules,
		    sp_nioctlrules, sp_fcntlrules, sp_nfcntlrules,
		    &as[i].as_dir, &as[i].as_size);
		if (error != 0) {
			sr.sr_error = error;
			goto out_reply;
		}
		if (as[i].as_dir == SPA_SCALAR || as[i].as_dir == SPA_ADDR ||
		    regs[i] == 0)
			continue;
		if (sp_nest_is(sd, i, regs)) {
			if (sp_nest_in(sd, i, regs, body, blen, &pos, &opos,
			    &as[i].as_nest) != 0)
				return EPROTO;
			as[i].as_dir = as[i].as_nest.n_dir;
			as[i].as_size = as[i].as_nest.n_size[0];
			scratch += as[i].as_nest.n_scratch;
			continue;
		}
		if (ad->sa_kind == SPK_IOV) {
			uint64_t n = as[i].as_size / 16, sum = 0, l;

			if (sp_block(body, blen, &pos, &len, &data) != 0 ||
			    len != n * 8)
				return EPROTO;
			for (j = 0; j < n; j++) {
				memcpy(&l, data + 8 * j, 8);
				if (l > SP_MAXDATA - sum)
					return EPROTO;
				sum += l;
			}
			as[i].as_iovlens = data;
			as[i].as_iovdata = sum;
			if (ad->sa_flags & SPF_IOVOUT) {
				as[i].as_outpos = opos;
				opos += 8 + sp_pad8(sum);
			} else {
				if (sp_block(body, blen, &pos, &len,
				    &as[i].as_in) != 0 || len != sum)
					return EPROTO;
			}
			scratch += n * sizeof(struct rump_iovec);
			continue;
		}
		if (as[i].as_dir == SPA_IN || as[i].as_dir == SPA_INOUT) {
			if (sp_block(body, blen, &pos, &len, &as[i].as_in) != 0)
				return EPROTO;
			if (ad->sa_kind == SPK_STR) {
				if (len == 0 || len > SP_MAXSTR ||
				    as[i].as_in[len - 1] != '\0')
					return EPROTO;
				as[i].as_size = len;
			} else if (len != as[i].as_size) {
				return EPROTO;
			}
		}
		if (as[i].as_dir == SPA_OUT || as[i].as_dir == SPA_INOUT) {
			as[i].as_outpos = opos;
			opos += 8 + sp_pad8(as[i].as_size);
		}
	}
	if (pos != blen || opos > SP_MAXMSG)
		return EPROTO;
	if (sp_reply_reserve(c, opos + scratch) != 0)
		return ENOMEM;

	/* Pass 2: point the arguments at their memory. */
	rp = c->c_reply;
	scratch = opos;
	for (i = 0; i < nargs; i++) {
		struct sp_argstate *a = &as[i];
		void *kaddr;

		ad = &sd->sd_args[i];
		if (a->as_dir == SPA_SCALAR || a->as_dir == SPA_ADDR ||
		    regs[i] == 0) {
			sp_store((uint8_t *)abuf, ad,
			    a->as_dir == SPA_SCALAR || a->as_dir == SPA_ADDR ?
			    regs[i] : 0);
			continue;
		}
		if (a->as_nest.n_kind != 0) {
			kaddr = sp_nest_bind(&a->as_nest, rp, &scratch);
			sp_store((uint8_t *)abuf, ad,
			    (uint64_t)(uintptr_t)kaddr);
			continue;
		}
		if (ad->sa_kind == SPK_IOV) {
			struct rump_iovec *iov = (void *)(rp + scratch);
			uint64_t n = a->as_size / 16, l;
			uint8_t *base = (ad->sa_flags & SPF_IOVOUT) ?
			    rp + a->as_outpos + 8 : (uint8_t *)a->as_in;

			for (j = 0; j < n; j++) {
				memcpy(&l, a->as_iovlens + 8 * j, 8);
				iov[j].iov_base = base;
				iov[j].iov_len = l;
				base += l;
			}
			scratch += n * sizeof(*iov);
			kaddr = iov;
		} else if (a->as_dir == SPA_IN) {
			kaddr = (void *)a->as_in;
		} else {
			kaddr = rp + a->as_outpos + 8;
			if (a->as_dir == SPA_INOUT)
				memcpy(kaddr, a->as_in, a->as_size);
			else if (!(ad->sa_flags & SPF_RETLEN))
				memset(kaddr, 0, a->as_size);
		}
		sp_store((uint8_t *)abuf, ad, (uint64_t)(uintptr_t)kaddr);
	}
	for (i = 0; i < nargs; i++)
		if (as[i].as_nest.n_kind != 0)
			sp_nest_fixup(sd, i, &as[i].as_nest,
			    (const uint8_t *)abuf);

	if (__predict_false(c->c_fuzz))
		error = sp_fuzz_exec(sd, as, regs, abuf, rv);
	else
		error = rump_syscall((int)num, abuf, rv);
	sr.sr_error = error;
	sr.sr_retval[0] = rv[0];
	sr.sr_retval[1] = rv[1];
	if (error != 0)
		goto out_reply;

	/* OUT blocks, moved down over what a short result left unused. */
	opos = SP_HDRLEN + sizeof(sr);
	for (i = 0; i < nargs; i++) {
		struct sp_argstate *a = &as[i];
		uint64_t full;

		ad = &sd->sd_args[i];
		if (regs[i] == 0)
			continue;
		if (a->as_nest.n_kind != 0) {
			opos = sp_nest_out(&a->as_nest, rp, opos, rv[0]);
			continue;
		}
		if (ad->sa_kind == SPK_IOV) {
			if (!(ad->sa_flags & SPF_IOVOUT))
				continue;
			full = a->as_iovdata;
			len = rv[0] < 0 ? 0 : MIN((uint64_t)rv[0], full);
		} else if (a->as_dir == SPA_OUT || a->as_dir == SPA_INOUT) {
			full = a->as_size;
			len = full;
			if (ad->sa_flags & SPF_RETLEN)
				len = rv[0] < 0 ? 0 : MIN((uint64_t)rv[0], full);
		} else {
			continue;
		}
		if (opos != a->as_outpos)
			memmove(rp + opos + 8, rp + a->as_outpos + 8, len);
		memcpy(rp + opos, &len, 8);
		if (sp_pad8(len) != len)
			memset(rp + opos + 8 + len, 0, sp_pad8(len) - len);
		opos += 8 + sp_pad8(len);
	}
	/*
	 * The final block goes without its padding, so that a client can
	 * receive a single OUT block straight into its caller's memory.
	 */
	end = SP_HDRLEN + sizeof(sr);
	for (pos = end; pos < opos; pos += 8 + sp_pad8(len)) {
		memcpy(&len, rp + pos, 8);
		end = pos + 8 + len;
	}
	*rlenp = end;
	goto out_header;

out_reply:
	if (sp_reply_reserve(c, SP_HDRLEN + sizeof(sr)) != 0)
		return ENOMEM;
	*rlenp = SP_HDRLEN + sizeof(sr);
out_header:
	{
		struct sp_hdr rh = {
			.sh_len = (uint32_t)*rlenp,
			.sh_type = SP_REPLY | SP_SYSCALL,
			.sh_seq = hdr->sh_seq,
		};
		memcpy(c->c_reply, &rh, sizeof(rh));
		memcpy(c->c_reply + SP_HDRLEN, &sr, sizeof(sr));
	}
	return 0;
}

/* --- the upcalls --- */

/* Build a small fixed reply (header + body) in the reply buffer. */
static int
sp_small_reply(struct sp_conn *c, const struct sp_hdr *hdr, const void *body,
    size_t len, size_t *rlenp)
{
	struct sp_hdr rh = {
		.sh_len = (uint32_t)(SP_HDRLEN + len),
		.sh_type = SP_REPLY | hdr->sh_type,
		.sh_seq = hdr->sh_seq,
	};

	if (sp_reply_reserve(c, SP_HDRLEN + len) != 0)
		return ENOMEM;
	memcpy(c->c_reply, &rh, SP_HDRLEN);
	memcpy(c->c_reply + SP_HDRLEN, body, len);
	*rlenp = SP_HDRLEN + len;
	return 0;
}

int
sp_request(void *arg, void *msg, size_t len, const void **replyp,
    size_t *replylenp)
{
	struct sp_conn *c = arg;
	struct sp_hdr hdr;
	const uint8_t *body;
	size_t blen, rlen = 0;
	int error;

	*replyp = NULL;
	*replylenp = 0;
	if (len < SP_HDRLEN || len > SP_MAXMSG)
		return EPROTO;
	memcpy(&hdr, msg, SP_HDRLEN);
	if (hdr.sh_len != len || hdr.sh_flags != 0)
		return EPROTO;
	if (atomic_load_relaxed(&sp_halted) && c->c_state == SPC_READY)
		return ESHUTDOWN;
	body = (const uint8_t *)msg + SP_HDRLEN;
	blen = len - SP_HDRLEN;

	if (c->c_state == SPC_HELLO) {
		struct sp_hello_reply hr;

		if (hdr.sh_type != SP_HELLO)
			return EPROTO;
		memset(&hr, 0, sizeof(hr));
		error = sp_hello(c, body, blen, &hr);
		if (error != 0)
			return error;
		error = sp_small_reply(c, &hdr, &hr, sizeof(hr), &rlen);
		if (error != 0)
			return error;
		*replyp = c->c_reply;
		*replylenp = rlen;
		return hr.hr_error == 0 ? 0 : RUMPUSER_SP_LAST;
	}

	switch (hdr.sh_type) {
	case SP_SYSCALL:
		/* The body of a frame is 8-aligned: the host's buffer is. */
		error = sp_syscall(c, &hdr, body, blen, &rlen);
		break;
	case SP_FORK:
	case SP_EXEC: {
		struct sp_hold_reply hr;

		if (blen != 0)
			return EPROTO;
		memset(&hr, 0, sizeof(hr));
		error = sp_hold_make(c, hdr.sh_type == SP_FORK, &hr);
		if (error == 0)
			error = sp_small_reply(c, &hdr, &hr, sizeof(hr), &rlen);
		break;
	}
	case SP_CANCEL: {
		struct sp_cancel_reply cr;

		if (blen != sizeof(struct sp_cancel))
			return EPROTO;
		memset(&cr, 0, sizeof(cr));
		cr.cr_error = sp_hold_cancel(c, body);
		error = sp_small_reply(c, &hdr, &cr, sizeof(cr), &rlen);
		break;
	}
	default:
		return EPROTO;
	}
	if (error != 0)
		return error;
	*replyp = c->c_reply;
	*replylenp = rlen;
	return 0;
}

int
sp_open(const struct rumpuser_sp_peer *peer, void **connp)
{
	struct sp_conn *c;

	if (atomic_load_relaxed(&sp_halted))
		return ESHUTDOWN;
	rump_schedule();
	c = kmem_zalloc(sizeof(*c), KM_NOSLEEP);
	rump_unschedule();
	if (c == NULL)
		return ENOMEM;
	c->c_state = SPC_HELLO;
	c->c_peer = *peer;
	atomic_inc(&sp_nconns);
	*connp = c;
	return 0;
}

void
sp_close(void *arg)
{
	struct sp_conn *c = arg;
	struct sp_proc *freep = NULL;
	struct sp_hold *h;
	int64_t now;

	rump_schedule();
	if (c->c_state == SPC_READY && !c->c_fuzz) {
		now = getnanouptime();
		mutex_enter(&sp_lock);
		for (h = sp_holds; h != NULL; h = h->sh_next)
			if (h->sh_owner == c) {
				h->sh_owner = NULL;
				h->sh_expire = now + SP_HOLD_TTL;
			}
		freep = sp_proc_rele_locked(c->c_proc);
		mutex_exit(&sp_lock);
	}
	if (freep != NULL)
		kmem_free(freep, sizeof(*freep));
	if (c->c_reply != NULL)
		kmem_free(c->c_reply, c->c_replycap);
	atomic_dec(&sp_nconns);
	rump_unschedule();
	if (c->c_state == SPC_READY && !c->c_fuzz) {
		/* The process ends here if this was its last lwp. */
		rump_lwproc_releaselwp();
		sp_holds_sweep();
	}
	rump_schedule();
	kmem_free(c, sizeof(*c));
	rump_unschedule();
	/* The scheduling above may have given the thread an implicit lwp. */
	rump_lwproc_releaselwp();
}

/*
 * The peer has closed (the host's watch thread; the connection cannot
 * reach sp_close meanwhile, so c_lwp stays alive): interrupt the call the
 * connection may be sleeping in.  It returns EINTR, its reply goes
 * nowhere, and the connection thread then closes, releasing the lwp; the
 * process ends with its last lwp.
 */
static void
sp_hangup(void *arg)
{
	struct sp_conn *c = arg;
	struct lwp *l;

	rump_schedule();
	mutex_enter(&sp_lock);
	c->c_hungup = true;
	l = c->c_lwp;
	mutex_exit(&sp_lock);
	if (l != NULL)
		lwp_interrupt(l);
	rump_unschedule();
}

/*
 * About once a second, from the host's watch thread (no CPU, no lwp of
 * its own): release the holds whose time is up, so that they do not
 * wait for the next handshake.  sp_holds is only looked at as a hint
 * here; the sweep decides under sp_lock.
 */
static void
sp_tick(void)
{

	if (!sp_inited || atomic_load_relaxed(&sp_halted) ||
	    atomic_load_relaxed(&sp_holds) == NULL)
		return;
	sp_holds_sweep();
	/* The scheduling in the sweep gave the thread an implicit lwp. */
	rump_lwproc_releaselwp();
}

static const struct rumpuser_sp_ops sp_ops = {
	.spo_open = sp_open,
	.spo_request = sp_request,
	.spo_close = sp_close,
	.spo_hangup = sp_hangup,
	.spo_tick = sp_tick,
};

unsigned
sp_nconnections(void)
{

	return atomic_load_relaxed(&sp_nconns);
}

/* Stop serving (rump_halt with RUMP_HALT_KEEP, rump_fini_server). */
void
sp_stop(void)
{

	if (atomic_swap(&sp_halted, 1) == 0 && sp_inited)
		rumpuser_sp_fini();
}

int
rump_init_server_ex(const char *url, int flags, const void *key,
    size_t keylen)
{
	int error;

	if (url == NULL || keylen > SP_MAXKEY || (keylen != 0 && key == NULL) ||
	    (flags & ~RUMP_SP_ROOTCREDS) != 0)
		return EINVAL;
	error = rump_init();
	if (error != 0)
		return error;
	rump_schedule();
	sp_setup();
	rump_unschedule();
	sp_flags = flags;
	if (keylen != 0)
		memcpy(sp_key, key, keylen);
	sp_keylen = keylen;
	return rumpuser_sp_init(url, &sp_ops, SP_MAXMSG);
}

int
rump_init_server(const char *url)
{

	return rump_init_server_ex(url, 0, NULL, 0);
}

void
rump_fini_server(void)
{

	sp_stop();
}

/*
 * For the fuzzer: a connection that parses and runs system calls on the
 * calling thread's lwp, with no process of its own (handshake modes are
 * accepted but bind nothing; fork and exec are refused).
 */
int
rump_sp_fuzz_open(void **connp)
{
	struct rumpuser_sp_peer peer;
	int error;

	memset(&peer, 0, sizeof(peer));
	peer.sp_transport = RUMPUSER_SP_UNIX;
	peer.sp_ngroups = -1;
	rump_schedule();
	sp_setup();
	rump_unschedule();
	error = sp_open(&peer, connp);
	if (error == 0)
		((struct sp_conn *)*connp)->c_fuzz = true;
	return error;
}

int
rump_sp_fuzz_request(void *conn, void *msg, size_t len,
    const void **replyp, size_t *replylenp)
{

	return sp_request(conn, msg, len, replyp, replylenp);
}

void
rump_sp_fuzz_close(void *conn)
{
	struct sp_conn *c = conn;

	rump_schedule();
	if (c->c_reply != NULL)
		kmem_free(c->c_reply, c->c_replycap);
	atomic_dec(&sp_nconns);
	kmem_free(c, sizeof(*c));
	rump_unschedule();
}
