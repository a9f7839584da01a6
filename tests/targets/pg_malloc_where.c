/*
 * pg_malloc_where OUT: appends one line to OUT saying which library each
 * allocator function resolves to in this process (dladdr of the address
 * the dynamic linker gives for the name, as the program's own calls get it)
 * and which profgate collector libraries are mapped (/proc/self/maps):
 *
 *   malloc=libc.so.6 free=libc.so.6 ... loaded=libprofgate_collector_cpu.so
 *
 * Appending, so that the two runs of a default `profgate run` (the CPU run,
 * then the memory run) each leave their line.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pg_malloc_where OUT\n");
		return 2;
	}
	static const char *const names[] = { "malloc", "free", "calloc", "realloc", "posix_memalign",
					     "aligned_alloc", "mmap", "munmap" };
	char line[4096];
	size_t len = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		void *f = dlsym(RTLD_DEFAULT, names[i]);
		Dl_info info;
		const char *where = f && dladdr(f, &info) && info.dli_fname ? base_name(info.dli_fname) : "?";
		len += (size_t)snprintf(line + len, sizeof line - len, "%s=%s ", names[i], where);
	}
	FILE *maps = fopen("/proc/self/maps", "r");
	if (!maps) {
		perror("/proc/self/maps");
		return 2;
	}
	char seen[1024] = "";
	char m[4096];
	while (fgets(m, sizeof m, maps)) {
		m[strcspn(m, "\n")] = '\0';
		const char *path = strchr(m, '/');
		if (!path || !strstr(base_name(path), "libprofgate_collector"))
			continue;
		const char *b = base_name(path);
		if (strstr(seen, b))
			continue;  /* one name per library, not per mapping */
		if (*seen)
			strncat(seen, ",", sizeof seen - strlen(seen) - 1);
		strncat(seen, b, sizeof seen - strlen(seen) - 1);
	}
	fclose(maps);
	snprintf(line + len, sizeof line - len, "loaded=%s\n", *seen ? seen : "none");

	/* A real allocation, so that the run has one to track. */
	char *p = malloc(1000);
	if (!p)
		return 1;
	memset(p, 1, 1000);
	free(p);

	FILE *out = fopen(argv[1], "a");
	if (!out || fputs(line, out) == EOF || fclose(out) != 0) {
		perror(argv[1]);
		return 2;
	}
	return 0;
}
