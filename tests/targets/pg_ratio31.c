/*
 * pg_ratio31 [seconds=2]: splits CPU time about 3:1 between work_heavy() and
 * work_light(), for checking that a profile attributes time in the right
 * proportions. Both run the same loop, work_heavy() three times as many steps,
 * alternating in rounds well below one sampling period. The round length
 * varies pseudo-randomly: with a fixed one, a round could last nearly a whole
 * number of sampling periods and the samples would keep landing at the same
 * point of it, skewing the split.
 *
 * Three times the steps is not exactly three times the time (a call made
 * right after a system call starts cold: with only the loop's clock read, the
 * split measured 72-73% here, and perf agreed), so the program reads its
 * thread's CPU clock around every call and prints the split it measured:
 *   work_heavy share: 0.7499
 *
 * Each interval between two reads holds the kernel's half of both reads as
 * well as the call, the same time for the short call as for the long one,
 * which pulls the raw split towards 50% (1.5% of the run here, 74.2% raw
 * against 75.0%; more where system calls cost more, as on a busy VM). A
 * profile puts that kernel time on neither function, so every round also
 * times an empty interval, and that time is taken off both sides.
 */
#define _GNU_SOURCE
#include "pg_target.h"

void work_heavy(long steps);
void work_light(long steps);

/* Steps of work_light() per round; work_heavy() does three times as many. */
#define MIN_STEPS 2000
#define SPREAD_STEPS 30000

PG_PROFILED void work_heavy(long steps)
{
	PG_BARRIER();
	burn(0x4eaf, 3 * steps);
}

PG_PROFILED void work_light(long steps)
{
	PG_BARRIER();
	burn(0x1197, steps);
}

int main(int argc, char **argv)
{
	double seconds = arg_seconds(argc, argv, 1, 2.0);
	double start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	uint32_t rng = 12345;
	double heavy = 0, light = 0, empty = 0;

	while (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - start < seconds) {
		rng = rng * 1664525u + 1013904223u;
		long steps = MIN_STEPS + (long)((rng >> 8) % SPREAD_STEPS);
		double t0 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
		work_heavy(steps);
		double t1 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
		work_light(steps);
		double t2 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
		double t3 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
		heavy += t1 - t0;
		light += t2 - t1;
		empty += t3 - t2;
	}
	heavy -= empty;
	light -= empty;
	if (heavy > 0 && light > 0)
		printf("work_heavy share: %.4f\nclock reads: %.4f s of each side\n",
		       heavy / (heavy + light), empty);
	return 0;
}
