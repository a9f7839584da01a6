/*
 * The git repository a baseline belongs to, behind an opaque handle so that
 * baselines/ stays the only code that includes <git2.h>: finding it from a
 * path, resolving revisions to full commit ids, telling whether the working
 * tree has changes and whether the clone is shallow.
 */
#ifndef PG_REPO_H
#define PG_REPO_H

#include <stdint.h>

#include "baseline.h"

struct pg_repo;

/* Opens the repository that contains path (searching upwards, like git).
 * PG_ENOTFOUND when there is none. */
int pg_repo_open(struct pg_repo **out, const char *path);
void pg_repo_free(struct pg_repo *r);  /* NULL is a no-op */

/* The working directory (or, for a bare repository, the git directory);
 * borrowed. */
const char *pg_repo_path(const struct pg_repo *r);

/* Resolves rev (HEAD, a branch, a tag, an abbreviated id, HEAD~2...) to the
 * full id of a commit. PG_ENOTFOUND when rev names nothing; an error when it
 * names something that is not a commit. */
int pg_repo_resolve(char out[PG_COMMIT_HEX_MAX + 1], struct pg_repo *r, const char *rev);

/* *out = 1 when tracked files differ from HEAD (staged or not). Untracked
 * files do not count: a build tree is not a change to the code. */
int pg_repo_is_dirty(int *out, struct pg_repo *r);

int pg_repo_is_shallow(struct pg_repo *r);


#endif
