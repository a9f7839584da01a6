/*
 * Paired statistics of interleaved mode: base and head measured side by
 * side, one pair of runs at a time, in a random order within each pair.
 *
 * Each pair gives one log ratio, ln(head / base). The change is estimated by
 * the Hodges-Lehmann estimator (the median of the Walsh averages, the means
 * of every two log ratios and of each with itself), and its confidence
 * interval is the one that inverts the Wilcoxon signed-rank test: the k-th
 * smallest and k-th largest Walsh averages, k from the exact distribution
 * of the signed-rank statistic (a normal approximation beyond
 * PG_PAIRED_EXACT_MAX pairs).
 *
 * Why this and not a bootstrap: the order within a pair is random, so when
 * nothing changed each log ratio is as likely to be +x as -x: exactly the
 * symmetry the signed-rank test assumes, whatever the shape of the noise.
 * Its interval then has the coverage it claims for any number of pairs,
 * while a bootstrap's is only right asymptotically and too narrow for the
 * 6 to 30 pairs a CI job can afford. Below 6 pairs no 95% interval exists
 * (1/32 of the sign patterns all agree), and the rule asks for more pairs.
 */
#ifndef PG_PAIRED_H
#define PG_PAIRED_H

#include <stddef.h>

/* Pairs up to which the signed-rank distribution is exact. */
#define PG_PAIRED_EXACT_MAX 200

struct pg_paired {
	size_t n;           /* pairs */
	double estimate;    /* Hodges-Lehmann estimate of the log ratio; NaN when n is 0 */
	double lo, hi;      /* the interval of the log ratio; -inf and +inf when n is too small */
	double coverage;    /* what the interval actually covers (>= 1 - alpha), 0 when none */
};

/* P(T <= t) for the signed-rank statistic T of n pairs without ties under
 * the null hypothesis (each sign equally likely). */
double pg_paired_signed_rank_cdf(size_t n, double t);

/* The estimate and the (1 - alpha) interval of the log ratios r[0..n).
 * Fails only when out of memory. */
int pg_paired_estimate(struct pg_paired *out, const double *r, size_t n, double alpha);

/* The smallest number of pairs for which a (1 - alpha) interval exists. */
size_t pg_paired_min_pairs(double alpha);

enum pg_paired_call {
	PG_PAIRED_UNDECIDED,  /* neither: more pairs, or inconclusive when none are left */
	PG_PAIRED_UNCHANGED,  /* the interval lies below the threshold */
	PG_PAIRED_IMPROVED,   /* the estimate is beyond minus the threshold and the interval excludes 0 */
	PG_PAIRED_REGRESSED,  /* the estimate is beyond the threshold and the interval excludes 0 */
};

/* The rule, for a relative threshold (0.05 for "5%"), in log space: the
 * threshold is ln(1 + threshold) up and its opposite down. */
enum pg_paired_call pg_paired_decide(const struct pg_paired *p, double threshold);

/* ln(head / base) of each pair, for n pairs of positive values; a pair with
 * a value <= 0 or not finite gives NaN. */
void pg_paired_log_ratios(double *out, const double *base, const double *head, size_t n);

/* A robust spread (1.4826 x the median absolute deviation) of the log
 * ratios, and the change a test of n pairs at alpha detects with 80% power
 * against noise of that spread (normal theory, times sqrt(pi/3) for the
 * signed-rank test's efficiency), as a log ratio. */
double pg_paired_detectable(const double *r, size_t nr, size_t n, double alpha);

/*
 * Per-frame test of the differential flame graph: for each frame, its share
 * of each side's samples in each sampled pair. A frame's change is
 * significant when a z-test of the mean difference of its shares rejects
 * "no change" after Holm's correction for the number of frames tested. The
 * variance is the larger of what sampling alone gives (binomial, from the
 * sample counts) and what the pairs show (their spread), so one lucky pair
 * cannot make a frame significant, nor sampling noise hidden by few pairs.
 *
 * counts_a/counts_b: nframes x npairs samples of each frame (row-major, a
 * frame's pairs together); totals_a/totals_b: all samples of each pair's
 * runs. sig[f] is set to 1 when frame f's change is significant, p[f] its
 * Holm-adjusted p-value (may be NULL). Fails only when out of memory.
 */
int pg_paired_frames(unsigned char *sig, double *p, const double *counts_a, const double *counts_b,
		     const double *totals_a, const double *totals_b, size_t nframes, size_t npairs,
		     double alpha);

#endif
