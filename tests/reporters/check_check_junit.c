/*
 * Tests of reporters/check_junit.c, junit.xml: a test suite per benchmark
 * and a test case per metric (the functions' metrics grouped into one test
 * case each), regressions as failures naming the functions, inconclusive
 * metrics as skipped, a benchmark that failed as an error, counts that add
 * up, and hostile names escaped so that the document stays well-formed XML.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_writers.h"
#include "check_report_fixture.h"
#include "fixture.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Tags balance, no '<' or '&' that does not start markup or a reference,
 * no control characters, and attribute values have no raw '"' or '<'. */
static void assert_well_formed(const char *xml)
{
	ck_assert(fx_clean_utf8(xml, 1));  /* XML keeps tabs and newlines */
	ck_assert_uint_eq(count(xml, "<testsuite "), count(xml, "</testsuite>"));
	ck_assert_uint_eq(count(xml, "<testcase "), count(xml, "</testcase>"));
	ck_assert_uint_eq(count(xml, "<failure "), count(xml, "</failure>"));
	for (const char *p = xml; (p = strchr(p, '&')); p++)
		ck_assert_msg(!strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) || !strncmp(p, "&amp;", 5) ||
			      !strncmp(p, "&quot;", 6) || !strncmp(p, "&apos;", 6) || !strncmp(p, "&#", 2),
			      "a raw '&': %.40s", p);
	for (const char *p = xml; (p = strchr(p, '<')); p++)
		ck_assert_msg(p[1] == '/' || p[1] == '?' || (p[1] >= 'a' && p[1] <= 'z'), "a raw '<': %.40s", p);
	ck_assert_ptr_null(strstr(xml, "<script"));
	ck_assert_ptr_null(strstr(xml, "]]>"));
}

START_TEST(junit__suites_cases_and_outcomes)
{
	struct pg_check_report r;
	char *xml;

	fx_report(&r, 1, NULL);
	xml = fx_render(pg_check_junit_render, &r, NULL);
	assert_well_formed(xml);
	ck_assert(!strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"profgate check\"", 72));
	/* parse-large: 5 metrics + function + function_heap (4 failed, peak_rss skipped); idle 5;
	 * new-bench 5, all skipped (no baseline); broken 1 error */
	ck_assert_msg(strstr(xml, "<testsuites name=\"profgate check\" tests=\"18\" failures=\"4\" errors=\"1\" "
				  "skipped=\"6\">"), "%.300s", xml);
	ck_assert_uint_eq(count(xml, "<testsuite "), 4);
	ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"profgate.parse-large\" name=\"wall\">\n"
					  "      <failure type=\"regression\" message=\"regressed: wall: 1.25 s"));
	ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"profgate.parse-large\" name=\"function\">\n"
					  "      <failure type=\"regression\" message=\"regressed: functions &lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"profgate.parse-large\" name=\"peak_rss\">\n"
					  "      <skipped message=\"inconclusive: peak_rss"));
	ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"profgate.broken\" name=\"run\">\n"
					  "      <error type=\"benchmark\" message=\"the benchmark failed: run 2/5"));
	ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"profgate.new-bench\" name=\"wall\">\n"
					  "      <skipped message=\"no baseline for this benchmark"));
	ck_assert_ptr_nonnull(strstr(xml, "<testcase classname=\"profgate.idle\" name=\"cpu\">\n    </testcase>"));
	free(xml);
	pg_check_report_release(&r);
}
END_TEST

START_TEST(junit__hostile_names_are_escaped)
{
	struct pg_check_report r;
	char *xml;

	fx_report(&r, 1, NULL);
	xml = fx_render(pg_check_junit_render, &r, NULL);
	assert_well_formed(xml);
	ck_assert_ptr_nonnull(strstr(xml, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(xml, "]]&gt; &lt;!-- --&gt; &quot; &#39; &amp;amp;"));
	ck_assert_ptr_nonnull(strstr(xml, "line\nbreak\xef\xbf\xbd" "tab\tend"));
	ck_assert_ptr_nonnull(strstr(xml, "bad \xef\xbf\xbd\xef\xbf\xbd utf8"));
	free(xml);
	pg_check_report_release(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("check_junit");
	TCase *t = tcase_create("content");

	tcase_add_test(t, junit__suites_cases_and_outcomes);
	suite_add_tcase(s, t);
	t = tcase_create("escaping");
	tcase_add_test(t, junit__hostile_names_are_escaped);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
