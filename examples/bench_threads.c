/*
 * Example benchmark: a small worker pool. Four threads hash blocks of data
 * while the main thread waits for them: in `--mode wall` the main thread
 * shows as [waiting] in pthread_join.
 * usage: bench_threads [BLOCKS]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long blocks_per_thread;

__attribute__((noinline)) static uint64_t hash_block(uint64_t seed)
{
	uint64_t h = seed ^ 0xcbf29ce484222325ull;
	for (int i = 0; i < 100000; i++) {
		h ^= (uint64_t)i;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void *worker(void *arg)
{
	uint64_t acc = (uint64_t)(uintptr_t)arg;
	for (long b = 0; b < blocks_per_thread; b++)
		acc += hash_block(acc + (uint64_t)b);
	return (void *)(uintptr_t)acc;
}

int main(int argc, char **argv)
{
	blocks_per_thread = argc > 1 ? atol(argv[1]) : 2000;
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	uint64_t total = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (uint64_t)(uintptr_t)r;
	}
	printf("%llu\n", (unsigned long long)total);
	return 0;
}
