/*
 * Turning addresses into function names after the run, with elfutils libdwfl:
 * symbol tables (.symtab, else .dynsym), separate debug info found by build
 * id under /usr/lib/debug, C++ names demangled and shortened to display
 * names (common/frame_name.h), inlined calls from DWARF. One libdwfl session per
 * module file, shared by every process that loaded it; results are cached
 * per (file, offset).
 */
#ifndef PG_SYMBOLIZE_H
#define PG_SYMBOLIZE_H

#include <stdint.h>

#include "records.h"

struct pg_symbolizer;

int pg_symbolizer_new(struct pg_symbolizer **out);
void pg_symbolizer_free(struct pg_symbolizer *s);

/* The display name of the function at addr in module m (NULL: module unknown).
 * is_return_address: look up addr - 1, since a return address points past
 * the call. Never fails: what cannot be resolved is "[module+0xOFFSET]" or
 * "[unknown]". *resolved says which. Borrowed, valid while s lives. */
const char *pg_symbolize(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
			 int is_return_address, int *resolved);

/* The frames at addr, outermost first, into *names (borrowed, valid while
 * s lives): the function, then each function DWARF says was inlined there,
 * marked "NAME [inlined]" (at most 15; the outermost are kept). Returns
 * their number, at least 1. *resolved as for pg_symbolize. */
size_t pg_symbolize_frames(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
			   int is_return_address, const char *const **names, int *resolved);

/* The demangled name with return type and parameters of the function at
 * addr, when it differs from its display name; else NULL. Borrowed. */
const char *pg_symbolize_full(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
			      int is_return_address);

/* Whether m is profgate's own collector, whose frames never appear. */
int pg_module_is_collector(const struct pg_module *m);

#endif
