/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_hostdir.c: host directories for etfs RUMP_ETFS_DIR and
 * RUMP_ETFS_DIR_SUBDIRS (the kernel side is sys/vfs/vfs_hostdir.c).
 *
 * Path-based calls on the host's file system: attributes without
 * following a final symbolic link, reading a directory in chunks by entry
 * index, creating and removing files and directories, reading links,
 * truncating and changing permission bits, and opening a file for I/O.
 * Every call releases the virtual CPU around its system calls.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "rumpuser_int.h"

static int
ru_ftype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return RUMPUSER_FT_DIR;
	case S_IFREG:
		return RUMPUSER_FT_REG;
	case S_IFBLK:
		return RUMPUSER_FT_BLK;
	case S_IFCHR:
		return RUMPUSER_FT_CHR;
	case S_IFLNK:
		return RUMPUSER_FT_LNK;
	default:
		return RUMPUSER_FT_OTHER;
	}
}

int
rumpuser_hostdir_getattr(const char *path, struct rumpuser_hostattr *ha)
{
	struct stat sb;
	int error = 0, nlocks;

	nlocks = ru_unschedule(NULL);
	if (lstat(path, &sb) != 0)
		error = errno;
	ru_schedule(nlocks);
	if (error != 0)
		return error;
	memset(ha, 0, sizeof(*ha));
	ha->ha_ft = ru_ftype(sb.st_mode);
	ha->ha_mode = sb.st_mode & 07777;
	ha->ha_uid = sb.st_uid;
	ha->ha_gid = sb.st_gid;
	ha->ha_nlink = sb.st_nlink;
	ha->ha_ino = sb.st_ino;
	ha->ha_size = (uint64_t)sb.st_size;
	ha->ha_blocks = (uint64_t)sb.st_blocks;
	ha->ha_rdev = sb.st_rdev;
	ha->ha_atime = sb.st_atim.tv_sec;
	ha->ha_atimens = sb.st_atim.tv_nsec;
	ha->ha_mtime = sb.st_mtim.tv_sec;
	ha->ha_mtimens = sb.st_mtim.tv_nsec;
	ha->ha_ctime = sb.st_ctim.tv_sec;
	ha->ha_ctimens = sb.st_ctim.tv_nsec;
	return 0;
}

static int
ru_dtype(unsigned char t)
{
	switch (t) {
	case DT_DIR:
		return RUMPUSER_FT_DIR;
	case DT_REG:
		return RUMPUSER_FT_REG;
	case DT_BLK:
		return RUMPUSER_FT_BLK;
	case DT_CHR:
		return RUMPUSER_FT_CHR;
	case DT_LNK:
		return RUMPUSER_FT_LNK;
	default:
		return RUMPUSER_FT_OTHER;
	}
}

int
rumpuser_hostdir_readdir(const char *path, uint64_t start,
    struct rumpuser_dirent *ents, size_t nents, size_t *countp, int *eofp)
{
	struct dirent *de;
	struct stat sb;
	uint64_t idx = 0;
	size_t n = 0;
	int fd, error = 0, nlocks;
	DIR *d;

	*countp = 0;
	*eofp = 0;
	nlocks = ru_unschedule(NULL);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		error = errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				error = errno;
			else
				*eofp = 1;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (idx++ < start)
			continue;
		if (n == nents)
			break;
		ents[n].d_ino = de->d_ino;
		ents[n].d_ft = ru_dtype(de->d_type);
		if (de->d_type == DT_UNKNOWN &&
		    fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			ents[n].d_ft = ru_ftype(sb.st_mode);
		strncpy(ents[n].d_name, de->d_name,
		    sizeof(ents[n].d_name) - 1);
		ents[n].d_name[sizeof(ents[n].d_name) - 1] = '\0';
		n++;
	}
	closedir(d);
	*countp = n;
out:
	ru_schedule(nlocks);
	return error;
}

int
rumpuser_hostdir_mkdir(const char *path, uint32_t mode)
{
	int error = 0, nlocks;

	nlocks = ru_unschedule(NULL);
	if (mkdir(path, mode & 07777) != 0)
		error = errno;
	ru_schedule(nlocks);
	return error;
}

int
rumpuser_hostdir_create(const char *path, uint32_t mode)
{
	int fd, error = 0, nlocks;

	nlocks = ru_unschedule(NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode & 07777);
	if (fd < 0)
		error = errno;
	else
		close(fd);
	ru_schedule(nlocks);
	return error;
}

int
rumpuser_hostdir_remove(const char *path, int isdir)
{
	int error = 0, nlocks;

	nlocks = ru_unschedule(NULL);
	if ((isdir ? rmdir(path) : unlink(path)) != 0)
		error = errno;
	ru_schedule(nlocks);
	return error;
}

int
rumpuser_hostdir_readlink(const char *path, char *buf, size_t buflen,
    size_t *lenp)
{
	ssize_t n;
	int error = 0, nlocks;

	nlocks = ru_unschedule(NULL);
	n = readlink(path, buf, buflen);
	if (n < 0)
		error = errno;
	else if ((size_t)n >= buflen)
		error = ENAMETOOLONG;
	ru_schedule(nlocks);
	if (error == 0)
		*lenp = (size_t)n;
	return error;
}

int
rumpuser_hostdir_setattr(const char *path, uint64_t size, uint32_t mode)
{
	int fd, error = 0, nlocks;

	nlocks = ru_unschedule(NULL);
	if (size != RUMPUSER_HOSTDIR_NOSIZE) {
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
			error = errno;
		if (fd >= 0)
			close(fd);
	}
	if (error == 0 && mode != RUMPUSER_HOSTDIR_NOMODE &&
	    fchmodat(AT_FDCWD, path, mode & 07777, 0) != 0)
		error = errno;
	ru_schedule(nlocks);
	return error;
}

int
rumpuser_hostdir_openfile(const char *path, int *fdp, int *rdonlyp)
{
	int fd, error = 0, nlocks;

	*rdonlyp = 0;
	nlocks = ru_unschedule(NULL);
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		*rdonlyp = 1;
	}
	if (fd < 0)
		error = errno;
	ru_schedule(nlocks);
	if (error == 0)
		*fdp = fd;
	return error;
}
