/*
 * Tests of harness/bench_runner.c with the real collector on the target
 * programs of tests/targets ($PG_TARGETS; the collector in
 * $PROFGATE_COLLECTOR): the runs asked for are made and kept, the CPU
 * profiles are merged with the hot functions and each run's share of them,
 * memory runs track allocations, and a run that exits non-zero, crashes,
 * times out or cannot start fails the benchmark with the reason and its
 * stderr.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "bench_runner.h"
#include "config.h"
#include "error.h"
#include "fixture.h"

static char work[256];

static void setup(void)
{
	ck_assert_msg(getenv("PG_TARGETS") && getenv("PROFGATE_COLLECTOR"),
		      "PG_TARGETS and PROFGATE_COLLECTOR must be set (run through ctest)");
	snprintf(work, sizeof work, "/tmp/check_bench_runner.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(work));
}

static void teardown(void)
{
	rmdir(work);  /* each run removes its own records: it must be empty */
}

/* A benchmark running target with its arguments (NULL-terminated). */
static struct pg_config config_for(const char *settings, const char *target, ...)
{
	struct pg_config c;
	char json[2048];
	va_list ap;
	int n;

	n = snprintf(json, sizeof json, "{\"benchmarks\": [{\"name\": \"t\", %s, \"run\": [\"%s/%s\"",
		     settings, getenv("PG_TARGETS"), target);
	va_start(ap, target);
	for (const char *a; (a = va_arg(ap, const char *));)
		n += snprintf(json + n, sizeof json - (size_t)n, ", \"%s\"", a);
	va_end(ap);
	snprintf(json + n, sizeof json - (size_t)n, "]}]}");
	ck_assert_msg(pg_config_parse(&c, json, strlen(json), "test.json", work) == 0, "%s", pg_error_last());
	return c;
}

START_TEST(bench_run__makes_the_runs_asked_for_and_merges_them)
{
	struct pg_config c = config_for("\"repeat\": 3, \"mem_repeat\": 2, \"warmup\": 1", "pg_exit_code", "0", NULL);
	struct pg_baseline_bench b = { 0 };
	struct pg_bench_outcome o;
	struct pg_profile *p = NULL;
	size_t k;

	b.name = strdup("t");
	ck_assert_msg(pg_bench_run(&b, &o, &c.benches[0], work, NULL) == 0, "%s", pg_error_last());
	ck_assert_msg(o.ok, "failed: %s", o.failure);
	ck_assert_uint_eq(b.nwarmup, 1);
	ck_assert_uint_eq(b.nruns, 3);
	ck_assert_uint_eq(b.nmem_runs, 2);
	ck_assert_uint_eq(b.repeat, 3);
	ck_assert_uint_eq(b.hz, 999);
	double sum = b.warmup_wall[0];

	for (k = 0; k < b.nruns; k++) {
		ck_assert(b.runs[k].values[PG_METRIC_WALL] > 0.03);
		ck_assert(b.runs[k].values[PG_METRIC_CPU] > 0.02);
		ck_assert_uint_gt(b.runs[k].samples, 5);
		sum += b.runs[k].values[PG_METRIC_WALL];
	}
	for (k = 0; k < b.nmem_runs; k++)
		sum += b.mem_runs[k].wall_seconds;
	ck_assert_double_eq_tol(o.runs_wall, sum, 1e-9);
	ck_assert(o.elapsed >= o.runs_wall);

	/* One CPU profile for all three runs, rooted at the program. */
	ck_assert(b.cpu.present);
	ck_assert_uint_eq(b.cpu.runs, 3);
	ck_assert_int_eq(pg_baseline_bench_profile(&p, &b, PG_BASELINE_CPU), 0);
	uint64_t samples = b.runs[0].samples + b.runs[1].samples + b.runs[2].samples;

	ck_assert_uint_eq(pg_profile_total(p), samples);
	ck_assert_str_eq(pg_profile_frame_name(p, pg_profile_stack(p, 0)->frames[0]), "pg_exit_code");

	/* exit_code_work is where the time goes; every run has its share. */
	for (k = 0; k < b.nhot && strcmp(b.hot[k].name, "exit_code_work"); k++)
		;
	ck_assert_msg(k < b.nhot, "exit_code_work is not among %zu hot functions", b.nhot);
	ck_assert(b.hot[k].self > 0.5);
	for (size_t r = 0; r < b.nruns; r++) {
		ck_assert_ptr_nonnull(b.runs[r].functions);
		ck_assert(b.runs[r].functions[k] > 0.5);
	}
	for (k = 0; k < b.nhot; k++)
		ck_assert_str_ne(b.hot[k].name, "pg_exit_code");  /* the root is not a function */

	/* Memory runs: measured by the tracker, or null, never made up. */
	for (k = 0; k < b.nmem_runs; k++) {
		ck_assert(b.mem_runs[k].values[PG_METRIC_PEAK_RSS] > 0);
		if (!isnan(b.mem_runs[k].values[PG_METRIC_PEAK_HEAP]))
			ck_assert(b.mem_peak.present);
	}
	pg_baseline_bench_release(&b);
	pg_bench_outcome_release(&o);
	pg_config_release(&c);
}
END_TEST

static void expect_failure(const char *settings, const char *target, const char *arg, const char *reason,
			   const char *in_stderr)
{
	struct pg_config c = config_for(settings, target, arg, NULL);
	struct pg_baseline_bench b = { 0 };
	struct pg_bench_outcome o;

	b.name = strdup("t");
	ck_assert_msg(pg_bench_run(&b, &o, &c.benches[0], work, NULL) == 0, "%s", pg_error_last());
	ck_assert_msg(!o.ok, "%s %s passed", target, arg ? arg : "");
	ck_assert_ptr_nonnull(o.failure);
	ck_assert_msg(strstr(o.failure, reason), "'%s' not in: %s", reason, o.failure);
	if (in_stderr) {
		ck_assert_ptr_nonnull(o.stderr_tail);
		ck_assert_msg(strstr(o.stderr_tail, in_stderr), "'%s' not in stderr: %s", in_stderr, o.stderr_tail);
	}
	pg_baseline_bench_release(&b);
	pg_bench_outcome_release(&o);
	pg_config_release(&c);
}

START_TEST(bench_run__a_non_zero_exit_fails_it_with_the_stderr)
{
	expect_failure("\"repeat\": 2, \"warmup\": 0", "pg_exit_code", "3", "run 1/2 exited with status 3", NULL);
	/* Without its argument it prints its usage and exits 2. */
	expect_failure("\"repeat\": 2, \"warmup\": 1", "pg_exit_code", NULL, "warmup 1/1 exited with status 2",
		       "usage: pg_exit_code N");
}
END_TEST

START_TEST(bench_run__a_crash_fails_it)
{
	expect_failure("\"repeat\": 1, \"warmup\": 0", "pg_crasher", NULL, "killed by signal 11", NULL);
}
END_TEST

START_TEST(bench_run__a_timeout_fails_it)
{
	expect_failure("\"repeat\": 1, \"warmup\": 0, \"timeout\": 0.5", "pg_spin_forever", NULL, "timed out", NULL);
}
END_TEST

START_TEST(bench_run__a_program_that_is_not_there_fails_it)
{
	expect_failure("\"repeat\": 1, \"warmup\": 0", "no-such-program", NULL, "run 1/1", NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bench_runner");
	TCase *ok = tcase_create("runs");
	TCase *fail = tcase_create("failures");

	tcase_add_checked_fixture(ok, setup, teardown);
	tcase_add_checked_fixture(fail, setup, teardown);
	tcase_add_test(ok, bench_run__makes_the_runs_asked_for_and_merges_them);
	tcase_add_test(fail, bench_run__a_non_zero_exit_fails_it_with_the_stderr);
	tcase_add_test(fail, bench_run__a_crash_fails_it);
	tcase_add_test(fail, bench_run__a_timeout_fails_it);
	tcase_add_test(fail, bench_run__a_program_that_is_not_there_fails_it);
	tcase_set_timeout(ok, 120);
	tcase_set_timeout(fail, 120);
	suite_add_tcase(s, ok);
	suite_add_tcase(s, fail);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
