/*
 * struct pg_store: parsing a store spec, the directory store, and what both
 * stores share (merging, listing, the checks that make a stored document a
 * usable baseline).
 *
 * The directory store keeps "<dir>/<full commit id>.json". A write takes an
 * exclusive flock() on "<dir>/.profgate.lock" for the read-merge-replace, so
 * that two `record` jobs of one commit both end up in the file, and replaces
 * the file by rename() (common/afile.c), so that a reader, or a writer that
 * is killed, never leaves a torn file. Readers take no lock: rename() gives
 * them the old file or the new one.
 */
#define _GNU_SOURCE
#include "store_impl.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "error.h"
#include "repo_git.h"

#define LOCK_NAME ".profgate.lock"

static int valid_notes_ref(const char *ref)
{
	int valid = 0;

	if (git_reference_name_is_valid(&valid, ref) < 0)
		return 0;
	return valid && !strncmp(ref, "refs/", 5);
}

/* base/rel, with rel's leading "./" and "../" applied to base, so that
 * messages name "/src/.profgate" rather than "/src/conf/../.profgate".
 * Only what cancels base's own components is removed: base comes from
 * realpath() and has no symbolic links, rel might. */
static char *join_dir(const char *base, const char *rel)
{
	size_t blen = strlen(base);
	char *out = NULL;

	while (blen > 1 && base[blen - 1] == '/')
		blen--;
	for (;;) {
		if (!strncmp(rel, "./", 2)) {
			rel += 2;
		} else if (!strcmp(rel, ".")) {
			rel += 1;
		} else if ((!strncmp(rel, "../", 3) || !strcmp(rel, "..")) && blen > 1) {
			const char *slash = memrchr(base, '/', blen);

			if (!slash)
				break;
			blen = slash == base ? 1 : (size_t)(slash - base);
			rel += rel[2] ? 3 : 2;
		} else {
			break;
		}
	}
	if (!*rel)
		return strndup(base, blen);
	if (asprintf(&out, "%.*s%s%s", (int)blen, base, blen == 1 && base[0] == '/' ? "" : "/", rel) < 0)
		return NULL;
	return out;
}

int pg_store_open(struct pg_store **out, const char *spec, const char *base_dir, struct pg_repo *repo)
{
	struct pg_store *s;
	int rc = 0;

	*out = NULL;
	if (!spec)
		spec = PG_STORE_DEFAULT;
	if (!*spec)
		return pg_error_setc(PG_EINVALID, "store '': empty store name");
	s = calloc(1, sizeof *s);
	if (!s)
		return pg_error_set("out of memory");
	s->repo = repo;
	if (!strcmp(spec, "git-notes") || !strncmp(spec, "git-notes:", 10)) {
		const char *ref = spec[9] ? spec + 10 : PG_STORE_NOTES_DEFAULT_REF;

		s->kind = PG_STORE_NOTES;
		if (!*ref) {
			rc = pg_error_setc(PG_EINVALID, "store '%s': no ref after 'git-notes:'", spec);
			goto done;
		}
		if (!strncmp(ref, "refs/", 5))
			s->ref = strdup(ref);
		else if (asprintf(&s->ref, "refs/notes/%s", ref) < 0)
			s->ref = NULL;
		if (!s->ref) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		/* libgit2 validates names without being initialised, but
		 * checking needs no repository. */
		git_libgit2_init();
		int ok = valid_notes_ref(s->ref);

		git_libgit2_shutdown();
		if (!ok) {
			rc = pg_error_setc(PG_EINVALID, "store '%s': '%s' is not a valid ref name", spec, s->ref);
			goto done;
		}
		if (!repo) {
			rc = pg_error_setc(PG_EINVALID, "store '%s' keeps baselines in git notes, "
					   "but there is no git repository here", spec);
			goto done;
		}
		if (asprintf(&s->describe, "git notes '%s'", s->ref) < 0)
			s->describe = NULL;
		if (asprintf(&s->fetch_hint, "git fetch origin %s:%s", s->ref, s->ref) < 0)
			s->fetch_hint = NULL;
		if (!s->fetch_hint) {
			rc = pg_error_set("out of memory");
			goto done;
		}
	} else {
		s->kind = PG_STORE_DIR;
		if (spec[0] == '/' || !base_dir || !*base_dir)
			s->dir = strdup(spec);
		else
			s->dir = join_dir(base_dir, spec);
		if (!s->dir) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		/* "a/b/" and "a/b" are one store; messages read better without. */
		for (size_t n = strlen(s->dir); n > 1 && s->dir[n - 1] == '/'; n--)
			s->dir[n - 1] = '\0';
		if (asprintf(&s->describe, "directory '%s'", s->dir) < 0)
			s->describe = NULL;
	}
	if (!s->describe)
		rc = pg_error_set("out of memory");
done:
	if (rc < 0)
		pg_store_free(s);
	else
		*out = s;
	return rc;
}

void pg_store_free(struct pg_store *s)
{
	if (!s)
		return;
	free(s->describe);
	free(s->dir);
	free(s->ref);
	free(s->fetch_hint);
	free(s->ids);
	free(s);
}

enum pg_store_kind pg_store_kind(const struct pg_store *s)
{
	return s->kind;
}

const char *pg_store_describe(const struct pg_store *s)
{
	return s->describe;
}

const char *pg_store_fetch_hint(struct pg_store *s)
{
	const git_oid *ids;
	size_t n;

	if (s->kind != PG_STORE_NOTES || pg_notes_ids(&ids, &n, s) < 0 || n > 0)
		return NULL;
	return s->fetch_hint;
}

static int check_commit(const char *commit)
{
	if (!pg_commit_id_valid(commit))
		return pg_error_setc(PG_EINVALID, "'%s' is not a full commit id", commit);
	return 0;
}

static char *file_of(const struct pg_store *s, const char *commit)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s.json", s->dir, commit) < 0)
		return NULL;
	return path;
}

int pg_store_has(int *out, struct pg_store *s, const char *commit)
{
	struct stat st;
	char *path;
	int rc;

	*out = 0;
	if ((rc = check_commit(commit)) < 0)
		return rc;
	if (s->kind == PG_STORE_NOTES)
		return pg_notes_has(out, s, commit);
	if (!(path = file_of(s, commit)))
		return pg_error_set("out of memory");
	if (stat(path, &st) == 0) {
		*out = 1;
	} else if (errno != ENOENT && errno != ENOTDIR) {
		rc = pg_error_set("cannot read '%s': %s", path, strerror(errno));
	}
	free(path);
	return rc;
}

int pg_store_read_raw(char **text, size_t *len, char **location, struct pg_store *s, const char *commit)
{
	struct stat st;
	char *path = NULL;
	int rc;

	*text = NULL;
	*len = 0;
	if (location)
		*location = NULL;
	if ((rc = check_commit(commit)) < 0)
		return rc;
	if (s->kind == PG_STORE_NOTES)
		return pg_notes_read_raw(text, len, location, s, commit);
	if (!(path = file_of(s, commit)))
		return pg_error_set("out of memory");
	if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		rc = pg_error_setc(PG_ENOTFOUND, "no baseline for commit '%s' in %s", commit, s->describe);
		goto done;
	}
	if ((rc = pg_read_file(text, len, path)) < 0)
		goto done;
	if (location) {
		*location = path;
		path = NULL;
	}
done:
	free(path);
	return rc;
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

static int dir_write(struct pg_store *s, const char *commit, const char *text, size_t len, char **location)
{
	char *lock_path = NULL, *path = NULL, *old = NULL, *merged = NULL;
	size_t old_len = 0;
	struct stat st;
	int fd = -1, rc;

	if ((rc = pg_mkdirs(s->dir)) < 0)
		return rc;
	if (asprintf(&lock_path, "%s/" LOCK_NAME, s->dir) < 0 || !(path = file_of(s, commit))) {
		lock_path = NULL;
		rc = pg_error_set("out of memory");
		goto done;
	}
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = pg_error_set("cannot create '%s': %s", lock_path, strerror(errno));
		goto done;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			rc = pg_error_set("cannot lock '%s': %s", lock_path, strerror(errno));
			goto done;
		}
	}
	if (stat(path, &st) == 0) {
		if ((rc = pg_read_file(&old, &old_len, path)) < 0 ||
		    (rc = pg_store_merge_text(&merged, text, len, old, old_len, path)) < 0)
			goto done;
		text = merged;
		len = strlen(merged);
	}
	if ((rc = pg_write_file_atomic(path, text, len)) < 0)
		goto done;
	if (location) {
		*location = path;
		path = NULL;
	}
done:
	if (fd >= 0)
		close(fd);  /* releases the lock */
	free(lock_path);
	free(path);
	free(old);
	free(merged);
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
	if (s->kind == PG_STORE_NOTES)
		rc = pg_notes_write(s, b->commit, text, len, location);
	else
		rc = dir_write(s, b->commit, text, len, location);
	free(text);
	return rc;
}

static int baseline_file_name(char commit[PG_COMMIT_HEX_MAX + 1], const char *name);

/* One more candidate for find_prefix: the first goes to out. */
static void prefix_match(char out[PG_COMMIT_HEX_MAX + 1], size_t *matches, const char *commit,
			 const char *prefix)
{
	if (strncmp(commit, prefix, strlen(prefix)))
		return;
	if ((*matches)++ == 0)
		strcpy(out, commit);
}

int pg_store_find_prefix(char out[PG_COMMIT_HEX_MAX + 1], struct pg_store *s, const char *prefix)
{
	char commit[PG_COMMIT_HEX_MAX + 1];
	size_t matches = 0;

	out[0] = '\0';
	if (s->kind == PG_STORE_NOTES) {
		const git_oid *ids;
		size_t n;
		int rc = pg_notes_ids(&ids, &n, s);

		if (rc < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			git_oid_tostr(commit, sizeof commit, &ids[i]);
			prefix_match(out, &matches, commit, prefix);
		}
	} else {
		DIR *dir = opendir(s->dir);
		struct dirent *d;

		if (!dir && errno != ENOENT)
			return pg_error_set("cannot open '%s': %s", s->dir, strerror(errno));
		while (dir && (d = readdir(dir)))
			if (baseline_file_name(commit, d->d_name))
				prefix_match(out, &matches, commit, prefix);
		if (dir)
			closedir(dir);
	}
	if (matches == 1)
		return 0;
	out[0] = '\0';
	if (matches > 1)
		return pg_error_set("'%s' is ambiguous: %zu baselines in %s start with it", prefix, matches,
				    s->describe);
	return pg_error_setc(PG_ENOTFOUND, "no baseline in %s for a commit starting with '%s'", s->describe,
			     prefix);
}

int pg_store_remove(struct pg_store *s, const char *commit)
{
	char *path;
	int rc;

	if ((rc = check_commit(commit)) < 0)
		return rc;
	if (s->kind == PG_STORE_NOTES)
		return pg_notes_remove(s, commit);
	if (!(path = file_of(s, commit)))
		return pg_error_set("out of memory");
	if (unlink(path) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = pg_error_setc(PG_ENOTFOUND, "no baseline for commit '%s' in %s", commit, s->describe);
		else
			rc = pg_error_set("cannot remove '%s': %s", path, strerror(errno));
	}
	free(path);
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

/* "<40 or 64 hex>.json" */
static int baseline_file_name(char commit[PG_COMMIT_HEX_MAX + 1], const char *name)
{
	size_t n = strlen(name);

	if (n < 5 || strcmp(name + n - 5, ".json") || n - 5 > PG_COMMIT_HEX_MAX)
		return 0;
	memcpy(commit, name, n - 5);
	commit[n - 5] = '\0';
	return pg_commit_id_valid(commit);
}

static int dir_list(struct pg_store_entry **out, size_t *count, struct pg_store *s)
{
	struct pg_store_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dir = opendir(s->dir);
	int rc = 0;

	if (!dir) {
		if (errno == ENOENT)
			return 0;  /* nothing recorded yet */
		return pg_error_set("cannot open '%s': %s", s->dir, strerror(errno));
	}
	while ((d = readdir(dir))) {
		struct pg_store_entry *e;
		struct stat st;
		char *text = NULL;
		size_t len = 0;

		/* Hidden files (the lock) and temporaries of a write in
		 * progress are the store's own. */
		if (d->d_name[0] == '.' || strstr(d->d_name, ".tmp."))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct pg_store_entry *nv = realloc(v, ncap * sizeof *nv);

			if (!nv) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			v = nv;
			cap = ncap;
		}
		e = &v[n++];
		memset(e, 0, sizeof *e);
		if (asprintf(&e->location, "%s/%s", s->dir, d->d_name) < 0) {
			e->location = NULL;
			rc = pg_error_set("out of memory");
			goto done;
		}
		if (stat(e->location, &st) == 0)
			e->size = (uint64_t)st.st_size;
		if (!baseline_file_name(e->commit, d->d_name)) {
			e->commit[0] = '\0';
			if (asprintf(&e->error, "'%s': foreign file in the baseline store "
				     "(expected <full commit id>.json)", e->location) < 0)
				e->error = NULL;
			continue;
		}
		if (pg_read_file(&text, &len, e->location) < 0) {
			e->error = strdup(pg_error_last());
			continue;
		}
		pg_store_entry_fill(e, text, len, e->location, e->commit);
		free(text);
	}
done:
	closedir(dir);
	if (rc < 0) {
		pg_store_entries_free(v, n);
		return rc;
	}
	*out = v;
	*count = n;
	return 0;
}

int pg_store_list(struct pg_store_entry **out, size_t *count, struct pg_store *s)
{
	int rc;

	*out = NULL;
	*count = 0;
	if (s->kind == PG_STORE_NOTES)
		rc = pg_notes_list(out, count, s);
	else
		rc = dir_list(out, count, s);
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
