/*
 * The baseline model and its JSON form (schema profgate.baseline/1), read
 * and written with cJSON.
 *
 * The reader is strict about what it needs (the schema, the commit, every
 * benchmark's metrics with their types) and tolerant of fields it does not
 * know, so that a newer profgate can add fields without breaking an older
 * reader. A document it cannot trust is refused as a whole, with the file
 * (or note) and the field named: a half-read baseline would make `check`
 * compare against numbers nobody recorded.
 *
 * The stacks are kept encoded after parsing (pointers into the cJSON
 * document, which the baseline owns) and decoded on first use; a reader that
 * only wants the metrics of fifty benchmarks never pays for half a million
 * stacks.
 */
#define _GNU_SOURCE
#include "baseline.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "error.h"
#include "jsonread.h"
#include "jsonwrite.h"
#include "stacktree.h"
#include "stats.h"

/* ---- model ------------------------------------------------------------ */

int pg_baseline_new(struct pg_baseline **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : pg_error_set("out of memory");
}

static void stacks_release(struct pg_baseline_stacks *s)
{
	pg_profile_free(s->profile);
	memset(s, 0, sizeof *s);
}

void pg_baseline_bench_release(struct pg_baseline_bench *b)
{
	free(b->name);
	for (size_t i = 0; i < b->ncommand; i++)
		free(b->command[i]);
	free(b->command);
	free(b->recorded_at);
	free(b->host_fingerprint);
	free(b->warmup_wall);
	for (size_t i = 0; i < b->nruns; i++)
		free(b->runs[i].functions);
	free(b->runs);
	free(b->mem_runs);
	for (size_t i = 0; i < b->nhot; i++)
		free(b->hot[i].name);
	free(b->hot);
	stacks_release(&b->cpu);
	stacks_release(&b->mem_peak);
	free(b->source);
	memset(b, 0, sizeof *b);
}

void pg_host_release(struct pg_host *h)
{
	free(h->hostname);
	free(h->cpu_model);
	free(h->kernel);
	free(h->arch);
	free(h->os);
	memset(h, 0, sizeof *h);
}

void pg_baseline_free(struct pg_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nbenches; i++)
		pg_baseline_bench_release(&b->benches[i]);
	free(b->benches);
	free(b->recorded_at);
	free(b->profgate_version);
	pg_host_release(&b->host);
	free(b->source);
	cJSON_Delete(b->doc);
	free(b);
}

struct pg_baseline_bench *pg_baseline_find(const struct pg_baseline *b, const char *name)
{
	for (size_t i = 0; i < b->nbenches; i++)
		if (!strcmp(b->benches[i].name, name))
			return &b->benches[i];
	return NULL;
}

int pg_baseline_add_bench(struct pg_baseline_bench **out, struct pg_baseline *b, const char *name)
{
	struct pg_baseline_bench *n;

	*out = NULL;
	if (pg_baseline_find(b, name))
		return pg_error_setc(PG_EINVALID, "benchmark '%s' is already in the baseline", name);
	if (b->nbenches >= SIZE_MAX / sizeof *n - 1)
		return pg_error_set("out of memory");
	n = realloc(b->benches, (b->nbenches + 1) * sizeof *n);
	if (!n)
		return pg_error_set("out of memory");
	b->benches = n;
	memset(&n[b->nbenches], 0, sizeof *n);
	n[b->nbenches].name = strdup(name);
	if (!n[b->nbenches].name)
		return pg_error_set("out of memory");
	*out = &n[b->nbenches++];
	return 0;
}

int pg_baseline_take_bench(struct pg_baseline *b, struct pg_baseline_bench *bench)
{
	struct pg_baseline_bench *n;

	if (!bench->name)
		return pg_error_setc(PG_EINVALID, "a benchmark needs a name");
	if (pg_baseline_find(b, bench->name))
		return pg_error_setc(PG_EINVALID, "benchmark '%s' is already in the baseline", bench->name);
	n = realloc(b->benches, (b->nbenches + 1) * sizeof *n);
	if (!n)
		return pg_error_set("out of memory");
	b->benches = n;
	n[b->nbenches++] = *bench;
	memset(bench, 0, sizeof *bench);
	return 0;
}

int pg_baseline_bench_set_profile(struct pg_baseline_bench *bench, enum pg_baseline_kind kind,
				  struct pg_profile *p, unsigned runs, double prune_fraction)
{
	struct pg_baseline_stacks *s = pg_baseline_bench_stacks(bench, kind);
	struct pg_stacktree t;
	struct pg_profile *pruned = NULL;
	int rc;

	stacks_release(s);
	if (!p)
		return 0;
	if ((rc = pg_stacktree_build(&t, p)) < 0) {
		pg_profile_free(p);
		return rc;
	}
	pg_stacktree_prune(&t, prune_fraction, &s->pruned);
	rc = pg_stacktree_to_profile(&pruned, &t);
	pg_stacktree_release(&t);
	pg_profile_free(p);
	if (rc < 0) {
		memset(s, 0, sizeof *s);
		return rc;
	}
	s->present = 1;
	s->runs = runs;
	s->profile = pruned;
	s->total = pg_profile_total(pruned);
	s->count = pg_profile_stack_count(pruned);
	return 0;
}

int pg_baseline_merge_profiles(struct pg_profile **out, struct pg_profile *const *profiles,
			       size_t n, int average)
{
	struct pg_profile *sum = NULL, *avg = NULL;
	pg_frame_id *map = NULL, *path = NULL;
	size_t path_cap = 0, used = 0;
	int rc;

	*out = NULL;
	if ((rc = pg_profile_new(&sum)) < 0)
		return rc;
	for (size_t k = 0; k < n; k++) {
		const struct pg_profile *p = profiles[k];

		if (!p)
			continue;
		used++;
		size_t nnames = pg_profile_frame_count(p);
		pg_frame_id *nm = realloc(map, (nnames ? nnames : 1) * sizeof *nm);

		if (!nm) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		map = nm;
		for (size_t i = 0; i < nnames; i++) {
			const char *name = pg_profile_frame_name(p, (pg_frame_id)i);

			if ((rc = pg_profile_intern(&map[i], sum, name, strlen(name))) < 0)
				goto done;
		}
		for (size_t i = 0; i < pg_profile_stack_count(p); i++) {
			const struct pg_stack *s = pg_profile_stack(p, i);

			if (s->depth > path_cap) {
				size_t ncap = s->depth * 2;
				pg_frame_id *np = realloc(path, ncap * sizeof *np);

				if (!np) {
					rc = pg_error_set("out of memory");
					goto done;
				}
				path = np;
				path_cap = ncap;
			}
			for (uint32_t d = 0; d < s->depth; d++)
				path[d] = map[s->frames[d]];
			if ((rc = pg_profile_add_stack(sum, path, s->depth, PG_TID_ANY, s->weight)) < 0)
				goto done;
		}
	}
	if (average && used > 1) {
		if ((rc = pg_profile_new(&avg)) < 0)
			goto done;
		for (size_t i = 0; i < pg_profile_frame_count(sum); i++) {
			const char *name = pg_profile_frame_name(sum, (pg_frame_id)i);
			pg_frame_id id;

			/* Same order, so the same ids. */
			if ((rc = pg_profile_intern(&id, avg, name, strlen(name))) < 0)
				goto done;
		}
		for (size_t i = 0; i < pg_profile_stack_count(sum); i++) {
			const struct pg_stack *s = pg_profile_stack(sum, i);
			uint64_t w = s->weight / used + (s->weight % used * 2 >= used);

			if (w > 0 && (rc = pg_profile_add_stack(avg, s->frames, s->depth, PG_TID_ANY, w)) < 0)
				goto done;
		}
		*out = avg;
		avg = NULL;
	} else {
		*out = sum;
		sum = NULL;
	}
	rc = 0;
done:
	pg_profile_free(sum);
	pg_profile_free(avg);
	free(map);
	free(path);
	return rc;
}

/* ---- small helpers ---------------------------------------------------- */

int pg_commit_id_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == 40 || n == 64;
}

char *pg_baseline_now(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return strdup("1970-01-01T00:00:00Z");
	return strdup(buf);
}

static char *trimmed_dup(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

/* The value of "key: value" (cpuinfo) or KEY=value (os-release, quotes
 * removed) on the first line that has it; NULL if none. */
static char *file_field(const char *path, const char *key, char sep)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	size_t klen = strlen(key);
	char *found = NULL;

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen))
			continue;
		char *p = line + klen;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != sep)
			continue;
		p++;
		found = trimmed_dup(p);
		if (found && sep == '=' && found[0] == '"') {
			size_t n = strlen(found);

			memmove(found, found + 1, n);
			if (n >= 2 && found[n - 2] == '"')
				found[n - 2] = '\0';
		}
	}
	fclose(f);
	return found;
}

int pg_host_detect(struct pg_host *h)
{
	struct utsname u;
	char buf[256];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(h, 0, sizeof *h);
	if (uname(&u) < 0)
		return pg_error_set("uname: %s", strerror(errno));
	h->hostname = strdup(u.nodename);
	h->kernel = strdup(u.release);
	h->arch = strdup(u.machine);
	h->cpu_model = file_field("/proc/cpuinfo", "model name", ':');
	if (!h->cpu_model)
		h->cpu_model = strdup("unknown");
	h->os = file_field("/etc/os-release", "PRETTY_NAME", '=');
	if (!h->os)
		h->os = strdup("unknown");
	h->cpus = cpus > 0 ? (int)cpus : 1;
	if (!h->hostname || !h->kernel || !h->arch || !h->cpu_model || !h->os) {
		pg_host_release(h);
		return pg_error_set("out of memory");
	}
	/* FNV-1a: stable across versions and builds, unlike a seeded hash. */
	uint64_t hash = 0xcbf29ce484222325ull;
	int n = snprintf(buf, sizeof buf, "%s|%d|%s|%s", h->cpu_model, h->cpus, h->kernel, h->arch);

	for (int i = 0; i < n && i < (int)sizeof buf - 1; i++) {
		hash ^= (unsigned char)buf[i];
		hash *= 0x100000001b3ull;
	}
	snprintf(h->fingerprint, sizeof h->fingerprint, "%016llx", (unsigned long long)hash);
	return 0;
}

/* ---- writer ----------------------------------------------------------- */

static int add_num(cJSON *o, const char *key, double v)
{
	return pg_json_add(o, key, cJSON_CreateNumber(v));
}

static int add_str(cJSON *o, const char *key, const char *s)
{
	return pg_json_add(o, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static cJSON *stacks_json(const struct pg_baseline_stacks *s, const char *unit)
{
	cJSON *o = NULL;
	struct pg_stacktree t;
	const char **names = NULL;
	char *text = NULL;
	size_t nnames = 0, len = 0;

	if (!s->present)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON *pruned = cJSON_CreateObject();

	if (add_str(o, "unit", unit) < 0 || add_num(o, "runs", s->runs) < 0 ||
	    add_num(o, "total", (double)s->total) < 0 || pg_json_add(o, "pruned", pruned) < 0 ||
	    add_num(pruned, "threshold", s->pruned.threshold) < 0 ||
	    add_num(pruned, "stacks", (double)s->pruned.stacks) < 0 ||
	    add_num(pruned, "weight", (double)s->pruned.weight) < 0)
		goto fail;
	if (s->profile) {
		if (pg_stacktree_build(&t, s->profile) < 0)
			goto fail;
		int rc = pg_stacktree_encode(&names, &nnames, &text, &len, &t);
		size_t count = pg_stacktree_stacks(&t);

		if (rc < 0) {
			pg_stacktree_release(&t);
			goto fail;
		}
		if (add_num(o, "stacks", (double)count) < 0 ||
		    pg_json_add(o, "frames", pg_json_strings((const char *const *)names, nnames)) < 0 ||
		    add_str(o, "tree", text) < 0) {
			pg_stacktree_release(&t);
			goto fail;
		}
		pg_stacktree_release(&t);
	} else {
		/* Still encoded as read: copied as it is. */
		if (add_num(o, "stacks", (double)s->count) < 0 ||
		    pg_json_add(o, "frames", cJSON_Duplicate(s->enc_frames, 1)) < 0 ||
		    pg_json_add(o, "tree", cJSON_Duplicate(s->enc_tree, 1)) < 0)
			goto fail;
	}
	free(names);
	free(text);
	return o;
fail:
	free(names);
	free(text);
	cJSON_Delete(o);
	return NULL;
}

static int measured_in(enum pg_metric m, enum pg_metric_runs kind)
{
	enum pg_metric_runs runs = pg_metrics[m].runs;

	return runs == kind || (runs == PG_RUNS_BOTH && kind != PG_RUNS_NONE);
}

/* The metrics of one run, in the registry's order. A metric not measured
 * is null, or left out when the registry says older baselines lack it. */
static int add_metrics(cJSON *o, const double *values, enum pg_metric_runs kind)
{
	for (int m = 0; m < PG_METRIC_COUNT; m++) {
		const struct pg_metric_def *d = &pg_metrics[m];

		if (!measured_in((enum pg_metric)m, kind))
			continue;
		if (isnan(values[m]) && d->optional)
			continue;
		if (pg_json_add(o, d->run_key, isnan(values[m]) ? cJSON_CreateNull() : cJSON_CreateNumber(values[m])) < 0)
			return PG_EGENERIC;  /* pg_json_add() failed: out of memory */
	}
	return 0;
}

static cJSON *run_json(const struct pg_baseline_run *r, const struct pg_baseline_bench *b)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || add_metrics(o, r->values, PG_RUNS_TIMING) < 0 ||
	    add_num(o, "samples", (double)r->samples) < 0)
		goto fail;
	if (r->functions) {
		cJSON *f = cJSON_CreateObject();

		if (pg_json_add(o, "functions", f) < 0)
			goto fail;
		for (size_t i = 0; i < b->nhot; i++)
			if (add_num(f, b->hot[i].name, r->functions[i]) < 0)
				goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *mem_run_json(const struct pg_baseline_mem_run *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || add_num(o, "wall_seconds", r->wall_seconds) < 0 ||
	    add_metrics(o, r->values, PG_RUNS_MEMORY) < 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *bench_json(const struct pg_baseline_bench *b)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o || pg_json_add(o, "command", pg_json_strings((const char *const *)b->command, b->ncommand)) < 0 ||
	    add_str(o, "recorded_at", b->recorded_at) < 0 ||
	    add_str(o, "host_fingerprint", b->host_fingerprint) < 0 ||
	    pg_json_add(o, "dirty", cJSON_CreateBool(b->dirty)) < 0 ||
	    add_num(o, "hz", b->hz) < 0 || add_num(o, "repeat", b->repeat) < 0 ||
	    add_num(o, "mem_repeat", b->mem_repeat) < 0 || add_num(o, "warmup", b->warmup) < 0 ||
	    add_num(o, "mem_sample", (double)b->mem_sample) < 0)
		goto fail;
	if (pg_json_add(o, "warmup_wall_seconds", a = cJSON_CreateArray()) < 0)
		goto fail;
	for (size_t i = 0; i < b->nwarmup; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(b->warmup_wall[i])))
			goto fail;
	if (pg_json_add(o, "runs", a = cJSON_CreateArray()) < 0)
		goto fail;
	for (size_t i = 0; i < b->nruns; i++) {
		cJSON *r = run_json(&b->runs[i], b);

		if (!r || !cJSON_AddItemToArray(a, r)) {
			cJSON_Delete(r);
			goto fail;
		}
	}
	if (pg_json_add(o, "mem_runs", a = cJSON_CreateArray()) < 0)
		goto fail;
	for (size_t i = 0; i < b->nmem_runs; i++) {
		cJSON *r = mem_run_json(&b->mem_runs[i]);

		if (!r || !cJSON_AddItemToArray(a, r)) {
			cJSON_Delete(r);
			goto fail;
		}
	}
	if (pg_json_add(o, "hot_functions", a = cJSON_CreateArray()) < 0)
		goto fail;
	for (size_t i = 0; i < b->nhot; i++) {
		cJSON *h = cJSON_CreateObject();

		if (!h || !cJSON_AddItemToArray(a, h)) {
			cJSON_Delete(h);
			goto fail;
		}
		if (add_str(h, "name", b->hot[i].name) < 0 || add_num(h, "self", b->hot[i].self) < 0 ||
		    add_num(h, "total", b->hot[i].total) < 0)
			goto fail;
	}
	if (pg_json_add(o, "cpu", stacks_json(&b->cpu, "samples")) < 0 ||
	    pg_json_add(o, "mem_peak", stacks_json(&b->mem_peak, "bytes")) < 0)
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *host_json(const struct pg_host *h)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || add_str(o, "hostname", h->hostname) < 0 || add_str(o, "cpu_model", h->cpu_model) < 0 ||
	    add_num(o, "cpus", h->cpus) < 0 || add_str(o, "kernel", h->kernel) < 0 ||
	    add_str(o, "arch", h->arch) < 0 || add_str(o, "os", h->os) < 0 ||
	    add_str(o, "fingerprint", h->fingerprint) < 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int pg_baseline_serialize(char **out, size_t *len, const struct pg_baseline *b)
{
	cJSON *root = cJSON_CreateObject(), *benches;
	char *text = NULL;

	*out = NULL;
	if (!root || add_str(root, "schema", PG_BASELINE_SCHEMA) < 0 ||
	    add_str(root, "commit", b->commit) < 0 ||
	    add_str(root, "recorded_at", b->recorded_at) < 0 ||
	    add_str(root, "profgate_version", b->profgate_version) < 0 ||
	    pg_json_add(root, "dirty", cJSON_CreateBool(b->dirty)) < 0 ||
	    pg_json_add(root, "host", host_json(&b->host)) < 0 ||
	    pg_json_add(root, "benchmarks", benches = cJSON_CreateObject()) < 0)
		goto fail;
	for (size_t i = 0; i < b->nbenches; i++)
		if (pg_json_add(benches, b->benches[i].name, bench_json(&b->benches[i])) < 0)
			goto fail;
	text = cJSON_Print(root);
	if (!text)
		goto fail;
	cJSON_Delete(root);
	*len = strlen(text);
	*out = text;
	return 0;
fail:
	cJSON_Delete(root);
	return pg_error_set("cannot build the baseline of commit '%s': out of memory", b->commit);
}

/* ---- reader ----------------------------------------------------------- */

/* A string that may be null or absent (NULL). */
#define OPT_STRING (PG_JSONREAD_NULLABLE | PG_JSONREAD_OPTIONAL)

/* An object or an array member, or NULL with the error set. */
static const cJSON *get_kind(const struct pg_jsonread *r, const cJSON *o, const char *key, int array)
{
	const cJSON *v;

	return pg_jsonread_kind(&v, r, o, key, array, 0) == 0 ? v : NULL;
}

/* The metrics of one run as add_metrics() writes them: seconds a number
 * >= 0, bytes and counts a whole number >= 0; null where the registry
 * allows a run not to know it; missing only where older baselines lack it. */
static int get_metrics(double *values, const struct pg_jsonread *r, const cJSON *o, enum pg_metric_runs kind)
{
	for (int m = 0; m < PG_METRIC_COUNT; m++) {
		const struct pg_metric_def *d = &pg_metrics[m];
		const cJSON *v;
		uint64_t u;

		if (!measured_in((enum pg_metric)m, kind))
			continue;
		v = pg_json_field(o, d->run_key);
		if ((!v && d->optional) || (cJSON_IsNull(v) && d->nullable))
			continue;
		if (d->unit == PG_UNIT_SECONDS) {
			if (pg_jsonread_nonnegative(&values[m], r, o, d->run_key) < 0)
				return PG_EINVALID;
			continue;
		}
		if (!v)
			return pg_jsonread_fail(r, NULL, "'%s' is missing", d->run_key);
		if (pg_jsonread_uint64(&u, r, o, d->run_key) < 0)
			return PG_EINVALID;
		values[m] = (double)u;
	}
	return 0;
}

/* Decodes the stacks of kind that read_stacks() left encoded (their
 * struct pg_baseline_stacks' decoder; bench.c keeps what it returns). */
static int decode_stacks(struct pg_profile **out, const struct pg_baseline_bench *bench,
			 enum pg_baseline_kind kind)
{
	const struct pg_baseline_stacks *s = kind == PG_BASELINE_MEM_PEAK ? &bench->mem_peak : &bench->cpu;
	const cJSON *frames = s->enc_frames, *tree = s->enc_tree;
	const char **names = NULL;
	const char *what = kind == PG_BASELINE_MEM_PEAK ? "mem_peak" : "cpu";
	const char *source = bench->source ? bench->source : "baseline";
	struct pg_profile *p = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	n = (size_t)cJSON_GetArraySize(frames);
	names = malloc((n ? n : 1) * sizeof *names);
	if (!names)
		return pg_error_set("out of memory");
	size_t i = 0;
	for (const cJSON *f = frames->child; f; f = f->next)
		names[i++] = f->valuestring;  /* the parser checked they are strings */
	rc = pg_stacktree_decode(&p, names, n, tree->valuestring, strlen(tree->valuestring),
				 source, what);
	free(names);
	if (rc < 0)
		return rc;
	if (pg_profile_total(p) != s->total) {
		unsigned long long got = (unsigned long long)pg_profile_total(p);

		pg_profile_free(p);
		return pg_error_setc(PG_EINVALID,
				     "'%s': benchmark '%s': %s stacks weigh %llu in all, the file says %llu",
				     source, bench->name, what, got, (unsigned long long)s->total);
	}
	*out = p;
	return 0;
}

static int read_stacks(struct pg_baseline_stacks *s, struct pg_jsonread *r, const cJSON *o,
		       const char *key, const char *unit)
{
	const cJSON *v = pg_json_field(o, key), *pr, *frames, *tree;
	char saved[sizeof r->where];
	uint64_t u;
	int rc = PG_EINVALID;

	memset(s, 0, sizeof *s);
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsObject(v))
		return pg_jsonread_fail(r, NULL, "'%s' is %s, expected an object or null", key, v ? "of the wrong type" : "missing");
	memcpy(saved, r->where, sizeof saved);
	snprintf(r->where + strlen(r->where), sizeof r->where - strlen(r->where), ".%s", key);
	const cJSON *un = pg_json_field(v, "unit");

	if (!cJSON_IsString(un) || strcmp(un->valuestring, unit)) {
		pg_jsonread_fail(r, NULL, "'unit' should be \"%s\"", unit);
		goto done;
	}
	if (pg_jsonread_unsigned(&s->runs, r, v, "runs", 0, UINT_MAX) < 0 ||
	    pg_jsonread_uint64(&s->total, r, v, "total") < 0 ||
	    pg_jsonread_uint64(&u, r, v, "stacks") < 0 || !(pr = get_kind(r, v, "pruned", 0)) ||
	    pg_jsonread_nonnegative(&s->pruned.threshold, r, pr, "threshold") < 0 ||
	    pg_jsonread_uint64(&s->pruned.stacks, r, pr, "stacks") < 0 ||
	    pg_jsonread_uint64(&s->pruned.weight, r, pr, "weight") < 0 ||
	    !(frames = get_kind(r, v, "frames", 1)))
		goto done;
	s->count = (size_t)u;
	for (const cJSON *f = frames->child; f; f = f->next)
		if (!cJSON_IsString(f)) {
			pg_jsonread_fail(r, NULL, "'frames' holds something that is not a string");
			goto done;
		}
	tree = pg_json_field(v, "tree");
	if (!cJSON_IsString(tree)) {
		pg_jsonread_fail(r, NULL, "'tree' is %s, expected a string", tree ? "not a string" : "missing");
		goto done;
	}
	s->present = 1;
	s->enc_frames = frames;
	s->enc_tree = tree;
	s->decode = decode_stacks;
	rc = 0;
done:
	memcpy(r->where, saved, sizeof saved);
	return rc;
}

static int read_bench(struct pg_baseline_bench *b, struct pg_jsonread *r, const cJSON *o)
{
	const cJSON *a;
	size_t n;
	char base[sizeof r->where];
	int rc;

	snprintf(r->where, sizeof r->where, "benchmark '%s'", b->name);
	memcpy(base, r->where, sizeof base);
	if (!cJSON_IsObject(o))
		return pg_jsonread_fail(r, NULL, "not an object");
	if (!(a = get_kind(r, o, "command", 1)))
		return PG_EINVALID;
	n = (size_t)cJSON_GetArraySize(a);
	b->command = calloc(n ? n : 1, sizeof *b->command);
	if (!b->command)
		return pg_error_set("out of memory");
	for (const cJSON *s = a->child; s; s = s->next) {
		if (!cJSON_IsString(s))
			return pg_jsonread_fail(r, NULL, "'command' holds something that is not a string");
		if (!(b->command[b->ncommand++] = strdup(s->valuestring)))
			return pg_error_set("out of memory");
	}
	if ((rc = pg_jsonread_string(&b->recorded_at, r, o, "recorded_at", 0)) < 0 ||
	    (rc = pg_jsonread_string(&b->host_fingerprint, r, o, "host_fingerprint", OPT_STRING)) < 0 ||
	    (rc = pg_jsonread_bool(&b->dirty, r, o, "dirty")) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->hz, r, o, "hz", 0, UINT_MAX)) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->repeat, r, o, "repeat", 0, UINT_MAX)) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->mem_repeat, r, o, "mem_repeat", 0, UINT_MAX)) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->warmup, r, o, "warmup", 0, UINT_MAX)) < 0)
		return rc;
	if (pg_json_field(o, "mem_sample") && (rc = pg_jsonread_uint64(&b->mem_sample, r, o, "mem_sample")) < 0)
		return rc;

	if (!(a = get_kind(r, o, "warmup_wall_seconds", 1)))
		return PG_EINVALID;
	n = (size_t)cJSON_GetArraySize(a);
	b->warmup_wall = calloc(n ? n : 1, sizeof *b->warmup_wall);
	if (!b->warmup_wall)
		return pg_error_set("out of memory");
	for (const cJSON *v = a->child; v; v = v->next) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !isfinite(v->valuedouble))
			return pg_jsonread_fail(r, NULL, "'warmup_wall_seconds' holds something that is not a number >= 0");
		b->warmup_wall[b->nwarmup++] = v->valuedouble;
	}

	/* Hot functions before runs: a run's shares refer to them. */
	if (!(a = get_kind(r, o, "hot_functions", 1)))
		return PG_EINVALID;
	n = (size_t)cJSON_GetArraySize(a);
	b->hot = calloc(n ? n : 1, sizeof *b->hot);
	if (!b->hot)
		return pg_error_set("out of memory");
	for (const cJSON *h = a->child; h; h = h->next) {
		struct pg_baseline_function *f = &b->hot[b->nhot];

		snprintf(r->where, sizeof r->where, "%s: hot_functions[%zu]", base, b->nhot);
		if (!cJSON_IsObject(h))
			return pg_jsonread_fail(r, NULL, "not an object");
		b->nhot++;
		if ((rc = pg_jsonread_string(&f->name, r, h, "name", 0)) < 0 ||
		    (rc = pg_jsonread_nonnegative(&f->self, r, h, "self")) < 0 ||
		    (rc = pg_jsonread_nonnegative(&f->total, r, h, "total")) < 0)
			return rc;
	}

	memcpy(r->where, base, sizeof base);
	if (!(a = get_kind(r, o, "runs", 1)))
		return PG_EINVALID;
	n = (size_t)cJSON_GetArraySize(a);
	b->runs = calloc(n ? n : 1, sizeof *b->runs);
	if (!b->runs)
		return pg_error_set("out of memory");
	for (const cJSON *v = a->child; v; v = v->next) {
		struct pg_baseline_run *run = &b->runs[b->nruns];
		const cJSON *fn;

		snprintf(r->where, sizeof r->where, "%s: runs[%zu]", base, b->nruns);
		if (!cJSON_IsObject(v))
			return pg_jsonread_fail(r, NULL, "not an object");
		b->nruns++;
		pg_baseline_run_init(run);
		if ((rc = get_metrics(run->values, r, v, PG_RUNS_TIMING)) < 0 ||
		    (rc = pg_jsonread_uint64(&run->samples, r, v, "samples")) < 0)
			return rc;
		fn = pg_json_field(v, "functions");
		if (fn && !cJSON_IsNull(fn)) {
			if (!cJSON_IsObject(fn))
				return pg_jsonread_fail(r, NULL, "'functions' is not an object");
			run->functions = calloc(b->nhot ? b->nhot : 1, sizeof *run->functions);
			if (!run->functions)
				return pg_error_set("out of memory");
			for (size_t k = 0; k < b->nhot; k++) {
				const cJSON *share = pg_json_field(fn, b->hot[k].name);

				if (share && (!cJSON_IsNumber(share) || !(share->valuedouble >= 0) ||
					      !isfinite(share->valuedouble)))
					return pg_jsonread_fail(r, NULL, "'functions' share of '%s' is not a number >= 0",
						       b->hot[k].name);
				run->functions[k] = share ? share->valuedouble : 0;
			}
		}
	}

	memcpy(r->where, base, sizeof base);
	if (!(a = get_kind(r, o, "mem_runs", 1)))
		return PG_EINVALID;
	n = (size_t)cJSON_GetArraySize(a);
	b->mem_runs = calloc(n ? n : 1, sizeof *b->mem_runs);
	if (!b->mem_runs)
		return pg_error_set("out of memory");
	for (const cJSON *v = a->child; v; v = v->next) {
		struct pg_baseline_mem_run *m = &b->mem_runs[b->nmem_runs];

		snprintf(r->where, sizeof r->where, "%s: mem_runs[%zu]", base, b->nmem_runs);
		if (!cJSON_IsObject(v))
			return pg_jsonread_fail(r, NULL, "not an object");
		b->nmem_runs++;
		pg_baseline_mem_run_init(m);
		if ((rc = pg_jsonread_nonnegative(&m->wall_seconds, r, v, "wall_seconds")) < 0 ||
		    (rc = get_metrics(m->values, r, v, PG_RUNS_MEMORY)) < 0)
			return rc;
	}
	memcpy(r->where, base, sizeof base);
	if ((rc = read_stacks(&b->cpu, r, o, "cpu", "samples")) < 0 ||
	    (rc = read_stacks(&b->mem_peak, r, o, "mem_peak", "bytes")) < 0)
		return rc;
	return 0;
}

int pg_baseline_parse(struct pg_baseline **out, const char *text, size_t len, const char *source)
{
	struct pg_baseline *b = NULL;
	struct pg_jsonread r = { .source = source, .prefix = "corrupt baseline: ",
				 .dialect = PG_JSONREAD_QUOTED };
	const char *err_at = NULL;
	cJSON *doc = NULL;
	const cJSON *v, *host, *benches;
	int rc;

	*out = NULL;
	doc = cJSON_ParseWithLengthOpts(text, len, &err_at, 0);
	if (!doc) {
		char at[64];

		pg_jsonread_locate(at, sizeof at, text, len, err_at);
		return pg_error_setc(PG_EINVALID, "'%s': not a profgate baseline: invalid JSON at %s",
				     source, at);
	}
	v = cJSON_IsObject(doc) ? pg_json_field(doc, "schema") : NULL;
	if (!cJSON_IsString(v) || strcmp(v->valuestring, PG_BASELINE_SCHEMA)) {
		rc = pg_error_setc(PG_EINVALID, "'%s': not a profgate baseline (schema %s%s%s, expected '%s')",
				   source, cJSON_IsString(v) ? "'" : "",
				   cJSON_IsString(v) ? v->valuestring : "missing",
				   cJSON_IsString(v) ? "'" : "", PG_BASELINE_SCHEMA);
		goto done;
	}
	if ((rc = pg_baseline_new(&b)) < 0)
		goto done;
	b->doc = doc;
	doc = NULL;
	b->source = strdup(source);
	if (!b->source) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	const cJSON *root = b->doc;

	if ((rc = pg_jsonread_check_keys(&r, root, NULL)) < 0)
		goto done;
	v = pg_json_field(root, "commit");
	if (!cJSON_IsString(v) || !pg_commit_id_valid(v->valuestring)) {
		rc = pg_jsonread_fail(&r, NULL, "'commit' is not a full commit id");
		goto done;
	}
	strcpy(b->commit, v->valuestring);
	if ((rc = pg_jsonread_string(&b->recorded_at, &r, root, "recorded_at", 0)) < 0 ||
	    (rc = pg_jsonread_string(&b->profgate_version, &r, root, "profgate_version", 0)) < 0 ||
	    (rc = pg_jsonread_bool(&b->dirty, &r, root, "dirty")) < 0)
		goto done;
	if (!(host = get_kind(&r, root, "host", 0))) {
		rc = PG_EINVALID;
		goto done;
	}
	snprintf(r.where, sizeof r.where, "host");
	char *fp = NULL;
	unsigned cpus = 0;

	if ((rc = pg_jsonread_string(&b->host.hostname, &r, host, "hostname", OPT_STRING)) < 0 ||
	    (rc = pg_jsonread_string(&b->host.cpu_model, &r, host, "cpu_model", OPT_STRING)) < 0 ||
	    (rc = pg_jsonread_string(&b->host.kernel, &r, host, "kernel", OPT_STRING)) < 0 ||
	    (rc = pg_jsonread_string(&b->host.arch, &r, host, "arch", OPT_STRING)) < 0 ||
	    (rc = pg_jsonread_string(&b->host.os, &r, host, "os", OPT_STRING)) < 0 ||
	    (rc = pg_jsonread_unsigned(&cpus, &r, host, "cpus", 0, UINT_MAX)) < 0 ||
	    (rc = pg_jsonread_string(&fp, &r, host, "fingerprint", 0)) < 0)
		goto done;
	if (cpus > INT_MAX) {
		free(fp);
		rc = pg_jsonread_fail(&r, NULL, "'cpus' is too large");
		goto done;
	}
	b->host.cpus = (int)cpus;
	snprintf(b->host.fingerprint, sizeof b->host.fingerprint, "%s", fp);
	free(fp);
	r.where[0] = '\0';

	if (!(benches = get_kind(&r, root, "benchmarks", 0))) {
		rc = PG_EINVALID;
		goto done;
	}
	if ((rc = pg_jsonread_check_keys(&r, benches, NULL)) < 0)
		goto done;
	size_t n = (size_t)cJSON_GetArraySize(benches);

	b->benches = calloc(n ? n : 1, sizeof *b->benches);
	if (!b->benches) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (const cJSON *o = benches->child; o; o = o->next) {
		struct pg_baseline_bench *bench = &b->benches[b->nbenches++];

		bench->name = strdup(o->string);
		bench->source = strdup(source);
		if (!bench->name || !bench->source) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		if ((rc = read_bench(bench, &r, o)) < 0)
			goto done;
	}
	*out = b;
	b = NULL;
	rc = 0;
done:
	cJSON_Delete(doc);
	pg_baseline_free(b);
	return rc;
}

int pg_baseline_read_file(struct pg_baseline **out, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = pg_read_file(&text, &len, path)) < 0)
		return rc;
	rc = pg_baseline_parse(out, text, len, path);
	free(text);
	return rc;
}
