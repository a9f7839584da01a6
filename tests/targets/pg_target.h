/*
 * Helpers shared by the target programs that the integration tests profile:
 * a marker for functions that must show up by name in a profile, a CPU-burning
 * kernel the optimiser cannot remove, and CPU clocks. Everything here is
 * inlined into its caller, so a sample taken while burning CPU lands in the
 * named function that called burn(), never in a helper.
 */
/* Include first, after defining _GNU_SOURCE (clock ids, fork, pthread names). */
#ifndef PG_TARGET_H
#define PG_TARGET_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* noinline keeps the frame; noclone keeps GCC from renaming it to
 * "foo.constprop.0", which the tests would not recognise. */
#if defined(__clang__)
#define PG_PROFILED __attribute__((noinline))
#else
#define PG_PROFILED __attribute__((noinline, noclone))
#endif

/* Also takes the frame address, which makes GCC set up %rbp even in a leaf
 * function (at -O1 it otherwise skips the frame of a leaf that needs no stack,
 * and a frame-pointer unwinder would then lose the caller, e.g. main). */
#define PG_BARRIER() __asm__ volatile("" : : "r"(__builtin_frame_address(0)) : "memory")

/* Written by every burner so that its result is observable. */
static volatile uint64_t pg_sink;

/* Runs n steps of a dependent multiply-add chain; the empty asm makes each
 * step's value opaque, so the loop can be neither vectorised nor folded. */
static inline __attribute__((always_inline)) void burn(uint64_t seed, long n)
{
	uint64_t x = pg_sink ^ seed;

	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	pg_sink = x;
}

static inline __attribute__((always_inline)) double clock_seconds(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burns CPU for about `seconds` of this thread's CPU time; callers pass a
 * distinct seed so that identical-code folding cannot merge two of them. */
static inline __attribute__((always_inline)) void burn_for(uint64_t seed, double seconds)
{
	double start = clock_seconds(CLOCK_THREAD_CPUTIME_ID);

	do
		burn(seed, 100000);
	while (clock_seconds(CLOCK_THREAD_CPUTIME_ID) - start < seconds);
}

/* Parses an optional positive number of seconds from argv[i]. */
static inline double arg_seconds(int argc, char **argv, int i, double fallback)
{
	if (argc <= i)
		return fallback;
	char *end = NULL;
	double v = strtod(argv[i], &end);
	if (end == argv[i] || *end != '\0' || !(v > 0)) {
		fprintf(stderr, "%s: invalid number of seconds '%s'\n", argv[0], argv[i]);
		exit(2);
	}
	return v;
}

#endif
