/*
 * Tests of reporters/check_html.c, index.html: every benchmark in one
 * table with its verdict and links to its flame graphs, a section per
 * benchmark, a page that cannot run a script or load anything, and hostile
 * names that are only ever text.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_writers.h"
#include "check_report_fixture.h"
#include "fixture.h"

START_TEST(html__table_links_and_sections)
{
	struct pg_check_report r;
	char *html;

	fx_report(&r, 1, NULL);
	html = fx_render(pg_check_html_render, &r, NULL);
	ck_assert(!strncmp(html, "<!DOCTYPE html>", 15));
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(html, "<tr class=\"regressed\"><td><a href=\"#b-parse-large\">parse-large</a>"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"parse-large/diff-cpu.html\">CPU diff</a>"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"parse-large/diff-mem.html\">memory diff</a>"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"idle/report.html\">current profile</a>"));
	ck_assert_ptr_nonnull(strstr(html, "<h2 id=\"b-broken\">broken"));
	ck_assert_ptr_nonnull(strstr(html, "1 regressed, 1 inconclusive, 0 improved, 1 unchanged, 1 error."));
	ck_assert_ptr_nonnull(strstr(html, "</body></html>\n"));
	free(html);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(html__hostile_names_are_text)
{
	struct pg_check_report r;
	char *html;

	fx_report(&r, 1, NULL);
	html = fx_render(pg_check_html_render, &r, NULL);
	ck_assert(fx_clean_utf8(html, 1));  /* tabs and newlines are only white space in HTML */
	ck_assert_ptr_null(strcasestr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "<b>"));
	ck_assert_ptr_null(strstr(html, "href=\"javascript"));
	ck_assert_ptr_nonnull(strstr(html, "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
	ck_assert_ptr_nonnull(strstr(html, "a note with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot;"));
	ck_assert_ptr_nonnull(strstr(html, "bad \xef\xbf\xbd\xef\xbf\xbd utf8"));
	free(html);
	pg_check_report_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("check_html");
	TCase *t = tcase_create("content");

	tcase_add_test(t, html__table_links_and_sections);
	suite_add_tcase(s, t);
	t = tcase_create("escaping");
	tcase_add_test(t, html__hostile_names_are_text);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
