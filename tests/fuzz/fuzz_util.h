/*
 * Helpers shared by the fuzz targets: an exact-size heap copy of the input
 * (so that ASan sees a read one byte past it, which libFuzzer's own buffer
 * may hide), and a file holding the input for the readers that take a path
 * (a memfd, named through /proc/self/fd, so that no file is left behind
 * and nothing touches the disk).
 */
#ifndef PG_FUZZ_UTIL_H
#define PG_FUZZ_UTIL_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Exact copy; the caller frees. With nul set, one more byte, a NUL. */
static inline char *fuzz_copy(const uint8_t *data, size_t size, int nul)
{
	char *p = malloc(size + (nul ? 1 : 0) + (size == 0 && !nul ? 1 : 0));
	if (!p)
		abort();
	memcpy(p, data, size);
	if (nul)
		p[size] = '\0';
	return p;
}

/* Writes the input to a memfd kept open across runs (truncated each time)
 * and returns its path, "/proc/self/fd/N". */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("pg-fuzz-input", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("memfd write");
		abort();
	}
	return path;
}

/* A failed invariant: libFuzzer saves the input as a crash. The first
 * line says which, in the form of a sanitizer's SUMMARY line, which is
 * what ci/fuzz.sh matches its known crashes against. */
#define FUZZ_CHECK(cond, ...)                                                      \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "SUMMARY: invariant failed: %s:%d: %s: ",  \
				__FILE__, __LINE__, #cond);                        \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
			abort();                                                   \
		}                                                                  \
	} while (0)

#endif
