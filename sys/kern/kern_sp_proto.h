/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_sp_proto.h: the remote system call protocol, shared by the server's
 * kernel side (kern_sp.c) and the client library (lib/librumpclient).
 *
 * docs/protocol.md is the description of record; this header is its C
 * form.  It uses only the compiler's own headers, so freestanding kernel
 * code and host code include it alike.  Integers on the wire are in the
 * byte order of the host (both ends run on the same machine type; the
 * handshake's magic number tells a foreign byte order apart).
 *
 * A frame is a struct sp_hdr followed by a body; sh_len counts both.  Data
 * blocks inside a body are a uint64_t byte count, the bytes, and zero
 * padding to the next multiple of 8, so every block starts 8-aligned.
 *
 * The marshalling tables (struct sp_sysdesc, struct sp_cmdrule) are
 * generated from sys/kern/syscalls.tab by tools/gensyscalls.py: the kernel
 * gets them in syscalls_sp.c, the client in rumpclient_syscalls.c.  The
 * helpers at the end compute, from a call's register arguments, how much
 * memory each pointer argument covers; both ends use them, so they cannot
 * disagree.
 */
#ifndef _SYS_KERN_KERN_SP_PROTO_H_
#define _SYS_KERN_KERN_SP_PROTO_H_

#include <stddef.h>
#include <stdint.h>

#define SP_MAGIC        0x504d5552u   /* "RUMP" read as little-endian */
#define SP_VERSION      3             /* 2: @lenptr, @msghdr, @ioctlptr;
                                         3: final reply block unpadded */
#define SP_MAXDATA      (1u << 20)    /* data bytes of one call, each way */
#define SP_MAXMSG       (SP_MAXDATA + 65536u) /* a whole frame */
#define SP_MAXKEY       256           /* shared secret bytes */
#define SP_TOKENLEN     16
#define SP_MAXSTR       4096          /* PATH_MAX, including the NUL */
#define SP_MAXIOV       1024          /* IOV_MAX */
#define SP_NARGS        6
#define SP_MAXNAME      128           /* a socket address (sockaddr_storage) */
#define SP_MAXCONTROL   65536         /* msg_controllen carried */

/* errno values used here (Linux numbering, as everywhere in the ABI). */
#define SP_EFAULT       14
#define SP_EINVAL       22
#define SP_ENAMETOOLONG 36
#define SP_EMSGSIZE     90
#define SP_ENOBUFS      105

/* Frame header. */
struct sp_hdr {
	uint32_t sh_len;       /* header + body, SP_HDRLEN..SP_MAXMSG */
	uint16_t sh_type;      /* SP_* (requests), SP_REPLY | SP_* (replies) */
	uint16_t sh_flags;     /* 0 */
	uint32_t sh_seq;       /* chosen by the client, echoed in the reply */
	uint32_t sh_spare;     /* 0 */
};
#define SP_HDRLEN ((uint32_t)sizeof(struct sp_hdr))

/* Message types. */
#define SP_HELLO    1          /* handshake: must be the first frame */
#define SP_SYSCALL  2          /* run one system call */
#define SP_FORK     3          /* prepare a child process for fork() */
#define SP_EXEC     4          /* keep the process across execve() */
#define SP_CANCEL   5          /* drop an unclaimed fork or exec hold */
#define SP_REPLY    0x8000

/* SP_HELLO. */
#define SP_HELLO_NEW   0       /* a new process */
#define SP_HELLO_JOIN  1       /* another connection of a process (token) */
#define SP_HELLO_CLAIM 2       /* take over a fork or exec hold (token) */
struct sp_hello {
	uint32_t h_magic;      /* SP_MAGIC */
	uint16_t h_version;    /* SP_VERSION */
	uint16_t h_mode;       /* SP_HELLO_* */
	uint8_t h_token[SP_TOKENLEN]; /* JOIN, CLAIM */
	uint32_t h_hostpid;    /* the client's host pid, informational */
	uint16_t h_keylen;     /* bytes of key after this structure */
	uint16_t h_spare;
	char h_comm[16];       /* program name, NUL-padded */
	/* uint8_t h_key[h_keylen]; */
};
struct sp_hello_reply {
	uint32_t hr_magic;     /* SP_MAGIC */
	uint16_t hr_version;   /* the server's SP_VERSION */
	uint16_t hr_spare;
	int32_t hr_error;      /* 0 or errno (see docs/protocol.md) */
	int32_t hr_pid;        /* the kernel process of this connection */
	uint8_t hr_token[SP_TOKENLEN]; /* the process's token, for JOIN */
	uint32_t hr_maxmsg;    /* SP_MAXMSG of the server */
	uint32_t hr_spare2;
};

/* SP_SYSCALL: header, args[nargs], then the IN blocks. */
struct sp_syscall {
	uint32_t sc_num;
	uint32_t sc_nargs;     /* must equal the call's argument count */
	uint64_t sc_args[];    /* register values; pointers: 0 is NULL */
};
/* Reply: then the OUT blocks, only when error is 0. */
struct sp_syscall_reply {
	int32_t sr_error;
	uint32_t sr_spare;
	int64_t sr_retval[2];
};

/* SP_FORK, SP_EXEC (empty bodies) and SP_CANCEL (a token). */
struct sp_hold_reply {
	int32_t hr_error;
	int32_t hr_pid;        /* the process the hold keeps */
	uint8_t hr_token[SP_TOKENLEN]; /* give it to SP_HELLO_CLAIM */
};
struct sp_cancel {
	uint8_t c_token[SP_TOKENLEN];
};
struct sp_cancel_reply {
	int32_t cr_error;
	uint32_t cr_spare;
};

/*
 * Marshalling descriptions, one per system call number (generated).
 * sa_dir: what the kernel does with the memory a pointer covers.
 */
enum { SPA_SCALAR, SPA_IN, SPA_OUT, SPA_INOUT, SPA_ADDR, SPA_NONE };
enum {
	SPK_SCALAR,            /* a value */
	SPK_FIXED,             /* sa_size bytes */
	SPK_STR,               /* NUL-terminated, at most SP_MAXSTR bytes */
	SPK_ARG,               /* sa_size bytes per unit of argument sa_sizearg */
	SPK_IOCTL,             /* from the command (argument sa_sizearg) */
	SPK_FCNTL,             /* from the command (argument sa_sizearg) */
	SPK_IOV,               /* struct iovec[argument sa_sizearg] */
	SPK_LENPTR,            /* OUT, as many bytes as the unsigned int that
	                          argument sa_sizearg points to says, at most
	                          sa_size (@lenptr) */
	SPK_MSGHDR,            /* a struct msghdr and what it points to
	                          (@msghdr; SPF_IOVOUT: recvmsg) */
};
#define SPF_NULLOK  0x01       /* NULL is allowed */
#define SPF_SIGNED  0x02       /* scalar: a signed type */
#define SPF_RETLEN  0x04       /* OUT: only the first retval bytes matter */
#define SPF_IOVOUT  0x08       /* SPK_IOV: the kernel writes the buffers */
struct sp_argdesc {
	uint8_t sa_dir;
	uint8_t sa_kind;
	uint8_t sa_sizearg;
	uint8_t sa_flags;
	uint8_t sa_width;      /* bytes in the kernel's argument structure */
	uint8_t sa_spare;
	uint16_t sa_off;       /* offset there (kernel table only) */
	uint32_t sa_size;
};
#define SPD_VALID 0x01
#define SPD_CHUNK 0x02         /* client splits the IN buffer (see below) */
struct sp_sysdesc {
	uint8_t sd_flags;
	uint8_t sd_nargs;
	uint8_t sd_chunkbuf;   /* SPD_CHUNK: the buffer argument, */
	uint8_t sd_chunkoff;   /* and the offset argument or 0xff */
	uint32_t sd_argsize;   /* sizeof the kernel's argument structure */
	struct sp_argdesc sd_args[SP_NARGS];
};

/*
 * ioctl and fcntl commands with a pointer argument (generated lists).
 * An ioctl's argument structure may hold one pointer of its own
 * (@ioctlptr): cr_nkind says how much memory it covers.
 */
enum {
	SPN_NONE,              /* no nested pointer */
	SPN_FIXED,             /* cr_nsize bytes */
	SPN_STR,               /* a string, at most cr_nsize bytes with NUL */
	SPN_LEN,               /* the int32 at cr_nlenoff bytes, at most
	                          cr_nsize; OUT: the kernel updates the count */
};
struct sp_cmdrule {
	uint32_t cr_cmd;
	uint8_t cr_dir;        /* SPA_IN, SPA_OUT, SPA_INOUT, SPA_NONE */
	uint8_t cr_nkind;      /* SPN_* */
	uint8_t cr_ndir;       /* the nested memory's SPA_IN/OUT/INOUT */
	uint8_t cr_spare;
	uint32_t cr_size;
	uint16_t cr_noff;      /* offset of the nested pointer */
	uint16_t cr_nlenoff;   /* SPN_LEN: offset of the int32 count */
	uint32_t cr_nsize;
};

/* The generated tables (syscalls_sp.c, rumpclient_syscalls.c). */
extern const unsigned sp_nsysdescs;
extern const struct sp_sysdesc sp_sysdescs[];
extern const size_t sp_nioctlrules, sp_nfcntlrules;
extern const struct sp_cmdrule sp_ioctlrules[], sp_fcntlrules[];

/* Linux _IOC encoding. */
#define SP_IOC_DIR(c)  (((c) >> 30) & 3u)      /* 1 write (IN), 2 read (OUT) */
#define SP_IOC_SIZE(c) (((c) >> 16) & 0x3fffu)

static inline uint64_t
sp_pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

/* The value of register argument i as the handler sees it. */
static inline int64_t
sp_argval(const struct sp_argdesc *ad, uint64_t reg)
{
	if (ad->sa_width == 4)
		return (ad->sa_flags & SPF_SIGNED) ? (int64_t)(int32_t)reg :
		    (int64_t)(uint32_t)reg;
	return (int64_t)reg;
}

static inline const struct sp_cmdrule *
sp_cmdrule_find(const struct sp_cmdrule *rules, size_t n, uint32_t cmd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rules[i].cr_cmd == cmd)
			return &rules[i];
	return NULL;
}

/*
 * Direction and size of pointer argument i of call sd with registers
 * regs: *dirp is SPA_IN/OUT/INOUT (memory to move), SPA_ADDR (pass the
 * value through), or SPA_NONE.  For SPK_STR the size is not known here
 * (*sizep = 0).  For SPK_IOV *sizep is the size of the iovec array.
 * Returns 0, or an errno for a size the protocol cannot carry: EINVAL
 * (negative, or more than SP_MAXDATA, or too many iovecs) or EFAULT (an
 * ioctl with an unknown argument that is not a small number).
 */
static inline int
sp_arglayout(const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs,
    const struct sp_cmdrule *ioctls, size_t nioctls,
    const struct sp_cmdrule *fcntls, size_t nfcntls,
    int *dirp, uint64_t *sizep)
{
	const struct sp_argdesc *ad = &sd->sd_args[i];
	const struct sp_cmdrule *r;
	int64_t cnt;
	uint32_t cmd;

	*dirp = ad->sa_dir;
	*sizep = 0;
	switch (ad->sa_kind) {
	case SPK_SCALAR:
		if (ad->sa_dir != SPA_ADDR)
			*dirp = SPA_SCALAR;
		return 0;
	case SPK_FIXED:
		*sizep = ad->sa_size;
		return 0;
	case SPK_STR:
	case SPK_LENPTR:       /* the size travels in the request */
		return 0;
	case SPK_MSGHDR:
		*sizep = ad->sa_size;
		return 0;
	case SPK_ARG:
	case SPK_IOV:
		cnt = sp_argval(&sd->sd_args[ad->sa_sizearg],
		    regs[ad->sa_sizearg]);
		if (cnt < 0)
			return SP_EINVAL;
		if (ad->sa_kind == SPK_IOV && cnt > SP_MAXIOV)
			return SP_EINVAL;
		if ((uint64_t)cnt > SP_MAXDATA / (ad->sa_size ? ad->sa_size : 1))
			return SP_EINVAL;
		*sizep = (uint64_t)cnt * ad->sa_size;
		return 0;
	case SPK_IOCTL:
	case SPK_FCNTL:
		cmd = (uint32_t)regs[ad->sa_sizearg];
		if (ad->sa_kind == SPK_IOCTL && SP_IOC_DIR(cmd) != 0) {
			*dirp = SP_IOC_DIR(cmd) == 1 ? SPA_IN :
			    SP_IOC_DIR(cmd) == 2 ? SPA_OUT : SPA_INOUT;
			*sizep = SP_IOC_SIZE(cmd);
			return 0;
		}
		r = ad->sa_kind == SPK_IOCTL ?
		    sp_cmdrule_find(ioctls, nioctls, cmd) :
		    sp_cmdrule_find(fcntls, nfcntls, cmd);
		if (r != NULL && r->cr_dir != SPA_NONE) {
			*dirp = r->cr_dir;
			*sizep = r->cr_size;
			return 0;
		}
		*dirp = SPA_ADDR;
		/*
		 * An ioctl nobody described: its argument goes through as a
		 * number, but only a small one, which the kernel's copyin
		 * refuses, so it can never address the server's memory.
		 */
		if (ad->sa_kind == SPK_IOCTL && r == NULL &&
		    regs[i] >= 4096)
			return SP_EFAULT;
		return 0;
	}
	return SP_EINVAL;
}

/*
 * The ioctl rule of a call's SPK_IOCTL argument i when it has a nested
 * pointer (and its structure is being passed), else NULL.
 */
static inline const struct sp_cmdrule *
sp_ioctl_nested(const struct sp_sysdesc *sd, unsigned i, const uint64_t *regs,
    const struct sp_cmdrule *ioctls, size_t nioctls)
{
	const struct sp_argdesc *ad = &sd->sd_args[i];
	const struct sp_cmdrule *r;
	uint32_t cmd;

	if (ad->sa_kind != SPK_IOCTL)
		return NULL;
	cmd = (uint32_t)regs[ad->sa_sizearg];
	if (SP_IOC_DIR(cmd) != 0)
		return NULL;
	r = sp_cmdrule_find(ioctls, nioctls, cmd);
	return r != NULL && r->cr_nkind != SPN_NONE ? r : NULL;
}

/*
 * The bytes of an SPN_LEN nested buffer: the count in the structure st
 * (cr_size bytes), negative counting as 0, at most cr_nsize.
 */
static inline uint64_t
sp_nested_len(const struct sp_cmdrule *r, const void *st)
{
	int32_t n;

	__builtin_memcpy(&n, (const uint8_t *)st + r->cr_nlenoff, 4);
	if (n < 0)
		return 0;
	return (uint64_t)n < r->cr_nsize ? (uint64_t)n : r->cr_nsize;
}

/*
 * SPK_MSGHDR: the sizes recvmsg's buffers travel with, from the fields of
 * the caller's struct msghdr: the name (at most SP_MAXNAME) and control
 * (at most SP_MAXCONTROL) bytes, 0 for a NULL pointer.
 */
static inline uint64_t
sp_msg_namesz(uint64_t name, uint32_t namelen)
{
	if (name == 0 || (int32_t)namelen < 0)
		return 0;
	return namelen < SP_MAXNAME ? namelen : SP_MAXNAME;
}

static inline uint64_t
sp_msg_ctlsz(uint64_t control, uint64_t controllen)
{
	if (control == 0)
		return 0;
	return controllen < SP_MAXCONTROL ? controllen : SP_MAXCONTROL;
}

/* struct msghdr as it travels (Linux x86_64, 56 bytes). */
struct sp_msghdr {
	uint64_t m_name;
	uint32_t m_namelen;
	uint32_t m_pad0;
	uint64_t m_iov;
	uint64_t m_iovlen;
	uint64_t m_control;
	uint64_t m_controllen;
	int32_t m_flags;
	uint32_t m_pad1;
};
_Static_assert(sizeof(struct sp_msghdr) == 56, "struct msghdr layout");

#endif /* _SYS_KERN_KERN_SP_PROTO_H_ */
