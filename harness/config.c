/*
 * Reading profgate.json with cJSON into struct pg_config, validating as it
 * goes. Every object is checked for keys it does not know (with a "did you
 * mean" for typos) and for keys given twice (cJSON keeps both and a lookup
 * would silently pick one); every value for its type and range. The first
 * problem found is the error, as one line: "'<file>': <place>: <problem>",
 * where the place is the path to the key, e.g.
 * benchmarks[1] ("parse-large").thresholds.peak_heap.
 */
#define _GNU_SOURCE
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "error.h"

/* ---- reading ---------------------------------------------------------- */

struct ctx {
	const char *path;
	const char *dir;
	char place[256];
};

__attribute__((format(printf, 3, 4)))
static int fail(const struct ctx *c, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (key)
		return pg_error_setc(PG_EINVALID, "'%s': %s%s%s: %s", c->path, c->place,
				     c->place[0] ? "." : "", key, msg);
	return pg_error_setc(PG_EINVALID, "'%s': %s: %s", c->path, c->place[0] ? c->place : "top level", msg);
}

/* A short rendering of a value for "got ..." in messages. */
static void describe(char *buf, size_t size, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);

	if (!s) {
		snprintf(buf, size, "?");
		return;
	}
	if (strlen(s) > 40)
		snprintf(buf, size, "%.37s...", s);
	else
		snprintf(buf, size, "%s", s);
	free(s);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Unknown and repeated keys of o; allowed is NULL-terminated. */
static int check_keys(const struct ctx *c, const cJSON *o, const char *const *allowed)
{
	for (const cJSON *m = o->child; m; m = m->next) {
		int known = 0;

		for (const char *const *k = allowed; *k; k++)
			known |= !strcmp(*k, m->string);
		if (!known) {
			const char *best = NULL;
			size_t best_d = 3;  /* suggest only near misses */

			for (const char *const *k = allowed; *k; k++) {
				size_t d = edit_distance(m->string, *k);

				if (d < best_d) {
					best_d = d;
					best = *k;
				}
			}
			if (best)
				return fail(c, NULL, "unknown key '%s' (did you mean '%s'?)", m->string, best);
			char list[256] = "";

			for (const char *const *k = allowed; *k; k++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
					 k == allowed ? "" : ", ", *k);
			return fail(c, NULL, "unknown key '%s' (known keys: %s)", m->string, list);
		}
		for (const cJSON *n = m->next; n; n = n->next)
			if (!strcmp(n->string, m->string))
				return fail(c, m->string, "given twice");
	}
	return 0;
}

static int get_uint(unsigned *out, const struct ctx *c, const cJSON *o, const char *key,
		    unsigned min, unsigned max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char got[64];

	if (!v)
		return 0;  /* keeps the default */
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < min || v->valuedouble > max) {
		describe(got, sizeof got, v);
		return fail(c, key, "expected a whole number from %u to %u, got %s", min, max, got);
	}
	*out = (unsigned)v->valuedouble;
	return 0;
}

static int get_string(char **out, const struct ctx *c, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char got[64];

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring[0]) {
		describe(got, sizeof got, v);
		return fail(c, key, "expected a non-empty string, got %s", got);
	}
	free(*out);
	*out = strdup(v->valuestring);
	return *out ? 0 : pg_error_set("out of memory");
}

static int read_thresholds(struct pg_threshold *t, struct ctx *c, const cJSON *o)
{
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(o, "thresholds");
	size_t saved = strlen(c->place);
	const char *keys[PG_METRIC_COUNT + 1];
	size_t nkeys = 0;
	char got[64];
	int rc = 0;

	if (!th)
		return 0;
	for (int m = 0; m < PG_METRIC_COUNT; m++)
		if (pg_metric_configurable((enum pg_metric)m))
			keys[nkeys++] = pg_metric_name((enum pg_metric)m);
	keys[nkeys] = NULL;
	if (!cJSON_IsObject(th)) {
		describe(got, sizeof got, th);
		return fail(c, "thresholds", "expected an object like {\"wall\": \"10%%\"}, got %s", got);
	}
	snprintf(c->place + saved, sizeof c->place - saved, "%sthresholds", saved ? "." : "");
	if ((rc = check_keys(c, th, keys)) < 0)
		goto done;
	for (int m = 0; m < PG_METRIC_COUNT; m++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(th, pg_metric_name((enum pg_metric)m));

		if (!v || !pg_metric_configurable((enum pg_metric)m))
			continue;
		if (cJSON_IsNull(v)) {
			pg_threshold_parse(&t[m], (enum pg_metric)m, "off");
			continue;
		}
		if (!cJSON_IsString(v)) {
			describe(got, sizeof got, v);
			rc = fail(c, pg_metric_name((enum pg_metric)m), "expected a string like \"10%%\", got %s", got);
			goto done;
		}
		if (pg_threshold_parse(&t[m], (enum pg_metric)m, v->valuestring) < 0) {
			rc = fail(c, pg_metric_name((enum pg_metric)m), "%s", pg_error_last());
			goto done;
		}
	}
done:
	c->place[saved] = '\0';
	return rc;
}

/* The settings that defaults and benchmarks share. */
static int read_settings(struct pg_bench_config *b, struct ctx *c, const cJSON *o)
{
	const cJSON *v;
	char got[64];
	int rc;

	if ((rc = get_uint(&b->repeat, c, o, "repeat", 1, 10000)) < 0 ||
	    (rc = get_uint(&b->mem_repeat, c, o, "mem_repeat", 0, 10000)) < 0 ||
	    (rc = get_uint(&b->warmup, c, o, "warmup", 0, 10000)) < 0 ||
	    (rc = get_uint(&b->hz, c, o, "hz", 1, 100000)) < 0)
		return rc;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "timeout"))) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 1e7) {
			describe(got, sizeof got, v);
			return fail(c, "timeout", "expected seconds (a number >= 0; 0 for none), got %s", got);
		}
		b->timeout = v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "mem_sample"))) {
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
		    v->valuedouble > 1e15) {
			describe(got, sizeof got, v);
			return fail(c, "mem_sample", "expected a whole number of bytes >= 0 (0: every "
				    "allocation), got %s", got);
		}
		b->mem_sample = (uint64_t)v->valuedouble;
	}
	return read_thresholds(b->thresholds, c, o);
}

int pg_bench_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 100 || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-' || ch == '+'))
			return 0;
	}
	return strstr(name, "..") == NULL;
}

static char *join(const char *dir, const char *rel)
{
	char *out = NULL;

	if (rel[0] == '/' || !dir)
		return strdup(rel);
	if (!strcmp(rel, "."))
		return strdup(dir);
	if (asprintf(&out, "%s/%s", dir, rel) < 0)
		return NULL;
	return out;
}

static void copy_settings(struct pg_bench_config *dst, const struct pg_bench_config *src)
{
	dst->repeat = src->repeat;
	dst->mem_repeat = src->mem_repeat;
	dst->warmup = src->warmup;
	dst->timeout = src->timeout;
	dst->hz = src->hz;
	dst->mem_sample = src->mem_sample;
	memcpy(dst->thresholds, src->thresholds, sizeof dst->thresholds);
}

static int read_env(struct pg_bench_config *b, struct ctx *c, const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "env");
	size_t saved = strlen(c->place);
	char got[64];
	int rc = 0;

	if (!v)
		return 0;
	if (!cJSON_IsObject(v)) {
		describe(got, sizeof got, v);
		return fail(c, "env", "expected an object of strings like {\"LC_ALL\": \"C\"}, got %s", got);
	}
	b->env = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *b->env);
	if (!b->env)
		return pg_error_set("out of memory");
	snprintf(c->place + saved, sizeof c->place - saved, ".env");
	for (const cJSON *e = v->child; e; e = e->next) {
		if (!e->string[0] || strchr(e->string, '=')) {
			rc = fail(c, NULL, "'%s' is not a variable name", e->string);
			goto done;
		}
		if (!cJSON_IsString(e)) {
			describe(got, sizeof got, e);
			rc = fail(c, e->string, "expected a string, got %s", got);
			goto done;
		}
		for (const cJSON *f = e->next; f; f = f->next)
			if (!strcmp(f->string, e->string)) {
				rc = fail(c, e->string, "given twice");
				goto done;
			}
		if (asprintf(&b->env[b->nenv], "%s=%s", e->string, e->valuestring) < 0) {
			b->env[b->nenv] = NULL;
			rc = pg_error_set("out of memory");
			goto done;
		}
		b->nenv++;
	}
done:
	c->place[saved] = '\0';
	return rc;
}

static const char *const bench_keys[] = {
	"name", "run", "cwd", "env", "repeat", "mem_repeat", "warmup", "timeout", "hz",
	"mem_sample", "thresholds", NULL,
};

static int read_bench(struct pg_bench_config *b, struct ctx *c, const cJSON *o, size_t index,
		      const struct pg_config *cfg)
{
	const cJSON *v;
	char got[64];
	int rc;

	snprintf(c->place, sizeof c->place, "benchmarks[%zu]", index);
	if (!cJSON_IsObject(o)) {
		describe(got, sizeof got, o);
		return fail(c, NULL, "expected an object with \"name\" and \"run\", got %s", got);
	}
	/* The name first, so that every later message can say which. */
	v = cJSON_GetObjectItemCaseSensitive(o, "name");
	if (!v)
		return fail(c, NULL, "no \"name\"");
	if (!cJSON_IsString(v)) {
		describe(got, sizeof got, v);
		return fail(c, "name", "expected a string, got %s", got);
	}
	if (!pg_bench_name_valid(v->valuestring))
		return fail(c, "name", "'%s' is not a safe benchmark name: it becomes a file name, so use "
			    "letters, digits and . _ + - only (no '/', no '..', not starting with '.' or "
			    "'-', at most 100 characters)", v->valuestring);
	for (size_t i = 0; i < index; i++)
		if (!strcmp(cfg->benches[i].name, v->valuestring))
			return fail(c, "name", "'%s' is already the name of benchmarks[%zu]", v->valuestring, i);
	if (!(b->name = strdup(v->valuestring)))
		return pg_error_set("out of memory");
	snprintf(c->place, sizeof c->place, "benchmarks[%zu] (\"%s\")", index, b->name);
	if ((rc = check_keys(c, o, bench_keys)) < 0)
		return rc;

	v = cJSON_GetObjectItemCaseSensitive(o, "run");
	if (!v)
		return fail(c, NULL, "no \"run\" (the program and its arguments, e.g. [\"./bench\", \"--size\", \"10\"])");
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1) {
		describe(got, sizeof got, v);
		return fail(c, "run", "expected a non-empty array of strings (the program and its "
			    "arguments; no shell), got %s", got);
	}
	int n = cJSON_GetArraySize(v);

	b->run = calloc((size_t)n + 1, sizeof *b->run);
	if (!b->run)
		return pg_error_set("out of memory");
	for (const cJSON *a = v->child; a; a = a->next) {
		if (!cJSON_IsString(a) || (b->nrun == 0 && !a->valuestring[0])) {
			describe(got, sizeof got, a);
			return fail(c, "run", "element %d: expected %s, got %s", b->nrun,
				    b->nrun ? "a string" : "a program name or path", got);
		}
		const char *arg = a->valuestring;

		/* A relative program path is relative to the config's folder. */
		if (b->nrun == 0 && arg[0] != '/' && strchr(arg, '/'))
			b->run[b->nrun] = join(cfg->dir, arg);
		else
			b->run[b->nrun] = strdup(arg);
		if (!b->run[b->nrun++])
			return pg_error_set("out of memory");
	}

	char *cwd = NULL;

	if ((rc = get_string(&cwd, c, o, "cwd")) < 0)
		return rc;
	b->cwd = join(cfg->dir, cwd ? cwd : ".");
	free(cwd);
	if (!b->cwd)
		return pg_error_set("out of memory");

	if ((rc = read_env(b, c, o)) < 0)
		return rc;
	copy_settings(b, &cfg->defaults);
	return read_settings(b, c, o);
}

static const char *const top_keys[] = {
	"store", "base", "max_distance", "defaults", "benchmarks", NULL,
};
static const char *const default_keys[] = {
	"repeat", "mem_repeat", "warmup", "timeout", "hz", "mem_sample", "thresholds", NULL,
};

/* "line L column C" of the byte at p in text. */
static void locate(char *buf, size_t size, const char *text, size_t len, const char *p)
{
	size_t line = 1, col = 1;

	if (!p || p < text || p > text + len) {
		snprintf(buf, size, "the end");
		return;
	}
	for (const char *s = text; s < p; s++) {
		if (*s == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(buf, size, "line %zu column %zu", line, col);
}

int pg_config_parse(struct pg_config *out, const char *text, size_t len, const char *path, const char *dir)
{
	struct ctx c = { .path = path, .dir = dir };
	const char *err_at = NULL;
	cJSON *doc = NULL;
	const cJSON *v;
	int rc;

	memset(out, 0, sizeof *out);
	out->path = strdup(path);
	out->dir = strdup(dir);
	if (!out->path || !out->dir)
		return pg_error_set("out of memory");
	out->max_distance = 50;
	out->defaults = (struct pg_bench_config){ .repeat = 5, .mem_repeat = 2, .warmup = 1,
						  .timeout = 600, .hz = 999 };
	for (int m = 0; m < PG_METRIC_COUNT; m++)
		pg_threshold_parse(&out->defaults.thresholds[m], (enum pg_metric)m, pg_metric((enum pg_metric)m)->default_threshold);

	doc = cJSON_ParseWithLengthOpts(text, len, &err_at, 0);
	if (!doc) {
		char at[64];

		locate(at, sizeof at, text, len, err_at);
		return pg_error_setc(PG_EINVALID, "'%s': invalid JSON at %s", path, at);
	}
	if (!cJSON_IsObject(doc)) {
		rc = fail(&c, NULL, "expected an object with \"benchmarks\"");
		goto done;
	}
	if ((rc = check_keys(&c, doc, top_keys)) < 0 ||
	    (rc = get_string(&out->store, &c, doc, "store")) < 0 ||
	    (rc = get_string(&out->base, &c, doc, "base")) < 0 ||
	    (rc = get_uint(&out->max_distance, &c, doc, "max_distance", 0, 1000000)) < 0)
		goto done;
	if (out->store && !strcmp(out->store, "git-notes:")) {
		rc = fail(&c, "store", "no ref after 'git-notes:' (e.g. \"git-notes:refs/notes/profgate\")");
		goto done;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(doc, "defaults"))) {
		if (!cJSON_IsObject(v)) {
			rc = fail(&c, "defaults", "expected an object");
			goto done;
		}
		snprintf(c.place, sizeof c.place, "defaults");
		if ((rc = check_keys(&c, v, default_keys)) < 0 ||
		    (rc = read_settings(&out->defaults, &c, v)) < 0)
			goto done;
		c.place[0] = '\0';
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "benchmarks");
	if (!v) {
		rc = fail(&c, NULL, "no \"benchmarks\"");
		goto done;
	}
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1) {
		rc = fail(&c, "benchmarks", "expected a non-empty array of benchmarks");
		goto done;
	}
	out->benches = calloc((size_t)cJSON_GetArraySize(v), sizeof *out->benches);
	if (!out->benches) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (const cJSON *b = v->child; b; b = b->next) {
		struct pg_bench_config *bc = &out->benches[out->nbenches];

		/* Counted before reading, so that release frees what a failed
		 * read left behind. */
		out->nbenches++;
		if ((rc = read_bench(bc, &c, b, out->nbenches - 1, out)) < 0)
			goto done;
	}
	rc = 0;
done:
	cJSON_Delete(doc);
	return rc;
}

int pg_config_load(struct pg_config *out, const char *path)
{
	char *text = NULL, *copy = NULL, *dir = NULL;
	size_t len = 0;
	struct stat st;
	int rc;

	memset(out, 0, sizeof *out);
	if (stat(path, &st) < 0 && errno == ENOENT)
		return pg_error_setc(PG_ENOTFOUND, "cannot open '%s': no such file (write one, or name it "
				     "with -c FILE; see docs/config.md)", path);
	if ((rc = pg_read_file(&text, &len, path)) < 0)
		return rc;
	copy = strdup(path);
	if (!copy) {
		free(text);
		return pg_error_set("out of memory");
	}
	dir = realpath(dirname(copy), NULL);
	if (!dir) {
		rc = pg_error_set("cannot resolve the folder of '%s': %s", path, strerror(errno));
		goto done;
	}
	rc = pg_config_parse(out, text, len, path, dir);
done:
	free(text);
	free(copy);
	free(dir);
	return rc;
}

static void bench_release(struct pg_bench_config *b)
{
	free(b->name);
	for (int i = 0; b->run && i < b->nrun; i++)
		free(b->run[i]);
	free(b->run);
	free(b->cwd);
	for (size_t i = 0; i < b->nenv; i++)
		free(b->env[i]);
	free(b->env);
}

void pg_config_release(struct pg_config *c)
{
	for (size_t i = 0; i < c->nbenches; i++)
		bench_release(&c->benches[i]);
	free(c->benches);
	bench_release(&c->defaults);
	free(c->path);
	free(c->dir);
	free(c->store);
	free(c->base);
	memset(c, 0, sizeof *c);
}

const struct pg_bench_config *pg_config_find(const struct pg_config *c, const char *name)
{
	for (size_t i = 0; i < c->nbenches; i++)
		if (!strcmp(c->benches[i].name, name))
			return &c->benches[i];
	return NULL;
}
