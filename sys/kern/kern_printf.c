/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_printf.c: formatted output, the console and panic().
 *
 * One formatter (kfmt) serves snprintf/vsnprintf, which fill a buffer, and
 * printf/vprintf/aprint_verbose, which write to the console through the
 * rumpuser_putchar() hypercall.  It knows the conversions the kernel uses:
 * %d %i %u %x %X %o %s %c %p %% with the flags - 0 + space #, a width and
 * precision (either may be *), and the length modifiers hh h l ll z j t.
 *
 * panic() prints its message and aborts the host process through
 * rumpuser_exit(RUMPUSER_PANIC).  Called from everywhere in the kernel.
 */
#include "kern/kern.h"

/* Non-zero when RUMP_VERBOSE is set; rump_init() sets it. */
int boothowto_verbose;

/* Where formatted characters go. */
struct kfmt_out {
	void (*ko_put)(struct kfmt_out *ko, char ch);
	char *ko_buf;           /* snprintf: destination */
	size_t ko_size;         /* snprintf: its size */
	size_t ko_count;        /* characters produced so far */
};

/* One conversion's flags, width and precision. */
struct kfmt_spec {
	bool ks_left;           /* '-' */
	bool ks_zero;           /* '0' */
	bool ks_plus;           /* '+' */
	bool ks_space;          /* ' ' */
	bool ks_alt;            /* '#' */
	int ks_width;
	int ks_prec;            /* -1: none */
};

static void
kfmt_putc(struct kfmt_out *ko, char ch)
{
	ko->ko_put(ko, ch);
	ko->ko_count++;
}

static void
kfmt_pad(struct kfmt_out *ko, char ch, int n)
{
	while (n-- > 0)
		kfmt_putc(ko, ch);
}

/* Emit a string of len characters, padded to the width. */
static void
kfmt_str(struct kfmt_out *ko, const struct kfmt_spec *ks, const char *s,
    size_t len)
{
	int pad = ks->ks_width > (int)len ? ks->ks_width - (int)len : 0;

	if (!ks->ks_left)
		kfmt_pad(ko, ' ', pad);
	while (len-- > 0)
		kfmt_putc(ko, *s++);
	if (ks->ks_left)
		kfmt_pad(ko, ' ', pad);
}

/*
 * Emit a number: sign or prefix, zeros for the precision or the '0' flag,
 * then the digits.
 */
static void
kfmt_num(struct kfmt_out *ko, const struct kfmt_spec *ks, uint64_t v,
    unsigned base, bool neg, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0, zeros, pad, plen = (int)strlen(prefix);

	while (v != 0) {
		buf[n++] = digits[v % base];
		v /= base;
	}
	if (n == 0 && ks->ks_prec != 0)
		buf[n++] = '0';
	if (neg || ks->ks_plus || ks->ks_space)
		plen = 1;
	zeros = ks->ks_prec > n ? ks->ks_prec - n : 0;
	pad = ks->ks_width - n - zeros - plen;
	if (pad > 0 && ks->ks_zero && !ks->ks_left && ks->ks_prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!ks->ks_left)
		kfmt_pad(ko, ' ', pad);
	if (neg)
		kfmt_putc(ko, '-');
	else if (ks->ks_plus)
		kfmt_putc(ko, '+');
	else if (ks->ks_space)
		kfmt_putc(ko, ' ');
	else
		while (*prefix != '\0')
			kfmt_putc(ko, *prefix++);
	kfmt_pad(ko, '0', zeros);
	while (n > 0)
		kfmt_putc(ko, buf[--n]);
	if (ks->ks_left)
		kfmt_pad(ko, ' ', pad);
}

/* Parse flags, width and precision at *fmtp; advances *fmtp. */
static void
kfmt_parse_spec(const char **fmtp, va_list *ap, struct kfmt_spec *ks)
{
	const char *f = *fmtp;

	memset(ks, 0, sizeof(*ks));
	ks->ks_prec = -1;
	for (;; f++) {
		if (*f == '-')
			ks->ks_left = true;
		else if (*f == '0')
			ks->ks_zero = true;
		else if (*f == '+')
			ks->ks_plus = true;
		else if (*f == ' ')
			ks->ks_space = true;
		else if (*f == '#')
			ks->ks_alt = true;
		else
			break;
	}
	if (*f == '*') {
		ks->ks_width = va_arg(*ap, int);
		if (ks->ks_width < 0) {
			ks->ks_left = true;
			ks->ks_width = -ks->ks_width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			ks->ks_width = ks->ks_width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		ks->ks_prec = 0;
		if (*f == '*') {
			ks->ks_prec = va_arg(*ap, int);
			if (ks->ks_prec < 0)
				ks->ks_prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				ks->ks_prec = ks->ks_prec * 10 + (*f++ - '0');
		}
	}
	*fmtp = f;
}

enum kfmt_len { KL_INT, KL_CHAR, KL_SHORT, KL_LONG, KL_LLONG, KL_SIZE };

static enum kfmt_len
kfmt_parse_len(const char **fmtp)
{
	const char *f = *fmtp;
	enum kfmt_len len = KL_INT;

	if (f[0] == 'h' && f[1] == 'h') {
		len = KL_CHAR;
		f += 2;
	} else if (f[0] == 'h') {
		len = KL_SHORT;
		f++;
	} else if (f[0] == 'l' && f[1] == 'l') {
		len = KL_LLONG;
		f += 2;
	} else if (f[0] == 'l') {
		len = KL_LONG;
		f++;
	} else if (f[0] == 'z' || f[0] == 'j' || f[0] == 't') {
		len = KL_SIZE;
		f++;
	}
	*fmtp = f;
	return len;
}

static int64_t
kfmt_signed(va_list *ap, enum kfmt_len len)
{
	switch (len) {
	case KL_CHAR:
		return (signed char)va_arg(*ap, int);
	case KL_SHORT:
		return (short)va_arg(*ap, int);
	case KL_LONG:
		return va_arg(*ap, long);
	case KL_LLONG:
		return va_arg(*ap, long long);
	case KL_SIZE:
		return va_arg(*ap, int64_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t
kfmt_unsigned(va_list *ap, enum kfmt_len len)
{
	switch (len) {
	case KL_CHAR:
		return (unsigned char)va_arg(*ap, unsigned);
	case KL_SHORT:
		return (unsigned short)va_arg(*ap, unsigned);
	case KL_LONG:
		return va_arg(*ap, unsigned long);
	case KL_LLONG:
		return va_arg(*ap, unsigned long long);
	case KL_SIZE:
		return va_arg(*ap, uint64_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* Format one conversion whose letter is conv. */
static void
kfmt_conv(struct kfmt_out *ko, struct kfmt_spec *ks, enum kfmt_len len,
    char conv, va_list *ap)
{
	const char *s;
	int64_t sv;
	uint64_t uv;
	char ch;

	switch (conv) {
	case 'd':
	case 'i':
		sv = kfmt_signed(ap, len);
		uv = sv < 0 ? -(uint64_t)sv : (uint64_t)sv;
		kfmt_num(ko, ks, uv, 10, sv < 0, false, "");
		break;
	case 'u':
		ks->ks_plus = ks->ks_space = false;
		kfmt_num(ko, ks, kfmt_unsigned(ap, len), 10, false, false, "");
		break;
	case 'x':
	case 'X':
		ks->ks_plus = ks->ks_space = false;
		uv = kfmt_unsigned(ap, len);
		kfmt_num(ko, ks, uv, 16, false, conv == 'X',
		    ks->ks_alt && uv != 0 ? (conv == 'X' ? "0X" : "0x") : "");
		break;
	case 'o':
		ks->ks_plus = ks->ks_space = false;
		uv = kfmt_unsigned(ap, len);
		kfmt_num(ko, ks, uv, 8, false, false,
		    ks->ks_alt && uv != 0 ? "0" : "");
		break;
	case 'p':
		ks->ks_plus = ks->ks_space = false;
		uv = (uintptr_t)va_arg(*ap, void *);
		kfmt_num(ko, ks, uv, 16, false, false, "0x");
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (s == NULL)
			s = "(null)";
		kfmt_str(ko, ks, s, ks->ks_prec >= 0 ?
		    strnlen(s, (size_t)ks->ks_prec) : strlen(s));
		break;
	case 'c':
		ch = (char)va_arg(*ap, int);
		kfmt_str(ko, ks, &ch, 1);
		break;
	default:
		/* %% and unknown conversions print themselves. */
		kfmt_putc(ko, conv);
		break;
	}
}

static size_t
kfmt(struct kfmt_out *ko, const char *fmt, va_list ap0)
{
	struct kfmt_spec ks;
	enum kfmt_len len;
	va_list ap;

	va_copy(ap, ap0);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			kfmt_putc(ko, *fmt++);
			continue;
		}
		fmt++;
		kfmt_parse_spec(&fmt, &ap, &ks);
		len = kfmt_parse_len(&fmt);
		if (*fmt == '\0')
			break;
		kfmt_conv(ko, &ks, len, *fmt++, &ap);
	}
	va_end(ap);
	return ko->ko_count;
}

static void
kfmt_put_buf(struct kfmt_out *ko, char ch)
{
	if (ko->ko_count + 1 < ko->ko_size)
		ko->ko_buf[ko->ko_count] = ch;
}

/*
 * Format into buf of len bytes, NUL-terminated when len > 0.  Returns the
 * length the full output has, which is >= len when it was truncated.
 */
int
vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct kfmt_out ko = {
		.ko_put = kfmt_put_buf, .ko_buf = buf, .ko_size = len,
	};
	size_t n;

	n = kfmt(&ko, fmt, ap);
	if (len > 0)
		buf[n < len ? n : len - 1] = '\0';
	return n > INT_MAX ? INT_MAX : (int)n;
}

int
snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

static void
kfmt_put_console(struct kfmt_out *ko, char ch)
{
	rumpuser_putchar((unsigned char)ch);
}

/* Print to the console; returns the number of characters printed. */
int
vprintf(const char *fmt, va_list ap)
{
	struct kfmt_out ko = { .ko_put = kfmt_put_console };
	size_t n;

	n = kfmt(&ko, fmt, ap);
	return n > INT_MAX ? INT_MAX : (int)n;
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Boot chatter: printed only when the kernel runs verbose. */
void
aprint_verbose(const char *fmt, ...)
{
	va_list ap;

	if (boothowto_verbose == 0)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/*
 * Stop the kernel: print "panic: <message>" and abort the host process.
 * A panic while panicking (a broken console, an assertion on the way out)
 * goes straight to the abort.
 */
void
panic(const char *fmt, ...)
{
	static int panicking;
	va_list ap;

	if (atomic_swap(&panicking, 1) == 0) {
		printf("panic: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	rumpuser_exit(RUMPUSER_PANIC);
}
