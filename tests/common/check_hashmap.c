/*
 * Tests of common/hashmap.c: 64-bit keys found again across growth, keys
 * whose hashes collide told apart by the caller's comparison, the table
 * kept at most half full, and an empty (never initialised) map.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "hashmap.h"

START_TEST(hashmap_get__finds_every_key_put_across_growth)
{
	struct pg_hashmap m = { 0 };
	const uint32_t n = 100000;

	ck_assert_int_eq(pg_hashmap_init(&m, 8), 0);
	for (uint32_t i = 0; i < n; i++) {
		/* keys with equal low bits, the case a bad hash would pile up */
		ck_assert_int_eq(pg_hashmap_get(&m, (uint64_t)i << 32), 0);
		ck_assert_int_eq(pg_hashmap_put(&m, (uint64_t)i << 32, i + 1), 0);
	}
	ck_assert_uint_eq(m.count, n);
	ck_assert_uint_ge(m.mask + 1, 2 * (size_t)n);  /* at most half full */
	ck_assert_uint_eq((m.mask + 1) & m.mask, 0);   /* a power of two */
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(pg_hashmap_get(&m, (uint64_t)i << 32), i + 1);
	ck_assert_uint_eq(pg_hashmap_get(&m, 7), 0);
	pg_hashmap_release(&m);
	ck_assert_ptr_null(m.slots);
}
END_TEST

START_TEST(hashmap_get__an_empty_map_has_nothing_and_grows_on_first_put)
{
	struct pg_hashmap m = { 0 };

	ck_assert_uint_eq(pg_hashmap_get(&m, 0), 0);
	ck_assert_int_eq(pg_hashmap_put(&m, 0, 1), 0);  /* 0 is a key like any other */
	ck_assert_uint_eq(pg_hashmap_get(&m, 0), 1);
	pg_hashmap_release(&m);
	pg_hashmap_release(&m);  /* twice is harmless */
}
END_TEST

START_TEST(hashmap_init__rounds_up_to_a_power_of_two)
{
	struct pg_hashmap m;

	ck_assert_int_eq(pg_hashmap_init(&m, 1000), 0);
	ck_assert_uint_eq(m.mask + 1, 1024);
	pg_hashmap_release(&m);
	ck_assert_int_eq(pg_hashmap_init(&m, 0), 0);
	ck_assert_uint_eq(m.mask + 1, 8);
	pg_hashmap_release(&m);
}
END_TEST

/* The way the profile's name table uses it: strings in the caller's
 * array, every one under the same hash, told apart by comparing them. */
static uint32_t find(const struct pg_hashmap *m, char *const *strings, uint32_t hash, const char *s)
{
	for (size_t i = pg_hashmap_start(m, hash); m->slots[i].ref; i = pg_hashmap_next(m, i))
		if (m->slots[i].hash == hash && !strcmp(strings[m->slots[i].ref - 1], s))
			return m->slots[i].ref;
	return 0;
}

START_TEST(hashmap_probe__tells_colliding_keys_apart_by_the_callers_comparison)
{
	char *strings[64];
	char buf[16];
	struct pg_hashmap m;

	ck_assert_int_eq(pg_hashmap_init(&m, 8), 0);
	for (uint32_t i = 0; i < 64; i++) {
		snprintf(buf, sizeof buf, "name%u", i);
		strings[i] = strdup(buf);
		ck_assert_uint_eq(find(&m, strings, 42, buf), 0);
		ck_assert_int_eq(pg_hashmap_add(&m, 42, 0, i + 1), 0);
	}
	for (uint32_t i = 0; i < 64; i++)
		ck_assert_uint_eq(find(&m, strings, 42, strings[i]), i + 1);
	ck_assert_uint_eq(find(&m, strings, 42, "name64"), 0);
	ck_assert_uint_eq(find(&m, strings, 43, "name1"), 0);
	for (uint32_t i = 0; i < 64; i++)
		free(strings[i]);
	pg_hashmap_release(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hashmap");
	TCase *tc = tcase_create("map");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, hashmap_get__finds_every_key_put_across_growth);
	tcase_add_test(tc, hashmap_get__an_empty_map_has_nothing_and_grows_on_first_put);
	tcase_add_test(tc, hashmap_init__rounds_up_to_a_power_of_two);
	tcase_add_test(tc, hashmap_probe__tells_colliding_keys_apart_by_the_callers_comparison);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
