/*
 * Tests of baselines/lookup.c and repo.c on throwaway repositories: the
 * nearest baseline along the first-parent line of the merge-base wins; a
 * baseline beyond max_distance, on a merged side branch or on the base
 * branch past the merge-base does not count; a detached HEAD is fine; a
 * missing base revision and a shallow clone that ends too early are told
 * apart from "no baseline", with the fix in the message. Shallow clones are
 * made with the git program (libgit2 1.5 cannot make them).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "error.h"
#include "fixture.h"
#include "lookup.h"
#include "repo.h"
#include "store.h"
#include "testrepo.h"

static const char *tmp;
static git_repository *git;

static void setup(void)
{
	tmp = tr_tmpdir("lookup");
	git = tr_init(tmp);
}

static void teardown(void)
{
	git_repository_free(git);
	tr_rmtree(tmp);
}

/* Stores a one-benchmark baseline for commit in the store of repo_dir. */
static void record(const char *repo_dir, const char *spec, const char *commit)
{
	struct pg_repo *r = NULL;
	struct pg_store *s = NULL;
	struct pg_baseline *b = NULL;
	struct pg_baseline_bench *x = NULL;

	ck_assert_msg(pg_repo_open(&r, repo_dir) == 0, "%s", pg_error_last());
	ck_assert_msg(pg_store_open(&s, spec, repo_dir, r) == 0, "%s", pg_error_last());
	ck_assert_int_eq(pg_baseline_new(&b), 0);
	strcpy(b->commit, commit);
	b->recorded_at = pg_baseline_now();
	b->profgate_version = strdup("test");
	ck_assert_int_eq(pg_host_detect(&b->host), 0);
	ck_assert_int_eq(pg_baseline_add_bench(&x, b, "b"), 0);
	x->recorded_at = pg_baseline_now();
	ck_assert_msg(pg_store_write(s, b, NULL) == 0, "%s", pg_error_last());
	pg_baseline_free(b);
	pg_store_free(s);
	pg_repo_free(r);
}

static struct pg_lookup look_in(const char *repo_dir, const char *spec, const char *head, const char *base,
				unsigned max_distance)
{
	struct pg_repo *r = NULL;
	struct pg_store *s = NULL;
	struct pg_lookup l;

	ck_assert_msg(pg_repo_open(&r, repo_dir) == 0, "%s", pg_error_last());
	ck_assert_msg(pg_store_open(&s, spec, repo_dir, r) == 0, "%s", pg_error_last());
	ck_assert_msg(pg_lookup_baseline(&l, s, r, head, base, max_distance) == 0, "%s", pg_error_last());
	pg_store_free(s);
	pg_repo_free(r);
	return l;
}

static struct pg_lookup look(const char *head, const char *base, unsigned max_distance)
{
	return look_in(tmp, ".profgate/baselines", head, base, max_distance);
}

static void expect_found(const struct pg_lookup *l, const char *commit, unsigned distance)
{
	ck_assert_msg(l->status == PG_LOOKUP_FOUND, "status %s: %s", pg_lookup_status_name(l->status), l->message);
	ck_assert_str_eq(l->found, commit);
	ck_assert_uint_eq(l->distance, distance);
}

START_TEST(lookup__finds_a_baseline_two_commits_back)
{
	char c[6][41];
	struct pg_lookup l;

	tr_linear(c, 6, git, NULL);
	tr_branch_head(git, "main", c[5]);
	record(tmp, ".profgate/baselines", c[3]);
	record(tmp, ".profgate/baselines", c[1]);
	l = look("HEAD", NULL, 50);
	expect_found(&l, c[3], 2);
	ck_assert_uint_eq(l.walked, 3);
	ck_assert_str_eq(l.head, c[5]);
	ck_assert_str_eq(l.start, c[5]);
	/* The commit itself wins over its ancestors. */
	record(tmp, ".profgate/baselines", c[5]);
	l = look("HEAD", NULL, 50);
	expect_found(&l, c[5], 0);
}
END_TEST

START_TEST(lookup__none_within_max_distance)
{
	char c[6][41];
	struct pg_lookup l;

	tr_linear(c, 6, git, NULL);
	tr_branch_head(git, "main", c[5]);
	record(tmp, ".profgate/baselines", c[2]);
	l = look("HEAD", NULL, 2);
	ck_assert_int_eq(l.status, PG_LOOKUP_NONE);
	ck_assert_uint_eq(l.walked, 3);
	ck_assert_msg(strstr(l.message, "max_distance 2") && strstr(l.message, "profgate record"), "%s", l.message);
	/* Exactly max_distance back still counts. */
	l = look("HEAD", NULL, 3);
	expect_found(&l, c[2], 3);
}
END_TEST

START_TEST(lookup__the_first_commit_ends_the_walk)
{
	char c[3][41];
	struct pg_lookup l;

	tr_linear(c, 3, git, NULL);
	tr_branch_head(git, "main", c[2]);
	l = look("HEAD", NULL, 50);
	ck_assert_int_eq(l.status, PG_LOOKUP_NONE);
	ck_assert_uint_eq(l.walked, 3);
	ck_assert_msg(strstr(l.message, "first commit"), "%s", l.message);
}
END_TEST

START_TEST(lookup__follows_first_parents_through_merges)
{
	/* main: m0 - m1 - M (merge of f2)   feature: m0 - f1 - f2 */
	char m0[41], m1[41], f1[41], f2[41], merge[41];
	const char *p[2];
	struct pg_lookup l;

	tr_commit(m0, git, "m0", NULL, 0);
	p[0] = m0;
	tr_commit(m1, git, "m1", p, 1);
	tr_commit(f1, git, "f1", p, 1);
	p[0] = f1;
	tr_commit(f2, git, "f2", p, 1);
	p[0] = m1;
	p[1] = f2;
	tr_commit(merge, git, "merge", p, 2);
	tr_branch_head(git, "main", merge);

	/* f2 and f1 are nearer by commit count, but not on the first-parent line. */
	record(tmp, ".profgate/baselines", f2);
	record(tmp, ".profgate/baselines", f1);
	l = look("HEAD", NULL, 50);
	ck_assert_int_eq(l.status, PG_LOOKUP_NONE);
	record(tmp, ".profgate/baselines", m0);
	l = look("HEAD", NULL, 50);
	expect_found(&l, m0, 2);
	record(tmp, ".profgate/baselines", m1);
	l = look("HEAD", NULL, 50);
	expect_found(&l, m1, 1);
}
END_TEST

START_TEST(lookup__starts_at_the_merge_base_with_the_base_branch)
{
	/* main: c0 - c1 - c2 - c3 ; topic branches off c2: t1 - t2 (HEAD) */
	char c[4][41], t[2][41];
	struct pg_lookup l;

	tr_linear(c, 4, git, NULL);
	tr_linear(t, 2, git, c[2]);
	tr_ref(git, "refs/remotes/origin/main", c[3]);
	tr_branch_head(git, "topic", t[1]);
	/* The base branch's tip is newer, but past the merge-base. */
	record(tmp, ".profgate/baselines", c[3]);
	record(tmp, ".profgate/baselines", c[1]);
	l = look("HEAD", "origin/main", 50);
	ck_assert_str_eq(l.start, c[2]);
	ck_assert_str_eq(l.base, c[3]);
	expect_found(&l, c[1], 1);
}
END_TEST

START_TEST(lookup__works_on_a_detached_head)
{
	char c[4][41];
	struct pg_lookup l;

	tr_linear(c, 4, git, NULL);
	tr_branch_head(git, "main", c[3]);
	tr_detach(git, c[2]);
	record(tmp, ".profgate/baselines", c[1]);
	l = look("HEAD", "main", 50);
	ck_assert_str_eq(l.head, c[2]);
	expect_found(&l, c[1], 1);
	/* A revision with a suffix resolves too. */
	l = look("HEAD~1", NULL, 0);
	expect_found(&l, c[1], 0);
}
END_TEST

START_TEST(lookup__a_missing_base_revision_is_its_own_verdict)
{
	char c[2][41];
	struct pg_lookup l;

	tr_linear(c, 2, git, NULL);
	tr_branch_head(git, "main", c[1]);
	record(tmp, ".profgate/baselines", c[0]);
	l = look("HEAD", "origin/main", 50);
	ck_assert_int_eq(l.status, PG_LOOKUP_BASE_MISSING);
	ck_assert_msg(strstr(l.message, "origin/main") && strstr(l.message, "git fetch origin main"), "%s", l.message);
}
END_TEST

START_TEST(lookup__a_head_that_does_not_resolve_is_an_error)
{
	struct pg_repo *r = NULL;
	struct pg_store *s = NULL;
	struct pg_lookup l;

	/* No commits at all: HEAD is unborn. */
	ck_assert_int_eq(pg_repo_open(&r, tmp), 0);
	ck_assert_int_eq(pg_store_open(&s, NULL, tmp, r), 0);
	ck_assert_int_eq(pg_lookup_baseline(&l, s, r, "HEAD", NULL, 50), PG_ENOTFOUND);
	ck_assert_msg(strstr(pg_error_last(), "HEAD"), "%s", pg_error_last());
	pg_store_free(s);
	pg_repo_free(r);
}
END_TEST

START_TEST(lookup__through_the_notes_store)
{
	char c[5][41];
	struct pg_lookup l;

	tr_linear(c, 5, git, NULL);
	tr_branch_head(git, "main", c[4]);
	record(tmp, "git-notes", c[1]);
	l = look_in(tmp, "git-notes", "HEAD", NULL, 50);
	expect_found(&l, c[1], 3);
	l = look_in(tmp, "git-notes", "HEAD", NULL, 2);
	ck_assert_int_eq(l.status, PG_LOOKUP_NONE);
}
END_TEST

/* A source repository with n linear commits on main, and a clone of it
 * `depth` commits deep (file:// so that --depth is honoured). */
static void shallow_clone(char (*c)[41], int n, int depth, char *clone, size_t size)
{
	tr_linear(c, n, git, NULL);
	tr_branch_head(git, "main", c[n - 1]);
	snprintf(clone, size, "%s/clone", tmp);
	tr_sh("git clone -q --depth %d file://%s '%s' 2>&1", depth, tmp, clone);
}

START_TEST(lookup__a_shallow_clone_that_ends_too_early_is_not_no_baseline)
{
	char c[10][41], clone[512];
	struct pg_lookup l;
	struct pg_repo *r = NULL;

	shallow_clone(c, 10, 3, clone, sizeof clone);
	ck_assert_int_eq(pg_repo_open(&r, clone), 0);
	ck_assert_int_eq(pg_repo_is_shallow(r), 1);
	pg_repo_free(r);

	/* The baseline is on c[2], beyond the clone's 3 commits (c7..c9). */
	record(clone, ".profgate/baselines", c[2]);
	l = look_in(clone, ".profgate/baselines", "HEAD", NULL, 50);
	ck_assert_msg(l.status == PG_LOOKUP_SHALLOW, "status %s: %s", pg_lookup_status_name(l.status), l.message);
	ck_assert_uint_eq(l.walked, 3);
	ck_assert_uint_eq(l.deepen, 48);
	ck_assert_msg(strstr(l.message, "--deepen=48") && strstr(l.message, "--unshallow") &&
		      strstr(l.message, "after 3 commits"), "%s", l.message);

	/* Within the fetched history it is found as usual. */
	record(clone, ".profgate/baselines", c[8]);
	l = look_in(clone, ".profgate/baselines", "HEAD", NULL, 50);
	expect_found(&l, c[8], 1);

	/* And when max_distance ends before the clone does, it is "none". */
	l = look_in(clone, ".profgate/baselines", "HEAD~1", NULL, 1);
	expect_found(&l, c[8], 0);
	l = look_in(clone, ".profgate/baselines", "HEAD", NULL, 0);
	ck_assert_int_eq(l.status, PG_LOOKUP_NONE);
}
END_TEST

START_TEST(lookup__a_shallow_clone_without_the_merge_base_says_to_fetch_more)
{
	char c[6][41], t[2][41], clone[512];
	struct pg_lookup l;

	/* main c0..c5; topic off c1 with two commits. */
	tr_linear(c, 6, git, NULL);
	tr_linear(t, 2, git, c[1]);
	tr_ref(git, "refs/heads/topic", t[1]);
	tr_branch_head(git, "main", c[5]);
	snprintf(clone, sizeof clone, "%s/clone", tmp);
	tr_sh("git clone -q --depth 1 --no-single-branch file://%s '%s' 2>&1", tmp, clone);
	tr_sh("git -C '%s' checkout -q --detach origin/topic 2>&1", clone);
	l = look_in(clone, ".profgate/baselines", "HEAD", "origin/main", 50);
	ck_assert_msg(l.status == PG_LOOKUP_SHALLOW, "status %s: %s", pg_lookup_status_name(l.status), l.message);
	ck_assert_msg(strstr(l.message, "shallow") && strstr(l.message, "--deepen=50"), "%s", l.message);
}
END_TEST

START_TEST(lookup__a_shallow_clone_deep_enough_finds_the_merge_base)
{
	/* main c0..c5; topic off c3 with two commits; a clone 4 deep has
	 * c2..c5 and c2, c3, t0, t1: the merge-base c3 is there. */
	char c[6][41], t[2][41], clone[512];
	struct pg_lookup l;

	tr_linear(c, 6, git, NULL);
	tr_linear(t, 2, git, c[3]);
	tr_ref(git, "refs/heads/topic", t[1]);
	tr_branch_head(git, "main", c[5]);
	snprintf(clone, sizeof clone, "%s/clone", tmp);
	tr_sh("git clone -q --depth 4 --no-single-branch file://%s '%s' 2>&1", tmp, clone);
	tr_sh("git -C '%s' checkout -q --detach origin/topic 2>&1", clone);
	record(clone, ".profgate/baselines", c[2]);
	record(clone, ".profgate/baselines", c[4]);  /* on main, past the merge-base */
	l = look_in(clone, ".profgate/baselines", "HEAD", "origin/main", 50);
	ck_assert_str_eq(l.start, c[3]);
	expect_found(&l, c[2], 1);
	/* Without a baseline at c2 the walk runs into the boundary. */
	tr_sh("rm -f '%s/.profgate/baselines/%s.json'", clone, c[2]);
	l = look_in(clone, ".profgate/baselines", "HEAD", "origin/main", 50);
	ck_assert_msg(l.status == PG_LOOKUP_SHALLOW, "status %s: %s", pg_lookup_status_name(l.status), l.message);
}
END_TEST

START_TEST(repo__dirty_means_tracked_changes_only)
{
	char c[1][41], path[512];
	struct pg_repo *r = NULL;
	int dirty = -1;
	FILE *f;

	/* A clean checkout: f.txt written, staged and committed by git. */
	tr_linear(c, 1, git, NULL);
	tr_branch_head(git, "main", c[0]);
	tr_sh("git -C '%s' reset -q --hard 2>&1", tmp);
	ck_assert_int_eq(pg_repo_open(&r, tmp), 0);
	ck_assert_int_eq(pg_repo_is_dirty(&dirty, r), 0);
	ck_assert_int_eq(dirty, 0);
	/* An untracked build product does not count. */
	snprintf(path, sizeof path, "%s/build.o", tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(pg_repo_is_dirty(&dirty, r), 0);
	ck_assert_int_eq(dirty, 0);
	/* A change to a tracked file does. */
	snprintf(path, sizeof path, "%s/f.txt", tmp);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("changed\n", f);
	fclose(f);
	ck_assert_int_eq(pg_repo_is_dirty(&dirty, r), 0);
	ck_assert_int_eq(dirty, 1);
	pg_repo_free(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *walk = tcase_create("walk");
	TCase *shallow = tcase_create("shallow");
	TCase *repo = tcase_create("repo");

	tcase_add_checked_fixture(walk, setup, teardown);
	tcase_add_checked_fixture(shallow, setup, teardown);
	tcase_add_checked_fixture(repo, setup, teardown);
	tcase_add_test(walk, lookup__finds_a_baseline_two_commits_back);
	tcase_add_test(walk, lookup__none_within_max_distance);
	tcase_add_test(walk, lookup__the_first_commit_ends_the_walk);
	tcase_add_test(walk, lookup__follows_first_parents_through_merges);
	tcase_add_test(walk, lookup__starts_at_the_merge_base_with_the_base_branch);
	tcase_add_test(walk, lookup__works_on_a_detached_head);
	tcase_add_test(walk, lookup__a_missing_base_revision_is_its_own_verdict);
	tcase_add_test(walk, lookup__a_head_that_does_not_resolve_is_an_error);
	tcase_add_test(walk, lookup__through_the_notes_store);
	tcase_add_test(shallow, lookup__a_shallow_clone_that_ends_too_early_is_not_no_baseline);
	tcase_add_test(shallow, lookup__a_shallow_clone_without_the_merge_base_says_to_fetch_more);
	tcase_add_test(shallow, lookup__a_shallow_clone_deep_enough_finds_the_merge_base);
	tcase_add_test(repo, repo__dirty_means_tracked_changes_only);
	tcase_set_timeout(walk, 60);
	tcase_set_timeout(shallow, 120);
	tcase_set_timeout(repo, 60);
	suite_add_tcase(s, walk);
	suite_add_tcase(s, shallow);
	suite_add_tcase(s, repo);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
