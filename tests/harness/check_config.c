/*
 * Tests of harness/config.c: a valid profgate.json loads with docs/config.md's
 * defaults and paths made relative to its folder; every kind of mistake is
 * PG_EINVALID with one line that names the file, the place and the key;
 * thresholds parse into kind and value in the metric's unit.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "fixture.h"

static int load(struct pg_config *c, const char *json)
{
	return pg_config_parse(c, json, strlen(json), "proj/profgate.json", "/src/proj");
}

START_TEST(config__loads_with_defaults_and_paths_relative_to_its_folder)
{
	struct pg_config c;
	const struct pg_bench_config *b;

	ck_assert_msg(load(&c,
		"{\"store\": \"git-notes\", \"base\": \"origin/main\", \"max_distance\": 20,\n"
		" \"defaults\": {\"repeat\": 7, \"thresholds\": {\"wall\": \"5%\"}},\n"
		" \"benchmarks\": [\n"
		"  {\"name\": \"parse-large\", \"run\": [\"./build/bench_parse\", \"data/large.json\"],\n"
		"   \"env\": {\"LC_ALL\": \"C\"}, \"repeat\": 3, \"thresholds\": {\"peak_heap\": \"+4MiB\"}},\n"
		"  {\"name\": \"py\", \"run\": [\"python3\", \"-c\", \"pass\"], \"cwd\": \"tools\",\n"
		"   \"timeout\": 2.5, \"hz\": 99, \"mem_repeat\": 0, \"warmup\": 0, \"mem_sample\": 4096}\n"
		" ]}") == 0, "%s", pg_error_last());
	ck_assert_str_eq(c.store, "git-notes");
	ck_assert_str_eq(c.base, "origin/main");
	ck_assert_uint_eq(c.max_distance, 20);
	ck_assert_uint_eq(c.nbenches, 2);

	b = pg_config_find(&c, "parse-large");
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->nrun, 2);
	ck_assert_str_eq(b->run[0], "/src/proj/./build/bench_parse");
	ck_assert_str_eq(b->run[1], "data/large.json");
	ck_assert_ptr_null(b->run[2]);
	ck_assert_str_eq(b->cwd, "/src/proj");
	ck_assert_uint_eq(b->nenv, 1);
	ck_assert_str_eq(b->env[0], "LC_ALL=C");
	ck_assert_uint_eq(b->repeat, 3);       /* its own */
	ck_assert_uint_eq(b->mem_repeat, 2);   /* docs/config.md's default */
	ck_assert_uint_eq(b->warmup, 1);
	ck_assert_double_eq(b->timeout, 600);
	ck_assert_uint_eq(b->hz, 999);
	ck_assert_int_eq(b->thresholds[PG_METRIC_WALL].kind, PG_THRESHOLD_RELATIVE);
	ck_assert_double_eq_tol(b->thresholds[PG_METRIC_WALL].value, 0.05, 1e-12);  /* from defaults */
	ck_assert_int_eq(b->thresholds[PG_METRIC_PEAK_HEAP].kind, PG_THRESHOLD_ABSOLUTE);
	ck_assert_double_eq(b->thresholds[PG_METRIC_PEAK_HEAP].value, 4.0 * 1024 * 1024);
	ck_assert_int_eq(b->thresholds[PG_METRIC_FUNCTION].kind, PG_THRESHOLD_POINTS);
	ck_assert_double_eq(b->thresholds[PG_METRIC_FUNCTION].value, 5);
	ck_assert_int_eq(b->thresholds[PG_METRIC_ALLOC_BYTES].kind, PG_THRESHOLD_OFF);

	b = pg_config_find(&c, "py");
	ck_assert_str_eq(b->run[0], "python3");  /* looked up through PATH */
	ck_assert_str_eq(b->cwd, "/src/proj/tools");
	ck_assert_uint_eq(b->repeat, 7);
	ck_assert_double_eq(b->timeout, 2.5);
	ck_assert_uint_eq(b->hz, 99);
	ck_assert_uint_eq(b->mem_repeat, 0);
	ck_assert_uint_eq(b->mem_sample, 4096);
	ck_assert_ptr_null(pg_config_find(&c, "nope"));
	pg_config_release(&c);
}
END_TEST

struct bad {
	const char *json;
	const char *place;  /* must appear in the message */
	const char *what;   /* and this */
};

#define B(name_and_run_rest) "{\"benchmarks\": [{\"name\": \"a\", \"run\": [\"./x\"]" name_and_run_rest "}]}"

static const struct bad bad_configs[] = {
	/* unknown keys, with the typo named and a suggestion */
	{ B(", \"repaet\": 3"), "benchmarks[0] (\"a\")", "unknown key 'repaet' (did you mean 'repeat'?)" },
	{ "{\"stroe\": \"x\", \"benchmarks\": []}", "top level", "unknown key 'stroe' (did you mean 'store'?)" },
	{ "{\"defaults\": {\"wamrup\": 1}, \"benchmarks\": []}", "defaults", "did you mean 'warmup'" },
	{ B(", \"thresholds\": {\"peak_hep\": \"2%\"}"), "benchmarks[0] (\"a\").thresholds", "did you mean 'peak_heap'" },
	{ B(", \"colour\": \"red\""), "benchmarks[0] (\"a\")", "unknown key 'colour' (known keys:" },
	{ B(", \"repeat\": 2, \"repeat\": 3"), "benchmarks[0] (\"a\").repeat", "given twice" },
	/* wrong types and ranges */
	{ B(", \"repeat\": \"5\""), "benchmarks[0] (\"a\").repeat", "whole number" },
	{ B(", \"repeat\": 0"), "benchmarks[0] (\"a\").repeat", "from 1" },
	{ B(", \"repeat\": 2.5"), "benchmarks[0] (\"a\").repeat", "whole number" },
	{ B(", \"mem_repeat\": -1"), "benchmarks[0] (\"a\").mem_repeat", "whole number" },
	{ B(", \"hz\": 0"), "benchmarks[0] (\"a\").hz", "from 1 to 100000" },
	{ B(", \"timeout\": \"10s\""), "benchmarks[0] (\"a\").timeout", "seconds" },
	{ B(", \"mem_sample\": -5"), "benchmarks[0] (\"a\").mem_sample", "bytes" },
	{ B(", \"cwd\": 3"), "benchmarks[0] (\"a\").cwd", "non-empty string" },
	{ B(", \"env\": [\"A=1\"]"), "benchmarks[0] (\"a\").env", "object of strings" },
	{ B(", \"env\": {\"LC_ALL\": 1}"), "benchmarks[0] (\"a\").env.LC_ALL", "expected a string" },
	{ B(", \"env\": {\"A=B\": \"1\"}"), "benchmarks[0] (\"a\").env", "not a variable name" },
	{ "{\"max_distance\": -1, \"benchmarks\": []}", "max_distance", "whole number" },
	{ "{\"base\": \"\", \"benchmarks\": []}", "base", "non-empty string" },
	{ "{\"store\": \"git-notes:\", \"benchmarks\": []}", "store", "no ref" },
	{ "{\"defaults\": [], \"benchmarks\": []}", "defaults", "expected an object" },
	{ "{\"benchmarks\": []}", "benchmarks", "non-empty array" },
	{ "{\"benchmarks\": {}}", "benchmarks", "non-empty array" },
	{ "{}", "top level", "no \"benchmarks\"" },
	{ "[1]", "top level", "expected an object" },
	{ "{\"benchmarks\": [1]}", "benchmarks[0]", "expected an object" },
	/* run: an argv, no shell */
	{ "{\"benchmarks\": [{\"name\": \"a\"}]}", "benchmarks[0] (\"a\")", "no \"run\" (the program" },
	{ "{\"benchmarks\": [{\"name\": \"a\", \"run\": \"./x --y\"}]}", "benchmarks[0] (\"a\").run", "no shell" },
	{ "{\"benchmarks\": [{\"name\": \"a\", \"run\": []}]}", "benchmarks[0] (\"a\").run", "non-empty array" },
	{ "{\"benchmarks\": [{\"name\": \"a\", \"run\": [\"./x\", 3]}]}", "benchmarks[0] (\"a\").run", "element 1" },
	{ "{\"benchmarks\": [{\"name\": \"a\", \"run\": [\"\"]}]}", "benchmarks[0] (\"a\").run", "element 0" },
	/* names: present, unique, safe as a file name */
	{ "{\"benchmarks\": [{\"run\": [\"./x\"]}]}", "benchmarks[0]", "no \"name\"" },
	{ "{\"benchmarks\": [{\"name\": 7, \"run\": [\"./x\"]}]}", "benchmarks[0].name", "expected a string" },
	{ "{\"benchmarks\": [{\"name\": \"a\", \"run\": [\"./x\"]}, {\"name\": \"a\", \"run\": [\"./y\"]}]}",
	  "benchmarks[1].name", "already the name of benchmarks[0]" },
	{ "{\"benchmarks\": [{\"name\": \"../etc\", \"run\": [\"./x\"]}]}", "benchmarks[0].name", "not a safe benchmark name" },
	{ "{\"benchmarks\": [{\"name\": \"a/b\", \"run\": [\"./x\"]}]}", "benchmarks[0].name", "not a safe benchmark name" },
	{ "{\"benchmarks\": [{\"name\": \"a..b\", \"run\": [\"./x\"]}]}", "benchmarks[0].name", "no '..'" },
	{ "{\"benchmarks\": [{\"name\": \".hidden\", \"run\": [\"./x\"]}]}", "benchmarks[0].name", "not a safe benchmark name" },
	{ "{\"benchmarks\": [{\"name\": \"\", \"run\": [\"./x\"]}]}", "benchmarks[0].name", "not a safe benchmark name" },
	{ "{\"benchmarks\": [{\"name\": \"a b\", \"run\": [\"./x\"]}]}", "benchmarks[0].name", "not a safe benchmark name" },
	/* thresholds */
	{ B(", \"thresholds\": {\"wall\": \"10 %\"}"), "benchmarks[0] (\"a\").thresholds.wall", "'10 %' is not a threshold" },
	{ B(", \"thresholds\": {\"wall\": \"+4MiB\"}"), "thresholds.wall", "units us, ms, s" },
	{ B(", \"thresholds\": {\"peak_heap\": \"+50ms\"}"), "thresholds.peak_heap", "units B, KiB" },
	{ B(", \"thresholds\": {\"peak_rss\": \"4MB!\"}"), "thresholds.peak_rss", "not a threshold" },
	{ B(", \"thresholds\": {\"function\": \"5%\"}"), "thresholds.function", "percentage points" },
	{ B(", \"thresholds\": {\"alloc_count\": \"+2.5\"}"), "thresholds.alloc_count", "not a threshold" },
	{ B(", \"thresholds\": {\"cpu\": \"-10%\"}"), "thresholds.cpu", "not a threshold" },
	{ B(", \"thresholds\": {\"cpu\": \"1e1%\"}"), "thresholds.cpu", "not a threshold" },
	{ B(", \"thresholds\": {\"cpu\": 10}"), "thresholds.cpu", "expected a string" },
	{ B(", \"thresholds\": \"10%\""), "benchmarks[0] (\"a\").thresholds", "expected an object" },
	{ "{\"defaults\": {\"thresholds\": {\"wall\": \"ten\"}}, \"benchmarks\": []}", "defaults.thresholds.wall", "not a threshold" },
	/* build and compare (interleaved mode) */
	{ "{\"build\": [\"make\"], \"benchmarks\": []}", "build", "expected an object" },
	{ "{\"build\": {}, \"benchmarks\": []}", "build", "no \"run\" (the build command" },
	{ "{\"build\": {\"run\": \"make -j2\"}, \"benchmarks\": []}", "build.run", "no shell" },
	{ "{\"build\": {\"run\": []}, \"benchmarks\": []}", "build.run", "non-empty array" },
	{ "{\"build\": {\"run\": [\"make\", 3]}, \"benchmarks\": []}", "build.run", "element 1: expected a string" },
	{ "{\"build\": {\"run\": [\"\"]}, \"benchmarks\": []}", "build.run", "element 0: expected a program" },
	{ "{\"build\": {\"run\": [\"make\"], \"jobs\": 2}, \"benchmarks\": []}", "build", "unknown key 'jobs'" },
	{ "{\"build\": {\"run\": [\"make\"], \"timeout\": \"1h\"}, \"benchmarks\": []}", "build.timeout", "seconds" },
	{ "{\"build\": {\"run\": [\"make\"], \"env\": {\"CC\": 1}}, \"benchmarks\": []}", "build.env.CC", "expected a string" },
	{ "{\"compare\": \"side-by-side\", \"benchmarks\": []}", "compare", "\"interleaved\" or \"baseline\"" },
	{ "{\"compare\": true, \"benchmarks\": []}", "compare", "\"interleaved\" or \"baseline\"" },
	{ B(", \"max_repeat\": 0"), "benchmarks[0] (\"a\").max_repeat", "from 1 to 1000" },
	{ B(", \"max_seconds\": -1"), "benchmarks[0] (\"a\").max_seconds", "seconds" },
	/* not JSON at all */
	{ "{\"benchmarks\": [\n  {\"name\": \"a\",}\n]}", "invalid JSON", "line 2" },
};

START_TEST(config__every_mistake_is_named)
{
	const struct bad *t = &bad_configs[_i];
	struct pg_config c;
	int rc = load(&c, t->json);
	const char *msg = pg_error_last();

	ck_assert_msg(rc == PG_EINVALID, "accepted (%d): %s", rc, t->json);
	ck_assert_msg(strstr(msg, "'proj/profgate.json': "), "no file in: %s", msg);
	ck_assert_msg(strstr(msg, t->place), "place '%s' not in: %s", t->place, msg);
	ck_assert_msg(strstr(msg, t->what), "'%s' not in: %s", t->what, msg);
	ck_assert_msg(!strchr(msg, '\n'), "more than one line: %s", msg);
	pg_config_release(&c);
}
END_TEST

START_TEST(config__build_and_compare)
{
	struct pg_config c;

	ck_assert_msg(load(&c, "{\"compare\": \"interleaved\",\n"
			       " \"build\": {\"run\": [\"./build.sh\", \"-j2\"], \"cwd\": \"src\", \"env\": {\"CC\": \"gcc\"}},\n"
			       " \"defaults\": {\"max_repeat\": 12},\n"
			       " \"benchmarks\": [{\"name\": \"a\", \"run\": [\"./x\"], \"max_seconds\": 90}]}") == 0,
		      "%s", pg_error_last());
	ck_assert_int_eq(c.compare, PG_COMPARE_INTERLEAVED);
	ck_assert_int_eq(c.build.nrun, 2);
	/* Kept as written: each compared tree resolves it against its own copy. */
	ck_assert_str_eq(c.build.run[0], "./build.sh");
	ck_assert_str_eq(c.build.run[1], "-j2");
	ck_assert_ptr_null(c.build.run[2]);
	ck_assert_str_eq(c.build.cwd, "src");
	ck_assert_uint_eq(c.build.nenv, 1);
	ck_assert_str_eq(c.build.env[0], "CC=gcc");
	ck_assert_double_eq(c.build.timeout, 1800);
	ck_assert_uint_eq(c.benches[0].max_repeat, 12);
	ck_assert_double_eq(c.benches[0].max_seconds, 90);
	pg_config_release(&c);

	ck_assert_int_eq(load(&c, "{\"benchmarks\": [{\"name\": \"a\", \"run\": [\"./x\"]}]}"), 0);
	ck_assert_int_eq(c.compare, PG_COMPARE_DEFAULT);
	ck_assert_ptr_null(c.build.run);
	ck_assert_uint_eq(c.benches[0].max_repeat, 30);
	ck_assert_double_eq(c.benches[0].max_seconds, 0);
	pg_config_release(&c);
	ck_assert_int_eq(load(&c, "{\"compare\": \"baseline\", \"build\": {\"run\": [\"make\"]},"
				  " \"benchmarks\": [{\"name\": \"a\", \"run\": [\"./x\"]}]}"), 0);
	ck_assert_int_eq(c.compare, PG_COMPARE_BASELINE);
	ck_assert_str_eq(c.build.cwd, ".");
	pg_config_release(&c);
}
END_TEST

START_TEST(config_load__a_missing_file_is_not_found)
{
	struct pg_config c;

	ck_assert_int_eq(pg_config_load(&c, "/nonexistent/profgate.json"), PG_ENOTFOUND);
	ck_assert_msg(strstr(pg_error_last(), "/nonexistent/profgate.json"), "%s", pg_error_last());
	pg_config_release(&c);
}
END_TEST

START_TEST(config_load__resolves_the_folder_of_the_file)
{
	char dir[] = "/tmp/check_config.XXXXXX", path[256], *real;
	struct pg_config c;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/profgate.json", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"benchmarks\": [{\"name\": \"a\", \"run\": [\"bin/a\"]}]}", f);
	fclose(f);
	ck_assert_msg(pg_config_load(&c, path) == 0, "%s", pg_error_last());
	real = realpath(dir, NULL);
	ck_assert_str_eq(c.dir, real);
	ck_assert_str_eq(c.benches[0].cwd, real);
	ck_assert_int_eq(strncmp(c.benches[0].run[0], real, strlen(real)), 0);
	pg_config_release(&c);
	free(real);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(threshold_parse__kinds_and_units)
{
	struct pg_threshold t;

	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_WALL, "10%"), 0);
	ck_assert_int_eq(t.kind, PG_THRESHOLD_RELATIVE);
	ck_assert_double_eq_tol(t.value, 0.10, 1e-12);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_PEAK_HEAP, "0%"), 0);
	ck_assert_double_eq(t.value, 0);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_PEAK_HEAP, "+4MiB"), 0);
	ck_assert_int_eq(t.kind, PG_THRESHOLD_ABSOLUTE);
	ck_assert_double_eq(t.value, 4194304);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_PEAK_RSS, "512KiB"), 0);
	ck_assert_double_eq(t.value, 524288);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_PEAK_RSS, "+2MB"), 0);
	ck_assert_double_eq(t.value, 2e6);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_LEAKED_BYTES, "+0B"), 0);
	ck_assert_double_eq(t.value, 0);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_WALL, "+50ms"), 0);
	ck_assert_double_eq_tol(t.value, 0.05, 1e-12);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_CPU, "+1.5s"), 0);
	ck_assert_double_eq(t.value, 1.5);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_CPU, "+250us"), 0);
	ck_assert_double_eq_tol(t.value, 250e-6, 1e-15);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_ALLOC_COUNT, "+1000"), 0);
	ck_assert_int_eq(t.kind, PG_THRESHOLD_ABSOLUTE);
	ck_assert_double_eq(t.value, 1000);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_FUNCTION, "5pp"), 0);
	ck_assert_int_eq(t.kind, PG_THRESHOLD_POINTS);
	ck_assert_double_eq(t.value, 5);
	ck_assert_str_eq(t.text, "5pp");
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_FUNCTION, "off"), 0);
	ck_assert_int_eq(t.kind, PG_THRESHOLD_OFF);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_FUNCTION, "101pp"), PG_EINVALID);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_WALL, "inf%"), PG_EINVALID);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_WALL, "0x10%"), PG_EINVALID);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_WALL, ""), PG_EINVALID);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_WALL, "+"), PG_EINVALID);
	ck_assert_int_eq(pg_threshold_parse(&t, PG_METRIC_PEAK_HEAP, "4 MiB"), PG_EINVALID);
	ck_assert_str_eq(pg_metric_name(PG_METRIC_PEAK_HEAP), "peak_heap");
}
END_TEST

START_TEST(bench_name_valid__only_safe_file_names)
{
	ck_assert(pg_bench_name_valid("parse-large"));
	ck_assert(pg_bench_name_valid("v1.2_x+y"));
	ck_assert(!pg_bench_name_valid(".."));
	ck_assert(!pg_bench_name_valid("-rf"));
	ck_assert(!pg_bench_name_valid("a\\b"));
	ck_assert(!pg_bench_name_valid("a\nb"));
	char long_name[102];

	memset(long_name, 'x', 101);
	long_name[101] = '\0';
	ck_assert(!pg_bench_name_valid(long_name));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config");
	TCase *load_tc = tcase_create("load");
	TCase *errors = tcase_create("errors");
	TCase *parts = tcase_create("parts");

	tcase_add_test(load_tc, config__loads_with_defaults_and_paths_relative_to_its_folder);
	tcase_add_test(load_tc, config_load__a_missing_file_is_not_found);
	tcase_add_test(load_tc, config__build_and_compare);
	tcase_add_test(load_tc, config_load__resolves_the_folder_of_the_file);
	tcase_add_loop_test(errors, config__every_mistake_is_named, 0,
			    (int)(sizeof bad_configs / sizeof bad_configs[0]));
	tcase_add_test(parts, threshold_parse__kinds_and_units);
	tcase_add_test(parts, bench_name_valid__only_safe_file_names);
	suite_add_tcase(s, load_tc);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, parts);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
