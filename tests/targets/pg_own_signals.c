/*
 * pg_own_signals: a program with signal handlers of its own for the signals
 * the sampler uses. It counts SIGPROFs from its own ITIMER_PROF timer while
 * burning CPU in own_timer_work(), then raises SIGTRAP and SIGPROF itself.
 * Exits 0 when every one of its own signals reached its handler and no
 * sample of the profiler did; prints what went wrong and exits 1 otherwise.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "pg_target.h"

static volatile sig_atomic_t prof_ticks, prof_raised, trap_raised, foreign;

static void on_prof(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_KERNEL)
		prof_ticks++;       /* ITIMER_PROF */
	else if (si->si_code == SI_TKILL || si->si_code == SI_USER)
		prof_raised++;
	else
		foreign++;          /* a profiler's sample leaked to us */
}

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_TKILL || si->si_code == SI_USER)
		trap_raised++;
	else
		foreign++;
}

void own_timer_work(void);

PG_PROFILED void own_timer_work(void)
{
	PG_BARRIER();
	burn_for(0x51f, 0.5);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sa.sa_sigaction = on_prof;
	sigaction(SIGPROF, &sa, NULL);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);

	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };  /* 100 Hz of CPU time */
	setitimer(ITIMER_PROF, &it, NULL);
	own_timer_work();
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_PROF, &it, NULL);
	raise(SIGPROF);
	raise(SIGTRAP);

	int ok = prof_ticks >= 10 && prof_raised == 1 && trap_raised == 1 && foreign == 0;
	if (!ok)
		fprintf(stderr, "pg_own_signals: itimer ticks %d, raised SIGPROF %d, raised SIGTRAP %d, "
			"foreign %d\n", (int)prof_ticks, (int)prof_raised, (int)trap_raised, (int)foreign);
	return ok ? 0 : 1;
}
