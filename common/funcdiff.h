/*
 * Functions compared across two profiles: each function (by name, across all
 * its stacks) with its self and inclusive weight before and after.
 */
#ifndef PG_FUNCDIFF_H
#define PG_FUNCDIFF_H

#include <stddef.h>

#include "profile.h"

/* One function (by name, across all its stacks), counted once per stack
 * for total, as the leaf for self; weights of BEFORE already scaled when
 * normalize was asked for. */
struct pg_diff_function {
	const char *name;       /* its identity (frame_name.h); in the block of the array */
	double self_before, self_after;
	double total_before, total_after;
};

/* Every function of either profile, sorted by the change of self weight,
 * |self_after - self_before| descending (then by name): where the time or
 * the bytes went (by total, main and the program's root would come first);
 * *out is freed by the caller with free(). */
int pg_diff_functions(struct pg_diff_function **out, size_t *count,
		      const struct pg_profile *before, const struct pg_profile *after, int normalize);

/* The factor that scales BEFORE's weights to AFTER's total when normalize
 * is asked for (and BEFORE has any), else 1. */
double pg_diff_before_scale(const struct pg_profile *before, const struct pg_profile *after, int normalize);

/* Every function of either side with unscaled weights, in no order; *out is
 * freed by the caller with free(). */
int pg_diff_functions_raw(struct pg_diff_function **out, size_t *count,
			  const struct pg_profile *before, const struct pg_profile *after);

/* qsort_r comparators: by |total_after - total_before * *(double *)vscale|,
 * and by |self_after - self_before * *(double *)vscale|, descending, then by
 * name. */
int pg_diff_function_compare(const void *va, const void *vb, void *vscale);
int pg_diff_function_compare_self(const void *va, const void *vb, void *vscale);

#endif
