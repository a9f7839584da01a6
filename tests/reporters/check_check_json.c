/*
 * Tests of reporters/check_json.c, result.json: schema, verdicts, exit
 * status, the baseline, every metric with its runs, unknown values as null
 * (never NaN, which JSON has not), and hostile names that any JSON parser
 * reads back (invalid UTF-8 replaced, control characters escaped).
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "check_writers.h"
#include "check_report_fixture.h"
#include "fixture.h"

static cJSON *get(const cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	ck_assert_msg(v != NULL, "no key '%s'", key);
	return v;
}

static cJSON *bench(const cJSON *root, const char *name)
{
	const cJSON *b;

	cJSON_ArrayForEach(b, get(root, "benchmarks"))
		if (!strcmp(get(b, "name")->valuestring, name))
			return (cJSON *)b;
	ck_abort_msg("no benchmark '%s'", name);
	return NULL;
}

START_TEST(json__everything_machine_readable)
{
	struct pg_check_report r;
	char *text;
	cJSON *root, *b, *m, *base;

	fx_report(&r, 1, NULL);
	text = fx_render(pg_check_json_render, &r, NULL);
	ck_assert(fx_clean_utf8(text, 1));
	ck_assert_ptr_null(strstr(text, "nan"));
	root = cJSON_Parse(text);
	ck_assert_msg(root != NULL, "result.json does not parse:\n%.2000s", text);
	ck_assert_str_eq(get(root, "schema")->valuestring, "profgate.check/1");
	ck_assert_str_eq(get(root, "verdict")->valuestring, "error");
	ck_assert_int_eq(get(root, "exit_code")->valueint, 2);
	base = get(root, "baseline");
	ck_assert_str_eq(get(base, "status")->valuestring, "found");
	ck_assert_str_eq(get(base, "commit")->valuestring, "0123456789abcdef0123456789abcdef01234567");
	ck_assert_int_eq(get(base, "distance")->valueint, 2);
	ck_assert(cJSON_IsNull(get(base, "message")));
	ck_assert(cJSON_IsNull(get(root, "shard")));
	ck_assert_str_eq(get(get(root, "statistics"), "test")->valuestring, "mann-whitney-u");
	ck_assert_int_eq(get(get(root, "counts"), "regressed")->valueint, 1);
	ck_assert_int_eq(get(get(root, "counts"), "error")->valueint, 1);

	b = bench(root, "parse-large");
	ck_assert_str_eq(get(b, "verdict")->valuestring, "regressed");
	m = cJSON_GetArrayItem(get(b, "metrics"), 0);
	ck_assert_str_eq(get(m, "metric")->valuestring, "wall");
	ck_assert(cJSON_IsNull(get(m, "function")));
	ck_assert_str_eq(get(m, "unit")->valuestring, "seconds");
	ck_assert_double_eq_tol(get(m, "baseline")->valuedouble, 1.25, 1e-12);
	ck_assert_double_eq_tol(get(m, "ratio")->valuedouble, 1.2, 1e-12);
	ck_assert_int_eq(cJSON_GetArraySize(get(m, "current_runs")), 5);
	ck_assert_str_eq(get(m, "threshold")->valuestring, "10%");
	m = cJSON_GetArrayItem(get(b, "metrics"), 2);  /* peak_heap, exact */
	ck_assert(cJSON_IsTrue(get(m, "exact")));
	ck_assert(cJSON_IsNull(get(m, "p_value")));
	ck_assert_str_eq(get(get(b, "files"), "diff_cpu")->valuestring, "parse-large/diff-cpu.html");
	ck_assert_int_eq(cJSON_GetArraySize(get(b, "functions")), (int)HOSTILE_COUNT);
	ck_assert_int_eq(cJSON_GetArraySize(get(b, "memory_stacks")), (int)HOSTILE_COUNT);

	/* no baseline for it: the baseline values are null */
	m = cJSON_GetArrayItem(get(bench(root, "new-bench"), "metrics"), 0);
	ck_assert(cJSON_IsNull(get(m, "baseline")));
	ck_assert(cJSON_IsNull(get(m, "change")));
	ck_assert_str_eq(get(m, "verdict")->valuestring, "not-checked");
	ck_assert_str_eq(get(bench(root, "broken"), "message")->valuestring,
			 "the benchmark failed: run 2/5 exited with status 3");
	cJSON_Delete(root);
	free(text);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(json__hostile_names_read_back)
{
	struct pg_check_report r;
	char *text;
	cJSON *root, *metrics, *m;
	size_t k = 0;

	fx_report(&r, 1, NULL);
	text = fx_render(pg_check_json_render, &r, NULL);
	root = cJSON_Parse(text);
	ck_assert_ptr_nonnull(root);
	metrics = get(bench(root, "parse-large"), "metrics");
	cJSON_ArrayForEach(m, metrics) {
		const char *expect;

		if (strcmp(get(m, "metric")->valuestring, "function"))
			continue;
		expect = hostile_names[k++];
		if (strstr(expect, "\xff"))
			ck_assert_str_eq(get(m, "function")->valuestring, "bad \xef\xbf\xbd\xef\xbf\xbd utf8");
		else
			ck_assert_str_eq(get(m, "function")->valuestring, expect);
	}
	ck_assert_uint_eq(k, HOSTILE_COUNT);
	/* "</script>" inside JSON is harmless, but the control characters must be escaped */
	ck_assert_ptr_nonnull(strstr(text, "line\\nbreak\\u0001tab\\tend"));
	cJSON_Delete(root);
	free(text);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(json__no_baseline_and_shard)
{
	struct pg_check_report r;
	char *text;
	cJSON *root, *base;

	fx_report(&r, 0, NULL);
	r.shard_index = 2;
	r.shard_count = 3;
	text = fx_render(pg_check_json_render, &r, NULL);
	root = cJSON_Parse(text);
	ck_assert_ptr_nonnull(root);
	base = get(root, "baseline");
	ck_assert_str_eq(get(base, "status")->valuestring, "shallow");
	ck_assert_ptr_nonnull(strstr(get(base, "message")->valuestring, "git fetch --deepen=48"));
	ck_assert(cJSON_IsNull(get(base, "commit")));
	ck_assert(cJSON_IsNull(get(base, "distance")));
	ck_assert_int_eq(get(get(root, "shard"), "index")->valueint, 2);
	ck_assert_int_eq(get(get(root, "shard"), "count")->valueint, 3);
	cJSON_Delete(root);
	free(text);
	pg_check_report_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("check_json");
	TCase *t = tcase_create("content");

	tcase_add_test(t, json__everything_machine_readable);
	tcase_add_test(t, json__no_baseline_and_shard);
	suite_add_tcase(s, t);
	t = tcase_create("escaping");
	tcase_add_test(t, json__hostile_names_read_back);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
