/*
 * pg_exit_code N: burns a few tens of milliseconds of CPU in exit_code_work()
 * and exits with status N, for checking that profgate passes the program's
 * own exit status through.
 */
#define _GNU_SOURCE
#include "pg_target.h"

void exit_code_work(void);

PG_PROFILED void exit_code_work(void)
{
	PG_BARRIER();
	burn_for(0xe1c0, 0.05);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pg_exit_code N\n");
		return 2;
	}
	char *end = NULL;
	long code = strtol(argv[1], &end, 10);
	if (end == argv[1] || *end != '\0' || code < 0 || code > 255) {
		fprintf(stderr, "pg_exit_code: invalid exit status '%s'\n", argv[1]);
		return 2;
	}
	exit_code_work();
	return (int)code;
}
