/*
 * pg_spawner vfork|spawn PATH [ARGS...]: burns ~0.2 s of CPU in
 * before_spawn_work(), starts PATH ARGS... with vfork()+execv() or with
 * posix_spawn(), burns ~0.3 s more in after_spawn_work() while the child
 * runs, waits for it and exits with its status (1 if it did not exit
 * normally). A vfork child shares the parent's memory until it execs, and
 * posix_spawn runs no fork handlers: both are ways to start a program that
 * a fork wrapper never sees. The child must be profiled under its own name
 * and the parent must still be sampled afterwards.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_target.h"

extern char **environ;

void before_spawn_work(void);
void after_spawn_work(void);

PG_PROFILED void before_spawn_work(void)
{
	PG_BARRIER();
	burn_for(0xbef0, 0.2);
}

PG_PROFILED void after_spawn_work(void)
{
	PG_BARRIER();
	burn_for(0xaf7e, 0.3);
}

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc < 3 || (strcmp(argv[1], "vfork") && strcmp(argv[1], "spawn"))) {
		fprintf(stderr, "usage: pg_spawner vfork|spawn PATH [ARGS...]\n");
		return 2;
	}
	before_spawn_work();
	fflush(NULL);
	if (!strcmp(argv[1], "vfork")) {
		pid = vfork();
		if (pid == 0) {
			execv(argv[2], &argv[2]);
			_exit(127);
		}
		if (pid < 0) {
			perror("pg_spawner: vfork");
			return 1;
		}
	} else {
		int err = posix_spawn(&pid, argv[2], NULL, NULL, &argv[2], environ);
		if (err != 0) {
			fprintf(stderr, "pg_spawner: posix_spawn '%s': %s\n", argv[2], strerror(err));
			return 1;
		}
	}
	after_spawn_work();
	int status = 0;
	if (waitpid(pid, &status, 0) != pid) {
		perror("pg_spawner: waitpid");
		return 1;
	}
	if (!WIFEXITED(status)) {
		fprintf(stderr, "pg_spawner: child ended with status 0x%x\n", (unsigned)status);
		return 1;
	}
	return WEXITSTATUS(status);
}
