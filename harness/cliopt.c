/*
 * The option parser and help writer behind every command (cliopt.h). One
 * table per command is the only place an option is written; the parser
 * walks argv left to right against it, and the help is generated from it
 * in two aligned columns that fit 80 columns.
 *
 * It is its own small parser rather than getopt_long: no global state
 * (optind, optarg) to reset between commands and tests, operands returned
 * in order, and error messages that name what the user typed.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "error.h"

/* The help's text column: at least this, further right if a long option
 * and its argument need it. */
#define HELP_COLUMN_MIN 24
#define HELP_WIDTH 78  /* the longest line: room to spare on an 80-column terminal */

static const struct pg_opt_spec help_spec = {
	.name = "help", .short_name = 'h', .help = "this help",
};

static int bad_option(const struct pg_opt_command *cmd, const char *typed)
{
	return pg_error_setc(PG_EINVALID, "option '%s' is unknown or needs a value; see 'profgate %s --help'", typed,
			     cmd->name);
}

static int bad_short(const struct pg_opt_command *cmd, char c)
{
	char typed[3] = { '-', c, 0 };

	return bad_option(cmd, typed);
}

/* The row for a long name of len bytes: an exact match, else the only
 * option it is a prefix of (getopt_long's abbreviations). NULL: unknown
 * or ambiguous. */
static const struct pg_opt_spec *find_long(const struct pg_opt_command *cmd, const char *name, size_t len)
{
	const struct pg_opt_spec *prefix_of = NULL;
	int nprefix = 0;

	if (len == 0)
		return NULL;
	for (size_t i = 0; i <= cmd->nspecs; i++) {
		const struct pg_opt_spec *s = i < cmd->nspecs ? &cmd->specs[i] : &help_spec;

		if (strncmp(s->name, name, len))
			continue;
		if (s->name[len] == 0)
			return s;
		prefix_of = s;
		nprefix++;
	}
	return nprefix == 1 ? prefix_of : NULL;
}

static const struct pg_opt_spec *find_short(const struct pg_opt_command *cmd, char c)
{
	for (size_t i = 0; i < cmd->nspecs; i++)
		if (cmd->specs[i].short_name == c)
			return &cmd->specs[i];
	return c == help_spec.short_name ? &help_spec : NULL;
}

int pg_opt_list_add(struct pg_opt_list *list, const char *value)
{
	if (list->n >= SIZE_MAX / sizeof *list->v - 1)
		return pg_error_set("out of memory");
	const char **v = realloc(list->v, (list->n + 1) * sizeof *v);

	if (!v)
		return pg_error_set("out of memory");
	list->v = v;
	list->v[list->n++] = value;
	return 0;
}

void pg_opt_release(const struct pg_opt_command *cmd, void *opts)
{
	for (size_t i = 0; i < cmd->nspecs; i++) {
		if (cmd->specs[i].kind != PG_OPT_LIST)
			continue;
		struct pg_opt_list *list = (struct pg_opt_list *)((char *)opts + cmd->specs[i].offset);

		free(list->v);
		list->v = NULL;
		list->n = 0;
	}
}

/* Acts on one option; value is NULL for an option without argument. */
static int apply(const struct pg_opt_spec *s, void *opts, const char *value)
{
	char *target = (char *)opts + s->offset;

	if (s->call && s->call(opts, value) < 0) {
		/* The callback says what is wrong with the value; the option's
		 * name goes in front, once, here. */
		char why[512];

		snprintf(why, sizeof why, "%s", pg_error_last());
		return pg_error_setc(PG_EINVALID, "--%s: %s", s->name, why);
	}
	switch (s->kind) {
	case PG_OPT_SET:
		*(int *)target = s->value;
		return 0;
	case PG_OPT_STRING:
		*(const char **)target = value;
		return 0;
	case PG_OPT_LIST:
		return pg_opt_list_add((struct pg_opt_list *)target, value);
	case PG_OPT_CALL:
		return 0;
	}
	assert(!"unknown option kind");
	return pg_error_set("unknown option kind");
}

int pg_opt_parse(char ***out_operands, int *out_n, const struct pg_opt_command *cmd, void *opts, int argc,
		 char **argv)
{
	char **operands = calloc(argc > 0 ? (size_t)argc : 1, sizeof *operands);
	int nops = 0, only_operands = 0, rc = 0;

	*out_operands = argv + (argc > 0 ? argc : 0);
	*out_n = 0;
	if (!operands)
		return pg_error_set("out of memory");
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct pg_opt_spec *s;

		if (only_operands || a[0] != '-' || a[1] == 0) {
			operands[nops++] = a;
			if (cmd->flags & PG_OPT_STOP_AT_OPERAND)
				only_operands = 1;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_operands = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			const char *value = eq ? eq + 1 : NULL;

			s = find_long(cmd, name, eq ? (size_t)(eq - name) : strlen(name));
			if (!s || (!s->arg && eq)) {
				rc = bad_option(cmd, a);
				goto done;
			}
			if (s->arg && !eq) {
				if (i + 1 >= argc) {
					rc = bad_option(cmd, a);
					goto done;
				}
				value = argv[++i];
			}
			if (s == &help_spec) {
				rc = PG_OPT_HELP_SHOWN;
				goto done;
			}
			if ((rc = apply(s, opts, value)) < 0)
				goto done;
			continue;
		}
		/* One or more short options: -q, -o DIR, -oDIR, -qo DIR. */
		for (const char *p = a + 1; *p; p++) {
			const char *value = NULL;

			if (!(s = find_short(cmd, *p))) {
				rc = bad_short(cmd, *p);
				goto done;
			}
			if (s->arg) {
				if (p[1])
					value = p + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else {
					rc = bad_short(cmd, *p);
					goto done;
				}
			}
			if (s == &help_spec) {
				rc = PG_OPT_HELP_SHOWN;
				goto done;
			}
			if ((rc = apply(s, opts, value)) < 0)
				goto done;
			if (value)
				break;
		}
	}
	/* The operands become argv's tail, in order; the options' values
	 * were kept as the strings themselves, not as argv's slots. */
	memcpy(argv + argc - nops, operands, (size_t)nops * sizeof *operands);
	*out_operands = argv + argc - nops;
	*out_n = nops;
done:
	free(operands);
	if (rc == PG_OPT_HELP_SHOWN && pg_opt_help(stdout, cmd) < 0)
		rc = pg_error_set("cannot write the help to standard output");
	return rc;
}

/* ---- the help -------------------------------------------------------- */

static size_t left_width(const struct pg_opt_spec *s)
{
	/* "  -o, --name ARG" or "      --name ARG" */
	return 6 + 2 + strlen(s->name) + (s->arg ? 1 + strlen(s->arg) : 0);
}

/* Writes text from column `col` (the cursor already there), greedily
 * wrapped so that no line passes HELP_WIDTH; '\n' in text forces a
 * break. Words longer than the room are written whole. */
static void write_wrapped(FILE *f, const char *text, const char *suffix, size_t col)
{
	size_t room = HELP_WIDTH > col + 20 ? HELP_WIDTH - col : 20;
	size_t used = 0;
	int pending_space = 0;
	char *joined = NULL;

	if (asprintf(&joined, "%s%s", text, suffix) < 0) {
		fprintf(f, "%s%s\n", text, suffix);
		return;
	}
	for (const char *p = joined; *p;) {
		if (*p == '\n') {
			fprintf(f, "\n%*s", (int)col, "");
			used = 0;
			pending_space = 0;
			p++;
			continue;
		}
		if (*p == ' ') {
			pending_space = used > 0;
			p++;
			continue;
		}
		size_t len = strcspn(p, " \n");

		if (used > 0 && used + 1 + len > room) {
			fprintf(f, "\n%*s", (int)col, "");
			used = 0;
			pending_space = 0;
		}
		if (pending_space) {
			fputc(' ', f);
			used++;
		}
		fwrite(p, 1, len, f);
		used += len;
		pending_space = 0;
		p += len;
	}
	fputc('\n', f);
	free(joined);
}

static void write_row(FILE *f, const struct pg_opt_spec *s, size_t col)
{
	int n;

	if (s->short_name)
		n = fprintf(f, "  -%c, --%s", s->short_name, s->name);
	else
		n = fprintf(f, "      --%s", s->name);
	if (s->arg)
		n += fprintf(f, " %s", s->arg);
	fprintf(f, "%*s", n > 0 && (size_t)n < col ? (int)(col - (size_t)n) : 2, "");
	write_wrapped(f, s->help ? s->help : "", s->repeatable || s->kind == PG_OPT_LIST ? " (repeatable)" : "",
		      col);
}

void pg_opt_usage(FILE *f, const struct pg_opt_command *cmd)
{
	const char *u = cmd->usage ? cmd->usage : "[options]";

	fprintf(f, "usage: ");
	for (int first = 1;; first = 0) {
		size_t len = strcspn(u, "\n");

		fprintf(f, "%sprofgate %s %.*s\n", first ? "" : "       ", cmd->name, (int)len, u);
		if (!u[len])
			break;
		u += len + 1;
	}
}

static void paragraphs(FILE *f, const char *text)
{
	size_t len = strlen(text);

	fprintf(f, "\n%s%s", text, len && text[len - 1] != '\n' ? "\n" : "");
}

int pg_opt_help(FILE *f, const struct pg_opt_command *cmd)
{
	size_t col = HELP_COLUMN_MIN;

	for (size_t i = 0; i < cmd->nspecs; i++)
		if (left_width(&cmd->specs[i]) + 2 > col)
			col = left_width(&cmd->specs[i]) + 2;
	pg_opt_usage(f, cmd);
	if (cmd->about)
		paragraphs(f, cmd->about);
	if (cmd->about_more)
		cmd->about_more(f);
	fprintf(f, "\noptions:\n");
	for (size_t i = 0; i < cmd->nspecs; i++)
		write_row(f, &cmd->specs[i], col);
	write_row(f, &help_spec, col);
	if (cmd->after)
		paragraphs(f, cmd->after);
	return ferror(f) ? -1 : 0;
}
