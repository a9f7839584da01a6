/*
 * Internal to baselines/: the libgit2 side of struct pg_repo, for the
 * git-notes store and the lookup, and libgit2 errors turned into ours.
 */
#ifndef PG_REPO_GIT_H
#define PG_REPO_GIT_H

#include <git2.h>

#include "repo.h"

/* Borrowed from r. */
git_repository *pg_repo_git(struct pg_repo *r);

/* The last libgit2 error's text ("unknown error" if none). */
const char *pg_git_message(void);

/* Whether commit id (hex) is listed in the clone's shallow file: the
 * commits whose parents were not fetched. */
int pg_repo_is_shallow_boundary(struct pg_repo *r, const char *id);

#endif
