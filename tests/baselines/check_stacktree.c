/*
 * Tests of baselines/stacktree.c: a profile's stacks as a call tree (threads
 * merged), its compact encoding and back, and pruning that folds light
 * calls into their callers without losing weight.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fixture.h"
#include "folded.h"
#include "profile.h"
#include "stacktree.h"

START_TEST(test_encode_decode_round_trip)
{
	const char *in = "p;main;parse;field 30\np;main;parse 5\np;main;emit 10\nq;main 2\n";
	struct pg_profile *p = fixture_folded(in), *back = NULL;
	struct pg_stacktree t;
	const char **frames = NULL;
	size_t nframes = 0, len = 0;
	char *text = NULL, *a, *b;

	ck_assert_int_eq(pg_stacktree_build(&t, p), 0);
	ck_assert_uint_eq(pg_stacktree_stacks(&t), 4);
	ck_assert_int_eq(pg_stacktree_encode(&frames, &nframes, &text, &len, &t), 0);
	/* A shared prefix is written once: "main" twice (under p and q), not four times. */
	ck_assert_uint_eq(nframes, 6);
	ck_assert_int_eq(pg_stacktree_decode(&back, frames, nframes, text, len, "x.json", "cpu"), 0);
	a = fixture_folded_text(p);
	b = fixture_folded_text(back);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	free(frames);
	free(text);
	pg_profile_free(back);
	pg_stacktree_release(&t);
	pg_profile_free(p);
}
END_TEST

START_TEST(test_threads_are_merged)
{
	struct pg_profile *p = NULL, *back = NULL;
	struct pg_stacktree t;
	pg_frame_id f[2];
	char *text;

	ck_assert_int_eq(pg_profile_new(&p), 0);
	ck_assert_int_eq(pg_profile_intern(&f[0], p, "main", 4), 0);
	ck_assert_int_eq(pg_profile_intern(&f[1], p, "work", 4), 0);
	ck_assert_int_eq(pg_profile_add_stack(p, f, 2, 1, 3), 0);
	ck_assert_int_eq(pg_profile_add_stack(p, f, 2, 2, 4), 0);
	ck_assert_int_eq(pg_stacktree_build(&t, p), 0);
	ck_assert_int_eq(pg_stacktree_to_profile(&back, &t), 0);
	text = fixture_folded_text(back);
	ck_assert_str_eq(text, "main;work 7\n");
	free(text);
	pg_profile_free(back);
	pg_stacktree_release(&t);
	pg_profile_free(p);
}
END_TEST

START_TEST(test_prune_folds_light_calls_into_the_first_heavy_caller)
{
	/* 1000 in all; c (2) and its caller b (own 3) are light at 1%: both
	 * fold into a, which then holds 5 of its own. */
	struct pg_profile *p = fixture_folded("p;a;b;c 2\np;a;b 3\np;a 95\np;d 900\n");
	struct pg_profile *back = NULL;
	struct pg_baseline_pruned stats;
	struct pg_stacktree t;
	char *text;

	ck_assert_int_eq(pg_stacktree_build(&t, p), 0);
	pg_stacktree_prune(&t, 0.01, &stats);
	ck_assert_uint_eq(stats.stacks, 2);
	ck_assert_uint_eq(stats.weight, 5);
	ck_assert_int_eq(pg_stacktree_to_profile(&back, &t), 0);
	text = fixture_folded_text(back);
	ck_assert_str_eq(text, "p;a 100\np;d 900\n");
	ck_assert_uint_eq(pg_profile_total(back), 1000);
	free(text);
	pg_profile_free(back);
	pg_stacktree_release(&t);
	pg_profile_free(p);
}
END_TEST

START_TEST(test_decode_refuses_broken_text_naming_the_call)
{
	static const char *const frames[] = { "p", "main" };
	static const char *const bad[] = {
		"1 0,2 1 5,4 1 1",  /* a depth that skips a level */
		"1 7 3",            /* a frame index out of range */
		"1 0,x",            /* not a number */
		"2 0 1",            /* starts below a program's root */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pg_profile *out = NULL;
		int rc = pg_stacktree_decode(&out, frames, 2, bad[i], strlen(bad[i]), "x.json", "cpu");

		ck_assert_msg(rc == PG_EINVALID, "'%s' was accepted", bad[i]);
		ck_assert_msg(strstr(pg_error_last(), "x.json") && strstr(pg_error_last(), "call"),
			      "'%s': %s", bad[i], pg_error_last());
		ck_assert_ptr_null(out);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stacktree");
	TCase *tc = tcase_create("stacktree");

	tcase_add_test(tc, test_encode_decode_round_trip);
	tcase_add_test(tc, test_threads_are_merged);
	tcase_add_test(tc, test_prune_folds_light_calls_into_the_first_heavy_caller);
	tcase_add_test(tc, test_decode_refuses_broken_text_naming_the_call);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
