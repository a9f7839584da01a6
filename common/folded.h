/*
 * Folded stacks (Brendan Gregg's format): one stack per line, frames root
 * first separated by ';', a space, then an integer weight. Reading merges
 * into a profile; writing emits one line per distinct stack (threads merged),
 * sorted, so that the same profile always gives the same bytes.
 */
#ifndef PG_FOLDED_H
#define PG_FOLDED_H

#include <stdio.h>
#include "profile.h"

/* Parses buf[0..len) and adds its stacks to p (tid PG_TID_ANY). name is used
 * in error messages: "'<name>' line <n>: <problem>". Blank lines and a final
 * line without '\n' are accepted; "\r\n" line ends too. Anything else that is
 * not "frames weight" (no weight, a negative, fractional or overflowing
 * weight, an empty or all-blank frame, an empty stack, a NUL byte) is
 * PG_EINVALID, and p may then hold the lines before the bad one. The weight
 * follows the last space, so frame names may contain spaces. */
int pg_folded_parse(struct pg_profile *p, const char *name, const char *buf, size_t len);
/* Reads a whole file ("-" for stdin) and parses it. */
int pg_folded_read_file(struct pg_profile *p, const char *path);

/* Writes every stack of p, threads merged, lines sorted by byte order.
 * A frame name that contains ';', a newline or another control byte that
 * would break the format is written with such bytes replaced by '?' (an empty
 * or all-blank name becomes question marks), so that the output always
 * parses back. */
int pg_folded_write(const struct pg_profile *p, FILE *f);
/* Writes atomically to path (temporary file in the same folder, then rename). */
int pg_folded_write_file(const struct pg_profile *p, const char *path);

#endif
