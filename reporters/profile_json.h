/*
 * profile.json (schema profgate.profile/1): the summary of one `profgate run`.
 */
#ifndef PG_PROFILE_JSON_H
#define PG_PROFILE_JSON_H

#include <stddef.h>
#include <stdint.h>

struct pg_json_exit {
	int known;        /* 0: the process ended without telling (exec'd over, killed unseen) */
	int code;         /* valid when known and !signal */
	int signal;       /* 0 if it exited normally */
};

struct pg_json_process {
	int pid, ppid;
	char *const *argv;
	int argc;
	struct pg_json_exit exit;
	uint64_t samples;
	size_t threads;
};

struct pg_json_thread {
	int pid, tid;
	const char *name;
	uint64_t samples;
	uint64_t weight;
};

struct pg_json_hot {
	const char *name;        /* the display name, as in the folded files */
	const char *full_name;   /* with return type and parameters; NULL: the same */
	double self, total;
};

struct pg_json_site {
	const char *name;
	uint64_t bytes;
};

struct pg_run_summary {
	char *const *command;
	int argc;
	struct pg_json_exit exit;
	int timed_out;
	double wall_seconds, cpu_seconds;
	const char *mode;            /* "cpu" | "wall" */
	int cpu_enabled;
	unsigned hz;
	uint64_t samples, lost_samples, overruns;
	uint64_t truncated_stacks;   /* samples whose stack was cut at the depth cap */
	const char *source;          /* "perf-task-clock", "timer-thread-cputime", "wall-clock" */
	double rate_achieved;        /* stacks per CPU-second per thread, for the source used */
	int64_t peak_rss_bytes;      /* -1 unknown */
	int mem_tracked;             /* 0: the next four are written as null */
	int64_t peak_heap_bytes, leaked_bytes, alloc_count, alloc_bytes;
	uint64_t mem_sample;         /* 0: exact */
	double peak_seconds;         /* when the heap peaked, from the start */
	const struct pg_json_site *peak_sites;
	size_t npeak_sites;
	const struct pg_json_hot *hot;
	size_t nhot;
	const struct pg_json_process *procs;
	size_t nprocs;
	const struct pg_json_thread *threads;
	size_t nthreads;
	uint64_t sym_frames, sym_unresolved;
	const char *profgate_version;
	double postprocess_seconds;   /* reading, symbolizing, folding after the command ended */
	const char *const *lost_profiles;  /* processes whose records could not be read, and why */
	size_t nlost_profiles;
	const char *run_note;         /* how CPU and memory were measured (one run or two); NULL: not said */
	uint64_t tracker_samples;     /* CPU samples whose leaf is in profgate's collector (the tracker, its unwinder) */
	/* Python: written when the command ran a Python runtime (py_status != 0) */
	int py_status;                /* enum pg_py_status: 1 frames read, 2 off */
	const char *py_version;
	const char *py_reason;        /* why off; NULL when on */
	uint64_t py_walks, py_frames, py_faults, py_invalid, py_mismatched;
	int py_mem_hooked;
};

/* Writes the summary to path atomically. */
int pg_profile_json_write(const struct pg_run_summary *s, const char *path);

#endif
