/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_vnode.c: the vnode life cycle and the vnode cache.
 *
 * File systems get vnodes through vcache_get(mp, key): the cache is a hash
 * table of (mount, key) -> vnode.  A vnode nobody references stays in the
 * cache on the LRU list of unused vnodes; when the cache holds more than
 * RUMP_NVNODES vnodes, the "vdrain" kernel thread reclaims the oldest
 * unused ones.  It runs without any of the callers' locks, so reclaiming
 * never nests inside a file system operation (without threads,
 * RUMP_THREADS=0, vrele trims the cache itself).
 *
 * States (v_state, see vnode.h), changed under v_interlock with
 * VSTATE_CHANGE(), which asserts the transition:
 *
 *	LOADING -> ACTIVE       vcache_get() set the vnode up
 *	LOADING -> RECLAIMED    VFS_LOADVNODE failed
 *	ACTIVE -> RECLAIMING    vgone(): LRU trimming, vflush(), unlink
 *	RECLAIMING -> RECLAIMED VOP_RECLAIM done
 *
 * A RECLAIMED vnode is out of the hash table and has the dead operations;
 * it is freed when its last reference goes.
 *
 * References: v_usecount changes atomically.  The step from 0 to 1 is
 * taken only under vcache_lock (vcache_get, vcache_tryref, LRU trimming),
 * so a vnode on the LRU list cannot gain a reference behind the cache's
 * back; the step from 1 to 0 runs under v_interlock (vrele_last).
 *
 * Lock order: vnode lock > v_interlock > vcache_lock.
 * Callers: file systems (vcache_get), namei, the syscalls, vflush (unmount).
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/callout.h"
#include "vfs/vnode.h"
#include "vfs/mount.h"
#include "vfs/vfs_impl.h"
#include "vfs/lockf.h"

#define VSTATE_CHANGE(vp, from, to)					\
	do {								\
		KASSERT(mutex_owned(&(vp)->v_interlock));		\
		KASSERTMSG((vp)->v_state == (from),			\
		    "vnode %p state %d, expected %d", (vp),		\
		    (int)(vp)->v_state, (int)(from));			\
		(vp)->v_state = (to);					\
		cv_broadcast(&(vp)->v_cv);				\
	} while (0)


static kmutex_t vcache_lock;
static struct vnode **vcache_hash;    /* [vcache_lock] buckets */
static uint32_t vcache_hashmask;       /* [vcache_lock] buckets - 1 */
static uint32_t vcache_maxbuckets;     /* [I] the table grows up to this */
static unsigned vcache_lowat;          /* [I] vdrain trims down to this */
static struct vnode vcache_lru;        /* [vcache_lock] sentinel */
static unsigned vcache_maxvnodes;      /* [I] */
unsigned vcache_numvnodes;             /* [a] */
static kcondvar_t vdrain_cv;           /* [vcache_lock] work for vdrain */
static pool_t vnode_pool;              /* [I] constructed vnodes */
static bool vdrain_running;            /* [I] after vdrain_start() */

/*
 * Operations of a vnode detached from its file system: anything that
 * would reach the file system fails with ENOENT.
 */
static int
dead_lookup(struct vnode *dvp, struct vnode **vpp, struct componentname *cnp)
{
	return ENOENT;
}

static int
dead_attr(struct vnode *vp, struct vattr *vap, kauth_cred_t cred)
{
	return ENOENT;
}

static int
dead_rdwr(struct vnode *vp, struct uio *uio, int ioflag, kauth_cred_t cred)
{
	return ENOENT;
}

static int
dead_readdir(struct vnode *vp, struct uio *uio, kauth_cred_t cred,
    int *eofflag)
{
	return ENOENT;
}

static const struct vnodeops dead_vnodeops = {
	.vop_fsname = "dead",
	.vop_lookup = dead_lookup,
	.vop_getattr = dead_attr,
	.vop_setattr = dead_attr,
	.vop_read = dead_rdwr,
	.vop_write = dead_rdwr,
	.vop_readdir = dead_readdir,
};

/*
 * A vnode's locks are host objects; the pool keeps them constructed
 * while a freed vnode waits for reuse, so a vnode costs no host
 * allocation in the steady state of files coming and going.
 */
static void
vnode_ctor(void *obj)
{
	struct vnode *vp = obj;

	mutex_init(&vp->v_interlock, MUTEX_DEFAULT, "vinterlock");
	rw_init(&vp->v_lock, "vnlock");
	cv_init(&vp->v_cv, "vnode");
}

static void
vnode_dtor(void *obj)
{
	struct vnode *vp = obj;

	mutex_destroy(&vp->v_interlock);
	rw_destroy(&vp->v_lock);
	cv_destroy(&vp->v_cv);
}

void
vcache_init(unsigned maxvnodes)
{
	mutex_init(&vcache_lock, MUTEX_DEFAULT, "vcache");
	vcache_lru.v_lrunext = vcache_lru.v_lruprev = &vcache_lru;
	uint32_t nbuckets = 1024;

	vcache_maxvnodes = maxvnodes < 16 ? 16 : maxvnodes;
	/* vdrain works in batches of 1/16 of the bound, not vnode by vnode. */
	vcache_lowat = vcache_maxvnodes - vcache_maxvnodes / 16;
	/* A vdrain batch fits in the pool's cache, up to a bound. */
	vnode_pool = pool_create_ctor(sizeof(struct vnode), 0, "vnode",
	    MIN(MAX(vcache_maxvnodes / 16, 64), 4096), vnode_ctor,
	    vnode_dtor);
	/* At most about two vnodes a bucket when the cache is full. */
	vcache_maxbuckets = 1024;
	while (vcache_maxbuckets < vcache_maxvnodes / 2 &&
	    vcache_maxbuckets < (1U << 20))
		vcache_maxbuckets <<= 2;
	vcache_hash = kmem_zalloc(nbuckets * sizeof(*vcache_hash), KM_SLEEP);
	vcache_hashmask = nbuckets - 1;
	cv_init(&vdrain_cv, "vdrain");
}

static uint32_t
vcache_hashkey(struct mount *mp, const void *key, size_t keylen)
{
	return hash32_buf(key, keylen, hash32_buf(&mp, sizeof(mp),
	    HASH32_INIT));
}

/* LRU membership: v_lrunext != NULL.  Both with vcache_lock held. */
static void
lru_insert(struct vnode *vp)
{
	KASSERT(mutex_owned(&vcache_lock));
	KASSERT(vp->v_lrunext == NULL);
	vp->v_lruprev = vcache_lru.v_lruprev;
	vp->v_lrunext = &vcache_lru;
	vcache_lru.v_lruprev->v_lrunext = vp;
	vcache_lru.v_lruprev = vp;
}

static void
lru_remove(struct vnode *vp)
{
	KASSERT(mutex_owned(&vcache_lock));
	if (vp->v_lrunext == NULL)
		return;
	vp->v_lruprev->v_lrunext = vp->v_lrunext;
	vp->v_lrunext->v_lruprev = vp->v_lruprev;
	vp->v_lrunext = vp->v_lruprev = NULL;
}

/* Put vp at the head of bucket *bp; vcache_lock held. */
static void
hash_insert(struct vnode **bp, struct vnode *vp)
{
	vp->v_hashnext = *bp;
	if (*bp != NULL)
		(*bp)->v_hashprevp = &vp->v_hashnext;
	*bp = vp;
	vp->v_hashprevp = bp;
}

/* Out of the table, without walking the chain; vcache_lock held. */
static void
hash_remove(struct vnode *vp)
{
	KASSERT(mutex_owned(&vcache_lock));
	if (vp->v_hashprevp == NULL)
		return;
	*vp->v_hashprevp = vp->v_hashnext;
	if (vp->v_hashnext != NULL)
		vp->v_hashnext->v_hashprevp = vp->v_hashprevp;
	vp->v_hashnext = NULL;
	vp->v_hashprevp = NULL;
}

static void
vnode_free(struct vnode *vp)
{
	KASSERT(vp->v_state == VS_RECLAIMED);
	KASSERT(vp->v_usecount == 0);
	KASSERT(vp->v_lrunext == NULL);
	if (vp->v_key != vp->v_keybuf)
		kmem_free((void *)vp->v_key, vp->v_keylen);
	pool_put(vnode_pool, vp);
	atomic_dec(&vcache_numvnodes);
}

/*
 * Wait until vp (referenced by the caller) is neither loading nor being
 * reclaimed.  Returns 0 if it is ACTIVE, ENOENT if it was reclaimed (it
 * is out of the hash table then, so a retry does not find it again).
 */
static int
vnode_wait_active(struct vnode *vp)
{
	int error;

	mutex_enter(&vp->v_interlock);
	while (vp->v_state == VS_LOADING || vp->v_state == VS_RECLAIMING)
		cv_wait(&vp->v_cv, &vp->v_interlock);
	error = vp->v_state == VS_ACTIVE ? 0 : ENOENT;
	mutex_exit(&vp->v_interlock);
	return error;
}

/* Take the reference from 0 to 1 or above; vcache_lock held. */
static void
vcache_ref_locked(struct vnode *vp)
{
	KASSERT(mutex_owned(&vcache_lock));
	if (atomic_inc_nv(&vp->v_usecount) == 1)
		lru_remove(vp);
}

int
vcache_tryref(struct vnode *vp)
{
	mutex_enter(&vcache_lock);
	if (vp->v_state != VS_ACTIVE && vp->v_state != VS_LOADING) {
		mutex_exit(&vcache_lock);
		return ENOENT;
	}
	vcache_ref_locked(vp);
	mutex_exit(&vcache_lock);
	return 0;
}

/*
 * Four times the buckets, while the table is short of the bound's needs
 * (about two vnodes a bucket).  Starting small keeps boot cheap.  Called
 * with vcache_lock held, so the allocation must not sleep; if the host
 * says no, the chains just stay longer.
 */
static void
vcache_grow(void)
{
	uint32_t oldn = vcache_hashmask + 1, newn = oldn * 4, i;
	struct vnode **nh, *vp, *next;

	KASSERT(mutex_owned(&vcache_lock));
	if (oldn >= vcache_maxbuckets)
		return;
	nh = kmem_zalloc(newn * sizeof(*nh), KM_NOSLEEP);
	if (nh == NULL)
		return;
	for (i = 0; i < oldn; i++) {
		for (vp = vcache_hash[i]; vp != NULL; vp = next) {
			next = vp->v_hashnext;
			hash_insert(&nh[vp->v_keyhash & (newn - 1)], vp);
		}
	}
	kmem_free(vcache_hash, oldn * sizeof(*vcache_hash));
	vcache_hash = nh;
	vcache_hashmask = newn - 1;
}

static struct vnode *
vcache_find(struct mount *mp, const void *key, size_t keylen, uint32_t hash)
{
	struct vnode *vp;

	KASSERT(mutex_owned(&vcache_lock));
	for (vp = vcache_hash[hash & vcache_hashmask]; vp != NULL;
	    vp = vp->v_hashnext) {
		if (vp->v_keyhash == hash && vp->v_mount == mp &&
		    vp->v_keylen == keylen && memcmp(vp->v_key, key, keylen) == 0)
			return vp;
	}
	return NULL;
}

int
vcache_lookup(struct mount *mp, const void *key, size_t keylen,
    struct vnode **vpp)
{
	uint32_t hash = vcache_hashkey(mp, key, keylen);
	struct vnode *vp;

	for (;;) {
		mutex_enter(&vcache_lock);
		vp = vcache_find(mp, key, keylen, hash);
		if (vp == NULL) {
			mutex_exit(&vcache_lock);
			return ENOENT;
		}
		vcache_ref_locked(vp);
		mutex_exit(&vcache_lock);
		if (vnode_wait_active(vp) == 0) {
			*vpp = vp;
			return 0;
		}
		vrele(vp);
	}
}

static struct vnode *
vnode_alloc(struct mount *mp, const void *key, size_t keylen, uint32_t hash)
{
	struct vnode *vp;
	void *k;

	vp = pool_get(vnode_pool, KM_SLEEP);
	memset(&vp->v_usecount, 0,
	    sizeof(*vp) - offsetof(struct vnode, v_usecount));
	k = keylen <= sizeof(vp->v_keybuf) ? vp->v_keybuf :
	    kmem_alloc(keylen, KM_SLEEP);
	memcpy(k, key, keylen);
	vp->v_state = VS_LOADING;
	vp->v_usecount = 1;
	vp->v_type = VNON;
	vp->v_mount = mp;
	vp->v_op = &dead_vnodeops;
	vp->v_key = k;
	vp->v_keylen = keylen;
	vp->v_keyhash = hash;
	return vp;
}

int
vcache_get(struct mount *mp, const void *key, size_t keylen,
    struct vnode **vpp)
{
	uint32_t hash = vcache_hashkey(mp, key, keylen);
	struct vnode *vp, *nvp = NULL;
	int error;

	/*
	 * Look first, allocate only on a miss: most calls find the vnode.
	 * The allocation may sleep, so it is made without the cache lock,
	 * and the lookup is repeated after it.
	 */
	for (;;) {
		mutex_enter(&vcache_lock);
		vp = vcache_find(mp, key, keylen, hash);
		if (vp == NULL) {
			if (nvp != NULL)
				break;
			mutex_exit(&vcache_lock);
			nvp = vnode_alloc(mp, key, keylen, hash);
			continue;
		}
		vcache_ref_locked(vp);
		mutex_exit(&vcache_lock);
		if (vnode_wait_active(vp) == 0) {
			/* Someone else had it: a new vnode is not needed. */
			if (nvp != NULL) {
				nvp->v_state = VS_RECLAIMED;
				nvp->v_usecount = 0;
				atomic_inc(&vcache_numvnodes);
				vnode_free(nvp);
			}
			*vpp = vp;
			return 0;
		}
		vrele(vp);
	}
	hash_insert(&vcache_hash[hash & vcache_hashmask], nvp);
	atomic_inc(&vcache_numvnodes);
	if (__predict_false(vcache_numvnodes > 2 * (vcache_hashmask + 1)))
		vcache_grow();
	mutex_exit(&vcache_lock);

	/* Set up by the file system, without the cache lock. */
	error = VFS_LOADVNODE(mp, nvp, key, keylen);
	mutex_enter(&nvp->v_interlock);
	if (error != 0) {
		mutex_enter(&vcache_lock);
		hash_remove(nvp);
		mutex_exit(&vcache_lock);
		nvp->v_op = &dead_vnodeops;
		VSTATE_CHANGE(nvp, VS_LOADING, VS_RECLAIMED);
		mutex_exit(&nvp->v_interlock);
		vrele(nvp);
		return error;
	}
	VSTATE_CHANGE(nvp, VS_LOADING, VS_ACTIVE);
	mutex_exit(&nvp->v_interlock);
	*vpp = nvp;
	return 0;
}

static bool vcache_trim(unsigned target);

void
vref(struct vnode *vp)
{
	KASSERT(atomic_load_relaxed(&vp->v_usecount) > 0);
	atomic_inc(&vp->v_usecount);
}

/*
 * The second half of reclaiming, for a vnode that is RECLAIMING and
 * referenced by the caller: wait for the holders of its lock, drop its
 * name cache entries and record locks, detach it from the file system
 * and take it out of the hash table.
 */
static void
vreclaim(struct vnode *vp)
{
	KASSERT(vp->v_state == VS_RECLAIMING);
	rw_enter(&vp->v_lock, RW_WRITER);
	cache_purge(vp);
	lf_purge(vp);
	rw_exit(&vp->v_lock);
	VOP_RECLAIM(vp);

	mutex_enter(&vcache_lock);
	hash_remove(vp);
	mutex_exit(&vcache_lock);
	mutex_enter(&vp->v_interlock);
	vp->v_op = &dead_vnodeops;
	vp->v_data = NULL;
	VSTATE_CHANGE(vp, VS_RECLAIMING, VS_RECLAIMED);
	mutex_exit(&vp->v_interlock);
}

/*
 * Detach vp from its file system: it must be referenced by the caller.
 * Other references may exist; their holders see a dead vnode.  Waits if
 * another thread is already reclaiming it.
 */
void
vgone(struct vnode *vp)
{
	KASSERT(vp->v_usecount > 0);
	mutex_enter(&vp->v_interlock);
	while (vp->v_state == VS_LOADING || vp->v_state == VS_RECLAIMING)
		cv_wait(&vp->v_cv, &vp->v_interlock);
	if (vp->v_state == VS_RECLAIMED) {
		mutex_exit(&vp->v_interlock);
		return;
	}
	VSTATE_CHANGE(vp, VS_ACTIVE, VS_RECLAIMING);
	mutex_exit(&vp->v_interlock);
	vreclaim(vp);
}

/*
 * Claim an unused vnode for reclaiming, vcache_lock held.  v_interlock
 * comes after vcache_lock in the lock order, so it is only tried.  On
 * success vp is off the LRU list, RECLAIMING, and has one reference, the
 * caller's; nobody else can take one any more (vcache_tryref refuses,
 * vcache_get waits for the end and looks again).
 */
static bool
vcache_claim(struct vnode *vp)
{
	KASSERT(mutex_owned(&vcache_lock));
	if (!mutex_tryenter(&vp->v_interlock))
		return false;
	if (vp->v_usecount != 0 || vp->v_state != VS_ACTIVE) {
		mutex_exit(&vp->v_interlock);
		return false;
	}
	lru_remove(vp);
	vp->v_usecount = 1;
	VSTATE_CHANGE(vp, VS_ACTIVE, VS_RECLAIMING);
	mutex_exit(&vp->v_interlock);
	return true;
}

/*
 * The last reference (as far as the caller can tell) goes: deactivate,
 * then either park the vnode on the LRU list, reclaim it (the file system
 * asked to), or free it (already reclaimed).
 */
static void
vrele_last(struct vnode *vp)
{
	bool recycle = false;

	if (vp->v_state == VS_ACTIVE) {
		rw_enter(&vp->v_lock, RW_WRITER);
		if (atomic_load_relaxed(&vp->v_usecount) == 1 &&
		    vp->v_state == VS_ACTIVE)
			VOP_INACTIVE(vp, &recycle);
		rw_exit(&vp->v_lock);
	}
	if (recycle) {
		vgone(vp);
	}
	mutex_enter(&vp->v_interlock);
	mutex_enter(&vcache_lock);
	if (atomic_dec_nv(&vp->v_usecount) > 0) {
		mutex_exit(&vcache_lock);
		mutex_exit(&vp->v_interlock);
		return;
	}
	if (vp->v_state == VS_RECLAIMED) {
		mutex_exit(&vcache_lock);
		mutex_exit(&vp->v_interlock);
		vnode_free(vp);
		return;
	}
	KASSERT(vp->v_state == VS_ACTIVE);
	lru_insert(vp);
	if (vcache_numvnodes > vcache_maxvnodes && vdrain_running)
		cv_signal(&vdrain_cv);
	mutex_exit(&vcache_lock);
	mutex_exit(&vp->v_interlock);
	if (!vdrain_running)
		vcache_trim(vcache_maxvnodes);
}

void
vrele(struct vnode *vp)
{
	unsigned uc;

	uc = atomic_load_relaxed(&vp->v_usecount);
	for (;;) {
		KASSERT(uc > 0);
		if (uc == 1)
			break;
		if (atomic_cas(&vp->v_usecount, &uc, uc - 1))
			return;
	}
	vrele_last(vp);
}

void
vput(struct vnode *vp)
{
	vn_unlock(vp);
	vrele(vp);
}

/*
 * Reclaim unused vnodes, oldest first, while the cache is over its bound.
 * A vnode whose interlock is busy goes to the end of the list.  Returns
 * false if it could not make progress.
 */
static bool
vcache_trim(unsigned target)
{
	struct vnode *vp;
	unsigned tries = 0;

	while (atomic_load_relaxed(&vcache_numvnodes) > target) {
		mutex_enter(&vcache_lock);
		vp = vcache_lru.v_lrunext;
		if (vp == &vcache_lru || tries > vcache_maxvnodes) {
			mutex_exit(&vcache_lock);
			return false;
		}
		if (!vcache_claim(vp)) {
			lru_remove(vp);
			lru_insert(vp);
			mutex_exit(&vcache_lock);
			tries++;
			continue;
		}
		mutex_exit(&vcache_lock);
		vreclaim(vp);
		vrele(vp);
	}
	return true;
}

static void
vdrain_thread(void *arg)
{
	mutex_enter(&vcache_lock);
	for (;;) {
		while (vcache_numvnodes <= vcache_maxvnodes ||
		    vcache_lru.v_lrunext == &vcache_lru)
			cv_wait(&vdrain_cv, &vcache_lock);
		mutex_exit(&vcache_lock);
		if (!vcache_trim(vcache_lowat))
			kpause(10 * NSEC_PER_MSEC);	/* busy: do not spin */
		mutex_enter(&vcache_lock);
	}
}

/* Start the vdrain thread; without threads vrele trims the cache. */
void
vdrain_start(void)
{
	if (kthread_create(0, vdrain_thread, NULL, NULL, "vdrain") == 0)
		vdrain_running = true;
}

int
vflush(struct mount *mp, struct vnode *skipvp, int flags)
{
	struct vnode *vp;
	uint32_t mask;
	unsigned i;
	int error = 0;

	/* First pass: is anything but skipvp (one reference) in use? */
	mutex_enter(&vcache_lock);
	for (i = 0; i <= vcache_hashmask && error == 0; i++) {
		for (vp = vcache_hash[i]; vp != NULL; vp = vp->v_hashnext) {
			if (vp->v_mount != mp)
				continue;
			if (vp == skipvp ? vp->v_usecount > 1 :
			    vp->v_usecount > 0) {
				error = EBUSY;
				break;
			}
		}
	}
	mutex_exit(&vcache_lock);
	if (error != 0)
		return error;

	/*
	 * Second pass: reclaim every unused one.  The lock is dropped between
	 * buckets; if the table grew meanwhile (vcache_grow), vnodes may have
	 * moved to buckets already passed, so pass again.
	 */
again:
	mutex_enter(&vcache_lock);
	mask = vcache_hashmask;
	mutex_exit(&vcache_lock);
	for (i = 0; i <= mask; i++) {
restart:
		mutex_enter(&vcache_lock);
		for (vp = vcache_hash[i]; vp != NULL; vp = vp->v_hashnext) {
			if (vp->v_mount != mp || vp == skipvp)
				continue;
			if (vp->v_state == VS_RECLAIMING) {
				/* vdrain has it: wait until it is done. */
				vcache_ref_locked(vp);
				mutex_exit(&vcache_lock);
				(void)vnode_wait_active(vp);
				vrele(vp);
				goto restart;
			}
			if (vp->v_state != VS_ACTIVE)
				continue;
			if (vp->v_usecount > 0) {
				mutex_exit(&vcache_lock);
				return EBUSY;
			}
			if (!vcache_claim(vp)) {
				/* Its interlock is busy for a moment. */
				mutex_exit(&vcache_lock);
				preempt();
				goto restart;
			}
			mutex_exit(&vcache_lock);
			vreclaim(vp);
			vrele(vp);
			goto restart;
		}
		mutex_exit(&vcache_lock);
	}
	mutex_enter(&vcache_lock);
	i = mask != vcache_hashmask;
	mutex_exit(&vcache_lock);
	if (i)
		goto again;
	return 0;
}

int
vn_lock(struct vnode *vp, int flags)
{
	krw_t op = (flags & LK_EXCLUSIVE) ? RW_WRITER : RW_READER;

	KASSERT(vp->v_usecount > 0);
	if (flags & LK_NOWAIT) {
		if (!rw_tryenter(&vp->v_lock, op))
			return EBUSY;
	} else {
		rw_enter(&vp->v_lock, op);
	}
	if (__predict_false(vp->v_state == VS_RECLAIMED ||
	    vp->v_state == VS_RECLAIMING)) {
		rw_exit(&vp->v_lock);
		return ENOENT;
	}
	return 0;
}

void
vn_unlock(struct vnode *vp)
{
	rw_exit(&vp->v_lock);
}

bool
vn_locked_excl(struct vnode *vp)
{
	return rw_write_held(&vp->v_lock);
}

bool
vn_locked(struct vnode *vp)
{
	return rw_lock_held(&vp->v_lock);
}

/*
 * Lock two vnodes exclusively by ascending address.  Either may be NULL
 * and they may be the same.  Reclaimed vnodes are locked all the same:
 * the operations the caller runs on them fail.
 */
void
vn_lock2(struct vnode *a, struct vnode *b)
{
	struct vnode *t;

	if (a == b)
		b = NULL;
	if (a == NULL) {
		a = b;
		b = NULL;
	}
	if (a == NULL)
		return;
	if (b != NULL && (uintptr_t)b < (uintptr_t)a) {
		t = a;
		a = b;
		b = t;
	}
	rw_enter(&a->v_lock, RW_WRITER);
	if (b != NULL)
		rw_enter(&b->v_lock, RW_WRITER);
}
