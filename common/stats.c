/*
 * Medians, spreads and the Mann-Whitney U test for the gate (stats.h).
 *
 * The exact p-value counts, for every possible sum of ranks, the ways of
 * choosing ny of the pooled runs: a subset-sum table over the mid-ranks,
 * doubled so that a tie's half ranks stay integers. That is the permutation
 * distribution of U given the ties actually observed, which is what a test
 * on 5 against 5 runs of a quantised clock needs (two runs of the same
 * microsecond count are common), and it costs (ny + 1) * N * (N + 1)
 * additions: a few thousand for the usual sizes.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double sorted_median(const double *s, size_t n)
{
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double pg_stats_median(const double *v, size_t n)
{
	double *s, m;

	if (n == 0)
		return NAN;
	if (n == 1)
		return v[0];
	if (!(s = malloc(n * sizeof *s)))
		return NAN;
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	m = sorted_median(s, n);
	free(s);
	return m;
}

int pg_stats_no_spread(const double *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[0])
			return 0;
	return 1;
}

double pg_stats_robust_sd(const double *v, size_t n)
{
	double *d, med, mad, mean = 0, ss = 0;

	if (n <= 1 || pg_stats_no_spread(v, n))
		return 0;
	if (!(d = malloc(n * sizeof *d)))
		return 0;
	med = pg_stats_median(v, n);
	for (size_t i = 0; i < n; i++)
		d[i] = fabs(v[i] - med);
	mad = pg_stats_median(d, n);
	free(d);
	if (mad > 0)
		return 1.4826 * mad;
	for (size_t i = 0; i < n; i++)
		mean += v[i] / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	return sqrt(ss / (double)(n - 1));
}

struct pooled {
	double v;
	int is_y;
};

static int cmp_pooled(const void *a, const void *b)
{
	return cmp_double(&((const struct pooled *)a)->v, &((const struct pooled *)b)->v);
}

/* Doubled mid-ranks of the sorted pooled runs, and sum of t^3 - t over the
 * groups of ties. */
static double doubled_ranks(unsigned *r2, const struct pooled *p, size_t n)
{
	double ties = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && p[j + 1].v == p[i].v)
			j++;
		/* positions i..j (0-based) hold ranks i+1..j+1: their mean, doubled */
		for (size_t k = i; k <= j; k++)
			r2[k] = (unsigned)(i + 1 + j + 1);
		double t = (double)(j - i + 1);
		ties += t * t * t - t;
		i = j + 1;
	}
	return ties;
}

static int exact_p(struct pg_mann_whitney *out, const unsigned *r2, size_t n, size_t ny,
		   unsigned long w_obs)
{
	size_t max_sum = 0, width;
	double *cnt, total = 0, ge = 0, le = 0;

	for (size_t i = 0; i < n; i++)
		max_sum += r2[i];
	width = max_sum + 1;
	cnt = calloc((ny + 1) * width, sizeof *cnt);
	if (!cnt)
		return pg_error_set("out of memory");
	cnt[0] = 1;
	size_t reach = 0;  /* largest sum reachable so far */
	for (size_t i = 0; i < n; i++) {
		unsigned r = r2[i];
		size_t kmax = i + 1 < ny ? i + 1 : ny;

		for (size_t k = kmax; k >= 1; k--) {
			double *dst = cnt + k * width, *src = cnt + (k - 1) * width;

			for (size_t s = reach + 1; s-- > 0;)
				if (src[s] != 0)
					dst[s + r] += src[s];
		}
		reach += r;
	}
	for (size_t s = 0; s < width; s++) {
		double c = cnt[ny * width + s];

		total += c;
		if (s >= w_obs)
			ge += c;
		if (s <= w_obs)
			le += c;
	}
	free(cnt);
	out->p_greater = ge / total;
	out->p_less = le / total;
	out->exact = 1;
	return 0;
}

int pg_stats_mann_whitney(struct pg_mann_whitney *out, const double *x, size_t nx,
			  const double *y, size_t ny)
{
	size_t n = nx + ny;
	struct pooled *p = calloc(n ? n : 1, sizeof *p);
	unsigned *r2 = calloc(n ? n : 1, sizeof *r2);
	unsigned long w_obs = 0;
	double ties;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!p || !r2) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nx; i++)
		p[i] = (struct pooled){ x[i], 0 };
	for (size_t i = 0; i < ny; i++)
		p[nx + i] = (struct pooled){ y[i], 1 };
	qsort(p, n, sizeof *p, cmp_pooled);
	ties = doubled_ranks(r2, p, n);
	for (size_t i = 0; i < n; i++)
		if (p[i].is_y)
			w_obs += r2[i];
	out->u = (double)w_obs / 2 - (double)ny * (double)(ny + 1) / 2;

	if (n <= PG_STATS_EXACT_MAX) {
		if ((rc = exact_p(out, r2, n, ny, w_obs)) < 0)
			goto done;
	} else {
		double mean = (double)nx * (double)ny / 2;
		double var = (double)nx * (double)ny / 12 *
			     ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));

		if (var <= 0) {
			out->p_greater = out->p_less = 1;
		} else {
			double sd = sqrt(var);

			out->p_greater = 0.5 * erfc((out->u - 0.5 - mean) / (sd * M_SQRT2));
			out->p_less = 0.5 * erfc(-(out->u + 0.5 - mean) / (sd * M_SQRT2));
		}
	}
	if (out->p_greater > 1)
		out->p_greater = 1;
	if (out->p_less > 1)
		out->p_less = 1;
	out->p_two = 2 * fmin(out->p_greater, out->p_less);
	if (out->p_two > 1)
		out->p_two = 1;
done:
	free(p);
	free(r2);
	return rc;
}

double pg_stats_mw_min_p(size_t nx, size_t ny)
{
	/* C(nx + ny, nx) in floating point; it only has to be compared with alpha. */
	double c = 1;

	for (size_t i = 1; i <= nx; i++)
		c = c * (double)(ny + i) / (double)i;
	return c > 2 ? 2 / c : 1;
}

/* Peter Acklam's rational approximation (relative error below 1.2e-9). */
double pg_stats_normal_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
				    1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
				    6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
				    -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
				    3.754408661907416e+00 };
	double q, r;

	if (!(p > 0 && p < 1))
		return p <= 0 ? -INFINITY : INFINITY;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		       ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -pg_stats_normal_quantile(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	       (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double pg_stats_t_quantile(double p, double df)
{
	double z, z2, z3, z5, z7, z9;

	if (!(p > 0 && p < 1))
		return p <= 0 ? -INFINITY : INFINITY;
	if (df < 1.5)
		return tan(M_PI * (p - 0.5));
	if (df < 2.5)
		return (2 * p - 1) / sqrt(2 * p * (1 - p));
	z = pg_stats_normal_quantile(p);
	z2 = z * z;
	z3 = z2 * z;
	z5 = z3 * z2;
	z7 = z5 * z2;
	z9 = z7 * z2;
	return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) +
	       (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df) +
	       (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df * df * df * df);
}

#define RUNS_CAP 10000

unsigned pg_stats_runs_needed(const double *x, size_t nx, const double *y, size_t ny,
			      double delta, double alpha)
{
	unsigned n_min = 1;
	double sx = pg_stats_robust_sd(x, nx), sy = pg_stats_robust_sd(y, ny);
	double var = (sx * sx + sy * sy) / 2, z, n;

	/* The rank test cannot reject at all with fewer runs than this. */
	while (n_min < RUNS_CAP && !(pg_stats_mw_min_p(n_min, n_min) < alpha))
		n_min++;
	if (!(delta > 0) || !(alpha > 0 && alpha < 1))
		return n_min;
	if (var == 0)
		return n_min;
	z = pg_stats_normal_quantile(1 - alpha / 2) + pg_stats_normal_quantile(0.8);
	n = ceil(2 * z * z * var / (delta * delta) * M_PI / 3);
	if (!(n < RUNS_CAP))
		return RUNS_CAP;
	return (unsigned)n > n_min ? (unsigned)n : n_min;
}
