/*
 * The differential SVG rendered into a stream, beside diff.h's
 * pg_diff_svg_write() (diff.h's API is fixed; the tests render into memory).
 */
#ifndef PG_DIFF_SVG_H
#define PG_DIFF_SVG_H

#include <stdio.h>

#include "diff.h"

int pg_diff_svg_render(const struct pg_profile *before, const struct pg_profile *after,
		       const struct pg_diff_opts *o, FILE *out);

#endif
