/*
 * Tests of harness/launch.c: PATH lookup that tells "not found" from "cannot
 * execute", the dynamic-ELF check that LD_PRELOAD needs, and running a
 * command with its exit status, a working directory, redirections, and a
 * timeout that ends the whole process group.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fixture.h"
#include "launch.h"

extern char **environ;


static int run(struct pg_launch_result *r, char *const *argv, double timeout, const char *cwd, int out_fd)
{
	char *path = NULL;
	struct pg_launch l = { .argv = argv, .envp = environ, .timeout = timeout, .kill_grace = 0.2,
			       .cwd = cwd, .stderr_fd = -1, .stdout_fd = out_fd };
	int rc;

	ck_assert_msg(pg_launch_resolve(&path, argv[0]) == 0, "%s", pg_error_last());
	rc = pg_launch_run(r, path, &l);
	free(path);
	return rc;
}

START_TEST(test_resolve_tells_missing_from_not_executable)
{
	char *out = NULL, path[256];
	int fd;

	ck_assert_int_eq(pg_launch_resolve(&out, "sh"), 0);
	ck_assert_ptr_nonnull(strchr(out, '/'));
	free(out);
	ck_assert_int_eq(pg_launch_resolve(&out, "pg-no-such-program-here"), PG_ENOTFOUND);
	snprintf(path, sizeof path, "%s/plain.txt", fixture_tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pg_launch_resolve(&out, path), PG_EGENERIC);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "plain.txt"));
}
END_TEST

START_TEST(test_dynamic_check)
{
	char *sh = NULL, path[256];
	FILE *f;

	ck_assert_int_eq(pg_launch_resolve(&sh, "sh"), 0);
	ck_assert_msg(pg_launch_check_dynamic(sh) == 0, "%s", pg_error_last());
	free(sh);
	/* A script is as dynamic as its interpreter. */
	snprintf(path, sizeof path, "%s/script", fixture_tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	chmod(path, 0755);
	ck_assert_msg(pg_launch_check_dynamic(path) == 0, "%s", pg_error_last());
	/* Not ELF: exec decides (and fails with ENOEXEC), not this check. */
	snprintf(path, sizeof path, "%s/data", fixture_tmpdir);
	f = fopen(path, "w");
	fputs("just text\n", f);
	fclose(f);
	ck_assert_int_eq(pg_launch_check_dynamic(path), 0);
	/* A 32-bit ELF program is refused, naming it. */
	snprintf(path, sizeof path, "%s/elf32", fixture_tmpdir);
	f = fopen(path, "w");
	fwrite("\x7f" "ELF\x01\x01\x01", 1, 7, f);
	for (int i = 7; i < 128; i++)
		fputc(0, f);
	fclose(f);
	ck_assert_int_lt(pg_launch_check_dynamic(path), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "64-bit"));
}
END_TEST

START_TEST(test_exit_status_cwd_and_stdout)
{
	struct pg_launch_result r;
	char path[256], buf[256] = "";
	char *const status[] = { "sh", "-c", "exit 7", NULL };
	char *const pwd[] = { "sh", "-c", "pwd", NULL };
	int fd;
	ssize_t n;

	ck_assert_int_eq(run(&r, status, 0, NULL, -1), 0);
	ck_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7);
	ck_assert_int_eq(r.timed_out, 0);
	ck_assert(r.wall_seconds >= 0);

	snprintf(path, sizeof path, "%s/out", fixture_tmpdir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ck_assert_int_eq(run(&r, pwd, 0, fixture_tmpdir, fd), 0);
	n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[strcspn(buf, "\n")] = '\0';
	ck_assert_str_eq(buf, fixture_tmpdir);
}
END_TEST

/* Whether process pid still runs (a zombie waiting for its reaper does not). */
static int running(long pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state && state != 'Z' && state != 'X';
}

START_TEST(test_timeout_ends_the_process_group)
{
	struct pg_launch_result r;
	char script[512], path[256];
	long grandchild = 0;
	FILE *f;

	/* A shell that ignores SIGTERM, with a grandchild in the background:
	 * both must go. */
	snprintf(path, sizeof path, "%s/pid", fixture_tmpdir);
	snprintf(script, sizeof script, "trap '' TERM; sleep 30 & echo $! > '%s'; sleep 30; wait", path);
	char *const argv[] = { "sh", "-c", script, NULL };

	ck_assert_int_eq(run(&r, argv, 0.5, NULL, -1), 0);
	ck_assert_int_eq(r.timed_out, 1);
	ck_assert(WIFSIGNALED(r.status));
	ck_assert_msg(r.wall_seconds < 10, "took %.1f s", r.wall_seconds);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld", &grandchild), 1);
	fclose(f);
	for (int i = 0; i < 100 && running(grandchild); i++)
		usleep(10000);
	ck_assert_msg(!running(grandchild), "the background child %ld outlived the timeout", grandchild);
}
END_TEST

START_TEST(test_cpu_time_is_reported)
{
	struct pg_launch_result r;
	char *const argv[] = { "sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done", NULL };

	ck_assert_int_eq(run(&r, argv, 0, NULL, -1), 0);
	ck_assert(r.ru.ru_utime.tv_sec > 0 || r.ru.ru_utime.tv_usec > 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("launch");
	TCase *tc = tcase_create("launch");

	tcase_add_checked_fixture(tc, fixture_tmpdir_make, fixture_tmpdir_remove);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_resolve_tells_missing_from_not_executable);
	tcase_add_test(tc, test_dynamic_check);
	tcase_add_test(tc, test_exit_status_cwd_and_stdout);
	tcase_add_test(tc, test_timeout_ends_the_process_group);
	tcase_add_test(tc, test_cpu_time_is_reported);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
