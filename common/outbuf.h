/*
 * A buffered writer for reporters that emit megabytes of numbers and names
 * (the HTML report's embedded JSON, the SVG flame graph): it batches small
 * writes into one fwrite, formats integers without printf, and knows the
 * two escapings that keep frame names data rather than markup: JSON strings
 * that are safe inside an HTML <script> element, and XML text/attributes.
 * A write error is remembered and reported once by pg_outbuf_finish().
 */
#ifndef PG_OUTBUF_H
#define PG_OUTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PG_OUTBUF_SIZE 65536

struct pg_outbuf {
	FILE *f;         /* borrowed */
	size_t len;
	int failed;      /* a write to f failed; later writes are dropped */
	char buf[PG_OUTBUF_SIZE];
};

/* Contents only; the struct is large: allocate it, or keep it static. */
void pg_outbuf_init(struct pg_outbuf *o, FILE *f);
/* Flushes into the FILE (which stays open) and checks it; 0 or an error
 * naming what: "cannot write <what>: <strerror>". */
int pg_outbuf_finish(struct pg_outbuf *o, const char *what);

void pg_outbuf_put(struct pg_outbuf *o, const void *data, size_t len);
void pg_outbuf_puts(struct pg_outbuf *o, const char *s);
void pg_outbuf_putc(struct pg_outbuf *o, char c);
void pg_outbuf_u64(struct pg_outbuf *o, uint64_t v);
void pg_outbuf_i64(struct pg_outbuf *o, int64_t v);
/* A finite double in the shortest of "%.*g" that reads back within 1e-9
 * relative; NaN and infinities as 0 (JSON has no such numbers). */
void pg_outbuf_double(struct pg_outbuf *o, double v, int digits);
void pg_outbuf_printf(struct pg_outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s as a quoted JSON string that can be embedded in an HTML <script> block:
 * '<', '>' and '&' become \u003c \u003e \u0026 (so "</script>" and "<!--"
 * cannot end or change the block), control characters and U+2028/U+2029 are
 * escaped, and bytes that are not valid UTF-8 become U+FFFD. NULL writes null. */
void pg_outbuf_json_string(struct pg_outbuf *o, const char *s);
/* The n strings of v as a JSON array, each written as pg_outbuf_json_string
 * writes it. */
void pg_outbuf_json_strings(struct pg_outbuf *o, const char *const *v, size_t n);
/* s as XML character data or the value of a double-quoted attribute:
 * & < > " ' escaped, characters XML forbids (controls but tab, LF and CR,
 * U+FFFE, U+FFFF) and invalid UTF-8 replaced by U+FFFD. */
void pg_outbuf_xml_text(struct pg_outbuf *o, const char *s);
/* The same as pg_outbuf_xml_text but cut to at most max_chars characters,
 * ending in ".." when cut (the label inside a flame graph frame). */
void pg_outbuf_xml_text_cut(struct pg_outbuf *o, const char *s, size_t max_chars);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there
 * are not one; *cp receives the code point. s is NUL-terminated. */
size_t pg_utf8_decode(const unsigned char *s, uint32_t *cp);

#endif
