/*
 * `profgate flamegraph [options] INPUT`: one profile drawn as a flame graph,
 * either the interactive HTML of the report (the default) or a static SVG in
 * flamegraph.pl's look, for READMEs and tickets. INPUT is a profile
 * directory written by `profgate run` (--kind picks the folded file, and
 * profile.json, if there, fills the header) or any folded file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
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

static void flamegraph_usage(FILE *f)
{
	fprintf(f,
		"usage: profgate flamegraph [options] INPUT\n\n"
		"Draws one profile as a flame graph. INPUT is a profile directory written by\n"
		"'profgate run' or a folded file ('-' for standard input).\n\n"
		"options:\n"
		"  -o, --output FILE     .html: interactive (default: flamegraph.html here);\n"
		"                        .svg: static, in flamegraph.pl's look\n"
		"      --kind KIND       cpu, wall, mem-peak or mem-leaks: the profile to draw\n"
		"                        from a directory (default cpu, or wall if only wall\n"
		"                        exists); for a folded file, what its weights are\n"
		"      --title TEXT      the graph's title\n"
		"      --inverted        an icicle graph: the root on top\n"
		"  -h, --help            this help\n\n"
		"exit status: 0 written; 2 usage or input error.\n");
}

/* 0 ok, 1 help shown, -1 usage error (reported). */
static int parse_args(struct fg_opts *o, int argc, char **argv)
{
	enum { O_KIND = 256, O_TITLE, O_INVERTED };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, O_KIND },
		{ "title", required_argument, NULL, O_TITLE },
		{ "inverted", no_argument, NULL, O_INVERTED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case O_KIND:
			if (pg_kind_parse(&o->kind, optarg) < 0) {
				pg_report_error("flamegraph", "--kind: '%s' is not cpu, wall, mem-peak or mem-leaks",
						optarg);
				return -1;
			}
			break;
		case O_TITLE:
			o->title = optarg;
			break;
		case O_INVERTED:
			o->inverted = 1;
			break;
		case 'h':
			flamegraph_usage(stdout);
			return 1;
		default:
			pg_report_bad_option("flamegraph", argv);
			return -1;
		}
	}
	if (optind >= argc) {
		pg_report_error("flamegraph", "no input given; usage: profgate flamegraph [options] INPUT");
		return -1;
	}
	if (optind + 1 < argc) {
		pg_report_error("flamegraph", "one input only, got '%s' and '%s'", argv[optind], argv[optind + 1]);
		return -1;
	}
	o->input = argv[optind];
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
