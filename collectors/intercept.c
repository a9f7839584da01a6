/*
 * The libc functions the collector wraps (found first through LD_PRELOAD):
 * thread creation, so that every new thread is sampled from its first
 * instruction; fork and the exec family, so that each process image writes
 * its own records and no sampling signal outlives an exec; dlopen, dlclose
 * and dl_iterate_phdr, which hold the loader lock (a sample taken there
 * could deadlock in libunwind, so it is dropped and counted); exit and
 * _exit, so that the last samples are written; and fatal signals, so that a
 * crash still leaves everything recorded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "pyframes.h"

int (*pg_real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execv)(const char *, char *const[]);
static int (*real_execvp)(const char *, char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_fexecve)(int, char *const[], char *const[]);
static void *(*real_dlopen)(const char *, int);
static void *(*real_dlmopen)(Lmid_t, const char *, int);
static int (*real_dlclose)(void *);
static int (*real_dl_iterate_phdr)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
static int (*real_close)(int);
static int (*real_close_range)(unsigned, unsigned, int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_fcntl)(int, int, ...);
static int (*real_fcntl64)(int, int, ...);
static int (*real_pipe)(int[2]);
static int (*real_pipe2)(int[2], int);
static int (*real_pthread_sigmask)(int, const sigset_t *, sigset_t *);
static int (*real_sigprocmask)(int, const sigset_t *, sigset_t *);
static int (*real_unshare)(int);
static void (*real_pthread_exit)(void *) __attribute__((noreturn));
static void (*real_exit)(int) __attribute__((noreturn));
static void (*real__exit)(int) __attribute__((noreturn));
static void (*real__Exit)(int) __attribute__((noreturn));

#define RESOLVE(var, name) (var = (typeof(var))dlsym(RTLD_NEXT, name))

int (*pg_real_sigaction)(int, const struct sigaction *, struct sigaction *);
static __sighandler_t (*real_signal)(int, __sighandler_t);

/* Signals whose default action ends the process: while the program leaves
 * them at the default, our handler writes what is buffered first (a crash,
 * --timeout's SIGTERM, a ^C), then lets the default action happen. SIGTRAP
 * is not here: the sampler owns it (perf sigtrap events). */
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM,
				     SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
				     SIGXCPU, SIGXFSZ, SIGVTALRM };

/* Signal handler for fatal signals: write what we have, then let the
 * default action happen (the handler was reset by SA_RESETHAND). */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	pg_finish(128 + sig, 1);
	raise(sig);  /* SA_RESETHAND put the default back */
}

/* The program must not see our handler where it asked about the default:
 * Python, shells and others behave differently when a signal is not at
 * SIG_DFL. Installing its own handler replaces ours, as it should. */
static void hide_ours(int sig, struct sigaction *old)
{
	if (!old || (old->sa_flags & SA_SIGINFO) == 0 || old->sa_sigaction != on_fatal)
		return;
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		if (fatal_signals[i] == sig) {
			memset(old, 0, sizeof *old);
			old->sa_handler = SIG_DFL;
			return;
		}
}

/* [0] SIGPROF, [1] SIGTRAP: what the program asked for. */
static struct sigaction user_sa[2] = { { .sa_handler = SIG_DFL }, { .sa_handler = SIG_DFL } };

static struct sigaction *user_slot(int sig)
{
	if (!pg_sampler_owns(sig) || pg.pid != getpid())
		return NULL;
	return &user_sa[sig == PG_TRAP_SIGNAL];
}

/* Signal handler context: a SIGPROF or SIGTRAP that is not a sample goes
 * where the program asked: its handler, nowhere (SIG_IGN), or the default
 * action, which ends the process as it would have without profgate. */
void pg_forward_foreign_signal(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *slot = &user_sa[sig == PG_TRAP_SIGNAL];
	struct sigaction ua = *slot;
	if (ua.sa_handler == SIG_IGN)
		return;
	if (ua.sa_handler == SIG_DFL) {
		pg_finish(128 + sig, 1);
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		pg_real_sigaction(sig, &dfl, NULL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		pg_sigmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return;
	}
	if (ua.sa_flags & SA_RESETHAND) {
		memset(slot, 0, sizeof *slot);
		slot->sa_handler = SIG_DFL;
		pg_sampler_follow_restart(sig, slot);
	}
	sigset_t old;
	pg_sigmask(SIG_BLOCK, &ua.sa_mask, &old);
	if (ua.sa_flags & SA_SIGINFO)
		ua.sa_sigaction(sig, si, uc);
	else
		ua.sa_handler(sig);
	pg_sigmask(SIG_SETMASK, &old, NULL);
}

void pg_user_disposition_init(int sig, const struct sigaction *before)
{
	user_sa[sig == PG_TRAP_SIGNAL] = *before;
}

/* Before an exec: the new image inherits an ignored signal, as it would have. */
void pg_restore_user_dispositions(void)
{
	if (user_sa[0].sa_handler == SIG_IGN)
		pg_real_sigaction(PG_SAMPLE_SIGNAL, &user_sa[0], NULL);
	if (user_sa[1].sa_handler == SIG_IGN)
		pg_real_sigaction(PG_TRAP_SIGNAL, &user_sa[1], NULL);
}

PG_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (!pg_real_sigaction)
		RESOLVE(pg_real_sigaction, "sigaction");
	struct sigaction *slot = user_slot(sig);
	struct sigaction *fault = slot ? NULL : pg_pyframes_fault_slot(sig);
	if (fault) {
		/* Our fault guard stays; the program's handler is called for
		 * every fault that is not the guard's. */
		if (old) {
			*old = *fault;
			hide_ours(sig, old);
		}
		if (act)
			*fault = *act;
		return 0;
	}
	if (!slot) {
		int rc = pg_real_sigaction(sig, act, old);
		if (rc == 0)
			hide_ours(sig, old);
		return rc;
	}
	if (old)
		*old = *slot;
	if (act) {
		*slot = *act;
		pg_sampler_follow_restart(sig, slot);
	}
	return 0;
}

PG_EXPORT __sighandler_t signal(int sig, __sighandler_t handler)
{
	if (!real_signal)
		RESOLVE(real_signal, "signal");
	struct sigaction *slot = user_slot(sig);
	struct sigaction *fault = slot ? NULL : pg_pyframes_fault_slot(sig);
	if (fault) {
		__sighandler_t prev = (uintptr_t)fault->sa_handler == (uintptr_t)on_fatal ? SIG_DFL
				      : fault->sa_handler;
		memset(fault, 0, sizeof *fault);
		fault->sa_handler = handler;
		fault->sa_flags = SA_RESTART;
		return prev;
	}
	if (!slot) {
		__sighandler_t prev = real_signal(sig, handler);
		return (uintptr_t)prev == (uintptr_t)on_fatal ? SIG_DFL : prev;
	}
	__sighandler_t prev = slot->sa_handler;
	memset(slot, 0, sizeof *slot);
	slot->sa_handler = handler;
	slot->sa_flags = SA_RESTART;  /* BSD semantics, as glibc's signal() */
	pg_sampler_follow_restart(sig, slot);
	return prev;
}

static void install_fatal_handlers(void)
{
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
		struct sigaction old, sa;
		if (sigaction(fatal_signals[i], NULL, &old) < 0 || old.sa_handler != SIG_DFL ||
		    (old.sa_flags & SA_SIGINFO))
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_fatal;
		sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(fatal_signals[i], &sa, NULL);
	}
}

/* Both locks are held across fork (in the order the collector thread takes
 * them) so that the child never inherits one locked mid-update. */
static void atfork_prepare(void)
{
	if (pg.enabled && pg.pid == getpid()) {
		pg_unwind_block_for_fork();
		pg_write_lock();
		pg_tracker_atfork_prepare();
	}
}

static void atfork_parent(void)
{
	if (pg.enabled && pg.pid == getpid()) {
		pg_tracker_atfork_parent();
		pg_write_unlock();
		pg_unwind_allow_after_fork();
	}
}

static void atfork_child(void)
{
	pg_after_fork_child();
}


void pg_intercept_init(void)
{
	RESOLVE(pg_real_sigaction, "sigaction");
	RESOLVE(real_signal, "signal");
	RESOLVE(pg_real_pthread_create, "pthread_create");
	RESOLVE(real_execve, "execve");
	RESOLVE(real_execv, "execv");
	RESOLVE(real_execvp, "execvp");
	RESOLVE(real_execvpe, "execvpe");
	RESOLVE(real_fexecve, "fexecve");
	RESOLVE(real_dlopen, "dlopen");
	RESOLVE(real_dlmopen, "dlmopen");
	RESOLVE(real_dlclose, "dlclose");
	RESOLVE(real_dl_iterate_phdr, "dl_iterate_phdr");
	RESOLVE(real_close, "close");
	RESOLVE(real_close_range, "close_range");
	RESOLVE(real_dup2, "dup2");
	RESOLVE(real_dup3, "dup3");
	RESOLVE(real_fcntl, "fcntl");
	RESOLVE(real_fcntl64, "fcntl64");
	RESOLVE(real_pipe, "pipe");
	RESOLVE(real_pipe2, "pipe2");
	RESOLVE(real_pthread_sigmask, "pthread_sigmask");
	RESOLVE(real_sigprocmask, "sigprocmask");
	RESOLVE(real_unshare, "unshare");
	RESOLVE(real_pthread_exit, "pthread_exit");
	RESOLVE(real_exit, "exit");
	RESOLVE(real__exit, "_exit");
	RESOLVE(real__Exit, "_Exit");
	if (getenv("PROFGATE_RAW_DIR")) {
		pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
		install_fatal_handlers();
	}
}

struct start_arg {
	void *(*fn)(void *);
	void *arg;
	int parent_sig, parent_blocked;  /* the creator's view of its mask (sigprocmask below) */
	int counted;                     /* in pg.starting */
};

static void thread_cleanup(void *unused)
{
	(void)unused;
	pg_thread_stop();
}

static void *start_thread(void *p)
{
	struct start_arg sa = *(struct start_arg *)p;
	/* A pthread_cancel() that came before the cleanup handler is pushed
	 * must not end the thread inside our set-up (its slot and timer would
	 * leak, a lock might stay taken): it waits for the program's code. */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pg_tracker_pause();
	free(p);
	pg_tracker_resume();
	void *ret;
	pthread_cleanup_push(thread_cleanup, NULL);
	if (pg.enabled && pg.mode != PG_MODE_NONE && !atomic_load(&pg.finished)) {
		pg_thread_start();
		/* The creator blocked our signal in its own view only: the new
		 * thread inherits that view. */
		if (sa.parent_blocked && pg_sampler_thread_signal() == sa.parent_sig)
			pg_user_blocked = 1;
		if (pg.mode == PG_MODE_WALL && pg_self)
			pg_sampler_seed_stack(pg_self, (void *)sa.fn);
		pg_thread_started();
	}
	if (sa.counted)
		atomic_fetch_sub(&pg.starting, 1);
	pthread_setcancelstate(cancel, NULL);
	ret = sa.fn(sa.arg);
	pthread_cleanup_pop(1);
	return ret;
}

PG_EXPORT int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	if (!pg_real_pthread_create)
		RESOLVE(pg_real_pthread_create, "pthread_create");
	if (!pg.enabled || pg.mode == PG_MODE_NONE)
		return pg_real_pthread_create(t, attr, fn, arg);
	pg_busy++;
	pg_tracker_pause();
	struct start_arg *sa = malloc(sizeof *sa);
	pg_tracker_resume();
	pg_busy--;
	if (!sa)
		return pg_real_pthread_create(t, attr, fn, arg);
	sa->fn = fn;
	sa->arg = arg;
	sa->parent_sig = pg_sampler_thread_signal();
	sa->parent_blocked = pg_user_blocked;
	sa->counted = 1;
	atomic_fetch_add(&pg.starting, 1);
	int rc = pg_real_pthread_create(t, attr, start_thread, sa);
	if (rc != 0) {
		atomic_fetch_sub(&pg.starting, 1);
		pg_tracker_pause();
		free(sa);
		pg_tracker_resume();
	}
	return rc;
}

PG_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	pg_before_exec();
	int rc = real_execve(path, argv, envp);
	pg_after_exec_failed();
	return rc;
}

PG_EXPORT int execv(const char *path, char *const argv[])
{
	pg_before_exec();
	int rc = real_execv(path, argv);
	pg_after_exec_failed();
	return rc;
}

PG_EXPORT int execvp(const char *file, char *const argv[])
{
	pg_before_exec();
	int rc = real_execvp(file, argv);
	pg_after_exec_failed();
	return rc;
}

PG_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	pg_before_exec();
	int rc = real_execvpe(file, argv, envp);
	pg_after_exec_failed();
	return rc;
}

PG_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	pg_before_exec();
	int rc = real_fexecve(fd, argv, envp);
	pg_after_exec_failed();
	return rc;
}

/* execl, execle and execlp gather their arguments and go through the wrappers
 * above; glibc's own versions call execve internally, past any wrapper. */
static size_t count_args(va_list ap)
{
	va_list c;
	size_t n = 1;  /* the first argument, passed separately */
	va_copy(c, ap);
	while (va_arg(c, char *))
		n++;
	va_end(c);
	return n;
}

static void fill_args(char **argv, size_t n, const char *first, va_list *ap)
{
	argv[0] = (char *)first;
	for (size_t i = 1; i <= n; i++)  /* copies the terminating NULL too */
		argv[i] = va_arg(*ap, char *);
}

PG_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	size_t n = count_args(ap);
	char *argv[n + 1];
	fill_args(argv, n, arg, &ap);
	va_end(ap);
	return execv(path, argv);
}

PG_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	size_t n = count_args(ap);
	char *argv[n + 1];
	fill_args(argv, n, arg, &ap);
	va_end(ap);
	return execvp(file, argv);
}

PG_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	size_t n = count_args(ap);
	char *argv[n + 1];
	fill_args(argv, n, arg, &ap);
	char **envp = va_arg(ap, char **);
	va_end(ap);
	return execve(path, argv, envp);
}

PG_EXPORT void *dlopen(const char *file, int flags)
{
	if (!real_dlopen)
		RESOLVE(real_dlopen, "dlopen");
	pg_busy++;
	void *h = real_dlopen(file, flags);
	if (h && pg.enabled && pg.pid == getpid() && !atomic_load(&pg.finished)) {
		pg_write_lock();
		pg_modules_snapshot();
		pg_write_unlock();
	}
	pg_busy--;
	return h;
}

PG_EXPORT void *dlmopen(Lmid_t lmid, const char *file, int flags)
{
	pg_busy++;
	void *h = real_dlmopen(lmid, file, flags);
	pg_busy--;
	return h;
}

PG_EXPORT int dlclose(void *h)
{
	pg_busy++;
	int rc = real_dlclose(h);
	if (rc == 0 && pg.enabled && pg.pid == getpid() && !atomic_load(&pg.finished)) {
		pg_write_lock();
		pg_modules_snapshot();
		pg_write_unlock();
	}
	pg_busy--;
	return rc;
}

PG_EXPORT int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
	if (!real_dl_iterate_phdr)
		RESOLVE(real_dl_iterate_phdr, "dl_iterate_phdr");
	pg_busy++;
	int rc = real_dl_iterate_phdr(cb, data);
	pg_busy--;
	return rc;
}

/* main's return value is the exit status, and no exit() wrapper sees it
 * (glibc calls exit internally): main is wrapped to catch it. Our frame in
 * between is dropped from every stack like all of the collector's. */
static int (*real_main)(int, char **, char **);

static int main_wrapper(int argc, char **argv, char **envp)
{
	/* Wall mode: a main thread that blocks at once still shows where. */
	if (pg.enabled && pg.mode == PG_MODE_WALL && pg_self)
		pg_sampler_seed_stack(pg_self, (void *)real_main);
	int rc = real_main(argc, argv, envp);
	atomic_store(&pg.exit_code, rc & 0xff);
	return rc;
}

PG_EXPORT int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
				void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
				void *stack_end);
PG_EXPORT int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
				void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
				void *stack_end)
{
	typedef int (*start_fn)(int (*)(int, char **, char **), int, char **, void (*)(void),
				void (*)(void), void (*)(void), void *);
	start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

/* Programs that close every descriptor at start (daemons, sandboxes) would
 * close the record file and the sampling events with them: ours are left
 * open, and the program is told they were closed. libunwind's own closes of
 * its pipe (when it reopens it) go through. */
PG_EXPORT int close(int fd)
{
	if (!real_close)
		RESOLVE(real_close, "close");
	if (!pg_unwinding && pg_fd_ours(fd))
		return 0;
	return real_close(fd);
}

PG_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	if (!real_close_range)
		RESOLVE(real_close_range, "close_range");
	if (!pg.enabled || first > last)
		return real_close_range(first, last, flags);
	/* Close the pieces between our descriptors. */
	int ours[PG_MAX_THREADS + 16];
	size_t n = pg_fd_list(ours, sizeof ours / sizeof ours[0], first, last);
	unsigned from = first;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned fd = (unsigned)ours[i];
		if (fd < from)
			continue;
		if (fd > from && real_close_range(from, fd - 1, flags) < 0)
			rc = -1;
		from = fd + 1;
		if (from == 0)
			return rc;  /* fd was UINT_MAX */
	}
	if (from <= last && real_close_range(from, last, flags) < 0)
		rc = -1;
	return rc;
}

PG_EXPORT void closefrom(int low)
{
	close_range((unsigned)low, ~0u, 0);
}

/* The program asks for a descriptor number that one of ours holds: ours
 * moves (fds.c), the program gets the number it asked for. */
PG_EXPORT int dup2(int old, int new)
{
	if (!real_dup2)
		RESOLVE(real_dup2, "dup2");
	if (old != new && pg.enabled && !pg_unwinding)
		pg_fd_vacate(new);
	return real_dup2(old, new);
}

PG_EXPORT int dup3(int old, int new, int flags)
{
	if (!real_dup3)
		RESOLVE(real_dup3, "dup3");
	if (old != new && pg.enabled && !pg_unwinding)
		pg_fd_vacate(new);
	return real_dup3(old, new, flags);
}

/* F_DUPFD gives the lowest free number from arg up: if one of ours sat
 * below the number the kernel gave, the program would have got ours. */
static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
	int rc = real(fd, cmd, arg);
	if (rc < 0 || (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) || !pg.enabled || pg_unwinding)
		return rc;
	long low = (long)arg;
	if (low < 0 || rc <= low)
		return rc;
	int ours[16];
	size_t n = pg_fd_list(ours, 16, (unsigned)low, (unsigned)rc - 1);
	if (n == 0)
		return rc;
	int want = ours[0];
	int saved = errno;
	pg_fd_vacate(want);
	if (real_dup3(rc, want, cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0) == want) {
		real_close(rc);
		rc = want;
	}
	errno = saved;
	return rc;
}

PG_EXPORT int fcntl(int fd, int cmd, ...)
{
	if (!real_fcntl)
		RESOLVE(real_fcntl, "fcntl");
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(real_fcntl, fd, cmd, arg);
}

PG_EXPORT int fcntl64(int fd, int cmd, ...)
{
	if (!real_fcntl64)
		RESOLVE(real_fcntl64, "fcntl64");
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(real_fcntl64, fd, cmd, arg);
}

/* libunwind's memory-validation pipe: opened from inside our unwinding. */
PG_EXPORT int pipe2(int fds[2], int flags)
{
	if (!real_pipe2)
		RESOLVE(real_pipe2, "pipe2");
	if (pg_unwinding)
		return pg_fd_pipe_for_unwinder(fds, flags);
	return real_pipe2(fds, flags);
}

PG_EXPORT int pipe(int fds[2])
{
	if (!real_pipe)
		RESOLVE(real_pipe, "pipe");
	if (pg_unwinding)
		return pg_fd_pipe_for_unwinder(fds, 0);
	return real_pipe(fds);
}

/* The signal our source uses in this thread stays unblocked; the program
 * sees the mask it asked for. */
static int filtered_sigmask(int (*real)(int, const sigset_t *, sigset_t *), int how,
			    const sigset_t *set, sigset_t *old)
{
	int sig = pg_sampler_thread_signal();
	if (!sig)
		return real(how, set, old);
	int blocked = pg_user_blocked;
	sigset_t copy;
	const sigset_t *use = set;
	if (set) {
		copy = *set;
		int in = sigismember(set, sig) == 1;
		if (how == SIG_BLOCK) {
			blocked = blocked || in;
			sigdelset(&copy, sig);
		} else if (how == SIG_SETMASK) {
			blocked = in;
			sigdelset(&copy, sig);
		} else if (how == SIG_UNBLOCK && in) {
			blocked = 0;
		}
		use = &copy;
	}
	int rc = real(how, use, old);
	if (rc != 0)
		return rc;
	if (old && pg_user_blocked)
		sigaddset(old, sig);
	pg_user_blocked = blocked;
	return 0;
}

PG_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (!real_pthread_sigmask)
		RESOLVE(real_pthread_sigmask, "pthread_sigmask");
	return filtered_sigmask(real_pthread_sigmask, how, set, old);
}

PG_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (!real_sigprocmask)
		RESOLVE(real_sigprocmask, "sigprocmask");
	return filtered_sigmask(real_sigprocmask, how, set, old);
}

/* The collector's own mask changes, past the filter. */
int pg_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (!real_pthread_sigmask)
		RESOLVE(real_pthread_sigmask, "pthread_sigmask");
	return real_pthread_sigmask(how, set, old);
}

/* A user namespace (and CLONE_FS) can only be entered by a single-threaded
 * process: the collector's thread steps aside for the call. */
PG_EXPORT int unshare(int flags)
{
	if (!real_unshare)
		RESOLVE(real_unshare, "unshare");
	int stopped = (flags & (CLONE_NEWUSER | CLONE_FS)) ? pg_collector_thread_stop() : 0;
	int rc = real_unshare(flags);
	/* pthread_join returns when the kernel clears the thread's tid, a
	 * moment before it leaves the thread group: until then the process is
	 * not single-threaded and the call fails with EINVAL (seen on a loaded
	 * machine). Up to 200 ms for the collector's thread to be gone. */
	for (int i = 0; stopped && rc < 0 && errno == EINVAL && i < 200; i++) {
		struct timespec ms = { 0, 1000000 };
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ms, NULL);
		rc = real_unshare(flags);
	}
	int saved = errno;
	if (stopped)
		pg_collector_thread_restart();
	errno = saved;
	return rc;
}

/* The main thread leaving with pthread_exit: the process lives on until the
 * program's last thread ends; the collector's thread then ends it as glibc
 * would have (collector.c). */
PG_EXPORT void pthread_exit(void *ret)
{
	if (!real_pthread_exit)
		RESOLVE(real_pthread_exit, "pthread_exit");
	if (pg.enabled && pg.pid == getpid() && pg_gettid() == pg.pid) {
		pg_thread_stop();
		atomic_store(&pg.main_exited, 1);
	}
	real_pthread_exit(ret);
}

PG_EXPORT void exit(int code)
{
	atomic_store(&pg.exit_code, code & 0xff);
	real_exit(code);
}

PG_EXPORT void _exit(int code)
{
	pg_finish(code & 0xff, 0);
	real__exit(code);
}

PG_EXPORT void _Exit(int code)
{
	pg_finish(code & 0xff, 0);
	real__Exit(code);
}
