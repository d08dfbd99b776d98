/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * poll.h: waiting for descriptors to become ready (poll, ppoll).
 *
 * An object that can make a poller wait (a pipe, a socket buffer) embeds a
 * struct pollinfo.  Its fo_poll returns the events that are ready now and,
 * for those that are not, calls pollrecord() on the pollinfo that will
 * signal them; when its state changes it calls pollnotify() with the
 * events that became ready.  A poll(2) that found nothing ready sleeps
 * until a pollinfo it recorded is notified or its timeout runs out, then
 * scans again.
 *
 * The caller of pollrecord() and pollnotify() may hold the object's own
 * lock.  Lock order: object lock > pi_lock > the poller's lock.
 * Locking: [p] pi_lock.
 * Implemented in vfs_poll.c.
 */
#ifndef _SYS_VFS_POLL_H_
#define _SYS_VFS_POLL_H_

#include "kern/kern.h"
#include "kern/lock.h"

struct pollreg;

struct pollinfo {
	kmutex_t pi_lock;
	struct pollreg *pi_regs;           /* [p] pollers waiting here */
};

void pollinfo_init(struct pollinfo *pi);
/* No poller may be recorded any more (they hold references to the file). */
void pollinfo_destroy(struct pollinfo *pi);
/* From fo_poll: the current poll scan wants to hear from pi. */
void pollrecord(struct pollinfo *pi);
/* events became ready (or POLLHUP/POLLERR happened): wake the pollers
 * waiting for any of them. */
void pollnotify(struct pollinfo *pi, int events);

#endif /* _SYS_VFS_POLL_H_ */
