/*
 * Functions compared across two profiles (funcdiff.h): each function's self
 * and inclusive weight on both sides, for the gate's function rows and the
 * diff's table of changed functions.
 */
#define _GNU_SOURCE
#include "funcdiff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "difftree.h"
#include "error.h"

double pg_diff_before_scale(const struct pg_profile *before, const struct pg_profile *after, int normalize)
{
	uint64_t tb = pg_profile_total(before), ta = pg_profile_total(after);

	return normalize && tb ? (double)ta / (double)tb : 1.0;
}

struct fn_acc {
	uint64_t self[2], total[2];
	uint32_t seen[2];   /* index + 1 of the last stack of that side that counted it */
};

/* Every function of either side with unscaled weights, in no order. */
int pg_diff_functions_raw(struct pg_diff_function **out, size_t *count,
			 const struct pg_profile *before, const struct pg_profile *after)
{
	const struct pg_profile *side[2] = {before, after};
	struct pg_profile *names = NULL;
	uint32_t *map[2] = {NULL, NULL};
	struct fn_acc *acc = NULL;
	struct pg_diff_function *fn = NULL;
	size_t n, kept = 0, pool = 0;
	char *at;
	int rc;

	*out = NULL;
	*count = 0;
	if ((rc = pg_diff_names(&names, map, before, after)) < 0)
		return rc;
	n = pg_profile_frame_count(names);
	if (!(acc = calloc(n ? n : 1, sizeof(*acc)))) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (int k = 0; k < 2; k++) {
		for (size_t s = 0; s < pg_profile_stack_count(side[k]); s++) {
			const struct pg_stack *st = pg_profile_stack(side[k], s);
			uint32_t mark = (uint32_t)s + 1;

			/* A recursive function's samples are spent once. */
			for (uint32_t d = 0; d < st->depth; d++) {
				struct fn_acc *a = &acc[map[k][st->frames[d]]];

				if (a->seen[k] != mark) {
					a->seen[k] = mark;
					a->total[k] += st->weight;
				}
			}
			acc[map[k][st->frames[st->depth - 1]]].self[k] += st->weight;
		}
	}
	/* Each function by its identity (the name the two sides were matched
	 * by: "f" for f.part.0 and "f [inlined]", "main::{lambda}::operator()"
	 * for all of main's lambdas), kept after the array in one block. A name
	 * interned but in no stack is no function of either. */
	for (size_t u = 0; u < n; u++)
		if (acc[u].seen[0] || acc[u].seen[1])
			pool += strlen(pg_profile_frame_name(names, (pg_frame_id)u)) + 1;
	if (!(fn = malloc((n ? n : 1) * sizeof(*fn) + pool))) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	at = (char *)(fn + (n ? n : 1));
	for (size_t u = 0; u < n; u++) {
		const struct fn_acc *a = &acc[u];
		const char *name = pg_profile_frame_name(names, (pg_frame_id)u);

		if (!a->seen[0] && !a->seen[1])
			continue;
		memcpy(at, name, strlen(name) + 1);
		fn[kept++] = (struct pg_diff_function){
			at,
			(double)a->self[PG_DIFF_BEFORE], (double)a->self[PG_DIFF_AFTER],
			(double)a->total[PG_DIFF_BEFORE], (double)a->total[PG_DIFF_AFTER],
		};
		at += strlen(name) + 1;
	}
	*out = fn;
	*count = kept;
	fn = NULL;
done:
	pg_profile_free(names);
	free(map[0]);
	free(map[1]);
	free(acc);
	free(fn);
	return rc;
}

/* The larger change first (da and db are sizes of change), then by name. */
static int by_change(double da, double db, const struct pg_diff_function *a, const struct pg_diff_function *b)
{
	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->name, b->name);
}

int pg_diff_function_compare(const void *va, const void *vb, void *vscale)
{
	const struct pg_diff_function *a = va, *b = vb;
	double scale = *(const double *)vscale;

	return by_change(fabs(a->total_after - a->total_before * scale),
			 fabs(b->total_after - b->total_before * scale), a, b);
}

int pg_diff_function_compare_self(const void *va, const void *vb, void *vscale)
{
	const struct pg_diff_function *a = va, *b = vb;
	double scale = *(const double *)vscale;

	return by_change(fabs(a->self_after - a->self_before * scale),
			 fabs(b->self_after - b->self_before * scale), a, b);
}

int pg_diff_functions(struct pg_diff_function **out, size_t *count,
		      const struct pg_profile *before, const struct pg_profile *after, int normalize)
{
	double scale = pg_diff_before_scale(before, after, normalize);
	int rc;

	if ((rc = pg_diff_functions_raw(out, count, before, after)) < 0)
		return rc;
	for (size_t i = 0; i < *count; i++) {
		(*out)[i].self_before *= scale;
		(*out)[i].total_before *= scale;
	}
	scale = 1.0;  /* already applied */
	qsort_r(*out, *count, sizeof(**out), pg_diff_function_compare_self, &scale);
	return 0;
}

