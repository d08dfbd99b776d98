/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_file.c: the file-system calls by path and by descriptor.
 *
 * Each function routes its path (hj_path, hj_pathat) or descriptor
 * (hj_fd) and either calls libc's definition or the kernel's *at system
 * call with the kernel's path and descriptor.  Calls naming two paths
 * (rename, link) with one on each side fail with EXDEV, as between two
 * host file systems.  glibc's own variants (open64, __open_2, __xstat,
 * stat64, ...) all land here, since glibc calls them from programs and
 * from nowhere inside itself that we could see.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include <rump/rump_syscalls.h>

#include "hijack_impl.h"

/* Route (dirfd, path): host call, or the kernel call with kd and kp. */
#define HJ_AT(dirfd, path, hostcall, rumpcall) do {			\
	const char *kp;							\
	int kd;								\
									\
	if (hj_pathat((dirfd), (path), &kd, &kp) == HJ_HOST)		\
		return hostcall;					\
	return RUMPCALL(rumpcall);					\
} while (0)

#define HJ_FD(fd, hostcall, rumpcall) do {				\
	int k;								\
									\
	if (hj_fd((fd), &k) == HJ_HOST)					\
		return hostcall;					\
	return RUMPCALL(rumpcall);					\
} while (0)

/* Only these flags mean anything to the kernel's open. */
#define HJ_OFLAGS(f) ((f) & ~0100000)   /* O_LARGEFILE */

static int
hj_openat(int dirfd, const char *path, int flags, mode_t mode,
    int (*real)(int, const char *, int, ...))
{
	const char *kp;
	int kd;

	if (hj_pathat(dirfd, path, &kd, &kp) == HJ_HOST)
		return real(dirfd, path, flags, mode);
	return hj_kfd2fd(RUMPCALL(rump_sys_openat(kd, kp, HJ_OFLAGS(flags),
	    mode)));
}

#define HJ_MODEARG(flags, mode) do {					\
	va_list ap;							\
									\
	mode = 0;							\
	if ((flags) & (O_CREAT | __O_TMPFILE)) {			\
		va_start(ap, flags);					\
		mode = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
} while (0)

HJ_EXPORT int
open(const char *path, int flags, ...)
{
	const char *kp;
	mode_t mode;

	HJ_MODEARG(flags, mode);
	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(open)(path, flags, mode);
	return hj_kfd2fd(RUMPCALL(rump_sys_openat(AT_FDCWD, kp,
	    HJ_OFLAGS(flags), mode)));
}

HJ_EXPORT int
open64(const char *path, int flags, ...)
{
	const char *kp;
	mode_t mode;

	HJ_MODEARG(flags, mode);
	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(open64)(path, flags, mode);
	return hj_kfd2fd(RUMPCALL(rump_sys_openat(AT_FDCWD, kp,
	    HJ_OFLAGS(flags), mode)));
}

HJ_EXPORT int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	HJ_MODEARG(flags, mode);
	return hj_openat(dirfd, path, flags, mode, REAL(openat));
}

HJ_EXPORT int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	HJ_MODEARG(flags, mode);
	return hj_openat(dirfd, path, flags, mode, REAL(openat64));
}

/* The _FORTIFY_SOURCE entry points (no mode: O_CREAT is refused). */
HJ_EXPORT int __open_2(const char *path, int flags);
HJ_EXPORT int __open64_2(const char *path, int flags);
HJ_EXPORT int __openat_2(int dirfd, const char *path, int flags);
HJ_EXPORT int __openat64_2(int dirfd, const char *path, int flags);

HJ_EXPORT int
__open_2(const char *path, int flags)
{

	return open(path, flags, 0);
}

HJ_EXPORT int
__open64_2(const char *path, int flags)
{

	return open64(path, flags, 0);
}

HJ_EXPORT int
__openat_2(int dirfd, const char *path, int flags)
{

	return openat(dirfd, path, flags, 0);
}

HJ_EXPORT int
__openat64_2(int dirfd, const char *path, int flags)
{

	return openat64(dirfd, path, flags, 0);
}

HJ_EXPORT int
creat(const char *path, mode_t mode)
{

	return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

HJ_EXPORT int
creat64(const char *path, mode_t mode)
{

	return open64(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* --- attributes --- */

HJ_EXPORT int
stat(const char *path, struct stat *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(stat)(path, sb),
	    rump_sys_newfstatat(kd, kp, sb, 0));
}

HJ_EXPORT int
stat64(const char *path, struct stat64 *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(stat64)(path, sb),
	    rump_sys_newfstatat(kd, kp, (struct stat *)sb, 0));
}

HJ_EXPORT int
lstat(const char *path, struct stat *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(lstat)(path, sb),
	    rump_sys_newfstatat(kd, kp, sb, AT_SYMLINK_NOFOLLOW));
}

HJ_EXPORT int
lstat64(const char *path, struct stat64 *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(lstat64)(path, sb),
	    rump_sys_newfstatat(kd, kp, (struct stat *)sb,
	    AT_SYMLINK_NOFOLLOW));
}

HJ_EXPORT int
fstat(int fd, struct stat *sb)
{

	HJ_FD(fd, REAL(fstat)(fd, sb), rump_sys_fstat(k, sb));
}

HJ_EXPORT int
fstat64(int fd, struct stat64 *sb)
{

	HJ_FD(fd, REAL(fstat64)(fd, sb), rump_sys_fstat(k, (struct stat *)sb));
}

HJ_EXPORT int
fstatat(int dirfd, const char *path, struct stat *sb, int flags)
{

	HJ_AT(dirfd, path, REAL(fstatat)(dirfd, path, sb, flags),
	    rump_sys_newfstatat(kd, kp, sb, flags));
}

HJ_EXPORT int
fstatat64(int dirfd, const char *path, struct stat64 *sb, int flags)
{

	HJ_AT(dirfd, path, REAL(fstatat64)(dirfd, path, sb, flags),
	    rump_sys_newfstatat(kd, kp, (struct stat *)sb, flags));
}

/* glibc before 2.33 called these from its stat() macros: old binaries. */
HJ_EXPORT int __xstat(int ver, const char *path, struct stat *sb);
HJ_EXPORT int __xstat64(int ver, const char *path, struct stat64 *sb);
HJ_EXPORT int __lxstat(int ver, const char *path, struct stat *sb);
HJ_EXPORT int __lxstat64(int ver, const char *path, struct stat64 *sb);
HJ_EXPORT int __fxstat(int ver, int fd, struct stat *sb);
HJ_EXPORT int __fxstat64(int ver, int fd, struct stat64 *sb);
HJ_EXPORT int __fxstatat(int ver, int dirfd, const char *path,
    struct stat *sb, int flags);
HJ_EXPORT int __fxstatat64(int ver, int dirfd, const char *path,
    struct stat64 *sb, int flags);

HJ_EXPORT int
__xstat(int ver, const char *path, struct stat *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(__xstat)(ver, path, sb),
	    rump_sys_newfstatat(kd, kp, sb, 0));
}

HJ_EXPORT int
__xstat64(int ver, const char *path, struct stat64 *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(__xstat64)(ver, path, sb),
	    rump_sys_newfstatat(kd, kp, (struct stat *)sb, 0));
}

HJ_EXPORT int
__lxstat(int ver, const char *path, struct stat *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(__lxstat)(ver, path, sb),
	    rump_sys_newfstatat(kd, kp, sb, AT_SYMLINK_NOFOLLOW));
}

HJ_EXPORT int
__lxstat64(int ver, const char *path, struct stat64 *sb)
{

	HJ_AT(AT_FDCWD, path, REAL(__lxstat64)(ver, path, sb),
	    rump_sys_newfstatat(kd, kp, (struct stat *)sb,
	    AT_SYMLINK_NOFOLLOW));
}

HJ_EXPORT int
__fxstat(int ver, int fd, struct stat *sb)
{

	HJ_FD(fd, REAL(__fxstat)(ver, fd, sb), rump_sys_fstat(k, sb));
}

HJ_EXPORT int
__fxstat64(int ver, int fd, struct stat64 *sb)
{

	HJ_FD(fd, REAL(__fxstat64)(ver, fd, sb),
	    rump_sys_fstat(k, (struct stat *)sb));
}

HJ_EXPORT int
__fxstatat(int ver, int dirfd, const char *path, struct stat *sb, int flags)
{

	HJ_AT(dirfd, path, REAL(__fxstatat)(ver, dirfd, path, sb, flags),
	    rump_sys_newfstatat(kd, kp, sb, flags));
}

HJ_EXPORT int
__fxstatat64(int ver, int dirfd, const char *path, struct stat64 *sb,
    int flags)
{

	HJ_AT(dirfd, path, REAL(__fxstatat64)(ver, dirfd, path, sb, flags),
	    rump_sys_newfstatat(kd, kp, (struct stat *)sb, flags));
}

HJ_EXPORT int
statx(int dirfd, const char *path, int flags, unsigned int mask,
    struct statx *sx)
{

	HJ_AT(dirfd, path, REAL(statx)(dirfd, path, flags, mask, sx),
	    rump_sys_statx(kd, kp, flags, mask, sx));
}

HJ_EXPORT int
access(const char *path, int mode)
{

	HJ_AT(AT_FDCWD, path, REAL(access)(path, mode),
	    rump_sys_faccessat(kd, kp, mode, 0));
}

HJ_EXPORT int
faccessat(int dirfd, const char *path, int mode, int flags)
{

	HJ_AT(dirfd, path, REAL(faccessat)(dirfd, path, mode, flags),
	    rump_sys_faccessat2(kd, kp, mode, flags));
}

HJ_EXPORT int
eaccess(const char *path, int mode)
{

	HJ_AT(AT_FDCWD, path, REAL(eaccess)(path, mode),
	    rump_sys_faccessat2(kd, kp, mode, AT_EACCESS));
}

HJ_EXPORT int
euidaccess(const char *path, int mode)
{

	return eaccess(path, mode);
}

HJ_EXPORT ssize_t
readlink(const char *path, char *buf, size_t len)
{

	HJ_AT(AT_FDCWD, path, REAL(readlink)(path, buf, len),
	    rump_sys_readlinkat(kd, kp, buf, len));
}

HJ_EXPORT ssize_t
readlinkat(int dirfd, const char *path, char *buf, size_t len)
{

	HJ_AT(dirfd, path, REAL(readlinkat)(dirfd, path, buf, len),
	    rump_sys_readlinkat(kd, kp, buf, len));
}

HJ_EXPORT int
chmod(const char *path, mode_t mode)
{

	HJ_AT(AT_FDCWD, path, REAL(chmod)(path, mode),
	    rump_sys_fchmodat(kd, kp, mode, 0));
}

HJ_EXPORT int
fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{

	HJ_AT(dirfd, path, REAL(fchmodat)(dirfd, path, mode, flags),
	    rump_sys_fchmodat(kd, kp, mode, flags));
}

HJ_EXPORT int
fchmod(int fd, mode_t mode)
{

	HJ_FD(fd, REAL(fchmod)(fd, mode), rump_sys_fchmod(k, mode));
}

HJ_EXPORT int
chown(const char *path, uid_t u, gid_t g)
{

	HJ_AT(AT_FDCWD, path, REAL(chown)(path, u, g),
	    rump_sys_fchownat(kd, kp, u, g, 0));
}

HJ_EXPORT int
lchown(const char *path, uid_t u, gid_t g)
{

	HJ_AT(AT_FDCWD, path, REAL(lchown)(path, u, g),
	    rump_sys_fchownat(kd, kp, u, g, AT_SYMLINK_NOFOLLOW));
}

HJ_EXPORT int
fchownat(int dirfd, const char *path, uid_t u, gid_t g, int flags)
{

	HJ_AT(dirfd, path, REAL(fchownat)(dirfd, path, u, g, flags),
	    rump_sys_fchownat(kd, kp, u, g, flags));
}

HJ_EXPORT int
fchown(int fd, uid_t u, gid_t g)
{

	HJ_FD(fd, REAL(fchown)(fd, u, g), rump_sys_fchown(k, u, g));
}

HJ_EXPORT int
utimensat(int dirfd, const char *path, const struct timespec ts[2],
    int flags)
{

	HJ_AT(dirfd, path, REAL(utimensat)(dirfd, path, ts, flags),
	    rump_sys_utimensat(kd, kp, ts, flags));
}

HJ_EXPORT int
futimens(int fd, const struct timespec ts[2])
{

	HJ_FD(fd, REAL(futimens)(fd, ts), rump_sys_futimens(k, ts));
}

static const struct timespec *
hj_tv2ts(const struct timeval tv[2], struct timespec ts[2])
{

	if (tv == NULL)
		return NULL;
	ts[0].tv_sec = tv[0].tv_sec;
	ts[0].tv_nsec = tv[0].tv_usec * 1000;
	ts[1].tv_sec = tv[1].tv_sec;
	ts[1].tv_nsec = tv[1].tv_usec * 1000;
	return ts;
}

HJ_EXPORT int
utimes(const char *path, const struct timeval tv[2])
{
	struct timespec ts[2];

	HJ_AT(AT_FDCWD, path, REAL(utimes)(path, tv),
	    rump_sys_utimensat(kd, kp, hj_tv2ts(tv, ts), 0));
}

HJ_EXPORT int
lutimes(const char *path, const struct timeval tv[2])
{
	struct timespec ts[2];

	HJ_AT(AT_FDCWD, path, REAL(lutimes)(path, tv),
	    rump_sys_utimensat(kd, kp, hj_tv2ts(tv, ts),
	    AT_SYMLINK_NOFOLLOW));
}

HJ_EXPORT int
futimes(int fd, const struct timeval tv[2])
{
	struct timespec ts[2];

	HJ_FD(fd, REAL(futimes)(fd, tv),
	    rump_sys_futimens(k, hj_tv2ts(tv, ts)));
}

HJ_EXPORT int
utime(const char *path, const struct utimbuf *ub)
{
	struct timespec ts[2];

	if (ub != NULL) {
		ts[0].tv_sec = ub->actime;
		ts[0].tv_nsec = 0;
		ts[1].tv_sec = ub->modtime;
		ts[1].tv_nsec = 0;
	}
	HJ_AT(AT_FDCWD, path, REAL(utime)(path, ub),
	    rump_sys_utimensat(kd, kp, ub != NULL ? ts : NULL, 0));
}

/* --- names --- */

HJ_EXPORT int
mkdir(const char *path, mode_t mode)
{

	HJ_AT(AT_FDCWD, path, REAL(mkdir)(path, mode),
	    rump_sys_mkdirat(kd, kp, mode));
}

HJ_EXPORT int
mkdirat(int dirfd, const char *path, mode_t mode)
{

	HJ_AT(dirfd, path, REAL(mkdirat)(dirfd, path, mode),
	    rump_sys_mkdirat(kd, kp, mode));
}

HJ_EXPORT int
mknod(const char *path, mode_t mode, dev_t dev)
{

	HJ_AT(AT_FDCWD, path, REAL(mknod)(path, mode, dev),
	    rump_sys_mknodat(kd, kp, mode, dev));
}

HJ_EXPORT int
mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{

	HJ_AT(dirfd, path, REAL(mknodat)(dirfd, path, mode, dev),
	    rump_sys_mknodat(kd, kp, mode, dev));
}

HJ_EXPORT int
mkfifo(const char *path, mode_t mode)
{

	HJ_AT(AT_FDCWD, path, REAL(mkfifo)(path, mode),
	    rump_sys_mknodat(kd, kp, (mode & 07777) | S_IFIFO, 0));
}

HJ_EXPORT int
mkfifoat(int dirfd, const char *path, mode_t mode)
{

	HJ_AT(dirfd, path, REAL(mkfifoat)(dirfd, path, mode),
	    rump_sys_mknodat(kd, kp, (mode & 07777) | S_IFIFO, 0));
}

HJ_EXPORT int
rmdir(const char *path)
{

	HJ_AT(AT_FDCWD, path, REAL(rmdir)(path),
	    rump_sys_unlinkat(kd, kp, AT_REMOVEDIR));
}

HJ_EXPORT int
unlink(const char *path)
{

	HJ_AT(AT_FDCWD, path, REAL(unlink)(path),
	    rump_sys_unlinkat(kd, kp, 0));
}

HJ_EXPORT int
unlinkat(int dirfd, const char *path, int flags)
{

	HJ_AT(dirfd, path, REAL(unlinkat)(dirfd, path, flags),
	    rump_sys_unlinkat(kd, kp, flags));
}

HJ_EXPORT int
remove(const char *path)
{
	const char *kp;
	int kd, r;

	if (hj_pathat(AT_FDCWD, path, &kd, &kp) == HJ_HOST)
		return REAL(remove)(path);
	r = RUMPCALL(rump_sys_unlinkat(kd, kp, 0));
	if (r < 0 && errno == EISDIR)
		r = RUMPCALL(rump_sys_unlinkat(kd, kp, AT_REMOVEDIR));
	return r;
}

/*
 * Route two paths: both host (HJ_HOST), both kernel (HJ_RUMP), or EXDEV
 * (-1 with errno).
 */
static int
hj_path2(int d1, const char *p1, int d2, const char *p2, int *kd1,
    const char **kp1, int *kd2, const char **kp2)
{
	int r1, r2;

	r1 = hj_pathat(d1, p1, kd1, kp1);
	r2 = hj_pathat(d2, p2, kd2, kp2);
	if (r1 != r2)
		return hj_set_errno(EXDEV);
	return r1;
}

#define HJ_TWO(d1, p1, d2, p2, hostcall, rumpcall) do {		\
	const char *kp1, *kp2;						\
	int kd1, kd2, r;						\
									\
	r = hj_path2((d1), (p1), (d2), (p2), &kd1, &kp1, &kd2, &kp2);	\
	if (r == HJ_HOST)						\
		return hostcall;					\
	if (r < 0)							\
		return -1;						\
	return RUMPCALL(rumpcall);					\
} while (0)

HJ_EXPORT int
rename(const char *from, const char *to)
{

	HJ_TWO(AT_FDCWD, from, AT_FDCWD, to, REAL(rename)(from, to),
	    rump_sys_renameat(kd1, kp1, kd2, kp2));
}

HJ_EXPORT int
renameat(int fd1, const char *from, int fd2, const char *to)
{

	HJ_TWO(fd1, from, fd2, to, REAL(renameat)(fd1, from, fd2, to),
	    rump_sys_renameat(kd1, kp1, kd2, kp2));
}

HJ_EXPORT int
renameat2(int fd1, const char *from, int fd2, const char *to,
    unsigned int flags)
{

	HJ_TWO(fd1, from, fd2, to, REAL(renameat2)(fd1, from, fd2, to, flags),
	    rump_sys_renameat2(kd1, kp1, kd2, kp2, flags));
}

HJ_EXPORT int
link(const char *from, const char *to)
{

	HJ_TWO(AT_FDCWD, from, AT_FDCWD, to, REAL(link)(from, to),
	    rump_sys_linkat(kd1, kp1, kd2, kp2, 0));
}

HJ_EXPORT int
linkat(int fd1, const char *from, int fd2, const char *to, int flags)
{

	HJ_TWO(fd1, from, fd2, to, REAL(linkat)(fd1, from, fd2, to, flags),
	    rump_sys_linkat(kd1, kp1, kd2, kp2, flags));
}

/* The target is only a string: the link's own path decides. */
HJ_EXPORT int
symlink(const char *target, const char *path)
{

	HJ_AT(AT_FDCWD, path, REAL(symlink)(target, path),
	    rump_sys_symlinkat(target, kd, kp));
}

HJ_EXPORT int
symlinkat(const char *target, int dirfd, const char *path)
{

	HJ_AT(dirfd, path, REAL(symlinkat)(target, dirfd, path),
	    rump_sys_symlinkat(target, kd, kp));
}

/* --- sizes and syncing --- */

HJ_EXPORT int
truncate(const char *path, off_t len)
{
	const char *kp;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(truncate)(path, len);
	return RUMPCALL(rump_sys_truncate(kp, len));
}

HJ_EXPORT int
truncate64(const char *path, off64_t len)
{

	return truncate(path, len);
}

HJ_EXPORT int
ftruncate(int fd, off_t len)
{

	HJ_FD(fd, REAL(ftruncate)(fd, len), rump_sys_ftruncate(k, len));
}

HJ_EXPORT int
ftruncate64(int fd, off64_t len)
{

	return ftruncate(fd, len);
}

HJ_EXPORT int
fallocate(int fd, int mode, off_t off, off_t len)
{

	HJ_FD(fd, REAL(fallocate)(fd, mode, off, len),
	    rump_sys_fallocate(k, mode, off, len));
}

HJ_EXPORT int
fallocate64(int fd, int mode, off64_t off, off64_t len)
{

	return fallocate(fd, mode, off, len);
}

HJ_EXPORT int
posix_fallocate(int fd, off_t off, off_t len)
{
	int k, r;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(posix_fallocate)(fd, off, len);
	r = RUMPCALL(rump_sys_fallocate(k, 0, off, len));
	return r == 0 ? 0 : errno;
}

HJ_EXPORT int
posix_fallocate64(int fd, off64_t off, off64_t len)
{

	return posix_fallocate(fd, off, len);
}

/* Advice only: nothing to do for a kernel file. */
HJ_EXPORT int
posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(posix_fadvise)(fd, off, len, advice);
	return 0;
}

HJ_EXPORT int
posix_fadvise64(int fd, off64_t off, off64_t len, int advice)
{

	return posix_fadvise(fd, off, len, advice);
}

HJ_EXPORT int
fsync(int fd)
{

	HJ_FD(fd, REAL(fsync)(fd), rump_sys_fsync(k));
}

HJ_EXPORT int
fdatasync(int fd)
{

	HJ_FD(fd, REAL(fdatasync)(fd), rump_sys_fdatasync(k));
}

HJ_EXPORT int
syncfs(int fd)
{

	HJ_FD(fd, REAL(syncfs)(fd), rump_sys_syncfs(k));
}

HJ_EXPORT void
sync(void)
{

	REAL(sync)();
	if (hj_inited && !hj_inrump)
		(void)RUMPCALL(rump_sys_sync());
}

HJ_EXPORT off_t
lseek(int fd, off_t off, int whence)
{

	HJ_FD(fd, REAL(lseek)(fd, off, whence), rump_sys_lseek(k, off, whence));
}

HJ_EXPORT off64_t
lseek64(int fd, off64_t off, int whence)
{

	return lseek(fd, off, whence);
}

/* --- file systems --- */

HJ_EXPORT int
statfs(const char *path, struct statfs *sf)
{
	const char *kp;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(statfs)(path, sf);
	return RUMPCALL(rump_sys_statfs(kp, sf));
}

HJ_EXPORT int
statfs64(const char *path, struct statfs64 *sf)
{

	return statfs(path, (struct statfs *)sf);
}

HJ_EXPORT int
fstatfs(int fd, struct statfs *sf)
{

	HJ_FD(fd, REAL(fstatfs)(fd, sf), rump_sys_fstatfs(k, sf));
}

HJ_EXPORT int
fstatfs64(int fd, struct statfs64 *sf)
{

	return fstatfs(fd, (struct statfs *)sf);
}

static void
hj_sf2svf(const struct statfs *sf, struct statvfs *sv)
{

	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = (unsigned long)sf->f_bsize;
	sv->f_frsize = sf->f_frsize != 0 ? (unsigned long)sf->f_frsize :
	    (unsigned long)sf->f_bsize;
	sv->f_blocks = sf->f_blocks;
	sv->f_bfree = sf->f_bfree;
	sv->f_bavail = sf->f_bavail;
	sv->f_files = sf->f_files;
	sv->f_ffree = sf->f_ffree;
	sv->f_favail = sf->f_ffree;
	memcpy(&sv->f_fsid, &sf->f_fsid, sizeof(sv->f_fsid) <
	    sizeof(sf->f_fsid) ? sizeof(sv->f_fsid) : sizeof(sf->f_fsid));
	sv->f_flag = (unsigned long)sf->f_flags & ~0x20UL;  /* ST_VALID */
	sv->f_namemax = (unsigned long)sf->f_namelen;
}

HJ_EXPORT int
statvfs(const char *path, struct statvfs *sv)
{
	struct statfs sf;
	const char *kp;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(statvfs)(path, sv);
	if (RUMPCALL(rump_sys_statfs(kp, &sf)) != 0)
		return -1;
	hj_sf2svf(&sf, sv);
	return 0;
}

HJ_EXPORT int
statvfs64(const char *path, struct statvfs64 *sv)
{

	return statvfs(path, (struct statvfs *)sv);
}

HJ_EXPORT int
fstatvfs(int fd, struct statvfs *sv)
{
	struct statfs sf;
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(fstatvfs)(fd, sv);
	if (RUMPCALL(rump_sys_fstatfs(k, &sf)) != 0)
		return -1;
	hj_sf2svf(&sf, sv);
	return 0;
}

HJ_EXPORT int
fstatvfs64(int fd, struct statvfs64 *sv)
{

	return fstatvfs(fd, (struct statvfs *)sv);
}

static long
hj_pathconf(int name)
{

	switch (name) {
	case _PC_NAME_MAX:
		return 255;
	case _PC_PATH_MAX:
		return PATH_MAX;
	case _PC_PIPE_BUF:
		return PIPE_BUF;
	case _PC_LINK_MAX:
		return 32767;
	case _PC_FILESIZEBITS:
		return 64;
	case _PC_NO_TRUNC:
	case _PC_CHOWN_RESTRICTED:
		return 1;
	default:
		return -1;              /* no limit, errno untouched */
	}
}

HJ_EXPORT long
pathconf(const char *path, int name)
{
	struct stat sb;
	const char *kp;

	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(pathconf)(path, name);
	if (RUMPCALL(rump_sys_stat(kp, &sb)) != 0)
		return -1;
	return hj_pathconf(name);
}

HJ_EXPORT long
fpathconf(int fd, int name)
{
	int k;

	if (hj_fd(fd, &k) == HJ_HOST)
		return REAL(fpathconf)(fd, name);
	return hj_pathconf(name);
}

/* --- extended attributes: the kernel has none --- */

#define HJ_NOXATTR_P(name, rtype, ...) do {				\
	const char *kp;							\
									\
	if (hj_path(path, &kp) == HJ_HOST)				\
		return REAL(name)(__VA_ARGS__);				\
	errno = ENOTSUP;						\
	return (rtype)-1;						\
} while (0)

#define HJ_NOXATTR_F(name, rtype, ...) do {				\
	int k;								\
									\
	if (hj_fd(fd, &k) == HJ_HOST)					\
		return REAL(name)(__VA_ARGS__);				\
	errno = ENOTSUP;						\
	return (rtype)-1;						\
} while (0)

HJ_EXPORT ssize_t
getxattr(const char *path, const char *n, void *v, size_t s)
{

	HJ_NOXATTR_P(getxattr, ssize_t, path, n, v, s);
}

HJ_EXPORT ssize_t
lgetxattr(const char *path, const char *n, void *v, size_t s)
{

	HJ_NOXATTR_P(lgetxattr, ssize_t, path, n, v, s);
}

HJ_EXPORT ssize_t
fgetxattr(int fd, const char *n, void *v, size_t s)
{

	HJ_NOXATTR_F(fgetxattr, ssize_t, fd, n, v, s);
}

HJ_EXPORT int
setxattr(const char *path, const char *n, const void *v, size_t s, int f)
{

	HJ_NOXATTR_P(setxattr, int, path, n, v, s, f);
}

HJ_EXPORT int
lsetxattr(const char *path, const char *n, const void *v, size_t s, int f)
{

	HJ_NOXATTR_P(lsetxattr, int, path, n, v, s, f);
}

HJ_EXPORT int
fsetxattr(int fd, const char *n, const void *v, size_t s, int f)
{

	HJ_NOXATTR_F(fsetxattr, int, fd, n, v, s, f);
}

HJ_EXPORT ssize_t
listxattr(const char *path, char *l, size_t s)
{

	HJ_NOXATTR_P(listxattr, ssize_t, path, l, s);
}

HJ_EXPORT ssize_t
llistxattr(const char *path, char *l, size_t s)
{

	HJ_NOXATTR_P(llistxattr, ssize_t, path, l, s);
}

HJ_EXPORT ssize_t
flistxattr(int fd, char *l, size_t s)
{

	HJ_NOXATTR_F(flistxattr, ssize_t, fd, l, s);
}

HJ_EXPORT int
removexattr(const char *path, const char *n)
{

	HJ_NOXATTR_P(removexattr, int, path, n);
}

HJ_EXPORT int
lremovexattr(const char *path, const char *n)
{

	HJ_NOXATTR_P(lremovexattr, int, path, n);
}

HJ_EXPORT int
fremovexattr(int fd, const char *n)
{

	HJ_NOXATTR_F(fremovexattr, int, fd, n);
}

/* --- realpath --- */

/*
 * Resolve kernel path kp (relative to the kernel cwd if not absolute)
 * into out, component by component with the kernel's lstat and
 * readlink.  Returns 0 or an errno.
 */
static int
hj_krealpath(const char *kp, char *out, size_t outlen)
{
	char work[PATH_MAX], link[PATH_MAX], res[PATH_MAX], *comp, *next;
	struct stat sb;
	size_t rl;
	ssize_t n;
	int nlinks = 0;

	if (kp[0] == '\0')
		return ENOENT;
	if (kp[0] == '/') {
		res[0] = '\0';
	} else {
		if (RUMPCALL(rump_sys_getcwd(res, sizeof(res))) < 0)
			return errno;
		if (strcmp(res, "/") == 0)
			res[0] = '\0';
	}
	if (strlen(kp) >= sizeof(work))
		return ENAMETOOLONG;
	strcpy(work, kp);
	comp = work;
	while (comp != NULL) {
		while (*comp == '/')
			comp++;
		if (*comp == '\0')
			break;
		next = strchr(comp, '/');
		if (next != NULL)
			*next++ = '\0';
		if (strcmp(comp, ".") == 0) {
			comp = next;
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			char *s = strrchr(res, '/');
			if (s != NULL)
				*s = '\0';
			comp = next;
			continue;
		}
		rl = strlen(res);
		if (rl + 1 + strlen(comp) >= sizeof(res))
			return ENAMETOOLONG;
		res[rl] = '/';
		strcpy(res + rl + 1, comp);
		if (RUMPCALL(rump_sys_lstat(res, &sb)) != 0)
			return errno;
		if (S_ISLNK(sb.st_mode)) {
			if (++nlinks > 40)
				return ELOOP;
			n = RUMPCALL(rump_sys_readlink(res, link,
			    sizeof(link) - 1));
			if (n < 0)
				return errno;
			link[n] = '\0';
			if (next != NULL && strlen(link) + 1 + strlen(next) >=
			    sizeof(link))
				return ENAMETOOLONG;
			if (next != NULL) {
				strcat(link, "/");
				strcat(link, next);
			}
			if (link[0] == '/')
				res[0] = '\0';
			else
				res[rl] = '\0';
			strcpy(work, link);
			comp = work;
			continue;
		} else if (next != NULL && !S_ISDIR(sb.st_mode)) {
			return ENOTDIR;
		}
		comp = next;
	}
	if (res[0] == '\0')
		strcpy(res, "/");
	if (strlen(res) >= outlen)
		return ENAMETOOLONG;
	strcpy(out, res);
	return 0;
}

HJ_EXPORT char *
realpath(const char *path, char *resolved)
{
	char kres[PATH_MAX], *out;
	const char *kp, *pre = "";
	size_t plen;
	int error;

	if (path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (hj_path(path, &kp) == HJ_HOST)
		return REAL(realpath)(path, resolved);
	if (path[0] == '/' ? kp != path : hj_cfg.hc_prefixlen > 0 &&
	    getcwd(kres, sizeof(kres)) != NULL &&
	    strncmp(kres, hj_cfg.hc_prefix, hj_cfg.hc_prefixlen) == 0)
		pre = hj_cfg.hc_prefix;
	error = hj_krealpath(kp, kres, sizeof(kres));
	if (error != 0) {
		errno = error;
		return NULL;
	}
	plen = strlen(pre);
	if (plen > 0 && strcmp(kres, "/") == 0)
		kres[0] = '\0';
	if (plen + strlen(kres) + 1 > PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	out = resolved != NULL ? resolved : malloc(PATH_MAX);
	if (out == NULL)
		return NULL;
	strcpy(out, pre);
	strcat(out, kres);
	return out;
}

HJ_EXPORT char *
canonicalize_file_name(const char *path)
{

	return realpath(path, NULL);
}
