/*
 * Declarative command-line options: each command describes its options
 * once, as a const table of struct pg_opt_spec, and that table drives the
 * parsing of argv, the usage line and the --help text. Adding an option is
 * one row (plus a callback when its value needs checking).
 *
 * A row names the option's long form, its short letter, the name of its
 * argument in the help (NULL: it takes none), whether it may be repeated,
 * its help text, and what it does: set an int, keep a string, append to a
 * list, or call a function. Targets are offsets into the command's own
 * options struct, so the tables hold no mutable state.
 *
 * Syntax accepted: --name, --name VALUE, --name=VALUE, an unambiguous
 * prefix of a long name, -x, -x VALUE, -xVALUE, clustered flags (-qo DIR);
 * "--" ends the options; "-" alone is an operand. -h and --help are
 * built in: they print the help on stdout.
 */
#ifndef PG_CLIOPT_H
#define PG_CLIOPT_H

#include <stddef.h>
#include <stdio.h>

enum pg_opt_kind {
	PG_OPT_SET,     /* no argument: stores .value into an int */
	PG_OPT_STRING,  /* keeps the argument (borrowed from argv) in a const char *; the last one wins */
	PG_OPT_LIST,    /* appends the argument to a struct pg_opt_list; repeatable */
	PG_OPT_CALL,    /* .call(opts, argument or NULL) does it all */
};

/* The arguments of a repeatable option, in order; strings borrowed from
 * argv, the array owned (pg_opt_release frees it). */
struct pg_opt_list {
	const char **v;
	size_t n;
};

/* A callback: 0 to accept, or a negative error whose message (set with
 * pg_error_set, without the option's name) the parser reports after
 * "--<name>: ". */
typedef int (*pg_opt_fn)(void *opts, const char *value);

struct pg_opt_spec {
	const char *name;    /* long name without "--" */
	char short_name;     /* 0: none */
	const char *arg;     /* the argument's name in the help ("DIR"); NULL: takes no argument */
	int repeatable;      /* "(repeatable)" is added to the help; implied by PG_OPT_LIST */
	const char *help;    /* one sentence, wrapped to the terminal's 80 columns; '\n' breaks a line */
	enum pg_opt_kind kind;
	size_t offset;       /* of the target in the options struct (SET, STRING, LIST) */
	int value;           /* what SET stores */
	pg_opt_fn call;      /* CALL: the action; STRING, LIST: checks the value before it is kept (or NULL) */
};

/* Typed targets: the build fails if the field does not have the type the
 * kind writes. */
#define PG_OPT_TYPECHECK_(type, field, want) \
	(0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((type *)0)->field), want) ? 1 : -1]))
#define PG_OPT_SET_INT(type, field, v) \
	.kind = PG_OPT_SET, .offset = offsetof(type, field) + PG_OPT_TYPECHECK_(type, field, int), .value = (v)
#define PG_OPT_KEEP(type, field) \
	.kind = PG_OPT_STRING, .offset = offsetof(type, field) + PG_OPT_TYPECHECK_(type, field, const char *)
#define PG_OPT_APPEND(type, field)                                                             \
	.kind = PG_OPT_LIST, .repeatable = 1,                                                     \
	.offset = offsetof(type, field) + PG_OPT_TYPECHECK_(type, field, struct pg_opt_list)
#define PG_OPT_CALLS(fn) .kind = PG_OPT_CALL, .call = (fn)
/* With PG_OPT_KEEP or PG_OPT_APPEND: the value must pass fn first. */
#define PG_OPT_CHECK(fn) .call = (fn)

/* Parse flags. */
#define PG_OPT_STOP_AT_OPERAND 1  /* the first operand ends the options (`run -- COMMAND`) */

struct pg_opt_command {
	const char *name;     /* "run": errors say "profgate run: ..." and point at 'profgate run --help' */
	const char *usage;    /* after "usage: profgate <name> "; '\n' starts another usage line */
	const char *about;    /* the paragraphs between usage and options */
	void (*about_more)(FILE *f);  /* writes what follows about from elsewhere (a table); may be NULL */
	const struct pg_opt_spec *specs;
	size_t nspecs;
	const char *after;    /* the paragraphs after the options (exit status...); may be NULL */
	unsigned flags;
};

#define PG_OPT_COUNT(specs) (sizeof(specs) / sizeof((specs)[0]))

/* What pg_opt_parse returns besides 0 and errors. */
#define PG_OPT_HELP_SHOWN 1

/* Parses argv[1..argc) (argv[0] is the command's name) into opts. Returns
 * 0 with the operands, in order, in *out_operands (a suffix of argv,
 * which is reordered, so still NULL-terminated if argv was) and *out_n; PG_OPT_HELP_SHOWN after printing the
 * help on stdout for -h/--help; a negative error with a one-line message
 * in pg_error_last(), e.g. "option '--nosuch' is unknown or needs a value;
 * see 'profgate run --help'" or "--hz: 'x' is not a rate ...". Options are
 * acted on from left to right, so a later one overrides an earlier one. */
int pg_opt_parse(char ***out_operands, int *out_n, const struct pg_opt_command *cmd, void *opts, int argc,
		 char **argv);

/* Writes the whole help of cmd: usage, about, the options in aligned
 * columns, after. Returns 0, or -1 if f reported an error. */
int pg_opt_help(FILE *f, const struct pg_opt_command *cmd);

/* Writes the usage line(s) only, "usage: profgate <name> <usage>". */
void pg_opt_usage(FILE *f, const struct pg_opt_command *cmd);

/* Appends value to list; 0 or a negative error (out of memory). */
int pg_opt_list_add(struct pg_opt_list *list, const char *value);
/* Frees the arrays of every PG_OPT_LIST target of cmd in opts. */
void pg_opt_release(const struct pg_opt_command *cmd, void *opts);

#endif
