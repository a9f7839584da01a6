/*
 * summary.md: the pull-request comment of `profgate check`, written for a
 * reviewer who gives it ten seconds. The verdict comes first, in one line;
 * then one section per benchmark that needs a look (errors, regressions,
 * inconclusive and improved results, in that order) with its table of
 * metrics, the functions and stacks that grew and links to its flame
 * graphs; then the baseline, and the unchanged benchmarks folded into a
 * <details> block.
 *
 * Names of functions and stacks come from the profiled programs and are
 * hostile: they are written as code spans, whose content Markdown takes
 * literally (no emphasis, link, HTML element, mention or autolink), fenced
 * by more backticks than any run inside them, with '|' escaped in tables
 * so that no name can end a cell; control characters and invalid UTF-8
 * become U+FFFD. Other text (messages, which may quote a branch name) keeps
 * letters, digits and harmless punctuation and writes the rest of ASCII
 * punctuation as character references.
 *
 * GitHub refuses comments longer than 65,536 characters. The comment is
 * built in memory, section by section, and a section that would not fit
 * (keeping room for the footer) is counted instead and left to index.html.
 */
#define _GNU_SOURCE
#include "check_writers.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "outbuf.h"

/* Room kept for what comes after the sections (the "not shown" lines, the
 * unchanged table's end and the footer). */
#define FOOTER_RESERVE 2048
/* Characters of a name shown (longer ones end in an ellipsis). */
#define NAME_MAX_CHARS 120
/* Frames of a stack shown, from the leaf. */
#define STACK_FRAMES 4
/* Benchmarks named in the verdict line. */
#define VERDICT_NAMES 3
/* Rows per benchmark table for functions (of each of the two gates). */
#define FUNCTION_ROWS 10

struct sbuf {
	char *s;
	size_t len, cap;
	int failed;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(ns = realloc(b->s, cap))) {
			b->failed = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		sb_put(b, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	sb_put(b, big, (size_t)n);
	free(big);
}

static void sb_append(struct sbuf *b, const struct sbuf *part)
{
	if (part->failed)
		b->failed = 1;
	else if (part->len)
		sb_put(b, part->s, part->len);
}

/* The characters of s as they are written: at most max_chars of them
 * (0: no limit; from_end keeps the end), invalid UTF-8 and control
 * characters replaced by U+FFFD. emit() writes each character. */
static void each_char(struct sbuf *b, const char *s, size_t max_chars, int from_end,
		      void (*emit)(struct sbuf *, const unsigned char *, size_t))
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t chars = 0, skip = 0;
	static const unsigned char bad[] = "\xef\xbf\xbd", dots[] = "\xe2\x80\xa6";

	if (max_chars) {
		for (const unsigned char *q = p; *q;) {
			uint32_t cp;
			size_t n = pg_utf8_decode(q, &cp);

			q += n ? n : 1;
			chars++;
		}
		if (chars <= max_chars)
			max_chars = 0;
		else if (from_end)
			skip = chars - (max_chars - 1);
	}
	if (skip)
		emit(b, dots, 3);
	chars = 0;
	while (*p) {
		uint32_t cp;
		size_t n = pg_utf8_decode(p, &cp);

		if (max_chars && !from_end && chars == max_chars - 1) {
			emit(b, dots, 3);
			return;
		}
		if (chars++ < skip)
			;
		else if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f)) || cp == 0x2028 || cp == 0x2029)
			emit(b, bad, 3);
		else
			emit(b, p, n);
		p += n ? n : 1;
	}
}

/* Text: letters, digits and punctuation that means nothing inline are
 * kept; the rest of ASCII punctuation (emphasis, links, code, HTML,
 * mentions, math, table cells) becomes a character reference. */
static void emit_text(struct sbuf *b, const unsigned char *c, size_t n)
{
	if (n == 1 && !((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			strchr(" ,.;:'\"()/=+-?!%", *c)))
		sb_printf(b, "&#%u;", *c);
	else
		sb_put(b, (const char *)c, n);
}

static void md_text(struct sbuf *b, const char *s, size_t max_chars, int from_end)
{
	each_char(b, s, max_chars, from_end, emit_text);
}

static void emit_raw(struct sbuf *b, const unsigned char *c, size_t n)
{
	sb_put(b, (const char *)c, n);
}

/* In a table, a '|' ends the cell even inside a code span unless it is
 * escaped; GFM treats every "\|" as an escaped pipe, so a backslash
 * before it in the name stays what it was. */
static void emit_table_code(struct sbuf *b, const unsigned char *c, size_t n)
{
	if (n == 1 && *c == '|')
		sb_puts(b, "\\|");
	else
		sb_put(b, (const char *)c, n);
}

/* A code span: its content is literal (no emphasis, links, HTML, mentions
 * or autolinks), fenced by one more backtick than the longest run of
 * backticks in it, and padded with spaces when it starts or ends with a
 * backtick or a space (which the span would otherwise swallow). */
static void md_code_in(struct sbuf *b, const char *s, size_t max_chars, int from_end, int table)
{
	struct sbuf inner = { 0 };
	size_t run = 0, longest = 0;

	each_char(&inner, s, max_chars, from_end, table ? emit_table_code : emit_raw);
	if (inner.failed) {
		b->failed = 1;
		free(inner.s);
		return;
	}
	for (size_t i = 0; i < inner.len; i++) {
		run = inner.s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	int pad = inner.len == 0 || inner.s[0] == '`' || inner.s[inner.len - 1] == '`' ||
		  inner.s[0] == ' ' || inner.s[inner.len - 1] == ' ';

	for (size_t i = 0; i <= longest; i++)
		sb_puts(b, "`");
	if (pad)
		sb_puts(b, " ");
	if (inner.len)
		sb_put(b, inner.s, inner.len);
	if (pad)
		sb_puts(b, " ");
	for (size_t i = 0; i <= longest; i++)
		sb_puts(b, "`");
	free(inner.s);
}

static void md_code(struct sbuf *b, const char *s, size_t max_chars, int from_end)
{
	md_code_in(b, s, max_chars, from_end, 0);
}

static void md_cell_code(struct sbuf *b, const char *s, size_t max_chars, int from_end)
{
	md_code_in(b, s, max_chars, from_end, 1);
}

/* The last STACK_FRAMES frames of "a;b;c;d;e", the leaf last, in a table. */
static void md_stack(struct sbuf *b, const char *stack)
{
	const char *start = stack;
	int frames = 0;
	char *shown = NULL;

	for (const char *p = stack + strlen(stack); p > stack; p--) {
		if (p[-1] == ';' && ++frames == STACK_FRAMES) {
			start = p;
			break;
		}
	}
	if (asprintf(&shown, "%s%s", start != stack ? "\xe2\x80\xa6;" : "", start) < 0) {
		b->failed = 1;
		return;
	}
	md_cell_code(b, shown, 2 * NAME_MAX_CHARS, 1);
	free(shown);
}

/* A link target: the report URL and a path, with everything that could end
 * the link or break the line percent-encoded. */
static void md_url(struct sbuf *b, const char *base, const char *rel)
{
	size_t n = strlen(base);

	for (int part = 0; part < 2; part++) {
		const unsigned char *p = (const unsigned char *)(part ? rel : base);

		if (part == 1 && n > 0 && base[n - 1] != '/')
			sb_puts(b, "/");
		for (; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    strchr("-._~:/?#@!$&'*+,;=%", *p))
				sb_put(b, (const char *)p, 1);
			else
				sb_printf(b, "%%%02X", *p);
		}
	}
}

static void md_link(struct sbuf *b, const struct pg_check_report *r, const char *label, const char *rel)
{
	if (r->report_url) {
		sb_printf(b, "[%s](", label);
		md_url(b, r->report_url, rel);
		sb_puts(b, ")");
	} else {
		sb_printf(b, "%s: ", label);
		char *path = NULL;

		if (asprintf(&path, "%s/%s", r->out_dir ? r->out_dir : ".", rel) < 0) {
			b->failed = 1;
			return;
		}
		md_code(b, path, 0, 0);
		free(path);
	}
}

static const char *icon(enum pg_verdict v)
{
	switch (v) {
	case PG_VERDICT_REGRESSED: return "\xe2\x9d\x8c";           /* cross mark */
	case PG_VERDICT_INCONCLUSIVE: return "\xe2\x9a\xa0\xef\xb8\x8f";  /* warning sign */
	case PG_VERDICT_ERROR: return "\xf0\x9f\x92\xa5";          /* collision */
	case PG_VERDICT_IMPROVED: return "\xf0\x9f\x9a\x80";       /* rocket */
	default: return "\xe2\x9c\x85";                            /* check mark */
	}
}

static const char *metric_label(const char *metric)
{
	int m = pg_metric_find(metric);

	return m >= 0 ? pg_metric((enum pg_metric)m)->label : metric;
}

static void metric_name(struct sbuf *b, const struct pg_check_metric *m, int table)
{
	sb_puts(b, metric_label(m->metric));
	if (m->function) {
		sb_puts(b, " ");
		md_code_in(b, m->function, NAME_MAX_CHARS, 0, table);
	}
}

/* "cpu +20.3%" for the verdict line. */
static void short_change(struct sbuf *b, const struct pg_check_metric *m)
{
	char change[64];

	pg_check_format_change(change, sizeof change, m);
	metric_name(b, m, 0);
	sb_printf(b, " %s", change);
}

static int shown_in_table(const struct pg_check_metric *m)
{
	if (!m->function)
		return 1;
	return m->verdict == PG_VERDICT_REGRESSED || m->verdict == PG_VERDICT_INCONCLUSIVE;
}

static void verdict_cell(struct sbuf *b, const struct pg_check_metric *m)
{
	switch (m->verdict) {
	case PG_VERDICT_REGRESSED:
		sb_puts(b, "**regressed**");
		break;
	case PG_VERDICT_INCONCLUSIVE:
		sb_puts(b, "inconclusive");
		if (m->repeats_needed)
			sb_printf(b, " (about %u runs each would decide)", m->repeats_needed);
		break;
	case PG_VERDICT_NOT_CHECKED:
		sb_puts(b, "not checked");
		break;
	default:
		sb_puts(b, pg_verdict_name(m->verdict));
	}
	if (m->verdict != PG_VERDICT_NOT_CHECKED) {
		if (m->pairs)
			sb_printf(b, ", %zu pairs", m->pairs);
		else if (m->exact)
			sb_puts(b, ", exact");
		else if (!isnan(m->p_value))
			sb_printf(b, ", p = %.2g", m->p_value);
	}
}

static void metrics_table(struct sbuf *b, const struct pg_check_bench *bench)
{
	char before[64], after[64], change[64];
	size_t rows[2] = { 0, 0 }, hidden = 0;

	sb_puts(b, "| metric | baseline | current | change | threshold | verdict |\n"
		   "|---|--:|--:|--:|--:|---|\n");
	for (size_t i = 0; i < bench->nmetrics; i++) {
		const struct pg_check_metric *m = &bench->metrics[i];

		if (!shown_in_table(m))
			continue;
		/* A change that moves a hundred functions must not crowd out the
		 * other benchmarks: the first few of each kind, then a count. */
		if (m->function && rows[!strcmp(m->metric, "function_heap")]++ >= FUNCTION_ROWS) {
			hidden++;
			continue;
		}
		pg_check_format_value(before, sizeof before, m->unit, m->before);
		pg_check_format_value(after, sizeof after, m->unit, m->after);
		pg_check_format_change(change, sizeof change, m);
		sb_puts(b, "| ");
		metric_name(b, m, 1);
		sb_printf(b, " | %s | %s | %s | ", before, after, change);
		md_text(b, m->threshold, 32, 0);
		sb_puts(b, " | ");
		verdict_cell(b, m);
		sb_puts(b, " |\n");
	}
	if (hidden)
		sb_printf(b, "\n_and %zu more function%s with that verdict: see result.json._\n", hidden,
			  hidden == 1 ? "" : "s");
}

/* Whether a metric of the memory group (memory set) or of the timing group
 * regressed or was inconclusive. */
static int has_verdict(const struct pg_check_bench *b, int memory, int any_function)
{
	for (size_t i = 0; i < b->nmetrics; i++) {
		const struct pg_check_metric *m = &b->metrics[i];
		int k = pg_metric_find(m->metric);

		if (m->verdict != PG_VERDICT_REGRESSED && m->verdict != PG_VERDICT_INCONCLUSIVE)
			continue;
		if (k >= 0 && pg_metric((enum pg_metric)k)->memory == memory && (any_function || !m->function))
			return 1;
	}
	return 0;
}

static void functions_table(struct sbuf *b, const struct pg_check_bench *bench)
{
	char t1[64], t2[64];

	sb_puts(b, "\n**Top regressed functions** (CPU time per run as the leaf; inclusive share):\n\n"
		   "| function | self time | change | share |\n|---|--:|--:|--:|\n");
	for (size_t i = 0; i < bench->nfunctions; i++) {
		const struct pg_check_function *f = &bench->functions[i];

		pg_check_format_value(t1, sizeof t1, PG_UNIT_SECONDS, f->self_before);
		pg_check_format_value(t2, sizeof t2, PG_UNIT_SECONDS, f->self_after);
		sb_puts(b, "| ");
		md_cell_code(b, f->name, NAME_MAX_CHARS, 0);
		sb_printf(b, " | %s \xe2\x86\x92 %s | ", t1, t2);
		if (f->self_before > 0)
			sb_printf(b, "%+.1f%%", 100 * (f->self_after - f->self_before) / f->self_before);
		else
			sb_puts(b, "new");
		if (f->tested)
			sb_puts(b, f->significant ? " (significant)" : " (within noise)");
		sb_printf(b, " | %.1f%% \xe2\x86\x92 %.1f%% |\n", 100 * f->total_before, 100 * f->total_after);
	}
}

static void stacks_table(struct sbuf *b, const struct pg_check_bench *bench)
{
	char t1[64], t2[64], t3[64];

	sb_puts(b, "\n**Peak heap grew most in** (bytes live at the peak, by allocating stack):\n\n"
		   "| stack (leaf last) | baseline | current | change |\n|---|--:|--:|--:|\n");
	for (size_t i = 0; i < bench->nstacks; i++) {
		const struct pg_check_stack *s = &bench->stacks[i];

		pg_check_format_value(t1, sizeof t1, PG_UNIT_BYTES, s->before);
		pg_check_format_value(t2, sizeof t2, PG_UNIT_BYTES, s->after);
		pg_check_format_value(t3, sizeof t3, PG_UNIT_BYTES, s->after - s->before);
		sb_puts(b, "| ");
		md_stack(b, s->stack);
		sb_printf(b, " | %s | %s | +%s |\n", t1, t2, t3);
	}
}

static void links(struct sbuf *b, const struct pg_check_report *r, const struct pg_check_bench *bench)
{
	int any = 0;

	if (!bench->diff_cpu && !bench->diff_mem && !bench->profile)
		return;
	sb_puts(b, "\nFlame graphs: ");
	if (bench->diff_cpu) {
		md_link(b, r, "CPU diff", bench->diff_cpu);
		any = 1;
	}
	if (bench->diff_mem) {
		sb_puts(b, any ? " \xc2\xb7 " : "");
		md_link(b, r, "memory diff", bench->diff_mem);
		any = 1;
	}
	if (bench->profile) {
		sb_puts(b, any ? " \xc2\xb7 " : "");
		md_link(b, r, "current profile", bench->profile);
	}
	sb_puts(b, "\n");
}

static void bench_section(struct sbuf *b, const struct pg_check_report *r, const struct pg_check_bench *bench)
{
	sb_printf(b, "\n### %s ", icon(bench->verdict));
	md_code(b, bench->name, NAME_MAX_CHARS, 0);
	sb_printf(b, ": %s\n\n", pg_verdict_name(bench->verdict));
	if (bench->message) {
		sb_puts(b, "> ");
		md_text(b, bench->message, 0, 0);
		sb_puts(b, "\n\n");
	}
	if (bench->nmetrics)
		metrics_table(b, bench);
	for (size_t i = 0; i < bench->nmetrics; i++) {
		const struct pg_check_metric *m = &bench->metrics[i];

		if (m->function || m->verdict != PG_VERDICT_INCONCLUSIVE || m->repeats_needed || !m->note)
			continue;
		sb_printf(b, "\n> %s: ", metric_label(m->metric));
		md_text(b, m->note, 0, 0);
		sb_puts(b, "\n");
	}
	if (bench->nfunctions && has_verdict(bench, 0, 1))
		functions_table(b, bench);
	if (bench->nstacks && has_verdict(bench, 1, 1))
		stacks_table(b, bench);
	links(b, r, bench);
}

static const struct pg_check_metric *find_metric(const struct pg_check_bench *b, const char *metric)
{
	for (size_t i = 0; i < b->nmetrics; i++)
		if (!b->metrics[i].function && !strcmp(b->metrics[i].metric, metric))
			return &b->metrics[i];
	return NULL;
}

/* "1.23 s (+0.4%)" for the folded table. */
static void compact_cell(struct sbuf *b, const struct pg_check_bench *bench, const char *metric)
{
	const struct pg_check_metric *m = find_metric(bench, metric);
	char value[64], change[64];

	if (!m || isnan(m->after)) {
		sb_puts(b, "\xe2\x80\x94");
		return;
	}
	pg_check_format_value(value, sizeof value, m->unit, m->after);
	sb_puts(b, value);
	if (!isnan(m->before)) {
		pg_check_format_change(change, sizeof change, m);
		sb_printf(b, " (%s)", change);
	}
}

static void verdict_line(struct sbuf *b, const struct pg_check_report *r)
{
	size_t n = r->nbenches, named = 0;
	size_t bad = r->counts[PG_VERDICT_REGRESSED], err = r->counts[PG_VERDICT_ERROR];
	size_t inc = r->counts[PG_VERDICT_INCONCLUSIVE], imp = r->counts[PG_VERDICT_IMPROVED];
	int found = r->lookup_status && !strcmp(r->lookup_status, "found");
	enum pg_verdict focus = r->verdict;

	sb_printf(b, "## %s profgate: ", icon(r->verdict == PG_VERDICT_IMPROVED ? PG_VERDICT_UNCHANGED : r->verdict));
	if (r->verdict == PG_VERDICT_ERROR) {
		sb_printf(b, "**error**: %zu of %zu benchmark%s could not be measured", err, n, n == 1 ? "" : "s");
		if (bad)
			sb_printf(b, ", %zu regressed", bad);
	} else if (r->verdict == PG_VERDICT_REGRESSED) {
		sb_printf(b, "**regression** in %zu of %zu benchmark%s", bad, n, n == 1 ? "" : "s");
	} else if (r->verdict == PG_VERDICT_INCONCLUSIVE && !found) {
		sb_puts(b, "**inconclusive**: no baseline to compare with");
		focus = PG_VERDICT_NOT_CHECKED;  /* the message below says why */
	} else if (r->verdict == PG_VERDICT_INCONCLUSIVE && inc == 0) {
		/* Every benchmark here was decided, but not every benchmark is
		 * here (a partial merge of shards): the note says which. */
		sb_printf(b, "**inconclusive**: the report is incomplete (%zu benchmark%s decided; see the note)",
			  n, n == 1 ? "" : "s");
		focus = PG_VERDICT_NOT_CHECKED;
	} else if (r->verdict == PG_VERDICT_INCONCLUSIVE) {
		sb_printf(b, "**inconclusive**: %zu of %zu benchmark%s could not be decided", inc, n,
			  n == 1 ? "" : "s");
	} else {
		sb_printf(b, "**passed**: %zu benchmark%s, no regression", n, n == 1 ? "" : "s");
		if (imp)
			sb_printf(b, " (%zu improved)", imp);
		focus = PG_VERDICT_NOT_CHECKED;
	}
	/* Name the first few benchmarks of the verdict and what moved. */
	for (size_t i = 0; focus != PG_VERDICT_NOT_CHECKED && i < n && named < VERDICT_NAMES; i++) {
		const struct pg_check_bench *bench = &r->benches[i];
		int metrics = 0;

		if (bench->verdict != focus)
			continue;
		sb_puts(b, named++ ? ", " : ": ");
		md_code(b, bench->name, 40, 0);
		for (size_t k = 0; k < bench->nmetrics && metrics < 2; k++) {
			const struct pg_check_metric *m = &bench->metrics[k];

			if (m->verdict != focus || focus == PG_VERDICT_ERROR)
				continue;
			sb_puts(b, metrics++ ? ", " : " (");
			short_change(b, m);
		}
		if (metrics)
			sb_puts(b, ")");
	}
	if (focus != PG_VERDICT_NOT_CHECKED && named < r->counts[focus])
		sb_printf(b, " and %zu more", r->counts[focus] - named);
	sb_puts(b, "\n");
}

static void baseline_line(struct sbuf *b, const struct pg_check_report *r)
{
	int found = r->lookup_status && !strcmp(r->lookup_status, "found");

	sb_puts(b, "\n");
	char id[16];

	if (found) {
		snprintf(id, sizeof id, "%.12s", r->baseline_commit ? r->baseline_commit : "?");
		sb_puts(b, "Baseline ");
		md_code(b, id, 0, 0);
		if (r->baseline_distance == 0)
			sb_puts(b, ": the merge-base");
		else
			sb_printf(b, ": %u commit%s before the merge-base", r->baseline_distance,
				  r->baseline_distance == 1 ? "" : "s");
		if (r->base_rev) {
			sb_puts(b, " with ");
			md_code(b, r->base_rev, 60, 0);
		}
		if (r->compare && !strcmp(r->compare, "interleaved")) {
			sb_puts(b, ", built and measured side by side in this job");
		} else if (r->baseline_recorded_at) {
			sb_puts(b, ", recorded ");
			md_text(b, r->baseline_recorded_at, 40, 0);
		}
	} else {
		sb_puts(b, "> **No baseline** (");
		md_text(b, r->lookup_status ? r->lookup_status : "none", 20, 0);
		sb_puts(b, "): ");
		md_text(b, r->lookup_message ? r->lookup_message : "", 0, 0);
		sb_puts(b, "\n>\n> ");
	}
	sb_puts(b, found ? "; checked " : "Checked ");
	snprintf(id, sizeof id, "%.12s", r->head ? r->head : "?");
	md_code(b, id, 0, 0);
	if (r->dirty)
		sb_puts(b, " with uncommitted changes");
	if (r->shard_count)
		sb_printf(b, ", shard %u of %u", r->shard_index, r->shard_count);
	sb_puts(b, ".\n");
	if (r->note) {
		sb_puts(b, "\n> ");
		md_text(b, r->note, 0, 0);
		sb_puts(b, "\n");
	}
}

static int needs_section(const struct pg_check_bench *b, int found)
{
	/* Without any baseline every benchmark says the same: the table
	 * of current numbers is enough. */
	if (!found && b->verdict == PG_VERDICT_INCONCLUSIVE)
		return 0;
	return b->verdict != PG_VERDICT_UNCHANGED && b->verdict != PG_VERDICT_NOT_CHECKED;
}

static int render(struct sbuf *out, const struct pg_check_report *r)
{
	static const enum pg_verdict order[] = { PG_VERDICT_ERROR, PG_VERDICT_REGRESSED,
						 PG_VERDICT_INCONCLUSIVE, PG_VERDICT_IMPROVED, PG_VERDICT_NEW };
	int found = r->lookup_status && !strcmp(r->lookup_status, "found");
	size_t omitted = 0, rest = 0, rest_shown = 0;
	struct sbuf part = { 0 };

	verdict_line(out, r);
	baseline_line(out, r);
	for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
		for (size_t i = 0; i < r->nbenches; i++) {
			const struct pg_check_bench *bench = &r->benches[i];

			if (bench->verdict != order[o] || !needs_section(bench, found))
				continue;
			part.len = 0;
			bench_section(&part, r, bench);
			if (part.failed)
				goto fail;
			if (omitted || out->len + part.len + FOOTER_RESERVE > PG_CHECK_SUMMARY_MAX) {
				omitted++;
				continue;
			}
			sb_append(out, &part);
		}
	}
	if (omitted)
		sb_printf(out, "\n_%zu more benchmark%s that need%s a look did not fit in this comment: "
			  "see index.html or result.json._\n", omitted, omitted == 1 ? "" : "s",
			  omitted == 1 ? "s" : "");

	for (size_t i = 0; i < r->nbenches; i++)
		rest += !needs_section(&r->benches[i], found);
	if (rest) {
		sb_printf(out, "\n<details><summary>%zu benchmark%s %s</summary>\n\n"
			  "| benchmark | verdict | wall time | CPU time | peak heap |\n|---|---|--:|--:|--:|\n",
			  rest, rest == 1 ? "" : "s", found ? "unchanged" : "measured (no baseline)");
		for (size_t i = 0; i < r->nbenches; i++) {
			const struct pg_check_bench *bench = &r->benches[i];

			if (needs_section(bench, found))
				continue;
			part.len = 0;
			sb_puts(&part, "| ");
			md_cell_code(&part, bench->name, NAME_MAX_CHARS, 0);
			sb_printf(&part, " | %s | ", pg_verdict_name(bench->verdict));
			compact_cell(&part, bench, pg_metric_name(PG_METRIC_WALL));
			sb_puts(&part, " | ");
			compact_cell(&part, bench, pg_metric_name(PG_METRIC_CPU));
			sb_puts(&part, " | ");
			compact_cell(&part, bench, pg_metric_name(PG_METRIC_PEAK_HEAP));
			sb_puts(&part, " |\n");
			if (part.failed)
				goto fail;
			if (out->len + part.len + FOOTER_RESERVE / 2 > PG_CHECK_SUMMARY_MAX)
				break;
			sb_append(out, &part);
			rest_shown++;
		}
		if (rest_shown < rest)
			sb_printf(out, "\n_and %zu more: see index.html or result.json._\n", rest - rest_shown);
		sb_puts(out, "\n</details>\n");
	}

	sb_puts(out, "\n<sub>profgate ");
	md_text(out, r->version ? r->version : "", 20, 0);
	if (r->compare && !strcmp(r->compare, "interleaved"))
		sb_printf(out, " \xc2\xb7 interleaved: base and head built and measured side by side in this job; "
			  "wall and CPU time regress when the estimate of the paired change (Hodges-Lehmann) is "
			  "beyond the threshold and the low end of its Wilcoxon interval (one-sided 99.5%%) is above "
			  "no change, and pass when its high end (one-sided 95%%) is below the threshold; functions "
			  "marked \"within noise\" did not change significantly across the sampled pairs");
	else
		sb_printf(out, " \xc2\xb7 a metric regresses when the change of its median is beyond the "
			  "threshold and a Mann-Whitney U test of the runs says it is not noise "
			  "(p &lt; %.2g); no spread on either side compares exactly", r->alpha > 0 ? r->alpha : 0.05);
	if (r->report_url) {
		sb_puts(out, " \xc2\xb7 ");
		md_link(out, r, "all benchmarks", "index.html");
	}
	sb_puts(out, "</sub>\n");
	free(part.s);
	return out->failed ? pg_error_set("out of memory") : 0;
fail:
	free(part.s);
	return pg_error_set("out of memory");
}

int pg_check_summary_render(const struct pg_check_report *r, FILE *out)
{
	struct sbuf b = { 0 };
	int rc = render(&b, r);

	if (rc == 0 && b.len && fwrite(b.s, 1, b.len, out) != b.len)
		rc = pg_error_set("cannot write summary.md");
	free(b.s);
	return rc;
}

int pg_check_summary_write(const struct pg_check_report *r, const char *path)
{
	return pg_check_write_rendered(r, path, pg_check_summary_render);
}
