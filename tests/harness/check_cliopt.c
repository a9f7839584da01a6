/*
 * Tests of harness/cliopt.c, the option tables behind every command: the
 * short and long forms and --name=value, abbreviations, a missing value,
 * an unknown option, repeatable options, "--" and the first operand ending
 * the options, callbacks and their errors, operands returned in order, and
 * the help generated from the table (aligned, wrapped, "(repeatable)").
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "error.h"
#include "fixture.h"

struct opts {
	const char *out;
	const char *title;
	int quiet;
	int follow;
	struct pg_opt_list bench;
	struct pg_opt_list env;
	unsigned hz;
	int ncalls;
};

static int set_hz(void *opts, const char *value)
{
	struct opts *o = opts;
	char *end;
	unsigned long v = strtoul(value, &end, 10);

	o->ncalls++;
	if (end == value || *end || v < 1 || v > 100000)
		return pg_error_set("'%s' is not a rate between 1 and 100000", value);
	o->hz = (unsigned)v;
	return 0;
}

static int check_env(void *opts, const char *value)
{
	(void)opts;
	return strchr(value, '=') ? 0 : pg_error_set("'%s' is not KEY=VALUE", value);
}

static const struct pg_opt_spec specs[] = {
	{ .name = "out", .short_name = 'o', .arg = "DIR", PG_OPT_KEEP(struct opts, out),
	  .help = "the folder (default here)" },
	{ .name = "title", .arg = "TEXT", PG_OPT_KEEP(struct opts, title), .help = "the title" },
	{ .name = "quiet", .short_name = 'q', PG_OPT_SET_INT(struct opts, quiet, 1), .help = "no progress lines" },
	{ .name = "no-follow", PG_OPT_SET_INT(struct opts, follow, 0),
	  .help = "do not profile the programs COMMAND forks or execs, nor those that they start in their "
		  "turn, however deep" },
	{ .name = "bench", .short_name = 'b', .arg = "NAME", PG_OPT_APPEND(struct opts, bench),
	  .help = "only this benchmark" },
	{ .name = "hz", .arg = "N", PG_OPT_CALLS(set_hz), .help = "samples per second\nper thread" },
	{ .name = "hzz", .arg = "N", PG_OPT_CALLS(set_hz), .help = "shares a prefix with --hz" },
	{ .name = "env", .arg = "K=V", PG_OPT_APPEND(struct opts, env), PG_OPT_CHECK(check_env), .help = "a variable" },
};

static void more(FILE *f)
{
	fprintf(f, "  from a table\n");
}

static const struct pg_opt_command cmd = {
	.name = "demo",
	.usage = "[options] INPUT...\nlist",
	.about = "Does a demonstration.\n",
	.about_more = more,
	.specs = specs,
	.nspecs = PG_OPT_COUNT(specs),
	.after = "exit status: 0 ok.",
};

static const struct pg_opt_command cmd_stop = {
	.name = "demo", .usage = "[options] -- COMMAND [ARG...]", .specs = specs,
	.nspecs = PG_OPT_COUNT(specs), .flags = PG_OPT_STOP_AT_OPERAND,
};

/* argv from a NULL-terminated list; the strings stay the literals. */
struct args {
	char *v[32];
	int n;
};

static void args_of(struct args *a, const char *const *list)
{
	a->n = 0;
	a->v[a->n++] = (char *)"demo";
	for (; *list; list++)
		a->v[a->n++] = (char *)*list;
	a->v[a->n] = NULL;
}

static int parse_with(const struct pg_opt_command *c, struct opts *o, char ***ops, int *n, const char *const *list)
{
	static struct args a;  /* the operands point into it after the return */

	args_of(&a, list);
	memset(o, 0, sizeof *o);
	o->follow = 1;
	return pg_opt_parse(ops, n, c, o, a.n, a.v);
}

#define PARSE(o, ops, n, ...) parse_with(&cmd, o, ops, n, (const char *const[]){ __VA_ARGS__, NULL })

START_TEST(parse__short_and_long_forms_set_their_targets)
{
	struct opts o;
	char **ops;
	int n;

	ck_assert_int_eq(PARSE(&o, &ops, &n, "-o", "a", "--title", "T", "-q", "--no-follow", "in"), 0);
	ck_assert_str_eq(o.out, "a");
	ck_assert_str_eq(o.title, "T");
	ck_assert_int_eq(o.quiet, 1);
	ck_assert_int_eq(o.follow, 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(ops[0], "in");

	ck_assert_int_eq(PARSE(&o, &ops, &n, "--out", "b", "-oc"), 0);
	ck_assert_str_eq(o.out, "c");  /* -oVALUE, and the last one wins */
	ck_assert_int_eq(n, 0);

	/* Clustered flags, the last one taking the next word as its value. */
	ck_assert_int_eq(PARSE(&o, &ops, &n, "-qo", "d"), 0);
	ck_assert_int_eq(o.quiet, 1);
	ck_assert_str_eq(o.out, "d");
	pg_opt_release(&cmd, &o);
}
END_TEST

START_TEST(parse__long_option_equals_value)
{
	struct opts o;
	char **ops;
	int n;

	ck_assert_int_eq(PARSE(&o, &ops, &n, "--out=x=y", "--title=", "--hz=50"), 0);
	ck_assert_str_eq(o.out, "x=y");  /* only the first '=' separates */
	ck_assert_str_eq(o.title, "");   /* an empty value is a value */
	ck_assert_uint_eq(o.hz, 50);
	/* A value is taken as given, even if it looks like an option. */
	ck_assert_int_eq(PARSE(&o, &ops, &n, "--title", "--quiet"), 0);
	ck_assert_str_eq(o.title, "--quiet");
	ck_assert_int_eq(o.quiet, 0);
}
END_TEST

START_TEST(parse__abbreviations_only_when_unambiguous)
{
	struct opts o;
	char **ops;
	int n;

	ck_assert_int_eq(PARSE(&o, &ops, &n, "--ti", "T", "--no-f"), 0);
	ck_assert_str_eq(o.title, "T");
	ck_assert_int_eq(o.follow, 0);
	/* "--hz" is exact although "--hzz" starts with it. */
	ck_assert_int_eq(PARSE(&o, &ops, &n, "--hz", "7"), 0);
	ck_assert_uint_eq(o.hz, 7);
	/* "--h" could be --help, --hz or --hzz. */
	ck_assert_int_lt(PARSE(&o, &ops, &n, "--h", "7"), 0);
	ck_assert_str_eq(pg_error_last(), "option '--h' is unknown or needs a value; see 'profgate demo --help'");
}
END_TEST

START_TEST(parse__missing_value_names_the_option)
{
	struct opts o;
	char **ops;
	int n;

	ck_assert_int_lt(PARSE(&o, &ops, &n, "in", "--out"), 0);
	ck_assert_str_eq(pg_error_last(), "option '--out' is unknown or needs a value; see 'profgate demo --help'");
	ck_assert_int_lt(PARSE(&o, &ops, &n, "-q", "-o"), 0);
	ck_assert_str_eq(pg_error_last(), "option '-o' is unknown or needs a value; see 'profgate demo --help'");
	ck_assert_int_eq(o.quiet, 1);  /* acted on before the error, left to right */
}
END_TEST

START_TEST(parse__unknown_option_is_one_line_naming_it)
{
	struct opts o;
	char **ops;
	int n;

	ck_assert_int_eq(PARSE(&o, &ops, &n, "--nosuch"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "option '--nosuch' is unknown or needs a value; see 'profgate demo --help'");
	ck_assert_int_lt(PARSE(&o, &ops, &n, "-qx"), 0);
	ck_assert_str_eq(pg_error_last(), "option '-x' is unknown or needs a value; see 'profgate demo --help'");
	/* A flag given a value is refused, not silently ignored. */
	ck_assert_int_lt(PARSE(&o, &ops, &n, "--quiet=yes"), 0);
	ck_assert_str_eq(pg_error_last(),
			 "option '--quiet=yes' is unknown or needs a value; see 'profgate demo --help'");
	ck_assert_int_lt(PARSE(&o, &ops, &n, "--="), 0);
}
END_TEST

START_TEST(parse__repeatable_option_keeps_every_value_in_order)
{
	struct opts o;
	char **ops;
	int n;

	ck_assert_int_eq(PARSE(&o, &ops, &n, "--bench", "a", "-bb", "x", "--bench=c", "-b", "a"), 0);
	ck_assert_uint_eq(o.bench.n, 4);
	ck_assert_str_eq(o.bench.v[0], "a");
	ck_assert_str_eq(o.bench.v[1], "b");
	ck_assert_str_eq(o.bench.v[2], "c");
	ck_assert_str_eq(o.bench.v[3], "a");
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(ops[0], "x");
	pg_opt_release(&cmd, &o);
	ck_assert_ptr_null(o.bench.v);
	ck_assert_uint_eq(o.bench.n, 0);
}
END_TEST

START_TEST(parse__double_dash_ends_options_and_operands_keep_their_order)
{
	struct opts o;
	char **ops;
	int n;

	/* Options may come between operands; "-" is an operand (standard input). */
	ck_assert_int_eq(PARSE(&o, &ops, &n, "a", "-q", "-", "--out", "d", "b", "--", "-o", "--x", "--"), 0);
	ck_assert_int_eq(o.quiet, 1);
	ck_assert_str_eq(o.out, "d");
	ck_assert_int_eq(n, 6);
	const char *want[] = { "a", "-", "b", "-o", "--x", "--" };
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(ops[i], want[i]);
}
END_TEST

START_TEST(parse__stop_at_operand_leaves_the_command_its_options)
{
	struct opts o;
	char **ops;
	int n;
	const char *const list[] = { "-q", "ls", "-o", "x", "--hz", "3", NULL };

	ck_assert_int_eq(parse_with(&cmd_stop, &o, &ops, &n, list), 0);
	ck_assert_int_eq(o.quiet, 1);
	ck_assert_ptr_null(o.out);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(ops[0], "ls");
	ck_assert_str_eq(ops[1], "-o");
	ck_assert_str_eq(ops[4], "3");
}
END_TEST

START_TEST(parse__callback_error_is_prefixed_with_the_option)
{
	struct opts o;
	char **ops;
	int n;

	ck_assert_int_eq(PARSE(&o, &ops, &n, "--hz", "0"), PG_EINVALID);
	ck_assert_str_eq(pg_error_last(), "--hz: '0' is not a rate between 1 and 100000");
	ck_assert_int_eq(o.ncalls, 1);
	/* A checked value that fails is not kept. */
	ck_assert_int_lt(PARSE(&o, &ops, &n, "--env", "A=1", "--env", "B"), 0);
	ck_assert_str_eq(pg_error_last(), "--env: 'B' is not KEY=VALUE");
	ck_assert_uint_eq(o.env.n, 1);
	ck_assert_str_eq(o.env.v[0], "A=1");
	pg_opt_release(&cmd, &o);
	/* Nothing after a bad option is acted on. */
	ck_assert_int_lt(PARSE(&o, &ops, &n, "--hz=x", "-q"), 0);
	ck_assert_int_eq(o.quiet, 0);
}
END_TEST

START_TEST(parse__help_wins_only_from_where_it_is)
{
	struct opts o;
	char **ops;
	int n;

	/* The help goes to stdout; this test (a forked process) drops it. */
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(PARSE(&o, &ops, &n, "-q", "--help", "--nosuch"), PG_OPT_HELP_SHOWN);
	ck_assert_int_eq(PARSE(&o, &ops, &n, "-qh"), PG_OPT_HELP_SHOWN);
	ck_assert_int_eq(PARSE(&o, &ops, &n, "--he"), PG_OPT_HELP_SHOWN);
	/* An earlier mistake is still one. */
	ck_assert_int_lt(PARSE(&o, &ops, &n, "--nosuch", "--help"), 0);
	/* After "--", -h is an operand. */
	ck_assert_int_eq(PARSE(&o, &ops, &n, "--", "-h"), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(ops[0], "-h");
}
END_TEST

static char *help_text(const struct pg_opt_command *c)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pg_opt_help(f, c), 0);
	fclose(f);
	return text;
}

START_TEST(help__is_generated_from_the_table)
{
	char *text = help_text(&cmd);
	const char *want =
		"usage: profgate demo [options] INPUT...\n"
		"       profgate demo list\n"
		"\n"
		"Does a demonstration.\n"
		"  from a table\n"
		"\n"
		"options:\n"
		"  -o, --out DIR         the folder (default here)\n"
		"      --title TEXT      the title\n"
		"  -q, --quiet           no progress lines\n"
		"      --no-follow       do not profile the programs COMMAND forks or execs,\n"
		"                        nor those that they start in their turn, however deep\n"
		"  -b, --bench NAME      only this benchmark (repeatable)\n"
		"      --hz N            samples per second\n"
		"                        per thread\n"
		"      --hzz N           shares a prefix with --hz\n"
		"      --env K=V         a variable (repeatable)\n"
		"  -h, --help            this help\n"
		"\n"
		"exit status: 0 ok.\n";

	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

START_TEST(help__column_moves_right_for_a_long_option_and_lines_fit)
{
	static const struct pg_opt_spec wide[] = {
		{ .name = "report-url-of-the-folder", .arg = "URL", PG_OPT_KEEP(struct opts, out),
		  .help = "where the report folder will be served: links in summary.md start with it" },
		{ .name = "x", PG_OPT_SET_INT(struct opts, quiet, 1), .help = "short" },
	};
	static const struct pg_opt_command c = { .name = "w", .specs = wide, .nspecs = PG_OPT_COUNT(wide) };
	char *text = help_text(&c);
	/* "      --report-url-of-the-folder URL" is 36 columns: the help starts at 38. */
	const char *want =
		"usage: profgate w [options]\n"
		"\n"
		"options:\n"
		"      --report-url-of-the-folder URL  where the report folder will be served:\n"
		"                                      links in summary.md start with it\n"
		"      --x                             short\n"
		"  -h, --help                          this help\n";

	ck_assert_str_eq(text, want);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		ck_assert_int_le(strlen(line), 78);
	free(text);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cliopt");
	TCase *parse = tcase_create("parse");
	TCase *help = tcase_create("help");

	tcase_add_test(parse, parse__short_and_long_forms_set_their_targets);
	tcase_add_test(parse, parse__long_option_equals_value);
	tcase_add_test(parse, parse__abbreviations_only_when_unambiguous);
	tcase_add_test(parse, parse__missing_value_names_the_option);
	tcase_add_test(parse, parse__unknown_option_is_one_line_naming_it);
	tcase_add_test(parse, parse__repeatable_option_keeps_every_value_in_order);
	tcase_add_test(parse, parse__double_dash_ends_options_and_operands_keep_their_order);
	tcase_add_test(parse, parse__stop_at_operand_leaves_the_command_its_options);
	tcase_add_test(parse, parse__callback_error_is_prefixed_with_the_option);
	tcase_add_test(parse, parse__help_wins_only_from_where_it_is);
	tcase_add_test(help, help__is_generated_from_the_table);
	tcase_add_test(help, help__column_moves_right_for_a_long_option_and_lines_fit);
	tcase_set_timeout(parse, 10);
	tcase_set_timeout(help, 10);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, help);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
