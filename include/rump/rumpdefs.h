/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpdefs.h: the rump kernel's system call ABI, as RUMP_-prefixed names.
 *
 * The kernel speaks the Linux ABI of the host architecture (x86_64): errno
 * values, open flags, struct layouts and ioctl numbers are Linux's, so on a
 * Linux host RUMP_O_CREAT == O_CREAT and struct rump_stat has the layout of
 * struct stat.  Portable programs use these names and need no host header.
 *
 * This header is also the kernel's source of these values: the build
 * generates rump_kerndefs.h from it, which gives kernel code the unprefixed
 * names (ENOENT, O_CREAT, ...).  Keep every constant here, once.
 *
 * Included by freestanding kernel code: compiler headers only.
 */
#ifndef _RUMP_RUMPDEFS_H_
#define _RUMP_RUMPDEFS_H_

#include <stdint.h>

/* errno values */
#define RUMP_EPERM            1
#define RUMP_ENOENT           2
#define RUMP_ESRCH            3
#define RUMP_EINTR            4
#define RUMP_EIO              5
#define RUMP_ENXIO            6
#define RUMP_E2BIG            7
#define RUMP_ENOEXEC          8
#define RUMP_EBADF            9
#define RUMP_ECHILD           10
#define RUMP_EAGAIN           11
#define RUMP_ENOMEM           12
#define RUMP_EACCES           13
#define RUMP_EFAULT           14
#define RUMP_ENOTBLK          15
#define RUMP_EBUSY            16
#define RUMP_EEXIST           17
#define RUMP_EXDEV            18
#define RUMP_ENODEV           19
#define RUMP_ENOTDIR          20
#define RUMP_EISDIR           21
#define RUMP_EINVAL           22
#define RUMP_ENFILE           23
#define RUMP_EMFILE           24
#define RUMP_ENOTTY           25
#define RUMP_ETXTBSY          26
#define RUMP_EFBIG            27
#define RUMP_ENOSPC           28
#define RUMP_ESPIPE           29
#define RUMP_EROFS            30
#define RUMP_EMLINK           31
#define RUMP_EPIPE            32
#define RUMP_EDOM             33
#define RUMP_ERANGE           34
#define RUMP_EDEADLK          35
#define RUMP_ENAMETOOLONG     36
#define RUMP_ENOLCK           37
#define RUMP_ENOSYS           38
#define RUMP_ENOTEMPTY        39
#define RUMP_ELOOP            40
#define RUMP_ENOMSG           42
#define RUMP_EIDRM            43
#define RUMP_ENOSTR           60
#define RUMP_ENODATA          61
#define RUMP_ETIME            62
#define RUMP_ENOSR            63
#define RUMP_EREMOTE          66
#define RUMP_ENOLINK          67
#define RUMP_EPROTO           71
#define RUMP_EMULTIHOP        72
#define RUMP_EBADMSG          74
#define RUMP_EOVERFLOW        75
#define RUMP_EBADFD           77
#define RUMP_EILSEQ           84
#define RUMP_ERESTART         85
#define RUMP_EUSERS           87
#define RUMP_ENOTSOCK         88
#define RUMP_EDESTADDRREQ     89
#define RUMP_EMSGSIZE         90
#define RUMP_EPROTOTYPE       91
#define RUMP_ENOPROTOOPT      92
#define RUMP_EPROTONOSUPPORT  93
#define RUMP_ESOCKTNOSUPPORT  94
#define RUMP_EOPNOTSUPP       95
#define RUMP_EPFNOSUPPORT     96
#define RUMP_EAFNOSUPPORT     97
#define RUMP_EADDRINUSE       98
#define RUMP_EADDRNOTAVAIL    99
#define RUMP_ENETDOWN         100
#define RUMP_ENETUNREACH      101
#define RUMP_ENETRESET        102
#define RUMP_ECONNABORTED     103
#define RUMP_ECONNRESET       104
#define RUMP_ENOBUFS          105
#define RUMP_EISCONN          106
#define RUMP_ENOTCONN         107
#define RUMP_ESHUTDOWN        108
#define RUMP_ETOOMANYREFS     109
#define RUMP_ETIMEDOUT        110
#define RUMP_ECONNREFUSED     111
#define RUMP_EHOSTDOWN        112
#define RUMP_EHOSTUNREACH     113
#define RUMP_EALREADY         114
#define RUMP_EINPROGRESS      115
#define RUMP_ESTALE           116
#define RUMP_EUCLEAN          117
#define RUMP_EDQUOT           122
#define RUMP_ECANCELED        125
#define RUMP_EOWNERDEAD       130
#define RUMP_ENOTRECOVERABLE  131
#define RUMP_EWOULDBLOCK       RUMP_EAGAIN
#define RUMP_ENOTSUP           RUMP_EOPNOTSUPP
#define RUMP_EDEADLOCK         RUMP_EDEADLK
#define RUMP_EFSCORRUPTED      RUMP_EUCLEAN

/* open(2) flags */
#define RUMP_O_RDONLY    00000000
#define RUMP_O_WRONLY    00000001
#define RUMP_O_RDWR      00000002
#define RUMP_O_ACCMODE   00000003
#define RUMP_O_CREAT     00000100
#define RUMP_O_EXCL      00000200
#define RUMP_O_NOCTTY    00000400
#define RUMP_O_TRUNC     00001000
#define RUMP_O_APPEND    00002000
#define RUMP_O_NONBLOCK  00004000
#define RUMP_O_DSYNC     00010000
#define RUMP_O_ASYNC     00020000
#define RUMP_O_DIRECT    00040000
#define RUMP_O_LARGEFILE 00100000
#define RUMP_O_DIRECTORY 00200000
#define RUMP_O_NOFOLLOW  00400000
#define RUMP_O_NOATIME   01000000
#define RUMP_O_CLOEXEC   02000000
#define RUMP_O_SYNC      04010000
#define RUMP_O_PATH      010000000
#define RUMP_O_TMPFILE   020200000

/* *at(2) */
#define RUMP_AT_FDCWD            (-100)
#define RUMP_AT_SYMLINK_NOFOLLOW 0x100
#define RUMP_AT_EACCESS          0x200
#define RUMP_AT_REMOVEDIR        0x200
#define RUMP_AT_SYMLINK_FOLLOW   0x400
#define RUMP_AT_NO_AUTOMOUNT     0x800
#define RUMP_AT_EMPTY_PATH       0x1000

/* access(2) */
#define RUMP_F_OK 0
#define RUMP_X_OK 1
#define RUMP_W_OK 2
#define RUMP_R_OK 4

/* file modes */
#define RUMP_S_IFMT   0170000
#define RUMP_S_IFSOCK 0140000
#define RUMP_S_IFLNK  0120000
#define RUMP_S_IFREG  0100000
#define RUMP_S_IFBLK  0060000
#define RUMP_S_IFDIR  0040000
#define RUMP_S_IFCHR  0020000
#define RUMP_S_IFIFO  0010000
#define RUMP_S_ISUID  0004000
#define RUMP_S_ISGID  0002000
#define RUMP_S_ISVTX  0001000
#define RUMP_S_IRWXU  0000700
#define RUMP_S_IRUSR  0000400
#define RUMP_S_IWUSR  0000200
#define RUMP_S_IXUSR  0000100
#define RUMP_S_IRWXG  0000070
#define RUMP_S_IRGRP  0000040
#define RUMP_S_IWGRP  0000020
#define RUMP_S_IXGRP  0000010
#define RUMP_S_IRWXO  0000007
#define RUMP_S_IROTH  0000004
#define RUMP_S_IWOTH  0000002
#define RUMP_S_IXOTH  0000001
#define RUMP_S_ISDIR(m)  (((m) & RUMP_S_IFMT) == RUMP_S_IFDIR)
#define RUMP_S_ISREG(m)  (((m) & RUMP_S_IFMT) == RUMP_S_IFREG)
#define RUMP_S_ISLNK(m)  (((m) & RUMP_S_IFMT) == RUMP_S_IFLNK)
#define RUMP_S_ISCHR(m)  (((m) & RUMP_S_IFMT) == RUMP_S_IFCHR)
#define RUMP_S_ISBLK(m)  (((m) & RUMP_S_IFMT) == RUMP_S_IFBLK)
#define RUMP_S_ISFIFO(m) (((m) & RUMP_S_IFMT) == RUMP_S_IFIFO)
#define RUMP_S_ISSOCK(m) (((m) & RUMP_S_IFMT) == RUMP_S_IFSOCK)

/* lseek(2) */
#define RUMP_SEEK_SET  0
#define RUMP_SEEK_CUR  1
#define RUMP_SEEK_END  2
#define RUMP_SEEK_DATA 3
#define RUMP_SEEK_HOLE 4

/* fcntl(2) */
#define RUMP_F_DUPFD         0
#define RUMP_F_GETFD         1
#define RUMP_F_SETFD         2
#define RUMP_F_GETFL         3
#define RUMP_F_SETFL         4
#define RUMP_F_GETLK         5
#define RUMP_F_SETLK         6
#define RUMP_F_SETLKW        7
#define RUMP_F_DUPFD_CLOEXEC 1030
#define RUMP_FD_CLOEXEC      1
#define RUMP_F_RDLCK         0
#define RUMP_F_WRLCK         1
#define RUMP_F_UNLCK         2

/* flock(2) */
#define RUMP_LOCK_SH 1
#define RUMP_LOCK_EX 2
#define RUMP_LOCK_NB 4
#define RUMP_LOCK_UN 8

/* poll(2) */
#define RUMP_POLLIN     0x001
#define RUMP_POLLPRI    0x002
#define RUMP_POLLOUT    0x004
#define RUMP_POLLERR    0x008
#define RUMP_POLLHUP    0x010
#define RUMP_POLLNVAL   0x020
#define RUMP_POLLRDNORM 0x040
#define RUMP_POLLRDBAND 0x080
#define RUMP_POLLWRNORM 0x100
#define RUMP_POLLWRBAND 0x200

/* ioctl(2) */
#define RUMP_FIONREAD 0x541B
#define RUMP_FIONBIO  0x5421
#define RUMP_FIONCLEX 0x5450
#define RUMP_FIOCLEX  0x5451
#define RUMP_TCGETS   0x5401

/* renameat2(2) */
#define RUMP_RENAME_NOREPLACE 1
#define RUMP_RENAME_EXCHANGE  2
#define RUMP_RENAME_WHITEOUT  4

/* fallocate(2) */
#define RUMP_FALLOC_FL_KEEP_SIZE  0x01
#define RUMP_FALLOC_FL_PUNCH_HOLE 0x02
#define RUMP_FALLOC_FL_ZERO_RANGE 0x10

/* utimensat(2) */
#define RUMP_UTIME_NOW  ((1L << 30) - 1L)
#define RUMP_UTIME_OMIT ((1L << 30) - 2L)

/* mount(2), umount2(2) */
#define RUMP_MS_RDONLY      0x0001
#define RUMP_MS_NOSUID      0x0002
#define RUMP_MS_NODEV       0x0004
#define RUMP_MS_NOEXEC      0x0008
#define RUMP_MS_SYNCHRONOUS 0x0010
#define RUMP_MS_REMOUNT     0x0020
#define RUMP_MS_NOATIME     0x0400
#define RUMP_MS_BIND        0x1000
#define RUMP_MNT_FORCE        1
#define RUMP_MNT_DETACH       2
#define RUMP_UMOUNT_NOFOLLOW  8

/* statx(2) */
#define RUMP_STATX_TYPE        0x0001U
#define RUMP_STATX_MODE        0x0002U
#define RUMP_STATX_NLINK       0x0004U
#define RUMP_STATX_UID         0x0008U
#define RUMP_STATX_GID         0x0010U
#define RUMP_STATX_ATIME       0x0020U
#define RUMP_STATX_MTIME       0x0040U
#define RUMP_STATX_CTIME       0x0080U
#define RUMP_STATX_INO         0x0100U
#define RUMP_STATX_SIZE        0x0200U
#define RUMP_STATX_BLOCKS      0x0400U
#define RUMP_STATX_BASIC_STATS 0x07ffU
#define RUMP_STATX_BTIME       0x0800U
#define RUMP_STATX_MNT_ID      0x1000U

/* directory entry types (getdents64) */
#define RUMP_DT_UNKNOWN 0
#define RUMP_DT_FIFO    1
#define RUMP_DT_CHR     2
#define RUMP_DT_DIR     4
#define RUMP_DT_BLK     6
#define RUMP_DT_REG     8
#define RUMP_DT_LNK     10
#define RUMP_DT_SOCK    12

/* clocks */
#define RUMP_CLOCK_REALTIME         0
#define RUMP_CLOCK_MONOTONIC        1
#define RUMP_CLOCK_PROCESS_CPUTIME_ID 2
#define RUMP_CLOCK_THREAD_CPUTIME_ID 3
#define RUMP_CLOCK_MONOTONIC_RAW    4
#define RUMP_CLOCK_REALTIME_COARSE  5
#define RUMP_CLOCK_MONOTONIC_COARSE 6
#define RUMP_CLOCK_BOOTTIME         7
#define RUMP_TIMER_ABSTIME          1

/* resource limits */
#define RUMP_RLIMIT_CPU        0
#define RUMP_RLIMIT_FSIZE      1
#define RUMP_RLIMIT_DATA       2
#define RUMP_RLIMIT_STACK      3
#define RUMP_RLIMIT_CORE       4
#define RUMP_RLIMIT_RSS        5
#define RUMP_RLIMIT_NPROC      6
#define RUMP_RLIMIT_NOFILE     7
#define RUMP_RLIMIT_MEMLOCK    8
#define RUMP_RLIMIT_AS         9
#define RUMP_RLIMIT_LOCKS      10
#define RUMP_RLIMIT_SIGPENDING 11
#define RUMP_RLIMIT_MSGQUEUE   12
#define RUMP_RLIMIT_NICE       13
#define RUMP_RLIMIT_RTPRIO     14
#define RUMP_RLIMIT_RTTIME     15
#define RUMP_RLIM_NLIMITS      16
#define RUMP_RLIM_INFINITY     (~0UL)

/* reboot(2) */
#define RUMP_REBOOT_MAGIC1       0xfee1deadU
#define RUMP_REBOOT_MAGIC2       672274793U
#define RUMP_REBOOT_CMD_RESTART  0x01234567U
#define RUMP_REBOOT_CMD_HALT     0xCDEF0123U
#define RUMP_REBOOT_CMD_POWER_OFF 0x4321FEDCU

/* limits */
#define RUMP_NAME_MAX    255
#define RUMP_PATH_MAX    4096
#define RUMP_NGROUPS_MAX 65536
#define RUMP_SYMLOOP_MAX 40
#define RUMP_PIPE_BUF    4096
#define RUMP_IOV_MAX     1024
#define RUMP_OPEN_MAX    1024 /* default RLIMIT_NOFILE */

/* structures, with the layouts of Linux x86_64 */
struct rump_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct rump_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct rump_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

struct rump_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	int32_t  st__pad0;
	uint64_t st_rdev;
	int64_t  st_size;
	int64_t  st_blksize;
	int64_t  st_blocks;
	struct rump_timespec st_atim;
	struct rump_timespec st_mtim;
	struct rump_timespec st_ctim;
	int64_t  st__unused[3];
};

struct rump_statx_timestamp {
	int64_t  tv_sec;
	uint32_t tv_nsec;
	int32_t  tv__reserved;
};

struct rump_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t stx__spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct rump_statx_timestamp stx_atime;
	struct rump_statx_timestamp stx_btime;
	struct rump_statx_timestamp stx_ctime;
	struct rump_statx_timestamp stx_mtime;
	uint32_t stx_rdev_major;
	uint32_t stx_rdev_minor;
	uint32_t stx_dev_major;
	uint32_t stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align;
	uint32_t stx_dio_offset_align;
	uint64_t stx__spare3[12];
};

struct rump_statfs {
	int64_t  f_type;
	int64_t  f_bsize;
	uint64_t f_blocks;
	uint64_t f_bfree;
	uint64_t f_bavail;
	uint64_t f_files;
	uint64_t f_ffree;
	int32_t  f_fsid[2];
	int64_t  f_namelen;
	int64_t  f_frsize;
	int64_t  f_flags;
	int64_t  f_spare[4];
};

struct rump_dirent64 {
	uint64_t d_ino;
	int64_t  d_off;
	uint16_t d_reclen;
	uint8_t  d_type;
	char     d_name[];
};

struct rump_flock {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_pid;
};

struct rump_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

struct rump_iovec {
	void    *iov_base;
	uint64_t iov_len;
};

struct rump_rlimit {
	uint64_t rlim_cur;
	uint64_t rlim_max;
};

#define RUMP_UTSNAME_LEN 65
struct rump_utsname {
	char sysname[RUMP_UTSNAME_LEN];
	char nodename[RUMP_UTSNAME_LEN];
	char release[RUMP_UTSNAME_LEN];
	char version[RUMP_UTSNAME_LEN];
	char machine[RUMP_UTSNAME_LEN];
	char domainname[RUMP_UTSNAME_LEN];
};

#define RUMP_TMPFS_MAGIC 0x01021994

_Static_assert(sizeof(struct rump_stat) == 144, "struct stat layout");
_Static_assert(sizeof(struct rump_statx) == 256, "struct statx layout");
_Static_assert(sizeof(struct rump_statfs) == 120, "struct statfs layout");
_Static_assert(sizeof(struct rump_flock) == 32, "struct flock layout");

#endif /* _RUMP_RUMPDEFS_H_ */
