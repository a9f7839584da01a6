/*
 * Tests of common/folded.c: parsing folded stacks (well-formed and hostile
 * input, with the file and line named in every rejection), writing them
 * sorted, merged and sanitized, and reading and writing files.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fixture.h"
#include "folded.h"
#include "profile.h"

static struct pg_profile *prof;

static void setup(void)
{
	ck_assert_int_eq(pg_profile_new(&prof), 0);
	fixture_tmpdir_make();
}

static void teardown(void)
{
	pg_profile_free(prof);
	prof = NULL;
	fixture_tmpdir_remove();
}

static int parse(const char *text)
{
	return pg_folded_parse(prof, "cpu.folded", text, strlen(text));
}

/* Asserts that text is rejected with exactly the given message. */
static void assert_rejected(const char *text, size_t len, const char *message)
{
	ck_assert_int_eq(pg_folded_parse(prof, "cpu.folded", text, len), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), message);
}

/* The weight of stack (frames joined with ';') summed over threads. */
static long long weight_of(const struct pg_profile *p, const char *stack)
{
	long long sum = -1;

	for (size_t i = 0; i < pg_profile_stack_count(p); i++) {
		const struct pg_stack *st = pg_profile_stack(p, i);
		char joined[4096] = "";

		for (uint32_t d = 0; d < st->depth; d++) {
			if (d > 0)
				strcat(joined, ";");
			strcat(joined, pg_profile_frame_name(p, st->frames[d]));
		}
		if (strcmp(joined, stack) == 0)
			sum = (sum < 0 ? 0 : sum) + (long long)st->weight;
	}
	return sum;
}

static void write_text_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- parsing well-formed input ---- */

START_TEST(folded_parse__reads_frames_and_weights)
{
	ck_assert_int_eq(parse("bench;main;parse 12\nbench;main 3\n"), 0);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 2);
	ck_assert_uint_eq(pg_profile_total(prof), 15);
	ck_assert_int_eq(weight_of(prof, "bench;main;parse"), 12);
	ck_assert_int_eq(weight_of(prof, "bench;main"), 3);
	ck_assert_int_eq(pg_profile_stack(prof, 0)->tid, PG_TID_ANY);
	ck_assert_uint_eq(pg_profile_frame_count(prof), 3);
}
END_TEST

START_TEST(folded_parse__merges_repeated_stacks)
{
	ck_assert_int_eq(parse("a;b 1\nc 1\na;b 2\n"), 0);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 2);
	ck_assert_int_eq(weight_of(prof, "a;b"), 3);
}
END_TEST

START_TEST(folded_parse__accepts_blank_lines_crlf_and_no_final_newline)
{
	ck_assert_int_eq(parse("\na;b 1\r\n\r\n\nc 2\r\nd;e 3"), 0);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 3);
	ck_assert_int_eq(weight_of(prof, "a;b"), 1);
	ck_assert_int_eq(weight_of(prof, "c"), 2);
	ck_assert_int_eq(weight_of(prof, "d;e"), 3);
}
END_TEST

START_TEST(folded_parse__keeps_spaces_inside_frame_names)
{
	ck_assert_int_eq(parse("main;operator new(unsigned long);std::vector<int, A> 7\n"), 0);
	ck_assert_int_eq(weight_of(prof, "main;operator new(unsigned long);std::vector<int, A>"), 7);
	ck_assert_uint_eq(pg_profile_stack(prof, 0)->depth, 3);
}
END_TEST

START_TEST(folded_parse__accepts_zero_and_the_largest_weight)
{
	ck_assert_int_eq(parse("a 0\nb 18446744073709551615\n"), 0);
	ck_assert_int_eq(weight_of(prof, "a"), 0);
	ck_assert_uint_eq(pg_profile_total(prof), UINT64_MAX);
}
END_TEST

START_TEST(folded_parse__accepts_empty_input)
{
	ck_assert_int_eq(pg_folded_parse(prof, "empty", "", 0), 0);
	ck_assert_int_eq(parse("\n\n\r\n"), 0);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 0);
}
END_TEST

START_TEST(folded_parse__does_not_read_past_the_given_length)
{
	const char text[] = "a;b 12\nc 5";

	/* Stops inside the weight of the second line: "c 5" -> "c ". */
	ck_assert_int_eq(pg_folded_parse(prof, "cut", text, 7), 0);
	ck_assert_int_eq(weight_of(prof, "a;b"), 12);
	assert_rejected(text, 9, "'cpu.folded' line 2: missing weight");
}
END_TEST

START_TEST(folded_parse__reuses_shared_prefixes_correctly)
{
	/* Consecutive lines sharing bytes but not whole frames must not be
	 * taken for the same frames. */
	ck_assert_int_eq(parse("main;ab;c 1\nmain;a;bc 2\nmain;ab;cd 4\nmain;ab 8\nmain;ab;c;d 16\nmain 32\nmai;n 64\n"), 0);
	ck_assert_int_eq(weight_of(prof, "main;ab;c"), 1);
	ck_assert_int_eq(weight_of(prof, "main;a;bc"), 2);
	ck_assert_int_eq(weight_of(prof, "main;ab;cd"), 4);
	ck_assert_int_eq(weight_of(prof, "main;ab"), 8);
	ck_assert_int_eq(weight_of(prof, "main;ab;c;d"), 16);
	ck_assert_int_eq(weight_of(prof, "main"), 32);
	ck_assert_int_eq(weight_of(prof, "mai;n"), 64);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 7);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(folded_parse__rejects_missing_weight)
{
	assert_rejected("a;b 1\n\na;c\n", 11, "'cpu.folded' line 3: missing weight");
}
END_TEST

START_TEST(folded_parse__rejects_a_space_with_nothing_after_it)
{
	assert_rejected("a;b 1\na;c \n", 11, "'cpu.folded' line 2: missing weight");
}
END_TEST

START_TEST(folded_parse__rejects_negative_weight)
{
	assert_rejected("a 1\nb 2\nc -5\n", 13, "'cpu.folded' line 3: negative weight");
}
END_TEST

START_TEST(folded_parse__rejects_fractional_weight)
{
	assert_rejected("a 1.5\n", 6, "'cpu.folded' line 1: fractional weight");
}
END_TEST

START_TEST(folded_parse__rejects_malformed_weight)
{
	assert_rejected("a 12x\n", 6, "'cpu.folded' line 1: malformed weight");
	assert_rejected("a +3\n", 5, "'cpu.folded' line 1: malformed weight");
	assert_rejected("a 3\t\n", 5, "'cpu.folded' line 1: malformed weight");
}
END_TEST

START_TEST(folded_parse__rejects_huge_weight)
{
	assert_rejected("a 1\nb 18446744073709551616\n", 26, "'cpu.folded' line 2: weight out of range");
	assert_rejected("a 99999999999999999999999999999999999999999999\n", 47,
			"'cpu.folded' line 1: weight out of range");
}
END_TEST

START_TEST(folded_parse__rejects_a_total_beyond_64_bits)
{
	assert_rejected("a 18446744073709551615\nb 1\n", 27,
			"'cpu.folded' line 2: total weight exceeds 18446744073709551615");
}
END_TEST

START_TEST(folded_parse__rejects_embedded_nul_bytes)
{
	const char text[] = "a;b 1\na\0b 2\n";

	assert_rejected(text, sizeof(text) - 1, "'cpu.folded' line 2: NUL byte");
	/* In the weight too. */
	assert_rejected("a 1\0" "2\n", 5, "'cpu.folded' line 1: NUL byte");
}
END_TEST

START_TEST(folded_parse__rejects_a_line_of_only_spaces)
{
	assert_rejected("a 1\n     \n", 10, "'cpu.folded' line 2: missing weight");
}
END_TEST

START_TEST(folded_parse__rejects_empty_stack)
{
	assert_rejected("a 1\n 5\n", 7, "'cpu.folded' line 2: empty stack");
	assert_rejected("   5\n", 5, "'cpu.folded' line 1: empty stack");
}
END_TEST

START_TEST(folded_parse__rejects_trailing_semicolon)
{
	assert_rejected("a 1\nb 1\na;b; 3\n", 15, "'cpu.folded' line 3: empty frame");
}
END_TEST

START_TEST(folded_parse__rejects_leading_semicolon)
{
	assert_rejected(";a;b 3\n", 7, "'cpu.folded' line 1: empty frame");
}
END_TEST

START_TEST(folded_parse__rejects_empty_and_blank_frames)
{
	assert_rejected("a;;b 3\n", 7, "'cpu.folded' line 1: empty frame");
	assert_rejected("x 1\na; ;b 3\n", 12, "'cpu.folded' line 2: empty frame");
	assert_rejected("; ; 3\n", 6, "'cpu.folded' line 1: empty frame");
	assert_rejected("; 3\n", 4, "'cpu.folded' line 1: empty frame");
}
END_TEST

START_TEST(folded_parse__counts_blank_and_crlf_lines)
{
	assert_rejected("a 1\r\n\r\n\nb 2\r\nbad\r\n", 20, "'cpu.folded' line 5: missing weight");
}
END_TEST

START_TEST(folded_parse__keeps_the_lines_before_a_bad_one)
{
	assert_rejected("a 1\nb 2\nc x\nd 4\n", 16, "'cpu.folded' line 3: malformed weight");
	ck_assert_uint_eq(pg_profile_total(prof), 3);
	ck_assert_int_eq(weight_of(prof, "d"), -1);
}
END_TEST

START_TEST(folded_parse__handles_very_long_lines)
{
	size_t frames = 200000;
	size_t name_len = 1 << 20;
	/* One line of 200,000 frames, then one with a 1 MiB frame name. */
	size_t cap = frames * 2 + name_len + 64;
	char *text = malloc(cap);
	size_t len = 0;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < frames; i++) {
		text[len++] = (char)('a' + i % 3);
		text[len++] = ';';
	}
	len--;  /* no ';' after the last frame */
	len += (size_t)sprintf(text + len, " 1\n");
	memset(text + len, 'z', name_len);
	len += name_len;
	len += (size_t)sprintf(text + len, " 2\n");
	ck_assert_int_eq(pg_folded_parse(prof, "long", text, len), 0);
	ck_assert_uint_eq(pg_profile_stack_count(prof), 2);
	ck_assert_uint_eq(pg_profile_stack(prof, 0)->depth, frames);
	ck_assert_uint_eq(strlen(pg_profile_frame_name(prof, pg_profile_stack(prof, 1)->frames[0])), name_len);
	free(text);
}
END_TEST

START_TEST(folded_parse__never_crashes_on_random_bytes)
{
	/* Mostly format characters, so that the input gets deep into the
	 * parser, with a seed so that a failure can be reproduced. */
	static const char alphabet[] = "ab;; 0123456789\n\r\t.-\0\xff";
	char buf[512];

	srand(12345);
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)rand() % sizeof(buf);
		int rc;

		for (size_t i = 0; i < len; i++)
			buf[i] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		rc = pg_folded_parse(prof, "fuzz", buf, len);
		ck_assert(rc == 0 || rc == PG_EINVALID);
		if (rc < 0)
			ck_assert(strncmp(pg_error_last(), "'fuzz' line ", 12) == 0);
		if (round % 100 == 0) {
			pg_profile_free(prof);
			ck_assert_int_eq(pg_profile_new(&prof), 0);
		}
	}
}
END_TEST

/* ---- writing ---- */

START_TEST(folded_write__sorts_lines_by_byte_order)
{
	char *out;

	/* "a!" sorts before "a;b" (0x21 < 0x3b) although frame "a" < "a!". */
	ck_assert_int_eq(parse("b 1\na;b 2\na! 3\nB 4\na 5\n"), 0);
	out = fixture_folded_text(prof);
	ck_assert_str_eq(out, "B 4\na 5\na! 3\na;b 2\nb 1\n");
	free(out);
}
END_TEST

START_TEST(folded_write__merges_stacks_that_differ_only_by_thread)
{
	pg_frame_id f[2];
	char *out;

	ck_assert_int_eq(pg_profile_intern(&f[0], prof, "main", 4), 0);
	ck_assert_int_eq(pg_profile_intern(&f[1], prof, "work", 4), 0);
	ck_assert_int_eq(pg_profile_add_stack(prof, f, 2, 100, 3), 0);
	ck_assert_int_eq(pg_profile_add_stack(prof, f, 2, 101, 4), 0);
	ck_assert_int_eq(pg_profile_add_stack(prof, f, 1, 100, 1), 0);
	ck_assert_int_eq(pg_profile_add_stack(prof, f, 2, PG_TID_ANY, 5), 0);
	out = fixture_folded_text(prof);
	ck_assert_str_eq(out, "main 1\nmain;work 12\n");
	free(out);
}
END_TEST

START_TEST(folded_write__sanitizes_names_that_would_break_the_format)
{
	const char *names[] = {"a;b", "line\nbreak", "cr\r", "tab\there", "bell\x07", "del\x7f", "", "  ", "ok name"};
	pg_frame_id f[9];
	char *out;

	for (size_t i = 0; i < 9; i++) {
		ck_assert_int_eq(pg_profile_intern(&f[i], prof, names[i], strlen(names[i])), 0);
		ck_assert_int_eq(pg_profile_add_stack(prof, &f[i], 1, 0, i + 1), 0);
	}
	ck_assert_int_eq(pg_profile_add_stack(prof, f, 9, 0, 100), 0);
	out = fixture_folded_text(prof);
	ck_assert_str_eq(out,
		"? 7\n"
		"?? 8\n"
		"a?b 1\n"
		"a?b;line?break;cr?;tab?here;bell?;del?;?;??;ok name 100\n"
		"bell? 5\n"
		"cr? 3\n"
		"del? 6\n"
		"line?break 2\n"
		"ok name 9\n"
		"tab?here 4\n");
	free(out);
}
END_TEST

START_TEST(folded_write__merges_names_that_sanitize_alike)
{
	pg_frame_id f[3];
	char *out;

	ck_assert_int_eq(pg_profile_intern(&f[0], prof, "a;b", 3), 0);
	ck_assert_int_eq(pg_profile_intern(&f[1], prof, "a?b", 3), 0);
	ck_assert_int_eq(pg_profile_intern(&f[2], prof, "a\nb", 3), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pg_profile_add_stack(prof, &f[i], 1, 0, 1u << i), 0);
	out = fixture_folded_text(prof);
	ck_assert_str_eq(out, "a?b 7\n");
	free(out);
}
END_TEST

START_TEST(folded_write__output_always_parses_back)
{
	struct pg_profile *back = NULL;
	char name[8];
	pg_frame_id f[4];
	char *out;

	/* Every byte value but NUL, as a name, in stacks with and without it. */
	for (int c = 1; c < 256; c++) {
		name[0] = 'x';
		name[1] = (char)c;
		ck_assert_int_eq(pg_profile_intern(&f[0], prof, "root", 4), 0);
		ck_assert_int_eq(pg_profile_intern(&f[1], prof, name, 2), 0);
		ck_assert_int_eq(pg_profile_intern(&f[2], prof, name + 1, 1), 0);
		ck_assert_int_eq(pg_profile_add_stack(prof, f, 3, c % 3, 1), 0);
		ck_assert_int_eq(pg_profile_add_stack(prof, f + 1, 2, 0, 1), 0);
	}
	out = fixture_folded_text(prof);
	ck_assert_int_eq(pg_profile_new(&back), 0);
	ck_assert_int_eq(pg_folded_parse(back, "written", out, strlen(out)), 0);
	ck_assert_uint_eq(pg_profile_total(back), pg_profile_total(prof));
	free(out);
	pg_profile_free(back);
}
END_TEST

START_TEST(folded_write__round_trips_through_parse)
{
	const char *text =
		"bench;[unknown] 1\n"
		"bench;main;[libc.so.6+0x2a1b0] 2\n"
		"bench;main;compute;fib;fib 40\n"
		"bench;main;compute;fib;fib;fib 17\n"
		"bench;main;operator new(unsigned long) 5\n"
		"other;main 3\n";
	struct pg_profile *back = NULL;
	char *out;
	char *again;

	ck_assert_int_eq(parse(text), 0);
	out = fixture_folded_text(prof);
	/* The input was already sorted and merged: the same bytes come out. */
	ck_assert_str_eq(out, text);

	ck_assert_int_eq(pg_profile_new(&back), 0);
	ck_assert_int_eq(pg_folded_parse(back, "out", out, strlen(out)), 0);
	pg_profile_free(prof);
	prof = back;
	again = fixture_folded_text(prof);
	ck_assert_str_eq(again, out);
	free(out);
	free(again);
}
END_TEST

START_TEST(folded_write__writes_nothing_for_an_empty_profile)
{
	char *out = fixture_folded_text(prof);

	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(folded_write__reports_a_stream_error)
{
	FILE *f = fopen("/dev/full", "w");
	char name[64];

	if (!f)
		ck_abort_msg("/dev/full is not available: cannot test write errors");
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "main;function_number_%d 1\n", i);
		ck_assert_int_eq(parse(name), 0);
	}
	ck_assert_int_lt(pg_folded_write(prof, f), 0);
	ck_assert(strstr(pg_error_last(), "No space left on device") != NULL);
	fclose(f);
}
END_TEST

/* ---- files ---- */

START_TEST(folded_write_file__creates_directories_and_reads_back)
{
	char path[512];
	struct pg_profile *back = NULL;

	snprintf(path, sizeof(path), "%s/a/b/cpu.folded", fixture_tmpdir);
	ck_assert_int_eq(parse("x;y 2\nx 1\n"), 0);
	ck_assert_int_eq(pg_folded_write_file(prof, path), 0);
	ck_assert_int_eq(pg_profile_new(&back), 0);
	ck_assert_int_eq(pg_folded_read_file(back, path), 0);
	ck_assert_int_eq(weight_of(back, "x;y"), 2);
	ck_assert_int_eq(weight_of(back, "x"), 1);
	pg_profile_free(back);
}
END_TEST

START_TEST(folded_write_file__names_the_path_when_it_fails)
{
	char blocker[512];
	char path[600];

	/* A regular file where a directory is needed. */
	snprintf(blocker, sizeof(blocker), "%s/file", fixture_tmpdir);
	write_text_file(blocker, "x");
	snprintf(path, sizeof(path), "%s/sub/cpu.folded", blocker);
	ck_assert_int_eq(parse("a 1\n"), 0);
	ck_assert_int_lt(pg_folded_write_file(prof, path), 0);
	ck_assert(strstr(pg_error_last(), blocker) != NULL);
	ck_assert(strstr(pg_error_last(), "Not a directory") != NULL);
}
END_TEST

START_TEST(folded_read_file__reports_a_missing_file)
{
	char path[512];
	char expect[600];

	snprintf(path, sizeof(path), "%s/nope.folded", fixture_tmpdir);
	snprintf(expect, sizeof(expect), "cannot open '%s': No such file or directory", path);
	ck_assert_int_lt(pg_folded_read_file(prof, path), 0);
	ck_assert_str_eq(pg_error_last(), expect);
}
END_TEST

START_TEST(folded_read_file__names_the_file_in_parse_errors)
{
	char path[512];
	char expect[600];

	snprintf(path, sizeof(path), "%s/bad.folded", fixture_tmpdir);
	write_text_file(path, "a 1\nb;c\n");
	snprintf(expect, sizeof(expect), "'%s' line 2: missing weight", path);
	ck_assert_int_eq(pg_folded_read_file(prof, path), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), expect);
}
END_TEST

START_TEST(folded_read_file__reads_stdin_for_dash)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/in.folded", fixture_tmpdir);
	write_text_file(path, "s;t 4\ns 1\n");
	/* The test runs in a child process: replacing its stdin is harmless. */
	ck_assert_ptr_nonnull(freopen(path, "r", stdin));
	ck_assert_int_eq(pg_folded_read_file(prof, "-"), 0);
	ck_assert_int_eq(weight_of(prof, "s;t"), 4);
	ck_assert_uint_eq(pg_profile_total(prof), 5);
}
END_TEST

START_TEST(folded_read_file__names_stdin_in_parse_errors)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/in.folded", fixture_tmpdir);
	write_text_file(path, "\n\nno weight here;x\n");
	ck_assert_ptr_nonnull(freopen(path, "r", stdin));
	ck_assert_int_eq(pg_folded_read_file(prof, "-"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'<stdin>' line 3: malformed weight");
}
END_TEST

static TCase *tcase(const char *name, int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout);
	return tc;
}

static Suite *folded_suite(void)
{
	Suite *s = suite_create("folded");
	TCase *tc;

	tc = tcase("parse", 10);
	tcase_add_test(tc, folded_parse__reads_frames_and_weights);
	tcase_add_test(tc, folded_parse__merges_repeated_stacks);
	tcase_add_test(tc, folded_parse__accepts_blank_lines_crlf_and_no_final_newline);
	tcase_add_test(tc, folded_parse__keeps_spaces_inside_frame_names);
	tcase_add_test(tc, folded_parse__accepts_zero_and_the_largest_weight);
	tcase_add_test(tc, folded_parse__accepts_empty_input);
	tcase_add_test(tc, folded_parse__does_not_read_past_the_given_length);
	tcase_add_test(tc, folded_parse__reuses_shared_prefixes_correctly);
	suite_add_tcase(s, tc);

	tc = tcase("parse_hostile", 60);
	tcase_add_test(tc, folded_parse__rejects_missing_weight);
	tcase_add_test(tc, folded_parse__rejects_a_space_with_nothing_after_it);
	tcase_add_test(tc, folded_parse__rejects_negative_weight);
	tcase_add_test(tc, folded_parse__rejects_fractional_weight);
	tcase_add_test(tc, folded_parse__rejects_malformed_weight);
	tcase_add_test(tc, folded_parse__rejects_huge_weight);
	tcase_add_test(tc, folded_parse__rejects_a_total_beyond_64_bits);
	tcase_add_test(tc, folded_parse__rejects_embedded_nul_bytes);
	tcase_add_test(tc, folded_parse__rejects_a_line_of_only_spaces);
	tcase_add_test(tc, folded_parse__rejects_empty_stack);
	tcase_add_test(tc, folded_parse__rejects_trailing_semicolon);
	tcase_add_test(tc, folded_parse__rejects_leading_semicolon);
	tcase_add_test(tc, folded_parse__rejects_empty_and_blank_frames);
	tcase_add_test(tc, folded_parse__counts_blank_and_crlf_lines);
	tcase_add_test(tc, folded_parse__keeps_the_lines_before_a_bad_one);
	tcase_add_test(tc, folded_parse__handles_very_long_lines);
	tcase_add_test(tc, folded_parse__never_crashes_on_random_bytes);
	suite_add_tcase(s, tc);

	tc = tcase("write", 30);
	tcase_add_test(tc, folded_write__sorts_lines_by_byte_order);
	tcase_add_test(tc, folded_write__merges_stacks_that_differ_only_by_thread);
	tcase_add_test(tc, folded_write__sanitizes_names_that_would_break_the_format);
	tcase_add_test(tc, folded_write__merges_names_that_sanitize_alike);
	tcase_add_test(tc, folded_write__output_always_parses_back);
	tcase_add_test(tc, folded_write__round_trips_through_parse);
	tcase_add_test(tc, folded_write__writes_nothing_for_an_empty_profile);
	tcase_add_test(tc, folded_write__reports_a_stream_error);
	suite_add_tcase(s, tc);

	tc = tcase("files", 10);
	tcase_add_test(tc, folded_write_file__creates_directories_and_reads_back);
	tcase_add_test(tc, folded_write_file__names_the_path_when_it_fails);
	tcase_add_test(tc, folded_read_file__reports_a_missing_file);
	tcase_add_test(tc, folded_read_file__names_the_file_in_parse_errors);
	tcase_add_test(tc, folded_read_file__reads_stdin_for_dash);
	tcase_add_test(tc, folded_read_file__names_stdin_in_parse_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(folded_suite());
}
