/*
 * The kinds of profile a profile directory holds (cpu.folded, wall.folded,
 * mem-peak.folded, mem-leaks.folded) and how commands that take "a profile
 * directory or a folded file" (flamegraph, diff) find the one to read.
 */
#ifndef PG_PROFILE_KIND_H
#define PG_PROFILE_KIND_H

enum pg_kind { PG_KIND_CPU, PG_KIND_WALL, PG_KIND_MEM_PEAK, PG_KIND_MEM_LEAKS, PG_KIND_NONE };

/* "cpu", "wall", "mem-peak", "mem-leaks"; indexed by enum pg_kind. */
extern const char *const pg_kind_names[PG_KIND_NONE];

/* 0, or -1 if s names no kind. */
int pg_kind_parse(enum pg_kind *out, const char *s);
/* "<dir>/<kind>.folded", newly allocated; NULL when out of memory. */
char *pg_kind_path(const char *dir, enum pg_kind k);
/* The kind a folded file's name says (wall.folded...), or PG_KIND_NONE. */
enum pg_kind pg_kind_of_file(const char *path);
/* What a directory holds when no kind is asked for: cpu, unless it has
 * wall-clock samples only (a --mode wall run with --no-cpu). */
enum pg_kind pg_kind_of_dir(const char *dir);

/* Whether path is a regular file (*exists) with something in it. */
int pg_file_has_data(const char *path, int *exists);
/* Case-insensitive suffix test, for output extensions. */
int pg_path_ends_with(const char *s, const char *suffix);

#endif
