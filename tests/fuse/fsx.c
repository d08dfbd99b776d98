/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsx.c: a random-operation checker for one file: writes, reads,
 * truncations, holes, fsyncs and reopenings in a seeded random order,
 * against a reference copy kept in memory.  Every read is compared with
 * the reference, and the whole file is checked at the end (and every
 * 1000 operations).  Used by tests/fuse on a file of the FUSE mount.
 *
 *	fsx [-N ops] [-S seed] [-l maxlen] [-o maxop] file
 *
 * Exit 0: no divergence; 1: divergence (the last operations and the first
 * differing byte are printed); 2: usage or a system call failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOGSIZE 32

static unsigned char *ref, *buf;
static size_t maxlen = 256 * 1024, maxop = 64 * 1024, reflen;
static const char *fname;
static int fd = -1;
static uint64_t rng;
static char oplog[LOGSIZE][96];
static unsigned long opno;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static void
logop(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logop(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(oplog[opno % LOGSIZE], sizeof(oplog[0]), fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
fail(const char *what)
{
	unsigned long i, first = opno >= LOGSIZE ? opno - LOGSIZE + 1 : 0;

	fprintf(stderr, "fsx: %s at operation %lu (seed below)\n", what, opno);
	for (i = first; i <= opno; i++)
		fprintf(stderr, "  %lu: %s\n", i, oplog[i % LOGSIZE]);
	exit(1);
}

static void __attribute__((noreturn))
syserr(const char *call)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: %s", call, strerror(errno));
	fail(msg);
}

static void
check(size_t off, size_t len, const unsigned char *got)
{
	size_t i;
	char msg[128];

	for (i = 0; i < len; i++) {
		if (got[i] != ref[off + i]) {
			snprintf(msg, sizeof(msg), "byte %zu is 0x%02x, "
			    "expected 0x%02x", off + i, got[i], ref[off + i]);
			fail(msg);
		}
	}
}

static void
do_read(size_t off, size_t len)
{
	ssize_t n;
	size_t want;

	logop("read %zu+%zu", off, len);
	n = pread(fd, buf, len, (off_t)off);
	if (n < 0)
		syserr("pread");
	want = off >= reflen ? 0 : (reflen - off < len ? reflen - off : len);
	if ((size_t)n != want) {
		char msg[96];

		snprintf(msg, sizeof(msg), "short read %zd, expected %zu", n,
		    want);
		fail(msg);
	}
	check(off, (size_t)n, buf);
}

static void
do_write(size_t off, size_t len)
{
	size_t i;
	ssize_t n;

	logop("write %zu+%zu", off, len);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(rnd() >> 56);
	n = pwrite(fd, buf, len, (off_t)off);
	if (n < 0)
		syserr("pwrite");
	if ((size_t)n != len)
		fail("short write");
	if (off > reflen)
		memset(ref + reflen, 0, off - reflen);
	memcpy(ref + off, buf, len);
	if (off + len > reflen)
		reflen = off + len;
}

static void
do_truncate(size_t len)
{
	logop("truncate %zu (from %zu)", len, reflen);
	if (ftruncate(fd, (off_t)len) != 0)
		syserr("ftruncate");
	if (len > reflen)
		memset(ref + reflen, 0, len - reflen);
	reflen = len;
}

static void
do_checkall(void)
{
	struct stat st;

	logop("check all (%zu bytes)", reflen);
	if (fstat(fd, &st) != 0)
		syserr("fstat");
	if ((size_t)st.st_size != reflen) {
		char msg[96];

		snprintf(msg, sizeof(msg), "size %jd, expected %zu",
		    (intmax_t)st.st_size, reflen);
		fail(msg);
	}
	for (size_t off = 0; off < reflen; off += maxop)
		do_read(off, reflen - off < maxop ? reflen - off : maxop);
}

static void
reopen(void)
{
	logop("close and reopen");
	if (fd >= 0 && close(fd) != 0)
		syserr("close");
	if ((fd = open(fname, O_RDWR | O_CREAT, 0644)) < 0)
		syserr("open");
}

int
main(int argc, char **argv)
{
	unsigned long nops = 10000;
	uint64_t seed = 1;
	size_t off, len;
	int ch;

	while ((ch = getopt(argc, argv, "N:S:l:o:")) != -1) {
		switch (ch) {
		case 'N': nops = strtoul(optarg, NULL, 0); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'l': maxlen = strtoul(optarg, NULL, 0); break;
		case 'o': maxop = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: fsx [-N ops] [-S seed] "
			    "[-l maxlen] [-o maxop] file\n");
			return 2;
		}
	}
	if (optind != argc - 1 || maxlen == 0 || maxop == 0 || maxop > maxlen)
		return 2;
	fname = argv[optind];
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	ref = calloc(1, maxlen + maxop);
	buf = malloc(maxop);
	if (ref == NULL || buf == NULL)
		return 2;
	unlink(fname);
	reopen();
	for (opno = 0; opno < nops; opno++) {
		unsigned r = (unsigned)(rnd() % 100);

		off = (size_t)(rnd() % maxlen);
		len = 1 + (size_t)(rnd() % maxop);
		if (off + len > maxlen)
			len = maxlen - off;
		if (len == 0)
			len = 1, off = maxlen - 1;
		if (r < 40)
			do_write(off, len);
		else if (r < 80)
			do_read(off, len);
		else if (r < 90)
			do_truncate((size_t)(rnd() % maxlen));
		else if (r < 94) {
			logop("fsync");
			if (fsync(fd) != 0)
				syserr("fsync");
		} else if (r < 97)
			reopen();
		else
			/* Writes far past the end leave a hole. */
			do_write(maxlen - len, len);
		if (opno % 1000 == 999)
			do_checkall();
	}
	do_checkall();
	close(fd);
	printf("fsx: %lu operations, seed %" PRIu64 ", no divergence\n", nops,
	    seed);
	return 0;
}
