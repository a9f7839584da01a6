/*
 * Tests of reporters/check_summary.c, summary.md: the verdict comes first
 * in one line; a section per benchmark that needs a look, with its table,
 * the functions and stacks that grew and links under --report-url; the
 * unchanged benchmarks folded into <details>; hostile names stay literal
 * text inside code spans and never break a table; and the comment stays
 * under GitHub's 65,536-character limit for a suite of 500 benchmarks.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_writers.h"
#include "check_report_fixture.h"
#include "fixture.h"

/* The text with every code span (CommonMark: a run of n backticks up to
 * the next run of exactly n) replaced by "C", so that what remains is what
 * Markdown interprets. */
static char *strip_code_spans(const char *s)
{
	size_t n = strlen(s), out = 0;
	char *r = malloc(n + 1);

	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < n;) {
		if (s[i] != '`') {
			r[out++] = s[i++];
			continue;
		}
		size_t run = 0, j;

		while (i + run < n && s[i + run] == '`')
			run++;
		for (j = i + run; j < n;) {
			size_t k = 0;

			while (j + k < n && s[j + k] == '`')
				k++;
			if (k == run)
				break;
			j += k ? k : 1;
		}
		if (j >= n) {  /* no closing run: literal backticks */
			for (size_t k = 0; k < run; k++)
				r[out++] = '`';
			i += run;
			continue;
		}
		r[out++] = 'C';
		i = j + run;
	}
	r[out] = '\0';
	return r;
}

static size_t unescaped_pipes(const char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
	return n;
}

/* Every row of every table has as many cells as its header. */
static void assert_tables_intact(const char *md)
{
	size_t header = 0;

	for (const char *line = md; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 0 && line[0] == '|') {
			size_t pipes = unescaped_pipes(line, len);

			if (header == 0)
				header = pipes;
			ck_assert_msg(pipes == header, "a table row has %zu cells instead of %zu: %.*s", pipes,
				      header, (int)len, line);
		} else {
			header = 0;
		}
		line += len + (end != NULL);
	}
}

START_TEST(summary__verdict_first_then_sections_and_links)
{
	struct pg_check_report r;
	char *md;

	fx_report(&r, 1, "https://ci.example/runs/7 (x)/");
	md = fx_render(pg_check_summary_render, &r, NULL);
	ck_assert_msg(!strncmp(md, "## ", 3), "%.200s", md);
	const char *nl = strchr(md, '\n');

	ck_assert_ptr_nonnull(nl);
	/* the first line says it all: error, what regressed, where */
	ck_assert_msg(memmem(md, (size_t)(nl - md), "error", 5), "%.*s", (int)(nl - md), md);
	ck_assert_msg(memmem(md, (size_t)(nl - md), "broken", 6), "%.*s", (int)(nl - md), md);
	ck_assert_msg(memmem(md, (size_t)(nl - md), "1 regressed", 11), "%.*s", (int)(nl - md), md);
	/* baseline and distance */
	ck_assert_ptr_nonnull(strstr(md, "`0123456789ab`"));
	ck_assert_ptr_nonnull(strstr(md, "2 commits before the merge-base"));
	/* the regressed benchmark's table, functions, stacks and links */
	ck_assert_ptr_nonnull(strstr(md, "### \xe2\x9d\x8c `parse-large`: regressed"));
	ck_assert_ptr_nonnull(strstr(md, "| wall time | 1.25 s | 1.50 s | +20.0% | 10% | **regressed**"));
	ck_assert_ptr_nonnull(strstr(md, "**Top regressed functions**"));
	ck_assert_ptr_nonnull(strstr(md, "**Peak heap grew most in**"));
	ck_assert_ptr_nonnull(strstr(md, "about 12 runs each would decide"));
	/* eleven functions failed each gate: ten rows of each, then a count */
	ck_assert_ptr_nonnull(strstr(md, "_and 2 more functions with that verdict: see result.json._"));
	ck_assert_ptr_nonnull(strstr(md, "[CPU diff](https://ci.example/runs/7%20%28x%29/parse-large/diff-cpu.html)"));
	ck_assert_ptr_nonnull(strstr(md, "[memory diff](https://ci.example/runs/7%20%28x%29/parse-large/diff-mem.html)"));
	ck_assert_ptr_nonnull(strstr(md, "the benchmark failed: run 2/5 exited with status 3"));
	/* the unchanged one is folded */
	const char *details = strstr(md, "<details>");

	ck_assert_ptr_nonnull(details);
	ck_assert_ptr_nonnull(strstr(details, "| `idle` | unchanged |"));
	ck_assert_ptr_null(strstr(md, "### \xe2\x9c\x85 `idle`"));
	assert_tables_intact(md);
	ck_assert(fx_clean_utf8(md, 0));
	free(md);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(summary__hostile_names_stay_literal_code)
{
	struct pg_check_report r;
	char *md, *outside;

	fx_report(&r, 1, NULL);
	md = fx_render(pg_check_summary_render, &r, NULL);
	outside = strip_code_spans(md);
	/* outside code spans: no markup or mention from any name */
	ck_assert_msg(!strstr(outside, "<script"), "%s", outside);
	ck_assert_msg(!strstr(outside, "@octocat"), "%s", outside);
	ck_assert_msg(!strstr(outside, "javascript:"), "%s", outside);
	ck_assert_msg(!strstr(outside, "**bold**"), "%s", outside);
	ck_assert_msg(!strstr(outside, "http://evil"), "%s", outside);
	ck_assert_msg(!strstr(outside, "$x^2$"), "%s", outside);
	ck_assert_msg(!strstr(outside, "<b>"), "%s", outside);
	/* inside them, the names as they are (pipes escaped in tables) */
	ck_assert_ptr_nonnull(strstr(md, "`<script>alert(1)</script>`"));
	ck_assert_ptr_nonnull(strstr(md, "```a\\|b`c``d```"));
	ck_assert_ptr_nonnull(strstr(md, "`` ` ``"));
	ck_assert_ptr_nonnull(strstr(md, "`std::vector<int>::push_back(int const&)`"));
	/* a control character or a newline cannot end a row */
	ck_assert_ptr_nonnull(strstr(md, "`line\xef\xbf\xbd" "break\xef\xbf\xbd" "tab\xef\xbf\xbd" "end`"));
	ck_assert_ptr_nonnull(strstr(md, "`bad \xef\xbf\xbd\xef\xbf\xbd utf8`"));
	assert_tables_intact(md);
	ck_assert(fx_clean_utf8(md, 0));
	/* without --report-url, paths as code */
	ck_assert_ptr_nonnull(strstr(md, "CPU diff: `profgate-report/parse-large/diff-cpu.html`"));
	free(outside);
	free(md);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(summary__no_baseline_says_how_to_fix_it)
{
	struct pg_check_report r;
	char *md;

	fx_report(&r, 0, NULL);
	r.verdict = PG_VERDICT_INCONCLUSIVE;
	r.benches[3].verdict = PG_VERDICT_INCONCLUSIVE;  /* no error this time */
	memset(r.counts, 0, sizeof r.counts);
	r.counts[PG_VERDICT_INCONCLUSIVE] = 4;
	md = fx_render(pg_check_summary_render, &r, NULL);
	ck_assert_msg(!strncmp(md, "## \xe2\x9a\xa0\xef\xb8\x8f profgate: **inconclusive**: no baseline", 45), "%.200s", md);
	ck_assert_ptr_nonnull(strstr(md, "history too shallow: fetch 48 more commits"));
	ck_assert_ptr_nonnull(strstr(md, "git fetch --deepen=48"));
	ck_assert_ptr_nonnull(strstr(md, "measured (no baseline)"));
	assert_tables_intact(md);
	free(md);
	pg_check_report_release(&r);
}
END_TEST

/* 500 benchmarks with long hostile names, all of them regressed. */
START_TEST(summary__500_benchmarks_stay_under_githubs_limit)
{
	for (int all_bad = 0; all_bad < 2; all_bad++) {
		struct pg_check_report r;
		char *md;
		size_t len;

		fx_report(&r, 1, "https://ci.example/r/");
		for (size_t i = 0; i < r.nbenches; i++)
			pg_check_bench_release(&r.benches[i]);
		free(r.benches);
		r.benches = calloc(500, sizeof *r.benches);
		ck_assert_ptr_nonnull(r.benches);
		memset(r.counts, 0, sizeof r.counts);
		for (int i = 0; i < 500; i++) {
			char name[128];

			snprintf(name, sizeof name, "bench-%03d-with-a-rather-long-name-to-fill-the-comment-up-quickly", i);
			fx_bench(&r.benches[i], name, all_bad || i % 7 == 0 ? PG_VERDICT_REGRESSED : PG_VERDICT_UNCHANGED);
			r.counts[r.benches[i].verdict]++;
		}
		r.nbenches = 500;
		r.verdict = PG_VERDICT_REGRESSED;
		md = fx_render(pg_check_summary_render, &r, &len);
		ck_assert_msg(len <= PG_CHECK_SUMMARY_MAX && len < 65536, "summary.md is %zu bytes", len);
		ck_assert_uint_gt(len, 30000);  /* it did fill the space */
		ck_assert_ptr_nonnull(strstr(md, "did not fit in this comment"));
		ck_assert_msg(strstr(md, "</sub>\n"), "the footer is missing");
		if (!all_bad)
			ck_assert_ptr_nonnull(strstr(md, "</details>"));
		assert_tables_intact(md);
		ck_assert(fx_clean_utf8(md, 0));
		free(md);
		pg_check_report_release(&r);
	}
}
END_TEST

START_TEST(summary__passed_suite_is_one_line_and_a_fold)
{
	struct pg_check_report r;
	char *md;

	fx_report(&r, 1, NULL);
	for (size_t i = 0; i < r.nbenches; i++)
		pg_check_bench_release(&r.benches[i]);
	fx_bench(&r.benches[0], "a", PG_VERDICT_UNCHANGED);
	fx_bench(&r.benches[1], "b", PG_VERDICT_IMPROVED);
	r.nbenches = 2;
	memset(r.counts, 0, sizeof r.counts);
	r.counts[PG_VERDICT_UNCHANGED] = 1;
	r.counts[PG_VERDICT_IMPROVED] = 1;
	r.verdict = PG_VERDICT_IMPROVED;
	md = fx_render(pg_check_summary_render, &r, NULL);
	ck_assert_msg(!strncmp(md, "## \xe2\x9c\x85 profgate: **passed**: 2 benchmarks, no regression (1 improved)\n",
			       strlen("## \xe2\x9c\x85 profgate: **passed**: 2 benchmarks, no regression (1 improved)\n")),
		      "%.200s", md);
	ck_assert_ptr_nonnull(strstr(md, "`b`: improved"));
	ck_assert_ptr_nonnull(strstr(md, "<details><summary>1 benchmark unchanged</summary>"));
	free(md);
	pg_check_report_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("check_summary");
	TCase *t = tcase_create("content");

	tcase_add_test(t, summary__verdict_first_then_sections_and_links);
	tcase_add_test(t, summary__no_baseline_says_how_to_fix_it);
	tcase_add_test(t, summary__passed_suite_is_one_line_and_a_fold);
	suite_add_tcase(s, t);
	t = tcase_create("escaping");
	tcase_add_test(t, summary__hostile_names_stay_literal_code);
	suite_add_tcase(s, t);
	t = tcase_create("size");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, summary__500_benchmarks_stay_under_githubs_limit);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
