/*
 * result.json (schema profgate.check/1) read back into the struct
 * pg_check_report that check_json.c renders, so that `profgate
 * merge-reports` can join the reports of a sharded check into one.
 *
 * The file comes from a CI artifact, which anyone who can push a branch
 * can shape: the reader is strict. A file of another schema, a missing
 * key, a value of the wrong type, a number out of range or not finite, a
 * verdict or unit it does not know is refused with one message naming the
 * file and the key ("'a/result.json': benchmarks[1].metrics[0].unit:
 * ..."). Keys it does not know are ignored (a later profgate may add
 * some; docs/check-report.md allows more). What it accepts renders back to the
 * same bytes: render, read, render gives identical files.
 */
#ifndef PG_CHECK_JSON_READ_H
#define PG_CHECK_JSON_READ_H

#include <stddef.h>

#include "check_report.h"

/* Reads the file at path into *out. On failure, returns PG_EINVALID (or
 * another negative code for I/O and memory) with the message set; *out
 * is then empty. Either way the caller releases *out with
 * pg_check_report_release. report_url and out_dir stay NULL: they are not
 * in result.json but options of whoever presents the report. */
int pg_check_json_read(struct pg_check_report *out, const char *path);

/* The same from len bytes of text; name is what messages call it. */
int pg_check_json_parse(struct pg_check_report *out, const char *text, size_t len, const char *name);

#endif
