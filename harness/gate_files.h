/*
 * The per-benchmark files of a check report (docs/check-report.md):
 * <name>/diff-cpu.html and <name>/diff-mem.html, the differential flame
 * graphs of the baseline against the current runs, and the current
 * profile: <name>/report.html, cpu.folded and mem-peak.folded.
 */
#ifndef PG_GATE_FILES_H
#define PG_GATE_FILES_H

#include "baseline.h"
#include "check_report.h"

/* Writes the files of b into out_dir/<b->name>/ and records their paths
 * (relative to out_dir) in b. baseline may be NULL (only the current
 * profile is written); baseline_label names it in the graphs' titles
 * ("a1b2c3d4e5f6"). A kind of profile missing on either side (no samples,
 * no memory runs) writes no diff of that kind. */
int pg_gate_write_files(struct pg_check_bench *b, struct pg_baseline_bench *baseline,
			struct pg_baseline_bench *current, const char *out_dir,
			const char *baseline_label);

#endif
