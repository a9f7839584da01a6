/*
 * `profgate flamegraph [options] INPUT`: one profile drawn as a flame graph,
 * either the interactive HTML of the report (the default) or a static SVG in
 * flamegraph.pl's look, for READMEs and tickets. INPUT is a profile
 * directory written by `profgate run` (--kind picks the folded file, and
 * profile.json, if there, fills the header) or any folded file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "profile_kind.h"
#include "error.h"
#include "folded.h"
#include "profile.h"
#include "profile_json_read.h"
#include "formats.h"
#include "report_html.h"



struct fg_opts {
	const char *input;
	const char *output;
	const char *title;
	enum pg_kind kind;
	int inverted;
};

static int set_kind(void *opts, const char *value)
{
	struct fg_opts *o = opts;

	if (pg_kind_parse(&o->kind, value) < 0)
		return pg_error_set("'%s' is not cpu, wall, mem-peak or mem-leaks", value);
	return 0;
}

static const struct pg_opt_spec flamegraph_options[] = {
	{ .name = "output", .short_name = 'o', .arg = "FILE", PG_OPT_KEEP(struct fg_opts, output),
	  .help = ".html: interactive (default: flamegraph.html here);\n.svg: static, in flamegraph.pl's look" },
	{ .name = "kind", .arg = "KIND", PG_OPT_CALLS(set_kind),
	  .help = "cpu, wall, mem-peak or mem-leaks: the profile to draw from a directory "
		  "(default cpu, or wall if only wall exists); for a folded file, what its weights are" },
	{ .name = "title", .arg = "TEXT", PG_OPT_KEEP(struct fg_opts, title), .help = "the graph's title" },
	{ .name = "inverted", PG_OPT_SET_INT(struct fg_opts, inverted, 1), .help = "an icicle graph: the root on top" },
};

static const struct pg_opt_command flamegraph_command = {
	.name = "flamegraph",
	.usage = "[options] INPUT",
	.about = "Draws one profile as a flame graph. INPUT is a profile directory written by\n"
		 "'profgate run' or a folded file ('-' for standard input).\n",
	.specs = flamegraph_options,
	.nspecs = PG_OPT_COUNT(flamegraph_options),
	.after = "exit status: 0 written; 2 usage or input error.\n",
};

/* 0 ok, 1 help shown, -1 usage error (reported). */
static int parse_args(struct fg_opts *o, int argc, char **argv)
{
	char **in;
	int n, pr = pg_cmd_options(&in, &n, &flamegraph_command, o, argc, argv);

	if (pr != 0)
		return pr;
	if (n < 1) {
		pg_report_error("flamegraph", "no input given; usage: profgate flamegraph [options] INPUT");
		return -1;
	}
	if (n > 1) {
		pg_report_error("flamegraph", "one input only, got '%s' and '%s'", in[0], in[1]);
		return -1;
	}
	o->input = in[0];
	return 0;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct fg_opts o = { .kind = PG_KIND_NONE };
	struct pg_profile_info info;
	struct pg_profile *prof = NULL;
	char *folded = NULL;
	char *json = NULL;
	const char *output;
	struct stat st;
	const struct pg_format *format;
	int have_info = 0;
	enum pg_kind kind;
	int rc = PG_EXIT_ERROR;
	int pr;

	memset(&info, 0, sizeof(info));
	if ((pr = parse_args(&o, argc, argv)) != 0)
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	output = o.output ? o.output : "flamegraph.html";
	if (!(format = pg_format_for_path(output, PG_FORMAT_FLAMEGRAPH))) {
		char suffixes[64];

		pg_format_suffix_list(suffixes, sizeof suffixes, PG_FORMAT_FLAMEGRAPH);
		pg_report_error("flamegraph", "-o '%s': unknown format; the name must end in %s", output, suffixes);
		return PG_EXIT_USAGE;
	}

	/* Which folded file, and what its weights are. */
	if (strcmp(o.input, "-") != 0 && stat(o.input, &st) == 0 && S_ISDIR(st.st_mode)) {
		kind = o.kind != PG_KIND_NONE ? o.kind : pg_kind_of_dir(o.input);
		if (!(folded = pg_kind_path(o.input, kind))) {
			pg_report_error("flamegraph", "out of memory");
			goto done;
		}
		if (stat(folded, &st) != 0) {
			if (kind == PG_KIND_MEM_PEAK || kind == PG_KIND_MEM_LEAKS)
				pg_report_error("flamegraph", "'%s': %s (memory was not tracked in this run)",
						folded, strerror(errno));
			else if (kind == PG_KIND_WALL)
				pg_report_error("flamegraph", "'%s': %s (the run was not in --mode wall)",
						folded, strerror(errno));
			else
				pg_report_error("flamegraph", "'%s': %s (not a profile directory?)", folded,
						strerror(errno));
			goto done;
		}
		if (asprintf(&json, "%s/profile.json", o.input) < 0) {
			pg_report_error("flamegraph", "out of memory");
			goto done;
		}
		if (stat(json, &st) == 0) {
			if (pg_profile_json_read(&info, json) < 0) {
				pg_report_error("flamegraph", "%s", pg_error_last());
				goto done;
			}
			have_info = 1;
		}
	} else {
		/* A folded file's name may say what it holds; else samples. */
		kind = o.kind != PG_KIND_NONE ? o.kind : pg_kind_of_file(o.input);
		if (kind == PG_KIND_NONE)
			kind = PG_KIND_CPU;
		if (!(folded = strdup(o.input))) {
			pg_report_error("flamegraph", "out of memory");
			goto done;
		}
	}

	if (pg_profile_new(&prof) < 0 || pg_folded_read_file(prof, folded) < 0) {
		pg_report_error("flamegraph", "%s", pg_error_last());
		goto done;
	}

	{
		struct pg_report r = {
			.title = o.title,
			.wall_seconds = -1, .cpu_seconds = -1,
			.mode = kind == PG_KIND_WALL ? "wall" : "cpu",
			.peak_heap_bytes = -1,
			.inverted = o.inverted,
			.flamegraph_only = 1,
		};

		if (have_info) {
			r.command = info.command;
			r.argc = info.argc;
			r.wall_seconds = info.wall_seconds;
			r.cpu_seconds = info.cpu_seconds;
			r.hz = info.hz;
			r.peak_heap_bytes = info.peak_heap_bytes;
			r.peak_rss_bytes = info.peak_rss_bytes;
			r.threads = info.threads;
			r.nthreads = info.nthreads;
		} else if (!o.title) {
			r.title = folded;
		}
		switch (kind) {
		case PG_KIND_WALL: r.wall = prof; break;
		case PG_KIND_MEM_PEAK: r.mem_peak = prof; break;
		case PG_KIND_MEM_LEAKS: r.mem_leaks = prof; break;
		default: r.cpu = prof; break;
		}
		const char *unit = kind == PG_KIND_MEM_PEAK || kind == PG_KIND_MEM_LEAKS ? "bytes" : "samples";

		if (format->flamegraph(&r, prof, unit, o.title, output) < 0) {
			pg_report_error("flamegraph", "%s", pg_error_last());
			goto done;
		}
	}
	rc = PG_EXIT_OK;
done:
	pg_profile_info_release(&info);
	pg_profile_free(prof);
	free(folded);
	free(json);
	return rc;
}
