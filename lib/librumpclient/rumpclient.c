/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpclient.c: the client side of remote system calls.
 *
 * The generated rump_sys_* functions (rumpclient_syscalls.c) pack their
 * arguments into registers and call rumpclient_syscall_regs(), which
 * marshals them with the generated descriptions (kern_sp_proto.h): each
 * call is one request frame (header, number, registers, the IN data
 * blocks) and one reply frame (error, result, the OUT data blocks).
 * Large IN data goes out straight from the caller's memory (sendmsg with
 * an iovec per block), and large OUT data, or the only OUT buffer of a
 * call at any size, comes in straight into it (rc_reply_direct); the
 * host's kernel checks that memory as it copies (EFAULT), so only small
 * OUT buffers of calls with several are probed beforehand
 * (docs/protocol.md, "Bad pointers").
 * A thread waiting for a reply polls for it briefly when the host has a
 * CPU to spare (rumpuser_sp_spin.c).
 *
 * Every thread of the program has its own connection, opened the first
 * time the thread makes a call (HELLO_JOIN with the process token), so
 * threads make blocking calls at the same time; the server runs each
 * connection on a thread of its own, as an lwp of this client's kernel
 * process.  A thread's connection closes when the thread exits.
 *
 * Fork and exec use holds kept by the server (SP_FORK, SP_EXEC); the new
 * process or program claims its hold with the token (HELLO_CLAIM).  The
 * exec token travels in the environment (RUMPCLIENT_EXECTOKEN).
 *
 * Locking: rc_lock protects the list of connections and the process
 * state; a connection itself is used only by its thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rump/rumpuser.h>
#define RUMPCLIENT_PUBLIC __attribute__((__visibility__("default")))
#pragma GCC visibility push(default)
#include <rump/rumpclient.h>
#pragma GCC visibility pop

#include "kern_sp_proto.h"
#include "rumpclient_int.h"
#include "rumpuser_sp_spin.h"
#include "rumpuser_sp_url.h"

#define RC_EXECENV "RUMPCLIENT_EXECTOKEN"
#define RC_RBUFSIZE (16 * 1024)

#define RC_MAXIOV (2 * SP_NARGS + 2 * SP_MAXIOV + 4)

/*
 * Waiting for a reply, a thread first polls the socket for up to
 * RC_SPIN_US microseconds (RUMPCLIENT_SPIN_US overrides, 0 turns it off)
 * when the host has a CPU to spare (rumpuser_sp_spin.c): most calls come
 * back within that, and a thread that never slept is not woken, which
 * costs the host several microseconds each way.
 */
#define RC_SPIN_US      30

/* A request being put together: the iovecs sendmsg() sends. */
struct rc_call {
	struct iovec c_iov[RC_MAXIOV];
	int c_niov;
	uint64_t c_lens[SP_NARGS];       /* block length words */
	uint64_t c_iovlens[SP_MAXIOV];   /* an SPK_IOV's lengths block */
	uint64_t c_sums[SP_NARGS];       /* SPK_IOV data bytes */
	uint64_t c_datalen;              /* an SPK_IOV's IN data block */
	uint64_t c_zero;
	/* Nested arguments (rc_nest_*): length words, sizes, values. */
	uint64_t c_nlens[SP_NARGS][6];
	uint64_t c_nsize[SP_NARGS][4];
	uint64_t c_nval[SP_NARGS];       /* LENPTR size; ioctl: its pointer */
	struct sp_msghdr c_msg;          /* the msghdr as sent */
	uint8_t c_nbuf[256];             /* an ioctl structure as sent */
	struct iovec c_probe[64];        /* pages to check (rc_probe_add) */
	int c_nprobe;
	int c_fault;                     /* OUT memory refused recv() */
};

struct rc_conn {
	int cc_fd;
	uint32_t cc_seq;
	struct ru_sp_spin cc_spin;      /* polling for replies */
	uint8_t *cc_rbuf;               /* small replies */
	struct rc_call *cc_call;
	struct rc_conn *cc_next;        /* [rc_lock] */
};

struct rumpclient_fork {
	uint8_t pf_token[SP_TOKENLEN];
	pid_t pf_pid;
};

static pthread_mutex_t rc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rc_conn *rc_conns;                /* [rc_lock] */
static int rc_inited;                           /* [rc_lock] */
static struct ru_sp_addr rc_addr;               /* [rc_lock] set by init */
static char rc_url[256];
static uint8_t rc_ptoken[SP_TOKENLEN];          /* [rc_lock] */
static pid_t rc_pid = -1;                       /* [rc_lock] */
static int rc_retry;                            /* [rc_lock] seconds */
static uint64_t rc_spin_ns;                     /* [a] set by init */
static pthread_key_t rc_key;
static pthread_once_t rc_key_once = PTHREAD_ONCE_INIT;
static __thread struct rc_conn *rc_tls;

static void
rc_conn_free(struct rc_conn *cc)
{
	struct rc_conn **pp;

	pthread_mutex_lock(&rc_lock);
	for (pp = &rc_conns; *pp != NULL; pp = &(*pp)->cc_next)
		if (*pp == cc) {
			*pp = cc->cc_next;
			break;
		}
	pthread_mutex_unlock(&rc_lock);
	close(cc->cc_fd);
	free(cc->cc_rbuf);
	free(cc->cc_call);
	free(cc);
}

/* A thread with a connection exits: close it (the server frees the lwp). */
static void
rc_key_dtor(void *v)
{

	rc_conn_free(v);
}

static void
rc_key_init(void)
{

	(void)pthread_key_create(&rc_key, rc_key_dtor);
}

/*
 * Send all of iov.  0; EFAULT if the host could not read the caller's
 * memory, with *sentp saying how much went out before (0: the frame was
 * never begun, the connection is as it was); ENOTCONN if the connection
 * failed.
 */
static int
rc_writev_all(int fd, struct iovec *iov, int iovcnt, size_t *sentp)
{
	struct msghdr mh;
	ssize_t n;

	*sentp = 0;
	while (iovcnt > 0) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)iovcnt;
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EFAULT ? EFAULT : ENOTCONN;
		}
		*sentp += (size_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int
rc_read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = recv(fd, p, len, MSG_WAITALL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ENOTCONN;
		}
		if (n == 0)
			return ENOTCONN;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Connect a socket to the server, retrying as rumpclient_setconnretry() says. */
static int
rc_connect(int *fdp)
{
	struct timespec start, now;
	int fd = -1, error, one = 1, retry;

	pthread_mutex_lock(&rc_lock);
	retry = rc_retry;
	pthread_mutex_unlock(&rc_lock);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		fd = socket(rc_addr.a_sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
		    0);
		if (fd < 0)
			return errno;
		if (connect(fd, (struct sockaddr *)&rc_addr.a_sa,
		    rc_addr.a_salen) == 0)
			break;
		error = errno;
		close(fd);
		if (error == EINTR)
			continue;
		if (error != ECONNREFUSED && error != ENOENT &&
		    error != EAGAIN)
			return error;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (retry == 0 || (retry > 0 && now.tv_sec - start.tv_sec >=
		    retry))
			return error;
		usleep(50000);
	}
	if (rc_addr.a_transport == RUMPUSER_SP_TCP)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	*fdp = fd;
	return 0;
}

static void
rc_comm(char comm[16])
{
	extern char *program_invocation_short_name;

	memset(comm, 0, 16);
	strncpy(comm, program_invocation_short_name, 15);
}

/*
 * Open a connection and shake hands in mode with token; on success the
 * connection is listed and *ccp set, and *hrp holds the server's reply.
 * Returns 0 or an errno (the server's verdict, or the transport's).
 */
static int
rc_hello(int mode, const uint8_t *token, struct rc_conn **ccp,
    struct sp_hello_reply *hrp)
{
	struct {
		struct sp_hdr hdr;
		struct sp_hello h;
		uint8_t key[SP_MAXKEY];
	} req;
	struct {
		struct sp_hdr hdr;
		struct sp_hello_reply hr;
	} rep;
	const char *key = getenv("RUMP_SERVER_KEY");
	struct rc_conn *cc;
	size_t keylen = key != NULL ? strlen(key) : 0;
	struct iovec iov;
	struct timeval tv;
	size_t sent;
	int fd = -1, error;

	if (keylen > SP_MAXKEY)
		return EINVAL;
	error = rc_connect(&fd);
	if (error != 0)
		return error;
	memset(&req, 0, sizeof(req));
	req.hdr.sh_len = (uint32_t)(sizeof(req.hdr) + sizeof(req.h) + keylen);
	req.hdr.sh_type = SP_HELLO;
	req.h.h_magic = SP_MAGIC;
	req.h.h_version = SP_VERSION;
	req.h.h_mode = (uint16_t)mode;
	if (token != NULL)
		memcpy(req.h.h_token, token, SP_TOKENLEN);
	req.h.h_hostpid = (uint32_t)getpid();
	req.h.h_keylen = (uint16_t)keylen;
	rc_comm(req.h.h_comm);
	if (keylen > 0)
		memcpy(req.key, key, keylen);
	iov.iov_base = &req;
	iov.iov_len = req.hdr.sh_len;
	/* Something that is not a rump server may never answer. */
	tv.tv_sec = 10;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	error = rc_writev_all(fd, &iov, 1, &sent);
	if (error == 0)
		error = rc_read_all(fd, &rep, sizeof(rep));
	tv.tv_sec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (error != 0 || rep.hdr.sh_len != sizeof(rep) ||
	    rep.hdr.sh_type != (SP_REPLY | SP_HELLO) ||
	    rep.hr.hr_magic != SP_MAGIC) {
		close(fd);
		return EPROTO;
	}
	*hrp = rep.hr;
	if (rep.hr.hr_error != 0) {
		close(fd);
		return rep.hr.hr_error;
	}
	cc = calloc(1, sizeof(*cc));
	if (cc == NULL || (cc->cc_rbuf = malloc(RC_RBUFSIZE)) == NULL ||
	    (cc->cc_call = malloc(sizeof(*cc->cc_call))) == NULL) {
		if (cc != NULL)
			free(cc->cc_rbuf);
		free(cc);
		close(fd);
		return ENOMEM;
	}
	cc->cc_fd = fd;
	pthread_mutex_lock(&rc_lock);
	cc->cc_next = rc_conns;
	rc_conns = cc;
	pthread_mutex_unlock(&rc_lock);
	*ccp = cc;
	return 0;
}

static void
rc_explain(int error, const struct sp_hello_reply *hr)
{

	switch (error) {
	case EPROTONOSUPPORT:
		fprintf(stderr, "rumpclient: the server at %s speaks protocol "
		    "version %u, this client version %u\n", rc_url,
		    hr->hr_version, SP_VERSION);
		break;
	case EPROTO:
		fprintf(stderr, "rumpclient: %s is not a rump server of a "
		    "known protocol\n", rc_url);
		break;
	case EACCES:
		fprintf(stderr, "rumpclient: %s refused the key "
		    "(RUMP_SERVER_KEY)\n", rc_url);
		break;
	default:
		fprintf(stderr, "rumpclient: cannot connect to %s: %s\n",
		    rc_url, strerror(error));
		break;
	}
}

static int
rc_hextoken(const char *s, uint8_t *tok)
{
	unsigned i, v;

	if (strlen(s) != 2 * SP_TOKENLEN)
		return EINVAL;
	for (i = 0; i < SP_TOKENLEN; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return EINVAL;
		tok[i] = (uint8_t)v;
	}
	return 0;
}

/* Become the thread's connection, set the process state from hr. */
static void
rc_adopt(struct rc_conn *cc, const struct sp_hello_reply *hr)
{

	pthread_once(&rc_key_once, rc_key_init);
	pthread_mutex_lock(&rc_lock);
	memcpy(rc_ptoken, hr->hr_token, SP_TOKENLEN);
	rc_pid = hr->hr_pid;
	rc_inited = 1;
	pthread_mutex_unlock(&rc_lock);
	rc_tls = cc;
	(void)pthread_setspecific(rc_key, cc);
}

static void
rc_spin_init(void)
{

	__atomic_store_n(&rc_spin_ns, ru_sp_spin_param("RUMPCLIENT_SPIN_US",
	    RC_SPIN_US), __ATOMIC_RELAXED);
}

RUMPCLIENT_PUBLIC int
rumpclient_init(void)
{
	struct sp_hello_reply hr;
	struct rc_conn *cc;
	const char *url = getenv("RUMP_SERVER"), *et;
	uint8_t tok[SP_TOKENLEN];
	int error, mode = SP_HELLO_NEW;

	pthread_mutex_lock(&rc_lock);
	if (rc_inited) {
		pthread_mutex_unlock(&rc_lock);
		return 0;
	}
	pthread_mutex_unlock(&rc_lock);
	if (url == NULL) {
		fprintf(stderr, "rumpclient: RUMP_SERVER is not set\n");
		errno = EINVAL;
		return -1;
	}
	snprintf(rc_url, sizeof(rc_url), "%s", url);
	rc_spin_init();
	error = ru_sp_parseurl(url, &rc_addr);
	if (error != 0) {
		fprintf(stderr, "rumpclient: RUMP_SERVER: bad URL \"%s\" "
		    "(unix://PATH or tcp://ADDR:PORT/)\n", url);
		errno = error;
		return -1;
	}
	et = getenv(RC_EXECENV);
	if (et != NULL && rc_hextoken(et, tok) == 0)
		mode = SP_HELLO_CLAIM;
	memset(&hr, 0, sizeof(hr));
	error = rc_hello(mode, mode == SP_HELLO_CLAIM ? tok : NULL, &cc, &hr);
	if (et != NULL)
		unsetenv(RC_EXECENV);
	if (error != 0) {
		rc_explain(error, &hr);
		errno = error;
		return -1;
	}
	rc_adopt(cc, &hr);
	return 0;
}

RUMPCLIENT_PUBLIC int
rump_init(void)
{

	return rumpclient_init() == 0 ? 0 : errno;
}

RUMPCLIENT_PUBLIC pid_t
rumpclient_getpid(void)
{
	pid_t pid;

	pthread_mutex_lock(&rc_lock);
	pid = rc_pid;
	pthread_mutex_unlock(&rc_lock);
	return pid;
}

RUMPCLIENT_PUBLIC int
rumpclient_setconnretry(int timeout)
{

	if (timeout < RUMPCLIENT_RETRYCONN_INFTIME) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&rc_lock);
	rc_retry = timeout;
	pthread_mutex_unlock(&rc_lock);
	return 0;
}

/* The calling thread's connection, opened on first use. */
static int
rc_conn_get(struct rc_conn **ccp)
{
	struct sp_hello_reply hr;
	uint8_t tok[SP_TOKENLEN];
	struct rc_conn *cc;
	int error, inited;

	if (__builtin_expect(rc_tls != NULL, 1)) {
		*ccp = rc_tls;
		return 0;
	}
	pthread_mutex_lock(&rc_lock);
	inited = rc_inited;
	memcpy(tok, rc_ptoken, sizeof(tok));
	pthread_mutex_unlock(&rc_lock);
	if (!inited) {
		if (rumpclient_init() != 0)
			return errno;
		*ccp = rc_tls;
		return 0;
	}
	error = rc_hello(SP_HELLO_JOIN, tok, &cc, &hr);
	if (error != 0)
		return error;
	rc_tls = cc;
	(void)pthread_setspecific(rc_key, cc);
	*ccp = cc;
	return 0;
}

/* The connection broke or the server misbehaved: drop it. */
static void
rc_conn_lost(struct rc_conn *cc)
{

	if (rc_tls == cc) {
		rc_tls = NULL;
		(void)pthread_setspecific(rc_key, NULL);
	}
	rc_conn_free(cc);
}

/*
 * A request went out only in part (sendmsg met memory of the caller's
 * that is not there): the server waits for the rest of a frame that will
 * never be whole.  Join the process on a new connection first, so that
 * it keeps an lwp, then close this one; the server drops the partial
 * frame with the connection.  If the join fails, the next call tries.
 */
static void
rc_conn_replace(struct rc_conn *cc)
{
	struct sp_hello_reply hr;
	struct rc_conn *ncc = NULL;
	uint8_t tok[SP_TOKENLEN];

	pthread_mutex_lock(&rc_lock);
	memcpy(tok, rc_ptoken, sizeof(tok));
	pthread_mutex_unlock(&rc_lock);
	if (rc_hello(SP_HELLO_JOIN, tok, &ncc, &hr) != 0)
		ncc = NULL;
	rc_conn_lost(cc);
	if (ncc != NULL) {
		rc_tls = ncc;
		(void)pthread_setspecific(rc_key, ncc);
	}
}

/*
 * Send a small control request (type, body) and read its fixed-size
 * reply body into rep.  0 or an errno.
 */
static int
rc_control(struct rc_conn *cc, int type, const void *body, size_t blen,
    void *rep, size_t replen)
{
	uint8_t buf[SP_HDRLEN + 64];
	struct sp_hdr hdr = {
		.sh_len = (uint32_t)(SP_HDRLEN + blen),
		.sh_type = (uint16_t)type,
		.sh_seq = ++cc->cc_seq,
	};
	struct iovec iov = { buf, SP_HDRLEN + blen };
	size_t sent;
	int error;

	memcpy(buf, &hdr, SP_HDRLEN);
	if (blen > 0)
		memcpy(buf + SP_HDRLEN, body, blen);
	error = rc_writev_all(cc->cc_fd, &iov, 1, &sent);
	if (error == 0)
		error = rc_read_all(cc->cc_fd, buf, SP_HDRLEN + replen);
	if (error == 0) {
		memcpy(&hdr, buf, SP_HDRLEN);
		if (hdr.sh_len != SP_HDRLEN + replen ||
		    hdr.sh_type != (SP_REPLY | type) ||
		    hdr.sh_seq != cc->cc_seq)
			error = EPROTO;
	}
	if (error != 0) {
		rc_conn_lost(cc);
		return error;
	}
	memcpy(rep, buf + SP_HDRLEN, replen);
	return 0;
}

/* --- system calls --- */


static inline void
rc_addiov(struct rc_call *rc, const void *p, size_t len)
{

	if (len == 0)
		return;
	rc->c_iov[rc->c_niov].iov_base = (void *)(uintptr_t)p;
	rc->c_iov[rc->c_niov].iov_len = len;
	rc->c_niov++;
}

/* A block: its length word, data, padding. */
static inline void
rc_addblock(struct rc_call *rc, uint64_t *lenword, const void *data,
    uint64_t len)
{

	*lenword = len;
	rc_addiov(rc, lenword, 8);
	rc_addiov(rc, data, len);
	rc_addiov(rc, &rc->c_zero, sp_pad8(len) - len);
}

/*
 * Read n bytes of the reply from the socket straight into the caller's
 * memory.  If the host refuses that memory (EFAULT, which leaves the
 * bytes queued), the rest of the n bytes is read into the reply buffer
 * and dropped, so the connection stays in step, and the call's c_fault
 * makes it fail with EFAULT.  0 or ENOTCONN.
 */
static int
rc_read_user(struct rc_conn *cc, uint8_t *dst, uint64_t n)
{
	uint64_t done = 0, k;
	ssize_t r;
	int error;

	while (done < n) {
		r = recv(cc->cc_fd, dst + done, n - done, MSG_WAITALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EFAULT) {
			cc->cc_call->c_fault = 1;
			break;
		}
		if (r <= 0)
			return ENOTCONN;
		done += (uint64_t)r;
	}
	for (; done < n; done += k) {
		k = n - done < RC_RBUFSIZE ? n - done : RC_RBUFSIZE;
		if ((error = rc_read_all(cc->cc_fd, cc->cc_rbuf, k)) != 0)
			return error;
	}
	return 0;
}

/*
 * Copy n bytes of OUT data of the reply into the caller's memory: first
 * what was already read into the reply buffer (*srcp, *leftp: a small
 * reply, all of whose memory was probed), then from the socket (the
 * reply buffer is then used up, and may be overwritten).
 */
static int
rc_recv_out(struct rc_conn *cc, const uint8_t **srcp, size_t *leftp,
    uint8_t *dst, uint64_t n)
{
	uint64_t k;

	k = *leftp < n ? *leftp : n;
	memcpy(dst, *srcp, k);
	*srcp += k;
	*leftp -= k;
	if (k < n)
		return rc_read_user(cc, dst + k, n - k);
	return 0;
}

/* --- checking the caller's memory --- */

static int rc_vmcheck = 1;      /* process_vm_readv works here */

/*
 * 0 if len bytes at p can be read (and, with write, written), else
 * EFAULT: what a kernel says about a bad pointer, instead of a crash
 * while marshalling.  One byte of every page is probed through
 * process_vm_readv/writev on ourselves; where the host does not allow
 * them only the null page is refused.
 */
static int
rc_memcheck(const void *p, uint64_t len, int write)
{
	enum { NPROBE = 64 };
	struct iovec loc, rem[NPROBE];
	uintptr_t a = (uintptr_t)p, end, pg;
	uint8_t bytes[NPROBE];
	int n;
	ssize_t r;

	if (len == 0)
		return 0;
	if (a < 4096 || a + len < a)
		return EFAULT;
	if (!__atomic_load_n(&rc_vmcheck, __ATOMIC_RELAXED))
		return 0;
	end = a + len;
	pg = a;
	while (pg < end) {
		for (n = 0; n < NPROBE && pg < end; n++) {
			rem[n].iov_base = (void *)pg;
			rem[n].iov_len = 1;
			pg = (pg | 4095) + 1;
		}
		loc.iov_base = bytes;
		loc.iov_len = (size_t)n;
		r = process_vm_readv(getpid(), &loc, 1, rem, (unsigned long)n,
		    0);
		if (r < 0 && (errno == ENOSYS || errno == EPERM)) {
			__atomic_store_n(&rc_vmcheck, 0, __ATOMIC_RELAXED);
			return 0;
		}
		if (r != n)
			return EFAULT;
		if (write && process_vm_writev(getpid(), &loc, 1, rem,
		    (unsigned long)n, 0) != n)
			return EFAULT;
	}
	return 0;
}

/*
 * The same check for the plain buffers of a call, batched: one byte of
 * every page is noted here and all are read in one process_vm_readv
 * (rc_probe_flush) before the request goes out.  Only readability is
 * checked: these are what the request sends, or OUT buffers, which a
 * caller hands over mapped and writable (as to any kernel).
 */
static int
rc_probe_flush(struct rc_call *rcp)
{
	struct iovec loc;
	uint8_t bytes[64];
	ssize_t r;
	int n = rcp->c_nprobe;

	rcp->c_nprobe = 0;
	if (n == 0)
		return 0;
	loc.iov_base = bytes;
	loc.iov_len = (size_t)n;
	r = process_vm_readv(getpid(), &loc, 1, rcp->c_probe,
	    (unsigned long)n, 0);
	if (r < 0 && (errno == ENOSYS || errno == EPERM)) {
		__atomic_store_n(&rc_vmcheck, 0, __ATOMIC_RELAXED);
		return 0;
	}
	return r == n ? 0 : EFAULT;
}

/*
 * Note the pages of a plain buffer for rc_probe_flush.  Memory that the
 * host's kernel touches for us is not probed, since it checks it itself:
 * a buffer the request only sends (sendonly; sendmsg says EFAULT, which
 * rc_call1 handles), one too large for the reply buffer, since the
 * reply is then read into it by recv() (rc_read_user), and a call's only
 * OUT buffer (rc_reply_direct).  That leaves small buffers of calls with
 * several, which the client copies into from the reply buffer.
 */
static int
rc_probe_add(struct rc_call *rcp, const void *p, uint64_t len, int sendonly)
{
	uintptr_t a = (uintptr_t)p, end, pg;
	int error;

	if (len == 0)
		return 0;
	if (a < 4096 || a + len < a)
		return EFAULT;
	if (sendonly || len >= RC_RBUFSIZE ||
	    !__atomic_load_n(&rc_vmcheck, __ATOMIC_RELAXED))
		return 0;
	end = a + len;
	for (pg = a; pg < end; pg = (pg | 4095) + 1) {
		if (rcp->c_nprobe == 64 &&
		    (error = rc_probe_flush(rcp)) != 0)
			return error;
		rcp->c_probe[rcp->c_nprobe].iov_base = (void *)pg;
		rcp->c_probe[rcp->c_nprobe].iov_len = 1;
		rcp->c_nprobe++;
	}
	return 0;
}

/* A string at p of at most max bytes with its NUL: *lenp with the NUL. */
static int
rc_strcheck(const char *p, uint64_t max, uint64_t *lenp)
{
	uint64_t done = 0, chunk;
	size_t l;
	int error;

	while (done < max) {
		chunk = 4096 - (((uintptr_t)p + done) & 4095);
		if (chunk > max - done)
			chunk = max - done;
		if ((error = rc_memcheck(p + done, chunk, 0)) != 0)
			return error;
		l = strnlen(p + done, chunk);
		if (l < chunk) {
			*lenp = done + l + 1;
			return 0;
		}
		done += chunk;
	}
	return ENAMETOOLONG;
}

/* --- nested arguments (@lenptr, @msghdr, @ioctlptr) --- */

static int
rc_nest_is(const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs)
{
	const struct sp_argdesc *ad = &sd->sd_args[i];

	if (regs[i] == 0)
		return 0;
	if (ad->sa_kind == SPK_LENPTR || ad->sa_kind == SPK_MSGHDR)
		return 1;
	return sp_ioctl_nested(sd, i, regs, sp_ioctlrules,
	    sp_nioctlrules) != NULL;
}

static int
rc_msg_in(struct rc_call *rcp, const struct sp_argdesc *ad, unsigned i,
    const uint64_t *regs, uint64_t *totalp, uint64_t *replymaxp)
{
	struct sp_msghdr *m = &rcp->c_msg;
	const struct iovec *uiov;
	uint64_t *lw = rcp->c_nlens[i], *sz = rcp->c_nsize[i], j, sum = 0;
	int out = (ad->sa_flags & SPF_IOVOUT) != 0, error;

	if ((error = rc_memcheck((void *)(uintptr_t)regs[i], sizeof(*m),
	    out)) != 0)
		return error;
	memcpy(m, (void *)(uintptr_t)regs[i], sizeof(*m));
	if (m->m_iovlen > SP_MAXIOV)
		return EMSGSIZE;
	uiov = (const struct iovec *)(uintptr_t)m->m_iov;
	if (m->m_iovlen > 0 && (error = rc_memcheck(uiov,
	    m->m_iovlen * sizeof(*uiov), 0)) != 0)
		return error;
	for (j = 0; j < m->m_iovlen; j++) {
		if (uiov[j].iov_len > SP_MAXDATA - sum)
			return EINVAL;
		if ((error = rc_probe_add(rcp, uiov[j].iov_base,
		    uiov[j].iov_len, !out)) != 0)
			return error;
		rcp->c_iovlens[j] = uiov[j].iov_len;
		sum += uiov[j].iov_len;
	}
	rcp->c_sums[i] = sum;
	if (out) {
		if (m->m_name != 0 && (int32_t)m->m_namelen < 0)
			return EINVAL;
		sz[1] = sp_msg_namesz(m->m_name, m->m_namelen);
		sz[3] = sp_msg_ctlsz(m->m_control, m->m_controllen);
		if ((error = rc_memcheck((void *)(uintptr_t)m->m_name, sz[1],
		    1)) != 0 || (error = rc_memcheck(
		    (void *)(uintptr_t)m->m_control, sz[3], 1)) != 0)
			return error;
		rc_addblock(rcp, &lw[0], m, sizeof(*m));
		rc_addblock(rcp, &lw[1], rcp->c_iovlens, m->m_iovlen * 8);
		*totalp += 16 + sizeof(*m) + m->m_iovlen * 8;
		*replymaxp += 32 + sizeof(*m) + sp_pad8(sz[1]) +
		    sp_pad8(sum) + sp_pad8(sz[3]);
		return 0;
	}
	sz[1] = m->m_name != 0 ? m->m_namelen : 0;
	sz[3] = m->m_control != 0 ? m->m_controllen : 0;
	if (sz[1] > SP_MAXNAME)
		return EINVAL;
	if (sz[3] > SP_MAXCONTROL)
		return ENOBUFS;
	if ((error = rc_memcheck((void *)(uintptr_t)m->m_name, sz[1],
	    0)) != 0 || (error = rc_memcheck((void *)(uintptr_t)m->m_control,
	    sz[3], 0)) != 0)
		return error;
	rc_addblock(rcp, &lw[0], m, sizeof(*m));
	rc_addblock(rcp, &lw[1], (void *)(uintptr_t)m->m_name, sz[1]);
	rc_addblock(rcp, &lw[2], rcp->c_iovlens, m->m_iovlen * 8);
	lw[3] = sum;
	rc_addiov(rcp, &lw[3], 8);
	for (j = 0; j < m->m_iovlen; j++)
		rc_addiov(rcp, uiov[j].iov_base, uiov[j].iov_len);
	rc_addiov(rcp, &rcp->c_zero, sp_pad8(sum) - sum);
	rc_addblock(rcp, &lw[4], (void *)(uintptr_t)m->m_control, sz[3]);
	*totalp += 40 + sizeof(*m) + sp_pad8(sz[1]) + m->m_iovlen * 8 +
	    sp_pad8(sum) + sp_pad8(sz[3]);
	return 0;
}

static int
rc_ioctl_in(struct rc_call *rcp, const struct sp_sysdesc *sd, unsigned i,
    const uint64_t *regs, int dir, uint64_t size, uint64_t *totalp,
    uint64_t *replymaxp)
{
	const struct sp_cmdrule *r = sp_ioctl_nested(sd, i, regs,
	    sp_ioctlrules, sp_nioctlrules);
	uint64_t *lw = rcp->c_nlens[i], *sz = rcp->c_nsize[i], wire, n;
	int nin = r->cr_ndir != SPA_OUT, nout = r->cr_ndir != SPA_IN, error;

	if (size > sizeof(rcp->c_nbuf) || size < (uint64_t)r->cr_noff + 8)
		return EINVAL;
	if ((error = rc_memcheck((void *)(uintptr_t)regs[i], size,
	    dir != SPA_IN)) != 0)
		return error;
	memcpy(rcp->c_nbuf, (void *)(uintptr_t)regs[i], size);
	memcpy(&wire, rcp->c_nbuf + r->cr_noff, 8);
	rcp->c_nval[i] = wire;
	sz[0] = size;
	sz[1] = 0;
	rc_addblock(rcp, &lw[0], rcp->c_nbuf, size);
	*totalp += 8 + sp_pad8(size);
	if (dir != SPA_IN)
		*replymaxp += 8 + sp_pad8(size);
	if (wire == 0)
		return 0;
	if (r->cr_nkind == SPN_STR) {
		if ((error = rc_strcheck((const char *)(uintptr_t)wire,
		    r->cr_nsize, &n)) != 0)
			return error;
	} else {
		n = r->cr_nkind == SPN_LEN ? sp_nested_len(r, rcp->c_nbuf) :
		    r->cr_nsize;
		if ((error = rc_memcheck((void *)(uintptr_t)wire, n,
		    nout)) != 0)
			return error;
	}
	sz[1] = n;
	if (nin) {
		rc_addblock(rcp, &lw[1], (void *)(uintptr_t)wire, n);
		*totalp += 8 + sp_pad8(n);
	}
	if (nout)
		*replymaxp += 8 + sp_pad8(n);
	return 0;
}

/*
 * Pass 1 of a nested argument: check the caller's memory, add the
 * request blocks, count the reply's.
 */
static int
rc_nest_in(struct rc_call *rcp, const struct sp_sysdesc *sd, unsigned i,
    const uint64_t *regs, int dir, uint64_t size, uint64_t *totalp,
    uint64_t *replymaxp)
{
	const struct sp_argdesc *ad = &sd->sd_args[i];
	uint64_t lenp = regs[ad->sa_sizearg], *sz = rcp->c_nsize[i];
	uint32_t v;
	int error;

	switch (ad->sa_kind) {
	case SPK_LENPTR:
		if (lenp == 0)
			return EFAULT;
		if ((error = rc_memcheck((void *)(uintptr_t)lenp, 4, 1)) != 0)
			return error;
		memcpy(&v, (void *)(uintptr_t)lenp, 4);
		sz[0] = (int32_t)v < 0 ? 0 : v < ad->sa_size ? v : ad->sa_size;
		if ((error = rc_memcheck((void *)(uintptr_t)regs[i], sz[0],
		    1)) != 0)
			return error;
		rcp->c_nval[i] = sz[0];
		rc_addblock(rcp, &rcp->c_nlens[i][0], &rcp->c_nval[i], 8);
		*totalp += 16;
		*replymaxp += 8 + sp_pad8(sz[0]);
		return 0;
	case SPK_MSGHDR:
		return rc_msg_in(rcp, ad, i, regs, totalp, replymaxp);
	}
	return rc_ioctl_in(rcp, sd, i, regs, dir, size, totalp, replymaxp);
}

/*
 * The padding after a reply block of blen bytes when len bytes of the
 * reply follow its length word: none after the final block (protocol
 * version 3), else up to the next multiple of 8; -1 if it does not fit.
 */
static int64_t
rc_blockpad(uint64_t blen, uint64_t len)
{

	if (blen > len || (blen < len && sp_pad8(blen) > len))
		return -1;
	return blen == len ? 0 : (int64_t)(sp_pad8(blen) - blen);
}

/*
 * The reply of a call whose only OUT data is the plain buffer dst of max
 * bytes.  Its block is the final one, unpadded, so one recvmsg puts the
 * fixed part in the reply buffer and the data straight into dst: the
 * host checks that memory (no probe) and nothing is copied twice.  If
 * the host refuses dst (EFAULT), the rest of the reply is read into the
 * reply buffer and the call's c_fault is set.  Returns 0 with the reply's
 * fixed part in *srp, or the errno that ends the connection (the caller
 * drops it).
 */
static int
rc_reply_direct(struct rc_conn *cc, uint8_t *dst, uint64_t max,
    struct sp_syscall_reply *srp)
{
	const size_t fix = SP_HDRLEN + sizeof(struct sp_syscall_reply) + 8;
	struct iovec iov[3];
	struct msghdr mh;
	struct sp_hdr rh;
	uint8_t excess[8];
	uint64_t blen, end = fix + max + sizeof(excess), got = 0, o;
	int fault = 0;
	ssize_t r;

	while (got < end) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		o = got;
		if (o < fix) {
			iov[mh.msg_iovlen].iov_base = cc->cc_rbuf + o;
			iov[mh.msg_iovlen++].iov_len = fix - o;
			o = fix;
		}
		if (o < fix + max && o < end) {
			uint64_t k = (end < fix + max ? end : fix + max) - o;

			if (fault) {
				if (k > RC_RBUFSIZE - fix)
					k = RC_RBUFSIZE - fix;
				iov[mh.msg_iovlen].iov_base = cc->cc_rbuf + fix;
			} else {
				iov[mh.msg_iovlen].iov_base = dst + (o - fix);
			}
			iov[mh.msg_iovlen++].iov_len = k;
			o += k;
		}
		if (o < end && !fault) {
			iov[mh.msg_iovlen].iov_base = excess;
			iov[mh.msg_iovlen++].iov_len = end - o;
		}
		cc->cc_spin.sp_ns = __atomic_load_n(&rc_spin_ns,
		    __ATOMIC_RELAXED);
		r = ru_sp_recvmsg_spin(&cc->cc_spin, cc->cc_fd, &mh, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EFAULT && !fault) {
			fault = 1;           /* nothing taken: read it here */
			continue;
		}
		if (r <= 0)
			return ENOTCONN;
		if (got < SP_HDRLEN && got + (uint64_t)r >= SP_HDRLEN) {
			memcpy(&rh, cc->cc_rbuf, SP_HDRLEN);
			if (rh.sh_len < SP_HDRLEN + sizeof(*srp) ||
			    rh.sh_len > fix + max ||
			    rh.sh_type != (SP_REPLY | SP_SYSCALL) ||
			    rh.sh_seq != cc->cc_seq)
				return EPROTO;
			end = rh.sh_len;
		}
		got += (uint64_t)r;
		if (got > end)
			return EPROTO;
	}
	memcpy(srp, cc->cc_rbuf + SP_HDRLEN, sizeof(*srp));
	if (srp->sr_error != 0)
		return end == fix - 8 ? 0 : EPROTO;
	if (end < fix)
		return EPROTO;
	memcpy(&blen, cc->cc_rbuf + fix - 8, 8);
	if (blen > max || end != fix + blen)
		return EPROTO;
	if (fault)
		cc->cc_call->c_fault = 1;
	return 0;
}

/*
 * One reply block of at most max bytes into dst (NULL: max is 0); *lenp
 * counts the reply bytes left, *blenp gets the block's length.
 */
static int
rc_recv_block(struct rc_conn *cc, const uint8_t **srcp, size_t *leftp,
    uint64_t *lenp, void *dst, uint64_t max, uint64_t *blenp)
{
	uint64_t blen, pad;
	uint8_t lw[8];
	int error;

	if (*lenp < 8)
		return EPROTO;
	if ((error = rc_recv_out(cc, srcp, leftp, lw, 8)) != 0)
		return error;
	memcpy(&blen, lw, 8);
	*lenp -= 8;
	if (blen > max || rc_blockpad(blen, *lenp) < 0)
		return EPROTO;
	if (blen > 0 && (error = rc_recv_out(cc, srcp, leftp, dst,
	    blen)) != 0)
		return error;
	pad = (uint64_t)rc_blockpad(blen, *lenp);
	if (pad > 0 && (error = rc_recv_out(cc, srcp, leftp, lw, pad)) != 0)
		return error;
	*lenp -= blen + pad;
	*blenp = blen;
	return 0;
}

/* The reply part of a nested argument. */
static int
rc_nest_out(struct rc_conn *cc, struct rc_call *rcp,
    const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs,
    int dir, const uint8_t **srcp, size_t *leftp, uint64_t *lenp)
{
	const struct sp_argdesc *ad = &sd->sd_args[i];
	const struct sp_cmdrule *r;
	const struct iovec *uiov;
	struct sp_msghdr m, *um;
	uint64_t *sz = rcp->c_nsize[i], blen, rest, k, j;
	int error;

	switch (ad->sa_kind) {
	case SPK_LENPTR:
		return rc_recv_block(cc, srcp, leftp, lenp,
		    (void *)(uintptr_t)regs[i], sz[0], &blen);
	case SPK_MSGHDR:
		if (!(ad->sa_flags & SPF_IOVOUT))
			return 0;
		if ((error = rc_recv_block(cc, srcp, leftp, lenp, &m,
		    sizeof(m), &blen)) != 0)
			return error;
		if (blen != sizeof(m))
			return EPROTO;
		/* Only the counts and flags go back to the caller. */
		um = (struct sp_msghdr *)(uintptr_t)regs[i];
		um->m_namelen = m.m_namelen;
		um->m_controllen = m.m_controllen;
		um->m_flags = m.m_flags;
		if ((error = rc_recv_block(cc, srcp, leftp, lenp,
		    (void *)(uintptr_t)rcp->c_msg.m_name, sz[1], &blen)) != 0)
			return error;
		/* The data, scattered over the caller's iovecs. */
		if (*lenp < 8)
			return EPROTO;
		{
			uint8_t lw[8];

			if ((error = rc_recv_out(cc, srcp, leftp, lw, 8)) != 0)
				return error;
			memcpy(&blen, lw, 8);
			*lenp -= 8;
			if (blen > rcp->c_sums[i] ||
			    rc_blockpad(blen, *lenp) < 0)
				return EPROTO;
			uiov = (const struct iovec *)(uintptr_t)
			    rcp->c_msg.m_iov;
			for (j = 0, rest = blen; rest > 0; j++) {
				k = rcp->c_iovlens[j] < rest ?
				    rcp->c_iovlens[j] : rest;
				if ((error = rc_recv_out(cc, srcp, leftp,
				    uiov[j].iov_base, k)) != 0)
					return error;
				rest -= k;
			}
			k = (uint64_t)rc_blockpad(blen, *lenp);
			if (k > 0 && (error = rc_recv_out(cc, srcp, leftp, lw,
			    k)) != 0)
				return error;
			*lenp -= blen + k;
		}
		return rc_recv_block(cc, srcp, leftp, lenp,
		    (void *)(uintptr_t)rcp->c_msg.m_control, sz[3], &blen);
	}
	/* An ioctl structure: the caller's own pointer stays in it. */
	r = sp_ioctl_nested(sd, i, regs, sp_ioctlrules, sp_nioctlrules);
	if (dir != SPA_IN) {
		if ((error = rc_recv_block(cc, srcp, leftp, lenp,
		    (void *)(uintptr_t)regs[i], sz[0], &blen)) != 0)
			return error;
		if (blen != sz[0])
			return EPROTO;
		memcpy((uint8_t *)(uintptr_t)regs[i] + r->cr_noff,
		    &rcp->c_nval[i], 8);
	}
	if (rcp->c_nval[i] != 0 && r->cr_ndir != SPA_IN)
		return rc_recv_block(cc, srcp, leftp, lenp,
		    (void *)(uintptr_t)rcp->c_nval[i], sz[1], &blen);
	return 0;
}

/*
 * One call, with counts the protocol can carry.  Returns 0 with *rvp, or
 * an errno (the call's, or the transport's).
 */
static int
rc_call1(struct rc_conn *cc, unsigned num, const struct sp_sysdesc *sd,
    const uint64_t *regs, int64_t *rvp)
{
	struct rc_call *rcp = cc->cc_call;
	struct {
		struct sp_hdr hdr;
		uint32_t num, nargs;
		uint64_t args[SP_NARGS];
	} head;
	struct sp_syscall_reply sr;
	struct sp_hdr rh;
	int dirs[SP_NARGS];
	uint64_t sizes[SP_NARGS], total, replymax, len, pad, j;
	const uint8_t *src;
	size_t left, got, sent;
	unsigned i, n = sd->sd_nargs, outs[SP_NARGS], nouts = 0;
	ssize_t r;
	int error, direct = -1, otherout = 0;

	rcp->c_niov = 0;
	rcp->c_zero = 0;
	rcp->c_nprobe = 0;
	rcp->c_fault = 0;
	rc_addiov(rcp, &head, SP_HDRLEN + 8 + 8 * (size_t)n);
	total = SP_HDRLEN + 8 + 8 * (uint64_t)n;
	replymax = SP_HDRLEN + sizeof(sr);
	for (i = 0; i < n; i++) {
		const struct sp_argdesc *ad = &sd->sd_args[i];

		error = sp_arglayout(sd, i, regs, sp_ioctlrules,
		    sp_nioctlrules, sp_fcntlrules, sp_nfcntlrules, &dirs[i],
		    &sizes[i]);
		if (error != 0)
			return error;
		head.args[i] = regs[i];
		if (dirs[i] == SPA_SCALAR || dirs[i] == SPA_ADDR ||
		    regs[i] == 0)
			continue;
		if (regs[i] < 4096)
			return EFAULT;
		if (rc_nest_is(sd, i, regs)) {
			error = rc_nest_in(rcp, sd, i, regs, dirs[i], sizes[i],
			    &total, &replymax);
			if (error != 0)
				return error;
			otherout |= dirs[i] != SPA_IN;
			continue;
		}
		/*
		 * Memory the caller does not have (an ioctl command may claim
		 * a pointer that is none) is EFAULT here, not a crash or a
		 * half-sent frame.  A plain OUT buffer is probed below, unless
		 * the reply goes straight into it.
		 */
		error = 0;
		if (ad->sa_kind == SPK_IOCTL || ad->sa_kind == SPK_FCNTL) {
			error = rc_memcheck((void *)(uintptr_t)regs[i],
			    sizes[i], dirs[i] != SPA_IN);
			otherout |= dirs[i] != SPA_IN;
		} else if (ad->sa_kind == SPK_FIXED ||
		    ad->sa_kind == SPK_ARG) {
			if (dirs[i] == SPA_IN)
				error = rc_probe_add(rcp,
				    (void *)(uintptr_t)regs[i], sizes[i], 1);
			else
				outs[nouts++] = i;
		} else if (ad->sa_kind == SPK_IOV) {
			otherout |= (ad->sa_flags & SPF_IOVOUT) != 0;
		} else {
			otherout |= dirs[i] != SPA_IN;
		}
		if (error != 0)
			return error;
		if (ad->sa_kind == SPK_IOV) {
			const struct iovec *uiov =
			    (const struct iovec *)(uintptr_t)regs[i];
			uint64_t cnt = sizes[i] / 16, sum = 0;

			if ((error = rc_memcheck(uiov, sizes[i], 0)) != 0)
				return error;
			for (j = 0; j < cnt; j++) {
				if (uiov[j].iov_len > SP_MAXDATA - sum)
					return EINVAL;
				if ((error = rc_probe_add(rcp, uiov[j].iov_base,
				    uiov[j].iov_len,
				    !(ad->sa_flags & SPF_IOVOUT))) != 0)
					return error;
				rcp->c_iovlens[j] = uiov[j].iov_len;
				sum += uiov[j].iov_len;
			}
			rcp->c_sums[i] = sum;
			rc_addblock(rcp, &rcp->c_lens[i], rcp->c_iovlens, cnt * 8);
			total += 8 + cnt * 8;
			if (ad->sa_flags & SPF_IOVOUT) {
				replymax += 8 + sp_pad8(sum);
			} else {
				rcp->c_datalen = sum;
				rc_addiov(rcp, &rcp->c_datalen, 8);
				for (j = 0; j < cnt; j++)
					rc_addiov(rcp, uiov[j].iov_base,
					    uiov[j].iov_len);
				rc_addiov(rcp, &rcp->c_zero, sp_pad8(sum) - sum);
				total += 8 + sp_pad8(sum);
			}
			continue;
		}
		if (dirs[i] == SPA_IN || dirs[i] == SPA_INOUT) {
			const void *p = (const void *)(uintptr_t)regs[i];

			if (ad->sa_kind == SPK_STR) {
				error = rc_strcheck(p, SP_MAXSTR, &len);
				if (error != 0)
					return error;
				sizes[i] = len;
			}
			rc_addblock(rcp, &rcp->c_lens[i], p, sizes[i]);
			total += 8 + sp_pad8(sizes[i]);
		}
		if (dirs[i] == SPA_OUT || dirs[i] == SPA_INOUT)
			replymax += 8 + sp_pad8(sizes[i]);
	}
	if (total > SP_MAXMSG || replymax > SP_MAXMSG)
		return EINVAL;
	if (nouts == 1 && !otherout && sizes[outs[0]] > 0)
		direct = (int)outs[0];
	else
		for (j = 0; j < nouts; j++)
			if ((error = rc_probe_add(rcp,
			    (void *)(uintptr_t)regs[outs[j]],
			    sizes[outs[j]], 0)) != 0)
				return error;
	if ((error = rc_probe_flush(rcp)) != 0)
		return error;
	memset(&head.hdr, 0, sizeof(head.hdr));
	head.hdr.sh_len = (uint32_t)total;
	head.hdr.sh_type = SP_SYSCALL;
	head.hdr.sh_seq = ++cc->cc_seq;
	head.num = num;
	head.nargs = n;
	error = rc_writev_all(cc->cc_fd, rcp->c_iov, rcp->c_niov, &sent);
	if (error == EFAULT) {
		/* Bad memory the call sends: not one byte out, or a part. */
		if (sent > 0)
			rc_conn_replace(cc);
		return EFAULT;
	}
	if (error != 0)
		goto out_lost;

	if (direct >= 0) {
		error = rc_reply_direct(cc, (uint8_t *)(uintptr_t)regs[direct],
		    sizes[direct], &sr);
		if (error != 0)
			goto out_lost;
		if (sr.sr_error != 0)
			return sr.sr_error;
		goto out_done;
	}

	/*
	 * The reply: small ones in one read into the buffer; for large OUT
	 * data only the fixed part, the rest straight into the caller's
	 * memory.
	 */
	got = 0;
	for (;;) {
		size_t want = replymax <= RC_RBUFSIZE ? RC_RBUFSIZE :
		    SP_HDRLEN + sizeof(sr);
		cc->cc_spin.sp_ns = __atomic_load_n(&rc_spin_ns,
		    __ATOMIC_RELAXED);
		r = ru_sp_recv_spin(&cc->cc_spin, cc->cc_fd, cc->cc_rbuf + got,
		    want - got, replymax <= RC_RBUFSIZE ? 0 : MSG_WAITALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			error = ENOTCONN;
			goto out_lost;
		}
		got += (size_t)r;
		if (got < SP_HDRLEN + sizeof(sr))
			continue;
		memcpy(&rh, cc->cc_rbuf, SP_HDRLEN);
		if (rh.sh_len < SP_HDRLEN + sizeof(sr) || rh.sh_len > replymax ||
		    rh.sh_type != (SP_REPLY | SP_SYSCALL) ||
		    rh.sh_seq != cc->cc_seq || got > rh.sh_len) {
			error = EPROTO;
			goto out_lost;
		}
		if (replymax > RC_RBUFSIZE || got == rh.sh_len)
			break;
	}
	memcpy(&sr, cc->cc_rbuf + SP_HDRLEN, sizeof(sr));
	src = cc->cc_rbuf + SP_HDRLEN + sizeof(sr);
	left = got - SP_HDRLEN - sizeof(sr);
	len = rh.sh_len - SP_HDRLEN - sizeof(sr);   /* block bytes to come */
	if (sr.sr_error != 0) {
		if (len != 0) {
			error = EPROTO;
			goto out_lost;
		}
		return sr.sr_error;
	}
	for (i = 0; i < n; i++) {
		const struct sp_argdesc *ad = &sd->sd_args[i];
		uint64_t blen, max;
		uint8_t lw[8];

		if (regs[i] == 0 || dirs[i] == SPA_SCALAR ||
		    dirs[i] == SPA_ADDR)
			continue;
		if (rc_nest_is(sd, i, regs)) {
			error = rc_nest_out(cc, rcp, sd, i, regs, dirs[i], &src,
			    &left, &len);
			if (error != 0)
				goto out_lost;
			continue;
		}
		if (ad->sa_kind == SPK_IOV) {
			if (!(ad->sa_flags & SPF_IOVOUT))
				continue;
			max = rcp->c_sums[i];
		} else if (dirs[i] == SPA_OUT || dirs[i] == SPA_INOUT) {
			max = sizes[i];
		} else {
			continue;
		}
		if (len < 8)
			goto out_proto;
		error = rc_recv_out(cc, &src, &left, lw, 8);
		if (error != 0)
			goto out_lost;
		memcpy(&blen, lw, 8);
		len -= 8;
		if (blen > max || rc_blockpad(blen, len) < 0)
			goto out_proto;
		if (ad->sa_kind == SPK_IOV) {
			const struct iovec *uiov =
			    (const struct iovec *)(uintptr_t)regs[i];
			uint64_t rest = blen, k;

			for (j = 0; rest > 0; j++) {
				k = uiov[j].iov_len < rest ? uiov[j].iov_len :
				    rest;
				error = rc_recv_out(cc, &src, &left,
				    uiov[j].iov_base, k);
				if (error != 0)
					goto out_lost;
				rest -= k;
			}
		} else {
			error = rc_recv_out(cc, &src, &left,
			    (uint8_t *)(uintptr_t)regs[i], blen);
			if (error != 0)
				goto out_lost;
		}
		pad = (uint64_t)rc_blockpad(blen, len);
		if (pad > 0 && (error = rc_recv_out(cc, &src, &left, lw,
		    pad)) != 0)
			goto out_lost;
		len -= blen + pad;
	}
	if (len != 0 || left != 0)
		goto out_proto;
out_done:
	if (rcp->c_fault)
		return EFAULT;
	*rvp = sr.sr_retval[0];
	return 0;

out_proto:
	error = EPROTO;
out_lost:
	rc_conn_lost(cc);
	return error;
}

int
rumpclient_syscall_regs(unsigned num, const uint64_t *regs0, int64_t *rvp)
{
	const struct sp_sysdesc *sd;
	struct rc_conn *cc;
	uint64_t regs[SP_NARGS];
	unsigned i;
	int error;

	if (num >= sp_nsysdescs || !(sp_sysdescs[num].sd_flags & SPD_VALID))
		return ENOSYS;
	sd = &sp_sysdescs[num];
	memcpy(regs, regs0, sizeof(uint64_t) * sd->sd_nargs);
	error = rc_conn_get(&cc);
	if (error != 0)
		return error;
	/* A read may return less than asked: ask at most what fits. */
	for (i = 0; i < sd->sd_nargs; i++) {
		const struct sp_argdesc *ad = &sd->sd_args[i];
		const struct sp_argdesc *cd = &sd->sd_args[ad->sa_sizearg];

		if ((ad->sa_flags & SPF_RETLEN) && ad->sa_kind == SPK_ARG &&
		    sp_argval(cd, regs[ad->sa_sizearg]) >= 0 &&
		    (uint64_t)sp_argval(cd, regs[ad->sa_sizearg]) >
		    SP_MAXDATA / ad->sa_size)
			regs[ad->sa_sizearg] = SP_MAXDATA / ad->sa_size;
	}
	if ((sd->sd_flags & SPD_CHUNK) != 0) {
		const struct sp_argdesc *bd = &sd->sd_args[sd->sd_chunkbuf];
		unsigned ci = bd->sa_sizearg;
		uint64_t total = regs[ci], done = 0, part;
		int64_t rv;

		if (total > SP_MAXDATA && regs[sd->sd_chunkbuf] != 0) {
			/* A long write: parts of at most SP_MAXDATA bytes. */
			while (done < total) {
				part = total - done > SP_MAXDATA ? SP_MAXDATA :
				    total - done;
				regs[ci] = part;
				regs[sd->sd_chunkbuf] = regs0[sd->sd_chunkbuf] +
				    done;
				if (sd->sd_chunkoff != 0xff)
					regs[sd->sd_chunkoff] =
					    regs0[sd->sd_chunkoff] + done;
				error = rc_call1(cc, num, sd, regs, &rv);
				if (error != 0) {
					/* What was written stays written. */
					if (done == 0)
						return error;
					break;
				}
				done += (uint64_t)rv;
				if ((uint64_t)rv < part)
					break;
			}
			*rvp = (int64_t)done;
			return 0;
		}
	}
	return rc_call1(cc, num, sd, regs, rvp);
}

RUMPCLIENT_PUBLIC int
rumpclient_syscall(int num, const uint64_t *regs, int nregs, int64_t *retval)
{
	uint64_t r[SP_NARGS] = { 0 };

	if (num < 0 || nregs < 0 || nregs > SP_NARGS)
		return EINVAL;
	memcpy(r, regs, sizeof(uint64_t) * (size_t)nregs);
	return rumpclient_syscall_regs((unsigned)num, r, retval);
}

/* --- fork and exec --- */

RUMPCLIENT_PUBLIC struct rumpclient_fork *
rumpclient_prefork(void)
{
	struct rumpclient_fork *pf;
	struct sp_hold_reply hr;
	struct rc_conn *cc = NULL;
	int error;

	error = rc_conn_get(&cc);
	if (error == 0)
		error = rc_control(cc, SP_FORK, NULL, 0, &hr, sizeof(hr));
	if (error == 0 && hr.hr_error != 0)
		error = hr.hr_error;
	if (error != 0) {
		errno = error;
		return NULL;
	}
	pf = malloc(sizeof(*pf));
	if (pf == NULL) {
		struct sp_cancel c;
		struct sp_cancel_reply cr;
		memcpy(c.c_token, hr.hr_token, SP_TOKENLEN);
		(void)rc_control(cc, SP_CANCEL, &c, sizeof(c), &cr,
		    sizeof(cr));
		errno = ENOMEM;
		return NULL;
	}
	memcpy(pf->pf_token, hr.hr_token, SP_TOKENLEN);
	pf->pf_pid = hr.hr_pid;
	return pf;
}

RUMPCLIENT_PUBLIC int
rumpclient_fork_init(struct rumpclient_fork *pf)
{
	struct sp_hello_reply hr;
	struct rc_conn *cc, *next;
	int error;

	/* The parent's connections are not ours: let go of them quietly. */
	pthread_mutex_init(&rc_lock, NULL);
	for (cc = rc_conns; cc != NULL; cc = next) {
		next = cc->cc_next;
		close(cc->cc_fd);
		free(cc->cc_rbuf);
		free(cc->cc_call);
		free(cc);
	}
	rc_conns = NULL;
	rc_tls = NULL;
	pthread_once(&rc_key_once, rc_key_init);
	(void)pthread_setspecific(rc_key, NULL);
	memset(&hr, 0, sizeof(hr));
	error = rc_hello(SP_HELLO_CLAIM, pf->pf_token, &cc, &hr);
	free(pf);
	if (error != 0) {
		rc_explain(error, &hr);
		errno = error;
		return -1;
	}
	rc_adopt(cc, &hr);
	return 0;
}

RUMPCLIENT_PUBLIC void
rumpclient_fork_done(struct rumpclient_fork *pf)
{

	free(pf);
}

RUMPCLIENT_PUBLIC void
rumpclient_fork_cancel(struct rumpclient_fork *pf)
{
	struct sp_cancel c;
	struct sp_cancel_reply cr;
	struct rc_conn *cc = NULL;

	if (pf == NULL)
		return;
	memcpy(c.c_token, pf->pf_token, SP_TOKENLEN);
	if (rc_conn_get(&cc) == 0)
		(void)rc_control(cc, SP_CANCEL, &c, sizeof(c), &cr,
		    sizeof(cr));
	free(pf);
}

RUMPCLIENT_PUBLIC pid_t
rumpclient_fork(void)
{
	struct rumpclient_fork *pf;
	pid_t pid;
	int error;

	pf = rumpclient_prefork();
	if (pf == NULL)
		return -1;
	pid = fork();
	if (pid == -1) {
		error = errno;
		rumpclient_fork_cancel(pf);
		errno = error;
		return -1;
	}
	if (pid == 0) {
		if (rumpclient_fork_init(pf) != 0)
			_exit(1);
		return 0;
	}
	rumpclient_fork_done(pf);
	return pid;
}

RUMPCLIENT_PUBLIC int
rumpclient_exec(const char *path, char *const argv[], char *const envp[])
{
	struct sp_hold_reply hr;
	struct sp_cancel c;
	struct sp_cancel_reply cr;
	struct rc_conn *cc;
	char tokenvar[sizeof(RC_EXECENV) + 2 * SP_TOKENLEN + 2];
	char **nenv;
	size_t n, i, k;
	int error;

	error = rc_conn_get(&cc);
	if (error == 0)
		error = rc_control(cc, SP_EXEC, NULL, 0, &hr, sizeof(hr));
	if (error == 0 && hr.hr_error != 0)
		error = hr.hr_error;
	if (error != 0) {
		errno = error;
		return -1;
	}
	k = (size_t)snprintf(tokenvar, sizeof(tokenvar), "%s=", RC_EXECENV);
	for (i = 0; i < SP_TOKENLEN; i++)
		k += (size_t)snprintf(tokenvar + k, sizeof(tokenvar) - k,
		    "%02x", hr.hr_token[i]);
	for (n = 0; envp != NULL && envp[n] != NULL; n++)
		;
	nenv = calloc(n + 2, sizeof(*nenv));
	if (nenv == NULL) {
		error = ENOMEM;
		goto out_cancel;
	}
	for (i = k = 0; i < n; i++)
		if (strncmp(envp[i], RC_EXECENV "=",
		    sizeof(RC_EXECENV)) != 0)
			nenv[k++] = envp[i];
	nenv[k++] = tokenvar;
	nenv[k] = NULL;
	execve(path, argv, nenv);
	error = errno;
	free(nenv);
out_cancel:
	memcpy(c.c_token, hr.hr_token, SP_TOKENLEN);
	if (rc_conn_get(&cc) == 0)
		(void)rc_control(cc, SP_CANCEL, &c, sizeof(c), &cr,
		    sizeof(cr));
	errno = error;
	return -1;
}
