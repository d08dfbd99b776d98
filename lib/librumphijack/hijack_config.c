/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hijack_config.c: RUMPHIJACK, path routing and the start-up of the
 * hijack.
 *
 * The constructor runs before the program's main(): it parses RUMPHIJACK
 * (a bad one prints why and exits, so nothing is ever routed by a
 * configuration the user did not mean), keeps host descriptors below
 * fdoff, connects to RUMP_SERVER (or takes over the kernel process of the
 * program that exec'd us), and loads the descriptor and directory state
 * the exec'ing program passed on (hijack_fd.c).
 *
 *	RUMPHIJACK=path=/rump,socket=all:nolocal,fdoff=128    (the default)
 *
 * path=PREFIX     paths under PREFIX go to the kernel, PREFIX stripped;
 *                 "path=" routes no path by prefix
 * blanket=P1:P2   paths under P1, P2, ... go to the kernel unchanged
 * socket=F1:F2    socket families for the kernel: all, inet, inet6, unix
 *                 (alias local), noinet, noinet6, nounix/nolocal, none
 * fdoff=N         kernel descriptors appear at N and up (16..65536)
 * vfs=yes|no      route paths and file calls at all (no: sockets only)
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rump/rumpclient.h>

#include "hijack_impl.h"

#define HJ_DEFAULT "path=/rump,socket=all:nolocal"

struct hj_config hj_cfg = {
	.hc_prefix = "/rump",
	.hc_prefixlen = 5,
	.hc_sockets = HJ_SOCK_INET | HJ_SOCK_INET6 | HJ_SOCK_OTHER,
	.hc_fdoff = 128,
	.hc_vfs = true,
};
bool hj_inited;
__thread int hj_inrump __attribute__((tls_model("initial-exec")));

void *
hj_dlnext(const char *name)
{
	void *p;

	p = dlsym(RTLD_NEXT, name);
	if (p == NULL) {
		/* Nothing sensible can happen without libc's definition. */
		fprintf(stderr, "librumphijack: libc has no %s\n", name);
		abort();
	}
	return p;
}

/* Copy a path, dropping repeated and trailing slashes.  0 or EINVAL. */
static int
hj_normpath(const char *in, char *out, size_t outlen)
{
	size_t k = 0;

	if (in[0] != '/')
		return EINVAL;
	for (; *in != '\0'; in++) {
		if (*in == '/' && k > 0 && out[k - 1] == '/')
			continue;
		if (k + 1 >= outlen)
			return EINVAL;
		out[k++] = *in;
	}
	while (k > 1 && out[k - 1] == '/')
		k--;
	out[k] = '\0';
	return 0;
}

static int
hj_sockets_parse(const char *v, int *out, char *err, size_t errlen)
{
	char buf[256], *tok, *save;
	int set = 0;

	if (strlen(v) >= sizeof(buf) || v[0] == '\0') {
		snprintf(err, errlen, "socket=%s: expected a list of families",
		    v);
		return EINVAL;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ":", &save); tok != NULL;
	    tok = strtok_r(NULL, ":", &save)) {
		bool no = strncmp(tok, "no", 2) == 0 && strcmp(tok, "none") != 0;
		const char *f = no ? tok + 2 : tok;
		int bits;

		if (strcmp(tok, "none") == 0) {
			set = 0;
			continue;
		}
		if (strcmp(f, "all") == 0)
			bits = HJ_SOCK_UNIX | HJ_SOCK_INET | HJ_SOCK_INET6 |
			    HJ_SOCK_OTHER;
		else if (strcmp(f, "inet") == 0)
			bits = HJ_SOCK_INET;
		else if (strcmp(f, "inet6") == 0)
			bits = HJ_SOCK_INET6;
		else if (strcmp(f, "unix") == 0 || strcmp(f, "local") == 0)
			bits = HJ_SOCK_UNIX;
		else {
			snprintf(err, errlen, "socket=%s: unknown family \"%s\" "
			    "(all, inet, inet6, unix, local, none, and no"
			    "FAMILY to exclude one)", v, tok);
			return EINVAL;
		}
		if (no)
			set &= ~bits;
		else
			set |= bits;
	}
	*out = set;
	return 0;
}

/*
 * Parse a RUMPHIJACK value into *hc (which holds the defaults).  Returns
 * 0, or EINVAL with a message for the user in err.
 */
int
hj_config_parse(const char *spec, struct hj_config *hc, char *err,
    size_t errlen)
{
	char *buf, *tok, *save, *val, *end, *p, *psave;
	int error = 0;
	long n;

	buf = strdup(spec);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	for (tok = strtok_r(buf, ",", &save); tok != NULL && error == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (val == NULL) {
			snprintf(err, errlen, "\"%s\": expected key=value", tok);
			error = EINVAL;
			break;
		}
		*val++ = '\0';
		if (strcmp(tok, "path") == 0) {
			if (val[0] == '\0') {
				hc->hc_prefix[0] = '\0';
				hc->hc_prefixlen = 0;
				continue;
			}
			if (hj_normpath(val, hc->hc_prefix,
			    sizeof(hc->hc_prefix)) != 0 ||
			    strcmp(hc->hc_prefix, "/") == 0) {
				snprintf(err, errlen, "path=%s: expected an "
				    "absolute path other than /", val);
				error = EINVAL;
				break;
			}
			hc->hc_prefixlen = strlen(hc->hc_prefix);
		} else if (strcmp(tok, "blanket") == 0) {
			for (p = strtok_r(val, ":", &psave); p != NULL;
			    p = strtok_r(NULL, ":", &psave)) {
				char nb[256];

				if (hc->hc_nblanket == HJ_MAXBLANKET ||
				    hj_normpath(p, nb, sizeof(nb)) != 0 ||
				    strcmp(nb, "/") == 0) {
					snprintf(err, errlen, "blanket=: \"%s\" "
					    "is not an absolute path other than "
					    "/ (or more than %d paths)", p,
					    HJ_MAXBLANKET);
					error = EINVAL;
					break;
				}
				hc->hc_blanket[hc->hc_nblanket++] = strdup(nb);
			}
		} else if (strcmp(tok, "socket") == 0) {
			error = hj_sockets_parse(val, &hc->hc_sockets, err,
			    errlen);
		} else if (strcmp(tok, "fdoff") == 0) {
			errno = 0;
			n = strtol(val, &end, 10);
			if (errno != 0 || *end != '\0' || val[0] == '\0' ||
			    n < 16 || n > 65536) {
				snprintf(err, errlen, "fdoff=%s: expected a "
				    "number from 16 to 65536", val);
				error = EINVAL;
				break;
			}
			hc->hc_fdoff = (int)n;
		} else if (strcmp(tok, "vfs") == 0) {
			if (strcmp(val, "yes") == 0 || strcmp(val, "all") == 0)
				hc->hc_vfs = true;
			else if (strcmp(val, "no") == 0 ||
			    strcmp(val, "none") == 0)
				hc->hc_vfs = false;
			else {
				snprintf(err, errlen, "vfs=%s: expected yes or "
				    "no", val);
				error = EINVAL;
			}
		} else {
			snprintf(err, errlen, "unknown key \"%s\" (path, "
			    "blanket, socket, fdoff, vfs)", tok);
			error = EINVAL;
		}
	}
	free(buf);
	return error;
}

bool
hj_sockfamily(int domain)
{
	int bit;

	switch (domain) {
	case AF_UNIX:
		bit = HJ_SOCK_UNIX;
		break;
	case AF_INET:
		bit = HJ_SOCK_INET;
		break;
	case AF_INET6:
		bit = HJ_SOCK_INET6;
		break;
	default:
		bit = HJ_SOCK_OTHER;
		break;
	}
	return (hj_cfg.hc_sockets & bit) != 0;
}

/* path starts with the normalized directory d (as a whole component)? */
static const char *
hj_under(const char *path, const char *d, size_t dlen)
{
	const char *p = path, *q = d;

	/* Compare with runs of slashes in path counting as one. */
	while (*q != '\0') {
		if (*q == '/') {
			if (*p != '/')
				return NULL;
			while (*p == '/')
				p++;
			q++;
			continue;
		}
		if (*p != *q)
			return NULL;
		p++;
		q++;
	}
	(void)dlen;
	if (*p != '\0' && *p != '/')
		return NULL;
	return p;
}

int
hj_path(const char *path, const char **kpath)
{
	const char *rest;
	int i;

	if (!hj_inited || hj_inrump || !hj_cfg.hc_vfs || path == NULL)
		return HJ_HOST;
	if (path[0] != '/') {
		if (!hj_cwdrump)
			return HJ_HOST;
		*kpath = path;
		return HJ_RUMP;
	}
	if (hj_cfg.hc_prefixlen > 0 &&
	    (rest = hj_under(path, hj_cfg.hc_prefix,
	    hj_cfg.hc_prefixlen)) != NULL) {
		*kpath = *rest == '\0' ? "/" : rest;
		return HJ_RUMP;
	}
	for (i = 0; i < hj_cfg.hc_nblanket; i++)
		if (hj_under(path, hj_cfg.hc_blanket[i],
		    strlen(hj_cfg.hc_blanket[i])) != NULL) {
			*kpath = path;
			return HJ_RUMP;
		}
	return HJ_HOST;
}

int
hj_pathat(int dirfd, const char *path, int *kdfd, const char **kpath)
{
	int k;

	if (!hj_inited || hj_inrump)
		return HJ_HOST;
	if (path != NULL && path[0] == '/') {
		*kdfd = AT_FDCWD;
		return hj_path(path, kpath);
	}
	if (dirfd == AT_FDCWD) {
		*kdfd = AT_FDCWD;
		if (path == NULL)
			return hj_cwdrump ? HJ_RUMP : HJ_HOST;
		return hj_path(path, kpath);
	}
	if (hj_fd(dirfd, &k) == HJ_RUMP) {
		*kdfd = k;
		*kpath = path;
		return HJ_RUMP;
	}
	return HJ_HOST;
}

int
hj_set_errno(int error)
{

	errno = error;
	return -1;
}

__attribute__((constructor))
static void
hj_init(void)
{
	const char *spec = getenv("RUMPHIJACK");
	char err[512];

	if (spec == NULL)
		spec = HJ_DEFAULT;
	if (hj_config_parse(spec, &hj_cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "librumphijack: RUMPHIJACK=\"%s\": %s\n", spec,
		    err);
		_exit(1);
	}
	hj_fd_init();
	if (RUMPCALL(rumpclient_init()) != 0) {
		fprintf(stderr, "librumphijack: no rump kernel to work with "
		    "(RUMP_SERVER=%s)\n", getenv("RUMP_SERVER") ?
		    getenv("RUMP_SERVER") : "(unset)");
		_exit(1);
	}
	hj_inited = true;
	hj_state_load();
	hj_stdio_init();
}
