/*
 * Profile kinds and where a profile directory keeps each.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "profile_kind.h"

const char *const pg_kind_names[PG_KIND_NONE] = { "cpu", "wall", "mem-peak", "mem-leaks" };

int pg_kind_parse(enum pg_kind *out, const char *s)
{
	for (int k = 0; k < PG_KIND_NONE; k++) {
		if (!strcmp(s, pg_kind_names[k])) {
			*out = (enum pg_kind)k;
			return 0;
		}
	}
	return -1;
}

char *pg_kind_path(const char *dir, enum pg_kind k)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s.folded", dir, pg_kind_names[k]) < 0)
		return NULL;
	return path;
}

enum pg_kind pg_kind_of_file(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (int k = 0; k < PG_KIND_NONE; k++) {
		size_t n = strlen(pg_kind_names[k]);

		if (!strncmp(base, pg_kind_names[k], n) && !strcmp(base + n, ".folded"))
			return (enum pg_kind)k;
	}
	return PG_KIND_NONE;
}

int pg_file_has_data(const char *path, int *exists)
{
	struct stat st;

	*exists = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	return *exists && st.st_size > 0;
}

enum pg_kind pg_kind_of_dir(const char *dir)
{
	char *cpu = pg_kind_path(dir, PG_KIND_CPU), *wall = pg_kind_path(dir, PG_KIND_WALL);
	int cpu_exists = 0, wall_exists = 0;
	int cpu_data = cpu && pg_file_has_data(cpu, &cpu_exists);
	int wall_data = wall && pg_file_has_data(wall, &wall_exists);

	free(cpu);
	free(wall);
	return (!cpu_exists && wall_exists) || (!cpu_data && wall_data) ? PG_KIND_WALL : PG_KIND_CPU;
}

int pg_path_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}
