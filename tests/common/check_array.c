/*
 * Tests of common/array.c: items kept across growth, capacity doubling
 * (so appends stay cheap), no reallocation while there is room, and a
 * request whose size in bytes would overflow refused before allocating,
 * with the array left as it was.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "fixture.h"

START_TEST(array_reserve__keeps_items_across_growth)
{
	uint64_t *v = NULL;
	size_t cap = 0, reallocs = 0;
	const size_t n = 100000;

	for (size_t i = 0; i < n; i++) {
		size_t before = cap;

		ck_assert_int_eq(PG_ARRAY_RESERVE(v, cap, i + 1), 0);
		ck_assert_uint_ge(cap, i + 1);
		if (cap != before) {
			reallocs++;
			/* Doubling: each growth at least twice the last capacity. */
			ck_assert(before == 0 || cap >= 2 * before);
		}
		v[i] = i * 2654435761u;
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(v[i], i * 2654435761u);
	/* 16, 32, ... 131072: 14 allocations for 100000 appends. */
	ck_assert_uint_le(reallocs, 14);
	free(v);
}
END_TEST

START_TEST(array_reserve__does_nothing_while_there_is_room)
{
	char *v = NULL;
	size_t cap = 0;

	ck_assert_int_eq(PG_ARRAY_RESERVE(v, cap, 1), 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(cap, 16);

	char *kept = v;

	ck_assert_int_eq(PG_ARRAY_RESERVE(v, cap, 16), 0);
	ck_assert_ptr_eq(v, kept);
	ck_assert_uint_eq(cap, 16);
	ck_assert_int_eq(PG_ARRAY_RESERVE(v, cap, 0), 0);
	ck_assert_uint_eq(cap, 16);
	/* One past: the next power of two, enough for a jump of many. */
	ck_assert_int_eq(PG_ARRAY_RESERVE(v, cap, 17), 0);
	ck_assert_uint_eq(cap, 32);
	ck_assert_int_eq(PG_ARRAY_RESERVE(v, cap, 1000), 0);
	ck_assert_uint_eq(cap, 1024);
	free(v);
}
END_TEST

START_TEST(array_reserve__refuses_a_size_that_overflows_and_keeps_the_array)
{
	uint32_t *v = NULL;
	size_t cap = 0;

	ck_assert_int_eq(PG_ARRAY_RESERVE(v, cap, 3), 0);
	v[0] = 7;

	uint32_t *kept = v;
	size_t kept_cap = cap;

	ck_assert_int_lt(PG_ARRAY_RESERVE(v, cap, SIZE_MAX / sizeof *v + 1), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "too large"));
	ck_assert_ptr_eq(v, kept);
	ck_assert_uint_eq(cap, kept_cap);
	ck_assert_uint_eq(v[0], 7);
	ck_assert_int_lt(PG_ARRAY_RESERVE(v, cap, SIZE_MAX), 0);
	ck_assert_ptr_eq(v, kept);
	ck_assert_uint_eq(cap, kept_cap);
	free(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("array");
	TCase *tc = tcase_create("reserve");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, array_reserve__keeps_items_across_growth);
	tcase_add_test(tc, array_reserve__does_nothing_while_there_is_room);
	tcase_add_test(tc, array_reserve__refuses_a_size_that_overflows_and_keeps_the_array);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
