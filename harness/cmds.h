/*
 * The subcommands of `profgate`, one cmd_<name>() per harness/cmd_<name>.c,
 * dispatched from the table in main.c. Each returns the process exit status.
 */
#ifndef PG_CMDS_H
#define PG_CMDS_H

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
/* After getopt_long returned '?' or ':': names the bad option, one line. */
void pg_report_bad_option(const char *cmd, char **argv);
/* Flushes stdout and checks it: a truncated report must not pass. 0 ok. */
int pg_close_stdout(void);

#endif
