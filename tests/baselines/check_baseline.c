/*
 * Tests of baselines/baseline.c and stacktree.c: the JSON form round-trips
 * every metric and stack, memory that was not measured stays null, readers
 * refuse other schemas and corrupt documents naming the file and the field,
 * pruning folds light stacks into their callers and says how much, and
 * merging runs sums CPU and averages memory.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "error.h"
#include "fixture.h"
#include "folded.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"

/* A baseline with two benchmarks: "parse" measured in every way, "idle"
 * with memory not tracked. */
static struct pg_baseline_run run(double wall, double cpu, uint64_t samples, double rss)
{
	struct pg_baseline_run r;

	pg_baseline_run_init(&r);
	r.values[PG_METRIC_WALL] = wall;
	r.values[PG_METRIC_CPU] = cpu;
	r.values[PG_METRIC_PEAK_RSS] = rss;
	r.samples = samples;
	return r;
}

static struct pg_baseline_mem_run mem_run(double wall, double heap, double rss, double count, double bytes,
					  double leaked)
{
	struct pg_baseline_mem_run r;

	pg_baseline_mem_run_init(&r);
	r.wall_seconds = wall;
	r.values[PG_METRIC_PEAK_HEAP] = heap;
	r.values[PG_METRIC_PEAK_RSS] = rss;
	r.values[PG_METRIC_ALLOC_COUNT] = count;
	r.values[PG_METRIC_ALLOC_BYTES] = bytes;
	r.values[PG_METRIC_LEAKED_BYTES] = leaked;
	return r;
}

static struct pg_baseline *sample_baseline(void)
{
	struct pg_baseline *b = NULL;
	struct pg_baseline_bench *x = NULL;

	ck_assert_int_eq(pg_baseline_new(&b), 0);
	strcpy(b->commit, COMMIT);
	b->recorded_at = strdup("2024-05-01T12:00:00Z");
	b->profgate_version = strdup("0.1.0");
	b->dirty = 1;
	ck_assert_int_eq(pg_host_detect(&b->host), 0);

	ck_assert_int_eq(pg_baseline_add_bench(&x, b, "parse"), 0);
	x->command = calloc(3, sizeof *x->command);
	x->command[0] = strdup("./bench");
	x->command[1] = strdup("--size=10");
	x->ncommand = 2;
	x->recorded_at = strdup("2024-05-01T12:00:00Z");
	x->host_fingerprint = strdup(b->host.fingerprint);
	x->dirty = 1;
	x->hz = 999;
	x->repeat = 2;
	x->mem_repeat = 1;
	x->warmup = 1;
	x->warmup_wall = calloc(1, sizeof(double));
	x->warmup_wall[0] = 1.5;
	x->nwarmup = 1;
	x->hot = calloc(2, sizeof *x->hot);
	x->hot[0] = (struct pg_baseline_function){ strdup("parse"), 0.5, 0.75 };
	x->hot[1] = (struct pg_baseline_function){ strdup("lex"), 0.25, 0.25 };
	x->nhot = 2;
	x->runs = calloc(2, sizeof *x->runs);
	for (int i = 0; i < 2; i++) {
		x->runs[i] = run(1.25 + i, 1.125 + i, 1000u + (unsigned)i, 4096);
		x->runs[i].functions = calloc(2, sizeof(double));
		x->runs[i].functions[0] = 0.7 + 0.1 * i;
		x->runs[i].functions[1] = 0.25;
	}
	x->nruns = 2;
	x->mem_runs = calloc(1, sizeof *x->mem_runs);
	x->mem_runs[0] = mem_run(1.5, 37748736, 41000000, 9, 40894464, 3145728);
	x->nmem_runs = 1;
	ck_assert_int_eq(pg_baseline_bench_set_profile(x, PG_BASELINE_CPU,
		fixture_folded("bench;main;parse;lex 250\nbench;main;parse 500\nbench;main 250\n"), 2, 0), 0);
	ck_assert_int_eq(pg_baseline_bench_set_profile(x, PG_BASELINE_MEM_PEAK,
		fixture_folded("bench;main;load;malloc 37748736\n"), 1, 0), 0);

	ck_assert_int_eq(pg_baseline_add_bench(&x, b, "idle"), 0);
	x->command = calloc(2, sizeof *x->command);
	x->command[0] = strdup("sleep");
	x->ncommand = 1;
	x->recorded_at = strdup("2024-05-01T12:00:01Z");
	x->repeat = 1;
	x->mem_repeat = 1;
	x->runs = calloc(1, sizeof *x->runs);
	x->runs[0] = run(0.5, 0, 0, NAN);
	x->nruns = 1;
	x->mem_runs = calloc(1, sizeof *x->mem_runs);
	x->mem_runs[0] = mem_run(0.5, NAN, 2000000, NAN, NAN, NAN);
	x->nmem_runs = 1;
	return b;
}

static char *serialize(const struct pg_baseline *b)
{
	char *text = NULL;
	size_t len = 0;

	ck_assert_msg(pg_baseline_serialize(&text, &len, b) == 0, "%s", pg_error_last());
	ck_assert_uint_eq(strlen(text), len);
	return text;
}

START_TEST(baseline_roundtrip__keeps_metrics_and_stacks)
{
	struct pg_baseline *b = sample_baseline(), *r = NULL;
	struct pg_profile *p = NULL;
	char *text = serialize(b);

	ck_assert_msg(pg_baseline_parse(&r, text, strlen(text), "mem.json") == 0, "%s", pg_error_last());
	ck_assert_str_eq(r->commit, COMMIT);
	ck_assert_str_eq(r->recorded_at, "2024-05-01T12:00:00Z");
	ck_assert_str_eq(r->profgate_version, "0.1.0");
	ck_assert_int_eq(r->dirty, 1);
	ck_assert_str_eq(r->host.fingerprint, b->host.fingerprint);
	ck_assert_str_eq(r->host.kernel, b->host.kernel);
	ck_assert_uint_eq(r->nbenches, 2);

	struct pg_baseline_bench *x = pg_baseline_find(r, "parse");

	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->ncommand, 2);
	ck_assert_str_eq(x->command[1], "--size=10");
	ck_assert_uint_eq(x->hz, 999);
	ck_assert_uint_eq(x->nwarmup, 1);
	ck_assert_double_eq(x->warmup_wall[0], 1.5);
	ck_assert_uint_eq(x->nruns, 2);
	ck_assert_double_eq(x->runs[1].values[PG_METRIC_WALL], 2.25);
	ck_assert_double_eq(x->runs[1].values[PG_METRIC_CPU], 2.125);
	ck_assert_uint_eq(x->runs[1].samples, 1001);
	ck_assert_double_eq(x->runs[0].values[PG_METRIC_PEAK_RSS], 4096);
	ck_assert_ptr_nonnull(x->runs[1].functions);
	ck_assert_double_eq_tol(x->runs[1].functions[0], 0.8, 1e-12);
	ck_assert_uint_eq(x->nhot, 2);
	ck_assert_str_eq(x->hot[1].name, "lex");
	ck_assert_double_eq(x->mem_runs[0].values[PG_METRIC_PEAK_HEAP], 37748736);
	ck_assert_double_eq(x->mem_runs[0].values[PG_METRIC_LEAKED_BYTES], 3145728);
	/* The stacks stay encoded until asked for. */
	ck_assert_ptr_null(x->cpu.profile);
	ck_assert_uint_eq(x->cpu.total, 1000);
	ck_assert_int_eq(pg_baseline_bench_profile(&p, x, PG_BASELINE_CPU), 0);
	char *got = fixture_folded_text(p), *want = fixture_folded_text(pg_baseline_find(b, "parse")->cpu.profile);

	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	ck_assert_int_eq(pg_baseline_bench_profile(&p, x, PG_BASELINE_MEM_PEAK), 0);
	got = fixture_folded_text(p);
	ck_assert_str_eq(got, "bench;main;load;malloc 37748736\n");
	free(got);

	/* Re-serializing undecoded stacks copies them as they are. */
	struct pg_baseline *r2 = NULL;
	char *text2 = serialize(r);

	ck_assert_int_eq(pg_baseline_parse(&r2, text2, strlen(text2), "again.json"), 0);
	x = pg_baseline_find(r2, "idle");
	ck_assert_ptr_nonnull(x);
	ck_assert(isnan(x->runs[0].values[PG_METRIC_PEAK_RSS]));
	ck_assert_int_eq(pg_baseline_bench_profile(&p, pg_baseline_find(r2, "parse"), PG_BASELINE_CPU), 0);
	ck_assert_uint_eq(pg_profile_total(p), 1000);
	pg_baseline_free(r2);
	free(text2);
	pg_baseline_free(r);
	pg_baseline_free(b);
	free(text);
}
END_TEST

START_TEST(baseline_write__memory_not_measured_is_null)
{
	struct pg_baseline *b = sample_baseline();
	char *text = serialize(b);
	cJSON *doc = cJSON_Parse(text);
	const cJSON *idle, *m, *run;

	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(cJSON_GetObjectItem(doc, "schema")->valuestring, "profgate.baseline/1");
	idle = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "benchmarks"), "idle");
	m = cJSON_GetArrayItem(cJSON_GetObjectItem(idle, "mem_runs"), 0);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(m, "peak_heap_bytes")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(m, "alloc_count")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(m, "leaked_bytes")));
	ck_assert_double_eq(cJSON_GetObjectItem(m, "peak_rss_bytes")->valuedouble, 2000000);
	run = cJSON_GetArrayItem(cJSON_GetObjectItem(idle, "runs"), 0);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(run, "peak_rss_bytes")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(idle, "mem_peak")));
	cJSON_Delete(doc);
	free(text);
	pg_baseline_free(b);
}
END_TEST

/* Parses text expecting PG_EINVALID with a message holding every needle. */
static void refused(const char *text, const char *needle1, const char *needle2)
{
	struct pg_baseline *b = NULL;
	int rc = pg_baseline_parse(&b, text, strlen(text), "store/x.json");

	ck_assert_msg(rc == PG_EINVALID, "accepted (%d): %.200s", rc, text);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(pg_error_last(), "store/x.json"), "no file name in: %s", pg_error_last());
	ck_assert_msg(strstr(pg_error_last(), needle1), "'%s' not in: %s", needle1, pg_error_last());
	if (needle2)
		ck_assert_msg(strstr(pg_error_last(), needle2), "'%s' not in: %s", needle2, pg_error_last());
}

/* The sample baseline's JSON with `from` replaced by `to` once. */
static char *edited(const char *from, const char *to)
{
	struct pg_baseline *b = sample_baseline();
	char *text = serialize(b), *at = strstr(text, from), *out = NULL;

	ck_assert_msg(at != NULL, "'%s' not in the sample", from);
	ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)), 0);
	free(text);
	pg_baseline_free(b);
	return out;
}

START_TEST(baseline_parse__refuses_other_schemas)
{
	refused("{\"schema\": \"profgate.profile/1\"}", "not a profgate baseline", "profgate.profile/1");
	refused("{\"commit\": \"" COMMIT "\"}", "not a profgate baseline", "schema missing");
	refused("[1, 2]", "not a profgate baseline", NULL);
	char *t = edited("profgate.baseline/1", "profgate.baseline/2");

	refused(t, "profgate.baseline/2", NULL);
	free(t);
}
END_TEST

START_TEST(baseline_parse__refuses_corrupt_documents_naming_the_field)
{
	char *t;

	refused("{\"schema\": \"profgate.baseline/1\", \"commit\": ", "invalid JSON", "line 1");
	refused("{\n\"schema\": \"profgate.baseline/1\",\n\"commit\": x}", "invalid JSON", "line 3");
	t = edited("\"commit\":\t\"" COMMIT, "\"commit\":\t\"HEAD");
	refused(t, "'commit' is not a full commit id", NULL);
	free(t);
	t = edited("\"wall_seconds\":\t1.25", "\"wall_seconds\":\t\"fast\"");
	refused(t, "benchmark 'parse': runs[0]", "wall_seconds");
	free(t);
	t = edited("\"samples\":\t1000", "\"samples\":\t-3");
	refused(t, "runs[0]", "samples");
	free(t);
	t = edited("\"peak_heap_bytes\":\t37748736", "\"peak_heap_bytes\":\t1.5");
	refused(t, "mem_runs[0]", "peak_heap_bytes");
	free(t);
	t = edited("\"unit\":\t\"samples\"", "\"unit\":\t\"bytes\"");
	refused(t, "benchmark 'parse'.cpu", "unit");
	free(t);
	t = edited("\"idle\":", "\"parse\":");
	refused(t, "'parse' appears twice", NULL);
	free(t);
	t = edited("\"hot_functions\":", "\"hot_fun\":");
	refused(t, "benchmark 'parse'", "'hot_functions' is missing");
	free(t);
	/* A CPU count beyond int (found by fuzz_baseline: converting it was
	 * undefined behaviour) or not whole; the count that was there follows
	 * under another key, which readers ignore. */
	t = edited("\"cpus\":\t", "\"cpus\":\t3.3e120, \"cpus_was\":\t");
	refused(t, "host", "'cpus'");
	free(t);
	t = edited("\"cpus\":\t", "\"cpus\":\t4294967296, \"cpus_was\":\t");
	refused(t, "host", "'cpus' is too large");
	free(t);
	t = edited("\"cpus\":\t", "\"cpus\":\t2147483648, \"cpus_was\":\t");
	refused(t, "host", "'cpus' is too large");
	free(t);
	t = edited("\"cpus\":\t", "\"cpus\":\t2.5, \"cpus_was\":\t");
	refused(t, "host", "'cpus' is not a whole number");
	free(t);
}
END_TEST

START_TEST(baseline_profile__corrupt_stacks_are_an_error_naming_the_file)
{
	struct pg_baseline *r = NULL;
	struct pg_profile *p = NULL;
	/* The CPU tree starts "1 0,2 1 250,..."; depth 3 right after 1 is
	 * impossible in pre-order. */
	char *t = edited("\"tree\":\t\"1 0,2 1 ", "\"tree\":\t\"1 0,3 1 ");

	ck_assert_int_eq(pg_baseline_parse(&r, t, strlen(t), "store/x.json"), 0);
	ck_assert_int_eq(pg_baseline_bench_profile(&p, pg_baseline_find(r, "parse"), PG_BASELINE_CPU),
			 PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), "store/x.json") && strstr(pg_error_last(), "cpu") &&
		      strstr(pg_error_last(), "call 2"), "%s", pg_error_last());
	pg_baseline_free(r);
	free(t);

	/* A trailing comma, a missing frame, a stray character. */
	static const char *const trees[] = { "1 0,2 1 250,3 2 500,4 3 250,", "1 0,2,3 2 500", "1 0;2 1 1000" };

	for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
		char *u = edited("\"tree\":\t\"1 0,2 1 250,3 2 500,4 3 250\"", "\"tree\":\t\"X\"");
		char *v = NULL;
		char *at = strstr(u, "\"X\"");

		ck_assert_int_ge(asprintf(&v, "%.*s\"%s\"%s", (int)(at - u), u, trees[i], at + 3), 0);
		ck_assert_int_eq(pg_baseline_parse(&r, v, strlen(v), "store/z.json"), 0);
		ck_assert_msg(pg_baseline_bench_profile(&p, pg_baseline_find(r, "parse"), PG_BASELINE_CPU) == PG_EINVALID,
			      "accepted tree %s", trees[i]);
		ck_assert_msg(strstr(pg_error_last(), "store/z.json"), "%s", pg_error_last());
		pg_baseline_free(r);
		free(u);
		free(v);
	}

	/* A total that the stacks do not add up to. */
	t = edited("\"total\":\t1000", "\"total\":\t999");
	ck_assert_int_eq(pg_baseline_parse(&r, t, strlen(t), "store/y.json"), 0);
	ck_assert_int_eq(pg_baseline_bench_profile(&p, pg_baseline_find(r, "parse"), PG_BASELINE_CPU),
			 PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), "store/y.json") && strstr(pg_error_last(), "999"),
		      "%s", pg_error_last());
	pg_baseline_free(r);
	free(t);
}
END_TEST

START_TEST(prune__folds_light_stacks_into_their_caller_and_says_how_much)
{
	struct pg_baseline *b = NULL;
	struct pg_baseline_bench *x = NULL;
	/* 100000 in all: 0.01% is 10. */
	struct pg_profile *p = fixture_folded("prog;main;work 99970\n"
				      "prog;main;work;rare 5\n"
				      "prog;main;work;rare2 4\n"
				      "prog;main;other 21\n");
	char *got;

	ck_assert_int_eq(pg_baseline_new(&b), 0);
	ck_assert_int_eq(pg_baseline_add_bench(&x, b, "x"), 0);
	ck_assert_int_eq(pg_baseline_bench_set_profile(x, PG_BASELINE_CPU, p, 1, PG_BASELINE_PRUNE_DEFAULT), 0);
	ck_assert_uint_eq(x->cpu.total, 100000);
	ck_assert_uint_eq(x->cpu.pruned.stacks, 2);
	ck_assert_uint_eq(x->cpu.pruned.weight, 9);
	ck_assert_double_eq(x->cpu.pruned.threshold, PG_BASELINE_PRUNE_DEFAULT);
	got = fixture_folded_text(x->cpu.profile);
	ck_assert_str_eq(got, "prog;main;other 21\nprog;main;work 99979\n");
	free(got);
	pg_baseline_free(b);
}
END_TEST

START_TEST(prune__a_chain_of_light_calls_ends_in_the_first_heavy_ancestor)
{
	struct pg_baseline *b = NULL;
	struct pg_baseline_bench *x = NULL;
	struct pg_profile *p = fixture_folded("prog;main 99990\n"
				      "prog;main;a;b;c 3\n"
				      "prog;main;a;b 3\n"
				      "prog;main;a 3\n"
				      "prog;main;a;b;d 1\n");
	char *got;

	ck_assert_int_eq(pg_baseline_new(&b), 0);
	ck_assert_int_eq(pg_baseline_add_bench(&x, b, "x"), 0);
	ck_assert_int_eq(pg_baseline_bench_set_profile(x, PG_BASELINE_CPU, p, 1, PG_BASELINE_PRUNE_DEFAULT), 0);
	/* c and d fold into b (7), b into a (10), and a now holds 10 >= 10. */
	got = fixture_folded_text(x->cpu.profile);
	ck_assert_str_eq(got, "prog;main 99990\nprog;main;a 10\n");
	free(got);
	ck_assert_uint_eq(x->cpu.pruned.stacks, 3);
	ck_assert_uint_eq(x->cpu.pruned.weight, 7);
	ck_assert_uint_eq(x->cpu.total, 100000);
	pg_baseline_free(b);
}
END_TEST

START_TEST(prune__a_program_root_is_never_folded)
{
	struct pg_baseline *b = NULL;
	struct pg_baseline_bench *x = NULL;
	char *got;

	ck_assert_int_eq(pg_baseline_new(&b), 0);
	ck_assert_int_eq(pg_baseline_add_bench(&x, b, "x"), 0);
	ck_assert_int_eq(pg_baseline_bench_set_profile(x, PG_BASELINE_CPU,
		fixture_folded("big;main 1000000\nsmall 1\n"), 1, PG_BASELINE_PRUNE_DEFAULT), 0);
	got = fixture_folded_text(x->cpu.profile);
	ck_assert_str_eq(got, "big;main 1000000\nsmall 1\n");
	free(got);
	pg_baseline_free(b);
}
END_TEST

START_TEST(merge_profiles__sums_cpu_and_averages_memory)
{
	struct pg_profile *runs[3] = { fixture_folded("p;main;f 10\np;main 1\n"), NULL, fixture_folded("p;main;f 20\np;main;g 3\n") };
	struct pg_profile *m = NULL;
	char *got;

	ck_assert_int_eq(pg_baseline_merge_profiles(&m, runs, 3, 0), 0);
	got = fixture_folded_text(m);
	ck_assert_str_eq(got, "p;main 1\np;main;f 30\np;main;g 3\n");
	free(got);
	pg_profile_free(m);
	/* Averages over the profiles present (2), rounded to nearest. */
	ck_assert_int_eq(pg_baseline_merge_profiles(&m, runs, 3, 1), 0);
	got = fixture_folded_text(m);
	ck_assert_str_eq(got, "p;main 1\np;main;f 15\np;main;g 2\n");
	free(got);
	pg_profile_free(m);
	pg_profile_free(runs[0]);
	pg_profile_free(runs[2]);
}
END_TEST

START_TEST(take_bench__moves_it_and_refuses_a_duplicate)
{
	struct pg_baseline *b = NULL;
	struct pg_baseline_bench x = { 0 }, y = { 0 };

	ck_assert_int_eq(pg_baseline_new(&b), 0);
	x.name = strdup("one");
	x.hz = 7;
	ck_assert_int_eq(pg_baseline_take_bench(b, &x), 0);
	ck_assert_ptr_null(x.name);
	ck_assert_uint_eq(pg_baseline_find(b, "one")->hz, 7);
	y.name = strdup("one");
	ck_assert_int_eq(pg_baseline_take_bench(b, &y), PG_EINVALID);
	ck_assert_str_eq(y.name, "one");
	pg_baseline_bench_release(&y);
	pg_baseline_free(b);
}
END_TEST

/* A typical baseline: ten benchmarks of a thousand distinct stacks each,
 * 10 to 30 calls deep, each stack sharing all but about five calls with
 * another (as the stacks of real programs do: a python3 json workload
 * gives 5.0 new calls per stack). */
START_TEST(baseline_size__a_typical_baseline_stays_under_one_megabyte)
{
	struct pg_baseline *b = NULL;
	struct pg_baseline_bench *x = NULL;
	struct pg_profile *p = NULL;
	pg_frame_id frames[32], names[600];
	char name[96], *text = NULL;
	size_t len = 0, depth = 0;
	uint32_t seed = 1;

	ck_assert_int_eq(pg_baseline_new(&b), 0);
	strcpy(b->commit, COMMIT);
	b->recorded_at = strdup("2024-05-01T12:00:00Z");
	b->profgate_version = strdup("0.1.0");
	for (int k = 0; k < 10; k++) {
		snprintf(name, sizeof name, "bench-%d", k);
		ck_assert_int_eq(pg_baseline_add_bench(&x, b, name), 0);
		ck_assert_int_eq(pg_profile_new(&p), 0);
		for (int i = 0; i < 600; i++) {
			int n = snprintf(name, sizeof name, "project::module%d::function_name_%d", i % 17, i);

			ck_assert_int_eq(pg_profile_intern(&names[i], p, name, (size_t)n), 0);
		}
		while (pg_profile_stack_count(p) < 1000) {
			size_t target;

			seed = seed * 1664525u + 1013904223u;
			/* Keep a prefix of the previous stack, then new calls. */
			depth = depth > 6 ? depth - 1 - (seed >> 8) % 5 : 0;
			target = 10 + (seed >> 16) % 21;
			if (depth > target)
				depth = target;
			for (; depth < target; depth++) {
				seed = seed * 1664525u + 1013904223u;
				frames[depth] = names[(seed >> 8) % 600];
			}
			ck_assert_int_eq(pg_profile_add_stack(p, frames, depth, PG_TID_ANY, 1 + seed % 1000), 0);
		}
		ck_assert_int_eq(pg_baseline_bench_set_profile(x, PG_BASELINE_CPU, p, 5, PG_BASELINE_PRUNE_DEFAULT), 0);
	}
	ck_assert_int_eq(pg_baseline_serialize(&text, &len, b), 0);
	ck_assert_msg(len < 1024 * 1024, "10 benchmarks x 1000 stacks take %zu bytes", len);
	free(text);
	pg_baseline_free(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("baseline");
	TCase *json = tcase_create("json");
	TCase *prune = tcase_create("prune");
	TCase *model = tcase_create("model");

	tcase_add_test(json, baseline_roundtrip__keeps_metrics_and_stacks);
	tcase_add_test(json, baseline_write__memory_not_measured_is_null);
	tcase_add_test(json, baseline_parse__refuses_other_schemas);
	tcase_add_test(json, baseline_parse__refuses_corrupt_documents_naming_the_field);
	tcase_add_test(json, baseline_profile__corrupt_stacks_are_an_error_naming_the_file);
	tcase_add_test(json, baseline_size__a_typical_baseline_stays_under_one_megabyte);
	tcase_set_timeout(json, 60);
	tcase_add_test(prune, prune__folds_light_stacks_into_their_caller_and_says_how_much);
	tcase_add_test(prune, prune__a_chain_of_light_calls_ends_in_the_first_heavy_ancestor);
	tcase_add_test(prune, prune__a_program_root_is_never_folded);
	tcase_add_test(model, merge_profiles__sums_cpu_and_averages_memory);
	tcase_add_test(model, take_bench__moves_it_and_refuses_a_duplicate);
	suite_add_tcase(s, json);
	suite_add_tcase(s, prune);
	suite_add_tcase(s, model);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
