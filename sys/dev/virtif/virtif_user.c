/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtif_user.c: the host half of the virtif driver: a Linux tap device
 * (/dev/net/tun, IFF_TAP | IFF_NO_PI), so the rump kernel's interface is
 * on the same Ethernet as the host's stack.  The only file of the driver
 * with host headers; if_virtif.c calls it through virtif_user.h.
 *
 * The tap descriptor is non-blocking; a reader waits in poll(2) on it
 * and on an eventfd that rumpuser_virtif_stop writes to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virtif_user.h"

struct virtif_user {
	int vu_fd;
	int vu_evfd;
	volatile int vu_stop;
};

int
rumpuser_virtif_attach(const char *devname, struct virtif_user **up)
{
	struct virtif_user *u;
	struct ifreq ifr;
	int error;

	if (strlen(devname) >= IFNAMSIZ)
		return EINVAL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return ENOMEM;
	u->vu_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (u->vu_fd == -1) {
		error = errno;
		goto out_free;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, devname, IFNAMSIZ - 1);
	if (ioctl(u->vu_fd, TUNSETIFF, &ifr) == -1) {
		error = errno;
		goto out_close;
	}
	u->vu_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->vu_evfd == -1) {
		error = errno;
		goto out_close;
	}
	*up = u;
	return 0;

out_close:
	close(u->vu_fd);
out_free:
	free(u);
	return error;
}

void
rumpuser_virtif_detach(struct virtif_user *u)
{
	close(u->vu_evfd);
	close(u->vu_fd);
	free(u);
}

int
rumpuser_virtif_send(struct virtif_user *u, const void *frame, size_t len)
{
	ssize_t n = write(u->vu_fd, frame, len);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		return EIO;
	return errno == EAGAIN ? ENOBUFS : errno;
}

int
rumpuser_virtif_recv(struct virtif_user *u, void *buf, size_t buflen,
    size_t *lenp)
{
	ssize_t n = read(u->vu_fd, buf, buflen);

	if (n > 0) {
		*lenp = (size_t)n;
		return 0;
	}
	if (n == 0)
		return EAGAIN;
	return errno == EINTR ? EAGAIN : errno;
}

void
rumpuser_virtif_wait(struct virtif_user *u)
{
	struct pollfd pfd[2];

	if (u->vu_stop)
		return;
	pfd[0].fd = u->vu_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = u->vu_evfd;
	pfd[1].events = POLLIN;
	(void)poll(pfd, 2, -1);
}

void
rumpuser_virtif_stop(struct virtif_user *u)
{
	uint64_t one = 1;

	u->vu_stop = 1;
	(void)write(u->vu_evfd, &one, sizeof(one));
}
