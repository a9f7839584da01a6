/*
 * `profgate baseline list|show REV|rm REV`: inspect and prune the stored
 * baselines.
 *
 * The store is the one `record` would use: --store, else the config's
 * "store", else .profgate/baselines next to the config (or here, without a
 * config). REV is anything git resolves (HEAD~3, a branch, an abbreviated
 * id); outside a repository, or for a commit the clone does not have, a
 * full id or an unambiguous prefix of a stored baseline's commit.
 *
 * A corrupt or foreign file in the store is reported by name and makes the
 * exit status 2, but never hides the baselines that are fine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "baseline.h"
#include "cmds.h"
#include "config.h"
#include "error.h"
#include "repo.h"
#include "stats.h"
#include "store.h"
#include "term.h"

struct baseline_opts {
	const char *config;  /* NULL: PG_CONFIG_DEFAULT, if there is one */
	const char *store;
	int json;
	const char *sub;
	const char *rev;
};

static const struct pg_opt_spec baseline_options[] = {
	{ .name = "config", .short_name = 'c', .arg = "FILE", PG_OPT_KEEP(struct baseline_opts, config),
	  .help = "the config whose store to use (default profgate.json)" },
	{ .name = "store", .arg = "SPEC", PG_OPT_KEEP(struct baseline_opts, store),
	  .help = "a directory, 'git-notes' or 'git-notes:REF' instead" },
	{ .name = "json", PG_OPT_SET_INT(struct baseline_opts, json, 1), .help = "machine-readable output (list, show)" },
};

static const struct pg_opt_command baseline_command = {
	.name = "baseline",
	.usage = "list [options]\nshow REV [--json] [options]\nrm REV [options]",
	.about = "Inspects and prunes stored baselines.\n"
		 "  list       every baseline: commit, date, benchmarks, size, where it is\n"
		 "  show REV   the baseline of REV: host, runs, medians, hot functions\n"
		 "             (--json: the stored file as it is)\n"
		 "  rm REV     removes the baseline of REV\n",
	.specs = baseline_options,
	.nspecs = PG_OPT_COUNT(baseline_options),
	.after = "exit status: 0 ok; 2 usage error, no such baseline, or a corrupt or foreign\n"
		 "file in the store (named on stderr).\n",
};

static int parse_args(struct baseline_opts *o, int argc, char **argv)
{
	char **args;
	int n, i = 0;
	/* Options may come before or after the subcommand and REV. */
	int pr = pg_cmd_options(&args, &n, &baseline_command, o, argc, argv);

	if (pr != 0)
		return pr;
	if (i >= n) {
		pg_report_error("baseline", "no subcommand; usage: profgate baseline list|show REV|rm REV");
		return -1;
	}
	o->sub = args[i++];
	if (strcmp(o->sub, "list") && strcmp(o->sub, "show") && strcmp(o->sub, "rm")) {
		pg_report_error("baseline", "'%s' is not list, show or rm", o->sub);
		return -1;
	}
	if (strcmp(o->sub, "list")) {
		if (i >= n) {
			pg_report_error("baseline", "%s: no revision given; usage: profgate baseline %s REV",
					o->sub, o->sub);
			return -1;
		}
		o->rev = args[i++];
	}
	if (i < n) {
		pg_report_error("baseline", "unexpected argument '%s'", args[i]);
		return -1;
	}
	if (o->json && !strcmp(o->sub, "rm")) {
		pg_report_error("baseline", "rm: --json is for list and show");
		return -1;
	}
	return 0;
}

static void human_size(char *buf, size_t size, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%.0f %s", bytes, units[u]);
	else
		snprintf(buf, size, "%.1f %s", bytes, units[u]);
}

/* Full commit id of rev: through git when it knows rev, else a unique
 * prefix of a stored baseline's commit (a clone without that commit, or no
 * repository at all). */
static int resolve_rev(char out[PG_COMMIT_HEX_MAX + 1], struct pg_repo *repo, struct pg_store *store,
		       const char *rev)
{
	size_t len = strlen(rev);
	int rc, hex = len >= 4 && len <= PG_COMMIT_HEX_MAX;

	if (repo) {
		rc = pg_repo_resolve(out, repo, rev);
		if (rc == 0 || rc != PG_ENOTFOUND)
			return rc;
	}
	for (size_t i = 0; i < len; i++)
		hex &= (rev[i] >= '0' && rev[i] <= '9') || (rev[i] >= 'a' && rev[i] <= 'f');
	if (!hex)
		return repo ? pg_error_setc(PG_ENOTFOUND, "%s", pg_error_last())
			    : pg_error_setc(PG_ENOTFOUND, "'%s' is not a commit id, and there is no git "
					    "repository here to resolve it", rev);
	return pg_store_find_prefix(out, store, rev);
}

static int do_list(struct pg_store *store, int json)
{
	struct pg_store_entry *e = NULL;
	size_t n = 0, bad = 0;
	char size[32];

	if (pg_store_list(&e, &n, store) < 0) {
		pg_report_error("baseline", "%s", pg_error_last());
		return PG_EXIT_ERROR;
	}
	if (json) {
		cJSON *a = cJSON_CreateArray();
		char *text;

		for (size_t i = 0; a && i < n; i++) {
			cJSON *o = cJSON_CreateObject(), *names;

			if (!o)
				break;
			cJSON_AddItemToArray(a, o);
			if (e[i].commit[0])
				cJSON_AddStringToObject(o, "commit", e[i].commit);
			else
				cJSON_AddNullToObject(o, "commit");
			cJSON_AddStringToObject(o, "location", e[i].location);
			cJSON_AddNumberToObject(o, "size", (double)e[i].size);
			if (e[i].error) {
				cJSON_AddStringToObject(o, "error", e[i].error);
				continue;
			}
			cJSON_AddStringToObject(o, "recorded_at", e[i].recorded_at);
			cJSON_AddBoolToObject(o, "dirty", e[i].dirty);
			names = cJSON_AddArrayToObject(o, "benchmarks");
			for (size_t k = 0; names && k < e[i].nbenches; k++)
				cJSON_AddItemToArray(names, cJSON_CreateString(e[i].benches[k]));
		}
		text = a ? cJSON_Print(a) : NULL;
		if (text)
			printf("%s\n", text);
		else
			pg_report_error("baseline", "out of memory");
		free(text);
		cJSON_Delete(a);
	} else if (n > 0) {
		printf("%-12s  %-20s  %10s  %9s  %s\n", "COMMIT", "RECORDED", "BENCHMARKS", "SIZE", "STORED AT");
	}
	for (size_t i = 0; i < n; i++) {
		if (e[i].error) {
			bad++;
			pg_report_error("baseline", "%s", e[i].error);
			continue;
		}
		if (json)
			continue;
		human_size(size, sizeof size, (double)e[i].size);
		char recorded[64];

		printf("%.12s  %-20s  %10zu  %9s  ", e[i].commit,
		       pg_term_escape(recorded, sizeof recorded, e[i].recorded_at), e[i].nbenches, size);
		pg_term_puts(stdout, e[i].location);
		printf("%s\n", e[i].dirty ? "  (dirty)" : "");
	}
	if (n == 0 && !json) {
		fputs("profgate baseline: no baselines in ", stderr);
		pg_term_puts(stderr, pg_store_describe(store));
		fputc('\n', stderr);
	}
	pg_store_entries_free(e, n);
	return bad ? PG_EXIT_ERROR : PG_EXIT_OK;
}

/* Median, min and max of v[0..n) (n > 0). */
static void stats(const double *v, size_t n, double *med, double *min, double *max)
{
	*med = pg_stats_median(v, n);
	*min = *max = v[0];
	for (size_t i = 1; i < n; i++) {
		*min = fmin(*min, v[i]);
		*max = fmax(*max, v[i]);
	}
}

/* The median, min and max of metric m over the runs that measure it (the
 * memory runs for one that both measure). */
static void show_metric(enum pg_metric m, const struct pg_baseline_bench *b)
{
	const struct pg_metric_def *d = pg_metric(m);
	int timing = d->runs == PG_RUNS_TIMING;
	size_t nruns = timing ? b->nruns : b->nmem_runs, n = 0;
	double *v, med, min, max;
	char x[32], y[32], z[32];

	if (d->runs == PG_RUNS_NONE || (timing && nruns == 0) || !(v = malloc((nruns ? nruns : 1) * sizeof *v)))
		return;
	for (size_t i = 0; i < nruns; i++) {
		double value = timing ? b->runs[i].values[m] : b->mem_runs[i].values[m];

		if (!isnan(value))
			v[n++] = value;
	}
	if (n == 0) {
		free(v);
		printf("  %-13s not measured\n", d->name);
		return;
	}
	stats(v, n, &med, &min, &max);
	free(v);
	switch (d->unit) {
	case PG_UNIT_SECONDS:
		printf("  %-13s median %.3f s  (min %.3f, max %.3f)\n", d->name, med, min, max);
		return;
	case PG_UNIT_BYTES:
		human_size(x, sizeof x, med);
		human_size(y, sizeof y, min);
		human_size(z, sizeof z, max);
		printf("  %-13s median %s  (min %s, max %s)\n", d->name, x, y, z);
		return;
	case PG_UNIT_COUNT:
	case PG_UNIT_PERCENT:
		break;
	}
	printf("  %-13s median %.0f  (min %.0f, max %.0f)\n", d->name, med, min, max);
}

static int show_stacks(const char *what, struct pg_baseline_bench *b, enum pg_baseline_kind kind)
{
	const struct pg_baseline_stacks *s = kind == PG_BASELINE_CPU ? &b->cpu : &b->mem_peak;
	struct pg_profile *p = NULL;
	char total[32];

	if (!s->present) {
		printf("  %-13s none\n", what);
		return 0;
	}
	/* Decoding checks the stacks too: show is where corruption surfaces. */
	if (pg_baseline_bench_profile(&p, b, kind) < 0)
		return -1;
	if (kind == PG_BASELINE_CPU)
		snprintf(total, sizeof total, "%llu samples", (unsigned long long)s->total);
	else
		human_size(total, sizeof total, (double)s->total);
	printf("  %-13s %zu stacks, %s over %u run%s", what, pg_profile_stack_count(p), total, s->runs,
	       s->runs == 1 ? "" : "s");
	if (s->pruned.stacks > 0)
		printf("; %llu lighter than %g%% folded into their callers (%.2f%% of the weight)",
		       (unsigned long long)s->pruned.stacks, 100 * s->pruned.threshold,
		       s->total ? 100.0 * (double)s->pruned.weight / (double)s->total : 0.0);
	printf("\n");
	return 0;
}

static int cmp_self(const void *a, const void *b)
{
	const struct pg_baseline_function *x = *(const struct pg_baseline_function *const *)a;
	const struct pg_baseline_function *y = *(const struct pg_baseline_function *const *)b;

	return x->self < y->self ? 1 : x->self > y->self ? -1 : strcmp(x->name, y->name);
}

/* The functions that burn the time themselves: hot functions are stored by
 * inclusive share, where main and _start lead. */
static void show_hot(const struct pg_baseline_bench *b)
{
	const struct pg_baseline_function **v;
	size_t n = 0;

	if (b->nhot == 0 || !(v = malloc(b->nhot * sizeof *v)))
		return;
	for (size_t i = 0; i < b->nhot; i++)
		if (b->hot[i].self > 0)
			v[n++] = &b->hot[i];
	qsort(v, n, sizeof *v, cmp_self);
	printf("  %-13s", "hot (self)");
	for (size_t k = 0; k < n && k < 5; k++) {
		fputs(k ? ", " : " ", stdout);
		pg_term_puts(stdout, v[k]->name);
		printf(" %.1f%%", 100 * v[k]->self);
	}
	printf("%s\n", n ? "" : " none");
	free(v);
}

static int do_show(struct pg_store *store, struct pg_repo *repo, const char *rev, int json)
{
	char commit[PG_COMMIT_HEX_MAX + 1];
	struct pg_baseline *b = NULL;
	char *text = NULL, *location = NULL;
	size_t len = 0;
	int rc = PG_EXIT_ERROR;

	if (resolve_rev(commit, repo, store, rev) < 0) {
		pg_report_error("baseline", "show: %s", pg_error_last());
		return PG_EXIT_ERROR;
	}
	if (pg_store_read_raw(&text, &len, &location, store, commit) < 0 ||
	    pg_baseline_parse(&b, text, len, location) < 0) {
		pg_report_error("baseline", "show: %s", pg_error_last());
		goto done;
	}
	if (strcmp(b->commit, commit)) {
		pg_report_error("baseline", "show: '%s': holds the baseline of commit '%s', not of '%s'",
				location, b->commit, commit);
		goto done;
	}
	if (json) {
		fwrite(text, 1, len, stdout);
		if (len == 0 || text[len - 1] != '\n')
			putchar('\n');
		rc = PG_EXIT_OK;
		goto done;
	}
	char size[32];

	human_size(size, sizeof size, (double)len);
	printf("commit     %s%s\n", b->commit, b->dirty ? "  (recorded from a dirty working tree)" : "");
	/* Everything but the commit comes from the stored file as it is. */
	char t[6][256];

	printf("recorded   %s by profgate %s\n", pg_term_escape(t[0], sizeof t[0], b->recorded_at),
	       pg_term_escape(t[1], sizeof t[1], b->profgate_version));
	printf("host       %s: %s, %d CPU%s, %s %s, %s (fingerprint %s)\n",
	       pg_term_escape(t[0], sizeof t[0], b->host.hostname ? b->host.hostname : "?"),
	       pg_term_escape(t[1], sizeof t[1], b->host.cpu_model ? b->host.cpu_model : "?"),
	       b->host.cpus, b->host.cpus == 1 ? "" : "s",
	       pg_term_escape(t[2], sizeof t[2], b->host.kernel ? b->host.kernel : "?"),
	       pg_term_escape(t[3], sizeof t[3], b->host.arch ? b->host.arch : "?"),
	       pg_term_escape(t[4], sizeof t[4], b->host.os ? b->host.os : "?"),
	       pg_term_escape(t[5], sizeof t[5], b->host.fingerprint));
	printf("stored at  ");
	pg_term_puts(stdout, location);
	printf(" (%s)\n", size);
	printf("benchmarks %zu\n", b->nbenches);
	for (size_t i = 0; i < b->nbenches; i++) {
		struct pg_baseline_bench *bench = &b->benches[i];

		printf("\n%s  (%zu timing run%s, %zu memory run%s, %zu warm-up; %u Hz%s)\n", bench->name,
		       bench->nruns, bench->nruns == 1 ? "" : "s", bench->nmem_runs,
		       bench->nmem_runs == 1 ? "" : "s", bench->nwarmup, bench->hz,
		       bench->dirty ? "; dirty tree" : "");
		printf("  %-13s", "command");
		for (size_t k = 0; k < bench->ncommand; k++) {
			fputc(' ', stdout);
			pg_term_puts(stdout, bench->command[k]);
		}
		printf("\n");
		for (int m = 0; m < PG_METRIC_COUNT; m++)
			show_metric((enum pg_metric)m, bench);
		if (show_stacks("cpu stacks", bench, PG_BASELINE_CPU) < 0 ||
		    show_stacks("mem stacks", bench, PG_BASELINE_MEM_PEAK) < 0) {
			pg_report_error("baseline", "show: %s", pg_error_last());
			goto done;
		}
		show_hot(bench);
	}
	rc = PG_EXIT_OK;
done:
	pg_baseline_free(b);
	free(text);
	free(location);
	return rc;
}

static int do_rm(struct pg_store *store, struct pg_repo *repo, const char *rev)
{
	char commit[PG_COMMIT_HEX_MAX + 1];

	if (resolve_rev(commit, repo, store, rev) < 0 || pg_store_remove(store, commit) < 0) {
		pg_report_error("baseline", "rm: %s", pg_error_last());
		return PG_EXIT_ERROR;
	}
	printf("removed the baseline of %s from ", commit);
	pg_term_puts(stdout, pg_store_describe(store));
	putchar('\n');
	return PG_EXIT_OK;
}

int cmd_baseline(int argc, char **argv)
{
	struct baseline_opts o = { 0 };
	struct pg_config cfg = { 0 };
	struct pg_repo *repo = NULL;
	struct pg_store *store = NULL;
	int have_config = 0, rc = PG_EXIT_ERROR, err;

	int pr = parse_args(&o, argc, argv);
	if (pr != 0)
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	/* The config only tells where the store is: without -c, a missing
	 * profgate.json just means the default store. */
	err = pg_config_load(&cfg, o.config ? o.config : PG_CONFIG_DEFAULT);
	if (err == 0) {
		have_config = 1;
	} else if (err != PG_ENOTFOUND || o.config) {
		pg_report_error("baseline", "%s", pg_error_last());
		goto done;
	}
	err = pg_repo_open(&repo, have_config ? cfg.dir : ".");
	if (err < 0 && err != PG_ENOTFOUND) {
		pg_report_error("baseline", "%s", pg_error_last());
		goto done;
	}
	if (o.store)
		err = pg_store_open(&store, o.store, NULL, repo);
	else if (have_config)
		err = pg_store_open(&store, cfg.store, cfg.dir, repo);
	else
		err = pg_store_open(&store, NULL, NULL, repo);
	if (err < 0) {
		pg_report_error("baseline", "%s", pg_error_last());
		goto done;
	}
	if (!strcmp(o.sub, "list"))
		rc = do_list(store, o.json);
	else if (!strcmp(o.sub, "show"))
		rc = do_show(store, repo, o.rev, o.json);
	else
		rc = do_rm(store, repo, o.rev);
done:
	pg_store_free(store);
	pg_repo_free(repo);
	pg_config_release(&cfg);
	return rc;
}
