/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_syscalls.c: the socket system calls: socket, socketpair, bind,
 * listen, accept, accept4, connect, getsockname, getpeername, sendto,
 * recvfrom, sendmsg, recvmsg, setsockopt, getsockopt, shutdown.
 *
 * Each copies its arguments in (addresses into a struct
 * rump_sockaddr_storage, option values into a kernel buffer, a msghdr and
 * its iovec array and control messages), calls the socket layer
 * (net_socket.c) and copies results out.  Control messages are
 * internalized here on the way in (SCM_RIGHTS descriptors become file
 * references in flight, see net_impl.h) and externalized on the way out
 * (the files get descriptors in the receiving process).
 *
 * Called by: the system call dispatcher (net component's table).
 */

#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"
#include "net/mbuf.h"
#include "net/net_impl.h"
#include "net/protosw.h"
#include "net/socketvar.h"
#include "vfs/file.h"
#include "vfs/vnode.h"

#define SCM_MAX_FD    253                  /* Linux's limit per message */
#define CONTROL_MAX   (64 * 1024)          /* largest msg_controllen in */
#define IOV_ONSTACK   8

/* Copy in a socket address of len bytes. */
static int
sockaddr_in(const void *uaddr, unsigned int len,
    struct rump_sockaddr_storage *ss)
{
	if ((int)len < 0 || len > sizeof(*ss))
		return EINVAL;
	if (len < sizeof(rump_sa_family_t))
		return EINVAL;
	memset(ss, 0, sizeof(*ss));
	return copyin(uaddr, ss, len);
}

/*
 * Copy address ss (len bytes) out to uaddr, truncated to the caller's
 * *ulenp, and store the full length in *ulenp.  Nothing if uaddr is NULL.
 */
static int
sockaddr_out(const struct rump_sockaddr_storage *ss, size_t len,
    void *uaddr, unsigned int *ulenp)
{
	unsigned int ulen;
	int error;

	if (uaddr == NULL || ulenp == NULL)
		return 0;
	error = copyin(ulenp, &ulen, sizeof(ulen));
	if (error != 0)
		return error;
	if ((int)ulen < 0)
		return EINVAL;
	if (len > 0 && ulen > 0) {
		error = copyout(ss, uaddr, MIN((size_t)ulen, len));
		if (error != 0)
			return error;
	}
	ulen = (unsigned int)len;
	return copyout(&ulen, ulenp, sizeof(ulen));
}

/* Split socket(2)'s type into the type and file flags; EINVAL for
 * unknown bits. */
static int
socktype_flags(int type, int *typep, int *flagsp)
{
	int flags = type & ~SOCK_TYPE_MASK;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return EINVAL;
	*typep = type & SOCK_TYPE_MASK;
	*flagsp = flags;
	return 0;
}

int
sys_socket(struct lwp *l, const struct sys_socket_args *uap,
    register_t *retval)
{
	struct socket *so;
	int type, flags, fd, error;

	error = socktype_flags(uap->type, &type, &flags);
	if (error != 0)
		return error;
	error = socreate(uap->domain, type, uap->protocol, l, &so);
	if (error != 0)
		return error;
	error = so_fdalloc(so, flags, &fd);
	if (error != 0) {
		(void)soclose(so);
		return error;
	}
	retval[0] = fd;
	return 0;
}

int
sys_socketpair(struct lwp *l, const struct sys_socketpair_args *uap,
    register_t *retval)
{
	struct socket *so1, *so2;
	int type, flags, fds[2], error;

	error = socktype_flags(uap->type, &type, &flags);
	if (error != 0)
		return error;
	error = socreate(uap->domain, type, uap->protocol, l, &so1);
	if (error != 0)
		return error;
	error = socreate(uap->domain, type, uap->protocol, l, &so2);
	if (error != 0)
		goto out_close1;
	error = soconnect2(so1, so2);
	if (error != 0)
		goto out_close2;
	error = so_fdalloc(so1, flags, &fds[0]);
	if (error != 0)
		goto out_close2;
	error = so_fdalloc(so2, flags, &fds[1]);
	if (error != 0) {
		(void)fd_close(fds[0]);
		(void)soclose(so2);
		return error;
	}
	error = copyout(fds, uap->sv, sizeof(fds));
	if (error != 0) {
		(void)fd_close(fds[0]);
		(void)fd_close(fds[1]);
		return error;
	}
	retval[0] = 0;
	return 0;
out_close2:
	(void)soclose(so2);
out_close1:
	(void)soclose(so1);
	return error;
}

int
sys_bind(struct lwp *l, const struct sys_bind_args *uap, register_t *retval)
{
	struct rump_sockaddr_storage ss;
	struct socket *so;
	struct file *fp;
	int error;

	error = fd_getsock(uap->fd, &so, &fp);
	if (error != 0)
		return error;
	error = sockaddr_in(uap->addr, uap->addrlen, &ss);
	if (error == 0)
		error = sobind(so, (struct rump_sockaddr *)&ss, uap->addrlen,
		    l);
	fd_putfile(fp);
	return error;
}

int
sys_listen(struct lwp *l, const struct sys_listen_args *uap,
    register_t *retval)
{
	struct socket *so;
	struct file *fp;
	int error;

	error = fd_getsock(uap->fd, &so, &fp);
	if (error != 0)
		return error;
	error = solisten(so, uap->backlog, l);
	fd_putfile(fp);
	return error;
}

static int
do_accept(struct lwp *l, int fd, struct rump_sockaddr *uaddr,
    unsigned int *ulenp, int flags, register_t *retval)
{
	struct rump_sockaddr_storage ss;
	struct socket *head, *so;
	struct file *fp;
	unsigned int ulen;
	size_t len = 0;
	int nfd, error;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return EINVAL;
	error = fd_getsock(fd, &head, &fp);
	if (error != 0)
		return error;
	if (uaddr != NULL) {
		error = copyin(ulenp, &ulen, sizeof(ulen));
		if (error == 0 && (int)ulen < 0)
			error = EINVAL;
		if (error != 0)
			goto out;
	}
	error = soaccept(head, (atomic_load_relaxed(&fp->f_flag) &
	    O_NONBLOCK) != 0, &so);
	if (error != 0)
		goto out;
	memset(&ss, 0, sizeof(ss));
	if (uaddr != NULL) {
		mutex_enter(so->so_lock);
		error = so->so_proto->pr_usrreqs->pru_accept(so, &ss, &len);
		mutex_exit(so->so_lock);
		if (error == 0)
			error = sockaddr_out(&ss, len, uaddr, ulenp);
		if (error != 0) {
			(void)soclose(so);
			goto out;
		}
	}
	error = so_fdalloc(so, flags, &nfd);
	if (error != 0) {
		(void)soclose(so);
		goto out;
	}
	retval[0] = nfd;
out:
	fd_putfile(fp);
	return error;
}

int
sys_accept(struct lwp *l, const struct sys_accept_args *uap,
    register_t *retval)
{
	return do_accept(l, uap->fd, uap->addr, uap->addrlen, 0, retval);
}

int
sys_accept4(struct lwp *l, const struct sys_accept4_args *uap,
    register_t *retval)
{
	return do_accept(l, uap->fd, uap->addr, uap->addrlen, uap->flags,
	    retval);
}

int
sys_connect(struct lwp *l, const struct sys_connect_args *uap,
    register_t *retval)
{
	struct rump_sockaddr_storage ss;
	struct socket *so;
	struct file *fp;
	int error;

	error = fd_getsock(uap->fd, &so, &fp);
	if (error != 0)
		return error;
	error = sockaddr_in(uap->addr, uap->addrlen, &ss);
	if (error == 0)
		error = soconnect(so, (struct rump_sockaddr *)&ss,
		    uap->addrlen, (atomic_load_relaxed(&fp->f_flag) &
		    O_NONBLOCK) != 0, l);
	fd_putfile(fp);
	return error;
}

static int
do_getaddr(int fd, bool peer, struct rump_sockaddr *uaddr,
    unsigned int *ulenp)
{
	struct rump_sockaddr_storage ss;
	struct socket *so;
	struct file *fp;
	unsigned int ulen;
	size_t len = 0;
	int error;

	error = fd_getsock(fd, &so, &fp);
	if (error != 0)
		return error;
	error = copyin(ulenp, &ulen, sizeof(ulen));
	if (error == 0 && (int)ulen < 0)
		error = EINVAL;
	if (error == 0)
		error = sogetaddr(so, peer, &ss, &len);
	if (error == 0)
		error = sockaddr_out(&ss, len, uaddr, ulenp);
	fd_putfile(fp);
	return error;
}

int
sys_getsockname(struct lwp *l, const struct sys_getsockname_args *uap,
    register_t *retval)
{
	return do_getaddr(uap->fd, false, uap->addr, uap->addrlen);
}

int
sys_getpeername(struct lwp *l, const struct sys_getpeername_args *uap,
    register_t *retval)
{
	return do_getaddr(uap->fd, true, uap->addr, uap->addrlen);
}

int
sys_shutdown(struct lwp *l, const struct sys_shutdown_args *uap,
    register_t *retval)
{
	struct socket *so;
	struct file *fp;
	int error;

	error = fd_getsock(uap->fd, &so, &fp);
	if (error != 0)
		return error;
	error = soshutdown(so, uap->how);
	fd_putfile(fp);
	return error;
}

/* --- control messages --- */

/* Check that the caller may claim credentials uc (Linux's rules). */
static int
cred_check(const struct rump_ucred *uc)
{
	kauth_cred_t cred = kauth_cred_get();

	if (kauth_cred_issuser(cred))
		return 0;
	if (uc->pid != curproc->p_pid)
		return EPERM;
	if (uc->uid != cred->cr_uid && uc->uid != cred->cr_euid &&
	    uc->uid != cred->cr_svuid)
		return EPERM;
	if (uc->gid != cred->cr_gid && uc->gid != cred->cr_egid &&
	    uc->gid != cred->cr_svgid)
		return EPERM;
	return 0;
}

/* One SCM_RIGHTS message: the files of fds[n], held, in a new mbuf. */
static int
rights_internalize(const int *fds, size_t n, struct mbuf **mp)
{
	struct rump_cmsghdr *cmh;
	struct file **fpp;
	struct mbuf *m;
	size_t i;

	if (n == 0 || n > SCM_MAX_FD)
		return EINVAL;
	m = m_getlen(CMSG_LEN(n * sizeof(struct file *)), M_WAIT,
	    MT_CONTROL, false);
	cmh = mtod(m, struct rump_cmsghdr *);
	cmh->cmsg_len = CMSG_LEN(n * sizeof(struct file *));
	cmh->cmsg_level = SOL_SOCKET;
	cmh->cmsg_type = SCM_RIGHTS;
	m->m_len = cmh->cmsg_len;
	fpp = (struct file **)(void *)CMSG_DATA(cmh);
	memset(fpp, 0, n * sizeof(*fpp));
	for (i = 0; i < n; i++) {
		fpp[i] = fd_getfile(fds[i]);
		if (fpp[i] == NULL) {
			so_dispose_control(m);
			return EBADF;
		}
		atomic_inc(&so_rights_inflight);
	}
	*mp = m;
	return 0;
}

/*
 * The control messages of a sendmsg (buf[len], a kernel copy) as a chain
 * of MT_CONTROL mbufs, one message each.  Messages of other levels than
 * SOL_SOCKET are ignored, as Linux does for AF_UNIX.
 */
static int
control_internalize(struct socket *so, const char *buf, size_t len,
    struct mbuf **controlp)
{
	const struct rump_cmsghdr *cmh;
	struct mbuf *top = NULL, **tail = &top, *m;
	size_t off = 0, dlen;
	int error = 0;

	while (off + sizeof(*cmh) <= len) {
		cmh = (const void *)(buf + off);
		if (cmh->cmsg_len < sizeof(*cmh) || cmh->cmsg_len > len - off) {
			error = EINVAL;
			break;
		}
		dlen = cmh->cmsg_len - CMSG_LEN(0);
		m = NULL;
		if (cmh->cmsg_level != SOL_SOCKET) {
			/* ignored */
		} else if (cmh->cmsg_type == SCM_RIGHTS) {
			if ((so->so_proto->pr_flags & PR_RIGHTS) == 0) {
				error = EOPNOTSUPP;
				break;
			}
			if (dlen % sizeof(int) != 0) {
				error = EINVAL;
				break;
			}
			error = rights_internalize(
			    (const int *)(const void *)CMSG_DATA(cmh),
			    dlen / sizeof(int), &m);
		} else if (cmh->cmsg_type == SCM_CREDENTIALS) {
			struct rump_ucred uc;

			if (dlen != sizeof(uc)) {
				error = EINVAL;
				break;
			}
			memcpy(&uc, CMSG_DATA(cmh), sizeof(uc));
			error = cred_check(&uc);
			if (error == 0) {
				m = m_get(M_WAIT, MT_CONTROL);
				memcpy(m->m_data, cmh, CMSG_LEN(sizeof(uc)));
				m->m_len = CMSG_LEN(sizeof(uc));
			}
		} else {
			error = EINVAL;
		}
		if (error != 0)
			break;
		if (m != NULL) {
			*tail = m;
			tail = &m->m_next;
		}
		off += CMSG_ALIGN(cmh->cmsg_len);
	}
	if (error != 0) {
		so_dispose_control(top);
		return error;
	}
	*controlp = top;
	return 0;
}

/*
 * Write the received control chain (consumed) into the caller's buffer
 * uctl[*lenp]; *lenp becomes the bytes written.  Files of SCM_RIGHTS get
 * descriptors; what does not fit sets MSG_CTRUNC and is disposed of.
 */
static int
control_externalize(struct mbuf *ctl, void *uctl, uint64_t *lenp,
    bool cloexec, int *flagsp)
{
	struct rump_cmsghdr *cmh, out;
	struct file **fpp;
	struct mbuf *m;
	uint64_t room = *lenp, off = 0;
	size_t i, n, fit;
	int fd, error = 0;

	for (m = ctl; m != NULL && error == 0; m = m->m_next) {
		cmh = mtod(m, struct rump_cmsghdr *);
		if (room - off < CMSG_LEN(0) + (cm_isrights(m) ? sizeof(int) :
		    cmh->cmsg_len - CMSG_LEN(0))) {
			*flagsp |= MSG_CTRUNC;
			break;
		}
		if (!cm_isrights(m)) {
			n = MIN(cmh->cmsg_len, room - off);
			error = copyout(cmh, (char *)uctl + off, n);
			off += MIN(CMSG_ALIGN(n), room - off);
			continue;
		}
		fpp = cm_rights(m, &n);
		fit = MIN(n, (room - off - CMSG_LEN(0)) / sizeof(int));
		if (fit < n)
			*flagsp |= MSG_CTRUNC;
		for (i = 0; i < fit && error == 0; i++) {
			error = fd_alloc(fpp[i], 0, cloexec, &fd);
			if (error == 0) {
				error = copyout(&fd, (char *)uctl + off +
				    CMSG_LEN(i * sizeof(int)), sizeof(fd));
				/* The in-flight reference goes; the table has
				 * its own now. */
				atomic_dec(&so_rights_inflight);
				file_rele(fpp[i]);
				fpp[i] = NULL;
			}
		}
		out.cmsg_len = CMSG_LEN(i * sizeof(int));
		out.cmsg_level = SOL_SOCKET;
		out.cmsg_type = SCM_RIGHTS;
		if (error == 0)
			error = copyout(&out, (char *)uctl + off, sizeof(out));
		off += MIN(CMSG_SPACE(i * sizeof(int)), room - off);
	}
	if (m != NULL && error == 0)
		*flagsp |= MSG_CTRUNC;
	so_dispose_control(ctl);
	*lenp = off;
	return error;
}

/* --- sending and receiving --- */

struct msgio {
	struct rump_iovec stack[IOV_ONSTACK];
	struct rump_iovec *iov;
	size_t iovcnt;
	struct uio uio;
};

static int
msgio_init(struct msgio *mi, const struct rump_iovec *uiov, uint64_t cnt,
    enum uio_rw rw)
{
	size_t total = 0, i;
	int error;

	if (cnt > IOV_MAX)
		return EMSGSIZE;
	mi->iovcnt = cnt;
	mi->iov = cnt > IOV_ONSTACK ?
	    kmem_alloc(cnt * sizeof(*mi->iov), KM_SLEEP) : mi->stack;
	error = cnt > 0 ? copyin(uiov, mi->iov, cnt * sizeof(*mi->iov)) : 0;
	for (i = 0; error == 0 && i < cnt; i++) {
		if (mi->iov[i].iov_len > (uint64_t)SSIZE_MAX - total)
			error = EINVAL;
		else
			total += mi->iov[i].iov_len;
	}
	if (error != 0) {
		if (mi->iov != mi->stack)
			kmem_free(mi->iov, cnt * sizeof(*mi->iov));
		return error;
	}
	mi->uio.uio_iov = mi->iov;
	mi->uio.uio_iovcnt = (int)cnt;
	mi->uio.uio_offset = 0;
	mi->uio.uio_resid = total;
	mi->uio.uio_rw = rw;
	mi->uio.uio_seg = UIO_USERSPACE;
	return 0;
}

static void
msgio_done(struct msgio *mi)
{
	if (mi->iov != mi->stack)
		kmem_free(mi->iov, mi->iovcnt * sizeof(*mi->iov));
}

static int
do_send(int fd, struct msgio *mi, const void *uaddr, unsigned int addrlen,
    const void *uctl, uint64_t ctllen, int flags, register_t *retval)
{
	struct rump_sockaddr_storage ss;
	struct mbuf *control = NULL;
	struct socket *so;
	struct file *fp;
	size_t total = mi->uio.uio_resid;
	char *kctl = NULL;
	int error;

	error = fd_getsock(fd, &so, &fp);
	if (error != 0)
		return error;
	if (uaddr != NULL) {
		error = sockaddr_in(uaddr, addrlen, &ss);
		if (error != 0)
			goto out;
	}
	if (uctl != NULL && ctllen > 0) {
		if (ctllen > CONTROL_MAX) {
			error = ENOBUFS;
			goto out;
		}
		kctl = kmem_alloc(ctllen, KM_SLEEP);
		error = copyin(uctl, kctl, ctllen);
		if (error == 0)
			error = control_internalize(so, kctl, ctllen,
			    &control);
		kmem_free(kctl, ctllen);
		if (error != 0)
			goto out;
	}
	if (atomic_load_relaxed(&fp->f_flag) & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	error = sosend(so, uaddr != NULL ? (struct rump_sockaddr *)&ss : NULL,
	    uaddr != NULL ? addrlen : 0, &mi->uio, control, flags, curlwp);
	if (error != 0 && mi->uio.uio_resid != total &&
	    (error == EAGAIN || error == EPIPE || error == EFAULT))
		error = 0;
	if (error == 0)
		retval[0] = (register_t)(total - mi->uio.uio_resid);
out:
	fd_putfile(fp);
	return error;
}

int
sys_sendto(struct lwp *l, const struct sys_sendto_args *uap,
    register_t *retval)
{
	struct msgio mi;
	struct rump_iovec iov;
	int error;

	if (uap->len > SSIZE_MAX)
		return EINVAL;
	iov.iov_base = (void *)(uintptr_t)uap->buf;
	iov.iov_len = uap->len;
	mi.iovcnt = 1;
	mi.iov = mi.stack;
	mi.stack[0] = iov;
	mi.uio.uio_iov = mi.iov;
	mi.uio.uio_iovcnt = 1;
	mi.uio.uio_offset = 0;
	mi.uio.uio_resid = uap->len;
	mi.uio.uio_rw = UIO_WRITE;
	mi.uio.uio_seg = UIO_USERSPACE;
	error = do_send(uap->fd, &mi, uap->addr, uap->addrlen, NULL, 0,
	    uap->flags, retval);
	return error;
}

int
sys_sendmsg(struct lwp *l, const struct sys_sendmsg_args *uap,
    register_t *retval)
{
	struct rump_msghdr msg;
	struct msgio mi;
	int error;

	error = copyin(uap->msg, &msg, sizeof(msg));
	if (error != 0)
		return error;
	error = msgio_init(&mi, msg.msg_iov, msg.msg_iovlen, UIO_WRITE);
	if (error != 0)
		return error;
	error = do_send(uap->fd, &mi, msg.msg_namelen > 0 ? msg.msg_name :
	    NULL, msg.msg_namelen, msg.msg_control, msg.msg_controllen,
	    uap->flags, retval);
	msgio_done(&mi);
	return error;
}

/*
 * Receive into mi; the sender's address to uaddr/ulenp (recvfrom) or
 * *msgnamelenp (recvmsg), control to the msghdr's buffer.
 */
static int
do_recv(int fd, struct msgio *mi, void *uaddr, unsigned int *ulenp,
    struct rump_msghdr *msg, int flags, register_t *retval)
{
	struct rump_sockaddr_storage ss;
	struct mbuf *ctl = NULL;
	struct socket *so;
	struct file *fp;
	size_t total = mi->uio.uio_resid, fromlen = 0, len = 0;
	int rflags, error;
	bool wantctl = msg != NULL && msg->msg_control != NULL &&
	    msg->msg_controllen > 0;

	error = fd_getsock(fd, &so, &fp);
	if (error != 0)
		return error;
	if (atomic_load_relaxed(&fp->f_flag) & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	rflags = flags;
	memset(&ss, 0, sizeof(ss));
	error = soreceive(so, &ss, &fromlen, &mi->uio, wantctl ? &ctl : NULL,
	    &rflags, &len);
	if (error != 0) {
		so_dispose_control(ctl);
		goto out;
	}
	if (msg != NULL) {
		if (msg->msg_name != NULL && msg->msg_namelen > 0 &&
		    fromlen > 0) {
			error = copyout(&ss, msg->msg_name,
			    MIN((size_t)msg->msg_namelen, fromlen));
		}
		msg->msg_namelen = (uint32_t)fromlen;
		if (wantctl) {
			int e = control_externalize(ctl, msg->msg_control,
			    &msg->msg_controllen,
			    (flags & MSG_CMSG_CLOEXEC) != 0, &rflags);
			if (error == 0)
				error = e;
		} else {
			msg->msg_controllen = 0;
		}
		msg->msg_flags = rflags;
	} else if (uaddr != NULL && ulenp != NULL) {
		error = sockaddr_out(&ss, fromlen, uaddr, ulenp);
	}
	if (error == 0)
		retval[0] = (register_t)((flags & MSG_TRUNC) &&
		    (rflags & MSG_TRUNC) ? len : total - mi->uio.uio_resid);
out:
	fd_putfile(fp);
	return error;
}

int
sys_recvfrom(struct lwp *l, const struct sys_recvfrom_args *uap,
    register_t *retval)
{
	struct msgio mi;

	if (uap->len > SSIZE_MAX)
		return EINVAL;
	mi.iovcnt = 1;
	mi.iov = mi.stack;
	mi.stack[0].iov_base = uap->buf;
	mi.stack[0].iov_len = uap->len;
	mi.uio.uio_iov = mi.iov;
	mi.uio.uio_iovcnt = 1;
	mi.uio.uio_offset = 0;
	mi.uio.uio_resid = uap->len;
	mi.uio.uio_rw = UIO_READ;
	mi.uio.uio_seg = UIO_USERSPACE;
	return do_recv(uap->fd, &mi, uap->addr, uap->addrlen, NULL,
	    uap->flags, retval);
}

int
sys_recvmsg(struct lwp *l, const struct sys_recvmsg_args *uap,
    register_t *retval)
{
	struct rump_msghdr msg;
	struct msgio mi;
	int error;

	error = copyin(uap->msg, &msg, sizeof(msg));
	if (error != 0)
		return error;
	if ((int)msg.msg_namelen < 0)
		return EINVAL;
	error = msgio_init(&mi, msg.msg_iov, msg.msg_iovlen, UIO_READ);
	if (error != 0)
		return error;
	error = do_recv(uap->fd, &mi, NULL, NULL, &msg, uap->flags, retval);
	if (error == 0)
		error = copyout(&msg, uap->msg, sizeof(msg));
	msgio_done(&mi);
	return error;
}

/* --- options --- */

int
sys_setsockopt(struct lwp *l, const struct sys_setsockopt_args *uap,
    register_t *retval)
{
	char buf[SOPT_MAXSIZE];
	struct sockopt sopt;
	struct socket *so;
	struct file *fp;
	int error;

	if ((int)uap->optlen < 0)
		return EINVAL;
	error = fd_getsock(uap->fd, &so, &fp);
	if (error != 0)
		return error;
	sopt.sopt_level = uap->level;
	sopt.sopt_name = uap->optname;
	sopt.sopt_val = buf;
	sopt.sopt_size = MIN(uap->optlen, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	if (sopt.sopt_size > 0) {
		if (uap->optval == NULL)
			error = EFAULT;
		else
			error = copyin(uap->optval, buf, sopt.sopt_size);
	}
	if (error == 0)
		error = sosetopt(so, &sopt);
	fd_putfile(fp);
	return error;
}

int
sys_getsockopt(struct lwp *l, const struct sys_getsockopt_args *uap,
    register_t *retval)
{
	char buf[SOPT_MAXSIZE];
	struct sockopt sopt;
	struct socket *so;
	struct file *fp;
	unsigned int len;
	int error;

	error = fd_getsock(uap->fd, &so, &fp);
	if (error != 0)
		return error;
	error = copyin(uap->optlen, &len, sizeof(len));
	if (error == 0 && (int)len < 0)
		error = EINVAL;
	if (error != 0)
		goto out;
	memset(buf, 0, sizeof(buf));
	sopt.sopt_level = uap->level;
	sopt.sopt_name = uap->optname;
	sopt.sopt_val = buf;
	sopt.sopt_size = MIN(len, sizeof(buf));
	error = sogetopt(so, &sopt);
	if (error == 0 && sopt.sopt_size > 0)
		error = copyout(buf, uap->optval, sopt.sopt_size);
	if (error == 0) {
		len = (unsigned int)sopt.sopt_size;
		error = copyout(&len, uap->optlen, sizeof(len));
	}
out:
	fd_putfile(fp);
	return error;
}
