/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libkern.c: the kernel's string and memory routines.
 *
 * Kernel code is freestanding and has no libc; these are the routines
 * declared in kern.h.  After the kernel library's symbols are renamed
 * (tools/rumpns.py) they are rumpns_memcpy etc., and they are also what
 * calls the compiler emits on its own (structure copies, large zeroing)
 * resolve to, so memcpy, memmove and memset copy a word at a time.
 *
 * kern.h maps memcpy/memset/memcmp/memmove/strlen onto the compiler's
 * builtins; this file undoes that to define the functions themselves, and
 * keeps the compiler from recognising its own loops as calls to memcpy or
 * memset (which would recurse forever).
 *
 * Called from everywhere in the kernel.
 */
#include "kern/kern.h"

#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen

#if defined(__clang__)
#define LIBKERN_NOPATTERN
#else
#define LIBKERN_NOPATTERN \
	__attribute__((__optimize__("no-tree-loop-distribute-patterns")))
#endif

/* Word types that may live at any address and alias anything. */
typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) uword_u;
typedef uint64_t __attribute__((__may_alias__)) uword_a;
#define WSIZE sizeof(uint64_t)

LIBKERN_NOPATTERN void *
memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n >= 4 * WSIZE) {
		uint64_t a = *(const uword_u *)(s + 0);
		uint64_t b = *(const uword_u *)(s + 8);
		uint64_t c = *(const uword_u *)(s + 16);
		uint64_t e = *(const uword_u *)(s + 24);
		*(uword_u *)(d + 0) = a;
		*(uword_u *)(d + 8) = b;
		*(uword_u *)(d + 16) = c;
		*(uword_u *)(d + 24) = e;
		d += 4 * WSIZE;
		s += 4 * WSIZE;
		n -= 4 * WSIZE;
	}
	while (n >= WSIZE) {
		*(uword_u *)d = *(const uword_u *)s;
		d += WSIZE;
		s += WSIZE;
		n -= WSIZE;
	}
	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

/* Copy from the end towards the start: dst overlaps src from above. */
LIBKERN_NOPATTERN static void
memcpy_backwards(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	while (n >= WSIZE) {
		d -= WSIZE;
		s -= WSIZE;
		*(uword_u *)d = *(const uword_u *)s;
		n -= WSIZE;
	}
	while (n-- > 0)
		*--d = *--s;
}

LIBKERN_NOPATTERN void *
memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		/* d is below s or beyond s + n: a forward copy is safe. */
		while (n >= WSIZE) {
			*(uword_u *)d = *(const uword_u *)s;
			d += WSIZE;
			s += WSIZE;
			n -= WSIZE;
		}
		while (n-- > 0)
			*d++ = *s++;
	} else {
		memcpy_backwards(d, s, n);
	}
	return dst;
}

LIBKERN_NOPATTERN void *
memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t w = (unsigned char)c * 0x0101010101010101ULL;

	while (n > 0 && ((uintptr_t)d & (WSIZE - 1)) != 0) {
		*d++ = (unsigned char)c;
		n--;
	}
	while (n >= 4 * WSIZE) {
		((uword_a *)d)[0] = w;
		((uword_a *)d)[1] = w;
		((uword_a *)d)[2] = w;
		((uword_a *)d)[3] = w;
		d += 4 * WSIZE;
		n -= 4 * WSIZE;
	}
	while (n >= WSIZE) {
		*(uword_a *)d = w;
		d += WSIZE;
		n -= WSIZE;
	}
	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	while (n >= WSIZE && *(const uword_u *)p == *(const uword_u *)q) {
		p += WSIZE;
		q += WSIZE;
		n -= WSIZE;
	}
	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++) {
		if (*p == (unsigned char)c)
			return (void *)(uintptr_t)p;
	}
	return NULL;
}

size_t
strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return (size_t)(p - s);
}

size_t
strnlen(const char *s, size_t max)
{
	size_t n;

	for (n = 0; n < max && s[n] != '\0'; n++)
		continue;
	return n;
}

int
strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p != '\0' && *p == *q) {
		p++;
		q++;
	}
	return (int)*p - (int)*q;
}

int
strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return (int)*p - (int)*q;
		if (*p == '\0')
			break;
	}
	return 0;
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)(uintptr_t)s;
		if (*s == '\0')
			return NULL;
	}
}

char *
strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)(uintptr_t)last;
	}
}

/*
 * Copy src into dst of size bytes, always NUL-terminated when size > 0.
 * Returns strlen(src): a result >= size means the copy was truncated.
 */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/*
 * Append src to the string in dst of size bytes.  Returns the length of
 * the string it tried to create; >= size means truncation.
 */
size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

/*
 * Split *stringp at the first character found in delim: the delimiter is
 * overwritten with a NUL, *stringp moves past it (NULL when none was
 * found), and the token is returned (NULL once *stringp is NULL).
 */
char *
strsep(char **stringp, const char *delim)
{
	char *tok = *stringp, *p;

	if (tok == NULL)
		return NULL;
	for (p = tok; *p != '\0'; p++) {
		if (strchr(delim, *p) != NULL) {
			*p = '\0';
			*stringp = p + 1;
			return tok;
		}
	}
	*stringp = NULL;
	return tok;
}

static int
digitval(char ch, unsigned base)
{
	unsigned v;

	if (ch >= '0' && ch <= '9')
		v = (unsigned)(ch - '0');
	else if (ch >= 'a' && ch <= 'f')
		v = (unsigned)(ch - 'a') + 10;
	else if (ch >= 'A' && ch <= 'F')
		v = (unsigned)(ch - 'A') + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

/*
 * Parse a whole string as an unsigned decimal number, or hexadecimal with
 * a 0x prefix.  Returns 0 and *valp, EINVAL for an empty string or a stray
 * character, ERANGE if the value does not fit in 64 bits.
 */
int
kstrtou64(const char *s, uint64_t *valp)
{
	unsigned base = 10;
	uint64_t v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return EINVAL;
	for (; *s != '\0'; s++) {
		d = digitval(*s, base);
		if (d < 0)
			return EINVAL;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return ERANGE;
		v = v * base + (unsigned)d;
	}
	*valp = v;
	return 0;
}

/* 32-bit FNV-1a.  Start with HASH32_INIT, or chain a previous result. */
#define FNV32_PRIME 16777619U

uint32_t
hash32_buf(const void *buf, size_t len, uint32_t hash)
{
	const unsigned char *p = buf;

	while (len-- > 0) {
		hash ^= *p++;
		hash *= FNV32_PRIME;
	}
	return hash;
}

uint32_t
hash32_str(const char *s, uint32_t hash)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		hash ^= *p++;
		hash *= FNV32_PRIME;
	}
	return hash;
}
