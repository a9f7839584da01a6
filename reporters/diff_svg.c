/*
 * The static SVG differential flame graph (`profgate diff -o x.svg`), in
 * the look of flamegraph.pl's differential graphs and of profgate's own
 * SVG flame graph (flamegraph_svg.c): AFTER's shape, 1200 pixels wide,
 * 16-pixel frames, each filled red where its self weight grew and blue
 * where it shrank, from white (no change) to the full colour for the
 * largest change of any frame. Frames narrower than 0.1 pixel are left
 * out. The same inline script (assets/flamegraph_svg.js) zooms on click
 * and highlights a search; each frame's <title> says its weights before
 * and after and both changes.
 */
#define _GNU_SOURCE
#include "diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "assets.h"
#include "diff_svg.h"
#include "difftree.h"
#include "error.h"
#include "outbuf.h"
#include "svg_common.h"

#define IMAGE_WIDTH PG_SVG_WIDTH
#define FRAME_HEIGHT PG_SVG_FRAME_HEIGHT
#define FONT_SIZE PG_SVG_FONT_SIZE
#define FONT_WIDTH PG_SVG_FONT_WIDTH
#define MIN_WIDTH PG_SVG_MIN_WIDTH
#define XPAD PG_SVG_XPAD
#define YPAD_TOP (FONT_SIZE * 4 + 4)   /* title, subtitle, then the Search line */
#define YPAD_BOTTOM PG_SVG_YPAD_BOTTOM

#define DEFAULT_TITLE "Differential flame graph"

/* The full colours of the largest growth and shrinkage (the same as the
 * HTML's, diff.js); no change is white. */
static const int grew_rgb[3] = {214, 39, 40};
static const int shrank_rgb[3] = {33, 102, 172};

/* "+600, +50.0%", "-1.00 KiB, -100.0%", "no change"; from 0, "+5 samples,
 * new" for a frame that is new, else "+5 samples". */
static void format_change(char *out, size_t size, double before, double after, int bytes, int is_new)
{
	double d = after - before;
	char value[64];

	if (fabs(d) < 0.5) {
		snprintf(out, size, "no change");
		return;
	}
	pg_svg_format_value(value, sizeof(value), fabs(d), bytes);
	if (before == 0)
		snprintf(out, size, "%c%s%s", d > 0 ? '+' : '-', value, is_new ? ", new" : "");
	else
		snprintf(out, size, "%c%s, %+.1f%%", d > 0 ? '+' : '-', value, 100.0 * d / before);
}

/* WCAG's relative luminance of an sRGB colour. */
static double luminance(const int rgb[3])
{
	static const double weight[3] = {0.2126, 0.7152, 0.0722};
	double l = 0;

	for (int c = 0; c < 3; c++) {
		double v = rgb[c] / 255.0;

		l += weight[c] * (v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
	}
	return l;
}

/* The fill for a change d of the largest max; *light_text when white
 * labels read better on it than black ones (luminance below 0.179, where
 * their contrasts are equal). */
static void delta_colour(char *out, size_t size, double d, double max, int *light_text)
{
	const int *full = d > 0 ? grew_rgb : shrank_rgb;
	double t = max > 0 ? fabs(d) / max : 0;
	int rgb[3];

	if (t > 1)
		t = 1;
	for (int c = 0; c < 3; c++)
		rgb[c] = (int)lround(255 - t * (255 - full[c]));
	*light_text = luminance(rgb) < 0.179;
	snprintf(out, size, "rgb(%d,%d,%d)", rgb[0], rgb[1], rgb[2]);
}

struct svg_ctx {
	struct pg_outbuf *o;
	const struct pg_difftree *t;
	double scale;       /* of BEFORE's weights */
	double px;          /* pixels per unit of AFTER */
	double max_delta;   /* largest |change| of any node */
	uint64_t *fn[2];    /* function mode: each node's function's totals; else NULL */
	double after_total;
	int bytes;
	int height;
};

/* What node i's colour shows: its self change, or its function's. */
static double node_change(const struct svg_ctx *c, size_t i)
{
	const struct pg_difftree *t = c->t;

	if (c->fn[0])
		return (double)c->fn[PG_DIFF_AFTER][i] - (double)c->fn[PG_DIFF_BEFORE][i] * c->scale;
	return (double)t->self[PG_DIFF_AFTER][i] - (double)t->self[PG_DIFF_BEFORE][i] * c->scale;
}

static void write_frame(const struct svg_ctx *c, size_t i, uint64_t x)
{
	const struct pg_difftree *t = c->t;
	const char *name = pg_difftree_name(t, i);
	double tb = (double)t->total[PG_DIFF_BEFORE][i] * c->scale, ta = (double)t->total[PG_DIFF_AFTER][i];
	double sb = (double)t->self[PG_DIFF_BEFORE][i] * c->scale, sa = (double)t->self[PG_DIFF_AFTER][i];
	uint64_t w = t->total[PG_DIFF_AFTER][i];
	double x1 = XPAD + (double)x * c->px, width = (double)w * c->px;
	double y1 = c->height - YPAD_BOTTOM - (double)(t->tree->nodes[i].depth + 1) * FRAME_HEIGHT + 1;
	double before_all = (double)t->sum[PG_DIFF_BEFORE] * c->scale;
	char colour[48], after_s[64], before_s[64], self_s[96], total_s[96];
	int light;
	size_t chars;

	delta_colour(colour, sizeof(colour), node_change(c, i), c->max_delta, &light);
	pg_svg_format_value(after_s, sizeof(after_s), ta, c->bytes);
	pg_svg_format_value(before_s, sizeof(before_s), tb, c->bytes);
	format_change(self_s, sizeof(self_s), sb, sa, c->bytes, tb == 0);
	format_change(total_s, sizeof(total_s), tb, ta, c->bytes, tb == 0);
	pg_outbuf_printf(c->o, "<g class=\"f\" data-x=\"%llu\" data-w=\"%llu\"><title>",
			 (unsigned long long)x, (unsigned long long)w);
	pg_outbuf_xml_text(c->o, name);
	/* No " (" after the first: the script takes the name up to the last. */
	pg_outbuf_printf(c->o, " (after %s, %.2f%%; before %s, %.2f%%; self %s; total %s)</title>"
			       "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" rx=\"2\" ry=\"2\"/>"
			       "<text x=\"%.2f\" y=\"%.1f\"%s>",
			 after_s, c->after_total > 0 ? 100.0 * ta / c->after_total : 0,
			 before_s, before_all > 0 ? 100.0 * tb / before_all : 0, self_s, total_s,
			 x1, y1, width, FRAME_HEIGHT - 1, colour, x1 + 3, y1 + (FRAME_HEIGHT - 1) / 2.0 + 4.5,
			 light ? " class=\"l\"" : "");
	chars = (size_t)(width / (FONT_SIZE * FONT_WIDTH));
	if (chars >= 3)
		pg_outbuf_xml_text_cut(c->o, name, chars);
	pg_outbuf_puts(c->o, "</text></g>\n");
}

static int svg_render(const struct pg_profile *before, const struct pg_profile *after,
		      const struct pg_diff_opts *opts, FILE *f, const char *what)
{
	static const struct pg_diff_opts no_opts = {0};
	struct pg_outbuf *o = malloc(sizeof(*o));
	struct pg_difftree *t = NULL;
	uint64_t *next_x = NULL, *x = NULL;
	const char *title;
	struct svg_ctx c = {0};
	char scale_note[96] = "";
	int rc;

	if (!opts)
		opts = &no_opts;  /* every default */
	title = opts->title ? opts->title : DEFAULT_TITLE;
	if (!o)
		return pg_error_set("out of memory");
	pg_outbuf_init(o, f);
	/* A frame 0.1 pixel wide in AFTER has at least half that share of
	 * both; narrower nodes are folded away, the rest drawn if wide enough. */
	if ((rc = pg_difftree_build(&t, before, after, 0, MIN_WIDTH / (IMAGE_WIDTH - 2 * XPAD) / 2)) < 0)
		goto done;
	next_x = calloc(t->tree->max_depth + 2, sizeof(*next_x));
	x = malloc(t->tree->count * sizeof(*x));
	if (!next_x || !x) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	c.o = o;
	c.t = t;
	c.bytes = opts->unit && !strcmp(opts->unit, "bytes");
	c.scale = opts->normalize && t->sum[PG_DIFF_BEFORE] ?
		  (double)t->sum[PG_DIFF_AFTER] / (double)t->sum[PG_DIFF_BEFORE] : 1.0;
	c.after_total = (double)t->sum[PG_DIFF_AFTER];
	c.px = t->sum[PG_DIFF_AFTER] ? (double)(IMAGE_WIDTH - 2 * XPAD) / c.after_total : 0;
	c.height = (int)(t->tree->max_depth + 1) * FRAME_HEIGHT + YPAD_TOP + YPAD_BOTTOM;
	if (opts->colour == PG_DIFF_COLOUR_FUNCTION ||
	    (opts->colour == PG_DIFF_COLOUR_AUTO && pg_difftree_path_churn(t) > PG_DIFF_FUNCTION_MODE_CHURN)) {
		for (int k = 0; k < 2; k++)
			if (!(c.fn[k] = malloc(t->tree->count * sizeof(uint64_t)))) {
				rc = pg_error_set("out of memory");
				goto done;
			}
		if ((rc = pg_difftree_function_totals(c.fn, t)) < 0)
			goto done;
	}
	for (size_t i = 0; i < t->tree->count; i++) {
		double d = fabs(node_change(&c, i));

		/* By function, the program frames' change is the whole
		 * profile's: it would pale every function under them. */
		if (c.fn[0] && t->tree->nodes[i].depth <= 1)
			continue;

		if (t->tree->nodes[i].frame != PG_FLAMETREE_REST && d > c.max_delta)
			c.max_delta = d;
	}
	if (opts->normalize)
		snprintf(scale_note, sizeof(scale_note), "; BEFORE scaled by %.4g to AFTER's total", c.scale);

	pg_svg_begin(o, c.height, 0, c.bytes, t->sum[PG_DIFF_AFTER], c.fn[0] ?
		     "Differential flame graph drawn by profgate: AFTER's shape, each frame red where its "
		     "function's total weight across all call paths grew, blue where it shrank. Click a frame "
		     "to zoom, Ctrl-F or 'Search' to highlight." :
		     "Differential flame graph drawn by profgate: AFTER's shape, red where a frame's self "
		     "weight grew, blue where it shrank. Click a frame to zoom, Ctrl-F or 'Search' to "
		     "highlight.", title);
	pg_outbuf_printf(o,
		"<text id=\"subtitle\" x=\"%d\" y=\"%d\">AFTER's shape; %s, blue: it shrank, "
		"white: unchanged%s</text>\n", IMAGE_WIDTH / 2, FONT_SIZE * 3 + 2,
		c.fn[0] ? "by function (the call paths changed): red: the function's total across all paths grew"
			: "red: self weight grew", scale_note);
	pg_svg_controls(o, c.height, FONT_SIZE * 4);

	/* Preorder, siblings in name order: a node starts where its previous
	 * sibling ended in AFTER, or where its parent starts. */
	for (size_t i = 0; i < t->tree->count; i++) {
		const struct pg_flametree_node *n = &t->tree->nodes[i];

		if (i == 0) {
			x[0] = 0;
		} else {
			if (n->parent == i - 1)
				next_x[n->depth] = x[n->parent];
			x[i] = next_x[n->depth];
			next_x[n->depth] += t->total[PG_DIFF_AFTER][i];
		}
		if (n->frame == PG_FLAMETREE_REST || (i && (double)t->total[PG_DIFF_AFTER][i] * c.px < MIN_WIDTH))
			continue;
		write_frame(&c, i, x[i]);
	}
	pg_outbuf_puts(o, "</g>\n</svg>\n");
	rc = pg_outbuf_finish(o, what);
done:
	pg_difftree_free(t);
	free(c.fn[0]);
	free(c.fn[1]);
	free(next_x);
	free(x);
	free(o);
	return rc;
}

int pg_diff_svg_write(const struct pg_profile *before, const struct pg_profile *after,
		      const struct pg_diff_opts *o, const char *path)
{
	return pg_diff_write_file(path, svg_render, before, after, o);
}

int pg_diff_svg_render(const struct pg_profile *before, const struct pg_profile *after,
		       const struct pg_diff_opts *o, FILE *out)
{
	return svg_render(before, after, o, out, "the differential SVG");
}
