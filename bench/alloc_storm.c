/*
 * alloc_storm [MILLIONS]: a storm of small malloc/free calls (default about
 * 26 million calls: 13 million of each) through a few call paths, holding a
 * rolling window of live blocks so that the heap has a real peak. The
 * allocation tracker's overhead benchmark runs it bare, under profgate
 * (exact and sampled) and under heaptrack.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 4096

static void *window[WINDOW];
static uint32_t rng = 1;

static inline uint32_t next(void)
{
	rng = rng * 1664525u + 1013904223u;
	return rng >> 8;
}

__attribute__((noinline)) static void *make_node(size_t n) { return malloc(n); }
__attribute__((noinline)) static void *make_string(size_t n) { return malloc(n + 1); }
__attribute__((noinline)) static void churn(long calls)
{
	for (long i = 0; i < calls; i++) {
		uint32_t r = next();
		size_t slot = r % WINDOW;
		free(window[slot]);
		size_t n = 16 + (r >> 12) % 240;
		window[slot] = (r & 1) ? make_node(n) : make_string(n);
		((char *)window[slot])[0] = (char)r;
	}
}

int main(int argc, char **argv)
{
	long millions = argc > 1 ? atol(argv[1]) : 13;
	churn(millions * 1000000);
	size_t live = 0;
	for (int i = 0; i < WINDOW; i++) {
		live += window[i] != NULL;
		free(window[i]);
	}
	printf("%zu\n", live);
	return 0;
}
