/*
 * profile.json, read back for a report's header (see profile_json_read.h).
 * Only the fields a report shows are looked at, and each one is optional:
 * a profile written by an older or newer profgate still gives what it has.
 */
#define _GNU_SOURCE
#include "profile_json_read.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "error.h"
#include "jsonread.h"

/* A JSON number as an integer: out of range (or not finite) is "unknown",
 * never undefined behaviour (found by fuzz_profile_json: 1E31). */
static int64_t to_int64(double v)
{
	return v >= -9.2e18 && v <= 9.2e18 ? (int64_t)v : -1;
}

static int to_int(double v)
{
	return v >= -2147483648.0 && v <= 2147483647.0 ? (int)v : 0;
}

void pg_profile_info_release(struct pg_profile_info *info)
{
	for (int i = 0; info->command && i < info->argc; i++)
		free(info->command[i]);
	free(info->command);
	free(info->mode);
	for (size_t i = 0; info->threads && i < info->nthreads; i++)
		free((char *)info->threads[i].name);
	free(info->threads);
	memset(info, 0, sizeof(*info));
}

int pg_profile_json_read(struct pg_profile_info *out, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *root = NULL;
	const cJSON *v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->wall_seconds = out->cpu_seconds = -1;
	out->peak_heap_bytes = out->peak_rss_bytes = -1;
	if ((rc = pg_read_file(&text, &len, path)) < 0)
		return rc;
	root = cJSON_ParseWithLength(text, len);
	if (!cJSON_IsObject(root)) {
		rc = pg_error_setc(PG_EINVALID, "'%s': not a JSON object", path);
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "schema");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "profgate.profile/1") != 0) {
		rc = pg_error_setc(PG_EINVALID, "'%s': schema is not profgate.profile/1", path);
		goto done;
	}

	v = cJSON_GetObjectItemCaseSensitive(root, "command");
	if (cJSON_IsArray(v)) {
		int n = cJSON_GetArraySize(v);
		const cJSON *a;

		out->command = calloc((size_t)n + 1, sizeof(*out->command));
		if (!out->command) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		cJSON_ArrayForEach(a, v) {
			if (cJSON_IsString(a) && !(out->command[out->argc++] = strdup(a->valuestring))) {
				rc = pg_error_set("out of memory");
				goto done;
			}
		}
	}
	out->wall_seconds = pg_json_number_or(root, "wall_seconds", -1);
	out->cpu_seconds = pg_json_number_or(root, "cpu_seconds", -1);

	v = cJSON_GetObjectItemCaseSensitive(root, "cpu");
	if (cJSON_IsObject(v)) {
		double hz = pg_json_number_or(v, "hz", 0);

		out->hz = hz > 0 && hz < 1e7 ? (unsigned)hz : 0;
		out->mode = pg_json_strdup_or_null(v, "mode");
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "memory");
	if (cJSON_IsObject(v)) {
		out->peak_heap_bytes = to_int64(pg_json_number_or(v, "peak_heap_bytes", -1));
		out->peak_rss_bytes = to_int64(pg_json_number_or(v, "peak_rss_bytes", -1));
	}

	v = cJSON_GetObjectItemCaseSensitive(root, "threads");
	if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
		const cJSON *t;

		out->threads = calloc((size_t)cJSON_GetArraySize(v), sizeof(*out->threads));
		if (!out->threads) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		cJSON_ArrayForEach(t, v) {
			struct pg_report_thread *th = &out->threads[out->nthreads++];

			th->pid = to_int(pg_json_number_or(t, "pid", 0));
			th->tid = to_int(pg_json_number_or(t, "tid", 0));
			th->name = pg_json_strdup_or_null(t, "name");
		}
	}
	rc = 0;
done:
	cJSON_Delete(root);
	free(text);
	return rc;
}
