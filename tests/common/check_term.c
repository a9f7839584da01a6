/*
 * Tests of common/term.c: outside text keeps its printable characters and
 * loses every control character and non-UTF-8 byte to an escape.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "term.h"

static const char *esc(const char *s)
{
	static char buf[256];

	return pg_term_escape(buf, sizeof buf, s);
}

START_TEST(test_printable_text_is_kept)
{
	ck_assert_str_eq(esc("parse_field (json/__init__.py:231)"), "parse_field (json/__init__.py:231)");
	ck_assert_str_eq(esc("caf\xc3\xa9 \xe2\x86\x92 \xe6\x97\xa5"), "caf\xc3\xa9 \xe2\x86\x92 \xe6\x97\xa5");
	ck_assert_str_eq(esc(""), "");
	ck_assert_str_eq(esc(NULL), "");
}
END_TEST

START_TEST(test_control_characters_are_escaped)
{
	ck_assert_str_eq(esc("a\nb\tc"), "a\\nb\\tc");
	ck_assert_str_eq(esc("\x1b[31mred"), "\\x1b[31mred");
	ck_assert_str_eq(esc("del\x7f"), "del\\x7f");
	/* U+009B, the one-byte CSI of C1, as UTF-8. */
	ck_assert_str_eq(esc("x\xc2\x9b" "2J"), "x\\xc2\\x9b2J");
	/* A new line cannot start "::error::" in a CI log. */
	ck_assert_ptr_null(strchr(esc("ok\n::error::owned"), '\n'));
}
END_TEST

START_TEST(test_bytes_that_are_not_utf8_are_escaped)
{
	ck_assert_str_eq(esc("\xff\xfe"), "\\xff\\xfe");
	ck_assert_str_eq(esc("\xc3"), "\\xc3");
}
END_TEST

START_TEST(test_escape_cuts_to_fit_without_splitting_an_escape)
{
	char small[8];

	ck_assert_str_eq(pg_term_escape(small, sizeof small, "ab\ncdefgh"), "ab\\ncde");
	ck_assert_str_eq(pg_term_escape(small, 6, "abcd\x01"), "abcd");
}
END_TEST

START_TEST(test_puts_writes_what_escape_returns)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	pg_term_puts(f, "a\nb\xc2\x9b\xff");
	pg_term_puts(f, NULL);
	fclose(f);
	ck_assert_str_eq(text, esc("a\nb\xc2\x9b\xff"));
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("term");

	tcase_add_test(tc, test_printable_text_is_kept);
	tcase_add_test(tc, test_control_characters_are_escaped);
	tcase_add_test(tc, test_bytes_that_are_not_utf8_are_escaped);
	tcase_add_test(tc, test_escape_cuts_to_fit_without_splitting_an_escape);
	tcase_add_test(tc, test_puts_writes_what_escape_returns);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
