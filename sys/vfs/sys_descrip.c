/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sys_descrip.c: the system calls that manage descriptors themselves:
 * close, dup, dup2, dup3, fcntl and flock.
 *
 * The table work is in vfs_descrip.c and the locks in vfs_lockf.c; this
 * file checks arguments the way Linux does and translates between the
 * two.  fcntl's third argument is a pointer-sized value: a user address
 * of a struct flock for the lock commands, an integer otherwise.
 *
 * Called by: the system call dispatcher (vfs component's table).
 */

#include "kern/kern.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"
#include "vfs/file.h"
#include "vfs/lockf.h"
#include "vfs/vnode.h"

/* Status flags F_SETFL may change. */
#define FSETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)
/* Flags F_GETFL reports. */
#define FGETFL_MASK (O_ACCMODE | O_APPEND | O_NONBLOCK | O_ASYNC | \
	O_DIRECT | O_NOATIME | O_SYNC | O_DSYNC | O_LARGEFILE | O_PATH)

int
sys_close(struct lwp *l, const struct sys_close_args *uap, register_t *retval)
{
	int error;

	error = fd_close(uap->fd);
	if (error == 0)
		retval[0] = 0;
	return error;
}

int
sys_dup(struct lwp *l, const struct sys_dup_args *uap, register_t *retval)
{
	struct file *fp;
	int error, nfd;

	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	error = fd_alloc(fp, 0, false, &nfd);
	fd_putfile(fp);
	if (error == 0)
		retval[0] = nfd;
	return error;
}

static int
dodup2(int oldfd, int newfd, bool cloexec, register_t *retval)
{
	struct file *fp;
	int error;

	fp = fd_getfile(oldfd);
	if (fp == NULL)
		return EBADF;
	if (oldfd == newfd)
		error = 0;
	else
		error = fd_dup2(fp, newfd, cloexec);
	fd_putfile(fp);
	if (error == 0)
		retval[0] = newfd;
	return error;
}

int
sys_dup2(struct lwp *l, const struct sys_dup2_args *uap, register_t *retval)
{
	return dodup2(uap->oldfd, uap->newfd, false, retval);
}

/* dup3: like dup2, but EINVAL for the same descriptor or unknown flags. */
int
sys_dup3(struct lwp *l, const struct sys_dup3_args *uap, register_t *retval)
{
	if (uap->flags & ~O_CLOEXEC)
		return EINVAL;
	if (uap->oldfd == uap->newfd)
		return EINVAL;
	return dodup2(uap->oldfd, uap->newfd, (uap->flags & O_CLOEXEC) != 0,
	    retval);
}

/*
 * The record-lock commands.  SEEK_CUR is made absolute here (the file's
 * offset is a descriptor matter); the owner is the calling process.
 */
static int
fcntl_lock(struct file *fp, int cmd, void *uarg)
{
	struct rump_flock fl;
	struct vnode *vp;
	off_t start;
	int error, flags = F_POSIX;

	if (fp->f_type != DTYPE_VNODE)
		return EINVAL;
	vp = fp->f_data;
	error = copyin(uarg, &fl, sizeof(fl));
	if (error != 0)
		return error;
	if (fl.l_whence == SEEK_CUR) {
		mutex_enter(&fp->f_lock);
		error = __builtin_add_overflow(fp->f_offset, fl.l_start,
		    &start) ? EOVERFLOW : 0;
		mutex_exit(&fp->f_lock);
		if (error != 0)
			return error;
		fl.l_start = start;
		fl.l_whence = SEEK_SET;
	}
	if (cmd == F_GETLK) {
		error = VOP_ADVLOCK(vp, curproc, F_GETLK, &fl, F_POSIX);
		if (error == 0)
			error = copyout(&fl, uarg, sizeof(fl));
		return error;
	}
	if ((fl.l_type == F_RDLCK && (fp->f_flag & FREAD) == 0) ||
	    (fl.l_type == F_WRLCK && (fp->f_flag & FWRITE) == 0))
		return EBADF;
	if (cmd == F_SETLKW)
		flags |= F_WAIT;
	return VOP_ADVLOCK(vp, curproc, F_SETLK, &fl, flags);
}

static int
fcntl_setfl(struct file *fp, int arg)
{
	mutex_enter(&fp->f_lock);
	atomic_store_relaxed(&fp->f_flag,
	    (fp->f_flag & ~FSETFL_MASK) | (arg & FSETFL_MASK));
	mutex_exit(&fp->f_lock);
	return 0;
}

static int
fcntl_dupfd(struct file *fp, long minfd, bool cloexec, register_t *retval)
{
	struct proc *p = curproc;
	uint64_t lim;
	int error, nfd;

	mutex_enter(&p->p_lock);
	lim = p->p_rlimit[RLIMIT_NOFILE].rlim_cur;
	mutex_exit(&p->p_lock);
	if (minfd < 0 || (uint64_t)minfd >= lim || minfd > INT_MAX)
		return EINVAL;
	error = fd_alloc(fp, (int)minfd, cloexec, &nfd);
	if (error == 0)
		retval[0] = nfd;
	return error;
}

int
sys_fcntl(struct lwp *l, const struct sys_fcntl_args *uap, register_t *retval)
{
	long arg = (long)(intptr_t)uap->arg;
	struct file *fp;
	int error, flags;

	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	retval[0] = 0;
	switch (uap->cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		error = fcntl_dupfd(fp, arg, uap->cmd == F_DUPFD_CLOEXEC,
		    retval);
		break;
	case F_GETFD:
		error = fd_getflags(uap->fd, &flags);
		if (error == 0)
			retval[0] = flags;
		break;
	case F_SETFD:
		error = fd_setflags(uap->fd, (int)arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		retval[0] = OFLAGS(atomic_load_relaxed(&fp->f_flag)) &
		    FGETFL_MASK;
		error = 0;
		break;
	case F_SETFL:
		error = fcntl_setfl(fp, (int)arg);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		error = fcntl_lock(fp, uap->cmd, uap->arg);
		break;
	default:
		if (fp->f_ops->fo_fcntl != NULL)
			error = fp->f_ops->fo_fcntl(fp, uap->cmd, uap->arg);
		else
			error = EINVAL;
		break;
	}
	fd_putfile(fp);
	return error;
}

/*
 * flock: a whole-file lock owned by the open file, shared by its dups,
 * released by LOCK_UN or the file's last close.
 */
int
sys_flock(struct lwp *l, const struct sys_flock_args *uap, register_t *retval)
{
	struct rump_flock fl;
	struct file *fp;
	int op = uap->operation & ~LOCK_NB;
	int error, flags = F_FLOCK;

	memset(&fl, 0, sizeof(fl));
	fl.l_whence = SEEK_SET;
	switch (op) {
	case LOCK_SH:
		fl.l_type = F_RDLCK;
		break;
	case LOCK_EX:
		fl.l_type = F_WRLCK;
		break;
	case LOCK_UN:
		fl.l_type = F_UNLCK;
		break;
	default:
		return EINVAL;
	}
	if ((uap->operation & LOCK_NB) == 0)
		flags |= F_WAIT;
	fp = fd_getfile(uap->fd);
	if (fp == NULL)
		return EBADF;
	if (fp->f_type != DTYPE_VNODE)
		error = EINVAL;
	else
		error = VOP_ADVLOCK(fp->f_data, fp,
		    op == LOCK_UN ? F_UNLCK : F_SETLK, &fl, flags);
	fd_putfile(fp);
	if (error == 0)
		retval[0] = 0;
	return error;
}
