/*
 * The parts of the static SVG graphs that do not depend on what is drawn
 * (svg_common.h).
 */
#include "svg_common.h"

#include <math.h>
#include <stdio.h>

#include "assets.h"

void pg_svg_begin(struct pg_outbuf *o, int height, int inverted, int bytes, uint64_t total,
		  const char *comment, const char *title)
{
	pg_outbuf_printf(o,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" data-inverted=\"%d\" data-unit=\"%s\" data-total=\"%llu\">\n"
		"<!-- %s -->\n"
		"<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%%\"/>"
		"</linearGradient></defs>\n"
		"<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
		"text.l { fill: rgb(255,255,255); }\n"
		"#title { text-anchor: middle; font-size: 17px; }\n"
		"#subtitle { text-anchor: middle; fill: rgb(90,90,90); }\n"
		"#search, #reset { cursor: pointer; }\n"
		"#reset { opacity: 0; }\n"
		"#matched { text-anchor: end; }\n"
		"g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; cursor: pointer; }\n"
		"g.f text { pointer-events: none; }\n"
		".hide { display: none; }\n"
		".parent { opacity: 0.5; }\n"
		"</style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n",
		PG_SVG_WIDTH, height, PG_SVG_WIDTH, height, inverted ? 1 : 0, bytes ? "bytes" : "samples",
		(unsigned long long)total, comment, PG_SVG_FONT_SIZE);
	pg_outbuf_put(o, pg_asset_flamegraph_svg_js, pg_asset_flamegraph_svg_js_len);
	pg_outbuf_printf(o,
		"]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n"
		"<text id=\"title\" x=\"%d\" y=\"%d\">",
		PG_SVG_WIDTH, height, PG_SVG_WIDTH / 2, PG_SVG_FONT_SIZE * 2);
	pg_outbuf_xml_text(o, title);
	pg_outbuf_puts(o, "</text>\n");
}

void pg_svg_controls(struct pg_outbuf *o, int height, int controls_y)
{
	int bottom = height - PG_SVG_YPAD_BOTTOM / 2 + 4;

	pg_outbuf_printf(o,
		"<text id=\"reset\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n"
		"<g id=\"frames\">\n",
		PG_SVG_XPAD, controls_y, PG_SVG_WIDTH - PG_SVG_XPAD - 100, controls_y,
		PG_SVG_XPAD, bottom, PG_SVG_WIDTH - PG_SVG_XPAD, bottom);
}

void pg_format_commas(char *out, size_t size, uint64_t v)
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

void pg_format_weight(char *out, size_t size, double v, int bytes, int terse)
{
	static const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
	uint64_t r = (uint64_t)llround(v);
	char num[32];
	double x;
	int u = 0;

	if (!bytes) {
		pg_format_commas(num, sizeof(num), r);
		snprintf(out, size, terse ? "%s" : "%s sample%s", num, r == 1 ? "" : "s");
		return;
	}
	if (r < 1024) {
		snprintf(out, size, terse ? "%llu B" : "%llu bytes", (unsigned long long)r);
		return;
	}
	x = v / 1024;
	while (x >= 1024 && u < 3) {
		x /= 1024;
		u++;
	}
	snprintf(out, size, "%.*f %s", x < 10 ? 2 : 1, x, units[u]);
}

void pg_svg_format_value(char *out, size_t size, double v, int bytes)
{
	pg_format_weight(out, size, v, bytes, 0);
}
