/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_sp_url.h: parsing of remote-syscall server URLs, shared by the
 * server's host side (rumpuser_sp.c) and the client (lib/librumpclient,
 * which compiles rumpuser_sp_url.c into itself).  Host code only.
 */
#ifndef _LIBRUMPUSER_RUMPUSER_SP_URL_H_
#define _LIBRUMPUSER_RUMPUSER_SP_URL_H_

#include <sys/socket.h>
#include <sys/un.h>

struct ru_sp_addr {
	int a_transport;                 /* RUMPUSER_SP_UNIX or _TCP */
	struct sockaddr_storage a_sa;
	socklen_t a_salen;
	char a_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* unix */
};

/*
 * Parse url into *ap: unix://PATH (relative) or unix:///PATH (absolute),
 * tcp://ADDR:PORT or tcp://ADDR:PORT/ with a numeric IPv4 address ("0" for
 * any) or [IPv6].  Returns 0, EINVAL (malformed) or ENAMETOOLONG (a path
 * that does not fit a socket address).
 */
int ru_sp_parseurl(const char *url, struct ru_sp_addr *ap);

#endif /* _LIBRUMPUSER_RUMPUSER_SP_URL_H_ */
