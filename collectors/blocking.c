/*
 * Wall mode: where a thread blocked. The wall sampler counts a thread that
 * is not running as [waiting] under the last stack it knows for it, which
 * is the thread's last CPU sample: often a stack the thread had long left
 * (lz4's main thread showed as waiting in XXH32_update while it sat in
 * pthread_cond_wait). These wrappers of the common blocking calls record
 * the caller's stack as the thread's last one just before it blocks, so
 * that its waiting time hangs under the call that waited.
 *
 * Nothing is signalled and the calls are made as the program made them:
 * no EINTR is added, and errno is what the real call left. Outside wall
 * mode, or in profgate's own threads, a wrapper is one test and a call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "collector.h"

/* Records the calling thread's stack (without the collector's frames,
 * which symbolization drops anyway) as its last stack. */
static void note_blocking(void)
{
	struct pg_slot *s = pg_self;
	void *raw[PG_REC_MAX_FRAMES];
	uint64_t frames[PG_REC_MAX_FRAMES];
	uint32_t nf = 0;
	int saved = errno, n;

	if (!s || pg.mode != PG_MODE_WALL || pg_busy || atomic_load_explicit(&pg.finished, memory_order_relaxed))
		return;
	/* The sampler's handler skips a thread that is busy here. */
	pg_busy++;
	pg_tracker_pause();
	n = unw_backtrace(raw, PG_REC_MAX_FRAMES);
	pg_tracker_resume();
	/* raw[0] is this function; the wrapper's own frame stays (dropped as
	 * the collector's when symbolized). */
	for (int i = 1; i < n && nf < PG_REC_MAX_FRAMES; i++)
		frames[nf++] = (uint64_t)(uintptr_t)raw[i];
	if (nf > 0) {
		atomic_fetch_add_explicit(&s->last_seq, 1, memory_order_acq_rel);
		memcpy(s->last_frames, frames, nf * sizeof frames[0]);
		s->last_n = nf;
		atomic_fetch_add_explicit(&s->last_seq, 1, memory_order_acq_rel);
	}
	pg_busy--;
	errno = saved;
}

/* The next definition of name, resolved on first use. */
#define REAL(name)                                                  \
	static __typeof__(&name) real;                              \
	if (!real)                                                  \
		real = (__typeof__(&name))dlsym(RTLD_NEXT, #name);

/* The same for the condition variables, whose default version is the
 * one programs link against (not the 2.2.5 compatibility one). */
#define REAL_VERSIONED(name, version)                               \
	static __typeof__(&name) real;                              \
	if (!real)                                                  \
		real = (__typeof__(&name))dlvsym(RTLD_NEXT, #name, version); \
	if (!real)                                                  \
		real = (__typeof__(&name))dlsym(RTLD_NEXT, #name);

PG_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	REAL_VERSIONED(pthread_cond_wait, "GLIBC_2.3.2")
	note_blocking();
	return real(c, m);
}

PG_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	REAL_VERSIONED(pthread_cond_timedwait, "GLIBC_2.3.2")
	note_blocking();
	return real(c, m, t);
}

PG_EXPORT int pthread_join(pthread_t t, void **ret)
{
	REAL(pthread_join)
	note_blocking();
	return real(t, ret);
}

PG_EXPORT int sem_wait(sem_t *s)
{
	REAL(sem_wait)
	note_blocking();
	return real(s);
}

PG_EXPORT int sem_timedwait(sem_t *s, const struct timespec *t)
{
	REAL(sem_timedwait)
	note_blocking();
	return real(s, t);
}

PG_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	REAL(nanosleep)
	note_blocking();
	return real(req, rem);
}

PG_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	REAL(clock_nanosleep)
	note_blocking();
	return real(clk, flags, req, rem);
}

PG_EXPORT int usleep(useconds_t us)
{
	REAL(usleep)
	note_blocking();
	return real(us);
}

PG_EXPORT unsigned sleep(unsigned s)
{
	REAL(sleep)
	note_blocking();
	return real(s);
}

PG_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	REAL(read)
	note_blocking();
	return real(fd, buf, n);
}

PG_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll)
	note_blocking();
	return real(fds, n, timeout);
}

PG_EXPORT int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	REAL(epoll_wait)
	note_blocking();
	return real(ep, ev, max, timeout);
}

PG_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t)
{
	REAL(select)
	note_blocking();
	return real(n, r, w, e, t);
}

PG_EXPORT int fsync(int fd)
{
	REAL(fsync)
	note_blocking();
	return real(fd);
}

PG_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	REAL(waitpid)
	note_blocking();
	return real(pid, status, options);
}
