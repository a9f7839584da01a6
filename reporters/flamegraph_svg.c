/*
 * The static SVG flame graph (`profgate flamegraph -o x.svg`): the look
 * people know from flamegraph.pl and paste into READMEs and tickets: 1200
 * pixels wide, 16-pixel frames with Verdana labels on a pale yellow
 * gradient, warm colours for samples and greens for bytes, frames narrower
 * than 0.1 pixel left out, a "Reset Zoom" / "Search" line on top and the
 * hovered frame's details at the bottom. Its inline script
 * (assets/flamegraph_svg.js) zooms on click and highlights a search.
 *
 * A frame's colour depends only on its name (the same hash as the HTML
 * report's), so a function keeps its colour from one graph to the next.
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

#define IMAGE_WIDTH 1200
#define FRAME_HEIGHT 16
#define FONT_SIZE 12
#define FONT_WIDTH 0.59    /* average character width of Verdana, in ems */
#define MIN_WIDTH 0.1      /* pixels; narrower frames are left out */
#define XPAD 10
#define YPAD_TOP (FONT_SIZE * 3)
#define YPAD_BOTTOM (FONT_SIZE * 2 + 10)

/* FNV-1a over the name's bytes: report.js computes the same over UTF-8. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void frame_colour(char *out, size_t size, const char *name, int bytes)
{
	uint32_t h = name_hash(name);
	double v1 = (double)(h & 0xff) / 255.0;
	double v2 = (double)(h >> 8 & 0xff) / 255.0;
	double v3 = (double)(h >> 16 & 0xff) / 255.0;
	int r, g, b;

	if (!strcmp(name, "[waiting]")) {
		r = 180, g = 196, b = 214;
	} else if (bytes) {
		r = 40 + (int)(60 * v3), g = 170 + (int)(60 * v2), b = 70 + (int)(130 * v1);
	} else {
		r = 205 + (int)(50 * v3), g = 70 + (int)(160 * v1), b = (int)(55 * v2);
	}
	snprintf(out, size, "rgb(%d,%d,%d)", r, g, b);
}

/* "1,234,567" */
static void commify(char *out, size_t size, uint64_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t k = 0;

	for (int i = 0; i < n && k + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
}

static void format_value(char *out, size_t size, uint64_t v, int bytes)
{
	static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
	char num[32];

	if (!bytes) {
		commify(num, sizeof(num), v);
		snprintf(out, size, "%s sample%s", num, v == 1 ? "" : "s");
		return;
	}
	if (v < 1024) {
		snprintf(out, size, "%llu bytes", (unsigned long long)v);
		return;
	}
	double x = (double)v / 1024;
	int u = 0;

	while (x >= 1024 && u < 3) {
		x /= 1024;
		u++;
	}
	snprintf(out, size, "%.*f %s", x < 10 ? 2 : 1, x, units[u]);
}

static void write_frame(struct pg_outbuf *o, const char *name, uint64_t x, uint64_t w, uint64_t total,
			double scale, uint32_t depth, int height, int inverted, int bytes)
{
	char colour[48], value[64];
	double x1 = XPAD + (double)x * scale;
	double width = (double)w * scale;
	double y1 = inverted ? YPAD_TOP + (double)depth * FRAME_HEIGHT
			     : height - YPAD_BOTTOM - (double)(depth + 1) * FRAME_HEIGHT + 1;
	double pct = total ? 100.0 * (double)w / (double)total : 0;
	size_t chars;

	frame_colour(colour, sizeof(colour), name, bytes);
	format_value(value, sizeof(value), w, bytes);
	pg_outbuf_printf(o, "<g class=\"f\" data-x=\"%llu\" data-w=\"%llu\"><title>",
			 (unsigned long long)x, (unsigned long long)w);
	pg_outbuf_xml_text(o, name);
	pg_outbuf_printf(o, " (%s, %.2f%%)</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
			    "fill=\"%s\" rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%.1f\">",
			 value, pct, x1, y1, width, FRAME_HEIGHT - 1, colour, x1 + 3,
			 y1 + (FRAME_HEIGHT - 1) / 2.0 + 4.5);
	chars = (size_t)(width / (FONT_SIZE * FONT_WIDTH));
	if (chars >= 3)
		pg_outbuf_xml_text_cut(o, name, chars);
	pg_outbuf_puts(o, "</text></g>\n");
}

int pg_flamegraph_svg_render(const struct pg_profile *p, const char *title, int inverted,
			     const char *unit, FILE *out)
{
	struct pg_outbuf *o = malloc(sizeof(*o));
	struct pg_flametree *t = NULL;
	uint64_t *next_x = NULL;   /* per depth: where the next sibling starts */
	uint64_t *x = NULL;
	int bytes = unit && !strcmp(unit, "bytes");
	uint64_t total = pg_profile_total(p);
	double scale;
	int height;
	int rc;

	if (!o)
		return pg_error_set("out of memory");
	pg_outbuf_init(o, out);
	/* Leave out what would be narrower than MIN_WIDTH pixels. */
	{
		double min = (double)total * MIN_WIDTH / (IMAGE_WIDTH - 2 * XPAD);
		uint64_t min_weight = (uint64_t)min + ((double)(uint64_t)min < min ? 1 : 0);

		if ((rc = pg_flametree_build(&t, p, 0, min_weight)) < 0)
			goto done;
	}
	next_x = calloc(t->max_depth + 2, sizeof(*next_x));
	x = malloc(t->count * sizeof(*x));
	if (!next_x || !x) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	if (!title)
		title = inverted ? "Icicle Graph" : "Flame Graph";
	height = (int)(t->max_depth + 1) * FRAME_HEIGHT + YPAD_TOP + YPAD_BOTTOM;
	scale = total ? (double)(IMAGE_WIDTH - 2 * XPAD) / (double)total : 0;

	pg_outbuf_printf(o,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" data-inverted=\"%d\" data-unit=\"%s\" data-total=\"%llu\">\n"
		"<!-- Flame graph drawn by profgate: click a frame to zoom, Ctrl-F or 'Search' to highlight. -->\n"
		"<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%%\"/>"
		"</linearGradient></defs>\n"
		"<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
		"#title { text-anchor: middle; font-size: 17px; }\n"
		"#search, #reset { cursor: pointer; }\n"
		"#reset { opacity: 0; }\n"
		"#matched { text-anchor: end; }\n"
		"g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; cursor: pointer; }\n"
		"g.f text { pointer-events: none; }\n"
		".hide { display: none; }\n"
		".parent { opacity: 0.5; }\n"
		"</style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n",
		IMAGE_WIDTH, height, IMAGE_WIDTH, height, inverted ? 1 : 0, bytes ? "bytes" : "samples",
		(unsigned long long)total, FONT_SIZE);
	pg_outbuf_put(o, pg_asset_flamegraph_svg_js, pg_asset_flamegraph_svg_js_len);
	pg_outbuf_printf(o,
		"]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n"
		"<text id=\"title\" x=\"%d\" y=\"%d\">",
		IMAGE_WIDTH, height, IMAGE_WIDTH / 2, FONT_SIZE * 2);
	pg_outbuf_xml_text(o, title);
	pg_outbuf_printf(o,
		"</text>\n"
		"<text id=\"reset\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n"
		"<g id=\"frames\">\n",
		XPAD, FONT_SIZE * 2, IMAGE_WIDTH - XPAD - 100, FONT_SIZE * 2,
		XPAD, height - YPAD_BOTTOM / 2 + 4, IMAGE_WIDTH - XPAD, height - YPAD_BOTTOM / 2 + 4);

	/* Preorder with siblings in name order: a node starts where its
	 * previous sibling ended, or where its parent starts. */
	for (size_t i = 0; i < t->count; i++) {
		const struct pg_flametree_node *n = &t->nodes[i];
		const char *name;

		if (i == 0) {
			x[0] = 0;
		} else {
			if (n->parent == i - 1)
				next_x[n->depth] = x[n->parent];
			x[i] = next_x[n->depth];
			next_x[n->depth] += n->total;
		}
		if (n->frame == PG_FLAMETREE_REST)
			continue;  /* the narrow frames flamegraph.pl leaves out too */
		name = n->frame == PG_FLAMETREE_ROOT ? "all" : pg_profile_frame_name(p, (pg_frame_id)n->frame);
		write_frame(o, name, x[i], n->total, total, scale, n->depth, height, inverted, bytes);
	}
	pg_outbuf_puts(o, "</g>\n</svg>\n");
	rc = pg_outbuf_finish(o, "the SVG flame graph");
done:
	pg_flametree_free(t);
	free(next_x);
	free(x);
	free(o);
	return rc;
}

int pg_flamegraph_svg_write(const struct pg_profile *p, const char *title, int inverted,
			    const char *unit, const char *path)
{
	struct pg_afile af;
	int rc;

	if ((rc = pg_afile_open(&af, path)) < 0)
		return rc;
	if ((rc = pg_flamegraph_svg_render(p, title, inverted, unit, af.f)) < 0) {
		pg_afile_abort(&af);
		return pg_error_setc(rc, "'%s': %s", path, pg_error_last());
	}
	return pg_afile_commit(&af);
}
