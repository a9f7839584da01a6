/*
 * pg_check_cpu [MSTEPS=300] [HOT_PERCENT=80]: a benchmark for `profgate
 * check` whose CPU time is split between hot_path() (HOT_PERCENT of the
 * steps) and other_work(), in a fixed amount of work: MSTEPS million steps
 * of the burn() chain. PG_SLOW=1 makes hot_path() do 25% more work (a
 * regression confined to one function); PG_SLOW_FACTOR=F any other factor.
 * The two alternate in rounds of pseudo-random length, well below one
 * sampling period, so that the samples cannot alias with the rounds. It
 * also keeps a small table on the heap (setup_table), so that its memory
 * runs have a peak to compare.
 */
#define _GNU_SOURCE
#include <string.h>

#include "pg_target.h"

void hot_path(long steps);
void other_work(long steps);
void *setup_table(size_t bytes);

PG_PROFILED void hot_path(long steps)
{
	PG_BARRIER();
	burn(0x407, steps);
}

PG_PROFILED void other_work(long steps)
{
	PG_BARRIER();
	burn(0x0de, steps);
}

PG_PROFILED void *setup_table(size_t bytes)
{
	char *p = malloc(bytes);

	PG_BARRIER();
	if (!p) {
		perror("malloc");
		exit(1);
	}
	memset(p, 1, bytes);
	return p;
}

static double number_arg(int argc, char **argv, int i, double fallback)
{
	char *end = NULL;
	double v;

	if (argc <= i)
		return fallback;
	v = strtod(argv[i], &end);
	if (end == argv[i] || *end || !(v > 0)) {
		fprintf(stderr, "%s: invalid number '%s'\n", argv[0], argv[i]);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	double msteps = number_arg(argc, argv, 1, 300);
	double hot_share = number_arg(argc, argv, 2, 80) / 100;
	const char *slow = getenv("PG_SLOW"), *factor_text = getenv("PG_SLOW_FACTOR");
	double factor = 1;
	long budget = (long)(msteps * 1e6);
	uint32_t rng = 12345;
	void *table = setup_table(1 << 20);

	if (factor_text && *factor_text)
		factor = strtod(factor_text, NULL);
	else if (slow && !strcmp(slow, "1"))
		factor = 1.25;
	while (budget > 0) {
		rng = rng * 1664525u + 1013904223u;
		long round = 20000 + (long)((rng >> 8) % 60000);

		if (round > budget)
			round = budget;
		hot_path((long)((double)round * hot_share * factor));
		other_work((long)((double)round * (1 - hot_share)));
		budget -= round;
	}
	free(table);
	return 0;
}
