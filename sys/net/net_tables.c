/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * net_tables.c: the protocol-independent half of the table ioctls
 * (net_tables.h).  The tables themselves (routes, ARP entries, sockets)
 * know only how to count and copy their entries under their own lock;
 * this file handles the caller's struct rump_nettab:
 *
 *	copyin, check version and length
 *	count the entries (the fill function with no buffer)
 *	nt_buf NULL: report the size only
 *	too small: ENOMEM with nt_total, nothing stored
 *	allocate a kernel buffer with some slack, fill it under the lock;
 *	    if the table outgrew the buffer meanwhile, try again (a few times)
 *	copyout the records, then the structure
 *
 * Copying out never happens under a table lock (copyout may fault and
 * sleep).  Callers: the table ioctls in route.c, if_arp.c and
 * in_socktab.c, reached from ifioctl (if.c).
 */
#include "kern/kern.h"
#include "kern/kmem.h"
#include "kern/syscall.h"
#include "net/net_tables.h"

#define NETTAB_TRIES 4                     /* snapshots before EAGAIN */

static int
nettab_putstruct(void *data, const struct rump_nettab *nt)
{
	return copyout(nt, data, sizeof(*nt));
}

int
nettab_ioctl(void *data, size_t recsize, nettab_fill_t fill, void *arg)
{
	struct rump_nettab nt;
	uint64_t total;
	unsigned n, cap = 0;
	void *buf = NULL;
	size_t bufsize = 0;
	int error, tries;

	KASSERT(recsize > 0 && recsize <= 1024);
	error = copyin(data, &nt, sizeof(nt));
	if (error != 0)
		return error;
	if (nt.nt_version != RUMP_NETTAB_VERSION || nt.nt_len < 0)
		return EINVAL;
	nt.nt_recsize = (uint32_t)recsize;
	nt.nt_count = 0;
	nt.nt_spare = 0;

	n = fill(NULL, 0, arg);
	for (tries = 0;; tries++) {
		total = (uint64_t)n * recsize;
		if (total > INT32_MAX) {
			error = ENOMEM;
			goto out_free;
		}
		nt.nt_total = (uint32_t)total;
		if (nt.nt_buf == NULL) {
			/* Only the size was asked for. */
			nt.nt_len = 0;
			error = nettab_putstruct(data, &nt);
			goto out_free;
		}
		if (total > (uint64_t)nt.nt_len) {
			/* Tell a local caller what it needs; the error
			 * stands whatever the copyout says. */
			(void)nettab_putstruct(data, &nt);
			error = ENOMEM;
			goto out_free;
		}
		if (n <= cap)
			break;
		if (tries == NETTAB_TRIES) {
			error = EAGAIN;
			goto out_free;
		}
		if (buf != NULL)
			kmem_free(buf, bufsize);
		/* Slack for entries that come while the lock is dropped,
		 * but never more than the caller can take. */
		cap = n + n / 8 + 4;
		if ((uint64_t)cap * recsize > (uint64_t)nt.nt_len)
			cap = (unsigned)((uint64_t)nt.nt_len / recsize);
		bufsize = (size_t)cap * recsize;
		buf = kmem_zalloc(bufsize, KM_SLEEP);
		n = fill(buf, cap, arg);
	}
	if (n > 0) {
		error = copyout(buf, nt.nt_buf, (size_t)n * recsize);
		if (error != 0)
			goto out_free;
	}
	nt.nt_len = (int32_t)total;
	nt.nt_count = n;
	error = nettab_putstruct(data, &nt);
out_free:
	if (buf != NULL)
		kmem_free(buf, bufsize);
	return error;
}
