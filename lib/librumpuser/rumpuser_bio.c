/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_bio.c: asynchronous block I/O on host files.
 *
 * The kernel's block-device layer (sys/vfs, host-backed disks) calls
 * rumpuser_bio() with a virtual CPU held; the call only queues the request
 * and returns.  A small pool of host I/O threads, started on demand, does
 * the pread/pwrite and calls the request's biodone function.  Those threads
 * never hold a virtual CPU and have no lwp: the kernel's biodone must cope
 * with that (it schedules itself if it needs to).
 *
 * Life of a request:
 *   rumpuser_bio() -> queued on ru_bio_queue -> taken by an I/O thread ->
 *   host I/O -> biodone(arg, donelen, error) -> freed.
 * If no request can be allocated or no I/O thread can be started, the
 * caller does the I/O itself with its virtual CPU released and calls
 * biodone from its own thread, still without a virtual CPU.  A caller
 * that is going to wait for the request anyway (RUMPUSER_BIO_INLINE)
 * gets the same: no queue, no hand-off to another thread and back.
 *
 * RUMP_FAULT_BIO (see rumpuser.c) makes chosen requests fail with EIO
 * without touching the file.
 *
 * Locking: [q] ru_bio_mtx.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "rumpuser_int.h"

#define RU_BIO_MAXTHREADS 4

struct ru_bioreq {
	struct ru_bioreq *br_next;    /* [q] queue link */
	int br_fd;
	int br_op;                    /* RUMPUSER_BIO_* */
	void *br_data;
	size_t br_dlen;
	int64_t br_off;
	int br_error;                 /* set before the I/O: injected fault */
	rump_biodone_fn br_done;
	void *br_arg;
};

static pthread_mutex_t ru_bio_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ru_bio_cv = PTHREAD_COND_INITIALIZER; /* [q] work */
static struct ru_bioreq *ru_bio_head;                  /* [q] FIFO head */
static struct ru_bioreq **ru_bio_tailp = &ru_bio_head; /* [q] FIFO tail */
static unsigned ru_bio_nthreads;                       /* [q] started */
static unsigned ru_bio_nidle;                          /* [q] waiting */

/* Read or write the whole request; returns the error, *donep the bytes. */
static int
ru_bio_io(int fd, int op, char *data, size_t dlen, int64_t off,
    size_t *donep)
{
	size_t done = 0;
	ssize_t n;
	int error = 0;

	if (off < 0)
		return EINVAL;
	switch (op & (RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE)) {
	case RUMPUSER_BIO_READ:
		while (done < dlen) {
			n = pread(fd, data + done, dlen - done,
			    (off_t)(off + (int64_t)done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				error = errno;
				break;
			}
			if (n == 0)
				break; /* end of file: a short read */
			done += (size_t)n;
		}
		break;
	case RUMPUSER_BIO_WRITE:
		while (done < dlen) {
			n = pwrite(fd, data + done, dlen - done,
			    (off_t)(off + (int64_t)done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				error = errno;
				break;
			}
			if (n == 0) {
				error = EIO;
				break;
			}
			done += (size_t)n;
		}
		if (error == 0 && (op & RUMPUSER_BIO_SYNC)) {
			while (fdatasync(fd) != 0) {
				if (errno != EINTR) {
					error = errno;
					break;
				}
			}
		}
		break;
	default:
		error = EINVAL;
		break;
	}
	*donep = done;
	return error;
}

/* Do one request and complete it; frees req.  No virtual CPU held. */
static void
ru_bio_run(struct ru_bioreq *req)
{
	rump_biodone_fn done_fn = req->br_done;
	void *arg = req->br_arg;
	size_t done = 0;
	int error = req->br_error;

	if (error == 0)
		error = ru_bio_io(req->br_fd, req->br_op, req->br_data,
		    req->br_dlen, req->br_off, &done);
	free(req);
	done_fn(arg, done, error);
}

/* Body of an I/O thread: take requests off the queue forever. */
static void *
ru_bio_thread(void *arg)
{
	struct ru_bioreq *req;

	pthread_mutex_lock(&ru_bio_mtx);
	for (;;) {
		while (ru_bio_head == NULL) {
			ru_bio_nidle++;
			pthread_cond_wait(&ru_bio_cv, &ru_bio_mtx);
			ru_bio_nidle--;
		}
		req = ru_bio_head;
		ru_bio_head = req->br_next;
		if (ru_bio_head == NULL)
			ru_bio_tailp = &ru_bio_head;
		pthread_mutex_unlock(&ru_bio_mtx);

		ru_bio_run(req);

		pthread_mutex_lock(&ru_bio_mtx);
	}
	return NULL;
}

/*
 * No I/O thread could be started and none runs: empty the queue in the
 * calling thread, with its virtual CPU released.
 */
static void
ru_bio_drain_here(void)
{
	struct ru_bioreq *req;
	int nlocks;

	nlocks = ru_unschedule(NULL);
	pthread_mutex_lock(&ru_bio_mtx);
	while ((req = ru_bio_head) != NULL) {
		ru_bio_head = req->br_next;
		if (ru_bio_head == NULL)
			ru_bio_tailp = &ru_bio_head;
		pthread_mutex_unlock(&ru_bio_mtx);
		ru_bio_run(req);
		pthread_mutex_lock(&ru_bio_mtx);
	}
	pthread_mutex_unlock(&ru_bio_mtx);
	ru_schedule(nlocks);
}

/*
 * Start block I/O: op is RUMPUSER_BIO_READ or RUMPUSER_BIO_WRITE, optionally
 * with RUMPUSER_BIO_SYNC; dlen bytes at data, file offset off.  biodone is
 * called exactly once, normally from an I/O thread, with the bytes
 * transferred (short at end of file) and 0 or an errno.  data must stay
 * valid until then.  With RUMPUSER_BIO_INLINE the I/O is done and biodone
 * called in the calling thread, its virtual CPU released, before return.
 */
void
rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off,
    rump_biodone_fn biodone, void *bioarg)
{
	struct ru_bioreq *req;
	int start = 0, drain, error, nlocks;
	size_t done = 0;

	req = (op & RUMPUSER_BIO_INLINE) ? NULL : malloc(sizeof(*req));
	if (req == NULL) {
		/* Inline, or cannot queue: do it here, without the CPU. */
		nlocks = ru_unschedule(NULL);
		if (ru_fault_hit(&ru_fault_bio))
			error = EIO;
		else
			error = ru_bio_io(fd, op, data, dlen, off, &done);
		biodone(bioarg, done, error);
		ru_schedule(nlocks);
		return;
	}
	req->br_next = NULL;
	req->br_fd = fd;
	req->br_op = op;
	req->br_data = data;
	req->br_dlen = dlen;
	req->br_off = off;
	req->br_error = ru_fault_hit(&ru_fault_bio) ? EIO : 0;
	req->br_done = biodone;
	req->br_arg = bioarg;

	pthread_mutex_lock(&ru_bio_mtx);
	*ru_bio_tailp = req;
	ru_bio_tailp = &req->br_next;
	if (ru_bio_nidle == 0 && ru_bio_nthreads < RU_BIO_MAXTHREADS) {
		ru_bio_nthreads++;
		start = 1;
	} else {
		pthread_cond_signal(&ru_bio_cv);
	}
	pthread_mutex_unlock(&ru_bio_mtx);

	if (!start)
		return;
	error = ru_thread_start_helper(ru_bio_thread, NULL, "rumpuser_bio");
	if (error == 0)
		return;

	pthread_mutex_lock(&ru_bio_mtx);
	drain = --ru_bio_nthreads == 0;
	pthread_mutex_unlock(&ru_bio_mtx);
	if (drain)
		ru_bio_drain_here();
}
