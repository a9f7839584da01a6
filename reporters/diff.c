/*
 * Differential profiles (see diff.h): the functions that changed most, the
 * difffolded text ("stack before after"), and the interactive HTML
 * differential flame graph. The SVG is in diff_svg.c; the merged call tree
 * both graphs draw is in difftree.c.
 *
 * The HTML is the report's machinery again: the data as JSON in a
 * <script type="application/json"> block, written with pg_outbuf (names
 * escaped so that none can end the block), and the renderer: report.js,
 * whose flame graph widget diff.js extends with the colours, the tooltip and
 * the switches of a differential graph, and report.css with diff.css. The
 * JSON holds the merged tree in preorder as flat arrays (depth, name index,
 * BEFORE's and AFTER's exact self weights) and the top changed functions
 * with unscaled weights, so that the page can switch between BEFORE scaled
 * to AFTER's total and the absolute numbers without losing precision.
 */
#define _GNU_SOURCE
#include "diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "assets.h"
#include "diff_assets.h"
#include "difftree.h"
#include "funcdiff.h"
#include "error.h"
#include "outbuf.h"

/* The HTML's tree is capped at this many nodes, remainders included: about
 * 14 bytes each in the JSON, so that a diff of two 200,000-stack profiles
 * stays a few megabytes and lays out in milliseconds. */
#define MAX_NODES 400000
/* Functions listed in the HTML: the most changed of each mode (normalized,
 * absolute), which the page sorts again for the mode shown. */
#define HTML_FUNCTIONS 200

#define DEFAULT_TITLE "Differential flame graph"

/* ---- difffolded --------------------------------------------------- */

/* Frame names as a folded line can hold them: the bytes that would break
 * the format (';', control bytes) become '?', and so does an empty or
 * all-blank name, as pg_folded_write() does, so that the file parses. */
struct line_names {
	const char **s;
	size_t *len;
	char **copies;
	size_t count;
};

static int breaks_line(unsigned char c)
{
	return c == ';' || c < 0x20 || c == 0x7f;
}

static void line_names_release(struct line_names *ln)
{
	for (size_t i = 0; ln->copies && i < ln->count; i++)
		free(ln->copies[i]);
	free(ln->copies);
	free(ln->s);
	free(ln->len);
}

static int line_names_init(struct line_names *ln, const struct pg_profile *names)
{
	size_t n = pg_profile_frame_count(names);

	memset(ln, 0, sizeof(*ln));
	ln->count = n;
	ln->s = malloc((n ? n : 1) * sizeof(*ln->s));
	ln->len = malloc((n ? n : 1) * sizeof(*ln->len));
	ln->copies = calloc(n ? n : 1, sizeof(*ln->copies));
	if (!ln->s || !ln->len || !ln->copies)
		return pg_error_set("out of memory");
	for (size_t id = 0; id < n; id++) {
		const char *s = pg_profile_frame_name(names, (pg_frame_id)id);
		size_t len = strlen(s);
		int blank = 1, breaks = 0;

		for (size_t i = 0; i < len; i++) {
			breaks |= breaks_line((unsigned char)s[i]);
			blank &= s[i] == ' ' || s[i] == '\t';
		}
		ln->s[id] = s;
		ln->len[id] = len;
		if (!blank && !breaks)
			continue;
		if (!(ln->copies[id] = malloc(len ? len : 1)))
			return pg_error_set("out of memory");
		/* A blank name would read back as an empty frame. */
		if (blank) {
			memset(ln->copies[id], '?', len ? len : 1);
		} else {
			for (size_t i = 0; i < len; i++)
				ln->copies[id][i] = breaks_line((unsigned char)s[i]) ? '?' : s[i];
		}
		ln->len[id] = len ? len : 1;
		ln->s[id] = ln->copies[id];
	}
	return 0;
}

struct line_stack {
	const pg_frame_id *frames;   /* the side's ids */
	uint32_t depth;
	int side;
	uint64_t weight;
};

struct line_ctx {
	const struct line_names *ln;
	uint32_t *const *map;
};

/* Orders two stacks as their lines sort byte by byte. Written names hold
 * no ';', so where one name is a prefix of the other, the next byte of the
 * longer name meets the ';' (or the end of the line) after the shorter. */
static int compare_lines(const void *va, const void *vb, void *vctx)
{
	const struct line_stack *a = va, *b = vb;
	const struct line_ctx *c = vctx;
	uint32_t depth = a->depth < b->depth ? a->depth : b->depth;

	for (uint32_t d = 0; d < depth; d++) {
		uint32_t fa = c->map[a->side][a->frames[d]], fb = c->map[b->side][b->frames[d]];
		size_t la, lb;
		int r;

		if (fa == fb)
			continue;
		la = c->ln->len[fa];
		lb = c->ln->len[fb];
		r = memcmp(c->ln->s[fa], c->ln->s[fb], la < lb ? la : lb);
		if (r)
			return r;
		if (la == lb)
			continue;
		if (la < lb)
			return d + 1 == a->depth || (unsigned char)c->ln->s[fb][la] > ';' ? -1 : 1;
		return d + 1 == b->depth || (unsigned char)c->ln->s[fa][lb] > ';' ? 1 : -1;
	}
	return (a->depth > b->depth) - (a->depth < b->depth);
}

static void put_frames(struct pg_outbuf *o, const struct line_stack *st, const struct line_ctx *c)
{
	for (uint32_t d = 0; d < st->depth; d++) {
		uint32_t f = c->map[st->side][st->frames[d]];

		if (d)
			pg_outbuf_putc(o, ';');
		pg_outbuf_put(o, c->ln->s[f], c->ln->len[f]);
	}
}

static int folded_render(const struct pg_profile *before, const struct pg_profile *after, int normalize,
			 FILE *f, const char *what)
{
	const struct pg_profile *side[2] = {before, after};
	struct pg_profile *names = NULL;
	uint32_t *map[2] = {NULL, NULL};
	struct line_names ln = {0};
	struct line_stack *all = NULL;
	struct pg_outbuf *o = malloc(sizeof(*o));
	size_t n = pg_profile_stack_count(before) + pg_profile_stack_count(after), k = 0;
	double scale = pg_diff_before_scale(before, after, normalize);
	struct line_ctx ctx;
	int rc;

	if (!o)
		return pg_error_set("out of memory");
	pg_outbuf_init(o, f);
	if ((rc = pg_diff_names(&names, map, before, after)) < 0 || (rc = line_names_init(&ln, names)) < 0)
		goto done;
	if (!(all = malloc((n ? n : 1) * sizeof(*all)))) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < pg_profile_stack_count(side[s]); i++) {
			const struct pg_stack *st = pg_profile_stack(side[s], i);

			all[k++] = (struct line_stack){st->frames, st->depth, s, st->weight};
		}
	}
	ctx = (struct line_ctx){&ln, map};
	qsort_r(all, n, sizeof(*all), compare_lines, &ctx);
	/* Equal lines are adjacent: a stack on both sides, in several
	 * threads, or names that became equal when made writable. */
	for (size_t i = 0; i < n;) {
		uint64_t w[2] = {0, 0};
		size_t j = i;

		while (j < n && (j == i || compare_lines(&all[i], &all[j], &ctx) == 0)) {
			w[all[j].side] += all[j].weight;
			j++;
		}
		put_frames(o, &all[i], &ctx);
		pg_outbuf_putc(o, ' ');
		if (scale != 1.0)
			pg_outbuf_u64(o, (uint64_t)llround((double)w[PG_DIFF_BEFORE] * scale));
		else
			pg_outbuf_u64(o, w[PG_DIFF_BEFORE]);
		pg_outbuf_putc(o, ' ');
		pg_outbuf_u64(o, w[PG_DIFF_AFTER]);
		pg_outbuf_putc(o, '\n');
		i = j;
	}
	rc = pg_outbuf_finish(o, what);
done:
	free(o);
	free(all);
	line_names_release(&ln);
	pg_profile_free(names);
	free(map[0]);
	free(map[1]);
	return rc;
}

struct diff_job {
	pg_diff_render_fn *render;
	const struct pg_profile *before, *after;
	const struct pg_diff_opts *opts;
	const char *what;
};

static int diff_job(void *job, FILE *f)
{
	const struct diff_job *j = job;

	return j->render(j->before, j->after, j->opts, f, j->what);
}

int pg_diff_write_file(const char *path, pg_diff_render_fn *render, const struct pg_profile *before,
		       const struct pg_profile *after, const struct pg_diff_opts *o)
{
	struct diff_job job = { render, before, after, o, NULL };
	char *what = NULL;
	int rc;

	if (asprintf(&what, "'%s'", path) < 0)
		return pg_error_set("out of memory");
	job.what = what;
	rc = pg_afile_write_with(path, diff_job, &job);
	free(what);
	return rc;
}

static int folded_with_opts(const struct pg_profile *before, const struct pg_profile *after,
			    const struct pg_diff_opts *o, FILE *f, const char *what)
{
	return folded_render(before, after, o->normalize, f, what);
}

int pg_diff_folded_write(const struct pg_profile *before, const struct pg_profile *after,
			 int normalize, const char *path)
{
	struct pg_diff_opts o = { .normalize = normalize };

	return pg_diff_write_file(path, folded_with_opts, before, after, &o);
}

/* ---- HTML --------------------------------------------------------- */

static void write_key(struct pg_outbuf *o, const char *key)
{
	pg_outbuf_puts(o, ",\n");
	pg_outbuf_json_string(o, key);
	pg_outbuf_putc(o, ':');
}

static void write_u64_array(struct pg_outbuf *o, const uint64_t *v, size_t n)
{
	pg_outbuf_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, v[i]);
	}
	pg_outbuf_putc(o, ']');
}

/* The merged tree as flat preorder arrays over the names it uses. */
static int write_tree(struct pg_outbuf *o, const struct pg_difftree *t)
{
	const struct pg_flametree *ft = t->tree;
	int rc;

	pg_outbuf_puts(o, "{\"merged\":");
	pg_outbuf_u64(o, ft->merged_nodes);
	pg_outbuf_puts(o, ",\"min_share\":");
	pg_outbuf_double(o, t->min_share, 6);
	pg_outbuf_puts(o, ",\n");
	if ((rc = pg_flametree_json_shape(o, ft, t->merged)) < 0)
		return rc;
	pg_outbuf_puts(o, ",\n\"before\":");
	write_u64_array(o, t->self[PG_DIFF_BEFORE], ft->count);
	pg_outbuf_puts(o, ",\n\"after\":");
	write_u64_array(o, t->self[PG_DIFF_AFTER], ft->count);
	pg_outbuf_puts(o, ",\n");
	pg_flametree_json_rest(o, ft);
	pg_outbuf_puts(o, "}");
	return 0;
}

struct fn_keep {
	struct pg_diff_function f;
	int keep;
};

static int compare_keep(const void *va, const void *vb, void *vscale)
{
	return pg_diff_function_compare(&((const struct fn_keep *)va)->f, &((const struct fn_keep *)vb)->f, vscale);
}

static int compare_keep_self(const void *va, const void *vb, void *vscale)
{
	return pg_diff_function_compare_self(&((const struct fn_keep *)va)->f, &((const struct fn_keep *)vb)->f,
					     vscale);
}

/* The most changed functions of both modes (weights normalized or not), by
 * total and by self change (the page's table sorts by self), unscaled, as
 * [name, self_before, self_after, total_before, total_after] rows. */
static int write_functions(struct pg_outbuf *o, const struct pg_profile *before, const struct pg_profile *after)
{
	struct pg_diff_function *raw = NULL;
	struct fn_keep *fk = NULL;
	size_t n = 0, rows = 0;
	double scales[2] = {1.0, pg_diff_before_scale(before, after, 1)};
	int rc;

	if ((rc = pg_diff_functions_raw(&raw, &n, before, after)) < 0)
		return rc;
	if (!(fk = malloc((n ? n : 1) * sizeof(*fk)))) {
		free(raw);
		return pg_error_set("out of memory");
	}
	for (size_t i = 0; i < n; i++)
		fk[i] = (struct fn_keep){raw[i], 0};
	for (int m = 0; m < 4; m++) {
		qsort_r(fk, n, sizeof(*fk), m < 2 ? compare_keep : compare_keep_self, &scales[m % 2]);
		for (size_t i = 0; i < n && i < HTML_FUNCTIONS; i++)
			fk[i].keep = 1;
	}
	pg_outbuf_puts(o, "{\"count\":");
	pg_outbuf_u64(o, n);
	pg_outbuf_puts(o, ",\"rows\":[");
	for (size_t i = 0; i < n; i++) {
		const struct pg_diff_function *f = &fk[i].f;

		if (!fk[i].keep)
			continue;
		pg_outbuf_puts(o, rows++ ? ",\n[" : "\n[");
		pg_outbuf_json_string(o, f->name);
		pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, (uint64_t)f->self_before);
		pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, (uint64_t)f->self_after);
		pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, (uint64_t)f->total_before);
		pg_outbuf_putc(o, ',');
		pg_outbuf_u64(o, (uint64_t)f->total_after);
		pg_outbuf_putc(o, ']');
	}
	pg_outbuf_puts(o, "]}");
	free(fk);
	free(raw);
	return 0;
}

static int write_data(struct pg_outbuf *o, const struct pg_difftree *t, const struct pg_profile *before,
		      const struct pg_profile *after, const struct pg_diff_opts *opts, const char *title)
{
	int bytes = opts->unit && !strcmp(opts->unit, "bytes");
	int rc;

	pg_outbuf_puts(o, "{\"format\":\"profgate.diff/1\"");
	write_key(o, "title");
	pg_outbuf_json_string(o, title);
	write_key(o, "unit");
	pg_outbuf_json_string(o, bytes ? "bytes" : "samples");
	write_key(o, "hz");
	pg_outbuf_double(o, !bytes && opts->hz > 0 ? opts->hz : 0, 6);
	write_key(o, "normalize");
	pg_outbuf_puts(o, opts->normalize ? "true" : "false");
	write_key(o, "churn");
	pg_outbuf_double(o, pg_difftree_path_churn(t), 4);
	write_key(o, "colour");
	pg_outbuf_json_string(o, opts->colour == PG_DIFF_COLOUR_FUNCTION ||
			      (opts->colour == PG_DIFF_COLOUR_AUTO &&
			       pg_difftree_path_churn(t) > PG_DIFF_FUNCTION_MODE_CHURN) ? "function" : "self");
	if (opts->paired) {
		write_key(o, "significant");
		pg_outbuf_json_strings(o, opts->significant, opts->nsignificant);
	}
	for (int k = 0; k < 2; k++) {
		write_key(o, k == PG_DIFF_BEFORE ? "before" : "after");
		pg_outbuf_puts(o, "{\"total\":");
		pg_outbuf_u64(o, t->sum[k]);
		pg_outbuf_puts(o, ",\"stacks\":");
		pg_outbuf_u64(o, t->stacks[k]);
		pg_outbuf_putc(o, '}');
	}
	write_key(o, "tree");
	if ((rc = write_tree(o, t)) < 0)
		return rc;
	write_key(o, "functions");
	if ((rc = write_functions(o, before, after)) < 0)
		return rc;
	pg_outbuf_puts(o, "\n}\n");
	return 0;
}

static int html_render(const struct pg_profile *before, const struct pg_profile *after,
		       const struct pg_diff_opts *opts, FILE *f, const char *what)
{
	static const struct pg_diff_opts no_opts = {0};
	struct pg_outbuf *o = malloc(sizeof(*o));
	struct pg_difftree *t = NULL;
	const char *title;
	int rc;

	if (!opts)
		opts = &no_opts;  /* every default */
	title = opts->title ? opts->title : DEFAULT_TITLE;
	if (!o)
		return pg_error_set("out of memory");
	pg_outbuf_init(o, f);
	if ((rc = pg_difftree_build(&t, before, after, MAX_NODES, 0)) < 0)
		goto done;
	pg_outbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			  "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
			  "<meta name=\"generator\" content=\"profgate\">\n<title>");
	pg_outbuf_xml_text(o, title);
	pg_outbuf_puts(o, " \xe2\x80\x94 profgate diff</title>\n<style>\n");
	pg_outbuf_put(o, pg_asset_report_css, pg_asset_report_css_len);
	pg_outbuf_put(o, pg_asset_diff_css, pg_asset_diff_css_len);
	pg_outbuf_puts(o, "</style>\n</head>\n<body>\n"
			  "<noscript><p class=\"noscript\">This profgate report draws its flame graphs "
			  "with JavaScript: allow scripts for this file.</p></noscript>\n"
			  "<div id=\"app\"></div>\n"
			  /* data-kind tells report.js to leave the page to diff.js. */
			  "<script type=\"application/json\" id=\"pg-data\" data-kind=\"diff\">\n");
	if ((rc = write_data(o, t, before, after, opts, title)) < 0)
		goto done;
	pg_outbuf_puts(o, "</script>\n<script>\n");
	pg_outbuf_put(o, pg_asset_report_js, pg_asset_report_js_len);
	pg_outbuf_putc(o, '\n');
	pg_outbuf_put(o, pg_asset_diff_js, pg_asset_diff_js_len);
	pg_outbuf_puts(o, "</script>\n</body>\n</html>\n");
	rc = pg_outbuf_finish(o, what);
done:
	pg_difftree_free(t);
	free(o);
	return rc;
}

int pg_diff_html_render(const struct pg_profile *before, const struct pg_profile *after,
			const struct pg_diff_opts *o, FILE *out)
{
	return html_render(before, after, o, out, "the differential flame graph");
}

int pg_diff_html_write(const struct pg_profile *before, const struct pg_profile *after,
		       const struct pg_diff_opts *o, const char *path)
{
	return pg_diff_write_file(path, html_render, before, after, o);
}
