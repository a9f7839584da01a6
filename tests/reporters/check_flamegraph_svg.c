/*
 * Tests of reporters/flamegraph_svg.c: the static SVG compared with
 * tests/fixtures/expected/ (its inline script, a file of its own, left
 * out), icicle and byte units, frames too narrow to see left out, hostile
 * names escaped, and sink errors reported.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets.h"
#include "error.h"
#include "fixture.h"
#include "profile.h"
#include "report_html.h"

static struct pg_profile *prof;
static struct fixture_out out;

static const char *small =
	"prog;_start;__libc_start_main;main;parse;lex 30\n"
	"prog;_start;__libc_start_main;main;parse 10\n"
	"prog;_start;__libc_start_main;main;emit 20\n"
	"prog;__clone3;start_thread;worker;crunch 65\n"
	"prog;__clone3;start_thread;worker;[waiting] 5\n";

static void teardown(void)
{
	pg_profile_free(prof);
	prof = NULL;
	free(out.text);
	out.text = NULL;
}

/* Renders prof; returns the SVG with the script's text replaced by "...". */
static char *render(const char *title, int inverted, const char *unit)
{
	const char *open = "<![CDATA[\n", *close = "]]>";
	char *start, *end, *copy;

	ck_assert_msg(pg_flamegraph_svg_render(prof, title, inverted, unit, fixture_open(&out)) == 0,
		      "%s", pg_error_last());
	fixture_close(&out);
	start = strstr(out.text, open);
	ck_assert_ptr_nonnull(start);
	start += strlen(open);
	end = strstr(start, close);
	ck_assert_ptr_nonnull(end);
	/* The script is the asset, verbatim. */
	ck_assert_uint_eq((size_t)(end - start), pg_asset_flamegraph_svg_js_len);
	ck_assert_int_eq(memcmp(start, pg_asset_flamegraph_svg_js, pg_asset_flamegraph_svg_js_len), 0);
	ck_assert_int_ge(asprintf(&copy, "%.*s...\n%s", (int)(start - out.text), out.text, end), 0);
	return copy;
}

START_TEST(svg__matches_expected)
{
	char *svg;

	prof = fixture_folded(small);
	svg = render(NULL, 0, "samples");
	fixture_expect("flamegraph_small.svg", svg, strlen(svg));
	free(svg);
}
END_TEST

START_TEST(svg__inverted_matches_expected)
{
	char *svg;

	prof = fixture_folded(small);
	svg = render("CPU of prog", 1, "samples");
	fixture_expect("flamegraph_small_inverted.svg", svg, strlen(svg));
	free(svg);
}
END_TEST

START_TEST(svg__bytes_are_shown_in_binary_units)
{
	char *svg;

	prof = fixture_folded("prog;main;load 1048576\nprog;main;parse 1024\nprog;main;tiny 100\n");
	svg = render("Peak memory", 0, "bytes");
	ck_assert_ptr_nonnull(strstr(svg, "<title>load (1.00 MiB, 99.89%)</title>"));
	ck_assert_ptr_nonnull(strstr(svg, "<title>parse (1.00 KiB, 0.10%)</title>"));
	ck_assert_ptr_nonnull(strstr(svg, "<title>all (1.00 MiB, 100.00%)</title>"));
	ck_assert_ptr_nonnull(strstr(svg, "data-unit=\"bytes\""));
	free(svg);
}
END_TEST

START_TEST(svg__leaves_out_frames_narrower_than_a_tenth_of_a_pixel)
{
	char *svg;

	prof = fixture_folded("prog;main;big 1000000\nprog;main;invisible 1\nprog;main;visible 100\n");
	svg = render(NULL, 0, "samples");
	ck_assert_ptr_null(strstr(svg, "invisible"));
	ck_assert_ptr_nonnull(strstr(svg, "<title>visible (100 samples, 0.01%)</title>"));
	/* The totals still count it. */
	ck_assert_ptr_nonnull(strstr(svg, "<title>all (1,000,101 samples, 100.00%)</title>"));
	free(svg);
}
END_TEST

START_TEST(svg__hostile_names_are_escaped)
{
	char *svg;

	prof = fixture_folded("prog;<img src=x onerror=\"window.__x=1\"> 50\n"
			      "prog;</script><script>alert(1)</script> 50\n"
			      "prog;a & b 10\n"
			      "prog;bad\xff\x01 utf8 10\n");
	svg = render("<svg onload=alert(1)>", 0, "samples");
	ck_assert_ptr_null(strcasestr(svg, "<img"));
	ck_assert_ptr_null(strstr(svg, "<svg onload"));
	ck_assert_uint_eq(fixture_count(svg, "<script"), 1);
	ck_assert_uint_eq(fixture_count(svg, "</script"), 1);
	ck_assert_ptr_nonnull(strstr(svg, "&lt;img src=x onerror=&quot;window.__x=1&quot;&gt;"));
	ck_assert_ptr_nonnull(strstr(svg, "a &amp; b"));
	ck_assert_ptr_nonnull(strstr(svg, "bad\xef\xbf\xbd\xef\xbf\xbd utf8"));
	ck_assert_ptr_nonnull(strstr(svg, "&lt;svg onload=alert(1)&gt;</text>"));
	/* Every '&' starts an entity. */
	for (const char *s = svg; (s = strchr(s, '&')) != NULL; s++)
		ck_assert_msg(!strncmp(s, "&amp;", 5) || !strncmp(s, "&lt;", 4) || !strncmp(s, "&gt;", 4) ||
			      !strncmp(s, "&quot;", 6) || !strncmp(s, "&#39;", 5), "raw '&' at %.20s", s);
	free(svg);
}
END_TEST

START_TEST(svg__draws_an_empty_profile)
{
	char *svg;

	prof = fixture_folded("");
	svg = render(NULL, 0, "samples");
	ck_assert_ptr_nonnull(strstr(svg, "<title>all (0 samples, 0.00%)</title>"));
	free(svg);
}
END_TEST

START_TEST(svg__reports_a_sink_that_fills_up)
{
	char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	prof = fixture_folded(small);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_lt(pg_flamegraph_svg_render(prof, NULL, 0, "samples", f), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "cannot write the SVG flame graph"));
	fclose(f);
}
END_TEST

static Suite *svg_suite(void)
{
	Suite *s = suite_create("flamegraph_svg");
	TCase *tc = tcase_create("render");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, svg__matches_expected);
	tcase_add_test(tc, svg__inverted_matches_expected);
	tcase_add_test(tc, svg__bytes_are_shown_in_binary_units);
	tcase_add_test(tc, svg__leaves_out_frames_narrower_than_a_tenth_of_a_pixel);
	tcase_add_test(tc, svg__draws_an_empty_profile);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, svg__hostile_names_are_escaped);
	tcase_add_test(tc, svg__reports_a_sink_that_fills_up);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(svg_suite());
}
