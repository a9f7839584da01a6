/*
 * What was measured of one benchmark: every run's metrics (indexed by the
 * registry's enum pg_metric), its hot functions and the merged CPU and
 * peak-memory stacks. `record` measures it, a baseline (baselines/) keeps
 * it per commit, and the gate (gate.h) compares two of them. Named after
 * the baseline that stores it; it knows no store: a benchmark read from one
 * carries the decoder of its stacks (struct pg_baseline_stacks).
 */
#ifndef PG_BENCH_H
#define PG_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "metric.h"
#include "profile.h"

struct pg_baseline_bench;

enum pg_baseline_kind {
	PG_BASELINE_CPU,       /* samples, summed over the timing runs */
	PG_BASELINE_MEM_PEAK,  /* bytes live at the heap peak, averaged over the memory runs */
};

/* One timing run (CPU sampler alone). */
struct pg_baseline_run {
	/* The metrics that timing runs measure (pg_metrics[m].runs is
	 * PG_RUNS_TIMING or PG_RUNS_BOTH), indexed by enum pg_metric; NaN: not
	 * measured, stored as null (or left out), never as a made-up number.
	 * Counts and bytes are whole numbers. */
	double values[PG_METRIC_COUNT];
	uint64_t samples;
	/* Inclusive share (0..1) of each of the benchmark's hot functions in
	 * this run, parallel to bench->hot; NULL when not recorded. Owned. */
	double *functions;
};

/* One memory run (allocation tracker alone). */
struct pg_baseline_mem_run {
	double wall_seconds;
	/* The metrics that memory runs measure (PG_RUNS_MEMORY or
	 * PG_RUNS_BOTH), as in struct pg_baseline_run. */
	double values[PG_METRIC_COUNT];
};

/* A run with every metric not measured (NaN). */
void pg_baseline_run_init(struct pg_baseline_run *r);
void pg_baseline_mem_run_init(struct pg_baseline_mem_run *r);

/* A function's share of the merged CPU profile (fractions of all samples:
 * self = as the leaf, total = anywhere in the stack, once per stack). */
struct pg_baseline_function {
	char *name;
	double self;
	double total;
};

/* How much pruning folded away: stacks that lost their identity and the
 * weight they carried (now counted in an ancestor). */
struct pg_baseline_pruned {
	double threshold;   /* fraction of the total; 0: not pruned */
	uint64_t stacks;
	uint64_t weight;
};

/* The merged stacks of one kind. */
struct pg_baseline_stacks {
	int present;        /* 0: none recorded (memory without the tracker) */
	unsigned runs;      /* runs merged into them */
	uint64_t total;     /* sum of the weights */
	size_t count;       /* distinct stacks */
	struct pg_baseline_pruned pruned;
	/* Use pg_baseline_bench_profile(): NULL until decoded. Owned. */
	struct pg_profile *profile;
	/* Private, of a benchmark read from a store: the encoded stacks and
	 * what decodes them into a new profile (NULL once decoded). */
	const void *enc_frames, *enc_tree;
	int (*decode)(struct pg_profile **out, const struct pg_baseline_bench *bench,
		      enum pg_baseline_kind kind);
};

struct pg_baseline_bench {
	char *name;
	char **command;            /* argv as configured */
	size_t ncommand;
	char *recorded_at;         /* ISO 8601, UTC */
	char *host_fingerprint;    /* of the machine that ran it */
	int dirty;                 /* recorded from a working tree with changes */
	unsigned hz;
	unsigned repeat, mem_repeat, warmup;  /* as run (the runs planned, once they all ran) */
	uint64_t mem_sample;       /* allocation sampling of the memory runs; 0: exact */
	double *warmup_wall;       /* wall seconds of each warm-up run */
	size_t nwarmup;
	struct pg_baseline_run *runs;
	size_t nruns;
	struct pg_baseline_mem_run *mem_runs;
	size_t nmem_runs;
	struct pg_baseline_function *hot;  /* heaviest first */
	size_t nhot;
	struct pg_baseline_stacks cpu;
	struct pg_baseline_stacks mem_peak;
	char *source;              /* where it was read from, for messages; NULL if made here */
};

/* The median of metric m over the runs of bench that measure it (the
 * memory runs for one that both kinds measure); NaN when none did. */
double pg_baseline_bench_median(const struct pg_baseline_bench *bench, enum pg_metric m);

/* The merged stacks of kind, decoded on first use. *out is borrowed from
 * bench, NULL when the benchmark has none of that kind. A corrupt encoding
 * is PG_EINVALID naming the source. */
int pg_baseline_bench_profile(struct pg_profile **out, struct pg_baseline_bench *bench,
			      enum pg_baseline_kind kind);

/* The stacks of kind in bench. */
struct pg_baseline_stacks *pg_baseline_bench_stacks(struct pg_baseline_bench *bench, enum pg_baseline_kind kind);

#endif
