/*
 * The paired statistics of interleaved mode (paired.h): Hodges-Lehmann
 * estimate, the Wilcoxon signed-rank interval, the decision rule, and the
 * per-frame test of the differential flame graph.
 */
#include "paired.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "stats.h"

static double normal_cdf(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

/* The exact null distribution of T for n pairs: c[s] = P(T = s), s from 0
 * to n(n+1)/2. Caller frees; NULL when out of memory. */
static double *signed_rank_pmf(size_t n)
{
	size_t top = n * (n + 1) / 2;
	double *c = calloc(top + 1, sizeof *c);

	if (!c)
		return NULL;
	/* After rank r: sign patterns of ranks 1..r whose positive ranks sum
	 * to s, each weighted 1/2 per rank so that the total stays 1. */
	c[0] = 1;
	for (size_t r = 1; r <= n; r++) {
		for (size_t s = r * (r + 1) / 2; s > 0; s--)
			c[s] = 0.5 * c[s] + (s >= r ? 0.5 * c[s - r] : 0);
		c[0] *= 0.5;
	}
	return c;
}

static double normal_approx_cdf(size_t n, double t)
{
	double mu = (double)n * (double)(n + 1) / 4;
	double sd = sqrt((double)n * (double)(n + 1) * (double)(2 * n + 1) / 24);

	return normal_cdf((floor(t) + 0.5 - mu) / sd);
}

double pg_paired_signed_rank_cdf(size_t n, double t)
{
	double m = (double)n * (double)(n + 1) / 2, sum = 0, *c;

	if (t < 0)
		return 0;
	if (t >= m)
		return 1;
	if (n > PG_PAIRED_EXACT_MAX)
		return normal_approx_cdf(n, t);
	if (!(c = signed_rank_pmf(n)))
		return NAN;
	for (size_t s = 0; s <= (size_t)floor(t); s++)
		sum += c[s];
	free(c);
	return sum > 1 ? 1 : sum;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* k: the bound at one-sided level alpha is the k-th smallest (or largest)
 * Walsh average; 0 when n pairs allow no bound at this level. *tail: the
 * probability that the bound misses, at most alpha. */
static size_t critical_k(size_t n, double alpha, double *tail)
{
	size_t m = n * (n + 1) / 2, k = 0;
	double *c = n <= PG_PAIRED_EXACT_MAX ? signed_rank_pmf(n) : NULL;
	double cum = 0;

	*tail = 0;
	if (n <= PG_PAIRED_EXACT_MAX && !c)
		return 0;
	/* k is the largest j with P(T <= j - 1) <= alpha. */
	for (size_t j = 1; j <= m / 2 + 1; j++) {
		cum = c ? cum + c[j - 1] : normal_approx_cdf(n, (double)j - 1);
		if (!(cum <= alpha))
			break;
		k = j;
		*tail = cum;
	}
	free(c);
	return k;
}

size_t pg_paired_min_pairs(double alpha)
{
	for (size_t n = 1; n < 64; n++) {
		double tail;

		if (critical_k(n, alpha, &tail) > 0)
			return n;
	}
	return 64;
}

int pg_paired_estimate(struct pg_paired *out, const double *r, size_t n)
{
	double *w = NULL, tail_change, tail_within;
	size_t m = n * (n + 1) / 2, kc, kw, at = 0;

	out->n = n;
	out->estimate = NAN;
	out->lo = -INFINITY;
	out->hi = out->hi_change = INFINITY;
	out->coverage = 0;
	out->adjusted = 0;
	out->slope = 0;
	if (n == 0)
		return 0;
	if (!(w = malloc(m * sizeof *w)))
		return pg_error_set("out of memory");
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			w[at++] = (r[i] + r[j]) / 2;
	qsort(w, m, sizeof *w, cmp_double);
	out->estimate = m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2;
	kc = critical_k(n, PG_PAIRED_ALPHA_CHANGE, &tail_change);
	kw = critical_k(n, PG_PAIRED_ALPHA_WITHIN, &tail_within);
	if (kc > 0) {
		out->lo = w[kc - 1];
		out->hi_change = w[m - kc];
	}
	if (kw > 0)
		out->hi = w[m - kw];
	if (kc > 0 || kw > 0)
		out->coverage = 1 - (kc > 0 ? tail_change : 0) - (kw > 0 ? tail_within : 0);
	free(w);
	return 0;
}

/* ---- adjusted for a covariate ------------------------------------------- */

/* |x| below this is no measured difference: /proc/stat counts 1/100 s per
 * CPU, about 2 points of two CPUs over a 0.3 s run. */
#define X_MIN 0.02
/* The slope's range: a busier machine never speeds a run up, and slows a
 * program that uses every CPU about in proportion (a slope near 1). */
#define BETA_MAX 3.0

struct weighted {
	double v, w;
};

static int cmp_weighted(const void *a, const void *b)
{
	double x = ((const struct weighted *)a)->v, y = ((const struct weighted *)b)->v;

	return (x > y) - (x < y);
}

struct adjust_work {
	const double *r, *x;
	size_t n;
	double *e;               /* the residuals at the change last tried */
	double beta;             /* and the slope they were adjusted with (0: not adjusted) */
	struct weighted *slope;  /* (r - c) / x and |x| of the pairs with x measured */
	struct weighted *ranked; /* |e| and e, to rank */
};

/* The residuals at change c into w->e; 1 when adjusted for x. */
static int residuals_at(struct adjust_work *w, double c)
{
	struct weighted *sw = w->slope;
	size_t k = 0;
	double total = 0, acc = 0, beta = 0, sum_z = 0, sum_e = 0;

	for (size_t i = 0; i < w->n; i++) {
		w->e[i] = w->r[i] - c;
		sum_z += fabs(w->e[i]);
		if (fabs(w->x[i]) >= X_MIN) {
			sw[k].v = w->e[i] / w->x[i];
			sw[k].w = fabs(w->x[i]);
			total += sw[k].w;
			k++;
		}
	}
	w->beta = 0;
	if (k < 2)
		return 0;
	/* The weighted median of the slopes through the origin: the slope that
	 * minimises the sum of absolute residuals. */
	qsort(sw, k, sizeof *sw, cmp_weighted);
	for (size_t j = 0; j < k; j++) {
		acc += sw[j].w;
		if (acc >= total / 2) {
			beta = sw[j].v;
			break;
		}
	}
	beta = fmin(fmax(beta, 0), BETA_MAX);
	for (size_t i = 0; i < w->n; i++)
		sum_e += fabs(w->e[i] - beta * w->x[i]);
	if (!(sum_e < (1 - PG_PAIRED_ADJUST_GAIN) * sum_z))
		return 0;
	for (size_t i = 0; i < w->n; i++)
		w->e[i] -= beta * w->x[i];
	w->beta = beta;
	return 1;
}

/* The signed-rank statistic of the residuals at c: the sum of the ranks of
 * |e| over the positive e. For plain residuals it is the number of Walsh
 * averages above c. */
static double signed_rank_at(struct adjust_work *w, double c, int *adjusted)
{
	double t = 0;

	*adjusted = residuals_at(w, c);
	for (size_t i = 0; i < w->n; i++) {
		w->ranked[i].v = fabs(w->e[i]);
		w->ranked[i].w = w->e[i];
	}
	qsort(w->ranked, w->n, sizeof *w->ranked, cmp_weighted);
	for (size_t k = 0; k < w->n; k++)
		if (w->ranked[k].w > 0)
			t += (double)(k + 1);
	return t;
}

/* The largest change c at which the statistic is still at least count (it
 * falls as c grows), by bisection within [a, b]; NaN when that reaches an
 * end of [a, b]. For plain residuals this is the count-th largest Walsh
 * average.
 *
 * Far from the log ratios the statistic need not fall: when most pairs'
 * load differences have the same sign, a slope can take up a constant
 * shift as well as a change can, and the test accepts changes far away.
 * The bracket stays within half the ratios' range of them, and a bound
 * that is not found within it is none. */
static double change_at(struct adjust_work *w, double count, double a, double b)
{
	const double a0 = a, b0 = b;
	int adjusted;

	for (int i = 0; i < 64 && b - a > 1e-12; i++) {
		double mid = (a + b) / 2;

		if (signed_rank_at(w, mid, &adjusted) >= count)
			a = mid;
		else
			b = mid;
	}
	if (a - a0 < 1e-9 || b0 - b < 1e-9)
		return NAN;
	return (a + b) / 2;
}

int pg_paired_estimate_adjusted(struct pg_paired *out, const double *r, const double *x, size_t n)
{
	struct adjust_work w = { .r = r, .x = x, .n = n };
	double m = (double)n * (double)(n + 1) / 2, lo_r = INFINITY, hi_r = -INFINITY, a, b, tail_change,
	       tail_within;
	size_t measured = 0, kc, kw;
	int rc;

	for (size_t i = 0; x && i < n; i++)
		measured += fabs(x[i]) >= X_MIN;
	if (!x || n < PG_PAIRED_ADJUST_MIN || measured < 2) {
		rc = pg_paired_estimate(out, r, n);
		out->adjusted = 0;
		return rc;
	}
	w.e = malloc(n * sizeof *w.e);
	w.slope = malloc(n * sizeof *w.slope);
	w.ranked = malloc(n * sizeof *w.ranked);
	if (!w.e || !w.slope || !w.ranked) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		lo_r = fmin(lo_r, r[i]);
		hi_r = fmax(hi_r, r[i]);
	}
	a = lo_r - (hi_r - lo_r) / 2 - 0.01;
	b = hi_r + (hi_r - lo_r) / 2 + 0.01;
	out->n = n;
	out->lo = -INFINITY;
	out->hi = out->hi_change = INFINITY;
	out->coverage = 0;
	out->slope = 0;
	if ((size_t)m % 2)
		out->estimate = change_at(&w, (m + 1) / 2, a, b);
	else
		out->estimate = (change_at(&w, m / 2 + 1, a, b) + change_at(&w, m / 2, a, b)) / 2;
	if (isnan(out->estimate)) {
		/* No crossing near the ratios at all: the plain estimate. */
		rc = pg_paired_estimate(out, r, n);
		goto done;
	}
	signed_rank_at(&w, out->estimate, &out->adjusted);
	out->slope = out->adjusted ? w.beta : 0;
	kc = critical_k(n, PG_PAIRED_ALPHA_CHANGE, &tail_change);
	kw = critical_k(n, PG_PAIRED_ALPHA_WITHIN, &tail_within);
	if (kc > 0) {
		double lo = change_at(&w, m - (double)kc + 1, a, b), hi = change_at(&w, (double)kc, a, b);

		out->lo = isnan(lo) ? -INFINITY : lo;
		out->hi_change = isnan(hi) ? INFINITY : hi;
	}
	if (kw > 0) {
		double hi = change_at(&w, (double)kw, a, b);

		out->hi = isnan(hi) ? INFINITY : hi;
	}
	if (kc > 0 || kw > 0)
		out->coverage = 1 - (kc > 0 ? tail_change : 0) - (kw > 0 ? tail_within : 0);
	rc = 0;
done:
	free(w.e);
	free(w.slope);
	free(w.ranked);
	return rc;
}

enum pg_paired_call pg_paired_decide(const struct pg_paired *p, double threshold)
{
	double up = log1p(threshold);

	if (p->n == 0 || isnan(p->estimate))
		return PG_PAIRED_UNDECIDED;
	if (p->estimate > up && p->lo > 0)
		return PG_PAIRED_REGRESSED;
	if (p->estimate < -up && p->hi_change < 0)
		return PG_PAIRED_IMPROVED;
	if (p->hi < up)
		return PG_PAIRED_UNCHANGED;
	return PG_PAIRED_UNDECIDED;
}

void pg_paired_share(struct pg_paired_share *out, const double *base, const double *head,
		     const double *samples_base, const double *samples_head, size_t n)
{
	double sum = 0, pooled = 0, vb = 0, ve = 0, nb = 0, nh = 0;

	memset(out, 0, sizeof *out);
	out->change = out->se = out->lo = out->hi = NAN;
	for (size_t i = 0; i < n; i++) {
		if (!(samples_base[i] > 0) || !(samples_head[i] > 0) || isnan(base[i]) || isnan(head[i]))
			continue;
		sum += head[i] - base[i];
		pooled += base[i] * samples_base[i] + head[i] * samples_head[i];
		nb += samples_base[i];
		nh += samples_head[i];
		out->n++;
	}
	if (out->n == 0)
		return;
	out->change = sum / (double)out->n;
	pooled /= 100.0 * (nb + nh);
	for (size_t i = 0; i < n; i++) {
		if (!(samples_base[i] > 0) || !(samples_head[i] > 0) || isnan(base[i]) || isnan(head[i]))
			continue;
		double d = head[i] - base[i] - out->change;

		vb += pooled * (1 - pooled) * (1 / samples_base[i] + 1 / samples_head[i]);
		ve += d * d;
	}
	/* In points: the binomial variance is of fractions. */
	vb *= 100.0 * 100.0 / ((double)out->n * (double)out->n);
	ve = out->n > 1 ? ve / ((double)(out->n - 1) * (double)out->n) : 0;
	out->se = sqrt(vb > ve ? vb : ve);
	/* The spread's variance is estimated from n pairs: Student's t with
	 * n - 1 degrees of freedom, not the normal quantile. Under a neighbour
	 * a function's share moves from run to run beyond what sampling gives
	 * (a memory-bound one slows more), and four pairs then showed an
	 * unchanged function +7 points "significant" with the normal one. */
	double df = (double)(out->n > 1 ? out->n - 1 : 1);
	double lo_b = pg_stats_normal_quantile(1 - PG_PAIRED_ALPHA_CHANGE) * sqrt(vb);
	double lo_e = pg_stats_t_quantile(1 - PG_PAIRED_ALPHA_CHANGE, df) * sqrt(ve);
	double hi_b = pg_stats_normal_quantile(1 - PG_PAIRED_ALPHA_WITHIN) * sqrt(vb);
	double hi_e = pg_stats_t_quantile(1 - PG_PAIRED_ALPHA_WITHIN, df) * sqrt(ve);

	out->lo = out->change - (lo_b > lo_e ? lo_b : lo_e);
	out->hi = out->change + (hi_b > hi_e ? hi_b : hi_e);
}

enum pg_paired_call pg_paired_share_decide(const struct pg_paired_share *s, double threshold)
{
	if (s->n == 0 || isnan(s->change))
		return PG_PAIRED_UNDECIDED;
	if (s->change > threshold)
		return s->lo > 0 ? PG_PAIRED_REGRESSED : PG_PAIRED_UNDECIDED;
	return PG_PAIRED_UNCHANGED;
}

void pg_paired_log_ratios(double *out, const double *base, const double *head, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = base[i] > 0 && head[i] > 0 && isfinite(base[i]) && isfinite(head[i]) ?
				 log(head[i] / base[i]) : NAN;
}

double pg_paired_detectable(const double *r, size_t nr, size_t n, double alpha)
{
	double sd = pg_stats_robust_sd(r, nr);

	if (n == 0)
		return INFINITY;
	return (pg_stats_normal_quantile(1 - alpha) + pg_stats_normal_quantile(0.8)) * sd *
	       sqrt(M_PI / 3) / sqrt((double)n);
}

double pg_paired_detectable_of(const struct pg_paired *p, const double *r, const double *x, size_t nr, size_t n,
			       double alpha)
{
	double *e, d;

	if (!p->adjusted || !x || n < PG_PAIRED_ADJUST_MIN || !(e = malloc((nr ? nr : 1) * sizeof *e)))
		return pg_paired_detectable(r, nr, n, alpha);
	for (size_t i = 0; i < nr; i++)
		e[i] = r[i] - p->slope * x[i];
	d = pg_paired_detectable(e, nr, n, alpha);
	free(e);
	return d;
}

struct ranked {
	double p;
	size_t frame;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return (x->p > y->p) - (x->p < y->p);
}

int pg_paired_frames(unsigned char *sig, double *p, const double *counts_a, const double *counts_b,
		     const double *totals_a, const double *totals_b, size_t nframes, size_t npairs,
		     double alpha)
{
	struct ranked *rk = calloc(nframes + 1, sizeof *rk);
	double ta = 0, tb = 0;
	size_t tested = 0;

	if (!rk)
		return pg_error_set("out of memory");
	memset(sig, 0, nframes);
	for (size_t i = 0; i < npairs; i++) {
		ta += totals_a[i];
		tb += totals_b[i];
	}
	for (size_t f = 0; f < nframes; f++) {
		const double *ca = counts_a + f * npairs, *cb = counts_b + f * npairs;
		double sa = 0, sb = 0, mean = 0, vb = 0, ve = 0, pooled, pf = 1;
		size_t used = 0;

		for (size_t i = 0; i < npairs; i++) {
			sa += ca[i];
			sb += cb[i];
		}
		if (p)
			p[f] = 1;
		if (sa + sb <= 0 || !(ta > 0) || !(tb > 0))
			continue;
		pooled = (sa + sb) / (ta + tb);
		for (size_t i = 0; i < npairs; i++) {
			if (!(totals_a[i] > 0) || !(totals_b[i] > 0))
				continue;
			mean += cb[i] / totals_b[i] - ca[i] / totals_a[i];
			vb += pooled * (1 - pooled) * (1 / totals_a[i] + 1 / totals_b[i]);
			used++;
		}
		if (used == 0)
			continue;
		mean /= (double)used;
		vb /= (double)used * (double)used;
		if (used > 1) {
			for (size_t i = 0; i < npairs; i++) {
				if (!(totals_a[i] > 0) || !(totals_b[i] > 0))
					continue;
				double d = cb[i] / totals_b[i] - ca[i] / totals_a[i] - mean;

				ve += d * d;
			}
			ve /= (double)(used - 1) * (double)used;
		}
		double v = vb > ve ? vb : ve;

		if (v > 0)
			pf = 2 * normal_cdf(-fabs(mean) / sqrt(v));
		rk[tested].p = pf;
		rk[tested].frame = f;
		tested++;
	}
	/* Holm: the j-th smallest p-value (from 0) times the m - j frames not
	 * yet rejected, kept monotone. */
	qsort(rk, tested, sizeof *rk, cmp_ranked);
	double running = 0;

	for (size_t j = 0; j < tested; j++) {
		double adj = rk[j].p * (double)(tested - j);

		if (adj > 1)
			adj = 1;
		if (adj < running)
			adj = running;
		running = adj;
		if (p)
			p[rk[j].frame] = adj;
		sig[rk[j].frame] = adj < alpha;
	}
	free(rk);
	return 0;
}
