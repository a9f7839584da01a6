/*
 * Helpers for throwaway repositories (see testrepo.h). Failures abort the
 * test with the libgit2 message: a repository that could not be made is a
 * broken test, never a skipped one.
 */
#define _GNU_SOURCE
#include "testrepo.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static void ok(int rc, const char *what)
{
	if (rc < 0) {
		const git_error *e = git_error_last();

		ck_abort_msg("%s: %s", what, e && e->message ? e->message : "libgit2 error");
	}
}

const char *tr_tmpdir(const char *tag)
{
	static char dirs[8][256];
	static int next;
	char *d = dirs[next++ % 8];

	fixture_mkdtemp(d, sizeof dirs[0], tag);
	return d;
}

void tr_rmtree(const char *path)
{
	if (!getenv("PG_KEEP_TMP"))
		fixture_rmtree(path);
}

git_repository *tr_init(const char *path)
{
	git_repository *repo = NULL;

	git_libgit2_init();
	ok(git_repository_init(&repo, path, 0), "git init");
	return repo;
}

void tr_commit(char *out, git_repository *repo, const char *msg, const char *const *parents, int nparents)
{
	git_oid blob, tree_id, id;
	git_treebuilder *tb = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	const git_commit *ps[8] = { 0 };
	static int64_t clock = 1700000000;

	ck_assert_int_le(nparents, 8);
	ok(git_blob_create_from_buffer(&blob, repo, msg, strlen(msg)), "blob");
	ok(git_treebuilder_new(&tb, repo, NULL), "treebuilder");
	ok(git_treebuilder_insert(NULL, tb, "f.txt", &blob, GIT_FILEMODE_BLOB), "tree insert");
	ok(git_treebuilder_write(&tree_id, tb), "tree write");
	ok(git_tree_lookup(&tree, repo, &tree_id), "tree lookup");
	/* Distinct, increasing times, so that nothing depends on the clock. */
	ok(git_signature_new(&sig, "Test", "test@example.com", clock++, 0), "signature");
	for (int i = 0; i < nparents; i++) {
		git_oid p;
		git_commit *c = NULL;

		ok(git_oid_fromstr(&p, parents[i]), "parent id");
		ok(git_commit_lookup(&c, repo, &p), "parent lookup");
		ps[i] = c;
	}
	ok(git_commit_create(&id, repo, NULL, sig, sig, NULL, msg, tree, (size_t)nparents, ps), "commit");
	git_oid_tostr(out, 41, &id);
	for (int i = 0; i < nparents; i++)
		git_commit_free((git_commit *)ps[i]);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
}

void tr_linear(char (*ids)[41], int n, git_repository *repo, const char *parent)
{
	char msg[64];

	for (int i = 0; i < n; i++) {
		const char *p = i > 0 ? ids[i - 1] : parent;

		snprintf(msg, sizeof msg, "commit %d of %d", i, n);
		tr_commit(ids[i], repo, msg, p ? &p : NULL, p ? 1 : 0);
	}
}

void tr_ref(git_repository *repo, const char *name, const char *hex)
{
	git_oid id;
	git_reference *ref = NULL;

	ok(git_oid_fromstr(&id, hex), "ref id");
	ok(git_reference_create(&ref, repo, name, &id, 1, "test"), "ref");
	git_reference_free(ref);
}

void tr_branch_head(git_repository *repo, const char *branch, const char *hex)
{
	char name[256];

	snprintf(name, sizeof name, "refs/heads/%s", branch);
	tr_ref(repo, name, hex);
	ok(git_repository_set_head(repo, name), "set HEAD");
}

void tr_detach(git_repository *repo, const char *hex)
{
	git_oid id;

	ok(git_oid_fromstr(&id, hex), "detach id");
	ok(git_repository_set_head_detached(repo, &id), "detach HEAD");
}

void tr_sh(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
	va_end(ap);
	rc = system(cmd);
	ck_assert_msg(rc == 0, "'%s' failed (status %d)", cmd, rc);
	free(cmd);
}
