/*
 * Tests of gate/gate.c on benchmarks built in memory (runs, hot
 * functions with per-run shares, merged CPU and peak-memory stacks): a
 * regression confined to one function regresses the CPU time and names the
 * function; a function's share rising beyond the threshold fails the
 * hot-path gate, also for a function the baseline never saw; a new
 * allocation site fails the memory gate and its stack is named; no
 * baseline is inconclusive; a benchmark that failed is an error; and the
 * tally gives the exit statuses of docs/commands.md.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "config.h"
#include "error.h"
#include "fixture.h"
#include "folded.h"
#include "gate.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct pg_config cfg;

static void load_config(const char *thresholds)
{
	char *json = NULL;

	ck_assert_int_ge(asprintf(&json, "{\"defaults\": {\"thresholds\": {%s}}, \"benchmarks\": "
				  "[{\"name\": \"b\", \"run\": [\"/bin/true\"]}]}", thresholds), 0);
	ck_assert_msg(pg_config_parse(&cfg, json, strlen(json), "t/profgate.json", "/t") == 0, "%s",
		      pg_error_last());
	free(json);
}

static void setup(void)
{
	load_config("");
}

static void teardown(void)
{
	pg_config_release(&cfg);
}

struct spec {
	const double *wall, *cpu;     /* nruns each */
	size_t nruns;
	const char *const *hot;       /* names of the hot functions */
	size_t nhot;
	const double *shares;         /* nruns x nhot, fractions */
	const double *heap;           /* peak heap per memory run */
	size_t nmem;
	const char *cpu_folded, *mem_folded;
};

static void build(struct pg_baseline_bench *b, const struct spec *s)
{
	memset(b, 0, sizeof *b);
	b->name = strdup("b");
	b->hz = 999;
	b->runs = calloc(s->nruns + 1, sizeof *b->runs);
	b->mem_runs = calloc(s->nmem + 1, sizeof *b->mem_runs);
	b->hot = calloc(s->nhot + 1, sizeof *b->hot);
	ck_assert(b->name && b->runs && b->mem_runs && b->hot);
	for (size_t i = 0; i < s->nruns; i++) {
		pg_baseline_run_init(&b->runs[i]);
		b->runs[i].values[PG_METRIC_WALL] = s->wall[i];
		b->runs[i].values[PG_METRIC_CPU] = s->cpu[i];
		b->runs[i].values[PG_METRIC_PEAK_RSS] = 4 << 20;
		b->runs[i].samples = 1000;
		b->runs[i].functions = calloc(s->nhot + 1, sizeof(double));
		for (size_t k = 0; k < s->nhot; k++)
			b->runs[i].functions[k] = s->shares[i * s->nhot + k];
	}
	b->nruns = s->nruns;
	for (size_t k = 0; k < s->nhot; k++)
		b->hot[k] = (struct pg_baseline_function){ strdup(s->hot[k]), 0, s->shares[k] };
	b->nhot = s->nhot;
	for (size_t i = 0; i < s->nmem; i++) {
		struct pg_baseline_mem_run *m = &b->mem_runs[i];

		pg_baseline_mem_run_init(m);
		m->values[PG_METRIC_PEAK_HEAP] = s->heap[i];
		m->values[PG_METRIC_PEAK_RSS] = 8 << 20;
		m->values[PG_METRIC_ALLOC_COUNT] = 21;
		m->values[PG_METRIC_ALLOC_BYTES] = 1 << 20;
		m->values[PG_METRIC_LEAKED_BYTES] = 0;
	}
	b->nmem_runs = s->nmem;
	if (s->cpu_folded)
		ck_assert_int_eq(pg_baseline_bench_set_profile(b, PG_BASELINE_CPU, fixture_folded(s->cpu_folded),
							       (unsigned)s->nruns, 0), 0);
	if (s->mem_folded)
		ck_assert_int_eq(pg_baseline_bench_set_profile(b, PG_BASELINE_MEM_PEAK, fixture_folded(s->mem_folded),
							       (unsigned)s->nmem, 0), 0);
}

static const struct pg_check_metric *find(const struct pg_check_bench *b, const char *metric, const char *fn)
{
	for (size_t i = 0; i < b->nmetrics; i++)
		if (!strcmp(b->metrics[i].metric, metric) &&
		    (fn ? b->metrics[i].function && !strcmp(b->metrics[i].function, fn) : !b->metrics[i].function))
			return &b->metrics[i];
	return NULL;
}

static int is_malloc(const char *name)
{
	return !strcmp(name, "malloc");
}

static const double wall_b[] = { 1.00, 1.01, 0.99, 1.02, 0.98 };
static const double wall_slow[] = { 1.20, 1.21, 1.19, 1.22, 1.18 };
static const char *const two_hot[] = { "main", "hot_path", "other_work" };
static const double shares_b[] = { 1, .80, .20, 1, .81, .19, 1, .79, .21, 1, .80, .20, 1, .80, .20 };
static const double shares_slow[] = { 1, .833, .167, 1, .84, .16, 1, .83, .17, 1, .835, .165, 1, .833, .167 };
static const double heap_b[] = { 5242880, 5242880 };
static const double heap_grown[] = { 5505024, 5505024 };

START_TEST(compare__regression_in_one_function_names_it)
{
	struct pg_baseline_bench before, after;
	struct pg_check_bench out;
	struct spec sb = { wall_b, wall_b, 5, two_hot, 3, shares_b, heap_b, 2,
			   "prog;main;hot_path 4000\nprog;main;other_work 1000\n", "prog;main;t;malloc 5242880\n" };
	struct spec sa = { wall_slow, wall_slow, 5, two_hot, 3, shares_slow, heap_b, 2,
			   "prog;main;hot_path 5000\nprog;main;other_work 1000\n", "prog;main;t;malloc 5242880\n" };
	struct pg_gate_opts o = { .is_allocator = is_malloc };

	build(&before, &sb);
	build(&after, &sa);
	ck_assert_msg(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, &o) == 0, "%s",
		      pg_error_last());
	ck_assert_int_eq(out.verdict, PG_VERDICT_REGRESSED);
	ck_assert_int_eq(find(&out, "cpu", NULL)->verdict, PG_VERDICT_REGRESSED);
	ck_assert_int_eq(find(&out, "wall", NULL)->verdict, PG_VERDICT_REGRESSED);
	ck_assert_int_eq(find(&out, "peak_heap", NULL)->verdict, PG_VERDICT_UNCHANGED);
	ck_assert(find(&out, "peak_heap", NULL)->exact);
	/* +3.3 points of share: below the hot-path gate's 5pp */
	ck_assert_int_eq(find(&out, "function", "hot_path")->verdict, PG_VERDICT_UNCHANGED);
	/* ...but the function is named: its CPU time grew most */
	ck_assert_uint_ge(out.nfunctions, 1);
	ck_assert_str_eq(out.functions[0].name, "hot_path");
	ck_assert_double_eq_tol(out.functions[0].self_before, 0.8 * 1.00, 1e-9);
	ck_assert_double_eq_tol(out.functions[0].self_after, 5.0 / 6 * 1.20, 1e-9);
	ck_assert_double_eq_tol(out.functions[0].total_after, 5.0 / 6, 1e-9);
	for (size_t i = 0; i < out.nfunctions; i++)
		ck_assert_str_ne(out.functions[i].name, "prog");  /* a root frame names the program */
	ck_assert_uint_eq(out.runs_before, 5);
	ck_assert_uint_eq(out.mem_runs_after, 2);
	pg_check_bench_release(&out);

	/* Interleaved mode gives the CPU seconds per run from its timing
	 * pairs: the shares are turned into seconds with those. */
	o.cpu_before = 2.0;
	o.cpu_after = 2.5;
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds,
					 NULL, &o), 0);
	ck_assert_str_eq(out.functions[0].name, "hot_path");
	ck_assert_double_eq_tol(out.functions[0].self_before, 0.8 * 2.0, 1e-9);
	ck_assert_double_eq_tol(out.functions[0].self_after, 5.0 / 6 * 2.5, 1e-9);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
}
END_TEST

START_TEST(compare__identical_runs_are_unchanged)
{
	struct pg_baseline_bench before, after;
	struct pg_check_bench out;
	struct spec s = { wall_b, wall_b, 5, two_hot, 3, shares_b, heap_b, 2,
			  "prog;main;hot_path 4000\nprog;main;other_work 1000\n", "prog;main;t;malloc 5242880\n" };

	build(&before, &s);
	build(&after, &s);
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, NULL), 0);
	ck_assert_int_eq(out.verdict, PG_VERDICT_UNCHANGED);
	for (size_t i = 0; i < out.nmetrics; i++)
		ck_assert_msg(out.metrics[i].verdict == PG_VERDICT_UNCHANGED, "%s %s: %s", out.metrics[i].metric,
			      out.metrics[i].function ? out.metrics[i].function : "",
			      pg_verdict_name(out.metrics[i].verdict));
	ck_assert_uint_eq(out.nstacks, 0);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
}
END_TEST

START_TEST(compare__share_rising_beyond_threshold_fails_the_hot_path_gate)
{
	static const char *const hot_b[] = { "main", "parse" };
	static const char *const hot_a[] = { "main", "parse", "new_fn" };
	static const double sh_b[] = { 1, .50, 1, .51, 1, .49, 1, .50, 1, .505 };
	static const double sh_a[] = { 1, .60, .10, 1, .61, .11, 1, .59, .09, 1, .60, .10, 1, .605, .10 };
	struct pg_baseline_bench before, after;
	struct pg_check_bench out;
	struct spec sb = { wall_b, wall_b, 5, hot_b, 2, sh_b, NULL, 0, "prog;main;parse 500\nprog;main 500\n", NULL };
	struct spec sa = { wall_b, wall_b, 5, hot_a, 3, sh_a, NULL, 0,
			   "prog;main;parse 500\nprog;main;new_fn 100\nprog;main 233\n", NULL };
	const struct pg_check_metric *m;

	build(&before, &sb);
	build(&after, &sa);
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, NULL), 0);
	m = find(&out, "function", "parse");
	ck_assert_int_eq(m->verdict, PG_VERDICT_REGRESSED);
	ck_assert_double_eq_tol(m->before, 50, 1e-9);
	ck_assert_double_eq_tol(m->after, 60, 1e-9);
	ck_assert_double_eq_tol(m->p_value, 2.0 / 252, 1e-12);
	/* unknown to the baseline: 0% in every run there */
	m = find(&out, "function", "new_fn");
	ck_assert_int_eq(m->verdict, PG_VERDICT_REGRESSED);
	ck_assert_double_eq(m->before, 0);
	ck_assert_uint_eq(m->nbefore, 5);
	ck_assert_int_eq(out.verdict, PG_VERDICT_REGRESSED);
	/* no memory runs: nothing measured, nothing decided */
	ck_assert_int_eq(find(&out, "peak_heap", NULL)->verdict, PG_VERDICT_NOT_CHECKED);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
}
END_TEST

START_TEST(compare__paired_shares_decide_in_interleaved_mode)
{
	/* Two sampled pairs, 1000 samples a run; the machine moved parse's
	 * share by 10 points from one pair to the other, on both sides. */
	static const char *const hot[] = { "main", "parse", "other" };
	static const double sh_b[] = { 1, .45, .50, 1, .55, .40 };
	static const double sh_up[] = { 1, .505, .45, 1, .605, .35 };      /* +5.5 points in each pair */
	static const double sh_split[] = { 1, .46, .49, 1, .66, .29 };     /* +1 and +11 */
	const char *folded = "prog;main;parse 500\nprog;main;other 450\nprog;main 50\n";
	struct pg_baseline_bench before, after;
	struct pg_check_bench out;
	struct spec sb = { wall_b, wall_b, 2, hot, 3, sh_b, NULL, 0, folded, NULL };
	struct spec sa = { wall_b, wall_b, 2, hot, 3, sh_up, NULL, 0, folded, NULL };
	struct pg_gate_opts paired = { .alpha = 0.05, .machine_idle = NAN, .machine_others = NAN, .paired = 1 };
	const struct pg_check_metric *m;

	build(&before, &sb);
	build(&after, &sa);
	/* A rank test of 2 runs against 2 can never reject (p >= 1/3). */
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds,
					 NULL, NULL), 0);
	m = find(&out, "function", "parse");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->verdict, PG_VERDICT_INCONCLUSIVE);
	pg_check_bench_release(&out);
	/* The pairs agree, beyond what 1000 samples a run could make up. */
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds,
					 NULL, &paired), 0);
	m = find(&out, "function", "parse");
	ck_assert_int_eq(m->verdict, PG_VERDICT_REGRESSED);
	ck_assert_ptr_nonnull(strstr(m->note, "2 sampled pairs"));
	ck_assert_int_eq(out.verdict, PG_VERDICT_REGRESSED);
	/* other fell by 5 points in each pair: no regression, and no
	 * improvement either (parse took its share). */
	ck_assert_int_eq(find(&out, "function", "other")->verdict, PG_VERDICT_UNCHANGED);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&after);

	/* Pairs that disagree (+1, +11): not shown either way. */
	sa.shares = sh_split;
	build(&after, &sa);
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds,
					 NULL, &paired), 0);
	ck_assert_int_eq(find(&out, "function", "parse")->verdict, PG_VERDICT_INCONCLUSIVE);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
}
END_TEST

static double *repeat_shares(const double *one, size_t n, size_t runs)
{
	double *v = calloc(n * runs + 1, sizeof *v);

	for (size_t i = 0; v && i < runs; i++)
		memcpy(v + i * n, one, n * sizeof *v);
	return v;
}

START_TEST(compare__restructuring_into_threads_gives_rows_only_for_working_functions)
{
	/* The work moves under a thread pool: the runtime frames, the pool's
	 * thread function (no self time) and main (an ancestor of everything
	 * before) get no rows; compress.part.0 is compress. */
	static const char *const hot_b[] = { "_start", "__libc_start_call_main", "main", "compress.part.0" };
	static const double one_b[] = { 1, 1, 1, .90 };
	static const char *const hot_a[] = { "__clone3", "start_thread", "TPool_thread", "compress",
					     "_start", "__libc_start_call_main", "main" };
	static const double one_a[] = { .903, .903, .903, .90, .097, .097, .097 };
	double *sh_b = repeat_shares(one_b, N(one_b), 5), *sh_a = repeat_shares(one_a, N(one_a), 5);
	struct pg_baseline_bench before, after;
	struct pg_check_bench out;
	struct spec sb = { wall_b, wall_b, 5, hot_b, N(hot_b), sh_b, NULL, 0,
			   "prog;_start;__libc_start_call_main;main;compress.part.0 900\n"
			   "prog;_start;__libc_start_call_main;main 100\n", NULL };
	struct spec sa = { wall_b, wall_b, 5, hot_a, N(hot_a), sh_a, NULL, 0,
			   "prog;__clone3;start_thread;TPool_thread;compress 900\n"
			   "prog;__clone3;start_thread;TPool_thread;__memset_avx2_unaligned_erms 3\n"
			   "prog;_start;__libc_start_call_main;main 97\n", NULL };

	ck_assert(sh_b && sh_a);
	build(&before, &sb);
	build(&after, &sa);
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, NULL), 0);
	for (size_t i = 0; i < out.nmetrics; i++) {
		const char *fn = out.metrics[i].function;

		if (!fn)
			continue;
		ck_assert_msg(!strcmp(fn, "compress"), "row for %s", fn);
	}
	ck_assert_int_eq(find(&out, "function", "compress")->verdict, PG_VERDICT_UNCHANGED);
	ck_assert_ptr_null(find(&out, "function", "compress.part.0"));
	/* 3 samples in 1000 grew: below the floor of what explains anything */
	for (size_t i = 0; i < out.nfunctions; i++)
		ck_assert_str_ne(out.functions[i].name, "__memset_avx2_unaligned_erms");
	ck_assert_int_eq(out.verdict, PG_VERDICT_UNCHANGED);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
	free(sh_b);
	free(sh_a);
}
END_TEST

START_TEST(compare__new_allocation_site_fails_the_memory_gate)
{
	struct pg_baseline_bench before, after;
	struct pg_check_bench out;
	struct spec sb = { wall_b, wall_b, 5, two_hot, 3, shares_b, heap_b, 2, "prog;main;hot_path 10\n",
			   "prog;main;build_table;malloc 5242880\n" };
	struct spec sa = { wall_b, wall_b, 5, two_hot, 3, shares_b, heap_grown, 2, "prog;main;hot_path 10\n",
			   "prog;main;build_table;malloc 5242880\nprog;main;grow_cache;malloc 262144\n" };
	struct pg_gate_opts o = { .is_allocator = is_malloc };
	const struct pg_check_metric *m;

	build(&before, &sb);
	build(&after, &sa);
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, &o), 0);
	ck_assert_int_eq(out.verdict, PG_VERDICT_REGRESSED);
	m = find(&out, "peak_heap", NULL);
	ck_assert_int_eq(m->verdict, PG_VERDICT_REGRESSED);
	ck_assert(m->exact);
	ck_assert_double_eq_tol(m->ratio, 1.05, 1e-12);
	/* the site is the caller of malloc, not malloc */
	m = find(&out, "function_heap", "grow_cache");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->verdict, PG_VERDICT_REGRESSED);
	ck_assert_double_eq(m->after - m->before, 262144);
	ck_assert_ptr_null(find(&out, "function_heap", "malloc"));
	ck_assert_ptr_null(find(&out, "function_heap", "build_table"));  /* did not change */
	ck_assert_uint_eq(out.nstacks, 1);
	ck_assert_str_eq(out.stacks[0].stack, "prog;main;grow_cache;malloc");
	ck_assert_double_eq(out.stacks[0].before, 0);
	ck_assert_double_eq(out.stacks[0].after, 262144);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
}
END_TEST

START_TEST(compare__without_baseline_is_inconclusive_with_current_values)
{
	struct pg_baseline_bench after;
	struct pg_check_bench out;
	struct spec sa = { wall_b, wall_b, 5, two_hot, 3, shares_b, heap_b, 2, "prog;main;hot_path 10\n", NULL };

	build(&after, &sa);
	ck_assert_int_eq(pg_gate_compare(&out, NULL, &after, cfg.benches[0].name, cfg.benches[0].thresholds, "no baseline: record one", NULL), 0);
	ck_assert_int_eq(out.verdict, PG_VERDICT_INCONCLUSIVE);
	ck_assert_str_eq(out.message, "no baseline: record one");
	ck_assert_int_eq(find(&out, "wall", NULL)->verdict, PG_VERDICT_NOT_CHECKED);
	ck_assert(isnan(find(&out, "wall", NULL)->before));
	ck_assert_double_eq_tol(find(&out, "wall", NULL)->after, 1.00, 1e-12);
	ck_assert_ptr_null(find(&out, "function", "hot_path"));
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&after);
}
END_TEST

START_TEST(compare__failed_benchmark_is_an_error)
{
	struct pg_check_bench out;

	ck_assert_int_eq(pg_gate_compare(&out, NULL, NULL, cfg.benches[0].name, cfg.benches[0].thresholds, "the benchmark failed: run 1/5 "
					 "exited with status 3", NULL), 0);
	ck_assert_int_eq(out.verdict, PG_VERDICT_ERROR);
	ck_assert_uint_eq(out.nmetrics, 0);
	pg_check_bench_release(&out);
}
END_TEST

START_TEST(compare__threshold_off_is_not_checked)
{
	struct pg_baseline_bench before, after;
	struct pg_check_bench out;
	struct spec sb = { wall_b, wall_b, 5, two_hot, 3, shares_b, heap_b, 2, "prog;main;hot_path 10\n", NULL };
	struct spec sa = { wall_slow, wall_slow, 5, two_hot, 3, shares_b, heap_b, 2, "prog;main;hot_path 10\n", NULL };

	pg_config_release(&cfg);
	load_config("\"wall\": \"off\", \"cpu\": \"50%\"");
	build(&before, &sb);
	build(&after, &sa);
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, NULL), 0);
	ck_assert_int_eq(find(&out, "wall", NULL)->verdict, PG_VERDICT_NOT_CHECKED);
	ck_assert_int_eq(find(&out, "cpu", NULL)->verdict, PG_VERDICT_UNCHANGED);
	ck_assert_int_eq(out.verdict, PG_VERDICT_UNCHANGED);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
}
END_TEST

START_TEST(compare__wall_only_growth_on_a_busy_machine_is_inconclusive)
{
	struct pg_baseline_bench before, after, after_cpu;
	struct pg_check_bench out;
	struct spec sb = { wall_b, wall_b, 5, two_hot, 3, shares_b, heap_b, 2, "prog;main;hot_path 10\n", NULL };
	struct spec sa = { wall_slow, wall_b, 5, two_hot, 3, shares_b, heap_b, 2, "prog;main;hot_path 10\n", NULL };
	struct spec sc = { wall_slow, wall_slow, 5, two_hot, 3, shares_b, heap_b, 2, "prog;main;hot_path 10\n", NULL };
	struct pg_gate_opts busy = { .machine_idle = 0.02, .machine_others = 0.6 };
	struct pg_gate_opts quiet = { .machine_idle = 0.45, .machine_others = 0.05 };

	build(&before, &sb);
	build(&after, &sa);
	build(&after_cpu, &sc);
	/* wall +20%, CPU the same, others kept the machine busy */
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, &busy), 0);
	ck_assert_int_eq(find(&out, "wall", NULL)->verdict, PG_VERDICT_INCONCLUSIVE);
	ck_assert_msg(strstr(find(&out, "wall", NULL)->note, "busy"), "%s", find(&out, "wall", NULL)->note);
	ck_assert_int_eq(out.verdict, PG_VERDICT_INCONCLUSIVE);
	ck_assert_double_eq(out.machine_others, 0.6);
	pg_check_bench_release(&out);
	/* the same on a quiet machine: the program waits for something now */
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, &quiet), 0);
	ck_assert_int_eq(find(&out, "wall", NULL)->verdict, PG_VERDICT_REGRESSED);
	pg_check_bench_release(&out);
	/* the CPU time grew too: a busy machine excuses nothing */
	ck_assert_int_eq(pg_gate_compare(&out, &before, &after_cpu, cfg.benches[0].name, cfg.benches[0].thresholds, NULL, &busy), 0);
	ck_assert_int_eq(find(&out, "wall", NULL)->verdict, PG_VERDICT_REGRESSED);
	ck_assert_int_eq(out.verdict, PG_VERDICT_REGRESSED);
	pg_check_bench_release(&out);
	pg_baseline_bench_release(&before);
	pg_baseline_bench_release(&after);
	pg_baseline_bench_release(&after_cpu);
}
END_TEST

static int tally(const enum pg_verdict *v, size_t n, int found)
{
	struct pg_check_report r = { 0 };
	struct pg_check_bench b[8];

	memset(b, 0, sizeof b);
	for (size_t i = 0; i < n; i++)
		b[i].verdict = v[i];
	r.benches = b;
	r.nbenches = n;
	pg_gate_tally(&r, found);
	return r.exit_code;
}

START_TEST(tally__exit_statuses_of_spec)
{
	enum pg_verdict ok[] = { PG_VERDICT_UNCHANGED, PG_VERDICT_IMPROVED };
	enum pg_verdict bad[] = { PG_VERDICT_UNCHANGED, PG_VERDICT_INCONCLUSIVE, PG_VERDICT_REGRESSED };
	enum pg_verdict unsure[] = { PG_VERDICT_UNCHANGED, PG_VERDICT_INCONCLUSIVE };
	enum pg_verdict broken[] = { PG_VERDICT_REGRESSED, PG_VERDICT_ERROR };

	ck_assert_int_eq(tally(ok, N(ok), 1), 0);
	ck_assert_int_eq(tally(bad, N(bad), 1), 1);
	ck_assert_int_eq(tally(unsure, N(unsure), 1), 3);
	/* a failed benchmark is never a regression's status */
	ck_assert_int_eq(tally(broken, N(broken), 1), 2);
	/* no baseline: inconclusive even with nothing to run */
	ck_assert_int_eq(tally(ok, 0, 0), 3);
	ck_assert_int_eq(tally(ok, 0, 1), 0);
}
END_TEST

START_TEST(tally__counts_and_overall_verdict)
{
	struct pg_check_report r = { 0 };
	struct pg_check_bench b[3];

	memset(b, 0, sizeof b);
	b[0].verdict = PG_VERDICT_UNCHANGED;
	b[1].verdict = PG_VERDICT_IMPROVED;
	b[2].verdict = PG_VERDICT_UNCHANGED;
	r.benches = b;
	r.nbenches = 3;
	pg_gate_tally(&r, 1);
	ck_assert_uint_eq(r.counts[PG_VERDICT_UNCHANGED], 2);
	ck_assert_uint_eq(r.counts[PG_VERDICT_IMPROVED], 1);
	ck_assert_int_eq(r.verdict, PG_VERDICT_IMPROVED);
	ck_assert_str_eq(pg_check_overall_name(&r), "passed");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gate");
	TCase *t = tcase_create("compare");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, compare__regression_in_one_function_names_it);
	tcase_add_test(t, compare__identical_runs_are_unchanged);
	tcase_add_test(t, compare__share_rising_beyond_threshold_fails_the_hot_path_gate);
	tcase_add_test(t, compare__paired_shares_decide_in_interleaved_mode);
	tcase_add_test(t, compare__new_allocation_site_fails_the_memory_gate);
	tcase_add_test(t, compare__restructuring_into_threads_gives_rows_only_for_working_functions);
	tcase_add_test(t, compare__threshold_off_is_not_checked);
	tcase_add_test(t, compare__wall_only_growth_on_a_busy_machine_is_inconclusive);
	suite_add_tcase(s, t);
	t = tcase_create("missing");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, compare__without_baseline_is_inconclusive_with_current_values);
	tcase_add_test(t, compare__failed_benchmark_is_an_error);
	suite_add_tcase(s, t);
	t = tcase_create("tally");
	tcase_add_test(t, tally__exit_statuses_of_spec);
	tcase_add_test(t, tally__counts_and_overall_verdict);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
