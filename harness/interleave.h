/*
 * Interleaved mode of `profgate check`: the base commit checked out into a
 * temporary git worktree, both trees built the same way, and each benchmark
 * of both measured side by side on this machine, so that whatever the
 * machine does to one side it does to the other.
 *
 * - The worktree is removed when released, and also when profgate dies
 *   first (a signal, a kill, a crash): a janitor process, started before
 *   the worktree exists, removes it when the pipe from profgate closes.
 * - Timing runs carry no collector: wall time from the clock, CPU time from
 *   wait4's rusage of the benchmark and the children it waited for. They
 *   come in pairs, one run of each side in a random order balanced over
 *   every two pairs (AB BA or BA AB), each a fresh process, after warm-up
 *   runs of each side. Pairs are added, two at a time, until the paired
 *   rule (paired.h) decides every checked timing metric, or max_repeat
 *   pairs, or max_seconds. Around each run profgate reads how busy other
 *   processes kept the machine; the estimates are adjusted for the
 *   difference between a pair's two runs when it explains their spread.
 * - Memory runs (the allocation tracker) and sampled runs (the CPU
 *   sampler, for the hot functions and the flame graphs) are interleaved
 *   the same way, separately, before the timing pairs, whose warm-up they
 *   are.
 */
#ifndef PG_INTERLEAVE_H
#define PG_INTERLEAVE_H

#include <stdint.h>
#include <stdio.h>

#include "baseline.h"
#include "config.h"
#include "paired.h"

/* A worktree of a commit at a temporary path. */
struct pg_worktree {
	char *dir;        /* the temporary folder holding it */
	char *path;       /* dir/tree: the checkout */
	char *repo_root;
	int fd;           /* write end of the janitor's pipe; -1: none */
	int janitor;      /* pid, 0: none */
};

/* Checks commit out (detached) under $TMPDIR, submodules initialised when
 * the commit has any. The message of a failure carries git's last lines. */
int pg_worktree_add(struct pg_worktree *w, const char *repo_root, const char *commit);
/* Removes it and waits for that; safe on an empty or half-made one. */
void pg_worktree_remove(struct pg_worktree *w);

/* A command's outcome with its output captured (shown only on failure). */
struct pg_captured {
	int ok;
	char *failure;    /* "exited with status 2", "timed out after 1800 s", ... */
	char *tail;       /* the last 4 KiB of its stdout and stderr */
	char *command;    /* the argv joined by spaces, and where it ran */
	double seconds;
	int signal;       /* it died of SIGINT, SIGTERM or SIGHUP (not a timeout): an interrupt */
};
void pg_captured_release(struct pg_captured *c);

/* Runs the configured build in a tree whose copy of the config's folder is
 * config_dir. Returns 0 when it ran (out->ok says whether it passed),
 * negative when it could not be started. */
int pg_interleave_build(struct pg_captured *out, const struct pg_build_config *b, const char *config_dir);

/* A copy of in whose paths under from_root (the checkout) point under
 * to_root (the base's worktree) instead: run, cwd and env values. Release
 * with pg_bench_config_copy_release. */
int pg_bench_config_rebase(struct pg_bench_config *out, const struct pg_bench_config *in, const char *from_root,
			   const char *to_root);
void pg_bench_config_copy_release(struct pg_bench_config *b);

/* What one side measured. */
struct pg_side_runs {
	double *wall, *cpu;    /* timing runs, pair i at index i */
	size_t n;
	struct pg_baseline_bench bench;  /* sampled and memory runs, merged */
};

struct pg_pairs_opts {
	const struct pg_bench_config *base, *head;  /* the same benchmark in each tree */
	const char *work_dir;
	FILE *progress;          /* NULL: quiet */
	size_t index, count;     /* this benchmark's number, of how many */
	unsigned sampled_pairs;  /* sampled runs per side; 0: none */
	/* Sampled pairs are added, two at a time, up to this many in all (0,
	 * or not above sampled_pairs: none added) while wall or CPU time
	 * regressed and no function's change is significant across the sampled
	 * pairs, or while a function's share is beyond the function threshold
	 * without the pairs showing it: only a regression, or a function the
	 * gate would call inconclusive, pays for them. */
	unsigned explain_pairs;
	unsigned mem_pairs;      /* memory runs per side */
	int adaptive;            /* add pairs until decided; 0: exactly fixed_pairs */
	unsigned fixed_pairs;
	double alpha;
	uint64_t *seed;          /* the order's random state, advanced */
};

struct pg_pairs_result {
	struct pg_side_runs base, head;
	int ok;
	char *failure;           /* when !ok: which side and run, and how */
	char *stderr_tail;
	int signal;              /* a run died of SIGINT, SIGTERM or SIGHUP: profgate was interrupted */
	struct pg_paired wall, cpu;   /* the log ratios' estimates and intervals */
	double *wall_ratios, *cpu_ratios;  /* per pair, log(head / base) */
	/* Per pair, how much more of all CPUs' time other processes used
	 * during the head's run than during the base's (machine.h; 0 when not
	 * measured): the covariate the estimates are adjusted for
	 * (pg_paired_estimate_adjusted). */
	double *load;
	/* Functions tested across the sampled pairs: name and whether the
	 * change of its inclusive samples is significant (Holm-corrected). */
	char **functions;
	unsigned char *significant;
	size_t nfunctions;
	/* Of those, how many the function gate (its threshold, the paired
	 * share rule) cannot decide yet: beyond the threshold, not shown. */
	size_t functions_undecided;
	double seconds;
};
void pg_pairs_result_release(struct pg_pairs_result *r);

/* The smallest number of pairs interleaved mode starts with. */
unsigned pg_interleave_first_pairs(const struct pg_bench_config *c);

/* Measures one benchmark on both sides (see above). Returns 0 when the runs
 * ran (out->ok says whether they all passed), negative when profgate
 * failed. */
int pg_interleave_measure(struct pg_pairs_result *out, const struct pg_pairs_opts *o);

/* The relative threshold for a timing metric: t's fraction, or an absolute
 * threshold over base_median; NaN when off. */
double pg_interleave_relative_threshold(const struct pg_threshold *t, double base_median);

#endif
