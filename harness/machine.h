/*
 * How busy other processes keep the machine: the whole machine's CPU time
 * (from /proc/stat, steal included) against what profgate and the children
 * it has waited for used (getrusage), sampled at two moments.
 */
#ifndef PG_MACHINE_H
#define PG_MACHINE_H

struct pg_machine_sample {
	double busy, idle, total;  /* seconds of all CPUs, from /proc/stat */
	double ours;               /* CPU seconds of profgate and its waited-for children */
	int ok;
};

/* The counters now; s->ok is 0 when they cannot be read. */
void pg_machine_sample(struct pg_machine_sample *s);

/* Shares of all CPUs' time between a and b: idle, and used by others
 * (NaN both when either sample failed or no time passed). /proc/stat
 * counts in clock ticks (1/100 s per CPU here): a share over 0.3 s of two
 * CPUs is known to about 2 points. */
void pg_machine_busy(double *idle, double *others, const struct pg_machine_sample *a,
		     const struct pg_machine_sample *b);

#endif
