/*
 * `profgate merge-reports [options] SHARD_DIR...`: joins the report folders
 * that `profgate check --shard K/N` wrote on the jobs of a CI matrix into
 * one report, so that a pull request gets one comment and one verdict.
 *
 * Each shard's result.json is read back (reporters/check_json_read.c, a
 * strict reader: the folders come from CI artifacts). The shards must be
 * of the same check: the same head, the same baseline lookup, the same
 * number of shards, each shard once and each benchmark once. A missing
 * shard is an error unless --partial, which says so in the report and
 * makes the verdict at least inconclusive: a benchmark nobody measured
 * must not pass for one that passed.
 *
 * The merged report is an unsharded one: each shard's benchmark folders
 * are copied into the output folder (result.json's paths are relative to
 * it, so every link keeps working), the tally is recomputed by the gate's
 * own pg_gate_tally, and the four files, the GitHub step summary and
 * annotations and the terminal summary are those of `check`
 * (report_dir.c). The output folder may be one of the shard folders.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "array.h"
#include "check_json_read.h"
#include "check_writers.h"
#include "cmds.h"
#include "config.h"
#include "error.h"
#include "gate.h"
#include "report_dir.h"

#define CMD "merge-reports"
#define MERGE_OUT_DEFAULT "profgate-report"
/* Folders inside a benchmark's folder: profgate writes none; a few levels
 * are copied, and a deeper tree (or one that contains the output folder
 * itself) is refused rather than followed down. */
#define MAX_DEPTH 4
/* Missing shards named in a message before "and N more". */
#define MISSING_NAMED 10

struct merge_opts {
	const char *out;
	const char *report_url;
	const char *config;  /* NULL: PG_CONFIG_DEFAULT, if there is one */
	int partial;
	char **dirs;
	size_t ndirs;
};

struct shard {
	const char *dir;
	struct pg_check_report r;
};

/* A benchmark of the merged report: where it comes from, and its place. */
struct item {
	struct pg_check_bench *bench;  /* in its shard's report, until moved */
	const struct shard *shard;
	size_t config_index;            /* SIZE_MAX: not in the config (or none) */
};

static int check_folder(void *opts, const char *value)
{
	(void)opts;
	return *value ? 0 : pg_error_set("expected a folder, got ''");
}

static const struct pg_opt_spec merge_options[] = {
	{ .name = "out", .arg = "DIR", PG_OPT_KEEP(struct merge_opts, out), PG_OPT_CHECK(check_folder),
	  .help = "the merged report folder (default profgate-report); it may be one of the SHARD_DIRs" },
	{ .name = "report-url", .arg = "URL", PG_OPT_KEEP(struct merge_opts, report_url),
	  .help = "where the report folder will be served: links in summary.md start with it "
		  "(default: paths as text)" },
	{ .name = "partial", PG_OPT_SET_INT(struct merge_opts, partial, 1),
	  .help = "merge even if shards are missing: the report names them and the verdict is at "
		  "least inconclusive" },
	{ .name = "config", .short_name = 'c', .arg = "FILE", PG_OPT_KEEP(struct merge_opts, config),
	  .help = "the config, to list the benchmarks in its order (default profgate.json if there "
		  "is one; else by shard, then name)" },
};

static const struct pg_opt_command merge_command = {
	.name = CMD,
	.usage = "[options] SHARD_DIR...",
	.about = "Joins the report folders of a sharded check (`profgate check --shard K/N`, one\n"
		 "per job of a CI matrix) into one report: the benchmark folders of every shard\n"
		 "are copied into the output folder, and summary.md (the pull-request comment),\n"
		 "result.json, junit.xml and index.html are written for all of them, with the\n"
		 "verdict and exit status an unsharded check would give.\n\n"
		 "The shards must come from the same check: the same head commit, the same\n"
		 "baseline, the same number of shards, each shard once and no benchmark twice.\n",
	.specs = merge_options,
	.nspecs = PG_OPT_COUNT(merge_options),
	.after = "With GITHUB_STEP_SUMMARY set, summary.md is appended to it; with\n"
		 "GITHUB_ACTIONS=true, each regression is also printed as an ::error annotation.\n\n"
		 "exit status: 0 passed; 1 a benchmark regressed; 2 usage error, a shard folder\n"
		 "that cannot be read or does not belong with the others, a missing shard\n"
		 "(without --partial), or a benchmark that failed to run; 3 inconclusive (no\n"
		 "baseline, results too noisy to decide, or shards missing with --partial).\n",
};

static int parse_args(struct merge_opts *o, int argc, char **argv)
{
	char **dirs;
	int n, pr = pg_cmd_options(&dirs, &n, &merge_command, o, argc, argv);

	if (pr != 0)
		return pr;
	if (n < 1) {
		pg_report_error(CMD, "expected the report folders of the shards; see 'profgate merge-reports --help'");
		return -1;
	}
	o->dirs = dirs;
	o->ndirs = (size_t)n;
	return 0;
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* A field of one shard against the first, as "its head commit is 'x', not 'y'". */
static int differs(const struct shard *s, const struct shard *first, const char *what, const char *mine,
		   const char *theirs)
{
	if (same(mine, theirs))
		return 0;
	pg_report_error(CMD, "'%s' does not belong with '%s': its %s is '%.64s', not '%.64s'", s->dir, first->dir,
			what, mine ? mine : "none", theirs ? theirs : "none");
	return 1;
}

/* The shards are of one check: same head, baseline and shard count. */
static int check_together(const struct shard *shards, size_t n)
{
	const struct shard *first = &shards[0];

	for (size_t i = 0; i < n; i++) {
		const struct shard *s = &shards[i];
		char mine[16], theirs[16];

		if (s->r.shard_count == 0) {
			pg_report_error(CMD, "'%s' is not the report of a shard: its check ran without --shard K/N", s->dir);
			return -1;
		}
		if (i == 0)
			continue;
		snprintf(mine, sizeof mine, "%u", s->r.shard_count);
		snprintf(theirs, sizeof theirs, "%u", first->r.shard_count);
		if (differs(s, first, "head commit", s->r.head, first->r.head) ||
		    differs(s, first, "baseline lookup", s->r.lookup_status, first->r.lookup_status) ||
		    differs(s, first, "base commit", s->r.base_commit, first->r.base_commit) ||
		    differs(s, first, "baseline commit", s->r.baseline_commit, first->r.baseline_commit) ||
		    differs(s, first, "shard count", mine, theirs))
			return -1;
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(shards[k].dir, s->dir)) {
				pg_report_error(CMD, "'%s' is given twice", s->dir);
				return -1;
			}
			if (shards[k].r.shard_index == s->r.shard_index) {
				pg_report_error(CMD, "'%s' is shard %u/%u again: '%s' is that shard too", s->dir,
						s->r.shard_index, s->r.shard_count, shards[k].dir);
				return -1;
			}
		}
	}
	return 0;
}

/* The shards not given, as "2/3" or "2/5, 4/5" or "2/50, 3/50, ... and
 * 31 more" ("" when none is); *count says how many. The caller frees. */
static char *missing_shards(size_t *count, const struct shard *shards, size_t n)
{
	unsigned total = shards[0].r.shard_count;
	unsigned char *present = calloc(total + 1, 1);
	char *text = NULL;
	size_t len = 0, named = 0;
	FILE *f;

	*count = 0;
	if (!present || !(f = open_memstream(&text, &len))) {
		free(present);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		present[shards[i].r.shard_index] = 1;
	for (unsigned k = 1; k <= total; k++) {
		if (present[k])
			continue;
		if ((*count)++ < MISSING_NAMED)
			fprintf(f, "%s%u/%u", named++ ? ", " : "", k, total);
	}
	if (*count > named)
		fprintf(f, " and %zu more", *count - named);
	free(present);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* A path of result.json's "files": inside the benchmark's own folder
 * ("<name>/<file>"), and a regular file there, so that the link to it
 * works once the folder is copied. */
static int check_file(const struct shard *s, const struct pg_check_bench *b, const char *key, const char *rel)
{
	size_t n = strlen(b->name);
	char *path = NULL;
	struct stat st;
	int ok;

	if (!rel)
		return 0;
	ok = !strncmp(rel, b->name, n) && rel[n] == '/' && rel[n + 1] && !strchr(rel + n + 1, '/') &&
	     strcmp(rel + n + 1, ".") && strcmp(rel + n + 1, "..");
	if (!ok) {
		pg_report_error(CMD, "'%s/result.json': benchmark '%s': files.%s '%.100s' is not a file of the "
				"benchmark's folder", s->dir, b->name, key, rel);
		return -1;
	}
	if (asprintf(&path, "%s/%s", s->dir, rel) < 0) {
		pg_report_error(CMD, "out of memory");
		return -1;
	}
	if (lstat(path, &st) != 0)
		pg_report_error(CMD, "'%s' is listed in '%s/result.json' but cannot be read: %s", path, s->dir,
				strerror(errno));
	else if (!S_ISREG(st.st_mode))
		pg_report_error(CMD, "'%s' is listed in '%s/result.json' but is not a regular file", path, s->dir);
	ok = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok ? 0 : -1;
}

static int by_name(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return strcmp(x->bench->name, y->bench->name);
}

/* Config order when known, else shard then name. */
static int by_place(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->config_index != y->config_index)
		return x->config_index < y->config_index ? -1 : 1;
	if (x->shard->r.shard_index != y->shard->r.shard_index)
		return x->shard->r.shard_index < y->shard->r.shard_index ? -1 : 1;
	return strcmp(x->bench->name, y->bench->name);
}

/* Every benchmark of every shard, checked: a safe name, its files in its
 * own folder, and no name twice. */
static int collect(struct item **out, size_t *nout, const struct shard *shards, size_t n)
{
	struct item *items = NULL;
	size_t total = 0, k = 0;

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < n; i++)
		total += shards[i].r.nbenches;
	if (!(items = calloc(total + 1, sizeof *items))) {
		pg_report_error(CMD, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct shard *s = &shards[i];

		for (size_t j = 0; j < s->r.nbenches; j++) {
			struct pg_check_bench *b = &s->r.benches[j];

			if (!pg_bench_name_valid(b->name)) {
				pg_report_error(CMD, "'%s/result.json': '%.100s' is not a safe benchmark name", s->dir,
						b->name);
				goto fail;
			}
			if (check_file(s, b, "diff_cpu", b->diff_cpu) < 0 || check_file(s, b, "diff_mem", b->diff_mem) < 0 ||
			    check_file(s, b, "profile", b->profile) < 0)
				goto fail;
			items[k++] = (struct item){ b, s, SIZE_MAX };
		}
	}
	qsort(items, total, sizeof *items, by_name);
	for (size_t i = 1; i < total; i++) {
		if (!strcmp(items[i - 1].bench->name, items[i].bench->name)) {
			const char *a = items[i - 1].shard->dir, *b = items[i].shard->dir;

			if (a == b)
				pg_report_error(CMD, "'%s/result.json' has benchmark '%s' twice", a, items[i].bench->name);
			else
				pg_report_error(CMD, "benchmark '%s' is in both '%s' and '%s'", items[i].bench->name, a, b);
			goto fail;
		}
	}
	*out = items;
	*nout = total;
	return 0;
fail:
	free(items);
	return -1;
}

/* Places the items in the config's order, when there is a config to tell
 * it: the one given, or profgate.json if there is one (a default that
 * cannot be read only costs the order, and says so). */
static int order(struct item *items, size_t n, const struct merge_opts *o)
{
	struct pg_config cfg = { 0 };
	const char *path = o->config ? o->config : PG_CONFIG_DEFAULT;

	if (o->config || access(PG_CONFIG_DEFAULT, F_OK) == 0) {
		if (pg_config_load(&cfg, path) == 0) {
			for (size_t i = 0; i < n; i++) {
				const struct pg_bench_config *bc = pg_config_find(&cfg, items[i].bench->name);

				if (bc)
					items[i].config_index = (size_t)(bc - cfg.benches);
			}
		} else if (o->config) {
			pg_report_error(CMD, "%s", pg_error_last());
			pg_config_release(&cfg);
			return -1;
		} else {
			pg_report_error(CMD, "warning: %s: benchmarks listed by shard and name", pg_error_last());
		}
		pg_config_release(&cfg);
	}
	qsort(items, n, sizeof *items, by_place);
	return 0;
}

struct copy_job {
	int fd;
	const char *src, *dst;
};

static int copy_job(void *job, FILE *f)
{
	const struct copy_job *j = job;
	char buf[65536];
	ssize_t n;

	while ((n = read(j->fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pg_error_set("cannot read '%s': %s", j->src, strerror(errno));
		if (fwrite(buf, 1, (size_t)n, f) != (size_t)n)
			return pg_error_set("cannot write '%s': %s", j->dst, strerror(errno));
	}
	return 0;
}

static int copy_file(const char *src, const char *dst)
{
	struct copy_job job = { -1, src, dst };
	struct stat st;
	int rc;

	/* O_NOFOLLOW: a link swapped in after the folder was listed is refused too. */
	if ((job.fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return pg_error_set("cannot open '%s': %s", src, strerror(errno));
	if (fstat(job.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(job.fd);
		return pg_error_set("'%s' is not a regular file: not copied", src);
	}
	rc = pg_afile_write_with(dst, copy_job, &job);
	close(job.fd);
	return rc;
}

/* cp -r src dst, for a benchmark's folder: regular files and folders
 * only (profgate writes nothing else there; a link could copy any file
 * the merging job can read into a published artifact). The listing is
 * read whole before anything is written, so that a destination inside
 * the source is not copied into itself. */
static int copy_tree(const char *src, const char *dst, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return pg_error_set("'%s': folders nested too deep in a benchmark's folder: not copied", src);
	if (!(d = opendir(src)))
		return pg_error_set("cannot open '%s': %s", src, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((rc = PG_ARRAY_RESERVE(names, cap, n + 1)) < 0)
			break;
		if (!(names[n] = strdup(e->d_name))) {
			rc = pg_error_set("out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (rc == 0)
		rc = pg_mkdirs(dst);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *from = NULL, *to = NULL;
		struct stat st;

		if (asprintf(&from, "%s/%s", src, names[i]) < 0 || asprintf(&to, "%s/%s", dst, names[i]) < 0) {
			rc = pg_error_set("out of memory");
		} else if (lstat(from, &st) != 0) {
			rc = pg_error_set("cannot read '%s': %s", from, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = copy_tree(from, to, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			rc = copy_file(from, to);
		} else {
			rc = pg_error_set("'%s' is %s: not copied", from,
					  S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
		}
		free(from);
		free(to);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* A diff the merged benchmark does not have must not stay in the output
 * folder from an earlier report as if it were current (as check does). */
static void remove_stale(const char *out, const struct pg_check_bench *b)
{
	static const char *const files[] = { "diff-cpu.html", "diff-mem.html" };
	const char *have[] = { b->diff_cpu, b->diff_mem };

	for (size_t i = 0; i < 2; i++) {
		char *path = NULL;

		if (!have[i] && asprintf(&path, "%s/%s/%s", out, b->name, files[i]) >= 0) {
			unlink(path);
			free(path);
		}
	}
}

/* OUT/<name>/ from the shard's <name>/, unless they are the same folder
 * (OUT is that shard's folder). */
static int copy_bench(const struct shard *s, const struct pg_check_bench *b, const char *out)
{
	char *src = NULL, *dst = NULL;
	struct stat from, to;
	int rc = 0;

	if (asprintf(&src, "%s/%s", s->dir, b->name) < 0 || asprintf(&dst, "%s/%s", out, b->name) < 0) {
		free(src);
		return pg_error_set("out of memory");
	}
	if (lstat(src, &from) != 0) {
		/* A benchmark that failed to run has no folder, and lists no file. */
		if (errno != ENOENT)
			rc = pg_error_set("cannot read '%s': %s", src, strerror(errno));
	} else if (!S_ISDIR(from.st_mode)) {
		rc = pg_error_set("'%s' is %s: not copied", src,
				  S_ISLNK(from.st_mode) ? "a symbolic link" : "not a folder");
	} else if (lstat(dst, &to) == 0 && to.st_dev == from.st_dev && to.st_ino == from.st_ino) {
		rc = 0;  /* already there */
	} else if (lstat(dst, &to) == 0 && S_ISLNK(to.st_mode)) {
		rc = pg_error_set("'%s' is a symbolic link: profgate does not write through links", dst);
	} else if ((rc = copy_tree(src, dst, 0)) == 0) {
		remove_stale(out, b);
	}
	free(src);
	free(dst);
	return rc;
}

/* The note of the merged report: the shards' own notes, each once, and
 * which shards are missing. The caller frees; NULL when there is none. */
static int merged_note(char **out, const struct shard *shards, size_t n, const char *missing, size_t nmissing)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int any = 0;

	*out = NULL;
	if (!f)
		return pg_error_set("out of memory");
	for (size_t i = 0; i < n; i++) {
		int seen = 0;

		for (size_t k = 0; k < i && !seen; k++)
			seen = same(shards[k].r.note, shards[i].r.note);
		if (shards[i].r.note && !seen)
			fprintf(f, "%s%s", any++ ? " " : "", shards[i].r.note);
	}
	if (nmissing)
		fprintf(f, "%sshard%s %s %s missing from this report (merged with --partial): %s benchmarks were "
			"not checked.", any++ ? " " : "", nmissing == 1 ? "" : "s", missing, nmissing == 1 ? "is" : "are",
			nmissing == 1 ? "its" : "their");
	if (fclose(f) != 0) {
		free(text);
		return pg_error_set("out of memory");
	}
	if (!any) {
		free(text);
		return 0;
	}
	*out = text;
	return 0;
}

static char *xstrdup(const char *s, int *failed)
{
	char *c = s ? strdup(s) : NULL;

	if (s && !c)
		*failed = 1;
	return c;
}

/* The merged report's header, from the first shard (the others agree on
 * what matters: check_together). */
static int merged_header(struct pg_check_report *rep, const struct shard *shards, size_t n,
			 const struct merge_opts *o)
{
	const struct pg_check_report *f = &shards[0].r;
	int failed = 0;

	rep->version = xstrdup(f->version, &failed);
	rep->head = xstrdup(f->head, &failed);
	rep->base_rev = xstrdup(f->base_rev, &failed);
	rep->base_commit = xstrdup(f->base_commit, &failed);
	rep->lookup_status = xstrdup(f->lookup_status, &failed);
	rep->lookup_message = xstrdup(f->lookup_message, &failed);
	rep->baseline_commit = xstrdup(f->baseline_commit, &failed);
	rep->baseline_distance = f->baseline_distance;
	rep->baseline_recorded_at = xstrdup(f->baseline_recorded_at, &failed);
	rep->baseline_source = xstrdup(f->baseline_source, &failed);
	rep->alpha = f->alpha;
	rep->report_url = o->report_url && *o->report_url ? xstrdup(o->report_url, &failed) : NULL;
	rep->out_dir = xstrdup(o->out, &failed);
	for (size_t i = 0; i < n; i++)
		rep->dirty |= shards[i].r.dirty;
	return failed ? pg_error_set("out of memory") : 0;
}

int cmd_merge_reports(int argc, char **argv)
{
	struct merge_opts o = { .out = MERGE_OUT_DEFAULT };
	struct shard *shards = NULL;
	struct item *items = NULL;
	struct pg_check_report rep = { 0 };
	char *missing = NULL;
	size_t nshards = 0, nitems = 0, nmissing = 0;
	int rc = PG_EXIT_ERROR, pr;

	if ((pr = parse_args(&o, argc, argv)) != 0)
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	if (pg_report_dir_refuse_link(o.out) < 0) {
		pg_report_error(CMD, "%s", pg_error_last());
		goto done;
	}
	if (!(shards = calloc(o.ndirs, sizeof *shards))) {
		pg_report_error(CMD, "out of memory");
		goto done;
	}
	for (; nshards < o.ndirs; nshards++) {
		struct shard *s = &shards[nshards];
		char *path = NULL;
		struct stat st;
		int err;

		s->dir = o.dirs[nshards];
		if (asprintf(&path, "%s/result.json", s->dir) < 0) {
			pg_report_error(CMD, "out of memory");
			goto done;
		}
		/* An artifact's result.json is a plain file; a FIFO or a device
		 * (or a link to one) would hang or never end. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
			err = pg_error_set("'%s' is not a regular file", path);
		else
			err = pg_check_json_read(&s->r, path);
		free(path);
		if (err < 0) {
			pg_report_error(CMD, "%s", pg_error_last());
			nshards++;
			goto done;
		}
	}
	if (check_together(shards, nshards) < 0 || collect(&items, &nitems, shards, nshards) < 0)
		goto done;
	if (!(missing = missing_shards(&nmissing, shards, nshards))) {
		pg_report_error(CMD, "out of memory");
		goto done;
	}
	if (nmissing && !o.partial) {
		pg_report_error(CMD, "shard%s %s %s missing: give the report folder of every shard, or --partial "
				"to merge what there is", nmissing == 1 ? "" : "s", missing, nmissing == 1 ? "is" : "are");
		goto done;
	}
	if (order(items, nitems, &o) < 0)
		goto done;

	if (merged_header(&rep, shards, nshards, &o) < 0 || merged_note(&rep.note, shards, nshards, missing, nmissing) < 0 ||
	    !(rep.benches = calloc(nitems + 1, sizeof *rep.benches))) {
		pg_report_error(CMD, "out of memory");
		goto done;
	}
	if (pg_mkdirs(o.out) < 0) {
		pg_report_error(CMD, "--out: %s", pg_error_last());
		goto done;
	}
	for (size_t i = 0; i < nitems; i++) {
		if (copy_bench(items[i].shard, items[i].bench, o.out) < 0) {
			pg_report_error(CMD, "%s", pg_error_last());
			goto done;
		}
		/* Moved: the shard's report no longer owns it. */
		rep.benches[rep.nbenches++] = *items[i].bench;
		memset(items[i].bench, 0, sizeof *items[i].bench);
	}
	pg_gate_tally(&rep, rep.lookup_status && !strcmp(rep.lookup_status, "found"));
	/* A benchmark of a missing shard was not measured: never a pass. */
	if (nmissing && rep.verdict < PG_VERDICT_INCONCLUSIVE) {
		rep.verdict = PG_VERDICT_INCONCLUSIVE;
		rep.exit_code = PG_EXIT_INCONCLUSIVE;
	}
	if (pg_report_dir_write(&rep, o.out) < 0 || pg_report_dir_publish(&rep, o.out) < 0) {
		pg_report_error(CMD, "%s", pg_error_last());
		goto done;
	}
	pg_report_dir_print(&rep, o.out, CMD);
	rc = rep.exit_code;
done:
	pg_check_report_release(&rep);
	for (size_t i = 0; i < nshards; i++)
		pg_check_report_release(&shards[i].r);
	free(shards);
	free(items);
	free(missing);
	return rc;
}
