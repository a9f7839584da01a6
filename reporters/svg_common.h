/*
 * What the two static SVG graphs share, the flame graph
 * (flamegraph_svg.c) and the differential one (diff_svg.c): the geometry of
 * flamegraph.pl's look, the document's opening (styles, the zoom-and-search
 * script, background, title), the control line and the way a weight reads
 * in a frame's tooltip.
 */
#ifndef PG_SVG_COMMON_H
#define PG_SVG_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

#define PG_SVG_WIDTH 1200
#define PG_SVG_FRAME_HEIGHT 16
#define PG_SVG_FONT_SIZE 12
#define PG_SVG_FONT_WIDTH 0.59   /* average character width of Verdana, in ems */
#define PG_SVG_MIN_WIDTH 0.1     /* pixels; narrower frames are left out */
#define PG_SVG_XPAD 10
#define PG_SVG_YPAD_BOTTOM (PG_SVG_FONT_SIZE * 2 + 10)

/* Opens the document, height pixels tall: the XML prolog, <svg> with what
 * the script reads (inverted, unit, total), comment as an XML comment (it
 * must not hold "--"), the styles, the script, the background and title
 * (escaped). */
void pg_svg_begin(struct pg_outbuf *o, int height, int inverted, int bytes, uint64_t total,
		  const char *comment, const char *title);

/* "Reset Zoom" and "Search" on the line at controls_y, the hovered frame's
 * details and the search's match at the bottom, then opens the frames'
 * group (the caller closes it with "</g>\n</svg>\n"). */
void pg_svg_controls(struct pg_outbuf *o, int height, int controls_y);

/* v >= 0 as "1,234 samples", "512 bytes" or "1.50 MiB" (rounded to a
 * whole number of samples or bytes); terse, as in `profgate diff`'s table:
 * "1,234", "512 B", "1.50 MiB". */
void pg_svg_format_value(char *out, size_t size, double v, int bytes);
void pg_format_weight(char *out, size_t size, double v, int bytes, int terse);

/* "1,234,567" */
void pg_format_commas(char *out, size_t size, uint64_t v);

#endif
