/*
 * Files written atomically: everything goes to a temporary file next to the
 * target, which replaces the target by rename() only once it is complete and
 * flushed. A reader sees the old file or the new one, never half of one.
 */
#ifndef PG_AFILE_H
#define PG_AFILE_H

#include <stdio.h>
#include <stddef.h>

struct pg_afile {
	FILE *f;       /* write here */
	char *path;    /* target */
	char *tmp;     /* temporary next to it */
};

/* Creates missing parent directories and opens a temporary file. */
int pg_afile_open(struct pg_afile *out, const char *path);
/* Flushes, checks for write errors (ENOSPC...), fsyncs, renames; releases. */
int pg_afile_commit(struct pg_afile *af);
/* Removes the temporary file; releases. Safe after a failed commit. */
void pg_afile_abort(struct pg_afile *af);

/* Renders into a temporary file next to path with render(ctx, stream),
 * then puts it in place: the one wrapper every writer uses. A render that
 * fails (negative) leaves the old file and no temporary, and its error is
 * returned as it set it. */
int pg_afile_write_with(const char *path, int (*render)(void *ctx, FILE *out), void *ctx);

/* Whole-buffer convenience over the three above. */
int pg_write_file_atomic(const char *path, const void *data, size_t len);

/* mkdir -p; an existing directory is fine, an existing non-directory is not. */
int pg_mkdirs(const char *path);

/* rm -r: removes path and everything under it, never following a link.
 * Best effort (a scratch folder): what cannot be removed stays. */
void pg_remove_tree(const char *path);

/* Reads a whole file into a NUL-terminated buffer the caller frees. */
int pg_read_file(char **out, size_t *len, const char *path);

#endif
