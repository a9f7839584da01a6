/*
 * pg_mem_example [N]: the C version of the "more complete example" of
 * memray's documentation, for exact peak attribution. a() calls b() and
 * h(); b() calls c() -> d() and g(); d() allocates N/2 itself and calls
 * e(); e() and i() (under h()) allocate N each, g() 2N; missing() allocates
 * N and frees it before the peak. All of it is live at the peak (4.5 N) and
 * freed before exit, except nothing: no leaks of its own.
 */
#define _GNU_SOURCE
#include <string.h>

#include "pg_target.h"

/* The pointers escape through here, so the compiler cannot drop a
 * malloc/free pair it would otherwise prove useless. */
void *volatile pg_escape[16];
static int nkeep;
static long N = 1 << 20;

void a(void), b(void), c(void), d(void), e(void), g(void), h(void), i_(void), missing(void);

static inline __attribute__((always_inline)) void *take(size_t n)
{
	void *p = malloc(n);
	if (!p)
		exit(1);
	memset(p, 1, n);
	return p;
}

PG_PROFILED void missing(void)
{
	PG_BARRIER();
	void *p = take((size_t)N);
	pg_escape[15] = p;
	free(p);
	pg_escape[15] = NULL;
}

PG_PROFILED void e(void) { PG_BARRIER(); pg_escape[nkeep++] = take((size_t)N); }
PG_PROFILED void g(void) { PG_BARRIER(); pg_escape[nkeep++] = take((size_t)(2 * N)); }
PG_PROFILED void i_(void) { PG_BARRIER(); pg_escape[nkeep++] = take((size_t)N); }
PG_PROFILED void d(void) { PG_BARRIER(); pg_escape[nkeep++] = take((size_t)(N / 2)); e(); }
PG_PROFILED void c(void) { PG_BARRIER(); d(); }
PG_PROFILED void b(void) { PG_BARRIER(); c(); g(); }
PG_PROFILED void h(void) { PG_BARRIER(); i_(); }
PG_PROFILED void a(void) { PG_BARRIER(); missing(); b(); h(); }

int main(int argc, char **argv)
{
	if (argc > 1)
		N = atol(argv[1]);
	setvbuf(stdout, NULL, _IONBF, 0);  /* no stdio buffer: the program leaks nothing */
	a();
	for (int k = 0; k < nkeep; k++)
		free(pg_escape[k]);
	return 0;
}
