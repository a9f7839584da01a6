/*
 * pg_execer PATH [ARGS...]: burns ~0.3 s of CPU in before_exec_work(), then
 * replaces itself with PATH (argv PATH ARGS...) without forking. For checking
 * that a profile follows an exec and roots each program's stacks at its own
 * name.
 */
#define _GNU_SOURCE
#include <unistd.h>

#include "pg_target.h"

void before_exec_work(void);

PG_PROFILED void before_exec_work(void)
{
	PG_BARRIER();
	burn_for(0xe8ec, 0.3);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: pg_execer PATH [ARGS...]\n");
		return 2;
	}
	before_exec_work();
	fflush(NULL);
	execv(argv[1], &argv[1]);
	fprintf(stderr, "pg_execer: cannot execute '%s': ", argv[1]);
	perror(NULL);
	return 127;
}
