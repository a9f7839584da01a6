/*
 * The HTML report (docs/report.md): one self-contained file that
 * shows a run's profiles as interactive flame graphs (CPU or wall clock,
 * peak memory, leaks), a per-thread timeline and heap/RSS over time. The
 * file holds the data as JSON in a <script type="application/json"> block
 * and the renderer (reporters/assets/report.js and report.css, embedded at
 * build time); it makes no network request and opens from disk.
 *
 * Also the static SVG flame graph of `profgate flamegraph -o x.svg`.
 */
#ifndef PG_REPORT_HTML_H
#define PG_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

struct pg_report_thread {
	int pid, tid;
	const char *name;   /* may be NULL */
};

struct pg_report_sample {
	uint64_t t_ns;      /* since start_ns; the same clock as the heap points */
	uint32_t thread;    /* index into threads */
	uint32_t stack;     /* index into the timeline profile's stacks: pg_profile_stack(wall ? wall : cpu, i) */
	uint8_t waiting;    /* the thread was not running (wall mode) */
	uint32_t ticks;     /* periods the sample covers from t_ns (a gathered wait); 0 or 1: one */
};

struct pg_report_heap_point {
	uint64_t t_ns;
	uint64_t heap_bytes;
	uint64_t rss_bytes;
};

/* Everything is borrowed for the duration of the call; NULL/0 means absent. */
struct pg_report {
	const char *title;                 /* e.g. the command line; NULL: the command joined */
	char *const *command;
	int argc;
	double wall_seconds, cpu_seconds;  /* < 0: unknown */
	unsigned hz;                       /* 0: unknown (seconds are then not shown) */
	const char *mode;                  /* "cpu" | "wall" */

	const struct pg_profile *cpu;      /* NULL if not sampled (the tab says: run without --no-cpu) */
	const struct pg_profile *wall;     /* NULL unless --mode wall */
	const struct pg_profile *mem_peak, *mem_leaks;  /* NULL: the tabs say memory was not tracked */

	const struct pg_report_thread *threads;
	size_t nthreads;
	const struct pg_report_sample *samples;  /* time order */
	size_t nsamples;
	const struct pg_report_heap_point *heap;
	size_t nheap;
	uint64_t peak_t_ns;                /* time of the heap peak; meaningful when nheap > 0 */
	int64_t peak_heap_bytes;           /* -1 unknown */

	/* Optional, zero-initialise to ignore. */
	uint64_t start_ns;       /* time 0 of the timeline on the samples' clock (0: their times are relative) */
	int64_t peak_rss_bytes;  /* shown in the header when > 0 */
	int inverted;            /* open the flame graphs as icicles (root on top) */
	int flamegraph_only;     /* `profgate flamegraph`: only the tabs of the profiles given */
	const char *cpu_note;    /* why cpu is NULL, replacing the default text */
	const char *mem_note;    /* why the memory data is absent, replacing the default text */
	int lost_known;          /* lost_samples is known: shown in the header */
	uint64_t lost_samples;   /* timer expiries that gave no stack */
	uint64_t truncated_stacks;  /* samples cut at the depth cap: shown in the header when > 0 */
	unsigned max_frames;        /* that cap */
	const char *run_note;    /* how the profiles were measured (one run or two), for the header */
	/* Full (demangled, with parameters) names of frames shown shorter:
	 * full_values[i] for the display name full_keys[i]; shown on hover. */
	const char *const *full_keys;
	const char *const *full_values;
	size_t nfull;
};

/* Renders the report to out (which stays open; its errors are reported). */
int pg_report_html_render(const struct pg_report *r, FILE *out);
/* Writes the report to path atomically (temporary file, then rename). */
int pg_report_html_write(const struct pg_report *r, const char *path);
/* Only the data the HTML embeds, as plain JSON: what the unit tests compare. */
int pg_report_json_render(const struct pg_report *r, FILE *out);

/* A static SVG flame graph in the familiar flamegraph.pl look, with its
 * inline script (click to zoom, search, reset). unit: "samples" or "bytes";
 * title NULL: "Flame Graph" (or "Icicle Graph" when inverted). */
int pg_flamegraph_svg_render(const struct pg_profile *p, const char *title, int inverted,
			     const char *unit, FILE *out);
int pg_flamegraph_svg_write(const struct pg_profile *p, const char *title, int inverted,
			    const char *unit, const char *path);

#endif
