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
	const char *name;
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
	size_t n, kept = 0;
	int rc;

	*out = NULL;
	*count = 0;
	if ((rc = pg_diff_names(&names, map, before, after)) < 0)
		return rc;
	n = pg_profile_frame_count(names);
	acc = calloc(n ? n : 1, sizeof(*acc));
	fn = malloc((n ? n : 1) * sizeof(*fn));
	if (!acc || !fn) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	/* Names borrowed from AFTER where it has them, else from BEFORE. */
	for (int k = PG_DIFF_AFTER; k >= PG_DIFF_BEFORE; k--) {
		for (size_t id = 0; id < pg_profile_frame_count(side[k]); id++) {
			if (!acc[map[k][id]].name)
				acc[map[k][id]].name = pg_profile_frame_name(side[k], (pg_frame_id)id);
		}
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
	/* A name interned but in no stack is no function of either. */
	for (size_t u = 0; u < n; u++) {
		const struct fn_acc *a = &acc[u];

		if (!a->seen[0] && !a->seen[1])
			continue;
		fn[kept++] = (struct pg_diff_function){
			a->name,
			(double)a->self[PG_DIFF_BEFORE], (double)a->self[PG_DIFF_AFTER],
			(double)a->total[PG_DIFF_BEFORE], (double)a->total[PG_DIFF_AFTER],
		};
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

/* By |total_after - total_before * scale| descending, then by name. */
int pg_diff_function_compare(const void *va, const void *vb, void *vscale)
{
	const struct pg_diff_function *a = va, *b = vb;
	double scale = *(const double *)vscale;
	double da = fabs(a->total_after - a->total_before * scale);
	double db = fabs(b->total_after - b->total_before * scale);

	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->name, b->name);
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
	qsort_r(*out, *count, sizeof(**out), pg_diff_function_compare, &scale);
	return 0;
}

