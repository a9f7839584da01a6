/*
 * pg_thread_exit [code=7]: the main thread allocates 1 MiB in
 * main_alloc(), starts a worker and burns CPU in main_spin_work() without
 * end; the worker burns ~0.4 s in thread_exit_work() and ends the whole
 * process with _exit(code) from its own thread, where no atexit handler or
 * destructor runs. The profile must hold both threads' work, the
 * allocation, and the exit status `code`.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "pg_target.h"

void *main_alloc(void);
void main_spin_work(void);
void thread_exit_work(void);

static void *volatile kept;
static int exit_code = 7;

PG_PROFILED void *main_alloc(void)
{
	PG_BARRIER();
	char *p = malloc(1 << 20);
	if (p)
		memset(p, 2, 1 << 20);
	return p;
}

PG_PROFILED void main_spin_work(void)
{
	PG_BARRIER();
	for (;;)
		burn(0x3a1f, 100000);
}

PG_PROFILED void thread_exit_work(void)
{
	PG_BARRIER();
	burn_for(0x7e1d, 0.4);
}

static void *worker(void *arg)
{
	(void)arg;
	thread_exit_work();
	_exit(exit_code);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1)
		exit_code = atoi(argv[1]);
	kept = main_alloc();
	int err = pthread_create(&t, NULL, worker, NULL);
	if (err != 0) {
		fprintf(stderr, "pg_thread_exit: pthread_create: %s\n", strerror(err));
		return 1;
	}
	main_spin_work();
	return 1;
}
