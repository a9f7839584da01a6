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

#include "funcdiff.h"
#include "profile.h"

struct pg_diff_opts {
	const char *title;      /* NULL: "Differential flame graph" */
	const char *unit;       /* "samples" or "bytes" */
	int normalize;          /* scale BEFORE to AFTER's total */
	double hz;              /* > 0: samples are also shown as seconds */
};

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
