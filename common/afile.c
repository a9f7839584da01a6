/*
 * Atomic file replacement and the small file helpers around it. profgate's
 * outputs are read by CI scripts that may run while (or after) profgate was
 * killed, so a file must be either the complete old version or the complete
 * new one: everything is written to "<path>.tmp.XXXXXX" in the target's own
 * directory (rename() is only atomic within one file system), checked for
 * write errors, flushed to disk, and only then renamed over the target.
 */
#define _GNU_SOURCE
#include "afile.h"

#include <assert.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "error.h"

#define TMP_SUFFIX ".tmp.XXXXXX"

static void release(struct pg_afile *af)
{
	free(af->path);
	free(af->tmp);
	af->f = NULL;
	af->path = NULL;
	af->tmp = NULL;
}

/* The process umask, without changing it: umask() can only be read by
 * setting it, which would race with other threads creating files. */
static mode_t current_umask(void)
{
	mode_t mask = 022;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return mask;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Umask:", 6) == 0) {
			mask = (mode_t)strtoul(line + 6, NULL, 8) & 0777;
			break;
		}
	}
	fclose(f);
	return mask;
}

/* mkstemp() creates the file 0600; give the result the mode the target
 * has, or the one a plain fopen() would have given a new file. */
static void set_final_mode(int fd, const char *path)
{
	struct stat st;
	mode_t mode;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		mode = st.st_mode & 07777;
	else
		mode = 0666 & ~current_umask();
	/* Failing leaves a 0600 file, which is still correct, only less shared. */
	(void)fchmod(fd, mode);
}

/* Makes the rename durable; best effort, since the data itself is already
 * safe and some file systems refuse fsync on directories. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (!slash) {
		dir = strdup(".");
	} else if (slash == path) {
		dir = strdup("/");
	} else {
		dir = strndup(path, (size_t)(slash - path));
	}
	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int pg_mkdirs(const char *path)
{
	size_t len = strlen(path);
	char *copy = NULL;
	struct stat st;
	int rc = 0;

	if (len == 0)
		return pg_error_set("cannot create directory '': empty path");
	copy = strdup(path);
	if (!copy)
		return pg_error_set("cannot create directory '%s': out of memory", path);

	/* Walk the components left to right, creating each prefix in turn; the
	 * loop also visits the full path (end == len). */
	for (size_t end = 1; end <= len; end++) {
		if (end < len && copy[end] != '/')
			continue;
		if (copy[end - 1] == '/')
			continue;  /* "a//b": nothing between the slashes */
		copy[end] = '\0';
		if (mkdir(copy, 0777) != 0) {
			int err = errno;

			/* Anything that is already a directory will do, whatever
			 * mkdir() said (EEXIST, or EACCES in a read-only parent). */
			if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode)) {
				if (err == EEXIST)
					err = ENOTDIR;
				rc = pg_error_set("cannot create directory '%s': %s", copy, strerror(err));
				goto done;
			}
		}
		if (end < len)
			copy[end] = '/';
	}
done:
	free(copy);
	return rc;
}

int pg_afile_open(struct pg_afile *out, const char *path)
{
	size_t len = strlen(path);
	char *dir = NULL;
	const char *slash;
	int fd = -1;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || path[len - 1] == '/')
		return pg_error_set("cannot write '%s': not a file name", path);

	slash = strrchr(path, '/');
	if (slash && slash != path) {
		dir = strndup(path, (size_t)(slash - path));
		if (!dir) {
			rc = pg_error_set("cannot write '%s': out of memory", path);
			goto done;
		}
		if ((rc = pg_mkdirs(dir)) < 0)
			goto done;
	}

	if (len > SIZE_MAX - sizeof(TMP_SUFFIX)) {
		rc = pg_error_set("cannot write '%s': path too long", path);
		goto done;
	}
	out->path = strdup(path);
	out->tmp = malloc(len + sizeof(TMP_SUFFIX));
	if (!out->path || !out->tmp) {
		rc = pg_error_set("cannot write '%s': out of memory", path);
		goto done;
	}
	memcpy(out->tmp, path, len);
	memcpy(out->tmp + len, TMP_SUFFIX, sizeof(TMP_SUFFIX));

	fd = mkostemp(out->tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = pg_error_set("cannot create temporary file '%s': %s", out->tmp, strerror(errno));
		free(out->tmp);
		out->tmp = NULL;  /* nothing to remove */
		goto done;
	}
	set_final_mode(fd, path);
	out->f = fdopen(fd, "w");
	if (!out->f) {
		rc = pg_error_set("cannot open temporary file '%s': %s", out->tmp, strerror(errno));
		close(fd);
		unlink(out->tmp);
		goto done;
	}
done:
	free(dir);
	if (rc < 0)
		release(out);
	return rc;
}

/* A write failed earlier and its errno is gone: a full file system is by
 * far the likeliest cause, and can be seen; anything else is EIO. */
static int lost_errno(FILE *f)
{
	struct statvfs fs;
	if (fstatvfs(fileno(f), &fs) == 0 && fs.f_bavail == 0)
		return ENOSPC;
	return EIO;
}

int pg_afile_commit(struct pg_afile *af)
{
	int err = 0;
	int rc = 0;

	assert(af->f && af->tmp && af->path);
	/* Buffered writes only fail for real when the buffer goes out, so a
	 * full disk typically shows up here, not at the fwrite() that filled it.
	 * errno is only meaningful if fflush() itself fails; an error flag left
	 * by an earlier write has no errno to go with it anymore. */
	errno = 0;
	if (fflush(af->f) != 0)
		err = errno ? errno : lost_errno(af->f);
	else if (ferror(af->f))
		err = lost_errno(af->f);
	else if (fsync(fileno(af->f)) != 0)
		err = errno;
	if (fclose(af->f) != 0 && !err)
		err = errno ? errno : EIO;
	af->f = NULL;

	if (!err && rename(af->tmp, af->path) != 0)
		err = errno;
	if (err) {
		unlink(af->tmp);
		rc = pg_error_set("cannot write '%s': %s", af->path, strerror(err));
	} else {
		sync_parent(af->path);
	}
	release(af);
	return rc;
}

void pg_afile_abort(struct pg_afile *af)
{
	int saved_errno = errno;

	if (af->f)
		fclose(af->f);
	if (af->tmp)
		unlink(af->tmp);
	release(af);
	errno = saved_errno;
}

int pg_afile_write_with(const char *path, int (*render)(void *ctx, FILE *out), void *ctx)
{
	struct pg_afile af;
	int rc;

	if ((rc = pg_afile_open(&af, path)) < 0)
		return rc;
	if ((rc = render(ctx, af.f)) < 0) {
		pg_afile_abort(&af);
		return rc;
	}
	return pg_afile_commit(&af);
}

struct bytes {
	const void *data;
	size_t len;
};

static int write_bytes(void *ctx, FILE *out)
{
	const struct bytes *b = ctx;

	/* A short write leaves the error flag set; commit reports it. */
	if (b->len > 0)
		(void)fwrite(b->data, 1, b->len, out);
	return 0;
}

int pg_write_file_atomic(const char *path, const void *data, size_t len)
{
	struct bytes b = { data, len };

	return pg_afile_write_with(path, write_bytes, &b);
}

int pg_read_file(char **out, size_t *len, const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	size_t used = 0;
	struct stat st;
	int fd = -1;
	int rc = 0;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pg_error_set("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = pg_error_set("cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = pg_error_set("cannot read '%s': %s", path, strerror(EISDIR));
		goto done;
	}
	/* The size is only a hint: /proc files say 0 and a growing log says
	 * less than it will hold. One byte more than the hint lets a regular
	 * file be read in one go and still see end of file without growing. */
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX - 1)
		cap = (size_t)st.st_size + 2;
	else
		cap = 8192;
	buf = malloc(cap);
	if (!buf) {
		rc = pg_error_set("cannot read '%s': out of memory", path);
		goto done;
	}
	for (;;) {
		ssize_t n;

		if (cap - used < 2) {
			char *bigger;

			if (cap > SIZE_MAX / 2) {
				rc = pg_error_set("cannot read '%s': file too large", path);
				goto done;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				rc = pg_error_set("cannot read '%s': out of memory", path);
				goto done;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);  /* keep room for the NUL */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = pg_error_set("cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = used;
done:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void pg_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
