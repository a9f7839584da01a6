/*
 * pg_busy_threads [N=64] [seconds=0.1]: starts N threads at once, each
 * burning `seconds` of its own CPU time in busy_thread_work(), joins them and
 * exits 0. Many more busy threads than CPUs: every one must be sampled, and
 * the samples must add up to the CPU time they used.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "pg_target.h"

void busy_thread_work(double seconds);

static double seconds = 0.1;

PG_PROFILED void busy_thread_work(double s)
{
	PG_BARRIER();
	burn_for(0xb7b7, s);
}

static void *thread_main(void *arg)
{
	(void)arg;
	busy_thread_work(seconds);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = 64;

	if (argc > 1) {
		char *end = NULL;
		n = strtol(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || n < 1 || n > 10000) {
			fprintf(stderr, "pg_busy_threads: invalid thread count '%s'\n", argv[1]);
			return 2;
		}
	}
	seconds = arg_seconds(argc, argv, 2, 0.1);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	if (!t)
		return 1;
	for (long i = 0; i < n; i++) {
		int err = pthread_create(&t[i], NULL, thread_main, NULL);
		if (err != 0) {
			fprintf(stderr, "pg_busy_threads: pthread_create #%ld: %s\n", i, strerror(err));
			return 1;
		}
	}
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	return 0;
}
