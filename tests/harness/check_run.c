/*
 * Tests of harness/run.c: the table of a profile directory's files, the
 * allocator frames that peak sites look through, the sampler names, moving
 * memory measurements and lost profiles between two results, full names,
 * finding the collector ($PROFGATE_COLLECTOR, else next to the running
 * program; the CPU-only library beside it for runs without memory
 * tracking), and pg_run_profile()/pg_run_write_dir() with the real
 * collector on the target programs of tests/targets ($PG_TARGETS).
 */
#define _GNU_SOURCE
#include <check.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "afile.h"
#include "error.h"
#include "fixture.h"
#include "records.h"
#include "run.h"

#define N_MEM (1 << 20)  /* pg_mem_example's default N */

static void need_env(void)
{
	ck_assert_msg(getenv("PG_TARGETS") && getenv("PROFGATE_COLLECTOR"),
		      "PG_TARGETS and PROFGATE_COLLECTOR must be set (run through ctest)");
}

static void setup(void)
{
	need_env();
	fixture_tmpdir_make();
}

/* ---- the files of a profile directory ---- */

START_TEST(run_file__lists_the_six_files_in_order_and_ends_with_null)
{
	static const char *const names[] = { "cpu.folded", "wall.folded", "mem-peak.folded",
					     "mem-leaks.folded", "profile.json", "report.html" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct pg_run_file *f = pg_run_file(i);

		ck_assert_msg(f, "pg_run_file(%zu) is NULL", i);
		ck_assert_str_eq(f->name, names[i]);
		ck_assert_ptr_nonnull(f->what);
		ck_assert_uint_gt(strlen(f->what), 10);  /* a sentence for --help */
	}
	ck_assert_ptr_null(pg_run_file(i));
	ck_assert_ptr_null(pg_run_file(i + 1));
	ck_assert_ptr_null(pg_run_file(SIZE_MAX));
}
END_TEST

/* ---- allocator frames ---- */

START_TEST(is_allocator_frame__allocators_and_their_wrappers)
{
	static const char *const yes[] = {
		"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc",
		"memalign", "valloc", "pvalloc", "mmap", "mmap64", "mremap", "strdup", "strndup",
		"__strdup", "__libc_malloc", "__libc_calloc", "operator new", "operator new(unsigned long)",
		"operator new[]", "operator new[](unsigned long)",
		"operator new(unsigned long, std::align_val_t)", "malloc(size_t)",
		"PyMem_Malloc", "PyMem_RawRealloc", "_PyMem_RawStrdup", "PyObject_Malloc",
		"_PyObject_Malloc", "pymalloc_alloc", "_PyObject_GC_New", "_PyObject_GC_NewVar",
		"new_arena", "_PyObject_New", "PyType_GenericAlloc",
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		ck_assert_msg(pg_run_is_allocator_frame(yes[i]), "'%s' is not an allocator frame", yes[i]);
}
END_TEST

START_TEST(is_allocator_frame__not_ordinary_functions_that_share_a_prefix)
{
	static const char *const no[] = {
		"", "main", "build_table", "compute", "my_malloc", "xmalloc", "mallocx", "malloc_trim",
		"freeze", "free_list_push", "callocate", "reallocate_table", "mmap_file", "strdupa_like",
		"operator delete(void*)", "operator newline", "operator<<", "PyMem", "PyMemoryView_FromObject",
		"PyObject_MallocX", "new_arena_list", "pgt::Cruncher::crunch",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!pg_run_is_allocator_frame(no[i]), "'%s' is taken for an allocator frame", no[i]);
}
END_TEST

/* ---- sampler names ---- */

START_TEST(source_name__names_each_sampler_and_null_for_none)
{
	const int sources[] = { PG_SOURCE_PERF, PG_SOURCE_PERF_SIGIO, PG_SOURCE_CTIMER, PG_SOURCE_WALL };
	const char *const names[] = { "perf-task-clock", "perf-task-clock-sigio", "timer-thread-cputime",
				      "wall-clock" };

	for (size_t i = 0; i < 4; i++) {
		ck_assert_ptr_nonnull(pg_run_source_name(sources[i]));
		ck_assert_str_eq(pg_run_source_name(sources[i]), names[i]);
	}
	ck_assert_ptr_null(pg_run_source_name(0));
	ck_assert_ptr_null(pg_run_source_name(-1));
	ck_assert_ptr_null(pg_run_source_name(9999));
}
END_TEST

/* ---- moving measurements between results ---- */

static struct pg_profile *one_stack(const char *stack, uint64_t weight)
{
	struct pg_profile *p = NULL;

	ck_assert_int_eq(pg_profile_new(&p), 0);
	fixture_add(p, stack, PG_TID_ANY, weight);
	return p;
}

START_TEST(take_memory__moves_the_memory_and_keeps_the_cpu_profile)
{
	struct pg_run_result into = { 0 }, from = { 0 };

	into.cpu = one_stack("prog;work", 7);
	into.peak_rss_bytes = 1234;
	into.mem_peak = one_stack("prog;old", 1);  /* replaced: must be freed, not leaked */
	into.heap = calloc(1, sizeof *into.heap);
	into.nheap = 1;
	from.cpu = one_stack("prog;other", 3);
	from.peak_rss_bytes = 99;
	from.mem_tracked = 1;
	from.mem_sample = 4096;
	from.mem_peak = one_stack("prog;a;b", 4096);
	from.mem_leaks = one_stack("prog;leak", 100);
	from.peak_heap_bytes = 5000;
	from.alloc_count = 6;
	from.alloc_bytes = 7000;
	from.leaked_bytes = 100;
	from.peak_t_ns = 42;
	from.heap = calloc(3, sizeof *from.heap);
	from.heap[2].heap_bytes = 5000;
	from.nheap = 3;
	from.best_peak = 5000;
	struct pg_profile *peak = from.mem_peak, *leaks = from.mem_leaks, *cpu = into.cpu;
	struct pg_run_heap_point *heap = from.heap;

	pg_run_result_take_memory(&into, &from);
	ck_assert_ptr_eq(into.mem_peak, peak);
	ck_assert_ptr_eq(into.mem_leaks, leaks);
	ck_assert_ptr_eq(into.heap, heap);
	ck_assert_uint_eq(into.nheap, 3);
	ck_assert_int_eq(into.mem_tracked, 1);
	ck_assert_uint_eq(into.mem_sample, 4096);
	ck_assert_int_eq(into.peak_heap_bytes, 5000);
	ck_assert_int_eq(into.alloc_count, 6);
	ck_assert_int_eq(into.alloc_bytes, 7000);
	ck_assert_int_eq(into.leaked_bytes, 100);
	ck_assert_uint_eq(into.peak_t_ns, 42);
	ck_assert_uint_eq(into.best_peak, 5000);
	/* Its own CPU profile and RSS stay. */
	ck_assert_ptr_eq(into.cpu, cpu);
	ck_assert_int_eq(into.peak_rss_bytes, 1234);
	ck_assert_uint_eq(pg_profile_total(into.cpu), 7);
	/* from no longer owns what moved: releasing both frees each once. */
	ck_assert_ptr_null(from.mem_peak);
	ck_assert_ptr_null(from.mem_leaks);
	ck_assert_ptr_null(from.heap);
	ck_assert_uint_eq(from.nheap, 0);
	ck_assert_int_eq(from.mem_tracked, 0);
	ck_assert_ptr_nonnull(from.cpu);
	pg_run_result_release(&from);
	pg_run_result_release(&into);
	ck_assert_ptr_null(into.cpu);
}
END_TEST

START_TEST(take_lost__appends_in_order_and_empties_the_source)
{
	struct pg_run_result into = { 0 }, from = { 0 }, none = { 0 };

	into.lost_profiles = calloc(1, sizeof *into.lost_profiles);
	into.lost_profiles[0] = strdup("pid 1: killed before its first write");
	into.nlost_profiles = 1;
	from.lost_profiles = calloc(2, sizeof *from.lost_profiles);
	from.lost_profiles[0] = strdup("pid 2: cut short");
	from.lost_profiles[1] = strdup("pid 3: cut short");
	from.nlost_profiles = 2;

	ck_assert_int_eq(pg_run_result_take_lost(&into, &none), 0);
	ck_assert_uint_eq(into.nlost_profiles, 1);
	ck_assert_int_eq(pg_run_result_take_lost(&into, &from), 0);
	ck_assert_uint_eq(into.nlost_profiles, 3);
	ck_assert_str_eq(into.lost_profiles[0], "pid 1: killed before its first write");
	ck_assert_str_eq(into.lost_profiles[1], "pid 2: cut short");
	ck_assert_str_eq(into.lost_profiles[2], "pid 3: cut short");
	ck_assert_ptr_null(from.lost_profiles);
	ck_assert_uint_eq(from.nlost_profiles, 0);

	/* Into an empty result: the lines move as they are. */
	ck_assert_int_eq(pg_run_result_take_lost(&none, &into), 0);
	ck_assert_uint_eq(none.nlost_profiles, 3);
	ck_assert_str_eq(none.lost_profiles[2], "pid 3: cut short");
	ck_assert_uint_eq(into.nlost_profiles, 0);
	pg_run_result_release(&from);
	pg_run_result_release(&into);
	pg_run_result_release(&none);
}
END_TEST

/* ---- full names ---- */

START_TEST(full_name__looks_up_the_display_name)
{
	struct pg_run_result r = { 0 };
	pg_frame_id id;

	ck_assert_ptr_null(pg_run_full_name(&r, "f"));  /* none at all */
	ck_assert_int_eq(pg_profile_new(&r.full_keys), 0);
	r.nfull = 4;
	r.full_names = calloc(r.nfull, sizeof *r.full_names);
	ck_assert_int_eq(pg_profile_intern(&id, r.full_keys, "ns::f", 5), 0);
	r.full_names[id] = strdup("ns::f(int, char const*)");
	ck_assert_int_eq(pg_profile_intern(&id, r.full_keys, "g", 1), 0);  /* interned, no full name */

	ck_assert_str_eq(pg_run_full_name(&r, "ns::f"), "ns::f(int, char const*)");
	ck_assert_ptr_null(pg_run_full_name(&r, "g"));
	ck_assert_ptr_null(pg_run_full_name(&r, "ns::"));
	ck_assert_ptr_null(pg_run_full_name(&r, "ns::f(int, char const*)"));
	pg_run_result_release(&r);
}
END_TEST

/* ---- finding the collector ---- */

/* The CPU-only library that the build puts beside the full one. */
static char *cpu_sibling_of(const char *full)
{
	char *out = NULL;
	const char *slash = strrchr(full, '/');

	ck_assert_ptr_nonnull(slash);
	ck_assert_int_ge(asprintf(&out, "%.*s/libprofgate_collector_cpu.so", (int)(slash - full), full), 0);
	return out;
}

START_TEST(find_collector__takes_PROFGATE_COLLECTOR_resolved)
{
	char link[256], *out = NULL, *real = realpath(getenv("PROFGATE_COLLECTOR"), NULL);

	ck_assert_ptr_nonnull(real);
	snprintf(link, sizeof link, "%s/collector.so", fixture_tmpdir);
	ck_assert_int_eq(symlink(real, link), 0);
	setenv("PROFGATE_COLLECTOR", link, 1);
	ck_assert_msg(pg_run_find_collector(&out, 1) == 0, "%s", pg_error_last());
	ck_assert_str_eq(out, real);  /* the link resolved: the child's LD_PRELOAD is absolute */
	free(out);
	/* Without memory tracking: the CPU-only library from the folder of the
	 * file the variable names (the build's, after the link). */
	char *cpu = cpu_sibling_of(real);
	ck_assert_msg(access(cpu, R_OK) == 0, "the build has no %s", cpu);
	ck_assert_msg(pg_run_find_collector(&out, 0) == 0, "%s", pg_error_last());
	ck_assert_str_eq(out, cpu);
	free(out);
	free(cpu);
	free(real);
}
END_TEST

/* A full library with no CPU-only one beside it serves every run (its
 * tracker off when not asked for); one put beside it is taken for runs
 * without memory tracking. */
START_TEST(find_collector__the_full_library_alone_serves_both_kinds_of_run)
{
	char full[256], cpu[256], *out = NULL, *data = NULL;
	char *real = realpath(getenv("PROFGATE_COLLECTOR"), NULL);
	size_t len = 0;

	ck_assert_ptr_nonnull(real);
	snprintf(full, sizeof full, "%s/libprofgate_collector.so", fixture_tmpdir);
	snprintf(cpu, sizeof cpu, "%s/libprofgate_collector_cpu.so", fixture_tmpdir);
	ck_assert_msg(pg_read_file(&data, &len, real) == 0, "%s", pg_error_last());
	ck_assert_msg(pg_write_file_atomic(full, data, len) == 0, "%s", pg_error_last());
	free(data);
	setenv("PROFGATE_COLLECTOR", full, 1);
	ck_assert_msg(pg_run_find_collector(&out, 1) == 0, "%s", pg_error_last());
	ck_assert_str_eq(out, full);
	free(out);
	ck_assert_msg(pg_run_find_collector(&out, 0) == 0, "%s", pg_error_last());
	ck_assert_str_eq(out, full);
	free(out);

	char *build_cpu = cpu_sibling_of(real);
	ck_assert_int_eq(symlink(build_cpu, cpu), 0);
	ck_assert_msg(pg_run_find_collector(&out, 0) == 0, "%s", pg_error_last());
	ck_assert_str_eq(out, cpu);
	free(out);
	ck_assert_msg(pg_run_find_collector(&out, 1) == 0, "%s", pg_error_last());
	ck_assert_str_eq(out, full);
	free(out);
	free(build_cpu);
	free(real);
}
END_TEST

START_TEST(find_collector__PROFGATE_COLLECTOR_naming_the_cpu_library_is_refused_for_memory)
{
	char *out = NULL, *real = realpath(getenv("PROFGATE_COLLECTOR"), NULL);

	ck_assert_ptr_nonnull(real);
	char *cpu = cpu_sibling_of(real);
	setenv("PROFGATE_COLLECTOR", cpu, 1);
	ck_assert_msg(pg_run_find_collector(&out, 0) == 0, "%s", pg_error_last());
	ck_assert_str_eq(out, cpu);
	free(out);
	out = NULL;
	ck_assert_int_lt(pg_run_find_collector(&out, 1), 0);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(pg_error_last(), "PROFGATE_COLLECTOR") && strstr(pg_error_last(), cpu) &&
		      strstr(pg_error_last(), "libprofgate_collector.so"), "%s", pg_error_last());
	free(cpu);
	free(real);
}
END_TEST

START_TEST(find_collector__a_missing_PROFGATE_COLLECTOR_is_an_error_naming_it)
{
	char path[256], *out = NULL;

	snprintf(path, sizeof path, "%s/no-such-collector.so", fixture_tmpdir);
	setenv("PROFGATE_COLLECTOR", path, 1);
	ck_assert_int_lt(pg_run_find_collector(&out, 1), 0);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(pg_error_last(), "PROFGATE_COLLECTOR") && strstr(pg_error_last(), path),
		      "error does not name the variable and '%s': %s", path, pg_error_last());
}
END_TEST

/* Copies the running test program to dst (executable). */
static void copy_self(const char *dst)
{
	char *data = NULL;
	size_t len = 0;

	ck_assert_msg(pg_read_file(&data, &len, "/proc/self/exe") == 0, "%s", pg_error_last());
	ck_assert_msg(pg_write_file_atomic(dst, data, len) == 0, "%s", pg_error_last());
	ck_assert_int_eq(chmod(dst, 0755), 0);
	free(data);
}

/* Runs "prog --find-collector" (for a memory run; "--find-collector-cpu"
 * for a run without memory when cpu) with PROFGATE_COLLECTOR set to
 * env_value (NULL: unset); returns its output (the path found or the error)
 * and its exit status in *status. */
static char *find_collector_in(const char *prog, const char *env_value, int cpu, int *status)
{
	int fds[2];
	static char buf[4096];
	size_t n = 0;
	ssize_t got;

	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		if (env_value)
			setenv("PROFGATE_COLLECTOR", env_value, 1);
		else
			unsetenv("PROFGATE_COLLECTOR");
		execl(prog, prog, cpu ? "--find-collector-cpu" : "--find-collector", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (n < sizeof buf - 1 && (got = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, status, 0), pid);
	ck_assert(WIFEXITED(*status));
	*status = WEXITSTATUS(*status);
	return buf;
}

START_TEST(find_collector__next_to_the_program_without_PROFGATE_COLLECTOR)
{
	char bin[256], lib[256], prog[300], so[300], *real = realpath(getenv("PROFGATE_COLLECTOR"), NULL);
	int status;

	/* The layout of both trees: <dir>/bin/profgate, <dir>/lib/profgate/. */
	ck_assert_ptr_nonnull(real);
	snprintf(bin, sizeof bin, "%s/bin", fixture_tmpdir);
	snprintf(lib, sizeof lib, "%s/lib/profgate", fixture_tmpdir);
	snprintf(prog, sizeof prog, "%s/check_run", bin);
	snprintf(so, sizeof so, "%s/libprofgate_collector.so", lib);
	ck_assert_int_eq(pg_mkdirs(bin), 0);
	ck_assert_int_eq(pg_mkdirs(lib), 0);
	copy_self(prog);

	/* Not there yet: the installed one if it exists, else an error that
	 * says what to set. */
	char *got = find_collector_in(prog, NULL, 0, &status);
	if (access(PG_COLLECTOR_INSTALLED, R_OK) == 0) {
		ck_assert_int_eq(status, 0);
		ck_assert_str_eq(got, PG_COLLECTOR_INSTALLED "\n");
	} else {
		ck_assert_int_eq(status, 1);
		ck_assert_msg(strstr(got, "cannot find libprofgate_collector.so") &&
			      strstr(got, "set PROFGATE_COLLECTOR"), "%s", got);
	}

	/* Next to it: found (an empty PROFGATE_COLLECTOR counts as unset). */
	ck_assert_int_eq(symlink(real, so), 0);
	char want[PATH_MAX + 2];
	snprintf(want, sizeof want, "%s\n", real);
	got = find_collector_in(prog, NULL, 0, &status);
	ck_assert_msg(status == 0, "%s", got);
	ck_assert_str_eq(got, want);
	got = find_collector_in(prog, "", 0, &status);
	ck_assert_msg(status == 0, "%s", got);
	ck_assert_str_eq(got, want);
	/* A run without memory: the CPU-only library of the same folder (the
	 * build's: the link above is resolved first). */
	char *cpu = cpu_sibling_of(real);
	snprintf(want, sizeof want, "%s\n", cpu);
	got = find_collector_in(prog, NULL, 1, &status);
	ck_assert_msg(status == 0, "%s", got);
	ck_assert_str_eq(got, want);
	free(cpu);
	free(real);
}
END_TEST

/* ---- profiling the target programs ---- */

static char target_path[512];

static const char *target(const char *name)
{
	snprintf(target_path, sizeof target_path, "%s/%s", getenv("PG_TARGETS"), name);
	return target_path;
}

static struct pg_run_request request(char **argv, int cpu, int mem)
{
	static char work[300];
	struct pg_run_request req = { 0 };

	snprintf(work, sizeof work, "%s/work", fixture_tmpdir);
	while (argv[req.argc])
		req.argc++;
	req.argv = argv;
	req.hz = 999;
	req.cpu = cpu;
	req.mem = mem;
	req.follow = 1;
	req.timeout = 30;
	req.work_dir = work;
	req.discard_stdout = 1;
	return req;
}

static uint64_t weight_with(const struct pg_profile *p, const char *frame)
{
	uint64_t w = 0;

	for (size_t i = 0; i < pg_profile_stack_count(p); i++) {
		const struct pg_stack *s = pg_profile_stack(p, i);

		for (size_t k = 0; k < s->depth; k++)
			if (!strcmp(pg_profile_frame_name(p, s->frames[k]), frame)) {
				w += s->weight;
				break;
			}
	}
	return w;
}

/* The weight of the stacks whose last frame that is not inlined is leaf. */
static uint64_t weight_at_leaf(const struct pg_profile *p, const char *leaf)
{
	uint64_t w = 0;

	for (size_t i = 0; i < pg_profile_stack_count(p); i++) {
		const struct pg_stack *s = pg_profile_stack(p, i);
		size_t k = s->depth;

		while (k > 0 && strstr(pg_profile_frame_name(p, s->frames[k - 1]), " [inlined]"))
			k--;
		if (k > 0 && !strcmp(pg_profile_frame_name(p, s->frames[k - 1]), leaf))
			w += s->weight;
	}
	return w;
}

static cJSON *read_json(const char *dir, const char *name)
{
	char *text = fixture_read(fixture_path(dir, name));
	cJSON *j = cJSON_Parse(text);

	ck_assert_msg(j, "%s/%s does not parse", dir, name);
	free(text);
	return j;
}

/* Asserts that dir/name holds p in folded form, as it is. */
static void expect_folded_file(const char *dir, const char *name, const struct pg_profile *p)
{
	char *text = fixture_read(fixture_path(dir, name)), *want = fixture_folded_text(p);

	ck_assert_str_eq(text, want);
	free(text);
	free(want);
}

/* Asserts that dir holds the files named in want (sorted, space-separated)
 * and nothing else. */
static void expect_files(const char *dir, const char *want)
{
	char *names = fixture_listing(dir);

	ck_assert_str_eq(names, want);
	free(names);
}

/* Profiling req fails with r.status `status` and an error naming `named`. */
static void profile_fails(const struct pg_run_request *req, int status, const char *named)
{
	struct pg_run_result r;

	ck_assert_int_lt(pg_run_profile(&r, req), 0);
	ck_assert_int_eq(r.status, status);
	ck_assert_msg(strstr(pg_error_last(), named), "'%s' not in: %s", named, pg_error_last());
	pg_run_result_release(&r);
}

/* Profiles req into r, which must succeed. */
static void profile_ok(struct pg_run_result *r, const struct pg_run_request *req)
{
	ck_assert_msg(pg_run_profile(r, req) == 0, "%s", pg_error_last());
}

static double json_number(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	ck_assert_msg(cJSON_IsNumber(v), "%s%s%s is not a number", a, b ? "." : "", b ? b : "");
	return v->valuedouble;
}

START_TEST(profile__passes_the_exit_status_and_samples_the_work)
{
	char *argv[] = { (char *)target("pg_exit_code"), "3", NULL };
	struct pg_run_request req = request(argv, 1, 0);
	struct pg_run_result r;

	profile_ok(&r, &req);
	ck_assert_int_eq(r.status, 3);
	ck_assert_int_eq(r.mem_tracked, 0);
	ck_assert_ptr_null(r.mem_peak);
	ck_assert_int_eq(r.peak_heap_bytes, -1);
	ck_assert_ptr_null(r.wall);
	ck_assert(r.wall_seconds >= 0.04);
	ck_assert(r.cpu_seconds >= 0.04);
	ck_assert(r.peak_rss_bytes > 0);
	ck_assert_ptr_nonnull(pg_run_source_name(r.source));
	/* 50 ms at 999 Hz: about 50 samples, all in the one process. */
	ck_assert_uint_gt(r.samples, 10);
	/* Every on-CPU stack is in the profile; a stack weighs more than one
	 * sample when it stands for a timer overrun or for several periods of
	 * kernel time (its [kernel] twin), as a loaded machine makes happen. */
	ck_assert_uint_ge(pg_profile_total(r.cpu), r.cpu_samples);
	ck_assert_uint_le(pg_profile_total(r.cpu), 2 * r.cpu_samples);
	ck_assert_msg(weight_with(r.cpu, "exit_code_work") * 2 > pg_profile_total(r.cpu),
		      "exit_code_work has %llu of %llu samples",
		      (unsigned long long)weight_with(r.cpu, "exit_code_work"),
		      (unsigned long long)pg_profile_total(r.cpu));
	ck_assert_uint_eq(r.nprocs, 1);
	ck_assert(r.procs[0].exit_known);
	ck_assert_int_eq(r.procs[0].exit_code, 3);
	ck_assert_int_eq(r.procs[0].argc, 2);
	ck_assert_str_eq(r.procs[0].argv[1], "3");
	ck_assert_uint_eq(r.nroots, 1);
	ck_assert_str_eq(pg_profile_frame_name(r.cpu, r.roots[0]), "pg_exit_code");
	ck_assert_uint_ge(r.nthreads, 1);
	ck_assert_uint_gt(r.ntimeline, 0);
	ck_assert_uint_eq(r.nlost_profiles, 0);
	/* The raw records are gone from the work folder. */
	char *left = fixture_listing(req.work_dir);
	ck_assert_msg(!*left, "left in the work folder: %s", left);
	free(left);
	pg_run_result_release(&r);
}
END_TEST

START_TEST(profile__a_crash_is_128_plus_the_signal_with_its_profile)
{
	char *argv[] = { (char *)target("pg_crasher"), NULL };
	struct pg_run_request req = request(argv, 1, 0);
	struct pg_run_result r;

	profile_ok(&r, &req);
	ck_assert_int_eq(r.status, 128 + SIGSEGV);
	ck_assert_uint_gt(weight_with(r.cpu, "crash_work"), 50);  /* 0.3 s of it */
	pg_run_result_release(&r);
}
END_TEST

START_TEST(profile__a_missing_or_unrunnable_program_is_127_or_126)
{
	char missing[300], plain[300];
	char *argv_missing[] = { missing, NULL }, *argv_plain[] = { plain, NULL };
	char *argv_name[] = { "pg-no-such-program-anywhere", NULL };

	snprintf(missing, sizeof missing, "%s/no-such-program", fixture_tmpdir);
	snprintf(plain, sizeof plain, "%s/not-executable", fixture_tmpdir);
	ck_assert_int_eq(pg_write_file_atomic(plain, "#!/bin/sh\n", 10), 0);
	ck_assert_int_eq(chmod(plain, 0644), 0);

	struct pg_run_request req = request(argv_missing, 1, 0);
	profile_fails(&req, PG_EXIT_NOT_FOUND, missing);

	req = request(argv_name, 1, 0);
	profile_fails(&req, PG_EXIT_NOT_FOUND, "pg-no-such-program-anywhere");

	req = request(argv_plain, 1, 0);
	profile_fails(&req, PG_EXIT_CANNOT_EXEC, plain);
}
END_TEST

START_TEST(profile__a_missing_folder_to_run_in_is_an_error_naming_it)
{
	char *argv[] = { (char *)target("pg_exit_code"), "0", NULL };
	struct pg_run_request req = request(argv, 1, 0);
	char cwd[300];

	snprintf(cwd, sizeof cwd, "%s/no-such-folder", fixture_tmpdir);
	req.cwd = cwd;
	profile_fails(&req, PG_EXIT_PROFGATE_FAILED, cwd);
}
END_TEST

START_TEST(profile__tracks_the_heap_exactly)
{
	char *argv[] = { (char *)target("pg_mem_example"), NULL };
	struct pg_run_request req = request(argv, 0, 1);
	struct pg_run_result r;

	profile_ok(&r, &req);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(r.mem_tracked, "memory not tracked: %s", r.mem_note ? r.mem_note : "(no note)");
	ck_assert_uint_eq(r.mem_sample, 0);
	/* pg_mem_example's own: 4.5 N live at the peak, 5.5 N in 5 calls, no leak. */
	ck_assert_int_eq(r.peak_heap_bytes, 4 * N_MEM + N_MEM / 2);
	ck_assert_int_eq(r.alloc_bytes, 5 * N_MEM + N_MEM / 2);
	ck_assert_int_eq(r.alloc_count, 5);
	ck_assert_int_eq(r.leaked_bytes, 0);
	ck_assert_uint_eq(pg_profile_total(r.mem_peak), 4 * N_MEM + N_MEM / 2);
	ck_assert_uint_eq(weight_at_leaf(r.mem_peak, "g"), 2 * N_MEM);
	ck_assert_uint_eq(weight_at_leaf(r.mem_peak, "d"), N_MEM / 2);
	ck_assert_uint_eq(weight_with(r.mem_peak, "missing"), 0);  /* freed before the peak */
	ck_assert_uint_eq(pg_profile_total(r.mem_leaks), 0);
	ck_assert_uint_gt(r.nheap, 0);
	ck_assert_uint_eq(r.best_peak, (uint64_t)r.peak_heap_bytes);
	uint64_t highest = 0;
	for (size_t i = 0; i < r.nheap; i++)
		if (r.heap[i].heap_bytes > highest)
			highest = r.heap[i].heap_bytes;
	ck_assert_uint_le(highest, (uint64_t)r.peak_heap_bytes);
	pg_run_result_release(&r);
}
END_TEST

/* pg_malloc_where under one kind of run: the line it appended (where the
 * allocator functions resolve, which collector is mapped). */
static char *malloc_where(int cpu, int wall, int mem, int *tracked)
{
	static char line[4096];
	char out[300], *text = NULL;
	size_t len = 0;

	snprintf(out, sizeof out, "%s/where", fixture_tmpdir);
	unlink(out);
	char *argv[] = { (char *)target("pg_malloc_where"), out, NULL };
	struct pg_run_request req = request(argv, cpu, mem);
	struct pg_run_result r;

	req.wall = wall;
	ck_assert_msg(pg_run_profile(&r, &req) == 0, "%s", pg_error_last());
	ck_assert_int_eq(r.status, 0);
	*tracked = r.mem_tracked;
	pg_run_result_release(&r);
	ck_assert_msg(pg_read_file(&text, &len, out) == 0, "%s", pg_error_last());
	snprintf(line, sizeof line, "%.*s", (int)len, text);
	free(text);
	return line;
}

/* A run without memory tracking preloads the CPU-only collector: malloc
 * and the rest resolve to libc, as without profgate. A memory run still
 * preloads the full one, whose wrappers the calls reach. */
START_TEST(profile__only_a_memory_run_interposes_the_allocator)
{
	static const char *const libc_side = "malloc=libc.so.6 free=libc.so.6 calloc=libc.so.6 "
		"realloc=libc.so.6 posix_memalign=libc.so.6 aligned_alloc=libc.so.6 mmap=libc.so.6 "
		"munmap=libc.so.6 loaded=libprofgate_collector_cpu.so\n";
	static const char *const wrapped = "malloc=libprofgate_collector.so free=libprofgate_collector.so "
		"calloc=libprofgate_collector.so realloc=libprofgate_collector.so "
		"posix_memalign=libprofgate_collector.so aligned_alloc=libprofgate_collector.so "
		"mmap=libprofgate_collector.so munmap=libprofgate_collector.so "
		"loaded=libprofgate_collector.so\n";
	int tracked;

	ck_assert_str_eq(malloc_where(1, 0, 0, &tracked), libc_side);  /* CPU (--no-mem, check's runs) */
	ck_assert_int_eq(tracked, 0);
	ck_assert_str_eq(malloc_where(1, 1, 0, &tracked), libc_side);  /* wall */
	ck_assert_int_eq(tracked, 0);
	ck_assert_str_eq(malloc_where(0, 0, 1, &tracked), wrapped);    /* the memory run */
	ck_assert_int_eq(tracked, 1);
	ck_assert_str_eq(malloc_where(1, 0, 1, &tracked), wrapped);    /* --once */
	ck_assert_int_eq(tracked, 1);
}
END_TEST

START_TEST(profile__names_cxx_functions_in_full)
{
	char *argv[] = { (char *)target("pg_cxx"), NULL };
	struct pg_run_request req = request(argv, 1, 0);
	struct pg_run_result r;

	profile_ok(&r, &req);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_gt(weight_with(r.cpu, "pgt::Cruncher::crunch"), 0);
	ck_assert_ptr_nonnull(pg_run_full_name(&r, "pgt::Cruncher::crunch"));
	ck_assert_str_eq(pg_run_full_name(&r, "pgt::Cruncher::crunch"), "pgt::Cruncher::crunch(int)");
	ck_assert_ptr_null(pg_run_full_name(&r, "main"));  /* no longer name than its display */
	pg_run_result_release(&r);
}
END_TEST

/* ---- the profile directory ---- */

START_TEST(write_dir__a_cpu_run_writes_its_three_files_and_nothing_else)
{
	char *argv[] = { (char *)target("pg_exit_code"), "5", NULL };
	struct pg_run_request req = request(argv, 1, 0);
	struct pg_run_result r;
	char dir[300];

	snprintf(dir, sizeof dir, "%s/out/profile", fixture_tmpdir);
	profile_ok(&r, &req);
	ck_assert_msg(pg_run_write_dir(&r, &req, dir) == 0, "%s", pg_error_last());
	expect_files(dir, "cpu.folded profile.json report.html");  /* no temporary left */

	cJSON *j = read_json(dir, "profile.json");
	ck_assert_int_eq((int)json_number(j, "exit", "code"), 5);
	ck_assert_uint_eq((uint64_t)json_number(j, "cpu", "samples"), r.samples);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "memory"), "tracked")));
	const cJSON *hot = cJSON_GetObjectItemCaseSensitive(j, "hot_functions"), *h;
	int seen = 0;
	cJSON_ArrayForEach(h, hot) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "name"));
		ck_assert_ptr_nonnull(name);
		ck_assert_str_ne(name, "pg_exit_code");  /* the root is no function */
		seen |= !strcmp(name, "exit_code_work");
	}
	ck_assert_msg(seen, "exit_code_work is not a hot function");
	cJSON_Delete(j);

	/* cpu.folded holds the CPU profile as it is. */
	expect_folded_file(dir, "cpu.folded", r.cpu);
	pg_run_result_release(&r);
}
END_TEST

START_TEST(write_dir__a_memory_run_adds_the_memory_files)
{
	char *argv[] = { (char *)target("pg_mem_example"), NULL };
	struct pg_run_request req = request(argv, 1, 1);
	struct pg_run_result r;
	char dir[300];

	snprintf(dir, sizeof dir, "%s/profile", fixture_tmpdir);
	profile_ok(&r, &req);
	ck_assert(r.mem_tracked);
	ck_assert_msg(pg_run_write_dir(&r, &req, dir) == 0, "%s", pg_error_last());
	expect_files(dir, "cpu.folded mem-leaks.folded mem-peak.folded profile.json report.html");

	cJSON *j = read_json(dir, "profile.json");
	ck_assert_int_eq((int)json_number(j, "exit", "code"), 0);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "memory"), "tracked")));
	ck_assert_int_eq((int64_t)json_number(j, "memory", "peak_heap_bytes"), r.peak_heap_bytes);
	ck_assert_int_eq((int64_t)json_number(j, "memory", "alloc_count"), 5);
	/* Peak sites name the allocating functions, not malloc. */
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(j, "peak_sites");
	ck_assert_int_eq(cJSON_GetArraySize(sites), 4);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(sites, 0), "name")), "g");
	ck_assert_int_eq((int64_t)json_number(cJSON_GetArrayItem(sites, 0), "bytes", NULL), 2 * N_MEM);
	cJSON_Delete(j);

	expect_folded_file(dir, "mem-peak.folded", r.mem_peak);
	expect_folded_file(dir, "mem-leaks.folded", r.mem_leaks);
	pg_run_result_release(&r);
}
END_TEST

START_TEST(write_dir__wall_mode_adds_wall_folded_and_replaces_old_files)
{
	char *argv[] = { (char *)target("pg_exit_code"), "0", NULL };
	struct pg_run_request req = request(argv, 1, 0);
	struct pg_run_result r;
	char dir[300], old[400];

	req.wall = 1;
	snprintf(dir, sizeof dir, "%s/profile", fixture_tmpdir);
	snprintf(old, sizeof old, "%s/profile.json", dir);
	ck_assert_int_eq(pg_write_file_atomic(old, "stale", 5), 0);
	profile_ok(&r, &req);
	ck_assert_ptr_nonnull(r.wall);
	ck_assert_str_eq(pg_run_source_name(r.source), "wall-clock");
	ck_assert_msg(pg_run_write_dir(&r, &req, dir) == 0, "%s", pg_error_last());
	expect_files(dir, "cpu.folded profile.json report.html wall.folded");
	expect_folded_file(dir, "wall.folded", r.wall);
	cJSON *j = read_json(dir, "profile.json");  /* the new one */
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "cpu"), "mode")), "wall");
	cJSON_Delete(j);
	pg_run_result_release(&r);
}
END_TEST

START_TEST(write_dir__a_file_in_the_way_is_an_error)
{
	struct pg_run_result r = { 0 };
	char *argv[] = { "prog", NULL };
	struct pg_run_request req = request(argv, 1, 0);
	char file[300], dir[400];

	snprintf(file, sizeof file, "%s/file", fixture_tmpdir);
	snprintf(dir, sizeof dir, "%s/profile", file);
	ck_assert_int_eq(pg_write_file_atomic(file, "x", 1), 0);
	ck_assert_int_eq(pg_profile_new(&r.cpu), 0);
	ck_assert_int_lt(pg_run_write_dir(&r, &req, dir), 0);
	ck_assert_msg(strstr(pg_error_last(), file), "%s", pg_error_last());
	pg_run_result_release(&r);
}
END_TEST

static Suite *run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *t = tcase_create("tables");

	tcase_add_test(t, run_file__lists_the_six_files_in_order_and_ends_with_null);
	tcase_add_test(t, is_allocator_frame__allocators_and_their_wrappers);
	tcase_add_test(t, is_allocator_frame__not_ordinary_functions_that_share_a_prefix);
	tcase_add_test(t, source_name__names_each_sampler_and_null_for_none);
	tcase_add_test(t, take_memory__moves_the_memory_and_keeps_the_cpu_profile);
	tcase_add_test(t, take_lost__appends_in_order_and_empties_the_source);
	tcase_add_test(t, full_name__looks_up_the_display_name);
	suite_add_tcase(s, t);

	t = tcase_create("collector");
	tcase_add_checked_fixture(t, setup, fixture_tmpdir_remove);
	tcase_add_test(t, find_collector__takes_PROFGATE_COLLECTOR_resolved);
	tcase_add_test(t, find_collector__a_missing_PROFGATE_COLLECTOR_is_an_error_naming_it);
	tcase_add_test(t, find_collector__the_full_library_alone_serves_both_kinds_of_run);
	tcase_add_test(t, find_collector__PROFGATE_COLLECTOR_naming_the_cpu_library_is_refused_for_memory);
	tcase_add_test(t, find_collector__next_to_the_program_without_PROFGATE_COLLECTOR);
	suite_add_tcase(s, t);

	t = tcase_create("profile");
	tcase_add_checked_fixture(t, setup, fixture_tmpdir_remove);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, profile__passes_the_exit_status_and_samples_the_work);
	tcase_add_test(t, profile__a_crash_is_128_plus_the_signal_with_its_profile);
	tcase_add_test(t, profile__a_missing_or_unrunnable_program_is_127_or_126);
	tcase_add_test(t, profile__a_missing_folder_to_run_in_is_an_error_naming_it);
	tcase_add_test(t, profile__tracks_the_heap_exactly);
	tcase_add_test(t, profile__only_a_memory_run_interposes_the_allocator);
	tcase_add_test(t, profile__names_cxx_functions_in_full);
	tcase_add_test(t, write_dir__a_cpu_run_writes_its_three_files_and_nothing_else);
	tcase_add_test(t, write_dir__a_memory_run_adds_the_memory_files);
	tcase_add_test(t, write_dir__wall_mode_adds_wall_folded_and_replaces_old_files);
	tcase_add_test(t, write_dir__a_file_in_the_way_is_an_error);
	suite_add_tcase(s, t);
	return s;
}

int main(int argc, char **argv)
{
	/* The copy made by find_collector__next_to_the_program_...: report
	 * what pg_run_find_collector() finds from where this program is. */
	if (argc == 2 && (!strcmp(argv[1], "--find-collector") || !strcmp(argv[1], "--find-collector-cpu"))) {
		char *out = NULL;

		if (pg_run_find_collector(&out, strcmp(argv[1], "--find-collector-cpu") != 0) < 0) {
			printf("%s\n", pg_error_last());
			return 1;
		}
		printf("%s\n", out);
		free(out);
		return 0;
	}
	return fixture_run(run_suite());
}
