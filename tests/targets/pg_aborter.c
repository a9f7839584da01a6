/*
 * pg_aborter: burns ~0.3 s of CPU in abort_work(), then calls abort(). For
 * checking that a program that aborts gives 128+6 and still leaves the
 * profile of what it did before.
 */
#define _GNU_SOURCE
#include <sys/resource.h>

#include "pg_target.h"

void abort_work(void);

PG_PROFILED void abort_work(void)
{
	PG_BARRIER();
	burn_for(0xab01, 0.3);
}

int main(void)
{
	/* No core file: the test does not want one left in its directory. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);

	abort_work();
	abort();
}
