/*
 * A thread pool like lz4's TPool, for wall mode (bench/wall_bench.py): the
 * main thread hashes a block (CPU), hands jobs to 3 workers and waits for
 * them in pool_wait_all() on a condition variable, round after round. Its
 * waiting time belongs under pool_wait_all, not under hash_block, the last
 * place it ran. Arguments: rounds (default 200), jobs per round (12).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static int queued, running, stop;
static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t burn(uint64_t seed, long n)
{
	for (long i = 0; i < n; i++)
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return seed;
}

__attribute__((noinline)) static void do_job(int k)
{
	sink += burn((uint64_t)k, 1500000);
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!queued && !stop)
			pthread_cond_wait(&work, &lock);
		if (!queued && stop)
			break;
		int k = queued--;
		running++;
		pthread_mutex_unlock(&lock);
		do_job(k);
		pthread_mutex_lock(&lock);
		if (--running == 0 && !queued)
			pthread_cond_broadcast(&done);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

__attribute__((noinline)) static void pool_submit(int jobs)
{
	pthread_mutex_lock(&lock);
	queued += jobs;
	pthread_cond_broadcast(&work);
	pthread_mutex_unlock(&lock);
}

__attribute__((noinline)) static void pool_wait_all(void)
{
	pthread_mutex_lock(&lock);
	while (queued || running)
		pthread_cond_wait(&done, &lock);
	pthread_mutex_unlock(&lock);
}

__attribute__((noinline)) static void hash_block(int round)
{
	sink += burn((uint64_t)round, 300000);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200, jobs = argc > 2 ? atoi(argv[2]) : 12;
	pthread_t t[WORKERS];

	for (int i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int r = 0; r < rounds; r++) {
		hash_block(r);
		pool_submit(jobs);
		pool_wait_all();
	}
	pthread_mutex_lock(&lock);
	stop = 1;
	pthread_cond_broadcast(&work);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	printf("%llu\n", (unsigned long long)sink);
	return 0;
}
