/*
 * pg_suspects: the suspected cases of issue 16 that were checked after the
 * confirmed ones (integration/unchanged), and programs whose profile lacks
 * something the report must say (integration/faults). Each case prints what
 * the program observes, which must be the same with and without profgate.
 *
 *   pg_suspects eintr SIG [restart]
 *                         installs its own handler for SIG (PROF or TRAP)
 *                         with or without SA_RESTART, blocks in read() on
 *                         an empty pipe, and a second thread sends SIG to it
 *                         (then, 300 ms later, writes one byte so that a
 *                         restarted read still ends): prints what read()
 *                         returned and how many signals the handler saw
 *   pg_suspects dlopen N  N rounds of glibc lookups that load modules with
 *                         glibc's internal dlopen (getpwnam and getgrnam
 *                         through libnss_files, getaddrinfo of "localhost",
 *                         iconv_open to a gconv module) while burning CPU in
 *                         between and inside a busy second thread: prints a
 *                         digest of every result
 *   pg_suspects dlopen-forks N
 *                         N children, each doing one round of those lookups
 *                         (so every one of them loads the modules anew, most
 *                         of its CPU time inside the loader) and exiting with
 *                         a status the parent checks: prints the digest of
 *                         the children's results and how many failed
 *   pg_suspects loader-lock-window SECONDS
 *                         puts glibc's loader write lock (found in
 *                         _rtld_global as the recursive mutex this thread
 *                         owns inside a dl_iterate_phdr callback) in the
 *                         state it has for an instant while a thread takes
 *                         or lets go of it (taken, no owner yet), burns CPU
 *                         in window_work for SECONDS so that samples land
 *                         then, and puts it back: a sampler that unwinds
 *                         through dl_iterate_phdr there waits forever.
 *                         Prints "window kept" or "no loader lock found"
 *   pg_suspects deep DEPTH SECONDS
 *                         burns CPU in deep_work at the bottom of a
 *                         recursion DEPTH calls deep (deeper than the
 *                         collector keeps): prints the depth
 *   pg_suspects spoil-child
 *                         forks a child that finds its own profgate record
 *                         file among its descriptors (as a program cleaning
 *                         up its temporary files might), overwrites its
 *                         first bytes and exits 0; alone there is no such
 *                         file and the child only says so. Prints "child
 *                         exited 0"
 *   pg_suspects fill DIR SECONDS
 *                         burns CPU in fill_work, and midway writes a file
 *                         in DIR until the disk is full, deletes it, and
 *                         burns CPU again: prints whether the disk filled
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <dlfcn.h>
#include <iconv.h>
#include <link.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pg_target.h"

void dlopen_lookup_work(void);
void dlopen_busy_work(void);
void fill_work(void);
void deep_work(void);
void window_work(double seconds);
int deep_recurse(int depth, double seconds);

/* --- eintr ------------------------------------------------------------- */

static atomic_int handled;
static int pipe_fds[2];
static int eintr_sig;
static pthread_t main_thread;

static void on_sig(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static void *signaller(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	pthread_kill(main_thread, eintr_sig);
	ts.tv_nsec = 300 * 1000 * 1000;
	nanosleep(&ts, NULL);
	if (write(pipe_fds[1], "x", 1) != 1)
		perror("write");
	return NULL;
}

static int eintr_case(const char *signame, int restart)
{
	eintr_sig = strcmp(signame, "PROF") == 0 ? SIGPROF : strcmp(signame, "TRAP") == 0 ? SIGTRAP : 0;
	if (!eintr_sig) {
		fprintf(stderr, "pg_suspects: eintr: PROF or TRAP\n");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(eintr_sig, &sa, NULL) != 0 || pipe(pipe_fds) != 0) {
		perror("pg_suspects");
		return 1;
	}
	main_thread = pthread_self();
	pthread_t t;
	pthread_create(&t, NULL, signaller, NULL);
	char c;
	ssize_t n = read(pipe_fds[0], &c, 1);
	int err = errno;
	pthread_join(t, NULL);
	if (n < 0)
		printf("SIG%s %s: read -1 %s, handled %d\n", signame, restart ? "restart" : "no-restart",
		       err == EINTR ? "EINTR" : strerror(err), atomic_load(&handled));
	else
		printf("SIG%s %s: read %zd, handled %d\n", signame, restart ? "restart" : "no-restart",
		       n, atomic_load(&handled));
	return 0;
}

/* --- dlopen ------------------------------------------------------------ */

static uint64_t digest = 1469598103934665603ull;

static void mix(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		digest = (digest ^ b[i]) * 1099511628211ull;
}

static void mix_str(const char *s)
{
	mix(s ? s : "(null)", strlen(s ? s : "(null)") + 1);
}

static atomic_int busy_stop;

PG_PROFILED void dlopen_busy_work(void)
{
	PG_BARRIER();
	while (!atomic_load(&busy_stop))
		burn(0xb5b5, 200000);
}

static void *busy_thread(void *arg)
{
	(void)arg;
	dlopen_busy_work();
	return NULL;
}

/* The lookups themselves: glibc dlopens libnss_files, libnss_dns/myhostname
 * per nsswitch.conf, and a gconv module on first use in the process. */
PG_PROFILED void dlopen_lookup_work(void)
{
	PG_BARRIER();
	struct passwd *pw = getpwnam("root");
	mix_str(pw ? pw->pw_name : NULL);
	mix_str(pw ? pw->pw_dir : NULL);
	struct group *gr = getgrnam("root");
	mix_str(gr ? gr->gr_name : NULL);
	struct passwd *nobody = getpwnam("pg-no-such-user");
	mix_str(nobody ? nobody->pw_name : "absent");

	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo("localhost", "80", &hints, &res);
	mix(&rc, sizeof rc);
	for (struct addrinfo *a = res; a; a = a->ai_next)
		mix(a->ai_addr, a->ai_addrlen);
	if (res)
		freeaddrinfo(res);

	iconv_t cd = iconv_open("UTF-16LE", "ISO-8859-15");
	if (cd == (iconv_t)-1) {
		mix_str("iconv_open failed");
	} else {
		char in[] = "caf\xe9 \xa4", out[64];
		char *ip = in, *op = out;
		size_t il = strlen(in), ol = sizeof out;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		mix(&r, sizeof r);
		mix(out, sizeof out - ol);
		iconv_close(cd);
	}
	burn(0xd10d, 300000);
}

static int dlopen_case(int rounds)
{
	pthread_t t;
	pthread_create(&t, NULL, busy_thread, NULL);
	for (int i = 0; i < rounds; i++) {
		dlopen_lookup_work();
		/* Each lookup closes its modules again when glibc frees them
		 * (nss modules stay; gconv modules are unloaded on close), so
		 * every round dlopens anew. */
	}
	atomic_store(&busy_stop, 1);
	pthread_join(t, NULL);
	printf("dlopen rounds %d digest %016llx\n", rounds, (unsigned long long)digest);
	return 0;
}

struct lock_find {
	char *base;
	size_t size;
	pid_t tid;
	pthread_mutex_t *found;
	int count;
};

static int find_owned(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	struct lock_find *lf = data;
	for (size_t off = 0; off + sizeof(pthread_mutex_t) <= lf->size; off += _Alignof(pthread_mutex_t)) {
		pthread_mutex_t *m = (pthread_mutex_t *)(lf->base + off);
		if (m->__data.__lock != 0 && m->__data.__owner == lf->tid &&
		    (m->__data.__kind & 0x7f) == PTHREAD_MUTEX_RECURSIVE_NP) {
			lf->found = m;
			lf->count++;
		}
	}
	return 1;
}

PG_PROFILED void window_work(double seconds)
{
	PG_BARRIER();
	burn_for(0x10c4, seconds);
}

static int loader_lock_window_case(double seconds)
{
	void *rtld = dlvsym(RTLD_DEFAULT, "_rtld_global", "GLIBC_PRIVATE");
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	if (!rtld || !dladdr1(rtld, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym) {
		printf("no loader lock found\n");
		return 0;
	}
	struct lock_find lf = { rtld, sym->st_size, (pid_t)syscall(SYS_gettid), NULL, 0 };
	dl_iterate_phdr(find_owned, &lf);
	if (lf.count != 1) {
		printf("no loader lock found\n");
		return 0;
	}
	pthread_mutex_t *m = lf.found;
	__atomic_store_n(&m->__data.__lock, 1, __ATOMIC_SEQ_CST);
	window_work(seconds);
	__atomic_store_n(&m->__data.__lock, 0, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &m->__data.__lock, FUTEX_WAKE_PRIVATE, 1 << 30, NULL, NULL, 0);
	printf("window kept\n");
	return 0;
}

static int dlopen_forks_case(int n)
{
	int failed = 0;
	uint64_t all = 0;
	for (int i = 0; i < n; i++) {
		int fds[2];
		if (pipe(fds) != 0) {
			perror("pipe");
			return 1;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(fds[0]);
			dlopen_lookup_work();
			ssize_t w = write(fds[1], &digest, sizeof digest);
			_exit(w == (ssize_t)sizeof digest ? 0 : 3);
		}
		close(fds[1]);
		uint64_t d = 0;
		ssize_t r = read(fds[0], &d, sizeof d);
		close(fds[0]);
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
		    r != (ssize_t)sizeof d)
			failed++;
		all = all * 31 + d;
	}
	printf("dlopen children %d digest %016llx failed %d\n", n, (unsigned long long)all, failed);
	return 0;
}

/* --- deep ------------------------------------------------------------- */

PG_PROFILED void deep_work(void)
{
	PG_BARRIER();
	burn(0xdee9, 100000);
}

PG_PROFILED int deep_recurse(int depth, double seconds)
{
	PG_BARRIER();
	if (depth > 1)
		return deep_recurse(depth - 1, seconds) + 1;  /* not a tail call */
	double t0 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
	while (clock_seconds(CLOCK_THREAD_CPUTIME_ID) - t0 < seconds)
		deep_work();
	return 1;
}

/* --- spoil-child ------------------------------------------------------- */

static int spoil_own_record(void)
{
	char link[64], path[4096];
	for (int fd = 0; fd < 65536; fd++) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, path, sizeof path - 1);
		if (n <= 0)
			continue;
		path[n] = '\0';
		size_t len = (size_t)n;
		if (!strstr(path, "/.raw-") || len < 4 || strcmp(path + len - 4, ".pgr") != 0)
			continue;
		int w = open(path, O_WRONLY | O_CLOEXEC);
		if (w < 0)
			return 0;
		int ok = pwrite(w, "spoiled!", 8, 0) == 8;
		close(w);
		return ok;
	}
	return 0;
}

static int spoil_child_case(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		fill_work();
		fprintf(stderr, "pg_suspects: child: record file %s\n", spoil_own_record() ? "spoiled" : "not found");
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	fill_work();
	printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

/* --- fill -------------------------------------------------------------- */

PG_PROFILED void fill_work(void)
{
	PG_BARRIER();
	burn_for(0xf111, 0.25);
}

static int fill_case(const char *dir, double seconds)
{
	double t0 = clock_seconds(CLOCK_MONOTONIC);
	while (clock_seconds(CLOCK_MONOTONIC) - t0 < seconds / 2)
		fill_work();
	char path[4096];
	snprintf(path, sizeof path, "%s/filler", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	static char block[1 << 16];
	memset(block, 0xab, sizeof block);
	int full = 0;
	for (;;) {
		ssize_t n = write(fd, block, sizeof block);
		if (n < 0) {
			full = errno == ENOSPC;
			break;
		}
	}
	/* Stay full while the collector drains a few times (every 20 ms). */
	for (int i = 0; i < 4; i++)
		fill_work();
	close(fd);
	unlink(path);
	while (clock_seconds(CLOCK_MONOTONIC) - t0 < seconds)
		fill_work();
	printf("disk filled: %s\n", full ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && strcmp(argv[1], "eintr") == 0)
		return eintr_case(argv[2], argc > 3 && strcmp(argv[3], "restart") == 0);
	if (argc == 3 && strcmp(argv[1], "dlopen") == 0)
		return dlopen_case(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "dlopen-forks") == 0)
		return dlopen_forks_case(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "loader-lock-window") == 0)
		return loader_lock_window_case(atof(argv[2]));
	if (argc == 4 && strcmp(argv[1], "deep") == 0) {
		int depth = atoi(argv[2]);
		printf("depth %d\n", deep_recurse(depth, atof(argv[3])));
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "spoil-child") == 0)
		return spoil_child_case();
	if (argc == 4 && strcmp(argv[1], "fill") == 0)
		return fill_case(argv[2], atof(argv[3]));
	fprintf(stderr, "usage: pg_suspects eintr PROF|TRAP [restart] | dlopen N | dlopen-forks N | loader-lock-window SECONDS | deep DEPTH SECONDS | spoil-child | fill DIR SECONDS\n");
	return 2;
}
