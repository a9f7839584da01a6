/*
 * pg_hangs: programs that profgate once made hang (integration/unchanged).
 *
 *   pg_hangs main-exit        main calls pthread_exit while a worker is
 *                             still busy; the worker prints and returns:
 *                             the process must end, status 0
 *   pg_hangs exit-in-handler  threads malloc and free in a loop; a SIGALRM
 *                             handler (every millisecond) calls _exit(7)
 *                             at its 50th signal, often inside malloc
 *   pg_hangs exit-in-dlopen LIB
 *                             the same handler, while the main thread
 *                             loads and unloads LIB in a loop: the signal
 *                             often lands where the collector records the
 *                             changed list of modules
 *   pg_hangs forks N          four threads allocate all along; the main
 *                             thread forks N children that allocate and
 *                             exit; a child not gone after 5 s counts as
 *                             hung (killed). Prints "hung=K", exits 1 if K
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_target.h"

void hangs_worker_work(void);
void hangs_alloc_work(void);

PG_PROFILED void hangs_worker_work(void)
{
	PG_BARRIER();
	burn_for(0x4a6, 0.3);
}

static void *worker(void *arg)
{
	(void)arg;
	hangs_worker_work();
	printf("worker done\n");
	fflush(stdout);
	return NULL;
}

static atomic_int stop;

PG_PROFILED void hangs_alloc_work(void)
{
	PG_BARRIER();
	void *p[16];
	for (int i = 0; i < 16; i++)
		p[i] = malloc(16 + (size_t)i * 24);
	for (int i = 0; i < 16; i++)
		free(p[i]);
}

static void *allocator(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		hangs_alloc_work();
	return NULL;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	if (++alarms == 50)
		_exit(7);
}

static int exit_in_handler(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, allocator, NULL);
	signal(SIGALRM, on_alarm);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	while (alarms < 1000000)
		hangs_alloc_work();
	return 3;  /* not reached: the 50th signal ends the program */
}

static int exit_in_dlopen(const char *lib)
{
	signal(SIGALRM, on_alarm);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	while (alarms < 1000000) {
		void *h = dlopen(lib, RTLD_NOW);
		if (!h) {
			fprintf(stderr, "pg_hangs: %s\n", dlerror());
			return 1;
		}
		dlclose(h);
	}
	return 3;  /* not reached */
}

static int forks(int n)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, allocator, NULL);
	int hung = 0;
	for (int k = 0; k < n; k++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			hangs_alloc_work();
			char *s = strdup("child");
			free(s);
			_exit(0);
		}
		int status = 0, done = 0;
		for (int waited = 0; waited < 5000 && !done; waited++) {
			pid_t r = waitpid(pid, &status, WNOHANG);
			if (r == pid)
				done = 1;
			else
				usleep(1000);
		}
		if (!done) {
			hung++;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("child %d ended with status %d\n", k, status);
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("forks=%d hung=%d\n", n, hung);
	return hung ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "main-exit")) {
		pthread_t t;
		pthread_create(&t, NULL, worker, NULL);
		pthread_exit(NULL);
	}
	if (argc == 2 && !strcmp(argv[1], "exit-in-handler"))
		return exit_in_handler();
	if (argc == 3 && !strcmp(argv[1], "exit-in-dlopen"))
		return exit_in_dlopen(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "forks"))
		return forks(atoi(argv[2]));
	fprintf(stderr, "usage: pg_hangs main-exit | exit-in-handler | exit-in-dlopen LIB | forks N\n");
	return 2;
}
