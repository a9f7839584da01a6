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
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "error.h"
#include "outbuf.h"

/* Counts above this are not exact in a double, and no suite has them. */
#define MAX_COUNT 9007199254740992.0  /* 2^53 */
/* Numbers beyond this are refused: cJSON prints one near DBL_MAX with 15
 * digits that read back as infinite, so it would not render back. No
 * measurement comes near it. */
#define MAX_MAGNITUDE 1e300
/* The largest shard count `check --shard` accepts. */
#define MAX_SHARDS 100000

/* Where the reader is: the file and the path of keys down to the object
 * being read ("benchmarks[1].metrics[0]"), for messages. */
struct rd {
	const char *name;
	char where[256];
};

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "an invalid value";
}

static int fail(const struct rd *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(const struct rd *c, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!*c->where && !key)
		return pg_error_setc(PG_EINVALID, "'%s': %s", c->name, msg);
	return pg_error_setc(PG_EINVALID, "'%s': %s%s%s: %s", c->name, c->where, *c->where && key ? "." : "",
			     key ? key : "", msg);
}

/* Appends to the key path; returns the length to go back to. */
static size_t enter(struct rd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t enter(struct rd *c, const char *fmt, ...)
{
	size_t mark = strlen(c->where);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->where + mark, sizeof c->where - mark, fmt, ap);
	va_end(ap);
	return mark;
}

static void leave(struct rd *c, size_t mark)
{
	c->where[mark] = '\0';
}

/* The writer replaces invalid UTF-8 (one bad byte becomes three): a
 * string it would change does not render back, and is refused. */
static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	for (size_t k; *p; p += k)
		if ((k = pg_utf8_decode(p, &cp)) == 0)
			return 0;
	return 1;
}

static int member(const cJSON **out, const struct rd *c, const cJSON *o, const char *key)
{
	*out = cJSON_GetObjectItemCaseSensitive(o, key);
	return *out ? 0 : fail(c, key, "missing");
}

static int read_object(const cJSON **out, const struct rd *c, const cJSON *o, const char *key, int nullable)
{
	int rc = member(out, c, o, key);

	if (rc < 0)
		return rc;
	if (cJSON_IsObject(*out) || (nullable && cJSON_IsNull(*out)))
		return 0;
	return fail(c, key, "expected an object%s, got %s", nullable ? " or null" : "", type_name(*out));
}

static int read_array(const cJSON **out, const struct rd *c, const cJSON *o, const char *key, int nullable)
{
	int rc = member(out, c, o, key);

	if (rc < 0)
		return rc;
	if (cJSON_IsArray(*out) || (nullable && cJSON_IsNull(*out)))
		return 0;
	return fail(c, key, "expected an array%s, got %s", nullable ? " or null" : "", type_name(*out));
}

/* A string, copied; with nullable also null, which gives NULL. */
static int read_string(char **out, const struct rd *c, const cJSON *o, const char *key, int nullable)
{
	const cJSON *v;
	int rc = member(&v, c, o, key);

	*out = NULL;
	if (rc < 0)
		return rc;
	if (nullable && cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail(c, key, "expected a string%s, got %s", nullable ? " or null" : "", type_name(v));
	if (!valid_utf8(v->valuestring))
		return fail(c, key, "not valid UTF-8");
	if (!(*out = strdup(v->valuestring)))
		return pg_error_set("out of memory");
	return 0;
}

/* A string, borrowed from the parsed tree. */
static int read_name(const char **out, const struct rd *c, const cJSON *o, const char *key)
{
	const cJSON *v;
	int rc = member(&v, c, o, key);

	if (rc < 0)
		return rc;
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail(c, key, "expected a string, got %s", type_name(v));
	if (!valid_utf8(v->valuestring))
		return fail(c, key, "not valid UTF-8");
	*out = v->valuestring;
	return 0;
}

static int read_verdict(enum pg_verdict *out, const struct rd *c, const cJSON *o, const char *key)
{
	const char *s;
	int rc = read_name(&s, c, o, key);

	if (rc < 0)
		return rc;
	for (int v = PG_VERDICT_NOT_CHECKED; v <= PG_VERDICT_ERROR; v++) {
		if (!strcmp(s, pg_verdict_name((enum pg_verdict)v))) {
			*out = (enum pg_verdict)v;
			return 0;
		}
	}
	return fail(c, key, "unknown verdict '%.60s' (expected not-checked, unchanged, improved, inconclusive, "
		    "regressed or error)", s);
}

static int read_unit(enum pg_check_unit *out, const struct rd *c, const cJSON *o, const char *key)
{
	static const enum pg_check_unit units[] = { PG_UNIT_SECONDS, PG_UNIT_BYTES, PG_UNIT_COUNT, PG_UNIT_PERCENT };
	const char *s;
	int rc = read_name(&s, c, o, key);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (!strcmp(s, pg_check_unit_name(units[i]))) {
			*out = units[i];
			return 0;
		}
	}
	return fail(c, key, "unknown unit '%.60s' (expected seconds, bytes, count or percent)", s);
}

/* A string that must be exactly want (the constants of the schema). */
static int read_constant(const struct rd *c, const cJSON *o, const char *key, const char *want)
{
	const char *s;
	int rc = read_name(&s, c, o, key);

	if (rc < 0)
		return rc;
	return strcmp(s, want) ? fail(c, key, "expected \"%s\", got '%.60s'", want, s) : 0;
}

static int read_bool(int *out, const struct rd *c, const cJSON *o, const char *key)
{
	const cJSON *v;
	int rc = member(&v, c, o, key);

	if (rc < 0)
		return rc;
	if (!cJSON_IsBool(v))
		return fail(c, key, "expected true or false, got %s", type_name(v));
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A finite number; with nullable also null, which gives NaN (the writer's
 * "not known"). An infinite one (1e999) is refused: the writer never
 * writes one; so is one beyond MAX_MAGNITUDE. */
static int number_value(double *out, const struct rd *c, const char *key, const cJSON *v, int nullable)
{
	if (nullable && cJSON_IsNull(v)) {
		*out = NAN;
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return fail(c, key, "expected a number%s, got %s", nullable ? " or null" : "", type_name(v));
	if (!isfinite(v->valuedouble))
		return fail(c, key, "expected a finite number, got one out of range");
	if (fabs(v->valuedouble) > MAX_MAGNITUDE)
		return fail(c, key, "expected a number of magnitude at most %g, got %.17g", MAX_MAGNITUDE,
			    v->valuedouble);
	*out = v->valuedouble;
	return 0;
}

static int read_number(double *out, const struct rd *c, const cJSON *o, const char *key, int nullable)
{
	const cJSON *v;
	int rc = member(&v, c, o, key);

	return rc < 0 ? rc : number_value(out, c, key, v, nullable);
}

/* A whole number from lo to hi. Checked before any conversion: casting
 * an out-of-range double to an integer type is undefined behaviour. */
static int read_integer(double *out, const struct rd *c, const cJSON *o, const char *key, double lo, double hi)
{
	double v;
	int rc = read_number(&v, c, o, key, 0);

	if (rc < 0)
		return rc;
	if (v != floor(v) || v < lo || v > hi)
		return fail(c, key, "expected a whole number from %.0f to %.0f, got %.17g", lo, hi, v);
	*out = v;
	return 0;
}

static int read_size(size_t *out, const struct rd *c, const cJSON *o, const char *key)
{
	double v;
	int rc = read_integer(&v, c, o, key, 0, MAX_COUNT);

	if (rc == 0)
		*out = (size_t)v;
	return rc;
}

static int read_unsigned(unsigned *out, const struct rd *c, const cJSON *o, const char *key, double lo, double hi)
{
	double v;
	int rc = read_integer(&v, c, o, key, lo, hi);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}

/* An array size as a count of elements to allocate: never 0, so that an
 * empty array gives a pointer (the writer tells [] from null by it). */
static void *alloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* An array of finite numbers or nulls (NaN), or null (NULL). */
static int read_runs(double **out, size_t *n, struct rd *c, const cJSON *o, const char *key)
{
	const cJSON *a, *v;
	size_t i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = read_array(&a, c, o, key, 1)) < 0 || cJSON_IsNull(a))
		return rc;
	if (!(*out = alloc_array((size_t)cJSON_GetArraySize(a), sizeof **out)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		size_t mark = enter(c, ".%s[%zu]", key, i);

		rc = number_value(&(*out)[i], c, NULL, v, 1);
		leave(c, mark);
		if (rc < 0)
			return rc;
		*n = ++i;
	}
	return 0;
}

static int read_metric(struct pg_check_metric *m, struct rd *c, const cJSON *o)
{
	char *threshold = NULL;
	const cJSON *v;
	int rc;

	if (!cJSON_IsObject(o))
		return fail(c, NULL, "expected an object, got %s", type_name(o));
	if ((rc = read_string(&m->metric, c, o, "metric", 0)) < 0 ||
	    (rc = read_string(&m->function, c, o, "function", 1)) < 0 || (rc = read_unit(&m->unit, c, o, "unit")) < 0 ||
	    (rc = read_verdict(&m->verdict, c, o, "verdict")) < 0 ||
	    (rc = read_number(&m->before, c, o, "baseline", 1)) < 0 ||
	    (rc = read_number(&m->after, c, o, "current", 1)) < 0 ||
	    (rc = read_number(&m->change, c, o, "change", 1)) < 0 ||
	    (rc = read_number(&m->ratio, c, o, "ratio", 1)) < 0)
		return rc;
	if ((rc = read_string(&threshold, c, o, "threshold", 0)) < 0)
		return rc;
	if (strlen(threshold) >= sizeof m->threshold) {
		free(threshold);
		return fail(c, "threshold", "longer than %zu bytes", sizeof m->threshold - 1);
	}
	memcpy(m->threshold, threshold, strlen(threshold) + 1);
	free(threshold);
	if ((rc = read_bool(&m->exact, c, o, "exact")) < 0 ||
	    (rc = read_number(&m->p_value, c, o, "p_value", 1)) < 0 ||
	    (rc = read_runs(&m->runs_before, &m->nbefore, c, o, "baseline_runs")) < 0 ||
	    (rc = read_runs(&m->runs_after, &m->nafter, c, o, "current_runs")) < 0)
		return rc;
	/* null: not known, which the model says with 0 (and writes as null). */
	if ((rc = member(&v, c, o, "repeats_needed")) < 0)
		return rc;
	if (!cJSON_IsNull(v) && (rc = read_unsigned(&m->repeats_needed, c, o, "repeats_needed", 1, UINT_MAX)) < 0)
		return rc;
	return read_string(&m->note, c, o, "note", 1);
}

static int read_metrics(struct pg_check_bench *b, struct rd *c, const cJSON *o)
{
	const cJSON *a, *v;
	int rc;

	if ((rc = read_array(&a, c, o, "metrics", 0)) < 0)
		return rc;
	if (!(b->metrics = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *b->metrics)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		size_t mark = enter(c, ".metrics[%zu]", b->nmetrics);

		/* Counted first, so that a half-read metric is released too. */
		rc = read_metric(&b->metrics[b->nmetrics++], c, v);
		leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_functions(struct pg_check_bench *b, struct rd *c, const cJSON *o)
{
	const cJSON *a, *v;
	int rc;

	if ((rc = read_array(&a, c, o, "functions", 0)) < 0)
		return rc;
	if (!(b->functions = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *b->functions)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		struct pg_check_function *f = &b->functions[b->nfunctions++];
		size_t mark = enter(c, ".functions[%zu]", b->nfunctions - 1);

		if (!cJSON_IsObject(v))
			rc = fail(c, NULL, "expected an object, got %s", type_name(v));
		else if ((rc = read_string(&f->name, c, v, "name", 0)) == 0 &&
			 (rc = read_number(&f->self_before, c, v, "self_seconds_baseline", 1)) == 0 &&
			 (rc = read_number(&f->self_after, c, v, "self_seconds_current", 1)) == 0 &&
			 (rc = read_number(&f->total_before, c, v, "share_baseline", 1)) == 0)
			rc = read_number(&f->total_after, c, v, "share_current", 1);
		leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_stacks(struct pg_check_bench *b, struct rd *c, const cJSON *o)
{
	const cJSON *a, *v;
	int rc;

	if ((rc = read_array(&a, c, o, "memory_stacks", 0)) < 0)
		return rc;
	if (!(b->stacks = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *b->stacks)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		struct pg_check_stack *s = &b->stacks[b->nstacks++];
		size_t mark = enter(c, ".memory_stacks[%zu]", b->nstacks - 1);

		if (!cJSON_IsObject(v))
			rc = fail(c, NULL, "expected an object, got %s", type_name(v));
		else if ((rc = read_string(&s->stack, c, v, "stack", 0)) == 0 &&
			 (rc = read_number(&s->before, c, v, "baseline_bytes", 1)) == 0)
			rc = read_number(&s->after, c, v, "current_bytes", 1);
		leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int read_bench(struct pg_check_bench *b, struct rd *c, const cJSON *o)
{
	const cJSON *v;
	size_t mark;
	int rc;

	b->machine_idle = b->machine_others = NAN;
	if (!cJSON_IsObject(o))
		return fail(c, NULL, "expected an object, got %s", type_name(o));
	if ((rc = read_string(&b->name, c, o, "name", 0)) < 0)
		return rc;
	/* Every later message says which benchmark. */
	enter(c, " (\"%.60s\")", b->name);
	if ((rc = read_verdict(&b->verdict, c, o, "verdict")) < 0 ||
	    (rc = read_string(&b->message, c, o, "message", 1)) < 0 || (rc = read_object(&v, c, o, "runs", 0)) < 0)
		return rc;
	mark = enter(c, ".runs");
	if ((rc = read_size(&b->runs_before, c, v, "baseline")) < 0 ||
	    (rc = read_size(&b->runs_after, c, v, "current")) < 0 ||
	    (rc = read_size(&b->mem_runs_before, c, v, "baseline_memory")) < 0 ||
	    (rc = read_size(&b->mem_runs_after, c, v, "current_memory")) < 0)
		return rc;
	leave(c, mark);
	if ((rc = read_metrics(b, c, o)) < 0 || (rc = read_functions(b, c, o)) < 0 ||
	    (rc = read_stacks(b, c, o)) < 0)
		return rc;
	/* The writer writes the machine's business only when it is known. */
	if ((rc = read_object(&v, c, o, "machine", 1)) < 0)
		return rc;
	if (!cJSON_IsNull(v)) {
		mark = enter(c, ".machine");
		if ((rc = read_number(&b->machine_idle, c, v, "idle", 0)) < 0 ||
		    (rc = read_number(&b->machine_others, c, v, "others", 1)) < 0)
			return rc;
		leave(c, mark);
	}
	if ((rc = read_object(&v, c, o, "files", 0)) < 0)
		return rc;
	mark = enter(c, ".files");
	if ((rc = read_string(&b->diff_cpu, c, v, "diff_cpu", 1)) < 0 ||
	    (rc = read_string(&b->diff_mem, c, v, "diff_mem", 1)) < 0 ||
	    (rc = read_string(&b->profile, c, v, "profile", 1)) < 0)
		return rc;
	leave(c, mark);
	return 0;
}

static int read_baseline(struct pg_check_report *r, struct rd *c, const cJSON *root)
{
	const cJSON *o, *v;
	size_t mark;
	int rc, found;

	if ((rc = read_object(&o, c, root, "baseline", 0)) < 0)
		return rc;
	mark = enter(c, "baseline");
	if ((rc = read_string(&r->lookup_status, c, o, "status", 1)) < 0 ||
	    (rc = read_string(&r->lookup_message, c, o, "message", 1)) < 0 ||
	    (rc = read_string(&r->base_rev, c, o, "base_rev", 1)) < 0 ||
	    (rc = read_string(&r->base_commit, c, o, "base_commit", 1)) < 0 ||
	    (rc = read_string(&r->baseline_commit, c, o, "commit", 1)) < 0)
		return rc;
	/* The distance is only known, and only written, for a baseline found. */
	found = r->lookup_status && !strcmp(r->lookup_status, "found");
	if (found && (rc = read_unsigned(&r->baseline_distance, c, o, "distance", 0, UINT_MAX)) < 0)
		return rc;
	if (!found) {
		if ((rc = member(&v, c, o, "distance")) < 0)
			return rc;
		if (!cJSON_IsNull(v))
			return fail(c, "distance", "expected null (the status is not \"found\"), got %s", type_name(v));
	}
	if ((rc = read_string(&r->baseline_recorded_at, c, o, "recorded_at", 1)) < 0 ||
	    (rc = read_string(&r->baseline_source, c, o, "source", 1)) < 0)
		return rc;
	leave(c, mark);
	return 0;
}

static int read_report(struct pg_check_report *r, struct rd *c, const cJSON *root)
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
		return fail(c, NULL, "not a JSON object");
	/* The schema first: another file's keys would only give confusing messages. */
	if ((rc = read_name(&schema, c, root, "schema")) < 0)
		return rc;
	if (strcmp(schema, PG_CHECK_SCHEMA))
		return fail(c, "schema", "expected \"%s\" (the result.json of `profgate check`), got '%.60s'",
			    PG_CHECK_SCHEMA, schema);
	if ((rc = read_string(&r->version, c, root, "profgate_version", 1)) < 0 ||
	    (rc = read_name(&verdict, c, root, "verdict")) < 0)
		return rc;
	for (i = 0; i < sizeof overall / sizeof overall[0]; i++)
		if (!strcmp(verdict, overall[i].name))
			break;
	if (i == sizeof overall / sizeof overall[0])
		return fail(c, "verdict", "unknown verdict '%.60s' (expected passed, regressed, inconclusive or error)",
			    verdict);
	r->verdict = overall[i].verdict;
	if ((rc = read_integer(&exit_code, c, root, "exit_code", 0, 3)) < 0)
		return rc;
	if ((int)exit_code != overall[i].exit_code)
		return fail(c, "exit_code", "%d does not go with the verdict '%s' (%d)", (int)exit_code, verdict,
			    overall[i].exit_code);
	r->exit_code = (int)exit_code;
	if ((rc = read_string(&r->head, c, root, "head", 1)) < 0 || (rc = read_bool(&r->dirty, c, root, "dirty")) < 0 ||
	    (rc = read_baseline(r, c, root)) < 0 || (rc = read_string(&r->note, c, root, "note", 1)) < 0)
		return rc;

	if ((rc = read_object(&v, c, root, "shard", 1)) < 0)
		return rc;
	if (!cJSON_IsNull(v)) {
		mark = enter(c, "shard");
		if ((rc = read_unsigned(&r->shard_count, c, v, "count", 1, MAX_SHARDS)) < 0 ||
		    (rc = read_unsigned(&r->shard_index, c, v, "index", 1, r->shard_count)) < 0)
			return rc;
		leave(c, mark);
	}

	if ((rc = read_object(&v, c, root, "statistics", 0)) < 0)
		return rc;
	mark = enter(c, "statistics");
	if ((rc = read_constant(c, v, "test", "mann-whitney-u")) < 0 || (rc = read_number(&r->alpha, c, v, "alpha", 1)) < 0 ||
	    (rc = read_constant(c, v, "threshold_on", "median")) < 0)
		return rc;
	leave(c, mark);

	if ((rc = read_object(&v, c, root, "counts", 0)) < 0)
		return rc;
	mark = enter(c, "counts");
	for (int k = PG_VERDICT_UNCHANGED; k <= PG_VERDICT_ERROR; k++)
		if ((rc = read_size(&r->counts[k], c, v, pg_verdict_name((enum pg_verdict)k))) < 0)
			return rc;
	leave(c, mark);
	/* "passed" is the tally's unchanged, or improved when one improved. */
	if (r->verdict == PG_VERDICT_UNCHANGED && r->counts[PG_VERDICT_IMPROVED])
		r->verdict = PG_VERDICT_IMPROVED;

	if ((rc = read_array(&a, c, root, "benchmarks", 0)) < 0)
		return rc;
	if (!(r->benches = alloc_array((size_t)cJSON_GetArraySize(a), sizeof *r->benches)))
		return pg_error_set("out of memory");
	cJSON_ArrayForEach(v, a) {
		mark = enter(c, "benchmarks[%zu]", r->nbenches);
		rc = read_bench(&r->benches[r->nbenches++], c, v);
		leave(c, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int pg_check_json_parse(struct pg_check_report *out, const char *text, size_t len, const char *name)
{
	struct rd c = { .name = name };
	cJSON *root;
	int rc;

	memset(out, 0, sizeof *out);
	out->alpha = NAN;
	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();

		/* cJSON's error pointer is into text, or NULL when it ran out of memory. */
		if (at && at >= text && at <= text + len)
			return fail(&c, NULL, "not valid JSON (at byte %zu)", (size_t)(at - text));
		return fail(&c, NULL, "not valid JSON");
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
