/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nettab_client.h: what rump.netstat, rump.route and rump.arp share to
 * read the kernel's tables over remote system calls (RUMP_SIOCGRTABLE,
 * RUMP_SIOCGARPTABLE, RUMP_SIOCGSOCKTABLE, struct rump_nettab; see
 * docs/net.md "Table ioctls"), and the routing table's printout, which
 * rump.netstat -r and rump.route show have in common.
 */
#ifndef _BIN_NETTAB_CLIENT_H_
#define _BIN_NETTAB_CLIENT_H_

#include <stddef.h>

#include <rump/rumpdefs.h>

/*
 * Read the whole table cmd through socket s: *bufp (malloc'ed, free it)
 * holds *countp records of recsize bytes each, the size this program
 * knows (a newer kernel's longer records are cut to it).  0 or an errno:
 * ENOMEM if the table does not fit in RUMP_NETTAB_MAXLEN or kept growing,
 * EPROTO if the kernel's records are shorter than ours.
 */
int nettab_fetch(int s, unsigned long cmd, size_t recsize, void **bufp,
    unsigned *countp);

/* Print the routing table (header and one line per route). */
void nettab_print_routes(const struct rump_rtrec *rr, unsigned n);

#endif /* _BIN_NETTAB_CLIENT_H_ */
