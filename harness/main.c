/*
 * `profgate`: the command table, `profgate help`, --version, and dispatch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "cmds.h"
#include "error.h"
#include "term.h"

#ifndef PG_VERSION
#define PG_VERSION "unknown"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "run", cmd_run, "profile one command: CPU samples per thread, folded stacks, profile.json" },
	{ "record", cmd_record, "run the config's benchmarks and store them as the baseline of a commit" },
	{ "check", cmd_check, "run the benchmarks, compare them with the baseline, and fail on a regression" },
	{ "merge-reports", cmd_merge_reports, "join the report folders of a sharded check into one report and verdict" },
	{ "baseline", cmd_baseline, "list, show or remove stored baselines" },
	{ "flamegraph", cmd_flamegraph, "draw a profile as an interactive HTML or a static SVG flame graph" },
	{ "diff", cmd_diff, "compare two profiles: differential flame graph and the functions that changed most" },
	{ "help", cmd_help, "show this list, or the help of one command" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: profgate [--version] [--help] <command> [<args>]\n\n"
		   "profgate runs programs under its own CPU sampler and allocation tracker,\n"
		   "keeps their results as baselines keyed to git commits, and fails the\n"
		   "build with differential flame graphs when a change makes a benchmark\n"
		   "slower or hungrier.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'profgate <command> --help' shows the options of a command.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static const struct pg_opt_command help_command = {
	.name = "help",
	.usage = "[COMMAND]",
	.about = "Without COMMAND, lists the commands; with one, shows its help\n"
		 "(the same as 'profgate COMMAND --help').\n",
	.after = "exit status: 0 shown; 2 COMMAND is not a profgate command.\n",
};

static int cmd_help(int argc, char **argv)
{
	char **args;
	int n, pr = pg_cmd_options(&args, &n, &help_command, NULL, argc, argv);

	if (pr != 0)
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	if (n > 1) {
		pg_report_error("help", "one command at a time, got '%s' and '%s'", args[0], args[1]);
		return PG_EXIT_USAGE;
	}
	if (n == 1) {
		const struct command *c = find(args[0]);

		if (!c) {
			pg_report_error("help", "unknown command '%s'", args[0]);
			return PG_EXIT_USAGE;
		}
		char *help_args[] = { args[0], (char *)"--help", NULL };

		return c->fn(2, help_args);
	}
	usage(stdout);
	return PG_EXIT_OK;
}

/* Errors are one line, whatever a name inside them holds: control bytes
 * are written as escapes (\n, \x1b...), so a newline cannot split the
 * message and an escape sequence or "::error::" cannot reach a CI log raw. */
void pg_report_error(const char *cmd, const char *fmt, ...)
{
	char small[1024], *msg = small;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (!msg) {
		msg = small;
	}
	fprintf(stderr, "profgate%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	pg_term_puts(stderr, msg);
	fputc('\n', stderr);
	if (msg != small)
		free(msg);
}

int pg_cmd_options(char ***operands, int *noperands, const struct pg_opt_command *cmd, void *opts, int argc,
		   char **argv)
{
	int rc = pg_opt_parse(operands, noperands, cmd, opts, argc, argv);

	if (rc < 0) {
		pg_report_error(cmd->name, "%s", pg_error_last());
		return -1;
	}
	return rc == PG_OPT_HELP_SHOWN ? 1 : 0;
}

int pg_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "profgate: cannot write to standard output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc;
	if (argc < 2) {
		usage(stderr);
		return PG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("profgate %s\n", PG_VERSION);
		return pg_close_stdout() ? PG_EXIT_ERROR : PG_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return pg_close_stdout() ? PG_EXIT_ERROR : PG_EXIT_OK;
	}
	const struct command *c = find(argv[1]);
	if (!c) {
		pg_report_error(NULL, "'%s' is not a profgate command; see 'profgate help'", argv[1]);
		return PG_EXIT_USAGE;
	}
	rc = c->fn(argc - 1, argv + 1);
	if (pg_close_stdout() && rc == PG_EXIT_OK)
		rc = PG_EXIT_ERROR;
	return rc;
}
