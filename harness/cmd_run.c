/*
 * `profgate run [options] -- COMMAND [ARG...]`: profile one command.
 *
 * The command runs with a collector preloaded (libprofgate_collector.so for
 * a run that tracks memory, libprofgate_collector_cpu.so, which leaves the
 * allocator alone, for one that samples only: harness/run.c); every process
 * image it becomes (fork, exec) writes its own record file into a private
 * folder of the output directory. Once the command has ended, the records
 * are symbolized and merged into cpu.folded (and wall.folded in wall mode),
 * one root frame per program, and summarized in profile.json.
 *
 * With both CPU sampling and allocation tracking asked for (the default),
 * the command runs twice: first under the sampler alone, then under the
 * tracker alone, so that the tracker's bookkeeping on every allocation is
 * not in the CPU profile (it made operator new 20% of an allocation-heavy
 * program's samples, against 1-2% without it). --once runs it once with
 * both, for a command that must not run twice; the report then says how
 * many of the samples were in the tracker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/wait.h>

#include "../collectors/record.h"
#include "cmds.h"
#include "error.h"
#include "report_dir.h"
#include "run.h"

struct run_opts {
	const char *out;
	unsigned hz;
	int wall;
	int cpu;
	int mem;
	unsigned long long mem_sample;
	double timeout;
	int follow;
	struct pg_opt_list env;
	int quiet;
	int once;
};

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

static int set_hz(void *opts, const char *value)
{
	double d;

	if (parse_positive(value, &d) < 0 || d != (unsigned)d || d > 100000)
		return pg_error_set("'%s' is not a rate between 1 and 100000", value);
	((struct run_opts *)opts)->hz = (unsigned)d;
	return 0;
}

static int set_mode(void *opts, const char *value)
{
	struct run_opts *o = opts;

	if (!strcmp(value, "cpu"))
		o->wall = 0;
	else if (!strcmp(value, "wall"))
		o->wall = 1;
	else
		return pg_error_set("'%s' is neither 'cpu' nor 'wall'", value);
	return 0;
}

static int set_mem_sample(void *opts, const char *value)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-')
		return pg_error_set("'%s' is not a byte count", value);
	((struct run_opts *)opts)->mem_sample = v;
	return 0;
}

static int set_timeout(void *opts, const char *value)
{
	if (parse_positive(value, &((struct run_opts *)opts)->timeout) < 0)
		return pg_error_set("'%s' is not a positive number of seconds", value);
	return 0;
}

static int check_env(void *opts, const char *value)
{
	const char *eq = strchr(value, '=');

	(void)opts;
	if (!eq || eq == value)
		return pg_error_set("'%s' is not KEY=VALUE", value);
	return 0;
}

static const struct pg_opt_spec run_options[] = {
	{ .name = "out", .short_name = 'o', .arg = "DIR", PG_OPT_KEEP(struct run_opts, out),
	  .help = "profile directory (default profgate-out/<program>)" },
	{ .name = "hz", .arg = "N", PG_OPT_CALLS(set_hz), .help = "samples per second per thread (default 999)" },
	{ .name = "mode", .arg = "cpu|wall", PG_OPT_CALLS(set_mode),
	  .help = "cpu: on-CPU time (default); wall: every thread on the wall clock, time not running "
		  "ends in [waiting]" },
	{ .name = "no-cpu", PG_OPT_SET_INT(struct run_opts, cpu, 0), .help = "no CPU sampling (cpu.folded is empty)" },
	{ .name = "no-mem", PG_OPT_SET_INT(struct run_opts, mem, 0),
	  .help = "no allocation tracking (and one run)" },
	{ .name = "once", PG_OPT_SET_INT(struct run_opts, once, 1),
	  .help = "one run with both sampler and tracker: for a command that must not run twice; "
		  "the tracker's own time is then in the CPU profile (the report says how much)" },
	{ .name = "mem-sample", .arg = "B", PG_OPT_CALLS(set_mem_sample),
	  .help = "sample allocations every B bytes on average (0 = all)" },
	{ .name = "timeout", .arg = "S", PG_OPT_CALLS(set_timeout),
	  .help = "stop the command after S seconds (exit status 124)" },
	{ .name = "no-follow", PG_OPT_SET_INT(struct run_opts, follow, 0),
	  .help = "do not profile the programs COMMAND forks or execs" },
	{ .name = "env", .arg = "KEY=VALUE", PG_OPT_APPEND(struct run_opts, env), PG_OPT_CHECK(check_env),
	  .help = "set a variable for COMMAND" },
	{ .name = "quiet", .short_name = 'q', PG_OPT_SET_INT(struct run_opts, quiet, 1),
	  .help = "no summary line on stderr" },
};

/* The profile directory's files, from run.c's table of them. */
static void list_files(FILE *f)
{
	const struct pg_run_file *file;
	int width = 0;

	for (size_t i = 0; (file = pg_run_file(i)); i++)
		if ((int)strlen(file->name) > width)
			width = (int)strlen(file->name);
	for (size_t i = 0; (file = pg_run_file(i)); i++)
		fprintf(f, "  %-*s  %s\n", width, file->name, file->what);
}

static const struct pg_opt_command run_command = {
	.name = "run",
	.usage = "[options] -- COMMAND [ARG...]",
	.about = "Runs COMMAND (directly, not through a shell) under the CPU sampler and the\n"
		 "allocation tracker, and writes a profile directory:\n",
	.about_more = list_files,
	.specs = run_options,
	.nspecs = PG_OPT_COUNT(run_options),
	.after = "CPU and memory are measured in two runs of COMMAND, the sampler alone then\n"
		 "the allocation tracker alone, so that tracking does not weigh on the CPU\n"
		 "profile; --once measures both in one run.\n\n"
		 "exit status: COMMAND's own; 128+N if it died of signal N; 124 on timeout;\n"
		 "125 if profgate failed; 126 if COMMAND cannot run; 127 if it is not found.\n",
	/* Everything after COMMAND is COMMAND's own, options too. */
	.flags = PG_OPT_STOP_AT_OPERAND,
};

static int parse_args(struct run_opts *o, int argc, char **argv, char ***cmd, int *ncmd)
{
	int pr = pg_cmd_options(cmd, ncmd, &run_command, o, argc, argv);

	if (pr != 0)
		return pr;
	if (*ncmd < 1) {
		pg_report_error("run", "no command given; usage: profgate run [options] -- COMMAND [ARG...]");
		return -1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .hz = 999, .cpu = 1, .mem = 1, .follow = 1 };
	struct pg_run_result r;
	char *out_dir = NULL;
	char **cmd = NULL;
	int ncmd = 0, rc;

	int pr = parse_args(&o, argc, argv, &cmd, &ncmd);
	if (pr != 0) {
		pg_opt_release(&run_command, &o);
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	}
	if (o.out) {
		out_dir = strdup(o.out);
	} else {
		const char *slash = strrchr(cmd[0], '/');
		if (asprintf(&out_dir, "profgate-out/%s", slash ? slash + 1 : cmd[0]) < 0)
			out_dir = NULL;
	}
	if (!out_dir) {
		pg_report_error("run", "out of memory");
		pg_opt_release(&run_command, &o);
		return PG_EXIT_PROFGATE_FAILED;
	}
	/* A report folder that is a symbolic link could send the files anywhere
	 * (a link planted in a shared workspace): refused (docs/commands.md). */
	if (pg_report_dir_refuse_link(out_dir) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		free(out_dir);
		pg_opt_release(&run_command, &o);
		return PG_EXIT_PROFGATE_FAILED;
	}
	struct pg_run_request req = {
		.argv = cmd, .argc = ncmd, .env_add = (char *const *)o.env.v, .nenv_add = o.env.n,
		.hz = o.hz, .wall = o.wall, .cpu = o.cpu, .mem = o.mem, .mem_sample = o.mem_sample,
		.timeout = o.timeout, .follow = o.follow, .work_dir = out_dir,
	};
	int two = o.cpu && o.mem && !o.once;
	struct stat in_st;
	off_t in_at = -1;
	/* A second run needs the same input: a file is rewound, a pipe
	 * cannot be read twice. */
	if (two && fstat(0, &in_st) == 0) {
		if (S_ISFIFO(in_st.st_mode) || S_ISSOCK(in_st.st_mode))
			two = 0;
		else if (S_ISREG(in_st.st_mode))
			in_at = lseek(0, 0, SEEK_CUR);
	}
	struct pg_run_request first = req;
	if (two) {
		/* The memory run's collector is known to be there before the
		 * CPU run is spent (a PROFGATE_COLLECTOR naming the CPU-only
		 * library is refused for it). */
		char *full = NULL;
		if (pg_run_find_collector(&full, 1) < 0) {
			pg_report_error("run", "%s", pg_error_last());
			free(out_dir);
			pg_opt_release(&run_command, &o);
			return PG_EXIT_PROFGATE_FAILED;
		}
		free(full);
		first.mem = 0;
	}
	if (pg_run_profile(&r, &first) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		rc = r.status;
		goto done;
	}
	rc = r.status;
	/* A command that failed or crashed is measured again too: what it
	 * allocated before it ended is part of its profile. Not one that ran
	 * out of time: that would double the wait. One that died of a signal
	 * may have been stopped from outside and never end on its own: its
	 * memory run gets twice the CPU run's time, and 5 s. */
	if (two && !r.launch.timed_out) {
		struct pg_run_request second = req;
		struct pg_run_result m;

		second.cpu = 0;
		second.wall = 0;
		if (WIFSIGNALED(r.launch.status)) {
			double cap = 2 * r.wall_seconds + 5;

			if (!second.timeout || second.timeout > cap)
				second.timeout = cap;
		}
		/* What it prints was shown by the first run; kept out of sight. */
		second.discard_stdout = 1;
		second.stderr_tail = 4096;
		if (in_at >= 0 && lseek(0, in_at, SEEK_SET) < 0)
			fprintf(stderr, "profgate: %s: cannot rewind standard input for the memory run\n", cmd[0]);
		if (pg_run_profile(&m, &second) < 0) {
			pg_report_error("run", "%s", pg_error_last());
			rc = m.status ? m.status : PG_EXIT_PROFGATE_FAILED;
			pg_run_result_release(&m);
			goto done;
		}
		/* A process lost in the memory run is lost from this profile too. */
		if (pg_run_result_take_lost(&r, &m) < 0) {
			pg_report_error("run", "%s", pg_error_last());
			rc = PG_EXIT_PROFGATE_FAILED;
			pg_run_result_release(&m);
			goto done;
		}
		if (m.mem_tracked)
			pg_run_result_take_memory(&r, &m);
		else
			r.mem_note = "memory was not measured: the second run (the memory run) recorded none";
		r.run_note = "two: CPU (sampler alone), then memory (tracker alone)";
		pg_run_result_release(&m);
	} else if (two) {
		r.mem_note = "memory was not measured: the command ran out of time in the CPU run, so it was "
			     "not run again (use --once to measure both in one run)";
		r.run_note = "one: CPU only (--timeout; no memory run)";
	} else if (o.cpu && o.mem) {
		static char note[200];
		uint64_t n = r.cpu_samples;

		snprintf(note, sizeof note, "one (%s): CPU and memory together; %.1f%% of the CPU samples "
			 "were in the allocation tracker's own code", o.once ? "--once" : "standard input is a pipe",
			 n ? 100.0 * (double)r.tracker_samples / (double)n : 0.0);
		r.run_note = note;
	}
	if (pg_run_write_dir(&r, &req, out_dir) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		rc = PG_EXIT_PROFGATE_FAILED;
		goto done;
	}
	if (!o.quiet) {
		const char *src = pg_run_source_name(r.source);
		fprintf(stderr, "profgate: %s: %llu samples (%s, %u Hz asked) in %.2f s%s; profile in %s/\n",
			cmd[0], (unsigned long long)r.samples, src ? src : "no sampling", o.hz,
			r.wall_seconds, two && r.mem_tracked ? ", memory from a second run" : "", out_dir);
		if (r.truncated_stacks > 0)
			fprintf(stderr, "profgate: %s: %llu sample%s deeper than %d frames: their outermost "
				"frames are missing (cpu.truncated_stacks)\n", cmd[0],
				(unsigned long long)r.truncated_stacks, r.truncated_stacks == 1 ? "" : "s",
				PG_REC_MAX_FRAMES);
		if (r.launch.timed_out)
			fprintf(stderr, "profgate: %s: stopped after --timeout %g s\n", cmd[0], o.timeout);
		else if (WIFSIGNALED(r.launch.status))
			fprintf(stderr, "profgate: %s: killed by signal %d (%s)\n", cmd[0],
				WTERMSIG(r.launch.status), strsignal(WTERMSIG(r.launch.status)));
	}
done:
	pg_run_result_release(&r);
	free(out_dir);
	pg_opt_release(&run_command, &o);
	return rc;
}
