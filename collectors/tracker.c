/*
 * The allocation tracker: the malloc family and anonymous mmap, interposed.
 *
 * Everything is aggregated here, inside the process, under one lock that
 * puts every event in a single order: a table of live pointers (pointer ->
 * stack, size), a table of allocating stacks (per thread), and for each
 * stack the O(1) online high-water-mark bookkeeping from COLLECTOR-NOTES
 * (memray's method), so that the bytes live at the heap's peak are known per
 * stack without a snapshot at every new peak. Nothing is written per event;
 * the collector thread writes a snapshot of the stacks every 250 ms when
 * something changed (and at exit, exec and fatal signals), so a killed
 * program still leaves what was recorded up to then.
 *
 * Memory of the tracker is proportional to live allocations and distinct
 * stacks, never to the number of events. Its own tables come from mmap, so
 * it never calls the allocator it watches.
 *
 * With --mem-sample R, allocations are sampled as a Poisson process over
 * bytes (mean R, a fixed seed per thread): a sampled allocation of s bytes
 * weighs s / (1 - exp(-s/R)), an unbiased estimate; unsampled ones cost a
 * countdown and nothing else, and their frees a lock-free look-up that
 * misses.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "collector.h"
#include "pyframes.h"

#define MAX_MEM_FRAMES 64
#define MAX_STACKS (1u << 20)  /* distinct allocating stacks kept (tens of MB of tables) */
#define UNWIND_SKIP_MAX 4   /* frames of the wrapper itself at the top of a trace */

/* -- the real allocator ---------------------------------------------------- */

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_memalign)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);
static void *(*real_mremap)(void *, size_t, size_t, int, ...);

/* dlsym() may allocate before the real functions are known: those requests
 * are served from here, and free() leaves this range alone. */
static _Alignas(16) unsigned char boot_pool[64 * 1024];
static size_t boot_used;

static int in_boot_pool(const void *p)
{
	return (const unsigned char *)p >= boot_pool && (const unsigned char *)p < boot_pool + sizeof boot_pool;
}

static void *boot_alloc(size_t n)
{
	size_t off = (boot_used + 15) & ~(size_t)15;
	if (n > sizeof boot_pool - off)
		return NULL;
	boot_used = off + n;
	return boot_pool + off;  /* static storage: already zero */
}

static __thread int t_guard __attribute__((tls_model("initial-exec")));
static int resolving;

static void resolve_all(void)
{
	if (real_malloc)
		return;
	resolving = 1;
	real_malloc = (typeof(real_malloc))dlsym(RTLD_NEXT, "malloc");
	real_free = (typeof(real_free))dlsym(RTLD_NEXT, "free");
	real_calloc = (typeof(real_calloc))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (typeof(real_realloc))dlsym(RTLD_NEXT, "realloc");
	real_memalign = (typeof(real_memalign))dlsym(RTLD_NEXT, "memalign");
	real_posix_memalign = (typeof(real_posix_memalign))dlsym(RTLD_NEXT, "posix_memalign");
	real_aligned_alloc = (typeof(real_aligned_alloc))dlsym(RTLD_NEXT, "aligned_alloc");
	real_valloc = (typeof(real_valloc))dlsym(RTLD_NEXT, "valloc");
	real_pvalloc = (typeof(real_pvalloc))dlsym(RTLD_NEXT, "pvalloc");
	real_mmap = (typeof(real_mmap))dlsym(RTLD_NEXT, "mmap");
	real_munmap = (typeof(real_munmap))dlsym(RTLD_NEXT, "munmap");
	real_mremap = (typeof(real_mremap))dlsym(RTLD_NEXT, "mremap");
	resolving = 0;
}

/* Our own memory: straight from the kernel, never through the wrappers. */
static void *sys_map(size_t n)
{
	void *p = (void *)syscall(SYS_mmap, NULL, n, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return (long)p < 0 && (long)p > -4096 ? NULL : p;
}

static void sys_unmap(void *p, size_t n)
{
	if (p)
		syscall(SYS_munmap, p, n);
}

/* -- tables ----------------------------------------------------------------- */

struct tstack {
	uint64_t hash;
	uint64_t frames_off;        /* into frames[] */
	uint32_t nframes;
	int32_t tid;
	uint32_t generation;
	uint32_t pad;
	uint64_t epoch;
	int64_t at_peak, since, live;
	uint64_t alloc_count, alloc_bytes;
};

struct tptr {
	uintptr_t ptr;              /* 0: empty */
	uint64_t size;              /* bytes accounted (a weight when sampling) */
	uint32_t stack;
	uint32_t pad;
};

/* 16 bytes a slot in the table itself: size in the low 40 bits (1 TiB),
 * stack in the high 24 (16 million stacks); bigger values are clamped. */
struct tslot {
	uintptr_t ptr;
	uint64_t packed;
};
#define SIZE_BITS 40
#define SIZE_MASK ((1ull << SIZE_BITS) - 1)

/* The table and its geometry in one mapping, published through one
 * pointer, so that a lock-free reader always sees a consistent pair. */
struct ptab {
	size_t cap;                 /* power of two */
	unsigned shift;             /* 64 - log2(cap) */
	unsigned pad;
	struct tslot slots[];
};

struct region {                 /* an anonymous mapping, or a piece of one */
	uintptr_t start, end;
	uint32_t stack;
	uint32_t pad;
	uint64_t weight, len;       /* a piece of b bytes weighs b * weight / len */
};

static struct {
	pthread_mutex_t lock;
	int active;
	uint64_t sample_bytes;
	/* stacks */
	struct tstack *stacks;
	size_t nstacks, stacks_cap;
	uint32_t *stack_index;      /* hash -> stack + 1; power-of-two size */
	size_t stack_index_cap;
	uint64_t *frames;
	size_t nframes, frames_cap;
	/* live pointers */
	struct ptab *pt;
	size_t nptrs;
	/* mappings, sorted by start */
	struct region *regions;
	size_t nregions, regions_cap;
	/* totals and the high-water mark */
	int64_t cur, peak;
	uint64_t epoch;
	uint64_t peak_time_ns, rise_time_ns;
	uint64_t alloc_count, alloc_bytes, untracked_frees;
	uint64_t changes, written_changes, seq;
	uint64_t stacks_dropped;    /* new stacks past MAX_STACKS, counted under overflow_stack */
	uint32_t overflow_stack;    /* its index + 1, 0 if none yet */
	/* The snapshot is copied here under the lock and written after it. */
	unsigned char *snap;
	size_t snap_cap;
	/* The program's resident set without ours, highest seen (heap points). */
	uint64_t rss_peak_without_own;
	_Atomic int statm_fd;
	uintptr_t self_start, self_end;  /* our own code, dropped from traces */
} T = { .lock = PTHREAD_MUTEX_INITIALIZER, .statm_fd = -1 };

/* Whether this thread holds T.lock: a signal handler that interrupted it
 * and calls _exit() must not wait for it (collector.c's pg_finish). */
static __thread int t_locked __attribute__((tls_model("initial-exec")));

/* The flag covers the whole of lock and unlock: a signal that lands inside
 * pthread_mutex_unlock still finds it set. */
static void lock_T(void)
{
	t_locked = 1;
	atomic_signal_fence(memory_order_seq_cst);
	pthread_mutex_lock(&T.lock);
}

static void unlock_T(void)
{
	pthread_mutex_unlock(&T.lock);
	atomic_signal_fence(memory_order_seq_cst);
	t_locked = 0;
}

int pg_tracker_lock_held(void)
{
	return t_locked;
}

/* Grows an array mapped with sys_map to hold `need` elements. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : first;
	while (n < need)
		n *= 2;
	void *p = sys_map(n * elem);
	if (!p)
		return -1;
	if (*arr) {
		memcpy(p, *arr, *cap * elem);
		sys_unmap(*arr, *cap * elem);
	}
	*arr = p;
	*cap = n;
	return 0;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_frames(const uint64_t *f, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n << 40);
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ f[i]) * 0x100000001b3ull + (h >> 29);
	return mix64(h) | 1;  /* never 0 */
}

static int rehash_stacks(size_t cap)
{
	uint32_t *idx = sys_map(cap * sizeof *idx);
	if (!idx)
		return -1;
	for (size_t i = 0; i < T.nstacks; i++) {
		size_t j = (size_t)T.stacks[i].hash & (cap - 1);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	sys_unmap(T.stack_index, T.stack_index_cap * sizeof *idx);
	T.stack_index = idx;
	T.stack_index_cap = cap;
	return 0;
}

/* Caller holds the lock. Returns the stack's index, or UINT32_MAX.
 *
 * A stack is its frames, whichever thread allocates there: a program that
 * starts one thread per request would otherwise add a copy of every
 * allocating stack per thread, and the tracker's tables and each snapshot
 * would grow with the number of threads ever started. A stack remembers
 * its thread while only one thread uses it. */
static uint32_t intern_stack(const uint64_t *f, uint32_t n, int32_t tid)
{
	uint64_t h = hash_frames(f, n);
	if (T.stack_index_cap) {
		size_t j = (size_t)h & (T.stack_index_cap - 1);
		uint32_t id;
		while ((id = T.stack_index[j]) != 0) {
			struct tstack *s = &T.stacks[id - 1];
			if (s->hash == h && s->nframes == n &&
			    !memcmp(&T.frames[s->frames_off], f, n * sizeof *f)) {
				if (s->tid != tid)
					s->tid = PG_MEM_TID_SEVERAL;
				return id - 1;
			}
			j = (j + 1) & (T.stack_index_cap - 1);
		}
	}
	if (T.nstacks >= MAX_STACKS) {
		/* Bounded: past this many distinct stacks, new ones are counted
		 * under one empty stack, and the snapshot says how many. */
		T.stacks_dropped++;
		if (T.overflow_stack == 0) {
			if (grow((void **)&T.stacks, &T.stacks_cap, T.nstacks + 1, sizeof *T.stacks, 1024) < 0)
				return UINT32_MAX;
			struct tstack *o = &T.stacks[T.nstacks];
			memset(o, 0, sizeof *o);
			o->frames_off = T.nframes;
			o->tid = PG_MEM_TID_SEVERAL;
			o->epoch = T.epoch;
			T.overflow_stack = (uint32_t)T.nstacks++ + 1;
		}
		return T.overflow_stack - 1;
	}
	if ((T.nstacks + 1) * 2 > T.stack_index_cap &&
	    rehash_stacks(T.stack_index_cap ? T.stack_index_cap * 2 : 4096) < 0)
		return UINT32_MAX;
	if (T.nstacks >= UINT32_MAX - 1 ||
	    grow((void **)&T.stacks, &T.stacks_cap, T.nstacks + 1, sizeof *T.stacks, 1024) < 0 ||
	    grow((void **)&T.frames, &T.frames_cap, T.nframes + n, sizeof *T.frames, 16384) < 0)
		return UINT32_MAX;
	struct tstack *s = &T.stacks[T.nstacks];
	memset(s, 0, sizeof *s);
	s->hash = h;
	s->frames_off = T.nframes;
	s->nframes = n;
	s->tid = tid;
	s->generation = atomic_load(&pg.generation);
	s->epoch = T.epoch;
	memcpy(&T.frames[T.nframes], f, n * sizeof *f);
	T.nframes += n;
	size_t j = (size_t)h & (T.stack_index_cap - 1);
	while (T.stack_index[j])
		j = (j + 1) & (T.stack_index_cap - 1);
	T.stack_index[j] = (uint32_t)T.nstacks + 1;
	return (uint32_t)T.nstacks++;
}

/* Sampling mode: a counting filter over the few tracked pointers, so that
 * the free of an untracked block (nearly all of them) costs one load. A
 * counter that reached 255 stays there: such a slot just always says maybe. */
#define FILTER_BITS 13
static uint8_t filter[1u << FILTER_BITS];

static inline size_t filter_slot(uintptr_t p)
{
	return (size_t)(((uint64_t)p * 0x9e3779b97f4a7c15ull) >> (64 - FILTER_BITS));
}

static void filter_add(uintptr_t p)
{
	uint8_t *c = &filter[filter_slot(p)];
	if (*c < 255)
		__atomic_store_n(c, (uint8_t)(*c + 1), __ATOMIC_RELEASE);
}

static void filter_remove(uintptr_t p)
{
	uint8_t *c = &filter[filter_slot(p)];
	if (*c > 0 && *c < 255)
		__atomic_store_n(c, (uint8_t)(*c - 1), __ATOMIC_RELEASE);
}

static inline int filter_maybe(uintptr_t p)
{
	return __atomic_load_n(&filter[filter_slot(p)], __ATOMIC_ACQUIRE) != 0;
}

/* Fibonacci hashing: one multiply, the high bits index the table. */
static inline size_t ptr_home(uintptr_t p, unsigned shift)
{
	return (size_t)(((uint64_t)p * 0x9e3779b97f4a7c15ull) >> shift);
}

static int grow_ptrs(void)
{
	/* Sampling keeps few pointers: a small table stays in the cache, and
	 * every free probes it. */
	size_t ocap = T.pt ? T.pt->cap : 0;
	size_t ncap = ocap ? ocap * 2 : T.sample_bytes ? 1024 : 65536;
	struct ptab *n = sys_map(sizeof *n + ncap * sizeof(struct tslot));
	if (!n)
		return -1;
	n->cap = ncap;
	n->shift = 64 - (unsigned)__builtin_ctzll(ncap);
	for (size_t i = 0; i < ocap; i++) {
		const struct tslot *e = &T.pt->slots[i];
		if (!e->ptr)
			continue;
		size_t j = ptr_home(e->ptr, n->shift);
		while (n->slots[j].ptr)
			j = (j + 1) & (ncap - 1);
		n->slots[j] = *e;
	}
	/* The old table stays mapped: a lock-free reader may still be in it.
	 * Tables only double, so what is kept is less than the live one. */
	__atomic_store_n(&T.pt, n, __ATOMIC_RELEASE);
	return 0;
}

/* Caller holds the lock. Lock-free readers (sampling mode's free path) may
 * look at the table meanwhile: they only ever compare keys. */
static int ptr_insert(uintptr_t p, uint64_t size, uint32_t stack)
{
	if ((!T.pt || (T.nptrs + 1) * 2 > T.pt->cap) && grow_ptrs() < 0)
		return -1;
	struct tslot *t = T.pt->slots;
	size_t mask = T.pt->cap - 1;
	size_t j = ptr_home(p, T.pt->shift);
	while (t[j].ptr && t[j].ptr != p)
		j = (j + 1) & mask;
	if (!t[j].ptr) {
		T.nptrs++;
		if (T.sample_bytes)
			filter_add(p);
	}
	if (size > SIZE_MASK)
		size = SIZE_MASK;
	t[j].packed = size | ((uint64_t)stack << SIZE_BITS);
	__atomic_store_n(&t[j].ptr, p, __ATOMIC_RELEASE);
	return 0;
}

/* Caller holds the lock. Removes p, keeping the probe sequences intact by
 * shifting later entries back (no tombstones: the table never silts up). */
static int ptr_remove(uintptr_t p, struct tptr *out)
{
	if (!T.pt)
		return 0;
	struct tslot *t = T.pt->slots;
	size_t mask = T.pt->cap - 1;
	unsigned shift = T.pt->shift;
	size_t j = ptr_home(p, shift);
	while (t[j].ptr != p) {
		if (!t[j].ptr)
			return 0;
		j = (j + 1) & mask;
	}
	out->ptr = p;
	out->size = t[j].packed & SIZE_MASK;
	out->stack = (uint32_t)(t[j].packed >> SIZE_BITS);
	size_t hole = j;
	for (size_t k = (j + 1) & mask; t[k].ptr; k = (k + 1) & mask) {
		size_t home = ptr_home(t[k].ptr, shift);
		/* Can the entry at k move back to the hole? Only if its home is not
		 * in the cyclic range (hole, k]. */
		int between = hole <= k ? (home > hole && home <= k) : (home > hole || home <= k);
		if (!between) {
			t[hole] = t[k];
			hole = k;
		}
	}
	__atomic_store_n(&t[hole].ptr, 0, __ATOMIC_RELEASE);
	T.nptrs--;
	if (T.sample_bytes)
		filter_remove(p);
	return 1;
}

/* -- the high-water mark ---------------------------------------------------- */

/* Caller holds the lock. One event of delta bytes at stack s. */
static void account(uint32_t stack, int64_t delta)
{
	struct tstack *s = &T.stacks[stack];
	if (delta < 0 && T.cur >= T.peak) {
		/* The first decrease after a new high: that high is a peak. */
		T.epoch++;
		T.peak = T.cur;
		T.peak_time_ns = T.rise_time_ns;
	}
	T.cur += delta;
	if (delta > 0 && T.cur > T.peak)
		T.rise_time_ns = pg_now_ns();  /* a candidate for the next peak's moment */
	if (s->epoch != T.epoch) {
		s->at_peak += s->since;
		s->since = 0;
		s->epoch = T.epoch;
	}
	s->since += delta;
	s->live += delta;
	if (delta > 0) {
		s->alloc_count++;
		s->alloc_bytes += (uint64_t)delta;
		T.alloc_count++;
		T.alloc_bytes += (uint64_t)delta;
	}
	T.changes++;
}

/* Bytes of s live at the high-water mark, by the rule of COLLECTOR-NOTES:
 * if the heap is at its peak now, the present; else the last completed peak. */
static int64_t peak_bytes_of(const struct tstack *s, int end_is_peak)
{
	if (end_is_peak)
		return s->live;  /* = at_peak + since */
	return s->at_peak + (s->epoch < T.epoch ? s->since : 0);
}

/* -- unwinding -------------------------------------------------------------- */

static __thread uint64_t t_countdown __attribute__((tls_model("initial-exec")));
static __thread uint64_t t_rng __attribute__((tls_model("initial-exec")));
static _Atomic uint32_t thread_seq;

static uint32_t capture(uint64_t *out)
{
	void *raw[MAX_MEM_FRAMES + UNWIND_SKIP_MAX];
	pg_busy++;
	/* libunwind's slow path reads its pipe, a cancellation point: a thread
	 * cancelled there would leave libunwind's lock taken. */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pg_unwind_enter(1);
	int n = unw_backtrace(raw, MAX_MEM_FRAMES + UNWIND_SKIP_MAX);
	pg_unwind_leave();
	pthread_setcancelstate(cancel, NULL);
	pg_busy--;
	int i = 0;
	while (i < n && i < UNWIND_SKIP_MAX && (uintptr_t)raw[i] >= T.self_start &&
	       (uintptr_t)raw[i] < T.self_end)
		i++;
	uint32_t k = 0;
	for (; i < n && k < MAX_MEM_FRAMES; i++)
		out[k++] = (uint64_t)(uintptr_t)raw[i];
	pg_busy++;
	k = pg_pyframes_merge(out, k, MAX_MEM_FRAMES, 1);
	pg_busy--;
	return k;
}

/* -- a per-thread cache of recent stacks ------------------------------------ */

/* Most allocations of a thread come from a few call paths: the last few
 * stacks it used are compared first, outside the lock, so that the stack
 * table is only searched when a path is new to this thread. */
#define TCACHE_WAYS 4
#define TCACHE_FRAMES 24
struct tcache_entry {
	uint64_t frames[TCACHE_FRAMES];
	uint32_t nframes;           /* 0: empty */
	uint32_t stack;
};
static __thread struct tcache_entry t_cache[TCACHE_WAYS] __attribute__((tls_model("initial-exec")));
static __thread uint32_t t_cache_next __attribute__((tls_model("initial-exec")));
static __thread uint64_t t_cache_gen __attribute__((tls_model("initial-exec")));
static uint64_t tables_gen = 1;  /* changes when the tables are reset (fork child) */

static uint32_t cache_find(const uint64_t *f, uint32_t n)
{
	if (t_cache_gen != tables_gen) {
		memset(t_cache, 0, sizeof t_cache);
		t_cache_gen = tables_gen;
		return UINT32_MAX;
	}
	for (int i = 0; i < TCACHE_WAYS; i++)
		if (t_cache[i].nframes == n && !memcmp(t_cache[i].frames, f, n * sizeof *f))
			return t_cache[i].stack;
	return UINT32_MAX;
}

static void cache_put(const uint64_t *f, uint32_t n, uint32_t stack)
{
	if (n == 0 || n > TCACHE_FRAMES)
		return;
	struct tcache_entry *e = &t_cache[t_cache_next++ % TCACHE_WAYS];
	memcpy(e->frames, f, n * sizeof *f);
	e->nframes = n;
	e->stack = stack;
}

/* -- sampling ---------------------------------------------------------------- */

static uint64_t next_random(void)
{
	if (!t_rng) {
		/* A fixed seed per thread (in creation order), so that a
		 * deterministic program gives the same samples every run. */
		t_rng = mix64(0x70676d656d000000ull + atomic_fetch_add(&thread_seq, 1) + 1) | 1;
	}
	t_rng ^= t_rng << 13;
	t_rng ^= t_rng >> 7;
	t_rng ^= t_rng << 17;
	return t_rng;
}

static uint64_t draw_countdown(void)
{
	double u = ((double)(next_random() >> 11) + 0.5) / 9007199254740992.0;
	double v = -log(u) * (double)T.sample_bytes;
	return v < 1 ? 1 : (uint64_t)v;
}

/* Whether an allocation of n bytes is sampled, and its weight. */
static int sampled(size_t n, uint64_t *weight)
{
	if (!T.sample_bytes) {
		*weight = n;
		return 1;
	}
	if (!t_countdown)
		t_countdown = draw_countdown();
	if (n < t_countdown) {
		t_countdown -= n;
		return 0;
	}
	/* Several samples may fall in one large allocation: it is sampled once,
	 * with the unbiased weight for its size. */
	uint64_t over = n - t_countdown;
	t_countdown = draw_countdown();
	while (over >= t_countdown) {
		over -= t_countdown;
		t_countdown = draw_countdown();
	}
	t_countdown -= over;
	double p = 1.0 - exp(-(double)n / (double)T.sample_bytes);
	*weight = (uint64_t)((double)n / p + 0.5);
	return 1;
}

/* -- events ----------------------------------------------------------------- */

/* On every allocation: no system call here (getpid() is one). A vfork child
 * shares our memory, but may not allocate before it execs or exits. */
static inline int tracking(void)
{
	return T.active && !t_guard && !atomic_load_explicit(&pg.finished, memory_order_relaxed);
}

static void on_alloc(void *p, size_t n)
{
	uint64_t weight;
	pg_pymem_maybe_install();
	if (!p || !sampled(n, &weight))
		return;
	uint64_t frames[MAX_MEM_FRAMES];
	t_guard++;
	uint32_t nf = capture(frames);
	uint32_t s = cache_find(frames, nf);
	lock_T();
	if (s == UINT32_MAX) {
		s = intern_stack(frames, nf, (int32_t)pg_gettid());
		if (s != UINT32_MAX)
			cache_put(frames, nf, s);
	}
	if (s != UINT32_MAX && ptr_insert((uintptr_t)p, weight, s) == 0)
		account(s, (int64_t)weight);
	unlock_T();
	t_guard--;
}

static void on_free(void *p)
{
	if (!p)
		return;
	t_guard++;
	lock_T();
	struct tptr e;
	if (ptr_remove((uintptr_t)p, &e))
		account(e.stack, -(int64_t)e.size);
	else
		T.untracked_frees++;
	unlock_T();
	t_guard--;
}

void pg_tracker_record_alloc(void *p, size_t n)
{
	if (tracking())
		on_alloc(p, n);
}

int64_t pg_tracker_record_free(void *p)
{
	if (!p || !tracking() || (T.sample_bytes && !filter_maybe((uintptr_t)p)))
		return -1;
	int saved = errno;
	int64_t size = -1;
	t_guard++;
	lock_T();
	struct tptr e;
	if (ptr_remove((uintptr_t)p, &e)) {
		account(e.stack, -(int64_t)e.size);
		size = (int64_t)e.size;
	} else {
		T.untracked_frees++;
	}
	unlock_T();
	t_guard--;
	errno = saved;
	return size;
}

/* -- mappings --------------------------------------------------------------- */

static size_t region_lower_bound(uintptr_t addr)
{
	size_t lo = 0, hi = T.nregions;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (T.regions[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void on_map(void *p, size_t len)
{
	uint64_t weight;
	if (p == MAP_FAILED || !len || !sampled(len, &weight))
		return;
	uint64_t frames[MAX_MEM_FRAMES];
	t_guard++;
	uint32_t nf = capture(frames);
	int32_t tid = (int32_t)pg_gettid();
	uintptr_t start = (uintptr_t)p, end = start + ((len + 4095) & ~(size_t)4095);
	lock_T();
	uint32_t s = intern_stack(frames, nf, tid);
	if (s != UINT32_MAX &&
	    grow((void **)&T.regions, &T.regions_cap, T.nregions + 1, sizeof *T.regions, 256) == 0) {
		size_t i = region_lower_bound(start);
		memmove(&T.regions[i + 1], &T.regions[i], (T.nregions - i) * sizeof *T.regions);
		/* A sampled mapping weighs more than its length: its pieces are
		 * scaled by the same factor when they are unmapped. */
		uint64_t w = T.sample_bytes ? weight : end - start;
		T.regions[i] = (struct region){ start, end, s, 0, w, end - start };
		T.nregions++;
		account(s, (int64_t)w);
	}
	unlock_T();
	t_guard--;
}

/* Removes [start, end) from the tracked mappings, splitting those that only
 * partly overlap. Caller holds the lock. */
static void unmap_range(uintptr_t start, uintptr_t end)
{
	size_t i = region_lower_bound(start);
	while (i < T.nregions && T.regions[i].start < end) {
		struct region r = T.regions[i];
		uintptr_t a = r.start > start ? r.start : start;
		uintptr_t b = r.end < end ? r.end : end;
		account(r.stack, -(int64_t)(r.weight == r.len ? b - a
						: (uint64_t)((double)(b - a) * (double)r.weight / (double)r.len)));
		if (r.start < a && r.end > b) {
			/* A hole in the middle: two pieces remain. */
			if (grow((void **)&T.regions, &T.regions_cap, T.nregions + 1, sizeof *T.regions, 256) < 0)
				return;
			memmove(&T.regions[i + 2], &T.regions[i + 1], (T.nregions - i - 1) * sizeof *T.regions);
			T.regions[i] = (struct region){ r.start, a, r.stack, 0, r.weight, r.len };
			T.regions[i + 1] = (struct region){ b, r.end, r.stack, 0, r.weight, r.len };
			T.nregions++;
			return;
		}
		if (r.start < a) {
			T.regions[i].end = a;
			i++;
		} else if (r.end > b) {
			T.regions[i].start = b;
			i++;
		} else {
			memmove(&T.regions[i], &T.regions[i + 1], (T.nregions - i - 1) * sizeof *T.regions);
			T.nregions--;
		}
	}
}

static void on_unmap(void *p, size_t len)
{
	if (!len)
		return;
	uintptr_t start = (uintptr_t)p & ~(uintptr_t)4095;
	uintptr_t end = ((uintptr_t)p + len + 4095) & ~(uintptr_t)4095;
	t_guard++;
	lock_T();
	if (T.nregions)
		unmap_range(start, end);
	unlock_T();
	t_guard--;
}

void pg_tracker_record_unmap(void *p, size_t n)
{
	if (tracking())
		on_unmap(p, n);
}

/* -- the wrappers ------------------------------------------------------------ */

PG_EXPORT void *malloc(size_t n)
{
	if (!real_malloc) {
		if (resolving)
			return boot_alloc(n);
		resolve_all();
	}
	void *p = real_malloc(n);
	if (tracking()) {
		/* Sampling: most allocations only move the countdown. */
		if (T.sample_bytes && n < t_countdown)
			t_countdown -= n;
		else
			on_alloc(p, n);
	}
	return p;
}

PG_EXPORT void free(void *p)
{
	if (!p || in_boot_pool(p))
		return;
	if (!real_free)
		resolve_all();
	/* Recorded before the real free: once freed, the address may be handed
	 * to another thread, whose malloc must find it gone from the table. */
	if (tracking() && (!T.sample_bytes || filter_maybe((uintptr_t)p))) {
		int saved = errno;
		on_free(p);
		errno = saved;
	}
	real_free(p);
}

PG_EXPORT void *calloc(size_t n, size_t size)
{
	if (!real_calloc) {
		if (resolving) {
			if (size && n > SIZE_MAX / size)
				return NULL;
			return boot_alloc(n * size);
		}
		resolve_all();
	}
	void *p = real_calloc(n, size);
	if (tracking() && p)
		on_alloc(p, n * size);
	return p;
}

PG_EXPORT void *realloc(void *old, size_t n)
{
	if (!real_realloc)
		resolve_all();
	if (old && in_boot_pool(old)) {
		/* Memory from the boot pool moves to the real heap. */
		void *p = malloc(n);
		if (p)
			memcpy(p, old, n < (size_t)(boot_pool + sizeof boot_pool - (unsigned char *)old)
				      ? n : (size_t)(boot_pool + sizeof boot_pool - (unsigned char *)old));
		return p;
	}
	if (!tracking())
		return real_realloc(old, n);
	/* The old block's free is recorded first (its address may be reused as
	 * soon as realloc returns), and restored if realloc fails. */
	struct tptr e = { 0 };
	int had = 0;
	if (old && (!T.sample_bytes || filter_maybe((uintptr_t)old))) {
		t_guard++;
		lock_T();
		had = ptr_remove((uintptr_t)old, &e);
		if (had)
			account(e.stack, -(int64_t)e.size);
		unlock_T();
		t_guard--;
	}
	void *p = real_realloc(old, n);
	if (p) {
		on_alloc(p, n);
	} else if (had && n != 0) {
		/* Failed: the old block is still live, where it was. */
		t_guard++;
		lock_T();
		if (ptr_insert(e.ptr, e.size, e.stack) == 0)
			account(e.stack, (int64_t)e.size);
		unlock_T();
		t_guard--;
	}
	/* realloc(p, 0) freed p and returned NULL: already recorded above. */
	return p;
}

PG_EXPORT void *memalign(size_t align, size_t n)
{
	if (!real_memalign)
		resolve_all();
	void *p = real_memalign(align, n);
	if (tracking())
		on_alloc(p, n);
	return p;
}

PG_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (!real_posix_memalign)
		resolve_all();
	int rc = real_posix_memalign(out, align, n);
	if (rc == 0 && tracking())
		on_alloc(*out, n);
	return rc;
}

PG_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (!real_aligned_alloc)
		resolve_all();
	void *p = real_aligned_alloc(align, n);
	if (tracking())
		on_alloc(p, n);
	return p;
}

PG_EXPORT void *valloc(size_t n)
{
	if (!real_valloc)
		resolve_all();
	void *p = real_valloc(n);
	if (tracking())
		on_alloc(p, n);
	return p;
}

PG_EXPORT void *pvalloc(size_t n)
{
	if (!real_pvalloc)
		resolve_all();
	void *p = real_pvalloc(n);
	if (tracking())
		on_alloc(p, n);
	return p;
}

static int anon_private(int flags, int fd)
{
	return (flags & MAP_ANONYMOUS) && !(flags & MAP_SHARED) && fd == -1;
}

PG_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (!real_mmap)
		resolve_all();
	void *p = real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && tracking()) {
		/* MAP_FIXED over tracked memory replaces it. */
		if (flags & MAP_FIXED)
			on_unmap(p, len);
		if (anon_private(flags, fd))
			on_map(p, len);
	}
	return p;
}

PG_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

PG_EXPORT int munmap(void *addr, size_t len)
{
	if (!real_munmap)
		resolve_all();
	if (tracking())
		on_unmap(addr, len);
	return real_munmap(addr, len);
}

PG_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	if (!real_mremap)
		resolve_all();
	void *new_addr = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	void *p = real_mremap(old, old_len, new_len, flags, new_addr);
	if (p != MAP_FAILED && tracking()) {
		/* Was the old range ours? Then the new one is, with the stack of
		 * the mremap call (as realloc's new block is its caller's). */
		int ours = 0;
		lock_T();
		size_t i = region_lower_bound((uintptr_t)old);
		ours = i < T.nregions && T.regions[i].start <= (uintptr_t)old;
		unlock_T();
		if (ours) {
			on_unmap(old, old_len);
			on_map(p, new_len);
		}
	}
	return p;
}

/* -- snapshots -------------------------------------------------------------- */

/* Room for n bytes in the snapshot buffer. Caller holds the lock. */
static int snap_room(size_t n)
{
	if (n <= T.snap_cap)
		return 0;
	size_t cap = T.snap_cap ? T.snap_cap : 256 * 1024;
	while (cap < n)
		cap *= 2;
	unsigned char *p = sys_map(cap);
	if (!p)
		return -1;
	sys_unmap(T.snap, T.snap_cap);
	T.snap = p;
	T.snap_cap = cap;
	return 0;
}

/* Writes the tracker's state as one snapshot. Caller holds the write lock
 * (which also guards the snapshot buffer); this takes the tracker lock only
 * to copy the state, and writes after releasing it: a program thread's
 * malloc waits for a memory copy, never for the disk. Not from a signal
 * handler unless `in_signal`, in which case the tracker lock is only tried.
 * Returns the bytes written (0: nothing changed or nothing could be). */
size_t pg_tracker_snapshot(int in_signal)
{
	if (!T.active)
		return 0;
	if (in_signal) {
		if (t_locked || pthread_mutex_trylock(&T.lock) != 0)
			return 0;
		t_locked = 1;
	} else {
		lock_T();
	}
	if (T.changes == T.written_changes && T.seq > 0) {
		unlock_T();
		return 0;
	}
	int end_is_peak = T.cur >= T.peak;
	uint64_t nout = 0;
	size_t need = 0;
	struct pg_rec_hdr h = { PG_REC_MEM_BEGIN, sizeof h + sizeof(struct pg_rec_mem_begin) };
	struct pg_rec_hdr eh = { PG_REC_MEM_END, sizeof eh + sizeof(struct pg_rec_mem_end) };
	for (size_t i = 0; i < T.nstacks; i++)
		if (T.stacks[i].alloc_count) {
			nout++;
			need += sizeof h + sizeof(struct pg_rec_mem_stack) + T.stacks[i].nframes * sizeof(uint64_t);
		}
	need += h.size + eh.size;
	if (snap_room(need) < 0) {
		unlock_T();
		return 0;
	}
	uint64_t seq = ++T.seq;
	unsigned char *out = T.snap;
	size_t used = 0;
	struct pg_rec_mem_begin b = {
		.seq = seq, .time_ns = pg_now_ns(),
		.peak_bytes = (uint64_t)(end_is_peak ? T.cur : T.peak),
		.peak_time_ns = end_is_peak ? (T.rise_time_ns ? T.rise_time_ns : pg_now_ns()) : T.peak_time_ns,
		.cur_bytes = (uint64_t)T.cur, .alloc_count = T.alloc_count, .alloc_bytes = T.alloc_bytes,
		.sample_bytes = T.sample_bytes, .stacks = nout, .untracked_frees = T.untracked_frees,
		.dropped_stacks = T.stacks_dropped,
	};
	memcpy(out + used, &h, sizeof h);
	memcpy(out + used + sizeof h, &b, sizeof b);
	used += h.size;
	for (size_t i = 0; i < T.nstacks; i++) {
		const struct tstack *s = &T.stacks[i];
		if (!s->alloc_count)
			continue;
		size_t size = sizeof h + sizeof(struct pg_rec_mem_stack) + s->nframes * sizeof(uint64_t);
		struct pg_rec_hdr sh = { PG_REC_MEM_STACK, (uint32_t)size };
		struct pg_rec_mem_stack ms = {
			.seq = seq, .peak_bytes = peak_bytes_of(s, end_is_peak), .live_bytes = s->live,
			.alloc_count = s->alloc_count, .alloc_bytes = s->alloc_bytes, .tid = s->tid,
			.generation = s->generation, .nframes = s->nframes,
		};
		memcpy(out + used, &sh, sizeof sh);
		memcpy(out + used + sizeof sh, &ms, sizeof ms);
		memcpy(out + used + sizeof sh + sizeof ms, &T.frames[s->frames_off], s->nframes * sizeof(uint64_t));
		used += size;
	}
	struct pg_rec_mem_end e = { seq };
	memcpy(out + used, &eh, sizeof eh);
	memcpy(out + used + sizeof eh, &e, sizeof e);
	used += eh.size;
	T.written_changes = T.changes;
	unlock_T();
	pg_write_records(out, used);
	return used;
}

/* Kept open, high, and reread: no descriptor of the program's numbers
 * taken and given back every 10 ms. */
static void open_statm(void)
{
	T.statm_fd = pg_fd_high_or_keep(open("/proc/self/statm", O_RDONLY | O_CLOEXEC));
}

/* Heap size now, for the heap-over-time chart (collector thread). */
void pg_tracker_heap_point(unsigned char *buf, size_t *len, size_t cap)
{
	if (!T.active || *len + sizeof(struct pg_rec_hdr) + sizeof(struct pg_rec_heap) > cap)
		return;
	uint64_t rss = 0;
	if (T.statm_fd < 0)
		open_statm();
	int fd = T.statm_fd;
	if (fd >= 0) {
		char s[128];
		ssize_t n = pread(fd, s, sizeof s - 1, 0);
		if (n > 0) {
			s[n] = '\0';
			char *sp = strchr(s, ' ');
			if (sp)
				rss = strtoull(sp + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE);
		}
	}
	uint64_t own = pg_own_resident_bytes();
	if (rss > own && rss - own > T.rss_peak_without_own)
		T.rss_peak_without_own = rss - own;
	struct pg_rec_hdr h = { PG_REC_HEAP, sizeof h + sizeof(struct pg_rec_heap) };
	struct pg_rec_heap hp = { .time_ns = pg_now_ns(), .heap_bytes = (uint64_t)__atomic_load_n(&T.cur, __ATOMIC_RELAXED),
				  .rss_bytes = rss };
	memcpy(buf + *len, &h, sizeof h);
	memcpy(buf + *len + sizeof h, &hp, sizeof hp);
	*len += h.size;
}

static int find_self_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uintptr_t me = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= a && me < b) {
			T.self_start = a;
			T.self_end = b;
			return 1;
		}
	}
	return 0;
}

/* Our own code, whose frames top every trace taken in a wrapper. */
static void find_self(void)
{
	pg_busy++;
	dl_iterate_phdr(find_self_cb, (void *)(uintptr_t)find_self);
	pg_busy--;
}

void pg_tracker_start(uint64_t sample_bytes)
{
	resolve_all();
	pg_fd_register(&T.statm_fd);
	open_statm();
	find_self();
	T.sample_bytes = sample_bytes;
	T.active = 1;
}

uint64_t pg_tracker_rss_peak_without_own(void)
{
	return T.rss_peak_without_own;
}

/* Our tables: mapped by us, touched as they fill. */
uint64_t pg_tracker_own_resident(void)
{
	uint64_t n = T.stacks_cap * sizeof *T.stacks + T.stack_index_cap * sizeof *T.stack_index +
		     T.frames_cap * sizeof *T.frames + T.regions_cap * sizeof *T.regions + T.snap_cap;
	const struct ptab *pt = __atomic_load_n(&T.pt, __ATOMIC_ACQUIRE);
	if (pt)
		n += 2 * (sizeof *pt + pt->cap * sizeof(struct tslot));  /* the smaller ones kept */
	return n;
}

/* In the child of fork: what it inherited belongs to the parent's record. */
void pg_tracker_after_fork_child(int keep)
{
	pthread_mutex_init(&T.lock, NULL);
	sys_unmap(T.stacks, T.stacks_cap * sizeof *T.stacks);
	sys_unmap(T.stack_index, T.stack_index_cap * sizeof *T.stack_index);
	sys_unmap(T.frames, T.frames_cap * sizeof *T.frames);
	if (T.pt)
		sys_unmap(T.pt, sizeof *T.pt + T.pt->cap * sizeof(struct tslot));
	sys_unmap(T.regions, T.regions_cap * sizeof *T.regions);
	uint64_t sample = T.sample_bytes;
	uintptr_t s0 = T.self_start, s1 = T.self_end;
	int was_active = T.active;
	sys_unmap(T.snap, T.snap_cap);
	pg_sys_close(T.statm_fd);  /* the parent's /proc/self */
	memset(&T, 0, sizeof T);
	T.statm_fd = -1;
	memset(filter, 0, sizeof filter);
	pthread_mutex_init(&T.lock, NULL);
	tables_gen++;
	T.sample_bytes = sample;
	T.self_start = s0;
	T.self_end = s1;
	T.active = was_active && keep;
	if (T.active)
		open_statm();
}

void pg_tracker_atfork_prepare(void)
{
	if (T.active)
		lock_T();
}

void pg_tracker_atfork_parent(void)
{
	if (T.active)
		unlock_T();
}

/* The collector's own allocations (pthread_create's start record) are not
 * the program's. */
void pg_tracker_pause(void)
{
	t_guard++;
}

void pg_tracker_resume(void)
{
	t_guard--;
}

int pg_tracker_active(void)
{
	return T.active;
}
