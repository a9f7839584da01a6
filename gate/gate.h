/*
 * The gate of `profgate check`: one benchmark's current runs against its
 * baseline, metric by metric (verdict.h decides each), the hot-path gate
 * (each function's inclusive CPU share, and its bytes at the heap peak),
 * and what explains a change: the functions whose CPU time grew most and
 * the stacks whose bytes at the peak grew most. Then the tally of the whole
 * suite and the exit status.
 *
 * Exit status: 2 if a benchmark could not be measured (or profgate failed:
 * the caller's business), else 1 if anything regressed, else 3 if anything
 * is inconclusive or there was no baseline, else 0. An error wins over a
 * regression, so that a broken run never passes for a verdict.
 */
#ifndef PG_GATE_H
#define PG_GATE_H

#include <stddef.h>

#include "bench.h"
#include "check_report.h"
#include "metric.h"

/* Rows of the explanations kept per benchmark. */
#define PG_GATE_FUNCTIONS 5
#define PG_GATE_STACKS 5
/* Functions' bytes at the peak kept when they did not change a verdict. */
#define PG_GATE_HEAP_SITES 20

struct pg_gate_opts {
	double alpha;          /* 0: PG_VERDICT_ALPHA */
	/* Frames that only pass an allocation on (malloc, operator new):
	 * a function's bytes at the peak go to the first frame from the leaf
	 * that is not one. NULL: the leaf. */
	int (*is_allocator)(const char *name);
	size_t max_functions;  /* 0: PG_GATE_FUNCTIONS */
	size_t max_stacks;     /* 0: PG_GATE_STACKS */
	/* How busy the machine was during the current runs (fractions of all
	 * CPUs' time: idle, and used by other processes); NaN: not known.
	 * A wall time that grew while the CPU time did not, on a machine
	 * that other processes kept busy, is inconclusive: the runs may have
	 * waited for a CPU. NAN when unknown (0 others: nobody else ran). */
	double machine_idle, machine_others;
	/* The sides' timing runs are pairs, run i of each measured together
	 * (interleaved mode): a function's share is decided from the pairs'
	 * differences (pg_paired_share), not by a rank test of the runs. */
	int paired;
	/* CPU seconds per run of each side that "what grew" turns shares into
	 * (interleaved mode: from the timing pairs, which are many more than
	 * the sampled runs); 0: the medians of the runs compared. */
	double cpu_before, cpu_after;
};

/* The hot-path gate has a row for a function only when its self time is
 * at least this share of the samples on one side or the other: a function
 * that does no work of its own moves only with its callees, which have
 * rows of their own. */
#define PG_GATE_FUNCTION_MIN_SELF 0.01
/* A frame on at least this share of either side's samples is an ancestor
 * of (nearly) everything: no row, its inclusive share cannot move. */
#define PG_GATE_ANCESTOR_SHARE 0.99
/* "What grew" lists a function only when its self time grew by at least
 * this share of the baseline's CPU time. */
#define PG_GATE_EXPLAIN_MIN 0.01

/* The machine counts as busy below this idle share when other processes
 * used more than PG_GATE_BUSY_OTHERS of it. */
#define PG_GATE_BUSY_IDLE 0.10
#define PG_GATE_BUSY_OTHERS 0.10

/* Fills out (an empty benchmark) for the benchmark called name, with its
 * thresholds th (PG_METRIC_COUNT of them, indexed by enum pg_metric).
 * - current NULL: it could not be measured; verdict error, message why.
 * - baseline NULL: nothing to compare with; verdict inconclusive, message
 *   why (the lookup's message, or that the baseline lacks this benchmark);
 *   the metrics carry the current values.
 * Both are not const: their stacks are decoded on first use. Returns a
 * negative error only when out of memory or a stored profile is corrupt. */
int pg_gate_compare(struct pg_check_bench *out, struct pg_baseline_bench *baseline,
		    struct pg_baseline_bench *current, const char *name, const struct pg_threshold *th,
		    const char *message, const struct pg_gate_opts *opts);

/* A benchmark's verdict from its metrics' (the worst of regressed and
 * inconclusive, else improved when a whole-benchmark metric improved). */
enum pg_verdict pg_gate_bench_verdict(const struct pg_check_bench *b);

/* Counts the benchmarks per verdict and sets r->verdict and r->exit_code.
 * found: a baseline commit was found at all (otherwise the verdict is at
 * least inconclusive, even for an empty selection). */
void pg_gate_tally(struct pg_check_report *r, int found);

#endif
