/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipe.h: pipes and fifos (sys_pipe.c).
 *
 * pipe(2) and pipe2(2) make an anonymous pipe: two files (DTYPE_PIPE)
 * sharing one bounded ring buffer.  A fifo (a VFIFO vnode, made with
 * mknod(S_IFIFO)) uses the same buffer code: opening one attaches its
 * struct file to the fifo's pipe, which exists while the fifo has open
 * files.  The file stays a vnode file (DTYPE_VNODE, f_data the vnode),
 * so fstat, fchmod and the rest of the vnode calls still work on it.
 */
#ifndef _SYS_VFS_PIPE_H_
#define _SYS_VFS_PIPE_H_

#include "kern/kern.h"

struct file;
struct vnode;

#define PIPE_SIZE 65536                /* bytes a pipe holds */

/*
 * Open the fifo vp on fp, which the caller has from file_alloc() with
 * f_flag set (FFLAGS of the open flags).  Opening only for reading waits
 * for a writer, and only for writing waits for a reader, unless
 * O_NONBLOCK; O_WRONLY|O_NONBLOCK without a reader is ENXIO.
 *
 * Called from open(2) for VFIFO vnodes after vn_open(), with vp
 * referenced and UNLOCKED (the wait must not hold the vnode lock).  On
 * success it sets f_type, f_ops and f_data, and the file owns the
 * caller's vnode reference (its fo_close does vn_close).  On error
 * nothing changed: the caller still owns the vnode and the file.
 */
int fifo_open(struct vnode *vp, int fflags, struct file *fp);

#endif /* _SYS_VFS_PIPE_H_ */
