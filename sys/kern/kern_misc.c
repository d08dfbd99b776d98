/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_misc.c: uname(2), reboot(2), the shutdown hooks and the kernel's
 * fast random number generator.
 *
 * Shutdown hooks (shutdown.h) sit on a lock-free list, newest first, so
 * walking it runs them in the reverse order of registration.  The first
 * shutdown_run_hooks() takes the whole list and runs it; a concurrent or
 * later caller waits until that run is over.
 *
 * cprng_fast() is ChaCha20 (20 rounds, 64-bit block counter) in counter
 * mode with one generator per virtual CPU, each keyed from the host's
 * random source (rumpuser_getrandom) the first time it is used.  The CPU
 * is held while the generator runs and nothing in it blocks, so its state
 * needs no lock.  Callers: TCP sequence numbers and ports, tmpfs
 * generation numbers, hash seeds.
 */
#include "kern/kern.h"
#include "kern/callout.h"
#include "kern/lwp.h"
#include "kern/shutdown.h"
#include "kern/syscall.h"
#include "sys_syscallargs.h"

#define RUMP_RELEASE "0.1.0"

/* reboot(2)'s other accepted second magic numbers and commands. */
#define REBOOT_MAGIC2A     85072278U
#define REBOOT_MAGIC2B     369367448U
#define REBOOT_MAGIC2C     537993216U
#define REBOOT_CMD_CAD_ON  0x89ABCDEFU
#define REBOOT_CMD_CAD_OFF 0x00000000U

/*
 * uname(2).  The node name is RUMP_HOSTNAME (the hypervisor's default is
 * "rump-<host pid>"); there is no NIS domain.
 */
int
sys_uname(struct lwp *l, const struct sys_uname_args *uap,
    register_t *retval)
{
	struct rump_utsname un;

	memset(&un, 0, sizeof(un));
	strlcpy(un.sysname, "Rump", sizeof(un.sysname));
	if (rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, un.nodename,
	    sizeof(un.nodename)) != 0)
		strlcpy(un.nodename, "rump", sizeof(un.nodename));
	strlcpy(un.release, RUMP_RELEASE, sizeof(un.release));
	strlcpy(un.version, "rump kernel " RUMP_RELEASE, sizeof(un.version));
	strlcpy(un.machine, "x86_64", sizeof(un.machine));
	strlcpy(un.domainname, "(none)", sizeof(un.domainname));
	retval[0] = 0;
	return copyout(&un, uap->buf, sizeof(un));
}

static struct shutdown_hook *shutdown_hooks;   /* [a] newest first */
static int shutdown_state;                     /* [a] 0 up, 1 running, 2 done */

void
shutdown_hook_register(struct shutdown_hook *sh)
{
	struct shutdown_hook *head = atomic_load_relaxed(&shutdown_hooks);

	do {
		sh->sh_next = head;
	} while (!atomic_cas(&shutdown_hooks, &head, sh));
}

void
shutdown_run_hooks(void)
{
	struct shutdown_hook *sh, *next;
	int expect = 0;

	if (!atomic_cas(&shutdown_state, &expect, 1)) {
		while (atomic_load_acquire(&shutdown_state) != 2)
			kpause(NSEC_PER_MSEC);
		return;
	}
	for (sh = atomic_swap(&shutdown_hooks, NULL); sh != NULL; sh = next) {
		next = sh->sh_next;
		sh->sh_func(sh->sh_arg);
	}
	atomic_store_release(&shutdown_state, 2);
}

/*
 * reboot(2), with Linux's checks in Linux's order: EPERM unless root, then
 * EINVAL for wrong magic numbers or an unknown command.  HALT runs the
 * shutdown hooks (sync and unmount) and returns, leaving the process to
 * exit; POWER_OFF and RESTART run them and end the host process.
 */
int
sys_reboot(struct lwp *l, const struct sys_reboot_args *uap,
    register_t *retval)
{
	unsigned m2 = (unsigned)uap->magic2;

	if (!kauth_cred_issuser(kauth_cred_get()))
		return EPERM;
	if ((unsigned)uap->magic1 != REBOOT_MAGIC1 ||
	    (m2 != REBOOT_MAGIC2 && m2 != REBOOT_MAGIC2A &&
	    m2 != REBOOT_MAGIC2B && m2 != REBOOT_MAGIC2C))
		return EINVAL;
	retval[0] = 0;
	switch (uap->cmd) {
	case REBOOT_CMD_CAD_ON:
	case REBOOT_CMD_CAD_OFF:
		return 0;
	case REBOOT_CMD_HALT:
		shutdown_run_hooks();
		return 0;
	case REBOOT_CMD_POWER_OFF:
	case REBOOT_CMD_RESTART:
		shutdown_run_hooks();
		rumpuser_exit(0);
	default:
		return EINVAL;
	}
}

/*
 * ChaCha20 generator of one virtual CPU.  Locking: [C] used only by the
 * lwp holding that CPU (cprng_cur).
 */
struct cprng_cpu {
	uint32_t cc_key[8];      /* [C] */
	uint64_t cc_nonce;       /* [C] */
	uint64_t cc_counter;     /* [C] next block */
	uint8_t cc_buf[64];      /* [C] keystream of the last block */
	unsigned cc_avail;       /* [C] unused bytes at the end of cc_buf */
	bool cc_seeded;          /* [C] */
} __cacheline_aligned;

static struct cprng_cpu cprng_cpus[MAXCPUS];

static inline uint32_t
rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

#define CHACHA_QR(a, b, c, d) do {					\
	a += b; d ^= a; d = rotl32(d, 16);				\
	c += d; b ^= c; b = rotl32(b, 12);				\
	a += b; d ^= a; d = rotl32(d, 8);				\
	c += d; b ^= c; b = rotl32(b, 7);				\
} while (0)

/* One 64-byte ChaCha20 block of cc at its counter. */
static void
chacha20_block(const struct cprng_cpu *cc, uint8_t out[64])
{
	static const uint32_t sigma[4] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
	};
	uint32_t in[16], x[16];
	int i;

	memcpy(in, sigma, sizeof(sigma));
	memcpy(in + 4, cc->cc_key, sizeof(cc->cc_key));
	in[12] = (uint32_t)cc->cc_counter;
	in[13] = (uint32_t)(cc->cc_counter >> 32);
	in[14] = (uint32_t)cc->cc_nonce;
	in[15] = (uint32_t)(cc->cc_nonce >> 32);
	memcpy(x, in, sizeof(x));
	for (i = 0; i < 10; i++) {
		CHACHA_QR(x[0], x[4], x[8], x[12]);
		CHACHA_QR(x[1], x[5], x[9], x[13]);
		CHACHA_QR(x[2], x[6], x[10], x[14]);
		CHACHA_QR(x[3], x[7], x[11], x[15]);
		CHACHA_QR(x[0], x[5], x[10], x[15]);
		CHACHA_QR(x[1], x[6], x[11], x[12]);
		CHACHA_QR(x[2], x[7], x[8], x[13]);
		CHACHA_QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++) {
		uint32_t v = x[i] + in[i];

		out[4 * i + 0] = (uint8_t)v;
		out[4 * i + 1] = (uint8_t)(v >> 8);
		out[4 * i + 2] = (uint8_t)(v >> 16);
		out[4 * i + 3] = (uint8_t)(v >> 24);
	}
}

/*
 * Key a generator from the host.  Should the host source fail, the clocks
 * and the state's address still make generators differ; that is weak, so
 * it is reported.
 */
static void
cprng_seed(struct cprng_cpu *cc)
{
	uint8_t seed[40];
	size_t got = 0;
	int64_t sec;
	long nsec;

	memset(seed, 0, sizeof(seed));
	if (rumpuser_getrandom(seed, sizeof(seed), RUMPUSER_RANDOM_NOWAIT,
	    &got) != 0 || got != sizeof(seed)) {
		printf("cprng: the host gave %zu random bytes, seeding from "
		    "the clock\n", got);
		(void)rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec,
		    &nsec);
		cc->cc_nonce ^= (uint64_t)sec * NSEC_PER_SEC + (uint64_t)nsec;
		cc->cc_nonce ^= (uintptr_t)cc;
	}
	memcpy(cc->cc_key, seed, sizeof(cc->cc_key));
	cc->cc_nonce ^= (uint64_t)seed[32] | (uint64_t)seed[33] << 8 |
	    (uint64_t)seed[34] << 16 | (uint64_t)seed[35] << 24 |
	    (uint64_t)seed[36] << 32 | (uint64_t)seed[37] << 40 |
	    (uint64_t)seed[38] << 48 | (uint64_t)seed[39] << 56;
	cc->cc_counter = 0;
	cc->cc_avail = 0;
	cc->cc_seeded = true;
	memset(seed, 0, sizeof(seed));
}

/*
 * The calling CPU's generator.  A thread that holds no CPU (only early in
 * boot) shares the first one.
 */
static struct cprng_cpu *
cprng_cur(void)
{
	struct lwp *l = curlwp;
	struct cprng_cpu *cc = &cprng_cpus[0];

	if (l != NULL && l->l_cpu != NULL)
		cc = &cprng_cpus[l->l_cpu->ci_index];
	if (__predict_false(!cc->cc_seeded))
		cprng_seed(cc);
	return cc;
}

void
cprng_fast(void *buf, size_t len)
{
	struct cprng_cpu *cc = cprng_cur();
	uint8_t *p = buf;
	size_t n;

	while (len > 0) {
		if (cc->cc_avail == 0) {
			chacha20_block(cc, cc->cc_buf);
			cc->cc_counter++;
			cc->cc_avail = sizeof(cc->cc_buf);
		}
		n = MIN(len, cc->cc_avail);
		memcpy(p, cc->cc_buf + sizeof(cc->cc_buf) - cc->cc_avail, n);
		/* Handed-out bytes are not kept. */
		memset(cc->cc_buf + sizeof(cc->cc_buf) - cc->cc_avail, 0, n);
		cc->cc_avail -= (unsigned)n;
		p += n;
		len -= n;
	}
}

uint32_t
cprng_fast32(void)
{
	uint32_t v;

	cprng_fast(&v, sizeof(v));
	return v;
}
