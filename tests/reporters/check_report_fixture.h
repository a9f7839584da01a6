/*
 * A check report built in memory for the tests of the check reporters
 * (summary.md, result.json, junit.xml, index.html): a regressed benchmark
 * whose functions and stacks carry hostile names, an unchanged one, a new
 * one without a baseline, and one that failed to run. Header-only so that
 * each suite (one per reporter file) includes it.
 */
#ifndef PG_CHECK_REPORT_FIXTURE_H
#define PG_CHECK_REPORT_FIXTURE_H

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_writers.h"

/* Names a profiled program can have, and that no report may obey. */
static const char *const hostile_names[] = {
	"<script>alert(1)</script>",
	"a|b`c``d",
	"**bold** _it_ ~~s~~",
	"@octocat [x](javascript:alert(1))",
	"line\nbreak\x01tab\tend",
	"bad \xff\xfe utf8",
	"std::vector<int>::push_back(int const&)",
	"http://evil.example/ and #1",
	"$x^2$ \\| back\\slash |",
	"`",
	"]]> <!-- --> \" ' &amp;",
};
#define HOSTILE_COUNT (sizeof hostile_names / sizeof hostile_names[0])

static char *fx_strdup(const char *s)
{
	char *c = s ? strdup(s) : NULL;

	ck_assert(!s || c);
	return c;
}

static void fx_metric(struct pg_check_metric *m, const char *metric, const char *fn, enum pg_check_unit u,
		      enum pg_verdict v, double before, double after, const char *threshold)
{
	static const double runs[] = { 1, 2, 3, 4, 5 };

	memset(m, 0, sizeof *m);
	m->metric = fx_strdup(metric);
	m->function = fx_strdup(fn);
	m->unit = u;
	m->verdict = v;
	m->before = before;
	m->after = after;
	m->change = after - before;
	m->ratio = before != 0 ? after / before : NAN;
	snprintf(m->threshold, sizeof m->threshold, "%s", threshold);
	m->p_value = v == PG_VERDICT_REGRESSED || v == PG_VERDICT_INCONCLUSIVE ? 0.0079365 : NAN;
	m->exact = !strcmp(metric, "peak_heap");
	if (strcmp(metric, "function_heap")) {
		m->runs_before = malloc(sizeof runs);
		m->runs_after = malloc(sizeof runs);
		ck_assert(m->runs_before && m->runs_after);
		memcpy(m->runs_before, runs, sizeof runs);
		memcpy(m->runs_after, runs, sizeof runs);
		m->nbefore = m->nafter = 5;
	}
	m->repeats_needed = v == PG_VERDICT_INCONCLUSIVE ? 12 : 0;
	m->note = fx_strdup(v == PG_VERDICT_INCONCLUSIVE ? "too noisy; about 12 runs on each side would decide it"
							: "a note with <b>markup</b> & \"quotes\"");
}

/* A benchmark named name; regressed ones get every hostile name as a
 * function, a CPU riser and a stack frame. */
static void fx_bench(struct pg_check_bench *b, const char *name, enum pg_verdict v)
{
	size_t n = 0;

	memset(b, 0, sizeof *b);
	b->name = fx_strdup(name);
	b->verdict = v;
	if (v == PG_VERDICT_ERROR) {
		b->message = fx_strdup("the benchmark failed: run 2/5 exited with status 3");
		return;
	}
	b->metrics = calloc(6 + 2 * HOSTILE_COUNT, sizeof *b->metrics);
	ck_assert_ptr_nonnull(b->metrics);
	int bad = v == PG_VERDICT_REGRESSED;
	fx_metric(&b->metrics[n++], "wall", NULL, PG_UNIT_SECONDS, bad ? PG_VERDICT_REGRESSED : PG_VERDICT_UNCHANGED,
		  1.25, bad ? 1.5 : 1.26, "10%");
	fx_metric(&b->metrics[n++], "cpu", NULL, PG_UNIT_SECONDS, bad ? PG_VERDICT_REGRESSED : PG_VERDICT_UNCHANGED,
		  1.2, bad ? 1.45 : 1.2, "10%");
	fx_metric(&b->metrics[n++], "peak_heap", NULL, PG_UNIT_BYTES, PG_VERDICT_UNCHANGED, 5242880, 5242880, "2%");
	fx_metric(&b->metrics[n++], "peak_rss", NULL, PG_UNIT_BYTES,
		  bad ? PG_VERDICT_INCONCLUSIVE : PG_VERDICT_UNCHANGED, 8e6, bad ? 9.5e6 : 8e6, "10%");
	fx_metric(&b->metrics[n++], "alloc_count", NULL, PG_UNIT_COUNT, PG_VERDICT_UNCHANGED, 1234567, 1234567, "5%");
	if (v == PG_VERDICT_INCONCLUSIVE && !strcmp(name, "new-bench")) {
		for (size_t i = 0; i < n; i++) {
			b->metrics[i].verdict = PG_VERDICT_NOT_CHECKED;
			b->metrics[i].before = b->metrics[i].change = b->metrics[i].ratio = NAN;
		}
		b->message = fx_strdup("no baseline for this benchmark in 0123456789ab");
	}
	if (bad) {
		for (size_t i = 0; i < HOSTILE_COUNT; i++)
			fx_metric(&b->metrics[n++], "function", hostile_names[i], PG_UNIT_PERCENT,
				  i % 2 ? PG_VERDICT_INCONCLUSIVE : PG_VERDICT_REGRESSED, 40, 47.5, "5pp");
		for (size_t i = 0; i < HOSTILE_COUNT; i++)
			fx_metric(&b->metrics[n++], "function_heap", hostile_names[i], PG_UNIT_BYTES,
				  PG_VERDICT_REGRESSED, 0, 262144, "2%");
		b->functions = calloc(HOSTILE_COUNT, sizeof *b->functions);
		b->stacks = calloc(HOSTILE_COUNT, sizeof *b->stacks);
		ck_assert(b->functions && b->stacks);
		for (size_t i = 0; i < HOSTILE_COUNT; i++) {
			char *stack = NULL;

			b->functions[i] = (struct pg_check_function){ fx_strdup(hostile_names[i]), 0.2, 0.25, 0.4, 0.47 };
			ck_assert_int_ge(asprintf(&stack, "prog;main;%s;grow", hostile_names[i]), 0);
			b->stacks[i] = (struct pg_check_stack){ stack, 0, 262144 };
		}
		b->nfunctions = b->nstacks = HOSTILE_COUNT;
	}
	b->nmetrics = n;
	b->runs_before = b->runs_after = 5;
	b->mem_runs_before = b->mem_runs_after = 2;
	ck_assert_int_ge(asprintf(&b->diff_cpu, "%s/diff-cpu.html", name), 0);
	ck_assert_int_ge(asprintf(&b->diff_mem, "%s/diff-mem.html", name), 0);
	ck_assert_int_ge(asprintf(&b->profile, "%s/report.html", name), 0);
}

static void fx_report(struct pg_check_report *r, int found, const char *url)
{
	memset(r, 0, sizeof *r);
	r->version = fx_strdup("0.1.0");
	r->head = fx_strdup("89abcdef0123456789abcdef0123456789abcdef");
	r->base_rev = fx_strdup("origin/main");
	r->lookup_status = fx_strdup(found ? "found" : "shallow");
	if (found) {
		r->baseline_commit = fx_strdup("0123456789abcdef0123456789abcdef01234567");
		r->baseline_distance = 2;
		r->baseline_recorded_at = fx_strdup("2024-05-01T12:00:00Z");
		r->base_commit = fx_strdup("fedcba9876543210fedcba9876543210fedcba98");
	} else {
		r->lookup_message = fx_strdup("history too shallow: fetch 48 more commits ('git fetch --deepen=48')");
	}
	r->alpha = 0.05;
	r->report_url = fx_strdup(url);
	r->out_dir = fx_strdup("profgate-report");
	r->benches = calloc(4, sizeof *r->benches);
	ck_assert_ptr_nonnull(r->benches);
	fx_bench(&r->benches[r->nbenches++], "parse-large", found ? PG_VERDICT_REGRESSED : PG_VERDICT_INCONCLUSIVE);
	fx_bench(&r->benches[r->nbenches++], "idle", found ? PG_VERDICT_UNCHANGED : PG_VERDICT_INCONCLUSIVE);
	fx_bench(&r->benches[r->nbenches++], "new-bench", PG_VERDICT_INCONCLUSIVE);
	fx_bench(&r->benches[r->nbenches++], "broken", PG_VERDICT_ERROR);
	for (size_t i = 0; i < r->nbenches; i++)
		r->counts[r->benches[i].verdict]++;
	r->verdict = PG_VERDICT_ERROR;
	r->exit_code = 2;
}

/* What a render call wrote, NUL-terminated; caller frees. */
static char *fx_render(int (*render)(const struct pg_check_report *, FILE *), const struct pg_check_report *r,
		       size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(render(r, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	if (len)
		*len = n;
	return text;
}

/* Whether s is valid UTF-8 without control characters but newline (and,
 * when tabs is set, tab). */
static int fx_clean_utf8(const char *s, int tabs)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;

		if (n == 0)
			return 0;
		if (n == 1 && (*p < 0x20 || *p == 0x7f) && *p != '\n' && !(tabs && *p == '\t'))
			return 0;
		for (int k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

#endif
