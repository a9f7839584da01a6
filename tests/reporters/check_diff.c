/*
 * Tests of reporters/diff.c, diff_svg.c and difftree.c: the changed
 * functions against answers computed by hand (recursion counted once, a
 * function only in BEFORE, normalization, the order), the HTML's data and
 * the SVG compared with tests/fixtures/expected/, the SVG's red and blue,
 * hostile names escaped in both, the difffolded text read back as "stack
 * before after", the merged tree's weights exact when narrow nodes are
 * folded, and errors that name what failed.
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "afile.h"
#include "assets.h"
#include "diff.h"
#include "diff_assets.h"
#include "diff_svg.h"
#include "difftree.h"
#include "error.h"
#include "fixture.h"
#include "profile.h"

static struct pg_profile *before, *after;
static struct fixture_out out;

/* Hand-made: parse grows, emit shrinks, old_path is only in BEFORE and
 * new_path only in AFTER, rec recurses (through helper in AFTER). */
static const char *small_before =
	"prog;main;parse;lex 30\n"
	"prog;main;parse 10\n"
	"prog;main;emit 20\n"
	"prog;main;old_path 15\n"
	"prog;main;rec;rec;rec 5\n";
static const char *small_after =
	"prog;main;parse;lex 45\n"
	"prog;main;parse 10\n"
	"prog;main;emit 8\n"
	"prog;main;new_path 12\n"
	"prog;main;rec;rec 5\n"
	"prog;main;rec;helper;rec 10\n";

static void setup(void)
{
	before = fixture_folded(small_before);
	after = fixture_folded(small_after);
	fixture_tmpdir_make();
}

static void teardown(void)
{
	pg_profile_free(before);
	pg_profile_free(after);
	before = after = NULL;
	free(out.text);
	out.text = NULL;
	fixture_tmpdir_remove();
}

static const struct pg_diff_function *find_fn(const struct pg_diff_function *fn, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fn[i].name, name))
			return &fn[i];
	ck_abort_msg("no function %s", name);
	return NULL;
}

static void expect_fn(const struct pg_diff_function *fn, size_t n, const char *name,
		      double sb, double sa, double tb, double ta)
{
	const struct pg_diff_function *f = find_fn(fn, n, name);

	ck_assert_msg(fabs(f->self_before - sb) < 1e-9 && fabs(f->self_after - sa) < 1e-9 &&
		      fabs(f->total_before - tb) < 1e-9 && fabs(f->total_after - ta) < 1e-9,
		      "%s: self %g -> %g, total %g -> %g; expected self %g -> %g, total %g -> %g", name,
		      f->self_before, f->self_after, f->total_before, f->total_after, sb, sa, tb, ta);
}

/* ---- functions ---------------------------------------------------- */

START_TEST(diff_functions__match_hand_computed_answers)
{
	struct pg_diff_function *fn = NULL;
	size_t n = 0;

	ck_assert_int_eq(pg_diff_functions(&fn, &n, before, after, 0), 0);
	ck_assert_uint_eq(n, 9);
	expect_fn(fn, n, "prog", 0, 0, 80, 90);
	expect_fn(fn, n, "main", 0, 0, 80, 90);
	expect_fn(fn, n, "parse", 10, 10, 40, 55);
	expect_fn(fn, n, "lex", 30, 45, 30, 45);
	expect_fn(fn, n, "emit", 20, 8, 20, 8);
	expect_fn(fn, n, "new_path", 0, 12, 0, 12);
	expect_fn(fn, n, "helper", 0, 0, 0, 10);
	free(fn);
}
END_TEST

START_TEST(diff_functions__count_recursion_once_per_stack)
{
	struct pg_diff_function *fn = NULL;
	size_t n = 0;

	ck_assert_int_eq(pg_diff_functions(&fn, &n, before, after, 0), 0);
	/* BEFORE: rec;rec;rec 5 is 5, not 15. AFTER: rec;rec 5 and
	 * rec;helper;rec 10, the leaf each time. */
	expect_fn(fn, n, "rec", 5, 15, 5, 15);
	free(fn);
}
END_TEST

START_TEST(diff_functions__keep_a_function_only_in_before)
{
	struct pg_diff_function *fn = NULL;
	size_t n = 0;

	ck_assert_int_eq(pg_diff_functions(&fn, &n, before, after, 0), 0);
	expect_fn(fn, n, "old_path", 15, 0, 15, 0);
	/* Its name outlives the profiles: it is in the array's block. */
	ck_assert_ptr_ne(find_fn(fn, n, "old_path")->name, pg_profile_frame_name(before, 5));
	free(fn);
}
END_TEST

/* A function is one row under its identity, named by it: a clone, an
 * inlined copy and a lambda whatever its number. */
START_TEST(diff_functions__named_by_identity)
{
	struct pg_profile *b = NULL, *a = NULL;
	struct pg_diff_function *fn = NULL;
	pg_frame_id ids[2];
	size_t n = 0;

	ck_assert_int_eq(pg_profile_new(&b), 0);
	ck_assert_int_eq(pg_profile_new(&a), 0);
	ck_assert_int_eq(pg_profile_intern(&ids[0], b, "main", 4), 0);
	ck_assert_int_eq(pg_profile_intern(&ids[1], b, "compress.part.0", 15), 0);
	ck_assert_int_eq(pg_profile_add_stack(b, ids, 2, 1, 10), 0);
	ck_assert_int_eq(pg_profile_intern(&ids[1], b, "main::{lambda(int)#1}::operator()", 33), 0);
	ck_assert_int_eq(pg_profile_add_stack(b, ids, 2, 1, 4), 0);
	ck_assert_int_eq(pg_profile_intern(&ids[0], a, "main", 4), 0);
	ck_assert_int_eq(pg_profile_intern(&ids[1], a, "compress [inlined]", 18), 0);
	ck_assert_int_eq(pg_profile_add_stack(a, ids, 2, 1, 7), 0);
	ck_assert_int_eq(pg_profile_intern(&ids[1], a, "main::{lambda(int)#2}::operator()", 33), 0);
	ck_assert_int_eq(pg_profile_add_stack(a, ids, 2, 1, 5), 0);
	ck_assert_int_eq(pg_diff_functions(&fn, &n, b, a, 0), 0);
	pg_profile_free(b);
	pg_profile_free(a);
	ck_assert_uint_eq(n, 3);
	expect_fn(fn, n, "main", 0, 0, 14, 12);
	expect_fn(fn, n, "compress", 10, 7, 10, 7);
	expect_fn(fn, n, "main::{lambda}::operator()", 4, 5, 4, 5);
	free(fn);
}
END_TEST

/* By the change of self weight, as the HTML table: by total, parse (self
 * 10 -> 10, total 40 -> 55) would come before emit (self 20 -> 8), and main
 * and prog, whose self weight is nothing, before rec. */
START_TEST(diff_functions__sort_by_change_of_self_then_name)
{
	static const char *order[] = {"lex", "old_path", "emit", "new_path", "rec", "helper", "main", "parse", "prog"};
	struct pg_diff_function *fn = NULL;
	size_t n = 0;

	ck_assert_int_eq(pg_diff_functions(&fn, &n, before, after, 0), 0);
	ck_assert_uint_eq(n, 9);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(fn[i].name, order[i]);
	free(fn);
}
END_TEST

START_TEST(diff_functions__normalize_scales_before_to_after_total)
{
	static const char *order[] = {"old_path", "emit", "new_path", "lex", "rec", "parse", "helper", "main", "prog"};
	struct pg_diff_function *fn = NULL;
	size_t n = 0;

	/* 90 / 80: BEFORE's weights times 1.125. */
	ck_assert_int_eq(pg_diff_functions(&fn, &n, before, after, 1), 0);
	expect_fn(fn, n, "prog", 0, 0, 90, 90);
	expect_fn(fn, n, "lex", 33.75, 45, 33.75, 45);
	expect_fn(fn, n, "emit", 22.5, 8, 22.5, 8);
	expect_fn(fn, n, "old_path", 16.875, 0, 16.875, 0);
	expect_fn(fn, n, "rec", 5.625, 15, 5.625, 15);
	expect_fn(fn, n, "new_path", 0, 12, 0, 12);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(fn[i].name, order[i]);
	free(fn);
}
END_TEST

START_TEST(diff_functions__of_empty_profiles)
{
	struct pg_profile *e1 = fixture_folded(""), *e2 = fixture_folded("");
	struct pg_diff_function *fn = NULL;
	size_t n = 7;

	ck_assert_int_eq(pg_diff_functions(&fn, &n, e1, e2, 1), 0);
	ck_assert_uint_eq(n, 0);
	free(fn);
	/* Normalizing against an empty BEFORE leaves AFTER as it is. */
	ck_assert_int_eq(pg_diff_functions(&fn, &n, e1, after, 1), 0);
	expect_fn(fn, n, "lex", 0, 45, 0, 45);
	free(fn);
	pg_profile_free(e1);
	pg_profile_free(e2);
}
END_TEST

/* ---- the merged tree ---------------------------------------------- */

/* Every node's total is its self plus its children's, on each side. */
static void check_tree_sums(const struct pg_difftree *t)
{
	const struct pg_flametree *ft = t->tree;

	for (int k = 0; k < 2; k++) {
		uint64_t *sum = calloc(ft->count, sizeof(*sum));
		uint64_t selfs = 0;

		ck_assert_ptr_nonnull(sum);
		for (size_t i = 1; i < ft->count; i++)
			sum[ft->nodes[i].parent] += t->total[k][i];
		for (size_t i = 0; i < ft->count; i++) {
			ck_assert_uint_eq(t->total[k][i], t->self[k][i] + sum[i]);
			selfs += t->self[k][i];
		}
		ck_assert_uint_eq(t->total[k][0], t->sum[k]);
		ck_assert_uint_eq(selfs, t->sum[k]);
		free(sum);
	}
}

START_TEST(difftree__merges_both_sides_by_path)
{
	struct pg_difftree *t = NULL;
	int seen_old = 0, seen_new = 0;

	ck_assert_int_eq(pg_difftree_build(&t, before, after, 0, 0), 0);
	ck_assert_uint_eq(t->sum[PG_DIFF_BEFORE], 80);
	ck_assert_uint_eq(t->sum[PG_DIFF_AFTER], 90);
	ck_assert_uint_eq(t->tree->merged_nodes, 0);
	check_tree_sums(t);
	for (size_t i = 0; i < t->tree->count; i++) {
		const char *name = pg_difftree_name(t, i);

		if (!strcmp(name, "old_path")) {
			seen_old++;
			ck_assert_uint_eq(t->total[PG_DIFF_BEFORE][i], 15);
			ck_assert_uint_eq(t->total[PG_DIFF_AFTER][i], 0);
		} else if (!strcmp(name, "new_path")) {
			seen_new++;
			ck_assert_uint_eq(t->total[PG_DIFF_BEFORE][i], 0);
			ck_assert_uint_eq(t->total[PG_DIFF_AFTER][i], 12);
		} else if (!strcmp(name, "parse")) {
			ck_assert_uint_eq(t->total[PG_DIFF_BEFORE][i], 40);
			ck_assert_uint_eq(t->total[PG_DIFF_AFTER][i], 55);
			ck_assert_uint_eq(t->self[PG_DIFF_BEFORE][i], 10);
		}
	}
	ck_assert_int_eq(seen_old, 1);
	ck_assert_int_eq(seen_new, 1);
	pg_difftree_free(t);
}
END_TEST

START_TEST(difftree__stays_exact_when_narrow_nodes_are_folded)
{
	struct pg_profile *b = NULL, *a = NULL;
	struct pg_difftree *t = NULL;
	char stack[128];
	size_t rests = 0;

	ck_assert_int_eq(pg_profile_new(&b), 0);
	ck_assert_int_eq(pg_profile_new(&a), 0);
	/* A wide BEFORE and a much heavier AFTER of other shapes: the scaling
	 * keeps the narrow nodes of both from being judged by AFTER alone. */
	for (int i = 0; i < 3000; i++) {
		snprintf(stack, sizeof(stack), "prog;main;f%d;g%d;h%d", i % 50, i % 7, i);
		fixture_add(b, stack, PG_TID_ANY, 1 + (uint64_t)(i % 13));
		snprintf(stack, sizeof(stack), "prog;main;f%d;k%d;h%d", i % 40, i % 5, i);
		fixture_add(a, stack, i % 3, 1000 + (uint64_t)(i % 17));
	}
	ck_assert_int_eq(pg_difftree_build(&t, b, a, 400, 0), 0);
	ck_assert_uint_le(t->tree->count, 400);
	ck_assert_uint_gt(t->tree->merged_nodes, 0);
	ck_assert(t->min_share > 0);
	check_tree_sums(t);
	for (size_t i = 0; i < t->tree->count; i++)
		rests += pg_difftree_name(t, i) == NULL;
	ck_assert_uint_gt(rests, 0);
	/* Both sides keep frames of their own: f45..f49 are BEFORE's only. */
	{
		int before_only = 0;

		for (size_t i = 0; i < t->tree->count; i++) {
			const char *name = pg_difftree_name(t, i);

			if (name && !strcmp(name, "f49") && t->total[PG_DIFF_AFTER][i] == 0)
				before_only = 1;
		}
		ck_assert_int_eq(before_only, 1);
	}
	pg_difftree_free(t);
	pg_profile_free(b);
	pg_profile_free(a);
}
END_TEST

/* ---- HTML --------------------------------------------------------- */

static const char *render_html(const struct pg_diff_opts *o)
{
	ck_assert_msg(pg_diff_html_render(before, after, o, fixture_open(&out)) == 0, "%s", pg_error_last());
	fixture_close(&out);
	return out.text;
}

static const char *data_open = "<script type=\"application/json\" id=\"pg-data\" data-kind=\"diff\">\n";

/* The JSON the page embeds, as text (the caller frees it). */
static char *embedded_text(const char *html)
{
	const char *start = strstr(html, data_open), *end;

	ck_assert_ptr_nonnull(start);
	start += strlen(data_open);
	end = strstr(start, "</script>");
	ck_assert_ptr_nonnull(end);
	return strndup(start, (size_t)(end - start));
}

START_TEST(diff_html__data_matches_expected)
{
	struct pg_diff_opts o = {.title = "small", .unit = "samples", .normalize = 1, .hz = 999};
	char *json = embedded_text(render_html(&o));

	fixture_expect("diff_small.json", json, strlen(json));
	free(json);
}
END_TEST

START_TEST(diff_html__data_holds_both_sides_exactly)
{
	struct pg_diff_opts o = {.unit = "bytes"};
	char *json = embedded_text(render_html(&o));
	cJSON *data = cJSON_Parse(json);
	const cJSON *tree, *rows, *row;
	double sum_b = 0, sum_a = 0;
	int n = 0;

	ck_assert_ptr_nonnull(data);
	ck_assert_str_eq(cJSON_GetObjectItem(data, "format")->valuestring, "profgate.diff/1");
	ck_assert_str_eq(cJSON_GetObjectItem(data, "title")->valuestring, "Differential flame graph");
	ck_assert_str_eq(cJSON_GetObjectItem(data, "unit")->valuestring, "bytes");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(data, "normalize")));
	ck_assert_double_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "before"), "total")->valuedouble, 80);
	ck_assert_double_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "after"), "total")->valuedouble, 90);
	tree = cJSON_GetObjectItem(data, "tree");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(tree, "depth")),
			 cJSON_GetArraySize(cJSON_GetObjectItem(tree, "before")));
	for (int i = 0; i < cJSON_GetArraySize(cJSON_GetObjectItem(tree, "before")); i++) {
		sum_b += cJSON_GetArrayItem(cJSON_GetObjectItem(tree, "before"), i)->valuedouble;
		sum_a += cJSON_GetArrayItem(cJSON_GetObjectItem(tree, "after"), i)->valuedouble;
	}
	ck_assert_double_eq(sum_b, 80);
	ck_assert_double_eq(sum_a, 90);
	/* Every function, unscaled: [name, self before, self after, total before, total after]. */
	rows = cJSON_GetObjectItem(cJSON_GetObjectItem(data, "functions"), "rows");
	cJSON_ArrayForEach(row, rows) {
		n++;
		if (!strcmp(cJSON_GetArrayItem(row, 0)->valuestring, "rec")) {
			ck_assert_double_eq(cJSON_GetArrayItem(row, 1)->valuedouble, 5);
			ck_assert_double_eq(cJSON_GetArrayItem(row, 4)->valuedouble, 15);
		}
	}
	ck_assert_int_eq(n, 9);
	cJSON_Delete(data);
	free(json);
}
END_TEST

START_TEST(diff_html__embeds_the_report_assets_and_its_own_once)
{
	struct pg_diff_opts o = {.title = "a -> b", .unit = "samples"};
	const char *html = render_html(&o);
	const char *report_js = strstr(html, pg_asset_report_js);
	const char *diff_js = strstr(html, pg_asset_diff_js);

	ck_assert_ptr_eq(strstr(html, "<!DOCTYPE html>"), html);
	ck_assert_uint_eq(fixture_count(html, pg_asset_report_js), 1);
	ck_assert_uint_eq(fixture_count(html, pg_asset_report_css), 1);
	ck_assert_uint_eq(fixture_count(html, pg_asset_diff_js), 1);
	ck_assert_uint_eq(fixture_count(html, pg_asset_diff_css), 1);
	/* diff.js builds on what report.js defines: it comes after. */
	ck_assert_ptr_nonnull(report_js);
	ck_assert_ptr_nonnull(diff_js);
	ck_assert(report_js < diff_js);
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(html, "<title>a -&gt; b \xe2\x80\x94 profgate diff</title>"));
	ck_assert_ptr_null(strstr(html, "src=\"http"));
	ck_assert_ptr_null(strstr(html, "<link"));
	ck_assert_uint_eq(fixture_count(html, "<script"), 2);
	ck_assert_uint_eq(fixture_count(html, "</script>"), 2);
}
END_TEST

static const char *hostile[] = {
	"<img src=x onerror=\"window.__x=1\">",
	"</script><script>window.__x=2</script>",
	"<!--",
	"a & b < c > d",
	"\xe2\x80\xa8line\xe2\x80\xa9sep",
};

static void add_hostile(void)
{
	char stack[256];

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		snprintf(stack, sizeof(stack), "prog;main;%s", hostile[i]);
		fixture_add(before, stack, PG_TID_ANY, 10);
		fixture_add(after, stack, PG_TID_ANY, 10 + i);
	}
}

START_TEST(diff_html__hostile_names_stay_data)
{
	struct pg_diff_opts o = {.title = "</script><b>title</b>", .unit = "samples"};
	const char *html;
	char *json;
	cJSON *data;
	const cJSON *name;
	size_t found = 0;

	add_hostile();
	html = render_html(&o);
	ck_assert_ptr_null(strcasestr(html, "<img"));
	ck_assert_ptr_null(strstr(html, "<b>"));
	ck_assert_uint_eq(fixture_count(html, "</script"), 2);
	ck_assert_uint_eq(fixture_count(html, "<!--"), 0);
	ck_assert_ptr_nonnull(strstr(html, "<title>&lt;/script&gt;&lt;b&gt;title&lt;/b&gt;"));
	json = embedded_text(html);
	data = cJSON_Parse(json);
	ck_assert_ptr_nonnull(data);
	/* The names read back as they were, in the tree and in the table. */
	cJSON_ArrayForEach(name, cJSON_GetObjectItem(cJSON_GetObjectItem(data, "tree"), "names")) {
		for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
			found += !strcmp(name->valuestring, hostile[i]);
	}
	ck_assert_uint_eq(found, sizeof(hostile) / sizeof(hostile[0]));
	ck_assert_str_eq(cJSON_GetObjectItem(data, "title")->valuestring, "</script><b>title</b>");
	cJSON_Delete(data);
	free(json);
}
END_TEST

START_TEST(diff_html__and_svg_take_null_options_as_defaults)
{
	char *json;
	cJSON *data;

	ck_assert_msg(pg_diff_html_render(before, after, NULL, fixture_open(&out)) == 0, "%s", pg_error_last());
	fixture_close(&out);
	json = embedded_text(out.text);
	data = cJSON_Parse(json);
	ck_assert_ptr_nonnull(data);
	ck_assert_str_eq(cJSON_GetObjectItem(data, "unit")->valuestring, "samples");
	ck_assert_str_eq(cJSON_GetObjectItem(data, "title")->valuestring, "Differential flame graph");
	cJSON_Delete(data);
	free(json);
	free(out.text);
	ck_assert_msg(pg_diff_svg_render(before, after, NULL, fixture_open(&out)) == 0, "%s", pg_error_last());
	fixture_close(&out);
	ck_assert_ptr_nonnull(strstr(out.text, ">Differential flame graph</text>"));
}
END_TEST

START_TEST(diff_html__reports_a_sink_that_fills_up)
{
	struct pg_diff_opts o = {.unit = "samples"};
	char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_lt(pg_diff_html_render(before, after, &o, f), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "cannot write the differential flame graph"));
	fclose(f);
}
END_TEST

START_TEST(diff_html__write_is_atomic_and_names_the_file)
{
	struct pg_diff_opts o = {.unit = "samples"};
	char *path = NULL, *blocked = NULL, *text = NULL;
	size_t len = 0;

	ck_assert_int_ge(asprintf(&path, "%s/sub/dir/diff.html", fixture_tmpdir), 0);
	ck_assert_msg(pg_diff_html_write(before, after, &o, path) == 0, "%s", pg_error_last());
	ck_assert_int_eq(pg_read_file(&text, &len, path), 0);
	ck_assert_ptr_nonnull(strstr(text, "</html>\n"));
	free(text);
	/* A file where a folder should be: the error names the path. */
	ck_assert_int_ge(asprintf(&blocked, "%s/sub/dir/diff.html/x.html", fixture_tmpdir), 0);
	ck_assert_int_lt(pg_diff_html_write(before, after, &o, blocked), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "diff.html"));
	free(path);
	free(blocked);
}
END_TEST

/* ---- SVG ---------------------------------------------------------- */

/* Renders the SVG; returns it with the script's text replaced by "...". */
static char *render_svg(const struct pg_diff_opts *o)
{
	const char *open = "<![CDATA[\n", *close = "]]>";
	char *start, *end, *copy;

	ck_assert_msg(pg_diff_svg_render(before, after, o, fixture_open(&out)) == 0, "%s", pg_error_last());
	fixture_close(&out);
	start = strstr(out.text, open);
	ck_assert_ptr_nonnull(start);
	start += strlen(open);
	end = strstr(start, close);
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_eq((size_t)(end - start), pg_asset_flamegraph_svg_js_len);
	ck_assert_int_eq(memcmp(start, pg_asset_flamegraph_svg_js, pg_asset_flamegraph_svg_js_len), 0);
	ck_assert_int_ge(asprintf(&copy, "%.*s...\n%s", (int)(start - out.text), out.text, end), 0);
	return copy;
}

/* The fill of the frame whose <title> starts with "name (". */
static char *fill_of(const char *svg, const char *name)
{
	char *key = NULL, *fill;
	const char *at, *f;

	ck_assert_int_ge(asprintf(&key, "<title>%s (", name), 0);
	at = strstr(svg, key);
	ck_assert_msg(at != NULL, "no frame %s", name);
	f = strstr(at, "fill=\"");
	ck_assert_ptr_nonnull(f);
	f += 6;
	fill = strndup(f, strcspn(f, "\""));
	free(key);
	return fill;
}

START_TEST(diff_svg__matches_expected)
{
	struct pg_diff_opts o = {.unit = "samples"};
	char *svg = render_svg(&o);

	fixture_expect("diff_small.svg", svg, strlen(svg));
	free(svg);
}
END_TEST

START_TEST(diff_svg__colours_growth_red_and_shrinkage_blue)
{
	struct pg_diff_opts o = {.unit = "samples"};
	char *svg = render_svg(&o);
	char *fill;

	/* Self changes: lex +15 (the largest, with old_path's -15), emit -12,
	 * new_path +12, main 0. */
	fill = fill_of(svg, "lex");
	ck_assert_str_eq(fill, "rgb(214,39,40)");
	free(fill);
	fill = fill_of(svg, "emit");
	ck_assert_str_eq(fill, "rgb(77,133,189)");
	free(fill);
	fill = fill_of(svg, "new_path");
	ck_assert_str_eq(fill, "rgb(222,82,83)");
	free(fill);
	fill = fill_of(svg, "main");
	ck_assert_str_eq(fill, "rgb(255,255,255)");
	free(fill);
	/* AFTER's shape: what only BEFORE has is not drawn. */
	ck_assert_ptr_null(strstr(svg, "old_path"));
	ck_assert_ptr_nonnull(strstr(svg, "<title>lex (after 45 samples, 50.00%; before 30 samples, 37.50%; "
					  "self +15 samples, +50.0%; total +15 samples, +50.0%)</title>"));
	ck_assert_ptr_nonnull(strstr(svg, "<title>new_path (after 12 samples, 13.33%; before 0 samples, 0.00%; "
					  "self +12 samples, new; total +12 samples, new)</title>"));
	free(svg);
}
END_TEST

START_TEST(diff_svg__function_mode_colours_a_moved_function_by_its_total)
{
	/* compress moved under a thread pool and lost 20% of its time: by
	 * path it is all new (red); by function it shrank (blue). */
	struct pg_profile *b = fixture_folded("z;main;compress 100\nz;main;read_input 20\n");
	struct pg_profile *a = fixture_folded("z;start_thread;worker;compress 80\nz;main;read_input 20\n");
	struct pg_difftree *t = NULL;
	uint64_t fb[64], fa[64], *fn[2] = { fb, fa };
	struct pg_diff_opts o = {.unit = "samples"};
	char *fill;

	ck_assert_int_eq(pg_difftree_build(&t, b, a, 0, 0), 0);
	ck_assert_uint_le(t->tree->count, 64);
	/* 80 of AFTER's 100 on paths BEFORE lacks; 100 of BEFORE's 120. */
	ck_assert_double_eq_tol(pg_difftree_path_churn(t), 100.0 / 120, 1e-12);
	ck_assert_int_eq(pg_difftree_function_totals(fn, t), 0);
	for (size_t i = 0; i < t->tree->count; i++) {
		const char *name = pg_difftree_name(t, i);

		if (name && !strcmp(name, "compress")) {
			ck_assert_uint_eq(fb[i], 100);
			ck_assert_uint_eq(fa[i], 80);
		}
	}
	pg_difftree_free(t);
	/* auto picks function mode: the paths changed */
	ck_assert_int_eq(pg_diff_svg_render(b, a, &o, fixture_open(&out)), 0);
	fixture_close(&out);
	ck_assert_ptr_nonnull(strstr(out.text, "by function (the call paths changed)"));
	fill = fill_of(out.text, "compress");
	{
		int r = 0, g = 0, bl = 0;

		ck_assert_int_eq(sscanf(fill, "rgb(%d,%d,%d)", &r, &g, &bl), 3);
		ck_assert_msg(r < bl && r < 255, "compress shrank: blue, got %s", fill);
	}
	free(fill);
	free(out.text);
	out.text = NULL;
	/* path mode: new on its path, red */
	o.colour = PG_DIFF_COLOUR_PATH;
	ck_assert_int_eq(pg_diff_svg_render(b, a, &o, fixture_open(&out)), 0);
	fixture_close(&out);
	ck_assert_ptr_null(strstr(out.text, "by function"));
	fill = fill_of(out.text, "compress");
	ck_assert_str_eq(fill, "rgb(222,82,83)");  /* +80 of the largest change, main;compress's -100 */
	free(fill);
	pg_profile_free(b);
	pg_profile_free(a);
}
END_TEST

START_TEST(diff_svg__normalized_says_so_and_scales_before)
{
	struct pg_diff_opts o = {.title = "Peak memory", .unit = "bytes", .normalize = 1};
	char *svg = render_svg(&o);
	char *fill;

	ck_assert_ptr_nonnull(strstr(svg, "BEFORE scaled by 1.125 to AFTER's total"));
	ck_assert_ptr_nonnull(strstr(svg, "data-unit=\"bytes\""));
	ck_assert_ptr_nonnull(strstr(svg, "<title>main (after 90 bytes, 100.00%; before 90 bytes, 100.00%; "
					  "self no change; total no change)</title>"));
	/* Normalized, lex grew by 11.25 of a largest change of 16.875. */
	fill = fill_of(svg, "lex");
	ck_assert_str_eq(fill, "rgb(228,111,112)");
	free(fill);
	free(svg);
}
END_TEST

START_TEST(diff_svg__hostile_names_are_escaped)
{
	struct pg_diff_opts o = {.title = "<svg onload=alert(1)>", .unit = "samples"};
	char *svg;

	add_hostile();
	svg = render_svg(&o);
	ck_assert_ptr_null(strcasestr(svg, "<img"));
	ck_assert_ptr_null(strstr(svg, "<svg onload"));
	ck_assert_uint_eq(fixture_count(svg, "<script"), 1);
	ck_assert_uint_eq(fixture_count(svg, "</script"), 1);
	ck_assert_uint_eq(fixture_count(svg, "<!--"), 1);  /* its own comment */
	ck_assert_ptr_nonnull(strstr(svg, "&lt;img src=x onerror=&quot;window.__x=1&quot;&gt;"));
	ck_assert_ptr_nonnull(strstr(svg, "&lt;svg onload=alert(1)&gt;</text>"));
	for (const char *s = svg; (s = strchr(s, '&')) != NULL; s++)
		ck_assert_msg(!strncmp(s, "&amp;", 5) || !strncmp(s, "&lt;", 4) || !strncmp(s, "&gt;", 4) ||
			      !strncmp(s, "&quot;", 6) || !strncmp(s, "&#39;", 5), "raw '&' at %.20s", s);
	free(svg);
}
END_TEST

START_TEST(diff_svg__draws_empty_profiles)
{
	struct pg_diff_opts o = {.unit = "samples"};
	char *svg;

	pg_profile_free(before);
	pg_profile_free(after);
	before = fixture_folded("");
	after = fixture_folded("");
	svg = render_svg(&o);
	ck_assert_ptr_nonnull(strstr(svg, "<title>all (after 0 samples, 0.00%; before 0 samples, 0.00%; "
					  "self no change; total no change)</title>"));
	free(svg);
}
END_TEST

/* ---- difffolded --------------------------------------------------- */

/* Reads path back: asserts every line is "stack before after", in byte
 * order; returns the lines joined as "stack before after\n". */
static char *read_folded(const char *path)
{
	char *text = NULL, *copy, *line, *save = NULL, *prev = NULL;
	size_t len = 0;

	ck_assert_msg(pg_read_file(&text, &len, path) == 0, "%s", pg_error_last());
	copy = strdup(text);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp2 = strrchr(line, ' '), *sp1, *end;

		ck_assert_msg(sp2 != NULL, "line '%s' has no weight", line);
		*sp2 = '\0';
		sp1 = strrchr(line, ' ');
		ck_assert_msg(sp1 != NULL, "line '%s' has one weight", line);
		strtoull(sp1 + 1, &end, 10);
		ck_assert_msg(*end == '\0' && end > sp1 + 1, "before of '%s' is not a number", line);
		strtoull(sp2 + 1, &end, 10);
		ck_assert_msg(*end == '\0' && end > sp2 + 1, "after of '%s' is not a number", line);
		*sp1 = '\0';
		ck_assert_msg(strlen(line) > 0 && !strstr(line, ";;"), "empty frame in '%s'", line);
		if (prev)
			ck_assert_msg(strcmp(prev, line) < 0, "'%s' after '%s': not sorted or not merged", line, prev);
		prev = line;
	}
	free(copy);
	return text;
}

START_TEST(diff_folded__lines_parse_as_stack_before_after)
{
	char *path = NULL, *text;

	ck_assert_int_ge(asprintf(&path, "%s/out/diff.folded", fixture_tmpdir), 0);
	ck_assert_msg(pg_diff_folded_write(before, after, 0, path) == 0, "%s", pg_error_last());
	text = read_folded(path);
	ck_assert_str_eq(text,
			 "prog;main;emit 20 8\n"
			 "prog;main;new_path 0 12\n"
			 "prog;main;old_path 15 0\n"
			 "prog;main;parse 10 10\n"
			 "prog;main;parse;lex 30 45\n"
			 "prog;main;rec;helper;rec 0 10\n"
			 "prog;main;rec;rec 0 5\n"
			 "prog;main;rec;rec;rec 5 0\n");
	free(text);
	free(path);
}
END_TEST

START_TEST(diff_folded__normalize_rounds_scaled_before)
{
	char *path = NULL, *text;

	ck_assert_int_ge(asprintf(&path, "%s/n.folded", fixture_tmpdir), 0);
	ck_assert_msg(pg_diff_folded_write(before, after, 1, path) == 0, "%s", pg_error_last());
	text = read_folded(path);
	/* x1.125: 20 -> 22.5 -> 23, 15 -> 16.875 -> 17, 10 -> 11.25 -> 11. */
	ck_assert_str_eq(text,
			 "prog;main;emit 23 8\n"
			 "prog;main;new_path 0 12\n"
			 "prog;main;old_path 17 0\n"
			 "prog;main;parse 11 10\n"
			 "prog;main;parse;lex 34 45\n"
			 "prog;main;rec;helper;rec 0 10\n"
			 "prog;main;rec;rec 0 5\n"
			 "prog;main;rec;rec;rec 6 0\n");
	free(text);
	free(path);
}
END_TEST

START_TEST(diff_folded__merges_threads_and_keeps_odd_names_parseable)
{
	struct pg_profile *b = NULL, *a = NULL;
	pg_frame_id f[3];
	char *path = NULL, *text;

	ck_assert_int_eq(pg_profile_new(&b), 0);
	ck_assert_int_eq(pg_profile_new(&a), 0);
	/* The same stack in two threads, and names a folded line cannot hold. */
	fixture_add(b, "p;x", 1, 3);
	fixture_add(b, "p;x", 2, 4);
	fixture_add(a, "p;x", PG_TID_ANY, 1);
	ck_assert_int_eq(pg_profile_intern(&f[0], a, "p", 1), 0);
	ck_assert_int_eq(pg_profile_intern(&f[1], a, "semi;colon", 10), 0);
	ck_assert_int_eq(pg_profile_intern(&f[2], a, "new\nline", 8), 0);
	ck_assert_int_eq(pg_profile_add_stack(a, f, 3, PG_TID_ANY, 2), 0);
	ck_assert_int_eq(pg_profile_intern(&f[1], a, "  ", 2), 0);
	ck_assert_int_eq(pg_profile_add_stack(a, f, 2, PG_TID_ANY, 5), 0);
	ck_assert_int_ge(asprintf(&path, "%s/odd.folded", fixture_tmpdir), 0);
	ck_assert_msg(pg_diff_folded_write(b, a, 0, path) == 0, "%s", pg_error_last());
	text = read_folded(path);
	ck_assert_str_eq(text, "p;?? 0 5\np;semi?colon;new?line 0 2\np;x 7 1\n");
	free(text);
	free(path);
	pg_profile_free(b);
	pg_profile_free(a);
}
END_TEST

START_TEST(diff_folded__names_an_unwritable_file)
{
	char *blocker = NULL, *path = NULL;

	ck_assert_int_ge(asprintf(&blocker, "%s/file", fixture_tmpdir), 0);
	ck_assert_int_eq(pg_write_file_atomic(blocker, "x", 1), 0);
	ck_assert_int_ge(asprintf(&path, "%s/d.folded", blocker), 0);
	ck_assert_int_lt(pg_diff_folded_write(before, after, 0, path), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), blocker));
	free(blocker);
	free(path);
}
END_TEST

static Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("functions");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, diff_functions__match_hand_computed_answers);
	tcase_add_test(tc, diff_functions__count_recursion_once_per_stack);
	tcase_add_test(tc, diff_functions__keep_a_function_only_in_before);
	tcase_add_test(tc, diff_functions__named_by_identity);
	tcase_add_test(tc, diff_functions__sort_by_change_of_self_then_name);
	tcase_add_test(tc, diff_functions__normalize_scales_before_to_after_total);
	tcase_add_test(tc, diff_functions__of_empty_profiles);
	suite_add_tcase(s, tc);

	tc = tcase_create("tree");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, difftree__merges_both_sides_by_path);
	tcase_add_test(tc, difftree__stays_exact_when_narrow_nodes_are_folded);
	suite_add_tcase(s, tc);

	tc = tcase_create("html");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, diff_html__data_matches_expected);
	tcase_add_test(tc, diff_html__data_holds_both_sides_exactly);
	tcase_add_test(tc, diff_html__embeds_the_report_assets_and_its_own_once);
	tcase_add_test(tc, diff_html__hostile_names_stay_data);
	tcase_add_test(tc, diff_html__and_svg_take_null_options_as_defaults);
	tcase_add_test(tc, diff_html__reports_a_sink_that_fills_up);
	tcase_add_test(tc, diff_html__write_is_atomic_and_names_the_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("svg");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, diff_svg__matches_expected);
	tcase_add_test(tc, diff_svg__colours_growth_red_and_shrinkage_blue);
	tcase_add_test(tc, diff_svg__function_mode_colours_a_moved_function_by_its_total);
	tcase_add_test(tc, diff_svg__normalized_says_so_and_scales_before);
	tcase_add_test(tc, diff_svg__hostile_names_are_escaped);
	tcase_add_test(tc, diff_svg__draws_empty_profiles);
	suite_add_tcase(s, tc);

	tc = tcase_create("folded");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, diff_folded__lines_parse_as_stack_before_after);
	tcase_add_test(tc, diff_folded__normalize_rounds_scaled_before);
	tcase_add_test(tc, diff_folded__merges_threads_and_keeps_odd_names_parseable);
	tcase_add_test(tc, diff_folded__names_an_unwritable_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(diff_suite());
}
