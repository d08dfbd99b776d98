/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser_sp_url.c: remote-syscall URLs to socket addresses.
 *
 * Used by rumpuser_sp.c (the server listens on the address) and compiled
 * into librumpclient (the client connects to it), so both read a URL the
 * same way.  No name service: addresses are numeric, ports decimal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rumpuser.h>

#include "rumpuser_sp_url.h"

static int
ru_sp_parse_unix(const char *path, struct ru_sp_addr *ap)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&ap->a_sa;
	size_t len = strlen(path);

	if (len == 0)
		return EINVAL;
	if (len >= sizeof(sun->sun_path))
		return ENAMETOOLONG;
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	memcpy(ap->a_path, path, len + 1);
	ap->a_salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + 1);
	ap->a_transport = RUMPUSER_SP_UNIX;
	return 0;
}

static int
ru_sp_parse_tcp(const char *hostport, struct ru_sp_addr *ap)
{
	char buf[128], *host, *port, *end;
	struct addrinfo hints, *res;
	unsigned long pnum;
	size_t len = strlen(hostport);

	if (len == 0 || len >= sizeof(buf))
		return EINVAL;
	memcpy(buf, hostport, len + 1);
	if (buf[len - 1] == '/')
		buf[--len] = '\0';
	if (buf[0] == '[') {
		host = buf + 1;
		end = strchr(host, ']');
		if (end == NULL || end[1] != ':')
			return EINVAL;
		*end = '\0';
		port = end + 2;
	} else {
		host = buf;
		port = strrchr(buf, ':');
		if (port == NULL)
			return EINVAL;
		*port++ = '\0';
		if (strchr(host, ':') != NULL)
			return EINVAL;       /* IPv6 needs brackets */
		if (strcmp(host, "0") == 0)
			host = "0.0.0.0";
	}
	if (*host == '\0' || *port == '\0' || strspn(port, "0123456789") !=
	    strlen(port))
		return EINVAL;
	pnum = strtoul(port, NULL, 10);
	if (pnum > 65535 || strlen(port) > 5)
		return EINVAL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
		return EINVAL;
	if (res->ai_addrlen > sizeof(ap->a_sa)) {
		freeaddrinfo(res);
		return EINVAL;
	}
	memcpy(&ap->a_sa, res->ai_addr, res->ai_addrlen);
	ap->a_salen = res->ai_addrlen;
	ap->a_transport = RUMPUSER_SP_TCP;
	ap->a_path[0] = '\0';
	freeaddrinfo(res);
	return 0;
}

int
ru_sp_parseurl(const char *url, struct ru_sp_addr *ap)
{

	memset(ap, 0, sizeof(*ap));
	if (url == NULL)
		return EINVAL;
	if (strncmp(url, "unix://", 7) == 0)
		return ru_sp_parse_unix(url + 7, ap);
	if (strncmp(url, "tcp://", 6) == 0)
		return ru_sp_parse_tcp(url + 6, ap);
	return EINVAL;
}
