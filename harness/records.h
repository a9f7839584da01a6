/*
 * Reading the raw record files the collector wrote (collectors/record.h)
 * back into memory: one pg_proc per process image, with its module
 * snapshots, threads and samples. A file cut short by a killed process is
 * read up to its last complete record.
 */
#ifndef PG_RECORDS_H
#define PG_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "../collectors/record.h"

struct pg_module {
	char *path;
	uint64_t bias;
	uint32_t nseg;
	uint64_t seg_start[8], seg_end[8];
	unsigned char build_id[64];
	uint32_t build_id_len;
};

struct pg_modmap {
	uint32_t generation;
	size_t count;
	struct pg_module *mods;
};

struct pg_sample {
	int32_t tid;
	uint32_t flags;
	uint64_t time_ns;
	uint32_t generation;
	uint32_t weight;
	uint32_t nframes;
	const uint64_t *frames;  /* leaf first; borrowed from the proc's buffer */
};

struct pg_thread_info {
	int32_t tid;
	uint32_t rescanned;
	char name[16];
};

struct pg_mem_stack {
	int64_t peak_bytes, live_bytes;
	uint64_t alloc_count, alloc_bytes;
	int32_t tid;
	uint32_t generation;
	uint32_t nframes;
	const uint64_t *frames;  /* leaf first, all return addresses; borrowed */
};

/* The names of one Python code object (PG_REC_PYCODE); borrowed from the
 * proc's buffer. A frame whose id has no record is shown as [python]. */
struct pg_pycode {
	const char *qualname, *filename;  /* NULL: no record for this id */
	int32_t first_line;
};

struct pg_proc {
	char *file;
	int32_t pid, ppid;
	uint64_t start_ns;
	uint32_t hz, source, mode;
	int argc;
	char **argv;
	char *exe;
	struct pg_modmap *maps;
	size_t nmaps;
	struct pg_sample *samples;
	size_t nsamples;
	struct pg_thread_info *threads;
	size_t nthreads;
	int has_end;
	struct pg_rec_end end;   /* the last end record when has_end */
	int truncated;           /* the file ended inside a record */
	int has_mem;             /* a complete allocation-tracker snapshot was read */
	struct pg_rec_mem_begin mem;          /* totals of the last complete snapshot */
	struct pg_mem_stack *mem_stacks;      /* its stacks: [mem_first, mem_first + mem_count) */
	size_t nmem_stacks, mem_first, mem_count;
	struct pg_rec_heap *heap;             /* heap size over time */
	size_t nheap;
	struct pg_pycode *pycodes;            /* indexed by code id */
	size_t npycodes;
	int has_pyinfo;
	struct pg_rec_pyinfo pyinfo;          /* the last one read */
	const char *py_reason;                /* its reason ("" when on); borrowed */
	char *data;              /* the whole file; samples point into it */
	size_t data_len;
};

/* Reads one record file. A file that is not a record file, or whose process
 * record is missing, is PG_EINVALID naming the file. */
int pg_records_read(struct pg_proc *out, const char *path);
void pg_proc_release(struct pg_proc *p);

/* The module of p that contains addr in the snapshot of generation gen (or,
 * failing that, in any snapshot); NULL if none. Borrowed. */
const struct pg_module *pg_proc_module_at(const struct pg_proc *p, uint32_t gen, uint64_t addr);

/* The names of Python code `id` in p, or NULL if p has no record of it. */
const struct pg_pycode *pg_proc_pycode(const struct pg_proc *p, uint32_t id);

#endif
