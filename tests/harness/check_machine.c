/*
 * harness/machine.c: the share of the machine that other processes used
 * between two samples, with profgate's own CPU time and its reaped
 * children's taken out.
 */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "machine.h"

START_TEST(busy__shares_of_synthetic_samples)
{
	struct pg_machine_sample a = { .busy = 100, .idle = 300, .total = 400, .ours = 10, .ok = 1 };
	struct pg_machine_sample b = { .busy = 110, .idle = 310, .total = 420, .ours = 12, .ok = 1 };
	double idle, others;

	/* 20 s of all CPUs: 10 idle, 10 busy of which 2 were ours. */
	pg_machine_busy(&idle, &others, &a, &b);
	ck_assert_double_eq_tol(idle, 0.5, 1e-12);
	ck_assert_double_eq_tol(others, 0.4, 1e-12);
	/* More of ours than the machine counted (its ticks are coarse): 0. */
	b.ours = 30;
	pg_machine_busy(&idle, &others, &a, &b);
	ck_assert_double_eq(others, 0);
	/* A sample that failed, or no time between them: unknown. */
	b.ok = 0;
	pg_machine_busy(&idle, &others, &a, &b);
	ck_assert(isnan(idle) && isnan(others));
	pg_machine_busy(&idle, &others, &a, &a);
	ck_assert(isnan(idle) && isnan(others));
}
END_TEST

START_TEST(busy__a_child_that_burns_is_ours)
{
	struct pg_machine_sample a, b;
	double idle, others;
	pid_t pid;

	pg_machine_sample(&a);
	ck_assert(a.ok);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct timespec t0, t;
		volatile unsigned long x = 0;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		do {
			for (int i = 0; i < 100000; i++)
				x += (unsigned long)i;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
		} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < 0.3);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	pg_machine_sample(&b);
	ck_assert(b.ok);
	ck_assert(b.ours - a.ours >= 0.25);
	pg_machine_busy(&idle, &others, &a, &b);
	/* The child's 0.3 s are not "others": what is left is whatever else
	 * ran meanwhile, below the child's own share of the machine. */
	ck_assert(others >= 0 && others <= 1);
	ck_assert(idle >= 0 && idle <= 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("machine");
	TCase *t = tcase_create("busy");

	tcase_add_test(t, busy__shares_of_synthetic_samples);
	tcase_add_test(t, busy__a_child_that_burns_is_ours);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
