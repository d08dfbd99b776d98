/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * file.h: open files and descriptor tables.
 *
 * A descriptor is an index into a process's table (struct filedesc) and
 * points to a struct file, the open file: its flags, offset and an
 * operations vector (vnode, pipe, later socket), so read/write/close/poll
 * work on every kind.  Files are reference counted; fd_getfile() takes a
 * reference for the duration of a system call and fd_putfile() drops it,
 * so a concurrent close() cannot free a file another thread is using.
 *
 * Locking: [I] immutable after creation, [a] atomic, [f] f_lock,
 * [d] fd_lock of the table.  Lock order: fd_lock > f_lock > vnode locks
 * is never needed: file operations run without fd_lock held.
 */
#ifndef _SYS_VFS_FILE_H_
#define _SYS_VFS_FILE_H_

#include "kern/kern.h"
#include "kern/lock.h"

struct file;
struct uio;
struct vnode;

struct fileops {
	const char *fo_name;
	/* offset: in/out, the file's position (or the pread offset);
	 * flags: FOF_UPDATE_OFFSET when the file's offset is used. */
	int (*fo_read)(struct file *fp, off_t *offset, struct uio *uio,
	    kauth_cred_t cred, int flags);
	int (*fo_write)(struct file *fp, off_t *offset, struct uio *uio,
	    kauth_cred_t cred, int flags);
	int (*fo_ioctl)(struct file *fp, unsigned long cmd, void *data);
	int (*fo_fcntl)(struct file *fp, int cmd, void *data);
	int (*fo_poll)(struct file *fp, int events);
	int (*fo_stat)(struct file *fp, struct rump_stat *sb);
	int (*fo_close)(struct file *fp);  /* last reference gone */
	int (*fo_seek)(struct file *fp, off_t delta, int whence, off_t *newoff);
	int (*fo_truncate)(struct file *fp, off_t length);
};
#define FOF_UPDATE_OFFSET 0x01

enum dtype { DTYPE_VNODE = 1, DTYPE_PIPE, DTYPE_SOCKET };

struct file {
	kmutex_t f_lock;                   /* kept across reuse (vfs_file.c) */
	kmutex_t f_poslock;                /* held across a transfer at the
					      offset (file_poslock) */
	/* Zeroed for each new file: everything from here on. */
	unsigned f_count;                  /* [a] references */
	int f_flag;                        /* [f] FREAD|FWRITE|O_APPEND|O_NONBLOCK.. */
	enum dtype f_type;                 /* [I] */
	const struct fileops *f_ops;       /* [I] */
	void *f_data;                      /* [I] vnode, pipe, socket */
	off_t f_offset;                    /* [f] */
	kauth_cred_t f_cred;               /* [I] opener's credentials */
};
/* f_flag: the open(2) access mode turned into bits, plus status flags */
#define FREAD  0x1
#define FWRITE 0x2
#define FFLAGS(oflags) (((oflags) & ~O_ACCMODE) | (((oflags) + 1) & O_ACCMODE))
#define OFLAGS(fflags) (((fflags) & ~O_ACCMODE) | (((fflags) - 1) & O_ACCMODE))

void file_subsys_init(void);            /* at VFS init */
/* Allocate a file with one reference; fp->f_cred holds the caller's. */
int file_alloc(struct file **fpp);
void file_hold(struct file *fp);
void file_rele(struct file *fp);       /* fo_close at the last reference */
/*
 * Serialize the calls that use and advance a regular file's or a
 * directory's offset (read, write, getdents, lseek), so two of them on
 * one open file never see the same offset.  Taken before the vnode lock.
 * Returns whether it locked (not for pipes, sockets, fifos, devices).
 */
bool file_poslock(struct file *fp);
void file_posunlock(struct file *fp, bool locked);

/*
 * Descriptor tables.  Functions act on curproc's table unless they take
 * one.  fd_getfile returns the file referenced, or NULL (EBADF).
 */
struct filedesc;
struct file *fd_getfile(int fd);
void fd_putfile(struct file *fp);
/* Install fp at the lowest free descriptor >= minfd (EMFILE past
 * RLIMIT_NOFILE); takes a reference of its own. */
int fd_alloc(struct file *fp, int minfd, bool cloexec, int *fdp);
/* Install at exactly newfd, closing what was there (dup2/dup3). */
int fd_dup2(struct file *fp, int newfd, bool cloexec);
int fd_close(int fd);
int fd_getflags(int fd, int *flagsp);  /* FD_CLOEXEC */
int fd_setflags(int fd, int flags);

struct filedesc *fd_init(void);        /* an empty table */
struct filedesc *fd_copy(struct filedesc *fdp);
void fd_share(struct filedesc *fdp);
void fd_free(struct filedesc *fdp);    /* drops a reference */

/* Vnode files (vfs_vnops.c). */
extern const struct fileops vnops;

#endif /* _SYS_VFS_FILE_H_ */
