/*
 * The raw record stream that libprofgate_collector.so writes while the
 * profiled program runs, one file per process image (a fork or an exec starts
 * a new file), and that the harness reads back after the run. Records are
 * appended as they are produced so that a crash, _exit or SIGKILL leaves
 * everything up to the last drain (every 20 ms) readable.
 *
 * Layout: the 8-byte magic, then records, each a pg_rec_hdr followed by its
 * payload; `size` counts header and payload and is a multiple of 8. Readers
 * stop at the first truncated record (a killed writer) and keep the rest.
 * Native byte order: the file never leaves the machine that wrote it.
 *
 * Header-only on purpose: the collector links no profgate library.
 */
#ifndef PG_RECORD_H
#define PG_RECORD_H

#include <stdint.h>

#define PG_REC_MAGIC "PGREC\0\0\1"
#define PG_REC_MAGIC_LEN 8
#define PG_REC_MAX_FRAMES 128

enum pg_rec_type {
	PG_REC_PROCESS = 1,  /* one per file, first */
	PG_REC_MODULES = 2,  /* a snapshot of loaded modules, tagged with a generation */
	PG_REC_MODULE = 3,   /* one module of the snapshot that precedes it */
	PG_REC_THREAD = 4,   /* a thread seen (tid, name) */
	PG_REC_SAMPLE = 5,
	PG_REC_END = 6,      /* clean end of the process image: counters */
	PG_REC_MEM_BEGIN = 7,  /* a snapshot of the allocation tracker starts: totals */
	PG_REC_MEM_STACK = 8,  /* one allocating stack of that snapshot */
	PG_REC_MEM_END = 9,    /* the snapshot is complete (a reader ignores one without it) */
	PG_REC_HEAP = 10,      /* heap size and RSS at one moment */
	PG_REC_PYCODE = 11,    /* names of one Python code object that frames refer to by id */
	PG_REC_PYINFO = 12,    /* the Python runtime found, and whether its frames are read */
};

/*
 * A frame, in samples and allocating stacks, is one 64-bit word: a tagged
 * union. Native: a code address (user space, below 2^47; the top two bits
 * are 00). Python: 10 in the top bits, the id of a PG_REC_PYCODE record of
 * the same file in bits 32-61 and the line executing in bits 0-31 (0: not
 * known). Marker: 11 in the top bits and a pg_frame_marker in the rest.
 */
#define PG_FRAME_TAG_SHIFT 62
#define PG_FRAME_TAG_NATIVE 0ull
#define PG_FRAME_TAG_PYTHON 2ull
#define PG_FRAME_TAG_MARKER 3ull
#define PG_FRAME_PY_ID_MAX 0x3fffffffu

enum pg_frame_marker {
	PG_FRAME_KERNEL = 1,   /* time spent in the kernel on behalf of the stack under it */
};

static inline unsigned pg_frame_tag(uint64_t f)
{
	return (unsigned)(f >> PG_FRAME_TAG_SHIFT);
}

static inline uint64_t pg_frame_python(uint32_t code_id, uint32_t line)
{
	return (PG_FRAME_TAG_PYTHON << PG_FRAME_TAG_SHIFT) |
	       ((uint64_t)(code_id & PG_FRAME_PY_ID_MAX) << 32) | line;
}

static inline uint32_t pg_frame_py_code(uint64_t f)
{
	return (uint32_t)(f >> 32) & PG_FRAME_PY_ID_MAX;
}

static inline uint32_t pg_frame_py_line(uint64_t f)
{
	return (uint32_t)f;
}

static inline uint64_t pg_frame_marker(enum pg_frame_marker m)
{
	return (PG_FRAME_TAG_MARKER << PG_FRAME_TAG_SHIFT) | (uint64_t)m;
}

struct pg_rec_hdr {
	uint32_t type;
	uint32_t size;
};

enum pg_source {
	PG_SOURCE_NONE = 0,
	PG_SOURCE_PERF = 1,    /* perf_event_open software task-clock, per thread, signalled by sigtrap */
	PG_SOURCE_CTIMER = 2,  /* timer_create on CLOCK_THREAD_CPUTIME_ID, per thread */
	PG_SOURCE_WALL = 3,    /* sampler thread signalling threads on the wall clock */
	PG_SOURCE_PERF_SIGIO = 4,  /* perf task-clock delivered through SIGIO (kernels without sigtrap) */
};

/* Followed by argc NUL-terminated arguments, then the executable path. */
struct pg_rec_process {
	int32_t pid, ppid;
	uint64_t start_ns;      /* CLOCK_MONOTONIC */
	uint32_t hz;
	uint32_t source;        /* enum pg_source of the main thread */
	uint32_t mode;          /* 0 cpu, 1 wall, 2 none (memory only) */
	uint32_t argc;
	uint32_t strings_len;   /* bytes of strings that follow */
	uint32_t pad;
};

struct pg_rec_modules {
	uint32_t generation;
	uint32_t count;
	uint64_t time_ns;
};

/* Followed by path (path_len bytes, NUL included) then build id bytes. */
struct pg_rec_module {
	uint32_t generation;
	uint32_t nseg;
	uint64_t bias;            /* load bias: runtime address - ELF vaddr */
	uint64_t seg_start[8];    /* runtime start of each PT_LOAD */
	uint64_t seg_end[8];
	uint32_t path_len;
	uint32_t build_id_len;
};

#define PG_THREAD_RESCANNED 1u  /* found by rescanning /proc, not created through pthread_create */
#define PG_THREAD_RENAMED 2u    /* a later name of a thread already recorded */

struct pg_rec_thread {
	int32_t tid;
	uint32_t flags;           /* PG_THREAD_* */
	uint64_t time_ns;
	char name[16];
};

#define PG_SAMPLE_WAITING 1u  /* wall mode: the thread was not running; frames are its last stack */

/* Followed by nframes uint64_t addresses, leaf first. frames[0] is the
 * interrupted instruction; every later one is a return address. */
struct pg_rec_sample {
	int32_t tid;
	uint32_t flags;
	uint64_t time_ns;
	uint32_t generation;      /* module snapshot in force when the sample was taken */
	uint32_t weight;          /* 1 + timer overruns */
	uint32_t nframes;
	uint32_t pad;
};

struct pg_rec_end {
	uint64_t time_ns;
	uint64_t samples;         /* stacks captured */
	uint64_t lost;            /* ticks that could not be sampled safely or had no room */
	uint64_t overruns;        /* ticks merged by the kernel (timer source) */
	uint64_t threads;         /* threads sampled */
	int32_t exit_code;        /* -1 if not known (returned from main) */
	uint32_t source;
	uint64_t peak_rss_bytes;  /* VmHWM of this image: wait4's ru_maxrss also counts
	                           * the forked copy of profgate before the exec */
	uint64_t truncated_stacks; /* samples whose stack was cut at PG_REC_MAX_FRAMES frames */
	uint64_t write_errors;    /* writes of this file that failed (their records are left out whole) */
	uint32_t write_errno;     /* errno of the first of them */
	uint32_t pad;
};

/* Totals of the allocation tracker at the moment of the snapshot. Byte
 * counts are estimates (sums of weights) when sample_bytes > 0. */
struct pg_rec_mem_begin {
	uint64_t seq;             /* increases with each snapshot of the process */
	uint64_t time_ns;
	uint64_t peak_bytes;      /* heap high-water mark */
	uint64_t peak_time_ns;    /* when it was reached */
	uint64_t cur_bytes;       /* live now */
	uint64_t alloc_count;
	uint64_t alloc_bytes;
	uint64_t sample_bytes;    /* 0: exact; else mean bytes between samples */
	uint64_t stacks;          /* PG_REC_MEM_STACK records that follow */
	uint64_t untracked_frees; /* frees of memory never seen (before start, other allocators) */
	uint64_t dropped_stacks;  /* allocations at new stacks past the tracker's limit, counted
	                           * under one stack without frames (older collectors: absent) */
};

/* Followed by nframes uint64_t addresses, leaf first (all return addresses
 * except frames[0], the allocator's caller's return point, which is too). */
#define PG_MEM_TID_SEVERAL (-1)  /* pg_rec_mem_stack.tid of a stack used by several threads */

struct pg_rec_mem_stack {
	uint64_t seq;
	int64_t peak_bytes;       /* live at the high-water mark */
	int64_t live_bytes;       /* live at the snapshot (at exit: leaked) */
	uint64_t alloc_count;
	uint64_t alloc_bytes;
	int32_t tid;
	uint32_t generation;
	uint32_t nframes;
	uint32_t pad;
};

struct pg_rec_mem_end {
	uint64_t seq;
};

struct pg_rec_heap {
	uint64_t time_ns;
	uint64_t heap_bytes;
	uint64_t rss_bytes;
	uint32_t is_peak;         /* 1: the moment of the high-water mark */
	uint32_t pad;
};

/* Followed by the qualified name and the file name, each NUL-terminated
 * (UTF-8), padded to 8 bytes. Ids are unique within one record file; two
 * ids may name the same code. */
struct pg_rec_pycode {
	uint32_t id;
	int32_t first_line;
	uint32_t qualname_len;    /* bytes, NUL included */
	uint32_t filename_len;
};

enum pg_py_status {
	PG_PY_NONE = 0,           /* no Python runtime in this process */
	PG_PY_ON = 1,             /* Python frames are read */
	PG_PY_OFF = 2,            /* a Python runtime whose frames cannot be read: see the reason */
};

/* Followed by reason_len bytes (NUL included), padded to 8. Written at
 * start and again at the end with the counters; the reader keeps the last. */
struct pg_rec_pyinfo {
	uint32_t status;          /* enum pg_py_status */
	uint32_t version_hex;     /* PY_VERSION_HEX, 0 if not known */
	char version[16];         /* "3.11.2" */
	uint64_t walks;           /* stacks whose Python frames were read */
	uint64_t frames;          /* Python frames emitted */
	uint64_t faults;          /* walks cut short by a fault (a frame being built) */
	uint64_t invalid;         /* walks stopped by validation (bad type, owner, cycle, depth) */
	uint64_t mismatched;      /* native evaluator frames and Python runs that did not pair up */
	uint64_t codes;           /* PG_REC_PYCODE records */
	uint32_t mem_hooked;      /* the object allocators are wrapped (pymalloc seen) */
	uint32_t reason_len;
};

#endif
