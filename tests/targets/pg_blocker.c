/*
 * pg_blocker [seconds=1] [busy|idle]: threads that spend their life blocked
 * in system calls while the main thread burns `seconds` of CPU in
 * blocker_busy_work(). With "busy" (the default) each of them also runs for
 * about a millisecond between two calls, so that a sampler sees it running
 * right before it blocks again; with "idle" it runs only the few
 * microseconds from one call to the next:
 *   - epoll_tick:   epoll_wait() with a 20 ms timeout, in a loop;
 *   - epoll_block:  one epoll_wait() without timeout on an eventfd;
 *   - pipe_reader:  read() on a pipe that a feeder thread writes a byte
 *                   to every 10 ms (the feeder sleeps with nanosleep());
 *   - sleeper:      clock_nanosleep() of 5 ms, in a loop.
 * None of them retries on EINTR: a profiler's signal that interrupts one of
 * these calls is a bug the program would see. On any EINTR it prints
 * "EINTR seen (<call>)" and exits 3; otherwise it exits 0 once every thread
 * has been woken and joined.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pg_target.h"

void blocker_busy_work(double seconds);
void between_calls_work(void);

static atomic_int done;
static int busy_between = 1;
static int tick_efd, block_efd, pipe_fds[2];

static void eintr_seen(const char *where)
{
	fprintf(stderr, "EINTR seen (%s)\n", where);
	exit(3);
}

static void fail(const char *what)
{
	fprintf(stderr, "pg_blocker: %s: %s\n", what, strerror(errno));
	exit(1);
}

PG_PROFILED void blocker_busy_work(double seconds)
{
	PG_BARRIER();
	burn_for(0xb10c, seconds);
}

/* About a millisecond of CPU: the thread is running, and sampled, right
 * before it blocks again. */
PG_PROFILED void between_calls_work(void)
{
	PG_BARRIER();
	if (busy_between)
		burn(0xca11, 300000);
}

static int watch(int fd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		fail("epoll");
	return ep;
}

static void *epoll_tick(void *arg)
{
	(void)arg;
	int ep = watch(tick_efd);
	for (;;) {
		struct epoll_event ev;
		between_calls_work();
		int n = epoll_wait(ep, &ev, 1, 20);
		if (n < 0) {
			if (errno == EINTR)
				eintr_seen("epoll_wait with timeout");
			fail("epoll_wait");
		}
		if (n == 1)
			break;
	}
	close(ep);
	return NULL;
}

static void *epoll_block(void *arg)
{
	(void)arg;
	int ep = watch(block_efd);
	struct epoll_event ev;
	between_calls_work();
	int n = epoll_wait(ep, &ev, 1, -1);
	if (n < 0) {
		if (errno == EINTR)
			eintr_seen("epoll_wait without timeout");
		fail("epoll_wait");
	}
	close(ep);
	return NULL;
}

static void *pipe_reader(void *arg)
{
	(void)arg;
	for (;;) {
		char c;
		between_calls_work();
		ssize_t n = read(pipe_fds[0], &c, 1);
		if (n < 0) {
			if (errno == EINTR)
				eintr_seen("read");
			fail("read");
		}
		if (n == 0 || c == 'q')
			break;
	}
	return NULL;
}

static void *feeder(void *arg)
{
	(void)arg;
	const struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
	while (!atomic_load(&done)) {
		if (nanosleep(&ten_ms, NULL) != 0) {
			if (errno == EINTR)
				eintr_seen("nanosleep");
			fail("nanosleep");
		}
		if (write(pipe_fds[1], "x", 1) != 1)
			fail("write");
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	const struct timespec five_ms = { 0, 5 * 1000 * 1000 };
	while (!atomic_load(&done)) {
		between_calls_work();
		int err = clock_nanosleep(CLOCK_MONOTONIC, 0, &five_ms, NULL);
		if (err == EINTR)
			eintr_seen("clock_nanosleep");
		if (err != 0) {
			errno = err;
			fail("clock_nanosleep");
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*const mains[])(void *) = { epoll_tick, epoll_block, pipe_reader, feeder, sleeper };
	const char *names[] = { "epoll_tick", "epoll_block", "pipe_reader", "feeder", "sleeper" };
	enum { N = sizeof mains / sizeof mains[0] };
	pthread_t t[N];
	uint64_t one = 1;

	double seconds = arg_seconds(argc, argv, 1, 1.0);
	if (argc > 2) {
		if (strcmp(argv[2], "busy") && strcmp(argv[2], "idle")) {
			fprintf(stderr, "usage: pg_blocker [seconds] [busy|idle]\n");
			return 2;
		}
		busy_between = !strcmp(argv[2], "busy");
	}
	tick_efd = eventfd(0, EFD_CLOEXEC);
	block_efd = eventfd(0, EFD_CLOEXEC);
	if (tick_efd < 0 || block_efd < 0 || pipe(pipe_fds) != 0)
		fail("eventfd/pipe");
	for (int i = 0; i < N; i++) {
		int err = pthread_create(&t[i], NULL, mains[i], NULL);
		if (err != 0) {
			fprintf(stderr, "pg_blocker: pthread_create: %s\n", strerror(err));
			return 1;
		}
		pthread_setname_np(t[i], names[i]);
	}
	blocker_busy_work(seconds);
	atomic_store(&done, 1);
	if (write(tick_efd, &one, sizeof one) != sizeof one ||
	    write(block_efd, &one, sizeof one) != sizeof one)
		fail("write eventfd");
	for (int i = 0; i < N; i++) {
		if (mains[i] == pipe_reader)
			continue;
		pthread_join(t[i], NULL);
	}
	/* The feeder has stopped: end the reader. */
	if (write(pipe_fds[1], "q", 1) != 1)
		fail("write");
	pthread_join(t[2], NULL);
	return 0;
}
