/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_cache.c: the name cache.
 *
 * Maps (directory vnode, name) to the vnode found there, or to "no such
 * name" (a negative entry, nc_vp NULL), so namei() can skip VOP_LOOKUP.
 * Entries hold no references: a vnode that is reclaimed calls
 * cache_purge(), which drops every entry naming it or naming a file in it.
 * "." and ".." are never entered.
 *
 * Consistency rule: entries of a directory change only while its vnode
 * lock is held (shared for cache_enter after a lookup, exclusive for the
 * name space changes that call cache_remove), so a lookup cannot enter a
 * stale answer after the change that invalidated it.
 *
 * The table is bounded (NC_MAX entries); when full, the oldest entry goes.
 *
 * Locking: [n] nc_lock.  Lock order: vnode locks > nc_lock > vcache lock.
 * Called by namei (vfs_lookup.c), the syscalls and vgone().
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "vfs/vnode.h"
#include "vfs/vfs_impl.h"

#define NC_HASHSIZE 2048
#define NC_MAX      8192
#define NC_NAMELEN  48    /* longer names are not cached */

struct namecache {
	struct namecache *nc_hnext;        /* [n] hash chain */
	struct namecache *nc_lnext, *nc_lprev; /* [n] age list */
	struct vnode *nc_dvp;              /* [n] directory */
	struct vnode *nc_vp;               /* [n] file, NULL: negative */
	uint32_t nc_hash;                  /* [n] */
	uint8_t nc_nlen;                   /* [n] */
	char nc_name[NC_NAMELEN];          /* [n] */
};

static kmutex_t nc_lock;
static struct namecache *nc_hash[NC_HASHSIZE]; /* [n] */
static struct namecache nc_age;        /* [n] list sentinel, oldest first */
static unsigned nc_count;              /* [n] */
static pool_t nc_pool;                 /* [I] entries */

void
cache_init(void)
{
	mutex_init(&nc_lock, MUTEX_DEFAULT, "namecache");
	nc_pool = pool_create(sizeof(struct namecache), 0, "namecache");
	nc_age.nc_lnext = nc_age.nc_lprev = &nc_age;
}

static uint32_t
nc_hashof(struct vnode *dvp, const char *name, size_t len)
{
	return hash32_buf(name, len, hash32_buf(&dvp, sizeof(dvp),
	    HASH32_INIT));
}

static struct namecache *
nc_find(struct vnode *dvp, const char *name, size_t len, uint32_t hash)
{
	struct namecache *nc;

	KASSERT(mutex_owned(&nc_lock));
	for (nc = nc_hash[hash % NC_HASHSIZE]; nc != NULL; nc = nc->nc_hnext) {
		if (nc->nc_dvp == dvp && nc->nc_hash == hash &&
		    nc->nc_nlen == len && memcmp(nc->nc_name, name, len) == 0)
			return nc;
	}
	return NULL;
}

static void
nc_free(struct namecache *nc)
{
	struct namecache **ncp;

	KASSERT(mutex_owned(&nc_lock));
	for (ncp = &nc_hash[nc->nc_hash % NC_HASHSIZE]; *ncp != nc;
	    ncp = &(*ncp)->nc_hnext)
		KASSERT(*ncp != NULL);
	*ncp = nc->nc_hnext;
	nc->nc_lprev->nc_lnext = nc->nc_lnext;
	nc->nc_lnext->nc_lprev = nc->nc_lprev;
	nc_count--;
	pool_put(nc_pool, nc);
}

int
cache_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	struct namecache *nc;
	struct vnode *vp;
	int error;

	if (len > NC_NAMELEN)
		return CACHE_MISS;
	mutex_enter(&nc_lock);
	nc = nc_find(dvp, name, len, nc_hashof(dvp, name, len));
	if (nc == NULL) {
		mutex_exit(&nc_lock);
		return CACHE_MISS;
	}
	vp = nc->nc_vp;
	if (vp == NULL) {
		mutex_exit(&nc_lock);
		return ENOENT;
	}
	error = vcache_tryref(vp);
	mutex_exit(&nc_lock);
	if (error != 0)
		return CACHE_MISS;
	*vpp = vp;
	return 0;
}

void
cache_enter(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct namecache *nc, *onc;
	uint32_t hash;

	if (len > NC_NAMELEN)
		return;
	nc = pool_get(nc_pool, KM_SLEEP);
	hash = nc_hashof(dvp, name, len);
	mutex_enter(&nc_lock);
	onc = nc_find(dvp, name, len, hash);
	if (onc != NULL)
		nc_free(onc);
	if (nc_count >= NC_MAX)
		nc_free(nc_age.nc_lnext);
	nc->nc_dvp = dvp;
	nc->nc_vp = vp;
	nc->nc_hash = hash;
	nc->nc_nlen = (uint8_t)len;
	memcpy(nc->nc_name, name, len);
	nc->nc_hnext = nc_hash[hash % NC_HASHSIZE];
	nc_hash[hash % NC_HASHSIZE] = nc;
	nc->nc_lprev = nc_age.nc_lprev;
	nc->nc_lnext = &nc_age;
	nc_age.nc_lprev->nc_lnext = nc;
	nc_age.nc_lprev = nc;
	nc_count++;
	mutex_exit(&nc_lock);
}

void
cache_remove(struct vnode *dvp, const char *name, size_t len)
{
	struct namecache *nc;

	if (len > NC_NAMELEN)
		return;
	mutex_enter(&nc_lock);
	nc = nc_find(dvp, name, len, nc_hashof(dvp, name, len));
	if (nc != NULL)
		nc_free(nc);
	mutex_exit(&nc_lock);
}

/* Drop every entry for vp and every entry in vp (as a directory). */
void
cache_purge(struct vnode *vp)
{
	struct namecache *nc, *next;

	mutex_enter(&nc_lock);
	for (nc = nc_age.nc_lnext; nc != &nc_age; nc = next) {
		next = nc->nc_lnext;
		if (nc->nc_vp == vp || nc->nc_dvp == vp)
			nc_free(nc);
	}
	mutex_exit(&nc_lock);
}

unsigned
cache_count(void)
{
	return atomic_load_relaxed(&nc_count);
}
