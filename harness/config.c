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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "error.h"
#include "jsonread.h"

/* ---- reading ---------------------------------------------------------- */

static int read_thresholds(struct pg_threshold *t, struct pg_jsonread *c, const cJSON *o)
{
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(o, "thresholds");
	size_t saved = strlen(c->where);
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
		pg_json_describe(got, sizeof got, th);
		return pg_jsonread_fail(c, "thresholds", "expected an object like {\"wall\": \"10%%\"}, got %s", got);
	}
	snprintf(c->where + saved, sizeof c->where - saved, "%sthresholds", saved ? "." : "");
	if ((rc = pg_jsonread_check_keys(c, th, keys)) < 0)
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
			pg_json_describe(got, sizeof got, v);
			rc = pg_jsonread_fail(c, pg_metric_name((enum pg_metric)m), "expected a string like \"10%%\", got %s", got);
			goto done;
		}
		if (pg_threshold_parse(&t[m], (enum pg_metric)m, v->valuestring) < 0) {
			rc = pg_jsonread_fail(c, pg_metric_name((enum pg_metric)m), "%s", pg_error_last());
			goto done;
		}
	}
done:
	c->where[saved] = '\0';
	return rc;
}

/* The settings that defaults and benchmarks share. */
static int read_settings(struct pg_bench_config *b, struct pg_jsonread *c, const cJSON *o)
{
	const cJSON *v;
	char got[64];
	int rc;

	if ((rc = pg_jsonread_unsigned(&b->repeat, c, o, "repeat", 1, 10000)) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->mem_repeat, c, o, "mem_repeat", 0, 10000)) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->warmup, c, o, "warmup", 0, 10000)) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->hz, c, o, "hz", 1, 100000)) < 0 ||
	    (rc = pg_jsonread_unsigned(&b->max_repeat, c, o, "max_repeat", 1, 1000)) < 0)
		return rc;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "max_seconds"))) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 1e7) {
			pg_json_describe(got, sizeof got, v);
			return pg_jsonread_fail(c, "max_seconds", "expected seconds (a number >= 0; 0 for no limit), "
						"got %s", got);
		}
		b->max_seconds = v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "timeout"))) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 1e7) {
			pg_json_describe(got, sizeof got, v);
			return pg_jsonread_fail(c, "timeout", "expected seconds (a number >= 0; 0 for none), got %s", got);
		}
		b->timeout = v->valuedouble;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "mem_sample"))) {
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
		    v->valuedouble > 1e15) {
			pg_json_describe(got, sizeof got, v);
			return pg_jsonread_fail(c, "mem_sample", "expected a whole number of bytes >= 0 (0: every "
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
	dst->max_repeat = src->max_repeat;
	dst->max_seconds = src->max_seconds;
	memcpy(dst->thresholds, src->thresholds, sizeof dst->thresholds);
}

static int read_env(struct pg_bench_config *b, struct pg_jsonread *c, const cJSON *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "env");
	size_t saved = strlen(c->where);
	char got[64];
	int rc = 0;

	if (!v)
		return 0;
	if (!cJSON_IsObject(v)) {
		pg_json_describe(got, sizeof got, v);
		return pg_jsonread_fail(c, "env", "expected an object of strings like {\"LC_ALL\": \"C\"}, got %s", got);
	}
	b->env = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *b->env);
	if (!b->env)
		return pg_error_set("out of memory");
	snprintf(c->where + saved, sizeof c->where - saved, ".env");
	for (const cJSON *e = v->child; e; e = e->next) {
		if (!e->string[0] || strchr(e->string, '=')) {
			rc = pg_jsonread_fail(c, NULL, "'%s' is not a variable name", e->string);
			goto done;
		}
		if (!cJSON_IsString(e)) {
			pg_json_describe(got, sizeof got, e);
			rc = pg_jsonread_fail(c, e->string, "expected a string, got %s", got);
			goto done;
		}
		for (const cJSON *f = e->next; f; f = f->next)
			if (!strcmp(f->string, e->string)) {
				rc = pg_jsonread_fail(c, e->string, "given twice");
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
	c->where[saved] = '\0';
	return rc;
}

/* The "run" member of o: an argv, no shell, at least the program. Its
 * elements are copied into *out (NULL-terminated, owned by the caller even on
 * failure, *nout counting what is there). hint tells a user what to write.
 * With dir, a relative program path with a '/' in it is made relative to dir
 * (the config's folder); without, the strings are kept as written. */
static int read_argv(char ***out, int *nout, struct pg_jsonread *c, const cJSON *o, const char *hint,
		     const char *dir)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "run");
	char got[64];

	if (!v)
		return pg_jsonread_fail(c, NULL, "no \"run\" (%s)", hint);
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1) {
		pg_json_describe(got, sizeof got, v);
		return pg_jsonread_fail(c, "run", "expected a non-empty array of strings (the program and its "
			    "arguments; no shell), got %s", got);
	}
	*out = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof **out);
	if (!*out)
		return pg_error_set("out of memory");
	for (const cJSON *a = v->child; a; a = a->next) {
		char **slot = &(*out)[*nout];

		if (!cJSON_IsString(a) || (*nout == 0 && !a->valuestring[0])) {
			pg_json_describe(got, sizeof got, a);
			return pg_jsonread_fail(c, "run", "element %d: expected %s, got %s", *nout,
				    *nout ? "a string" : "a program name or path", got);
		}
		if (dir && *nout == 0 && a->valuestring[0] != '/' && strchr(a->valuestring, '/'))
			*slot = join(dir, a->valuestring);
		else
			*slot = strdup(a->valuestring);
		if (!*slot)
			return pg_error_set("out of memory");
		++*nout;
	}
	return 0;
}

static const char *const bench_keys[] = {
	"name", "run", "cwd", "env", "repeat", "mem_repeat", "warmup", "timeout", "hz",
	"mem_sample", "max_repeat", "max_seconds", "thresholds", NULL,
};

static int read_bench(struct pg_bench_config *b, struct pg_jsonread *c, const cJSON *o, size_t index,
		      const struct pg_config *cfg)
{
	const cJSON *v;
	char got[64];
	int rc;

	snprintf(c->where, sizeof c->where, "benchmarks[%zu]", index);
	if (!cJSON_IsObject(o)) {
		pg_json_describe(got, sizeof got, o);
		return pg_jsonread_fail(c, NULL, "expected an object with \"name\" and \"run\", got %s", got);
	}
	/* The name first, so that every later message can say which. */
	v = cJSON_GetObjectItemCaseSensitive(o, "name");
	if (!v)
		return pg_jsonread_fail(c, NULL, "no \"name\"");
	if (!cJSON_IsString(v)) {
		pg_json_describe(got, sizeof got, v);
		return pg_jsonread_fail(c, "name", "expected a string, got %s", got);
	}
	if (!pg_bench_name_valid(v->valuestring))
		return pg_jsonread_fail(c, "name", "'%s' is not a safe benchmark name: it becomes a file name, so use "
			    "letters, digits and . _ + - only (no '/', no '..', not starting with '.' or "
			    "'-', at most 100 characters)", v->valuestring);
	for (size_t i = 0; i < index; i++)
		if (!strcmp(cfg->benches[i].name, v->valuestring))
			return pg_jsonread_fail(c, "name", "'%s' is already the name of benchmarks[%zu]", v->valuestring, i);
	if (!(b->name = strdup(v->valuestring)))
		return pg_error_set("out of memory");
	snprintf(c->where, sizeof c->where, "benchmarks[%zu] (\"%s\")", index, b->name);
	if ((rc = pg_jsonread_check_keys(c, o, bench_keys)) < 0)
		return rc;

	if ((rc = read_argv(&b->run, &b->nrun, c, o,
			     "the program and its arguments, e.g. [\"./bench\", \"--size\", \"10\"]", cfg->dir)) < 0)
		return rc;

	char *cwd = NULL;

	if ((rc = pg_jsonread_string(&cwd, c, o, "cwd", PG_JSONREAD_NONEMPTY)) < 0)
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
	"store", "base", "max_distance", "build", "compare", "defaults", "benchmarks", NULL,
};
static const char *const default_keys[] = {
	"repeat", "mem_repeat", "warmup", "timeout", "hz", "mem_sample", "max_repeat", "max_seconds",
	"thresholds", NULL,
};
static const char *const build_keys[] = { "run", "cwd", "env", "timeout", NULL };

/* "build": {"run": [...], "cwd": ".", "env": {...}, "timeout": 1800}. The
 * strings are kept as written: each compared tree resolves them against its
 * own copy of the config's folder. */
static int read_build(struct pg_build_config *b, struct pg_jsonread *c, const cJSON *doc)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, "build"), *v;
	struct pg_bench_config envs = { 0 };
	char got[64];
	int rc;

	if (!o)
		return 0;
	if (!cJSON_IsObject(o)) {
		pg_json_describe(got, sizeof got, o);
		return pg_jsonread_fail(c, "build", "expected an object like {\"run\": [\"make\"]}, got %s", got);
	}
	snprintf(c->where, sizeof c->where, "build");
	if ((rc = pg_jsonread_check_keys(c, o, build_keys)) < 0)
		return rc;
	if ((rc = read_argv(&b->run, &b->nrun, c, o,
			     "the build command and its arguments, e.g. [\"make\", \"-j2\"]", NULL)) < 0)
		return rc;
	if ((rc = pg_jsonread_string(&b->cwd, c, o, "cwd", PG_JSONREAD_NONEMPTY)) < 0)
		return rc;
	if (!b->cwd && !(b->cwd = strdup(".")))
		return pg_error_set("out of memory");
	b->timeout = 1800;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "timeout"))) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 1e7) {
			pg_json_describe(got, sizeof got, v);
			return pg_jsonread_fail(c, "timeout", "expected seconds (a number >= 0; 0 for none), got %s", got);
		}
		b->timeout = v->valuedouble;
	}
	rc = read_env(&envs, c, o);
	b->env = envs.env;
	b->nenv = envs.nenv;
	if (rc < 0)
		return rc;
	c->where[0] = '\0';
	return 0;
}

static int read_compare(enum pg_compare_mode *out, const struct pg_jsonread *c, const cJSON *doc)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "compare");
	char got[64];

	if (!v)
		return 0;
	if (cJSON_IsString(v) && !strcmp(v->valuestring, "interleaved"))
		*out = PG_COMPARE_INTERLEAVED;
	else if (cJSON_IsString(v) && !strcmp(v->valuestring, "baseline"))
		*out = PG_COMPARE_BASELINE;
	else {
		pg_json_describe(got, sizeof got, v);
		return pg_jsonread_fail(c, "compare", "expected \"interleaved\" or \"baseline\", got %s", got);
	}
	return 0;
}

int pg_config_parse(struct pg_config *out, const char *text, size_t len, const char *path, const char *dir)
{
	struct pg_jsonread c = { .source = path, .top = "top level", .dialect = PG_JSONREAD_GOT_VALUE };
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
						  .timeout = 600, .hz = 999, .max_repeat = 30 };
	for (int m = 0; m < PG_METRIC_COUNT; m++)
		pg_threshold_parse(&out->defaults.thresholds[m], (enum pg_metric)m, pg_metric((enum pg_metric)m)->default_threshold);

	doc = cJSON_ParseWithLengthOpts(text, len, &err_at, 0);
	if (!doc) {
		char at[64];

		pg_jsonread_locate(at, sizeof at, text, len, err_at);
		return pg_error_setc(PG_EINVALID, "'%s': invalid JSON at %s", path, at);
	}
	if (!cJSON_IsObject(doc)) {
		rc = pg_jsonread_fail(&c, NULL, "expected an object with \"benchmarks\"");
		goto done;
	}
	if ((rc = pg_jsonread_check_keys(&c, doc, top_keys)) < 0 ||
	    (rc = pg_jsonread_string(&out->store, &c, doc, "store", PG_JSONREAD_NONEMPTY)) < 0 ||
	    (rc = pg_jsonread_string(&out->base, &c, doc, "base", PG_JSONREAD_NONEMPTY)) < 0 ||
	    (rc = read_compare(&out->compare, &c, doc)) < 0 || (rc = read_build(&out->build, &c, doc)) < 0 ||
	    (rc = pg_jsonread_unsigned(&out->max_distance, &c, doc, "max_distance", 0, 1000000)) < 0)
		goto done;
	if (out->store && !strcmp(out->store, "git-notes:")) {
		rc = pg_jsonread_fail(&c, "store", "no ref after 'git-notes:' (e.g. \"git-notes:refs/notes/profgate\")");
		goto done;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(doc, "defaults"))) {
		if (!cJSON_IsObject(v)) {
			rc = pg_jsonread_fail(&c, "defaults", "expected an object");
			goto done;
		}
		snprintf(c.where, sizeof c.where, "defaults");
		if ((rc = pg_jsonread_check_keys(&c, v, default_keys)) < 0 ||
		    (rc = read_settings(&out->defaults, &c, v)) < 0)
			goto done;
		c.where[0] = '\0';
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "benchmarks");
	if (!v) {
		rc = pg_jsonread_fail(&c, NULL, "no \"benchmarks\"");
		goto done;
	}
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1) {
		rc = pg_jsonread_fail(&c, "benchmarks", "expected a non-empty array of benchmarks");
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
	for (int i = 0; c->build.run && i < c->build.nrun; i++)
		free(c->build.run[i]);
	free(c->build.run);
	free(c->build.cwd);
	for (size_t i = 0; i < c->build.nenv; i++)
		free(c->build.env[i]);
	free(c->build.env);
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
