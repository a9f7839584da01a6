/*
 * pg_check_noisy [MSTEPS=60]: a benchmark whose runs are as noisy as the
 * test wants, in a way it can predict. Each run reads and increments a
 * counter in the file PG_NOISE_STATE and multiplies its work in
 * noisy_work() by the counter's entry of PG_NOISE_SEQ (comma-separated
 * factors, used in a cycle). Without PG_NOISE_STATE every run does the
 * same work.
 */
#define _GNU_SOURCE
#include <string.h>

#include "pg_target.h"

void noisy_work(long steps);

PG_PROFILED void noisy_work(long steps)
{
	PG_BARRIER();
	burn(0x5eed, steps);
}

/* The counter's old value; the file gets the new one. */
static long next_count(const char *path)
{
	long n = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	if (!(f = fopen(path, "w")) || fprintf(f, "%ld\n", n + 1) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	return n;
}

static double factor_at(const char *seq, long k)
{
	long n = 1;
	const char *p = seq;

	for (const char *q = seq; *q; q++)
		n += *q == ',';
	k %= n;
	while (k-- > 0)
		p = strchr(p, ',') + 1;
	return strtod(p, NULL);
}

int main(int argc, char **argv)
{
	double msteps = argc > 1 ? strtod(argv[1], NULL) : 60;
	const char *state = getenv("PG_NOISE_STATE"), *seq = getenv("PG_NOISE_SEQ");
	double factor = 1;

	if (!(msteps > 0)) {
		fprintf(stderr, "%s: invalid number of steps\n", argv[0]);
		return 2;
	}
	if (state && *state) {
		long k = next_count(state);

		if (seq && *seq)
			factor = factor_at(seq, k);
	}
	if (!(factor > 0))
		factor = 1;
	noisy_work((long)(msteps * 1e6 * factor));
	return 0;
}
