/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shmif_user.c: the host half of the shmif driver: the bus file, its
 * lock and the frame ring (shmif_busfmt.h, docs/shmif.md).  The only
 * file of the driver that sees host headers; the kernel half
 * (if_shmif.c) calls it through the hypercalls of shmif_user.h.
 *
 * The bus lock is a futex word in the shared file (0 free, 1 held, 2
 * held with sleepers): a taker spins briefly, then sleeps on the word.
 * A holder that died with the lock (its pid, in sb_lockpid, is gone) has
 * the lock taken from it after a second of waiting (sb_lockbreaks).
 * Readers sleep on sb_gen, which writers bump after each frame and wake
 * when sb_waiters says someone sleeps: no polling.  The futexes are
 * shared (not FUTEX_PRIVATE), so they work between processes mapping
 * the same file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shmif_busfmt.h"
#include "shmif_user.h"

struct shmif_user {
	int su_fd;
	void *su_map;
	size_t su_maplen;
	struct shmif_bushdr *su_hdr;
	uint8_t *su_ring;
	uint32_t su_ringsize;
	uint64_t su_rpos;                  /* next frame to read */
	uint64_t su_overruns;
	uint64_t su_sender;                /* our frames' id */
	volatile int su_stop;
};

static long
shmif_futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void
shmif_lock(struct shmif_bushdr *h)
{
	struct timespec ts = { 1, 0 };
	uint32_t c, pid;
	int i;

	for (i = 0; i < 200; i++) {
		c = 0;
		if (__atomic_compare_exchange_n(&h->sb_lock, &c, 1, false,
		    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			goto locked;
		__builtin_ia32_pause();
	}
	for (;;) {
		c = __atomic_exchange_n(&h->sb_lock, 2, __ATOMIC_ACQUIRE);
		if (c == 0)
			goto locked;
		if (shmif_futex(&h->sb_lock, FUTEX_WAIT, 2, &ts) == -1 &&
		    errno == ETIMEDOUT) {
			pid = __atomic_load_n(&h->sb_lockpid, __ATOMIC_RELAXED);
			if (pid != 0 && kill((pid_t)pid, 0) == -1 &&
			    errno == ESRCH) {
				/* The holder died holding the lock. */
				__atomic_store_n(&h->sb_lockpid, 0,
				    __ATOMIC_RELAXED);
				__atomic_add_fetch(&h->sb_lockbreaks, 1,
				    __ATOMIC_RELAXED);
				__atomic_store_n(&h->sb_lock, 0,
				    __ATOMIC_RELEASE);
			}
		}
	}
locked:
	__atomic_store_n(&h->sb_lockpid, (uint32_t)getpid(), __ATOMIC_RELAXED);
}

static void
shmif_unlock(struct shmif_bushdr *h)
{
	__atomic_store_n(&h->sb_lockpid, 0, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&h->sb_lock, 0, __ATOMIC_RELEASE) == 2)
		shmif_futex(&h->sb_lock, FUTEX_WAKE, 1, NULL);
}

/* Copy in and out of the ring at absolute position pos, wrapping. */
static void
ring_read(struct shmif_user *u, uint64_t pos, void *buf, size_t len)
{
	size_t off = (size_t)(pos % u->su_ringsize);
	size_t n = u->su_ringsize - off < len ? u->su_ringsize - off : len;

	memcpy(buf, u->su_ring + off, n);
	memcpy((uint8_t *)buf + n, u->su_ring, len - n);
}

static void
ring_write(struct shmif_user *u, uint64_t pos, const void *buf, size_t len)
{
	size_t off = (size_t)(pos % u->su_ringsize);
	size_t n = u->su_ringsize - off < len ? u->su_ringsize - off : len;

	memcpy(u->su_ring + off, buf, n);
	memcpy(u->su_ring, (const uint8_t *)buf + n, len - n);
}

/* Is the header (read under the lock) sane?  Hostile files get EINVAL. */
static bool
shmif_hdrok(const struct shmif_bushdr *h, size_t filesize)
{
	return h->sb_magic == SHMIF_MAGIC && h->sb_version == SHMIF_VERSION &&
	    h->sb_hdrsize == SHMIF_HDRSIZE && h->sb_ringsize >= SHMIF_RINGMIN &&
	    h->sb_ringsize <= SHMIF_RINGMAX && h->sb_ringsize % 8 == 0 &&
	    (uint64_t)h->sb_hdrsize + h->sb_ringsize <= filesize;
}

int
rumpuser_shmif_attach(const char *path, struct shmif_user **up)
{
	struct shmif_user *u;
	struct shmif_bushdr *h;
	struct stat st;
	size_t len;
	int error;

	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return ENOMEM;
	u->su_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (u->su_fd == -1) {
		error = errno;
		goto out_free;
	}
	/* One creator initialises the file; the others wait for it. */
	if (flock(u->su_fd, LOCK_EX) == -1 || fstat(u->su_fd, &st) == -1) {
		error = errno;
		goto out_close;
	}
	if (st.st_size == 0) {
		len = SHMIF_HDRSIZE + SHMIF_RINGSIZE;
		if (ftruncate(u->su_fd, (off_t)len) == -1) {
			error = errno;
			goto out_close;
		}
	} else {
		if (st.st_size < SHMIF_HDRSIZE + SHMIF_RINGMIN ||
		    (uint64_t)st.st_size > SHMIF_HDRSIZE + (uint64_t)SHMIF_RINGMAX) {
			error = EINVAL;
			goto out_close;
		}
		len = (size_t)st.st_size;
	}
	u->su_map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
	    u->su_fd, 0);
	if (u->su_map == MAP_FAILED) {
		error = errno;
		goto out_close;
	}
	u->su_maplen = len;
	h = u->su_hdr = u->su_map;
	if (st.st_size == 0) {
		memset(h, 0, sizeof(*h));
		h->sb_version = SHMIF_VERSION;
		h->sb_ringsize = SHMIF_RINGSIZE;
		h->sb_hdrsize = SHMIF_HDRSIZE;
		__atomic_store_n(&h->sb_magic, SHMIF_MAGIC, __ATOMIC_RELEASE);
	}
	(void)flock(u->su_fd, LOCK_UN);
	if (!shmif_hdrok(h, len)) {
		error = EINVAL;
		goto out_unmap;
	}
	u->su_ringsize = h->sb_ringsize;
	u->su_ring = (uint8_t *)u->su_map + h->sb_hdrsize;
	if (getrandom(&u->su_sender, sizeof(u->su_sender), 0) !=
	    sizeof(u->su_sender))
		u->su_sender = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
	shmif_lock(h);
	u->su_rpos = h->sb_head;
	shmif_unlock(h);
	*up = u;
	return 0;

out_unmap:
	munmap(u->su_map, u->su_maplen);
out_close:
	close(u->su_fd);
out_free:
	free(u);
	return error;
}

void
rumpuser_shmif_detach(struct shmif_user *u)
{
	munmap(u->su_map, u->su_maplen);
	close(u->su_fd);
	free(u);
}

int
rumpuser_shmif_send(struct shmif_user *u, const void *frame, size_t len)
{
	struct shmif_bushdr *h = u->su_hdr;
	struct shmif_frhdr fh, old;
	struct timespec ts;
	uint64_t need = SHMIF_FRAMESPACE(len), head, tail;

	if (len == 0 || len > SHMIF_MAXFRAME)
		return EMSGSIZE;
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&fh, 0, sizeof(fh));
	fh.sf_len = (uint32_t)len;
	fh.sf_sender = u->su_sender;
	fh.sf_sec = (uint64_t)ts.tv_sec;
	fh.sf_nsec = (uint32_t)ts.tv_nsec;
	shmif_lock(h);
	head = h->sb_head;
	tail = h->sb_tail;
	if (tail > head || head - tail > u->su_ringsize)
		tail = head;                 /* inconsistent: start over */
	/* Make room: the oldest frames go (slow readers see an overrun). */
	while (head + need - tail > u->su_ringsize) {
		ring_read(u, tail, &old, sizeof(old));
		if (old.sf_len == 0 || old.sf_len > SHMIF_MAXFRAME ||
		    tail + SHMIF_FRAMESPACE(old.sf_len) > head) {
			tail = head;
			break;
		}
		tail += SHMIF_FRAMESPACE(old.sf_len);
	}
	ring_write(u, head, &fh, sizeof(fh));
	ring_write(u, head + sizeof(fh), frame, len);
	h->sb_tail = tail;
	__atomic_store_n(&h->sb_head, head + need, __ATOMIC_RELEASE);
	h->sb_frames++;
	__atomic_add_fetch(&h->sb_gen, 1, __ATOMIC_SEQ_CST);
	shmif_unlock(h);
	if (__atomic_load_n(&h->sb_waiters, __ATOMIC_SEQ_CST) != 0)
		shmif_futex(&h->sb_gen, FUTEX_WAKE, INT_MAX, NULL);
	return 0;
}

int
rumpuser_shmif_recv(struct shmif_user *u, void *buf, size_t buflen,
    size_t *lenp, uint64_t *overrunsp)
{
	struct shmif_bushdr *h = u->su_hdr;
	struct shmif_frhdr fh;
	uint64_t head, tail;
	int error = EAGAIN;

	shmif_lock(h);
	for (;;) {
		head = h->sb_head;
		tail = h->sb_tail;
		if (tail > head || head - tail > u->su_ringsize) {
			u->su_rpos = head;
			error = EIO;
			break;
		}
		if (u->su_rpos > head) {
			/* The bus was recreated under us. */
			u->su_rpos = head;
			error = EIO;
			break;
		}
		if (u->su_rpos < tail) {
			u->su_overruns++;
			u->su_rpos = tail;
		}
		if (u->su_rpos == head)
			break;
		ring_read(u, u->su_rpos, &fh, sizeof(fh));
		if (fh.sf_len == 0 || fh.sf_len > SHMIF_MAXFRAME ||
		    u->su_rpos + SHMIF_FRAMESPACE(fh.sf_len) > head) {
			u->su_rpos = head;
			error = EIO;
			break;
		}
		if (fh.sf_sender == u->su_sender || fh.sf_len > buflen) {
			u->su_rpos += SHMIF_FRAMESPACE(fh.sf_len);
			continue;
		}
		ring_read(u, u->su_rpos + sizeof(fh), buf, fh.sf_len);
		u->su_rpos += SHMIF_FRAMESPACE(fh.sf_len);
		*lenp = fh.sf_len;
		error = 0;
		break;
	}
	shmif_unlock(h);
	*overrunsp = u->su_overruns;
	return error;
}

void
rumpuser_shmif_wait(struct shmif_user *u)
{
	struct shmif_bushdr *h = u->su_hdr;
	uint32_t gen;

	__atomic_add_fetch(&h->sb_waiters, 1, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&h->sb_gen, __ATOMIC_SEQ_CST);
	/* A frame written before we counted ourselves moved sb_head: look
	 * once more before sleeping. */
	if (!u->su_stop &&
	    __atomic_load_n(&h->sb_head, __ATOMIC_SEQ_CST) == u->su_rpos)
		shmif_futex(&h->sb_gen, FUTEX_WAIT, gen, NULL);
	__atomic_sub_fetch(&h->sb_waiters, 1, __ATOMIC_SEQ_CST);
}

void
rumpuser_shmif_stop(struct shmif_user *u)
{
	struct shmif_bushdr *h = u->su_hdr;

	u->su_stop = 1;
	__atomic_add_fetch(&h->sb_gen, 1, __ATOMIC_SEQ_CST);
	shmif_futex(&h->sb_gen, FUTEX_WAKE, INT_MAX, NULL);
}
