/*
 * What `profgate check` found, as data: verdicts per benchmark and metric,
 * the functions and stacks that explain them, and the baseline compared
 * with. The gate (gate.c) decides and fills a struct pg_check_report; the
 * writers of reporters/check_writers.h present it.
 */
#ifndef PG_CHECK_REPORT_H
#define PG_CHECK_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "metric.h"

#define PG_CHECK_SCHEMA "profgate.check/1"
/* GitHub refuses comments longer than 65,536 characters; summary.md stays
 * below this many bytes (so below as many characters) whatever the suite. */
#define PG_CHECK_SUMMARY_MAX 65000

/* Ordered so that the worse verdict compares greater. */
enum pg_verdict {
	PG_VERDICT_NOT_CHECKED,  /* metric: threshold "off", or not measured on both sides */
	PG_VERDICT_NEW,          /* benchmark: interleaved mode, it does not exist at the base */
	PG_VERDICT_UNCHANGED,
	PG_VERDICT_IMPROVED,
	PG_VERDICT_INCONCLUSIVE, /* too noisy to tell at this threshold, or nothing to compare with */
	PG_VERDICT_REGRESSED,
	PG_VERDICT_ERROR,        /* benchmark: it could not be measured */
};

/* "not-checked", "new", "unchanged", "improved", "inconclusive", "regressed", "error". */
const char *pg_verdict_name(enum pg_verdict v);

/* "seconds", "bytes", "count", "percent". */
const char *pg_check_unit_name(enum pg_check_unit u);

/* One metric of one benchmark (or of one function of it). */
struct pg_check_metric {
	char *metric;          /* "wall", "cpu", "peak_heap", "peak_rss", "alloc_count",
				  "alloc_bytes", "leaked_bytes", "function" (inclusive CPU
				  share), "function_heap" (bytes at the heap peak) */
	char *function;        /* function and function_heap: its name; else NULL */
	enum pg_check_unit unit;
	enum pg_verdict verdict;
	double before, after;  /* medians of the runs; NaN when that side has none */
	double change;         /* after - before */
	double ratio;          /* after / before; NaN when before is 0 or unknown */
	char threshold[32];    /* as configured ("10%", "+4MiB", "5pp", "off") */
	int exact;             /* compared without a test: no spread on either side */
	double p_value;        /* two-sided Mann-Whitney; NaN when not tested */
	double *runs_before;   /* every run's value, or NULL (function_heap keeps none) */
	double *runs_after;
	size_t nbefore, nafter;
	unsigned repeats_needed;  /* inconclusive: runs per side that should decide it; 0 unknown */
	char *note;            /* how the verdict was reached, one line; may be NULL */
	/* Interleaved mode (base and head measured side by side): the pairs
	 * of runs the verdict rests on, the estimated change as a fraction
	 * (head / base - 1, Hodges-Lehmann of the pairs' log ratios) and its
	 * interval (paired.h: the low end one-sided 99.5%, the high end
	 * one-sided 95%; -inf below 8 pairs, +inf below 5). pairs
	 * is 0 for every other metric, and then the three are unused. */
	size_t pairs;
	double estimate, ci_low, ci_high;
};

/* A function whose CPU time changed, to explain a timing change. */
struct pg_check_function {
	char *name;
	double self_before, self_after;    /* seconds per run as the leaf */
	double total_before, total_after;  /* inclusive share, 0..1 */
	/* Interleaved mode: tested across the sampled pairs (1) and then
	 * whether its change is significant (1) or within noise (0). */
	int tested, significant;
};

/* A stack whose bytes at the heap peak changed. */
struct pg_check_stack {
	char *stack;           /* frames root first, joined by ';' */
	double before, after;  /* bytes */
};

struct pg_check_bench {
	char *name;            /* a safe file name (config rule) */
	enum pg_verdict verdict;
	char *message;         /* error, or why there is nothing to compare with; may be NULL */
	struct pg_check_metric *metrics;  /* the whole-benchmark metrics first */
	size_t nmetrics;
	struct pg_check_function *functions;  /* largest growth of CPU time first */
	size_t nfunctions;
	struct pg_check_stack *stacks;        /* largest growth of bytes at the peak first */
	size_t nstacks;
	/* Paths relative to the report folder, NULL when not written. */
	char *diff_cpu, *diff_mem, *profile;
	size_t runs_before, runs_after;          /* timing runs */
	size_t mem_runs_before, mem_runs_after;  /* memory runs */
	/* How busy the machine was while the current runs ran, as fractions
	 * of all its CPUs' time: idle, and used by processes other than
	 * profgate and the benchmark. NaN when not known. */
	double machine_idle, machine_others;
	size_t pairs;          /* interleaved mode: timing pairs measured; 0 otherwise */
};

struct pg_check_report {
	char *version;          /* profgate's */
	char *head;             /* the commit checked */
	int dirty;              /* the working tree had changes */
	char *base_rev;         /* as asked for ("origin/main"); NULL for none */
	char *base_commit;      /* it resolved; NULL if it did not */
	char *lookup_status;    /* "found", "none", "shallow", "base-missing" */
	char *lookup_message;   /* unless found: what happened and how to fix it */
	char *baseline_commit;  /* found: the commit whose baseline is used */
	unsigned baseline_distance;  /* first-parent steps from the merge-base */
	char *baseline_recorded_at;
	char *baseline_source;  /* the file or note */
	char *note;             /* a warning for the reader (baseline from another machine); may be NULL */
	char *compare;          /* "interleaved" (base built and measured here) or "baseline"; NULL: baseline */
	unsigned shard_index, shard_count;  /* 1-based; 0 and 0 when not sharded */
	double alpha;           /* the significance level of the tests */
	char *report_url;       /* prefix of links in summary.md; NULL: paths as text */
	char *out_dir;          /* the report folder as given, for paths in summary.md */
	struct pg_check_bench *benches;
	size_t nbenches;

	/* The tally (pg_gate_tally of gate.h fills these). */
	size_t counts[PG_VERDICT_ERROR + 1];  /* benchmarks per verdict */
	enum pg_verdict verdict;  /* the worst benchmark verdict; inconclusive when no baseline */
	int exit_code;
};

void pg_check_metric_release(struct pg_check_metric *m);
void pg_check_bench_release(struct pg_check_bench *b);
void pg_check_report_release(struct pg_check_report *r);

/* The overall verdict in words: "regressed", "inconclusive", "passed", "error". */
const char *pg_check_overall_name(const struct pg_check_report *r);

#endif
