/*
 * `profgate run [options] -- COMMAND [ARG...]`: profile one command.
 *
 * The command runs with libprofgate_collector.so preloaded; every process
 * image it becomes (fork, exec) writes its own record file into a private
 * folder of the output directory. Once the command has ended, the records
 * are symbolized and merged into cpu.folded (and wall.folded in wall mode),
 * one root frame per program, and summarized in profile.json.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "cmds.h"
#include "error.h"
#include "folded.h"
#include "launch.h"
#include "profile.h"
#include "profile_json.h"
#include "records.h"
#include "symbolize.h"

#ifndef PG_VERSION
#define PG_VERSION "unknown"
#endif
#ifndef PG_COLLECTOR_INSTALLED
#define PG_COLLECTOR_INSTALLED "/usr/local/lib/profgate/libprofgate_collector.so"
#endif

#define EXIT_TIMEOUT 124
#define EXIT_PROFGATE_FAILED 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

struct run_opts {
	const char *out;
	unsigned hz;
	int wall;
	int cpu;
	int mem;
	unsigned long long mem_sample;
	double timeout;
	int follow;
	char **env;
	size_t nenv;
	int quiet;
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: profgate run [options] -- COMMAND [ARG...]\n\n"
		"Runs COMMAND (directly, not through a shell) under the CPU sampler and writes\n"
		"a profile directory: cpu.folded, wall.folded (--mode wall) and profile.json.\n\n"
		"options:\n"
		"  -o, --out DIR         profile directory (default profgate-out/<program>)\n"
		"      --hz N            samples per second per thread (default 999)\n"
		"      --mode cpu|wall   cpu: on-CPU time (default); wall: every thread on the\n"
		"                        wall clock, time not running ends in [waiting]\n"
		"      --no-cpu          no CPU sampling (cpu.folded is empty)\n"
		"      --no-mem          no allocation tracking\n"
		"      --mem-sample B    sample allocations every B bytes on average (0 = all)\n"
		"      --timeout S       stop the command after S seconds (exit status 124)\n"
		"      --no-follow       do not profile the programs COMMAND forks or execs\n"
		"      --env KEY=VALUE   set a variable for COMMAND (repeatable)\n"
		"  -q, --quiet           no summary line on stderr\n"
		"  -h, --help            this help\n\n"
		"exit status: COMMAND's own; 128+N if it died of signal N; 124 on timeout;\n"
		"125 if profgate failed; 126 if COMMAND cannot run; 127 if it is not found.\n");
}

static int parse_positive(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e9)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(struct run_opts *o, int argc, char **argv, int *cmd_index)
{
	enum { O_HZ = 256, O_MODE, O_NOCPU, O_NOMEM, O_MEMSAMPLE, O_TIMEOUT, O_NOFOLLOW, O_ENV };
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "hz", required_argument, NULL, O_HZ },
		{ "mode", required_argument, NULL, O_MODE },
		{ "no-cpu", no_argument, NULL, O_NOCPU },
		{ "no-mem", no_argument, NULL, O_NOMEM },
		{ "mem-sample", required_argument, NULL, O_MEMSAMPLE },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "no-follow", no_argument, NULL, O_NOFOLLOW },
		{ "env", required_argument, NULL, O_ENV },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	double d;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case O_HZ:
			if (parse_positive(optarg, &d) < 0 || d != (unsigned)d || d > 100000) {
				pg_report_error("run", "--hz: '%s' is not a rate between 1 and 100000", optarg);
				return -1;
			}
			o->hz = (unsigned)d;
			break;
		case O_MODE:
			if (!strcmp(optarg, "cpu"))
				o->wall = 0;
			else if (!strcmp(optarg, "wall"))
				o->wall = 1;
			else {
				pg_report_error("run", "--mode: '%s' is neither 'cpu' nor 'wall'", optarg);
				return -1;
			}
			break;
		case O_NOCPU:
			o->cpu = 0;
			break;
		case O_NOMEM:
			o->mem = 0;
			break;
		case O_MEMSAMPLE: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				pg_report_error("run", "--mem-sample: '%s' is not a byte count", optarg);
				return -1;
			}
			o->mem_sample = v;
			break;
		}
		case O_TIMEOUT:
			if (parse_positive(optarg, &d) < 0) {
				pg_report_error("run", "--timeout: '%s' is not a positive number of seconds", optarg);
				return -1;
			}
			o->timeout = d;
			break;
		case O_NOFOLLOW:
			o->follow = 0;
			break;
		case O_ENV: {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg) {
				pg_report_error("run", "--env: '%s' is not KEY=VALUE", optarg);
				return -1;
			}
			char **n = realloc(o->env, (o->nenv + 1) * sizeof *n);
			if (!n)
				return -1;
			o->env = n;
			o->env[o->nenv++] = optarg;
			break;
		}
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			if (optopt)
				pg_report_error("run", "option '-%c' is unknown or needs a value; see 'profgate run --help'", optopt);
			else
				pg_report_error("run", "option '%s' is unknown or needs a value; see 'profgate run --help'",
						argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc) {
		pg_report_error("run", "no command given; usage: profgate run [options] -- COMMAND [ARG...]");
		return -1;
	}
	*cmd_index = optind;
	return 0;
}

/* The collector sits next to the profgate that runs: build tree
 * (build/harness/profgate, build/lib/profgate/) and installed tree
 * (prefix/bin/profgate, prefix/lib/profgate/) alike. */
static int find_collector(char **out)
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

extern char **environ;

static int env_push(char ***env, size_t *n, size_t *cap, char *entry)
{
	if (*n + 2 > *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		char **ne = realloc(*env, nc * sizeof *ne);
		if (!ne)
			return pg_error_set("out of memory");
		*env = ne;
		*cap = nc;
	}
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

static int build_env(char ***out, struct strlist *owned, const struct run_opts *o,
		     const char *collector, const char *raw_dir)
{
	char **env = NULL;
	size_t n = 0, cap = 0;
	char *s;
	for (char **e = environ; *e; e++)
		if (env_push(&env, &n, &cap, *e) < 0)
			return -1;
	for (size_t i = 0; i < o->nenv; i++)
		if (env_set(&env, &n, &cap, o->env[i]) < 0)
			return -1;
	/* Our collector first, the user's own preloads kept after it. */
	const char *pre = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(env[i], "LD_PRELOAD=", 11))
			pre = env[i] + 11;
	if (asprintf(&s, "LD_PRELOAD=%s%s%s", collector, pre && *pre ? ":" : "", pre ? pre : "") < 0 ||
	    !keep(owned, s) || env_set(&env, &n, &cap, s) < 0)
		return pg_error_set("out of memory");
	if (asprintf(&s, "PROFGATE_RAW_DIR=%s", raw_dir) < 0 || !keep(owned, s) ||
	    env_set(&env, &n, &cap, s) < 0)
		return pg_error_set("out of memory");
	if (asprintf(&s, "PROFGATE_HZ=%u", o->hz) < 0 || !keep(owned, s) || env_set(&env, &n, &cap, s) < 0)
		return pg_error_set("out of memory");
	if (asprintf(&s, "PROFGATE_MODE=%s", !o->cpu ? "none" : o->wall ? "wall" : "cpu") < 0 ||
	    !keep(owned, s) || env_set(&env, &n, &cap, s) < 0)
		return pg_error_set("out of memory");
	if (asprintf(&s, "PROFGATE_FOLLOW=%d", o->follow) < 0 || !keep(owned, s) ||
	    env_set(&env, &n, &cap, s) < 0)
		return pg_error_set("out of memory");
	*out = env;
	return 0;
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

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, e->d_name) >= 0) {
			unlink(p);
			free(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

/* Address -> interned frame, per process; also counts distinct addresses. */
struct addr_entry {
	uint64_t key;  /* (addr << 1 | is_return) + 1; 0 empty */
	pg_frame_id id;
	int skip;      /* profgate's own frame */
};

struct addr_cache {
	struct addr_entry *v;
	size_t cap, used;
};

static struct addr_entry *addr_slot(struct addr_cache *c, uint64_t key)
{
	if ((c->used + 1) * 2 > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		struct addr_entry *n = calloc(ncap, sizeof *n);
		if (!n)
			return NULL;
		for (size_t i = 0; i < c->cap; i++) {
			if (!c->v[i].key)
				continue;
			size_t j = (size_t)(c->v[i].key * 0x9e3779b97f4a7c15ull >> 20) & (ncap - 1);
			while (n[j].key)
				j = (j + 1) & (ncap - 1);
			n[j] = c->v[i];
		}
		free(c->v);
		c->v = n;
		c->cap = ncap;
	}
	size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (c->cap - 1);
	while (c->v[j].key && c->v[j].key != key)
		j = (j + 1) & (c->cap - 1);
	return &c->v[j];
}

struct totals {
	uint64_t samples, lost, overruns, sym_frames, sym_unresolved;
	uint64_t cpu_samples;
	int source;
};

static const char *root_name(const struct pg_proc *p)
{
	const char *s = p->argc > 0 && p->argv[0][0] ? p->argv[0] : p->exe;
	if (!s || !*s)
		return "[unknown]";
	const char *slash = strrchr(s, '/');
	return slash && slash[1] ? slash + 1 : s;
}

static int fold_process(struct pg_profile *cpu, struct pg_profile *wall, struct pg_symbolizer *sym,
			const struct pg_proc *p, struct totals *t, pg_frame_id *root_out)
{
	struct addr_cache cache = { 0 };
	pg_frame_id stack[PG_REC_MAX_FRAMES + 2];
	pg_frame_id root, waiting;
	int err;
	const char *rn = root_name(p);
	if ((err = pg_profile_intern(&root, cpu, rn, strlen(rn))) < 0)
		return err;
	*root_out = root;
	if ((err = pg_profile_intern(&waiting, cpu, "[waiting]", 9)) < 0)
		return err;
	pg_frame_id wroot = 0, wwaiting = 0;
	if (wall && ((err = pg_profile_intern(&wroot, wall, rn, strlen(rn))) < 0 ||
		     (err = pg_profile_intern(&wwaiting, wall, "[waiting]", 9)) < 0))
		return err;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct pg_sample *s = &p->samples[i];
		size_t depth = 0;
		stack[depth++] = root;
		for (uint32_t k = s->nframes; k-- > 0;) {
			uint64_t addr = s->frames[k];
			int is_ret = k > 0;
			struct addr_entry *e = addr_slot(&cache, ((addr << 1) | (uint64_t)is_ret) + 1);
			if (!e) {
				err = pg_error_set("out of memory");
				goto done;
			}
			if (!e->key) {
				const struct pg_module *m = pg_proc_module_at(p, s->generation, addr);
				e->key = ((addr << 1) | (uint64_t)is_ret) + 1;
				cache.used++;
				if (pg_module_is_collector(m)) {
					e->skip = 1;
					continue;
				}
				int resolved;
				const char *name = pg_symbolize(sym, m, addr, is_ret, &resolved);
				t->sym_frames++;
				if (!resolved)
					t->sym_unresolved++;
				if ((err = pg_profile_intern(&e->id, cpu, name, strlen(name))) < 0)
					goto done;
			}
			if (!e->skip)
				stack[depth++] = e->id;
		}
		int is_waiting = (s->flags & PG_SAMPLE_WAITING) != 0;
		if (wall) {
			/* Same names, other pool: re-intern through the cpu profile's names. */
			pg_frame_id wstack[PG_REC_MAX_FRAMES + 2];
			wstack[0] = wroot;
			for (size_t k = 1; k < depth; k++) {
				const char *nm = pg_profile_frame_name(cpu, stack[k]);
				if ((err = pg_profile_intern(&wstack[k], wall, nm, strlen(nm))) < 0)
					goto done;
			}
			size_t wd = depth;
			if (is_waiting)
				wstack[wd++] = wwaiting;
			if ((err = pg_profile_add_stack(wall, wstack, wd, s->tid, s->weight)) < 0)
				goto done;
		}
		if (!is_waiting) {
			if ((err = pg_profile_add_stack(cpu, stack, depth, s->tid, s->weight)) < 0)
				goto done;
			t->cpu_samples++;
		}
		t->samples++;
	}
	(void)waiting;
	err = 0;
done:
	free(cache.v);
	return err;
}

static const char *source_name(int source)
{
	switch (source) {
	case PG_SOURCE_PERF: return "perf-task-clock";
	case PG_SOURCE_PERF_SIGIO: return "perf-task-clock-sigio";
	case PG_SOURCE_CTIMER: return "timer-thread-cputime";
	case PG_SOURCE_WALL: return "wall-clock";
	default: return NULL;
	}
}

static struct pg_json_exit exit_of_status(int status)
{
	struct pg_json_exit e = { 1, 0, 0 };
	if (WIFSIGNALED(status))
		e.signal = WTERMSIG(status);
	else
		e.code = WEXITSTATUS(status);
	return e;
}

static int is_root(const pg_frame_id *roots, size_t n, pg_frame_id id)
{
	for (size_t i = 0; i < n; i++)
		if (roots[i] == id)
			return 1;
	return 0;
}

/* Reads, symbolizes and writes everything. Returns 0 or a negative error. */
static int write_profile(const struct run_opts *o, const char *out_dir, const char *raw_dir,
			 char *const *cmd, int cmd_argc, const struct pg_launch_result *lr,
			 struct totals *t)
{
	char **files = NULL;
	size_t nfiles = 0;
	struct pg_proc *procs = NULL;
	size_t nprocs = 0;
	struct pg_profile *cpu = NULL, *wall = NULL;
	struct pg_symbolizer *sym = NULL;
	struct pg_json_process *jprocs = NULL;
	struct pg_json_thread *jthreads = NULL;
	struct pg_hot_function *hot = NULL;
	struct pg_json_hot *jhot = NULL;
	pg_frame_id *roots = NULL;
	size_t nhot = 0, njhot = 0, njthreads = 0;
	char *path = NULL;
	int err;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if ((err = list_records(&files, &nfiles, raw_dir)) < 0)
		goto done;
	procs = calloc(nfiles ? nfiles : 1, sizeof *procs);
	roots = calloc(nfiles ? nfiles : 1, sizeof *roots);
	jprocs = calloc(nfiles ? nfiles : 1, sizeof *jprocs);
	if (!procs || !roots || !jprocs || pg_profile_new(&cpu) < 0 ||
	    (o->wall && pg_profile_new(&wall) < 0) || pg_symbolizer_new(&sym) < 0) {
		err = pg_error_set("out of memory");
		goto done;
	}
	size_t total_threads = 0;
	for (size_t i = 0; i < nfiles; i++) {
		if ((err = pg_records_read(&procs[nprocs], files[i])) < 0) {
			/* One unreadable record (a process killed before its first
			 * write) must not cost the others. */
			fprintf(stderr, "profgate run: warning: %s\n", pg_error_last());
			pg_proc_release(&procs[nprocs]);
			continue;
		}
		total_threads += procs[nprocs].nthreads;
		nprocs++;
	}
	jthreads = calloc(total_threads ? total_threads : 1, sizeof *jthreads);
	if (!jthreads) {
		err = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nprocs; i++) {
		struct pg_proc *p = &procs[i];
		struct totals pt = { 0 };
		if ((err = fold_process(cpu, wall, sym, p, &pt, &roots[i])) < 0)
			goto done;
		t->samples += pt.samples;
		t->cpu_samples += pt.cpu_samples;
		t->sym_frames += pt.sym_frames;
		t->sym_unresolved += pt.sym_unresolved;
		if (p->has_end) {
			t->lost += p->end.lost;
			t->overruns += p->end.overruns;
		}
		if (!t->source)
			t->source = (int)p->source;
		struct pg_json_process *jp = &jprocs[i];
		jp->pid = p->pid;
		jp->ppid = p->ppid;
		jp->argv = p->argv;
		jp->argc = p->argc;
		jp->samples = pt.samples;
		jp->threads = p->nthreads;
		/* The first image of the launched pid that was not exec'd over
		 * ended as wait4 says; others as their end record says. */
		int execd_over = i + 1 < nprocs && procs[i + 1].pid == p->pid;
		if (p->pid == lr->pid && !execd_over)
			jp->exit = exit_of_status(lr->status);
		else if (p->has_end && p->end.exit_code >= 0 && p->end.exit_code < 128)
			jp->exit = (struct pg_json_exit){ 1, p->end.exit_code, 0 };
		else if (p->has_end && p->end.exit_code > 128)
			jp->exit = (struct pg_json_exit){ 1, 0, p->end.exit_code - 128 };
		for (size_t k = 0; k < p->nthreads; k++) {
			struct pg_json_thread *jt = &jthreads[njthreads++];
			jt->pid = p->pid;
			jt->tid = p->threads[k].tid;
			jt->name = p->threads[k].name;
			for (size_t s = 0; s < p->nsamples; s++)
				if (p->samples[s].tid == jt->tid)
					jt->samples++;
		}
	}

	if ((err = pg_profile_hot_functions(&hot, &nhot, cpu)) < 0)
		goto done;
	jhot = calloc(nhot ? nhot : 1, sizeof *jhot);
	if (!jhot) {
		err = pg_error_set("out of memory");
		goto done;
	}
	uint64_t total = pg_profile_total(cpu);
	for (size_t i = 0; i < nhot && njhot < 50 && total > 0; i++) {
		if (is_root(roots, nprocs, hot[i].frame))
			continue;
		jhot[njhot].name = pg_profile_frame_name(cpu, hot[i].frame);
		jhot[njhot].self = (double)hot[i].self / (double)total;
		jhot[njhot].total = (double)hot[i].total / (double)total;
		njhot++;
	}

	if (asprintf(&path, "%s/cpu.folded", out_dir) < 0) {
		err = pg_error_set("out of memory");
		goto done;
	}
	if ((err = pg_folded_write_file(cpu, path)) < 0)
		goto done;
	free(path);
	path = NULL;
	if (wall) {
		if (asprintf(&path, "%s/wall.folded", out_dir) < 0) {
			err = pg_error_set("out of memory");
			goto done;
		}
		if ((err = pg_folded_write_file(wall, path)) < 0)
			goto done;
		free(path);
		path = NULL;
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	double cpu_s = (double)lr->ru.ru_utime.tv_sec + (double)lr->ru.ru_utime.tv_usec / 1e6 +
		       (double)lr->ru.ru_stime.tv_sec + (double)lr->ru.ru_stime.tv_usec / 1e6;
	struct pg_run_summary sum = {
		.command = cmd, .argc = cmd_argc,
		.exit = exit_of_status(lr->status), .timed_out = lr->timed_out,
		.wall_seconds = lr->wall_seconds, .cpu_seconds = cpu_s,
		.mode = o->wall ? "wall" : "cpu", .cpu_enabled = o->cpu, .hz = o->hz,
		.samples = t->samples, .lost_samples = t->lost, .overruns = t->overruns,
		.source = source_name(t->source),
		.rate_achieved = cpu_s > 0 ? (double)t->cpu_samples / cpu_s : 0,
		.peak_rss_bytes = (int64_t)lr->ru.ru_maxrss * 1024, .mem_tracked = 0,
		.hot = jhot, .nhot = njhot, .procs = jprocs, .nprocs = nprocs,
		.threads = jthreads, .nthreads = njthreads,
		.sym_frames = t->sym_frames, .sym_unresolved = t->sym_unresolved,
		.profgate_version = PG_VERSION,
		.postprocess_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	};
	if (asprintf(&path, "%s/profile.json", out_dir) < 0) {
		err = pg_error_set("out of memory");
		goto done;
	}
	err = pg_profile_json_write(&sum, path);
done:
	free(path);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	for (size_t i = 0; i < nprocs; i++)
		pg_proc_release(&procs[i]);
	free(procs);
	free(roots);
	free(jprocs);
	free(jthreads);
	free(hot);
	free(jhot);
	pg_symbolizer_free(sym);
	pg_profile_free(cpu);
	pg_profile_free(wall);
	return err;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .hz = 999, .cpu = 1, .mem = 1, .follow = 1 };
	struct strlist owned = { 0 };
	char *prog = NULL, *collector = NULL, *out_dir = NULL, *raw_dir = NULL;
	char **env = NULL;
	int cmd_index = 0, rc = EXIT_PROFGATE_FAILED, err;
	struct pg_launch_result lr;
	struct totals t = { 0 };

	int pr = parse_args(&o, argc, argv, &cmd_index);
	if (pr != 0) {
		free(o.env);
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	}
	char **cmd = argv + cmd_index;
	int cmd_argc = argc - cmd_index;

	if ((err = pg_launch_resolve(&prog, cmd[0])) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		rc = err == PG_ENOTFOUND ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		goto done;
	}
	if (pg_launch_check_dynamic(prog) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		goto done;
	}
	if (find_collector(&collector) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		goto done;
	}
	if (o.out) {
		out_dir = strdup(o.out);
	} else {
		const char *slash = strrchr(cmd[0], '/');
		if (asprintf(&out_dir, "profgate-out/%s", slash ? slash + 1 : cmd[0]) < 0)
			out_dir = NULL;
	}
	if (!out_dir || asprintf(&raw_dir, "%s/.raw-XXXXXX", out_dir) < 0) {
		pg_report_error("run", "out of memory");
		goto done;
	}
	if (pg_mkdirs(out_dir) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		goto done;
	}
	if (!mkdtemp(raw_dir)) {
		pg_report_error("run", "cannot create a folder in '%s': %s", out_dir, strerror(errno));
		free(raw_dir);
		raw_dir = NULL;
		goto done;
	}
	if (build_env(&env, &owned, &o, collector, raw_dir) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		goto done;
	}
	struct pg_launch l = { .argv = cmd, .envp = env, .timeout = o.timeout, .kill_grace = 2.0 };
	if ((err = pg_launch_run(&lr, prog, &l)) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		rc = err == PG_ENOTFOUND ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		goto done;
	}
	if (lr.timed_out)
		rc = EXIT_TIMEOUT;
	else if (WIFSIGNALED(lr.status))
		rc = 128 + WTERMSIG(lr.status);
	else
		rc = WEXITSTATUS(lr.status);
	if (write_profile(&o, out_dir, raw_dir, cmd, cmd_argc, &lr, &t) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		rc = EXIT_PROFGATE_FAILED;
		goto done;
	}
	if (!o.quiet) {
		fprintf(stderr, "profgate: %s: %llu samples (%s, %u Hz asked) in %.2f s; profile in %s/\n",
			cmd[0], (unsigned long long)t.samples,
			source_name(t.source) ? source_name(t.source) : "no sampling", o.hz,
			lr.wall_seconds, out_dir);
		if (lr.timed_out)
			fprintf(stderr, "profgate: %s: stopped after --timeout %g s\n", cmd[0], o.timeout);
		else if (WIFSIGNALED(lr.status))
			fprintf(stderr, "profgate: %s: killed by signal %d (%s)\n", cmd[0],
				WTERMSIG(lr.status), strsignal(WTERMSIG(lr.status)));
	}
done:
	if (raw_dir && !getenv("PROFGATE_KEEP_RAW"))
		remove_tree(raw_dir);
	for (size_t i = 0; i < owned.n; i++)
		free(owned.v[i]);
	free(owned.v);
	free(env);
	free(o.env);
	free(prog);
	free(collector);
	free(out_dir);
	free(raw_dir);
	return rc;
}
