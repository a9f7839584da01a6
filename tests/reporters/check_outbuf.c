/*
 * Tests of common/outbuf.c: the escapings that keep frame names text in
 * the HTML report (JSON inside <script>) and the SVG (XML), UTF-8
 * validation, number formatting, and write errors reported once.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fixture.h"
#include "outbuf.h"

static struct pg_outbuf ob;
static struct fixture_out out;

static void begin(void)
{
	pg_outbuf_init(&ob, fixture_open(&out));
}

static const char *end(void)
{
	ck_assert_int_eq(pg_outbuf_finish(&ob, "the test output"), 0);
	fixture_close(&out);
	return out.text;
}

static void teardown(void)
{
	free(out.text);
	out.text = NULL;
}

static const char *json(const char *s)
{
	begin();
	pg_outbuf_json_string(&ob, s);
	return end();
}

static const char *xml(const char *s)
{
	begin();
	pg_outbuf_xml_text(&ob, s);
	return end();
}

START_TEST(json_string__escapes_what_could_end_a_script_element)
{
	ck_assert_str_eq(json("</script><script>alert(1)</script>"),
			 "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"");
	teardown();
	ck_assert_str_eq(json("<!-- a & b -->"), "\"\\u003c!-- a \\u0026 b --\\u003e\"");
}
END_TEST

START_TEST(json_string__escapes_quotes_backslashes_and_controls)
{
	ck_assert_str_eq(json("a\"b\\c\nd\te\x01" "f\x7f"), "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007f\"");
}
END_TEST

START_TEST(json_string__keeps_valid_utf8_and_escapes_line_separators)
{
	ck_assert_str_eq(json("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5"), "\"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\xa5\"");
	teardown();
	ck_assert_str_eq(json("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "\"a\\u2028b\\u2029\"");
}
END_TEST

START_TEST(json_string__replaces_invalid_utf8)
{
	/* A lone continuation byte, a truncated sequence, an overlong '/',
	 * a UTF-16 surrogate and a code point past U+10FFFF. */
	ck_assert_str_eq(json("\x80" "a\xc3" "b\xc0\xaf" "c\xed\xa0\x80" "d\xf4\x90\x80\x80"),
			 "\"\\ufffda\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

START_TEST(json_string__writes_null_for_null)
{
	ck_assert_str_eq(json(NULL), "null");
}
END_TEST

START_TEST(json_strings__writes_an_array_escaping_each_string)
{
	const char *v[] = { "a", "</script>", NULL, "" };

	begin();
	pg_outbuf_json_strings(&ob, v, 4);
	ck_assert_str_eq(end(), "[\"a\",\"\\u003c/script\\u003e\",null,\"\"]");
	teardown();
	begin();
	pg_outbuf_json_strings(&ob, v, 0);
	ck_assert_str_eq(end(), "[]");
}
END_TEST

START_TEST(xml_text__escapes_markup_and_quotes)
{
	ck_assert_str_eq(xml("<img src=x onerror=\"a&b\">'"),
			 "&lt;img src=x onerror=&quot;a&amp;b&quot;&gt;&#39;");
}
END_TEST

START_TEST(xml_text__replaces_characters_xml_forbids)
{
	ck_assert_str_eq(xml("a\x01" "b\tc\x7f" "d\xff" "e\xef\xbf\xbe"),
			 "a\xef\xbf\xbd" "b\tc\xef\xbf\xbd" "d\xef\xbf\xbd" "e\xef\xbf\xbd");
}
END_TEST

START_TEST(xml_text_cut__cuts_by_characters_never_inside_one)
{
	begin();
	pg_outbuf_xml_text_cut(&ob, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4);
	ck_assert_str_eq(end(), "\xc3\xa9\xc3\xa9..");
	teardown();
	begin();
	pg_outbuf_xml_text_cut(&ob, "<<<<", 4);
	ck_assert_str_eq(end(), "&lt;&lt;&lt;&lt;");
	teardown();
	begin();
	pg_outbuf_xml_text_cut(&ob, "abcdef", 2);
	ck_assert_str_eq(end(), "");
}
END_TEST

START_TEST(numbers__are_formatted_exactly)
{
	begin();
	pg_outbuf_u64(&ob, 0);
	pg_outbuf_putc(&ob, ' ');
	pg_outbuf_u64(&ob, UINT64_MAX);
	pg_outbuf_putc(&ob, ' ');
	pg_outbuf_i64(&ob, INT64_MIN);
	pg_outbuf_putc(&ob, ' ');
	pg_outbuf_double(&ob, 1.5, 6);
	pg_outbuf_putc(&ob, ' ');
	pg_outbuf_double(&ob, 1.0 / 0.0, 6);
	ck_assert_str_eq(end(), "0 18446744073709551615 -9223372036854775808 1.5 0");
}
END_TEST

START_TEST(put__handles_writes_larger_than_the_buffer)
{
	size_t n = 3 * PG_OUTBUF_SIZE + 17;
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	begin();
	pg_outbuf_puts(&ob, "start:");
	pg_outbuf_put(&ob, big, n);
	for (int i = 0; i < 100000; i++)
		pg_outbuf_u64(&ob, 7);
	end();
	ck_assert_uint_eq(out.len, 6 + n + 100000);
	ck_assert_int_eq(memcmp(out.text + 6, big, n), 0);
	free(big);
}
END_TEST

START_TEST(finish__reports_a_full_sink_naming_it)
{
	char small[64];
	FILE *f = fmemopen(small, sizeof(small), "w");

	ck_assert_ptr_nonnull(f);
	pg_outbuf_init(&ob, f);
	for (int i = 0; i < 10000; i++)
		pg_outbuf_puts(&ob, "0123456789");
	ck_assert_int_lt(pg_outbuf_finish(&ob, "'report.html'"), 0);
	ck_assert_msg(strstr(pg_error_last(), "cannot write 'report.html'") == pg_error_last(), "%s", pg_error_last());
	fclose(f);
}
END_TEST

static Suite *outbuf_suite(void)
{
	Suite *s = suite_create("outbuf");
	TCase *tc = tcase_create("json");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, json_string__escapes_what_could_end_a_script_element);
	tcase_add_test(tc, json_string__escapes_quotes_backslashes_and_controls);
	tcase_add_test(tc, json_string__keeps_valid_utf8_and_escapes_line_separators);
	tcase_add_test(tc, json_string__replaces_invalid_utf8);
	tcase_add_test(tc, json_string__writes_null_for_null);
	tcase_add_test(tc, json_strings__writes_an_array_escaping_each_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("xml");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, xml_text__escapes_markup_and_quotes);
	tcase_add_test(tc, xml_text__replaces_characters_xml_forbids);
	tcase_add_test(tc, xml_text_cut__cuts_by_characters_never_inside_one);
	suite_add_tcase(s, tc);

	tc = tcase_create("buffer");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, numbers__are_formatted_exactly);
	tcase_add_test(tc, put__handles_writes_larger_than_the_buffer);
	tcase_add_test(tc, finish__reports_a_full_sink_naming_it);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(outbuf_suite());
}
