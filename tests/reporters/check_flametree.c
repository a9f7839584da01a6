/*
 * Tests of common/flametree.c: stacks merged by path into a preorder
 * tree with siblings in name order, whatever order the stacks come in;
 * exact totals; each stack mapped to its node; narrow nodes merged into one
 * remainder per parent, and the node cap honoured, without changing a total.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "flametree.h"
#include "profile.h"

static struct pg_profile *prof;
static struct pg_flametree *tree;

static void setup(void)
{
	ck_assert_int_eq(pg_profile_new(&prof), 0);
	tree = NULL;
}

static void teardown(void)
{
	pg_flametree_free(tree);
	pg_profile_free(prof);
}

/* The tree as text, one node a line: depth, name, total, self. */
static char *dump(void)
{
	struct fixture_out o;
	FILE *f = fixture_open(&o);

	for (size_t i = 0; i < tree->count; i++) {
		const struct pg_flametree_node *n = &tree->nodes[i];
		const char *name = n->frame == PG_FLAMETREE_ROOT ? "all"
				 : n->frame == PG_FLAMETREE_REST ? "[rest]"
				 : pg_profile_frame_name(prof, (pg_frame_id)n->frame);

		fprintf(f, "%u %s %llu %llu", n->depth, name, (unsigned long long)n->total,
			(unsigned long long)n->self);
		if (n->merged)
			fprintf(f, " merged=%llu", (unsigned long long)n->merged);
		fputc('\n', f);
	}
	fixture_close(&o);
	return o.text;
}

/* Checks the structural invariants every tree must keep. */
static void assert_consistent(void)
{
	for (size_t i = 1; i < tree->count; i++) {
		const struct pg_flametree_node *n = &tree->nodes[i];
		const struct pg_flametree_node *par = &tree->nodes[n->parent];
		uint64_t sum = n->self;

		ck_assert_uint_lt(n->parent, i);
		ck_assert_uint_eq(n->depth, par->depth + 1);
		ck_assert_uint_le(n->end, par->end);
		for (size_t c = i + 1; c < n->end; c = tree->nodes[c].end)
			sum += tree->nodes[c].total;
		ck_assert_uint_eq(sum, n->total);
	}
	ck_assert_uint_eq(tree->nodes[0].end, tree->count);
	ck_assert_uint_eq(tree->total, pg_profile_total(prof));
}

START_TEST(flametree__merges_by_path_in_name_order)
{
	char *text;

	fixture_add(prof, "prog;main;zeta", 1, 5);
	fixture_add(prof, "prog;main;alpha;leaf", 2, 3);
	fixture_add(prof, "prog;main", 1, 1);
	fixture_add(prof, "prog;main;alpha", 1, 2);
	fixture_add(prof, "prog;main;alpha;leaf", 1, 4);  /* same path, other thread */
	fixture_add(prof, "other;main", PG_TID_ANY, 10);
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 0, 0), 0);
	text = dump();
	ck_assert_str_eq(text,
		"0 all 25 0\n"
		"1 other 10 0\n"
		"2 main 10 10\n"
		"1 prog 15 0\n"
		"2 main 15 1\n"
		"3 alpha 9 2\n"
		"4 leaf 7 7\n"
		"3 zeta 5 5\n");
	free(text);
	assert_consistent();
	ck_assert_uint_eq(tree->max_depth, 4);
	ck_assert_uint_eq(tree->threshold, 0);
	ck_assert_uint_eq(tree->merged_nodes, 0);
}
END_TEST

START_TEST(flametree__maps_every_stack_to_its_node)
{
	fixture_add(prof, "b;y", 1, 1);
	fixture_add(prof, "a;x;1", 1, 1);
	fixture_add(prof, "b", 1, 1);
	fixture_add(prof, "a;x", 2, 1);
	fixture_add(prof, "a;x;1", 2, 1);
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 0, 0), 0);
	assert_consistent();
	for (size_t s = 0; s < pg_profile_stack_count(prof); s++) {
		const struct pg_stack *st = pg_profile_stack(prof, s);
		uint32_t node = tree->stack_node[s];

		/* Walk up from the node: the frames must be the stack's. */
		for (uint32_t d = st->depth; d-- > 0;) {
			ck_assert_uint_eq(tree->nodes[node].depth, d + 1);
			ck_assert_int_eq(tree->nodes[node].frame, st->frames[d]);
			node = tree->nodes[node].parent;
		}
		ck_assert_uint_eq(node, 0);
	}
}
END_TEST

START_TEST(flametree__orders_by_name_not_by_line_bytes)
{
	char *text;

	/* "b-x" sorts before "b;" as a line but after "b" as a name. */
	fixture_add(prof, "a;b-x;c", PG_TID_ANY, 1);
	fixture_add(prof, "a;b;c", PG_TID_ANY, 2);
	fixture_add(prof, "a;b", PG_TID_ANY, 4);
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 0, 0), 0);
	text = dump();
	ck_assert_str_eq(text,
		"0 all 7 0\n"
		"1 a 7 0\n"
		"2 b 6 4\n"
		"3 c 2 2\n"
		"2 b-x 1 0\n"
		"3 c 1 1\n");
	free(text);
	assert_consistent();
}
END_TEST

START_TEST(flametree__merges_narrow_nodes_keeping_totals_exact)
{
	char *text;

	fixture_add(prof, "p;hot", PG_TID_ANY, 100);
	fixture_add(prof, "p;cold1;deep", PG_TID_ANY, 2);
	fixture_add(prof, "p;cold2", PG_TID_ANY, 3);
	fixture_add(prof, "p;hot;tiny", PG_TID_ANY, 1);
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 0, 10), 0);
	text = dump();
	ck_assert_str_eq(text,
		"0 all 106 0\n"
		"1 p 106 0\n"
		"2 hot 101 100\n"
		"3 [rest] 1 1 merged=1\n"
		"2 [rest] 5 5 merged=3\n");
	free(text);
	assert_consistent();
	ck_assert_uint_eq(tree->threshold, 10);
	ck_assert_uint_eq(tree->merged_nodes, 4);
	/* Stacks of merged nodes map to the remainder that took them. */
	for (size_t s = 0; s < pg_profile_stack_count(prof); s++) {
		const struct pg_flametree_node *n = &tree->nodes[tree->stack_node[s]];

		ck_assert(n->frame == PG_FLAMETREE_REST || n->self > 0);
	}
}
END_TEST

START_TEST(flametree__honours_the_node_cap)
{
	char name[64];

	/* 3000 leaves of growing weight under one parent. */
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "prog;main;work;f%04d", i);
		fixture_add(prof, name, PG_TID_ANY, (uint64_t)i + 1);
	}
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 1000, 0), 0);
	ck_assert_uint_le(tree->count, 1000);
	ck_assert_uint_gt(tree->count, 400);
	ck_assert_uint_gt(tree->threshold, 0);
	ck_assert_uint_gt(tree->merged_nodes, 0);
	assert_consistent();
	/* The heaviest leaf survives, the lightest does not. */
	ck_assert_int_eq(tree->nodes[tree->count - 2].frame >= 0, 1);
	ck_assert_str_eq(pg_profile_frame_name(prof, (pg_frame_id)tree->nodes[tree->count - 2].frame), "f2999");
	ck_assert_int_eq(tree->nodes[tree->count - 1].frame, PG_FLAMETREE_REST);
}
END_TEST

START_TEST(flametree__builds_an_empty_profile)
{
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 10, 0), 0);
	ck_assert_uint_eq(tree->count, 1);
	ck_assert_uint_eq(tree->total, 0);
	ck_assert_uint_eq(tree->nodes[0].end, 1);
}
END_TEST

START_TEST(flametree__agrees_with_itself_on_random_profiles)
{
	unsigned seed = 12345;
	char stack[512];

	/* Random stacks over a few names, in random order, some repeated in
	 * other threads: the tree must be consistent and each stack's weight
	 * must be on its node. */
	for (int i = 0; i < 5000; i++) {
		int depth = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 12;
		size_t len = 0;

		for (int d = 0; d < depth; d++) {
			unsigned r = (seed = seed * 1103515245 + 12345) >> 16;

			len += (size_t)snprintf(stack + len, sizeof(stack) - len, "%sf%u", d ? ";" : "", r % 7);
		}
		fixture_add(prof, stack, (int32_t)(seed % 3), 1 + seed % 5);
	}
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 0, 0), 0);
	assert_consistent();
	pg_flametree_free(tree);
	ck_assert_int_eq(pg_flametree_build(&tree, prof, 500, 0), 0);
	ck_assert_uint_le(tree->count, 500);
	assert_consistent();
}
END_TEST

static Suite *flametree_suite(void)
{
	Suite *s = suite_create("flametree");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, flametree__merges_by_path_in_name_order);
	tcase_add_test(tc, flametree__maps_every_stack_to_its_node);
	tcase_add_test(tc, flametree__orders_by_name_not_by_line_bytes);
	tcase_add_test(tc, flametree__builds_an_empty_profile);
	suite_add_tcase(s, tc);

	tc = tcase_create("prune");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, flametree__merges_narrow_nodes_keeping_totals_exact);
	tcase_add_test(tc, flametree__honours_the_node_cap);
	tcase_add_test(tc, flametree__agrees_with_itself_on_random_profiles);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(flametree_suite());
}
