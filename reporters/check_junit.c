/*
 * junit.xml: the check as a JUnit test report, the format GitLab's
 * "artifacts:reports:junit", Jenkins and most CI dashboards read. One
 * <testsuite> per benchmark; in it a <testcase> per whole-benchmark metric,
 * one for the hot-path gate ("function": every function's CPU share) and
 * one for the functions' bytes at the heap peak ("function_heap"). A
 * regression is a <failure>, an inconclusive or unchecked metric is
 * <skipped> with the reason, a benchmark that could not be measured is one
 * test case with an <error>. Every name and message goes through the XML
 * escaper, which also replaces the control characters XML forbids.
 */
#define _GNU_SOURCE
#include "check_writers.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "outbuf.h"

struct tally {
	size_t tests, failures, errors, skipped;
};

/* A per-function metric: one test case for all its functions. */
static int is_group(const char *metric)
{
	int m = pg_metric_find(metric);

	return m >= 0 && pg_metric((enum pg_metric)m)->runs == PG_RUNS_NONE;
}

/* The verdict of a grouped test case: the worst of its functions. */
static enum pg_verdict group_verdict(const struct pg_check_bench *b, const char *metric)
{
	enum pg_verdict v = PG_VERDICT_NOT_CHECKED;

	for (size_t i = 0; i < b->nmetrics; i++) {
		const struct pg_check_metric *m = &b->metrics[i];

		if (!strcmp(m->metric, metric) && m->function) {
			enum pg_verdict mv = m->verdict == PG_VERDICT_IMPROVED ? PG_VERDICT_UNCHANGED : m->verdict;

			if (mv > v)
				v = mv;
		}
	}
	return v;
}

static void count_bench(struct tally *t, const struct pg_check_bench *b)
{
	if (b->verdict == PG_VERDICT_ERROR) {
		t->tests++;
		t->errors++;
		return;
	}
	for (size_t i = 0; i < b->nmetrics; i++) {
		const struct pg_check_metric *m = &b->metrics[i];
		enum pg_verdict v = m->verdict;

		if (m->function) {
			/* Count the group once, at its first function. */
			size_t k = 0;

			while (k < i && !(b->metrics[k].function && !strcmp(b->metrics[k].metric, m->metric)))
				k++;
			if (k < i)
				continue;
			v = group_verdict(b, m->metric);
		}
		t->tests++;
		if (v == PG_VERDICT_REGRESSED)
			t->failures++;
		else if (v == PG_VERDICT_INCONCLUSIVE || v == PG_VERDICT_NOT_CHECKED)
			t->skipped++;
	}
	if (b->nmetrics == 0)
		t->tests++, t->skipped++;
}

static void attr_count(struct pg_outbuf *o, const struct tally *t)
{
	pg_outbuf_printf(o, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", t->tests,
			 t->failures, t->errors, t->skipped);
}

/* "wall: 1.23 s -> 1.48 s (+20.3%, threshold 10%)" */
static void describe(struct pg_outbuf *o, const struct pg_check_metric *m)
{
	char before[64], after[64], change[64];

	pg_check_format_value(before, sizeof before, m->unit, m->before);
	pg_check_format_value(after, sizeof after, m->unit, m->after);
	pg_check_format_change(change, sizeof change, m);
	pg_outbuf_xml_text(o, m->metric);
	if (m->function) {
		pg_outbuf_puts(o, " ");
		pg_outbuf_xml_text(o, m->function);
	}
	pg_outbuf_puts(o, ": ");
	pg_outbuf_xml_text(o, before);
	pg_outbuf_puts(o, " \xe2\x86\x92 ");
	pg_outbuf_xml_text(o, after);
	pg_outbuf_puts(o, " (");
	pg_outbuf_xml_text(o, change);
	pg_outbuf_puts(o, ", threshold ");
	pg_outbuf_xml_text(o, m->threshold);
	pg_outbuf_puts(o, ")");
}

static void outcome(struct pg_outbuf *o, enum pg_verdict v, const struct pg_check_bench *b,
		    const struct pg_check_metric *single, const char *group)
{
	const char *tag = v == PG_VERDICT_REGRESSED ? "failure" : "skipped";

	if (v != PG_VERDICT_REGRESSED && v != PG_VERDICT_INCONCLUSIVE && v != PG_VERDICT_NOT_CHECKED)
		return;
	pg_outbuf_printf(o, "      <%s", tag);
	if (v == PG_VERDICT_REGRESSED)
		pg_outbuf_puts(o, " type=\"regression\"");
	pg_outbuf_puts(o, " message=\"");
	if (single) {
		pg_outbuf_puts(o, pg_verdict_name(v));
		pg_outbuf_puts(o, ": ");
		describe(o, single);
	} else if (b->message && v != PG_VERDICT_REGRESSED) {
		pg_outbuf_xml_text(o, b->message);
	} else {
		pg_outbuf_puts(o, pg_verdict_name(v));
		pg_outbuf_puts(o, ": functions ");
		for (size_t i = 0, n = 0; i < b->nmetrics && n < 5; i++) {
			const struct pg_check_metric *m = &b->metrics[i];

			if (!m->function || strcmp(m->metric, group) || m->verdict != v)
				continue;
			pg_outbuf_puts(o, n++ ? ", " : "");
			pg_outbuf_xml_text(o, m->function);
		}
	}
	pg_outbuf_puts(o, "\">");
	/* The body: every line that explains it. */
	if (single && single->note) {
		pg_outbuf_xml_text(o, single->note);
	} else if (!single) {
		for (size_t i = 0; i < b->nmetrics; i++) {
			const struct pg_check_metric *m = &b->metrics[i];

			if (!m->function || strcmp(m->metric, group) || m->verdict != v)
				continue;
			describe(o, m);
			if (m->note) {
				pg_outbuf_puts(o, ": ");
				pg_outbuf_xml_text(o, m->note);
			}
			pg_outbuf_puts(o, "\n");
		}
	}
	if (!single && b->message && v != PG_VERDICT_REGRESSED)
		pg_outbuf_xml_text(o, b->message);
	pg_outbuf_printf(o, "</%s>\n", tag);
}

static void testcase_open(struct pg_outbuf *o, const struct pg_check_bench *b, const char *name)
{
	pg_outbuf_puts(o, "    <testcase classname=\"profgate.");
	pg_outbuf_xml_text(o, b->name);
	pg_outbuf_puts(o, "\" name=\"");
	pg_outbuf_xml_text(o, name);
	pg_outbuf_puts(o, "\">\n");
}

static void bench_suite(struct pg_outbuf *o, const struct pg_check_bench *b)
{
	struct tally t = { 0 };

	count_bench(&t, b);
	pg_outbuf_puts(o, "  <testsuite name=\"");
	pg_outbuf_xml_text(o, b->name);
	pg_outbuf_puts(o, "\"");
	attr_count(o, &t);
	pg_outbuf_puts(o, ">\n");
	if (b->verdict == PG_VERDICT_ERROR) {
		testcase_open(o, b, "run");
		pg_outbuf_puts(o, "      <error type=\"benchmark\" message=\"");
		pg_outbuf_xml_text(o, b->message ? b->message : "the benchmark could not be measured");
		pg_outbuf_puts(o, "\"/>\n    </testcase>\n");
	} else if (b->nmetrics == 0) {
		testcase_open(o, b, "run");
		pg_outbuf_puts(o, "      <skipped message=\"");
		pg_outbuf_xml_text(o, b->message ? b->message : "nothing was measured");
		pg_outbuf_puts(o, "\"/>\n    </testcase>\n");
	}
	for (size_t i = 0; b->verdict != PG_VERDICT_ERROR && i < b->nmetrics; i++) {
		const struct pg_check_metric *m = &b->metrics[i];

		if (m->function) {
			size_t k = 0;

			while (k < i && !(b->metrics[k].function && !strcmp(b->metrics[k].metric, m->metric)))
				k++;
			if (k < i || !is_group(m->metric))
				continue;
			testcase_open(o, b, m->metric);
			outcome(o, group_verdict(b, m->metric), b, NULL, m->metric);
		} else {
			testcase_open(o, b, m->metric);
			if (m->verdict == PG_VERDICT_NOT_CHECKED && b->message) {
				pg_outbuf_puts(o, "      <skipped message=\"");
				pg_outbuf_xml_text(o, b->message);
				pg_outbuf_puts(o, "\"/>\n");
			} else {
				outcome(o, m->verdict, b, m, NULL);
			}
		}
		pg_outbuf_puts(o, "    </testcase>\n");
	}
	pg_outbuf_puts(o, "  </testsuite>\n");
}

int pg_check_junit_render(const struct pg_check_report *r, FILE *out)
{
	struct pg_outbuf *o = malloc(sizeof *o);
	struct tally all = { 0 };

	if (!o)
		return pg_error_set("out of memory");
	pg_outbuf_init(o, out);
	for (size_t i = 0; i < r->nbenches; i++)
		count_bench(&all, &r->benches[i]);
	pg_outbuf_puts(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"profgate check\"");
	attr_count(o, &all);
	pg_outbuf_puts(o, ">\n");
	for (size_t i = 0; i < r->nbenches; i++)
		bench_suite(o, &r->benches[i]);
	pg_outbuf_puts(o, "</testsuites>\n");

	int rc = pg_outbuf_finish(o, "junit.xml");

	free(o);
	return rc;
}

int pg_check_junit_write(const struct pg_check_report *r, const char *path)
{
	return pg_check_write_rendered(r, path, pg_check_junit_render);
}
