/*
 * Tests of harness/gate_files.c on the example suite's recorded baselines
 * (tests/fixtures/example_suite): the files of a benchmark's folder in a
 * check report, their paths recorded in the report, a diff's weights, and a
 * stale diff of an earlier check removed when this one has none.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "baseline.h"
#include "error.h"
#include "fixture.h"
#include "folded.h"
#include "gate_files.h"
#include "profile.h"

#define SUITE PG_FIXTURES "/example_suite"


static struct pg_baseline_bench *parse_of(struct pg_baseline *b)
{
	struct pg_baseline_bench *bench = pg_baseline_find(b, "parse");

	ck_assert_msg(bench != NULL, "no benchmark 'parse'");
	return bench;
}

static int exists(const char *dir, const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return stat(path, &st) == 0 && st.st_size > 0;
}

START_TEST(test_a_compared_benchmark_gets_its_diffs_and_profile)
{
	struct pg_baseline *base = fixture_baseline(SUITE "/base.json"), *head = fixture_baseline(SUITE "/head.json");
	struct pg_check_bench b = { .name = strdup("parse") };
	struct pg_profile *cpu = NULL, *written = NULL;
	char path[512];

	ck_assert_msg(pg_gate_write_files(&b, parse_of(base), parse_of(head), fixture_tmpdir, "1257ac1404ff") == 0, "%s",
		      pg_error_last());
	ck_assert_str_eq(b.diff_cpu, "parse/diff-cpu.html");
	ck_assert_str_eq(b.diff_mem, "parse/diff-mem.html");
	ck_assert_str_eq(b.profile, "parse/report.html");
	ck_assert(exists(fixture_tmpdir, b.diff_cpu) && exists(fixture_tmpdir, b.diff_mem) && exists(fixture_tmpdir, b.profile));
	/* cpu.folded holds the current runs' merged samples, as recorded. */
	snprintf(path, sizeof path, "%s/parse/cpu.folded", fixture_tmpdir);
	ck_assert_int_eq(pg_profile_new(&written), 0);
	ck_assert_msg(pg_folded_read_file(written, path) == 0, "%s", pg_error_last());
	ck_assert_int_eq(pg_baseline_bench_profile(&cpu, parse_of(head), PG_BASELINE_CPU), 0);
	ck_assert_uint_eq(pg_profile_total(written), pg_profile_total(cpu));
	ck_assert(exists(fixture_tmpdir, "parse/mem-peak.folded"));
	pg_profile_free(written);
	pg_check_bench_release(&b);
	pg_baseline_free(base);
	pg_baseline_free(head);
}
END_TEST

START_TEST(test_without_a_baseline_only_the_profile_and_stale_diffs_go)
{
	struct pg_baseline *head = fixture_baseline(SUITE "/head.json");
	struct pg_check_bench b = { .name = strdup("parse") };
	char dir[512], stale[600];

	/* A diff of an earlier check is in the folder. */
	snprintf(dir, sizeof dir, "%s/parse", fixture_tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(stale, sizeof stale, "%s/diff-cpu.html", dir);
	ck_assert_int_eq(pg_write_file_atomic(stale, "old", 3), 0);
	ck_assert_msg(pg_gate_write_files(&b, NULL, parse_of(head), fixture_tmpdir, "") == 0, "%s", pg_error_last());
	ck_assert_ptr_null(b.diff_cpu);
	ck_assert_ptr_null(b.diff_mem);
	ck_assert_str_eq(b.profile, "parse/report.html");
	ck_assert_int_eq(access(stale, F_OK), -1);
	pg_check_bench_release(&b);
	pg_baseline_free(head);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gate_files");
	TCase *tc = tcase_create("gate_files");

	tcase_add_checked_fixture(tc, fixture_tmpdir_make, fixture_tmpdir_remove);
	tcase_add_test(tc, test_a_compared_benchmark_gets_its_diffs_and_profile);
	tcase_add_test(tc, test_without_a_baseline_only_the_profile_and_stale_diffs_go);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
