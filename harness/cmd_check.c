/*
 * `profgate check [options]`: runs the config's benchmarks, finds the
 * baseline to compare with (docs/baselines.md, "Lookup"), decides per benchmark
 * and metric (gate.c), and writes the report folder: summary.md (the PR
 * comment), result.json, junit.xml, index.html and per benchmark the
 * differential flame graphs and the current profile.
 *
 * What can go wrong is checked before minutes of benchmarks: the config,
 * the repository, the store and the baseline are all read first. Not
 * finding a baseline is not an error: the benchmarks still run, their
 * profiles are written, and the verdict is inconclusive (exit 3) with the
 * lookup's message on how to fix it. A benchmark that fails to run is an
 * error (exit 2) and never a regression (exit 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "afile.h"
#include "baseline.h"
#include "bench_runner.h"
#include "check_writers.h"
#include "check_interleaved.h"
#include "cmds.h"
#include "config.h"
#include "error.h"
#include "gate.h"
#include "machine.h"
#include "gate_files.h"
#include "lookup.h"
#include "repo.h"
#include "report_dir.h"
#include "run.h"
#include "store.h"
#include "term.h"
#include "verdict.h"

#ifndef PG_VERSION
#define PG_VERSION "unknown"
#endif

#define CHECK_OUT_DEFAULT "profgate-report"

struct check_opts {
	const char *config;
	const char *base;
	const char *out;
	const char *report_url;
	struct pg_opt_list benches;
	const char *store;
	unsigned shard_index, shard_count;
	int quiet;
	enum pg_compare_mode compare;  /* --compare; PG_COMPARE_DEFAULT: the config's */
	int calibrate;
};

static int check_revision(void *opts, const char *value)
{
	(void)opts;
	return *value ? 0 : pg_error_set("expected a revision, got ''");
}

static int check_folder(void *opts, const char *value)
{
	(void)opts;
	return *value ? 0 : pg_error_set("expected a folder, got ''");
}

static int set_shard(void *opts, const char *value)
{
	struct check_opts *o = opts;
	const char *s = value;
	char *end;
	unsigned long k, n;

	errno = 0;
	k = strtoul(s, &end, 10);
	if (end == s || *end != '/' || errno)
		goto bad;
	s = end + 1;
	n = strtoul(s, &end, 10);
	if (end == s || *end || errno || n < 1 || n > 100000 || k < 1 || k > n)
		goto bad;
	o->shard_index = (unsigned)k;
	o->shard_count = (unsigned)n;
	return 0;
bad:
	return pg_error_set("expected K/N with 1 <= K <= N (e.g. 2/4), got '%s'", value);
}

static int set_compare(void *opts, const char *value)
{
	struct check_opts *o = opts;

	if (!strcmp(value, "interleaved"))
		o->compare = PG_COMPARE_INTERLEAVED;
	else if (!strcmp(value, "baseline"))
		o->compare = PG_COMPARE_BASELINE;
	else
		return pg_error_set("expected 'interleaved' or 'baseline', got '%s'", value);
	return 0;
}

static const struct pg_opt_spec check_options[] = {
	{ .name = "config", .short_name = 'c', .arg = "FILE", PG_OPT_KEEP(struct check_opts, config),
	  .help = "the config (default profgate.json)" },
	{ .name = "base", .arg = "REV", PG_OPT_KEEP(struct check_opts, base), PG_OPT_CHECK(check_revision),
	  .help = "the branch to compare with (default: the config's\n\"base\", else origin/HEAD, else main)" },
	{ .name = "out", .arg = "DIR", PG_OPT_KEEP(struct check_opts, out), PG_OPT_CHECK(check_folder),
	  .help = "the report folder (default profgate-report)" },
	{ .name = "report-url", .arg = "URL", PG_OPT_KEEP(struct check_opts, report_url),
	  .help = "where the report folder will be served: links in summary.md start with it "
		  "(default: paths as text)" },
	{ .name = "bench", .arg = "NAME", PG_OPT_APPEND(struct check_opts, benches), .help = "only this benchmark" },
	{ .name = "shard", .arg = "K/N", PG_OPT_CALLS(set_shard),
	  .help = "only the K-th of N shares of the benchmarks (K from 1; the benchmark at index i "
		  "of the config, from 0, is in share i mod N + 1)" },
	{ .name = "store", .arg = "SPEC", PG_OPT_KEEP(struct check_opts, store),
	  .help = "where baselines are: a directory, 'git-notes' or\n'git-notes:REF' (default: the config's \"store\")" },
	{ .name = "compare", .arg = "MODE", PG_OPT_CALLS(set_compare),
	  .help = "'interleaved': build the merge-base in a temporary worktree and measure both side "
		  "by side here; 'baseline': against a stored baseline (default: the config's "
		  "\"compare\", else interleaved when \"build\" is set)" },
	{ .name = "calibrate", PG_OPT_SET_INT(struct check_opts, calibrate, 1),
	  .help = "measure HEAD against itself, interleaved, and write the noise floor and a "
		  "threshold suggestion to <out>/calibration.json" },
	{ .name = "quiet", .short_name = 'q', PG_OPT_SET_INT(struct check_opts, quiet, 1), .help = "no progress lines" },
};

static const struct pg_opt_command check_command = {
	.name = "check",
	.usage = "[options]",
	.about = "Runs every benchmark of the config, finds the baseline to compare with (the\n"
		 "merge-base of HEAD and the base revision, then its first-parent ancestors, up\n"
		 "to max_distance commits), decides for each benchmark and metric whether the\n"
		 "change regressed it, and writes a report folder: summary.md (the pull-request\n"
		 "comment), result.json, junit.xml, index.html and per benchmark\n"
		 "<name>/diff-cpu.html, <name>/diff-mem.html and the current profile.\n",
	.specs = check_options,
	.nspecs = PG_OPT_COUNT(check_options),
	.after = "A metric regresses when the change of its median is beyond its threshold and\n"
		 "a Mann-Whitney U test of the runs says it is not noise (two-sided p < 0.05);\n"
		 "with no spread on either side (the peak heap of a deterministic program) the\n"
		 "values compare exactly. A change beyond the threshold that the runs cannot\n"
		 "confirm is inconclusive, with how many runs would decide it.\n\n"
		 "Interleaved, wall and CPU time come from pairs of runs without the collector, one\n"
		 "of each side in a random order: a metric regresses when the Hodges-Lehmann\n"
		 "estimate of the pairs' log ratios is beyond its threshold and the Wilcoxon\n"
		 "signed-rank interval's low end (one-sided 99.5%) is above 0; it is unchanged\n"
		 "when the interval's high end (one-sided 95%) lies below the threshold; otherwise\n"
		 "two pairs are added at a time, up to max_repeat.\n\n"
		 "With GITHUB_STEP_SUMMARY set, summary.md is appended to it; with\n"
		 "GITHUB_ACTIONS=true, each regression is also printed as an ::error annotation.\n\n"
		 "exit status: 0 passed; 1 a benchmark regressed; 2 usage, config or tool error,\n"
		 "or a benchmark failed to run; 3 inconclusive (no baseline, history too shallow,\n"
		 "base revision missing, or results too noisy to decide).\n",
};

static int parse_args(struct check_opts *o, int argc, char **argv)
{
	char **rest;
	int n, pr = pg_cmd_options(&rest, &n, &check_command, o, argc, argv);

	if (pr != 0)
		return pr;
	if (n > 0) {
		pg_report_error("check", "unexpected argument '%s'; see 'profgate check --help'", rest[0]);
		return -1;
	}
	return 0;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* One line for stderr after a benchmark: "[2/5] parse  regressed: cpu +20.3%". */
static void bench_line(const struct pg_check_bench *b, size_t i, size_t n)
{
	char change[64];
	int shown = 0;

	fprintf(stderr, "[%zu/%zu] %s  %s", i, n, b->name, pg_verdict_name(b->verdict));
	for (size_t k = 0; k < b->nmetrics && shown < 3; k++) {
		const struct pg_check_metric *m = &b->metrics[k];

		if (m->verdict != b->verdict || b->verdict == PG_VERDICT_UNCHANGED)
			continue;
		pg_check_format_change(change, sizeof change, m);
		fprintf(stderr, "%s%s%s", shown++ ? ", " : ": ", m->metric, m->function ? " " : "");
		pg_term_puts(stderr, m->function);
		fprintf(stderr, " %s", change);
	}
	fputc('\n', stderr);
}

/* Finds the baseline: the explicit --base, else the config's, else
 * origin/HEAD, else main (the first of the defaults that exists). */
static int find_baseline(struct pg_lookup *l, const char **used, struct pg_store *store,
			 struct pg_repo *repo, const struct check_opts *o, const struct pg_config *cfg)
{
	const char *defaults[] = { "origin/HEAD", "main" };
	const char *only[1];
	const char *const *candidates = defaults;
	size_t n = 2;
	int rc;

	if (o->base || cfg->base) {
		only[0] = o->base ? o->base : cfg->base;
		candidates = only;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		*used = candidates[i];
		if ((rc = pg_lookup_baseline(l, store, repo, "HEAD", candidates[i], cfg->max_distance)) < 0)
			return rc;
		if (l->status != PG_LOOKUP_BASE_MISSING)
			return 0;
	}
	if (n == 2)
		snprintf(l->message, sizeof l->message, "neither 'origin/HEAD' nor 'main' exists here, and no "
			 "base is set: fetch the base branch, pass --base REV, or set \"base\" in the config");
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = { .config = PG_CONFIG_DEFAULT, .out = CHECK_OUT_DEFAULT };
	struct pg_config cfg = { 0 };
	struct pg_repo *repo = NULL;
	struct pg_store *store = NULL;
	struct pg_baseline *baseline = NULL;
	struct pg_host host = { 0 };
	struct pg_lookup lookup;
	struct pg_check_report rep = { 0 };
	const struct pg_bench_config **todo = NULL;
	const char *base_used = NULL;
	char head[PG_COMMIT_HEX_MAX + 1], work_template[4096], label[16];
	char *work_dir = NULL;
	size_t ntodo = 0;
	int rc = PG_EXIT_ERROR, found, err;

	int pr = parse_args(&o, argc, argv);
	if (pr != 0) {
		pg_opt_release(&check_command, &o);
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	}
	if (pg_report_dir_refuse_link(o.out) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	if (pg_config_load(&cfg, o.config) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	for (size_t i = 0; i < o.benches.n; i++) {
		if (!pg_config_find(&cfg, o.benches.v[i])) {
			pg_report_error("check", "--bench: no benchmark '%s' in '%s'", o.benches.v[i], cfg.path);
			goto done;
		}
	}
	if (!(todo = calloc(cfg.nbenches + 1, sizeof *todo))) {
		pg_report_error("check", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < cfg.nbenches; i++) {
		int wanted = o.benches.n == 0;

		for (size_t k = 0; k < o.benches.n; k++)
			wanted |= !strcmp(o.benches.v[k], cfg.benches[i].name);
		if (o.shard_count && i % o.shard_count != o.shard_index - 1)
			wanted = 0;
		if (wanted)
			todo[ntodo++] = &cfg.benches[i];
	}

	if (pg_repo_open(&repo, cfg.dir) < 0) {
		pg_report_error("check", "%s: check compares commits", pg_error_last());
		goto done;
	}
	if (pg_repo_resolve(head, repo, "HEAD") < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	enum pg_compare_mode mode = o.compare ? o.compare : cfg.compare;

	if (mode == PG_COMPARE_DEFAULT)
		mode = cfg.build.run ? PG_COMPARE_INTERLEAVED : PG_COMPARE_BASELINE;
	if (mode == PG_COMPARE_INTERLEAVED && !cfg.build.run && !o.calibrate) {
		fprintf(stderr, "profgate check: interleaved mode needs \"build\" in '%s' (how to build a "
			"checkout's benchmarks); comparing with the stored baseline instead\n", cfg.path);
		mode = PG_COMPARE_BASELINE;
	}
	struct pg_check_interleaved ia = {
		.cfg = &cfg, .repo = repo, .head = head, .lookup = &lookup, .todo = todo, .ntodo = ntodo,
		.out = o.out, .report_url = o.report_url, .quiet = o.quiet, .shard_index = o.shard_index,
		.shard_count = o.shard_count, .bench_line = bench_line,
	};

	if (o.calibrate || mode == PG_COMPARE_INTERLEAVED) {
		if (pg_repo_is_dirty(&ia.dirty, repo) < 0) {
			pg_report_error("check", "%s", pg_error_last());
			goto done;
		}
		if (ia.dirty && !o.quiet)
			fprintf(stderr, "profgate check: warning: '%s' has uncommitted changes\n", pg_repo_path(repo));
	}
	if (o.calibrate) {
		rc = pg_check_calibrate(&ia);
		goto done;
	}
	if (o.store)
		err = pg_store_open(&store, o.store, NULL, repo);
	else
		err = pg_store_open(&store, cfg.store, cfg.dir, repo);
	if (err < 0) {
		pg_report_error("check", "%s%s", o.store ? "--store: " : cfg.store ? "config 'store': " : "",
				pg_error_last());
		goto done;
	}
	if (find_baseline(&lookup, &base_used, store, repo, &o, &cfg) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	if (mode == PG_COMPARE_INTERLEAVED) {
		ia.base_rev = base_used;
		rc = pg_check_interleaved(&ia);
		goto done;
	}
	found = lookup.status == PG_LOOKUP_FOUND;
	if (found && pg_store_read(&baseline, store, lookup.found) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	if (pg_host_detect(&host) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}

	rep.alpha = PG_VERDICT_ALPHA;
	rep.shard_index = o.shard_index;
	rep.shard_count = o.shard_count;
	if (pg_repo_is_dirty(&rep.dirty, repo) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	if (!(rep.version = strdup(PG_VERSION)) || !(rep.head = strdup(head)) ||
	    !(rep.base_rev = xstrdup(base_used)) || (lookup.base[0] && !(rep.base_commit = strdup(lookup.base))) ||
	    !(rep.lookup_status = strdup(pg_lookup_status_name(lookup.status))) ||
	    (!found && !(rep.lookup_message = strdup(lookup.message))) ||
	    (found && !(rep.baseline_commit = strdup(lookup.found))) ||
	    (baseline && !(rep.baseline_recorded_at = xstrdup(baseline->recorded_at)) && baseline->recorded_at) ||
	    (baseline && !(rep.baseline_source = xstrdup(baseline->source)) && baseline->source) ||
	    (o.report_url && *o.report_url && !(rep.report_url = strdup(o.report_url))) ||
	    !(rep.out_dir = strdup(o.out)) ||
	    !(rep.benches = calloc(ntodo + 1, sizeof *rep.benches))) {
		pg_report_error("check", "out of memory");
		goto done;
	}
	rep.baseline_distance = lookup.distance;
	if (baseline && strcmp(baseline->host.fingerprint, host.fingerprint) &&
	    asprintf(&rep.note, "the baseline was recorded on another kind of machine (%s, %d CPUs; here: %s, "
		     "%d CPUs): timings may differ for that reason alone",
		     baseline->host.cpu_model ? baseline->host.cpu_model : "unknown CPU", baseline->host.cpus,
		     host.cpu_model ? host.cpu_model : "unknown CPU", host.cpus) < 0)
		rep.note = NULL;
	/* With no base set, say which default was taken: the first check of
	 * a project otherwise leaves the reader guessing. */
	if (!o.base && !cfg.base && (!found || !o.quiet)) {
		fputs("profgate check: no base set (--base, or \"base\" in the config): using '", stderr);
		pg_term_puts(stderr, base_used ? base_used : "?");
		fprintf(stderr, "'%s%.12s\n", lookup.base[0] ? ", merge-base with HEAD " : "", lookup.base);
	}
	if (!found) {
		fprintf(stderr, "profgate check: no baseline (%s): ", pg_lookup_status_name(lookup.status));
		pg_term_puts(stderr, lookup.message);
		fputc('\n', stderr);
	} else if (!o.quiet) {
		fprintf(stderr, "profgate check: baseline of %.12s (%u commit%s before the merge-base with '",
			lookup.found, lookup.distance, lookup.distance == 1 ? "" : "s");
		pg_term_puts(stderr, base_used);
		fputs("') from ", stderr);
		pg_term_puts(stderr, baseline->source ? baseline->source : pg_store_describe(store));
		fputc('\n', stderr);
	}
	if (rep.dirty && !o.quiet) {
		fputs("profgate check: warning: '", stderr);
		pg_term_puts(stderr, pg_repo_path(repo));
		fputs("' has uncommitted changes\n", stderr);
	}
	snprintf(label, sizeof label, "%.12s", found ? lookup.found : "");

	const char *tmp = getenv("TMPDIR");

	snprintf(work_template, sizeof work_template, "%s/profgate-check.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work_template)) {
		pg_report_error("check", "cannot create a folder in '%s': %s", tmp && *tmp ? tmp : "/tmp",
				strerror(errno));
		goto done;
	}
	work_dir = work_template;
	if (pg_mkdirs(o.out) < 0) {
		pg_report_error("check", "--out: %s", pg_error_last());
		goto done;
	}

	int tty = isatty(STDERR_FILENO);
	struct pg_gate_opts gopts = { .alpha = PG_VERDICT_ALPHA, .is_allocator = pg_run_is_allocator_frame };

	for (size_t i = 0; i < ntodo; i++) {
		const struct pg_bench_config *bc = todo[i];
		struct pg_bench_progress progress = { o.quiet ? NULL : stderr, tty, i + 1, ntodo };
		struct pg_baseline_bench bench = { 0 };
		struct pg_bench_outcome outcome = { 0 };
		struct pg_baseline_bench *before = baseline ? pg_baseline_find(baseline, bc->name) : NULL;
		struct pg_check_bench *cb = &rep.benches[rep.nbenches];
		struct pg_machine_sample m_start, m_end;
		char *message = NULL;
		int ran;

		if (!(bench.name = strdup(bc->name)) || !(bench.recorded_at = pg_baseline_now()) ||
		    !(bench.host_fingerprint = strdup(host.fingerprint))) {
			pg_baseline_bench_release(&bench);
			pg_report_error("check", "out of memory");
			goto done;
		}
		bench.dirty = rep.dirty;
		pg_machine_sample(&m_start);
		err = pg_bench_run(&bench, &outcome, bc, work_dir, &progress);
		pg_machine_sample(&m_end);
		pg_machine_busy(&gopts.machine_idle, &gopts.machine_others, &m_start, &m_end);
		if (err < 0) {
			pg_report_error("check", "benchmark '%s': %s", bc->name, pg_error_last());
			pg_baseline_bench_release(&bench);
			pg_bench_outcome_release(&outcome);
			goto done;
		}
		ran = outcome.ok;
		if (!ran) {
			pg_report_error("check", "benchmark '%s' failed: %s", bc->name, outcome.failure);
			pg_bench_print_stderr_tail("check", bc->name, outcome.stderr_tail);
			if (asprintf(&message, "the benchmark failed: %s", outcome.failure) < 0)
				message = NULL;
		} else if (!found) {
			message = strdup(lookup.message);
		} else if (!before) {
			if (asprintf(&message, "no baseline for this benchmark in %.12s (it is new, or was not "
				     "recorded there): record it on the base branch with 'profgate record "
				     "--bench %s'", lookup.found, bc->name) < 0)
				message = NULL;
		}
		err = pg_gate_compare(cb, ran ? before : NULL, ran ? &bench : NULL, bc->name, bc->thresholds,
				      message, &gopts);
		free(message);
		rep.nbenches++;
		if (err == 0 && ran)
			err = pg_gate_write_files(cb, before, &bench, o.out, label);
		pg_baseline_bench_release(&bench);
		pg_bench_outcome_release(&outcome);
		if (err < 0) {
			pg_report_error("check", "benchmark '%s': %s", bc->name, pg_error_last());
			goto done;
		}
		if (!o.quiet)
			bench_line(cb, i + 1, ntodo);
	}
	pg_gate_tally(&rep, found);

	if (pg_report_dir_write(&rep, o.out) < 0 || pg_report_dir_publish(&rep, o.out) < 0) {
		pg_report_error("check", "%s", pg_error_last());
		goto done;
	}
	pg_report_dir_print(&rep, o.out, "check");
	rc = rep.exit_code;
done:
	if (work_dir)
		pg_remove_tree(work_dir);
	pg_check_report_release(&rep);
	pg_host_release(&host);
	pg_baseline_free(baseline);
	pg_store_free(store);
	pg_repo_free(repo);
	pg_config_release(&cfg);
	free(todo);
	pg_opt_release(&check_command, &o);
	return rc;
}
