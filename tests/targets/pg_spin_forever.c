/*
 * pg_spin_forever [ANY...]: spins in spin_forever() until killed, for testing
 * --timeout. Arguments are ignored (a test may pass a unique one to find the
 * process in /proc). As a safety net against a --timeout that does not work,
 * it gives up by itself after five minutes of wall time and exits 99, so that
 * a broken build never leaves spinners behind.
 */
#define _GNU_SOURCE
#include "pg_target.h"

void spin_forever(void);

#define GIVE_UP_SECONDS 300.0

PG_PROFILED void spin_forever(void)
{
	double start = clock_seconds(CLOCK_MONOTONIC);

	PG_BARRIER();
	for (;;) {
		burn(0x5919, 1000000);
		if (clock_seconds(CLOCK_MONOTONIC) - start > GIVE_UP_SECONDS) {
			fprintf(stderr, "pg_spin_forever: not killed after %.0f s, giving up\n",
				GIVE_UP_SECONDS);
			exit(99);
		}
	}
}

int main(void)
{
	spin_forever();
	return 0;
}
