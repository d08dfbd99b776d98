/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpfsu.h: the shared core of the FUSE bridge (bin/rump_mount) and the
 * fs-utils commands (bin/fsu): find a file system in a disk image, boot an
 * in-process rump kernel, and mount the file system inside it.
 *
 * Host-side library: it sees host headers and uses the kernel only through
 * the public API (rump.h, rump_syscalls.h).
 *
 *	struct rumpfsu_mount m;
 *	char err[256];
 *
 *	if (rumpfsu_mount(&m, "disk.img:2", NULL, NULL, RUMPFSU_RDONLY,
 *	    err, sizeof(err)) != 0)
 *		errx(1, "%s", err);
 *	... rump_sys_open(RUMPFSU_MNT "/etc/passwd", O_RDONLY, 0) ...
 *	rumpfsu_unmount(&m, err, sizeof(err));
 *
 * Every function returns 0 or an errno value and, on failure, leaves one
 * line of explanation (no newline) in the caller's buffer.
 */
#ifndef _RUMPFSU_H_
#define _RUMPFSU_H_

#include <stddef.h>
#include <stdint.h>
#include <limits.h>

/* Where the file system is mounted in the kernel's tree. */
#define RUMPFSU_MNT "/mnt"
/* The kernel path of the disk device. */
#define RUMPFSU_DEV "/dev/rumpfsu0"

/* An image, parsed from IMAGE[:PARTITION]. */
struct rumpfsu_image {
	char ri_path[PATH_MAX];      /* host file */
	int ri_part;                 /* partition number, 0: whole image */
	uint64_t ri_begin;           /* bytes into the host file */
	uint64_t ri_size;            /* bytes */
	const char *ri_scheme;       /* "mbr", "gpt" or NULL */
};

/*
 * Split IMAGE[:PARTITION]: if spec names an existing file it is the image
 * (a file name may contain ':'); otherwise a trailing ":N" with N a
 * decimal number selects partition N.  Opens the image, reads its
 * partition table when a partition is asked for, and checks that the
 * partition lies inside the file.  ENOENT, EACCES, ENXIO (no such
 * partition), EINVAL (malformed table or spec).
 */
int rumpfsu_image_open(struct rumpfsu_image *ri, const char *spec,
    char *err, size_t errlen);

/*
 * The kernel's name for the file system in the image ("ext2fs", "ffs",
 * "msdos", "cd9660") in name[namelen], from its on-disk magic numbers.
 * EFTYPE-like failure: returns EINVAL when nothing is recognised.
 */
int rumpfsu_detect(const struct rumpfsu_image *ri, char *name,
    size_t namelen, char *err, size_t errlen);

/* Flags of rumpfsu_mount(). */
#define RUMPFSU_RDONLY 0x01          /* mount read-only */

struct rumpfsu_mount {
	struct rumpfsu_image rm_image;
	char rm_fstype[32];
	int rm_flags;
	int rm_mounted;
};

/*
 * Boot the kernel (if it is not booted yet), raise its descriptor limit,
 * map the image (or partition) as the block device RUMPFSU_DEV and mount
 * it at RUMPFSU_MNT.  fstype NULL: detected.  fstype "tmpfs": nothing is
 * opened, spec is ignored and an empty tmpfs is mounted (for tests and
 * scratch use).  opts is the mount's option string, or NULL.
 */
int rumpfsu_mount(struct rumpfsu_mount *rm, const char *spec,
    const char *fstype, const char *opts, int flags, char *err,
    size_t errlen);

/*
 * Sync and unmount the file system and remove the device: everything
 * written is on the image when this returns 0.
 */
int rumpfsu_unmount(struct rumpfsu_mount *rm, char *err, size_t errlen);

/* Format a message into err[errlen] (if err is not NULL); returns error. */
int rumpfsu_errf(char *err, size_t errlen, int error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* _RUMPFSU_H_ */
