/*
 * index.html: the whole check on one page, for the report folder that CI
 * keeps as an artifact. A table of every benchmark (verdict, wall and CPU
 * time, peak heap, links to its differential flame graphs and current
 * profile), then a section per benchmark with every metric, the functions
 * and the stacks that grew. Plain HTML and inline CSS: no script, and a
 * content security policy that forbids any request, so the page opens from
 * disk and a hostile name can only ever be text.
 */
#define _GNU_SOURCE
#include "check_writers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "outbuf.h"

static const char style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328;max-width:1200px}"
	"table{border-collapse:collapse;margin:8px 0 16px}"
	"th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"code{font:12px ui-monospace,monospace;word-break:break-all}"
	".regressed{background:#ffebe9}.improved{background:#dafbe1}.inconclusive{background:#fff8c5}"
	".error{background:#ffd8d3}.v{font-weight:600}"
	"h2{margin-top:28px;border-bottom:1px solid #d0d7de}.note{color:#59636e}";

static void text(struct pg_outbuf *o, const char *s)
{
	pg_outbuf_xml_text(o, s ? s : "");
}

static void value_cell(struct pg_outbuf *o, enum pg_check_unit u, double v)
{
	char buf[64];

	pg_check_format_value(buf, sizeof buf, u, v);
	pg_outbuf_puts(o, "<td class=\"n\">");
	text(o, buf);
	pg_outbuf_puts(o, "</td>");
}

static const struct pg_check_metric *find_metric(const struct pg_check_bench *b, const char *metric)
{
	for (size_t i = 0; i < b->nmetrics; i++)
		if (!b->metrics[i].function && !strcmp(b->metrics[i].metric, metric))
			return &b->metrics[i];
	return NULL;
}

static void compact_cell(struct pg_outbuf *o, const struct pg_check_bench *b, const char *metric)
{
	const struct pg_check_metric *m = find_metric(b, metric);
	char value[64], change[64];

	pg_outbuf_puts(o, "<td class=\"n\">");
	if (m && !isnan(m->after)) {
		pg_check_format_value(value, sizeof value, m->unit, m->after);
		text(o, value);
		if (!isnan(m->before)) {
			pg_check_format_change(change, sizeof change, m);
			pg_outbuf_puts(o, " (");
			text(o, change);
			pg_outbuf_puts(o, ")");
		}
	} else {
		pg_outbuf_puts(o, "\xe2\x80\x94");
	}
	pg_outbuf_puts(o, "</td>");
}

static void link(struct pg_outbuf *o, const char *rel, const char *label, int *any)
{
	if (!rel)
		return;
	if (*any)
		pg_outbuf_puts(o, " \xc2\xb7 ");
	pg_outbuf_puts(o, "<a href=\"");
	text(o, rel);
	pg_outbuf_puts(o, "\">");
	text(o, label);
	pg_outbuf_puts(o, "</a>");
	*any = 1;
}

static void metrics_table(struct pg_outbuf *o, const struct pg_check_bench *b)
{
	char change[64];

	pg_outbuf_puts(o, "<table><tr><th>metric</th><th>function</th><th>baseline</th><th>current</th>"
			  "<th>change</th><th>threshold</th><th>verdict</th><th>p</th><th>runs</th>"
			  "<th>how</th></tr>\n");
	for (size_t i = 0; i < b->nmetrics; i++) {
		const struct pg_check_metric *m = &b->metrics[i];

		pg_outbuf_printf(o, "<tr class=\"%s\"><td>", pg_verdict_name(m->verdict));
		text(o, m->metric);
		pg_outbuf_puts(o, "</td><td>");
		if (m->function) {
			pg_outbuf_puts(o, "<code>");
			text(o, m->function);
			pg_outbuf_puts(o, "</code>");
		}
		pg_outbuf_puts(o, "</td>");
		value_cell(o, m->unit, m->before);
		value_cell(o, m->unit, m->after);
		pg_check_format_change(change, sizeof change, m);
		pg_outbuf_puts(o, "<td class=\"n\">");
		text(o, change);
		pg_outbuf_puts(o, "</td><td>");
		text(o, m->threshold);
		pg_outbuf_puts(o, "</td><td class=\"v\">");
		text(o, pg_verdict_name(m->verdict));
		pg_outbuf_puts(o, "</td><td class=\"n\">");
		if (m->pairs)
			pg_outbuf_printf(o, "%zu pairs", m->pairs);
		else if (m->exact)
			pg_outbuf_puts(o, "exact");
		else if (!isnan(m->p_value))
			pg_outbuf_printf(o, "%.3g", m->p_value);
		pg_outbuf_puts(o, "</td><td class=\"n\">");
		if (m->runs_before || m->runs_after)
			pg_outbuf_printf(o, "%zu / %zu", m->nbefore, m->nafter);
		pg_outbuf_puts(o, "</td><td class=\"note\">");
		text(o, m->note);
		pg_outbuf_puts(o, "</td></tr>\n");
	}
	pg_outbuf_puts(o, "</table>\n");
}

static void bench_section(struct pg_outbuf *o, const struct pg_check_bench *b)
{
	char t1[64], t2[64];

	pg_outbuf_puts(o, "<h2 id=\"b-");
	text(o, b->name);
	pg_outbuf_puts(o, "\">");
	text(o, b->name);
	pg_outbuf_printf(o, " <span class=\"%s\">", pg_verdict_name(b->verdict));
	text(o, pg_verdict_name(b->verdict));
	pg_outbuf_puts(o, "</span></h2>\n");
	if (b->message) {
		pg_outbuf_puts(o, "<p class=\"note\">");
		text(o, b->message);
		pg_outbuf_puts(o, "</p>\n");
	}
	if (b->nmetrics)
		metrics_table(o, b);
	if (b->nfunctions) {
		pg_outbuf_puts(o, "<p>Functions whose CPU time grew most (per run, as the leaf):</p>\n"
				  "<table><tr><th>function</th><th>self before</th><th>self after</th>"
				  "<th>share before</th><th>share after</th></tr>\n");
		for (size_t i = 0; i < b->nfunctions; i++) {
			const struct pg_check_function *f = &b->functions[i];

			pg_outbuf_puts(o, f->tested && !f->significant ? "<tr class=\"noise\" title=\"within noise\"><td><code>" :
					  "<tr><td><code>");
			text(o, f->name);
			pg_outbuf_puts(o, f->tested && !f->significant ? "</code> (within noise)</td>" : "</code></td>");
			value_cell(o, PG_UNIT_SECONDS, f->self_before);
			value_cell(o, PG_UNIT_SECONDS, f->self_after);
			value_cell(o, PG_UNIT_PERCENT, 100 * f->total_before);
			value_cell(o, PG_UNIT_PERCENT, 100 * f->total_after);
			pg_outbuf_puts(o, "</tr>\n");
		}
		pg_outbuf_puts(o, "</table>\n");
	}
	if (b->nstacks) {
		pg_outbuf_puts(o, "<p>Stacks whose bytes at the heap peak grew most:</p>\n"
				  "<table><tr><th>stack</th><th>baseline</th><th>current</th></tr>\n");
		for (size_t i = 0; i < b->nstacks; i++) {
			pg_outbuf_puts(o, "<tr><td><code>");
			text(o, b->stacks[i].stack);
			pg_outbuf_puts(o, "</code></td>");
			pg_check_format_value(t1, sizeof t1, PG_UNIT_BYTES, b->stacks[i].before);
			pg_check_format_value(t2, sizeof t2, PG_UNIT_BYTES, b->stacks[i].after);
			pg_outbuf_puts(o, "<td class=\"n\">");
			text(o, t1);
			pg_outbuf_puts(o, "</td><td class=\"n\">");
			text(o, t2);
			pg_outbuf_puts(o, "</td></tr>\n");
		}
		pg_outbuf_puts(o, "</table>\n");
	}
}

int pg_check_html_render(const struct pg_check_report *r, FILE *out)
{
	struct pg_outbuf *o = malloc(sizeof *o);
	int found = r->lookup_status && !strcmp(r->lookup_status, "found");

	if (!o)
		return pg_error_set("out of memory");
	pg_outbuf_init(o, out);
	pg_outbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			  "style-src 'unsafe-inline'\">\n<meta name=\"generator\" content=\"profgate\">\n"
			  "<title>profgate check: ");
	text(o, pg_check_overall_name(r));
	pg_outbuf_printf(o, "</title>\n<style>%s</style></head><body>\n<h1>profgate check: "
			    "<span class=\"%s\">", style, pg_verdict_name(r->verdict));
	text(o, pg_check_overall_name(r));
	pg_outbuf_puts(o, "</span></h1>\n<p>");
	pg_outbuf_printf(o, "%zu benchmark%s: %zu regressed, %zu inconclusive, %zu improved, %zu unchanged, "
			    "%zu error%s.", r->nbenches, r->nbenches == 1 ? "" : "s",
			 r->counts[PG_VERDICT_REGRESSED], r->counts[PG_VERDICT_INCONCLUSIVE],
			 r->counts[PG_VERDICT_IMPROVED], r->counts[PG_VERDICT_UNCHANGED],
			 r->counts[PG_VERDICT_ERROR], r->counts[PG_VERDICT_ERROR] == 1 ? "" : "s");
	pg_outbuf_puts(o, " Head <code>");
	text(o, r->head);
	pg_outbuf_puts(o, "</code>");
	if (r->dirty)
		pg_outbuf_puts(o, " (with uncommitted changes)");
	if (found) {
		pg_outbuf_puts(o, "; baseline <code>");
		text(o, r->baseline_commit);
		pg_outbuf_printf(o, "</code>, %u commit%s before the merge-base", r->baseline_distance,
				 r->baseline_distance == 1 ? "" : "s");
		if (r->base_rev) {
			pg_outbuf_puts(o, " with <code>");
			text(o, r->base_rev);
			pg_outbuf_puts(o, "</code>");
		}
		if (r->compare && !strcmp(r->compare, "interleaved")) {
			pg_outbuf_puts(o, ", built and measured side by side in this job");
		} else if (r->baseline_recorded_at) {
			pg_outbuf_puts(o, ", recorded ");
			text(o, r->baseline_recorded_at);
		}
		pg_outbuf_puts(o, ".");
	} else {
		pg_outbuf_puts(o, ".</p>\n<p class=\"inconclusive\">No baseline (");
		text(o, r->lookup_status);
		pg_outbuf_puts(o, "): ");
		text(o, r->lookup_message);
	}
	if (r->shard_count)
		pg_outbuf_printf(o, " Shard %u of %u.", r->shard_index, r->shard_count);
	pg_outbuf_puts(o, "</p>\n");
	if (r->note) {
		pg_outbuf_puts(o, "<p class=\"note\">");
		text(o, r->note);
		pg_outbuf_puts(o, "</p>\n");
	}
	pg_outbuf_puts(o, "<table><tr><th>benchmark</th><th>verdict</th><th>wall time</th><th>CPU time</th>"
			  "<th>peak heap</th><th>flame graphs</th></tr>\n");
	for (size_t i = 0; i < r->nbenches; i++) {
		const struct pg_check_bench *b = &r->benches[i];
		int any = 0;

		pg_outbuf_printf(o, "<tr class=\"%s\"><td><a href=\"#b-", pg_verdict_name(b->verdict));
		text(o, b->name);
		pg_outbuf_puts(o, "\">");
		text(o, b->name);
		pg_outbuf_puts(o, "</a></td><td class=\"v\">");
		text(o, pg_verdict_name(b->verdict));
		pg_outbuf_puts(o, "</td>");
		compact_cell(o, b, pg_metric_name(PG_METRIC_WALL));
		compact_cell(o, b, pg_metric_name(PG_METRIC_CPU));
		compact_cell(o, b, pg_metric_name(PG_METRIC_PEAK_HEAP));
		pg_outbuf_puts(o, "<td>");
		link(o, b->diff_cpu, "CPU diff", &any);
		link(o, b->diff_mem, "memory diff", &any);
		link(o, b->profile, "current profile", &any);
		pg_outbuf_puts(o, "</td></tr>\n");
	}
	pg_outbuf_puts(o, "</table>\n");
	for (size_t i = 0; i < r->nbenches; i++)
		bench_section(o, &r->benches[i]);
	pg_outbuf_printf(o, "<p class=\"note\">profgate ");
	text(o, r->version);
	pg_outbuf_printf(o, ". A metric regresses when the change of its median is beyond the threshold "
			    "and a two-sided Mann-Whitney U test of the runs gives p &lt; %.2g; with no "
			    "spread on either side the values compare exactly.</p>\n</body></html>\n",
			 r->alpha > 0 ? r->alpha : 0.05);

	int rc = pg_outbuf_finish(o, "index.html");

	free(o);
	return rc;
}

int pg_check_html_write(const struct pg_check_report *r, const char *path)
{
	return pg_check_write_rendered(r, path, pg_check_html_render);
}
