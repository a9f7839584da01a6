/*
 * Tests of baselines/store.c and store_notes.c, on throwaway repositories:
 * both stores write, find, read, list and remove; writing merges the
 * benchmarks of one commit; concurrent writers (forked processes) all land
 * and never leave a torn file; a corrupt or foreign file or note is named
 * and the other baselines still work.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baseline.h"
#include "error.h"
#include "fixture.h"
#include "folded.h"
#include "repo.h"
#include "store.h"
#include "testrepo.h"

static const char *tmp;
static git_repository *git;
static char commits[3][41];

static void setup(void)
{
	tmp = tr_tmpdir("store");
	git = tr_init(tmp);
	tr_linear(commits, 3, git, NULL);
	tr_branch_head(git, "main", commits[2]);
}

static void teardown(void)
{
	git_repository_free(git);
	tr_rmtree(tmp);
}

/* A baseline of commit with one benchmark per name (comma-separated),
 * each with a CPU stack naming it and wall time `wall`. */
static struct pg_baseline *make(const char *commit, const char *names, double wall)
{
	struct pg_baseline *b = NULL;
	char *copy = strdup(names), *save = NULL;

	ck_assert_int_eq(pg_baseline_new(&b), 0);
	strcpy(b->commit, commit);
	b->recorded_at = pg_baseline_now();
	b->profgate_version = strdup("test");
	ck_assert_int_eq(pg_host_detect(&b->host), 0);
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		struct pg_baseline_bench *x = NULL;
		struct pg_profile *p = NULL;
		char line[128];

		ck_assert_int_eq(pg_baseline_add_bench(&x, b, n), 0);
		x->recorded_at = pg_baseline_now();
		x->command = calloc(2, sizeof *x->command);
		x->command[0] = strdup("./bench");
		x->ncommand = 1;
		x->repeat = 1;
		x->runs = calloc(1, sizeof *x->runs);
		pg_baseline_run_init(&x->runs[0]);
		x->runs[0].values[PG_METRIC_WALL] = wall;
		x->runs[0].values[PG_METRIC_CPU] = wall;
		x->runs[0].samples = 100;
		x->nruns = 1;
		ck_assert_int_eq(pg_profile_new(&p), 0);
		snprintf(line, sizeof line, "bench;main;%s 100\n", n);
		ck_assert_int_eq(pg_folded_parse(p, "t", line, strlen(line)), 0);
		ck_assert_int_eq(pg_baseline_bench_set_profile(x, PG_BASELINE_CPU, p, 1, 0), 0);
	}
	free(copy);
	return b;
}

static struct pg_repo *open_repo(void)
{
	struct pg_repo *r = NULL;

	ck_assert_msg(pg_repo_open(&r, tmp) == 0, "%s", pg_error_last());
	return r;
}

static struct pg_store *open_store(const char *spec, struct pg_repo *r)
{
	struct pg_store *s = NULL;

	ck_assert_msg(pg_store_open(&s, spec, tmp, r) == 0, "%s", pg_error_last());
	return s;
}

static void put(const struct pg_baseline *b, struct pg_store *s)
{
	ck_assert_msg(pg_store_write(s, b, NULL) == 0, "%s", pg_error_last());
}

/* Writes and reads back; then the benchmarks' names, sorted, joined. */
static void expect_benches(struct pg_store *s, const char *commit, const char *want)
{
	struct pg_baseline *b = NULL;
	char got[512] = "";

	ck_assert_msg(pg_store_read(&b, s, commit) == 0, "%s", pg_error_last());
	/* Sorted by a simple selection: a handful of names. */
	int used[64] = { 0 };

	for (size_t k = 0; k < b->nbenches; k++) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < b->nbenches; i++)
			if (!used[i] && (best == SIZE_MAX || strcmp(b->benches[i].name, b->benches[best].name) < 0))
				best = i;
		used[best] = 1;
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? "," : "", b->benches[best].name);
	}
	ck_assert_str_eq(got, want);
	pg_baseline_free(b);
}

static void roundtrip(const char *spec)
{
	struct pg_repo *r = open_repo();
	struct pg_store *s = open_store(spec, r);
	struct pg_baseline *b = make(commits[1], "alpha,beta", 1.5), *back = NULL;
	struct pg_store_entry *e = NULL;
	size_t n = 0;
	int has = 1;

	ck_assert_int_eq(pg_store_has(&has, s, commits[1]), 0);
	ck_assert_int_eq(has, 0);
	ck_assert_int_eq(pg_store_read(&back, s, commits[1]), PG_ENOTFOUND);
	ck_assert_msg(strstr(pg_error_last(), commits[1]), "%s", pg_error_last());
	put(b, s);
	ck_assert_int_eq(pg_store_has(&has, s, commits[1]), 0);
	ck_assert_int_eq(has, 1);
	ck_assert_int_eq(pg_store_has(&has, s, commits[0]), 0);
	ck_assert_int_eq(has, 0);
	ck_assert_msg(pg_store_read(&back, s, commits[1]) == 0, "%s", pg_error_last());
	ck_assert_str_eq(back->commit, commits[1]);
	ck_assert_double_eq(pg_baseline_find(back, "beta")->runs[0].values[PG_METRIC_WALL], 1.5);
	pg_baseline_free(back);

	/* Abbreviated ids, found by name alone. */
	char full[PG_COMMIT_HEX_MAX + 1], prefix[9];

	snprintf(prefix, sizeof prefix, "%.8s", commits[1]);
	ck_assert_msg(pg_store_find_prefix(full, s, prefix) == 0, "%s", pg_error_last());
	ck_assert_str_eq(full, commits[1]);
	ck_assert_int_eq(pg_store_find_prefix(full, s, "0000000000"), PG_ENOTFOUND);
	struct pg_baseline *other = make(commits[0], "gamma", 1.0);

	put(other, s);
	pg_baseline_free(other);
	ck_assert_int_lt(pg_store_find_prefix(full, s, ""), 0);
	ck_assert_msg(strstr(pg_error_last(), "ambiguous"), "%s", pg_error_last());
	ck_assert_int_eq(pg_store_remove(s, commits[0]), 0);

	ck_assert_int_eq(pg_store_list(&e, &n, s), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].commit, commits[1]);
	ck_assert_ptr_null(e[0].error);
	ck_assert_uint_eq(e[0].nbenches, 2);
	ck_assert_uint_gt(e[0].size, 100);
	pg_store_entries_free(e, n);

	ck_assert_int_eq(pg_store_remove(s, commits[1]), 0);
	ck_assert_int_eq(pg_store_remove(s, commits[1]), PG_ENOTFOUND);
	ck_assert_int_eq(pg_store_has(&has, s, commits[1]), 0);
	ck_assert_int_eq(has, 0);
	pg_baseline_free(b);
	pg_store_free(s);
	pg_repo_free(r);
}

START_TEST(dir_store__writes_finds_reads_lists_removes)
{
	roundtrip(".profgate/baselines");
	char path[512];

	/* One file per full commit id, in the folder asked for. */
	snprintf(path, sizeof path, "%s/.profgate/baselines", tmp);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

START_TEST(notes_store__writes_finds_reads_lists_removes)
{
	roundtrip("git-notes");
}
END_TEST

static void merges(const char *spec)
{
	struct pg_repo *r = open_repo();
	struct pg_store *s = open_store(spec, r);
	struct pg_baseline *a = make(commits[2], "a,shared", 1.0), *b = make(commits[2], "b,shared", 2.0);
	struct pg_baseline *back = NULL;

	put(a, s);
	put(b, s);
	expect_benches(s, commits[2], "a,b,shared");
	ck_assert_int_eq(pg_store_read(&back, s, commits[2]), 0);
	/* The later write wins for a benchmark both have. */
	ck_assert_double_eq(pg_baseline_find(back, "shared")->runs[0].values[PG_METRIC_WALL], 2.0);
	ck_assert_double_eq(pg_baseline_find(back, "a")->runs[0].values[PG_METRIC_WALL], 1.0);
	pg_baseline_free(back);
	pg_baseline_free(a);
	pg_baseline_free(b);
	pg_store_free(s);
	pg_repo_free(r);
}

START_TEST(dir_store__merges_the_benchmarks_of_one_commit)
{
	merges(".profgate/baselines");
}
END_TEST

START_TEST(notes_store__merges_the_benchmarks_of_one_commit)
{
	merges("git-notes:refs/notes/perf");
}
END_TEST

START_TEST(notes_store__is_readable_by_git_and_named_as_asked)
{
	struct pg_repo *r = open_repo();
	struct pg_store *s = open_store("git-notes:perf", r);
	struct pg_baseline *a = make(commits[0], "x", 1.0);
	char *loc = NULL;

	ck_assert_str_eq(pg_store_describe(s), "git notes 'refs/notes/perf'");
	ck_assert_int_eq(pg_store_write(s, a, &loc), 0);
	ck_assert_str_eq(loc + strlen("refs/notes/perf:"), commits[0]);
	free(loc);
	tr_sh("git -C '%s' notes --ref=refs/notes/perf show %s | grep -q 'profgate.baseline/1'", tmp, commits[0]);
	pg_baseline_free(a);
	pg_store_free(s);
	pg_repo_free(r);
}
END_TEST

/* n processes write benchmark w<i> of one commit at once. */
static void concurrent(const char *spec, int n)
{
	pid_t pids[16];
	char want[256] = "";

	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct pg_repo *r = NULL;
			struct pg_store *s = NULL;
			char name[16];
			int rc;

			snprintf(name, sizeof name, "w%d", i);
			if (pg_repo_open(&r, tmp) < 0 || pg_store_open(&s, spec, tmp, r) < 0)
				_exit(10);
			struct pg_baseline *b = make(commits[1], name, 1.0 + i);

			rc = pg_store_write(s, b, NULL);
			if (rc < 0)
				fprintf(stderr, "writer %d: %s\n", i, pg_error_last());
			_exit(rc < 0 ? 11 : 0);
		}
	}
	for (int i = 0; i < n; i++) {
		int st = 0;

		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed (status %d)", i, st);
	}
	for (int i = 0; i < n; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%sw%d", i ? "," : "", i);

	struct pg_repo *r = open_repo();
	struct pg_store *s = open_store(spec, r);

	expect_benches(s, commits[1], want);
	pg_store_free(s);
	pg_repo_free(r);
}

START_TEST(dir_store__concurrent_writers_leave_one_valid_file_with_all_of_them)
{
	char dir[512];
	DIR *d;
	struct dirent *e;
	int files = 0;

	concurrent("store", 8);
	snprintf(dir, sizeof dir, "%s/store", tmp);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		ck_assert_msg(!strstr(e->d_name, ".tmp."), "temporary file left: %s", e->d_name);
		files++;
	}
	closedir(d);
	ck_assert_int_eq(files, 1);
}
END_TEST

START_TEST(notes_store__concurrent_writers_all_land)
{
	concurrent("git-notes", 6);
}
END_TEST

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(dir_store__corrupt_and_foreign_files_are_named_and_the_rest_still_works)
{
	struct pg_store *s = open_store("bl", NULL);
	struct pg_baseline *good = make(commits[0], "ok", 1.0), *back = NULL;
	struct pg_store_entry *e = NULL;
	char path[512], foreign[512];
	size_t n = 0;

	put(good, s);
	snprintf(path, sizeof path, "%s/bl/%s.json", tmp, commits[1]);
	write_text(path, "{\"schema\": \"profgate.baseline/1\", \"commit\": tru");
	snprintf(foreign, sizeof foreign, "%s/bl/notes.txt", tmp);
	write_text(foreign, "hello\n");

	ck_assert_int_eq(pg_store_list(&e, &n, s), 0);
	ck_assert_uint_eq(n, 3);
	/* The good one first, the broken ones after it, each named. */
	ck_assert_str_eq(e[0].commit, commits[0]);
	ck_assert_ptr_null(e[0].error);
	int saw_corrupt = 0, saw_foreign = 0;

	for (size_t i = 1; i < n; i++) {
		ck_assert_ptr_nonnull(e[i].error);
		saw_corrupt |= strstr(e[i].error, path) != NULL && strstr(e[i].error, "invalid JSON") != NULL;
		saw_foreign |= strstr(e[i].error, foreign) != NULL && strstr(e[i].error, "foreign") != NULL;
	}
	ck_assert_msg(saw_corrupt && saw_foreign, "%s / %s", e[1].error, e[2].error);
	pg_store_entries_free(e, n);

	ck_assert_int_eq(pg_store_read(&back, s, commits[0]), 0);
	pg_baseline_free(back);
	ck_assert_int_eq(pg_store_read(&back, s, commits[1]), PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), path), "%s", pg_error_last());

	/* Never overwritten by a merge either. */
	struct pg_baseline *more = make(commits[1], "x", 1.0);

	ck_assert_int_eq(pg_store_write(s, more, NULL), PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), path) && strstr(pg_error_last(), "baseline rm"), "%s",
		      pg_error_last());
	pg_baseline_free(more);
	pg_baseline_free(good);
	pg_store_free(s);
}
END_TEST

START_TEST(dir_store__a_file_of_another_commit_is_refused)
{
	struct pg_store *s = open_store("bl", NULL);
	struct pg_baseline *good = make(commits[0], "ok", 1.0), *back = NULL;
	char from[512], to[512];

	put(good, s);
	snprintf(from, sizeof from, "%s/bl/%s.json", tmp, commits[0]);
	snprintf(to, sizeof to, "%s/bl/%s.json", tmp, commits[2]);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(pg_store_read(&back, s, commits[2]), PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), to) && strstr(pg_error_last(), commits[0]), "%s", pg_error_last());
	pg_baseline_free(good);
	pg_store_free(s);
}
END_TEST

START_TEST(notes_store__a_corrupt_note_is_named_and_the_rest_still_works)
{
	struct pg_repo *r = open_repo();
	struct pg_store *s = open_store("git-notes", r);
	struct pg_baseline *good = make(commits[0], "ok", 1.0), *back = NULL;
	struct pg_store_entry *e = NULL;
	git_signature *sig = NULL;
	git_oid id, note;
	size_t n = 0;

	put(good, s);
	ck_assert_int_eq(git_signature_now(&sig, "t", "t@t"), 0);
	ck_assert_int_eq(git_oid_fromstr(&id, commits[2]), 0);
	ck_assert_int_eq(git_note_create(&note, git, "refs/notes/profgate", sig, sig, &id, "not json", 0), 0);
	git_signature_free(sig);

	ck_assert_int_eq(pg_store_list(&e, &n, s), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(e[0].error);
	ck_assert_ptr_nonnull(e[1].error);
	ck_assert_msg(strstr(e[1].error, "refs/notes/profgate:") && strstr(e[1].error, commits[2]), "%s", e[1].error);
	pg_store_entries_free(e, n);
	ck_assert_int_eq(pg_store_read(&back, s, commits[0]), 0);
	pg_baseline_free(back);
	ck_assert_int_eq(pg_store_read(&back, s, commits[2]), PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), commits[2]), "%s", pg_error_last());
	pg_baseline_free(good);
	pg_store_free(s);
	pg_repo_free(r);
}
END_TEST

START_TEST(store_open__refuses_malformed_specs)
{
	struct pg_repo *r = open_repo();
	struct pg_store *s = NULL;

	ck_assert_int_eq(pg_store_open(&s, "git-notes:", tmp, r), PG_EINVALID);
	ck_assert_int_eq(pg_store_open(&s, "git-notes:refs/notes/a..b", tmp, r), PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), "a..b"), "%s", pg_error_last());
	ck_assert_int_eq(pg_store_open(&s, "git-notes", tmp, NULL), PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), "no git repository"), "%s", pg_error_last());
	ck_assert_int_eq(pg_store_open(&s, "", tmp, r), PG_EINVALID);
	ck_assert_ptr_null(s);
	/* A relative directory is taken from base_dir, ".." applied. */
	ck_assert_int_eq(pg_store_open(&s, "../../shared/bl/", "/src/proj/conf", r), 0);
	ck_assert_str_eq(pg_store_describe(s), "directory '/src/shared/bl'");
	pg_store_free(s);
	ck_assert_int_eq(pg_store_open(&s, "./.profgate/baselines", "/src/proj", r), 0);
	ck_assert_str_eq(pg_store_describe(s), "directory '/src/proj/.profgate/baselines'");
	pg_store_free(s);
	ck_assert_int_eq(pg_store_open(&s, "/abs/bl", "/src/proj", r), 0);
	ck_assert_str_eq(pg_store_describe(s), "directory '/abs/bl'");
	pg_store_free(s);
	ck_assert_int_eq(pg_store_open(&s, "git-notes:perf", "/src/proj", r), 0);
	ck_assert_int_eq(pg_store_kind(s), PG_STORE_NOTES);
	ck_assert_str_eq(pg_store_describe(s), "git notes 'refs/notes/perf'");
	pg_store_free(s);
	/* Not a full id: refused before touching anything. */
	ck_assert_int_eq(pg_store_open(&s, "bl", tmp, r), 0);
	int has;

	ck_assert_int_eq(pg_store_has(&has, s, "HEAD"), PG_EINVALID);
	pg_store_free(s);
	pg_repo_free(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("store");
	TCase *dir = tcase_create("directory");
	TCase *notes = tcase_create("git-notes");
	TCase *spec = tcase_create("spec");

	tcase_add_checked_fixture(dir, setup, teardown);
	tcase_add_checked_fixture(notes, setup, teardown);
	tcase_add_checked_fixture(spec, setup, teardown);
	tcase_add_test(dir, dir_store__writes_finds_reads_lists_removes);
	tcase_add_test(dir, dir_store__merges_the_benchmarks_of_one_commit);
	tcase_add_test(dir, dir_store__concurrent_writers_leave_one_valid_file_with_all_of_them);
	tcase_add_test(dir, dir_store__corrupt_and_foreign_files_are_named_and_the_rest_still_works);
	tcase_add_test(dir, dir_store__a_file_of_another_commit_is_refused);
	tcase_add_test(notes, notes_store__writes_finds_reads_lists_removes);
	tcase_add_test(notes, notes_store__merges_the_benchmarks_of_one_commit);
	tcase_add_test(notes, notes_store__is_readable_by_git_and_named_as_asked);
	tcase_add_test(notes, notes_store__concurrent_writers_all_land);
	tcase_add_test(notes, notes_store__a_corrupt_note_is_named_and_the_rest_still_works);
	tcase_add_test(spec, store_open__refuses_malformed_specs);
	tcase_set_timeout(dir, 60);
	tcase_set_timeout(notes, 120);
	suite_add_tcase(s, dir);
	suite_add_tcase(s, notes);
	suite_add_tcase(s, spec);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
