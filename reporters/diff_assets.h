/*
 * The differential flame graph's own assets (reporters/assets/diff.js and
 * diff.css), embedded by the same build step as the report's (assets.h);
 * the page holds them after report.js and report.css, which they extend.
 */
#ifndef PG_DIFF_ASSETS_H
#define PG_DIFF_ASSETS_H

#include <stddef.h>

/* NUL-terminated; the _len excludes the NUL. */
extern const char pg_asset_diff_css[];
extern const size_t pg_asset_diff_css_len;
extern const char pg_asset_diff_js[];
extern const size_t pg_asset_diff_js_len;

#endif
