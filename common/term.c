/*
 * Outside text made safe for a terminal (term.h).
 */
#include "term.h"

#include <stdint.h>
#include <string.h>

#include "outbuf.h"

/* The character at p: its length in *adv, and whether a terminal may be
 * given it as it is. Control characters (C0, DEL, and C1, which some
 * terminals obey as escape sequences) and bytes that are not UTF-8 may
 * not: each of their bytes is written as \xNN (\n and \t as such). */
static int printable(const unsigned char *p, size_t *adv)
{
	uint32_t cp = 0;
	size_t n = pg_utf8_decode(p, &cp);

	*adv = n ? n : 1;
	return n && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0);
}

static size_t escape_byte(char out[5], unsigned char c)
{
	if (c == '\n')
		return (size_t)snprintf(out, 5, "\\n");
	if (c == '\t')
		return (size_t)snprintf(out, 5, "\\t");
	return (size_t)snprintf(out, 5, "\\x%02x", c);
}

size_t pg_term_char(char *out, const unsigned char *p, size_t *adv, size_t *columns)
{
	size_t n = 0;

	if (printable(p, adv)) {
		memcpy(out, p, *adv);
		*columns = 1;
		return *adv;
	}
	for (size_t i = 0; i < *adv; i++)
		n += escape_byte(out + n, p[i]);
	*columns = n;
	return n;
}

void pg_term_puts(FILE *f, const char *s)
{
	char e[4 * 5];
	size_t adv, cols;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p += adv)
		fwrite(e, 1, pg_term_char(e, p, &adv, &cols), f);
}

const char *pg_term_escape(char *buf, size_t size, const char *s)
{
	size_t n = 0, adv, cols;
	char e[4 * 5];

	if (!size)
		return buf;
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p += adv) {
		size_t k = pg_term_char(e, p, &adv, &cols);

		if (n + k >= size)
			break;
		memcpy(buf + n, e, k);
		n += k;
	}
	buf[n] = '\0';
	return buf;
}
