/*
 * Tests of harness/report_dir.c: the report folder of a check (a symbolic
 * link refused, the four files written), publishing to GitHub's job summary
 * and annotations, and the terminal summary, with hostile names kept on
 * their lines.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "error.h"
#include "fixture.h"
#include "report_dir.h"


/* A report of one regressed benchmark whose function name is hostile. */
static void make_report(struct pg_check_report *r)
{
	struct pg_check_metric *m;

	memset(r, 0, sizeof *r);
	r->version = strdup("0.1.0");
	r->head = strdup("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	r->base_rev = strdup("origin/main");
	r->lookup_status = strdup("found");
	r->baseline_commit = strdup("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	r->alpha = 0.05;
	r->out_dir = strdup("report");
	r->benches = calloc(1, sizeof *r->benches);
	r->nbenches = 1;
	r->benches[0].name = strdup("parse");
	r->benches[0].verdict = PG_VERDICT_REGRESSED;
	r->benches[0].machine_idle = r->benches[0].machine_others = NAN;
	r->benches[0].metrics = m = calloc(1, sizeof *m);
	r->benches[0].nmetrics = 1;
	m->metric = strdup("function");
	m->function = strdup("evil\n::error::owned");
	m->unit = PG_UNIT_PERCENT;
	m->verdict = PG_VERDICT_REGRESSED;
	m->before = 10;
	m->after = 30;
	m->change = 20;
	m->ratio = 3;
	m->p_value = 0.008;
	strcpy(m->threshold, "5pp");
	r->counts[PG_VERDICT_REGRESSED] = 1;
	r->verdict = PG_VERDICT_REGRESSED;
	r->exit_code = 1;
}

/* What fn writes to stdout, captured through a file. */
static char *capture_stdout(void (*fn)(void *), void *arg)
{
	char path[256];
	int saved = dup(1), fd;

	snprintf(path, sizeof path, "%s/stdout", fixture_tmpdir);
	fflush(stdout);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 1);
	close(fd);
	fn(arg);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return fixture_read(path);
}

START_TEST(test_a_symbolic_link_is_refused)
{
	char link[256], real[256];

	snprintf(real, sizeof real, "%s/real", fixture_tmpdir);
	snprintf(link, sizeof link, "%s/link", fixture_tmpdir);
	ck_assert_int_eq(mkdir(real, 0755), 0);
	ck_assert_int_eq(symlink(real, link), 0);
	ck_assert_int_lt(pg_report_dir_refuse_link(link), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "link"));
	ck_assert_int_eq(pg_report_dir_refuse_link(real), 0);
	snprintf(real, sizeof real, "%s/not-yet", fixture_tmpdir);
	ck_assert_int_eq(pg_report_dir_refuse_link(real), 0);
}
END_TEST

START_TEST(test_the_four_files_are_written)
{
	static const char *const files[] = { "summary.md", "result.json", "junit.xml", "index.html" };
	struct pg_check_report r;
	char dir[256], path[300];
	struct stat st;

	make_report(&r);
	snprintf(dir, sizeof dir, "%s/report", fixture_tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_msg(pg_report_dir_write(&r, dir) == 0, "%s", pg_error_last());
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		ck_assert_msg(stat(path, &st) == 0 && st.st_size > 0, "%s", path);
	}
	pg_check_report_release(&r);
}
END_TEST

struct publish_arg {
	struct pg_check_report *r;
	const char *dir;
};

static void publish(void *p)
{
	struct publish_arg *a = p;

	ck_assert_int_eq(pg_report_dir_publish(a->r, a->dir), 0);
}

START_TEST(test_publish_appends_the_summary_and_annotates_on_one_line)
{
	struct pg_check_report r;
	char dir[256], step[300];
	char *out, *summary, *md;

	make_report(&r);
	snprintf(dir, sizeof dir, "%s/report", fixture_tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(pg_report_dir_write(&r, dir), 0);
	snprintf(step, sizeof step, "%s/step-summary", fixture_tmpdir);
	ck_assert_int_eq(pg_write_file_atomic(step, "earlier step\n", 13), 0);
	setenv("GITHUB_STEP_SUMMARY", step, 1);
	setenv("GITHUB_ACTIONS", "true", 1);
	struct publish_arg a = { &r, dir };
	out = capture_stdout(publish, &a);
	unsetenv("GITHUB_STEP_SUMMARY");
	unsetenv("GITHUB_ACTIONS");
	summary = fixture_read(step);
	snprintf(step, sizeof step, "%s/summary.md", dir);
	md = fixture_read(step);
	ck_assert(!strncmp(summary, "earlier step\n", 13));
	/* summary.md as it is, and a line break before the next step's. */
	ck_assert_int_eq(strncmp(summary + 13, md, strlen(md)), 0);
	ck_assert_str_eq(summary + 13 + strlen(md), "\n");
	/* One annotation, and the hostile name did not start a line of its own. */
	ck_assert_ptr_nonnull(strstr(out, "::error"));
	for (char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		ck_assert_msg(strncmp(line, "::error::owned", 14), "a name started a line:\n%s", out);
	free(out);
	free(summary);
	free(md);
	pg_check_report_release(&r);
}
END_TEST

static void print(void *p)
{
	struct publish_arg *a = p;

	pg_report_dir_print(a->r, a->dir, "check");
}

START_TEST(test_terminal_summary_names_the_verdict_and_folder)
{
	struct pg_check_report r;
	char *out;

	make_report(&r);
	struct publish_arg a = { &r, "report" };
	out = capture_stdout(print, &a);
	ck_assert_ptr_nonnull(strstr(out, "parse"));
	ck_assert_ptr_nonnull(strstr(out, "regress"));
	ck_assert_ptr_nonnull(strstr(out, "report"));
	ck_assert_ptr_nonnull(strstr(out, "evil\\n::error::owned"));
	free(out);
	pg_check_report_release(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_dir");
	TCase *tc = tcase_create("report_dir");

	tcase_add_checked_fixture(tc, fixture_tmpdir_make, fixture_tmpdir_remove);
	tcase_add_test(tc, test_a_symbolic_link_is_refused);
	tcase_add_test(tc, test_the_four_files_are_written);
	tcase_add_test(tc, test_publish_appends_the_summary_and_annotates_on_one_line);
	tcase_add_test(tc, test_terminal_summary_names_the_verdict_and_folder);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
