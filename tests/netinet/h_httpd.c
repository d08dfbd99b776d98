/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_httpd.c: a small HTTP/1.1 server inside a rump kernel (rump_sys_*
 * sockets over virtif), for t_tap_tcp.sh to fetch from with curl(1) in
 * the Linux stack.
 *
 *	h_httpd -v TAP,ADDR/LEN [-R readyfile] [-E endfile] [-s BYTES]
 *	        [-n CONNS] PORT
 *
 * One connection at a time, one request per connection (every answer
 * says "Connection: close"), CONNS connections (default 1), then wait
 * for endfile to appear (-E; h_tap.h's h_waitfile) and exit 0.  Resources:
 *	GET|HEAD /data   BYTES (default 8 MiB) of the test stream (h_tap.h;
 *	                 "h_tap gen BYTES" makes the same bytes)
 *	GET|HEAD /       a short text
 * Anything else: 404 for an unknown path, 501 for another method, 505 for
 * an HTTP version other than 1.x, 400 for a malformed request (request
 * line, header line without a colon, HTTP/1.1 without Host, a head of
 * more than 8 KiB, a target not starting with "/").  The syntax is that
 * of RFC 9112 sections 2-3 and 5, kept to what this needs.
 * Every answer carries Content-Length.  Each request is logged to stderr.
 */
#define _GNU_SOURCE
#include "h_tap.h"

#define HTTPD_HEADMAX 8192

static unsigned long long httpd_size = 8ULL << 20;

static void
die(const char *what, int error)
{
	fprintf(stderr, "h_httpd: %s: %s\n", what, strerror(error));
	exit(1);
}

/* Status line and headers, then the short body (NULL: none). */
static int
httpd_reply(int s, int code, const char *reason, unsigned long long len,
    const char *body, bool head)
{
	char hdr[512];
	int n, error;

	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\n"
	    "Server: h_httpd (rump kernel)\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %llu\r\n"
	    "Connection: close\r\n\r\n", code, reason,
	    body == NULL ? "application/octet-stream" : "text/plain",
	    len);
	if ((error = h_writeall(s, hdr, (size_t)n)) != 0)
		return error;
	if (body != NULL && !head)
		return h_writeall(s, body, strlen(body));
	return 0;
}

static int
httpd_error(int s, int code, const char *reason)
{
	char body[128];

	snprintf(body, sizeof(body), "%d %s\n", code, reason);
	fprintf(stderr, "h_httpd: -> %d %s\n", code, reason);
	return httpd_reply(s, code, reason, strlen(body), body, false);
}

static int
httpd_data(int s, bool head)
{
	static unsigned char buf[H_STREAM_CHUNK];
	unsigned long long left = httpd_size;
	struct h_stream st;
	int error;

	if ((error = httpd_reply(s, 200, "OK", httpd_size, NULL, head)) != 0)
		return error;
	if (head)
		return 0;
	h_stream_init(&st);
	while (left > 0) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);

		h_stream_fill(&st, buf, sizeof(buf));
		if ((error = h_writeall(s, buf, n)) != 0)
			return error;
		left -= n;
	}
	return 0;
}

/*
 * Read the request head (up to the empty line) into buf, NUL-terminated:
 * 0, EMSGSIZE if it does not fit, EIO on EOF before it ends, or errno.
 */
static int
httpd_readhead(int s, char *buf, size_t size)
{
	size_t have = 0;
	ssize_t r;

	for (;;) {
		if (have + 1 >= size)
			return EMSGSIZE;
		r = rump_sys_read(s, buf + have, size - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return EIO;
		have += (size_t)r;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			return 0;
	}
}

static bool
httpd_tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Parse and answer one request on s: 0 or errno of the socket. */
static int
httpd_serve(int s)
{
	static char req[HTTPD_HEADMAX];
	char *line, *next, *method, *target, *version, *end;
	bool head, host = false;
	int error;

	error = httpd_readhead(s, req, sizeof(req));
	if (error == EMSGSIZE)
		return httpd_error(s, 400, "Bad Request");
	if (error != 0)
		return error;
	end = strstr(req, "\r\n\r\n");
	end[2] = '\0';

	/* Request line: method SP request-target SP HTTP-version. */
	line = req;
	next = strstr(line, "\r\n");
	*next = '\0';
	next += 2;
	fprintf(stderr, "h_httpd: %s\n", line);
	method = line;
	target = strchr(method, ' ');
	if (target == NULL || target == method)
		return httpd_error(s, 400, "Bad Request");
	*target++ = '\0';
	version = strchr(target, ' ');
	if (version == NULL || version == target ||
	    strchr(version + 1, ' ') != NULL)
		return httpd_error(s, 400, "Bad Request");
	*version++ = '\0';
	for (const char *p = method; *p != '\0'; p++)
		if (!httpd_tchar(*p))
			return httpd_error(s, 400, "Bad Request");
	if (strncmp(version, "HTTP/", 5) != 0 || strlen(version) != 8 ||
	    version[5] < '0' || version[5] > '9' || version[6] != '.' ||
	    version[7] < '0' || version[7] > '9')
		return httpd_error(s, 400, "Bad Request");
	if (version[5] != '1')
		return httpd_error(s, 505, "HTTP Version Not Supported");
	if (target[0] != '/')
		return httpd_error(s, 400, "Bad Request");

	/* Header fields: name ":" value; no obsolete line folding. */
	for (line = next; *line != '\0'; line = next) {
		char *colon;

		next = strstr(line, "\r\n");
		*next = '\0';
		next += 2;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line || line[0] == ' ' ||
		    line[0] == '\t')
			return httpd_error(s, 400, "Bad Request");
		for (const char *p = line; p < colon; p++)
			if (!httpd_tchar(*p))
				return httpd_error(s, 400, "Bad Request");
		if (colon - line == 4 && strncasecmp(line, "host", 4) == 0)
			host = true;
	}
	if (version[7] >= '1' && !host)
		return httpd_error(s, 400, "Bad Request");

	if (strcmp(method, "GET") == 0)
		head = false;
	else if (strcmp(method, "HEAD") == 0)
		head = true;
	else
		return httpd_error(s, 501, "Not Implemented");
	if (strcmp(target, "/data") == 0)
		return httpd_data(s, head);
	if (strcmp(target, "/") == 0) {
		const char *text = "h_httpd: GET /data for the test data\n";

		return httpd_reply(s, 200, "OK", strlen(text), text, head);
	}
	return httpd_error(s, 404, "Not Found");
}

int
main(int argc, char **argv)
{
	const char *vspec = NULL, *end = NULL;
	struct sockaddr_in sin;
	int ch, l, s, one = 1, nconn = 1, error;
	char c[512];

	while ((ch = getopt(argc, argv, "v:R:E:s:n:")) != -1) {
		switch (ch) {
		case 'E':
			end = optarg;
			break;
		case 'v':
			vspec = optarg;
			break;
		case 'R':
			h_readyfile = optarg;
			break;
		case 's':
			httpd_size = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nconn = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || vspec == NULL)
		goto usage;
	if ((error = rump_init()) != 0)
		die("rump_init", error);
	if ((error = h_virtifspec(vspec, 0)) != 0)
		die(vspec, error);
	l = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		die("socket", errno);
	(void)rump_sys_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one));
	h_sin(&sin, "0.0.0.0", (uint16_t)atoi(argv[optind]));
	if (rump_sys_bind(l, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		die("bind", errno);
	if (rump_sys_listen(l, 16) != 0)
		die("listen", errno);
	h_ready();
	for (int i = 0; i < nconn; i++) {
		s = rump_sys_accept(l, NULL, NULL);
		if (s < 0)
			die("accept", errno);
		error = httpd_serve(s);
		if (error != 0)
			fprintf(stderr, "h_httpd: connection %d: %s\n", i,
			    strerror(error));
		/* Close after the client has seen everything: half-close,
		 * then wait (5 s at most) for its EOF; what it still sends is
		 * dropped. */
		if (error == 0 && rump_sys_shutdown(s, SHUT_WR) == 0) {
			struct pollfd pfd = { .fd = s, .events = POLLIN };

			while (rump_sys_poll(&pfd, 1, 5000) == 1 &&
			    rump_sys_read(s, c, sizeof(c)) > 0)
				continue;
		}
		h_lingerclose(s);
	}
	rump_sys_close(l);
	h_waitfile(end);
	return 0;

usage:
	fprintf(stderr, "usage: h_httpd -v TAP,ADDR/LEN [-R file] [-E file] "
	    "[-s BYTES] [-n CONNS] PORT\n");
	return 2;
}
