/*
 * Throwaway git repositories for the baseline tests, made with libgit2 in a
 * temporary folder: commits with any parents (so that merges and side
 * branches are one call each), refs, a detached HEAD, and a scratch folder
 * that is removed afterwards.
 */
#ifndef PG_TESTREPO_H
#define PG_TESTREPO_H

#include <git2.h>

/* A fresh temporary folder (static buffer per call index, up to 8). */
const char *tr_tmpdir(const char *tag);
/* rm -rf */
void tr_rmtree(const char *path);

/* git init (non-bare) at path; libgit2 initialised on first call. */
git_repository *tr_init(const char *path);

/* A commit with a one-file tree holding msg, the given parents (hex ids,
 * first parent first), no ref moved. Its id goes into out (41 bytes). */
void tr_commit(char *out, git_repository *repo, const char *msg, const char *const *parents, int nparents);
/* n commits in a line on top of parent (NULL: a new root); ids[i] filled. */
void tr_linear(char (*ids)[41], int n, git_repository *repo, const char *parent);

/* Creates or moves a direct ref. */
void tr_ref(git_repository *repo, const char *name, const char *hex);
/* HEAD -> refs/heads/<branch>, the branch set to hex. */
void tr_branch_head(git_repository *repo, const char *branch, const char *hex);
/* HEAD detached at hex. */
void tr_detach(git_repository *repo, const char *hex);

/* Runs a shell command (git CLI for shallow clones); fails the test if it
 * does not exit 0. */
void tr_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
