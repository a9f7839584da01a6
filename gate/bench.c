/*
 * The model of a measured benchmark (bench.h): runs with every metric not
 * measured, the median of a metric over its runs, and the stacks decoded on
 * first use by the decoder their store left with them.
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "stats.h"

void pg_baseline_run_init(struct pg_baseline_run *r)
{
	memset(r, 0, sizeof *r);
	for (int m = 0; m < PG_METRIC_COUNT; m++)
		r->values[m] = NAN;
}

void pg_baseline_mem_run_init(struct pg_baseline_mem_run *r)
{
	memset(r, 0, sizeof *r);
	for (int m = 0; m < PG_METRIC_COUNT; m++)
		r->values[m] = NAN;
}

double pg_baseline_bench_median(const struct pg_baseline_bench *bench, enum pg_metric m)
{
	int timing = pg_metrics[m].runs == PG_RUNS_TIMING;
	size_t nruns = timing ? bench->nruns : bench->nmem_runs, n = 0;
	double *v, med;

	if (pg_metrics[m].runs == PG_RUNS_NONE || !(v = malloc((nruns ? nruns : 1) * sizeof *v)))
		return NAN;
	for (size_t i = 0; i < nruns; i++) {
		double x = timing ? bench->runs[i].values[m] : bench->mem_runs[i].values[m];

		if (!isnan(x))
			v[n++] = x;
	}
	med = n ? pg_stats_median(v, n) : NAN;
	free(v);
	return med;
}

struct pg_baseline_stacks *pg_baseline_bench_stacks(struct pg_baseline_bench *bench, enum pg_baseline_kind kind)
{
	return kind == PG_BASELINE_MEM_PEAK ? &bench->mem_peak : &bench->cpu;
}

int pg_baseline_bench_profile(struct pg_profile **out, struct pg_baseline_bench *bench,
			      enum pg_baseline_kind kind)
{
	struct pg_baseline_stacks *s = pg_baseline_bench_stacks(bench, kind);
	struct pg_profile *p = NULL;
	int rc;

	*out = NULL;
	if (!s->present || s->profile) {
		*out = s->profile;
		return 0;
	}
	if (!s->decode)
		return pg_error_set("benchmark '%s': stacks without a profile or a decoder", bench->name);
	if ((rc = s->decode(&p, bench, kind)) < 0)
		return rc;
	s->profile = p;
	s->count = pg_profile_stack_count(p);
	s->enc_frames = s->enc_tree = NULL;
	s->decode = NULL;
	*out = p;
	return 0;
}
