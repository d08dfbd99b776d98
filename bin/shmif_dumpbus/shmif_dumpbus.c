/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shmif_dumpbus: read a shmif bus file (docs/shmif.md) directly and print
 * its header, list its frames, or write them as a pcap file (Ethernet
 * link type) that tcpdump -r and tshark -r read.
 *
 *	shmif_dumpbus [-h] [-p pcapfile|-] busfile
 *
 * The frames are those still in the ring, oldest first.  The ring is
 * copied under the bus lock (the same futex word the kernels' writers
 * use), so a dump taken while kernels send holds only whole frames.
 * Bus versions 1 to 3 (docs/shmif.md) have the same layout.  Frames
 * whose sender left the TCP/UDP sum out (RUMP_SHMIF_NOCSUM) get it
 * filled in on the way out.  TCP aggregates (segmentation offload,
 * version 3) are written whole, as a capture on a Linux interface with
 * offload shows them.  A host program, not a rump kernel client.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shmif_busfmt.h"

static void
usage(void)
{
	fprintf(stderr, "usage: shmif_dumpbus [-h] [-p pcapfile|-] busfile\n");
	exit(2);
}

/* Take the bus lock as the kernels do, with a bounded wait. */
static bool
bus_lock(struct shmif_bushdr *h)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint32_t c;
	int i;

	for (i = 0; i < 300; i++) {
		c = 0;
		if (__atomic_compare_exchange_n(&h->sb_lock, &c, 1, false,
		    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			__atomic_store_n(&h->sb_lockpid, (uint32_t)getpid(),
			    __ATOMIC_RELAXED);
			return true;
		}
		nanosleep(&ts, NULL);
	}
	return false;
}

static void
bus_unlock(struct shmif_bushdr *h)
{
	__atomic_store_n(&h->sb_lockpid, 0, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&h->sb_lock, 0, __ATOMIC_RELEASE) == 2)
		syscall(SYS_futex, &h->sb_lock, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void
ring_copy(const uint8_t *ring, uint32_t size, uint64_t pos, void *buf,
    size_t len)
{
	size_t off = (size_t)(pos % size);
	size_t n = size - off < len ? size - off : len;

	memcpy(buf, ring + off, n);
	memcpy((uint8_t *)buf + n, ring, len - n);
}

/* The Internet checksum's 32-bit partial sum of n bytes at p. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/*
 * A frame whose sender left the TCP or UDP payload sum out (the
 * kernels' RUMP_SHMIF_NOCSUM option, SHMIF_SF_CSUM_UNDONE): fill it in,
 * so the pcap reads as what a kernel without the option receives.
 * Only whole IPv4 datagrams in an untagged Ethernet frame; anything
 * else (or malformed) is left as it is.
 */
static void
fill_csum(uint8_t *f, size_t len)
{
	size_t hl, iplen, off;
	uint32_t sum;
	uint8_t *l4;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return;
	hl = (size_t)(f[14] & 0x0f) * 4;
	iplen = (size_t)(f[16] << 8 | f[17]);
	if ((f[14] >> 4) != 4 || hl < 20 || iplen < hl || 14 + iplen > len ||
	    (f[20] & 0x3f) != 0 || f[21] != 0)     /* MF or an offset */
		return;
	if (f[23] == 6)
		off = 16;
	else if (f[23] == 17)
		off = 6;
	else
		return;
	if (iplen - hl < off + 2)
		return;
	l4 = f + 14 + hl;
	l4[off] = l4[off + 1] = 0;
	sum = sum16(f + 26, 8, 0) + f[23] + (uint32_t)(iplen - hl);
	sum = sum16(l4, iplen - hl, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (sum == 0 && f[23] == 17)
		sum = 0xffff;
	l4[off] = (uint8_t)(sum >> 8);
	l4[off + 1] = (uint8_t)sum;
}

static void
put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void
put16(FILE *f, uint16_t v)
{
	fwrite(&v, 2, 1, f);
}

int
main(int argc, char **argv)
{
	const char *pcap = NULL;
	bool hdr = false, locked = false, writable = true;
	struct shmif_bushdr h, *sh;
	struct shmif_frhdr fh;
	struct stat st;
	uint8_t *ring, *map, frame[SHMIF_MAXLARGE];
	uint64_t pos, head, tail, nframes = 0;
	uint32_t ringsize;
	FILE *out = NULL, *info;
	int ch, fd;

	while ((ch = getopt(argc, argv, "hp:")) != -1) {
		switch (ch) {
		case 'h':
			hdr = true;
			break;
		case 'p':
			pcap = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	fd = open(argv[optind], O_RDWR);
	if (fd == -1 && errno == EACCES) {
		writable = false;
		fd = open(argv[optind], O_RDONLY);
	}
	if (fd == -1 || fstat(fd, &st) == -1) {
		fprintf(stderr, "shmif_dumpbus: %s: %s\n", argv[optind],
		    strerror(errno));
		return 1;
	}
	if ((size_t)st.st_size < SHMIF_HDRSIZE + SHMIF_RINGMIN) {
		fprintf(stderr, "shmif_dumpbus: %s: not a shmif bus\n",
		    argv[optind]);
		return 1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ |
	    (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("shmif_dumpbus: mmap");
		return 1;
	}
	sh = (struct shmif_bushdr *)(void *)map;
	memcpy(&h, sh, sizeof(h));
	/* Versions 1 and 2 have the same layout (version 1's readers took
	 * the lock; neither has aggregate frames). */
	if (h.sb_magic != SHMIF_MAGIC ||
	    h.sb_version < 1 || h.sb_version > SHMIF_VERSION ||
	    h.sb_hdrsize != SHMIF_HDRSIZE || h.sb_ringsize < SHMIF_RINGMIN ||
	    h.sb_ringsize > SHMIF_RINGMAX || h.sb_ringsize % 8 != 0 ||
	    (uint64_t)h.sb_hdrsize + h.sb_ringsize > (uint64_t)st.st_size) {
		fprintf(stderr, "shmif_dumpbus: %s: bad bus header "
		    "(magic 0x%08x version %u)\n", argv[optind], h.sb_magic,
		    h.sb_version);
		return 1;
	}
	/* Snapshot the ring under the lock. */
	ring = malloc(h.sb_ringsize);
	if (ring == NULL) {
		perror("shmif_dumpbus");
		return 1;
	}
	if (writable)
		locked = bus_lock(sh);
	/* Positions and counters again, under the lock; the sizes checked
	 * above stay (the file may change under us). */
	ringsize = h.sb_ringsize;
	memcpy(&h, sh, sizeof(h));
	h.sb_ringsize = ringsize;
	h.sb_hdrsize = SHMIF_HDRSIZE;
	memcpy(ring, map + h.sb_hdrsize, h.sb_ringsize);
	if (locked)
		bus_unlock(sh);
	head = h.sb_head;
	tail = h.sb_tail;

	/* With the pcap on stdout, the header goes to stderr. */
	info = pcap != NULL && strcmp(pcap, "-") == 0 ? stderr : stdout;
	if (hdr) {
		fprintf(info, "bus %s\n", argv[optind]);
		fprintf(info, "magic 0x%08x version %u\n", h.sb_magic, h.sb_version);
		fprintf(info, "ring %u bytes at offset %u\n", h.sb_ringsize,
		    h.sb_hdrsize);
		fprintf(info, "head %llu tail %llu generation %u\n",
		    (unsigned long long)head, (unsigned long long)tail,
		    h.sb_gen);
		fprintf(info, "frames written %llu, lock breaks %llu, sleepers %u%s\n",
		    (unsigned long long)h.sb_frames,
		    (unsigned long long)h.sb_lockbreaks, h.sb_waiters,
		    locked || !writable ? "" : " (copied without the lock)");
	}
	if (tail > head || head - tail > h.sb_ringsize) {
		fprintf(stderr, "shmif_dumpbus: inconsistent ring "
		    "(head %llu tail %llu)\n", (unsigned long long)head,
		    (unsigned long long)tail);
		return 1;
	}
	if (pcap != NULL) {
		if (strcmp(pcap, "-") == 0)
			out = stdout;
		else
			out = fopen(pcap, "wb");
		if (out == NULL) {
			fprintf(stderr, "shmif_dumpbus: %s: %s\n", pcap,
			    strerror(errno));
			return 1;
		}
		/* pcap file header: microsecond timestamps, Ethernet. */
		put32(out, 0xa1b2c3d4U);
		put16(out, 2);
		put16(out, 4);
		put32(out, 0);
		put32(out, 0);
		put32(out, 262144);     /* snap length: aggregates fit */
		put32(out, 1);
	}
	for (pos = tail; pos < head; pos += SHMIF_FRAMESPACE(fh.sf_len)) {
		ring_copy(ring, h.sb_ringsize, pos, &fh, sizeof(fh));
		if (!SHMIF_FRLEN_OK(&fh) ||
		    pos + SHMIF_FRAMESPACE(fh.sf_len) > head) {
			fprintf(stderr, "shmif_dumpbus: bad frame at %llu\n",
			    (unsigned long long)pos);
			break;
		}
		ring_copy(ring, h.sb_ringsize, pos + sizeof(fh), frame,
		    fh.sf_len);
		nframes++;
		if (fh.sf_flags & SHMIF_SF_CSUM_UNDONE)
			fill_csum(frame, fh.sf_len);
		if (out != NULL) {
			put32(out, (uint32_t)fh.sf_sec);
			put32(out, fh.sf_nsec / 1000);
			put32(out, fh.sf_len);
			put32(out, fh.sf_len);
			fwrite(frame, 1, fh.sf_len, out);
		} else if (!hdr) {
			printf("%llu.%06u %u bytes from %016llx",
			    (unsigned long long)fh.sf_sec, fh.sf_nsec / 1000,
			    fh.sf_len, (unsigned long long)fh.sf_sender);
			if (fh.sf_flags & SHMIF_SF_TSO)
				printf(" (a TCP aggregate of %u-byte "
				    "segments)", fh.sf_segsz);
			printf("\n");
		}
	}
	if (hdr)
		fprintf(info, "frames in the ring %llu\n", (unsigned long long)nframes);
	if (out != NULL && out != stdout && fclose(out) != 0) {
		perror("shmif_dumpbus");
		return 1;
	}
	if (out == stdout)
		fflush(stdout);
	return 0;
}
