/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * t_libkern.c: the kernel's string, memory and formatting routines
 * (libkern.c, kern_printf.c), called by their exported rumpns_* names and
 * compared with the host's libc.  They need no booted kernel.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

void *rumpns_memcpy(void *dst, const void *src, size_t n);
void *rumpns_memmove(void *dst, const void *src, size_t n);
void *rumpns_memset(void *dst, int c, size_t n);
int rumpns_memcmp(const void *a, const void *b, size_t n);
void *rumpns_memchr(const void *s, int c, size_t n);
size_t rumpns_strlen(const char *s);
size_t rumpns_strnlen(const char *s, size_t max);
int rumpns_strcmp(const char *a, const char *b);
int rumpns_strncmp(const char *a, const char *b, size_t n);
char *rumpns_strchr(const char *s, int c);
char *rumpns_strrchr(const char *s, int c);
size_t rumpns_strlcpy(char *dst, const char *src, size_t size);
size_t rumpns_strlcat(char *dst, const char *src, size_t size);
char *rumpns_strsep(char **stringp, const char *delim);
int rumpns_kstrtou64(const char *s, uint64_t *valp);
uint32_t rumpns_hash32_buf(const void *buf, size_t len, uint32_t hash);
uint32_t rumpns_hash32_str(const char *s, uint32_t hash);
int rumpns_snprintf(char *buf, size_t len, const char *fmt, ...);

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

Test(libkern, memcpy_memset_all_alignments)
{
	unsigned char src[300], dst[300], ref[300];
	size_t so, doff, n;

	for (n = 0; n < sizeof(src); n++)
		src[n] = (unsigned char)(n * 7 + 3);
	for (so = 0; so < 8; so++)
		for (doff = 0; doff < 8; doff++)
			for (n = 0; n < 200; n += 13) {
				memset(dst, 0xee, sizeof(dst));
				memset(ref, 0xee, sizeof(ref));
				rumpns_memcpy(dst + doff, src + so, n);
				memcpy(ref + doff, src + so, n);
				cr_assert_arr_eq(dst, ref, sizeof(dst));
				rumpns_memset(dst + doff, (int)n, n + so);
				memset(ref + doff, (int)n, n + so);
				cr_assert_arr_eq(dst, ref, sizeof(dst));
			}
}

Test(libkern, memmove_overlaps)
{
	unsigned char buf[256], ref[256];
	int off, n, d;

	for (off = 0; off < 40; off += 3)
		for (d = -20; d <= 20; d += 5)
			for (n = 0; n < 150; n += 17) {
				for (int i = 0; i < 256; i++)
					buf[i] = ref[i] = (unsigned char)i;
				rumpns_memmove(buf + 50 + off + d, buf + 50 + off, n);
				memmove(ref + 50 + off + d, ref + 50 + off, n);
				cr_assert_arr_eq(buf, ref, sizeof(buf));
			}
}

Test(libkern, compare_and_search)
{
	const char *s = "hello, kernel world";
	char a[40] = "abcdefghijklmnopqrstuvwxyz", b[40];

	memcpy(b, a, sizeof(a));
	cr_expect_eq(rumpns_memcmp(a, b, 26), 0);
	b[20] = 'A';
	cr_expect_eq(sign(rumpns_memcmp(a, b, 26)), 1);
	cr_expect_eq(sign(rumpns_memcmp(b, a, 26)), -1);
	cr_expect_eq(rumpns_memcmp(a, b, 20), 0);
	cr_expect_eq(rumpns_memchr(s, 'k', strlen(s)), s + 7);
	cr_expect_null(rumpns_memchr(s, 'z', strlen(s)));
	cr_expect_eq(rumpns_strlen(s), strlen(s));
	cr_expect_eq(rumpns_strlen(""), 0);
	cr_expect_eq(rumpns_strnlen(s, 5), 5);
	cr_expect_eq(rumpns_strnlen("ab", 5), 2);
	cr_expect_eq(rumpns_strcmp("abc", "abc"), 0);
	cr_expect_lt(rumpns_strcmp("abc", "abd"), 0);
	cr_expect_gt(rumpns_strcmp("abcd", "abc"), 0);
	cr_expect_gt(rumpns_strcmp("\xff", "a"), 0);
	cr_expect_eq(rumpns_strncmp("abcX", "abcY", 3), 0);
	cr_expect_lt(rumpns_strncmp("abcX", "abcY", 4), 0);
	cr_expect_eq(rumpns_strchr(s, 'o'), s + 4);
	cr_expect_eq(rumpns_strrchr(s, 'o'), s + 15);
	cr_expect_eq(rumpns_strchr(s, '\0'), s + strlen(s));
	cr_expect_null(rumpns_strchr(s, 'q'));
	cr_expect_null(rumpns_strrchr(s, 'q'));
}

Test(libkern, strlcpy_strlcat_strsep)
{
	char buf[8], str[] = "a,b;;c", *p = str;

	cr_expect_eq(rumpns_strlcpy(buf, "hello world", sizeof(buf)), 11);
	cr_expect_str_eq(buf, "hello w");
	cr_expect_eq(rumpns_strlcpy(buf, "hi", sizeof(buf)), 2);
	cr_expect_eq(rumpns_strlcat(buf, "there", sizeof(buf)), 7);
	cr_expect_str_eq(buf, "hithere");
	cr_expect_eq(rumpns_strlcat(buf, "x", sizeof(buf)), 8);
	cr_expect_str_eq(buf, "hithere");
	cr_expect_str_eq(rumpns_strsep(&p, ",;"), "a");
	cr_expect_str_eq(rumpns_strsep(&p, ",;"), "b");
	cr_expect_str_eq(rumpns_strsep(&p, ",;"), "");
	cr_expect_str_eq(rumpns_strsep(&p, ",;"), "c");
	cr_expect_null(p);
	cr_expect_null(rumpns_strsep(&p, ",;"));
}

Test(libkern, kstrtou64)
{
	uint64_t v = 0;

	cr_expect_eq(rumpns_kstrtou64("12345", &v), 0);
	cr_expect_eq(v, 12345);
	cr_expect_eq(rumpns_kstrtou64("0x1fF", &v), 0);
	cr_expect_eq(v, 0x1ff);
	cr_expect_eq(rumpns_kstrtou64("18446744073709551615", &v), 0);
	cr_expect_eq(v, UINT64_MAX);
	cr_expect_eq(rumpns_kstrtou64("18446744073709551616", &v), ERANGE);
	cr_expect_eq(rumpns_kstrtou64("", &v), EINVAL);
	cr_expect_eq(rumpns_kstrtou64("0x", &v), EINVAL);
	cr_expect_eq(rumpns_kstrtou64("12a", &v), EINVAL);
	cr_expect_eq(rumpns_kstrtou64("-1", &v), EINVAL);
}

Test(libkern, fnv1a)
{
	/* Published FNV-1a 32-bit test vectors. */
	cr_expect_eq(rumpns_hash32_str("", 0x811c9dc5U), 0x811c9dc5U);
	cr_expect_eq(rumpns_hash32_str("a", 0x811c9dc5U), 0xe40c292cU);
	cr_expect_eq(rumpns_hash32_str("foobar", 0x811c9dc5U), 0xbf9cf968U);
	cr_expect_eq(rumpns_hash32_buf("foobar", 6, 0x811c9dc5U), 0xbf9cf968U);
}

/* Format with the kernel and with libc; both must agree. */
#define CHECK_FMT(...) do {						\
	char k[128], h[128];						\
	int kn = rumpns_snprintf(k, sizeof(k), __VA_ARGS__);		\
	int hn = snprintf(h, sizeof(h), __VA_ARGS__);			\
	cr_expect_str_eq(k, h);						\
	cr_expect_eq(kn, hn, "%s: %d vs %d", h, kn, hn);		\
} while (0)

Test(libkern, snprintf_matches_libc)
{
	CHECK_FMT("plain");
	CHECK_FMT("%d %i %u", -42, 17, 3000000000U);
	CHECK_FMT("%x %X %o %#x %#o", 0xbeefU, 0xbeefU, 8U, 255U, 8U);
	CHECK_FMT("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, -42, 7, 7);
	CHECK_FMT("[%.3d] [%8.3d] [%.0d]", 5, -5, 0);
	CHECK_FMT("%ld %lu %lld %llx", -1L, 123456789012UL, -5LL, 0xdeadULL);
	CHECK_FMT("%zu %zd %jd %hd %hhu", (size_t)99, (ssize_t)-9,
	    (intmax_t)-77, (short)-3, (unsigned char)250);
	CHECK_FMT("%hd %hhd", 70000, 300);
	CHECK_FMT("[%s] [%10s] [%-10s] [%.2s]", "abc", "abc", "abc", "abc");
	CHECK_FMT("%c%c %%", 'o', 'k');
	CHECK_FMT("[%*d] [%-*d] [%.*s]", 6, 1, 6, 1, 2, "xyz");
	CHECK_FMT("%p", (void *)0x1234);
	CHECK_FMT("%d %d", INT32_MIN, INT32_MAX);
	CHECK_FMT("%lld", (long long)INT64_MIN);
	CHECK_FMT("%llu", (unsigned long long)UINT64_MAX);
}

Test(libkern, snprintf_truncates)
{
	char buf[6];

	memset(buf, 'z', sizeof(buf));
	cr_expect_eq(rumpns_snprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12),
	    9);
	cr_expect_str_eq(buf, "abcde");
	cr_expect_eq(rumpns_snprintf(buf, 0, "%d", 12345), 5);
	cr_expect_eq(buf[0], 'a');
	cr_expect_eq(rumpns_snprintf(buf, 1, "%d", 12345), 5);
	cr_expect_eq(buf[0], '\0');
}
