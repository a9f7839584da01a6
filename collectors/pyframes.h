/*
 * The Python frame source (pyframes.c): the step that the sampler and the
 * allocation tracker both call to turn a native stack into one where each
 * CPython evaluator frame is replaced by the Python frames it was running.
 */
#ifndef PG_PYFRAMES_H
#define PG_PYFRAMES_H

#include <signal.h>
#include <stdint.h>

#include "collector.h"

/* Finds a CPython runtime in this process and decides whether its frames
 * can be read (constructor time, after the intercepts are resolved). */
PG_HIDDEN void pg_pyframes_init(void);
PG_HIDDEN int pg_pyframes_active(void);

/* frames[0..n), leaf first (frames[0] exact unless first_is_return, the
 * others return addresses), rewritten in place with Python frames merged;
 * returns the new count (at most cap). Async-signal-safe: no allocation, no
 * lock. Native frames only when anything is off. */
PG_HIDDEN uint32_t pg_pyframes_merge(uint64_t *frames, uint32_t n, uint32_t cap, int first_is_return);

/* Wall mode, on the collector thread: thread tid is waiting; its last
 * stack frames[0..n) gets that thread's Python frames as they are now on
 * top of the native frames below them. Returns the new count. */
PG_HIDDEN uint32_t pg_pyframes_waiting(uint64_t *frames, uint32_t n, uint32_t cap, pid_t tid);

/* Record writing, with the write lock held: new code names, and the status. */
PG_HIDDEN void pg_pyframes_drain(void);
PG_HIDDEN void pg_pyframes_write_info(void);
PG_HIDDEN void pg_pyframes_after_fork_child(void);

/* The program's own SIGSEGV/SIGBUS wish while our fault guard is installed
 * (NULL when it is not, or for another signal). */
PG_HIDDEN struct sigaction *pg_pyframes_fault_slot(int sig);

/* For the allocator hooks (pymem.c). */
PG_HIDDEN int pg_pyframes_runtime_ready(void);
PG_HIDDEN void pg_pyframes_set_mem_hooked(void);
PG_HIDDEN const char *pg_pyframes_reason(void);

#endif
