/*
 * Differential profiles: what changed between a BEFORE and an AFTER profile
 * (CPU samples or bytes at the heap peak), as the functions that changed most
 * and as differential flame graphs (HTML, SVG in flamegraph.pl's look, and
 * difffolded's "stack before after" lines).
 */
#ifndef PG_DIFF_H
#define PG_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

struct pg_diff_opts {
	const char *title;      /* NULL: "Differential flame graph" */
	const char *unit;       /* "samples" or "bytes" */
	int normalize;          /* scale BEFORE to AFTER's total */
	double hz;              /* > 0: samples are also shown as seconds */
};

/* One function (by name, across all its stacks), counted once per stack
 * for total, as the leaf for self; weights of BEFORE already scaled when
 * normalize was asked for. */
struct pg_diff_function {
	const char *name;       /* borrowed from the profiles */
	double self_before, self_after;
	double total_before, total_after;
};

/* Every function of either profile, sorted by |total_after - total_before|
 * descending (then by name); *out is freed by the caller with free(). */
int pg_diff_functions(struct pg_diff_function **out, size_t *count,
		      const struct pg_profile *before, const struct pg_profile *after, int normalize);

int pg_diff_html_write(const struct pg_profile *before, const struct pg_profile *after,
		       const struct pg_diff_opts *o, const char *path);
int pg_diff_html_render(const struct pg_profile *before, const struct pg_profile *after,
			const struct pg_diff_opts *o, FILE *out);
int pg_diff_svg_write(const struct pg_profile *before, const struct pg_profile *after,
		      const struct pg_diff_opts *o, const char *path);
/* "stack before after" lines, sorted; atomic. */
int pg_diff_folded_write(const struct pg_profile *before, const struct pg_profile *after,
			 int normalize, const char *path);

#endif
