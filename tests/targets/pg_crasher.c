/*
 * pg_crasher: burns ~0.3 s of CPU in crash_work(), then dies of SIGSEGV by
 * writing through a NULL pointer. For checking that profgate exits 128+11 and
 * still writes the profile of what ran.
 */
#define _GNU_SOURCE
#include <sys/resource.h>

#include "pg_target.h"

void crash_work(void);

/* volatile: the compiler must not know the pointer is NULL, or it could turn
 * the store into a trap instruction (SIGILL) or drop it. */
static int *volatile null_pointer;

PG_PROFILED void crash_work(void)
{
	PG_BARRIER();
	burn_for(0xc0a5, 0.3);
}

int main(void)
{
	/* No core file: the test does not want one left in its directory. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);

	crash_work();
	*null_pointer = 42;
	fprintf(stderr, "pg_crasher: still alive after writing through NULL\n");
	return 1;
}
