/*
 * The CPU sampler: one sampling source per thread, signalled at that thread.
 * A perf_event_open software task-clock event delivers the rate asked for
 * (it runs on an hrtimer); where the kernel refuses it, a timer_create timer
 * on the thread's CPU clock does, but only on scheduler ticks (about 250 Hz
 * here), with the ticks in between reported as overruns. In wall mode the
 * collector thread signals the threads that are running and writes the last
 * stack of the others, ending in [waiting].
 *
 * The handler unwinds with unw_backtrace (fast path, cache warmed outside the
 * handler) and appends one record to the thread's ring: no allocation, no lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "collector.h"
#include "pyframes.h"

#define UNWIND_EXTRA 8  /* handler, libunwind and trampoline frames above the interrupted one */

static int perf_refused;
static uint32_t kernel_time_ticks(struct pg_slot *s, uint32_t weight);

__thread int pg_user_blocked __attribute__((tls_model("initial-exec")));

/* -- unwinding and fork ------------------------------------------------------ */

/* libunwind keeps its caches under locks. A fork while another thread holds
 * one leaves it taken forever in the child, whose first unwind (its first
 * malloc, tracked) would hang. So fork waits until no thread is inside
 * libunwind, and no unwind starts while a fork is under way: a signal
 * handler drops its sample instead of waiting. */
static _Atomic int unwinders, forking;

int pg_unwind_enter(int may_wait)
{
	for (;;) {
		if (!atomic_load(&forking)) {
			atomic_fetch_add(&unwinders, 1);
			if (!atomic_load(&forking))
				break;
			atomic_fetch_sub(&unwinders, 1);
		}
		if (!may_wait)
			return -1;
		sched_yield();
	}
	pg_unwinding++;
	return 0;
}

void pg_unwind_leave(void)
{
	pg_unwinding--;
	atomic_fetch_sub(&unwinders, 1);
}

void pg_unwind_block_for_fork(void)
{
	atomic_store(&forking, 1);
	/* This thread's own unwinds (a fork from a handler that interrupted
	 * one) cannot end before the fork: not waited for. */
	while (atomic_load(&unwinders) > pg_unwinding)
		sched_yield();
}

void pg_unwind_allow_after_fork(void)
{
	atomic_store(&forking, 0);
}

void pg_unwind_after_fork_child(void)
{
	atomic_store(&unwinders, pg_unwinding);
	atomic_store(&forking, 0);
}

static void append_sample(struct pg_slot *s, const uint64_t *frames, uint32_t n,
			  uint32_t flags, uint32_t weight)
{
	struct pg_rec_hdr h;
	struct pg_rec_sample rec = {
		.tid = atomic_load_explicit(&s->tid, memory_order_relaxed), .flags = flags,
		.time_ns = pg_now_ns(),
		.generation = atomic_load_explicit(&pg.generation, memory_order_relaxed),
		.weight = weight, .nframes = n,
	};
	size_t size = sizeof h + sizeof rec + (size_t)n * sizeof(uint64_t);
	h.type = PG_REC_SAMPLE;
	h.size = (uint32_t)size;
	uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
	if (head - tail + size > PG_RING_SIZE) {
		atomic_fetch_add_explicit(&s->lost, weight, memory_order_relaxed);
		return;
	}
	const void *parts[3] = { &h, &rec, frames };
	size_t lens[3] = { sizeof h, sizeof rec, (size_t)n * sizeof(uint64_t) };
	uint64_t pos = head;
	for (int i = 0; i < 3; i++) {
		const unsigned char *src = parts[i];
		size_t len = lens[i];
		while (len > 0) {
			size_t off = (size_t)(pos & (PG_RING_SIZE - 1));
			size_t chunk = PG_RING_SIZE - off < len ? PG_RING_SIZE - off : len;
			memcpy(s->ring + off, src, chunk);
			src += chunk;
			len -= chunk;
			pos += chunk;
		}
	}
	atomic_store_explicit(&s->head, pos, memory_order_release);
	atomic_fetch_add_explicit(&s->samples, 1, memory_order_relaxed);
}

/* The kernel's si_perf_data (the event's attr.sig_data), which glibc 2.36's
 * siginfo_t does not name: it follows si_addr in the _sigfault member. */
static uint64_t trap_data(const siginfo_t *si)
{
	uint64_t v;
	memcpy(&v, (const char *)si + offsetof(siginfo_t, si_addr) + sizeof(void *), sizeof v);
	return v;
}

/* Signal handler context. The slot of the thread a signal of ours was
 * meant for, from what the source put in siginfo: a perf event's sig_data
 * (slot index), a timer's sigev_value (slot address), the descriptor of a
 * SIGIO. NULL: not ours, the program's own SIGPROF or SIGTRAP. */
static struct pg_slot *target_of(int sig, const siginfo_t *si)
{
	if (!pg.slots)
		return NULL;
	if (sig == PG_TRAP_SIGNAL) {
		uint64_t d = trap_data(si);
		if (si->si_code != PG_TRAP_PERF || (d >> 32) != PG_TRAP_DATA || (d & 0xffffffffu) >= PG_MAX_THREADS)
			return NULL;
		return &pg.slots[d & 0xffffffffu];
	}
	if (si->si_code == SI_TIMER) {
		struct pg_slot *s = si->si_value.sival_ptr;
		if (s < pg.slots || s >= pg.slots + PG_MAX_THREADS ||
		    (uintptr_t)((const char *)s - (const char *)pg.slots) % sizeof *s != 0)
			return NULL;
		return s;
	}
	if (si->si_code == POLL_IN) {
		int n = atomic_load_explicit(&pg.nslots, memory_order_relaxed);
		for (int i = 0; i < n; i++)
			if (pg.slots[i].sig_fd == si->si_fd && atomic_load(&pg.slots[i].state) == SLOT_ACTIVE)
				return &pg.slots[i];
	}
	return NULL;
}

/* Signal handler: runs on the sampled thread. */
static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	int saved_errno = errno;
	ucontext_t *uc = ucv;
	struct pg_slot *s = target_of(sig, si);
	if (!s) {
		pg_forward_foreign_signal(sig, si, ucv);
		goto out;
	}
	if (!pg_self) {
		pg_self = s;  /* a thread found by the rescan: its first sample */
	} else if (pg_self != s) {
		/* This thread's TLS is another thread's (a raw clone() without
		 * CLONE_SETTLS): unwinding would share that thread's libunwind
		 * state and recursion flags. Dropped and counted. */
		atomic_fetch_add_explicit(&s->lost, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&pg.raw_clone_ticks, 1, memory_order_relaxed);
		goto out;
	}
	if (atomic_load_explicit(&pg.finished, memory_order_relaxed))
		goto out;
	uint32_t weight = 1;
	if (si->si_code == SI_TIMER && si->si_overrun > 0) {
		weight += (uint32_t)si->si_overrun;
		atomic_fetch_add_explicit(&s->overruns, (uint64_t)si->si_overrun, memory_order_relaxed);
	}
	if (pg_busy || pg_loader_lock_in_flux_here() || pg_unwind_enter(0) < 0) {
		/* Inside the loader (a dlopen of the program's, or glibc's own
		 * between taking and letting go of the loader's write lock),
		 * libunwind or the collector itself: unwinding could deadlock
		 * on a lock this thread holds. Or a fork is under way. */
		atomic_fetch_add_explicit(&s->lost, weight, memory_order_relaxed);
		goto out;
	}
	pg_busy++;
	pg_tracker_pause();
	/* libunwind's slow path reads its pipe: a cancellation point. */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	void *raw[PG_REC_MAX_FRAMES + UNWIND_EXTRA];
	int n = unw_backtrace(raw, PG_REC_MAX_FRAMES + UNWIND_EXTRA);
	pthread_setcancelstate(cancel, NULL);
	pg_unwind_leave();
	pg_tracker_resume();
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	int start = -1;
	for (int i = 0; i < n && i < UNWIND_EXTRA + 2; i++) {
		if ((uintptr_t)raw[i] == pc) {
			start = i;
			break;
		}
	}
	uint64_t frames[PG_REC_MAX_FRAMES];
	uint32_t nf = 0;
	if (start < 0) {
		/* Could not unwind through the signal frame: keep at least where it was. */
		frames[nf++] = pc;
	} else {
		for (int i = start; i < n && nf < PG_REC_MAX_FRAMES; i++)
			frames[nf++] = (uint64_t)(uintptr_t)raw[i];
		uint32_t native = nf;
		nf = pg_pyframes_merge(frames, nf, PG_REC_MAX_FRAMES, 0);
		/* Cut at the depth cap: the unwinder filled its buffer (the stack
		 * goes deeper), more native frames than fit, or Python frames
		 * merged in up to the cap. Counted, so the report can say how
		 * many stacks lack their outer frames. */
		if (n >= PG_REC_MAX_FRAMES + UNWIND_EXTRA || n - start > PG_REC_MAX_FRAMES ||
		    (nf == PG_REC_MAX_FRAMES && nf > native))
			atomic_fetch_add_explicit(&pg.truncated_stacks, 1, memory_order_relaxed);
	}
	append_sample(s, frames, nf, 0, weight);
	uint32_t kticks = kernel_time_ticks(s, weight);
	if (kticks && nf > 0) {
		/* Kernel time spent for this stack (page faults, system calls)
		 * since the last sample: the same stack with a [kernel] leaf. */
		uint64_t kframes[PG_REC_MAX_FRAMES];
		uint32_t kn = 0;
		kframes[kn++] = pg_frame_marker(PG_FRAME_KERNEL);
		for (uint32_t i = 0; i < nf && kn < PG_REC_MAX_FRAMES; i++)
			kframes[kn++] = frames[i];
		append_sample(s, kframes, kn, 0, kticks);
	}
	if (pg.mode == PG_MODE_WALL) {
		/* Seqlock so the collector thread never copies a half-written stack. */
		atomic_fetch_add_explicit(&s->last_seq, 1, memory_order_acq_rel);
		memcpy(s->last_frames, frames, nf * sizeof frames[0]);
		s->last_n = nf;
		atomic_fetch_add_explicit(&s->last_seq, 1, memory_order_acq_rel);
	}
	pg_busy--;
out:
	errno = saved_errno;
}

int pg_sampler_install(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	/* Whatever the program had before we were loaded (it may have been
	 * exec'd with SIGPROF ignored) becomes its recorded wish. */
	if (pg_real_sigaction(PG_SAMPLE_SIGNAL, &sa, &old) < 0)
		return -1;
	pg_user_disposition_init(PG_SAMPLE_SIGNAL, &old);
	if (pg_real_sigaction(PG_TRAP_SIGNAL, &sa, &old) < 0)
		return -1;
	pg_user_disposition_init(PG_TRAP_SIGNAL, &old);
	if (pg_real_sigaction(PG_SAMPLE_SIGNAL, NULL, &old) == 0)
		pg.restorer = (uintptr_t)old.sa_restorer;
	return 0;
}

/* The program's own handler for SIGPROF or SIGTRAP runs from ours
 * (intercept.c), so whether a system call that one of its signals
 * interrupts is restarted is decided by our handler's flags: SA_RESTART
 * follows the program's handler, so that a program which asked for EINTR
 * gets it. Our own samples land in user mode (perf) or on CPU time (the
 * timer), so they rarely interrupt a blocking call; when one does, without
 * SA_RESTART, it is what the program's own timer would do too. */
void pg_sampler_follow_restart(int sig, const struct sigaction *user)
{
	struct sigaction sa;
	if (pg_real_sigaction(sig, NULL, &sa) != 0 || !(sa.sa_flags & SA_SIGINFO) ||
	    sa.sa_sigaction != on_signal)
		return;
	int handled = user->sa_handler != SIG_DFL && user->sa_handler != SIG_IGN;
	int restart = !handled || (user->sa_flags & SA_RESTART);
	if (!!(sa.sa_flags & SA_RESTART) == restart)
		return;
	sa.sa_flags = (sa.sa_flags & ~SA_RESTART) | (restart ? SA_RESTART : 0);
	pg_real_sigaction(sig, &sa, NULL);
}

/* The signal this thread's source sends, if the thread is sampled. */
int pg_sampler_thread_signal(void)
{
	struct pg_slot *s = pg_self;
	return s && !atomic_load_explicit(&pg.finished, memory_order_relaxed) ? s->signo : 0;
}

/* A thread that starts with our signal blocked (its creator blocked every
 * signal, as servers do before starting workers) would never be sampled:
 * the signal is unblocked, and the program's wish is kept so that its own
 * sigprocmask calls still see it (intercept.c). */
void pg_sampler_unblock_self(struct pg_slot *s)
{
	sigset_t cur;
	pg_user_blocked = 0;
	if (!s->signo || pg_sigmask(SIG_SETMASK, NULL, &cur) != 0 || !sigismember(&cur, s->signo))
		return;
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, s->signo);
	pg_sigmask(SIG_UNBLOCK, &one, NULL);
	pg_user_blocked = 1;
}

int pg_sampler_owns(int sig)
{
	return (sig == PG_SAMPLE_SIGNAL || sig == PG_TRAP_SIGNAL) && pg.enabled &&
	       pg.mode != PG_MODE_NONE;
}

/* Runs libunwind once outside any handler so that its per-thread cache
 * (pthread_once, pthread_setspecific, mmap) exists before the first signal. */
void pg_sampler_warm(void)
{
	void *raw[4];
	pg_busy++;
	pg_tracker_pause();  /* libunwind maps its cache: not the program's memory */
	pg_unwind_enter(1);
	unw_backtrace(raw, 4);
	pg_unwind_leave();
	pg_tracker_resume();
	pg_busy--;
}

/* Delivery of a perf event's overflow as a signal, cheapest first. */
enum perf_delivery { VIA_SIGTRAP, VIA_SIGIO };
static int perf_delivery = VIA_SIGTRAP;

/* A new event's descriptor, moved high out of the program's way; -1 with
 * errno EMFILE when there is no room up there. */
static int open_perf(struct perf_event_attr *a, pid_t tid)
{
	int fd = (int)syscall(SYS_perf_event_open, a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -1;
	fd = pg_fd_high(fd);
	if (fd < 0)
		errno = EMFILE;
	return fd;
}

/* Whether a failed perf_event_open means that the kernel refuses perf
 * events to this process (then every later thread uses the timer), rather
 * than something about this one thread: ESRCH (it has just exited), or no
 * descriptor left (EMFILE, ENFILE: this thread alone gets the timer). */
static int refused_for_all(int err)
{
	return err != ESRCH && err != EMFILE && err != ENFILE && err != ENOMEM && err != EINTR;
}

enum { ARM_OK = 0, ARM_GONE = -1, ARM_FALLBACK = -2 };

static uint64_t thread_cpu_ns(pid_t tid);

/* A perf source counts user time only: the kernel time in between is
 * added to samples as a [kernel] leaf (kernel_time_ticks). */
static void start_kernel_time(struct pg_slot *s, pid_t tid)
{
	s->k_cpu_ns = thread_cpu_ns(tid);
	s->k_residual_ns = 0;
	/* Wall mode weighs every thread by its wall time already (the
	 * collector thread counts what the samples do not): no extra ticks. */
	s->k_user_only = pg.mode == PG_MODE_CPU;
}

/* Signal handler context, on the sampled thread: the ticks of kernel time
 * since its last sample (its CPU clock minus the user time the samples
 * stand for), whole periods only, the rest carried to the next sample. */
static uint32_t kernel_time_ticks(struct pg_slot *s, uint32_t weight)
{
	if (!s->k_user_only)
		return 0;
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	uint64_t period = 1000000000ull / pg.hz, user = (uint64_t)weight * period;
	uint64_t used = now > s->k_cpu_ns ? now - s->k_cpu_ns : 0;
	s->k_cpu_ns = now;
	if (used > user)
		s->k_residual_ns += used - user;
	uint64_t ticks = s->k_residual_ns / period;
	if (ticks > 100000)
		ticks = 100000;
	s->k_residual_ns -= ticks * period;
	return (uint32_t)ticks;
}

static int arm_perf(struct pg_slot *s, pid_t tid)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof a;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.sample_period = 1000000000ull / pg.hz;
	a.disabled = 1;
	a.exclude_hv = 1;
	/* User mode only: a tick that fell inside a system call would deliver
	 * its signal there and make nanosleep, epoll_wait or read return EINTR.
	 * (It is also what perf_event_paranoid 2 allows.) Kernel time is then
	 * not sampled: its ticks are skipped, not misattributed. */
	a.exclude_kernel = 1;
	int fd = -1;
	s->signo = 0;
	if (perf_delivery == VIA_SIGTRAP) {
		/* attr.sigtrap: the kernel queues the signal as task work for the
		 * return to user mode, with no inter-processor interrupt and no
		 * SIGIO machinery; about half the cost per sample of SIGIO here.
		 * remove_on_exec is required with it, and is what we want anyway. */
		a.sigtrap = 1;
		a.remove_on_exec = 1;
		/* The slot's index tells the handler whose sample it is. */
		a.sig_data = ((uint64_t)PG_TRAP_DATA << 32) | (uint64_t)(s - pg.slots);
		fd = open_perf(&a, tid);
		if (fd < 0 && (errno == EINVAL || errno == E2BIG)) {
			perf_delivery = VIA_SIGIO;  /* older kernel: no sigtrap */
			a.sigtrap = 0;
			a.remove_on_exec = 0;
			a.sig_data = 0;
		} else if (fd < 0) {
			return errno;
		} else if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
			int err = errno;
			pg_sys_close(fd);
			return err;
		} else {
			s->sig_fd = fd;
			atomic_store(&s->perf_fd, fd);
			s->source = PG_SOURCE_PERF;
			start_kernel_time(s, tid);
			s->signo = PG_TRAP_SIGNAL;
			return 0;
		}
	}
	a.wakeup_events = 1;
	fd = open_perf(&a, tid);
	if (fd < 0)
		return errno;
	struct f_owner_ex owner = { F_OWNER_TID, tid };
	if (syscall(SYS_fcntl, fd, F_SETFL, O_ASYNC | O_NONBLOCK) < 0 ||
	    syscall(SYS_fcntl, fd, F_SETSIG, PG_SAMPLE_SIGNAL) < 0 ||
	    syscall(SYS_fcntl, fd, F_SETOWN_EX, &owner) < 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		int err = errno;
		pg_sys_close(fd);
		return err;
	}
	s->sig_fd = fd;
	atomic_store(&s->perf_fd, fd);
	s->source = PG_SOURCE_PERF_SIGIO;
	start_kernel_time(s, tid);
	s->signo = PG_SAMPLE_SIGNAL;
	return 0;
}

static int arm_ctimer(struct pg_slot *s, pid_t tid)
{
	/* The CPU clock of any thread of this process: MAKE_THREAD_CPUCLOCK(tid, SCHED). */
	clockid_t clk = (clockid_t)((~(unsigned)tid << 3) | 6);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = PG_SAMPLE_SIGNAL;
	ev._sigev_un._tid = tid;
	ev.sigev_value.sival_ptr = s;  /* tells our SI_TIMER from the program's */
	if (timer_create(clk, &ev, &s->timer) < 0)
		return -1;
	long ns = (long)(1000000000ull / pg.hz);
	struct itimerspec its = { { ns / 1000000000l, ns % 1000000000l },
				  { ns / 1000000000l, ns % 1000000000l } };
	if (timer_settime(s->timer, 0, &its, NULL) < 0) {
		timer_delete(s->timer);
		return -1;
	}
	s->has_timer = 1;
	s->source = PG_SOURCE_CTIMER;
	s->signo = PG_SAMPLE_SIGNAL;
	return 0;
}

int pg_sampler_arm(struct pg_slot *s, pid_t tid)
{
	if (pg.mode != PG_MODE_CPU && pg.mode != PG_MODE_WALL)
		return -1;
	if (pg.mode == PG_MODE_WALL) {
		/* Running time is sampled as in CPU mode (a signal only ever
		 * lands in user mode: no EINTR); the collector thread adds the
		 * waiting time. */
		s->source = PG_SOURCE_WALL;
	}
	if (pg.force_timer)
		perf_refused = 1;
	if (pg.force_sigio)
		perf_delivery = VIA_SIGIO;
	int rc = -1;
	if (!perf_refused) {
		int err = arm_perf(s, tid);
		if (err == ESRCH)
			return -1;  /* the thread has gone: nothing to arm */
		if (err && refused_for_all(err))
			perf_refused = 1;
		rc = err ? -1 : 0;
	}
	if (rc < 0)
		rc = arm_ctimer(s, tid);
	if (rc == 0 && pg.mode == PG_MODE_WALL)
		s->source = PG_SOURCE_WALL;
	return rc;
}

void pg_sampler_disarm(struct pg_slot *s)
{
	int fd = atomic_exchange(&s->perf_fd, -1);
	if (fd >= 0) {
		ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
		pg_sys_close(fd);
	}
	if (s->has_timer) {
		timer_delete(s->timer);
		s->has_timer = 0;
	}
}

void pg_sampler_disarm_all(void)
{
	if (!pg.slots)
		return;
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++)
		if (atomic_load(&pg.slots[i].state) == SLOT_ACTIVE)
			pg_sampler_disarm(&pg.slots[i]);
}

void pg_sampler_rearm_all(void)
{
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++) {
		struct pg_slot *s = &pg.slots[i];
		if (atomic_load(&s->state) == SLOT_ACTIVE)
			pg_sampler_arm(s, atomic_load(&s->tid));
	}
}

/* Drops SIGPROFs and SIGTRAPs already queued by our sources: after exec, with the default
 * disposition, one would kill the new program. Ignoring a signal discards
 * its pending instances; the previous disposition is then put back. */
void pg_sampler_discard_pending(void)
{
	struct sigaction ign, old;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	pg_real_sigaction(PG_SAMPLE_SIGNAL, &ign, &old);
	pg_real_sigaction(PG_SAMPLE_SIGNAL, &old, NULL);
	pg_real_sigaction(PG_TRAP_SIGNAL, &ign, &old);
	pg_real_sigaction(PG_TRAP_SIGNAL, &old, NULL);
}

/* Wall mode: a thread that blocks at once (a sleeper, a worker waiting for
 * jobs) may never be seen running. Its stack at start, with the thread's
 * start routine as the leaf, stands for it until a real sample replaces it. */
void pg_sampler_seed_stack(struct pg_slot *s, void *start_routine)
{
	void *raw[PG_REC_MAX_FRAMES];
	pg_busy++;
	pg_tracker_pause();
	pg_unwind_enter(1);
	int n = unw_backtrace(raw, PG_REC_MAX_FRAMES);
	pg_unwind_leave();
	pg_tracker_resume();
	pg_busy--;
	/* raw[0] is here, raw[1] our start wrapper: both give way to the routine. */
	if (n < 2)
		return;
	uint32_t nf = 0;
	uint64_t frames[PG_REC_MAX_FRAMES];
	frames[nf++] = (uint64_t)(uintptr_t)start_routine;
	for (int i = 2; i < n && nf < PG_REC_MAX_FRAMES; i++)
		frames[nf++] = (uint64_t)(uintptr_t)raw[i];
	atomic_fetch_add_explicit(&s->last_seq, 1, memory_order_acq_rel);
	memcpy(s->last_frames, frames, nf * sizeof frames[0]);
	s->last_n = nf;
	atomic_fetch_add_explicit(&s->last_seq, 1, memory_order_acq_rel);
}

static uint64_t thread_cpu_ns(pid_t tid)
{
	clockid_t clk = (clockid_t)((~(unsigned)tid << 3) | 6);
	struct timespec ts;
	if (clock_gettime(clk, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Wall mode keeps a thread's consecutive [waiting] ticks with the same
 * stack as one record of that weight, written when the stack changes, the
 * thread runs, or WAIT_RUN_MAX ticks have gathered (the timeline keeps that
 * resolution): 1,500 sleeping threads at 999 Hz would otherwise write one
 * record per thread per millisecond. */
#define WAIT_RUN_MAX 100

/* Room for `size` more bytes in buf: written out first if full. */
static int wall_room(unsigned char *buf, size_t *len, size_t cap, size_t size)
{
	if (*len + size <= cap)
		return 1;
	pg_write_lock();
	pg_write_records(buf, *len);
	pg_write_unlock();
	*len = 0;
	return size <= cap;
}

static void flush_waiting(struct pg_slot *s, unsigned char *buf, size_t *len, size_t cap)
{
	uint32_t w = s->wait_run;
	if (!w)
		return;
	s->wait_run = 0;
	uint32_t n = s->wait_n;
	struct pg_rec_hdr h;
	struct pg_rec_sample rec = { .tid = s->wait_tid, .flags = PG_SAMPLE_WAITING,
				     .time_ns = s->wait_since, .generation = atomic_load(&pg.generation),
				     .weight = w, .nframes = n };
	size_t size = sizeof h + sizeof rec + n * sizeof(uint64_t);
	if (!wall_room(buf, len, cap, size)) {
		atomic_fetch_add(&s->lost, w);
		return;
	}
	h.type = PG_REC_SAMPLE;
	h.size = (uint32_t)size;
	memcpy(buf + *len, &h, sizeof h);
	memcpy(buf + *len + sizeof h, &rec, sizeof rec);
	memcpy(buf + *len + sizeof h + sizeof rec, s->wait_frames, n * sizeof(uint64_t));
	*len += size;
	atomic_fetch_add(&s->samples, 1);
}

static void add_waiting(struct pg_slot *s, uint32_t ticks, unsigned char *buf, size_t *len, size_t cap)
{
	uint64_t frames[PG_REC_MAX_FRAMES];
	uint32_t n = 0, seq = 0;
	for (int tries = 0; tries < 4; tries++) {
		seq = atomic_load_explicit(&s->last_seq, memory_order_acquire);
		if (seq & 1)
			continue;
		n = s->last_n;
		memcpy(frames, s->last_frames, n * sizeof frames[0]);
		if (atomic_load_explicit(&s->last_seq, memory_order_acquire) == seq)
			break;
		n = 0;
	}
	if (s->wait_run && (s->wait_seq != seq || s->wait_run >= WAIT_RUN_MAX))
		flush_waiting(s, buf, len, cap);
	if (!s->wait_run) {
		/* A new run: the thread's Python frames as they are now go on top
		 * of its last stack (pyframes.c). */
		n = pg_pyframes_waiting(frames, n, PG_REC_MAX_FRAMES, atomic_load(&s->tid));
		s->wait_seq = seq;
		s->wait_tid = atomic_load(&s->tid);
		s->wait_n = n;
		/* The wait began `ticks` periods before this look: the record's
		 * time is where the timeline starts drawing it. */
		uint64_t now = pg_now_ns(), back = (uint64_t)ticks * (1000000000ull / pg.hz);
		s->wait_since = now > back ? now - back : now;
		memcpy(s->wait_frames, frames, n * sizeof frames[0]);
	}
	s->wait_run += ticks;
}

/* Wall mode, on the collector thread, about once per 1/hz: a thread that
 * used less than half of the time since its last visit on a CPU was mostly
 * not running, and its last stack counts as waiting, weighted by that time
 * in ticks: a visit that comes late (a busy machine, thousands of threads
 * to visit) still counts the whole wait, so that every thread's weight is
 * its wall time whatever its place in the table. Running time comes from
 * the thread's own CPU-time source, whose signals only land in user mode:
 * no thread is ever signalled here, so none sees EINTR from profgate. */
void pg_sampler_wall_tick(unsigned char *buf, size_t *len, size_t cap)
{
	uint64_t interval = 1000000000ull / pg.hz;
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++) {
		struct pg_slot *s = &pg.slots[i];
		int st = atomic_load(&s->state);
		if (st != SLOT_ACTIVE) {
			if (st == SLOT_EXITED && !atomic_load(&s->wall_done)) {
				/* Its last wait, up to the moment it left: also its
				 * whole life when this thread never got to it (a
				 * rescan that armed hundreds of new threads). */
				uint64_t stop = atomic_load(&s->stop_ns);
				uint64_t last = atomic_load(&s->last_visit_ns);
				uint64_t used = atomic_load(&s->stop_cpu_ns) - s->last_cpu_ns;
				if (last && stop > last && used < (stop - last) / 2) {
					uint64_t t = stop - last + s->wait_carry_ns;
					if (t >= interval)
						add_waiting(s, (uint32_t)(t / interval), buf, len, cap);
				}
				flush_waiting(s, buf, len, cap);
				atomic_store(&s->wall_done, 1);  /* pg_drain_all may free it now */
			}
			continue;
		}
		if (atomic_exchange(&s->wait_reset, 0)) {
			s->wait_run = 0;
			s->wait_carry_ns = 0;
		}
		pid_t tid = atomic_load(&s->tid);
		uint64_t cpu = thread_cpu_ns(tid);
		uint64_t now = pg_now_ns();
		uint64_t used = cpu - s->last_cpu_ns;
		uint64_t last = atomic_load(&s->last_visit_ns);
		s->last_cpu_ns = cpu;
		if (!last)
			continue;  /* still in our set-up: not the program's time */
		uint64_t elapsed = now - last;
		atomic_store(&s->last_visit_ns, now);
		if (used < elapsed / 2) {
			uint64_t t = elapsed + s->wait_carry_ns;
			s->wait_carry_ns = t % interval;
			if (t >= interval)
				add_waiting(s, (uint32_t)(t / interval), buf, len, cap);
		} else {
			s->wait_carry_ns = 0;
			flush_waiting(s, buf, len, cap);
		}
	}
}

/* Everything gathered, at the end or before a drain that must be complete. */
void pg_sampler_wall_flush(unsigned char *buf, size_t *len, size_t cap)
{
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++)
		flush_waiting(&pg.slots[i], buf, len, cap);
}
