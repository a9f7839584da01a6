/*
 * Metric names, default thresholds and the threshold syntax (metric.h).
 */
#include "metric.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static const char *const metric_names[PG_METRIC_COUNT] = {
	[PG_METRIC_WALL] = "wall",
	[PG_METRIC_CPU] = "cpu",
	[PG_METRIC_PEAK_HEAP] = "peak_heap",
	[PG_METRIC_PEAK_RSS] = "peak_rss",
	[PG_METRIC_ALLOC_COUNT] = "alloc_count",
	[PG_METRIC_ALLOC_BYTES] = "alloc_bytes",
	[PG_METRIC_LEAKED_BYTES] = "leaked_bytes",
	[PG_METRIC_FUNCTION] = "function",
};

/* The defaults of docs/config.md; alloc_bytes and leaked_bytes are only checked when a
 * project asks for it. */
static const char *const default_thresholds[PG_METRIC_COUNT] = {
	[PG_METRIC_WALL] = "10%",
	[PG_METRIC_CPU] = "10%",
	[PG_METRIC_PEAK_HEAP] = "2%",
	[PG_METRIC_PEAK_RSS] = "10%",
	[PG_METRIC_ALLOC_COUNT] = "5%",
	[PG_METRIC_ALLOC_BYTES] = "off",
	[PG_METRIC_LEAKED_BYTES] = "off",
	[PG_METRIC_FUNCTION] = "5pp",
};

const char *pg_metric_name(enum pg_metric m)
{
	return m < PG_METRIC_COUNT ? metric_names[m] : "unknown";
}

const char *pg_metric_default_threshold(enum pg_metric m)
{
	return m < PG_METRIC_COUNT ? default_thresholds[m] : "off";
}

/* ---- thresholds ------------------------------------------------------- */

enum unit_class { UNIT_TIME, UNIT_BYTES, UNIT_COUNT, UNIT_POINTS };

static enum unit_class unit_class(enum pg_metric m)
{
	switch (m) {
	case PG_METRIC_WALL:
	case PG_METRIC_CPU:
		return UNIT_TIME;
	case PG_METRIC_ALLOC_COUNT:
		return UNIT_COUNT;
	case PG_METRIC_FUNCTION:
		return UNIT_POINTS;
	default:
		return UNIT_BYTES;
	}
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

