/* pg_plugin: the shared library pg_dlopen loads; plugin_work() burns CPU. */
#include "pg_target.h"

void plugin_work(double seconds);

PG_PROFILED void plugin_work(double seconds)
{
	PG_BARRIER();
	burn_for(0x9a9, seconds);
}
