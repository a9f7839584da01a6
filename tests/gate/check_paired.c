/*
 * Tests of gate/paired.c: the signed-rank distribution against counts made
 * by enumerating every sign pattern, the Hodges-Lehmann estimate and its
 * Wilcoxon interval against enumerated answers, the decision rule, a
 * simulation with a known shift (coverage and bias), the estimate adjusted
 * for other processes' load (its levels, and the spread it removes), and the
 * per-frame test of the differential flame graph.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "paired.h"

#define EPS 1e-12

START_TEST(signed_rank__exact_counts_of_sign_patterns)
{
	/* n = 3: the positive ranks sum to 0,1,2,3,3,4,5,6 over the 8 patterns. */
	ck_assert_double_eq_tol(pg_paired_signed_rank_cdf(3, 0), 1.0 / 8, EPS);
	ck_assert_double_eq_tol(pg_paired_signed_rank_cdf(3, 3), 5.0 / 8, EPS);
	ck_assert_double_eq_tol(pg_paired_signed_rank_cdf(3, 6), 1.0, EPS);
	ck_assert_double_eq_tol(pg_paired_signed_rank_cdf(3, -1), 0.0, EPS);
	/* n = 10: P(T <= 8) = 25/1024 (the two-sided 5% critical value of the
	 * tables), P(T <= 9) = 33/1024. */
	ck_assert_double_eq_tol(pg_paired_signed_rank_cdf(10, 8), 25.0 / 1024, EPS);
	ck_assert_double_eq_tol(pg_paired_signed_rank_cdf(10, 9), 33.0 / 1024, EPS);
	/* Symmetry: P(T <= t) = P(T >= M - t). */
	ck_assert_double_eq_tol(pg_paired_signed_rank_cdf(12, 30), 1 - pg_paired_signed_rank_cdf(12, 78 - 31),
				1e-12);
	/* The normal approximation beyond the exact range is close to exact. */
	double exact = pg_paired_signed_rank_cdf(PG_PAIRED_EXACT_MAX, 8000);
	double approx = pg_paired_signed_rank_cdf(PG_PAIRED_EXACT_MAX + 1, 8000 + 100.5);

	ck_assert(fabs(exact - approx) < 0.02);
}
END_TEST

START_TEST(min_pairs__five_for_the_upper_bound_eight_for_the_lower)
{
	/* A bound at one-sided alpha needs 1/2^n <= alpha. */
	ck_assert_uint_eq(pg_paired_min_pairs(0.025), 6);
	ck_assert_uint_eq(pg_paired_min_pairs(PG_PAIRED_ALPHA_WITHIN), 5);
	ck_assert_uint_eq(pg_paired_min_pairs(PG_PAIRED_ALPHA_CHANGE), 8);
}
END_TEST

START_TEST(estimate__enumerated_answers)
{
	const double six[] = { 1, 2, 3, 4, 5, 6 };
	const double ten[] = { 0.03, -0.01, 0.05, 0.02, 0.04, 0.00, 0.06, 0.01, 0.03, 0.02 };
	struct pg_paired p;

	/* Six pairs: P(T <= 2) = 3/64 <= 5%, so the upper bound is the 3rd
	 * largest of the 21 Walsh averages (6, 5.5, 5, 5, ...): 5; no bound at
	 * 0.5% (1/64 > 0.005): no lower bound, no upper bound for a change. */
	ck_assert_int_eq(pg_paired_estimate(&p, six, 6), 0);
	ck_assert_double_eq_tol(p.estimate, 3.5, EPS);
	ck_assert(isinf(p.lo) && p.lo < 0);
	ck_assert_double_eq_tol(p.hi, 5, EPS);
	ck_assert(isinf(p.hi_change) && p.hi_change > 0);
	ck_assert_double_eq_tol(p.coverage, 1 - 3.0 / 64, EPS);
	/* Ten pairs (every sign pattern enumerated in a script): P(T <= 3) =
	 * 5/1024 <= 0.5% < P(T <= 4), so lo and hi_change are the 4th smallest
	 * and largest of the 55 Walsh averages, 0.00 and 0.05; P(T <= 10) =
	 * 43/1024 <= 5% < P(T <= 11) = 55/1024, so hi is the 11th largest,
	 * 0.04. Estimate 0.025; coverage of [lo, hi] 1 - 48/1024. */
	ck_assert_int_eq(pg_paired_estimate(&p, ten, 10), 0);
	ck_assert_double_eq_tol(p.estimate, 0.025, 1e-12);
	ck_assert_double_eq_tol(p.lo, 0.0, 1e-12);
	ck_assert_double_eq_tol(p.hi_change, 0.05, 1e-12);
	ck_assert_double_eq_tol(p.hi, 0.04, 1e-12);
	ck_assert_double_eq_tol(p.coverage, 1 - 48.0 / 1024, EPS);
	/* Five pairs: the upper bound only, the largest Walsh average. */
	ck_assert_int_eq(pg_paired_estimate(&p, six, 5), 0);
	ck_assert(isinf(p.lo) && p.lo < 0 && isinf(p.hi_change));
	ck_assert_double_eq_tol(p.hi, 5, EPS);
	ck_assert_double_eq_tol(p.estimate, 3, EPS);
	/* Four pairs allow no bound at all. */
	ck_assert_int_eq(pg_paired_estimate(&p, six, 4), 0);
	ck_assert(isinf(p.lo) && isinf(p.hi) && p.hi > 0 && p.coverage == 0);
	/* No pairs: nothing. */
	ck_assert_int_eq(pg_paired_estimate(&p, six, 0), 0);
	ck_assert(isnan(p.estimate));
}
END_TEST

static struct pg_paired make(double est, double lo, double hi, double hi_change)
{
	return (struct pg_paired){ .n = 10, .estimate = est, .lo = lo, .hi = hi, .hi_change = hi_change,
				   .coverage = 0.95 };
}

START_TEST(decide__the_rule)
{
	double t = 0.05, up = log1p(0.05);
	struct pg_paired p;

	/* Beyond the threshold and the lower bound above 0: regressed. */
	p = make(0.10, 0.08, 0.11, 0.12);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_REGRESSED);
	/* Beyond the threshold but the lower bound reaches 0: more pairs. */
	p = make(0.10, -0.01, 0.15, 0.2);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_UNDECIDED);
	/* Below 8 pairs there is no lower bound: never regressed yet. */
	p = make(0.10, -INFINITY, 0.11, INFINITY);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_UNDECIDED);
	/* Significant but within the threshold, the upper bound crossing it: more pairs. */
	p = make(0.04, 0.02, up + 0.01, up + 0.02);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_UNDECIDED);
	/* The upper bound below the threshold: unchanged, even if it excludes 0. */
	p = make(0.02, 0.01, up - 0.001, up + 0.01);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_UNCHANGED);
	/* Unchanged from 5 pairs on: the upper bound is all it takes. */
	p = make(0.0, -INFINITY, 0.03, INFINITY);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_UNCHANGED);
	/* A clear improvement beyond the threshold. */
	p = make(-0.10, -0.12, -0.085, -0.08);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_IMPROVED);
	/* Faster, but the strict upper bound reaches 0: unchanged, never improved. */
	p = make(-0.10, -0.2, -0.01, 0.01);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_UNCHANGED);
	/* No bound yet (too few pairs): undecided whatever the estimate. */
	p = make(0.3, -INFINITY, INFINITY, INFINITY);
	ck_assert_int_eq(pg_paired_decide(&p, t), PG_PAIRED_UNDECIDED);
}
END_TEST

/* A small deterministic generator, so the simulation is the same each run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Noise with heavy tails: Laplace, scale b. */
static double laplace(double b)
{
	double u = uniform() - 0.5;

	return u < 0 ? b * log(1 + 2 * u) : -b * log(1 - 2 * u);
}

START_TEST(simulation__known_shift_is_covered_and_found)
{
	const double shift = log(1.10), scale = 0.02;
	const size_t n = 12, trials = 2000;
	size_t covered = 0, regressed = 0, unchanged_null = 0, regressed_null = 0;
	double sum_est = 0;
	double r[12];
	struct pg_paired p;

	for (size_t t = 0; t < trials; t++) {
		for (size_t i = 0; i < n; i++)
			r[i] = shift + laplace(scale);
		ck_assert_int_eq(pg_paired_estimate(&p, r, n), 0);
		covered += p.lo <= shift && shift <= p.hi;
		sum_est += p.estimate;
		regressed += pg_paired_decide(&p, 0.05) == PG_PAIRED_REGRESSED;

		for (size_t i = 0; i < n; i++)
			r[i] = laplace(scale);
		ck_assert_int_eq(pg_paired_estimate(&p, r, n), 0);
		unchanged_null += pg_paired_decide(&p, 0.05) == PG_PAIRED_UNCHANGED;
		regressed_null += pg_paired_decide(&p, 0.05) == PG_PAIRED_REGRESSED;
	}
	/* [lo, hi] covers the true shift about as often as it claims
	 * (1 - 19/4096 - 189/4096 = 0.949 for 12 pairs); 2000 trials: +-0.5% sd. */
	ck_assert_msg(covered >= trials * 0.93 && covered <= trials * 0.97, "covered %zu of %zu", covered,
		      trials);
	/* Unbiased for symmetric noise. */
	ck_assert_msg(fabs(sum_est / (double)trials - shift) < 0.002, "mean estimate %g, shift %g",
		      sum_est / (double)trials, shift);
	/* +10% against 2% noise at a 5% threshold: found every time; no
	 * change: unchanged nearly always and never regressed. */
	ck_assert_uint_ge(regressed, trials * 99 / 100);
	ck_assert_uint_ge(unchanged_null, trials * 97 / 100);
	ck_assert_uint_eq(regressed_null, 0);
}
END_TEST

START_TEST(adjusted__without_a_measured_covariate_is_the_plain_estimate)
{
	const double r[10] = { 0.03, -0.01, 0.02, 0.05, 0.00, 0.04, -0.02, 0.01, 0.06, 0.02 };
	const double zero[10] = { 0 };
	const double one[10] = { 0.3 };  /* a single pair measured: nothing to fit */
	struct pg_paired plain, adj;

	ck_assert_int_eq(pg_paired_estimate(&plain, r, 10), 0);
	for (int k = 0; k < 3; k++) {
		const double *x = k == 0 ? NULL : k == 1 ? zero : one;

		ck_assert_int_eq(pg_paired_estimate_adjusted(&adj, r, x, 10), 0);
		ck_assert_int_eq(adj.adjusted, 0);
		ck_assert_double_eq_tol(adj.estimate, plain.estimate, EPS);
		ck_assert_double_eq_tol(adj.lo, plain.lo, EPS);
		ck_assert_double_eq_tol(adj.hi, plain.hi, EPS);
		ck_assert_double_eq_tol(adj.hi_change, plain.hi_change, EPS);
	}
	/* Below PG_PAIRED_ADJUST_MIN pairs the covariate is not used either. */
	const double x[6] = { 0.4, -0.3, 0.2, -0.4, 0.3, -0.2 };
	const double rx[6] = { 0.41, -0.29, 0.21, -0.38, 0.31, -0.2 };

	ck_assert_int_eq(pg_paired_estimate(&plain, rx, 6), 0);
	ck_assert_int_eq(pg_paired_estimate_adjusted(&adj, rx, x, 6), 0);
	ck_assert_int_eq(adj.adjusted, 0);
	ck_assert_double_eq_tol(adj.hi, plain.hi, EPS);
}
END_TEST

/* A neighbour's load explains most of the spread: the adjusted bounds are
 * narrow around the true change; the plain ones are not. */
START_TEST(adjusted__a_load_that_explains_the_spread_narrows_the_bounds)
{
	const double change = log(1.05);
	const size_t n = 15;
	double r[15], x[15];
	struct pg_paired plain, adj;

	rng_state = 12345;
	for (size_t i = 0; i < n; i++) {
		x[i] = (uniform() - 0.5) * 0.8;
		r[i] = change + 1.1 * x[i] + laplace(0.005);
	}
	ck_assert_int_eq(pg_paired_estimate(&plain, r, n), 0);
	ck_assert_int_eq(pg_paired_estimate_adjusted(&adj, r, x, n), 0);
	ck_assert_int_eq(adj.adjusted, 1);
	ck_assert_msg(adj.lo < change && change < adj.hi, "[%g, %g] misses %g", adj.lo, adj.hi, change);
	ck_assert_msg(adj.hi - adj.lo < 0.03, "adjusted [%g, %g]", adj.lo, adj.hi);
	ck_assert_msg(plain.hi - plain.lo > 0.1, "plain [%g, %g]", plain.lo, plain.hi);
	ck_assert_double_eq_tol(adj.estimate, change, 0.01);
	/* +5% against a 2% threshold: regressed with the adjustment; the plain
	 * rule does not see it. */
	ck_assert_int_eq(pg_paired_decide(&adj, 0.02), PG_PAIRED_REGRESSED);
	ck_assert_int_ne(pg_paired_decide(&plain, 0.02), PG_PAIRED_REGRESSED);
	/* The pairs an inconclusive verdict asks for come from the residuals'
	 * spread once the adjustment applies, and from the ratios' below it. */
	ck_assert_double_eq_tol(adj.slope, 1.1, 0.05);
	ck_assert_double_eq(plain.slope, 0);
	double d_plain = pg_paired_detectable(r, n, 20, PG_PAIRED_ALPHA_CHANGE);
	double d_adj = pg_paired_detectable_of(&adj, r, x, n, 20, PG_PAIRED_ALPHA_CHANGE);
	ck_assert_msg(d_adj < d_plain / 5, "detectable with 20 pairs: %g adjusted, %g plain", d_adj, d_plain);
	ck_assert_double_eq(pg_paired_detectable_of(&plain, r, x, n, 20, PG_PAIRED_ALPHA_CHANGE), d_plain);
	ck_assert_double_eq(pg_paired_detectable_of(&adj, r, x, n, PG_PAIRED_ADJUST_MIN - 1, PG_PAIRED_ALPHA_CHANGE),
			    pg_paired_detectable(r, n, PG_PAIRED_ADJUST_MIN - 1, PG_PAIRED_ALPHA_CHANGE));
}
END_TEST

/* The adjusted bounds keep their levels when nothing changed, whether the
 * covariate explains the noise or not, with heavy-tailed noise: swapping a
 * pair's sides (the random order) leaves the fitted slope alone. */
START_TEST(adjusted__simulation_keeps_the_levels)
{
	const size_t n = 9, trials = 1500;
	double r[9], x[9];
	struct pg_paired p;

	rng_state = 777;
	for (int informative = 0; informative < 2; informative++) {
		size_t lo_above = 0, hi_below = 0, adjusted = 0;

		for (size_t t = 0; t < trials; t++) {
			for (size_t i = 0; i < n; i++) {
				x[i] = (uniform() - 0.5) * 0.8;
				r[i] = (informative ? 1.0 * x[i] : 0) + laplace(0.02);
			}
			ck_assert_int_eq(pg_paired_estimate_adjusted(&p, r, x, n), 0);
			lo_above += p.lo > 0;
			hi_below += p.hi < 0;
			adjusted += (size_t)p.adjusted;
		}
		/* Levels 0.5% (lo) and 5% (hi; 4.9% exactly for 9 pairs): 1500
		 * trials give about 7 +- 3 and 73 +- 8. */
		ck_assert_msg(lo_above <= 16, "informative %d: lo > 0 in %zu of %zu", informative, lo_above, trials);
		ck_assert_msg(hi_below >= 45 && hi_below <= 100, "informative %d: hi < 0 in %zu of %zu", informative,
			      hi_below, trials);
		if (informative)
			ck_assert_uint_ge(adjusted, trials * 9 / 10);
		else
			ck_assert_uint_le(adjusted, trials / 4);
	}
	/* The head's runs mostly the busier ones: the slope and a change cannot
	 * be told apart, and the bounds widen rather than miss. */
	size_t lo_above = 0, hi_below = 0;

	for (size_t t = 0; t < trials; t++) {
		for (size_t i = 0; i < n; i++) {
			x[i] = 0.3 + (uniform() - 0.5) * 0.8;
			r[i] = 1.0 * x[i] + laplace(0.02);
		}
		/* The change is 0 once the load is taken out. */
		ck_assert_int_eq(pg_paired_estimate_adjusted(&p, r, x, n), 0);
		lo_above += p.lo > 0;
		hi_below += p.hi < 0;
	}
	ck_assert_msg(lo_above <= 16, "skewed: lo > 0 in %zu of %zu", lo_above, trials);
	ck_assert_msg(hi_below <= 100, "skewed: hi < 0 in %zu of %zu", hi_below, trials);
}
END_TEST

START_TEST(detectable__shrinks_with_pairs)
{
	double r[40];

	for (size_t i = 0; i < 40; i++)
		r[i] = laplace(0.02);
	double d10 = pg_paired_detectable(r, 40, 10, PG_PAIRED_ALPHA_CHANGE);
	double d40 = pg_paired_detectable(r, 40, 40, PG_PAIRED_ALPHA_CHANGE);

	ck_assert(d10 > 0 && isfinite(d10));
	ck_assert_double_eq_tol(d10 / d40, 2.0, 1e-9);
}
END_TEST

START_TEST(frames__only_a_consistent_change_beyond_sampling_noise_is_significant)
{
	/* Three frames, four pairs, 10000 samples per run. Frame 0 grows from
	 * 30% to 36% in every pair; frame 1 stays at 20% +- sampling noise;
	 * frame 2 jumps in one pair only (10% -> 25%) and is the same in the
	 * other three. */
	const double ta[4] = { 10000, 10000, 10000, 10000 }, tb[4] = { 10000, 10000, 10000, 10000 };
	const double ca[12] = { 3000, 3010, 2990, 3005, 2000, 2010, 1990, 2000, 1000, 1000, 1000, 1000 };
	const double cb[12] = { 3600, 3590, 3610, 3600, 2010, 1995, 2005, 1990, 2500, 1000, 1000, 1000 };
	unsigned char sig[3];
	double p[3];

	ck_assert_int_eq(pg_paired_frames(sig, p, ca, cb, ta, tb, 3, 4, 0.05), 0);
	ck_assert_int_eq(sig[0], 1);
	ck_assert_int_eq(sig[1], 0);
	ck_assert_int_eq(sig[2], 0);
	ck_assert(p[0] < 1e-6);
	/* One pair alone: the pairs' spread is unknown, sampling decides; a
	 * 1-sample difference of 10000 is noise. */
	const double a1[1] = { 5000 }, b1[1] = { 5001 };

	ck_assert_int_eq(pg_paired_frames(sig, p, a1, b1, ta, tb, 1, 1, 0.05), 0);
	ck_assert_int_eq(sig[0], 0);
}
END_TEST

START_TEST(frames__holm_corrects_for_the_number_of_frames)
{
	/* One frame whose change has p about 0.01 alone: significant when it
	 * is the only frame tested, not among 10 tested frames. */
	enum { PAIRS = 1 };
	const double ta[PAIRS] = { 10000 }, tb[PAIRS] = { 10000 };
	double ca[10], cb[10];
	unsigned char sig[10];
	double p[10];

	/* p = 0.5: sd of the difference = sqrt(2 * .25 / 10000) = 0.00707;
	 * z = 2.6 needs a difference of 0.0184, i.e. 184 samples. */
	ca[0] = 5000;
	cb[0] = 5184;
	ck_assert_int_eq(pg_paired_frames(sig, p, ca, cb, ta, tb, 1, PAIRS, 0.05), 0);
	ck_assert_int_eq(sig[0], 1);
	for (size_t f = 1; f < 10; f++)
		ca[f] = cb[f] = 500;
	ck_assert_int_eq(pg_paired_frames(sig, p, ca, cb, ta, tb, 10, PAIRS, 0.05), 0);
	ck_assert_int_eq(sig[0], 0);
	ck_assert(p[0] > 0.05 && p[0] < 0.2);
}
END_TEST

START_TEST(share__enumerated_answers)
{
	/* Two pairs, 1000 samples each run: base 40% and 42%, head 50% and
	 * 54%. Differences 10 and 12: mean 11, their spread gives a standard
	 * error of 1; sampling gives sqrt(p(1-p) * 2/1000 / 2) with the pooled
	 * p = 0.465, 1.577 points, the larger. */
	const double base[2] = { 40, 42 }, head[2] = { 50, 54 }, n[5] = { 1000, 1000, 1000, 1000, 1000 };
	struct pg_paired_share s;
	double se = 100 * sqrt(0.465 * 0.535 * 2.0 / 1000 / 2);

	pg_paired_share(&s, base, head, n, n, 2);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_double_eq_tol(s.change, 11, 1e-12);
	ck_assert_double_eq_tol(s.se, se, 1e-9);
	/* But the spread is known from one degree of freedom: its bound takes
	 * Student's t (63.66 at 99.5%, 6.314 at 95%) and is the wider. */
	ck_assert_double_eq_tol(s.lo, 11 - 63.6567, 1e-3);
	ck_assert_double_eq_tol(s.hi, 11 + 6.3138, 1e-3);
	ck_assert_int_eq(pg_paired_share_decide(&s, 5), PG_PAIRED_UNDECIDED);
	/* Within the threshold: unchanged, though hi is beyond it. */
	ck_assert_int_eq(pg_paired_share_decide(&s, 11.5), PG_PAIRED_UNCHANGED);

	/* Five pairs: differences 10, 12, 10, 12, 10 (mean 10.8, spread's
	 * standard error 0.49, times t(4) 4.60: 2.26); sampling, pooled p =
	 * 0.466: 0.998 points, times 2.576: 2.57, the wider. */
	const double base5[5] = { 40, 42, 41, 40, 43 }, head5[5] = { 50, 54, 51, 52, 53 };
	double se5 = 100 * sqrt(0.466 * 0.534 * 2.0 / 1000 / 5);

	pg_paired_share(&s, base5, head5, n, n, 5);
	ck_assert_double_eq_tol(s.change, 10.8, 1e-12);
	ck_assert_double_eq_tol(s.lo, 10.8 - 2.5758293 * se5, 1e-5);
	ck_assert_int_eq(pg_paired_share_decide(&s, 5), PG_PAIRED_REGRESSED);
	ck_assert_int_eq(pg_paired_share_decide(&s, 10.7), PG_PAIRED_REGRESSED);

	/* Pairs that disagree: the spread (standard error 6) decides, and a
	 * mean change of 6 points is not shown to be one. */
	const double head2[2] = { 40, 54 };

	pg_paired_share(&s, base, head2, n, n, 2);
	ck_assert_double_eq_tol(s.change, 6, 1e-12);
	ck_assert_double_eq_tol(s.se, 6, 1e-12);
	ck_assert_int_eq(pg_paired_share_decide(&s, 5), PG_PAIRED_UNDECIDED);
}
END_TEST

START_TEST(share__a_machine_effect_on_both_sides_is_no_change)
{
	/* The function's share swings by 10 points from pair to pair (the
	 * machine's doing), the same on both sides of each pair: unchanged
	 * at 5 points, where the runs' medians differ by 10. */
	const double base[3] = { 30, 40, 50 }, head[3] = { 30.5, 40.2, 49.9 }, n[3] = { 3000, 3000, 3000 };
	struct pg_paired_share s;

	pg_paired_share(&s, base, head, n, n, 3);
	ck_assert(fabs(s.change) < 0.5);
	ck_assert_int_eq(pg_paired_share_decide(&s, 5), PG_PAIRED_UNCHANGED);
	/* A fall is never a regression, and not an improvement either. */
	const double fell[3] = { 10, 20, 30 };

	pg_paired_share(&s, base, fell, n, n, 3);
	ck_assert_int_eq(pg_paired_share_decide(&s, 5), PG_PAIRED_UNCHANGED);
	/* A pair without samples on a side does not count. */
	const double none[3] = { 0, 3000, 3000 };

	pg_paired_share(&s, base, head, n, none, 3);
	ck_assert_uint_eq(s.n, 2);
	pg_paired_share(&s, base, head, none, none, 1);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(isnan(s.change));
	ck_assert_int_eq(pg_paired_share_decide(&s, 5), PG_PAIRED_UNDECIDED);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("paired");
	TCase *t = tcase_create("exact");

	tcase_add_test(t, signed_rank__exact_counts_of_sign_patterns);
	tcase_add_test(t, min_pairs__five_for_the_upper_bound_eight_for_the_lower);
	tcase_add_test(t, estimate__enumerated_answers);
	tcase_add_test(t, decide__the_rule);
	suite_add_tcase(s, t);
	t = tcase_create("simulated");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, simulation__known_shift_is_covered_and_found);
	tcase_add_test(t, detectable__shrinks_with_pairs);
	tcase_add_test(t, adjusted__without_a_measured_covariate_is_the_plain_estimate);
	tcase_add_test(t, adjusted__a_load_that_explains_the_spread_narrows_the_bounds);
	tcase_add_test(t, adjusted__simulation_keeps_the_levels);
	suite_add_tcase(s, t);
	t = tcase_create("frames");
	tcase_add_test(t, frames__only_a_consistent_change_beyond_sampling_noise_is_significant);
	tcase_add_test(t, frames__holm_corrects_for_the_number_of_frames);
	suite_add_tcase(s, t);
	t = tcase_create("shares");
	tcase_add_test(t, share__enumerated_answers);
	tcase_add_test(t, share__a_machine_effect_on_both_sides_is_no_change);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
