/*
 * The gate (gate.h): turns a benchmark's baseline and current runs into
 * metric verdicts, the hot-path verdicts and the explanations that go into
 * the reports.
 *
 * Where the per-run numbers come from:
 * - wall, cpu: the timing runs (CPU sampler alone);
 * - peak_rss: the timing runs too when both sides have them (the tracker's
 *   own tables would inflate the memory runs' RSS), else the memory runs;
 * - peak_heap, alloc_count, alloc_bytes, leaked_bytes: the memory runs;
 * - a function's inclusive CPU share: each timing run's share, kept for the
 *   benchmark's hot functions; a function hot on one side only gets, on the
 *   other, its share of that side's merged profile in every run (0 if it
 *   does not appear at all); in interleaved mode (opts->paired) decided
 *   from the pairs' differences, not by a rank test of the runs;
 * - a function's bytes at the heap peak: the merged (averaged) peak stacks,
 *   by the function that called the allocator (peak_sites, docs/profile-json.md).
 */
#define _GNU_SOURCE
#include "gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "frame_name.h"
#include "funcdiff.h"
#include "paired.h"
#include "pynames.h"
#include "stats.h"
#include "verdict.h"

/* ---- growing arrays of the output --------------------------------------- */

static struct pg_check_metric *add_metric(struct pg_check_bench *b, size_t *cap)
{
	if (PG_ARRAY_RESERVE(b->metrics, *cap, b->nmetrics + 1) < 0)
		return NULL;
	memset(&b->metrics[b->nmetrics], 0, sizeof *b->metrics);
	return &b->metrics[b->nmetrics++];
}

/* ---- the runs' numbers --------------------------------------------------- */

static size_t count_timing_rss(const struct pg_baseline_bench *b)
{
	size_t n = 0;

	for (size_t i = 0; b && i < b->nruns; i++)
		n += !isnan(b->runs[i].values[PG_METRIC_PEAK_RSS]);
	return n;
}

/* The known values of metric m; out has room for nruns + nmem_runs. A
 * metric both kinds of runs measure comes from the timing runs when
 * from_timing is set (they have no tracker to inflate it). */
static size_t series_values(double *out, const struct pg_baseline_bench *b, enum pg_metric m, int from_timing)
{
	enum pg_metric_runs runs = pg_metric(m)->runs;
	size_t n = 0;

	if (!b)
		return 0;
	if (runs == PG_RUNS_TIMING || (runs == PG_RUNS_BOTH && from_timing)) {
		for (size_t i = 0; i < b->nruns; i++)
			if (!isnan(b->runs[i].values[m]))
				out[n++] = b->runs[i].values[m];
		return n;
	}
	for (size_t i = 0; i < b->nmem_runs; i++)
		if (!isnan(b->mem_runs[i].values[m]))
			out[n++] = b->mem_runs[i].values[m];
	return n;
}

static double *alloc_values(const struct pg_baseline_bench *b)
{
	size_t n = b ? b->nruns + b->nmem_runs : 0;

	return malloc((n ? n : 1) * sizeof(double));
}

/* ---- a profile's functions, by name -------------------------------------- */

struct named {
	const char *name;   /* borrowed from a profile */
	double value;
	double self;        /* merged_shares(): the self share, percent */
};

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static const struct named *find_named(const struct named *v, size_t n, const char *name)
{
	struct named key = { name, 0, 0 };

	return n ? bsearch(&key, v, n, sizeof *v, cmp_named) : NULL;
}

/* Sorts v by name and sums the values of equal names. */
static size_t merge_named(struct named *v, size_t n)
{
	size_t out = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_named);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(v[i].name, v[out].name)) {
			v[out].value += v[i].value;
			v[out].self += v[i].self;
		} else
			v[++out] = v[i];
	}
	return out + 1;
}

/* Each function's inclusive share (percent) of the merged CPU profile. */
static int merged_shares(struct named **out, size_t *count, struct pg_profile **view,
			 const struct pg_profile *p)
{
	struct pg_hot_function *hot = NULL;
	size_t nhot = 0;
	uint64_t total;
	int rc;

	*out = NULL;
	*count = 0;
	*view = NULL;
	if (!p || (total = pg_profile_total(p)) == 0)
		return 0;
	/* Python functions by function, lines merged; the names live in the view. */
	struct pg_profile *v = NULL;
	if ((rc = pg_pyname_function_view(&v, p)) < 0)
		return rc;
	if ((rc = pg_profile_hot_functions(&hot, &nhot, v)) < 0) {
		pg_profile_free(v);
		return rc;
	}
	*out = calloc(nhot ? nhot : 1, sizeof **out);
	if (!*out) {
		free(hot);
		pg_profile_free(v);
		return pg_error_set("out of memory");
	}
	for (size_t i = 0; i < nhot; i++)
		(*out)[i] = (struct named){ pg_profile_frame_name(v, hot[i].frame),
					    100.0 * (double)hot[i].total / (double)total,
					    100.0 * (double)hot[i].self / (double)total };
	free(hot);
	*view = v;  /* owns the names */
	*count = merge_named(*out, nhot);
	return 0;
}

static int is_inlined(const char *name)
{
	size_t len = strlen(name), mark = sizeof PG_FRAME_INLINED_MARK - 1;

	return len > mark && !strcmp(name + len - mark, PG_FRAME_INLINED_MARK);
}

/* Bytes at the peak by the function that called the allocator. */
static int heap_sites(struct named **out, size_t *count, const struct pg_profile *p,
		      int (*is_allocator)(const char *))
{
	size_t n = p ? pg_profile_stack_count(p) : 0;

	*count = 0;
	*out = calloc(n ? n : 1, sizeof **out);
	if (!*out)
		return pg_error_set("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct pg_stack *st = pg_profile_stack(p, i);
		uint32_t d = st->depth;

		while (is_allocator && d > 1 && is_allocator(pg_profile_frame_name(p, st->frames[d - 1])))
			d--;
		/* then the function that code is in (take() inlined into g: g) */
		while (d > 1 && is_inlined(pg_profile_frame_name(p, st->frames[d - 1])))
			d--;
		(*out)[i] = (struct named){ pg_profile_frame_name(p, st->frames[d - 1]), (double)st->weight, 0 };
	}
	*count = merge_named(*out, n);
	return 0;
}

/* The names of p's root frames (they name programs, not functions); a
 * handful, one per program. Borrowed from p; caller frees the array. */
static const char **root_names(const struct pg_profile *p, size_t *count)
{
	size_t n = p ? pg_profile_stack_count(p) : 0, m = 0;
	const char **v = calloc(n ? n : 1, sizeof *v);

	for (size_t i = 0; v && i < n; i++) {
		const char *name = pg_profile_frame_name(p, pg_profile_stack(p, i)->frames[0]);
		size_t k = 0;

		while (k < m && strcmp(v[k], name))
			k++;
		if (k == m)
			v[m++] = name;
	}
	*count = m;
	return v;
}

static int in_names(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return 1;
	return 0;
}

/* ---- whole-benchmark metrics --------------------------------------------- */

static int whole(struct pg_check_bench *out, size_t *cap, struct pg_baseline_bench *baseline,
		 struct pg_baseline_bench *current, const struct pg_threshold *th, double alpha)
{
	double *before = alloc_values(baseline), *after = alloc_values(current);
	int rss_timing = count_timing_rss(current) > 0 && (!baseline || count_timing_rss(baseline) > 0);
	int exact_tracker = current->mem_sample == 0 && (!baseline || baseline->mem_sample == 0);
	int rc = 0;

	if (!before || !after) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (int k = 0; k < PG_METRIC_COUNT; k++) {
		const struct pg_metric_def *d = pg_metric((enum pg_metric)k);
		const struct pg_threshold *t = &th[d->threshold_of];
		size_t nb, na;
		struct pg_check_metric *m;

		if (d->runs == PG_RUNS_NONE)
			continue;
		nb = series_values(before, baseline, (enum pg_metric)k, rss_timing);
		na = series_values(after, current, (enum pg_metric)k, rss_timing);
		if (!d->always && (t->kind == PG_THRESHOLD_OFF || (nb == 0 && na == 0)))
			continue;

		struct pg_verdict_input in = {
			.metric = d->name, .unit = d->unit,
			.before = before, .nbefore = nb, .after = after, .nafter = na, .threshold = t,
			.exact_single = d->exact && exact_tracker, .alpha = alpha,
			.min_change = d->min_change, .noisy = d->noisy,
		};

		if (!(m = add_metric(out, cap))) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		if ((rc = pg_verdict_decide(m, &in)) < 0)
			goto done;
	}
done:
	free(before);
	free(after);
	return rc;
}

/* ---- the hot-path gate: inclusive CPU share per function ----------------- */

/* Each function's own share (percent) of p, by identity, for the floor of
 * the function rows: the stacks it ends, and those where only frames
 * inlined into it are below it (inlined code is the function's own machine
 * code: hot_path with burn inlined does the work itself). Names owned. */
static int own_shares(struct named **out, size_t *count, const struct pg_profile *p)
{
	size_t n = p ? pg_profile_stack_count(p) : 0, m = 0;
	uint64_t total = p ? pg_profile_total(p) : 0;
	struct named *v = calloc(2 * n + 1, sizeof *v);
	size_t mark = sizeof PG_FRAME_INLINED_MARK - 1;

	*out = NULL;
	*count = 0;
	if (!v)
		return pg_error_set("out of memory");
	for (size_t i = 0; i < n && total > 0; i++) {
		const struct pg_stack *st = pg_profile_stack(p, i);
		uint32_t d = st->depth;
		double share = 100.0 * (double)st->weight / (double)total;

		for (int k = 0; k < 2 && d > 0; k++) {
			const char *name = pg_profile_frame_name(p, st->frames[d - 1]);
			size_t len = strlen(name);

			if (!(v[m].name = pg_frame_identity(name, len))) {
				for (size_t j = 0; j < m; j++)
					free((char *)v[j].name);
				free(v);
				return pg_error_set("out of memory");
			}
			v[m].self = share;
			m++;
			/* then the function the leaf's inlined chain is in */
			if (!(len > mark && !strcmp(name + len - mark, PG_FRAME_INLINED_MARK)))
				break;
			while (d > 1) {
				const char *up = pg_profile_frame_name(p, st->frames[d - 2]);
				size_t ul = strlen(up);

				d--;
				if (!(ul > mark && !strcmp(up + ul - mark, PG_FRAME_INLINED_MARK)))
					break;
			}
		}
	}
	if (m > 0) {
		size_t u = 0;

		qsort(v, m, sizeof *v, cmp_named);
		for (size_t i = 1; i < m; i++) {
			if (!strcmp(v[i].name, v[u].name)) {
				v[u].self += v[i].self;
				free((char *)v[i].name);
			} else {
				v[++u] = v[i];
			}
		}
		m = u + 1;
	}
	*out = v;
	*count = m;
	return 0;
}

static void named_free(struct named *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free((char *)v[i].name);
	free(v);
}

/* Whether the function called name (an identity) gets a row of the
 * hot-path gate: runtime frames never do, nor frames on (nearly) every
 * stack of either side, whose inclusive share cannot move; the others when
 * their self time is at least PG_GATE_FUNCTION_MIN_SELF of either side's. */
static int worth_a_row(const char *name, const struct named *mb, size_t nmb, const struct named *ma, size_t nma,
		       const struct named *ob, size_t nob, const struct named *oa, size_t noa)
{
	const struct named *b = find_named(mb, nmb, name), *a = find_named(ma, nma, name);
	const struct named *sb = find_named(ob, nob, name), *sa = find_named(oa, noa, name);
	double total = fmax(b ? b->value : 0, a ? a->value : 0);
	double self = fmax(sb ? sb->self : 0, sa ? sa->self : 0);

	if (pg_frame_is_runtime(name))
		return 0;
	if (total >= 100.0 * PG_GATE_ANCESTOR_SHARE)
		return 0;
	return self >= 100.0 * PG_GATE_FUNCTION_MIN_SELF;
}

/* The per-run shares (percent) of function name on one side: from the
 * runs when it is one of the side's hot functions, else its merged share
 * in every run. */
static size_t function_runs(double *out, const struct pg_baseline_bench *b, const char *name,
			    const struct named *merged, size_t nmerged)
{
	size_t n = 0;

	for (size_t k = 0; k < b->nhot; k++) {
		if (!pg_frame_same_identity(b->hot[k].name, name))
			continue;
		for (size_t i = 0; i < b->nruns; i++)
			if (b->runs[i].functions)
				out[n++] = 100.0 * b->runs[i].functions[k];
		if (n > 0)
			return n;
		break;
	}
	const struct named *m = find_named(merged, nmerged, name);

	for (size_t i = 0; i < b->nruns; i++)
		out[n++] = m ? m->value : 0;
	return n;
}

/* Interleaved mode: m's verdict from the pairs of runs (run i of each
 * side measured together), replacing the rank test's. */
static int paired_share_verdict(struct pg_check_metric *m, const struct pg_verdict_input *in,
				const struct pg_baseline_bench *baseline, const struct pg_baseline_bench *current)
{
	size_t n = in->nbefore < in->nafter ? in->nbefore : in->nafter;
	double *sb = calloc(n + 1, sizeof *sb), *sa = calloc(n + 1, sizeof *sa);
	struct pg_paired_share ps;
	char *note = NULL;

	if (!sb || !sa) {
		free(sb);
		free(sa);
		return pg_error_set("out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		sb[i] = (double)baseline->runs[i].samples;
		sa[i] = (double)current->runs[i].samples;
	}
	pg_paired_share(&ps, in->before, in->after, sb, sa, n);
	free(sb);
	free(sa);
	if (in->threshold->kind == PG_THRESHOLD_OFF || ps.n == 0)
		return 0;
	m->verdict = pg_verdict_of_paired(pg_paired_share_decide(&ps, pg_verdict_limit(in->threshold, m->before)));
	m->exact = 0;
	m->p_value = NAN;
	m->repeats_needed = 0;
	if (asprintf(&note, "%zu sampled pairs: its share changed by %+.1f points a pair on average "
		     "[%+.1f, %+.1f]; beyond the threshold with the low end (one-sided 99.5%%) above 0 is a "
		     "regression%s", ps.n, ps.change, ps.lo, ps.hi,
		     m->verdict == PG_VERDICT_INCONCLUSIVE ? "; beyond it, but the pairs do not show it is not "
							    "noise" : "") < 0)
		return pg_error_set("out of memory");
	free(m->note);
	m->note = note;
	return 0;
}

static int functions_gate(struct pg_check_bench *out, size_t *cap, struct pg_baseline_bench *baseline,
			  struct pg_baseline_bench *current, const struct pg_threshold *th,
			  const struct pg_profile *pb, const struct pg_profile *pa,
			  const struct pg_profile *raw_b, const struct pg_profile *raw_a, double alpha, int paired)
{
	struct named *mb = NULL, *ma = NULL, *ob = NULL, *oa = NULL;
	struct pg_profile *vb = NULL, *va = NULL;
	size_t nmb = 0, nma = 0, nob = 0, noa = 0;
	char **names = calloc(baseline->nhot + current->nhot + 1, sizeof *names);
	double *before = malloc((baseline->nruns + 1) * sizeof *before);
	double *after = malloc((current->nruns + 1) * sizeof *after);
	size_t nnames = 0;
	int rc;

	if (!names || !before || !after) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	if ((rc = merged_shares(&mb, &nmb, &vb, pb)) < 0 || (rc = merged_shares(&ma, &nma, &va, pa)) < 0 ||
	    (rc = own_shares(&ob, &nob, raw_b)) < 0 || (rc = own_shares(&oa, &noa, raw_a)) < 0)
		goto done;
	/* The current hot functions first: they are what the reader looks at.
	 * Each by its identity (names[] owns them). */
	for (size_t side = 0; side < 2; side++) {
		const struct pg_baseline_bench *b = side == 0 ? current : baseline;

		for (size_t k = 0; k < b->nhot; k++) {
			const char *hn = b->hot[k].name;
			char *ident = pg_frame_identity(hn, strlen(hn));
			size_t j = 0;

			if (!ident) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			while (j < nnames && strcmp(names[j], ident))
				j++;
			if (j < nnames) {
				free(ident);
				continue;
			}
			names[nnames] = ident;
			if (worth_a_row(names[nnames], mb, nmb, ma, nma, ob, nob, oa, noa))
				nnames++;
			else
				free(names[nnames]);
		}
	}
	for (size_t i = 0; i < nnames; i++) {
		struct pg_verdict_input in = {
			.metric = pg_metric_name(PG_METRIC_FUNCTION), .function = names[i],
			.unit = pg_metric(PG_METRIC_FUNCTION)->unit,
			.before = before, .nbefore = function_runs(before, baseline, names[i], mb, nmb),
			.after = after, .nafter = function_runs(after, current, names[i], ma, nma),
			.threshold = &th[PG_METRIC_FUNCTION], .alpha = alpha,
		};
		struct pg_check_metric *m;

		if (!(m = add_metric(out, cap))) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		if ((rc = pg_verdict_decide(m, &in)) < 0)
			goto done;
		if (paired && in.nbefore == baseline->nruns && in.nafter == current->nruns &&
		    (rc = paired_share_verdict(m, &in, baseline, current)) < 0)
			goto done;
	}
	rc = 0;
done:
	free(mb);
	free(ma);
	named_free(ob, nob);
	named_free(oa, noa);
	for (size_t i = 0; names && i < nnames; i++)
		free(names[i]);
	pg_profile_free(vb);
	pg_profile_free(va);
	free(names);
	free(before);
	free(after);
	return rc;
}

/* ---- what explains a timing change: CPU time per function ---------------- */

static int cmp_growth(const void *a, const void *b)
{
	const struct pg_check_function *x = a, *y = b;
	double gx = x->self_after - x->self_before, gy = y->self_after - y->self_before;

	if (gx != gy)
		return gx < gy ? 1 : -1;
	return strcmp(x->name, y->name);
}

static double metric_median(const struct pg_check_bench *b, const char *metric, int after)
{
	for (size_t i = 0; i < b->nmetrics; i++)
		if (!strcmp(b->metrics[i].metric, metric) && !b->metrics[i].function)
			return after ? b->metrics[i].after : b->metrics[i].before;
	return NAN;
}

static int explain_functions(struct pg_check_bench *out, const struct pg_profile *pb,
			     const struct pg_profile *pa, size_t max, const struct pg_gate_opts *o)
{
	struct pg_diff_function *d = NULL;
	struct pg_check_function *f = NULL;
	struct pg_profile *vb = NULL, *va = NULL;
	const char **rb = NULL, **ra = NULL;
	size_t nd = 0, nf = 0, nrb = 0, nra = 0;
	uint64_t tb = pg_profile_total(pb), ta = pg_profile_total(pa);
	double cpu_b = o->cpu_before > 0 ? o->cpu_before : metric_median(out, "cpu", 0);
	double cpu_a = o->cpu_after > 0 ? o->cpu_after : metric_median(out, "cpu", 1);
	int rc;

	if (tb == 0 || ta == 0 || isnan(cpu_b) || isnan(cpu_a))
		return 0;
	/* By function: Python lines merged, so moved code is no change. */
	if ((rc = pg_pyname_function_view(&vb, pb)) < 0 || (rc = pg_pyname_function_view(&va, pa)) < 0)
		goto done;
	pb = vb;
	pa = va;
	if ((rc = pg_diff_functions(&d, &nd, pb, pa, 0)) < 0)
		goto done;
	f = calloc(nd ? nd : 1, sizeof *f);
	rb = root_names(pb, &nrb);
	ra = root_names(pa, &nra);
	if (!f || !rb || !ra) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nd; i++) {
		if (in_names(rb, nrb, d[i].name) || in_names(ra, nra, d[i].name))
			continue;
		if (pg_frame_is_runtime(d[i].name))
			continue;
		/* Seconds per run: the share of the samples times the median CPU
		 * time, which holds whatever the rate and the number of runs. */
		f[nf++] = (struct pg_check_function){
			.name = (char *)d[i].name,
			.self_before = d[i].self_before / (double)tb * cpu_b,
			.self_after = d[i].self_after / (double)ta * cpu_a,
			.total_before = d[i].total_before / (double)tb,
			.total_after = d[i].total_after / (double)ta,
		};
	}
	qsort(f, nf, sizeof *f, cmp_growth);
	/* What grew by less than PG_GATE_EXPLAIN_MIN of the CPU time explains
	 * nothing: sampling alone moves a function that much. */
	while (nf > 0 && !(f[nf - 1].self_after - f[nf - 1].self_before >= PG_GATE_EXPLAIN_MIN * cpu_b))
		nf--;
	if (nf > max)
		nf = max;
	out->functions = calloc(nf ? nf : 1, sizeof *out->functions);
	rc = out->functions ? 0 : pg_error_set("out of memory");
	for (size_t i = 0; rc == 0 && i < nf; i++) {
		out->functions[i] = f[i];
		if (!(out->functions[i].name = strdup(f[i].name)))
			rc = pg_error_set("out of memory");
		else
			out->nfunctions++;
	}
done:
	free(rb);
	free(ra);
	free(f);
	free(d);
	pg_profile_free(vb);
	pg_profile_free(va);
	return rc;
}

/* ---- memory: bytes at the peak per function, and the stacks that grew ---- */

static double series_range(const struct pg_baseline_bench *b, enum pg_metric s)
{
	double lo = INFINITY, hi = -INFINITY;
	double *v = alloc_values(b);
	size_t n;

	if (!v)
		return 0;
	n = series_values(v, b, s, 0);
	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	free(v);
	return n > 1 ? hi - lo : 0;
}

static int cmp_abs_change(const void *a, const void *b)
{
	const struct pg_check_metric *x = a, *y = b;
	double cx = fabs(x->change), cy = fabs(y->change);

	if (cx != cy)
		return cx < cy ? 1 : -1;
	return strcmp(x->function, y->function);
}

static int heap_gate(struct pg_check_bench *out, size_t *cap, struct pg_baseline_bench *baseline,
		     struct pg_baseline_bench *current, const struct pg_threshold *th,
		     const struct pg_profile *pb, const struct pg_profile *pa,
		     const struct pg_gate_opts *o)
{
	const struct pg_threshold *t = &th[pg_metric(PG_METRIC_FUNCTION_HEAP)->threshold_of];
	struct named *sb = NULL, *sa = NULL;
	size_t nsb = 0, nsa = 0, first = out->nmetrics, i = 0, j = 0;
	double reference = metric_median(out, "peak_heap", 0);
	double noise = fmax(series_range(baseline, PG_METRIC_PEAK_HEAP), series_range(current, PG_METRIC_PEAK_HEAP));
	int rc;

	if (!pb || !pa || t->kind == PG_THRESHOLD_OFF)
		return 0;
	if (isnan(reference))
		reference = (double)pg_profile_total(pb);
	if ((rc = heap_sites(&sb, &nsb, pb, o->is_allocator)) < 0 ||
	    (rc = heap_sites(&sa, &nsa, pa, o->is_allocator)) < 0)
		goto done;
	while (i < nsb || j < nsa) {
		int c = i == nsb ? 1 : j == nsa ? -1 : strcmp(sb[i].name, sa[j].name);
		const char *name = c <= 0 ? sb[i].name : sa[j].name;
		double before = c <= 0 ? sb[i].value : 0, after = c >= 0 ? sa[j].value : 0;
		struct pg_check_metric *m;

		i += c <= 0;
		j += c >= 0;
		if (before == after)
			continue;
		if (!(m = add_metric(out, cap))) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		if ((rc = pg_verdict_decide_merged(m, pg_metric_name(PG_METRIC_FUNCTION_HEAP), name,
						     pg_metric(PG_METRIC_FUNCTION_HEAP)->unit, before, after, t,
						     reference, noise)) < 0)
			goto done;
	}
	/* Keep the sites that changed a verdict and the largest other changes. */
	qsort(out->metrics + first, out->nmetrics - first, sizeof *out->metrics, cmp_abs_change);
	size_t keep = first;
	for (size_t k = first; k < out->nmetrics; k++) {
		if (k - first < PG_GATE_HEAP_SITES || out->metrics[k].verdict != PG_VERDICT_UNCHANGED)
			out->metrics[keep++] = out->metrics[k];
		else
			pg_check_metric_release(&out->metrics[k]);
	}
	out->nmetrics = keep;
	rc = 0;
done:
	free(sb);
	free(sa);
	return rc;
}

struct keyed {
	char *key;   /* owned */
	double value;
};

static int cmp_keyed(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static void keyed_free(struct keyed *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].key);
	free(v);
}

/* The stacks of p as "a;b;c" keys, sorted, threads merged. */
static int stack_keys(struct keyed **out, size_t *count, const struct pg_profile *p)
{
	size_t n = pg_profile_stack_count(p), m = 0;
	struct keyed *v = calloc(n ? n : 1, sizeof *v);

	*out = NULL;
	*count = 0;
	if (!v)
		return pg_error_set("out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct pg_stack *st = pg_profile_stack(p, i);
		size_t len = 0, at = 0;

		for (uint32_t d = 0; d < st->depth; d++)
			len += strlen(pg_profile_frame_name(p, st->frames[d])) + 1;
		if (!(v[i].key = malloc(len + 1))) {
			keyed_free(v, i);
			return pg_error_set("out of memory");
		}
		for (uint32_t d = 0; d < st->depth; d++) {
			const char *name = pg_profile_frame_name(p, st->frames[d]);
			size_t l = strlen(name);

			if (d > 0)
				v[i].key[at++] = ';';
			memcpy(v[i].key + at, name, l);
			at += l;
		}
		v[i].key[at] = '\0';
		v[i].value = (double)st->weight;
	}
	if (n > 0) {
		qsort(v, n, sizeof *v, cmp_keyed);
		for (size_t i = 1; i < n; i++) {
			if (!strcmp(v[i].key, v[m].key)) {
				v[m].value += v[i].value;
				free(v[i].key);
			} else {
				v[++m] = v[i];
			}
		}
		m++;
	}
	*out = v;
	*count = m;
	return 0;
}

static int cmp_stack_growth(const void *a, const void *b)
{
	const struct pg_check_stack *x = a, *y = b;
	double gx = x->after - x->before, gy = y->after - y->before;

	if (gx != gy)
		return gx < gy ? 1 : -1;
	return strcmp(x->stack, y->stack);
}

static int explain_stacks(struct pg_check_bench *out, const struct pg_profile *pb,
			  const struct pg_profile *pa, size_t max)
{
	struct keyed *kb = NULL, *ka = NULL;
	struct pg_check_stack *s = NULL;
	size_t nkb = 0, nka = 0, ns = 0, i = 0, j = 0;
	int rc;

	if (!pb || !pa)
		return 0;
	if ((rc = stack_keys(&kb, &nkb, pb)) < 0 || (rc = stack_keys(&ka, &nka, pa)) < 0)
		goto done;
	s = calloc(nkb + nka + 1, sizeof *s);
	if (!s) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	while (i < nkb || j < nka) {
		int c = i == nkb ? 1 : j == nka ? -1 : strcmp(kb[i].key, ka[j].key);
		double before = c <= 0 ? kb[i].value : 0, after = c >= 0 ? ka[j].value : 0;
		char *key = c <= 0 ? kb[i].key : ka[j].key;

		i += c <= 0;
		j += c >= 0;
		if (after > before)
			s[ns++] = (struct pg_check_stack){ key, before, after };  /* borrowed for now */
	}
	qsort(s, ns, sizeof *s, cmp_stack_growth);
	if (ns > max)
		ns = max;
	out->stacks = calloc(ns ? ns : 1, sizeof *out->stacks);
	rc = out->stacks ? 0 : pg_error_set("out of memory");
	for (size_t k = 0; rc == 0 && k < ns; k++) {
		out->stacks[k] = s[k];
		if (!(out->stacks[k].stack = strdup(s[k].stack)))
			rc = pg_error_set("out of memory");
		else
			out->nstacks++;
	}
done:
	free(s);
	keyed_free(kb, nkb);
	keyed_free(ka, nka);
	return rc;
}

/* ---- the benchmark ------------------------------------------------------- */

enum pg_verdict pg_gate_bench_verdict(const struct pg_check_bench *b)
{
	enum pg_verdict v = PG_VERDICT_UNCHANGED;
	int improved = 0;

	for (size_t i = 0; i < b->nmetrics; i++) {
		const struct pg_check_metric *m = &b->metrics[i];

		if (m->verdict == PG_VERDICT_REGRESSED || m->verdict == PG_VERDICT_INCONCLUSIVE) {
			if (m->verdict > v)
				v = m->verdict;
		} else if (m->verdict == PG_VERDICT_IMPROVED && !m->function) {
			/* A function's share falls when another's rises: not an improvement. */
			improved = 1;
		}
	}
	return v == PG_VERDICT_UNCHANGED && improved ? PG_VERDICT_IMPROVED : v;
}

static struct pg_check_metric *whole_metric(struct pg_check_bench *b, const char *metric)
{
	for (size_t i = 0; i < b->nmetrics; i++)
		if (!b->metrics[i].function && !strcmp(b->metrics[i].metric, metric))
			return &b->metrics[i];
	return NULL;
}

/* A wall time that grew on a machine that other processes kept busy,
 * without the CPU time growing, is no evidence against the change: the
 * runs may just have waited for a CPU. */
static int busy_machine_guard(struct pg_check_bench *out, const struct pg_gate_opts *o)
{
	struct pg_check_metric *wall = whole_metric(out, "wall"), *cpu = whole_metric(out, "cpu");
	char *note = NULL;

	if (!wall || wall->verdict != PG_VERDICT_REGRESSED || (cpu && cpu->verdict == PG_VERDICT_REGRESSED))
		return 0;
	if (!(o->machine_idle < PG_GATE_BUSY_IDLE && o->machine_others > PG_GATE_BUSY_OTHERS))
		return 0;
	if (asprintf(&note, "wall time grew by %.1f%% but CPU time did not, while other processes kept the "
		     "machine busy (they used %.0f%% of its CPUs, %.0f%% idle): the runs may have waited for "
		     "a CPU; check again on a quieter machine", 100 * (wall->ratio - 1), 100 * o->machine_others,
		     100 * o->machine_idle) < 0)
		return pg_error_set("out of memory");
	free(wall->note);
	wall->note = note;
	wall->verdict = PG_VERDICT_INCONCLUSIVE;
	wall->repeats_needed = 0;
	return 0;
}

int pg_gate_compare(struct pg_check_bench *out, struct pg_baseline_bench *baseline,
		    struct pg_baseline_bench *current, const char *name, const struct pg_threshold *th,
		    const char *message, const struct pg_gate_opts *opts)
{
	struct pg_gate_opts o = opts ? *opts : (struct pg_gate_opts){ .machine_idle = NAN, .machine_others = NAN };
	struct pg_profile *cpu_b = NULL, *cpu_a = NULL, *mem_b = NULL, *mem_a = NULL;
	struct pg_profile *id[4] = { NULL, NULL, NULL, NULL }, *own[2] = { NULL, NULL };
	struct pg_profile *py[4] = { NULL, NULL, NULL, NULL };
	size_t cap = 0;
	int rc;

	if (!o.max_functions)
		o.max_functions = PG_GATE_FUNCTIONS;
	if (!o.max_stacks)
		o.max_stacks = PG_GATE_STACKS;
	memset(out, 0, sizeof *out);
	out->machine_idle = o.machine_idle;
	out->machine_others = o.machine_others;
	if (!(out->name = strdup(name)) || (message && !(out->message = strdup(message))))
		return pg_error_set("out of memory");
	if (!current) {
		out->verdict = PG_VERDICT_ERROR;
		return 0;
	}
	out->runs_after = current->nruns;
	out->mem_runs_after = current->nmem_runs;
	if (baseline) {
		out->runs_before = baseline->nruns;
		out->mem_runs_before = baseline->nmem_runs;
	}
	if ((rc = whole(out, &cap, baseline, current, th, o.alpha)) < 0)
		return rc;
	if (!baseline) {
		out->verdict = PG_VERDICT_INCONCLUSIVE;
		return 0;
	}
	if ((rc = pg_baseline_bench_profile(&cpu_b, baseline, PG_BASELINE_CPU)) < 0 ||
	    (rc = pg_baseline_bench_profile(&cpu_a, current, PG_BASELINE_CPU)) < 0 ||
	    (rc = pg_baseline_bench_profile(&mem_b, baseline, PG_BASELINE_MEM_PEAK)) < 0 ||
	    (rc = pg_baseline_bench_profile(&mem_a, current, PG_BASELINE_MEM_PEAK)) < 0)
		return rc;
	/* Python functions by function, lines merged (moved code is no
	 * change), before anything compares names. */
	{
		struct pg_profile **side[4] = { &cpu_b, &cpu_a, &mem_b, &mem_a };

		for (size_t k = 0; k < 4; k++) {
			if (*side[k] && (rc = pg_pyname_function_view(&py[k], *side[k])) < 0)
				goto done;
			if (py[k])
				*side[k] = py[k];
		}
	}
	/* Functions are compared by identity: f.part.0 and f are one. The
	 * memory profiles keep their inlined marks: an allocation site is the
	 * function the inlined code is in. */
	if ((cpu_b && (rc = pg_profile_by_identity(&id[0], cpu_b, PG_INLINED_MERGE)) < 0) ||
	    (cpu_a && (rc = pg_profile_by_identity(&id[1], cpu_a, PG_INLINED_MERGE)) < 0) ||
	    (mem_b && (rc = pg_profile_by_identity(&id[2], mem_b, PG_INLINED_KEEP)) < 0) ||
	    (mem_a && (rc = pg_profile_by_identity(&id[3], mem_a, PG_INLINED_KEEP)) < 0))
		goto done;
	if ((rc = functions_gate(out, &cap, baseline, current, th, id[0], id[1], cpu_b, cpu_a, o.alpha, o.paired)) < 0 ||
	    (rc = heap_gate(out, &cap, baseline, current, th, id[2], id[3], &o)) < 0)
		goto done;
	/* "What grew" names the functions whose code grew: inlined code is
	 * its caller's, as in perf's report by symbol. */
	if (id[0] && id[1] &&
	    ((rc = pg_profile_by_identity(&own[0], cpu_b, PG_INLINED_DROP)) < 0 ||
	     (rc = pg_profile_by_identity(&own[1], cpu_a, PG_INLINED_DROP)) < 0 ||
	     (rc = explain_functions(out, own[0], own[1], o.max_functions, &o)) < 0))
		goto done;
	if ((rc = explain_stacks(out, id[2], id[3], o.max_stacks)) < 0 || (rc = busy_machine_guard(out, &o)) < 0)
		goto done;
	out->verdict = pg_gate_bench_verdict(out);
	rc = 0;
done:
	for (size_t k = 0; k < 4; k++) {
		pg_profile_free(id[k]);
		pg_profile_free(py[k]);
	}
	pg_profile_free(own[0]);
	pg_profile_free(own[1]);
	return rc;
}

void pg_gate_tally(struct pg_check_report *r, int found)
{
	memset(r->counts, 0, sizeof r->counts);
	r->verdict = found ? PG_VERDICT_UNCHANGED : PG_VERDICT_INCONCLUSIVE;
	for (size_t i = 0; i < r->nbenches; i++) {
		enum pg_verdict v = r->benches[i].verdict;

		r->counts[v]++;
		if (v > r->verdict)
			r->verdict = v;
	}
	if (r->verdict == PG_VERDICT_UNCHANGED && r->counts[PG_VERDICT_IMPROVED])
		r->verdict = PG_VERDICT_IMPROVED;
	switch (r->verdict) {
	case PG_VERDICT_ERROR:
		r->exit_code = 2;
		break;
	case PG_VERDICT_REGRESSED:
		r->exit_code = 1;
		break;
	case PG_VERDICT_INCONCLUSIVE:
		r->exit_code = 3;
		break;
	default:
		r->exit_code = 0;
	}
}
