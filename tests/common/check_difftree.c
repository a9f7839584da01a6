/*
 * Tests of common/difftree.c and common/funcdiff.c: two profiles merged by
 * path into one tree with each side's exact weights, paths only one side
 * has kept with zero on the other, narrow nodes folded; and the functions
 * compared across the two.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "difftree.h"
#include "error.h"
#include "fixture.h"
#include "folded.h"
#include "funcdiff.h"
#include "profile.h"

/* The node reached by the path "a;b;c" from the root, or -1. */
static long node_at(const struct pg_difftree *t, const char *path)
{
	char *copy = strdup(path), *save = NULL;
	size_t at = 0;

	for (char *name = strtok_r(copy, ";", &save); name; name = strtok_r(NULL, ";", &save)) {
		size_t child = at + 1, found = 0;

		while (child < t->tree->nodes[at].end) {
			const char *n = pg_difftree_name(t, child);

			if (n && !strcmp(n, name)) {
				found = child;
				break;
			}
			child = t->tree->nodes[child].end;
		}
		if (!found) {
			free(copy);
			return -1;
		}
		at = found;
	}
	free(copy);
	return (long)at;
}

START_TEST(test_both_sides_keep_their_exact_weights)
{
	struct pg_profile *b = fixture_folded("p;main;parse 30\np;main;emit 10\n");
	struct pg_profile *a = fixture_folded("p;main;parse 90\np;main;emit 10\np;main;log 5\n");
	struct pg_difftree *t = NULL;
	long parse, log, main_;

	ck_assert_int_eq(pg_difftree_build(&t, b, a, 0, 0), 0);
	ck_assert_uint_eq(t->sum[PG_DIFF_BEFORE], 40);
	ck_assert_uint_eq(t->sum[PG_DIFF_AFTER], 105);
	ck_assert_str_eq(pg_difftree_name(t, 0), "all");
	parse = node_at(t, "p;main;parse");
	log = node_at(t, "p;main;log");
	main_ = node_at(t, "p;main");
	ck_assert_int_ge(parse, 0);
	ck_assert_int_ge(log, 0);
	ck_assert_uint_eq(t->self[PG_DIFF_BEFORE][parse], 30);
	ck_assert_uint_eq(t->self[PG_DIFF_AFTER][parse], 90);
	/* A path only AFTER has is in the tree with nothing before. */
	ck_assert_uint_eq(t->total[PG_DIFF_BEFORE][log], 0);
	ck_assert_uint_eq(t->total[PG_DIFF_AFTER][log], 5);
	ck_assert_uint_eq(t->total[PG_DIFF_BEFORE][main_], 40);
	ck_assert_uint_eq(t->total[PG_DIFF_AFTER][main_], 105);
	ck_assert_uint_eq(t->self[PG_DIFF_AFTER][main_], 0);
	pg_difftree_free(t);
	pg_profile_free(a);
	pg_profile_free(b);
}
END_TEST

START_TEST(test_narrow_nodes_fold_in_both_shapes)
{
	/* rare is 1 of 1000 on both sides: below a 1% share, it is folded. */
	struct pg_profile *b = fixture_folded("p;main;hot 999\np;main;rare 1\n");
	struct pg_profile *a = fixture_folded("p;main;hot 1998\np;main;rare 2\n");
	struct pg_difftree *t = NULL;

	ck_assert_int_eq(pg_difftree_build(&t, b, a, 0, 0.01), 0);
	ck_assert_int_lt(node_at(t, "p;main;rare"), 0);
	ck_assert_int_ge(node_at(t, "p;main;hot"), 0);
	/* Nothing is lost: the root still holds both totals. */
	ck_assert_uint_eq(t->total[PG_DIFF_BEFORE][0], 1000);
	ck_assert_uint_eq(t->total[PG_DIFF_AFTER][0], 2000);
	pg_difftree_free(t);
	pg_difftree_free(NULL);
	pg_profile_free(a);
	pg_profile_free(b);
}
END_TEST

START_TEST(test_names_are_interned_once_across_sides)
{
	struct pg_profile *b = fixture_folded("p;main;x 1\n");
	struct pg_profile *a = fixture_folded("p;main;y 1\np;main;x 1\n");
	struct pg_profile *names = NULL;
	uint32_t *map[2] = { NULL, NULL };
	pg_frame_id id;

	ck_assert_int_eq(pg_diff_names(&names, map, b, a), 0);
	ck_assert_uint_eq(pg_profile_frame_count(names), 4);  /* p, main, x, y */
	ck_assert_int_eq(pg_profile_intern(&id, b, "x", 1), 0);
	ck_assert_str_eq(pg_profile_frame_name(names, map[0][id]), "x");
	ck_assert_int_eq(pg_profile_intern(&id, a, "x", 1), 0);
	ck_assert_str_eq(pg_profile_frame_name(names, map[1][id]), "x");
	free(map[0]);
	free(map[1]);
	pg_profile_free(names);
	pg_profile_free(a);
	pg_profile_free(b);
}
END_TEST

START_TEST(test_functions_by_change_with_recursion_counted_once)
{
	struct pg_profile *b = fixture_folded("p;main;f;f;f 10\np;main;g 10\n");
	struct pg_profile *a = fixture_folded("p;main;f;f;f 10\np;main;g 40\n");
	struct pg_diff_function *fn = NULL;
	size_t n = 0;

	ck_assert_int_eq(pg_diff_functions(&fn, &n, b, a, 0), 0);
	ck_assert_uint_eq(n, 4);
	/* main and p changed by 30 like g; by name after that. */
	ck_assert_double_eq(fn[0].total_after - fn[0].total_before, 30);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(fn[i].name, "f")) {
			ck_assert_double_eq(fn[i].total_before, 10);  /* once per stack, not three times */
			ck_assert_double_eq(fn[i].self_before, 10);
		}
		if (!strcmp(fn[i].name, "g"))
			ck_assert_double_eq(fn[i].self_after, 40);
	}
	free(fn);
	/* Normalized: BEFORE scaled to AFTER's total (20 -> 50). */
	ck_assert_double_eq(pg_diff_before_scale(b, a, 1), 2.5);
	ck_assert_double_eq(pg_diff_before_scale(b, a, 0), 1.0);
	ck_assert_int_eq(pg_diff_functions(&fn, &n, b, a, 1), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fn[i].name, "g"))
			ck_assert_double_eq(fn[i].total_before, 25);
	free(fn);
	pg_profile_free(a);
	pg_profile_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("difftree");
	TCase *tc = tcase_create("difftree");

	tcase_add_test(tc, test_both_sides_keep_their_exact_weights);
	tcase_add_test(tc, test_narrow_nodes_fold_in_both_shapes);
	tcase_add_test(tc, test_names_are_interned_once_across_sides);
	tcase_add_test(tc, test_functions_by_change_with_recursion_counted_once);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
