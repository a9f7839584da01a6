/*
 * Helpers of the reporter tests (see fixture.h).
 */
#define _GNU_SOURCE
#include "fixture.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "error.h"
#include "folded.h"

#ifndef PG_FIXTURES
#error "PG_FIXTURES must name tests/fixtures"
#endif

void fixture_add(struct pg_profile *p, const char *stack, int32_t tid, uint64_t weight)
{
	pg_frame_id frames[256];
	size_t depth = 0;
	const char *s = stack;

	for (;;) {
		const char *semi = strchr(s, ';');
		size_t len = semi ? (size_t)(semi - s) : strlen(s);

		ck_assert_uint_lt(depth, 256);
		ck_assert_int_eq(pg_profile_intern(&frames[depth++], p, s, len), 0);
		if (!semi)
			break;
		s = semi + 1;
	}
	ck_assert_int_eq(pg_profile_add_stack(p, frames, depth, tid, weight), 0);
}

struct pg_profile *fixture_folded(const char *text)
{
	struct pg_profile *p = NULL;

	ck_assert_int_eq(pg_profile_new(&p), 0);
	ck_assert_msg(pg_folded_parse(p, "fixture", text, strlen(text)) == 0, "%s", pg_error_last());
	return p;
}

FILE *fixture_open(struct fixture_out *out)
{
	memset(out, 0, sizeof(*out));
	out->f = open_memstream(&out->text, &out->len);
	ck_assert_ptr_nonnull(out->f);
	return out->f;
}

void fixture_close(struct fixture_out *out)
{
	ck_assert_int_eq(fclose(out->f), 0);
	out->f = NULL;
}

void fixture_expect(const char *name, const char *text, size_t len)
{
	char *path = NULL;
	char *want = NULL;
	size_t want_len = 0;
	const char *update = getenv("PG_UPDATE_EXPECTED");

	ck_assert_int_ge(asprintf(&path, "%s/expected/%s", PG_FIXTURES, name), 0);
	if (update && !strcmp(update, "1")) {
		ck_assert_msg(pg_write_file_atomic(path, text, len) == 0, "%s", pg_error_last());
		free(path);
		return;
	}
	ck_assert_msg(pg_read_file(&want, &want_len, path) == 0,
		      "%s (run with PG_UPDATE_EXPECTED=1 to create it)", pg_error_last());
	if (want_len != len || memcmp(want, text, len) != 0) {
		size_t i = 0, line = 1, col = 1;

		while (i < len && i < want_len && want[i] == text[i]) {
			if (text[i] == '\n') {
				line++;
				col = 0;
			}
			col++;
			i++;
		}
		ck_abort_msg("output differs from %s at line %zu column %zu:\n  expected: %.60s\n  got:      %.60s\n"
			     "(PG_UPDATE_EXPECTED=1 rewrites the expected file)",
			     path, line, col, i < want_len ? want + i : "<end>", i < len ? text + i : "<end>");
	}
	free(want);
	free(path);
}

size_t fixture_count(const char *haystack, const char *needle)
{
	size_t n = 0;
	size_t step = strlen(needle);

	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += step)
		n++;
	return n;
}
