/*
 * Shared by the reporter tests: building small profiles from text, rendering
 * a reporter into memory (open_memstream), and comparing the result with a
 * file of tests/fixtures/expected/. Set PG_UPDATE_EXPECTED=1 to rewrite the
 * expected files from the current output (then review the diff).
 */
#ifndef PG_TEST_FIXTURE_H
#define PG_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

/* Adds "a;b;c" (frames root first, split on ';') with weight for thread tid. */
void fixture_add(struct pg_profile *p, const char *stack, int32_t tid, uint64_t weight);
/* A new profile of lines "a;b;c WEIGHT" (tid PG_TID_ANY); asserts on failure. */
struct pg_profile *fixture_folded(const char *text);

/* What a render call wrote, NUL-terminated; the caller frees it. */
struct fixture_out {
	char *text;
	size_t len;
	FILE *f;
};
FILE *fixture_open(struct fixture_out *out);
void fixture_close(struct fixture_out *out);

/* Asserts that text equals tests/fixtures/expected/<name>; shows the first
 * difference. With PG_UPDATE_EXPECTED=1, writes the file instead. */
void fixture_expect(const char *name, const char *text, size_t len);

/* Number of occurrences of needle in haystack. */
size_t fixture_count(const char *haystack, const char *needle);

#endif
