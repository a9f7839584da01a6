/*
 * The baseline lookup: merge-base, then a first-parent walk asking the store
 * about each commit.
 *
 * The walk is done by hand rather than with a git_revwalk so that the end of
 * a shallow clone can be told from the end of history: at a shallow boundary
 * the commit names a parent that is not in the object database (libgit2 1.5
 * does not rewrite parents from .git/shallow), or, with a libgit2 that does,
 * the commit is listed in .git/shallow and looks parentless. Both are
 * checked, so neither is ever taken for "no baseline".
 */
#define _GNU_SOURCE
#include "lookup.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "hashmap.h"
#include "repo_git.h"

const char *pg_lookup_status_name(enum pg_lookup_status s)
{
	switch (s) {
	case PG_LOOKUP_FOUND: return "found";
	case PG_LOOKUP_NONE: return "none";
	case PG_LOOKUP_SHALLOW: return "shallow";
	case PG_LOOKUP_BASE_MISSING: return "base-missing";
	}
	return "unknown";
}

__attribute__((format(printf, 2, 3)))
static void say(struct pg_lookup *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->message, sizeof out->message, fmt, ap);
	va_end(ap);
}

static void shallow(struct pg_lookup *out, unsigned max_distance, unsigned d, const char *at,
		    const struct pg_store *store)
{
	out->status = PG_LOOKUP_SHALLOW;
	out->deepen = max_distance > d ? max_distance - d : 1;
	say(out, "history too shallow: the walk from %.12s stopped after %u commit%s at %.12s, where "
	    "this shallow clone ends, with no baseline in %s; fetch %u more commit%s of history "
	    "('git fetch --deepen=%u', or 'git fetch --unshallow'; in GitHub Actions "
	    "'fetch-depth: 0')",
	    out->start, out->walked, out->walked == 1 ? "" : "s", at, pg_store_describe(store),
	    out->deepen, out->deepen == 1 ? "" : "s", out->deepen);
}

/* A set of commit ids: the ids in an array, indexed by the hash map under
 * their first eight bytes (already uniformly distributed). Walked in the
 * map's slot order, which decides between common ancestors of the same
 * commit time. */
struct oidset {
	struct pg_hashmap map;
	git_oid *v;
	size_t count, cap;
};

static uint64_t oid_key(const git_oid *id)
{
	uint64_t k;

	memcpy(&k, id->id, sizeof k);
	return k;
}

static int oidset_has(const struct oidset *s, const git_oid *id)
{
	uint64_t key = oid_key(id);
	const struct pg_hashmap *m = &s->map;

	if (!m->slots)
		return 0;
	for (size_t i = pg_hashmap_start(m, (uint32_t)key); m->slots[i].ref; i = pg_hashmap_next(m, i))
		if (m->slots[i].key == key && !git_oid_cmp(&s->v[m->slots[i].ref - 1], id))
			return 1;
	return 0;
}

/* 1 if added, 0 if it was there, negative on failure. */
static int oidset_add(struct oidset *s, const git_oid *id)
{
	uint64_t key = oid_key(id);
	int rc;

	if (oidset_has(s, id))
		return 0;
	if (!s->map.slots && (rc = pg_hashmap_init(&s->map, 256)) < 0)
		return rc;
	/* The map refers to entries by a 32-bit index. */
	if (s->count >= UINT32_MAX / 2)
		return pg_error_set("out of memory");
	if ((rc = PG_ARRAY_RESERVE(s->v, s->cap, s->count + 1)) < 0)
		return rc;
	if ((rc = pg_hashmap_add(&s->map, (uint32_t)key, key, (uint32_t)s->count + 1)) < 0)
		return rc;
	git_oid_cpy(&s->v[s->count++], id);
	return 1;
}

/* The id in slot i of the map, NULL for an empty slot. */
static const git_oid *oidset_at(const struct oidset *s, size_t i)
{
	uint32_t ref = s->map.slots ? s->map.slots[i].ref : 0;

	return ref ? &s->v[ref - 1] : NULL;
}

static void oidset_release(struct oidset *s)
{
	pg_hashmap_release(&s->map);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Every commit reachable from `from` that the clone has. */
static int reachable(struct oidset *out, git_repository *git, const git_oid *from)
{
	git_oid *todo = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if ((rc = oidset_add(out, from)) < 0)
		return rc;
	for (git_oid cur = *from;;) {
		git_commit *c = NULL;

		/* A missing commit is the parent of a shallow boundary. */
		if (git_commit_lookup(&c, git, &cur) == 0) {
			for (unsigned k = 0; k < git_commit_parentcount(c); k++) {
				const git_oid *p = git_commit_parent_id(c, k);

				if ((rc = oidset_add(out, p)) < 0)
					break;
				if (rc == 0)
					continue;
				if ((rc = PG_ARRAY_RESERVE(todo, cap, n + 1)) < 0)
					break;
				git_oid_cpy(&todo[n++], p);
			}
			git_commit_free(c);
			if (rc < 0)
				break;
		}
		if (n == 0)
			break;
		cur = todo[--n];
	}
	free(todo);
	return rc < 0 ? rc : 0;
}

/* The merge-base within the history a shallow clone has: of the commits
 * both reach, those that are not the parent of another one (the "best"
 * common ancestors; the set is closed under taking parents, so an ancestor
 * of a common commit always has a common child), the most recent if there
 * are several. GIT_ENOTFOUND when the fetched histories do not meet. */
static int shallow_merge_base(git_oid *out, git_repository *git, const git_oid *a, const git_oid *b)
{
	struct oidset ra = { 0 }, rb = { 0 }, common = { 0 }, below = { 0 };
	int64_t best_time = INT64_MIN;
	int rc, found = 0;

	if ((rc = reachable(&ra, git, a)) < 0 || (rc = reachable(&rb, git, b)) < 0)
		goto done;
	for (size_t i = 0; i <= ra.map.mask; i++) {
		const git_oid *id = oidset_at(&ra, i);

		if (id && oidset_has(&rb, id) && (rc = oidset_add(&common, id)) < 0)
			goto done;
	}
	for (size_t i = 0; common.v && i <= common.map.mask; i++) {
		const git_oid *id = oidset_at(&common, i);
		git_commit *c = NULL;

		if (!id || git_commit_lookup(&c, git, id) < 0)
			continue;
		for (unsigned k = 0; k < git_commit_parentcount(c) && rc >= 0; k++)
			rc = oidset_add(&below, git_commit_parent_id(c, k));
		git_commit_free(c);
		if (rc < 0)
			goto done;
	}
	for (size_t i = 0; common.v && i <= common.map.mask; i++) {
		const git_oid *id = oidset_at(&common, i);
		git_commit *c = NULL;

		if (!id || oidset_has(&below, id) || git_commit_lookup(&c, git, id) < 0)
			continue;
		if (git_commit_time(c) > best_time) {
			best_time = git_commit_time(c);
			git_oid_cpy(out, id);
			found = 1;
		}
		git_commit_free(c);
	}
	rc = found ? 0 : GIT_ENOTFOUND;
done:
	oidset_release(&ra);
	oidset_release(&rb);
	oidset_release(&common);
	oidset_release(&below);
	return rc;
}

static int walk(struct pg_lookup *out, struct pg_store *store, struct pg_repo *repo,
		const char *head_rev, const char *base_rev, unsigned max_distance)
{
	git_repository *git = pg_repo_git(repo);
	int is_shallow = pg_repo_is_shallow(repo);
	git_oid cur;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = pg_repo_resolve(out->head, repo, head_rev)) < 0)
		return rc;
	if (base_rev) {
		git_oid h, b, mb;

		rc = pg_repo_resolve(out->base, repo, base_rev);
		if (rc == PG_ENOTFOUND) {
			out->status = PG_LOOKUP_BASE_MISSING;
			/* A single-branch clone (git clone --depth N, GitLab's
			 * runners) keeps no remote-tracking branch for a plain
			 * 'git fetch origin main': the refspec must name it. */
			if (!strncmp(base_rev, "origin/", 7) && base_rev[7])
				say(out, "base revision '%s' is not in this clone; fetch it ('git fetch origin "
				    "%s:refs/remotes/%s') or name another with --base",
				    base_rev, base_rev + 7, base_rev);
			else
				say(out, "base revision '%s' is not in this clone; fetch it (for example "
				    "'git fetch origin %s') or name another with --base", base_rev, base_rev);
			return 0;
		}
		if (rc < 0)
			return rc;
		git_oid_fromstr(&h, out->head);
		git_oid_fromstr(&b, out->base);
		/* libgit2 1.5's merge-base fails (and leaks) at a shallow
		 * boundary, so a shallow clone gets the walk below. */
		if (is_shallow)
			rc = shallow_merge_base(&mb, git, &h, &b);
		else
			rc = git_merge_base(&mb, git, &h, &b);
		if (rc < 0 && rc != GIT_ENOTFOUND) {
			if (is_shallow)
				return rc;  /* the message is set */
			return pg_error_set("cannot find the merge-base of '%s' and '%s': %s", head_rev,
					    base_rev, pg_git_message());
		}
		if (rc < 0) {
			if (is_shallow) {
				out->status = PG_LOOKUP_SHALLOW;
				out->deepen = max_distance > 0 ? max_distance : 1;
				say(out, "history too shallow: %.12s (%s) and %.12s (%s) have no common commit in "
				    "this shallow clone; fetch more history ('git fetch --deepen=%u', or "
				    "'git fetch --unshallow'; in GitHub Actions 'fetch-depth: 0')",
				    out->head, head_rev, out->base, base_rev, out->deepen);
				return 0;
			}
			out->status = PG_LOOKUP_NONE;
			say(out, "%.12s (%s) and %.12s (%s) have no common history, so there is no "
			    "baseline to compare with", out->head, head_rev, out->base, base_rev);
			return 0;
		}
		cur = mb;
	} else {
		git_oid_fromstr(&cur, out->head);
	}
	git_oid_tostr(out->start, sizeof out->start, &cur);

	for (unsigned d = 0;; d++) {
		char hex[PG_COMMIT_HEX_MAX + 1];
		git_commit *c = NULL;
		git_commit *parent = NULL;
		int has = 0;

		git_oid_tostr(hex, sizeof hex, &cur);
		out->walked++;
		if ((rc = pg_store_has(&has, store, hex)) < 0)
			return rc;
		if (has) {
			out->status = PG_LOOKUP_FOUND;
			strcpy(out->found, hex);
			out->distance = d;
			return 0;
		}
		if (d >= max_distance) {
			out->status = PG_LOOKUP_NONE;
			say(out, "no baseline in %s for %.12s or its %u first-parent ancestor%s "
			    "(max_distance %u); record one on the base branch ('profgate record' at "
			    "%.12s) or raise max_distance",
			    pg_store_describe(store), out->start, max_distance, max_distance == 1 ? "" : "s",
			    max_distance, out->start);
			return 0;
		}
		if (is_shallow && pg_repo_is_shallow_boundary(repo, hex)) {
			shallow(out, max_distance, d, hex, store);
			return 0;
		}
		if (git_commit_lookup(&c, git, &cur) < 0)
			return pg_error_set("cannot read commit '%s': %s", hex, pg_git_message());
		if (git_commit_parentcount(c) == 0) {
			git_commit_free(c);
			out->status = PG_LOOKUP_NONE;
			say(out, "no baseline in %s for %.12s or any of its %u first-parent ancestor%s, "
			    "back to the first commit %.12s; record one on the base branch "
			    "('profgate record' at %.12s)", pg_store_describe(store), out->start, d,
			    d == 1 ? "" : "s", hex, out->start);
			return 0;
		}
		git_oid_cpy(&cur, git_commit_parent_id(c, 0));
		git_commit_free(c);
		rc = git_commit_lookup(&parent, git, &cur);
		git_commit_free(parent);
		if (rc == GIT_ENOTFOUND && is_shallow) {
			shallow(out, max_distance, d, hex, store);
			return 0;
		}
		if (rc < 0) {
			char missing[PG_COMMIT_HEX_MAX + 1];

			git_oid_tostr(missing, sizeof missing, &cur);
			return pg_error_set("cannot read commit '%s', first parent of '%s': %s", missing, hex,
					    pg_git_message());
		}
	}
}

int pg_lookup_baseline(struct pg_lookup *out, struct pg_store *store, struct pg_repo *repo,
		       const char *head_rev, const char *base_rev, unsigned max_distance)
{
	int rc = walk(out, store, repo, head_rev, base_rev, max_distance);
	const char *fetch;

	/* No notes at all is nearly always a clone that has not fetched them
	 * (clones never do): say that rather than "record one". */
	if (rc < 0 || (out->status != PG_LOOKUP_NONE && out->status != PG_LOOKUP_SHALLOW) ||
	    (fetch = pg_store_fetch_hint(store)) == NULL)
		return rc;
	if (out->status == PG_LOOKUP_NONE) {
		say(out, "no baselines in %s in this clone (a clone does not fetch notes); fetch them "
		    "('%s') or record one on the base branch ('profgate record' at %.12s)",
		    pg_store_describe(store), fetch, out->start[0] ? out->start : out->head);
	} else {
		char shallow_msg[sizeof out->message];

		memcpy(shallow_msg, out->message, sizeof shallow_msg);
		say(out, "%s; this clone has no baselines in %s either: fetch them too ('%s')",
		    shallow_msg, pg_store_describe(store), fetch);
	}
	return rc;
}
