/*
 * profgate.json, the project's benchmark configuration (docs/config.md):
 * where baselines are stored, the base branch, how far back to look, the
 * defaults, and each benchmark with its command, runs and thresholds.
 *
 * Loading validates strictly, because a typo that is silently ignored
 * ("repaet": 20) gates every merge with the wrong settings: an unknown key, a
 * wrong type, a malformed threshold, a duplicate or unsafe benchmark name is
 * an error whose one-line message names the file, the place and the key.
 * `record` and `check` share this reader.
 */
#ifndef PG_CONFIG_H
#define PG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "metric.h"

#define PG_CONFIG_DEFAULT "profgate.json"

struct pg_bench_config {
	char *name;
	char **run;             /* argv, NULL-terminated; a relative run[0] with a '/' is made
				   relative to the config's folder */
	int nrun;
	char *cwd;              /* where it runs: the config's folder, or "cwd" relative to it */
	char **env;             /* "KEY=VALUE" */
	size_t nenv;
	unsigned repeat;        /* timing runs (CPU sampler alone), >= 1 */
	unsigned mem_repeat;    /* memory runs (allocation tracker alone), >= 0 */
	unsigned warmup;        /* runs before the timing runs, not kept */
	double timeout;         /* seconds per run; 0: none */
	unsigned hz;
	uint64_t mem_sample;    /* allocation sampling: bytes between samples, 0 = every allocation */
	struct pg_threshold thresholds[PG_METRIC_COUNT];
};

struct pg_config {
	char *path;             /* as given */
	char *dir;              /* the folder it is in (absolute) */
	char *store;            /* as written; NULL if not set */
	char *base;             /* NULL if not set */
	unsigned max_distance;
	struct pg_bench_config defaults;  /* name and run unset */
	struct pg_bench_config *benches;
	size_t nbenches;
};

/* Reads and validates path. Errors: PG_ENOTFOUND if the file does not
 * exist, PG_EINVALID for anything wrong inside it ("'<path>': <place>:
 * <problem>"). Release *out in every case. */
int pg_config_load(struct pg_config *out, const char *path);
/* Same, from text; dir is the folder relative paths are resolved against. */
int pg_config_parse(struct pg_config *out, const char *text, size_t len, const char *path, const char *dir);
void pg_config_release(struct pg_config *c);

/* Borrowed; NULL if there is no such benchmark. */
const struct pg_bench_config *pg_config_find(const struct pg_config *c, const char *name);

/* Whether name can be a benchmark's name: it becomes a file and folder
 * name, so letters, digits and "._+-" only, not starting with '.' or '-',
 * at most 100 characters. */
int pg_bench_name_valid(const char *name);

#endif
