/*
 * The call tree of a differential flame graph: the stacks of a BEFORE and an
 * AFTER profile merged by path into one tree, each node with its exact self
 * and total weight on either side. A path that only one side has is in the
 * tree with zero weight on the other, so the one tree can be drawn in
 * AFTER's shape (where BEFORE-only paths have no width) or in BEFORE's.
 *
 * It is a pg_flametree: both profiles' stacks go into one profile, BEFORE's
 * as thread 0 and AFTER's as thread 1, and the flame tree of that profile
 * is the merged tree, narrow nodes folded into remainders as for any flame
 * graph. For that folding each side's weights are first scaled to the same
 * total, so that "narrow" means narrow in both shapes whatever the two
 * totals are; the weights kept per node are the exact, unscaled ones.
 */
#ifndef PG_DIFFTREE_H
#define PG_DIFFTREE_H

#include <stddef.h>
#include <stdint.h>

#include "flametree.h"
#include "profile.h"

enum { PG_DIFF_BEFORE = 0, PG_DIFF_AFTER = 1 };

struct pg_difftree {
	struct pg_profile *merged;   /* both sides' names and stacks; node frames are its ids */
	struct pg_flametree *tree;   /* nodes[i].total/self are the scaled sum of both sides */
	uint64_t *self[2];           /* per node and side: weight of the stacks that end there */
	uint64_t *total[2];          /* per node and side: weight of the stacks through it */
	uint64_t sum[2];             /* each side's pg_profile_total() */
	size_t stacks[2];            /* each side's pg_profile_stack_count() */
	double min_share;            /* nodes lighter than this share of both were folded; 0: none */
};

/* Names of both profiles interned once into *names (a new profile with no
 * stacks, the caller's, freed with pg_profile_free); map[side][id] is the
 * id in *names of that side's frame id. map[0] and map[1] are the caller's
 * (free()). */
int pg_diff_names(struct pg_profile **names, uint32_t *map[2],
		  const struct pg_profile *before, const struct pg_profile *after);

/* Builds the merged tree. A node is folded into its parent's remainder when
 * its share, the mean of its shares of BEFORE's and AFTER's totals, is below
 * min_share; if more than max_nodes nodes would still remain (0: no limit),
 * the share is raised until they fit. *out is the caller's, freed with
 * pg_difftree_free. */
int pg_difftree_build(struct pg_difftree **out, const struct pg_profile *before,
		      const struct pg_profile *after, size_t max_nodes, double min_share);
void pg_difftree_free(struct pg_difftree *t);  /* NULL is a no-op */

/* How much the call paths changed: for each side, the share of its weight
 * in stacks that end in a node the other side never reaches (total 0
 * there); the larger of the two. 0: the same paths, 1: none in common. */
double pg_difftree_path_churn(const struct pg_difftree *t);

/* Above this churn, differential graphs colour by function (each frame by
 * its function's total change across all paths) by default: when work
 * moved to other paths, colouring by path draws it as new and gone. */
#define PG_DIFF_FUNCTION_MODE_CHURN 0.25

/* Each node's function's total weight per side across all its paths (a
 * frame counts unless one of the same name is above it), in out[side][node]
 * (count nodes each, the caller's arrays); 0 for the root and remainders. */
int pg_difftree_function_totals(uint64_t *out[2], const struct pg_difftree *t);

/* The name of node i: "all" for the root, NULL for a remainder. Borrowed. */
const char *pg_difftree_name(const struct pg_difftree *t, size_t i);

#endif
