/*
 * fixed_work [MILLIONS]: a fixed amount of CPU-bound work (a dependent
 * multiply-add chain, split 3:1 between two functions), so that the wall
 * time of a bare run and of a profiled run can be compared: the overhead
 * benchmark needs work that does not depend on the clock.
 *
 * PG_FLOOR_HZ=N opens, in this program itself, the kind of per-thread
 * perf task-clock event the sampler uses, at N Hz, but with nothing to do on
 * each overflow: no signal, no buffer. What that costs is what the kernel
 * and the machine charge for the timer interrupts alone, the floor under any
 * sampler that wakes a thread N times a second; the overhead benchmark
 * measures it beside the bare and the profiled run. With PG_FLOOR_SIGNAL=1
 * too, each overflow also delivers a SIGTRAP to an empty handler (as the
 * sampler's events do): the floor plus the kernel's signal delivery, what a
 * sampler that unwinds in the thread itself cannot avoid.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile uint64_t sink;

static inline __attribute__((always_inline)) uint64_t chain(uint64_t x, long n)
{
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

__attribute__((noinline)) static void hot(long n) { sink = chain(sink ^ 1, 3 * n); }
__attribute__((noinline)) static void warm(long n) { sink = chain(sink ^ 2, n); }

/* Returns 0, or -1 when the kernel refuses the event (the benchmark then
 * says so rather than report a floor that was not measured). */
static void on_trap(int sig)
{
	(void)sig;
}

static int open_floor_event(unsigned long hz, int with_signal)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.sample_period = 1000000000ul / hz;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.disabled = 1;
	if (with_signal) {
		/* Linux 5.13's synchronous SIGTRAP, as the sampler asks for it. */
		a.sigtrap = 1;
		a.remove_on_exec = 1;
		if (signal(SIGTRAP, on_trap) == SIG_ERR)
			return -1;
	}
	int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0)
		return -1;
	return 0;  /* open until exit */
}

int main(int argc, char **argv)
{
	long millions = argc > 1 ? atol(argv[1]) : 1500;
	const char *floor_hz = getenv("PG_FLOOR_HZ");
	const char *floor_signal = getenv("PG_FLOOR_SIGNAL");
	if (floor_hz && open_floor_event(strtoul(floor_hz, NULL, 10),
					 floor_signal && !strcmp(floor_signal, "1")) < 0) {
		perror("fixed_work: perf_event_open for PG_FLOOR_HZ");
		return 2;
	}
	for (long i = 0; i < millions * 10; i++) {
		hot(25000);
		warm(25000);
	}
	printf("%llu\n", (unsigned long long)sink);
	return 0;
}
