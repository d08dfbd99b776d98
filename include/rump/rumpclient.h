/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpclient.h: the client library of remote system calls.
 *
 * A program linked with librumpclient makes the same rump_sys_* calls as
 * a program with a kernel of its own (<rump/rump_syscalls.h>), and they
 * run in the kernel of a rump_server(1) named by the RUMP_SERVER
 * environment variable:
 *
 *	RUMP_SERVER=unix:///tmp/sock ./prog
 *
 *	if (rumpclient_init() == -1) err(1, "rumpclient_init");
 *	fd = rump_sys_open("/file", O_RDWR | O_CREAT, 0644);
 *
 * See rumpclient(3) and docs/protocol.md.
 */
#ifndef _RUMP_RUMPCLIENT_H_
#define _RUMP_RUMPCLIENT_H_

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Connect to the server in RUMP_SERVER (RUMP_SERVER_KEY: the shared
 * secret of a tcp server) and become a process of its kernel, or take
 * over the process kept for us by rumpclient_exec().  Returns 0, or -1
 * with errno set (a message on stderr says why): ENOENT or ECONNREFUSED
 * when no server listens, EPROTONOSUPPORT when it speaks another protocol
 * version, EACCES for a wrong key, EINVAL for a bad URL.
 */
int rumpclient_init(void);

/*
 * Run system call num with register arguments regs[0..nregs) (pointers
 * as addresses in this process), marshalled as rump_sys_* do.  Returns 0
 * with the result in *retval, or an errno value.
 */
int rumpclient_syscall(int num, const uint64_t *regs, int nregs,
    int64_t *retval);

/*
 * How long to keep trying to connect (at init and when a thread opens its
 * connection) while the server does not answer: seconds, 0 (the default)
 * for one attempt, RUMPCLIENT_RETRYCONN_INFTIME for ever.  Returns 0 or
 * -1 with errno EINVAL.
 */
#define RUMPCLIENT_RETRYCONN_INFTIME (-1)
int rumpclient_setconnretry(int timeout);

/*
 * fork(2): rumpclient_fork() forks the host process; the child gets a
 * kernel process of its own with copies of the parent's descriptors.  The
 * step-by-step form, for programs that fork by other means:
 *	pf = rumpclient_prefork();          (parent, before forking)
 *	child:  rumpclient_fork_init(pf);
 *	parent: rumpclient_fork_done(pf);    (or _cancel if the fork failed)
 */
struct rumpclient_fork;
struct rumpclient_fork *rumpclient_prefork(void);
int rumpclient_fork_init(struct rumpclient_fork *pf);
void rumpclient_fork_done(struct rumpclient_fork *pf);
void rumpclient_fork_cancel(struct rumpclient_fork *pf);
pid_t rumpclient_fork(void);

/*
 * execve(2) keeping the kernel process (its pid and descriptors): the new
 * program's rumpclient_init() takes it over.  Returns only on failure,
 * -1 with errno set.
 */
int rumpclient_exec(const char *path, char *const argv[],
    char *const envp[]);

/* The kernel pid of this client's process, or -1 before init. */
pid_t rumpclient_getpid(void);

/*
 * rump_init() of a program built against librumpclient: the same as
 * rumpclient_init(), but returning 0 or an errno value like the local
 * kernel's rump_init(), so one program builds against either library.
 */
int rump_init(void);

#ifdef __cplusplus
}
#endif

#endif /* _RUMP_RUMPCLIENT_H_ */
