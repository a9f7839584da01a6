/*
 * The four files that present a check report (check_report.h): summary.md
 * (the pull-request comment), result.json (everything, for machines),
 * junit.xml (a test case per benchmark and metric, for GitLab's and
 * Jenkins' test reports) and index.html (every benchmark with links to its
 * flame graphs).
 *
 * Each writer renders to a FILE, so tests render into memory, and has a
 * _write() that replaces the file atomically. Names of functions and stacks
 * come from profiled programs and are hostile input: every writer escapes
 * them for its format.
 */
#ifndef PG_CHECK_WRITERS_H
#define PG_CHECK_WRITERS_H

#include <stdio.h>

#include "check_report.h"

/* Values for people: "1.23 s", "45.6 ms", "12.0 MiB", "1,234", "81.2%". */
void pg_check_format_value(char *buf, size_t size, enum pg_check_unit u, double v);
/* Changes: "+20.3%" (relative to before), "+5.2 pp" for shares, "new" when
 * before is 0, "=" when equal. */
void pg_check_format_change(char *buf, size_t size, const struct pg_check_metric *m);

/* Writes path atomically with what render puts in it; a render that fails
 * leaves the old file, and its message is prefixed with the path. What the
 * four _write() functions below share. */
int pg_check_write_rendered(const struct pg_check_report *r, const char *path,
			    int (*render)(const struct pg_check_report *r, FILE *out));

/* summary.md: the one-line verdict first, then a table per benchmark that
 * did not pass unchanged, the functions and stacks that grew, links to the
 * diff flame graphs, the baseline, and the unchanged benchmarks folded into
 * <details>. Never more than PG_CHECK_SUMMARY_MAX bytes: benchmarks that do
 * not fit are counted and left to index.html. */
int pg_check_summary_render(const struct pg_check_report *r, FILE *out);
int pg_check_summary_write(const struct pg_check_report *r, const char *path);

/* result.json, schema profgate.check/1. */
int pg_check_json_render(const struct pg_check_report *r, FILE *out);
int pg_check_json_write(const struct pg_check_report *r, const char *path);

/* junit.xml: a <testcase> per benchmark and metric; a regression is a
 * <failure>, an inconclusive metric <skipped>, a benchmark that could not
 * run an <error>. */
int pg_check_junit_render(const struct pg_check_report *r, FILE *out);
int pg_check_junit_write(const struct pg_check_report *r, const char *path);

/* index.html: self-contained, no script, no network. */
int pg_check_html_render(const struct pg_check_report *r, FILE *out);
int pg_check_html_write(const struct pg_check_report *r, const char *path);

#endif
