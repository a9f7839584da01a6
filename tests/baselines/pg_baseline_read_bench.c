/*
 * pg_baseline_read_bench FILE [ITERATIONS]: how long reading a baseline
 * takes, for bench/record_bench.py. Prints one JSON object: the median over
 * the iterations of reading and parsing the file (what `check` pays to get
 * every benchmark's metrics), and of that plus decoding every benchmark's
 * CPU and memory stacks into profiles (what drawing every diff costs).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "baseline.h"
#include "error.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int iterations = argc > 2 ? atoi(argv[2]) : 7;
	double *parse = NULL, *decode = NULL;
	size_t benches = 0, stacks = 0;

	if (argc < 2 || iterations < 1) {
		fprintf(stderr, "usage: pg_baseline_read_bench FILE [ITERATIONS]\n");
		return 2;
	}
	parse = calloc((size_t)iterations, sizeof *parse);
	decode = calloc((size_t)iterations, sizeof *decode);
	if (!parse || !decode)
		return 2;
	for (int i = 0; i < iterations; i++) {
		struct pg_baseline *b = NULL;
		double t0 = now();

		if (pg_baseline_read_file(&b, argv[1]) < 0) {
			fprintf(stderr, "pg_baseline_read_bench: %s\n", pg_error_last());
			return 2;
		}
		parse[i] = now() - t0;
		benches = b->nbenches;
		stacks = 0;
		for (size_t k = 0; k < b->nbenches; k++) {
			struct pg_profile *p = NULL;

			if (pg_baseline_bench_profile(&p, &b->benches[k], PG_BASELINE_CPU) < 0 ||
			    (stacks += p ? pg_profile_stack_count(p) : 0,
			     pg_baseline_bench_profile(&p, &b->benches[k], PG_BASELINE_MEM_PEAK) < 0)) {
				fprintf(stderr, "pg_baseline_read_bench: %s\n", pg_error_last());
				return 2;
			}
			stacks += p ? pg_profile_stack_count(p) : 0;
		}
		decode[i] = now() - t0;
		pg_baseline_free(b);
	}
	qsort(parse, (size_t)iterations, sizeof *parse, cmp);
	qsort(decode, (size_t)iterations, sizeof *decode, cmp);
	printf("{\"benchmarks\": %zu, \"stacks\": %zu, \"iterations\": %d, "
	       "\"read_ms\": %.2f, \"read_and_decode_ms\": %.2f}\n",
	       benches, stacks, iterations, 1e3 * parse[iterations / 2], 1e3 * decode[iterations / 2]);
	free(parse);
	free(decode);
	return 0;
}
