/*
 * Finding the baseline to compare a commit with (docs/baselines.md, "Lookup"):
 * the merge-base of HEAD and the base revision, then its first-parent
 * ancestors, nearest first, up to max_distance commits back; the first
 * commit with a baseline in the store wins.
 *
 * Not finding one has three different causes that need three different
 * fixes, and the result keeps them apart: nothing was recorded within reach
 * (record a baseline on the base branch), the clone's history ends before
 * max_distance (fetch more of it: a shallow CI checkout must never pass for
 * "no baseline"), or the base revision does not exist here (fetch it, or
 * pass another --base).
 */
#ifndef PG_LOOKUP_H
#define PG_LOOKUP_H

#include "baseline.h"
#include "repo.h"
#include "store.h"

enum pg_lookup_status {
	PG_LOOKUP_FOUND,
	PG_LOOKUP_NONE,          /* no baseline within max_distance, or the history ends (root commit) */
	PG_LOOKUP_SHALLOW,       /* the shallow clone ends before max_distance with none found */
	PG_LOOKUP_BASE_MISSING,  /* base_rev does not resolve */
};

struct pg_lookup {
	enum pg_lookup_status status;
	char head[PG_COMMIT_HEX_MAX + 1];   /* head_rev resolved */
	char base[PG_COMMIT_HEX_MAX + 1];   /* base_rev resolved; "" without one */
	char start[PG_COMMIT_HEX_MAX + 1];  /* where the walk began (the merge-base); "" if none */
	char found[PG_COMMIT_HEX_MAX + 1];  /* FOUND: the commit whose baseline to use */
	unsigned distance;   /* FOUND: first-parent steps from start to found */
	unsigned walked;     /* commits examined */
	unsigned deepen;     /* SHALLOW: commits to fetch, as in `git fetch --deepen=N` */
	char message[1024];  /* unless FOUND: what happened and how to fix it, one line */
};

/* head_rev: the commit under test (usually "HEAD"). base_rev: the branch it
 * is compared with ("origin/main"), or NULL to walk from head_rev itself.
 * A commit at distance d from the start qualifies when d <= max_distance.
 * Returns 0 with out->status set, negative only for a tool error (head_rev
 * does not resolve, the repository or the store cannot be read). */
int pg_lookup_baseline(struct pg_lookup *out, struct pg_store *store, struct pg_repo *repo,
		       const char *head_rev, const char *base_rev, unsigned max_distance);

/* "found", "none", "shallow", "base-missing". */
const char *pg_lookup_status_name(enum pg_lookup_status s);

#endif
