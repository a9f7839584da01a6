/*
 * pg_self_kill [seconds=0.5]: allocates 1 MiB in alloc_before_kill() and
 * keeps it, burns `seconds` of CPU in kill_work(), then sends itself
 * SIGKILL, which no handler can see. What the collector recorded up to its
 * last drain must still be in the profile: kill_work's samples, and the
 * allocation in the last memory snapshot.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pg_target.h"

void *alloc_before_kill(void);
void kill_work(double seconds);

static void *volatile kept;

PG_PROFILED void *alloc_before_kill(void)
{
	PG_BARRIER();
	char *p = malloc(1 << 20);
	if (p)
		memset(p, 1, 1 << 20);
	return p;
}

PG_PROFILED void kill_work(double seconds)
{
	PG_BARRIER();
	burn_for(0x5e1f, seconds);
}

int main(int argc, char **argv)
{
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);

	double seconds = arg_seconds(argc, argv, 1, 0.5);
	kept = alloc_before_kill();
	kill_work(seconds);
	kill(getpid(), SIGKILL);
	fprintf(stderr, "pg_self_kill: still alive after SIGKILL\n");
	return 1;
}
