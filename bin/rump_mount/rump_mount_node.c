/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_mount_node.c: the FUSE bridge's node table: FUSE node ids, lookup
 * counts, and how each node reaches its file in the rump kernel (see
 * rump_mount.h for the scheme and the locking).
 *
 * Life of a node: created by rmnode_lookup() with n_nlookup 1; every
 * further lookup (lookup, create, mkdir, readdirplus, ...) adds one; FUSE's
 * forget takes them away.  A node is freed when n_nlookup and n_refs are
 * both 0; freeing drops its names, which release their parents in turn.
 * The root never goes away.  Descriptors of freed directories are closed
 * after rmnode_lock is dropped (closeq), as closing may do I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "rump_mount.h"

#define RMNODE_HASHSIZE (1u << 16)

double rm_timeout = 1.0;

static pthread_mutex_t rmnode_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rmnode *rmnode_hash[RMNODE_HASHSIZE];  /* [T] */
static struct rmnode *rmnode_root;                    /* [I] */
static uint64_t rmnode_gen;                           /* [T] */
static int *closeq;                                   /* [T] */
static size_t closeq_len, closeq_cap;                 /* [T] */

static unsigned
hashof(uint64_t ino)
{
	return (unsigned)((ino * 0x9e3779b97f4a7c15ull) >> 48) &
	    (RMNODE_HASHSIZE - 1);
}

/* Queue fd to be closed once rmnode_lock is dropped.  [T] */
static void
closeq_add(int fd)
{
	int *q;

	if (closeq_len == closeq_cap) {
		closeq_cap = closeq_cap ? closeq_cap * 2 : 16;
		q = realloc(closeq, closeq_cap * sizeof(*q));
		if (q == NULL) {
			/* Out of memory: leak the descriptor, not the lock. */
			closeq_cap = closeq_len;
			return;
		}
		closeq = q;
	}
	closeq[closeq_len++] = fd;
}

/* Close what closeq holds; rmnode_lock not held. */
static void
closeq_drain(void)
{
	int fd;

	for (;;) {
		pthread_mutex_lock(&rmnode_lock);
		if (closeq_len == 0) {
			pthread_mutex_unlock(&rmnode_lock);
			return;
		}
		fd = closeq[--closeq_len];
		pthread_mutex_unlock(&rmnode_lock);
		rump_sys_close(fd);
	}
}

static void
unhash(struct rmnode *n)
{
	struct rmnode **np;

	for (np = &rmnode_hash[hashof(n->n_ino)]; *np != NULL;
	    np = &(*np)->n_hnext) {
		if (*np == n) {
			*np = n->n_hnext;
			break;
		}
	}
	n->n_hnext = NULL;
}

/* Free n if nothing refers to it any more.  [T] */
static void
maybe_free(struct rmnode *n)
{
	struct rmname *nm;
	struct rmnode *p;

	while (n != NULL && n != rmnode_root && n->n_nlookup == 0 &&
	    n->n_refs == 0) {
		unhash(n);
		p = NULL;
		while ((nm = n->n_names) != NULL) {
			n->n_names = nm->nm_next;
			nm->nm_parent->n_refs--;
			if (p != NULL && p != nm->nm_parent)
				maybe_free(p);
			p = nm->nm_parent;
			free(nm);
		}
		if (n->n_dirfd >= 0)
			closeq_add(n->n_dirfd);
		free(n);
		n = p;
	}
}

fuse_ino_t
rmnode_id(struct rmnode *n)
{
	return n == rmnode_root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)n;
}

struct rmnode *
rmnode_get(fuse_ino_t ino)
{
	struct rmnode *n;

	n = ino == FUSE_ROOT_ID ? rmnode_root : (struct rmnode *)(uintptr_t)ino;
	pthread_mutex_lock(&rmnode_lock);
	n->n_refs++;
	pthread_mutex_unlock(&rmnode_lock);
	return n;
}

void
rmnode_rele(struct rmnode *n)
{
	pthread_mutex_lock(&rmnode_lock);
	n->n_refs--;
	maybe_free(n);
	pthread_mutex_unlock(&rmnode_lock);
	closeq_drain();
}

void
rmnode_forget(struct rmnode *n, uint64_t nlookup)
{
	pthread_mutex_lock(&rmnode_lock);
	n->n_nlookup = nlookup > n->n_nlookup ? 0 : n->n_nlookup - nlookup;
	maybe_free(n);
	pthread_mutex_unlock(&rmnode_lock);
	closeq_drain();
}

static struct rmnode *
hash_find(uint64_t ino)
{
	struct rmnode *n;

	for (n = rmnode_hash[hashof(ino)]; n != NULL; n = n->n_hnext)
		if (n->n_ino == ino)
			return n;
	return NULL;
}

/* Give non-directory n the name (parent, name) if it lacks it.  [T] */
static int
name_add(struct rmnode *n, struct rmnode *parent, const char *name)
{
	struct rmname *nm;
	size_t len = strlen(name);

	if (S_ISDIR(n->n_type))
		return 0;
	for (nm = n->n_names; nm != NULL; nm = nm->nm_next)
		if (nm->nm_parent == parent && strcmp(nm->nm_name, name) == 0)
			return 0;
	if ((nm = malloc(sizeof(*nm) + len + 1)) == NULL)
		return ENOMEM;
	memcpy(nm->nm_name, name, len + 1);
	nm->nm_parent = parent;
	parent->n_refs++;
	nm->nm_next = n->n_names;
	n->n_names = nm;
	return 0;
}

/* Take the name (parent, name) away from n; the parent may go.  [T] */
static void
name_del(struct rmnode *n, struct rmnode *parent, const char *name)
{
	struct rmname **nmp, *nm;

	for (nmp = &n->n_names; (nm = *nmp) != NULL; nmp = &nm->nm_next) {
		if (nm->nm_parent == parent && strcmp(nm->nm_name, name) == 0) {
			*nmp = nm->nm_next;
			parent->n_refs--;
			free(nm);
			maybe_free(parent);
			return;
		}
	}
}

int
rmnode_lookup(struct rmnode *parent, const char *name,
    struct fuse_entry_param *e)
{
	struct rmnode *n;
	struct stat st;
	int fd = -1, error;

	if (rump_sys_newfstatat(parent->n_dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) != 0)
		return errno;
	if (S_ISDIR(st.st_mode)) {
		fd = rump_sys_openat(parent->n_dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		/* The directory may have been replaced in between. */
		if (rump_sys_fstat(fd, &st) != 0) {
			error = errno;
			rump_sys_close(fd);
			return error;
		}
	}
	pthread_mutex_lock(&rmnode_lock);
	n = hash_find(st.st_ino);
	if (n != NULL && (n->n_type != (st.st_mode & S_IFMT) ||
	    (!S_ISDIR(n->n_type) && n->n_names == NULL))) {
		/*
		 * The inode was freed and its number reused (a directory's
		 * number cannot be: its node holds it open).  The old node
		 * stays for FUSE's forget but is found no more.
		 */
		unhash(n);
		n = NULL;
	}
	if (n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL) {
			pthread_mutex_unlock(&rmnode_lock);
			if (fd >= 0)
				rump_sys_close(fd);
			return ENOMEM;
		}
		n->n_ino = st.st_ino;
		n->n_gen = ++rmnode_gen;
		n->n_type = st.st_mode & S_IFMT;
		n->n_dirfd = fd;
		fd = -1;
		n->n_hnext = rmnode_hash[hashof(n->n_ino)];
		rmnode_hash[hashof(n->n_ino)] = n;
	}
	if ((error = name_add(n, parent, name)) != 0) {
		maybe_free(n);
		pthread_mutex_unlock(&rmnode_lock);
		if (fd >= 0)
			rump_sys_close(fd);
		closeq_drain();
		return error;
	}
	n->n_nlookup++;
	pthread_mutex_unlock(&rmnode_lock);
	if (fd >= 0)
		rump_sys_close(fd);
	memset(e, 0, sizeof(*e));
	e->ino = rmnode_id(n);
	e->generation = n->n_gen;
	e->attr = st;
	e->attr_timeout = rm_timeout;
	e->entry_timeout = rm_timeout;
	return 0;
}

int
rmnode_at(struct rmnode *n, struct rmat *at)
{
	struct rmname *nm;

	memset(at, 0, sizeof(*at));
	pthread_mutex_lock(&rmnode_lock);
	if (n->n_dirfd >= 0) {
		at->at_fd = n->n_dirfd;
		at->at_name = "";
		at->at_empty = 1;
		at->at_hold = n;
	} else {
		if ((nm = n->n_names) == NULL) {
			pthread_mutex_unlock(&rmnode_lock);
			return ENOENT;
		}
		at->at_fd = nm->nm_parent->n_dirfd;
		snprintf(at->at_buf, sizeof(at->at_buf), "%s", nm->nm_name);
		at->at_name = at->at_buf;
		at->at_hold = nm->nm_parent;
	}
	at->at_hold->n_refs++;
	pthread_mutex_unlock(&rmnode_lock);
	return 0;
}

void
rmat_done(struct rmat *at)
{
	if (at->at_hold != NULL)
		rmnode_rele(at->at_hold);
	at->at_hold = NULL;
}

void
rmnode_unlinked(struct rmnode *parent, const char *name, uint64_t ino)
{
	struct rmnode *n;

	pthread_mutex_lock(&rmnode_lock);
	if ((n = hash_find(ino)) != NULL) {
		n->n_refs++;
		name_del(n, parent, name);
		n->n_refs--;
		maybe_free(n);
	}
	pthread_mutex_unlock(&rmnode_lock);
	closeq_drain();
}

void
rmnode_renamed(struct rmnode *oldp, const char *oldname,
    struct rmnode *newp, const char *newname, uint64_t ino, uint64_t tino,
    int exchange)
{
	struct rmnode *n, *t;

	pthread_mutex_lock(&rmnode_lock);
	n = hash_find(ino);
	t = tino != 0 && tino != ino ? hash_find(tino) : NULL;
	if (n != NULL)
		n->n_refs++;
	if (t != NULL)
		t->n_refs++;
	if (t != NULL) {
		name_del(t, newp, newname);
		if (exchange)
			(void)name_add(t, oldp, oldname);
	}
	if (n != NULL) {
		name_del(n, oldp, oldname);
		(void)name_add(n, newp, newname);
	}
	if (t != NULL) {
		t->n_refs--;
		maybe_free(t);
	}
	if (n != NULL) {
		n->n_refs--;
		maybe_free(n);
	}
	pthread_mutex_unlock(&rmnode_lock);
	closeq_drain();
}

int
rmnode_init(const char *root)
{
	struct stat st;
	struct rmnode *n;
	int fd;

	fd = rump_sys_open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (rump_sys_fstat(fd, &st) != 0 || (n = calloc(1, sizeof(*n))) == NULL) {
		rump_sys_close(fd);
		return ENOMEM;
	}
	n->n_ino = st.st_ino;
	n->n_gen = ++rmnode_gen;
	n->n_type = S_IFDIR;
	n->n_dirfd = fd;
	n->n_nlookup = 1;
	n->n_hnext = rmnode_hash[hashof(n->n_ino)];
	rmnode_hash[hashof(n->n_ino)] = n;
	rmnode_root = n;
	return 0;
}

/*
 * Drop every node (FUSE is gone, its lookups with it) and close every
 * directory descriptor, so that the file system can be unmounted.
 */
void
rmnode_fini(void)
{
	struct rmnode *n, *next;
	struct rmname *nm;
	unsigned i;

	pthread_mutex_lock(&rmnode_lock);
	for (i = 0; i < RMNODE_HASHSIZE; i++) {
		for (n = rmnode_hash[i]; n != NULL; n = next) {
			next = n->n_hnext;
			while ((nm = n->n_names) != NULL) {
				n->n_names = nm->nm_next;
				free(nm);
			}
			if (n->n_dirfd >= 0)
				closeq_add(n->n_dirfd);
			free(n);
		}
		rmnode_hash[i] = NULL;
	}
	rmnode_root = NULL;
	pthread_mutex_unlock(&rmnode_lock);
	closeq_drain();
	free(closeq);
	closeq = NULL;
	closeq_cap = closeq_len = 0;
}
