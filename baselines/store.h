/*
 * Where baselines are kept, one per commit: a directory of
 * "<full commit id>.json" files (the default, .profgate/baselines), or git
 * notes under a ref (git-notes, git-notes:REF; refs/notes/profgate by
 * default) so that they travel with the repository.
 *
 * Writing merges: the benchmarks of a new baseline replace those of the same
 * name in the commit's existing baseline and the others are kept, so that
 * sharded CI jobs can each record their share of one commit. Both stores
 * survive concurrent writers: the directory store serializes them with a
 * lock file and replaces files atomically, the notes store updates its ref
 * only if nobody moved it since it was read, and tries again otherwise.
 */
#ifndef PG_STORE_H
#define PG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "baseline.h"
#include "repo.h"

#define PG_STORE_DEFAULT ".profgate/baselines"
#define PG_STORE_NOTES_DEFAULT_REF "refs/notes/profgate"

enum pg_store_kind {
	PG_STORE_DIR,
	PG_STORE_NOTES,
};

struct pg_store;

/* spec: NULL (the default directory), a directory (relative to base_dir, or
 * to the current directory when base_dir is NULL), "git-notes" or
 * "git-notes:REF" (REF without "refs/" is taken under refs/notes/). repo is
 * borrowed and must outlive the store; the notes store needs it, the
 * directory store does not (NULL is fine). A malformed spec is PG_EINVALID. */
int pg_store_open(struct pg_store **out, const char *spec, const char *base_dir, struct pg_repo *repo);
void pg_store_free(struct pg_store *s);  /* NULL is a no-op */

enum pg_store_kind pg_store_kind(const struct pg_store *s);
/* "directory '.profgate/baselines'" or "git notes 'refs/notes/profgate'";
 * borrowed. */
const char *pg_store_describe(const struct pg_store *s);

/* For a git-notes store whose ref holds no baseline at all (typically a
 * fresh clone, which does not fetch refs/notes/): the command that brings
 * the baselines ("git fetch origin REF:REF"), borrowed. NULL otherwise (a
 * directory store, or notes present). Errors reading the ref count as
 * notes present: the lookup then says what it found, as it would anyway. */
const char *pg_store_fetch_hint(struct pg_store *s);

/* Whether the store has a baseline for commit (a full id), without reading
 * it. */
int pg_store_has(int *out, struct pg_store *s, const char *commit);

/* The baseline of commit. PG_ENOTFOUND when there is none; a corrupt or
 * foreign one is PG_EINVALID naming the file or note. */
int pg_store_read(struct pg_baseline **out, struct pg_store *s, const char *commit);

/* The stored text as it is (caller frees), and where it is (caller frees;
 * may be NULL if not wanted). PG_ENOTFOUND when there is none. */
int pg_store_read_raw(char **text, size_t *len, char **location, struct pg_store *s, const char *commit);

/* Stores b as the baseline of b->commit, merged with the one already there
 * (b's benchmarks win). An existing baseline that cannot be read is an
 * error, never overwritten. b is not changed. location (caller frees; may
 * be NULL) says where it went. */
int pg_store_write(struct pg_store *s, const struct pg_baseline *b, char **location);

/* The full commit id of the one stored baseline whose commit starts with
 * prefix (hex), found by name without reading any baseline. PG_ENOTFOUND
 * when there is none; an error when several match. */
int pg_store_find_prefix(char out[PG_COMMIT_HEX_MAX + 1], struct pg_store *s, const char *prefix);

/* Removes the baseline of commit; PG_ENOTFOUND when there is none. */
int pg_store_remove(struct pg_store *s, const char *commit);

struct pg_store_entry {
	char commit[PG_COMMIT_HEX_MAX + 1];  /* "" for a foreign file */
	char *location;         /* file path or "REF:commit" */
	uint64_t size;          /* bytes */
	char *recorded_at;      /* NULL when unreadable */
	size_t nbenches;
	char **benches;         /* their names */
	int dirty;
	char *error;            /* NULL, or why this entry is not a usable baseline */
};

/* Every baseline of the store, newest first; entries that are corrupt or
 * foreign (a file that is not "<commit>.json", a document of another
 * schema) are listed too, with error set, last. */
int pg_store_list(struct pg_store_entry **out, size_t *count, struct pg_store *s);
void pg_store_entries_free(struct pg_store_entry *e, size_t count);

#endif
