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

/* What a frame's colour shows: the change of its self weight on that path,
 * or of its function's total across all paths; AUTO picks function when the
 * call paths changed by more than PG_DIFF_FUNCTION_MODE_CHURN (difftree.h). */
enum pg_diff_colour { PG_DIFF_COLOUR_AUTO = 0, PG_DIFF_COLOUR_PATH, PG_DIFF_COLOUR_FUNCTION };

struct pg_diff_opts {
	const char *title;      /* NULL: "Differential flame graph" */
	const char *unit;       /* "samples" or "bytes" */
	int normalize;          /* scale BEFORE to AFTER's total */
	double hz;              /* > 0: samples are also shown as seconds */
	enum pg_diff_colour colour;
	/* Interleaved mode: only the functions named here changed
	 * significantly across the pairs; the HTML graph colours only their
	 * frames and draws the others neutral ("within noise"). 0: colour
	 * every frame by its change. */
	int paired;
	const char *const *significant;
	size_t nsignificant;
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

/* A diff render: into f, with what ("'path'") naming the output in its
 * messages. */
typedef int pg_diff_render_fn(const struct pg_profile *before, const struct pg_profile *after,
			      const struct pg_diff_opts *o, FILE *f, const char *what);
/* What the three diff writers share: render into path atomically. */
int pg_diff_write_file(const char *path, pg_diff_render_fn *render, const struct pg_profile *before,
		       const struct pg_profile *after, const struct pg_diff_opts *o);

#endif
