/*
 * The profile model every part shares: frame names interned once in one pool,
 * and stacks (root first) with integer weights (samples or bytes), kept per
 * thread where the thread is known. Adding a stack that already exists (same
 * frames, same thread) adds its weight instead of storing it twice.
 */
#ifndef PG_PROFILE_H
#define PG_PROFILE_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t pg_frame_id;

#define PG_TID_ANY (-1)  /* a stack whose thread is not known */

struct pg_profile;

struct pg_stack {
	const pg_frame_id *frames;  /* root first; borrowed from the profile */
	uint32_t depth;
	int32_t tid;                /* PG_TID_ANY when unknown */
	uint64_t weight;
};

int pg_profile_new(struct pg_profile **out);
void pg_profile_free(struct pg_profile *p);  /* NULL is a no-op */

/* Interns a name of len bytes (not necessarily NUL-terminated). A name that
 * contains a NUL byte is PG_EINVALID: names are handed out as C strings. */
int pg_profile_intern(pg_frame_id *out, struct pg_profile *p, const char *name, size_t len);
/* Borrowed, NUL-terminated, valid while the profile lives. */
const char *pg_profile_frame_name(const struct pg_profile *p, pg_frame_id id);
size_t pg_profile_frame_count(const struct pg_profile *p);

/* Adds weight to the stack frames[0..depth) of thread tid; depth >= 1. */
int pg_profile_add_stack(struct pg_profile *p, const pg_frame_id *frames, size_t depth,
			 int32_t tid, uint64_t weight);

/* Same, and tells which stack (index for pg_profile_stack) received it. */
int pg_profile_add_stack_at(size_t *index_out, struct pg_profile *p, const pg_frame_id *frames,
			    size_t depth, int32_t tid, uint64_t weight);

size_t pg_profile_stack_count(const struct pg_profile *p);
/* Stacks in insertion order; borrowed. */
const struct pg_stack *pg_profile_stack(const struct pg_profile *p, size_t i);
/* Sum of all weights. */
uint64_t pg_profile_total(const struct pg_profile *p);

/* One function's share: self = weight of stacks where it is the leaf, or
 * where only frames inlined into it ("NAME [inlined]") are below it (so an
 * inlined leaf's weight counts for both); total = weight of stacks where it
 * appears anywhere (counted once per stack). */
struct pg_hot_function {
	pg_frame_id frame;
	uint64_t self;
	uint64_t total;
};
/* Fills *out (caller frees with free()) with every function of the profile,
 * sorted by total then self, descending, then by name; *count is their number.
 * Frames at depth 0 (the root naming the program) are included like any other. */
int pg_profile_hot_functions(struct pg_hot_function **out, size_t *count, const struct pg_profile *p);

/* The length of a frame name's function part: a Python frame
 * "QUALNAME (FILE:LINE)" is the function "QUALNAME (FILE)" at any line, so
 * that moving code is not a change; the part is "QUALNAME (FILE" (the caller
 * closes the parenthesis); any other name is all function. *is_py (may be
 * NULL) says whether the name is a Python frame. */
size_t pg_frame_function_len(const char *name, int *is_py);

/* Whether any frame of p is a Python frame. */
int pg_profile_has_python(const struct pg_profile *p);

/* A copy of p by function: each Python frame's line is dropped
 * ("QUALNAME (FILE)"), and frames for which drop() says so (may be NULL)
 * are left out, their weight staying with the stack. What gates and diffs
 * compare. */
int pg_profile_function_view(struct pg_profile **out, const struct pg_profile *p,
			     int (*drop)(const char *name));

#endif
