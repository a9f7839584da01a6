/*
 * The subcommands of `profgate`, one cmd_<name>() per harness/cmd_<name>.c,
 * dispatched from the table in main.c. Each returns the process exit status.
 */
#ifndef PG_CMDS_H
#define PG_CMDS_H

#include "cliopt.h"

#define PG_EXIT_OK 0
#define PG_EXIT_REGRESSION 1
/* Both 2: the one status for "no verdict, something is wrong". USAGE for a
 * bad command line; ERROR for bad input, a tool error, a failed write or a
 * benchmark that failed. */
#define PG_EXIT_USAGE 2
#define PG_EXIT_ERROR 2
#define PG_EXIT_INCONCLUSIVE 3

int cmd_run(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_merge_reports(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* Reports an error: "profgate <cmd>: <message>" on stderr. */
void pg_report_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses argv with the command's option table (cliopt.h) into opts and
 * reports a bad option or value as one line. 0: go on, with the operands
 * in *operands, *noperands; 1: the help was shown (exit 0); -1: reported
 * (exit 2). */
int pg_cmd_options(char ***operands, int *noperands, const struct pg_opt_command *cmd, void *opts, int argc,
		   char **argv);
/* Flushes stdout and checks it: a truncated report must not pass. 0 ok. */
int pg_close_stdout(void);

#endif
