/*
 * pg_run_profile(): launch with the collector preloaded, then read, symbolize
 * and merge the records of every process image into profiles. Shared by
 * `profgate run` and the benchmark runner.
 *
 * Which collector: libprofgate_collector.so (sampler and allocation tracker)
 * for a run that tracks memory; for any other run (CPU or wall sampling:
 * the CPU run of the default two, --no-mem, --mode wall, check's timing
 * runs) libprofgate_collector_cpu.so from the same folder, which interposes
 * nothing of the allocator, or the full library with its tracker off when
 * the CPU-only one is not there. Where the full library is looked for, and
 * what PROFGATE_COLLECTOR does: pg_run_find_collector() below.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "array.h"
#include "error.h"
#include "frame_name.h"
#include "hashmap.h"
#include "folded.h"
#include "profile_json.h"
#include "report_html.h"
#include "pynames.h"
#include "records.h"
#include "run.h"
#include "symbolize.h"

#ifndef PG_VERSION
#define PG_VERSION "unknown"
#endif
#ifndef PG_COLLECTOR_INSTALLED
#define PG_COLLECTOR_INSTALLED "/usr/local/lib/profgate/libprofgate_collector.so"
#endif

#define PG_COLLECTOR_CPU_NAME "libprofgate_collector_cpu.so"

/* Two collector libraries are built from collectors/: libprofgate_collector.so
 * (the sampler and the allocation tracker) and libprofgate_collector_cpu.so
 * (the sampler alone: nothing of the allocator interposed, so that a run
 * without memory tracking does not pay for malloc wrappers it leaves idle).
 *
 * The full library is found first, where the first of these has it:
 *   1. $PROFGATE_COLLECTOR (symlinks resolved; an unreadable one is an error);
 *   2. ../lib/profgate/ from the running profgate (build and install trees:
 *      build/harness/profgate beside build/lib/profgate/, prefix/bin/profgate
 *      beside prefix/lib/profgate/);
 *   3. the path it is installed to (PG_COLLECTOR_INSTALLED).
 * A run that tracks memory preloads it. Any other run (CPU or wall sampling
 * alone) preloads libprofgate_collector_cpu.so from the same folder when it
 * is there, else the full library, whose tracker then stays off. A
 * PROFGATE_COLLECTOR naming the CPU-only library itself is taken for those
 * runs and refused for a memory run. */
static int find_full_collector(char **out)
{
	const char *env = getenv("PROFGATE_COLLECTOR");
	if (env && *env) {
		if (access(env, R_OK) < 0)
			return pg_error_set("PROFGATE_COLLECTOR: cannot read '%s': %s", env, strerror(errno));
		return (*out = realpath(env, NULL)) ? 0 : pg_error_set("'%s': %s", env, strerror(errno));
	}
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		char *dir = dirname(self);
		char *cand = NULL;
		if (asprintf(&cand, "%s/../lib/profgate/libprofgate_collector.so", dir) >= 0) {
			if (access(cand, R_OK) == 0) {
				*out = realpath(cand, NULL);
				free(cand);
				return *out ? 0 : pg_error_set("out of memory");
			}
			free(cand);
		}
	}
	if (access(PG_COLLECTOR_INSTALLED, R_OK) == 0)
		return (*out = strdup(PG_COLLECTOR_INSTALLED)) ? 0 : pg_error_set("out of memory");
	return pg_error_set("cannot find libprofgate_collector.so next to profgate or in '%s' "
			    "(set PROFGATE_COLLECTOR)", PG_COLLECTOR_INSTALLED);
}

int pg_run_find_collector(char **out, int track_mem)
{
	char *full = NULL;
	int err = find_full_collector(&full);
	if (err < 0)
		return err;
	const char *slash = strrchr(full, '/');
	size_t dirlen = slash ? (size_t)(slash + 1 - full) : 0;
	if (!strcmp(full + dirlen, PG_COLLECTOR_CPU_NAME)) {
		if (!track_mem) {
			*out = full;
			return 0;
		}
		err = pg_error_set("PROFGATE_COLLECTOR: '%s' is the collector without the allocation "
				   "tracker; name libprofgate_collector.so (the CPU-only one is "
				   "taken from its folder)", full);
		free(full);
		return err;
	}
	if (!track_mem) {
		char *cpu = NULL;
		if (asprintf(&cpu, "%.*s%s", (int)dirlen, full, PG_COLLECTOR_CPU_NAME) < 0) {
			free(full);
			return pg_error_set("out of memory");
		}
		if (access(cpu, R_OK) == 0) {
			free(full);
			*out = cpu;
			return 0;
		}
		free(cpu);
	}
	*out = full;
	return 0;
}

extern char **environ;

static int env_push(char ***env, size_t *n, size_t *cap, char *entry)
{
	int rc = PG_ARRAY_RESERVE(*env, *cap, *n + 2);

	if (rc < 0)
		return rc;
	(*env)[(*n)++] = entry;
	(*env)[*n] = NULL;
	return 0;
}

/* Replaces KEY in env (or appends). entry is "KEY=VALUE" and owned by the caller. */
static int env_set(char ***env, size_t *n, size_t *cap, char *entry)
{
	size_t klen = (size_t)(strchr(entry, '=') - entry) + 1;
	for (size_t i = 0; i < *n; i++)
		if (!strncmp((*env)[i], entry, klen)) {
			(*env)[i] = entry;
			return 0;
		}
	return env_push(env, n, cap, entry);
}

/* Strings made here live until the command has ended; kept in `owned`. */
struct strlist {
	char **v;
	size_t n;
};

static char *keep(struct strlist *l, char *s)
{
	if (!s)
		return NULL;
	char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv) {
		free(s);
		return NULL;
	}
	l->v = nv;
	l->v[l->n++] = s;
	return s;
}

static int env_add_fmt(char ***env, size_t *n, size_t *cap, struct strlist *owned, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int env_add_fmt(char ***env, size_t *n, size_t *cap, struct strlist *owned, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0 || !keep(owned, s))
		return pg_error_set("out of memory");
	return env_set(env, n, cap, s);
}

static int build_env(char ***out, struct strlist *owned, const struct pg_run_request *req,
		     const char *collector, const char *raw_dir)
{
	char **env = NULL;
	size_t n = 0, cap = 0;
	int err = 0;
	for (char **e = environ; *e; e++)
		if ((err = env_push(&env, &n, &cap, *e)) < 0)
			goto fail;
	for (size_t i = 0; i < req->nenv_add; i++)
		if ((err = env_set(&env, &n, &cap, req->env_add[i])) < 0)
			goto fail;
	/* Our collector first, the user's own preloads kept after it. */
	const char *pre = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], "LD_PRELOAD=", 11))
			pre = env[i] + 11;
	if ((err = env_add_fmt(&env, &n, &cap, owned, "LD_PRELOAD=%s%s%s", collector,
			       pre && *pre ? ":" : "", pre ? pre : "")) < 0 ||
	    (err = env_add_fmt(&env, &n, &cap, owned, "PROFGATE_RAW_DIR=%s", raw_dir)) < 0 ||
	    (err = env_add_fmt(&env, &n, &cap, owned, "PROFGATE_HZ=%u", req->hz)) < 0 ||
	    (err = env_add_fmt(&env, &n, &cap, owned, "PROFGATE_MODE=%s",
			       !req->cpu ? "none" : req->wall ? "wall" : "cpu")) < 0 ||
	    (err = env_add_fmt(&env, &n, &cap, owned, "PROFGATE_MEM=%d", req->mem)) < 0 ||
	    (err = env_add_fmt(&env, &n, &cap, owned, "PROFGATE_MEM_SAMPLE=%llu",
			       (unsigned long long)req->mem_sample)) < 0 ||
	    (err = env_add_fmt(&env, &n, &cap, owned, "PROFGATE_FOLLOW=%d", req->follow)) < 0)
		goto fail;
	*out = env;
	return 0;
fail:
	free(env);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Record files in name order: pid, then exec sequence. */
static int list_records(char ***out, size_t *count, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return pg_error_set("cannot open '%s': %s", dir, strerror(errno));
	char **v = NULL;
	size_t n = 0;
	struct dirent *e;
	int err = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".pgr"))
			continue;
		char **nv = realloc(v, (n + 1) * sizeof *nv);
		char *p = NULL;
		if (!nv || asprintf(&p, "%s/%s", dir, e->d_name) < 0) {
			free(nv ? nv : v);
			v = NULL;
			n = 0;
			err = pg_error_set("out of memory");
			break;
		}
		v = nv;
		v[n++] = p;
	}
	closedir(d);
	if (v)
		qsort(v, n, sizeof *v, cmp_str);
	*out = v;
	*count = n;
	return err;
}

/* Frame word -> interned frames, per process; also counts distinct
 * addresses. A native address stands for one frame, or several when calls
 * were inlined there: ids[first .. first + count), outermost first; a
 * tagged word (Python code and line, a marker) for one. */
struct addr_entry {
	uint64_t key;  /* native: addr << 1 | is_return (below 2^49, under every tagged word); tagged: the word */
	uint32_t first, count;
	int skip;      /* profgate's own frame */
	int tracker;   /* in the collector or the libunwind it calls */
	int kind;      /* enum frame_kind */
};

enum frame_kind {
	FRAME_NATIVE = 0,
	FRAME_PYTHON,       /* a Python function */
	FRAME_MACHINERY,    /* the interpreter's call machinery: gives way to Python frames */
	FRAME_INTERP_UNRESOLVED,  /* an unnamed frame of the interpreter */
};

/* The entries in an array, found by key through common/hashmap. */
struct addr_cache {
	struct addr_entry *v;
	size_t used, cap;
	struct pg_hashmap map;  /* key -> index + 1 in v */
	pg_frame_id *ids;
	size_t nids, capids;
};

/* Stack buffers hold the recorded frames plus what was inlined in them. */
#define STACK_MAX (4 * PG_REC_MAX_FRAMES + 2)

/* Room for n more frame ids in c->ids. */
static int reserve_ids(struct addr_cache *c, size_t n)
{
	return PG_ARRAY_RESERVE(c->ids, c->capids, c->nids + n);
}

/* The entry of key, found or else added empty (*added set); NULL when out of
 * memory. The pointer holds until the next call adds an entry. */
static struct addr_entry *addr_entry(struct addr_cache *c, uint64_t key, int *added)
{
	uint32_t ref = pg_hashmap_get(&c->map, key);

	*added = !ref;
	if (ref)
		return &c->v[ref - 1];
	if (PG_ARRAY_RESERVE(c->v, c->cap, c->used + 1) < 0 ||
	    pg_hashmap_put(&c->map, key, (uint32_t)c->used + 1) < 0)
		return NULL;
	c->v[c->used] = (struct addr_entry){ .key = key };
	return &c->v[c->used++];
}

static const char *root_name(const struct pg_proc *p)
{
	const char *s = p->argc > 0 && p->argv[0][0] ? p->argv[0] : p->exe;
	if (!s || !*s)
		return "[unknown]";
	const char *slash = strrchr(s, '/');
	return slash && slash[1] ? slash + 1 : s;
}

/* Remembers the full name of a function whose display name is shorter,
 * for profile.json and the report's hover; the first one seen wins when
 * two overloads share a display name. */
static int note_full_name(struct pg_run_result *r, struct pg_symbolizer *sym, const struct pg_module *m,
			  uint64_t addr, int is_ret, const char *display)
{
	const char *full = pg_symbolize_full(sym, m, addr, is_ret);
	pg_frame_id id;
	int err;

	if (!full)
		return 0;
	if (!r->full_keys && (err = pg_profile_new(&r->full_keys)) < 0)
		return err;
	if ((err = pg_profile_intern(&id, r->full_keys, display, strlen(display))) < 0)
		return err;
	if (id >= r->nfull) {
		size_t had = r->nfull;

		if ((err = PG_ARRAY_RESERVE(r->full_names, r->nfull, (size_t)id + 1)) < 0)
			return err;
		memset(r->full_names + had, 0, (r->nfull - had) * sizeof *r->full_names);
	}
	if (!r->full_names[id] && !(r->full_names[id] = strdup(full)))
		return pg_error_set("out of memory");
	return 0;
}

const char *pg_run_full_name(const struct pg_run_result *r, const char *display)
{
	size_t n = r->full_keys ? pg_profile_frame_count(r->full_keys) : 0;

	/* A handful of lookups per report row: a scan of the pool is enough. */
	for (size_t i = 0; i < n && i < r->nfull; i++)
		if (r->full_names[i] && !strcmp(pg_profile_frame_name(r->full_keys, (pg_frame_id)i), display))
			return r->full_names[i];
	return NULL;
}

/* The name of a tagged frame word (Python or marker) into buf. */
static const char *tagged_name(char *buf, size_t cap, const struct pg_proc *p, uint64_t word,
			       const char *cwd, int *kind)
{
	if (pg_frame_tag(word) == PG_FRAME_TAG_MARKER) {
		*kind = FRAME_NATIVE;
		return (word & 0xffff) == PG_FRAME_KERNEL ? "[kernel]" : "[unknown]";
	}
	*kind = FRAME_PYTHON;
	const struct pg_pycode *c = pg_proc_pycode(p, pg_frame_py_code(word));
	if (!c) {
		snprintf(buf, cap, "[python]");
		return buf;
	}
	pg_pyname_format(buf, cap, c->qualname[0] ? c->qualname : "[python]",
			 c->filename[0] ? c->filename : "?", pg_frame_py_line(word), cwd);
	return buf;
}

/* Between a Python frame and the next one towards the leaf, the
 * interpreter's call machinery and its unnamed frames give way (the Python
 * frames stand for them); a named C function that Python code called stays. */
static size_t drop_machinery(pg_frame_id *stack, const int *kinds, size_t depth)
{
	size_t out = 0;
	int seen_py = 0;
	for (size_t i = 0; i < depth; i++) {
		int k = kinds[i];
		if (k == FRAME_PYTHON)
			seen_py = 1;
		if (seen_py && k == FRAME_MACHINERY)
			continue;
		if (seen_py && k == FRAME_INTERP_UNRESOLVED) {
			/* Unnamed: dropped only when a Python frame follows. */
			size_t j = i + 1;
			while (j < depth && kinds[j] != FRAME_PYTHON && kinds[j] != FRAME_NATIVE)
				j++;
			if (j < depth && kinds[j] == FRAME_PYTHON)
				continue;
		}
		stack[out++] = stack[i];
	}
	return out;
}

/* Symbolizes addrs[0..n) (leaf first, addrs[0] exact, the others return
 * addresses) into stack[1..] root first after stack[0] = root; returns the
 * depth. profgate's own frames are left out; Python frames are named from
 * the process's code records. */
static int symbolize_stack(size_t *depth_out, pg_frame_id *stack, pg_frame_id root,
			   struct pg_profile *names, struct pg_symbolizer *sym,
			   const struct pg_proc *p, struct addr_cache *cache, uint32_t generation,
			   const uint64_t *addrs, uint32_t n, int first_is_return, struct pg_run_result *r,
			   int *leaf_in_tracker)
{
	size_t depth = 0;
	int err, any_py = 0;
	int kinds[STACK_MAX];
	*leaf_in_tracker = 0;
	kinds[depth] = FRAME_NATIVE;
	stack[depth++] = root;
	for (uint32_t k = n; k-- > 0;) {
		uint64_t addr = addrs[k];
		int is_ret = k > 0 || first_is_return;
		int tagged = pg_frame_tag(addr) != PG_FRAME_TAG_NATIVE;
		uint64_t key = tagged ? addr : (addr << 1) | (uint64_t)is_ret;
		int added;
		struct addr_entry *e = addr_entry(cache, key, &added);
		if (!e)
			return pg_error_set("out of memory");
		if (added && tagged) {
			char buf[1024];
			const char *name = tagged_name(buf, sizeof buf, p, addr, r->py_cwd, &e->kind);
			if ((err = reserve_ids(cache, 1)) < 0)
				return err;
			e->first = (uint32_t)cache->nids;
			e->count = 1;
			if ((err = pg_profile_intern(&cache->ids[cache->nids++], names, name, strlen(name))) < 0)
				return err;
		} else if (added) {
			const struct pg_module *m = pg_proc_module_at(p, generation, addr);
			e->tracker = m && (pg_module_is_collector(m) || strstr(m->path, "libunwind"));
			if (pg_module_is_collector(m)) {
				e->skip = 1;
				continue;
			}
			int resolved;
			const char *const *frames;
			size_t nf = pg_symbolize_frames(sym, m, addr, is_ret, &frames, &resolved);
			r->sym_frames++;
			if (!resolved)
				r->sym_unresolved++;
			/* The signal trampoline never appears (docs/folded.md), also where a
			 * sample caught the program's own handler returning. */
			if (!strcmp(frames[0], "__restore_rt")) {
				e->skip = 1;
				continue;
			}
			if ((err = reserve_ids(cache, nf)) < 0)
				return err;
			e->first = (uint32_t)cache->nids;
			e->count = (uint32_t)nf;
			for (size_t j = 0; j < nf; j++)
				if ((err = pg_profile_intern(&cache->ids[cache->nids++], names, frames[j],
							     strlen(frames[j]))) < 0)
					return err;
			if ((err = note_full_name(r, sym, m, addr, is_ret, frames[0])) < 0)
				return err;
			if (pg_pyname_is_call_machinery(frames[0]))
				e->kind = FRAME_MACHINERY;
			else if (!resolved && (strstr(frames[0], "[python") == frames[0] ||
					       strstr(frames[0], "[libpython") == frames[0]))
				e->kind = FRAME_INTERP_UNRESOLVED;
		}
		if (k == 0 && e->tracker)
			*leaf_in_tracker = 1;
		if (e->skip)
			continue;
		/* Keep the call frames when the buffer is short: drop inlined ones. */
		uint32_t take = e->count;
		if (depth + take + k > STACK_MAX - 1)
			take = depth + 1 + k < STACK_MAX ? 1 : 0;
		any_py |= e->kind == FRAME_PYTHON;
		for (uint32_t j = 0; j < take; j++) {
			kinds[depth] = e->kind;
			stack[depth++] = cache->ids[e->first + j];
		}
	}
	*depth_out = any_py ? drop_machinery(stack, kinds, depth) : depth;
	return 0;
}

/* Copies a stack of names interned in `from` into `to`'s pool. */
static int reintern(pg_frame_id *dst, const pg_frame_id *src, size_t depth,
		    const struct pg_profile *from, struct pg_profile *to)
{
	for (size_t k = 0; k < depth; k++) {
		const char *nm = pg_profile_frame_name(from, src[k]);
		int err = pg_profile_intern(&dst[k], to, nm, strlen(nm));
		if (err < 0)
			return err;
	}
	return 0;
}

static int thread_index(struct pg_run_result *r, int pid, int tid, uint32_t *out)
{
	for (size_t i = r->nthreads; i-- > 0;)
		if (r->threads[i].tid == tid && r->threads[i].pid == pid) {
			*out = (uint32_t)i;
			return 0;
		}
	struct pg_run_thread *n = realloc(r->threads, (r->nthreads + 1) * sizeof *n);
	if (!n)
		return pg_error_set("out of memory");
	r->threads = n;
	memset(&n[r->nthreads], 0, sizeof *n);
	n[r->nthreads].pid = pid;
	n[r->nthreads].tid = tid;
	*out = (uint32_t)r->nthreads++;
	return 0;
}

static uint64_t best_peak_so_far(const struct pg_run_result *r)
{
	return r->nheap || r->best_peak ? r->best_peak : 0;
}

static int fold_process(struct pg_run_result *r, struct pg_symbolizer *sym, const struct pg_proc *p,
			uint64_t t0, pg_frame_id *root_out, uint64_t *samples_out)
{
	struct addr_cache cache = { 0 };
	pg_frame_id stack[STACK_MAX], wstack[STACK_MAX];
	pg_frame_id root, wroot = 0, wwaiting = 0;
	int err;
	uint64_t samples = 0;
	const char *rn = root_name(p);
	if ((err = pg_profile_intern(&root, r->cpu, rn, strlen(rn))) < 0)
		return err;
	*root_out = root;
	if (r->wall && ((err = pg_profile_intern(&wroot, r->wall, rn, strlen(rn))) < 0 ||
			(err = pg_profile_intern(&wwaiting, r->wall, "[waiting]", 9)) < 0))
		return err;
	for (size_t k = 0; k < p->nthreads; k++) {
		uint32_t ti;
		if ((err = thread_index(r, p->pid, p->threads[k].tid, &ti)) < 0)
			goto done;
		memcpy(r->threads[ti].name, p->threads[k].name, sizeof r->threads[ti].name);
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct pg_sample *s = &p->samples[i];
		size_t depth = 0, at = 0;
		uint32_t ti;
		int in_tracker;
		if ((err = symbolize_stack(&depth, stack, root, r->cpu, sym, p, &cache, s->generation,
					   s->frames, s->nframes, 0, r, &in_tracker)) < 0)
			goto done;
		int waiting = (s->flags & PG_SAMPLE_WAITING) != 0;
		if (!waiting && in_tracker)
			r->tracker_samples++;
		if (r->wall) {
			wstack[0] = wroot;
			if ((err = reintern(wstack + 1, stack + 1, depth - 1, r->cpu, r->wall)) < 0)
				goto done;
			size_t wd = depth;
			if (waiting)
				wstack[wd++] = wwaiting;
			if ((err = pg_profile_add_stack_at(&at, r->wall, wstack, wd, s->tid, s->weight)) < 0)
				goto done;
		}
		if (!waiting) {
			size_t cat;
			if ((err = pg_profile_add_stack_at(&cat, r->cpu, stack, depth, s->tid, s->weight)) < 0)
				goto done;
			if (!r->wall)
				at = cat;
			r->cpu_samples++;
		}
		if ((err = thread_index(r, p->pid, s->tid, &ti)) < 0)
			goto done;
		r->threads[ti].samples++;
		r->threads[ti].weight += s->weight;
		struct pg_run_sample *n = r->timeline;
		if (r->ntimeline % 4096 == 0) {
			n = realloc(r->timeline, (r->ntimeline + 4096) * sizeof *n);
			if (!n) {
				err = pg_error_set("out of memory");
				goto done;
			}
			r->timeline = n;
		}
		n[r->ntimeline++] = (struct pg_run_sample){
			.t_ns = s->time_ns >= t0 ? s->time_ns - t0 : 0, .thread = ti,
			.stack = (uint32_t)at, .waiting = (uint8_t)waiting,
			.ticks = waiting && s->weight > 1 ? s->weight : 1 };
		samples++;
	}
	r->samples += samples;
	*samples_out = samples;
	if (p->has_mem && r->mem_peak) {
		/* An image that was exec'd over released its heap: nothing leaked. */
		int execd = p->has_end && p->end.exit_code == -2;
		pg_frame_id mroot, lroot;
		if ((err = pg_profile_intern(&mroot, r->mem_peak, rn, strlen(rn))) < 0 ||
		    (err = pg_profile_intern(&lroot, r->mem_leaks, rn, strlen(rn))) < 0)
			goto done;
		for (size_t i = p->mem_first; i < p->mem_first + p->mem_count; i++) {
			const struct pg_mem_stack *m = &p->mem_stacks[i];
			size_t depth = 0;
			int in_tracker;
			if ((err = symbolize_stack(&depth, stack, root, r->cpu, sym, p, &cache, m->generation,
						   m->frames, m->nframes, 1, r, &in_tracker)) < 0)
				goto done;
			if (m->peak_bytes > 0) {
				wstack[0] = mroot;
				if ((err = reintern(wstack + 1, stack + 1, depth - 1, r->cpu, r->mem_peak)) < 0 ||
				    (err = pg_profile_add_stack(r->mem_peak, wstack, depth, m->tid,
								(uint64_t)m->peak_bytes)) < 0)
					goto done;
			}
			if (m->live_bytes > 0 && !execd) {
				wstack[0] = lroot;
				if ((err = reintern(wstack + 1, stack + 1, depth - 1, r->cpu, r->mem_leaks)) < 0 ||
				    (err = pg_profile_add_stack(r->mem_leaks, wstack, depth, m->tid,
								(uint64_t)m->live_bytes)) < 0)
					goto done;
			}
		}
		if (r->peak_heap_bytes < 0) {
			r->peak_heap_bytes = r->alloc_count = r->alloc_bytes = r->leaked_bytes = 0;
		}
		/* Several processes: their peaks are added (an upper bound of
		 * what was live at once), like their counts. */
		r->peak_heap_bytes += (int64_t)p->mem.peak_bytes;
		r->alloc_count += (int64_t)p->mem.alloc_count;
		r->alloc_bytes += (int64_t)p->mem.alloc_bytes;
		if (!execd)
			r->leaked_bytes += (int64_t)p->mem.cur_bytes;
		if (p->mem.peak_bytes >= best_peak_so_far(r)) {
			free(r->heap);
			r->heap = calloc(p->nheap ? p->nheap : 1, sizeof *r->heap);
			if (!r->heap) {
				err = pg_error_set("out of memory");
				goto done;
			}
			for (size_t k = 0; k < p->nheap; k++)
				r->heap[k] = (struct pg_run_heap_point){
					p->heap[k].time_ns >= t0 ? p->heap[k].time_ns - t0 : 0,
					p->heap[k].heap_bytes, p->heap[k].rss_bytes };
			r->nheap = p->nheap;
			r->peak_t_ns = p->mem.peak_time_ns >= t0 ? p->mem.peak_time_ns - t0 : 0;
			r->best_peak = p->mem.peak_bytes;
		}
	}
	err = 0;
done:
	free(cache.v);
	pg_hashmap_release(&cache.map);
	free(cache.ids);
	return err;
}

static int cmp_timeline(const void *a, const void *b)
{
	const struct pg_run_sample *x = a, *y = b;
	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

/* What the first process image with a Python runtime said about its frames
 * (a shell or launcher before it has none); an image whose frames are on
 * wins over one whose are off. */
static int note_python(struct pg_run_result *r, const struct pg_proc *p)
{
	if (!p->has_pyinfo || p->pyinfo.status == PG_PY_NONE)
		return 0;
	if (r->py_status == PG_PY_ON || (r->py_status == PG_PY_OFF && p->pyinfo.status != PG_PY_ON))
		return 0;
	r->py_status = (int)p->pyinfo.status;
	memcpy(r->py_version, p->pyinfo.version, sizeof r->py_version);
	r->py_version[sizeof r->py_version - 1] = '\0';
	free(r->py_reason);
	r->py_reason = NULL;
	if (p->pyinfo.status != PG_PY_ON && !(r->py_reason = strdup(p->py_reason)))
		return pg_error_set("out of memory");
	r->py_walks = p->pyinfo.walks;
	r->py_frames = p->pyinfo.frames;
	r->py_faults = p->pyinfo.faults;
	r->py_invalid = p->pyinfo.invalid;
	r->py_mismatched = p->pyinfo.mismatched;
	r->py_mem_hooked = (int)p->pyinfo.mem_hooked;
	return 0;
}

/* Reads, symbolizes and merges every record file of raw_dir into r. */
static int read_records(struct pg_run_result *r, const struct pg_run_request *req, const char *raw_dir)
{
	char **files = NULL;
	size_t nfiles = 0;
	struct pg_proc *procs = NULL;
	size_t nprocs = 0;
	struct pg_symbolizer *sym = NULL;
	int err;

	if ((err = list_records(&files, &nfiles, raw_dir)) < 0)
		goto done;
	r->py_cwd = req->cwd ? realpath(req->cwd, NULL) : getcwd(NULL, 0);
	procs = calloc(nfiles ? nfiles : 1, sizeof *procs);
	r->roots = calloc(nfiles ? nfiles : 1, sizeof *r->roots);
	r->procs = calloc(nfiles ? nfiles : 1, sizeof *r->procs);
	if (!procs || !r->roots || !r->procs || pg_profile_new(&r->cpu) < 0 ||
	    (req->wall && pg_profile_new(&r->wall) < 0) ||
	    (req->mem && (pg_profile_new(&r->mem_peak) < 0 || pg_profile_new(&r->mem_leaks) < 0)) ||
	    pg_symbolizer_new(&sym) < 0) {
		err = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nfiles; i++) {
		if ((err = pg_records_read(&procs[nprocs], files[i])) < 0) {
			/* One unreadable record (a process killed before its first
			 * write) must not cost the others, but it is never silent:
			 * profile.json lists it and a benchmark run fails on it. */
			char *why = strdup(pg_error_last());
			char **more = realloc(r->lost_profiles, (r->nlost_profiles + 1) * sizeof *more);

			fprintf(stderr, "profgate: warning: a process's profile is lost: %s\n", pg_error_last());
			pg_proc_release(&procs[nprocs]);
			if (!why || !more) {
				free(why);
				if (more)
					r->lost_profiles = more;
				err = pg_error_set("out of memory");
				goto done;
			}
			r->lost_profiles = more;
			r->lost_profiles[r->nlost_profiles++] = why;
			continue;
		}
		nprocs++;
	}
	uint64_t t0 = UINT64_MAX;
	int64_t rss_seen = 0;
	int rss_complete = nprocs > 0;
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].start_ns < t0)
			t0 = procs[i].start_ns;
	for (size_t i = 0; i < nprocs; i++) {
		struct pg_proc *p = &procs[i];
		if ((err = note_python(r, p)) < 0)
			goto done;
	}
	for (size_t i = 0; i < nprocs; i++) {
		struct pg_proc *p = &procs[i];
		struct pg_run_process *rp = &r->procs[r->nprocs];
		if ((err = fold_process(r, sym, p, t0, &r->roots[r->nroots], &rp->samples)) < 0)
			goto done;
		r->nroots++;
		if (p->has_end) {
			r->lost += p->end.lost;
			r->overruns += p->end.overruns;
			r->truncated_stacks += p->end.truncated_stacks;
			if (p->end.peak_rss_bytes > 0 && (int64_t)p->end.peak_rss_bytes > rss_seen)
				rss_seen = (int64_t)p->end.peak_rss_bytes;
		} else {
			rss_complete = 0;  /* killed: only wait4's figure covers it */
		}
		if (!r->source)
			r->source = (int)p->source;
		rp->pid = p->pid;
		rp->ppid = p->ppid;
		rp->threads = p->nthreads;
		rp->argv = p->argv;  /* moved: p->argv no longer owns it */
		rp->argc = p->argc;
		p->argv = NULL;
		p->argc = 0;
		/* The last image of the launched pid ended as wait4 says; an
		 * image that was exec'd over, or another process, as its end
		 * record says (nothing if it was killed unseen). */
		int execd_over = i + 1 < nprocs && procs[i + 1].pid == p->pid;
		if (p->pid == r->launch.pid && !execd_over) {
			rp->exit_known = 1;
			if (WIFSIGNALED(r->launch.status))
				rp->exit_signal = WTERMSIG(r->launch.status);
			else
				rp->exit_code = WEXITSTATUS(r->launch.status);
		} else if (p->has_end && p->end.exit_code >= 0) {
			rp->exit_known = 1;
			if (p->end.exit_code > 128)
				rp->exit_signal = p->end.exit_code - 128;
			else
				rp->exit_code = p->end.exit_code;
		}
		r->nprocs++;
	}
	/* Writes of a record failed (a full disk, a file size limit): the
	 * collector left the failed records out whole, so the file reads, but
	 * it lacks samples, stacks or names. Not a profile to trust either. */
	for (size_t i = 0; i < nprocs; i++) {
		const struct pg_proc *p = &procs[i];
		if (p->has_end && p->end.write_errors > 0) {
			err = pg_error_set("cannot record into '%s': %s (%llu write%s of '%s', process %d, failed; "
					   "what they held is missing from the profile)", raw_dir,
					   strerror(p->end.write_errno ? (int)p->end.write_errno : EIO),
					   (unsigned long long)p->end.write_errors,
					   p->end.write_errors == 1 ? "" : "s", p->file, (int)p->pid);
			goto done;
		}
	}
	/* The command exited normally, yet the record of its last image ends
	 * early: its writes failed (a full disk). Not a profile to trust. */
	for (size_t i = 0; i < nprocs; i++) {
		const struct pg_proc *p = &procs[i];
		int last_image = i + 1 == nprocs || procs[i + 1].pid != p->pid;
		if (p->pid == r->launch.pid && last_image && WIFEXITED(r->launch.status) &&
		    !r->launch.timed_out && (!p->has_end || p->truncated)) {
			struct statvfs fs;
			int full = statvfs(raw_dir, &fs) == 0 &&
				   (uint64_t)fs.f_bavail * fs.f_bsize < 256 * 1024;
			err = pg_error_set("cannot record into '%s': %s ('%s' ends early although the "
					   "command exited normally)", raw_dir,
					   full ? strerror(ENOSPC) : "the record file was cut short",
					   p->file);
			goto done;
		}
	}
	/* Peak RSS: the largest process image's own high-water mark when every
	 * image reported one; wait4's ru_maxrss counts the forked copy of
	 * profgate too, so it is only the fallback. */
	if (rss_complete && rss_seen > 0)
		r->peak_rss_bytes = rss_seen;
	if (r->ntimeline > 1)
		qsort(r->timeline, r->ntimeline, sizeof *r->timeline, cmp_timeline);
	r->mem_tracked = r->peak_heap_bytes >= 0;
	if (req->mem && !r->mem_tracked) {
		/* Asked for but nothing arrived (a program killed before its first
		 * snapshot): no profiles that would look like an empty heap. */
		pg_profile_free(r->mem_peak);
		pg_profile_free(r->mem_leaks);
		r->mem_peak = r->mem_leaks = NULL;
	}
	err = 0;
done:
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	for (size_t i = 0; i < nprocs; i++)
		pg_proc_release(&procs[i]);
	free(procs);
	pg_symbolizer_free(sym);
	return err;
}

static char *read_tail(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)max ? end - (off_t)max : 0;
	char *buf = malloc(max + 1);
	ssize_t n = buf ? pread(fd, buf, max, from) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int pg_run_profile(struct pg_run_result *out, const struct pg_run_request *req)
{
	struct strlist owned = { 0 };
	char *prog = NULL, *collector = NULL, *raw_dir = NULL, *errpath = NULL, *cand = NULL;
	char **env = NULL;
	int err, errfd = -1, outfd = -1;
	struct timespec t0, t1;

	memset(out, 0, sizeof *out);
	out->status = PG_EXIT_PROFGATE_FAILED;
	out->peak_rss_bytes = -1;
	out->peak_heap_bytes = out->alloc_count = out->alloc_bytes = out->leaked_bytes = -1;
	out->mem_sample = req->mem_sample;
	const char *p0 = req->argv[0];
	if (req->cwd && strchr(p0, '/') && p0[0] != '/') {
		/* A relative program path is relative to where it runs. */
		if (asprintf(&cand, "%s/%s", req->cwd, p0) < 0) {
			err = pg_error_set("out of memory");
			goto done;
		}
		p0 = cand;
	}
	if ((err = pg_launch_resolve(&prog, p0)) < 0) {
		out->status = err == PG_ENOTFOUND ? PG_EXIT_NOT_FOUND : PG_EXIT_CANNOT_EXEC;
		goto done;
	}
	if ((err = pg_launch_check_dynamic(prog)) < 0)
		goto done;
	if ((err = pg_run_find_collector(&collector, req->mem)) < 0)
		goto done;
	struct stat st;
	if (req->cwd && (stat(req->cwd, &st) < 0 || !S_ISDIR(st.st_mode))) {
		err = pg_error_set("cannot run in '%s': %s", req->cwd,
				   errno ? strerror(errno) : "not a directory");
		goto done;
	}
	if ((err = pg_mkdirs(req->work_dir)) < 0)
		goto done;
	if (asprintf(&raw_dir, "%s/.raw-XXXXXX", req->work_dir) < 0) {
		raw_dir = NULL;
		err = pg_error_set("out of memory");
		goto done;
	}
	if (!mkdtemp(raw_dir)) {
		err = pg_error_set("cannot create a folder in '%s': %s", req->work_dir, strerror(errno));
		free(raw_dir);
		raw_dir = NULL;
		goto done;
	}
	if ((err = build_env(&env, &owned, req, collector, raw_dir)) < 0)
		goto done;
	if (req->stderr_tail > 0) {
		if (asprintf(&errpath, "%s/stderr", raw_dir) < 0) {
			errpath = NULL;
			err = pg_error_set("out of memory");
			goto done;
		}
		errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (errfd < 0) {
			err = pg_error_set("cannot create '%s': %s", errpath, strerror(errno));
			goto done;
		}
	}
	if (req->discard_stdout && (outfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
		err = pg_error_set("cannot open '/dev/null': %s", strerror(errno));
		goto done;
	}
	struct pg_launch l = { .argv = req->argv, .envp = env, .timeout = req->timeout,
			       .kill_grace = 2.0, .cwd = req->cwd, .stderr_fd = errfd,
			       .stdout_fd = outfd };
	if ((err = pg_launch_run(&out->launch, prog, &l)) < 0) {
		out->status = err == PG_ENOTFOUND ? PG_EXIT_NOT_FOUND : PG_EXIT_CANNOT_EXEC;
		goto done;
	}
	const struct pg_launch_result *lr = &out->launch;
	if (lr->timed_out)
		out->status = PG_EXIT_TIMEOUT;
	else if (WIFSIGNALED(lr->status))
		out->status = 128 + WTERMSIG(lr->status);
	else
		out->status = WEXITSTATUS(lr->status);
	out->wall_seconds = lr->wall_seconds;
	out->cpu_seconds = (double)lr->ru.ru_utime.tv_sec + (double)lr->ru.ru_utime.tv_usec / 1e6 +
			   (double)lr->ru.ru_stime.tv_sec + (double)lr->ru.ru_stime.tv_usec / 1e6;
	out->sys_cpu_seconds = (double)lr->ru.ru_stime.tv_sec + (double)lr->ru.ru_stime.tv_usec / 1e6;
	out->peak_rss_bytes = (int64_t)lr->ru.ru_maxrss * 1024;
	if (errpath)
		out->stderr_tail = read_tail(errpath, (size_t)req->stderr_tail);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = read_records(out, req, raw_dir)) < 0) {
		int status = out->status;
		out->status = PG_EXIT_PROFGATE_FAILED;
		(void)status;
		goto done;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (out->py_reason)
		fprintf(stderr, "profgate: %s\n", out->py_reason);
	out->postprocess_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	err = 0;
done:
	if (errfd >= 0)
		close(errfd);
	if (outfd >= 0)
		close(outfd);
	if (raw_dir && !getenv("PROFGATE_KEEP_RAW"))
		pg_remove_tree(raw_dir);
	for (size_t i = 0; i < owned.n; i++)
		free(owned.v[i]);
	free(owned.v);
	free(env);
	free(prog);
	free(collector);
	free(raw_dir);
	free(errpath);
	free(cand);
	return err;
}

int pg_run_result_take_lost(struct pg_run_result *into, struct pg_run_result *from)
{
	if (!from->nlost_profiles)
		return 0;
	char **more = realloc(into->lost_profiles, (into->nlost_profiles + from->nlost_profiles) * sizeof *more);
	if (!more)
		return pg_error_set("out of memory");
	memcpy(more + into->nlost_profiles, from->lost_profiles, from->nlost_profiles * sizeof *more);
	into->lost_profiles = more;
	into->nlost_profiles += from->nlost_profiles;
	free(from->lost_profiles);
	from->lost_profiles = NULL;
	from->nlost_profiles = 0;
	return 0;
}

void pg_run_result_take_memory(struct pg_run_result *into, struct pg_run_result *from)
{
	pg_profile_free(into->mem_peak);
	pg_profile_free(into->mem_leaks);
	free(into->heap);
	into->mem_tracked = from->mem_tracked;
	into->mem_sample = from->mem_sample;
	into->mem_peak = from->mem_peak;
	into->mem_leaks = from->mem_leaks;
	into->peak_heap_bytes = from->peak_heap_bytes;
	into->alloc_count = from->alloc_count;
	into->alloc_bytes = from->alloc_bytes;
	into->leaked_bytes = from->leaked_bytes;
	into->peak_t_ns = from->peak_t_ns;
	into->heap = from->heap;
	into->nheap = from->nheap;
	into->best_peak = from->best_peak;
	from->mem_peak = from->mem_leaks = NULL;
	from->heap = NULL;
	from->nheap = 0;
	from->mem_tracked = 0;
}

void pg_run_result_release(struct pg_run_result *r)
{
	if (!r)
		return;
	pg_profile_free(r->cpu);
	pg_profile_free(r->wall);
	pg_profile_free(r->mem_peak);
	pg_profile_free(r->mem_leaks);
	free(r->heap);
	for (size_t i = 0; i < r->nlost_profiles; i++)
		free(r->lost_profiles[i]);
	free(r->lost_profiles);
	for (size_t i = 0; i < r->nprocs; i++) {
		for (int k = 0; k < r->procs[i].argc; k++)
			free(r->procs[i].argv[k]);
		free(r->procs[i].argv);
	}
	free(r->procs);
	free(r->threads);
	free(r->timeline);
	free(r->roots);
	free(r->stderr_tail);
	for (size_t i = 0; i < r->nfull; i++)
		free(r->full_names[i]);
	free(r->full_names);
	pg_profile_free(r->full_keys);
	free(r->py_cwd);
	free(r->py_reason);
	memset(r, 0, sizeof *r);
}

const char *pg_run_source_name(int source)
{
	switch (source) {
	case PG_SOURCE_PERF: return "perf-task-clock";
	case PG_SOURCE_PERF_SIGIO: return "perf-task-clock-sigio";
	case PG_SOURCE_CTIMER: return "timer-thread-cputime";
	case PG_SOURCE_WALL: return "wall-clock";
	default: return NULL;
	}
}

/* Whether name is one of the roots (program names) of r's CPU profile. */
static int is_root_name(const struct pg_run_result *r, const char *name)
{
	for (size_t i = 0; i < r->nroots; i++)
		if (!strcmp(pg_profile_frame_name(r->cpu, r->roots[i]), name))
			return 1;
	return 0;
}

int pg_run_is_allocator_frame(const char *name)
{
	static const char *const prefixes[] = {
		"operator new", "operator new[]", "malloc", "calloc", "realloc", "reallocarray", "free",
		"posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc",
		"mmap", "mmap64", "mremap", "__libc_", "strdup", "strndup", "__strdup", "__strndup",
		"PyMem_", "_PyMem_", "PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
		"_PyObject_Malloc", "_PyObject_Calloc", "_PyObject_Realloc", "pymalloc_",
		"_PyObject_GC_", "PyObject_GC_", "new_arena", "_PyObject_New", "PyType_GenericAlloc",
	};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);
		if (!strncmp(name, prefixes[i], n) &&
		    (name[n] == '\0' || name[n] == '(' || prefixes[i][n - 1] == '_'))
			return 1;
	}
	return 0;
}

struct site {
	pg_frame_id frame;
	uint64_t bytes;
};

static int cmp_site(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : (x->frame > y->frame) - (x->frame < y->frame);
}

static int is_inlined_frame(const char *name)
{
	size_t len = strlen(name), mark = sizeof PG_FRAME_INLINED_MARK - 1;

	return len > mark && !strcmp(name + len - mark, PG_FRAME_INLINED_MARK);
}

/* Bytes at the peak by the function that called the allocator: the first
 * frame from the leaf that is neither an allocator nor the root. */
static int peak_sites(struct pg_json_site **out, size_t *count, const struct pg_profile *p, size_t max)
{
	size_t nf = pg_profile_frame_count(p);
	struct site *by = calloc(nf ? nf : 1, sizeof *by);
	*out = NULL;
	*count = 0;
	if (!by)
		return pg_error_set("out of memory");
	for (size_t i = 0; i < nf; i++)
		by[i].frame = (pg_frame_id)i;
	for (size_t i = 0; i < pg_profile_stack_count(p); i++) {
		const struct pg_stack *st = pg_profile_stack(p, i);
		uint32_t d = st->depth;
		/* The first frame that is not the allocator's, and then the
		 * function that code is in (take() inlined into g: g). */
		while (d > 1 && pg_run_is_allocator_frame(pg_profile_frame_name(p, st->frames[d - 1])))
			d--;
		while (d > 1 && is_inlined_frame(pg_profile_frame_name(p, st->frames[d - 1])))
			d--;
		by[st->frames[d - 1]].bytes += st->weight;
	}
	qsort(by, nf, sizeof *by, cmp_site);
	size_t n = 0;
	while (n < nf && n < max && by[n].bytes > 0)
		n++;
	*out = calloc(n ? n : 1, sizeof **out);
	if (!*out) {
		free(by);
		return pg_error_set("out of memory");
	}
	for (size_t i = 0; i < n; i++)
		(*out)[i] = (struct pg_json_site){ pg_profile_frame_name(p, by[i].frame), by[i].bytes };
	*count = n;
	free(by);
	return 0;
}

static int write_cpu(const struct pg_run_result *r, const struct pg_run_request *req, const char *path)
{
	(void)req;
	return pg_folded_write_file(r->cpu, path);
}

static int write_wall(const struct pg_run_result *r, const struct pg_run_request *req, const char *path)
{
	(void)req;
	return pg_folded_write_file(r->wall, path);
}

static int write_mem_peak(const struct pg_run_result *r, const struct pg_run_request *req, const char *path)
{
	(void)req;
	return pg_folded_write_file(r->mem_peak, path);
}

static int write_mem_leaks(const struct pg_run_result *r, const struct pg_run_request *req, const char *path)
{
	(void)req;
	return pg_folded_write_file(r->mem_leaks, path);
}

static struct pg_json_exit json_exit(int known, int code, int sig)
{
	struct pg_json_exit e = { known, code, sig };
	return e;
}

/* report.html: the profiles, the timeline and the heap over time. */
static int write_report(const struct pg_run_result *r, const struct pg_run_request *req, const char *path)
{
	struct pg_report_thread *threads = calloc(r->nthreads ? r->nthreads : 1, sizeof *threads);
	struct pg_report_sample *samples = calloc(r->ntimeline ? r->ntimeline : 1, sizeof *samples);
	struct pg_report_heap_point *heap = calloc(r->nheap ? r->nheap : 1, sizeof *heap);
	size_t nkeys = r->full_keys ? pg_profile_frame_count(r->full_keys) : 0, nfull = 0;
	const char **full_keys = calloc(nkeys ? nkeys : 1, sizeof *full_keys);
	const char **full_values = calloc(nkeys ? nkeys : 1, sizeof *full_values);
	int err;

	for (size_t i = 0; full_keys && full_values && i < nkeys && i < r->nfull; i++)
		if (r->full_names[i]) {
			full_keys[nfull] = pg_profile_frame_name(r->full_keys, (pg_frame_id)i);
			full_values[nfull++] = r->full_names[i];
		}
	if (!threads || !samples || !heap || !full_keys || !full_values) {
		err = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < r->nthreads; i++)
		threads[i] = (struct pg_report_thread){ r->threads[i].pid, r->threads[i].tid, r->threads[i].name };
	for (size_t i = 0; i < r->ntimeline; i++)
		samples[i] = (struct pg_report_sample){ r->timeline[i].t_ns, r->timeline[i].thread,
							r->timeline[i].stack, r->timeline[i].waiting,
							r->timeline[i].ticks };
	for (size_t i = 0; i < r->nheap; i++)
		heap[i] = (struct pg_report_heap_point){ r->heap[i].t_ns, r->heap[i].heap_bytes, r->heap[i].rss_bytes };
	struct pg_report rep = {
		.command = req->argv, .argc = req->argc,
		.wall_seconds = r->wall_seconds, .cpu_seconds = r->cpu_seconds,
		.hz = req->hz, .mode = req->wall ? "wall" : "cpu",
		.cpu = req->cpu ? r->cpu : NULL, .wall = r->wall,
		.mem_peak = r->mem_tracked ? r->mem_peak : NULL, .mem_leaks = r->mem_tracked ? r->mem_leaks : NULL,
		.threads = threads, .nthreads = r->nthreads,
		.samples = samples, .nsamples = req->cpu ? r->ntimeline : 0,
		.heap = heap, .nheap = r->nheap, .peak_t_ns = r->peak_t_ns,
		.peak_heap_bytes = r->mem_tracked ? r->peak_heap_bytes : -1,
		.peak_rss_bytes = r->peak_rss_bytes,
		.mem_note = r->mem_tracked ? NULL : r->mem_note ? r->mem_note :
			    req->mem ? NULL : "memory was not tracked: the run used --no-mem",
		.lost_known = req->cpu, .lost_samples = r->lost, .truncated_stacks = r->truncated_stacks,
		.max_frames = PG_REC_MAX_FRAMES,
		.run_note = r->run_note,
		.full_keys = (const char *const *)full_keys, .full_values = (const char *const *)full_values,
		.nfull = nfull,
	};
	err = pg_report_html_write(&rep, path);
done:
	free(full_keys);
	free(full_values);
	free(threads);
	free(samples);
	free(heap);
	return err;
}

/* profile.json: the run's numbers, hot functions, processes and threads. */
static int write_profile_json(const struct pg_run_result *r, const struct pg_run_request *req, const char *path)
{
	struct pg_hot_function *hot = NULL;
	struct pg_profile *fview = NULL;  /* by function: what the hot list names */
	struct pg_json_hot *jhot = NULL;
	struct pg_json_process *jprocs = NULL;
	struct pg_json_thread *jthreads = NULL;
	struct pg_json_site *sites = NULL;
	size_t nhot = 0, njhot = 0, nsites = 0;
	int err;

	if ((err = pg_pyname_function_view(&fview, r->cpu)) < 0 ||
	    (err = pg_profile_hot_functions(&hot, &nhot, fview)) < 0)
		goto done;
	jhot = calloc(nhot ? nhot : 1, sizeof *jhot);
	jprocs = calloc(r->nprocs ? r->nprocs : 1, sizeof *jprocs);
	jthreads = calloc(r->nthreads ? r->nthreads : 1, sizeof *jthreads);
	if (!jhot || !jprocs || !jthreads) {
		err = pg_error_set("out of memory");
		goto done;
	}
	uint64_t total = pg_profile_total(fview);
	for (size_t i = 0; i < nhot && njhot < 50 && total > 0; i++) {
		if (is_root_name(r, pg_profile_frame_name(fview, hot[i].frame)))
			continue;
		jhot[njhot].name = pg_profile_frame_name(fview, hot[i].frame);
		jhot[njhot].full_name = pg_run_full_name(r, jhot[njhot].name);
		jhot[njhot].self = (double)hot[i].self / (double)total;
		jhot[njhot].total = (double)hot[i].total / (double)total;
		njhot++;
	}
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct pg_run_process *p = &r->procs[i];
		jprocs[i] = (struct pg_json_process){
			.pid = p->pid, .ppid = p->ppid, .argv = p->argv, .argc = p->argc,
			.exit = json_exit(p->exit_known, p->exit_code, p->exit_signal),
			.samples = p->samples, .threads = p->threads };
	}
	for (size_t i = 0; i < r->nthreads; i++)
		jthreads[i] = (struct pg_json_thread){ r->threads[i].pid, r->threads[i].tid,
						       r->threads[i].name, r->threads[i].samples,
						       r->threads[i].weight };

	if (r->mem_tracked && (err = peak_sites(&sites, &nsites, r->mem_peak, 20)) < 0)
		goto done;
	const struct pg_launch_result *lr = &r->launch;
	struct pg_run_summary sum = {
		.command = req->argv, .argc = req->argc,
		.exit = json_exit(1, WIFSIGNALED(lr->status) ? 0 : WEXITSTATUS(lr->status),
				  WIFSIGNALED(lr->status) ? WTERMSIG(lr->status) : 0),
		.timed_out = lr->timed_out,
		.wall_seconds = r->wall_seconds, .cpu_seconds = r->cpu_seconds,
		.mode = req->wall ? "wall" : "cpu", .cpu_enabled = req->cpu, .hz = req->hz,
		.samples = r->samples, .lost_samples = r->lost, .overruns = r->overruns,
		.truncated_stacks = r->truncated_stacks,
		.source = pg_run_source_name(r->source),
		.rate_achieved = r->cpu_seconds > 0 ? (double)r->cpu_samples / r->cpu_seconds : 0,
		.peak_rss_bytes = r->peak_rss_bytes, .mem_tracked = r->mem_tracked,
		.peak_heap_bytes = r->peak_heap_bytes, .leaked_bytes = r->leaked_bytes,
		.alloc_count = r->alloc_count, .alloc_bytes = r->alloc_bytes, .mem_sample = r->mem_sample,
		.peak_seconds = (double)r->peak_t_ns / 1e9, .peak_sites = sites, .npeak_sites = nsites,
		.hot = jhot, .nhot = njhot, .procs = jprocs, .nprocs = r->nprocs,
		.threads = jthreads, .nthreads = r->nthreads,
		.sym_frames = r->sym_frames, .sym_unresolved = r->sym_unresolved,
		.run_note = r->run_note, .tracker_samples = r->tracker_samples,
		.profgate_version = PG_VERSION, .postprocess_seconds = r->postprocess_seconds,
		.lost_profiles = (const char *const *)r->lost_profiles, .nlost_profiles = r->nlost_profiles,
		.py_status = r->py_status, .py_version = r->py_version, .py_reason = r->py_reason,
		.py_walks = r->py_walks, .py_frames = r->py_frames, .py_faults = r->py_faults,
		.py_invalid = r->py_invalid, .py_mismatched = r->py_mismatched,
		.py_mem_hooked = r->py_mem_hooked,
	};
	err = pg_profile_json_write(&sum, path);
done:
	pg_profile_free(fview);
	free(hot);
	free(jhot);
	free(jprocs);
	free(jthreads);
	free(sites);
	return err;
}

static int always(const struct pg_run_result *r)
{
	(void)r;
	return 1;
}

static int wall_mode(const struct pg_run_result *r)
{
	return r->wall != NULL;
}

static int mem_tracked(const struct pg_run_result *r)
{
	return r->mem_tracked;
}

/* The files of a profile directory, in the order they are written. */
static const struct run_file {
	struct pg_run_file file;
	int (*wanted)(const struct pg_run_result *r);
	int (*write)(const struct pg_run_result *r, const struct pg_run_request *req, const char *path);
} run_files[] = {
	{ { "cpu.folded", "CPU samples as folded stacks (empty with --no-cpu)" }, always, write_cpu },
	{ { "wall.folded", "every thread on the wall clock (--mode wall)" }, wall_mode, write_wall },
	{ { "mem-peak.folded", "bytes live at the heap's peak, by stack (not --no-mem)" }, mem_tracked, write_mem_peak },
	{ { "mem-leaks.folded", "bytes still live at exit, by stack (not --no-mem)" }, mem_tracked, write_mem_leaks },
	{ { "profile.json", "the run's numbers, hot functions, processes and threads" }, always,
	  write_profile_json },
	{ { "report.html", "the interactive report" }, always, write_report },
};

const struct pg_run_file *pg_run_file(size_t i)
{
	return i < sizeof run_files / sizeof run_files[0] ? &run_files[i].file : NULL;
}

int pg_run_write_dir(const struct pg_run_result *r, const struct pg_run_request *req, const char *dir)
{
	int err;

	if ((err = pg_mkdirs(dir)) < 0)
		return err;
	for (size_t i = 0; i < sizeof run_files / sizeof run_files[0]; i++) {
		char *path = NULL;

		if (!run_files[i].wanted(r))
			continue;
		if (asprintf(&path, "%s/%s", dir, run_files[i].file.name) < 0)
			return pg_error_set("out of memory");
		err = run_files[i].write(r, req, path);
		free(path);
		if (err < 0)
			return err;
	}
	return 0;
}
