/*
 * Launching the profiled command and waiting for it.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "launch.h"

static int is_exec_file(const char *path, int *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*err = errno;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		*err = EISDIR;
		return 0;
	}
	if (access(path, X_OK) < 0) {
		*err = errno;
		return 0;
	}
	return 1;
}

int pg_launch_resolve(char **out, const char *prog)
{
	int err = ENOENT;
	*out = NULL;
	if (!*prog)
		return pg_error_setc(PG_ENOTFOUND, "'': command not found");
	if (strchr(prog, '/')) {
		if (is_exec_file(prog, &err))
			return (*out = strdup(prog)) ? 0 : pg_error_set("out of memory");
		if (err == ENOENT || err == ENOTDIR)
			return pg_error_setc(PG_ENOTFOUND, "'%s': no such file", prog);
		return pg_error_set("'%s': cannot execute: %s", prog, strerror(err));
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int denied = 0;
	for (const char *p = path;;) {
		size_t n = strcspn(p, ":");
		char *cand = NULL;
		if (asprintf(&cand, "%.*s%s%s", (int)n, n ? p : ".", "/", prog) < 0)
			return pg_error_set("out of memory");
		if (is_exec_file(cand, &err)) {
			*out = cand;
			return 0;
		}
		if (err == EACCES || err == EISDIR)
			denied = err;
		free(cand);
		p += n;
		if (!*p)
			break;
		p++;
	}
	if (denied)
		return pg_error_set("'%s': cannot execute: %s", prog, strerror(denied));
	return pg_error_setc(PG_ENOTFOUND, "'%s': command not found", prog);
}

int pg_launch_check_dynamic(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pg_error_set("cannot open '%s': %s", path, strerror(errno));
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
		close(fd);
		buf[n] = '\0';
		char *s = buf + 2;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t len = strcspn(s, " \t\r\n");
		s[len] = '\0';
		if (!*s)
			return pg_error_set("'%s': empty #! line", path);
		return pg_launch_check_dynamic(s);
	}
	Elf64_Ehdr eh;
	if (n < (ssize_t)sizeof eh || memcmp(buf, ELFMAG, SELFMAG) != 0) {
		close(fd);
		return 0;  /* not ELF: execve decides (it will fail with ENOEXEC) */
	}
	memcpy(&eh, buf, sizeof eh);
	int dynamic = 0;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return pg_error_set("'%s' is not a 64-bit program: profgate profiles x86_64 programs only", path);
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) != sizeof ph)
			break;
		if (ph.p_type == PT_INTERP)
			dynamic = 1;
	}
	close(fd);
	if (!dynamic)
		return pg_error_set("'%s' is statically linked: LD_PRELOAD cannot reach it, so it cannot "
				    "be profiled (link it dynamically to profile it)", path);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t forward_pid;
static volatile sig_atomic_t forward_group;
static volatile sig_atomic_t last_interrupt;

int pg_launch_last_interrupt(void)
{
	return last_interrupt;
}

/* Signal handler: passes an interrupt on to the command, which decides. */
static void forward_signal(int sig)
{
	int saved = errno;

	last_interrupt = sig;
	/* In the same process group the terminal's ^C and ^\ reach the command
	 * already; sending them again would double them. */
	if (!forward_group && (sig == SIGINT || sig == SIGQUIT))
		return;
	if (forward_pid > 0)
		kill(forward_group ? -forward_pid : forward_pid, sig);
	errno = saved;
}

/* Waits up to `seconds` (< 0: forever) for pid; 1 when it ended. */
static int wait_for(struct pg_launch_result *out, int pidfd, int pid, double seconds)
{
	double end = now_s() + seconds;
	for (;;) {
		int ms = -1;
		if (seconds >= 0) {
			double left = end - now_s();
			if (left <= 0)
				return 0;
			ms = (int)(left * 1000) + 1;
		}
		struct pollfd pfd = { pidfd, POLLIN, 0 };
		int r = pidfd >= 0 ? poll(&pfd, 1, ms) : 1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0) {
			pid_t w = wait4(pid, &out->status, pidfd >= 0 ? WNOHANG : 0, &out->ru);
			if (w == pid)
				return 1;
			if (w < 0 && errno != EINTR)
				return -1;
		}
	}
}

int pg_launch_run(struct pg_launch_result *out, const char *path, const struct pg_launch *l)
{
	int pipefd[2];
	memset(out, 0, sizeof *out);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pg_error_set("cannot create pipe: %s", strerror(errno));
	int new_group = l->timeout > 0;
	double start = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return pg_error_set("cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if (new_group)
			setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		int e = 0;
		if (l->cwd && chdir(l->cwd) < 0)
			e = errno;
		if (!e && l->stderr_fd >= 0 && dup2(l->stderr_fd, 2) < 0)
			e = errno;
		if (!e && l->stdout_fd >= 0 && dup2(l->stdout_fd, 1) < 0)
			e = errno;
		if (!e) {
			execve(path, l->argv, l->envp);
			e = errno;
		}
		ssize_t wr = write(pipefd[1], &e, sizeof e);
		(void)wr;
		_exit(127);
	}
	if (new_group)
		setpgid(pid, pid);  /* both sides, so the group exists whichever runs first */
	close(pipefd[1]);
	forward_pid = pid;
	forward_group = new_group;
	struct sigaction sa, old_int, old_term, old_quit, old_hup;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGQUIT, &sa, &old_quit);
	sigaction(SIGHUP, &sa, &old_hup);

	int exec_errno = 0;
	ssize_t rn;
	do
		rn = read(pipefd[0], &exec_errno, sizeof exec_errno);
	while (rn < 0 && errno == EINTR);
	close(pipefd[0]);

	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int r = wait_for(out, pidfd, pid, l->timeout > 0 && rn <= 0 ? l->timeout : -1);
	if (r == 0) {
		out->timed_out = 1;
		kill(-pid, SIGTERM);
		r = wait_for(out, pidfd, pid, l->kill_grace > 0 ? l->kill_grace : 2.0);
		if (r == 0) {
			kill(-pid, SIGKILL);
			r = wait_for(out, pidfd, pid, -1);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	out->wall_seconds = now_s() - start;
	out->pid = pid;
	forward_pid = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (r < 0)
		return pg_error_set("cannot wait for '%s': %s", path, strerror(errno));
	if (rn > 0) {
		errno = exec_errno;
		return pg_error_setc(exec_errno == ENOENT ? PG_ENOTFOUND : PG_EGENERIC,
				     "cannot execute '%s': %s", path, strerror(exec_errno));
	}
	return 0;
}
