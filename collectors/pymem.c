/*
 * Python's object allocators, wrapped: small objects come from pymalloc's
 * arenas, which the malloc hooks never see object by object (an arena is
 * one 1 MiB mmap, attributed to whoever happened to need a new one). Once
 * the runtime has finished initialising (it sets its allocators up during
 * initialisation, and would drop ours), the MEM and OBJ domains are wrapped
 * with PyMem_SetAllocator, from inside this library: each request is
 * recorded with the stack that made it, and what the wrapped allocator does
 * underneath (arenas, malloc for big requests) is not recorded again. The
 * arena allocator is wrapped too, so that an arena mapped before the wrap
 * is forgotten when pymalloc releases it.
 *
 * The wrappers never use their context argument: a thread that read the
 * allocator table while it was being replaced may pair our functions with
 * the old context, or the reverse, and both must work.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#include "collector.h"
#include "pyframes.h"

/* CPython's PyMemAllocatorEx and PyObjectArenaAllocator (stable since 3.5). */
struct mem_allocator {
	void *ctx;
	void *(*malloc)(void *ctx, size_t size);
	void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
	void *(*realloc)(void *ctx, void *ptr, size_t new_size);
	void (*free)(void *ctx, void *ptr);
};

struct arena_allocator {
	void *ctx;
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);
};

enum { DOMAIN_RAW = 0, DOMAIN_MEM = 1, DOMAIN_OBJ = 2 };

static struct mem_allocator orig[3];
static struct arena_allocator orig_arena;
static _Atomic int state;  /* 0 not yet, 1 installing, 2 done */

#define WRAP(dom)                                                                          \
	static void *dom##_malloc(void *ctx, size_t n)                                     \
	{                                                                                  \
		(void)ctx;                                                                 \
		pg_tracker_pause();                                                        \
		void *p = orig[DOMAIN_##dom].malloc(orig[DOMAIN_##dom].ctx, n);            \
		pg_tracker_resume();                                                       \
		pg_tracker_record_alloc(p, n);                                             \
		return p;                                                                  \
	}                                                                                  \
	static void *dom##_calloc(void *ctx, size_t k, size_t n)                           \
	{                                                                                  \
		(void)ctx;                                                                 \
		pg_tracker_pause();                                                        \
		void *p = orig[DOMAIN_##dom].calloc(orig[DOMAIN_##dom].ctx, k, n);         \
		pg_tracker_resume();                                                       \
		pg_tracker_record_alloc(p, k * n);                                         \
		return p;                                                                  \
	}                                                                                  \
	static void *dom##_realloc(void *ctx, void *old, size_t n)                         \
	{                                                                                  \
		(void)ctx;                                                                 \
		int64_t had = old ? pg_tracker_record_free(old) : -1;                      \
		pg_tracker_pause();                                                        \
		void *p = orig[DOMAIN_##dom].realloc(orig[DOMAIN_##dom].ctx, old, n);      \
		pg_tracker_resume();                                                       \
		if (p)                                                                     \
			pg_tracker_record_alloc(p, n);                                     \
		else if (had >= 0)                                                         \
			pg_tracker_record_alloc(old, (size_t)had);                         \
		return p;                                                                  \
	}                                                                                  \
	static void dom##_free(void *ctx, void *p)                                         \
	{                                                                                  \
		(void)ctx;                                                                 \
		if (p)                                                                     \
			pg_tracker_record_free(p);                                         \
		pg_tracker_pause();                                                        \
		orig[DOMAIN_##dom].free(orig[DOMAIN_##dom].ctx, p);                        \
		pg_tracker_resume();                                                       \
	}

WRAP(MEM)
WRAP(OBJ)

static void *arena_alloc(void *ctx, size_t n)
{
	(void)ctx;
	pg_tracker_pause();  /* the objects in it are recorded one by one */
	void *p = orig_arena.alloc(orig_arena.ctx, n);
	pg_tracker_resume();
	return p;
}

static void arena_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	pg_tracker_record_unmap(p, n);  /* mapped before the wrap: recorded as a mapping */
	pg_tracker_pause();
	orig_arena.free(orig_arena.ctx, p, n);
	pg_tracker_resume();
}

/* Called from the tracker's allocation path until it has been done once:
 * wraps the domains as soon as the runtime is initialised. */
void pg_pymem_maybe_install(void)
{
	if (atomic_load_explicit(&state, memory_order_relaxed) != 0 || !pg_pyframes_runtime_ready())
		return;
	int expect = 0;
	if (!atomic_compare_exchange_strong(&state, &expect, 1))
		return;
	typedef void (*get_fn)(int, struct mem_allocator *);
	typedef void (*set_fn)(int, struct mem_allocator *);
	typedef void (*aget_fn)(struct arena_allocator *);
	get_fn get = (get_fn)dlsym(RTLD_DEFAULT, "PyMem_GetAllocator");
	set_fn set = (set_fn)dlsym(RTLD_DEFAULT, "PyMem_SetAllocator");
	aget_fn aget = (aget_fn)dlsym(RTLD_DEFAULT, "PyObject_GetArenaAllocator");
	aget_fn aset = (aget_fn)dlsym(RTLD_DEFAULT, "PyObject_SetArenaAllocator");
	if (!get || !set || !aget || !aset) {
		atomic_store(&state, 2);
		return;
	}
	get(DOMAIN_MEM, &orig[DOMAIN_MEM]);
	get(DOMAIN_OBJ, &orig[DOMAIN_OBJ]);
	aget(&orig_arena);
	struct mem_allocator mem = { NULL, MEM_malloc, MEM_calloc, MEM_realloc, MEM_free };
	struct mem_allocator obj = { NULL, OBJ_malloc, OBJ_calloc, OBJ_realloc, OBJ_free };
	struct arena_allocator arena = { NULL, arena_alloc, arena_free };
	if (orig_arena.alloc)
		aset(&arena);
	set(DOMAIN_MEM, &mem);
	set(DOMAIN_OBJ, &obj);
	pg_pyframes_set_mem_hooked();
	atomic_store(&state, 2);
}
