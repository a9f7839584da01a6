/*
 * Internal to baselines/: a profile's stacks as a tree of calls (threads
 * merged), the form in which a baseline stores them. Pruning works on the
 * tree (a light leaf folds into its caller), and the tree written in
 * pre-order, "depth frame self" per call, is several times smaller
 * than the same stacks as folded lines, since a shared prefix is written
 * once.
 */
#ifndef PG_STACKTREE_H
#define PG_STACKTREE_H

#include <stddef.h>
#include <stdint.h>

#include "baseline.h"
#include "hashmap.h"
#include "profile.h"

struct tree_node;

struct pg_stacktree {
	const struct pg_profile *names;  /* frame names; borrowed */
	struct tree_node *nodes;         /* [0] is a virtual root above the programs */
	size_t count, cap;
	struct pg_hashmap children;      /* (parent, frame) -> node index + 1 */
	uint64_t total;
};

/* Builds the tree of p's stacks. p must outlive t. */
int pg_stacktree_build(struct pg_stacktree *t, const struct pg_profile *p);
void pg_stacktree_release(struct pg_stacktree *t);

/* Folds every call whose own weight is below fraction of the total into its
 * caller, deepest first (so that a chain of light calls ends in the first
 * ancestor heavy enough), and says how much moved. The total is kept. */
void pg_stacktree_prune(struct pg_stacktree *t, double fraction, struct pg_baseline_pruned *stats);

/* The tree's stacks as a new profile (caller frees). */
int pg_stacktree_to_profile(struct pg_profile **out, const struct pg_stacktree *t);

/* Number of stacks (calls with a weight of their own). */
size_t pg_stacktree_stacks(const struct pg_stacktree *t);

/* The encoded form: frames[] (names in first-use order) and the tree text,
 * "depth frame-index self" per call in pre-order, separated by commas
 * (depth 1 = a program's root frame; " self" is left out when 0, as for
 * most calls). Both are malloc'ed; frames' strings are borrowed from the
 * profile the tree was built from. */
int pg_stacktree_encode(const char ***frames, size_t *nframes, char **text, size_t *len,
			const struct pg_stacktree *t);

/* Decodes text with the frame names frames[0..nframes) into a new profile.
 * Errors are PG_EINVALID: "'<source>': <what>: call N: problem". */
int pg_stacktree_decode(struct pg_profile **out, const char *const *frames, size_t nframes,
			const char *text, size_t len, const char *source, const char *what);

#endif
