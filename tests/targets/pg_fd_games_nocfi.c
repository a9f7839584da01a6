/*
 * Part of pg_fd_games, compiled without unwind tables (CMakeLists.txt): a
 * sample taken here leaves libunwind without DWARF information, so it falls
 * back to the frame chain and validates memory through its pipe.
 */
#define _GNU_SOURCE
#include "pg_target.h"

void no_unwind_tables_work(void);

PG_PROFILED void no_unwind_tables_work(void)
{
	PG_BARRIER();
	burn(0xcf1, 20000);
}
