/*
 * One metric's verdict (verdict.h): medians, the threshold on their
 * change, and the rank test that says whether the runs show a change at
 * all. The test is only run when the medians moved beyond the threshold:
 * it could not change a verdict otherwise, and a suite can have a hundred
 * functions per benchmark.
 */
#define _GNU_SOURCE
#include "verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "stats.h"

double pg_verdict_limit(const struct pg_threshold *t, double reference)
{
	switch (t->kind) {
	case PG_THRESHOLD_RELATIVE:
		return t->value * fabs(reference);
	case PG_THRESHOLD_ABSOLUTE:
	case PG_THRESHOLD_POINTS:
		return t->value;
	case PG_THRESHOLD_OFF:
		break;
	}
	return INFINITY;
}

static double *copy_runs(const double *v, size_t n)
{
	double *c = malloc((n ? n : 1) * sizeof *c);

	if (c && n)
		memcpy(c, v, n * sizeof *c);
	return c;
}

__attribute__((format(printf, 2, 3)))
static int note(struct pg_check_metric *out, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return pg_error_set("out of memory");
	free(out->note);
	out->note = s;
	return 0;
}

/* Largest minus smallest; 0 for fewer than two. */
static double spread(const double *v, size_t n)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	return n > 1 ? hi - lo : 0;
}

static int start(struct pg_check_metric *out, const char *metric, const char *function,
		 enum pg_check_unit unit, const struct pg_threshold *t)
{
	memset(out, 0, sizeof *out);
	out->unit = unit;
	out->p_value = NAN;
	out->before = out->after = out->change = out->ratio = NAN;
	snprintf(out->threshold, sizeof out->threshold, "%s", t->text[0] ? t->text : "off");
	if (!(out->metric = strdup(metric)) || (function && !(out->function = strdup(function))))
		return pg_error_set("out of memory");
	return 0;
}

static void set_values(struct pg_check_metric *out, double before, double after)
{
	out->before = before;
	out->after = after;
	out->change = after - before;
	out->ratio = before != 0 ? after / before : NAN;
}

int pg_verdict_decide(struct pg_check_metric *out, const struct pg_verdict_input *in)
{
	double alpha = in->alpha > 0 ? in->alpha : PG_VERDICT_ALPHA;
	double limit;
	int over, under, rc;
	struct pg_mann_whitney mw;

	if ((rc = start(out, in->metric, in->function, in->unit, in->threshold)) < 0)
		return rc;
	out->nbefore = in->nbefore;
	out->nafter = in->nafter;
	if (!(out->runs_before = copy_runs(in->before, in->nbefore)) ||
	    !(out->runs_after = copy_runs(in->after, in->nafter)))
		return pg_error_set("out of memory");
	if (in->nbefore == 0 || in->nafter == 0) {
		out->verdict = PG_VERDICT_NOT_CHECKED;
		if (in->nbefore)
			out->before = pg_stats_median(in->before, in->nbefore);
		if (in->nafter)
			out->after = pg_stats_median(in->after, in->nafter);
		return note(out, "not measured %s", in->nbefore ? "now" : in->nafter ? "in the baseline" :
			    "on either side");
	}
	set_values(out, pg_stats_median(in->before, in->nbefore), pg_stats_median(in->after, in->nafter));
	if (in->threshold->kind == PG_THRESHOLD_OFF) {
		out->verdict = PG_VERDICT_NOT_CHECKED;
		return note(out, "threshold off");
	}
	limit = pg_verdict_limit(in->threshold, out->before);
	if (in->threshold->kind == PG_THRESHOLD_RELATIVE && in->threshold->value > 0 && limit < in->min_change)
		limit = in->min_change;
	over = out->change > limit;
	under = -out->change > limit;
	if (in->noisy && (over || under)) {
		double range = fmax(spread(in->before, in->nbefore), spread(in->after, in->nafter));

		if (fabs(out->change) <= range) {
			out->verdict = PG_VERDICT_UNCHANGED;
			return note(out, "moved beyond the threshold but not beyond the range its runs span "
				    "(%.4g): this metric varies from run to run", range);
		}
	}

	int single_ok = in->exact_single || (in->nbefore >= 2 && in->nafter >= 2);

	if (single_ok && pg_stats_no_spread(in->before, in->nbefore) &&
	    pg_stats_no_spread(in->after, in->nafter)) {
		out->exact = 1;
		out->verdict = over ? PG_VERDICT_REGRESSED : under ? PG_VERDICT_IMPROVED : PG_VERDICT_UNCHANGED;
		return note(out, "no spread in %zu and %zu runs: compared exactly", in->nbefore, in->nafter);
	}
	if (!over && !under) {
		out->verdict = PG_VERDICT_UNCHANGED;
		return note(out, "the change of the medians is within the threshold");
	}
	if ((rc = pg_stats_mann_whitney(&mw, in->before, in->nbefore, in->after, in->nafter)) < 0)
		return rc;
	out->p_value = mw.p_two;
	if (mw.p_two < alpha) {
		out->verdict = over ? PG_VERDICT_REGRESSED : PG_VERDICT_IMPROVED;
		return note(out, "beyond the threshold, and not noise: Mann-Whitney p = %.3g < %.3g "
			    "(%zu vs %zu runs)", mw.p_two, alpha, in->nbefore, in->nafter);
	}
	if (under) {
		out->verdict = PG_VERDICT_UNCHANGED;
		return note(out, "fell beyond the threshold, but the runs do not show it is not noise "
			    "(Mann-Whitney p = %.3g, %zu vs %zu runs)", mw.p_two, in->nbefore, in->nafter);
	}
	out->verdict = PG_VERDICT_INCONCLUSIVE;

	/* U counts the pairs where the current run is the larger. */
	double lean = mw.u / ((double)in->nbefore * (double)in->nafter);

	if (!over)
		lean = 1 - lean;
	if (lean < PG_VERDICT_DIRECTION)
		return note(out, "the medians moved beyond the threshold but the runs overlap: only %.0f%% of "
			    "the pairs of runs are ordered that way (Mann-Whitney p = %.3g, %zu vs %zu runs); "
			    "more runs would not be likely to decide it", 100 * lean, mw.p_two, in->nbefore,
			    in->nafter);

	size_t most = in->nbefore > in->nafter ? in->nbefore : in->nafter;
	unsigned need = pg_stats_runs_needed(in->before, in->nbefore, in->after, in->nafter,
					     fabs(out->change), alpha);
	unsigned more = (unsigned)(most + (most + 1) / 2);  /* the estimate said enough: half as many again */

	out->repeats_needed = need > more ? need : more;
	if (pg_stats_mw_min_p(in->nbefore, in->nafter) >= alpha)
		return note(out, "beyond the threshold, but %zu vs %zu runs cannot show it is not noise "
			    "(Mann-Whitney p = %.3g; the smallest possible is %.3g); about %u runs on each "
			    "side would decide it", in->nbefore, in->nafter, mw.p_two,
			    pg_stats_mw_min_p(in->nbefore, in->nafter), out->repeats_needed);
	return note(out, "beyond the threshold, but too noisy to tell (Mann-Whitney p = %.3g >= %.3g, "
		    "%zu vs %zu runs); about %u runs on each side would decide it",
		    mw.p_two, alpha, in->nbefore, in->nafter, out->repeats_needed);
}

int pg_verdict_decide_merged(struct pg_check_metric *out, const char *metric, const char *function,
			     enum pg_check_unit unit, double before, double after,
			     const struct pg_threshold *threshold, double reference, double noise)
{
	double limit;
	int over, under, rc;

	if ((rc = start(out, metric, function, unit, threshold)) < 0)
		return rc;
	set_values(out, before, after);
	if (threshold->kind == PG_THRESHOLD_OFF) {
		out->verdict = PG_VERDICT_NOT_CHECKED;
		return note(out, "threshold off");
	}
	limit = pg_verdict_limit(threshold, reference);
	over = out->change > limit;
	under = -out->change > limit;
	if (noise <= 0) {
		out->exact = 1;
		out->verdict = over ? PG_VERDICT_REGRESSED : under ? PG_VERDICT_IMPROVED : PG_VERDICT_UNCHANGED;
		return note(out, "no spread in the runs: compared exactly (threshold %.0f bytes)", limit);
	}
	if (!over && !under) {
		out->verdict = PG_VERDICT_UNCHANGED;
		return note(out, "the change is within the threshold (%.0f bytes)", limit);
	}
	if (fabs(out->change) > noise) {
		out->verdict = over ? PG_VERDICT_REGRESSED : PG_VERDICT_IMPROVED;
		return note(out, "beyond the threshold (%.0f bytes) and beyond the runs' own range "
			    "(%.0f bytes)", limit, noise);
	}
	out->verdict = over ? PG_VERDICT_INCONCLUSIVE : PG_VERDICT_UNCHANGED;
	return note(out, "beyond the threshold (%.0f bytes) but within the range the runs vary by "
		    "(%.0f bytes)", limit, noise);
}

enum pg_verdict pg_verdict_of_paired(enum pg_paired_call call)
{
	switch (call) {
	case PG_PAIRED_REGRESSED:
		return PG_VERDICT_REGRESSED;
	case PG_PAIRED_IMPROVED:
		return PG_VERDICT_IMPROVED;
	case PG_PAIRED_UNCHANGED:
		return PG_VERDICT_UNCHANGED;
	case PG_PAIRED_UNDECIDED:
		break;
	}
	return PG_VERDICT_INCONCLUSIVE;
}
