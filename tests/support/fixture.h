/*
 * Shared by the Check suites of every layer: running a suite, a private
 * temporary folder per test, small profiles from folded text and back,
 * files of a test read, written and listed, stored baselines read from a
 * file, rendering into memory
 * (open_memstream), and comparing the result with a file of
 * tests/fixtures/expected/. Set PG_UPDATE_EXPECTED=1 to rewrite the
 * expected files from the current output (then review the diff).
 */
#ifndef PG_TEST_FIXTURE_H
#define PG_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <check.h>

#include "baseline.h"
#include "profile.h"

/* Runs every test of s, each in a child process (Check's default), and
 * returns what main returns: 0 when all passed, else 1. */
int fixture_run(Suite *s);

/* The running test's own folder: fixture_tmpdir_make() creates a fresh one
 * under $TMPDIR (else /tmp) named after the program, and
 * fixture_tmpdir_remove() removes it with everything in it (failing the
 * test if it cannot). Both fit tcase_add_checked_fixture(). */
extern char fixture_tmpdir[128];
void fixture_tmpdir_make(void);
void fixture_tmpdir_remove(void);
/* A fresh folder $TMPDIR/pg_<tag>.XXXXXX (else under /tmp) into dir. */
void fixture_mkdtemp(char *dir, size_t size, const char *tag);
/* Removes path with everything under it (links, not what they point to);
 * 0, or -1 after saying on stderr what could not be removed. */
int fixture_rmtree(const char *path);

/* Files of a test: fixture_path() is dir/name in one of a few rotating
 * static buffers (good for the next few calls); fixture_read() is a whole
 * file, NUL-terminated, asserting that it reads (the caller frees it);
 * fixture_write() puts len bytes of data in fixture_tmpdir/name and returns
 * its path (a rotating buffer, as fixture_path's); fixture_listing() is
 * the names in dir but . and .., sorted and joined by single spaces (the
 * caller frees it). */
const char *fixture_path(const char *dir, const char *name);
char *fixture_read(const char *path);
const char *fixture_write(const char *name, const void *data, size_t len);
char *fixture_listing(const char *dir);

/* Adds "a;b;c" (frames root first, split on ';') with weight for thread tid. */
void fixture_add(struct pg_profile *p, const char *stack, int32_t tid, uint64_t weight);
/* A new profile of lines "a;b;c WEIGHT" (tid PG_TID_ANY); asserts on failure. */
struct pg_profile *fixture_folded(const char *text);
/* The profile as folded text (pg_folded_write); the caller frees it. */
char *fixture_folded_text(const struct pg_profile *p);

/* The baseline stored in the file at path; asserts that it reads. */
struct pg_baseline *fixture_baseline(const char *path);

/* What a render call wrote, NUL-terminated; the caller frees it. */
struct fixture_out {
	char *text;
	size_t len;
	FILE *f;
};
FILE *fixture_open(struct fixture_out *out);
void fixture_close(struct fixture_out *out);

/* Asserts that text equals tests/fixtures/expected/<name>; shows the first
 * difference. With PG_UPDATE_EXPECTED=1, writes the file instead. */
void fixture_expect(const char *name, const char *text, size_t len);

/* Number of occurrences of needle in haystack. */
size_t fixture_count(const char *haystack, const char *needle);

#endif
