/*
 * The report folder of `profgate check`, and what is done with it once the
 * verdicts are in, shared with `profgate merge-reports` so that one merged
 * report of a sharded check is written, published to CI and summed up on
 * the terminal exactly as an unsharded check does it.
 */
#ifndef PG_REPORT_DIR_H
#define PG_REPORT_DIR_H

#include <stdio.h>

#include "check_writers.h"

/* Refuses a report folder that is a symbolic link (a link planted in a
 * shared workspace could send the report anywhere): -1 with the message
 * set. A folder that does not exist yet is fine. */
int pg_report_dir_refuse_link(const char *dir);

/* Writes dir/summary.md, result.json, junit.xml and index.html, each
 * atomically. The message of a failure names the file. */
int pg_report_dir_write(const struct pg_check_report *r, const char *dir);

/* For CI: appends dir/summary.md to $GITHUB_STEP_SUMMARY when it is set,
 * and with GITHUB_ACTIONS=true prints an ::error annotation to stdout for
 * each regressed metric and each benchmark that could not be measured. */
int pg_report_dir_publish(const struct pg_check_report *r, const char *dir);

/* The summary on stdout: per benchmark its verdict and the metrics that
 * need a look, then "profgate <cmd>: <verdict> (counts); report in dir/". */
void pg_report_dir_print(const struct pg_check_report *r, const char *dir, const char *cmd);

#endif
