/*
 * Internal to baselines/: the two kinds of store behind struct pg_store, and
 * what they share (merging a new baseline into a stored one).
 */
#ifndef PG_STORE_IMPL_H
#define PG_STORE_IMPL_H

#include <git2.h>

#include "store.h"

struct pg_store {
	enum pg_store_kind kind;
	char *describe;
	char *dir;               /* PG_STORE_DIR */
	char *ref;               /* PG_STORE_NOTES */
	struct pg_repo *repo;    /* borrowed */
	git_oid *ids;            /* PG_STORE_NOTES: annotated commits, sorted; loaded on first use */
	size_t nids;
	int ids_loaded;
	char *fetch_hint;        /* PG_STORE_NOTES: "git fetch origin REF:REF" */
};

/* The JSON text of new_text with the benchmarks of old_text that it does
 * not have added (caller frees). old_text is checked first: a stored
 * baseline that cannot be read is an error naming old_source. */
int pg_store_merge_text(char **out, const char *new_text, size_t new_len,
			const char *old_text, size_t old_len, const char *old_source);

/* Fills an entry from a stored document (size and location already set). */
void pg_store_entry_fill(struct pg_store_entry *e, const char *text, size_t len,
			 const char *source, const char *expected_commit);

int pg_notes_has(int *out, struct pg_store *s, const char *commit);
int pg_notes_read_raw(char **text, size_t *len, char **location, struct pg_store *s, const char *commit);
int pg_notes_write(struct pg_store *s, const char *commit, const char *text, size_t len, char **location);
int pg_notes_remove(struct pg_store *s, const char *commit);
int pg_notes_list(struct pg_store_entry **out, size_t *count, struct pg_store *s);
/* The annotated commits, sorted (borrowed from s until the next write). */
int pg_notes_ids(const git_oid **out, size_t *count, struct pg_store *s);

#endif
