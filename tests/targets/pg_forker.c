/*
 * pg_forker: forks; the child burns ~0.5 s of CPU in child_work() and exits 0,
 * the parent burns ~0.5 s in parent_work(), waits, and exits 0 only if the
 * child exited 0. For checking that children are followed (and that
 * --no-follow leaves them out) and that a child's exit status is not lost.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_target.h"

void child_work(void);
void parent_work(void);

PG_PROFILED void child_work(void)
{
	PG_BARRIER();
	burn_for(0xc41d, 0.5);
}

PG_PROFILED void parent_work(void)
{
	PG_BARRIER();
	burn_for(0x9a2e, 0.5);
}

int main(void)
{
	fflush(NULL); /* nothing buffered may be written twice */
	pid_t pid = fork();
	if (pid < 0) {
		perror("pg_forker: fork");
		return 1;
	}
	if (pid == 0) {
		child_work();
		exit(0); /* exit(), not _exit(): let at-exit handlers of the child run */
	}

	parent_work();
	int status = 0;
	if (waitpid(pid, &status, 0) != pid) {
		perror("pg_forker: waitpid");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pg_forker: child ended with status 0x%x\n", (unsigned)status);
		return 1;
	}
	return 0;
}
