/*
 * The metric registry and the threshold syntax (metric.h).
 */
#include "metric.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Adding a metric is a row here and its measurement (what fills its run
 * values); the configuration, the gate, the baselines and the reports read
 * the row. alloc_bytes, leaked_bytes and sys_cpu are only checked when a
 * project asks for it. */
const struct pg_metric_def pg_metrics[PG_METRIC_COUNT] = {
	[PG_METRIC_WALL] = {
		.name = "wall", .label = "wall time", .unit = PG_UNIT_SECONDS,
		.runs = PG_RUNS_TIMING, .run_key = "wall_seconds", .always = 1,
		.threshold_of = PG_METRIC_WALL, .default_threshold = "10%",
	},
	[PG_METRIC_CPU] = {
		.name = "cpu", .label = "CPU time", .unit = PG_UNIT_SECONDS,
		.runs = PG_RUNS_TIMING, .run_key = "cpu_seconds", .always = 1,
		.threshold_of = PG_METRIC_CPU, .default_threshold = "10%",
	},
	/* CPU time in the kernel on the program's behalf (wait4's ru_stime):
	 * page faults and system calls, which hide inside cpu. */
	[PG_METRIC_SYS_CPU] = {
		.name = "sys_cpu", .label = "system CPU time", .unit = PG_UNIT_SECONDS,
		.runs = PG_RUNS_TIMING, .run_key = "sys_cpu_seconds", .nullable = 1, .optional = 1,
		.threshold_of = PG_METRIC_SYS_CPU, .default_threshold = "off",
	},
	[PG_METRIC_PEAK_HEAP] = {
		.name = "peak_heap", .label = "peak heap", .unit = PG_UNIT_BYTES,
		.runs = PG_RUNS_MEMORY, .run_key = "peak_heap_bytes", .nullable = 1, .exact = 1,
		.always = 1, .memory = 1, .threshold_of = PG_METRIC_PEAK_HEAP, .default_threshold = "2%",
	},
	[PG_METRIC_PEAK_RSS] = {
		.name = "peak_rss", .label = "peak RSS", .unit = PG_UNIT_BYTES,
		.runs = PG_RUNS_BOTH, .run_key = "peak_rss_bytes", .nullable = 1, .always = 1,
		.memory = 1, .threshold_of = PG_METRIC_PEAK_RSS, .default_threshold = "10%",
		/* When a thread's arena or a page lands before or after the peak
		 * differs from run to run, most in multi-threaded programs. */
		.noisy = 1,
	},
	[PG_METRIC_ALLOC_COUNT] = {
		.name = "alloc_count", .label = "allocations", .unit = PG_UNIT_COUNT,
		.runs = PG_RUNS_MEMORY, .run_key = "alloc_count", .nullable = 1, .exact = 1,
		.always = 1, .memory = 1, .threshold_of = PG_METRIC_ALLOC_COUNT, .default_threshold = "5%",
		/* one more allocation in eleven is not a regression */
		.min_change = PG_METRIC_MIN_ALLOC_COUNT,
	},
	[PG_METRIC_ALLOC_BYTES] = {
		.name = "alloc_bytes", .label = "bytes allocated", .unit = PG_UNIT_BYTES,
		.runs = PG_RUNS_MEMORY, .run_key = "alloc_bytes", .nullable = 1, .exact = 1,
		.memory = 1, .threshold_of = PG_METRIC_ALLOC_BYTES, .default_threshold = "off",
	},
	[PG_METRIC_LEAKED_BYTES] = {
		.name = "leaked_bytes", .label = "bytes leaked", .unit = PG_UNIT_BYTES,
		.runs = PG_RUNS_MEMORY, .run_key = "leaked_bytes", .nullable = 1, .exact = 1,
		.memory = 1, .threshold_of = PG_METRIC_LEAKED_BYTES, .default_threshold = "off",
	},
	/* A function's inclusive share of the CPU samples, per timing run. */
	[PG_METRIC_FUNCTION] = {
		.name = "function", .label = "CPU share of", .unit = PG_UNIT_PERCENT,
		.runs = PG_RUNS_NONE, .threshold_of = PG_METRIC_FUNCTION, .default_threshold = "5pp",
	},
	/* A function's bytes at the heap peak, on the merged memory profiles;
	 * gated with peak_heap's threshold. */
	[PG_METRIC_FUNCTION_HEAP] = {
		.name = "function_heap", .label = "heap at peak in", .unit = PG_UNIT_BYTES,
		.runs = PG_RUNS_NONE, .memory = 1, .threshold_of = PG_METRIC_PEAK_HEAP,
		.default_threshold = "off",
	},
};

const struct pg_metric_def *pg_metric(enum pg_metric m)
{
	return &pg_metrics[m];
}

int pg_metric_find(const char *name)
{
	for (int m = 0; m < PG_METRIC_COUNT; m++)
		if (!strcmp(pg_metrics[m].name, name))
			return m;
	return -1;
}

const char *pg_metric_name(enum pg_metric m)
{
	return m < PG_METRIC_COUNT ? pg_metrics[m].name : "unknown";
}

int pg_metric_configurable(enum pg_metric m)
{
	return pg_metrics[m].threshold_of == m;
}

/* ---- thresholds ------------------------------------------------------- */

enum unit_class { UNIT_TIME, UNIT_BYTES, UNIT_COUNT, UNIT_POINTS };

static enum unit_class unit_class(enum pg_metric m)
{
	switch (pg_metrics[m].unit) {
	case PG_UNIT_SECONDS:
		return UNIT_TIME;
	case PG_UNIT_COUNT:
		return UNIT_COUNT;
	case PG_UNIT_PERCENT:
		return UNIT_POINTS;
	case PG_UNIT_BYTES:
		break;
	}
	return UNIT_BYTES;
}

struct unit {
	const char *name;
	double factor;
	enum unit_class cls;
};

static const struct unit units[] = {
	{ "B", 1, UNIT_BYTES },
	{ "KiB", 1024.0, UNIT_BYTES },
	{ "MiB", 1024.0 * 1024, UNIT_BYTES },
	{ "GiB", 1024.0 * 1024 * 1024, UNIT_BYTES },
	{ "KB", 1e3, UNIT_BYTES },
	{ "MB", 1e6, UNIT_BYTES },
	{ "GB", 1e9, UNIT_BYTES },
	{ "us", 1e-6, UNIT_TIME },
	{ "ms", 1e-3, UNIT_TIME },
	{ "s", 1, UNIT_TIME },
	{ "", 1, UNIT_COUNT },
};

static int threshold_error(enum pg_metric m, const char *text)
{
	switch (unit_class(m)) {
	case UNIT_TIME:
		return pg_error_setc(PG_EINVALID, "'%s' is not a threshold: expected a relative increase "
				     "like \"10%%\" or an absolute one like \"+50ms\" (units us, ms, s), "
				     "or \"off\"", text);
	case UNIT_BYTES:
		return pg_error_setc(PG_EINVALID, "'%s' is not a threshold: expected a relative increase "
				     "like \"2%%\" or an absolute one like \"+4MiB\" (units B, KiB, MiB, "
				     "GiB, KB, MB, GB), or \"off\"", text);
	case UNIT_COUNT:
		return pg_error_setc(PG_EINVALID, "'%s' is not a threshold: expected a relative increase "
				     "like \"5%%\" or an absolute one like \"+1000\", or \"off\"", text);
	case UNIT_POINTS:
		break;
	}
	return pg_error_setc(PG_EINVALID, "'%s' is not a threshold: expected a rise of a function's "
			     "share in percentage points like \"5pp\", or \"off\"", text);
}

int pg_threshold_parse(struct pg_threshold *out, enum pg_metric m, const char *text)
{
	const char *s = text;
	char *end;
	double v;

	memset(out, 0, sizeof *out);
	if (strlen(text) >= sizeof out->text)
		return threshold_error(m, text);
	strcpy(out->text, text);
	if (!strcmp(text, "off")) {
		out->kind = PG_THRESHOLD_OFF;
		return 0;
	}
	if (*s == '+')
		s++;
	/* Digits first: strtod would also take "inf", "0x10" and " 5". */
	if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '.' && s[1] >= '0' && s[1] <= '9')))
		return threshold_error(m, text);
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v) || v < 0 || (end > s && (end[-1] == 'e' || end[-1] == 'E')))
		return threshold_error(m, text);
	for (const char *p = s; p < end; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return threshold_error(m, text);  /* no exponents: "1e3%" */
	if (unit_class(m) == UNIT_POINTS) {
		if (strcmp(end, "pp"))
			return threshold_error(m, text);
		if (v > 100)
			return pg_error_setc(PG_EINVALID, "'%s' is not a threshold: a share rises by at "
					     "most 100 percentage points", text);
		out->kind = PG_THRESHOLD_POINTS;
		out->value = v;
		return 0;
	}
	if (!strcmp(end, "%")) {
		out->kind = PG_THRESHOLD_RELATIVE;
		out->value = v / 100;
		return 0;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (units[i].cls == unit_class(m) && !strcmp(end, units[i].name)) {
			out->kind = PG_THRESHOLD_ABSOLUTE;
			out->value = v * units[i].factor;
			if (unit_class(m) == UNIT_COUNT && v != floor(v))
				return threshold_error(m, text);
			return 0;
		}
	}
	return threshold_error(m, text);
}

