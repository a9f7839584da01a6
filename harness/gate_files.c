/*
 * A check report's per-benchmark files (gate_files.h).
 *
 * The baseline's CPU stacks are the sum of its timing runs, and so are the
 * current ones: with as many runs on each side, the weights compare as
 * they are and a frame that grew is time that grew. When the number of
 * runs differs (the config's "repeat" changed), the baseline is scaled to
 * the current number of runs first. Peak-memory stacks are averages of the
 * memory runs on both sides and compare as they are.
 */
#define _GNU_SOURCE
#include "gate_files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "diff.h"
#include "error.h"
#include "folded.h"
#include "report_html.h"
#include "stats.h"

/* A copy of p with every weight times num/den (rounded; kept >= 1). */
static int scaled_copy(struct pg_profile **out, const struct pg_profile *p, size_t num, size_t den)
{
	struct pg_profile *c = NULL;
	pg_frame_id *map = NULL;
	size_t nf = pg_profile_frame_count(p);
	int rc;

	*out = NULL;
	if ((rc = pg_profile_new(&c)) < 0)
		return rc;
	map = calloc(nf ? nf : 1, sizeof *map);
	if (!map) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t f = 0; f < nf; f++) {
		const char *name = pg_profile_frame_name(p, (pg_frame_id)f);

		if ((rc = pg_profile_intern(&map[f], c, name, strlen(name))) < 0)
			goto done;
	}
	for (size_t i = 0; i < pg_profile_stack_count(p); i++) {
		const struct pg_stack *st = pg_profile_stack(p, i);
		pg_frame_id *frames = malloc(st->depth * sizeof *frames);
		double w = round((double)st->weight * (double)num / (double)den);

		if (!frames) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		for (uint32_t d = 0; d < st->depth; d++)
			frames[d] = map[st->frames[d]];
		rc = pg_profile_add_stack(c, frames, st->depth, st->tid, w < 1 ? 1 : (uint64_t)w);
		free(frames);
		if (rc < 0)
			goto done;
	}
	*out = c;
	c = NULL;
	rc = 0;
done:
	free(map);
	pg_profile_free(c);
	return rc;
}

static char *join(const char *a, const char *b, const char *c)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s", a, b, c) < 0)
		return NULL;
	return s;
}

/* Writes a file of the benchmark's folder; *rel (owned) gets its path
 * relative to the report folder. */
static int bench_path(char **full, char **rel, const char *out_dir, const char *bench, const char *file)
{
	*full = NULL;
	if (rel && !(*rel = join(bench, "/", file)))
		return pg_error_set("out of memory");
	if (asprintf(full, "%s/%s/%s", out_dir, bench, file) < 0) {
		*full = NULL;
		return pg_error_set("out of memory");
	}
	return 0;
}

/* The median of metric m over the runs of b, -1 when none measured it. */
static double median_or_minus1(const struct pg_baseline_bench *b, enum pg_metric m)
{
	double v = pg_baseline_bench_median(b, m);

	return isnan(v) ? -1 : v;
}

static int write_current(struct pg_check_bench *b, struct pg_baseline_bench *current,
			 const struct pg_profile *cpu, const struct pg_profile *mem, const char *out_dir)
{
	char *path = NULL, *title = NULL;
	int rc = 0;

	if (cpu) {
		if ((rc = bench_path(&path, NULL, out_dir, b->name, "cpu.folded")) < 0 ||
		    (rc = pg_folded_write_file(cpu, path)) < 0)
			goto done;
		free(path);
		path = NULL;
	}
	if (mem) {
		if ((rc = bench_path(&path, NULL, out_dir, b->name, "mem-peak.folded")) < 0 ||
		    (rc = pg_folded_write_file(mem, path)) < 0)
			goto done;
		free(path);
		path = NULL;
	}
	if (asprintf(&title, "%s: current (%zu timing run%s, %zu memory run%s merged)", b->name,
		     current->nruns, current->nruns == 1 ? "" : "s", current->nmem_runs,
		     current->nmem_runs == 1 ? "" : "s") < 0) {
		title = NULL;
		rc = pg_error_set("out of memory");
		goto done;
	}
	struct pg_report rep = {
		.title = title, .command = current->command, .argc = (int)current->ncommand,
		.wall_seconds = median_or_minus1(current, PG_METRIC_WALL),
		.cpu_seconds = median_or_minus1(current, PG_METRIC_CPU),
		.hz = current->hz, .mode = "cpu", .cpu = cpu, .mem_peak = mem,
		.peak_heap_bytes = (int64_t)median_or_minus1(current, PG_METRIC_PEAK_HEAP),
		.cpu_note = "no CPU samples: the benchmark ran too briefly, or \"repeat\" is 0",
		.mem_note = "no memory runs: \"mem_repeat\" is 0",
	};
	if ((rc = bench_path(&path, &b->profile, out_dir, b->name, "report.html")) < 0 ||
	    (rc = pg_report_html_write(&rep, path)) < 0)
		goto done;
done:
	free(path);
	free(title);
	return rc;
}

/* A diff of an earlier check that this one does not write must not stay
 * next to the new files as if it were current. */
static void remove_stale(const char *out_dir, const char *bench, const char *file)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s/%s", out_dir, bench, file) >= 0) {
		unlink(path);
		free(path);
	}
}

int pg_gate_write_files(struct pg_check_bench *b, struct pg_baseline_bench *baseline,
			struct pg_baseline_bench *current, const char *out_dir,
			const char *baseline_label)
{
	struct pg_profile *cpu_b = NULL, *cpu_a = NULL, *mem_b = NULL, *mem_a = NULL, *scaled = NULL;
	char *dir = NULL, *path = NULL, *title = NULL;
	int rc;

	if (!current)
		return 0;
	if (!(dir = join(out_dir, "/", b->name))) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	if ((rc = pg_mkdirs(dir)) < 0)
		goto done;
	if ((rc = pg_baseline_bench_profile(&cpu_a, current, PG_BASELINE_CPU)) < 0 ||
	    (rc = pg_baseline_bench_profile(&mem_a, current, PG_BASELINE_MEM_PEAK)) < 0)
		goto done;
	if ((rc = write_current(b, current, cpu_a, mem_a, out_dir)) < 0)
		goto done;
	if (!baseline)
		goto done;
	if ((rc = pg_baseline_bench_profile(&cpu_b, baseline, PG_BASELINE_CPU)) < 0 ||
	    (rc = pg_baseline_bench_profile(&mem_b, baseline, PG_BASELINE_MEM_PEAK)) < 0)
		goto done;
	if (cpu_b && cpu_a && pg_profile_total(cpu_b) > 0 && pg_profile_total(cpu_a) > 0) {
		const struct pg_profile *before = cpu_b;

		if (baseline->nruns != current->nruns && baseline->nruns > 0 && current->nruns > 0) {
			if ((rc = scaled_copy(&scaled, cpu_b, current->nruns, baseline->nruns)) < 0)
				goto done;
			before = scaled;
		}
		if (asprintf(&title, "%s: CPU, baseline %s vs current (samples of %zu runs)", b->name,
			     baseline_label, current->nruns) < 0) {
			title = NULL;
			rc = pg_error_set("out of memory");
			goto done;
		}
		struct pg_diff_opts o = { .title = title, .unit = "samples", .normalize = 0,
					  .hz = current->hz };
		if ((rc = bench_path(&path, &b->diff_cpu, out_dir, b->name, "diff-cpu.html")) < 0 ||
		    (rc = pg_diff_html_write(before, cpu_a, &o, path)) < 0)
			goto done;
		free(path);
		free(title);
		path = title = NULL;
	}
	if (mem_b && mem_a && (pg_profile_total(mem_b) > 0 || pg_profile_total(mem_a) > 0)) {
		if (asprintf(&title, "%s: bytes at the heap peak, baseline %s vs current", b->name,
			     baseline_label) < 0) {
			title = NULL;
			rc = pg_error_set("out of memory");
			goto done;
		}
		struct pg_diff_opts o = { .title = title, .unit = "bytes", .normalize = 0 };
		if ((rc = bench_path(&path, &b->diff_mem, out_dir, b->name, "diff-mem.html")) < 0 ||
		    (rc = pg_diff_html_write(mem_b, mem_a, &o, path)) < 0)
			goto done;
	}
	rc = 0;
done:
	if (rc == 0 && !b->diff_cpu)
		remove_stale(out_dir, b->name, "diff-cpu.html");
	if (rc == 0 && !b->diff_mem)
		remove_stale(out_dir, b->name, "diff-mem.html");
	pg_profile_free(scaled);
	free(dir);
	free(path);
	free(title);
	return rc;
}
