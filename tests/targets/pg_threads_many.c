/*
 * pg_threads_many [N=100]: creates N short-lived threads one after another,
 * each doing a little work in short_thread_work(), and exits 0. For checking
 * that per-thread set-up and tear-down in the profiler neither leaks nor
 * breaks on thread churn.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "pg_target.h"

void short_thread_work(void);

PG_PROFILED void short_thread_work(void)
{
	PG_BARRIER();
	burn(0x5407, 2000000);  /* a few ms: enough for a sample or two per thread */
}

static void *thread_main(void *arg)
{
	(void)arg;
	short_thread_work();
	return NULL;
}

int main(int argc, char **argv)
{
	long n = 100;

	if (argc > 1) {
		char *end = NULL;
		n = strtol(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || n < 0) {
			fprintf(stderr, "pg_threads_many: invalid thread count '%s'\n", argv[1]);
			return 2;
		}
	}
	for (long i = 0; i < n; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, thread_main, NULL);
		if (err != 0) {
			fprintf(stderr, "pg_threads_many: pthread_create #%ld: %s\n", i, strerror(err));
			return 1;
		}
		err = pthread_join(t, NULL);
		if (err != 0) {
			fprintf(stderr, "pg_threads_many: pthread_join #%ld: %s\n", i, strerror(err));
			return 1;
		}
	}
	return 0;
}
