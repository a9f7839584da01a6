/*
 * Running one configured benchmark the way docs/commands.md says, for `record` (and
 * `check`): warm-up runs, then `repeat` timing runs with the CPU sampler
 * alone, then `mem_repeat` memory runs with the allocation tracker alone,
 * each through pg_run_profile(). The result is a benchmark of the baseline
 * model: every run's metrics for the statistics, the runs' CPU stacks
 * merged (summed) and their peak-memory stacks merged (averaged) for the
 * flame graphs, and the hot functions with each run's share of them.
 *
 * A run that exits non-zero, dies of a signal or times out fails the
 * benchmark: the remaining runs are skipped and the outcome says which run
 * failed, how, and what it last wrote to stderr.
 */
#ifndef PG_BENCH_RUNNER_H
#define PG_BENCH_RUNNER_H

#include <stdio.h>

#include "baseline.h"
#include "config.h"

/* How many hot functions a benchmark keeps, with per-run shares. */
#define PG_BENCH_HOT_FUNCTIONS 50
/* Bytes of a failing run's stderr that are kept. */
#define PG_BENCH_STDERR_TAIL 4096

struct pg_bench_progress {
	FILE *out;         /* NULL: silent */
	int tty;           /* rewrite one line in place; otherwise one line per run */
	size_t index;      /* this benchmark's number, from 1 */
	size_t count;      /* of how many */
};

struct pg_bench_outcome {
	int ok;
	char *failure;      /* when !ok: "run 3/7 exited with status 1"; owned */
	char *stderr_tail;  /* when !ok: the failing run's stderr end, or NULL; owned */
	double runs_wall;   /* seconds the benchmark's own runs took (warm-ups included) */
	double elapsed;     /* seconds for everything, profiling and merging included */
};

/* Runs cfg into out (an empty benchmark of a baseline, named already).
 * work_dir: a folder for the runs' raw records (created; each run cleans up
 * after itself). Returns 0 when the benchmark ran, whether it passed or
 * failed (outcome->ok); negative when profgate itself failed. */
int pg_bench_run(struct pg_baseline_bench *out, struct pg_bench_outcome *outcome,
		 const struct pg_bench_config *cfg, const char *work_dir,
		 const struct pg_bench_progress *progress);
void pg_bench_outcome_release(struct pg_bench_outcome *o);

/* For a benchmark that failed: the last lines (at most 10) of its stderr
 * (outcome->stderr_tail), indented, to stderr under a line naming the
 * command ("check", "record") and the benchmark. Nothing when tail is NULL
 * or empty. */
void pg_bench_print_stderr_tail(const char *cmd, const char *name, const char *tail);

#endif
