/*
 * struct pg_repo over libgit2: opening the repository around a path,
 * revisions to commit ids, working tree status, shallow clones.
 *
 * libgit2 is initialised once per open handle (it counts its own init and
 * shutdown calls), so that library users never have to.
 */
#define _GNU_SOURCE
#include "repo_git.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct pg_repo {
	git_repository *git;
	char *shallow;      /* contents of <gitdir>/shallow, loaded on first use */
	int shallow_loaded;
};

const char *pg_git_message(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

git_repository *pg_repo_git(struct pg_repo *r)
{
	return r->git;
}

int pg_repo_open(struct pg_repo **out, const char *path)
{
	struct pg_repo *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof *r);
	if (!r)
		return pg_error_set("out of memory");
	if (git_libgit2_init() < 0) {
		free(r);
		return pg_error_set("cannot initialise libgit2: %s", pg_git_message());
	}
	rc = git_repository_open_ext(&r->git, path, 0, NULL);
	if (rc < 0) {
		if (rc == GIT_ENOTFOUND)
			rc = pg_error_setc(PG_ENOTFOUND, "'%s' is not inside a git repository", path);
		else
			rc = pg_error_set("cannot open the git repository of '%s': %s", path, pg_git_message());
		free(r);
		git_libgit2_shutdown();
		return rc;
	}
	*out = r;
	return 0;
}

void pg_repo_free(struct pg_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r->shallow);
	free(r);
	git_libgit2_shutdown();
}

const char *pg_repo_path(const struct pg_repo *r)
{
	const char *wd = git_repository_workdir(r->git);

	return wd ? wd : git_repository_path(r->git);
}

int pg_repo_resolve(char out[PG_COMMIT_HEX_MAX + 1], struct pg_repo *r, const char *rev)
{
	git_object *obj = NULL, *commit = NULL;
	int rc;

	out[0] = '\0';
	rc = git_revparse_single(&obj, r->git, rev);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EUNBORNBRANCH)
		return pg_error_setc(PG_ENOTFOUND, "revision '%s' not found in '%s'%s", rev,
				     pg_repo_path(r), rc == GIT_EUNBORNBRANCH ? " (no commits yet)" : "");
	if (rc == GIT_EAMBIGUOUS)
		return pg_error_set("revision '%s' is ambiguous in '%s'", rev, pg_repo_path(r));
	if (rc < 0)
		return pg_error_set("cannot resolve '%s': %s", rev, pg_git_message());
	rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	if (rc < 0) {
		rc = pg_error_set("revision '%s' is not a commit", rev);
	} else {
		git_oid_tostr(out, PG_COMMIT_HEX_MAX + 1, git_object_id(commit));
		rc = 0;
	}
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

int pg_repo_is_dirty(int *out, struct pg_repo *r)
{
	git_status_options opts;
	git_status_list *list = NULL;
	int rc;

	*out = 0;
	if (git_repository_is_bare(r->git))
		return 0;
	/* Not GIT_STATUS_OPTIONS_INIT: its partial initializer trips
	 * -Wmissing-field-initializers. */
	if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION) < 0)
		return pg_error_set("cannot read the status of '%s': %s", pg_repo_path(r), pg_git_message());
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;  /* no untracked files either */
	rc = git_status_list_new(&list, r->git, &opts);
	if (rc < 0)
		return pg_error_set("cannot read the status of '%s': %s", pg_repo_path(r), pg_git_message());
	*out = git_status_list_entrycount(list) > 0;
	git_status_list_free(list);
	return 0;
}

int pg_repo_is_shallow(struct pg_repo *r)
{
	return git_repository_is_shallow(r->git) == 1;
}

int pg_repo_is_shallow_boundary(struct pg_repo *r, const char *id)
{
	if (!r->shallow_loaded) {
		char *path = NULL;
		FILE *f;

		r->shallow_loaded = 1;
		if (asprintf(&path, "%sshallow", git_repository_commondir(r->git)) < 0)
			return 0;
		f = fopen(path, "re");
		free(path);
		if (f) {
			size_t cap = 0;
			ssize_t n;
			char *all = NULL, *line = NULL;
			size_t len = 0;

			while ((n = getline(&line, &cap, f)) > 0) {
				char *na = realloc(all, len + (size_t)n + 1);

				if (!na)
					break;
				all = na;
				memcpy(all + len, line, (size_t)n);
				len += (size_t)n;
				all[len] = '\0';
			}
			free(line);
			fclose(f);
			r->shallow = all;
		}
	}
	if (!r->shallow)
		return 0;
	size_t idlen = strlen(id);

	for (const char *p = r->shallow; (p = strstr(p, id)); p += idlen)
		if ((p == r->shallow || p[-1] == '\n') && (p[idlen] == '\n' || p[idlen] == '\0'))
			return 1;
	return 0;
}
