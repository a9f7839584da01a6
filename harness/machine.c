/*
 * How busy other processes keep the machine (machine.h).
 */
#include "machine.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void pg_machine_sample(struct pg_machine_sample *s)
{
	unsigned long long v[8] = { 0 };
	struct rusage self, children;
	double tick = (double)sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	memset(s, 0, sizeof *s);
	if (!f)
		return;
	/* cpu user nice system idle iowait irq softirq steal ... */
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		       &v[5], &v[6], &v[7]);

	fclose(f);
	if (n < 5 || !(tick > 0) || getrusage(RUSAGE_SELF, &self) || getrusage(RUSAGE_CHILDREN, &children))
		return;
	s->busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick;
	s->idle = (double)(v[3] + v[4]) / tick;
	s->total = s->busy + s->idle;
	s->ours = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + children.ru_utime.tv_sec +
			   children.ru_stime.tv_sec) +
		  (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + children.ru_utime.tv_usec +
			   children.ru_stime.tv_usec) / 1e6;
	s->ok = 1;
}

void pg_machine_busy(double *idle, double *others, const struct pg_machine_sample *a,
		     const struct pg_machine_sample *b)
{
	double total = b->total - a->total;

	*idle = *others = NAN;
	if (!a->ok || !b->ok || !(total > 0))
		return;
	*idle = (b->idle - a->idle) / total;
	*others = fmax(0, (b->busy - a->busy) - (b->ours - a->ours)) / total;
}
