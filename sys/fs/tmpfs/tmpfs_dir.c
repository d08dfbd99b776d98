/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_dir.c: tmpfs directories.
 *
 * A directory keeps its entries three ways at once:
 *
 *  - a hash table of names, for lookup in constant time however large the
 *    directory grows;
 *  - a list in ascending cookie order, for readdir.  Every entry gets the
 *    next cookie of its directory when it is attached (63-bit, never
 *    reused), so a new entry always goes to the end of the list and
 *    entries keep their relative order;
 *  - a hash table of cookies, so readdir resumes at the entry whose cookie
 *    the caller got as d_off, without walking the list.
 *
 * "." and ".." are not stored: readdir reports them at cookies 0 and 1.
 * Both tables have the same number of buckets, a power of two, doubled
 * when the entries outnumber the buckets and halved when they fall below
 * an eighth.  If memory for a larger table cannot be had, the old one is
 * kept: chains grow longer, nothing fails.
 *
 * All of it is protected by the directory's vnode lock: exclusive for
 * attach and detach, shared for lookup and readdir.  Called from
 * tmpfs_vnops.c and tmpfs_rename.c.
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "fs/tmpfs/tmpfs_impl.h"

#define TMPFS_DIR_MINHASH 8
/* Cookies probed one by one before falling back to a walk of the list. */
#define TMPFS_DIR_PROBE   32

static inline size_t
tmpfs_dirent_size(size_t namelen)
{
	return sizeof(struct tmpfs_dirent) + namelen;
}

static inline size_t
tmpfs_cookie_bucket(const struct tmpfs_dir *dir, uint64_t cookie)
{
	return (size_t)((cookie ^ (cookie >> 17)) & (dir->tdr_hsize - 1));
}

/*
 * Set up the empty directory dnode whose ".." is parent (NULL for the
 * caller to set later).  Returns 0 or ENOMEM.
 */
int
tmpfs_dir_init(struct tmpfs_node *dnode, struct tmpfs_node *parent)
{
	struct tmpfs_dir *dir = &dnode->tn_dir;
	size_t tabsize = TMPFS_DIR_MINHASH * sizeof(struct tmpfs_dirent *);

	dir->tdr_ntab = kmem_zalloc(tabsize, KM_NOSLEEP);
	dir->tdr_ctab = kmem_zalloc(tabsize, KM_NOSLEEP);
	if (dir->tdr_ntab == NULL || dir->tdr_ctab == NULL) {
		if (dir->tdr_ntab != NULL)
			kmem_free(dir->tdr_ntab, tabsize);
		if (dir->tdr_ctab != NULL)
			kmem_free(dir->tdr_ctab, tabsize);
		return ENOMEM;
	}
	dir->tdr_hsize = TMPFS_DIR_MINHASH;
	dir->tdr_count = 0;
	dir->tdr_first = dir->tdr_last = NULL;
	dir->tdr_nextcookie = TMPFS_COOKIE_FIRST;
	dir->tdr_parent = parent;
	return 0;
}

/*
 * Free the directory's tables and any entries left in it (only at
 * unmount, when whole trees go at once; the nodes they name are freed by
 * the caller's walk of the mount's node list).
 */
void
tmpfs_dir_fini(struct tmpfs_node *dnode)
{
	struct tmpfs_dir *dir = &dnode->tn_dir;
	struct tmpfs_dirent *de, *next;

	for (de = dir->tdr_first; de != NULL; de = next) {
		next = de->td_next;
		tmpfs_dirent_free(de);
	}
	kmem_free(dir->tdr_ntab, dir->tdr_hsize * sizeof(*dir->tdr_ntab));
	kmem_free(dir->tdr_ctab, dir->tdr_hsize * sizeof(*dir->tdr_ctab));
	dir->tdr_ntab = dir->tdr_ctab = NULL;
	dir->tdr_first = dir->tdr_last = NULL;
	dir->tdr_count = 0;
}

/*
 * Allocate an entry for name, not yet attached anywhere.  Returns 0 and
 * the entry in *dep, or ENOSPC when memory is exhausted.
 */
int
tmpfs_dirent_alloc(const char *name, size_t namelen, struct tmpfs_dirent **dep)
{
	struct tmpfs_dirent *de;

	KASSERT(namelen > 0 && namelen <= NAME_MAX);
	de = kmem_alloc(tmpfs_dirent_size(namelen), KM_NOSLEEP);
	if (de == NULL)
		return ENOSPC;
	memset(de, 0, sizeof(*de));
	memcpy(de->td_name, name, namelen);
	de->td_namelen = (uint16_t)namelen;
	de->td_hash = hash32_buf(name, namelen, HASH32_INIT);
	*dep = de;
	return 0;
}

void
tmpfs_dirent_free(struct tmpfs_dirent *de)
{
	kmem_free(de, tmpfs_dirent_size(de->td_namelen));
}

/*
 * Rebuild both tables with nsize buckets.  Keeps the old tables if the
 * new ones cannot be allocated.
 */
static void
tmpfs_dir_rehash(struct tmpfs_dir *dir, size_t nsize)
{
	struct tmpfs_dirent **ntab, **ctab, *de;
	size_t osize = dir->tdr_hsize, b;

	ntab = kmem_zalloc(nsize * sizeof(*ntab), KM_NOSLEEP);
	if (ntab == NULL)
		return;
	ctab = kmem_zalloc(nsize * sizeof(*ctab), KM_NOSLEEP);
	if (ctab == NULL) {
		kmem_free(ntab, nsize * sizeof(*ntab));
		return;
	}
	kmem_free(dir->tdr_ntab, osize * sizeof(*ntab));
	kmem_free(dir->tdr_ctab, osize * sizeof(*ctab));
	dir->tdr_ntab = ntab;
	dir->tdr_ctab = ctab;
	dir->tdr_hsize = nsize;
	for (de = dir->tdr_first; de != NULL; de = de->td_next) {
		b = de->td_hash & (nsize - 1);
		de->td_hnext = ntab[b];
		ntab[b] = de;
		b = tmpfs_cookie_bucket(dir, de->td_cookie);
		de->td_cnext = ctab[b];
		ctab[b] = de;
	}
}

/*
 * Find the entry called name in dnode.  The directory's vnode is locked
 * (shared is enough).  Returns the entry or NULL.
 */
struct tmpfs_dirent *
tmpfs_dir_lookup(struct tmpfs_node *dnode, const char *name, size_t namelen)
{
	struct tmpfs_dir *dir = &dnode->tn_dir;
	struct tmpfs_dirent *de;
	uint32_t hash;

	KASSERT(dnode->tn_type == VDIR);
	hash = hash32_buf(name, namelen, HASH32_INIT);
	for (de = dir->tdr_ntab[hash & (dir->tdr_hsize - 1)]; de != NULL;
	    de = de->td_hnext) {
		if (de->td_hash == hash && de->td_namelen == namelen &&
		    memcmp(de->td_name, name, namelen) == 0)
			return de;
	}
	return NULL;
}

/*
 * Attach the entry de, naming node, to dnode with the directory's next
 * cookie.  The directory's vnode is locked exclusively.  Link counts are
 * the caller's business.
 */
void
tmpfs_dir_attach(struct tmpfs_node *dnode, struct tmpfs_dirent *de,
    struct tmpfs_node *node)
{
	struct tmpfs_dir *dir = &dnode->tn_dir;
	size_t b;

	KASSERT(dnode->tn_type == VDIR);
	KASSERT(dir->tdr_nextcookie < TMPFS_COOKIE_MAX);
	if (dir->tdr_count >= dir->tdr_hsize)
		tmpfs_dir_rehash(dir, dir->tdr_hsize * 2);

	de->td_node = node;
	de->td_cookie = dir->tdr_nextcookie++;
	b = de->td_hash & (dir->tdr_hsize - 1);
	de->td_hnext = dir->tdr_ntab[b];
	dir->tdr_ntab[b] = de;
	b = tmpfs_cookie_bucket(dir, de->td_cookie);
	de->td_cnext = dir->tdr_ctab[b];
	dir->tdr_ctab[b] = de;

	de->td_next = NULL;
	de->td_prev = dir->tdr_last;
	if (dir->tdr_last != NULL)
		dir->tdr_last->td_next = de;
	else
		dir->tdr_first = de;
	dir->tdr_last = de;
	dir->tdr_count++;
}

/* Unlink *headp's chain member de, following the chain through next. */
#define TMPFS_CHAIN_REMOVE(headp, de, next) do {			\
	struct tmpfs_dirent **pp_ = (headp);				\
	while (*pp_ != (de)) {						\
		KASSERT(*pp_ != NULL);					\
		pp_ = &(*pp_)->next;					\
	}								\
	*pp_ = (de)->next;						\
} while (0)

/*
 * Detach the entry de from dnode; the caller frees or re-attaches it.
 * The directory's vnode is locked exclusively.
 */
void
tmpfs_dir_detach(struct tmpfs_node *dnode, struct tmpfs_dirent *de)
{
	struct tmpfs_dir *dir = &dnode->tn_dir;

	KASSERT(dir->tdr_count > 0);
	TMPFS_CHAIN_REMOVE(&dir->tdr_ntab[de->td_hash & (dir->tdr_hsize - 1)],
	    de, td_hnext);
	TMPFS_CHAIN_REMOVE(&dir->tdr_ctab[tmpfs_cookie_bucket(dir,
	    de->td_cookie)], de, td_cnext);
	if (de->td_prev != NULL)
		de->td_prev->td_next = de->td_next;
	else
		dir->tdr_first = de->td_next;
	if (de->td_next != NULL)
		de->td_next->td_prev = de->td_prev;
	else
		dir->tdr_last = de->td_prev;
	de->td_next = de->td_prev = NULL;
	de->td_node = NULL;
	dir->tdr_count--;

	if (dir->tdr_hsize > TMPFS_DIR_MINHASH &&
	    dir->tdr_count < dir->tdr_hsize / 8)
		tmpfs_dir_rehash(dir, dir->tdr_hsize / 2);
}

/* The entry with exactly this cookie, or NULL. */
static struct tmpfs_dirent *
tmpfs_dir_bycookie(struct tmpfs_dir *dir, uint64_t cookie)
{
	struct tmpfs_dirent *de;

	for (de = dir->tdr_ctab[tmpfs_cookie_bucket(dir, cookie)]; de != NULL;
	    de = de->td_cnext) {
		if (de->td_cookie == cookie)
			return de;
	}
	return NULL;
}

/*
 * The first entry whose cookie is at least cookie, or NULL.  The entry
 * with that very cookie is usually still there (readdir hands out the
 * next entry's cookie); if it was removed since, the following cookies
 * are probed, and only then is the list walked.
 */
static struct tmpfs_dirent *
tmpfs_dir_seek(struct tmpfs_dir *dir, uint64_t cookie)
{
	struct tmpfs_dirent *de;
	uint64_t c;

	if (cookie >= dir->tdr_nextcookie)
		return NULL;
	for (c = cookie; c < cookie + TMPFS_DIR_PROBE &&
	    c < dir->tdr_nextcookie; c++) {
		de = tmpfs_dir_bycookie(dir, c);
		if (de != NULL)
			return de;
	}
	for (de = dir->tdr_last; de != NULL && de->td_prev != NULL &&
	    de->td_prev->td_cookie >= cookie; de = de->td_prev)
		continue;
	if (de != NULL && de->td_cookie < cookie)
		return NULL;
	return de;
}

/*
 * Read entries of dnode into uio as struct rump_dirent64 records,
 * starting at the cookie uio_offset; each record's d_off is the cookie of
 * the entry after it, and uio_offset is left at the cookie to continue
 * from.  *eofflag is set when the end was reached.  The directory's vnode
 * is locked (shared is enough).  Returns 0, EINVAL when the buffer cannot
 * hold a single record, or EFAULT.
 */
int
tmpfs_dir_readdir(struct tmpfs_node *dnode, struct uio *uio, int *eofflag)
{
	struct tmpfs_dir *dir = &dnode->tn_dir;
	struct tmpfs_dirent *de;
	struct tmpfs_node *parent;
	uint64_t cookie, next;
	int error = 0, nemit = 0;

	if (uio->uio_offset < 0)
		return EINVAL;
	cookie = (uint64_t)uio->uio_offset;
	*eofflag = 0;

	if (cookie == TMPFS_COOKIE_DOT) {
		error = vfs_dirent_emit(uio, dnode->tn_id, TMPFS_COOKIE_DOTDOT,
		    DT_DIR, ".", 1);
		if (error != 0)
			goto out;
		nemit++;
		cookie = TMPFS_COOKIE_DOTDOT;
	}
	if (cookie == TMPFS_COOKIE_DOTDOT) {
		parent = dir->tdr_parent != NULL ? dir->tdr_parent : dnode;
		next = dir->tdr_first != NULL ? dir->tdr_first->td_cookie :
		    dir->tdr_nextcookie;
		error = vfs_dirent_emit(uio, parent->tn_id, next, DT_DIR,
		    "..", 2);
		if (error != 0)
			goto out;
		nemit++;
		cookie = next;
	}

	for (de = tmpfs_dir_seek(dir, cookie); de != NULL; de = de->td_next) {
		next = de->td_next != NULL ? de->td_next->td_cookie :
		    dir->tdr_nextcookie;
		error = vfs_dirent_emit(uio, de->td_node->tn_id, next,
		    vtype_to_dt(de->td_node->tn_type), de->td_name,
		    de->td_namelen);
		if (error != 0)
			goto out;
		nemit++;
		cookie = next;
	}
	*eofflag = 1;
	cookie = dir->tdr_nextcookie;
out:
	if (error == -1)
		error = nemit == 0 ? EINVAL : 0;
	if (error == 0)
		uio->uio_offset = (off_t)cookie;
	return error;
}

/* The size a directory reports: a nominal 32 bytes per entry. */
off_t
tmpfs_dir_size(struct tmpfs_node *dnode)
{
	return (off_t)(dnode->tn_dir.tdr_count + 2) * 32;
}
