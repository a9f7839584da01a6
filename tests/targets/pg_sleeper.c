/*
 * pg_sleeper [seconds=1]: one thread burns `seconds` of CPU in busy_work(),
 * another sleeps 10 ms at a time in sleep_loop(), and the main thread blocks
 * in read() on a pipe that the busy thread writes to when it is done. For the
 * wall-clock mode: waiting threads must show up as waiting, and sampling them
 * must not interrupt their system calls. nanosleep() is never restarted after
 * a signal handler, whatever SA_RESTART says, so any signal that reaches the
 * sleeping thread makes it return EINTR; the program then prints
 * "EINTR seen" and exits 3. Otherwise it exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "pg_target.h"

void busy_work(double seconds);
void sleep_loop(void);
void wait_for_pipe(int fd);

static atomic_int busy_done;
static int pipe_fds[2];
static double busy_seconds;

static void eintr_seen(const char *where)
{
	fprintf(stderr, "EINTR seen (%s)\n", where);
	exit(3);
}

PG_PROFILED void busy_work(double seconds)
{
	PG_BARRIER();
	burn_for(0xb05e, seconds);
}

PG_PROFILED void sleep_loop(void)
{
	const struct timespec ten_ms = {0, 10 * 1000 * 1000};

	PG_BARRIER();
	while (!atomic_load(&busy_done)) {
		/* deliberately no retry: an interrupted sleep is what we look for */
		if (nanosleep(&ten_ms, NULL) != 0) {
			if (errno == EINTR)
				eintr_seen("nanosleep");
			perror("pg_sleeper: nanosleep");
			exit(1);
		}
	}
}

PG_PROFILED void wait_for_pipe(int fd)
{
	char byte;

	PG_BARRIER();
	ssize_t n = read(fd, &byte, 1);
	if (n == 1)
		return;
	if (n < 0 && errno == EINTR)
		eintr_seen("read");
	if (n < 0)
		perror("pg_sleeper: read");
	else
		fprintf(stderr, "pg_sleeper: unexpected end of pipe\n");
	exit(1);
}

static void *busy_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "busy");
	busy_work(busy_seconds);
	atomic_store(&busy_done, 1);
	if (write(pipe_fds[1], "x", 1) != 1) {
		perror("pg_sleeper: write");
		exit(1);
	}
	return NULL;
}

static void *sleeper_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "sleeper");
	sleep_loop();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t busy, sleeper;
	int err;

	busy_seconds = arg_seconds(argc, argv, 1, 1.0);
	if (pipe(pipe_fds) != 0) {
		perror("pg_sleeper: pipe");
		return 1;
	}
	if ((err = pthread_create(&sleeper, NULL, sleeper_main, NULL)) != 0 ||
	    (err = pthread_create(&busy, NULL, busy_main, NULL)) != 0) {
		fprintf(stderr, "pg_sleeper: pthread_create: %s\n", strerror(err));
		return 1;
	}
	wait_for_pipe(pipe_fds[0]);
	pthread_join(busy, NULL);
	pthread_join(sleeper, NULL);
	return 0;
}
