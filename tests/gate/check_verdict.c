/*
 * Tests of gate/verdict.c: a regression needs a change of the medians
 * beyond the threshold AND runs that show it is not noise; no spread on
 * either side compares exactly; a change beyond the threshold that the
 * runs cannot confirm is inconclusive with a number of runs that would
 * decide it; thresholds are relative, absolute or percentage points.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "fixture.h"
#include "verdict.h"

static struct pg_threshold thr(enum pg_metric m, const char *text)
{
	struct pg_threshold t;

	ck_assert_msg(pg_threshold_parse(&t, m, text) == 0, "%s", pg_error_last());
	return t;
}

static struct pg_check_metric decide(const char *metric, enum pg_metric key, const char *threshold,
				     const double *before, size_t nb, const double *after, size_t na,
				     int exact_single)
{
	struct pg_threshold t = thr(key, threshold);
	struct pg_verdict_input in = {
		.metric = metric, .unit = PG_UNIT_SECONDS, .before = before, .nbefore = nb,
		.after = after, .nafter = na, .threshold = &t, .exact_single = exact_single,
	};
	struct pg_check_metric m;

	ck_assert_int_eq(pg_verdict_decide(&m, &in), 0);
	ck_assert_ptr_nonnull(m.note);
	return m;
}

START_TEST(paired_call__each_maps_to_its_verdict)
{
	ck_assert_int_eq(pg_verdict_of_paired(PG_PAIRED_REGRESSED), PG_VERDICT_REGRESSED);
	ck_assert_int_eq(pg_verdict_of_paired(PG_PAIRED_IMPROVED), PG_VERDICT_IMPROVED);
	ck_assert_int_eq(pg_verdict_of_paired(PG_PAIRED_UNCHANGED), PG_VERDICT_UNCHANGED);
	ck_assert_int_eq(pg_verdict_of_paired(PG_PAIRED_UNDECIDED), PG_VERDICT_INCONCLUSIVE);
}
END_TEST

START_TEST(decide__separated_runs_beyond_threshold_regress)
{
	double b[] = { 1.00, 1.01, 0.99, 1.02, 0.98 }, a[] = { 1.20, 1.21, 1.19, 1.22, 1.18 };
	struct pg_check_metric m = decide("wall", PG_METRIC_WALL, "10%", b, 5, a, 5, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	ck_assert_double_eq_tol(m.before, 1.0, 1e-12);
	ck_assert_double_eq_tol(m.after, 1.2, 1e-12);
	ck_assert_double_eq_tol(m.ratio, 1.2, 1e-12);
	ck_assert_double_eq_tol(m.p_value, 2.0 / 252, 1e-12);
	ck_assert(!m.exact);
	ck_assert_uint_eq(m.nbefore, 5);
	ck_assert_double_eq(m.runs_after[3], 1.22);
	ck_assert_str_eq(m.threshold, "10%");
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__significant_but_within_threshold_is_unchanged)
{
	double b[] = { 1.00, 1.01, 0.99, 1.02, 0.98 }, a[] = { 1.05, 1.06, 1.04, 1.07, 1.05 };
	struct pg_check_metric m = decide("cpu", PG_METRIC_CPU, "10%", b, 5, a, 5, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);
	ck_assert(isnan(m.p_value));  /* the test could not change the verdict: not run */
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__beyond_threshold_but_noisy_is_inconclusive_with_runs_needed)
{
	/* 20.5 of the 25 pairs have the current run the slower one. */
	double b[] = { 1.00, 1.02, 0.98, 1.01, 0.99 }, a[] = { 0.99, 1.25, 1.30, 1.02, 1.35 };
	struct pg_check_metric m = decide("wall", PG_METRIC_WALL, "10%", b, 5, a, 5, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_INCONCLUSIVE);
	ck_assert_double_gt(m.p_value, 0.05);
	ck_assert_uint_gt(m.repeats_needed, 5);
	ck_assert_msg(strstr(m.note, "runs on each side would decide it"), "%s", m.note);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__medians_apart_but_runs_without_direction_gives_no_estimate)
{
	/* Bimodal current runs: the median moved 60%, but only 15 of the 25
	 * pairs are ordered that way (p = 0.69). More runs would not tell. */
	double b[] = { 1.00, 1.02, 0.98, 1.01, 0.99 }, a[] = { 0.70, 1.60, 0.75, 1.70, 1.65 };
	struct pg_check_metric m = decide("wall", PG_METRIC_WALL, "10%", b, 5, a, 5, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_INCONCLUSIVE);
	ck_assert_double_eq_tol(m.p_value, 0.6904761904761905, 1e-12);
	ck_assert_uint_eq(m.repeats_needed, 0);
	ck_assert_msg(strstr(m.note, "the runs overlap: only 60%"), "%s", m.note);
	ck_assert_msg(!strstr(m.note, "would decide"), "%s", m.note);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__small_count_needs_the_absolute_floor_under_a_relative_threshold)
{
	double b[] = { 11, 11 }, a[] = { 12, 12 }, b2[] = { 1000, 1000 }, a2[] = { 1100, 1100 };
	struct pg_threshold rel = thr(PG_METRIC_ALLOC_COUNT, "5%"), abs1 = thr(PG_METRIC_ALLOC_COUNT, "+0");
	struct pg_verdict_input in = {
		.metric = "alloc_count", .unit = PG_UNIT_COUNT, .before = b, .nbefore = 2, .after = a,
		.nafter = 2, .threshold = &rel, .exact_single = 1, .min_change = 10,
	};
	struct pg_check_metric m;

	/* 11 -> 12 is +9.1% under 5%, but one allocation. */
	ck_assert_int_eq(pg_verdict_decide(&m, &in), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);
	pg_check_metric_release(&m);
	/* An absolute threshold is taken as written. */
	in.threshold = &abs1;
	ck_assert_int_eq(pg_verdict_decide(&m, &in), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	pg_check_metric_release(&m);
	/* Large counts: the relative threshold rules. */
	in.threshold = &rel;
	in.before = b2;
	in.after = a2;
	ck_assert_int_eq(pg_verdict_decide(&m, &in), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__noisy_metric_within_its_runs_range_is_unchanged)
{
	/* Peak RSS of a threaded program, MiB: medians +15.7%, runs 14.1-18.4. */
	double b[] = { 14.1, 14.6, 15.0, 18.0, 14.4 }, a[] = { 17.0, 17.5, 16.9, 18.4, 15.2 };
	double far[] = { 30.1, 30.5, 30.2, 30.9, 31.0 };
	struct pg_threshold t = thr(PG_METRIC_PEAK_RSS, "10%");
	struct pg_verdict_input in = {
		.metric = "peak_rss", .unit = PG_UNIT_BYTES, .before = b, .nbefore = 5, .after = a,
		.nafter = 5, .threshold = &t, .noisy = 1,
	};
	struct pg_check_metric m;

	ck_assert_int_eq(pg_verdict_decide(&m, &in), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);
	ck_assert_msg(strstr(m.note, "range its runs span"), "%s", m.note);
	pg_check_metric_release(&m);
	in.after = far;
	ck_assert_int_eq(pg_verdict_decide(&m, &in), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__too_few_runs_to_ever_decide_is_inconclusive)
{
	/* two memory runs each: the smallest p is 1/3 */
	double b[] = { 100, 110 }, a[] = { 130, 140 };
	struct pg_check_metric m = decide("peak_rss", PG_METRIC_PEAK_RSS, "10%", b, 2, a, 2, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_INCONCLUSIVE);
	ck_assert_uint_ge(m.repeats_needed, 4);
	ck_assert_msg(strstr(m.note, "cannot show"), "%s", m.note);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__improvement_needs_significance_too)
{
	double b[] = { 1.00, 1.01, 0.99, 1.02, 0.98 }, fast[] = { 0.80, 0.81, 0.79, 0.82, 0.78 };
	double noisy[] = { 0.5, 1.3, 0.6, 1.25, 0.55 };
	struct pg_check_metric m = decide("cpu", PG_METRIC_CPU, "10%", b, 5, fast, 5, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_IMPROVED);
	pg_check_metric_release(&m);
	m = decide("cpu", PG_METRIC_CPU, "10%", b, 5, noisy, 5, 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);  /* fell, unconfirmed: not inconclusive */
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__no_spread_compares_exactly)
{
	double b[] = { 5242880, 5242880 }, grown[] = { 5505024, 5505024 }, same[] = { 5242880, 5242880 };
	double small[] = { 5300000, 5300000 }, shrunk[] = { 4000000, 4000000 };
	struct pg_check_metric m = decide("peak_heap", PG_METRIC_PEAK_HEAP, "2%", b, 2, grown, 2, 1);

	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);  /* +5%, no test could say so with 2 runs */
	ck_assert(m.exact);
	ck_assert(isnan(m.p_value));
	pg_check_metric_release(&m);
	m = decide("peak_heap", PG_METRIC_PEAK_HEAP, "2%", b, 2, same, 2, 1);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);
	pg_check_metric_release(&m);
	m = decide("peak_heap", PG_METRIC_PEAK_HEAP, "2%", b, 2, small, 2, 1);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);  /* +1.1%: within 2% */
	pg_check_metric_release(&m);
	m = decide("peak_heap", PG_METRIC_PEAK_HEAP, "2%", b, 2, shrunk, 2, 1);
	ck_assert_int_eq(m.verdict, PG_VERDICT_IMPROVED);
	pg_check_metric_release(&m);
	m = decide("peak_heap", PG_METRIC_PEAK_HEAP, "0%", b, 2, small, 2, 1);
	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);  /* "0%": any growth */
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__single_run_is_exact_only_for_exact_counts)
{
	double b[] = { 1000 }, a[] = { 1100 };
	struct pg_check_metric m = decide("alloc_count", PG_METRIC_ALLOC_COUNT, "5%", b, 1, a, 1, 1);

	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	ck_assert(m.exact);
	pg_check_metric_release(&m);
	/* a single timing run has an unknown spread: never exact */
	m = decide("wall", PG_METRIC_WALL, "5%", b, 1, a, 1, 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_INCONCLUSIVE);
	ck_assert(!m.exact);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__from_zero_any_growth_is_beyond_a_relative_threshold)
{
	double b[] = { 0, 0 }, a[] = { 3, 3 };
	struct pg_check_metric m = decide("leaked_bytes", PG_METRIC_LEAKED_BYTES, "10%", b, 2, a, 2, 1);

	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	ck_assert(isnan(m.ratio));
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__absolute_and_points_thresholds)
{
	double b[] = { 1.00, 1.01, 0.99, 1.02, 0.98 }, a[] = { 1.04, 1.05, 1.03, 1.06, 1.02 };
	double sb[] = { 50.1, 49.8, 50.3, 49.9, 50.0 }, up6[] = { 56.1, 55.8, 56.3, 55.9, 56.0 };
	double up4[] = { 54.1, 53.8, 54.3, 53.9, 54.0 };
	struct pg_check_metric m = decide("wall", PG_METRIC_WALL, "+30ms", b, 5, a, 5, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);  /* +40 ms > 30 ms */
	pg_check_metric_release(&m);
	m = decide("wall", PG_METRIC_WALL, "+50ms", b, 5, a, 5, 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);
	pg_check_metric_release(&m);
	m = decide("function", PG_METRIC_FUNCTION, "5pp", sb, 5, up6, 5, 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	ck_assert_double_eq_tol(m.change, 6, 1e-9);
	pg_check_metric_release(&m);
	m = decide("function", PG_METRIC_FUNCTION, "5pp", sb, 5, up4, 5, 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide__off_or_unmeasured_is_not_checked)
{
	double b[] = { 1, 1.1 }, a[] = { 5, 5.1 };
	struct pg_check_metric m = decide("wall", PG_METRIC_WALL, "off", b, 2, a, 2, 0);

	ck_assert_int_eq(m.verdict, PG_VERDICT_NOT_CHECKED);
	ck_assert_double_eq_tol(m.after, 5.05, 1e-12);
	pg_check_metric_release(&m);
	m = decide("peak_heap", PG_METRIC_PEAK_HEAP, "2%", b, 0, a, 2, 1);
	ck_assert_int_eq(m.verdict, PG_VERDICT_NOT_CHECKED);
	ck_assert(isnan(m.before));
	ck_assert_double_eq_tol(m.after, 5.05, 1e-12);
	ck_assert_msg(strstr(m.note, "baseline"), "%s", m.note);
	pg_check_metric_release(&m);
}
END_TEST

START_TEST(decide_merged__exact_without_noise_and_inconclusive_within_it)
{
	struct pg_threshold t = thr(PG_METRIC_PEAK_HEAP, "2%");
	struct pg_check_metric m;

	/* 2% of a 5 MiB peak is 104858 bytes; the site grew 256 KiB */
	ck_assert_int_eq(pg_verdict_decide_merged(&m, "function_heap", "grow", PG_UNIT_BYTES, 0, 262144, &t,
						  5242880, 0), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	ck_assert(m.exact);
	ck_assert_str_eq(m.function, "grow");
	pg_check_metric_release(&m);
	/* the runs' peak varies by 300 KiB: the growth could be that */
	ck_assert_int_eq(pg_verdict_decide_merged(&m, "function_heap", "grow", PG_UNIT_BYTES, 0, 262144, &t,
						  5242880, 300 * 1024), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_INCONCLUSIVE);
	pg_check_metric_release(&m);
	ck_assert_int_eq(pg_verdict_decide_merged(&m, "function_heap", "grow", PG_UNIT_BYTES, 0, 262144, &t,
						  5242880, 1024), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_REGRESSED);
	pg_check_metric_release(&m);
	ck_assert_int_eq(pg_verdict_decide_merged(&m, "function_heap", "small", PG_UNIT_BYTES, 1000, 50000, &t,
						  5242880, 0), 0);
	ck_assert_int_eq(m.verdict, PG_VERDICT_UNCHANGED);
	pg_check_metric_release(&m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *t = tcase_create("tested");

	tcase_add_test(t, paired_call__each_maps_to_its_verdict);
	tcase_add_test(t, decide__separated_runs_beyond_threshold_regress);
	tcase_add_test(t, decide__significant_but_within_threshold_is_unchanged);
	tcase_add_test(t, decide__beyond_threshold_but_noisy_is_inconclusive_with_runs_needed);
	tcase_add_test(t, decide__medians_apart_but_runs_without_direction_gives_no_estimate);
	tcase_add_test(t, decide__too_few_runs_to_ever_decide_is_inconclusive);
	tcase_add_test(t, decide__small_count_needs_the_absolute_floor_under_a_relative_threshold);
	tcase_add_test(t, decide__noisy_metric_within_its_runs_range_is_unchanged);
	tcase_add_test(t, decide__improvement_needs_significance_too);
	suite_add_tcase(s, t);
	t = tcase_create("exact");
	tcase_add_test(t, decide__no_spread_compares_exactly);
	tcase_add_test(t, decide__single_run_is_exact_only_for_exact_counts);
	tcase_add_test(t, decide__from_zero_any_growth_is_beyond_a_relative_threshold);
	tcase_add_test(t, decide_merged__exact_without_noise_and_inconclusive_within_it);
	suite_add_tcase(s, t);
	t = tcase_create("thresholds");
	tcase_add_test(t, decide__absolute_and_points_thresholds);
	tcase_add_test(t, decide__off_or_unmeasured_is_not_checked);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
