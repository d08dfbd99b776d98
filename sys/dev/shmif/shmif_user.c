/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shmif_user.c: the host half of the shmif driver: the bus file, its
 * lock and the frame ring (shmif_busfmt.h, docs/shmif.md).  The only
 * file of the driver that sees host headers; the kernel half
 * (if_shmif.c) calls it through the hypercalls of shmif_user.h.
 *
 * The writers' lock is a futex word in the shared file (0 free, 1 held,
 * 2 held with sleepers): a taker spins briefly, then sleeps on the word.
 * A holder that died with the lock (its pid, in sb_lockpid, is gone) has
 * the lock taken from it after a second of waiting (sb_lockbreaks).
 * Readers take no lock (format version 2): they copy a frame, then check
 * that no writer overtook it meanwhile.  A reader with nothing to read
 * polls briefly if frames came lately, then sleeps on sb_gen, which
 * writers bump after each frame and wake when sb_waiters says someone
 * may sleep.  The futexes are shared (not FUTEX_PRIVATE), so they work
 * between processes mapping the same file.
 *
 * Locking: [w] sb_lock (writers); [a] atomic; a struct shmif_user is
 * used by one receive thread and, under the kernel's transmit lock, by
 * senders: su_rpos, su_overruns, su_spin are the receive
 * thread's, the rest immutable after attach but su_stop [a].
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
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

#include "../hostspin_user.h"
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
	struct hostspin su_spin;           /* the reader's polling before it
	                                      sleeps (RUMP_SHMIF_SPIN_US) */
	uint32_t su_pid;                   /* ours, for sb_lockpid */
	int su_nocsum;                     /* RUMP_SHMIF_NOCSUM=1 */
	int su_tso;                        /* may send SHMIF_SF_TSO frames */
	volatile int su_stop;
};

/* Frames (ours, too large, overtaken) looked at per recv call at most. */
#define SHMIF_RECV_LOOPS      4096


static long
shmif_futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void
shmif_lock(struct shmif_bushdr *h, uint32_t mypid)
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
	__atomic_store_n(&h->sb_lockpid, mypid, __ATOMIC_RELAXED);
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


/* RUMP_SHMIF_RINGSIZE: ring bytes of the buses this process creates. */
static uint32_t
shmif_newringsize(void)
{
	const char *e = getenv("RUMP_SHMIF_RINGSIZE");
	char *end;
	unsigned long long v;

	if (e == NULL || *e == '\0')
		return SHMIF_RINGSIZE;
	v = strtoull(e, &end, 0);
	if (*end != '\0' || v < SHMIF_RINGMIN || v > SHMIF_RINGMAX)
		return SHMIF_RINGSIZE;
	return (uint32_t)(v & ~7ULL);
}

int
rumpuser_shmif_attach(const char *path, struct shmif_user **up)
{
	struct shmif_user *u;
	uint32_t ringsize = SHMIF_RINGSIZE;
	const char *e;
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
		ringsize = shmif_newringsize();
		len = SHMIF_HDRSIZE + ringsize;
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
		h->sb_ringsize = ringsize;
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
	u->su_rpos = __atomic_load_n(&h->sb_head, __ATOMIC_ACQUIRE);
	hostspin_init(&u->su_spin, "RUMP_SHMIF_SPIN_US");
	u->su_pid = (uint32_t)getpid();     /* not a system call per frame */
	e = getenv("RUMP_SHMIF_NOCSUM");
	u->su_nocsum = e != NULL && strcmp(e, "1") == 0;
	/* An aggregate takes up to 64 KiB of the ring: only where many fit
	 * (the default ring holds 128), so readers are not overrun. */
	e = getenv("RUMP_SHMIF_TSO");
	u->su_tso = !(e != NULL && strcmp(e, "0") == 0) &&
	    u->su_ringsize >= 16 * SHMIF_FRAMESPACE(SHMIF_MAXLARGE);
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

int
rumpuser_shmif_nocsum(struct shmif_user *u)
{
	return u->su_nocsum;
}

int
rumpuser_shmif_tso(struct shmif_user *u)
{
	return u->su_tso;
}

void
rumpuser_shmif_detach(struct shmif_user *u)
{
	munmap(u->su_map, u->su_maplen);
	close(u->su_fd);
	free(u);
}

/*
 * Append one frame, gathered from n pieces of total length len.  Under
 * the writer lock: make room by moving sb_tail past the oldest frames,
 * *then* overwrite their bytes (readers copy without the lock and check
 * sb_tail afterwards, see shmif_recv), then publish with sb_head.  The
 * futex wake is a system call, made only if a reader sleeps.
 */
int
rumpuser_shmif_sendv(struct shmif_user *u, const struct shmif_iov *iov,
    int n, size_t len, uint32_t flags)
{
	struct shmif_bushdr *h = u->su_hdr;
	struct shmif_frhdr fh, old;
	struct timespec ts;
	uint64_t need = SHMIF_FRAMESPACE(len), head, tail, newtail, pos;
	size_t done = 0;

	if (len == 0 || len > ((flags & SHMIF_SF_TSO) ? SHMIF_MAXLARGE :
	    SHMIF_MAXFRAME))
		return EMSGSIZE;
	if ((flags & SHMIF_SF_TSO) &&
	    (!u->su_tso || SHMIF_UF_SEGSZ(flags) == 0))
		return EINVAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&fh, 0, sizeof(fh));
	fh.sf_len = (uint32_t)len;
	fh.sf_flags = flags & (SHMIF_SF_CSUM_UNDONE | SHMIF_SF_TSO);
	if (flags & SHMIF_SF_TSO)
		fh.sf_segsz = SHMIF_UF_SEGSZ(flags);
	fh.sf_sender = u->su_sender;
	fh.sf_sec = (uint64_t)ts.tv_sec;
	fh.sf_nsec = (uint32_t)ts.tv_nsec;
	shmif_lock(h, u->su_pid);
	head = __atomic_load_n(&h->sb_head, __ATOMIC_RELAXED);
	tail = newtail = __atomic_load_n(&h->sb_tail, __ATOMIC_RELAXED);
	if (tail > head || head - tail > u->su_ringsize)
		newtail = head;              /* inconsistent: start over */
	/* Make room: the oldest frames go (slow readers see an overrun). */
	while (head + need - newtail > u->su_ringsize) {
		ring_read(u, newtail, &old, sizeof(old));
		if (!SHMIF_FRLEN_OK(&old) ||
		    newtail + SHMIF_FRAMESPACE(old.sf_len) > head) {
			newtail = head;
			break;
		}
		newtail += SHMIF_FRAMESPACE(old.sf_len);
	}
	if (newtail != tail) {
		__atomic_store_n(&h->sb_tail, newtail, __ATOMIC_RELAXED);
		/* The new tail is visible before any overwritten byte. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}
	ring_write(u, head, &fh, sizeof(fh));
	pos = head + sizeof(fh);
	for (int i = 0; i < n && done < len; i++) {
		size_t k = iov[i].si_len < len - done ? iov[i].si_len :
		    len - done;
		ring_write(u, pos + done, iov[i].si_base, k);
		done += k;
	}
	__atomic_store_n(&h->sb_head, head + need, __ATOMIC_RELEASE);
	__atomic_store_n(&h->sb_frames, h->sb_frames + 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->sb_gen, 1, __ATOMIC_SEQ_CST);
	shmif_unlock(h);
	/* Whoever finds sleepers wakes them all and zeroes the count: the
	 * frames that follow during their wake-up make no system call. */
	if (__atomic_load_n(&h->sb_waiters, __ATOMIC_SEQ_CST) != 0 &&
	    __atomic_exchange_n(&h->sb_waiters, 0, __ATOMIC_SEQ_CST) != 0)
		shmif_futex(&h->sb_gen, FUTEX_WAKE, INT_MAX, NULL);
	return 0;
}

int
rumpuser_shmif_send(struct shmif_user *u, const void *frame, size_t len)
{
	struct shmif_iov iov = { frame, len };

	return rumpuser_shmif_sendv(u, &iov, 1, len, 0);
}

/*
 * Has a writer overtaken the bytes from pos on since we started copying
 * them?  Called after the copy: the acquire fence pairs with the
 * writer's release fence between its sb_tail store and its overwrite.
 */
static bool
shmif_overtaken(struct shmif_user *u, uint64_t pos)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&u->su_hdr->sb_tail, __ATOMIC_RELAXED) > pos;
}

/*
 * Without any lock: sb_head (acquire) says how far frames are whole;
 * a frame is copied out, then sb_tail is checked: if a writer moved it
 * past the frame meanwhile, the copy may be torn and is thrown away as
 * an overrun.  sb_head is read before sb_tail, so a consistent bus never
 * looks inconsistent here.
 */
int
rumpuser_shmif_recv(struct shmif_user *u, void *buf, size_t buflen,
    size_t *lenp, uint64_t *overrunsp, uint32_t *flagsp)
{
	struct shmif_bushdr *h = u->su_hdr;
	struct shmif_frhdr fh;
	uint64_t head, tail, rpos = u->su_rpos, space;
	int error = EAGAIN;

	/* Bounded, so that a hostile writer cannot keep us here. */
	for (int loops = 0; loops < SHMIF_RECV_LOOPS; loops++) {
		head = __atomic_load_n(&h->sb_head, __ATOMIC_ACQUIRE);
		if (rpos == head)
			break;
		if (rpos > head) {
			/* The bus was recreated under us. */
			rpos = head;
			error = EIO;
			break;
		}
		tail = __atomic_load_n(&h->sb_tail, __ATOMIC_ACQUIRE);
		if (tail <= head && head - tail > u->su_ringsize) {
			rpos = head;
			error = EIO;
			break;
		}
		if (rpos < tail) {
			/* Writers went past us (if tail > head, it moved
			 * after we read head: look again). */
			u->su_overruns++;
			rpos = tail;
			continue;
		}
		ring_read(u, rpos, &fh, sizeof(fh));
		if (shmif_overtaken(u, rpos))
			continue;
		space = SHMIF_FRAMESPACE(fh.sf_len);
		if (!SHMIF_FRLEN_OK(&fh) || rpos + space > head) {
			rpos = head;
			error = EIO;
			break;
		}
		if (fh.sf_sender == u->su_sender || fh.sf_len > buflen) {
			rpos += space;
			continue;
		}
		ring_read(u, rpos + sizeof(fh), buf, fh.sf_len);
		if (shmif_overtaken(u, rpos))
			continue;
		rpos += space;
		*lenp = fh.sf_len;
		if (flagsp != NULL) {
			/* Known bits only: the high ones carry sf_segsz. */
			*flagsp = fh.sf_flags &
			    (SHMIF_SF_CSUM_UNDONE | SHMIF_SF_TSO);
			if (fh.sf_flags & SHMIF_SF_TSO)
				*flagsp |= SHMIF_UF_MKSEGSZ(fh.sf_segsz);
		}
		u->su_spin.hs_gotrx = true;
		error = 0;
		break;
	}
	u->su_rpos = rpos;
	*overrunsp = u->su_overruns;
	return error;
}

/* Is a frame past our position, or were we told to stop? */
static bool
shmif_ready(struct shmif_user *u)
{
	return u->su_stop ||
	    __atomic_load_n(&u->su_hdr->sb_head, __ATOMIC_SEQ_CST) !=
	    u->su_rpos;
}

/*
 * Wait for a frame, for at most ns nanoseconds if ns >= 0.  If another
 * sender was heard from lately (a conversation is going on), first poll
 * sb_head for a moment (dev/hostspin_user.h): the answer often comes within
 * microseconds, and then neither side pays a futex wake and the
 * sleeper's wake-up.  Otherwise, or when the spin ends empty, count
 * ourselves in sb_waiters and sleep on sb_gen.
 */
static void
shmif_wait(struct shmif_user *u, int64_t ns)
{
	struct shmif_bushdr *h = u->su_hdr;
	struct timespec ts;
	uint64_t now, end, deadline = UINT64_MAX;
	uint32_t gen, c;

	end = hostspin_start(&u->su_spin, &now);
	if (ns >= 0)
		deadline = now + (uint64_t)ns;
	if (end != 0) {
		/* A conversation going on: poll first (dev/hostspin_user.h). */
		do {
			for (int i = 0; i < 16; i++) {
				if (shmif_ready(u))
					return;
				__builtin_ia32_pause();
			}
		} while (hostspin_next(&u->su_spin,
		    end < deadline ? end : deadline));
	}
	if (ns >= 0) {
		now = hostspin_now();
		if (now >= deadline)
			return;
		ts.tv_sec = (time_t)((deadline - now) / 1000000000u);
		ts.tv_nsec = (long)((deadline - now) % 1000000000u);
	}
	__atomic_add_fetch(&h->sb_waiters, 1, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&h->sb_gen, __ATOMIC_SEQ_CST);
	/* A frame written before we counted ourselves moved sb_head: look
	 * once more before sleeping. */
	if (!shmif_ready(u)) {
		/* The waker zeroed the count for us; not so if the time
		 * ran out. */
		if (shmif_futex(&h->sb_gen, FUTEX_WAIT, gen,
		    ns >= 0 ? &ts : NULL) == 0 || errno != ETIMEDOUT)
			return;
	}
	/* Not asleep after all (or no longer): take ourselves out again,
	 * unless a writer zeroed the count meanwhile. */
	c = __atomic_load_n(&h->sb_waiters, __ATOMIC_RELAXED);
	while (c != 0 && !__atomic_compare_exchange_n(&h->sb_waiters, &c,
	    c - 1, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		continue;
}

void
rumpuser_shmif_wait(struct shmif_user *u)
{
	shmif_wait(u, -1);
}

void
rumpuser_shmif_timedwait(struct shmif_user *u, int64_t ns)
{
	shmif_wait(u, ns < 0 ? 0 : ns);
}

void
rumpuser_shmif_stop(struct shmif_user *u)
{
	struct shmif_bushdr *h = u->su_hdr;

	u->su_stop = 1;
	__atomic_add_fetch(&h->sb_gen, 1, __ATOMIC_SEQ_CST);
	shmif_futex(&h->sb_gen, FUTEX_WAKE, INT_MAX, NULL);
}
