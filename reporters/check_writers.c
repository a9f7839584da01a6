/*
 * What the four check-report writers share (check_writers.h): the number
 * formats, so that summary.md, index.html and junit.xml show a value the same
 * way, and how each of them replaces its file.
 */
#include "check_writers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "error.h"

/* Three significant digits in a unit that keeps the number readable. */
static void scaled(char *buf, size_t size, double v, const char *unit)
{
	double a = fabs(v);

	if (a >= 100 || a == 0)
		snprintf(buf, size, "%.0f %s", v, unit);
	else if (a >= 10)
		snprintf(buf, size, "%.1f %s", v, unit);
	else
		snprintf(buf, size, "%.2f %s", v, unit);
}

/* 1234567 -> "1,234,567" */
static void grouped(char *buf, size_t size, double v)
{
	char digits[64];
	size_t n, out = 0;
	int neg = v < 0;

	snprintf(digits, sizeof digits, "%.0f", fabs(v));
	n = strlen(digits);
	if (neg && out + 1 < size)
		buf[out++] = '-';
	for (size_t i = 0; i < n && out + 1 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0 && out + 2 < size)
			buf[out++] = ',';
		buf[out++] = digits[i];
	}
	buf[out] = '\0';
}

void pg_check_format_value(char *buf, size_t size, enum pg_check_unit u, double v)
{
	double a = fabs(v);

	if (isnan(v)) {
		snprintf(buf, size, "\xe2\x80\x94");  /* an em dash */
		return;
	}
	switch (u) {
	case PG_UNIT_SECONDS:
		if (a >= 1 || a == 0)
			scaled(buf, size, v, "s");
		else if (a >= 1e-3)
			scaled(buf, size, v * 1e3, "ms");
		else
			scaled(buf, size, v * 1e6, "\xc2\xb5s");
		return;
	case PG_UNIT_BYTES:
		if (a < 1024)
			snprintf(buf, size, "%.0f B", v);
		else if (a < 1024.0 * 1024)
			snprintf(buf, size, "%.1f KiB", v / 1024);
		else if (a < 1024.0 * 1024 * 1024)
			snprintf(buf, size, "%.1f MiB", v / (1024.0 * 1024));
		else
			snprintf(buf, size, "%.2f GiB", v / (1024.0 * 1024 * 1024));
		return;
	case PG_UNIT_COUNT:
		if (v == floor(v) && a < 1e15)
			grouped(buf, size, v);
		else
			snprintf(buf, size, "%.1f", v);
		return;
	case PG_UNIT_PERCENT:
		snprintf(buf, size, "%.1f%%", v);
		return;
	}
	snprintf(buf, size, "%g", v);
}

void pg_check_format_change(char *buf, size_t size, const struct pg_check_metric *m)
{
	char abs_text[64];

	if (m->pairs > 0 && !isnan(m->estimate)) {
		if (isfinite(m->ci_low) && isfinite(m->ci_high))
			snprintf(buf, size, "%+.1f%% [%+.1f%%, %+.1f%%]", 100 * m->estimate, 100 * m->ci_low,
				 100 * m->ci_high);
		else if (isfinite(m->ci_high))
			/* 5 to 7 pairs: the upper bound only (the lower needs 8). */
			snprintf(buf, size, "%+.1f%% [-inf, %+.1f%%]", 100 * m->estimate, 100 * m->ci_high);
		else
			snprintf(buf, size, "%+.1f%% [no interval yet]", 100 * m->estimate);
		return;
	}
	if (isnan(m->before) || isnan(m->after)) {
		snprintf(buf, size, "\xe2\x80\x94");
		return;
	}
	if (m->change == 0) {
		snprintf(buf, size, "\xc2\xb1" "0");
		return;
	}
	if (m->unit == PG_UNIT_PERCENT) {
		snprintf(buf, size, "%+.1f pp", m->change);
		return;
	}
	/* A function's bytes at the peak: relative to its own bytes would say
	 * "+inf%" for a new allocation site; the bytes say more. */
	if (m->before == 0 || (m->metric && !strcmp(m->metric, pg_metric_name(PG_METRIC_FUNCTION_HEAP)))) {
		pg_check_format_value(abs_text, sizeof abs_text, m->unit, fabs(m->change));
		snprintf(buf, size, "%c%s", m->change > 0 ? '+' : '-', abs_text);
		return;
	}
	snprintf(buf, size, "%+.1f%%", 100 * m->change / fabs(m->before));
}

struct check_job {
	const struct pg_check_report *r;
	const char *path;
	int (*render)(const struct pg_check_report *r, FILE *out);
};

static int check_job(void *job, FILE *f)
{
	const struct check_job *j = job;
	int rc = j->render(j->r, f);

	return rc < 0 ? pg_error_setc(rc, "'%s': %s", j->path, pg_error_last()) : rc;
}

int pg_check_write_rendered(const struct pg_check_report *r, const char *path,
			    int (*render)(const struct pg_check_report *r, FILE *out))
{
	struct check_job job = { r, path, render };

	return pg_afile_write_with(path, check_job, &job);
}
