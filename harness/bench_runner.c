/*
 * The benchmark runner: one configured benchmark, run as docs/commands.md says (timing
 * and memory in separate runs), turned into a benchmark of the baseline
 * model. Every run goes through pg_run_profile(); this file only decides
 * which runs to make, keeps their numbers, merges their profiles and tells
 * the terminal how far it got.
 *
 * Warm-up runs are made with neither the sampler nor the tracker: they only
 * warm caches, and a run with nothing recorded costs no symbolizing, which
 * keeps profgate's own share of a `record` small.
 */
#define _GNU_SOURCE
#include "bench_runner.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "error.h"
#include "frame_name.h"
#include "pynames.h"
#include "run.h"

void pg_bench_outcome_release(struct pg_bench_outcome *o)
{
	free(o->failure);
	free(o->stderr_tail);
	memset(o, 0, sizeof *o);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum phase { WARMUP, TIMING, MEMORY };

static const char *phase_name(enum phase p)
{
	return p == WARMUP ? "warmup" : p == TIMING ? "run" : "mem";
}

static void progress_line(const struct pg_bench_progress *pr, const char *name, enum phase ph,
			  unsigned i, unsigned n, double seconds, int done)
{
	if (!pr || !pr->out)
		return;
	if (pr->tty) {
		fprintf(pr->out, "\r\033[K[%zu/%zu] %s  %s %u/%u", pr->index, pr->count, name,
			phase_name(ph), i, n);
		if (done)
			fprintf(pr->out, "  %.2f s", seconds);
		else
			fputs("  ...", pr->out);
	} else if (done) {
		fprintf(pr->out, "[%zu/%zu] %s  %s %u/%u  %.2f s\n", pr->index, pr->count, name,
			phase_name(ph), i, n, seconds);
	}
	fflush(pr->out);
}

/* Why a run that ended counts as a failure; NULL if it passed. */
static char *run_failure(const struct pg_run_result *r, const struct pg_bench_config *cfg)
{
	char *s = NULL;
	int st = r->launch.status;

	if (r->launch.timed_out) {
		if (asprintf(&s, "timed out after %g s (timeout)", cfg->timeout) < 0)
			s = NULL;
	} else if (WIFSIGNALED(st)) {
		if (asprintf(&s, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st))) < 0)
			s = NULL;
	} else if (WEXITSTATUS(st) != 0) {
		if (asprintf(&s, "exited with status %d", WEXITSTATUS(st)) < 0)
			s = NULL;
	} else if (r->nlost_profiles > 0) {
		/* A measurement without a process's share is not a measurement. */
		if (asprintf(&s, "the profile of %zu process%s was lost: %s", r->nlost_profiles,
			     r->nlost_profiles == 1 ? "" : "es", r->lost_profiles[0]) < 0)
			s = NULL;
	} else {
		return NULL;
	}
	return s ? s : strdup("failed");
}

/* A profile by function: Python lines merged (pynames.h), then GCC clone
 * suffixes folded into their function (frame_name.h: f.part.0 is f). */
static int function_view(struct pg_profile **out, const struct pg_profile *frames)
{
	struct pg_profile *py = NULL;
	int rc;

	*out = NULL;
	if ((rc = pg_pyname_function_view(&py, frames)) < 0)
		return rc;
	rc = pg_profile_by_identity(out, py, PG_INLINED_KEEP);
	pg_profile_free(py);
	return rc;
}

/* Fills bench->hot from the merged CPU profile, and each run's share of
 * those functions from the run's own profile; functions as function_view()
 * names them. */
static int hot_functions(struct pg_baseline_bench *bench, struct pg_profile *merged_frames,
			 struct pg_profile *const *runs, size_t nruns)
{
	struct pg_profile *merged = NULL, *run = NULL;
	struct pg_hot_function *hot = NULL, *rh = NULL;
	unsigned char *is_root = NULL;
	size_t nhot = 0, nrh = 0;
	uint64_t total = pg_profile_total(merged_frames);
	int rc;

	if (total == 0)
		return 0;
	if ((rc = function_view(&merged, merged_frames)) < 0)
		return rc;
	if ((rc = pg_profile_hot_functions(&hot, &nhot, merged)) < 0)
		goto done;
	/* Frames at depth 0 name the programs, not functions. */
	is_root = calloc(pg_profile_frame_count(merged) + 1, 1);
	bench->hot = calloc(PG_BENCH_HOT_FUNCTIONS, sizeof *bench->hot);
	if (!bench->hot || !is_root) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t k = 0; k < pg_profile_stack_count(merged); k++)
		is_root[pg_profile_stack(merged, k)->frames[0]] = 1;
	for (size_t i = 0; i < nhot && bench->nhot < PG_BENCH_HOT_FUNCTIONS; i++) {
		struct pg_baseline_function *f = &bench->hot[bench->nhot];

		if (is_root[hot[i].frame])
			continue;
		if (!(f->name = strdup(pg_profile_frame_name(merged, hot[i].frame)))) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		f->self = (double)hot[i].self / (double)total;
		f->total = (double)hot[i].total / (double)total;
		bench->nhot++;
	}
	for (size_t r = 0; r < nruns && r < bench->nruns; r++) {
		uint64_t rt;

		if (!runs[r] || (rt = pg_profile_total(runs[r])) == 0)
			continue;
		free(rh);
		rh = NULL;
		pg_profile_free(run);
		run = NULL;
		if ((rc = function_view(&run, runs[r])) < 0 || (rc = pg_profile_hot_functions(&rh, &nrh, run)) < 0)
			goto done;
		bench->runs[r].functions = calloc(bench->nhot ? bench->nhot : 1, sizeof(double));
		if (!bench->runs[r].functions) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		for (size_t k = 0; k < bench->nhot; k++)
			for (size_t j = 0; j < nrh; j++)
				if (!strcmp(pg_profile_frame_name(run, rh[j].frame), bench->hot[k].name)) {
					bench->runs[r].functions[k] = (double)rh[j].total / (double)rt;
					break;
				}
	}
	rc = 0;
done:
	pg_profile_free(merged);
	pg_profile_free(run);
	free(hot);
	free(rh);
	free(is_root);
	return rc;
}

/* What one run measured of each metric (enum pg_metric) that runs
 * measure; the rest stay NaN. tracked: the allocation tracker measured
 * this run (a memory run); numbers it did not measure are left NaN
 * (stored as null), never zeros. */
static void measured(double *values, const struct pg_run_result *r, int tracked)
{
	values[PG_METRIC_WALL] = r->wall_seconds;
	values[PG_METRIC_CPU] = r->cpu_seconds;
	values[PG_METRIC_SYS_CPU] = r->sys_cpu_seconds;
	if (r->peak_rss_bytes >= 0)
		values[PG_METRIC_PEAK_RSS] = (double)r->peak_rss_bytes;
	if (tracked) {
		values[PG_METRIC_PEAK_HEAP] = (double)r->peak_heap_bytes;
		values[PG_METRIC_ALLOC_COUNT] = (double)r->alloc_count;
		values[PG_METRIC_ALLOC_BYTES] = (double)r->alloc_bytes;
		values[PG_METRIC_LEAKED_BYTES] = (double)r->leaked_bytes;
	}
}

struct pg_bench_session {
	struct pg_baseline_bench *out;
	struct pg_bench_outcome *outcome;
	const struct pg_bench_config *cfg;
	const char *work_dir;
	const struct pg_bench_progress *progress;
	unsigned ntiming, nmem;         /* runs planned, for the progress lines */
	struct pg_profile **cpu, **mem;  /* per run; mem only for tracked runs */
	size_t nmem_profiles;
	double start;
};

int pg_bench_session_start(struct pg_bench_session **sp, struct pg_baseline_bench *out,
			   struct pg_bench_outcome *outcome, const struct pg_bench_config *cfg,
			   const char *work_dir, const struct pg_bench_progress *progress, unsigned ntiming,
			   unsigned nmem)
{
	struct pg_bench_session *s = calloc(1, sizeof *s);

	*sp = s;
	memset(outcome, 0, sizeof *outcome);
	if (!s)
		return pg_error_set("out of memory");
	*s = (struct pg_bench_session){ .out = out, .outcome = outcome, .cfg = cfg, .work_dir = work_dir,
					.progress = progress, .ntiming = ntiming, .nmem = nmem, .start = now() };
	out->hz = cfg->hz;
	out->repeat = ntiming;
	out->mem_repeat = nmem;
	out->warmup = cfg->warmup;
	out->mem_sample = cfg->mem_sample;
	out->command = calloc((size_t)cfg->nrun + 1, sizeof *out->command);
	out->warmup_wall = calloc(cfg->warmup + 1, sizeof *out->warmup_wall);
	out->runs = calloc(ntiming + 1, sizeof *out->runs);
	out->mem_runs = calloc(nmem + 1, sizeof *out->mem_runs);
	s->cpu = calloc(ntiming + 1, sizeof *s->cpu);
	s->mem = calloc(nmem + 1, sizeof *s->mem);
	if (!out->command || !out->warmup_wall || !out->runs || !out->mem_runs || !s->cpu || !s->mem)
		return pg_error_set("out of memory");
	for (int i = 0; i < cfg->nrun; i++) {
		if (!(out->command[i] = strdup(cfg->run[i])))
			return pg_error_set("out of memory");
		out->ncommand++;
	}
	return 0;
}

static int session_step(struct pg_bench_session *s, enum phase ph)
{
	const struct pg_bench_config *cfg = s->cfg;
	struct pg_baseline_bench *out = s->out;
	struct pg_bench_outcome *outcome = s->outcome;
	const struct pg_bench_progress *progress = s->progress;
	unsigned i = ph == WARMUP ? (unsigned)out->nwarmup : ph == TIMING ? (unsigned)out->nruns :
								       (unsigned)out->nmem_runs;
	unsigned n = ph == WARMUP ? cfg->warmup : ph == TIMING ? s->ntiming : s->nmem;
	struct pg_run_request req = {
		.argv = cfg->run, .argc = cfg->nrun, .cwd = cfg->cwd,
		.env_add = cfg->env, .nenv_add = cfg->nenv, .hz = cfg->hz,
		.cpu = ph == TIMING, .mem = ph == MEMORY, .mem_sample = cfg->mem_sample,
		.timeout = cfg->timeout, .follow = 1, .work_dir = s->work_dir,
		.stderr_tail = PG_BENCH_STDERR_TAIL,
		.discard_stdout = 1,
	};
	struct pg_run_result r;
	char *why = NULL;

	if (!outcome->ok && outcome->failure)
		return 0;  /* it failed already: no more runs */
	if (i >= n)
		return pg_error_set("benchmark '%s': more %s runs than planned (%u)", cfg->name, phase_name(ph), n);
	progress_line(progress, cfg->name, ph, i + 1, n, 0, 0);
	if (pg_run_profile(&r, &req) < 0) {
		why = strdup(pg_error_last());
	} else {
		outcome->runs_wall += r.wall_seconds;
		why = run_failure(&r, cfg);
	}
	if (why) {
		char *msg = NULL;

		if (asprintf(&msg, "%s %u/%u %s", phase_name(ph), i + 1, n, why) < 0)
			msg = NULL;
		free(why);
		outcome->failure = msg ? msg : strdup("failed");
		if (r.stderr_tail && r.stderr_tail[0])
			outcome->stderr_tail = strdup(r.stderr_tail);
		pg_run_result_release(&r);
		if (progress && progress->out && progress->tty)
			fputs("\r\033[K", progress->out);
		return 0;  /* outcome->ok stays 0 */
	}
	progress_line(progress, cfg->name, ph, i + 1, n, r.wall_seconds, 1);
	if (ph == WARMUP) {
		out->warmup_wall[out->nwarmup++] = r.wall_seconds;
	} else if (ph == TIMING) {
		struct pg_baseline_run *run = &out->runs[out->nruns];

		pg_baseline_run_init(run);
		measured(run->values, &r, 0);
		/* The run's share of the merged CPU profile, in its unit: a sample
		 * weighs its overruns, a [kernel] leaf the periods it stands for. */
		run->samples = r.cpu ? pg_profile_total(r.cpu) : r.cpu_samples;
		s->cpu[out->nruns++] = r.cpu;
		r.cpu = NULL;
	} else {
		struct pg_baseline_mem_run *mr = &out->mem_runs[out->nmem_runs++];
		int tracked = r.mem_tracked && r.mem_peak;

		pg_baseline_mem_run_init(mr);
		mr->wall_seconds = r.wall_seconds;
		measured(mr->values, &r, tracked);
		if (tracked) {
			s->mem[s->nmem_profiles++] = r.mem_peak;
			r.mem_peak = NULL;
		}
	}
	pg_run_result_release(&r);
	if (progress && progress->out && progress->tty)
		fputs("\r\033[K", progress->out);
	return 0;
}

int pg_bench_session_run(struct pg_bench_session *s, int memory)
{
	return session_step(s, memory ? MEMORY : TIMING);
}

int pg_bench_session_failed(const struct pg_bench_session *s)
{
	return s->outcome->failure != NULL;
}

struct pg_profile *pg_bench_session_cpu_profile(const struct pg_bench_session *s, size_t i)
{
	return i < s->out->nruns ? s->cpu[i] : NULL;
}

int pg_bench_session_finish(struct pg_bench_session *s)
{
	struct pg_baseline_bench *out;
	struct pg_profile *merged = NULL;
	int rc = 0;

	if (!s)
		return 0;
	out = s->out;
	if (s->outcome->failure || !s->cpu || !s->mem)
		goto done;
	if (out->nruns > 0) {
		if ((rc = pg_baseline_merge_profiles(&merged, s->cpu, out->nruns, 0)) < 0 ||
		    (rc = hot_functions(out, merged, s->cpu, out->nruns)) < 0)
			goto done;
		rc = pg_baseline_bench_set_profile(out, PG_BASELINE_CPU, merged, (unsigned)out->nruns,
						   PG_BASELINE_PRUNE_DEFAULT);
		merged = NULL;
		if (rc < 0)
			goto done;
	}
	if (s->nmem_profiles > 0) {
		if ((rc = pg_baseline_merge_profiles(&merged, s->mem, s->nmem_profiles, 1)) < 0)
			goto done;
		rc = pg_baseline_bench_set_profile(out, PG_BASELINE_MEM_PEAK, merged,
						   (unsigned)s->nmem_profiles, PG_BASELINE_PRUNE_DEFAULT);
		merged = NULL;
		if (rc < 0)
			goto done;
	}
	/* A session may have been given room for more sampled runs than it
	 * made (interleaved mode adds them only to explain a regression). */
	out->repeat = (unsigned)out->nruns;
	s->outcome->ok = 1;
done:
	s->outcome->elapsed = now() - s->start;
	pg_bench_session_free(s);
	pg_profile_free(merged);
	return rc;
}

void pg_bench_session_free(struct pg_bench_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->cpu && i < s->out->nruns; i++)
		pg_profile_free(s->cpu[i]);
	for (size_t i = 0; s->mem && i < s->nmem_profiles; i++)
		pg_profile_free(s->mem[i]);
	free(s->cpu);
	free(s->mem);
	free(s);
}

int pg_bench_run(struct pg_baseline_bench *out, struct pg_bench_outcome *outcome,
		 const struct pg_bench_config *cfg, const char *work_dir,
		 const struct pg_bench_progress *progress)
{
	struct pg_bench_session *s = NULL;
	int rc;

	if ((rc = pg_bench_session_start(&s, out, outcome, cfg, work_dir, progress, cfg->repeat,
					 cfg->mem_repeat)) < 0) {
		pg_bench_session_free(s);  /* NULL when even the session could not be allocated */
		return rc;
	}
	for (unsigned i = 0; rc == 0 && !outcome->failure && i < cfg->warmup; i++)
		rc = session_step(s, WARMUP);
	for (unsigned i = 0; rc == 0 && !outcome->failure && i < cfg->repeat; i++)
		rc = session_step(s, TIMING);
	for (unsigned i = 0; rc == 0 && !outcome->failure && i < cfg->mem_repeat; i++)
		rc = session_step(s, MEMORY);
	if (rc < 0) {
		outcome->elapsed = now() - s->start;
		pg_bench_session_free(s);
		return rc;
	}
	return pg_bench_session_finish(s);
}

void pg_bench_print_stderr_tail(const char *cmd, const char *name, const char *tail)
{
	const char *start = tail;
	size_t len = tail ? strlen(tail) : 0;
	int lines = 0;

	while (len > 0 && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
		len--;
	if (len == 0)
		return;
	for (size_t i = len; i-- > 0;) {
		if (tail[i] == '\n' && ++lines == 10) {
			start = tail + i + 1;
			break;
		}
	}
	fprintf(stderr, "profgate %s: '%s' wrote to stderr (last lines):\n", cmd, name);
	while (start < tail + len) {
		const char *nl = memchr(start, '\n', (size_t)(tail + len - start));
		size_t n = nl ? (size_t)(nl - start) : (size_t)(tail + len - start);

		fprintf(stderr, "  | %.*s\n", (int)n, start);
		start += n + 1;
	}
}
