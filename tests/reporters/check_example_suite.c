/*
 * The example suite's check, end to end on recorded baselines: two
 * baselines that `profgate record` wrote of examples/profgate.json (base,
 * and head with EXAMPLE_SLOW=1) go through the gate and the four writers,
 * and what comes out must equal tests/fixtures/expected/example_suite.*
 * byte for byte. A restructuring of the engine must leave these files as
 * they are; an intended change rewrites them (PG_UPDATE_EXPECTED=1) and
 * shows up in review. The baselines must also serialize back to the same
 * JSON document they were read from: the same keys and values (since the
 * metric registry writes a run's metrics first, "samples" may come later in
 * a run than in these files, which earlier versions wrote).
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "baseline.h"
#include "check_writers.h"
#include "config.h"
#include "error.h"
#include "fixture.h"
#include "gate.h"
#include "run.h"
#include "verdict.h"

#define SUITE PG_FIXTURES "/example_suite"


/* The report check would make of head against base, with fixed header
 * fields (the version and paths are not what is being compared). */
static void make_report(struct pg_check_report *r, struct pg_baseline *base, struct pg_baseline *head)
{
	struct pg_config cfg;
	struct pg_gate_opts o = { .alpha = PG_VERDICT_ALPHA, .is_allocator = pg_run_is_allocator_frame,
				  .machine_idle = NAN, .machine_others = NAN };

	ck_assert_msg(pg_config_load(&cfg, SUITE "/profgate.json") == 0, "%s", pg_error_last());
	memset(r, 0, sizeof *r);
	r->version = strdup("0.1.0");
	r->head = strdup(head->commit);
	r->base_rev = strdup("origin/main");
	r->base_commit = strdup(base->commit);
	r->lookup_status = strdup("found");
	r->baseline_commit = strdup(base->commit);
	r->baseline_recorded_at = strdup(base->recorded_at);
	r->baseline_source = strdup("example_suite/base.json");
	r->alpha = PG_VERDICT_ALPHA;
	r->out_dir = strdup("profgate-report");
	r->benches = calloc(cfg.nbenches, sizeof *r->benches);
	ck_assert_ptr_nonnull(r->benches);
	for (size_t i = 0; i < cfg.nbenches; i++) {
		const struct pg_bench_config *bc = &cfg.benches[i];

		ck_assert_msg(pg_gate_compare(&r->benches[i], pg_baseline_find(base, bc->name), pg_baseline_find(head, bc->name),
					      bc->name, bc->thresholds, NULL, &o) == 0, "%s", pg_error_last());
		r->nbenches++;
	}
	pg_gate_tally(r, 1);
	pg_config_release(&cfg);
}

START_TEST(test_writers_are_unchanged)
{
	struct pg_baseline *base = fixture_baseline(SUITE "/base.json"), *head = fixture_baseline(SUITE "/head.json");
	struct pg_check_report r;
	static const struct {
		const char *name;
		int (*render)(const struct pg_check_report *, FILE *);
	} files[] = {
		{ "example_suite.result.json", pg_check_json_render },
		{ "example_suite.summary.md", pg_check_summary_render },
		{ "example_suite.junit.xml", pg_check_junit_render },
		{ "example_suite.index.html", pg_check_html_render },
	};

	make_report(&r, base, head);
	/* What the fixture is about: the slowed-down parse regressed. */
	ck_assert_int_eq(r.exit_code, 1);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct fixture_out out;

		ck_assert_int_eq(files[i].render(&r, fixture_open(&out)), 0);
		fixture_close(&out);
		fixture_expect(files[i].name, out.text, out.len);
		free(out.text);
	}
	pg_check_report_release(&r);
	pg_baseline_free(base);
	pg_baseline_free(head);
}
END_TEST

START_TEST(test_baselines_serialize_to_their_own_document)
{
	static const char *const names[] = { "base.json", "head.json" };

	for (size_t i = 0; i < 2; i++) {
		char *path = NULL, *want = NULL, *got = NULL;
		size_t want_len = 0, got_len = 0;

		ck_assert_int_ge(asprintf(&path, "%s/%s", SUITE, names[i]), 0);
		struct pg_baseline *b = fixture_baseline(path);
		ck_assert_msg(pg_read_file(&want, &want_len, path) == 0, "%s", pg_error_last());
		ck_assert_msg(pg_baseline_serialize(&got, &got_len, b) == 0, "%s", pg_error_last());
		cJSON *a = cJSON_ParseWithLength(want, want_len), *c = cJSON_ParseWithLength(got, got_len);

		ck_assert(a && c);
		ck_assert_msg(cJSON_Compare(a, c, 1), "%s serializes to another document", path);
		cJSON_Delete(a);
		cJSON_Delete(c);
		free(path);
		free(want);
		free(got);
		pg_baseline_free(b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("example_suite");
	TCase *tc = tcase_create("example_suite");

	tcase_add_test(tc, test_writers_are_unchanged);
	tcase_add_test(tc, test_baselines_serialize_to_their_own_document);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
