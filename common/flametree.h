/*
 * The call tree behind every flame graph: a profile's stacks merged by path
 * (all threads together), children ordered by name, laid out in preorder so
 * that a reporter can draw it in one pass. A profile of 200,000 distinct
 * stacks merges into millions of nodes, most of them far narrower than a
 * pixel: the builder can merge every node lighter than a threshold into one
 * remainder per parent, which keeps the tree drawable and the report small
 * while every total stays exact (a remainder weighs what it replaced).
 */
#ifndef PG_FLAMETREE_H
#define PG_FLAMETREE_H

#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"
#include "profile.h"

#define PG_FLAMETREE_ROOT (-1)  /* frame of node 0: everything ("all") */
#define PG_FLAMETREE_REST (-2)  /* frame of a remainder of merged narrow nodes */

struct pg_flametree_node {
	int64_t frame;     /* a pg_frame_id of the profile, or ROOT / REST */
	uint32_t depth;    /* 0 for the root; the program's frame is at 1 */
	uint32_t parent;   /* index of the parent; the root's is 0 */
	uint32_t end;      /* index one past the last node of this subtree */
	uint64_t total;    /* weight of the stacks through this node */
	uint64_t self;     /* weight of the stacks that end here */
	uint64_t merged;   /* for a remainder: how many nodes it stands for */
};

struct pg_flametree {
	struct pg_flametree_node *nodes;  /* preorder; node 0 is the root */
	size_t count;
	uint32_t *stack_node;   /* per profile stack (pg_profile_stack(p, i)): the node holding its weight */
	size_t nstacks;
	uint64_t total;         /* == nodes[0].total == pg_profile_total() */
	uint64_t threshold;     /* nodes lighter than this were merged; 0: none were */
	uint64_t merged_nodes;  /* how many nodes the remainders stand for */
	uint32_t max_depth;
};

/* Builds the tree of p. Nodes whose total is below min_weight are merged;
 * if the tree would still have more than max_nodes nodes (0: no limit), the
 * threshold is raised until it has at most that many. Remainders come last
 * among their siblings. *out is the caller's, freed with pg_flametree_free. */
int pg_flametree_build(struct pg_flametree **out, const struct pg_profile *p,
		       size_t max_nodes, uint64_t min_weight);
void pg_flametree_free(struct pg_flametree *t);  /* NULL is a no-op */

/* The tree's shape for the reports' scripts, as JSON object members without
 * braces or a leading comma: "names" (the frame names the tree still shows,
 * in order of first use, from p), "depth" and "name" per node in preorder
 * (name: an index into names; -1 the root, -2 a remainder of merged narrow
 * nodes). The caller adds its weights per node, then the remainders. */
int pg_flametree_json_shape(struct pg_outbuf *o, const struct pg_flametree *t, const struct pg_profile *p);
/* "rest": [node, nodes it stands for, ...] for every remainder. */
void pg_flametree_json_rest(struct pg_outbuf *o, const struct pg_flametree *t);

#endif
