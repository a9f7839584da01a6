/*
 * Tests of common/stats.c against known answers: medians, the robust
 * spread, the Mann-Whitney U test (exact p-values checked against a brute
 * force enumeration of every assignment of the pooled runs, ties
 * included; the normal approximation against its formula), the smallest
 * p-value a sample size allows, the normal quantile and the number of runs
 * a test would need.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "fixture.h"
#include "stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(median__odd_even_and_input_left_alone)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };

	ck_assert_double_eq(pg_stats_median(odd, 3), 3);
	ck_assert_double_eq(odd[0], 5);  /* not sorted in place */
	ck_assert_double_eq(pg_stats_median(even, 4), 2.5);
	ck_assert_double_eq(pg_stats_median(odd, 1), 5);
	ck_assert(isnan(pg_stats_median(odd, 0)));
}
END_TEST

START_TEST(no_spread__equal_values_and_single_runs)
{
	double same[] = { 7, 7, 7 }, differ[] = { 7, 7, 8 };

	ck_assert(pg_stats_no_spread(same, 3));
	ck_assert(!pg_stats_no_spread(differ, 3));
	ck_assert(pg_stats_no_spread(differ, 1));
	ck_assert(pg_stats_no_spread(differ, 0));
}
END_TEST

START_TEST(robust_sd__mad_scaled_and_falls_back_to_sd)
{
	double v[] = { 1.0, 1.1, 0.9, 1.05, 0.95 };
	double three_alike[] = { 1, 1, 1, 1, 2 };

	ck_assert_double_eq_tol(pg_stats_robust_sd(v, 5), 1.4826 * 0.05, 1e-12);
	/* MAD 0 but not all equal: the sample standard deviation */
	ck_assert_double_eq_tol(pg_stats_robust_sd(three_alike, 5), sqrt(0.2), 1e-12);
	ck_assert_double_eq(pg_stats_robust_sd(v, 1), 0);
}
END_TEST

static void mw(struct pg_mann_whitney *out, const double *x, size_t nx, const double *y, size_t ny)
{
	ck_assert_int_eq(pg_stats_mann_whitney(out, x, nx, y, ny), 0);
}

START_TEST(mann_whitney__complete_separation_of_5_and_5_is_2_of_252)
{
	double x[] = { 1, 2, 3, 4, 5 }, y[] = { 6, 7, 8, 9, 10 };
	struct pg_mann_whitney r;

	mw(&r, x, 5, y, 5);
	ck_assert(r.exact);
	ck_assert_double_eq(r.u, 25);
	ck_assert_double_eq_tol(r.p_greater, 1.0 / 252, 1e-12);
	ck_assert_double_eq_tol(r.p_less, 1.0, 1e-12);
	ck_assert_double_eq_tol(r.p_two, 2.0 / 252, 1e-12);
	/* the other way round: U = 0, the same two-sided p */
	mw(&r, y, 5, x, 5);
	ck_assert_double_eq(r.u, 0);
	ck_assert_double_eq_tol(r.p_less, 1.0 / 252, 1e-12);
	ck_assert_double_eq_tol(r.p_two, 2.0 / 252, 1e-12);
}
END_TEST

/* Reference values: every C(n, ny) choice of the pooled runs enumerated
 * (Python, itertools.combinations), p = share of rank sums as extreme. */
START_TEST(mann_whitney__exact_p_matches_enumeration)
{
	static const struct {
		double x[5], y[5];
		size_t nx, ny;
		double u, p_greater, p_less, p_two;
	} cases[] = {
		{ { 1, 2, 3, 4, 5 }, { 3, 6, 7, 8, 9 }, 5, 5, 22.5, 0.01984126984126984, 0.9880952380952381,
		  0.03968253968253968 },
		/* ties on both sides */
		{ { 1, 1, 2, 2, 3 }, { 2, 3, 3, 4, 4 }, 5, 5, 22.0, 0.03968253968253968, 0.996031746031746,
		  0.07936507936507936 },
		/* unequal sizes */
		{ { 10, 11, 12 }, { 10.5, 13, 14, 15 }, 3, 4, 10.0, 0.11428571428571428, 0.9428571428571428,
		  0.22857142857142856 },
		/* noisy: two runs below, three above */
		{ { 1.0, 1.02, 0.98, 1.01, 0.99 }, { 0.7, 1.6, 0.75, 1.7, 1.65 }, 5, 5, 15.0,
		  0.34523809523809523, 0.7261904761904762, 0.6904761904761905 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct pg_mann_whitney r;

		mw(&r, cases[i].x, cases[i].nx, cases[i].y, cases[i].ny);
		ck_assert_msg(r.exact, "case %zu", i);
		ck_assert_double_eq_tol(r.u, cases[i].u, 1e-12);
		ck_assert_double_eq_tol(r.p_greater, cases[i].p_greater, 1e-12);
		ck_assert_double_eq_tol(r.p_less, cases[i].p_less, 1e-12);
		ck_assert_double_eq_tol(r.p_two, cases[i].p_two, 1e-12);
	}
}
END_TEST

START_TEST(mann_whitney__all_equal_gives_p_one)
{
	double x[] = { 4, 4, 4 }, y[] = { 4, 4 };
	struct pg_mann_whitney r;

	mw(&r, x, 3, y, 2);
	ck_assert_double_eq(r.p_two, 1);
	ck_assert_double_eq(r.p_greater, 1);
	ck_assert_double_eq(r.u, 3);  /* every pair a tie: 6 pairs x 1/2 */
}
END_TEST

START_TEST(mann_whitney__normal_approximation_beyond_exact_max)
{
	double x[30], y[30];
	struct pg_mann_whitney r;

	for (int i = 0; i < 30; i++) {
		x[i] = i;
		y[i] = i + 5.5;
	}
	mw(&r, x, 30, y, 30);
	ck_assert(!r.exact);
	ck_assert_double_eq(r.u, 600);
	/* mean 450, variance 30*30/12*61, continuity correction 0.5 */
	ck_assert_double_eq_tol(r.p_greater, 0.01354315919414797, 1e-9);
	ck_assert_double_eq_tol(r.p_two, 0.02708631838829594, 1e-9);
}
END_TEST

START_TEST(mann_whitney__exact_up_to_the_limit_agrees_with_approximation_roughly)
{
	/* 25 against 25 is still exact; the approximation should be close */
	double x[25], y[25];
	struct pg_mann_whitney r;

	for (int i = 0; i < 25; i++) {
		x[i] = i;
		y[i] = i + 4.5;
	}
	mw(&r, x, 25, y, 25);
	ck_assert(r.exact);
	ck_assert(r.p_two > 0.01 && r.p_two < 0.2);
}
END_TEST

START_TEST(min_p__smallest_two_sided_p_per_size)
{
	ck_assert_double_eq_tol(pg_stats_mw_min_p(5, 5), 2.0 / 252, 1e-15);
	ck_assert_double_eq_tol(pg_stats_mw_min_p(4, 4), 2.0 / 70, 1e-15);
	ck_assert_double_eq_tol(pg_stats_mw_min_p(3, 3), 0.1, 1e-15);
	ck_assert_double_eq_tol(pg_stats_mw_min_p(2, 2), 1.0 / 3, 1e-15);
	ck_assert_double_eq(pg_stats_mw_min_p(1, 1), 1);
}
END_TEST

START_TEST(t_quantile__known_values)
{
	/* Tables: t(0.995; 1, 2, 3, 5, 30), t(0.95; 4). */
	ck_assert_double_eq_tol(pg_stats_t_quantile(0.995, 1), 63.6567, 1e-3);
	ck_assert_double_eq_tol(pg_stats_t_quantile(0.995, 2), 9.9248, 1e-3);
	ck_assert_double_eq_tol(pg_stats_t_quantile(0.995, 3), 5.8409, 0.06);
	ck_assert_double_eq_tol(pg_stats_t_quantile(0.995, 5), 4.0321, 0.005);
	ck_assert_double_eq_tol(pg_stats_t_quantile(0.995, 30), 2.7500, 0.001);
	ck_assert_double_eq_tol(pg_stats_t_quantile(0.95, 4), 2.1318, 0.001);
	ck_assert_double_eq_tol(pg_stats_t_quantile(0.05, 4), -2.1318, 0.001);
}
END_TEST

START_TEST(normal_quantile__known_values)
{
	ck_assert_double_eq_tol(pg_stats_normal_quantile(0.975), 1.959963984540054, 1e-8);
	ck_assert_double_eq_tol(pg_stats_normal_quantile(0.8), 0.8416212335729143, 1e-8);
	ck_assert_double_eq_tol(pg_stats_normal_quantile(0.5), 0, 1e-12);
	ck_assert_double_eq_tol(pg_stats_normal_quantile(0.001), -3.090232306167813, 1e-8);
}
END_TEST

START_TEST(runs_needed__from_spread_and_effect)
{
	double x[] = { 1.0, 1.1, 0.9, 1.05, 0.95 }, y[] = { 1.3, 1.0, 1.5, 1.2, 1.1 };
	double same[] = { 2, 2, 2 };

	/* robust sds 0.0741 and 0.1483, effect 0.2: 2 z^2 var / d^2 * pi/3 -> 6 */
	ck_assert_uint_eq(pg_stats_runs_needed(x, 5, y, 5, 0.2, 0.05), 6);
	/* a smaller effect needs more */
	ck_assert_uint_gt(pg_stats_runs_needed(x, 5, y, 5, 0.05, 0.05), 50);
	/* no spread: as few as the rank test can decide with, 4 at 0.05 */
	ck_assert_uint_eq(pg_stats_runs_needed(same, 3, same, 3, 1, 0.05), 4);
	/* hopeless: capped */
	ck_assert_uint_eq(pg_stats_runs_needed(x, 5, y, 5, 1e-9, 0.05), 10000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stats");
	TCase *t = tcase_create("summaries");

	tcase_add_test(t, median__odd_even_and_input_left_alone);
	tcase_add_test(t, no_spread__equal_values_and_single_runs);
	tcase_add_test(t, robust_sd__mad_scaled_and_falls_back_to_sd);
	suite_add_tcase(s, t);
	t = tcase_create("mann_whitney");
	tcase_add_test(t, mann_whitney__complete_separation_of_5_and_5_is_2_of_252);
	tcase_add_test(t, mann_whitney__exact_p_matches_enumeration);
	tcase_add_test(t, mann_whitney__all_equal_gives_p_one);
	tcase_add_test(t, mann_whitney__normal_approximation_beyond_exact_max);
	tcase_add_test(t, mann_whitney__exact_up_to_the_limit_agrees_with_approximation_roughly);
	tcase_add_test(t, min_p__smallest_two_sided_p_per_size);
	suite_add_tcase(s, t);
	t = tcase_create("sizes");
	tcase_add_test(t, normal_quantile__known_values);
	tcase_add_test(t, t_quantile__known_values);
	tcase_add_test(t, runs_needed__from_spread_and_effect);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
