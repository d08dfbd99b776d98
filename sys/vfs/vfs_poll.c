/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_poll.c: poll(2) and ppoll(2), and the wait/wakeup mechanism behind
 * them (struct pollinfo, see poll.h).
 *
 * A poll call keeps its state in a struct pollctx on its stack, reachable
 * from its lwp (l_pollctx) while it runs, so that pollrecord() can attach
 * a registration (struct pollreg) to every pollinfo an fo_poll names.
 *
 *	poll
 *	  copy the pollfd array in, take a reference on every file
 *	  loop:
 *	    clear pc_notified; scan: fo_poll of each file (registering)
 *	    something ready, or timeout 0       -> done
 *	    sleep on pc_cv until pc_notified or the deadline
 *	    deadline passed                     -> done (0 ready)
 *	  unregister everything, drop the files, copy revents out
 *
 * pc_notified is cleared before each scan, so a pollnotify() that comes
 * between the scan and the sleep is not lost.  The files stay referenced
 * until the registrations are gone, so a pollinfo never disappears under
 * a registration.
 *
 * Called by: the poll/ppoll system calls (vfs component); pipes and
 * sockets call pollrecord/pollnotify.
 */

#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"
#include "vfs/file.h"
#include "vfs/poll.h"

/* Locking: [c] pc_lock, [l] the polling lwp only, [p] pi_lock. */
struct pollctx {
	kmutex_t pc_lock;
	kcondvar_t pc_cv;
	bool pc_notified;                  /* [c] */
	bool pc_record;                    /* [l] scan still registering */
	int pc_events;                     /* [l] events of the fd scanned */
	struct pollreg *pc_regs;           /* [l] this poll's registrations */
};

struct pollreg {
	struct pollctx *pr_ctx;            /* [I] */
	struct pollinfo *pr_pi;            /* [I] */
	int pr_events;                     /* [p] wanted */
	struct pollreg *pr_next;           /* [p] in pi_regs */
	struct pollreg *pr_cnext;          /* [l] in pc_regs */
};

#define POLL_ALWAYS (POLLERR | POLLHUP | POLLNVAL)

void
pollinfo_init(struct pollinfo *pi)
{
	mutex_init(&pi->pi_lock, MUTEX_DEFAULT, "pollinfo");
	pi->pi_regs = NULL;
}

void
pollinfo_destroy(struct pollinfo *pi)
{
	KASSERT(pi->pi_regs == NULL);
	mutex_destroy(&pi->pi_lock);
}

/*
 * Register the running poll scan on pi (once per pi and poll call).
 * Does nothing outside a scan or when the scan already found a ready
 * descriptor.
 */
void
pollrecord(struct pollinfo *pi)
{
	struct pollctx *pc = curlwp->l_pollctx;
	struct pollreg *pr;

	if (pc == NULL || !pc->pc_record)
		return;
	for (pr = pc->pc_regs; pr != NULL; pr = pr->pr_cnext) {
		if (pr->pr_pi == pi) {
			mutex_enter(&pi->pi_lock);
			pr->pr_events |= pc->pc_events;
			mutex_exit(&pi->pi_lock);
			return;
		}
	}
	pr = kmem_alloc(sizeof(*pr), KM_SLEEP);
	pr->pr_ctx = pc;
	pr->pr_pi = pi;
	pr->pr_events = pc->pc_events;
	pr->pr_cnext = pc->pc_regs;
	pc->pc_regs = pr;
	mutex_enter(&pi->pi_lock);
	pr->pr_next = pi->pi_regs;
	pi->pi_regs = pr;
	mutex_exit(&pi->pi_lock);
}

void
pollnotify(struct pollinfo *pi, int events)
{
	struct pollreg *pr;
	struct pollctx *pc;

	mutex_enter(&pi->pi_lock);
	for (pr = pi->pi_regs; pr != NULL; pr = pr->pr_next) {
		if ((pr->pr_events | POLL_ALWAYS) & events) {
			pc = pr->pr_ctx;
			mutex_enter(&pc->pc_lock);
			pc->pc_notified = true;
			cv_signal(&pc->pc_cv);
			mutex_exit(&pc->pc_lock);
		}
	}
	mutex_exit(&pi->pi_lock);
}

static void
pollctx_unregister(struct pollctx *pc)
{
	struct pollreg *pr, **prp;
	struct pollinfo *pi;

	while ((pr = pc->pc_regs) != NULL) {
		pc->pc_regs = pr->pr_cnext;
		pi = pr->pr_pi;
		mutex_enter(&pi->pi_lock);
		for (prp = &pi->pi_regs; *prp != pr; prp = &(*prp)->pr_next)
			KASSERT(*prp != NULL);
		*prp = pr->pr_next;
		mutex_exit(&pi->pi_lock);
		kmem_free(pr, sizeof(*pr));
	}
}

/*
 * One pass over the descriptors: fill in revents, return how many have
 * some.  files[i] caches the reference taken on fds[i].fd.
 */
static int
poll_scan(struct pollctx *pc, struct rump_pollfd *fds, struct file **files,
    unsigned long nfds)
{
	unsigned long i;
	int nready = 0, events, revents;
	struct file *fp;

	for (i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		if (files[i] == NULL)
			files[i] = fd_getfile(fds[i].fd);
		fp = files[i];
		if (fp == NULL) {
			revents = POLLNVAL;
		} else if (fp->f_ops->fo_poll == NULL) {
			revents = (POLLIN | POLLOUT | POLLRDNORM |
			    POLLWRNORM) & fds[i].events;
		} else {
			events = (uint16_t)fds[i].events | POLLERR | POLLHUP;
			pc->pc_events = events;
			revents = fp->f_ops->fo_poll(fp, events);
			revents &= events;
		}
		fds[i].revents = (int16_t)revents;
		if (revents != 0) {
			nready++;
			pc->pc_record = false;
		}
	}
	return nready;
}

/*
 * Sleep until notified or the deadline (0: none).  0 when notified,
 * EWOULDBLOCK on timeout, EINTR when the lwp is interrupted.
 */
static int
poll_sleep(struct pollctx *pc, int64_t deadline)
{
	int64_t now;
	int error = 0;

	mutex_enter(&pc->pc_lock);
	while (!pc->pc_notified) {
		if (deadline == 0) {
			error = cv_wait_sig(&pc->pc_cv, &pc->pc_lock);
			if (error != 0)
				break;
			continue;
		}
		now = getnanouptime();
		if (now >= deadline)
			break;
		error = cv_timedwait_sig(&pc->pc_cv, &pc->pc_lock,
		    deadline - now);
		if (error == EINTR)
			break;
		error = 0;
	}
	if (error == 0 && !pc->pc_notified)
		error = EWOULDBLOCK;
	mutex_exit(&pc->pc_lock);
	return error;
}

/* The descriptor limit of the current process, for nfds. */
static uint64_t
poll_nfds_limit(void)
{
	struct proc *p = curproc;
	uint64_t lim;

	mutex_enter(&p->p_lock);
	lim = p->p_rlimit[RLIMIT_NOFILE].rlim_cur;
	mutex_exit(&p->p_lock);
	return lim;
}

/*
 * poll and ppoll: timo_ns < 0 waits forever, 0 does not wait.  Returns
 * 0 or errno; the number of ready descriptors in *nreadyp.
 */
static int
pollcommon(struct rump_pollfd *ufds, unsigned long nfds, int64_t timo_ns,
    int *nreadyp)
{
	struct rump_pollfd *fds = NULL;
	struct file **files = NULL;
	struct pollctx pc;
	int64_t deadline = 0;
	unsigned long i;
	int error = 0, nready;

	if (nfds > poll_nfds_limit())
		return EINVAL;
	if (nfds > 0) {
		fds = kmem_alloc(nfds * sizeof(*fds), KM_SLEEP);
		files = kmem_zalloc(nfds * sizeof(*files), KM_SLEEP);
		error = copyin(ufds, fds, nfds * sizeof(*fds));
		if (error != 0)
			goto out_free;
	}
	if (timo_ns > 0)
		deadline = getnanouptime() + timo_ns;
	mutex_init(&pc.pc_lock, MUTEX_DEFAULT, "poll");
	cv_init(&pc.pc_cv, "poll");
	pc.pc_regs = NULL;
	pc.pc_record = true;
	curlwp->l_pollctx = &pc;
	for (;;) {
		mutex_enter(&pc.pc_lock);
		pc.pc_notified = false;
		mutex_exit(&pc.pc_lock);
		nready = poll_scan(&pc, fds, files, nfds);
		if (nready > 0 || timo_ns == 0)
			break;
		error = poll_sleep(&pc, deadline);
		if (error != 0) {
			if (error == EWOULDBLOCK)
				error = 0;
			break;
		}
	}
	curlwp->l_pollctx = NULL;
	pollctx_unregister(&pc);
	cv_destroy(&pc.pc_cv);
	mutex_destroy(&pc.pc_lock);
	for (i = 0; i < nfds; i++)
		if (files[i] != NULL)
			fd_putfile(files[i]);
	if (nfds > 0 && error == 0)
		error = copyout(fds, ufds, nfds * sizeof(*fds));
	*nreadyp = nready;
out_free:
	if (nfds > 0) {
		kmem_free(files, nfds * sizeof(*files));
		kmem_free(fds, nfds * sizeof(*fds));
	}
	return error;
}

int
sys_poll(struct lwp *l, const struct sys_poll_args *uap, register_t *retval)
{
	int64_t timo_ns;
	int error, nready;

	if (uap->timeout < 0)
		timo_ns = -1;
	else
		timo_ns = (int64_t)uap->timeout * NSEC_PER_MSEC;
	error = pollcommon(uap->fds, uap->nfds, timo_ns, &nready);
	if (error == 0)
		retval[0] = nready;
	return error;
}

/* ppoll: the timeout is a timespec (NULL: forever); no signals exist, so
 * the signal mask is ignored. */
int
sys_ppoll(struct lwp *l, const struct sys_ppoll_args *uap, register_t *retval)
{
	struct rump_timespec ts;
	int64_t timo_ns = -1;
	int error, nready;

	if (uap->tmo != NULL) {
		error = copyin(uap->tmo, &ts, sizeof(ts));
		if (error != 0)
			return error;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
			return EINVAL;
		if (ts.tv_sec >= INT64_MAX / NSEC_PER_SEC - 1)
			timo_ns = -1;
		else
			timo_ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	}
	error = pollcommon(uap->fds, uap->nfds, timo_ns, &nready);
	if (error == 0)
		retval[0] = nready;
	return error;
}
