/*
 * Building a JSON document with cJSON: the two steps that the baseline
 * writer (baselines/baseline.c), result.json (reporters/check_json.c) and
 * profile.json (reporters/profile_json.c) take alike.
 */
#ifndef PG_JSONWRITE_H
#define PG_JSONWRITE_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Adds item to o under key: 0, or -1 when item is NULL (its creation ran
 * out of memory) or cannot be added, item then freed. */
int pg_json_add(cJSON *o, const char *key, cJSON *item);

/* An array of the n strings of v (a NULL string as null); NULL when out of
 * memory. */
cJSON *pg_json_strings(const char *const *v, size_t n);

#endif
