/*
 * The statistics of the gate: medians, a robust spread, the Mann-Whitney U
 * rank test and how many runs a test would need.
 *
 * A benchmark is measured a handful of times (5 by default) on machines
 * whose noise is neither normal nor stable, so the gate uses a rank test:
 * it assumes nothing about the shape of the noise, a single outlier run
 * cannot swing it, and for small samples its p-value is exact. The exact
 * distribution is computed over the mid-ranks actually observed (ties
 * included), by counting subsets of the pooled runs; beyond
 * PG_STATS_EXACT_MAX pooled runs the normal approximation (with the tie
 * and continuity corrections) takes over.
 */
#ifndef PG_STATS_H
#define PG_STATS_H

#include <stddef.h>

/* Pooled runs up to which the p-value is exact. */
#define PG_STATS_EXACT_MAX 50

/* The median of v[0..n) (v is not changed); NaN when n is 0. */
double pg_stats_median(const double *v, size_t n);

/* Whether every value of v[0..n) is the same (true for n <= 1). */
int pg_stats_no_spread(const double *v, size_t n);

/* A robust standard deviation: 1.4826 times the median absolute deviation
 * from the median, or the sample standard deviation when that is 0 but the
 * values are not all equal (two runs of three alike). 0 for n <= 1. */
double pg_stats_robust_sd(const double *v, size_t n);

struct pg_mann_whitney {
	double u;          /* U of y: pairs (x_i, y_j) with y_j > x_i, ties counting 1/2 */
	double p_greater;  /* P(U >= u) if x and y came from one distribution: y tends to be larger */
	double p_less;     /* P(U <= u): y tends to be smaller */
	double p_two;      /* two-sided: min(1, 2 min(p_greater, p_less)) */
	int exact;         /* the exact permutation distribution, else the normal approximation */
};

/* The Mann-Whitney U test of y (after) against x (before). nx, ny >= 1.
 * When every pooled value is equal, all p-values are 1. Fails only when
 * out of memory. */
int pg_stats_mann_whitney(struct pg_mann_whitney *out, const double *x, size_t nx,
			  const double *y, size_t ny);

/* The smallest two-sided p-value the test can give for nx against ny runs
 * (no ties): 2 / C(nx + ny, nx), capped at 1. With 5 against 5: 2/252. */
double pg_stats_mw_min_p(size_t nx, size_t ny);

/* Runs on each side that a two-sided test at alpha would need to tell a
 * difference of delta apart from noise of the spread seen in x and y, with
 * 80% power: the normal-theory size, times pi/3 for the rank test's
 * efficiency, never fewer than the rank test needs to reach alpha at all.
 * Capped at 10000 (return value 10000 means "more than is practical"). */
unsigned pg_stats_runs_needed(const double *x, size_t nx, const double *y, size_t ny,
			      double delta, double alpha);

/* The quantile function of the standard normal distribution, 0 < p < 1. */
double pg_stats_normal_quantile(double p);

/* The quantile function of Student's t distribution with df degrees of
 * freedom (df >= 1), 0 < p < 1: exact for 1 and 2, else the Cornish-Fisher
 * expansion in 1/df to the fourth order (within 1% at df 3 and p 0.995,
 * closer as df grows). */
double pg_stats_t_quantile(double p, double df);

#endif
