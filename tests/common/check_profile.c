/*
 * Tests of common/profile.c: name interning, stack deduplication by frames
 * and thread, totals, and the hot-function summary that profile.json and the
 * gate's function threshold are computed from.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fixture.h"
#include "profile.h"
#include "pynames.h"

static struct pg_profile *prof;

static void setup(void)
{
	ck_assert_int_eq(pg_profile_new(&prof), 0);
}

static void teardown(void)
{
	pg_profile_free(prof);
	prof = NULL;
}

static pg_frame_id intern(const char *name)
{
	pg_frame_id id = UINT32_MAX;

	ck_assert_int_eq(pg_profile_intern(&id, prof, name, strlen(name)), 0);
	return id;
}

/* The weight of the stored stack "a;b;c" of thread tid, or -1 if absent. */
static long long weight_of(const char *stack, int32_t tid)
{
	for (size_t i = 0; i < pg_profile_stack_count(prof); i++) {
		const struct pg_stack *st = pg_profile_stack(prof, i);
		char joined[1024] = "";

		for (uint32_t d = 0; d < st->depth; d++) {
			if (d > 0)
				strcat(joined, ";");
			strcat(joined, pg_profile_frame_name(prof, st->frames[d]));
		}
		if (st->tid == tid && strcmp(joined, stack) == 0)
			return (long long)st->weight;
	}
	return -1;
}

/* ---- interning ---- */

START_TEST(profile_intern__returns_same_id_for_equal_names)
{
	pg_frame_id a = intern("main");
	pg_frame_id b = intern("parse");
	char buf[] = "xxmainyy";
	pg_frame_id c;

	ck_assert_uint_eq(intern("main"), a);
	ck_assert_uint_eq(intern("parse"), b);
	/* A slice of a larger buffer, not NUL-terminated. */
	ck_assert_int_eq(pg_profile_intern(&c, prof, buf + 2, 4), 0);
	ck_assert_uint_eq(c, a);
	ck_assert_uint_eq(pg_profile_frame_count(prof), 2);
}
END_TEST

START_TEST(profile_intern__returns_distinct_ids_for_different_names)
{
	const char *names[] = {"main", "mai", "mainx", "Main", "", "operator new(unsigned long)", "main "};
	pg_frame_id ids[7];

	for (size_t i = 0; i < 7; i++)
		ids[i] = intern(names[i]);
	for (size_t i = 0; i < 7; i++) {
		ck_assert_str_eq(pg_profile_frame_name(prof, ids[i]), names[i]);
		for (size_t j = i + 1; j < 7; j++)
			ck_assert_uint_ne(ids[i], ids[j]);
	}
	ck_assert_uint_eq(pg_profile_frame_count(prof), 7);
}
END_TEST

START_TEST(profile_intern__keeps_names_and_ids_across_table_growth)
{
	enum { N = 100000 };
	const char *first;
	pg_frame_id first_id = intern("fn_0");
	char name[32];

	first = pg_profile_frame_name(prof, first_id);
	for (int i = 1; i < N; i++) {
		snprintf(name, sizeof(name), "fn_%d", i);
		ck_assert_uint_eq(intern(name), (pg_frame_id)i);
	}
	/* Borrowed pointers stay valid while the pool grows. */
	ck_assert_ptr_eq(pg_profile_frame_name(prof, first_id), first);
	ck_assert_str_eq(first, "fn_0");
	for (int i = 0; i < N; i += 997) {
		snprintf(name, sizeof(name), "fn_%d", i);
		ck_assert_uint_eq(intern(name), (pg_frame_id)i);
		ck_assert_str_eq(pg_profile_frame_name(prof, (pg_frame_id)i), name);
	}
	ck_assert_uint_eq(pg_profile_frame_count(prof), N);
}
END_TEST

START_TEST(profile_intern__stores_a_name_longer_than_a_chunk)
{
	size_t len = 300000;
	char *big = malloc(len);
	pg_frame_id id;

	ck_assert_ptr_nonnull(big);
	memset(big, 'q', len);
	ck_assert_int_eq(pg_profile_intern(&id, prof, big, len), 0);
	ck_assert_uint_eq(strlen(pg_profile_frame_name(prof, id)), len);
	/* And small names still go somewhere sensible after it. */
	ck_assert_str_eq(pg_profile_frame_name(prof, intern("small")), "small");
	free(big);
}
END_TEST

START_TEST(profile_intern__rejects_a_nul_byte)
{
	pg_frame_id id;

	ck_assert_int_eq(pg_profile_intern(&id, prof, "a\0b", 3), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "frame name contains a NUL byte");
	ck_assert_uint_eq(pg_profile_frame_count(prof), 0);
}
END_TEST

/* ---- stacks ---- */

START_TEST(profile_add_stack__merges_equal_stacks)
{
	fixture_add(prof, "main;parse;lex", 7, 2);
	fixture_add(prof, "main;parse;lex", 7, 3);
	fixture_add(prof, "main;parse;lex", 7, 5);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 1);
	ck_assert_int_eq(weight_of("main;parse;lex", 7), 10);
}
END_TEST

START_TEST(profile_add_stack_at__reports_the_index_of_new_and_merged_stacks)
{
	pg_frame_id a[2] = { intern("main"), intern("a") };
	pg_frame_id b[2] = { intern("main"), intern("b") };
	size_t ia = 99, ib = 99, ia2 = 99;
	ck_assert_int_eq(pg_profile_add_stack_at(&ia, prof, a, 2, 1, 1), 0);
	ck_assert_int_eq(pg_profile_add_stack_at(&ib, prof, b, 2, 1, 1), 0);
	ck_assert_int_eq(pg_profile_add_stack_at(&ia2, prof, a, 2, 1, 4), 0);
	ck_assert_uint_eq(ia, 0);
	ck_assert_uint_eq(ib, 1);
	ck_assert_uint_eq(ia2, ia);
	ck_assert_uint_eq(pg_profile_stack(prof, ia)->weight, 5);
}
END_TEST

START_TEST(profile_add_stack__keeps_thread_distinct_stacks_apart)
{
	fixture_add(prof, "main;work", 1, 2);
	fixture_add(prof, "main;work", 2, 3);
	fixture_add(prof, "main;work", PG_TID_ANY, 4);
	fixture_add(prof, "main;work", 2, 1);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 3);
	ck_assert_int_eq(weight_of("main;work", 1), 2);
	ck_assert_int_eq(weight_of("main;work", 2), 4);
	ck_assert_int_eq(weight_of("main;work", PG_TID_ANY), 4);
}
END_TEST

START_TEST(profile_add_stack__keeps_one_stack_per_thread_for_many_threads)
{
	pg_frame_id f[2] = {intern("main"), intern("work")};

	/* Enough threads that stacks of different threads share probe runs. */
	for (int round = 0; round < 2; round++) {
		for (int32_t tid = 0; tid < 5000; tid++)
			ck_assert_int_eq(pg_profile_add_stack(prof, f, 2, tid, (uint64_t)tid), 0);
	}
	ck_assert_uint_eq(pg_profile_stack_count(prof), 5000);
	for (size_t i = 0; i < 5000; i++) {
		const struct pg_stack *st = pg_profile_stack(prof, i);

		ck_assert_int_eq(st->tid, (int32_t)i);
		ck_assert_uint_eq(st->weight, 2 * i);
	}
}
END_TEST

START_TEST(profile_add_stack__keeps_prefix_and_reordered_stacks_apart)
{
	fixture_add(prof, "a;b", 0, 1);
	fixture_add(prof, "a;b;c", 0, 2);
	fixture_add(prof, "b;a", 0, 4);
	fixture_add(prof, "a", 0, 8);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 4);
	ck_assert_int_eq(weight_of("a;b", 0), 1);
	ck_assert_int_eq(weight_of("a;b;c", 0), 2);
	ck_assert_int_eq(weight_of("b;a", 0), 4);
	ck_assert_int_eq(weight_of("a", 0), 8);
}
END_TEST

START_TEST(profile_add_stack__copies_the_callers_frames)
{
	pg_frame_id frames[2] = {intern("a"), intern("b")};
	const struct pg_stack *st;

	ck_assert_int_eq(pg_profile_add_stack(prof, frames, 2, 0, 1), 0);
	frames[1] = frames[0];
	st = pg_profile_stack(prof, 0);
	ck_assert_ptr_ne(st->frames, frames);
	ck_assert_str_eq(pg_profile_frame_name(prof, st->frames[1]), "b");
}
END_TEST

START_TEST(profile_stack__returns_stacks_in_insertion_order)
{
	fixture_add(prof, "z", 0, 1);
	fixture_add(prof, "a", 0, 2);
	fixture_add(prof, "m;n", 3, 3);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 3);
	ck_assert_str_eq(pg_profile_frame_name(prof, pg_profile_stack(prof, 0)->frames[0]), "z");
	ck_assert_str_eq(pg_profile_frame_name(prof, pg_profile_stack(prof, 1)->frames[0]), "a");
	ck_assert_uint_eq(pg_profile_stack(prof, 2)->depth, 2);
	ck_assert_int_eq(pg_profile_stack(prof, 2)->tid, 3);
	ck_assert_uint_eq(pg_profile_stack(prof, 2)->weight, 3);
}
END_TEST

START_TEST(profile_add_stack__deduplicates_many_stacks_across_table_growth)
{
	enum { N = 50000 };
	pg_frame_id f[3] = {intern("root"), intern("mid"), 0};
	char name[32];

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			snprintf(name, sizeof(name), "leaf%d", i);
			f[2] = intern(name);
			ck_assert_int_eq(pg_profile_add_stack(prof, f, 3, i % 2, (uint64_t)i), 0);
		}
	}
	ck_assert_uint_eq(pg_profile_stack_count(prof), N);
	for (int i = 0; i < N; i += 1009)
		ck_assert_uint_eq(pg_profile_stack(prof, (size_t)i)->weight, 2 * (uint64_t)i);
}
END_TEST

/* ---- totals ---- */

START_TEST(profile_total__sums_every_weight)
{
	ck_assert_uint_eq(pg_profile_total(prof), 0);
	fixture_add(prof, "a;b", 1, 10);
	fixture_add(prof, "a;b", 2, 20);
	fixture_add(prof, "a;b", 1, 5);
	fixture_add(prof, "c", PG_TID_ANY, 7);
	ck_assert_uint_eq(pg_profile_total(prof), 42);
}
END_TEST

START_TEST(profile_add_stack__rejects_a_total_that_would_overflow)
{
	fixture_add(prof, "a", 0, UINT64_MAX - 1);
	pg_frame_id b = intern("b");

	ck_assert_int_eq(pg_profile_add_stack(prof, &b, 1, 0, 2), PG_EINVALID);
	ck_assert(strstr(pg_error_last(), "total weight") != NULL);
	/* Nothing was added by the failed call. */
	ck_assert_uint_eq(pg_profile_total(prof), UINT64_MAX - 1);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 1);
	fixture_add(prof, "b", 0, 1);
	ck_assert_uint_eq(pg_profile_total(prof), UINT64_MAX);
}
END_TEST

START_TEST(profile_new__starts_empty)
{
	ck_assert_uint_eq(pg_profile_frame_count(prof), 0);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 0);
	ck_assert_uint_eq(pg_profile_total(prof), 0);
	pg_profile_free(NULL);  /* a no-op, must not crash */
}
END_TEST

/* ---- hot functions ---- */

static const struct pg_hot_function *find_hot(const struct pg_hot_function *hot, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pg_profile_frame_name(prof, hot[i].frame), name) == 0)
			return &hot[i];
	}
	return NULL;
}

static const struct pg_hot_function *find_hot_in(const struct pg_profile *p, const struct pg_hot_function *hot,
						 size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pg_profile_frame_name(p, hot[i].frame), name) == 0)
			return &hot[i];
	}
	return NULL;
}

START_TEST(hot_functions__counts_recursion_once_per_stack)
{
	struct pg_hot_function *hot = NULL;
	size_t n = 0;
	const struct pg_hot_function *fib;

	fixture_add(prof, "main;fib;fib;fib", 0, 10);
	fixture_add(prof, "main;fib;fib;add", 0, 5);
	fixture_add(prof, "main;other", 0, 1);
	ck_assert_int_eq(pg_profile_hot_functions(&hot, &n, prof), 0);
	fib = find_hot(hot, n, "fib");
	ck_assert_ptr_nonnull(fib);
	ck_assert_uint_eq(fib->total, 15);  /* not 10*3 + 5*2 */
	ck_assert_uint_eq(fib->self, 10);
	ck_assert_uint_eq(find_hot(hot, n, "main")->total, 16);
	ck_assert_uint_eq(find_hot(hot, n, "main")->self, 0);
	free(hot);
}
END_TEST

START_TEST(hot_functions__self_is_the_leaf_weight_across_threads)
{
	struct pg_hot_function *hot = NULL;
	size_t n = 0;

	fixture_add(prof, "main;a;b", 1, 3);
	fixture_add(prof, "main;a;b", 2, 4);
	fixture_add(prof, "main;b;a", 1, 2);
	ck_assert_int_eq(pg_profile_hot_functions(&hot, &n, prof), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(find_hot(hot, n, "b")->self, 7);
	ck_assert_uint_eq(find_hot(hot, n, "b")->total, 9);
	ck_assert_uint_eq(find_hot(hot, n, "a")->self, 2);
	ck_assert_uint_eq(find_hot(hot, n, "a")->total, 9);
	free(hot);
}
END_TEST

START_TEST(hot_functions__sorts_by_total_then_self_then_name)
{
	struct pg_hot_function *hot = NULL;
	size_t n = 0;
	/* total/self: root 15/0, x 6/0; b 5/5 and c 5/5 tie, so by name, and
	 * a 5/1 follows them; f 3/3 before e 3/0; d 1/1 last. */
	const char *expect[] = {"root", "x", "b", "c", "a", "f", "e", "d"};

	fixture_add(prof, "root;x;c", 0, 3);
	fixture_add(prof, "root;x;b", 0, 3);
	fixture_add(prof, "root;c", 0, 2);
	fixture_add(prof, "root;b", 0, 2);
	fixture_add(prof, "root;a;d", 0, 1);
	fixture_add(prof, "root;a", 0, 1);
	fixture_add(prof, "root;a;e;f", 0, 3);
	ck_assert_int_eq(pg_profile_hot_functions(&hot, &n, prof), 0);
	ck_assert_uint_eq(n, 8);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(pg_profile_frame_name(prof, hot[i].frame), expect[i]);
	ck_assert_uint_eq(hot[0].total, 15);
	ck_assert_uint_eq(hot[4].total, 5);
	ck_assert_uint_eq(hot[4].self, 1);
	free(hot);
}
END_TEST

START_TEST(hot_functions__leaves_out_names_in_no_stack)
{
	struct pg_hot_function *hot = NULL;
	size_t n = 99;

	intern("unused");
	ck_assert_int_eq(pg_profile_hot_functions(&hot, &n, prof), 0);
	ck_assert_uint_eq(n, 0);
	free(hot);
	fixture_add(prof, "main", 0, 1);
	ck_assert_int_eq(pg_profile_hot_functions(&hot, &n, prof), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(pg_profile_frame_name(prof, hot[0].frame), "main");
	free(hot);
}
END_TEST

static TCase *tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	return tc;
}

START_TEST(frame_function_len__drops_a_python_line_only)
{
	int py;
	const char *a = "main (ex.py:12)";
	ck_assert_uint_eq(pg_frame_function_len(a, &py), strlen("main (ex.py"));
	ck_assert_int_eq(py, 1);
	ck_assert_uint_eq(pg_frame_function_len("dumps (json/__init__.py:231)", &py),
			  strlen("dumps (json/__init__.py"));
	ck_assert_uint_eq(pg_frame_function_len("f (<frozen importlib._bootstrap>:1)", &py),
			  strlen("f (<frozen importlib._bootstrap>"));
	ck_assert_int_eq(py, 1);
	/* A C++ signature or a name with a number in parentheses stays whole. */
	const char *cpp = "ns::f(int)", *odd = "operator() (x:12)", *nol = "g (ex.py)";
	ck_assert_uint_eq(pg_frame_function_len(cpp, &py), strlen(cpp));
	ck_assert_int_eq(py, 0);
	ck_assert_uint_eq(pg_frame_function_len(odd, &py), strlen(odd));
	ck_assert_int_eq(py, 0);
	ck_assert_uint_eq(pg_frame_function_len(nol, &py), strlen(nol));
	ck_assert_int_eq(py, 1);
}
END_TEST

START_TEST(function_view__merges_lines_and_drops_interpreter_frames)
{
	struct pg_profile *v = NULL;
	struct pg_hot_function *hot = NULL;
	size_t n = 0;

	fixture_add(prof, "python3;_start;Py_RunMain;main (ex.py:3);f (ex.py:10)", 0, 3);
	fixture_add(prof, "python3;_start;Py_RunMain;main (ex.py:4);f (ex.py:11);_PyObject_MakeTpCall;encoder_call", 0, 2);
	fixture_add(prof, "native;_start;main;work", 0, 5);
	fixture_add(prof, "python3;_start;PyEval_EvalCode;_PyEval_EvalFrame [inlined];main (ex.py:5)", 0, 1);
	ck_assert_int_eq(pg_pyname_function_view(&v, prof), 0);
	ck_assert_uint_eq(pg_profile_total(v), 11);
	ck_assert_int_eq(pg_profile_hot_functions(&hot, &n, v), 0);
	ck_assert_uint_eq(find_hot_in(v, hot, n, "main (ex.py)")->total, 6);
	ck_assert_ptr_null(find_hot_in(v, hot, n, "main (ex.py"));
	ck_assert_ptr_null(find_hot_in(v, hot, n, "_PyEval_EvalFrame [inlined]"));
	ck_assert_uint_eq(find_hot_in(v, hot, n, "f (ex.py)")->total, 5);
	ck_assert_uint_eq(find_hot_in(v, hot, n, "f (ex.py)")->self, 3);
	ck_assert_uint_eq(find_hot_in(v, hot, n, "encoder_call")->self, 2);
	ck_assert_ptr_null(find_hot_in(v, hot, n, "_PyObject_MakeTpCall"));
	ck_assert_ptr_null(find_hot_in(v, hot, n, "Py_RunMain"));
	ck_assert_ptr_null(find_hot_in(v, hot, n, "_start"));
	ck_assert_ptr_nonnull(find_hot_in(v, hot, n, "python3"));  /* roots stay */
	ck_assert_ptr_nonnull(find_hot_in(v, hot, n, "work"));
	free(hot);
	pg_profile_free(v);
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc;

	tc = tcase("intern");
	tcase_add_test(tc, profile_intern__returns_same_id_for_equal_names);
	tcase_add_test(tc, profile_intern__returns_distinct_ids_for_different_names);
	tcase_add_test(tc, profile_intern__keeps_names_and_ids_across_table_growth);
	tcase_add_test(tc, profile_intern__stores_a_name_longer_than_a_chunk);
	tcase_add_test(tc, profile_intern__rejects_a_nul_byte);
	suite_add_tcase(s, tc);

	tc = tcase("stacks");
	tcase_add_test(tc, profile_add_stack__merges_equal_stacks);
	tcase_add_test(tc, profile_add_stack_at__reports_the_index_of_new_and_merged_stacks);
	tcase_add_test(tc, profile_add_stack__keeps_thread_distinct_stacks_apart);
	tcase_add_test(tc, profile_add_stack__keeps_one_stack_per_thread_for_many_threads);
	tcase_add_test(tc, profile_add_stack__keeps_prefix_and_reordered_stacks_apart);
	tcase_add_test(tc, profile_add_stack__copies_the_callers_frames);
	tcase_add_test(tc, profile_stack__returns_stacks_in_insertion_order);
	tcase_add_test(tc, profile_add_stack__deduplicates_many_stacks_across_table_growth);
	suite_add_tcase(s, tc);

	tc = tcase("totals");
	tcase_add_test(tc, profile_total__sums_every_weight);
	tcase_add_test(tc, profile_add_stack__rejects_a_total_that_would_overflow);
	tcase_add_test(tc, profile_new__starts_empty);
	suite_add_tcase(s, tc);

	tc = tcase("hot_functions");
	tcase_add_test(tc, hot_functions__counts_recursion_once_per_stack);
	tcase_add_test(tc, hot_functions__self_is_the_leaf_weight_across_threads);
	tcase_add_test(tc, hot_functions__sorts_by_total_then_self_then_name);
	tcase_add_test(tc, hot_functions__leaves_out_names_in_no_stack);
	suite_add_tcase(s, tc);

	tc = tcase("python");
	tcase_add_test(tc, frame_function_len__drops_a_python_line_only);
	tcase_add_test(tc, function_view__merges_lines_and_drops_interpreter_frames);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(profile_suite());
}
