/*
 * Building the merged tree of a differential flame graph (see difftree.h).
 *
 * The two profiles' frame ids are unrelated, so names are matched first:
 * each distinct function (by its identity, frame_name.h: f.part.0 and
 * "f [inlined]" are f) is interned once into the merged profile, which gives
 * a map per side from its ids to merged ids. The stacks are then copied in
 * with importance weights (each side scaled to 2^40, so that both shapes
 * count alike when narrow nodes are folded), and pg_flametree_build() does
 * the rest. Where each original stack ended up (pg_flametree.stack_node) is
 * what gives every node its exact weights per side, remainders included.
 */
#define _GNU_SOURCE
#include "difftree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "frame_name.h"

/* Each side's importance weights add up to this. */
#define SIDE_SCALE 1099511627776.0  /* 2^40 */

static int intern_side(struct pg_profile *names, uint32_t **map, const struct pg_profile *p)
{
	size_t n = pg_profile_frame_count(p);

	if (!(*map = malloc((n ? n : 1) * sizeof(**map))))
		return pg_error_set("out of memory");
	for (size_t id = 0; id < n; id++) {
		const char *s = pg_profile_frame_name(p, (pg_frame_id)id);
		char *ident = pg_frame_identity(s, strlen(s));
		pg_frame_id m;
		int rc;

		/* One function whatever its clone suffix, inlining or lambda number. */
		if (!ident)
			return pg_error_set("out of memory");
		rc = pg_profile_intern(&m, names, ident, strlen(ident));
		free(ident);
		if (rc < 0)
			return rc;
		(*map)[id] = m;
	}
	return 0;
}

int pg_diff_names(struct pg_profile **names, uint32_t *map[2],
		  const struct pg_profile *before, const struct pg_profile *after)
{
	int rc;

	*names = NULL;
	map[0] = map[1] = NULL;
	if ((rc = pg_profile_new(names)) < 0)
		return rc;
	/* AFTER first: the shape drawn by default keeps its own order of ids. */
	if ((rc = intern_side(*names, &map[PG_DIFF_AFTER], after)) < 0 ||
	    (rc = intern_side(*names, &map[PG_DIFF_BEFORE], before)) < 0) {
		pg_profile_free(*names);
		*names = NULL;
		free(map[0]);
		free(map[1]);
		map[0] = map[1] = NULL;
		return rc;
	}
	return 0;
}

/* Copies the stacks of side into t->merged; at[s] receives the merged
 * index of stack s. */
static int copy_side(struct pg_difftree *t, size_t *at, const struct pg_profile *p, const uint32_t *map,
		     int side)
{
	size_t n = pg_profile_stack_count(p);
	uint64_t sum = pg_profile_total(p);
	double scale = sum ? SIDE_SCALE / (double)sum : 0;
	pg_frame_id *buf = NULL;
	size_t cap = 0;
	int rc = 0;

	for (size_t s = 0; s < n; s++) {
		const struct pg_stack *st = pg_profile_stack(p, s);

		if (st->depth > cap) {
			size_t want = cap ? cap : 64;
			pg_frame_id *bigger;

			while (want < st->depth)
				want *= 2;
			if (!(bigger = realloc(buf, want * sizeof(*buf)))) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			buf = bigger;
			cap = want;
		}
		for (uint32_t d = 0; d < st->depth; d++)
			buf[d] = map[st->frames[d]];
		if ((rc = pg_profile_add_stack_at(&at[s], t->merged, buf, st->depth, side,
						  (uint64_t)llround((double)st->weight * scale))) < 0)
			goto done;
	}
done:
	free(buf);
	return rc;
}

int pg_difftree_build(struct pg_difftree **out, const struct pg_profile *before,
		      const struct pg_profile *after, size_t max_nodes, double min_share)
{
	const struct pg_profile *side[2] = {before, after};
	struct pg_difftree *t = calloc(1, sizeof(*t));
	uint32_t *map[2] = {NULL, NULL};
	size_t *at[2] = {NULL, NULL};
	double min_weight = min_share > 0 ? ceil(min_share * 2 * SIDE_SCALE) : 0;
	int rc;

	*out = NULL;
	if (!t)
		return pg_error_set("out of memory");
	if ((rc = pg_diff_names(&t->merged, map, before, after)) < 0)
		goto done;
	for (int k = 0; k < 2; k++) {
		size_t n = pg_profile_stack_count(side[k]);

		t->sum[k] = pg_profile_total(side[k]);
		t->stacks[k] = n;
		if (!(at[k] = malloc((n ? n : 1) * sizeof(*at[k])))) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		if ((rc = copy_side(t, at[k], side[k], map[k], k)) < 0)
			goto done;
	}
	if ((rc = pg_flametree_build(&t->tree, t->merged, max_nodes, (uint64_t)min_weight)) < 0)
		goto done;

	for (int k = 0; k < 2; k++) {
		size_t count = t->tree->count;

		t->self[k] = calloc(count, sizeof(*t->self[k]));
		t->total[k] = malloc(count * sizeof(*t->total[k]));
		if (!t->self[k] || !t->total[k]) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		for (size_t s = 0; s < t->stacks[k]; s++)
			t->self[k][t->tree->stack_node[at[k][s]]] += pg_profile_stack(side[k], s)->weight;
		/* Preorder: every child comes after its parent. */
		memcpy(t->total[k], t->self[k], count * sizeof(*t->total[k]));
		for (size_t i = count - 1; i > 0; i--)
			t->total[k][t->tree->nodes[i].parent] += t->total[k][i];
	}
	t->min_share = t->tree->threshold ? (double)t->tree->threshold / (2 * SIDE_SCALE) : 0;
	*out = t;
	t = NULL;
done:
	free(map[0]);
	free(map[1]);
	free(at[0]);
	free(at[1]);
	pg_difftree_free(t);
	return rc;
}

void pg_difftree_free(struct pg_difftree *t)
{
	if (!t)
		return;
	pg_flametree_free(t->tree);
	pg_profile_free(t->merged);
	for (int k = 0; k < 2; k++) {
		free(t->self[k]);
		free(t->total[k]);
	}
	free(t);
}

const char *pg_difftree_name(const struct pg_difftree *t, size_t i)
{
	int64_t f = t->tree->nodes[i].frame;

	if (f == PG_FLAMETREE_ROOT)
		return "all";
	if (f == PG_FLAMETREE_REST)
		return NULL;
	return pg_profile_frame_name(t->merged, (pg_frame_id)f);
}

double pg_difftree_path_churn(const struct pg_difftree *t)
{
	double churn = 0;

	for (int k = 0; k < 2; k++) {
		uint64_t alone = 0;

		if (t->sum[k] == 0)
			continue;
		for (size_t i = 1; i < t->tree->count; i++)
			if (t->total[!k][i] == 0)
				alone += t->self[k][i];
		churn = fmax(churn, (double)alone / (double)t->sum[k]);
	}
	return churn;
}

int pg_difftree_function_totals(uint64_t *out[2], const struct pg_difftree *t)
{
	size_t n = t->tree->count, nf = pg_profile_frame_count(t->merged);
	uint64_t *fn[2] = { calloc(nf ? nf : 1, sizeof(uint64_t)), calloc(nf ? nf : 1, sizeof(uint64_t)) };
	int rc = 0;

	if (!fn[0] || !fn[1]) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 1; i < n; i++) {
		int64_t f = t->tree->nodes[i].frame;
		int nested = 0;

		if (f < 0)
			continue;
		for (uint32_t p = t->tree->nodes[i].parent; p > 0 && !nested; p = t->tree->nodes[p].parent)
			nested = t->tree->nodes[p].frame == f;
		if (nested)
			continue;
		for (int k = 0; k < 2; k++)
			fn[k][f] += t->total[k][i];
	}
	for (size_t i = 0; i < n; i++) {
		int64_t f = t->tree->nodes[i].frame;

		for (int k = 0; k < 2; k++)
			out[k][i] = f >= 0 ? fn[k][f] : 0;
	}
done:
	free(fn[0]);
	free(fn[1]);
	return rc;
}
