/*
 * pg_mem_shapes MODE: allocation shapes with known bytes per stack, for the
 * allocation tracker's tests. Each mode's comment says what the peak and the
 * leaks must be. Exits non-zero (with a message) if the program itself sees
 * something wrong: a misaligned block, errno changed by free.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_target.h"

void *volatile pg_escape[64];

static void *use(void *p, size_t n)
{
	if (!p) {
		fprintf(stderr, "pg_mem_shapes: allocation of %zu failed\n", n);
		exit(1);
	}
	memset(p, 7, n);
	return p;
}

/* realloc: a chain 100 -> 1000 -> 10000 -> 100000 bytes in grow_chain(),
 * then realloc(p, 0) frees it; leak_realloc() keeps 50000 bytes (realloc
 * from NULL). Peak: 100000 in grow_chain (+ 0 elsewhere). Leak: 50000. */
void grow_chain(void), leak_realloc(void);
PG_PROFILED void grow_chain(void)
{
	PG_BARRIER();
	void *p = NULL;
	for (size_t n = 100; n <= 100000; n *= 10)
		p = use(realloc(p, n), n);
	pg_escape[0] = p;
	p = realloc(p, 0);  /* glibc frees and returns NULL */
	pg_escape[0] = p;
}
PG_PROFILED void leak_realloc(void)
{
	PG_BARRIER();
	pg_escape[1] = use(realloc(NULL, 50000), 50000);
}

/* aligned: posix_memalign 1000 (64), aligned_alloc 8192 (4096), memalign
 * 3000 (256), valloc 5000, all live together in aligned_allocs(): peak
 * 17192; all freed: no leak. */
void aligned_allocs(void);
PG_PROFILED void aligned_allocs(void)
{
	PG_BARRIER();
	void *a = NULL;
	if (posix_memalign(&a, 64, 1000) != 0)
		exit(1);
	void *b = aligned_alloc(4096, 8192), *c = memalign(256, 3000), *d = valloc(5000);
	use(a, 1000), use(b, 8192), use(c, 3000), use(d, 5000);
	if ((uintptr_t)a % 64 || (uintptr_t)b % 4096 || (uintptr_t)c % 256 || (uintptr_t)d % 4096) {
		fprintf(stderr, "pg_mem_shapes: misaligned block\n");
		exit(1);
	}
	pg_escape[2] = a, pg_escape[3] = b, pg_escape[4] = c, pg_escape[5] = d;
	free(a), free(b), free(c), free(d);
}

/* mmap: map_buffer() maps 16 pages, unmaps 4 in the middle; peak 16 pages,
 * leak 12 pages (never unmapped). */
void map_buffer(void);
PG_PROFILED void map_buffer(void)
{
	PG_BARRIER();
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(1);
	memset(p, 1, 16 * pg);
	munmap(p + 6 * pg, 4 * pg);
	pg_escape[6] = p;
}

/* leaks: leak_small() leaks 100 blocks of 24 bytes, leak_big() 1 MiB;
 * not_a_leak() allocates and frees 2 MiB first (its peak counts). */
void leak_small(void), leak_big(void), not_a_leak(void);
PG_PROFILED void not_a_leak(void)
{
	PG_BARRIER();
	void *p = use(malloc(2 << 20), 2 << 20);
	pg_escape[7] = p;
	free(p);
}
PG_PROFILED void leak_small(void)
{
	PG_BARRIER();
	for (int i = 0; i < 100; i++)
		pg_escape[8] = use(malloc(24), 24);
}
PG_PROFILED void leak_big(void)
{
	PG_BARRIER();
	pg_escape[9] = use(malloc(1 << 20), 1 << 20);
}

/* threads [ROUNDS]: 8 threads each allocate 1000 blocks of (k+1)*64 bytes
 * in thread_allocs(), wait for all, then free the blocks of the NEXT thread
 * (cross-thread frees), ROUNDS times (default 1). Peak: 1000*64*(1+...+8) =
 * 2304000 whatever the rounds; alloc_count grows by 8000 a round; leak 0. */
static int rounds = 1;
#define NT 8
#define NB 1000
static void *blocks[NT][NB];
static pthread_barrier_t barrier;
void thread_allocs(int k);
PG_PROFILED void thread_allocs(int k)
{
	PG_BARRIER();
	for (int i = 0; i < NB; i++)
		blocks[k][i] = use(malloc((size_t)(k + 1) * 64), (size_t)(k + 1) * 64);
}
static void *thread_main(void *arg)
{
	int k = (int)(intptr_t)arg;
	for (int r = 0; r < rounds; r++) {
		thread_allocs(k);
		pthread_barrier_wait(&barrier);
		for (int i = 0; i < NB; i++)
			free(blocks[(k + 1) % NT][i]);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

/* fork: parent_alloc() holds 1 MiB across the fork; the child allocates
 * 2 MiB in child_alloc() and exits without freeing. The child's own peak is
 * 2 MiB (the inherited 1 MiB belongs to the parent's record). */
void parent_alloc(void), child_alloc(void);
PG_PROFILED void parent_alloc(void)
{
	PG_BARRIER();
	pg_escape[10] = use(malloc(1 << 20), 1 << 20);
}
PG_PROFILED void child_alloc(void)
{
	PG_BARRIER();
	pg_escape[11] = use(malloc(2 << 20), 2 << 20);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	if (!strcmp(mode, "realloc")) {
		grow_chain();
		leak_realloc();
	} else if (!strcmp(mode, "aligned")) {
		aligned_allocs();
	} else if (!strcmp(mode, "mmap")) {
		map_buffer();
	} else if (!strcmp(mode, "leaks")) {
		not_a_leak();
		leak_small();
		leak_big();
	} else if (!strcmp(mode, "threads")) {
		pthread_t t[NT];
		if (argc > 2)
			rounds = atoi(argv[2]);
		pthread_barrier_init(&barrier, NULL, NT);
		for (int k = 0; k < NT; k++)
			pthread_create(&t[k], NULL, thread_main, (void *)(intptr_t)k);
		for (int k = 0; k < NT; k++)
			pthread_join(t[k], NULL);
	} else if (!strcmp(mode, "fork")) {
		parent_alloc();
		pid_t pid = fork();
		if (pid == 0) {
			child_alloc();
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		free(pg_escape[10]);
		return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
	} else if (!strcmp(mode, "errno")) {
		void *p = use(malloc(100), 100);
		errno = 42;
		free(p);
		if (errno != 42) {
			fprintf(stderr, "pg_mem_shapes: free changed errno to %d\n", errno);
			return 1;
		}
		for (int i = 0; i < 1000; i++) {
			void *q = malloc((size_t)i * 7 + 1);
			if ((uintptr_t)q % 16) {
				fprintf(stderr, "pg_mem_shapes: malloc returned a misaligned %p\n", q);
				return 1;
			}
			free(q);
		}
	} else {
		fprintf(stderr, "usage: pg_mem_shapes realloc|aligned|mmap|leaks|threads|fork|errno\n");
		return 2;
	}
	return 0;
}
