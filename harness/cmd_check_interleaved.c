/*
 * `profgate check` in interleaved mode, and `profgate check --calibrate`:
 * the command's side of interleave.h. It builds the base's worktree and the
 * checkout, measures each benchmark on both sides, turns the pairs into
 * the report's verdicts (wall and CPU time by the paired rule, the rest by
 * the gate as in stored-baseline mode, from the interleaved sampled and
 * memory runs) and writes the report folder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "bench_runner.h"
#include "check_interleaved.h"
#include "cmds.h"
#include "error.h"
#include "gate.h"
#include "gate_files.h"
#include "interleave.h"
#include "paired.h"
#include "report_dir.h"
#include "run.h"
#include "stats.h"
#include "verdict.h"

#ifndef PG_VERSION
#define PG_VERSION "unknown"
#endif

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

struct ctx {
	const struct pg_check_interleaved *a;
	struct pg_check_report rep;
	struct pg_worktree wt;
	char *repo_root, *work_dir;
	uint64_t seed;
	int sig;  /* the interrupt to re-raise once cleaned up */
};

/* The config's folder inside root (root being the checkout or the worktree). */
static char *tree_dir(const char *repo_root, const char *dir, const char *root)
{
	size_t n = strlen(repo_root);
	char *out = NULL;

	if (strncmp(dir, repo_root, n) || (dir[n] && dir[n] != '/'))
		return NULL;
	return asprintf(&out, "%s%s", root, dir + n) < 0 ? NULL : out;
}

static void print_tail(const char *what, const char *tail)
{
	pg_bench_print_stderr_tail("check", what, tail);
}

/* Every selected benchmark gets verdict v and message (nothing was measured). */
static int all_benches(struct ctx *x, enum pg_verdict v, const char *message)
{
	for (size_t i = 0; i < x->a->ntodo; i++) {
		struct pg_check_bench *b = &x->rep.benches[x->rep.nbenches];

		if (!(b->name = strdup(x->a->todo[i]->name)) || !(b->message = strdup(message)))
			return pg_error_set("out of memory");
		b->verdict = v;
		b->machine_idle = b->machine_others = NAN;
		x->rep.nbenches++;
	}
	return 0;
}

static int finish_report(struct ctx *x)
{
	pg_gate_tally(&x->rep, 1);
	if (pg_report_dir_write(&x->rep, x->a->out) < 0 || pg_report_dir_publish(&x->rep, x->a->out) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		return PG_EXIT_USAGE;
	}
	pg_report_dir_print(&x->rep, x->a->out, "check");
	return x->rep.exit_code;
}

static struct pg_check_metric *find_metric(struct pg_check_bench *b, const char *name)
{
	for (size_t i = 0; i < b->nmetrics; i++)
		if (!b->metrics[i].function && !strcmp(b->metrics[i].metric, name))
			return &b->metrics[i];
	return NULL;
}

static double *copy_runs(const double *v, size_t n)
{
	double *c = malloc((n ? n : 1) * sizeof *c);

	if (c)
		memcpy(c, v, n * sizeof *c);
	return c;
}

/* Wall or CPU time of b from the pairs: the paired rule decides. */
static int paired_metric(struct pg_check_bench *b, const char *name, const struct pg_threshold *t,
			 const struct pg_paired *p, const double *ratios, const double *load, const double *base,
			 const double *head, size_t n, unsigned max_pairs)
{
	struct pg_check_metric *m = find_metric(b, name);
	double thr;

	if (!m)
		return 0;
	free(m->runs_before);
	free(m->runs_after);
	free(m->note);
	m->note = NULL;
	if (!(m->runs_before = copy_runs(base, n)) || !(m->runs_after = copy_runs(head, n)))
		return pg_error_set("out of memory");
	m->nbefore = m->nafter = n;
	m->before = pg_stats_median(base, n);
	m->after = pg_stats_median(head, n);
	m->change = m->after - m->before;
	m->ratio = m->before > 0 ? m->after / m->before : NAN;
	m->exact = 0;
	m->p_value = NAN;
	m->repeats_needed = 0;
	m->pairs = n;
	m->estimate = expm1(p->estimate);
	m->ci_low = isfinite(p->lo) ? expm1(p->lo) : -INFINITY;
	m->ci_high = isfinite(p->hi) ? expm1(p->hi) : INFINITY;
	thr = pg_interleave_relative_threshold(t, m->before);
	if (isnan(thr)) {
		m->verdict = PG_VERDICT_NOT_CHECKED;
		return 0;
	}
	m->verdict = pg_verdict_of_paired(pg_paired_decide(p, thr));
	if (m->verdict == PG_VERDICT_INCONCLUSIVE) {
		/* Pairs that should decide it against the noise seen. */
		for (unsigned k = (unsigned)n + 1; k <= 1000; k++)
			if (pg_paired_detectable_of(p, ratios, load, n, k, PG_PAIRED_ALPHA_CHANGE) <= log1p(thr)) {
				m->repeats_needed = k;
				break;
			}
	}
	if (asprintf(&m->note, "%zu interleaved pairs%s: Hodges-Lehmann estimate of the log ratios%s; the "
		     "Wilcoxon signed-rank interval's low end (one-sided 99.5%%) above 0 is a regression, its "
		     "high end (one-sided 95%%) below the threshold none%s", n,
		     n >= max_pairs ? " (max_repeat)" : "",
		     p->adjusted ? ", adjusted for how much busier other processes kept the CPUs during one run "
				   "of a pair than during the other" : "",
		     m->verdict == PG_VERDICT_INCONCLUSIVE ? "; neither holds yet" : "") < 0)
		m->note = NULL;
	return 0;
}

static int measure_one(struct ctx *x, const struct pg_bench_config *bc, const struct pg_bench_config *base_bc,
		       size_t index)
{
	const struct pg_check_interleaved *a = x->a;
	struct pg_check_bench *cb = &x->rep.benches[x->rep.nbenches];
	struct pg_gate_opts gopts = { .alpha = PG_VERDICT_ALPHA, .is_allocator = pg_run_is_allocator_frame,
				      .machine_idle = NAN, .machine_others = NAN, .paired = 1 };
	struct pg_pairs_result res;
	/* Sampled pairs: a third of repeat, at least 2 (the per-function test
	 * needs a spread across pairs). Function shares are decided from them,
	 * but the timing verdict is not, so they need not be many. */
	unsigned sampled = (bc->repeat + 2) / 3 < 2 ? 2 : (bc->repeat + 2) / 3;
	/* Up to twice as many (at least repeat) for a regression when no
	 * function's change is significant yet (its report should say where),
	 * or for a function's share beyond its threshold that the first ones
	 * do not show (it would be inconclusive). */
	unsigned explain = 2 * sampled > bc->repeat ? 2 * sampled : bc->repeat;
	struct pg_pairs_opts po = {
		.base = base_bc, .head = bc, .work_dir = x->work_dir, .progress = a->quiet ? NULL : stderr,
		.index = index + 1, .count = a->ntodo, .sampled_pairs = sampled, .explain_pairs = explain,
		.mem_pairs = bc->mem_repeat, .adaptive = 1, .alpha = PG_VERDICT_ALPHA, .seed = &x->seed,
	};
	char label[16], *message = NULL;
	int rc;

	snprintf(label, sizeof label, "%.12s", a->lookup->start);
	if ((rc = pg_interleave_measure(&res, &po)) < 0) {
		pg_pairs_result_release(&res);
		return rc;
	}
	if (res.signal || got_signal) {
		x->sig = res.signal ? res.signal : got_signal;
		pg_pairs_result_release(&res);
		return 1;
	}
	if (!res.ok) {
		pg_report_error("check", "benchmark '%s' failed: %s", bc->name, res.failure);
		print_tail(bc->name, res.stderr_tail);
		if (asprintf(&message, "the benchmark failed: %s", res.failure) < 0)
			message = NULL;
		rc = pg_gate_compare(cb, NULL, NULL, bc->name, bc->thresholds, message, &gopts);
		free(message);
		x->rep.nbenches++;
		pg_pairs_result_release(&res);
		return rc;
	}
	res.base.bench.dirty = 0;
	res.head.bench.dirty = a->dirty;
	/* "What grew" in CPU seconds per run: the base's median over the
	 * timing pairs, the head's the same times the paired estimate. */
	if (res.base.n > 0 && !isnan(res.cpu.estimate)) {
		gopts.cpu_before = pg_stats_median(res.base.cpu, res.base.n);
		gopts.cpu_after = gopts.cpu_before * exp(res.cpu.estimate);
	}
	rc = pg_gate_compare(cb, &res.base.bench, &res.head.bench, bc->name, bc->thresholds, NULL, &gopts);
	x->rep.nbenches++;
	unsigned max_pairs = bc->max_repeat > pg_interleave_first_pairs(bc) ?
				     bc->max_repeat : pg_interleave_first_pairs(bc);

	if (rc == 0)
		rc = paired_metric(cb, "wall", &bc->thresholds[PG_METRIC_WALL], &res.wall, res.wall_ratios,
				   res.load, res.base.wall, res.head.wall, res.base.n, max_pairs);
	if (rc == 0)
		rc = paired_metric(cb, "cpu", &bc->thresholds[PG_METRIC_CPU], &res.cpu, res.cpu_ratios,
				   res.load, res.base.cpu, res.head.cpu, res.base.n, max_pairs);
	if (rc == 0) {
		for (size_t i = 0; i < cb->nfunctions; i++)
			for (size_t k = 0; k < res.nfunctions; k++)
				if (!strcmp(cb->functions[i].name, res.functions[k])) {
					cb->functions[i].tested = 1;
					cb->functions[i].significant = res.significant[k];
					break;
				}
		cb->pairs = res.base.n;
		cb->verdict = pg_gate_bench_verdict(cb);
		const char **sig = calloc(res.nfunctions + 1, sizeof *sig);
		size_t nsig = 0;

		for (size_t k = 0; sig && k < res.nfunctions; k++)
			if (res.significant[k])
				sig[nsig++] = res.functions[k];
		rc = sig ? pg_gate_write_files_paired(cb, &res.base.bench, &res.head.bench, a->out, label, sig, nsig)
			 : pg_error_set("out of memory");
		free(sig);
	}
	pg_pairs_result_release(&res);
	if (rc == 0 && !a->quiet && a->bench_line)
		a->bench_line(cb, index + 1, a->ntodo);
	return rc;
}

/* A benchmark the base does not have: measured on the head alone, as in
 * stored-baseline mode, with the verdict "new". */
static int measure_new(struct ctx *x, const struct pg_bench_config *bc, size_t index)
{
	const struct pg_check_interleaved *a = x->a;
	struct pg_check_bench *cb = &x->rep.benches[x->rep.nbenches];
	struct pg_gate_opts gopts = { .alpha = PG_VERDICT_ALPHA, .is_allocator = pg_run_is_allocator_frame,
				      .machine_idle = NAN, .machine_others = NAN };
	struct pg_bench_progress progress = { a->quiet ? NULL : stderr, 0, index + 1, a->ntodo };
	struct pg_baseline_bench bench = { 0 };
	struct pg_bench_outcome outcome = { 0 };
	char *message = NULL;
	int rc;

	if (!(bench.name = strdup(bc->name)))
		return pg_error_set("out of memory");
	bench.dirty = a->dirty;
	if ((rc = pg_bench_run(&bench, &outcome, bc, x->work_dir, &progress)) < 0)
		goto done;
	if (!outcome.ok) {
		pg_report_error("check", "benchmark '%s' failed: %s", bc->name, outcome.failure);
		print_tail(bc->name, outcome.stderr_tail);
		if (asprintf(&message, "the benchmark failed: %s", outcome.failure) < 0)
			message = NULL;
	} else if (asprintf(&message, "new: the base %.12s has no benchmark '%s'", a->lookup->start, bc->name) < 0) {
		message = NULL;
	}
	rc = pg_gate_compare(cb, NULL, outcome.ok ? &bench : NULL, bc->name, bc->thresholds, message, &gopts);
	x->rep.nbenches++;
	if (rc == 0 && outcome.ok) {
		cb->verdict = PG_VERDICT_NEW;
		rc = pg_gate_write_files(cb, NULL, &bench, a->out, "");
	}
	if (rc == 0 && !a->quiet && a->bench_line)
		a->bench_line(cb, index + 1, a->ntodo);
done:
	free(message);
	pg_baseline_bench_release(&bench);
	pg_bench_outcome_release(&outcome);
	return rc;
}

static uint64_t make_seed(void)
{
	const char *s = getenv("PROFGATE_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^ 0x2545f4914f6cdd1dULL;
}

/* Builds a tree; 0 passed, 1 failed (reported), negative error. */
static int build_tree(struct ctx *x, const char *config_dir, const char *side, const char *commit)
{
	struct pg_captured c;
	int rc;

	if (!x->a->quiet)
		fprintf(stderr, "profgate check: building the %s (%.12s)...\n", side, commit);
	if ((rc = pg_interleave_build(&c, &x->a->cfg->build, config_dir)) < 0)
		return pg_error_setc(rc, "the build of the %s: %s", side, pg_error_last());
	if (c.signal)
		x->sig = c.signal;
	if (!c.ok) {
		char what[64];

		if (!x->sig) {
			pg_report_error("check", "the build of the %s (%.12s) failed: %s: %s", side, commit, c.failure,
					c.command);
			snprintf(what, sizeof what, "build of the %s", side);
			print_tail(what, c.tail);
		}
		pg_captured_release(&c);
		return 1;
	}
	if (!x->a->quiet)
		fprintf(stderr, "profgate check: built the %s in %.1f s\n", side, c.seconds);
	pg_captured_release(&c);
	return 0;
}

static int start(struct ctx *x)
{
	const struct pg_check_interleaved *a = x->a;
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096];

	x->seed = make_seed();
	x->wt.fd = -1;
	if (!(x->repo_root = realpath(pg_repo_path(a->repo), NULL)))
		return pg_error_set("cannot resolve '%s': %s", pg_repo_path(a->repo), strerror(errno));
	snprintf(tmpl, sizeof tmpl, "%s/profgate-check.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl))
		return pg_error_set("cannot create a folder in '%s': %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
	if (!(x->work_dir = strdup(tmpl)))
		return pg_error_set("out of memory");
	if (pg_mkdirs(a->out) < 0)
		return pg_error_setc(PG_EGENERIC, "--out: %s", pg_error_last());
	x->rep.alpha = PG_VERDICT_ALPHA;
	x->rep.shard_index = a->shard_index;
	x->rep.shard_count = a->shard_count;
	x->rep.dirty = a->dirty;
	if (!(x->rep.version = strdup(PG_VERSION)) || !(x->rep.head = strdup(a->head)) ||
	    !(x->rep.out_dir = strdup(a->out)) || !(x->rep.benches = calloc(a->ntodo + 1, sizeof *x->rep.benches)) ||
	    (a->report_url && *a->report_url && !(x->rep.report_url = strdup(a->report_url))))
		return pg_error_set("out of memory");
	return 0;
}

static void cleanup(struct ctx *x)
{
	pg_worktree_remove(&x->wt);
	if (x->work_dir)
		pg_remove_tree(x->work_dir);
	free(x->work_dir);
	free(x->repo_root);
	pg_check_report_release(&x->rep);
}

int pg_check_interleaved(const struct pg_check_interleaved *a)
{
	struct ctx x = { .a = a };
	struct pg_config base_cfg = { 0 };
	struct sigaction sa, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	char *base_dir = NULL, *cfg_real = NULL, *base_cfg_path = NULL;
	int rc = PG_EXIT_USAGE, err, have_base_cfg = 0, base_cfg_missing = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);

	if (start(&x) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	const struct pg_lookup *l = a->lookup;

	x.rep.compare = strdup("interleaved");
	x.rep.base_rev = a->base_rev ? strdup(a->base_rev) : NULL;
	if (l->base[0])
		x.rep.base_commit = strdup(l->base);
	if (!l->start[0]) {
		/* No merge-base: the same advice as stored-baseline mode. */
		x.rep.lookup_status = strdup(pg_lookup_status_name(l->status));
		x.rep.lookup_message = strdup(l->message);
		fprintf(stderr, "profgate check: no base commit to build (%s): %s\n", pg_lookup_status_name(l->status),
			l->message);
		if (all_benches(&x, PG_VERDICT_INCONCLUSIVE, l->message) < 0) {
			pg_report_error("check", "%s", pg_error_last());
			goto done;
		}
		pg_gate_tally(&x.rep, 0);
		if (pg_report_dir_write(&x.rep, a->out) < 0 || pg_report_dir_publish(&x.rep, a->out) < 0) {
			pg_report_error("check", "%s", pg_error_last());
			goto done;
		}
		pg_report_dir_print(&x.rep, a->out, "check");
		rc = x.rep.exit_code;
		goto done;
	}
	if (!(x.rep.lookup_status = strdup("found")) || !(x.rep.baseline_commit = strdup(l->start)) ||
	    !(x.rep.baseline_recorded_at = pg_baseline_now()) ||
	    !(x.rep.baseline_source = strdup("the merge-base, built and measured side by side in this job"))) {
		pg_report_error("check", "out of memory");
		goto done;
	}
	if (!a->quiet)
		fprintf(stderr, "profgate check: interleaved: the merge-base %.12s with '%s' against HEAD %.12s\n",
			l->start, a->base_rev ? a->base_rev : "?", a->head);
	if (pg_worktree_add(&x.wt, x.repo_root, l->start) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		rc = PG_EXIT_INCONCLUSIVE;
		goto done;
	}
	if (got_signal) {
		x.sig = got_signal;
		goto done;
	}
	if (!(base_dir = tree_dir(x.repo_root, a->cfg->dir, x.wt.path)) || !(cfg_real = realpath(a->cfg->path, NULL)) ||
	    !(base_cfg_path = tree_dir(x.repo_root, cfg_real, x.wt.path))) {
		pg_report_error("check", "the config '%s' is not inside the repository '%s': interleaved mode needs "
				"it there", a->cfg->path, x.repo_root);
		goto done;
	}
	/* Both sides built the same way, the base first. */
	if ((err = build_tree(&x, base_dir, "base", l->start)) != 0 || x.sig || got_signal) {
		if (err < 0) {
			pg_report_error("check", "%s", pg_error_last());
			goto done;
		}
		if (x.sig || got_signal) {
			x.sig = x.sig ? x.sig : got_signal;
			goto done;
		}
		char *msg = NULL;

		if (asprintf(&msg, "the build of the base %.12s failed: nothing to compare with", l->start) < 0 ||
		    !(x.rep.note = strdup(msg)) || all_benches(&x, PG_VERDICT_INCONCLUSIVE, msg) < 0) {
			free(msg);
			pg_report_error("check", "out of memory");
			goto done;
		}
		free(msg);
		rc = finish_report(&x);
		goto done;
	}
	if ((err = build_tree(&x, a->cfg->dir, "head", a->head)) != 0 || x.sig || got_signal) {
		if (err < 0)
			pg_report_error("check", "%s", pg_error_last());
		else if (x.sig || got_signal)
			x.sig = x.sig ? x.sig : got_signal;
		else if (all_benches(&x, PG_VERDICT_ERROR, "the build of the head failed") == 0)
			rc = finish_report(&x);
		goto done;
	}
	/* Which benchmarks the base has: its own config's names. */
	if ((err = pg_config_load(&base_cfg, base_cfg_path)) == 0) {
		have_base_cfg = 1;
	} else if (err == PG_ENOTFOUND) {
		base_cfg_missing = 1;
	} else if (!a->quiet) {
		fprintf(stderr, "profgate check: warning: the base's config does not load (%s); every benchmark "
			"is measured on both sides\n", pg_error_last());
	}
	for (size_t i = 0; i < a->ntodo; i++) {
		const struct pg_bench_config *bc = a->todo[i];
		struct pg_bench_config base_bc;

		if (base_cfg_missing || (have_base_cfg && !pg_config_find(&base_cfg, bc->name))) {
			err = measure_new(&x, bc, i);
		} else {
			if ((err = pg_bench_config_rebase(&base_bc, bc, x.repo_root, x.wt.path)) == 0)
				err = measure_one(&x, bc, &base_bc, i);
			pg_bench_config_copy_release(&base_bc);
		}
		if (err < 0) {
			pg_report_error("check", "benchmark '%s': %s", bc->name, pg_error_last());
			goto done;
		}
		if (x.sig || got_signal) {
			x.sig = x.sig ? x.sig : got_signal;
			goto done;
		}
	}
	rc = finish_report(&x);
done:
	cleanup(&x);
	pg_config_release(&base_cfg);
	free(base_dir);
	free(cfg_real);
	free(base_cfg_path);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (x.sig) {
		/* Interrupted: the worktree is gone; end as the signal says. */
		fprintf(stderr, "profgate check: interrupted (%s); the base's worktree was removed\n", strsignal(x.sig));
		signal(x.sig, SIG_DFL);
		raise(x.sig);
		return 128 + x.sig;
	}
	return rc;
}

/* ---- --calibrate ------------------------------------------------------------ */

/* One timing metric's noise, from the log ratios of A/A pairs. */
struct noise {
	struct pg_paired p;
	double floor;        /* half the interval's width, as a fraction */
	double detect_first; /* smallest change detected with the first pairs, as a fraction */
	double detect_max;   /* with max_repeat pairs */
	double suggest;      /* a threshold this machine can hold, as a fraction */
	unsigned pairs_for;  /* pairs that detect the configured threshold; 0: more than 1000; UINT_MAX: off */
};

static void noise_of(struct noise *z, const struct pg_paired *p, const double *r, const double *load, size_t n,
		     unsigned first, unsigned max, const struct pg_threshold *t, double base_median)
{
	double thr = pg_interleave_relative_threshold(t, base_median);

	z->p = *p;
	z->floor = isfinite(p->lo) && isfinite(p->hi) ? (expm1(p->hi) - expm1(p->lo)) / 2 : NAN;
	z->detect_first = expm1(pg_paired_detectable_of(p, r, load, n, first, PG_PAIRED_ALPHA_CHANGE));
	z->detect_max = expm1(pg_paired_detectable_of(p, r, load, n, max, PG_PAIRED_ALPHA_CHANGE));
	/* Rounded up to half a percent, never below 1%. */
	z->suggest = ceil(z->detect_first * 200) / 200;
	if (z->suggest < 0.01)
		z->suggest = 0.01;
	z->pairs_for = isnan(thr) ? UINT_MAX : 0;
	for (unsigned k = first; !isnan(thr) && k <= 1000; k++)
		if (pg_paired_detectable_of(p, r, load, n, k, PG_PAIRED_ALPHA_CHANGE) <= log1p(thr)) {
			z->pairs_for = k;
			break;
		}
}

static void put_noise_json(FILE *f, const char *name, const struct noise *z, const struct pg_threshold *t)
{
	fprintf(f, "        \"%s\": {\"estimate\": %.6g, \"ci_low\": ", name, expm1(z->p.estimate));
	if (isfinite(z->p.lo))
		fprintf(f, "%.6g, \"ci_high\": %.6g, \"noise_floor\": %.6g", expm1(z->p.lo), expm1(z->p.hi), z->floor);
	else
		fputs("null, \"ci_high\": null, \"noise_floor\": null", f);
	fprintf(f, ", \"detectable_first_pairs\": %.6g, \"detectable_max_repeat\": %.6g, \"threshold\": \"%s\", "
		"\"suggested_threshold\": \"%.1f%%\", \"pairs_for_threshold\": ", z->detect_first, z->detect_max,
		t->text, 100 * z->suggest);
	if (z->pairs_for == UINT_MAX || z->pairs_for == 0)
		fputs("null}", f);
	else
		fprintf(f, "%u}", z->pairs_for);
}

static void put_noise_line(const char *metric, const struct noise *z, const struct pg_threshold *t)
{
	fprintf(stderr, "  %-4s A/A %+.1f%%", metric, 100 * expm1(z->p.estimate));
	if (isfinite(z->p.lo))
		fprintf(stderr, " [%+.1f%%, %+.1f%%], noise floor +-%.1f%%", 100 * expm1(z->p.lo), 100 * expm1(z->p.hi),
			100 * z->floor);
	fprintf(stderr, "; detectable: %.1f%% with the first pairs, %.1f%% with max_repeat; suggested threshold "
		"%.1f%%", 100 * z->detect_first, 100 * z->detect_max, 100 * z->suggest);
	if (z->pairs_for == UINT_MAX)
		fprintf(stderr, " (threshold off)\n");
	else if (z->pairs_for)
		fprintf(stderr, "; '%s' needs about %u pairs\n", t->text, z->pairs_for);
	else
		fprintf(stderr, "; '%s' needs more than 1000 pairs\n", t->text);
}

int pg_check_calibrate(const struct pg_check_interleaved *a)
{
	struct ctx x = { .a = a };
	struct pg_afile af = { 0 };
	char *path = NULL;
	int rc = PG_EXIT_USAGE, err, opened = 0;

	got_signal = 0;
	if (start(&x) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	if (a->cfg->build.run) {
		if ((err = build_tree(&x, a->cfg->dir, "head", a->head)) != 0) {
			if (err < 0)
				pg_report_error("check", "%s", pg_error_last());
			goto done;
		}
	}
	if (asprintf(&path, "%s/calibration.json", a->out) < 0 || pg_afile_open(&af, path) < 0) {
		pg_report_error("check", "--calibrate: %s", path ? pg_error_last() : "out of memory");
		goto done;
	}
	opened = 1;
	fprintf(af.f, "{\n  \"schema\": \"profgate.calibration/1\",\n  \"head\": \"%s\",\n  \"alpha\": %g,\n"
		"  \"benchmarks\": [", a->head, PG_VERDICT_ALPHA);
	for (size_t i = 0; i < a->ntodo; i++) {
		const struct pg_bench_config *bc = a->todo[i];
		unsigned first = pg_interleave_first_pairs(bc);
		unsigned pairs = first < 12 ? 12 : first, max = bc->max_repeat > first ? bc->max_repeat : first;
		struct pg_pairs_opts po = {
			.base = bc, .head = bc, .work_dir = x.work_dir, .progress = a->quiet ? NULL : stderr,
			.index = i + 1, .count = a->ntodo, .adaptive = 0, .fixed_pairs = pairs,
			.alpha = PG_VERDICT_ALPHA, .seed = &x.seed,
		};
		struct pg_pairs_result res;
		struct noise wall, cpu;

		if ((err = pg_interleave_measure(&res, &po)) < 0 || !res.ok || res.signal || got_signal) {
			if (err < 0)
				pg_report_error("check", "benchmark '%s': %s", bc->name, pg_error_last());
			else if (!res.signal && !got_signal) {
				pg_report_error("check", "benchmark '%s' failed: %s", bc->name, res.failure);
				print_tail(bc->name, res.stderr_tail);
			}
			x.sig = res.signal ? res.signal : got_signal;
			pg_pairs_result_release(&res);
			goto done;
		}
		noise_of(&wall, &res.wall, res.wall_ratios, res.load, res.base.n, first, max,
			 &bc->thresholds[PG_METRIC_WALL], pg_stats_median(res.base.wall, res.base.n));
		noise_of(&cpu, &res.cpu, res.cpu_ratios, res.load, res.base.n, first, max,
			 &bc->thresholds[PG_METRIC_CPU], pg_stats_median(res.base.cpu, res.base.n));
		fprintf(stderr, "[%zu/%zu] %s  %zu A/A pairs (%.1f s)\n", i + 1, a->ntodo, bc->name, res.base.n,
			res.seconds);
		put_noise_line("wall", &wall, &bc->thresholds[PG_METRIC_WALL]);
		put_noise_line("cpu", &cpu, &bc->thresholds[PG_METRIC_CPU]);
		unsigned suggest_pairs = first;

		if (wall.pairs_for != UINT_MAX && (wall.pairs_for == 0 || wall.pairs_for > suggest_pairs))
			suggest_pairs = wall.pairs_for ? wall.pairs_for : 1000;
		if (cpu.pairs_for != UINT_MAX && (cpu.pairs_for == 0 || cpu.pairs_for > suggest_pairs))
			suggest_pairs = cpu.pairs_for ? cpu.pairs_for : 1000;
		fprintf(af.f, "%s\n    {\"name\": \"%s\", \"pairs\": %zu, \"first_pairs\": %u, \"max_repeat\": %u,\n"
			"      \"metrics\": {\n", i ? "," : "", bc->name, res.base.n, first, max);
		put_noise_json(af.f, "wall", &wall, &bc->thresholds[PG_METRIC_WALL]);
		fputs(",\n", af.f);
		put_noise_json(af.f, "cpu", &cpu, &bc->thresholds[PG_METRIC_CPU]);
		fprintf(af.f, "\n      },\n      \"suggestion\": {\"thresholds\": {\"wall\": \"%.1f%%\", \"cpu\": "
			"\"%.1f%%\"}, \"max_repeat\": %u}\n    }", 100 * wall.suggest, 100 * cpu.suggest,
			suggest_pairs);
		fprintf(stderr, "  suggestion: \"thresholds\": {\"wall\": \"%.1f%%\", \"cpu\": \"%.1f%%\"}, "
			"\"max_repeat\": %u\n", 100 * wall.suggest, 100 * cpu.suggest, suggest_pairs);
		pg_pairs_result_release(&res);
	}
	fputs("\n  ]\n}\n", af.f);
	opened = 0;
	if (pg_afile_commit(&af) < 0) {
		pg_report_error("check", "--calibrate: %s", pg_error_last());
		goto done;
	}
	fprintf(stderr, "profgate check: calibration written to %s\n", path);
	rc = PG_EXIT_OK;
done:
	if (opened)
		pg_afile_abort(&af);
	free(path);
	cleanup(&x);
	if (x.sig) {
		signal(x.sig, SIG_DFL);
		raise(x.sig);
		return 128 + x.sig;
	}
	return rc;
}
