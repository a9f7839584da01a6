/*
 * pg_sleepers N SECONDS [lives]: N threads that sleep for SECONDS (one
 * nanosleep each), for wall mode's fairness: every thread's [waiting]
 * weight must be its time alive (integration/unchanged,
 * bench/faults_bench.py). With `lives`, each thread's id and the seconds
 * from its first instruction to its last are printed, one line each: on a
 * loaded machine a thread whose sleep ended may wait long for a CPU, and
 * that wait is wall time too.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pg_target.h"

void sleeper_sleeps(double seconds);

PG_PROFILED void sleeper_sleeps(double seconds)
{
	PG_BARRIER();
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static double seconds;
static int lives;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void *sleeper(void *arg)
{
	(void)arg;
	double start = clock_seconds(CLOCK_MONOTONIC);
	sleeper_sleeps(seconds);
	if (lives) {
		/* The wait for the lock is part of the thread's life. */
		pthread_mutex_lock(&out_lock);
		double life = clock_seconds(CLOCK_MONOTONIC) - start;
		printf("%ld %.6f\n", (long)syscall(SYS_gettid), life);
		pthread_mutex_unlock(&out_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1500;
	seconds = arg_seconds(argc, argv, 2, 2);
	lives = argc > 3 && !strcmp(argv[3], "lives");
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, sleeper, NULL) != 0) {
			fprintf(stderr, "pg_sleepers: pthread_create failed at %d\n", i);
			return 1;
		}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (!lives)
		printf("%d threads slept\n", n);
	return 0;
}
