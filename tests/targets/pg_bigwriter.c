/*
 * pg_bigwriter BYTES: writes BYTES bytes (suffixes K, M, G: powers of 1024)
 * of a fixed pattern to standard output in 1 MiB write() calls, handling
 * short writes, and exits 0. A write that fails with EINTR (a profiler's
 * signal that SA_RESTART should have restarted) prints "EINTR seen (write)"
 * and exits 3; any other failure exits 1. For checking that profgate passes
 * gigabytes of output through untouched and in about the time the program
 * alone needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pg_target.h"

#define CHUNK (1 << 20)

void write_all_work(unsigned long long total);

static char buf[CHUNK];

PG_PROFILED void write_all_work(unsigned long long total)
{
	PG_BARRIER();
	unsigned long long left = total;
	while (left > 0) {
		size_t want = left < CHUNK ? (size_t)left : CHUNK;
		size_t off = (size_t)((total - left) % CHUNK);
		if (want > CHUNK - off)
			want = CHUNK - off;
		ssize_t n = write(1, buf + off, want);
		if (n < 0) {
			if (errno == EINTR) {
				fprintf(stderr, "EINTR seen (write)\n");
				exit(3);
			}
			fprintf(stderr, "pg_bigwriter: write: %s\n", strerror(errno));
			exit(1);
		}
		left -= (unsigned long long)n;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pg_bigwriter BYTES\n");
		return 2;
	}
	char *end = NULL;
	unsigned long long total = strtoull(argv[1], &end, 10);
	switch (*end) {
	case 'G': total <<= 10; /* fall through */
	case 'M': total <<= 10; /* fall through */
	case 'K': total <<= 10; end++; break;
	case '\0': break;
	default:
		fprintf(stderr, "pg_bigwriter: invalid byte count '%s'\n", argv[1]);
		return 2;
	}
	if (end == argv[1] || *end != '\0') {
		fprintf(stderr, "pg_bigwriter: invalid byte count '%s'\n", argv[1]);
		return 2;
	}
	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (char)('a' + i % 26);
	write_all_work(total);
	return 0;
}
