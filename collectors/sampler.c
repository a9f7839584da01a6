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

/* Signal handler: runs on the sampled thread. */
static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	int saved_errno = errno;
	ucontext_t *uc = ucv;
	struct pg_slot *s = pg_self;
	if (!s) {
		s = pg_slot_find(pg_gettid());
		pg_self = s;
	}
	/* Ours: a perf event (SIGTRAP with TRAP_PERF and our data, or SIGPROF
	 * with POLL_IN) or a CPU-time timer (SI_TIMER). Anything else is the
	 * program's. */
	int ours = sig == PG_TRAP_SIGNAL
		? si->si_code == PG_TRAP_PERF && trap_data(si) == PG_TRAP_DATA
		: si->si_code == POLL_IN || si->si_code == SI_TIMER;
	if (!ours) {
		pg_forward_foreign_signal(sig, si, ucv);
		goto out;
	}
	if (!s || atomic_load_explicit(&pg.finished, memory_order_relaxed))
		goto out;
	uint32_t weight = 1;
	if (si->si_code == SI_TIMER && si->si_overrun > 0) {
		weight += (uint32_t)si->si_overrun;
		atomic_fetch_add_explicit(&s->overruns, (uint64_t)si->si_overrun, memory_order_relaxed);
	}
	if (pg_busy) {
		/* Inside the loader, libunwind or the collector itself: unwinding
		 * could deadlock on a lock this thread holds. */
		atomic_fetch_add_explicit(&s->lost, weight, memory_order_relaxed);
		goto out;
	}
	pg_busy++;
	pg_tracker_pause();
	void *raw[PG_REC_MAX_FRAMES + UNWIND_EXTRA];
	int n = unw_backtrace(raw, PG_REC_MAX_FRAMES + UNWIND_EXTRA);
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
		nf = pg_pyframes_merge(frames, nf, PG_REC_MAX_FRAMES, 0);
	}
	append_sample(s, frames, nf, 0, weight);
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
	unw_backtrace(raw, 4);
	pg_tracker_resume();
	pg_busy--;
}

/* Delivery of a perf event's overflow as a signal, cheapest first. */
enum perf_delivery { VIA_SIGTRAP, VIA_SIGIO };
static int perf_delivery = VIA_SIGTRAP;

static int open_perf(struct perf_event_attr *a, pid_t tid)
{
	return (int)syscall(SYS_perf_event_open, a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
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
	if (perf_delivery == VIA_SIGTRAP) {
		/* attr.sigtrap: the kernel queues the signal as task work for the
		 * return to user mode, with no inter-processor interrupt and no
		 * SIGIO machinery; about half the cost per sample of SIGIO here.
		 * remove_on_exec is required with it, and is what we want anyway. */
		a.sigtrap = 1;
		a.remove_on_exec = 1;
		a.sig_data = PG_TRAP_DATA;
		fd = open_perf(&a, tid);
		if (fd < 0) {
			perf_delivery = VIA_SIGIO;  /* older kernel: no sigtrap */
			a.sigtrap = 0;
			a.remove_on_exec = 0;
			a.sig_data = 0;
		} else if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
			close(fd);
			return -1;
		} else {
			s->perf_fd = fd;
			s->source = PG_SOURCE_PERF;
			return 0;
		}
	}
	a.wakeup_events = 1;
	fd = open_perf(&a, tid);
	if (fd < 0)
		return -1;
	struct f_owner_ex owner = { F_OWNER_TID, tid };
	if (fcntl(fd, F_SETFL, O_ASYNC | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETSIG, PG_SAMPLE_SIGNAL) < 0 ||
	    fcntl(fd, F_SETOWN_EX, &owner) < 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		close(fd);
		return -1;
	}
	s->perf_fd = fd;
	s->source = PG_SOURCE_PERF_SIGIO;
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
	if (!perf_refused) {
		/* PROFGATE_SOURCE=timer forces the fallback, for tests and benchmarks. */
		const char *force = getenv("PROFGATE_SOURCE");
		if (force && !strcmp(force, "timer"))
			perf_refused = 1;
		if (force && !strcmp(force, "perf-sigio"))
			perf_delivery = VIA_SIGIO;
	}
	int rc = -1;
	if (!perf_refused) {
		rc = arm_perf(s, tid);
		if (rc < 0)
			perf_refused = 1;
	}
	if (rc < 0)
		rc = arm_ctimer(s, tid);
	if (rc == 0 && pg.mode == PG_MODE_WALL)
		s->source = PG_SOURCE_WALL;
	return rc;
}

void pg_sampler_disarm(struct pg_slot *s)
{
	if (s->perf_fd >= 0) {
		ioctl(s->perf_fd, PERF_EVENT_IOC_DISABLE, 0);
		close(s->perf_fd);
		s->perf_fd = -1;
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
	int n = unw_backtrace(raw, PG_REC_MAX_FRAMES);
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

static void append_waiting(struct pg_slot *s, pid_t tid, unsigned char *buf, size_t *len, size_t cap)
{
	uint64_t frames[PG_REC_MAX_FRAMES];
	uint32_t n = 0;
	for (int tries = 0; tries < 4; tries++) {
		uint32_t seq = atomic_load_explicit(&s->last_seq, memory_order_acquire);
		if (seq & 1)
			continue;
		n = s->last_n;
		memcpy(frames, s->last_frames, n * sizeof frames[0]);
		if (atomic_load_explicit(&s->last_seq, memory_order_acquire) == seq)
			break;
		n = 0;
	}
	n = pg_pyframes_waiting(frames, n, PG_REC_MAX_FRAMES, tid);
	struct pg_rec_hdr h;
	struct pg_rec_sample rec = { .tid = tid, .flags = PG_SAMPLE_WAITING, .time_ns = pg_now_ns(),
				     .generation = atomic_load(&pg.generation), .weight = 1, .nframes = n };
	size_t size = sizeof h + sizeof rec + n * sizeof(uint64_t);
	if (*len + size > cap) {
		atomic_fetch_add(&s->lost, 1);
		return;
	}
	h.type = PG_REC_SAMPLE;
	h.size = (uint32_t)size;
	memcpy(buf + *len, &h, sizeof h);
	memcpy(buf + *len + sizeof h, &rec, sizeof rec);
	memcpy(buf + *len + sizeof h + sizeof rec, frames, n * sizeof(uint64_t));
	*len += size;
	atomic_fetch_add(&s->samples, 1);
}

/* Wall mode, on the collector thread, once per 1/hz: a thread that used
 * less than half of the interval on a CPU was mostly not running, and its
 * last stack counts once as waiting. Running time comes from the thread's
 * own CPU-time source, whose signals only land in user mode: no thread is
 * ever signalled here, so none sees EINTR from profgate. */
void pg_sampler_wall_tick(unsigned char *buf, size_t *len, size_t cap)
{
	uint64_t interval = 1000000000ull / pg.hz;
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++) {
		struct pg_slot *s = &pg.slots[i];
		if (atomic_load(&s->state) != SLOT_ACTIVE)
			continue;
		pid_t tid = atomic_load(&s->tid);
		uint64_t cpu = thread_cpu_ns(tid);
		uint64_t used = cpu - s->last_cpu_ns;
		s->last_cpu_ns = cpu;
		if (used < interval / 2)
			append_waiting(s, tid, buf, len, cap);
	}
}
