/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser.c: initialisation, parameters, console, errno, process exit,
 * random bytes, host name and fault injection of the POSIX hypervisor.
 *
 * This is the bottom layer of a rump kernel, below the kernel core
 * (sys/kern).  The core calls rumpuser_init() once at boot, then reads its
 * configuration with rumpuser_getparam() and prints through
 * rumpuser_putchar() and rumpuser_dprintf().  None of these calls blocks for
 * long, so none of them releases the virtual CPU, except rumpuser_getrandom()
 * when it may wait for the host's entropy pool.
 *
 * The other topics live beside this file: rumpuser_mem.c, rumpuser_file.c,
 * rumpuser_bio.c, rumpuser_clock.c, rumpuser_thread.c, rumpuser_sync.c and
 * rumpuser_dl.c.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "rumpuser_int.h"

struct rumpuser_hyperup ru_hyp;
struct ru_fault ru_fault_malloc;
struct ru_fault ru_fault_bio;

static int ru_inited;

#define RU_NCPU_MAX      64
#define RU_HOSTNAME_MAX  64
#define RU_PARAM_BUFSIZE 128 /* holds every normalised value we produce */

/*
 * Print "rumpuser: NAME: invalid value "VALUE" (expected ...)" on the
 * console.  Returns EINVAL so callers can write return ru_badparam(...).
 */
static int
ru_badparam(const char *name, const char *value, const char *expect)
{
	ru_cons_flush();
	fprintf(stderr, "rumpuser: %s: invalid value \"%s\" (expected %s)\n",
	    name, value, expect);
	return EINVAL;
}

/*
 * Parse a plain decimal number: digits only, no sign, no blanks.  Leading
 * zeros are allowed.  Returns 0, or EINVAL for anything else including
 * overflow of uint64_t.
 */
static int
ru_parse_u64(const char *s, const char **endp, uint64_t *valp)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return EINVAL;
		v = v * 10 + d;
	}
	if (endp != NULL)
		*endp = p;
	else if (*p != '\0')
		return EINVAL;
	*valp = v;
	return 0;
}

/* The host's CPU count as the process may use it (like nproc(1)). */
static long
ru_host_ncpu(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		n = CPU_COUNT(&set);
		if (n > 0)
			return n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

/*
 * Normalisers: turn the raw host value of one parameter into the value the
 * kernel sees (written into out, RU_PARAM_BUFSIZE bytes), or print a message
 * and return EINVAL.
 */
static int
ru_norm_ncpu(const char *name, const char *val, char *out)
{
	uint64_t n;
	long host;

	if (strcmp(val, "host") == 0) {
		host = ru_host_ncpu();
		if (host > RU_NCPU_MAX)
			host = RU_NCPU_MAX;
		snprintf(out, RU_PARAM_BUFSIZE, "%ld", host);
		return 0;
	}
	if (ru_parse_u64(val, NULL, &n) != 0 || n < 1 || n > RU_NCPU_MAX)
		return ru_badparam(name, val, "a number 1..64 or \"host\"");
	snprintf(out, RU_PARAM_BUFSIZE, "%" PRIu64, n);
	return 0;
}

static int
ru_norm_bool(const char *name, const char *val, char *out)
{
	uint64_t n;

	if (ru_parse_u64(val, NULL, &n) != 0)
		return ru_badparam(name, val, "0 or 1");
	snprintf(out, RU_PARAM_BUFSIZE, "%d", n != 0);
	return 0;
}

static int
ru_norm_memlimit(const char *name, const char *val, char *out)
{
	const char *end;
	uint64_t n;
	unsigned shift = 0;

	if (ru_parse_u64(val, &end, &n) != 0)
		goto bad;
	if (*end != '\0') {
		switch (*end) {
		case 'k': case 'K':
			shift = 10;
			break;
		case 'm': case 'M':
			shift = 20;
			break;
		case 'g': case 'G':
			shift = 30;
			break;
		default:
			goto bad;
		}
		if (end[1] != '\0')
			goto bad;
	}
	if (shift != 0 && n > (UINT64_MAX >> shift))
		goto bad;
	snprintf(out, RU_PARAM_BUFSIZE, "%" PRIu64, n << shift);
	return 0;
bad:
	return ru_badparam(name, val,
	    "a byte count with an optional k, m or g suffix");
}

static int
ru_norm_count(const char *name, const char *val, char *out)
{
	uint64_t n;

	if (ru_parse_u64(val, NULL, &n) != 0 || n < 1 || n > INT32_MAX)
		return ru_badparam(name, val, "a number 1..2147483647");
	snprintf(out, RU_PARAM_BUFSIZE, "%" PRIu64, n);
	return 0;
}

static int
ru_norm_hostname(const char *name, const char *val, char *out)
{
	size_t len = strlen(val);

	if (len == 0 || len > RU_HOSTNAME_MAX)
		return ru_badparam(name, val, "a host name of 1..64 characters");
	memcpy(out, val, len + 1);
	return 0;
}

static void
ru_default_hostname(char *out)
{
	snprintf(out, RU_PARAM_BUFSIZE, "rump-%ld", (long)getpid());
}

/* The parameters the hypervisor knows, with their defaults. */
static const struct ru_param {
	const char *p_name;
	const char *p_default; /* NULL: computed by p_defaultfn */
	void (*p_defaultfn)(char *out);
	int (*p_norm)(const char *name, const char *val, char *out);
} ru_params[] = {
	{ "RUMP_NCPU",     "2",     NULL, ru_norm_ncpu },
	{ "RUMP_VERBOSE",  "0",     NULL, ru_norm_bool },
	{ "RUMP_MEMLIMIT", "0",     NULL, ru_norm_memlimit },
	{ "RUMP_HOSTNAME", NULL,    ru_default_hostname, ru_norm_hostname },
	{ "RUMP_NVNODES",  "32768", NULL, ru_norm_count },
	{ "RUMP_THREADS",  "1",     NULL, ru_norm_bool },
};

static int
ru_copyout(const char *val, void *buf, size_t buflen)
{
	size_t len = strlen(val);

	if (len >= buflen)
		return E2BIG;
	memcpy(buf, val, len + 1);
	return 0;
}

/*
 * Look a parameter up: a known name is read from the environment, checked
 * and normalised, or given its default; any other name is the environment
 * variable as it is.  Returns 0, ENOENT, EINVAL (message printed) or E2BIG.
 */
int
rumpuser_getparam(const char *name, void *buf, size_t buflen)
{
	char norm[RU_PARAM_BUFSIZE];
	const char *val;
	size_t i;
	int error;

	if (name == NULL)
		return EINVAL;
	val = getenv(name);
	for (i = 0; i < sizeof(ru_params) / sizeof(ru_params[0]); i++) {
		const struct ru_param *p = &ru_params[i];

		if (strcmp(name, p->p_name) != 0)
			continue;
		if (val == NULL) {
			if (p->p_default != NULL)
				return ru_copyout(p->p_default, buf, buflen);
			p->p_defaultfn(norm);
			return ru_copyout(norm, buf, buflen);
		}
		error = p->p_norm(name, val, norm);
		if (error != 0)
			return error;
		return ru_copyout(norm, buf, buflen);
	}
	if (val == NULL)
		return ENOENT;
	return ru_copyout(val, buf, buflen);
}

/* Host name for uname(2): RUMP_HOSTNAME, else "rump-<pid>". */
int
rumpuser_gethostname(char *buf, size_t buflen)
{
	return rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, buf, buflen);
}

/*
 * Fault injection.  The variable holds "N" or "N:M" with N, M >= 1, or
 * "N/M" or "N/M+S" with 1 <= N <= M and S >= 0 (fail N of every M calls,
 * after the first S).
 */
int
ru_fault_init(struct ru_fault *f, const char *name)
{
	const char *val = getenv(name);
	const char *end;
	uint64_t nth, every = 0;

	f->f_nth = 0;
	f->f_every = 0;
	f->f_window = 0;
	f->f_skip = 0;
	atomic_store(&f->f_calls, 0);
	if (val == NULL)
		return 0;
	if (ru_parse_u64(val, &end, &nth) != 0 || nth == 0)
		goto bad;
	if (*end == '/') {
		uint64_t window, skip = 0;

		if (ru_parse_u64(end + 1, &end, &window) != 0 ||
		    window < nth)
			goto bad;
		if (*end == '+' &&
		    ru_parse_u64(end + 1, &end, &skip) != 0)
			goto bad;
		if (*end != '\0')
			goto bad;
		f->f_window = window;
		f->f_skip = skip;
	} else if (*end == ':') {
		if (ru_parse_u64(end + 1, NULL, &every) != 0 || every == 0)
			goto bad;
	} else if (*end != '\0') {
		goto bad;
	}
	f->f_nth = nth;
	f->f_every = every;
	return 0;
bad:
	return ru_badparam(name, val,
	    "N or N:M, with N and M at least 1, or N/M[+S] with N <= M");
}

int
ru_fault_hit(struct ru_fault *f)
{
	uint64_t n;

	if (f->f_nth == 0)
		return 0;
	n = atomic_fetch_add_explicit(&f->f_calls, 1,
	    memory_order_relaxed) + 1;
	if (f->f_window != 0)
		return n > f->f_skip &&
		    (n - f->f_skip - 1) % f->f_window < f->f_nth;
	if (n == f->f_nth)
		return 1;
	return f->f_every != 0 && n > f->f_nth &&
	    (n - f->f_nth) % f->f_every == 0;
}

/*
 * Initialise the hypervisor: check the interface version and keep the
 * upcalls.  A second call in the same process succeeds only with the same
 * upcalls.  Fault-injection counters restart on every successful call.
 * Returns 0, EINVAL (bad version or arguments, message printed) or EBUSY
 * (initialised already with different upcalls).
 */
int
rumpuser_init(int version, const struct rumpuser_hyperup *hyp)
{
	int error;

	if (version != RUMPUSER_VERSION) {
		fprintf(stderr, "rumpuser: kernel uses hypervisor interface "
		    "version %d, this library implements version %d\n",
		    version, RUMPUSER_VERSION);
		return EINVAL;
	}
	if (hyp == NULL || hyp->hyp_backend_unschedule == NULL ||
	    hyp->hyp_backend_schedule == NULL || hyp->hyp_lwpexit == NULL) {
		fprintf(stderr, "rumpuser: incomplete upcall set\n");
		return EINVAL;
	}
	if (ru_inited) {
		if (hyp->hyp_backend_unschedule != ru_hyp.hyp_backend_unschedule ||
		    hyp->hyp_backend_schedule != ru_hyp.hyp_backend_schedule ||
		    hyp->hyp_lwpexit != ru_hyp.hyp_lwpexit) {
			fprintf(stderr, "rumpuser: initialised already with "
			    "other upcalls\n");
			return EBUSY;
		}
	}

	if ((error = ru_fault_init(&ru_fault_malloc, "RUMP_FAULT_MALLOC")) != 0)
		return error;
	if ((error = ru_fault_init(&ru_fault_bio, "RUMP_FAULT_BIO")) != 0)
		return error;
	if ((error = ru_lwp_init()) != 0)
		return error;

	ru_hyp = *hyp;
	ru_inited = 1;
	return 0;
}

void
rumpuser_seterrno(int error)
{
	errno = error;
}

/*
 * Console.  Characters from rumpuser_putchar() are collected into lines and
 * written to the host's stderr with one write(2) per line, so lines from
 * different threads do not interleave.  rumpuser_dprintf() and
 * rumpuser_exit() write out a pending partial line first.
 */
static pthread_mutex_t ru_cons_mtx = PTHREAD_MUTEX_INITIALIZER;
static char ru_cons_buf[256];  /* [ru_cons_mtx] */
static size_t ru_cons_len;     /* [ru_cons_mtx] */

/* Called with ru_cons_mtx held. */
static void
ru_cons_write_locked(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < ru_cons_len) {
		n = write(STDERR_FILENO, ru_cons_buf + off, ru_cons_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	ru_cons_len = 0;
}

void
ru_cons_flush(void)
{
	int saved = errno;

	pthread_mutex_lock(&ru_cons_mtx);
	if (ru_cons_len > 0)
		ru_cons_write_locked();
	pthread_mutex_unlock(&ru_cons_mtx);
	errno = saved;
}

void
rumpuser_putchar(int ch)
{
	int saved = errno;

	pthread_mutex_lock(&ru_cons_mtx);
	ru_cons_buf[ru_cons_len++] = (char)ch;
	if (ch == '\n' || ru_cons_len == sizeof(ru_cons_buf))
		ru_cons_write_locked();
	pthread_mutex_unlock(&ru_cons_mtx);
	errno = saved;
}

void
rumpuser_dprintf(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	ru_cons_flush();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
ru_fatal(const char *what, int error)
{
	ru_cons_flush();
	fprintf(stderr, "rumpuser: %s: %s\n", what, strerror(error));
	abort();
}

/* Leave the process: RUMPUSER_PANIC aborts, anything else exits. */
void
rumpuser_exit(int value)
{
	ru_cons_flush();
	if (value == RUMPUSER_PANIC)
		abort();
	exit(value);
}

/*
 * Fill buf with random bytes from getrandom(2).  With RUMPUSER_RANDOM_NOWAIT
 * the call never blocks and *retp may be short; it fails with EAGAIN only
 * if no byte at all was available.  Without it the call may wait for the
 * host's pool to be initialised, with the virtual CPU released, and fills
 * the whole buffer.  RUMPUSER_RANDOM_HARD asks for nothing more: the host's
 * pool is the best source there is.  Returns 0 or an errno.
 */
int
rumpuser_getrandom(void *buf, size_t buflen, int flags, size_t *retp)
{
	unsigned gflags = 0;
	size_t done = 0;
	ssize_t n;
	int error = 0;
	int nlocks = 0;
	int nowait = (flags & RUMPUSER_RANDOM_NOWAIT) != 0;

	if ((flags & ~(RUMPUSER_RANDOM_HARD | RUMPUSER_RANDOM_NOWAIT)) != 0)
		return EINVAL;
	if (nowait)
		gflags |= GRND_NONBLOCK;
	else
		nlocks = ru_unschedule(NULL);

	while (done < buflen) {
		n = getrandom((char *)buf + done, buflen - done, gflags);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = errno;
			break;
		}
		done += (size_t)n;
	}

	if (!nowait)
		ru_schedule(nlocks);
	*retp = done;
	if (error == EAGAIN && done > 0)
		error = 0;
	return error;
}
