/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_mbuf.c: packet buffer unit tests (h_mbuf.c runs them in the kernel):
 * chains, pullup, prepend, shared clusters, adj/split/cat, copyback and
 * caller-owned external storage; every case ends with the mbuf counters
 * and kmem back where they started.
 */
#include <criterion/criterion.h>
#include <rump/rump.h>

int rump_test_mbuf(int which);

static uint64_t start;

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	/* The first entry binds this thread to an lwp: not ours to count. */
	rump_schedule();
	rump_unschedule();
	start = rump_kmem_inuse();
}

TestSuite(mbuf, .init = boot);

static void
run(int which)
{
	int line;

	rump_schedule();
	line = rump_test_mbuf(which);
	rump_unschedule();
	cr_assert_eq(line, 0, "check at h_mbuf.c line %d failed", line);
	cr_assert_eq(rump_kmem_inuse(), start);
}

Test(mbuf, chain_copydata_pullup) { run(0); }
Test(mbuf, prepend) { run(1); }
Test(mbuf, shared_clusters) { run(2); }
Test(mbuf, adj_split_cat) { run(3); }
Test(mbuf, copyback_extadd) { run(4); }
