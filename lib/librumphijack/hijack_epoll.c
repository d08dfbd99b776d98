/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_epoll.c: epoll over kernel descriptors.
 *
 * The epoll instance stays the host's.  A kernel descriptor added to it
 * is kept here instead (epfd, fd, events, data); epoll_wait on an
 * instance with kernel registrations polls the instance itself (readable
 * when it has host events) together with the kernel descriptors through
 * hj_poll, then takes the host events with a zero-timeout epoll_wait and
 * adds the kernel ones.  Level-triggered only: EPOLLET and
 * EPOLLEXCLUSIVE on a kernel descriptor are refused (EOPNOTSUPP);
 * EPOLLONESHOT is kept (the registration is disarmed once reported,
 * until EPOLL_CTL_MOD).  A registration goes when its descriptor or
 * instance is closed through close(), or when the kernel reports the
 * descriptor gone (POLLNVAL).  epoll_pwait and epoll_pwait2 set the
 * signal mask around the wait rather than atomically with it.
 *
 * Locking: hj_eplock protects hj_ep and hj_nep; epoll_wait copies what it
 * needs and waits without the lock.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "hijack_impl.h"

struct hj_epreg {
	int er_epfd;                    /* the host epoll instance */
	int er_fd;                      /* the program's kernel descriptor */
	uint32_t er_events;             /* EPOLL* asked for */
	bool er_armed;                  /* false: a fired EPOLLONESHOT */
	epoll_data_t er_data;
};

static pthread_mutex_t hj_eplock = PTHREAD_MUTEX_INITIALIZER;
static struct hj_epreg *hj_ep;          /* [hj_eplock] */
static int hj_nep;                      /* [hj_eplock, a] in use */
static int hj_epcap;                    /* [hj_eplock] allocated */

#define HJ_EP_SUPPORTED (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDNORM |	\
	EPOLLWRNORM | EPOLLRDBAND | EPOLLWRBAND | EPOLLERR | EPOLLHUP |	\
	EPOLLRDHUP | EPOLLONESHOT | EPOLLWAKEUP)

/* Is epfd a host epoll instance? */
static int
hj_isepoll(int epfd)
{
	char link[64], path[64];
	ssize_t n;

	if (epfd < 0 || fcntl(epfd, F_GETFD) < 0)
		return EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", epfd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;       /* no /proc: let epoll_wait find out */
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventpoll]") == 0 ? 0 : EINVAL;
}

static int
hj_ep_find(int epfd, int fd)
{
	int i;

	for (i = 0; i < hj_nep; i++)
		if (hj_ep[i].er_epfd == epfd && hj_ep[i].er_fd == fd)
			return i;
	return -1;
}

static void
hj_ep_remove(int i)
{

	hj_ep[i] = hj_ep[--hj_nep];
}

static short
hj_ep2poll(uint32_t ev)
{
	short p = 0;

	if (ev & (EPOLLIN | EPOLLRDNORM))
		p |= POLLIN;
	if (ev & (EPOLLOUT | EPOLLWRNORM))
		p |= POLLOUT;
	if (ev & (EPOLLPRI | EPOLLRDBAND))
		p |= POLLPRI;
	return p;
}

static uint32_t
hj_poll2ep(short rv, uint32_t asked)
{
	uint32_t e = 0;

	if (rv & POLLIN)
		e |= EPOLLIN | EPOLLRDNORM;
	if (rv & POLLOUT)
		e |= EPOLLOUT | EPOLLWRNORM;
	if (rv & POLLPRI)
		e |= EPOLLPRI | EPOLLRDBAND;
	e &= asked;
	/* Errors and hangups are reported whether asked for or not. */
	if (rv & POLLERR)
		e |= EPOLLERR;
	if (rv & POLLHUP)
		e |= EPOLLHUP | (asked & EPOLLRDHUP);
	return e;
}

static int
hj_ep_ctl(int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct hj_epreg *n;
	struct pollfd p;
	int i, error;

	if ((error = hj_isepoll(epfd)) != 0)
		return hj_set_errno(error);
	if (op != EPOLL_CTL_DEL) {
		if (ev == NULL)
			return hj_set_errno(EFAULT);
		if (ev->events & (EPOLLET | EPOLLEXCLUSIVE))
			return hj_set_errno(EOPNOTSUPP);
		if (ev->events & ~(uint32_t)HJ_EP_SUPPORTED)
			return hj_set_errno(EINVAL);
		/* The descriptor must be open in the kernel. */
		p.fd = fd;
		p.events = 0;
		p.revents = 0;
		if (hj_poll(&p, 1, 0) < 0)
			return -1;
		if (p.revents & POLLNVAL)
			return hj_set_errno(EBADF);
	}
	pthread_mutex_lock(&hj_eplock);
	i = hj_ep_find(epfd, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (i >= 0) {
			error = EEXIST;
			break;
		}
		if (hj_nep == hj_epcap) {
			n = realloc(hj_ep, (size_t)(hj_epcap + 16) *
			    sizeof(*hj_ep));
			if (n == NULL) {
				error = ENOMEM;
				break;
			}
			hj_ep = n;
			hj_epcap += 16;
		}
		i = hj_nep;
		hj_ep[i].er_epfd = epfd;
		hj_ep[i].er_fd = fd;
		hj_ep[i].er_events = ev->events;
		hj_ep[i].er_armed = true;
		hj_ep[i].er_data = ev->data;
		__atomic_store_n(&hj_nep, hj_nep + 1, __ATOMIC_RELAXED);
		break;
	case EPOLL_CTL_MOD:
		if (i < 0) {
			error = ENOENT;
			break;
		}
		hj_ep[i].er_events = ev->events;
		hj_ep[i].er_armed = true;
		hj_ep[i].er_data = ev->data;
		break;
	case EPOLL_CTL_DEL:
		if (i < 0)
			error = ENOENT;
		else
			hj_ep_remove(i);
		break;
	default:
		error = EINVAL;
		break;
	}
	pthread_mutex_unlock(&hj_eplock);
	return error != 0 ? hj_set_errno(error) : 0;
}

HJ_EXPORT int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int k;

	if (!hj_inited || hj_inrump)
		return REAL(epoll_ctl)(epfd, op, fd, ev);
	if (hj_fd(epfd, &k) == HJ_RUMP)
		return hj_set_errno(EINVAL);    /* not an epoll instance */
	if (hj_fd(fd, &k) == HJ_RUMP)
		return hj_ep_ctl(epfd, op, fd, ev);
	return REAL(epoll_ctl)(epfd, op, fd, ev);
}

/* close(fd) of the program: forget registrations of fd or on it. */
void
hj_epoll_forget(int fd)
{
	int i;

	if (__atomic_load_n(&hj_nep, __ATOMIC_RELAXED) == 0)
		return;
	pthread_mutex_lock(&hj_eplock);
	for (i = 0; i < hj_nep; )
		if (hj_ep[i].er_epfd == fd || hj_ep[i].er_fd == fd)
			hj_ep_remove(i);
		else
			i++;
	pthread_mutex_unlock(&hj_eplock);
}

static long long
hj_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait on epfd with its kernel registrations.  Returns -2 when epfd has
 * none (the caller goes to the host), else the epoll_wait result.
 */
static int
hj_ep_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	struct pollfd *pfd;
	struct hj_epreg *regs;
	long long deadline;
	int i, j, nr, nh, count, left, error;
	short rv;

	if (max <= 0)
		return hj_set_errno(EINVAL);
	deadline = timeout < 0 ? -1 : hj_now_ms() + timeout;
	for (;;) {
		pthread_mutex_lock(&hj_eplock);
		for (nr = 0, i = 0; i < hj_nep; i++)
			if (hj_ep[i].er_epfd == epfd)
				nr++;
		if (nr == 0) {
			pthread_mutex_unlock(&hj_eplock);
			return -2;
		}
		regs = malloc((size_t)nr * sizeof(*regs));
		pfd = malloc((size_t)(nr + 1) * sizeof(*pfd));
		if (regs == NULL || pfd == NULL) {
			pthread_mutex_unlock(&hj_eplock);
			free(regs);
			free(pfd);
			return hj_set_errno(ENOMEM);
		}
		for (nr = 0, i = 0; i < hj_nep; i++)
			if (hj_ep[i].er_epfd == epfd)
				regs[nr++] = hj_ep[i];
		pthread_mutex_unlock(&hj_eplock);

		pfd[0].fd = epfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nr; i++) {
			/* A disarmed one-shot is not polled at all. */
			pfd[i + 1].fd = regs[i].er_armed ? regs[i].er_fd : -1;
			pfd[i + 1].events = hj_ep2poll(regs[i].er_events);
			pfd[i + 1].revents = 0;
		}
		left = deadline < 0 ? -1 : (int)(deadline - hj_now_ms());
		if (deadline >= 0 && left < 0)
			left = 0;
		if (hj_poll(pfd, (unsigned long)nr + 1, left) < 0) {
			error = errno;
			free(regs);
			free(pfd);
			return hj_set_errno(error);
		}
		/* Kernel events first, leaving a slot for the host's. */
		count = 0;
		for (i = 0; i < nr; i++) {
			rv = pfd[i + 1].revents;
			if (rv & POLLNVAL) {
				/* Closed behind our back: epoll drops it. */
				pthread_mutex_lock(&hj_eplock);
				j = hj_ep_find(epfd, regs[i].er_fd);
				if (j >= 0)
					hj_ep_remove(j);
				pthread_mutex_unlock(&hj_eplock);
				continue;
			}
			if (!regs[i].er_armed || rv == 0 ||
			    count >= max - ((pfd[0].revents & POLLIN) &&
			    max > 1 ? 1 : 0))
				continue;
			evs[count].events = hj_poll2ep(rv,
			    regs[i].er_events);
			if (evs[count].events == 0)
				continue;
			evs[count].data = regs[i].er_data;
			count++;
			if (regs[i].er_events & EPOLLONESHOT) {
				pthread_mutex_lock(&hj_eplock);
				j = hj_ep_find(epfd, regs[i].er_fd);
				if (j >= 0)
					hj_ep[j].er_armed = false;
				pthread_mutex_unlock(&hj_eplock);
			}
		}
		if ((pfd[0].revents & POLLIN) && count < max) {
			nh = REAL(epoll_wait)(epfd, evs + count, max - count,
			    0);
			if (nh > 0)
				count += nh;
		}
		error = (pfd[0].revents & POLLNVAL) ? EBADF : 0;
		free(regs);
		free(pfd);
		if (error != 0)
			return hj_set_errno(error);
		if (count > 0 || (deadline >= 0 && hj_now_ms() >= deadline))
			return count;
	}
}

HJ_EXPORT int
epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	int r;

	if (!hj_inited || hj_inrump ||
	    __atomic_load_n(&hj_nep, __ATOMIC_RELAXED) == 0)
		return REAL(epoll_wait)(epfd, evs, max, timeout);
	r = hj_ep_wait(epfd, evs, max, timeout);
	return r == -2 ? REAL(epoll_wait)(epfd, evs, max, timeout) : r;
}

static int
hj_ep_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
    const sigset_t *mask)
{
	sigset_t old;
	int r, error;

	if (mask != NULL)
		pthread_sigmask(SIG_SETMASK, mask, &old);
	r = hj_ep_wait(epfd, evs, max, timeout);
	error = errno;
	if (mask != NULL)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = error;
	return r;
}

HJ_EXPORT int
epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
    const sigset_t *mask)
{
	int r;

	if (!hj_inited || hj_inrump ||
	    __atomic_load_n(&hj_nep, __ATOMIC_RELAXED) == 0)
		return REAL(epoll_pwait)(epfd, evs, max, timeout, mask);
	r = hj_ep_pwait(epfd, evs, max, timeout, mask);
	return r == -2 ? REAL(epoll_pwait)(epfd, evs, max, timeout, mask) :
	    r;
}

static int
hj_ts2ms_ep(const struct timespec *ts)
{
	long long ms;

	if (ts == NULL)
		return -1;
	ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

HJ_EXPORT int
epoll_pwait2(int epfd, struct epoll_event *evs, int max,
    const struct timespec *ts, const sigset_t *mask)
{
	int r;

	if (!hj_inited || hj_inrump ||
	    __atomic_load_n(&hj_nep, __ATOMIC_RELAXED) == 0)
		return REAL(epoll_pwait2)(epfd, evs, max, ts, mask);
	r = hj_ep_pwait(epfd, evs, max, hj_ts2ms_ep(ts), mask);
	return r == -2 ? REAL(epoll_pwait2)(epfd, evs, max, ts, mask) : r;
}
