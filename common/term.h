/*
 * Text from outside profgate (frame names from profiled programs, paths,
 * refs, the contents of stored files) on its way to a terminal or a CI log.
 * Control characters (C0, DEL, C1) and bytes that are not UTF-8 are written
 * as escapes (\n, \t, \xNN per byte), so that such text
 * stays on its line, cannot drive the terminal, and cannot start a line a CI
 * system reads as a command ("::error::"). Every message and listing of the
 * program writes outside text through these.
 */
#ifndef PG_TERM_H
#define PG_TERM_H

#include <stddef.h>
#include <stdio.h>

/* The character at p as a terminal gets it, into out (room for 20 bytes):
 * returns the bytes written; *adv is how many bytes of p it took, *columns
 * an estimate of the columns it needs (1 for a printable character). */
size_t pg_term_char(char *out, const unsigned char *p, size_t *adv, size_t *columns);

/* Writes s (NULL writes nothing) with control characters escaped. */
void pg_term_puts(FILE *f, const char *s);

/* s with control characters escaped, in buf (always terminated, cut to fit). */
const char *pg_term_escape(char *buf, size_t size, const char *s);

#endif
