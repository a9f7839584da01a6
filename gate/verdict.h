/*
 * The verdict on one metric: has the change regressed it, improved it, left
 * it alone, or are the runs too noisy to tell at this threshold?
 *
 * A regression needs both of two things. The change of the medians is
 * beyond the threshold (for a relative one: the ratio of the medians), and
 * the runs show it is not noise: the Mann-Whitney U test of the current
 * runs against the baseline's rejects "same distribution" at alpha
 * (two-sided). Metrics with no spread on either side (the peak heap of a
 * deterministic program, measured by the exact tracker) are compared
 * exactly, without a test. A change beyond the threshold that the test
 * cannot confirm is inconclusive; when the runs lean that way (at least
 * PG_VERDICT_DIRECTION of the pairs of runs), with the number of runs per
 * side that should decide it, else with a note that the runs overlap and
 * more of them would not settle it. An improvement the test cannot confirm
 * is just unchanged.
 */
#ifndef PG_VERDICT_H
#define PG_VERDICT_H

#include <stddef.h>

#include "check_report.h"
#include "metric.h"
#include "paired.h"

/* Two-sided significance level of the gate's tests. With 5 runs against 5
 * the smallest p-value is 2/252 = 0.008, and p < 0.05 needs at most two of
 * the 25 pairs out of order. */
#define PG_VERDICT_ALPHA 0.05
/* The share of (baseline run, current run) pairs that must be ordered the
 * way the medians moved before an estimate of the runs needed is given:
 * with 5 against 5 and rank sums 28 against 27 the medians may differ but
 * the runs show no direction at all. */
#define PG_VERDICT_DIRECTION 0.70

struct pg_verdict_input {
	const char *metric;          /* "wall", ..., "function" */
	const char *function;        /* the function's name, or NULL */
	enum pg_check_unit unit;
	const double *before;        /* the baseline's runs */
	size_t nbefore;
	const double *after;         /* the current runs */
	size_t nafter;
	const struct pg_threshold *threshold;  /* POINTS: values are in percent */
	/* The metric is an exact count (the tracker without sampling): a single
	 * run on a side has no spread to fear. Timings never are. */
	int exact_single;
	double alpha;                /* 0: PG_VERDICT_ALPHA */
	/* The smallest change a relative threshold counts (an absolute floor
	 * for small counts: 11 -> 12 allocations is +9% but one allocation);
	 * 0: none. A threshold of 0% or an absolute one is taken as written. */
	double min_change;
	/* The metric's runs vary more than a few of them can show (peak RSS):
	 * a change no larger than the range either side's runs span is
	 * unchanged, whatever the rank test says. */
	int noisy;
};

/* Fills out (which owns copies of everything). Fails only when out of
 * memory; release out in every case. */
int pg_verdict_decide(struct pg_check_metric *out, const struct pg_verdict_input *in);

/* For a metric known only as one merged value per side (a function's bytes
 * at the heap peak, averaged over the memory runs): reference is what a
 * relative threshold is a fraction of (the baseline's peak heap), noise the
 * largest run-to-run range seen in the metric it is part of (0: none, then
 * the comparison is exact). A change beyond the threshold but not beyond
 * the noise is inconclusive. */
int pg_verdict_decide_merged(struct pg_check_metric *out, const char *metric, const char *function,
			     enum pg_check_unit unit, double before, double after,
			     const struct pg_threshold *threshold, double reference, double noise);

/* The change a threshold allows on top of before (reference for a relative
 * threshold); +infinity when the threshold is off. */
double pg_verdict_limit(const struct pg_threshold *t, double reference);

/* The verdict that the paired rule's call (paired.h) gives a metric:
 * undecided is inconclusive. */
enum pg_verdict pg_verdict_of_paired(enum pg_paired_call call);

#endif
