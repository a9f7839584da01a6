/*
 * The output formats of a flame graph and of a differential flame graph,
 * as one table: each format is its name, the file suffixes that ask for it
 * and the writers it has. `profgate flamegraph`, `profgate diff` and the
 * check's benchmark folders pick a format from it, and their messages list
 * what it holds.
 */
#ifndef PG_FORMATS_H
#define PG_FORMATS_H

#include <stddef.h>

#include "diff.h"
#include "profile.h"
#include "report_html.h"

struct pg_format {
	const char *name;            /* "html", "svg", "folded" */
	const char *suffixes[3];     /* ".html", ".htm"; NULL-terminated */
	const char *description;     /* for --help: "interactive", ... */
	/* A flame graph of shown (one of r's profiles), weights in unit
	 * ("samples", "bytes"), titled title (NULL: the format's default; the
	 * HTML report takes r's); NULL when the format has none. */
	int (*flamegraph)(const struct pg_report *r, const struct pg_profile *shown, const char *unit,
			  const char *title, const char *path);
	/* A differential flame graph; NULL when the format has none. */
	int (*diff)(const struct pg_profile *before, const struct pg_profile *after,
		    const struct pg_diff_opts *o, const char *path);
};

enum pg_format_use { PG_FORMAT_FLAMEGRAPH, PG_FORMAT_DIFF };

/* The format whose suffix path ends with, among those with a writer for
 * use; NULL when none. */
const struct pg_format *pg_format_for_path(const char *path, enum pg_format_use use);

/* The format called name (e.g. "html"); NULL when none. */
const struct pg_format *pg_format_named(const char *name);

/* The first suffix of each format for use, as a list for messages:
 * ".html or .svg", ".html, .svg or .folded". */
void pg_format_suffix_list(char *buf, size_t size, enum pg_format_use use);

#endif
