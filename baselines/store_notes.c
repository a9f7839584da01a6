/*
 * The git-notes store: each commit's baseline is the note attached to it
 * under one notes ref (refs/notes/profgate by default), written and read
 * with libgit2. `git push origin refs/notes/profgate` and the matching fetch
 * share the baselines with every clone; `git notes --ref=profgate show` reads
 * them without profgate.
 *
 * A write builds a new notes commit on top of the ref's current tip (with
 * the commit's note merged) and moves the ref only if it still points at
 * that tip (git_reference_create_matching). When another writer got there
 * first, or holds the ref's lock, it starts over from the new tip after a
 * short random pause, so concurrent jobs recording different benchmarks of
 * one commit all end up in its note.
 */
#define _GNU_SOURCE
#include "store_impl.h"

#include <git2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/file.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "error.h"
#include "repo_git.h"

#define MAX_ATTEMPTS 200

struct notes_store {
	char *ref;
	struct pg_repo *repo;    /* borrowed */
	git_oid *ids;            /* annotated commits, sorted; loaded on first use */
	size_t nids;
	int ids_loaded;
	char *fetch_hint;        /* "git fetch origin REF:REF" */
};

#define NS(s) ((struct notes_store *)(s)->impl)

/* The notes commit the ref points at; *out NULL when the ref does not exist
 * yet. tip is set when it does. */
static int notes_tip(git_commit **out, git_oid *tip, struct pg_store *s)
{
	git_repository *repo = pg_repo_git(NS(s)->repo);
	int rc;

	*out = NULL;
	rc = git_reference_name_to_id(tip, repo, NS(s)->ref);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return pg_error_set("cannot read ref '%s': %s", NS(s)->ref, pg_git_message());
	if (git_commit_lookup(out, repo, tip) < 0)
		return pg_error_set("ref '%s' does not point to a notes commit: %s", NS(s)->ref, pg_git_message());
	return 0;
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static int load_ids(struct pg_store *s)
{
	git_note_iterator *it = NULL;
	git_commit *tip_commit = NULL;
	git_oid tip, note_id, annotated;
	git_oid *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if ((rc = notes_tip(&tip_commit, &tip, s)) < 0)
		return rc;
	if (tip_commit) {
		if (git_note_commit_iterator_new(&it, tip_commit) < 0) {
			rc = pg_error_set("cannot list the notes of '%s': %s", NS(s)->ref, pg_git_message());
			goto done;
		}
		while ((rc = git_note_next(&note_id, &annotated, it)) == 0) {
			if ((rc = PG_ARRAY_RESERVE(v, cap, n + 1)) < 0)
				goto done;
			git_oid_cpy(&v[n++], &annotated);
		}
		if (rc != GIT_ITEROVER) {
			rc = pg_error_set("cannot list the notes of '%s': %s", NS(s)->ref, pg_git_message());
			goto done;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_oid);
	free(NS(s)->ids);
	NS(s)->ids = v;
	NS(s)->nids = n;
	NS(s)->ids_loaded = 1;
	v = NULL;
	rc = 0;
done:
	free(v);
	git_note_iterator_free(it);
	git_commit_free(tip_commit);
	return rc;
}

static int notes_has(int *out, struct pg_store *s, const char *commit)
{
	git_oid oid;
	int rc;

	*out = 0;
	if (git_oid_fromstr(&oid, commit) < 0)
		return pg_error_setc(PG_EINVALID, "'%s' is not a commit id", commit);
	/* One listing of the notes tree, then a binary search per commit:
	 * the lookup asks about up to max_distance commits. */
	if (!NS(s)->ids_loaded && (rc = load_ids(s)) < 0)
		return rc;
	*out = NS(s)->nids > 0 && bsearch(&oid, NS(s)->ids, NS(s)->nids, sizeof oid, cmp_oid) != NULL;
	return 0;
}

static int notes_ids(const git_oid **out, size_t *count, struct pg_store *s)
{
	int rc;

	if (!NS(s)->ids_loaded && (rc = load_ids(s)) < 0)
		return rc;
	*out = NS(s)->ids;
	*count = NS(s)->nids;
	return 0;
}

static char *location_of(const struct pg_store *s, const char *commit)
{
	char *l = NULL;

	if (asprintf(&l, "%s:%s", NS(s)->ref, commit) < 0)
		return NULL;
	return l;
}

static int notes_read_raw(char **text, size_t *len, char **location, struct pg_store *s, const char *commit)
{
	git_repository *repo = pg_repo_git(NS(s)->repo);
	git_commit *tip_commit = NULL;
	git_note *note = NULL;
	git_oid tip, oid;
	int rc;

	if (git_oid_fromstr(&oid, commit) < 0)
		return pg_error_setc(PG_EINVALID, "'%s' is not a commit id", commit);
	if ((rc = notes_tip(&tip_commit, &tip, s)) < 0)
		return rc;
	if (!tip_commit) {
		rc = pg_error_setc(PG_ENOTFOUND, "no baseline for commit '%s' in %s (the ref does not exist; "
				   "fetch it with 'git fetch origin %s:%s')", commit, s->describe, NS(s)->ref, NS(s)->ref);
		goto done;
	}
	rc = git_note_commit_read(&note, repo, tip_commit, &oid);
	if (rc == GIT_ENOTFOUND) {
		rc = pg_error_setc(PG_ENOTFOUND, "no baseline for commit '%s' in %s", commit, s->describe);
		goto done;
	}
	if (rc < 0) {
		rc = pg_error_set("cannot read the note of '%s' in '%s': %s", commit, NS(s)->ref, pg_git_message());
		goto done;
	}
	*text = strdup(git_note_message(note));
	if (!*text) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	*len = strlen(*text);
	if (location && !(*location = location_of(s, commit))) {
		free(*text);
		*text = NULL;
		rc = pg_error_set("out of memory");
		goto done;
	}
	rc = 0;
done:
	git_note_free(note);
	git_commit_free(tip_commit);
	return rc;
}

static int signature(git_signature **out, git_repository *repo)
{
	/* CI runners often have no user.name: notes are then by profgate. */
	if (git_signature_default(out, repo) == 0)
		return 0;
	if (git_signature_now(out, "profgate", "profgate@localhost") == 0)
		return 0;
	return pg_error_set("cannot make a git signature: %s", pg_git_message());
}

/* A few milliseconds, random so that two writers that collided do not
 * collide again, growing with the attempts. */
static void backoff(int attempt)
{
	struct timespec ts;
	unsigned seed = (unsigned)getpid() ^ (unsigned)attempt * 2654435761u;
	long ms = 1 + (long)(rand_r(&seed) % (2 + (attempt < 10 ? attempt : 10) * 3));

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ms += ts.tv_nsec % 3;
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
}

/* An exclusive lock on <gitdir>/profgate-notes.lock; -1 if it cannot be had
 * (the compare-and-swap still guards the ref then). */
static int notes_lock(git_repository *repo)
{
	char path[4096];
	snprintf(path, sizeof path, "%sprofgate-notes.lock", git_repository_path(repo));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int retryable(int git_rc)
{
	return git_rc == GIT_EMODIFIED || git_rc == GIT_EEXISTS || git_rc == GIT_ELOCKED;
}

/* Moves the ref from tip (NULL: it does not exist yet) to commit. Returns
 * the libgit2 code: the caller retries on a conflict. */
static int move_ref(struct pg_store *s, const git_oid *commit, const git_oid *tip, const char *msg)
{
	git_reference *ref = NULL;
	int rc;

	if (tip)
		rc = git_reference_create_matching(&ref, pg_repo_git(NS(s)->repo), NS(s)->ref, commit, 1, tip, msg);
	else
		rc = git_reference_create(&ref, pg_repo_git(NS(s)->repo), NS(s)->ref, commit, 0, msg);
	git_reference_free(ref);
	return rc;
}

static int notes_write(struct pg_store *s, const char *commit, const char *text, size_t len, char **location)
{
	git_repository *repo = pg_repo_git(NS(s)->repo);
	git_signature *sig = NULL;
	git_oid oid, tip, new_commit;
	char msg[128];
	int rc;

	if (git_oid_fromstr(&oid, commit) < 0)
		return pg_error_setc(PG_EINVALID, "'%s' is not a commit id", commit);
	if (memchr(text, '\0', len))
		return pg_error_set("baseline of '%s' contains a NUL byte", commit);
	if ((rc = signature(&sig, repo)) < 0)
		return rc;
	snprintf(msg, sizeof msg, "profgate: baseline of %.12s", commit);
	/* Writers on this machine take turns: the compare-and-swap on the ref
	 * alone lost an update under load (libgit2 1.5; seen in check_store).
	 * Writers elsewhere meet at `git push`, which refuses a moved ref. */
	int lockfd = notes_lock(repo);
	for (int attempt = 0;; attempt++) {
		git_commit *tip_commit = NULL;
		git_note *note = NULL;
		char *merged = NULL;
		const char *content = text;
		char *where = NULL;

		if ((rc = notes_tip(&tip_commit, &tip, s)) < 0)
			break;
		int have_tip = tip_commit != NULL;

		if (tip_commit) {
			rc = git_note_commit_read(&note, repo, tip_commit, &oid);
			if (rc == 0) {
				const char *old = git_note_message(note);

				where = location_of(s, commit);
				rc = pg_store_merge_text(&merged, text, len, old, strlen(old),
							 where ? where : commit);
				free(where);
				git_note_free(note);
				if (rc < 0) {
					git_commit_free(tip_commit);
					break;
				}
				content = merged;
			} else if (rc != GIT_ENOTFOUND) {
				rc = pg_error_set("cannot read the note of '%s' in '%s': %s", commit, NS(s)->ref,
						  pg_git_message());
				git_commit_free(tip_commit);
				break;
			}
		}
		rc = git_note_commit_create(&new_commit, NULL, repo, tip_commit, sig, sig, &oid, content, 1);
		free(merged);
		git_commit_free(tip_commit);
		if (rc < 0) {
			rc = pg_error_set("cannot write the note of '%s' in '%s': %s", commit, NS(s)->ref,
					  pg_git_message());
			break;
		}
		rc = move_ref(s, &new_commit, have_tip ? &tip : NULL, msg);
		if (rc == 0)
			break;
		if (!retryable(rc) || attempt + 1 >= MAX_ATTEMPTS) {
			rc = pg_error_set("cannot update '%s'%s: %s", NS(s)->ref,
					  retryable(rc) ? " (it kept moving under us)" : "", pg_git_message());
			break;
		}
		backoff(attempt);
	}
	if (lockfd >= 0)
		close(lockfd);  /* releases the lock */
	git_signature_free(sig);
	NS(s)->ids_loaded = 0;
	if (rc == 0 && location && !(*location = location_of(s, commit)))
		rc = pg_error_set("out of memory");
	return rc;
}

static int notes_remove(struct pg_store *s, const char *commit)
{
	git_repository *repo = pg_repo_git(NS(s)->repo);
	git_signature *sig = NULL;
	git_oid oid, tip, new_commit;
	char msg[128];
	int rc;

	if (git_oid_fromstr(&oid, commit) < 0)
		return pg_error_setc(PG_EINVALID, "'%s' is not a commit id", commit);
	if ((rc = signature(&sig, repo)) < 0)
		return rc;
	snprintf(msg, sizeof msg, "profgate: remove the baseline of %.12s", commit);
	for (int attempt = 0;; attempt++) {
		git_commit *tip_commit = NULL;

		if ((rc = notes_tip(&tip_commit, &tip, s)) < 0)
			break;
		if (!tip_commit) {
			rc = pg_error_setc(PG_ENOTFOUND, "no baseline for commit '%s' in %s", commit, s->describe);
			break;
		}
		rc = git_note_commit_remove(&new_commit, repo, tip_commit, sig, sig, &oid);
		git_commit_free(tip_commit);
		if (rc == GIT_ENOTFOUND) {
			rc = pg_error_setc(PG_ENOTFOUND, "no baseline for commit '%s' in %s", commit, s->describe);
			break;
		}
		if (rc < 0) {
			rc = pg_error_set("cannot remove the note of '%s' in '%s': %s", commit, NS(s)->ref,
					  pg_git_message());
			break;
		}
		rc = move_ref(s, &new_commit, &tip, msg);
		if (rc == 0)
			break;
		if (!retryable(rc) || attempt + 1 >= MAX_ATTEMPTS) {
			rc = pg_error_set("cannot update '%s': %s", NS(s)->ref, pg_git_message());
			break;
		}
		backoff(attempt);
	}
	git_signature_free(sig);
	NS(s)->ids_loaded = 0;
	return rc;
}

static int notes_list(struct pg_store_entry **out, size_t *count, struct pg_store *s)
{
	git_repository *repo = pg_repo_git(NS(s)->repo);
	git_note_iterator *it = NULL;
	git_commit *tip_commit = NULL;
	struct pg_store_entry *v = NULL;
	size_t n = 0, cap = 0;
	git_oid tip, note_id, annotated;
	int rc;

	if ((rc = notes_tip(&tip_commit, &tip, s)) < 0 || !tip_commit)
		return rc;
	if (git_note_commit_iterator_new(&it, tip_commit) < 0) {
		rc = pg_error_set("cannot list the notes of '%s': %s", NS(s)->ref, pg_git_message());
		goto done;
	}
	while ((rc = git_note_next(&note_id, &annotated, it)) == 0) {
		struct pg_store_entry *e;
		git_blob *blob = NULL;

		if (!(e = pg_store_entry_push(&v, &n, &cap))) {
			rc = PG_EGENERIC;
			goto done;
		}
		git_oid_tostr(e->commit, sizeof e->commit, &annotated);
		if (!(e->location = location_of(s, e->commit))) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		if (git_blob_lookup(&blob, repo, &note_id) < 0) {
			if (asprintf(&e->error, "'%s': cannot read the note: %s", e->location,
				     pg_git_message()) < 0)
				e->error = NULL;
			continue;
		}
		e->size = (uint64_t)git_blob_rawsize(blob);
		pg_store_entry_fill(e, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				    e->location, e->commit);
		git_blob_free(blob);
	}
	if (rc != GIT_ITEROVER) {
		rc = pg_error_set("cannot list the notes of '%s': %s", NS(s)->ref, pg_git_message());
		goto done;
	}
	rc = 0;
done:
	git_note_iterator_free(it);
	git_commit_free(tip_commit);
	if (rc < 0) {
		pg_store_entries_free(v, n);
		return rc;
	}
	*out = v;
	*count = n;
	return 0;
}

/* ---- opening, and the table ---------------------------------------------- */

static int valid_notes_ref(const char *ref)
{
	int valid = 0;

	if (git_reference_name_is_valid(&valid, ref) < 0)
		return 0;
	return valid && !strncmp(ref, "refs/", 5);
}

static int notes_claims(const char *spec)
{
	return !strcmp(spec, "git-notes") || !strncmp(spec, "git-notes:", 10);
}

/* "git-notes" or "git-notes:REF" (REF without "refs/" is under refs/notes/). */
static int notes_open(struct pg_store *s, const char *spec, const char *base_dir, struct pg_repo *repo)
{
	const char *ref = spec[9] ? spec + 10 : PG_STORE_NOTES_DEFAULT_REF;
	struct notes_store *ns = calloc(1, sizeof *ns);
	int ok;

	(void)base_dir;
	if (!ns)
		return pg_error_set("out of memory");
	s->impl = ns;
	ns->repo = repo;
	if (!*ref)
		return pg_error_setc(PG_EINVALID, "store '%s': no ref after 'git-notes:'", spec);
	if (!strncmp(ref, "refs/", 5))
		ns->ref = strdup(ref);
	else if (asprintf(&ns->ref, "refs/notes/%s", ref) < 0)
		ns->ref = NULL;
	if (!ns->ref)
		return pg_error_set("out of memory");
	/* libgit2 validates names without being initialised, but
	 * checking needs no repository. */
	git_libgit2_init();
	ok = valid_notes_ref(ns->ref);
	git_libgit2_shutdown();
	if (!ok)
		return pg_error_setc(PG_EINVALID, "store '%s': '%s' is not a valid ref name", spec, ns->ref);
	if (!repo)
		return pg_error_setc(PG_EINVALID, "store '%s' keeps baselines in git notes, "
				     "but there is no git repository here", spec);
	if (asprintf(&s->describe, "git notes '%s'", ns->ref) < 0)
		s->describe = NULL;
	if (asprintf(&ns->fetch_hint, "git fetch origin %s:%s", ns->ref, ns->ref) < 0)
		ns->fetch_hint = NULL;
	if (!s->describe || !ns->fetch_hint)
		return pg_error_set("out of memory");
	return 0;
}

static void notes_close(struct pg_store *s)
{
	struct notes_store *ns = s->impl;

	if (!ns)
		return;
	free(ns->ref);
	free(ns->ids);
	free(ns->fetch_hint);
	free(ns);
}

static int notes_each_commit(struct pg_store *s, void (*fn)(const char *commit, void *ctx), void *ctx)
{
	char commit[PG_COMMIT_HEX_MAX + 1];
	const git_oid *ids;
	size_t n;
	int rc;

	if ((rc = notes_ids(&ids, &n, s)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		git_oid_tostr(commit, sizeof commit, &ids[i]);
		fn(commit, ctx);
	}
	return 0;
}

/* The fetch that brings the baselines, when the ref holds none. Errors
 * reading the ref count as notes present. */
static const char *notes_fetch_hint(struct pg_store *s)
{
	const git_oid *ids;
	size_t n;

	if (notes_ids(&ids, &n, s) < 0 || n > 0)
		return NULL;
	return NS(s)->fetch_hint;
}

const struct pg_store_ops pg_store_notes_ops = {
	.kind = PG_STORE_NOTES,
	.claims = notes_claims,
	.open = notes_open,
	.close = notes_close,
	.has = notes_has,
	.read_raw = notes_read_raw,
	.write = notes_write,
	.remove = notes_remove,
	.list = notes_list,
	.each_commit = notes_each_commit,
	.fetch_hint = notes_fetch_hint,
};
