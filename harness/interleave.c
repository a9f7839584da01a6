/*
 * Interleaved mode's engine (interleave.h): the base's worktree and its
 * janitor, the builds, the plain timing runs and the pairs of one
 * benchmark.
 */
#define _GNU_SOURCE
#include "interleave.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "array.h"
#include "bench_runner.h"
#include "error.h"
#include "launch.h"
#include "machine.h"
#include "profile.h"
#include "stats.h"
#include "verdict.h"

extern char **environ;

#define TAIL_BYTES 4096
/* Functions tested per benchmark in the per-frame test: the heaviest. */
#define FRAME_TEST_MAX 200

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- running a command ------------------------------------------------- */

/* environ with "KEY=VALUE" entries of add set (borrowed pointers). */
static char **make_env(char *const *add, size_t nadd)
{
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	if (!(env = calloc(n + nadd + 1, sizeof *env)))
		return NULL;
	memcpy(env, environ, n * sizeof *env);
	for (size_t i = 0; i < nadd; i++) {
		size_t klen = strcspn(add[i], "=") + 1, k;

		for (k = 0; k < n; k++)
			if (!strncmp(env[k], add[i], klen))
				break;
		env[k] = add[i];
		if (k == n)
			n++;
	}
	env[n] = NULL;
	return env;
}

static char *read_tail(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > TAIL_BYTES ? end - TAIL_BYTES : 0;
	char *buf = malloc(TAIL_BYTES + 1);
	ssize_t got;

	if (!buf || end < 0 || lseek(fd, from, SEEK_SET) < 0) {
		free(buf);
		return NULL;
	}
	got = read(fd, buf, TAIL_BYTES);
	buf[got > 0 ? got : 0] = '\0';
	return buf;
}

static char *status_text(const struct pg_launch_result *r, double timeout)
{
	char *s = NULL;

	if (r->timed_out) {
		if (asprintf(&s, "timed out after %g s (timeout)", timeout) < 0)
			s = NULL;
	} else if (WIFSIGNALED(r->status)) {
		if (asprintf(&s, "killed by signal %d (%s)", WTERMSIG(r->status), strsignal(WTERMSIG(r->status))) < 0)
			s = NULL;
	} else if (WEXITSTATUS(r->status) != 0) {
		if (asprintf(&s, "exited with status %d", WEXITSTATUS(r->status)) < 0)
			s = NULL;
	} else {
		return NULL;
	}
	return s ? s : strdup("failed");
}

/* Runs argv in cwd with env added; its output goes to a temporary file
 * (and stdout to /dev/null when discard_stdout) whose end is kept when it
 * fails. */
static int run_quiet(struct pg_captured *out, struct pg_launch_result *lr, char *const *argv,
		     const char *cwd, char *const *env_add, size_t nenv, double timeout, int discard_stdout)
{
	char tmpl[4096], *path = NULL, **env = NULL;
	const char *tmp = getenv("TMPDIR");
	int fd = -1, devnull = -1, rc;

	memset(out, 0, sizeof *out);
	memset(lr, 0, sizeof *lr);
	{
		size_t len = 0;

		for (size_t i = 0; argv[i]; i++)
			len += strlen(argv[i]) + 3;
		if (!(out->command = malloc(len + strlen(cwd ? cwd : ".") + 16)))
			return pg_error_set("out of memory");
		out->command[0] = '\0';
		for (size_t i = 0; argv[i]; i++) {
			strcat(out->command, i ? " " : "");
			strcat(out->command, argv[i]);
		}
		strcat(out->command, " (in ");
		strcat(out->command, cwd ? cwd : ".");
		strcat(out->command, ")");
	}
	if ((rc = pg_launch_resolve(&path, argv[0])) < 0)
		return rc;
	snprintf(tmpl, sizeof tmpl, "%s/profgate-output.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) < 0) {
		rc = pg_error_set("cannot create a file in '%s': %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
		goto done;
	}
	unlink(tmpl);
	if (discard_stdout && (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
		rc = pg_error_set("cannot open /dev/null: %s", strerror(errno));
		goto done;
	}
	if (!(env = make_env(env_add, nenv))) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	struct pg_launch l = { .argv = argv, .envp = env, .timeout = timeout, .kill_grace = 2.0, .cwd = cwd,
			       .stderr_fd = fd, .stdout_fd = discard_stdout ? devnull : fd };
	double start = now();

	if ((rc = pg_launch_run(lr, path, &l)) < 0)
		goto done;
	out->seconds = now() - start;
	out->failure = status_text(lr, timeout);
	out->ok = !out->failure;
	if (!out->ok)
		out->tail = read_tail(fd);
	if (WIFSIGNALED(lr->status) && !lr->timed_out &&
	    (WTERMSIG(lr->status) == SIGINT || WTERMSIG(lr->status) == SIGTERM || WTERMSIG(lr->status) == SIGHUP))
		out->signal = WTERMSIG(lr->status);
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	if (devnull >= 0)
		close(devnull);
	free(env);
	free(path);
	return rc;
}

void pg_captured_release(struct pg_captured *c)
{
	free(c->failure);
	free(c->tail);
	free(c->command);
	memset(c, 0, sizeof *c);
}

static char *join(const char *dir, const char *rel)
{
	char *s = NULL;

	if (rel[0] == '/')
		return strdup(rel);
	if (!strcmp(rel, "."))
		return strdup(dir);
	return asprintf(&s, "%s/%s", dir, rel) < 0 ? NULL : s;
}

int pg_interleave_build(struct pg_captured *out, const struct pg_build_config *b, const char *config_dir)
{
	char **argv = calloc((size_t)b->nrun + 1, sizeof *argv);
	char *cwd = join(config_dir, b->cwd ? b->cwd : ".");
	struct pg_launch_result lr;
	int rc;

	memset(out, 0, sizeof *out);
	if (!argv || !cwd) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (int i = 0; i < b->nrun; i++) {
		/* As a benchmark's run: a relative program path with a '/' is
		 * relative to the config's folder (this tree's copy of it). */
		if (i == 0 && b->run[0][0] != '/' && strchr(b->run[0], '/'))
			argv[i] = join(config_dir, b->run[0]);
		else
			argv[i] = strdup(b->run[i]);
		if (!argv[i]) {
			rc = pg_error_set("out of memory");
			goto done;
		}
	}
	rc = run_quiet(out, &lr, argv, cwd, b->env, b->nenv, b->timeout, 0);
done:
	for (int i = 0; argv && i < b->nrun; i++)
		free(argv[i]);
	free(argv);
	free(cwd);
	return rc;
}

/* ---- the worktree ------------------------------------------------------- */

/* Runs git with argv quietly, waiting; 0 when it exited 0. */
static int git_quiet(char *const *argv)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp("git", argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void remove_now(const char *repo_root, const char *path, const char *dir)
{
	char *rm[] = { "git", "-C", (char *)repo_root, "worktree", "remove", "--force", (char *)path, NULL };
	char *prune[] = { "git", "-C", (char *)repo_root, "worktree", "prune", NULL };

	git_quiet(rm);
	pg_remove_tree(dir);
	git_quiet(prune);
}

/* The janitor: in its own session (a ^C to profgate's group does not reach
 * it), ignoring the signals that end profgate, it waits for the pipe to
 * close (profgate exited or died) and removes the worktree. */
static void janitor(int rfd, const char *repo_root, const char *path, const char *dir)
{
	char c;
	int null;

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	/* Holding profgate's other descriptors open (a pipe its caller reads)
	 * would keep them open after profgate is gone. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != rfd)
			close(fd);
	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	remove_now(repo_root, path, dir);
	_exit(0);
}

int pg_worktree_add(struct pg_worktree *w, const char *repo_root, const char *commit)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096];
	int p[2];
	struct pg_captured c;
	struct pg_launch_result lr;
	int rc;

	memset(w, 0, sizeof *w);
	w->fd = -1;
	snprintf(tmpl, sizeof tmpl, "%s/profgate-base.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl))
		return pg_error_set("cannot create a folder in '%s': %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
	if (!(w->dir = strdup(tmpl)) || asprintf(&w->path, "%s/tree", tmpl) < 0 ||
	    !(w->repo_root = strdup(repo_root))) {
		w->path = NULL;
		pg_remove_tree(tmpl);
		return pg_error_set("out of memory");
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		pg_remove_tree(w->dir);
		return pg_error_set("cannot create a pipe: %s", strerror(errno));
	}
	pid_t pid = fork();

	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		pg_remove_tree(w->dir);
		return pg_error_set("cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(p[1]);
		janitor(p[0], w->repo_root, w->path, w->dir);
	}
	close(p[0]);
	w->fd = p[1];
	w->janitor = pid;

	char *add[] = { "git", "-C", w->repo_root, "worktree", "add", "--detach", w->path, (char *)commit, NULL };

	if ((rc = run_quiet(&c, &lr, add, NULL, NULL, 0, 600, 0)) < 0)
		return rc;
	if (!c.ok) {
		rc = pg_error_set("cannot check the base %.12s out into a worktree: git worktree add %s%s%s",
				  commit, c.failure, c.tail ? ": " : "", c.tail ? c.tail : "");
		pg_captured_release(&c);
		return rc;
	}
	pg_captured_release(&c);

	char *gitmodules = NULL;
	struct stat st;

	if (asprintf(&gitmodules, "%s/.gitmodules", w->path) < 0)
		return pg_error_set("out of memory");
	int has_modules = stat(gitmodules, &st) == 0;

	free(gitmodules);
	if (has_modules) {
		char *sub[] = { "git", "-C", w->path, "submodule", "update", "--init", "--recursive", NULL };

		if ((rc = run_quiet(&c, &lr, sub, NULL, NULL, 0, 1800, 0)) < 0)
			return rc;
		if (!c.ok) {
			rc = pg_error_set("cannot initialise the submodules of the base %.12s: git submodule update "
					  "%s%s%s", commit, c.failure, c.tail ? ": " : "", c.tail ? c.tail : "");
			pg_captured_release(&c);
			return rc;
		}
		pg_captured_release(&c);
	}
	return 0;
}

void pg_worktree_remove(struct pg_worktree *w)
{
	if (w->fd >= 0) {
		/* The janitor removes it as soon as the pipe closes. */
		close(w->fd);
		w->fd = -1;
		while (w->janitor > 0 && waitpid(w->janitor, NULL, 0) < 0 && errno == EINTR)
			;
	} else if (w->dir && w->repo_root) {
		remove_now(w->repo_root, w->path, w->dir);
	}
	w->janitor = 0;
	free(w->dir);
	free(w->path);
	free(w->repo_root);
	w->dir = w->path = w->repo_root = NULL;
}

/* ---- the base's copy of a benchmark ------------------------------------ */

static char *rebase_path(const char *s, const char *from, const char *to)
{
	size_t n = strlen(from);
	char *out = NULL;

	if (!strncmp(s, from, n) && (s[n] == '/' || s[n] == '\0'))
		return asprintf(&out, "%s%s", to, s + n) < 0 ? NULL : out;
	return strdup(s);
}

int pg_bench_config_rebase(struct pg_bench_config *out, const struct pg_bench_config *in, const char *from_root,
			   const char *to_root)
{
	*out = *in;
	out->name = NULL;
	out->run = NULL;
	out->cwd = NULL;
	out->env = NULL;
	out->nrun = 0;
	out->nenv = 0;
	if (!(out->name = strdup(in->name)) || !(out->run = calloc((size_t)in->nrun + 1, sizeof *out->run)) ||
	    !(out->env = calloc(in->nenv + 1, sizeof *out->env)) ||
	    !(out->cwd = rebase_path(in->cwd, from_root, to_root)))
		return pg_error_set("out of memory");
	for (int i = 0; i < in->nrun; i++) {
		if (!(out->run[i] = rebase_path(in->run[i], from_root, to_root)))
			return pg_error_set("out of memory");
		out->nrun++;
	}
	for (size_t i = 0; i < in->nenv; i++) {
		const char *eq = strchr(in->env[i], '=');
		char *value = rebase_path(eq + 1, from_root, to_root);

		if (!value || asprintf(&out->env[i], "%.*s=%s", (int)(eq - in->env[i] + 1) - 1, in->env[i],
				       value) < 0) {
			free(value);
			return pg_error_set("out of memory");
		}
		free(value);
		out->nenv++;
	}
	return 0;
}

void pg_bench_config_copy_release(struct pg_bench_config *b)
{
	free(b->name);
	for (int i = 0; b->run && i < b->nrun; i++)
		free(b->run[i]);
	free(b->run);
	free(b->cwd);
	for (size_t i = 0; b->env && i < b->nenv; i++)
		free(b->env[i]);
	free(b->env);
	memset(b, 0, sizeof *b);
}

/* ---- the pairs ------------------------------------------------------------ */

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

unsigned pg_interleave_first_pairs(const struct pg_bench_config *c)
{
	unsigned n = c->repeat, min = (unsigned)pg_paired_min_pairs(PG_PAIRED_ALPHA_WITHIN);

	return n < min ? min : n;
}

double pg_interleave_relative_threshold(const struct pg_threshold *t, double base_median)
{
	if (t->kind == PG_THRESHOLD_RELATIVE)
		return t->value;
	if (t->kind == PG_THRESHOLD_ABSOLUTE && base_median > 0)
		return t->value / base_median;
	return NAN;
}

void pg_pairs_result_release(struct pg_pairs_result *r)
{
	free(r->base.wall);
	free(r->base.cpu);
	free(r->head.wall);
	free(r->head.cpu);
	pg_baseline_bench_release(&r->base.bench);
	pg_baseline_bench_release(&r->head.bench);
	free(r->failure);
	free(r->stderr_tail);
	free(r->wall_ratios);
	free(r->cpu_ratios);
	free(r->load);
	for (size_t i = 0; i < r->nfunctions; i++)
		free(r->functions[i]);
	free(r->functions);
	free(r->significant);
	memset(r, 0, sizeof *r);
}

/* One plain run (no collector) of c: wall and CPU seconds. 0 when it ran;
 * *failed set (with the result's failure and tail) when it did not pass. */
static int plain_run(struct pg_pairs_result *res, double *wall, double *cpu, const struct pg_bench_config *c,
		     const char *side, const char *what, size_t k)
{
	struct pg_captured cap;
	struct pg_launch_result lr;
	int rc = run_quiet(&cap, &lr, c->run, c->cwd, c->env, c->nenv, c->timeout, 1);

	if (rc < 0) {
		if (asprintf(&res->failure, "%s: %s %zu: %s", side, what, k, pg_error_last()) < 0)
			res->failure = NULL;
		return 0;
	}
	if (!cap.ok) {
		res->signal = cap.signal;
		if (asprintf(&res->failure, "%s: %s %zu %s", side, what, k, cap.failure) < 0)
			res->failure = NULL;
		res->stderr_tail = cap.tail;
		cap.tail = NULL;
		if (!res->failure)
			res->failure = strdup("failed");
	}
	*wall = lr.wall_seconds;
	*cpu = (double)lr.ru.ru_utime.tv_sec + (double)lr.ru.ru_utime.tv_usec / 1e6 +
	       (double)lr.ru.ru_stime.tv_sec + (double)lr.ru.ru_stime.tv_usec / 1e6;
	pg_captured_release(&cap);
	return 0;
}

/* A timing pair: each side's wall and CPU seconds, and the load
 * difference. The five arrays grow together; *cap is their capacity. */
static int push_pair(struct pg_pairs_result *out, const double wall[2], const double cpu[2], double load,
		     size_t *cap)
{
	double **arrays[5] = { &out->base.wall, &out->base.cpu, &out->head.wall, &out->head.cpu, &out->load };
	size_t n = out->base.n, c = *cap;
	int rc;

	for (unsigned i = 0; i < 5; i++) {
		c = *cap;
		if ((rc = pg_array_reserve((void **)arrays[i], &c, n + 1, sizeof(double))) < 0)
			return rc;
	}
	*cap = c;
	out->base.wall[n] = wall[0];
	out->base.cpu[n] = cpu[0];
	out->head.wall[n] = wall[1];
	out->head.cpu[n] = cpu[1];
	out->load[n] = load;
	out->base.n = out->head.n = n + 1;
	return 0;
}

static int stats_of(struct pg_paired *p, double **ratios, const double *base, const double *head,
		    const double *load, size_t n)
{
	double *r = realloc(*ratios, (n ? n : 1) * sizeof *r);

	if (!r)
		return pg_error_set("out of memory");
	*ratios = r;
	pg_paired_log_ratios(r, base, head, n);
	return pg_paired_estimate_adjusted(p, r, load, n);
}

static void put_change(FILE *f, const char *metric, const struct pg_paired *p)
{
	if (isnan(p->estimate))
		return;
	fprintf(f, "  %s %+.1f%%", metric, 100 * expm1(p->estimate));
	if (isfinite(p->lo) && isfinite(p->hi))
		fprintf(f, " [%+.1f%%, %+.1f%%]", 100 * expm1(p->lo), 100 * expm1(p->hi));
	else if (isfinite(p->hi))
		fprintf(f, " [-inf, %+.1f%%]", 100 * expm1(p->hi));
	if (p->adjusted)
		fputs(" (load-adjusted)", f);
}

/* The paired rule's call on wall and CPU time; a metric without a
 * threshold is decided (unchanged). */
static void timing_calls(const struct pg_pairs_result *r, const struct pg_bench_config *c,
			 enum pg_paired_call call[2])
{
	const struct pg_paired *p[2] = { &r->wall, &r->cpu };
	const double *base[2] = { r->base.wall, r->base.cpu };
	const enum pg_metric metric[2] = { PG_METRIC_WALL, PG_METRIC_CPU };

	for (int i = 0; i < 2; i++) {
		double t = pg_interleave_relative_threshold(&c->thresholds[metric[i]],
							    pg_stats_median(base[i], r->base.n));

		call[i] = isnan(t) ? PG_PAIRED_UNCHANGED : pg_paired_decide(p[i], t);
	}
}

/* Whether every checked timing metric is decided. */
static int decided(const struct pg_pairs_result *r, const struct pg_bench_config *c)
{
	enum pg_paired_call call[2];

	timing_calls(r, c, call);
	return call[0] != PG_PAIRED_UNDECIDED && call[1] != PG_PAIRED_UNDECIDED;
}

/* The per-function test over the sampled pairs. */
static int test_functions(struct pg_pairs_result *out, struct pg_bench_session *sb, struct pg_bench_session *sh,
			  size_t npairs, double alpha, const struct pg_threshold *function_threshold)
{
	struct pg_profile *last_head = pg_bench_session_cpu_profile(sh, npairs - 1);
	struct pg_hot_function *hot = NULL;
	size_t nhot = 0, nf = 0;
	double *ca = NULL, *cb = NULL, *ta = NULL, *tb = NULL;
	int rc;

	if (!last_head)
		return 0;
	/* The candidates: the heaviest functions of a head run and of a base
	 * run (a function gone from the head is a change too). */
	char **names = calloc(2 * FRAME_TEST_MAX + 1, sizeof *names);

	if (!names)
		return pg_error_set("out of memory");
	for (int side = 0; side < 2; side++) {
		struct pg_profile *p = pg_bench_session_cpu_profile(side ? sb : sh, npairs - 1);

		if (!p)
			continue;
		free(hot);
		hot = NULL;
		if ((rc = pg_profile_hot_functions(&hot, &nhot, p)) < 0)
			goto done;
		for (size_t i = 0, taken = 0; i < nhot && taken < FRAME_TEST_MAX; i++) {
			const char *name = pg_profile_frame_name(p, hot[i].frame);
			size_t k;

			for (k = 0; k < nf && strcmp(names[k], name); k++)
				;
			taken++;
			if (k < nf)
				continue;
			if (!(names[nf] = strdup(name))) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			nf++;
		}
	}
	ca = calloc(nf * npairs + 1, sizeof *ca);
	cb = calloc(nf * npairs + 1, sizeof *cb);
	ta = calloc(npairs, sizeof *ta);
	tb = calloc(npairs, sizeof *tb);
	out->significant = calloc(nf + 1, 1);
	if (!ca || !cb || !ta || !tb || !out->significant) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < npairs; i++) {
		for (int side = 0; side < 2; side++) {
			struct pg_profile *p = pg_bench_session_cpu_profile(side ? sh : sb, i);
			double *counts = side ? cb : ca;

			if (!p)
				continue;
			(side ? tb : ta)[i] = (double)pg_profile_total(p);
			free(hot);
			hot = NULL;
			if ((rc = pg_profile_hot_functions(&hot, &nhot, p)) < 0)
				goto done;
			for (size_t h = 0; h < nhot; h++) {
				const char *name = pg_profile_frame_name(p, hot[h].frame);

				for (size_t f = 0; f < nf; f++)
					if (!strcmp(names[f], name)) {
						counts[f * npairs + i] = (double)hot[h].total;
						break;
					}
			}
		}
	}
	if ((rc = pg_paired_frames(out->significant, NULL, ca, cb, ta, tb, nf, npairs, alpha)) < 0)
		goto done;
	/* The function gate's question for each: its share, base against head,
	 * pair by pair (pg_paired_share, as gate.c asks it of the merged runs). */
	out->functions_undecided = 0;
	if (function_threshold && function_threshold->kind != PG_THRESHOLD_OFF) {
		double *sa = calloc(2 * npairs, sizeof *sa), *sh2 = sa ? sa + npairs : NULL, mean;
		struct pg_paired_share ps;

		if (!sa) {
			rc = pg_error_set("out of memory");
			goto done;
		}
		for (size_t f = 0; f < nf; f++) {
			mean = 0;
			for (size_t i = 0; i < npairs; i++) {
				sa[i] = ta[i] > 0 ? 100.0 * ca[f * npairs + i] / ta[i] : NAN;
				sh2[i] = tb[i] > 0 ? 100.0 * cb[f * npairs + i] / tb[i] : NAN;
				mean += isnan(sa[i]) ? 0 : sa[i] / (double)npairs;
			}
			pg_paired_share(&ps, sa, sh2, ta, tb, npairs);
			if (ps.n > 0 && pg_paired_share_decide(&ps, pg_verdict_limit(function_threshold, mean)) ==
						PG_PAIRED_UNDECIDED)
				out->functions_undecided++;
		}
		free(sa);
	}
	out->functions = names;
	out->nfunctions = nf;
	names = NULL;
	rc = 0;
done:
	for (size_t i = 0; names && i < nf; i++)
		free(names[i]);
	free(names);
	free(hot);
	free(ca);
	free(cb);
	free(ta);
	free(tb);
	return rc;
}

/* One pair of runs under the collector (sampled, or memory when mem), the
 * order random per two pairs and balanced within them (*first carries the
 * order). 0 when both ran or one failed (out->failure set). */
static int collector_pair(struct pg_pairs_result *out, struct pg_bench_session *sess[2],
			  struct pg_bench_outcome outcome[2], const struct pg_pairs_opts *o, int mem, unsigned p,
			  unsigned n, unsigned *first, const char *what)
{
	static const char *const side_name[2] = { "base", "head" };
	int rc;

	*first = p % 2 == 0 ? (unsigned)(next_random(o->seed) & 1) : !*first;
	for (unsigned k = 0; k < 2; k++) {
		unsigned s = k ^ *first;

		if ((rc = pg_bench_session_run(sess[s], mem)) < 0)
			return rc;
		if (pg_bench_session_failed(sess[s])) {
			int sig = pg_launch_last_interrupt();

			/* Killed by the interrupt profgate passed on: not its failure. */
			if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
				out->signal = sig;
			if (asprintf(&out->failure, "%s: %s", side_name[s], outcome[s].failure) < 0)
				out->failure = NULL;
			if (!out->failure)
				out->failure = strdup("failed");
			out->stderr_tail = outcome[s].stderr_tail;
			outcome[s].stderr_tail = NULL;
			return 0;
		}
	}
	if (o->progress)
		fprintf(o->progress, "[%zu/%zu] %s  %s pair %u/%u (%s first)\n", o->index, o->count,
			o->head->name, what, p + 1, n, side_name[*first]);
	return 0;
}

/* Whether wall or CPU time regressed by the paired rule. */
static int timing_regressed(const struct pg_pairs_result *r, const struct pg_bench_config *c)
{
	enum pg_paired_call call[2];

	timing_calls(r, c, call);
	return call[0] == PG_PAIRED_REGRESSED || call[1] == PG_PAIRED_REGRESSED;
}

static int any_significant(const struct pg_pairs_result *r)
{
	for (size_t i = 0; i < r->nfunctions; i++)
		if (r->significant[i])
			return 1;
	return 0;
}

/* Whether the sampled pairs leave a question that more of them answer:
 * a timing regression no function's change explains, or a function's
 * share the gate cannot decide. */
static int more_sampled_pairs(const struct pg_pairs_result *r, const struct pg_bench_config *c)
{
	return (timing_regressed(r, c) && !any_significant(r)) || r->functions_undecided > 0;
}

static void release_functions(struct pg_pairs_result *r)
{
	for (size_t i = 0; i < r->nfunctions; i++)
		free(r->functions[i]);
	free(r->functions);
	free(r->significant);
	r->functions = NULL;
	r->significant = NULL;
	r->nfunctions = 0;
	r->functions_undecided = 0;
}

int pg_interleave_measure(struct pg_pairs_result *out, const struct pg_pairs_opts *o)
{
	const struct pg_bench_config *side_cfg[2] = { o->base, o->head };
	static const char *const side_name[2] = { "base", "head" };
	struct pg_side_runs *sides[2] = { &out->base, &out->head };
	struct pg_bench_session *sess[2] = { NULL, NULL };
	struct pg_bench_outcome outcome[2] = { 0 };
	size_t cap = 0;
	double start = now(), w, c;
	unsigned first = 0, n0, nmax, warmed, sampled_cap;
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->wall.estimate = out->cpu.estimate = NAN;
	n0 = o->adaptive ? pg_interleave_first_pairs(o->head) : o->fixed_pairs;
	nmax = o->adaptive && o->head->max_repeat > n0 ? o->head->max_repeat : n0;
	warmed = o->sampled_pairs + o->mem_pairs;
	sampled_cap = o->explain_pairs > o->sampled_pairs ? o->explain_pairs : o->sampled_pairs;

	/* Memory and sampled runs first, interleaved the same way: each is a
	 * whole run of the program, so they also warm both sides up (files in
	 * the page cache, the loader's work) for the timing pairs, and the plain
	 * warm-up runs are only those that they do not already make. */
	if (o->sampled_pairs || o->mem_pairs) {
		for (unsigned s = 0; s < 2; s++) {
			sides[s]->bench.name = strdup(side_cfg[s]->name);
			if (!sides[s]->bench.name) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			if ((rc = pg_bench_session_start(&sess[s], &sides[s]->bench, &outcome[s], side_cfg[s],
							 o->work_dir, NULL, sampled_cap, o->mem_pairs)) < 0)
				goto done;
		}
		for (int mem = 1; mem >= 0; mem--) {
			unsigned n = mem ? o->mem_pairs : o->sampled_pairs;

			for (unsigned p = 0; p < n; p++)
				if ((rc = collector_pair(out, sess, outcome, o, mem, p, n, &first,
							 mem ? "memory" : "sampled")) < 0 || out->failure)
					goto done;
		}
		if (o->sampled_pairs >= 1 && (rc = test_functions(out, sess[0], sess[1], o->sampled_pairs, o->alpha,
								  &o->head->thresholds[PG_METRIC_FUNCTION])) < 0)
			goto done;
	}
	/* The rest of the warm-up, each side in turn. */
	for (unsigned i = warmed; i < o->head->warmup; i++) {
		first = (unsigned)(next_random(o->seed) & 1);
		for (unsigned k = 0; k < 2; k++) {
			unsigned s = k ^ first;

			if ((rc = plain_run(out, &w, &c, side_cfg[s], side_name[s], "warm-up", i + 1)) < 0 ||
			    out->failure)
				goto done;
		}
		if (o->progress)
			fprintf(o->progress, "[%zu/%zu] %s  warm-up %u/%u (%s first)\n", o->index, o->count,
				o->head->name, i + 1, o->head->warmup, side_name[first]);
	}
	/* Timing pairs: the order random per two pairs, balanced within them.
	 * The rule looks after the first n0 pairs, then after every two. */
	for (unsigned p = 0;; p++) {
		if (p >= n0 && ((p - n0) % 2 == 0 || p >= nmax)) {
			if (!o->adaptive || p >= nmax || decided(out, o->head))
				break;
			if (o->head->max_seconds > 0 && now() - start > o->head->max_seconds)
				break;
		}
		first = p % 2 == 0 ? (unsigned)(next_random(o->seed) & 1) : !first;
		double pw[2], pc[2], others[2];

		for (unsigned k = 0; k < 2; k++) {
			unsigned s = k ^ first;
			struct pg_machine_sample m0, m1;
			double idle;

			pg_machine_sample(&m0);
			if ((rc = plain_run(out, &pw[s], &pc[s], side_cfg[s], side_name[s], "run", p + 1)) < 0 ||
			    out->failure)
				goto done;
			pg_machine_sample(&m1);
			pg_machine_busy(&idle, &others[s], &m0, &m1);
		}
		/* A neighbour busy during one run of the pair and not the other
		 * makes that side look slower, whatever the code does: the
		 * estimates are adjusted for the difference (paired.h). */
		double load = isnan(others[0]) || isnan(others[1]) ? 0 : others[1] - others[0];

		if ((rc = push_pair(out, pw, pc, load, &cap)) < 0)
			goto done;
		if ((rc = stats_of(&out->wall, &out->wall_ratios, out->base.wall, out->head.wall, out->load,
				   out->base.n)) < 0 ||
		    (rc = stats_of(&out->cpu, &out->cpu_ratios, out->base.cpu, out->head.cpu, out->load,
				   out->base.n)) < 0)
			goto done;
		if (o->progress) {
			fprintf(o->progress, "[%zu/%zu] %s  pair %u/%u (%s first)", o->index, o->count, o->head->name,
				p + 1, p + 1 > n0 ? nmax : n0, side_name[first]);
			put_change(o->progress, "cpu", &out->cpu);
			put_change(o->progress, "wall", &out->wall);
			fputc('\n', o->progress);
			fflush(o->progress);
		}
	}
	/* More sampled pairs, two at a time, up to explain_pairs: while a
	 * timing regression has no function's change to explain it, or while
	 * a function's share is beyond its threshold without the pairs showing
	 * it (the gate would call it inconclusive). */
	if (o->sampled_pairs >= 1 && sampled_cap > o->sampled_pairs && more_sampled_pairs(out, o->head)) {
		const char *why = out->functions_undecided && !(timing_regressed(out, o->head) &&
							       !any_significant(out)) ?
					  "deciding functions: sampled" : "explaining: sampled";

		for (unsigned p = o->sampled_pairs; p < sampled_cap; p++) {
			if ((rc = collector_pair(out, sess, outcome, o, 0, p, sampled_cap, &first, why)) < 0 ||
			    out->failure)
				goto done;
			if ((p + 1 - o->sampled_pairs) % 2 && p + 1 < sampled_cap)
				continue;
			release_functions(out);
			if ((rc = test_functions(out, sess[0], sess[1], p + 1, o->alpha,
						 &o->head->thresholds[PG_METRIC_FUNCTION])) < 0)
				goto done;
			if (!more_sampled_pairs(out, o->head))
				break;
		}
	}
	for (unsigned s = 0; s < 2; s++) {
		rc = pg_bench_session_finish(sess[s]);
		sess[s] = NULL;
		if (rc < 0)
			goto done;
	}

	out->ok = 1;
	rc = 0;
done:
	for (unsigned s = 0; s < 2; s++) {
		pg_bench_session_free(sess[s]);
		pg_bench_outcome_release(&outcome[s]);
	}
	out->seconds = now() - start;
	return rc;
}
