/*
 * The check report's model (check_report.h): releasing it, naming verdicts
 * and units. How it is presented is in reporters/check_writers.c.
 */
#include "check_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

const char *pg_verdict_name(enum pg_verdict v)
{
	switch (v) {
	case PG_VERDICT_NOT_CHECKED: return "not-checked";
	case PG_VERDICT_UNCHANGED: return "unchanged";
	case PG_VERDICT_IMPROVED: return "improved";
	case PG_VERDICT_INCONCLUSIVE: return "inconclusive";
	case PG_VERDICT_REGRESSED: return "regressed";
	case PG_VERDICT_ERROR: return "error";
	}
	return "unknown";
}

const char *pg_check_unit_name(enum pg_check_unit u)
{
	switch (u) {
	case PG_UNIT_SECONDS: return "seconds";
	case PG_UNIT_BYTES: return "bytes";
	case PG_UNIT_COUNT: return "count";
	case PG_UNIT_PERCENT: return "percent";
	}
	return "unknown";
}

const char *pg_check_overall_name(const struct pg_check_report *r)
{
	switch (r->verdict) {
	case PG_VERDICT_ERROR: return "error";
	case PG_VERDICT_REGRESSED: return "regressed";
	case PG_VERDICT_INCONCLUSIVE: return "inconclusive";
	default: return "passed";
	}
}

void pg_check_metric_release(struct pg_check_metric *m)
{
	if (!m)
		return;
	free(m->metric);
	free(m->function);
	free(m->runs_before);
	free(m->runs_after);
	free(m->note);
	memset(m, 0, sizeof *m);
}

void pg_check_bench_release(struct pg_check_bench *b)
{
	if (!b)
		return;
	free(b->name);
	free(b->message);
	for (size_t i = 0; i < b->nmetrics; i++)
		pg_check_metric_release(&b->metrics[i]);
	free(b->metrics);
	for (size_t i = 0; i < b->nfunctions; i++)
		free(b->functions[i].name);
	free(b->functions);
	for (size_t i = 0; i < b->nstacks; i++)
		free(b->stacks[i].stack);
	free(b->stacks);
	free(b->diff_cpu);
	free(b->diff_mem);
	free(b->profile);
	memset(b, 0, sizeof *b);
}

void pg_check_report_release(struct pg_check_report *r)
{
	if (!r)
		return;
	free(r->version);
	free(r->head);
	free(r->base_rev);
	free(r->base_commit);
	free(r->lookup_status);
	free(r->lookup_message);
	free(r->baseline_commit);
	free(r->baseline_recorded_at);
	free(r->baseline_source);
	free(r->note);
	free(r->report_url);
	free(r->out_dir);
	for (size_t i = 0; i < r->nbenches; i++)
		pg_check_bench_release(&r->benches[i]);
	free(r->benches);
	memset(r, 0, sizeof *r);
}
