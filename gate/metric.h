/*
 * The metrics the gate checks, and the thresholds that say how much of a
 * change is a regression.
 */
#ifndef PG_METRIC_H
#define PG_METRIC_H

enum pg_metric {
	PG_METRIC_WALL,
	PG_METRIC_CPU,
	PG_METRIC_SYS_CPU,
	PG_METRIC_PEAK_HEAP,
	PG_METRIC_PEAK_RSS,
	PG_METRIC_ALLOC_COUNT,
	PG_METRIC_ALLOC_BYTES,
	PG_METRIC_LEAKED_BYTES,
	PG_METRIC_FUNCTION,
	PG_METRIC_FUNCTION_HEAP,
	PG_METRIC_COUNT
};

enum pg_check_unit {
	PG_UNIT_SECONDS,
	PG_UNIT_BYTES,
	PG_UNIT_COUNT,
	PG_UNIT_PERCENT,  /* a share of all samples, in percent; changes are percentage points */
};

/* Which runs of a benchmark measure a metric, one number per run. */
enum pg_metric_runs {
	PG_RUNS_NONE,     /* none: measured per function, on the merged profiles */
	PG_RUNS_TIMING,   /* the timing runs (the CPU sampler alone) */
	PG_RUNS_MEMORY,   /* the memory runs (the allocation tracker alone) */
	PG_RUNS_BOTH,     /* both; the gate prefers the timing runs, which the tracker does not inflate */
};

/* alloc_count under a relative threshold regresses only by at least this
 * many allocations (an absolute threshold, "+1", says otherwise). */
#define PG_METRIC_MIN_ALLOC_COUNT 10

/* One metric: everything the configuration, the gate, the baselines and the
 * reports need to know of it. */
struct pg_metric_def {
	const char *name;            /* key in "thresholds", "metric" in result.json */
	const char *label;           /* for people: "CPU time" ("CPU share of" + a function) */
	enum pg_check_unit unit;
	enum pg_metric_runs runs;
	const char *run_key;         /* its key in a baseline's runs and mem_runs */
	int nullable;                /* a run may not know it (null in a baseline) */
	int optional;                /* added after the baseline format was first
					released: absent in older baselines (not measured) */
	int exact;                   /* a count of the exact tracker: without spread on
					either side, compared exactly instead of tested */
	int always;                  /* a report row even when its threshold is off */
	int memory;                  /* reported with the memory metrics, not the timing ones */
	enum pg_metric threshold_of; /* the metric whose threshold applies (itself, or
					peak_heap for a function's bytes at the peak) */
	const char *default_threshold;
	/* The smallest change a relative threshold can call a regression (an
	 * absolute floor for small counts); 0: none. */
	double min_change;
	/* Varies from run to run more than a few runs' rank test can tell: a
	 * change within the range its runs span is unchanged (verdict.h). */
	int noisy;
};

/* The registry, indexed by enum pg_metric. */
extern const struct pg_metric_def pg_metrics[PG_METRIC_COUNT];

/* The row of m; m must be < PG_METRIC_COUNT. */
const struct pg_metric_def *pg_metric(enum pg_metric m);
/* The metric called name, or -1. */
int pg_metric_find(const char *name);
/* Its name ("wall", "peak_heap", ...); "unknown" out of range. */
const char *pg_metric_name(enum pg_metric m);
/* Whether it has a key of its own in "thresholds". */
int pg_metric_configurable(enum pg_metric m);

enum pg_threshold_kind {
	PG_THRESHOLD_OFF,       /* not checked ("off" or null) */
	PG_THRESHOLD_RELATIVE,  /* "10%": value 0.10, a fraction of the baseline */
	PG_THRESHOLD_ABSOLUTE,  /* "+4MiB", "+50ms", "+1000": value in bytes, seconds or a count */
	PG_THRESHOLD_POINTS,    /* "5pp" (function only): value 5.0 percentage points */
};

struct pg_threshold {
	enum pg_threshold_kind kind;
	double value;
	char text[32];          /* as written, for reports */
};

/* Parses a threshold for metric m. On error (PG_EINVALID) the message says
 * what was expected, without naming the key (the caller does). */
int pg_threshold_parse(struct pg_threshold *out, enum pg_metric m, const char *text);

#endif
