/*
 * libprofgate_collector.so: start-up, the per-process record file, the table
 * of sampled threads and the collector's own thread that drains their rings
 * into the file every 20 ms (and, in wall mode, signals the threads).
 * libprofgate_collector_cpu.so is built from the same files without the
 * allocation tracker (PG_COLLECTOR_CPU_ONLY): PROFGATE_MEM is ignored there.
 *
 * Settings come from the environment that `profgate run` sets:
 *   PROFGATE_RAW_DIR  folder for the record files (required; unset = inert)
 *   PROFGATE_HZ       samples per second per thread
 *   PROFGATE_MODE     cpu | wall | none
 *   PROFGATE_MEM      1: track allocations (PROFGATE_MEM_SAMPLE: mean bytes
 *                     between sampled ones, 0 = every one)
 *   PROFGATE_FOLLOW   1: forked and exec'd children are profiled too
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "pyframes.h"

struct pg_state pg = { .fd = -1, .wake_fd = -1, .write_lock = PTHREAD_MUTEX_INITIALIZER };
__thread int pg_busy __attribute__((tls_model("initial-exec")));
__thread struct pg_slot *pg_self __attribute__((tls_model("initial-exec")));
__thread int pg_holds_write_lock __attribute__((tls_model("initial-exec")));
static __thread int t_write_cancel __attribute__((tls_model("initial-exec")));

/* Finding a thread's slot and claiming one are one step under this lock:
 * the /proc rescan may meet a new thread before its start routine has armed
 * it, and a thread armed twice would be sampled twice. Never taken in a
 * signal handler. */
static pthread_mutex_t claim_lock = PTHREAD_MUTEX_INITIALIZER;

/* Threads that left through pg_thread_stop, most recent last: /proc still
 * lists a thread for a moment after it is gone, and the rescan must not
 * arm it again (a perf event, a descriptor, for a thread that has ended). */
#define RECENT_EXITS 1024
static _Atomic pid_t recent_exits[RECENT_EXITS];
static _Atomic unsigned recent_next;

static int exited_recently(pid_t tid)
{
	for (int i = 0; i < RECENT_EXITS; i++)
		if (atomic_load_explicit(&recent_exits[i], memory_order_relaxed) == tid)
			return 1;
	return 0;
}
static _Atomic int task_fd = -1;  /* /proc/self/task, kept open (high) and rewound */

#define DRAIN_INTERVAL_NS 20000000ull
#define RESCAN_INTERVAL_NS 200000000ull
#define HEAP_INTERVAL_NS 10000000ull
#define SNAPSHOT_INTERVAL_NS 250000000ull
#define SNAPSHOT_RATE (2u << 20)  /* bytes a second, at most, of memory snapshots */

uint64_t pg_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Cached per thread: the allocation tracker asks on every event, and a
 * system call costs more than the rest of its work. Reset in a fork child,
 * whose one thread has a new id. */
static __thread pid_t t_tid __attribute__((tls_model("initial-exec")));

pid_t pg_gettid(void)
{
	if (!t_tid)
		t_tid = (pid_t)syscall(SYS_gettid);
	return t_tid;
}

/* The write lock, with cancellation held off: a thread cancelled in one of
 * our write() calls (a cancellation point) would leave the lock taken and
 * every other thread stuck on it. Never from a signal handler. */
void pg_write_lock(void)
{
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pg_holds_write_lock = 1;  /* set over the whole of lock and unlock (see lock_T) */
	atomic_signal_fence(memory_order_seq_cst);
	pthread_mutex_lock(&pg.write_lock);
	t_write_cancel = old;
	pg_write_section();
}

/* A write that fails part way (a full disk: write() returns fewer bytes,
 * then ENOSPC) must not leave half a record that later records, written
 * once there is room again, would follow: the reader would take their
 * bytes for headers. Under the write lock, w_end is where the file ends
 * and w_mark the end of its last complete group of records; a failed write
 * cuts the file back to w_mark, and nothing more is written until the next
 * group starts (pg_write_mark). */
static off_t w_end = -1, w_mark = -1;
static int w_skip;

/* Where the file's whole records end, and which thread holds the write lock:
 * for pg_finish, when the holder cannot finish what it writes (see there). */
static _Atomic off_t w_whole = -1;
static _Atomic pid_t w_owner;

static void note_whole(void)
{
	if (w_end >= 0)
		atomic_store(&w_whole, w_end);
}

void pg_write_section(void)
{
	atomic_store(&w_owner, pg_gettid());
	w_end = pg.fd >= 0 ? lseek(pg.fd, 0, SEEK_END) : -1;
	w_mark = w_end;
	w_skip = 0;
	note_whole();
}

void pg_write_mark(void)
{
	w_mark = w_end;
	w_skip = 0;
	note_whole();
}

int pg_write_records(const void *buf, size_t len)
{
	pg_write_mark();
	int rc = pg_write_all(buf, len);
	if (rc == 0)
		note_whole();
	return rc;
}

/* Lets go of the write lock: pg_write_unlock, and pg_finish, which took it
 * without pg_write_lock. */
static void write_lock_release(void)
{
	note_whole();
	atomic_store(&w_owner, 0);
	pthread_mutex_unlock(&pg.write_lock);
	atomic_signal_fence(memory_order_seq_cst);
	pg_holds_write_lock = 0;
}

void pg_write_unlock(void)
{
	int old = t_write_cancel;
	write_lock_release();
	pthread_setcancelstate(old, NULL);
}

int pg_write_all(const void *buf, size_t len)
{
	const char *p = buf;
	if (pg.fd < 0 || w_skip)
		return -1;
	while (len > 0) {
		ssize_t n = write(pg.fd, p, len);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			int err = n < 0 ? errno : ENOSPC;
			if (atomic_fetch_add(&pg.write_errors, 1) == 0)
				atomic_store(&pg.write_errno, err);
			if (w_mark >= 0 && w_end > w_mark && ftruncate(pg.fd, w_mark) == 0)
				w_end = w_mark;
			else if (w_end != w_mark)
				w_mark = w_end = -1;  /* not cut back: the reader stops at the bad record */
			w_skip = 1;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		if (w_end >= 0)
			w_end += n;
	}
	return 0;
}

/* Samples in the ring between from and to, weighted as they were recorded:
 * what a failed write loses. */
static uint64_t weight_in_ring(const struct pg_slot *s, uint64_t from, uint64_t to)
{
	uint64_t w = 0;
	while (from + sizeof(struct pg_rec_hdr) + sizeof(struct pg_rec_sample) <= to) {
		unsigned char raw[sizeof(struct pg_rec_hdr) + sizeof(struct pg_rec_sample)];
		for (size_t i = 0; i < sizeof raw; i++)
			raw[i] = s->ring[(from + i) & (PG_RING_SIZE - 1)];
		struct pg_rec_hdr h;
		struct pg_rec_sample rec;
		memcpy(&h, raw, sizeof h);
		memcpy(&rec, raw + sizeof h, sizeof rec);
		if (h.size < sizeof raw)
			break;
		w += rec.weight;
		from += h.size;
	}
	return w;
}

static void drain_slot(struct pg_slot *s)
{
	uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
	pg_write_mark();
	while (tail < head) {
		size_t off = (size_t)(tail & (PG_RING_SIZE - 1));
		size_t n = (size_t)(head - tail);
		if (n > PG_RING_SIZE - off)
			n = PG_RING_SIZE - off;
		if (pg_write_all(s->ring + off, n) < 0) {
			/* A full disk: the data is dropped rather than retried
			 * forever, but counted, so the profile says what it lacks. */
			atomic_fetch_add(&s->lost, weight_in_ring(s, tail, head));
			break;
		}
		tail += n;
	}
	if (tail >= head)
		note_whole();
	atomic_store_explicit(&s->tail, head, memory_order_release);
}

void pg_drain_all(void)
{
	pg_pyframes_drain();  /* names first, so that a cut file has the names its frames use */
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++) {
		struct pg_slot *s = &pg.slots[i];
		int st = atomic_load(&s->state);
		if (st == SLOT_FREE || !s->ring)
			continue;
		drain_slot(s);
		uint64_t head = atomic_load(&s->head);
		uint64_t touched = head < PG_RING_SIZE ? (head + 4095) & ~4095ull : PG_RING_SIZE;
		if (touched > atomic_load_explicit(&s->ring_touched, memory_order_relaxed))
			atomic_store_explicit(&s->ring_touched, touched, memory_order_relaxed);
		/* Wall mode: the collector thread writes the thread's last wait
		 * first (pg_sampler_wall_tick). */
		if (st == SLOT_EXITED && (pg.mode != PG_MODE_WALL || atomic_load(&s->wall_done) ||
					  !atomic_load(&pg.running))) {
			atomic_store(&s->tid, 0);
			atomic_store(&s->state, SLOT_FREE);
		}
	}
}

/* Slots are used from the bottom of the table up, so that every loop over
 * them stops at nslots instead of walking all PG_MAX_THREADS. A thread we
 * did not create finds its own slot by tid from its signal handler. */
struct pg_slot *pg_slot_find(pid_t tid)
{
	if (!pg.slots)
		return NULL;
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++) {
		struct pg_slot *s = &pg.slots[i];
		if (atomic_load(&s->tid) == tid && atomic_load(&s->state) == SLOT_ACTIVE)
			return s;
	}
	return NULL;
}

struct pg_slot *pg_slot_claim(pid_t tid)
{
	if (!pg.slots)
		return NULL;
	for (int i = 0; i < PG_MAX_THREADS; i++) {
		struct pg_slot *s = &pg.slots[i];
		int expect = 0;
		if (atomic_load(&s->state) != SLOT_FREE)
			continue;
		if (!atomic_compare_exchange_strong(&s->tid, &expect, tid))
			continue;
		if (!s->ring) {
			pg_tracker_pause();  /* our ring is not the program's memory */
			void *r = mmap(NULL, PG_RING_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			pg_tracker_resume();
			if (r == MAP_FAILED) {
				atomic_store(&s->tid, 0);
				return NULL;
			}
			s->ring = r;
		}
		atomic_store(&s->head, 0);
		atomic_store(&s->tail, 0);
		atomic_store(&s->samples, 0);
		atomic_store(&s->lost, 0);
		atomic_store(&s->overruns, 0);
		s->perf_fd = -1;
		s->has_timer = 0;
		s->source = PG_SOURCE_NONE;
		s->rescanned = 0;
		s->last_cpu_ns = 0;
		s->last_n = 0;
		s->wait_run = 0;
		s->last_visit_ns = pg_now_ns();  /* wall mode counts its waits from here */
		s->wait_carry_ns = 0;
		atomic_store(&s->stop_ns, 0);
		atomic_store(&s->stop_cpu_ns, 0);
		atomic_store(&s->wall_done, 0);
		atomic_store(&s->wait_reset, 0);
		atomic_store(&s->last_seq, 0);
		atomic_store(&s->state, SLOT_ACTIVE);
		int n = atomic_load(&pg.nslots);
		while (n < i + 1 && !atomic_compare_exchange_weak(&pg.nslots, &n, i + 1))
			;
		return s;
	}
	return NULL;
}

/* A thread's name now: its own with prctl (no descriptor), another's from
 * /proc. */
static void thread_name(pid_t tid, char name[16])
{
	memset(name, 0, 16);
	if (tid == pg_gettid()) {
		prctl(PR_GET_NAME, name, 0, 0, 0);
		name[15] = '\0';
		return;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, name, 15);
		if (n > 0 && name[n - 1] == '\n')
			name[n - 1] = '\0';
		pg_sys_close(fd);
	}
}

/* flags: 1 found by the rescan; 2 a new name for a thread already seen. */
static void write_thread_record(pid_t tid, uint32_t flags, const char name[16])
{
	struct pg_rec_hdr h = { PG_REC_THREAD, sizeof h + sizeof(struct pg_rec_thread) };
	struct pg_rec_thread t = { .tid = tid, .flags = flags, .time_ns = pg_now_ns() };
	memcpy(t.name, name, sizeof t.name);
	pg_write_lock();
	pg_write_all(&h, sizeof h);
	pg_write_all(&t, sizeof t);
	if (!(flags & PG_THREAD_RENAMED))
		pg.threads_seen++;
	pg_write_unlock();
}

void pg_thread_record(pid_t tid, int rescanned)
{
	char name[16];
	thread_name(tid, name);
	struct pg_slot *s = pg_slot_find(tid);
	if (s)
		memcpy(s->name, name, sizeof s->name);
	write_thread_record(tid, rescanned ? PG_THREAD_RESCANNED : 0, name);
}

/* Names set after the thread started (pthread_setname_np, prctl, a write
 * to comm): recorded when the thread ends and at the end of the process. */
static void record_if_renamed(struct pg_slot *s, pid_t tid)
{
	char name[16];
	thread_name(tid, name);
	if (name[0] && memcmp(name, s->name, sizeof name) != 0) {
		memcpy(s->name, name, sizeof s->name);
		write_thread_record(tid, PG_THREAD_RENAMED, name);
	}
}

static int open_record_file(void)
{
	char path[600];
	for (int seq = 0; seq < 1000; seq++) {
		snprintf(path, sizeof path, "%s/%d-%d.pgr", pg.dir, (int)getpid(), seq);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0)
			return pg_fd_high_or_keep(fd);
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static void write_process_record(void)
{
	char exe[512];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[el > 0 ? el : 0] = '\0';
	size_t strings = strlen(exe) + 1;
	for (int i = 0; i < pg.argc; i++)
		strings += strlen(pg.argv[i]) + 1;
	size_t payload = sizeof(struct pg_rec_process) + strings;
	size_t padded = (payload + 7) & ~(size_t)7;
	struct pg_rec_hdr h = { PG_REC_PROCESS, (uint32_t)(sizeof h + padded) };
	struct pg_rec_process p = {
		.pid = getpid(), .ppid = getppid(), .start_ns = pg_now_ns(), .hz = pg.hz,
		.source = (uint32_t)pg.source, .mode = (uint32_t)pg.mode,
		.argc = (uint32_t)pg.argc, .strings_len = (uint32_t)strings,
	};
	static const char zeros[8];
	pg_write_lock();
	pg_write_all(PG_REC_MAGIC, PG_REC_MAGIC_LEN);
	pg_write_all(&h, sizeof h);
	pg_write_all(&p, sizeof p);
	for (int i = 0; i < pg.argc; i++)
		pg_write_all(pg.argv[i], strlen(pg.argv[i]) + 1);
	pg_write_all(exe, strlen(exe) + 1);
	pg_write_all(zeros, padded - payload);
	pg_modules_snapshot();
	pg_pyframes_write_info();
	pg_write_unlock();
}

/* This image's peak resident set (VmHWM), from /proc; 0 if unknown. */
static uint64_t peak_rss(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	pg_sys_close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = strstr(buf, "VmHWM:");
	uint64_t hwm = p ? strtoull(p + 6, NULL, 10) * 1024 : 0;
	/* Our rings and tables are not the program's: they only grow, so what
	 * they hold now is at least what they held at the program's peak. */
	uint64_t own = pg_own_resident_bytes();
	uint64_t low = pg_tracker_rss_peak_without_own();
	uint64_t est = hwm > own ? hwm - own : 0;
	return est > low ? est : low;
}

static void write_end_record(int exit_code)
{
	struct pg_rec_hdr h = { PG_REC_END, sizeof h + sizeof(struct pg_rec_end) };
	struct pg_rec_end e = { .time_ns = pg_now_ns(), .exit_code = exit_code,
				.source = (uint32_t)pg.source, .threads = pg.threads_seen,
				.peak_rss_bytes = peak_rss() };
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++) {
		struct pg_slot *s = &pg.slots[i];
		e.samples += atomic_load(&s->samples);
		e.lost += atomic_load(&s->lost);
		e.overruns += atomic_load(&s->overruns);
	}
	e.truncated_stacks = atomic_load(&pg.truncated_stacks);
	e.write_errors = atomic_load(&pg.write_errors);
	e.write_errno = (uint32_t)atomic_load(&pg.write_errno);
	unsigned char rec[sizeof h + sizeof e];
	memcpy(rec, &h, sizeof h);
	memcpy(rec + sizeof h, &e, sizeof e);
	pg_write_records(rec, sizeof rec);
}

/* Threads not created through our pthread_create (raw clone, threads started
 * before we were loaded) are found by listing /proc/self/task. getdents64
 * rather than readdir: opendir allocates, and this thread must not depend on
 * the program's allocator. */

static int open_task_dir(void)
{
	int fd = atomic_load(&task_fd);
	if (fd < 0) {
		fd = pg_fd_high_or_keep(open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		atomic_store(&task_fd, fd);
	} else {
		lseek(fd, 0, SEEK_SET);
	}
	return fd;
}

static void rescan_threads(void)
{
	static uint32_t rescan_round;
	rescan_round++;
	int fd = open_task_dir();
	if (fd < 0)
		return;
	char buf[4096];
	pid_t me = pg_gettid();
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			pid_t tid = (pid_t)atoi(d->d_name);
			if (tid == me || exited_recently(tid))
				continue;
			pthread_mutex_lock(&claim_lock);
			struct pg_slot *s = pg_slot_find(tid) ? NULL : pg_slot_claim(tid);
			int armed = 0;
			if (s) {
				s->rescanned = 1;
				/* Most threads found here are ours on their way to their
				 * start routine (which adopts the slot): their time in
				 * our set-up is not the program's waiting. A thread that
				 * nobody adopts counts its waits from the next rescan. */
				atomic_store(&s->last_visit_ns, 0);
				s->rescan_round = rescan_round;
				armed = pg_sampler_arm(s, tid) == 0;
				if (!armed)
					atomic_store(&s->state, SLOT_EXITED);
			}
			pthread_mutex_unlock(&claim_lock);
			if (armed)
				pg_thread_record(tid, 1);
		}
	}
	/* Rescanned threads that have gone: nobody else will retire their slot. */
	int nslots = atomic_load(&pg.nslots);
	for (int i = 0; i < nslots; i++) {
		struct pg_slot *s = &pg.slots[i];
		if (atomic_load(&s->state) != SLOT_ACTIVE || !s->rescanned)
			continue;
		/* Not adopted by the next rescan, and no thread of ours on its
		 * way to its start routine: a thread of the program's own
		 * making, whose waits count from now. */
		uint64_t zero = 0;
		if (s->rescan_round != rescan_round && atomic_load(&pg.starting) == 0)
			atomic_compare_exchange_strong(&s->last_visit_ns, &zero, pg_now_ns());
		char path[64];
		snprintf(path, sizeof path, "/proc/self/task/%d", atomic_load(&s->tid));
		struct stat st;
		if (stat(path, &st) < 0) {
			pg_sampler_disarm(s);
			atomic_store(&s->state, SLOT_EXITED);
		}
	}
}

/* Whether a thread other than the collector's is still alive (not a
 * zombie). Asked only once the main thread has called pthread_exit: then
 * the last of the program's threads to end would end the process, had the
 * collector's thread not been there. */
static int program_threads_alive(void)
{
	int fd = open_task_dir();
	if (fd < 0)
		return 1;
	char buf[4096];
	pid_t me = pg_gettid();
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			return 0;
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9' || atoi(d->d_name) == me)
				continue;
			char path[300], st[256];
			snprintf(path, sizeof path, "/proc/self/task/%s/stat", d->d_name);
			int sfd = open(path, O_RDONLY | O_CLOEXEC);
			if (sfd < 0)
				continue;
			ssize_t k = read(sfd, st, sizeof st - 1);
			pg_sys_close(sfd);
			if (k <= 0)
				continue;
			st[k] = '\0';
			const char *paren = strrchr(st, ')');
			if (paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X')
				return 1;
		}
	}
}

/* The program is over, but this thread kept the process alive: end it as
 * glibc does when the last thread leaves (exit(0): atexit handlers,
 * destructors, stdio), as the program's own thread would have. */
static void end_for_the_program(void)
{
	sigset_t none;
	sigemptyset(&none);
	pg_sigmask(SIG_SETMASK, &none, NULL);
	pg_tracker_resume();
	pg_busy = 0;
	exit(0);
}

static void *sampler_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	/* Faults stay deliverable: the Python frame source's guard catches its
	 * own reads of other threads' frames (a blocked fault would kill). The
	 * thread starts with every signal blocked (start_sampler_thread), so this
	 * sets the mask: SIG_BLOCK would only add to it and leave the faults
	 * blocked, and a wall-mode read of an exiting thread's frames then
	 * killed the program (SIGSEGV in 1 of 67, then 1 of 400 wall-mode runs
	 * of stress.py). */
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	pg_sigmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_NAME, "profgate", 0, 0, 0);
	pg_busy = 1;  /* nothing this thread does is the program's */
	pg_tracker_pause();

	uint64_t interval = pg.mode == PG_MODE_WALL ? 1000000000ull / pg.hz
			    : pg.mem ? HEAP_INTERVAL_NS : DRAIN_INTERVAL_NS;
	uint64_t next = pg_now_ns(), last_drain = next, last_rescan = next, last_snap = next;
	static unsigned char wbuf[64 * 1024];
	uint64_t snap_every = SNAPSHOT_INTERVAL_NS;
	size_t wlen = 0;  /* wall mode's [waiting] samples, written with the drains */
	while (atomic_load(&pg.running)) {
		next += interval;
		uint64_t now = pg_now_ns();
		if (next > now) {
			/* Sleep until the next tick, or until pg_finish() wakes us. */
			struct timespec rel = { (time_t)((next - now) / 1000000000ull),
						(long)((next - now) % 1000000000ull) };
			struct pollfd pfd = { pg.wake_fd, POLLIN, 0 };
			if (pg.wake_fd < 0 || ppoll(&pfd, 1, &rel, NULL) < 0 ||
			    (pfd.revents & POLLNVAL))
				nanosleep(&rel, NULL);  /* never spin on a descriptor gone bad */
			if (!atomic_load(&pg.running))
				break;
		}
		now = pg_now_ns();
		if (now > next + 50 * interval)
			next = now;  /* we were descheduled for long: do not burst */
		if (pg.mode == PG_MODE_WALL && !atomic_load(&pg.paused))
			pg_sampler_wall_tick(wbuf, &wlen, sizeof wbuf);
		if (pg.mem)
			pg_tracker_heap_point(wbuf, &wlen, sizeof wbuf);
		if (now - last_rescan >= RESCAN_INTERVAL_NS && pg.mode != PG_MODE_NONE) {
			rescan_threads();
			last_rescan = now;
		}
		if (atomic_load(&pg.main_exited) && !program_threads_alive())
			break;
		if (wlen > sizeof wbuf / 2 || now - last_drain >= DRAIN_INTERVAL_NS) {
			pg_write_lock();
			pg_write_records(wbuf, wlen);
			wlen = 0;
			/* glibc's own dlopen (NSS, iconv). dl_iterate_phdr holds the
			 * loader's lock: under the write lock, which a fork takes
			 * first, so no child inherits that lock taken. */
			if (pg_modules_changed())
				pg_modules_snapshot();
			pg_drain_all();
			if (pg.mem && now - last_snap >= snap_every) {
				/* Each snapshot is complete: a big one waits longer, so
				 * that snapshots add at most SNAPSHOT_RATE bytes a second
				 * to the record however many stacks there are. */
				size_t bytes = pg_tracker_snapshot(0);
				last_snap = now;
				uint64_t spaced = (uint64_t)bytes * 1000000000ull / SNAPSHOT_RATE;
				snap_every = spaced > SNAPSHOT_INTERVAL_NS ? spaced : SNAPSHOT_INTERVAL_NS;
			}
			pg_write_unlock();
			last_drain = now;
		}
	}
	if (pg.mode == PG_MODE_WALL)
		pg_sampler_wall_flush(wbuf, &wlen, sizeof wbuf);
	if (wlen > 0) {
		pg_write_lock();
		pg_write_records(wbuf, wlen);
		pg_write_unlock();
	}
	if (atomic_load(&pg.running) && atomic_load(&pg.main_exited))
		end_for_the_program();
	return NULL;
}

/* The collector's thread only exists when it has work: sampling or
 * tracking. Without it the process stays single-threaded (unshare of a
 * user namespace requires that). */
static int start_sampler_thread(void)
{
	if (pg.mode == PG_MODE_NONE && !pg.mem)
		return 0;
	atomic_store(&pg.running, 1);
	if (pg.wake_fd < 0) {
		pg.wake_fd = pg_fd_high_or_keep(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	}
	/* The thread blocks every signal: it must not start with one of the
	 * program's handlers able to run in it before it does. */
	sigset_t all, old;
	sigfillset(&all);
	pg_sigmask(SIG_SETMASK, &all, &old);
	int rc = pg_real_pthread_create(&pg.sampler, NULL, sampler_main, NULL);
	pg_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	pg.has_sampler = 1;
	return 0;
}

/* Stops the collector's thread for a moment (unshare(CLONE_NEWUSER) needs
 * a single-threaded process), writing what it held. */
int pg_collector_thread_stop(void)
{
	if (!pg.has_sampler || !pg.enabled || pg.pid != getpid() || atomic_load(&pg.finished) ||
	    pthread_equal(pthread_self(), pg.sampler))
		return 0;
	atomic_store(&pg.running, 0);
	uint64_t one = 1;
	ssize_t w = write(pg.wake_fd, &one, sizeof one);
	(void)w;
	pthread_join(pg.sampler, NULL);
	pg.has_sampler = 0;
	uint64_t drain;
	w = read(pg.wake_fd, &drain, sizeof drain);
	return 1;
}

void pg_collector_thread_restart(void)
{
	if (pg.enabled && pg.pid == getpid() && !atomic_load(&pg.finished) && !pg.has_sampler)
		start_sampler_thread();
}

/* Everything needed before the first sample of a thread, run in that
 * thread. The thread record is written separately when the process record
 * has to come first. */
static struct pg_slot *arm_current_thread(int *already)
{
	pid_t tid = pg_gettid();
	*already = 0;
	pg_sampler_warm();
	pthread_mutex_lock(&claim_lock);
	struct pg_slot *s = pg_slot_find(tid);
	if (s) {
		/* The rescan got here first and armed it: adopt that slot, and
		 * drop the waits counted meanwhile (our set-up). */
		s->rescanned = 0;
		atomic_store(&s->wait_reset, 1);
		pg_self = s;
		*already = 1;
		pthread_mutex_unlock(&claim_lock);
		return s;
	}
	s = pg_slot_claim(tid);
	if (s) {
		pg_self = s;
		if (pg_sampler_arm(s, tid) < 0) {
			pg_self = NULL;
			atomic_store(&s->state, SLOT_EXITED);
			s = NULL;
		}
	}
	pthread_mutex_unlock(&claim_lock);
	if (s)
		pg_sampler_unblock_self(s);
	return s;
}

void pg_thread_start(void)
{
	int already;
	struct pg_slot *s = arm_current_thread(&already);
	if (s)
		atomic_store(&s->last_visit_ns, 0);  /* wall mode: from pg_thread_started() on */
	if (s && !already)
		pg_thread_record(pg_gettid(), 0);
}

/* The program's start routine is about to run: wall mode counts this
 * thread's waits from now. */
void pg_thread_started(void)
{
	if (pg_self)
		atomic_store(&pg_self->last_visit_ns, pg_now_ns());
}

/* Removes our own entry from LD_PRELOAD (keeping the user's) so that programs
 * this one execs are not profiled: --no-follow. */
static void drop_from_preload(void)
{
	const char *pre = getenv("LD_PRELOAD");
	if (!pre)
		return;
	char out[4096];
	size_t o = 0;
	const char *p = pre;
	while (*p) {
		size_t n = strcspn(p, ": ");
		if (n > 0 && !memmem(p, n, "libprofgate_collector", 21) && o + n + 2 < sizeof out) {
			if (o)
				out[o++] = ':';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		while (*p == ':' || *p == ' ')
			p++;
	}
	out[o] = '\0';
	if (o)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
}

static void start_process(void)
{
	pg.pid = getpid();
	pg.fd = open_record_file();
	if (pg.fd < 0) {
		pg.enabled = 0;
		return;
	}
	int already;
	struct pg_slot *self = pg.mode != PG_MODE_NONE ? arm_current_thread(&already) : NULL;
	if (self)
		pg.source = self->source;
	write_process_record();
	if (self)
		pg_thread_record(pg_gettid(), 0);
	/* Opened now, before the program's main: a descriptor that appears
	 * later, in a program counting its own, would look like a leak. */
	if (pg.mode != PG_MODE_NONE)
		open_task_dir();
	start_sampler_thread();
}

__attribute__((constructor)) static void pg_init(int argc, char **argv, char **envp)
{
	(void)envp;
	pg_busy++;
	pg_intercept_init();
	const char *dir = getenv("PROFGATE_RAW_DIR");
	if (!dir || !*dir || strlen(dir) >= sizeof pg.dir) {
		pg_busy--;
		return;
	}
	snprintf(pg.dir, sizeof pg.dir, "%s", dir);
	const char *hz = getenv("PROFGATE_HZ");
	pg.hz = hz ? (unsigned)strtoul(hz, NULL, 10) : 999;
	if (pg.hz == 0 || pg.hz > 100000)
		pg.hz = 999;
	const char *mode = getenv("PROFGATE_MODE");
	pg.mode = !mode || !strcmp(mode, "cpu") ? PG_MODE_CPU
		: !strcmp(mode, "wall") ? PG_MODE_WALL : PG_MODE_NONE;
#ifdef PG_COLLECTOR_CPU_ONLY
	/* No tracker in this library; profgate preloads the full one for a
	 * memory run (harness/run.c). */
	pg.mem = 0;
#else
	const char *mem = getenv("PROFGATE_MEM");
	pg.mem = mem && !strcmp(mem, "1");
#endif
	const char *mem_sample = getenv("PROFGATE_MEM_SAMPLE");
	pg.mem_sample = mem_sample ? strtoull(mem_sample, NULL, 10) : 0;
	/* Read once here: getenv() later, in another thread, could meet the
	 * program's setenv() rewriting the environment. */
	const char *source = getenv("PROFGATE_SOURCE");
	pg.force_timer = source && !strcmp(source, "timer");
	pg.force_sigio = source && !strcmp(source, "perf-sigio");
	const char *follow = getenv("PROFGATE_FOLLOW");
	pg.follow = !follow || strcmp(follow, "0") != 0;
	if (!pg.follow)
		drop_from_preload();
	pg.argc = argc;
	pg.argv = argv;
	atomic_store(&pg.exit_code, -1);

	void *slots = mmap(NULL, sizeof(struct pg_slot) * PG_MAX_THREADS, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		pg_busy--;
		return;
	}
	pg.slots = slots;
	/* Known before any of them is opened: close() and dup2() look here. */
	pg_fd_register(&pg.fd);
	pg_fd_register(&pg.wake_fd);
	pg_fd_register(&task_fd);
	pg.enabled = 1;
	pg_loader_lock_find();
	pg_pyframes_init();
	if (pg.mode != PG_MODE_NONE && pg_sampler_install() < 0)
		pg.mode = PG_MODE_NONE;
	start_process();
	if (pg.mem && pg.enabled)
		pg_tracker_start(pg.mem_sample);
	pg_busy--;
}

enum { FINISH_NONE, FINISH_LOCKED, FINISH_OVER };

/* The write lock for the end of the process image. Its holder may never let
 * go: this thread, interrupted by the signal whose handler exits, or another
 * thread waiting for a lock this one holds (the collector thread, between
 * its drain and the tracker's snapshot, for the tracker's lock of a malloc
 * this thread was in). Then the last records are written over the holder
 * (FINISH_OVER), after the file's whole records, once a wait shows it does
 * not move: 0.1 s from a signal handler, 1 s otherwise. The holder's own
 * records are then cut off, whole or not. */
static int finish_lock(int in_signal)
{
	if (pg.fd < 0)
		return FINISH_NONE;
	int waits = 0, limit = in_signal ? 100 : 1000;
	if (!(pg_holds_write_lock && atomic_load(&w_owner) == pg_gettid())) {
		for (;;) {
			if (pthread_mutex_trylock(&pg.write_lock) == 0)
				return FINISH_LOCKED;
			if (++waits > limit)
				break;
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);  /* async-signal-safe */
		}
	}
	return atomic_load(&w_whole) >= 0 ? FINISH_OVER : FINISH_NONE;
}

/* Stops sampling and writes what is left. Called once per process image from
 * the destructor, exit/_exit wrappers, an exec that is about to replace us,
 * or a fatal signal. */
void pg_finish(int exit_code, int in_signal)
{
	int expect = 0;
	if (!pg.enabled || pg.pid != getpid() ||
	    !atomic_compare_exchange_strong(&pg.finished, &expect, 1))
		return;
	pg_busy++;
	pg_sampler_disarm_all();
	atomic_store(&pg.running, 0);
	if (pg.wake_fd >= 0) {
		uint64_t one = 1;
		ssize_t w = write(pg.wake_fd, &one, sizeof one);  /* async-signal-safe */
		(void)w;
	}
	/* _exit() or exit() from a signal handler that interrupted our own
	 * code on this thread (a malloc holding the tracker's lock), or the
	 * loader while this thread holds its write lock (a dlclose unmapping
	 * a library): as from a signal, never wait for a lock or for the
	 * collector thread, which may be waiting for that lock (seen: the
	 * collector thread in dl_iterate_phdr, this thread joining it). */
	if (pg_holds_write_lock || pg_tracker_lock_held() || pg_loader_lock_in_flux_here())
		in_signal = 1;
	if (!in_signal && pg.has_sampler && !pthread_equal(pthread_self(), pg.sampler)) {
		pthread_join(pg.sampler, NULL);
		pg.has_sampler = 0;
	}
	if (exit_code < 0)
		exit_code = atomic_load(&pg.exit_code);
	if (!in_signal) {
		/* Names given after the threads started. */
		int n = atomic_load(&pg.nslots);
		for (int i = 0; i < n; i++) {
			struct pg_slot *s = &pg.slots[i];
			if (atomic_load(&s->state) == SLOT_ACTIVE)
				record_if_renamed(s, atomic_load(&s->tid));
		}
	}
	static unsigned char fbuf[64 * 1024];
	size_t flen = 0;
	if (pg.mem)
		pg_tracker_heap_point(fbuf, &flen, sizeof fbuf);
	int got = finish_lock(in_signal);
	if (got == FINISH_LOCKED) {
		pg_holds_write_lock = 1;
		pg_write_section();
		if (!in_signal && pg_modules_changed())
			pg_modules_snapshot();
		pg_drain_all();
		if (pg.mem) {
			pg_write_records(fbuf, flen);
			pg_tracker_snapshot(in_signal);
		}
		pg_pyframes_write_info();
		write_end_record(exit_code);
		write_lock_release();
	} else if (got == FINISH_OVER) {
		/* The holder stays where it is until the process ends: its last
		 * group is cut off, and the end record follows the whole ones.
		 * Samples still in the rings and the tracker's last snapshot are
		 * lost; the heap point and the counters are not. */
		if (ftruncate(pg.fd, atomic_load(&w_whole)) == 0) {
			pg_write_section();
			pg_write_records(fbuf, flen);
			write_end_record(exit_code);
		}
	}
	pg_busy--;
}

__attribute__((destructor)) static void pg_fini(void)
{
	pg_finish(-1, 0);
}

/* In the child of fork: one thread (this one), a new record file of its own,
 * nothing of the parent's buffered data. */
void pg_after_fork_child(void)
{
	t_tid = 0;
	pthread_mutex_init(&claim_lock, NULL);
	pg_unwind_after_fork_child();
	if (!pg.enabled || atomic_load(&pg.finished))
		return;
	pthread_mutex_init(&pg.write_lock, NULL);
	atomic_store(&w_owner, 0);
	atomic_store(&w_whole, -1);  /* the parent's file */
	if (pg_holds_write_lock) {
		/* Taken by the fork handler: the copy of the lock is fresh. */
		pg_holds_write_lock = 0;
		pthread_setcancelstate(t_write_cancel, NULL);
	}
	pg_tracker_after_fork_child(pg.follow);
	pg_pyframes_after_fork_child();
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++) {
		struct pg_slot *s = &pg.slots[i];
		pg_sys_close(atomic_exchange(&s->perf_fd, -1));
		s->has_timer = 0;  /* timers are not inherited by fork */
		atomic_store(&s->tid, 0);
		atomic_store(&s->state, SLOT_FREE);
	}
	atomic_store(&pg.nslots, 0);
	pg_self = NULL;
	pg.has_sampler = 0;
	atomic_store(&pg.main_exited, 0);
	atomic_store(&pg.starting, 0);  /* the parent's threads on their way are not here */
	pg.threads_seen = 0;
	atomic_store(&pg.truncated_stacks, 0);  /* the parent's: this file counts its own */
	atomic_store(&pg.write_errors, 0);
	atomic_store(&pg.write_errno, 0);
	/* The eventfd is shared with the parent's collector thread, and
	 * /proc/self/task was the parent's. */
	pg_sys_close(atomic_exchange(&pg.wake_fd, -1));
	pg_sys_close(atomic_exchange(&task_fd, -1));
	pg_sys_close(atomic_exchange(&pg.fd, -1));
	if (!pg.follow) {
		pg.enabled = 0;
		return;
	}
	start_process();
}

/* The thread leaves: no signal may reach its slot after it is marked exited,
 * so the signal is blocked first. */
void pg_thread_stop(void)
{
	struct pg_slot *s = pg_self;
	if (!s)
		return;
	struct timespec cpu;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	atomic_store(&s->stop_cpu_ns, (uint64_t)cpu.tv_sec * 1000000000ull + (uint64_t)cpu.tv_nsec);
	atomic_store(&s->stop_ns, pg_now_ns());
	atomic_store(&recent_exits[atomic_fetch_add(&recent_next, 1) % RECENT_EXITS], atomic_load(&s->tid));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, PG_SAMPLE_SIGNAL);
	sigaddset(&set, PG_TRAP_SIGNAL);
	pg_sigmask(SIG_BLOCK, &set, NULL);
	pg_sampler_disarm(s);
	if (!atomic_load(&pg.finished))
		record_if_renamed(s, pg_gettid());
	pg_self = NULL;
	atomic_store(&s->state, SLOT_EXITED);
}

/* execve is about to replace this process image: stop every source, write
 * what is buffered and an end record, and drop queued signals. If execve
 * fails, pg_after_exec_failed() resumes. A vfork child shares our memory but
 * is not us: it must leave the parent's state alone. */
void pg_before_exec(void)
{
	if (!pg.enabled || pg.pid != getpid() || atomic_load(&pg.finished))
		return;
	pg_busy++;
	atomic_store(&pg.paused, 1);
	pg_sampler_disarm_all();
	pg_sampler_discard_pending();
	pg_restore_user_dispositions();
	pg_write_lock();
	pg_drain_all();
	if (pg.mem)
		pg_tracker_snapshot(0);
	write_end_record(-2);
	pg_write_unlock();
	pg_busy--;
}

void pg_after_exec_failed(void)
{
	if (!pg.enabled || pg.pid != getpid() || atomic_load(&pg.finished))
		return;
	pg_sampler_rearm_all();
	atomic_store(&pg.paused, 0);
}

/* The collector's own memory in this process, as far as it can be counted
 * cheaply: the touched part of every ring, the slot table in use and the
 * tracker's tables. (libunwind's caches are not counted.) */
uint64_t pg_own_resident_bytes(void)
{
	if (!pg.slots)
		return 0;
	int n = atomic_load(&pg.nslots);
	uint64_t own = (uint64_t)n * sizeof(struct pg_slot);
	for (int i = 0; i < n; i++)
		own += atomic_load_explicit(&pg.slots[i].ring_touched, memory_order_relaxed);
	return own + pg_tracker_own_resident();
}
