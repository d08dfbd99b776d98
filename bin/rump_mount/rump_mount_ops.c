/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_mount_ops.c: the FUSE low-level operations of the bridge, each a
 * few system calls into the in-process rump kernel.
 *
 * Called through fuse_session_process_buf() by the request loop
 * (rump_mount_loop.c): its reading thread, or a pool thread for requests
 * that wait for the disk.  Each thread enters the kernel with an implicit
 * lwp of process 1, so all of them share one descriptor table.  A file handle (fi->fh) is a kernel
 * descriptor; a directory handle is a struct rmdir.  The kernel runs as
 * root: permissions are checked by the host kernel (default_permissions).
 *
 * Caching: entries and attributes are cached for rm_timeout seconds and
 * file data is kept across opens (keep_cache).  Nothing but this bridge
 * changes the image while it is mounted, and every change goes through an
 * operation whose reply gives the new attributes, so the host's caches
 * stay right.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rumpdefs.h>
#include <rump/rump_syscalls.h>

#include "rump_mount.h"

#define RMDIR_BUFSIZE 32768
#define RM_COPYCHUNK (1024 * 1024)
#define RM_RBUFMIN (1024 * 1024)      /* FUSE's largest request */

struct rmdir {
	int d_fd;
	off_t d_pos;                       /* offset of the next entry */
	size_t d_len, d_cur;               /* bytes in d_buf, next one */
	char d_buf[RMDIR_BUFSIZE];
};

/* Open handles, so that shutdown can close what FUSE never released. */
static pthread_mutex_t rmfh_lock = PTHREAD_MUTEX_INITIALIZER;
static void **rmfh_tab;                    /* fd -> handle or (void *)1 */
static size_t rmfh_cap;

int
rmfh_add(int fd, void *dir)
{
	void **t;
	size_t cap;

	pthread_mutex_lock(&rmfh_lock);
	if ((size_t)fd >= rmfh_cap) {
		cap = rmfh_cap ? rmfh_cap : 64;
		while (cap <= (size_t)fd)
			cap *= 2;
		if ((t = realloc(rmfh_tab, cap * sizeof(*t))) == NULL) {
			pthread_mutex_unlock(&rmfh_lock);
			return ENOMEM;
		}
		memset(t + rmfh_cap, 0, (cap - rmfh_cap) * sizeof(*t));
		rmfh_tab = t;
		rmfh_cap = cap;
	}
	rmfh_tab[fd] = dir != NULL ? dir : (void *)1;
	pthread_mutex_unlock(&rmfh_lock);
	return 0;
}

void
rmfh_del(int fd)
{
	pthread_mutex_lock(&rmfh_lock);
	if ((size_t)fd < rmfh_cap)
		rmfh_tab[fd] = NULL;
	pthread_mutex_unlock(&rmfh_lock);
}

void
rmfh_closeall(void)
{
	size_t i;

	pthread_mutex_lock(&rmfh_lock);
	for (i = 0; i < rmfh_cap; i++) {
		if (rmfh_tab[i] == NULL)
			continue;
		rump_sys_close((int)i);
		if (rmfh_tab[i] != (void *)1)
			free(rmfh_tab[i]);
		rmfh_tab[i] = NULL;
	}
	free(rmfh_tab);
	rmfh_tab = NULL;
	rmfh_cap = 0;
	pthread_mutex_unlock(&rmfh_lock);
}

static void
reply_entry(fuse_req_t req, struct rmnode *parent, const char *name)
{
	struct fuse_entry_param e;
	int error;

	if ((error = rmnode_lookup(parent, name, &e)) != 0)
		fuse_reply_err(req, error);
	else if (fuse_reply_entry(req, &e) != 0) {
		/* The request was interrupted: FUSE holds no lookup. */
		struct rmnode *n = rmnode_get(e.ino);

		rmnode_forget(n, 1);
		rmnode_rele(n);
	}
}

static void
rm_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rmnode *p = rmnode_get(parent);
	struct fuse_entry_param e;
	int error;

	error = rmnode_lookup(p, name, &e);
	rmnode_rele(p);
	if (error == ENOENT) {
		/* A negative entry, cached like a positive one. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = rm_timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_entry(req, &e);
}

static void
rm_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct rmnode *n = rmnode_get(ino);

	rmnode_forget(n, nlookup);
	rmnode_rele(n);
	fuse_reply_none(req);
}

static void
rm_forget_multi(fuse_req_t req, size_t count,
    struct fuse_forget_data *forgets)
{
	struct rmnode *n;
	size_t i;

	for (i = 0; i < count; i++) {
		n = rmnode_get(forgets[i].ino);
		rmnode_forget(n, forgets[i].nlookup);
		rmnode_rele(n);
	}
	fuse_reply_none(req);
}

/* Attributes of ino, through fi's descriptor if there is one. */
static int
node_stat(fuse_ino_t ino, struct fuse_file_info *fi, struct stat *st)
{
	struct rmnode *n;
	struct rmat at;
	int error = 0;

	if (fi != NULL)
		return rump_sys_fstat((int)fi->fh, st) != 0 ? errno : 0;
	n = rmnode_get(ino);
	if ((error = rmnode_at(n, &at)) == 0) {
		if (rump_sys_newfstatat(at.at_fd, at.at_name, st,
		    AT_SYMLINK_NOFOLLOW | (at.at_empty ? AT_EMPTY_PATH : 0)) != 0)
			error = errno;
		rmat_done(&at);
	}
	rmnode_rele(n);
	return error;
}

static void
rm_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int error;

	if ((error = node_stat(ino, fi, &st)) != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_attr(req, &st, rm_timeout);
}

static int
setattr_at(struct rmat *at, struct stat *attr, int valid, bool isreg)
{
	struct timespec ts[2];
	int flags = AT_SYMLINK_NOFOLLOW | (at->at_empty ? AT_EMPTY_PATH : 0);
	int fd;

	if (valid & FUSE_SET_ATTR_MODE) {
		if (at->at_empty ? rump_sys_fchmod(at->at_fd,
		    attr->st_mode & 07777) != 0 : rump_sys_fchmodat(at->at_fd,
		    at->at_name, attr->st_mode & 07777, 0) != 0)
			return errno;
	}
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		if (rump_sys_fchownat(at->at_fd, at->at_name,
		    (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1,
		    (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1,
		    flags) != 0)
			return errno;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		if (!isreg)
			return at->at_empty ? EISDIR : EINVAL;
		fd = rump_sys_openat(at->at_fd, at->at_name,
		    O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0)
			return errno;
		if (rump_sys_ftruncate(fd, attr->st_size) != 0) {
			int error = errno;

			rump_sys_close(fd);
			return error;
		}
		rump_sys_close(fd);
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (rump_sys_utimensat(at->at_fd, at->at_name, ts, flags) != 0)
			return errno;
	}
	return 0;
}

static int
setattr_fd(int fd, struct stat *attr, int valid)
{
	struct timespec ts[2];

	if ((valid & FUSE_SET_ATTR_MODE) &&
	    rump_sys_fchmod(fd, attr->st_mode & 07777) != 0)
		return errno;
	if ((valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    rump_sys_fchown(fd,
	    (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1,
	    (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1) != 0)
		return errno;
	if ((valid & FUSE_SET_ATTR_SIZE) &&
	    rump_sys_ftruncate(fd, attr->st_size) != 0)
		return errno;
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (rump_sys_futimens(fd, ts) != 0)
			return errno;
	}
	return 0;
}

static void
rm_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
    struct fuse_file_info *fi)
{
	struct rmnode *n;
	struct rmat at;
	struct stat st;
	int error;

	if (fi != NULL) {
		error = setattr_fd((int)fi->fh, attr, valid);
	} else {
		n = rmnode_get(ino);
		if ((error = rmnode_at(n, &at)) == 0) {
			error = setattr_at(&at, attr, valid,
			    S_ISREG(n->n_type));
			rmat_done(&at);
		}
		rmnode_rele(n);
	}
	if (error == 0)
		error = node_stat(ino, fi, &st);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_attr(req, &st, rm_timeout);
}

static void
rm_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct rmnode *n = rmnode_get(ino);
	char buf[PATH_MAX + 1];
	struct rmat at;
	ssize_t len = -1;
	int error;

	if ((error = rmnode_at(n, &at)) == 0) {
		len = rump_sys_readlinkat(at.at_fd, at.at_name, buf,
		    sizeof(buf) - 1);
		if (len < 0)
			error = errno;
		rmat_done(&at);
	}
	rmnode_rele(n);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	buf[len] = '\0';
	fuse_reply_readlink(req, buf);
}

static void
rm_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    dev_t rdev)
{
	struct rmnode *p = rmnode_get(parent);

	if (rump_sys_mknodat(p->n_dirfd, name, mode, rdev) != 0)
		fuse_reply_err(req, errno);
	else
		reply_entry(req, p, name);
	rmnode_rele(p);
}

static void
rm_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct rmnode *p = rmnode_get(parent);

	if (rump_sys_mkdirat(p->n_dirfd, name, mode) != 0)
		fuse_reply_err(req, errno);
	else
		reply_entry(req, p, name);
	rmnode_rele(p);
}

static void
rm_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
    const char *name)
{
	struct rmnode *p = rmnode_get(parent);

	if (rump_sys_symlinkat(link, p->n_dirfd, name) != 0)
		fuse_reply_err(req, errno);
	else
		reply_entry(req, p, name);
	rmnode_rele(p);
}

static void
do_remove(fuse_req_t req, fuse_ino_t parent, const char *name, int flags)
{
	struct rmnode *p = rmnode_get(parent);
	struct stat st;
	int error = 0;

	if (rump_sys_newfstatat(p->n_dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) != 0)
		error = errno;
	else if (rump_sys_unlinkat(p->n_dirfd, name, flags) != 0)
		error = errno;
	else if (!(flags & AT_REMOVEDIR))
		rmnode_unlinked(p, name, st.st_ino);
	rmnode_rele(p);
	fuse_reply_err(req, error);
}

static void
rm_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	do_remove(req, parent, name, 0);
}

static void
rm_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	do_remove(req, parent, name, AT_REMOVEDIR);
}

static void
rm_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct rmnode *p = rmnode_get(parent), *np = rmnode_get(newparent);
	struct stat st, tst;
	int error = 0;

	if (rump_sys_newfstatat(p->n_dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) != 0)
		error = errno;
	else {
		if (rump_sys_newfstatat(np->n_dirfd, newname, &tst,
		    AT_SYMLINK_NOFOLLOW) != 0)
			tst.st_ino = 0;
		if (rump_sys_renameat2(p->n_dirfd, name, np->n_dirfd, newname,
		    flags) != 0)
			error = errno;
		else
			rmnode_renamed(p, name, np, newname, st.st_ino,
			    tst.st_ino, (flags & RUMP_RENAME_EXCHANGE) != 0);
	}
	rmnode_rele(np);
	rmnode_rele(p);
	fuse_reply_err(req, error);
}

static void
rm_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
    const char *newname)
{
	struct rmnode *n = rmnode_get(ino), *np = rmnode_get(newparent);
	struct rmat at;
	int error;

	if ((error = rmnode_at(n, &at)) == 0) {
		if (rump_sys_linkat(at.at_fd, at.at_name, np->n_dirfd,
		    newname, at.at_empty ? AT_EMPTY_PATH : 0) != 0)
			error = errno;
		rmat_done(&at);
	}
	if (error != 0)
		fuse_reply_err(req, error);
	else
		reply_entry(req, np, newname);
	rmnode_rele(np);
	rmnode_rele(n);
}

/* Set once by rm_init, before any other operation. */
static bool rm_writeback;
unsigned rm_max_read;                     /* [I] set before the session */

/*
 * With the host's writeback cache, the host reads pages of files opened
 * only for writing (to fill partly written pages) and sends writes of
 * O_APPEND files at the offsets it computed itself: the kernel descriptor
 * must be readable and must not append.
 */
static int
open_flags(int flags)
{
	flags = (flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
	if (rm_writeback) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags;
}

static void
rm_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rmnode *n = rmnode_get(ino);
	struct rmat at;
	int error, fd = -1;

	if ((error = rmnode_at(n, &at)) == 0) {
		fd = rump_sys_openat(at.at_fd, at.at_empty ? "." : at.at_name,
		    open_flags(fi->flags) | (at.at_empty ? 0 : O_NOFOLLOW), 0);
		if (fd < 0)
			error = errno;
		rmat_done(&at);
	}
	rmnode_rele(n);
	if (error == 0 && (error = rmfh_add(fd, NULL)) != 0)
		rump_sys_close(fd);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;
	if (fuse_reply_open(req, fi) != 0) {
		rmfh_del(fd);
		rump_sys_close(fd);
	}
}

static void
rm_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    struct fuse_file_info *fi)
{
	struct rmnode *p = rmnode_get(parent);
	struct fuse_entry_param e;
	int error, fd;

	fd = rump_sys_openat(p->n_dirfd, name,
	    open_flags(fi->flags) | (fi->flags & O_EXCL) | O_CREAT |
	    O_NOFOLLOW, mode);
	if (fd < 0) {
		error = errno;
		rmnode_rele(p);
		fuse_reply_err(req, error);
		return;
	}
	error = rmnode_lookup(p, name, &e);
	rmnode_rele(p);
	if (error == 0 && (error = rmfh_add(fd, NULL)) != 0) {
		struct rmnode *n = rmnode_get(e.ino);

		rmnode_forget(n, 1);
		rmnode_rele(n);
	}
	if (error != 0) {
		rump_sys_close(fd);
		fuse_reply_err(req, error);
		return;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;
	if (fuse_reply_create(req, &e, fi) != 0) {
		struct rmnode *n = rmnode_get(e.ino);

		rmnode_forget(n, 1);
		rmnode_rele(n);
		rmfh_del(fd);
		rump_sys_close(fd);
	}
}

/*
 * Each worker thread reads into its own buffer, kept for the thread's
 * life: a fresh malloc of a request's size (128 KiB of readahead up to
 * 1 MiB) is an mmap, page faults and an munmap on every read.
 */
static pthread_key_t rm_rbuf_key;
static pthread_once_t rm_rbuf_once = PTHREAD_ONCE_INIT;

struct rmrbuf {
	size_t rb_size;
	char rb_data[];
};

static void
rm_rbuf_init(void)
{
	if (pthread_key_create(&rm_rbuf_key, free) != 0)
		abort();
}

static char *
rm_rbuf(size_t size)
{
	struct rmrbuf *rb;

	pthread_once(&rm_rbuf_once, rm_rbuf_init);
	rb = pthread_getspecific(rm_rbuf_key);
	if (rb != NULL && rb->rb_size >= size)
		return rb->rb_data;
	if (size < RM_RBUFMIN)
		size = RM_RBUFMIN;
	free(rb);
	if ((rb = malloc(sizeof(*rb) + size)) != NULL)
		rb->rb_size = size;
	pthread_setspecific(rm_rbuf_key, rb);
	return rb != NULL ? rb->rb_data : NULL;
}

/*
 * Reads spliced from the image.  A read of at least RM_SPLICE_MIN bytes
 * asks the kernel where the bytes lie in the image (RUMP_FIOEXTENT) and
 * splices them from the bridge's own descriptor of the image into a pipe
 * of the thread, then has libfuse splice that pipe into the reply: the
 * host moves page references, and the bytes are copied once, into the
 * reader's pages, instead of twice (the kernel's pread of the image into
 * a buffer here, then the reply's copy out of it).  The kernel answers
 * only for runs whose image copy is current; a hole, a block newer in
 * the kernel's cache, or any failure sends the whole read the ordinary
 * way.  After the capture the file's mapping generation is asked again:
 * if a truncation freed blocks meanwhile (a pool thread; another file
 * may have been given them), the captured bytes are thrown away.
 */
#define RM_SPLICE_MIN (64 * 1024)
#define RM_PIPESZ (1024 * 1024)       /* pipe-max-size's default */
/* libfuse splices a reply only when header, data and three pages of
 * slack fit its own pipe (of at most RM_PIPESZ too); else it copies. */
#define RM_SPLICE_MAX (RM_PIPESZ - 16 * 1024)
/* A pipe holds RM_PIPESZ / 4096 buffers, and each splice of a run fills
 * at least one (a run of small, scattered blocks one per block): stop
 * well before the pipe (ours or libfuse's) is full. */
#define RM_SPLICE_SLOTS (RM_PIPESZ / 4096 - 16)

static int rm_imgfd = -1;                 /* [I] the image, read-only */
static uint64_t rm_imgbase;               /* [I] the fs's byte 0 in it */
static bool rm_splice_ok;                 /* [I] asked for */
static bool rm_wbehind;                   /* [I] write-behind asked for */
static bool rm_splice;                    /* [a] splicing reads works */
static pthread_key_t rm_pipe_key;
static pthread_once_t rm_pipe_once = PTHREAD_ONCE_INIT;

struct rmpipe {
	int p_fd[2];
};

void
rm_image_setup(int imgfd, uint64_t base, bool splice, bool wbehind)
{
	rm_imgfd = imgfd;
	rm_imgbase = base;
	rm_splice_ok = splice;
	rm_wbehind = wbehind;
}

static void
rm_pipe_free(void *arg)
{
	struct rmpipe *p = arg;

	close(p->p_fd[0]);
	close(p->p_fd[1]);
	free(p);
}

static void
rm_pipe_init(void)
{
	if (pthread_key_create(&rm_pipe_key, rm_pipe_free) != 0)
		abort();
}

/* The thread's pipe, empty; NULL (and splicing off) if none can be had. */
static struct rmpipe *
rm_pipe(void)
{
	struct rmpipe *p;

	pthread_once(&rm_pipe_once, rm_pipe_init);
	if ((p = pthread_getspecific(rm_pipe_key)) != NULL)
		return p;
	if ((p = malloc(sizeof(*p))) == NULL)
		return NULL;
	if (pipe2(p->p_fd, O_CLOEXEC) != 0) {
		free(p);
		return NULL;
	}
	if (fcntl(p->p_fd[0], F_SETPIPE_SZ, RM_PIPESZ) < RM_PIPESZ) {
		__atomic_store_n(&rm_splice, false, __ATOMIC_RELAXED);
		rm_pipe_free(p);
		return NULL;
	}
	pthread_setspecific(rm_pipe_key, p);
	return p;
}

/* Throw away the thread's pipe and whatever it holds. */
static void
rm_pipe_drop(struct rmpipe *p)
{
	pthread_setspecific(rm_pipe_key, NULL);
	rm_pipe_free(p);
}

/* Splice size bytes at off of fd into the reply: 0, or -1 (nothing sent). */
static int
read_splice(fuse_req_t req, int fd, size_t size, off_t off)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);
	struct rump_extent rx;
	struct rmpipe *p;
	uint64_t gen = 0;
	size_t total = 0;
	loff_t pos;
	ssize_t n;
	bool eof = false;
	int avail, slots = 0;

	if ((p = rm_pipe()) == NULL)
		return -1;
	while (total < size && !eof) {
		memset(&rx, 0, sizeof(rx));
		rx.rx_offset = off + (off_t)total;
		rx.rx_length = size - total;
		rx.rx_flags = total == 0 ? RUMP_EXTENT_READ : 0;
		if (rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx) != 0) {
			if (errno == ENOTTY)
				__atomic_store_n(&rm_splice, false,
				    __ATOMIC_RELAXED);
			goto out_drop;
		}
		if (total == 0)
			gen = rx.rx_gen;
		else if (rx.rx_gen != gen)
			goto out_drop;
		eof = (rx.rx_flags & RUMP_EXTENT_EOF) != 0;
		if (rx.rx_length == 0) {
			if (eof)
				break;
			goto out_drop;         /* a hole, or newer in the cache */
		}
		pos = (loff_t)(rm_imgbase + rx.rx_devoff);
		slots += (int)(((uint64_t)pos % 4096 + rx.rx_length + 4095) /
		    4096);
		if (slots > RM_SPLICE_SLOTS)
			goto out_drop;
		while (rx.rx_length > 0) {
			/* Never wait on a full pipe: nobody would empty it. */
			n = splice(rm_imgfd, &pos, p->p_fd[1], NULL,
			    rx.rx_length, SPLICE_F_NONBLOCK);
			if (n <= 0)
				goto out_drop;
			rx.rx_length -= (uint64_t)n;
			total += (size_t)n;
		}
	}
	/* Captured: were the blocks still the file's? */
	memset(&rx, 0, sizeof(rx));
	rx.rx_offset = off;
	if (rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx) != 0 || rx.rx_gen != gen)
		goto out_drop;
	bv.buf[0].size = total;
	bv.buf[0].flags = FUSE_BUF_IS_FD;
	bv.buf[0].fd = p->p_fd[0];
	fuse_reply_data(req, &bv, 0);
	/* An interrupted request leaves its bytes behind. */
	if (ioctl(p->p_fd[0], FIONREAD, &avail) != 0 || avail != 0)
		rm_pipe_drop(p);
	return 0;

out_drop:
	rm_pipe_drop(p);
	return -1;
}

static void
rm_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	char *buf;
	ssize_t n;

	if (size >= RM_SPLICE_MIN && size <= RM_SPLICE_MAX &&
	    __atomic_load_n(&rm_splice, __ATOMIC_RELAXED) &&
	    read_splice(req, (int)fi->fh, size, off) == 0)
		return;
	if ((buf = rm_rbuf(size)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = rump_sys_pread64((int)fi->fh, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, (size_t)n);
}

/*
 * Write-behind: after a long write that the kernel put straight into the
 * image (ext2's direct path), start the host writing those pages to the
 * disk (sync_file_range, SYNC_FILE_RANGE_WRITE: no waiting), so that a
 * streaming writer's fsync at the end finds most of them on the disk
 * already instead of all of them dirty (a 1 GiB dd conv=fsync: the
 * fsync went from 0.5-0.6 s to 0.01 s, the writes from 0.74-0.81 s to
 * 0.87-0.93 s).  Durability only gets earlier; what is still in the
 * kernel's cache (dirty blocks: no extent) is left to its own
 * write-back.  After the reply: the writer need not wait for it.
 */
#define RM_WBEHIND_MIN (256 * 1024)

static void
write_behind(int fd, size_t size, off_t off)
{
	struct rump_extent rx;
	size_t done = 0;

	while (done < size) {
		memset(&rx, 0, sizeof(rx));
		rx.rx_offset = off + (off_t)done;
		rx.rx_length = size - done;
		if (rump_sys_ioctl(fd, RUMP_FIOEXTENT, &rx) != 0 ||
		    rx.rx_length == 0)
			return;
		(void)sync_file_range(rm_imgfd,
		    (off_t)(rm_imgbase + rx.rx_devoff), (off_t)rx.rx_length,
		    SYNC_FILE_RANGE_WRITE);
		done += (size_t)rx.rx_length;
	}
}

static void
rm_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	ssize_t n;

	n = rump_sys_pwrite64((int)fi->fh, buf, size, off);
	if (n < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_write(req, (size_t)n);
	if ((size_t)n >= RM_WBEHIND_MIN && rm_imgfd >= 0 && rm_wbehind)
		write_behind((int)fi->fh, (size_t)n, off);
}

static void
rm_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	rmfh_del((int)fi->fh);
	rump_sys_close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void
rm_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	int r;

	r = datasync ? rump_sys_fdatasync((int)fi->fh) :
	    rump_sys_fsync((int)fi->fh);
	fuse_reply_err(req, r != 0 ? errno : 0);
}

static void
rm_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rmnode *n = rmnode_get(ino);
	struct rmdir *d;
	int error = 0;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		error = ENOMEM;
	else if ((d->d_fd = rump_sys_openat(n->n_dirfd, ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0)
		error = errno;
	else if ((error = rmfh_add(d->d_fd, d)) != 0)
		rump_sys_close(d->d_fd);
	rmnode_rele(n);
	if (error != 0) {
		free(d);
		fuse_reply_err(req, error);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	fi->cache_readdir = 0;
	if (fuse_reply_open(req, fi) != 0) {
		rmfh_del(d->d_fd);
		rump_sys_close(d->d_fd);
		free(d);
	}
}

static void
do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi, bool plus)
{
	struct rmdir *d = (struct rmdir *)(uintptr_t)fi->fh;
	struct rmnode *p = rmnode_get(ino);
	struct rump_dirent64 *de;
	struct fuse_entry_param e;
	char *out, *cur;
	size_t rem, len;
	ssize_t n;
	int error = 0;

	if ((out = malloc(size)) == NULL) {
		rmnode_rele(p);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	cur = out;
	rem = size;
	if (off != d->d_pos) {
		if (rump_sys_lseek(d->d_fd, off, SEEK_SET) < 0) {
			error = errno;
			goto out;
		}
		d->d_pos = off;
		d->d_len = d->d_cur = 0;
	}
	for (;;) {
		if (d->d_cur >= d->d_len) {
			n = rump_sys_getdents64(d->d_fd, d->d_buf,
			    sizeof(d->d_buf));
			if (n < 0) {
				error = errno;
				break;
			}
			if (n == 0)
				break;
			d->d_len = (size_t)n;
			d->d_cur = 0;
		}
		de = (struct rump_dirent64 *)(d->d_buf + d->d_cur);
		if (de->d_reclen == 0 || d->d_cur + de->d_reclen > d->d_len) {
			error = EIO;
			break;
		}
		if (plus) {
			bool dots = strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0;

			memset(&e, 0, sizeof(e));
			if (dots || rmnode_lookup(p, de->d_name, &e) != 0) {
				/* Gone meanwhile, or a dot: no node. */
				memset(&e, 0, sizeof(e));
				e.attr.st_ino = de->d_ino;
				e.attr.st_mode = (mode_t)de->d_type << 12;
			}
			len = fuse_add_direntry_plus(req, cur, rem, de->d_name,
			    &e, de->d_off);
			if (len > rem) {
				if (e.ino != 0) {
					struct rmnode *c = rmnode_get(e.ino);

					rmnode_forget(c, 1);
					rmnode_rele(c);
				}
				break;
			}
		} else {
			struct stat st;

			memset(&st, 0, sizeof(st));
			st.st_ino = de->d_ino;
			st.st_mode = (mode_t)de->d_type << 12;
			len = fuse_add_direntry(req, cur, rem, de->d_name, &st,
			    de->d_off);
			if (len > rem)
				break;
		}
		cur += len;
		rem -= len;
		d->d_cur += de->d_reclen;
		d->d_pos = de->d_off;
	}
out:
	rmnode_rele(p);
	/* Entries already given are returned; the error comes next time. */
	if (error != 0 && cur == out)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, out, (size_t)(cur - out));
	free(out);
}

static void
rm_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void
rm_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void
rm_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rmdir *d = (struct rmdir *)(uintptr_t)fi->fh;

	rmfh_del(d->d_fd);
	rump_sys_close(d->d_fd);
	free(d);
	fuse_reply_err(req, 0);
}

static void
rm_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct rmdir *d = (struct rmdir *)(uintptr_t)fi->fh;

	fuse_reply_err(req, rump_sys_fsync(d->d_fd) != 0 ? errno : 0);
}

static void
rm_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct rmnode *n = rmnode_get(FUSE_ROOT_ID);
	struct statfs sf;
	struct statvfs sv;
	int r;

	r = rump_sys_fstatfs(n->n_dirfd, &sf);
	rmnode_rele(n);
	if (r != 0) {
		fuse_reply_err(req, errno);
		return;
	}
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = (unsigned long)sf.f_bsize;
	sv.f_frsize = sf.f_frsize ? (unsigned long)sf.f_frsize :
	    (unsigned long)sf.f_bsize;
	sv.f_blocks = sf.f_blocks;
	sv.f_bfree = sf.f_bfree;
	sv.f_bavail = sf.f_bavail;
	sv.f_files = sf.f_files;
	sv.f_ffree = sf.f_ffree;
	sv.f_favail = sf.f_ffree;
	sv.f_namemax = (unsigned long)sf.f_namelen;
	fuse_reply_statfs(req, &sv);
}

static void
rm_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct rmnode *n = rmnode_get(ino);
	struct rmat at;
	int error;

	if ((error = rmnode_at(n, &at)) == 0) {
		if (rump_sys_faccessat(at.at_fd, at.at_empty ? "." :
		    at.at_name, mask, 0) != 0)
			error = errno;
		rmat_done(&at);
	}
	rmnode_rele(n);
	fuse_reply_err(req, error);
}

static void
rm_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
    off_t length, struct fuse_file_info *fi)
{
	fuse_reply_err(req, rump_sys_fallocate((int)fi->fh, mode, offset,
	    length) != 0 ? errno : 0);
}

/*
 * The kernel has no copy_file_range: copy through a buffer here, which
 * still saves the host a round trip through FUSE per chunk.
 */
static void
rm_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
    struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
    struct fuse_file_info *fi_out, size_t len, int flags)
{
	size_t done = 0, chunk;
	ssize_t r, w;
	char *buf;
	int error = 0;

	if (flags != 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	chunk = len < RM_COPYCHUNK ? len : RM_COPYCHUNK;
	if ((buf = malloc(chunk ? chunk : 1)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	while (done < len) {
		r = rump_sys_pread64((int)fi_in->fh, buf,
		    len - done < chunk ? len - done : chunk,
		    off_in + (off_t)done);
		if (r <= 0) {
			if (r < 0)
				error = errno;
			break;
		}
		w = rump_sys_pwrite64((int)fi_out->fh, buf, (size_t)r,
		    off_out + (off_t)done);
		if (w < 0) {
			error = errno;
			break;
		}
		done += (size_t)w;
		if (w < r)
			break;
	}
	free(buf);
	if (done == 0 && error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_write(req, done);
}

static void
rm_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
    struct fuse_file_info *fi)
{
	off_t r;

	r = rump_sys_lseek((int)fi->fh, off, whence);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}

static void
rm_init(void *userdata, struct fuse_conn_info *conn)
{
	int *wb = userdata;

	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if ((conn->capable & FUSE_CAP_CACHE_SYMLINKS))
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	if (wb != NULL && *wb && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) {
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
		rm_writeback = true;
	}
	if (rm_max_read != 0)
		conn->max_read = rm_max_read;
	if (rm_imgfd >= 0 && rm_splice_ok &&
	    (conn->capable & FUSE_CAP_SPLICE_WRITE)) {
		conn->want |= FUSE_CAP_SPLICE_WRITE;
		rm_splice = true;
	}
	/* Our data is stable: no need to drop it on every mtime change. */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
}

const struct fuse_lowlevel_ops rm_ops = {
	.init = rm_init,
	.lookup = rm_lookup,
	.forget = rm_forget,
	.forget_multi = rm_forget_multi,
	.getattr = rm_getattr,
	.setattr = rm_setattr,
	.readlink = rm_readlink,
	.mknod = rm_mknod,
	.mkdir = rm_mkdir,
	.unlink = rm_unlink,
	.rmdir = rm_rmdir,
	.symlink = rm_symlink,
	.rename = rm_rename,
	.link = rm_link,
	.open = rm_open,
	.read = rm_read,
	.write = rm_write,
	/*
	 * No flush: writes reach the kernel synchronously (with
	 * writeback_cache the host writes its dirty pages back before it
	 * would send FLUSH), so a close() has nothing left to report.
	 * Without the operation libfuse answers ENOSYS once and the host
	 * stops sending FLUSH, a round trip saved per close().
	 */
	.release = rm_release,
	.fsync = rm_fsync,
	.opendir = rm_opendir,
	.readdir = rm_readdir,
	.readdirplus = rm_readdirplus,
	.releasedir = rm_releasedir,
	.fsyncdir = rm_fsyncdir,
	.statfs = rm_statfs,
	.access = rm_access,
	.create = rm_create,
	.fallocate = rm_fallocate,
	.copy_file_range = rm_copy_file_range,
	.lseek = rm_lseek,
};
