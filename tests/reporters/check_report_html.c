/*
 * Tests of reporters/report_html.c: the data a report embeds (compared with
 * tests/fixtures/expected/), the tabs it has and what a tab without data
 * says, the HTML around it (assets embedded once, no way out of the data
 * block whatever the frame names), and errors of the sink and of the input.
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "afile.h"
#include "assets.h"
#include "error.h"
#include "fixture.h"
#include "profile.h"
#include "report_html.h"

static struct pg_profile *cpu, *wall, *mem_peak, *mem_leaks;
static struct fixture_out out;
static char *cmdline[] = {(char *)"./prog", (char *)"--size", (char *)"10", NULL};
static const struct pg_report_thread threads[] = {
	{100, 100, "prog"}, {100, 101, "worker-1"}, {100, 102, "worker-2"},
};
/* Indices into wall's stacks, in the order setup() adds them; the last
 * field is the periods a sample covers (a gathered wait: more than one). */
static const struct pg_report_sample samples[] = {
	{1000000, 0, 0, 0, 1}, {1000000, 1, 3, 0, 1}, {1000000, 2, 6, 1, 1},
	{2000000, 0, 5, 1, 40}, {2000000, 1, 3, 0, 1}, {2000000, 2, 4, 0, 1},
	{3000000, 0, 1, 0, 1}, {3000000, 1, 3, 0, 1},
};
static const struct pg_report_heap_point heap[] = {
	{0, 0, 1 << 20}, {1000000, 4096, 2 << 20}, {3000000, 1052672, 3 << 20}, {4000000, 65536, 3 << 20},
};

static void setup(void)
{
	ck_assert_int_eq(pg_profile_new(&cpu), 0);
	ck_assert_int_eq(pg_profile_new(&wall), 0);
	fixture_add(cpu, "prog;_start;__libc_start_main;main;parse;lex", 100, 30);
	fixture_add(cpu, "prog;_start;__libc_start_main;main;parse", 100, 10);
	fixture_add(cpu, "prog;_start;__libc_start_main;main;emit", 100, 20);
	fixture_add(cpu, "prog;__clone3;start_thread;worker;crunch", 101, 40);
	fixture_add(cpu, "prog;__clone3;start_thread;worker;crunch", 102, 25);
	fixture_add(wall, "prog;_start;__libc_start_main;main;parse;lex", 100, 30);
	fixture_add(wall, "prog;_start;__libc_start_main;main;parse", 100, 10);
	fixture_add(wall, "prog;_start;__libc_start_main;main;emit", 100, 20);
	fixture_add(wall, "prog;__clone3;start_thread;worker;crunch", 101, 40);
	fixture_add(wall, "prog;__clone3;start_thread;worker;crunch", 102, 25);
	fixture_add(wall, "prog;_start;__libc_start_main;main;pthread_join;[waiting]", 100, 60);
	fixture_add(wall, "prog;__clone3;start_thread;worker;[waiting]", 102, 10);
	mem_peak = fixture_folded("prog;main;load;malloc 1048576\nprog;main;parse;strdup 4096\n");
	mem_leaks = fixture_folded("prog;main;load;malloc 65536\n");
}

static void teardown(void)
{
	pg_profile_free(cpu);
	pg_profile_free(wall);
	pg_profile_free(mem_peak);
	pg_profile_free(mem_leaks);
	free(out.text);
	out.text = NULL;
}

static struct pg_report full_report(void)
{
	struct pg_report r = {
		.title = "./prog --size 10",
		.command = cmdline, .argc = 3,
		.wall_seconds = 1.25, .cpu_seconds = 0.5,
		.hz = 999, .mode = "wall",
		.cpu = cpu, .wall = wall, .mem_peak = mem_peak, .mem_leaks = mem_leaks,
		.threads = threads, .nthreads = 3,
		.samples = samples, .nsamples = sizeof(samples) / sizeof(samples[0]),
		.heap = heap, .nheap = sizeof(heap) / sizeof(heap[0]), .peak_t_ns = 3000000,
		.peak_heap_bytes = 1052672, .peak_rss_bytes = 3 << 20,
	};
	return r;
}

static const char *render_json(const struct pg_report *r)
{
	ck_assert_msg(pg_report_json_render(r, fixture_open(&out)) == 0, "%s", pg_error_last());
	fixture_close(&out);
	return out.text;
}

static const char *render_html(const struct pg_report *r)
{
	ck_assert_msg(pg_report_html_render(r, fixture_open(&out)) == 0, "%s", pg_error_last());
	fixture_close(&out);
	return out.text;
}

/* The JSON between the data element's tags, parsed. */
static cJSON *embedded_data(const char *html)
{
	const char *open = "<script type=\"application/json\" id=\"pg-data\">";
	const char *start = strstr(html, open);
	const char *end;
	cJSON *data;

	ck_assert_ptr_nonnull(start);
	start += strlen(open);
	end = strstr(start, "</script>");
	ck_assert_ptr_nonnull(end);
	data = cJSON_ParseWithLength(start, (size_t)(end - start));
	ck_assert_msg(data != NULL, "the embedded data is not JSON");
	return data;
}

START_TEST(report_json__matches_expected_for_a_wall_run)
{
	struct pg_report r = full_report();
	const char *text = render_json(&r);

	fixture_expect("report_wall_run.json", text, out.len);
}
END_TEST

START_TEST(report_json__matches_expected_for_one_flame_graph)
{
	struct pg_report r = {
		.title = "mem-peak.folded", .wall_seconds = -1, .cpu_seconds = -1,
		.mode = "cpu", .mem_peak = mem_peak, .peak_heap_bytes = -1, .flamegraph_only = 1, .inverted = 1,
	};
	const char *text = render_json(&r);

	fixture_expect("report_flamegraph_mem.json", text, out.len);
}
END_TEST

START_TEST(report_json__tabs_without_data_say_why)
{
	struct pg_report r = {
		.command = cmdline, .argc = 3, .wall_seconds = 1, .cpu_seconds = 1,
		.hz = 999, .mode = "cpu", .peak_heap_bytes = -1,
	};
	cJSON *data = cJSON_Parse(render_json(&r));
	const cJSON *tab;
	int n = 0;

	ck_assert_ptr_nonnull(data);
	/* No title given: the command line is the title. */
	ck_assert_str_eq(cJSON_GetObjectItem(data, "title")->valuestring, "./prog --size 10");
	cJSON_ArrayForEach(tab, cJSON_GetObjectItem(data, "tabs")) {
		const char *id = cJSON_GetObjectItem(tab, "id")->valuestring;
		const cJSON *missing = cJSON_GetObjectItem(tab, "missing");

		n++;
		ck_assert_msg(cJSON_IsString(missing), "tab %s has data?", id);
		if (!strcmp(id, "cpu"))
			ck_assert_ptr_nonnull(strstr(missing->valuestring, "--no-cpu"));
		if (!strcmp(id, "mem-peak") || !strcmp(id, "mem-leaks") || !strcmp(id, "memory"))
			ck_assert_str_eq(missing->valuestring,
					 "memory was not tracked (the allocation tracker is not built yet, or --no-mem)");
		ck_assert_msg(strcmp(id, "wall") != 0, "a cpu-mode run has no wall tab");
	}
	ck_assert_int_eq(n, 5);  /* cpu, mem-peak, mem-leaks, timeline, memory */
	cJSON_Delete(data);
}
END_TEST

START_TEST(report_json__a_note_replaces_the_default_reason)
{
	struct pg_report r = {
		.mode = "cpu", .wall_seconds = -1, .cpu_seconds = -1, .peak_heap_bytes = -1,
		.cpu = cpu, .mem_note = "the run used --no-mem",
	};
	const char *text = render_json(&r);

	ck_assert_uint_eq(fixture_count(text, "\"missing\":\"the run used --no-mem\""), 3);
	ck_assert_ptr_null(strstr(text, "allocation tracker"));
}
END_TEST

START_TEST(report_json__per_thread_weights_add_up)
{
	struct pg_report r = full_report();
	cJSON *data = cJSON_Parse(render_json(&r));
	const cJSON *prof = cJSON_GetArrayItem(cJSON_GetObjectItem(data, "profiles"), 0);
	const cJSON *t;
	double sum = 0;

	ck_assert_ptr_nonnull(prof);
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(prof, "threads")) {
		const cJSON *pairs = cJSON_GetObjectItem(t, "self");

		for (int i = 1; i < cJSON_GetArraySize(pairs); i += 2)
			sum += cJSON_GetArrayItem(pairs, i)->valuedouble;
	}
	ck_assert_double_eq(sum, (double)pg_profile_total(cpu));
	ck_assert_double_eq(cJSON_GetObjectItem(prof, "total")->valuedouble, 125);
	cJSON_Delete(data);
}
END_TEST

START_TEST(report_html__embeds_the_data_and_each_asset_once)
{
	struct pg_report r = full_report();
	char *json = strdup(render_json(&r));
	const char *html;
	cJSON *data;

	free(out.text);
	out.text = NULL;
	html = render_html(&r);
	ck_assert_ptr_eq(strstr(html, "<!DOCTYPE html>"), html);
	ck_assert_ptr_nonnull(strstr(html, json));
	ck_assert_uint_eq(fixture_count(html, pg_asset_report_js), 1);
	ck_assert_uint_eq(fixture_count(html, pg_asset_report_css), 1);
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(html, "<title>./prog --size 10 \xe2\x80\x94 profgate</title>"));
	/* Self-contained: nothing to fetch. */
	ck_assert_ptr_null(strstr(html, "src=\"http"));
	ck_assert_ptr_null(strstr(html, "href=\"http"));
	ck_assert_ptr_null(strstr(html, "<link"));
	data = embedded_data(html);
	cJSON_Delete(data);
	free(json);
}
END_TEST

START_TEST(report_html__hostile_names_stay_data)
{
	static const char *names[] = {
		"</script><script>window.__x=1</script>",
		"<img src=x onerror=\"window.__x=1\">",
		"<!--",
		"]]>",
		"a & b < c > d",
		"\"quoted\" 'single'",
		"caf\xc3\xa9 \xe2\x80\xa8 sep",
		"</SCRIPT >",
	};
	struct pg_profile *p = NULL;
	char stack[256];
	const char *html;
	cJSON *data, *pnames, *item;
	struct pg_report r = {
		.title = "<b>title</b> </script>", .mode = "cpu", .wall_seconds = -1, .cpu_seconds = -1,
		.peak_heap_bytes = -1,
	};
	const char *argv[] = {"<script>alert(1)</script>"};
	struct pg_report_thread th = {1, 1, "<img src=x onerror=alert(1)>"};

	ck_assert_int_eq(pg_profile_new(&p), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(stack, sizeof(stack), "prog;%s", names[i]);
		fixture_add(p, stack, 1, i + 1);
	}
	fixture_add(p, "prog;bad\xff\xfe utf8;ctl\x01", 1, 100);
	r.cpu = p;
	r.command = (char *const *)argv;
	r.argc = 1;
	r.threads = &th;
	r.nthreads = 1;
	html = render_html(&r);

	/* Only the page's own elements are closed or opened. */
	{
		size_t closes = 0;

		for (const char *s = html; (s = strcasestr(s, "</script")) != NULL; s++)
			closes++;
		ck_assert_uint_eq(closes, 2);
	}
	ck_assert_uint_eq(fixture_count(html, "<script"), 2);
	ck_assert_ptr_null(strcasestr(html, "<img"));
	ck_assert_ptr_null(strstr(html, "<!--"));
	ck_assert_ptr_null(strstr(html, "<b>"));
	ck_assert_ptr_nonnull(strstr(html, "<title>&lt;b&gt;title&lt;/b&gt; &lt;/script&gt;"));

	/* And the names come back exactly (invalid UTF-8 as U+FFFD). */
	data = embedded_data(html);
	pnames = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(data, "profiles"), 0), "names");
	ck_assert_ptr_nonnull(pnames);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int found = 0;

		cJSON_ArrayForEach(item, pnames)
			found |= !strcmp(item->valuestring, names[i]);
		ck_assert_msg(found, "name %zu did not survive: %s", i, names[i]);
	}
	{
		int found = 0;

		cJSON_ArrayForEach(item, pnames)
			found |= !strcmp(item->valuestring, "bad\xef\xbf\xbd\xef\xbf\xbd utf8");
		ck_assert(found);
	}
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(data, "command"), 0)->valuestring,
			 "<script>alert(1)</script>");
	cJSON_Delete(data);
	pg_profile_free(p);
}
END_TEST

START_TEST(report_html__reports_a_sink_that_fills_up)
{
	struct pg_report r = full_report();
	char small[512];
	FILE *f = fmemopen(small, sizeof(small), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_lt(pg_report_html_render(&r, f), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "cannot write the report"));
	fclose(f);
}
END_TEST

START_TEST(report_html__write_is_atomic_and_names_the_file)
{
	struct pg_report r = full_report();
	char dir[] = "/tmp/check_report_html.XXXXXX";
	char *path = NULL, *bad = NULL, *text = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&path, "%s/sub/report.html", dir), 0);
	ck_assert_msg(pg_report_html_write(&r, path) == 0, "%s", pg_error_last());
	ck_assert_int_eq(pg_read_file(&text, &len, path), 0);
	ck_assert_ptr_eq(strstr(text, "<!DOCTYPE html>"), text);
	ck_assert_ptr_nonnull(strstr(text, "</html>\n"));
	/* A path under a regular file cannot be written. */
	ck_assert_int_ge(asprintf(&bad, "%s/report.html/x.html", path), 0);
	ck_assert_int_lt(pg_report_html_write(&r, bad), 0);
	ck_assert_msg(strstr(pg_error_last(), path) != NULL, "%s", pg_error_last());
	unlink(path);
	free(text);
	free(path);
	free(bad);
	ck_assert_int_ge(asprintf(&path, "%s/sub", dir), 0);
	rmdir(path);
	rmdir(dir);
	free(path);
}
END_TEST

START_TEST(report_json__refuses_a_sample_naming_a_missing_stack)
{
	struct pg_report r = full_report();
	struct pg_report_sample bad[] = {{0, 0, 99, 0, 1}};

	r.samples = bad;
	r.nsamples = 1;
	ck_assert_int_eq(pg_report_json_render(&r, fixture_open(&out)), PG_EINVALID);
	fixture_close(&out);
	ck_assert_str_eq(pg_error_last(), "timeline sample 0 names stack 99 of 7");
}
END_TEST

START_TEST(report_json__merges_narrow_frames_of_a_huge_profile_exactly)
{
	struct pg_profile *p = NULL;
	char stack[128];
	uint64_t total = 0;
	struct pg_report r = {.mode = "cpu", .wall_seconds = -1, .cpu_seconds = -1, .peak_heap_bytes = -1};
	cJSON *data, *prof;

	/* 250,000 distinct stacks of three new frames each: a million nodes,
	 * more than a report keeps. */
	ck_assert_int_eq(pg_profile_new(&p), 0);
	for (int i = 0; i < 250000; i++) {
		snprintf(stack, sizeof(stack), "prog;mod%d;fn%d;leaf%d", i % 50, i, i);
		fixture_add(p, stack, PG_TID_ANY, (uint64_t)(i % 97) + 1);
		total += (uint64_t)(i % 97) + 1;
	}
	r.cpu = p;
	data = cJSON_Parse(render_json(&r));
	ck_assert_ptr_nonnull(data);
	prof = cJSON_GetArrayItem(cJSON_GetObjectItem(data, "profiles"), 0);
	ck_assert_double_eq(cJSON_GetObjectItem(prof, "total")->valuedouble, (double)total);
	ck_assert_double_gt(cJSON_GetObjectItem(prof, "merged")->valuedouble, 0);
	ck_assert_int_le(cJSON_GetArraySize(cJSON_GetObjectItem(prof, "depth")), 400000);
	{
		/* The self weights still add up to the total. */
		double sum = 0;
		const cJSON *v;

		cJSON_ArrayForEach(v, cJSON_GetObjectItem(prof, "self"))
			sum += v->valuedouble;
		ck_assert_double_eq(sum, (double)total);
	}
	cJSON_Delete(data);
	pg_profile_free(p);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report_html");
	TCase *tc = tcase_create("data");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, report_json__matches_expected_for_a_wall_run);
	tcase_add_test(tc, report_json__matches_expected_for_one_flame_graph);
	tcase_add_test(tc, report_json__tabs_without_data_say_why);
	tcase_add_test(tc, report_json__a_note_replaces_the_default_reason);
	tcase_add_test(tc, report_json__per_thread_weights_add_up);
	tcase_add_test(tc, report_json__refuses_a_sample_naming_a_missing_stack);
	suite_add_tcase(s, tc);

	tc = tcase_create("html");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, report_html__embeds_the_data_and_each_asset_once);
	tcase_add_test(tc, report_html__hostile_names_stay_data);
	tcase_add_test(tc, report_html__reports_a_sink_that_fills_up);
	tcase_add_test(tc, report_html__write_is_atomic_and_names_the_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("large");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, report_json__merges_narrow_frames_of_a_huge_profile_exactly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(report_suite());
}
