/*
 * Internals shared by the files of libprofgate_collector.so. Everything here
 * has hidden visibility; the only exported symbols are the wrappers of libc
 * functions in intercept.c. The collector runs inside someone else's
 * process: it links libc, libdl, pthread and libunwind only, never allocates
 * in a signal handler, and never takes a lock there.
 */
#ifndef PG_COLLECTOR_H
#define PG_COLLECTOR_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "record.h"

#define PG_HIDDEN __attribute__((visibility("hidden")))
#define PG_EXPORT __attribute__((visibility("default")))  /* the libc wrappers only */
#define PG_MAX_THREADS 4096
#define PG_RING_SIZE (256u * 1024u)  /* power of two so that '&' can replace '%' */
#define PG_SAMPLE_SIGNAL SIGPROF     /* perf through SIGIO, CPU-time timers, wall mode */
#define PG_TRAP_SIGNAL SIGTRAP       /* perf events with attr.sigtrap (the cheapest delivery) */
#define PG_TRAP_PERF 6               /* si_code of a SIGTRAP sent by a perf event (TRAP_PERF) */
#define PG_TRAP_DATA 0x70676174ull   /* attr.sig_data of our events */

enum { PG_MODE_CPU = 0, PG_MODE_WALL = 1, PG_MODE_NONE = 2 };

enum slot_state { SLOT_FREE = 0, SLOT_ACTIVE = 1, SLOT_EXITED = 2 };

/* One sampled thread. The signal handler of that thread is the only producer
 * of its ring; the collector thread (or whoever holds the write lock) is the
 * only consumer. */
struct pg_slot {
	_Atomic int tid;
	_Atomic int state;
	_Atomic uint64_t head;      /* bytes produced */
	_Atomic uint64_t tail;      /* bytes consumed */
	unsigned char *ring;        /* PG_RING_SIZE bytes, mmap'd, kept when the slot is reused */
	int perf_fd;                /* -1 if none */
	int has_timer;
	timer_t timer;
	int source;                 /* enum pg_source */
	int rescanned;
	_Atomic uint64_t samples, lost, overruns;
	/* wall mode, read by the sampler thread */
	uint64_t last_cpu_ns;
	_Atomic uint32_t last_seq;  /* odd while the handler rewrites last_frames */
	uint32_t last_n;
	uint64_t last_frames[PG_REC_MAX_FRAMES];
};

struct pg_state {
	int enabled;                /* sampling or tracking at all in this process */
	pid_t pid;                  /* of the process the state belongs to (a vfork child differs) */
	int mode;
	int follow;
	int mem;                    /* allocation tracking */
	uint64_t mem_sample;
	unsigned hz;
	int fd;                     /* raw record file, O_APPEND */
	char dir[512];
	pthread_mutex_t write_lock; /* orders writes to fd; never taken in a handler */
	struct pg_slot *slots;      /* PG_MAX_THREADS */
	_Atomic int nslots;         /* slots [0, nslots) have ever been used: loops stop there */
	int wake_fd;                /* eventfd that ends the collector thread's sleep */
	_Atomic uint32_t generation;
	_Atomic int running;        /* the sampler thread should keep going */
	_Atomic int finished;
	_Atomic uint64_t write_errors; /* failed writes of the record file (a full disk) */
	_Atomic int paused;          /* an exec is under way: the wall sampler sends nothing */
	pthread_t sampler;
	int has_sampler;
	uintptr_t restorer;         /* address of the signal trampoline */
	int source;                 /* what the main thread got */
	uint64_t threads_seen;
	int argc;
	char **argv;
	_Atomic int exit_code;
};

PG_HIDDEN extern struct pg_state pg;
PG_HIDDEN extern __thread int pg_busy __attribute__((tls_model("initial-exec")));
PG_HIDDEN extern __thread struct pg_slot *pg_self __attribute__((tls_model("initial-exec")));

/* collector.c */
PG_HIDDEN uint64_t pg_now_ns(void);
PG_HIDDEN pid_t pg_gettid(void);
PG_HIDDEN int pg_write_all(const void *buf, size_t len);   /* caller holds write_lock */
PG_HIDDEN void pg_drain_all(void);                         /* caller holds write_lock */
PG_HIDDEN void pg_finish(int exit_code, int in_signal);
PG_HIDDEN void pg_before_exec(void);
PG_HIDDEN void pg_after_exec_failed(void);
PG_HIDDEN void pg_thread_start(void);
PG_HIDDEN void pg_thread_stop(void);
PG_HIDDEN void pg_after_fork_child(void);
PG_HIDDEN struct pg_slot *pg_slot_claim(pid_t tid);
PG_HIDDEN struct pg_slot *pg_slot_find(pid_t tid);
PG_HIDDEN void pg_thread_record(pid_t tid, int rescanned);

/* sampler.c */
PG_HIDDEN int pg_sampler_install(void);
PG_HIDDEN int pg_sampler_arm(struct pg_slot *s, pid_t tid);
PG_HIDDEN void pg_sampler_disarm(struct pg_slot *s);
PG_HIDDEN void pg_sampler_disarm_all(void);
PG_HIDDEN void pg_sampler_rearm_all(void);
PG_HIDDEN void pg_sampler_warm(void);
PG_HIDDEN void pg_sampler_seed_stack(struct pg_slot *s, void *start_routine);
PG_HIDDEN void pg_sampler_wall_tick(unsigned char *buf, size_t *len, size_t cap);
PG_HIDDEN void pg_sampler_discard_pending(void);
PG_HIDDEN int pg_sampler_owns(int sig);

/* tracker.c */
PG_HIDDEN void pg_tracker_start(uint64_t sample_bytes);
PG_HIDDEN int pg_tracker_active(void);
PG_HIDDEN void pg_tracker_pause(void);
PG_HIDDEN void pg_tracker_resume(void);
PG_HIDDEN void pg_tracker_snapshot(unsigned char *buf, size_t cap, int in_signal);
PG_HIDDEN void pg_tracker_heap_point(unsigned char *buf, size_t *len, size_t cap);
PG_HIDDEN void pg_tracker_after_fork_child(int keep);
PG_HIDDEN void pg_tracker_atfork_prepare(void);
PG_HIDDEN void pg_tracker_atfork_parent(void);
/* For allocators wrapped elsewhere (pymem.c): events recorded as the malloc
 * hooks record theirs, with the caller's stack. record_free returns the
 * bytes it removed, -1 if p was not tracked. */
PG_HIDDEN void pg_tracker_record_alloc(void *p, size_t n);
PG_HIDDEN int64_t pg_tracker_record_free(void *p);
PG_HIDDEN void pg_tracker_record_unmap(void *p, size_t n);

/* pymem.c */
PG_HIDDEN void pg_pymem_maybe_install(void);

/* modules.c */
PG_HIDDEN void pg_modules_snapshot(void);                  /* caller holds write_lock */

/* intercept.c */
/* The program's own wishes for SIGPROF and SIGTRAP, which the collector keeps
 * for itself while sampling: the program's handler is called for the
 * signals that are not samples. */
PG_HIDDEN void pg_forward_foreign_signal(int sig, siginfo_t *si, void *uc);
PG_HIDDEN void pg_restore_user_dispositions(void);
PG_HIDDEN void pg_user_disposition_init(int sig, const struct sigaction *before);
PG_HIDDEN extern int (*pg_real_sigaction)(int, const struct sigaction *, struct sigaction *);
PG_HIDDEN void pg_intercept_init(void);
PG_HIDDEN extern int (*pg_real_pthread_create)(pthread_t *, const pthread_attr_t *,
					       void *(*)(void *), void *);

#endif
