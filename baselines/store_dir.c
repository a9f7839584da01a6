/*
 * The directory store: "<dir>/<full commit id>.json". A write takes an
 * exclusive flock() on "<dir>/.profgate.lock" for the read-merge-replace, so
 * that two `record` jobs of one commit both end up in the file, and replaces
 * the file by rename() (common/afile.c), so that a reader, or a writer that
 * is killed, never leaves a torn file. Readers take no lock: rename() gives
 * them the old file or the new one.
 */
#define _GNU_SOURCE
#include "store_impl.h"

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

#define LOCK_NAME ".profgate.lock"

struct dir_store {
	char *dir;
};

static const char *dir_of(const struct pg_store *s)
{
	return ((const struct dir_store *)s->impl)->dir;
}

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

/* Every spec that is not another kind's is a directory. */
static int dir_claims(const char *spec)
{
	(void)spec;
	return 1;
}

static int dir_open(struct pg_store *s, const char *spec, const char *base_dir, struct pg_repo *repo)
{
	struct dir_store *ds = calloc(1, sizeof *ds);
	char *dir;

	(void)repo;
	if (!ds)
		return pg_error_set("out of memory");
	s->impl = ds;
	if (spec[0] == '/' || !base_dir || !*base_dir)
		ds->dir = strdup(spec);
	else
		ds->dir = join_dir(base_dir, spec);
	if (!(dir = ds->dir))
		return pg_error_set("out of memory");
	/* "a/b/" and "a/b" are one store; messages read better without. */
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = '\0';
	if (asprintf(&s->describe, "directory '%s'", dir) < 0) {
		s->describe = NULL;
		return pg_error_set("out of memory");
	}
	return 0;
}

static void dir_close(struct pg_store *s)
{
	struct dir_store *ds = s->impl;

	if (ds)
		free(ds->dir);
	free(ds);
}

static char *file_of(const struct pg_store *s, const char *commit)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s.json", dir_of(s), commit) < 0)
		return NULL;
	return path;
}

static int dir_has(int *out, struct pg_store *s, const char *commit)
{
	struct stat st;
	char *path;
	int rc = 0;

	*out = 0;
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

static int dir_read_raw(char **text, size_t *len, char **location, struct pg_store *s, const char *commit)
{
	struct stat st;
	char *path = NULL;
	int rc = 0;

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

static int dir_write(struct pg_store *s, const char *commit, const char *text, size_t len, char **location)
{
	char *lock_path = NULL, *path = NULL, *old = NULL, *merged = NULL;
	size_t old_len = 0;
	struct stat st;
	int fd = -1, rc;

	if ((rc = pg_mkdirs(dir_of(s))) < 0)
		return rc;
	if (asprintf(&lock_path, "%s/" LOCK_NAME, dir_of(s)) < 0 || !(path = file_of(s, commit))) {
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

static int dir_remove(struct pg_store *s, const char *commit)
{
	char *path;
	int rc = 0;

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
	DIR *dir = opendir(dir_of(s));
	int rc = 0;

	if (!dir) {
		if (errno == ENOENT)
			return 0;  /* nothing recorded yet */
		return pg_error_set("cannot open '%s': %s", dir_of(s), strerror(errno));
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
		if (!(e = pg_store_entry_push(&v, &n, &cap))) {
			rc = PG_EGENERIC;
			goto done;
		}
		if (asprintf(&e->location, "%s/%s", dir_of(s), d->d_name) < 0) {
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

static int dir_each_commit(struct pg_store *s, void (*fn)(const char *commit, void *ctx), void *ctx)
{
	char commit[PG_COMMIT_HEX_MAX + 1];
	DIR *dir = opendir(dir_of(s));
	struct dirent *d;

	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return pg_error_set("cannot open '%s': %s", dir_of(s), strerror(errno));
	}
	while ((d = readdir(dir)))
		if (baseline_file_name(commit, d->d_name))
			fn(commit, ctx);
	closedir(dir);
	return 0;
}

const struct pg_store_ops pg_store_dir_ops = {
	.kind = PG_STORE_DIR,
	.claims = dir_claims,
	.open = dir_open,
	.close = dir_close,
	.has = dir_has,
	.read_raw = dir_read_raw,
	.write = dir_write,
	.remove = dir_remove,
	.list = dir_list,
	.each_commit = dir_each_commit,
	.fetch_hint = NULL,
};
