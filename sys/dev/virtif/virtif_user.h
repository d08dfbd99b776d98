/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtif_user.h: the hypercalls of the virtif driver, between its kernel
 * half (if_virtif.c) and its host half (virtif_user.c, built into the
 * same library).  They return 0 or an errno value (Linux numbering).
 * rumpuser_virtif_wait blocks in the host: call it with the virtual CPU
 * released.  The others never block.
 */
#ifndef _SYS_DEV_VIRTIF_VIRTIF_USER_H_
#define _SYS_DEV_VIRTIF_VIRTIF_USER_H_

#include <stddef.h>
#include <stdint.h>

#define VIRTIF_MAXFRAME 9018

struct virtif_user;

/* Open the host tap device devname (created if missing: needs
 * CAP_NET_ADMIN), without packet information headers. */
int rumpuser_virtif_attach(const char *devname, struct virtif_user **up);
void rumpuser_virtif_detach(struct virtif_user *u);
/* Write one frame; ENOBUFS if the host queue is full. */
int rumpuser_virtif_send(struct virtif_user *u, const void *frame,
    size_t len);
/* Read one frame: 0 with *lenp, or EAGAIN if there is none. */
int rumpuser_virtif_recv(struct virtif_user *u, void *buf, size_t buflen,
    size_t *lenp);
/* Sleep until a frame may be there or rumpuser_virtif_stop was called. */
void rumpuser_virtif_wait(struct virtif_user *u);
void rumpuser_virtif_stop(struct virtif_user *u);

#endif /* _SYS_DEV_VIRTIF_VIRTIF_USER_H_ */
