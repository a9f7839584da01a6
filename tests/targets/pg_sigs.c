/*
 * pg_sigs: threads and signals as servers and sandboxes use them
 * (integration/unchanged). Each case prints what the program observes.
 *
 *   pg_sigs blocked-create   the main thread blocks every signal, starts two
 *                            busy threads, restores its mask; each thread
 *                            prints whether SIGPROF and SIGTRAP look blocked
 *                            to it (they must, as without profgate) and
 *                            burns CPU in blocked_thread_work
 *   pg_sigs sigprof-timer    its own SIGPROF POSIX timer (CLOCK_MONOTONIC,
 *                            100 Hz, a tag in sigev_value) while it burns
 *                            CPU: prints whether the handler saw the rate
 *                            and only its own tag
 *   pg_sigs unshare          unshare(CLONE_NEWUSER): prints the result
 *   pg_sigs raw-clone        a thread made with clone() without its own TLS
 *                            burns CPU next to the main thread
 *   pg_sigs rename           a thread renames itself after it started
 *                            ("renamed-late") and burns CPU
 *   pg_sigs cancel N         N threads cancelled at once after creation,
 *                            then one busy thread (cancel_survivor_work)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pg_target.h"

void blocked_thread_work(void);
void sigprof_timer_work(void);
void raw_clone_work(void);
void main_beside_clone_work(void);
void renamed_work(void);
void cancel_survivor_work(void);

PG_PROFILED void blocked_thread_work(void)
{
	PG_BARRIER();
	burn_for(0xb10c, 0.3);
}

static char seen[2][64];

static void *blocked_thread(void *arg)
{
	long i = (long)(intptr_t)arg;
	sigset_t cur;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	snprintf(seen[i], sizeof seen[i], "thread %ld: SIGPROF %s, SIGTRAP %s", i,
		 sigismember(&cur, SIGPROF) ? "blocked" : "unblocked",
		 sigismember(&cur, SIGTRAP) ? "blocked" : "unblocked");
	blocked_thread_work();
	return NULL;
}

static int blocked_create(void)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, blocked_thread, (void *)(intptr_t)i);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		printf("%s\n", seen[i]);
	}
	return 0;
}

static volatile sig_atomic_t prof_ticks, prof_foreign;
static int tag;

static void on_prof(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_TIMER && si->si_value.sival_ptr == &tag)
		prof_ticks += 1 + si->si_overrun;
	else
		prof_foreign++;
}

PG_PROFILED void sigprof_timer_work(void)
{
	PG_BARRIER();
	burn(0x9f0f, 200000);
}

static int sigprof_timer(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGPROF;
	ev.sigev_value.sival_ptr = &tag;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) < 0) {
		perror("timer_create");
		return 1;
	}
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
	timer_settime(t, 0, &its, NULL);
	double start = clock_seconds(CLOCK_MONOTONIC);
	while (clock_seconds(CLOCK_MONOTONIC) - start < 0.5)
		sigprof_timer_work();
	double wall = clock_seconds(CLOCK_MONOTONIC) - start;
	memset(&its, 0, sizeof its);
	timer_settime(t, 0, &its, NULL);
	double expected = wall * 100;
	int ok = prof_ticks > 0.8 * expected && prof_ticks < 1.2 * expected + 2;
	printf("own SIGPROF timer: rate %s, foreign signals %d\n", ok ? "ok" : "wrong", (int)prof_foreign);
	if (!ok)
		fprintf(stderr, "pg_sigs: %d ticks, expected %.0f\n", (int)prof_ticks, expected);
	return ok && !prof_foreign ? 0 : 1;
}

static int do_unshare(void)
{
	int rc = unshare(CLONE_NEWUSER);
	printf("unshare: %s\n", rc == 0 ? "ok" : strerror(errno));
	return 0;
}

static atomic_int clone_done;

PG_PROFILED void raw_clone_work(void)
{
	PG_BARRIER();
	burn(0xc10e, 400000000);  /* no libc: this thread has none of its own */
}

static int clone_main(void *arg)
{
	(void)arg;
	raw_clone_work();
	atomic_store(&clone_done, 1);
	syscall(SYS_exit, 0);
	return 0;
}

PG_PROFILED void main_beside_clone_work(void)
{
	PG_BARRIER();
	burn(0x3a1, 100000);
}

static int raw_clone(void)
{
	size_t size = 1 << 20;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return 1;
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	if (clone(clone_main, stack + size, flags, NULL) < 0) {
		perror("clone");
		return 1;
	}
	while (!atomic_load(&clone_done))
		main_beside_clone_work();
	printf("raw clone finished\n");
	return 0;
}

PG_PROFILED void renamed_work(void)
{
	PG_BARRIER();
	burn_for(0x4e4, 0.2);
}

static void *renamed(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "renamed-late");
	renamed_work();
	return NULL;
}

static int rename_case(void)
{
	pthread_t t;
	pthread_create(&t, NULL, renamed, NULL);
	pthread_join(t, NULL);
	return 0;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();  /* a cancellation point */
	return NULL;
}

PG_PROFILED void cancel_survivor_work(void)
{
	PG_BARRIER();
	burn_for(0xca9, 0.3);
}

static void *survivor(void *arg)
{
	(void)arg;
	cancel_survivor_work();
	return NULL;
}

static int cancel_case(int n)
{
	for (int k = 0; k < n; k++) {
		pthread_t t;
		if (pthread_create(&t, NULL, sleeper, NULL) != 0) {
			printf("pthread_create failed at %d\n", k);
			return 1;
		}
		pthread_cancel(t);
		void *ret;
		pthread_join(t, &ret);
		if (ret != PTHREAD_CANCELED) {
			printf("thread %d not cancelled\n", k);
			return 1;
		}
	}
	pthread_t t;
	pthread_create(&t, NULL, survivor, NULL);
	pthread_join(t, NULL);
	printf("cancelled %d threads\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "blocked-create"))
		return blocked_create();
	if (argc == 2 && !strcmp(argv[1], "sigprof-timer"))
		return sigprof_timer();
	if (argc == 2 && !strcmp(argv[1], "unshare"))
		return do_unshare();
	if (argc == 2 && !strcmp(argv[1], "raw-clone"))
		return raw_clone();
	if (argc == 2 && !strcmp(argv[1], "rename"))
		return rename_case();
	if (argc == 3 && !strcmp(argv[1], "cancel"))
		return cancel_case(atoi(argv[2]));
	fprintf(stderr, "usage: pg_sigs blocked-create | sigprof-timer | unshare | raw-clone | rename | cancel N\n");
	return 2;
}
