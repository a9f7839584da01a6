/*
 * pg_sys_churn [MB=64] [ROUNDS=8]: a benchmark whose CPU time is mostly the
 * kernel's: each round maps MB mebibytes of anonymous memory, writes one
 * byte per page (a page fault each) and unmaps it. PG_SYS_MORE=1 makes
 * four times the rounds: a regression of system CPU time (sys_cpu) that
 * stands out of the noise of a busy machine, where the kernel's split of
 * CPU time into user and system time is itself uncertain (on this 2-core
 * VM even page faults are charged to user time in part).
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pg_target.h"

void fault_in(char *p, size_t bytes, size_t page);

PG_PROFILED void fault_in(char *p, size_t bytes, size_t page)
{
	for (size_t off = 0; off < bytes; off += page)
		p[off] = (char)off;
	PG_BARRIER();
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 64;
	long rounds = argc > 2 ? atol(argv[2]) : 8;
	size_t bytes = mb << 20, page = (size_t)sysconf(_SC_PAGESIZE);
	const char *more = getenv("PG_SYS_MORE");

	if (more && !strcmp(more, "1"))
		rounds *= 4;
	for (long r = 0; r < rounds; r++) {
		char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		fault_in(p, bytes, page);
		munmap(p, bytes);
	}
	return 0;
}
