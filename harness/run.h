/*
 * Profiling one command: what `profgate run` does, as a function that the
 * benchmark runner of `record` and `check` calls too. It launches the
 * command with the collector preloaded, reads every process image's
 * records, symbolizes them and returns the merged profiles and metrics in
 * memory; pg_run_write_dir() then writes the profile directory.
 */
#ifndef PG_RUN_H
#define PG_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "launch.h"
#include "profile.h"

/* profgate run's exit statuses besides the command's own. */
#define PG_EXIT_TIMEOUT 124
#define PG_EXIT_PROFGATE_FAILED 125
#define PG_EXIT_CANNOT_EXEC 126
#define PG_EXIT_NOT_FOUND 127

struct pg_run_request {
	char *const *argv;          /* argv[0] is looked up through PATH */
	int argc;
	const char *cwd;            /* NULL: profgate's own */
	char *const *env_add;       /* "KEY=VALUE" set for the command */
	size_t nenv_add;
	unsigned hz;                /* 999 by default */
	int wall;                   /* --mode wall */
	int cpu;                    /* sample at all (not --no-cpu) */
	int mem;                    /* track allocations (not --no-mem) */
	uint64_t mem_sample;        /* 0: every allocation */
	double timeout;             /* seconds; 0: none */
	int follow;                 /* profile forked and exec'd children */
	const char *work_dir;       /* raw records go to a private folder under it (created) */
	int stderr_tail;            /* > 0: capture the command's stderr (not shown) and keep this many bytes of its end */
	int discard_stdout;         /* the command's stdout goes to /dev/null (benchmark runs) */
};

struct pg_run_thread {
	int pid, tid;
	char name[16];
	uint64_t samples;
	uint64_t weight;            /* samples with their weights: ticks (overruns, [waiting] runs) */
};

struct pg_run_sample {          /* one sample in time order, for the timeline */
	uint64_t t_ns;              /* since the first process started */
	uint32_t thread;            /* index into threads */
	uint32_t stack;             /* index into wall (if any) else cpu profile stacks */
	uint8_t waiting;
	uint32_t ticks;             /* periods it covers from t_ns: a wait's weight, else 1 */
};

struct pg_run_process {
	int pid, ppid;
	char **argv;
	int argc;
	int exit_known, exit_code, exit_signal;
	uint64_t samples;
	size_t threads;
};

struct pg_run_heap_point {
	uint64_t t_ns;              /* since the first process started */
	uint64_t heap_bytes, rss_bytes;
};

struct pg_run_result {
	int status;                 /* what `profgate run` exits with */
	struct pg_launch_result launch;
	double wall_seconds, cpu_seconds;
	double sys_cpu_seconds;     /* the part of cpu_seconds spent in the kernel */
	struct pg_profile *cpu;     /* owned; on-CPU samples (wall mode: the running ones) */
	struct pg_profile *wall;    /* owned; NULL unless wall mode */
	uint64_t samples, cpu_samples, lost, overruns;
	uint64_t truncated_stacks;   /* samples whose stack was cut at the collector's depth cap */
	int source;                 /* enum pg_source of the first process */
	int64_t peak_rss_bytes;
	struct pg_run_process *procs;
	size_t nprocs;
	struct pg_run_thread *threads;
	size_t nthreads;
	struct pg_run_sample *timeline;
	size_t ntimeline;
	pg_frame_id *roots;         /* root frames (program names) in cpu, one per process */
	size_t nroots;
	uint64_t sym_frames, sym_unresolved;
	uint64_t tracker_samples;   /* CPU samples whose leaf is in the collector or libunwind: with the tracker on, its cost */
	const char *run_note;       /* how it was measured (one run or two), for the report; static text */
	const char *mem_note;       /* why memory is missing, when not for --no-mem; static text */
	double postprocess_seconds;
	/* Processes whose records could not be read (killed before their first
	 * write, a file cut short on a full disk): why, one line each. Their
	 * profiles are missing from the merged ones. */
	char **lost_profiles;
	size_t nlost_profiles;
	char *stderr_tail;          /* when asked for; NUL-terminated */
	/* allocation tracker (mem runs); profiles NULL and numbers -1 without it */
	int mem_tracked;
	uint64_t mem_sample;        /* 0: exact */
	struct pg_profile *mem_peak;   /* owned; bytes live at the high-water mark, by stack */
	struct pg_profile *mem_leaks;  /* owned; bytes live at exit, by stack */
	int64_t peak_heap_bytes, alloc_count, alloc_bytes, leaked_bytes;
	uint64_t peak_t_ns;         /* moment of the heap peak, since the first process started */
	struct pg_run_heap_point *heap;  /* of the process with the highest peak */
	size_t nheap;
	uint64_t best_peak;         /* that process's peak */
	/* Functions whose display name is shorter than their demangled one:
	 * display names interned in full_keys, full_names[id] the full name
	 * (NULL where none). Owned. */
	struct pg_profile *full_keys;
	char **full_names;
	size_t nfull;
	/* Python (the first process image that has a Python runtime) */
	char *py_cwd;               /* where Python file names are shown relative to */
	int py_status;              /* enum pg_py_status */
	char py_version[16];
	char *py_reason;            /* why Python frames are off; NULL when on */
	uint64_t py_walks, py_frames, py_faults, py_invalid, py_mismatched;
	int py_mem_hooked;
};

/* Functions that only pass an allocation on (operator new, strdup, the
 * Python allocators...): peak sites name the first frame that is not one. */
int pg_run_is_allocator_frame(const char *name);

/* Moves the memory measurements (profiles, numbers, heap over time) of
 * from into into, which keeps its own CPU profile and peak RSS: the second
 * run of `profgate run`'s two. */
void pg_run_result_take_memory(struct pg_run_result *into, struct pg_run_result *from);
/* Appends from's lost process profiles (lost_profiles) to into's. */
int pg_run_result_take_lost(struct pg_run_result *into, struct pg_run_result *from);

/* Runs the command. Returns 0 when it ran (whatever its exit status, which
 * is in out->status) and the profiles were read; a negative error when it
 * could not be started or profiled, with out->status set to 125, 126 or 127
 * and the reason in pg_error_last(). Release *out in both cases. */
int pg_run_profile(struct pg_run_result *out, const struct pg_run_request *req);
void pg_run_result_release(struct pg_run_result *r);

/* The demangled name (return type, parameters) of the function shown as
 * display, or NULL when it has none longer. Borrowed from r. */
const char *pg_run_full_name(const struct pg_run_result *r, const char *display);

/* Writes the files of a profile directory into dir (created): those
 * pg_run_file() lists that the run has (wall.folded in wall mode, the
 * memory files when memory was tracked). */
int pg_run_write_dir(const struct pg_run_result *r, const struct pg_run_request *req, const char *dir);

struct pg_run_file {
	const char *name;           /* "cpu.folded" */
	const char *what;           /* for --help */
};
/* The i-th file a profile directory can hold, in the order written; NULL
 * past the last. */
const struct pg_run_file *pg_run_file(size_t i);

/* "perf-task-clock", ...; NULL for none. */
const char *pg_run_source_name(int source);

/* The collector library to preload (rules in run.c): the full one when
 * track_mem, else the CPU-only one from the same folder if it is there. */
int pg_run_find_collector(char **out, int track_mem);

#endif
