/*
 * The collector's own descriptors, kept out of the program's way. The
 * record file, the collector thread's eventfd and /proc files, every
 * thread's perf event and libunwind's memory-validation pipe are moved to
 * the top of the descriptor table (F_DUPFD_CLOEXEC from a high base), so
 * that the program's own open() calls get the numbers they would get
 * without profgate. A program that asks for one of those numbers anyway
 * (dup2, dup3, fcntl F_DUPFD onto it) gets it: ours moves first, and the
 * variable that held the old number is updated. close, close_range and
 * closefrom leave ours open (intercept.c).
 *
 * Everything here closes and duplicates with raw system calls: the
 * exported close() refuses to close our descriptors, including for us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"

/* Our descriptors start here; pg_fd_top is one past the last we may use. */
static int fd_base = -1, fd_top;

/* Descriptors held in single variables: the record file, the eventfd, the
 * /proc files the collector thread rereads. */
#define MAX_NAMED 8
static _Atomic int *named[MAX_NAMED];
static int nnamed;

/* libunwind's validation pipe: the array it passed to pipe2, which we
 * update when the pipe has to move. */
static int *unw_pipe;

__thread int pg_unwinding __attribute__((tls_model("initial-exec")));

void pg_sys_close(int fd)
{
	if (fd >= 0)
		syscall(SYS_close, fd);
}

static void init_base(void)
{
	if (fd_base >= 0)
		return;
	struct rlimit rl;
	rlim_t top = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		top = rl.rlim_cur;
	if (top > 65536)
		top = 65536;  /* a bigger table costs the kernel memory for nothing */
	/* The top half, at most 4096 descriptors: one per sampled thread plus
	 * a few. A program with more than that many files open meets ours;
	 * its numbers then skip them. */
	rlim_t span = top / 2 < 4096 ? top / 2 : 4096;
	fd_top = (int)top;
	fd_base = (int)(top - span);
	if (fd_base < 10)
		fd_base = 10;
}

int pg_fd_high(int fd)
{
	if (fd < 0)
		return -1;
	init_base();
	if (fd >= fd_base)
		return fd;
	int h = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, fd_base);
	if (h < 0 || h >= fd_top) {
		pg_sys_close(h);
		return -1;
	}
	pg_sys_close(fd);
	return h;
}

int pg_fd_high_or_keep(int fd)
{
	int h = pg_fd_high(fd);
	return h >= 0 ? h : fd;
}

void pg_fd_register(_Atomic int *var)
{
	for (int i = 0; i < nnamed; i++)
		if (named[i] == var)
			return;
	if (nnamed < MAX_NAMED)
		named[nnamed++] = var;
}

int pg_fd_ours(int fd)
{
	/* No getpid() here: close() is hot in some programs. A vfork child that
	 * closes one of ours merely keeps it until its exec (all are CLOEXEC). */
	if (fd < 0 || !pg.enabled)
		return 0;
	for (int i = 0; i < nnamed; i++)
		if (atomic_load(named[i]) == fd)
			return 1;
	if (unw_pipe && (unw_pipe[0] == fd || unw_pipe[1] == fd))
		return 1;
	if (fd < fd_base || !pg.slots)
		return 0;  /* perf events are always high */
	int n = atomic_load(&pg.nslots);
	for (int i = 0; i < n; i++)
		if (atomic_load(&pg.slots[i].perf_fd) == fd)
			return 1;
	return 0;
}

/* Sorted list of our descriptors in [lo, hi], at most cap of them. */
size_t pg_fd_list(int *out, size_t cap, unsigned lo, unsigned hi)
{
	size_t n = 0;
	int cand[MAX_NAMED + 2];
	size_t nc = 0;
	for (int i = 0; i < nnamed; i++)
		cand[nc++] = atomic_load(named[i]);
	if (unw_pipe) {
		cand[nc++] = unw_pipe[0];
		cand[nc++] = unw_pipe[1];
	}
	for (size_t i = 0; i < nc && n < cap; i++)
		if (cand[i] >= 0 && (unsigned)cand[i] >= lo && (unsigned)cand[i] <= hi)
			out[n++] = cand[i];
	int ns = pg.slots ? atomic_load(&pg.nslots) : 0;
	for (int i = 0; i < ns && n < cap; i++) {
		int fd = atomic_load(&pg.slots[i].perf_fd);
		if (fd >= 0 && (unsigned)fd >= lo && (unsigned)fd <= hi)
			out[n++] = fd;
	}
	/* Insertion sort: a handful, or one per thread at most. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* The program wants descriptor fd for itself: if it is ours, ours moves to
 * another high number first. Not from a signal handler (takes the write
 * lock when the record file moves). */
void pg_fd_vacate(int fd)
{
	if (!pg_fd_ours(fd))
		return;
	pg_busy++;
	for (int i = 0; i < nnamed; i++) {
		if (atomic_load(named[i]) != fd)
			continue;
		/* The record file is written under the write lock: no writer may
		 * hold the old number while the program's file takes it. */
		int lock = named[i] == (_Atomic int *)&pg.fd && !pg_holds_write_lock;
		if (lock)
			pg_write_lock();
		int h = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, fd + 1 > fd_base ? fd + 1 : fd_base);
		if (h >= 0) {
			atomic_store(named[i], h);
			pg_sys_close(fd);
		}
		if (lock)
			pg_write_unlock();
	}
	if (unw_pipe) {
		for (int k = 0; k < 2; k++) {
			if (unw_pipe[k] != fd)
				continue;
			int h = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, fd + 1 > fd_base ? fd + 1 : fd_base);
			if (h >= 0) {
				__atomic_store_n(&unw_pipe[k], h, __ATOMIC_RELEASE);
				pg_sys_close(fd);
			}
		}
	}
	int ns = pg.slots ? atomic_load(&pg.nslots) : 0;
	for (int i = 0; i < ns; i++) {
		struct pg_slot *s = &pg.slots[i];
		if (atomic_load(&s->perf_fd) != fd)
			continue;
		/* The event lives as long as one descriptor refers to it. If the
		 * slot was disarmed meanwhile, the copy is not needed. */
		int h = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, fd + 1 > fd_base ? fd + 1 : fd_base);
		int expect = fd;
		if (h >= 0 && atomic_compare_exchange_strong(&s->perf_fd, &expect, h))
			pg_sys_close(fd);
		else
			pg_sys_close(h);
	}
	pg_busy--;
}

/* libunwind (1.6) opens its validation pipe with pipe2() on a static array:
 * called from inside our unwinding, the pipe goes high and we remember the
 * array, so that the pipe can be moved if the program wants its numbers. */
int pg_fd_pipe_for_unwinder(int pipefd[2], int flags)
{
	int p[2];
	if (syscall(SYS_pipe2, p, flags | O_CLOEXEC) < 0)
		return -1;
	pipefd[0] = pg_fd_high_or_keep(p[0]);
	pipefd[1] = pg_fd_high_or_keep(p[1]);
	unw_pipe = pipefd;
	return 0;
}
