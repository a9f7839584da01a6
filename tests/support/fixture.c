/*
 * Helpers of the Check suites (see fixture.h).
 */
#define _GNU_SOURCE
#include "fixture.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "error.h"
#include "folded.h"

#ifndef PG_FIXTURES
#error "PG_FIXTURES must name tests/fixtures"
#endif

int fixture_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

char fixture_tmpdir[128];

void fixture_mkdtemp(char *dir, size_t size, const char *tag)
{
	const char *base = getenv("TMPDIR");
	int n = snprintf(dir, size, "%s/pg_%s.XXXXXX", base && *base ? base : "/tmp", tag);

	ck_assert_msg(n > 0 && (size_t)n < size, "temporary folder name too long");
	ck_assert_msg(mkdtemp(dir) != NULL, "%s: %s", dir, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0) {
		fprintf(stderr, "cannot remove %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int fixture_rmtree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

void fixture_tmpdir_make(void)
{
	fixture_mkdtemp(fixture_tmpdir, sizeof fixture_tmpdir, program_invocation_short_name);
}

void fixture_tmpdir_remove(void)
{
	if (!fixture_tmpdir[0])
		return;
	ck_assert_msg(fixture_rmtree(fixture_tmpdir) == 0, "cannot remove %s", fixture_tmpdir);
	fixture_tmpdir[0] = '\0';
}

const char *fixture_path(const char *dir, const char *name)
{
	static char paths[4][1024];
	static unsigned next;
	char *p = paths[next++ % 4];
	int n = snprintf(p, sizeof paths[0], "%s/%s", dir, name);

	ck_assert_msg(n > 0 && (size_t)n < sizeof paths[0], "path too long: %s/%s", dir, name);
	return p;
}

char *fixture_read(const char *path)
{
	char *text = NULL;
	size_t len = 0;

	ck_assert_msg(pg_read_file(&text, &len, path) == 0, "%s", pg_error_last());
	return text;
}

const char *fixture_write(const char *name, const void *data, size_t len)
{
	const char *path = fixture_path(fixture_tmpdir, name);
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f, "cannot create %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

char *fixture_listing(const char *dir)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	ck_assert_msg(n >= 0, "cannot list '%s': %s", dir, strerror(errno));
	ck_assert_ptr_nonnull(f);
	for (int i = 0, first = 1; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			fprintf(f, "%s%s", first ? "" : " ", names[i]->d_name);
			first = 0;
		}
		free(names[i]);
	}
	free(names);
	ck_assert_int_eq(fclose(f), 0);
	return out;
}

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
	ck_assert_msg(pg_folded_parse(p, "test", text, strlen(text)) == 0, "%s", pg_error_last());
	return p;
}

char *fixture_folded_text(const struct pg_profile *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pg_folded_write(p, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

struct pg_baseline *fixture_baseline(const char *path)
{
	struct pg_baseline *b = NULL;

	ck_assert_msg(pg_baseline_read_file(&b, path) == 0, "%s", pg_error_last());
	return b;
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
