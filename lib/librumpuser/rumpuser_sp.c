/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_sp.c: the host side of the remote-syscall server.
 *
 * The kernel (sys/kern/kern_sp.c, rump_init_server()) calls
 * rumpuser_sp_init() with a URL and its upcalls.  This file listens on
 * the URL, and an accept thread starts one host thread per connection.
 * A connection thread reads frames (a host-order uint32_t length first,
 * checked against the kernel's maximum), hands each whole frame to the
 * kernel's spo_request upcall, which runs the request inline on this
 * thread, and writes the reply back: one read and one write per call in
 * the common case, which is what keeps a remote system call close to a
 * bare socket round trip.  Peer credentials of unix sockets come from
 * SO_PEERCRED and SO_PEERGROUPS.
 *
 * Nothing here knows what a frame means; the protocol is in
 * docs/protocol.md and kern_sp.c.  Connection threads have every signal
 * blocked and hold no virtual CPU while they wait in the host.
 *
 * A call may sleep in the kernel for ever (a read on an empty pipe), so
 * the connection's own thread cannot be the one to notice that its peer
 * went away.  A watch thread waits in epoll for the hangup (EPOLLRDHUP,
 * edge-triggered: one event per connection, no cost per call) of every
 * connection and tells the kernel (spo_hangup), which interrupts the
 * sleeping call; the connection thread then reads end of file and closes
 * as usual.  Connections are found by id in the watch list, never by a
 * pointer kept in epoll, so a late event for a closed connection is
 * harmless.  The same thread calls spo_tick about once a second.
 *
 * Locking: [I] set by rumpuser_sp_init() before the accept thread runs,
 * [s] ru_sp_mtx, [w] ru_sp_watch_mtx (held across spo_hangup, so that a
 * connection cannot reach spo_close meanwhile).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rumpuser_int.h"
#include "rumpuser_sp_spin.h"
#include "rumpuser_sp_url.h"

/*
 * A connection thread waiting for a request (or the rest of one) polls
 * its socket for up to RU_SP_SPIN_US microseconds (RUMP_SP_SPIN_US
 * overrides, 0 turns it off) before it sleeps in recv, when the host has
 * a CPU to spare (rumpuser_sp_spin.c): a client making calls in a row
 * sends the next one within that, and a thread that did not sleep need
 * not be woken.
 */
#define RU_SP_SPIN_US      20

#define RU_SP_TICK_MS      1000

/* Frames up to this size use the connection's standing buffer. */
#define RU_SP_BUFSIZE (128 * 1024 + 4096)
#define RU_SP_HDRLEN  16

static pthread_mutex_t ru_sp_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct rumpuser_sp_ops ru_sp_ops;     /* [I] */
static size_t ru_sp_maxmsg;                  /* [I] */
static uint64_t ru_sp_spin_ns;               /* [I] */
static int ru_sp_listenfd = -1;              /* [s] */
static int ru_sp_listening;                  /* [s] */
static char ru_sp_unlinkpath[4096 + 128];          /* [s] socket file, or "" */
static int ru_sp_atexit_done;                /* [s] */

static pthread_mutex_t ru_sp_watch_mtx = PTHREAD_MUTEX_INITIALIZER;
static int ru_sp_epfd = -1;                  /* [I] watch epoll, or -1 */
static struct ru_sp_conn *ru_sp_watched;     /* [w] */
static uint64_t ru_sp_nextid;                /* [w] */

struct ru_sp_conn {
	int c_fd;
	void *c_kconn;                  /* the kernel's handle */
	unsigned char *c_buf;
	size_t c_cap;
	struct ru_sp_spin c_spin;       /* polling for frames */
	uint64_t c_id;                  /* [w] in the watch list, or 0 */
	int c_hungup;                   /* [w] spo_hangup called */
	struct ru_sp_conn *c_wnext;     /* [w] */
};

/* Watch c's socket for the peer's hangup (before its thread starts). */
static void
ru_sp_watch_add(struct ru_sp_conn *c)
{
	struct epoll_event ev;

	if (ru_sp_epfd < 0)
		return;
	pthread_mutex_lock(&ru_sp_watch_mtx);
	c->c_id = ++ru_sp_nextid;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLRDHUP | EPOLLET;
	ev.data.u64 = c->c_id;
	if (epoll_ctl(ru_sp_epfd, EPOLL_CTL_ADD, c->c_fd, &ev) == 0) {
		c->c_wnext = ru_sp_watched;
		ru_sp_watched = c;
	} else {
		c->c_id = 0;         /* unwatched: calls are not interrupted */
	}
	pthread_mutex_unlock(&ru_sp_watch_mtx);
}

/* Stop watching c; after this no spo_hangup runs or will run for it. */
static void
ru_sp_watch_remove(struct ru_sp_conn *c)
{
	struct ru_sp_conn **cp;

	if (c->c_id == 0)
		return;
	pthread_mutex_lock(&ru_sp_watch_mtx);
	for (cp = &ru_sp_watched; *cp != NULL; cp = &(*cp)->c_wnext)
		if (*cp == c) {
			*cp = c->c_wnext;
			break;
		}
	(void)epoll_ctl(ru_sp_epfd, EPOLL_CTL_DEL, c->c_fd, NULL);
	c->c_id = 0;
	pthread_mutex_unlock(&ru_sp_watch_mtx);
}

/*
 * The watch thread: hangups as they come, and spo_tick about once a
 * second (RU_SP_TICK_MS) in between.
 */
static void *
ru_sp_watch_thread(void *arg)
{
	struct epoll_event evs[32];
	struct ru_sp_conn *c;
	struct timespec ts;
	int64_t now, next = 0;
	int n, i;

	(void)arg;
	for (;;) {
		n = epoll_wait(ru_sp_epfd, evs, 32, RU_SP_TICK_MS);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= next) {
			next = now + RU_SP_TICK_MS;
			if (ru_sp_ops.spo_tick != NULL)
				ru_sp_ops.spo_tick();
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		pthread_mutex_lock(&ru_sp_watch_mtx);
		for (i = 0; i < n; i++) {
			for (c = ru_sp_watched; c != NULL; c = c->c_wnext)
				if (c->c_id == evs[i].data.u64)
					break;
			if (c == NULL || c->c_hungup ||
			    ru_sp_ops.spo_hangup == NULL)
				continue;
			c->c_hungup = 1;
			ru_sp_ops.spo_hangup(c->c_kconn);
		}
		pthread_mutex_unlock(&ru_sp_watch_mtx);
	}
	return NULL;
}

static void
ru_sp_unlink_socket(void)
{

	pthread_mutex_lock(&ru_sp_mtx);
	if (ru_sp_unlinkpath[0] != '\0') {
		(void)unlink(ru_sp_unlinkpath);
		ru_sp_unlinkpath[0] = '\0';
	}
	pthread_mutex_unlock(&ru_sp_mtx);
}

/* Write all of buf; 0 or an errno. */
static int
ru_sp_writeall(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read one frame into c->c_buf (growing it up to ru_sp_maxmsg).  *havep
 * counts bytes already in the buffer (a previous read's surplus).
 * Returns 0 and the frame's length in *lenp, or an errno / -1 (EOF, bad
 * length) to end the connection.
 */
static int
ru_sp_readframe(struct ru_sp_conn *c, size_t *havep, size_t *lenp)
{
	size_t have = *havep, need = RU_SP_HDRLEN, len = 0;
	uint32_t flen;
	ssize_t n;

	for (;;) {
		if (have >= RU_SP_HDRLEN && len == 0) {
			memcpy(&flen, c->c_buf, sizeof(flen));
			if (flen < RU_SP_HDRLEN || flen > ru_sp_maxmsg)
				return -1;
			len = need = flen;
			if (len > c->c_cap) {
				unsigned char *nb = realloc(c->c_buf, len);
				if (nb == NULL)
					return ENOMEM;
				c->c_buf = nb;
				c->c_cap = len;
			}
		}
		if (have >= need && len != 0)
			break;
		n = ru_sp_recv_spin(&c->c_spin, c->c_fd, c->c_buf + have,
		    c->c_cap - have, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return -1;
		have += (size_t)n;
	}
	*havep = have;
	*lenp = len;
	return 0;
}

static void *
ru_sp_conn_thread(void *arg)
{
	struct ru_sp_conn *c = arg;
	const void *reply;
	size_t have = 0, len = 0, rlen;
	int rv;

	for (;;) {
		if (ru_sp_readframe(c, &have, &len) != 0)
			break;
		reply = NULL;
		rlen = 0;
		rv = ru_sp_ops.spo_request(c->c_kconn, c->c_buf, len, &reply,
		    &rlen);
		if (rv != 0 && rv != RUMPUSER_SP_LAST)
			break;
		if (rlen > 0 && ru_sp_writeall(c->c_fd, reply, rlen) != 0)
			break;
		if (rv == RUMPUSER_SP_LAST)
			break;
		/* Keep a surplus (a pipelining peer), drop a large buffer. */
		have -= len;
		if (have > 0)
			memmove(c->c_buf, c->c_buf + len, have);
		if (c->c_cap > RU_SP_BUFSIZE && have <= RU_SP_BUFSIZE) {
			unsigned char *nb = realloc(c->c_buf, RU_SP_BUFSIZE);
			if (nb != NULL) {
				c->c_buf = nb;
				c->c_cap = RU_SP_BUFSIZE;
			}
		}
	}
	ru_sp_watch_remove(c);
	ru_sp_ops.spo_close(c->c_kconn);
	close(c->c_fd);
	free(c->c_buf);
	free(c);
	return NULL;
}

static void
ru_sp_peer_fill(int fd, int transport, struct rumpuser_sp_peer *peer)
{
	struct ucred uc;
	socklen_t sl;
	gid_t groups[RUMPUSER_SP_NGROUPS];
	int i;

	memset(peer, 0, sizeof(*peer));
	peer->sp_transport = transport;
	peer->sp_ngroups = -1;
	if (transport != RUMPUSER_SP_UNIX)
		return;
	sl = sizeof(uc);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) != 0 ||
	    sl != sizeof(uc))
		return;
	peer->sp_hascred = 1;
	peer->sp_pid = uc.pid;
	peer->sp_uid = uc.uid;
	peer->sp_gid = uc.gid;
#ifdef SO_PEERGROUPS
	sl = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &sl) == 0) {
		peer->sp_ngroups = (int)(sl / sizeof(gid_t));
		for (i = 0; i < peer->sp_ngroups; i++)
			peer->sp_groups[i] = groups[i];
	}
#else
	(void)groups;
	(void)i;
#endif
}

static void
ru_sp_start_conn(int fd, int transport)
{
	struct rumpuser_sp_peer peer;
	struct ru_sp_conn *c;
	int one = 1;

	if (transport == RUMPUSER_SP_TCP)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	ru_sp_peer_fill(fd, transport, &peer);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto out_close;
	c->c_fd = fd;
	c->c_spin.sp_ns = ru_sp_spin_ns;
	c->c_cap = RU_SP_BUFSIZE;
	c->c_buf = malloc(c->c_cap);
	if (c->c_buf == NULL)
		goto out_free;
	if (ru_sp_ops.spo_open(&peer, &c->c_kconn) != 0)
		goto out_free;
	ru_sp_watch_add(c);
	if (ru_thread_start_helper(ru_sp_conn_thread, c, "rumpsp") != 0) {
		ru_sp_watch_remove(c);
		ru_sp_ops.spo_close(c->c_kconn);
		goto out_free;
	}
	return;
out_free:
	if (c != NULL)
		free(c->c_buf);
	free(c);
out_close:
	close(fd);
}

static void *
ru_sp_accept_thread(void *arg)
{
	int lfd = (int)(intptr_t)arg, transport, fd;

	pthread_mutex_lock(&ru_sp_mtx);
	transport = ru_sp_unlinkpath[0] != '\0' ? RUMPUSER_SP_UNIX :
	    RUMPUSER_SP_TCP;
	pthread_mutex_unlock(&ru_sp_mtx);
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				usleep(10000);
				continue;
			}
			break;               /* shut down by rumpuser_sp_fini */
		}
		ru_sp_start_conn(fd, transport);
	}
	close(lfd);
	return NULL;
}

/*
 * A unix socket path that exists: remove it if nobody listens there (a
 * crashed server's leftover), else EADDRINUSE.
 */
static int
ru_sp_stale(const struct ru_sp_addr *a)
{
	struct stat st;
	int fd, error;

	if (lstat(a->a_path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return EADDRINUSE;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	error = connect(fd, (const struct sockaddr *)&a->a_sa, a->a_salen);
	close(fd);
	if (error == 0 || errno != ECONNREFUSED)
		return EADDRINUSE;
	(void)unlink(a->a_path);
	return 0;
}

int
rumpuser_sp_init(const char *url, const struct rumpuser_sp_ops *ops,
    size_t maxmsg)
{
	struct ru_sp_addr a;
	char cwd[4096];
	mode_t omask;
	int fd, error, one = 1;

	if (ops == NULL || maxmsg < RU_SP_HDRLEN)
		return EINVAL;
	error = ru_sp_parseurl(url, &a);
	if (error != 0)
		return error;
	pthread_mutex_lock(&ru_sp_mtx);
	if (ru_sp_listening) {
		pthread_mutex_unlock(&ru_sp_mtx);
		return EALREADY;
	}
	if (a.a_transport == RUMPUSER_SP_UNIX && (error = ru_sp_stale(&a)) != 0)
		goto out_unlock;
	fd = socket(a.a_sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		error = errno;
		goto out_unlock;
	}
	if (a.a_transport == RUMPUSER_SP_TCP)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	/* The socket file is born 0600: no window with wider access. */
	omask = umask(0177);
	error = bind(fd, (const struct sockaddr *)&a.a_sa, a.a_salen) == 0 ?
	    0 : errno;
	umask(omask);
	if (error == 0 && listen(fd, 128) != 0)
		error = errno;
	if (error != 0) {
		close(fd);
		goto out_unlock;
	}
	if (a.a_transport == RUMPUSER_SP_UNIX) {
		/* Absolute, so that unlinking works after a chdir. */
		ru_sp_unlinkpath[0] = '\0';
		if (a.a_path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL &&
		    strlen(cwd) + strlen(a.a_path) + 2 <=
		    sizeof(ru_sp_unlinkpath)) {
			strcpy(ru_sp_unlinkpath, cwd);
			strcat(ru_sp_unlinkpath, "/");
		}
		strcat(ru_sp_unlinkpath, a.a_path);
		if (!ru_sp_atexit_done) {
			atexit(ru_sp_unlink_socket);
			ru_sp_atexit_done = 1;
		}
	}
	ru_sp_ops = *ops;
	ru_sp_maxmsg = maxmsg;
	ru_sp_spin_ns = ru_sp_spin_param("RUMP_SP_SPIN_US", RU_SP_SPIN_US);
	/* Once per process: the watch thread outlives a halt and restart. */
	if ((ops->spo_hangup != NULL || ops->spo_tick != NULL) &&
	    ru_sp_epfd < 0) {
		ru_sp_epfd = epoll_create1(EPOLL_CLOEXEC);
		if (ru_sp_epfd >= 0 && ru_thread_start_helper(
		    ru_sp_watch_thread, NULL, "rumpsp_watch") != 0) {
			close(ru_sp_epfd);
			ru_sp_epfd = -1;
		}
	}
	ru_sp_listenfd = fd;
	ru_sp_listening = 1;
	error = ru_thread_start_helper(ru_sp_accept_thread,
	    (void *)(intptr_t)fd, "rumpsp_accept");
	if (error != 0) {
		ru_sp_listening = 0;
		ru_sp_listenfd = -1;
		close(fd);
		if (ru_sp_unlinkpath[0] != '\0')
			(void)unlink(ru_sp_unlinkpath);
		ru_sp_unlinkpath[0] = '\0';
	}
out_unlock:
	pthread_mutex_unlock(&ru_sp_mtx);
	return error;
}

void
rumpuser_sp_fini(void)
{

	pthread_mutex_lock(&ru_sp_mtx);
	if (ru_sp_listening) {
		/* Wakes the accept thread, which closes the socket. */
		(void)shutdown(ru_sp_listenfd, SHUT_RDWR);
		ru_sp_listenfd = -1;
	}
	pthread_mutex_unlock(&ru_sp_mtx);
	ru_sp_unlink_socket();
}
