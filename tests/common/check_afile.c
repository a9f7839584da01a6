/*
 * Tests of common/afile.c: atomic replacement (old file intact until commit,
 * no temporary left behind either way, write errors reported with the path),
 * mkdir -p, and whole-file reading.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "error.h"
#include "fixture.h"

/* fixture_tmpdir/<rel> in a static buffer (one at a time). */
static const char *in_tmp(const char *rel)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", fixture_tmpdir, rel);
	return p;
}

static char *slurp(const char *path)
{
	char *data = NULL;
	size_t len = 0;

	ck_assert_int_eq(pg_read_file(&data, &len, path), 0);
	return data;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Number of entries of dir whose name contains ".tmp." */
static int count_temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".tmp."))
			n++;
	}
	closedir(d);
	return n;
}

/* ---- atomic replacement ---- */

START_TEST(afile_commit__replaces_the_target)
{
	const char *path = in_tmp("out.txt");
	struct pg_afile af;
	char *data;

	put(path, "old");
	ck_assert_int_eq(pg_afile_open(&af, path), 0);
	fputs("new contents", af.f);
	/* Until the commit, readers still see the old file. */
	data = slurp(path);
	ck_assert_str_eq(data, "old");
	free(data);
	ck_assert_int_eq(pg_afile_commit(&af), 0);
	data = slurp(path);
	ck_assert_str_eq(data, "new contents");
	free(data);
	ck_assert_int_eq(count_temporaries(fixture_tmpdir), 0);
	ck_assert_ptr_null(af.f);
	ck_assert_ptr_null(af.tmp);
}
END_TEST

/* A render for pg_afile_write_with: writes ctx's text, then fails when
 * the text says so, after having written it (a half-rendered file). */
static int render_text(void *ctx, FILE *out)
{
	const char *text = ctx;

	fputs(text, out);
	if (strstr(text, "FAIL"))
		return pg_error_setc(PG_EINVALID, "render refused '%s'", text);
	return 0;
}

START_TEST(afile_write_with__puts_what_the_render_wrote_in_place)
{
	const char *path = in_tmp("sub/rendered.txt");
	char *data;

	ck_assert_int_eq(pg_afile_write_with(path, render_text, "rendered text"), 0);
	data = slurp(path);
	ck_assert_str_eq(data, "rendered text");
	free(data);
	ck_assert_int_eq(count_temporaries(in_tmp("sub")), 0);
}
END_TEST

START_TEST(afile_write_with__a_failed_render_keeps_the_old_file_and_its_error)
{
	const char *path = in_tmp("kept.txt");
	char *data;

	put(path, "old");
	ck_assert_int_eq(pg_afile_write_with(path, render_text, "half FAIL"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "render refused 'half FAIL'");
	data = slurp(path);
	ck_assert_str_eq(data, "old");
	free(data);
	ck_assert_int_eq(count_temporaries(fixture_tmpdir), 0);
}
END_TEST

START_TEST(afile_write_with__reports_an_unwritable_target_without_rendering)
{
	const char *path = in_tmp("file/below");

	put(in_tmp("file"), "a file, not a folder");
	ck_assert_int_lt(pg_afile_write_with(path, render_text, "FAIL if rendered"), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "file"));
	ck_assert_ptr_null(strstr(pg_error_last(), "render refused"));
}
END_TEST

START_TEST(afile_open__puts_the_temporary_next_to_the_target)
{
	const char *path = in_tmp("target.json");
	struct pg_afile af;

	ck_assert_int_eq(pg_afile_open(&af, path), 0);
	ck_assert(strncmp(af.tmp, path, strlen(path)) == 0);
	ck_assert(strncmp(af.tmp + strlen(path), ".tmp.", 5) == 0);
	ck_assert_int_eq(access(af.tmp, F_OK), 0);
	ck_assert_int_eq(count_temporaries(fixture_tmpdir), 1);
	pg_afile_abort(&af);
}
END_TEST

START_TEST(afile_abort__leaves_the_old_file_and_no_temporary)
{
	const char *path = in_tmp("keep.txt");
	struct pg_afile af;
	char *data;

	put(path, "precious");
	ck_assert_int_eq(pg_afile_open(&af, path), 0);
	fputs("half-written", af.f);
	pg_afile_abort(&af);
	data = slurp(path);
	ck_assert_str_eq(data, "precious");
	free(data);
	ck_assert_int_eq(count_temporaries(fixture_tmpdir), 0);
	/* Aborting twice (or after a commit) does nothing. */
	pg_afile_abort(&af);
}
END_TEST

START_TEST(afile_abort__creates_nothing_when_there_was_no_file)
{
	const char *path = in_tmp("never.txt");
	struct pg_afile af;

	ck_assert_int_eq(pg_afile_open(&af, path), 0);
	fputs("x", af.f);
	pg_afile_abort(&af);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(count_temporaries(fixture_tmpdir), 0);
}
END_TEST

START_TEST(afile_open__creates_missing_directories)
{
	const char *path = in_tmp("a/b/c/report.html");
	struct stat st;

	ck_assert_int_eq(pg_write_file_atomic(path, "<html>", 6), 0);
	ck_assert_int_eq(stat(in_tmp("a/b/c"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 6);
}
END_TEST

START_TEST(afile_open__rejects_a_directory_name)
{
	struct pg_afile af;

	ck_assert_int_lt(pg_afile_open(&af, in_tmp("dir/")), 0);
	ck_assert(strstr(pg_error_last(), "dir/'") != NULL);
	ck_assert_ptr_null(af.f);
	pg_afile_abort(&af);  /* safe on a failed open */
	ck_assert_int_lt(pg_afile_open(&af, ""), 0);
}
END_TEST

START_TEST(afile_open__names_the_path_when_a_parent_is_a_file)
{
	const char *blocker = in_tmp("plain");
	struct pg_afile af;

	put(blocker, "x");
	ck_assert_int_lt(pg_afile_open(&af, in_tmp("plain/out.txt")), 0);
	ck_assert(strstr(pg_error_last(), blocker) != NULL);
	ck_assert(strstr(pg_error_last(), "Not a directory") != NULL);
	ck_assert_ptr_null(af.f);
}
END_TEST

START_TEST(afile_commit__reports_the_path_when_the_disk_is_full)
{
	const char *path = in_tmp("full.txt");
	struct pg_afile af;
	FILE *full = fopen("/dev/full", "w");
	char *tmp;
	char *data;

	if (!full)
		ck_abort_msg("/dev/full is not available: cannot simulate a full disk");
	put(path, "old");
	ck_assert_int_eq(pg_afile_open(&af, path), 0);
	tmp = strdup(af.tmp);
	/* Swap the stream for one whose writes fail with ENOSPC, as they would
	 * on a full disk; the temporary file itself stays in place. */
	fclose(af.f);
	af.f = full;
	for (int i = 0; i < 100; i++)
		fputs("some line of a report that will not fit\n", af.f);
	ck_assert_int_lt(pg_afile_commit(&af), 0);
	ck_assert(strstr(pg_error_last(), path) != NULL);
	ck_assert(strstr(pg_error_last(), "No space left on device") != NULL);
	data = slurp(path);
	ck_assert_str_eq(data, "old");
	free(data);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(count_temporaries(fixture_tmpdir), 0);
	pg_afile_abort(&af);  /* safe after a failed commit */
	free(tmp);
}
END_TEST

START_TEST(afile_commit__reports_the_path_when_the_file_size_limit_is_hit)
{
	const char *path = in_tmp("big.bin");
	struct rlimit old;
	struct rlimit lim;
	size_t n = 64 * 1024;
	char *big = malloc(n);
	int rc;

	/* A real write error on the real temporary file: beyond the file size
	 * limit write() fails with EFBIG once SIGXFSZ is ignored. */
	ck_assert_ptr_nonnull(big);
	memset(big, 'y', n);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = (struct rlimit){4096, old.rlim_max};
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = pg_write_file_atomic(path, big, n);
	/* Check's own reporting writes files: lift the limit before asserting. */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_int_lt(rc, 0);
	ck_assert(strstr(pg_error_last(), path) != NULL);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(count_temporaries(fixture_tmpdir), 0);
	free(big);
}
END_TEST

START_TEST(afile_commit__keeps_the_mode_of_the_file_it_replaces)
{
	const char *path = in_tmp("mode.txt");
	struct stat st;

	put(path, "old");
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(pg_write_file_atomic(path, "new", 3), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
}
END_TEST

START_TEST(afile_commit__gives_a_new_file_the_umask_mode)
{
	const char *path = in_tmp("fresh.txt");
	struct stat st;

	umask(027);
	ck_assert_int_eq(pg_write_file_atomic(path, "x", 1), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
}
END_TEST

/* ---- mkdir -p ---- */

START_TEST(mkdirs__creates_every_missing_parent)
{
	struct stat st;

	ck_assert_int_eq(pg_mkdirs(in_tmp("x/y/z")), 0);
	ck_assert_int_eq(stat(in_tmp("x/y/z"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
}
END_TEST

START_TEST(mkdirs__accepts_existing_directories_and_odd_slashes)
{
	struct stat st;

	ck_assert_int_eq(pg_mkdirs(fixture_tmpdir), 0);
	ck_assert_int_eq(pg_mkdirs(in_tmp("p//q/")), 0);
	ck_assert_int_eq(pg_mkdirs(in_tmp("p/q")), 0);
	ck_assert_int_eq(pg_mkdirs(in_tmp("p/./r/../s")), 0);
	ck_assert_int_eq(stat(in_tmp("p/q"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat(in_tmp("p/s"), &st), 0);
	ck_assert_int_eq(pg_mkdirs("/"), 0);
}
END_TEST

START_TEST(mkdirs__rejects_an_existing_non_directory)
{
	char expect[600];

	put(in_tmp("f"), "x");
	snprintf(expect, sizeof(expect), "cannot create directory '%s': Not a directory", in_tmp("f"));
	ck_assert_int_lt(pg_mkdirs(in_tmp("f")), 0);
	ck_assert_str_eq(pg_error_last(), expect);
	ck_assert_int_lt(pg_mkdirs(in_tmp("f/g")), 0);
	ck_assert(strstr(pg_error_last(), "Not a directory") != NULL);
	ck_assert_int_lt(pg_mkdirs(""), 0);
}
END_TEST

/* ---- reading ---- */

START_TEST(read_file__returns_the_whole_file_nul_terminated)
{
	const char *path = in_tmp("data.bin");
	const char bytes[] = "ab\0cd";
	char *data = NULL;
	size_t len = 0;

	ck_assert_int_eq(pg_write_file_atomic(path, bytes, 5), 0);
	ck_assert_int_eq(pg_read_file(&data, &len, path), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(data, bytes, 5), 0);
	ck_assert_int_eq(data[5], '\0');
	free(data);
}
END_TEST

START_TEST(read_file__reads_an_empty_file)
{
	const char *path = in_tmp("empty");
	char *data = NULL;
	size_t len = 1;

	put(path, "");
	ck_assert_int_eq(pg_read_file(&data, &len, path), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);
}
END_TEST

START_TEST(read_file__reads_files_whose_size_is_unknown)
{
	char *data = NULL;
	size_t len = 0;

	/* /proc files report size 0. */
	ck_assert_int_eq(pg_read_file(&data, &len, "/proc/self/status"), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert(strstr(data, "Name:") != NULL);
	ck_assert_uint_eq(strlen(data), len);
	free(data);
}
END_TEST

START_TEST(read_file__reads_a_large_file)
{
	const char *path = in_tmp("large");
	size_t n = 3 * 1000 * 1000 + 7;
	char *big = malloc(n);
	char *data = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	ck_assert_int_eq(pg_write_file_atomic(path, big, n), 0);
	ck_assert_int_eq(pg_read_file(&data, &len, path), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(memcmp(data, big, n), 0);
	free(data);
	free(big);
}
END_TEST

START_TEST(read_file__reports_a_missing_file)
{
	char expect[600];
	char *data = (char *)1;

	snprintf(expect, sizeof(expect), "cannot open '%s': No such file or directory", in_tmp("missing"));
	ck_assert_int_lt(pg_read_file(&data, NULL, in_tmp("missing")), 0);
	ck_assert_str_eq(pg_error_last(), expect);
	ck_assert_ptr_null(data);
}
END_TEST

START_TEST(read_file__rejects_a_directory)
{
	char *data = NULL;

	ck_assert_int_lt(pg_read_file(&data, NULL, fixture_tmpdir), 0);
	ck_assert(strstr(pg_error_last(), "Is a directory") != NULL);
	ck_assert(strstr(pg_error_last(), fixture_tmpdir) != NULL);
}
END_TEST

static TCase *tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fixture_tmpdir_make, fixture_tmpdir_remove);
	tcase_set_timeout(tc, 20);
	return tc;
}

static Suite *afile_suite(void)
{
	Suite *s = suite_create("afile");
	TCase *tc;

	tc = tcase("atomic_replace");
	tcase_add_test(tc, afile_commit__replaces_the_target);
	tcase_add_test(tc, afile_open__puts_the_temporary_next_to_the_target);
	tcase_add_test(tc, afile_abort__leaves_the_old_file_and_no_temporary);
	tcase_add_test(tc, afile_abort__creates_nothing_when_there_was_no_file);
	tcase_add_test(tc, afile_open__creates_missing_directories);
	tcase_add_test(tc, afile_open__rejects_a_directory_name);
	tcase_add_test(tc, afile_open__names_the_path_when_a_parent_is_a_file);
	tcase_add_test(tc, afile_write_with__puts_what_the_render_wrote_in_place);
	tcase_add_test(tc, afile_write_with__a_failed_render_keeps_the_old_file_and_its_error);
	tcase_add_test(tc, afile_write_with__reports_an_unwritable_target_without_rendering);
	suite_add_tcase(s, tc);

	tc = tcase("write_errors");
	tcase_add_test(tc, afile_commit__reports_the_path_when_the_disk_is_full);
	tcase_add_test(tc, afile_commit__reports_the_path_when_the_file_size_limit_is_hit);
	suite_add_tcase(s, tc);

	tc = tcase("modes");
	tcase_add_test(tc, afile_commit__keeps_the_mode_of_the_file_it_replaces);
	tcase_add_test(tc, afile_commit__gives_a_new_file_the_umask_mode);
	suite_add_tcase(s, tc);

	tc = tcase("mkdirs");
	tcase_add_test(tc, mkdirs__creates_every_missing_parent);
	tcase_add_test(tc, mkdirs__accepts_existing_directories_and_odd_slashes);
	tcase_add_test(tc, mkdirs__rejects_an_existing_non_directory);
	suite_add_tcase(s, tc);

	tc = tcase("read_file");
	tcase_add_test(tc, read_file__returns_the_whole_file_nul_terminated);
	tcase_add_test(tc, read_file__reads_an_empty_file);
	tcase_add_test(tc, read_file__reads_files_whose_size_is_unknown);
	tcase_add_test(tc, read_file__reads_a_large_file);
	tcase_add_test(tc, read_file__reports_a_missing_file);
	tcase_add_test(tc, read_file__rejects_a_directory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(afile_suite());
}
