/*
 * Internal to baselines/: a store is a const table of functions (struct
 * pg_store_ops), one per backend and one file each (store_dir.c,
 * store_notes.c); store.c dispatches to them and never knows which one it
 * holds. What backends share is in store_common.c, which calls no backend:
 * store.c -> backends -> store_common.c, without a cycle.
 */
#ifndef PG_STORE_IMPL_H
#define PG_STORE_IMPL_H

#include "store.h"

struct pg_store_ops {
	enum pg_store_kind kind;
	/* Whether spec names a store of this kind. */
	int (*claims)(const char *spec);
	/* Fills s->impl and s->describe from spec (see pg_store_open). */
	int (*open)(struct pg_store *s, const char *spec, const char *base_dir, struct pg_repo *repo);
	void (*close)(struct pg_store *s);
	/* The operations of store.h; commit is a valid full id. */
	int (*has)(int *out, struct pg_store *s, const char *commit);
	int (*read_raw)(char **text, size_t *len, char **location, struct pg_store *s, const char *commit);
	/* Stores text merged with the commit's stored baseline, if any. */
	int (*write)(struct pg_store *s, const char *commit, const char *text, size_t len, char **location);
	int (*remove)(struct pg_store *s, const char *commit);
	/* Entries in any order; store.c sorts them. */
	int (*list)(struct pg_store_entry **out, size_t *count, struct pg_store *s);
	/* Calls fn for each commit with a baseline, from names alone. */
	int (*each_commit)(struct pg_store *s, void (*fn)(const char *commit, void *ctx), void *ctx);
	/* NULL, or see pg_store_fetch_hint. */
	const char *(*fetch_hint)(struct pg_store *s);
};

struct pg_store {
	const struct pg_store_ops *ops;
	char *describe;
	void *impl;              /* the backend's own */
};

extern const struct pg_store_ops pg_store_dir_ops;
extern const struct pg_store_ops pg_store_notes_ops;

/* ---- store_common.c ---------------------------------------------------- */

/* The JSON text of new_text with the benchmarks of old_text that it does
 * not have added (caller frees). old_text is checked first: a stored
 * baseline that cannot be read is an error naming old_source. */
int pg_store_merge_text(char **out, const char *new_text, size_t new_len,
			const char *old_text, size_t old_len, const char *old_source);

/* Fills an entry from a stored document (size and location already set). */
void pg_store_entry_fill(struct pg_store_entry *e, const char *text, size_t len,
			 const char *source, const char *expected_commit);

/* A new zeroed entry at the end of *v (n entries, room for *cap); NULL
 * when out of memory (the error is set). */
struct pg_store_entry *pg_store_entry_push(struct pg_store_entry **v, size_t *n, size_t *cap);

#endif
