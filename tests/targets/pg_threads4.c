/*
 * pg_threads4 [seconds=1]: four threads named "worker-0".."worker-3", each
 * burning `seconds` of its own CPU time in its own function
 * thread_work_0()..thread_work_3(), for checking per-thread sampling: each
 * function should get a quarter of the samples.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>

#include "pg_target.h"

void thread_work_0(double seconds);
void thread_work_1(double seconds);
void thread_work_2(double seconds);
void thread_work_3(double seconds);

/* Distinct seeds keep the four bodies distinct, so that no optimisation
 * folds them into one symbol. */
PG_PROFILED void thread_work_0(double seconds) { PG_BARRIER(); burn_for(0x100, seconds); }
PG_PROFILED void thread_work_1(double seconds) { PG_BARRIER(); burn_for(0x101, seconds); }
PG_PROFILED void thread_work_2(double seconds) { PG_BARRIER(); burn_for(0x102, seconds); }
PG_PROFILED void thread_work_3(double seconds) { PG_BARRIER(); burn_for(0x103, seconds); }

struct worker {
	pthread_t thread;
	int index;
	double seconds;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", w->index);
	pthread_setname_np(pthread_self(), name);
	switch (w->index) {
	case 0: thread_work_0(w->seconds); break;
	case 1: thread_work_1(w->seconds); break;
	case 2: thread_work_2(w->seconds); break;
	default: thread_work_3(w->seconds); break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker workers[4];
	double seconds = arg_seconds(argc, argv, 1, 1.0);

	for (int i = 0; i < 4; i++) {
		workers[i].index = i;
		workers[i].seconds = seconds;
		int err = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (err != 0) {
			fprintf(stderr, "pg_threads4: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (int i = 0; i < 4; i++)
		pthread_join(workers[i].thread, NULL);
	return 0;
}
