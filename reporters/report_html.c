/*
 * The HTML report: the run's data as one JSON document, embedded with the
 * renderer (assets/report.js, assets/report.css) into a single file.
 *
 * The JSON is built for size and for a fast start in the browser, not for
 * reading: each profile is its call tree in preorder as three flat arrays
 * (depth, name index, self weight) over a table of the names it uses, and
 * the browser rebuilds parents and totals in one pass. Names are written by
 * pg_outbuf_json_string(), which escapes '<', '>' and '&' too, so no name can
 * close the <script> element or open a comment inside it; the renderer only
 * ever puts them into the page as text (textContent, canvas fillText).
 */
#define _GNU_SOURCE
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "assets.h"
#include "error.h"
#include "flametree.h"
#include "outbuf.h"

/* A report's trees are capped at this many nodes (remainders included):
 * about 12 bytes each in the JSON, so that the file stays a few megabytes
 * and the browser lays out any zoom level in a few milliseconds. */
#define MAX_NODES 400000

#define MEM_NOTE_DEFAULT "memory was not tracked (the allocation tracker is not built yet, or --no-mem)"
#define CPU_NOTE_DEFAULT "no CPU samples were taken (the run used --no-cpu; run without it)"

enum { P_CPU, P_WALL, P_MEM_PEAK, P_MEM_LEAKS, P_COUNT };

static const struct {
	const char *id, *label, *unit;
} kinds[P_COUNT] = {
	[P_CPU] = {"cpu", "CPU", "samples"},
	[P_WALL] = {"wall", "Wall clock", "samples"},
	[P_MEM_PEAK] = {"mem-peak", "Peak memory", "bytes"},
	[P_MEM_LEAKS] = {"mem-leaks", "Leaks", "bytes"},
};

struct state {
	const struct pg_report *r;
	const struct pg_profile *prof[P_COUNT];
	struct pg_flametree *tree[P_COUNT];
	int index[P_COUNT];          /* position in "profiles", or -1 */
	int timeline;                /* P_WALL or P_CPU: the profile the samples index; -1 none */
	struct pg_outbuf *o;
};

struct tid_weight {
	int32_t tid;
	uint32_t node;
	uint64_t weight;
};

static int compare_tid_weight(const void *va, const void *vb)
{
	const struct tid_weight *a = va, *b = vb;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return (a->node > b->node) - (a->node < b->node);
}

/* "threads": the self weight of each node per thread, for the per-thread
 * filter; only stacks whose thread is known take part. */
static int write_thread_weights(struct pg_outbuf *o, const struct pg_profile *p, const struct pg_flametree *t)
{
	size_t n = pg_profile_stack_count(p);
	struct tid_weight *tw = malloc((n ? n : 1) * sizeof(*tw));
	size_t k = 0;

	if (!tw)
		return pg_error_set("out of memory");
	for (size_t s = 0; s < n; s++) {
		const struct pg_stack *st = pg_profile_stack(p, s);

		if (st->tid != PG_TID_ANY)
			tw[k++] = (struct tid_weight){st->tid, t->stack_node[s], st->weight};
	}
	qsort(tw, k, sizeof(*tw), compare_tid_weight);
	pg_outbuf_puts(o, "[");
	for (size_t i = 0; i < k;) {
		int32_t tid = tw[i].tid;

		pg_outbuf_puts(o, i ? ",\n{\"tid\":" : "{\"tid\":");
		pg_outbuf_i64(o, tid);
		pg_outbuf_puts(o, ",\"self\":[");
		for (int pair = 0; i < k && tw[i].tid == tid; pair++) {
			uint32_t node = tw[i].node;
			uint64_t w = 0;

			while (i < k && tw[i].tid == tid && tw[i].node == node)
				w += tw[i++].weight;
			if (pair)
				pg_outbuf_putc(o, ',');
			pg_outbuf_u64(o, node);
			pg_outbuf_putc(o, ',');
			pg_outbuf_u64(o, w);
		}
		pg_outbuf_puts(o, "]}");
	}
	pg_outbuf_puts(o, "]");
	free(tw);
	return 0;
}

/* One profile: its tree as flat preorder arrays over its own name table. */
static int write_profile(struct pg_outbuf *o, const struct pg_profile *p, const struct pg_flametree *t)
{
	int rc;

	pg_outbuf_puts(o, "{\"total\":");
	pg_outbuf_u64(o, t->total);
	pg_outbuf_puts(o, ",\"threshold\":");
	pg_outbuf_u64(o, t->threshold);
	pg_outbuf_puts(o, ",\"merged\":");
	pg_outbuf_u64(o, t->merged_nodes);
	pg_outbuf_puts(o, ",\"stacks\":");
	pg_outbuf_u64(o, pg_profile_stack_count(p));
	pg_outbuf_puts(o, ",\n");
	if ((rc = pg_flametree_json_shape(o, t, p)) < 0)
		return rc;
	pg_outbuf_puts(o, ",\n\"self\":[");
	for (size_t i = 0; i < t->count; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, t->nodes[i].self);
	}
	pg_outbuf_puts(o, "],\n");
	pg_flametree_json_rest(o, t);
	pg_outbuf_puts(o, ",\n\"threads\":");
	rc = write_thread_weights(o, p, t);
	pg_outbuf_puts(o, "}");
	return rc;
}

static void write_key(struct pg_outbuf *o, const char *key)
{
	pg_outbuf_puts(o, ",\n");
	pg_outbuf_json_string(o, key);
	pg_outbuf_putc(o, ':');
}

static void write_seconds(struct pg_outbuf *o, double s)
{
	if (s >= 0)
		pg_outbuf_double(o, s, 6);
	else
		pg_outbuf_puts(o, "null");
}

static void write_tab(struct pg_outbuf *o, int *first, const char *id, const char *kind,
		      const char *label, const char *unit, int profile, const char *missing)
{
	pg_outbuf_puts(o, *first ? "\n{\"id\":" : ",\n{\"id\":");
	*first = 0;
	pg_outbuf_json_string(o, id);
	pg_outbuf_puts(o, ",\"kind\":");
	pg_outbuf_json_string(o, kind);
	pg_outbuf_puts(o, ",\"label\":");
	pg_outbuf_json_string(o, label);
	if (unit) {
		pg_outbuf_puts(o, ",\"unit\":");
		pg_outbuf_json_string(o, unit);
	}
	if (profile >= 0) {
		pg_outbuf_puts(o, ",\"profile\":");
		pg_outbuf_i64(o, profile);
	}
	if (missing) {
		pg_outbuf_puts(o, ",\"missing\":");
		pg_outbuf_json_string(o, missing);
	}
	pg_outbuf_putc(o, '}');
}

static uint64_t time0(const struct pg_report *r)
{
	return r->start_ns;
}

/* Microseconds since t0, never negative. */
static uint64_t rel_us(uint64_t t, uint64_t t0)
{
	return t > t0 ? (t - t0 + 500) / 1000 : 0;
}

static int write_timeline(struct state *s)
{
	const struct pg_report *r = s->r;
	struct pg_outbuf *o = s->o;
	const struct pg_flametree *t = s->tree[s->timeline];
	size_t nstacks = pg_profile_stack_count(s->prof[s->timeline]);
	uint64_t t0 = time0(r);
	uint64_t prev = 0;

	for (size_t i = 0; i < r->nsamples; i++) {
		if (r->samples[i].stack >= nstacks)
			return pg_error_setc(PG_EINVALID, "timeline sample %zu names stack %u of %zu", i,
					     r->samples[i].stack, nstacks);
		if (r->samples[i].thread >= r->nthreads)
			return pg_error_setc(PG_EINVALID, "timeline sample %zu names thread %u of %zu", i,
					     r->samples[i].thread, r->nthreads);
	}
	pg_outbuf_puts(o, "{\"profile\":");
	pg_outbuf_i64(o, s->index[s->timeline]);
	pg_outbuf_puts(o, ",\"period_us\":");
	pg_outbuf_double(o, r->hz ? 1e6 / r->hz : 1000, 6);
	/* Times as differences from the previous sample: most are one period. */
	pg_outbuf_puts(o, ",\n\"dt\":[");
	for (size_t i = 0; i < r->nsamples; i++) {
		uint64_t us = rel_us(r->samples[i].t_ns, t0);

		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_i64(o, (int64_t)us - (int64_t)prev);
		prev = us;
	}
	pg_outbuf_puts(o, "],\n\"thread\":[");
	for (size_t i = 0; i < r->nsamples; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, r->samples[i].thread);
	}
	pg_outbuf_puts(o, "],\n\"node\":[");
	for (size_t i = 0; i < r->nsamples; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, t->stack_node[r->samples[i].stack]);
	}
	/* A long wait is one record covering many periods: drawn as a span. */
	pg_outbuf_puts(o, "],\n\"ticks\":[");
	for (size_t i = 0; i < r->nsamples; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, r->samples[i].ticks > 1 ? r->samples[i].ticks : 1);
	}
	pg_outbuf_puts(o, "],\n\"waiting\":[");
	for (size_t i = 0; i < r->nsamples; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_putc(o, r->samples[i].waiting ? '1' : '0');
	}
	pg_outbuf_puts(o, "]}");
	return 0;
}

static void write_memory(const struct pg_report *r, struct pg_outbuf *o)
{
	uint64_t t0 = time0(r);

	pg_outbuf_puts(o, "{\"t_us\":[");
	for (size_t i = 0; i < r->nheap; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, rel_us(r->heap[i].t_ns, t0));
	}
	pg_outbuf_puts(o, "],\n\"heap\":[");
	for (size_t i = 0; i < r->nheap; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, r->heap[i].heap_bytes);
	}
	pg_outbuf_puts(o, "],\n\"rss\":[");
	for (size_t i = 0; i < r->nheap; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, r->heap[i].rss_bytes);
	}
	pg_outbuf_puts(o, "],\"peak_t_us\":");
	pg_outbuf_u64(o, rel_us(r->peak_t_ns, t0));
	pg_outbuf_puts(o, "}");
}

/* The command line as one string, for the title when none is given. */
static char *join_command(const struct pg_report *r)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < r->argc; i++)
		len += strlen(r->command[i]) + 1;
	if (!(s = malloc(len)))
		return NULL;
	p = s;
	*p = '\0';
	for (int i = 0; i < r->argc; i++) {
		size_t n = strlen(r->command[i]);

		if (i)
			*p++ = ' ';
		memcpy(p, r->command[i], n);
		p += n;
		*p = '\0';
	}
	return s;
}

static int write_data(struct state *s, const char *title)
{
	const struct pg_report *r = s->r;
	struct pg_outbuf *o = s->o;
	int wall_mode = r->mode && !strcmp(r->mode, "wall");
	const char *mem_note = r->mem_note ? r->mem_note : MEM_NOTE_DEFAULT;
	const char *default_tab = NULL;
	int first = 1;
	int np = 0;
	int rc;

	pg_outbuf_puts(o, "{\"format\":\"profgate.report/1\"");
	write_key(o, "title");
	pg_outbuf_json_string(o, title);
	write_key(o, "command");
	pg_outbuf_json_strings(o, (const char *const *)r->command, r->argc > 0 ? (size_t)r->argc : 0);
	write_key(o, "mode");
	pg_outbuf_json_string(o, r->mode ? r->mode : "cpu");
	write_key(o, "hz");
	pg_outbuf_u64(o, r->hz);
	write_key(o, "wall_seconds");
	write_seconds(o, r->wall_seconds);
	write_key(o, "cpu_seconds");
	write_seconds(o, r->cpu_seconds);
	write_key(o, "peak_heap_bytes");
	if (r->peak_heap_bytes >= 0)
		pg_outbuf_i64(o, r->peak_heap_bytes);
	else
		pg_outbuf_puts(o, "null");
	write_key(o, "peak_rss_bytes");
	if (r->peak_rss_bytes > 0)
		pg_outbuf_i64(o, r->peak_rss_bytes);
	else
		pg_outbuf_puts(o, "null");
	write_key(o, "inverted");
	pg_outbuf_puts(o, r->inverted ? "true" : "false");
	write_key(o, "lost_samples");
	if (r->lost_known)
		pg_outbuf_u64(o, r->lost_samples);
	else
		pg_outbuf_puts(o, "null");
	write_key(o, "truncated_stacks");
	pg_outbuf_u64(o, r->truncated_stacks);
	write_key(o, "max_frames");
	pg_outbuf_u64(o, r->max_frames);
	write_key(o, "run_note");
	if (r->run_note)
		pg_outbuf_json_string(o, r->run_note);
	else
		pg_outbuf_puts(o, "null");
	write_key(o, "full_names");
	pg_outbuf_putc(o, '{');
	for (size_t i = 0; i < r->nfull; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_json_string(o, r->full_keys[i]);
		pg_outbuf_putc(o, ':');
		pg_outbuf_json_string(o, r->full_values[i]);
	}
	pg_outbuf_putc(o, '}');

	write_key(o, "threads");
	pg_outbuf_putc(o, '[');
	for (size_t i = 0; i < r->nthreads; i++) {
		pg_outbuf_puts(o, i ? ",\n{\"pid\":" : "{\"pid\":");
		pg_outbuf_i64(o, r->threads[i].pid);
		pg_outbuf_puts(o, ",\"tid\":");
		pg_outbuf_i64(o, r->threads[i].tid);
		pg_outbuf_puts(o, ",\"name\":");
		pg_outbuf_json_string(o, r->threads[i].name);
		pg_outbuf_putc(o, '}');
	}
	pg_outbuf_putc(o, ']');

	/* Tabs, in the order shown. A tab without data stays, saying why,
	 * except in `profgate flamegraph`, which shows only what it was given. */
	write_key(o, "tabs");
	pg_outbuf_putc(o, '[');
	for (int k = 0; k < P_COUNT; k++) {
		const char *missing = NULL;

		if (s->prof[k]) {
			s->index[k] = np++;
			if (!default_tab || (k == P_WALL && wall_mode))
				default_tab = kinds[k].id;
		} else if (r->flamegraph_only) {
			continue;
		} else if (k == P_CPU) {
			missing = r->cpu_note ? r->cpu_note : CPU_NOTE_DEFAULT;
		} else if (k == P_WALL) {
			if (!wall_mode)
				continue;
			missing = "no wall-clock samples were taken";
		} else {
			missing = mem_note;
		}
		write_tab(o, &first, kinds[k].id, "flame", kinds[k].label, kinds[k].unit, s->index[k], missing);
	}
	if (!r->flamegraph_only) {
		write_tab(o, &first, "timeline", "timeline", "Threads over time", NULL, -1,
			  s->timeline >= 0 ? NULL :
			  "no timed samples: CPU sampling was off (--no-cpu) or no sample was taken");
		write_tab(o, &first, "memory", "memory", "Memory over time", NULL, -1,
			  r->nheap ? NULL : mem_note);
	}
	pg_outbuf_puts(o, "\n]");
	write_key(o, "default_tab");
	pg_outbuf_json_string(o, default_tab ? default_tab : "cpu");

	write_key(o, "profiles");
	pg_outbuf_putc(o, '[');
	for (int k = 0, n = 0; k < P_COUNT; k++) {
		if (!s->prof[k])
			continue;
		if (n++)
			pg_outbuf_puts(o, ",\n");
		if ((rc = write_profile(o, s->prof[k], s->tree[k])) < 0)
			return rc;
	}
	pg_outbuf_putc(o, ']');

	write_key(o, "timeline");
	if (s->timeline >= 0) {
		if ((rc = write_timeline(s)) < 0)
			return rc;
	} else {
		pg_outbuf_puts(o, "null");
	}
	write_key(o, "memory");
	if (r->nheap)
		write_memory(r, o);
	else
		pg_outbuf_puts(o, "null");
	pg_outbuf_puts(o, "\n}\n");
	return 0;
}

static int prepare(struct state *s, const struct pg_report *r, struct pg_outbuf *o)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->r = r;
	s->o = o;
	s->prof[P_CPU] = r->cpu;
	s->prof[P_WALL] = r->wall;
	s->prof[P_MEM_PEAK] = r->mem_peak;
	s->prof[P_MEM_LEAKS] = r->mem_leaks;
	for (int k = 0; k < P_COUNT; k++) {
		s->index[k] = -1;
		if (s->prof[k] && (rc = pg_flametree_build(&s->tree[k], s->prof[k], MAX_NODES, 0)) < 0)
			return rc;
	}
	s->timeline = -1;
	if (r->nsamples && !r->flamegraph_only) {
		if (r->wall)
			s->timeline = P_WALL;
		else if (r->cpu)
			s->timeline = P_CPU;
	}
	return 0;
}

static void release(struct state *s)
{
	for (int k = 0; k < P_COUNT; k++)
		pg_flametree_free(s->tree[k]);
}

/* what names the sink in error messages: "'report.html'", "the report". */
static int render(const struct pg_report *r, FILE *out, int html, const char *what)
{
	struct pg_outbuf *o = malloc(sizeof(*o));
	struct state s;
	char *joined = NULL;
	const char *title = r->title;
	int rc;

	if (!o)
		return pg_error_set("out of memory");
	pg_outbuf_init(o, out);
	if ((rc = prepare(&s, r, o)) < 0)
		goto done;
	if (!title) {
		if (!(joined = join_command(r))) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		title = joined;
	}
	if (html) {
		pg_outbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
				  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
				  /* Belt and braces: even a bug in the renderer cannot
				   * make this page load anything. */
				  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
				  "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
				  "<meta name=\"generator\" content=\"profgate\">\n<title>");
		pg_outbuf_xml_text(o, title);
		pg_outbuf_puts(o, " \xe2\x80\x94 profgate</title>\n<style>\n");
		pg_outbuf_put(o, pg_asset_report_css, pg_asset_report_css_len);
		pg_outbuf_puts(o, "</style>\n</head>\n<body>\n"
				  "<noscript><p class=\"noscript\">This profgate report draws its flame graphs "
				  "with JavaScript: allow scripts for this file.</p></noscript>\n"
				  "<div id=\"app\"></div>\n"
				  "<script type=\"application/json\" id=\"pg-data\">\n");
	}
	if ((rc = write_data(&s, title)) < 0)
		goto done;
	if (html) {
		pg_outbuf_puts(o, "</script>\n<script>\n");
		pg_outbuf_put(o, pg_asset_report_js, pg_asset_report_js_len);
		pg_outbuf_puts(o, "</script>\n</body>\n</html>\n");
	}
	rc = pg_outbuf_finish(o, what);
done:
	release(&s);
	free(joined);
	free(o);
	return rc;
}

int pg_report_html_render(const struct pg_report *r, FILE *out)
{
	return render(r, out, 1, "the report");
}

int pg_report_json_render(const struct pg_report *r, FILE *out)
{
	return render(r, out, 0, "the report data");
}

struct html_job {
	const struct pg_report *r;
	char *what;
};

static int html_job(void *job, FILE *f)
{
	const struct html_job *j = job;

	return render(j->r, f, 1, j->what);
}

int pg_report_html_write(const struct pg_report *r, const char *path)
{
	struct html_job job = { .r = r };
	int rc;

	if (asprintf(&job.what, "'%s'", path) < 0)
		return pg_error_set("out of memory");
	rc = pg_afile_write_with(path, html_job, &job);
	free(job.what);
	return rc;
}
