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
#include "svg_common.h"

#define IMAGE_WIDTH PG_SVG_WIDTH
#define FRAME_HEIGHT PG_SVG_FRAME_HEIGHT
#define FONT_SIZE PG_SVG_FONT_SIZE
#define FONT_WIDTH PG_SVG_FONT_WIDTH
#define MIN_WIDTH PG_SVG_MIN_WIDTH
#define XPAD PG_SVG_XPAD
#define YPAD_TOP (FONT_SIZE * 3)
#define YPAD_BOTTOM PG_SVG_YPAD_BOTTOM

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
	pg_svg_format_value(value, sizeof(value), (double)w, bytes);
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

	pg_svg_begin(o, height, inverted, bytes, total,
		     "Flame graph drawn by profgate: click a frame to zoom, Ctrl-F or 'Search' to highlight.",
		     title);
	pg_svg_controls(o, height, FONT_SIZE * 2);

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

struct svg_job {
	const struct pg_profile *p;
	const char *title, *unit, *path;
	int inverted;
};

static int svg_job(void *job, FILE *f)
{
	const struct svg_job *j = job;
	int rc = pg_flamegraph_svg_render(j->p, j->title, j->inverted, j->unit, f);

	return rc < 0 ? pg_error_setc(rc, "'%s': %s", j->path, pg_error_last()) : rc;
}

int pg_flamegraph_svg_write(const struct pg_profile *p, const char *title, int inverted,
			    const char *unit, const char *path)
{
	struct svg_job job = { .p = p, .title = title, .unit = unit, .path = path, .inverted = inverted };

	return pg_afile_write_with(path, svg_job, &job);
}
