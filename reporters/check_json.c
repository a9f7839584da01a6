/*
 * result.json (schema profgate.check/1): everything `profgate check` found,
 * for scripts and dashboards. Numbers are in base units (seconds, bytes,
 * counts, percent of samples); a value that is not known is null, never a
 * made-up number. Strings from profiled programs are made valid UTF-8
 * (invalid bytes become U+FFFD) before cJSON escapes them, so that any JSON
 * parser reads the file.
 */
#include "check_writers.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonwrite.h"
#include "outbuf.h"

/* s with invalid UTF-8 replaced; caller frees. */
static char *valid_utf8(const char *s)
{
	size_t n = strlen(s), out = 0;
	char *v = malloc(3 * n + 1);  /* a bad byte becomes three */
	const unsigned char *p = (const unsigned char *)s;

	if (!v)
		return NULL;
	while (*p) {
		uint32_t cp;
		size_t k = pg_utf8_decode(p, &cp);

		if (k == 0) {
			memcpy(v + out, "\xef\xbf\xbd", 3);
			out += 3;
			p++;
		} else {
			memcpy(v + out, p, k);
			out += k;
			p += k;
		}
	}
	v[out] = '\0';
	return v;
}

static int add_string(cJSON *o, const char *key, const char *s)
{
	char *v;
	cJSON *item;

	if (!s)
		return cJSON_AddNullToObject(o, key) ? 0 : -1;
	if (!(v = valid_utf8(s)))
		return -1;
	item = cJSON_AddStringToObject(o, key, v);
	free(v);
	return item ? 0 : -1;
}

static int add_number(cJSON *o, const char *key, double v)
{
	if (!isfinite(v))
		return cJSON_AddNullToObject(o, key) ? 0 : -1;
	return cJSON_AddNumberToObject(o, key, v) ? 0 : -1;
}

static cJSON *numbers(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++) {
		cJSON *x = isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull();

		if (!x || !cJSON_AddItemToArray(a, x)) {
			cJSON_Delete(x);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

static cJSON *metric_json(const struct pg_check_metric *m)
{
	cJSON *o = cJSON_CreateObject();
	int bad = !o;

	bad = bad || add_string(o, "metric", m->metric) < 0 || add_string(o, "function", m->function) < 0 ||
	      add_string(o, "unit", pg_check_unit_name(m->unit)) < 0 ||
	      add_string(o, "verdict", pg_verdict_name(m->verdict)) < 0 ||
	      add_number(o, "baseline", m->before) < 0 || add_number(o, "current", m->after) < 0 ||
	      add_number(o, "change", m->change) < 0 || add_number(o, "ratio", m->ratio) < 0 ||
	      add_string(o, "threshold", m->threshold) < 0 ||
	      !cJSON_AddBoolToObject(o, "exact", m->exact) || add_number(o, "p_value", m->p_value) < 0;
	if (!bad && m->runs_before)
		bad = pg_json_add(o, "baseline_runs", numbers(m->runs_before, m->nbefore)) < 0;
	else if (!bad)
		bad = !cJSON_AddNullToObject(o, "baseline_runs");
	if (!bad && m->runs_after)
		bad = pg_json_add(o, "current_runs", numbers(m->runs_after, m->nafter)) < 0;
	else if (!bad)
		bad = !cJSON_AddNullToObject(o, "current_runs");
	if (!bad && m->repeats_needed)
		bad = add_number(o, "repeats_needed", m->repeats_needed) < 0;
	else if (!bad)
		bad = !cJSON_AddNullToObject(o, "repeats_needed");
	bad = bad || add_string(o, "note", m->note) < 0;
	/* Interleaved mode only, so that stored-baseline reports stay as they were. */
	if (!bad && m->pairs)
		bad = add_number(o, "pairs", (double)m->pairs) < 0 || add_number(o, "estimate", m->estimate) < 0 ||
		      add_number(o, "ci_low", isfinite(m->ci_low) ? m->ci_low : NAN) < 0 ||
		      add_number(o, "ci_high", isfinite(m->ci_high) ? m->ci_high : NAN) < 0;
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *bench_json(const struct pg_check_bench *b)
{
	cJSON *o = cJSON_CreateObject(), *a, *runs, *files;
	int bad = !o;

	bad = bad || add_string(o, "name", b->name) < 0 ||
	      add_string(o, "verdict", pg_verdict_name(b->verdict)) < 0 ||
	      add_string(o, "message", b->message) < 0;
	if (!bad && (bad = !(runs = cJSON_AddObjectToObject(o, "runs"))) == 0)
		bad = add_number(runs, "baseline", (double)b->runs_before) < 0 ||
		      add_number(runs, "current", (double)b->runs_after) < 0 ||
		      add_number(runs, "baseline_memory", (double)b->mem_runs_before) < 0 ||
		      add_number(runs, "current_memory", (double)b->mem_runs_after) < 0 ||
		      (b->pairs && add_number(runs, "pairs", (double)b->pairs) < 0);
	if (!bad && (bad = !(a = cJSON_AddArrayToObject(o, "metrics"))) == 0) {
		for (size_t i = 0; !bad && i < b->nmetrics; i++) {
			cJSON *m = metric_json(&b->metrics[i]);

			bad = !m || !cJSON_AddItemToArray(a, m);
			if (bad)
				cJSON_Delete(m);
		}
	}
	if (!bad && (bad = !(a = cJSON_AddArrayToObject(o, "functions"))) == 0) {
		for (size_t i = 0; !bad && i < b->nfunctions; i++) {
			const struct pg_check_function *f = &b->functions[i];
			cJSON *x = cJSON_CreateObject();

			bad = !x || !cJSON_AddItemToArray(a, x);
			if (bad) {
				cJSON_Delete(x);
				break;
			}
			bad = add_string(x, "name", f->name) < 0 ||
			      add_number(x, "self_seconds_baseline", f->self_before) < 0 ||
			      add_number(x, "self_seconds_current", f->self_after) < 0 ||
			      add_number(x, "share_baseline", f->total_before) < 0 ||
			      add_number(x, "share_current", f->total_after) < 0;
			if (!bad && f->tested)
				bad = !cJSON_AddBoolToObject(x, "significant", f->significant);
		}
	}
	if (!bad && (bad = !(a = cJSON_AddArrayToObject(o, "memory_stacks"))) == 0) {
		for (size_t i = 0; !bad && i < b->nstacks; i++) {
			const struct pg_check_stack *s = &b->stacks[i];
			cJSON *x = cJSON_CreateObject();

			bad = !x || !cJSON_AddItemToArray(a, x);
			if (bad) {
				cJSON_Delete(x);
				break;
			}
			bad = add_string(x, "stack", s->stack) < 0 || add_number(x, "baseline_bytes", s->before) < 0 ||
			      add_number(x, "current_bytes", s->after) < 0;
		}
	}
	if (!bad && isfinite(b->machine_idle)) {
		cJSON *machine = cJSON_AddObjectToObject(o, "machine");

		bad = !machine || add_number(machine, "idle", b->machine_idle) < 0 ||
		      add_number(machine, "others", b->machine_others) < 0;
	} else if (!bad) {
		bad = !cJSON_AddNullToObject(o, "machine");
	}
	if (!bad && (bad = !(files = cJSON_AddObjectToObject(o, "files"))) == 0)
		bad = add_string(files, "diff_cpu", b->diff_cpu) < 0 || add_string(files, "diff_mem", b->diff_mem) < 0 ||
		      add_string(files, "profile", b->profile) < 0;
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *report_json(const struct pg_check_report *r)
{
	cJSON *root = cJSON_CreateObject(), *base, *counts, *stats, *shard, *benches;
	int bad = !root;

	bad = bad || add_string(root, "schema", PG_CHECK_SCHEMA) < 0 ||
	      add_string(root, "profgate_version", r->version) < 0 ||
	      add_string(root, "verdict", pg_check_overall_name(r)) < 0 ||
	      add_number(root, "exit_code", r->exit_code) < 0 || add_string(root, "head", r->head) < 0 ||
	      !cJSON_AddBoolToObject(root, "dirty", r->dirty);
	if (!bad && (bad = !(base = cJSON_AddObjectToObject(root, "baseline"))) == 0) {
		int found = r->lookup_status && !strcmp(r->lookup_status, "found");

		bad = add_string(base, "status", r->lookup_status) < 0 || add_string(base, "message", r->lookup_message) < 0 ||
		      add_string(base, "base_rev", r->base_rev) < 0 || add_string(base, "base_commit", r->base_commit) < 0 ||
		      add_string(base, "commit", r->baseline_commit) < 0 ||
		      (found ? add_number(base, "distance", r->baseline_distance) < 0
			     : !cJSON_AddNullToObject(base, "distance")) ||
		      add_string(base, "recorded_at", r->baseline_recorded_at) < 0 ||
		      add_string(base, "source", r->baseline_source) < 0;
	}
	bad = bad || add_string(root, "note", r->note) < 0;
	if (!bad && r->compare)
		bad = add_string(root, "compare", r->compare) < 0;
	if (!bad && r->shard_count) {
		bad = !(shard = cJSON_AddObjectToObject(root, "shard")) || add_number(shard, "index", r->shard_index) < 0 ||
		      add_number(shard, "count", r->shard_count) < 0;
	} else if (!bad) {
		bad = !cJSON_AddNullToObject(root, "shard");
	}
	if (!bad && (bad = !(stats = cJSON_AddObjectToObject(root, "statistics"))) == 0)
		bad = add_string(stats, "test", "mann-whitney-u") < 0 || add_number(stats, "alpha", r->alpha) < 0 ||
		      add_string(stats, "threshold_on", "median") < 0;
	if (!bad && (bad = !(counts = cJSON_AddObjectToObject(root, "counts"))) == 0) {
		for (int v = PG_VERDICT_UNCHANGED; !bad && v <= PG_VERDICT_ERROR; v++)
			bad = add_number(counts, pg_verdict_name((enum pg_verdict)v), (double)r->counts[v]) < 0;
	}
	if (!bad && (bad = !(benches = cJSON_AddArrayToObject(root, "benchmarks"))) == 0) {
		for (size_t i = 0; !bad && i < r->nbenches; i++) {
			cJSON *b = bench_json(&r->benches[i]);

			bad = !b || !cJSON_AddItemToArray(benches, b);
			if (bad)
				cJSON_Delete(b);
		}
	}
	if (bad) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int pg_check_json_render(const struct pg_check_report *r, FILE *out)
{
	cJSON *root = report_json(r);
	char *text;
	int rc = 0;

	if (!root)
		return pg_error_set("out of memory");
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return pg_error_set("out of memory");
	if (fputs(text, out) == EOF || fputc('\n', out) == EOF)
		rc = pg_error_set("cannot write result.json");
	cJSON_free(text);
	return rc;
}

int pg_check_json_write(const struct pg_check_report *r, const char *path)
{
	return pg_check_write_rendered(r, path, pg_check_json_render);
}
