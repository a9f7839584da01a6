/*
 * The metrics the gate checks, and the thresholds that say how much of a
 * change is a regression.
 */
#ifndef PG_METRIC_H
#define PG_METRIC_H

enum pg_metric {
	PG_METRIC_WALL,         /* seconds */
	PG_METRIC_CPU,          /* seconds */
	PG_METRIC_PEAK_HEAP,    /* bytes */
	PG_METRIC_PEAK_RSS,     /* bytes */
	PG_METRIC_ALLOC_COUNT,  /* allocations */
	PG_METRIC_ALLOC_BYTES,  /* bytes */
	PG_METRIC_LEAKED_BYTES, /* bytes */
	PG_METRIC_FUNCTION,     /* a function's inclusive share, in percentage points */
	PG_METRIC_COUNT
};

/* The key in "thresholds" ("wall", "peak_heap", ...). */
const char *pg_metric_name(enum pg_metric m);
/* Its threshold when the configuration sets none ("10%", "off", ...). */
const char *pg_metric_default_threshold(enum pg_metric m);

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
