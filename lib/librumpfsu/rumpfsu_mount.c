/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpfsu_mount.c: boot an in-process rump kernel and mount an image's
 * file system in it; sync and unmount at the end.
 *
 * The image (or the partition's window of it) becomes the block device
 * RUMPFSU_DEV through rump_etfs_register_withsize(RUMP_ETFS_BLK) and is
 * mounted at RUMPFSU_MNT.  A read-only mount (RUMPFSU_RDONLY) is mounted
 * with MS_RDONLY, so the kernel writes nothing to the image; the host file
 * itself is opened read-write by the kernel when the host allows it.
 *
 * Called by bin/fsu (one mount per command) and bin/rump_mount (one mount
 * for the bridge's life).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "rumpfsu.h"

/* Descriptors the kernel process may hold: the bridge holds directories. */
#define RUMPFSU_NOFILE (1024 * 1024)

static const struct {
	const char *alias, *name;
} fstype_alias[] = {
	{ "ext2", "ext2fs" }, { "ext3", "ext2fs" }, { "ext4", "ext2fs" },
	{ "ufs", "ffs" }, { "ufs2", "ffs" }, { "fat", "msdos" },
	{ "vfat", "msdos" }, { "msdosfs", "msdos" }, { "iso9660", "cd9660" },
};

static const char *
fstype_canon(const char *t)
{
	size_t i;

	for (i = 0; i < sizeof(fstype_alias) / sizeof(fstype_alias[0]); i++)
		if (strcmp(t, fstype_alias[i].alias) == 0)
			return fstype_alias[i].name;
	return t;
}

static int
kernel_boot(char *err, size_t errlen)
{
	struct rlimit rl = { RUMPFSU_NOFILE, RUMPFSU_NOFILE };
	int error;

	if ((error = rump_init()) != 0)
		return rumpfsu_errf(err, errlen, error,
		    "cannot boot the rump kernel: %s", strerror(error));
	if (rump_sys_setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return rumpfsu_errf(err, errlen, errno,
		    "setrlimit in the rump kernel: %s", strerror(errno));
	if (rump_sys_mkdir(RUMPFSU_MNT, 0755) != 0 && errno != EEXIST)
		return rumpfsu_errf(err, errlen, errno, "mkdir %s: %s",
		    RUMPFSU_MNT, strerror(errno));
	return 0;
}

static int
mount_error(struct rumpfsu_mount *rm, int error, char *err, size_t errlen)
{
	const char *img = rm->rm_image.ri_path;

	switch (error) {
	case ENODEV:
		return rumpfsu_errf(err, errlen, error,
		    "%s: file system type %s is not in this kernel", img,
		    rm->rm_fstype);
	case EROFS:
	case EACCES:
	case EPERM:
		return rumpfsu_errf(err, errlen, error,
		    "%s: cannot mount read-write: %s", img, strerror(error));
	default:
		return rumpfsu_errf(err, errlen, error,
		    "%s: cannot mount as %s: %s", img, rm->rm_fstype,
		    strerror(error));
	}
}

int
rumpfsu_mount(struct rumpfsu_mount *rm, const char *spec,
    const char *fstype, const char *opts, int flags, char *err,
    size_t errlen)
{
	unsigned long mflags = (flags & RUMPFSU_RDONLY) ? MS_RDONLY : 0;
	int error;

	memset(rm, 0, sizeof(*rm));
	rm->rm_flags = flags;
	if (fstype != NULL && strcmp(fstype, "tmpfs") == 0) {
		snprintf(rm->rm_image.ri_path, sizeof(rm->rm_image.ri_path),
		    "%s", spec);
		snprintf(rm->rm_fstype, sizeof(rm->rm_fstype), "tmpfs");
		if ((error = kernel_boot(err, errlen)) != 0)
			return error;
		if (rump_sys_mount("tmpfs", RUMPFSU_MNT, "tmpfs",
		    mflags & ~MS_RDONLY, opts) != 0)
			return mount_error(rm, errno, err, errlen);
		rm->rm_mounted = 1;
		return 0;
	}
	if ((error = rumpfsu_image_open(&rm->rm_image, spec, err, errlen)) != 0)
		return error;
	if (fstype == NULL) {
		error = rumpfsu_detect(&rm->rm_image, rm->rm_fstype,
		    sizeof(rm->rm_fstype), err, errlen);
		if (error != 0)
			return error;
	} else
		snprintf(rm->rm_fstype, sizeof(rm->rm_fstype), "%s",
		    fstype_canon(fstype));
	if (!(flags & RUMPFSU_RDONLY) && access(rm->rm_image.ri_path, W_OK) != 0)
		return rumpfsu_errf(err, errlen, errno,
		    "%s: cannot open for writing: %s", rm->rm_image.ri_path,
		    strerror(errno));
	if ((error = kernel_boot(err, errlen)) != 0)
		return error;
	if (rump_sys_mkdir("/dev", 0755) != 0 && errno != EEXIST)
		return rumpfsu_errf(err, errlen, errno, "mkdir /dev: %s",
		    strerror(errno));
	error = rump_etfs_register_withsize(RUMPFSU_DEV, rm->rm_image.ri_path,
	    RUMP_ETFS_BLK, rm->rm_image.ri_begin, rm->rm_image.ri_size);
	if (error != 0)
		return rumpfsu_errf(err, errlen, error,
		    "%s: cannot attach as a disk: %s", rm->rm_image.ri_path,
		    strerror(error));
	if (rump_sys_mount(RUMPFSU_DEV, RUMPFSU_MNT, rm->rm_fstype, mflags,
	    opts) != 0) {
		error = errno;
		rump_etfs_remove(RUMPFSU_DEV);
		return mount_error(rm, error, err, errlen);
	}
	rm->rm_mounted = 2;
	return 0;
}

int
rumpfsu_unmount(struct rumpfsu_mount *rm, char *err, size_t errlen)
{
	int error = 0;

	if (rm->rm_mounted == 0)
		return 0;
	rump_sys_sync();
	if (rump_sys_umount2(RUMPFSU_MNT, 0) != 0) {
		error = errno;
		rumpfsu_errf(err, errlen, error, "%s: unmount: %s",
		    rm->rm_image.ri_path, strerror(error));
	}
	if (rm->rm_mounted == 2 && error == 0) {
		error = rump_etfs_remove(RUMPFSU_DEV);
		if (error != 0)
			rumpfsu_errf(err, errlen, error,
			    "%s: detach: %s", rm->rm_image.ri_path,
			    strerror(error));
	}
	if (error == 0)
		rm->rm_mounted = 0;
	return error;
}
