/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * shmif_busfmt.h: the layout of a shmif bus file (docs/shmif.md), shared
 * by the driver's host half (shmif_user.c) and shmif_dumpbus.  Only
 * fixed-size types: the file is read by any process on the host.
 *
 * The file is a header page followed by a byte ring.  Frames are written
 * one after another at increasing absolute byte positions; position p
 * lives at ring offset p % sb_ringsize (a frame may wrap around the end).
 * sb_head is where the next frame goes, sb_tail the oldest frame still
 * whole in the ring.  All fields are little-endian (the host's order).
 * Writers hold sb_lock (a futex word) while they append; a writer moves
 * sb_tail past the frames it is about to overwrite before it writes,
 * and sb_head after.  Readers take no lock: they copy a frame below
 * sb_head, then check that sb_tail has not passed it (version 2; in
 * version 1 readers took the lock too).  sb_gen changes after every
 * frame and is what sleeping readers wait on.
 *
 * Frames are at most SHMIF_MAXFRAME bytes, except, from version 3 on,
 * TCP segments a sender made larger than the MTU (segmentation offload,
 * SHMIF_SF_TSO): up to SHMIF_MAXLARGE.  Receivers take them whole.
 */
#ifndef _SYS_DEV_SHMIF_SHMIF_BUSFMT_H_
#define _SYS_DEV_SHMIF_SHMIF_BUSFMT_H_

#include <stdint.h>

#define SHMIF_MAGIC      0x46494d53U       /* "SMIF" */
#define SHMIF_VERSION    3                 /* 2: lock-free readers;
                                              3: aggregate frames */
#define SHMIF_HDRSIZE    4096
#define SHMIF_RINGSIZE   (8 * 1024 * 1024) /* default for new buses */
#define SHMIF_RINGMIN    (64 * 1024)
#define SHMIF_RINGMAX    (256 * 1024 * 1024)
#define SHMIF_MAXFRAME   9018              /* jumbo frame, no FCS */
#define SHMIF_MAXLARGE   (65535 + 14)      /* an aggregate: the largest
                                              IPv4 packet + Ethernet */

struct shmif_bushdr {
	uint32_t sb_magic;                 /* SHMIF_MAGIC, written last */
	uint32_t sb_version;               /* SHMIF_VERSION */
	uint32_t sb_lock;                  /* 0 free, 1 held, 2 held+waiters */
	uint32_t sb_gen;                   /* bumped after each frame */
	uint64_t sb_head;                  /* next write position */
	uint64_t sb_tail;                  /* oldest whole frame */
	uint32_t sb_ringsize;              /* ring bytes, multiple of 8 */
	uint32_t sb_hdrsize;               /* ring offset in the file */
	uint32_t sb_waiters;               /* readers asleep on sb_gen */
	uint32_t sb_lockpid;               /* pid holding sb_lock */
	uint64_t sb_frames;                /* frames ever written */
	uint64_t sb_lockbreaks;            /* locks taken from dead holders */
};

struct shmif_frhdr {
	uint32_t sf_len;                   /* frame bytes after this header */
	uint32_t sf_flags;                 /* SHMIF_SF_* */
	uint64_t sf_sender;                /* writer's random id */
	uint64_t sf_sec;                   /* CLOCK_REALTIME of the send */
	uint32_t sf_nsec;
	uint32_t sf_segsz;                 /* SHMIF_SF_TSO: payload bytes per
	                                      segment it stands for */
};

/* sf_flags */
#define SHMIF_SF_CSUM_UNDONE 0x1  /* TCP/UDP payload sum left out: the
                                     sender runs with RUMP_SHMIF_NOCSUM */
#define SHMIF_SF_TSO         0x2  /* version 3: a TCP/IPv4 segment up to
                                     SHMIF_MAXLARGE bytes standing for
                                     segments of sf_segsz payload bytes
                                     (segmentation offload); its sum, if
                                     there, covers it whole */
/* Is a frame header's length possible (a hostile file may say anything)? */
#define SHMIF_FRLEN_OK(fh) ((fh)->sf_len != 0 &&			\
	(fh)->sf_len <= (((fh)->sf_flags & SHMIF_SF_TSO) ?		\
	    SHMIF_MAXLARGE : SHMIF_MAXFRAME))

#define SHMIF_FRAMESPACE(len) \
	(sizeof(struct shmif_frhdr) + (((uint64_t)(len) + 7) & ~(uint64_t)7))

#endif /* _SYS_DEV_SHMIF_SHMIF_BUSFMT_H_ */
