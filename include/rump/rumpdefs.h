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
#define RUMP_SIOCATMARK 0x8905             /* int: at the urgent mark */
#define RUMP_FIONBIO  0x5421
#define RUMP_FIONCLEX 0x5450
#define RUMP_FIOCLEX  0x5451
#define RUMP_TCGETS   0x5401

/*
 * RUMP_FIOEXTENT (ext2fs): where the bytes of a regular file lie on its
 * file system's device.  In: rx_offset, rx_length (the
 * bytes wanted), rx_flags.  Out: rx_length, the bytes from rx_offset that
 * lie in one run at device byte rx_devoff and that the device holds
 * current (no newer copy in the kernel's cache); 0 for a hole, past the
 * end of the file, or when the first block is newer in the cache (read
 * those bytes with read(2)).  rx_gen changes before any block of the file
 * is freed: a caller that copied the device bytes and then finds rx_gen
 * unchanged (ask again with rx_length 0) knows they were the file's.
 * In rx_flags, RUMP_EXTENT_READ: the caller reads the bytes (the access
 * time is set, as by read(2)); out, RUMP_EXTENT_EOF: the run ends at the
 * end of the file (ignored in).  EINVAL for a negative offset or unknown
 * flags, EBADF for RUMP_EXTENT_READ unless open for reading, EISDIR
 * (EINVAL for other non-regular files); ENOTTY on file systems
 * without it.
 */
struct rump_extent {
	int64_t rx_offset;
	uint64_t rx_length;
	uint64_t rx_devoff;
	uint64_t rx_gen;
	uint32_t rx_flags;
	uint32_t rx_spare;
};
#define RUMP_EXTENT_READ 0x1
#define RUMP_EXTENT_EOF  0x2
#define RUMP_FIOEXTENT   0xc0287220  /* _IOWR('r', 0x20, struct rump_extent) */
_Static_assert(sizeof(struct rump_extent) == 40, "RUMP_FIOEXTENT size");

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

/* Block device ioctls (Linux numbers; storage issue, vfs_spec.c). */
#define RUMP_BLKROGET     0x125e       /* int: read-only device */
#define RUMP_BLKGETSIZE   0x1260       /* unsigned long: size in 512 B */
#define RUMP_BLKFLSBUF    0x1261       /* write out and drop the cache */
#define RUMP_BLKSSZGET    0x1268       /* int: logical sector size */
#define RUMP_BLKGETSIZE64 0x80081272   /* uint64_t: size in bytes */

/*
 * Sockets (librumpnet): address families, socket types, options, message
 * flags and the structures of the socket calls, Linux x86_64 values and
 * layouts.  Kernel code sees them without the RUMP_ prefix.
 */
#define RUMP_AF_UNSPEC     0
#define RUMP_AF_UNIX       1
#define RUMP_AF_LOCAL      RUMP_AF_UNIX
#define RUMP_AF_INET       2
#define RUMP_AF_INET6      10
#define RUMP_AF_NETLINK    16
#define RUMP_AF_PACKET     17
#define RUMP_AF_MAX        46
#define RUMP_PF_UNSPEC     RUMP_AF_UNSPEC
#define RUMP_PF_UNIX       RUMP_AF_UNIX
#define RUMP_PF_LOCAL      RUMP_AF_UNIX
#define RUMP_PF_INET       RUMP_AF_INET
#define RUMP_PF_INET6      RUMP_AF_INET6

#define RUMP_SOCK_STREAM    1
#define RUMP_SOCK_DGRAM     2
#define RUMP_SOCK_RAW       3
#define RUMP_SOCK_RDM       4
#define RUMP_SOCK_SEQPACKET 5
#define RUMP_SOCK_PACKET    10
#define RUMP_SOCK_TYPE_MASK 0xf
#define RUMP_SOCK_NONBLOCK  RUMP_O_NONBLOCK
#define RUMP_SOCK_CLOEXEC   RUMP_O_CLOEXEC

#define RUMP_SOL_SOCKET     1
#define RUMP_SO_DEBUG       1
#define RUMP_SO_REUSEADDR   2
#define RUMP_SO_TYPE        3
#define RUMP_SO_ERROR       4
#define RUMP_SO_DONTROUTE   5
#define RUMP_SO_BROADCAST   6
#define RUMP_SO_SNDBUF      7
#define RUMP_SO_RCVBUF      8
#define RUMP_SO_KEEPALIVE   9
#define RUMP_SO_OOBINLINE   10
#define RUMP_SO_LINGER      13
#define RUMP_SO_REUSEPORT   15
#define RUMP_SO_PASSCRED    16
#define RUMP_SO_PEERCRED    17
#define RUMP_SO_RCVLOWAT    18
#define RUMP_SO_SNDLOWAT    19
#define RUMP_SO_RCVTIMEO    20
#define RUMP_SO_SNDTIMEO    21
#define RUMP_SO_ACCEPTCONN  30
#define RUMP_SO_PROTOCOL    38
#define RUMP_SO_DOMAIN      39
#define RUMP_SOMAXCONN      4096

#define RUMP_MSG_OOB        0x0001
#define RUMP_MSG_PEEK       0x0002
#define RUMP_MSG_DONTROUTE  0x0004
#define RUMP_MSG_CTRUNC     0x0008
#define RUMP_MSG_TRUNC      0x0020
#define RUMP_MSG_DONTWAIT   0x0040
#define RUMP_MSG_EOR        0x0080
#define RUMP_MSG_WAITALL    0x0100
#define RUMP_MSG_NOSIGNAL   0x4000
#define RUMP_MSG_CMSG_CLOEXEC 0x40000000

#define RUMP_SHUT_RD        0
#define RUMP_SHUT_WR        1
#define RUMP_SHUT_RDWR      2

#define RUMP_SCM_RIGHTS      1
#define RUMP_SCM_CREDENTIALS 2

#define RUMP_POLLRDHUP      0x2000

typedef uint16_t rump_sa_family_t;

struct rump_sockaddr {
	rump_sa_family_t sa_family;
	char sa_data[14];
};

struct rump_sockaddr_storage {
	rump_sa_family_t ss_family;
	char ss_data[118];
	uint64_t ss_align;
};

#define RUMP_UNIX_PATH_MAX 108
struct rump_sockaddr_un {
	rump_sa_family_t sun_family;
	char sun_path[RUMP_UNIX_PATH_MAX];
};

struct rump_msghdr {
	void *msg_name;
	uint32_t msg_namelen;
	struct rump_iovec *msg_iov;
	uint64_t msg_iovlen;
	void *msg_control;
	uint64_t msg_controllen;
	int32_t msg_flags;
};

struct rump_cmsghdr {
	uint64_t cmsg_len;
	int32_t cmsg_level;
	int32_t cmsg_type;
};
#define RUMP_CMSG_ALIGN(len) (((len) + 7UL) & ~7UL)
#define RUMP_CMSG_LEN(len) (RUMP_CMSG_ALIGN(sizeof(struct rump_cmsghdr)) + (len))
#define RUMP_CMSG_SPACE(len) \
	(RUMP_CMSG_ALIGN(sizeof(struct rump_cmsghdr)) + RUMP_CMSG_ALIGN(len))
#define RUMP_CMSG_DATA(cmsg) \
	((unsigned char *)(cmsg) + RUMP_CMSG_ALIGN(sizeof(struct rump_cmsghdr)))

struct rump_ucred {
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
};

struct rump_linger {
	int32_t l_onoff;
	int32_t l_linger;
};

_Static_assert(sizeof(struct rump_sockaddr) == 16, "struct sockaddr layout");
_Static_assert(sizeof(struct rump_sockaddr_storage) == 128,
    "struct sockaddr_storage layout");
_Static_assert(sizeof(struct rump_sockaddr_un) == 110,
    "struct sockaddr_un layout");
_Static_assert(sizeof(struct rump_msghdr) == 56, "struct msghdr layout");
_Static_assert(sizeof(struct rump_cmsghdr) == 16, "struct cmsghdr layout");
_Static_assert(sizeof(struct rump_ucred) == 12, "struct ucred layout");

/*
 * IPv4 networking (librumpnet_net, librumpnet_netinet; issue 5): protocol
 * numbers, IP socket options, struct sockaddr_in, and the interface and
 * route ioctls with Linux's struct ifreq, ifconf and rtentry layouts.
 * Rump-specific ioctls use Linux's SIOCDEVPRIVATE range (0x89f0-0x89ff),
 * which no standard command takes: see docs/net.md.
 */
#define RUMP_IPPROTO_IP     0
#define RUMP_IPPROTO_ICMP   1
#define RUMP_IPPROTO_TCP    6
#define RUMP_IPPROTO_UDP    17
#define RUMP_IPPROTO_RAW    255

#define RUMP_IP_TOS         1
#define RUMP_IP_TTL         2
#define RUMP_IP_HDRINCL     3

#define RUMP_INADDR_ANY       0x00000000U
#define RUMP_INADDR_BROADCAST 0xffffffffU
#define RUMP_INADDR_LOOPBACK  0x7f000001U
#define RUMP_INET_ADDRSTRLEN  16

struct rump_in_addr {
	uint32_t s_addr;               /* network byte order */
};

struct rump_sockaddr_in {
	rump_sa_family_t sin_family;
	uint16_t sin_port;             /* network byte order */
	struct rump_in_addr sin_addr;
	unsigned char sin_zero[8];
};

#define RUMP_IFNAMSIZ        16
#define RUMP_IFF_UP          0x0001
#define RUMP_IFF_BROADCAST   0x0002
#define RUMP_IFF_DEBUG       0x0004
#define RUMP_IFF_LOOPBACK    0x0008
#define RUMP_IFF_POINTOPOINT 0x0010
#define RUMP_IFF_RUNNING     0x0040
#define RUMP_IFF_NOARP       0x0080
#define RUMP_IFF_PROMISC     0x0100
#define RUMP_IFF_MULTICAST   0x1000

#define RUMP_ARPHRD_ETHER    1
#define RUMP_ARPHRD_LOOPBACK 772

struct rump_ifmap {
	uint64_t mem_start;
	uint64_t mem_end;
	uint16_t base_addr;
	unsigned char irq;
	unsigned char dma;
	unsigned char port;
};

/* Member names as glibc's, so its ifr_name-style macros fit both. */
struct rump_ifreq {
	union {
		char ifrn_name[RUMP_IFNAMSIZ];
	} ifr_ifrn;
	union {
		struct rump_sockaddr ifru_addr;
		struct rump_sockaddr ifru_netmask;
		struct rump_sockaddr ifru_broadaddr;
		struct rump_sockaddr ifru_hwaddr;
		int16_t ifru_flags;
		int32_t ifru_ivalue;
		int32_t ifru_mtu;
		struct rump_ifmap ifru_map;
		char ifru_newname[RUMP_IFNAMSIZ];
		void *ifru_data;
	} ifr_ifru;
};
#define rump_ifr_name    ifr_ifrn.ifrn_name
#define rump_ifr_addr    ifr_ifru.ifru_addr
#define rump_ifr_netmask ifr_ifru.ifru_netmask
#define rump_ifr_broadaddr ifr_ifru.ifru_broadaddr
#define rump_ifr_hwaddr  ifr_ifru.ifru_hwaddr
#define rump_ifr_flags   ifr_ifru.ifru_flags
#define rump_ifr_ifindex ifr_ifru.ifru_ivalue
#define rump_ifr_mtu     ifr_ifru.ifru_mtu
#define rump_ifr_data    ifr_ifru.ifru_data

struct rump_ifconf {
	int32_t ifc_len;               /* in: buffer bytes; out: bytes used */
	union {
		char *ifcu_buf;
		struct rump_ifreq *ifcu_req;
	} ifc_ifcu;
};

struct rump_rtentry {
	unsigned long rt_pad1;
	struct rump_sockaddr rt_dst;
	struct rump_sockaddr rt_gateway;
	struct rump_sockaddr rt_genmask;
	uint16_t rt_flags;
	int16_t rt_pad2;
	unsigned long rt_pad3;
	void *rt_pad4;
	int16_t rt_metric;
	char *rt_dev;                  /* interface name or NULL */
	unsigned long rt_mtu;
	unsigned long rt_window;
	uint16_t rt_irtt;
};
#define RUMP_RTF_UP      0x0001
#define RUMP_RTF_GATEWAY 0x0002
#define RUMP_RTF_HOST    0x0004
#define RUMP_RTF_REJECT  0x0200

/* Linux's socket ioctls for interfaces and routes. */
#define RUMP_SIOCADDRT        0x890b   /* struct rtentry */
#define RUMP_SIOCDELRT        0x890c   /* struct rtentry */
#define RUMP_SIOCGIFNAME      0x8910   /* ifreq: index in, name out */
#define RUMP_SIOCGIFCONF      0x8912   /* struct ifconf */
#define RUMP_SIOCGIFFLAGS     0x8913
#define RUMP_SIOCSIFFLAGS     0x8914
#define RUMP_SIOCGIFADDR      0x8915
#define RUMP_SIOCSIFADDR      0x8916
#define RUMP_SIOCGIFBRDADDR   0x8919
#define RUMP_SIOCSIFBRDADDR   0x891a
#define RUMP_SIOCGIFNETMASK   0x891b
#define RUMP_SIOCSIFNETMASK   0x891c
#define RUMP_SIOCGIFMTU       0x8921
#define RUMP_SIOCSIFMTU       0x8922
#define RUMP_SIOCSIFHWADDR    0x8924
#define RUMP_SIOCGIFHWADDR    0x8927
#define RUMP_SIOCGIFINDEX     0x8933
#define RUMP_SIOCDIFADDR      0x8936
/* Rump-specific (SIOCDEVPRIVATE range). */
#define RUMP_SIOCIFCREATE     0x89f0   /* ifreq: name "shmif0", "shmif" */
#define RUMP_SIOCIFDESTROY    0x89f1   /* ifreq: name */
#define RUMP_SIOCSLINKSTR     0x89f2   /* ifreq: ifr_data -> C string */
#define RUMP_SIOCGIFSTATS     0x89f3   /* ifreq: ifr_data -> rump_ifstats */
#define RUMP_SIOCGNETSTATS    0x89f4   /* arg -> struct rump_netstats */
#define RUMP_SIOCGIPFORWARD   0x89f5   /* arg -> int */
#define RUMP_SIOCSIPFORWARD   0x89f6   /* arg -> int (0 or 1) */
#define RUMP_LINKSTR_MAX      1024     /* linkstr bytes with the NUL */

/* Interface counters (RUMP_SIOCGIFSTATS). */
struct rump_ifstats {
	uint64_t ifs_ipackets, ifs_ierrors, ifs_opackets, ifs_oerrors;
	uint64_t ifs_ibytes, ifs_obytes, ifs_collisions, ifs_iqdrops;
	uint64_t ifs_overruns;         /* frames a slow reader lost (shmif) */
	/* The test impairment (RUMP_SHMIF_IMPAIR): received frames it
	 * dropped, duplicated, held back (reordered), delayed. */
	uint64_t ifs_impdrops, ifs_impdups, ifs_impreorders, ifs_impdelays;
	uint64_t ifs_spare[3];
};

/* Protocol statistics (RUMP_SIOCGNETSTATS), the netstat -s kind. */
struct rump_netstats {
	/* IPv4 */
	uint64_t ips_total, ips_badsum, ips_tooshort, ips_toosmall;
	uint64_t ips_badhlen, ips_badlen, ips_badvers, ips_badaddr;
	uint64_t ips_fragments, ips_fragdropped, ips_fragtimeout;
	uint64_t ips_reassembled, ips_forward, ips_cantforward, ips_noroute;
	uint64_t ips_delivered, ips_localout, ips_odropped, ips_fragmented;
	uint64_t ips_ofragments, ips_cantfrag, ips_noproto, ips_ttlexceed;
	uint64_t ips_reassbytes;       /* bytes held for reassembly now */
	/* ICMP */
	uint64_t icps_inpackets, icps_badlen, icps_badsum, icps_badtype;
	uint64_t icps_echoreq, icps_echoreply_out, icps_unreach_in;
	uint64_t icps_timxceed_in, icps_error_out, icps_ratelimited;
	/* UDP */
	uint64_t udps_ipackets, udps_opackets, udps_hdrops, udps_badsum;
	uint64_t udps_badlen, udps_noport, udps_noportbcast, udps_fullsock;
	/* ARP */
	uint64_t arps_rxrequests, arps_rxreplies, arps_txrequests;
	uint64_t arps_txreplies, arps_badpkt, arps_dropped, arps_timeouts;
	uint64_t arps_held, arps_entries;
	/* IPv4, later */
	uint64_t ips_tsosegmented;     /* TSO segments cut in software */
	uint64_t ns_spare[15];
};

_Static_assert(sizeof(struct rump_sockaddr_in) == 16,
    "struct sockaddr_in layout");
_Static_assert(sizeof(struct rump_ifreq) == 40, "struct ifreq layout");
_Static_assert(sizeof(struct rump_ifconf) == 16, "struct ifconf layout");
_Static_assert(sizeof(struct rump_rtentry) == 120, "struct rtentry layout");

/*
 * Kernel tables (issue 5): the routing table, the ARP cache and the
 * AF_INET socket table, read with an ioctl on any AF_INET socket into a
 * caller's buffer of fixed-size records (docs/net.md, "Table ioctls").
 * The caller sets nt_version, nt_len (buffer bytes) and nt_buf; on
 * success nt_len is the bytes stored, nt_count the records, nt_recsize
 * the size of one, nt_total the bytes the whole table needed.  nt_buf
 * NULL asks only for nt_total.  A buffer too small for the whole table
 * is ENOMEM, never a partial list: a local caller finds nt_total filled
 * in; over the remote protocol a failed call brings nothing back, so a
 * client asks again with nt_buf NULL.  Records may grow at their end in
 * a later version; fields never move.
 */
#define RUMP_NETTAB_VERSION   1
#define RUMP_NETTAB_MAXLEN    (1 << 20) /* the largest remote buffer */
struct rump_nettab {
	uint32_t nt_version;           /* in: RUMP_NETTAB_VERSION */
	uint32_t nt_recsize;           /* out: bytes per record */
	int32_t nt_len;                /* in: buffer bytes; out: bytes stored */
	uint32_t nt_count;             /* out: records stored */
	uint32_t nt_total;             /* out: bytes the whole table needs */
	uint32_t nt_spare;
	void *nt_buf;                  /* the records, or NULL: size only */
};

/* RUMP_SIOCGRTABLE: one route, longest prefix first (the lookup order). */
#define RUMP_RTF_IFROUTE 0x8000        /* connected route of an address */
struct rump_rtrec {
	uint32_t rr_dst;               /* network order */
	uint32_t rr_mask;              /* network order */
	uint32_t rr_gateway;           /* network order, 0: direct */
	uint32_t rr_flags;             /* RUMP_RTF_* */
	int32_t rr_metric;
	uint32_t rr_spare;
	uint64_t rr_use;               /* lookups that chose it */
	char rr_ifname[RUMP_IFNAMSIZ];
};

/* RUMP_SIOCGARPTABLE: one ARP entry.  Flags as Linux's struct arpreq. */
#define RUMP_ATF_COM     0x02          /* resolved: ar_hwaddr is valid */
#define RUMP_ATF_PERM    0x04          /* static: never expires */
struct rump_arprec {
	uint32_t ar_addr;              /* network order */
	uint32_t ar_flags;             /* RUMP_ATF_* */
	uint8_t ar_hwaddr[6];
	uint16_t ar_held;              /* packets waiting for the answer */
	int32_t ar_expire;             /* seconds left; -1: permanent */
	char ar_ifname[RUMP_IFNAMSIZ];
	uint32_t ar_spare;
};

/* RUMP_SIOCGSOCKTABLE: one AF_INET protocol control block (TCP, UDP,
 * raw IP), including TCP connections whose socket is closed. */
#define RUMP_SR_NOSOCKET 0x01          /* no socket left (closing TCP) */
struct rump_sockrec {
	uint16_t sr_family;            /* RUMP_AF_INET */
	uint16_t sr_type;              /* RUMP_SOCK_STREAM, _DGRAM, _RAW */
	uint16_t sr_protocol;          /* RUMP_IPPROTO_* */
	uint8_t sr_state;              /* TCP: RUMP_TCP_* (Linux's); else 0 */
	uint8_t sr_flags;              /* RUMP_SR_* */
	uint32_t sr_laddr, sr_faddr;   /* network order */
	uint16_t sr_lport, sr_fport;   /* network order */
	uint32_t sr_recvq;             /* bytes (listener: queued conns) */
	uint32_t sr_sendq;             /* bytes (listener: backlog) */
	int32_t sr_pid;                /* creator's pid, 0 if none */
	uint32_t sr_spare[2];
};

/* Linux's ARP ioctls on one entry (struct arpreq, 68 bytes). */
struct rump_arpreq {
	struct rump_sockaddr arp_pa;   /* AF_INET protocol address */
	struct rump_sockaddr arp_ha;   /* sa_family ARPHRD_ETHER, MAC */
	int32_t arp_flags;             /* RUMP_ATF_* */
	struct rump_sockaddr arp_netmask; /* unused */
	char arp_dev[RUMP_IFNAMSIZ];   /* interface, "" to find it */
};
#define RUMP_SIOCDARP         0x8953   /* struct arpreq: delete */
#define RUMP_SIOCGARP         0x8954   /* struct arpreq: get */
#define RUMP_SIOCSARP         0x8955   /* struct arpreq: set (root) */
#define RUMP_SIOCGRTABLE      0x89f7   /* struct nettab -> rump_rtrec */
#define RUMP_SIOCGARPTABLE    0x89f8   /* struct nettab -> rump_arprec */
#define RUMP_SIOCGSOCKTABLE   0x89f9   /* struct nettab -> rump_sockrec */


/*
 * More than one IPv4 address per interface (docs/net.md, "Addresses").
 * RUMP_SIOCAIFADDR adds an address (or changes the mask and broadcast of
 * one the interface has); SIOCDIFADDR with an AF_INET ifr_addr deletes
 * that address (without: the primary one); RUMP_SIOCGIFADDRTABLE lists
 * every address of every interface (struct rump_nettab, as above).
 */
struct rump_in_aliasreq {
	char ifra_name[RUMP_IFNAMSIZ];
	struct rump_sockaddr ifra_addr;
	struct rump_sockaddr ifra_broadaddr; /* AF_UNSPEC: from the mask */
	struct rump_sockaddr ifra_mask;    /* AF_UNSPEC: the class's */
};
#define RUMP_IFA_PRIMARY 0x01          /* the one SIOCGIFADDR reports */
struct rump_ifaddrrec {
	uint32_t ir_addr;              /* network order */
	uint32_t ir_mask;
	uint32_t ir_broad;
	uint32_t ir_flags;             /* RUMP_IFA_* */
	char ir_ifname[RUMP_IFNAMSIZ];
};
#define RUMP_SIOCAIFADDR      0x89fa   /* struct in_aliasreq (root) */
#define RUMP_SIOCGIFADDRTABLE 0x89fb   /* struct nettab -> ifaddrrec */

_Static_assert(sizeof(struct rump_nettab) == 32, "struct nettab layout");
_Static_assert(sizeof(struct rump_in_aliasreq) == 64,
    "struct in_aliasreq layout");
_Static_assert(sizeof(struct rump_ifaddrrec) == 32, "struct ifaddrrec layout");
_Static_assert(sizeof(struct rump_rtrec) == 48, "struct rtrec layout");
_Static_assert(sizeof(struct rump_arprec) == 40, "struct arprec layout");
_Static_assert(sizeof(struct rump_sockrec) == 40, "struct sockrec layout");
_Static_assert(sizeof(struct rump_arpreq) == 68, "struct arpreq layout");

/*
 * TCP (librumpnet_netinet; issue 6): socket options of level
 * RUMP_SOL_TCP (= RUMP_IPPROTO_TCP) with Linux's numbers, and the prefix
 * of Linux's struct tcp_info up to tcpi_total_retrans (same offsets, so
 * a Linux program's struct reads ours).  See docs/tcp.md.
 */
#define RUMP_SOL_TCP            6
#define RUMP_TCP_NODELAY        1
#define RUMP_TCP_MAXSEG         2
#define RUMP_TCP_CORK           3
#define RUMP_TCP_KEEPIDLE       4
#define RUMP_TCP_KEEPINTVL      5
#define RUMP_TCP_KEEPCNT        6
#define RUMP_TCP_SYNCNT         7
#define RUMP_TCP_INFO           11
#define RUMP_TCP_QUICKACK       12
#define RUMP_TCP_CONGESTION     13
#define RUMP_TCP_CA_NAME_MAX    16

/* tcpi_state: Linux's numbering */
#define RUMP_TCP_ESTABLISHED    1
#define RUMP_TCP_SYN_SENT       2
#define RUMP_TCP_SYN_RECV       3
#define RUMP_TCP_FIN_WAIT1      4
#define RUMP_TCP_FIN_WAIT2      5
#define RUMP_TCP_TIME_WAIT      6
#define RUMP_TCP_CLOSE          7
#define RUMP_TCP_CLOSE_WAIT     8
#define RUMP_TCP_LAST_ACK       9
#define RUMP_TCP_LISTEN         10
#define RUMP_TCP_CLOSING        11
/* tcpi_options */
#define RUMP_TCPI_OPT_TIMESTAMPS 1
#define RUMP_TCPI_OPT_SACK       2
#define RUMP_TCPI_OPT_WSCALE     4

struct rump_tcp_info {
	uint8_t tcpi_state;
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits;      /* unanswered RTOs of the head */
	uint8_t tcpi_probes;
	uint8_t tcpi_backoff;
	uint8_t tcpi_options;          /* RUMP_TCPI_OPT_* */
	uint8_t tcpi_wscale;           /* snd_wscale:4 (low), rcv_wscale:4 */
	uint8_t tcpi_flags;
	uint32_t tcpi_rto;             /* us */
	uint32_t tcpi_ato;             /* us */
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;
	uint32_t tcpi_unacked;         /* segments */
	uint32_t tcpi_sacked;
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent;  /* ms ago */
	uint32_t tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;
	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt;             /* smoothed, us */
	uint32_t tcpi_rttvar;          /* us */
	uint32_t tcpi_snd_ssthresh;    /* segments */
	uint32_t tcpi_snd_cwnd;        /* segments */
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;
	uint32_t tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space;
	uint32_t tcpi_total_retrans;   /* segments retransmitted, ever */
};
_Static_assert(sizeof(struct rump_tcp_info) == 104, "struct tcp_info prefix");

#endif /* _RUMP_RUMPDEFS_H_ */
