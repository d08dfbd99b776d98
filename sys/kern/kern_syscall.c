/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_syscall.c: system call dispatch, handler registration and copyin.
 *
 * The generated rump_sys_* stubs (rump_syscalls.c) call rump_syscall()
 * (kern_sched.c, beside the scheduler's fast path it inlines), which runs
 * the handler registered here in sysent[].
 */
#include "kern/kern.h"
#include "kern/lwp.h"
#include "kern/syscall.h"
#include "kern/kern_impl.h"
#include "sys_syscallargs.h"

int
syscall_establish(const struct syscall_package *pkg)
{
	const struct syscall_package *sp;

	for (sp = pkg; sp->sp_code >= 0; sp++) {
		KASSERT(sp->sp_code < SYS_MAXSYSCALL);
		if (sysent[sp->sp_code].sy_call != NULL &&
		    sysent[sp->sp_code].sy_call != sp->sp_call)
			return EEXIST;
	}
	for (sp = pkg; sp->sp_code >= 0; sp++)
		__atomic_store_n(&sysent[sp->sp_code].sy_call, sp->sp_call,
		    __ATOMIC_RELEASE);
	return 0;
}

void
syscall_disestablish(const struct syscall_package *pkg)
{
	const struct syscall_package *sp;

	for (sp = pkg; sp->sp_code >= 0; sp++)
		__atomic_store_n(&sysent[sp->sp_code].sy_call, NULL,
		    __ATOMIC_RELEASE);
}

/* Is [uaddr, uaddr + len) an address range the kernel may touch? */
static inline bool
uaddr_ok(const void *uaddr, size_t len)
{
	uintptr_t a = (uintptr_t)uaddr;

	if (len == 0)
		return true;
	return a >= PAGE_SIZE && a + len > a;
}

int
copyin(const void *uaddr, void *kaddr, size_t len)
{

	if (__predict_false(!uaddr_ok(uaddr, len)))
		return EFAULT;
	memcpy(kaddr, uaddr, len);
	return 0;
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{

	if (__predict_false(!uaddr_ok(uaddr, len)))
		return EFAULT;
	memcpy(uaddr, kaddr, len);
	return 0;
}

int
copyinstr(const void *uaddr, char *kaddr, size_t len, size_t *done)
{
	const char *s = uaddr;
	size_t i;

	if (__predict_false(!uaddr_ok(uaddr, 1)))
		return EFAULT;
	for (i = 0; i < len; i++) {
		kaddr[i] = s[i];
		if (s[i] == '\0') {
			if (done != NULL)
				*done = i + 1;
			return 0;
		}
	}
	if (done != NULL)
		*done = len;
	return ENAMETOOLONG;
}

int
copyoutstr(const char *kaddr, void *uaddr, size_t len, size_t *done)
{
	char *d = uaddr;
	size_t i;

	if (__predict_false(!uaddr_ok(uaddr, 1)))
		return EFAULT;
	for (i = 0; i < len; i++) {
		d[i] = kaddr[i];
		if (kaddr[i] == '\0') {
			if (done != NULL)
				*done = i + 1;
			return 0;
		}
	}
	if (done != NULL)
		*done = len;
	return ENAMETOOLONG;
}
