/*
 * The two commands of `profgate check` that build and measure here instead
 * of reading a stored baseline (harness/cmd_check_interleaved.c): the
 * interleaved comparison of the base with the head, and the A/A
 * calibration of the head against itself.
 */
#ifndef PG_CHECK_INTERLEAVED_H
#define PG_CHECK_INTERLEAVED_H

#include <stddef.h>

#include "check_report.h"
#include "config.h"
#include "lookup.h"
#include "repo.h"

struct pg_check_interleaved {
	const struct pg_config *cfg;
	struct pg_repo *repo;
	const char *head;                /* HEAD's full id */
	const char *base_rev;            /* the base revision asked for */
	const struct pg_lookup *lookup;  /* its start is the merge-base; unused by calibrate */
	const struct pg_bench_config *const *todo;
	size_t ntodo;
	const char *out;
	const char *report_url;
	int quiet, dirty;
	unsigned shard_index, shard_count;
	/* The one line per finished benchmark; may be NULL. */
	void (*bench_line)(const struct pg_check_bench *b, size_t i, size_t n);
};

/* Interleaved mode; returns the exit status. */
int pg_check_interleaved(const struct pg_check_interleaved *a);

/* --calibrate: the head against itself, interleaved; prints and writes
 * <out>/calibration.json. Returns the exit status. */
int pg_check_calibrate(const struct pg_check_interleaved *a);

#endif
