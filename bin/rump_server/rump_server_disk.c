/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rump_server_disk.c: rump_server's -d drive specifications.
 *
 *	key=/dev/x,hostpath=file,size=N|host[,offset=N][,type=blk|chr|reg]
 *	key=/dev/x,hostpath=file,disklabel=P[,type=...]
 *
 * size takes a k, m or g suffix (powers of 1024).  disklabel=P picks
 * partition P (1..n, or a letter: a is 1) of the MBR or GPT partition
 * table in the host file (512-byte sectors); its start and length become
 * offset and size.  A host file that does not exist is created with mode
 * 0644 and extended to size.  Every error names the token at fault.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rump_server.h"

static int
ds_number(const char *s, uint64_t *vp)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (*s < '0' || *s > '9')
		return EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0)
		return EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024ULL * 1024 * 1024; end++; break;
	default: return EINVAL;
	}
	if (*end != '\0' || v > UINT64_MAX / mul)
		return EINVAL;
	*vp = v * mul;
	return 0;
}

static int
ds_fail(const char *spec, const char *token, const char *why)
{

	fprintf(stderr, "rump_server: -d %s: %s \"%s\"\n", spec, why, token);
	return EINVAL;
}

int
drivespec_parse(const char *spec, struct drivespec *ds)
{
	char *copy, *tok, *rest, *val;
	int error = 0;

	memset(ds, 0, sizeof(*ds));
	ds->ds_type = DS_BLK;
	copy = strdup(spec);
	if (copy == NULL)
		return ENOMEM;
	for (rest = copy; (tok = strsep(&rest, ",")) != NULL;) {
		val = strchr(tok, '=');
		if (val == NULL || val[1] == '\0') {
			error = ds_fail(spec, tok, "expected NAME=VALUE, not");
			break;
		}
		*val++ = '\0';
		if (strcmp(tok, "key") == 0 && ds->ds_key == NULL) {
			ds->ds_key = strdup(val);
		} else if (strcmp(tok, "hostpath") == 0 &&
		    ds->ds_hostpath == NULL) {
			ds->ds_hostpath = strdup(val);
		} else if (strcmp(tok, "size") == 0 && !ds->ds_hassize &&
		    ds->ds_part == 0) {
			if (strcmp(val, "host") == 0)
				ds->ds_sizehost = 1;
			else if (ds_number(val, &ds->ds_size) != 0) {
				val[-1] = '=';
				error = ds_fail(spec, tok, "bad size");
				break;
			}
			ds->ds_hassize = 1;
		} else if (strcmp(tok, "offset") == 0 && !ds->ds_hasoffset) {
			if (ds_number(val, &ds->ds_offset) != 0) {
				val[-1] = '=';
				error = ds_fail(spec, tok, "bad offset");
				break;
			}
			ds->ds_hasoffset = 1;
		} else if (strcmp(tok, "type") == 0) {
			if (strcmp(val, "blk") == 0)
				ds->ds_type = DS_BLK;
			else if (strcmp(val, "chr") == 0)
				ds->ds_type = DS_CHR;
			else if (strcmp(val, "reg") == 0)
				ds->ds_type = DS_REG;
			else {
				val[-1] = '=';
				error = ds_fail(spec, tok, "bad type");
				break;
			}
		} else if (strcmp(tok, "disklabel") == 0 && !ds->ds_hassize &&
		    ds->ds_part == 0) {
			if (val[0] >= 'a' && val[0] <= 'z' && val[1] == '\0')
				ds->ds_part = val[0] - 'a' + 1;
			else if (ds_number(val, &ds->ds_size) == 0 &&
			    ds->ds_size >= 1 && ds->ds_size <= 128)
				ds->ds_part = (int)ds->ds_size;
			else {
				val[-1] = '=';
				error = ds_fail(spec, tok, "bad partition");
				break;
			}
			ds->ds_size = 0;
		} else {
			val[-1] = '=';
			error = ds_fail(spec, tok, "unknown or repeated token");
			break;
		}
	}
	if (error == 0 && ds->ds_key == NULL)
		error = ds_fail(spec, "key", "missing");
	else if (error == 0 && ds->ds_hostpath == NULL)
		error = ds_fail(spec, "hostpath", "missing");
	else if (error == 0 && !ds->ds_hassize && ds->ds_part == 0)
		error = ds_fail(spec, "size", "missing (or disklabel)");
	else if (error == 0 && ds->ds_part != 0 && ds->ds_hasoffset)
		error = ds_fail(spec, "offset", "cannot go with disklabel:");
	free(copy);
	if (error == 0)
		ds->ds_spec = spec;
	return error;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Partition part of the MBR or GPT in fd; bounds-checked against fsize. */
static int
ds_partition(const struct drivespec *ds, int fd, uint64_t fsize,
    uint64_t *offp, uint64_t *sizep)
{
	uint8_t mbr[512], gpt[512], ent[128];
	uint64_t first, last, tbl, i, start = 0, count = 0;
	uint32_t nent, esz;
	int gptseen = 0;

	if (pread(fd, mbr, 512, 0) != 512 || mbr[510] != 0x55 ||
	    mbr[511] != 0xaa)
		return ds_fail(ds->ds_spec, "disklabel", "no MBR or GPT in "
		    "the host file for");
	for (i = 0; i < 4; i++)
		if (mbr[446 + 16 * i + 4] == 0xee)
			gptseen = 1;
	if (!gptseen) {
		const uint8_t *e;

		if (ds->ds_part > 4)
			return ds_fail(ds->ds_spec, "disklabel",
			    "an MBR has 4 primary partitions, no");
		e = mbr + 446 + 16 * (ds->ds_part - 1);
		if (e[4] == 0)
			return ds_fail(ds->ds_spec, "disklabel",
			    "unused MBR partition");
		start = le32(e + 8);
		count = le32(e + 12);
	} else {
		if (pread(fd, gpt, 512, 512) != 512 ||
		    memcmp(gpt, "EFI PART", 8) != 0)
			return ds_fail(ds->ds_spec, "disklabel",
			    "bad GPT header for");
		tbl = le64(gpt + 72);
		nent = le32(gpt + 80);
		esz = le32(gpt + 84);
		if (esz < 128 || esz > 4096 || (uint64_t)ds->ds_part > nent ||
		    tbl > fsize / 512)
			return ds_fail(ds->ds_spec, "disklabel",
			    "GPT has no partition");
		if (pread(fd, ent, sizeof(ent), (off_t)(tbl * 512 +
		    (uint64_t)(ds->ds_part - 1) * esz)) != sizeof(ent))
			return ds_fail(ds->ds_spec, "disklabel",
			    "cannot read GPT entry for");
		for (i = 0; i < 16 && ent[i] == 0; i++)
			;
		if (i == 16)
			return ds_fail(ds->ds_spec, "disklabel",
			    "unused GPT partition");
		first = le64(ent + 32);
		last = le64(ent + 40);
		if (last < first)
			return ds_fail(ds->ds_spec, "disklabel",
			    "bad GPT entry for");
		start = first;
		count = last - first + 1;
	}
	if (count == 0 || start > fsize / 512 || count > fsize / 512 - start)
		return ds_fail(ds->ds_spec, "disklabel",
		    "partition beyond the end of the host file:");
	*offp = start * 512;
	*sizep = count * 512;
	return 0;
}

int
drivespec_prepare(struct drivespec *ds)
{
	struct stat st;
	int fd;

	fd = open(ds->ds_hostpath, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)
		fd = open(ds->ds_hostpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (!ds->ds_hassize || ds->ds_sizehost)
			return ds_fail(ds->ds_spec, "hostpath", "host file "
			    "does not exist and size is not given:");
		fd = open(ds->ds_hostpath, O_RDWR | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)(ds->ds_offset +
		    ds->ds_size)) != 0) {
			fprintf(stderr, "rump_server: -d %s: cannot create "
			    "%s: %s\n", ds->ds_spec, ds->ds_hostpath,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			return EINVAL;
		}
	}
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "rump_server: -d %s: %s: %s\n", ds->ds_spec,
		    ds->ds_hostpath, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EINVAL;
	}
	if (ds->ds_part != 0) {
		if (ds_partition(ds, fd, (uint64_t)st.st_size, &ds->ds_offset,
		    &ds->ds_size) != 0) {
			close(fd);
			return EINVAL;
		}
	} else if (ds->ds_sizehost) {
		if ((uint64_t)st.st_size < ds->ds_offset) {
			close(fd);
			return ds_fail(ds->ds_spec, "offset",
			    "beyond the end of the host file:");
		}
		ds->ds_size = (uint64_t)st.st_size - ds->ds_offset;
	} else if (S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < ds->ds_offset + ds->ds_size) {
		if (ftruncate(fd, (off_t)(ds->ds_offset + ds->ds_size)) != 0) {
			fprintf(stderr, "rump_server: -d %s: cannot extend %s: "
			    "%s\n", ds->ds_spec, ds->ds_hostpath,
			    strerror(errno));
			close(fd);
			return EINVAL;
		}
	}
	close(fd);
	return 0;
}
