/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_mount_loop.c: the bridge's FUSE request loop: one reading thread
 * that serves short requests itself, and a pool for long ones.
 *
 * Why not fuse_session_loop_mt(): its threads all sleep in read() on
 * /dev/fuse, and the host wakes them in turn (first come, first woken),
 * so a client that sends one request at a time, as cp and tar do, gets
 * each request served by a different, cold thread: two thread switches
 * and a cross-CPU wake-up per request, which measured twice as slow as
 * one thread for a tree of small files.  Here one thread (the caller of
 * rm_loop(), the "reader") reads every request:
 *  - a request that does not wait for the disk by design (lookup,
 *    create, getattr, read, write, release, ...) is processed at once by
 *    the reader, which then reads the next; reads and writes too: a
 *    1 GiB sequential read through a hot image took 0.42-0.58 s served
 *    this way against 0.64-0.87 s with the 1 MiB requests handed to
 *    other threads (the host's read-ahead keeps two or three in flight,
 *    but the hand-off costs more than the overlap gains on two CPUs);
 *  - one that waits for the disk by design (fsync, fsyncdir, fallocate,
 *    copy_file_range, and setattr, which may truncate a large file) is
 *    handed, buffer and all, to a pool thread, and the reader reads on
 *    with a spare buffer, so that other clients are not held up.
 * Pool threads are started on demand up to maxthreads and never exit
 * before the loop ends; buffers (a request's worth, about 1 MiB) are kept
 * on a free list, so no request costs an allocation.
 *
 * Waiting: see rm_spin_us.
 *
 * Ending: fusermount3 -u or umount makes read() fail with ENODEV and the
 * session "exited"; a termination signal (libfuse's handlers, which only
 * set that flag) interrupts the reader's read(), as the pool threads block
 * those signals and the kernel's threads block all of them.  The reader
 * then waits for the pool to finish what it was given.
 *
 * Locking: [p] rm_pool.p_lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/fuse.h>

#include "rump_mount.h"

struct rmjob {
	struct rmjob *j_next;              /* [p] queue or free list */
	struct fuse_buf j_buf;             /* j_buf.mem: owned by the job */
};

static struct {
	pthread_mutex_t p_lock;
	pthread_cond_t p_work;             /* [p] a job is queued, or the end */
	struct rmjob *p_head, **p_tail;    /* [p] queued jobs, FIFO */
	struct rmjob *p_free;              /* [p] spare jobs with buffers */
	unsigned p_nthreads;               /* [p] started */
	unsigned p_nidle;                  /* [p] waiting for work */
	unsigned p_max;                    /* [I] */
	bool p_done;                       /* [p] the loop is ending */
	struct fuse_session *p_se;         /* [I] */
	pthread_t *p_threads;              /* [p] p_nthreads of them */
} rm_pool = {
	.p_lock = PTHREAD_MUTEX_INITIALIZER,
	.p_work = PTHREAD_COND_INITIALIZER,
};

/* Whether the request in buf waits for the disk by design. */
static bool
is_long(const struct fuse_buf *buf)
{
	const struct fuse_in_header *ih = buf->mem;

	if (buf->size < sizeof(*ih))
		return false;
	switch (ih->opcode) {
	case FUSE_FSYNC:
	case FUSE_FSYNCDIR:
	case FUSE_FALLOCATE:
	case FUSE_COPY_FILE_RANGE:
	case FUSE_SETATTR:
		return true;
	default:
		return false;
	}
}

#define RM_SPIN_BIGIO (64 * 1024)

/*
 * Whether the request in buf is worth polling after: one of a client's
 * one-at-a-time calls (lookup, create, a small write...), not a large
 * READ or WRITE, which the host sends ahead on its own (read-ahead,
 * write-back) and for which a poller would only take a CPU away from it.
 */
static bool
is_chatty(const struct fuse_buf *buf)
{
	const struct fuse_in_header *ih = buf->mem;
	const struct fuse_read_in *ri;
	const struct fuse_write_in *wi;

	if (buf->size < sizeof(*ih))
		return false;
	switch (ih->opcode) {
	case FUSE_READ:
		ri = (const void *)(ih + 1);
		return buf->size >= sizeof(*ih) + sizeof(*ri) &&
		    ri->size < RM_SPIN_BIGIO;
	case FUSE_WRITE:
		wi = (const void *)(ih + 1);
		return buf->size >= sizeof(*ih) + sizeof(*wi) &&
		    wi->size < RM_SPIN_BIGIO;
	default:
		return true;
	}
}

static void
job_free(struct rmjob *j)
{
	free(j->j_buf.mem);
	free(j);
}

/* A job to read the next request into; NULL when out of memory. */
static struct rmjob *
job_get(void)
{
	struct rmjob *j;

	pthread_mutex_lock(&rm_pool.p_lock);
	if ((j = rm_pool.p_free) != NULL)
		rm_pool.p_free = j->j_next;
	pthread_mutex_unlock(&rm_pool.p_lock);
	if (j == NULL && (j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->j_next = NULL;
	return j;
}

/* Keep j for another request; p_lock held. */
static void
job_put_locked(struct rmjob *j)
{
	j->j_next = rm_pool.p_free;
	rm_pool.p_free = j;
}

static void *
pool_thread(void *arg)
{
	struct rmjob *j;

	(void)arg;
	pthread_mutex_lock(&rm_pool.p_lock);
	for (;;) {
		while (rm_pool.p_head == NULL && !rm_pool.p_done) {
			rm_pool.p_nidle++;
			pthread_cond_wait(&rm_pool.p_work, &rm_pool.p_lock);
			rm_pool.p_nidle--;
		}
		if ((j = rm_pool.p_head) == NULL)
			break;
		if ((rm_pool.p_head = j->j_next) == NULL)
			rm_pool.p_tail = &rm_pool.p_head;
		pthread_mutex_unlock(&rm_pool.p_lock);

		fuse_session_process_buf(rm_pool.p_se, &j->j_buf);

		pthread_mutex_lock(&rm_pool.p_lock);
		job_put_locked(j);
	}
	pthread_mutex_unlock(&rm_pool.p_lock);
	return NULL;
}

/*
 * Queue j for the pool, starting a thread if none is idle and the limit
 * allows.  Returns false if j could not be queued (no thread at all).
 */
static bool
pool_queue(struct rmjob *j)
{
	sigset_t block, old;
	pthread_t *t, tid;
	bool start;

	pthread_mutex_lock(&rm_pool.p_lock);
	start = rm_pool.p_nidle == 0 && rm_pool.p_nthreads < rm_pool.p_max;
	if (start) {
		t = realloc(rm_pool.p_threads,
		    (rm_pool.p_nthreads + 1) * sizeof(*t));
		if (t == NULL)
			start = false;
		else
			rm_pool.p_threads = t;
	}
	if (start) {
		/* Termination signals are for the reader only (see above). */
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		if (pthread_create(&tid, NULL, pool_thread, NULL) == 0)
			rm_pool.p_threads[rm_pool.p_nthreads++] = tid;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (rm_pool.p_nthreads == 0) {
		pthread_mutex_unlock(&rm_pool.p_lock);
		return false;
	}
	j->j_next = NULL;
	*rm_pool.p_tail = j;
	rm_pool.p_tail = &j->j_next;
	pthread_cond_signal(&rm_pool.p_work);
	pthread_mutex_unlock(&rm_pool.p_lock);
	return true;
}

/* Let the pool finish its queue, then join and free everything. */
static void
pool_end(void)
{
	struct rmjob *j;
	unsigned i;

	pthread_mutex_lock(&rm_pool.p_lock);
	rm_pool.p_done = true;
	pthread_cond_broadcast(&rm_pool.p_work);
	pthread_mutex_unlock(&rm_pool.p_lock);
	for (i = 0; i < rm_pool.p_nthreads; i++)
		pthread_join(rm_pool.p_threads[i], NULL);
	free(rm_pool.p_threads);
	rm_pool.p_threads = NULL;
	rm_pool.p_nthreads = 0;
	while ((j = rm_pool.p_free) != NULL) {
		rm_pool.p_free = j->j_next;
		job_free(j);
	}
}

/*
 * How long the reader polls /dev/fuse (non-blocking reads) after serving
 * a request before it sleeps in poll() (-o spin=, µs; 0: always sleep).
 * A client that sends one request at a time, as cp and tar do, sends the
 * next within tens of microseconds; caught by polling, it skips a sleep
 * and a cross-CPU wake-up on each side: the 20 000-file tree copy took
 * 2.6 s instead of 4.9 s.  Polling stops 100 µs after the last request,
 * so an idle mount costs nothing; large reads and writes do not start it
 * (is_chatty).
 */
int64_t rm_spin_us = 100;

static int64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
rm_loop(struct fuse_session *se, unsigned maxthreads,
    void (*ready)(void *), void *arg)
{
	struct rmjob *j = NULL;
	int64_t last;
	int res, rv = 0, fd, fl;
	bool spin, chatty;

	rm_pool.p_se = se;
	rm_pool.p_max = maxthreads;
	rm_pool.p_tail = &rm_pool.p_head;
	rm_pool.p_done = false;
	fd = fuse_session_fd(se);
	fl = fcntl(fd, F_GETFL);
	spin = rm_spin_us > 0 && fl != -1 &&
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) != -1;
	last = 0;
	while (!fuse_session_exited(se)) {
		if (j == NULL && (j = job_get()) == NULL) {
			rv = ENOMEM;
			break;
		}
		res = fuse_session_receive_buf(se, &j->j_buf);
		if (res == -EAGAIN && spin) {
			/* Poll on while the last request is recent: a
			 * client's next one often follows within tens of
			 * microseconds, and then it is not waited for in
			 * a sleep and a wake-up. */
			if (loop_now_us() - last >= rm_spin_us)
				(void)poll(&(struct pollfd){ .fd = fd,
				    .events = POLLIN }, 1, -1);
			continue;
		}
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0) {
			if (res < 0)
				rv = -res;
			break;
		}
		if (rm_pool.p_max > 0 && is_long(&j->j_buf) && pool_queue(j)) {
			j = NULL;
			continue;
		}
		chatty = spin && is_chatty(&j->j_buf);
		fuse_session_process_buf(se, &j->j_buf);
		if (chatty)
			last = loop_now_us();
		/* The first request is INIT, always served here. */
		if (ready != NULL) {
			ready(arg);
			ready = NULL;
		}
	}
	if (j != NULL)
		job_free(j);
	pool_end();
	return rv;
}
