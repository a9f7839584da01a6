/*
 * struct pg_store: picking the backend a spec names, and the operations of
 * store.h, which check their arguments and call the backend's table
 * (store_impl.h). Whichever backend it is, reading parses and checks the
 * document, writing serializes it, listing sorts the entries.
 */
#define _GNU_SOURCE
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Asked in order: the first that claims a spec opens it. */
static const struct pg_store_ops *const backends[] = {
	&pg_store_notes_ops,
	&pg_store_dir_ops,
};

int pg_store_open(struct pg_store **out, const char *spec, const char *base_dir, struct pg_repo *repo)
{
	struct pg_store *s;
	int rc;

	*out = NULL;
	if (!spec)
		spec = PG_STORE_DEFAULT;
	if (!*spec)
		return pg_error_setc(PG_EINVALID, "store '': empty store name");
	s = calloc(1, sizeof *s);
	if (!s)
		return pg_error_set("out of memory");
	for (size_t i = 0; !s->ops && i < sizeof backends / sizeof backends[0]; i++)
		if (backends[i]->claims(spec))
			s->ops = backends[i];
	if ((rc = s->ops->open(s, spec, base_dir, repo)) < 0) {
		pg_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void pg_store_free(struct pg_store *s)
{
	if (!s)
		return;
	s->ops->close(s);
	free(s->describe);
	free(s);
}

enum pg_store_kind pg_store_kind(const struct pg_store *s)
{
	return s->ops->kind;
}

const char *pg_store_describe(const struct pg_store *s)
{
	return s->describe;
}

const char *pg_store_fetch_hint(struct pg_store *s)
{
	return s->ops->fetch_hint ? s->ops->fetch_hint(s) : NULL;
}

static int check_commit(const char *commit)
{
	if (!pg_commit_id_valid(commit))
		return pg_error_setc(PG_EINVALID, "'%s' is not a full commit id", commit);
	return 0;
}

int pg_store_has(int *out, struct pg_store *s, const char *commit)
{
	int rc;

	*out = 0;
	if ((rc = check_commit(commit)) < 0)
		return rc;
	return s->ops->has(out, s, commit);
}

int pg_store_read_raw(char **text, size_t *len, char **location, struct pg_store *s, const char *commit)
{
	int rc;

	*text = NULL;
	*len = 0;
	if (location)
		*location = NULL;
	if ((rc = check_commit(commit)) < 0)
		return rc;
	return s->ops->read_raw(text, len, location, s, commit);
}

int pg_store_read(struct pg_baseline **out, struct pg_store *s, const char *commit)
{
	char *text = NULL, *location = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = pg_store_read_raw(&text, &len, &location, s, commit)) < 0)
		return rc;
	rc = pg_baseline_parse(out, text, len, location);
	if (rc == 0 && strcmp((*out)->commit, commit)) {
		rc = pg_error_setc(PG_EINVALID, "'%s': holds the baseline of commit '%s', not of '%s'",
				   location, (*out)->commit, commit);
		pg_baseline_free(*out);
		*out = NULL;
	}
	free(text);
	free(location);
	return rc;
}

int pg_store_write(struct pg_store *s, const struct pg_baseline *b, char **location)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (location)
		*location = NULL;
	if ((rc = check_commit(b->commit)) < 0)
		return rc;
	if ((rc = pg_baseline_serialize(&text, &len, b)) < 0)
		return rc;
	rc = s->ops->write(s, b->commit, text, len, location);
	free(text);
	return rc;
}

struct prefix_search {
	const char *prefix;
	char *out;
	size_t matches;
};

/* One more candidate for find_prefix: the first goes to out. */
static void prefix_match(const char *commit, void *ctx)
{
	struct prefix_search *p = ctx;

	if (strncmp(commit, p->prefix, strlen(p->prefix)))
		return;
	if (p->matches++ == 0)
		strcpy(p->out, commit);
}

int pg_store_find_prefix(char out[PG_COMMIT_HEX_MAX + 1], struct pg_store *s, const char *prefix)
{
	struct prefix_search p = { prefix, out, 0 };
	int rc;

	out[0] = '\0';
	if ((rc = s->ops->each_commit(s, prefix_match, &p)) < 0)
		return rc;
	if (p.matches == 1)
		return 0;
	out[0] = '\0';
	if (p.matches > 1)
		return pg_error_set("'%s' is ambiguous: %zu baselines in %s start with it", prefix, p.matches,
				    s->describe);
	return pg_error_setc(PG_ENOTFOUND, "no baseline in %s for a commit starting with '%s'", s->describe,
			     prefix);
}

int pg_store_remove(struct pg_store *s, const char *commit)
{
	int rc;

	if ((rc = check_commit(commit)) < 0)
		return rc;
	return s->ops->remove(s, commit);
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct pg_store_entry *a = pa, *b = pb;

	if (!a->error != !b->error)
		return a->error ? 1 : -1;
	if (a->recorded_at && b->recorded_at) {
		int c = strcmp(b->recorded_at, a->recorded_at);

		if (c)
			return c;
	}
	if (a->commit[0] && b->commit[0])
		return strcmp(a->commit, b->commit);
	return strcmp(a->location ? a->location : "", b->location ? b->location : "");
}

int pg_store_list(struct pg_store_entry **out, size_t *count, struct pg_store *s)
{
	int rc;

	*out = NULL;
	*count = 0;
	rc = s->ops->list(out, count, s);
	if (rc == 0 && *count > 1)
		qsort(*out, *count, sizeof **out, cmp_entry);
	return rc;
}

void pg_store_entries_free(struct pg_store_entry *e, size_t count)
{
	for (size_t i = 0; e && i < count; i++) {
		free(e[i].location);
		free(e[i].recorded_at);
		for (size_t k = 0; k < e[i].nbenches; k++)
			free(e[i].benches[k]);
		free(e[i].benches);
		free(e[i].error);
	}
	free(e);
}
