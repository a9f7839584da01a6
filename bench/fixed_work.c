/*
 * fixed_work [MILLIONS]: a fixed amount of CPU-bound work (a dependent
 * multiply-add chain, split 3:1 between two functions), so that the wall
 * time of a bare run and of a profiled run can be compared: the overhead
 * benchmark needs work that does not depend on the clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint64_t sink;

static inline __attribute__((always_inline)) uint64_t chain(uint64_t x, long n)
{
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

__attribute__((noinline)) static void hot(long n) { sink = chain(sink ^ 1, 3 * n); }
__attribute__((noinline)) static void warm(long n) { sink = chain(sink ^ 2, n); }

int main(int argc, char **argv)
{
	long millions = argc > 1 ? atol(argv[1]) : 1500;
	for (long i = 0; i < millions * 10; i++) {
		hot(25000);
		warm(25000);
	}
	printf("%llu\n", (unsigned long long)sink);
	return 0;
}
