/*
 * What the store backends share (store_impl.h): merging a new baseline into
 * a stored one, and making a list entry of a stored document.
 */
#define _GNU_SOURCE
#include "store_impl.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"

int pg_store_merge_text(char **out, const char *new_text, size_t new_len,
			const char *old_text, size_t old_len, const char *old_source)
{
	struct pg_baseline *old = NULL;
	cJSON *fresh = NULL, *stored = NULL;
	cJSON *fresh_benches, *stored_benches;
	int rc, dirty = 0;

	*out = NULL;
	if ((rc = pg_baseline_parse(&old, old_text, old_len, old_source)) < 0)
		return pg_error_setc(rc, "cannot merge into the stored baseline: %s (remove it with "
				     "'profgate baseline rm')", pg_error_last());
	pg_baseline_free(old);
	fresh = cJSON_ParseWithLength(new_text, new_len);
	stored = cJSON_ParseWithLength(old_text, old_len);
	if (!fresh || !stored) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	fresh_benches = cJSON_GetObjectItemCaseSensitive(fresh, "benchmarks");
	stored_benches = cJSON_GetObjectItemCaseSensitive(stored, "benchmarks");
	while (stored_benches->child) {
		cJSON *b = cJSON_DetachItemViaPointer(stored_benches, stored_benches->child);

		if (cJSON_GetObjectItemCaseSensitive(fresh_benches, b->string)) {
			cJSON_Delete(b);
			continue;
		}
		/* Kept where it was: the stored ones first, as recorded. */
		if (!cJSON_AddItemToObject(fresh_benches, b->string, b)) {
			cJSON_Delete(b);
			rc = pg_error_set("out of memory");
			goto done;
		}
	}
	for (const cJSON *b = fresh_benches->child; b; b = b->next)
		dirty |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "dirty"));
	cJSON_ReplaceItemInObjectCaseSensitive(fresh, "dirty", cJSON_CreateBool(dirty));
	*out = cJSON_Print(fresh);
	rc = *out ? 0 : pg_error_set("out of memory");
done:
	cJSON_Delete(fresh);
	cJSON_Delete(stored);
	return rc;
}

void pg_store_entry_fill(struct pg_store_entry *e, const char *text, size_t len,
			 const char *source, const char *expected_commit)
{
	struct pg_baseline *b = NULL;

	if (pg_baseline_parse(&b, text, len, source) < 0) {
		e->error = strdup(pg_error_last());
		return;
	}
	if (strcmp(b->commit, expected_commit)) {
		if (asprintf(&e->error, "'%s': holds the baseline of commit '%s', not of '%s'", source,
			     b->commit, expected_commit) < 0)
			e->error = NULL;
		pg_baseline_free(b);
		return;
	}
	e->recorded_at = b->recorded_at;
	b->recorded_at = NULL;
	e->dirty = b->dirty;
	e->benches = calloc(b->nbenches ? b->nbenches : 1, sizeof *e->benches);
	for (size_t i = 0; e->benches && i < b->nbenches; i++) {
		e->benches[i] = b->benches[i].name;
		b->benches[i].name = NULL;
		e->nbenches++;
	}
	pg_baseline_free(b);
}

struct pg_store_entry *pg_store_entry_push(struct pg_store_entry **v, size_t *n, size_t *cap)
{
	struct pg_store_entry *e;

	if (PG_ARRAY_RESERVE(*v, *cap, *n + 1) < 0)
		return NULL;
	e = &(*v)[(*n)++];
	memset(e, 0, sizeof *e);
	return e;
}
