/*
 * result.json read back (see check_json_read.h). The reader walks the file
 * in the order check_json.c writes it and asks for every key that writer
 * always writes, with the type it writes: a string or null where the model
 * holds a pointer that may be NULL, a finite number or null where it holds
 * a double that may be NaN. Being no more permissive than the writer is
 * what makes render -> read -> render give the same bytes (so strings must
 * be valid UTF-8, which the writer would otherwise change), and what lets
 * the writers trust a report that came from a file: metric names and
 * thresholds are there, counts are counts, and a function or a stack,
 * which the model could leave NULL but no report does and summary.md
 * would not cope with, has a name.
 */
#define _GNU_SOURCE
#include "check_json_read.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "error.h"
#include "jsonread.h"
#include "outbuf.h"

/* Counts above this are not exact in a double, and no suite has them. */
#define MAX_COUNT 9007199254740992.0  /* 2^53 */
/* The largest shard count `check --shard` accepts. */
#define MAX_SHARDS 100000

static int read_verdict(enum pg_verdict *out, const struct pg_jsonread *c, const cJSON *o, const char *key)
{
	const char *s;
	int rc = pg_jsonread_string_ref(&s, c, o, key, PG_JSONREAD_UTF8);

	if (rc < 0)
		return rc;
	for (int v = PG_VERDICT_NOT_CHECKED; v <= PG_VERDICT_ERROR; v++) {
		if (!strcmp(s, pg_verdict_name((enum pg_verdict)v))) {
			*out = (enum pg_verdict)v;
			return 0;
		}
	}
	return pg_jsonread_fail(c, key, "unknown verdict '%.60s' (expected not-checked, unchanged, improved, inconclusive, "
		    "regressed or error)", s);
}

static int read_unit(enum pg_check_unit *out, const struct pg_jsonread *c, const cJSON *o, const char *key)
{
	static const enum pg_check_unit units[] = { PG_UNIT_SECONDS, PG_UNIT_BYTES, PG_UNIT_COUNT, PG_UNIT_PERCENT };
	const char *s;
	int rc = pg_jsonread_string_ref(&s, c, o, key, PG_JSONREAD_UTF8);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (!strcmp(s, pg_check_unit_name(units[i]))) {
			*out = units[i];
			return 0;
		}
	}
	return pg_jsonread_fail(c, key, "unknown unit '%.60s' (expected seconds, bytes, count or percent)", s);
}

/* A string that must be exactly want (the constants of the schema). */
static int read_constant(const struct pg_jsonread *c, const cJSON *o, const char *key, const char *want)
{
	const char *s;
	int rc = pg_jsonread_string_ref(&s, c, o, key, PG_JSONREAD_UTF8);

	if (rc < 0)
		return rc;
	return strcmp(s, want) ? pg_jsonread_fail(c, key, "expected \"%s\", got '%.60s'", want, s) : 0;
}

static int read_size(size_t *out, const struct pg_jsonread *c, const cJSON *o, const char *key)
{
	double v;
	int rc = pg_jsonread_whole(&v, c, o, key, 0, MAX_COUNT);

	if (rc == 0)
		*out = (size_t)v;
	return rc;
}

/* An array size as a count of elements to allocate: never 0, so that an
 * empty array gives a pointer (the writer tells [] from null by it). */
static void *alloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* An array of finite numbers or nulls (NaN), or null (NULL). */
static int read_runs(double **out, size_t *n, struct pg_jsonread *c, const cJSON *o, const char *key)
{
	const cJSON *a, *v;
	size_t i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = pg_jsonread_kind(&a, c, o, key, 1, PG_JSONREAD_NULLABLE)) < 0 || cJSON_IsNull(a))
		return rc;
	if (!(*out = alloc_array((size_t)cJSON_GetArraySize(a), sizeof **out)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		size_t mark = pg_jsonread_enter(c, ".%s[%zu]", key, i);

		rc = pg_jsonread_number_value(&(*out)[i], c, NULL, v, PG_JSONREAD_NULLABLE);
		pg_jsonread_leave(c, mark);
		if (rc < 0)
			return rc;
		*n = ++i;
	}
	return 0;
}

static int read_metric(struct pg_check_metric *m, struct pg_jsonread *c, const cJSON *o)
{
	char *threshold = NULL;
	const cJSON *v;
	int rc;

	if (!cJSON_IsObject(o))
		return pg_jsonread_fail(c, NULL, "expected an object, got %s", pg_json_type_name(o));
	if ((rc = pg_jsonread_string(&m->metric, c, o, "metric", PG_JSONREAD_UTF8)) < 0 ||
	    (rc = pg_jsonread_string(&m->function, c, o, "function", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 || (rc = read_unit(&m->unit, c, o, "unit")) < 0 ||
	    (rc = read_verdict(&m->verdict, c, o, "verdict")) < 0 ||
	    (rc = pg_jsonread_number(&m->before, c, o, "baseline", PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_number(&m->after, c, o, "current", PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_number(&m->change, c, o, "change", PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_number(&m->ratio, c, o, "ratio", PG_JSONREAD_NULLABLE)) < 0)
		return rc;
	if ((rc = pg_jsonread_string(&threshold, c, o, "threshold", PG_JSONREAD_UTF8)) < 0)
		return rc;
	if (strlen(threshold) >= sizeof m->threshold) {
		free(threshold);
		return pg_jsonread_fail(c, "threshold", "longer than %zu bytes", sizeof m->threshold - 1);
	}
	memcpy(m->threshold, threshold, strlen(threshold) + 1);
	free(threshold);
	if ((rc = pg_jsonread_bool(&m->exact, c, o, "exact")) < 0 ||
	    (rc = pg_jsonread_number(&m->p_value, c, o, "p_value", PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = read_runs(&m->runs_before, &m->nbefore, c, o, "baseline_runs")) < 0 ||
	    (rc = read_runs(&m->runs_after, &m->nafter, c, o, "current_runs")) < 0)
		return rc;
	/* null: not known, which the model says with 0 (and writes as null). */
	if ((rc = pg_jsonread_member(&v, c, o, "repeats_needed")) < 0)
		return rc;
	if (!cJSON_IsNull(v) && (rc = pg_jsonread_unsigned(&m->repeats_needed, c, o, "repeats_needed", 1, UINT_MAX)) < 0)
		return rc;
	return pg_jsonread_string(&m->note, c, o, "note", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE);
}

static int read_metrics(struct pg_check_bench *b, struct pg_jsonread *c, const cJSON *o)
{
	const cJSON *a, *v;
	int rc;

	if ((rc = pg_jsonread_kind(&a, c, o, "metrics", 1, 0)) < 0)
		return rc;
	if (!(b->metrics = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *b->metrics)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		size_t mark = pg_jsonread_enter(c, ".metrics[%zu]", b->nmetrics);

		/* Counted first, so that a half-read metric is released too. */
		rc = read_metric(&b->metrics[b->nmetrics++], c, v);
		pg_jsonread_leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_functions(struct pg_check_bench *b, struct pg_jsonread *c, const cJSON *o)
{
	const cJSON *a, *v;
	int rc;

	if ((rc = pg_jsonread_kind(&a, c, o, "functions", 1, 0)) < 0)
		return rc;
	if (!(b->functions = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *b->functions)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		struct pg_check_function *f = &b->functions[b->nfunctions++];
		size_t mark = pg_jsonread_enter(c, ".functions[%zu]", b->nfunctions - 1);

		if (!cJSON_IsObject(v))
			rc = pg_jsonread_fail(c, NULL, "expected an object, got %s", pg_json_type_name(v));
		else if ((rc = pg_jsonread_string(&f->name, c, v, "name", PG_JSONREAD_UTF8)) == 0 &&
			 (rc = pg_jsonread_number(&f->self_before, c, v, "self_seconds_baseline", PG_JSONREAD_NULLABLE)) == 0 &&
			 (rc = pg_jsonread_number(&f->self_after, c, v, "self_seconds_current", PG_JSONREAD_NULLABLE)) == 0 &&
			 (rc = pg_jsonread_number(&f->total_before, c, v, "share_baseline", PG_JSONREAD_NULLABLE)) == 0)
			rc = pg_jsonread_number(&f->total_after, c, v, "share_current", PG_JSONREAD_NULLABLE);
		pg_jsonread_leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_stacks(struct pg_check_bench *b, struct pg_jsonread *c, const cJSON *o)
{
	const cJSON *a, *v;
	int rc;

	if ((rc = pg_jsonread_kind(&a, c, o, "memory_stacks", 1, 0)) < 0)
		return rc;
	if (!(b->stacks = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *b->stacks)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		struct pg_check_stack *s = &b->stacks[b->nstacks++];
		size_t mark = pg_jsonread_enter(c, ".memory_stacks[%zu]", b->nstacks - 1);

		if (!cJSON_IsObject(v))
			rc = pg_jsonread_fail(c, NULL, "expected an object, got %s", pg_json_type_name(v));
		else if ((rc = pg_jsonread_string(&s->stack, c, v, "stack", PG_JSONREAD_UTF8)) == 0 &&
			 (rc = pg_jsonread_number(&s->before, c, v, "baseline_bytes", PG_JSONREAD_NULLABLE)) == 0)
			rc = pg_jsonread_number(&s->after, c, v, "current_bytes", PG_JSONREAD_NULLABLE);
		pg_jsonread_leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_bench(struct pg_check_bench *b, struct pg_jsonread *c, const cJSON *o)
{
	const cJSON *v;
	size_t mark;
	int rc;

	b->machine_idle = b->machine_others = NAN;
	if (!cJSON_IsObject(o))
		return pg_jsonread_fail(c, NULL, "expected an object, got %s", pg_json_type_name(o));
	if ((rc = pg_jsonread_string(&b->name, c, o, "name", PG_JSONREAD_UTF8)) < 0)
		return rc;
	/* Every later message says which benchmark. */
	pg_jsonread_enter(c, " (\"%.60s\")", b->name);
	if ((rc = read_verdict(&b->verdict, c, o, "verdict")) < 0 ||
	    (rc = pg_jsonread_string(&b->message, c, o, "message", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 || (rc = pg_jsonread_kind(&v, c, o, "runs", 0, 0)) < 0)
		return rc;
	mark = pg_jsonread_enter(c, ".runs");
	if ((rc = read_size(&b->runs_before, c, v, "baseline")) < 0 ||
	    (rc = read_size(&b->runs_after, c, v, "current")) < 0 ||
	    (rc = read_size(&b->mem_runs_before, c, v, "baseline_memory")) < 0 ||
	    (rc = read_size(&b->mem_runs_after, c, v, "current_memory")) < 0)
		return rc;
	pg_jsonread_leave(c, mark);
	if ((rc = read_metrics(b, c, o)) < 0 || (rc = read_functions(b, c, o)) < 0 ||
	    (rc = read_stacks(b, c, o)) < 0)
		return rc;
	/* The writer writes the machine's business only when it is known. */
	if ((rc = pg_jsonread_kind(&v, c, o, "machine", 0, PG_JSONREAD_NULLABLE)) < 0)
		return rc;
	if (!cJSON_IsNull(v)) {
		mark = pg_jsonread_enter(c, ".machine");
		if ((rc = pg_jsonread_number(&b->machine_idle, c, v, "idle", 0)) < 0 ||
		    (rc = pg_jsonread_number(&b->machine_others, c, v, "others", PG_JSONREAD_NULLABLE)) < 0)
			return rc;
		pg_jsonread_leave(c, mark);
	}
	if ((rc = pg_jsonread_kind(&v, c, o, "files", 0, 0)) < 0)
		return rc;
	mark = pg_jsonread_enter(c, ".files");
	if ((rc = pg_jsonread_string(&b->diff_cpu, c, v, "diff_cpu", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string(&b->diff_mem, c, v, "diff_mem", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string(&b->profile, c, v, "profile", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0)
		return rc;
	pg_jsonread_leave(c, mark);
	return 0;
}

static int read_baseline(struct pg_check_report *r, struct pg_jsonread *c, const cJSON *root)
{
	const cJSON *o, *v;
	size_t mark;
	int rc, found;

	if ((rc = pg_jsonread_kind(&o, c, root, "baseline", 0, 0)) < 0)
		return rc;
	mark = pg_jsonread_enter(c, "baseline");
	if ((rc = pg_jsonread_string(&r->lookup_status, c, o, "status", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string(&r->lookup_message, c, o, "message", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string(&r->base_rev, c, o, "base_rev", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string(&r->base_commit, c, o, "base_commit", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string(&r->baseline_commit, c, o, "commit", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0)
		return rc;
	/* The distance is only known, and only written, for a baseline found. */
	found = r->lookup_status && !strcmp(r->lookup_status, "found");
	if (found && (rc = pg_jsonread_unsigned(&r->baseline_distance, c, o, "distance", 0, UINT_MAX)) < 0)
		return rc;
	if (!found) {
		if ((rc = pg_jsonread_member(&v, c, o, "distance")) < 0)
			return rc;
		if (!cJSON_IsNull(v))
			return pg_jsonread_fail(c, "distance", "expected null (the status is not \"found\"), got %s", pg_json_type_name(v));
	}
	if ((rc = pg_jsonread_string(&r->baseline_recorded_at, c, o, "recorded_at", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string(&r->baseline_source, c, o, "source", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0)
		return rc;
	pg_jsonread_leave(c, mark);
	return 0;
}

static int read_report(struct pg_check_report *r, struct pg_jsonread *c, const cJSON *root)
{
	static const struct {
		const char *name;
		enum pg_verdict verdict;
		int exit_code;
	} overall[] = {
		{ "passed", PG_VERDICT_UNCHANGED, 0 },
		{ "regressed", PG_VERDICT_REGRESSED, 1 },
		{ "error", PG_VERDICT_ERROR, 2 },
		{ "inconclusive", PG_VERDICT_INCONCLUSIVE, 3 },
	};
	const cJSON *v, *a;
	const char *schema, *verdict;
	size_t mark, i;
	double exit_code;
	int rc;

	if (!cJSON_IsObject(root))
		return pg_jsonread_fail(c, NULL, "not a JSON object");
	/* The schema first: another file's keys would only give confusing messages. */
	if ((rc = pg_jsonread_string_ref(&schema, c, root, "schema", PG_JSONREAD_UTF8)) < 0)
		return rc;
	if (strcmp(schema, PG_CHECK_SCHEMA))
		return pg_jsonread_fail(c, "schema", "expected \"%s\" (the result.json of `profgate check`), got '%.60s'",
			    PG_CHECK_SCHEMA, schema);
	if ((rc = pg_jsonread_string(&r->version, c, root, "profgate_version", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = pg_jsonread_string_ref(&verdict, c, root, "verdict", PG_JSONREAD_UTF8)) < 0)
		return rc;
	for (i = 0; i < sizeof overall / sizeof overall[0]; i++)
		if (!strcmp(verdict, overall[i].name))
			break;
	if (i == sizeof overall / sizeof overall[0])
		return pg_jsonread_fail(c, "verdict", "unknown verdict '%.60s' (expected passed, regressed, inconclusive or error)",
			    verdict);
	r->verdict = overall[i].verdict;
	if ((rc = pg_jsonread_whole(&exit_code, c, root, "exit_code", 0, 3)) < 0)
		return rc;
	if ((int)exit_code != overall[i].exit_code)
		return pg_jsonread_fail(c, "exit_code", "%d does not go with the verdict '%s' (%d)", (int)exit_code, verdict,
			    overall[i].exit_code);
	r->exit_code = (int)exit_code;
	if ((rc = pg_jsonread_string(&r->head, c, root, "head", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0 || (rc = pg_jsonread_bool(&r->dirty, c, root, "dirty")) < 0 ||
	    (rc = read_baseline(r, c, root)) < 0 || (rc = pg_jsonread_string(&r->note, c, root, "note", PG_JSONREAD_UTF8 | PG_JSONREAD_NULLABLE)) < 0)
		return rc;

	if ((rc = pg_jsonread_kind(&v, c, root, "shard", 0, PG_JSONREAD_NULLABLE)) < 0)
		return rc;
	if (!cJSON_IsNull(v)) {
		mark = pg_jsonread_enter(c, "shard");
		if ((rc = pg_jsonread_unsigned(&r->shard_count, c, v, "count", 1, MAX_SHARDS)) < 0 ||
		    (rc = pg_jsonread_unsigned(&r->shard_index, c, v, "index", 1, r->shard_count)) < 0)
			return rc;
		pg_jsonread_leave(c, mark);
	}

	if ((rc = pg_jsonread_kind(&v, c, root, "statistics", 0, 0)) < 0)
		return rc;
	mark = pg_jsonread_enter(c, "statistics");
	if ((rc = read_constant(c, v, "test", "mann-whitney-u")) < 0 || (rc = pg_jsonread_number(&r->alpha, c, v, "alpha", PG_JSONREAD_NULLABLE)) < 0 ||
	    (rc = read_constant(c, v, "threshold_on", "median")) < 0)
		return rc;
	pg_jsonread_leave(c, mark);

	if ((rc = pg_jsonread_kind(&v, c, root, "counts", 0, 0)) < 0)
		return rc;
	mark = pg_jsonread_enter(c, "counts");
	for (int k = PG_VERDICT_UNCHANGED; k <= PG_VERDICT_ERROR; k++)
		if ((rc = read_size(&r->counts[k], c, v, pg_verdict_name((enum pg_verdict)k))) < 0)
			return rc;
	pg_jsonread_leave(c, mark);
	/* "passed" is the tally's unchanged, or improved when one improved. */
	if (r->verdict == PG_VERDICT_UNCHANGED && r->counts[PG_VERDICT_IMPROVED])
		r->verdict = PG_VERDICT_IMPROVED;

	if ((rc = pg_jsonread_kind(&a, c, root, "benchmarks", 1, 0)) < 0)
		return rc;
	if (!(r->benches = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *r->benches)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		mark = pg_jsonread_enter(c, "benchmarks[%zu]", r->nbenches);
		rc = read_bench(&r->benches[r->nbenches++], c, v);
		pg_jsonread_leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int pg_check_json_parse(struct pg_check_report *out, const char *text, size_t len, const char *name)
{
	struct pg_jsonread c = { .source = name, .dialect = PG_JSONREAD_GOT_TYPE };
	cJSON *root;
	int rc;

	memset(out, 0, sizeof *out);
	out->alpha = NAN;
	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();

		/* cJSON's error pointer is into text, or NULL when it ran out of memory. */
		if (at && at >= text && at <= text + len)
			return pg_jsonread_fail(&c, NULL, "not valid JSON (at byte %zu)", (size_t)(at - text));
		return pg_jsonread_fail(&c, NULL, "not valid JSON");
	}
	rc = read_report(out, &c, root);
	cJSON_Delete(root);
	if (rc < 0)
		pg_check_report_release(out);
	return rc < 0 ? rc : 0;
}

int pg_check_json_read(struct pg_check_report *out, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = pg_read_file(&text, &len, path)) < 0)
		return rc;
	rc = pg_check_json_parse(out, text, len, path);
	free(text);
	return rc;
}
