/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_pipe.c: pipes (pipe, pipe2) and fifos, over one bounded buffer.
 *
 * A struct pipe is a ring buffer of PIPE_SIZE bytes with counts of the
 * files open on each side.  Reads take what is there (waiting while the
 * buffer is empty and a writer exists; 0 at end of file when none does).
 * Writes of at most PIPE_BUF bytes are atomic: they wait until the whole
 * write fits; longer writes go in pieces as room appears.  A write with
 * no reader left fails with EPIPE (there are no signals in this kernel).
 * Non-blocking files get EAGAIN instead of waiting.
 *
 * Anonymous pipes are two files of type DTYPE_PIPE whose f_data is the
 * pipe.  A fifo's files are vnode files with fifo_fileops: their f_data
 * is the vnode, and the pipe is found through the list of open fifos
 * (fifo_lock), created at the first open and freed at the last close.
 *
 * Locking: [p] pipe_lock, [F] fifo_lock, [I] immutable.
 * Lock order: fifo_lock > pipe_lock > pollinfo lock.
 *
 * Called by: the pipe/pipe2 system calls, open(2) of a fifo (fifo_open),
 * and the descriptor layer through the file operations.
 */

#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/component.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"
#include "vfs/file.h"
#include "vfs/lockf.h"
#include "vfs/pipe.h"
#include "vfs/poll.h"
#include "vfs/vfs_impl.h"
#include "vfs/vnode.h"

struct pipe {
	kmutex_t pipe_lock;
	kcondvar_t pipe_rcv;               /* readers: data or no writer */
	kcondvar_t pipe_wcv;               /* writers: room or no reader */
	kcondvar_t pipe_ocv;               /* fifo opens: the other side */
	char *pipe_buf;                    /* [I] PIPE_SIZE bytes */
	size_t pipe_start;                 /* [p] first byte held */
	size_t pipe_count;                 /* [p] bytes held */
	int pipe_readers;                  /* [p] files open for reading */
	int pipe_writers;                  /* [p] files open for writing */
	unsigned pipe_rgen, pipe_wgen;     /* [p] opens of each side so far */
	unsigned pipe_nfiles;              /* [F,p] files attached */
	struct pollinfo pipe_poll;
	ino_t pipe_ino;                    /* [I] st_ino of anonymous pipes */
	struct rump_timespec pipe_ctime;   /* [I] */
	struct vnode *pipe_vp;             /* [I] the fifo, or NULL */
	struct pipe *pipe_next;            /* [F] in fifo_list */
};

static kmutex_t fifo_lock;
static struct pipe *fifo_list;             /* [F] pipes of open fifos */
static uint64_t pipe_nextino;              /* [a] */

static struct pipe *
pipe_create(struct vnode *vp)
{
	struct pipe *pp;

	pp = kmem_zalloc(sizeof(*pp), KM_SLEEP);
	pp->pipe_buf = kmem_alloc(PIPE_SIZE, KM_SLEEP);
	mutex_init(&pp->pipe_lock, MUTEX_DEFAULT, "pipe");
	cv_init(&pp->pipe_rcv, "piperd");
	cv_init(&pp->pipe_wcv, "pipewr");
	cv_init(&pp->pipe_ocv, "fifoopen");
	pollinfo_init(&pp->pipe_poll);
	pp->pipe_ino = atomic_inc_nv(&pipe_nextino);
	getnanotime(&pp->pipe_ctime);
	pp->pipe_vp = vp;
	return pp;
}

static void
pipe_destroy(struct pipe *pp)
{
	pollinfo_destroy(&pp->pipe_poll);
	cv_destroy(&pp->pipe_ocv);
	cv_destroy(&pp->pipe_wcv);
	cv_destroy(&pp->pipe_rcv);
	mutex_destroy(&pp->pipe_lock);
	kmem_free(pp->pipe_buf, PIPE_SIZE);
	kmem_free(pp, sizeof(*pp));
}

static bool
pipe_nonblock(struct file *fp)
{
	return (atomic_load_relaxed(&fp->f_flag) & O_NONBLOCK) != 0;
}

/* Tell sleepers and pollers that the state changed. */
static void
pipe_wakeup(struct pipe *pp, int events)
{
	KASSERT(mutex_owned(&pp->pipe_lock));
	if (events & (POLLIN | POLLHUP))
		cv_broadcast(&pp->pipe_rcv);
	if (events & (POLLOUT | POLLERR))
		cv_broadcast(&pp->pipe_wcv);
	pollnotify(&pp->pipe_poll, events);
}

/*
 * Read what the pipe holds (at least one byte, waiting for it unless
 * non-blocking); 0 with nothing moved is end of file.
 */
static int
pipe_read(struct pipe *pp, struct file *fp, struct uio *uio)
{
	size_t chunk, before;
	int error = 0;

	mutex_enter(&pp->pipe_lock);
	while (pp->pipe_count == 0) {
		if (pp->pipe_writers == 0)
			goto out;
		if (pipe_nonblock(fp)) {
			error = EAGAIN;
			goto out;
		}
		error = cv_wait_sig(&pp->pipe_rcv, &pp->pipe_lock);
		if (error != 0)
			goto out;
	}
	while (pp->pipe_count > 0 && uio->uio_resid > 0) {
		chunk = MIN(pp->pipe_count, PIPE_SIZE - pp->pipe_start);
		chunk = MIN(chunk, uio->uio_resid);
		before = uio->uio_resid;
		error = uiomove(pp->pipe_buf + pp->pipe_start, chunk, uio);
		chunk = before - uio->uio_resid;
		pp->pipe_start = (pp->pipe_start + chunk) % PIPE_SIZE;
		pp->pipe_count -= chunk;
		if (error != 0)
			break;
	}
	if (pp->pipe_count == 0)
		pp->pipe_start = 0;
	pipe_wakeup(pp, POLLOUT | POLLWRNORM);
out:
	mutex_exit(&pp->pipe_lock);
	return error;
}

/* Copy up to n bytes of uio into the free part of the ring. */
static int
pipe_fill(struct pipe *pp, struct uio *uio, size_t n)
{
	size_t end, chunk, before;
	int error = 0;

	while (n > 0 && error == 0) {
		end = (pp->pipe_start + pp->pipe_count) % PIPE_SIZE;
		chunk = MIN(n, PIPE_SIZE - end);
		before = uio->uio_resid;
		error = uiomove(pp->pipe_buf + end, chunk, uio);
		chunk = before - uio->uio_resid;
		pp->pipe_count += chunk;
		n -= chunk;
		if (chunk == 0)
			break;
	}
	return error;
}

/*
 * Write the whole uio, waiting for room; writes up to PIPE_BUF bytes go
 * in one piece.  EPIPE without readers, EAGAIN when non-blocking and
 * full (the caller reports a partial write as success).
 */
static int
pipe_write(struct pipe *pp, struct file *fp, struct uio *uio)
{
	bool atomic = uio->uio_resid <= PIPE_BUF;
	size_t space;
	int error = 0;

	mutex_enter(&pp->pipe_lock);
	while (uio->uio_resid > 0) {
		if (pp->pipe_readers == 0) {
			error = EPIPE;
			break;
		}
		space = PIPE_SIZE - pp->pipe_count;
		if (space == 0 || (atomic && space < uio->uio_resid)) {
			if (pipe_nonblock(fp)) {
				error = EAGAIN;
				break;
			}
			error = cv_wait_sig(&pp->pipe_wcv, &pp->pipe_lock);
			if (error != 0)
				break;
			continue;
		}
		error = pipe_fill(pp, uio, MIN(space, uio->uio_resid));
		pipe_wakeup(pp, POLLIN | POLLRDNORM);
		if (error != 0)
			break;
	}
	mutex_exit(&pp->pipe_lock);
	return error;
}

static int
pipe_pollscan(struct pipe *pp, int fflag, int events)
{
	int revents = 0;

	mutex_enter(&pp->pipe_lock);
	if (fflag & FREAD) {
		if (pp->pipe_count > 0)
			revents |= POLLIN | POLLRDNORM;
		if (pp->pipe_writers == 0 && pp->pipe_wgen > 0)
			revents |= POLLHUP;
	}
	if (fflag & FWRITE) {
		if (PIPE_SIZE - pp->pipe_count >= PIPE_BUF)
			revents |= POLLOUT | POLLWRNORM;
		if (pp->pipe_readers == 0)
			revents |= POLLERR;
	}
	if ((revents & events) == 0)
		pollrecord(&pp->pipe_poll);
	mutex_exit(&pp->pipe_lock);
	return revents;
}

static int
pipe_fionread(struct pipe *pp, void *data)
{
	int n;

	mutex_enter(&pp->pipe_lock);
	n = (int)pp->pipe_count;
	mutex_exit(&pp->pipe_lock);
	return copyout(&n, data, sizeof(n));
}

/*
 * A file of the pipe closes: its sides lose a member, and at the last
 * file the pipe goes (leaving the fifo list first).
 */
static void
pipe_detach(struct pipe *pp, int fflag)
{
	bool last;

	if (pp->pipe_vp != NULL)
		mutex_enter(&fifo_lock);
	mutex_enter(&pp->pipe_lock);
	if (fflag & FREAD)
		pp->pipe_readers--;
	if (fflag & FWRITE)
		pp->pipe_writers--;
	pipe_wakeup(pp, POLLIN | POLLOUT | POLLHUP | POLLERR);
	last = --pp->pipe_nfiles == 0;
	mutex_exit(&pp->pipe_lock);
	if (last && pp->pipe_vp != NULL) {
		struct pipe **ppp;

		for (ppp = &fifo_list; *ppp != pp; ppp = &(*ppp)->pipe_next)
			KASSERT(*ppp != NULL);
		*ppp = pp->pipe_next;
	}
	if (pp->pipe_vp != NULL)
		mutex_exit(&fifo_lock);
	if (last)
		pipe_destroy(pp);
}

/* File operations of anonymous pipes: f_data is the pipe. */

static int
pipef_read(struct file *fp, off_t *offset, struct uio *uio,
    kauth_cred_t cred, int flags)
{
	return pipe_read(fp->f_data, fp, uio);
}

static int
pipef_write(struct file *fp, off_t *offset, struct uio *uio,
    kauth_cred_t cred, int flags)
{
	return pipe_write(fp->f_data, fp, uio);
}

static int
pipef_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	if (cmd == FIONREAD)
		return pipe_fionread(fp->f_data, data);
	return ENOTTY;
}

static int
pipef_poll(struct file *fp, int events)
{
	return pipe_pollscan(fp->f_data, fp->f_flag, events);
}

static int
pipef_stat(struct file *fp, struct rump_stat *sb)
{
	struct pipe *pp = fp->f_data;

	memset(sb, 0, sizeof(*sb));
	sb->st_mode = S_IFIFO | S_IRUSR | S_IWUSR;
	sb->st_nlink = 1;
	sb->st_uid = fp->f_cred->cr_euid;
	sb->st_gid = fp->f_cred->cr_egid;
	sb->st_ino = pp->pipe_ino;
	sb->st_blksize = PIPE_BUF;
	sb->st_atim = pp->pipe_ctime;
	sb->st_mtim = pp->pipe_ctime;
	sb->st_ctim = pp->pipe_ctime;
	return 0;
}

static int
pipef_close(struct file *fp)
{
	pipe_detach(fp->f_data, fp->f_flag);
	return 0;
}

static int
pipef_seek(struct file *fp, off_t delta, int whence, off_t *newoffp)
{
	return ESPIPE;
}

static int
pipef_truncate(struct file *fp, off_t length)
{
	return EINVAL;
}

static const struct fileops pipeops = {
	.fo_name = "pipe",
	.fo_read = pipef_read,
	.fo_write = pipef_write,
	.fo_ioctl = pipef_ioctl,
	.fo_poll = pipef_poll,
	.fo_stat = pipef_stat,
	.fo_close = pipef_close,
	.fo_seek = pipef_seek,
	.fo_truncate = pipef_truncate,
};

/* File operations of fifos: f_data is the vnode. */

static struct pipe *
fifo_pipe(struct vnode *vp)
{
	struct pipe *pp;

	mutex_enter(&fifo_lock);
	for (pp = fifo_list; pp != NULL; pp = pp->pipe_next)
		if (pp->pipe_vp == vp)
			break;
	mutex_exit(&fifo_lock);
	KASSERT(pp != NULL);
	return pp;
}

static int
fifof_read(struct file *fp, off_t *offset, struct uio *uio,
    kauth_cred_t cred, int flags)
{
	return pipe_read(fifo_pipe(fp->f_data), fp, uio);
}

static int
fifof_write(struct file *fp, off_t *offset, struct uio *uio,
    kauth_cred_t cred, int flags)
{
	return pipe_write(fifo_pipe(fp->f_data), fp, uio);
}

static int
fifof_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	if (cmd == FIONREAD)
		return pipe_fionread(fifo_pipe(fp->f_data), data);
	return ENOTTY;
}

static int
fifof_poll(struct file *fp, int events)
{
	return pipe_pollscan(fifo_pipe(fp->f_data), fp->f_flag, events);
}

static int
fifof_stat(struct file *fp, struct rump_stat *sb)
{
	return vn_stat(fp->f_data, sb);
}

static int
fifof_close(struct file *fp)
{
	struct vnode *vp = fp->f_data;

	pipe_detach(fifo_pipe(vp), fp->f_flag);
	lf_release_flock(vp, fp);
	return vn_close(vp, fp->f_flag, fp->f_cred);
}

static const struct fileops fifoops = {
	.fo_name = "fifo",
	.fo_read = fifof_read,
	.fo_write = fifof_write,
	.fo_ioctl = fifof_ioctl,
	.fo_poll = fifof_poll,
	.fo_stat = fifof_stat,
	.fo_close = fifof_close,
	.fo_seek = pipef_seek,
	.fo_truncate = pipef_truncate,
};

/* The pipe of fifo vp with a new file counted in, created if needed. */
static struct pipe *
fifo_attach(struct vnode *vp)
{
	struct pipe *pp, *npp = NULL;

	for (;;) {
		mutex_enter(&fifo_lock);
		for (pp = fifo_list; pp != NULL; pp = pp->pipe_next)
			if (pp->pipe_vp == vp)
				break;
		if (pp == NULL && npp != NULL) {
			pp = npp;
			npp = NULL;
			pp->pipe_next = fifo_list;
			fifo_list = pp;
		}
		if (pp != NULL) {
			mutex_enter(&pp->pipe_lock);
			pp->pipe_nfiles++;
			mutex_exit(&pp->pipe_lock);
		}
		mutex_exit(&fifo_lock);
		if (pp != NULL)
			break;
		npp = pipe_create(vp);
	}
	if (npp != NULL)
		pipe_destroy(npp);
	return pp;
}

/* Wait in open until *genp moves past gen or *countp is nonzero; 0, or
 * EINTR when the caller is interrupted (lwp_interrupt: its remote client
 * went away). */
static int
fifo_waitpeer(struct pipe *pp, int *countp, unsigned *genp, unsigned gen)
{
	int error;

	while (*countp == 0 && *genp == gen) {
		error = cv_wait_sig(&pp->pipe_ocv, &pp->pipe_lock);
		if (error != 0)
			return error;
	}
	return 0;
}

int
fifo_open(struct vnode *vp, int fflags, struct file *fp)
{
	struct pipe *pp;
	unsigned rgen, wgen;
	int error = 0;

	KASSERT(vp->v_type == VFIFO);
	if ((fflags & (FREAD | FWRITE)) == 0)
		return EINVAL;
	pp = fifo_attach(vp);
	mutex_enter(&pp->pipe_lock);
	if ((fflags & (FREAD | FWRITE | O_NONBLOCK)) ==
	    (FWRITE | O_NONBLOCK) && pp->pipe_readers == 0) {
		mutex_exit(&pp->pipe_lock);
		pipe_detach(pp, 0);
		return ENXIO;
	}
	rgen = pp->pipe_rgen;
	wgen = pp->pipe_wgen;
	if (fflags & FREAD) {
		pp->pipe_readers++;
		pp->pipe_rgen++;
	}
	if (fflags & FWRITE) {
		pp->pipe_writers++;
		pp->pipe_wgen++;
	}
	cv_broadcast(&pp->pipe_ocv);
	if ((fflags & O_NONBLOCK) == 0) {
		if ((fflags & (FREAD | FWRITE)) == FREAD)
			error = fifo_waitpeer(pp, &pp->pipe_writers,
			    &pp->pipe_wgen, wgen);
		else if ((fflags & (FREAD | FWRITE)) == FWRITE)
			error = fifo_waitpeer(pp, &pp->pipe_readers,
			    &pp->pipe_rgen, rgen);
	}
	mutex_exit(&pp->pipe_lock);
	if (error != 0) {
		/* Interrupted: this open never happened, but for the peer
		 * that saw it come (as on Linux). */
		pipe_detach(pp, fflags & (FREAD | FWRITE));
		return error;
	}
	fp->f_type = DTYPE_VNODE;
	fp->f_ops = &fifoops;
	fp->f_data = vp;
	return 0;
}

/* pipe2: flags may be O_CLOEXEC and O_NONBLOCK. */
int
sys_pipe2(struct lwp *l, const struct sys_pipe2_args *uap, register_t *retval)
{
	struct file *rf, *wf;
	struct pipe *pp;
	int fds[2], error, nb;
	bool cloexec;

	if (uap->flags & ~(O_CLOEXEC | O_NONBLOCK))
		return EINVAL;
	cloexec = (uap->flags & O_CLOEXEC) != 0;
	nb = uap->flags & O_NONBLOCK;
	pp = pipe_create(NULL);
	pp->pipe_readers = pp->pipe_writers = 1;
	pp->pipe_rgen = pp->pipe_wgen = 1;
	pp->pipe_nfiles = 2;
	(void)file_alloc(&rf);
	rf->f_flag = FREAD | nb;
	rf->f_type = DTYPE_PIPE;
	rf->f_ops = &pipeops;
	rf->f_data = pp;
	(void)file_alloc(&wf);
	wf->f_flag = FWRITE | nb;
	wf->f_type = DTYPE_PIPE;
	wf->f_ops = &pipeops;
	wf->f_data = pp;
	error = fd_alloc(rf, 0, cloexec, &fds[0]);
	if (error == 0) {
		error = fd_alloc(wf, 0, cloexec, &fds[1]);
		if (error != 0)
			(void)fd_close(fds[0]);
	}
	file_rele(rf);
	file_rele(wf);
	if (error != 0)
		return error;
	error = copyout(fds, uap->fds, sizeof(fds));
	if (error != 0) {
		(void)fd_close(fds[0]);
		(void)fd_close(fds[1]);
		return error;
	}
	retval[0] = 0;
	return 0;
}

int
sys_pipe(struct lwp *l, const struct sys_pipe_args *uap, register_t *retval)
{
	struct sys_pipe2_args a = { .fds = uap->fds, .flags = 0 };

	return sys_pipe2(l, &a, retval);
}

RUMP_COMPONENT(RUMP_COMPONENT_VFS)
{
	mutex_init(&fifo_lock, MUTEX_DEFAULT, "fifo");
	return 0;
}
