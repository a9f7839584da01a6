/*
 * pg_check_heap [BLOCKS=20]: a deterministic benchmark for `profgate
 * check`'s memory gate. build_table() holds BLOCKS blocks of 256 KiB at
 * once (5 MiB by default); with PG_GROW=1, grow_cache() holds one more
 * block of the same size at the same time: 5% more peak heap. compute()
 * burns a fixed amount of CPU (about 0.1 s) so that the timings are not
 * all noise.
 */
#define _GNU_SOURCE
#include <string.h>

#include "pg_target.h"

#define BLOCK (256 * 1024)

void **build_table(int blocks);
void *grow_cache(void);
void compute(long steps);

PG_PROFILED void **build_table(int blocks)
{
	void **t = calloc((size_t)blocks, sizeof *t);

	PG_BARRIER();
	for (int i = 0; t && i < blocks; i++) {
		if (!(t[i] = malloc(BLOCK))) {
			perror("malloc");
			exit(1);
		}
		memset(t[i], i, BLOCK);
	}
	return t;
}

PG_PROFILED void *grow_cache(void)
{
	void *p = malloc(BLOCK);

	PG_BARRIER();
	if (p)
		memset(p, 7, BLOCK);
	return p;
}

PG_PROFILED void compute(long steps)
{
	PG_BARRIER();
	burn(0xc0de, steps);
}

int main(int argc, char **argv)
{
	int blocks = argc > 1 ? atoi(argv[1]) : 20;
	const char *grow = getenv("PG_GROW");
	void **table, *cache = NULL;

	if (blocks < 1) {
		fprintf(stderr, "%s: invalid number of blocks\n", argv[0]);
		return 2;
	}
	table = build_table(blocks);
	if (!table) {
		perror("calloc");
		return 1;
	}
	if (grow && !strcmp(grow, "1"))
		cache = grow_cache();
	compute(60 * 1000 * 1000);
	free(cache);
	for (int i = 0; i < blocks; i++)
		free(table[i]);
	free(table);
	return 0;
}
