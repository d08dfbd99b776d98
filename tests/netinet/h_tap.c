/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * h_tap.c: one rump kernel on a host tap (virtif) doing one TCP job
 * against the Linux stack; t_tap_tcp.sh and bench/bench_tap.sh run it
 * with Linux tools (nc, socat, curl, python3) on the other end.  Like a
 * small nc(1) whose sockets are in the rump kernel: the host's stdin and
 * stdout are its data.
 *
 *	h_tap [-v TAP,ADDR/LEN] [-R readyfile] [-W gofile] [-E endfile]
 *	      [-g BYTES] [-a] COMMAND ARGS
 *
 *	gen BYTES              no kernel: write BYTES of the test stream
 *	                       (h_tap.h) to stdout
 *	connect ADDR PORT      connect, then copy stdin (-g: BYTES of the
 *	                       test stream) to the socket and half-close,
 *	                       and the socket to stdout until EOF, at once
 *	                       (-a: read to EOF first, then send)
 *	listen PORT            accept one connection, then as connect
 *	many PORT N            accept N connections (all open at once),
 *	                       then echo 4 bytes on each, then wait for
 *	                       each to close
 *	echo PORT              echo one connection until EOF (TCP_NODELAY)
 *	refused ADDR PORT      expect ECONNREFUSED from connect
 *	keepalive ADDR PORT IDLE INTVL CNT
 *	                       connect with those keepalive settings, write
 *	                       readyfile.conn, expect ETIMEDOUT from read
 *	reuse ADDR PORT LPORT  twice: bind LPORT (SO_REUSEADDR), connect,
 *	                       send, half-close, read to EOF (we closed
 *	                       first: TIME_WAIT), close; the second time
 *	                       is the same 4-tuple while the first waits:
 *	                       EADDRINUSE from that connect is reported
 *	                       on stdout and is not an error here (BSD
 *	                       refuses it; the test decides)
 *	closefirst PORT N      accept N connections one after the other,
 *	                       send a line and close first on each
 *	oobsend ADDR PORT      connect, send "abc", "X" as urgent data
 *	                       (MSG_OOB), "def", half-close, read to EOF
 *	oobrecv PORT           accept one connection, wait for urgent data
 *	                       (POLLPRI), read up to the mark (SIOCATMARK),
 *	                       the urgent byte (MSG_OOB), the rest to EOF;
 *	                       answer and print "data=... oob=..."
 *
 * -W waits for gofile before the command, -E for endfile after it (the
 * kernel, and its tap, stay until then).
 * Exit status 0 when the job went as expected.  Statistics and timings
 * go to stderr ("h_tap: ...") so stdout stays the data.
 */
#define _GNU_SOURCE
#include "h_tap.h"

#include <pthread.h>
#include <sys/time.h>

#define TAP_BUFSZ (256 * 1024)

static unsigned long long tap_genbytes;        /* -g */
static bool tap_answer;                        /* -a */

static void
usage(void)
{
	fprintf(stderr, "usage: h_tap [-v TAP,ADDR/LEN] [-R file] [-W file] "
	    "[-g BYTES] [-a] command args\n");
	exit(2);
}

static void
die(const char *what, int error)
{
	fprintf(stderr, "h_tap: %s: %s\n", what, strerror(error));
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Host write of all n bytes to fd: 0 or errno. */
static int
host_writeall(int fd, const void *buf, size_t n)
{
	return h_writeall_with(write, fd, buf, n);
}

static int
cmd_gen(unsigned long long bytes)
{
	static unsigned char buf[H_STREAM_CHUNK];
	struct h_stream st;
	int error;

	h_stream_init(&st);
	while (bytes > 0) {
		size_t n = bytes < sizeof(buf) ? (size_t)bytes : sizeof(buf);

		h_stream_fill(&st, buf, sizeof(buf));
		if ((error = host_writeall(1, buf, n)) != 0)
			die("write", error);
		bytes -= n;
	}
	return 0;
}

static int
tap_listener(int port, int backlog)
{
	struct sockaddr_in sin;
	int one = 1, s;

	s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket", errno);
	(void)rump_sys_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one));
	h_sin(&sin, "0.0.0.0", (uint16_t)port);
	if (rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		die("bind", errno);
	if (rump_sys_listen(s, backlog) != 0)
		die("listen", errno);
	return s;
}

struct tap_copy {
	int tc_sock;
	unsigned long long tc_bytes;   /* out: bytes received */
	int tc_error;                  /* out: 0 or errno */
};

/* Socket to stdout until EOF. */
static void *
tap_recv(void *arg)
{
	struct tap_copy *tc = arg;
	unsigned char *buf = malloc(TAP_BUFSZ);
	ssize_t r;

	if (buf == NULL) {
		tc->tc_error = ENOMEM;
		return NULL;
	}
	for (;;) {
		r = rump_sys_read(tc->tc_sock, buf, TAP_BUFSZ);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			tc->tc_error = errno;
			break;
		}
		if (r == 0)
			break;
		tc->tc_bytes += (unsigned long long)r;
		if ((tc->tc_error = host_writeall(1, buf, (size_t)r)) != 0)
			break;
	}
	free(buf);
	return NULL;
}

/* Stdin (or -g's stream) to the socket, then half-close: 0 or errno. */
static int
tap_send(int s, unsigned long long *sentp)
{
	unsigned char *buf = malloc(TAP_BUFSZ);
	unsigned long long left = tap_genbytes;
	struct h_stream st;
	ssize_t r;
	int error = 0;

	*sentp = 0;
	if (buf == NULL)
		return ENOMEM;
	h_stream_init(&st);
	for (;;) {
		if (tap_genbytes > 0) {
			/* Whole chunks of the stream, TAP_BUFSZ per write
			 * (as socat -b moves over the veth in bench_tap). */
			if (left == 0)
				break;
			for (r = 0; r < TAP_BUFSZ && (unsigned long long)r <
			    left; r += H_STREAM_CHUNK)
				h_stream_fill(&st, buf + r, H_STREAM_CHUNK);
			if ((unsigned long long)r > left)
				r = (ssize_t)left;
			left -= (unsigned long long)r;
		} else {
			r = read(0, buf, TAP_BUFSZ);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				error = errno;
				break;
			}
			if (r == 0)
				break;
		}
		if ((error = h_writeall(s, buf, (size_t)r)) != 0)
			break;
		*sentp += (unsigned long long)r;
	}
	free(buf);
	if (error == 0 && rump_sys_shutdown(s, SHUT_WR) != 0)
		error = errno;
	return error;
}

/* Run the copy on connected socket s, then close it. */
static int
tap_copy(int s)
{
	struct tap_copy tc = { .tc_sock = s };
	unsigned long long sent = 0;
	pthread_t pt;
	double t0 = now_s(), dt;
	int error;

	if (tap_answer) {
		tap_recv(&tc);
		error = tap_send(s, &sent);
	} else {
		if ((error = pthread_create(&pt, NULL, tap_recv, &tc)) != 0)
			die("pthread_create", error);
		error = tap_send(s, &sent);
		pthread_join(pt, NULL);
	}
	dt = now_s() - t0;
	fprintf(stderr, "h_tap: sent %llu received %llu bytes in %.3f s "
	    "(%.1f MiB/s)\n", sent, tc.tc_bytes, dt,
	    (double)(sent > tc.tc_bytes ? sent : tc.tc_bytes) / dt / 1048576.0);
	h_lingerclose(s);
	if (error != 0)
		die("send", error);
	if (tc.tc_error != 0)
		die("receive", tc.tc_error);
	return 0;
}

static int
tap_connect(const char *addr, int port, int *sp)
{
	struct sockaddr_in sin;
	int s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return errno;
	h_sin(&sin, addr, (uint16_t)port);
	if (rump_sys_connect(s, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		int error = errno;

		rump_sys_close(s);
		return error;
	}
	*sp = s;
	return 0;
}

static int
cmd_connect(const char *addr, int port)
{
	int s, error;

	if ((error = tap_connect(addr, port, &s)) != 0)
		die("connect", error);
	return tap_copy(s);
}

static int
cmd_listen(int port)
{
	int l = tap_listener(port, 8), s;

	h_ready_suffix(".bound");
	s = rump_sys_accept(l, NULL, NULL);
	if (s < 0)
		die("accept", errno);
	rump_sys_close(l);
	return tap_copy(s);
}

/* Read exactly n bytes: 0, or errno (EIO on an early EOF). */
static int
tap_readn(int s, void *buf, size_t n)
{
	char *p = buf;

	while (n > 0) {
		ssize_t r = rump_sys_read(s, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? errno : EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
cmd_many(int port, int n)
{
	int l = tap_listener(port, 4096), *ss, error;
	double t0 = now_s();
	char c[4];

	ss = calloc((size_t)n, sizeof(int));
	if (ss == NULL)
		die("calloc", ENOMEM);
	h_ready_suffix(".bound");
	for (int i = 0; i < n; i++) {
		ss[i] = rump_sys_accept(l, NULL, NULL);
		if (ss[i] < 0)
			die("accept", errno);
		if (i == 0)
			t0 = now_s();
	}
	fprintf(stderr, "h_tap: %d connections accepted in %.3f s\n", n,
	    now_s() - t0);
	for (int i = 0; i < n; i++) {
		if ((error = tap_readn(ss[i], c, sizeof(c))) != 0)
			die("read", error);
		if ((error = h_writeall(ss[i], c, sizeof(c))) != 0)
			die("write", error);
	}
	for (int i = 0; i < n; i++) {
		(void)rump_sys_read(ss[i], c, 1);
		h_lingerclose(ss[i]);
	}
	rump_sys_close(l);
	free(ss);
	fprintf(stderr, "h_tap: %d connections answered\n", n);
	return 0;
}

static int
cmd_echo(int port)
{
	static char buf[65536];
	int l = tap_listener(port, 8), s, one = 1, error;
	ssize_t r;

	h_ready_suffix(".bound");
	s = rump_sys_accept(l, NULL, NULL);
	if (s < 0)
		die("accept", errno);
	(void)rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_NODELAY, &one,
	    sizeof(one));
	while ((r = rump_sys_read(s, buf, sizeof(buf))) > 0)
		if ((error = h_writeall(s, buf, (size_t)r)) != 0)
			die("write", error);
	h_lingerclose(s);
	rump_sys_close(l);
	return 0;
}

static int
cmd_refused(const char *addr, int port)
{
	int s, error;

	error = tap_connect(addr, port, &s);
	if (error == ECONNREFUSED) {
		printf("connect: ECONNREFUSED\n");
		return 0;
	}
	fprintf(stderr, "h_tap: connect: expected ECONNREFUSED, got %s\n",
	    error == 0 ? "a connection" : strerror(error));
	if (error == 0)
		rump_sys_close(s);
	return 1;
}

static int
cmd_keepalive(const char *addr, int port, int idle, int intvl, int cnt)
{
	int s, v = 1, error;
	double t0;
	char c;

	if ((error = tap_connect(addr, port, &s)) != 0)
		die("connect", error);
	if (rump_sys_setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v,
	    sizeof(v)) != 0 ||
	    rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_KEEPIDLE, &idle,
	    sizeof(idle)) != 0 ||
	    rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)) != 0 ||
	    rump_sys_setsockopt(s, RUMP_SOL_TCP, RUMP_TCP_KEEPCNT, &cnt,
	    sizeof(cnt)) != 0)
		die("setsockopt", errno);
	printf("connected\n");
	fflush(stdout);
	h_ready_suffix(".conn");
	t0 = now_s();
	errno = 0;
	if (rump_sys_read(s, &c, 1) != -1 || errno != ETIMEDOUT) {
		fprintf(stderr, "h_tap: expected ETIMEDOUT, got %s\n",
		    errno == 0 ? "data or EOF" : strerror(errno));
		return 1;
	}
	printf("ETIMEDOUT after %.1f s\n", now_s() - t0);
	rump_sys_close(s);
	return 0;
}

static int
cmd_reuse(const char *addr, int port, int lport)
{
	struct sockaddr_in sin, lsin;
	struct rump_tcp_info ti;
	socklen_t tl;
	char line[64], buf[256];
	int s, one = 1, error;
	double t0 = 0;
	ssize_t r;

	h_sin(&sin, addr, (uint16_t)port);
	h_sin(&lsin, "0.0.0.0", (uint16_t)lport);
	for (int i = 0; i < 2; i++) {
		if (i == 1)
			t0 = now_s();
		s = rump_sys_socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			die("socket", errno);
		if (rump_sys_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) != 0)
			die("SO_REUSEADDR", errno);
		if (rump_sys_bind(s, (struct sockaddr *)&lsin,
		    sizeof(lsin)) != 0)
			die(i == 0 ? "bind" : "bind again", errno);
		if (rump_sys_connect(s, (struct sockaddr *)&sin,
		    sizeof(sin)) != 0) {
			if (i == 1 && errno == EADDRINUSE) {
				printf("connect again: EADDRINUSE (the 4-tuple "
				    "is in TIME_WAIT)\n");
				rump_sys_close(s);
				return 0;
			}
			die(i == 0 ? "connect" : "connect again", errno);
		}
		if (i == 1)
			printf("same 4-tuple reconnected in %.1f ms\n",
			    (now_s() - t0) * 1e3);
		snprintf(line, sizeof(line), "connection %d\n", i);
		if ((error = h_writeall(s, line, strlen(line))) != 0)
			die("write", error);
		if (rump_sys_shutdown(s, SHUT_WR) != 0)
			die("shutdown", errno);
		while ((r = rump_sys_read(s, buf, sizeof(buf))) > 0)
			(void)host_writeall(1, buf, (size_t)r);
		if (r < 0)
			die("read", errno);
		tl = sizeof(ti);
		if (rump_sys_getsockopt(s, RUMP_SOL_TCP, RUMP_TCP_INFO, &ti,
		    &tl) == 0)
			printf("state after EOF: %u\n", ti.tcpi_state);
		rump_sys_close(s);
	}
	return 0;
}

static int
cmd_closefirst(int port, int n)
{
	int l = tap_listener(port, 8), s, error;
	char line[64];

	h_ready_suffix(".bound");
	for (int i = 0; i < n; i++) {
		s = rump_sys_accept(l, NULL, NULL);
		if (s < 0)
			die("accept", errno);
		snprintf(line, sizeof(line), "bye %d\n", i);
		if ((error = h_writeall(s, line, strlen(line))) != 0)
			die("write", error);
		h_lingerclose(s);
	}
	rump_sys_close(l);
	return 0;
}

static int
cmd_oobsend(const char *addr, int port)
{
	int s, error;
	char c;

	if ((error = tap_connect(addr, port, &s)) != 0)
		die("connect", error);
	if ((error = h_writeall(s, "abc", 3)) != 0)
		die("write", error);
	if (rump_sys_sendto(s, "X", 1, MSG_OOB, NULL, 0) != 1)
		die("send MSG_OOB", errno);
	if ((error = h_writeall(s, "def", 3)) != 0)
		die("write", error);
	if (rump_sys_shutdown(s, SHUT_WR) != 0)
		die("shutdown", errno);
	while (rump_sys_read(s, &c, 1) > 0)
		continue;
	rump_sys_close(s);
	return 0;
}

static int
cmd_oobrecv(int port)
{
	int l = tap_listener(port, 8), s, mark, error;
	struct pollfd pfd;
	char data[64], line[128], oob = '?';
	size_t n = 0;
	ssize_t r;

	h_ready_suffix(".bound");
	s = rump_sys_accept(l, NULL, NULL);
	if (s < 0)
		die("accept", errno);
	pfd.fd = s;
	pfd.events = POLLPRI;
	if (rump_sys_poll(&pfd, 1, 20000) != 1 || !(pfd.revents & POLLPRI))
		die("poll POLLPRI", ETIMEDOUT);
	for (;;) {
		if (rump_sys_ioctl(s, RUMP_SIOCATMARK, &mark) != 0)
			die("SIOCATMARK", errno);
		if (mark)
			break;
		r = rump_sys_read(s, data + n, sizeof(data) - 1 - n);
		if (r <= 0)
			die("read before the mark", r < 0 ? errno : EPIPE);
		n += (size_t)r;
	}
	if (rump_sys_recvfrom(s, &oob, 1, MSG_OOB, NULL, NULL) != 1)
		die("recv MSG_OOB", errno);
	while (n < sizeof(data) - 1 &&
	    (r = rump_sys_read(s, data + n, sizeof(data) - 1 - n)) > 0)
		n += (size_t)r;
	data[n] = '\0';
	snprintf(line, sizeof(line), "data=%s oob=%c\n", data, oob);
	fputs(line, stdout);
	if ((error = h_writeall(s, line, strlen(line))) != 0)
		die("write", error);
	h_lingerclose(s);
	rump_sys_close(l);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *vspec = NULL, *go = NULL, *end = NULL;
	int ch, rv = 2, error;

	while ((ch = getopt(argc, argv, "v:R:W:E:g:a")) != -1) {
		switch (ch) {
		case 'v':
			vspec = optarg;
			break;
		case 'R':
			h_readyfile = optarg;
			break;
		case 'W':
			go = optarg;
			break;
		case 'E':
			end = optarg;
			break;
		case 'g':
			tap_genbytes = strtoull(optarg, NULL, 0);
			break;
		case 'a':
			tap_answer = true;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "gen") == 0 && argc == 2)
		return cmd_gen(strtoull(argv[1], NULL, 0));

	if ((error = rump_init()) != 0)
		die("rump_init", error);
	if (vspec != NULL && (error = h_virtifspec(vspec, 0)) != 0)
		die(vspec, error);
	h_ready();
	h_waitfile(go);
	if (strcmp(argv[0], "connect") == 0 && argc == 3)
		rv = cmd_connect(argv[1], atoi(argv[2]));
	else if (strcmp(argv[0], "listen") == 0 && argc == 2)
		rv = cmd_listen(atoi(argv[1]));
	else if (strcmp(argv[0], "many") == 0 && argc == 3)
		rv = cmd_many(atoi(argv[1]), atoi(argv[2]));
	else if (strcmp(argv[0], "echo") == 0 && argc == 2)
		rv = cmd_echo(atoi(argv[1]));
	else if (strcmp(argv[0], "refused") == 0 && argc == 3)
		rv = cmd_refused(argv[1], atoi(argv[2]));
	else if (strcmp(argv[0], "keepalive") == 0 && argc == 6)
		rv = cmd_keepalive(argv[1], atoi(argv[2]), atoi(argv[3]),
		    atoi(argv[4]), atoi(argv[5]));
	else if (strcmp(argv[0], "reuse") == 0 && argc == 4)
		rv = cmd_reuse(argv[1], atoi(argv[2]), atoi(argv[3]));
	else if (strcmp(argv[0], "closefirst") == 0 && argc == 3)
		rv = cmd_closefirst(atoi(argv[1]), atoi(argv[2]));
	else if (strcmp(argv[0], "oobsend") == 0 && argc == 3)
		rv = cmd_oobsend(argv[1], atoi(argv[2]));
	else if (strcmp(argv[0], "oobrecv") == 0 && argc == 2)
		rv = cmd_oobrecv(atoi(argv[1]));
	else
		usage();
	fflush(stdout);
	h_waitfile(end);
	return rv;
}
