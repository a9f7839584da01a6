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
	_Atomic uint64_t ring_touched; /* bytes of the ring ever written (resident) */
	_Atomic int perf_fd;        /* -1 if none; high, may move (fds.c) */
	int sig_fd;                 /* the number perf_fd had when armed: SIGIO's si_fd */
	int has_timer;
	timer_t timer;
	int source;                 /* enum pg_source */
	int rescanned;
	uint32_t rescan_round;      /* the rescan that claimed it */
	int signo;                  /* the signal its source sends, 0 if unarmed */
	char name[16];              /* as last recorded */
	_Atomic uint64_t samples, lost, overruns;
	/* wall mode, read by the sampler thread */
	uint64_t last_cpu_ns;
	/* kernel time (perf sources count user time only): the thread's CPU
	 * clock at its last sample, and kernel time not yet sampled */
	uint64_t k_cpu_ns, k_residual_ns;
	int k_user_only;
	_Atomic uint32_t last_seq;  /* odd while the handler rewrites last_frames */
	uint32_t last_n;
	uint64_t last_frames[PG_REC_MAX_FRAMES];
	/* wall mode: [waiting] ticks gathered into one record (collector thread) */
	_Atomic uint64_t last_visit_ns; /* 0 while the thread runs our set-up */
	uint64_t wait_carry_ns;
	_Atomic uint64_t stop_ns;   /* when the thread left */
	_Atomic uint64_t stop_cpu_ns; /* its CPU time then */
	_Atomic int wall_done;      /* its last wait is written: the slot may be freed */
	_Atomic int wait_reset;     /* adopted from the rescan: drop the waits gathered so far */
	uint32_t wait_run, wait_seq, wait_n;
	int32_t wait_tid;
	uint64_t wait_since;
	uint64_t wait_frames[PG_REC_MAX_FRAMES];
};

struct pg_state {
	int enabled;                /* sampling or tracking at all in this process */
	pid_t pid;                  /* of the process the state belongs to (a vfork child differs) */
	int mode;
	int follow;
	int mem;                    /* allocation tracking */
	uint64_t mem_sample;
	unsigned hz;
	_Atomic int fd;             /* raw record file, O_APPEND; high, may move (fds.c) */
	char dir[512];
	pthread_mutex_t write_lock; /* orders writes to fd; never taken in a handler */
	struct pg_slot *slots;      /* PG_MAX_THREADS */
	_Atomic int nslots;         /* slots [0, nslots) have ever been used: loops stop there */
	_Atomic int wake_fd;        /* eventfd that ends the collector thread's sleep */
	_Atomic uint32_t generation;
	_Atomic int running;        /* the sampler thread should keep going */
	_Atomic int finished;
	_Atomic uint64_t write_errors; /* failed writes of the record file (a full disk) */
	_Atomic int write_errno;       /* errno of the first of them */
	_Atomic uint64_t truncated_stacks; /* samples whose stack was cut at PG_REC_MAX_FRAMES */
	_Atomic int paused;          /* an exec is under way: the wall sampler sends nothing */
	pthread_t sampler;
	int has_sampler;
	uintptr_t restorer;         /* address of the signal trampoline */
	int source;                 /* what the main thread got */
	uint64_t threads_seen;
	int argc;
	char **argv;
	_Atomic int exit_code;
	_Atomic int main_exited;    /* the main thread called pthread_exit */
	_Atomic int starting;       /* threads created through our wrapper, not yet in their routine */
	int force_timer;            /* PROFGATE_SOURCE=timer: the fallback, for tests and benchmarks */
	int force_sigio;            /* PROFGATE_SOURCE=perf-sigio */
	_Atomic uint64_t raw_clone_ticks; /* samples dropped in threads sharing another's TLS */
};

PG_HIDDEN extern struct pg_state pg;
PG_HIDDEN extern __thread int pg_busy __attribute__((tls_model("initial-exec")));
PG_HIDDEN extern __thread struct pg_slot *pg_self __attribute__((tls_model("initial-exec")));
/* Set while this thread is inside libunwind on our behalf. */
PG_HIDDEN extern __thread int pg_unwinding __attribute__((tls_model("initial-exec")));
/* Set while this thread holds pg.write_lock. */
PG_HIDDEN extern __thread int pg_holds_write_lock __attribute__((tls_model("initial-exec")));

/* collector.c */
PG_HIDDEN uint64_t pg_now_ns(void);
PG_HIDDEN pid_t pg_gettid(void);
PG_HIDDEN void pg_write_section(void);  /* the write lock was just taken */
PG_HIDDEN void pg_write_mark(void);     /* a new group of whole records starts */
PG_HIDDEN int pg_write_records(const void *buf, size_t len);  /* whole records: mark, then write */
PG_HIDDEN int pg_write_all(const void *buf, size_t len);   /* caller holds write_lock */
PG_HIDDEN void pg_drain_all(void);                         /* caller holds write_lock */
PG_HIDDEN void pg_write_lock(void);
PG_HIDDEN void pg_write_unlock(void);
PG_HIDDEN void pg_finish(int exit_code, int in_signal);
PG_HIDDEN void pg_before_exec(void);
PG_HIDDEN void pg_after_exec_failed(void);
PG_HIDDEN void pg_thread_start(void);
PG_HIDDEN void pg_thread_started(void);
PG_HIDDEN void pg_thread_stop(void);
PG_HIDDEN void pg_after_fork_child(void);
PG_HIDDEN struct pg_slot *pg_slot_claim(pid_t tid);
PG_HIDDEN struct pg_slot *pg_slot_find(pid_t tid);
PG_HIDDEN void pg_thread_record(pid_t tid, int rescanned);
PG_HIDDEN int pg_collector_thread_stop(void);
PG_HIDDEN void pg_collector_thread_restart(void);
PG_HIDDEN uint64_t pg_own_resident_bytes(void);

/* sampler.c */
PG_HIDDEN int pg_sampler_install(void);
PG_HIDDEN int pg_sampler_arm(struct pg_slot *s, pid_t tid);
PG_HIDDEN void pg_sampler_disarm(struct pg_slot *s);
PG_HIDDEN void pg_sampler_disarm_all(void);
PG_HIDDEN void pg_sampler_rearm_all(void);
PG_HIDDEN void pg_sampler_warm(void);
PG_HIDDEN void pg_sampler_seed_stack(struct pg_slot *s, void *start_routine);
PG_HIDDEN void pg_sampler_wall_tick(unsigned char *buf, size_t *len, size_t cap);
PG_HIDDEN void pg_sampler_wall_flush(unsigned char *buf, size_t *len, size_t cap);
PG_HIDDEN void pg_sampler_discard_pending(void);
PG_HIDDEN int pg_sampler_owns(int sig);
PG_HIDDEN void pg_sampler_follow_restart(int sig, const struct sigaction *user);
PG_HIDDEN void pg_sampler_unblock_self(struct pg_slot *s);
PG_HIDDEN int pg_sampler_thread_signal(void);
/* The program's view of this thread's mask: whether it asked to block the
 * signal our source uses here (which stays unblocked). */
PG_HIDDEN extern __thread int pg_user_blocked __attribute__((tls_model("initial-exec")));
/* Unwinding and fork: no fork while a thread is inside libunwind, whose
 * locks the child would inherit taken. */
PG_HIDDEN int pg_unwind_enter(int may_wait);
PG_HIDDEN void pg_unwind_leave(void);
PG_HIDDEN void pg_unwind_block_for_fork(void);
PG_HIDDEN void pg_unwind_allow_after_fork(void);
PG_HIDDEN void pg_unwind_after_fork_child(void);

/* tracker.c (and pymem.c, which records through it). The CPU-only library
 * (PG_COLLECTOR_CPU_ONLY, libprofgate_collector_cpu.so) has neither file:
 * there the tracker is never active and its hooks compile to nothing, so
 * the rest of the collector reads the same in both libraries. */
#ifndef PG_COLLECTOR_CPU_ONLY
PG_HIDDEN void pg_tracker_start(uint64_t sample_bytes);
PG_HIDDEN int pg_tracker_active(void);
PG_HIDDEN void pg_tracker_pause(void);
PG_HIDDEN void pg_tracker_resume(void);
PG_HIDDEN size_t pg_tracker_snapshot(int in_signal);  /* caller holds write_lock; bytes written */
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
PG_HIDDEN int pg_tracker_lock_held(void);
PG_HIDDEN uint64_t pg_tracker_own_resident(void);
PG_HIDDEN uint64_t pg_tracker_rss_peak_without_own(void);
#else
static inline void pg_tracker_start(uint64_t sample_bytes) { (void)sample_bytes; }
static inline int pg_tracker_active(void) { return 0; }
static inline void pg_tracker_pause(void) {}
static inline void pg_tracker_resume(void) {}
static inline size_t pg_tracker_snapshot(int in_signal) { (void)in_signal; return 0; }
static inline void pg_tracker_heap_point(unsigned char *buf, size_t *len, size_t cap)
{
	(void)buf, (void)len, (void)cap;
}
static inline void pg_tracker_after_fork_child(int keep) { (void)keep; }
static inline void pg_tracker_atfork_prepare(void) {}
static inline void pg_tracker_atfork_parent(void) {}
static inline int pg_tracker_lock_held(void) { return 0; }
static inline uint64_t pg_tracker_own_resident(void) { return 0; }
static inline uint64_t pg_tracker_rss_peak_without_own(void) { return 0; }
#endif

/* fds.c */
PG_HIDDEN void pg_sys_close(int fd);
PG_HIDDEN int pg_fd_high(int fd);                          /* -1 (fd closed) if no room up there */
PG_HIDDEN int pg_fd_high_or_keep(int fd);
PG_HIDDEN void pg_fd_register(_Atomic int *var);
PG_HIDDEN int pg_fd_ours(int fd);
PG_HIDDEN size_t pg_fd_list(int *out, size_t cap, unsigned lo, unsigned hi);
PG_HIDDEN void pg_fd_vacate(int fd);
PG_HIDDEN int pg_fd_pipe_for_unwinder(int pipefd[2], int flags);

/* modules.c */
PG_HIDDEN void pg_modules_snapshot(void);                  /* caller holds write_lock */
PG_HIDDEN int pg_modules_changed(void);                    /* loaded or unloaded since the last snapshot */
PG_HIDDEN size_t pg_symbol_size(const void *addr);         /* st_size of the symbol at addr, 0 if none */
PG_HIDDEN void pg_loader_lock_find(void);                  /* once, outside any handler */
/* The loader's write lock is being taken or let go by this thread, or held
 * by it: unwinding now could wait for this thread itself. Signal-safe. */
PG_HIDDEN int pg_loader_lock_in_flux_here(void);

/* intercept.c */
/* The program's own wishes for SIGPROF and SIGTRAP, which the collector keeps
 * for itself while sampling: the program's handler is called for the
 * signals that are not samples. */
PG_HIDDEN void pg_forward_foreign_signal(int sig, siginfo_t *si, void *uc);
PG_HIDDEN void pg_restore_user_dispositions(void);
PG_HIDDEN void pg_user_disposition_init(int sig, const struct sigaction *before);
PG_HIDDEN extern int (*pg_real_sigaction)(int, const struct sigaction *, struct sigaction *);
PG_HIDDEN void pg_intercept_init(void);
PG_HIDDEN int pg_sigmask(int how, const sigset_t *set, sigset_t *old);  /* the real pthread_sigmask */
PG_HIDDEN extern int (*pg_real_pthread_create)(pthread_t *, const pthread_attr_t *,
					       void *(*)(void *), void *);

#endif
