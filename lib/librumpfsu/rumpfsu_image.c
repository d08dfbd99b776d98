/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpfsu_image.c: disk images for the FUSE bridge and fs-utils: the
 * IMAGE[:PARTITION] argument, MBR and GPT partition tables, and the file
 * system type from the on-disk magic numbers.
 *
 * Everything here reads untrusted bytes from the host file with pread and
 * checks every offset and count against the file's size before using it;
 * a malformed table is EINVAL with a message, never a crash.
 *
 * Partition numbers follow Linux's: MBR primaries are 1-4 and logical
 * partitions of the extended partition 5 on, in chain order; GPT entries
 * are numbered from 1 in table order (unused entries keep their number).
 * Sectors are 512 bytes for MBR; GPT is looked for with 512 and 4096.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rumpfsu.h"

#define MBR_SECSIZE 512
#define MBR_MAXLOGICAL 128
#define GPT_MAXENTRIES 4096
#define GPT_MAXENTSIZE 4096

/* Format a message into err and return error. */
int
rumpfsu_errf(char *err, size_t errlen, int error, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return error;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t
crc32_ieee(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* Read exactly len bytes at off; a short read (past the end) is EINVAL. */
static int
readat(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n;
	size_t done = 0;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EINVAL;
		done += (size_t)n;
	}
	return 0;
}

/* Partition part (1-based) of a GPT with sectors of secsize bytes. */
static int
gpt_find(struct rumpfsu_image *ri, int fd, uint64_t fsize, unsigned secsize,
    char *err, size_t errlen)
{
	unsigned char hdr[512], *ents;
	uint64_t entlba, first, last;
	uint32_t hsize, nent, entsize, crc;
	size_t tlen;
	const unsigned char *e;
	int error;

	if (readat(fd, hdr, sizeof(hdr), secsize) != 0 ||
	    memcmp(hdr, "EFI PART", 8) != 0)
		return ENOENT;
	hsize = le32(hdr + 12);
	if (hsize < 92 || hsize > sizeof(hdr))
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: corrupt GPT header (size %u)", ri->ri_path, hsize);
	crc = le32(hdr + 16);
	memset(hdr + 16, 0, 4);
	if (crc32_ieee(hdr, hsize) != crc)
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: corrupt GPT header (checksum)", ri->ri_path);
	entlba = le64(hdr + 72);
	nent = le32(hdr + 80);
	entsize = le32(hdr + 84);
	if (nent == 0 || nent > GPT_MAXENTRIES || entsize < 128 ||
	    entsize > GPT_MAXENTSIZE || entsize % 8 != 0 ||
	    entlba > fsize / secsize)
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: corrupt GPT header (partition array)", ri->ri_path);
	if ((uint64_t)ri->ri_part > nent)
		return rumpfsu_errf(err, errlen, ENXIO,
		    "%s: no partition %d (the GPT has %u entries)",
		    ri->ri_path, ri->ri_part, nent);
	tlen = (size_t)nent * entsize;
	if ((ents = malloc(tlen)) == NULL)
		return rumpfsu_errf(err, errlen, ENOMEM, "out of memory");
	if ((error = readat(fd, ents, tlen, entlba * secsize)) != 0) {
		free(ents);
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: GPT partition array past the end of the image",
		    ri->ri_path);
	}
	if (crc32_ieee(ents, tlen) != le32(hdr + 88)) {
		free(ents);
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: corrupt GPT partition array (checksum)", ri->ri_path);
	}
	e = ents + (size_t)(ri->ri_part - 1) * entsize;
	first = le64(e + 32);
	last = le64(e + 40);
	if (memcmp(e, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0) {
		free(ents);
		return rumpfsu_errf(err, errlen, ENXIO,
		    "%s: no partition %d (GPT entry unused)", ri->ri_path,
		    ri->ri_part);
	}
	free(ents);
	if (first > last || last >= fsize / secsize)
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: GPT partition %d lies outside the image",
		    ri->ri_path, ri->ri_part);
	ri->ri_begin = first * secsize;
	ri->ri_size = (last - first + 1) * secsize;
	ri->ri_scheme = "gpt";
	return 0;
}

static bool
mbr_extended(unsigned type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

/* Check an MBR entry's window [base+start, +count) against the file. */
static int
mbr_window(struct rumpfsu_image *ri, uint64_t fsize, uint64_t base,
    const unsigned char *pe, char *err, size_t errlen)
{
	uint64_t start = base + le32(pe + 8), count = le32(pe + 12);

	if (count == 0 || (start + count) * MBR_SECSIZE > fsize)
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: MBR partition %d lies outside the image",
		    ri->ri_path, ri->ri_part);
	ri->ri_begin = start * MBR_SECSIZE;
	ri->ri_size = count * MBR_SECSIZE;
	ri->ri_scheme = "mbr";
	return 0;
}

/* Logical partition ri_part (5 on) in the extended partition at ext. */
static int
mbr_logical(struct rumpfsu_image *ri, int fd, uint64_t fsize,
    const unsigned char *ext, char *err, size_t errlen)
{
	unsigned char ebr[MBR_SECSIZE];
	uint64_t extbase = le32(ext + 8), extsize = le32(ext + 12), cur;
	int n, num = 5;

	cur = extbase;
	for (n = 0; n < MBR_MAXLOGICAL; n++) {
		if (cur < extbase || cur >= extbase + extsize ||
		    readat(fd, ebr, sizeof(ebr), cur * MBR_SECSIZE) != 0 ||
		    ebr[510] != 0x55 || ebr[511] != 0xaa)
			return rumpfsu_errf(err, errlen, EINVAL,
			    "%s: corrupt extended partition chain",
			    ri->ri_path);
		if (num == ri->ri_part)
			return mbr_window(ri, fsize, cur, ebr + 446, err,
			    errlen);
		if (le32(ebr + 462 + 12) == 0)
			break;
		cur = extbase + le32(ebr + 462 + 8);
		num++;
	}
	return rumpfsu_errf(err, errlen, ENXIO, "%s: no partition %d",
	    ri->ri_path, ri->ri_part);
}

static int
part_find(struct rumpfsu_image *ri, int fd, uint64_t fsize, char *err,
    size_t errlen)
{
	unsigned char mbr[MBR_SECSIZE];
	const unsigned char *pe;
	int i, error;

	if (readat(fd, mbr, sizeof(mbr), 0) != 0 || mbr[510] != 0x55 ||
	    mbr[511] != 0xaa)
		return rumpfsu_errf(err, errlen, ENXIO,
		    "%s: no partition table", ri->ri_path);
	for (i = 0; i < 4; i++) {
		if (mbr[446 + i * 16 + 4] == 0xee) {
			error = gpt_find(ri, fd, fsize, 512, err, errlen);
			if (error == ENOENT)
				error = gpt_find(ri, fd, fsize, 4096, err,
				    errlen);
			if (error == ENOENT)
				error = rumpfsu_errf(err, errlen, EINVAL,
				    "%s: protective MBR but no GPT header",
				    ri->ri_path);
			return error;
		}
	}
	if (ri->ri_part <= 4) {
		pe = mbr + 446 + (ri->ri_part - 1) * 16;
		if (pe[4] == 0 || mbr_extended(pe[4]))
			return rumpfsu_errf(err, errlen, ENXIO,
			    "%s: no partition %d", ri->ri_path, ri->ri_part);
		return mbr_window(ri, fsize, 0, pe, err, errlen);
	}
	for (i = 0; i < 4; i++) {
		pe = mbr + 446 + i * 16;
		if (mbr_extended(pe[4]))
			return mbr_logical(ri, fd, fsize, pe, err, errlen);
	}
	return rumpfsu_errf(err, errlen, ENXIO, "%s: no partition %d",
	    ri->ri_path, ri->ri_part);
}

/* Split spec into path and partition number; 0 or EINVAL. */
static int
spec_split(struct rumpfsu_image *ri, const char *spec, char *err,
    size_t errlen)
{
	const char *colon, *p;
	struct stat st;
	long part;
	size_t len;

	ri->ri_part = 0;
	colon = strrchr(spec, ':');
	if (colon != NULL && stat(spec, &st) != 0 && colon[1] != '\0') {
		for (p = colon + 1; *p >= '0' && *p <= '9'; p++)
			continue;
		if (*p == '\0' && p - colon <= 4) {
			part = strtol(colon + 1, NULL, 10);
			if (part < 1)
				return rumpfsu_errf(err, errlen, EINVAL,
				    "%s: partitions are numbered from 1",
				    spec);
			ri->ri_part = (int)part;
			len = (size_t)(colon - spec);
			if (len >= sizeof(ri->ri_path))
				return rumpfsu_errf(err, errlen, ENAMETOOLONG,
				    "%s: name too long", spec);
			memcpy(ri->ri_path, spec, len);
			ri->ri_path[len] = '\0';
			return 0;
		}
	}
	if (strlen(spec) >= sizeof(ri->ri_path))
		return rumpfsu_errf(err, errlen, ENAMETOOLONG,
		    "%s: name too long", spec);
	strcpy(ri->ri_path, spec);
	return 0;
}

int
rumpfsu_image_open(struct rumpfsu_image *ri, const char *spec, char *err,
    size_t errlen)
{
	struct stat st;
	int fd, error;

	memset(ri, 0, sizeof(*ri));
	if (*spec == '\0')
		return rumpfsu_errf(err, errlen, EINVAL, "empty image name");
	if ((error = spec_split(ri, spec, err, errlen)) != 0)
		return error;
	if ((fd = open(ri->ri_path, O_RDONLY | O_CLOEXEC)) < 0)
		return rumpfsu_errf(err, errlen, errno, "%s: %s", ri->ri_path,
		    strerror(errno));
	if (fstat(fd, &st) != 0) {
		error = errno;
		close(fd);
		return rumpfsu_errf(err, errlen, error, "%s: %s",
		    ri->ri_path, strerror(error));
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		close(fd);
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s: not a regular file", ri->ri_path);
	}
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		st.st_size = end < 0 ? 0 : end;
	}
	ri->ri_begin = 0;
	ri->ri_size = (uint64_t)st.st_size;
	error = 0;
	if (ri->ri_part > 0)
		error = part_find(ri, fd, (uint64_t)st.st_size, err, errlen);
	close(fd);
	return error;
}

/* Does the image hold magic at off? */
static bool
magic_at(int fd, const struct rumpfsu_image *ri, uint64_t off,
    const void *magic, size_t len)
{
	unsigned char buf[16];

	if (len > sizeof(buf) || off + len > ri->ri_size)
		return false;
	if (readat(fd, buf, len, ri->ri_begin + off) != 0)
		return false;
	return memcmp(buf, magic, len) == 0;
}

int
rumpfsu_detect(const struct rumpfsu_image *ri, char *name, size_t namelen,
    char *err, size_t errlen)
{
	static const unsigned char ext2[2] = { 0x53, 0xef };
	static const unsigned char ufs1[4] = { 0x54, 0x19, 0x01, 0x00 };
	static const unsigned char ufs2[4] = { 0x19, 0x01, 0x54, 0x19 };
	unsigned char boot[512];
	const char *type = NULL;
	int fd;

	if ((fd = open(ri->ri_path, O_RDONLY | O_CLOEXEC)) < 0)
		return rumpfsu_errf(err, errlen, errno, "%s: %s", ri->ri_path,
		    strerror(errno));
	if (magic_at(fd, ri, 1024 + 56, ext2, 2))
		type = "ext2fs";
	else if (magic_at(fd, ri, 8192 + 1372, ufs1, 4) ||
	    magic_at(fd, ri, 65536 + 1372, ufs2, 4) ||
	    magic_at(fd, ri, 8192 + 1372, ufs2, 4))
		type = "ffs";
	else if (magic_at(fd, ri, 32769, "CD001", 5))
		type = "cd9660";
	else if (ri->ri_size >= 512 &&
	    readat(fd, boot, sizeof(boot), ri->ri_begin) == 0 &&
	    boot[510] == 0x55 && boot[511] == 0xaa &&
	    (boot[0] == 0xeb || boot[0] == 0xe9) &&
	    (memcmp(boot + 54, "FAT", 3) == 0 ||
	    memcmp(boot + 82, "FAT32", 5) == 0))
		type = "msdos";
	close(fd);
	if (type == NULL)
		return rumpfsu_errf(err, errlen, EINVAL,
		    "%s%s: unknown file system type (use -t)", ri->ri_path,
		    ri->ri_part > 0 ? " (partition)" : "");
	snprintf(name, namelen, "%s", type);
	return 0;
}
