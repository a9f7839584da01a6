/*
 * Tests of common/jsonwrite.c: adding an item frees it when it cannot be
 * added, and an array of strings keeps their order and writes NULL as null.
 */
#include <check.h>
#include <stdlib.h>

#include "fixture.h"
#include "jsonwrite.h"

static char *printed(const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);

	ck_assert_ptr_nonnull(text);
	return text;
}

START_TEST(json_add__adds_under_the_key)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	ck_assert_int_eq(pg_json_add(o, "n", cJSON_CreateNumber(2)), 0);
	ck_assert_int_eq(pg_json_add(o, "s", cJSON_CreateString("x")), 0);
	text = printed(o);
	ck_assert_str_eq(text, "{\"n\":2,\"s\":\"x\"}");
	free(text);
	cJSON_Delete(o);
}
END_TEST

START_TEST(json_add__fails_for_an_item_that_could_not_be_made)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	ck_assert_int_eq(pg_json_add(o, "missing", NULL), -1);
	text = printed(o);
	ck_assert_str_eq(text, "{}");
	free(text);
	cJSON_Delete(o);
}
END_TEST

START_TEST(json_add__frees_what_it_cannot_add)
{
	/* cJSON refuses a NULL key; the item is freed then (the ASan build's
	 * LeakSanitizer and valgrind in CI would report it otherwise). */
	cJSON *o = cJSON_CreateObject();
	cJSON *item = cJSON_CreateArray();
	char *text;

	cJSON_AddItemToArray(item, cJSON_CreateString("not kept"));
	ck_assert_int_eq(pg_json_add(o, NULL, item), -1);
	text = printed(o);
	ck_assert_str_eq(text, "{}");
	free(text);
	cJSON_Delete(o);
}
END_TEST

START_TEST(json_strings__keeps_order_and_writes_null)
{
	const char *v[] = { "b", NULL, "a" };
	cJSON *a = pg_json_strings(v, 3);
	char *text = printed(a);

	ck_assert_str_eq(text, "[\"b\",null,\"a\"]");
	free(text);
	cJSON_Delete(a);
	a = pg_json_strings(v, 0);
	text = printed(a);
	ck_assert_str_eq(text, "[]");
	free(text);
	cJSON_Delete(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jsonwrite");
	TCase *tc = tcase_create("jsonwrite");

	tcase_add_test(tc, json_add__adds_under_the_key);
	tcase_add_test(tc, json_add__fails_for_an_item_that_could_not_be_made);
	tcase_add_test(tc, json_add__frees_what_it_cannot_add);
	tcase_add_test(tc, json_strings__keeps_order_and_writes_null);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
