/*
 * Starting the profiled command: argv directly (never a shell), PATH lookup
 * as execvp does it but done here so that "not found" (127) and "cannot
 * execute" (126) are told apart before anything runs, a timeout that
 * terminates then kills the command's process group, and the exit status,
 * CPU time and peak RSS that wait4 reports.
 */
#ifndef PG_LAUNCH_H
#define PG_LAUNCH_H

#include <sys/resource.h>

struct pg_launch {
	char *const *argv;
	char **envp;
	double timeout;       /* seconds; 0 = none */
	double kill_grace;    /* seconds between SIGTERM and SIGKILL on timeout */
	const char *cwd;      /* NULL: ours */
	int stderr_fd;        /* the command's stderr; -1: ours */
	int stdout_fd;        /* the command's stdout; -1: ours */
};

struct pg_launch_result {
	int status;           /* as from waitpid */
	int timed_out;
	double wall_seconds;
	struct rusage ru;     /* of the command and the descendants it waited for */
	int pid;
};

/* Resolves argv[0] through PATH into *out (caller frees). PG_ENOTFOUND if it
 * does not exist, PG_EGENERIC if it exists but is not executable; the
 * message says which. */
int pg_launch_resolve(char **out, const char *prog);

/* Whether path (or the interpreter of its #! line) is a dynamically linked
 * ELF executable, the only kind that LD_PRELOAD reaches. 0 yes, negative
 * no, with the reason in the message. */
int pg_launch_check_dynamic(const char *path);

/* Runs the command to completion. Negative only when it could not be
 * started (fork or exec failure, with errno's text in the message). */
int pg_launch_run(struct pg_launch_result *out, const char *path, const struct pg_launch *l);

/* The last interrupt (SIGINT, SIGTERM, SIGQUIT, SIGHUP) that reached this
 * process while pg_launch_run waited for a command (and was passed on to
 * it); 0 when none. Tells a command that failed because profgate was
 * interrupted from one that failed by itself. */
int pg_launch_last_interrupt(void);

#endif
