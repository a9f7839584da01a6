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
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

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
			pg_report_bad_option("run", argv);
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

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .hz = 999, .cpu = 1, .mem = 1, .follow = 1 };
	struct pg_run_result r;
	char *out_dir = NULL;
	int cmd_index = 0, rc;

	int pr = parse_args(&o, argc, argv, &cmd_index);
	if (pr != 0) {
		free(o.env);
		return pr > 0 ? PG_EXIT_OK : PG_EXIT_USAGE;
	}
	char **cmd = argv + cmd_index;
	if (o.out) {
		out_dir = strdup(o.out);
	} else {
		const char *slash = strrchr(cmd[0], '/');
		if (asprintf(&out_dir, "profgate-out/%s", slash ? slash + 1 : cmd[0]) < 0)
			out_dir = NULL;
	}
	if (!out_dir) {
		pg_report_error("run", "out of memory");
		free(o.env);
		return PG_EXIT_PROFGATE_FAILED;
	}
	/* A report folder that is a symbolic link could send the files anywhere
	 * (a link planted in a shared workspace): refused (docs/commands.md). */
	if (pg_report_dir_refuse_link(out_dir) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		free(out_dir);
		free(o.env);
		return PG_EXIT_PROFGATE_FAILED;
	}
	struct pg_run_request req = {
		.argv = cmd, .argc = argc - cmd_index, .env_add = o.env, .nenv_add = o.nenv,
		.hz = o.hz, .wall = o.wall, .cpu = o.cpu, .mem = o.mem, .mem_sample = o.mem_sample,
		.timeout = o.timeout, .follow = o.follow, .work_dir = out_dir,
	};
	if (pg_run_profile(&r, &req) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		rc = r.status;
		goto done;
	}
	rc = r.status;
	if (pg_run_write_dir(&r, &req, out_dir) < 0) {
		pg_report_error("run", "%s", pg_error_last());
		rc = PG_EXIT_PROFGATE_FAILED;
		goto done;
	}
	if (!o.quiet) {
		const char *src = pg_run_source_name(r.source);
		fprintf(stderr, "profgate: %s: %llu samples (%s, %u Hz asked) in %.2f s; profile in %s/\n",
			cmd[0], (unsigned long long)r.samples, src ? src : "no sampling", o.hz,
			r.wall_seconds, out_dir);
		if (r.launch.timed_out)
			fprintf(stderr, "profgate: %s: stopped after --timeout %g s\n", cmd[0], o.timeout);
		else if (WIFSIGNALED(r.launch.status))
			fprintf(stderr, "profgate: %s: killed by signal %d (%s)\n", cmd[0],
				WTERMSIG(r.launch.status), strsignal(WTERMSIG(r.launch.status)));
	}
done:
	pg_run_result_release(&r);
	free(out_dir);
	free(o.env);
	return rc;
}
