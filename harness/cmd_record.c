/*
 * `profgate record [options]`: runs every benchmark of profgate.json and
 * stores the result as the baseline of a commit (HEAD by default), in the
 * configured store, merged with what that commit's baseline already holds.
 *
 * The order of the work is chosen so that mistakes show before minutes of
 * benchmarks: the config, the commit and the store are all checked first.
 * A benchmark that fails is reported with its stderr and left out; the
 * others are still stored, and the exit status (2) says that something
 * failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "bench_runner.h"
#include "afile.h"
#include "cmds.h"
#include "config.h"
#include "error.h"
#include "repo.h"
#include "store.h"
#include "term.h"

#ifndef PG_VERSION
#define PG_VERSION "unknown"
#endif

struct record_opts {
	const char *config;
	struct pg_opt_list benches;
	const char *store;
	const char *commit;
	int quiet;
};

static const struct pg_opt_spec record_options[] = {
	{ .name = "config", .short_name = 'c', .arg = "FILE", PG_OPT_KEEP(struct record_opts, config),
	  .help = "the config (default profgate.json)" },
	{ .name = "bench", .arg = "NAME", PG_OPT_APPEND(struct record_opts, benches), .help = "only this benchmark" },
	{ .name = "store", .arg = "SPEC", PG_OPT_KEEP(struct record_opts, store),
	  .help = "where baselines go: a directory (relative to the current one), 'git-notes' or "
		  "'git-notes:REF' (default: the config's \"store\", relative to the config's folder, "
		  "else .profgate/baselines there)" },
	{ .name = "commit", .arg = "REV", PG_OPT_KEEP(struct record_opts, commit),
	  .help = "the commit the baseline belongs to (default HEAD)" },
	{ .name = "quiet", .short_name = 'q', PG_OPT_SET_INT(struct record_opts, quiet, 1), .help = "no progress lines" },
};

static const struct pg_opt_command record_command = {
	.name = "record",
	.usage = "[options]",
	.about = "Runs every benchmark of the config (warm-up runs, `repeat` timing runs with the\n"
		 "CPU sampler, `mem_repeat` memory runs with the allocation tracker) and stores\n"
		 "the result as the baseline of a commit, merged with the benchmarks already\n"
		 "recorded for that commit.\n",
	.specs = record_options,
	.nspecs = PG_OPT_COUNT(record_options),
	.after = "Baselines in git notes travel with the repository:\n"
		 "  git push origin refs/notes/profgate\n"
		 "  git fetch origin refs/notes/profgate:refs/notes/profgate\n\n"
		 "exit status: 0 recorded; 2 usage, config or tool error, or a benchmark failed\n"
		 "(named on stderr; the others are still recorded).\n",
};

static int parse_args(struct record_opts *o, int argc, char **argv)
{
	char **rest;
	int n, pr = pg_cmd_options(&rest, &n, &record_command, o, argc, argv);

	if (pr != 0)
		return pr;
	if (n > 0) {
		pg_report_error("record", "unexpected argument '%s'; see 'profgate record --help'", rest[0]);
		return -1;
	}
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = { .config = PG_CONFIG_DEFAULT };
	struct pg_config cfg = { 0 };
	struct pg_repo *repo = NULL;
	struct pg_store *store = NULL;
	struct pg_baseline *baseline = NULL;
	const struct pg_bench_config **todo = NULL;
	char head[PG_COMMIT_HEX_MAX + 1], commit[PG_COMMIT_HEX_MAX + 1];
	char work_template[4096];
	char *work_dir = NULL, *location = NULL;
	size_t ntodo = 0, nfailed = 0, nok = 0;
	double runs_wall = 0, elapsed = 0;
	int dirty = 0, rc = PG_EXIT_ERROR, err;

	int pr = parse_args(&o, argc, argv);
	if (pr != 0) {
		pg_opt_release(&record_command, &o);
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	}
	if (pg_config_load(&cfg, o.config) < 0) {
		pg_report_error("record", "%s", pg_error_last());
		goto done;
	}
	todo = calloc(cfg.nbenches + 1, sizeof *todo);
	if (!todo) {
		pg_report_error("record", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < o.benches.n; i++) {
		if (!pg_config_find(&cfg, o.benches.v[i])) {
			pg_report_error("record", "--bench: no benchmark '%s' in '%s'", o.benches.v[i], cfg.path);
			goto done;
		}
	}
	for (size_t i = 0; i < cfg.nbenches; i++) {
		int wanted = o.benches.n == 0;

		for (size_t k = 0; k < o.benches.n; k++)
			wanted |= !strcmp(o.benches.v[k], cfg.benches[i].name);
		if (wanted)
			todo[ntodo++] = &cfg.benches[i];
	}

	if ((err = pg_repo_open(&repo, cfg.dir)) < 0) {
		pg_report_error("record", "%s: a baseline belongs to a commit", pg_error_last());
		goto done;
	}
	if (pg_repo_resolve(head, repo, "HEAD") < 0) {
		pg_report_error("record", "%s", pg_error_last());
		goto done;
	}
	if (o.commit) {
		if (pg_repo_resolve(commit, repo, o.commit) < 0) {
			pg_report_error("record", "--commit: %s", pg_error_last());
			goto done;
		}
	} else {
		strcpy(commit, head);
	}
	if (o.store)
		err = pg_store_open(&store, o.store, NULL, repo);
	else
		err = pg_store_open(&store, cfg.store, cfg.dir, repo);
	if (err < 0) {
		pg_report_error("record", "%s%s", o.store ? "--store: " : cfg.store ? "config 'store': " : "",
				pg_error_last());
		goto done;
	}
	if (pg_repo_is_dirty(&dirty, repo) < 0) {
		pg_report_error("record", "%s", pg_error_last());
		goto done;
	}
	if (dirty)
		fprintf(stderr, "profgate record: warning: '%s' has uncommitted changes; the baseline of "
			"%.12s is marked dirty\n", pg_repo_path(repo), commit);
	if (strcmp(commit, head))
		fprintf(stderr, "profgate record: warning: recording for %.12s ('%s'), which is not HEAD "
			"(%.12s): the benchmarks run the programs as they are built here\n",
			commit, o.commit, head);

	const char *tmp = getenv("TMPDIR");

	snprintf(work_template, sizeof work_template, "%s/profgate-record.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work_template)) {
		pg_report_error("record", "cannot create a folder in '%s': %s", tmp && *tmp ? tmp : "/tmp",
				strerror(errno));
		goto done;
	}
	work_dir = work_template;

	if (pg_baseline_new(&baseline) < 0 || pg_host_detect(&baseline->host) < 0 ||
	    !(baseline->recorded_at = pg_baseline_now()) ||
	    !(baseline->profgate_version = strdup(PG_VERSION))) {
		pg_report_error("record", "%s", pg_error_last());
		goto done;
	}
	strcpy(baseline->commit, commit);
	baseline->dirty = dirty;

	int tty = isatty(STDERR_FILENO);

	for (size_t i = 0; i < ntodo; i++) {
		const struct pg_bench_config *bc = todo[i];
		struct pg_bench_progress progress = { o.quiet ? NULL : stderr, tty, i + 1, ntodo };
		struct pg_baseline_bench bench = { 0 };
		struct pg_bench_outcome outcome;

		if (!(bench.name = strdup(bc->name)) || !(bench.recorded_at = pg_baseline_now()) ||
		    !(bench.host_fingerprint = strdup(baseline->host.fingerprint))) {
			pg_baseline_bench_release(&bench);
			pg_report_error("record", "out of memory");
			goto done;
		}
		bench.dirty = dirty;
		if (pg_bench_run(&bench, &outcome, bc, work_dir, &progress) < 0) {
			pg_report_error("record", "benchmark '%s': %s", bc->name, pg_error_last());
			pg_baseline_bench_release(&bench);
			pg_bench_outcome_release(&outcome);
			goto done;
		}
		runs_wall += outcome.runs_wall;
		elapsed += outcome.elapsed;
		if (!outcome.ok) {
			nfailed++;
			pg_report_error("record", "benchmark '%s' failed: %s; it is not recorded", bc->name,
					outcome.failure);
			pg_bench_print_stderr_tail("record", bc->name, outcome.stderr_tail);
			pg_baseline_bench_release(&bench);
		} else {
			double wall = pg_baseline_bench_median(&bench, PG_METRIC_WALL);

			if (!o.quiet)
				fprintf(stderr, "[%zu/%zu] %s  done  %zu run%s, median %.2f s\n", i + 1, ntodo,
					bc->name, bench.nruns, bench.nruns == 1 ? "" : "s", isnan(wall) ? 0 : wall);
			if (pg_baseline_take_bench(baseline, &bench) < 0) {
				pg_report_error("record", "%s", pg_error_last());
				pg_baseline_bench_release(&bench);
				pg_bench_outcome_release(&outcome);
				goto done;
			}
			nok++;
		}
		pg_bench_outcome_release(&outcome);
	}

	if (nok > 0) {
		/* Re-recording a commit replaces its benchmarks of the same name:
		 * say which, so that it never happens unnoticed. */
		struct pg_baseline *old = NULL;
		int rr = pg_store_read(&old, store, commit);

		if (rr == 0) {
			size_t nrep = 0;

			for (size_t k = 0; k < baseline->nbenches; k++) {
				if (!pg_baseline_find(old, baseline->benches[k].name))
					continue;
				fprintf(stderr, "%s%s", nrep++ ? ", " : "profgate record: commit already recorded: "
					"replacing its benchmark(s) ", baseline->benches[k].name);
			}
			if (nrep)
				fprintf(stderr, " (recorded %s); %zu other(s) kept\n",
					old->recorded_at ? old->recorded_at : "earlier", old->nbenches - nrep);
		}
		/* One that cannot be read: pg_store_write refuses it, saying how
		 * to fix it. */
		pg_baseline_free(old);
		if (pg_store_write(store, baseline, &location) < 0) {
			pg_report_error("record", "%s", pg_error_last());
			goto done;
		}
		fprintf(stderr, "profgate record: baseline of %s (%zu benchmark%s%s) written to ", commit,
			nok, nok == 1 ? "" : "s", dirty ? ", dirty tree" : "");
		pg_term_puts(stderr, location);
		fputc('\n', stderr);
	}
	if (!o.quiet && runs_wall > 0)
		fprintf(stderr, "profgate record: the benchmarks ran %.2f s; profgate added %.2f s (%.1f%%)\n",
			runs_wall, elapsed - runs_wall, 100 * (elapsed - runs_wall) / runs_wall);
	if (nfailed > 0) {
		pg_report_error("record", "%zu of %zu benchmark%s failed; %s", nfailed, ntodo,
				ntodo == 1 ? "" : "s", nok ? "the others are recorded" : "nothing recorded");
		rc = PG_EXIT_ERROR;
	} else {
		rc = PG_EXIT_OK;
	}
done:
	if (work_dir)
		pg_remove_tree(work_dir);
	free(location);
	pg_baseline_free(baseline);
	pg_store_free(store);
	pg_repo_free(repo);
	pg_config_release(&cfg);
	free(todo);
	pg_opt_release(&record_command, &o);
	return rc;
}
