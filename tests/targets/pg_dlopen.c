/*
 * pg_dlopen LIB: loads LIB with dlopen, calls its plugin_work() for ~0.4 s
 * of CPU, unloads it, loads it again and calls it again: frames of a library
 * that comes and goes must still be named.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "pg_target.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: pg_dlopen LIB\n");
		return 2;
	}
	for (int round = 0; round < 2; round++) {
		void *h = dlopen(argv[1], RTLD_NOW);
		if (!h) {
			fprintf(stderr, "pg_dlopen: %s\n", dlerror());
			return 1;
		}
		void (*work)(double) = (void (*)(double))dlsym(h, "plugin_work");
		if (!work) {
			fprintf(stderr, "pg_dlopen: no plugin_work in %s\n", argv[1]);
			return 1;
		}
		work(0.2);
		dlclose(h);
	}
	return 0;
}
