/*
 * pg_closer: closes every descriptor above stderr at start, as daemons and
 * sandboxes do (closefrom, then close() on each up to 1024), then burns CPU
 * in after_close_work(). The profile must still hold those samples.
 */
#define _GNU_SOURCE
#include <unistd.h>

#include "pg_target.h"

void after_close_work(void);

PG_PROFILED void after_close_work(void)
{
	PG_BARRIER();
	burn_for(0xc105e, 0.4);
}

int main(void)
{
	closefrom(3);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	after_close_work();
	return 0;
}
