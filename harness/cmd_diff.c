/*
 * `profgate diff [options] BEFORE AFTER`: what changed between two profiles,
 * as a differential flame graph (interactive HTML by default, a static SVG
 * in flamegraph.pl's look, or difffolded's "stack before after" lines) and
 * as a table of the functions that changed most, on stdout. BEFORE and
 * AFTER are profile directories written by `profgate run` (--kind picks the
 * folded file) or folded files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "profile_kind.h"
#include "diff.h"
#include "formats.h"
#include "error.h"
#include "folded.h"
#include "outbuf.h"
#include "profile.h"
#include "profile_json_read.h"
#include "svg_common.h"
#include "term.h"

#define TOP_FUNCTIONS 20
#define NAME_COLUMNS_MAX 48


struct diff_args {
	const char *input[2];   /* BEFORE, AFTER */
	const char *output;
	const char *title;
	enum pg_kind kind;
	int normalize;
	enum pg_diff_colour colour;
};

/* One side: where its stacks come from, and what profile.json says. */
struct side {
	const char *input;
	int is_dir;
	char *folded;
	struct pg_profile *prof;
	unsigned hz;
};

static int set_kind(void *opts, const char *value)
{
	struct diff_args *a = opts;

	if (pg_kind_parse(&a->kind, value) < 0)
		return pg_error_set("'%s' is not cpu, wall, mem-peak or mem-leaks", value);
	return 0;
}

static int set_colour(void *opts, const char *value)
{
	struct diff_args *a = opts;

	if (!strcmp(value, "auto"))
		a->colour = PG_DIFF_COLOUR_AUTO;
	else if (!strcmp(value, "path"))
		a->colour = PG_DIFF_COLOUR_PATH;
	else if (!strcmp(value, "function"))
		a->colour = PG_DIFF_COLOUR_FUNCTION;
	else
		return pg_error_set("'%s' is not auto, path or function", value);
	return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct pg_opt_spec diff_options[] = {
	{ .name = "output", .short_name = 'o', .arg = "FILE", PG_OPT_KEEP(struct diff_args, output),
	  .help = ".html: interactive, with a switch to BEFORE's shape (default: diff.html here); "
		  ".svg: static, in flamegraph.pl's look; .folded: 'stack before after' lines "
		  "(difffolded format)" },
	{ .name = "kind", .arg = "KIND", PG_OPT_CALLS(set_kind),
	  .help = "cpu, wall, mem-peak or mem-leaks: the profiles to compare from directories "
		  "(default cpu, or wall if a directory has only that); for folded files, what "
		  "their weights are" },
	{ .name = "normalize", PG_OPT_SET_INT(struct diff_args, normalize, 1),
	  .help = "scale BEFORE to AFTER's total (compare proportions, not amounts); the HTML can "
		  "switch either way" },
	{ .name = "title", .arg = "TEXT", PG_OPT_KEEP(struct diff_args, title),
	  .help = "the graph's title (default: BEFORE -> AFTER)" },
	{ .name = "colour", .arg = "MODE", PG_OPT_CALLS(set_colour),
	  .help = "path: each frame by the change of its self weight on that call path; "
		  "function: by the change of its function's total across all paths; auto "
		  "(default): function when more than 25% of either side's weight is on paths "
		  "the other lacks, else path" },
	{ .name = "color", .arg = "MODE", PG_OPT_CALLS(set_colour), .help = "the same as --colour" },
};

static const struct pg_opt_command diff_command = {
	.name = "diff",
	.usage = "[options] BEFORE AFTER",
	.about = "Compares two profiles: writes a differential flame graph (AFTER's shape, red\n"
		 "where a frame grew, blue where it shrank) and prints the functions that\n"
		 "changed most. BEFORE and AFTER are profile directories written by\n"
		 "'profgate run' or folded files ('-' for standard input, one of them).\n",
	.specs = diff_options,
	.nspecs = PG_OPT_COUNT(diff_options),
	.after = "Functions are compared without GCC clone suffixes (.part.N, .isra.N, ...) and\n"
		 "inlined marks. The table printed lists the top " STR(TOP_FUNCTIONS) " functions by change of\n"
		 "self weight, as the HTML's does (by total, main and the program's root would\n"
		 "top it).\n\n"
		 "exit status: 0 written; 2 usage or input error.\n",
};

/* 0 ok, 1 help shown, -1 usage error (reported). */
static int parse_args(struct diff_args *a, int argc, char **argv)
{
	char **in;
	int n, pr = pg_cmd_options(&in, &n, &diff_command, a, argc, argv);

	if (pr != 0)
		return pr;
	if (n != 2) {
		if (n < 2)
			pg_report_error("diff", "two inputs needed, got %d; usage: profgate diff [options] BEFORE AFTER",
					n);
		else
			pg_report_error("diff", "two inputs only, got %d ('%s' is the third); "
					"usage: profgate diff [options] BEFORE AFTER", n, in[2]);
		return -1;
	}
	a->input[0] = in[0];
	a->input[1] = in[1];
	if (!strcmp(a->input[0], "-") && !strcmp(a->input[1], "-")) {
		pg_report_error("diff", "BEFORE and AFTER cannot both be standard input");
		return -1;
	}
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reads one side's profile (and its rate from profile.json); 0 or -1, the
 * error reported naming the file. */
static int load_side(struct side *s, enum pg_kind kind)
{
	struct pg_profile_info info;
	char *json = NULL;
	struct stat st;
	int rc = -1;

	memset(&info, 0, sizeof(info));
	if (!s->is_dir) {
		if (!(s->folded = strdup(s->input))) {
			pg_report_error("diff", "out of memory");
			goto done;
		}
	} else {
		if (!(s->folded = pg_kind_path(s->input, kind)) || asprintf(&json, "%s/profile.json", s->input) < 0) {
			json = NULL;
			pg_report_error("diff", "out of memory");
			goto done;
		}
		if (stat(s->folded, &st) != 0) {
			const char *why = kind == PG_KIND_MEM_PEAK || kind == PG_KIND_MEM_LEAKS ? "memory was not tracked in this run" :
					  kind == PG_KIND_WALL ? "the run was not in --mode wall" : "not a profile directory?";

			pg_report_error("diff", "'%s': %s (%s)", s->folded, strerror(errno), why);
			goto done;
		}
		/* The sampling rate, to show samples as time too. */
		if (stat(json, &st) == 0) {
			if (pg_profile_json_read(&info, json) < 0) {
				pg_report_error("diff", "%s", pg_error_last());
				goto done;
			}
			s->hz = info.hz;
		}
	}
	if (pg_profile_new(&s->prof) < 0 || pg_folded_read_file(s->prof, s->folded) < 0) {
		pg_report_error("diff", "%s", pg_error_last());
		goto done;
	}
	rc = 0;
done:
	pg_profile_info_release(&info);
	free(json);
	return rc;
}

/* ---- the table on stdout ------------------------------------------ */

/* Display columns of a code point: 2 for the wide East Asian ranges and
 * the emoji blocks, else 1. */
static int cp_columns(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
	       (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff) ||
	       (cp >= 0x20000 && cp <= 0x3fffd) ? 2 : 1;
}

/* The character at p as a terminal shows it (term.h's rule): *adv bytes
 * long, written as esc (esc_len bytes, 0 when it is shown as it is);
 * returns its columns. */
static int next_char(const unsigned char *p, size_t *adv, char esc[20], size_t *esc_len)
{
	uint32_t cp = 0;
	size_t cols;

	*esc_len = pg_term_char(esc, p, adv, &cols);
	if (cols != 1 || *esc_len != *adv || memcmp(esc, p, *adv))
		return (int)cols;
	*esc_len = 0;
	pg_utf8_decode(p, &cp);
	return cp_columns(cp);
}

/* Writes name into out (size >= 4 * max + 8) as a terminal can show it,
 * cut to max columns with ".." at the end; returns the columns used. */
static size_t terminal_name(char *out, const char *name, size_t max)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t cols = 0, len = 0, total = 0, adv, esc_len;
	char esc[20];

	for (const unsigned char *p = s; *p; p += adv)
		total += (size_t)next_char(p, &adv, esc, &esc_len);
	for (const unsigned char *p = s; *p; p += adv) {
		int w = next_char(p, &adv, esc, &esc_len);

		if (total > max && cols + (size_t)w > max - 2)
			break;
		if (esc_len) {
			memcpy(out + len, esc, esc_len);
			len += esc_len;
		} else {
			memcpy(out + len, p, adv);
			len += adv;
		}
		cols += (size_t)w;
	}
	if (total > max) {
		memcpy(out + len, "..", 2);
		len += 2;
		cols += 2;
	}
	out[len] = '\0';
	return cols;
}

static void format_weight(char *out, size_t size, double v, int bytes)
{
	pg_format_weight(out, size, v, bytes, 1);
}

/* "+600 (+50.0%)", "-1.00 KiB (-100%)", "+5 (new)", "0"; "new" only when
 * the function was not there at all (!was_there), else no percentage of
 * nothing. */
static void format_delta(char *out, size_t size, double before, double after, int was_there, int bytes)
{
	double d = after - before;
	char w[48];

	if (fabs(d) < 0.5) {
		snprintf(out, size, "0");
		return;
	}
	format_weight(w, sizeof(w), fabs(d), bytes);
	if (before == 0 && !was_there)
		snprintf(out, size, "%c%s (new)", d > 0 ? '+' : '-', w);
	else if (before == 0)
		snprintf(out, size, "%c%s", d > 0 ? '+' : '-', w);
	else if (after == 0)
		snprintf(out, size, "-%s (-100%%)", w);
	else
		snprintf(out, size, "%c%s (%+.1f%%)", d > 0 ? '+' : '-', w, 100.0 * d / before);
}

static void print_table(const struct pg_diff_function *fn, size_t count, const struct pg_profile *before,
			const struct pg_profile *after, int bytes, int normalize, const char *kind)
{
	size_t shown = count < TOP_FUNCTIONS ? count : TOP_FUNCTIONS;
	char name[NAME_COLUMNS_MAX * 4 + 8];
	char tb[48], ta[48], delta[96];
	size_t width = 8;
	uint64_t sum_b = pg_profile_total(before), sum_a = pg_profile_total(after);
	double scale = normalize && sum_b ? (double)sum_a / (double)sum_b : 1.0;

	format_weight(tb, sizeof(tb), (double)sum_b, bytes);
	format_weight(ta, sizeof(ta), (double)sum_a, bytes);
	format_delta(delta, sizeof(delta), (double)sum_b, (double)sum_a, 0, bytes);
	printf("%s %s: BEFORE %s, AFTER %s, change %s\n", kind, bytes ? "bytes" : "samples", tb, ta, delta);
	if (normalize)
		printf("BEFORE scaled by %.4g to AFTER's total\n", scale);
	if (!count) {
		printf("neither profile has any function\n");
		return;
	}
	pg_format_commas(tb, sizeof(tb), count);
	printf("top %zu of %s functions by change of self weight (%s):\n\n", shown, tb, bytes ? "bytes" : "samples");
	for (size_t i = 0; i < shown; i++) {
		size_t w = terminal_name(name, fn[i].name, NAME_COLUMNS_MAX);

		if (w > width)
			width = w;
	}
	printf("%-*s  %12s  %12s  %12s  %12s  %s\n", (int)width, "function", "self before", "self after",
	       "total before", "total after", "self change");
	for (size_t i = 0; i < shown; i++) {
		const struct pg_diff_function *f = &fn[i];
		char sb[48], sa[48];
		size_t w = terminal_name(name, f->name, NAME_COLUMNS_MAX);

		format_weight(sb, sizeof(sb), f->self_before, bytes);
		format_weight(sa, sizeof(sa), f->self_after, bytes);
		format_weight(tb, sizeof(tb), f->total_before, bytes);
		format_weight(ta, sizeof(ta), f->total_after, bytes);
		format_delta(delta, sizeof(delta), f->self_before, f->self_after, f->total_before > 0, bytes);
		printf("%s%*s  %12s  %12s  %12s  %12s  %s\n", name, (int)(width - w), "", sb, sa, tb, ta, delta);
	}
}

/* "a -> b", for the title. */
static char *default_title(const char *before, const char *after)
{
	char *t = NULL;

	if (asprintf(&t, "%s \xe2\x86\x92 %s", strcmp(before, "-") ? before : "stdin",
		     strcmp(after, "-") ? after : "stdin") < 0)
		return NULL;
	return t;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = { .kind = PG_KIND_NONE };
	struct side side[2];
	struct pg_diff_function *fn = NULL;
	size_t nfn = 0;
	char *title = NULL;
	const char *output;
	const struct pg_format *format;
	enum pg_kind kind;
	int bytes;
	int rc = PG_EXIT_ERROR;
	int pr;

	memset(side, 0, sizeof(side));
	if ((pr = parse_args(&a, argc, argv)) != 0)
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	output = a.output ? a.output : "diff.html";
	if (!(format = pg_format_for_path(output, PG_FORMAT_DIFF))) {
		char suffixes[64];

		pg_format_suffix_list(suffixes, sizeof suffixes, PG_FORMAT_DIFF);
		pg_report_error("diff", "-o '%s': unknown format; the name must end in %s", output, suffixes);
		return PG_EXIT_USAGE;
	}
	for (int k = 0; k < 2; k++) {
		side[k].input = a.input[k];
		side[k].is_dir = is_dir(a.input[k]);
	}
	/* One kind for both: --kind, else what AFTER (or BEFORE) holds. */
	kind = a.kind;
	for (int k = 1; k >= 0 && kind == PG_KIND_NONE; k--) {
		if (side[k].is_dir)
			kind = pg_kind_of_dir(side[k].input);
	}
	for (int k = 1; k >= 0 && kind == PG_KIND_NONE; k--) {
		if (!side[k].is_dir)
			kind = pg_kind_of_file(side[k].input);
	}
	if (kind == PG_KIND_NONE)
		kind = PG_KIND_CPU;
	bytes = kind == PG_KIND_MEM_PEAK || kind == PG_KIND_MEM_LEAKS;

	for (int k = 0; k < 2; k++) {
		if (load_side(&side[k], kind) < 0)
			goto done;
		/* Python functions compared by function, lines merged: an edit
		 * that moves code does not read as a change. */
		struct pg_profile *v = NULL;
		if (pg_profile_has_python(side[k].prof)) {
			if (pg_profile_function_view(&v, side[k].prof, NULL) < 0) {
				pg_report_error("diff", "%s", pg_error_last());
				goto done;
			}
			pg_profile_free(side[k].prof);
			side[k].prof = v;
		}
	}
	if (pg_diff_functions(&fn, &nfn, side[0].prof, side[1].prof, a.normalize) < 0) {
		pg_report_error("diff", "%s", pg_error_last());
		goto done;
	}

	{
		struct pg_diff_opts o = {
			.title = a.title,
			.unit = bytes ? "bytes" : "samples",
			.normalize = a.normalize,
			.colour = a.colour,
			.hz = bytes ? 0 : (double)(side[1].hz ? side[1].hz : side[0].hz),
		};
		if (!o.title) {
			if (!(title = default_title(a.input[0], a.input[1]))) {
				pg_report_error("diff", "out of memory");
				goto done;
			}
			o.title = title;
		}
		if (format->diff(side[0].prof, side[1].prof, &o, output) < 0) {
			pg_report_error("diff", "%s", pg_error_last());
			goto done;
		}
	}
	print_table(fn, nfn, side[0].prof, side[1].prof, bytes, a.normalize, pg_kind_names[kind]);
	if (!bytes && !a.normalize && side[0].hz && side[1].hz && side[0].hz != side[1].hz)
		printf("\nnote: BEFORE was sampled at %u Hz and AFTER at %u Hz, so their sample counts differ for the\n"
		       "same time; --normalize compares proportions instead\n", side[0].hz, side[1].hz);
	printf("\nwrote %s\n", output);
	rc = PG_EXIT_OK;
done:
	for (int k = 0; k < 2; k++) {
		pg_profile_free(side[k].prof);
		free(side[k].folded);
	}
	free(fn);
	free(title);
	return rc;
}
