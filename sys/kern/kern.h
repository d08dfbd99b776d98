/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern.h: the base header of every kernel source file.
 *
 * Kernel code is freestanding (see DESIGN.md): it sees the compiler's own
 * headers, the public ABI in rump/rumpdefs.h (through the generated
 * rump_kerndefs.h, which gives the unprefixed names ENOENT, O_CREAT, ...),
 * the hypercalls in rump/rumpuser.h and the kernel's own headers.  This one
 * brings the basic types, assertions, libkern (string, memory, formatting)
 * and the console.
 */
#ifndef _SYS_KERN_KERN_H_
#define _SYS_KERN_KERN_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rump/rumpuser.h>
#include "rump_kerndefs.h"

/* Basic types, Linux x86_64 sizes. */
typedef int64_t  ssize_t;
typedef int64_t  off_t;
typedef int32_t  pid_t;
typedef int32_t  lwpid_t;
typedef uint32_t uid_t;
typedef uint32_t gid_t;
typedef uint32_t mode_t;
typedef uint64_t dev_t;
typedef uint64_t ino_t;
typedef uint64_t nlink_t;
typedef int64_t  time_t;
typedef int64_t  register_t;
typedef uint64_t vsize_t;
typedef uint64_t rlim_t;

#define CHAR_BIT   __CHAR_BIT__
#define INT_MAX    __INT_MAX__
#define INT_MIN    (-__INT_MAX__ - 1)
#define UINT_MAX   (__INT_MAX__ * 2U + 1U)
#define LONG_MAX   __LONG_MAX__
#define LONG_MIN   (-__LONG_MAX__ - 1L)
#define ULONG_MAX  (__LONG_MAX__ * 2UL + 1UL)
#define SIZE_T_MAX __SIZE_MAX__
#define SSIZE_MAX  __LONG_MAX__
#define OFF_MAX    __INT64_MAX__

#define NODEV ((dev_t)-1)

/* Compiler helpers. */
#define __predict_true(x)  __builtin_expect(!!(x), 1)
#define __predict_false(x) __builtin_expect(!!(x), 0)
#define __unused           __attribute__((__unused__))
#define __noreturn         __attribute__((__noreturn__))
#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))
#define __aligned(x)       __attribute__((__aligned__(x)))
#define __cacheline_aligned __aligned(64)
#define COHERENCY_UNIT     64

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#define roundup(x, y) ((((x) + ((y) - 1)) / (y)) * (y))
#define rounddown(x, y) (((x) / (y)) * (y))
#define howmany(x, y) (((x) + ((y) - 1)) / (y))
#define powerof2(x) ((((x) - 1) & (x)) == 0)
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define __arraycount(a) nitems(a)

#define PAGE_SIZE  4096
#define PAGE_SHIFT 12
#define PAGE_MASK  (PAGE_SIZE - 1)

/* Atomics: C11 builtins with explicit ordering. */
#define atomic_load_relaxed(p)     __atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_load_acquire(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_inc(p)      ((void)__atomic_add_fetch((p), 1, __ATOMIC_RELAXED))
#define atomic_dec(p)      ((void)__atomic_sub_fetch((p), 1, __ATOMIC_RELAXED))
#define atomic_inc_nv(p)   __atomic_add_fetch((p), 1, __ATOMIC_ACQ_REL)
#define atomic_dec_nv(p)   __atomic_sub_fetch((p), 1, __ATOMIC_ACQ_REL)
#define atomic_add_nv(p, v) __atomic_add_fetch((p), (v), __ATOMIC_ACQ_REL)
#define atomic_swap(p, v)  __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
#define atomic_cas(p, expp, v) \
	__atomic_compare_exchange_n((p), (expp), (v), false, \
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define membar_sync()      __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Assertions: our own invariants only, never hostile input. */
void panic(const char *fmt, ...) __printflike(1, 2) __noreturn;
#ifdef DIAGNOSTIC
#define KASSERT(e) \
	(__predict_true(e) ? (void)0 : \
	    panic("kernel assertion \"%s\" failed: file \"%s\", line %d", \
	    #e, __FILE__, __LINE__))
#define KASSERTMSG(e, fmt, ...) \
	(__predict_true(e) ? (void)0 : \
	    panic("kernel assertion \"%s\" failed: file \"%s\", line %d: " fmt, \
	    #e, __FILE__, __LINE__, ##__VA_ARGS__))
#define KDASSERT(e) KASSERT(e)
#else
/* Not evaluated, but its variables count as used (no set-but-unused
 * warnings in release builds). */
#define KASSERT(e) ((void)sizeof((e) ? 1 : 0))
#define KASSERTMSG(e, fmt, ...) ((void)sizeof((e) ? 1 : 0))
#define KDASSERT(e) ((void)sizeof((e) ? 1 : 0))
#endif
#define CTASSERT(e) _Static_assert(e, #e)

/* Console (kern_printf.c).  printf goes to the console; aprint_verbose only
 * when RUMP_VERBOSE is set. */
int printf(const char *fmt, ...) __printflike(1, 2);
int vprintf(const char *fmt, va_list ap);
void aprint_verbose(const char *fmt, ...) __printflike(1, 2);
int snprintf(char *buf, size_t len, const char *fmt, ...) __printflike(3, 4);
int vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
extern int boothowto_verbose;

/* libkern (libkern.c).  The compiler may inline the memory routines. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);
char *strsep(char **stringp, const char *delim);
/* Parse an unsigned decimal (or 0x hex) number; 0 or EINVAL / ERANGE. */
int kstrtou64(const char *s, uint64_t *valp);
uint32_t hash32_buf(const void *buf, size_t len, uint32_t hash);
uint32_t hash32_str(const char *s, uint32_t hash);
#define HASH32_INIT 0x811c9dc5U
#define memcpy(d, s, n)  __builtin_memcpy((d), (s), (n))
#define memset(d, c, n)  __builtin_memset((d), (c), (n))
#define memcmp(a, b, n)  __builtin_memcmp((a), (b), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define strlen(s)        __builtin_strlen((s))

/* Random numbers (kern_rndq.c). */
void cprng_fast(void *buf, size_t len);
uint32_t cprng_fast32(void);

/* Forward declarations used everywhere. */
struct lwp;
struct proc;
struct kauth_cred;
typedef struct kauth_cred *kauth_cred_t;

#endif /* _SYS_KERN_KERN_H_ */
