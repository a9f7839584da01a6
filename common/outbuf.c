/*
 * The reporters' buffered writer and its escapings. Frame names come from
 * symbol tables, folded files written by other tools and, in the tests, from
 * an attacker: they may hold any byte but NUL. Everything that puts a name
 * into a report goes through pg_outbuf_json_string() or pg_outbuf_xml_text(),
 * so that a name is always text in the browser, never markup, and the report
 * stays valid UTF-8 whatever bytes the name had.
 */
#define _GNU_SOURCE
#include "outbuf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void pg_outbuf_init(struct pg_outbuf *o, FILE *f)
{
	o->f = f;
	o->len = 0;
	o->failed = 0;
}

static void flush(struct pg_outbuf *o)
{
	if (o->len && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->failed = errno ? errno : EIO;
	o->len = 0;
}

int pg_outbuf_finish(struct pg_outbuf *o, const char *what)
{
	flush(o);
	if (!o->failed && (fflush(o->f) != 0 || ferror(o->f)))
		o->failed = errno ? errno : EIO;
	if (o->failed)
		return pg_error_set("cannot write %s: %s", what, strerror(o->failed));
	return 0;
}

void pg_outbuf_put(struct pg_outbuf *o, const void *data, size_t len)
{
	const char *p = data;

	if (len <= PG_OUTBUF_SIZE - o->len) {
		memcpy(o->buf + o->len, p, len);
		o->len += len;
		return;
	}
	flush(o);
	if (len >= PG_OUTBUF_SIZE / 2) {
		if (!o->failed && fwrite(p, 1, len, o->f) != len)
			o->failed = errno ? errno : EIO;
		return;
	}
	memcpy(o->buf, p, len);
	o->len = len;
}

void pg_outbuf_puts(struct pg_outbuf *o, const char *s)
{
	pg_outbuf_put(o, s, strlen(s));
}

void pg_outbuf_putc(struct pg_outbuf *o, char c)
{
	if (o->len == PG_OUTBUF_SIZE)
		flush(o);
	o->buf[o->len++] = c;
}

void pg_outbuf_u64(struct pg_outbuf *o, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	if (PG_OUTBUF_SIZE - o->len < sizeof(digits))
		flush(o);
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		o->buf[o->len++] = digits[--n];
}

void pg_outbuf_i64(struct pg_outbuf *o, int64_t v)
{
	if (v < 0) {
		pg_outbuf_putc(o, '-');
		pg_outbuf_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		pg_outbuf_u64(o, (uint64_t)v);
	}
}

void pg_outbuf_double(struct pg_outbuf *o, double v, int digits)
{
	char text[64];

	if (!isfinite(v))
		v = 0;
	snprintf(text, sizeof(text), "%.*g", digits, v);
	pg_outbuf_puts(o, text);
}

void pg_outbuf_printf(struct pg_outbuf *o, const char *fmt, ...)
{
	char small[256];
	char *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->failed = o->failed ? o->failed : EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		pg_outbuf_put(o, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->failed = o->failed ? o->failed : ENOMEM;
		return;
	}
	pg_outbuf_put(o, big, (size_t)n);
	free(big);
}

size_t pg_utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t n;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	/* A NUL ends the string and is not a continuation byte: no overrun. */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are
	 * not valid UTF-8; a browser would show them as U+FFFD anyway. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

static const char hex[] = "0123456789abcdef";

static void put_u_escape(struct pg_outbuf *o, uint32_t c)
{
	char e[6] = {'\\', 'u', hex[c >> 12 & 15], hex[c >> 8 & 15], hex[c >> 4 & 15], hex[c & 15]};

	pg_outbuf_put(o, e, sizeof(e));
}

/* Bytes that a JSON string embedded in HTML can carry as they are. */
static int json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

void pg_outbuf_json_string(struct pg_outbuf *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!s) {
		pg_outbuf_put(o, "null", 4);
		return;
	}
	pg_outbuf_putc(o, '"');
	while (*s) {
		const unsigned char *run = s;
		uint32_t cp;
		size_t n;

		while (json_plain(*s))
			s++;
		if (s > run)
			pg_outbuf_put(o, run, (size_t)(s - run));
		if (!*s)
			break;
		switch (*s) {
		case '"': pg_outbuf_put(o, "\\\"", 2); s++; continue;
		case '\\': pg_outbuf_put(o, "\\\\", 2); s++; continue;
		case '\n': pg_outbuf_put(o, "\\n", 2); s++; continue;
		case '\t': pg_outbuf_put(o, "\\t", 2); s++; continue;
		default: break;
		}
		if (*s < 0x80) {  /* other controls, DEL, < > & */
			put_u_escape(o, *s);
			s++;
			continue;
		}
		n = pg_utf8_decode(s, &cp);
		if (n == 0) {
			put_u_escape(o, 0xfffd);
			s++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			put_u_escape(o, cp);
			s += n;
		} else {
			pg_outbuf_put(o, s, n);
			s += n;
		}
	}
	pg_outbuf_putc(o, '"');
}

void pg_outbuf_json_strings(struct pg_outbuf *o, const char *const *v, size_t n)
{
	pg_outbuf_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_json_string(o, v[i]);
	}
	pg_outbuf_putc(o, ']');
}

/* Writes one character of s as XML; returns the bytes consumed. */
static size_t xml_char(struct pg_outbuf *o, const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	switch (*s) {
	case '&': pg_outbuf_put(o, "&amp;", 5); return 1;
	case '<': pg_outbuf_put(o, "&lt;", 4); return 1;
	case '>': pg_outbuf_put(o, "&gt;", 4); return 1;
	case '"': pg_outbuf_put(o, "&quot;", 6); return 1;
	case '\'': pg_outbuf_put(o, "&#39;", 5); return 1;
	default: break;
	}
	if (*s < 0x80) {
		/* XML 1.0 allows no control characters but tab, LF and CR. */
		if ((*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') || *s == 0x7f)
			pg_outbuf_put(o, "\xef\xbf\xbd", 3);
		else
			pg_outbuf_putc(o, (char)*s);
		return 1;
	}
	n = pg_utf8_decode(s, &cp);
	if (n == 0 || cp == 0xfffe || cp == 0xffff || (cp >= 0x80 && cp <= 0x9f)) {
		pg_outbuf_put(o, "\xef\xbf\xbd", 3);
		return n ? n : 1;
	}
	pg_outbuf_put(o, s, n);
	return n;
}

void pg_outbuf_xml_text(struct pg_outbuf *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s)
		s += xml_char(o, s);
}

void pg_outbuf_xml_text_cut(struct pg_outbuf *o, const char *str, size_t max_chars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t chars = 0;
	const unsigned char *p = s;

	/* Count characters (not bytes) so that a cut never splits one. */
	while (*p && chars <= max_chars) {
		uint32_t cp;
		size_t n = pg_utf8_decode(p, &cp);

		p += n ? n : 1;
		chars++;
	}
	if (chars <= max_chars) {
		pg_outbuf_xml_text(o, str);
		return;
	}
	if (max_chars < 3)
		return;
	for (size_t i = 0; i + 2 < max_chars && *s; i++)
		s += xml_char(o, s);
	pg_outbuf_put(o, "..", 2);
}
