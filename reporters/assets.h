/*
 * The report's JavaScript and CSS. They are real files under
 * reporters/assets/; the build embeds them into a generated C file
 * (embed_assets.cmake), refusing any that contains "</script", "</style" or
 * "]]>", which would end the element (or CDATA section) that holds it, or
 * "<!--", which would change how the HTML parser reads a script.
 */
#ifndef PG_ASSETS_H
#define PG_ASSETS_H

#include <stddef.h>

/* NUL-terminated; the _len excludes the NUL. */
extern const char pg_asset_report_css[];
extern const size_t pg_asset_report_css_len;
extern const char pg_asset_report_js[];
extern const size_t pg_asset_report_js_len;
extern const char pg_asset_flamegraph_svg_js[];
extern const size_t pg_asset_flamegraph_svg_js_len;

#endif
