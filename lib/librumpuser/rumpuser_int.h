/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_int.h: private declarations shared by the sources of
 * librumpuser, the POSIX implementation of the hypervisor interface in
 * include/rump/rumpuser.h.
 *
 * Nothing here is visible outside the library: the library is built with
 * hidden symbol visibility and rumpuser.map exports only rumpuser_*.  Private
 * names therefore use the prefix ru_ (never rumpuser_).
 *
 * Locking: [I] immutable after rumpuser_init(), [a] atomic.
 */
#ifndef _LIBRUMPUSER_RUMPUSER_INT_H_
#define _LIBRUMPUSER_RUMPUSER_INT_H_

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The library is compiled with hidden visibility; the interface it
 * implements is exported (and rumpuser.map keeps everything else local).
 */
#pragma GCC visibility push(default)
#include <rump/rumpuser.h>
#pragma GCC visibility pop

/*
 * A component descriptor as the kernel lays it out in the "rump_components"
 * section.  This must match struct rump_component in sys/kern/component.h:
 * the hypervisor never looks inside an entry, it needs the layout only to
 * step from one entry to the next.  32 bytes, 8-byte aligned on LP64 hosts.
 */
struct rump_component {
	int rc_level;
	int (*rc_init)(void);
	const char *rc_name;
	const void *rc_spare;
};
_Static_assert(sizeof(struct rump_component) == 4 * sizeof(void *),
    "struct rump_component layout");

#define RU_COMPONENT_SECTION "rump_components"

/*
 * The upcalls handed to rumpuser_init() [I].  Before the first
 * rumpuser_init() every pointer is NULL and the wrappers below do nothing,
 * so host-side helpers and tests may use locks without a kernel.
 */
extern struct rumpuser_hyperup ru_hyp;

/*
 * Release the calling thread's virtual CPU before a blocking host call.
 * interlock is a rumpuser_mtx the caller holds across the call, or NULL.
 * Returns the kernel's lock count, to be handed to ru_schedule().
 */
static inline int
ru_unschedule(void *interlock)
{
	int nlocks = 0;

	if (ru_hyp.hyp_backend_unschedule != NULL)
		ru_hyp.hyp_backend_unschedule(0, &nlocks, interlock);
	return nlocks;
}

/* Take a virtual CPU again after a blocking host call. */
static inline void
ru_schedule(int nlocks)
{
	if (ru_hyp.hyp_backend_schedule != NULL)
		ru_hyp.hyp_backend_schedule(nlocks, NULL);
}

/*
 * Fault injection (RUMP_FAULT_MALLOC, RUMP_FAULT_BIO): fail the Nth call
 * counted from rumpuser_init() and, if every is not zero, every every'th
 * call after it.  nth == 0 means injection is off.  The "N/M[+S]" form
 * (f_window != 0) instead fails f_nth calls of every f_window, the first
 * ones of each window, after skipping f_skip calls.
 */
struct ru_fault {
	uint64_t f_nth;            /* [I] first call to fail, 0: off */
	uint64_t f_every;          /* [I] period after the first, 0: none */
	uint64_t f_window;         /* [I] "N/M": M, else 0 */
	uint64_t f_skip;           /* [I] "N/M+S": S */
	atomic_uint_fast64_t f_calls; /* [a] calls counted so far */
};

extern struct ru_fault ru_fault_malloc;
extern struct ru_fault ru_fault_bio;

/* Parse the variable name into f; 0 or EINVAL (message printed). */
int ru_fault_init(struct ru_fault *f, const char *name);
/* Count one call; true if this call must fail. */
int ru_fault_hit(struct ru_fault *f);

/* Console: write out a partial line kept by rumpuser_putchar(). */
void ru_cons_flush(void);

/*
 * The lwp bound to the calling host thread (rumpuser_thread.c).  Read it
 * directly inside the library; rumpuser_curlwp() is the exported reader.
 */
extern __thread struct lwp *ru_curlwp_tls
    __attribute__((tls_model("initial-exec")));

/* Print a message and abort: the host cannot give what a void call needs. */
void ru_fatal(const char *what, int error) __attribute__((noreturn));

/* Threads: create the lwp-exit key (idempotent); 0 or an errno. */
int ru_lwp_init(void);

/*
 * Start a detached host thread with every signal blocked, for the
 * library's own helpers (block I/O).  0 or an errno.
 */
int ru_thread_start_helper(void *(*fn)(void *), void *arg, const char *name);

#endif /* _LIBRUMPUSER_RUMPUSER_INT_H_ */
