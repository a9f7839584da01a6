/*
 * Tests of common/jsonread.c: where an error says it happened, "line L
 * column C", the key checks with their suggestions, and each getter's
 * answer in each of the three dialects (the words the four readers have
 * always used, which users and their scripts see).
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fixture.h"
#include "jsonread.h"

static cJSON *doc;

static const cJSON *parse(const char *text)
{
	cJSON_Delete(doc);
	doc = cJSON_Parse(text);
	ck_assert_ptr_nonnull(doc);
	return doc;
}

static void teardown(void)
{
	cJSON_Delete(doc);
	doc = NULL;
}

static struct pg_jsonread reader(enum pg_jsonread_dialect d)
{
	struct pg_jsonread r = { .source = "f.json", .dialect = d };

	return r;
}

/* ---- the error line ---- */

START_TEST(jsonread_fail__names_the_file_the_place_and_the_key)
{
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_TYPE);

	ck_assert_int_eq(pg_jsonread_fail(&r, NULL, "not valid JSON"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': not valid JSON");
	pg_jsonread_fail(&r, "count", "missing");
	ck_assert_str_eq(pg_error_last(), "'f.json': count: missing");
	size_t mark = pg_jsonread_enter(&r, "benchmarks[%d]", 2);
	pg_jsonread_fail(&r, "count", "missing");
	ck_assert_str_eq(pg_error_last(), "'f.json': benchmarks[2].count: missing");
	pg_jsonread_fail(&r, NULL, "expected an object");
	ck_assert_str_eq(pg_error_last(), "'f.json': benchmarks[2]: expected an object");
	pg_jsonread_leave(&r, mark);
	ck_assert_str_eq(r.where, "");
}
END_TEST

START_TEST(jsonread_fail__says_top_level_and_the_prefix_when_asked)
{
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_VALUE);

	r.top = "top level";
	pg_jsonread_fail(&r, NULL, "expected an object");
	ck_assert_str_eq(pg_error_last(), "'f.json': top level: expected an object");
	r = reader(PG_JSONREAD_QUOTED);
	r.prefix = "corrupt baseline: ";
	pg_jsonread_fail(&r, NULL, "'x' is missing");
	ck_assert_str_eq(pg_error_last(), "'f.json': corrupt baseline: 'x' is missing");
	pg_jsonread_enter(&r, "host");
	pg_jsonread_fail(&r, NULL, "'x' is missing");
	ck_assert_str_eq(pg_error_last(), "'f.json': corrupt baseline: host: 'x' is missing");
}
END_TEST

START_TEST(jsonread_locate__counts_lines_and_columns_from_one)
{
	const char text[] = "{\n  \"a\": 1,\n  x\n}";
	char at[64];

	pg_jsonread_locate(at, sizeof at, text, strlen(text), strchr(text, 'x'));
	ck_assert_str_eq(at, "line 3 column 3");
	pg_jsonread_locate(at, sizeof at, text, strlen(text), text);
	ck_assert_str_eq(at, "line 1 column 1");
	pg_jsonread_locate(at, sizeof at, text, strlen(text), NULL);
	ck_assert_str_eq(at, "the end");
	pg_jsonread_locate(at, sizeof at, text, strlen(text), text + strlen(text) + 1);
	ck_assert_str_eq(at, "the end");
}
END_TEST

/* ---- keys ---- */

static const char *const keys[] = { "repeat", "warmup", "thresholds", NULL };

START_TEST(jsonread_check_keys__suggests_the_nearest_known_key)
{
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_VALUE);

	ck_assert_int_eq(pg_jsonread_check_keys(&r, parse("{\"repeat\": 1, \"warmpu\": 2}"), keys), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': unknown key 'warmpu' (did you mean 'warmup'?)");
}
END_TEST

START_TEST(jsonread_check_keys__lists_the_known_keys_when_nothing_is_near)
{
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_VALUE);

	r.top = "top level";
	ck_assert_int_eq(pg_jsonread_check_keys(&r, parse("{\"colour\": 1}"), keys), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(),
			 "'f.json': top level: unknown key 'colour' (known keys: repeat, warmup, thresholds)");
	ck_assert_int_eq(pg_jsonread_check_keys(&r, parse("{\"warmup\": 1, \"repeat\": 2}"), keys), 0);
}
END_TEST

START_TEST(jsonread_check_keys__refuses_a_key_given_twice_in_each_dialect)
{
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_VALUE);

	ck_assert_int_eq(pg_jsonread_check_keys(&r, parse("{\"repeat\": 1, \"repeat\": 2}"), keys), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': repeat: given twice");
	r = reader(PG_JSONREAD_QUOTED);
	ck_assert_int_eq(pg_jsonread_check_keys(&r, parse("{\"any\": 1, \"b\": 0, \"any\": 2}"), NULL), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'any' appears twice");
	/* with no list, any name goes */
	ck_assert_int_eq(pg_jsonread_check_keys(&r, parse("{\"any\": 1, \"other\": 2}"), NULL), 0);
}
END_TEST

/* ---- getters ---- */

START_TEST(jsonread_string__missing_is_an_error_or_a_default_by_dialect)
{
	const cJSON *o = parse("{\"a\": \"x\"}");
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_TYPE);
	char *s = NULL;

	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "b", 0), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': b: missing");
	r = reader(PG_JSONREAD_QUOTED);
	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "b", 0), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'b' is missing, expected a string");
	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "b", PG_JSONREAD_OPTIONAL), 1);
	ck_assert_ptr_null(s);
	r = reader(PG_JSONREAD_GOT_VALUE);
	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "b", PG_JSONREAD_NONEMPTY), 1);
	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "a", PG_JSONREAD_NONEMPTY), 0);
	ck_assert_str_eq(s, "x");
	free(s);
}
END_TEST

START_TEST(jsonread_string__says_what_it_got_by_dialect)
{
	const cJSON *o = parse("{\"n\": 12, \"e\": \"\", \"z\": null}");
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_TYPE);
	char *s = NULL;

	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "n", PG_JSONREAD_NULLABLE), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': n: expected a string or null, got a number");
	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "z", PG_JSONREAD_NULLABLE), 0);
	ck_assert_ptr_null(s);
	r = reader(PG_JSONREAD_GOT_VALUE);
	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "e", PG_JSONREAD_NONEMPTY), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': e: expected a non-empty string, got \"\"");
	r = reader(PG_JSONREAD_QUOTED);
	ck_assert_int_eq(pg_jsonread_string(&s, &r, o, "n", PG_JSONREAD_NULLABLE), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'n' is not a string, expected a string");
}
END_TEST

START_TEST(jsonread_string_ref__refuses_invalid_utf8_when_asked)
{
	const cJSON *o = parse("{\"s\": \"caf\xe9\"}");
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_TYPE);
	const char *s;

	ck_assert_int_eq(pg_jsonread_string_ref(&s, &r, o, "s", PG_JSONREAD_UTF8), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': s: not valid UTF-8");
	ck_assert_int_eq(pg_jsonread_string_ref(&s, &r, o, "s", 0), 0);
	ck_assert_str_eq(s, "caf\xe9");
}
END_TEST

START_TEST(jsonread_kind_and_bool__check_the_type)
{
	const cJSON *o = parse("{\"a\": [1], \"o\": {}, \"b\": true, \"n\": null}");
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_TYPE);
	const cJSON *v;
	int b = 0;

	ck_assert_int_eq(pg_jsonread_kind(&v, &r, o, "a", 1, 0), 0);
	ck_assert_int_eq(cJSON_GetArraySize(v), 1);
	ck_assert_int_eq(pg_jsonread_kind(&v, &r, o, "a", 0, PG_JSONREAD_NULLABLE), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': a: expected an object or null, got an array");
	ck_assert_int_eq(pg_jsonread_kind(&v, &r, o, "n", 0, PG_JSONREAD_NULLABLE), 0);
	ck_assert(cJSON_IsNull(v));
	ck_assert_int_eq(pg_jsonread_bool(&b, &r, o, "b"), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(pg_jsonread_bool(&b, &r, o, "o"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': o: expected true or false, got an object");
	r = reader(PG_JSONREAD_QUOTED);
	ck_assert_int_eq(pg_jsonread_kind(&v, &r, o, "b", 0, 0), PG_EINVALID);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'b' is of the wrong type, expected an object");
	ck_assert_int_eq(pg_jsonread_kind(&v, &r, o, "x", 1, 0), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'x' is missing, expected an array");
	ck_assert_int_eq(pg_jsonread_bool(&b, &r, o, "n"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'n' is not a boolean, expected true or false");
}
END_TEST

START_TEST(jsonread_number__refuses_what_would_not_print_back)
{
	const cJSON *o = parse("{\"inf\": 1e999, \"big\": 1e301, \"z\": null, \"s\": \"1\", \"x\": -2.5}");
	struct pg_jsonread r = reader(PG_JSONREAD_GOT_TYPE);
	double d = 0;

	ck_assert_int_eq(pg_jsonread_number(&d, &r, o, "inf", 0), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': inf: expected a finite number, got one out of range");
	ck_assert_int_eq(pg_jsonread_number(&d, &r, o, "big", 0), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': big: expected a number of magnitude at most 1e+300, "
			 "got 1.0000000000000001e+301");
	ck_assert_int_eq(pg_jsonread_number(&d, &r, o, "z", PG_JSONREAD_NULLABLE), 0);
	ck_assert(isnan(d));
	ck_assert_int_eq(pg_jsonread_number(&d, &r, o, "s", PG_JSONREAD_NULLABLE), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': s: expected a number or null, got a string");
	ck_assert_int_eq(pg_jsonread_number(&d, &r, o, "x", 0), 0);
	ck_assert(d == -2.5);
	r = reader(PG_JSONREAD_QUOTED);
	ck_assert_int_eq(pg_jsonread_nonnegative(&d, &r, o, "x"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'x' is not a number >= 0, expected a number >= 0");
}
END_TEST

START_TEST(jsonread_whole__checks_wholeness_and_range_by_dialect)
{
	const cJSON *o = parse("{\"half\": 1.5, \"big\": 4294967296, \"ok\": 7, \"huge\": 9007199254740994}");
	struct pg_jsonread r = reader(PG_JSONREAD_QUOTED);
	unsigned u = 0;
	uint64_t u64 = 0;
	double d = 0;

	ck_assert_int_eq(pg_jsonread_unsigned(&u, &r, o, "half", 0, UINT32_MAX), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'half' is not a whole number");
	ck_assert_int_eq(pg_jsonread_unsigned(&u, &r, o, "big", 0, UINT32_MAX), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'big' is too large");
	ck_assert_int_eq(pg_jsonread_uint64(&u64, &r, o, "big"), 0);
	ck_assert_uint_eq(u64, 4294967296u);
	ck_assert_int_eq(pg_jsonread_uint64(&u64, &r, o, "huge"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': 'huge' is not a whole number");
	r = reader(PG_JSONREAD_GOT_TYPE);
	ck_assert_int_eq(pg_jsonread_whole(&d, &r, o, "half", 0, 3), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': half: expected a whole number from 0 to 3, got 1.5");
	ck_assert_int_eq(pg_jsonread_whole(&d, &r, o, "ok", 0, 3), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': ok: expected a whole number from 0 to 3, got 7");
	r = reader(PG_JSONREAD_GOT_VALUE);
	u = 5;
	ck_assert_int_eq(pg_jsonread_unsigned(&u, &r, o, "absent", 1, 10), 1);
	ck_assert_uint_eq(u, 5);  /* the default stands */
	ck_assert_int_eq(pg_jsonread_unsigned(&u, &r, o, "ok", 1, 10), 0);
	ck_assert_uint_eq(u, 7);
	ck_assert_int_eq(pg_jsonread_unsigned(&u, &r, o, "half", 1, 10), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "'f.json': half: expected a whole number from 1 to 10, got 1.5");
}
END_TEST

START_TEST(json_lenient__gives_the_fallback_for_a_wrong_type)
{
	const cJSON *o = parse("{\"n\": \"3\", \"m\": 4, \"s\": \"x\", \"t\": 1}");
	char *s;

	ck_assert(pg_json_number_or(o, "n", -1) == -1);
	ck_assert(pg_json_number_or(o, "m", -1) == 4);
	ck_assert(pg_json_number_or(o, "absent", 0.5) == 0.5);
	s = pg_json_strdup_or_null(o, "s");
	ck_assert_str_eq(s, "x");
	free(s);
	ck_assert_ptr_null(pg_json_strdup_or_null(o, "t"));
	ck_assert_str_eq(pg_json_type_name(pg_json_field(o, "t")), "a number");
}
END_TEST

static TCase *tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 20);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("jsonread");
	TCase *tc;

	tc = tcase("errors");
	tcase_add_test(tc, jsonread_fail__names_the_file_the_place_and_the_key);
	tcase_add_test(tc, jsonread_fail__says_top_level_and_the_prefix_when_asked);
	tcase_add_test(tc, jsonread_locate__counts_lines_and_columns_from_one);
	suite_add_tcase(s, tc);

	tc = tcase("keys");
	tcase_add_test(tc, jsonread_check_keys__suggests_the_nearest_known_key);
	tcase_add_test(tc, jsonread_check_keys__lists_the_known_keys_when_nothing_is_near);
	tcase_add_test(tc, jsonread_check_keys__refuses_a_key_given_twice_in_each_dialect);
	suite_add_tcase(s, tc);

	tc = tcase("getters");
	tcase_add_test(tc, jsonread_string__missing_is_an_error_or_a_default_by_dialect);
	tcase_add_test(tc, jsonread_string__says_what_it_got_by_dialect);
	tcase_add_test(tc, jsonread_string_ref__refuses_invalid_utf8_when_asked);
	tcase_add_test(tc, jsonread_kind_and_bool__check_the_type);
	tcase_add_test(tc, jsonread_number__refuses_what_would_not_print_back);
	tcase_add_test(tc, jsonread_whole__checks_wholeness_and_range_by_dialect);
	tcase_add_test(tc, json_lenient__gives_the_fallback_for_a_wrong_type);
	suite_add_tcase(s, tc);

	return fixture_run(s);
}
