/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_shmif_bus.c: the shmif bus itself (sys/dev/shmif/shmif_user.c,
 * docs/shmif.md), without a kernel: the test links the driver's host
 * half and drives it as the kernels do.
 *
 *  - several sender processes at once against one reader, on a roomy bus
 *    and on the smallest one (where writers overtake the reader all the
 *    time): every frame the reader gets is whole (its own hash checks),
 *    each sender's frames come in order, and a gap in a sender's
 *    sequence is always accompanied by a counted overrun;
 *  - a reader that does not read for a while counts the overrun and goes
 *    on with the frames still in the ring;
 *  - a sleeping reader is woken by a frame from another process;
 *  - a corrupt frame header gives EIO, and the reader goes on;
 *  - a frame gathered from pieces arrives whole, with its flags;
 *  - a file of the old format (version 1) or a foreign file is refused.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmif_busfmt.h"
#include "shmif_user.h"

static char busdir[] = "/tmp/t_shmif_bus.XXXXXX";
static char buspath[128];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(busdir));
	snprintf(buspath, sizeof(buspath), "%s/bus", busdir);
}

static void
teardown(void)
{
	unlink(buspath);
	rmdir(busdir);
}

TestSuite(bus, .init = setup, .fini = teardown, .timeout = 120);

/* Make a bus file with a ring of ringsize bytes and the given version. */
static void
mkbus(uint32_t ringsize, uint32_t version)
{
	struct shmif_bushdr h;
	int fd = open(buspath, O_RDWR | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, SHMIF_HDRSIZE + ringsize), 0);
	memset(&h, 0, sizeof(h));
	h.sb_magic = SHMIF_MAGIC;
	h.sb_version = version;
	h.sb_ringsize = ringsize;
	h.sb_hdrsize = SHMIF_HDRSIZE;
	cr_assert_eq(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	close(fd);
}

static uint64_t
fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A test frame: sender (4 bytes), sequence (4), then bytes that depend
 * on both, and the FNV-1a hash of everything before it (8).  Lengths
 * vary from 60 to 1514 so frames wrap the ring at every offset.
 */
static size_t
mkframe(uint8_t *f, uint32_t sender, uint32_t seq)
{
	size_t len = 60 + (seq * 7919u + sender * 131u) % (1514 - 60 + 1);
	uint64_t h;

	memcpy(f, &sender, 4);
	memcpy(f + 4, &seq, 4);
	for (size_t i = 8; i < len - 8; i++)
		f[i] = (uint8_t)(seq * 31u + sender * 17u + i);
	h = fnv(f, len - 8);
	memcpy(f + len - 8, &h, 8);
	return len;
}

static bool
frame_ok(const uint8_t *f, size_t len, uint32_t *sender, uint32_t *seq)
{
	uint64_t h;

	if (len < 16)
		return false;
	memcpy(&h, f + len - 8, 8);
	if (h != fnv(f, len - 8))
		return false;
	memcpy(sender, f, 4);
	memcpy(seq, f + 4, 4);
	return true;
}

static void __attribute__((noreturn))
sender(uint32_t id, uint32_t count, int startfd)
{
	struct shmif_user *u;
	uint8_t f[SHMIF_MAXFRAME];
	char c;

	if (rumpuser_shmif_attach(buspath, &u) != 0)
		_exit(2);
	if (read(startfd, &c, 1) != 1)
		_exit(3);
	for (uint32_t seq = 1; seq <= count; seq++) {
		size_t len = mkframe(f, id, seq);
		if (rumpuser_shmif_send(u, f, len) != 0)
			_exit(4);
		if (seq % 512 == 0)
			sched_yield();
	}
	rumpuser_shmif_detach(u);
	_exit(0);
}

#define NSEND 4

/*
 * NSEND processes send count frames each while this one reads; reads
 * stall now and then (stall_us) to be overtaken on a small ring.
 */
static void
concurrent(uint32_t count, int stall_us)
{
	struct shmif_user *u;
	uint8_t f[SHMIF_MAXFRAME];
	uint32_t last[NSEND + 1] = { 0 }, s, q;
	/* The overrun count when each sender's last frame came: one
	 * overrun may cost frames of every sender. */
	uint64_t lastov[NSEND + 1] = { 0 };
	uint64_t overruns = 0, got = 0, gaps = 0;
	pid_t pids[NSEND];
	int start[2], done = 0, status;
	size_t len;

	cr_assert_eq(rumpuser_shmif_attach(buspath, &u), 0);
	cr_assert_eq(pipe(start), 0);
	for (int i = 0; i < NSEND; i++) {
		pids[i] = fork();
		cr_assert_geq(pids[i], 0);
		if (pids[i] == 0)
			sender((uint32_t)i + 1, count, start[0]);
	}
	cr_assert_eq(write(start[1], "gggg", NSEND), NSEND);
	while (done < NSEND) {
		int error = rumpuser_shmif_recv(u, f, sizeof(f), &len,
		    &overruns, NULL);
		if (error == EAGAIN) {
			/* All senders gone and the ring drained? */
			for (int i = 0; i < NSEND; i++) {
				if (pids[i] > 0 && waitpid(pids[i], &status,
				    WNOHANG) == pids[i]) {
					cr_assert(WIFEXITED(status) &&
					    WEXITSTATUS(status) == 0,
					    "sender %d failed", i);
					pids[i] = 0;
					done++;
				}
			}
			if (done < NSEND)
				usleep(100);
			continue;
		}
		cr_assert_eq(error, 0, "recv: %d", error);
		cr_assert(frame_ok(f, len, &s, &q), "torn frame, %zu bytes",
		    len);
		cr_assert(s >= 1 && s <= NSEND, "sender %u", s);
		cr_assert_gt(q, last[s], "sender %u: %u after %u", s, q,
		    last[s]);
		if (q != last[s] + 1) {
			/* Frames went missing: only ever by an overrun. */
			cr_assert_gt(overruns, lastov[s],
			    "sender %u: %u after %u without an overrun", s, q,
			    last[s]);
			gaps++;
		}
		lastov[s] = overruns;
		last[s] = q;
		got++;
		if (stall_us > 0 && got % 64 == 0)
			usleep((useconds_t)stall_us);
	}
	/* What was still in the ring after the last sender left. */
	while (rumpuser_shmif_recv(u, f, sizeof(f), &len, &overruns, NULL) == 0) {
		cr_assert(frame_ok(f, len, &s, &q), "torn frame at the end");
		cr_assert_gt(q, last[s]);
		last[s] = q;
		got++;
	}
	cr_log_info("%llu of %u frames, %llu gaps, %llu overruns",
	    (unsigned long long)got, NSEND * count, (unsigned long long)gaps,
	    (unsigned long long)overruns);
	cr_assert_gt(got, 0);
	if (got < (uint64_t)NSEND * count)
		cr_assert_gt(overruns, 0, "frames lost without an overrun");
	rumpuser_shmif_detach(u);
}

Test(bus, concurrent_senders_roomy)
{
	concurrent(20000, 0);
}

Test(bus, concurrent_senders_small_ring)
{
	mkbus(SHMIF_RINGMIN, SHMIF_VERSION);
	concurrent(20000, 200);
}

Test(bus, overrun_counted)
{
	struct shmif_user *r, *w;
	uint8_t f[SHMIF_MAXFRAME];
	uint64_t overruns = 0;
	uint32_t s, q, lastq = 0;
	size_t len;
	int n = 0;

	mkbus(SHMIF_RINGMIN, SHMIF_VERSION);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &r), 0);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &w), 0);
	for (uint32_t seq = 1; seq <= 1000; seq++) {
		len = mkframe(f, 1, seq);
		cr_assert_eq(rumpuser_shmif_send(w, f, len), 0);
	}
	while (rumpuser_shmif_recv(r, f, sizeof(f), &len, &overruns, NULL) == 0) {
		cr_assert(frame_ok(f, len, &s, &q));
		cr_assert_gt(q, lastq);
		lastq = q;
		n++;
	}
	cr_assert_eq(overruns, 1);
	cr_assert_eq(lastq, 1000);
	cr_assert(n > 10 && n < 1000, "%d frames", n);
	/* The writer does not see its own frames. */
	cr_assert_eq(rumpuser_shmif_recv(w, f, sizeof(f), &len, &overruns, NULL),
	    EAGAIN);
	rumpuser_shmif_detach(w);
	rumpuser_shmif_detach(r);
}

struct waitarg {
	struct shmif_user *u;
	int got;
};

static void *
waiter(void *arg)
{
	struct waitarg *a = arg;
	uint8_t f[SHMIF_MAXFRAME];
	uint64_t ov;
	size_t len;

	while (rumpuser_shmif_recv(a->u, f, sizeof(f), &len, &ov, NULL) == EAGAIN)
		rumpuser_shmif_wait(a->u);
	a->got = 1;
	return NULL;
}

/* The sleeper (no polling) is woken by a frame from another process. */
Test(bus, wakeup_across_processes)
{
	struct waitarg a = { NULL, 0 };
	struct timespec t0, t1;
	pthread_t t;
	pid_t pid;
	int status;

	setenv("RUMP_SHMIF_SPIN_US", "0", 1);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &a.u), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(pthread_create(&t, NULL, waiter, &a), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct shmif_user *w;
		uint8_t f[SHMIF_MAXFRAME];
		size_t len = mkframe(f, 9, 1);

		usleep(200000);
		if (rumpuser_shmif_attach(buspath, &w) != 0 ||
		    rumpuser_shmif_send(w, f, len) != 0)
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(pthread_join(t, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(a.got, 1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 5);
	rumpuser_shmif_detach(a.u);
}

/* A stopped reader's wait returns at once. */
Test(bus, stop_wakes)
{
	struct shmif_user *u;

	cr_assert_eq(rumpuser_shmif_attach(buspath, &u), 0);
	rumpuser_shmif_stop(u);
	rumpuser_shmif_wait(u);
	rumpuser_shmif_detach(u);
}

/* A frame header with an impossible length: EIO, then the reader goes on
 * with what is written after it. */
Test(bus, corrupt_frame)
{
	struct shmif_user *r, *w;
	struct shmif_bushdr *h;
	struct shmif_frhdr fh;
	uint8_t f[SHMIF_MAXFRAME], *map;
	uint64_t ov, pos;
	uint32_t s, q;
	size_t len;
	int fd;

	cr_assert_eq(rumpuser_shmif_attach(buspath, &r), 0);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &w), 0);
	fd = open(buspath, O_RDWR);
	cr_assert_geq(fd, 0);
	map = mmap(NULL, SHMIF_HDRSIZE + SHMIF_RINGSIZE,
	    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_neq(map, MAP_FAILED);
	h = (struct shmif_bushdr *)(void *)map;
	pos = h->sb_head;
	len = mkframe(f, 1, 1);
	cr_assert_eq(rumpuser_shmif_send(w, f, len), 0);
	memcpy(&fh, map + SHMIF_HDRSIZE + pos % h->sb_ringsize, sizeof(fh));
	fh.sf_len = 0xffffffffu;
	memcpy(map + SHMIF_HDRSIZE + pos % h->sb_ringsize, &fh, sizeof(fh));
	cr_assert_eq(rumpuser_shmif_recv(r, f, sizeof(f), &len, &ov, NULL), EIO);
	cr_assert_eq(rumpuser_shmif_recv(r, f, sizeof(f), &len, &ov, NULL),
	    EAGAIN);
	len = mkframe(f, 1, 2);
	cr_assert_eq(rumpuser_shmif_send(w, f, len), 0);
	cr_assert_eq(rumpuser_shmif_recv(r, f, sizeof(f), &len, &ov, NULL), 0);
	cr_assert(frame_ok(f, len, &s, &q));
	cr_assert_eq(q, 2);
	munmap(map, SHMIF_HDRSIZE + SHMIF_RINGSIZE);
	close(fd);
	rumpuser_shmif_detach(w);
	rumpuser_shmif_detach(r);
}

Test(bus, old_version_refused)
{
	struct shmif_user *u;

	mkbus(SHMIF_RINGMIN, 1);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &u), EINVAL);
	/* Version 2 readers would take an aggregate for a damaged ring. */
	mkbus(SHMIF_RINGMIN, 2);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &u), EINVAL);
}

/*
 * Aggregates (segmentation offload): up to SHMIF_MAXLARGE bytes with
 * SHMIF_SF_TSO, the segment size carried along; no larger; not without
 * the flag; not from an attachment that may not send them (a small ring
 * or RUMP_SHMIF_TSO=0); a reader's buffer too small skips them.
 */
Test(bus, aggregates)
{
	static uint8_t f[SHMIF_MAXLARGE + 1], g[SHMIF_MAXLARGE];
	struct shmif_user *r, *w, *small;
	uint64_t ov;
	uint32_t flags = 0, tso = SHMIF_SF_TSO | SHMIF_UF_MKSEGSZ(1448);
	size_t got;

	for (size_t i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &r), 0);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &w), 0);
	cr_assert(rumpuser_shmif_tso(w));
	cr_assert_eq(rumpuser_shmif_sendv(w,
	    &(struct shmif_iov){ f, SHMIF_MAXLARGE }, 1, SHMIF_MAXLARGE, tso), 0);
	cr_assert_eq(rumpuser_shmif_recv(r, g, sizeof(g), &got, &ov, &flags),
	    0);
	cr_assert_eq(got, SHMIF_MAXLARGE);
	cr_assert_eq(memcmp(f, g, got), 0);
	cr_assert_eq(flags & 0xffff, SHMIF_SF_TSO);
	cr_assert_eq(SHMIF_UF_SEGSZ(flags), 1448);
	cr_assert_eq(rumpuser_shmif_sendv(w,
	    &(struct shmif_iov){ f, sizeof(f) }, 1, sizeof(f), tso), EMSGSIZE);
	cr_assert_eq(rumpuser_shmif_sendv(w,
	    &(struct shmif_iov){ f, 20000 }, 1, 20000, 0), EMSGSIZE);
	cr_assert_eq(rumpuser_shmif_sendv(w,
	    &(struct shmif_iov){ f, 20000 }, 1, 20000, SHMIF_SF_TSO), EINVAL);
	/* A reader with a frame-sized buffer steps over an aggregate. */
	cr_assert_eq(rumpuser_shmif_sendv(w,
	    &(struct shmif_iov){ f, 20000 }, 1, 20000, tso), 0);
	cr_assert_eq(rumpuser_shmif_send(w, f, 100), 0);
	cr_assert_eq(rumpuser_shmif_recv(r, g, SHMIF_MAXFRAME, &got, &ov,
	    &flags), 0);
	cr_assert_eq(got, 100);
	cr_assert_eq(flags, 0);
	rumpuser_shmif_detach(w);
	rumpuser_shmif_detach(r);

	setenv("RUMP_SHMIF_TSO", "0", 1);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &w), 0);
	unsetenv("RUMP_SHMIF_TSO");
	cr_assert(!rumpuser_shmif_tso(w));
	cr_assert_eq(rumpuser_shmif_sendv(w,
	    &(struct shmif_iov){ f, 20000 }, 1, 20000, tso), EINVAL);
	rumpuser_shmif_detach(w);
	unlink(buspath);
	mkbus(SHMIF_RINGMIN, SHMIF_VERSION);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &small), 0);
	cr_assert(!rumpuser_shmif_tso(small));
	rumpuser_shmif_detach(small);
}

Test(bus, foreign_file_refused)
{
	struct shmif_user *u;
	char junk[SHMIF_HDRSIZE + SHMIF_RINGMIN];
	int fd = open(buspath, O_RDWR | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	memset(junk, 0x5a, sizeof(junk));
	cr_assert_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &u), EINVAL);
}

/* A frame gathered from pieces arrives whole, with the flags the writer
 * gave it (only the defined ones). */
Test(bus, gather_and_flags)
{
	struct shmif_user *r, *w;
	uint8_t f[SHMIF_MAXFRAME], g[SHMIF_MAXFRAME];
	struct shmif_iov iov[3];
	uint64_t ov;
	uint32_t flags = 0, s, q;
	size_t len = mkframe(f, 2, 7), got;

	cr_assert_eq(rumpuser_shmif_attach(buspath, &r), 0);
	cr_assert_eq(rumpuser_shmif_attach(buspath, &w), 0);
	iov[0].si_base = f;
	iov[0].si_len = 5;
	iov[1].si_base = f + 5;
	iov[1].si_len = 0;
	iov[2].si_base = f + 5;
	iov[2].si_len = len - 5;
	cr_assert_eq(rumpuser_shmif_sendv(w, iov, 3, len,
	    SHMIF_SF_CSUM_UNDONE | 0x80000000u), 0);
	cr_assert_eq(rumpuser_shmif_send(w, f, len), 0);
	cr_assert_eq(rumpuser_shmif_recv(r, g, sizeof(g), &got, &ov, &flags),
	    0);
	cr_assert_eq(got, len);
	cr_assert(frame_ok(g, got, &s, &q) && s == 2 && q == 7);
	cr_assert_eq(flags, SHMIF_SF_CSUM_UNDONE);
	cr_assert_eq(rumpuser_shmif_recv(r, g, sizeof(g), &got, &ov, &flags),
	    0);
	cr_assert_eq(flags, 0);
	cr_assert_eq(rumpuser_shmif_sendv(w, iov, 3, SHMIF_MAXFRAME + 1, 0),
	    EMSGSIZE);
	rumpuser_shmif_detach(w);
	rumpuser_shmif_detach(r);
}
