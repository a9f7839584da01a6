/*
 * Tests of reporters/check_json_read.c, result.json read back: what the
 * writer renders reads back and renders to the same bytes (the fixture's
 * reports, with and without a baseline, sharded, with the machine's
 * business, empty), and hostile or broken files are refused with one
 * message that names the file and the key: every key the writer writes
 * removed or given the wrong type, numbers out of range, unknown verdicts
 * and units, text that is not JSON. ASan runs these too: a refused file
 * must leak nothing.
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_json_read.h"
#include "check_writers.h"
#include "check_report_fixture.h"
#include "error.h"
#include "fixture.h"

#define NAME "shard-1/result.json"

/* render -> read -> render: the two texts must be the same bytes. */
static void assert_round_trip(const struct pg_check_report *r)
{
	struct pg_check_report back;
	char *first, *second;
	size_t n1, n2;
	int rc;

	first = fx_render(pg_check_json_render, r, &n1);
	rc = pg_check_json_parse(&back, first, n1, NAME);
	ck_assert_msg(rc == 0, "the writer's own output is refused: %s\n%.3000s", pg_error_last(), first);
	second = fx_render(pg_check_json_render, &back, &n2);
	ck_assert(fx_clean_utf8(second, 1));
	if (n1 != n2 || memcmp(first, second, n1)) {
		size_t at = 0;

		while (at < n1 && at < n2 && first[at] == second[at])
			at++;
		ck_abort_msg("read back, result.json renders differently from byte %zu:\nfirst:  %.200s\nsecond: %.200s",
			     at, first + (at > 80 ? at - 80 : 0), second + (at > 80 ? at - 80 : 0));
	}
	free(first);
	free(second);
	pg_check_report_release(&back);
}

START_TEST(read__round_trip_of_the_fixture)
{
	struct pg_check_report r;

	fx_report(&r, 1, NULL);
	assert_round_trip(&r);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(read__round_trip_without_baseline_and_sharded)
{
	struct pg_check_report r;

	fx_report(&r, 0, "https://ci.example/artifacts");
	r.shard_index = 2;
	r.shard_count = 3;
	r.note = fx_strdup("the baseline was recorded on another kind of machine");
	r.dirty = 1;
	assert_round_trip(&r);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(read__round_trip_of_odd_values)
{
	struct pg_check_report r;
	struct pg_check_metric *m;

	fx_report(&r, 1, NULL);
	/* the machine known, then only its idle share; unknown alpha */
	r.benches[0].machine_idle = 0.25;
	r.benches[0].machine_others = 0.625;
	r.benches[1].machine_idle = 0.5;
	r.benches[1].machine_others = NAN;
	r.alpha = NAN;
	/* runs: none ([]), some unknown (null), and tiny, huge and negative values */
	m = &r.benches[0].metrics[0];
	m->nbefore = 0;
	m->runs_after[1] = NAN;
	m->runs_after[2] = 1e-300;
	m->runs_after[3] = -1e300;
	m->runs_after[4] = 0.1 + 0.2;  /* cJSON prints 0.3: not exact, but the same bytes again */
	m->repeats_needed = 4294967295u;
	m->threshold[0] = '\0';
	r.baseline_distance = 4294967295u;
	r.benches[2].runs_after = 9007199254740992u;
	/* strings that are empty, or only escapes */
	free(r.benches[1].message);
	r.benches[1].message = fx_strdup("");
	free(r.head);
	r.head = fx_strdup("\x01\x1f\"\\/\xc3\xa9\xf0\x9f\x92\xa5");
	assert_round_trip(&r);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(read__round_trip_of_an_empty_passed_report)
{
	struct pg_check_report r;

	memset(&r, 0, sizeof r);
	r.alpha = 0.05;
	r.verdict = PG_VERDICT_UNCHANGED;
	assert_round_trip(&r);
	/* passed with an improved benchmark: read back as the tally's "improved" */
	r.counts[PG_VERDICT_IMPROVED] = 1;
	r.verdict = PG_VERDICT_IMPROVED;
	assert_round_trip(&r);
	pg_check_report_release(&r);
}
END_TEST

/* The model read back is the model written, in the fields the other
 * writers use: the same summary.md, junit.xml and index.html. */
START_TEST(read__gives_the_other_writers_the_same_report)
{
	static int (*const renders[])(const struct pg_check_report *, FILE *) = {
		pg_check_summary_render, pg_check_junit_render, pg_check_html_render,
	};
	struct pg_check_report r, back;
	char *json;
	size_t n;

	fx_report(&r, 1, "https://ci.example/run/1");
	/* Invalid UTF-8 is replaced in result.json: leave it out here. */
	for (size_t i = 0; i < r.benches[0].nmetrics; i++) {
		struct pg_check_metric *m = &r.benches[0].metrics[i];

		if (m->function && strchr(m->function, '\xff')) {
			free(m->function);
			m->function = fx_strdup("bad utf8 made good");
		}
	}
	for (size_t i = 0; i < r.benches[0].nfunctions; i++) {
		if (strchr(r.benches[0].functions[i].name, '\xff')) {
			free(r.benches[0].functions[i].name);
			r.benches[0].functions[i].name = fx_strdup("bad utf8 made good");
		}
		if (strchr(r.benches[0].stacks[i].stack, '\xff')) {
			free(r.benches[0].stacks[i].stack);
			r.benches[0].stacks[i].stack = fx_strdup("prog;main;good");
		}
	}
	json = fx_render(pg_check_json_render, &r, &n);
	ck_assert_int_eq(pg_check_json_parse(&back, json, n, NAME), 0);
	ck_assert_ptr_null(back.report_url);
	ck_assert_ptr_null(back.out_dir);
	back.report_url = fx_strdup(r.report_url);
	back.out_dir = fx_strdup(r.out_dir);
	ck_assert_int_eq(back.verdict, r.verdict);
	ck_assert_int_eq(back.exit_code, r.exit_code);
	for (size_t i = 0; i < sizeof renders / sizeof renders[0]; i++) {
		char *a = fx_render(renders[i], &r, NULL), *b = fx_render(renders[i], &back, NULL);

		ck_assert_msg(!strcmp(a, b), "writer %zu renders the report read back differently", i);
		free(a);
		free(b);
	}
	free(json);
	pg_check_report_release(&r);
	pg_check_report_release(&back);
}
END_TEST

START_TEST(read__from_a_file_and_a_missing_one)
{
	struct pg_check_report r, back;
	char dir[] = "/tmp/pg-check-json-read.XXXXXX", *path = NULL, *json;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&path, "%s/result.json", dir), 0);
	fx_report(&r, 1, NULL);
	ck_assert_int_eq(pg_check_json_write(&r, path), 0);
	ck_assert_int_eq(pg_check_json_read(&back, path), 0);
	ck_assert_uint_eq(back.nbenches, 4);
	ck_assert_str_eq(back.benches[3].name, "broken");
	ck_assert_int_eq(back.benches[3].verdict, PG_VERDICT_ERROR);
	ck_assert_str_eq(back.head, r.head);
	json = fx_render(pg_check_json_render, &back, &n);
	free(json);
	pg_check_report_release(&back);
	unlink(path);
	ck_assert_int_lt(pg_check_json_read(&back, path), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), path));
	ck_assert_uint_eq(back.nbenches, 0);
	pg_check_report_release(&back);
	rmdir(dir);
	free(path);
	pg_check_report_release(&r);
}
END_TEST

/* Refused, with a message that names the file and says what. */
static void assert_refused(const char *text, size_t len, const char *needle)
{
	struct pg_check_report back;
	int rc = pg_check_json_parse(&back, text, len, NAME);
	const char *msg = pg_error_last();

	ck_assert_msg(rc < 0, "accepted a broken result.json (expected '%s'):\n%.600s", needle, text);
	ck_assert_int_eq(rc, PG_EINVALID);
	ck_assert_msg(!strncmp(msg, "'" NAME "': ", strlen(NAME) + 4), "the message does not start with the file: %s",
		      msg);
	ck_assert_msg(strstr(msg, needle), "the message '%s' does not say '%s'", msg, needle);
	ck_assert_msg(!strchr(msg, '\n'), "the message is more than one line: %s", msg);
	/* nothing left behind: released, and safe to release again */
	ck_assert_uint_eq(back.nbenches, 0);
	ck_assert_ptr_null(back.benches);
	ck_assert_ptr_null(back.head);
	pg_check_report_release(&back);
}

START_TEST(read__refuses_what_is_not_a_check_result)
{
	static const struct {
		const char *text, *needle;
	} cases[] = {
		{ "", "not valid JSON" },
		{ "{", "not valid JSON" },
		{ "{\"schema\": \"profgate.check/1\",", "not valid JSON" },
		{ "\xff\xfe{}", "not valid JSON" },
		{ "null", "not a JSON object" },
		{ "[]", "not a JSON object" },
		{ "\"profgate.check/1\"", "not a JSON object" },
		{ "{}", "schema: missing" },
		{ "{\"schema\": 1}", "schema: expected a string, got a number" },
		{ "{\"schema\": \"profgate.profile/1\"}", "schema: expected \"profgate.check/1\"" },
		{ "{\"schema\": \"profgate.check/2\"}", "got 'profgate.check/2'" },
		{ "{\"schema\": \"profgate.check/1\"}", "profgate_version: missing" },
		{ "{\"schema\": \"profgate.check/1\", \"profgate_version\": null, \"verdict\": \"passed\", "
		  "\"exit_code\": NaN}", "not valid JSON" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_refused(cases[i].text, strlen(cases[i].text), cases[i].needle);
}
END_TEST

START_TEST(read__refuses_deep_nesting_without_crashing)
{
	size_t depth = 100000;
	char *text = malloc(2 * depth + 64);
	size_t n = 0;

	ck_assert_ptr_nonnull(text);
	n += (size_t)sprintf(text, "{\"schema\": \"profgate.check/1\", \"note\": ");
	for (size_t i = 0; i < depth; i++)
		text[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		text[n++] = ']';
	text[n++] = '}';
	assert_refused(text, n, "not valid JSON");
	free(text);
}
END_TEST

/* The item at a path like "benchmarks/0/metrics/2/unit" of root, and its parent. */
static cJSON *at_path(cJSON *root, const char *path, cJSON **parent, const char **key)
{
	char *copy = fx_strdup(path), *save = NULL;
	cJSON *o = root, *up = NULL;
	static char last[64];

	for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		up = o;
		snprintf(last, sizeof last, "%s", part);
		o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(part)) : cJSON_GetObjectItemCaseSensitive(o, part);
		ck_assert_msg(o != NULL, "the fixture has no '%s'", path);
	}
	free(copy);
	*parent = up;
	*key = last;
	return o;
}

/* The fixture's result.json with the item at path removed (value NULL)
 * or replaced by the JSON value. */
static char *mutated(const char *path, const char *value)
{
	struct pg_check_report r;
	cJSON *root, *parent;
	const char *key;
	char *text;

	fx_report(&r, 1, NULL);
	text = fx_render(pg_check_json_render, &r, NULL);
	pg_check_report_release(&r);
	root = cJSON_Parse(text);
	ck_assert_ptr_nonnull(root);
	free(text);
	at_path(root, path, &parent, &key);
	if (!value) {
		if (cJSON_IsArray(parent))
			cJSON_DeleteItemFromArray(parent, atoi(key));
		else
			cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	} else {
		cJSON *v = cJSON_Parse(value);

		ck_assert_msg(v != NULL, "bad test value %s", value);
		if (cJSON_IsArray(parent))
			ck_assert(cJSON_ReplaceItemInArray(parent, atoi(key), v));
		else
			ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v));
	}
	text = cJSON_PrintUnformatted(root);
	ck_assert_ptr_nonnull(text);
	cJSON_Delete(root);
	/* cJSON prints an infinite number as null, and escapes nothing it
	 * could not read: write "1e999" and invalid UTF-8 in as text. */
	for (char *p; (p = strstr(text, "\"@1e999@\"")) != NULL;)
		memcpy(p, "  1e999  ", 9);
	for (char *p; (p = strstr(text, "@bad-utf8@")) != NULL;)
		memcpy(p, "ab\xff\xfe\xc0\xaf" "cdef", 10);
	return text;
}

/* "metrics/3/unit" -> "metrics[3].unit" */
static void dotted(char *out, size_t size, const char *path)
{
	size_t n = 0;

	for (const char *p = path; *p && n + 16 < size;) {
		size_t len = strcspn(p, "/");

		if (p[0] >= '0' && p[0] <= '9')
			n += (size_t)snprintf(out + n, size - n, "[%.*s]", (int)len, p);
		else
			n += (size_t)snprintf(out + n, size - n, "%s%.*s", n ? "." : "", (int)len, p);
		p += len + (p[len] == '/');
	}
	out[n] = '\0';
}

/* Every key the writer writes, missing: refused, naming the key. */
START_TEST(read__refuses_every_missing_key)
{
	static const char *const paths[] = {
		"profgate_version", "verdict", "exit_code", "head", "dirty", "baseline", "baseline/status",
		"baseline/message", "baseline/base_rev", "baseline/base_commit", "baseline/commit",
		"baseline/distance", "baseline/recorded_at", "baseline/source", "note", "shard", "statistics",
		"statistics/test", "statistics/alpha", "statistics/threshold_on", "counts", "counts/unchanged",
		"counts/improved", "counts/inconclusive", "counts/regressed", "counts/error", "benchmarks",
		"benchmarks/0/name", "benchmarks/0/verdict", "benchmarks/0/message", "benchmarks/0/runs",
		"benchmarks/0/runs/baseline", "benchmarks/0/runs/current", "benchmarks/0/runs/baseline_memory",
		"benchmarks/0/runs/current_memory", "benchmarks/0/metrics", "benchmarks/0/metrics/3/metric",
		"benchmarks/0/metrics/3/function", "benchmarks/0/metrics/3/unit", "benchmarks/0/metrics/3/verdict",
		"benchmarks/0/metrics/3/baseline", "benchmarks/0/metrics/3/current", "benchmarks/0/metrics/3/change",
		"benchmarks/0/metrics/3/ratio", "benchmarks/0/metrics/3/threshold", "benchmarks/0/metrics/3/exact",
		"benchmarks/0/metrics/3/p_value", "benchmarks/0/metrics/3/baseline_runs",
		"benchmarks/0/metrics/3/current_runs", "benchmarks/0/metrics/3/repeats_needed",
		"benchmarks/0/metrics/3/note", "benchmarks/0/functions", "benchmarks/0/functions/1/name",
		"benchmarks/0/functions/1/self_seconds_baseline", "benchmarks/0/functions/1/self_seconds_current",
		"benchmarks/0/functions/1/share_baseline", "benchmarks/0/functions/1/share_current",
		"benchmarks/0/memory_stacks", "benchmarks/0/memory_stacks/2/stack",
		"benchmarks/0/memory_stacks/2/baseline_bytes", "benchmarks/0/memory_stacks/2/current_bytes",
		"benchmarks/0/machine", "benchmarks/0/machine/idle", "benchmarks/0/machine/others",
		"benchmarks/0/files", "benchmarks/0/files/diff_cpu", "benchmarks/0/files/diff_mem",
		"benchmarks/0/files/profile",
	};

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		char *text = mutated(paths[i], NULL), needle[160];
		const char *rest = paths[i];

		/* Within a benchmark the message names it first: "benchmarks[0] ("parse-large")". */
		if (!strncmp(rest, "benchmarks/0/", 13)) {
			assert_refused(text, strlen(text), "benchmarks[0]");
			rest += 13;
		}
		/* "metrics/3/unit" -> "metrics[3].unit: missing" */
		dotted(needle, sizeof needle, rest);
		strncat(needle, ": missing", sizeof needle - strlen(needle) - 1);
		assert_refused(text, strlen(text), needle);
		free(text);
	}
}
END_TEST

/* Values of the wrong type or out of range: refused, naming the key and why. */
START_TEST(read__refuses_wrong_types_and_ranges)
{
	static const struct {
		const char *path, *value, *needle;
	} cases[] = {
		{ "profgate_version", "1", "profgate_version: expected a string or null, got a number" },
		{ "verdict", "\"fine\"", "verdict: unknown verdict 'fine'" },
		{ "verdict", "null", "verdict: expected a string, got null" },
		{ "exit_code", "1", "exit_code: 1 does not go with the verdict 'error' (2)" },
		{ "exit_code", "2.5", "exit_code: expected a whole number from 0 to 3, got 2.5" },
		{ "exit_code", "125", "exit_code: expected a whole number from 0 to 3, got 125" },
		{ "exit_code", "\"2\"", "exit_code: expected a number, got a string" },
		{ "exit_code", "\"@1e999@\"", "exit_code: expected a finite number" },
		{ "head", "[]", "head: expected a string or null, got an array" },
		{ "dirty", "0", "dirty: expected true or false, got a number" },
		{ "baseline", "[]", "baseline: expected an object, got an array" },
		{ "baseline/status", "true", "baseline.status: expected a string or null, got a boolean" },
		{ "baseline/distance", "-1", "baseline.distance: expected a whole number from 0 to 4294967295, got -1" },
		{ "baseline/distance", "4294967296", "baseline.distance: expected a whole number" },
		{ "baseline/distance", "null", "baseline.distance: expected a number, got null" },
		{ "note", "{}", "note: expected a string or null, got an object" },
		{ "shard", "[1, 2]", "shard: expected an object or null, got an array" },
		{ "shard", "{\"index\": 3, \"count\": 2}", "shard.index: expected a whole number from 1 to 2, got 3" },
		{ "shard", "{\"index\": 0, \"count\": 2}", "shard.index: expected a whole number from 1 to 2, got 0" },
		{ "shard", "{\"index\": 1, \"count\": 0}", "shard.count: expected a whole number from 1 to 100000" },
		{ "shard", "{\"index\": 1}", "shard.count: missing" },
		{ "statistics/test", "\"t-test\"", "statistics.test: expected \"mann-whitney-u\", got 't-test'" },
		{ "statistics/threshold_on", "\"mean\"", "statistics.threshold_on: expected \"median\"" },
		{ "statistics/alpha", "\"0.05\"", "statistics.alpha: expected a number or null, got a string" },
		{ "counts/regressed", "-1", "counts.regressed: expected a whole number" },
		{ "counts/error", "1e300", "counts.error: expected a whole number from 0 to 9007199254740992" },
		{ "counts/unchanged", "0.5", "counts.unchanged: expected a whole number" },
		{ "benchmarks", "{}", "benchmarks: expected an array, got an object" },
		{ "benchmarks/1", "\"idle\"", "benchmarks[1]: expected an object, got a string" },
		{ "benchmarks/1/name", "null", "benchmarks[1].name: expected a string, got null" },
		{ "benchmarks/1/verdict", "\"passed\"", "benchmarks[1] (\"idle\").verdict: unknown verdict 'passed'" },
		{ "benchmarks/1/runs/current", "-3", "benchmarks[1] (\"idle\").runs.current: expected a whole number" },
		{ "benchmarks/1/runs/baseline", "null", "runs.baseline: expected a number, got null" },
		{ "benchmarks/1/metrics", "null", "benchmarks[1] (\"idle\").metrics: expected an array, got null" },
		{ "benchmarks/1/metrics/0", "[]", "metrics[0]: expected an object, got an array" },
		{ "benchmarks/1/metrics/0/metric", "null", "metrics[0].metric: expected a string, got null" },
		{ "benchmarks/1/metrics/0/unit", "\"furlongs\"", "metrics[0].unit: unknown unit 'furlongs'" },
		{ "benchmarks/1/metrics/0/verdict", "3", "metrics[0].verdict: expected a string, got a number" },
		{ "benchmarks/1/metrics/0/baseline", "\"1.2\"", "metrics[0].baseline: expected a number or null" },
		{ "benchmarks/1/metrics/0/current", "\"@1e999@\"", "metrics[0].current: expected a finite number" },
		{ "benchmarks/1/metrics/0/threshold", "null", "metrics[0].threshold: expected a string, got null" },
		{ "benchmarks/1/metrics/0/threshold", "\"0123456789012345678901234567890123\"",
		  "metrics[0].threshold: longer than 31 bytes" },
		{ "benchmarks/1/metrics/0/exact", "\"yes\"", "metrics[0].exact: expected true or false, got a string" },
		{ "benchmarks/1/metrics/0/p_value", "false", "metrics[0].p_value: expected a number or null" },
		{ "benchmarks/1/metrics/0/baseline_runs", "{}", "metrics[0].baseline_runs: expected an array or null" },
		{ "benchmarks/1/metrics/0/current_runs", "[1, 2, \"3\"]",
		  "metrics[0].current_runs[2]: expected a number or null, got a string" },
		{ "benchmarks/1/metrics/0/current_runs", "[1, 5e300]",
		  "metrics[0].current_runs[1]: expected a number of magnitude at most 1e+300" },
		{ "benchmarks/1/metrics/0/ratio", "-1e301", "metrics[0].ratio: expected a number of magnitude at most" },
		{ "benchmarks/1/message", "\"@bad-utf8@\"", "benchmarks[1] (\"idle\").message: not valid UTF-8" },
		{ "benchmarks/1/metrics/0/threshold", "\"@bad-utf8@\"", "metrics[0].threshold: not valid UTF-8" },
		{ "verdict", "\"@bad-utf8@\"", "verdict: not valid UTF-8" },
		{ "benchmarks/1/metrics/0/current_runs", "[1, \"@1e999@\"]", "metrics[0].current_runs[1]: expected a finite number" },
		{ "benchmarks/1/metrics/0/repeats_needed", "0", "metrics[0].repeats_needed: expected a whole number from 1" },
		{ "benchmarks/1/metrics/0/repeats_needed", "4294967296", "metrics[0].repeats_needed: expected a whole number" },
		{ "benchmarks/1/metrics/0/repeats_needed", "2.5", "metrics[0].repeats_needed: expected a whole number" },
		{ "benchmarks/1/metrics/0/note", "7", "metrics[0].note: expected a string or null" },
		{ "benchmarks/0/functions/0", "null", "functions[0]: expected an object, got null" },
		{ "benchmarks/0/functions/0/name", "1", "functions[0].name: expected a string, got a number" },
		{ "benchmarks/0/functions/0/share_current", "\"x\"", "functions[0].share_current: expected a number" },
		{ "benchmarks/0/functions/2/name", "null", "functions[2].name: expected a string, got null" },
		{ "benchmarks/0/memory_stacks/1/stack", "null", "memory_stacks[1].stack: expected a string, got null" },
		{ "benchmarks/0/memory_stacks/0", "1", "memory_stacks[0]: expected an object, got a number" },
		{ "benchmarks/0/memory_stacks/0/stack", "[]", "memory_stacks[0].stack: expected a string, got an array" },
		{ "benchmarks/0/memory_stacks/0/current_bytes", "true", "memory_stacks[0].current_bytes: expected a number" },
		{ "benchmarks/1/machine", "0.5", "benchmarks[1] (\"idle\").machine: expected an object or null" },
		{ "benchmarks/1/machine/idle", "null", "machine.idle: expected a number, got null" },
		{ "benchmarks/1/machine/others", "\"busy\"", "machine.others: expected a number or null" },
		{ "benchmarks/1/files", "null", "benchmarks[1] (\"idle\").files: expected an object, got null" },
		{ "benchmarks/1/files/profile", "1", "files.profile: expected a string or null, got a number" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = mutated(cases[i].path, cases[i].value);

		assert_refused(text, strlen(text), cases[i].needle);
		free(text);
	}
}
END_TEST

/* No baseline found: a distance would not render back, and is refused. */
START_TEST(read__refuses_a_distance_without_a_baseline)
{
	struct pg_check_report r;
	char *text;
	size_t n;
	cJSON *root;

	fx_report(&r, 0, NULL);
	text = fx_render(pg_check_json_render, &r, &n);
	pg_check_report_release(&r);
	root = cJSON_Parse(text);
	free(text);
	ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItem(root, "baseline"), "distance",
							cJSON_CreateNumber(3)));
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	assert_refused(text, strlen(text), "baseline.distance: expected null (the status is not \"found\")");
	free(text);
}
END_TEST

/* Keys it does not know are a later profgate's business: ignored. */
START_TEST(read__ignores_unknown_keys)
{
	char *text = mutated("benchmarks/0/files", "{\"diff_cpu\": null, \"diff_mem\": null, \"profile\": "
				    "\"parse-large/report.html\", \"flame\": \"x.svg\"}");
	struct pg_check_report back;

	ck_assert_int_eq(pg_check_json_parse(&back, text, strlen(text), NAME), 0);
	ck_assert_ptr_null(back.benches[0].diff_cpu);
	ck_assert_str_eq(back.benches[0].profile, "parse-large/report.html");
	pg_check_report_release(&back);
	free(text);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("check_json_read");
	TCase *t = tcase_create("round_trip");

	tcase_add_test(t, read__round_trip_of_the_fixture);
	tcase_add_test(t, read__round_trip_without_baseline_and_sharded);
	tcase_add_test(t, read__round_trip_of_odd_values);
	tcase_add_test(t, read__round_trip_of_an_empty_passed_report);
	tcase_add_test(t, read__gives_the_other_writers_the_same_report);
	tcase_add_test(t, read__from_a_file_and_a_missing_one);
	tcase_set_timeout(t, 30);
	suite_add_tcase(s, t);
	t = tcase_create("hostile");
	tcase_add_test(t, read__refuses_what_is_not_a_check_result);
	tcase_add_test(t, read__refuses_deep_nesting_without_crashing);
	tcase_add_test(t, read__refuses_every_missing_key);
	tcase_add_test(t, read__refuses_wrong_types_and_ranges);
	tcase_add_test(t, read__refuses_a_distance_without_a_baseline);
	tcase_add_test(t, read__ignores_unknown_keys);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
