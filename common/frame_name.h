/*
 * The rules for frame names that every part applies alike: the display
 * name the symbolizer gives a C++ function (its qualified name without
 * return type and parameter list, templates kept), the identity under which
 * the gate and the diff compare functions (without GCC clone suffixes, the
 * inlined marker and lambda numbers), and the frames that are runtime plumbing rather than
 * the program's own functions. docs/folded.md describes them for users.
 */
#ifndef PG_FRAME_NAME_H
#define PG_FRAME_NAME_H

#include <stddef.h>

#include "profile.h"

/* The marker of an inlined frame: "NAME [inlined]". */
#define PG_FRAME_INLINED_MARK " [inlined]"

/* Display names longer than this get their innermost template argument
 * lists collapsed to "<…>" until they fit (or only the outermost are left). */
#define PG_FRAME_NAME_MAX 160

/* The display name of a demangled (or plain C) name: return type and
 * parameter list dropped, templates kept (collapsed from the innermost when
 * the name is longer than PG_FRAME_NAME_MAX), the demangler's
 * " [clone .part.0]" written as the suffix ".part.0". A name that does not
 * parse as a function is returned as it is. NULL when out of memory; the
 * caller frees. */
char *pg_frame_display_name(const char *full);

/* The name under which comparisons know the function of name[0..len):
 * without a trailing PG_FRAME_INLINED_MARK and GCC clone suffixes
 * (".part.N", ".isra.N", ".constprop.N", ".cold", ".lto_priv.N", in any
 * sequence), closure types written "{lambda}" (without signature and
 * number: "main::{lambda(int)#2}::operator()" is "main::{lambda}::operator()")
 * and unnamed types "{unnamed type}". NULL when out of memory; the caller
 * frees. */
char *pg_frame_identity(const char *name, size_t len);

/* Whether the identity of a is identity (0 also when out of memory). */
int pg_frame_same_identity(const char *a, const char *identity);

/* Whether name (an identity) is runtime plumbing that is on the stack of
 * every sample of a process or thread (_start, __libc_start_main,
 * start_thread, __clone3, the interpreter's evaluation loop), or no work
 * at all ("[waiting]"). A function without a name ("[prog+0x1234]") and
 * "[kernel]" do work: they are not. */
int pg_frame_is_runtime(const char *name);

/* What pg_profile_by_identity() does with inlined frames. */
enum pg_inlined {
	PG_INLINED_MERGE,  /* "f [inlined]" becomes f, one function with f */
	PG_INLINED_KEEP,   /* keeps its mark: pg_profile_hot_functions()'s self sees it */
	PG_INLINED_DROP,   /* left out: its weight is its caller's own (perf's self of a symbol) */
};

/* A copy of p with every frame renamed to its identity (threads kept, equal
 * stacks merged), inlined frames as asked. *out is the caller's
 * (pg_profile_free). */
int pg_profile_by_identity(struct pg_profile **out, const struct pg_profile *p, enum pg_inlined inlined);

#endif
