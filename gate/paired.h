/*
 * Paired statistics of interleaved mode: base and head measured side by
 * side, one pair of runs at a time, in a random order within each pair.
 *
 * Each pair gives one log ratio, ln(head / base). The change is estimated by
 * the Hodges-Lehmann estimator (the median of the Walsh averages, the means
 * of every two log ratios and of each with itself), and its confidence
 * bounds are those that invert the Wilcoxon signed-rank test: the k-th
 * smallest and k-th largest Walsh averages, k from the exact distribution
 * of the signed-rank statistic (a normal approximation beyond
 * PG_PAIRED_EXACT_MAX pairs).
 *
 * Why this and not a bootstrap: the order within a pair is random, so when
 * nothing changed each log ratio is as likely to be +x as -x: exactly the
 * symmetry the signed-rank test assumes, whatever the shape of the noise.
 * Its bounds then have the coverage they claim for any number of pairs,
 * while a bootstrap's are only right asymptotically and too narrow for the
 * 5 to 30 pairs a CI job can afford.
 *
 * The rule makes two kinds of call, each with its own one-sided bound:
 * - a change (regressed, improved) on a bound at PG_PAIRED_ALPHA_CHANGE.
 *   The rule looks again after every two pairs added, up to 13 times in a
 *   check, and each look is another chance of a false alarm: at 0.5% per
 *   look an unchanged commit is called regressed in about 1 check of 100
 *   (bench/verdict_sim.py), where the 2.5% of a two-sided 95% interval gave
 *   about 1 in 25.
 * - "within the threshold" (unchanged) on the upper bound at
 *   PG_PAIRED_ALPHA_WITHIN: a one-sided test, at 5%, that the change is
 *   below the threshold (a non-inferiority test, as in equivalence testing).
 *   A two-sided 95% interval's upper end tests it at 2.5%, asking for more
 *   pairs than the question needs.
 * The interval reported is [lower bound at 0.5%, upper bound at 5%], which
 * covers the change with probability at least 94.5%: its low end above 0
 * (with the estimate beyond the threshold) is a regression, its high end
 * below the threshold is no regression. Five pairs give the upper bound
 * (2/32 of the sign patterns all agree), eight the lower one.
 */
#ifndef PG_PAIRED_H
#define PG_PAIRED_H

#include <stddef.h>

/* Pairs up to which the signed-rank distribution is exact. */
#define PG_PAIRED_EXACT_MAX 200

/* The one-sided levels of the rule's bounds (see above). */
#define PG_PAIRED_ALPHA_CHANGE 0.005
#define PG_PAIRED_ALPHA_WITHIN 0.05

struct pg_paired {
	size_t n;           /* pairs */
	double estimate;    /* Hodges-Lehmann estimate of the log ratio; NaN when n is 0 */
	double lo;          /* lower bound at one-sided PG_PAIRED_ALPHA_CHANGE; -inf below 8 pairs */
	double hi;          /* upper bound at one-sided PG_PAIRED_ALPHA_WITHIN; +inf below 5 pairs */
	double hi_change;   /* upper bound at one-sided PG_PAIRED_ALPHA_CHANGE; +inf below 8 pairs */
	double coverage;    /* what [lo, hi] actually covers, counting only finite ends; 0 when none */
	int adjusted;       /* the residuals at the estimate were adjusted for the covariate */
	double slope;       /* then the covariate's slope at the estimate; 0 when not adjusted */
};

/* P(T <= t) for the signed-rank statistic T of n pairs without ties under
 * the null hypothesis (each sign equally likely). */
double pg_paired_signed_rank_cdf(size_t n, double t);

/* The estimate and the bounds of the log ratios r[0..n). Fails only when
 * out of memory. */
int pg_paired_estimate(struct pg_paired *out, const double *r, size_t n);

/*
 * The same, with each pair's log ratio adjusted for a covariate x: how much
 * more of the CPUs other processes used during the head's run than during
 * the base's (-1..1). A neighbour busy during one run of a pair slows that
 * run, and the wall time of a program that uses every CPU most of all (on
 * this machine under the verdict bench's hog: the log ratios' spread 0.147,
 * their residuals' 0.021).
 *
 * The model is r = change + beta * x + noise. Each bound is the change c at
 * which the signed-rank test of the residuals r - c - beta(c) * x turns,
 * beta(c) the least-absolute-deviation slope of r - c on x through the
 * origin (the weighted median of (r - c) / x, weights |x|), kept within
 * 0..3 (a busier machine does not speed a run up). Under "the
 * change is c" with a random order in each pair, swapping a pair's sides
 * turns (r - c, x) into (c - r, -x): beta(c) stays, the residual changes
 * sign and keeps its size, so the residuals have exactly the signed-rank
 * test's null distribution, as the plain log ratios have without the
 * covariate. For the same reason the adjustment is used at c only when it
 * takes PG_PAIRED_ADJUST_GAIN of the absolute residuals away (a choice that
 * swapping sides does not change) and from PG_PAIRED_ADJUST_MIN pairs on:
 * a covariate that explains nothing only widens the bounds, most of all at
 * few pairs with heavy-tailed noise. Without either, the answer is
 * pg_paired_estimate's. x NULL: pg_paired_estimate.
 *
 * When most pairs' differences have the same sign, a slope can stand for a
 * shift of every pair as well as a change can, and the test's answers need
 * not be an interval: the bounds are searched for within half the ratios'
 * range of them, and one not found there is infinite (no decision). In a
 * simulation (Laplace noise, 7 to 15 pairs, x skewed or not, explaining the
 * noise or not) each bound missed at most at its level.
 */
#define PG_PAIRED_ADJUST_MIN 7
#define PG_PAIRED_ADJUST_GAIN 0.4
int pg_paired_estimate_adjusted(struct pg_paired *out, const double *r, const double *x, size_t n);

/* The smallest number of pairs for which a bound at one-sided level alpha
 * exists. */
size_t pg_paired_min_pairs(double alpha);

enum pg_paired_call {
	PG_PAIRED_UNDECIDED,  /* neither: more pairs, or inconclusive when none are left */
	PG_PAIRED_UNCHANGED,  /* hi lies below the threshold */
	PG_PAIRED_IMPROVED,   /* the estimate is beyond minus the threshold and hi_change below 0 */
	PG_PAIRED_REGRESSED,  /* the estimate is beyond the threshold and lo above 0 */
};

/* The rule, for a relative threshold (0.05 for "5%"), in log space: the
 * threshold is ln(1 + threshold) up and its opposite down. */
enum pg_paired_call pg_paired_decide(const struct pg_paired *p, double threshold);

/* ln(head / base) of each pair, for n pairs of positive values; a pair with
 * a value <= 0 or not finite gives NaN. */
void pg_paired_log_ratios(double *out, const double *base, const double *head, size_t n);

/* A robust spread (1.4826 x the median absolute deviation) of the log
 * ratios, and the change a one-sided test of n pairs at alpha detects with
 * 80% power against noise of that spread (normal theory, times sqrt(pi/3)
 * for the signed-rank test's efficiency), as a log ratio. */
double pg_paired_detectable(const double *r, size_t nr, size_t n, double alpha);
/* The same for an estimate p of the log ratios r[0..nr) and the covariate
 * x (NULL: none): when p was adjusted and n pairs would be too (from
 * PG_PAIRED_ADJUST_MIN), against the spread of the residuals r - slope * x,
 * which is what the adjusted bounds narrow with. */
double pg_paired_detectable_of(const struct pg_paired *p, const double *r, const double *x, size_t nr, size_t n,
			       double alpha);

/*
 * A function's inclusive share in interleaved mode (the hot-path gate's
 * "function" metric): its share of each side's samples, in percent, in each
 * sampled pair, and each run's sample count. The change is the mean of the
 * pairs' differences (head - base, percentage points); its standard error
 * the larger of what sampling alone gives (binomial, from the counts and the
 * pooled share) and what the pairs' spread shows, as in pg_paired_frames.
 * Its bounds, at the rule's two one-sided levels, are the wider of the
 * normal quantile times the sampling error and Student's t (n - 1 degrees
 * of freedom) times the spread's: a spread seen in two pairs says little,
 * so two pairs rarely decide a change beyond the threshold and the check
 * adds sampled pairs (interleave.h). Pairing is what decides it: a machine that makes a function
 * heavier (page faults under memory pressure) makes it heavier on both
 * sides of a pair, while a rank test of the runs alone sees only that its
 * share moved.
 */
struct pg_paired_share {
	size_t n;        /* pairs with samples on both sides */
	double change;   /* mean difference, points; NaN when n is 0 */
	double se;       /* its standard error, points */
	double lo;       /* lower bound at one-sided PG_PAIRED_ALPHA_CHANGE */
	double hi;       /* upper bound at one-sided PG_PAIRED_ALPHA_WITHIN */
};
void pg_paired_share(struct pg_paired_share *out, const double *base, const double *head,
		     const double *samples_base, const double *samples_head, size_t n);

/* The rule for a share, threshold in points: regressed when the change is
 * beyond it and lo above 0; undecided when the change is beyond it but lo
 * is not; else unchanged (a share that fell is never an improvement:
 * another function's share rose). Unlike wall and CPU time, a share within
 * the threshold is not asked to show hi below it: as in stored-baseline
 * mode, the hot-path gate's "unchanged" is the change within the threshold.
 * Showing that for every hot function would take more sampled runs than
 * the timing verdict needs (a share of 35% from 650 samples a run is known
 * to +-1.9 points from 2 pairs, so hi reaches 5 points at a change of 2). */
enum pg_paired_call pg_paired_share_decide(const struct pg_paired_share *s, double threshold);

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
