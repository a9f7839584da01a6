/*
 * pg_fd_games: a program that plays with descriptor numbers, to show that
 * profgate's own descriptors never meet the program's (integration/
 * unchanged). Each case prints what the program observes; the test runs it
 * with and without profgate and compares.
 *
 *   pg_fd_games dup DIR      dup2, dup3 and fcntl(F_DUPFD) of its own file
 *                            onto 3..12, 255 and every descriptor it finds
 *                            open at start (the collector's, under
 *                            profgate); each number must write into its own
 *                            file and nowhere else
 *   pg_fd_games closefrom IN OUT
 *                            closefrom(3), then opens IN and OUT (printing
 *                            their numbers) and copies IN to OUT a byte at
 *                            a time while burning CPU in code without
 *                            unwind tables (libunwind's slow path)
 *   pg_fd_games threads N    N threads one after another, then prints the
 *                            number its next open() gets and how many
 *                            descriptors it has more than at start
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_target.h"

void fd_games_work(void);
void no_unwind_tables_work(void);  /* pg_fd_games_nocfi.c */

PG_PROFILED void fd_games_work(void)
{
	PG_BARRIER();
	burn_for(0xfd, 0.01);
}

static int open_fds(int *out, int cap)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)) && n < cap) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd != self)
			out[n++] = fd;
	}
	closedir(d);
	return n;
}

/* Writes one line through descriptor `fd` made by `how` from a fresh file,
 * returns 1 if the file then holds exactly that line. */
static int one(const char *dir, int how, int fd)
{
	char path[4096], line[64], back[64];
	snprintf(path, sizeof path, "%s/f%d-%d", dir, how, fd);
	int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0)
		return 0;
	if (f == fd) {
		/* The file took the number itself: free it for the duplicate. */
		int other = dup(f);
		close(f);
		f = other;
	}
	int got;
	if (how == 0)
		got = dup2(f, fd);
	else if (how == 1)
		got = dup3(f, fd, O_CLOEXEC);
	else
		got = fcntl(f, F_DUPFD, fd);  /* the lowest free from fd up: fd itself */
	close(f);
	if (got != fd) {
		printf("%s onto %d gave %d\n", how == 0 ? "dup2" : how == 1 ? "dup3" : "F_DUPFD", fd, got);
		if (got >= 0)
			close(got);
		return 0;
	}
	int len = snprintf(line, sizeof line, "line for %d\n", fd);
	if (write(fd, line, (size_t)len) != len)
		return 0;
	fd_games_work();  /* samples keep coming: the collector writes meanwhile */
	close(fd);
	f = open(path, O_RDONLY);
	ssize_t n = read(f, back, sizeof back);
	close(f);
	return n == len && !memcmp(back, line, (size_t)len);
}

static int dup_case(const char *dir)
{
	int targets[512];
	int n = 0;
	for (int fd = 3; fd <= 12; fd++)
		targets[n++] = fd;
	targets[n++] = 255;
	int found[256];
	int nf = open_fds(found, 256);
	for (int i = 0; i < nf && n < 512; i++)
		if (found[i] > 12 && found[i] != 255)
			targets[n++] = found[i];
	int bad = 0;
	for (int how = 0; how < 3; how++)
		for (int i = 0; i < n; i++)
			bad += !one(dir, how, targets[i]);
	/* Only the counts that do not depend on what was open at start. */
	printf("dup cases failed: %d\n", bad);
	return bad ? 1 : 0;
}

static int closefrom_case(const char *in, const char *out)
{
	closefrom(3);
	int i = open(in, O_RDONLY);
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	printf("in=%d out=%d\n", i, o);
	if (i < 0 || o < 0)
		return 1;
	char c;
	while (read(i, &c, 1) == 1) {
		no_unwind_tables_work();
		if (write(o, &c, 1) != 1)
			return 1;
	}
	close(i);
	close(o);
	return 0;
}

static void *nothing(void *arg)
{
	return arg;
}

static int threads_case(int n)
{
	int before[4096], after[4096];
	int nb = open_fds(before, 4096);
	for (int k = 0; k < n; k++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) != 0) {
			printf("pthread_create failed at %d\n", k);
			return 1;
		}
		pthread_join(t, NULL);
	}
	int na = open_fds(after, 4096);
	int f = open("/dev/null", O_RDONLY);
	printf("next open: %d, descriptors gained: %d\n", f, na - nb);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "dup"))
		return dup_case(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "closefrom"))
		return closefrom_case(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "threads"))
		return threads_case(atoi(argv[2]));
	fprintf(stderr, "usage: pg_fd_games dup DIR | closefrom IN OUT | threads N\n");
	return 2;
}
